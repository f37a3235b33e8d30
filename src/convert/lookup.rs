//! What must be looked up before converting an event ([`LookupPlan`]), and the shapes of the
//! answers the caller hands back in [`super::EventInputs`]. The caller does the I/O (the sink,
//! the GitHub API); nothing here does.

use super::change_kind::reverts;
use super::EventOptions;
use crate::rows::push_events::BranchClass;
use crate::sources::event::Event;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What the caller may look up before converting, for this event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LookupPlan {
    /// A merged PR: its first commit and reviews (GitHub API, with a token).
    pub merged_pr: Option<u32>,
    /// A merged PR whose head branch, title and body do not name what it reverts (not a revert,
    /// or a `Revert "<subject>"` title alone): its commit messages (GitHub API, with a token),
    /// which may carry git's `This reverts commit <sha>`.
    pub revert_commits_of: Option<u32>,
    /// A deployment: read the recent successful deployments of this target environment
    /// (`target_environment` column) from the sink.
    pub deployment_history_of: Option<String>,
    /// A push to a production or staging branch: the PRs of this commit (GitHub API).
    pub pulls_of_commit: Option<String>,
    /// A successful production deployment (its sha): which commits it carried, from the
    /// recorded pushes to production branches, else GitHub's compare API, and whether one of
    /// them is a hotfix PR's merge commit (recorded merged PRs).
    pub carried_by: Option<DeployedSha>,
}

/// A successful production deployment whose carried commits are looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployedSha {
    /// Its `deployment_id` (its own rows are not its predecessor).
    pub deployment_id: String,
    /// The deployed commit.
    pub sha: String,
}

impl LookupPlan {
    /// What the event needs looked up; nothing for most events.
    pub fn for_event(event: &Event, options: &EventOptions) -> LookupPlan {
        let mut out = LookupPlan::default();
        match event {
            Event::PullRequest(p) if p.action == "closed" && p.pull_request.is_merged() => {
                let pr = &p.pull_request;
                out.merged_pr = Some(pr.number);
                let title = pr.title.as_deref().unwrap_or("");
                let body = pr.body.as_deref().unwrap_or("");
                // A revert that names nothing (`Revert "<subject>"` alone) is asked too: the
                // commit message names the reverted sha.
                let named = reverts(&pr.head.branch, title, body, &[])
                    .is_some_and(|r| r.pr_number.is_some() || r.sha.is_some());
                if !named {
                    out.revert_commits_of = Some(pr.number);
                }
            }
            Event::Deployment(p) => out.deployment_history_of = p.deployment.environment.clone(),
            Event::DeploymentStatus(p) => {
                out.deployment_history_of = p.deployment.environment.clone();
                if p.deployment_status.state.eq_ignore_ascii_case("success") {
                    let production = match (
                        p.deployment.production_environment,
                        &p.deployment.environment,
                    ) {
                        (Some(flag), _) => flag,
                        (None, Some(env)) => options.is_production_environment(env),
                        (None, None) => false,
                    };
                    if let (true, Some(sha)) = (production, &p.deployment.sha) {
                        out.carried_by = Some(DeployedSha {
                            deployment_id: format!("deployment:{}", p.deployment.id),
                            sha: sha.clone(),
                        });
                    }
                }
            }
            Event::WorkflowRun(p) => {
                let run = &p.workflow_run;
                let path = run
                    .path
                    .as_deref()
                    .or_else(|| p.workflow.as_ref().and_then(|w| w.path.as_deref()));
                let name = run
                    .name
                    .as_deref()
                    .or_else(|| p.workflow.as_ref().and_then(|w| w.name.as_deref()));
                if p.action == "completed"
                    && run.conclusion.as_deref() == Some("success")
                    && options.is_deploy_workflow(path, name)
                    && run
                        .head_branch
                        .as_deref()
                        .and_then(|b| options.branch_class(b))
                        == Some(BranchClass::Production)
                {
                    out.carried_by = Some(DeployedSha {
                        deployment_id: format!(
                            "workflow_run:{}:{}",
                            run.id,
                            run.run_attempt.unwrap_or(1)
                        ),
                        sha: run.head_sha.clone(),
                    });
                }
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
    /// A merged PR's commit messages (whether one is a `git revert`) could not be read. Marks
    /// the merged row `incomplete: ["reverts"]`.
    pub revert_commits: bool,
}

/// The previous success of `history`, the deployment `deployment_id` itself excluded (a row of
/// it read back from the sink is not its own predecessor).
pub fn previous_success<'a>(
    history: &'a DeploymentHistory,
    deployment_id: &str,
) -> Option<&'a PastDeployment> {
    history
        .successes
        .iter()
        .find(|d| d.deployment_id != deployment_id)
}

/// Which commits a successful production deployment put live: every commit reachable from its
/// sha and not from the previous success's sha, decided by git ancestry (recorded pushes or
/// GitHub's compare API), never by timestamps.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarriedChanges {
    /// The commits, oldest first; `None` when neither the recorded pushes nor the API could
    /// decide (then none is guessed).
    pub shas: Option<Vec<String>>,
    /// What decided them: `push_events`, `github_compare` or `same_sha`.
    pub decided_by: Option<String>,
    /// The merged hotfix PRs whose merge commit is among [`CarriedChanges::shas`]; `None` when
    /// the merged PRs could not be read.
    pub hotfix_prs: Option<Vec<u32>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::event::{parse_event, ReadOutcome};
    use std::path::Path;

    /// The merged PR fixture (`90-closed-merged.json`) with `edit` applied to its pull_request.
    fn merged_pr(edit: impl FnOnce(&mut serde_json::Value)) -> Event {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/events/pull_request/90-closed-merged.json"
        );
        let mut payload: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        edit(&mut payload["pull_request"]);
        match parse_event("pull_request", &payload.to_string(), Path::new(path)) {
            Ok(ReadOutcome::Event(e)) => *e,
            other => panic!("expected an event, got {other:?}"),
        }
    }

    #[test]
    fn commit_messages_are_asked_for_a_merged_pr_whose_revert_is_not_already_named() {
        let options = EventOptions::default();
        let plain = LookupPlan::for_event(&merged_pr(|_| {}), &options);
        assert_eq!(plain.merged_pr, Some(2));
        assert_eq!(plain.revert_commits_of, Some(2));
        // GitHub's revert button names the reverted PR in the branch, title and body: the
        // commits add nothing.
        let button = LookupPlan::for_event(
            &merged_pr(|pr| {
                pr["head"]["ref"] = "revert-1-feature".into();
                pr["title"] = "Revert \"Feature (#1)\"".into();
                pr["body"] = "Reverts Codertocat/Hello-World#1".into();
            }),
            &options,
        );
        assert_eq!(button.merged_pr, Some(2));
        assert_eq!(button.revert_commits_of, None);
        // A body that carries git's message already names the commit.
        let body = LookupPlan::for_event(
            &merged_pr(|pr| {
                pr["body"] = "This reverts commit 0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c.".into();
            }),
            &options,
        );
        assert_eq!(body.revert_commits_of, None);
        // `git revert`'s subject as the title names nothing: its commits may.
        let title = LookupPlan::for_event(
            &merged_pr(|pr| pr["title"] = "Revert \"Add login\"".into()),
            &options,
        );
        assert_eq!(title.revert_commits_of, Some(2));
    }
}
