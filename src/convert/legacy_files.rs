//! Files already on disk → rows: the legacy JSON records of the design document
//! ([`legacy_rows`]) and the rows devmetrics' local default wrote ([`local_jsonl_rows`]). Pure:
//! the files are read by `sources::legacy_files`.
//!
//! Keys, so that importing the same files again adds nothing:
//! - a legacy test run: `run_id` = `legacy:<its run_id>`, `leg` = `""` (rows from before legs
//!   existed), `test_type` as written. Live runs are keyed `gh:…` or `local:…`, so a legacy run
//!   never takes the key of a live one (nothing in a legacy file says which job and step ran).
//! - a legacy PR: `opened@<created_at>`, `merged@<merged_at>`, `closed@<closed_at>`: the very
//!   keys live capture gives the same events. A merged row whose file lacks a stage time is
//!   marked `metadata.incomplete: ["stages"]`, so an API backfill of the PR completes it.

use crate::rows::pr_events::{PrEvent, PrEventType};
use crate::rows::{
    key_timestamp, Batch, DeploymentEvent, DevelopmentMetric, PushEvent, RecordContext, Row,
    RuleComplianceEvent, Table, TestCaseResult, TestRun,
};
use crate::sources::event::is_bot_login;
use crate::sources::legacy_files::local_jsonl::{line_problem, LocalJsonl};
use crate::sources::legacy_files::{
    FileProblem, LegacyKind, LegacyPullRequest, LegacyRead, LegacyRecord, LegacyTestRun,
};
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};
use std::collections::HashSet;

/// The rows of the legacy files, and what could not be imported.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LegacyImport {
    /// `test_runs` and `pr_events` rows.
    pub batch: Batch,
    /// Per file and field: what was skipped or left out, and what to do.
    pub problems: Vec<FileProblem>,
    /// How many files were read.
    pub files_read: usize,
    /// Records read whose time is before the window (not imported, not a problem).
    pub outside_window: usize,
}

/// The rows of the legacy records read from `development-metrics/`, for the records whose time
/// (a run's `timestamp`, a PR's newest time) is at or after `since`. Rows take `ctx`'s
/// repository and `recorded_at`, and its environment unless the record names one.
pub fn legacy_rows(read: LegacyRead, ctx: &RecordContext, since: DateTime<Utc>) -> LegacyImport {
    let mut import = LegacyImport {
        problems: read.problems,
        files_read: read.files_read,
        ..LegacyImport::default()
    };
    let mut runs = Vec::new();
    let mut prs = Vec::new();
    for record in &read.records {
        match &record.kind {
            LegacyKind::TestRun(run) if run.timestamp >= since => {
                runs.push(test_run(run, record, ctx));
            }
            LegacyKind::PullRequest(pr) if newest(pr) >= since => {
                prs.extend(pr_rows(pr, record, ctx));
            }
            _ => import.outside_window += 1,
        }
    }
    import.batch.extend(runs);
    import.batch.extend(prs);
    import
}

fn source(record: &LegacyRecord) -> Value {
    let mut m = Map::new();
    m.insert("source".into(), json!("legacy_json"));
    m.insert("file".into(), json!(record.file.to_string_lossy()));
    if let Some(i) = record.index {
        m.insert("index".into(), json!(i));
    }
    Value::Object(m)
}

fn test_run(run: &LegacyTestRun, record: &LegacyRecord, ctx: &RecordContext) -> TestRun {
    let mut metadata = source(record);
    metadata["legacy_run_id"] = json!(run.run_id);
    if run.skipped_derived {
        metadata["skipped_tests_from"] = json!("passed + failed = total");
    }
    let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    TestRun {
        repository: ctx.repository.clone(),
        environment: run.environment.unwrap_or(ctx.environment),
        run_id: format!("legacy:{}", run.run_id),
        leg: String::new(),
        run_timestamp: run.timestamp,
        test_type: run.test_type.clone(),
        total_tests: count(run.total),
        passed_tests: count(run.passed),
        failed_tests: count(run.failed),
        errored_tests: count(run.errored),
        skipped_tests: count(run.skipped),
        flaky_tests: 0,
        execution_time_seconds: run.execution_time_seconds,
        sha: run.sha.clone(),
        branch_name: run.branch.clone(),
        pr_number: run.pr_number,
        workflow_run_id: None,
        workflow_run_attempt: None,
        recorded_at: ctx.recorded_at,
        metadata,
    }
}

/// The newest time a PR file gives: the PR is in the window when something happened in it.
fn newest(pr: &LegacyPullRequest) -> DateTime<Utc> {
    [Some(pr.created_at), pr.merged_at, pr.closed_at]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(pr.created_at)
}

fn pr_rows(pr: &LegacyPullRequest, record: &LegacyRecord, ctx: &RecordContext) -> Vec<PrEvent> {
    let environment = pr.environment.unwrap_or(ctx.environment);
    let row = |event_type: PrEventType, at: DateTime<Utc>, metadata: Value| PrEvent {
        repository: ctx.repository.clone(),
        environment,
        pr_number: pr.pr_number,
        pr_title: pr.title.clone(),
        branch_name: pr.branch.clone(),
        base_branch: pr.base_branch.clone(),
        event_type,
        event_timestamp: at,
        author: pr.author.clone(),
        actor: None,
        is_bot: pr.author.as_deref().is_some_and(is_bot_login),
        review_state: None,
        head_sha: pr.head_sha.clone(),
        merge_commit_sha: None,
        additions: pr.additions.and_then(|n| i64::try_from(n).ok()),
        deletions: pr.deletions.and_then(|n| i64::try_from(n).ok()),
        changed_files: pr.changed_files.and_then(|n| i64::try_from(n).ok()),
        cycle_time_seconds: None,
        event_key: format!("{}@{}", event_type.as_str(), key_timestamp(at)),
        recorded_at: ctx.recorded_at,
        metadata,
    };
    let mut rows = vec![row(PrEventType::Opened, pr.created_at, source(record))];
    if let Some(merged_at) = pr.merged_at {
        let s = &pr.stages;
        let ts = |t: Option<Option<DateTime<Utc>>>| {
            t.flatten()
                .map_or(Value::Null, |t| Value::String(key_timestamp(t)))
        };
        let mut metadata = source(record);
        metadata["created_at"] = json!(key_timestamp(pr.created_at));
        metadata["first_commit_at"] = ts(s.first_commit_at);
        metadata["ready_for_review_at"] = ts(s.ready_for_review_at);
        metadata["first_review_at"] = ts(s.first_review_at);
        metadata["approved_at"] = ts(s.approved_at);
        metadata["merged_at"] = json!(key_timestamp(merged_at));
        if !s.all_known() {
            metadata["incomplete"] = json!(["stages"]);
        }
        let mut merged = row(PrEventType::Merged, merged_at, metadata);
        merged.merge_commit_sha = pr.merge_commit_sha.clone();
        merged.cycle_time_seconds = Some((merged_at - pr.created_at).num_seconds());
        rows.push(merged);
    } else if let Some(closed_at) = pr.closed_at {
        rows.push(row(PrEventType::Closed, closed_at, source(record)));
    }
    rows
}

/// The rows of the local JSONL files, ready to upload as they are, and the lines that could not
/// be.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LocalImport {
    /// The rows, per table.
    pub batch: Batch,
    /// Per file and line: what could not be uploaded, and what to do.
    pub problems: Vec<FileProblem>,
    /// How many files were read.
    pub files_read: usize,
    /// Lines that repeated the natural key of an earlier line (uploaded once).
    pub duplicates: usize,
}

/// The rows of the local JSONL files, each checked against its table's row type (every column
/// present with its type, as devmetrics wrote it) and written back with the columns of today's
/// version, as a PostgREST bulk insert needs. Rows keep their environment, keys and
/// `recorded_at`: uploading them twice adds nothing.
pub fn local_jsonl_rows(read: LocalJsonl) -> LocalImport {
    let mut import = LocalImport {
        problems: read.problems,
        files_read: read.files_read,
        ..LocalImport::default()
    };
    let mut seen = HashSet::new();
    for line in read.lines {
        let Some(table) = Table::from_name(&line.table) else {
            continue;
        };
        let row = Value::Object(line.row);
        let typed = match table {
            Table::PrEvents => typed::<PrEvent>(&row),
            Table::DeploymentEvents => typed::<DeploymentEvent>(&row),
            Table::TestRuns => typed::<TestRun>(&row),
            Table::TestCaseResults => typed::<TestCaseResult>(&row),
            Table::RuleComplianceEvents => typed::<RuleComplianceEvent>(&row),
            Table::DevelopmentMetrics => typed::<DevelopmentMetric>(&row),
            Table::PushEvents => typed::<PushEvent>(&row),
        };
        match typed {
            Ok(value) => {
                if seen.insert((table, key(table, &value))) {
                    import.batch.extend_values(table, [value]);
                } else {
                    import.duplicates += 1;
                }
            }
            Err(e) => import.problems.push(line_problem(
                &line.file,
                line.line,
                format!("not a {table} row: {e}"),
            )),
        }
    }
    import
}

/// The row through its type and back: checked, and with every column of today's version.
fn typed<R: Row>(row: &Value) -> Result<Value, serde_json::Error> {
    let typed: R = serde_json::from_value(row.clone())?;
    serde_json::to_value(typed)
}

fn key(table: Table, row: &Value) -> String {
    table
        .natural_key()
        .iter()
        .map(|c| row.get(*c).map(Value::to_string).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\u{1f}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::environment::Environment;
    use crate::sources::legacy_files::read_legacy_dir;
    use std::path::Path;

    fn ctx() -> RecordContext {
        RecordContext {
            repository: "o/r".into(),
            environment: Environment::Production,
            recorded_at: "2026-12-02T00:00:00Z".parse().unwrap(),
        }
    }

    fn fixture() -> LegacyRead {
        read_legacy_dir(
            &Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/legacy/development-metrics"),
            &[],
        )
    }

    fn rows<R: Row>(batch: &Batch) -> Vec<R> {
        batch
            .groups()
            .filter(|(t, _)| *t == R::TABLE)
            .flat_map(|(_, rows)| rows.iter().cloned())
            .map(|v| serde_json::from_value(v).unwrap())
            .collect()
    }

    #[test]
    fn legacy_runs_are_keyed_legacy_with_no_leg_and_keep_their_totals() {
        let import = legacy_rows(fixture(), &ctx(), "2025-01-01T00:00:00Z".parse().unwrap());
        let runs: Vec<TestRun> = rows(&import.batch);
        let keys: Vec<(&str, &str, &str)> = runs
            .iter()
            .map(|r| (r.run_id.as_str(), r.leg.as_str(), r.test_type.as_str()))
            .collect();
        assert_eq!(
            keys,
            vec![
                ("legacy:1871", "", "integration"),
                ("legacy:1872", "", "e2e"),
                ("legacy:run-2025-11-20-001", "", "unit"),
            ]
        );
        let unit = &runs[2];
        assert_eq!(
            (
                unit.total_tests,
                unit.passed_tests,
                unit.failed_tests,
                unit.skipped_tests
            ),
            (120, 115, 3, 2)
        );
        assert_eq!(unit.execution_time_seconds, Some(42.0));
        assert_eq!(
            runs[0].run_timestamp,
            "2025-11-20T10:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(unit.metadata["file"], "tests/unit-2025-11-20.json");
    }

    #[test]
    fn legacy_prs_get_the_keys_live_capture_gives_the_same_events() {
        let import = legacy_rows(fixture(), &ctx(), "2025-01-01T00:00:00Z".parse().unwrap());
        let prs: Vec<PrEvent> = rows(&import.batch);
        let keys: Vec<(u32, &str)> = prs
            .iter()
            .map(|r| (r.pr_number, r.event_key.as_str()))
            .collect();
        assert_eq!(
            keys,
            vec![
                (42, "opened@2025-11-18T08:00:00Z"),
                (42, "merged@2025-11-19T10:30:00Z"),
                (43, "opened@2025-11-19T09:00:00Z"),
                (43, "closed@2025-11-20T17:45:00Z"),
            ]
        );
        let merged = &prs[1];
        assert_eq!(merged.cycle_time_seconds, Some(95_400));
        assert_eq!(merged.metadata["first_commit_at"], "2025-11-17T16:20:00Z");
        assert_eq!(merged.metadata["approved_at"], Value::Null);
        assert_eq!(merged.metadata["incomplete"], json!(["stages"]));
        assert_eq!(
            merged.merge_commit_sha.as_deref(),
            Some("5e0f0c4d2a6b8f1e9d3c7b5a4f2e1d0c9b8a7f6e")
        );
        assert!(!prs[2].is_bot);
    }

    #[test]
    fn records_before_the_window_are_counted_not_imported() {
        let import = legacy_rows(fixture(), &ctx(), "2025-11-20T12:00:00Z".parse().unwrap());
        let runs: Vec<TestRun> = rows(&import.batch);
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].run_id, "legacy:1872");
        // PR 43 closed after the start of the window: both its rows come.
        assert_eq!(import.batch.count(Table::PrEvents), 2);
        assert_eq!(import.outside_window, 3);
    }

    #[test]
    fn local_rows_are_checked_against_their_table_and_repeated_keys_sent_once() {
        let dir = tempfile::tempdir().unwrap();
        let import = legacy_rows(fixture(), &ctx(), "2025-01-01T00:00:00Z".parse().unwrap());
        let run = import
            .batch
            .groups()
            .find(|(t, _)| *t == Table::TestRuns)
            .unwrap()
            .1[0]
            .clone();
        let mut before_legs = run.clone();
        before_legs.as_object_mut().unwrap().remove("leg");
        before_legs["run_id"] = json!("local:old");
        let mut no_key = run.clone();
        no_key.as_object_mut().unwrap().remove("run_id");
        let text = [&run, &run, &before_legs, &no_key]
            .iter()
            .map(|v| v.to_string() + "\n")
            .collect::<String>();
        std::fs::write(dir.path().join("test_runs.jsonl"), text).unwrap();
        let read = crate::sources::legacy_files::local_jsonl::read_local_jsonl(dir.path(), |t| {
            Table::from_name(t).is_some()
        });
        let local = local_jsonl_rows(read);
        assert_eq!((local.files_read, local.duplicates), (1, 1));
        let sent: Vec<TestRun> = rows(&local.batch);
        assert_eq!(sent.len(), 2);
        assert_eq!(sent[0], serde_json::from_value::<TestRun>(run).unwrap());
        assert_eq!(
            (sent[1].run_id.as_str(), sent[1].leg.as_str()),
            ("local:old", "")
        );
        let groups: Vec<&[Value]> = local.batch.groups().map(|(_, r)| r).collect();
        assert!(
            groups[0].iter().all(|r| r.get("leg").is_some()),
            "same columns on every row"
        );
        assert_eq!(local.problems.len(), 1);
        assert_eq!(local.problems[0].field.as_deref(), Some("line 4"));
        assert!(
            local.problems[0].problem.contains("run_id"),
            "{}",
            local.problems[0].problem
        );
    }
}
