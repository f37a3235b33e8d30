//! `deployment` and `deployment_status` events → `metrics.deployment_events`: a created
//! deployment, then one row per status it reaches. Whether it was a deploy, a redeploy or a
//! rollback is read from the environment's recent successes ([`classify`], shared with deploy
//! workflow runs).

use super::lookup::previous_success;
use super::{
    login, mark_incomplete, seconds_between, skip, ts, Conversion, EventInputs, EventOptions,
    EventRows, PastDeployment,
};
use crate::rows::deployment_events::{
    DeploymentEvent, DeploymentKind, DeploymentSource, DeploymentStatus,
};
use crate::rows::RecordContext;
use crate::sources::event::{Deployment, DeploymentPayload, DeploymentStatusPayload};
use serde_json::{json, Map, Value};

/// deploy, redeploy or rollback, from the previous successes (the current deployment excluded),
/// and the metadata that says why. When the history could not be read, a plain deploy marked
/// `incomplete: ["kind"]`.
pub(super) fn classify(
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

/// On a successful production deployment: `previous_sha` (the previous success of the same
/// environment), `carried_shas` (every commit in (previous_sha, sha], oldest first) and
/// `carried_from` when ancestry decided them, `carried_known`, and `is_hotfix` (a carried commit
/// is a hotfix PR's merge commit; `hotfix_prs` names them). Nothing is guessed: undecided is
/// `carried_known: false` without `carried_shas`.
pub(super) fn carried(
    deployment_id: &str,
    inputs: &EventInputs,
    metadata: &mut Map<String, Value>,
) {
    if let Some(previous) = previous_success(&inputs.deployment_history, deployment_id) {
        metadata.insert("previous_sha".into(), json!(previous.sha));
    }
    let changes = inputs.carried.clone().unwrap_or_default();
    match &changes.shas {
        Some(shas) => {
            metadata.insert("carried_known".into(), json!(true));
            metadata.insert("carried_shas".into(), json!(shas));
            metadata.insert("carried_from".into(), json!(changes.decided_by));
        }
        None => {
            metadata.insert("carried_known".into(), json!(false));
        }
    }
    match (&changes.shas, &changes.hotfix_prs) {
        (Some(_), Some(prs)) => {
            metadata.insert("is_hotfix".into(), json!(!prs.is_empty()));
            if !prs.is_empty() {
                metadata.insert("hotfix_prs".into(), json!(prs));
            }
        }
        // The merged PRs could not be read: whether it shipped a hotfix is not said.
        (Some(_), None) => {}
        (None, _) => {
            metadata.insert("is_hotfix".into(), json!(false));
        }
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

pub(super) fn deployment(
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

pub(super) fn deployment_status(
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
    if status == DeploymentStatus::Success && is_production {
        carried(&id, inputs, &mut metadata);
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::convert::{DeploymentHistory, FailedLookups};
    use chrono::{TimeZone, Utc};

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

    #[test]
    fn a_production_success_says_what_it_carried_or_that_it_does_not_know() {
        let history = DeploymentHistory {
            successes: vec![past("deployment:4", "ddd"), past("deployment:3", "ccc")],
        };
        let known = EventInputs {
            deployment_history: history.clone(),
            carried: Some(crate::convert::CarriedChanges {
                shas: Some(vec!["ccd".into(), "ddd".into()]),
                decided_by: Some("push_events".into()),
                hotfix_prs: Some(vec![7]),
            }),
            ..EventInputs::default()
        };
        let mut m = Map::new();
        // Its own row read back is not its predecessor.
        carried("deployment:4", &known, &mut m);
        assert_eq!(m["previous_sha"], json!("ccc"));
        assert_eq!(m["carried_known"], json!(true));
        assert_eq!(m["carried_shas"], json!(["ccd", "ddd"]));
        assert_eq!(m["is_hotfix"], json!(true));
        assert_eq!(m["hotfix_prs"], json!([7]));

        let unknown = EventInputs {
            deployment_history: history,
            ..EventInputs::default()
        };
        let mut m = Map::new();
        carried("deployment:5", &unknown, &mut m);
        assert_eq!(m["previous_sha"], json!("ddd"));
        assert_eq!(m["carried_known"], json!(false));
        assert!(!m.contains_key("carried_shas"), "no sha is guessed: {m:?}");
        assert_eq!(m["is_hotfix"], json!(false));
    }
}
