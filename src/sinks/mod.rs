//! Sinks: where rows go. [`postgrest`] writes to Supabase's PostgREST API, [`jsonl`] to local
//! files; [`spool`] keeps what could not be written so that `devmetrics replay` can send it
//! later; [`quarantine`] keeps the rows that were refused (they are not spooled: replaying them
//! would fail forever). [`deliver`] writes a whole batch through one sink, quarantines refused
//! rows and spools whatever else failed.
//!
//! Sinks take plain rows (JSON objects keyed by column) and the table's natural key; they know
//! nothing about events, configuration or GitHub.

pub mod archive;
pub mod jsonl;
pub mod postgrest;
pub mod quarantine;
pub mod spool;

use crate::rows::clean::Quarantined;
use crate::rows::{Batch, Table};
use serde_json::Value;
use std::future::Future;
use std::path::PathBuf;

pub use jsonl::JsonlSink;
pub use postgrest::{PostgrestSink, RetryPolicy};
pub use quarantine::Quarantine;
pub use spool::Spool;

/// The four fields of a PostgREST error body, kept as sent.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Deserialize)]
pub struct PostgrestError {
    /// `PGRST106`, `42501`, `23505`...
    #[serde(default)]
    pub code: Option<String>,
    /// The message.
    #[serde(default)]
    pub message: Option<String>,
    /// Details, when any.
    #[serde(default)]
    pub details: Option<String>,
    /// A hint, when any.
    #[serde(default)]
    pub hint: Option<String>,
}

/// Why a write or read did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    /// The API answered with an error.
    #[error("{}", describe_api(*status, error, body))]
    Api {
        /// HTTP status.
        status: u16,
        /// The PostgREST error fields (all empty when the body was not a PostgREST error).
        error: PostgrestError,
        /// The body, when it was not a PostgREST error (shortened).
        body: Option<String>,
        /// How many attempts were made.
        attempts: u32,
    },
    /// The request did not get an answer.
    #[error("{what} (after {attempts} {})", if *attempts == 1 { "attempt" } else { "attempts" })]
    Transport {
        /// `could not connect`, `timed out after 15s`...
        what: String,
        /// How many attempts were made.
        attempts: u32,
    },
    /// The API answered with a redirect: devmetrics never follows one, as the key would travel
    /// with the request to wherever it points.
    #[error("{url} answered HTTP {status}, a redirect to {}; devmetrics does not follow redirects (the key would go along)", location.as_deref().unwrap_or("an address it did not name"))]
    Redirect {
        /// The configured API URL.
        url: String,
        /// 301, 302, 307, 308...
        status: u16,
        /// Where it points (the `Location` header).
        location: Option<String>,
    },
    /// The database refused rows of a chunk, and the search for them stopped before the end:
    /// the rest of the chunk is spooled.
    #[error("{cause}; the search for the refused rows stopped after {requests} requests and the rest of the chunk is spooled")]
    SearchStopped {
        /// The last refusal.
        cause: Box<SinkError>,
        /// Requests the search made.
        requests: u32,
    },
    /// Not tried: an earlier table found the database unreachable.
    #[error("not attempted: the database was unreachable for an earlier table")]
    NotAttempted,
    /// The key cannot be put in an HTTP header.
    #[error("the service role key contains characters an HTTP header cannot carry (a line break inside it, or a non-ASCII character)")]
    BadKey,
    /// A local file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A local file holds something that is not a row.
    #[error("{}:{line}: {problem}", path.display())]
    BadLine {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        problem: String,
    },
}

fn describe_api(status: u16, error: &PostgrestError, body: &Option<String>) -> String {
    match (&error.code, &error.message) {
        (Some(code), Some(message)) => format!("PostgREST {code} (HTTP {status}): {message}"),
        (None, Some(message)) => format!("HTTP {status}: {message}"),
        _ => match body {
            Some(body) if !body.is_empty() => format!("HTTP {status}: {body}"),
            _ => format!("HTTP {status} with no error body"),
        },
    }
}

impl SinkError {
    /// True when the database could not be reached at all (no answer, or a redirect away from
    /// the configured address): later tables need not be tried.
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            SinkError::Transport { .. } | SinkError::Redirect { .. }
        )
    }

    /// The PostgREST error code, when there is one.
    pub fn api_code(&self) -> Option<&str> {
        match self {
            SinkError::Api { error, .. } => error.code.as_deref(),
            SinkError::SearchStopped { cause, .. } => cause.api_code(),
            _ => None,
        }
    }

    /// The HTTP status, when there was an answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            SinkError::Api { status, .. } | SinkError::Redirect { status, .. } => Some(*status),
            SinkError::SearchStopped { cause, .. } => cause.status(),
            _ => None,
        }
    }

    /// True when the database refused the rows themselves (a value out of range, a CHECK, a
    /// NOT NULL, a malformed value: SQLSTATE classes 21, 22 and 23, PGRST102), so that the
    /// chunk is worth splitting to find them. Not for 401, 403, 404 or 406, which are about the
    /// configuration and refuse every row alike.
    pub fn refuses_rows(&self) -> bool {
        let SinkError::Api {
            status: 400 | 409,
            error,
            ..
        } = self
        else {
            return false;
        };
        error.code.as_deref().is_some_and(|code| {
            code.starts_with("22")
                || code.starts_with("23")
                || code == "21000"
                || code == "PGRST102"
        })
    }
}

/// The outcome of writing one table's rows.
#[derive(Debug)]
pub struct TableWrite {
    /// The table.
    pub table: Table,
    /// Rows given.
    pub rows: usize,
    /// Rows the sink accepted (new or already there).
    pub accepted: usize,
    /// Of those, rows that were new (the rest were already recorded).
    pub inserted: usize,
    /// Requests made (HTTP requests; 0 for files).
    pub requests: u32,
    /// Rows not written, to spool.
    pub unsent: Vec<Value>,
    /// Rows refused, with why: not written, not spooled (they go to the quarantine file).
    pub quarantined: Vec<Quarantined>,
    /// Why rows were not written.
    pub error: Option<SinkError>,
}

impl TableWrite {
    /// A write of `rows` rows before anything happened to them: nothing accepted, sent,
    /// quarantined or failed yet.
    pub fn empty(table: Table, rows: usize) -> TableWrite {
        TableWrite {
            table,
            rows,
            accepted: 0,
            inserted: 0,
            requests: 0,
            unsent: Vec::new(),
            quarantined: Vec::new(),
            error: None,
        }
    }

    /// A write of which nothing was stored: every row is handed back for the spool.
    pub fn failed(table: Table, rows: &[Value], error: SinkError) -> TableWrite {
        TableWrite {
            unsent: rows.to_vec(),
            error: Some(error),
            ..TableWrite::empty(table, rows.len())
        }
    }

    /// A write that was not attempted.
    pub fn not_attempted(table: Table, rows: &[Value]) -> TableWrite {
        TableWrite::failed(table, rows, SinkError::NotAttempted)
    }
}

/// A filter-and-order read of recent rows (used for deployment history and by `doctor`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// The table.
    pub table: Table,
    /// `column = value` filters.
    pub equals: Vec<(String, String)>,
    /// Newest first by this column.
    pub newest_first_by: Option<String>,
    /// At most this many rows.
    pub limit: usize,
}

/// Somewhere rows can be written to and read back from.
#[allow(async_fn_in_trait)]
pub trait Sink {
    /// Says where rows go, without any secret (e.g. `Supabase at https://x.supabase.co/rest/v1`).
    fn describe(&self) -> String;
    /// Writes one table's rows, safely repeatable: rows whose natural key is already stored are
    /// not stored again.
    async fn write(&self, table: Table, rows: &[Value]) -> TableWrite;
    /// Reads rows back.
    async fn query(&self, query: &Query) -> Result<Vec<Value>, SinkError>;
}

/// The outcome of delivering a batch.
#[derive(Debug)]
pub struct Delivery {
    /// One entry per table, in table order.
    pub tables: Vec<TableWrite>,
    /// The spool file holding the rows not written, if any.
    pub spool_file: Option<PathBuf>,
    /// Set when even spooling failed (the rows are then printed nowhere: this is the one
    /// situation that loses data, and the run fails).
    pub spool_error: Option<SinkError>,
    /// The quarantine file holding the refused rows, if any.
    pub quarantine_file: Option<PathBuf>,
    /// Set when the quarantine file could not be written (its rows are spooled instead).
    pub quarantine_error: Option<SinkError>,
}

impl Delivery {
    /// Rows spooled.
    pub fn spooled(&self) -> usize {
        self.tables.iter().map(|t| t.unsent.len()).sum()
    }

    /// Rows quarantined (refused, neither written nor spooled).
    pub fn quarantined(&self) -> usize {
        self.tables.iter().map(|t| t.quarantined.len()).sum()
    }

    /// Why rows were quarantined: per table and reason (code and message), how many rows.
    pub fn quarantine_reasons(&self) -> Vec<(Table, String, usize)> {
        let mut reasons: Vec<(Table, String, usize)> = Vec::new();
        for q in self.tables.iter().flat_map(|t| &t.quarantined) {
            let reason = q.to_string();
            match reasons
                .iter_mut()
                .find(|(t, r, _)| *t == q.table && *r == reason)
            {
                Some((_, _, n)) => *n += 1,
                None => reasons.push((q.table, reason, 1)),
            }
        }
        reasons
    }

    /// HTTP requests made.
    pub fn requests(&self) -> u32 {
        self.tables.iter().map(|t| t.requests).sum()
    }

    /// The errors met, per table.
    pub fn errors(&self) -> impl Iterator<Item = (Table, &SinkError)> {
        self.tables
            .iter()
            .filter_map(|t| t.error.as_ref().map(|e| (t.table, e)))
    }
}

/// Writes every table of `batch` through `sink`. Refused rows (those [`Batch::clean`] kept back
/// and those the database refused) go to one quarantine file; other rows that are not written go
/// to one spool file. Once the database proves unreachable, later tables are not tried (they are
/// spooled at once).
pub async fn deliver(sink: &impl Sink, batch: &Batch, spool: &Spool) -> Delivery {
    let nothing = |_: &TableWrite| None::<std::future::Ready<()>>;
    let nothing_after = |_: &[TableWrite]| None::<std::future::Ready<()>>;
    deliver_alongside(sink, batch, spool, nothing, nothing_after)
        .await
        .0
}

/// [`deliver`], with work beside the writes: `after_first` is given the first table's write and
/// its work runs while the other tables are written; `after_all` is given every table's write
/// as soon as the last is answered, and its work runs while `after_first`'s may still be
/// running. `record` refreshes the first table's figures, then the others' (each work's output
/// is returned, in that order). Neither runs when the database proved unreachable.
pub async fn deliver_alongside<W: Future, A: Future>(
    sink: &impl Sink,
    batch: &Batch,
    spool: &Spool,
    after_first: impl FnOnce(&TableWrite) -> Option<W>,
    after_all: impl FnOnce(&[TableWrite]) -> Option<A>,
) -> (Delivery, Option<W::Output>, Option<A::Output>) {
    // The first table is written alone: when the database cannot be reached, the others are
    // spooled untried instead of each paying for its own retries. Once it answered, the other
    // tables are written at once (one request each, in flight together).
    let mut groups = batch.groups();
    let mut tables = Vec::new();
    let (mut done_first, mut done_all) = (None, None);
    if let Some((table, rows)) = groups.next() {
        let first = sink.write(table, rows).await;
        if first.error.as_ref().is_some_and(SinkError::is_unreachable) {
            tables.push(first);
            tables.extend(groups.map(|(table, rows)| TableWrite::not_attempted(table, rows)));
        } else {
            let first_work = after_first(&first);
            let rest = async {
                let mut written = vec![first];
                written.extend(
                    futures::future::join_all(groups.map(|(table, rows)| sink.write(table, rows)))
                        .await,
                );
                let done = match after_all(&written) {
                    Some(work) => Some(work.await),
                    None => None,
                };
                (written, done)
            };
            let first_work = async {
                match first_work {
                    Some(work) => Some(work.await),
                    None => None,
                }
            };
            let ((written, all), first) = futures::join!(rest, first_work);
            tables = written;
            (done_first, done_all) = (first, all);
        }
    }
    let (quarantine_file, quarantine_error) =
        quarantine(&mut tables, batch.quarantined(), &Quarantine::beside(spool));
    let mut leftover = Batch::new();
    for write in &tables {
        leftover.extend_values(write.table, write.unsent.iter().cloned());
    }
    let (spool_file, spool_error) = if leftover.is_empty() {
        (None, None)
    } else {
        match spool.write(&leftover) {
            Ok(path) => (Some(path), None),
            Err(err) => (None, Some(err)),
        }
    };
    let delivery = Delivery {
        tables,
        spool_file,
        spool_error,
        quarantine_file,
        quarantine_error,
    };
    (delivery, done_first, done_all)
}

/// Adds the rows cleaning kept back to their table's write and writes every refused row to one
/// quarantine file. When that file cannot be written, the rows go back to `unsent` (spooled:
/// kept, though a replay will refuse them again).
pub fn quarantine(
    tables: &mut Vec<TableWrite>,
    kept_back: &[Quarantined],
    quarantine: &Quarantine,
) -> (Option<PathBuf>, Option<SinkError>) {
    for q in kept_back {
        let index = match tables.iter().position(|t| t.table == q.table) {
            Some(i) => i,
            None => {
                tables.push(TableWrite::empty(q.table, 0));
                tables.len() - 1
            }
        };
        tables[index].rows += 1;
        tables[index].quarantined.push(q.clone());
    }
    tables.sort_by_key(|t| t.table);
    if tables.iter().all(|t| t.quarantined.is_empty()) {
        return (None, None);
    }
    match quarantine.write(tables.iter().flat_map(|t| &t.quarantined)) {
        Ok(path) => (Some(path), None),
        Err(err) => {
            for t in tables.iter_mut() {
                let rows: Vec<Value> = t.quarantined.drain(..).map(|q| q.row).collect();
                t.unsent.extend(rows);
            }
            (None, Some(err))
        }
    }
}

/// The natural key of a row as one string, for deduplication in files.
pub fn natural_key(table: Table, row: &Value) -> Option<String> {
    let object = row.as_object()?;
    let mut key = String::new();
    for column in table.natural_key() {
        let value = object.get(*column)?;
        key.push_str(&value.to_string());
        key.push('\u{1f}');
    }
    Some(key)
}

/// One of the sinks, chosen at run time.
#[derive(Debug)]
pub enum AnySink {
    /// Supabase's PostgREST API.
    Postgrest(Box<PostgrestSink>),
    /// Local JSONL files.
    Jsonl(JsonlSink),
}

impl Sink for AnySink {
    fn describe(&self) -> String {
        match self {
            AnySink::Postgrest(s) => s.describe(),
            AnySink::Jsonl(s) => s.describe(),
        }
    }

    async fn write(&self, table: Table, rows: &[Value]) -> TableWrite {
        match self {
            AnySink::Postgrest(s) => s.write(table, rows).await,
            AnySink::Jsonl(s) => s.write(table, rows).await,
        }
    }

    async fn query(&self, query: &Query) -> Result<Vec<Value>, SinkError> {
        match self {
            AnySink::Postgrest(s) => s.query(query).await,
            AnySink::Jsonl(s) => s.query(query).await,
        }
    }
}
