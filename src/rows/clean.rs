//! Row sanitation before sending: one pass over the rows of a [`Batch`](super::Batch) that makes
//! them acceptable to PostgreSQL, or keeps them back with the reason.
//!
//! - Every string (JSON values and keys included) loses its NUL characters (PostgreSQL `text` and
//!   `jsonb` refuse them) and every key devmetrics knows is replaced by `***`.
//! - Numbers are brought into their column's range (`integer`, `bigint`); durations a clock skew
//!   made negative become 0; a start after its finish is moved to the finish.
//! - Every constraint of [`TABLES`] is checked; a row that still violates one is not sent but
//!   [`Quarantined`] with the reason, so that it cannot fail its whole chunk.
//!
//! [`TABLES`] mirrors `migrations/` (a unit test fails when a CHECK, a NOT NULL or an integer
//! column there is not mirrored here).

pub mod strict;

use super::Table;
use crate::secret::{redact, Secret};
use chrono::{DateTime, Datelike, NaiveDate, Weekday};
use serde_json::{Map, Number, Value};
use std::collections::BTreeMap;
use std::fmt;

/// A row kept back: it is not sent and not spooled (replaying it would fail forever), but written
/// to the quarantine file with why.
#[derive(Debug, Clone, PartialEq)]
pub struct Quarantined {
    /// The table the row was meant for.
    pub table: Table,
    /// The row, cleaned and redacted.
    pub row: Value,
    /// Who refused it.
    pub refused_by: RefusedBy,
    /// The SQLSTATE: the server's, or the one PostgreSQL would have answered (`23514` a CHECK,
    /// `23502` a NOT NULL).
    pub code: String,
    /// Why, in words.
    pub message: String,
    /// The server's details, when it gave any.
    pub details: Option<String>,
}

/// Who refused a quarantined row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusedBy {
    /// devmetrics, checking the table's constraints before sending.
    Devmetrics,
    /// The database, answering the request.
    Server,
}

/// One table's constraints, as its migrations state them.
#[derive(Debug)]
pub struct TableSpec {
    /// The table.
    pub table: Table,
    /// `not null` columns without a default: every row must carry a value.
    pub required: &'static [&'static str],
    /// `not null` columns with a default: a row may leave them out, never send them null.
    pub defaulted: &'static [&'static str],
    /// `integer` columns (−2 147 483 648 … 2 147 483 647).
    pub integer: &'static [&'static str],
    /// `bigint` columns (the identity `id` aside).
    pub bigint: &'static [&'static str],
    /// The CHECK constraints, in migration order.
    pub checks: &'static [Check],
}

/// A CHECK constraint and what cleaning does about it.
#[derive(Debug, Clone, Copy)]
pub enum Check {
    /// `column in ('a', 'b')` (null passes): refused otherwise.
    OneOf(&'static str, &'static [&'static str]),
    /// `column > 0`: refused otherwise (an identifier cannot be made up).
    Positive(&'static str),
    /// `column >= min`: below it, [`Fix::Clamp`] raises the value, [`Fix::Refuse`] refuses it.
    Min(&'static str, i64, Fix),
    /// `later is null or earlier is null or later >= earlier`: an `earlier` after `later` (two
    /// clocks) is moved to `later`.
    NotBefore {
        /// The column that must not be earlier (`finished_at`).
        later: &'static str,
        /// The column it is compared with (`started_at`).
        earlier: &'static str,
    },
    /// `column is null or other = 'value'`: elsewhere the column is cleared.
    OnlyWhen {
        /// The column (`cycle_time_seconds`).
        column: &'static str,
        /// The column deciding (`event_type`).
        other: &'static str,
        /// The value it must have (`merged`).
        value: &'static str,
    },
    /// `a + b + c = total`: refused otherwise.
    SumIs(&'static [&'static str], &'static str),
    /// `grain <> 'week' or extract(isodow from date) = 1`: refused otherwise.
    WeekStartsMonday {
        /// The date column.
        date: &'static str,
        /// The grain column.
        grain: &'static str,
    },
}

/// What cleaning does with a value below a minimum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fix {
    /// Raise it to the minimum (a duration made negative by clock skew).
    Clamp,
    /// Refuse the row (a count below zero is a bug, not noise).
    Refuse,
}

impl Check {
    /// The constraint as written in `migrations/` (whitespace aside).
    pub fn sql(&self) -> String {
        match *self {
            Check::OneOf(column, values) => {
                let values: Vec<String> = values.iter().map(|v| format!("'{v}'")).collect();
                format!("{column} in ({})", values.join(", "))
            }
            Check::Positive(column) => format!("{column} > 0"),
            Check::Min(column, min, _) => format!("{column} >= {min}"),
            Check::NotBefore { later, earlier } => {
                format!("{later} is null or {earlier} is null or {later} >= {earlier}")
            }
            Check::OnlyWhen {
                column,
                other,
                value,
            } => format!("{column} is null or {other} = '{value}'"),
            Check::SumIs(parts, total) => format!("{} = {total}", parts.join(" + ")),
            Check::WeekStartsMonday { date, grain } => {
                format!("{grain} <> 'week' or extract(isodow from {date}) = 1")
            }
        }
    }
}

/// The domain every table's `environment` column has (`metrics.environment_name`).
pub const ENVIRONMENT: Check = Check::OneOf("environment", &["local", "staging", "production"]);

/// The constraints of every table, mirroring `migrations/`.
#[rustfmt::skip]
pub const TABLES: [TableSpec; 7] = [
    TableSpec {
        table: Table::PrEvents,
        required: &["repository", "environment", "pr_number", "event_type", "event_timestamp", "event_key"],
        defaulted: &["is_bot", "recorded_at", "metadata"],
        integer: &["pr_number", "additions", "deletions", "changed_files"],
        bigint: &["cycle_time_seconds"],
        checks: &[
            Check::Positive("pr_number"),
            Check::OneOf("event_type", &[
                "opened", "reopened", "ready_for_review", "converted_to_draft", "synchronize",
                "closed", "merged", "review_submitted", "review_dismissed",
            ]),
            Check::OneOf("review_state", &["approved", "changes_requested", "commented", "dismissed"]),
            Check::Min("cycle_time_seconds", 0, Fix::Clamp),
            Check::OnlyWhen { column: "cycle_time_seconds", other: "event_type", value: "merged" },
        ],
    },
    TableSpec {
        table: Table::DeploymentEvents,
        required: &["repository", "environment", "deployment_id", "status", "source", "event_timestamp"],
        defaulted: &["is_production", "kind", "recorded_at", "metadata"],
        integer: &[],
        bigint: &["duration_seconds"],
        checks: &[
            Check::OneOf("status", &[
                "created", "queued", "pending", "in_progress", "success", "failure", "error", "cancelled",
            ]),
            Check::OneOf("kind", &["deploy", "redeploy", "rollback", "hotfix"]),
            Check::OneOf("source", &["deployment", "deployment_status", "workflow_run", "release"]),
            Check::Min("duration_seconds", 0, Fix::Clamp),
            Check::NotBefore { later: "finished_at", earlier: "started_at" },
        ],
    },
    TableSpec {
        table: Table::TestRuns,
        required: &[
            "repository", "environment", "run_id", "run_timestamp",
            "total_tests", "passed_tests", "failed_tests", "skipped_tests",
        ],
        defaulted: &["test_type", "errored_tests", "flaky_tests", "recorded_at", "metadata"],
        integer: &[
            "total_tests", "passed_tests", "failed_tests", "errored_tests", "skipped_tests",
            "flaky_tests", "pr_number", "workflow_run_attempt",
        ],
        bigint: &["workflow_run_id"],
        checks: &[
            Check::Min("total_tests", 0, Fix::Refuse),
            Check::Min("passed_tests", 0, Fix::Refuse),
            Check::Min("failed_tests", 0, Fix::Refuse),
            Check::Min("errored_tests", 0, Fix::Refuse),
            Check::Min("skipped_tests", 0, Fix::Refuse),
            Check::Min("flaky_tests", 0, Fix::Refuse),
            Check::Min("execution_time_seconds", 0, Fix::Clamp),
            Check::SumIs(&["passed_tests", "failed_tests", "errored_tests", "skipped_tests"], "total_tests"),
        ],
    },
    TableSpec {
        table: Table::TestCaseResults,
        required: &["repository", "environment", "run_id", "run_timestamp", "test_name", "outcome"],
        defaulted: &["test_type", "suite_name", "classname", "attempts", "recorded_at", "metadata"],
        integer: &["attempts", "line"],
        bigint: &[],
        checks: &[
            Check::OneOf("outcome", &["passed", "failed", "errored", "skipped", "flaky"]),
            Check::Min("duration_seconds", 0, Fix::Clamp),
            Check::Min("attempts", 1, Fix::Clamp),
        ],
    },
    TableSpec {
        table: Table::RuleComplianceEvents,
        required: &[
            "repository", "environment", "rule_name", "rule_category", "compliance_status",
            "context_type", "context_id", "event_timestamp",
        ],
        defaulted: &["recorded_at", "metadata"],
        integer: &[],
        bigint: &[],
        checks: &[
            Check::OneOf("compliance_status", &["compliant", "violation", "not_applicable"]),
            Check::OneOf("context_type", &["pull_request", "commit", "push", "deployment"]),
        ],
    },
    TableSpec {
        table: Table::DevelopmentMetrics,
        required: &["repository", "environment", "metric_date", "grain", "metric_name"],
        defaulted: &["n", "computed_at", "recorded_at", "metadata"],
        integer: &["n"],
        bigint: &[],
        checks: &[
            Check::OneOf("grain", &["day", "week"]),
            Check::Min("n", 0, Fix::Refuse),
            Check::WeekStartsMonday { date: "metric_date", grain: "grain" },
        ],
    },
    TableSpec {
        table: Table::PushEvents,
        required: &[
            "repository", "environment", "branch", "branch_class", "after_sha", "pushed_at", "direct_push",
        ],
        defaulted: &["forced", "created", "commit_count", "commits", "recorded_at", "metadata"],
        integer: &["merged_pr", "commit_count"],
        bigint: &[],
        checks: &[
            Check::OneOf("branch_class", &["production", "staging"]),
            Check::Min("commit_count", 0, Fix::Refuse),
        ],
    },
];

/// The constraints of `table`.
pub fn spec(table: Table) -> &'static TableSpec {
    TABLES
        .iter()
        .find(|s| s.table == table)
        .expect("TABLES lists every table")
}

/// What cleaning changed, counted per table and kind of change.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Cleaning {
    changes: BTreeMap<(Table, String), usize>,
}

impl Cleaning {
    fn note(&mut self, table: Table, what: impl Into<String>) {
        *self.changes.entry((table, what.into())).or_default() += 1;
    }

    /// True when nothing was changed.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// How many rows had a change of this kind (`what` as in the log lines).
    pub fn count(&self, table: Table, what: &str) -> usize {
        self.changes
            .get(&(table, what.to_owned()))
            .copied()
            .unwrap_or(0)
    }
}

/// One log line per table and kind of change, e.g. `metrics.test_case_results: NUL characters
/// removed (PostgreSQL text cannot hold them) in 1 row(s)`.
impl IntoIterator for Cleaning {
    type Item = String;
    type IntoIter = std::vec::IntoIter<String>;

    fn into_iter(self) -> Self::IntoIter {
        self.changes
            .into_iter()
            .map(|((table, what), n)| format!("{table}: {what} in {n} row(s)"))
            .collect::<Vec<_>>()
            .into_iter()
    }
}

/// Log wording of the changes (also the keys of [`Cleaning::count`]).
pub mod change {
    /// NUL characters stripped.
    pub const NUL: &str = "NUL characters removed (PostgreSQL text cannot hold them)";
    /// A key replaced by `***`.
    pub const SECRET: &str = "a key devmetrics knows replaced by ***";
}

/// Cleans `rows` of `table` in place: returns the rows to send and the rows kept back.
pub fn clean_rows(
    table: Table,
    rows: Vec<Value>,
    secrets: &[&Secret],
    cleaning: &mut Cleaning,
) -> (Vec<Value>, Vec<Quarantined>) {
    let spec = spec(table);
    let mut keep = Vec::with_capacity(rows.len());
    let mut refused = Vec::new();
    for mut row in rows {
        let mut seen = Scrubbed::default();
        scrub(&mut row, secrets, &mut seen);
        if seen.nul {
            cleaning.note(table, change::NUL);
        }
        if seen.secret {
            cleaning.note(table, change::SECRET);
        }
        let problem = match row.as_object_mut() {
            Some(object) => fix_and_check(spec, object, cleaning),
            None => Some("the row is not a JSON object".to_owned()),
        };
        match problem {
            None => keep.push(row),
            Some(message) => refused.push(Quarantined {
                table,
                row,
                refused_by: RefusedBy::Devmetrics,
                code: if message.starts_with("null value") {
                    "23502".into()
                } else {
                    "23514".into()
                },
                message,
                details: None,
            }),
        }
    }
    (keep, refused)
}

#[derive(Default)]
struct Scrubbed {
    nul: bool,
    secret: bool,
}

/// Strips NUL from and redacts every string, object keys included.
fn scrub(value: &mut Value, secrets: &[&Secret], seen: &mut Scrubbed) {
    match value {
        Value::String(s) => *s = scrub_str(s, secrets, seen),
        Value::Array(items) => items.iter_mut().for_each(|v| scrub(v, secrets, seen)),
        Value::Object(object) => {
            if object.keys().any(|k| needs_scrub(k, secrets)) {
                let old = std::mem::take(object);
                for (k, v) in old {
                    object.insert(scrub_str(&k, secrets, seen), v);
                }
            }
            object.values_mut().for_each(|v| scrub(v, secrets, seen));
        }
        _ => {}
    }
}

fn needs_scrub(text: &str, secrets: &[&Secret]) -> bool {
    text.contains('\0') || redact(text, secrets.iter().copied()) != text
}

fn scrub_str(text: &str, secrets: &[&Secret], seen: &mut Scrubbed) -> String {
    let mut out = if text.contains('\0') {
        seen.nul = true;
        text.replace('\0', "")
    } else {
        text.to_owned()
    };
    let mut redacted = redact(&out, secrets.iter().copied());
    if let Some(cut) = redact_cut_key(&redacted, secrets) {
        redacted = cut;
    }
    if redacted != out {
        seen.secret = true;
        out = redacted;
    }
    out
}

/// Shortest key prefix treated as a key (the shortest key [`redact`] replaces).
const MIN_KEY_PREFIX: usize = 8;

/// A key cut off by a truncation (the text ends with its first characters, before an optional
/// `…`) escapes [`redact`]: the prefix is replaced too.
fn redact_cut_key(text: &str, secrets: &[&Secret]) -> Option<String> {
    let body = text.strip_suffix('…').unwrap_or(text);
    for secret in secrets {
        let key = secret.expose();
        if key.len() <= MIN_KEY_PREFIX {
            continue;
        }
        // Only the last key.len() - 1 bytes can hold a cut key.
        let mut from = body.len().saturating_sub(key.len() - 1);
        while !body.is_char_boundary(from) {
            from += 1;
        }
        let tail = &body[from..];
        let start = tail
            .match_indices(&key[..MIN_KEY_PREFIX])
            .map(|(i, _)| i)
            .find(|&i| key.starts_with(&tail[i..]));
        if let Some(start) = start {
            let cut = from + start;
            return Some(format!("{}***{}", &body[..cut], &text[body.len()..]));
        }
    }
    None
}

/// Applies the fixes, then checks every constraint; returns the first violation.
fn fix_and_check(
    spec: &TableSpec,
    row: &mut Map<String, Value>,
    cleaning: &mut Cleaning,
) -> Option<String> {
    let table = spec.table;
    for (columns, min, max, kind) in [
        (spec.integer, i32::MIN as i64, i32::MAX as i64, "integer"),
        (spec.bigint, i64::MIN, i64::MAX, "bigint"),
    ] {
        for column in columns {
            if let Some(value) = row.get_mut(*column) {
                if clamp_integer(value, min, max) {
                    cleaning.note(table, format!("{column} brought into the {kind} range"));
                }
            }
        }
    }
    for column in spec.required {
        if row.get(*column).is_none_or(Value::is_null) {
            return Some(not_null(column));
        }
    }
    for column in spec.defaulted {
        if row.get(*column).is_some_and(Value::is_null) {
            return Some(not_null(column));
        }
    }
    for check in std::iter::once(&ENVIRONMENT).chain(spec.checks) {
        if let Some(problem) = apply(check, row, table, cleaning) {
            return Some(format!("check ({}) fails: {problem}", check.sql()));
        }
    }
    None
}

fn not_null(column: &str) -> String {
    format!("null value in column \"{column}\" violates its not-null constraint")
}

/// Fixes what `check` allows fixing; returns what still violates it.
fn apply(
    check: &Check,
    row: &mut Map<String, Value>,
    table: Table,
    cleaning: &mut Cleaning,
) -> Option<String> {
    match *check {
        Check::OneOf(column, values) => match row.get(column) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if values.contains(&s.as_str()) => None,
            Some(other) => Some(format!("{column} is {other}")),
        },
        Check::Positive(column) => match int(row, column) {
            Some(n) if n <= 0 => Some(format!("{column} is {n}")),
            _ => None,
        },
        Check::Min(column, min, fix) => {
            let below = match row.get(column) {
                Some(Value::Number(n)) => n.as_f64().is_some_and(|v| v < min as f64),
                _ => false,
            };
            match (below, fix) {
                (false, _) => None,
                (true, Fix::Clamp) => {
                    row.insert(column.into(), Value::from(min));
                    cleaning.note(table, format!("{column} below {min} raised to {min}"));
                    None
                }
                (true, Fix::Refuse) => Some(format!("{column} is {}", row[column])),
            }
        }
        Check::NotBefore { later, earlier } => {
            let (Some(l), Some(e)) = (time(row, later), time(row, earlier)) else {
                return None;
            };
            if l < e {
                let value = row[later].clone();
                row.insert(earlier.into(), value);
                cleaning.note(table, format!("{earlier} after {later} set to {later}"));
            }
            None
        }
        Check::OnlyWhen {
            column,
            other,
            value,
        } => {
            let set = row.get(column).is_some_and(|v| !v.is_null());
            if set && row.get(other).and_then(Value::as_str) != Some(value) {
                row.insert(column.into(), Value::Null);
                cleaning.note(
                    table,
                    format!("{column} cleared (it belongs to {other} = {value} only)"),
                );
            }
            None
        }
        Check::SumIs(parts, total) => {
            let values: Option<Vec<i64>> = parts.iter().map(|p| int(row, p)).collect();
            let (Some(values), Some(expected)) = (values, int(row, total)) else {
                return None;
            };
            let sum: i64 = values.iter().sum();
            (sum != expected).then(|| {
                let terms: Vec<String> = values.iter().map(i64::to_string).collect();
                format!("{} = {sum}, {total} is {expected}", terms.join(" + "))
            })
        }
        Check::WeekStartsMonday { date, grain } => {
            if row.get(grain).and_then(Value::as_str) != Some("week") {
                return None;
            }
            let day = row
                .get(date)
                .and_then(Value::as_str)
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())?;
            (day.weekday() != Weekday::Mon)
                .then(|| format!("{date} {day} is a {:?}, not a Monday", day.weekday()))
        }
    }
}

fn int(row: &Map<String, Value>, column: &str) -> Option<i64> {
    row.get(column).and_then(Value::as_i64)
}

fn time(row: &Map<String, Value>, column: &str) -> Option<DateTime<chrono::FixedOffset>> {
    DateTime::parse_from_rfc3339(row.get(column)?.as_str()?).ok()
}

/// Brings a number into `min..=max` as a whole number; true when it changed. A value that is not
/// a number is left for the server to judge.
fn clamp_integer(value: &mut Value, min: i64, max: i64) -> bool {
    let Value::Number(n) = value else {
        return false;
    };
    let clamped = if let Some(i) = n.as_i64() {
        i.clamp(min, max)
    } else if n.is_u64() {
        max
    } else {
        let f = n.as_f64().unwrap_or(0.0).round();
        // `as` saturates at the i64 range.
        (f as i64).clamp(min, max)
    };
    if n.as_i64() == Some(clamped) {
        return false;
    }
    *value = Value::Number(Number::from(clamped));
    true
}

impl fmt::Display for Quarantined {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let by = match self.refused_by {
            RefusedBy::Devmetrics => "checked before sending",
            RefusedBy::Server => "refused by the database",
        };
        write!(f, "{} ({by}): {}", self.code, self.message)
    }
}

#[cfg(test)]
mod tests;
