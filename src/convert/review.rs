//! `pull_request_review` events → `metrics.pr_events`: a submitted review (approved, changes
//! requested, commented) or a dismissed one, keyed by the review's id.

use super::pull_request::pr_row;
use super::{login, skip, ts, Conversion, EventRows};
use crate::rows::pr_events::{PrEventType, ReviewState};
use crate::rows::RecordContext;
use crate::sources::event::{PullRequestReviewPayload, User};
use serde_json::{json, Map};

pub(super) fn review(p: &PullRequestReviewPayload, ctx: &RecordContext) -> Conversion {
    let pr = &p.pull_request;
    let r = &p.review;
    let (event_type, state, at, at_from, actor) = match p.action.as_str() {
        "submitted" => {
            let state = match r.state.to_ascii_lowercase().as_str() {
                "approved" => ReviewState::Approved,
                "changes_requested" => ReviewState::ChangesRequested,
                "commented" => ReviewState::Commented,
                other => {
                    return skip(format!(
                        "pull_request_review submitted with state `{other}` ignored: only \
                         approved, changes_requested and commented reviews are recorded"
                    ))
                }
            };
            let (at, from) = match (r.submitted_at, pr.updated_at) {
                (Some(at), _) => (at, "review.submitted_at"),
                (None, Some(at)) => (at, "pull_request.updated_at"),
                (None, None) => (ctx.recorded_at, "recorded_at"),
            };
            let reviewer = login(r.user.as_ref()).or_else(|| login(p.sender.as_ref()));
            (PrEventType::ReviewSubmitted, state, at, from, reviewer)
        }
        "dismissed" => {
            // The payload has no dismissal time; the PR's update is the closest fact.
            let (at, from) = match pr.updated_at {
                Some(at) => (at, "pull_request.updated_at"),
                None => (ctx.recorded_at, "recorded_at"),
            };
            let who = login(p.sender.as_ref());
            (
                PrEventType::ReviewDismissed,
                ReviewState::Dismissed,
                at,
                from,
                who,
            )
        }
        other => {
            return skip(format!(
                "pull_request_review `{other}` ignored: only submitted and dismissed reviews \
                 are recorded"
            ))
        }
    };
    let author = login(pr.user.as_ref());
    let reviewer = r.user.as_ref();
    let mut metadata = Map::new();
    metadata.insert("action".into(), json!(p.action));
    metadata.insert("review_id".into(), json!(r.id));
    metadata.insert("reviewer".into(), json!(login(reviewer)));
    metadata.insert(
        "reviewer_is_author".into(),
        json!(reviewer.is_some_and(|u| Some(&u.login) == author.as_ref())),
    );
    metadata.insert(
        "reviewer_is_bot".into(),
        json!(reviewer.is_some_and(User::is_bot)),
    );
    metadata.insert("commit_id".into(), json!(r.commit_id));
    metadata.insert("submitted_at".into(), ts(r.submitted_at));
    metadata.insert("event_timestamp_from".into(), json!(at_from));
    let key = format!("review:{}:{}", r.id, event_type.as_str());
    let mut row = pr_row(pr, ctx, event_type, at, actor, key, metadata);
    row.review_state = Some(state);
    Conversion::Rows(EventRows {
        pr_events: vec![row],
        ..EventRows::default()
    })
}
