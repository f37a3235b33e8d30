//! A synthetic week fed through the real `record` step, as GitHub's runner starts it (every
//! input of action.yml, the event's `GITHUB_*` variables, real payloads of
//! `tests/fixtures/events/` edited), with a fake GitHub API answering the lookups in GitHub's
//! documented shapes; then `devmetrics aggregate` through PostgREST, and every figure of
//! `metrics.development_metrics` compared with the value computed by hand in the comments.
//! `aggregate_sql.rs` checks the same cases written straight into the tables; this file checks
//! that `record` writes what those figures need.

mod reverts;
mod step;

use crate::common::*;
use serde_json::json;
use step::{api_commit, not_found, ok, Runner};

/// The week of the history: Monday 2026-11-02 to Sunday 2026-11-08 (UTC).
const FROM: &str = "2026-11-02";
const TO: &str = "2026-11-08";

/// A 40-hex sha named by `label` (its bytes in hex, padded with zeros).
fn sha(label: &str) -> String {
    let hex: String = label.bytes().map(|b| format!("{b:02x}")).collect();
    format!("{hex:0<40}")
}

/// `"DD HH:MM"` in November 2026 → RFC 3339 UTC.
fn at(short: &str) -> String {
    let (day, time) = short.split_once(' ').unwrap();
    format!("2026-11-{day}T{time}:00Z")
}

/// A pull request of the history: what its payloads and the fake API say. Times are RFC 3339.
struct Pr {
    number: u32,
    bot: bool,
    branch: String,
    title: String,
    body: String,
    labels: Vec<String>,
    first_commit: String,
    created: String,
    /// Opened as a draft, ready for review then.
    ready: Option<String>,
    /// The first review by someone else (octocat); none: merged without review.
    review: Option<String>,
    merged: String,
}

impl Pr {
    fn head(&self) -> String {
        sha(&format!("h{}", self.number))
    }
    fn merge(&self) -> String {
        sha(&format!("m{}", self.number))
    }
}

/// The pull requests: number | bot author | head branch | title | body | labels | first commit
/// | created | ready for review (`-`: never a draft) | first review by octocat (`-`: none) |
/// merged (times "DD HH:MM" UTC, November 2026). Authors: Codertocat, or dependabot[bot].
/// PR2 was a draft until 11:00, is never reviewed and is squash-merged (m2 lands on main, not
/// its head h2). PR4 is the bot's. PR5 comes from GitHub's "Revert" button on PR3 (branch, title
/// and body name it). PR8 is a hotfix by its label, merged without review. PR9 is never deployed.
const PR_TABLE: &str = "
    1 | f | feature/one            | Feature one            | -                                | -      | 02 08:00 | 02 09:00 | -        | 02 10:00 | 02 12:00
    2 | f | feature/two            | Feature two            | -                                | -      | 02 07:00 | 02 10:00 | 02 11:00 | -        | 02 13:00
    3 | f | feature/three          | Feature three          | -                                | -      | 02 20:00 | 02 21:00 | -        | 02 22:00 | 02 23:30
    4 | t | dependabot/cargo/serde | Bump serde             | -                                | -      | 02 22:30 | 02 22:40 | -        | -        | 02 23:00
    5 | f | revert-3-feature/three | Revert \"Feature three\" | Reverts Codertocat/Hello-World#3 | -      | 03 09:00 | 03 09:10 | -        | 03 09:20 | 03 09:30
    6 | f | feature/six            | Feature six            | -                                | -      | 04 08:00 | 04 09:00 | -        | 04 10:00 | 04 11:00
    7 | f | feature/seven          | Feature seven          | -                                | -      | 05 06:00 | 05 07:00 | -        | 05 07:30 | 05 08:00
    8 | f | fix-login              | Fix login              | -                                | hotfix | 05 09:30 | 05 09:45 | -        | -        | 05 10:30
    9 | f | feature/nine           | Feature nine           | -                                | -      | 06 08:00 | 06 09:00 | -        | 06 10:00 | 06 11:00";

/// The pull requests of [`PR_TABLE`], parsed once.
fn prs() -> &'static [Pr] {
    static PRS: std::sync::OnceLock<Vec<Pr>> = std::sync::OnceLock::new();
    PRS.get_or_init(|| {
        PR_TABLE
            .trim()
            .lines()
            .map(|line| {
                let f: Vec<&str> = line.split('|').map(str::trim).collect();
                let text = |s: &str| {
                    if s == "-" {
                        String::new()
                    } else {
                        s.to_owned()
                    }
                };
                let time = |s: &str| (s != "-").then(|| at(s));
                Pr {
                    number: f[0].parse().unwrap(),
                    bot: f[1] == "t",
                    branch: f[2].to_owned(),
                    title: f[3].to_owned(),
                    body: text(f[4]),
                    labels: (f[5] != "-").then(|| f[5].to_owned()).into_iter().collect(),
                    first_commit: at(f[6]),
                    created: at(f[7]),
                    ready: time(f[8]),
                    review: time(f[9]),
                    merged: at(f[10]),
                }
            })
            .collect()
    })
}

/// The fake GitHub API of the history: each PR's commits, reviews and timeline, the PR of a
/// merge commit, and `rules: []` as the base branch's rules file (no rule verdicts).
fn history_api(path: &str) -> (&'static str, String) {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let find = |n: &str| prs().iter().find(|p| p.number.to_string() == n);
    match parts.as_slice() {
        ["repos", _, _, "pulls", n, "commits"] => match find(n) {
            Some(p) => ok(json!([api_commit(&p.head(), &p.first_commit, &p.title)])),
            None => not_found(),
        },
        ["repos", _, _, "pulls", n, "reviews"] => match find(n) {
            Some(p) => ok(json!(p
                .review
                .as_ref()
                .map(|r| vec![json!({
                    "id": 800 + p.number, "user": {"login": "octocat", "type": "User"},
                    "state": "APPROVED", "submitted_at": r, "commit_id": p.head()
                })])
                .unwrap_or_default())),
            None => not_found(),
        },
        ["repos", _, _, "issues", n, "timeline"] => match find(n) {
            Some(p) => ok(json!(p
                .ready
                .as_ref()
                .map(|r| vec![json!({
                    "event": "ready_for_review", "created_at": r
                })])
                .unwrap_or_default())),
            None => not_found(),
        },
        ["repos", _, _, "commits", commit, "pulls"] => ok(json!(prs()
            .iter()
            .filter(|p| p.merge() == *commit)
            .map(|p| json!({"number": p.number, "merged_at": p.merged, "base": {"ref": "main"}}))
            .collect::<Vec<_>>())),
        ["repos", _, _, "contents", ..] => ok(json!({
            "type": "file", "encoding": "base64", "content": "cnVsZXM6IFtdCg=="
        })),
        _ => not_found(),
    }
}

fn pr_n(number: u32) -> &'static Pr {
    prs().iter().find(|p| p.number == number).unwrap()
}

/// Feeds the week through `record`, in the order GitHub sends it. Deployments (GitHub ids;
/// production unless said), by finish:
///   D1   11-02 14:00 m2   carries c0, h1, m1 (PR1) and m2 (PR2, squash): two PRs, one deployment
///   D2   11-02 15:00 m2   redeploy of the live sha: not a deployment
///   D3   11-02 16:00      failed attempt (failure)
///   S    11-02 23:45 m3   staging: never a production deployment
///   D4   11-03 00:30 m3   carries m4 (bot PR4) and m3 (PR3, merged 11-02 23:30: a day boundary)
///   D5   11-03 09:45 m5   failed attempt (error)
///   D6   11-03 10:00 m5   carries m5 (PR5, the revert of PR3): D4 failed (reverted), D6 rework
///   D7   11-04 12:00 m6   carries m6 (PR6)
///   D8   11-04 12:30 m5   rollback to D6's sha: D7 failed (rolled_back), D8 rework
///   D9   11-05 09:00 m7   carries m7 (PR7; m6 again, first carried by D7)
///   D10  11-05 11:00 m8   carries m8 (PR8, hotfix): D9 failed (hotfixed), D10 rework
/// PR9 is merged 11-06 and never deployed.
fn feed_the_week(run: &Runner) {
    let c0 = sha("c0");
    run.push(
        &at("02 06:00"),
        None,
        &[(c0.clone(), "Initial commit".into())],
    );
    // PR1 opened, reviewed, merged as a merge commit; PR2 opened as a draft, ready, squashed.
    let (p1, p2) = (pr_n(1), pr_n(2));
    run.pull_request(p1, "opened");
    run.pull_request(p2, "opened");
    run.review(p1);
    run.pull_request(p2, "ready_for_review");
    run.pull_request(p1, "closed");
    run.land(p1, &c0);
    run.pull_request(p2, "closed");
    run.land(p2, &p1.merge());
    // D1: created, then successful.
    let mut created = fixture_json("events/deployment/00-created.json");
    created["deployment"]["id"] = json!(1);
    created["deployment"]["sha"] = json!(p2.merge());
    created["deployment"]["ref"] = json!("main");
    created["deployment"]["created_at"] = json!(at("02 13:50"));
    created["deployment"]["updated_at"] = json!(at("02 13:50"));
    run.record("deployment", &created);
    run.deploy(1, &p2.merge(), "02 14:00");
    run.deploy(2, &p2.merge(), "02 15:00");
    run.deployment_status(3, &sha("f3"), "02 16:00", "failure", "production");
    // PR3 and the bot's PR4, late on Monday.
    let (p3, p4) = (pr_n(3), pr_n(4));
    run.pull_request(p3, "opened");
    run.pull_request(p4, "opened");
    run.review(p3);
    run.pull_request(p4, "closed");
    run.land(p4, &p2.merge());
    run.pull_request(p3, "closed");
    run.land(p3, &p4.merge());
    run.deployment_status(100, &p3.merge(), "02 23:45", "success", "staging");
    run.deploy(4, &p3.merge(), "03 00:30");
    // PR5 reverts PR3.
    let p5 = pr_n(5);
    run.pull_request(p5, "opened");
    run.review(p5);
    run.pull_request(p5, "closed");
    run.land(p5, &p3.merge());
    run.deployment_status(5, &p5.merge(), "03 09:45", "error", "production");
    run.deploy(6, &p5.merge(), "03 10:00");
    // PR6, deployed, then rolled back to m5.
    let p6 = pr_n(6);
    run.pull_request(p6, "opened");
    run.review(p6);
    run.pull_request(p6, "closed");
    run.land(p6, &p5.merge());
    run.deploy(7, &p6.merge(), "04 12:00");
    run.deploy(8, &p5.merge(), "04 12:30");
    // PR7 deployed; the hotfix PR8 follows.
    let (p7, p8) = (pr_n(7), pr_n(8));
    run.pull_request(p7, "opened");
    run.review(p7);
    run.pull_request(p7, "closed");
    run.land(p7, &p6.merge());
    run.deploy(9, &p7.merge(), "05 09:00");
    run.pull_request(p8, "opened");
    run.pull_request(p8, "closed");
    run.land(p8, &p7.merge());
    run.deploy(10, &p8.merge(), "05 11:00");
    // PR9: merged, on main, never deployed.
    let p9 = pr_n(9);
    run.pull_request(p9, "opened");
    run.review(p9);
    run.pull_request(p9, "closed");
    run.land(p9, &p8.merge());
}

#[test]
fn a_week_recorded_live_gives_every_figure_computed_by_hand() {
    let github = FakeGitHub::serve(history_api);
    let run = Runner::new("history", &github.url, &[]);
    feed_the_week(&run);
    // Commit messages are asked (one request of 100) for merged PRs not already named a revert:
    // PR5, GitHub's revert of PR3, is not asked.
    let asked = |n: u32| {
        github
            .seen()
            .iter()
            .any(|l| l.contains(&format!("/pulls/{n}/commits?per_page=100 ")))
    };
    assert!(asked(1) && asked(9) && !asked(5), "{:?}", github.seen());

    // What record captured: the carried commits of each production success, and its kind.
    assert_eq!(
        run.rows(
            "select deployment_id, kind, coalesce(metadata->>'carried_shas', '-'),
                    coalesce(metadata->>'is_hotfix', '-')
               from metrics.deployment_events
              where repository = $repo and status = 'success' and is_production
              order by finished_at"
        ),
        [
            format!(
                "deployment:1|deploy|{}|false",
                shas(&["c0", "h1", "m1", "m2"])
            ),
            "deployment:2|redeploy|[]|false".to_owned(),
            format!("deployment:4|deploy|{}|false", shas(&["m4", "m3"])),
            format!("deployment:6|deploy|{}|false", shas(&["m5"])),
            format!("deployment:7|deploy|{}|false", shas(&["m6"])),
            // Rolled back to an ancestor of the live sha: nothing new carried.
            "deployment:8|rollback|[]|false".to_owned(),
            format!("deployment:9|deploy|{}|false", shas(&["m6", "m7"])),
            format!("deployment:10|deploy|{}|true", shas(&["m8"])),
        ]
    );

    // `record` refreshed the days its rows touched (back over the failure window when it wrote
    // a deployment); the figures below come from `aggregate` alone: 7 days x 22 figures +
    // 1 week x 23 (deploy_days too) = 177 rows. Every figure the live refreshes left must be
    // the one the nightly aggregate computes: a day a later deployment changed (PR3 merged on
    // Monday 23:30 and deployed on Tuesday; a deployment failed by a later one) is not stale.
    // (The live refreshes also wrote the days before the week, reaching back: not compared.)
    let figures = format!(
        "select environment, metric_date, grain, metric_name, value, n, p50, p90, metadata
           from metrics.development_metrics
          where repository = $repo and metric_date between '{FROM}' and '{TO}'
          order by 1, 2, 3, 4"
    );
    let live = run.rows(&figures);
    // The steps wrote PR and deployment rows only (no test runs, no verdicts recorded): the
    // live refreshes recomputed the delivery figures alone, of the five weekdays touched
    // (13 each) and of the week (14, deploy_days too): 79 rows.
    assert_eq!(live.len(), 5 * 13 + 14, "{live:#?}");
    run.rows("delete from metrics.development_metrics where repository = $repo");
    let first = run.aggregate();
    assert!(first.contains("177 row(s)"), "{first}");
    let nightly = run.rows(&figures);
    let stale: Vec<&String> = live.iter().filter(|row| !nightly.contains(row)).collect();
    assert!(
        stale.is_empty(),
        "figures left stale by the live refreshes: {stale:#?}"
    );
    // The audit trail per PR (pr_number|deployment|coding|pickup|review|deploy|lead|cycle):
    assert_eq!(
        run.rows(
            "select pr_number, coalesce(deployment_id, '-'), coding_seconds, pickup_seconds,
                    review_seconds, coalesce(deploy_seconds::text, '-'),
                    coalesce(lead_time_seconds::text, '-'), cycle_time_seconds, is_bot
               from metrics.pr_delivery where repository = $repo order by pr_number"
        ),
        [
            // 08:00 first commit -> 09:00 opened -> 10:00 review -> 12:00 merge -> 14:00 D1:
            // 3600 + 3600 + 7200 + 7200 = 21600; cycle 09:00 -> 12:00 = 10800.
            "1|deployment:1|3600|3600|7200|7200|21600|10800|f",
            // draft: 07:00 -> 11:00 ready (14400), no review (pickup 0), 11:00 -> 13:00 merge
            // (7200), -> 14:00 (3600): 25200; the squash commit m2 (not head h2) is carried.
            "2|deployment:1|14400|0|7200|3600|25200|10800|f",
            // 20:00 -> 21:00 -> 22:00 -> 23:30 merge -> 00:30 next day by D4 (not staging at
            // 23:45): 3600 + 3600 + 5400 + 3600 = 16200; cycle 21:00 -> 23:30 = 9000.
            "3|deployment:4|3600|3600|5400|3600|16200|9000|f",
            // The bot PR: 22:30 -> 22:40 (600), no review, -> 23:00 (1200), -> 00:30 (5400).
            "4|deployment:4|600|0|1200|5400|7200|1200|t",
            // 09:00 -> 09:10 -> 09:20 -> 09:30 -> 10:00 D6 (D5 failed with error).
            "5|deployment:6|600|600|600|1800|3600|1200|f",
            "6|deployment:7|3600|3600|3600|3600|14400|7200|f",
            // m6 is carried again by D9: the first deployment (D7) counts.
            "7|deployment:9|3600|1800|1800|3600|10800|3600|f",
            // The hotfix, merged without review: 09:30 -> 09:45 (900), pickup 0, -> 10:30
            // (2700), -> 11:00 D10 (1800): 5400.
            "8|deployment:10|900|0|2700|1800|5400|2700|f",
            // Never deployed: no deploy stage, no lead time (NULL, never 0).
            "9|-|3600|3600|3600|-|-|7200|f",
        ]
    );
    // The audit trail per deployment (id|failed|reason|recovered by|recovery|rework):
    assert_eq!(
        run.rows(
            "select deployment_id, failed, coalesce(failure_reason, '-'),
                    coalesce(recovered_by, '-'), coalesce(recovery_seconds::text, '-'), is_rework
               from metrics.production_deployments where repository = $repo order by finished_at"
        ),
        [
            // D2 (redeploy of m2), D3 and D5 (failed attempts) and the staging one are not here.
            "deployment:1|f|-|-|-|f",
            // Reverted by D6 (ships PR5, the revert of PR3): 00:30 -> 10:00 = 34200.
            "deployment:4|t|reverted|deployment:6|34200|f",
            "deployment:6|f|-|-|-|t",
            // Rolled back by D8 (the deployment live before it): 12:00 -> 12:30 = 1800.
            "deployment:7|t|rolled_back|deployment:8|1800|f",
            "deployment:8|f|-|-|-|t",
            // Hotfixed by D10: 09:00 -> 11:00 = 7200.
            "deployment:9|t|hotfixed|deployment:10|7200|f",
            "deployment:10|f|-|-|-|t",
        ]
    );

    let f = |env: &str, grain: &str, date: &str, name: &str| run.figure(env, grain, date, name);
    let week = |name: &str| f("production", "week", FROM, name);
    let day = |date: &str, name: &str| f("production", "day", date, name);
    let null = "null n=0 {}";
    // Deployments: D1, D4, D6, D7, D8, D9, D10 = 7; 7 / 7 days = 1 per day: elite.
    assert_eq!(
        week("deployment_count"),
        r#"7 n=7 {"deployments_per_day":1,"dora_level":"elite"}"#
    );
    // 11-02: D1; 11-03: D4 (00:30), D6; 11-04: D7, D8; 11-05: D9, D10; 11-06: none.
    assert_eq!(day("2026-11-02", "deployment_count"), "1 n=1 {}");
    assert_eq!(day("2026-11-03", "deployment_count"), "2 n=2 {}");
    assert_eq!(day("2026-11-06", "deployment_count"), "0 n=0 {}");
    // Days with a deployment: 02, 03, 04, 05 = 4, over 7 deployments.
    assert_eq!(week("deploy_days"), "4 n=7 {}");
    // Attempts that ended: successes D1, D2, D4, D6, D7, D8, D9, D10 = 8, + D3 (failure) + D5
    // (error) = 10; failed 2 / 10 = 0.2.
    assert_eq!(week("pipeline_failure_rate"), "0.2 n=10 {}");
    // 11-02: D1, D2, D3: 1 / 3; 11-03: D4, D5, D6: 1 / 3; 11-04: D7, D8: 0 / 2.
    assert_eq!(
        day("2026-11-02", "pipeline_failure_rate"),
        "0.333333 n=3 {}"
    );
    assert_eq!(
        day("2026-11-03", "pipeline_failure_rate"),
        "0.333333 n=3 {}"
    );
    assert_eq!(day("2026-11-04", "pipeline_failure_rate"), "0 n=2 {}");

    // Lead time, deployed non-bot PRs: 21600, 25200, 16200, 3600, 14400, 10800, 5400.
    // Sorted 3600 5400 10800 14400 16200 21600 25200: median 14400 (< 1 day: elite);
    // p90 at rank 0.9 x 6 = 5.4: 21600 + 0.4 x (25200 - 21600) = 23040.
    let elite = r#"{"dora_level":"elite"}"#;
    assert_eq!(
        week("lead_time_seconds"),
        format!("14400 n=7 p50=14400 p90=23040 {elite}")
    );
    // 11-02 (D1): 21600, 25200: median 23400; p90 21600 + 0.9 x 3600 = 24840.
    assert_eq!(
        day("2026-11-02", "lead_time_seconds"),
        format!("23400 n=2 p50=23400 p90=24840 {elite}")
    );
    // 11-03 (D4 at 00:30, D6): PR3 16200, PR5 3600 (bot PR4 left out): median 9900;
    // p90 3600 + 0.9 x 12600 = 14940.
    assert_eq!(
        day("2026-11-03", "lead_time_seconds"),
        format!("9900 n=2 p50=9900 p90=14940 {elite}")
    );
    // 11-05 (D9, D10): 10800, 5400: median 8100; p90 5400 + 0.9 x 5400 = 10260.
    assert_eq!(
        day("2026-11-05", "lead_time_seconds"),
        format!("8100 n=2 p50=8100 p90=10260 {elite}")
    );
    assert_eq!(day("2026-11-06", "lead_time_seconds"), null);
    // Non-bot PRs merged in the week: 1, 2, 3, 5, 6, 7, 8, 9 = 8; PR9 not deployed.
    assert_eq!(week("merged_not_deployed"), "1 n=8 {}");
    assert_eq!(day("2026-11-06", "merged_not_deployed"), "1 n=1 {}");
    // 11-02: PR1, PR2, PR3 (23:30), all deployed (the bot's PR4 left out).
    assert_eq!(day("2026-11-02", "merged_not_deployed"), "0 n=3 {}");

    // Failed: D4, D7, D9 of 7 = 0.428571 (over 20 %: low).
    let low = r#"{"dora_level":"low"}"#;
    assert_eq!(week("change_failure_rate"), format!("0.428571 n=7 {low}"));
    // 11-02: D1 not failed: 0 / 1 (<= 5 %: elite); 11-03: D4 failed, D6 not: 1 / 2.
    assert_eq!(
        day("2026-11-02", "change_failure_rate"),
        format!("0 n=1 {elite}")
    );
    assert_eq!(
        day("2026-11-03", "change_failure_rate"),
        format!("0.5 n=2 {low}")
    );
    assert_eq!(day("2026-11-06", "change_failure_rate"), null);
    // Recovery: 34200 (D4), 1800 (D7), 7200 (D9): sorted 1800 7200 34200, median 7200
    // (< 1 day: high); p90 at 0.9 x 2 = 1.8: 7200 + 0.8 x 27000 = 28800.
    assert_eq!(
        week("failed_deployment_recovery_seconds"),
        r#"7200 n=3 p50=7200 p90=28800 {"dora_level":"high"}"#
    );
    // 11-04: D7's 1800 (< 1 hour: elite), by the failed deployment's finish.
    assert_eq!(
        day("2026-11-04", "failed_deployment_recovery_seconds"),
        format!("1800 n=1 p50=1800 p90=1800 {elite}")
    );
    // Rework: D6 (revert), D8 (rollback), D10 (hotfix) of 7 = 0.428571.
    assert_eq!(week("rework_rate"), "0.428571 n=7 {}");
    assert_eq!(day("2026-11-05", "rework_rate"), "0.5 n=2 {}");

    // Cycle time, every merged PR (the bot's too): 10800 10800 9000 1200 1200 7200 3600 2700
    // 7200; sorted 1200 1200 2700 3600 7200 7200 9000 10800 10800: median 7200; p90 at rank
    // 7.2: 10800.
    assert_eq!(
        week("pr_cycle_time_seconds"),
        "7200 n=9 p50=7200 p90=10800 {}"
    );
    // Merged: 9 PRs, 1 a bot; 11-02: PR1, PR2, PR3 (23:30), PR4.
    assert_eq!(week("merged_prs"), r#"9 n=9 {"bot_prs":1}"#);
    assert_eq!(day("2026-11-02", "merged_prs"), r#"4 n=4 {"bot_prs":1}"#);
    // Stages of the 8 non-bot PRs merged in the week (PR9 too), by merge:
    // coding 600 900 3600 3600 3600 3600 3600 14400: median 3600; p90 at 6.3: 3600 + 0.3 x
    // 10800 = 6840.
    assert_eq!(week("pr_coding_seconds"), "3600 n=8 p50=3600 p90=6840 {}");
    // pickup 0 0 600 1800 3600 3600 3600 3600: median (1800 + 3600) / 2 = 2700; p90 3600.
    assert_eq!(week("pr_pickup_seconds"), "2700 n=8 p50=2700 p90=3600 {}");
    // review 600 1800 2700 3600 3600 5400 7200 7200: median 3600; p90 7200.
    assert_eq!(week("pr_review_seconds"), "3600 n=8 p50=3600 p90=7200 {}");
    // deploy, the 7 deployed non-bot PRs, by deployment: 1800 1800 3600 3600 3600 3600 7200:
    // median 3600; p90 at 5.4: 3600 + 0.4 x 3600 = 5040.
    assert_eq!(week("pr_deploy_seconds"), "3600 n=7 p50=3600 p90=5040 {}");

    // No test results and no rules (`rules: []`): nothing to measure, NULL with n = 0.
    for env in ["local", "staging", "production"] {
        assert_eq!(f(env, "week", FROM, "test_pass_rate"), null);
        assert_eq!(f(env, "week", FROM, "flaky_test_rate"), null);
        assert_eq!(
            f(env, "week", FROM, "rule_compliance_rate"),
            r#"null n=0 {"rules":{}}"#
        );
    }

    // aggregate run again: nothing written, the same rows (ids, values, computed_at).
    let all = || {
        run.rows(
            "select id, environment, metric_date, grain, metric_name, value, n, p50, p90, unit,
                    metadata, computed_at
               from metrics.development_metrics where repository = $repo order by id",
        )
    };
    let before = all();
    assert_eq!(before.len(), 177, "{first}");
    let second = run.aggregate();
    assert!(second.contains("0 row(s)"), "{second}");
    assert_eq!(all(), before);
}

/// `["c0", …]` as the JSON text of their shas.
fn shas(labels: &[&str]) -> String {
    let list: Vec<String> = labels.iter().map(|l| sha(l)).collect();
    serde_json::to_string(&list).unwrap().replace(',', ", ")
}
