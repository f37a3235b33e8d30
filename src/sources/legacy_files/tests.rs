use super::*;

fn read_one(text: &str) -> LegacyRead {
    let mut read = LegacyRead::default();
    read_file(
        text.as_bytes(),
        Path::new("dm/tests/x.json"),
        Path::new("tests/x.json"),
        &mut read,
    );
    read
}

fn only_problem(read: &LegacyRead) -> &FileProblem {
    assert!(read.records.is_empty(), "{:?}", read.records);
    assert_eq!(read.problems.len(), 1, "{:?}", read.problems);
    &read.problems[0]
}

const RUN: &str = r#"{"run_id": "r1", "timestamp": "2025-11-20T10:15:00Z", "total_tests": 10,
    "passed_tests": 7, "failed_tests": 1, "skipped_tests": 2, "test_type": "unit"}"#;

#[test]
fn a_test_run_of_the_design_document_is_read_with_its_totals() {
    let read = read_one(RUN);
    assert!(read.problems.is_empty(), "{:?}", read.problems);
    let LegacyKind::TestRun(run) = &read.records[0].kind else {
        panic!()
    };
    assert_eq!(
        (
            run.run_id.as_str(),
            run.total,
            run.passed,
            run.failed,
            run.skipped
        ),
        ("r1", 10, 7, 1, 2)
    );
    assert_eq!(run.test_type, "unit");
}

#[test]
fn a_count_written_as_a_string_is_reported_with_its_field() {
    let read = read_one(&RUN.replace("\"total_tests\": 10", "\"total_tests\": \"10\""));
    let p = only_problem(&read);
    assert_eq!(p.field.as_deref(), Some("total_tests"));
    assert_eq!(p.outcome, ProblemOutcome::Skipped);
    assert!(p.problem.contains("whole number"), "{}", p.problem);
    assert_eq!(
        p.to_string(),
        "skipped dm/tests/x.json: at total_tests: expected a whole number ≥ 0, found \"10\""
    );
}

#[test]
fn a_time_without_an_offset_is_refused_not_taken_as_utc() {
    let read = read_one(&RUN.replace("2025-11-20T10:15:00Z", "2025-11-20T10:15:00"));
    assert_eq!(only_problem(&read).field.as_deref(), Some("timestamp"));
}

#[test]
fn totals_that_do_not_add_up_are_reported() {
    let read = read_one(&RUN.replace("\"passed_tests\": 7", "\"passed_tests\": 8"));
    let p = only_problem(&read);
    assert_eq!(p.field.as_deref(), Some("total_tests"));
    assert!(p.problem.contains("= 11"), "{}", p.problem);
}

#[test]
fn a_missing_skipped_count_is_zero_only_when_the_others_add_up() {
    let without = RUN.replace(", \"skipped_tests\": 2", "");
    let p = only_problem(&read_one(&without)).clone();
    assert_eq!(p.field.as_deref(), Some("skipped_tests"));
    let adds_up = without.replace("\"total_tests\": 10", "\"total_tests\": 8");
    let read = read_one(&adds_up);
    let LegacyKind::TestRun(run) = &read.records[0].kind else {
        panic!("{:?}", read.problems)
    };
    assert_eq!((run.skipped, run.skipped_derived), (0, true));
}

#[test]
fn a_missing_test_type_is_reported_never_guessed() {
    let read = read_one(&RUN.replace(", \"test_type\": \"unit\"", ""));
    let p = only_problem(&read);
    assert_eq!(
        (p.field.as_deref(), p.problem.as_str()),
        (Some("test_type"), "missing")
    );
}

#[test]
fn unknown_fields_are_reported_and_the_record_is_still_read() {
    let read = read_one(&RUN.replace("\"r1\"", "\"r1\", \"runner\": \"linux\""));
    assert_eq!(read.records.len(), 1);
    assert_eq!(read.problems[0].outcome, ProblemOutcome::FieldIgnored);
    assert_eq!(read.problems[0].field.as_deref(), Some("runner"));
}

#[test]
fn an_array_reports_the_index_of_the_bad_record() {
    let text = format!(
        "[{RUN}, {}]",
        RUN.replace("\"failed_tests\": 1", "\"failed_tests\": -1")
    );
    let read = read_one(&text);
    assert_eq!(read.records.len(), 1);
    assert_eq!(read.records[0].index, Some(0));
    assert_eq!(read.problems[0].field.as_deref(), Some("[1].failed_tests"));
}

#[test]
fn an_unknown_shape_is_reported_for_the_file() {
    let p = only_problem(&read_one(r#"{"lines": {"pct": 84.0}}"#)).clone();
    assert_eq!(p.field, None);
    assert!(
        p.problem.contains("unknown shape (fields: lines)"),
        "{}",
        p.problem
    );
    let numbers = read_one("[1, 2]");
    let at: Vec<Option<&str>> = numbers
        .problems
        .iter()
        .map(|p| p.field.as_deref())
        .collect();
    assert_eq!(at, vec![Some("[0]"), Some("[1]")]);
    assert!(only_problem(&read_one("{not json"))
        .problem
        .starts_with("not JSON"));
}

#[test]
fn a_pr_metric_keeps_absent_and_null_stages_apart() {
    let read = read_one(
        r#"{"pr_number": 7, "branch": "feature/x", "created_at": "2025-11-18T08:00:00Z",
            "merged_at": "2025-11-19T08:00:00Z", "first_review_at": null}"#,
    );
    let LegacyKind::PullRequest(pr) = &read.records[0].kind else {
        panic!("{:?}", read.problems)
    };
    assert_eq!(pr.stages.first_review_at, Some(None));
    assert_eq!(pr.stages.first_commit_at, None);
    assert!(!pr.stages.all_known());
}

#[test]
fn a_pr_merged_before_it_was_opened_is_reported() {
    let read = read_one(
        r#"{"pr_number": 7, "created_at": "2025-11-18T08:00:00Z", "merged_at": "2025-11-17T08:00:00Z"}"#,
    );
    assert_eq!(only_problem(&read).field.as_deref(), Some("merged_at"));
}

#[test]
fn local_jsonl_lines_are_read_with_bad_lines_reported_by_number() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("pr_events.jsonl"),
        "{\"a\":1}\n\nnot json\n[1]\n{\"b\":2}\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("notes.jsonl"), "{}\n").unwrap();
    std::fs::create_dir(dir.path().join("spool")).unwrap();
    std::fs::write(dir.path().join("spool/x.jsonl"), "{}\n").unwrap();
    let read = local_jsonl::read_local_jsonl(dir.path(), |t| t == "pr_events");
    assert_eq!(read.files_read, 2);
    let lines: Vec<usize> = read.lines.iter().map(|l| l.line).collect();
    assert_eq!(lines, vec![1, 5]);
    let at: Vec<Option<&str>> = read.problems.iter().map(|p| p.field.as_deref()).collect();
    assert_eq!(at, vec![None, Some("line 3"), Some("line 4")]);
    assert!(read.problems[0].problem.contains("`notes`"));
}

#[test]
fn a_cycle_time_the_times_contradict_is_reported_and_the_times_win() {
    let text = r#"{"pr_number": 7, "created_at": "2025-11-18T08:00:00Z",
        "merged_at": "2025-11-18T09:00:00Z", "cycle_time_seconds": 60}"#;
    let read = read_one(text);
    assert_eq!(read.records.len(), 1);
    assert_eq!(read.problems.len(), 1, "{:?}", read.problems);
    assert_eq!(
        read.problems[0].field.as_deref(),
        Some("cycle_time_seconds")
    );
    assert_eq!(read.problems[0].outcome, ProblemOutcome::FieldIgnored);
    assert!(read_one(&text.replace(": 60}", ": 3600}"))
        .problems
        .is_empty());
}

#[test]
fn devmetrics_own_files_in_the_directory_are_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("tests")).unwrap();
    std::fs::write(dir.path().join("tests/run.json"), RUN).unwrap();
    std::fs::write(dir.path().join("backfill-report.json"), r#"{"tables": {}}"#).unwrap();
    let read = read_legacy_dir(dir.path(), &["backfill-report.json"]);
    assert_eq!((read.files_read, read.records.len()), (1, 1));
    assert!(read.problems.is_empty(), "{:?}", read.problems);
    let unskipped = read_legacy_dir(dir.path(), &[]);
    assert_eq!(
        unskipped.problems.len(),
        1,
        "not legacy metrics: reported when not named"
    );
}
