//! Pure conversions from a typed event payload to rows: `Event + RecordContext + options +
//! facts gathered beforehand → rows`, or a skip with its reason.
//!
//! Nothing here does I/O. What needs the sink or the GitHub API (the recent successful
//! deployments of an environment, a PR's first commit, its reviews) is gathered by the caller
//! first: [`lookups`] says which, and the answers come back in [`EventInputs`].
//!
//! Natural keys are the ones of `migrations/`, built from the event itself (never from when it
//! was recorded), so a live capture and a backfill from the API land on the same rows:
//! - `pr_events.event_key`: `<event_type>@<RFC 3339 UTC seconds>` for pull_request events,
//!   `review:<review id>:<event_type>` for reviews;
//! - `deployment_events.deployment_id`: `deployment:<id>`, `workflow_run:<run id>:<attempt>`,
//!   `release:<id>`.

use super::deployment_events::{
    DeploymentEvent, DeploymentKind, DeploymentSource, DeploymentStatus,
};
use super::pr_events::{PrEvent, PrEventType, ReviewState};
use super::{key_timestamp, RecordContext};
use crate::environment::Environment;
use crate::sources::event::{
    Commit, Deployment, DeploymentPayload, DeploymentStatusPayload, Event, MergeGroupPayload,
    PullRequest, PullRequestPayload, PullRequestReviewPayload, PushPayload, ReleasePayload, User,
    WorkflowRunPayload,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// Settings the conversion needs, as plain data (the configuration's first pass validates the
/// globs with [`EventOptions::validate`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventOptions {
    /// Globs of production branches (`main`, `master`).
    pub production_branches: Vec<String>,
    /// Globs of staging branches (`develop`, `staging`, `release/*`).
    pub staging_branches: Vec<String>,
    /// Globs of deploy workflows, matched against the workflow file's path
    /// (`.github/workflows/deploy.yml`), its file name (`deploy.yml`) and its name (`Deploy`).
    pub deploy_workflows: Vec<String>,
    /// GitHub environment names that are production, for deployments whose payload lacks
    /// `production_environment` (compared case-insensitively).
    pub production_environments: Vec<String>,
}

impl EventOptions {
    /// Checks every glob; the error names the bad one.
    pub fn validate(&self) -> Result<(), globset::Error> {
        for pattern in self
            .production_branches
            .iter()
            .chain(&self.staging_branches)
            .chain(&self.deploy_workflows)
        {
            glob(pattern)?;
        }
        Ok(())
    }

    /// Which kind of branch `branch` is.
    pub fn branch_class(&self, branch: &str) -> Option<BranchClass> {
        if matches_any(&self.production_branches, branch) {
            Some(BranchClass::Production)
        } else if matches_any(&self.staging_branches, branch) {
            Some(BranchClass::Staging)
        } else {
            None
        }
    }

    /// True when a workflow (by file path or name) is a configured deploy workflow.
    pub fn is_deploy_workflow(&self, path: Option<&str>, name: Option<&str>) -> bool {
        let file = path.map(|p| p.rsplit('/').next().unwrap_or(p));
        [path, file, name]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .any(|s| matches_any(&self.deploy_workflows, s))
    }

    /// True when `name` is one of the configured production environment names.
    pub fn is_production_environment(&self, name: &str) -> bool {
        self.production_environments
            .iter()
            .any(|p| p.trim().eq_ignore_ascii_case(name.trim()))
    }
}

fn glob(pattern: &str) -> Result<globset::GlobMatcher, globset::Error> {
    Ok(globset::GlobBuilder::new(pattern.trim())
        .literal_separator(true)
        .build()?
        .compile_matcher())
}

/// An invalid glob matches only itself (validation reports it earlier).
fn matches_any(patterns: &[String], text: &str) -> bool {
    patterns.iter().any(|p| match glob(p) {
        Ok(m) => m.is_match(text),
        Err(_) => p.trim() == text,
    })
}

/// A production or staging branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BranchClass {
    /// Matches `production-branches`.
    Production,
    /// Matches `staging-branches`.
    Staging,
}

impl BranchClass {
    /// `production` or `staging`.
    pub fn as_str(self) -> &'static str {
        match self {
            BranchClass::Production => "production",
            BranchClass::Staging => "staging",
        }
    }
}

/// A successful deployment seen before, as the caller reads it back from the sink.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PastDeployment {
    /// Its `deployment_id` (a row of the deployment being converted is ignored).
    pub deployment_id: String,
    /// The deployed commit.
    pub sha: String,
    /// When it succeeded.
    pub finished_at: Option<DateTime<Utc>>,
}

/// The recent successful deployments of one target environment, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeploymentHistory {
    /// Newest first.
    pub successes: Vec<PastDeployment>,
}

/// Facts about a pull request from the GitHub API, known only with a token. Unknown stays
/// `None`: nothing is invented.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrEnrichment {
    /// The author date of the PR's oldest commit.
    pub first_commit_at: Option<DateTime<Utc>>,
    /// When it was marked ready for review (a PR opened as non-draft: its creation).
    pub ready_for_review_at: Option<DateTime<Utc>>,
    /// The first review by someone who is neither the author nor a bot.
    pub first_review_at: Option<DateTime<Utc>>,
    /// The first approval by someone who is neither the author nor a bot.
    pub approved_at: Option<DateTime<Utc>>,
}

/// What the API said about the pull requests of a pushed commit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "pr_number")]
pub enum CommitPulls {
    /// Not asked (no token): the commit message decides.
    #[default]
    Unknown,
    /// The commit belongs to this merged PR.
    MergedPr(u32),
    /// No merged PR contains the commit.
    NoMergedPr,
}

/// Everything the caller gathered before converting (all default to "unknown").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventInputs {
    /// For deployments: the recent successes of the same target environment.
    pub deployment_history: DeploymentHistory,
    /// For merged pull requests.
    pub pr_enrichment: PrEnrichment,
    /// For pushes: the API's answer about the head commit.
    pub push_pulls: CommitPulls,
    /// Lookups that were tried and failed.
    pub failed: FailedLookups,
}

/// Lookups that were tried and failed, so that what they would have told is unknown rather than
/// absent. The rows say so in `metadata.incomplete` (`["stages"]`, `["kind"]`): a row marked so
/// is completed in place by a later run or a backfill that knows more (see the migration
/// `complete_incomplete_rows`), instead of being frozen by "first row wins".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FailedLookups {
    /// A merged PR's stages (first commit, ready for review, first review, approval): at
    /// least one GitHub API call failed. Marks the merged row `incomplete: ["stages"]`.
    pub pr_stages: bool,
    /// The recent deployments of the target environment could not be read: whether this is a
    /// rollback or a redeploy is unknown. Marks the deployment row `incomplete: ["kind"]`.
    pub deployment_history: bool,
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

/// What the caller may look up before converting, for this event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lookups {
    /// A merged PR: its first commit and reviews (GitHub API, with a token).
    pub merged_pr: Option<u32>,
    /// A deployment: read the recent successful deployments of this target environment
    /// (`target_environment` column) from the sink.
    pub deployment_history_of: Option<String>,
    /// A push to a production or staging branch: the PRs of this commit (GitHub API).
    pub pulls_of_commit: Option<String>,
}

/// What the event needs looked up; nothing for most events.
pub fn lookups(event: &Event, options: &EventOptions) -> Lookups {
    let mut out = Lookups::default();
    match event {
        Event::PullRequest(p) if p.action == "closed" && p.pull_request.is_merged() => {
            out.merged_pr = Some(p.pull_request.number);
        }
        Event::Deployment(p) => out.deployment_history_of = p.deployment.environment.clone(),
        Event::DeploymentStatus(p) => {
            out.deployment_history_of = p.deployment.environment.clone();
        }
        Event::WorkflowRun(p) => {
            out.deployment_history_of = p
                .workflow_run
                .head_branch
                .as_deref()
                .and_then(|b| options.branch_class(b))
                .map(|c| c.as_str().to_owned());
        }
        Event::Push(p) => {
            if let Some(branch) = p.git_ref.strip_prefix("refs/heads/") {
                if !p.deleted && options.branch_class(branch).is_some() {
                    out.pulls_of_commit = Some(p.after.clone());
                }
            }
        }
        _ => {}
    }
    out
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
    pub pr_events: Vec<super::PrEvent>,
    /// `metrics.deployment_events`.
    pub deployment_events: Vec<super::DeploymentEvent>,
    /// A push to a production or staging branch: not a row of its own (see [`PushInfo`]).
    pub push: Option<Box<PushInfo>>,
    /// One line each, for `::notice::`.
    pub notices: Vec<String>,
}

/// A push to a production or staging branch, as plain data for the rules engine (which records
/// it in `metrics.rule_compliance_events` with `context_type = push`, `context_id = after`) and
/// for the summary. A push is not a pull request event nor a deployment, so it has no table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushInfo {
    /// `owner/name`.
    pub repository: String,
    /// Where devmetrics ran.
    pub environment: Environment,
    /// The branch pushed to.
    pub branch: String,
    /// Production or staging.
    pub branch_class: BranchClass,
    /// The branch's sha before the push (zeros when it was created).
    pub before: String,
    /// The branch's sha after the push.
    pub after: String,
    /// A force push.
    pub forced: bool,
    /// The push created the branch.
    pub created: bool,
    /// When GitHub received the push (`repository.pushed_at`).
    pub pushed_at: Option<DateTime<Utc>>,
    /// The git identity that pushed.
    pub pusher: Option<String>,
    /// The GitHub account that pushed.
    pub sender: Option<String>,
    /// The first line of the head commit's message.
    pub head_commit_title: Option<String>,
    /// The pushed commits (sha and author date), oldest first: the start of DORA lead time.
    pub commits: Vec<PushedCommit>,
    /// The merged PR this push comes from, if any.
    pub merged_pr: Option<u32>,
    /// No merged PR: someone pushed straight to the branch.
    pub direct_push: bool,
    /// How `merged_pr` / `direct_push` were decided.
    pub detected_by: PushDetection,
}

/// A pushed commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushedCommit {
    /// The sha.
    pub sha: String,
    /// The author date.
    pub timestamp: Option<DateTime<Utc>>,
}

/// How a push was found to come from a merged PR or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PushDetection {
    /// The GitHub API's pull requests of the head commit.
    GithubApi,
    /// The head commit message: `Merge pull request #N from …`.
    MergeCommitMessage,
    /// The head commit title's `(#N)` suffix, as GitHub writes on squash merges.
    SquashCommitMessage,
    /// No message pattern matched (rebase merges look like this too).
    NoPullRequestPattern,
}

/// Converts one event. Pure: the same inputs always give the same rows.
pub fn convert(
    event: &Event,
    ctx: &RecordContext,
    options: &EventOptions,
    inputs: &EventInputs,
) -> Conversion {
    match event {
        Event::PullRequest(p) => pull_request(p, ctx, &inputs.pr_enrichment, inputs.failed),
        Event::PullRequestReview(p) => review(p, ctx),
        Event::Push(p) => push(p, ctx, options, inputs.push_pulls),
        Event::Deployment(p) => deployment(p, ctx, options, inputs),
        Event::DeploymentStatus(p) => deployment_status(p, ctx, options, inputs),
        Event::WorkflowRun(p) => workflow_run(p, ctx, options, inputs),
        Event::Release(p) => release(p, ctx),
        Event::MergeGroup(p) => merge_group(p),
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

/// The row fields every pull request event shares.
fn pr_row(
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

fn pull_request(
    p: &PullRequestPayload,
    ctx: &RecordContext,
    enrich: &PrEnrichment,
    failed: FailedLookups,
) -> Conversion {
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
        metadata.insert("first_commit_at".into(), ts(enrich.first_commit_at));
        metadata.insert("ready_for_review_at".into(), ts(enrich.ready_for_review_at));
        metadata.insert("first_review_at".into(), ts(enrich.first_review_at));
        metadata.insert("approved_at".into(), ts(enrich.approved_at));
        metadata.insert("merged_at".into(), ts(Some(at)));
        metadata.insert("commits".into(), json!(pr.commits));
        if failed.pr_stages {
            mark_incomplete(&mut metadata, "stages");
        }
        merged = Some((
            pr.merge_commit_sha.clone(),
            seconds_between(Some(pr.created_at), Some(at)),
        ));
    }
    let key = format!("{}@{}", event_type.as_str(), key_timestamp(at));
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

fn review(p: &PullRequestReviewPayload, ctx: &RecordContext) -> Conversion {
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

/// The PR number in a head commit message, and which pattern found it.
pub fn merged_pr_from_message(message: &str) -> Option<(u32, PushDetection)> {
    let title = message.lines().next().unwrap_or("").trim();
    if let Some(rest) = title.strip_prefix("Merge pull request #") {
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if let Ok(n) = digits.parse() {
            return Some((n, PushDetection::MergeCommitMessage));
        }
    }
    let inner = title.strip_suffix(')')?;
    let (_, number) = inner.rsplit_once("(#")?;
    if !number.is_empty() && number.chars().all(|c| c.is_ascii_digit()) {
        return Some((number.parse().ok()?, PushDetection::SquashCommitMessage));
    }
    None
}

fn push(
    p: &PushPayload,
    ctx: &RecordContext,
    options: &EventOptions,
    pulls: CommitPulls,
) -> Conversion {
    let Some(branch) = p.git_ref.strip_prefix("refs/heads/") else {
        return skip(format!(
            "push to `{}` ignored: not a branch (tags are recorded through release events)",
            p.git_ref
        ));
    };
    if p.deleted {
        return skip(format!("push to `{branch}` ignored: it deleted the branch"));
    }
    let Some(class) = options.branch_class(branch) else {
        return skip(format!(
            "push to `{branch}` ignored: neither a production nor a staging branch \
             (production-branches, staging-branches)"
        ));
    };
    let from_message = p
        .head_commit
        .as_ref()
        .and_then(|c| merged_pr_from_message(&c.message));
    let (merged_pr, detected_by) = match (pulls, from_message) {
        (CommitPulls::MergedPr(n), _) => (Some(n), PushDetection::GithubApi),
        (CommitPulls::NoMergedPr, _) => (None, PushDetection::GithubApi),
        (CommitPulls::Unknown, Some((n, how))) => (Some(n), how),
        (CommitPulls::Unknown, None) => (None, PushDetection::NoPullRequestPattern),
    };
    let commit = |c: &Commit| PushedCommit {
        sha: c.id.clone(),
        timestamp: c.timestamp,
    };
    let mut commits: Vec<PushedCommit> = p.commits.iter().map(commit).collect();
    if commits.is_empty() {
        commits.extend(p.head_commit.iter().map(commit));
    }
    let info = PushInfo {
        repository: ctx.repository.clone(),
        environment: ctx.environment,
        branch: branch.to_owned(),
        branch_class: class,
        before: p.before.clone(),
        after: p.after.clone(),
        forced: p.forced,
        created: p.created,
        pushed_at: p.repository.as_ref().and_then(|r| r.pushed_at),
        pusher: p.pusher.as_ref().map(|u| u.name.clone()),
        sender: login(p.sender.as_ref()),
        head_commit_title: p
            .head_commit
            .as_ref()
            .and_then(|c| c.message.lines().next())
            .map(str::to_owned),
        commits,
        merged_pr,
        direct_push: merged_pr.is_none(),
        detected_by,
    };
    let mut notices = Vec::new();
    if info.direct_push {
        notices.push(format!(
            "direct push to {} branch `{branch}` ({}): no merged pull request found ({})",
            class.as_str(),
            short(&p.after),
            match detected_by {
                PushDetection::GithubApi => "GitHub API",
                _ => "head commit message",
            }
        ));
    }
    Conversion::Rows(EventRows {
        push: Some(Box::new(info)),
        notices,
        ..EventRows::default()
    })
}

fn short(sha: &str) -> &str {
    sha.get(..7).unwrap_or(sha)
}

/// deploy, redeploy or rollback, from the previous successes (the current deployment excluded),
/// and the metadata that says why. When the history could not be read, a plain deploy marked
/// `incomplete: ["kind"]`.
fn classify(
    sha: Option<&str>,
    deployment_id: &str,
    inputs: &EventInputs,
    metadata: &mut Map<String, Value>,
) -> DeploymentKind {
    if inputs.failed.deployment_history {
        mark_incomplete(metadata, "kind");
    }
    let history = &inputs.deployment_history;
    let previous: Vec<&PastDeployment> = history
        .successes
        .iter()
        .filter(|d| d.deployment_id != deployment_id)
        .collect();
    let Some(last) = previous.first() else {
        return DeploymentKind::Deploy;
    };
    metadata.insert(
        "previous_success".into(),
        json!({
            "deployment_id": last.deployment_id,
            "sha": last.sha,
            "finished_at": ts(last.finished_at),
        }),
    );
    let Some(sha) = sha else {
        return DeploymentKind::Deploy;
    };
    let same = |d: &&PastDeployment| d.sha.eq_ignore_ascii_case(sha);
    if same(last) {
        DeploymentKind::Redeploy
    } else if let Some(older) = previous[1..].iter().find(|d| same(d)) {
        metadata.insert(
            "rolled_back_to".into(),
            json!({
                "deployment_id": older.deployment_id,
                "sha": older.sha,
                "finished_at": ts(older.finished_at),
            }),
        );
        DeploymentKind::Rollback
    } else {
        DeploymentKind::Deploy
    }
}

/// `is_production` and where it came from.
fn production_flag(
    deployment: &Deployment,
    options: &EventOptions,
    metadata: &mut Map<String, Value>,
) -> bool {
    let (flag, from) = match (deployment.production_environment, &deployment.environment) {
        (Some(flag), _) => (flag, "payload"),
        (None, Some(env)) => (
            options.is_production_environment(env),
            "production-environments",
        ),
        (None, None) => (false, "no environment"),
    };
    metadata.insert("is_production_from".into(), json!(from));
    flag
}

fn deployment_metadata(d: &Deployment) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("deployment_id".into(), json!(d.id));
    m.insert("task".into(), json!(d.task));
    m.insert("original_environment".into(), json!(d.original_environment));
    m.insert(
        "production_environment".into(),
        json!(d.production_environment),
    );
    m.insert(
        "transient_environment".into(),
        json!(d.transient_environment),
    );
    m.insert("creator".into(), json!(login(d.creator.as_ref())));
    m
}

fn deployment(
    p: &DeploymentPayload,
    ctx: &RecordContext,
    options: &EventOptions,
    inputs: &EventInputs,
) -> Conversion {
    // GitHub Enterprise Server sends no `action`: its deployment event has only `created`.
    if let Some(action) = p.action.as_deref().filter(|a| *a != "created") {
        return skip(format!(
            "deployment `{action}` ignored: only created deployments are recorded"
        ));
    }
    let d = &p.deployment;
    let id = format!("deployment:{}", d.id);
    let mut metadata = deployment_metadata(d);
    let is_production = production_flag(d, options, &mut metadata);
    let kind = classify(d.sha.as_deref(), &id, inputs, &mut metadata);
    Conversion::Rows(EventRows {
        deployment_events: vec![DeploymentEvent {
            repository: ctx.repository.clone(),
            environment: ctx.environment,
            deployment_id: id,
            target_environment: d.environment.clone(),
            is_production,
            sha: d.sha.clone(),
            r#ref: d.git_ref.clone(),
            status: DeploymentStatus::Created,
            kind,
            source: DeploymentSource::Deployment,
            started_at: Some(d.created_at),
            finished_at: None,
            duration_seconds: None,
            event_timestamp: d.created_at,
            actor: login(d.creator.as_ref()).or_else(|| login(p.sender.as_ref())),
            recorded_at: ctx.recorded_at,
            metadata: Value::Object(metadata),
        }],
        ..EventRows::default()
    })
}

fn deployment_status(
    p: &DeploymentStatusPayload,
    ctx: &RecordContext,
    options: &EventOptions,
    inputs: &EventInputs,
) -> Conversion {
    let s = &p.deployment_status;
    let d = &p.deployment;
    let (status, is_final) = match s.state.to_ascii_lowercase().as_str() {
        "queued" => (DeploymentStatus::Queued, false),
        "pending" => (DeploymentStatus::Pending, false),
        "in_progress" => (DeploymentStatus::InProgress, false),
        "success" => (DeploymentStatus::Success, true),
        "failure" => (DeploymentStatus::Failure, true),
        "error" => (DeploymentStatus::Error, true),
        "inactive" | "active" => {
            return skip(format!(
                "deployment_status `{}` of deployment {} ignored: inactive and active mark an \
                 environment's current deployment, they are not deployments",
                s.state, d.id
            ))
        }
        other => {
            return skip(format!(
                "deployment_status `{other}` of deployment {} ignored: not a status devmetrics \
                 records (queued, pending, in_progress, success, failure, error)",
                d.id
            ))
        }
    };
    let id = format!("deployment:{}", d.id);
    let mut metadata = deployment_metadata(d);
    metadata.insert("deployment_status_id".into(), json!(s.id));
    metadata.insert("state".into(), json!(s.state));
    metadata.insert("description".into(), json!(s.description));
    let is_production = production_flag(d, options, &mut metadata);
    let kind = classify(d.sha.as_deref(), &id, inputs, &mut metadata);
    let finished_at = is_final.then_some(s.created_at);
    Conversion::Rows(EventRows {
        deployment_events: vec![DeploymentEvent {
            repository: ctx.repository.clone(),
            environment: ctx.environment,
            deployment_id: id,
            target_environment: s.environment.clone().or_else(|| d.environment.clone()),
            is_production,
            sha: d.sha.clone(),
            r#ref: d.git_ref.clone(),
            status,
            kind,
            source: DeploymentSource::DeploymentStatus,
            started_at: Some(d.created_at),
            finished_at,
            duration_seconds: seconds_between(Some(d.created_at), finished_at),
            event_timestamp: s.created_at,
            actor: login(s.creator.as_ref()).or_else(|| login(p.sender.as_ref())),
            recorded_at: ctx.recorded_at,
            metadata: Value::Object(metadata),
        }],
        ..EventRows::default()
    })
}

fn workflow_run(
    p: &WorkflowRunPayload,
    ctx: &RecordContext,
    options: &EventOptions,
    inputs: &EventInputs,
) -> Conversion {
    let run = &p.workflow_run;
    let workflow_path = run
        .path
        .as_deref()
        .or_else(|| p.workflow.as_ref().and_then(|w| w.path.as_deref()));
    let workflow_name = run
        .name
        .as_deref()
        .filter(|n| !n.is_empty())
        .or_else(|| p.workflow.as_ref().and_then(|w| w.name.as_deref()));
    let label = workflow_path.or(workflow_name).unwrap_or("(unnamed)");
    if p.action != "completed" {
        return skip(format!(
            "workflow_run `{}` of `{label}` ignored: runs are recorded once completed",
            p.action
        ));
    }
    if options.deploy_workflows.is_empty() {
        return skip(format!(
            "workflow_run of `{label}` ignored: no deploy-workflows are configured"
        ));
    }
    if !options.is_deploy_workflow(workflow_path, workflow_name) {
        return skip(format!(
            "workflow_run of `{label}` ignored: it matches none of deploy-workflows ({})",
            options.deploy_workflows.join(", ")
        ));
    }
    if let Some(reason) = not_this_repository_deploy(p, ctx) {
        return skip(format!(
            "workflow_run of `{label}` (run {}) ignored: {reason}",
            run.id
        ));
    }
    let conclusion = run.conclusion.as_deref().unwrap_or("");
    let status = match conclusion {
        "success" => DeploymentStatus::Success,
        "failure" | "timed_out" | "startup_failure" => DeploymentStatus::Failure,
        "cancelled" => DeploymentStatus::Cancelled,
        "" => {
            return skip(format!(
                "workflow_run of `{label}` (run {}) ignored: completed without a conclusion",
                run.id
            ))
        }
        other => {
            return skip(format!(
                "workflow_run of `{label}` (run {}) ignored: conclusion `{other}` is not a \
                 deployment outcome (success, failure, timed_out, startup_failure, cancelled)",
                run.id
            ))
        }
    };
    let attempt = run.run_attempt.unwrap_or(1);
    let id = format!("workflow_run:{}:{attempt}", run.id);
    let class = run
        .head_branch
        .as_deref()
        .and_then(|b| options.branch_class(b));
    let mut metadata = Map::new();
    metadata.insert("workflow_path".into(), json!(workflow_path));
    metadata.insert("workflow_name".into(), json!(workflow_name));
    metadata.insert("run_id".into(), json!(run.id));
    metadata.insert("run_attempt".into(), json!(attempt));
    metadata.insert("run_number".into(), json!(run.run_number));
    metadata.insert("conclusion".into(), json!(conclusion));
    metadata.insert("trigger".into(), json!(run.event));
    metadata.insert("head_branch".into(), json!(run.head_branch));
    metadata.insert("html_url".into(), json!(run.html_url));
    metadata.insert(
        "target_environment_from".into(),
        json!(if class.is_some() {
            "head_branch"
        } else {
            "unknown"
        }),
    );
    let kind = classify(Some(&run.head_sha), &id, inputs, &mut metadata);
    let started_at = run.run_started_at.or(Some(run.created_at));
    let finished_at = run.updated_at;
    Conversion::Rows(EventRows {
        deployment_events: vec![DeploymentEvent {
            repository: ctx.repository.clone(),
            environment: ctx.environment,
            deployment_id: id,
            target_environment: class.map(|c| c.as_str().to_owned()),
            is_production: class == Some(BranchClass::Production),
            sha: Some(run.head_sha.clone()),
            r#ref: run.head_branch.clone(),
            status,
            kind,
            source: DeploymentSource::WorkflowRun,
            started_at,
            finished_at,
            duration_seconds: seconds_between(started_at, finished_at),
            event_timestamp: finished_at.unwrap_or(run.created_at),
            actor: login(run.triggering_actor.as_ref())
                .or_else(|| login(run.actor.as_ref()))
                .or_else(|| login(p.sender.as_ref())),
            recorded_at: ctx.recorded_at,
            metadata: Value::Object(metadata),
        }],
        ..EventRows::default()
    })
}

/// What triggers a deploy workflow run that counts as a deployment.
pub const DEPLOY_TRIGGERS: [&str; 4] = ["push", "release", "schedule", "workflow_dispatch"];

/// Why a run of a deploy workflow is not a deployment of this repository, if it is not: it ran
/// a fork's code (`workflow_run.head_repository` is not the payload's repository, or the payload
/// does not say), or something other than [`DEPLOY_TRIGGERS`] started it (a pull request's run
/// carries the PR's code, and its workflow file may be the PR's own, named "Deploy" by anyone).
fn not_this_repository_deploy(p: &WorkflowRunPayload, ctx: &RecordContext) -> Option<String> {
    let run = &p.workflow_run;
    let this = p
        .repository
        .as_ref()
        .map_or(ctx.repository.as_str(), |r| r.full_name.as_str());
    match &run.head_repository {
        None => {
            return Some(
                "the payload does not name the run's head repository \
                 (workflow_run.head_repository), so a run of a fork's code cannot be ruled out"
                    .to_owned(),
            )
        }
        Some(head) if !head.full_name.eq_ignore_ascii_case(this) => {
            return Some(format!(
                "it ran the code of `{}`, not of this repository `{this}`: a fork's run is \
                 never a deployment",
                head.full_name
            ))
        }
        Some(_) => {}
    }
    match run.event.as_deref() {
        Some(trigger) if DEPLOY_TRIGGERS.contains(&trigger) => None,
        trigger => Some(format!(
            "it was triggered by `{}`; only runs triggered by {} are deployments",
            trigger.unwrap_or("(no event in the payload)"),
            DEPLOY_TRIGGERS.join(", ")
        )),
    }
}

fn is_full_sha(text: &str) -> bool {
    text.len() == 40 && text.chars().all(|c| c.is_ascii_hexdigit())
}

fn release(p: &ReleasePayload, ctx: &RecordContext) -> Conversion {
    let r = &p.release;
    match p.action.as_str() {
        "published" => {}
        "released" | "prereleased" => {
            return skip(format!(
                "release `{}` of {} ignored: the same release is recorded from its published event",
                p.action, r.tag_name
            ))
        }
        other => {
            return skip(format!(
                "release `{other}` of {} ignored: only published releases reach users",
                r.tag_name
            ))
        }
    }
    let Some(published_at) = r.published_at else {
        return skip(format!(
            "release {} ignored: published without published_at",
            r.tag_name
        ));
    };
    let commitish = r.target_commitish.as_deref();
    let mut metadata = Map::new();
    metadata.insert("release_id".into(), json!(r.id));
    metadata.insert("tag_name".into(), json!(r.tag_name));
    metadata.insert("name".into(), json!(r.name));
    metadata.insert("target_commitish".into(), json!(commitish));
    metadata.insert("prerelease".into(), json!(r.prerelease));
    metadata.insert("html_url".into(), json!(r.html_url));
    Conversion::Rows(EventRows {
        deployment_events: vec![DeploymentEvent {
            repository: ctx.repository.clone(),
            environment: ctx.environment,
            deployment_id: format!("release:{}", r.id),
            target_environment: None,
            is_production: !r.prerelease,
            // The payload names the tag's commit only when it was created from a sha.
            sha: commitish.filter(|c| is_full_sha(c)).map(str::to_owned),
            r#ref: Some(format!("refs/tags/{}", r.tag_name)),
            status: DeploymentStatus::Success,
            kind: DeploymentKind::Deploy,
            source: DeploymentSource::Release,
            // `created_at` is the date of the tagged commit, not the start of a deployment.
            started_at: None,
            finished_at: Some(published_at),
            duration_seconds: None,
            event_timestamp: published_at,
            actor: login(r.author.as_ref()).or_else(|| login(p.sender.as_ref())),
            recorded_at: ctx.recorded_at,
            metadata: Value::Object(metadata),
        }],
        ..EventRows::default()
    })
}

fn merge_group(p: &MergeGroupPayload) -> Conversion {
    let g = &p.merge_group;
    let pr = g
        .pr_number()
        .map_or_else(|| "a pull request".to_owned(), |n| format!("PR #{n}"));
    skip(format!(
        "merge_group `{}` ignored: the merge queue is testing {pr} ({}); the merge itself is \
         recorded by the pull_request closed event and the push to {}",
        p.action,
        short(&g.head_sha),
        g.base_ref
            .as_deref()
            .and_then(|r| r.strip_prefix("refs/heads/"))
            .unwrap_or("the base branch"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn past(id: &str, sha: &str) -> PastDeployment {
        PastDeployment {
            deployment_id: id.into(),
            sha: sha.into(),
            finished_at: Some(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()),
        }
    }

    #[test]
    fn classify_deploy_redeploy_rollback() {
        let history = EventInputs {
            deployment_history: DeploymentHistory {
                successes: vec![past("deployment:3", "ccc"), past("deployment:2", "bbb")],
            },
            ..EventInputs::default()
        };
        let mut m = Map::new();
        assert_eq!(
            classify(Some("ddd"), "deployment:4", &history, &mut m),
            DeploymentKind::Deploy
        );
        assert_eq!(
            classify(Some("ccc"), "deployment:4", &history, &mut m),
            DeploymentKind::Redeploy
        );
        assert_eq!(
            classify(Some("BBB"), "deployment:4", &history, &mut m),
            DeploymentKind::Rollback
        );
        // The deployment itself, read back from the sink, is not its own predecessor.
        assert_eq!(
            classify(Some("ccc"), "deployment:3", &history, &mut m),
            DeploymentKind::Deploy
        );
        assert_eq!(
            classify(Some("bbb"), "x", &EventInputs::default(), &mut m),
            DeploymentKind::Deploy
        );
        assert!(!m.contains_key("incomplete"));
    }

    #[test]
    fn an_unread_history_gives_a_deploy_marked_incomplete() {
        let inputs = EventInputs {
            failed: FailedLookups {
                deployment_history: true,
                ..FailedLookups::default()
            },
            ..EventInputs::default()
        };
        let mut m = Map::new();
        assert_eq!(
            classify(Some("bbb"), "deployment:4", &inputs, &mut m),
            DeploymentKind::Deploy
        );
        assert_eq!(m["incomplete"], json!(["kind"]));
    }

    /// The fork fixture, edited by `edit`, converted with `Deploy` as the deploy workflow.
    fn fork_run(edit: impl FnOnce(&mut Value)) -> Conversion {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/events/workflow_run/91-completed-fork-deploy.json"
        );
        let mut json: Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        edit(&mut json);
        let payload: WorkflowRunPayload = serde_json::from_value(json).unwrap();
        let ctx = RecordContext {
            repository: "octo-org/octo-repo".into(),
            environment: Environment::Production,
            recorded_at: at("2026-01-01T00:00:00Z"),
        };
        let options = EventOptions {
            production_branches: vec!["main".into()],
            deploy_workflows: vec!["Deploy".into()],
            ..EventOptions::default()
        };
        convert(
            &Event::WorkflowRun(payload),
            &ctx,
            &options,
            &EventInputs::default(),
        )
    }

    fn skipped(c: Conversion) -> String {
        match c {
            Conversion::Skipped { reason } => reason,
            other => panic!("expected a skip, got {other:?}"),
        }
    }

    #[test]
    fn a_forks_deploy_run_is_skipped_whatever_its_trigger() {
        for trigger in ["pull_request", "push", "workflow_dispatch"] {
            let reason = skipped(fork_run(|j| j["workflow_run"]["event"] = json!(trigger)));
            assert!(reason.contains("`forker/octo-repo`"), "{trigger}: {reason}");
        }
    }

    #[test]
    fn a_deploy_run_without_head_repository_is_skipped() {
        let reason = skipped(fork_run(|j| {
            j["workflow_run"]
                .as_object_mut()
                .unwrap()
                .remove("head_repository");
            j["workflow_run"]["event"] = json!("push");
        }));
        assert!(
            reason.contains("does not name the run's head repository"),
            "{reason}"
        );
        let reason = skipped(fork_run(|j| {
            j["workflow_run"]["head_repository"] = Value::Null;
            j["workflow_run"]["event"] = json!("push");
        }));
        assert!(
            reason.contains("does not name the run's head repository"),
            "{reason}"
        );
    }

    #[test]
    fn only_push_release_schedule_and_dispatch_runs_of_this_repository_deploy() {
        let own = |trigger: &'static str| {
            fork_run(move |j| {
                j["workflow_run"]["head_repository"] = j["repository"].clone();
                j["workflow_run"]["event"] = json!(trigger);
            })
        };
        for trigger in DEPLOY_TRIGGERS {
            let Conversion::Rows(rows) = own(trigger) else {
                panic!("{trigger}: no rows")
            };
            assert_eq!(rows.deployment_events.len(), 1, "{trigger}");
            assert!(rows.deployment_events[0].is_production, "{trigger}");
        }
        for trigger in [
            "pull_request",
            "pull_request_target",
            "workflow_run",
            "issue_comment",
        ] {
            let reason = skipped(own(trigger));
            assert!(
                reason.contains(&format!("triggered by `{trigger}`")),
                "{reason}"
            );
        }
    }

    #[test]
    fn commit_messages() {
        assert_eq!(
            merged_pr_from_message("Merge pull request #42 from o/feature\n\nText"),
            Some((42, PushDetection::MergeCommitMessage))
        );
        assert_eq!(
            merged_pr_from_message("Fix the thing (#1234)\n\n* detail (#12)"),
            Some((1234, PushDetection::SquashCommitMessage))
        );
        assert_eq!(merged_pr_from_message("Fix (#)"), None);
        assert_eq!(merged_pr_from_message("Initial commit"), None);
        assert_eq!(merged_pr_from_message(""), None);
    }

    #[test]
    fn branch_globs() {
        let o = EventOptions {
            production_branches: vec!["main".into(), "master".into()],
            staging_branches: vec!["develop".into(), "release/*".into()],
            deploy_workflows: vec!["deploy*.yml".into(), "Deploy".into()],
            production_environments: vec!["Production".into()],
        };
        assert_eq!(o.validate().map_err(|e| e.to_string()), Ok(()));
        assert_eq!(o.branch_class("main"), Some(BranchClass::Production));
        assert_eq!(o.branch_class("release/1.2"), Some(BranchClass::Staging));
        assert_eq!(o.branch_class("release/1.2/x"), None);
        assert_eq!(o.branch_class("feature/x"), None);
        assert!(o.is_deploy_workflow(Some(".github/workflows/deploy-prod.yml"), None));
        assert!(o.is_deploy_workflow(None, Some("Deploy")));
        assert!(!o.is_deploy_workflow(Some(".github/workflows/test.yml"), Some("test")));
        assert!(o.is_production_environment("production"));
        let bad = EventOptions {
            staging_branches: vec!["release/[".into()],
            ..EventOptions::default()
        };
        assert!(bad.validate().is_err());
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
