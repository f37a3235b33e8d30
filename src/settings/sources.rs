//! The first pass: what the user typed, and where. Merges flags, action inputs (`INPUT_*`),
//! `DEVMETRICS_*` variables, the plain variables and the built-in defaults into one raw string
//! per setting, each with its origin for messages; nothing is parsed here.
//!
//! Precedence, highest first: flag, action input, `DEVMETRICS_*` variable, plain variable
//! (`SUPABASE_URL`, `SUPABASE_SERVICE_ROLE_KEY`, `GITHUB_TOKEN`), built-in default. Every source
//! uses the same kebab-case names: input `min-pass-rate` = `INPUT_MIN-PASS-RATE` (as the runner
//! passes it) = `DEVMETRICS_MIN_PASS_RATE` = `--min-pass-rate` where a flag exists. An empty value
//! counts as unset. An unknown `DEVMETRICS_*` variable or input is an error, so a typo cannot
//! silently do nothing.

use super::SettingsError;
use crate::cli::GlobalArgs;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Every setting with its built-in default, in the order `action.yml` declares them: the one
/// list that `action.yml`'s input defaults and the README's settings table must equal (a test
/// holds the three together). An empty default means unset. A default given in `action.yml` as
/// an expression (`${{ github.token }}`) is the runner's value and is listed here as empty.
pub const DEFAULTS: &[(&str, &str)] = &[
    ("command", "record"),
    ("supabase-url", ""),
    ("supabase-service-role-key", ""),
    ("staging-supabase-url", ""),
    ("staging-supabase-service-role-key", ""),
    ("production-supabase-url", ""),
    ("production-supabase-service-role-key", ""),
    ("rest-url", ""),
    ("environment", ""),
    ("production-branches", "main,master"),
    ("staging-branches", "develop,staging,release/*"),
    ("deploy-workflows", ""),
    ("production-environments", "production,prod"),
    ("hotfix-labels", "hotfix"),
    ("hotfix-branches", "hotfix/**"),
    ("junit-paths", ""),
    ("test-types", ""),
    ("leg", ""),
    ("slowest-tests", "10"),
    ("min-pass-rate", "80"),
    ("fail-on-threshold", "false"),
    ("require-tests", "false"),
    ("rules-file", crate::rules::DEFAULT_PATH),
    ("fail-on-violation", "none"),
    ("annotate-violations", "true"),
    ("days", "90"),
    ("alert-min-pass-rate", "80"),
    ("alert-max-change-failure-rate", ""),
    ("alert-max-lead-time-hours", ""),
    ("alert-max-recovery-hours", ""),
    ("alert-min-compliance-rate", ""),
    ("fail-on-alert", "false"),
    ("github-token", ""),
    ("require-remote", "false"),
    ("fail-on-spool", "true"),
    ("output-dir", "development-metrics"),
    ("http-timeout-seconds", "15"),
    ("retry-attempts", "4"),
    ("batch-rows", "10000"),
    ("report-format", "html"),
    ("report-out", ""),
    ("older-than", "730d"),
    ("archive-dir", "devmetrics-archive"),
    ("include-metrics", "false"),
    ("dry-run", "false"),
    ("failure-window", "7d"),
    (
        "only",
        "prs,reviews,deployments,releases,workflow-runs,pushes,files,git",
    ),
];

/// The built-in default of a setting (empty: unset).
pub fn default_of(name: &str) -> &'static str {
    DEFAULTS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or("", |(_, d)| d)
}

/// Raw settings, by kebab-case name, as strings. Deserialized with envy from the merged sources;
/// `deny_unknown_fields` rejects names devmetrics does not know.
// No Debug: it holds the keys as plain strings.
#[derive(Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub(super) struct RawSettings {
    pub command: Option<String>,
    pub supabase_url: Option<String>,
    pub supabase_service_role_key: Option<String>,
    pub rest_url: Option<String>,
    pub staging_supabase_url: Option<String>,
    pub staging_supabase_service_role_key: Option<String>,
    pub production_supabase_url: Option<String>,
    pub production_supabase_service_role_key: Option<String>,
    pub environment: Option<String>,
    pub production_branches: Option<String>,
    pub staging_branches: Option<String>,
    pub require_remote: Option<String>,
    pub fail_on_spool: Option<String>,
    pub output_dir: Option<String>,
    pub deploy_workflows: Option<String>,
    pub production_environments: Option<String>,
    pub hotfix_labels: Option<String>,
    pub hotfix_branches: Option<String>,
    pub junit_paths: Option<String>,
    pub test_types: Option<String>,
    pub leg: Option<String>,
    pub slowest_tests: Option<String>,
    pub min_pass_rate: Option<String>,
    pub fail_on_threshold: Option<String>,
    pub require_tests: Option<String>,
    pub rules_file: Option<String>,
    pub fail_on_violation: Option<String>,
    pub annotate_violations: Option<String>,
    pub days: Option<String>,
    pub alert_min_pass_rate: Option<String>,
    pub alert_max_change_failure_rate: Option<String>,
    pub alert_max_lead_time_hours: Option<String>,
    pub alert_max_recovery_hours: Option<String>,
    pub alert_min_compliance_rate: Option<String>,
    pub fail_on_alert: Option<String>,
    pub github_token: Option<String>,
    pub http_timeout_seconds: Option<String>,
    pub retry_attempts: Option<String>,
    pub batch_rows: Option<String>,
    pub report_format: Option<String>,
    pub report_out: Option<String>,
    pub older_than: Option<String>,
    pub archive_dir: Option<String>,
    pub include_metrics: Option<String>,
    pub dry_run: Option<String>,
    pub failure_window: Option<String>,
    pub only: Option<String>,
}

/// Where each given setting came from, by kebab-case name (the values are not kept here).
#[derive(Debug, Clone, Default)]
pub struct Origins(BTreeMap<String, String>);

impl Origins {
    /// Where `name` was given, for messages: `flag --environment`,
    /// `input `min-pass-rate` (INPUT_MIN-PASS-RATE)`, `variable DEVMETRICS_REST_URL`,
    /// `the default of `output-dir``; `setting `name`` when it was not given at all.
    pub fn of(&self, name: &str) -> String {
        self.0
            .get(name)
            .map_or_else(|| format!("setting `{name}`"), Clone::clone)
    }

    /// A bad value of `name`, naming where it was given.
    pub fn bad(&self, name: &str, problem: impl Into<String>) -> SettingsError {
        SettingsError::BadValue {
            origin: self.of(name),
            problem: problem.into(),
        }
    }
}

/// A setting's value and where it came from. No Debug: the value may be a key.
#[derive(Clone)]
struct Given {
    value: String,
    origin: String,
}

/// Merges every source by precedence into raw settings and their origins. Fails on a setting
/// name devmetrics does not know.
pub(super) fn gather(
    flags: &GlobalArgs,
    env: &[(String, String)],
) -> Result<(RawSettings, Origins), SettingsError> {
    let mut given: BTreeMap<String, Given> = BTreeMap::new();

    // Highest precedence first: `collect` keeps the first value it sees for a name.
    let g = flags;
    let flags = [
        ("supabase-url", g.supabase_url.clone()),
        ("rest-url", g.rest_url.clone()),
        ("environment", g.environment.clone()),
        (
            "output-dir",
            g.output_dir.as_ref().map(|p| p.display().to_string()),
        ),
        (
            "require-remote",
            g.require_remote.then(|| "true".to_owned()),
        ),
        ("fail-on-spool", g.fail_on_spool.then(|| "true".to_owned())),
    ];
    for (name, value) in flags {
        if let Some(value) = value {
            given.insert(
                name.to_owned(),
                Given {
                    value,
                    origin: format!("flag --{name}"),
                },
            );
        }
    }
    collect(&mut given, env, "INPUT_", |k| {
        format!("input `{}` ({k})", k["INPUT_".len()..].to_ascii_lowercase())
    });
    collect(&mut given, env, "DEVMETRICS_", |k| format!("variable {k}"));
    let plain: Vec<(String, String)> = env
        .iter()
        .filter(|(k, _)| {
            matches!(
                k.as_str(),
                "SUPABASE_URL" | "SUPABASE_SERVICE_ROLE_KEY" | "GITHUB_TOKEN"
            )
        })
        .map(|(k, v)| (format!("PLAIN_{k}"), v.clone()))
        .collect();
    collect(&mut given, &plain, "PLAIN_", |k| {
        format!("variable {}", &k["PLAIN_".len()..])
    });

    // Lowest precedence: the built-in defaults, so that a value equal to the default (as the
    // runner passes every input of action.yml) means exactly what no value means.
    for (name, default) in DEFAULTS {
        if !default.is_empty() && !given.contains_key(*name) {
            given.insert(
                (*name).to_owned(),
                Given {
                    value: (*default).to_owned(),
                    origin: format!("the default of `{name}`"),
                },
            );
        }
    }

    let raw: RawSettings = envy::from_iter(
        given
            .iter()
            .map(|(name, g)| (name.clone(), g.value.clone())),
    )
    .map_err(|err| unknown_setting(&err, &given))?;
    let origins = Origins(
        given
            .into_iter()
            .map(|(name, g)| (name, g.origin))
            .collect(),
    );
    Ok((raw, origins))
}

/// Collects one source's settings by kebab-case name.
fn collect(
    into: &mut BTreeMap<String, Given>,
    env: &[(String, String)],
    prefix: &str,
    describe: impl Fn(&str) -> String,
) {
    for (key, value) in env {
        let Some(rest) = key.strip_prefix(prefix) else {
            continue;
        };
        if value.trim().is_empty() || rest.is_empty() {
            continue;
        }
        let name = rest.to_ascii_lowercase().replace('_', "-");
        into.entry(name).or_insert_with(|| Given {
            value: value.clone(),
            origin: describe(key),
        });
    }
}

fn unknown_setting(err: &envy::Error, given: &BTreeMap<String, Given>) -> SettingsError {
    let text = err.to_string();
    // envy reports "unknown field `name`, expected one of ...".
    let name = text
        .split('`')
        .nth(1)
        .map(str::to_owned)
        .unwrap_or_default();
    match given.get(&name) {
        Some(g) => SettingsError::UnknownSetting {
            origin: g.origin.clone(),
        },
        None => SettingsError::BadValue {
            origin: "settings".into(),
            problem: text,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::settings;
    use super::*;
    use crate::environment::Environment;
    use crate::settings::HttpSettings;

    #[test]
    fn precedence_flag_then_input_then_variable() {
        let env = [
            ("INPUT_ENVIRONMENT", "staging"),
            ("DEVMETRICS_ENVIRONMENT", "production"),
        ];
        assert_eq!(
            settings(&[], &env).unwrap().environment,
            Some(Environment::Staging)
        );
        assert_eq!(
            settings(&["--environment", "local"], &env)
                .unwrap()
                .environment,
            Some(Environment::Local)
        );
        let only_var = [("DEVMETRICS_ENVIRONMENT", "production")];
        assert_eq!(
            settings(&[], &only_var).unwrap().environment,
            Some(Environment::Production)
        );
    }

    #[test]
    fn unknown_settings_and_bad_values_name_their_origin() {
        let err = settings(&[], &[("DEVMETRICS_SUPABASE_ULR", "x")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown setting variable DEVMETRICS_SUPABASE_ULR"
        );
        let err = settings(&[], &[("INPUT_MIN-PASS-RATE", "lots")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "input `min-pass-rate` (INPUT_MIN-PASS-RATE): 'lots' is not a number from 0 to 100"
        );
        let err = settings(&[], &[("INPUT_ENVIRONMENT", "prod")]).unwrap_err();
        assert!(err
            .to_string()
            .contains("expected local, staging or production"));
    }

    #[test]
    fn the_defaults_are_what_no_value_means() {
        // Every input at its action.yml default (as the runner passes them) gives the same
        // configuration as no input at all.
        let none = settings(&[], &[]).unwrap();
        let inputs: Vec<(String, &str)> = DEFAULTS
            .iter()
            .map(|(n, d)| (format!("INPUT_{}", n.to_ascii_uppercase()), *d))
            .collect();
        let env: Vec<(&str, &str)> = inputs.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        let all = settings(&[], &env).unwrap();
        assert_eq!(format!("{none:?}"), format!("{all:?}"));
        assert_eq!(all.record.rules.file, None);
        assert_eq!(all.http, HttpSettings::default());
        assert!(all.fail_on_spool);
    }
}
