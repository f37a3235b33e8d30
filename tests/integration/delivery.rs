//! A small history fed through `record` as GitHub would send it (real payloads, edited), then
//! `aggregate`: the rows live capture writes are the rows the figures are computed from. The
//! deployment, push and pull request below are one change travelling to production; every
//! expected figure is computed by hand in the comments.

use crate::common::*;
use serde_json::Value;
use std::path::Path;

/// Records one event as the runner starts the step on the production branch `master`.
fn record(dir: &Path, repo: &str, event: &str, body: &Value, stack: &Stack) {
    let path = dir.join(format!("{event}-{}.json", fastrand::u32(..)));
    std::fs::write(&path, body.to_string()).unwrap();
    let mut env = vec![
        ("GITHUB_ACTIONS", "true".to_owned()),
        ("GITHUB_EVENT_NAME", event.to_owned()),
        ("GITHUB_EVENT_PATH", path.display().to_string()),
        ("GITHUB_REPOSITORY", repo.to_owned()),
        ("GITHUB_REF_NAME", "master".to_owned()),
        ("GITHUB_REF", "refs/heads/master".to_owned()),
        ("GITHUB_WORKSPACE", dir.display().to_string()),
        ("GITHUB_API_URL", FakeGitHub::shared().url.clone()),
        ("INPUT_GITHUB-TOKEN", "ghs_deliveryTestToken".to_owned()),
        ("INPUT_SUPABASE-URL", stack.supabase_url.clone()),
        ("INPUT_SUPABASE-SERVICE-ROLE-KEY", stack.secret_key.clone()),
    ];
    if event == "pull_request" {
        env.push(("GITHUB_BASE_REF", "master".to_owned()));
    }
    let out = devmetrics(dir, &[], &env);
    assert_eq!(out.status.code(), Some(0), "{event}: {}", text(&out));
}

#[test]
fn a_change_recorded_live_from_merge_to_production_gets_its_lead_time_and_counts_as_a_deployment() {
    let stack = Stack::get();
    let repo = unique_repository("delivery");
    let dir = workdir();
    let before = "6113728f27ae82c7b1a177c8d03f9e96e0adf246";
    let merge = "c4295bd74fb0f4fda03689c3df3f2803b658fd85";

    // 1. Production runs `before` (deployment 1001, 2019-05-15 15:20:55 UTC).
    record(
        dir.path(),
        &repo,
        "deployment_status",
        &deployment_success(1001, before, "2019-05-15T15:20:55Z"),
        &stack,
    );
    // 2. PR #2 is merged as commit `merge` (2019-05-16 10:45:03); the fake GitHub API gives its
    //    first commit (2019-05-15 14:02:11), readiness and first review by someone else.
    record(
        dir.path(),
        &repo,
        "pull_request",
        &fixture_json("events/pull_request/90-closed-merged.json"),
        &stack,
    );
    // 3. The merge lands on master: the push before → merge.
    record(
        dir.path(),
        &repo,
        "push",
        &fixture_json("events/push/90-event-merged-pr.json"),
        &stack,
    );
    // 4. Production deploys `merge` (deployment 1002, 2019-05-16 12:00:00): it carries the merge.
    record(
        dir.path(),
        &repo,
        "deployment_status",
        &deployment_success(1002, merge, "2019-05-16T12:00:00Z"),
        &stack,
    );
    assert_eq!(
        stack.psql(
            "postgres",
            &format!(
                "select metadata->'carried_shas' from metrics.deployment_events \
                 where repository = '{repo}' and deployment_id = 'deployment:1002'"
            )
        ),
        format!("[\"{merge}\"]")
    );

    let out = devmetrics(
        dir.path(),
        &[
            "aggregate",
            "--from",
            "2019-05-13",
            "--to",
            "2019-05-19",
            "--repository",
            &repo,
        ],
        &[
            ("SUPABASE_URL", stack.supabase_url.clone()),
            ("SUPABASE_SERVICE_ROLE_KEY", stack.secret_key.clone()),
        ],
    );
    assert!(out.status.success(), "{}", text(&out));

    // The audit view: deployed by 1002 at 12:00:00.
    //   lead time   = 2019-05-16 12:00:00 − 2019-05-15 14:02:11 = 21 h 57 min 49 s = 79 069 s
    //   deploy stage = 12:00:00 − 10:45:03 (merge)              =  1 h 14 min 57 s =  4 497 s
    assert_eq!(
        stack.psql(
            "postgres",
            &format!(
                "select deployment_id || ' ' || lead_time_seconds || ' ' || deploy_seconds \
                 || ' ' || (coding_seconds + pickup_seconds + review_seconds + deploy_seconds) \
                 from metrics.pr_delivery where repository = '{repo}'"
            )
        ),
        "deployment:1002 79069 4497 79069"
    );
    // The figures of the ISO week starting Monday 2019-05-13 (production): two deployments
    // (15 May and 16 May), one lead time of 79 069 s.
    let week = |metric: &str| {
        stack.psql(
            "postgres",
            &format!(
                "select coalesce(value::text, 'null') || ' n=' || n from metrics.development_metrics \
                 where repository = '{repo}' and environment = 'production' and grain = 'week' \
                 and metric_date = '2019-05-13' and metric_name = '{metric}'"
            ),
        )
    };
    assert_eq!(week("deployment_count"), "2 n=2");
    assert_eq!(week("lead_time_seconds"), "79069 n=1");
    assert_eq!(week("merged_prs"), "1 n=1");
}
