//! Everything `aggregate` needs beyond the target: its flags, the period it refreshes (`days`),
//! the change-failure window (`failure-window`, also used by `record`'s refresh) and the alert
//! thresholds checked on the fresh figures (`alert-*`, `fail-on-alert`).

use super::sources::{default_of, Origins, RawSettings};
use super::values::{boolean, number};
use super::SettingsError;
use crate::cli::AggregateArgs;
use chrono::{Datelike, Days, NaiveDate};

/// Everything `aggregate` needs beyond the target.
#[derive(Debug, Clone, PartialEq)]
pub struct AggregateSettings {
    /// Flags given on the command line.
    pub args: AggregateArgs,
    /// Days refreshed when `--from` is not given (`--days`, else the `days` setting).
    pub days: u32,
    /// `failure-window`: how long after a deployment a rollback, revert or hotfix still marks
    /// it failed (change failure rate, recovery time).
    pub failure_window: FailureWindow,
    /// The thresholds checked on the fresh figures.
    pub alerts: AlertSettings,
}

/// The change-failure window: a whole number of days (`7d`) or hours (`36h`), from 1 hour to
/// 365 days. Sent to `metrics.refresh_development_metrics` as its `p_failure_window` interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureWindow {
    hours: u32,
}

impl FailureWindow {
    /// The longest window: a year.
    const MAX_HOURS: u32 = 365 * 24;

    /// A window of `days` days.
    pub fn days(days: u32) -> Self {
        FailureWindow { hours: days * 24 }
    }

    /// Reads `7d` or `36h` (spaces around the number allowed, unit in any case).
    pub fn parse(text: &str) -> Result<Self, String> {
        let trimmed = text.trim().to_ascii_lowercase();
        let problem = || {
            format!(
                "'{text}' is not a window; expected whole days or hours from 1h to 365d, e.g. 7d or 36h"
            )
        };
        let (number, per_unit) = if let Some(n) = trimmed.strip_suffix('d') {
            (n, 24)
        } else if let Some(n) = trimmed.strip_suffix('h') {
            (n, 1)
        } else {
            return Err(problem());
        };
        let hours = number
            .trim()
            .parse::<u32>()
            .ok()
            .and_then(|n| n.checked_mul(per_unit))
            .filter(|h| (1..=Self::MAX_HOURS).contains(h))
            .ok_or_else(problem)?;
        Ok(FailureWindow { hours })
    }

    /// The whole days that hold the window (36h: 2).
    pub fn whole_days(&self) -> u32 {
        self.hours.div_ceil(24)
    }

    /// The window as a PostgreSQL interval: `7 days`, or `36 hours` when not whole days.
    pub fn interval(&self) -> String {
        if self.hours % 24 == 0 {
            format!("{} days", self.hours / 24)
        } else {
            format!("{} hours", self.hours)
        }
    }
}

/// The alert thresholds; `None` is off. Rates are in percent, durations in hours.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AlertSettings {
    /// `alert-min-pass-rate`: test pass rate under it (the design document's 80 %).
    pub min_pass_rate: Option<f64>,
    /// `alert-max-change-failure-rate`: change failure rate over it.
    pub max_change_failure_rate: Option<f64>,
    /// `alert-max-lead-time-hours`: median lead time over it.
    pub max_lead_time_hours: Option<f64>,
    /// `alert-max-recovery-hours`: median failed deployment recovery time over it.
    pub max_recovery_hours: Option<f64>,
    /// `alert-min-compliance-rate`: rule compliance rate under it.
    pub min_compliance_rate: Option<f64>,
    /// `fail-on-alert`: a breach fails the step (exit 1).
    pub fail_on_alert: bool,
}

/// The days a refresh covers, both ends included (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
}

impl Period {
    /// Days covered, both ends included.
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// The Monday of the ISO week holding `day`.
    pub fn monday_of(day: NaiveDate) -> NaiveDate {
        day - Days::new(u64::from(day.weekday().num_days_from_monday()))
    }

    /// The ISO weeks that touch the period: the Monday of the first and of the last, and how
    /// many there are.
    pub fn weeks(&self) -> (NaiveDate, NaiveDate, i64) {
        let (first, last) = (Self::monday_of(self.from), Self::monday_of(self.to));
        (first, last, (last - first).num_days() / 7 + 1)
    }
}

/// The `days` setting (`--days` wins): how many days a command looks back, 1 to 3660.
pub(super) fn days_setting(
    flag: Option<u32>,
    raw: &RawSettings,
    origins: &Origins,
) -> Result<u32, SettingsError> {
    if let Some(days) = flag {
        return Ok(days);
    }
    let text = raw.days.as_deref().unwrap_or(default_of("days"));
    match text.trim().parse::<u32>() {
        Ok(days) if (1..=3660).contains(&days) => Ok(days),
        _ => Err(origins.bad(
            "days",
            format!("'{text}' is not a number of days from 1 to 3660"),
        )),
    }
}

impl AggregateSettings {
    pub(super) fn read(
        args: AggregateArgs,
        raw: &RawSettings,
        origins: &Origins,
    ) -> Result<Self, SettingsError> {
        let days = days_setting(args.days, raw, origins)?;
        if let (Some(from), Some(to)) = (args.from, args.to) {
            if from > to {
                return Err(SettingsError::BadValue {
                    origin: "flag --from".into(),
                    problem: format!("{from} is after --to {to}"),
                });
            }
        }
        let failure_window = FailureWindow::parse(
            raw.failure_window
                .as_deref()
                .unwrap_or(default_of("failure-window")),
        )
        .map_err(|problem| origins.bad("failure-window", problem))?;
        let percent = |name: &str, value: &Option<String>| {
            number(origins, name, value.as_deref(), 0.0, 100.0)
        };
        let hours =
            |name: &str, value: &Option<String>| number(origins, name, value.as_deref(), 0.0, 1e6);
        let alerts = AlertSettings {
            min_pass_rate: percent("alert-min-pass-rate", &raw.alert_min_pass_rate)?,
            max_change_failure_rate: percent(
                "alert-max-change-failure-rate",
                &raw.alert_max_change_failure_rate,
            )?,
            max_lead_time_hours: hours(
                "alert-max-lead-time-hours",
                &raw.alert_max_lead_time_hours,
            )?,
            max_recovery_hours: hours("alert-max-recovery-hours", &raw.alert_max_recovery_hours)?,
            min_compliance_rate: percent(
                "alert-min-compliance-rate",
                &raw.alert_min_compliance_rate,
            )?,
            fail_on_alert: boolean(origins, "fail-on-alert", raw.fail_on_alert.as_deref())?,
        };
        Ok(AggregateSettings {
            args,
            days,
            failure_window,
            alerts,
        })
    }

    /// The period to refresh when today (UTC) is `today`: `--from`..`--to`, or the `days` days
    /// that end on `--to` (default: today). A `--from` after the default `--to` is an error
    /// naming the flag.
    pub fn period(&self, today: NaiveDate) -> Result<Period, SettingsError> {
        let to = self.args.to.unwrap_or(today);
        let from = match self.args.from {
            Some(from) => from,
            None => to - Days::new(u64::from(self.days.saturating_sub(1))),
        };
        if from > to {
            return Err(SettingsError::BadValue {
                origin: "flag --from".into(),
                problem: format!("{from} is after the last day {to} (today, UTC, without --to)"),
            });
        }
        Ok(Period { from, to })
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
    fn the_default_period_is_the_last_90_days_up_to_today_included() {
        let c = settings(&["aggregate"], &[]).unwrap();
        let period = c.aggregate.period(day("2026-12-01")).unwrap();
        assert_eq!(period.from, day("2026-09-03"));
        assert_eq!(period.to, day("2026-12-01"));
        assert_eq!(period.days(), 90);
        // 2026-09-03 is a Thursday (its week starts 08-31); 2026-12-01 a Tuesday (11-30).
        assert_eq!(period.weeks(), (day("2026-08-31"), day("2026-11-30"), 14));
    }

    #[test]
    fn days_from_and_to_set_the_period_and_a_reversed_one_is_refused() {
        let c = settings(&["aggregate", "--days", "7", "--to", "2026-01-04"], &[]).unwrap();
        let p = c.aggregate.period(day("2026-12-01")).unwrap();
        assert_eq!((p.from, p.to), (day("2025-12-29"), day("2026-01-04")));
        let c = settings(&[], &[("INPUT_COMMAND", "aggregate"), ("INPUT_DAYS", "1")]).unwrap();
        let p = c.aggregate.period(day("2026-12-01")).unwrap();
        assert_eq!((p.from, p.to), (day("2026-12-01"), day("2026-12-01")));
        let err = settings(
            &["aggregate", "--from", "2026-02-02", "--to", "2026-02-01"],
            &[],
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "flag --from: 2026-02-02 is after --to 2026-02-01"
        );
        let c = settings(&["aggregate", "--from", "2027-01-01"], &[]).unwrap();
        assert!(c.aggregate.period(day("2026-12-01")).is_err());
        let err = settings(&[], &[("INPUT_DAYS", "0")]).unwrap_err();
        assert!(err.to_string().contains("input `days`"), "{err}");
    }

    #[test]
    fn the_failure_window_is_seven_days_unless_set_in_days_or_hours() {
        let c = settings(&["aggregate"], &[]).unwrap();
        assert_eq!(c.aggregate.failure_window, FailureWindow::days(7));
        assert_eq!(c.aggregate.failure_window.interval(), "7 days");
        let c = settings(&[], &[("INPUT_FAILURE-WINDOW", "10d")]).unwrap();
        assert_eq!(c.aggregate.failure_window.interval(), "10 days");
        let c = settings(&[], &[("DEVMETRICS_FAILURE_WINDOW", " 36H ")]).unwrap();
        assert_eq!(c.aggregate.failure_window.interval(), "36 hours");
        let c = settings(&[], &[("DEVMETRICS_FAILURE_WINDOW", "48h")]).unwrap();
        assert_eq!(c.aggregate.failure_window.interval(), "2 days");
        for bad in ["7", "7 days", "0d", "366d", "-1d", "1.5d", "d"] {
            let err = settings(&[], &[("INPUT_FAILURE-WINDOW", bad)]).unwrap_err();
            assert!(
                err.to_string().contains("input `failure-window`")
                    && err.to_string().contains("e.g. 7d or 36h"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn alerts_default_to_the_pass_rate_only_and_do_not_fail_the_step() {
        let c = settings(&["aggregate"], &[]).unwrap();
        assert_eq!(
            c.aggregate.alerts,
            AlertSettings {
                min_pass_rate: Some(80.0),
                ..AlertSettings::default()
            }
        );
        let c = settings(
            &[],
            &[
                ("INPUT_ALERT-MAX-LEAD-TIME-HOURS", "48"),
                ("DEVMETRICS_ALERT_MAX_CHANGE_FAILURE_RATE", "15"),
                ("INPUT_FAIL-ON-ALERT", "true"),
            ],
        )
        .unwrap();
        assert_eq!(c.aggregate.alerts.max_lead_time_hours, Some(48.0));
        assert_eq!(c.aggregate.alerts.max_change_failure_rate, Some(15.0));
        assert!(c.aggregate.alerts.fail_on_alert);
        let err = settings(&[], &[("INPUT_ALERT-MIN-COMPLIANCE-RATE", "120")]).unwrap_err();
        assert!(
            err.to_string().contains("alert-min-compliance-rate"),
            "{err}"
        );
    }
}
