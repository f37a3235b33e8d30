//! The figures a report reads back from the database: which relations, columns and filters
//! ([`reads`], plain data the command sends through PostgREST), and the typed records of the
//! answers ([`Figure`], [`Deployment`], [`UndeployedPr`], [`TestCase`]). Nothing here does I/O;
//! nothing here computes a figure: they come from `metrics.development_metrics` (computed by
//! `metrics.refresh_development_metrics`) and its audit views, as stored.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::Value;

/// The weekly figures a report shows (`metric_name` in `metrics.development_metrics`).
pub const WEEKLY_METRICS: &[&str] = &[
    "deployment_count",
    "lead_time_seconds",
    "change_failure_rate",
    "failed_deployment_recovery_seconds",
    "rework_rate",
    "pr_cycle_time_seconds",
    "pr_coding_seconds",
    "pr_pickup_seconds",
    "pr_review_seconds",
    "pr_deploy_seconds",
    "merged_not_deployed",
    "test_pass_rate",
    "flaky_test_rate",
    "rule_compliance_rate",
];

/// One read: `GET /<relation>?select=<columns>&<filters>&order=<order>`, page by page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Read {
    /// What is read, for messages: `metrics.development_metrics (weeks)`.
    pub what: &'static str,
    /// The table or view in the `metrics` schema.
    pub relation: &'static str,
    /// PostgREST's `select`.
    pub columns: &'static str,
    /// `column`, `op.value`.
    pub filters: Vec<(&'static str, String)>,
    /// PostgREST's `order` (a total order, so that pages do not overlap).
    pub order: &'static str,
    /// Most rows read; more are left out and said so.
    pub max_rows: usize,
}

/// The reads of one report, in the order [`Figures`] holds their answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reads {
    /// Weekly figures of the weeks shown.
    pub weeks: Read,
    /// Daily figures of the last day (the alerts are checked on it and its week).
    pub last_day: Read,
    /// Failed production deployments of the period (`metrics.production_deployments`).
    pub failed_deployments: Read,
    /// PRs merged in the period that no deployment carries (`metrics.pr_delivery`).
    pub undeployed: Read,
    /// Flaky and slow test cases of the period (`metrics.test_case_results`).
    pub test_cases: Read,
}

const FIGURE_COLUMNS: &str =
    "environment,metric_date,grain,metric_name,value,n,p50,p90,unit,metadata";

/// What a report of `repository` reads: the ISO weeks from the one starting `first_week` to the
/// one holding `to`, the events of the days `from` to `to`.
pub fn reads(repository: &str, first_week: NaiveDate, from: NaiveDate, to: NaiveDate) -> Reads {
    let repo = ("repository", format!("eq.{repository}"));
    let names = format!("in.({})", WEEKLY_METRICS.join(","));
    let start = format!("gte.{from}T00:00:00Z");
    let end = format!("lt.{}T00:00:00Z", to + chrono::Days::new(1));
    Reads {
        weeks: Read {
            what: "metrics.development_metrics (ISO weeks)",
            relation: "development_metrics",
            columns: FIGURE_COLUMNS,
            filters: vec![
                repo.clone(),
                ("grain", "eq.week".into()),
                ("metric_date", format!("gte.{first_week}")),
                ("metric_date", format!("lte.{to}")),
                ("metric_name", names.clone()),
            ],
            order: "metric_date.asc,metric_name.asc,environment.asc",
            max_rows: 50_000,
        },
        last_day: Read {
            what: "metrics.development_metrics (the last day)",
            relation: "development_metrics",
            columns: FIGURE_COLUMNS,
            filters: vec![
                repo.clone(),
                ("grain", "eq.day".into()),
                ("metric_date", format!("eq.{to}")),
                ("metric_name", names),
            ],
            order: "metric_name.asc,environment.asc",
            max_rows: 1_000,
        },
        failed_deployments: Read {
            what: "metrics.production_deployments",
            relation: "production_deployments",
            columns: "deployment_id,sha,finished_at,failure_reason,recovered_by,recovery_seconds",
            filters: vec![
                repo.clone(),
                ("failed", "is.true".into()),
                ("finished_at", start.clone()),
                ("finished_at", end.clone()),
            ],
            order: "finished_at.desc,deployment_id.asc",
            max_rows: 100,
        },
        undeployed: Read {
            what: "metrics.pr_delivery",
            relation: "pr_delivery",
            columns: "pr_number,merged_at,merge_commit_sha",
            filters: vec![
                repo.clone(),
                ("is_bot", "is.false".into()),
                ("deployment_id", "is.null".into()),
                ("merged_at", start.clone()),
                ("merged_at", end.clone()),
            ],
            order: "merged_at.asc,pr_number.asc",
            max_rows: 100,
        },
        test_cases: Read {
            what: "metrics.test_case_results",
            relation: "test_case_results",
            columns: "environment,run_id,suite_name,classname,test_name,outcome,duration_seconds,attempts",
            filters: vec![
                repo,
                ("outcome", "in.(flaky,passed,failed,errored)".into()),
                ("run_timestamp", start),
                ("run_timestamp", end),
            ],
            order: "run_timestamp.desc,id.desc",
            max_rows: 20_000,
        },
    }
}

/// A row of `metrics.development_metrics`, as stored.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Figure {
    /// `local`, `staging` or `production`.
    pub environment: String,
    /// The Monday of the week, or the day.
    pub metric_date: NaiveDate,
    /// `week` or `day`.
    pub grain: String,
    /// E.g. `lead_time_seconds`.
    pub metric_name: String,
    /// NULL when there was nothing to measure.
    pub value: Option<f64>,
    /// What the value rests on.
    pub n: i64,
    /// Median.
    pub p50: Option<f64>,
    /// 90th percentile.
    pub p90: Option<f64>,
    /// `seconds`, `ratio`, `deployments`…
    pub unit: Option<String>,
    /// `dora_level`, `deployments_per_day`, `rules`…
    #[serde(default)]
    pub metadata: Value,
}

/// A failed production deployment (`metrics.production_deployments`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Deployment {
    /// E.g. `deployment:42`.
    pub deployment_id: String,
    /// The commit deployed.
    pub sha: Option<String>,
    /// When it reached success.
    pub finished_at: DateTime<Utc>,
    /// `rolled_back`, `reverted` or `hotfixed`.
    pub failure_reason: Option<String>,
    /// The deployment that fixed it.
    pub recovered_by: Option<String>,
    /// Its finish to the fixer's finish.
    pub recovery_seconds: Option<i64>,
}

/// A PR merged and not (yet) deployed (`metrics.pr_delivery`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct UndeployedPr {
    /// The PR.
    pub pr_number: i64,
    /// When it was merged.
    pub merged_at: DateTime<Utc>,
    /// Its merge commit.
    pub merge_commit_sha: Option<String>,
}

/// A test case kept by `record` (`metrics.test_case_results`): failed, flaky or slow.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TestCase {
    /// Where it ran.
    pub environment: String,
    /// The run.
    pub run_id: String,
    /// The suite.
    #[serde(default)]
    pub suite_name: String,
    /// The class.
    #[serde(default)]
    pub classname: String,
    /// The test.
    pub test_name: String,
    /// `passed` (kept for being slow), `flaky`, `failed`, `errored`.
    pub outcome: String,
    /// Its duration.
    pub duration_seconds: Option<f64>,
    /// Attempts (reruns included).
    #[serde(default = "one")]
    pub attempts: i64,
}

fn one() -> i64 {
    1
}

/// Every answer of a report's reads.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    /// Weekly figures.
    pub weeks: Vec<Figure>,
    /// The last day's figures.
    pub last_day: Vec<Figure>,
    /// Failed deployments, newest first.
    pub failed_deployments: Vec<Deployment>,
    /// PRs merged, not deployed, oldest first.
    pub undeployed: Vec<UndeployedPr>,
    /// Flaky and slow test cases, newest first.
    pub test_cases: Vec<TestCase>,
    /// The reads that reached their `max_rows` (`what`): their lists may be incomplete.
    pub truncated: Vec<&'static str>,
}

/// Rows of one answer that devmetrics cannot read.
#[derive(Debug, thiserror::Error)]
#[error("a row of {what} devmetrics cannot read: {problem}")]
pub struct FigureError {
    /// The read.
    pub what: &'static str,
    /// serde's message.
    pub problem: String,
}

/// Parses the rows of `read`'s answer.
pub fn parse<T: for<'de> Deserialize<'de>>(
    read: &Read,
    rows: Vec<Value>,
) -> Result<Vec<T>, FigureError> {
    rows.into_iter()
        .map(|row| {
            serde_json::from_value(row).map_err(|e| FigureError {
                what: read.what,
                problem: e.to_string(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_reads_cover_the_weeks_and_the_days_of_the_period_of_one_repository() {
        let day = |s: &str| s.parse::<NaiveDate>().unwrap();
        let r = reads(
            "o/r",
            day("2026-11-23"),
            day("2026-11-25"),
            day("2026-12-01"),
        );
        assert!(r
            .weeks
            .filters
            .contains(&("metric_date", "gte.2026-11-23".into())));
        assert!(r
            .weeks
            .filters
            .contains(&("metric_date", "lte.2026-12-01".into())));
        assert!(r
            .last_day
            .filters
            .contains(&("metric_date", "eq.2026-12-01".into())));
        assert!(r
            .test_cases
            .filters
            .contains(&("run_timestamp", "lt.2026-12-02T00:00:00Z".into())));
        for read in [
            &r.weeks,
            &r.failed_deployments,
            &r.undeployed,
            &r.test_cases,
        ] {
            assert!(read.filters.contains(&("repository", "eq.o/r".into())));
        }
    }

    #[test]
    fn a_null_value_stays_none_and_a_bad_row_names_its_read() {
        let r = reads("o/r", NaiveDate::MIN, NaiveDate::MIN, NaiveDate::MIN);
        let rows = vec![
            json!({"environment": "production", "metric_date": "2026-11-23",
            "grain": "week", "metric_name": "lead_time_seconds", "value": null, "n": 0,
            "p50": null, "p90": null, "unit": "seconds", "metadata": {}}),
        ];
        let figures: Vec<Figure> = parse(&r.weeks, rows).unwrap();
        assert_eq!((figures[0].value, figures[0].n), (None, 0));
        let err = parse::<Figure>(&r.weeks, vec![json!({"n": "x"})]).unwrap_err();
        assert!(err
            .to_string()
            .starts_with("a row of metrics.development_metrics (ISO weeks)"));
    }
}
