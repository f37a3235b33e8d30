//! The spool: rows that could not be written, kept on disk until `devmetrics replay` sends
//! them. One file per failed run, `<dir>/spool/<UTC time>-<pid>.jsonl`, one line per row:
//! `{"table":"pr_events","row":{…}}`. Rows only: no URL, no key, nothing secret.
//!
//! A spool file never overwrites another: its name is taken with `create_new`, the rows are
//! written to a `.partial` file (also `create_new`), synced, renamed into place, and the
//! directory is synced so that the rename survives a crash.

use super::SinkError;
use crate::rows::{Batch, Table};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fs::{self, File, OpenOptions};
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

    /// Writes `batch` to a new spool file, durably (written, synced, then renamed into place),
    /// never over an existing one.
    pub fn write(&self, batch: &Batch) -> Result<PathBuf, SinkError> {
        self.write_named(batch, new_file_names())
    }

    /// Writes `batch` under the first of `names` that does not exist yet.
    fn write_named(
        &self,
        batch: &Batch,
        names: impl IntoIterator<Item = String>,
    ) -> Result<PathBuf, SinkError> {
        write_new_file(&self.dir, "spool", names, |out| write_batch(out, batch))
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
            fs::remove_file(path).map_err(io)?;
            return super::jsonl::sync_dir(path.parent().unwrap_or(Path::new("."))).map_err(io);
        }
        write_lines(path, &|out: &mut BufWriter<File>| write_batch(out, left)).map_err(io)
    }
}

/// Writes `batch` to `<path without .jsonl>.partial` (a new file), syncs it, renames it to
/// `path` and syncs the directory.
/// One spool line per row.
fn write_batch(out: &mut BufWriter<File>, batch: &Batch) -> std::io::Result<()> {
    for (table, rows) in batch.groups() {
        for row in rows {
            let line = Line {
                table: table.name().to_owned(),
                row: row.clone(),
            };
            serde_json::to_writer(&mut *out, &line)?;
            out.write_all(b"\n")?;
        }
    }
    Ok(())
}

/// Names for a new file: the UTC time, the process id and a random suffix (100 tries).
pub(super) fn new_file_names() -> impl Iterator<Item = String> {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ").to_string();
    let pid = std::process::id();
    (0..100).map(move |_| format!("{stamp}-{pid}-{:04x}.jsonl", fastrand::u16(..)))
}

/// Writes a new file in `dir` (`what`: the spool, the quarantine) under the first of `names`
/// not taken, durably: the name is taken with `create_new` (no other run's file is ever
/// replaced), `body` writes the lines to a `.partial` file (one left by a crash is replaced),
/// which is synced, renamed over the taken name, and the directory synced.
pub(super) fn write_new_file(
    dir: &Path,
    what: &str,
    names: impl IntoIterator<Item = String>,
    body: impl Fn(&mut BufWriter<File>) -> std::io::Result<()>,
) -> Result<PathBuf, SinkError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| SinkError::Io { path, source }
    };
    fs::create_dir_all(dir).map_err(io(dir))?;
    for name in names {
        let path = dir.join(name);
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io(&path)(e)),
        }
        return match write_lines(&path, &body) {
            Ok(()) => Ok(path),
            Err(e) => {
                let _ = fs::remove_file(&path);
                Err(io(&path)(e))
            }
        };
    }
    Err(io(dir)(std::io::Error::new(
        std::io::ErrorKind::AlreadyExists,
        format!("no free {what} file name: move or delete old files in this directory"),
    )))
}

fn write_lines(
    path: &Path,
    body: &impl Fn(&mut BufWriter<File>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let tmp = path.with_extension("partial");
    let create = || OpenOptions::new().write(true).create_new(true).open(&tmp);
    let file = match create() {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            // Left by an interrupted write of this same file: it holds nothing else's rows.
            fs::remove_file(&tmp)?;
            create()?
        }
        other => other?,
    };
    {
        let mut out = BufWriter::new(file);
        body(&mut out)?;
        out.flush()?;
        out.get_ref().sync_all()?;
    }
    fs::rename(&tmp, path)?;
    super::jsonl::sync_dir(path.parent().unwrap_or(Path::new(".")))
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
    fn a_spool_name_that_is_taken_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::under(dir.path());
        fs::create_dir_all(spool.dir()).unwrap();
        let taken = spool.dir().join("taken.jsonl");
        let earlier = "{\"table\":\"pr_events\",\"row\":{\"earlier\":true}}\n";
        fs::write(&taken, earlier).unwrap();
        let mut batch = Batch::new();
        batch.extend_values(Table::PrEvents, [json!({"later": true})]);

        let path = spool
            .write_named(&batch, ["taken.jsonl".into(), "free.jsonl".into()])
            .unwrap();
        assert_eq!(path, spool.dir().join("free.jsonl"));
        assert_eq!(fs::read_to_string(&taken).unwrap(), earlier);
        assert_eq!(Spool::read(&path).unwrap(), batch);

        // With every name taken, the write fails and nothing is replaced.
        let err = spool
            .write_named(&batch, ["taken.jsonl".into(), "free.jsonl".into()])
            .unwrap_err();
        assert!(err.to_string().contains("no free spool file name"), "{err}");
        assert_eq!(fs::read_to_string(&taken).unwrap(), earlier);
        assert_eq!(spool.files().unwrap().len(), 2);
    }

    #[test]
    fn a_partial_file_left_by_a_crash_does_not_block_the_next_write() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::under(dir.path());
        fs::create_dir_all(spool.dir()).unwrap();
        fs::write(spool.dir().join("next.partial"), "{\"tab").unwrap();
        let mut batch = Batch::new();
        batch.extend_values(Table::TestRuns, [json!({"b": 1})]);
        let path = spool.write_named(&batch, ["next.jsonl".into()]).unwrap();
        assert_eq!(Spool::read(&path).unwrap(), batch);
        assert!(!spool.dir().join("next.partial").exists());
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
