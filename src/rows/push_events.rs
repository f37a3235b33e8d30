//! `metrics.push_events`: one row per push to a production or staging branch (made from the
//! push fact in `convert::push`).

use super::{Row, Table};
use crate::environment::Environment;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A production or staging branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BranchClass {
    /// Matches `production-branches`.
    Production,
    /// Matches `staging-branches`.
    Staging,
}

impl BranchClass {
    /// `production` or `staging`.
    pub fn as_str(self) -> &'static str {
        match self {
            BranchClass::Production => "production",
            BranchClass::Staging => "staging",
        }
    }
}

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
