//! `deployment` and `deployment_status` payloads (with or without `action`, as GitHub Enterprise Server sends them).

use super::{Repository, User};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A deployment (Deployments API).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployment {
    /// The id.
    pub id: u64,
    /// The deployed commit.
    #[serde(default)]
    pub sha: Option<String>,
    /// The deployed ref.
    #[serde(rename = "ref", default)]
    pub git_ref: Option<String>,
    /// `deploy`, or a custom task.
    #[serde(default)]
    pub task: Option<String>,
    /// The target environment.
    #[serde(default)]
    pub environment: Option<String>,
    /// The environment first targeted.
    #[serde(default)]
    pub original_environment: Option<String>,
    /// GitHub's flag (absent from older payloads).
    #[serde(default)]
    pub production_environment: Option<bool>,
    /// A transient environment (review apps).
    #[serde(default)]
    pub transient_environment: Option<bool>,
    /// Who created it.
    #[serde(default)]
    pub creator: Option<User>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last updated.
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
}

/// A `deployment` payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeploymentPayload {
    /// `created`; absent from GitHub Enterprise Server's payloads (3.4, 3.5: the event has no
    /// other action there).
    #[serde(default)]
    pub action: Option<String>,
    /// The deployment.
    pub deployment: Deployment,
    /// Who did it.
    #[serde(default)]
    pub sender: Option<User>,
    /// The repository.
    #[serde(default)]
    pub repository: Option<Repository>,
}

/// A deployment status object, as GitHub sends it (`deployment_status` of the payload); the
/// statuses devmetrics records are `rows::deployment_events::DeploymentStatus`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeploymentStatusObject {
    /// The id.
    pub id: u64,
    /// `queued`, `pending`, `in_progress`, `success`, `failure`, `error`, `inactive`...
    pub state: String,
    /// The environment.
    #[serde(default)]
    pub environment: Option<String>,
    /// The status's description.
    #[serde(default)]
    pub description: Option<String>,
    /// Who set it.
    #[serde(default)]
    pub creator: Option<User>,
    /// When it was set.
    pub created_at: DateTime<Utc>,
}

/// A `deployment_status` payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeploymentStatusPayload {
    /// `created`; absent from GitHub Enterprise Server's payloads (3.4, 3.5).
    #[serde(default)]
    pub action: Option<String>,
    /// The new status.
    pub deployment_status: DeploymentStatusObject,
    /// Its deployment.
    pub deployment: Deployment,
    /// Who did it.
    #[serde(default)]
    pub sender: Option<User>,
    /// The repository.
    #[serde(default)]
    pub repository: Option<Repository>,
}
