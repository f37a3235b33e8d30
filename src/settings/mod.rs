//! Settings, read in two passes without I/O (as ripgrep's `lowargs` → `hiargs`): first what the
//! user typed, merged by precedence with its origins ([`sources`]); then what it means, one file
//! per concern, into the [`Settings`] the commands receive.
//!
//! Where things go: a new setting gets a line in [`DEFAULTS`] (and `action.yml`, the README),
//! a field in `sources::RawSettings`, and is parsed in the file of its concern ([`values`] for
//! the shapes); a new command with settings of its own adds a file like [`record`].

pub mod aggregate;
pub mod backfill;
pub mod error;
pub mod events;
pub mod globs;
pub mod http;
pub mod junit;
pub mod prune;
pub mod record;
pub mod remote;
pub mod report;
pub mod rules;
pub mod runner;
pub mod sources;
pub mod target;
pub mod values;

pub use aggregate::{AggregateSettings, AlertSettings, FailureWindow, Period};
pub use backfill::{BackfillSettings, BackfillSource};
pub use error::SettingsError;
pub use events::EventSettings;
pub use globs::Globs;
pub use http::HttpSettings;
pub use junit::JunitSettings;
pub use prune::PruneSettings;
pub use record::RecordSettings;
pub use remote::{RemoteSettings, Remotes, LOCAL_SUPABASE_URL};
pub use report::{ReportFormat, ReportSettings};
pub use rules::{FailOnViolation, RulesSettings};
pub use runner::{EventFacts, GithubContext};
pub use sources::{default_of, DEFAULTS};
pub use target::{SinkTarget, Target};

use crate::cli::{AggregateArgs, BackfillArgs, Cli, Command, PruneArgs, RecordArgs, ReportArgs};
use crate::environment::Environment;
use crate::secret::Secret;
use sources::Origins;
use std::path::PathBuf;
use values::boolean;

/// The validated settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The subcommand.
    pub command: Command,
    /// An explicit environment.
    pub environment: Option<Environment>,
    /// Branches, deploy workflows and production environments.
    pub events: EventSettings,
    /// The Supabase projects.
    pub remotes: Remotes,
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
    /// `aggregate` settings.
    pub aggregate: AggregateSettings,
    /// `report` settings.
    pub report: ReportSettings,
    /// `prune` settings.
    pub prune: PruneSettings,
    /// `backfill` settings.
    pub backfill: BackfillSettings,
}

impl Settings {
    /// Builds the settings from parsed flags and the process environment.
    pub fn from_cli(
        cli: Cli,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Settings, SettingsError> {
        let env: Vec<(String, String)> = env.into_iter().collect();
        // First pass: what was typed, and where.
        let (raw, origins) = sources::gather(&cli.global, &env)?;
        // Second pass: what it means. The order is the order errors are found in.
        let command = command(cli.command, raw.command.as_deref(), &origins)?;
        let record_args = match &command {
            Command::Record(args) => args.clone(),
            _ => RecordArgs::default(),
        };
        let aggregate_args = match &command {
            Command::Aggregate(args) => args.clone(),
            _ => AggregateArgs::default(),
        };
        let report_args = match &command {
            Command::Report(args) => args.clone(),
            _ => ReportArgs::default(),
        };
        let prune_args = match &command {
            Command::Prune(args) => args.clone(),
            _ => PruneArgs::default(),
        };
        let backfill_args = match &command {
            Command::Backfill(args) => args.clone(),
            _ => BackfillArgs::default(),
        };
        let environment = target::environment(&origins, raw.environment.as_deref())?;
        let events = EventSettings::read(&raw, &origins)?;
        let remotes = Remotes::read(&raw, &origins)?;
        let http = HttpSettings::read(&raw, &origins)?;
        let record = RecordSettings::read(record_args, &raw, &origins)?;
        let aggregate = AggregateSettings::read(aggregate_args, &raw, &origins)?;
        let report = ReportSettings::read(report_args, &raw, &origins)?;
        let prune = PruneSettings::read(prune_args, &raw, &origins)?;
        let backfill = BackfillSettings::read(backfill_args, &raw, &origins)?;
        let github = GithubContext::from_env(&env)?;
        Ok(Settings {
            command,
            environment,
            events,
            remotes,
            require_remote: boolean(&origins, "require-remote", raw.require_remote.as_deref())?,
            fail_on_spool: boolean(&origins, "fail-on-spool", raw.fail_on_spool.as_deref())?,
            output_dir: PathBuf::from(
                raw.output_dir
                    .as_deref()
                    .unwrap_or(default_of("output-dir")),
            ),
            github,
            github_token: runner::github_token(&origins, raw.github_token.as_deref())?,
            http,
            record,
            aggregate,
            report,
            prune,
            backfill,
        })
    }

    /// The repository a command works on: its `--repository` flag, else `GITHUB_REPOSITORY`;
    /// `doing` completes "no repository …" (`to aggregate`).
    pub fn repository(&self, flag: Option<&String>, doing: &str) -> Result<String, SettingsError> {
        flag.or(self.github.repository.as_ref())
            .cloned()
            .ok_or_else(|| SettingsError::BadValue {
                origin: "flag --repository".into(),
                problem: format!(
                    "no repository {doing}: set GITHUB_REPOSITORY or pass --repository owner/name"
                ),
            })
    }

    /// Every secret the settings hold, to mask and redact.
    pub fn secrets(&self) -> Vec<&Secret> {
        self.remotes.keys().chain(&self.github_token).collect()
    }
}

/// The subcommand: the one typed, else the `command` setting, else `record`.
fn command(
    typed: Option<Command>,
    setting: Option<&str>,
    origins: &Origins,
) -> Result<Command, SettingsError> {
    match (typed, setting) {
        (Some(command), _) => Ok(command),
        (None, None) => Ok(Command::Record(RecordArgs::default())),
        (None, Some(name)) => Command::from_input(name).ok_or_else(|| {
            origins.bad(
                "command",
                format!(
                    "unknown command '{name}'; expected one of: record, replay, doctor, aggregate, report, backfill, prune"
                ),
            )
        }),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use clap::Parser;

    /// The settings of `devmetrics <args>` with `env` as the process environment.
    pub(crate) fn settings(args: &[&str], env: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        let mut argv = vec!["devmetrics"];
        argv.extend_from_slice(args);
        let cli = Cli::try_parse_from(argv).unwrap();
        Settings::from_cli(cli, env.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    #[test]
    fn debug_of_the_configuration_never_shows_a_key() {
        let c = settings(
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
}
