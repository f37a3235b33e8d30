//! `devmetrics backfill --only files,git` as a workflow runs it: the legacy JSON files in the
//! output directory and the checkout's history of `main` go through the command to the real
//! stack, the same rows the library conversions give (`backfill_files.rs` checks those), once.

use crate::backfill_files::{git_import, history};
use crate::common::*;
use devmetrics::rows::Table;

/// Copies `from` (a directory) into `to`, recursively.
fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn backfill_of_files_and_git_writes_the_legacy_runs_and_the_branch_history_once() {
    let stack = Stack::get();
    let repository = unique_repository("backfill-local");
    let (repo, _) = history();
    let workspace = repo.dir.path();
    copy_dir(
        &fixture("legacy/development-metrics"),
        &workspace.join("development-metrics"),
    );
    let env = vec![
        ("GITHUB_ACTIONS", "true".to_owned()),
        ("GITHUB_REPOSITORY", repository.clone()),
        ("GITHUB_WORKSPACE", workspace.display().to_string()),
        ("GITHUB_REF", "refs/heads/main".to_owned()),
        ("GITHUB_REF_NAME", "main".to_owned()),
        ("INPUT_SUPABASE-URL", stack.supabase_url.clone()),
        ("INPUT_SUPABASE-SERVICE-ROLE-KEY", stack.secret_key.clone()),
    ];
    let run = || {
        devmetrics(
            workspace,
            &["backfill", "--since", "2025-01-01", "--only", "files,git"],
            &env,
        )
    };
    let out = run();
    let log = text(&out);
    assert!(out.status.success(), "{log}");
    // The oracle: what the library conversions make of the same checkout (the legacy fixture
    // gives 4 PR events and 3 test runs: backfill_files.rs).
    let git = git_import(&repo, &repository);
    let counts = || {
        [
            "pr_events",
            "test_runs",
            "push_events",
            "rule_compliance_events",
        ]
        .map(|t| stack.count(t, &repository))
    };
    assert_eq!(
        counts(),
        [
            4,
            3,
            git.batch.count(Table::PushEvents) as i64,
            git.batch.count(Table::RuleComplianceEvents) as i64
        ],
        "{log}"
    );
    assert!(git.batch.count(Table::PushEvents) >= 4, "{log}");
    assert!(log.contains("refs/heads/main: "), "{log}");
    assert!(
        log.contains("4 legacy JSON file(s)"),
        "the files source says what it read: {log}"
    );
    // The e2e legacy run has a field the format does not know: said, with what to do.
    assert!(log.contains("[1].runner"), "{log}");

    // Run again: nothing added, nothing rejected.
    let before = counts();
    let again = run();
    assert!(again.status.success(), "{}", text(&again));
    assert_eq!(counts(), before, "{}", text(&again));
}

/// On a terminal, backfill's progress redraws one line (carriage return, erase to the end of the
/// line); in a log (a pipe, as everywhere else in these tests) it is one line per step.
#[test]
fn backfill_progress_redraws_one_line_on_a_terminal_and_writes_lines_in_a_log() {
    let (repo, _) = history();
    let workspace = repo.dir.path();
    let binary = env!("CARGO_BIN_EXE_devmetrics");
    let command = format!(
        "GITHUB_REPOSITORY=acme/progress GITHUB_WORKSPACE={ws} {binary} --output-dir {ws}/out \
         backfill --since 2025-01-01 --only git",
        ws = workspace.display()
    );
    // `script` gives the command a pseudo-terminal and copies what it printed.
    let tty = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(workspace)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap())
        .env("TERM", "xterm")
        .output()
        .expect("script (util-linux) runs");
    let shown = String::from_utf8_lossy(&tty.stdout);
    assert!(tty.status.success(), "{shown}");
    // Carriage return, the line, erase to its end.
    let redrawn = regex::Regex::new(r"\rdevmetrics: git: 5 read in [^\r\n]*\x1b\[K").unwrap();
    assert!(
        redrawn.is_match(&shown),
        "no redrawn line on a terminal: {shown:?}"
    );

    let piped = devmetrics(
        workspace,
        &[
            "--output-dir",
            &format!("{}/out2", workspace.display()),
            "backfill",
            "--since",
            "2025-01-01",
            "--only",
            "git",
        ],
        &[("GITHUB_REPOSITORY", "acme/progress".to_owned())],
    );
    let log = text(&piped);
    assert!(piped.status.success(), "{log}");
    assert!(!log.contains('\r') && !log.contains('\u{1b}'), "{log:?}");
    assert!(log.contains("devmetrics: git: 5 read"), "{log}");
}
