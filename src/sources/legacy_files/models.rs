//! The two record shapes of the legacy format (the design document's `development-metrics/`
//! files), read field by field: a test run's totals and a pull request's times.

use super::fields::{FieldError, Object};
use crate::environment::Environment;
use chrono::{DateTime, Utc};

/// The fields a legacy test run may have; any other is reported and left out.
pub const TEST_RUN_FIELDS: &[&str] = &[
    "run_id",
    "timestamp",
    "total_tests",
    "passed_tests",
    "failed_tests",
    "skipped_tests",
    "errored_tests",
    "execution_time_seconds",
    "test_type",
    "sha",
    "branch",
    "pr_number",
    "environment",
];

/// The fields a legacy pull request metric may have; any other is reported and left out.
pub const PULL_REQUEST_FIELDS: &[&str] = &[
    "pr_number",
    "pr_title",
    "title",
    "branch",
    "base_branch",
    "author",
    "created_at",
    "merged_at",
    "closed_at",
    "head_sha",
    "merge_commit_sha",
    "first_commit_at",
    "ready_for_review_at",
    "first_review_at",
    "approved_at",
    "additions",
    "deletions",
    "changed_files",
    "cycle_time_seconds",
    "environment",
];

/// A test run of the legacy format: `run_id`, `timestamp`, the totals, `test_type`.
#[derive(Debug, Clone, PartialEq)]
pub struct LegacyTestRun {
    /// The run's id as the file wrote it.
    pub run_id: String,
    /// When it ran.
    pub timestamp: DateTime<Utc>,
    /// `unit`, `integration`, `e2e`…
    pub test_type: String,
    /// All tests.
    pub total: u64,
    /// Passed.
    pub passed: u64,
    /// Failed.
    pub failed: u64,
    /// Errored (`errored_tests`; 0 when absent and the other totals add up without it).
    pub errored: u64,
    /// Skipped.
    pub skipped: u64,
    /// `skipped_tests` was absent and passed + failed (+ errored) = total, so it is 0.
    pub skipped_derived: bool,
    /// Seconds the run took.
    pub execution_time_seconds: Option<f64>,
    /// The commit tested.
    pub sha: Option<String>,
    /// The branch tested.
    pub branch: Option<String>,
    /// The PR tested.
    pub pr_number: Option<u32>,
    /// The environment the file names, if any.
    pub environment: Option<Environment>,
}

/// A pull request metric of the legacy format: its number, branch and times.
#[derive(Debug, Clone, PartialEq)]
pub struct LegacyPullRequest {
    /// The PR number.
    pub pr_number: u32,
    /// Its title (`pr_title` or `title`).
    pub title: Option<String>,
    /// The head branch.
    pub branch: Option<String>,
    /// The base branch.
    pub base_branch: Option<String>,
    /// Who opened it.
    pub author: Option<String>,
    /// When it was opened.
    pub created_at: DateTime<Utc>,
    /// When it was merged.
    pub merged_at: Option<DateTime<Utc>>,
    /// When it was closed (without merging, when `merged_at` is absent).
    pub closed_at: Option<DateTime<Utc>>,
    /// The head commit.
    pub head_sha: Option<String>,
    /// The merge commit.
    pub merge_commit_sha: Option<String>,
    /// The stages: `None` when the file does not have the field (unknown), `Some(None)` when it
    /// says `null` (known: it never happened).
    pub stages: LegacyStages,
    /// Lines added.
    pub additions: Option<u64>,
    /// Lines deleted.
    pub deletions: Option<u64>,
    /// Files changed.
    pub changed_files: Option<u64>,
    /// `cycle_time_seconds` as the file wrote it (checked against the times, never used
    /// instead of them).
    pub cycle_time_seconds: Option<u64>,
    /// The environment the file names, if any.
    pub environment: Option<Environment>,
}

/// A merged PR's stage times as a legacy file gives them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LegacyStages {
    /// Author date of the oldest commit.
    pub first_commit_at: Option<Option<DateTime<Utc>>>,
    /// Marked ready for review.
    pub ready_for_review_at: Option<Option<DateTime<Utc>>>,
    /// First review by someone else.
    pub first_review_at: Option<Option<DateTime<Utc>>>,
    /// Approved.
    pub approved_at: Option<Option<DateTime<Utc>>>,
}

impl LegacyStages {
    /// True when the file says every stage (a time or `null`).
    pub fn all_known(&self) -> bool {
        self.first_commit_at.is_some()
            && self.ready_for_review_at.is_some()
            && self.first_review_at.is_some()
            && self.approved_at.is_some()
    }
}

pub(super) fn test_run(o: &Object) -> Result<LegacyTestRun, FieldError> {
    let count_help = "every legacy test run has total_tests, passed_tests and failed_tests";
    let total = o.required("total_tests", Object::count, count_help)?;
    let passed = o.required("passed_tests", Object::count, count_help)?;
    let failed = o.required("failed_tests", Object::count, count_help)?;
    let errored = o.count("errored_tests")?;
    let skipped = o.count("skipped_tests")?;
    let known = passed + failed + errored.unwrap_or(0);
    let (skipped, skipped_derived) =
        match skipped {
            Some(s) => (s, false),
            None if known == total => (0, true),
            None => return Err(o.error(
                "skipped_tests",
                format!(
                    "missing, and passed + failed{} = {known} is not total_tests = {total}",
                    if errored.is_some() { " + errored" } else { "" }
                ),
                "add skipped_tests (and errored_tests, if some errored) so that the totals add up",
            )),
        };
    let sum = known + skipped;
    if sum != total {
        return Err(o.error(
            "total_tests",
            format!("passed + failed + errored + skipped = {sum}, but total_tests = {total}"),
            "correct the totals: every test passed, failed, errored or was skipped",
        ));
    }
    Ok(LegacyTestRun {
        run_id: o.required(
            "run_id",
            Object::id_text,
            "add the run's id: re-importing the file must find the same run",
        )?,
        timestamp: o.required("timestamp", Object::time, "add when the run happened")?,
        test_type: o.required(
            "test_type",
            Object::id_text,
            "add test_type (unit, integration, e2e…): it is part of the run's key",
        )?,
        total,
        passed,
        failed,
        errored: errored.unwrap_or(0),
        skipped,
        skipped_derived,
        execution_time_seconds: o.seconds("execution_time_seconds")?,
        sha: o.text("sha")?,
        branch: o.text("branch")?,
        pr_number: pr_number(o, "pr_number")?,
        environment: environment(o)?,
    })
}

pub(super) fn pull_request(o: &Object) -> Result<LegacyPullRequest, FieldError> {
    let pr_number = pr_number(o, "pr_number")?
        .ok_or_else(|| o.error("pr_number", "missing".into(), "add the PR number"))?;
    let title = match o.text("pr_title")? {
        Some(t) => Some(t),
        None => o.text("title")?,
    };
    let pr = LegacyPullRequest {
        pr_number,
        title,
        branch: o.text("branch")?,
        base_branch: o.text("base_branch")?,
        author: o.text("author")?,
        created_at: o.required(
            "created_at",
            Object::time,
            "add when the PR was opened: its rows are keyed by their times",
        )?,
        merged_at: o.time("merged_at")?,
        closed_at: o.time("closed_at")?,
        head_sha: o.text("head_sha")?,
        merge_commit_sha: o.text("merge_commit_sha")?,
        stages: LegacyStages {
            first_commit_at: o.stage("first_commit_at")?,
            ready_for_review_at: o.stage("ready_for_review_at")?,
            first_review_at: o.stage("first_review_at")?,
            approved_at: o.stage("approved_at")?,
        },
        additions: o.count("additions")?,
        deletions: o.count("deletions")?,
        changed_files: o.count("changed_files")?,
        cycle_time_seconds: o.count("cycle_time_seconds")?,
        environment: environment(o)?,
    };
    for (field, at) in [("merged_at", pr.merged_at), ("closed_at", pr.closed_at)] {
        if at.is_some_and(|at| at < pr.created_at) {
            return Err(o.error(
                field,
                format!("{field} is before created_at"),
                "correct the times (or the time zones they were written in)",
            ));
        }
    }
    Ok(pr)
}

fn pr_number(o: &Object, field: &str) -> Result<Option<u32>, FieldError> {
    match o.count(field)? {
        None => Ok(None),
        Some(n) => match u32::try_from(n) {
            Ok(n) if n > 0 => Ok(Some(n)),
            _ => Err(o.error(
                field,
                format!("{n} is not a pull request number"),
                "write the PR's number as GitHub shows it (#42 → 42)",
            )),
        },
    }
}

fn environment(o: &Object) -> Result<Option<Environment>, FieldError> {
    match o.text("environment")? {
        None => Ok(None),
        Some(text) => Environment::parse(&text).map(Some).ok_or_else(|| {
            o.error(
                "environment",
                format!("`{text}` is not an environment devmetrics knows"),
                "write local, staging or production, or leave the field out",
            )
        }),
    }
}
