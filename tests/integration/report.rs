//! `devmetrics report` on the real stack: a synthetic history of three ISO weeks written into the
//! event tables, `metrics.refresh_development_metrics` run over it, then the built binary reads
//! it back through the gateway in all three formats. Every figure of the report is compared with
//! the `development_metrics` row it comes from (read with psql, independently of the API); the
//! HTML is opened in headless Chromium (Debian's `chromium`, installed by scripts/stack-deps.sh)
//! at 1280 and 375 px: screenshots under target/report-screenshots/, charts drawn, no request
//! leaves the page, no console message; the Markdown is held to GitHub's limits; an empty
//! period reads as such, never as 0.

use crate::common::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

mod dashboard;

/// The period: 21 days ending on Sunday 2026-11-29, the ISO weeks of 11-09, 11-16 and 11-23.
const TO: &str = "2026-11-29";
const FROM: &str = "2026-11-09";
const WEEKS: [&str; 3] = ["2026-11-09", "2026-11-16", "2026-11-23"];

fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// A merged PR (times `2026-11-DD HH:MM`, UTC): opened and merged rows, its stages in metadata.
fn pr(r: &str, n: u32, first_commit: &str, created: &str, review: &str, merged: &str) -> String {
    let t = |s: &str| format!("2026-11-{}:00Z", s.replace(' ', "T"));
    let meta = json!({"created_at": t(created), "first_commit_at": t(first_commit),
        "ready_for_review_at": t(created), "first_review_at": t(review), "merged_at": t(merged)});
    format!(
        "insert into metrics.pr_events (repository, environment, pr_number, event_type, event_timestamp, event_key)
           values ({r}, 'production', {n}, 'opened', '{c}', 'opened@{c}');
         insert into metrics.pr_events (repository, environment, pr_number, event_type, event_timestamp, event_key,
                                        head_sha, merge_commit_sha, cycle_time_seconds, metadata)
           values ({r}, 'production', {n}, 'merged', '{m}', 'merged@{m}', 'h{n}', 'm{n}',
                   extract(epoch from timestamptz '{m}' - timestamptz '{c}')::bigint, {meta});",
        c = t(created),
        m = t(merged),
        meta = quote(&meta.to_string()),
    )
}

/// A successful production deployment (finished `2026-11-DD HH:MM`).
fn deployment(r: &str, id: u32, sha: &str, kind: &str, finished: &str, metadata: Value) -> String {
    let at = format!("2026-11-{}:00Z", finished.replace(' ', "T"));
    format!(
        "insert into metrics.deployment_events (repository, environment, deployment_id, target_environment,
            is_production, sha, status, kind, source, finished_at, event_timestamp, metadata)
           values ({r}, 'production', 'deployment:{id}', 'production', true, '{sha}', 'success', '{kind}',
                   'deployment', '{at}', '{at}', {meta});",
        meta = quote(&metadata.to_string()),
    )
}

/// The history. Week of 11-09: nothing at all. Week of 11-16: PRs 1-3, each deployed (D1-D3),
/// staging tests 9/10. Week of 11-23: PR 4 deployed by D4, rolled back by D5 an hour later (D4
/// failed); PR 5 merged, never deployed; staging tests 7/9 (under the 80 % line), production
/// 20/20; flaky and slow cases; compliance verdicts of two rules.
fn seed(stack: &Stack, repository: &str) {
    let r = quote(repository);
    let mut sql = String::new();
    sql += &pr(&r, 1, "16 08:00", "16 09:00", "16 10:00", "16 12:00");
    sql += &pr(&r, 2, "17 08:00", "17 09:00", "17 11:00", "17 13:00");
    sql += &pr(&r, 3, "18 08:00", "18 09:00", "18 12:00", "18 14:00");
    sql += &pr(&r, 4, "23 08:00", "23 09:00", "23 10:00", "23 12:00");
    sql += &pr(&r, 5, "24 08:00", "24 09:00", "24 10:00", "24 11:00");
    let carries = |sha: &str| json!({"carried_shas": [sha], "carried_known": true});
    sql += &deployment(&r, 1, "s1", "deploy", "16 14:00", carries("m1"));
    sql += &deployment(&r, 2, "s2", "deploy", "17 15:00", carries("m2"));
    sql += &deployment(&r, 3, "s3", "deploy", "18 16:00", carries("m3"));
    sql += &deployment(&r, 4, "s4", "deploy", "23 14:00", carries("m4"));
    sql += &deployment(
        &r,
        5,
        "s3",
        "rollback",
        "23 15:00",
        json!({"carried_known": false}),
    );
    sql += &format!(
        "insert into metrics.test_runs (repository, environment, run_id, run_timestamp, total_tests, passed_tests,
            failed_tests, skipped_tests, flaky_tests)
           values ({r}, 'staging', 'a', '2026-11-17T10:00:00Z', 10, 9, 1, 0, 1),
                  ({r}, 'staging', 'b', '2026-11-24T10:00:00Z', 10, 7, 2, 1, 2),
                  ({r}, 'production', 'c', '2026-11-25T10:00:00Z', 20, 20, 0, 0, 0);
         insert into metrics.test_case_results (repository, environment, run_id, run_timestamp, suite_name,
            classname, test_name, outcome, duration_seconds, attempts)
           values ({r}, 'staging', 'a', '2026-11-17T10:00:00Z', 'api', 'auth', 'login', 'flaky', 1.5, 2),
                  ({r}, 'staging', 'b', '2026-11-24T10:00:00Z', 'api', 'auth', 'login', 'flaky', 2.5, 2),
                  ({r}, 'staging', 'b', '2026-11-24T10:00:00Z', 'ui', 'cart', 'checkout <b>', 'flaky', 3, 3),
                  ({r}, 'staging', 'b', '2026-11-24T10:00:00Z', 'db', 'schema', 'migrate', 'passed', 42.5, 1);
         insert into metrics.rule_compliance_events (repository, environment, rule_name, rule_category,
            compliance_status, context_type, context_id, event_timestamp)
           values ({r}, 'production', 'branch-naming', 'process', 'compliant', 'pull_request', '1', '2026-11-16T12:00:00Z'),
                  ({r}, 'production', 'branch-naming', 'process', 'compliant', 'pull_request', '2', '2026-11-17T13:00:00Z'),
                  ({r}, 'production', 'branch-naming', 'process', 'compliant', 'pull_request', '4', '2026-11-23T12:00:00Z'),
                  ({r}, 'production', 'branch-naming', 'process', 'violation', 'pull_request', '5', '2026-11-24T11:00:00Z'),
                  ({r}, 'production', 'pr-title', 'quality', 'compliant', 'pull_request', '5', '2026-11-24T11:00:00Z');"
    );
    stack.psql("postgres", &sql);
    refresh(stack, repository);
}

fn refresh(stack: &Stack, repository: &str) {
    stack.psql(
        "postgres",
        &format!(
            "set role service_role; select metrics.refresh_development_metrics({}, '{FROM}', '{TO}')",
            quote(repository)
        ),
    );
}

/// The weekly rows of `repository`, by (environment, metric, week): value, n, p50, metadata.
type Rows = BTreeMap<(String, String, String), (Option<f64>, i64, Option<f64>, Value)>;

fn weekly_rows(stack: &Stack, repository: &str) -> Rows {
    let text = stack.psql(
        "postgres",
        &format!(
            "select environment, metric_name, metric_date, coalesce(value::text, ''), n,
                    coalesce(p50::text, ''), metadata
               from metrics.development_metrics
              where repository = {} and grain = 'week'",
            quote(repository)
        ),
    );
    let number = |s: &str| (!s.is_empty()).then(|| s.parse::<f64>().unwrap());
    text.lines()
        .map(|line| {
            let f: Vec<&str> = line.splitn(7, '|').collect();
            (
                (f[0].to_owned(), f[1].to_owned(), f[2].to_owned()),
                (
                    number(f[3]),
                    f[4].parse().unwrap(),
                    number(f[5]),
                    serde_json::from_str(f[6]).unwrap(),
                ),
            )
        })
        .collect()
}

/// Runs `devmetrics report` for `repository` over the period; returns the file's text.
fn report(
    stack: &Stack,
    repository: &str,
    format: &str,
    extra: &[(&'static str, String)],
) -> (String, String) {
    let dir = workdir();
    let out = dir.path().join(format!("out/report.{format}"));
    let mut env = vec![
        ("INPUT_SUPABASE-URL", stack.supabase_url.clone()),
        ("INPUT_SUPABASE-SERVICE-ROLE-KEY", stack.secret_key.clone()),
    ];
    env.extend_from_slice(extra);
    let output = devmetrics(
        dir.path(),
        &[
            "report",
            "--format",
            format,
            "--out",
            out.to_str().unwrap(),
            "--to",
            TO,
            "--days",
            "21",
            "--repository",
            repository,
        ],
        &env,
    );
    let log = text(&output);
    assert_eq!(output.status.code(), Some(0), "{log}");
    let printed = log.lines().filter(|l| !l.starts_with("::add-mask::"));
    assert!(
        !printed.clone().any(|l| l.contains(&stack.secret_key)),
        "the key is never printed (but masked)"
    );
    (
        std::fs::read_to_string(&out).expect("the report file is written"),
        log,
    )
}

fn close(a: Option<f64>, b: Option<f64>, what: &str) {
    match (a, b) {
        (Some(a), Some(b)) => assert!((a - b).abs() < 1e-9, "{what}: report {a} vs row {b}"),
        (a, b) => assert_eq!(a, b, "{what}"),
    }
}

#[test]
fn every_figure_of_the_json_report_equals_the_development_metrics_row_it_comes_from() {
    let stack = Stack::get();
    let repository = unique_repository("report-figures");
    seed(&stack, &repository);
    let rows = weekly_rows(&stack, &repository);
    let (text, _) = report(&stack, &repository, "json", &[]);
    let r: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(r["weeks"], json!(WEEKS));
    assert_eq!(r["headline_week"], "2026-11-23");
    let row = |env: &str, metric: &str, week: &str| {
        rows.get(&(env.to_owned(), metric.to_owned(), week.to_owned()))
            .unwrap_or_else(|| panic!("a row for {env} {metric} {week}"))
            .clone()
    };
    let mut compared = 0;
    for key in r["dora"].as_array().unwrap() {
        let metric = key["metric"].as_str().unwrap();
        for (i, week) in WEEKS.iter().enumerate() {
            let point = &key["trend"][i];
            let (value, n, p50, metadata) = row("production", metric, week);
            let stored = match key["unit"].as_str().unwrap() {
                "per_day" => metadata["deployments_per_day"].as_f64(),
                "seconds" => p50,
                _ => value,
            };
            assert_eq!(point["n"], n, "{metric} {week}");
            close(
                point["value"].as_f64(),
                if n == 0 { None } else { stored },
                metric,
            );
            compared += 1;
        }
        let (_, n, _, metadata) = row("production", metric, "2026-11-23");
        assert_eq!(key["headline"], key["trend"][2]);
        assert_eq!(
            key["level"],
            if n > 0 {
                metadata["dora_level"].clone()
            } else {
                Value::Null
            }
        );
    }
    for (i, week) in WEEKS.iter().enumerate() {
        for (stage, metric) in [
            ("coding", "pr_coding_seconds"),
            ("pickup", "pr_pickup_seconds"),
            ("review", "pr_review_seconds"),
            ("deploy", "pr_deploy_seconds"),
            ("cycle", "pr_cycle_time_seconds"),
        ] {
            let (_, n, p50, _) = row("production", metric, week);
            let point = &r["cycle"][i][stage];
            assert_eq!(point["n"], n, "{metric} {week}");
            close(point["value"].as_f64(), p50, metric);
            compared += 1;
        }
    }
    for series in r["pass_rates"].as_array().unwrap() {
        let env = series["environment"].as_str().unwrap();
        for (i, week) in WEEKS.iter().enumerate() {
            let (value, n, _, _) = row(env, "test_pass_rate", week);
            assert_eq!(series["points"][i]["n"], n);
            close(
                series["points"][i]["value"].as_f64(),
                value,
                "test_pass_rate",
            );
            compared += 1;
        }
    }
    for series in r["compliance"].as_array().unwrap() {
        let (env, rule) = (
            series["environment"].as_str().unwrap(),
            series["rule"].as_str().unwrap(),
        );
        for (i, week) in WEEKS.iter().enumerate() {
            let (_, _, _, metadata) = row(env, "rule_compliance_rate", week);
            let stored = &metadata["rules"][rule];
            close(
                series["points"][i]["value"].as_f64(),
                stored["value"].as_f64(),
                rule,
            );
            assert_eq!(series["points"][i]["n"], stored["n"].as_i64().unwrap_or(0));
            compared += 1;
        }
    }
    assert_eq!(compared, 5 * 3 + 5 * 3 + 2 * 3 + 2 * 3);

    // The same figures, by hand. Week of 11-16: D1-D3, 3 / 7 per day (high); lead times 6, 7
    // and 8 h: median 7 h (elite). Week of 11-23: D4, D5 (the rollback); D4 failed: 1 / 2;
    // recovered in 1 h; D5 is rework: 1 / 2. Week of 11-09: nothing, said so, not 0.
    let key = |i: usize| &r["dora"][i];
    assert_eq!(key(0)["trend"][1]["text"], "0.43 per day (3 in the week)");
    assert_eq!(key(0)["trend"][0]["value"], Value::Null);
    assert_eq!(
        key(0)["trend"][0]["text"],
        "no production deployment in this period"
    );
    assert_eq!(key(1)["trend"][1]["text"], "7.0 h");
    assert_eq!(key(1)["trend"][1]["n"], 3);
    assert_eq!(key(2)["headline"]["text"], "50.0 %");
    assert_eq!(key(3)["headline"]["text"], "1.0 h");
    assert_eq!(key(4)["headline"]["text"], "50.0 %");
    assert_eq!(
        key(4)["level"],
        Value::Null,
        "DORA gives rework rate no level"
    );
    assert_eq!(r["pass_rates"][1]["environment"], "staging");
    assert_eq!(r["pass_rates"][1]["points"][2]["text"], "77.8 %");
    assert_eq!(
        r["flaky"][0],
        json!({"name": "api › auth › login", "runs": 2, "max_seconds": null, "text": "flaky in 2 run(s)"})
    );
    assert_eq!(r["slowest"][0]["name"], "db › schema › migrate");
    assert_eq!(r["slowest"][0]["max_seconds"], 42.5);
    assert_eq!(r["failed_deployments"][0]["deployment_id"], "deployment:4");
    assert_eq!(r["failed_deployments"][0]["reason"], "rolled_back");
    assert_eq!(r["undeployed"][0]["pr_number"], 5);
}

/// Markdown tables as GitHub reads them: every row of a table has its header's cell count.
fn assert_tables_are_well_formed(md: &str) {
    let cells = |line: &str| line.replace("\\|", "").matches('|').count();
    let mut header: Option<usize> = None;
    for line in md.lines() {
        if line.starts_with('|') {
            match header {
                None => header = Some(cells(line)),
                Some(n) => assert_eq!(cells(line), n, "a table row of another width: {line}"),
            }
        } else {
            header = None;
        }
    }
}

#[test]
fn the_markdown_report_fits_a_job_summary_and_puts_the_alerts_first() {
    let stack = Stack::get();
    let repository = unique_repository("report-markdown");
    seed(&stack, &repository);
    let (md, _) = report(&stack, &repository, "markdown", &[]);
    assert!(md.len() <= devmetrics::output::summary::GITHUB_SUMMARY_LIMIT);
    assert_tables_are_well_formed(&md);
    // The week of 11-24 holds the staging pass rate 77.8 %, but the alerts are of the last day
    // and its week (11-29, the week of 11-23): 77.8 % < 80 %.
    let alerts = md.find("### Current alerts").unwrap();
    assert!(alerts < md.find("### DORA keys").unwrap());
    assert!(md.contains(":warning: test pass rate 77.8 % (n = 9) in staging in the ISO week starting 2026-11-23"), "{md}");
    assert!(
        md.contains("| Change failure rate | 50.0 % | 2 | elite |")
            || md.contains("| Change failure rate | 50.0 % | 2 |"),
        "{md}"
    );
    assert!(
        md.contains("ui › cart › checkout &lt;b&gt;"),
        "test names are escaped: {md}"
    );
    assert!(
        md.contains("| week of | branch-naming (production) | pr-title (production) |"),
        "{md}"
    );
    assert!(
        md.contains("| 2026-11-23 | 50.0 % (2) | 100.0 % (1) |"),
        "{md}"
    );
    assert!(md.contains("Merged, not deployed: #5."));

    // In Actions, an HTML report still writes the Markdown to the job summary.
    let dir = workdir();
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "").unwrap();
    let (html, _) = report(
        &stack,
        &repository,
        "html",
        &[
            ("GITHUB_ACTIONS", "true".into()),
            ("GITHUB_STEP_SUMMARY", summary.display().to_string()),
        ],
    );
    assert!(html.starts_with("<!DOCTYPE html>"));
    let written = std::fs::read_to_string(&summary).unwrap();
    assert!(written.contains("## devmetrics report:"), "{written}");
}

#[test]
fn a_period_without_deployments_reads_no_production_deployment_never_zero() {
    let stack = Stack::get();
    let repository = unique_repository("report-empty");
    stack.psql(
        "postgres",
        &format!(
            "insert into metrics.test_runs (repository, environment, run_id, run_timestamp, total_tests, passed_tests,
                failed_tests, skipped_tests, flaky_tests)
               values ({}, 'staging', 'a', '2026-11-24T10:00:00Z', 4, 4, 0, 0, 0)",
            quote(&repository)
        ),
    );
    refresh(&stack, &repository);
    let (md, _) = report(&stack, &repository, "markdown", &[]);
    assert!(
        md.contains("| Deployment frequency | _no production deployment in this period_ | 0 | — |"),
        "{md}"
    );
    assert!(
        md.contains("| Change failure rate | _no production deployment in this period_ |"),
        "{md}"
    );
    assert!(md.contains(
        "| Failed deployment recovery time (median) | _no failed deployment in this period_ |"
    ));
    assert!(
        !md.contains("| 0.0 %") && !md.contains("| 0 per day"),
        "{md}"
    );
    let (html, _) = report(&stack, &repository, "html", &[]);
    assert!(html.contains("<p class=\"empty\">no production deployment in this period</p>"));
    let (json, _) = report(&stack, &repository, "json", &[]);
    let r: Value = serde_json::from_str(&json).unwrap();
    for key in r["dora"].as_array().unwrap() {
        assert_eq!(key["headline"]["value"], Value::Null, "{}", key["metric"]);
        assert_eq!(
            key["headline"]["missing"], false,
            "the row exists, with n = 0"
        );
    }
    // A repository with no row at all says to run aggregate.
    let (md, log) = report(&stack, &unique_repository("report-none"), "markdown", &[]);
    assert!(md.contains("**No figure in this period**"), "{md}");
    assert!(log.contains("run `devmetrics aggregate` first"), "{log}");
}

/// Chromium and node, or a loud failure naming the fix.
fn tools() -> (PathBuf, PathBuf) {
    let find = |name: &str| {
        std::env::var_os("PATH")
            .and_then(|paths| std::env::split_paths(&paths).map(|p| p.join(name)).find(|p| p.is_file()))
            .unwrap_or_else(|| {
                panic!("{name} is not installed: run scripts/stack-deps.sh (Debian's chromium and node)")
            })
    };
    (find("chromium"), find("node"))
}

#[test]
fn the_html_report_draws_its_charts_at_1280_and_375_px_without_a_request_or_a_console_message() {
    let stack = Stack::get();
    let (chromium, node) = tools();
    let repository = unique_repository("report-html");
    seed(&stack, &repository);
    let (html, _) = report(&stack, &repository, "html", &[]);
    let shots = repo_root().join("target/report-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let page = shots.join("report.html");
    std::fs::write(&page, &html).unwrap();
    let script = repo_root().join("tests/integration/report/check_page.mjs");
    let output = Command::new(node)
        .arg(&script)
        .arg(&chromium)
        .arg(&page)
        .arg(shots.join("report"))
        .args(["1280", "375"])
        .output()
        .expect("node runs");
    let answer = String::from_utf8_lossy(&output.stdout);
    let checked: Value = serde_json::from_str(answer.trim())
        .unwrap_or_else(|e| panic!("{e}: {answer} {}", String::from_utf8_lossy(&output.stderr)));
    let results = checked["results"]
        .as_array()
        .unwrap_or_else(|| panic!("{checked}"));
    assert_eq!(results.len(), 2);
    for r in results {
        let width = r["width"].as_f64().unwrap();
        // 5 DORA trends, the PR stages, 2 pass rates (production, staging).
        let svgs = r["svgs"].as_array().unwrap();
        assert_eq!(svgs.len(), 8, "{r}");
        for svg in svgs {
            assert!(svg["width"].as_f64().unwrap() > 100.0, "{svg}");
            assert!(svg["height"].as_f64().unwrap() > 30.0, "{svg}");
            assert!(
                svg["width"].as_f64().unwrap() <= width,
                "{svg} fits {width}"
            );
            assert!(
                !svg["title"].as_str().unwrap().is_empty()
                    && !svg["desc"].as_str().unwrap().is_empty()
            );
        }
        // Every bar drawn has geometry: the week of 11-16 and 11-23 have deployments, the stages
        // chart has 4 stages in 11-16 (3 in 11-23 for the undeployed... at least one per week).
        let drawn: Vec<u64> = svgs.iter().map(|s| s["drawn"].as_u64().unwrap()).collect();
        let rects: Vec<u64> = svgs.iter().map(|s| s["rects"].as_u64().unwrap()).collect();
        assert_eq!(drawn, rects, "every rect has a non-empty box: {r}");
        assert_eq!(
            drawn[0], 2,
            "deployment frequency: two weeks with deployments"
        );
        assert_eq!(drawn[5], 8, "PR stages: 4 stages in each of two weeks");
        assert!(
            r["scrollWidth"].as_f64() <= r["innerWidth"].as_f64(),
            "no horizontal scrolling at {width} px: {r}"
        );
        assert_eq!(r["requests"], json!([]), "no request leaves the page");
        assert_eq!(r["console"], json!([]));
        assert_eq!(r["logs"], json!([]));
        assert_eq!(r["exceptions"], json!([]));
        let shot = Path::new(r["screenshot"].as_str().unwrap());
        assert!(
            std::fs::metadata(shot).unwrap().len() > 10_000,
            "{}",
            shot.display()
        );
    }
}

#[test]
fn ten_years_of_weekly_figures_are_read_page_by_page_and_every_week_is_shown() {
    let stack = Stack::get();
    let repository = unique_repository("report-pages");
    // 520 ISO weeks (2016-12-12 to 2026-11-23) x 14 figures = 7 280 rows: 8 pages of 1000.
    // Week i (0-based) holds i deployments and a lead time of i hours.
    stack.psql(
        "postgres",
        &format!(
            "insert into metrics.development_metrics (repository, environment, metric_date, grain, metric_name, value, n, p50, unit, metadata)
             select {r}, 'production', w::date, 'week', m,
                    case when m = 'deployment_count' then i else i * 3600 end, i,
                    case when m = 'deployment_count' then null else i * 3600 end,
                    case when m = 'deployment_count' then 'deployments' else 'seconds' end,
                    case when m = 'deployment_count' then jsonb_build_object('deployments_per_day', i / 7.0) else '{{}}'::jsonb end
               from generate_series(date '2016-12-12', date '2026-11-23', interval '7 days') with ordinality g(w, i0)
              cross join lateral (select (i0 - 1)::integer as i) x
              cross join unnest(array['deployment_count', 'lead_time_seconds', 'change_failure_rate',
                 'failed_deployment_recovery_seconds', 'rework_rate', 'pr_cycle_time_seconds', 'pr_coding_seconds',
                 'pr_pickup_seconds', 'pr_review_seconds', 'pr_deploy_seconds', 'merged_not_deployed',
                 'test_pass_rate', 'flaky_test_rate', 'rule_compliance_rate']) m",
            r = quote(&repository)
        ),
    );
    let dir = workdir();
    let out = dir.path().join("r.json");
    let started = std::time::Instant::now();
    let output = devmetrics(
        dir.path(),
        &[
            "report",
            "--format",
            "json",
            "--out",
            out.to_str().unwrap(),
            "--to",
            TO,
            "--days",
            "3640",
            "--repository",
            &repository,
        ],
        &[
            ("INPUT_SUPABASE-URL", stack.supabase_url.clone()),
            ("INPUT_SUPABASE-SERVICE-ROLE-KEY", stack.secret_key.clone()),
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let elapsed = started.elapsed();
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let trend = r["dora"][1]["trend"].as_array().unwrap();
    assert_eq!(trend.len(), 520, "2016-12-12 to 2026-11-23");
    for (i, point) in trend.iter().enumerate().skip(1) {
        assert_eq!(point["n"], i, "{point}");
        assert_eq!(point["value"].as_f64(), Some(i as f64 * 3600.0), "{point}");
    }
    assert_eq!(
        trend[0]["text"],
        "no change reached production in this period"
    );
    let per_day = r["dora"][0]["trend"][519]["value"].as_f64().unwrap();
    assert!((per_day - 519.0 / 7.0).abs() < 1e-9, "{per_day}");
    assert!(elapsed.as_secs() < 20, "{elapsed:?}");
    eprintln!("report: 520 weeks x 14 figures read and rendered in {elapsed:?}");
}
