//! Configuration: flags, action inputs (`INPUT_*`), `DEVMETRICS_*` variables and the plain
//! `SUPABASE_*` / `GITHUB_*` variables, merged into one validated [`Config`], without I/O.
//!
//! Precedence, highest first: flag, action input, `DEVMETRICS_*` variable, plain variable
//! (`SUPABASE_URL`, `SUPABASE_SERVICE_ROLE_KEY`, `GITHUB_TOKEN`), built-in default. Every source
//! uses the same kebab-case names: input `min-pass-rate` = `INPUT_MIN-PASS-RATE` (as the runner
//! passes it) = `DEVMETRICS_MIN_PASS_RATE` = `--min-pass-rate` where a flag exists. An empty value
//! counts as unset. An unknown `DEVMETRICS_*` variable or input is an error, so a typo cannot
//! silently do nothing.

use crate::cli::{Cli, Command, RecordArgs};
use crate::environment::Environment;
use crate::secret::{KeyKind, Secret};
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// The URL `supabase start` serves the API on, used for the `local` environment.
pub const LOCAL_SUPABASE_URL: &str = "http://127.0.0.1:54321";

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
    ("github-token", ""),
    ("require-remote", "false"),
    ("fail-on-spool", "true"),
    ("output-dir", "development-metrics"),
    ("http-timeout-seconds", "15"),
    ("retry-attempts", "4"),
    ("batch-rows", "10000"),
];

/// The built-in default of a setting (empty: unset).
pub fn default_of(name: &str) -> &'static str {
    DEFAULTS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or("", |(_, d)| d)
}

/// A configuration problem, found before anything was read or sent.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// An unknown setting name.
    #[error("unknown setting {origin}")]
    UnknownSetting {
        /// Where it was given, e.g. `DEVMETRICS_FOO`.
        origin: String,
    },
    /// A value of the wrong shape.
    #[error("{origin}: {problem}")]
    BadValue {
        /// Where it was given.
        origin: String,
        /// What is wrong and what is expected.
        problem: String,
    },
    /// The resolved environment has no Supabase secrets, and the run may not fall back to local
    /// files: `require-remote` is set, or it is a GitHub Actions run that is not a fork's pull
    /// request while Supabase is configured for some environment (the workspace, and the local
    /// files in it, are deleted when the job ends).
    #[error("no Supabase {what} for the {environment} environment{why}")]
    MissingSecrets {
        /// The environment.
        environment: Environment,
        /// `URL`, `service role key` or both.
        what: String,
        /// Why no fallback: `, and require-remote is set`, or the Actions case.
        why: String,
    },
    /// A key that cannot write.
    #[error("the Supabase key for the {environment} environment is a {kind}")]
    UnusableKey {
        /// The environment.
        environment: Environment,
        /// What kind it is.
        kind: &'static str,
    },
}

/// Raw settings, by kebab-case name, as strings. Deserialized with envy from the merged sources;
/// `deny_unknown_fields` rejects names devmetrics does not know.
// No Debug: it holds the keys as plain strings.
#[derive(Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawSettings {
    command: Option<String>,
    supabase_url: Option<String>,
    supabase_service_role_key: Option<String>,
    rest_url: Option<String>,
    staging_supabase_url: Option<String>,
    staging_supabase_service_role_key: Option<String>,
    production_supabase_url: Option<String>,
    production_supabase_service_role_key: Option<String>,
    environment: Option<String>,
    production_branches: Option<String>,
    staging_branches: Option<String>,
    require_remote: Option<String>,
    fail_on_spool: Option<String>,
    output_dir: Option<String>,
    deploy_workflows: Option<String>,
    production_environments: Option<String>,
    junit_paths: Option<String>,
    test_types: Option<String>,
    leg: Option<String>,
    slowest_tests: Option<String>,
    min_pass_rate: Option<String>,
    fail_on_threshold: Option<String>,
    require_tests: Option<String>,
    rules_file: Option<String>,
    fail_on_violation: Option<String>,
    annotate_violations: Option<String>,
    github_token: Option<String>,
    http_timeout_seconds: Option<String>,
    retry_attempts: Option<String>,
    batch_rows: Option<String>,
}

/// What the runner tells a step about itself (`GITHUB_*`), read with envy.
#[derive(Debug, Default, Clone, Deserialize, PartialEq, Eq)]
pub struct GithubContext {
    /// `true` inside GitHub Actions.
    pub actions: Option<String>,
    /// The event that triggered the workflow.
    pub event_name: Option<String>,
    /// The event payload file.
    pub event_path: Option<PathBuf>,
    /// `owner/name`.
    pub repository: Option<String>,
    /// `refs/heads/main`, `refs/pull/1/merge`...
    #[serde(rename = "ref")]
    pub git_ref: Option<String>,
    /// The branch or tag name.
    pub ref_name: Option<String>,
    /// A pull request's base branch.
    pub base_ref: Option<String>,
    /// A pull request's head branch.
    pub head_ref: Option<String>,
    /// The commit.
    pub sha: Option<String>,
    /// The workflow run id.
    pub run_id: Option<String>,
    /// The run attempt.
    pub run_attempt: Option<String>,
    /// The job id.
    pub job: Option<String>,
    /// The step's action id.
    pub action: Option<String>,
    /// The workspace directory.
    pub workspace: Option<PathBuf>,
    /// The job summary file.
    pub step_summary: Option<PathBuf>,
    /// The step outputs file.
    pub output: Option<PathBuf>,
    /// The REST API base, e.g. `https://api.github.com`.
    pub api_url: Option<String>,
    /// Who triggered the run.
    pub actor: Option<String>,
}

impl GithubContext {
    /// True inside a GitHub Actions runner.
    pub fn in_actions(&self) -> bool {
        self.actions.as_deref() == Some("true")
    }

    /// The branch that decides the environment: a pull request's base branch, else the ref's.
    pub fn deciding_branch(&self) -> Option<&str> {
        non_empty(self.base_ref.as_deref()).or_else(|| {
            non_empty(self.ref_name.as_deref()).or_else(|| {
                self.git_ref
                    .as_deref()
                    .and_then(|r| r.strip_prefix("refs/heads/"))
            })
        })
    }
}

fn non_empty(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.trim().is_empty())
}

/// Supabase settings given for one environment (or for all, unprefixed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemoteSettings {
    /// Project URL.
    pub url: Option<String>,
    /// Service role key.
    pub key: Option<Secret>,
}

/// How HTTP writes behave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpSettings {
    /// Per-request timeout.
    pub timeout: Duration,
    /// Attempts per request, the first included.
    pub attempts: u32,
    /// Rows per POST at most.
    pub batch_rows: usize,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            timeout: Duration::from_secs(15),
            attempts: 4,
            batch_rows: 10_000,
        }
    }
}

/// Settings of `record` about test results.
#[derive(Debug, Clone, PartialEq)]
pub struct JunitSettings {
    /// `junit-paths`: globs one per line, `!` to exclude (expanded when the files are read).
    pub paths: String,
    /// `test-types`: `glob=type` lines, first match wins; empty = the default mapping.
    pub test_types: String,
    /// How many slowest cases to keep; `None` = all.
    pub slowest: Option<usize>,
    /// Alert under this pass rate (percent).
    pub min_pass_rate: f64,
    /// Fail the step under the pass rate.
    pub fail_on_threshold: bool,
    /// No JUnit file matched is an error.
    pub require_tests: bool,
    /// `leg`: names this leg of a matrix or sharded job (the Action defaults it to the
    /// strategy's job index); `None` = derived from the leg's reports.
    pub leg: Option<String>,
}

/// Everything `record` needs beyond the target.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordSettings {
    /// Flags given on the command line.
    pub args: RecordArgs,
    /// Workflows whose completed runs count as deployments.
    pub deploy_workflows: Vec<String>,
    /// GitHub environment names that are production.
    pub production_environments: Vec<String>,
    /// Test results.
    pub junit: JunitSettings,
    /// The rules file, when set explicitly (else `.github/devmetrics.yml` if present, else the
    /// default rules).
    pub rules_file: Option<PathBuf>,
    /// Rules whose violation fails the step: names, `all` or `none`, checked against the rules
    /// once they are loaded.
    pub fail_on_violation: String,
    /// Emit a warning annotation per violation.
    pub annotate_violations: bool,
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The subcommand.
    pub command: Command,
    /// An explicit environment.
    pub environment: Option<Environment>,
    /// Branch globs that mean production.
    pub production_branches: Vec<String>,
    /// Branch globs that mean staging.
    pub staging_branches: Vec<String>,
    /// Unprefixed Supabase settings.
    pub remote: RemoteSettings,
    /// Staging-only Supabase settings.
    pub staging_remote: RemoteSettings,
    /// Production-only Supabase settings.
    pub production_remote: RemoteSettings,
    /// PostgREST base override.
    pub rest_url: Option<String>,
    /// Refuse the local fallback.
    pub require_remote: bool,
    /// Exit non-zero when rows were spooled.
    pub fail_on_spool: bool,
    /// JSONL files and the spool.
    pub output_dir: PathBuf,
    /// The runner's context.
    pub github: GithubContext,
    /// For API lookups.
    pub github_token: Option<Secret>,
    /// HTTP behaviour.
    pub http: HttpSettings,
    /// `record` settings.
    pub record: RecordSettings,
}

/// What the event payload tells about where its rows belong.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EventFacts<'a> {
    /// The pull request's base branch named by the payload.
    pub base_branch: Option<&'a str>,
    /// A pull request (or its review) from a fork.
    pub from_fork: bool,
}

/// Where rows go, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// The environment rows are recorded for.
    pub environment: Environment,
    /// One sentence: why this environment.
    pub why: String,
    /// The sink.
    pub sink: SinkTarget,
    /// Set when the run fell back to local files.
    pub fallback_warning: Option<String>,
}

/// The sink a run writes to.
#[derive(Debug, Clone, PartialEq)]
pub enum SinkTarget {
    /// Supabase's PostgREST API.
    Supabase {
        /// PostgREST base, e.g. `https://x.supabase.co/rest/v1`.
        rest_url: String,
        /// The service role key.
        key: Secret,
    },
    /// Local JSONL files.
    Jsonl {
        /// The directory.
        dir: PathBuf,
    },
}

impl SinkTarget {
    /// `supabase` or `jsonl`, as reported in outputs.
    pub fn name(&self) -> &'static str {
        match self {
            SinkTarget::Supabase { .. } => "supabase",
            SinkTarget::Jsonl { .. } => "jsonl",
        }
    }
}

/// Where a setting's value came from, for messages. No Debug: the value may be a key.
#[derive(Clone)]
struct Given {
    value: String,
    origin: String,
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

impl Config {
    /// Builds the configuration from parsed flags and the process environment.
    pub fn from_cli(
        cli: Cli,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let env: Vec<(String, String)> = env.into_iter().collect();
        let mut given: BTreeMap<String, Given> = BTreeMap::new();

        // Highest precedence first: `collect` keeps the first value it sees for a name.
        let g = &cli.global;
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
        collect(&mut given, &env, "INPUT_", |k| {
            format!("input `{}` ({k})", k["INPUT_".len()..].to_ascii_lowercase())
        });
        collect(&mut given, &env, "DEVMETRICS_", |k| format!("variable {k}"));
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

        let origin = |name: &str| {
            given
                .get(name)
                .map_or_else(|| format!("setting `{name}`"), |g| g.origin.clone())
        };

        let command = match cli.command {
            Some(command) => command,
            None => match raw.command.as_deref() {
                None => Command::Record(RecordArgs::default()),
                Some(name) => Command::from_input(name).ok_or_else(|| ConfigError::BadValue {
                    origin: origin("command"),
                    problem: format!(
                        "unknown command '{name}'; expected one of: record, replay, doctor"
                    ),
                })?,
            },
        };
        let record_args = match &command {
            Command::Record(args) => args.clone(),
            _ => RecordArgs::default(),
        };

        let environment = match raw.environment.as_deref() {
            None => None,
            Some(text) => Some(
                Environment::parse(text).ok_or_else(|| ConfigError::BadValue {
                    origin: origin("environment"),
                    problem: format!(
                        "'{text}' is not an environment; expected local, staging or production"
                    ),
                })?,
            ),
        };

        let globs =
            |name: &str, value: Option<&str>, default: &str| -> Result<Vec<String>, ConfigError> {
                let list = split_list(value.unwrap_or(default));
                compile_globs(&list).map_err(|problem| ConfigError::BadValue {
                    origin: origin(name),
                    problem,
                })?;
                Ok(list)
            };
        let production_branches = globs(
            "production-branches",
            raw.production_branches.as_deref(),
            default_of("production-branches"),
        )?;
        let staging_branches = globs(
            "staging-branches",
            raw.staging_branches.as_deref(),
            default_of("staging-branches"),
        )?;
        let deploy_workflows = globs("deploy-workflows", raw.deploy_workflows.as_deref(), "")?;

        let url = |name: &str, value: Option<String>| -> Result<Option<String>, ConfigError> {
            match value {
                None => Ok(None),
                Some(v) => {
                    let v = v.trim().trim_end_matches('/').to_owned();
                    let parsed = reqwest::Url::parse(&v).map_err(|e| ConfigError::BadValue {
                        origin: origin(name),
                        problem: format!(
                            "not a URL ({e}); expected e.g. https://<project-ref>.supabase.co"
                        ),
                    })?;
                    check_scheme(&parsed).map_err(|problem| ConfigError::BadValue {
                        origin: origin(name),
                        problem,
                    })?;
                    Ok(Some(v))
                }
            }
        };
        let remote = RemoteSettings {
            url: url("supabase-url", raw.supabase_url)?,
            key: raw.supabase_service_role_key.map(Secret::new),
        };
        let staging_remote = RemoteSettings {
            url: url("staging-supabase-url", raw.staging_supabase_url)?,
            key: raw.staging_supabase_service_role_key.map(Secret::new),
        };
        let production_remote = RemoteSettings {
            url: url("production-supabase-url", raw.production_supabase_url)?,
            key: raw.production_supabase_service_role_key.map(Secret::new),
        };
        let rest_url = url("rest-url", raw.rest_url)?;

        let boolean = |name: &str, value: Option<&str>| -> Result<bool, ConfigError> {
            match value.map(|v| v.trim().to_ascii_lowercase()) {
                None => Ok(false),
                Some(v) => match v.as_str() {
                    "true" | "yes" | "1" | "on" => Ok(true),
                    "false" | "no" | "0" | "off" => Ok(false),
                    _ => Err(ConfigError::BadValue {
                        origin: origin(name),
                        problem: format!("'{v}' is not a boolean; expected true or false"),
                    }),
                },
            }
        };
        let number = |name: &str,
                      value: Option<&str>,
                      min: f64,
                      max: f64|
         -> Result<Option<f64>, ConfigError> {
            match value {
                None => Ok(None),
                Some(v) => match v.trim().parse::<f64>() {
                    Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
                    _ => Err(ConfigError::BadValue {
                        origin: origin(name),
                        problem: format!("'{v}' is not a number from {min} to {max}"),
                    }),
                },
            }
        };

        let mut http = HttpSettings::default();
        if let Some(t) = number(
            "http-timeout-seconds",
            raw.http_timeout_seconds.as_deref(),
            0.05,
            600.0,
        )? {
            http.timeout = Duration::from_secs_f64(t);
        }
        if let Some(a) = number("retry-attempts", raw.retry_attempts.as_deref(), 1.0, 20.0)? {
            http.attempts = a as u32;
        }
        if let Some(b) = number("batch-rows", raw.batch_rows.as_deref(), 1.0, 100_000.0)? {
            http.batch_rows = b as usize;
        }

        let slowest = match raw.slowest_tests.as_deref().map(str::trim) {
            None => Some(10),
            Some("all") => None,
            Some(v) => Some(v.parse::<usize>().map_err(|_| ConfigError::BadValue {
                origin: origin("slowest-tests"),
                problem: format!("'{v}' is not a count; expected a whole number or `all`"),
            })?),
        };
        let test_types = raw.test_types.clone().unwrap_or_default();
        if !test_types.trim().is_empty() {
            crate::sources::junit::paths::TestTypes::parse(&test_types).map_err(|e| {
                ConfigError::BadValue {
                    origin: origin("test-types"),
                    problem: format!("{e}; {}", e.help().join("; ")),
                }
            })?;
        }
        let junit = JunitSettings {
            paths: raw.junit_paths.clone().unwrap_or_default(),
            test_types,
            slowest,
            min_pass_rate: number("min-pass-rate", raw.min_pass_rate.as_deref(), 0.0, 100.0)?
                .unwrap_or(80.0),
            fail_on_threshold: boolean("fail-on-threshold", raw.fail_on_threshold.as_deref())?,
            require_tests: boolean("require-tests", raw.require_tests.as_deref())?,
            leg: raw
                .leg
                .as_deref()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned),
        };

        let record = RecordSettings {
            args: record_args,
            deploy_workflows,
            production_environments: split_list(
                raw.production_environments
                    .as_deref()
                    .unwrap_or(default_of("production-environments")),
            ),
            junit,
            // The default path is not "given": an absent file there means the default rules.
            rules_file: raw
                .rules_file
                .as_deref()
                .map(str::trim)
                .filter(|p| p.trim_start_matches("./") != crate::rules::DEFAULT_PATH)
                .map(PathBuf::from),
            fail_on_violation: raw.fail_on_violation.clone().unwrap_or_default(),
            annotate_violations: raw.annotate_violations.is_none()
                || boolean("annotate-violations", raw.annotate_violations.as_deref())?,
        };

        let github: GithubContext = envy::prefixed("GITHUB_")
            .from_iter(env.iter().filter(|(_, v)| !v.is_empty()).cloned())
            .map_err(|e| ConfigError::BadValue {
                origin: "GITHUB_* variables".into(),
                problem: e.to_string(),
            })?;

        Ok(Config {
            command,
            environment,
            production_branches,
            staging_branches,
            remote,
            staging_remote,
            production_remote,
            rest_url,
            require_remote: boolean("require-remote", raw.require_remote.as_deref())?,
            fail_on_spool: boolean("fail-on-spool", raw.fail_on_spool.as_deref())?,
            output_dir: PathBuf::from(
                raw.output_dir
                    .as_deref()
                    .unwrap_or(default_of("output-dir")),
            ),
            github,
            github_token: match raw.github_token {
                None => None,
                Some(token) => {
                    crate::github_api::check_token(&token).map_err(|problem| {
                        ConfigError::BadValue {
                            origin: origin("github-token"),
                            problem: format!(
                                "the GitHub token cannot be sent in an HTTP header: {problem}; \
                                 pass the token itself, e.g. `github-token: ${{{{ github.token }}}}`"
                            ),
                        }
                    })?;
                    Some(Secret::new(token))
                }
            },
            http,
            record,
        })
    }

    /// Every secret the configuration holds, to mask and redact.
    pub fn secrets(&self) -> Vec<&Secret> {
        [
            &self.remote.key,
            &self.staging_remote.key,
            &self.production_remote.key,
            &self.github_token,
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// Decides the environment and the sink. Pure: the decision rests on settings and the
    /// runner's variables only.
    pub fn target(&self) -> Result<Target, ConfigError> {
        self.target_for(EventFacts::default())
    }

    /// True when some Supabase URL or key is configured, for any environment.
    pub fn has_any_remote(&self) -> bool {
        [&self.remote, &self.staging_remote, &self.production_remote]
            .iter()
            .any(|r| r.url.is_some() || r.key.is_some())
    }

    /// Like [`Config::target`], with what the event payload tells: the base branch it names (a
    /// review's pull request: the runner sets `GITHUB_BASE_REF` for `pull_request` events only,
    /// and a review must land in the same environment as its pull request), and whether it comes
    /// from a fork (which gets no secrets, so falls back to local files).
    pub fn target_for(&self, event: EventFacts<'_>) -> Result<Target, ConfigError> {
        let (environment, why) = self.environment_and_why(event.base_branch);
        let (url, key) = self.remote_settings(environment);
        let dir = self.output_dir.clone();

        match (url, key) {
            (Some(_), Some(_)) => Ok(Target {
                environment,
                why,
                sink: self
                    .remote_for(environment)?
                    .expect("url and key are known"),
                fallback_warning: None,
            }),
            (_, None) if environment == Environment::Local && !self.require_remote => {
                // The embedded default: no key, no Supabase needed.
                Ok(Target {
                    environment,
                    why,
                    sink: SinkTarget::Jsonl { dir },
                    fallback_warning: self.remote.url.as_ref().map(|_| {
                        "supabase-url is set but no service role key is: rows were written to local files".to_owned()
                    }),
                })
            }
            (url, key) => {
                let what = match (url.is_some(), key.is_some()) {
                    (false, false) => "URL and service role key",
                    (true, false) => "service role key",
                    _ => "URL",
                }
                .to_owned();
                if self.require_remote {
                    return Err(ConfigError::MissingSecrets {
                        environment,
                        what,
                        why: ", and require-remote is set".into(),
                    });
                }
                let reason = if !self.github.in_actions() {
                    "outside GitHub Actions"
                } else if event.from_fork {
                    "normal for a pull request from a fork, which gets no secrets"
                } else if !self.has_any_remote() {
                    "no Supabase secrets are configured at all: the rows are shown in the job \
                     summary and kept only in the job's workspace, which GitHub deletes when the job ends"
                } else {
                    // Secrets exist for another environment: this run's rows would be lost on
                    // the throwaway runner. Fail loudly instead.
                    return Err(ConfigError::MissingSecrets {
                        environment,
                        what,
                        why: " in this GitHub Actions run (not a pull request from a fork), while \
                              Supabase is configured for another environment"
                            .into(),
                    });
                };
                Ok(Target {
                    environment,
                    why,
                    sink: SinkTarget::Jsonl { dir: dir.clone() },
                    fallback_warning: Some(format!(
                        "no Supabase {what} for the {environment} environment ({reason}); rows were written to {}/ instead",
                        dir.display()
                    )),
                })
            }
        }
    }

    /// The Supabase project an environment's rows go to: its own settings, else the unprefixed
    /// ones (and, for `local`, the URL of `supabase start`). `None` when the URL or the key is
    /// missing ([`Config::missing_for`] says which); never local files.
    pub fn remote_for(&self, environment: Environment) -> Result<Option<SinkTarget>, ConfigError> {
        let (Some(url), Some(key)) = self.remote_settings(environment) else {
            return Ok(None);
        };
        if key.key_kind() == KeyKind::PublishableKey {
            return Err(ConfigError::UnusableKey {
                environment,
                kind: KeyKind::PublishableKey.describe(),
            });
        }
        let rest_url = self
            .rest_url
            .clone()
            .unwrap_or_else(|| format!("{url}/rest/v1"));
        Ok(Some(SinkTarget::Supabase { rest_url, key }))
    }

    /// What [`Config::remote_for`] lacks for `environment`, in words naming the settings.
    pub fn missing_for(&self, environment: Environment) -> String {
        let (url, key) = self.remote_settings(environment);
        let env = environment.as_str();
        match (url.is_some(), key.is_some()) {
            (true, true) => String::new(),
            (false, false) => format!("{env}-supabase-url and {env}-supabase-service-role-key (or supabase-url and supabase-service-role-key)"),
            (true, false) => format!("{env}-supabase-service-role-key (or supabase-service-role-key)"),
            (false, true) => format!("{env}-supabase-url (or supabase-url)"),
        }
    }

    fn remote_settings(&self, environment: Environment) -> (Option<String>, Option<Secret>) {
        let specific = match environment {
            Environment::Local => &RemoteSettings::default(),
            Environment::Staging => &self.staging_remote,
            Environment::Production => &self.production_remote,
        };
        let url = specific
            .url
            .clone()
            .or_else(|| self.remote.url.clone())
            .or_else(|| (environment == Environment::Local).then(|| LOCAL_SUPABASE_URL.to_owned()));
        let key = specific.key.clone().or_else(|| self.remote.key.clone());
        (url, key)
    }

    fn environment_and_why(&self, payload_base_branch: Option<&str>) -> (Environment, String) {
        if let Some(env) = self.environment {
            return (env, "set by the `environment` setting".to_owned());
        }
        if !self.github.in_actions() {
            return (
                Environment::Local,
                "not running in GitHub Actions".to_owned(),
            );
        }
        let base = non_empty(self.github.base_ref.as_deref()).or(payload_base_branch);
        let Some(branch) = base.or_else(|| self.github.deciding_branch()) else {
            return (
                Environment::Staging,
                "in GitHub Actions with no branch in GITHUB_BASE_REF/GITHUB_REF_NAME; CI runs count as staging".to_owned(),
            );
        };
        let production = compile_globs(&self.production_branches).expect("validated");
        let staging = compile_globs(&self.staging_branches).expect("validated");
        if production.is_match(branch) {
            (
                Environment::Production,
                format!(
                    "branch '{branch}' matches production-branches ({})",
                    self.production_branches.join(", ")
                ),
            )
        } else if staging.is_match(branch) {
            (
                Environment::Staging,
                format!(
                    "branch '{branch}' matches staging-branches ({})",
                    self.staging_branches.join(", ")
                ),
            )
        } else {
            (
                Environment::Staging,
                format!("branch '{branch}' is neither a production nor a staging branch; CI runs count as staging"),
            )
        }
    }
}

/// The service role key travels with every request: plain `http://` only to this machine
/// (`supabase start`, the local stack), `https://` everywhere else.
fn check_scheme(url: &reqwest::Url) -> Result<(), String> {
    match url.scheme() {
        "https" => Ok(()),
        "http" => {
            let host = url.host_str().unwrap_or_default();
            let loopback = host.eq_ignore_ascii_case("localhost")
                || host
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback());
            if loopback {
                Ok(())
            } else {
                Err(format!(
                    "plain http:// to {} would send the service role key unencrypted; use https:// \
                     (http:// is accepted for 127.0.0.1 and localhost only)",
                    url.host_str().unwrap_or("?")
                ))
            }
        }
        other => Err(format!(
            "'{other}:' is not an HTTP URL; expected e.g. https://<project-ref>.supabase.co"
        )),
    }
}

/// Splits a list given with commas or newlines; blanks dropped.
pub fn split_list(text: &str) -> Vec<String> {
    text.split([',', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Compiles branch or workflow globs. `*` stops at `/` (`release/*` matches `release/2.1`,
/// not `release/2.1/hotfix`; `release/**` matches both), as in the event conversion.
pub fn compile_globs(globs: &[String]) -> Result<GlobSet, String> {
    let mut set = GlobSetBuilder::new();
    for glob in globs {
        let compiled = GlobBuilder::new(glob)
            .literal_separator(true)
            .build()
            .map_err(|e| format!("bad glob '{glob}': {e}"))?;
        set.add(compiled);
    }
    set.build().map_err(|e| e.to_string())
}

fn unknown_setting(err: &envy::Error, given: &BTreeMap<String, Given>) -> ConfigError {
    let text = err.to_string();
    // envy reports "unknown field `name`, expected one of ...".
    let name = text
        .split('`')
        .nth(1)
        .map(str::to_owned)
        .unwrap_or_default();
    match given.get(&name) {
        Some(g) => ConfigError::UnknownSetting {
            origin: g.origin.clone(),
        },
        None => ConfigError::BadValue {
            origin: "settings".into(),
            problem: text,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn config(args: &[&str], env: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let mut argv = vec!["devmetrics"];
        argv.extend_from_slice(args);
        let cli = Cli::try_parse_from(argv).unwrap();
        Config::from_cli(cli, env.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    #[test]
    fn outside_actions_without_a_key_is_local_jsonl() {
        let c = config(&["record"], &[]).unwrap();
        let t = c.target().unwrap();
        assert_eq!(t.environment, Environment::Local);
        assert_eq!(t.why, "not running in GitHub Actions");
        assert_eq!(
            t.sink,
            SinkTarget::Jsonl {
                dir: "development-metrics".into()
            }
        );
        assert!(t.fallback_warning.is_none());
    }

    #[test]
    fn local_with_a_key_uses_the_local_supabase_url() {
        let c = config(
            &["record"],
            &[("SUPABASE_SERVICE_ROLE_KEY", "sb_secret_abcdefgh")],
        )
        .unwrap();
        match c.target().unwrap().sink {
            SinkTarget::Supabase { rest_url, .. } => {
                assert_eq!(rest_url, "http://127.0.0.1:54321/rest/v1")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn branch_decides_inside_actions_and_per_environment_secrets_win() {
        let env = [
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_REF_NAME", "release/2.1"),
            ("INPUT_SUPABASE-URL", "https://prod.supabase.co"),
            ("INPUT_SUPABASE-SERVICE-ROLE-KEY", "sb_secret_prodprodprod"),
            ("INPUT_STAGING-SUPABASE-URL", "https://stage.supabase.co/"),
            (
                "INPUT_STAGING-SUPABASE-SERVICE-ROLE-KEY",
                "sb_secret_stagestage",
            ),
        ];
        let t = config(&[], &env).unwrap().target().unwrap();
        assert_eq!(t.environment, Environment::Staging);
        assert!(
            t.why.contains("'release/2.1' matches staging-branches"),
            "{}",
            t.why
        );
        assert_eq!(
            t.sink,
            SinkTarget::Supabase {
                rest_url: "https://stage.supabase.co/rest/v1".into(),
                key: Secret::new("sb_secret_stagestage")
            }
        );
    }

    #[test]
    fn pull_request_base_branch_decides() {
        let env = [
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_REF_NAME", "7/merge"),
            ("GITHUB_BASE_REF", "main"),
        ];
        let fork = EventFacts {
            base_branch: None,
            from_fork: true,
        };
        let t = config(&[], &env).unwrap().target_for(fork).unwrap();
        assert_eq!(t.environment, Environment::Production);
        // A fork PR: no secrets → local files with a warning.
        assert!(matches!(t.sink, SinkTarget::Jsonl { .. }));
        assert!(t.fallback_warning.unwrap().contains("fork"));
    }

    #[test]
    fn an_actions_run_without_its_environments_secrets_is_an_error_unless_from_a_fork() {
        // Only staging secrets, a push to main: the production rows would be lost.
        let env = [
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_REF_NAME", "main"),
            ("INPUT_STAGING-SUPABASE-URL", "https://stage.supabase.co"),
            (
                "INPUT_STAGING-SUPABASE-SERVICE-ROLE-KEY",
                "sb_secret_stagestage",
            ),
        ];
        let c = config(&[], &env).unwrap();
        let err = c.target().unwrap_err();
        assert!(matches!(
            err,
            ConfigError::MissingSecrets {
                environment: Environment::Production,
                ..
            }
        ));
        assert!(err.to_string().contains("not a pull request from a fork"));
        let fork = EventFacts {
            base_branch: Some("main"),
            from_fork: true,
        };
        assert!(matches!(
            c.target_for(fork).unwrap().sink,
            SinkTarget::Jsonl { .. }
        ));
    }

    #[test]
    fn an_actions_run_with_no_supabase_configured_at_all_writes_local_files_and_says_so() {
        let env = [("GITHUB_ACTIONS", "true"), ("GITHUB_REF_NAME", "main")];
        let t = config(&[], &env).unwrap().target().unwrap();
        assert!(matches!(t.sink, SinkTarget::Jsonl { .. }));
        let warning = t.fallback_warning.unwrap();
        assert!(
            warning.contains("no Supabase secrets are configured"),
            "{warning}"
        );
    }

    #[test]
    fn a_star_stops_at_a_slash() {
        let set = compile_globs(&["release/*".into(), "hotfix/**".into()]).unwrap();
        assert!(set.is_match("release/2.1"));
        assert!(!set.is_match("release/2.1/x"));
        assert!(set.is_match("hotfix/a/b"));
        assert!(compile_globs(&["[".into()])
            .unwrap_err()
            .starts_with("bad glob '['"));
    }

    #[test]
    fn a_review_lands_where_its_pull_request_does() {
        let env = [("GITHUB_ACTIONS", "true"), ("GITHUB_REF_NAME", "7/merge")];
        let c = config(&[], &env).unwrap();
        assert_eq!(c.target().unwrap().environment, Environment::Staging);
        let t = c
            .target_for(EventFacts {
                base_branch: Some("main"),
                from_fork: false,
            })
            .unwrap();
        assert_eq!(t.environment, Environment::Production);
        assert!(t.why.contains("branch 'main'"), "{}", t.why);
    }

    #[test]
    fn require_remote_turns_the_fallback_into_an_error() {
        let env = [
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_REF_NAME", "main"),
            ("INPUT_REQUIRE-REMOTE", "true"),
        ];
        let err = config(&[], &env).unwrap().target().unwrap_err();
        assert!(matches!(
            err,
            ConfigError::MissingSecrets {
                environment: Environment::Production,
                ..
            }
        ));
    }

    #[test]
    fn precedence_flag_then_input_then_variable() {
        let env = [
            ("INPUT_ENVIRONMENT", "staging"),
            ("DEVMETRICS_ENVIRONMENT", "production"),
        ];
        assert_eq!(
            config(&[], &env).unwrap().environment,
            Some(Environment::Staging)
        );
        assert_eq!(
            config(&["--environment", "local"], &env)
                .unwrap()
                .environment,
            Some(Environment::Local)
        );
        let only_var = [("DEVMETRICS_ENVIRONMENT", "production")];
        assert_eq!(
            config(&[], &only_var).unwrap().environment,
            Some(Environment::Production)
        );
    }

    #[test]
    fn unknown_settings_and_bad_values_name_their_origin() {
        let err = config(&[], &[("DEVMETRICS_SUPABASE_ULR", "x")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown setting variable DEVMETRICS_SUPABASE_ULR"
        );
        let err = config(&[], &[("INPUT_MIN-PASS-RATE", "lots")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "input `min-pass-rate` (INPUT_MIN-PASS-RATE): 'lots' is not a number from 0 to 100"
        );
        let err = config(&[], &[("INPUT_ENVIRONMENT", "prod")]).unwrap_err();
        assert!(err
            .to_string()
            .contains("expected local, staging or production"));
    }

    #[test]
    fn plain_http_is_refused_except_to_this_machine() {
        for ok in [
            "http://127.0.0.1:54321",
            "http://localhost:54321",
            "http://[::1]:54321",
            "https://x.supabase.co",
        ] {
            assert!(config(&[], &[("INPUT_SUPABASE-URL", ok)]).is_ok(), "{ok}");
        }
        let err = config(&[], &[("INPUT_SUPABASE-URL", "http://x.supabase.co")]).unwrap_err();
        assert!(
            err.to_string().contains("unencrypted; use https://"),
            "{err}"
        );
        let err = config(&[], &[("DEVMETRICS_REST_URL", "http://10.0.0.1/rest/v1")]).unwrap_err();
        assert!(
            err.to_string().starts_with("variable DEVMETRICS_REST_URL"),
            "{err}"
        );
    }

    #[test]
    fn a_token_no_header_can_carry_is_a_configuration_error_that_does_not_show_it() {
        let err = config(&[], &[("GITHUB_TOKEN", "ghs_abc\nsecretpart")]).unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("variable GITHUB_TOKEN"), "{text}");
        assert!(text.contains("line break"), "{text}");
        assert!(
            !text.contains("secretpart") && !text.contains("ghs_abc"),
            "{text}"
        );
    }

    #[test]
    fn debug_of_the_configuration_never_shows_a_key() {
        let c = config(
            &[],
            &[
                ("SUPABASE_SERVICE_ROLE_KEY", "sb_secret_topsecret1"),
                (
                    "INPUT_STAGING-SUPABASE-SERVICE-ROLE-KEY",
                    "sb_secret_topsecret2",
                ),
                ("GITHUB_TOKEN", "ghs_topsecret3"),
            ],
        )
        .unwrap();
        let text = format!("{c:?} {:?}", c.target().unwrap());
        assert!(!text.contains("topsecret"), "{text}");
        assert!(text.contains("***"));
    }

    #[test]
    fn the_defaults_are_what_no_value_means() {
        // Every input at its action.yml default (as the runner passes them) gives the same
        // configuration as no input at all.
        let none = config(&[], &[]).unwrap();
        let inputs: Vec<(String, &str)> = DEFAULTS
            .iter()
            .map(|(n, d)| (format!("INPUT_{}", n.to_ascii_uppercase()), *d))
            .collect();
        let env: Vec<(&str, &str)> = inputs.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        let all = config(&[], &env).unwrap();
        assert_eq!(format!("{none:?}"), format!("{all:?}"));
        assert_eq!(all.record.rules_file, None);
        assert_eq!(all.http, HttpSettings::default());
        assert!(all.fail_on_spool);
    }

    #[test]
    fn publishable_keys_are_refused() {
        let err = config(
            &[],
            &[("SUPABASE_SERVICE_ROLE_KEY", "sb_publishable_abcdefgh")],
        )
        .unwrap()
        .target()
        .unwrap_err();
        assert!(matches!(err, ConfigError::UnusableKey { .. }));
    }
}
