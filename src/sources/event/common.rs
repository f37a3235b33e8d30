//! The objects many payloads share: accounts, repositories, the ends of a pull request.

use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Deserializer, Serialize};

/// A GitHub account as it appears in payloads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// The login, e.g. `dependabot[bot]`.
    pub login: String,
    /// `User`, `Bot` or `Organization`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
}

impl User {
    /// True for bot accounts: `type: Bot`, `[bot]` logins, dependabot and renovate.
    pub fn is_bot(&self) -> bool {
        is_bot_login(&self.login) || self.kind.as_deref() == Some("Bot")
    }
}

/// True for logins of bots: `…[bot]`, dependabot and renovate (with or without a suffix).
pub fn is_bot_login(login: &str) -> bool {
    let login = login.to_ascii_lowercase();
    login.ends_with("[bot]")
        || login.starts_with("dependabot")
        || login.starts_with("renovate")
        || login == "github-actions"
}

/// The payload's repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Repository {
    /// `owner/name`.
    pub full_name: String,
    /// The default branch.
    #[serde(default)]
    pub default_branch: Option<String>,
    /// The last push: push payloads give it as Unix seconds, others as RFC 3339.
    #[serde(default, deserialize_with = "unix_or_rfc3339")]
    pub pushed_at: Option<DateTime<Utc>>,
}

fn unix_or_rfc3339<'de, D: Deserializer<'de>>(de: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Seconds(i64),
        Text(DateTime<Utc>),
    }
    match Option::<Raw>::deserialize(de)? {
        None => Ok(None),
        Some(Raw::Text(at)) => Ok(Some(at)),
        Some(Raw::Seconds(s)) => Utc
            .timestamp_opt(s, 0)
            .single()
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom(format!("timestamp {s} out of range"))),
    }
}

/// One end of a pull request (`head` or `base`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchRef {
    /// The branch name.
    #[serde(rename = "ref")]
    pub branch: String,
    /// The commit.
    pub sha: String,
    /// The repository the branch lives in (`null` when a fork was deleted).
    #[serde(default)]
    pub repo: Option<Repository>,
}
