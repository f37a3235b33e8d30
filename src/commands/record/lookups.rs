//! What `record` looks up before converting an event: the deployment history from the sink and
//! a merged pull request's stages (and, unless it is already named a revert, its commit messages)
//! and a pushed commit's pull request from the GitHub API, and
//! which commits a successful production deployment carried (recorded pushes, else the API's
//! compare) and whether one is a hotfix PR's merge commit (recorded merged PRs).

use crate::convert::{
    carried_by_pushes, previous_success, CarriedChanges, CommitPulls, DeployedSha,
    DeploymentHistory, EventInputs, EventOptions, LookupPlan, PastDeployment, RecordedPush,
};
use crate::github_api::{split_repository, GitHubApi, DEFAULT_API_URL};
use crate::output::Output;
use crate::rows::short_sha;
use crate::rows::{RecordContext, Table};
use crate::settings::Settings;
use crate::sinks::{AnySink, Query, Sink};
use crate::sources::event::Event;
use serde_json::Value;

/// How many recorded pushes (newest first) the carried commits are looked for in.
const PUSH_CHAIN_ROWS: usize = 500;
/// How many recorded merged PRs (newest first) a deployment's hotfixes are looked for in.
const MERGED_PR_ROWS: usize = 500;

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
        let revert_commits = async {
            match plan.revert_commits_of {
                Some(n) => Some(api.pull_request_commits(owner, name, n).await),
                None => None,
            }
        };
        let ((stages, errors), commits) = tokio::join!(
            api.pull_request_stages(owner, name, number, author, p.pull_request.created_at),
            revert_commits
        );
        match commits {
            Some(Ok(commits)) => inputs.pr_commits = commits,
            Some(Err(err)) => {
                inputs.failed.revert_commits = true;
                out.warning(&format!(
                    "{err}; whether PR #{number} is a `git revert` (`This reverts commit <sha>` in \
                     a commit message) stays unknown: the merged row is marked incomplete and a \
                     later run (re-run the job) completes it"
                ));
            }
            None => {}
        }
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
    if let (Some(deployed), false) = (&plan.carried_by, inputs.failed.deployment_history) {
        let base = previous_success(&inputs.deployment_history, &deployed.deployment_id)
            .map(|d| d.sha.clone());
        let carried = carried_changes(deployed, base.as_deref(), ctx, sink, github, out).await;
        inputs.carried = Some(carried);
    }
    inputs
}

/// The commits a successful production deployment carried: from the recorded pushes to
/// production branches (one query), else GitHub's compare API (with a token and a previous
/// deployment); then which of them are merge commits of recorded hotfix PRs (one query).
pub(crate) async fn carried_changes(
    deployed: &DeployedSha,
    base: Option<&str>,
    ctx: &RecordContext,
    sink: &AnySink,
    github: Option<&GitHubApi>,
    out: &Output,
) -> CarriedChanges {
    let mut changes = CarriedChanges::default();
    let head = deployed.sha.as_str();
    if base.is_some_and(|b| b.eq_ignore_ascii_case(head)) {
        changes.shas = Some(Vec::new());
        changes.decided_by = Some("same_sha".into());
    } else {
        let pushes = Query {
            table: Table::PushEvents,
            equals: vec![
                ("repository".into(), ctx.repository.clone()),
                ("branch_class".into(), "production".into()),
            ],
            newest_first_by: Some("pushed_at".into()),
            limit: PUSH_CHAIN_ROWS,
        };
        match sink.query(&pushes).await {
            Ok(rows) => {
                let links: Vec<RecordedPush> =
                    rows.iter().filter_map(RecordedPush::from_row).collect();
                if let Some(shas) = carried_by_pushes(&links, head, base) {
                    changes.shas = Some(shas);
                    changes.decided_by = Some("push_events".into());
                }
            }
            Err(err) => out.warning(&format!(
                "could not read the recorded pushes to production branches ({err}); which \
                 commits this deployment carried is asked of the GitHub API, if a token is given"
            )),
        }
    }
    if changes.shas.is_none() {
        let repo = split_repository(&ctx.repository);
        if let (Some(api), Some((owner, name)), Some(base)) = (github, repo, base) {
            match api.commits_between(owner, name, base, head).await {
                Ok(shas) => {
                    changes.shas = Some(shas);
                    changes.decided_by = Some("github_compare".into());
                }
                Err(err) => out.warning(&format!(
                    "{err}; which commits this deployment carried stays unknown \
                     (carried_known: false): its pull requests count as deployed by the next \
                     deployment whose range is known"
                )),
            }
        }
    }
    if changes.shas.is_none() {
        out.info(&format!(
            "which commits deployment {} carried is unknown (carried_known: false): the \
             recorded pushes to production branches do not link {} to the previous \
             deployment{}",
            deployed.deployment_id,
            short_sha(head),
            if github.is_some() {
                ""
            } else {
                ", and without github-token the GitHub API is not asked"
            }
        ));
    }
    if let Some(shas) = changes.shas.as_ref().filter(|s| !s.is_empty()) {
        changes.hotfix_prs = hotfix_prs(shas, ctx, sink, out).await;
    } else if changes.shas.is_some() {
        changes.hotfix_prs = Some(Vec::new());
    }
    changes
}

/// The recorded merged hotfix PRs whose merge commit is one of `shas`; `None` when the merged
/// PRs could not be read.
async fn hotfix_prs(
    shas: &[String],
    ctx: &RecordContext,
    sink: &AnySink,
    out: &Output,
) -> Option<Vec<u32>> {
    let query = Query {
        table: Table::PrEvents,
        equals: vec![
            ("repository".into(), ctx.repository.clone()),
            ("event_type".into(), "merged".into()),
        ],
        newest_first_by: Some("event_timestamp".into()),
        limit: MERGED_PR_ROWS,
    };
    match sink.query(&query).await {
        Ok(rows) => {
            let mut prs: Vec<u32> = rows
                .iter()
                .filter(|row| row.pointer("/metadata/is_hotfix") == Some(&Value::Bool(true)))
                .filter(|row| {
                    row.get("merge_commit_sha")
                        .and_then(Value::as_str)
                        .is_some_and(|m| shas.iter().any(|s| s.eq_ignore_ascii_case(m)))
                })
                .filter_map(|row| row.get("pr_number")?.as_u64()?.try_into().ok())
                .collect();
            prs.sort_unstable();
            prs.dedup();
            Some(prs)
        }
        Err(err) => {
            out.warning(&format!(
                "could not read the merged pull requests ({err}); whether this deployment \
                 shipped a hotfix is not recorded"
            ));
            None
        }
    }
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
pub(crate) fn github_client(config: &Settings, out: &Output) -> Option<GitHubApi> {
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
