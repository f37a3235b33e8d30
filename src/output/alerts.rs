//! The alerts of `aggregate`: thresholds checked on the fresh figures of
//! `metrics.development_metrics` (the last day and ISO week), and what a step shows of the
//! breaches: a summary section, error annotations and the `alerts` output.
//!
//! Rates are compared in percent: a figure whose `unit` is `percent` is taken as it is, one in
//! `ratio` (or without a unit and at most 1) is multiplied by 100. Durations are stored in
//! seconds and compared in hours, on the median (`p50`, else `value`). A figure with nothing to
//! measure (`value` NULL or `n` = 0) is never an alert.

use super::summary::escape;
use super::workflow_commands::{self, AnnotationTarget, Level};
use crate::rows::development_metrics::{DevelopmentMetric, Grain};
use std::fmt::Write as _;

/// Which way a threshold is crossed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// An alert under the limit.
    Min,
    /// An alert over the limit.
    Max,
}

/// How a figure is read for a threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// A rate, compared in percent.
    Percent,
    /// A duration in seconds, compared in hours on its median.
    Hours,
}

/// One threshold on one metric.
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    /// The setting that holds it, e.g. `alert-min-pass-rate`.
    pub setting: &'static str,
    /// The metric it applies to, as `metric_name` in `development_metrics`.
    pub metric: &'static str,
    /// What the metric is called for people.
    pub label: &'static str,
    /// Under or over.
    pub bound: Bound,
    /// How the figure is read.
    pub scale: Scale,
    /// The limit, in percent or hours.
    pub limit: f64,
}

/// A threshold crossed by one figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// The threshold.
    pub threshold: Threshold,
    /// The figure's environment.
    pub environment: String,
    /// Day or ISO week.
    pub grain: Grain,
    /// The day, or the Monday of the week.
    pub date: chrono::NaiveDate,
    /// The figure, in the threshold's scale.
    pub actual: f64,
    /// What it rests on (`n`).
    pub n: i64,
}

impl Alert {
    /// One sentence: `test pass rate 50 % (n = 10) in production on the day 2026-11-30 is under
    /// the alert-min-pass-rate of 80 %`.
    pub fn sentence(&self) -> String {
        let t = &self.threshold;
        format!(
            "{} {} (n = {}) in {} {} is {} the {} of {}",
            t.label,
            amount(self.actual, t.scale),
            self.n,
            self.environment,
            period(self.grain, self.date),
            match t.bound {
                Bound::Min => "under",
                Bound::Max => "over",
            },
            t.setting,
            amount(t.limit, t.scale)
        )
    }
}

fn period(grain: Grain, date: chrono::NaiveDate) -> String {
    match grain {
        Grain::Day => format!("on the day {date}"),
        Grain::Week => format!("in the ISO week starting {date}"),
    }
}

fn amount(value: f64, scale: Scale) -> String {
    let rounded = (value * 10.0).round() / 10.0;
    match scale {
        Scale::Percent => format!("{rounded} %"),
        Scale::Hours => format!("{rounded} h"),
    }
}

/// A figure in a threshold's scale; `None` when it measured nothing.
fn reading(figure: &DevelopmentMetric, scale: Scale) -> Option<f64> {
    if figure.n == 0 {
        return None;
    }
    match scale {
        Scale::Percent => {
            let value = figure.value?;
            match figure.unit.as_deref() {
                Some("percent" | "%") => Some(value),
                Some(_) => Some(value * 100.0),
                None if value <= 1.0 => Some(value * 100.0),
                None => Some(value),
            }
        }
        Scale::Hours => figure.p50.or(figure.value).map(|s| s / 3600.0),
    }
}

/// The breaches of `thresholds` among `figures`, in the order of the thresholds, then of the
/// figures.
pub fn check(figures: &[DevelopmentMetric], thresholds: &[Threshold]) -> Vec<Alert> {
    let mut alerts = Vec::new();
    for threshold in thresholds {
        for figure in figures.iter().filter(|f| f.metric_name == threshold.metric) {
            let Some(actual) = reading(figure, threshold.scale) else {
                continue;
            };
            let crossed = match threshold.bound {
                Bound::Min => actual < threshold.limit,
                Bound::Max => actual > threshold.limit,
            };
            if crossed {
                alerts.push(Alert {
                    threshold: threshold.clone(),
                    environment: figure.environment.to_string(),
                    grain: figure.grain,
                    date: figure.metric_date,
                    actual,
                    n: figure.n,
                });
            }
        }
    }
    alerts
}

/// The alerts as error annotations (the step's budget decides how many are shown).
pub fn annotations(alerts: &[Alert]) -> Vec<String> {
    alerts
        .iter()
        .map(|a| {
            workflow_commands::annotation(
                Level::Error,
                &AnnotationTarget {
                    title: Some(format!("devmetrics alert: {}", a.threshold.label)),
                    ..AnnotationTarget::default()
                },
                &format!("{}.", a.sentence()),
            )
        })
        .collect()
}

/// The summary section: the thresholds checked and the breaches, or that there were none.
pub fn section(alerts: &[Alert], checked: &[Threshold], fails_step: bool) -> String {
    let mut md = String::from("### Alerts\n\n");
    if checked.is_empty() {
        md.push_str("No alert threshold is set.\n\n");
        return md;
    }
    if alerts.is_empty() {
        let names: Vec<String> = checked
            .iter()
            .map(|t| format!("{} ({})", escape(t.label), escape(t.setting)))
            .collect();
        let _ = writeln!(
            md,
            "No threshold crossed on the last day and ISO week: {}.\n",
            names.join(", ")
        );
        return md;
    }
    let _ = writeln!(
        md,
        "**{} threshold(s) crossed**{}.\n",
        alerts.len(),
        if fails_step {
            ", and fail-on-alert fails the step"
        } else {
            " (fail-on-alert is off: the step stays green)"
        }
    );
    md.push_str("| metric | environment | period | figure | n | threshold |\n");
    md.push_str("| --- | --- | --- | --- | --- | --- |\n");
    for a in alerts {
        let t = &a.threshold;
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} {} {} |",
            escape(t.label),
            escape(&a.environment),
            escape(&period(a.grain, a.date)),
            escape(&amount(a.actual, t.scale)),
            a.n,
            escape(t.setting),
            match t.bound {
                Bound::Min => "≥",
                Bound::Max => "≤",
            },
            escape(&amount(t.limit, t.scale)),
        );
    }
    md.push('\n');
    md
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::environment::Environment;

    fn figure(
        name: &str,
        value: Option<f64>,
        n: i64,
        p50: Option<f64>,
        unit: &str,
    ) -> DevelopmentMetric {
        DevelopmentMetric {
            repository: "o/r".into(),
            environment: Environment::Production,
            metric_date: "2026-11-30".parse().unwrap(),
            grain: Grain::Week,
            metric_name: name.into(),
            value,
            n,
            p50,
            p90: None,
            unit: (!unit.is_empty()).then(|| unit.to_owned()),
            computed_at: chrono::Utc::now(),
            recorded_at: chrono::Utc::now(),
            metadata: serde_json::json!({}),
        }
    }

    fn threshold(metric: &'static str, bound: Bound, scale: Scale, limit: f64) -> Threshold {
        Threshold {
            setting: "alert-x",
            metric,
            label: metric,
            bound,
            scale,
            limit,
        }
    }

    #[test]
    fn rates_are_compared_in_percent_whatever_their_unit_and_empty_figures_never_alert() {
        let min80 = [threshold(
            "test_pass_rate",
            Bound::Min,
            Scale::Percent,
            80.0,
        )];
        let breached = |f: DevelopmentMetric| check(&[f], &min80).len();
        assert_eq!(
            breached(figure("test_pass_rate", Some(0.5), 10, None, "ratio")),
            1
        );
        assert_eq!(
            breached(figure("test_pass_rate", Some(0.9), 10, None, "ratio")),
            0
        );
        assert_eq!(
            breached(figure("test_pass_rate", Some(50.0), 10, None, "percent")),
            1
        );
        assert_eq!(
            breached(figure("test_pass_rate", Some(90.0), 10, None, "")),
            0
        );
        assert_eq!(
            breached(figure("test_pass_rate", Some(0.5), 10, None, "")),
            1
        );
        // Nothing measured: NULL with n = 0 is not a 0 % pass rate.
        assert_eq!(
            breached(figure("test_pass_rate", None, 0, None, "ratio")),
            0
        );
        assert_eq!(
            breached(figure("test_pass_rate", Some(0.0), 0, None, "ratio")),
            0
        );
        // Exactly at the limit is not under it.
        assert_eq!(
            breached(figure("test_pass_rate", Some(0.8), 10, None, "ratio")),
            0
        );
    }

    #[test]
    fn durations_are_compared_in_hours_on_their_median() {
        let max24 = [threshold(
            "lead_time_seconds",
            Bound::Max,
            Scale::Hours,
            24.0,
        )];
        // p50 = 30 h (108 000 s) is over 24 h, whatever the value column says.
        let alerts = check(
            &[figure(
                "lead_time_seconds",
                Some(3600.0),
                4,
                Some(108_000.0),
                "seconds",
            )],
            &max24,
        );
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].actual, 30.0);
        assert_eq!(
            alerts[0].sentence(),
            "lead_time_seconds 30 h (n = 4) in production in the ISO week starting 2026-11-30 is over the alert-x of 24 h"
        );
        let fine = figure("lead_time_seconds", None, 4, Some(3600.0), "seconds");
        assert!(check(&[fine], &max24).is_empty());
    }

    #[test]
    fn the_section_lists_each_breach_and_says_whether_it_fails_the_step() {
        let t = threshold("test_pass_rate", Bound::Min, Scale::Percent, 80.0);
        let alerts = check(
            &[figure("test_pass_rate", Some(0.5), 10, None, "ratio")],
            std::slice::from_ref(&t),
        );
        let md = section(&alerts, std::slice::from_ref(&t), false);
        assert!(
            md.contains("**1 threshold(s) crossed** (fail-on-alert is off"),
            "{md}"
        );
        assert!(md.contains("| test\\_pass\\_rate | production | in the ISO week starting 2026-11-30 | 50 % | 10 | alert-x ≥ 80 % |"), "{md}");
        assert!(section(&alerts, std::slice::from_ref(&t), true)
            .contains("fail-on-alert fails the step"));
        assert!(section(&[], &[t], false).contains("No threshold crossed"));
        let lines = annotations(&alerts);
        assert_eq!(lines.len(), 1);
        assert!(
            lines[0].starts_with(
                "::error title=devmetrics alert%3A test_pass_rate::test_pass_rate 50 %25 (n = 10)"
            ),
            "{}",
            lines[0]
        );
    }
}
