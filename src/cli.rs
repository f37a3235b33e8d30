//! The command line: subcommands and flags. Validation only; nothing here reads files or the
//! network.

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// devmetrics: delivery metrics from the workflows you already run.
#[derive(Debug, Parser)]
#[command(name = "devmetrics", version, about, long_about = None)]
pub struct Cli {
    /// Settings every command shares.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do. Without one, the `command` action input (INPUT_COMMAND) decides, else `record`.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Settings every command shares. Each also has an action input and a `DEVMETRICS_*` variable;
/// a flag wins over both (see `settings`).
#[derive(Debug, Args, Default)]
pub struct GlobalArgs {
    /// Supabase project URL (e.g. https://<ref>.supabase.co); PostgREST is under /rest/v1.
    #[arg(long, global = true, value_name = "URL")]
    pub supabase_url: Option<String>,
    /// PostgREST base URL, when it is not $SUPABASE_URL/rest/v1.
    #[arg(long, global = true, value_name = "URL")]
    pub rest_url: Option<String>,
    /// Force the environment: local, staging or production.
    #[arg(long, global = true, value_name = "ENV")]
    pub environment: Option<String>,
    /// Where local JSONL files and the spool go (default: development-metrics).
    #[arg(long, global = true, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// Fail instead of falling back to local files when the environment's secrets are absent.
    #[arg(long, global = true)]
    pub require_remote: bool,
    /// Exit non-zero when rows could not be written and were spooled.
    #[arg(long, global = true)]
    pub fail_on_spool: bool,
}

/// The subcommands.
#[derive(Debug, Subcommand, Clone, PartialEq, Eq)]
pub enum Command {
    /// Record the current workflow event (and JUnit results) as rows.
    Record(RecordArgs),
    /// Send rows spooled by earlier runs that could not reach the database.
    Replay,
    /// Check the connection, key, schema exposure, tables and write permission.
    Doctor,
    /// Recompute the figures of `metrics.development_metrics` (days and ISO weeks) in the
    /// database, then check the alert thresholds on the fresh figures.
    Aggregate(AggregateArgs),
    /// Render the figures of `metrics.development_metrics` and the audit views as a report
    /// (HTML, Markdown or JSON).
    Report(ReportArgs),
    /// Archive the event rows older than the kept history to gzip JSONL files, read the archive
    /// back and check it, then delete those rows (docs/retention.md).
    Prune(PruneArgs),
    /// Fill the history of the last days from the GitHub API (and, where built, legacy files
    /// and git) into the same rows live capture writes.
    Backfill(BackfillArgs),
}

impl Command {
    /// The subcommand's name, as typed.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Record(_) => "record",
            Command::Replay => "replay",
            Command::Doctor => "doctor",
            Command::Aggregate(_) => "aggregate",
            Command::Report(_) => "report",
            Command::Prune(_) => "prune",
            Command::Backfill(_) => "backfill",
        }
    }

    /// Parses a subcommand name given as the `command` action input.
    pub fn from_input(name: &str) -> Option<Command> {
        match name.trim() {
            "" | "record" => Some(Command::Record(RecordArgs::default())),
            "replay" => Some(Command::Replay),
            "doctor" => Some(Command::Doctor),
            "aggregate" => Some(Command::Aggregate(AggregateArgs::default())),
            "report" => Some(Command::Report(ReportArgs::default())),
            "prune" => Some(Command::Prune(PruneArgs::default())),
            "backfill" => Some(Command::Backfill(BackfillArgs::default())),
            _ => None,
        }
    }
}

/// Flags of `record`.
#[derive(Debug, Args, Clone, Default, PartialEq, Eq)]
pub struct RecordArgs {
    /// The event name (default: $GITHUB_EVENT_NAME).
    #[arg(long, value_name = "NAME")]
    pub event_name: Option<String>,
    /// The event payload file (default: $GITHUB_EVENT_PATH).
    #[arg(long, value_name = "FILE")]
    pub event_path: Option<PathBuf>,
    /// The repository, owner/name (default: $GITHUB_REPOSITORY, else the payload's).
    #[arg(long, value_name = "OWNER/NAME")]
    pub repository: Option<String>,
}

/// Flags of `aggregate`. The period is whole UTC days, both ends included: `--from`..`--to`,
/// or the `--days` days that end on `--to` (default: today, UTC).
#[derive(Debug, Args, Clone, Default, PartialEq, Eq)]
pub struct AggregateArgs {
    /// First day, YYYY-MM-DD (UTC; default: `--days` days before `--to`).
    #[arg(long, value_name = "DATE", value_parser = date, conflicts_with = "days")]
    pub from: Option<NaiveDate>,
    /// Last day, YYYY-MM-DD (UTC; default: today).
    #[arg(long, value_name = "DATE", value_parser = date)]
    pub to: Option<NaiveDate>,
    /// Days ending on `--to`, `--to` included (default: the `days` setting, 90).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=3660))]
    pub days: Option<u32>,
    /// The repository, owner/name (default: $GITHUB_REPOSITORY).
    #[arg(long, value_name = "OWNER/NAME")]
    pub repository: Option<String>,
}

/// Flags of `report`. The period is the `--days` UTC days that end on `--to` (default: today),
/// shown as the ISO weeks that touch it.
#[derive(Debug, Args, Clone, Default, PartialEq, Eq)]
pub struct ReportArgs {
    /// html, markdown or json (default: the `report-format` setting, html).
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// The file to write (default: the `report-out` setting, else devmetrics-report.<ext>).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Days ending on `--to`, `--to` included (default: the `days` setting, 90).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=3660))]
    pub days: Option<u32>,
    /// Last day, YYYY-MM-DD (UTC; default: today).
    #[arg(long, value_name = "DATE", value_parser = date)]
    pub to: Option<NaiveDate>,
    /// The repository, owner/name (default: $GITHUB_REPOSITORY).
    #[arg(long, value_name = "OWNER/NAME")]
    pub repository: Option<String>,
}

/// Flags of `prune`. Each also has an action input (`older-than`, `archive-dir`, `dry-run`,
/// `include-metrics`); a flag wins.
#[derive(Debug, Args, Clone, Default, PartialEq, Eq)]
pub struct PruneArgs {
    /// Rows whose event time is before 00:00 UTC of the day this long ago go: `Nd` (days;
    /// default: the `older-than` setting, 730d).
    #[arg(long, value_name = "AGE")]
    pub older_than: Option<String>,
    /// Where the archive goes (default: the `archive-dir` setting, devmetrics-archive).
    #[arg(long, value_name = "DIR")]
    pub archive_dir: Option<PathBuf>,
    /// Only say per table and month how many rows would be archived and deleted.
    #[arg(long)]
    pub dry_run: bool,
    /// Also archive and delete old rows of metrics.development_metrics.
    #[arg(long)]
    pub include_metrics: bool,
    /// The repository, owner/name (default: $GITHUB_REPOSITORY).
    #[arg(long, value_name = "OWNER/NAME")]
    pub repository: Option<String>,
}

/// Flags of `backfill`. The window is `--since` (a day, UTC midnight) up to now, or the last
/// `--days` days (default: the `days` setting, 90).
#[derive(Debug, Args, Clone, Default, PartialEq, Eq)]
pub struct BackfillArgs {
    /// Days back from now (default: the `days` setting, 90).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=3660), conflicts_with = "since")]
    pub days: Option<u32>,
    /// First day, YYYY-MM-DD (UTC).
    #[arg(long, value_name = "DATE", value_parser = date)]
    pub since: Option<NaiveDate>,
    /// Sources, comma-separated: prs, reviews, deployments, releases, workflow-runs, pushes,
    /// files, git (default: the `only` setting, all).
    #[arg(long, value_name = "LIST")]
    pub only: Option<String>,
    /// Say what would be written, already present and rejected; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The repository, owner/name (default: $GITHUB_REPOSITORY).
    #[arg(long, value_name = "OWNER/NAME")]
    pub repository: Option<String>,
}

/// A calendar day as typed: `YYYY-MM-DD`.
fn date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|e| format!("'{text}' is not a date YYYY-MM-DD ({e})"))
}
