//! Rule compliance: the team's rules (a rules file, or the defaults) evaluated on one pull
//! request, push or deployment, giving one `metrics.rule_compliance_events` row per rule and
//! context.
//!
//! Evaluation is a pure function of plain data: the caller (the `record` command live, a backfill
//! over history) builds a [`RuleContext`] from whatever it read, including anything a rule needs
//! that the webhook payload lacks (the approvals of a PR, the test runs of a sha), and no rule
//! does I/O.
//!
//! # Which rows an evaluation yields
//!
//! - Every enabled rule whose `applies_to` names the context's type yields **exactly one row** for
//!   that context: `compliant`, `violation`, or `not_applicable` when the rule's precondition does
//!   not hold (the approval rule on a PR closed without merging, the tested-deployment rule on a
//!   staging deployment) or an input it needs is unknown. `details` says which.
//! - Commit-level rules (`applies_to: [commit]`, e.g. conventional commits) yield one row **per
//!   commit** the context carries (`context_type` `commit`, `context_id` the sha); a context that
//!   carries no commit yields no row for them, since there is no commit to judge.
//! - A rule that does not apply to the context's type yields nothing.
//!
//! Rows depend only on the context, the rule and the [`RecordContext`]: evaluating the same
//! context twice gives identical rows (timestamps come from the context; only `recorded_at`
//! comes from the `RecordContext`).
//!
//! # Settled and provisional rows
//!
//! `metrics.rule_compliance_events` keeps the first row written for a natural key
//! (repository, rule_name, context_type, context_id). An open pull request can still change
//! (its title, its size, its approvals), so its rows are *provisional*: show them (summary,
//! annotations, `fail-on-violation`) but record only [`settled`] rows. See
//! [`RuleContext::is_settled`].

pub mod checks;
pub mod config;
pub mod from_event;

pub use config::{load, Check, CheckKind, Rule, RuleSet, RulesError, Severity, DEFAULT_PATH};

use crate::rows::deployment_events::DeploymentStatus;
use crate::rows::rule_compliance_events::{ComplianceStatus, ContextType, RuleComplianceEvent};
use crate::rows::RecordContext;
use checks::Verdict;
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
    /// The deployment id (`context_id`).
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
    /// same sha, and each push is judged on its own branch), the deployment id.
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
            RuleContext::Deployment(d) => d.deployment_id.to_string(),
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

    fn commits(&self) -> &[CommitInfo] {
        match self {
            RuleContext::PullRequest(pr) => &pr.commits,
            RuleContext::Push(push) => &push.commits,
            RuleContext::Deployment(_) => &[],
        }
    }
}

/// Evaluates every enabled rule of `rules` that applies to `context` (see the module docs for
/// which rows come out), in the order of the rules, commits in the order given (a sha listed
/// twice is judged once). A push whose head sha is all zeros (a deleted branch) yields nothing.
pub fn evaluate(
    rules: &RuleSet,
    context: &RuleContext,
    ctx: &RecordContext,
) -> Vec<RuleComplianceEvent> {
    let mut rows = Vec::new();
    if let RuleContext::Push(push) = context {
        // A deleted branch points nowhere: there is nothing to judge.
        if push.head_sha.bytes().all(|b| b == b'0') {
            return rows;
        }
    }
    for rule in rules.rules().iter().filter(|r| r.enabled) {
        if rule.applies_to.contains(&ContextType::Commit) {
            let mut seen = std::collections::HashSet::new();
            for commit in context.commits() {
                if !seen.insert(commit.sha.as_str()) {
                    continue;
                }
                if let Some(verdict) = checks::run_on_commit(&rule.check, commit) {
                    rows.push(row(
                        rule,
                        ctx,
                        ContextType::Commit,
                        commit.sha.clone(),
                        commit.timestamp,
                        verdict,
                    ));
                }
            }
        }
        let own = context.context_type();
        if own != ContextType::Commit && rule.applies_to.contains(&own) {
            if let Some(verdict) = checks::run(&rule.check, context) {
                rows.push(row(
                    rule,
                    ctx,
                    own,
                    context.context_id(),
                    context.timestamp(),
                    verdict,
                ));
            }
        }
    }
    rows
}

/// Keeps the rows that may be recorded: all of them for a settled context, only the commit rows
/// for an open pull request.
pub fn settled(context: &RuleContext, rows: Vec<RuleComplianceEvent>) -> Vec<RuleComplianceEvent> {
    if context.is_settled() {
        return rows;
    }
    rows.into_iter()
        .filter(|r| r.context_type == ContextType::Commit)
        .collect()
}

fn row(
    rule: &Rule,
    ctx: &RecordContext,
    context_type: ContextType,
    context_id: String,
    event_timestamp: DateTime<Utc>,
    verdict: Verdict,
) -> RuleComplianceEvent {
    let metadata = serde_json::json!({
        "check": rule.check.kind().name(),
        "severity": rule.severity,
        "params": rule.check.params_json(),
        "evidence": verdict.evidence,
    });
    RuleComplianceEvent {
        repository: ctx.repository.clone(),
        environment: ctx.environment,
        rule_name: rule.name.clone(),
        rule_category: rule.category.clone(),
        compliance_status: verdict.status,
        context_type,
        context_id,
        event_timestamp,
        details: Some(verdict.details),
        recorded_at: ctx.recorded_at,
        metadata,
    }
}

/// The violations among `rows`.
pub fn violations(rows: &[RuleComplianceEvent]) -> impl Iterator<Item = &RuleComplianceEvent> {
    rows.iter()
        .filter(|r| r.compliance_status == ComplianceStatus::Violation)
}
