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
