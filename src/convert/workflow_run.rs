//! `workflow_run` events of a configured deploy workflow → `metrics.deployment_events`: a
//! completed run of this repository's own code, started by a push, a release, a schedule or a
//! dispatch, is a deployment to the environment its branch stands for.

use super::deployment::{carried, classify};
use super::{login, seconds_between, skip, Conversion, EventInputs, EventOptions, EventRows};
use crate::rows::deployment_events::{DeploymentEvent, DeploymentSource, DeploymentStatus};
use crate::rows::push_events::BranchClass;
use crate::rows::RecordContext;
use crate::sources::event::WorkflowRunPayload;
use serde_json::{json, Map, Value};

pub(super) fn workflow_run(
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
    if options.deploy_workflows().is_empty() {
        return skip(format!(
            "workflow_run of `{label}` ignored: no deploy-workflows are configured"
        ));
    }
    if !options.is_deploy_workflow(workflow_path, workflow_name) {
        return skip(format!(
            "workflow_run of `{label}` ignored: it matches none of deploy-workflows ({})",
            options.deploy_workflows().join(", ")
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
    if status == DeploymentStatus::Success && class == Some(BranchClass::Production) {
        carried(&id, inputs, &mut metadata);
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::convert::{convert, EventInputs, RawEventOptions};
    use crate::environment::Environment;
    use crate::sources::event::Event;
    use chrono::{DateTime, Utc};
    use serde_json::{json, Value};

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
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
        let options = EventOptions::new(RawEventOptions {
            production_branches: vec!["main".into()],
            deploy_workflows: vec!["Deploy".into()],
            ..RawEventOptions::default()
        })
        .unwrap();
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
}
