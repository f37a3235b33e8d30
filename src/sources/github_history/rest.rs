//! REST lists, 100 per page, newest first, until the window's start: published releases and
//! completed workflow runs, as the payload models of `sources::event` (GitHub documents the same
//! objects in the list answers as in the webhook payloads).

use super::client::HistoryClient;
use super::HistoryError;
use crate::sources::event::{Release, WorkflowRun};
use chrono::{DateTime, Utc};
use serde_json::Value;

/// Calls `progress(done, total)` after each page.
pub type Progress<'a> = &'a mut dyn FnMut(usize, Option<usize>);

/// Published releases whose publication is in the window (drafts have none).
pub async fn releases(
    client: &mut HistoryClient,
    repository: &str,
    since: DateTime<Utc>,
    progress: Progress<'_>,
) -> Result<Vec<Release>, HistoryError> {
    let mut url = Some(client.rest_url(
        &format!("/repos/{repository}/releases"),
        &[("per_page", "100".into())],
    ));
    let mut out = Vec::new();
    while let Some(next) = url.take() {
        let page = client.get_page(&next).await?;
        let items = page.body.as_array().cloned().unwrap_or_default();
        let mut older = false;
        for item in items {
            let release: Release = parse(item, "GET /repos/{repository}/releases")?;
            // Newest first by creation: a release created before the window ends the list.
            if release.created_at.is_some_and(|at| at < since) {
                older = true;
            }
            if release.published_at.is_some_and(|at| at >= since) {
                out.push(release);
            }
        }
        progress(out.len(), None);
        if !older {
            url = page.next;
        }
    }
    Ok(out)
}

/// Completed workflow runs created in the window (`created=>=DATE`, `status=completed`).
pub async fn workflow_runs(
    client: &mut HistoryClient,
    repository: &str,
    since: DateTime<Utc>,
    progress: Progress<'_>,
) -> Result<Vec<WorkflowRun>, HistoryError> {
    let mut url = Some(client.rest_url(
        &format!("/repos/{repository}/actions/runs"),
        &[
            ("per_page", "100".into()),
            ("status", "completed".into()),
            (
                "created",
                format!(">={}", since.format("%Y-%m-%dT%H:%M:%SZ")),
            ),
        ],
    ));
    let mut out = Vec::new();
    while let Some(next) = url.take() {
        let page = client.get_page(&next).await?;
        let total = page.body["total_count"].as_u64().map(|n| n as usize);
        let items = page.body["workflow_runs"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for item in items {
            let run: WorkflowRun = parse(item, "GET /repos/{repository}/actions/runs")?;
            if run.created_at >= since {
                out.push(run);
            }
        }
        progress(out.len(), total);
        url = page.next;
    }
    Ok(out)
}

fn parse<T: serde::de::DeserializeOwned>(item: Value, route: &str) -> Result<T, HistoryError> {
    serde_json::from_value(item).map_err(|e| HistoryError::Api {
        route: route.to_owned(),
        status: 200,
        message: format!("an item is not shaped as GitHub documents it: {e}"),
    })
}

/// A change of a branch, as `GET /repos/{owner}/{repo}/activity` lists it.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Activity {
    /// The branch's sha before.
    pub before: String,
    /// The branch's sha after.
    pub after: String,
    /// `refs/heads/main`.
    #[serde(rename = "ref")]
    pub git_ref: String,
    /// When.
    pub timestamp: DateTime<Utc>,
    /// `push`, `force_push`, `branch_creation`, `branch_deletion`, `pr_merge`,
    /// `merge_queue_merge`.
    pub activity_type: String,
    /// Who.
    #[serde(default)]
    pub actor: Option<crate::sources::event::User>,
}

/// A pushed commit: sha, message, author date.
#[derive(Debug, Clone)]
pub struct ActivityCommit {
    /// The sha.
    pub sha: String,
    /// The message.
    pub message: String,
    /// The author date.
    pub timestamp: Option<DateTime<Utc>>,
}

/// The branch changes of the window whose branch `wanted` accepts, newest first (100 per page).
pub async fn activities(
    client: &mut HistoryClient,
    repository: &str,
    since: DateTime<Utc>,
    wanted: &dyn Fn(&str) -> bool,
) -> Result<Vec<Activity>, HistoryError> {
    let mut url = Some(client.rest_url(
        &format!("/repos/{repository}/activity"),
        &[("per_page", "100".into()), ("direction", "desc".into())],
    ));
    let mut out = Vec::new();
    while let Some(next) = url.take() {
        let page = client.get_page(&next).await?;
        let mut older = false;
        for item in page.body.as_array().cloned().unwrap_or_default() {
            let a: Activity = parse(item, "GET /repos/{repository}/activity")?;
            if a.timestamp < since {
                older = true;
                continue;
            }
            let branch = a.git_ref.strip_prefix("refs/heads/").unwrap_or(&a.git_ref);
            if a.activity_type != "branch_deletion" && wanted(branch) {
                out.push(a);
            }
        }
        if !older {
            url = page.next;
        }
    }
    Ok(out)
}

/// The commits a branch change put on it, oldest first: `compare/{before}...{after}`, or the
/// head commit alone when the branch was created.
pub async fn pushed_commits(
    client: &mut HistoryClient,
    repository: &str,
    activity: &Activity,
) -> Result<Vec<ActivityCommit>, HistoryError> {
    let commit = |c: &Value| ActivityCommit {
        sha: c["sha"].as_str().unwrap_or_default().to_owned(),
        message: c["commit"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        timestamp: c["commit"]["author"]["date"]
            .as_str()
            .and_then(|t| t.parse().ok()),
    };
    if activity.before.chars().all(|c| c == '0') {
        let url = client.rest_url(
            &format!("/repos/{repository}/commits/{}", activity.after),
            &[],
        );
        let page = client.get_page(&url).await?;
        return Ok(vec![commit(&page.body)]);
    }
    let mut url = Some(client.rest_url(
        &format!(
            "/repos/{repository}/compare/{}...{}",
            activity.before, activity.after
        ),
        &[("per_page", "100".into())],
    ));
    let mut out = Vec::new();
    while let Some(next) = url.take() {
        let page = client.get_page(&next).await?;
        out.extend(
            page.body["commits"]
                .as_array()
                .into_iter()
                .flatten()
                .map(commit),
        );
        url = page.next;
    }
    Ok(out)
}
