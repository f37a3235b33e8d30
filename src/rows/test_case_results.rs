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
