//! Event payloads → rows: every fixture payload is read and converted (rows or a deliberate skip),
//! and hand-checked golden files pin whole rows for the cases that matter.
//!
//! Golden files live in `tests/fixtures/expected/<case>.json` and hold the whole conversion
//! result (`pr_events`, `deployment_events`, `push`, `notices`) or `{"skipped": reason}`.
//! `DEVMETRICS_BLESS=1` rewrites them; a rewritten file must be checked by hand, field by field,
//! against its payload before it is committed.

use devmetrics::convert::{
    convert, CommitPulls, Conversion, DeploymentHistory, EventInputs, EventOptions, LookupPlan,
    PastDeployment, Push, RawEventOptions,
};
use devmetrics::environment::Environment;
use devmetrics::github_api::PullRequestStages;
use devmetrics::rows::deployment_events::DeploymentEvent;
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

fn raw_options() -> RawEventOptions {
    RawEventOptions {
        production_branches: vec!["main".into(), "master".into()],
        staging_branches: vec!["develop".into(), "staging".into(), "release/*".into()],
        // The fixtures' completed runs are of `.github/workflows/test.yml`: configured here as a
        // deploy workflow so that the conversion is exercised on a real payload.
        deploy_workflows: vec!["deploy*.yml".into(), "test.yml".into()],
        production_environments: vec!["production".into()],
    }
}

fn options() -> EventOptions {
    EventOptions::new(raw_options()).unwrap()
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
        let push: Option<Box<Push>> = serde_json::from_value(expected["push"].clone()).unwrap();
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
                    let _ = LookupPlan::for_event(&event, &options());
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
        pr_stages: PullRequestStages {
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
        &run(
            "workflow_run",
            "90-completed-push.json",
            &EventInputs::default(),
        ),
    );
}

#[test]
fn workflow_run_not_a_deploy_workflow_is_a_skip() {
    let opts = EventOptions::new(RawEventOptions {
        deploy_workflows: vec!["deploy.yml".into()],
        ..raw_options()
    })
    .unwrap();
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
    let merged = LookupPlan::for_event(&event("pull_request", "90-closed-merged.json"), &options());
    assert_eq!(merged.merged_pr, Some(2));
    let opened = LookupPlan::for_event(&event("pull_request", "00-opened.json"), &options());
    assert_eq!(opened.merged_pr, None);
    let status = LookupPlan::for_event(&event("deployment_status", "00-created.json"), &options());
    assert_eq!(status.deployment_history_of.as_deref(), Some("production"));
    let push = LookupPlan::for_event(&event("push", "04-event.json"), &options());
    assert_eq!(
        push.pulls_of_commit.as_deref(),
        Some("6113728f27ae82c7b1a177c8d03f9e96e0adf246")
    );
    let tag = LookupPlan::for_event(&event("push", "00-event.json"), &options());
    assert_eq!(tag.pulls_of_commit, None);
}

/// `github_api` against a tiny local fake of the GitHub REST API (loopback only).
mod github_api {
    use devmetrics::github_api::GitHubApi;
    use std::sync::{Arc, Mutex};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// What the fake saw: request line and `authorization` header of each request.
    type Seen = Arc<Mutex<Vec<(String, Option<String>)>>>;

    /// GitHub's documented example of `GET /repos/{owner}/{repo}/pulls/{n}/commits` (one
    /// commit; the list is oldest first), with its author date changed.
    const PR_COMMITS: &str = r#"[
  {
    "url": "https://api.github.com/repos/octocat/Hello-World/commits/6dcb09b5b57875f334f61aebed695e2e4193db5e",
    "sha": "6dcb09b5b57875f334f61aebed695e2e4193db5e",
    "node_id": "MDY6Q29tbWl0NmRjYjA5YjViNTc4NzVmMzM0ZjYxYWViZWQ2OTVlMmU0MTkzZGI1ZQ==",
    "html_url": "https://github.com/octocat/Hello-World/commit/6dcb09b5b57875f334f61aebed695e2e4193db5e",
    "comments_url": "https://api.github.com/repos/octocat/Hello-World/commits/6dcb09b5b57875f334f61aebed695e2e4193db5e/comments",
    "commit": {
      "url": "https://api.github.com/repos/octocat/Hello-World/git/commits/6dcb09b5b57875f334f61aebed695e2e4193db5e",
      "author": {"name": "Monalisa Octocat", "email": "support@github.com", "date": "2019-05-15T14:02:11Z"},
      "committer": {"name": "Monalisa Octocat", "email": "support@github.com", "date": "2019-05-15T14:30:00Z"},
      "message": "Fix all the bugs",
      "tree": {"url": "https://api.github.com/repos/octocat/Hello-World/tree/6dcb09b5b57875f334f61aebed695e2e4193db5e", "sha": "6dcb09b5b57875f334f61aebed695e2e4193db5e"},
      "comment_count": 0,
      "verification": {"verified": false, "reason": "unsigned", "signature": null, "payload": null, "verified_at": null}
    },
    "author": {"login": "octocat", "id": 1, "type": "User", "site_admin": false},
    "committer": {"login": "octocat", "id": 1, "type": "User", "site_admin": false},
    "parents": [{"url": "https://api.github.com/repos/octocat/Hello-World/commits/6dcb09b5b57875f334f61aebed695e2e4193db5e", "sha": "6dcb09b5b57875f334f61aebed695e2e4193db5e"}]
  }
]"#;

    /// `GET /repos/{owner}/{repo}/pulls/{n}/reviews`: the author's own comment, a bot, a
    /// pending review, then a real review and an approval.
    const REVIEWS: &str = r#"[
  {"id": 1, "user": {"login": "Codertocat", "type": "User"}, "state": "COMMENTED", "submitted_at": "2019-05-15T15:00:00Z", "commit_id": "a"},
  {"id": 2, "user": {"login": "coderabbitai[bot]", "type": "Bot"}, "state": "COMMENTED", "submitted_at": "2019-05-15T15:05:00Z", "commit_id": "a"},
  {"id": 3, "user": {"login": "hubot", "type": "User"}, "state": "PENDING", "commit_id": "a"},
  {"id": 4, "user": {"login": "octocat", "type": "User"}, "state": "CHANGES_REQUESTED", "submitted_at": "2019-05-15T15:20:38Z", "commit_id": "a"},
  {"id": 5, "user": {"login": "octocat", "type": "User"}, "state": "APPROVED", "submitted_at": "2019-05-16T09:12:40Z", "commit_id": "b"}
]"#;

    const TIMELINE: &str = r#"[
  {"event": "convert_to_draft", "created_at": "2019-05-15T15:00:00Z"},
  {"event": "ready_for_review", "created_at": "2019-05-15T15:10:00Z"},
  {"event": "committed", "sha": "b"}
]"#;

    const COMMIT_PULLS: &str = r#"[
  {"number": 7, "merged_at": null, "base": {"ref": "master"}},
  {"number": 2, "merged_at": "2019-05-16T10:45:03Z", "base": {"ref": "master"}},
  {"number": 9, "merged_at": "2019-05-14T10:00:00Z", "base": {"ref": "develop"}}
]"#;

    /// Serves canned answers by path on 127.0.0.1 until the test ends.
    async fn fake_github() -> (String, Seen) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let seen: Seen = Arc::default();
        let log = seen.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let log = log.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let head = String::from_utf8_lossy(&buf).into_owned();
                    let line = head.lines().next().unwrap_or("").to_owned();
                    let auth = head.lines().find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("authorization")
                            .then(|| v.trim().to_owned())
                    });
                    log.lock().unwrap().push((line.clone(), auth));
                    let path = line.split(' ').nth(1).unwrap_or("");
                    let route = path.split('?').next().unwrap_or("");
                    let (status, body) = match route {
                        "/api/v3/repos/Codertocat/Hello-World/pulls/2/commits" => {
                            ("200 OK", PR_COMMITS)
                        }
                        "/api/v3/repos/Codertocat/Hello-World/pulls/2/reviews" => {
                            ("200 OK", REVIEWS)
                        }
                        "/api/v3/repos/Codertocat/Hello-World/issues/2/timeline" => {
                            ("200 OK", TIMELINE)
                        }
                        "/api/v3/repos/Codertocat/Hello-World/commits/c4295bd/pulls" => {
                            ("200 OK", COMMIT_PULLS)
                        }
                        "/api/v3/repos/Codertocat/Hello-World/pulls/3/commits" => ("200 OK", "[]"),
                        _ => (
                            "404 Not Found",
                            r#"{"message":"Not Found","documentation_url":"https://docs.github.com/rest"}"#,
                        ),
                    };
                    let response = format!(
                        "HTTP/1.1 {status}\r\ncontent-type: application/json; charset=utf-8\r\n\
                         content-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = socket.write_all(response.as_bytes()).await;
                    let _ = socket.shutdown().await;
                });
            }
        });
        (base, seen)
    }

    #[tokio::test]
    async fn first_commit_of_a_pr_from_the_first_page() {
        let (base, seen) = fake_github().await;
        // A GitHub Enterprise Server-style base URL: the path prefix is kept.
        let api = GitHubApi::new(&format!("{base}/api/v3/"), "ghs_token123").unwrap();
        let at = api
            .first_commit_at("Codertocat", "Hello-World", 2)
            .await
            .unwrap();
        assert_eq!(at, Some("2019-05-15T14:02:11Z".parse().unwrap()));
        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 1, "{seen:?}");
        let (line, auth) = &seen[0];
        assert!(
            line.starts_with("GET /api/v3/repos/Codertocat/Hello-World/pulls/2/commits?"),
            "{line}"
        );
        assert!(line.contains("per_page=1"), "{line}");
        assert_eq!(auth.as_deref(), Some("Bearer ghs_token123"));
    }

    #[tokio::test]
    async fn a_pr_without_commits_has_no_first_commit() {
        let (base, _) = fake_github().await;
        let api = GitHubApi::new(&format!("{base}/api/v3"), "t").unwrap();
        assert_eq!(
            api.first_commit_at("Codertocat", "Hello-World", 3)
                .await
                .unwrap(),
            None
        );
    }

    #[tokio::test]
    async fn stages_of_a_pr() {
        let (base, _) = fake_github().await;
        let api = GitHubApi::new(&format!("{base}/api/v3"), "t").unwrap();
        let (stages, errors) = api
            .pull_request_stages(
                "Codertocat",
                "Hello-World",
                2,
                Some("Codertocat"),
                "2019-05-15T14:50:00Z".parse().unwrap(),
            )
            .await;
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            stages.first_commit_at,
            Some("2019-05-15T14:02:11Z".parse().unwrap())
        );
        assert_eq!(
            stages.ready_for_review_at,
            Some("2019-05-15T15:10:00Z".parse().unwrap())
        );
        // Neither the author's own comment nor the bot's counts.
        assert_eq!(
            stages.first_review_at,
            Some("2019-05-15T15:20:38Z".parse().unwrap())
        );
        assert_eq!(
            stages.approved_at,
            Some("2019-05-16T09:12:40Z".parse().unwrap())
        );
    }

    #[tokio::test]
    async fn merged_pr_of_a_pushed_commit() {
        let (base, _) = fake_github().await;
        let api = GitHubApi::new(&format!("{base}/api/v3"), "t").unwrap();
        let pr = api
            .merged_pr_of_commit("Codertocat", "Hello-World", "c4295bd", "master")
            .await
            .unwrap();
        assert_eq!(pr, Some(2));
    }

    #[tokio::test]
    async fn not_found_is_an_error_naming_the_route_without_the_token() {
        let (base, _) = fake_github().await;
        let api = GitHubApi::new(&format!("{base}/api/v3"), "ghs_secret").unwrap();
        let err = api
            .first_commit_at("Codertocat", "Nope", 2)
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("/repos/Codertocat/Nope/pulls/2/commits"),
            "{err}"
        );
        assert!(err.contains("404"), "{err}");
        assert!(!err.contains("ghs_secret"), "{err}");
    }
}

#[test]
fn truncated_payloads_are_errors_naming_the_file_never_panics() {
    let root = fixtures().join("events");
    let mut checked = 0;
    for name in [
        "pull_request",
        "pull_request_review",
        "push",
        "deployment",
        "deployment_status",
        "workflow_run",
        "release",
        "merge_group",
    ] {
        for file in std::fs::read_dir(root.join(name)).unwrap().flatten() {
            let text = std::fs::read_to_string(file.path()).unwrap();
            for cut in [1, text.len() / 3, text.len() / 2, text.len() - 2] {
                let cut = (0..=cut).rev().find(|&i| text.is_char_boundary(i)).unwrap();
                let origin = file.path();
                let err = devmetrics::sources::event::parse_event(name, &text[..cut], &origin)
                    .expect_err("a truncated payload is an error");
                let message = err.to_string();
                assert!(message.contains(&*origin.to_string_lossy()), "{message}");
                assert!(message.contains("line "), "{message}");
                checked += 1;
            }
        }
    }
    assert!(checked > 200, "{checked}");
}

mod properties {
    use super::*;
    use chrono::{DateTime, Duration, Utc};
    use proptest::prelude::*;

    fn merged_payload(created: DateTime<Utc>, merged: DateTime<Utc>, login: &str) -> Event {
        let json = json!({
            "action": "closed",
            "pull_request": {
                "number": 7,
                "title": "t",
                "user": {"login": login, "type": "User"},
                "created_at": created,
                "updated_at": merged,
                "closed_at": merged,
                "merged_at": merged,
                "merged": true,
                "merge_commit_sha": "m",
                "head": {"ref": "feature", "sha": "h"},
                "base": {"ref": "main", "sha": "b"}
            }
        });
        match devmetrics::sources::event::parse_event(
            "pull_request",
            &json.to_string(),
            Path::new("generated.json"),
        )
        .unwrap()
        {
            ReadOutcome::Event(e) => *e,
            other => panic!("{other:?}"),
        }
    }

    proptest! {
        /// Whatever the times, a merge gives one `merged` row whose cycle time is merged −
        /// created and whose key is built from the merge time alone.
        #[test]
        fn merged_rows(start in 0i64..2_000_000_000, cycle in 0i64..50_000_000, bot in any::<bool>()) {
            let created = DateTime::<Utc>::from_timestamp(start, 0).unwrap();
            let merged = created + Duration::seconds(cycle);
            let login = if bot { "renovate[bot]" } else { "octocat" };
            let c = convert(&merged_payload(created, merged, login), &ctx(), &options(), &EventInputs::default());
            let Conversion::Rows(rows) = c else { panic!("{c:?}") };
            prop_assert_eq!(rows.pr_events.len(), 1);
            let row = &rows.pr_events[0];
            prop_assert_eq!(row.cycle_time_seconds, Some(cycle));
            prop_assert_eq!(&row.event_key, &format!("merged@{}", devmetrics::rows::key_timestamp(merged)));
            prop_assert_eq!(row.is_bot, bot);
            prop_assert_eq!(row.recorded_at, ctx().recorded_at);
        }
    }
}
