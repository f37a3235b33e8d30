//! What `record` looks up before converting an event: the deployment history from the sink and
//! a merged pull request's stages and a pushed commit's pull request from the GitHub API.

use crate::convert::{
    CommitPulls, DeploymentHistory, EventInputs, EventOptions, LookupPlan, PastDeployment,
};
use crate::github_api::{split_repository, GitHubApi, DEFAULT_API_URL};
use crate::output::Output;
use crate::rows::{RecordContext, Table};
use crate::settings::Settings;
use crate::sinks::{AnySink, Query, Sink};
use crate::sources::event::Event;
/// Gathers what the conversion needs from the sink (deployment history) and the GitHub API
/// (a merged PR's stages, a pushed commit's PR). A failed lookup is a warning: the rows are still
/// recorded, with what is known, and marked incomplete (`inputs.failed`) so that a later run
/// completes them.
pub(super) async fn gather_inputs(
    event: &Event,
    options: &EventOptions,
    ctx: &RecordContext,
    sink: &AnySink,
    github: Option<&GitHubApi>,
    out: &Output,
) -> EventInputs {
    let plan = LookupPlan::for_event(event, options);
    let mut inputs = EventInputs::default();
    let repo = split_repository(&ctx.repository);
    if let (Some(number), Some(api), Some((owner, name)), Event::PullRequest(p)) =
        (plan.merged_pr, github, repo, event)
    {
        let author = p.pull_request.user.as_ref().map(|u| u.login.as_str());
        let (stages, errors) = api
            .pull_request_stages(owner, name, number, author, p.pull_request.created_at)
            .await;
        inputs.failed.pr_stages = !errors.is_empty();
        for err in errors {
            out.warning(&format!(
                "{err}; that stage of PR #{number} stays unknown: the merged row is marked \
                 incomplete and a later run (re-run the job) completes it"
            ));
        }
        inputs.pr_stages = stages;
    }
    if let (Some(sha), Some(api), Some((owner, name)), Event::Push(p)) =
        (&plan.pulls_of_commit, github, repo, event)
    {
        let branch = p.git_ref.strip_prefix("refs/heads/").unwrap_or(&p.git_ref);
        match api.merged_pr_of_commit(owner, name, sha, branch).await {
            Ok(Some(n)) => inputs.push_pulls = CommitPulls::MergedPr(n),
            Ok(None) => inputs.push_pulls = CommitPulls::NoMergedPr,
            Err(err) => out.warning(&format!(
                "{err}; whether this push came from a pull request is judged from the commit message"
            )),
        }
    }
    if let Some(environment) = plan.deployment_history_of {
        let query = Query {
            table: Table::DeploymentEvents,
            equals: vec![
                ("repository".into(), ctx.repository.clone()),
                ("target_environment".into(), environment.clone()),
                ("status".into(), "success".into()),
            ],
            newest_first_by: Some("event_timestamp".into()),
            limit: 50,
        };
        match sink.query(&query).await {
            Ok(rows) => {
                inputs.deployment_history = DeploymentHistory {
                    successes: rows
                        .iter()
                        .filter_map(|row| {
                            Some(PastDeployment {
                                deployment_id: row.get("deployment_id")?.as_str()?.to_owned(),
                                sha: row.get("sha")?.as_str()?.to_owned(),
                                finished_at: row
                                    .get("finished_at")
                                    .and_then(|v| serde_json::from_value(v.clone()).ok()),
                            })
                        })
                        .collect(),
                }
            }
            Err(err) => {
                inputs.failed.deployment_history = true;
                out.warning(&format!(
                    "could not read the recent deployments of '{environment}' ({err}); this deployment is recorded as a plain deploy marked incomplete (a rollback or redeploy cannot be told apart): a later run (re-run the job) completes its kind"
                ))
            }
        }
    }
    inputs
}

/// Where lookups go: the sink (rows recorded earlier) and the GitHub API.
#[derive(Clone, Copy)]
pub(super) struct LookupSources<'a> {
    /// The sink, for rows recorded earlier.
    pub(super) sink: &'a AnySink,
    /// The GitHub API, when a token is configured.
    pub(super) github: Option<&'a GitHubApi>,
}

/// The GitHub API client, when a token is configured. Without one, what only the API knows
/// (a PR's first commit, reviews, approvals) stays unknown and the run says so once.
pub(super) fn github_client(config: &Settings, out: &Output) -> Option<GitHubApi> {
    let token = config.github_token.as_ref()?;
    let base = config.github.api_url.as_deref().unwrap_or(DEFAULT_API_URL);
    match GitHubApi::new(base, token.expose()) {
        Ok(api) => Some(api),
        Err(err) => {
            out.warning(&format!("{err}; GitHub API lookups are skipped"));
            None
        }
    }
}
