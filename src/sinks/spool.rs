//! The spool: rows that could not be written, kept on disk until `devmetrics replay` sends
//! them. One file per failed run, `<dir>/spool/<UTC time>-<pid>.jsonl`, one line per row:
//! `{"table":"pr_events","row":{…}}`. Rows only: no URL, no key, nothing secret.

use super::SinkError;
use crate::rows::{Batch, Table};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// The spool directory.
#[derive(Debug, Clone)]
pub struct Spool {
    dir: PathBuf,
}

#[derive(Serialize, Deserialize)]
struct Line {
    table: String,
    row: Value,
}

impl Spool {
    /// The spool under `output_dir` (`<output_dir>/spool`).
    pub fn under(output_dir: &Path) -> Spool {
        Spool {
            dir: output_dir.join("spool"),
        }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes `batch` to a new spool file, durably (written, synced, then renamed into place).
    pub fn write(&self, batch: &Batch) -> Result<PathBuf, SinkError> {
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| SinkError::Io { path, source }
        };
        fs::create_dir_all(&self.dir).map_err(io(&self.dir))?;
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
        let name = format!(
            "{stamp}-{}-{:04x}.jsonl",
            std::process::id(),
            fastrand::u16(..)
        );
        let path = self.dir.join(name);
        write_lines(&path, batch).map_err(io(&path))?;
        Ok(path)
    }

    /// The spool files, oldest first.
    pub fn files(&self) -> Result<Vec<PathBuf>, SinkError> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(SinkError::Io {
                    path: self.dir.clone(),
                    source,
                })
            }
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
            .collect();
        files.sort();
        Ok(files)
    }

    /// Reads a spool file back into a batch. A line that is not a spooled row is an error
    /// naming the file and line.
    pub fn read(path: &Path) -> Result<Batch, SinkError> {
        let file = File::open(path).map_err(|source| SinkError::Io {
            path: path.to_owned(),
            source,
        })?;
        let mut batch = Batch::new();
        super::jsonl::for_each_line(file, path, |line, bad| {
            let parsed: Line = serde_json::from_str(line).map_err(|e| {
                bad(format!(
                    "not a spooled row ({e}); expected {{\"table\":…,\"row\":{{…}}}}"
                ))
            })?;
            let table = Table::from_name(&parsed.table)
                .ok_or_else(|| bad(format!("unknown table '{}'", parsed.table)))?;
            batch.extend_values(table, [parsed.row]);
            Ok(())
        })?;
        Ok(batch)
    }

    /// After a replay: removes the file when nothing is left, else rewrites it with what is.
    pub fn settle(path: &Path, left: &Batch) -> Result<(), SinkError> {
        let io = |source| SinkError::Io {
            path: path.to_owned(),
            source,
        };
        if left.is_empty() {
            return fs::remove_file(path).map_err(io);
        }
        let tmp = path.with_extension("jsonl.tmp");
        write_lines(&tmp, left).map_err(io)?;
        fs::rename(&tmp, path).map_err(io)
    }
}

fn write_lines(path: &Path, batch: &Batch) -> std::io::Result<()> {
    let tmp = path.with_extension("partial");
    {
        let mut out = BufWriter::new(File::create(&tmp)?);
        for (table, rows) in batch.groups() {
            for row in rows {
                let line = Line {
                    table: table.name().to_owned(),
                    row: row.clone(),
                };
                serde_json::to_writer(&mut out, &line)?;
                out.write_all(b"\n")?;
            }
        }
        out.flush()?;
        out.get_ref().sync_all()?;
    }
    fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn spool_round_trips_and_settles() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::under(dir.path());
        let mut batch = Batch::new();
        batch.extend_values(Table::PrEvents, [json!({"a": 1}), json!({"a": 2})]);
        batch.extend_values(Table::TestRuns, [json!({"b": "x"})]);
        let path = spool.write(&batch).unwrap();
        assert_eq!(spool.files().unwrap(), vec![path.clone()]);
        assert_eq!(Spool::read(&path).unwrap(), batch);

        let mut left = Batch::new();
        left.extend_values(Table::TestRuns, [json!({"b": "x"})]);
        Spool::settle(&path, &left).unwrap();
        assert_eq!(Spool::read(&path).unwrap(), left);
        Spool::settle(&path, &Batch::new()).unwrap();
        assert!(spool.files().unwrap().is_empty());
    }

    #[test]
    fn a_bad_spool_line_names_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.jsonl");
        fs::write(
            &path,
            "{\"table\":\"pr_events\",\"row\":{}}\n{\"table\":\"nope\",\"row\":{}}\n",
        )
        .unwrap();
        let err = Spool::read(&path).unwrap_err().to_string();
        assert!(err.ends_with("x.jsonl:2: unknown table 'nope'"), "{err}");
    }
}
