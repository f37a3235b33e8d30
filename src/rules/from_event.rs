//! Rule contexts from the live event: the adapter `record` uses (a backfill builds the same
//! contexts from the GitHub API). Pure; lookups the payload lacks (a PR's approvals, the test
//! runs of a deployed sha) are left `None` for the caller to fill in.

use super::{CommitInfo, DeploymentContext, PrState, PullRequestContext, PushContext, RuleContext};
use crate::convert::{EventOptions, Push};
use crate::rows::deployment_events::DeploymentStatus;
use crate::rows::push_events::BranchClass;
use crate::sources::event::{Commit, Deployment, Event};

/// The context the rules judge for this event, if any. `push` is the push fact the conversion
/// worked out (only pushes to production or staging branches have one).
pub fn context(event: &Event, push: Option<&Push>, options: &EventOptions) -> Option<RuleContext> {
    match event {
        Event::PullRequest(p) => {
            let pr = &p.pull_request;
            let state = if pr.is_merged() {
                PrState::Merged
            } else if pr.state.as_deref() == Some("closed") || p.action == "closed" {
                PrState::Closed
            } else {
                PrState::Open
            };
            Some(RuleContext::PullRequest(PullRequestContext {
                number: u64::from(pr.number),
                title: pr.title.clone().unwrap_or_default(),
                body: pr.body.clone(),
                head_branch: pr.head.branch.clone(),
                base_branch: pr.base.branch.clone(),
                author: pr
                    .user
                    .as_ref()
                    .map(|u| u.login.clone())
                    .unwrap_or_default(),
                state,
                created_at: pr.created_at,
                updated_at: pr.updated_at.unwrap_or(pr.created_at),
                closed_at: pr.closed_at.or(pr.merged_at),
                additions: pr.additions.and_then(|n| u64::try_from(n).ok()),
                deletions: pr.deletions.and_then(|n| u64::try_from(n).ok()),
                approvals: None,
                commits: Vec::new(),
            }))
        }
        Event::Push(p) => {
            let info = push?;
            let pushed_at = info
                .pushed_at
                .or_else(|| p.head_commit.as_ref().and_then(|c| c.timestamp))?;
            Some(RuleContext::Push(PushContext {
                head_sha: info.after.clone(),
                branch: info.branch.clone(),
                pusher: info
                    .pusher
                    .clone()
                    .or_else(|| info.sender.clone())
                    .unwrap_or_default(),
                pushed_at,
                commits: p.commits.iter().filter_map(commit).collect(),
                is_direct: info.direct_push,
                is_production_branch: info.branch_class == BranchClass::Production,
            }))
        }
        Event::Deployment(p) => deployment(&p.deployment, DeploymentStatus::Created, options),
        Event::DeploymentStatus(p) => {
            let status = DeploymentStatus::from_github_state(&p.deployment_status.state)?;
            deployment(&p.deployment, status, options)
        }
        _ => None,
    }
}

fn deployment(
    d: &Deployment,
    status: DeploymentStatus,
    options: &EventOptions,
) -> Option<RuleContext> {
    let environment = d.environment.clone().unwrap_or_default();
    Some(RuleContext::Deployment(DeploymentContext {
        deployment_id: d.id,
        sha: d.sha.clone()?,
        is_production: d
            .production_environment
            .unwrap_or_else(|| options.is_production_environment(&environment)),
        environment,
        status,
        timestamp: d.created_at,
        test_runs: None,
    }))
}

fn commit(c: &Commit) -> Option<CommitInfo> {
    Some(CommitInfo {
        sha: c.id.clone(),
        message: c.message.clone(),
        timestamp: c.timestamp?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::event::{parse_event, ReadOutcome};
    use std::path::Path;

    fn event(name: &str, file: &str) -> Event {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/events")
            .join(file);
        match parse_event(name, &std::fs::read_to_string(&path).unwrap(), &path).unwrap() {
            ReadOutcome::Event(e) => *e,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_merged_pull_request_becomes_a_settled_context() {
        let e = event("pull_request", "pull_request/90-closed-merged.json");
        let Some(RuleContext::PullRequest(pr)) = context(&e, None, &EventOptions::default()) else {
            panic!()
        };
        assert_eq!(
            (pr.number, pr.state, pr.head_branch.as_str()),
            (2, PrState::Merged, "changes")
        );
        assert_eq!(
            pr.body.as_deref(),
            Some("This is a pretty simple change that we need to pull into master.")
        );
        assert!(RuleContext::PullRequest(pr).is_settled());
    }

    #[test]
    fn a_pr_closed_without_merging_has_its_own_key_apart_from_its_merge() {
        let options = EventOptions::default();
        let closed = context(
            &event("pull_request", "pull_request/03-closed.json"),
            None,
            &options,
        )
        .unwrap();
        let merged = context(
            &event("pull_request", "pull_request/90-closed-merged.json"),
            None,
            &options,
        )
        .unwrap();
        assert_eq!(closed.context_id(), "2:closed@2019-05-15T15:21:18Z");
        assert_eq!(merged.context_id(), "2");
        assert!(closed.is_settled() && merged.is_settled());
    }

    #[test]
    fn an_opened_pull_request_is_open() {
        let e = event("pull_request", "pull_request/00-opened.json");
        let Some(RuleContext::PullRequest(pr)) = context(&e, None, &EventOptions::default()) else {
            panic!()
        };
        assert_eq!(pr.state, PrState::Open);
    }

    #[test]
    fn a_deployment_status_carries_its_sha_and_production_flag() {
        let e = event("deployment_status", "deployment_status/00-created.json");
        let options = EventOptions::new(crate::convert::RawEventOptions {
            production_environments: vec!["production".into()],
            ..Default::default()
        })
        .unwrap();
        let Some(RuleContext::Deployment(d)) = context(&e, None, &options) else {
            panic!()
        };
        assert_eq!(d.sha.len(), 40);
        assert!(d.test_runs.is_none());
    }
}
