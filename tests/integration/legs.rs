//! Matrix and sharded jobs on the real stack: legs of one job step (same run, attempt, job and
//! step) keep a `test_runs` row each, named by the `leg` input or derived from their reports,
//! and recording the same leg again adds nothing.

use crate::common::*;

const MERGED_PR: &str = "events/pull_request/90-closed-merged.json";

/// Shard 1 of a suite: 3 tests, 2 passed, 1 failed.
const SHARD_1: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="api" tests="3" failures="1" errors="0" skipped="0" time="1.5">
    <testcase classname="api.orders" name="creates an order" time="0.5"/>
    <testcase classname="api.orders" name="refuses an empty order" time="0.25"/>
    <testcase classname="api.orders" name="cancels an order" time="0.75">
      <failure message="expected 204, got 500">assertion failed</failure>
    </testcase>
  </testsuite>
</testsuites>
"#;

/// Shard 2 of the same suite: 4 tests, 3 passed, 1 skipped.
const SHARD_2: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="api" tests="4" failures="0" errors="0" skipped="1" time="2">
    <testcase classname="api.invoices" name="creates an invoice" time="0.5"/>
    <testcase classname="api.invoices" name="sends an invoice" time="0.5"/>
    <testcase classname="api.invoices" name="voids an invoice" time="1"/>
    <testcase classname="api.invoices" name="exports to pdf" time="0"><skipped/></testcase>
  </testsuite>
</testsuites>
"#;

/// A leg's workspace (each leg of a matrix runs on its own runner) holding `report` at the
/// same path in every leg.
fn leg_workspace(report: &str) -> tempfile::TempDir {
    let dir = workdir();
    std::fs::create_dir_all(dir.path().join("reports")).unwrap();
    std::fs::write(dir.path().join("reports/junit.xml"), report).unwrap();
    dir
}

/// The step as the runner starts it in every leg: the same run, attempt, job and step; `leg`
/// as the workflow gives it (`None`: the input is empty).
fn leg_env(
    dir: &std::path::Path,
    stack: &Stack,
    repo: &str,
    leg: Option<&str>,
) -> Vec<(&'static str, String)> {
    vec![
        ("GITHUB_ACTIONS", "true".to_owned()),
        ("GITHUB_EVENT_NAME", "pull_request".to_owned()),
        (
            "GITHUB_EVENT_PATH",
            fixture(MERGED_PR).display().to_string(),
        ),
        ("GITHUB_REPOSITORY", repo.to_owned()),
        (
            "GITHUB_SHA",
            "ec26c3e57ca3a959ca5aad62de7213c562f8c821".to_owned(),
        ),
        ("GITHUB_REF", "refs/pull/2/merge".to_owned()),
        ("GITHUB_BASE_REF", "main".to_owned()),
        ("GITHUB_HEAD_REF", "changes".to_owned()),
        ("GITHUB_RUN_ID", "7070".to_owned()),
        ("GITHUB_RUN_ATTEMPT", "1".to_owned()),
        ("GITHUB_JOB", "test".to_owned()),
        ("GITHUB_ACTION", "record-tests".to_owned()),
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
        ("INPUT_SUPABASE-URL", stack.supabase_url.clone()),
        ("INPUT_SUPABASE-SERVICE-ROLE-KEY", stack.secret_key.clone()),
        ("INPUT_JUNIT-PATHS", "reports/*.xml".to_owned()),
        ("INPUT_MIN-PASS-RATE", "0".to_owned()),
        ("INPUT_LEG", leg.unwrap_or("").to_owned()),
    ]
}

fn record(dir: &std::path::Path, env: &[(&str, String)]) {
    let out = devmetrics(dir, &[], env);
    assert!(out.status.success(), "{}", text(&out));
}

/// `run_id leg total passed failed skipped` of the repository's test runs, ordered by total.
fn runs(stack: &Stack, repo: &str) -> Vec<String> {
    stack.psql(
        "postgres",
        &format!(
            "select run_id || ' ' || leg || ' ' || total_tests || ' ' || passed_tests || ' ' || failed_tests || ' ' || skipped_tests \
               from metrics.test_runs where repository = '{repo}' order by total_tests, leg"
        ),
    )
    .lines()
    .map(str::to_owned)
    .collect()
}

#[test]
fn two_legs_of_one_job_step_keep_a_test_run_each_with_their_own_totals() {
    let stack = Stack::get();
    let repo = unique_repository("legs-derived");
    let (leg_1, leg_2) = (leg_workspace(SHARD_1), leg_workspace(SHARD_2));
    // No `leg` given: each leg is named by its reports (same path, other tests).
    record(leg_1.path(), &leg_env(leg_1.path(), &stack, &repo, None));
    record(leg_2.path(), &leg_env(leg_2.path(), &stack, &repo, None));
    let rows = runs(&stack, &repo);
    assert_eq!(stack.count("test_runs", &repo), 2, "{rows:?}");
    let fields: Vec<Vec<&str>> = rows.iter().map(|r| r.split(' ').collect()).collect();
    // Each row keeps its own file's totals (the files' counts, by hand, above).
    assert_eq!(
        fields.iter().map(|f| f[2..].join(" ")).collect::<Vec<_>>(),
        ["3 2 1 0", "4 3 0 1"]
    );
    for f in &fields {
        assert_eq!(f[0], "gh:7070:1:test:record-tests");
        assert!(f[1].starts_with("auto-"), "{rows:?}");
    }
    assert_ne!(fields[0][1], fields[1][1]);
    // The failed case of leg 1 is kept under leg 1's key.
    assert_eq!(
        stack.psql(
            "postgres",
            &format!(
                "select count(*) from metrics.test_case_results where repository = '{repo}' \
                   and outcome = 'failed' and leg = '{}'",
                fields[0][1]
            )
        ),
        "1"
    );

    // The same step of leg 1 recorded again (slower this time): nothing new in either table.
    let cases = stack.count("test_case_results", &repo);
    std::fs::write(
        leg_1.path().join("reports/junit.xml"),
        SHARD_1.replace("time=\"0.", "time=\"9."),
    )
    .unwrap();
    record(leg_1.path(), &leg_env(leg_1.path(), &stack, &repo, None));
    assert_eq!(runs(&stack, &repo), rows);
    assert_eq!(stack.count("test_case_results", &repo), cases);
}

#[test]
fn two_legs_named_by_the_leg_input_keep_a_row_each_even_with_identical_files() {
    let stack = Stack::get();
    let repo = unique_repository("legs-named");
    let (leg_0, leg_1) = (leg_workspace(SHARD_1), leg_workspace(SHARD_1));
    // `leg` as the action.yml default gives it: the strategy's job index.
    record(
        leg_0.path(),
        &leg_env(leg_0.path(), &stack, &repo, Some("0")),
    );
    record(
        leg_1.path(),
        &leg_env(leg_1.path(), &stack, &repo, Some("1")),
    );
    record(
        leg_0.path(),
        &leg_env(leg_0.path(), &stack, &repo, Some("0")),
    );
    assert_eq!(
        runs(&stack, &repo),
        [
            "gh:7070:1:test:record-tests 0 3 2 1 0",
            "gh:7070:1:test:record-tests 1 3 2 1 0"
        ]
    );
    assert_eq!(
        stack.psql(
            "postgres",
            &format!(
                "select string_agg(leg || ':' || test_name, ',' order by leg) from metrics.test_case_results \
                   where repository = '{repo}' and outcome = 'failed'"
            )
        ),
        "0:cancels an order,1:cancels an order"
    );
}

#[test]
fn legs_with_identical_reports_and_no_leg_input_share_one_row() {
    // The documented limit: without `leg`, a leg is known by its report paths and tests only.
    let stack = Stack::get();
    let repo = unique_repository("legs-identical");
    let (leg_0, leg_1) = (leg_workspace(SHARD_2), leg_workspace(SHARD_2));
    record(leg_0.path(), &leg_env(leg_0.path(), &stack, &repo, None));
    record(leg_1.path(), &leg_env(leg_1.path(), &stack, &repo, None));
    assert_eq!(stack.count("test_runs", &repo), 1);
}
