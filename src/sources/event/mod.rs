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

use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};

mod common;
mod deployment;
mod merge_group;
mod pull_request;
mod push;
mod release;
mod workflow_run;

pub use common::*;
pub use deployment::*;
pub use merge_group::*;
pub use pull_request::*;
pub use push::*;
pub use release::*;
pub use workflow_run::*;

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
