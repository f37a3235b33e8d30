//! `workflow_run` payloads.

use super::{Repository, User};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A workflow run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkflowRun {
    /// The run id.
    pub id: u64,
    /// The attempt (1 for the first run).
    #[serde(default)]
    pub run_attempt: Option<u32>,
    /// The run number.
    #[serde(default)]
    pub run_number: Option<u64>,
    /// The workflow's name (may be empty).
    #[serde(default)]
    pub name: Option<String>,
    /// The workflow file, e.g. `.github/workflows/deploy.yml`.
    #[serde(default)]
    pub path: Option<String>,
    /// The branch the run ran on.
    #[serde(default)]
    pub head_branch: Option<String>,
    /// The commit.
    pub head_sha: String,
    /// What triggered it (`push`, `workflow_dispatch`...).
    #[serde(default)]
    pub event: Option<String>,
    /// `queued`, `in_progress`, `completed`.
    #[serde(default)]
    pub status: Option<String>,
    /// `success`, `failure`, `cancelled`, `timed_out`, `skipped`... (null until completed).
    #[serde(default)]
    pub conclusion: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// When this attempt started.
    #[serde(default)]
    pub run_started_at: Option<DateTime<Utc>>,
    /// Last updated: when completed, the end of the run.
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
    /// Who started the first attempt.
    #[serde(default)]
    pub actor: Option<User>,
    /// Who started this attempt.
    #[serde(default)]
    pub triggering_actor: Option<User>,
    /// The run's page.
    #[serde(default)]
    pub html_url: Option<String>,
    /// The repository whose code the run ran: this repository, or a fork for a pull request
    /// from a fork. GitHub documents it as always present; `None` when a payload leaves it out.
    #[serde(default)]
    pub head_repository: Option<RepositoryName>,
}

/// A repository named inside another object (`workflow_run.head_repository`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepositoryName {
    /// `owner/name`.
    pub full_name: String,
}

/// The workflow of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Workflow {
    /// The id.
    pub id: u64,
    /// The name.
    #[serde(default)]
    pub name: Option<String>,
    /// The file.
    #[serde(default)]
    pub path: Option<String>,
}

/// A `workflow_run` payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkflowRunPayload {
    /// `requested`, `in_progress`, `completed`.
    pub action: String,
    /// The run.
    pub workflow_run: WorkflowRun,
    /// Its workflow.
    #[serde(default)]
    pub workflow: Option<Workflow>,
    /// Who did it.
    #[serde(default)]
    pub sender: Option<User>,
    /// The repository.
    #[serde(default)]
    pub repository: Option<Repository>,
}
