//! `push` payloads and their commits.

use super::{Repository, User};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A commit in a push or merge group payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commit {
    /// The sha.
    pub id: String,
    /// The full message.
    #[serde(default)]
    pub message: String,
    /// The commit's author date.
    #[serde(default)]
    pub timestamp: Option<DateTime<Utc>>,
}

/// Who pushed (a git identity, not a GitHub account).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pusher {
    /// The name.
    pub name: String,
}

/// A `push` payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushPayload {
    /// `refs/heads/<branch>` or `refs/tags/<tag>`.
    #[serde(rename = "ref")]
    pub git_ref: String,
    /// The ref's sha before the push (zeros when created).
    pub before: String,
    /// The ref's sha after the push (zeros when deleted).
    pub after: String,
    /// The ref was created.
    #[serde(default)]
    pub created: bool,
    /// The ref was deleted.
    #[serde(default)]
    pub deleted: bool,
    /// A force push.
    #[serde(default)]
    pub forced: bool,
    /// The pushed commits (at most 2048).
    #[serde(default)]
    pub commits: Vec<Commit>,
    /// The head commit after the push.
    #[serde(default)]
    pub head_commit: Option<Commit>,
    /// Who pushed.
    #[serde(default)]
    pub pusher: Option<Pusher>,
    /// The account that pushed.
    #[serde(default)]
    pub sender: Option<User>,
    /// The repository.
    #[serde(default)]
    pub repository: Option<Repository>,
}
