//! The report as plain data: what every format shows, built from the stored figures
//! ([`Figures`]) without computing a figure of its own. A value is the stored one (a rate as
//! stored, 0..1; a duration in seconds); a period with nothing to measure has no value and says
//! why in words ("no production deployment in this period"), never 0; a week the database has
//! no row for says so too.

use super::top_tests::{flaky, slowest, TestLine};
use super::words::{duration, percent, round2};
use crate::sources::figures::{Figure, Figures};
use chrono::{Days, NaiveDate};
use serde::Serialize;
use std::collections::BTreeMap;

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// `owner/name`.
    pub repository: String,
    /// First day of the period (UTC).
    pub from: NaiveDate,
    /// Last day of the period (UTC).
    pub to: NaiveDate,
    /// The Mondays of the ISO weeks shown, oldest first.
    pub weeks: Vec<NaiveDate>,
    /// The week the headline figures are of: the last one that ended by `to`, else the last.
    pub headline_week: NaiveDate,
    /// The headline week had not ended on `to`.
    pub headline_partial: bool,
    /// No figure at all was found for the period.
    pub no_figures: bool,
    /// Alert thresholds crossed on the last day and its ISO week.
    pub alerts: Vec<String>,
    /// The thresholds checked (`setting`: label).
    pub thresholds: Vec<String>,
    /// Deployment frequency, lead time, change failure rate, recovery time, rework rate.
    pub dora: Vec<Key>,
    /// PR cycle time and its stages per week.
    pub cycle: Vec<StageWeek>,
    /// Why there is no stage at all, when there is none.
    pub cycle_empty: Option<String>,
    /// Test pass rate per week, one series per environment with test runs.
    pub pass_rates: Vec<Series>,
    /// The pass rate line (percent).
    pub pass_line: f64,
    /// In words: `80 %`.
    pub pass_line_text: String,
    /// Most flaky tests of the period (top 10).
    pub flaky: Vec<TestLine>,
    /// Slowest tests of the period (top 10).
    pub slowest: Vec<TestLine>,
    /// Rule compliance per rule per week, one series per environment and rule.
    pub compliance: Vec<Series>,
    /// Failed production deployments of the period, newest first.
    pub failed_deployments: Vec<FailedDeployment>,
    /// PRs merged in the period that no deployment carries (yet), oldest first.
    pub undeployed: Vec<Undeployed>,
    /// Reads that hit their row limit: those lists may be incomplete.
    pub truncated: Vec<String>,
}

/// One figure of one week: its value (as stored), what it rests on, and how it reads.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Point {
    /// The Monday of the week.
    pub week: NaiveDate,
    /// The figure; `None`: nothing to measure, or no row.
    pub value: Option<f64>,
    /// What it rests on.
    pub n: i64,
    /// The value in words ("3.0 h", "85.0 %"), or why there is none.
    pub text: String,
    /// The database has no row for this week (`devmetrics aggregate` has not run over it).
    pub missing: bool,
}

/// A DORA key: the headline week's figure, its level and its weekly trend.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Key {
    /// The `development_metrics` metric it comes from.
    pub metric: &'static str,
    /// E.g. "Deployment frequency".
    pub label: &'static str,
    /// The unit of `value` and the trend's values: `per_day`, `seconds`, `ratio`.
    pub unit: &'static str,
    /// The headline week's figure.
    pub headline: Point,
    /// DORA 2024 level (`metadata.dora_level`), when DORA gives the metric one and n > 0.
    pub level: Option<String>,
    /// Every week, oldest first.
    pub trend: Vec<Point>,
}

/// The medians of a week's PR stages (seconds), as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageWeek {
    /// The Monday of the week.
    pub week: NaiveDate,
    /// First commit -> ready for review (`pr_coding_seconds`, median).
    pub coding: Point,
    /// Ready -> first review (`pr_pickup_seconds`).
    pub pickup: Point,
    /// First review -> merge (`pr_review_seconds`).
    pub review: Point,
    /// Merge -> deployed (`pr_deploy_seconds`, by deployment).
    pub deploy: Point,
    /// Opened -> merged (`pr_cycle_time_seconds`).
    pub cycle: Point,
}

/// A weekly series: an environment's pass rate, or a rule's compliance in an environment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Series {
    /// The environment.
    pub environment: String,
    /// The rule, for compliance.
    pub rule: Option<String>,
    /// Every week, oldest first.
    pub points: Vec<Point>,
}

/// A failed production deployment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailedDeployment {
    /// Its id.
    pub deployment_id: String,
    /// When it finished (UTC, RFC 3339).
    pub finished_at: String,
    /// rolled_back, reverted or hotfixed.
    pub reason: String,
    /// The deployment that fixed it.
    pub recovered_by: String,
    /// How long that took (seconds).
    pub recovery_seconds: Option<i64>,
    /// In words.
    pub recovery_text: String,
}

/// A PR merged and not deployed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Undeployed {
    /// The PR.
    pub pr_number: i64,
    /// When it was merged (UTC, RFC 3339).
    pub merged_at: String,
}

/// What the headline and trend of a DORA key read.
struct KeySpec {
    metric: &'static str,
    label: &'static str,
    unit: &'static str,
    /// What a period with nothing to measure says.
    empty: &'static str,
}

const KEYS: [KeySpec; 5] = [
    KeySpec {
        metric: "deployment_count",
        label: "Deployment frequency",
        unit: "per_day",
        empty: "no production deployment in this period",
    },
    KeySpec {
        metric: "lead_time_seconds",
        label: "Lead time for changes (median)",
        unit: "seconds",
        empty: "no change reached production in this period",
    },
    KeySpec {
        metric: "change_failure_rate",
        label: "Change failure rate",
        unit: "ratio",
        empty: "no production deployment in this period",
    },
    KeySpec {
        metric: "failed_deployment_recovery_seconds",
        label: "Failed deployment recovery time (median)",
        unit: "seconds",
        empty: "no failed deployment in this period",
    },
    KeySpec {
        metric: "rework_rate",
        label: "Rework rate",
        unit: "ratio",
        empty: "no production deployment in this period",
    },
];

/// What a week without a row says.
pub const NOT_COMPUTED: &str = "not computed: run devmetrics aggregate over this period";

/// Everything [`build`] needs besides the figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Context {
    /// `owner/name`.
    pub repository: String,
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// The pass rate line, percent.
    pub pass_line: f64,
    /// Alert sentences.
    pub alerts: Vec<String>,
    /// Thresholds checked.
    pub thresholds: Vec<String>,
}

/// The Monday of the ISO week holding `day`.
fn monday(day: NaiveDate) -> NaiveDate {
    use chrono::Datelike;
    day - Days::new(u64::from(day.weekday().num_days_from_monday()))
}

/// Builds the report from the stored figures.
pub fn build(context: Context, figures: &Figures) -> Report {
    let first = monday(context.from);
    let last = monday(context.to);
    let weeks: Vec<NaiveDate> = std::iter::successors(Some(first), |w| {
        Some(*w + Days::new(7)).filter(|next| *next <= last)
    })
    .collect();
    let ended: Vec<&NaiveDate> = weeks
        .iter()
        .filter(|w| **w + Days::new(6) <= context.to)
        .collect();
    let headline_week = ended.last().map_or(last, |w| **w);
    let headline_partial = headline_week + Days::new(6) > context.to;
    let index: BTreeMap<(&str, &str, NaiveDate), &Figure> = figures
        .weeks
        .iter()
        .map(|f| {
            (
                (
                    f.environment.as_str(),
                    f.metric_name.as_str(),
                    f.metric_date,
                ),
                f,
            )
        })
        .collect();
    let get = |env: &str, metric: &str, week: NaiveDate| index.get(&(env, metric, week)).copied();

    let dora = KEYS
        .iter()
        .map(|spec| {
            let point = |week| key_point(spec, week, get("production", spec.metric, week));
            let level = get("production", spec.metric, headline_week)
                .filter(|f| f.n > 0)
                .and_then(|f| f.metadata.get("dora_level"))
                .and_then(|l| l.as_str())
                .map(str::to_owned);
            Key {
                metric: spec.metric,
                label: spec.label,
                unit: spec.unit,
                headline: point(headline_week),
                level,
                trend: weeks.iter().map(|w| point(*w)).collect(),
            }
        })
        .collect();

    let stage = |metric: &str, week: NaiveDate, empty: &str| {
        duration_point(week, get("production", metric, week), empty)
    };
    let cycle: Vec<StageWeek> = weeks
        .iter()
        .map(|&w| StageWeek {
            week: w,
            coding: stage("pr_coding_seconds", w, "no merged pull request"),
            pickup: stage("pr_pickup_seconds", w, "no merged pull request"),
            review: stage("pr_review_seconds", w, "no merged pull request"),
            deploy: stage("pr_deploy_seconds", w, "no deployed pull request"),
            cycle: stage("pr_cycle_time_seconds", w, "no merged pull request"),
        })
        .collect();
    let cycle_empty = cycle
        .iter()
        .all(|s| s.coding.n == 0 && s.deploy.n == 0)
        .then(|| "no merged pull request in this period".to_owned());

    let environments = ["production", "staging", "local"];
    let pass_rates = environments
        .iter()
        .filter(|env| {
            weeks
                .iter()
                .any(|w| get(env, "test_pass_rate", *w).is_some_and(|f| f.n > 0))
        })
        .map(|env| Series {
            environment: (*env).to_owned(),
            rule: None,
            points: weeks
                .iter()
                .map(|w| {
                    rate_point(
                        *w,
                        get(env, "test_pass_rate", *w),
                        "no test run in this week",
                    )
                })
                .collect(),
        })
        .collect();

    let mut compliance = Vec::new();
    for env in environments {
        let mut rules: BTreeMap<String, BTreeMap<NaiveDate, (f64, i64)>> = BTreeMap::new();
        for w in &weeks {
            let Some(f) = get(env, "rule_compliance_rate", *w) else {
                continue;
            };
            let Some(map) = f.metadata.get("rules").and_then(|r| r.as_object()) else {
                continue;
            };
            for (rule, figure) in map {
                let value = figure.get("value").and_then(|v| v.as_f64());
                let n = figure.get("n").and_then(|v| v.as_i64()).unwrap_or(0);
                if let Some(value) = value {
                    rules
                        .entry(rule.clone())
                        .or_default()
                        .insert(*w, (value, n));
                }
            }
        }
        for (rule, by_week) in rules {
            let points = weeks
                .iter()
                .map(|w| {
                    let row = get(env, "rule_compliance_rate", *w);
                    match by_week.get(w) {
                        Some((value, n)) => Point {
                            week: *w,
                            value: Some(*value),
                            n: *n,
                            text: percent(*value),
                            missing: false,
                        },
                        None => Point {
                            week: *w,
                            value: None,
                            n: 0,
                            text: if row.is_some() {
                                "no verdict in this week".to_owned()
                            } else {
                                NOT_COMPUTED.to_owned()
                            },
                            missing: row.is_none(),
                        },
                    }
                })
                .collect();
            compliance.push(Series {
                environment: env.to_owned(),
                rule: Some(rule),
                points,
            });
        }
    }

    Report {
        repository: context.repository,
        from: context.from,
        to: context.to,
        no_figures: figures.weeks.is_empty(),
        weeks,
        headline_week,
        headline_partial,
        alerts: context.alerts,
        thresholds: context.thresholds,
        dora,
        cycle,
        cycle_empty,
        pass_rates,
        pass_line: context.pass_line,
        pass_line_text: format!("{} %", context.pass_line),
        flaky: flaky(&figures.test_cases),
        slowest: slowest(&figures.test_cases),
        compliance,
        failed_deployments: figures
            .failed_deployments
            .iter()
            .map(|d| FailedDeployment {
                deployment_id: d.deployment_id.clone(),
                finished_at: d.finished_at.to_rfc3339(),
                reason: d.failure_reason.clone().unwrap_or_default(),
                recovered_by: d.recovered_by.clone().unwrap_or_default(),
                recovery_seconds: d.recovery_seconds,
                recovery_text: d
                    .recovery_seconds
                    .map_or_else(String::new, |s| duration(s as f64)),
            })
            .collect(),
        undeployed: figures
            .undeployed
            .iter()
            .map(|p| Undeployed {
                pr_number: p.pr_number,
                merged_at: p.merged_at.to_rfc3339(),
            })
            .collect(),
        truncated: figures.truncated.iter().map(|s| (*s).to_owned()).collect(),
    }
}

fn missing(week: NaiveDate) -> Point {
    Point {
        week,
        value: None,
        n: 0,
        text: NOT_COMPUTED.to_owned(),
        missing: true,
    }
}

fn nothing(week: NaiveDate, empty: &str) -> Point {
    Point {
        week,
        value: None,
        n: 0,
        text: empty.to_owned(),
        missing: false,
    }
}

fn key_point(spec: &KeySpec, week: NaiveDate, figure: Option<&Figure>) -> Point {
    let Some(f) = figure else {
        return missing(week);
    };
    match spec.unit {
        "per_day" => {
            if f.n == 0 {
                return nothing(week, spec.empty);
            }
            let per_day = f
                .metadata
                .get("deployments_per_day")
                .and_then(|v| v.as_f64())
                .or(f.value.map(|v| v / 7.0));
            Point {
                week,
                value: per_day,
                n: f.n,
                text: per_day.map_or_else(String::new, |d| {
                    format!("{} per day ({} in the week)", round2(d), f.n)
                }),
                missing: false,
            }
        }
        "seconds" => duration_point(week, Some(f), spec.empty),
        _ => rate_point(week, Some(f), spec.empty),
    }
}

fn duration_point(week: NaiveDate, figure: Option<&Figure>, empty: &str) -> Point {
    let Some(f) = figure else {
        return missing(week);
    };
    match f.p50.or(f.value) {
        Some(seconds) if f.n > 0 => Point {
            week,
            value: Some(seconds),
            n: f.n,
            text: duration(seconds),
            missing: false,
        },
        _ => nothing(week, empty),
    }
}

fn rate_point(week: NaiveDate, figure: Option<&Figure>, empty: &str) -> Point {
    let Some(f) = figure else {
        return missing(week);
    };
    match f.value {
        Some(value) if f.n > 0 => Point {
            week,
            value: Some(value),
            n: f.n,
            text: percent(value),
            missing: false,
        },
        _ => nothing(week, empty),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn figure(
        metric: &str,
        week: &str,
        value: Option<f64>,
        n: i64,
        metadata: serde_json::Value,
    ) -> Figure {
        Figure {
            environment: "production".into(),
            metric_date: day(week),
            grain: "week".into(),
            metric_name: metric.into(),
            value,
            n,
            p50: value,
            p90: value,
            unit: None,
            metadata,
        }
    }

    fn context() -> Context {
        Context {
            repository: "o/r".into(),
            from: day("2026-11-16"),
            to: day("2026-12-01"),
            pass_line: 80.0,
            alerts: vec![],
            thresholds: vec![],
        }
    }

    #[test]
    fn the_headline_is_the_last_week_that_ended_and_an_empty_week_says_why_never_zero() {
        let figures = Figures {
            weeks: vec![
                figure(
                    "deployment_count",
                    "2026-11-16",
                    Some(14.0),
                    14,
                    json!({"deployments_per_day": 2.0, "dora_level": "elite"}),
                ),
                figure("deployment_count", "2026-11-23", Some(0.0), 0, json!({})),
                figure("change_failure_rate", "2026-11-23", None, 0, json!({})),
            ],
            ..Figures::default()
        };
        let r = build(context(), &figures);
        assert_eq!(
            r.weeks,
            [day("2026-11-16"), day("2026-11-23"), day("2026-11-30")]
        );
        assert_eq!(
            (r.headline_week, r.headline_partial),
            (day("2026-11-23"), false)
        );
        let freq = &r.dora[0];
        assert_eq!(freq.headline.value, None);
        assert_eq!(
            freq.headline.text,
            "no production deployment in this period"
        );
        assert_eq!(freq.level, None);
        assert_eq!(freq.trend[0].value, Some(2.0));
        assert_eq!(freq.trend[0].text, "2 per day (14 in the week)");
        assert!(freq.trend[2].missing);
        assert_eq!(
            r.dora[2].headline.text,
            "no production deployment in this period"
        );
        assert!(r.dora[1].headline.missing, "no lead time row: not computed");
        assert_eq!(
            r.cycle_empty.as_deref(),
            Some("no merged pull request in this period")
        );
    }

    #[test]
    fn compliance_comes_per_rule_from_the_metadata_of_the_stored_rate() {
        let figures = Figures {
            weeks: vec![figure(
                "rule_compliance_rate",
                "2026-11-23",
                Some(0.75),
                4,
                json!({"rules": {"branching": {"value": 2.0 / 3.0, "n": 3}, "review": {"value": 1.0, "n": 1}}}),
            )],
            ..Figures::default()
        };
        let r = build(context(), &figures);
        let rules: Vec<_> = r
            .compliance
            .iter()
            .map(|s| s.rule.clone().unwrap())
            .collect();
        assert_eq!(rules, ["branching", "review"]);
        assert_eq!(r.compliance[0].points[1].text, "66.7 %");
        assert_eq!(r.compliance[0].points[0].text, NOT_COMPUTED);
    }
}
