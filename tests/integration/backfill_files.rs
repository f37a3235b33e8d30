//! Backfill from files and git: the legacy JSON of the design document and the local default's
//! JSONL become rows written once to the real stack, a bad legacy file is reported with its file
//! and field, and the history of a repository made here with `git` (merge commit, squash merge,
//! direct push, shallow clone) gives the verdicts and push rows live capture gives the same pushes.

use crate::common::*;
use chrono::{DateTime, Utc};
use devmetrics::convert::git_history::{git_history_rows, GitImport};
use devmetrics::convert::legacy_files::{legacy_rows, local_jsonl_rows};
use devmetrics::convert::{convert, Conversion, EventInputs, EventOptions, RawEventOptions};
use devmetrics::environment::Environment;
use devmetrics::rows::rule_compliance_events::{ComplianceStatus, RuleComplianceEvent};
use devmetrics::rows::{Batch, PushEvent, RecordContext, Row, Table};
use devmetrics::rules::{self, RuleSet};
use devmetrics::secret::Secret;
use devmetrics::sinks::{JsonlSink, PostgrestSink, RetryPolicy, Sink};
use devmetrics::sources::event::{parse_event, Event, ReadOutcome};
use devmetrics::sources::git_history::{read_history, FirstParentStep};
use devmetrics::sources::legacy_files::local_jsonl::read_local_jsonl;
use devmetrics::sources::legacy_files::{read_legacy_dir, ProblemOutcome};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

fn ctx(repository: &str) -> RecordContext {
    RecordContext {
        repository: repository.to_owned(),
        environment: Environment::Production,
        recorded_at: "2026-12-02T00:00:00Z".parse().unwrap(),
    }
}

fn since() -> DateTime<Utc> {
    "2025-01-01T00:00:00Z".parse().unwrap()
}

fn sink(stack: &Stack) -> PostgrestSink {
    PostgrestSink::new(
        &stack.rest_url(),
        &Secret::new(&stack.secret_key),
        RetryPolicy::default(),
        100,
    )
    .unwrap()
}

/// Writes every table of `batch`; returns (table, rows inserted), failing on any error.
async fn write(sink: &impl Sink, batch: &Batch) -> Vec<(Table, usize)> {
    let mut inserted = Vec::new();
    for (table, rows) in batch.groups() {
        let w = sink.write(table, rows).await;
        assert!(w.error.is_none(), "{table}: {:?}", w.error);
        assert!(w.quarantined.is_empty(), "{table}: {:?}", w.quarantined);
        inserted.push((table, w.inserted));
    }
    inserted
}

// ----- legacy JSON ------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn legacy_json_files_become_test_runs_and_pr_events_and_a_second_import_adds_nothing() {
    let stack = Stack::get();
    let repository = unique_repository("legacy-json");
    let dir = fixture("legacy/development-metrics");
    let import = legacy_rows(read_legacy_dir(&dir, &[]), &ctx(&repository), since());
    assert_eq!(import.files_read, 4);
    // The e2e run has a field the format does not know: imported without it, and said.
    assert_eq!(import.problems.len(), 1, "{:?}", import.problems);
    assert_eq!(import.problems[0].outcome, ProblemOutcome::FieldIgnored);
    assert_eq!(import.problems[0].field.as_deref(), Some("[1].runner"));

    let first = write(&sink(&stack), &import.batch).await;
    assert_eq!(first, vec![(Table::PrEvents, 4), (Table::TestRuns, 3)]);
    let again = legacy_rows(read_legacy_dir(&dir, &[]), &ctx(&repository), since());
    let second = write(&sink(&stack), &again.batch).await;
    assert_eq!(second, vec![(Table::PrEvents, 0), (Table::TestRuns, 0)]);
    assert_eq!(stack.count("test_runs", &repository), 3);
    assert_eq!(stack.count("pr_events", &repository), 4);
    assert_eq!(
        stack.column(
            "test_runs",
            "run_id || '/' || leg || '/' || test_type || '/' || total_tests",
            &repository
        ),
        vec![
            "legacy:1871//integration/40",
            "legacy:1872//e2e/12",
            "legacy:run-2025-11-20-001//unit/120"
        ]
    );
    assert_eq!(
        stack.column(
            "pr_events",
            "pr_number || ' ' || event_key || ' ' || coalesce(cycle_time_seconds::text, '-')",
            &repository
        ),
        vec![
            "42 merged@2025-11-19T10:30:00Z 95400",
            "42 opened@2025-11-18T08:00:00Z -",
            "43 closed@2025-11-20T17:45:00Z -",
            "43 opened@2025-11-19T09:00:00Z -",
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_legacy_merged_pr_has_the_live_key_and_the_live_row_completes_its_stages() {
    let stack = Stack::get();
    let repository = unique_repository("legacy-then-live");
    let dir = fixture("legacy/development-metrics");
    let import = legacy_rows(read_legacy_dir(&dir, &[]), &ctx(&repository), since());
    write(&sink(&stack), &import.batch).await;
    // The same merge as live capture (or the API backfill) sees it, with every stage looked up.
    let mut p = fixture_json("events/pull_request/90-closed-merged.json");
    p["number"] = json!(42);
    p["pull_request"]["number"] = json!(42);
    p["pull_request"]["created_at"] = json!("2025-11-18T08:00:00Z");
    for at in ["updated_at", "closed_at", "merged_at"] {
        p["pull_request"][at] = json!("2025-11-19T10:30:00Z");
    }
    let inputs = EventInputs {
        pr_stages: devmetrics::github_api::PullRequestStages {
            first_commit_at: Some("2025-11-17T16:20:00Z".parse().unwrap()),
            ready_for_review_at: Some("2025-11-18T08:00:00Z".parse().unwrap()),
            first_review_at: Some("2025-11-18T13:05:00Z".parse().unwrap()),
            approved_at: Some("2025-11-18T15:00:00Z".parse().unwrap()),
        },
        ..EventInputs::default()
    };
    let Conversion::Rows(live) = convert(
        &event("pull_request", &p),
        &ctx(&repository),
        &EventOptions::default(),
        &inputs,
    ) else {
        panic!()
    };
    assert_eq!(live.pr_events[0].event_key, "merged@2025-11-19T10:30:00Z");
    let mut batch = Batch::new();
    batch.extend(live.pr_events);
    assert_eq!(
        write(&sink(&stack), &batch).await,
        vec![(Table::PrEvents, 0)]
    );
    assert_eq!(stack.count("pr_events", &repository), 4);
    let merged = stack.psql(
        "postgres",
        &format!(
            "select metadata->>'approved_at', metadata ? 'incomplete', metadata->>'source' \
             from metrics.pr_events where repository = '{repository}' and event_type = 'merged'"
        ),
    );
    assert_eq!(merged, "2025-11-18T15:00:00Z|f|legacy_json");
}

#[test]
fn a_bad_legacy_file_is_reported_with_its_file_and_field_and_nothing_is_guessed() {
    let dir = fixture("legacy/bad/development-metrics");
    let import = legacy_rows(read_legacy_dir(&dir, &[]), &ctx("o/r"), since());
    assert!(import.batch.is_empty(), "{:?}", import.batch);
    let problems: BTreeSet<(String, Option<String>)> = import
        .problems
        .iter()
        .map(|p| {
            assert_eq!(p.outcome, ProblemOutcome::Skipped);
            assert!(!p.help.is_empty());
            let file = p.file.strip_prefix(&dir).unwrap().display().to_string();
            (file, p.field.clone())
        })
        .collect();
    let expected: BTreeSet<(String, Option<String>)> = [
        ("coverage-summary.json", None),
        ("prs/pr-44.json", Some("merged_at")),
        ("tests/local-time.json", Some("timestamp")),
        ("tests/unit-quoted-count.json", Some("total_tests")),
    ]
    .into_iter()
    .map(|(f, a)| (f.to_owned(), a.map(str::to_owned)))
    .collect();
    assert_eq!(problems, expected);
    let quoted = import
        .problems
        .iter()
        .find(|p| p.field.as_deref() == Some("total_tests"))
        .unwrap();
    assert!(
        quoted.to_string().ends_with(
            "tests/unit-quoted-count.json: at total_tests: expected a whole number ≥ 0, found \"120\""
        ),
        "{quoted}"
    );
}

// ----- local JSONL ------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn local_jsonl_rows_go_to_the_stack_as_they_are_and_twice_adds_nothing() {
    let stack = Stack::get();
    let repository = unique_repository("local-jsonl");
    let local = tempfile::tempdir().unwrap();
    // What the local default wrote: legacy rows and git history rows, through the JSONL sink.
    let mut written = legacy_rows(
        read_legacy_dir(&fixture("legacy/development-metrics"), &[]),
        &ctx(&repository),
        since(),
    )
    .batch;
    let (repo, _) = history();
    let git = git_import(&repo, &repository);
    for (table, rows) in git.batch.groups() {
        written.extend_values(table, rows.to_vec());
    }
    let jsonl = JsonlSink::new(local.path());
    write(&jsonl, &written).await;
    std::fs::write(local.path().join("notes.jsonl"), "{}\n").unwrap();

    let read = read_local_jsonl(local.path(), |t| Table::from_name(t).is_some());
    let upload = local_jsonl_rows(read);
    assert_eq!(upload.files_read, 5);
    assert_eq!(upload.problems.len(), 1, "{:?}", upload.problems);
    assert!(upload.problems[0].problem.contains("`notes`"));
    assert_eq!(upload.batch, written, "read back exactly as written");

    let counts = |stack: &Stack| {
        [
            "pr_events",
            "test_runs",
            "push_events",
            "rule_compliance_events",
        ]
        .map(|t| stack.count(t, &repository))
    };
    let first = write(&sink(&stack), &upload.batch).await;
    assert!(
        first.iter().all(|(t, n)| *n == written.count(*t)),
        "{first:?}"
    );
    let after_first = counts(&stack);
    assert_eq!(
        after_first,
        [4, 3, 5, written.count(Table::RuleComplianceEvents) as i64]
    );
    let again = local_jsonl_rows(read_local_jsonl(local.path(), |t| {
        Table::from_name(t).is_some()
    }));
    let second = write(&sink(&stack), &again.batch).await;
    assert!(second.iter().all(|(_, n)| *n == 0), "{second:?}");
    assert_eq!(counts(&stack), after_first);
}

// ----- git history ------------------------------------------------------------------------------

/// A repository made with `git`, fixed identities, a clock that moves ten minutes per command.
pub(crate) struct Repo {
    pub(crate) dir: tempfile::TempDir,
    minutes: std::cell::Cell<u32>,
}

impl Repo {
    pub(crate) fn git(&self, args: &[&str]) -> String {
        let m = self.minutes.get();
        self.minutes.set(m + 10);
        let at = format!("2026-11-02T{:02}:{:02}:00Z", m / 60, m % 60);
        let out = Command::new("git")
            .current_dir(self.dir.path())
            .args(args)
            .env("HOME", self.dir.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Ada")
            .env("GIT_AUTHOR_EMAIL", "ada@example.com")
            .env("GIT_COMMITTER_NAME", "Ada")
            .env("GIT_COMMITTER_EMAIL", "ada@example.com")
            .env("GIT_AUTHOR_DATE", &at)
            .env("GIT_COMMITTER_DATE", &at)
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    fn commit(&self, message: &str) -> String {
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.git(&["rev-parse", "HEAD"])
    }

    fn merge(&self, branch: &str, message: &str) -> String {
        self.git(&["merge", "-q", "--no-ff", branch, "-m", message]);
        self.git(&["rev-parse", "HEAD"])
    }
}

/// The shas of main's history, by name.
pub(crate) struct Shas {
    login_merge: String,
    squash: String,
    wip_merge: String,
    direct: String,
}

/// main: a start, `feature/login` merged with a merge commit (#1), `update-readme` squash-merged
/// (#2), `wip-stuff` merged with a merge commit (#3), then a direct commit.
pub(crate) fn history() -> (Repo, Shas) {
    let repo = Repo {
        dir: tempfile::tempdir().unwrap(),
        minutes: std::cell::Cell::new(0),
    };
    repo.git(&["init", "-q", "-b", "main"]);
    repo.commit("chore: start");
    repo.git(&["checkout", "-q", "-b", "feature/login"]);
    repo.commit("feat: login form");
    repo.commit("fixed typo");
    repo.git(&["checkout", "-q", "main"]);
    let login_merge = repo.merge(
        "feature/login",
        "Merge pull request #1 from acme/feature/login\n\nLogin form",
    );
    repo.git(&["checkout", "-q", "-b", "update-readme"]);
    std::fs::write(repo.dir.path().join("README.md"), "hello\n").unwrap();
    repo.git(&["add", "README.md"]);
    repo.commit("update readme");
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["merge", "-q", "--squash", "update-readme"]);
    let squash = repo.commit("docs: update the readme (#2)");
    repo.git(&["checkout", "-q", "-b", "wip-stuff"]);
    repo.commit("feat: stuff");
    repo.git(&["checkout", "-q", "main"]);
    let wip_merge = repo.merge("wip-stuff", "Merge pull request #3 from acme/wip-stuff");
    let direct = repo.commit("quick fix");
    (
        repo,
        Shas {
            login_merge,
            squash,
            wip_merge,
            direct,
        },
    )
}

pub(crate) fn git_import(repo: &Repo, repository: &str) -> GitImport {
    let history = read_history(repo.dir.path(), "main", since()).unwrap();
    git_history_rows(&history, &RuleSet::defaults(), &ctx(repository))
}

fn rows_of<R: Row>(batch: &Batch) -> Vec<R> {
    let rows = batch.groups().filter(|(t, _)| *t == R::TABLE);
    rows.flat_map(|(_, rows)| rows.iter().cloned())
        .map(|v| serde_json::from_value(v).unwrap())
        .collect()
}

fn verdicts(batch: &Batch) -> Vec<RuleComplianceEvent> {
    rows_of(batch)
}

fn pushes(batch: &Batch) -> Vec<PushEvent> {
    rows_of(batch)
}

fn status_of(
    rows: &[RuleComplianceEvent],
    rule: &str,
    context_id: &str,
) -> Option<ComplianceStatus> {
    rows.iter()
        .find(|r| r.rule_name == rule && r.context_id == context_id)
        .map(|r| r.compliance_status)
}

#[test]
fn git_history_judges_merges_squash_merges_and_direct_pushes() {
    let (repo, shas) = history();
    let import = git_import(&repo, "o/r");
    assert_eq!(
        (import.steps, import.merges, import.squashes, import.direct),
        (5, 2, 1, 2),
        "the first commit and the direct one are direct pushes"
    );
    assert!(import.shallow.is_none());
    let rows = verdicts(&import.batch);
    use ComplianceStatus::{Compliant, NotApplicable, Violation};
    let push = |sha: &str| format!("main@{sha}");
    assert_eq!(
        status_of(&rows, "no-direct-push", &push(&shas.login_merge)),
        Some(Compliant)
    );
    assert_eq!(
        status_of(&rows, "no-direct-push", &push(&shas.squash)),
        Some(Compliant)
    );
    assert_eq!(
        status_of(&rows, "no-direct-push", &push(&shas.direct)),
        Some(Violation)
    );
    assert_eq!(status_of(&rows, "branching.mdc", "1"), Some(Compliant));
    assert_eq!(status_of(&rows, "branching.mdc", "3"), Some(Violation));
    assert_eq!(
        status_of(&rows, "branching.mdc", "2"),
        None,
        "a squash commit names no branch"
    );
    assert!(import
        .not_judged
        .iter()
        .any(|l| l.contains("1 PR(s) merged without a merge commit")));
    assert_eq!(status_of(&rows, "pr-approval", "1"), None, "needs the API");
    assert_eq!(
        status_of(&rows, "conventional-commits", &shas.squash),
        Some(Compliant)
    );
    assert_eq!(
        status_of(&rows, "conventional-commits", &shas.direct),
        Some(Violation)
    );
    assert_eq!(
        status_of(&rows, "conventional-commits", &shas.wip_merge),
        Some(NotApplicable)
    );
    let typo = rows
        .iter()
        .find(|r| {
            r.details
                .as_deref()
                .is_some_and(|d| d.contains("fixed typo"))
        })
        .map(|r| r.compliance_status);
    assert_eq!(
        typo,
        Some(Violation),
        "a merged branch's commits are judged: {rows:#?}"
    );

    let pushed = pushes(&import.batch);
    let chain: Vec<(Option<&str>, &str)> = pushed
        .iter()
        .map(|p| (p.before_sha.as_deref(), p.after_sha.as_str()))
        .collect();
    for pair in chain.windows(2) {
        assert_eq!(
            pair[1].0,
            Some(pair[0].1),
            "each push starts where the last ended"
        );
    }
    let login = pushed
        .iter()
        .find(|p| p.after_sha == shas.login_merge)
        .unwrap();
    assert_eq!(
        (
            login.merged_pr,
            login.direct_push,
            login.commit_count,
            login.detected_by.as_str()
        ),
        (Some(1), false, 3, "merge_commit_message")
    );
    let squash = pushed.iter().find(|p| p.after_sha == shas.squash).unwrap();
    assert_eq!(
        (squash.merged_pr, squash.detected_by.as_str()),
        (Some(2), "squash_commit_message")
    );
}

/// The live `push` event of one step: GitHub's documented payload with this step's shas and
/// commits.
fn live_push(step: &FirstParentStep) -> Event {
    let mut p = fixture_json("events/push/90-event-merged-pr.json");
    let commit = |c: &devmetrics::sources::git_history::GitCommit| {
        json!({"id": c.sha, "message": c.message, "timestamp": c.author_date.to_rfc3339(),
               "distinct": true, "author": {"name": "Ada", "email": "ada@example.com"},
               "committer": {"name": "Ada", "email": "ada@example.com"}})
    };
    p["ref"] = json!("refs/heads/main");
    p["before"] = json!(step.before.clone().unwrap_or_else(|| "0".repeat(40)));
    p["after"] = json!(step.commit.sha);
    p["created"] = json!(step.before.is_none());
    p["commits"] = Value::Array(step.carried.iter().map(commit).collect());
    p["head_commit"] = commit(&step.commit);
    event("push", &p)
}

/// The live `pull_request` closed-and-merged event of PR `number` from `branch`.
fn live_merged_pr(number: u32, branch: &str, merge_sha: &str) -> Event {
    let mut p = fixture_json("events/pull_request/90-closed-merged.json");
    p["number"] = json!(number);
    p["pull_request"]["number"] = json!(number);
    p["pull_request"]["head"]["ref"] = json!(branch);
    p["pull_request"]["base"]["ref"] = json!("main");
    p["pull_request"]["merge_commit_sha"] = json!(merge_sha);
    event("pull_request", &p)
}

fn event(name: &str, payload: &Value) -> Event {
    match parse_event(name, &payload.to_string(), Path::new("payload.json")).unwrap() {
        ReadOutcome::Event(e) => *e,
        other => panic!("{other:?}"),
    }
}

/// What `record` makes of a live event: its rows, and its settled rule verdicts.
fn live_rows(event: &Event, ctx: &RecordContext) -> Batch {
    let options = EventOptions::new(RawEventOptions {
        production_branches: vec!["main".into()],
        ..RawEventOptions::default()
    })
    .unwrap();
    let Conversion::Rows(rows) = convert(event, ctx, &options, &EventInputs::default()) else {
        panic!("a live event converts to rows")
    };
    let mut batch = Batch::new();
    let context = rules::from_event::context(event, rows.push.as_deref(), &options).unwrap();
    let verdicts = rules::evaluate(&RuleSet::defaults(), &context, ctx);
    batch.extend(rules::settled(&context, verdicts));
    batch.extend(rows.push_events);
    batch
}

#[tokio::test(flavor = "multi_thread")]
async fn git_history_rows_have_the_keys_live_capture_gives_the_same_pushes_and_merges() {
    let stack = Stack::get();
    let repository = unique_repository("git-history");
    let (repo, shas) = history();
    let ctx = ctx(&repository);
    let history = read_history(repo.dir.path(), "main", since()).unwrap();
    let import = git_history_rows(&history, &RuleSet::defaults(), &ctx);

    let mut live = Batch::new();
    for step in &history.steps {
        let rows = live_rows(&live_push(step), &ctx);
        for (table, rows) in rows.groups() {
            live.extend_values(table, rows.to_vec());
        }
    }
    for (number, branch, sha) in [
        (1, "feature/login", &shas.login_merge),
        (3, "wip-stuff", &shas.wip_merge),
    ] {
        let rows = live_rows(&live_merged_pr(number, branch, sha), &ctx);
        live.extend_values(
            Table::RuleComplianceEvents,
            rows.groups().flat_map(|(_, r)| r.to_vec()),
        );
    }

    // Every verdict git gives, live capture gives with the same key and the same status.
    let key = |r: &RuleComplianceEvent| {
        (
            r.rule_name.clone(),
            format!("{:?}", r.context_type),
            r.context_id.clone(),
            r.compliance_status.as_str(),
        )
    };
    let live_verdicts: BTreeSet<_> = verdicts(&live).iter().map(key).collect();
    let git_verdicts: BTreeSet<_> = verdicts(&import.batch).iter().map(key).collect();
    // 5 pushes, 8 commits (a merge brings its branch's), 2 PRs merged with a merge commit.
    assert_eq!(git_verdicts.len(), 5 + 8 + 2, "{git_verdicts:#?}");
    let missing: Vec<_> = git_verdicts.difference(&live_verdicts).collect();
    assert!(
        missing.is_empty(),
        "git verdicts live capture does not give: {missing:#?}"
    );
    // And every push/commit verdict live capture gives, git gives too.
    let live_push_side: BTreeSet<_> = live_verdicts
        .iter()
        .filter(|k| k.1 != "PullRequest")
        .cloned()
        .collect();
    assert!(live_push_side.is_subset(&git_verdicts));
    // The push rows: same key, same chain, same commits, same PR.
    let shape = |p: &PushEvent| {
        (
            p.branch.clone(),
            p.after_sha.clone(),
            p.before_sha.clone(),
            p.merged_pr,
            p.direct_push,
            p.commits.clone(),
        )
    };
    let live_pushes: Vec<_> = pushes(&live).iter().map(shape).collect();
    let git_pushes: Vec<_> = pushes(&import.batch).iter().map(shape).collect();
    assert_eq!(git_pushes, live_pushes);

    // Live first, then the backfill: the backfill adds no row.
    let sink = sink(&stack);
    write(&sink, &live).await;
    let before = [
        stack.count("push_events", &repository),
        stack.count("rule_compliance_events", &repository),
    ];
    let added = write(&sink, &import.batch).await;
    assert!(added.iter().all(|(_, n)| *n == 0), "{added:?}");
    assert_eq!(
        [
            stack.count("push_events", &repository),
            stack.count("rule_compliance_events", &repository)
        ],
        before
    );
    assert_eq!(before[0], 5);
}

#[test]
fn a_shallow_clone_says_what_it_could_not_see_and_how_to_fetch_more() {
    let (repo, shas) = history();
    let clone = tempfile::tempdir().unwrap();
    let out = Command::new("git")
        .args(["clone", "-q", "--depth", "2", "--branch", "main"])
        .arg(format!("file://{}", repo.dir.path().display()))
        .arg(clone.path().join("c"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let history = read_history(&clone.path().join("c"), "main", since()).unwrap();
    let import = git_history_rows(&history, &RuleSet::defaults(), &ctx("o/r"));
    let gap = import.shallow.expect("a shallow checkout is never silent");
    // Depth 2: the direct commit and the #3 merge, whose branch commit is past the boundary.
    assert_eq!(import.steps, 2);
    assert_eq!(
        gap.history_starts.as_ref().map(|(s, _)| s),
        Some(&shas.wip_merge)
    );
    assert_eq!(gap.incomplete_merges, vec![shas.wip_merge.clone()]);
    let said = gap.describe().join("\n");
    assert!(said.contains("its history starts at"), "{said}");
    assert!(said.contains("no push row was made"), "{said}");
    assert!(gap.help().contains("`fetch-depth: 0`"));
    // What was seen is still judged: the direct push, with its push row.
    let rows = verdicts(&import.batch);
    assert_eq!(
        status_of(&rows, "no-direct-push", &format!("main@{}", shas.direct)),
        Some(ComplianceStatus::Violation)
    );
    let pushed: Vec<String> = pushes(&import.batch)
        .into_iter()
        .map(|p| p.after_sha)
        .collect();
    assert_eq!(pushed, vec![shas.direct]);
}
