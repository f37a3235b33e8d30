//! The annotations of one step: test results and rule violations draw from one budget of
//! GitHub's 10 per level and step, and what does not fit is counted and said once.

use crate::common::*;
use std::path::Path;

/// A merged pull request from a fork (2 changed lines), as the runner hands it to the step
/// (which then writes local files), with `junit` and `rules` in the workspace.
fn step_env(dir: &Path, junit: &str, rules: &str) -> Vec<(&'static str, String)> {
    let mut event: serde_json::Value =
        crate::common::fixture_json("events/pull_request/90-closed-merged.json");
    event["pull_request"]["head"]["repo"]["full_name"] = "attacker/Hello-World".into();
    event["pull_request"]["head"]["repo"]["fork"] = true.into();
    let payload = dir.join("event.json");
    std::fs::write(&payload, event.to_string()).unwrap();
    std::fs::create_dir_all(dir.join("reports")).unwrap();
    std::fs::write(dir.join("reports/unit.xml"), junit).unwrap();
    std::fs::write(dir.join("rules.yml"), rules).unwrap();
    let at = |name: &str| dir.join(name).display().to_string();
    vec![
        ("GITHUB_ACTIONS", "true".to_owned()),
        ("GITHUB_EVENT_NAME", "pull_request".to_owned()),
        ("GITHUB_EVENT_PATH", payload.display().to_string()),
        ("GITHUB_REPOSITORY", "Codertocat/Hello-World".to_owned()),
        ("GITHUB_BASE_REF", "master".to_owned()),
        ("GITHUB_REF_NAME", "2/merge".to_owned()),
        ("GITHUB_WORKSPACE", dir.display().to_string()),
        ("GITHUB_STEP_SUMMARY", at("summary.md")),
        ("GITHUB_OUTPUT", at("output.txt")),
        ("INPUT_COMMAND", "record".to_owned()),
        ("INPUT_JUNIT-PATHS", "reports/*.xml".to_owned()),
        ("INPUT_MIN-PASS-RATE", "0".to_owned()),
        ("INPUT_RULES-FILE", at("rules.yml")),
        ("INPUT_ANNOTATE-VIOLATIONS", "true".to_owned()),
    ]
}

/// A JUnit report with `failed` failed tests, each pointing at a file and line.
fn failed_tests(failed: usize) -> String {
    let cases: String = (0..failed)
        .map(|i| {
            format!(
                r#"<testcase classname="c" name="t{i}" file="src/t{i}.rs" line="3"><failure message="boom {i}"/></testcase>"#
            )
        })
        .collect();
    format!(r#"<testsuites><testsuite name="s" tests="{failed}">{cases}</testsuite></testsuites>"#)
}

/// `count` rules of severity `error`, each violated by a PR of 2 changed lines.
fn violated_rules(count: usize) -> String {
    let rules: String = (0..count)
        .map(|i| {
            format!(
                "  - name: small-{i}\n    category: quality\n    check: pr_size\n    severity: error\n    params: {{ max_changed_lines: 1 }}\n"
            )
        })
        .collect();
    format!("rules:\n{rules}")
}

/// The error annotations devmetrics writes about tests and rules (they carry a title; the
/// run's own errors do not).
fn titled_errors(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .filter(|l| l.starts_with("::error title=") || l.starts_with("::error file="))
        .collect()
}

#[test]
fn test_results_and_rule_violations_share_ten_error_annotations_and_say_the_rest_once() {
    // 6 failed tests and 6 violations: each fits alone, together they are 12 of 10.
    let dir = workdir();
    let env = step_env(dir.path(), &failed_tests(6), &violated_rules(6));
    let out = devmetrics(dir.path(), &[], &env);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let errors = titled_errors(&stdout);
    assert_eq!(errors.len(), 10, "{stdout}");
    let tests = errors
        .iter()
        .filter(|l| l.contains("title=failed%3A"))
        .count();
    let rules = errors
        .iter()
        .filter(|l| l.contains("title=rule small-"))
        .count();
    assert_eq!((tests, rules), (6, 4), "{stdout}");
    let said = "devmetrics: 2 more rule violations are not annotated (GitHub shows 10 annotations per level and step, and this step's are used); see the job summary";
    assert_eq!(stdout.matches(said).count(), 1, "{stdout}");
    // The summary still lists every violation.
    let summary = std::fs::read_to_string(dir.path().join("summary.md")).unwrap();
    assert_eq!(
        summary
            .lines()
            .filter(|l| l.starts_with("| small-"))
            .count(),
        6,
        "{summary}"
    );
}

#[test]
fn annotations_within_the_budget_are_all_printed_and_nothing_is_said_of_the_rest() {
    let dir = workdir();
    let env = step_env(dir.path(), &failed_tests(5), &violated_rules(5));
    let out = devmetrics(dir.path(), &[], &env);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(titled_errors(&stdout).len(), 10, "{stdout}");
    assert!(!stdout.contains("not annotated"), "{stdout}");
}

#[test]
fn a_step_failed_by_the_pass_rate_and_a_rule_says_each_once() {
    // 1 of 2 tests passed (under min-pass-rate 90, fail-on-threshold set) and a rule of
    // severity error violated: both fail the step.
    let dir = workdir();
    let junit = r#"<testsuites><testsuite name="s"><testcase classname="c" name="a"><failure message="m"/></testcase><testcase classname="c" name="b"/></testsuite></testsuites>"#;
    let mut env = step_env(dir.path(), junit, &violated_rules(1));
    env.retain(|(k, _)| *k != "INPUT_MIN-PASS-RATE");
    env.push(("INPUT_MIN-PASS-RATE", "90".to_owned()));
    env.push(("INPUT_FAIL-ON-THRESHOLD", "true".to_owned()));
    let out = devmetrics(dir.path(), &[], &env);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    let annotations = |needle: &str| {
        stdout
            .lines()
            .filter(|l| l.starts_with("::") && l.contains(needle))
            .count()
    };
    // The pass-rate alert is one annotation; the log line says it fails the step.
    assert_eq!(annotations("pass rate"), 1, "{stdout}");
    assert!(
        stdout.contains("devmetrics: pass rate 50.00% is under min-pass-rate 90%, and fail-on-threshold is set: this step fails"),
        "{stdout}"
    );
    assert_eq!(
        annotations("rule violation(s) fail this step"),
        1,
        "{stdout}"
    );
    // Nothing is said a second time on stderr.
    assert!(!stderr.contains("pass rate"), "{stderr}");
    assert!(!stderr.contains("fail this step"), "{stderr}");
}
