//! The quarantine: rows that were refused (by devmetrics' own check of the table's constraints,
//! or by the database) and are therefore neither written nor spooled: replaying them as they are
//! would fail forever. One file per run, `<dir>/quarantine/<UTC time>-<pid>.jsonl`, one line per
//! row: `{"table":…,"refused_by":…,"code":…,"message":…,"details":…,"row":{…}}`.
//!
//! A line is also a valid spool line (the spool reads `table` and `row` only): once the row is
//! fixed, moving the file into the spool directory and running `devmetrics replay` sends it.
//! Rows are cleaned and redacted before they get here; the file holds no URL and no key.

use super::spool::{new_file_names, write_new_file};
use super::{SinkError, Spool};
use crate::rows::clean::{Quarantined, RefusedBy};
use serde::Serialize;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The quarantine directory.
#[derive(Debug, Clone)]
pub struct Quarantine {
    dir: PathBuf,
}

#[derive(Serialize)]
struct Line<'a> {
    table: &'static str,
    refused_by: RefusedBy,
    code: &'a str,
    message: &'a str,
    details: Option<&'a str>,
    row: &'a Value,
}

impl Quarantine {
    /// The quarantine next to `spool` (both live in the output directory).
    pub fn beside(spool: &Spool) -> Quarantine {
        Quarantine {
            dir: spool.dir().with_file_name("quarantine"),
        }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes `rows` to a new quarantine file, durably: written to a temporary name, synced,
    /// renamed into place, and the directory synced.
    pub fn write<'a>(
        &self,
        rows: impl IntoIterator<Item = &'a Quarantined> + Clone,
    ) -> Result<PathBuf, SinkError> {
        write_new_file(&self.dir, "quarantine", new_file_names(), |out| {
            for q in rows.clone() {
                let line = Line {
                    table: q.table.name(),
                    refused_by: q.refused_by,
                    code: &q.code,
                    message: &q.message,
                    details: q.details.as_deref(),
                    row: &q.row,
                };
                serde_json::to_writer(&mut *out, &line)?;
                out.write_all(b"\n")?;
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::Table;
    use serde_json::json;
    use std::fs;

    #[test]
    fn a_quarantine_file_reads_back_as_a_spool_file_once_moved() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::under(dir.path());
        let quarantine = Quarantine::beside(&spool);
        assert_eq!(quarantine.dir(), dir.path().join("quarantine"));
        let q = Quarantined {
            table: Table::TestRuns,
            row: json!({"run_id": "1", "total_tests": 3}),
            refused_by: RefusedBy::Server,
            code: "22008".into(),
            message: "date/time field value out of range".into(),
            details: None,
        };
        let path = quarantine.write([&q]).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        let line: Value = serde_json::from_str(text.trim()).unwrap();
        assert_eq!(line["table"], "test_runs");
        assert_eq!(line["refused_by"], "server");
        assert_eq!(line["code"], "22008");
        assert_eq!(line["row"]["total_tests"], 3);

        fs::create_dir_all(spool.dir()).unwrap();
        let moved = spool.dir().join(path.file_name().unwrap());
        fs::rename(&path, &moved).unwrap();
        let batch = Spool::read(&moved).unwrap();
        assert_eq!(batch.count(Table::TestRuns), 1);
    }
}
