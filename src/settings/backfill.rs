//! Everything `backfill` needs beyond the target: its window (`--since`, `--days`, else the
//! `days` setting), the sources it reads (`--only`, else the `only` setting) and `dry-run`.

use super::aggregate::days_setting;
use super::sources::{default_of, Origins, RawSettings};
use super::values::boolean;
use super::SettingsError;
use crate::cli::BackfillArgs;
use chrono::{DateTime, Duration, NaiveTime, Utc};
use std::fmt;

/// One source `backfill` can read (`--only` names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BackfillSource {
    /// Pull requests in the window with their lifecycle and stages (GitHub API).
    Prs,
    /// The reviews of those pull requests (GitHub API).
    Reviews,
    /// Deployments and their statuses per environment (GitHub API).
    Deployments,
    /// Published releases (GitHub API).
    Releases,
    /// Completed runs of the `deploy-workflows` (GitHub API).
    WorkflowRuns,
    /// What pushes and merges put on the production and staging branches (GitHub API).
    Pushes,
    /// Legacy JSON files and local JSONL files.
    Files,
    /// The checkout's git history.
    Git,
}

impl BackfillSource {
    /// Every source, in the order they are read (pushes before deployments: a deployment's
    /// carried commits are walked through the pushes).
    pub const ALL: [BackfillSource; 8] = [
        BackfillSource::Prs,
        BackfillSource::Reviews,
        BackfillSource::Pushes,
        BackfillSource::Deployments,
        BackfillSource::Releases,
        BackfillSource::WorkflowRuns,
        BackfillSource::Files,
        BackfillSource::Git,
    ];

    /// The name as typed in `--only`.
    pub fn as_str(self) -> &'static str {
        match self {
            BackfillSource::Prs => "prs",
            BackfillSource::Reviews => "reviews",
            BackfillSource::Deployments => "deployments",
            BackfillSource::Releases => "releases",
            BackfillSource::WorkflowRuns => "workflow-runs",
            BackfillSource::Pushes => "pushes",
            BackfillSource::Files => "files",
            BackfillSource::Git => "git",
        }
    }

    /// Whether the source reads the GitHub API.
    pub fn needs_github_api(self) -> bool {
        !matches!(self, BackfillSource::Files | BackfillSource::Git)
    }
}

impl fmt::Display for BackfillSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything `backfill` needs beyond the target.
#[derive(Debug, Clone, PartialEq)]
pub struct BackfillSettings {
    /// Flags given on the command line.
    pub args: BackfillArgs,
    /// Days back from now when `--since` is not given.
    pub days: u32,
    /// The sources to read, in [`BackfillSource::ALL`]'s order.
    pub only: Vec<BackfillSource>,
    /// Write nothing; report.
    pub dry_run: bool,
}

impl BackfillSettings {
    pub(super) fn read(
        args: BackfillArgs,
        raw: &RawSettings,
        origins: &Origins,
    ) -> Result<Self, SettingsError> {
        let days = days_setting(args.days, raw, origins)?;
        let (list, origin) = match &args.only {
            Some(list) => (list.clone(), "flag --only".to_owned()),
            None => (
                raw.only
                    .clone()
                    .unwrap_or_else(|| default_of("only").to_owned()),
                origins.of("only"),
            ),
        };
        let only =
            parse_only(&list).map_err(|problem| SettingsError::BadValue { origin, problem })?;
        let dry_run = args.dry_run || boolean(origins, "dry-run", raw.dry_run.as_deref())?;
        Ok(BackfillSettings {
            args,
            days,
            only,
            dry_run,
        })
    }

    /// The window's start when it is `now`: `--since` at UTC midnight, else `days` days ago.
    pub fn since(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        match self.args.since {
            Some(day) => day.and_time(NaiveTime::MIN).and_utc(),
            None => now - Duration::days(i64::from(self.days)),
        }
    }

    /// Whether `source` is selected.
    pub fn reads(&self, source: BackfillSource) -> bool {
        self.only.contains(&source)
    }
}

/// Parses `--only`: known names, comma-separated, in any order; at least one.
pub fn parse_only(list: &str) -> Result<Vec<BackfillSource>, String> {
    let mut chosen = Vec::new();
    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        match BackfillSource::ALL.iter().find(|s| s.as_str() == name) {
            Some(source) => chosen.push(*source),
            None => {
                let known: Vec<&str> = BackfillSource::ALL.iter().map(|s| s.as_str()).collect();
                return Err(format!(
                    "unknown source '{name}'; expected some of: {}",
                    known.join(", ")
                ));
            }
        }
    }
    if chosen.is_empty() {
        return Err("no source given".into());
    }
    Ok(BackfillSource::ALL
        .into_iter()
        .filter(|s| chosen.contains(s))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::super::tests::settings;
    use super::*;

    #[test]
    fn backfill_reads_every_source_of_the_last_90_days_by_default() {
        let c = settings(&["backfill"], &[]).unwrap();
        assert_eq!(c.backfill.only, BackfillSource::ALL.to_vec());
        assert!(!c.backfill.dry_run);
        let now: DateTime<Utc> = "2026-12-01T12:00:00Z".parse().unwrap();
        assert_eq!(
            c.backfill.since(now),
            "2026-09-02T12:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
    }

    #[test]
    fn only_since_and_dry_run_come_from_flags_or_the_action_inputs() {
        let c = settings(
            &[
                "backfill",
                "--only",
                "reviews,prs",
                "--since",
                "2026-11-01",
                "--dry-run",
            ],
            &[],
        )
        .unwrap();
        assert_eq!(
            c.backfill.only,
            vec![BackfillSource::Prs, BackfillSource::Reviews]
        );
        assert!(c.backfill.dry_run);
        let now: DateTime<Utc> = "2026-12-01T12:00:00Z".parse().unwrap();
        assert_eq!(
            c.backfill.since(now),
            "2026-11-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        let c = settings(
            &[],
            &[
                ("INPUT_COMMAND", "backfill"),
                ("INPUT_DAYS", "30"),
                ("INPUT_ONLY", "deployments"),
                ("INPUT_DRY-RUN", "true"),
            ],
        )
        .unwrap();
        assert_eq!(c.command.name(), "backfill");
        assert_eq!(c.backfill.days, 30);
        assert_eq!(c.backfill.only, vec![BackfillSource::Deployments]);
        assert!(c.backfill.dry_run);
    }

    #[test]
    fn an_unknown_source_is_refused_naming_where_it_was_given() {
        let err = settings(&[], &[("INPUT_ONLY", "prs,commits")]).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("input `only`"), "{text}");
        assert!(text.contains("unknown source 'commits'"), "{text}");
        let err = settings(&["backfill", "--only", ","], &[]).unwrap_err();
        assert!(err.to_string().contains("flag --only"), "{err}");
    }
}
