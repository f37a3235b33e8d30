//! `metrics.deployment_events`: one row per observed status of a deployment.

use super::{Row, Table};
use crate::environment::Environment;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A deployment status devmetrics records (`inactive` and `active` are not deployments).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeploymentStatus {
    /// The deployment was created.
    Created,
    /// Queued.
    Queued,
    /// Pending.
    Pending,
    /// In progress.
    InProgress,
    /// Succeeded.
    Success,
    /// Failed.
    Failure,
    /// Errored.
    Error,
    /// Cancelled (a workflow run).
    Cancelled,
}

impl DeploymentStatus {
    /// A GitHub deployment status `state` devmetrics records (`queued`, `pending`,
    /// `in_progress`, `success`, `failure`, `error`); `None` for `inactive`, `active` and
    /// anything else, which are not deployments.
    pub fn from_github_state(state: &str) -> Option<DeploymentStatus> {
        match state.to_ascii_lowercase().as_str() {
            "queued" => Some(DeploymentStatus::Queued),
            "pending" => Some(DeploymentStatus::Pending),
            "in_progress" => Some(DeploymentStatus::InProgress),
            "success" => Some(DeploymentStatus::Success),
            "failure" => Some(DeploymentStatus::Failure),
            "error" => Some(DeploymentStatus::Error),
            _ => None,
        }
    }
}

/// What kind of deployment it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeploymentKind {
    /// A new sha.
    Deploy,
    /// The same sha as the last successful deployment.
    Redeploy,
    /// A sha older than the last successful one.
    Rollback,
    /// A fix deployed outside the usual flow.
    Hotfix,
}

/// Where the deployment was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeploymentSource {
    /// A `deployment` event.
    Deployment,
    /// A `deployment_status` event.
    DeploymentStatus,
    /// A run of a configured deploy workflow.
    WorkflowRun,
    /// A published release.
    Release,
}

/// A row of `metrics.deployment_events`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeploymentEvent {
    /// `owner/name`.
    pub repository: String,
    /// Where devmetrics ran.
    pub environment: Environment,
    /// `deployment:<id>`, `workflow_run:<id>:<attempt>` or `release:<id>`.
    pub deployment_id: String,
    /// GitHub's environment name.
    pub target_environment: Option<String>,
    /// A production deployment.
    pub is_production: bool,
    /// The deployed commit.
    pub sha: Option<String>,
    /// The deployed ref.
    pub r#ref: Option<String>,
    /// The status observed.
    pub status: DeploymentStatus,
    /// Deploy, redeploy, rollback or hotfix.
    pub kind: DeploymentKind,
    /// Where it was seen.
    pub source: DeploymentSource,
    /// When the deployment was created.
    pub started_at: Option<DateTime<Utc>>,
    /// When it reached a final status.
    pub finished_at: Option<DateTime<Utc>>,
    /// `finished_at - started_at`.
    pub duration_seconds: Option<i64>,
    /// When this status was observed.
    pub event_timestamp: DateTime<Utc>,
    /// Who deployed.
    pub actor: Option<String>,
    /// When devmetrics recorded the row.
    pub recorded_at: DateTime<Utc>,
    /// Source details.
    pub metadata: serde_json::Value,
}

impl Row for DeploymentEvent {
    const TABLE: Table = Table::DeploymentEvents;
}
