//! What rules are evaluated on: a pull request, a push or a deployment (and the commits they
//! carry), as plain data built by the caller from whatever it read.

use crate::rows::deployment_events::DeploymentStatus;
use crate::rows::rule_compliance_events::ContextType;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// One commit, as a rule sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommitInfo {
    /// The full sha.
    pub sha: String,
    /// The full message (header, blank line, body).
    pub message: String,
    /// The commit's timestamp (author date, as GitHub reports it).
    pub timestamp: DateTime<Utc>,
}

/// Where a pull request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PrState {
    /// Open (a draft or not): its rows are provisional.
    Open,
    /// Closed without merging.
    Closed,
    /// Merged.
    Merged,
}

/// A pull request, as the rules see it.
#[derive(Debug, Clone, PartialEq)]
pub struct PullRequestContext {
    /// The PR number (`context_id`).
    pub number: u64,
    /// The title.
    pub title: String,
    /// The description; `None` when GitHub has none.
    pub body: Option<String>,
    /// The head branch (`feature/…`).
    pub head_branch: String,
    /// The base branch.
    pub base_branch: String,
    /// The author's login.
    pub author: String,
    /// Open, closed or merged.
    pub state: PrState,
    /// When it was opened.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When it was closed (merged or not).
    pub closed_at: Option<DateTime<Utc>>,
    /// Lines added; `None` when unknown.
    pub additions: Option<u64>,
    /// Lines deleted; `None` when unknown.
    pub deletions: Option<u64>,
    /// Logins of the reviewers whose latest review approved it; `None` when the caller did not
    /// look the reviews up (the webhook payload of a PR has none).
    pub approvals: Option<Vec<String>>,
    /// Its commits; empty when unknown (commit-level rules then yield no row).
    pub commits: Vec<CommitInfo>,
}

/// A push to a branch, as the rules see it. Pushes of tags and deletions of branches are not
/// push contexts: the caller builds none for them.
#[derive(Debug, Clone, PartialEq)]
pub struct PushContext {
    /// The sha the branch points to after the push.
    pub head_sha: String,
    /// The branch name, without `refs/heads/`.
    pub branch: String,
    /// Who pushed.
    pub pusher: String,
    /// When the push happened (the repository's `pushed_at`).
    pub pushed_at: DateTime<Utc>,
    /// The commits pushed.
    pub commits: Vec<CommitInfo>,
    /// True when the push did not come from merging a pull request.
    pub is_direct: bool,
    /// True when the branch deploys to production (by default the repository's default branch);
    /// a `no_direct_push` rule with a `branches` parameter decides by itself instead.
    pub is_production_branch: bool,
}

/// A test run of a sha, summed up: what the tested-deployment rule needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TestRunSummary {
    /// The kind of tests (`unit`, `integration`, `e2e`…), as recorded in `metrics.test_runs`.
    pub test_type: String,
    /// Test cases run.
    pub total: u64,
    /// Failed test cases.
    pub failed: u64,
    /// Errored test cases.
    pub errored: u64,
}

impl TestRunSummary {
    /// True when tests ran and none failed or errored.
    pub fn passed(&self) -> bool {
        self.total > 0 && self.failed == 0 && self.errored == 0
    }
}

/// A deployment, as the rules see it.
#[derive(Debug, Clone, PartialEq)]
pub struct DeploymentContext {
    /// The deployment id (`context_id` `deployment:<id>`, as its `deployment_events` rows).
    pub deployment_id: u64,
    /// The sha deployed.
    pub sha: String,
    /// The environment's name.
    pub environment: String,
    /// True when the environment is production.
    pub is_production: bool,
    /// The latest status known.
    pub status: DeploymentStatus,
    /// When the deployment was created: the same for every status event of it, so repeated
    /// evaluations agree.
    pub timestamp: DateTime<Utc>,
    /// The test runs recorded for `sha`; `None` when the caller did not look them up.
    pub test_runs: Option<Vec<TestRunSummary>>,
}

/// What rules are evaluated on.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleContext {
    /// A pull request.
    PullRequest(PullRequestContext),
    /// A push to a branch.
    Push(PushContext),
    /// A deployment.
    Deployment(DeploymentContext),
}

impl RuleContext {
    /// The context's own type (commit rows come from the commits it carries).
    pub fn context_type(&self) -> ContextType {
        match self {
            RuleContext::PullRequest(_) => ContextType::PullRequest,
            RuleContext::Push(_) => ContextType::Push,
            RuleContext::Deployment(_) => ContextType::Deployment,
        }
    }

    /// The context's id: the PR number (open or merged), `<number>:closed@<closed_at>` for a PR
    /// closed without merging, `<branch>@<head sha>` for a push (two branches can point at the
    /// same sha, and each push is judged on its own branch), `deployment:<id>` for a deployment (its
    /// `deployment_events.deployment_id`).
    ///
    /// A PR closed without merging is settled, so its verdicts are recorded; it can still be
    /// reopened and merged later, and the merge's verdicts must not find their key taken. Each
    /// closing is its own context, keyed by when it happened (the same closing judged again
    /// lands on the same key); the merge keeps the plain number.
    pub fn context_id(&self) -> String {
        match self {
            RuleContext::PullRequest(pr) if pr.state == PrState::Closed => format!(
                "{}:closed@{}",
                pr.number,
                crate::rows::key_timestamp(pr.closed_at.unwrap_or(pr.updated_at))
            ),
            RuleContext::PullRequest(pr) => pr.number.to_string(),
            RuleContext::Push(push) => format!("{}@{}", push.branch, push.head_sha),
            RuleContext::Deployment(d) => format!("deployment:{}", d.deployment_id),
        }
    }

    /// When the context happened: a PR's closing time (its last update while open), a push's
    /// time, a deployment's creation.
    pub fn timestamp(&self) -> DateTime<Utc> {
        match self {
            RuleContext::PullRequest(pr) => pr.closed_at.unwrap_or(pr.updated_at),
            RuleContext::Push(push) => push.pushed_at,
            RuleContext::Deployment(d) => d.timestamp,
        }
    }

    /// True when the context's verdicts can no longer change, so its rows may be recorded: a
    /// closed or merged PR, any push, a deployment whose status is final (success, failure,
    /// error, cancelled). Commit rows are always settled: a commit never changes.
    pub fn is_settled(&self) -> bool {
        match self {
            RuleContext::PullRequest(pr) => pr.state != PrState::Open,
            RuleContext::Push(_) => true,
            RuleContext::Deployment(d) => matches!(
                d.status,
                DeploymentStatus::Success
                    | DeploymentStatus::Failure
                    | DeploymentStatus::Error
                    | DeploymentStatus::Cancelled
            ),
        }
    }

    pub(in crate::rules) fn commits(&self) -> &[CommitInfo] {
        match self {
            RuleContext::PullRequest(pr) => &pr.commits,
            RuleContext::Push(push) => &push.commits,
            RuleContext::Deployment(_) => &[],
        }
    }
}
