//! What `record` captures for the delivery figures, on the real stack: which commits a
//! production deployment carried (the chain of recorded pushes, GitHub's compare API, or
//! unknown), a hotfix PR and the deployment that ships it, and a revert PR. Payloads are the
//! fixtures' real shapes, edited.

use crate::common::*;
use serde_json::{json, Value};
use std::path::Path;

/// A 40-hex sha made of one repeated digit.
fn sha(digit: char) -> String {
    std::iter::repeat_n(digit, 40).collect()
}

/// The environment the runner gives the step on `main`, writing to the stack.
fn step_env(dir: &Path, repo: &str, event: &str, payload: &Path) -> Vec<(&'static str, String)> {
    let stack = Stack::get();
    vec![
        ("GITHUB_ACTIONS", "true".to_owned()),
        ("GITHUB_EVENT_NAME", event.to_owned()),
        ("GITHUB_EVENT_PATH", payload.display().to_string()),
        ("GITHUB_REPOSITORY", repo.to_owned()),
        ("GITHUB_RUN_ID", "4242".to_owned()),
        ("GITHUB_RUN_ATTEMPT", "1".to_owned()),
        ("GITHUB_JOB", "metrics".to_owned()),
        ("GITHUB_WORKSPACE", dir.display().to_string()),
        ("GITHUB_REF", "refs/heads/main".to_owned()),
        ("GITHUB_REF_NAME", "main".to_owned()),
        ("INPUT_COMMAND", "record".to_owned()),
        ("INPUT_PRODUCTION-BRANCHES", "main,master".to_owned()),
        ("INPUT_SUPABASE-URL", stack.supabase_url.clone()),
        ("INPUT_SUPABASE-SERVICE-ROLE-KEY", stack.secret_key.clone()),
    ]
}

/// Records `payload` as `event`; `extra` adds to the step's environment.
fn record(dir: &Path, repo: &str, event: &str, payload: &Value, extra: &[(&'static str, String)]) {
    let file = dir.join(format!("{event}-{}.json", rand_suffix()));
    std::fs::write(&file, payload.to_string()).unwrap();
    let mut env = step_env(dir, repo, event, &file);
    env.extend(extra.iter().cloned());
    let out = devmetrics(dir, &[], &env);
    assert!(out.status.success(), "{}", text(&out));
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

/// A push to `main` from `before` to `after` with `commits` (oldest first, the last is `after`).
fn push(dir: &Path, repo: &str, before: &str, after: &str, commits: &[String]) {
    let mut p = fixture_json("events/push/90-event-merged-pr.json");
    let template = p["commits"][0].clone();
    let list: Vec<Value> = commits
        .iter()
        .map(|c| {
            let mut commit = template.clone();
            commit["id"] = json!(c);
            commit["message"] = json!(format!("Change {}", &c[..7]));
            commit
        })
        .collect();
    p["ref"] = json!("refs/heads/main");
    p["before"] = json!(before);
    p["after"] = json!(after);
    p["head_commit"] = list.last().cloned().unwrap();
    p["commits"] = json!(list);
    record(dir, repo, "push", &p, &[]);
}

/// A successful deployment of `sha` to production, with GitHub deployment id `id`.
fn deploy(dir: &Path, repo: &str, id: u64, sha: &str, extra: &[(&'static str, String)]) {
    // Later ids finish later: the previous success is the one with the next lower id.
    let at = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap()
        + chrono::Duration::minutes(id as i64);
    let mut p = deployment_success(id, sha, &at.to_rfc3339());
    p["deployment"]["ref"] = json!("main");
    record(dir, repo, "deployment_status", &p, extra);
}

/// A merged PR (`90-closed-merged.json` edited).
fn merge_pr(dir: &Path, repo: &str, number: u32, edit: impl FnOnce(&mut Value)) {
    let mut p = fixture_json("events/pull_request/90-closed-merged.json");
    p["number"] = json!(number);
    p["pull_request"]["number"] = json!(number);
    p["pull_request"]["base"]["ref"] = json!("main");
    edit(&mut p["pull_request"]);
    record(dir, repo, "pull_request", &p, &[]);
}

/// `metadata->>key` of the success row of deployment `id`.
fn deployment_meta(repo: &str, id: u64, key: &str) -> String {
    Stack::get().psql(
        "postgres",
        &format!(
            "select coalesce(metadata->>'{key}', '-') from metrics.deployment_events \
             where repository = '{repo}' and deployment_id = 'deployment:{id}' \
             and status = 'success'"
        ),
    )
}

/// `metadata->>key` of the merged row of PR `number`.
fn merged_meta(repo: &str, number: u32, key: &str) -> String {
    Stack::get().psql(
        "postgres",
        &format!(
            "select coalesce(metadata->>'{key}', '-') from metrics.pr_events \
             where repository = '{repo}' and pr_number = {number} and event_type = 'merged'"
        ),
    )
}

fn shas(list: &[String]) -> String {
    serde_json::to_string(list).unwrap().replace(',', ", ")
}

#[test]
fn a_production_deployment_carries_exactly_the_commits_pushed_since_the_previous_one() {
    let repo = unique_repository("carried-chain");
    let dir = workdir();
    let [c0, c1, c2, c3, c4] = ['a', 'b', 'c', 'd', 'e'].map(sha);
    push(dir.path(), &repo, &c0, &c1, std::slice::from_ref(&c1));
    deploy(dir.path(), &repo, 101, &c1, &[]);
    // The first deployment: the recorded pushes do not reach the branch's creation.
    assert_eq!(deployment_meta(&repo, 101, "carried_known"), "false");
    assert_eq!(deployment_meta(&repo, 101, "carried_shas"), "-");
    assert_eq!(deployment_meta(&repo, 101, "previous_sha"), "-");

    push(dir.path(), &repo, &c1, &c3, &[c2.clone(), c3.clone()]);
    push(dir.path(), &repo, &c3, &c4, std::slice::from_ref(&c4));
    deploy(dir.path(), &repo, 102, &c4, &[]);
    assert_eq!(deployment_meta(&repo, 102, "previous_sha"), c1);
    assert_eq!(deployment_meta(&repo, 102, "carried_known"), "true");
    assert_eq!(deployment_meta(&repo, 102, "carried_from"), "push_events");
    // (c1, c4] in push order: c2 and c3 (one push), c4; never c1, live already.
    assert_eq!(
        deployment_meta(&repo, 102, "carried_shas"),
        shas(&[c2, c3, c4.clone()])
    );
    assert_eq!(deployment_meta(&repo, 102, "is_hotfix"), "false");

    // A redeploy of the live sha carries nothing, and says so.
    deploy(dir.path(), &repo, 103, &c4, &[]);
    assert_eq!(deployment_meta(&repo, 103, "carried_known"), "true");
    assert_eq!(deployment_meta(&repo, 103, "carried_shas"), "[]");
}

#[test]
fn a_broken_chain_without_a_token_leaves_the_carried_commits_unknown() {
    let repo = unique_repository("carried-broken");
    let dir = workdir();
    let [c0, c1, c2, c3] = ['1', '2', '3', '4'].map(sha);
    push(dir.path(), &repo, &c0, &c1, std::slice::from_ref(&c1));
    deploy(dir.path(), &repo, 201, &c1, &[]);
    // The push c1 → c2 was never recorded.
    push(dir.path(), &repo, &c2, &c3, std::slice::from_ref(&c3));
    deploy(dir.path(), &repo, 202, &c3, &[]);
    assert_eq!(deployment_meta(&repo, 202, "previous_sha"), c1);
    assert_eq!(deployment_meta(&repo, 202, "carried_known"), "false");
    assert_eq!(deployment_meta(&repo, 202, "carried_shas"), "-");
}

/// The fake GitHub's comparison: `5555…` is ahead of `2222…` by `3333…`, `4444…`, `5555…`.
fn compare_answer(path: &str) -> (&'static str, String) {
    if path.ends_with(&format!("/compare/{}...{}", sha('2'), sha('5'))) {
        let commits: Vec<Value> = ['3', '4', '5']
            .map(|d| json!({"sha": sha(d), "commit": {"message": "x"}}))
            .to_vec();
        let body = json!({"status": "ahead", "ahead_by": 3, "behind_by": 0,
                          "total_commits": 3, "commits": commits});
        ("200 OK", body.to_string())
    } else {
        ("404 Not Found", r#"{"message":"Not Found"}"#.to_owned())
    }
}

#[test]
fn a_broken_chain_with_a_token_is_decided_by_githubs_compare_api() {
    let repo = unique_repository("carried-compare");
    let dir = workdir();
    let github = FakeGitHub::serve(compare_answer);
    let token = [
        ("INPUT_GITHUB-TOKEN", "ghs_faketoken0123456789".to_owned()),
        ("GITHUB_API_URL", github.url.clone()),
    ];
    let [c1, c2, c5] = ['1', '2', '5'].map(sha);
    push(dir.path(), &repo, &c1, &c2, std::slice::from_ref(&c2));
    deploy(dir.path(), &repo, 301, &c2, &token);
    // No push recorded since: only the API can tell.
    deploy(dir.path(), &repo, 302, &c5, &token);
    assert_eq!(deployment_meta(&repo, 302, "carried_known"), "true");
    assert_eq!(
        deployment_meta(&repo, 302, "carried_from"),
        "github_compare"
    );
    assert_eq!(
        deployment_meta(&repo, 302, "carried_shas"),
        shas(&[sha('3'), sha('4'), c5])
    );
    assert!(
        github
            .seen()
            .iter()
            .any(|l| l.contains(&format!("/compare/{c2}...{}", sha('5')))),
        "{:?}",
        github.seen()
    );
}

#[test]
fn a_squash_merged_hotfix_pr_marks_the_deployment_that_ships_it() {
    let repo = unique_repository("carried-hotfix");
    let dir = workdir();
    let [c0, c1, c2, c3] = ['6', '7', '8', '9'].map(sha);
    push(dir.path(), &repo, &c0, &c1, std::slice::from_ref(&c1));
    deploy(dir.path(), &repo, 401, &c1, &[]);
    // A squash merge: the PR's merge_commit_sha (c2) is the one commit that lands on main.
    merge_pr(dir.path(), &repo, 41, |pr| {
        pr["merge_commit_sha"] = json!(c2);
        pr["head"]["ref"] = json!("fix-login");
        pr["labels"] = json!([{"id": 1, "name": "HotFix"}, {"id": 2, "name": "bug"}]);
    });
    // An ordinary PR from a branch named like a hotfix elsewhere is not one.
    merge_pr(dir.path(), &repo, 42, |pr| {
        pr["merge_commit_sha"] = json!(c3);
        pr["head"]["ref"] = json!("feature/hotfix-docs");
        pr["labels"] = json!([]);
    });
    assert_eq!(merged_meta(&repo, 41, "labels"), r#"["HotFix", "bug"]"#);
    assert_eq!(merged_meta(&repo, 41, "is_hotfix"), "true");
    assert_eq!(merged_meta(&repo, 42, "is_hotfix"), "false");
    push(dir.path(), &repo, &c1, &c2, std::slice::from_ref(&c2));
    deploy(dir.path(), &repo, 402, &c2, &[]);
    assert_eq!(
        deployment_meta(&repo, 402, "carried_shas"),
        shas(std::slice::from_ref(&c2))
    );
    assert_eq!(deployment_meta(&repo, 402, "is_hotfix"), "true");
    assert_eq!(deployment_meta(&repo, 402, "hotfix_prs"), "[41]");
    // The next deployment carries only PR 42's commit: not a hotfix.
    push(dir.path(), &repo, &c2, &c3, std::slice::from_ref(&c3));
    deploy(dir.path(), &repo, 403, &c3, &[]);
    assert_eq!(deployment_meta(&repo, 403, "is_hotfix"), "false");
}

#[test]
fn a_hotfix_branch_setting_and_revert_prs_are_recorded_on_the_merged_row() {
    let repo = unique_repository("revert-hotfix");
    let dir = workdir();
    // GitHub's revert button: branch revert-41-…, title Revert "…", body Reverts o/r#41.
    merge_pr(dir.path(), &repo, 51, |pr| {
        pr["head"]["ref"] = json!("revert-41-fix-login");
        pr["title"] = json!("Revert \"Fix login\"");
        pr["body"] = json!(format!("Reverts {repo}#41"));
    });
    assert_eq!(merged_meta(&repo, 51, "reverts_pr_number"), "41");
    assert_eq!(merged_meta(&repo, 51, "reverts_sha"), "-");
    // git revert's message, copied into the body of a one-commit PR.
    let reverted = sha('c');
    merge_pr(dir.path(), &repo, 52, |pr| {
        pr["head"]["ref"] = json!("hotfix/undo-cache");
        pr["title"] = json!("Undo the cache");
        pr["body"] = json!(format!(
            "Revert \"Add a cache\"\n\nThis reverts commit {reverted}."
        ));
    });
    assert_eq!(merged_meta(&repo, 52, "reverts_sha"), reverted);
    assert_eq!(merged_meta(&repo, 52, "reverts_pr_number"), "-");
    // `hotfix-branches` at its default (hotfix/**) marks it.
    assert_eq!(merged_meta(&repo, 52, "is_hotfix"), "true");
    // An ordinary PR is neither.
    merge_pr(dir.path(), &repo, 53, |_| {});
    assert_eq!(merged_meta(&repo, 53, "reverts_pr_number"), "-");
    assert_eq!(merged_meta(&repo, 53, "is_hotfix"), "false");
}
