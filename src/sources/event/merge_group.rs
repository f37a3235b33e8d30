//! `merge_group` payloads.

use super::{Commit, Repository, User};
use serde::{Deserialize, Serialize};

/// A merge queue group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeGroup {
    /// The group's commit.
    pub head_sha: String,
    /// `refs/heads/gh-readonly-queue/<base>/pr-<n>-<sha>`.
    pub head_ref: String,
    /// The base commit.
    #[serde(default)]
    pub base_sha: Option<String>,
    /// `refs/heads/<base>`.
    #[serde(default)]
    pub base_ref: Option<String>,
    /// The group's head commit.
    #[serde(default)]
    pub head_commit: Option<Commit>,
}

impl MergeGroup {
    /// The pull request number in a `gh-readonly-queue/<base>/pr-<n>-<sha>` head ref.
    pub fn pr_number(&self) -> Option<u32> {
        let (_, rest) = self.head_ref.rsplit_once("/pr-")?;
        rest.split('-').next()?.parse().ok()
    }
}

/// A `merge_group` payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeGroupPayload {
    /// `checks_requested`, `destroyed`.
    pub action: String,
    /// The group.
    pub merge_group: MergeGroup,
    /// Who did it.
    #[serde(default)]
    pub sender: Option<User>,
    /// The repository.
    #[serde(default)]
    pub repository: Option<Repository>,
}
