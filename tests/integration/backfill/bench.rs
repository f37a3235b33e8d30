//! The bench `bench/backfill.sh` runs (ignored by the test run).

use super::fake::FakeHistory;
use super::history::{history, prs};
use super::{backfill, jsonl_keys, step_env};
use crate::common::*;

/// The bench (`bench/backfill.sh`): `BACKFILL_BENCH_PRS` pull requests (default 500) served by
/// the fake API, backfilled into local files 5 times; prints the requests and the median time.
#[test]
#[ignore = "a benchmark: bench/backfill.sh runs it"]
fn bench_backfill_of_many_pull_requests() {
    let n: u32 = std::env::var("BACKFILL_BENCH_PRS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    let repo = unique_repository("backfill-bench");
    let api = FakeHistory::start(history(&prs(&repo, n)));
    let mut times = Vec::new();
    let mut requests = 0;
    for _ in 0..5 {
        let dir = workdir();
        api.clear_requests();
        let started = std::time::Instant::now();
        let out = backfill(
            dir.path(),
            &step_env(dir.path(), &repo, &api, false),
            &[
                "--days",
                "400",
                "--only",
                "prs,reviews,pushes,deployments,releases,workflow-runs",
            ],
        );
        times.push(started.elapsed());
        assert!(out.status.success(), "{}", text(&out));
        if std::env::var_os("BACKFILL_BENCH_LOG").is_some() {
            eprintln!("{}", text(&out));
        }
        requests = api.requests().len();
        let rows = jsonl_keys(dir.path(), "pr_events", &["pr_number", "event_key"]).len();
        assert_eq!(rows, n as usize * 6);
    }
    times.sort();
    let goal = n.div_ceil(50) + 10;
    println!(
        "backfill of {n} PRs (with reviews, timelines, first commits) + pushes, deployments, releases, workflow runs: \
         {requests} GitHub API requests (goal <= {goal}), median {:.2} s of 5 runs (min {:.2} s, max {:.2} s)",
        times[2].as_secs_f64(),
        times[0].as_secs_f64(),
        times[4].as_secs_f64()
    );
    assert!(requests as u32 <= goal, "{requests} requests");
}
