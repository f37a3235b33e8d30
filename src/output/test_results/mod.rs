//! Test results for the workflow: the job-summary section ([`summary`]: totals per test type,
//! failed, flaky and slowest tests, the pass-rate banner), the annotations worth GitHub's 10 per
//! level ([`annotations`](mod@annotations)), and the `$GITHUB_OUTPUT` values. Works from rows only; callers
//! decide where the text goes.

pub mod annotations;
pub mod summary;

pub use annotations::{annotations, AnnotationOptions};
pub use summary::{render_summary, SummaryOptions};

use super::workflow_commands;
use crate::rows::test_case_results::{TestCaseResult, TestOutcome};
use crate::rows::TestRun;

/// The default `min-pass-rate`, in percent.
pub const DEFAULT_MIN_PASS_RATE: f64 = 80.0;

/// Totals over all test types.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Overall {
    /// All tests.
    pub total: i64,
    /// Passed, flaky included.
    pub passed: i64,
    /// Failed.
    pub failed: i64,
    /// Errored.
    pub errored: i64,
    /// Skipped or disabled.
    pub skipped: i64,
    /// Flaky.
    pub flaky: i64,
}

impl Overall {
    /// Adds up the runs.
    pub fn of(runs: &[TestRun]) -> Overall {
        let mut o = Overall::default();
        for r in runs {
            o.total += r.total_tests;
            o.passed += r.passed_tests;
            o.failed += r.failed_tests;
            o.errored += r.errored_tests;
            o.skipped += r.skipped_tests;
            o.flaky += r.flaky_tests;
        }
        o
    }

    /// The pass rate over all types (`rows::test_runs::pass_rate`).
    pub fn pass_rate(&self) -> Option<f64> {
        crate::rows::test_runs::pass_rate(self.passed, self.total, self.skipped)
    }
}

/// The pass-rate alert: the overall pass rate when it is under `min_pass_rate`.
pub fn pass_rate_alert(runs: &[TestRun], min_pass_rate: f64) -> Option<f64> {
    Overall::of(runs)
        .pass_rate()
        .filter(|rate| *rate < min_pass_rate)
}

/// `97.5%`, with one decimal unless whole.
pub(super) fn percent(rate: f64) -> String {
    let r = (rate * 10.0).floor() / 10.0;
    if r.fract() == 0.0 {
        format!("{r:.0}%")
    } else {
        format!("{r:.1}%")
    }
}
/// `classname › name`, or the name alone.
pub fn test_title(case: &TestCaseResult) -> String {
    if case.classname.is_empty() {
        case.test_name.clone()
    } else {
        format!("{} › {}", case.classname, case.test_name)
    }
}

pub(super) fn first_line(text: &str, max_chars: usize) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    crate::sources::junit::truncate_chars(line, max_chars)
}

pub(super) fn location(case: &TestCaseResult) -> String {
    match (&case.file, case.line) {
        (Some(f), Some(l)) => format!("{f}:{l}"),
        (Some(f), None) => f.clone(),
        _ => String::new(),
    }
}

pub(super) fn outcome_name(o: TestOutcome) -> &'static str {
    match o {
        TestOutcome::Passed => "passed",
        TestOutcome::Failed => "failed",
        TestOutcome::Errored => "errored",
        TestOutcome::Skipped => "skipped",
        TestOutcome::Flaky => "flaky",
    }
}

/// The step outputs: `total`, `passed`, `failed`, `errored`, `skipped`, `flaky` and
/// `pass-rate` (percent with two decimals; empty when no test ran).
pub fn outputs(runs: &[TestRun]) -> Vec<(&'static str, String)> {
    let o = Overall::of(runs);
    vec![
        ("total", o.total.to_string()),
        ("passed", o.passed.to_string()),
        ("failed", o.failed.to_string()),
        ("errored", o.errored.to_string()),
        ("skipped", o.skipped.to_string()),
        ("flaky", o.flaky.to_string()),
        (
            "pass-rate",
            o.pass_rate().map_or(String::new(), |r| format!("{r:.2}")),
        ),
    ]
}

/// The outputs as `$GITHUB_OUTPUT` lines.
pub fn render_outputs(runs: &[TestRun]) -> String {
    outputs(runs)
        .iter()
        .map(|(k, v)| workflow_commands::output_entry(k, v))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::environment::Environment;
    use crate::output::summary::escape;
    use chrono::{TimeZone, Utc};

    pub(super) fn run(ty: &str, passed: i64, failed: i64, skipped: i64, flaky: i64) -> TestRun {
        let at = Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).unwrap();
        TestRun {
            repository: "o/r".into(),
            environment: Environment::Local,
            run_id: "r".into(),
            leg: String::new(),
            run_timestamp: at,
            test_type: ty.into(),
            total_tests: passed + failed + skipped,
            passed_tests: passed,
            failed_tests: failed,
            errored_tests: 0,
            skipped_tests: skipped,
            flaky_tests: flaky,
            execution_time_seconds: Some(1.25),
            sha: None,
            branch_name: None,
            pr_number: None,
            workflow_run_id: None,
            workflow_run_attempt: None,
            recorded_at: at,
            metadata: serde_json::json!({}),
        }
    }

    pub(super) fn case(
        name: &str,
        outcome: TestOutcome,
        file: Option<&str>,
        line: Option<i32>,
    ) -> TestCaseResult {
        let at = Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).unwrap();
        TestCaseResult {
            repository: "o/r".into(),
            environment: Environment::Local,
            run_id: "r".into(),
            leg: String::new(),
            test_type: "unit".into(),
            run_timestamp: at,
            suite_name: "s".into(),
            classname: "C".into(),
            test_name: name.into(),
            outcome,
            duration_seconds: Some(0.5),
            attempts: if outcome == TestOutcome::Flaky { 2 } else { 1 },
            message: Some("expected 1\nbut was 2".into()),
            file: file.map(Into::into),
            line,
            recorded_at: at,
            metadata: serde_json::json!({}),
        }
    }

    #[test]
    fn escaping_blocks_markup() {
        assert_eq!(
            escape("a|b <img src=x onerror=alert(1)> [x](http://y) *b*\n_i_"),
            "a\\|b &lt;img src=x onerror=alert(1)&gt; \\[x\\](http://y) \\*b\\* \\_i\\_"
        );
    }

    #[test]
    fn outputs_for_github() {
        let runs = [run("unit", 3, 1, 1, 1)];
        assert_eq!(
            render_outputs(&runs),
            "total=5\npassed=3\nfailed=1\nerrored=0\nskipped=1\nflaky=1\npass-rate=75.00\n"
        );
        assert_eq!(outputs(&[])[6], ("pass-rate", String::new()));
    }
}
