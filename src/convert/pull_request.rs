//! `pull_request` events → `metrics.pr_events`: one row per lifecycle step (opened, reopened,
//! ready for review, converted to draft, synchronize, closed, merged). A merged row carries the
//! PR's stages (first commit, ready for review, first review, approval) when they were looked up.

use super::change_kind::{is_hotfix, reverting_messages, reverts};
use super::{
    login, mark_incomplete, seconds_between, skip, ts, Conversion, EventInputs, EventOptions,
    EventRows,
};
use crate::rows::pr_events::{PrEvent, PrEventType};
use crate::rows::{key_timestamp, RecordContext};
use crate::sources::event::{PullRequest, PullRequestPayload, User};
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

/// The row fields every pull request event shares.
pub(super) fn pr_row(
    pr: &PullRequest,
    ctx: &RecordContext,
    event_type: PrEventType,
    at: DateTime<Utc>,
    actor: Option<String>,
    event_key: String,
    metadata: Map<String, Value>,
) -> PrEvent {
    PrEvent {
        repository: ctx.repository.clone(),
        environment: ctx.environment,
        pr_number: pr.number,
        pr_title: pr.title.clone(),
        branch_name: Some(pr.head.branch.clone()),
        base_branch: Some(pr.base.branch.clone()),
        event_type,
        event_timestamp: at,
        author: login(pr.user.as_ref()),
        actor,
        is_bot: pr.user.as_ref().is_some_and(User::is_bot),
        review_state: None,
        head_sha: Some(pr.head.sha.clone()),
        merge_commit_sha: None,
        additions: pr.additions,
        deletions: pr.deletions,
        changed_files: pr.changed_files,
        cycle_time_seconds: None,
        event_key,
        recorded_at: ctx.recorded_at,
        metadata: Value::Object(metadata),
    }
}

/// A merged PR's labels, `is_hotfix`, and what it reverts (`reverts_pr_number`,
/// `reverts_sha`), as `metadata` keys.
fn change_kind(
    pr: &PullRequest,
    options: &EventOptions,
    messages: &[&str],
    metadata: &mut Map<String, Value>,
) {
    let labels: Vec<&str> = pr.labels.iter().map(|l| l.name.as_str()).collect();
    metadata.insert("labels".into(), json!(labels));
    metadata.insert(
        "is_hotfix".into(),
        json!(is_hotfix(options, &labels, &pr.head.branch)),
    );
    let title = pr.title.as_deref().unwrap_or("");
    let body = pr.body.as_deref().unwrap_or("");
    if let Some(r) = reverts(&pr.head.branch, title, body, messages) {
        metadata.insert("is_revert".into(), json!(true));
        if let Some(n) = r.pr_number {
            metadata.insert("reverts_pr_number".into(), json!(n));
        }
        if let Some(sha) = r.sha {
            metadata.insert("reverts_sha".into(), json!(sha));
        }
    }
}

/// The natural key of a pull request event, the same from a webhook payload and from the API's
/// timeline (a backfill):
/// - `opened`, `closed`, `merged`: `<type>@<RFC 3339 UTC seconds>` of `created_at`,
///   `closed_at`, `merged_at`, which both sides read from the same field;
/// - `reopened`, `ready_for_review`, `converted_to_draft`: `<type>@<YYYY-MM-DDTHH:MMZ>`, the
///   minute of the event: the payload tells the time only as the PR's `updated_at`, the timeline
///   as the event's `createdAt`, and the two may differ by a second (two toggles within one
///   minute are one row);
/// - `synchronize`: `synchronize:<head sha after the push>` (the timeline has no synchronize;
///   a backfill knows the sha of force pushes only). Without an `after`, the minute form.
///
/// Keys written before this definition are rewritten by the migration
/// `20261202230000_pr_event_keys_both_sides_agree.sql`.
pub fn event_key(event_type: PrEventType, at: DateTime<Utc>, after: Option<&str>) -> String {
    match event_type {
        PrEventType::Synchronize if after.is_some_and(|a| !a.is_empty()) => {
            format!("synchronize:{}", after.unwrap_or_default())
        }
        PrEventType::Reopened
        | PrEventType::ReadyForReview
        | PrEventType::ConvertedToDraft
        | PrEventType::Synchronize => {
            format!("{}@{}", event_type.as_str(), at.format("%Y-%m-%dT%H:%MZ"))
        }
        _ => format!("{}@{}", event_type.as_str(), key_timestamp(at)),
    }
}

pub(super) fn pull_request(
    p: &PullRequestPayload,
    ctx: &RecordContext,
    options: &EventOptions,
    inputs: &EventInputs,
) -> Conversion {
    let (stages, failed) = (&inputs.pr_stages, inputs.failed);
    let pr = &p.pull_request;
    let mut metadata = Map::new();
    metadata.insert("action".into(), json!(p.action));
    metadata.insert("draft".into(), json!(pr.draft));
    // Most actions leave their time only in `updated_at`.
    let updated = || match pr.updated_at {
        Some(at) => (at, "pull_request.updated_at"),
        None => (ctx.recorded_at, "recorded_at"),
    };
    let (event_type, (at, at_from)) = match p.action.as_str() {
        "opened" => (
            PrEventType::Opened,
            (pr.created_at, "pull_request.created_at"),
        ),
        "reopened" => (PrEventType::Reopened, updated()),
        "ready_for_review" => (PrEventType::ReadyForReview, updated()),
        "converted_to_draft" => (PrEventType::ConvertedToDraft, updated()),
        "synchronize" => {
            metadata.insert("before".into(), json!(p.before));
            metadata.insert("after".into(), json!(p.after));
            (PrEventType::Synchronize, updated())
        }
        "closed" if pr.is_merged() => match pr.merged_at {
            Some(at) => (PrEventType::Merged, (at, "pull_request.merged_at")),
            None => {
                return skip(format!(
                    "pull_request closed: PR #{} is marked merged but has no merged_at",
                    pr.number
                ))
            }
        },
        "closed" => match pr.closed_at {
            Some(at) => (PrEventType::Closed, (at, "pull_request.closed_at")),
            None => (PrEventType::Closed, updated()),
        },
        other => {
            return skip(format!(
                "pull_request `{other}` ignored: only opened, reopened, ready_for_review, \
                 converted_to_draft, synchronize and closed change where a PR is in its lifecycle"
            ))
        }
    };
    metadata.insert("event_timestamp_from".into(), json!(at_from));
    let mut actor = login(p.sender.as_ref());
    let mut merged = None;
    if event_type == PrEventType::Merged {
        if let Some(by) = &pr.merged_by {
            actor = Some(by.login.clone());
        }
        metadata.insert("created_at".into(), ts(Some(pr.created_at)));
        metadata.insert("first_commit_at".into(), ts(stages.first_commit_at));
        metadata.insert("ready_for_review_at".into(), ts(stages.ready_for_review_at));
        metadata.insert("first_review_at".into(), ts(stages.first_review_at));
        metadata.insert("approved_at".into(), ts(stages.approved_at));
        metadata.insert("merged_at".into(), ts(Some(at)));
        metadata.insert("commits".into(), json!(pr.commits));
        if failed.pr_stages {
            mark_incomplete(&mut metadata, "stages");
        }
        if failed.revert_commits {
            mark_incomplete(&mut metadata, "reverts");
        }
        let messages = reverting_messages(&inputs.pr_commits);
        change_kind(pr, options, &messages, &mut metadata);
        merged = Some((
            pr.merge_commit_sha.clone(),
            seconds_between(Some(pr.created_at), Some(at)),
        ));
    }
    let key = event_key(event_type, at, p.after.as_deref());
    let mut row = pr_row(pr, ctx, event_type, at, actor, key, metadata);
    if let Some((sha, cycle)) = merged {
        row.merge_commit_sha = sha;
        row.cycle_time_seconds = cycle;
    }
    Conversion::Rows(EventRows {
        pr_events: vec![row],
        ..EventRows::default()
    })
}
