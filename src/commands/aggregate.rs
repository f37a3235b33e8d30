//! `devmetrics aggregate`: the database recomputes the figures of `metrics.development_metrics`
//! for the repository (`metrics.refresh_development_metrics(p_repository, p_from, p_to,
//! p_failure_window)`, called through PostgREST: the days of the period and the ISO weeks that
//! touch them, with the `failure-window` setting), then the fresh
//! figures of the last day and week are checked against the alert thresholds. Also the refresh
//! `record` makes after a successful write ([`refresh_after_record`]).
//!
//! The figures are computed by the database only: with the local JSONL default there is nothing
//! to compute them from, and `aggregate` says what it needs instead of guessing.

use super::open_sink;
use crate::error::{exit, Error};
use crate::output::alerts::{self, Alert, Bound, Scale, Threshold};
use crate::output::summary::{RecordReport, TableLine};
use crate::output::{workflow_commands, Output};
use crate::rows::development_metrics::DevelopmentMetric;
use crate::rows::{Batch, Table};
use crate::settings::{AlertSettings, FailureWindow, Period, Settings, SinkTarget};
use crate::sinks::{
    natural_key, AnySink, Delivery, PostgrestSink, Query, Sink, SinkError, TableWrite,
};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;
use std::collections::{BTreeSet, HashSet};
use std::future::Future;

/// The function that recomputes the figures (in `migrations/`).
pub const REFRESH_FUNCTION: &str = "refresh_development_metrics";

/// Runs `aggregate`; returns the exit code.
pub async fn aggregate(config: &Settings, out: &Output) -> Result<i32, Error> {
    let settings = &config.aggregate;
    let target = config.target()?;
    out.info(&format!(
        "environment: {} ({})",
        target.environment, target.why
    ));
    if let SinkTarget::Jsonl { .. } = &target.sink {
        return Err(Error::NeedsSupabase {
            command: "aggregate",
            why: format!(
                "the figures are computed by the database (metrics.{REFRESH_FUNCTION}, created by migrations/), \
                 and the {} environment has no Supabase URL and service role key, so rows are only in local JSONL files",
                target.environment
            ),
        });
    }
    let repository = config.repository(settings.args.repository.as_ref(), "to aggregate")?;
    let period = settings.period(Utc::now().date_naive())?;
    let AnySink::Postgrest(sink) = open_sink(&target.sink, target.environment, config)? else {
        unreachable!("a Supabase target opens the PostgREST sink");
    };
    let (first_week, last_week, weeks) = period.weeks();
    let written = refresh(&sink, &repository, period, settings.failure_window, None)
        .await
        .map_err(|source| Error::Sink {
            doing: format!(
                "could not refresh metrics.development_metrics for {repository} ({} to {})",
                period.from, period.to
            ),
            source: Box::new(source),
        })?;
    let what = format!(
        "{written} row(s) of metrics.development_metrics for {repository}: the days {} to {} ({} days) \
         and the ISO weeks starting {first_week} to {last_week} ({weeks} weeks)",
        period.from,
        period.to,
        period.days()
    );
    out.info(&format!("wrote {what}"));

    // The fresh figures of the last day and ISO week, against the thresholds.
    let checked = thresholds(&settings.alerts);
    let fail_on_alert = settings.alerts.fail_on_alert;
    let (alerts, unchecked) = if checked.is_empty() {
        (Vec::new(), None)
    } else {
        match fresh_figures(&sink, &repository, period.to).await {
            Ok(figures) => (alerts::check(&figures, &checked), None),
            Err(err) => {
                let text = crate::error::render_sink_problem(
                    "could not read the fresh figures of metrics.development_metrics: the alerts were not checked",
                    &err,
                );
                out.warning_text(&text);
                (Vec::new(), Some(text))
            }
        }
    };
    for alert in &alerts {
        out.info(&format!("alert: {}", alert.sentence()));
    }
    if alerts.is_empty() && unchecked.is_none() && !checked.is_empty() {
        out.info(&format!(
            "alerts: none of {} threshold(s) crossed on {} and its ISO week",
            checked.len(),
            period.to
        ));
    }
    out.annotate(alerts::annotations(&alerts), "alerts");

    let mut summary = format!(
        "## devmetrics aggregate\n\nRefreshed for **{}** ({}): {}.\n\n",
        target.environment,
        crate::output::summary::escape(&target.why),
        crate::output::summary::escape(&what)
    );
    match &unchecked {
        Some(text) => {
            summary += &format!(
                "### Alerts\n\nNot checked: {}\n\n",
                crate::output::summary::escape(text)
            )
        }
        None => summary += &alerts::section(&alerts, &checked, fail_on_alert),
    }
    write_step_files(
        config,
        &target.environment.to_string(),
        written,
        &alerts,
        &summary,
        out,
    );

    if fail_on_alert && (!alerts.is_empty() || unchecked.is_some()) {
        out.error_text(&format!(
            "{} alert(s){}, and fail-on-alert is set",
            alerts.len(),
            if unchecked.is_some() {
                " (the figures could not be read)"
            } else {
                ""
            }
        ));
        return Ok(exit::CHECK_FAILED);
    }
    Ok(exit::SUCCESS)
}

/// Recomputes the figures of `repository` for `period`, a deployment failing when a rollback,
/// revert or hotfix came within `window` after it; returns the rows the function wrote.
/// `written`: the event tables just written, whose figures alone are recomputed (the function
/// knows which figures each table feeds); `None` recomputes every figure.
async fn refresh(
    sink: &PostgrestSink,
    repository: &str,
    period: Period,
    window: FailureWindow,
    written: Option<&[Table]>,
) -> Result<i64, SinkError> {
    let mut args = json!({
        "p_repository": repository,
        "p_from": period.from.to_string(),
        "p_to": period.to.to_string(),
        "p_failure_window": window.interval(),
    });
    if let Some(tables) = written {
        let names: Vec<&str> = tables.iter().map(|table| table.name()).collect();
        args["p_written"] = json!(names);
    }
    let answer = sink.rpc(REFRESH_FUNCTION, &args).await?;
    Ok(answer.as_i64().unwrap_or(0))
}

/// The figures of the day `last` and of its ISO week, every environment.
async fn fresh_figures(
    sink: &PostgrestSink,
    repository: &str,
    last: NaiveDate,
) -> Result<Vec<DevelopmentMetric>, SinkError> {
    let mut figures = Vec::new();
    for (grain, date) in [("day", last), ("week", Period::monday_of(last))] {
        let query = Query {
            table: Table::DevelopmentMetrics,
            equals: vec![
                ("repository".into(), repository.to_owned()),
                ("grain".into(), grain.to_owned()),
                ("metric_date".into(), date.to_string()),
            ],
            newest_first_by: None,
            limit: 10_000,
        };
        for row in sink.query(&query).await? {
            let figure = serde_json::from_value(row).map_err(|e| SinkError::Api {
                status: 200,
                error: Default::default(),
                body: Some(format!(
                    "a development_metrics row devmetrics cannot read: {e}"
                )),
                attempts: 1,
            })?;
            figures.push(figure);
        }
    }
    Ok(figures)
}

/// The thresholds that are set, as the alerts check them (`report` checks the same).
pub(crate) fn thresholds(settings: &AlertSettings) -> Vec<Threshold> {
    let candidates = [
        (
            "alert-min-pass-rate",
            "test_pass_rate",
            "test pass rate",
            Bound::Min,
            Scale::Percent,
            settings.min_pass_rate,
        ),
        (
            "alert-max-change-failure-rate",
            "change_failure_rate",
            "change failure rate",
            Bound::Max,
            Scale::Percent,
            settings.max_change_failure_rate,
        ),
        (
            "alert-max-lead-time-hours",
            "lead_time_seconds",
            "median lead time",
            Bound::Max,
            Scale::Hours,
            settings.max_lead_time_hours,
        ),
        (
            "alert-max-recovery-hours",
            "failed_deployment_recovery_seconds",
            "median recovery time",
            Bound::Max,
            Scale::Hours,
            settings.max_recovery_hours,
        ),
        (
            "alert-min-compliance-rate",
            "rule_compliance_rate",
            "rule compliance rate",
            Bound::Min,
            Scale::Percent,
            settings.min_compliance_rate,
        ),
    ];
    candidates
        .into_iter()
        .filter_map(|(setting, metric, label, bound, scale, limit)| {
            limit.map(|limit| Threshold {
                setting,
                metric,
                label,
                bound,
                scale,
                limit,
            })
        })
        .collect()
}

/// `$GITHUB_OUTPUT` (`environment`, `sink`, `development-metrics`, `alerts`) and the summary.
/// Failing to write them is a warning.
fn write_step_files(
    config: &Settings,
    environment: &str,
    written: i64,
    alerts: &[Alert],
    summary: &str,
    out: &Output,
) {
    if let Some(path) = &config.github.output {
        let mut text = workflow_commands::output_entry("environment", environment);
        text += &workflow_commands::output_entry("sink", "supabase");
        text += &workflow_commands::output_entry("development-metrics", &written.to_string());
        text += &workflow_commands::output_entry("alerts", &alerts.len().to_string());
        out.append_step_file(path, &text, "step outputs");
    }
    if let Some(path) = &config.github.step_summary {
        out.append_step_file(path, &out.redact(summary), "the job summary");
    }
}

/// What the refreshes after one write did: the tables whose figures they recomputed and, per
/// period, the rows the function wrote or why it failed.
#[derive(Debug, Default)]
pub struct RecordRefresh {
    tables: Vec<Table>,
    periods: Vec<(Period, Result<i64, SinkError>)>,
}

/// After `record` wrote rows to Supabase: refreshes the figures the tables of `writes` that took
/// rows feed (the function knows which: a step that wrote test runs leaves the deployment and PR
/// figures alone, whose planning is most of a refresh), for the days the rows of `days_of`
/// touched ([`refresh_periods`]: usually one request). `record` runs this for its first table
/// while the others are written, then for the others over the days of all as soon as they are
/// written, while the first may still run ([`crate::sinks::deliver_alongside`]; the function
/// runs two refreshes of the same figures one after the other). `window` is the
/// `failure-window` setting.
pub fn refresh_written<'a>(
    sink: &'a PostgrestSink,
    repository: &'a str,
    window: FailureWindow,
    batch: &Batch,
    writes: &[&TableWrite],
    days_of: &[&TableWrite],
) -> impl Future<Output = RecordRefresh> + 'a {
    let tables = refreshed_tables(writes);
    let deployed = tables.contains(&Table::DeploymentEvents);
    let periods = if tables.is_empty() {
        Vec::new()
    } else {
        refresh_periods(&touched_days(batch, days_of), deployed, window)
    };
    async move {
        let mut done = RecordRefresh {
            tables,
            periods: Vec::new(),
        };
        for period in periods {
            let result = refresh(sink, repository, period, window, Some(&done.tables)).await;
            done.periods.push((period, result));
        }
        done
    }
}

/// The tables of `writes` whose figures [`refresh_written`] recomputes: those that took rows
/// (the figures' own table feeds none).
pub fn refreshed_tables(writes: &[&TableWrite]) -> Vec<Table> {
    writes
        .iter()
        .filter(|write| write.accepted > 0 && write.table != Table::DevelopmentMetrics)
        .map(|write| write.table)
        .collect()
}

/// Adds what the refreshes after `record`'s write did to the log, the summary's table and the
/// delivery (the step's `development-metrics` output). A failure is a warning, in the log and the
/// summary: the rows are written, the next refresh (or `aggregate`) catches up.
pub fn report_refreshes(
    refreshes: impl IntoIterator<Item = RecordRefresh>,
    delivery: &mut Delivery,
    report: &mut RecordReport,
    out: &Output,
) {
    let (mut rows, mut requests) = (0usize, 0u32);
    for (period, result) in refreshes.into_iter().flat_map(|r| r.periods) {
        requests += 1;
        match result {
            Ok(written) => {
                out.info(&format!(
                    "refreshed metrics.development_metrics for {} to {}: {written} row(s)",
                    period.from, period.to
                ));
                rows += usize::try_from(written).unwrap_or(0);
            }
            Err(err) => {
                let text = crate::error::render_sink_problem(
                    &format!(
                        "the rows are written, but metrics.development_metrics was not refreshed for {} to {} (run `devmetrics aggregate`)",
                        period.from, period.to
                    ),
                    &err,
                );
                out.warning_text(&text);
                report.warnings.push(text);
            }
        }
    }
    if requests == 0 {
        return;
    }
    let table = Table::DevelopmentMetrics;
    report.tables.push(TableLine {
        table,
        rows,
        inserted: rows,
        spooled: 0,
        quarantined: 0,
    });
    delivery.tables.push(TableWrite {
        table,
        rows,
        accepted: rows,
        inserted: rows,
        requests,
        unsent: Vec::new(),
        quarantined: Vec::new(),
        error: None,
    });
}

/// The column holding when a row's event happened.
fn event_time_column(table: Table) -> Option<&'static str> {
    match table {
        Table::PrEvents | Table::DeploymentEvents | Table::RuleComplianceEvents => {
            Some("event_timestamp")
        }
        Table::PushEvents => Some("pushed_at"),
        Table::TestRuns | Table::TestCaseResults => Some("run_timestamp"),
        Table::DevelopmentMetrics => None,
    }
}

/// The periods `record` refreshes for the UTC `days` its rows touched: each day, reaching back
/// over the failure window when a deployment was written, `deployed` (a production deployment
/// marks the one live before it failed within the window, and carries PRs merged before it:
/// their merge days' `merged_not_deployed` and lead time change; PRs merged longer ago are
/// reconciled by the nightly `aggregate`); periods that overlap or lie within a week of each
/// other are joined.
/// Usually one period, one request; rows of distant days (a test run today beside an old push
/// in the same payload) are refreshed apart, not with the years between them.
pub fn refresh_periods(
    days: &BTreeSet<NaiveDate>,
    deployed: bool,
    window: FailureWindow,
) -> Vec<Period> {
    const JOIN_WITHIN_DAYS: u64 = 7;
    let back = if deployed {
        u64::from(window.whole_days())
    } else {
        0
    };
    let mut periods: Vec<Period> = Vec::new();
    for &day in days {
        let from = day - chrono::Days::new(back);
        match periods.last_mut() {
            Some(last) if from <= last.to + chrono::Days::new(JOIN_WITHIN_DAYS) => {
                last.to = last.to.max(day);
            }
            _ => periods.push(Period { from, to: day }),
        }
    }
    periods
}

/// The UTC days of the event times of the rows `writes` wrote (not those spooled or
/// quarantined); empty when they wrote none.
pub fn touched_days(batch: &Batch, writes: &[&TableWrite]) -> BTreeSet<NaiveDate> {
    let mut days = BTreeSet::new();
    for write in writes.iter().filter(|w| w.accepted > 0) {
        let Some(column) = event_time_column(write.table) else {
            continue;
        };
        let left_out: HashSet<String> = write
            .unsent
            .iter()
            .chain(write.quarantined.iter().map(|q| &q.row))
            .filter_map(|row| natural_key(write.table, row))
            .collect();
        let rows = batch
            .groups()
            .filter(|(table, _)| *table == write.table)
            .flat_map(|(_, rows)| rows.iter());
        for row in rows {
            if natural_key(write.table, row).is_some_and(|key| left_out.contains(&key)) {
                continue;
            }
            let Some(day) = row[column]
                .as_str()
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.with_timezone(&Utc).date_naive())
            else {
                continue;
            };
            days.insert(day);
        }
    }
    days
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn written(table: Table, rows: &[Value], unsent: &[Value]) -> TableWrite {
        TableWrite {
            table,
            rows: rows.len(),
            accepted: rows.len() - unsent.len(),
            inserted: 0,
            requests: 1,
            unsent: unsent.to_vec(),
            quarantined: Vec::new(),
            error: None,
        }
    }

    #[test]
    fn the_days_touched_are_the_utc_days_of_the_rows_written_not_those_spooled() {
        let pr = |n: i64, at: &str| json!({"repository": "o/r", "pr_number": n, "event_key": format!("k{n}"), "event_timestamp": at});
        // 23:30 at UTC-02:00 is the next day in UTC.
        let rows = vec![
            pr(1, "2026-11-29T23:30:00-02:00"),
            pr(2, "2026-11-28T10:00:00Z"),
            pr(3, "2026-11-01T10:00:00Z"),
        ];
        let run = json!({"repository": "o/r", "run_id": "r", "leg": "", "test_type": "unit", "run_timestamp": "2026-12-01T00:00:00Z"});
        let mut batch = Batch::new();
        batch.extend_values(Table::PrEvents, rows.clone());
        batch.extend_values(Table::TestRuns, vec![run.clone()]);
        let delivery = Delivery {
            tables: vec![
                written(Table::PrEvents, &rows, &rows[2..]),
                written(
                    Table::TestRuns,
                    std::slice::from_ref(&run),
                    std::slice::from_ref(&run),
                ),
            ],
            spool_file: None,
            spool_error: None,
            quarantine_file: None,
            quarantine_error: None,
        };
        let writes: Vec<&TableWrite> = delivery.tables.iter().collect();
        let days: Vec<String> = touched_days(&batch, &writes)
            .iter()
            .map(|d| d.to_string())
            .collect();
        assert_eq!(days, ["2026-11-28", "2026-11-30"]);
        let none = Delivery {
            tables: vec![],
            ..delivery
        };
        let writes: Vec<&TableWrite> = none.tables.iter().collect();
        assert!(touched_days(&batch, &writes).is_empty());
    }

    #[test]
    fn a_written_deployment_refreshes_the_days_back_over_the_failure_window() {
        let day = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
        let days: BTreeSet<NaiveDate> = [day("2026-11-28"), day("2026-11-30")].into();
        let span = |p: &[Period]| -> Vec<String> {
            p.iter().map(|p| format!("{} {}", p.from, p.to)).collect()
        };
        let week = FailureWindow::days(7);
        assert_eq!(
            span(&refresh_periods(&days, false, week)),
            ["2026-11-28 2026-11-30"]
        );
        assert_eq!(
            span(&refresh_periods(&days, true, week)),
            ["2026-11-21 2026-11-30"]
        );
        let hours = FailureWindow::parse("36h").unwrap();
        assert_eq!(
            span(&refresh_periods(&days, true, hours)),
            ["2026-11-26 2026-11-30"]
        );
    }

    #[test]
    fn days_years_apart_are_refreshed_apart_and_days_within_a_week_together() {
        let day = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
        let days: BTreeSet<NaiveDate> = [
            day("2019-05-15"),
            day("2026-11-20"),
            day("2026-11-27"),
            day("2026-12-02"),
        ]
        .into();
        let periods = refresh_periods(&days, false, FailureWindow::days(7));
        let spans: Vec<String> = periods
            .iter()
            .map(|p| format!("{} {}", p.from, p.to))
            .collect();
        assert_eq!(spans, ["2019-05-15 2019-05-15", "2026-11-20 2026-12-02"]);
        assert!(refresh_periods(&BTreeSet::new(), false, FailureWindow::days(7)).is_empty());
    }

    #[test]
    fn only_the_thresholds_set_are_checked() {
        let t = thresholds(&AlertSettings {
            min_pass_rate: Some(80.0),
            max_lead_time_hours: Some(24.0),
            ..AlertSettings::default()
        });
        let names: Vec<&str> = t.iter().map(|t| t.metric).collect();
        assert_eq!(names, ["test_pass_rate", "lead_time_seconds"]);
    }
}
