//! The figures in SQL (issue 10, section 2) on the real stack: a small synthetic history written
//! straight into the event tables, `metrics.refresh_development_metrics` run over its week, and
//! every figure compared with the value computed by hand below (the arithmetic in comments). The
//! audit views (`pr_delivery`, `production_deployments`) are checked row by row, the function is
//! run twice (identical rows), and only the service role may call it through the gateway.

use crate::common::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// The week of the history: Monday 2026-11-23 to Sunday 2026-11-29 (UTC).
const FROM: &str = "2026-11-23";
const TO: &str = "2026-11-29";

fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// A merged PR: its `opened` row and its `merged` row with the stage timestamps `record` keeps
/// in metadata. Times are `2026-11-DDTHH:MM:SSZ`.
struct Pr {
    number: u32,
    bot: bool,
    first_commit: String,
    created: String,
    ready: String,
    first_review: Option<String>,
    merged: String,
    merge_sha: String,
    head_sha: String,
    extra: Value,
}

fn pr_sql(r: &str, pr: &Pr) -> String {
    let mut metadata = json!({
        "created_at": pr.created,
        "first_commit_at": pr.first_commit,
        "ready_for_review_at": pr.ready,
        "first_review_at": pr.first_review,
        "merged_at": pr.merged,
    });
    for (k, v) in pr.extra.as_object().unwrap() {
        metadata[k] = v.clone();
    }
    format!(
        "insert into metrics.pr_events (repository, environment, pr_number, event_type, event_timestamp, event_key, is_bot)
           values ({r}, 'production', {n}, 'opened', '{created}', 'opened@{created}', {bot});
         insert into metrics.pr_events (repository, environment, pr_number, event_type, event_timestamp, event_key,
                                        is_bot, head_sha, merge_commit_sha, cycle_time_seconds, metadata)
           values ({r}, 'production', {n}, 'merged', '{merged}', 'merged@{merged}', {bot}, '{head}', '{sha}',
                   extract(epoch from timestamptz '{merged}' - timestamptz '{created}')::bigint, {meta});",
        n = pr.number,
        created = pr.created,
        merged = pr.merged,
        bot = pr.bot,
        head = pr.head_sha,
        sha = pr.merge_sha,
        meta = quote(&metadata.to_string()),
    )
}

/// A deployment: id, is_production, status, kind, sha, finished_at, metadata.
type Deployment<'a> = (&'a str, bool, &'a str, &'a str, &'a str, &'a str, Value);

/// A deployment_events row.
fn deployment_sql(r: &str, deployment: Deployment) -> String {
    let (id, production, status, kind, sha, finished, metadata) = deployment;
    format!(
        "insert into metrics.deployment_events (repository, environment, deployment_id, target_environment,
            is_production, sha, status, kind, source, finished_at, event_timestamp, metadata)
           values ({r}, 'production', '{id}', '{target}', {production}, '{sha}', '{status}', '{kind}',
                   'deployment', '{finished}', '{finished}', {meta});",
        target = if production { "production" } else { "staging" },
        meta = quote(&metadata.to_string()),
    )
}

/// The synthetic history. Deployments (production unless said), by finish:
///   D1  11-23 14:00 s1  carries PR1 (m1) and PR2 (m2: a squash merge, head h2)
///   D2  11-23 15:00 s1  redeploy of the live sha: not a deployment
///   D3  11-23 16:00     failed attempt (status failure)
///   S1  11-23 17:00     staging, "carries" m3: never a production deployment
///   D4  11-24 00:30 s4  carries PR3 (merged 11-23 23:30: a UTC day boundary) and bot PR4
///   D5  11-24 10:00 s5  carries PR5, a revert of PR3: D4 failed (reverted), D5 rework
///   D6  11-25 12:00 s6  carries PR6
///   D7  11-25 12:30 s5  rollback: D6 failed (rolled_back), D7 rework; range unknown
///   D8  11-26 09:00 s8  carries PR7
///   D9  11-26 11:00 s9  hotfix (metadata.is_hotfix), carries PR8 (merged without review):
///                       D8 failed (hotfixed), D9 rework
///   D10 11-27 12:00 s10 carried_known false: carries nothing, so PR9 (merged 11-27) is merged,
///                       not deployed
fn seed(stack: &Stack, repository: &str) {
    let r = quote(repository);
    // number, bot, first commit, created, ready for review, first review (- none), merged (all
    // 2026-11-DD HH:MM UTC), merge sha, head sha, extra merged-row metadata.
    const PRS: &str = "
        1 | false | 23 08:00 | 23 09:00 | 23 09:00 | 23 10:00 | 23 12:00 | m1 | m1 | {}
        2 | false | 23 07:00 | 23 10:00 | 23 11:00 | -        | 23 13:00 | m2 | h2 | {}
        3 | false | 23 20:00 | 23 21:00 | 23 21:00 | 23 22:00 | 23 23:30 | m3 | h3 | {}
        4 | true  | 23 22:30 | 23 22:40 | 23 22:40 | -        | 23 23:00 | m4 | h4 | {}
        5 | false | 24 09:00 | 24 09:10 | 24 09:10 | 24 09:20 | 24 09:30 | m5 | h5 | {\"reverts_pr_number\": 3}
        6 | false | 25 08:00 | 25 09:00 | 25 09:00 | 25 10:00 | 25 11:00 | m6 | h6 | {}
        7 | false | 26 06:00 | 26 07:00 | 26 07:00 | 26 07:30 | 26 08:00 | m7 | h7 | {}
        8 | false | 26 09:30 | 26 09:45 | 26 09:45 | -        | 26 10:30 | m8 | h8 | {\"is_hotfix\": true, \"labels\": [\"hotfix\"]}
        9 | false | 27 08:00 | 27 09:00 | 27 09:00 | 27 10:00 | 27 11:00 | m9 | h9 | {}";
    // PR2 was a draft until 11:00, never reviewed, and squash-merged (m2, not its head h2).
    let at = |s: &str| {
        let (day, time) = s.trim().split_once(' ').unwrap();
        format!("2026-11-{day}T{time}:00Z")
    };
    let prs: Vec<Pr> = PRS
        .trim()
        .lines()
        .map(|line| {
            let f: Vec<&str> = line.split('|').map(str::trim).collect();
            Pr {
                number: f[0].parse().unwrap(),
                bot: f[1] == "true",
                first_commit: at(f[2]),
                created: at(f[3]),
                ready: at(f[4]),
                first_review: (f[5] != "-").then(|| at(f[5])),
                merged: at(f[6]),
                merge_sha: f[7].to_owned(),
                head_sha: f[8].to_owned(),
                extra: serde_json::from_str(f[9]).unwrap(),
            }
        })
        .collect();
    let mut sql: String = prs.iter().map(|pr| pr_sql(&r, pr)).collect();
    // id, production, status, kind, sha, finished (2026-11-DD HH:MM UTC), metadata.
    const DEPLOYMENTS: &str = r#"
        deployment:1       | true  | success | deploy   | s1  | 23 14:00 | {"carried_shas": ["c0", "m1", "m2"], "carried_known": true, "previous_sha": "s0"}
        deployment:2       | true  | success | redeploy | s1  | 23 15:00 | {"carried_shas": [], "carried_known": true, "previous_sha": "s1"}
        deployment:3       | true  | failure | deploy   | s3  | 23 16:00 | {}
        deployment:staging | false | success | deploy   | st  | 23 17:00 | {"carried_shas": ["m3"], "carried_known": true}
        deployment:4       | true  | success | deploy   | s4  | 24 00:30 | {"carried_shas": ["m3", "m4"], "carried_known": true, "previous_sha": "s1"}
        deployment:5       | true  | success | deploy   | s5  | 24 10:00 | {"carried_shas": ["m5"], "carried_known": true, "previous_sha": "s4"}
        deployment:6       | true  | success | deploy   | s6  | 25 12:00 | {"carried_shas": ["m6"], "carried_known": true, "previous_sha": "s5"}
        deployment:7       | true  | success | rollback | s5  | 25 12:30 | {"carried_known": false, "previous_sha": "s6"}
        deployment:8       | true  | success | deploy   | s8  | 26 09:00 | {"carried_shas": ["m7"], "carried_known": true, "previous_sha": "s5"}
        deployment:9       | true  | success | hotfix   | s9  | 26 11:00 | {"carried_shas": ["m8"], "carried_known": true, "is_hotfix": true}
        deployment:10      | true  | success | deploy   | s10 | 27 12:00 | {"carried_shas": ["m9"], "carried_known": false}"#;
    for line in DEPLOYMENTS.trim().lines() {
        let f: Vec<&str> = line.split('|').map(str::trim).collect();
        let finished = at(f[5]);
        let metadata = serde_json::from_str(f[6]).unwrap();
        sql += &deployment_sql(
            &r,
            (f[0], f[1] == "true", f[2], f[3], f[4], &finished, metadata),
        );
    }
    // Tests (staging): run a 10 tests, 8 passed (1 of them flaky), 1 failed, 1 skipped;
    // run b 5 tests, 5 passed. Compliance (production): branching compliant twice, violated
    // once; review compliant once; one not_applicable verdict.
    sql += &format!(
        "insert into metrics.test_runs (repository, environment, run_id, run_timestamp, total_tests, passed_tests,
            failed_tests, skipped_tests, flaky_tests)
           values ({r}, 'staging', 'a', '2026-11-23T09:00:00Z', 10, 8, 1, 1, 1),
                  ({r}, 'staging', 'b', '2026-11-23T23:59:59Z', 5, 5, 0, 0, 0);
         insert into metrics.rule_compliance_events (repository, environment, rule_name, rule_category,
            compliance_status, context_type, context_id, event_timestamp)
           values ({r}, 'production', 'branching', 'process', 'compliant', 'pull_request', '1', '2026-11-23T12:00:00Z'),
                  ({r}, 'production', 'branching', 'process', 'compliant', 'pull_request', '2', '2026-11-23T13:00:00Z'),
                  ({r}, 'production', 'branching', 'process', 'violation', 'pull_request', '3', '2026-11-23T23:30:00Z'),
                  ({r}, 'production', 'review', 'quality', 'compliant', 'pull_request', '1', '2026-11-23T12:00:00Z'),
                  ({r}, 'production', 'review', 'quality', 'not_applicable', 'pull_request', '4', '2026-11-23T23:00:00Z');"
    );
    stack.psql("postgres", &sql);
}

fn refresh(stack: &Stack, repository: &str) -> i64 {
    stack
        .psql(
            "postgres",
            &format!(
                "set role service_role; select metrics.refresh_development_metrics({}, '{FROM}', '{TO}')",
                quote(repository)
            ),
        )
        .parse()
        .expect("an integer")
}

/// What psql prints on standard error for `sql` run as service_role: the refusal.
fn refused(stack: &Stack, sql: &str) -> String {
    stack.psql_refused("postgres", &format!("set role service_role; {sql}"))
}

/// The call of the refresh over FROM..TO for `repository`, told it wrote `written` (a SQL array
/// of table names).
fn refresh_written_sql(repository: &str, written: &str) -> String {
    format!(
        "select metrics.refresh_development_metrics({}, '{FROM}', '{TO}', p_written => {written})",
        quote(repository)
    )
}

/// One stored figure: value, n, p50, p90 (None for NULL) and metadata.
#[derive(Debug, PartialEq)]
struct Figure {
    value: Option<f64>,
    n: i64,
    p50: Option<f64>,
    p90: Option<f64>,
    metadata: Value,
}

fn figure(
    stack: &Stack,
    repository: &str,
    env: &str,
    grain: &str,
    date: &str,
    name: &str,
) -> Figure {
    let row = stack.psql(
        "postgres",
        &format!(
            "select coalesce(value::text, ''), n, coalesce(p50::text, ''), coalesce(p90::text, ''), metadata
               from metrics.development_metrics
              where repository = {} and environment = '{env}' and grain = '{grain}'
                and metric_date = '{date}' and metric_name = '{name}'",
            quote(repository)
        ),
    );
    let parts: Vec<&str> = row.splitn(5, '|').collect();
    assert_eq!(
        parts.len(),
        5,
        "{name} {grain} {date} {env}: one row, got {row:?}"
    );
    let number = |s: &str| (!s.is_empty()).then(|| s.parse::<f64>().unwrap());
    Figure {
        value: number(parts[0]),
        n: parts[1].parse().unwrap(),
        p50: number(parts[2]),
        p90: number(parts[3]),
        metadata: serde_json::from_str(parts[4]).unwrap(),
    }
    .rounded()
}

/// `x` to 6 decimals: the hand arithmetic and the database's floating point agree to that.
fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

fn round_json(value: &Value) -> Value {
    match value {
        Value::Number(n) if n.is_f64() => json!(round6(n.as_f64().unwrap())),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), round_json(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(round_json).collect()),
        other => other.clone(),
    }
}

impl Figure {
    /// Every number rounded to 6 decimals, so figures compare with the hand arithmetic.
    fn rounded(self) -> Figure {
        Figure {
            value: self.value.map(round6),
            n: self.n,
            p50: self.p50.map(round6),
            p90: self.p90.map(round6),
            metadata: round_json(&self.metadata),
        }
    }
}

fn count(value: f64, n: i64) -> Figure {
    Figure {
        value: Some(value),
        n,
        p50: None,
        p90: None,
        metadata: json!({}),
    }
    .rounded()
}

fn rate(value: Option<f64>, n: i64, metadata: Value) -> Figure {
    Figure {
        value,
        n,
        p50: None,
        p90: None,
        metadata,
    }
    .rounded()
}

fn dist(p50: f64, p90: f64, n: i64, metadata: Value) -> Figure {
    Figure {
        value: Some(p50),
        n,
        p50: Some(p50),
        p90: Some(p90),
        metadata,
    }
    .rounded()
}

#[test]
fn the_audit_views_tie_each_pr_to_the_deployment_that_carried_it_and_mark_failed_deployments() {
    let stack = Stack::get();
    let repository = unique_repository("aggregate-views");
    seed(&stack, &repository);
    let r = quote(&repository);
    // pr_number|deployment_id|coding|pickup|review|deploy|lead|cycle
    let prs = stack.psql(
        "postgres",
        &format!(
            "select pr_number, coalesce(deployment_id, '-'), coding_seconds, pickup_seconds, review_seconds,
                    coalesce(deploy_seconds::text, '-'), coalesce(lead_time_seconds::text, '-'), cycle_time_seconds
               from metrics.pr_delivery where repository = {r} order by pr_number"
        ),
    );
    assert_eq!(
        prs.lines().collect::<Vec<_>>(),
        [
            // 08:00 -> 09:00 open -> 10:00 review -> 12:00 merge -> 14:00 D1: 3600+3600+7200+7200 = 21600
            "1|deployment:1|3600|3600|7200|7200|21600|10800",
            // draft: 07:00 -> 11:00 ready (coding 14400), no review (pickup 0), 11:00 -> 13:00
            // merge (7200), -> 14:00 (3600): 25200; the squash commit m2 (not head h2) is carried
            "2|deployment:1|14400|0|7200|3600|25200|10800",
            // 20:00 -> 21:00 -> 22:00 -> 23:30 merge -> 00:30 next day D4 (not staging at 17:00)
            "3|deployment:4|3600|3600|5400|3600|16200|9000",
            // the bot PR stays in the view: 22:30 -> 22:40 (600), no review, -> 23:00 (1200), -> 00:30 (5400)
            "4|deployment:4|600|0|1200|5400|7200|1200",
            "5|deployment:5|600|600|600|1800|3600|1200",
            "6|deployment:6|3600|3600|3600|3600|14400|7200",
            "7|deployment:8|3600|1800|1800|3600|10800|3600",
            // hotfix PR merged without review: 09:30 -> 09:45 (900), pickup 0, -> 10:30 (2700), -> 11:00 (1800)
            "8|deployment:9|900|0|2700|1800|5400|2700",
            // D10's range is unknown: never deployed, no deploy stage, no lead time
            "9|-|3600|3600|3600|-|-|7200",
        ]
    );
    let deployments = stack.psql(
        "postgres",
        &format!(
            "select deployment_id, failed, coalesce(failure_reason, '-'), coalesce(recovered_by, '-'),
                    coalesce(recovery_seconds::text, '-'), is_rework
               from metrics.production_deployments where repository = {r} order by finished_at"
        ),
    );
    assert_eq!(
        deployments.lines().collect::<Vec<_>>(),
        [
            // D2 (redeploy of s1), D3 (failed attempt) and the staging deployment are not here.
            "deployment:1|f|-|-|-|f",
            // reverted by D5 (ships PR5, the revert of PR3): 00:30 -> 10:00 = 34200
            "deployment:4|t|reverted|deployment:5|34200|f",
            "deployment:5|f|-|-|-|t",
            // rolled back by D7 (the rollback marks the deployment live before it): 12:00 -> 12:30
            "deployment:6|t|rolled_back|deployment:7|1800|f",
            "deployment:7|f|-|-|-|t",
            // hotfixed by D9: 09:00 -> 11:00
            "deployment:8|t|hotfixed|deployment:9|7200|f",
            "deployment:9|f|-|-|-|t",
            "deployment:10|f|-|-|-|f",
        ]
    );
}

#[test]
fn refresh_development_metrics_writes_every_figure_as_computed_by_hand() {
    let stack = Stack::get();
    let repository = unique_repository("aggregate-figures");
    seed(&stack, &repository);
    // 7 days x 22 figures (7 distributions, 12 rates: 3 deployment + 3 x 3 per environment,
    // 3 counts) + 1 week x 23 (deploy_days too) = 154 + 23 = 177 rows.
    assert_eq!(refresh(&stack, &repository), 177);
    let f = |env: &str, grain: &str, date: &str, name: &str| {
        figure(&stack, &repository, env, grain, date, name)
    };
    let week = |name: &str| f("production", "week", FROM, name);
    let day = |date: &str, name: &str| f("production", "day", date, name);

    // Deployments: D1, D4, D5, D6, D7, D8, D9, D10 = 8 (D2 redeploy, D3 failed attempt, staging
    // left out); 8 / 7 days = 1.14 per day >= 1: elite.
    assert_eq!(
        week("deployment_count"),
        Figure {
            metadata: json!({"deployments_per_day": 8.0 / 7.0, "dora_level": "elite"}),
            ..count(8.0, 8)
        }
        .rounded()
    );
    // 11-23: D1; 11-24: D4 (00:30, the day after PR3's merge), D5; 11-25: D6, D7; 11-28: none.
    assert_eq!(day("2026-11-23", "deployment_count"), count(1.0, 1));
    assert_eq!(day("2026-11-24", "deployment_count"), count(2.0, 2));
    assert_eq!(day("2026-11-28", "deployment_count"), count(0.0, 0));
    // Days with a deployment: 23, 24, 25, 26, 27 = 5, over 8 deployments.
    assert_eq!(week("deploy_days"), count(5.0, 8));
    // Attempts that ended: 10 production successes (D1, D2, D4..D10 = 9) + D3 failure = 10; 1 failed.
    assert_eq!(
        week("pipeline_failure_rate"),
        rate(Some(0.1), 10, json!({}))
    );
    // 11-23: D1, D2 succeeded, D3 failed: 1 / 3.
    assert_eq!(
        day("2026-11-23", "pipeline_failure_rate"),
        rate(Some(1.0 / 3.0), 3, json!({}))
    );

    // Lead time, non-bot deployed PRs: 21600, 25200, 16200, 3600, 14400, 10800, 5400.
    // Sorted 3600 5400 10800 14400 16200 21600 25200: median 14400 (<= 1 day: elite);
    // p90 at rank 0.9 x 6 = 5.4: 21600 + 0.4 x (25200 - 21600) = 23040.
    assert_eq!(
        week("lead_time_seconds"),
        dist(14400.0, 23040.0, 7, json!({"dora_level": "elite"}))
    );
    // 11-23 (deployed by D1): 21600, 25200: median 23400, p90 21600 + 0.9 x 3600 = 24840.
    assert_eq!(
        day("2026-11-23", "lead_time_seconds"),
        dist(23400.0, 24840.0, 2, json!({"dora_level": "elite"}))
    );
    // 11-24 (D4 at 00:30, D5): PR3 16200, PR5 3600 (bot PR4 left out): median 9900,
    // p90 3600 + 0.9 x 12600 = 14940.
    assert_eq!(
        day("2026-11-24", "lead_time_seconds"),
        dist(9900.0, 14940.0, 2, json!({"dora_level": "elite"}))
    );
    // Nothing deployed on 11-28: NULL, n = 0, never 0.
    assert_eq!(
        day("2026-11-28", "lead_time_seconds"),
        rate(None, 0, json!({}))
    );
    // Non-bot PRs merged in the week: 1, 2, 3, 5, 6, 7, 8, 9 = 8; PR9 not deployed.
    assert_eq!(week("merged_not_deployed"), count(1.0, 8));
    assert_eq!(day("2026-11-27", "merged_not_deployed"), count(1.0, 1));

    // Failed: D4, D6, D8 of 8 deployments = 0.375 (over 20 %: beyond the table, low).
    assert_eq!(
        week("change_failure_rate"),
        rate(Some(0.375), 8, json!({"dora_level": "low"}))
    );
    // 11-23: D1 not failed: 0 / 1 = 0 (<= 5 %: elite); 11-24: D4 failed, D5 not: 1 / 2.
    assert_eq!(
        day("2026-11-23", "change_failure_rate"),
        rate(Some(0.0), 1, json!({"dora_level": "elite"}))
    );
    assert_eq!(
        day("2026-11-24", "change_failure_rate"),
        rate(Some(0.5), 2, json!({"dora_level": "low"}))
    );
    assert_eq!(
        day("2026-11-28", "change_failure_rate"),
        rate(None, 0, json!({}))
    );
    // Recovery: 34200 (D4), 1800 (D6), 7200 (D8): sorted 1800 7200 34200, median 7200
    // (<= 1 day: high), p90 at 0.9 x 2 = 1.8: 7200 + 0.8 x 27000 = 28800.
    assert_eq!(
        week("failed_deployment_recovery_seconds"),
        dist(7200.0, 28800.0, 3, json!({"dora_level": "high"}))
    );
    // Rework: D5 (revert), D7 (rollback), D9 (hotfix) of 8 = 0.375.
    assert_eq!(week("rework_rate"), rate(Some(0.375), 8, json!({})));

    // Cycle time, every PR merged (bot included): 10800 10800 9000 1200 1200 7200 3600 2700 7200.
    // Sorted 1200 1200 2700 3600 7200 7200 9000 10800 10800: median 7200; p90 at 7.2: 10800.
    assert_eq!(
        week("pr_cycle_time_seconds"),
        dist(7200.0, 10800.0, 9, json!({}))
    );
    // Merged: 9 PRs, 1 a bot; 11-23: PR1, PR2, PR3 (23:30), PR4.
    assert_eq!(
        week("merged_prs"),
        Figure {
            metadata: json!({"bot_prs": 1}),
            ..count(9.0, 9)
        }
    );
    assert_eq!(
        day("2026-11-23", "merged_prs"),
        Figure {
            metadata: json!({"bot_prs": 1}),
            ..count(4.0, 4)
        }
    );
    // Stages of the 8 non-bot PRs merged in the week (PR9 too):
    // coding 600 900 3600 3600 3600 3600 3600 14400: median 3600, p90 at 6.3: 3600 + 0.3 x 10800 = 6840.
    assert_eq!(
        week("pr_coding_seconds"),
        dist(3600.0, 6840.0, 8, json!({}))
    );
    // pickup 0 0 600 1800 3600 3600 3600 3600: median (1800 + 3600) / 2 = 2700, p90 3600.
    assert_eq!(
        week("pr_pickup_seconds"),
        dist(2700.0, 3600.0, 8, json!({}))
    );
    // review 600 1800 2700 3600 3600 5400 7200 7200: median 3600, p90 7200.
    assert_eq!(
        week("pr_review_seconds"),
        dist(3600.0, 7200.0, 8, json!({}))
    );
    // deploy, the 7 deployed non-bot PRs: 1800 1800 3600 3600 3600 3600 7200: median 3600,
    // p90 at 5.4: 3600 + 0.4 x 3600 = 5040.
    assert_eq!(
        week("pr_deploy_seconds"),
        dist(3600.0, 5040.0, 7, json!({}))
    );

    // Tests (staging, 11-23): passed 8 + 5 = 13 of executed (10 - 1) + 5 = 14; flaky 1 / 14.
    let staging = |name: &str| f("staging", "day", FROM, name);
    assert_eq!(
        staging("test_pass_rate"),
        rate(Some(13.0 / 14.0), 14, json!({}))
    );
    assert_eq!(
        staging("flaky_test_rate"),
        rate(Some(1.0 / 14.0), 14, json!({}))
    );
    // No production test run: NULL, n = 0.
    assert_eq!(day(FROM, "test_pass_rate"), rate(None, 0, json!({})));
    // Compliance (production, 11-23): 3 compliant of 4 verdicts (not_applicable left out);
    // branching 2 / 3, review 1 / 1.
    assert_eq!(
        day(FROM, "rule_compliance_rate"),
        rate(
            Some(0.75),
            4,
            json!({"rules": {"branching": {"value": 2.0 / 3.0, "n": 3}, "review": {"value": 1, "n": 1}}})
        )
    );
}

#[test]
fn refresh_development_metrics_run_twice_leaves_identical_rows() {
    let stack = Stack::get();
    let repository = unique_repository("aggregate-twice");
    seed(&stack, &repository);
    let rows = || {
        stack.psql(
            "postgres",
            &format!(
                "select id, environment, metric_date, grain, metric_name, value, n, p50, p90, unit, metadata, computed_at
                   from metrics.development_metrics where repository = {} order by id",
                quote(&repository)
            ),
        )
    };
    assert_eq!(refresh(&stack, &repository), 177);
    let first = rows();
    assert_eq!(first.lines().count(), 177);
    // Nothing changed: nothing written, the same ids, values and computed_at.
    assert_eq!(refresh(&stack, &repository), 0);
    assert_eq!(rows(), first);
    // A new fact changes exactly the figures it touches: a failed attempt on 11-28 changes
    // that day's and the week's pipeline_failure_rate.
    stack.psql(
        "postgres",
        &deployment_sql(
            &quote(&repository),
            (
                "deployment:11",
                true,
                "error",
                "deploy",
                "s11",
                "2026-11-28T10:00:00Z",
                json!({}),
            ),
        ),
    );
    assert_eq!(refresh(&stack, &repository), 2);
}

#[test]
fn a_refresh_told_which_tables_were_written_recomputes_only_the_figures_they_feed() {
    let stack = Stack::get();
    let repository = unique_repository("aggregate-written");
    seed(&stack, &repository);
    let r = quote(&repository);
    assert_eq!(refresh(&stack, &repository), 177);
    let refresh_after = |written: &str| {
        stack.psql(
            "postgres",
            &format!(
                "set role service_role; {}",
                refresh_written_sql(&repository, written)
            ),
        )
    };
    let week = |env: &str, name: &str| figure(&stack, &repository, env, "week", FROM, name);
    let pipeline_before = week("production", "pipeline_failure_rate");
    // Two new facts on 11-28: a failed production attempt (the day's and the week's
    // pipeline_failure_rate change) and a staging run of 4 tests, 2 passed (the day's and the
    // week's test_pass_rate and flaky_test_rate change: 4 rows).
    stack.psql(
        "postgres",
        &deployment_sql(
            &r,
            (
                "deployment:11",
                true,
                "error",
                "deploy",
                "s11",
                "2026-11-28T10:00:00Z",
                json!({}),
            ),
        ),
    );
    stack.psql(
        "postgres",
        &format!(
            "insert into metrics.test_runs (repository, environment, run_id, run_timestamp, total_tests, passed_tests,
                failed_tests, skipped_tests, flaky_tests)
               values ({r}, 'staging', 'c', '2026-11-28T09:00:00Z', 4, 2, 2, 0, 0)"
        ),
    );
    // Tables that feed no figure: nothing is recomputed.
    assert_eq!(
        refresh_after("array['push_events', 'test_case_results']"),
        "0"
    );
    // The test run's figures only; the deployment's are left as they were.
    assert_eq!(
        refresh_after("array['test_runs', 'test_case_results', 'push_events']"),
        "4"
    );
    // Week: 13 of 15 + 4 counted passed before, now (8 + 5 + 2) of (9 + 5 + 4).
    assert_eq!(week("staging", "test_pass_rate").n, 18);
    assert_eq!(
        week("staging", "test_pass_rate").value,
        Some(round6(15.0 / 18.0))
    );
    assert_eq!(week("production", "pipeline_failure_rate"), pipeline_before);
    // Then the deployment's.
    assert_eq!(refresh_after("array['deployment_events']"), "2");
    assert_ne!(week("production", "pipeline_failure_rate"), pipeline_before);
    // Everything is caught up: a whole refresh changes nothing.
    assert_eq!(refresh(&stack, &repository), 0);
    // A name that is no event table is refused, naming it.
    let err = refused(
        &stack,
        &refresh_written_sql(&repository, "array['test_run']"),
    );
    assert!(
        err.contains("p_written names tables that are not event tables: {test_run}"),
        "{err}"
    );
}

#[test]
fn a_second_refresh_of_the_same_figures_waits_for_the_first_to_commit() {
    let stack = Stack::get();
    let repository = unique_repository("aggregate-serial");
    let other = unique_repository("aggregate-serial-other");
    seed(&stack, &repository);
    let r = quote(&repository);
    let call = |repository: &str, table: &str| {
        refresh_written_sql(repository, &format!("array['{table}']"))
    };
    // A refresh of the PR figures whose transaction stays open for 4 s after it.
    let mut first = stack
        .psql_command("postgres")
        .arg("-c")
        .arg(format!(
            "begin; set local role service_role; {}; select pg_sleep(4) /* {repository} */; commit;",
            call(&repository, "pr_events")
        ))
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("psql runs");
    let sleeping = format!(
        "select count(*) from pg_stat_activity
          where wait_event = 'PgSleep' and query like '%{}%'",
        repository.replace('\'', "''")
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while stack.psql("postgres", &sleeping) != "1" {
        assert!(
            Instant::now() < deadline,
            "the first refresh never got to its sleep"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // Meanwhile: a refresh of the same repository's deployment figures (the same statement
    // recomputes them) waits for it ...
    let err = refused(
        &stack,
        &format!(
            "set lock_timeout = '300ms'; {}",
            call(&repository, "deployment_events")
        ),
    );
    assert!(err.contains("lock timeout"), "{err}");
    // ... while its test figures and another repository's PR figures do not.
    let now = |sql: &str| {
        stack.psql(
            "postgres",
            &format!("set role service_role; set lock_timeout = '300ms'; {sql}"),
        )
    };
    now(&call(&repository, "test_runs"));
    now(&call(&other, "pr_events"));
    assert!(first.wait().expect("psql ends").success());
    // Once it committed, the waiting refresh goes through, and everything is caught up.
    now(&call(&repository, "deployment_events"));
    assert_eq!(refresh(&stack, &repository), 0, "{r}");
}

/// Calls the function through the gateway with `apikey` and an optional bearer token.
async fn call(
    stack: &Stack,
    apikey: &str,
    bearer: Option<&str>,
    repository: &str,
) -> (u16, String) {
    let mut request = reqwest::Client::new()
        .post(format!(
            "{}/rpc/refresh_development_metrics",
            stack.rest_url()
        ))
        .header("apikey", apikey)
        .header("Content-Profile", "metrics")
        .json(&json!({"p_repository": repository, "p_from": FROM, "p_to": TO}));
    if let Some(token) = bearer {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    let response = request.send().await.expect("the gateway answers");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn only_the_service_role_may_refresh_the_figures_through_the_api() {
    let stack = Stack::get();
    let repository = unique_repository("aggregate-rpc");
    seed(&stack, &repository);
    for (who, bearer) in [
        ("anon", None),
        ("authenticated", Some(stack.authenticated_jwt.as_str())),
    ] {
        let (status, body) = call(&stack, &stack.anon_key, bearer, &repository).await;
        assert!(
            status == 401 || status == 403,
            "{who} is refused, got {status}: {body}"
        );
        assert!(body.contains("permission denied"), "{who}: {body}");
        assert_eq!(
            stack.count("development_metrics", &repository),
            0,
            "{who} wrote nothing"
        );
    }
    let (status, body) = call(&stack, &stack.secret_key, None, &repository).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body.trim(), "177");
    assert_eq!(stack.count("development_metrics", &repository), 177);
}

#[test]
fn the_audit_views_show_a_reader_only_the_repositories_it_may_read() {
    let stack = Stack::get();
    let repository = unique_repository("aggregate-rls");
    seed(&stack, &repository);
    let r = quote(&repository);
    // Rows of the two views (and the levels table) as `role`, with these JWT claims.
    let visible = |role: &str, claims: &str| {
        stack.psql(
            "postgres",
            &format!(
                "begin; set local role {role}; set local request.jwt.claims = {};
                 select (select count(*) from metrics.pr_delivery where repository = {r})
                        || ',' || (select count(*) from metrics.production_deployments where repository = {r})
                        || ',' || (select count(*) from metrics.dora_performance_levels());
                 commit;",
                quote(claims)
            ),
        )
    };
    let grant = json!({"app_metadata": {"devmetrics": {"read": [repository]}}}).to_string();
    let other = json!({"app_metadata": {"devmetrics": {"read": ["someone/else"]}}}).to_string();
    // 9 merged PRs, 8 production deployments, 16 levels (4 metrics x 4).
    assert_eq!(visible("authenticated", &grant), "9,8,16");
    assert_eq!(visible("authenticated", &other), "0,0,16");
    assert_eq!(visible("authenticated", "{}"), "0,0,16");
    assert_eq!(visible("metrics_reader", "{}"), "9,8,16");
    // anon reaches none of it.
    let err = stack.psql_refused(
        "postgres",
        "set role anon; select count(*) from metrics.pr_delivery",
    );
    assert!(err.contains("permission denied"), "anon is refused: {err}");
}

/// D1 (11-23 10:00, carries PR1) and, 8 days later, D2 (12-01 10:00) rolling it back: outside
/// the refreshed week, inside a 10-day window.
pub fn seed_late_rollback(stack: &Stack, repository: &str) {
    let r = quote(repository);
    let pr = Pr {
        number: 1,
        bot: false,
        first_commit: "2026-11-23T07:00:00Z".into(),
        created: "2026-11-23T08:00:00Z".into(),
        ready: "2026-11-23T08:00:00Z".into(),
        first_review: Some("2026-11-23T08:30:00Z".into()),
        merged: "2026-11-23T09:00:00Z".into(),
        merge_sha: "m1".into(),
        head_sha: "h1".into(),
        extra: json!({}),
    };
    let mut sql = pr_sql(&r, &pr);
    sql += &deployment_sql(
        &r,
        (
            "deployment:1",
            true,
            "success",
            "deploy",
            "s1",
            "2026-11-23T10:00:00Z",
            json!({"carried_shas": ["m1"], "carried_known": true, "previous_sha": "s0"}),
        ),
    );
    sql += &deployment_sql(
        &r,
        (
            "deployment:2",
            true,
            "success",
            "rollback",
            "s0",
            "2026-12-01T10:00:00Z",
            json!({"carried_known": false, "previous_sha": "s1"}),
        ),
    );
    stack.psql("postgres", &sql);
}

#[test]
fn a_rollback_8_days_later_fails_the_deployment_with_a_10_day_window_and_not_with_the_default() {
    let stack = Stack::get();
    let repository = unique_repository("aggregate-window");
    seed_late_rollback(&stack, &repository);
    let r = quote(&repository);
    let refresh_with = |window: &str| {
        stack.psql(
            "postgres",
            &format!(
                "set role service_role; select metrics.refresh_development_metrics({r}, '{FROM}', '{TO}'{window})"
            ),
        )
    };
    let week = |name: &str| figure(&stack, &repository, "production", "week", FROM, name);
    // The default window (7 days): 12-01 10:00 is 8 days after 11-23 10:00, too late.
    refresh_with("");
    assert_eq!(week("change_failure_rate").value, Some(0.0));
    assert_eq!(week("change_failure_rate").n, 1);
    assert_eq!(week("failed_deployment_recovery_seconds").n, 0);
    assert_eq!(
        stack.psql(
            "postgres",
            &format!(
                "select failed from metrics.production_deployments where repository = {r} and deployment_id = 'deployment:1'"
            )
        ),
        "f"
    );
    // A 10-day window: D1 failed (1 of the week's 1 deployment), recovered 8 days later:
    // 8 x 86400 = 691200 s. Two rows change: the week's rate and recovery time; the day
    // 11-23's two as well.
    assert_eq!(
        refresh_with(", p_failure_window => interval '10 days'"),
        "4"
    );
    assert_eq!(week("change_failure_rate").value, Some(1.0));
    assert_eq!(week("change_failure_rate").n, 1);
    assert_eq!(
        week("failed_deployment_recovery_seconds"),
        dist(691200.0, 691200.0, 1, json!({"dora_level": "low"}))
    );
    assert_eq!(
        stack.psql(
            "postgres",
            &format!(
                "select failed, failure_reason, recovered_by, recovery_seconds
                   from metrics.production_deployments_in({r}, '2026-11-23', '2026-11-30', interval '10 days')"
            )
        ),
        "t|rolled_back|deployment:2|691200"
    );
    // Back to the default: the figures are those of the 7-day window again.
    assert_eq!(refresh_with(""), "4");
    assert_eq!(week("change_failure_rate").value, Some(0.0));
    // A negative window is refused, naming the parameter.
    let err = refused(
        &stack,
        &format!(
            "select metrics.refresh_development_metrics({r}, '{FROM}', '{TO}', interval '-1 day')"
        ),
    );
    assert!(
        err.contains("p_failure_window must be a duration of 0 or more"),
        "{err}"
    );
}
