//! Fidelity to what GitHub sends and to what is true: payloads of more than one GitHub version
//! give the same rows, a fork's "Deploy" workflow is never a deployment, a row a failed lookup
//! left incomplete is completed by a later run (never frozen), and a PR closed, reopened and then
//! merged gets verdicts for its merge.

use crate::common::*;
use devmetrics::convert::{convert, Conversion, EventInputs, EventOptions, RawEventOptions};
use devmetrics::environment::Environment;
use devmetrics::rows::RecordContext;
use devmetrics::sources::event::{read_event, Event, ReadOutcome};
use serde_json::Value;
use std::path::Path;

fn event(name: &str, file: &str) -> Event {
    let path = fixture(&format!("events/{name}/{file}"));
    match read_event(name, &path) {
        Ok(ReadOutcome::Event(e)) => *e,
        other => panic!("{}: expected an event, got {other:?}", path.display()),
    }
}

fn rows_of(name: &str, file: &str) -> Value {
    let ctx = RecordContext {
        repository: "Codertocat/Hello-World".into(),
        environment: Environment::Production,
        recorded_at: "2026-11-25T12:00:00Z".parse().unwrap(),
    };
    let options = EventOptions::new(RawEventOptions {
        production_branches: vec!["main".into(), "master".into()],
        production_environments: vec!["production".into()],
        ..RawEventOptions::default()
    })
    .unwrap();
    match convert(&event(name, file), &ctx, &options, &EventInputs::default()) {
        Conversion::Rows(rows) => serde_json::to_value(rows).unwrap(),
        Conversion::Skipped { reason } => panic!("{name}/{file}: skipped: {reason}"),
    }
}

#[test]
fn deployment_payloads_of_github_enterprise_server_and_of_today_record_the_same_rows_as_github_com()
{
    for (name, versions) in [
        (
            "deployment",
            [
                "90-ghes-3.4-no-action.json",
                "91-null-optional-objects.json",
            ],
        ),
        (
            "deployment_status",
            [
                "92-ghes-3.4-no-action.json",
                "93-null-optional-objects.json",
            ],
        ),
    ] {
        let github_com = rows_of(name, "00-created.json");
        assert_eq!(github_com["deployment_events"].as_array().unwrap().len(), 1);
        for file in versions {
            assert_eq!(rows_of(name, file), github_com, "{name}/{file}");
        }
    }
    // The GHES payloads really have no action, and say so when shown.
    let ghes = event("deployment_status", "92-ghes-3.4-no-action.json");
    assert_eq!(ghes.action(), None);
}

/// Runs `record` outside Actions (local JSONL files) on `payload`, with `inputs`.
fn record_locally(
    dir: &Path,
    name: &str,
    payload: &Path,
    inputs: &[(&str, String)],
) -> std::process::Output {
    let payload = payload.display().to_string();
    let args = [
        "record",
        "--event-name",
        name,
        "--event-path",
        payload.as_str(),
        "--repository",
        "octo-org/octo-repo",
    ];
    devmetrics(dir, &args, inputs)
}

fn jsonl_rows(dir: &Path, table: &str) -> Vec<Value> {
    match std::fs::read_to_string(dir.join(format!("development-metrics/{table}.jsonl"))) {
        Ok(text) => text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn a_ghes_deployment_status_without_action_is_recorded_not_refused() {
    let dir = workdir();
    let out = record_locally(
        dir.path(),
        "deployment_status",
        &fixture("events/deployment_status/92-ghes-3.4-no-action.json"),
        &[],
    );
    let log = text(&out);
    assert!(out.status.success(), "{log}");
    assert!(!log.contains("missing field"), "{log}");
    let rows = jsonl_rows(dir.path(), "deployment_events");
    assert_eq!(rows.len(), 1, "{log}");
    assert_eq!(rows[0]["deployment_id"], "deployment:145988746");
    assert_eq!(rows[0]["status"], "success");
}

#[test]
fn a_forks_workflow_named_deploy_on_its_own_main_gives_no_deployment() {
    let deploy = [("INPUT_DEPLOY-WORKFLOWS", "Deploy".to_owned())];
    let fork = fixture("events/workflow_run/91-completed-fork-deploy.json");

    let dir = workdir();
    let out = record_locally(dir.path(), "workflow_run", &fork, &deploy);
    let log = text(&out);
    assert!(out.status.success(), "{log}");
    assert_eq!(
        jsonl_rows(dir.path(), "deployment_events").len(),
        0,
        "{log}"
    );
    assert!(
        log.contains(
            "it ran the code of `forker/octo-repo`, not of this repository `octo-org/octo-repo`"
        ),
        "{log}"
    );

    // The same run from this repository, triggered by a push, is a production deployment: what
    // made the difference above is the fork.
    let mut own: Value = serde_json::from_str(&std::fs::read_to_string(&fork).unwrap()).unwrap();
    own["workflow_run"]["head_repository"] = own["repository"].clone();
    own["workflow_run"]["event"] = "push".into();
    let own_path = dir.path().join("own-push.json");
    std::fs::write(&own_path, own.to_string()).unwrap();
    let dir = workdir();
    let out = record_locally(dir.path(), "workflow_run", &own_path, &deploy);
    let rows = jsonl_rows(dir.path(), "deployment_events");
    assert_eq!(rows.len(), 1, "{}", text(&out));
    assert_eq!(rows[0]["is_production"], true);
    assert_eq!(rows[0]["target_environment"], "production");
}

#[test]
fn a_pull_request_run_of_this_repositorys_deploy_workflow_gives_no_deployment() {
    let dir = workdir();
    let out = record_locally(
        dir.path(),
        "workflow_run",
        &fixture("events/workflow_run/92-completed-pull-request-deploy.json"),
        &[("INPUT_DEPLOY-WORKFLOWS", "Deploy".to_owned())],
    );
    let log = text(&out);
    assert!(out.status.success(), "{log}");
    assert_eq!(
        jsonl_rows(dir.path(), "deployment_events").len(),
        0,
        "{log}"
    );
    assert!(
        log.contains("it was triggered by `pull_request`; only runs triggered by push, release, schedule, workflow_dispatch are deployments"),
        "{log}"
    );
}

// ----- on the real stack ------------------------------------------------------------------------

/// The environment the runner gives the step, on `git_ref`, writing to `supabase_url`.
fn step_env(
    dir: &Path,
    repo: &str,
    event: &str,
    payload: &Path,
    git_ref: &str,
    supabase_url: &str,
    stack: &Stack,
) -> Vec<(&'static str, String)> {
    let mut env = vec![
        ("GITHUB_ACTIONS", "true".to_owned()),
        ("GITHUB_EVENT_NAME", event.to_owned()),
        ("GITHUB_EVENT_PATH", payload.display().to_string()),
        ("GITHUB_REPOSITORY", repo.to_owned()),
        ("GITHUB_RUN_ID", "4242".to_owned()),
        ("GITHUB_RUN_ATTEMPT", "1".to_owned()),
        ("GITHUB_JOB", "metrics".to_owned()),
        ("GITHUB_WORKSPACE", dir.display().to_string()),
        ("INPUT_COMMAND", "record".to_owned()),
        ("INPUT_PRODUCTION-BRANCHES", "main,master".to_owned()),
        ("INPUT_SUPABASE-URL", supabase_url.to_owned()),
        ("INPUT_SUPABASE-SERVICE-ROLE-KEY", stack.secret_key.clone()),
    ];
    match git_ref.strip_prefix("refs/pull/") {
        Some(_) => env.extend([
            ("GITHUB_REF", git_ref.to_owned()),
            ("GITHUB_REF_NAME", "2/merge".to_owned()),
            ("GITHUB_BASE_REF", "main".to_owned()),
            ("GITHUB_HEAD_REF", "changes".to_owned()),
        ]),
        None => env.extend([
            ("GITHUB_REF", git_ref.to_owned()),
            (
                "GITHUB_REF_NAME",
                git_ref.trim_start_matches("refs/heads/").to_owned(),
            ),
        ]),
    }
    env
}

/// `pull_request` on PR 2, with a token and the GitHub API at `api_url`.
fn pr_env(
    dir: &Path,
    repo: &str,
    payload: &str,
    api_url: &str,
    stack: &Stack,
) -> Vec<(&'static str, String)> {
    let mut env = step_env(
        dir,
        repo,
        "pull_request",
        &fixture(payload),
        "refs/pull/2/merge",
        &stack.supabase_url,
        stack,
    );
    env.push(("INPUT_GITHUB-TOKEN", "ghs_faketoken0123456789".into()));
    env.push(("GITHUB_API_URL", api_url.to_owned()));
    env
}

fn run_ok(dir: &Path, env: &[(&'static str, String)]) -> String {
    let out = devmetrics(dir, &[], env);
    let log = text(&out);
    assert!(out.status.success(), "{log}");
    log
}

const STAGES: &str = "coalesce(metadata->>'first_commit_at', '-') || ' ' || \
    coalesce(metadata->>'ready_for_review_at', '-') || ' ' || \
    coalesce(metadata->>'first_review_at', '-') || ' ' || \
    coalesce(metadata->>'approved_at', '-') || ' ' || coalesce(metadata->>'incomplete', 'complete')";

#[test]
fn a_merged_pr_recorded_while_the_github_api_fails_is_completed_by_a_later_run_never_frozen() {
    let stack = Stack::get();
    let repo = unique_repository("incomplete-pr");
    let dir = workdir();
    let merged = "events/pull_request/90-closed-merged.json";

    // 1. The GitHub API fails the pull request's lookups (502) but tells that the base branch has
    //    no rules file: the merged row is recorded, marked incomplete, and the approval verdict,
    //    which rests on the reviews, is shown but not recorded.
    let down = FakeGitHub::serve(|path| {
        if path.contains("/contents/") {
            ("404 Not Found", r#"{"message":"Not Found"}"#.to_owned())
        } else {
            (
                "502 Bad Gateway",
                r#"{"message":"Server Error"}"#.to_owned(),
            )
        }
    });
    let log = run_ok(
        dir.path(),
        &pr_env(dir.path(), &repo, merged, &down.url, &stack),
    );
    assert_eq!(
        stack.column("pr_events", STAGES, &repo),
        // The commits' route also tells whether it is a `git revert`: that gap is listed too.
        ["- - - - [\"stages\", \"reverts\"]"],
        "{log}"
    );
    assert_eq!(
        stack.count("rule_compliance_events", &repo),
        5,
        "every verdict but the approval's: {log}"
    );
    assert!(
        !stack
            .column("rule_compliance_events", "rule_name", &repo)
            .contains(&"pr-approval".to_owned()),
        "{log}"
    );
    assert!(
        log.contains("rule pr-approval on pull request 2: verdict `not_applicable` shown but not recorded: it rests on a failed lookup"),
        "{log}"
    );
    // The completion trigger finds incomplete rows through metrics_internal.incomplete_rows,
    // never by reading the table: the row is listed there while it is incomplete.
    let listed = |stack: &Stack| {
        stack.psql(
            "postgres",
            &format!(
                "select count(*) from metrics_internal.incomplete_rows \
                 where natural_key ->> 'repository' = '{repo}'"
            ),
        )
    };
    assert_eq!(listed(&stack), "1", "{log}");

    // 2. The API answers: the same event completes the row in place and records the verdict.
    let github = FakeGitHub::start();
    let log = run_ok(
        dir.path(),
        &pr_env(dir.path(), &repo, merged, &github.url, &stack),
    );
    assert_eq!(
        stack.column("pr_events", STAGES, &repo),
        ["2019-05-15T14:02:11Z 2019-05-15T15:10:00Z 2019-05-16T09:12:40Z 2019-05-16T09:12:40Z complete"],
        "{log}"
    );
    assert_eq!(stack.count("pr_events", &repo), 1);
    assert_eq!(stack.count("rule_compliance_events", &repo), 6, "{log}");
    assert_eq!(listed(&stack), "0", "a complete row is no longer listed");
    assert_eq!(
        stack.psql(
            "postgres",
            &format!(
                "select compliance_status from metrics.rule_compliance_events \
                 where repository = '{repo}' and rule_name = 'pr-approval'"
            )
        ),
        "compliant"
    );

    // 3. Recorded a third time: nothing changes, nothing is added.
    let before = stack.column(
        "pr_events",
        "id || ' ' || recorded_at || ' ' || metadata",
        &repo,
    );
    let verdicts = stack.column("rule_compliance_events", "id || ' ' || recorded_at", &repo);
    let log = run_ok(
        dir.path(),
        &pr_env(dir.path(), &repo, merged, &github.url, &stack),
    );
    assert_eq!(
        stack.column(
            "pr_events",
            "id || ' ' || recorded_at || ' ' || metadata",
            &repo
        ),
        before,
        "{log}"
    );
    assert_eq!(
        stack.column("rule_compliance_events", "id || ' ' || recorded_at", &repo),
        verdicts
    );
}

#[test]
fn a_deployment_whose_history_could_not_be_read_gets_its_kind_from_a_later_run() {
    let stack = Stack::get();
    let repo = unique_repository("incomplete-kind");
    let dir = workdir();
    let env = |payload: &str, url: &str| {
        step_env(
            dir.path(),
            &repo,
            "deployment_status",
            &fixture(payload),
            "refs/heads/master",
            url,
            &stack,
        )
    };
    let first = "events/deployment_status/00-created.json";
    // A later deployment of the same sha: a redeploy, once the history is known.
    let again = "events/deployment_status/91-created-rollback-success.json";
    let kind = "kind || ' ' || coalesce(metadata->>'incomplete', 'complete') || ' ' || \
                coalesce(metadata->'previous_success'->>'deployment_id', '-')";
    let row = |id: &str| {
        stack.psql(
            "postgres",
            &format!(
                "select {kind} from metrics.deployment_events \
                 where repository = '{repo}' and deployment_id = '{id}'"
            ),
        )
    };
    run_ok(dir.path(), &env(first, &stack.supabase_url));

    // The history read (the run's first request to the API) fails; the row is still written.
    let proxy = FaultProxy::start(&stack.supabase_url, |n| match n {
        0 => Fault::Answer {
            status: 400,
            retry_after: None,
        },
        _ => Fault::Pass,
    });
    let log = run_ok(dir.path(), &env(again, &proxy.url));
    assert!(
        proxy.request_lines()[0].starts_with("GET "),
        "{:?}",
        proxy.request_lines()
    );
    assert_eq!(row("deployment:145990001"), "deploy [\"kind\"] -", "{log}");

    // Recorded again with the history readable: the same row now knows it redeployed.
    let log = run_ok(dir.path(), &env(again, &stack.supabase_url));
    assert_eq!(
        row("deployment:145990001"),
        "redeploy complete deployment:145988746",
        "{log}"
    );
    assert_eq!(stack.count("deployment_events", &repo), 2);

    // An incomplete row never overwrites a complete one.
    let proxy = FaultProxy::start(&stack.supabase_url, |n| match n {
        0 => Fault::Answer {
            status: 400,
            retry_after: None,
        },
        _ => Fault::Pass,
    });
    let log = run_ok(dir.path(), &env(again, &proxy.url));
    assert_eq!(
        row("deployment:145990001"),
        "redeploy complete deployment:145988746",
        "{log}"
    );
    assert_eq!(stack.count("deployment_events", &repo), 2);
}

#[test]
fn a_pr_closed_reopened_and_then_merged_gets_verdicts_for_its_merge() {
    let stack = Stack::get();
    let github = FakeGitHub::start();
    let repo = unique_repository("reopened");
    let dir = workdir();
    for payload in [
        "events/pull_request/03-closed.json",
        "events/pull_request/18-reopened.json",
        "events/pull_request/90-closed-merged.json",
    ] {
        run_ok(
            dir.path(),
            &pr_env(dir.path(), &repo, payload, &github.url, &stack),
        );
    }
    let approval = stack.column(
        "rule_compliance_events",
        "context_id || ' ' || compliance_status || ' ' || details",
        &repo,
    );
    let approval: Vec<&String> = approval
        .iter()
        .filter(|l| l.contains("approv") || l.contains("closed without merging"))
        .collect();
    assert_eq!(
        approval,
        [
            "2 compliant merged with approval from `octocat`",
            "2:closed@2019-05-15T15:21:18Z not_applicable closed without merging",
        ],
        "the closing's verdicts keep their own key; the merge's are recorded"
    );
    // Six rules judged each settled context: the closing and the merge.
    assert_eq!(stack.count("rule_compliance_events", &repo), 12);
}
