//! The GitHub API sources of `backfill`: each reads its history through
//! `sources::github_history`, turns every fact into the webhook payload `record` would have
//! received, and converts it with `convert::convert`, so keys and rows are the live ones.
//!
//! Deployments (deployment statuses and deploy workflow runs alike) are classified in time
//! order: each sees only the successes of its environment that finished before it, as `record`
//! read them from the sink at the time.

use super::write::open_for;
use super::{Contribution, Step, Window};
use crate::commands::record::lookups::{carried_changes, github_client};
use crate::convert::{
    self, previous_success, CommitPulls, Conversion, EventInputs, EventOptions, FailedLookups,
    LookupPlan, PastDeployment,
};
use crate::environment::Environment;
use crate::error::Error;
use crate::github_api::GitHubApi;
use crate::github_api::PullRequestStages;
use crate::output::Output;
use crate::rows::deployment_events::DeploymentStatus;
use crate::rows::RecordContext;
use crate::settings::{EventFacts, Settings};
use crate::sinks::AnySink;
use crate::sources::event::{
    Commit, DeploymentPayload, DeploymentStatusPayload, Event, PushPayload, ReleasePayload,
    Repository, WorkflowRunPayload,
};
use crate::sources::github_history::{deployments, pulls, rest, HistoryClient, HistoryError};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::collections::HashMap;

/// What the API sources of one run share.
pub struct Api<'a> {
    /// Where messages go.
    pub out: &'a Output,
    /// `record`'s client for the carried commits (GitHub's compare API).
    pub github: Option<GitHubApi>,
    /// Sinks per environment, read for the recorded pushes and hotfix PRs as `record` reads them.
    pub sinks: HashMap<Environment, AnySink>,
    /// The client (its stats are the run's request count).
    pub client: HistoryClient,
    /// The settings.
    pub config: &'a Settings,
    /// The conversion's options.
    pub options: EventOptions,
    /// The successes seen so far, per target environment (`deployment_history_of`).
    pub successes: BTreeMap<String, Vec<PastDeployment>>,
    /// When the run started (`recorded_at`).
    pub now: DateTime<Utc>,
    /// Merged PRs read in this run, by merge commit sha (a push of that sha comes from it).
    pub merged_prs: HashMap<String, u32>,
}

/// A fact to convert: the payload, when it happened, and the branch that decides its
/// environment (a PR's base, a deployment's ref).
struct Fact {
    event: Event,
    at: DateTime<Utc>,
    branch: Option<String>,
    /// A merged PR's stages, and whether a part could not be read.
    stages: Option<(PullRequestStages, bool)>,
    /// A merged PR's commits with their messages (`None`: not read).
    commits: Option<Vec<crate::github_api::PullRequestCommit>>,
}

impl Fact {
    /// A fact with nothing looked up (every event but a merged PR).
    fn plain(event: Event, at: DateTime<Utc>, branch: Option<String>) -> Fact {
        Fact {
            event,
            at,
            branch,
            stages: None,
            commits: None,
        }
    }
}

/// Opens the API client with the job's token; an error says how to give one.
pub fn open<'a>(
    config: &'a Settings,
    now: DateTime<Utc>,
    out: &'a Output,
) -> Result<Api<'a>, Error> {
    let token = config.github_token.as_ref().ok_or_else(|| {
        Error::Input(
            "backfill reads the GitHub API and has no token: set the `github-token` input \
             (default ${{ github.token }}) or GITHUB_TOKEN, or choose --only files,git"
                .into(),
        )
    })?;
    let api_url = config
        .github
        .api_url
        .as_deref()
        .unwrap_or(crate::github_api::DEFAULT_API_URL);
    // GraphQL lives on the REST API's host (github.com and Enterprise Server alike).
    let client = HistoryClient::new(api_url, None, token.expose())
        .map_err(|e| Error::Input(format!("could not use the GitHub API: {e}")))?;
    Ok(Api {
        out,
        github: github_client(config, out),
        sinks: HashMap::new(),
        merged_prs: HashMap::new(),
        client,
        config,
        options: crate::commands::record::event_options(config),
        successes: BTreeMap::new(),
        now,
    })
}

impl Api<'_> {
    fn error(&self, what: &str, err: HistoryError) -> Error {
        Error::Input(format!(
            "could not read the {what} from the GitHub API: {err}"
        ))
    }

    /// The environment rows of a fact go to, as `record` would decide it for that event.
    fn environment(&self, branch: Option<&str>) -> Result<Environment, Error> {
        Ok(self
            .config
            .target_for(EventFacts {
                base_branch: branch,
                from_fork: false,
            })?
            .environment)
    }

    /// Converts facts (oldest first) into `out`, classifying deployments in time order.
    async fn convert(
        &mut self,
        window: &Window,
        mut facts: Vec<Fact>,
        out: &mut Contribution,
    ) -> Result<(), Error> {
        facts.sort_by_key(|f| f.at);
        for fact in facts {
            if fact.at < window.since {
                continue;
            }
            let environment = self.environment(fact.branch.as_deref())?;
            let ctx = RecordContext {
                repository: window.repository.clone(),
                environment,
                recorded_at: self.now,
            };
            let plan = LookupPlan::for_event(&fact.event, &self.options);
            let mut inputs = EventInputs::default();
            if let Event::Push(p) = &fact.event {
                if let Some(n) = self.merged_prs.get(&p.after) {
                    inputs.push_pulls = CommitPulls::MergedPr(*n);
                }
            }
            if let Some((stages, failed)) = fact.stages {
                inputs.pr_stages = stages;
                // The commit messages tell a `git revert` the PR body does not repeat, as live.
                let revert_commits = plan.revert_commits_of.is_some() && fact.commits.is_none();
                inputs.pr_commits = fact.commits.clone().unwrap_or_default();
                inputs.failed = FailedLookups {
                    pr_stages: failed,
                    deployment_history: false,
                    revert_commits,
                };
            }
            if let Some(env) = &plan.deployment_history_of {
                let mut before: Vec<PastDeployment> = self
                    .successes
                    .get(env)
                    .map(|s| {
                        s.iter()
                            .filter(|d| d.finished_at.is_some_and(|f| f < fact.at))
                            .cloned()
                            .collect()
                    })
                    .unwrap_or_default();
                before.sort_by_key(|d| std::cmp::Reverse(d.finished_at));
                inputs.deployment_history.successes = before;
            }
            if let Some(deployed) = &plan.carried_by {
                // A successful production deployment: the commits it carried, as `record` finds
                // them (recorded pushes, else GitHub's compare API; hotfix PRs recorded).
                let base = previous_success(&inputs.deployment_history, &deployed.deployment_id)
                    .map(|d| d.sha.clone());
                if !self.sinks.contains_key(&environment) {
                    let sink = open_for(self.config, environment, self.out)?;
                    self.sinks.insert(environment, sink);
                }
                let sink = &self.sinks[&environment];
                let carried = carried_changes(
                    deployed,
                    base.as_deref(),
                    &ctx,
                    sink,
                    self.github.as_ref(),
                    self.out,
                )
                .await;
                inputs.carried = Some(carried);
            }
            match convert::convert(&fact.event, &ctx, &self.options, &inputs) {
                Conversion::Rows(rows) => {
                    for row in &rows.deployment_events {
                        if row.status == DeploymentStatus::Success {
                            if let (Some(env), Some(sha)) = (&row.target_environment, &row.sha) {
                                self.successes.entry(env.clone()).or_default().push(
                                    PastDeployment {
                                        deployment_id: row.deployment_id.clone(),
                                        sha: sha.clone(),
                                        finished_at: row.finished_at.or(Some(fact.at)),
                                    },
                                );
                            }
                        }
                    }
                    let mut deployment_events = rows.deployment_events;
                    for row in &mut deployment_events {
                        // GraphQL does not give a status's REST id: say nothing rather than 0.
                        if let Some(m) = row.metadata.as_object_mut() {
                            if m.get("deployment_status_id") == Some(&serde_json::json!(0)) {
                                m.remove("deployment_status_id");
                            }
                        }
                    }
                    out.batch.extend(rows.pr_events);
                    out.batch.extend(deployment_events);
                    out.batch.extend(rows.push_events);
                }
                Conversion::Skipped { .. } => out.skipped += 1,
            }
        }
        Ok(())
    }
}

/// One page of pull requests (with their reviews when `reviews` is read too, or only).
pub async fn pulls_step(
    api: &mut Api<'_>,
    window: &Window,
    cursor: Option<String>,
    prs: bool,
    reviews: bool,
) -> Result<Step, Error> {
    let mut page = pulls::page(
        &mut api.client,
        &window.repository,
        window.since,
        cursor.as_deref(),
    )
    .await
    .map_err(|e| api.error("pull requests", e))?;
    let mut out = Contribution::default();
    for pull in &mut page.pulls {
        // Reviews or lifecycle items beyond the first 100: follow-up requests for that PR.
        if let Err(e) = pulls::complete(&mut api.client, &window.repository, pull).await {
            out.notes.push(format!(
                "PR #{}: its reviews or timeline beyond the first 100 could not be read ({e}); \
                 its stages are marked incomplete",
                pull.number
            ));
            page.incomplete.push(pull.number);
        }
    }
    for (number, message) in &page.node_errors {
        let which = number.map_or_else(|| "a pull request".to_owned(), |n| format!("PR #{n}"));
        out.notes.push(format!(
            "{which}: {message} (its stages are marked incomplete)"
        ));
    }
    let mut facts = Vec::new();
    for pull in &page.pulls {
        if let (Some(c), Some(_)) = (&pull.merge_commit, pull.merged_at) {
            api.merged_prs.insert(c.oid.clone(), pull.number);
        }
        let (stages, mut failed) = pull.stages();
        failed |= page.incomplete.contains(&pull.number);
        let base = Some(pull.base_ref_name.clone());
        if prs {
            for p in pull.pull_request_payloads() {
                let merged = p.action == "closed" && p.pull_request.is_merged();
                let at = fact_time(&p);
                facts.push(Fact {
                    event: Event::PullRequest(p),
                    at,
                    branch: base.clone(),
                    stages: merged.then(|| (stages.clone(), failed)),
                    commits: merged.then(|| pull.commit_messages()).flatten(),
                });
            }
        }
        if reviews {
            for p in pull.review_payloads() {
                let at = p
                    .review
                    .submitted_at
                    .or(p.pull_request.updated_at)
                    .unwrap_or(pull.updated_at);
                facts.push(Fact::plain(Event::PullRequestReview(p), at, base.clone()));
            }
        }
    }
    api.convert(window, facts, &mut out).await?;
    Ok(Step {
        done_items: page.pulls.len(),
        total: page.total.map(|t| t as usize),
        done: page.next.is_none(),
        cursor: page.next,
        contribution: out,
    })
}

fn fact_time(p: &crate::sources::event::PullRequestPayload) -> DateTime<Utc> {
    let pr = &p.pull_request;
    match p.action.as_str() {
        "opened" => pr.created_at,
        "closed" => pr.merged_at.or(pr.closed_at).unwrap_or(pr.created_at),
        _ => pr.updated_at.unwrap_or(pr.created_at),
    }
}

/// Every deployment of the window with its statuses.
pub async fn deployments_step(api: &mut Api<'_>, window: &Window) -> Result<Step, Error> {
    let mut progress = |_: usize, _: Option<usize>| {};
    let read = deployments::deployments(
        &mut api.client,
        &window.repository,
        window.since,
        &mut progress,
    )
    .await
    .map_err(|e| api.error("deployments", e))?;
    let mut out = Contribution::default();
    out.notes.extend(
        read.node_errors
            .iter()
            .map(|e| format!("a deployment: {e}")),
    );
    let count = read.in_window.len();
    // The deployments before the window only seed the history.
    let mut seed = Contribution::default();
    let seeds = deployment_facts(&read.before);
    let seed_window = Window {
        since: DateTime::<Utc>::MIN_UTC,
        ..window.clone()
    };
    api.convert(&seed_window, seeds, &mut seed).await?;
    api.convert(window, deployment_facts(&read.in_window), &mut out)
        .await?;
    Ok(Step::whole(out, count))
}

fn deployment_facts(list: &[deployments::DeploymentHistory]) -> Vec<Fact> {
    let mut facts = Vec::new();
    for d in list {
        let branch = d.deployment.git_ref.clone();
        facts.push(Fact::plain(
            Event::Deployment(DeploymentPayload {
                action: Some("created".into()),
                deployment: d.deployment.clone(),
                sender: d.deployment.creator.clone(),
                repository: None,
            }),
            d.deployment.created_at,
            branch.clone(),
        ));
        for s in &d.statuses {
            facts.push(Fact::plain(
                Event::DeploymentStatus(DeploymentStatusPayload {
                    action: Some("created".into()),
                    deployment_status: s.clone(),
                    deployment: d.deployment.clone(),
                    sender: s.creator.clone(),
                    repository: None,
                }),
                s.created_at,
                branch.clone(),
            ));
        }
    }
    facts
}

/// Every release published in the window.
pub async fn releases_step(api: &mut Api<'_>, window: &Window) -> Result<Step, Error> {
    let mut progress = |_: usize, _: Option<usize>| {};
    let list = rest::releases(
        &mut api.client,
        &window.repository,
        window.since,
        &mut progress,
    )
    .await
    .map_err(|e| api.error("releases", e))?;
    let count = list.len();
    let facts = list
        .into_iter()
        .map(|release| {
            let (at, branch) = (
                release.published_at.unwrap_or(window.until),
                release.target_commitish.clone(),
            );
            let event = Event::Release(ReleasePayload {
                action: "published".into(),
                sender: release.author.clone(),
                release,
                repository: None,
            });
            Fact::plain(event, at, branch)
        })
        .collect();
    let mut out = Contribution::default();
    api.convert(window, facts, &mut out).await?;
    Ok(Step::whole(out, count))
}

/// Every completed run of the window (`convert` keeps the deploy workflows' runs).
pub async fn workflow_runs_step(api: &mut Api<'_>, window: &Window) -> Result<Step, Error> {
    let mut progress = |_: usize, _: Option<usize>| {};
    let list = rest::workflow_runs(
        &mut api.client,
        &window.repository,
        window.since,
        &mut progress,
    )
    .await
    .map_err(|e| api.error("workflow runs", e))?;
    let count = list.len();
    let facts = list
        .into_iter()
        .map(|run| {
            let (at, branch) = (
                run.updated_at.unwrap_or(run.created_at),
                run.head_branch.clone(),
            );
            let event = Event::WorkflowRun(WorkflowRunPayload {
                action: "completed".into(),
                sender: run.actor.clone(),
                workflow_run: run,
                workflow: None,
                repository: None,
            });
            Fact::plain(event, at, branch)
        })
        .collect();
    let mut out = Contribution::default();
    api.convert(window, facts, &mut out).await?;
    Ok(Step::whole(out, count))
}

/// What the window's pushes and merges put on the production and staging branches (one list of
/// branch changes, then one comparison per change).
pub async fn pushes_step(api: &mut Api<'_>, window: &Window) -> Result<Step, Error> {
    let options = api.options.clone();
    let wanted = move |branch: &str| options.branch_class(branch).is_some();
    let list = rest::activities(&mut api.client, &window.repository, window.since, &wanted)
        .await
        .map_err(|e| api.error("branch activity", e))?;
    let mut facts = Vec::new();
    for a in &list {
        let commits = rest::pushed_commits(&mut api.client, &window.repository, a)
            .await
            .map_err(|e| api.error("pushed commits", e))?;
        let commits: Vec<Commit> = commits
            .into_iter()
            .map(|c| Commit {
                id: c.sha,
                message: c.message,
                timestamp: c.timestamp,
            })
            .collect();
        let branch = a.git_ref.strip_prefix("refs/heads/").map(str::to_owned);
        facts.push(Fact::plain(
            Event::Push(PushPayload {
                git_ref: a.git_ref.clone(),
                before: a.before.clone(),
                after: a.after.clone(),
                created: a.activity_type == "branch_creation",
                deleted: false,
                forced: a.activity_type == "force_push",
                head_commit: commits.last().cloned(),
                commits,
                pusher: None,
                sender: a.actor.clone(),
                repository: Some(Repository {
                    full_name: window.repository.clone(),
                    default_branch: None,
                    pushed_at: Some(a.timestamp),
                }),
            }),
            a.timestamp,
            branch,
        ));
    }
    let mut out = Contribution::default();
    api.convert(window, facts, &mut out).await?;
    Ok(Step::whole(out, list.len()))
}
