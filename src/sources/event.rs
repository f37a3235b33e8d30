//! The GitHub event payload (`$GITHUB_EVENT_PATH`), read into typed models of the events
//! devmetrics records. It knows nothing about rows.
//!
//! Only the fields devmetrics uses are modelled; everything else in the payload is ignored, so
//! GitHub adding fields never breaks a run. Fields GitHub leaves out of some payload variants or
//! versions are `Option`s: the reduced pull request inside a review payload, a deployment without
//! `production_environment` (older payloads), `deployment` and `deployment_status` payloads
//! without `action` (GitHub Enterprise Server), workflow runs without `run_attempt`,
//! `run_started_at`, `triggering_actor` or `path` (older runs). Only what GitHub documents as
//! always present in every version is required (ids, shas, `created_at`...), as in octokit's
//! webhook schemas and the GHES examples beside them. An event name devmetrics does not record is
//! not an error: [`read_event`] returns [`ReadOutcome::Skipped`] with the reason.

use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};

/// Why a payload could not be read.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    /// The file could not be read.
    #[error("could not read the event payload {path}")]
    Read {
        /// The payload file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// The file is not the payload of the named event.
    #[error(
        "could not parse the {event_name} payload {path}: at {field} (line {line}, column {column}): {message}"
    )]
    Parse {
        /// The payload file.
        path: PathBuf,
        /// `$GITHUB_EVENT_NAME`.
        event_name: String,
        /// Where in the JSON document, e.g. `pull_request.created_at` (`.` for the root).
        field: String,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// serde_json's message.
        message: String,
    },
}

/// What reading a payload gave.
#[derive(Debug, Clone, PartialEq)]
pub enum ReadOutcome {
    /// An event devmetrics records.
    Event(Box<Event>),
    /// An event devmetrics deliberately does not record.
    Skipped {
        /// `$GITHUB_EVENT_NAME`.
        event_name: String,
        /// Why, in words, for a notice.
        reason: String,
    },
}

/// An event devmetrics records, by `$GITHUB_EVENT_NAME`.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// `pull_request` (and `pull_request_target`, which carries the same payload).
    PullRequest(PullRequestPayload),
    /// `pull_request_review`.
    PullRequestReview(PullRequestReviewPayload),
    /// `push`.
    Push(PushPayload),
    /// `deployment`.
    Deployment(DeploymentPayload),
    /// `deployment_status`.
    DeploymentStatus(DeploymentStatusPayload),
    /// `workflow_run`.
    WorkflowRun(WorkflowRunPayload),
    /// `release`.
    Release(ReleasePayload),
    /// `merge_group`.
    MergeGroup(MergeGroupPayload),
}

impl Event {
    /// The event's name, as in `$GITHUB_EVENT_NAME`.
    pub fn name(&self) -> &'static str {
        match self {
            Event::PullRequest(_) => "pull_request",
            Event::PullRequestReview(_) => "pull_request_review",
            Event::Push(_) => "push",
            Event::Deployment(_) => "deployment",
            Event::DeploymentStatus(_) => "deployment_status",
            Event::WorkflowRun(_) => "workflow_run",
            Event::Release(_) => "release",
            Event::MergeGroup(_) => "merge_group",
        }
    }

    /// The payload's `action` (`opened`, `completed`...); a push has none, nor do the
    /// `deployment` and `deployment_status` payloads of GitHub Enterprise Server.
    pub fn action(&self) -> Option<&str> {
        match self {
            Event::PullRequest(p) => Some(&p.action),
            Event::PullRequestReview(p) => Some(&p.action),
            Event::Push(_) => None,
            Event::Deployment(p) => p.action.as_deref(),
            Event::DeploymentStatus(p) => p.action.as_deref(),
            Event::WorkflowRun(p) => Some(&p.action),
            Event::Release(p) => Some(&p.action),
            Event::MergeGroup(p) => Some(&p.action),
        }
    }

    /// The payload's repository, when it has one.
    pub fn repository(&self) -> Option<&Repository> {
        match self {
            Event::PullRequest(p) => p.repository.as_ref(),
            Event::PullRequestReview(p) => p.repository.as_ref(),
            Event::Push(p) => p.repository.as_ref(),
            Event::Deployment(p) => p.repository.as_ref(),
            Event::DeploymentStatus(p) => p.repository.as_ref(),
            Event::WorkflowRun(p) => p.repository.as_ref(),
            Event::Release(p) => p.repository.as_ref(),
            Event::MergeGroup(p) => p.repository.as_ref(),
        }
    }
}

/// Reads the payload at `path` as the event `event_name` (`$GITHUB_EVENT_NAME`).
pub fn read_event(event_name: &str, path: &Path) -> Result<ReadOutcome, EventError> {
    if let Some(reason) = skip_reason(event_name) {
        return Ok(ReadOutcome::Skipped {
            event_name: event_name.to_owned(),
            reason,
        });
    }
    let text = std::fs::read_to_string(path).map_err(|source| EventError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse_event(event_name, &text, path)
}

/// Parses a payload already in memory; `origin` names it in errors.
pub fn parse_event(event_name: &str, json: &str, origin: &Path) -> Result<ReadOutcome, EventError> {
    if let Some(reason) = skip_reason(event_name) {
        return Ok(ReadOutcome::Skipped {
            event_name: event_name.to_owned(),
            reason,
        });
    }
    let parse = |json: &str| -> Result<Event, EventError> {
        fn typed<T: for<'de> Deserialize<'de>>(
            json: &str,
        ) -> Result<T, (String, serde_json::Error)> {
            let mut de = serde_json::Deserializer::from_str(json);
            let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
                let field = e.path().to_string();
                (field, e.into_inner())
            })?;
            // Trailing garbage after the document is an error too.
            de.end().map_err(|e| (".".to_owned(), e))?;
            Ok(value)
        }
        let event = match event_name {
            "pull_request" | "pull_request_target" => typed(json).map(Event::PullRequest),
            "pull_request_review" => typed(json).map(Event::PullRequestReview),
            "push" => typed(json).map(Event::Push),
            "deployment" => typed(json).map(Event::Deployment),
            "deployment_status" => typed(json).map(Event::DeploymentStatus),
            "workflow_run" => typed(json).map(Event::WorkflowRun),
            "release" => typed(json).map(Event::Release),
            "merge_group" => typed(json).map(Event::MergeGroup),
            _ => unreachable!("skip_reason covers every other name"),
        };
        event.map_err(|(field, inner)| EventError::Parse {
            path: origin.to_owned(),
            event_name: event_name.to_owned(),
            field,
            line: inner.line(),
            column: inner.column(),
            message: strip_position(&inner.to_string()),
        })
    };
    Ok(ReadOutcome::Event(Box::new(parse(json)?)))
}

/// serde_json appends ` at line L column C`; the error names the position on its own.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

/// `None` for the events devmetrics models; otherwise why the event is not recorded.
fn skip_reason(event_name: &str) -> Option<String> {
    let why = match event_name {
        "pull_request"
        | "pull_request_target"
        | "pull_request_review"
        | "push"
        | "deployment"
        | "deployment_status"
        | "workflow_run"
        | "release"
        | "merge_group" => return None,
        "" => "no event name was given ($GITHUB_EVENT_NAME is empty or unset)",
        "check_run" | "check_suite" | "status" | "workflow_job" => {
            "CI check results are not delivery events; test results come from JUnit files, \
             deployments from deployment, deployment_status and workflow_run events"
        }
        "create" | "delete" => {
            "creating or deleting a branch or tag is not a delivery event; \
             pushes to production and staging branches are recorded from push events"
        }
        "workflow_dispatch" | "repository_dispatch" | "schedule" => {
            "a manual, dispatched or scheduled trigger carries no pull request, push or \
             deployment to record"
        }
        "pull_request_review_comment" | "issue_comment" | "issues" | "discussion" => {
            "comments and issues are not delivery events; reviews are recorded from \
             pull_request_review events"
        }
        _ => {
            "devmetrics records pull_request, pull_request_review, push, deployment, \
              deployment_status, workflow_run, release and merge_group events only"
        }
    };
    Some(format!("event `{event_name}` ignored: {why}"))
}

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

impl fmt::Display for ReadOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadOutcome::Event(e) => match e.action() {
                Some(action) => write!(f, "{} ({action})", e.name()),
                None => f.write_str(e.name()),
            },
            ReadOutcome::Skipped { reason, .. } => f.write_str(reason),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(name: &str, json: &str) -> Result<ReadOutcome, EventError> {
        parse_event(name, json, Path::new("event.json"))
    }

    #[test]
    fn unknown_event_is_a_skip_not_an_error() {
        let out = parse("gollum", "not even json").unwrap();
        match out {
            ReadOutcome::Skipped { event_name, reason } => {
                assert_eq!(event_name, "gollum");
                assert!(reason.contains("`gollum` ignored"), "{reason}");
            }
            other => panic!("expected a skip, got {other:?}"),
        }
    }

    #[test]
    fn error_names_file_field_line_and_column() {
        let json = r#"{"action":"opened","pull_request":{"number":1,
            "created_at":"yesterday","head":{"ref":"a","sha":"b"},"base":{"ref":"c","sha":"d"}}}"#;
        let err = parse("pull_request", json).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("event.json"), "{text}");
        assert!(text.contains("pull_request.created_at"), "{text}");
        assert!(text.contains("line 2"), "{text}");
        match err {
            EventError::Parse { field, line, .. } => {
                assert_eq!(field, "pull_request.created_at");
                assert_eq!(line, 2);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn missing_field_is_named() {
        let err = parse(
            "deployment",
            r#"{"action":"created","deployment":{"id":1}}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("deployment"), "{err}");
        assert!(err.contains("created_at"), "{err}");
    }

    #[test]
    fn unreadable_file_names_the_path() {
        let err = read_event("push", Path::new("/nonexistent/event.json")).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/event.json"));
    }

    #[test]
    fn pushed_at_accepts_seconds_and_text() {
        let a: Repository =
            serde_json::from_str(r#"{"full_name":"o/r","pushed_at":1557933657}"#).unwrap();
        let b: Repository =
            serde_json::from_str(r#"{"full_name":"o/r","pushed_at":"2019-05-15T15:20:57Z"}"#)
                .unwrap();
        assert_eq!(a.pushed_at, b.pushed_at);
        assert!(a.pushed_at.is_some());
    }

    #[test]
    fn bots() {
        for login in [
            "dependabot[bot]",
            "renovate[bot]",
            "renovate-bot",
            "dependabot",
        ] {
            assert!(is_bot_login(login), "{login}");
        }
        assert!(!is_bot_login("octocat"));
        let app = User {
            login: "my-app".into(),
            kind: Some("Bot".into()),
        };
        assert!(app.is_bot());
    }

    #[test]
    fn merge_group_pr_number() {
        let g = MergeGroup {
            head_sha: "a".into(),
            head_ref: "refs/heads/gh-readonly-queue/main/pr-104-929f8209d40f".into(),
            base_sha: None,
            base_ref: None,
            head_commit: None,
        };
        assert_eq!(g.pr_number(), Some(104));
    }
}
