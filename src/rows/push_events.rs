//! `metrics.push_events`: one row per push to a production or staging branch.

use super::from_event::{BranchClass, PushInfo};
use super::{RecordContext, Row, Table};
use crate::environment::Environment;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A row of `metrics.push_events`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushEvent {
    /// `owner/name`.
    pub repository: String,
    /// Where the row was recorded.
    pub environment: Environment,
    /// The branch, without `refs/heads/`.
    pub branch: String,
    /// Production or staging.
    pub branch_class: BranchClass,
    /// The branch's sha before the push.
    pub before_sha: Option<String>,
    /// The branch's sha after the push.
    pub after_sha: String,
    /// A force push.
    pub forced: bool,
    /// The push created the branch.
    pub created: bool,
    /// When GitHub received the push.
    pub pushed_at: DateTime<Utc>,
    /// The git identity that pushed.
    pub pusher: Option<String>,
    /// The GitHub account that pushed.
    pub sender: Option<String>,
    /// The first line of the head commit's message.
    pub head_commit_title: Option<String>,
    /// No merged pull request behind the push.
    pub direct_push: bool,
    /// The merged pull request, when known.
    pub merged_pr: Option<u32>,
    /// How `direct_push` / `merged_pr` were decided.
    pub detected_by: String,
    /// How many commits the push carried.
    pub commit_count: i64,
    /// `[{sha, timestamp}]`, oldest first.
    pub commits: serde_json::Value,
    /// When devmetrics recorded the row.
    pub recorded_at: DateTime<Utc>,
    /// Source details.
    pub metadata: serde_json::Value,
}

impl Row for PushEvent {
    const TABLE: Table = Table::PushEvents;
}

/// The row of a push. Its time is GitHub's `pushed_at`, else the newest commit's time, else
/// when it was recorded (said so in `metadata.pushed_at_from`).
pub fn from_push(push: &PushInfo, ctx: &RecordContext) -> PushEvent {
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
        detected_by: serde_json::to_value(push.detected_by)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        commit_count: push.commits.len() as i64,
        commits: serde_json::to_value(&push.commits).unwrap_or_default(),
        recorded_at: ctx.recorded_at,
        metadata: serde_json::json!({ "pushed_at_from": from }),
    }
}
