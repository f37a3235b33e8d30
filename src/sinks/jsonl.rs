//! The JSONL sink, the embedded default: one file per table, `<dir>/<table>.jsonl`, one JSON
//! object per line, with the same fields as the table's columns. Rows are deduplicated by the
//! table's natural key, so recording the same event twice adds nothing.

use super::{natural_key, Query, Sink, SinkError, TableWrite};
use crate::rows::{OnDuplicate, Table};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Writes rows to `<dir>/<table>.jsonl`.
#[derive(Debug, Clone)]
pub struct JsonlSink {
    dir: PathBuf,
}

impl JsonlSink {
    /// A sink writing into `dir` (created when needed).
    pub fn new(dir: impl Into<PathBuf>) -> JsonlSink {
        JsonlSink { dir: dir.into() }
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
        let existing = read_rows(&path)?;
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
/// is an error naming the file and line.
pub fn read_rows(path: &Path) -> Result<Vec<Value>, SinkError> {
    let mut rows = Vec::new();
    match File::open(path) {
        Ok(file) => for_each_line(file, path, |line, bad| {
            match serde_json::from_str::<Value>(line) {
                Ok(value @ Value::Object(_)) => rows.push(value),
                Ok(_) => return Err(bad("not a JSON object; fix or delete the line".into())),
                Err(e) => return Err(bad(format!("not JSON ({e}); fix or delete the line"))),
            }
            Ok(())
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(source) => {
            return Err(SinkError::Io {
                path: path.to_owned(),
                source,
            })
        }
    }
    Ok(rows)
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
                table,
                rows: rows.len(),
                accepted: rows.len(),
                inserted,
                requests: 0,
                unsent: Vec::new(),
                quarantined: Vec::new(),
                error: None,
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
mod tests {
    use super::*;
    use serde_json::json;

    fn pr(n: u32, key: &str) -> Value {
        json!({"repository": "o/r", "pr_number": n, "event_key": key, "event_type": "opened"})
    }

    #[tokio::test]
    async fn writing_twice_adds_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let sink = JsonlSink::new(dir.path());
        let rows = vec![pr(1, "a"), pr(1, "b"), pr(1, "a")];
        let first = sink.write(Table::PrEvents, &rows).await;
        assert!(first.error.is_none());
        assert_eq!((first.accepted, first.inserted), (3, 2));
        let second = sink.write(Table::PrEvents, &rows).await;
        assert_eq!((second.accepted, second.inserted), (3, 0));
        let text = fs::read_to_string(sink.path(Table::PrEvents)).unwrap();
        assert_eq!(text.lines().count(), 2);
    }

    #[tokio::test]
    async fn a_corrupt_line_is_named_and_rows_are_handed_back() {
        let dir = tempfile::tempdir().unwrap();
        let sink = JsonlSink::new(dir.path());
        fs::write(sink.path(Table::PrEvents), "{\"a\":1}\n[1]\n").unwrap();
        let write = sink.write(Table::PrEvents, &[pr(1, "a")]).await;
        assert_eq!(write.unsent.len(), 1);
        let message = write.error.unwrap().to_string();
        assert!(
            message.ends_with("pr_events.jsonl:2: not a JSON object; fix or delete the line"),
            "{message}"
        );
    }

    #[tokio::test]
    async fn query_filters_orders_and_limits() {
        let dir = tempfile::tempdir().unwrap();
        let sink = JsonlSink::new(dir.path());
        let rows = vec![
            json!({"repository": "o/r", "deployment_id": "deployment:1", "status": "success", "event_timestamp": "2026-01-01T00:00:00Z"}),
            json!({"repository": "o/r", "deployment_id": "deployment:2", "status": "success", "event_timestamp": "2026-01-03T00:00:00Z"}),
            json!({"repository": "o/r", "deployment_id": "deployment:3", "status": "failure", "event_timestamp": "2026-01-04T00:00:00Z"}),
        ];
        sink.write(Table::DeploymentEvents, &rows).await;
        let found = sink
            .query(&Query {
                table: Table::DeploymentEvents,
                equals: vec![("status".into(), "success".into())],
                newest_first_by: Some("event_timestamp".into()),
                limit: 1,
            })
            .await
            .unwrap();
        assert_eq!(found, vec![rows[1].clone()]);
    }
}
