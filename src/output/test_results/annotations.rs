//! The test results' annotations: the pass-rate alert, failed and errored tests as errors,
//! flaky tests as warnings, the most useful first, within the slots the step has left.

use super::{pass_rate_alert, percent, test_title, Overall, DEFAULT_MIN_PASS_RATE};
use crate::output::workflow_commands::{self, AnnotationTarget, Level, ANNOTATIONS_PER_LEVEL};
use crate::rows::test_case_results::{TestCaseResult, TestOutcome};
use crate::rows::TestRun;

/// Which annotations to write and how many GitHub shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AnnotationOptions {
    /// Under this pass rate (percent), an error annotation says so.
    pub min_pass_rate: f64,
    /// Error annotations this step may still use (GitHub shows 10 per step).
    pub errors: usize,
    /// Warning annotations this step may still use.
    pub warnings: usize,
}

impl Default for AnnotationOptions {
    fn default() -> Self {
        AnnotationOptions {
            min_pass_rate: DEFAULT_MIN_PASS_RATE,
            errors: ANNOTATIONS_PER_LEVEL,
            warnings: ANNOTATIONS_PER_LEVEL,
        }
    }
}

/// The annotations, as workflow command lines: the pass-rate alert, then failed and errored
/// tests as errors and flaky tests as warnings. When there are more than fit, the most useful
/// are kept (those pointing at a file and line first, then at a file, errored before failed,
/// in report order) and the last slot says how many more there are.
pub fn annotations(
    runs: &[TestRun],
    cases: &[TestCaseResult],
    options: &AnnotationOptions,
) -> Vec<String> {
    let mut out = Vec::new();
    let mut errors = options.errors;
    if errors > 0 {
        if let Some(rate) = pass_rate_alert(runs, options.min_pass_rate) {
            let o = Overall::of(runs);
            out.push(workflow_commands::annotation(
                Level::Error,
                &AnnotationTarget {
                    title: Some("test pass rate under min-pass-rate".into()),
                    ..AnnotationTarget::default()
                },
                &format!(
                    "The pass rate is {} ({} of {} tests that ran passed), under the minimum of {}.",
                    percent(rate),
                    o.passed,
                    o.total - o.skipped,
                    percent(options.min_pass_rate)
                ),
            ));
            errors -= 1;
        }
    }
    let failed: Vec<&TestCaseResult> = cases
        .iter()
        .filter(|c| matches!(c.outcome, TestOutcome::Failed | TestOutcome::Errored))
        .collect();
    let flaky: Vec<&TestCaseResult> = cases
        .iter()
        .filter(|c| c.outcome == TestOutcome::Flaky)
        .collect();
    pick(
        &mut out,
        Level::Error,
        failed,
        errors,
        "failed or errored tests",
    );
    pick(
        &mut out,
        Level::Warning,
        flaky,
        options.warnings,
        "flaky tests",
    );
    out
}

fn usefulness(c: &TestCaseResult) -> (u8, u8) {
    let place = match (&c.file, c.line) {
        (Some(_), Some(_)) => 0,
        (Some(_), None) => 1,
        _ => 2,
    };
    let kind = u8::from(c.outcome != TestOutcome::Errored);
    (place, kind)
}

fn pick(
    out: &mut Vec<String>,
    level: Level,
    mut cases: Vec<&TestCaseResult>,
    slots: usize,
    what: &str,
) {
    if slots == 0 || cases.is_empty() {
        return;
    }
    cases.sort_by_key(|c| usefulness(c));
    let shown = if cases.len() > slots {
        slots - 1
    } else {
        cases.len()
    };
    for c in &cases[..shown] {
        let verb = match c.outcome {
            TestOutcome::Errored => "errored",
            TestOutcome::Flaky => "flaky",
            _ => "failed",
        };
        let title =
            crate::sources::junit::truncate_chars(&format!("{verb}: {}", test_title(c)), 200);
        let mut message = crate::sources::junit::truncate_chars(
            c.message.as_deref().unwrap_or("(no message)").trim(),
            1000,
        );
        if c.outcome == TestOutcome::Flaky {
            message = format!(
                "passed after {} attempts; failed with: {message}",
                c.attempts
            );
        }
        out.push(workflow_commands::annotation(
            level,
            &AnnotationTarget {
                file: c.file.clone(),
                line: c.line.and_then(|l| u32::try_from(l).ok()),
                col: None,
                title: Some(title),
            },
            &message,
        ));
    }
    if shown < cases.len() {
        out.push(workflow_commands::annotation(
            level,
            &AnnotationTarget {
                title: Some(format!("{} more {what}", cases.len() - shown)),
                ..AnnotationTarget::default()
            },
            &format!(
                "{} more {what} are not annotated (GitHub shows {} per step); see the job summary.",
                cases.len() - shown,
                ANNOTATIONS_PER_LEVEL
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::test_results::tests::{case, run};

    #[test]
    fn annotations_pick_the_most_useful_and_count_the_rest() {
        let runs = [run("unit", 1, 20, 0, 0)];
        let mut cases: Vec<TestCaseResult> = (0..20)
            .map(|i| case(&format!("t{i}"), TestOutcome::Failed, None, None))
            .collect();
        cases.push(case(
            "located",
            TestOutcome::Failed,
            Some("src/x.rs"),
            Some(12),
        ));
        cases.push(case("flaky", TestOutcome::Flaky, None, None));
        let lines = annotations(&runs, &cases, &AnnotationOptions::default());
        let errors: Vec<&String> = lines.iter().filter(|l| l.starts_with("::error")).collect();
        assert_eq!(errors.len(), 10);
        assert!(
            errors[0].contains("title=test pass rate under min-pass-rate"),
            "{}",
            errors[0]
        );
        assert!(
            errors[1].starts_with(
                "::error file=src/x.rs,line=12,title=failed%3A C › located::expected 1%0Abut was 2"
            ),
            "{}",
            errors[1]
        );
        assert!(
            errors[9].contains("13 more failed or errored tests"),
            "{}",
            errors[9]
        );
        let warnings: Vec<&String> = lines
            .iter()
            .filter(|l| l.starts_with("::warning"))
            .collect();
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("passed after 2 attempts"));
    }
}
