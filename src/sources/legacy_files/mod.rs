//! Files a team already has in `development-metrics/`, read into plain models: the legacy JSON
//! of the design document (test runs and pull request metrics, `*.json` at any depth) and the
//! JSONL files devmetrics' local default wrote (`<table>.jsonl`, see [`local_jsonl`]).
//!
//! A legacy file is recognised by its fields, never by its name or folder: an object with
//! `total_tests` or `run_id` is a test run, one with `pr_number` (and neither of those) a pull
//! request metric; a file may hold one object or an array of them. Anything else, and any field
//! that is not what the format says, is a [`FileProblem`] naming the file, the field and what to
//! write instead: the record is skipped, never guessed. Fields the format does not know are
//! reported and left out (the record is still read).

mod fields;
pub mod local_jsonl;
mod models;

pub use fields::FieldError;
pub use models::{
    LegacyPullRequest, LegacyStages, LegacyTestRun, PULL_REQUEST_FIELDS, TEST_RUN_FIELDS,
};

use fields::Object;
use serde_json::Value;
use std::fmt;
use std::path::{Path, PathBuf};

/// One record of a legacy file.
#[derive(Debug, Clone, PartialEq)]
pub struct LegacyRecord {
    /// The file, relative to the directory read.
    pub file: PathBuf,
    /// Its index when the file holds an array.
    pub index: Option<usize>,
    /// What it is.
    pub kind: LegacyKind,
}

/// A test run or a pull request metric.
#[derive(Debug, Clone, PartialEq)]
pub enum LegacyKind {
    /// `run_id`, `timestamp`, totals, `test_type`.
    TestRun(LegacyTestRun),
    /// `pr_number`, `branch`, times.
    PullRequest(LegacyPullRequest),
}

/// What happened to the record a problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemOutcome {
    /// The record (or the whole file) was not imported.
    Skipped,
    /// The record was imported without the field named.
    FieldIgnored,
}

/// A problem with one file of the directory read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileProblem {
    /// The file (with the directory read, as the user would open it).
    pub file: PathBuf,
    /// The field's path in the file (`total_tests`, `[2].timestamp`); `None` for the file as a
    /// whole. For a JSONL file, `line N`.
    pub field: Option<String>,
    /// What is wrong.
    pub problem: String,
    /// What to do about it.
    pub help: String,
    /// Skipped, or imported without the field.
    pub outcome: ProblemOutcome,
}

impl fmt::Display for FileProblem {
    /// `skipped <file>: at <field>: <problem>` (the help is [`FileProblem::help`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.outcome {
            ProblemOutcome::Skipped => "skipped",
            ProblemOutcome::FieldIgnored => "left out a field of",
        };
        write!(f, "{what} {}", self.file.display())?;
        if let Some(field) = &self.field {
            write!(f, ": at {field}")?;
        }
        write!(f, ": {}", self.problem)
    }
}

/// What [`read_legacy_dir`] found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LegacyRead {
    /// The records read, in file order (files sorted by path).
    pub records: Vec<LegacyRecord>,
    /// Per file: what could not be read, and what to do.
    pub problems: Vec<FileProblem>,
    /// How many `.json` files were opened.
    pub files_read: usize,
}

/// Reads every `*.json` file under `dir` (at any depth, in path order), except the paths (relative
/// to `dir`) listed in `own_files`: devmetrics' own files kept there (a backfill's checkpoint
/// and report), which are not legacy metrics. A missing directory has no files. Never fails: an
/// unreadable file is a problem like a malformed one.
pub fn read_legacy_dir(dir: &Path, own_files: &[&str]) -> LegacyRead {
    let mut read = LegacyRead::default();
    let mut files = Vec::new();
    collect(dir, &mut files, &mut read.problems);
    files.sort();
    for path in files {
        let relative = path.strip_prefix(dir).unwrap_or(&path).to_owned();
        if own_files.iter().any(|own| relative == Path::new(own)) {
            continue;
        }
        read.files_read += 1;
        match std::fs::read(&path) {
            Ok(bytes) => read_file(&bytes, &path, &relative, &mut read),
            Err(e) => read.problems.push(problem(
                &path,
                None,
                format!("could not be read: {e}"),
                "make the file readable by the user running devmetrics",
            )),
        }
    }
    read
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>, problems: &mut Vec<FileProblem>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
        Err(e) => {
            problems.push(problem(
                dir,
                None,
                format!("the directory could not be listed: {e}"),
                "make it readable by the user running devmetrics",
            ));
            return;
        }
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            collect(&path, files, problems);
        } else if path.extension().is_some_and(|x| x == "json") {
            files.push(path);
        }
    }
}

fn problem(file: &Path, field: Option<String>, problem: String, help: &str) -> FileProblem {
    FileProblem {
        file: file.to_owned(),
        field,
        problem,
        help: help.to_owned(),
        outcome: ProblemOutcome::Skipped,
    }
}

/// Reads one file's records into `read`.
pub(crate) fn read_file(bytes: &[u8], path: &Path, relative: &Path, read: &mut LegacyRead) {
    let value: Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => {
            read.problems.push(problem(
                path,
                None,
                format!("not JSON ({e})"),
                "fix the JSON, or move the file out of the directory",
            ));
            return;
        }
    };
    match value {
        Value::Object(map) => read_object(&map, None, path, relative, read),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                match item {
                    Value::Object(map) => read_object(map, Some(i), path, relative, read),
                    _ => read.problems.push(problem(
                        path,
                        Some(format!("[{i}]")),
                        "not a JSON object".into(),
                        "an array in a legacy file holds one object per test run or PR",
                    )),
                }
            }
        }
        _ => read.problems.push(problem(
            path,
            None,
            "neither a JSON object nor an array of objects".into(),
            "a legacy file holds one test run or PR metric object, or an array of them",
        )),
    }
}

fn read_object(
    map: &serde_json::Map<String, Value>,
    index: Option<usize>,
    path: &Path,
    relative: &Path,
    read: &mut LegacyRead,
) {
    let object = Object {
        map,
        prefix: index.map_or_else(String::new, |i| format!("[{i}].")),
    };
    let at = index.map(|i| format!("[{i}]"));
    let (parsed, known) =
        if object.has("total_tests") || object.has("run_id") {
            (
                models::test_run(&object).map(LegacyKind::TestRun),
                TEST_RUN_FIELDS,
            )
        } else if object.has("pr_number") {
            (
                models::pull_request(&object).map(LegacyKind::PullRequest),
                PULL_REQUEST_FIELDS,
            )
        } else {
            let keys: Vec<&str> = map.keys().map(String::as_str).take(8).collect();
            read.problems.push(problem(
                path,
                at,
                format!(
                "an unknown shape (fields: {}): neither a test run (run_id, total_tests…) nor a \
                 PR metric (pr_number…)",
                if keys.is_empty() { "none".into() } else { keys.join(", ") }
            ),
                "nothing was imported from it; if it holds metrics, rewrite it in the documented \
             shape (docs/backfill-files.md), else move it out of the directory",
            ));
            return;
        };
    match parsed {
        Ok(kind) => {
            let unknown = object.unknown_keys(known);
            if !unknown.is_empty() {
                read.problems.push(FileProblem {
                    file: path.to_owned(),
                    field: Some(unknown.join(", ")),
                    problem: "not a field of the legacy format".into(),
                    help: "the record was imported without it; rename it to a documented \
                           field (docs/backfill-files.md) if it meant one"
                        .into(),
                    outcome: ProblemOutcome::FieldIgnored,
                });
            }
            if let LegacyKind::PullRequest(pr) = &kind {
                if let Some(problem) = cycle_time_mismatch(pr, &object) {
                    read.problems.push(FileProblem {
                        file: path.to_owned(),
                        ..problem
                    });
                }
            }
            read.records.push(LegacyRecord {
                file: relative.to_owned(),
                index,
                kind,
            });
        }
        Err(e) => read.problems.push(FileProblem {
            file: path.to_owned(),
            field: Some(e.field),
            problem: e.problem,
            help: e.help,
            outcome: ProblemOutcome::Skipped,
        }),
    }
}

/// A `cycle_time_seconds` that the PR's own times contradict: the rows take the times' figure.
fn cycle_time_mismatch(pr: &LegacyPullRequest, object: &Object) -> Option<FileProblem> {
    let written = pr.cycle_time_seconds?;
    let from_times = (pr.merged_at? - pr.created_at).num_seconds();
    (written.abs_diff(from_times.unsigned_abs()) > 1).then(|| FileProblem {
        file: PathBuf::new(),
        field: Some(object.path("cycle_time_seconds")),
        problem: format!("{written} seconds, but merged_at - created_at = {from_times} seconds"),
        help: "the rows take the figure of the times; correct the times if they are wrong".into(),
        outcome: ProblemOutcome::FieldIgnored,
    })
}

#[cfg(test)]
mod tests;
