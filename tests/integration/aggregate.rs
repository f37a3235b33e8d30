//! `devmetrics aggregate` against the local stack: the refresh function called through the
//! gateway, its grants, `record`'s one refresh after a write, the local default's message, and
//! the alerts (summary, outputs, annotations, `fail-on-alert`).
//!
//! The function `metrics.refresh_development_metrics` comes from `migrations/`;
//! [`ensure_refresh_function`] fails loudly when the stack does not have it.

use crate::common::{
    devmetrics, fixture, text, unique_repository, workdir, Fault, FaultProxy, Stack,
};
use std::path::Path;
use std::time::{Duration, Instant};

/// The function's signature, as `to_regprocedure` reads it.
const SIGNATURE: &str = "metrics.refresh_development_metrics(text,date,date,interval,text[])";

/// Makes sure the refresh function of migrations/ exists and the API sees it; waits for the
/// schema cache, at most 20 s.
pub fn ensure_refresh_function(stack: &Stack) {
    let exists = stack.psql(
        "postgres",
        &format!("select to_regprocedure('{SIGNATURE}') is not null"),
    );
    assert_eq!(
        exists, "t",
        "{SIGNATURE} is not in the stack's database: apply migrations/ (scripts/stack.sh down, then up)"
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let started = Instant::now();
    loop {
        let status = runtime.block_on(call(
            stack,
            &stack.service_role_key,
            None,
            "devmetrics-tests/probe",
        ));
        if (200..300).contains(&status) {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the API does not see {SIGNATURE} (HTTP {status}) 20 s after notify pgrst"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// `POST /rpc/refresh_development_metrics` with `key` as apikey and `bearer` (else the key) as
/// the JWT; returns the status.
async fn call(stack: &Stack, key: &str, bearer: Option<&str>, repository: &str) -> u16 {
    reqwest::Client::new()
        .post(format!("{}/rpc/refresh_development_metrics", stack.rest_url()))
        .header("apikey", key)
        .header("authorization", format!("Bearer {}", bearer.unwrap_or(key)))
        .header("content-profile", "metrics")
        .header("content-type", "application/json")
        .body(
            serde_json::json!({"p_repository": repository, "p_from": "2026-11-30", "p_to": "2026-11-30"})
                .to_string(),
        )
        .send()
        .await
        .expect("the gateway answers")
        .status()
        .as_u16()
}

/// The environment of `devmetrics aggregate` for `repository` with the stack's secret key.
fn env(stack: &Stack, repository: &str) -> Vec<(&'static str, String)> {
    vec![
        ("GITHUB_REPOSITORY", repository.to_owned()),
        ("INPUT_SUPABASE-URL", stack.supabase_url.clone()),
        ("INPUT_SUPABASE-SERVICE-ROLE-KEY", stack.secret_key.clone()),
    ]
}

/// The same, as a step in GitHub Actions on `main`, with the runner's summary and outputs files
/// in `dir`.
fn step_env(stack: &Stack, repository: &str, dir: &Path) -> Vec<(&'static str, String)> {
    let mut env = env(stack, repository);
    env.extend([
        ("GITHUB_ACTIONS", "true".to_owned()),
        ("GITHUB_EVENT_NAME", "schedule".to_owned()),
        ("GITHUB_REF", "refs/heads/main".to_owned()),
        ("GITHUB_REF_NAME", "main".to_owned()),
        (
            "GITHUB_STEP_SUMMARY",
            dir.join("summary.md").display().to_string(),
        ),
        (
            "GITHUB_OUTPUT",
            dir.join("output.txt").display().to_string(),
        ),
        ("INPUT_COMMAND", "aggregate".to_owned()),
    ]);
    env
}

/// Every column of the repository's figures but the ids and times of computation, ordered.
fn figures(stack: &Stack, repository: &str) -> String {
    stack.psql(
        "postgres",
        &format!(
            "select environment, metric_date, grain, metric_name, value, n, p50, p90, unit, metadata \
             from metrics.development_metrics where repository = '{repository}' \
             order by environment, metric_date, grain, metric_name"
        ),
    )
}

#[test]
fn aggregate_through_the_gateway_calls_the_refresh_function_and_reports_the_rows_written() {
    let stack = Stack::get();
    ensure_refresh_function(&stack);
    let repository = unique_repository("aggregate");
    let dir = workdir();
    let out = devmetrics(
        dir.path(),
        &["aggregate", "--days", "7", "--to", "2026-11-30"],
        &env(&stack, &repository),
    );
    let log = text(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");
    let stored = stack.count("development_metrics", &repository);
    assert!(stored > 0, "{log}");
    // 2026-11-24 is a Tuesday (its week starts on the 23rd), 2026-11-30 a Monday.
    assert!(
        log.contains(&format!(
            "devmetrics: wrote {stored} row(s) of metrics.development_metrics for {repository}: \
             the days 2026-11-24 to 2026-11-30 (7 days) and the ISO weeks starting 2026-11-23 \
             to 2026-11-30 (2 weeks)"
        )),
        "{log}"
    );
}

#[test]
fn aggregate_twice_gives_identical_rows() {
    let stack = Stack::get();
    ensure_refresh_function(&stack);
    let repository = unique_repository("aggregate-twice");
    let dir = workdir();
    let args = ["aggregate", "--from", "2026-11-23", "--to", "2026-11-30"];
    let first = devmetrics(dir.path(), &args, &env(&stack, &repository));
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    let once = figures(&stack, &repository);
    assert!(!once.is_empty());
    let second = devmetrics(dir.path(), &args, &env(&stack, &repository));
    assert_eq!(second.status.code(), Some(0), "{}", text(&second));
    assert_eq!(figures(&stack, &repository), once);
}

#[tokio::test(flavor = "multi_thread")]
async fn anon_and_authenticated_cannot_call_the_refresh_function() {
    let stack = Stack::get();
    tokio::task::spawn_blocking({
        let stack = stack.clone();
        move || ensure_refresh_function(&stack)
    })
    .await
    .unwrap();
    let repository = unique_repository("aggregate-roles");
    let anon = call(&stack, &stack.anon_key, None, &repository).await;
    let user = call(
        &stack,
        &stack.anon_key,
        Some(&stack.authenticated_jwt),
        &repository,
    )
    .await;
    // Refused for lack of the grant (postrust answers 401 where PostgREST answers 403), not
    // "not found": the function exists (checked above).
    assert!(matches!(anon, 401 | 403), "anon: HTTP {anon}");
    assert!(matches!(user, 401 | 403), "authenticated: HTTP {user}");
    assert_eq!(stack.count("development_metrics", &repository), 0);
    for role in ["anon", "authenticated"] {
        assert_eq!(
            stack.psql(
                "postgres",
                &format!("select has_function_privilege('{role}', '{SIGNATURE}', 'execute')")
            ),
            "f",
            "{role} may execute the function"
        );
    }
    assert_eq!(
        stack.psql(
            "postgres",
            &format!("select prosecdef from pg_proc where oid = to_regprocedure('{SIGNATURE}')")
        ),
        "f",
        "security invoker"
    );
    // The service role may (the positive control).
    let service = call(&stack, &stack.service_role_key, None, &repository).await;
    assert!(
        (200..300).contains(&service),
        "service_role: HTTP {service}"
    );
    assert!(stack.count("development_metrics", &repository) > 0);
}

/// `record` of the merged pull request fixture (merged 2019-05-16) through `proxy`.
fn record_merged_pr(stack: &Stack, proxy: &FaultProxy, repository: &str, dir: &Path) -> String {
    let env = merged_pr_env(stack, proxy, repository, dir);
    let out = devmetrics(dir, &[], &env);
    let log = text(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert_eq!(stack.count("pr_events", repository), 1, "{log}");
    log
}

/// The step's environment for the merged pull request fixture, through `proxy`, in `dir`.
fn merged_pr_env(
    stack: &Stack,
    proxy: &FaultProxy,
    repository: &str,
    dir: &Path,
) -> Vec<(&'static str, String)> {
    let mut env = env(stack, repository);
    env.extend([
        ("GITHUB_ACTIONS", "true".to_owned()),
        ("GITHUB_EVENT_NAME", "pull_request".to_owned()),
        (
            "GITHUB_EVENT_PATH",
            fixture("events/pull_request/90-closed-merged.json")
                .display()
                .to_string(),
        ),
        ("GITHUB_REF", "refs/pull/2/merge".to_owned()),
        ("GITHUB_REF_NAME", "2/merge".to_owned()),
        ("GITHUB_BASE_REF", "main".to_owned()),
        ("GITHUB_WORKSPACE", dir.display().to_string()),
        ("DEVMETRICS_REST_URL", format!("{}/rest/v1", proxy.url)),
    ]);
    env
}

#[test]
fn record_after_a_successful_write_makes_exactly_one_refresh_request() {
    let stack = Stack::get();
    ensure_refresh_function(&stack);
    let proxy = FaultProxy::start(&stack.supabase_url, |_| Fault::Pass);
    let repository = unique_repository("record-refresh");
    let dir = workdir();
    let log = record_merged_pr(&stack, &proxy, &repository, dir.path());
    let refreshes: Vec<String> = proxy
        .request_lines()
        .into_iter()
        .filter(|l| l.contains("/rpc/"))
        .collect();
    assert_eq!(
        refreshes,
        ["POST /rest/v1/rpc/refresh_development_metrics HTTP/1.1"],
        "{log}"
    );
    // Every row is of 2019-05-16 (UTC): the refresh covered that day.
    assert!(
        log.contains("refreshed metrics.development_metrics for 2019-05-16 to 2019-05-16"),
        "{log}"
    );
    assert_eq!(
        stack.psql(
            "postgres",
            &format!(
                "select count(*) > 0 from metrics.development_metrics where repository = '{repository}' \
                 and grain = 'day' and metric_date = '2019-05-16'"
            )
        ),
        "t",
        "{log}"
    );
}

#[test]
fn record_refreshes_the_first_tables_figures_while_the_others_are_written() {
    let stack = Stack::get();
    ensure_refresh_function(&stack);
    // The test runs' writes are answered 800 ms late: the refresh of the PR's figures must not
    // wait for them. That refresh is answered 2 400 ms late: the test runs' refresh must not wait
    // for it either.
    const LATE: Duration = Duration::from_millis(800);
    const LATE_REFRESH: Duration = Duration::from_millis(2400);
    let refreshes_seen = std::sync::atomic::AtomicUsize::new(0);
    let proxy = FaultProxy::start_by_line(&stack.supabase_url, move |_, line| {
        if line.contains("/test_runs") || line.contains("/test_case_results") {
            Fault::DelayAfter(LATE)
        } else if line.contains("/rpc/")
            && refreshes_seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0
        {
            Fault::DelayAfter(LATE_REFRESH)
        } else {
            Fault::Pass
        }
    });
    let repository = unique_repository("record-overlap");
    let dir = workdir();
    std::fs::copy(
        fixture("junit/devmetrics/nextest-flaky.xml"),
        dir.path().join("TEST-passing.xml"),
    )
    .unwrap();
    let mut env = merged_pr_env(&stack, &proxy, &repository, dir.path());
    env.extend([
        ("GITHUB_RUN_ID", "7".to_owned()),
        ("INPUT_LEG", "0".to_owned()),
        ("INPUT_JUNIT-PATHS", "TEST-*.xml".to_owned()),
    ]);
    let out = devmetrics(dir.path(), &[], &env);
    let log = text(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");
    let arrivals = proxy.arrivals();
    let at = |what: &str| -> Vec<Instant> {
        arrivals
            .iter()
            .filter(|(_, line)| line.contains(what))
            .map(|(t, _)| *t)
            .collect()
    };
    let (prs, runs, refreshes) = (at("/pr_events"), at("/test_runs"), at("/rpc/"));
    assert_eq!((prs.len(), runs.len()), (1, 1), "{arrivals:#?}");
    // The PR's figures are refreshed first, sent with the test writes, before those were
    // answered; then the test runs' figures, as soon as those were answered and before the
    // first refresh was, over every day written: the PR's (2019-05-16, the fixture's) and the
    // run's (today), years apart, so two requests.
    assert_eq!(refreshes.len(), 3, "{arrivals:#?}\n{log}");
    assert!(refreshes[0] > prs[0], "{arrivals:#?}");
    assert!(
        refreshes[0] < runs[0] + LATE / 2,
        "the first refresh waited for the test runs: {arrivals:#?}"
    );
    assert!(refreshes[1] >= runs[0] + LATE, "{arrivals:#?}");
    assert!(
        refreshes[1] < refreshes[0] + LATE_REFRESH - LATE / 2,
        "the test runs' refresh waited for the PR's: {arrivals:#?}"
    );
    assert!(
        log.contains(
            "refreshed metrics.development_metrics for 2019-05-16 to 2019-05-16: 27 row(s)"
        ),
        "{log}"
    );
    // Both families are there: the PR's day (2019-05-16) has its delivery figures, the test
    // run's day its test figures.
    let has = |metric: &str| {
        stack.psql(
            "postgres",
            &format!(
                "select count(*) > 0 from metrics.development_metrics
                  where repository = '{repository}' and grain = 'day' and metric_name = '{metric}'
                    and n > 0"
            ),
        )
    };
    assert_eq!(has("merged_prs"), "t", "{log}");
    assert_eq!(has("test_pass_rate"), "t", "{log}");
}

#[test]
fn a_failed_refresh_after_record_is_a_warning_and_the_rows_stay_written() {
    let stack = Stack::get();
    // Without a token the merged pull request writes one table (one request, its verdicts are
    // shown, not recorded); the next request, the refresh, fails.
    let proxy = FaultProxy::start(&stack.supabase_url, |n| {
        if n < 1 {
            Fault::Pass
        } else {
            Fault::Answer {
                status: 400,
                retry_after: None,
            }
        }
    });
    let repository = unique_repository("record-refresh-fails");
    let dir = workdir();
    let log = record_merged_pr(&stack, &proxy, &repository, dir.path());
    assert!(
        log.contains("::warning::devmetrics: the rows are written, but metrics.development_metrics was not refreshed for 2019-05-16 to 2019-05-16"),
        "{log}"
    );
    assert_eq!(
        proxy.request_lines().last().map(String::as_str),
        Some("POST /rest/v1/rpc/refresh_development_metrics HTTP/1.1")
    );
}

#[test]
fn aggregate_with_the_local_default_says_it_needs_supabase_and_exits_with_the_configuration_code() {
    let dir = workdir();
    let out = devmetrics(
        dir.path(),
        &["aggregate"],
        &[("GITHUB_REPOSITORY", "o/r".to_owned())],
    );
    let log = text(&out);
    assert_eq!(out.status.code(), Some(2), "{log}");
    assert!(
        log.contains("devmetrics: error: aggregate needs a Supabase project: the figures are computed by the database (metrics.refresh_development_metrics, created by migrations/)"),
        "{log}"
    );
    assert!(
        log.contains("help: pass supabase-url and supabase-service-role-key"),
        "{log}"
    );
    // Nothing computed locally.
    assert!(!dir.path().join("development-metrics").exists());
}

#[test]
fn an_alert_shows_in_the_summary_outputs_and_annotations_and_fails_only_with_fail_on_alert() {
    let stack = Stack::get();
    ensure_refresh_function(&stack);
    let repository = unique_repository("aggregate-alert");
    // 5 of 10 tests passed on 2026-11-30 (UTC): a 50 % pass rate, under the default 80 %.
    stack.psql(
        "postgres",
        &format!(
            "insert into metrics.test_runs (repository, environment, run_id, run_timestamp, \
             test_type, total_tests, passed_tests, failed_tests, skipped_tests) values \
             ('{repository}', 'production', 'gh:1:1:test:1', '2026-11-30T10:00:00Z', 'unit', 10, 5, 5, 0)"
        ),
    );
    let args = ["aggregate", "--from", "2026-11-30", "--to", "2026-11-30"];

    let dir = workdir();
    let out = devmetrics(
        dir.path(),
        &args,
        &step_env(&stack, &repository, dir.path()),
    );
    let log = text(&out);
    assert_eq!(out.status.code(), Some(0), "without fail-on-alert\n{log}");
    let outputs = std::fs::read_to_string(dir.path().join("output.txt")).unwrap();
    let alerts: usize = outputs
        .lines()
        .find_map(|l| l.strip_prefix("alerts="))
        .unwrap_or_else(|| panic!("no alerts output: {outputs}"))
        .parse()
        .unwrap();
    assert!(alerts >= 1, "{outputs}");
    assert!(
        log.contains("::error title=devmetrics alert%3A test pass rate::test pass rate 50 %25"),
        "{log}"
    );
    let summary = std::fs::read_to_string(dir.path().join("summary.md")).unwrap();
    assert!(
        summary.contains(&format!(
            "**{alerts} threshold(s) crossed** (fail-on-alert is off: the step stays green)"
        )),
        "{summary}"
    );
    assert!(
        summary.contains("| test pass rate | production | on the day 2026-11-30 | 50 % |"),
        "{summary}"
    );

    let dir = workdir();
    let mut env = step_env(&stack, &repository, dir.path());
    env.push(("INPUT_FAIL-ON-ALERT", "true".to_owned()));
    let out = devmetrics(dir.path(), &args, &env);
    let log = text(&out);
    assert_eq!(out.status.code(), Some(1), "with fail-on-alert\n{log}");
    let summary = std::fs::read_to_string(dir.path().join("summary.md")).unwrap();
    assert!(
        summary.contains("fail-on-alert fails the step"),
        "{summary}"
    );

    // The threshold at 0: no alert, green.
    let dir = workdir();
    let mut env = step_env(&stack, &repository, dir.path());
    env.extend([
        ("INPUT_FAIL-ON-ALERT", "true".to_owned()),
        ("INPUT_ALERT-MIN-PASS-RATE", "0".to_owned()),
    ]);
    let out = devmetrics(dir.path(), &args, &env);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let outputs = std::fs::read_to_string(dir.path().join("output.txt")).unwrap();
    assert!(outputs.contains("alerts=0"), "{outputs}");
}

#[test]
fn the_failure_window_setting_reaches_the_refresh_function() {
    let stack = Stack::get();
    ensure_refresh_function(&stack);
    let repository = unique_repository("aggregate-window");
    // A deployment on 11-23 10:00 and its rollback 8 days later (12-01 10:00).
    crate::aggregate_sql::seed_late_rollback(&stack, &repository);
    let dir = workdir();
    let args = ["aggregate", "--from", "2026-11-23", "--to", "2026-11-29"];
    let week_rate = || {
        stack.psql(
            "postgres",
            &format!(
                "select value || '/' || n from metrics.development_metrics
                  where repository = '{repository}' and grain = 'week' and metric_date = '2026-11-23'
                    and metric_name = 'change_failure_rate'"
            ),
        )
    };
    // The default (7d): the rollback came too late.
    let out = devmetrics(dir.path(), &args, &env(&stack, &repository));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(week_rate(), "0/1");
    // failure-window 10d: the deployment failed.
    let mut with_window = env(&stack, &repository);
    with_window.push(("INPUT_FAILURE-WINDOW", "10d".to_owned()));
    let out = devmetrics(dir.path(), &args, &with_window);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(week_rate(), "1/1");
    // A window that is not days or hours stops before any request, naming the input.
    let mut bad = env(&stack, &repository);
    bad.push(("INPUT_FAILURE-WINDOW", "10 days".to_owned()));
    let out = devmetrics(dir.path(), &args, &bad);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        text(&out).contains("input `failure-window`"),
        "{}",
        text(&out)
    );
    assert_eq!(week_rate(), "1/1");
}
