//! `push` events to a production or staging branch → one [`Push`] fact, from which come the
//! `metrics.push_events` row (here) and the push's rule context (`rules::from_event`). Whether
//! the push came from a merged pull request is the GitHub API's answer when there is one, else
//! the head commit message's.

use super::{login, skip, CommitPulls, Conversion, EventOptions, EventRows};
use crate::environment::Environment;
use crate::rows::push_events::{BranchClass, PushEvent};
use crate::rows::short_sha;
use crate::rows::RecordContext;
use crate::sources::event::{Commit, PushPayload};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A push to a production or staging branch, as the payload (and the API's answer about its
/// head commit) tell it. Its row is [`PushEvent`]; the rules engine judges it as a push
/// (`rule_compliance_events.context_type = push`, `context_id = after`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Push {
    /// `owner/name`.
    pub repository: String,
    /// Where devmetrics ran.
    pub environment: Environment,
    /// The branch pushed to.
    pub branch: String,
    /// Production or staging.
    pub branch_class: BranchClass,
    /// The branch's sha before the push (zeros when it was created).
    pub before: String,
    /// The branch's sha after the push.
    pub after: String,
    /// A force push.
    pub forced: bool,
    /// The push created the branch.
    pub created: bool,
    /// When GitHub received the push (`repository.pushed_at`).
    pub pushed_at: Option<DateTime<Utc>>,
    /// The git identity that pushed.
    pub pusher: Option<String>,
    /// The GitHub account that pushed.
    pub sender: Option<String>,
    /// The first line of the head commit's message.
    pub head_commit_title: Option<String>,
    /// The pushed commits (sha and author date), oldest first: the start of DORA lead time.
    pub commits: Vec<PushedCommit>,
    /// The merged PR this push comes from, if any.
    pub merged_pr: Option<u32>,
    /// No merged PR: someone pushed straight to the branch.
    pub direct_push: bool,
    /// How `merged_pr` / `direct_push` were decided.
    pub detected_by: PushDetection,
}

/// A pushed commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushedCommit {
    /// The sha.
    pub sha: String,
    /// The author date.
    pub timestamp: Option<DateTime<Utc>>,
}

/// How a push was found to come from a merged PR or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PushDetection {
    /// The GitHub API's pull requests of the head commit.
    GithubApi,
    /// The head commit message: `Merge pull request #N from …`.
    MergeCommitMessage,
    /// The head commit title's `(#N)` suffix, as GitHub writes on squash merges.
    SquashCommitMessage,
    /// No message pattern matched (rebase merges look like this too).
    NoPullRequestPattern,
}

impl PushDetection {
    /// The name stored in `push_events.detected_by` (the serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            PushDetection::GithubApi => "github_api",
            PushDetection::MergeCommitMessage => "merge_commit_message",
            PushDetection::SquashCommitMessage => "squash_commit_message",
            PushDetection::NoPullRequestPattern => "no_pull_request_pattern",
        }
    }
}

/// The PR number in a head commit message, and which pattern found it.
pub fn merged_pr_from_message(message: &str) -> Option<(u32, PushDetection)> {
    let title = message.lines().next().unwrap_or("").trim();
    if let Some(rest) = title.strip_prefix("Merge pull request #") {
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if let Ok(n) = digits.parse() {
            return Some((n, PushDetection::MergeCommitMessage));
        }
    }
    let inner = title.strip_suffix(')')?;
    let (_, number) = inner.rsplit_once("(#")?;
    if !number.is_empty() && number.chars().all(|c| c.is_ascii_digit()) {
        return Some((number.parse().ok()?, PushDetection::SquashCommitMessage));
    }
    None
}

pub(super) fn push(
    p: &PushPayload,
    ctx: &RecordContext,
    options: &EventOptions,
    pulls: CommitPulls,
) -> Conversion {
    let Some(branch) = p.git_ref.strip_prefix("refs/heads/") else {
        return skip(format!(
            "push to `{}` ignored: not a branch (tags are recorded through release events)",
            p.git_ref
        ));
    };
    if p.deleted {
        return skip(format!("push to `{branch}` ignored: it deleted the branch"));
    }
    let Some(class) = options.branch_class(branch) else {
        return skip(format!(
            "push to `{branch}` ignored: neither a production nor a staging branch \
             (production-branches, staging-branches)"
        ));
    };
    let from_message = p
        .head_commit
        .as_ref()
        .and_then(|c| merged_pr_from_message(&c.message));
    let (merged_pr, detected_by) = match (pulls, from_message) {
        (CommitPulls::MergedPr(n), _) => (Some(n), PushDetection::GithubApi),
        (CommitPulls::NoMergedPr, _) => (None, PushDetection::GithubApi),
        (CommitPulls::Unknown, Some((n, how))) => (Some(n), how),
        (CommitPulls::Unknown, None) => (None, PushDetection::NoPullRequestPattern),
    };
    let commit = |c: &Commit| PushedCommit {
        sha: c.id.clone(),
        timestamp: c.timestamp,
    };
    let mut commits: Vec<PushedCommit> = p.commits.iter().map(commit).collect();
    if commits.is_empty() {
        commits.extend(p.head_commit.iter().map(commit));
    }
    let fact = Push {
        repository: ctx.repository.clone(),
        environment: ctx.environment,
        branch: branch.to_owned(),
        branch_class: class,
        before: p.before.clone(),
        after: p.after.clone(),
        forced: p.forced,
        created: p.created,
        pushed_at: p.repository.as_ref().and_then(|r| r.pushed_at),
        pusher: p.pusher.as_ref().map(|u| u.name.clone()),
        sender: login(p.sender.as_ref()),
        head_commit_title: p
            .head_commit
            .as_ref()
            .and_then(|c| c.message.lines().next())
            .map(str::to_owned),
        commits,
        merged_pr,
        direct_push: merged_pr.is_none(),
        detected_by,
    };
    let mut notices = Vec::new();
    if fact.direct_push {
        notices.push(format!(
            "direct push to {} branch `{branch}` ({}): no merged pull request found ({})",
            class.as_str(),
            short_sha(&p.after),
            match detected_by {
                PushDetection::GithubApi => "GitHub API",
                _ => "head commit message",
            }
        ));
    }
    Conversion::Rows(EventRows {
        push_events: vec![row(&fact, ctx)],
        push: Some(Box::new(fact)),
        notices,
        ..EventRows::default()
    })
}

/// The row of a push. Its time is GitHub's `pushed_at`, else the newest commit's time, else
/// when it was recorded (said so in `metadata.pushed_at_from`).
fn row(push: &Push, ctx: &RecordContext) -> PushEvent {
    let newest_commit = push.commits.iter().filter_map(|c| c.timestamp).max();
    let (pushed_at, from) = match (push.pushed_at, newest_commit) {
        (Some(at), _) => (at, "repository.pushed_at"),
        (None, Some(at)) => (at, "newest commit timestamp"),
        (None, None) => (ctx.recorded_at, "recorded_at"),
    };
    PushEvent {
        repository: ctx.repository.clone(),
        environment: ctx.environment,
        branch: push.branch.clone(),
        branch_class: push.branch_class,
        before_sha: Some(push.before.clone()),
        after_sha: push.after.clone(),
        forced: push.forced,
        created: push.created,
        pushed_at,
        pusher: push.pusher.clone(),
        sender: push.sender.clone(),
        head_commit_title: push.head_commit_title.clone(),
        direct_push: push.direct_push,
        merged_pr: push.merged_pr,
        detected_by: push.detected_by.as_str().to_owned(),
        commit_count: push.commits.len() as i64,
        commits: serde_json::to_value(&push.commits).unwrap_or_default(),
        recorded_at: ctx.recorded_at,
        metadata: serde_json::json!({ "pushed_at_from": from }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_names_are_their_serde_names() {
        for d in [
            PushDetection::GithubApi,
            PushDetection::MergeCommitMessage,
            PushDetection::SquashCommitMessage,
            PushDetection::NoPullRequestPattern,
        ] {
            assert_eq!(serde_json::to_value(d).unwrap(), d.as_str());
        }
    }

    #[test]
    fn commit_messages() {
        assert_eq!(
            merged_pr_from_message("Merge pull request #42 from o/feature\n\nText"),
            Some((42, PushDetection::MergeCommitMessage))
        );
        assert_eq!(
            merged_pr_from_message("Fix the thing (#1234)\n\n* detail (#12)"),
            Some((1234, PushDetection::SquashCommitMessage))
        );
        assert_eq!(merged_pr_from_message("Fix (#)"), None);
        assert_eq!(merged_pr_from_message("Initial commit"), None);
        assert_eq!(merged_pr_from_message(""), None);
    }
}
