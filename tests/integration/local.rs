//! The embedded default: no Supabase, rows in local JSONL files; and the fork-PR fallback.

use crate::common::*;

#[test]
fn the_local_default_writes_jsonl_once_on_a_real_payload() {
    let dir = workdir();
    let payload = fixture("events/pull_request/90-closed-merged.json")
        .display()
        .to_string();
    let args = [
        "record",
        "--event-name",
        "pull_request",
        "--event-path",
        payload.as_str(),
    ];
    let out = devmetrics(dir.path(), &args, &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("environment: local (not running in GitHub Actions)"),
        "{}",
        text(&out)
    );
    let file = dir.path().join("development-metrics/pr_events.jsonl");
    let rows: Vec<serde_json::Value> = std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row["repository"], "Codertocat/Hello-World");
    assert_eq!(row["environment"], "local");
    assert_eq!(row["event_type"], "merged");
    assert_eq!(row["pr_number"], 2);
    assert_eq!(row["event_key"], "merged@2019-05-16T10:45:03Z");

    let again = devmetrics(dir.path(), &args, &[]);
    assert!(again.status.success());
    assert!(
        text(&again).contains("1 row(s), 0 new, 1 already recorded"),
        "{}",
        text(&again)
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap().lines().count(), 1);
}

#[test]
fn a_fork_pull_request_without_secrets_falls_back_to_local_files_with_a_warning() {
    let dir = workdir();
    // The payload of a pull request from a fork: its head lives in another repository.
    let mut payload: serde_json::Value =
        crate::common::fixture_json("events/pull_request/00-opened.json");
    payload["pull_request"]["head"]["repo"]["full_name"] = "someone/Hello-World".into();
    let payload_path = dir.path().join("event.json");
    std::fs::write(&payload_path, payload.to_string()).unwrap();
    let env = vec![
        ("GITHUB_ACTIONS", "true".to_owned()),
        ("GITHUB_EVENT_NAME", "pull_request".to_owned()),
        ("GITHUB_EVENT_PATH", payload_path.display().to_string()),
        ("GITHUB_REPOSITORY", "Codertocat/Hello-World".to_owned()),
        ("GITHUB_BASE_REF", "main".to_owned()),
        ("GITHUB_REF_NAME", "2/merge".to_owned()),
        (
            "GITHUB_STEP_SUMMARY",
            dir.path().join("summary.md").display().to_string(),
        ),
        (
            "GITHUB_OUTPUT",
            dir.path().join("output.txt").display().to_string(),
        ),
        // The runner passes inputs that have no value as empty strings.
        ("INPUT_SUPABASE-URL", String::new()),
        ("INPUT_SUPABASE-SERVICE-ROLE-KEY", String::new()),
        ("INPUT_COMMAND", "record".to_owned()),
    ];
    let out = devmetrics(dir.path(), &[], &env);
    let log = text(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert!(log.contains("::warning::devmetrics: no Supabase URL and service role key for the production environment (normal for a pull request from a fork"), "{log}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("development-metrics/pr_events.jsonl"))
            .unwrap()
            .lines()
            .count(),
        1
    );
    let outputs = std::fs::read_to_string(dir.path().join("output.txt")).unwrap();
    assert!(
        outputs.contains("sink=jsonl\n") && outputs.contains("environment=production\n"),
        "{outputs}"
    );
    let summary = std::fs::read_to_string(dir.path().join("summary.md")).unwrap();
    assert!(summary.contains("> [!WARNING]"), "{summary}");

    // require-remote turns the fallback into a configuration error.
    let mut strict = env.clone();
    strict.push(("INPUT_REQUIRE-REMOTE", "true".to_owned()));
    let out = devmetrics(dir.path(), &[], &strict);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("require-remote is set"),
        "{}",
        text(&out)
    );
}

#[test]
fn an_unreadable_payload_is_named_and_nothing_is_lost() {
    let dir = workdir();
    let bad = dir.path().join("event.json");
    std::fs::write(
        &bad,
        "{\"action\": \"opened\", \"pull_request\": {\"number\": \"two\"}}",
    )
    .unwrap();
    let out = devmetrics(
        dir.path(),
        &[
            "record",
            "--event-name",
            "pull_request",
            "--event-path",
            bad.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let log = text(&out);
    assert!(log.contains("event.json"), "{log}");
    assert!(log.contains("line 1"), "{log}");
}

#[test]
fn a_broken_rules_file_is_named_with_its_line_and_the_event_is_still_recorded() {
    let dir = workdir();
    std::fs::create_dir_all(dir.path().join(".github")).unwrap();
    std::fs::write(
        dir.path().join(".github/devmetrics.yml"),
        "rules:\n  - name: size\n    category: quality\n    check: pr_size\n    params: { max_lines: 10 }\n",
    )
    .unwrap();
    let payload = fixture("events/pull_request/90-closed-merged.json");
    let out = devmetrics(
        dir.path(),
        &[
            "record",
            "--event-name",
            "pull_request",
            "--event-path",
            payload.to_str().unwrap(),
        ],
        &[],
    );
    let log = text(&out);
    assert_eq!(out.status.code(), Some(2), "{log}");
    assert!(
        log.contains("invalid rules file .github/devmetrics.yml at line 5"),
        "{log}"
    );
    assert!(
        log.contains("unknown field `max_lines`, expected `max_changed_lines`"),
        "{log}"
    );
    let rows =
        std::fs::read_to_string(dir.path().join("development-metrics/pr_events.jsonl")).unwrap();
    assert_eq!(
        rows.lines().count(),
        1,
        "the event is recorded all the same"
    );
}
