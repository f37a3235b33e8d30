//! Conversions of GitHub events into rows: `Event + RecordContext + options + facts gathered
//! beforehand → rows`, or a skip with its reason. One file per event family; `record` converts a
//! webhook payload here, and a backfill converts the GitHub API's answers with the same code.
//!
//! Nothing here does I/O. What needs the sink or the GitHub API (the recent successful
//! deployments of an environment, a PR's stages, a pushed commit's PR) is planned by
//! [`LookupPlan`], gathered by the caller, and handed back in [`EventInputs`].
//!
//! Natural keys are the ones of `migrations/`, built from the event itself (never from when it
//! was recorded), so a live capture and a backfill from the API land on the same rows:
//! - `pr_events.event_key`: see [`pr_event_key`] for pull_request events (the time of the
//!   event, or the head sha of a synchronize), `review:<review id>:<event_type>` for reviews;
//! - `deployment_events.deployment_id` (and a deployment's rule `context_id`): `deployment:<id>`, `workflow_run:<run id>:<attempt>`,
//!   `release:<id>`;
//! - `push_events`: (branch, after sha).

mod carried;
mod change_kind;
mod deployment;
pub mod git_history;
pub mod legacy_files;
mod lookup;
mod merge_group;
mod options;
mod pull_request;
mod push;
mod release;
mod review;
mod workflow_run;

pub use carried::{carried_by_pushes, RecordedPush};
pub use change_kind::{is_hotfix, reverting_messages, reverts, Reverts};
pub use lookup::{
    previous_success, CarriedChanges, CommitPulls, DeployedSha, DeploymentHistory, FailedLookups,
    LookupPlan, PastDeployment,
};
pub use options::{CompiledEventOptions, EventOptions, RawEventOptions};
pub use pull_request::event_key as pr_event_key;
pub use push::{merged_pr_from_message, Push, PushDetection, PushedCommit};
pub use workflow_run::DEPLOY_TRIGGERS;

use crate::github_api::{PullRequestCommit, PullRequestStages};
use crate::rows::{key_timestamp, DeploymentEvent, PrEvent, PushEvent, RecordContext};
use crate::sources::event::{Event, User};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Map, Value};

/// Everything the caller gathered before converting (all default to "unknown").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventInputs {
    /// For deployments: the recent successes of the same target environment.
    pub deployment_history: DeploymentHistory,
    /// For merged pull requests: their stages, from the GitHub API.
    pub pr_stages: PullRequestStages,
    /// For a merged PR whose branch, title and body do not name what it reverts: its commits
    /// (GitHub API), oldest first; empty when not asked.
    pub pr_commits: Vec<PullRequestCommit>,
    /// For pushes: the API's answer about the head commit.
    pub push_pulls: CommitPulls,
    /// For a successful production deployment: the commits it carried.
    pub carried: Option<CarriedChanges>,
    /// Lookups that were tried and failed.
    pub failed: FailedLookups,
}

/// The outcome of converting one event.
#[derive(Debug, Clone, PartialEq)]
pub enum Conversion {
    /// Rows (and facts) to record.
    Rows(EventRows),
    /// Nothing to record, deliberately.
    Skipped {
        /// Why, in words, for one notice.
        reason: String,
    },
}

/// The rows of one event, per table, and what the run should say about them.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EventRows {
    /// `metrics.pr_events`.
    pub pr_events: Vec<PrEvent>,
    /// `metrics.deployment_events`.
    pub deployment_events: Vec<DeploymentEvent>,
    /// A push to a production or staging branch: the fact its row and its rule context are
    /// made from.
    pub push: Option<Box<Push>>,
    /// `metrics.push_events`: the row of [`EventRows::push`]. Not serialized: the fact above
    /// holds everything it says (the golden files pin the fact).
    #[serde(skip)]
    pub push_events: Vec<PushEvent>,
    /// One line each, for `::notice::`.
    pub notices: Vec<String>,
}

/// Converts one event. Pure: the same inputs always give the same rows.
pub fn convert(
    event: &Event,
    ctx: &RecordContext,
    options: &EventOptions,
    inputs: &EventInputs,
) -> Conversion {
    match event {
        Event::PullRequest(p) => pull_request::pull_request(p, ctx, options, inputs),
        Event::PullRequestReview(p) => review::review(p, ctx),
        Event::Push(p) => push::push(p, ctx, options, inputs.push_pulls),
        Event::Deployment(p) => deployment::deployment(p, ctx, options, inputs),
        Event::DeploymentStatus(p) => deployment::deployment_status(p, ctx, options, inputs),
        Event::WorkflowRun(p) => workflow_run::workflow_run(p, ctx, options, inputs),
        Event::Release(p) => release::release(p, ctx),
        Event::MergeGroup(p) => merge_group::merge_group(p),
    }
}

fn skip(reason: impl Into<String>) -> Conversion {
    Conversion::Skipped {
        reason: reason.into(),
    }
}

fn login(user: Option<&User>) -> Option<String> {
    user.map(|u| u.login.clone())
}

fn ts(at: Option<DateTime<Utc>>) -> Value {
    at.map_or(Value::Null, |at| Value::String(key_timestamp(at)))
}

fn seconds_between(start: Option<DateTime<Utc>>, end: Option<DateTime<Utc>>) -> Option<i64> {
    let seconds = (end? - start?).num_seconds();
    (seconds >= 0).then_some(seconds)
}

/// Adds `what` to `metadata.incomplete`.
fn mark_incomplete(metadata: &mut Map<String, Value>, what: &str) {
    let list = metadata
        .entry("incomplete")
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(items) = list {
        items.push(json!(what));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn durations_never_negative() {
        assert_eq!(
            seconds_between(
                Some(at("2026-01-01T00:00:10Z")),
                Some(at("2026-01-01T00:00:00Z"))
            ),
            None
        );
        assert_eq!(
            seconds_between(
                Some(at("2026-01-01T00:00:00Z")),
                Some(at("2026-01-01T00:01:00Z"))
            ),
            Some(60)
        );
    }
}
