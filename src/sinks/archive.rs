//! The retention archive `devmetrics prune` writes before it deletes anything: one gzip JSONL
//! file per table and month, `<archive-dir>/<owner>/<name>/<table>/<YYYY-MM>.jsonl.gz`, and one
//! manifest per run, `<archive-dir>/<owner>/<name>/manifest-<UTC time>.json`, listing every
//! file with its row count and the sha256 of its bytes.
//!
//! A line is a spool line with the row's id beside it:
//! `{"table":"test_runs","id":42,"row":{…every other column…}}`. The row is exactly what the
//! database holds (as PostgREST sends it), so a file can be loaded back by `psql` with
//! `jsonb_populate_record` (the id too), or, gunzipped into the spool directory, by
//! `devmetrics replay` (new ids: the spool reader ignores `id`). See docs/retention.md.
//!
//! A file is written whole (in memory, then `create_new`, synced): an existing archive file is
//! never overwritten. [`Archive::verify`] reads a file back from disk and returns the rows it
//! holds only when its checksum, its row count and every row equal what was written: the rows
//! `prune` deletes are those read from the file, never from memory.

use crate::rows::Table;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::fmt;
use std::fs::{self, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The manifest's `format`.
pub const FORMAT: &str = "devmetrics-archive/1";

/// A calendar month (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    /// The year.
    pub year: i32,
    /// 1 to 12.
    pub month: u32,
}

impl Month {
    /// The month holding `time` (UTC).
    pub fn of(time: DateTime<Utc>) -> Month {
        Month {
            year: time.year(),
            month: time.month(),
        }
    }

    /// 00:00 UTC of its first day.
    pub fn start(self) -> DateTime<Utc> {
        NaiveDate::from_ymd_opt(self.year, self.month, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .expect("the first of a month exists")
            .and_utc()
    }

    /// The month after.
    pub fn next(self) -> Month {
        if self.month == 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                month: self.month + 1,
                ..self
            }
        }
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// Why the archive could not be written or does not read back as written. In every case
/// nothing has been deleted.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// The repository's name cannot name a directory (`owner/name` of letters, digits, `.`,
    /// `_`, `-`).
    #[error("'{0}' is not owner/name: the archive directory is named after it")]
    BadRepository(String),
    /// A directory or file could not be created or written.
    #[error("{}: {source}", path.display())]
    Write {
        /// The file or directory.
        path: PathBuf,
        /// The cause (no space left, not a directory, read-only file system...).
        source: std::io::Error,
    },
    /// The file already exists: an archive file is never overwritten.
    #[error("{} already exists (an archive file is never overwritten)", path.display())]
    Exists {
        /// The file.
        path: PathBuf,
    },
    /// A row as read from the database has no numeric `id`.
    #[error("a row of {table} has no numeric id")]
    NoId {
        /// The table.
        table: Table,
    },
    /// The file on disk is not what was written.
    #[error("{}: {problem}", path.display())]
    ReadBack {
        /// The file.
        path: PathBuf,
        /// What differs.
        problem: String,
    },
}

/// One archive file, as the manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchivedFile {
    /// Relative to the manifest's directory: `<table>/<YYYY-MM>.jsonl.gz`.
    pub path: String,
    /// The table's name.
    pub table: String,
    /// `YYYY-MM`.
    pub month: String,
    /// Rows (lines) in it.
    pub rows: usize,
    /// sha256 of the file's bytes (the gzip file, as `sha256sum` computes it), lowercase hex.
    pub sha256: String,
    /// sha256 of its JSONL, unzipped (`gunzip -c <file> | sha256sum`): of the rows as they were
    /// read from the database.
    pub jsonl_sha256: String,
    /// The smallest and largest id in it.
    pub first_id: i64,
    /// The largest id in it.
    pub last_id: i64,
}

/// What one `prune` run archived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`FORMAT`].
    pub format: String,
    /// `owner/name`.
    pub repository: String,
    /// Rows whose event time was before it were archived (RFC 3339, UTC).
    pub cut_off: String,
    /// When the archive was written (RFC 3339, UTC).
    pub created_at: String,
    /// The tables looked at (also those with nothing to archive).
    pub tables: Vec<String>,
    /// The files, in the order they were written.
    pub files: Vec<ArchivedFile>,
}

/// One line of an archive file.
#[derive(Serialize, Deserialize)]
struct Line {
    table: String,
    id: i64,
    row: Map<String, Value>,
}

/// The archive of one repository: `<root>/<owner>/<name>/`.
#[derive(Debug, Clone)]
pub struct Archive {
    dir: PathBuf,
}

impl Archive {
    /// The archive of `repository` under `root`. Nothing is created yet.
    pub fn for_repository(root: &Path, repository: &str) -> Result<Archive, ArchiveError> {
        let part_ok = |p: &str| {
            !p.is_empty()
                && p != "."
                && p != ".."
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        };
        match repository.split_once('/') {
            Some((owner, name)) if part_ok(owner) && part_ok(name) => Ok(Archive {
                dir: root.join(owner).join(name),
            }),
            _ => Err(ArchiveError::BadRepository(repository.to_owned())),
        }
    }

    /// `<root>/<owner>/<name>`.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the rows of `table` in `month` go, relative to [`Archive::dir`].
    pub fn relative_path(table: Table, month: Month) -> String {
        format!("{}/{month}.jsonl.gz", table.name())
    }

    /// Writes the rows of `table` in `month` (as read from the database, with their `id`) to a
    /// new file, whole and synced. Fails when the file exists.
    pub fn write(
        &self,
        table: Table,
        month: Month,
        rows: &[Value],
    ) -> Result<ArchivedFile, ArchiveError> {
        let relative = Self::relative_path(table, month);
        let path = self.dir.join(&relative);
        let mut gz = GzEncoder::new(Vec::new(), Compression::default());
        let mut jsonl = Sha256::new();
        let mut text = Vec::new();
        let (mut first_id, mut last_id) = (i64::MAX, i64::MIN);
        for row in rows {
            let (id, row) = split_id(table, row)?;
            first_id = first_id.min(id);
            last_id = last_id.max(id);
            let line = Line {
                table: table.name().to_owned(),
                id,
                row,
            };
            text.clear();
            serde_json::to_writer(&mut text, &line).expect("JSON values serialize");
            text.push(b'\n');
            jsonl.update(&text);
            gz.write_all(&text).expect("writing to memory succeeds");
        }
        let bytes = gz.finish().expect("writing to memory succeeds");
        let write_err = |path: &Path| {
            let path = path.to_owned();
            move |source| ArchiveError::Write { path, source }
        };
        let parent = path.parent().expect("an archive file has a directory");
        fs::create_dir_all(parent).map_err(write_err(parent))?;
        write_new(&path, &bytes)?;
        Ok(ArchivedFile {
            path: relative,
            table: table.name().to_owned(),
            month: month.to_string(),
            rows: rows.len(),
            sha256: hex_sha256(&bytes),
            jsonl_sha256: hex(&jsonl.finalize()),
            first_id,
            last_id,
        })
    }

    /// Reads `file` back from disk and checks it against what was written: the sha256 of its
    /// bytes, that it unzips to the JSONL written (its sha256: the rows as read from the
    /// database), that every line is an archive line of its table, and the row count. Returns
    /// the rows, their ids included.
    pub fn verify(&self, file: &ArchivedFile) -> Result<Vec<Value>, ArchiveError> {
        let path = self.dir.join(&file.path);
        let bad = |problem: String| ArchiveError::ReadBack {
            path: path.clone(),
            problem,
        };
        let bytes = fs::read(&path).map_err(|e| bad(format!("could not read it back: {e}")))?;
        let sha256 = hex_sha256(&bytes);
        if sha256 != file.sha256 {
            return Err(bad(format!(
                "its sha256 is {sha256}, and {} was written ({} bytes on disk)",
                file.sha256,
                bytes.len()
            )));
        }
        let mut text = Vec::new();
        GzDecoder::new(bytes.as_slice())
            .read_to_end(&mut text)
            .map_err(|e| bad(format!("it does not unzip: {e}")))?;
        let jsonl_sha256 = hex_sha256(&text);
        if jsonl_sha256 != file.jsonl_sha256 {
            return Err(bad(format!(
                "it unzips to JSONL of sha256 {jsonl_sha256}, and {} was written",
                file.jsonl_sha256
            )));
        }
        let mut rows = Vec::with_capacity(file.rows);
        for (n, text) in text.split(|b| *b == b'\n').enumerate() {
            if text.is_empty() {
                continue;
            }
            let line: Line = serde_json::from_slice(text)
                .map_err(|e| bad(format!("line {}: not an archive line: {e}", n + 1)))?;
            if line.table != file.table {
                return Err(bad(format!(
                    "line {}: a row of {}, in the file of {}",
                    n + 1,
                    line.table,
                    file.table
                )));
            }
            let mut row = line.row;
            row.insert("id".into(), Value::from(line.id));
            rows.push(Value::Object(row));
        }
        if rows.len() != file.rows {
            return Err(bad(format!(
                "it holds {} rows, and {} were written",
                rows.len(),
                file.rows
            )));
        }
        Ok(rows)
    }

    /// Writes the manifest to a new file beside the tables' directories and reads it back;
    /// returns its path.
    pub fn write_manifest(&self, manifest: &Manifest) -> Result<PathBuf, ArchiveError> {
        let stamp = manifest
            .created_at
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>();
        let path = self.dir.join(format!("manifest-{stamp}.json"));
        let mut text = serde_json::to_string_pretty(manifest).expect("a manifest serializes");
        text.push('\n');
        fs::create_dir_all(&self.dir).map_err(|source| ArchiveError::Write {
            path: self.dir.clone(),
            source,
        })?;
        write_new(&path, text.as_bytes())?;
        let back = fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice::<Manifest>(&b).ok());
        if back.as_ref() != Some(manifest) {
            return Err(ArchiveError::ReadBack {
                path,
                problem: "the manifest does not read back as written".into(),
            });
        }
        Ok(path)
    }
}

/// Reads an archive file: its lines as (table, id, row without id), for tools and tests.
pub fn read_file(path: &Path) -> Result<Vec<(Table, i64, Value)>, ArchiveError> {
    let bad = |problem: String| ArchiveError::ReadBack {
        path: path.to_owned(),
        problem,
    };
    let file = fs::File::open(path).map_err(|e| bad(e.to_string()))?;
    let mut text = String::new();
    GzDecoder::new(file)
        .read_to_string(&mut text)
        .map_err(|e| bad(format!("it does not unzip: {e}")))?;
    text.lines()
        .enumerate()
        .map(|(n, l)| {
            let line: Line = serde_json::from_str(l)
                .map_err(|e| bad(format!("line {}: not an archive line: {e}", n + 1)))?;
            let table = Table::from_name(&line.table)
                .ok_or_else(|| bad(format!("line {}: unknown table", n + 1)))?;
            Ok((table, line.id, Value::Object(line.row)))
        })
        .collect()
}

/// A row's id and its other columns.
fn split_id(table: Table, row: &Value) -> Result<(i64, Map<String, Value>), ArchiveError> {
    let mut row = row.as_object().cloned().unwrap_or_default();
    match row.remove("id").as_ref().and_then(Value::as_i64) {
        Some(id) => Ok((id, row)),
        None => Err(ArchiveError::NoId { table }),
    }
}

/// Writes `bytes` to a new file (never over one) and syncs it and its directory.
fn write_new(path: &Path, bytes: &[u8]) -> Result<(), ArchiveError> {
    let write_err = |source| ArchiveError::Write {
        path: path.to_owned(),
        source,
    };
    let mut file = match OpenOptions::new().write(true).create_new(true).open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(ArchiveError::Exists {
                path: path.to_owned(),
            })
        }
        Err(e) => return Err(write_err(e)),
    };
    file.write_all(bytes).map_err(write_err)?;
    file.sync_all().map_err(write_err)?;
    super::jsonl::sync_dir(path.parent().unwrap_or(Path::new("."))).map_err(write_err)
}

fn hex_sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rows() -> Vec<Value> {
        vec![
            json!({"id": 7, "repository": "o/r", "run_id": "a", "metadata": {"k": "line\nbreak \\ \u{e9}"}}),
            json!({"id": 9, "repository": "o/r", "run_id": "b", "metadata": {}}),
        ]
    }

    #[test]
    fn a_file_reads_back_with_its_ids_and_rows_and_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let archive = Archive::for_repository(dir.path(), "o/r").unwrap();
        let month = Month::of("2024-02-29T23:59:59Z".parse().unwrap());
        assert_eq!(month.to_string(), "2024-02");
        let file = archive.write(Table::TestRuns, month, &rows()).unwrap();
        assert_eq!(file.path, "test_runs/2024-02.jsonl.gz");
        assert_eq!((file.rows, file.first_id, file.last_id), (2, 7, 9));
        assert_eq!(archive.verify(&file).unwrap(), rows());
        let lines = read_file(&dir.path().join("o/r/test_runs/2024-02.jsonl.gz")).unwrap();
        assert_eq!(lines[0].1, 7);
        assert_eq!(lines[0].2["metadata"]["k"], "line\nbreak \\ \u{e9}");
        assert!(lines[0].2.get("id").is_none());
        assert!(matches!(
            archive.write(Table::TestRuns, month, &rows()),
            Err(ArchiveError::Exists { .. })
        ));
    }

    #[test]
    fn a_file_that_differs_from_what_was_written_does_not_verify() {
        let dir = tempfile::tempdir().unwrap();
        let archive = Archive::for_repository(dir.path(), "o/r").unwrap();
        let month = Month {
            year: 2023,
            month: 12,
        };
        let file = archive.write(Table::PrEvents, month, &rows()).unwrap();
        let path = archive.dir().join(&file.path);
        // Another file of other rows in its place, whole and valid: its JSONL differs.
        let other = Archive::for_repository(&dir.path().join("x"), "o/r").unwrap();
        let mut changed = rows();
        changed[1]["run_id"] = json!("c");
        let written = other.write(Table::PrEvents, month, &changed).unwrap();
        fs::copy(other.dir().join(&written.path), &path).unwrap();
        let forged = ArchivedFile {
            sha256: written.sha256.clone(),
            ..file.clone()
        };
        let err = archive.verify(&forged).unwrap_err().to_string();
        assert!(err.contains("unzips to JSONL of sha256"), "{err}");
        // Truncated on disk: the file's checksum differs.
        let bytes = fs::read(other.dir().join(&written.path)).unwrap();
        fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        let err = archive.verify(&file).unwrap_err().to_string();
        assert!(err.contains("its sha256 is"), "{err}");
    }

    #[test]
    fn repositories_that_cannot_name_a_directory_are_refused() {
        for bad in ["o", "../x", "o/..", "o/r/s", "o/ r", ""] {
            assert!(
                Archive::for_repository(Path::new("a"), bad).is_err(),
                "{bad}"
            );
        }
        assert_eq!(
            Month {
                year: 2024,
                month: 12
            }
            .next()
            .start()
            .to_rfc3339(),
            "2025-01-01T00:00:00+00:00"
        );
    }
}
