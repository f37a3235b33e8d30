//! A `git revert` named only in a commit message, recorded through the `record` step with a
//! fake GitHub API answering "List commits on a pull request" in its documented shape: the
//! reverted commit is stored, and the deployment that carried it counts as failed.

use super::step::{api_commit, not_found, ok, Runner};
use super::{at, sha, Pr};
use crate::common::*;
use serde_json::json;

/// PR `number` of the revert test: Codertocat's, merged at `merged` ("DD HH:MM") without review.
fn plain_pr(number: u32, branch: &str, title: &str, body: &str, merged: &str) -> Pr {
    Pr {
        number,
        bot: false,
        branch: branch.into(),
        title: title.into(),
        body: body.into(),
        labels: Vec::new(),
        first_commit: at("09 08:00"),
        created: at("09 09:00"),
        ready: None,
        review: None,
        merged: at(merged),
    }
}

/// `This reverts commit <m20>.`: what `git revert` of PR20's merge commit writes.
fn revert_message() -> String {
    format!(
        "Revert \"Feature twenty\"\n\nThis reverts commit {}.",
        sha("m20")
    )
}

/// The fake GitHub API of the revert test: PRs 21 to 23 each hold one commit, a `git revert` of
/// PR20's merge commit; PR20's commit is a plain change. Nothing else is reviewed.
fn revert_api(path: &str) -> (&'static str, String) {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match parts.as_slice() {
        ["repos", _, _, "pulls", "20", "commits"] => ok(json!([api_commit(
            &sha("h20"),
            &at("09 08:00"),
            "Add feature twenty"
        )])),
        ["repos", _, _, "pulls", n, "commits"] => ok(json!([api_commit(
            &sha(&format!("h{n}")),
            &at("09 08:00"),
            &revert_message()
        )])),
        ["repos", _, _, "pulls", _, "reviews"] | ["repos", _, _, "issues", _, "timeline"] => {
            ok(json!([]))
        }
        ["repos", _, _, "commits", _, "pulls"] => ok(json!([])),
        ["repos", _, _, "contents", ..] => ok(json!({
            "type": "file", "encoding": "base64", "content": "cnVsZXM6IFtdCg=="
        })),
        _ => not_found(),
    }
}

/// [`revert_api`], except that the commits of PR22 answer 502.
fn failing_revert_api(path: &str) -> (&'static str, String) {
    if path.ends_with("/pulls/22/commits") {
        ("502 Bad Gateway", r#"{"message":"Server Error"}"#.into())
    } else {
        revert_api(path)
    }
}

#[test]
fn a_git_revert_named_only_in_a_commit_message_marks_the_deployment_it_reverts_as_failed() {
    let github = FakeGitHub::serve(revert_api);
    let mut run = Runner::new("history-revert", &github.url, &[]);
    let feature = plain_pr(20, "feature/twenty", "Feature twenty", "", "09 10:00");
    // Branch, title and body say nothing of a revert: only the commit message does.
    let undo = plain_pr(
        21,
        "undo-twenty",
        "Undo twenty",
        "It broke login.",
        "09 12:00",
    );
    let c0 = sha("c0");
    run.push(
        &at("09 06:00"),
        None,
        &[(c0.clone(), "Initial commit".into())],
    );
    run.pull_request(&feature, "closed");
    run.land(&feature, &c0);
    run.deploy(1, &feature.merge(), "09 11:00");
    run.pull_request(&undo, "closed");
    run.land(&undo, &feature.merge());
    run.deploy(2, &undo.merge(), "09 13:00");

    // One request of 100 commits per merged PR not already named a revert.
    let asked = |n: u32| {
        github
            .seen()
            .iter()
            .filter(|l| l.contains(&format!("/pulls/{n}/commits?per_page=100 ")))
            .count()
    };
    assert_eq!((asked(20), asked(21)), (1, 1), "{:?}", github.seen());
    let merged = |run: &Runner, n: u32| {
        run.rows(&format!(
            "select coalesce(metadata->>'is_revert', '-'), coalesce(metadata->>'reverts_sha', '-'),
                    coalesce(metadata->>'incomplete', '-')
               from metrics.pr_events
              where repository = $repo and pr_number = {n} and event_type = 'merged'"
        ))
    };
    assert_eq!(merged(&run, 20), ["-|-|-"]);
    assert_eq!(merged(&run, 21), [format!("true|{}|-", sha("m20"))]);
    // D2 ships the revert of the commit D1 carried: D1 failed, recovered 11:00 -> 13:00 = 7200 s;
    // D2 is rework.
    assert_eq!(
        run.rows(
            "select deployment_id, failed, coalesce(failure_reason, '-'),
                    coalesce(recovered_by, '-'), coalesce(recovery_seconds::text, '-'), is_rework
               from metrics.production_deployments where repository = $repo order by finished_at"
        ),
        [
            "deployment:1|t|reverted|deployment:2|7200|f",
            "deployment:2|f|-|-|-|t"
        ]
    );

    // The lookup fails: recorded as before (no guess), the gap listed; a later run completes it.
    let failing = FakeGitHub::serve(failing_revert_api);
    run.api_url = failing.url.clone();
    // git's subject as the title: a revert, but of what only the commit says.
    let again = plain_pr(
        22,
        "undo-again",
        "Revert \"Feature twenty\"",
        "",
        "09 14:00",
    );
    let printed = run.pull_request(&again, "closed");
    assert!(printed.contains("/pulls/22/commits"), "{printed}");
    // The same route gives the first commit's date: both gaps are listed.
    assert_eq!(merged(&run, 22), ["true|-|[\"stages\", \"reverts\"]"]);
    run.api_url = github.url.clone();
    run.pull_request(&again, "closed");
    assert_eq!(merged(&run, 22), [format!("true|{}|-", sha("m20"))]);

    // Without a token nothing is asked and nothing guessed.
    let tokenless = Runner::new(
        "history-revert",
        &github.url,
        &[("github-token", String::new())],
    );
    let quiet = plain_pr(23, "undo-quietly", "Undo quietly", "", "09 15:00");
    tokenless.pull_request(&quiet, "closed");
    assert_eq!(asked(23), 0);
    assert_eq!(
        tokenless.rows(
            "select coalesce(metadata->>'is_revert', '-') || coalesce(metadata->>'incomplete', '-')
               from metrics.pr_events where repository = $repo and pr_number = 23"
        ),
        ["--"]
    );
}
