//! `devmetrics backfill` against a fake GitHub API on loopback ([`fake`]) answering as GitHub
//! documents it: the same history captured live by `record` and then backfilled gives exactly
//! the rows of either alone; deployments are classified in time order as live; pagination,
//! a secondary rate limit, a 502, a GraphQL error about one node, and a run interrupted then
//! resumed; the dry-run report.

mod bench;
mod fake;
mod history;
mod migrations;

use crate::common::*;
use chrono::{Duration, Utc};
use fake::{FakeHistory, Faults, History};
use history::{at, history, prs, release, sha, Pr};
use serde_json::{json, Value};
use std::path::Path;

/// A fake token, as `${{ github.token }}` gives one.
const TOKEN: &str = "ghs_backfillFakeToken0000000000000000000";

/// The step's environment in Actions on `main`, writing to the stack (or, `stack` false, to
/// local files), with the fake as the GitHub API.
fn step_env(dir: &Path, repo: &str, api: &FakeHistory, stack: bool) -> Vec<(&'static str, String)> {
    let mut env = vec![
        ("GITHUB_REPOSITORY", repo.to_owned()),
        ("GITHUB_WORKSPACE", dir.display().to_string()),
        ("GITHUB_API_URL", api.url.clone()),
        ("GITHUB_TOKEN", TOKEN.to_owned()),
        ("INPUT_PRODUCTION-BRANCHES", "main,master".to_owned()),
    ];
    if stack {
        let s = Stack::get();
        env.extend([
            ("GITHUB_ACTIONS", "true".to_owned()),
            ("GITHUB_REF", "refs/heads/main".to_owned()),
            ("GITHUB_REF_NAME", "main".to_owned()),
            ("INPUT_SUPABASE-URL", s.supabase_url),
            ("INPUT_SUPABASE-SERVICE-ROLE-KEY", s.secret_key),
        ]);
    }
    env
}

fn record(dir: &Path, repo: &str, api: &FakeHistory, event: &str, payload: &Value, n: usize) {
    let file = dir.join(format!("{event}-{n}.json"));
    std::fs::write(&file, payload.to_string()).unwrap();
    let mut env = step_env(dir, repo, api, true);
    env.push(("GITHUB_EVENT_NAME", event.to_owned()));
    env.push(("GITHUB_EVENT_PATH", file.display().to_string()));
    env.push(("INPUT_COMMAND", "record".to_owned()));
    let out = devmetrics(dir, &[], &env);
    assert!(out.status.success(), "{}", text(&out));
}

fn backfill(dir: &Path, env: &[(&'static str, String)], args: &[&str]) -> std::process::Output {
    let mut argv = vec!["backfill"];
    argv.extend_from_slice(args);
    devmetrics(dir, &argv, env)
}

#[test]
fn record_then_backfill_of_the_same_history_leaves_exactly_the_rows_of_either_alone() {
    let stack = Stack::get();
    let live = unique_repository("backfill-live");
    let only = unique_repository("backfill-only");
    let dir = workdir();
    let api = FakeHistory::start(history(&prs(&live, 2)));
    for (i, (event, payload)) in prs(&live, 2).iter().flat_map(Pr::live_payloads).enumerate() {
        record(dir.path(), &live, &api, event, &payload, i);
    }
    let live_keys = stack.column("pr_events", "event_key", &live);
    assert_eq!(live_keys.len(), 12, "{live_keys:?}");

    let out = backfill(
        dir.path(),
        &step_env(dir.path(), &live, &api, true),
        &["--days", "30", "--only", "prs,reviews"],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        stack.column("pr_events", "event_key", &live),
        live_keys,
        "backfill added rows over live capture"
    );
    assert!(
        text(&out).contains("metrics.pr_events: 0 added, 12 already present"),
        "{}",
        text(&out)
    );

    api.set_history(history(&prs(&only, 2)));
    let out = backfill(
        dir.path(),
        &step_env(dir.path(), &only, &api, true),
        &["--days", "30"],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(stack.column("pr_events", "event_key", &only), live_keys);
    // The merged rows agree on the facts the figures read, stages included.
    let facts = "event_type || ' ' || environment || ' ' || event_timestamp || ' ' || coalesce(cycle_time_seconds::text, '-') \
                 || ' ' || coalesce(metadata->>'first_commit_at', '-') || ' ' || coalesce(metadata->>'ready_for_review_at', '-') \
                 || ' ' || coalesce(metadata->>'approved_at', '-')";
    let merged = |repo: &str| {
        stack
            .column("pr_events", facts, repo)
            .into_iter()
            .filter(|l| l.starts_with("merged"))
            .collect::<Vec<_>>()
    };
    assert_eq!(merged(&only), merged(&live));
    assert!(
        merged(&only)[0].contains(" production "),
        "{:?}",
        merged(&only)
    );
    assert!(
        !merged(&only)[0].contains(" - "),
        "a stage is missing: {:?}",
        merged(&only)
    );
    // And the figures: the history only backfilled gives the figures of the history captured
    // live (PR cycle time, stages, merged PRs...).
    figures_agree(dir.path(), &api, &live, &only);
}

/// `aggregate` over the last 30 days for both repositories gives the same figures (every
/// figure but rule compliance: a backfill from the API records no rule verdicts, live capture
/// does), and at least one measured one.
fn figures_agree(dir: &Path, api: &FakeHistory, live: &str, only: &str) {
    let stack = Stack::get();
    let figures = |repo: &str| {
        let mut env = step_env(dir, repo, api, true);
        env.push(("INPUT_COMMAND", "aggregate".to_owned()));
        let out = devmetrics(dir, &["aggregate", "--days", "30"], &env);
        assert!(out.status.success(), "{}", text(&out));
        stack
            .psql(
                "postgres",
                &format!(
                    "select environment || ' ' || metric_date || ' ' || grain || ' ' || metric_name \
                     || ' ' || coalesce(value::text, '-') || ' n=' || n || ' ' || coalesce(p50::text, '-') \
                     || ' ' || coalesce(p90::text, '-') || ' ' || metadata \
                     from metrics.development_metrics where repository = '{repo}' \
                     and metric_name not like 'rule_compliance%' order by 1"
                ),
            )
            .lines()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let (live_figures, only_figures) = (figures(live), figures(only));
    assert!(
        live_figures.iter().any(|f| !f.contains(" - n=0 ")),
        "nothing measured: {live_figures:#?}"
    );
    assert_eq!(only_figures, live_figures);
}

fn jsonl_keys(dir: &Path, table: &str, key: &[&str]) -> Vec<String> {
    let text = std::fs::read_to_string(
        dir.join("development-metrics")
            .join(format!("{table}.jsonl")),
    )
    .unwrap_or_default();
    text.lines()
        .map(|l| {
            let row: Value = serde_json::from_str(l).unwrap();
            key.iter()
                .map(|k| row[k].to_string())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

#[test]
fn a_run_paged_limited_and_interrupted_resumes_where_it_stopped_without_duplicates() {
    let repo = unique_repository("backfill-resume");
    let dir = workdir();
    let pulls = prs(&repo, 120);
    let newest = pulls[0].created;
    let mut h = history(&pulls);
    h.releases = (1..=150u64)
        .rev()
        .map(|n| release(n, newest - Duration::hours(150 - n as i64)))
        .collect();
    let api = FakeHistory::start(h);
    let env = step_env(dir.path(), &repo, &api, false);
    let args = ["--days", "60", "--only", "prs,reviews,releases"];

    // Run 1: a secondary rate limit on the first request, PR #105's reviews refused, then the
    // third page of pull requests fails for good.
    api.set_faults(Faults {
        secondary_limit_at: Some(0),
        reviews_error_on: Some(105),
        fail_pulls_from: Some(100),
        ..Faults::default()
    });
    let out = backfill(dir.path(), &env, &args);
    let log = text(&out);
    assert!(!out.status.success(), "{log}");
    assert!(log.contains("Bad credentials"), "{log}");
    assert!(log.contains("prs: 100/120"), "progress per page: {log}");
    assert!(
        log.contains("PR #105: reviews: Resource not accessible by integration"),
        "{log}"
    );
    assert!(dir
        .path()
        .join("development-metrics/backfill-checkpoint.json")
        .exists());
    assert_eq!(
        api.requests(),
        [
            "POST /graphql pullRequests after=null",
            "POST /graphql pullRequests after=null",
            "POST /graphql pullRequests after=cursor:50",
            "POST /graphql pullRequests after=cursor:100",
        ]
    );
    let first = jsonl_keys(dir.path(), "pr_events", &["pr_number", "event_key"]);
    assert_eq!(first.len(), 100 * 6 - 1, "PR #105 has no review row");
    let merged_105 = jsonl_keys(
        dir.path(),
        "pr_events",
        &["pr_number", "event_type", "metadata"],
    )
    .into_iter()
    .find(|k| k.starts_with("105 \"merged\""))
    .unwrap();
    assert!(
        merged_105.contains(r#""incomplete":["stages"]"#),
        "{merged_105}"
    );

    // Run 2: the API is back; the primary budget runs out on the first answer (the next
    // request waits for the reset), and a 502 on the first page of releases.
    api.clear_requests();
    api.set_faults(Faults {
        budget_spent_at: Some(0),
        bad_gateway_at: Some(1),
        ..Faults::default()
    });
    let out = backfill(dir.path(), &env, &args);
    let log = text(&out);
    assert!(out.status.success(), "{log}");
    assert!(log.contains("resuming the backfill"), "{log}");
    assert!(log.contains("1 retried, 1 rate limited"), "{log}");
    let requests = api.requests();
    assert_eq!(requests[0], "POST /graphql pullRequests after=cursor:100");
    assert!(
        requests[1].starts_with("GET /repos/") && requests[1].contains("/releases?per_page=100")
    );
    assert_eq!(requests[2], requests[1], "the 502 is retried");
    assert!(requests[3].ends_with("page=2"), "{requests:?}");
    assert_eq!(requests.len(), 4, "{requests:?}");
    assert!(!dir
        .path()
        .join("development-metrics/backfill-checkpoint.json")
        .exists());

    let mut keys = jsonl_keys(dir.path(), "pr_events", &["pr_number", "event_key"]);
    assert_eq!(keys.len(), 120 * 6 - 1);
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 120 * 6 - 1, "duplicates after the resume");
    let releases = jsonl_keys(
        dir.path(),
        "deployment_events",
        &["deployment_id", "status"],
    );
    assert_eq!(releases.len(), 150);
    assert!(
        releases.contains(&"\"release:150\" \"success\"".to_owned()),
        "{:?}",
        &releases[..3]
    );
}

#[test]
fn a_dry_run_reports_rows_to_write_present_and_rejected_and_writes_nothing() {
    let stack = Stack::get();
    let repo = unique_repository("backfill-dry");
    let dir = workdir();
    let mut pulls = prs(&repo, 2);
    let api = FakeHistory::start(history(&pulls));
    let env = step_env(dir.path(), &repo, &api, true);
    let out = backfill(dir.path(), &env, &["--days", "30", "--only", "prs,reviews"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(stack.count("pr_events", &repo), 12);

    // PR #3 says it was merged three hours before it was created.
    pulls.insert(
        0,
        Pr {
            number: 3,
            repo: repo.clone(),
            created: pulls[0].created + Duration::hours(6),
        },
    );
    let mut h = history(&pulls);
    h.pulls[0]["mergedAt"] = json!(at(pulls[0].t(-180)));
    api.set_history(h);
    let out = backfill(
        dir.path(),
        &env,
        &["--days", "30", "--only", "prs,reviews", "--dry-run"],
    );
    let log = text(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "rejected rows show in the exit code: {log}"
    );
    assert!(
        log.contains("metrics.pr_events: 17 rows to write, 12 already present (5 new); 1 rejected"),
        "{log}"
    );
    assert!(log.contains("merged before created"), "{log}");
    assert_eq!(
        stack.count("pr_events", &repo),
        12,
        "a dry run writes nothing"
    );
    assert!(!dir
        .path()
        .join("development-metrics/backfill-checkpoint.json")
        .exists());
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("development-metrics/backfill-report.json"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(report["dry_run"], json!(true));
    assert_eq!(report["tables"]["pr_events"]["present"], json!(12));
    assert_eq!(report["rejected"][0]["row"]["pr_number"], json!(3));
    assert!(report["rejected"][0]["reason"]
        .as_str()
        .unwrap()
        .starts_with("merged before created"));
}

#[test]
fn deployments_are_classified_in_time_order_as_record_classified_them_live() {
    let stack = Stack::get();
    let live = unique_repository("backfill-deploy-live");
    let only = unique_repository("backfill-deploy-only");
    let dir = workdir();
    let start = Utc::now()
        .date_naive()
        .and_hms_opt(8, 0, 0)
        .unwrap()
        .and_utc()
        - Duration::days(3);
    // Deploy a, deploy b, roll back to a, deploy a again (a redeploy).
    let plan = [
        (1u64, sha(0xa)),
        (2, sha(0xb)),
        (3, sha(0xa)),
        (4, sha(0xa)),
    ];
    let when = |id: u64| start + Duration::hours(id as i64);
    let api = FakeHistory::start(History::default());
    for (id, sha) in &plan {
        record(
            dir.path(),
            &live,
            &api,
            "deployment_status",
            &deployment_success(*id, sha, &at(when(*id))),
            *id as usize,
        );
    }
    let nodes = |_: &str| -> Vec<Value> {
        plan.iter()
            .rev()
            .map(|(id, sha)| json!({
                "databaseId": id, "commitOid": sha, "environment": "production", "originalEnvironment": "production",
                "task": "deploy", "createdAt": at(when(*id)), "updatedAt": at(when(*id)),
                "creator": {"__typename": "User", "login": "Codertocat"}, "ref": {"name": "master"},
                "statuses": {"totalCount": 1, "nodes": [{"state": "SUCCESS", "description": "Deployed",
                    "createdAt": at(when(*id)), "creator": {"__typename": "User", "login": "Codertocat"}}]}
            }))
            .collect()
    };
    let kinds = "deployment_id || ' ' || status || ' ' || kind || ' ' || coalesce(metadata->>'carried_shas', '-')";
    let live_kinds = stack.column("deployment_events", kinds, &live);
    assert_eq!(
        live_kinds,
        [
            "deployment:1 success deploy -".to_owned(),
            format!("deployment:2 success deploy [\"{}\"]", sha(0xb)),
            format!("deployment:3 success rollback [\"{}\"]", sha(0xa)),
            "deployment:4 success redeploy []".to_owned(),
        ]
    );
    api.set_history(History {
        deployments: nodes(&only),
        ..History::default()
    });
    let out = backfill(
        dir.path(),
        &step_env(dir.path(), &only, &api, true),
        &["--days", "30", "--only", "deployments"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let backfilled: Vec<String> = stack
        .column("deployment_events", kinds, &only)
        .into_iter()
        .filter(|l| l.contains(" success "))
        .collect();
    assert_eq!(backfilled, live_kinds);
    // Over the live rows, the backfill adds only what live capture did not see (the created rows).
    let out = backfill(
        dir.path(),
        &step_env(dir.path(), &live, &api, true),
        &["--days", "30", "--only", "deployments"],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(stack.count("deployment_events", &live), 8);
    assert_eq!(stack.count("deployment_events", &only), 8);
    figures_agree(dir.path(), &api, &live, &only);
}

/// The shipped backfill step on `schedule` or `workflow_dispatch` (the runner harness's payloadless
/// run; `run` runs the step for a repository): exits 0 with the job summary saying what was
/// added, with the repository's secrets or without (local files).
pub fn run_payloadless_backfill(
    run: impl Fn(&str, bool) -> (std::process::Output, String),
    secrets_given: bool,
    case: &str,
) {
    let repository = unique_repository("runner-backfill");
    let (output, summary) = run(&repository, secrets_given);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{case}: exit code\n{}",
        text(&output)
    );
    assert!(
        summary.contains("## devmetrics backfill"),
        "{case}: {summary}"
    );
    assert!(
        text(&output).contains("GitHub API: "),
        "{case}\n{}",
        text(&output)
    );
}

#[test]
fn a_backfill_completes_the_stages_a_failed_live_lookup_left_empty() {
    let stack = Stack::get();
    let repo = unique_repository("backfill-complete");
    let dir = workdir();
    let pr = prs(&repo, 1).remove(0);
    // Live: the GitHub API cannot be reached, the merged row is written marked incomplete.
    let unreachable = FakeHistory::unreachable();
    let merged = pr.live_payloads().pop().unwrap();
    record(dir.path(), &repo, &unreachable, merged.0, &merged.1, 0);
    let stages = "coalesce(metadata->>'incomplete', '-') || ' ' || coalesce(metadata->>'first_commit_at', '-') \
                  || ' ' || coalesce(metadata->>'approved_at', '-')";
    assert_eq!(
        stack.column("pr_events", stages, &repo),
        [r#"["stages", "reverts"] - -"#]
    );

    let api = FakeHistory::start(history(std::slice::from_ref(&pr)));
    let out = backfill(
        dir.path(),
        &step_env(dir.path(), &repo, &api, true),
        &["--days", "30", "--only", "prs"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let merged_row: Vec<String> = stack
        .column(
            "pr_events",
            &format!("event_type || ' ' || {stages}"),
            &repo,
        )
        .into_iter()
        .filter(|l| l.starts_with("merged"))
        .collect();
    assert_eq!(
        merged_row,
        [format!("merged - {} {}", at(pr.t(-1440)), at(pr.t(120)))],
        "the backfill's complete row completed the live one in place"
    );
}

#[test]
fn pushes_to_production_are_backfilled_as_record_recorded_them() {
    let stack = Stack::get();
    let live = unique_repository("backfill-push-live");
    let only = unique_repository("backfill-push-only");
    let dir = workdir();
    let pushed = Utc::now()
        .date_naive()
        .and_hms_opt(10, 0, 0)
        .unwrap()
        .and_utc()
        - Duration::days(1);
    let (before, after) = (sha(0x100), sha(0x101));
    let message = "Merge pull request #7 from Codertocat/changes\n\nUpdate the README.";
    let mut p = fixture_json("events/push/90-event-merged-pr.json");
    let mut commit = p["commits"][0].clone();
    commit["id"] = json!(after);
    commit["message"] = json!(message);
    commit["timestamp"] = json!(at(pushed - Duration::minutes(10)));
    p["ref"] = json!("refs/heads/main");
    p["before"] = json!(before);
    p["after"] = json!(after);
    p["head_commit"] = commit.clone();
    p["commits"] = json!([commit]);
    p["repository"]["full_name"] = json!(live);
    p["repository"]["pushed_at"] = json!(pushed.timestamp());
    let history = History {
        activities: vec![
            json!({"id": 1296269, "node_id": "MDEwOlJlcG9zaXRvcnkx", "before": before, "after": after,
            "ref": "refs/heads/main", "timestamp": at(pushed), "activity_type": "pr_merge",
            "actor": {"login": "octocat", "id": 1, "type": "User", "site_admin": false}}),
        ],
        commits: vec![json!({"sha": after, "commit": {"message": message,
            "author": {"name": "Codertocat", "email": "c@example.com", "date": at(pushed - Duration::minutes(10))},
            "committer": {"name": "GitHub", "email": "noreply@github.com", "date": at(pushed)}}})],
        ..History::default()
    };
    let api = FakeHistory::start(history);
    record(dir.path(), &live, &api, "push", &p, 0);
    let facts = "branch || ' ' || branch_class || ' ' || after_sha || ' ' || coalesce(merged_pr::text, '-') \
                 || ' ' || pushed_at || ' ' || commits::text";
    let live_rows = stack.column("push_events", facts, &live);
    assert_eq!(live_rows.len(), 1);
    let out = backfill(
        dir.path(),
        &step_env(dir.path(), &only, &api, true),
        &["--days", "30", "--only", "pushes"],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(stack.column("push_events", facts, &only), live_rows);
    let out = backfill(
        dir.path(),
        &step_env(dir.path(), &live, &api, true),
        &["--days", "30", "--only", "pushes"],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        stack.column("push_events", facts, &live),
        live_rows,
        "nothing added twice"
    );
}

#[test]
fn a_pull_request_with_more_than_100_reviews_is_read_whole_with_one_more_request() {
    let repo = unique_repository("backfill-reviews");
    let dir = workdir();
    let pr = prs(&repo, 1).remove(0);
    let mut node = pr.node();
    // 150 comments by other people, then the approval: the 151st review.
    let mut reviews: Vec<Value> = (0..150u64)
        .map(|i| json!({"databaseId": 90_000 + i, "state": "COMMENTED", "submittedAt": at(pr.t(60) + Duration::seconds(i as i64)),
            "authorAssociation": "MEMBER", "author": {"__typename": "User", "login": format!("reviewer{i}")},
            "commit": {"oid": sha(2)}}))
        .collect();
    reviews.push(node["reviews"]["nodes"][0].clone());
    node["reviews"] = json!({"totalCount": 151, "nodes": reviews});
    let api = FakeHistory::start(History {
        pulls: vec![node],
        ..History::default()
    });
    let out = backfill(
        dir.path(),
        &step_env(dir.path(), &repo, &api, false),
        &["--days", "30", "--only", "prs,reviews"],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        api.requests(),
        [
            "POST /graphql pullRequests after=null",
            "POST /graphql pullRequest after=r:100"
        ]
    );
    let keys = jsonl_keys(dir.path(), "pr_events", &["event_key"]);
    assert_eq!(
        keys.iter()
            .filter(|k| k.contains("review_submitted"))
            .count(),
        151
    );
    let text =
        std::fs::read_to_string(dir.path().join("development-metrics/pr_events.jsonl")).unwrap();
    let merged: Value = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|r| r["event_type"] == "merged")
        .unwrap();
    assert_eq!(merged["metadata"]["approved_at"], json!(at(pr.t(120))));
    assert_eq!(merged["metadata"]["first_review_at"], json!(at(pr.t(60))));
}
