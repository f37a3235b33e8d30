//! `metrics.pr_events`: one row per thing that happened to a pull request.

use super::{Row, Table};
use crate::environment::Environment;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What happened to the pull request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrEventType {
    /// The PR was opened (as a draft or not).
    Opened,
    /// A closed PR was reopened.
    Reopened,
    /// A draft was marked ready for review.
    ReadyForReview,
    /// The PR was turned back into a draft.
    ConvertedToDraft,
    /// New commits were pushed to the head branch.
    Synchronize,
    /// Closed without merging.
    Closed,
    /// Merged.
    Merged,
    /// A review was submitted (see `review_state`).
    ReviewSubmitted,
    /// A review was dismissed.
    ReviewDismissed,
}

impl PrEventType {
    /// The name stored in `event_type`.
    pub fn as_str(self) -> &'static str {
        match self {
            PrEventType::Opened => "opened",
            PrEventType::Reopened => "reopened",
            PrEventType::ReadyForReview => "ready_for_review",
            PrEventType::ConvertedToDraft => "converted_to_draft",
            PrEventType::Synchronize => "synchronize",
            PrEventType::Closed => "closed",
            PrEventType::Merged => "merged",
            PrEventType::ReviewSubmitted => "review_submitted",
            PrEventType::ReviewDismissed => "review_dismissed",
        }
    }
}

/// The state of a submitted review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewState {
    /// Approved.
    Approved,
    /// Changes requested.
    ChangesRequested,
    /// A comment-only review.
    Commented,
    /// Dismissed.
    Dismissed,
}

/// A row of `metrics.pr_events`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrEvent {
    /// `owner/name`.
    pub repository: String,
    /// Where the row was recorded.
    pub environment: Environment,
    /// The PR number.
    pub pr_number: u32,
    /// The PR title at the time of the event.
    pub pr_title: Option<String>,
    /// The head branch.
    pub branch_name: Option<String>,
    /// The base branch.
    pub base_branch: Option<String>,
    /// What happened.
    pub event_type: PrEventType,
    /// When it happened.
    pub event_timestamp: DateTime<Utc>,
    /// Who opened the PR.
    pub author: Option<String>,
    /// Who did this event.
    pub actor: Option<String>,
    /// The PR author is a bot (dependabot, renovate, `[bot]` logins).
    pub is_bot: bool,
    /// For reviews: the review's state.
    pub review_state: Option<ReviewState>,
    /// The head commit.
    pub head_sha: Option<String>,
    /// The merge commit, once merged.
    pub merge_commit_sha: Option<String>,
    /// Lines added.
    pub additions: Option<i64>,
    /// Lines deleted.
    pub deletions: Option<i64>,
    /// Files changed.
    pub changed_files: Option<i64>,
    /// Seconds from creation to merge; set on `merged` rows only.
    pub cycle_time_seconds: Option<i64>,
    /// The natural key within the PR (see the migration).
    pub event_key: String,
    /// When devmetrics recorded the row.
    pub recorded_at: DateTime<Utc>,
    /// Stage timestamps and source details.
    pub metadata: serde_json::Value,
}

impl Row for PrEvent {
    const TABLE: Table = Table::PrEvents;
}
