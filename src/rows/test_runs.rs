//! `metrics.test_runs`: one row per test run and test type, with its totals.

use super::{Row, Table};
use crate::environment::Environment;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A row of `metrics.test_runs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestRun {
    /// `owner/name`.
    pub repository: String,
    /// Where the row was recorded.
    pub environment: Environment,
    /// Derived from workflow run, attempt, job and step (see the migration).
    pub run_id: String,
    /// The leg of a matrix or sharded job (see [`RunInfo::leg`]); `""` on rows recorded before
    /// legs existed.
    #[serde(default)]
    pub leg: String,
    /// When the run happened.
    pub run_timestamp: DateTime<Utc>,
    /// `unit`, `integration`, `e2e`...
    pub test_type: String,
    /// All test cases.
    pub total_tests: i64,
    /// Passed (flaky tests included).
    pub passed_tests: i64,
    /// Failed.
    pub failed_tests: i64,
    /// Errored.
    pub errored_tests: i64,
    /// Skipped or disabled.
    pub skipped_tests: i64,
    /// Passed after failing at least once.
    pub flaky_tests: i64,
    /// Sum of the suites' times.
    pub execution_time_seconds: Option<f64>,
    /// The commit tested.
    pub sha: Option<String>,
    /// The branch tested.
    pub branch_name: Option<String>,
    /// The PR, when the run was for one.
    pub pr_number: Option<u32>,
    /// `GITHUB_RUN_ID`.
    pub workflow_run_id: Option<i64>,
    /// `GITHUB_RUN_ATTEMPT`.
    pub workflow_run_attempt: Option<i32>,
    /// When devmetrics recorded the row.
    pub recorded_at: DateTime<Utc>,
    /// Files read, dialect notes.
    pub metadata: serde_json::Value,
}

impl Row for TestRun {
    const TABLE: Table = Table::TestRuns;
}

impl TestRun {
    /// This run's pass rate (see [`pass_rate`]).
    pub fn pass_rate(&self) -> Option<f64> {
        pass_rate(self.passed_tests, self.total_tests, self.skipped_tests)
    }
}

/// The pass rate, the one definition every report and alert uses: tests that passed (flaky
/// ones included) over the tests that ran (skipped ones left out), in percent; `None` when no
/// test ran.
pub fn pass_rate(passed: i64, total: i64, skipped: i64) -> Option<f64> {
    let ran = total - skipped;
    (ran > 0).then(|| passed as f64 * 100.0 / ran as f64)
}

/// What the caller knows about the run being recorded (the lead derives `run_id` from
/// `GITHUB_RUN_ID`, the attempt, the job and the step, so the same step run twice gives the
/// same `run_id` and writes nothing new).
#[derive(Debug, Clone, PartialEq)]
pub struct RunInfo {
    /// The run's identity, shared by its `test_runs` and `test_case_results` rows.
    pub run_id: String,
    /// The leg of a matrix or sharded job: the `leg` setting (in Actions it defaults to the
    /// strategy's job index), else `auto-<hex>` derived from the leg's report paths and test
    /// identities. Part of the natural key next to `run_id`, so two legs of one job step keep a
    /// row each.
    pub leg: String,
    /// When the run happened.
    pub run_timestamp: DateTime<Utc>,
    /// The commit tested.
    pub sha: Option<String>,
    /// The branch tested.
    pub branch: Option<String>,
    /// The PR, when the run was for one.
    pub pr_number: Option<u32>,
    /// `GITHUB_RUN_ID`.
    pub workflow_run_id: Option<i64>,
    /// `GITHUB_RUN_ATTEMPT`.
    pub workflow_run_attempt: Option<i32>,
}

/// How many report paths a row's metadata lists.
const MAX_FILES_IN_METADATA: usize = 50;

/// One row per test type of the report, totals as counted by the reader
/// (`passed + failed + errored + skipped = total`, flaky counted in passed).
pub fn from_test_report(
    report: &crate::sources::junit::TestReport,
    run: &RunInfo,
    ctx: &super::RecordContext,
) -> Vec<TestRun> {
    report
        .types
        .iter()
        .map(|ty| {
            let t = &ty.totals;
            let files: Vec<&str> = ty
                .files
                .iter()
                .take(MAX_FILES_IN_METADATA)
                .map(String::as_str)
                .collect();
            TestRun {
                repository: ctx.repository.clone(),
                environment: ctx.environment,
                run_id: run.run_id.clone(),
                leg: run.leg.clone(),
                run_timestamp: run.run_timestamp,
                test_type: ty.test_type.clone(),
                total_tests: count(t.total),
                passed_tests: count(t.passed),
                failed_tests: count(t.failed),
                errored_tests: count(t.errored),
                skipped_tests: count(t.skipped),
                flaky_tests: count(t.flaky),
                execution_time_seconds: ty.time.filter(|s| s.is_finite() && *s >= 0.0),
                sha: run.sha.clone(),
                branch_name: run.branch.clone(),
                pr_number: run.pr_number,
                workflow_run_id: run.workflow_run_id,
                workflow_run_attempt: run.workflow_run_attempt,
                recorded_at: ctx.recorded_at,
                metadata: serde_json::json!({
                    "source": "junit",
                    "files": files,
                    "file_count": ty.files.len(),
                    "testcase_elements": ty.elements.cases,
                    "disabled": ty.elements.disabled,
                    "cases_not_recorded": ty.unrecorded,
                }),
            }
        })
        .collect()
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::RecordContext;
    use crate::sources::junit::{Collector, ReadOptions};
    use chrono::TimeZone;
    use proptest::prelude::*;

    pub(crate) fn run_info() -> RunInfo {
        RunInfo {
            run_id: "123-1-test-junit".into(),
            leg: "0".into(),
            run_timestamp: Utc.with_ymd_and_hms(2026, 11, 25, 10, 0, 0).unwrap(),
            sha: Some("abc".into()),
            branch: Some("main".into()),
            pr_number: Some(7),
            workflow_run_id: Some(123),
            workflow_run_attempt: Some(1),
        }
    }

    pub(crate) fn ctx() -> RecordContext {
        RecordContext {
            repository: "o/r".into(),
            environment: Environment::Local,
            recorded_at: Utc.with_ymd_and_hms(2026, 11, 25, 10, 5, 0).unwrap(),
        }
    }

    #[test]
    fn one_row_per_type_and_totals_add_up() {
        let mut c = Collector::new(ReadOptions::default());
        c.read(
            &br#"<testsuite time="2"><testcase name="a"/><testcase name="b"><failure/></testcase><testcase name="c"><skipped/></testcase></testsuite>"#[..],
            "unit.xml",
            "unit",
        )
        .unwrap();
        c.read(
            &br#"<testsuite><testcase name="a"><flakyFailure/></testcase></testsuite>"#[..],
            "it.xml",
            "integration",
        )
        .unwrap();
        let rows = from_test_report(&c.finish(), &run_info(), &ctx());
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].test_type, "integration");
        assert_eq!(
            (
                rows[0].total_tests,
                rows[0].passed_tests,
                rows[0].flaky_tests
            ),
            (1, 1, 1)
        );
        let u = &rows[1];
        assert_eq!(
            (
                u.total_tests,
                u.passed_tests,
                u.failed_tests,
                u.skipped_tests
            ),
            (3, 1, 1, 1)
        );
        assert_eq!(u.execution_time_seconds, Some(2.0));
        for r in &rows {
            assert_eq!(
                r.passed_tests + r.failed_tests + r.errored_tests + r.skipped_tests,
                r.total_tests
            );
            assert_eq!(
                (r.run_id.as_str(), r.leg.as_str()),
                ("123-1-test-junit", "0")
            );
        }
    }

    fn arb_text() -> impl Strategy<Value = String> {
        proptest::string::string_regex("[a-zA-Z0-9 _./:é😀\"\\\\<>&-]{0,40}").unwrap()
    }

    fn arb_test_run() -> impl Strategy<Value = TestRun> {
        (
            arb_text(),
            prop_oneof![
                Just(Environment::Local),
                Just(Environment::Staging),
                Just(Environment::Production)
            ],
            arb_text(),
            0i64..4_000_000_000,
            (0i64..1000, 0i64..1000, 0i64..1000, 0i64..1000, 0i64..1000),
            proptest::option::of(0.0f64..1e6),
            (
                proptest::option::of(arb_text()),
                proptest::option::of(any::<u32>()),
                proptest::option::of(any::<i64>()),
                proptest::option::of(any::<i32>()),
            ),
            arb_text(),
        )
            .prop_map(
                |(repo, env, run_id, secs, (p, f, e, s, fl), time, (sha, pr, wr, wa), meta)| {
                    let at = Utc.timestamp_opt(secs, 0).unwrap();
                    TestRun {
                        repository: repo,
                        environment: env,
                        run_id: run_id.clone(),
                        leg: run_id.chars().rev().collect(),
                        run_timestamp: at,
                        test_type: "unit".into(),
                        total_tests: p + f + e + s,
                        passed_tests: p,
                        failed_tests: f,
                        errored_tests: e,
                        skipped_tests: s,
                        flaky_tests: fl.min(p),
                        execution_time_seconds: time,
                        sha: sha.clone(),
                        branch_name: sha,
                        pr_number: pr,
                        workflow_run_id: wr,
                        workflow_run_attempt: wa,
                        recorded_at: at,
                        metadata: serde_json::json!({ "note": meta }),
                    }
                },
            )
    }

    proptest! {
        #[test]
        fn test_run_json_round_trip(row in arb_test_run()) {
            let line = serde_json::to_string(&row).unwrap();
            let back: TestRun = serde_json::from_str(&line).unwrap();
            prop_assert_eq!(back, row);
        }
    }
}
