//! `pull_request` and `pull_request_review` payloads.

use super::{BranchRef, Repository, User};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A pull request as it appears in `pull_request` and `pull_request_review` payloads (the latter
/// leaves out `merged`, `additions`... hence the options).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequest {
    /// The number.
    pub number: u32,
    /// The title.
    #[serde(default)]
    pub title: Option<String>,
    /// The description (`null` when empty).
    #[serde(default)]
    pub body: Option<String>,
    /// Who opened it.
    #[serde(default)]
    pub user: Option<User>,
    /// `open` or `closed`.
    #[serde(default)]
    pub state: Option<String>,
    /// A draft.
    #[serde(default)]
    pub draft: Option<bool>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last updated: for most actions, when this action happened.
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
    /// Closed (merged or not).
    #[serde(default)]
    pub closed_at: Option<DateTime<Utc>>,
    /// Merged.
    #[serde(default)]
    pub merged_at: Option<DateTime<Utc>>,
    /// Merged (not in review payloads).
    #[serde(default)]
    pub merged: Option<bool>,
    /// Who merged.
    #[serde(default)]
    pub merged_by: Option<User>,
    /// The merge commit once merged; before that, GitHub's test merge.
    #[serde(default)]
    pub merge_commit_sha: Option<String>,
    /// The head branch and commit.
    pub head: BranchRef,
    /// The base branch and commit.
    pub base: BranchRef,
    /// Lines added.
    #[serde(default)]
    pub additions: Option<i64>,
    /// Lines deleted.
    #[serde(default)]
    pub deletions: Option<i64>,
    /// Files changed.
    #[serde(default)]
    pub changed_files: Option<i64>,
    /// Commits.
    #[serde(default)]
    pub commits: Option<i64>,
    /// `OWNER`, `MEMBER`, `CONTRIBUTOR`...
    #[serde(default)]
    pub author_association: Option<String>,
    /// Its labels (`null` or absent: none).
    #[serde(default, deserialize_with = "labels")]
    pub labels: Vec<Label>,
}

/// A label of a pull request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    /// The label's name.
    pub name: String,
}

fn labels<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Label>, D::Error> {
    Ok(Option::<Vec<Label>>::deserialize(d)?.unwrap_or_default())
}

impl PullRequest {
    /// True once merged (`merged`, or `merged_at` in payloads without `merged`).
    pub fn is_merged(&self) -> bool {
        self.merged.unwrap_or(false) || self.merged_at.is_some()
    }

    /// True when the head branch lives in another repository than the base (a fork, also one
    /// deleted since: its `head.repo` is `null`). GitHub gives a fork's workflows no secrets.
    pub fn is_from_fork(&self) -> bool {
        match (&self.head.repo, &self.base.repo) {
            (Some(head), Some(base)) => !head.full_name.eq_ignore_ascii_case(&base.full_name),
            (None, Some(_)) => true,
            _ => false,
        }
    }
}

/// A `pull_request` payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequestPayload {
    /// `opened`, `closed`, `synchronize`...
    pub action: String,
    /// The pull request.
    pub pull_request: PullRequest,
    /// `synchronize`: the head before the push.
    #[serde(default)]
    pub before: Option<String>,
    /// `synchronize`: the head after the push.
    #[serde(default)]
    pub after: Option<String>,
    /// Who did it.
    #[serde(default)]
    pub sender: Option<User>,
    /// The repository.
    #[serde(default)]
    pub repository: Option<Repository>,
}

/// A review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    /// The review id.
    pub id: u64,
    /// The reviewer.
    #[serde(default)]
    pub user: Option<User>,
    /// `approved`, `changes_requested`, `commented`, `dismissed` (any case).
    pub state: String,
    /// When it was submitted.
    #[serde(default)]
    pub submitted_at: Option<DateTime<Utc>>,
    /// The commit reviewed.
    #[serde(default)]
    pub commit_id: Option<String>,
    /// The reviewer's association with the repository.
    #[serde(default)]
    pub author_association: Option<String>,
}

/// A `pull_request_review` payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequestReviewPayload {
    /// `submitted`, `edited`, `dismissed`.
    pub action: String,
    /// The review.
    pub review: Review,
    /// The reviewed pull request (a reduced object).
    pub pull_request: PullRequest,
    /// Who did it.
    #[serde(default)]
    pub sender: Option<User>,
    /// The repository.
    #[serde(default)]
    pub repository: Option<Repository>,
}
