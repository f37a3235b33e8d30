//! Real-stack tests: PostgreSQL with Supabase's roles, postrust, the nginx gateway at
//! /rest/v1, migrations/ applied. Row counts are read from the database itself with psql.

use crate::common::*;
use devmetrics::environment::Environment;
use devmetrics::rows::pr_events::{PrEvent, PrEventType};
use devmetrics::rows::{Batch, Table};
use devmetrics::secret::Secret;
use devmetrics::sinks::{deliver, PostgrestSink, RetryPolicy, Spool};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const MERGED_PR: &str = "events/pull_request/90-closed-merged.json";

/// The environment the runner gives a container action's step, for a pull_request event
/// against `main` with the given secrets.
fn runner_env(
    dir: &std::path::Path,
    repo: &str,
    event: &str,
    payload: &str,
    secrets: &[(&'static str, String)],
) -> Vec<(&'static str, String)> {
    let mut env = step_env(dir, repo, event, &fixture(payload), secrets);
    env.extend([
        ("GITHUB_REF", "refs/pull/2/merge".to_owned()),
        ("GITHUB_REF_NAME", "2/merge".to_owned()),
        ("GITHUB_BASE_REF", "main".to_owned()),
        ("GITHUB_HEAD_REF", "changes".to_owned()),
    ]);
    env
}

/// The same for an event on `branch` (a push, a deployment status), with a payload anywhere.
fn runner_env_on_branch(
    dir: &std::path::Path,
    repo: &str,
    event: &str,
    payload: &std::path::Path,
    branch: &str,
    secrets: &[(&'static str, String)],
) -> Vec<(&'static str, String)> {
    let mut env = step_env(dir, repo, event, payload, secrets);
    env.extend([
        ("GITHUB_REF", format!("refs/heads/{branch}")),
        ("GITHUB_REF_NAME", branch.to_owned()),
    ]);
    env
}

/// What every step gets, whatever the event's ref.
fn step_env(
    dir: &std::path::Path,
    repo: &str,
    event: &str,
    payload: &std::path::Path,
    secrets: &[(&'static str, String)],
) -> Vec<(&'static str, String)> {
    let mut env = vec![
        ("GITHUB_ACTIONS", "true".to_owned()),
        ("GITHUB_EVENT_NAME", event.to_owned()),
        ("GITHUB_EVENT_PATH", payload.display().to_string()),
        ("GITHUB_REPOSITORY", repo.to_owned()),
        (
            "GITHUB_SHA",
            "ec26c3e57ca3a959ca5aad62de7213c562f8c821".to_owned(),
        ),
        ("GITHUB_RUN_ID", "4242".to_owned()),
        ("GITHUB_RUN_ATTEMPT", "1".to_owned()),
        ("GITHUB_JOB", "metrics".to_owned()),
        ("GITHUB_WORKSPACE", dir.display().to_string()),
        (
            "GITHUB_STEP_SUMMARY",
            dir.join("summary.md").display().to_string(),
        ),
        (
            "GITHUB_OUTPUT",
            dir.join("output.txt").display().to_string(),
        ),
        ("INPUT_COMMAND", "record".to_owned()),
        // In Actions the step always has `${{ github.token }}` (action.yml's default).
        ("INPUT_GITHUB-TOKEN", "ghs_testsFakeToken".to_owned()),
        ("GITHUB_API_URL", FakeGitHub::shared().url.clone()),
        ("INPUT_PRODUCTION-BRANCHES", "main,master".to_owned()),
    ];
    env.extend(secrets.iter().cloned());
    env
}

fn remote(stack: &Stack, key: &str) -> Vec<(&'static str, String)> {
    vec![
        ("INPUT_SUPABASE-URL", stack.supabase_url.clone()),
        ("INPUT_SUPABASE-SERVICE-ROLE-KEY", key.to_owned()),
    ]
}

fn pr_rows(repository: &str, n: u32) -> Batch {
    let at = chrono::DateTime::parse_from_rfc3339("2026-01-05T10:00:00Z")
        .unwrap()
        .to_utc();
    let mut batch = Batch::new();
    batch.extend((1..=n).map(|i| PrEvent {
        repository: repository.to_owned(),
        environment: Environment::Staging,
        pr_number: i,
        pr_title: Some(format!("PR {i} ✓ with \"quotes\" and 🚀")),
        branch_name: Some(format!("feature/{i}")),
        base_branch: Some("main".into()),
        event_type: PrEventType::Opened,
        event_timestamp: at,
        author: Some("octocat".into()),
        actor: Some("octocat".into()),
        is_bot: false,
        review_state: None,
        head_sha: Some(format!("{i:040x}")),
        merge_commit_sha: None,
        additions: Some(10),
        deletions: Some(2),
        changed_files: Some(1),
        cycle_time_seconds: None,
        event_key: "opened@2026-01-05T10:00:00Z".into(),
        recorded_at: at,
        metadata: serde_json::json!({"test": true}),
    }));
    batch
}

fn sink(rest_url: &str, key: &str, attempts: u32, timeout: Duration) -> PostgrestSink {
    let policy = RetryPolicy {
        attempts,
        timeout,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(100),
        ..RetryPolicy::default()
    };
    PostgrestSink::new(rest_url, &Secret::new(key), policy, 100).unwrap()
}

/// Delivers `rows` through a sink at `rest_url`, spooling into `dir/out`.
async fn deliver_to(
    rest_url: &str,
    key: &str,
    attempts: u32,
    timeout: Duration,
    rows: &Batch,
    dir: &std::path::Path,
) -> devmetrics::sinks::Delivery {
    let writer = sink(rest_url, key, attempts, timeout);
    deliver(&writer, rows, &Spool::under(&dir.join("out"))).await
}

fn replay(stack: &Stack, dir: &std::path::Path) -> std::process::Output {
    devmetrics(
        dir,
        &["replay"],
        &[
            ("SUPABASE_URL", stack.supabase_url.clone()),
            ("SUPABASE_SERVICE_ROLE_KEY", stack.secret_key.clone()),
            (
                "DEVMETRICS_OUTPUT_DIR",
                dir.join("out").display().to_string(),
            ),
        ],
    )
}

fn spool_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    Spool::under(&dir.join("out")).files().unwrap()
}

#[test]
fn migrations_apply_to_a_fresh_database_with_rls_and_grants() {
    let stack = Stack::get();
    let db = format!("fresh_{}", std::process::id());
    stack.psql("postgres", &format!("drop database if exists {db}"));
    stack.psql("postgres", &format!("create database {db}"));
    let mut files: Vec<_> = std::fs::read_dir(repo_root().join("migrations"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 9);
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.len() > 15
                && name[..14].chars().all(|c| c.is_ascii_digit())
                && &name[14..15] == "_",
            "{name} is not <14-digit timestamp>_<name>.sql"
        );
        let (ok, err) = stack.psql_file(&db, file);
        assert!(ok, "{name} failed on a fresh database: {err}");
    }
    let tables = stack.psql(&db, "select string_agg(relname || ':' || relrowsecurity, ',' order by relname) from pg_class where relnamespace = 'metrics'::regnamespace and relkind = 'r'");
    assert_eq!(
        tables,
        "deployment_events:true,development_metrics:true,pr_events:true,push_events:true,rule_compliance_events:true,test_case_results:true,test_runs:true"
    );
    for table in Table::ALL {
        let t = format!("metrics.{}", table.name());
        let privileges = stack.psql(
            &db,
            &format!(
                "select has_table_privilege('anon', '{t}', 'select'), has_table_privilege('anon', '{t}', 'insert'), \
                 has_table_privilege('authenticated', '{t}', 'select'), has_table_privilege('authenticated', '{t}', 'insert'), \
                 has_table_privilege('service_role', '{t}', 'insert'), has_table_privilege('service_role', '{t}', 'select')"
            ),
        );
        assert_eq!(
            privileges, "f|f|t|f|t|t",
            "privileges on {t}: anon sel/ins, authenticated sel/ins, service_role ins/sel"
        );
        let key = stack.psql(&db, &format!("select count(*) from pg_constraint where conrelid = '{t}'::regclass and contype = 'u'"));
        assert_eq!(key, "1", "{t} has one UNIQUE natural key");
    }
    stack.psql("postgres", &format!("drop database {db}"));
}

#[test]
fn both_key_kinds_write_and_the_same_event_twice_adds_nothing() {
    let stack = Stack::get();
    for key in [stack.secret_key.clone(), stack.service_role_key.clone()] {
        let repo = unique_repository("keys");
        let dir = workdir();
        let env = runner_env(
            dir.path(),
            &repo,
            "pull_request",
            MERGED_PR,
            &remote(&stack, &key),
        );
        let first = devmetrics(dir.path(), &[], &env);
        assert!(first.status.success(), "{}", text(&first));
        assert!(
            text(&first).contains("metrics.pr_events: 1 row(s), 1 new, 0 already recorded"),
            "{}",
            text(&first)
        );
        assert_eq!(stack.count("pr_events", &repo), 1);
        assert_eq!(
            stack.column(
                "pr_events",
                "event_type || ' ' || cycle_time_seconds || ' ' || environment",
                &repo
            ),
            ["merged 69870 production"],
            "merged_at - created_at = 2019-05-16T10:45:03Z - 2019-05-15T15:20:33Z"
        );

        let second = devmetrics(dir.path(), &[], &env);
        assert!(second.status.success(), "{}", text(&second));
        assert!(
            text(&second).contains("1 row(s), 0 new, 1 already recorded"),
            "{}",
            text(&second)
        );
        assert_eq!(stack.count("pr_events", &repo), 1);

        let outputs = std::fs::read_to_string(dir.path().join("output.txt")).unwrap();
        assert!(
            outputs.contains("environment=production\n")
                && outputs.contains("sink=supabase\n")
                && outputs.contains("pr-events=1\n"),
            "{outputs}"
        );
        let summary = std::fs::read_to_string(dir.path().join("summary.md")).unwrap();
        assert!(
            summary.contains("| `metrics.pr_events` | 1 | 0 | 1 | 0 |"),
            "{summary}"
        );
    }
}

#[test]
fn one_record_makes_one_request_per_table_touched() {
    let stack = Stack::get();
    let proxy = FaultProxy::start(&stack.supabase_url, |_| Fault::Pass);
    let repo = unique_repository("requests");
    let dir = workdir();
    let mut env = runner_env(
        dir.path(),
        &repo,
        "pull_request",
        MERGED_PR,
        &remote(&stack, &stack.secret_key),
    );
    env.push(("DEVMETRICS_REST_URL", format!("{}/rest/v1", proxy.url)));
    let out = devmetrics(dir.path(), &[], &env);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(stack.count("pr_events", &repo), 1);
    // Two tables touched (the PR event and the rule verdicts): two requests, one per table,
    // and two refreshes of the days they touched: the PR's figures while the verdicts are
    // written, then the verdicts' (issues 10 and 13).
    assert_eq!(stack.count("rule_compliance_events", &repo), 6);
    let mut lines: Vec<String> = proxy
        .request_lines()
        .iter()
        .map(|l| l.split('?').next().unwrap().to_owned())
        .collect();
    lines.sort();
    assert_eq!(
        lines,
        [
            "POST /rest/v1/pr_events",
            "POST /rest/v1/rpc/refresh_development_metrics HTTP/1.1",
            "POST /rest/v1/rpc/refresh_development_metrics HTTP/1.1",
            "POST /rest/v1/rule_compliance_events"
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn roles_service_writes_anon_nothing_authenticated_reads_only() {
    let stack = Stack::get();
    let repo = unique_repository("roles");
    let http = reqwest::Client::new();
    let url = format!("{}/pr_events", stack.rest_url());
    let row = serde_json::to_string(&pr_rows(&repo, 1).groups().next().unwrap().1).unwrap();
    let post = |apikey: &str, bearer: Option<&str>| {
        let mut r = http
            .post(&url)
            .header("apikey", apikey)
            .header("Content-Profile", "metrics")
            .header("Content-Type", "application/json")
            .body(row.clone());
        if let Some(b) = bearer {
            r = r.header("Authorization", format!("Bearer {b}"));
        }
        r.send()
    };
    let get = |apikey: &str, bearer: &str| {
        http.get(format!("{url}?repository=eq.{repo}"))
            .header("apikey", apikey)
            .header("Authorization", format!("Bearer {bearer}"))
            .header("Accept-Profile", "metrics")
            .send()
    };
    // anon: neither writes nor reads.
    let r = post(&stack.anon_key, Some(&stack.anon_key)).await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.text().await.unwrap().contains("42501"));
    let r = get(&stack.anon_key, &stack.anon_key).await.unwrap();
    assert_eq!(r.status(), 401);
    // authenticated: cannot write.
    let r = post(&stack.anon_key, Some(&stack.authenticated_jwt))
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        401,
        "postrust answers 401 where PostgREST answers 403"
    );
    assert_eq!(stack.count("pr_events", &repo), 0);
    // service role (secret key, apikey only): writes.
    let r = post(&stack.secret_key, None).await.unwrap();
    assert_eq!(r.status(), 201);
    // authenticated without a read grant in its app_metadata: allowed to ask, given no row
    // (ADR-002; it read every row before, the hole migrations/*_explicit_read_access.sql
    // closes). Granted users are tested in access.rs.
    let r = get(&stack.anon_key, &stack.authenticated_jwt)
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let rows: Vec<serde_json::Value> = r.json().await.unwrap();
    assert_eq!(rows.len(), 0);
    assert_eq!(stack.count("pr_events", &repo), 1);
    // An unknown key is refused by the gateway.
    let r = get("sb_secret_not-a-key-of-this-project", &stack.anon_key)
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // A legacy key sent as apikey alone does not authenticate as service role.
    let r = post(&stack.service_role_key, None).await.unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn server_stopped_rows_are_spooled_then_replayed_exactly_once() {
    let stack = Stack::get();
    let repo = unique_repository("stopped");
    let dir = workdir();
    // Nothing listens on this port.
    let port = free_port();
    let delivery = deliver_to(
        &format!("http://127.0.0.1:{port}/rest/v1"),
        &stack.secret_key,
        3,
        Duration::from_secs(2),
        &pr_rows(&repo, 250),
        dir.path(),
    )
    .await;
    assert_eq!(delivery.spooled(), 250);
    assert!(delivery.tables[0].error.as_ref().unwrap().is_unreachable());
    assert_eq!(stack.count("pr_events", &repo), 0);
    let files = spool_files(dir.path());
    assert_eq!(files.len(), 1);
    let spooled = std::fs::read_to_string(&files[0]).unwrap();
    assert_eq!(spooled.lines().count(), 250);
    assert!(!spooled.contains(&stack.secret_key));

    let out = replay(&stack, dir.path());
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("replayed 250 rows; the spool is empty"),
        "{}",
        text(&out)
    );
    assert_eq!(stack.count("pr_events", &repo), 250);
    assert!(spool_files(dir.path()).is_empty());
    let again = replay(&stack, dir.path());
    assert!(
        text(&again).contains("nothing to replay"),
        "{}",
        text(&again)
    );
    assert_eq!(stack.count("pr_events", &repo), 250);
}

#[tokio::test(flavor = "multi_thread")]
async fn server_answering_500_is_retried_then_spooled_then_replayed() {
    let stack = Stack::get();
    let repo = unique_repository("http500");
    let dir = workdir();
    let proxy = FaultProxy::start(&stack.supabase_url, |_| Fault::Answer {
        status: 500,
        retry_after: None,
    });
    let delivery = deliver_to(
        &format!("{}/rest/v1", proxy.url),
        &stack.secret_key,
        3,
        Duration::from_secs(5),
        &pr_rows(&repo, 120),
        dir.path(),
    )
    .await;
    assert_eq!(
        proxy.requests(),
        3,
        "three attempts for the first chunk, none for the rest"
    );
    assert_eq!(delivery.spooled(), 120);
    let message = delivery.tables[0].error.as_ref().unwrap().to_string();
    assert_eq!(message, "HTTP 500: injected 500");
    let out = replay(&stack, dir.path());
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(stack.count("pr_events", &repo), 120);
}

#[tokio::test(flavor = "multi_thread")]
async fn answering_429_with_retry_after_is_honoured() {
    let stack = Stack::get();
    let repo = unique_repository("http429");
    let dir = workdir();
    let proxy = FaultProxy::start(&stack.supabase_url, |n| {
        if n < 2 {
            Fault::Answer {
                status: 429,
                retry_after: Some(1),
            }
        } else {
            Fault::Pass
        }
    });
    let started = Instant::now();
    let delivery = deliver_to(
        &format!("{}/rest/v1", proxy.url),
        &stack.secret_key,
        4,
        Duration::from_secs(5),
        &pr_rows(&repo, 50),
        dir.path(),
    )
    .await;
    let waited = started.elapsed();
    assert_eq!(delivery.spooled(), 0, "{:?}", delivery.tables[0].error);
    assert_eq!(proxy.requests(), 3);
    assert!(
        waited >= Duration::from_secs(2),
        "waited only {waited:?}: Retry-After: 1 twice"
    );
    assert_eq!(delivery.tables[0].inserted, 50);
    assert_eq!(stack.count("pr_events", &repo), 50);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_error_is_not_retried() {
    let stack = Stack::get();
    let repo = unique_repository("http400");
    let dir = workdir();
    let proxy = FaultProxy::start(&stack.supabase_url, |_| Fault::Answer {
        status: 400,
        retry_after: None,
    });
    let delivery = deliver_to(
        &format!("{}/rest/v1", proxy.url),
        &stack.secret_key,
        4,
        Duration::from_secs(5),
        &pr_rows(&repo, 5),
        dir.path(),
    )
    .await;
    assert_eq!(proxy.requests(), 1);
    assert_eq!(delivery.spooled(), 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn too_slow_server_times_out_spools_and_replay_adds_no_duplicates() {
    let stack = Stack::get();
    // Slow before the database sees the rows.
    let repo = unique_repository("slow");
    let dir = workdir();
    let proxy = FaultProxy::start(&stack.supabase_url, |_| {
        Fault::DelayBefore(Duration::from_secs(2))
    });
    let delivery = deliver_to(
        &format!("{}/rest/v1", proxy.url),
        &stack.secret_key,
        2,
        Duration::from_millis(400),
        &pr_rows(&repo, 30),
        dir.path(),
    )
    .await;
    assert_eq!(delivery.spooled(), 30);
    assert!(delivery.tables[0]
        .error
        .as_ref()
        .unwrap()
        .to_string()
        .contains("timed out"));
    std::thread::sleep(Duration::from_secs(3)); // the delayed requests reach the database meanwhile
    let out = replay(&stack, dir.path());
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(stack.count("pr_events", &repo), 30);

    // Slow after the database committed the rows: the client gives up on a write that in fact
    // happened. Replaying it must not duplicate anything.
    let repo = unique_repository("slow-after-commit");
    let dir = workdir();
    let proxy = FaultProxy::start(&stack.supabase_url, |_| {
        Fault::DelayAfter(Duration::from_secs(2))
    });
    let delivery = deliver_to(
        &format!("{}/rest/v1", proxy.url),
        &stack.secret_key,
        1,
        Duration::from_millis(400),
        &pr_rows(&repo, 30),
        dir.path(),
    )
    .await;
    assert_eq!(delivery.spooled(), 30);
    assert_eq!(
        stack.count("pr_events", &repo),
        30,
        "the rows were committed before the timeout"
    );
    let out = replay(&stack, dir.path());
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(stack.count("pr_events", &repo), 30);
    assert_eq!(stack.psql("postgres", &format!("select count(distinct pr_number) from metrics.pr_events where repository = '{repo}'")), "30");
}

#[test]
fn record_with_the_database_down_spools_and_fails_the_step_then_replay_lands_it() {
    let stack = Stack::get();
    let repo = unique_repository("record-down");
    let dir = workdir();
    let port = free_port();
    let mut env = runner_env(
        dir.path(),
        &repo,
        "pull_request",
        MERGED_PR,
        &[
            ("INPUT_SUPABASE-URL", format!("http://127.0.0.1:{port}")),
            ("INPUT_SUPABASE-SERVICE-ROLE-KEY", stack.secret_key.clone()),
        ],
    );
    env.push(("DEVMETRICS_RETRY_ATTEMPTS", "2".into()));
    env.push((
        "DEVMETRICS_OUTPUT_DIR",
        dir.path().join("out").display().to_string(),
    ));
    // fail-on-spool: false keeps a spooling step green (off a throwaway runner).
    let mut lenient = env.clone();
    lenient.push(("INPUT_FAIL-ON-SPOOL", "false".into()));
    let out = devmetrics(dir.path(), &[], &lenient);
    let log = text(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert!(log.contains("::warning::devmetrics: could not write 1 rows to metrics.pr_events%0A  cause: could not connect"), "{log}");
    assert!(log.contains("run `devmetrics replay`"), "{log}");
    let outputs = std::fs::read_to_string(dir.path().join("output.txt")).unwrap();
    assert!(
        outputs.contains("spooled=7\n"),
        "1 PR event and 6 rule verdicts: {outputs}"
    );

    // By default (fail-on-spool: true) the same situation is exit code 3.
    let out = devmetrics(dir.path(), &[], &env);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));

    let out = replay(&stack, dir.path());
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(stack.count("pr_events", &repo), 1);
    assert_eq!(stack.count("rule_compliance_events", &repo), 6);
}

#[test]
fn no_key_appears_in_any_output_or_file() {
    let stack = Stack::get();
    for key in [stack.secret_key.clone(), stack.service_role_key.clone()] {
        let repo = unique_repository("secrets");
        let dir = workdir();
        let port = free_port();
        let mut logs = String::new();
        // A successful run, a failing run (errors and spool), a replay and doctor.
        let ok = runner_env(
            dir.path(),
            &repo,
            "pull_request",
            MERGED_PR,
            &remote(&stack, &key),
        );
        let mut down = runner_env(
            dir.path(),
            &repo,
            "pull_request",
            MERGED_PR,
            &[
                ("INPUT_SUPABASE-URL", format!("http://127.0.0.1:{port}")),
                ("INPUT_SUPABASE-SERVICE-ROLE-KEY", key.clone()),
            ],
        );
        down.push(("DEVMETRICS_RETRY_ATTEMPTS", "1".into()));
        for (env, args) in [
            (&ok, vec![]),
            (&down, vec![]),
            (&ok, vec!["replay"]),
            (&ok, vec!["doctor"]),
            (&down, vec!["doctor"]),
        ] {
            let out = devmetrics(dir.path(), &args, env);
            logs.push_str(&text(&out));
        }
        // The only place the key may appear is the ::add-mask:: command that hides it.
        let masked: Vec<&str> = logs.lines().filter(|l| l.contains(key.as_str())).collect();
        assert!(!masked.is_empty());
        assert!(
            masked.iter().all(|l| *l == format!("::add-mask::{key}")),
            "{masked:?}"
        );
        assert!(
            logs.lines()
                .take_while(|l| l.starts_with("::add-mask::"))
                .any(|l| l == format!("::add-mask::{key}")),
            "the masks come before anything else"
        );
        for entry in walk(dir.path()) {
            let content = std::fs::read(&entry).unwrap();
            assert!(
                !String::from_utf8_lossy(&content).contains(key.as_str()),
                "{} holds the key",
                entry.display()
            );
        }
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn doctor_passes_on_the_stack_and_names_a_wrong_key() {
    let stack = Stack::get();
    let dir = workdir();
    let env = |key: &str| {
        vec![
            ("SUPABASE_URL", stack.supabase_url.clone()),
            ("SUPABASE_SERVICE_ROLE_KEY", key.to_owned()),
        ]
    };
    let out = devmetrics(dir.path(), &["doctor"], &env(&stack.secret_key));
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("ok    table metrics.test_case_results: readable and writable"),
        "{}",
        text(&out)
    );
    let out = devmetrics(dir.path(), &["doctor"], &env(&stack.anon_key));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("its role is 'anon'"), "{}", text(&out));
    assert!(
        text(&out).contains("PostgREST 42501 (HTTP 401): permission denied for table pr_events"),
        "{}",
        text(&out)
    );
    let out = devmetrics(
        dir.path(),
        &["doctor"],
        &env("sb_secret_unknown-to-this-gateway"),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("the gateway refused the key"),
        "{}",
        text(&out)
    );
}

/// A second postrust with other settings, killed on drop.
struct Postrust(Child, String);

impl Postrust {
    fn start(stack: &Stack, database: &str, schemas: &str) -> Postrust {
        let port = free_port();
        let child = Command::new(&stack.postrust)
            .env(
                "PGRST_DB_URI",
                format!(
                    "postgres://authenticator:authenticator-local-only@127.0.0.1:{}/{database}",
                    stack.pg_port
                ),
            )
            .env("PGRST_DB_SCHEMAS", schemas)
            .env("PGRST_DB_ANON_ROLE", "anon")
            .env("PGRST_JWT_SECRET", &stack.jwt_secret)
            .env("PGRST_SERVER_HOST", "127.0.0.1")
            .env("PGRST_SERVER_PORT", port.to_string())
            .env("PGRST_COMPAT_MODE", "true")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("postrust starts");
        let url = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Postrust(child, url)
    }
}

impl Drop for Postrust {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn schema_not_exposed_and_migration_missing_become_advice() {
    let stack = Stack::get();
    // PGRST106: the metrics schema is not among the exposed schemas.
    let api = Postrust::start(&stack, "postgres", "public");
    let repo = unique_repository("pgrst106");
    let dir = workdir();
    let mut env = runner_env(
        dir.path(),
        &repo,
        "pull_request",
        MERGED_PR,
        &remote(&stack, &stack.service_role_key),
    );
    env.push(("DEVMETRICS_REST_URL", api.1.clone()));
    let out = devmetrics(dir.path(), &[], &env);
    let log = text(&out);
    assert_eq!(out.status.code(), Some(3), "rows spooled: {log}");
    assert!(
        log.contains("cause: PostgREST PGRST106 (HTTP 406)"),
        "{log}"
    );
    assert!(
        log.contains(r#"set schemas = [\"public\", \"graphql_public\", \"metrics\"]"#)
            || log.contains(r#"set schemas = ["public", "graphql_public", "metrics"]"#),
        "{log}"
    );
    assert_eq!(spool_count(dir.path()), 1);
    drop(api);

    // PGRST205: the schema exists and is exposed, but the migrations were not applied.
    let db = format!("partial_{}", std::process::id());
    stack.psql("postgres", &format!("drop database if exists {db}"));
    stack.psql("postgres", &format!("create database {db}"));
    stack.psql(&db, "create schema metrics; grant usage on schema metrics to anon, authenticated, service_role;");
    let api = Postrust::start(&stack, &db, "public,metrics");
    let dir = workdir();
    let mut env = runner_env(
        dir.path(),
        &repo,
        "pull_request",
        MERGED_PR,
        &remote(&stack, &stack.service_role_key),
    );
    env.push(("DEVMETRICS_REST_URL", api.1.clone()));
    let out = devmetrics(dir.path(), &[], &env);
    let log = text(&out);
    assert!(log.contains("cause: PostgREST PGRST205 (HTTP 404): Could not find the table 'metrics.pr_events' in the schema cache"), "{log}");
    assert!(log.contains("apply migrations/"), "{log}");
    drop(api);
    stack.psql("postgres", &format!("drop database {db} with (force)"));
}

fn spool_count(dir: &std::path::Path) -> usize {
    walk(dir)
        .iter()
        .filter(|p| p.to_string_lossy().contains("/spool/"))
        .count()
}

#[test]
fn rule_verdicts_of_a_merged_pull_request_land_once() {
    let stack = Stack::get();
    let repo = unique_repository("rules");
    let dir = workdir();
    let env = runner_env(
        dir.path(),
        &repo,
        "pull_request",
        MERGED_PR,
        &remote(&stack, &stack.secret_key),
    );
    for _ in 0..2 {
        let out = devmetrics(dir.path(), &[], &env);
        assert!(out.status.success(), "{}", text(&out));
    }
    // The default rules that judge a pull request, read from its base branch (the fake API has
    // no rules file there). pr-approval: the fake's reviews hold octocat's approval;
    // conventional-commits needs commits, which the payload lacks.
    assert_eq!(
        stack.column(
            "rule_compliance_events",
            "rule_name || ' ' || compliance_status",
            &repo
        ),
        [
            "branching.mdc violation",
            "pr-approval compliant",
            "pr-description compliant",
            "pr-links-issue violation",
            "pr-size compliant",
            "pr-title compliant"
        ]
    );
    let summary = std::fs::read_to_string(dir.path().join("summary.md")).unwrap();
    assert!(summary.contains("branching.mdc"), "{summary}");
}

#[test]
fn with_a_token_a_merged_pr_gets_its_stages_and_approvals_from_the_api() {
    let stack = Stack::get();
    let github = FakeGitHub::start();
    let repo = unique_repository("api");
    let dir = workdir();
    let mut env = runner_env(
        dir.path(),
        &repo,
        "pull_request",
        MERGED_PR,
        &remote(&stack, &stack.secret_key),
    );
    env.push(("INPUT_GITHUB-TOKEN", "ghs_faketoken0123456789".into()));
    env.push(("GITHUB_API_URL", github.url.clone()));
    let out = devmetrics(dir.path(), &[], &env);
    let log = text(&out);
    assert!(out.status.success(), "{log}");
    assert!(
        !log.contains("ghs_faketoken0123456789")
            || log
                .lines()
                .filter(|l| l.contains("ghs_faketoken"))
                .all(|l| l.starts_with("::add-mask::")),
        "{log}"
    );
    assert_eq!(
        stack.column("pr_events", "metadata->>'first_commit_at' || ' ' || (metadata->>'ready_for_review_at') || ' ' || (metadata->>'first_review_at') || ' ' || (metadata->>'approved_at')", &repo),
        ["2019-05-15T14:02:11Z 2019-05-15T15:10:00Z 2019-05-16T09:12:40Z 2019-05-16T09:12:40Z"],
        "the author's own comment is not a first review"
    );
    assert_eq!(
        stack
            .column("rule_compliance_events", "compliance_status", &repo)
            .len(),
        6
    );
    assert_eq!(
        stack.psql("postgres", &format!("select compliance_status from metrics.rule_compliance_events where repository = '{repo}' and rule_name = 'pr-approval'")),
        "compliant"
    );
    let seen = github.seen();
    assert!(
        seen.iter()
            .any(|l| l.contains("/repos/") && l.contains("/pulls/2/reviews")),
        "{seen:?}"
    );
}

#[test]
fn junit_results_land_once_with_totals_from_the_peer_oracle() {
    let stack = Stack::get();
    let repo = unique_repository("junit");
    let dir = workdir();
    std::fs::create_dir_all(dir.path().join("reports/unit")).unwrap();
    std::fs::copy(
        fixture("junit/enricomi/junit-xml/pytest/junit.fail.xml"),
        dir.path().join("reports/unit/junit.fail.xml"),
    )
    .unwrap();
    let mut env = runner_env(
        dir.path(),
        &repo,
        "pull_request",
        MERGED_PR,
        &remote(&stack, &stack.secret_key),
    );
    env.push((
        "INPUT_JUNIT-PATHS",
        "reports/**/*.xml\n!reports/**/ignored.xml".into(),
    ));
    env.push(("GITHUB_ACTION", "record-tests".into()));
    env.push(("INPUT_MIN-PASS-RATE", "90".into()));
    for _ in 0..2 {
        let out = devmetrics(dir.path(), &[], &env);
        let log = text(&out);
        assert!(out.status.success(), "{log}");
        // 3 of 4 tests that ran passed: 75% < 90%, an alert but not a failure.
        assert!(log.contains("::error"), "{log}");
    }
    // EnricoMi's expected_totals.csv for junit.fail.xml: tests 5, succ 3, skip 1, fail 1, error 0.
    assert_eq!(
        stack.column(
            "test_runs",
            "run_id || ' ' || test_type || ' ' || total_tests || ' ' || passed_tests || ' ' || skipped_tests || ' ' || failed_tests || ' ' || errored_tests || ' ' || pr_number",
            &repo
        ),
        ["gh:4242:1:metrics:record-tests unit 5 3 1 1 0 2"]
    );
    assert_eq!(
        stack.psql("postgres", &format!("select count(*) from metrics.test_case_results where repository = '{repo}' and outcome = 'failed'")),
        "1"
    );
    let outputs = std::fs::read_to_string(dir.path().join("output.txt")).unwrap();
    assert!(
        outputs.contains("total=5\n")
            && outputs.contains("failed=1\n")
            && outputs.contains("pass-rate=75.00\n"),
        "{outputs}"
    );
    let summary = std::fs::read_to_string(dir.path().join("summary.md")).unwrap();
    assert!(summary.contains("75"), "{summary}");

    // fail-on-threshold turns the alert into a failed step (exit 1), rows still recorded.
    env.push(("INPUT_FAIL-ON-THRESHOLD", "true".into()));
    let out = devmetrics(dir.path(), &[], &env);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(stack.count("test_runs", &repo), 1);
}

/// A `deployment_status` payload (a real one, edited): deployment `id` of `sha`, succeeded.
fn deployment_success(
    dir: &std::path::Path,
    id: u64,
    sha: &str,
    minute: u32,
) -> std::path::PathBuf {
    let mut payload =
        crate::common::deployment_success(id, sha, &format!("2026-01-01T10:{minute:02}:30Z"));
    payload["deployment"]["created_at"] = format!("2026-01-01T10:{minute:02}:00Z").into();
    let path = dir.join(format!("deployment-{id}.json"));
    std::fs::write(&path, payload.to_string()).unwrap();
    path
}

#[test]
fn a_deploy_of_an_older_sha_is_a_rollback_read_from_the_recorded_history() {
    let stack = Stack::get();
    let repo = unique_repository("rollback");
    let dir = workdir();
    let (a, b) = ("a".repeat(40), "b".repeat(40));
    for (id, sha, minute) in [(1, &a, 1), (2, &b, 2), (3, &b, 3), (4, &a, 4)] {
        let payload = deployment_success(dir.path(), id, sha, minute);
        let env = runner_env_on_branch(
            dir.path(),
            &repo,
            "deployment_status",
            &payload,
            "main",
            &remote(&stack, &stack.secret_key),
        );
        let out = devmetrics(dir.path(), &[], &env);
        assert!(out.status.success(), "{}", text(&out));
    }
    // 1: first deploy of a; 2: b is new; 3: b again is a redeploy; 4: a succeeded before the
    // last success (b), so it is a rollback.
    assert_eq!(
        stack.column(
            "deployment_events",
            "deployment_id || ' ' || kind || ' ' || status || ' ' || is_production",
            &repo
        ),
        [
            "deployment:1 deploy success true",
            "deployment:2 deploy success true",
            "deployment:3 redeploy success true",
            "deployment:4 rollback success true"
        ]
    );
}

#[test]
fn pushes_to_a_production_branch_land_once_direct_or_from_a_merged_pr() {
    let stack = Stack::get();
    let repo = unique_repository("push");
    let dir = workdir();
    for payload in [
        "events/push/04-event.json",
        "events/push/90-event-merged-pr.json",
    ] {
        let env = runner_env_on_branch(
            dir.path(),
            &repo,
            "push",
            &fixture(payload),
            "master",
            &remote(&stack, &stack.secret_key),
        );
        for _ in 0..2 {
            let out = devmetrics(dir.path(), &[], &env);
            assert!(out.status.success(), "{}", text(&out));
        }
    }
    // 04: "Initial commit" pushed straight to master; 90: GitHub's merge commit of PR #2.
    assert_eq!(
        stack.column(
            "push_events",
            "branch || ' ' || branch_class || ' ' || left(after_sha, 8) || ' ' || direct_push || ' ' || coalesce(merged_pr::text, '-') || ' ' || detected_by",
            &repo
        ),
        [
            "master production 6113728f true - no_pull_request_pattern",
            "master production c4295bd7 false 2 merge_commit_message"
        ]
    );
    // The no-direct-push rule judged both pushes: the direct one is the violation.
    assert_eq!(
        stack.psql(
            "postgres",
            &format!(
                "select string_agg(left(context_id, 15) || ' ' || compliance_status, ', ' order by context_id) \
                 from metrics.rule_compliance_events where repository = '{repo}' and rule_name = 'no-direct-push'"
            )
        ),
        "master@6113728f violation, master@c4295bd7 compliant"
    );
}
