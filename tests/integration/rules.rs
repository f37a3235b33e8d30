//! Rule compliance on real webhook payloads (and edited copies of them): every built-in rule
//! compliant and violated, the default rules, located configuration errors, idempotent rows, the
//! summary and annotations.
//!
//! `RuleContext`s are built by a small test-only adapter that reads the payload JSON; `record`
//! builds them from the typed events.

use chrono::{DateTime, TimeZone, Utc};
use devmetrics::environment::Environment;
use devmetrics::output::rules as report;
use devmetrics::rows::deployment_events::DeploymentStatus;
use devmetrics::rows::rule_compliance_events::{
    ComplianceStatus, ContextType, RuleComplianceEvent,
};
use devmetrics::rows::{RecordContext, Table};
use devmetrics::rules::FailOn;
use devmetrics::rules::{
    self, CommitInfo, DeploymentContext, PrState, PullRequestContext, PushContext, RuleContext,
    RuleSet, TestRunSummary,
};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ComplianceStatus::{Compliant, NotApplicable, Violation};

// ----- test-only adapter: payload JSON → RuleContext -------------------------------------------

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules")
}

fn payload(name: &str) -> Value {
    let path = fixtures().join("events").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn str_at<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no string at {pointer}"))
}

fn time_at(v: &Value, pointer: &str) -> DateTime<Utc> {
    str_at(v, pointer).parse().unwrap()
}

fn record_context(v: &Value) -> RecordContext {
    RecordContext {
        repository: str_at(v, "/repository/full_name").to_string(),
        environment: Environment::Local,
        recorded_at: Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap(),
    }
}

/// A `pull_request` payload, with the approvals the caller would fetch given as
/// `pull_request_review` payloads (`None`: reviews not looked up).
fn pull_request(name: &str, reviews: Option<&[&str]>) -> (RuleContext, RecordContext) {
    let v = payload(name);
    let pr = &v["pull_request"];
    let state = if pr["merged"].as_bool() == Some(true) {
        PrState::Merged
    } else if pr["state"] == "closed" {
        PrState::Closed
    } else {
        PrState::Open
    };
    let approvals = reviews.map(|names| {
        names
            .iter()
            .map(|n| payload(n))
            .filter(|r| r["review"]["state"] == "approved")
            .map(|r| str_at(&r, "/review/user/login").to_string())
            .collect()
    });
    let context = RuleContext::PullRequest(PullRequestContext {
        number: pr["number"].as_u64().unwrap(),
        title: str_at(pr, "/title").to_string(),
        body: pr["body"].as_str().map(String::from),
        head_branch: str_at(pr, "/head/ref").to_string(),
        base_branch: str_at(pr, "/base/ref").to_string(),
        author: str_at(pr, "/user/login").to_string(),
        state,
        created_at: time_at(pr, "/created_at"),
        updated_at: time_at(pr, "/updated_at"),
        closed_at: pr["closed_at"].as_str().map(|s| s.parse().unwrap()),
        additions: pr["additions"].as_u64(),
        deletions: pr["deletions"].as_u64(),
        approvals,
        commits: Vec::new(),
    });
    (context, record_context(&v))
}

/// A `push` payload; `None` for a tag or a deletion (not a push context).
fn push(name: &str) -> Option<(RuleContext, RecordContext)> {
    let v = payload(name);
    let branch = str_at(&v, "/ref").strip_prefix("refs/heads/")?;
    if v["deleted"].as_bool() == Some(true) {
        return None;
    }
    let commits: Vec<CommitInfo> = v["commits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| CommitInfo {
            sha: str_at(c, "/id").to_string(),
            message: str_at(c, "/message").to_string(),
            timestamp: time_at(c, "/timestamp"),
        })
        .collect();
    let head_message = v["head_commit"]["message"].as_str().unwrap_or("");
    let context = RuleContext::Push(PushContext {
        head_sha: str_at(&v, "/after").to_string(),
        branch: branch.to_string(),
        pusher: str_at(&v, "/pusher/name").to_string(),
        pushed_at: Utc
            .timestamp_opt(v["repository"]["pushed_at"].as_i64().unwrap(), 0)
            .unwrap(),
        commits,
        // What the caller decides (e.g. from the commit's associated pull requests); here, the
        // merge commit GitHub writes.
        is_direct: !head_message.starts_with("Merge pull request #"),
        is_production_branch: branch == str_at(&v, "/repository/default_branch"),
    });
    Some((context, record_context(&v)))
}

fn status(state: &str) -> DeploymentStatus {
    match state {
        "queued" => DeploymentStatus::Queued,
        "pending" => DeploymentStatus::Pending,
        "in_progress" => DeploymentStatus::InProgress,
        "success" => DeploymentStatus::Success,
        "failure" => DeploymentStatus::Failure,
        "error" => DeploymentStatus::Error,
        other => panic!("unexpected state {other}"),
    }
}

/// A `deployment_status` payload, with the test runs the caller would look up for its sha
/// (`None`: not looked up).
fn deployment(name: &str, runs: Option<&[(&str, &str, u64, u64)]>) -> (RuleContext, RecordContext) {
    let v = payload(name);
    let d = &v["deployment"];
    let sha = str_at(d, "/sha");
    let test_runs = runs.map(|runs| {
        runs.iter()
            .filter(|(run_sha, ..)| *run_sha == sha)
            .map(|(_, test_type, total, failed)| TestRunSummary {
                test_type: test_type.to_string(),
                total: *total,
                failed: *failed,
                errored: 0,
            })
            .collect()
    });
    let environment = str_at(d, "/environment");
    let context = RuleContext::Deployment(DeploymentContext {
        deployment_id: d["id"].as_u64().unwrap(),
        sha: sha.to_string(),
        environment: environment.to_string(),
        is_production: d["production_environment"].as_bool() == Some(true)
            || environment == "production",
        status: status(str_at(&v, "/deployment_status/state")),
        timestamp: time_at(d, "/created_at"),
        test_runs,
    });
    (context, record_context(&v))
}

/// Test runs known to the caller: (sha, test_type, total, failed).
const RUNS: &[(&str, &str, u64, u64)] = &[
    ("f95f852bd8fca8fcc58a9a2d6c842781e32a215e", "unit", 120, 0),
    ("f95f852bd8fca8fcc58a9a2d6c842781e32a215e", "e2e", 14, 0),
];

fn defaults() -> RuleSet {
    RuleSet::defaults()
}

/// The example rules file, as if it were the repository's `.github/devmetrics.yml`.
fn example() -> RuleSet {
    let text = std::fs::read_to_string(fixtures().join("devmetrics.yml")).unwrap();
    RuleSet::from_yaml(Path::new(rules::DEFAULT_PATH), &text).unwrap()
}

fn verdict<'a>(rows: &'a [RuleComplianceEvent], rule: &str) -> (ComplianceStatus, &'a str) {
    let mut found = rows.iter().filter(|r| r.rule_name == rule);
    let row = found
        .next()
        .unwrap_or_else(|| panic!("no row for {rule}: {rows:#?}"));
    assert!(found.next().is_none(), "more than one row for {rule}");
    (row.compliance_status, row.details.as_deref().unwrap())
}

fn eval(
    rules: &RuleSet,
    (context, ctx): &(RuleContext, RecordContext),
) -> Vec<RuleComplianceEvent> {
    rules::evaluate(rules, context, ctx)
}

// ----- the default rules ------------------------------------------------------------------------

#[test]
fn default_rules_apply_when_there_is_no_rules_file() {
    let set = rules::load(&fixtures().join("absent/devmetrics.yml"), false).unwrap();
    assert_eq!(set, RuleSet::defaults());
    assert_eq!(*set.source(), rules::RulesSource::Default);

    let rows = eval(&set, &pull_request("pull_request/00-opened.json", None));
    let got: Vec<(&str, ComplianceStatus)> = rows
        .iter()
        .map(|r| (r.rule_name.as_str(), r.compliance_status))
        .collect();
    assert_eq!(
        got,
        [
            ("branching.mdc", Violation),
            ("pr-description", Compliant),
            ("pr-links-issue", Violation),
            ("pr-size", Compliant),
            ("pr-approval", NotApplicable),
            ("pr-title", Compliant),
        ]
    );
    assert!(rows
        .iter()
        .all(|r| r.context_type == ContextType::PullRequest
            && r.context_id == "2"
            && r.repository == "Codertocat/Hello-World"));
    let categories: BTreeSet<&str> = rows.iter().map(|r| r.rule_category.as_str()).collect();
    assert_eq!(
        categories,
        BTreeSet::from(["foundation", "process", "quality"])
    );
}

#[test]
fn an_explicitly_configured_rules_file_must_exist() {
    let path = fixtures().join("absent/devmetrics.yml");
    let err = rules::load(&path, true).unwrap_err();
    let text = err.render();
    assert!(
        text.starts_with(&format!(
            "devmetrics: error: could not read the rules file {}\n  cause: ",
            path.display()
        )),
        "{text}"
    );
    assert!(text.contains("help: create "), "{text}");
}

// ----- every built-in rule, compliant and violated ---------------------------------------------

#[test]
fn branch_naming() {
    let rows = eval(
        &defaults(),
        &pull_request("pull_request/00-opened.json", None),
    );
    assert_eq!(
        verdict(&rows, "branching.mdc"),
        (
            Violation,
            "branch `changes` matches none of `feature/**`, `fix/**`"
        )
    );
    let rows = eval(
        &defaults(),
        &pull_request("pull_request/90-merged-edited.json", None),
    );
    assert_eq!(
        verdict(&rows, "branching.mdc"),
        (
            Compliant,
            "branch `feature/readme-update` matches `feature/**`"
        )
    );
    // On a push (the example file applies it to pushes too): master is exempt.
    let rows = eval(&example(), &push("push/04-event.json").unwrap());
    assert_eq!(
        verdict(&rows, "branching.mdc"),
        (
            NotApplicable,
            "branch `master` is exempt (matches `master`)"
        )
    );
}

#[test]
fn conventional_commits_one_row_per_commit() {
    let rows = eval(&defaults(), &push("push/04-event.json").unwrap());
    let commits: Vec<&RuleComplianceEvent> = rows
        .iter()
        .filter(|r| r.rule_name == "conventional-commits")
        .collect();
    assert_eq!(commits.len(), 1);
    assert_eq!(commits[0].context_type, ContextType::Commit);
    assert_eq!(
        commits[0].context_id,
        "6113728f27ae82c7b1a177c8d03f9e96e0adf246"
    );
    assert_eq!(commits[0].compliance_status, Violation);
    assert_eq!(
        commits[0].details.as_deref(),
        Some("`Initial commit`: expected `type(scope)!: subject`")
    );
    assert_eq!(
        commits[0].event_timestamp.to_rfc3339(),
        "2019-05-15T15:19:25+00:00"
    );

    let rows = eval(&defaults(), &push("push/90-merge-edited.json").unwrap());
    let commits: Vec<(&str, ComplianceStatus)> = rows
        .iter()
        .filter(|r| r.rule_name == "conventional-commits")
        .map(|r| (r.context_id.as_str(), r.compliance_status))
        .collect();
    assert_eq!(
        commits,
        [
            ("3f6b1c2d9e8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c", Compliant),
            ("a10867b14bb761a232cd80139fbd4c0d33264240", NotApplicable),
        ]
    );
    // A PR whose commits are unknown yields no commit row.
    let rows = eval(
        &defaults(),
        &pull_request("pull_request/00-opened.json", None),
    );
    assert!(rows.iter().all(|r| r.context_type != ContextType::Commit));
}

#[test]
fn pr_description() {
    let rows = eval(
        &defaults(),
        &pull_request("pull_request/00-opened.json", None),
    );
    assert_eq!(
        verdict(&rows, "pr-description"),
        (Compliant, "the description has 64 characters")
    );
    // 13-opened has `"body": null`.
    let rows = eval(
        &defaults(),
        &pull_request("pull_request/13-opened.json", None),
    );
    assert_eq!(
        verdict(&rows, "pr-description"),
        (Violation, "the description is empty")
    );
    // Only the template's HTML comment.
    let rows = eval(
        &defaults(),
        &pull_request("pull_request/91-merged-violations-edited.json", None),
    );
    assert_eq!(
        verdict(&rows, "pr-description"),
        (Violation, "the description is empty")
    );
}

#[test]
fn pr_links_issue() {
    let rows = eval(
        &defaults(),
        &pull_request("pull_request/00-opened.json", None),
    );
    assert_eq!(verdict(&rows, "pr-links-issue").0, Violation);
    let rows = eval(
        &defaults(),
        &pull_request("pull_request/90-merged-edited.json", None),
    );
    assert_eq!(
        verdict(&rows, "pr-links-issue"),
        (Compliant, "the description references `#1`")
    );
}

#[test]
fn pr_size() {
    let rows = eval(
        &defaults(),
        &pull_request("pull_request/00-opened.json", None),
    );
    assert_eq!(
        verdict(&rows, "pr-size"),
        (Compliant, "2 changed lines (limit 400)")
    );
    let rows = eval(
        &defaults(),
        &pull_request("pull_request/91-merged-violations-edited.json", None),
    );
    assert_eq!(
        verdict(&rows, "pr-size"),
        (Violation, "963 changed lines, more than 400 (+820 −143)")
    );
}

#[test]
fn pr_approval() {
    let other = ["pull_request_review/90-approved-by-other-edited.json"];
    let rows = eval(
        &defaults(),
        &pull_request("pull_request/90-merged-edited.json", Some(&other)),
    );
    assert_eq!(
        verdict(&rows, "pr-approval"),
        (Compliant, "merged with approval from `Octocat`")
    );
    let own = [
        "pull_request_review/00-submitted.json",
        "pull_request_review/91-approved-by-author-edited.json",
    ];
    let rows = eval(
        &defaults(),
        &pull_request("pull_request/90-merged-edited.json", Some(&own)),
    );
    assert_eq!(
        verdict(&rows, "pr-approval"),
        (
            Violation,
            "merged without an approval from someone other than `Codertocat`"
        )
    );
    let rows = eval(
        &defaults(),
        &pull_request("pull_request/03-closed.json", Some(&other)),
    );
    assert_eq!(
        verdict(&rows, "pr-approval"),
        (NotApplicable, "closed without merging")
    );
    let rows = eval(
        &defaults(),
        &pull_request("pull_request/90-merged-edited.json", None),
    );
    assert_eq!(
        verdict(&rows, "pr-approval"),
        (NotApplicable, "the PR's reviews were not looked up")
    );
}

#[test]
fn pr_title() {
    let rows = eval(
        &defaults(),
        &pull_request("pull_request/00-opened.json", None),
    );
    assert_eq!(
        verdict(&rows, "pr-title"),
        (Compliant, "the title has 39 characters")
    );
    let rows = eval(
        &defaults(),
        &pull_request("pull_request/91-merged-violations-edited.json", None),
    );
    assert_eq!(
        verdict(&rows, "pr-title"),
        (Violation, "the title has 3 characters, fewer than 10")
    );
}

#[test]
fn no_direct_push() {
    // push/04: master created by a direct push of `Initial commit`.
    let rows = eval(&defaults(), &push("push/04-event.json").unwrap());
    assert_eq!(
        verdict(&rows, "no-direct-push"),
        (
            Violation,
            "`Codertocat` pushed directly to the production branch `master`"
        )
    );
    let row = rows
        .iter()
        .find(|r| r.rule_name == "no-direct-push")
        .unwrap();
    assert_eq!(row.context_type, ContextType::Push);
    assert_eq!(
        row.context_id,
        "master@6113728f27ae82c7b1a177c8d03f9e96e0adf246"
    );
    let rows = eval(&defaults(), &push("push/90-merge-edited.json").unwrap());
    assert_eq!(
        verdict(&rows, "no-direct-push"),
        (Compliant, "`master` changed by merging a pull request")
    );
    // A tag push is not a push context.
    assert!(push("push/00-event.json").is_none());
}

#[test]
fn deployment_tested() {
    let rows = eval(
        &defaults(),
        &deployment("deployment_status/00-created.json", Some(RUNS)),
    );
    assert_eq!(
        verdict(&rows, "deployment-tested"),
        (Compliant, "f95f852bd8fc passed `e2e`, `unit` tests")
    );
    let failing = [("f95f852bd8fca8fcc58a9a2d6c842781e32a215e", "unit", 120, 3)];
    let rows = eval(
        &defaults(),
        &deployment("deployment_status/00-created.json", Some(&failing)),
    );
    assert_eq!(
        verdict(&rows, "deployment-tested"),
        (
            Violation,
            "f95f852bd8fc deployed to production with failing or empty test runs: `unit`"
        )
    );
    let rows = eval(
        &defaults(),
        &deployment("deployment_status/90-untested-sha-edited.json", Some(RUNS)),
    );
    assert_eq!(
        verdict(&rows, "deployment-tested"),
        (Violation, "no test run recorded for a10867b14bb7")
    );
    // github-pages, in progress: not production.
    let (context, ctx) = deployment("deployment_status/01-created.json", Some(RUNS));
    let rows = rules::evaluate(&defaults(), &context, &ctx);
    assert_eq!(
        verdict(&rows, "deployment-tested"),
        (
            NotApplicable,
            "`github-pages` is not a production environment"
        )
    );
    assert!(!context.is_settled());
    // The example file requires unit tests: e2e alone is not enough.
    let e2e = [("f95f852bd8fca8fcc58a9a2d6c842781e32a215e", "e2e", 14, 0)];
    let rows = eval(
        &example(),
        &deployment("deployment_status/00-created.json", Some(&e2e)),
    );
    assert_eq!(
        verdict(&rows, "tested-deploys"),
        (
            Violation,
            "f95f852bd8fc deployed to production without `unit` tests"
        )
    );
}

// ----- the example rules file -------------------------------------------------------------------

#[test]
fn example_rules_file_parameters_take_effect() {
    let set = example();
    assert_eq!(set.rules().len(), 10);
    let loaded = rules::load(&fixtures().join("devmetrics.yml"), true).unwrap();
    assert_eq!(loaded.rules(), set.rules());
    let rows = eval(
        &set,
        &pull_request(
            "pull_request/91-merged-violations-edited.json",
            Some(&["pull_request_review/90-approved-by-other-edited.json"]),
        ),
    );
    // The disabled rule yields nothing.
    assert!(rows.iter().all(|r| r.rule_name != "legacy-title-format"));
    assert_eq!(verdict(&rows, "small-prs").0, Violation);
    assert_eq!(verdict(&rows, "four-eyes").0, Compliant);
    assert_eq!(
        verdict(&rows, "branching.mdc"),
        (
            Violation,
            "branch `readme` matches none of `feature/*`, `fix/*`, `release/*`"
        )
    );
    assert_eq!(
        rows.iter()
            .find(|r| r.rule_name == "small-prs")
            .unwrap()
            .metadata,
        serde_json::json!({
            "check": "pr_size",
            "severity": "error",
            "params": { "max_changed_lines": 300 },
            "evidence": { "additions": 820, "deletions": 143, "changed": 963 },
        })
    );
    // A tracker key in the head branch links an issue.
    let (RuleContext::PullRequest(mut pr), ctx) = pull_request("pull_request/00-opened.json", None)
    else {
        unreachable!()
    };
    pr.head_branch = "feature/ABC-42-readme".into();
    let rows = rules::evaluate(&set, &RuleContext::PullRequest(pr), &ctx);
    assert_eq!(
        verdict(&rows, "pr-links-issue"),
        (Compliant, "the branch references `ABC-42`")
    );
}

// ----- configuration errors, with their line ----------------------------------------------------

fn broken(name: &str) -> String {
    let path = fixtures().join("broken").join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    RuleSet::from_yaml(Path::new(&format!("broken/{name}")), &text)
        .unwrap_err()
        .render()
}

const HELP: &str =
    "  help: the rules file format and every check's parameters are in docs/rules.md\n  \
                    help: delete the file to use the default rules\n";

fn expect(name: &str, at: &str, cause: &str) {
    assert_eq!(
        broken(name),
        format!(
            "devmetrics: error: invalid rules file broken/{name} at {at}\n  cause: {cause}\n{HELP}"
        )
    );
}

#[test]
fn unknown_key_is_reported_with_its_line() {
    expect(
        "unknown-key.yml",
        "line 5, column 5",
        "rules[0]: unknown field `paramz`, expected one of `name`, `category`, `check`, `description`, `applies_to`, `enabled`, `severity`, `params`",
    );
}

#[test]
fn unknown_check_is_reported_with_its_line() {
    expect(
        "unknown-check.yml",
        "line 4, column 12",
        "rules[0].check: unknown variant `branch_names`, expected one of `branch_naming`, `conventional_commits`, `pr_description`, `pr_links_issue`, `pr_size`, `pr_approval`, `no_direct_push`, `deployment_tested`, `pr_title`",
    );
}

#[test]
fn bad_regex_is_reported_with_its_line() {
    expect(
        "bad-regex.yml",
        "line 8, column 11",
        "rules[0].params.key_patterns[1]: invalid regex `ABC-(\\d+`: unclosed group; expected a regular expression such as `[A-Z]+-[0-9]+`",
    );
}

#[test]
fn bad_glob_is_reported_with_its_line() {
    expect(
        "bad-glob.yml",
        "line 6, column 31",
        "rules[0].params.patterns[1]: invalid glob `fix/[a-z`: unclosed character class; missing ']'; expected a glob such as `feature/*`",
    );
}

#[test]
fn wrong_type_is_reported_with_its_line() {
    expect(
        "wrong-type.yml",
        "line 6, column 26",
        "rules[0].params.max_changed_lines: invalid type: string \"lots\", expected u64",
    );
}

#[test]
fn unknown_param_is_reported_with_its_line() {
    expect(
        "unknown-param.yml",
        "line 6, column 7",
        "rules[0].params: unknown field `max_lines`, expected `max_changed_lines`",
    );
}

#[test]
fn inapplicable_target_is_reported_with_its_line() {
    expect(
        "bad-applies-to.yml",
        "line 5, column 17",
        "rules[0].applies_to: check `pr_size` cannot be applied to `deployment`; expected one or more of `pull_request`",
    );
}

#[test]
fn duplicate_name_is_reported_with_its_line() {
    expect(
        "duplicate-name.yml",
        "line 5, column 11",
        "rules[1].name: duplicate rule name `pr-size`; expected each rule to have its own name",
    );
}

#[test]
fn rules_not_a_list_is_reported_with_its_line() {
    expect(
        "not-a-list.yml",
        "line 2, column 3",
        "rules: invalid type: map, expected a sequence",
    );
}

#[test]
fn params_before_check_are_still_checked_and_located() {
    expect(
        "params-before-check.yml",
        "line 5, column 16",
        "rules[0].params.pattern: invalid regex `^(feat|fix`: unclosed group; expected a regular expression such as `[A-Z]+-[0-9]+`",
    );
}

// ----- idempotency ------------------------------------------------------------------------------

fn natural_key(row: &RuleComplianceEvent) -> Vec<String> {
    let value = serde_json::to_value(row).unwrap();
    Table::RuleComplianceEvents
        .natural_key()
        .iter()
        .map(|column| value[*column].to_string())
        .collect()
}

#[test]
fn the_same_event_evaluated_twice_writes_one_row_per_rule() {
    let reviews = ["pull_request_review/90-approved-by-other-edited.json"];
    let cases = [
        pull_request("pull_request/90-merged-edited.json", Some(&reviews)),
        push("push/90-merge-edited.json").unwrap(),
        deployment("deployment_status/00-created.json", Some(RUNS)),
    ];
    for case in &cases {
        let first = eval(&defaults(), case);
        let second = eval(&defaults(), case);
        assert_eq!(first, second);
        assert_eq!(
            serde_json::to_string(&first).unwrap(),
            serde_json::to_string(&second).unwrap()
        );
        // What a table with the natural key as a unique constraint (and ignore-duplicates) keeps.
        let mut table = std::collections::BTreeMap::new();
        for row in first.iter().chain(&second) {
            table.entry(natural_key(row)).or_insert(row);
        }
        assert_eq!(table.len(), first.len());
        // One row per rule and context.
        let per_rule: BTreeSet<(String, String)> = first
            .iter()
            .map(|r| (r.rule_name.clone(), r.context_id.clone()))
            .collect();
        assert_eq!(per_rule.len(), first.len());
    }
    // The merged PR: one row for each of the six pull_request rules.
    assert_eq!(eval(&defaults(), &cases[0]).len(), 6);
    // The push: no-direct-push, plus conventional-commits for each of its two commits.
    assert_eq!(eval(&defaults(), &cases[1]).len(), 3);
    // The deployment: deployment-tested.
    assert_eq!(eval(&defaults(), &cases[2]).len(), 1);
}

#[test]
fn rows_of_an_open_pr_are_provisional() {
    let (context, ctx) = pull_request("pull_request/00-opened.json", None);
    assert!(!context.is_settled());
    let rows = rules::evaluate(&defaults(), &context, &ctx);
    assert!(rules::settled(&context, rows).is_empty());
    let (context, ctx) = pull_request("pull_request/90-merged-edited.json", None);
    assert!(context.is_settled());
    let rows = rules::evaluate(&defaults(), &context, &ctx);
    assert_eq!(rules::settled(&context, rows.clone()), rows);
}

// ----- summary, annotations, fail-on-violation --------------------------------------------------

#[test]
fn summary_lists_violations_and_which_fail_the_step() {
    let set = example();
    let mut rows = eval(
        &set,
        &pull_request(
            "pull_request/91-merged-violations-edited.json",
            Some(&["pull_request_review/90-approved-by-other-edited.json"]),
        ),
    );
    rows.extend(eval(&set, &push("push/04-event.json").unwrap()));
    let fail_on = FailOn::parse("protected-main", &set).unwrap();
    let mut out = Vec::new();
    report::write_summary(&mut out, &rows, &set, &fail_on).unwrap();
    let golden = fixtures().join("summary.md");
    let got = String::from_utf8(out).unwrap();
    if std::env::var_os("DEVMETRICS_BLESS").is_some() {
        std::fs::write(&golden, &got).unwrap();
    }
    assert_eq!(got, std::fs::read_to_string(&golden).unwrap());

    let failing: Vec<&str> = report::failing(&rows, &set, &fail_on)
        .iter()
        .map(|r| r.rule_name.as_str())
        .collect();
    // small-prs has `severity: error`; protected-main is named by fail-on-violation.
    assert_eq!(failing, ["small-prs", "protected-main"]);
    assert!(report::failing(&rows, &set, &FailOn::Nothing)
        .iter()
        .all(|r| r.rule_name == "small-prs"));
    assert_eq!(
        report::failing(&rows, &set, &FailOn::All).len(),
        rules::violations(&rows).count()
    );

    let annotations = report::annotations(&rows, &set, &fail_on);
    assert_eq!(annotations.len(), rules::violations(&rows).count());
    assert_eq!(
        annotations[0],
        "::warning title=rule branching.mdc (foundation)::PR #2: branch `readme` matches none of `feature/*`, `fix/*`, `release/*`"
    );
    assert!(annotations.contains(
        &"::error title=rule small-prs (quality)::PR #2: 963 changed lines, more than 300 (+820 −143)"
            .to_string()
    ));
}

#[test]
fn the_documented_default_rules_are_the_defaults() {
    let text = std::fs::read_to_string(fixtures().join("defaults.yml")).unwrap();
    let documented = RuleSet::from_yaml(Path::new("defaults.yml"), &text).unwrap();
    assert_eq!(documented.rules(), RuleSet::defaults().rules());
    let docs = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md"))
        .unwrap();
    let block = text.split_once('\n').unwrap().1;
    assert!(docs.contains(block), "docs/rules.md lists other defaults");
}

#[test]
fn a_deleted_branch_is_not_judged() {
    let (RuleContext::Push(mut deleted), ctx) = push("push/04-event.json").unwrap() else {
        unreachable!()
    };
    deleted.head_sha = "0".repeat(40);
    assert!(rules::evaluate(&defaults(), &RuleContext::Push(deleted), &ctx).is_empty());
}
