//! The PostgREST sink: bulk upserts into the `metrics` schema through Supabase's API.
//!
//! Requests are built with the `postgrest` crate, with two gaps covered here: it panics on a
//! header value it cannot encode (so the key is checked first), and it fixes its own `Prefer`
//! header on upserts (so the header is replaced on the built request). Every write is
//! `POST /<table>?on_conflict=<natural key>&select=id&columns=<the rows' columns>` with
//! `Content-Profile: metrics` and
//! `Prefer: return=representation,resolution=ignore-duplicates` (`merge-duplicates` for computed
//! metrics): repeating a write never duplicates a row, and the ids that come back count the rows
//! that were new.
//!
//! Requests go through a client of our own that follows no redirect: the `apikey` header would
//! travel with it (reqwest keeps it across hosts), so a 3xx is a configuration error naming the
//! address to use instead. A chunk the database refuses for its rows (a data or constraint
//! error) is split in halves until the refused rows are found; they are quarantined and every
//! other row is written (at most [`MAX_SEARCH_REQUESTS`] requests per table; the rest is
//! spooled).

use super::{PostgrestError, Query, Sink, SinkError, TableWrite};
use crate::rows::clean::{Quarantined, RefusedBy};
use crate::rows::{OnDuplicate, Table};
use crate::secret::{KeyKind, Secret};
use reqwest::header::{HeaderName, HeaderValue, LOCATION, RETRY_AFTER};
use reqwest::StatusCode;
use serde_json::Value;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// The schema every devmetrics table lives in.
pub const SCHEMA: &str = "metrics";

/// Largest request body sent at once (PostgREST's default limit is 10 MiB).
const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// Most requests one table's write spends searching refused chunks for the refused rows. Each
/// refused row costs about 2·log2(chunk rows) requests (28 in a chunk of 10 000 rows).
pub const MAX_SEARCH_REQUESTS: u32 = 100;

/// How failed requests are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per request, the first included.
    pub attempts: u32,
    /// First backoff; doubled at each retry, with full jitter.
    pub base_delay: Duration,
    /// Longest backoff.
    pub max_delay: Duration,
    /// Longest wait a `Retry-After` header is honoured for.
    pub max_retry_after: Duration,
    /// Per-request timeout.
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 4,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(4),
            max_retry_after: Duration::from_secs(30),
            timeout: Duration::from_secs(15),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (1-based): exponential backoff with full jitter.
    fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self
            .base_delay
            .saturating_mul(1u32 << retry.min(16).saturating_sub(1))
            .min(self.max_delay);
        ceiling.mul_f64(fastrand::f64())
    }
}

/// Writes rows to PostgREST.
pub struct PostgrestSink {
    api: postgrest::Postgrest,
    /// Sends the requests `api` builds: it follows no redirect.
    client: reqwest::Client,
    rest_url: String,
    policy: RetryPolicy,
    batch_rows: usize,
    requests: AtomicU32,
}

impl std::fmt::Debug for PostgrestSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgrestSink")
            .field("rest_url", &self.rest_url)
            .field("key", &"***")
            .finish()
    }
}

impl PostgrestSink {
    /// A sink for `rest_url` (e.g. `https://x.supabase.co/rest/v1`) authenticated with `key`.
    /// Legacy JWT keys go as `apikey` and `Authorization: Bearer`; `sb_secret_` keys as `apikey`
    /// only (the gateway swaps them for a JWT).
    pub fn new(
        rest_url: &str,
        key: &Secret,
        policy: RetryPolicy,
        batch_rows: usize,
    ) -> Result<PostgrestSink, SinkError> {
        // postgrest::Postgrest::insert_header panics on a value it cannot encode: check first.
        let bearer = format!("Bearer {}", key.expose());
        if HeaderValue::from_str(key.expose()).is_err() || HeaderValue::from_str(&bearer).is_err() {
            return Err(SinkError::BadKey);
        }
        let mut api = postgrest::Postgrest::new(rest_url.trim_end_matches('/'))
            .schema(SCHEMA)
            .insert_header("apikey", key.expose())
            .insert_header(
                "user-agent",
                concat!("devmetrics/", env!("CARGO_PKG_VERSION")),
            );
        if key.key_kind() == KeyKind::LegacyJwt {
            api = api.insert_header("authorization", &bearer);
        }
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| SinkError::Transport {
                what: format!("could not set up the HTTP client: {e}"),
                attempts: 0,
            })?;
        Ok(PostgrestSink {
            api,
            client,
            rest_url: rest_url.trim_end_matches('/').to_owned(),
            policy,
            batch_rows: batch_rows.max(1),
            requests: AtomicU32::new(0),
        })
    }

    /// HTTP requests sent so far (each attempt counts).
    pub fn requests_sent(&self) -> u32 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Sends a request built by `build` with retries; returns the body of the first success, or
    /// the last error (which counts the attempts made).
    async fn send(
        &self,
        build: impl Fn() -> postgrest::Builder,
        prefer: Option<&'static str>,
        columns: Option<&str>,
    ) -> Result<String, SinkError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            // The crate's own client follows redirects: only its request is used.
            let (_, request) = build().build().timeout(self.policy.timeout).build_split();
            let mut request = request.map_err(|e| SinkError::Transport {
                what: format!("could not build the request: {}", e.without_url()),
                attempts: attempt,
            })?;
            if let Some(columns) = columns {
                request
                    .url_mut()
                    .query_pairs_mut()
                    .append_pair("columns", columns);
            }
            if let Some(prefer) = prefer {
                request.headers_mut().insert(
                    HeaderName::from_static("prefer"),
                    HeaderValue::from_static(prefer),
                );
            }
            self.requests.fetch_add(1, Ordering::Relaxed);
            let (error, retry_after) = match self.client.execute(request).await {
                Ok(response) if response.status().is_redirection() => {
                    let location = response
                        .headers()
                        .get(LOCATION)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned);
                    let error = SinkError::Redirect {
                        url: self.rest_url.clone(),
                        status: response.status().as_u16(),
                        location,
                    };
                    return Err(error);
                }
                Ok(response) => {
                    let status = response.status();
                    let retry_after = response
                        .headers()
                        .get(RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(parse_retry_after);
                    match response.text().await {
                        Ok(body) if status.is_success() => return Ok(body),
                        Ok(body) => (api_error(status, &body, attempt), retry_after),
                        Err(e) => (transport_error(&e, self.policy.timeout, attempt), None),
                    }
                }
                Err(e) => (transport_error(&e, self.policy.timeout, attempt), None),
            };
            if attempt >= self.policy.attempts || !is_retryable(&error) {
                return Err(error);
            }
            let wait = match retry_after {
                Some(wait) => wait.min(self.policy.max_retry_after),
                None => self.policy.backoff(attempt),
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// Sends one chunk of `rows` (serialized as `body`); returns how many rows were new.
    ///
    /// When every row names the same columns (rows of one struct always do), the request says
    /// which with `?columns=`: the server then takes the body as it is instead of parsing it to
    /// find its keys and check them (PostgREST's advice for bulk inserts; postrust spends about
    /// half its time on a 10 000-row insert there). Rows that differ (a spool written by another
    /// version) are sent without it, as before.
    async fn write_chunk(
        &self,
        table: Table,
        rows: &[Value],
        body: String,
    ) -> Result<usize, SinkError> {
        let columns = shared_columns(rows);
        let prefer = match table.on_duplicate() {
            OnDuplicate::Ignore => "return=representation,resolution=ignore-duplicates",
            OnDuplicate::Replace => "return=representation,resolution=merge-duplicates",
        };
        let on_conflict = table.natural_key().join(",");
        let response = self
            .send(
                || {
                    self.api
                        .from(table.name())
                        .upsert(body.clone())
                        .on_conflict(&on_conflict)
                        .select("id")
                },
                Some(prefer),
                columns.as_deref(),
            )
            .await?;
        // The representation lists the rows stored by this request: the new ones.
        Ok(serde_json::from_str::<Vec<Value>>(&response).map_or(0, |ids| ids.len()))
    }

    /// Finds the rows the database refused in `chunk` (refused as a whole with `refusal`) by
    /// splitting it in halves: halves that are accepted are written, a single refused row is
    /// quarantined with the database's reason. Stops when `budget` requests are spent or another
    /// error comes: what is left is spooled.
    async fn search(
        &self,
        table: Table,
        chunk: &[Value],
        refusal: SinkError,
        budget: &mut u32,
        write: &mut TableWrite,
    ) {
        let spent = |budget: &u32| MAX_SEARCH_REQUESTS - *budget;
        // Ranges of `chunk` still to settle, each with its refusal when it was already sent.
        let mut pending = vec![(0..chunk.len(), Some(refusal))];
        // The last refusal's status and fields, to name when the search stops.
        let mut last = (400, PostgrestError::default());
        while let Some((range, known)) = pending.pop() {
            let refusal = match known {
                Some(refusal) => refusal,
                None if write.error.is_some() => {
                    write.unsent.extend_from_slice(&chunk[range]);
                    continue;
                }
                None if *budget == 0 => {
                    write.unsent.extend_from_slice(&chunk[range]);
                    let (status, error) = last.clone();
                    write.error = Some(SinkError::SearchStopped {
                        cause: Box::new(SinkError::Api {
                            status,
                            error,
                            body: None,
                            attempts: 1,
                        }),
                        requests: spent(budget),
                    });
                    continue;
                }
                None => {
                    *budget -= 1;
                    let body = bodies(&chunk[range.clone()], usize::MAX, usize::MAX)
                        .pop()
                        .map(|(_, body)| body)
                        .unwrap_or_else(|| "[]".to_owned());
                    match self.write_chunk(table, &chunk[range.clone()], body).await {
                        Ok(new_rows) => {
                            write.accepted += range.len();
                            write.inserted += new_rows;
                            continue;
                        }
                        Err(err) if err.refuses_rows() => err,
                        Err(err) => {
                            write.error = Some(err);
                            write.unsent.extend_from_slice(&chunk[range]);
                            continue;
                        }
                    }
                }
            };
            if let SinkError::Api { status, error, .. } = &refusal {
                last = (*status, error.clone());
            }
            if range.len() == 1 {
                write
                    .quarantined
                    .push(refused(table, chunk[range.start].clone(), refusal));
                continue;
            }
            let middle = range.start + range.len() / 2;
            pending.push((middle..range.end, None));
            pending.push((range.start..middle, None));
        }
    }

    /// Calls the function `metrics.<function>` with named arguments (`POST /rpc/<function>`,
    /// `Content-Profile: metrics`, `args` as the JSON body), with the same key, retries and
    /// errors as a write; returns its JSON answer. Only for functions safe to repeat: a retry
    /// after a timeout may run it twice.
    pub async fn rpc(&self, function: &str, args: &Value) -> Result<Value, SinkError> {
        let body = args.to_string();
        let answer = self
            .send(|| self.api.rpc(function, body.clone()), None, None)
            .await?;
        serde_json::from_str(&answer).map_err(|e| SinkError::Api {
            status: 200,
            error: PostgrestError::default(),
            body: Some(format!("the answer of {function} was not JSON: {e}")),
            attempts: 1,
        })
    }

    /// Reads rows of any relation of the schema, a view too (`GET /<relation>?select=<columns>`,
    /// `Accept-Profile: metrics`), with the same key, retries and errors as a write. `filters`
    /// are PostgREST's `column=op.value` pairs (`("metric_date", "gte.2026-11-23")`); `order`
    /// is PostgREST's (`"metric_date.asc"`); `in.(a,b)` lists values. Rows `offset` to
    /// `offset + limit - 1` (a `Range` header: a server's `max-rows` may answer fewer).
    pub async fn select(
        &self,
        relation: &str,
        columns: &str,
        filters: &[(&str, String)],
        order: &str,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<Value>, SinkError> {
        let build = || {
            let mut b = self.api.from(relation).select(columns);
            for (column, filter) in filters {
                // The crate's filters all append `column=op.value`; `eq` is only the op's name.
                let (op, value) = filter.split_once('.').unwrap_or(("eq", filter));
                b = match op {
                    "gte" => b.gte(*column, value),
                    "lte" => b.lte(*column, value),
                    "gt" => b.gt(*column, value),
                    "lt" => b.lt(*column, value),
                    "neq" => b.neq(*column, value),
                    "is" => b.is(*column, value),
                    "in" => b.in_(
                        *column,
                        value
                            .trim_start_matches('(')
                            .trim_end_matches(')')
                            .split(','),
                    ),
                    _ => b.eq(*column, value),
                };
            }
            if !order.is_empty() {
                b = b.order(order);
            }
            b.range(offset, offset + limit.max(1) - 1)
        };
        let body = self.send(build, None, None).await?;
        serde_json::from_str(&body).map_err(|e| SinkError::Api {
            status: 200,
            error: PostgrestError::default(),
            body: Some(format!(
                "the answer for {relation} was not a JSON array of rows: {e}"
            )),
            attempts: 1,
        })
    }

    /// Every row of `table` matching `filters`, by id, `page` rows at a time (`id=gt.<last id>`)
    /// until a page comes back empty: a project's `max-rows` (1 000 on Supabase) may cut a page
    /// shorter than asked, so a short page does not mean the end. `columns` must include `id`.
    pub async fn select_all_by_id(
        &self,
        table: Table,
        columns: &str,
        filters: &[(&str, String)],
        page: usize,
    ) -> Result<Vec<Value>, SinkError> {
        let mut rows: Vec<Value> = Vec::new();
        let mut after: Option<i64> = None;
        loop {
            let mut paged = filters.to_vec();
            if let Some(after) = after {
                paged.push(("id", format!("gt.{after}")));
            }
            let answer = self
                .select(table.name(), columns, &paged, "id.asc", 0, page)
                .await?;
            let Some(last) = answer.last().and_then(|r| r["id"].as_i64()) else {
                return Ok(rows);
            };
            after = Some(last);
            rows.extend(answer);
        }
    }

    /// Checks that the API answers at all (`GET /`).
    pub async fn ping(&self) -> Result<(), SinkError> {
        let url = format!("{}/", self.rest_url);
        self.send(|| self.api.from(""), None, None)
            .await
            .map(|_| ())
            .map_err(|e| match e {
                // `GET /` answers 200 with the OpenAPI description; a 404 from the gateway
                // means the URL does not point to PostgREST.
                SinkError::Api {
                    status: 404,
                    error,
                    body,
                    attempts,
                } if error.code.is_none() => SinkError::Api {
                    status: 404,
                    error: PostgrestError {
                        message: Some(format!("{url} is not a PostgREST API")),
                        ..error
                    },
                    body,
                    attempts,
                },
                other => other,
            })
    }

    /// Checks that the service role may insert into `table` by inserting no rows: PostgreSQL
    /// checks the privilege all the same.
    pub async fn check_insert(&self, table: Table) -> Result<(), SinkError> {
        self.send(
            || self.api.from(table.name()).insert("[]"),
            Some("return=minimal"),
            None,
        )
        .await
        .map(|_| ())
    }
}

impl Sink for PostgrestSink {
    fn describe(&self) -> String {
        format!("Supabase at {}", self.rest_url)
    }

    async fn write(&self, table: Table, rows: &[Value]) -> TableWrite {
        let before = self.requests_sent();
        let mut write = TableWrite::empty(table, rows.len());
        let mut budget = MAX_SEARCH_REQUESTS;
        for (range, body) in bodies(rows, self.batch_rows, MAX_BODY_BYTES) {
            let chunk = &rows[range];
            if write.error.is_some() {
                // After a failed chunk, the rest is spooled untried: the same failure would
                // only cost another round of retries.
                write.unsent.extend_from_slice(chunk);
                continue;
            }
            match self.write_chunk(table, chunk, body).await {
                Ok(new_rows) => {
                    write.accepted += chunk.len();
                    write.inserted += new_rows;
                }
                Err(err) if err.refuses_rows() => {
                    self.search(table, chunk, err, &mut budget, &mut write)
                        .await
                }
                Err(err) => {
                    write.error = Some(err);
                    write.unsent.extend_from_slice(chunk);
                }
            }
        }
        write.requests = self.requests_sent() - before;
        write
    }

    async fn query(&self, query: &Query) -> Result<Vec<Value>, SinkError> {
        let build = || {
            let mut b = self.api.from(query.table.name()).select("*");
            for (column, value) in &query.equals {
                b = b.eq(column, value);
            }
            if let Some(column) = &query.newest_first_by {
                b = b.order(format!("{column}.desc"));
            }
            b.limit(query.limit.max(1))
        };
        let body = self.send(build, None, None).await?;
        serde_json::from_str(&body).map_err(|e| SinkError::Api {
            status: 200,
            error: PostgrestError::default(),
            body: Some(format!("the answer was not a JSON array of rows: {e}")),
            attempts: 1,
        })
    }
}

/// Splits rows into request bodies of at most `max_rows` rows and about `max_bytes` of JSON,
/// serializing each row once. Returns each body with the range of rows it holds.
fn bodies(
    rows: &[Value],
    max_rows: usize,
    max_bytes: usize,
) -> Vec<(std::ops::Range<usize>, String)> {
    let mut out = Vec::new();
    let mut body = String::from("[");
    let mut start = 0;
    let mut row_text = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        row_text.clear();
        serde_json::to_writer(&mut row_text, row).expect("JSON values serialize");
        let text = std::str::from_utf8(&row_text).expect("serde_json writes UTF-8");
        if i > start && (i - start >= max_rows || body.len() + text.len() + 1 > max_bytes) {
            body.push(']');
            out.push((start..i, std::mem::replace(&mut body, String::from("["))));
            start = i;
        }
        if i > start {
            body.push(',');
        }
        body.push_str(text);
    }
    if start < rows.len() {
        body.push(']');
        out.push((start..rows.len(), body));
    }
    out
}

/// The columns every row of `rows` names, comma-separated, when they all name the same ones;
/// `None` when they differ or there are none.
fn shared_columns(rows: &[Value]) -> Option<String> {
    let first = rows.first()?.as_object()?;
    let same = rows[1..].iter().all(|row| {
        row.as_object()
            .is_some_and(|row| row.len() == first.len() && row.keys().eq(first.keys()))
    });
    (same && !first.is_empty()).then(|| {
        first
            .keys()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(",")
    })
}

/// A row the database refused, with its reason.
fn refused(table: Table, row: Value, refusal: SinkError) -> Quarantined {
    let (code, message, details) = match refusal {
        SinkError::Api { error, body, .. } => (
            error.code.unwrap_or_default(),
            error.message.or(body).unwrap_or_default(),
            error.details,
        ),
        other => (String::new(), other.to_string(), None),
    };
    Quarantined {
        table,
        row,
        refused_by: RefusedBy::Server,
        code,
        message,
        details,
    }
}

fn is_retryable(error: &SinkError) -> bool {
    match error {
        SinkError::Transport { .. } => true,
        SinkError::Api { status, .. } => *status == 408 || *status == 429 || *status >= 500,
        _ => false,
    }
}

fn api_error(status: StatusCode, body: &str, attempts: u32) -> SinkError {
    match serde_json::from_str::<PostgrestError>(body) {
        Ok(error) if error.code.is_some() || error.message.is_some() => SinkError::Api {
            status: status.as_u16(),
            error,
            body: None,
            attempts,
        },
        _ => SinkError::Api {
            status: status.as_u16(),
            error: PostgrestError::default(),
            body: Some(shorten(body.trim(), 300)),
            attempts,
        },
    }
}

fn transport_error(error: &reqwest::Error, timeout: Duration, attempts: u32) -> SinkError {
    let what = if error.is_timeout() {
        format!("no answer within {:.1}s (timed out)", timeout.as_secs_f64())
    } else if error.is_connect() {
        "could not connect (connection refused or host unreachable)".to_owned()
    } else {
        // Without the URL: it is already named by the caller, and must not grow query strings.
        let mut text = error.to_string();
        if let Some(url) = error.url() {
            text = text.replace(url.as_str(), "");
        }
        format!("the connection failed: {text}")
    };
    SinkError::Transport { what, attempts }
}

/// `Retry-After`: delay-seconds or an HTTP date.
fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = at.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

fn shorten(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

#[cfg(test)]
mod tests;
