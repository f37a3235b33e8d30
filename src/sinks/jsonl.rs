//! The JSONL sink, the embedded default: one file per table, `<dir>/<table>.jsonl`, one JSON
//! object per line, with the same fields as the table's columns. Rows are deduplicated by the
//! table's natural key, so recording the same event twice adds nothing.
//!
//! Appends can be torn by a crash (a last line without its line end, or with garbage a file
//! system left after a power loss). Before the next write such a tail is moved aside to
//! `<table>.jsonl.torn-<UTC time>` (never deleted) and the write goes on; the sink keeps a
//! [`TornTail`] for the command to report ([`JsonlSink::take_recovered`]).

use super::{natural_key, Query, Sink, SinkError, TableWrite};
use crate::rows::{OnDuplicate, Table};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Writes rows to `<dir>/<table>.jsonl`.
#[derive(Debug, Clone)]
pub struct JsonlSink {
    dir: PathBuf,
    recovered: Arc<Mutex<Vec<TornTail>>>,
}

/// A torn last line that was moved aside before a write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TornTail {
    /// The JSONL file.
    pub file: PathBuf,
    /// The 1-based line where the torn tail began.
    pub line: usize,
    /// Where the tail's bytes are now.
    pub moved_to: PathBuf,
    /// How many bytes were moved.
    pub bytes: usize,
}

impl fmt::Display for TornTail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: the last line was cut short (a write interrupted by a crash?); moved it \
             ({} bytes) to {} and kept the rows before it; look at it and delete it, or repair \
             the row and append it to the file",
            self.file.display(),
            self.line,
            self.bytes,
            self.moved_to.display()
        )
    }
}

impl JsonlSink {
    /// A sink writing into `dir` (created when needed).
    pub fn new(dir: impl Into<PathBuf>) -> JsonlSink {
        JsonlSink {
            dir: dir.into(),
            recovered: Arc::default(),
        }
    }

    /// The torn tails moved aside by writes since the last call, for the command to report.
    pub fn take_recovered(&self) -> Vec<TornTail> {
        std::mem::take(&mut *self.recovered.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// The file of one table.
    pub fn path(&self, table: Table) -> PathBuf {
        self.dir.join(format!("{}.jsonl", table.name()))
    }

    fn write_rows(&self, table: Table, rows: &[Value]) -> Result<usize, SinkError> {
        let path = self.path(table);
        let io = |source| SinkError::Io {
            path: path.clone(),
            source,
        };
        fs::create_dir_all(&self.dir).map_err(|source| SinkError::Io {
            path: self.dir.clone(),
            source,
        })?;
        let existing = match recover(&path)? {
            (rows, Some(torn)) => {
                self.recovered
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(torn);
                rows
            }
            (rows, None) => rows,
        };
        match table.on_duplicate() {
            OnDuplicate::Ignore => {
                let mut seen: HashSet<String> = existing
                    .iter()
                    .filter_map(|row| natural_key(table, row))
                    .collect();
                let file = OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&path)
                    .map_err(io)?;
                let mut out = BufWriter::new(file);
                let mut inserted = 0;
                for row in rows {
                    let key = natural_key(table, row).ok_or_else(|| missing_key(table))?;
                    if seen.insert(key) {
                        serde_json::to_writer(&mut out, row).map_err(|e| io(e.into()))?;
                        out.write_all(b"\n").map_err(io)?;
                        inserted += 1;
                    }
                }
                out.flush().map_err(io)?;
                out.get_ref().sync_data().map_err(io)?;
                Ok(inserted)
            }
            OnDuplicate::Replace => {
                // Keep file order; replaced rows stay where they were.
                let mut order: Vec<String> = Vec::new();
                let mut by_key: HashMap<String, Value> = HashMap::new();
                let mut stored_before = 0;
                for row in existing {
                    let key = natural_key(table, &row).ok_or_else(|| missing_key(table))?;
                    if by_key.insert(key.clone(), row).is_none() {
                        order.push(key);
                        stored_before += 1;
                    }
                }
                for row in rows.iter().cloned() {
                    let key = natural_key(table, &row).ok_or_else(|| missing_key(table))?;
                    if by_key.insert(key.clone(), row).is_none() {
                        order.push(key);
                    }
                }
                let inserted = order.len() - stored_before;
                let tmp = path.with_extension("jsonl.tmp");
                {
                    let mut out = BufWriter::new(File::create(&tmp).map_err(io)?);
                    for key in &order {
                        serde_json::to_writer(&mut out, &by_key[key]).map_err(|e| io(e.into()))?;
                        out.write_all(b"\n").map_err(io)?;
                    }
                    out.flush().map_err(io)?;
                    out.get_ref().sync_data().map_err(io)?;
                }
                fs::rename(&tmp, &path).map_err(io)?;
                sync_dir(&self.dir).map_err(|source| SinkError::Io {
                    path: self.dir.clone(),
                    source,
                })?;
                Ok(inserted)
            }
        }
    }
}

fn missing_key(table: Table) -> SinkError {
    SinkError::BadLine {
        path: PathBuf::from(format!("<{table} row>")),
        line: 0,
        problem: format!(
            "a row lacks a natural key column ({})",
            table.natural_key().join(", ")
        ),
    }
}

/// Reads every row of a JSONL file; a missing file has none. A line that is not a JSON object
/// is an error naming the file and line, except a torn last line (see [`recover`]), which is
/// left out.
pub fn read_rows(path: &Path) -> Result<Vec<Value>, SinkError> {
    Ok(read_contents(path)?.0)
}

/// How a JSONL file ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tail {
    /// With a complete line and its line end (or empty).
    Clean,
    /// With a complete row that lacks its line end.
    MissingNewline,
    /// With a torn last line starting at byte `offset`, line `line` (1-based).
    Torn { offset: usize, line: usize },
}

fn read_contents(path: &Path) -> Result<(Vec<Value>, Tail), SinkError> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), Tail::Clean)),
        Err(source) => {
            return Err(SinkError::Io {
                path: path.to_owned(),
                source,
            })
        }
    };
    parse_rows(&bytes, path)
}

/// A line is blank when it holds only whitespace or NUL bytes (a file system can leave NULs
/// after a crash where data was never written).
fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|b| b.is_ascii_whitespace() || *b == 0)
}

fn parse_rows(bytes: &[u8], path: &Path) -> Result<(Vec<Value>, Tail), SinkError> {
    // (start offset, line bytes without the line end, ended by a line end)
    let mut lines = Vec::new();
    let mut start = 0;
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'\n' {
            lines.push((start, &bytes[start..i], true));
            start = i + 1;
        }
    }
    if start < bytes.len() {
        lines.push((start, &bytes[start..], false));
    }
    let last = lines.iter().rposition(|(_, line, _)| !is_blank(line));
    let mut rows = Vec::new();
    let mut tail = Tail::Clean;
    for (index, (offset, line, ended)) in lines.iter().enumerate() {
        if is_blank(line) {
            // NULs at the very end are a torn tail too, even after the last row.
            if !*ended && line.contains(&0) && tail == Tail::Clean {
                tail = Tail::Torn {
                    offset: *offset,
                    line: index + 1,
                };
            }
            continue;
        }
        let bad = |problem: String| SinkError::BadLine {
            path: path.to_owned(),
            line: index + 1,
            problem,
        };
        match serde_json::from_slice::<Value>(line) {
            Ok(value @ Value::Object(_)) => {
                rows.push(value);
                if Some(index) == last && !*ended {
                    tail = Tail::MissingNewline;
                }
            }
            Ok(_) => return Err(bad("not a JSON object; fix or delete the line".into())),
            // Only the last line can be torn by an append; anything before it is damage a
            // person must look at.
            Err(_) if Some(index) == last => {
                tail = Tail::Torn {
                    offset: *offset,
                    line: index + 1,
                };
                break;
            }
            Err(e) => return Err(bad(format!("not JSON ({e}); fix or delete the line"))),
        }
    }
    Ok((rows, tail))
}

/// Reads a JSONL file's rows and repairs how it ends, so that the next append lands on a line
/// of its own: a complete last row without its line end gets one; a torn last line (not JSON:
/// an append cut short) is moved to `<file>.torn-<UTC time>` (a new file, never overwriting)
/// and cut off the file. Returns the rows and the tail moved aside, if any.
pub fn recover(path: &Path) -> Result<(Vec<Value>, Option<TornTail>), SinkError> {
    let io = |source| SinkError::Io {
        path: path.to_owned(),
        source,
    };
    let (rows, tail) = read_contents(path)?;
    match tail {
        Tail::Clean => Ok((rows, None)),
        Tail::MissingNewline => {
            let mut file = OpenOptions::new().append(true).open(path).map_err(io)?;
            file.write_all(b"\n").map_err(io)?;
            file.sync_data().map_err(io)?;
            Ok((rows, None))
        }
        Tail::Torn { offset, line } => {
            let bytes = fs::read(path).map_err(io)?;
            let torn = &bytes[offset.min(bytes.len())..];
            let moved_to = write_aside(path, torn)?;
            let file = OpenOptions::new().write(true).open(path).map_err(io)?;
            file.set_len(offset as u64).map_err(io)?;
            file.sync_all().map_err(io)?;
            Ok((
                rows,
                Some(TornTail {
                    file: path.to_owned(),
                    line,
                    moved_to,
                    bytes: torn.len(),
                }),
            ))
        }
    }
}

/// Writes `bytes` to a new `<file>.torn-<UTC time>[-n]` beside `path`, durably.
fn write_aside(path: &Path, bytes: &[u8]) -> Result<PathBuf, SinkError> {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
    let base = format!("{}.torn-{stamp}", path.display());
    for n in 0..100 {
        let aside = if n == 0 {
            PathBuf::from(&base)
        } else {
            PathBuf::from(format!("{base}-{n}"))
        };
        let io = |source| SinkError::Io {
            path: aside.clone(),
            source,
        };
        match OpenOptions::new().write(true).create_new(true).open(&aside) {
            Ok(mut file) => {
                file.write_all(bytes).map_err(io)?;
                file.sync_all().map_err(io)?;
                if let Some(dir) = aside.parent() {
                    sync_dir(dir).map_err(io)?;
                }
                return Ok(aside);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io(e)),
        }
    }
    Err(SinkError::Io {
        path: PathBuf::from(base),
        source: std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            "100 files of this name already exist",
        ),
    })
}

/// Makes a rename or a new file in `dir` durable (Unix: fsync of the directory).
pub(crate) fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Calls `each` with every non-blank line of a JSONL file and a maker of errors that name the
/// file and that line.
pub(crate) fn for_each_line(
    file: File,
    path: &Path,
    mut each: impl FnMut(&str, &dyn Fn(String) -> SinkError) -> Result<(), SinkError>,
) -> Result<(), SinkError> {
    for (index, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|source| SinkError::Io {
            path: path.to_owned(),
            source,
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let bad = |problem: String| SinkError::BadLine {
            path: path.to_owned(),
            line: index + 1,
            problem,
        };
        each(&line, &bad)?;
    }
    Ok(())
}

impl Sink for JsonlSink {
    fn describe(&self) -> String {
        format!("local files in {}/", self.dir.display())
    }

    async fn write(&self, table: Table, rows: &[Value]) -> TableWrite {
        match self.write_rows(table, rows) {
            Ok(inserted) => TableWrite {
                accepted: rows.len(),
                inserted,
                ..TableWrite::empty(table, rows.len())
            },
            Err(error) => TableWrite::failed(table, rows, error),
        }
    }

    async fn query(&self, query: &Query) -> Result<Vec<Value>, SinkError> {
        let mut rows: Vec<Value> = read_rows(&self.path(query.table))?
            .into_iter()
            .filter(|row| {
                query
                    .equals
                    .iter()
                    .all(|(column, value)| match row.get(column) {
                        Some(Value::String(s)) => s == value,
                        Some(other) => {
                            serde_json::from_str::<Value>(value).is_ok_and(|v| v == *other)
                        }
                        None => false,
                    })
            })
            .collect();
        if let Some(column) = &query.newest_first_by {
            // Timestamps are RFC 3339 UTC strings: text order is time order.
            rows.sort_by(|a, b| {
                let key = |v: &Value| v.get(column).map(|x| x.to_string()).unwrap_or_default();
                key(b).cmp(&key(a))
            });
        }
        rows.truncate(query.limit);
        Ok(rows)
    }
}

#[cfg(test)]
mod tests;
