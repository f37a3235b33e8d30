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
