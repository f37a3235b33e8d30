//! The JSONL files devmetrics' local default wrote (`<dir>/<table>.jsonl`, one row object per
//! line; see `sinks::jsonl`), read line by line with the sink's own line reader. A bad line is a
//! problem naming the file and line; the other lines are still read. Only the top level of the
//! directory is read: `spool/` holds rows for `devmetrics replay`, and `*.jsonl.torn-*` files
//! are tails a crash cut short, for a person to look at.

use super::{FileProblem, ProblemOutcome};
use crate::sinks::SinkError;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// One row line of a local JSONL file.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalLine {
    /// The file.
    pub file: PathBuf,
    /// The 1-based line.
    pub line: usize,
    /// The table the file is named after (`pr_events` for `pr_events.jsonl`).
    pub table: String,
    /// The row, as written.
    pub row: serde_json::Map<String, Value>,
}

/// What [`read_local_jsonl`] found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LocalJsonl {
    /// The row lines, file by file (files sorted by name), in line order.
    pub lines: Vec<LocalLine>,
    /// Lines (`field` = `line N`) and files that could not be read, and what to do.
    pub problems: Vec<FileProblem>,
    /// How many `.jsonl` files were opened.
    pub files_read: usize,
}

/// Reads every `*.jsonl` file directly in `dir`. A missing directory has none. `is_table` says
/// which file names (without `.jsonl`) are tables; another name is a problem for its file.
pub fn read_local_jsonl(dir: &Path, is_table: impl Fn(&str) -> bool) -> LocalJsonl {
    let mut read = LocalJsonl::default();
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "jsonl"))
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => {
            read.problems.push(skipped(
                dir,
                None,
                format!("the directory could not be listed: {e}"),
                "make it readable by the user running devmetrics",
            ));
            Vec::new()
        }
    };
    files.sort();
    for path in files {
        read.files_read += 1;
        let table = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !is_table(&table) {
            read.problems.push(skipped(
                &path,
                None,
                format!("`{table}` is not a table of the metrics schema"),
                "devmetrics writes <table>.jsonl (pr_events.jsonl, test_runs.jsonl…); rename \
                 the file if it holds a table's rows, else move it out of the directory",
            ));
            continue;
        }
        read_file(&path, &table, &mut read);
    }
    read
}

fn read_file(path: &Path, table: &str, read: &mut LocalJsonl) {
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) => {
            read.problems.push(skipped(
                path,
                None,
                format!("could not be opened: {e}"),
                "make the file readable by the user running devmetrics",
            ));
            return;
        }
    };
    let mut problems = Vec::new();
    let mut lines = Vec::new();
    let outcome = crate::sinks::jsonl::for_each_line(file, path, |text, bad| {
        // The sink's reader numbers lines (blank ones skipped); its error maker carries it.
        let line = match bad(String::new()) {
            SinkError::BadLine { line, .. } => line,
            _ => 0,
        };
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(row)) => lines.push(LocalLine {
                file: path.to_owned(),
                line,
                table: table.to_owned(),
                row,
            }),
            Ok(_) => problems.push(line_problem(path, line, "not a JSON object".into())),
            Err(e) => problems.push(line_problem(path, line, format!("not JSON ({e})"))),
        }
        Ok(())
    });
    read.lines.extend(lines);
    read.problems.extend(problems);
    if let Err(e) = outcome {
        read.problems.push(skipped(
            path,
            None,
            format!("reading stopped: {e}"),
            "the lines before it were read; make the file readable (valid UTF-8) and run \
             again: rows already uploaded are not uploaded twice",
        ));
    }
}

/// A line that is not a row.
pub fn line_problem(path: &Path, line: usize, problem: String) -> FileProblem {
    FileProblem {
        file: path.to_owned(),
        field: Some(format!("line {line}")),
        problem,
        help: "repair the line (one row object per line, as devmetrics wrote it) or delete it, \
               then run again: rows already uploaded are not uploaded twice"
            .into(),
        outcome: ProblemOutcome::Skipped,
    }
}

fn skipped(file: &Path, field: Option<String>, problem: String, help: &str) -> FileProblem {
    FileProblem {
        file: file.to_owned(),
        field,
        problem,
        help: help.to_owned(),
        outcome: ProblemOutcome::Skipped,
    }
}
