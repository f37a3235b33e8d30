//! `release` events → `metrics.deployment_events`: a published release is a deployment that
//! reached its users (`release:<id>`).

use super::{login, skip, Conversion, EventRows};
use crate::rows::deployment_events::{
    DeploymentEvent, DeploymentKind, DeploymentSource, DeploymentStatus,
};
use crate::rows::RecordContext;
use crate::sources::event::ReleasePayload;
use serde_json::{json, Map, Value};

fn is_full_sha(text: &str) -> bool {
    text.len() == 40 && text.chars().all(|c| c.is_ascii_hexdigit())
}

pub(super) fn release(p: &ReleasePayload, ctx: &RecordContext) -> Conversion {
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
