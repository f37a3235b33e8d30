//! `metrics.test_case_results`: failed, errored, flaky and slowest test cases of a run.

use super::{Row, Table};
use crate::environment::Environment;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The outcome of one test case in one run (reruns folded in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestOutcome {
    /// Passed at the first attempt.
    Passed,
    /// Failed (an assertion).
    Failed,
    /// Errored (an unexpected error).
    Errored,
    /// Skipped or disabled.
    Skipped,
    /// Failed at least once, then passed.
    Flaky,
}

/// A row of `metrics.test_case_results`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestCaseResult {
    /// `owner/name`.
    pub repository: String,
    /// Where the row was recorded.
    pub environment: Environment,
    /// The run (same as `test_runs.run_id`).
    pub run_id: String,
    /// The leg of the run (same as `test_runs.leg`); `""` on rows recorded before legs existed.
    #[serde(default)]
    pub leg: String,
    /// The run's test type.
    pub test_type: String,
    /// When the run happened.
    pub run_timestamp: DateTime<Utc>,
    /// The enclosing suite (`''` when none).
    pub suite_name: String,
    /// The classname attribute (`''` when none).
    pub classname: String,
    /// The name attribute.
    pub test_name: String,
    /// The outcome.
    pub outcome: TestOutcome,
    /// Seconds, when known.
    pub duration_seconds: Option<f64>,
    /// How many times it ran in this run.
    pub attempts: i32,
    /// The failure message, truncated.
    pub message: Option<String>,
    /// The source file, when known.
    pub file: Option<String>,
    /// The line, when known.
    pub line: Option<i32>,
    /// When devmetrics recorded the row.
    pub recorded_at: DateTime<Utc>,
    /// Attempts and other details.
    pub metadata: serde_json::Value,
}

impl Row for TestCaseResult {
    const TABLE: Table = Table::TestCaseResults;
}

use crate::rows::test_runs::RunInfo;
use crate::sources::junit::locate::{locate, Workspace};
use crate::sources::junit::{truncate_chars, CaseRecord, Outcome, TestReport};
use std::collections::HashSet;

/// Messages are cut to this many chars by default.
pub const DEFAULT_MAX_MESSAGE_CHARS: usize = 2000;

impl From<Outcome> for TestOutcome {
    fn from(o: Outcome) -> TestOutcome {
        match o {
            Outcome::Passed => TestOutcome::Passed,
            Outcome::Failed => TestOutcome::Failed,
            Outcome::Errored => TestOutcome::Errored,
            Outcome::Skipped => TestOutcome::Skipped,
            Outcome::Flaky => TestOutcome::Flaky,
        }
    }
}

/// The rows worth keeping: failed, errored and flaky cases, then the slowest ones (as many as
/// the reader kept: N, or all). One row per (test type, suite, classname, name), so the natural key
/// holds. Messages are cut to `max_message_chars` on a char boundary; file and line come from
/// the `file`/`line` attributes or, failing that, from the messages and stack traces, checked
/// against `workspace`.
pub fn from_test_report(
    report: &TestReport,
    run: &RunInfo,
    ctx: &super::RecordContext,
    workspace: &dyn Workspace,
    max_message_chars: usize,
) -> Vec<TestCaseResult> {
    let mut rows = Vec::new();
    for ty in &report.types {
        let mut seen: HashSet<(&str, &str, &str)> = HashSet::new();
        let kept = ty.kept.iter().filter(|c| {
            matches!(
                c.outcome,
                Outcome::Failed | Outcome::Errored | Outcome::Flaky
            )
        });
        for case in kept {
            seen.insert((&case.suite, &case.classname, &case.name));
            rows.push(case_row(
                case,
                &ty.test_type,
                None,
                run,
                ctx,
                workspace,
                max_message_chars,
            ));
        }
        for (rank, case) in ty.slowest.iter().enumerate() {
            if seen.insert((&case.suite, &case.classname, &case.name)) {
                rows.push(case_row(
                    case,
                    &ty.test_type,
                    Some(rank + 1),
                    run,
                    ctx,
                    workspace,
                    max_message_chars,
                ));
            }
        }
    }
    rows
}

fn case_row(
    case: &CaseRecord,
    test_type: &str,
    slow_rank: Option<usize>,
    run: &RunInfo,
    ctx: &super::RecordContext,
    workspace: &dyn Workspace,
    max: usize,
) -> TestCaseResult {
    let main = case.main_attempt();
    let message = main
        .and_then(|a| {
            a.message
                .as_deref()
                .filter(|m| !m.trim().is_empty())
                .or(a.detail.as_deref())
        })
        .filter(|_| case.outcome != Outcome::Passed)
        .map(|m| truncate_chars(m.trim(), max));
    let mut texts: Vec<&str> = Vec::new();
    if let Some(a) = main {
        texts.extend(a.message.as_deref());
        texts.extend(a.detail.as_deref());
    }
    for a in &case.attempts {
        texts.extend(a.detail.as_deref());
    }
    let location = locate(case.file.as_deref(), case.line, &texts, workspace);
    let attempts: Vec<serde_json::Value> = case
        .attempts
        .iter()
        .map(|a| {
            serde_json::json!({
                "result": a.result.as_str(),
                "element": a.element,
                "message": a.message.as_deref().map(|m| truncate_chars(m, 200)),
                "type": a.kind,
                "time": a.time,
            })
        })
        .collect();
    let mut metadata = serde_json::json!({
        "report": case.report,
        "attempts": attempts,
    });
    if let Some(rank) = slow_rank {
        metadata["slowest_rank"] = rank.into();
    }
    if let Some(kind) = main.and_then(|a| a.kind.as_deref()) {
        metadata["exception_type"] = kind.into();
    }
    TestCaseResult {
        repository: ctx.repository.clone(),
        environment: ctx.environment,
        run_id: run.run_id.clone(),
        leg: run.leg.clone(),
        test_type: test_type.to_string(),
        run_timestamp: run.run_timestamp,
        suite_name: case.suite.clone(),
        classname: case.classname.clone(),
        test_name: case.name.clone(),
        outcome: case.outcome.into(),
        duration_seconds: case.time.filter(|t| t.is_finite() && *t >= 0.0),
        attempts: i32::try_from(case.attempt_count.max(1)).unwrap_or(i32::MAX),
        message,
        file: location.as_ref().map(|l| l.file.clone()),
        line: location
            .and_then(|l| l.line)
            .and_then(|l| i32::try_from(l).ok()),
        recorded_at: ctx.recorded_at,
        metadata,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::test_runs::RunInfo;
    use crate::rows::RecordContext;
    use crate::sources::junit::{Collector, ReadOptions, SlowestCases};
    use chrono::TimeZone;
    use proptest::prelude::*;
    use std::path::Path;

    struct NoFiles;
    impl Workspace for NoFiles {
        fn root(&self) -> Option<&Path> {
            Some(Path::new("/ws"))
        }
        fn exists(&self, relative: &str) -> bool {
            relative == "src/lib.rs"
        }
    }

    fn run() -> RunInfo {
        RunInfo {
            run_id: "r1".into(),
            leg: "1".into(),
            run_timestamp: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
            sha: None,
            branch: None,
            pr_number: None,
            workflow_run_id: None,
            workflow_run_attempt: None,
        }
    }

    fn ctx() -> RecordContext {
        RecordContext {
            repository: "o/r".into(),
            environment: Environment::Staging,
            recorded_at: Utc.with_ymd_and_hms(2026, 1, 2, 3, 5, 0).unwrap(),
        }
    }

    #[test]
    fn failed_flaky_and_slowest_rows_without_duplicates() {
        let xml = r#"<testsuite name="s">
          <testcase classname="c" name="fail" time="5"><failure message="">thread 'x' panicked at src/lib.rs:12:5:
boom</failure></testcase>
          <testcase classname="c" name="flaky" time="1"><flakyFailure message="once"/></testcase>
          <testcase classname="c" name="slow" time="9"/>
          <testcase classname="c" name="fast" time="0.1"/>
          <testcase classname="c" name="skip" time="0.2"><skipped/></testcase>
        </testsuite>"#;
        let mut c = Collector::new(ReadOptions {
            slowest: SlowestCases::Top(2),
            max_message_chars: 100,
            ..ReadOptions::default()
        });
        c.read(xml.as_bytes(), "r.xml", "unit").unwrap();
        let rows = from_test_report(&c.finish(), &run(), &ctx(), &NoFiles, 10);
        let names: Vec<(&str, TestOutcome)> = rows
            .iter()
            .map(|r| (r.test_name.as_str(), r.outcome))
            .collect();
        assert!(rows.iter().all(|r| r.run_id == "r1" && r.leg == "1"));
        assert_eq!(
            names,
            [
                ("fail", TestOutcome::Failed),
                ("flaky", TestOutcome::Flaky),
                ("slow", TestOutcome::Passed)
            ]
        );
        let fail = &rows[0];
        assert_eq!(fail.message.as_deref(), Some("thread 'x…"));
        assert_eq!(
            (fail.file.as_deref(), fail.line),
            (Some("src/lib.rs"), Some(12))
        );
        assert_eq!(rows[1].attempts, 2);
        assert_eq!(rows[1].metadata["attempts"][0]["element"], "flakyFailure");
        assert_eq!(rows[2].metadata["slowest_rank"], 1);
        assert_eq!(rows[2].message, None);
    }

    fn arb_text() -> impl Strategy<Value = String> {
        proptest::string::string_regex("[a-zA-Z0-9 _./:é😀𝄞\"\\\\<>&\n-]{0,40}").unwrap()
    }

    fn arb_row() -> impl Strategy<Value = TestCaseResult> {
        (
            (arb_text(), arb_text(), arb_text(), arb_text()),
            prop_oneof![
                Just(TestOutcome::Passed),
                Just(TestOutcome::Failed),
                Just(TestOutcome::Errored),
                Just(TestOutcome::Skipped),
                Just(TestOutcome::Flaky)
            ],
            proptest::option::of(0.0f64..1e6),
            1i32..100,
            proptest::option::of(arb_text()),
            proptest::option::of(arb_text()),
            proptest::option::of(1i32..100_000),
            0i64..4_000_000_000,
        )
            .prop_map(
                |((repo, suite, class, name), outcome, dur, attempts, msg, file, line, secs)| {
                    let at = Utc.timestamp_opt(secs, 0).unwrap();
                    TestCaseResult {
                        repository: repo,
                        environment: Environment::Production,
                        run_id: "r".into(),
                        leg: suite.chars().rev().collect(),
                        test_type: "unit".into(),
                        run_timestamp: at,
                        suite_name: suite,
                        classname: class,
                        test_name: name,
                        outcome,
                        duration_seconds: dur,
                        attempts,
                        message: msg.clone(),
                        file,
                        line,
                        recorded_at: at,
                        metadata: serde_json::json!({ "attempts": [{ "message": msg }] }),
                    }
                },
            )
    }

    proptest! {
        #[test]
        fn test_case_result_json_round_trip(row in arb_row()) {
            let line = serde_json::to_string(&row).unwrap();
            prop_assert!(!line.contains('\n'));
            let back: TestCaseResult = serde_json::from_str(&line).unwrap();
            prop_assert_eq!(back, row);
        }
    }
}
