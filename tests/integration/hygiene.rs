//! What devmetrics prints inside GitHub Actions: text from a payload, a rules file or a JUnit
//! file never becomes a workflow command, and a token that cannot be sent is refused, not a
//! panic, and never printed.

use crate::common::*;
use std::path::Path;

/// Texts that would be workflow commands if printed as they are.
const HOSTILE: &str =
    "x\n::add-mask::x\r::error::pwned\r\n%0A::warning::pwned\n::stop-commands::tok\n##[error]pwned";

/// The commands devmetrics itself emits.
const OURS: [&str; 6] = [
    "add-mask", "group", "endgroup", "notice", "warning", "error",
];

/// Fails when a line of `output` is a workflow command devmetrics did not mean to emit, by the
/// runner's rules (actions/runner `ActionCommand`): after leading whitespace a line starting
/// with `::` is a command; otherwise `##[` anywhere in it is a legacy one (a `::` command line
/// is parsed as such first, so `##[` in its escaped data is only text).
fn assert_no_injected_command(output: &str, secrets: &[&str]) {
    // The runner splits lines at LF, CR and CRLF.
    for line in output.split(['\n', '\r']) {
        let Some(rest) = line.trim_start().strip_prefix("::") else {
            assert!(
                !line.contains("##["),
                "legacy command in {line:?}\n{output}"
            );
            continue;
        };
        let (info, data) = rest
            .split_once("::")
            .unwrap_or_else(|| panic!("unterminated command {line:?}\n{output}"));
        let (command, properties) = info.split_once(' ').unwrap_or((info, ""));
        assert!(OURS.contains(&command), "command {command:?} in {line:?}");
        match command {
            "add-mask" => assert!(
                secrets
                    .iter()
                    .any(|s| data == s.replace('\n', "%0A") || s.lines().any(|part| data == part)),
                "a mask devmetrics did not ask for: {line:?}"
            ),
            "endgroup" => assert_eq!(data, "", "{line:?}"),
            "group" => assert!(data.starts_with("rows "), "{line:?}"),
            // Annotations are devmetrics' own: either its message prefix, or a title it set
            // (failed tests, rule violations).
            _ => assert!(
                data.starts_with("devmetrics: ") || properties.contains("title="),
                "an annotation devmetrics did not write: {line:?}"
            ),
        }
    }
}

/// The step environment of a pull request from a fork (which falls back to local files).
fn actions_env(dir: &Path, payload: &Path) -> Vec<(&'static str, String)> {
    vec![
        ("GITHUB_ACTIONS", "true".to_owned()),
        ("GITHUB_EVENT_NAME", "pull_request".to_owned()),
        ("GITHUB_EVENT_PATH", payload.display().to_string()),
        ("GITHUB_REPOSITORY", "Codertocat/Hello-World".to_owned()),
        ("GITHUB_BASE_REF", "master".to_owned()),
        ("GITHUB_REF_NAME", "2/merge".to_owned()),
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
    ]
}

/// A merged pull request from a fork (the local fallback stays legitimate for it), whose
/// title, body and branch carry `text`.
fn fork_payload(dir: &Path, text: Option<&str>) -> std::path::PathBuf {
    let fixture_text =
        std::fs::read_to_string(fixture("events/pull_request/90-closed-merged.json")).unwrap();
    let mut event: serde_json::Value = serde_json::from_str(&fixture_text).unwrap();
    let pr = &mut event["pull_request"];
    if let Some(text) = text {
        pr["title"] = text.into();
        pr["body"] = text.into();
        pr["head"]["ref"] = format!("feature/{text}").into();
        pr["head"]["label"] = format!("attacker:{text}").into();
    }
    pr["head"]["repo"]["full_name"] = "attacker/Hello-World".into();
    pr["head"]["repo"]["fork"] = true.into();
    let path = dir.join("event.json");
    std::fs::write(&path, serde_json::to_string(&event).unwrap()).unwrap();
    path
}

fn xml_attribute(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('\n', "&#10;")
        .replace('\r', "&#13;")
}

/// A JUnit file with a failed and a flaky test named and described by `HOSTILE`, and a broken
/// JUnit file whose very name carries it.
fn hostile_junit(dir: &Path) {
    let reports = dir.join("reports");
    std::fs::create_dir_all(&reports).unwrap();
    let hostile = xml_attribute(HOSTILE);
    std::fs::write(
        reports.join("unit.xml"),
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="{hostile}" tests="2" failures="1">
    <testcase classname="{hostile}" name="{hostile}" file="src/{hostile}.rs" line="3">
      <failure message="{hostile}" type="assert">{HOSTILE}</failure>
      <system-out>{HOSTILE}</system-out>
    </testcase>
    <testcase classname="a" name="passes"/>
  </testsuite>
</testsuites>
"#
        ),
    )
    .unwrap();
    std::fs::write(
        reports.join("broken\n::error::pwned-by-name\n.xml"),
        "<testsuites><testsuite",
    )
    .unwrap();
}

#[test]
fn text_from_a_payload_a_rules_file_and_junit_files_cannot_start_a_workflow_command() {
    let dir = workdir();
    let payload = fork_payload(dir.path(), Some(HOSTILE));
    hostile_junit(dir.path());
    // A rules file whose unknown key (quoted back by the error) and rule name carry it too.
    let rules = dir.path().join("rules.yml");
    std::fs::write(
        &rules,
        format!(
            "rules:\n  - name: {name}\n    category: quality\n    check: pr_size\n    params: {{ {key}: 10 }}\n",
            name = serde_json::to_string(HOSTILE).unwrap(),
            key = serde_json::to_string(&format!("max{HOSTILE}")).unwrap(),
        ),
    )
    .unwrap();

    let mut env = actions_env(dir.path(), &payload);
    env.push(("INPUT_JUNIT-PATHS", "reports/*.xml".to_owned()));
    env.push(("INPUT_RULES-FILE", rules.display().to_string()));
    env.push(("INPUT_ANNOTATE-VIOLATIONS", "true".to_owned()));
    let out = devmetrics(dir.path(), &[], &env);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_ne!(out.status.code(), Some(101), "{stdout}{stderr}");
    assert_no_injected_command(&stdout, &[]);
    assert_no_injected_command(&stderr, &[]);
    // The hostile texts did reach the log (neutralised, or escaped inside an annotation).
    let log = format!("{stdout}{stderr}");
    assert!(log.contains("pwned-by-name"), "{log}");
    assert!(
        log.contains("%0A::warning::pwned") || log.contains("%250A"),
        "{log}"
    );

    // The same with the default rules judging the hostile pull request.
    let mut env = actions_env(dir.path(), &payload);
    env.push(("INPUT_JUNIT-PATHS", "reports/*.xml".to_owned()));
    env.push(("INPUT_ANNOTATE-VIOLATIONS", "true".to_owned()));
    let out = devmetrics(dir.path(), &[], &env);
    assert_ne!(out.status.code(), Some(101), "{}", text(&out));
    assert_no_injected_command(&String::from_utf8_lossy(&out.stdout), &[]);
    assert_no_injected_command(&String::from_utf8_lossy(&out.stderr), &[]);
    // It did judge the hostile pull request (the run was not cut short before the rules).
    assert!(
        text(&out).contains("rules: 6 verdict(s) on pull request 2"),
        "{}",
        text(&out)
    );
}

#[test]
fn the_line_checker_catches_an_injected_command() {
    // The assertion above must be able to fail: show it on lines a naive printer would write.
    for injected in [
        "devmetrics: x\n::error::pwned",
        "  ::add-mask::x",
        "::stop-commands::tok",
        "see ##[error]pwned",
    ] {
        let caught = std::panic::catch_unwind(|| assert_no_injected_command(injected, &[]));
        assert!(caught.is_err(), "{injected:?} was not caught");
    }
    assert_no_injected_command(
        "::warning::devmetrics: fine\n::add-mask::ghp_0123456789",
        &["ghp_0123456789"],
    );
}

#[test]
fn a_github_token_an_http_header_cannot_carry_is_refused_without_a_panic_or_an_echo() {
    let first = "ghp_tokenpartone0123";
    let second = "tokenparttwo4567";
    let token = format!("{first}\n{second}");
    let dir = workdir();
    let payload = fork_payload(dir.path(), None);
    // Nothing listens there: a lookup, if one were made, fails at once.
    let api = format!("http://127.0.0.1:{}", free_port());

    // As the Action runs it, and as a local run does.
    let mut in_actions = actions_env(dir.path(), &payload);
    in_actions.push(("GITHUB_TOKEN", token.clone()));
    in_actions.push(("GITHUB_API_URL", api.clone()));
    let local_args = [
        "record",
        "--event-name",
        "pull_request",
        "--event-path",
        payload.to_str().unwrap(),
    ];
    let local_env = vec![
        ("GITHUB_TOKEN", token.clone()),
        ("GITHUB_API_URL", api.clone()),
    ];
    for (args, env) in [(&[][..], in_actions), (&local_args[..], local_env)] {
        let out = devmetrics(dir.path(), args, &env);
        let log = text(&out);
        let code = out.status.code();
        assert_ne!(code, Some(101), "{log}");
        assert!(!log.contains("panicked"), "{log}");
        // A configuration error (exit 2) once configuration checks the token; until then the
        // API client refuses it and the lookups are skipped.
        assert!(
            code == Some(2) || log.contains("the GitHub token cannot be sent"),
            "{log}"
        );
        assert!(log.contains("line break"), "{log}");
        // Only the runner's ::add-mask:: lines may hold the token (the runner hides them).
        for line in log.lines().filter(|l| !l.starts_with("::add-mask::")) {
            assert!(
                !line.contains(first) && !line.contains(second),
                "the token was printed: {line:?}"
            );
        }
        assert_no_injected_command(&log, &[&token]);
    }
}
