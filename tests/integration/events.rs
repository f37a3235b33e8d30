//! Event payloads → rows: every fixture payload is read and converted (rows or a deliberate skip),
//! and hand-checked golden files pin whole rows for the cases that matter.
//!
//! Golden files live in `tests/fixtures/expected/<case>.json` and hold the whole conversion
//! result (`pr_events`, `deployment_events`, `push`, `notices`) or `{"skipped": reason}`.
//! `DEVMETRICS_BLESS=1` rewrites them; a rewritten file must be checked by hand, field by field,
//! against its payload before it is committed.

use devmetrics::environment::Environment;
use devmetrics::rows::deployment_events::DeploymentEvent;
use devmetrics::rows::from_event::{
    convert, lookups, CommitPulls, Conversion, DeploymentHistory, EventInputs, EventOptions,
    PastDeployment, PrEnrichment, PushInfo,
};
use devmetrics::rows::pr_events::PrEvent;
use devmetrics::rows::RecordContext;
use devmetrics::sources::event::{read_event, Event, ReadOutcome};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn ctx() -> RecordContext {
    RecordContext {
        repository: "Codertocat/Hello-World".into(),
        environment: Environment::Production,
        recorded_at: "2026-11-25T12:00:00Z".parse().unwrap(),
    }
}

fn options() -> EventOptions {
    EventOptions {
        production_branches: vec!["main".into(), "master".into()],
        staging_branches: vec!["develop".into(), "staging".into(), "release/*".into()],
        // The fixtures' completed runs are of `.github/workflows/test.yml`: configured here as a
        // deploy workflow so that the conversion is exercised on a real payload.
        deploy_workflows: vec!["deploy*.yml".into(), "test.yml".into()],
        production_environments: vec!["production".into()],
    }
}

fn event(name: &str, file: &str) -> Event {
    let path = fixtures().join("events").join(name).join(file);
    match read_event(name, &path) {
        Ok(ReadOutcome::Event(e)) => *e,
        other => panic!("{}: expected an event, got {other:?}", path.display()),
    }
}

fn as_json(c: &Conversion) -> Value {
    match c {
        Conversion::Rows(rows) => serde_json::to_value(rows).unwrap(),
        Conversion::Skipped { reason } => json!({ "skipped": reason }),
    }
}

/// Compares with the golden file, and checks that the rows read back from it are the rows.
fn golden(case: &str, c: &Conversion) {
    let path = fixtures().join("expected").join(format!("{case}.json"));
    let actual = as_json(c);
    if std::env::var_os("DEVMETRICS_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let text = serde_json::to_string_pretty(&actual).unwrap() + "\n";
        std::fs::write(&path, text).unwrap();
    }
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (DEVMETRICS_BLESS=1 writes it)", path.display()));
    let expected: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        actual,
        expected,
        "{case}: rows differ from {}\nactual:\n{}",
        path.display(),
        serde_json::to_string_pretty(&actual).unwrap()
    );
    if let Conversion::Rows(rows) = c {
        let pr: Vec<PrEvent> = serde_json::from_value(expected["pr_events"].clone()).unwrap();
        let dep: Vec<DeploymentEvent> =
            serde_json::from_value(expected["deployment_events"].clone()).unwrap();
        let push: Option<Box<PushInfo>> = serde_json::from_value(expected["push"].clone()).unwrap();
        assert_eq!(pr, rows.pr_events, "{case}: pr_events round trip");
        assert_eq!(
            dep, rows.deployment_events,
            "{case}: deployment_events round trip"
        );
        assert_eq!(push, rows.push, "{case}: push round trip");
    }
}

fn run(name: &str, file: &str, inputs: &EventInputs) -> Conversion {
    convert(&event(name, file), &ctx(), &options(), inputs)
}

#[test]
fn every_fixture_payload_is_rows_or_a_deliberate_skip() {
    let root = fixtures().join("events");
    let mut seen = 0;
    let mut with_rows = 0;
    let mut dirs: Vec<_> = std::fs::read_dir(&root).unwrap().flatten().collect();
    dirs.sort_by_key(|d| d.file_name());
    for dir in dirs.into_iter().filter(|d| d.path().is_dir()) {
        let name = dir.file_name().to_string_lossy().into_owned();
        let mut files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().collect();
        files.sort_by_key(|f| f.file_name());
        for file in files {
            let path = file.path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            seen += 1;
            let outcome =
                read_event(&name, &path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let conversion = match outcome {
                ReadOutcome::Skipped { reason, .. } => {
                    assert!(reason.contains("ignored"), "{}: {reason}", path.display());
                    continue;
                }
                ReadOutcome::Event(event) => {
                    assert_eq!(event.name(), name, "{}", path.display());
                    let _ = lookups(&event, &options());
                    convert(&event, &ctx(), &options(), &EventInputs::default())
                }
            };
            match conversion {
                Conversion::Skipped { reason } => {
                    assert!(reason.contains("ignored"), "{}: {reason}", path.display());
                }
                Conversion::Rows(rows) => {
                    let n = rows.pr_events.len()
                        + rows.deployment_events.len()
                        + usize::from(rows.push.is_some());
                    assert!(n > 0, "{}: rows without a row", path.display());
                    for row in &rows.pr_events {
                        assert_eq!(row.repository, "Codertocat/Hello-World");
                        assert!(!row.event_key.is_empty());
                        assert!(row.cycle_time_seconds.is_none_or(|s| s >= 0));
                    }
                    for row in &rows.deployment_events {
                        assert!(row.duration_seconds.is_none_or(|s| s >= 0));
                    }
                    with_rows += 1;
                    eprintln!("{}: rows", path.display());
                }
            }
        }
    }
    assert!(
        seen >= 117,
        "only {seen} payloads found under {}",
        root.display()
    );
    assert!(with_rows >= 25, "only {with_rows} payloads gave rows");
}

#[test]
fn pr_opened() {
    golden(
        "pull_request-opened",
        &run("pull_request", "00-opened.json", &EventInputs::default()),
    );
}

#[test]
fn pr_merged_with_stages() {
    let inputs = EventInputs {
        pr_enrichment: PrEnrichment {
            first_commit_at: Some("2019-05-15T14:02:11Z".parse().unwrap()),
            ready_for_review_at: None,
            first_review_at: Some("2019-05-15T15:20:38Z".parse().unwrap()),
            approved_at: Some("2019-05-16T09:12:40Z".parse().unwrap()),
        },
        ..EventInputs::default()
    };
    golden(
        "pull_request-merged",
        &run("pull_request", "90-closed-merged.json", &inputs),
    );
}

#[test]
fn pr_merged_without_token_leaves_stages_unknown() {
    let c = run(
        "pull_request",
        "90-closed-merged.json",
        &EventInputs::default(),
    );
    let Conversion::Rows(rows) = c else {
        panic!("{c:?}")
    };
    let m = &rows.pr_events[0].metadata;
    for stage in [
        "first_commit_at",
        "ready_for_review_at",
        "first_review_at",
        "approved_at",
    ] {
        assert_eq!(m[stage], Value::Null, "{stage}");
    }
    assert_eq!(rows.pr_events[0].cycle_time_seconds, Some(69_870));
}

#[test]
fn pr_merged_by_a_bot_is_marked() {
    let c = run(
        "pull_request",
        "91-closed-merged-bot.json",
        &EventInputs::default(),
    );
    let Conversion::Rows(rows) = c else {
        panic!("{c:?}")
    };
    assert!(rows.pr_events[0].is_bot);
    assert_eq!(rows.pr_events[0].author.as_deref(), Some("dependabot[bot]"));
}

#[test]
fn pr_closed_unmerged() {
    golden(
        "pull_request-closed",
        &run("pull_request", "03-closed.json", &EventInputs::default()),
    );
}

#[test]
fn pr_labeled_is_a_skip() {
    golden(
        "pull_request-labeled",
        &run("pull_request", "08-labeled.json", &EventInputs::default()),
    );
}

#[test]
fn review_approved() {
    golden(
        "pull_request_review-approved",
        &run(
            "pull_request_review",
            "90-submitted-approved.json",
            &EventInputs::default(),
        ),
    );
}

#[test]
fn deployment_status_success() {
    golden(
        "deployment_status-success",
        &run(
            "deployment_status",
            "00-created.json",
            &EventInputs::default(),
        ),
    );
}

#[test]
fn deployment_status_failure() {
    golden(
        "deployment_status-failure",
        &run(
            "deployment_status",
            "90-created-failure.json",
            &EventInputs::default(),
        ),
    );
}

fn history() -> DeploymentHistory {
    DeploymentHistory {
        successes: vec![
            PastDeployment {
                deployment_id: "deployment:145989500".into(),
                sha: "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c".into(),
                finished_at: Some("2019-05-16T11:30:00Z".parse().unwrap()),
            },
            PastDeployment {
                deployment_id: "deployment:145988746".into(),
                sha: "f95f852bd8fca8fcc58a9a2d6c842781e32a215e".into(),
                finished_at: Some("2019-05-15T15:20:55Z".parse().unwrap()),
            },
        ],
    }
}

#[test]
fn deployment_rollback() {
    let inputs = EventInputs {
        deployment_history: history(),
        ..EventInputs::default()
    };
    golden(
        "deployment_status-rollback",
        &run(
            "deployment_status",
            "91-created-rollback-success.json",
            &inputs,
        ),
    );
}

#[test]
fn deployment_redeploy_of_the_last_success() {
    let mut h = history();
    h.successes.remove(0);
    h.successes[0].deployment_id = "deployment:1".into();
    let inputs = EventInputs {
        deployment_history: h,
        ..EventInputs::default()
    };
    let c = run(
        "deployment_status",
        "91-created-rollback-success.json",
        &inputs,
    );
    let Conversion::Rows(rows) = c else {
        panic!("{c:?}")
    };
    assert_eq!(
        serde_json::to_value(rows.deployment_events[0].kind).unwrap(),
        json!("redeploy")
    );
}

#[test]
fn deployment_inactive_is_a_skip() {
    let path = fixtures().join("events/deployment_status/00-created.json");
    let text = std::fs::read_to_string(path)
        .unwrap()
        .replace("\"state\": \"success\"", "\"state\": \"inactive\"");
    let ReadOutcome::Event(e) = devmetrics::sources::event::parse_event(
        "deployment_status",
        &text,
        Path::new("inactive.json"),
    )
    .unwrap() else {
        panic!()
    };
    let c = convert(&e, &ctx(), &options(), &EventInputs::default());
    let Conversion::Skipped { reason } = c else {
        panic!("{c:?}")
    };
    assert!(reason.contains("inactive"), "{reason}");
}

#[test]
fn deployment_created() {
    golden(
        "deployment-created",
        &run("deployment", "00-created.json", &EventInputs::default()),
    );
}

#[test]
fn workflow_run_completed() {
    golden(
        "workflow_run-completed",
        &run("workflow_run", "01-completed.json", &EventInputs::default()),
    );
}

#[test]
fn workflow_run_not_a_deploy_workflow_is_a_skip() {
    let opts = EventOptions {
        deploy_workflows: vec!["deploy.yml".into()],
        ..options()
    };
    let c = convert(
        &event("workflow_run", "01-completed.json"),
        &ctx(),
        &opts,
        &EventInputs::default(),
    );
    assert!(matches!(c, Conversion::Skipped { .. }), "{c:?}");
}

#[test]
fn release_published() {
    golden(
        "release-published",
        &run("release", "00-published.json", &EventInputs::default()),
    );
}

#[test]
fn push_direct_to_production() {
    golden(
        "push-direct",
        &run("push", "04-event.json", &EventInputs::default()),
    );
}

#[test]
fn push_of_a_merged_pr() {
    golden(
        "push-merged-pr",
        &run("push", "90-event-merged-pr.json", &EventInputs::default()),
    );
}

#[test]
fn push_api_answer_wins_over_the_message() {
    let inputs = EventInputs {
        push_pulls: CommitPulls::NoMergedPr,
        ..EventInputs::default()
    };
    let c = run("push", "90-event-merged-pr.json", &inputs);
    let Conversion::Rows(rows) = c else {
        panic!("{c:?}")
    };
    let push = rows.push.unwrap();
    assert!(push.direct_push);
    assert_eq!(push.merged_pr, None);
}

#[test]
fn merge_group_is_a_skip_naming_the_pr() {
    golden(
        "merge_group-checks_requested",
        &run(
            "merge_group",
            "00-checks_requested.json",
            &EventInputs::default(),
        ),
    );
}

#[test]
fn lookups_name_what_to_gather() {
    let merged = lookups(&event("pull_request", "90-closed-merged.json"), &options());
    assert_eq!(merged.merged_pr, Some(2));
    let opened = lookups(&event("pull_request", "00-opened.json"), &options());
    assert_eq!(opened.merged_pr, None);
    let status = lookups(&event("deployment_status", "00-created.json"), &options());
    assert_eq!(status.deployment_history_of.as_deref(), Some("production"));
    let push = lookups(&event("push", "04-event.json"), &options());
    assert_eq!(
        push.pulls_of_commit.as_deref(),
        Some("6113728f27ae82c7b1a177c8d03f9e96e0adf246")
    );
    let tag = lookups(&event("push", "00-event.json"), &options());
    assert_eq!(tag.pulls_of_commit, None);
}
