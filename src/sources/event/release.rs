//! `release` payloads.

use super::{Repository, User};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Release {
    /// The id.
    pub id: u64,
    /// The tag.
    pub tag_name: String,
    /// The branch or commit the tag was created from.
    #[serde(default)]
    pub target_commitish: Option<String>,
    /// The title.
    #[serde(default)]
    pub name: Option<String>,
    /// A draft.
    #[serde(default)]
    pub draft: bool,
    /// A pre-release.
    #[serde(default)]
    pub prerelease: bool,
    /// GitHub: the date of the commit used for the release.
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    /// Published.
    #[serde(default)]
    pub published_at: Option<DateTime<Utc>>,
    /// Who created it.
    #[serde(default)]
    pub author: Option<User>,
    /// The release's page.
    #[serde(default)]
    pub html_url: Option<String>,
}

/// A `release` payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleasePayload {
    /// `published`, `created`, `released`...
    pub action: String,
    /// The release.
    pub release: Release,
    /// Who did it.
    #[serde(default)]
    pub sender: Option<User>,
    /// The repository.
    #[serde(default)]
    pub repository: Option<Repository>,
}
