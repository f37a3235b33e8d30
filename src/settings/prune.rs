//! Everything `prune` needs beyond the target: how old a row must be to go (`older-than`), where
//! the archive goes (`archive-dir`), whether `development_metrics` goes too (`include-metrics`)
//! and whether anything is written at all (`dry-run`). A flag wins over the setting.

use super::sources::{default_of, Origins, RawSettings};
use super::values::boolean;
use super::SettingsError;
use crate::cli::PruneArgs;
use chrono::{DateTime, Days, NaiveDate, Utc};
use std::path::PathBuf;

/// The longest history `older-than` accepts, in days (100 years).
const MAX_DAYS: u32 = 36_600;

/// Everything `prune` needs beyond the target.
#[derive(Debug, Clone, PartialEq)]
pub struct PruneSettings {
    /// Flags given on the command line (`--repository` is read from here).
    pub args: PruneArgs,
    /// Days of history kept: rows before 00:00 UTC of the day this many days ago go.
    pub older_than_days: u32,
    /// Where the archive goes.
    pub archive_dir: PathBuf,
    /// Also archive and delete `development_metrics`.
    pub include_metrics: bool,
    /// Count only; write and delete nothing.
    pub dry_run: bool,
}

impl PruneSettings {
    pub(super) fn read(
        args: PruneArgs,
        raw: &RawSettings,
        origins: &Origins,
    ) -> Result<Self, SettingsError> {
        let older_than_days = match &args.older_than {
            Some(text) => days(text).map_err(|problem| SettingsError::BadValue {
                origin: "flag --older-than".into(),
                problem,
            })?,
            None => {
                let text = raw
                    .older_than
                    .as_deref()
                    .unwrap_or(default_of("older-than"));
                days(text).map_err(|problem| origins.bad("older-than", problem))?
            }
        };
        let archive_dir = match &args.archive_dir {
            Some(dir) => dir.clone(),
            None => PathBuf::from(
                raw.archive_dir
                    .as_deref()
                    .unwrap_or(default_of("archive-dir")),
            ),
        };
        let include_metrics = args.include_metrics
            || boolean(origins, "include-metrics", raw.include_metrics.as_deref())?;
        let dry_run = args.dry_run || boolean(origins, "dry-run", raw.dry_run.as_deref())?;
        Ok(PruneSettings {
            args,
            older_than_days,
            archive_dir,
            include_metrics,
            dry_run,
        })
    }

    /// The cut-off when today (UTC) is `today`: 00:00 UTC of the day `older_than_days` before.
    /// Rows whose event time is before it are archived and deleted. A whole day, so that runs on
    /// the same day agree, and a date column (`metric_date`) compares the same way.
    pub fn cut_off(&self, today: NaiveDate) -> DateTime<Utc> {
        let day = today
            .checked_sub_days(Days::new(u64::from(self.older_than_days)))
            .unwrap_or(NaiveDate::MIN);
        day.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc()
    }
}

/// `Nd`: a number of days from 1 to [`MAX_DAYS`].
fn days(text: &str) -> Result<u32, String> {
    let trimmed = text.trim();
    let number = trimmed.strip_suffix('d').unwrap_or("");
    match number.parse::<u32>() {
        Ok(n) if (1..=MAX_DAYS).contains(&n) => Ok(n),
        _ => Err(format!(
            "'{text}' is not an age in days like 730d (from 1d to {MAX_DAYS}d)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::settings;
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn the_default_keeps_730_days_and_cuts_at_midnight_utc() {
        let c = settings(&["prune"], &[]).unwrap();
        assert_eq!(c.prune.older_than_days, 730);
        assert_eq!(c.prune.archive_dir, PathBuf::from("devmetrics-archive"));
        assert!(!c.prune.dry_run && !c.prune.include_metrics);
        assert_eq!(
            c.prune.cut_off(day("2026-12-02")).to_rfc3339(),
            "2024-12-02T00:00:00+00:00"
        );
    }

    #[test]
    fn flags_win_over_inputs_and_bad_ages_are_refused_naming_where() {
        let c = settings(
            &[
                "prune",
                "--older-than",
                "10d",
                "--archive-dir",
                "a",
                "--dry-run",
            ],
            &[("INPUT_OLDER-THAN", "20d"), ("INPUT_ARCHIVE-DIR", "b")],
        )
        .unwrap();
        assert_eq!(
            (c.prune.older_than_days, c.prune.archive_dir.clone()),
            (10, PathBuf::from("a"))
        );
        assert!(c.prune.dry_run);
        let c = settings(
            &[],
            &[
                ("INPUT_COMMAND", "prune"),
                ("INPUT_OLDER-THAN", "365d"),
                ("INPUT_INCLUDE-METRICS", "true"),
            ],
        )
        .unwrap();
        assert_eq!(c.prune.older_than_days, 365);
        assert!(c.prune.include_metrics);
        for bad in ["730", "0d", "2y", "3.5d", "36601d"] {
            let err = settings(&["prune", "--older-than", bad], &[]).unwrap_err();
            assert!(
                err.to_string().starts_with("flag --older-than:"),
                "{bad}: {err}"
            );
        }
        let err = settings(&[], &[("DEVMETRICS_OLDER_THAN", "soon")]).unwrap_err();
        assert!(err.to_string().contains("DEVMETRICS_OLDER_THAN"), "{err}");
    }
}
