//! One bad row must not block the others: rows are cleaned before sending (NUL stripped, keys
//! redacted), rows the database refuses are found by splitting their chunk and quarantined with
//! the reason, everything else is written; and no request follows a redirect with the key.
//! Counts are read from the database with psql.

use crate::common::*;
use devmetrics::rows::{Batch, Table};
use devmetrics::secret::Secret;
use devmetrics::sinks::{deliver, PostgrestSink, RetryPolicy, SinkError, Spool};
use serde_json::{json, Value};
use std::io::Write;
use std::net::{Shutdown, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

fn sink(rest_url: &str, key: &str, batch_rows: usize) -> PostgrestSink {
    let policy = RetryPolicy {
        attempts: 2,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(20),
        timeout: Duration::from_secs(10),
        ..RetryPolicy::default()
    };
    PostgrestSink::new(rest_url, &Secret::new(key), policy, batch_rows).unwrap()
}

/// A `test_case_results` row of `repository`, test number `i`.
fn case(repository: &str, i: usize) -> Value {
    json!({
        "repository": repository, "environment": "staging", "run_id": "gh:1:1:tests",
        "test_type": "unit", "run_timestamp": "2026-01-05T10:00:00Z", "suite_name": "suite",
        "classname": "pkg.Class", "test_name": format!("test_{i:03}"), "outcome": "failed",
        "duration_seconds": 0.5, "attempts": 1, "message": format!("assertion {i} failed"),
        "file": null, "line": null, "recorded_at": "2026-01-05T10:00:00Z", "metadata": {}
    })
}

/// The lines of every `.jsonl` file in `dir`, parsed.
fn jsonl_lines(dir: &Path) -> Vec<Value> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    files.sort();
    files
        .iter()
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .flat_map(|p| {
            let text = std::fs::read_to_string(p).unwrap();
            text.lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect::<Vec<Value>>()
        })
        .collect()
}

fn files_text(dir: &Path) -> String {
    jsonl_lines(dir).iter().map(Value::to_string).collect()
}

#[tokio::test]
async fn a_chunk_with_a_nul_row_and_a_refused_row_writes_every_other_row_and_quarantines_one() {
    let stack = Stack::get();
    let repo = unique_repository("quarantine");
    let dir = workdir();
    let n = 20;
    let mut rows: Vec<Value> = (0..n).map(|i| case(&repo, i)).collect();
    rows[5]["message"] = json!("expected \u{0} got 1");
    rows[3]["message"] = json!(format!("header apikey: {} was sent", stack.secret_key));
    // A date PostgreSQL refuses (22008) and devmetrics does not check: the server's refusal.
    rows[12]["run_timestamp"] = json!("2026-02-30T10:00:00Z");
    let mut batch = Batch::new();
    batch.extend_values(Table::TestCaseResults, rows);
    let key = Secret::new(stack.secret_key.clone());
    let changes: Vec<String> = batch.clean(&[&key]).into_iter().collect();
    assert_eq!(changes.len(), 2, "{changes:?}");

    let spool = Spool::under(&dir.path().join("out"));
    let delivery = deliver(
        &sink(&stack.rest_url(), &stack.secret_key, 100),
        &batch,
        &spool,
    )
    .await;

    assert_eq!(stack.count("test_case_results", &repo), n as i64 - 1);
    assert_eq!(delivery.quarantined(), 1);
    assert_eq!(delivery.spooled(), 0, "{:?}", delivery.tables);
    assert!(delivery.spool_file.is_none());
    let write = &delivery.tables[0];
    assert_eq!(
        (write.rows, write.accepted, write.inserted),
        (n, n - 1, n - 1)
    );
    assert!(write.error.is_none(), "{:?}", write.error);
    // One refused row in 20 is found in at most 1 + 2·⌈log2 20⌉ requests.
    assert!(
        delivery.requests() <= 11,
        "{} requests",
        delivery.requests()
    );

    let quarantine_dir = dir.path().join("out/quarantine");
    assert_eq!(
        delivery.quarantine_file.as_deref().unwrap().parent(),
        Some(quarantine_dir.as_path())
    );
    let lines = jsonl_lines(&quarantine_dir);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["table"], "test_case_results");
    assert_eq!(lines[0]["refused_by"], "server");
    assert_eq!(lines[0]["code"], "22008");
    assert_eq!(lines[0]["row"]["test_name"], "test_012");
    assert!(
        lines[0]["message"]
            .as_str()
            .unwrap()
            .contains("out of range"),
        "{lines:?}"
    );
    let reasons = delivery.quarantine_reasons();
    assert_eq!(reasons.len(), 1);
    assert!(
        reasons[0].1.starts_with("22008 (refused by the database)"),
        "{reasons:?}"
    );
    assert!(
        !std::fs::read_to_string(delivery.quarantine_file.as_ref().unwrap())
            .unwrap()
            .contains(&stack.secret_key)
    );

    let message = |test: &str| {
        stack.psql(
            "postgres",
            &format!("select message from metrics.test_case_results where repository = '{repo}' and test_name = '{test}'"),
        )
    };
    assert_eq!(message("test_005"), "expected  got 1");
    assert_eq!(message("test_003"), "header apikey: *** was sent");
}

/// A loopback HTTP server answering each request with `answer(request text)`; records requests.
struct Server {
    url: String,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start(answer: impl Fn(&str) -> String + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut client) = stream else { break };
                let Some(request) = read_request(&mut client) else {
                    continue;
                };
                let request = String::from_utf8_lossy(&request).into_owned();
                let response = answer(&request);
                log.lock().unwrap().push(request);
                let _ = client.write_all(response.as_bytes());
                let _ = client.shutdown(Shutdown::Both);
            }
        });
        Server { url, seen }
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

fn http(status: &str, extra_headers: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\n{extra_headers}content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

#[tokio::test]
async fn a_redirect_is_not_followed_with_the_key_and_the_rows_are_spooled() {
    let key = "sb_secret_redirect_test_0123456789";
    for status in ["301 Moved Permanently", "307 Temporary Redirect"] {
        let elsewhere = Server::start(|_| http("201 Created", "", "[]"));
        let target = format!("{}/rest/v1", elsewhere.url);
        let redirecting = {
            let target = target.clone();
            Server::start(move |request| {
                let path = request.split(' ').nth(1).unwrap_or("/");
                let path = path.trim_start_matches("/rest/v1");
                http(status, &format!("location: {target}{path}\r\n"), "")
            })
        };
        let dir = workdir();
        let mut batch = Batch::new();
        batch.extend_values(Table::TestCaseResults, [case("o/r", 1)]);
        batch.extend_values(Table::TestRuns, [json!({"repository": "o/r"})]);
        let rest_url = format!("{}/rest/v1", redirecting.url);
        let delivery = deliver(
            &sink(&rest_url, key, 100),
            &batch,
            &Spool::under(dir.path()),
        )
        .await;

        assert!(
            elsewhere.seen().is_empty(),
            "the redirect was followed: {:?}",
            elsewhere.seen()
        );
        assert_eq!(
            redirecting.seen().len(),
            1,
            "later tables are not tried after a redirect"
        );
        assert!(
            redirecting.seen()[0].contains(key),
            "the key goes to the configured address only"
        );
        assert_eq!(delivery.spooled(), 2);
        let (_, error) = delivery.errors().next().unwrap();
        assert!(matches!(error, SinkError::Redirect { .. }), "{error:?}");
        let text = error.to_string();
        assert!(
            text.contains(&rest_url) && text.contains(&format!("redirect to {target}/")),
            "{text}"
        );
        let help = devmetrics::error::sink_help(error).join("\n");
        assert!(help.contains("final address"), "{help}");
        let spooled = files_text(&dir.path().join("spool"));
        assert!(!spooled.is_empty(), "the two rows are in the spool");
        assert!(!spooled.contains(key));
    }
}

#[tokio::test]
async fn the_search_for_refused_rows_is_bounded_and_spools_the_rest() {
    // A server refusing (400, 22P02) any body holding a marked row, accepting the others.
    let refusing = Server::start(|request| {
        if request.contains("MARK") {
            http(
                "400 Bad Request",
                "",
                r#"{"code":"22P02","message":"invalid input syntax for type integer: \"MARK\"","details":null,"hint":null}"#,
            )
        } else {
            http("201 Created", "", "[]")
        }
    });
    let rest_url = format!("{}/rest/v1", refusing.url);
    let marked = |rows: usize, marks: &[usize]| {
        let mut batch = Batch::new();
        batch.extend_values(
            Table::TestCaseResults,
            (0..rows).map(|i| {
                let mut row = case("o/r", i);
                if marks.contains(&i) {
                    row["line"] = json!("MARK");
                }
                row
            }),
        );
        batch
    };
    let dir = workdir();

    // Two refused rows in 64: found in 1 + 2·2·log2 64 requests at most, the 62 others written.
    let delivery = deliver(
        &sink(&rest_url, "sb_secret_x", 100),
        &marked(64, &[7, 40]),
        &Spool::under(dir.path()),
    )
    .await;
    assert_eq!(delivery.quarantined(), 2);
    assert_eq!(delivery.tables[0].accepted, 62);
    assert_eq!(delivery.spooled(), 0);
    assert!(
        delivery.requests() <= 25,
        "{} requests",
        delivery.requests()
    );

    // Every row refused: the search stops after its budget and spools what is left.
    let before = refusing.seen().len();
    let delivery = deliver(
        &sink(&rest_url, "sb_secret_x", 1000),
        &marked(300, &(0..300).collect::<Vec<_>>()),
        &Spool::under(dir.path()),
    )
    .await;
    let requests = refusing.seen().len() - before;
    assert!(
        requests <= 1 + devmetrics::sinks::postgrest::MAX_SEARCH_REQUESTS as usize,
        "{requests} requests"
    );
    assert_eq!(delivery.quarantined() + delivery.spooled(), 300);
    assert!(delivery.quarantined() > 0 && delivery.spooled() > 0);
    let (_, error) = delivery.errors().next().unwrap();
    assert!(
        error
            .to_string()
            .contains("the search for the refused rows stopped after"),
        "{error}"
    );
    // A configuration error (401) is not searched: the whole chunk is spooled at once.
    let unauthorized =
        Server::start(|_| http("401 Unauthorized", "", r#"{"message":"Invalid API key"}"#));
    let delivery = deliver(
        &sink(&format!("{}/rest/v1", unauthorized.url), "sb_secret_x", 100),
        &marked(10, &[1]),
        &Spool::under(dir.path()),
    )
    .await;
    assert_eq!((delivery.quarantined(), delivery.spooled()), (0, 10));
    assert_eq!(unauthorized.seen().len(), 1);
}

/// A JUnit report whose failure message holds `secret`.
fn junit_with(dir: &Path, secret: &str) {
    std::fs::create_dir_all(dir.join("reports")).unwrap();
    std::fs::write(
        dir.join("reports/junit.xml"),
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites><testsuite name="api" tests="2" failures="1">
  <testcase classname="api.Client" name="sends_the_key" time="0.1">
    <failure message="request failed with apikey {secret}">curl -H 'apikey: {secret}'</failure>
  </testcase>
  <testcase classname="api.Client" name="passes" time="0.1"/>
</testsuite></testsuites>"#
        ),
    )
    .unwrap();
}

fn record_env(dir: &Path, repo: &str) -> Vec<(&'static str, String)> {
    vec![
        ("GITHUB_ACTIONS", "true".to_owned()),
        ("GITHUB_REPOSITORY", repo.to_owned()),
        ("GITHUB_REF", "refs/heads/main".to_owned()),
        ("GITHUB_REF_NAME", "main".to_owned()),
        (
            "GITHUB_SHA",
            "ec26c3e57ca3a959ca5aad62de7213c562f8c821".to_owned(),
        ),
        ("GITHUB_RUN_ID", "77".to_owned()),
        ("GITHUB_RUN_ATTEMPT", "1".to_owned()),
        ("GITHUB_JOB", "tests".to_owned()),
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
        ("INPUT_JUNIT-PATHS", "reports/*.xml".to_owned()),
    ]
}

#[test]
fn a_key_inside_a_junit_failure_message_is_redacted_in_the_database_and_in_local_files() {
    let stack = Stack::get();
    let repo = unique_repository("redact");
    let dir = workdir();
    junit_with(dir.path(), &stack.secret_key);
    let mut env = record_env(dir.path(), &repo);
    env.push(("INPUT_SUPABASE-URL", stack.supabase_url.clone()));
    env.push(("INPUT_SUPABASE-SERVICE-ROLE-KEY", stack.secret_key.clone()));
    let out = devmetrics(dir.path(), &[], &env);
    let log = text(&out);
    assert!(out.status.success(), "{log}");
    // The one line that may name the key asks the runner to mask it.
    let unmasked = log.lines().filter(|l| !l.starts_with("::add-mask::"));
    assert!(
        !unmasked.collect::<String>().contains(&stack.secret_key),
        "{log}"
    );
    assert_eq!(
        stack.column("test_case_results", "message", &repo),
        ["request failed with apikey ***"]
    );
    assert_eq!(stack.count("test_runs", &repo), 1);

    // Without Supabase, the key devmetrics knows is the GitHub token.
    let token = "ghp_0123456789abcdefghijABCDEFGHIJ012345";
    let local = workdir();
    junit_with(local.path(), token);
    let mut env = record_env(local.path(), &repo);
    env.push(("INPUT_GITHUB-TOKEN", token.to_owned()));
    let out = devmetrics(local.path(), &[], &env);
    assert!(out.status.success(), "{}", text(&out));
    let rows = jsonl_lines(&local.path().join("development-metrics"));
    let failed: Vec<&Value> = rows.iter().filter(|r| r["outcome"] == "failed").collect();
    assert_eq!(failed.len(), 1, "{rows:?}");
    assert_eq!(failed[0]["message"], "request failed with apikey ***");
    assert!(!files_text(&local.path().join("development-metrics")).contains(token));
}

#[test]
fn replay_quarantines_refused_rows_and_the_fixed_file_is_sent_by_the_next_replay() {
    let stack = Stack::get();
    let repo = unique_repository("replay-quarantine");
    let dir = workdir();
    let out_dir = dir.path().join("out");
    std::fs::create_dir_all(out_dir.join("spool")).unwrap();
    let mut rows = [case(&repo, 0), case(&repo, 1), case(&repo, 2)];
    // Refused before sending: an outcome the table does not know.
    rows[1]["outcome"] = json!("exploded");
    // Refused by the database: not a date.
    rows[2]["run_timestamp"] = json!("yesterday-ish");
    let spool_text: String = rows
        .iter()
        .map(|r| format!("{}\n", json!({"table": "test_case_results", "row": r})))
        .collect();
    std::fs::write(out_dir.join("spool/20260101T000000Z-1.jsonl"), spool_text).unwrap();
    let env = vec![
        ("SUPABASE_URL", stack.supabase_url.clone()),
        ("SUPABASE_SERVICE_ROLE_KEY", stack.secret_key.clone()),
        ("DEVMETRICS_OUTPUT_DIR", out_dir.display().to_string()),
    ];
    let out = devmetrics(dir.path(), &["replay"], &env);
    let log = text(&out);
    assert!(out.status.success(), "{log}");
    assert_eq!(stack.count("test_case_results", &repo), 1);
    assert!(
        jsonl_lines(&out_dir.join("spool")).is_empty(),
        "a quarantined row is not spooled again"
    );
    let lines = jsonl_lines(&out_dir.join("quarantine"));
    let mut codes: Vec<(&str, &str)> = lines
        .iter()
        .map(|l| {
            (
                l["refused_by"].as_str().unwrap(),
                l["code"].as_str().unwrap(),
            )
        })
        .collect();
    codes.sort();
    assert_eq!(
        codes,
        [("devmetrics", "23514"), ("server", "22007")],
        "{lines:?}"
    );
    assert!(
        log.contains("quarantined in") && log.contains("then run `devmetrics replay`"),
        "{log}"
    );

    // The documented fix: edit the rows, move the file to the spool, replay.
    let file = std::fs::read_dir(out_dir.join("quarantine"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let fixed = std::fs::read_to_string(&file)
        .unwrap()
        .replace("\"exploded\"", "\"errored\"")
        .replace("yesterday-ish", "2026-01-04T10:00:00Z");
    std::fs::write(out_dir.join("spool").join(file.file_name().unwrap()), fixed).unwrap();
    std::fs::remove_file(&file).unwrap();
    let out = devmetrics(dir.path(), &["replay"], &env);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(stack.count("test_case_results", &repo), 3);
    assert!(jsonl_lines(&out_dir.join("spool")).is_empty());
}

#[test]
fn record_says_how_many_rows_were_quarantined_why_and_where() {
    let stack = Stack::get();
    let repo = unique_repository("record-quarantine");
    let dir = workdir();
    // A pull request numbered 0: pr_events refuses it (check pr_number > 0).
    let mut payload: Value = crate::common::fixture_json("events/pull_request/00-opened.json");
    payload["number"] = json!(0);
    payload["pull_request"]["number"] = json!(0);
    let payload_path = dir.path().join("event.json");
    std::fs::write(&payload_path, payload.to_string()).unwrap();
    let mut env = record_env(dir.path(), &repo);
    env.retain(|(k, _)| *k != "INPUT_JUNIT-PATHS");
    env.extend([
        ("GITHUB_EVENT_NAME", "pull_request".to_owned()),
        ("GITHUB_EVENT_PATH", payload_path.display().to_string()),
        ("GITHUB_BASE_REF", "main".to_owned()),
        ("INPUT_SUPABASE-URL", stack.supabase_url.clone()),
        ("INPUT_SUPABASE-SERVICE-ROLE-KEY", stack.secret_key.clone()),
    ]);
    let out = devmetrics(dir.path(), &[], &env);
    let log = text(&out);
    // The step fails (fail-on-spool, the default) so that the workflow's artifact keeps the
    // quarantine file the throwaway workspace would lose.
    assert_eq!(out.status.code(), Some(3), "{log}");
    assert!(
        log.contains("quarantined (not written), and fail-on-spool is set"),
        "{log}"
    );
    assert_eq!(stack.count("pr_events", &repo), 0);
    assert!(log.contains("1 row(s) refused and quarantined in"), "{log}");
    assert!(
        log.contains("check (pr_number > 0) fails: pr_number is 0"),
        "{log}"
    );
    let outputs = std::fs::read_to_string(dir.path().join("output.txt")).unwrap();
    assert!(
        outputs.contains("quarantined=1\n") && outputs.contains("spooled=0\n"),
        "{outputs}"
    );
    let summary = std::fs::read_to_string(dir.path().join("summary.md")).unwrap();
    assert!(
        summary.contains("1 row(s) were refused and kept in `"),
        "{summary}"
    );
    assert!(
        summary.contains("then run `devmetrics replay`"),
        "{summary}"
    );
    let lines = jsonl_lines(&dir.path().join("development-metrics/quarantine"));
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["table"], "pr_events");
    assert!(
        !files_text(&dir.path().join("development-metrics/quarantine")).contains(&stack.secret_key)
    );
}
