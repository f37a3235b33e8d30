//! Rows: one plain struct per table of the `metrics` schema, whose serde names are the column
//! names, and `Batch`. Rows know nothing about HTTP or files; events become rows in
//! [`crate::convert`].

pub mod clean;
pub mod deployment_events;
pub mod development_metrics;
pub mod pr_events;
pub mod push_events;
pub mod rule_compliance_events;
pub mod test_case_results;
pub mod test_runs;

pub use deployment_events::DeploymentEvent;
pub use development_metrics::DevelopmentMetric;
pub use pr_events::PrEvent;
pub use push_events::PushEvent;
pub use rule_compliance_events::RuleComplianceEvent;
pub use test_case_results::TestCaseResult;
pub use test_runs::TestRun;

use crate::environment::Environment;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{de::DeserializeOwned, Serialize};
use std::fmt;

/// A table of the `metrics` schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Table {
    /// `metrics.pr_events`
    PrEvents,
    /// `metrics.deployment_events`
    DeploymentEvents,
    /// `metrics.test_runs`
    TestRuns,
    /// `metrics.test_case_results`
    TestCaseResults,
    /// `metrics.rule_compliance_events`
    RuleComplianceEvents,
    /// `metrics.development_metrics`
    DevelopmentMetrics,
    /// `metrics.push_events`
    PushEvents,
}

impl Table {
    /// Every table, in the order their migrations create them.
    pub const ALL: [Table; 7] = [
        Table::PrEvents,
        Table::DeploymentEvents,
        Table::TestRuns,
        Table::TestCaseResults,
        Table::RuleComplianceEvents,
        Table::DevelopmentMetrics,
        Table::PushEvents,
    ];

    /// The table's name inside the `metrics` schema.
    pub fn name(self) -> &'static str {
        match self {
            Table::PrEvents => "pr_events",
            Table::DeploymentEvents => "deployment_events",
            Table::TestRuns => "test_runs",
            Table::TestCaseResults => "test_case_results",
            Table::RuleComplianceEvents => "rule_compliance_events",
            Table::DevelopmentMetrics => "development_metrics",
            Table::PushEvents => "push_events",
        }
    }

    /// Looks a table up by its name (`pr_events`...).
    pub fn from_name(name: &str) -> Option<Table> {
        Table::ALL.into_iter().find(|t| t.name() == name)
    }

    /// The columns of the table's natural key: its UNIQUE constraint in `migrations/`.
    pub fn natural_key(self) -> &'static [&'static str] {
        match self {
            Table::PrEvents => &["repository", "pr_number", "event_key"],
            Table::DeploymentEvents => &["repository", "deployment_id", "status"],
            Table::TestRuns => &["repository", "run_id", "leg", "test_type"],
            Table::TestCaseResults => &[
                "repository",
                "run_id",
                "leg",
                "test_type",
                "suite_name",
                "classname",
                "test_name",
            ],
            Table::RuleComplianceEvents => {
                &["repository", "rule_name", "context_type", "context_id"]
            }
            Table::DevelopmentMetrics => &[
                "repository",
                "environment",
                "metric_date",
                "grain",
                "metric_name",
            ],
            Table::PushEvents => &["repository", "branch", "after_sha"],
        }
    }

    /// What a repeated write does: events are kept as first written; computed metrics are
    /// replaced by their newest computation.
    pub fn on_duplicate(self) -> OnDuplicate {
        match self {
            Table::DevelopmentMetrics => OnDuplicate::Replace,
            _ => OnDuplicate::Ignore,
        }
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "metrics.{}", self.name())
    }
}

/// What happens when a row with the same natural key already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnDuplicate {
    /// Keep the existing row (events happened once).
    Ignore,
    /// Replace it (recomputed aggregates).
    Replace,
}

/// A row of one table.
pub trait Row: Serialize + DeserializeOwned + Clone + fmt::Debug {
    /// The table the row belongs to.
    const TABLE: Table;
}

/// What every row records about where and when it was recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordContext {
    /// `owner/name`.
    pub repository: String,
    /// The environment this run resolved to.
    pub environment: Environment,
    /// When this run recorded the rows.
    pub recorded_at: DateTime<Utc>,
}

/// Rows of any table, grouped per table, ready for a sink: plain JSON objects whose keys are the
/// column names (every object of one table has the same keys, as a PostgREST bulk insert needs).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Batch {
    groups: std::collections::BTreeMap<Table, Vec<serde_json::Value>>,
    /// Rows [`Batch::clean`] kept back: not sent, not spooled.
    quarantined: Vec<clean::Quarantined>,
}

impl Batch {
    /// An empty batch.
    pub fn new() -> Batch {
        Batch::default()
    }

    /// Adds rows of one table.
    pub fn extend<R: Row>(&mut self, rows: impl IntoIterator<Item = R>) {
        let group = self.groups.entry(R::TABLE).or_default();
        for row in rows {
            // A row struct always serializes to an object: its fields are strings, numbers,
            // timestamps and JSON values.
            group.push(serde_json::to_value(row).expect("row structs serialize to JSON"));
        }
        if group.is_empty() {
            self.groups.remove(&R::TABLE);
        }
    }

    /// Adds already-serialized rows of one table (a replayed spool file).
    pub fn extend_values(
        &mut self,
        table: Table,
        rows: impl IntoIterator<Item = serde_json::Value>,
    ) {
        let group = self.groups.entry(table).or_default();
        group.extend(rows);
        if group.is_empty() {
            self.groups.remove(&table);
        }
    }

    /// Moves every row (and quarantined row) of `other` into this batch.
    pub fn append(&mut self, other: Batch) {
        for (table, rows) in other.groups {
            self.extend_values(table, rows);
        }
        self.quarantined.extend(other.quarantined);
    }

    /// The tables touched, with their rows.
    pub fn groups(&self) -> impl Iterator<Item = (Table, &[serde_json::Value])> {
        self.groups.iter().map(|(t, rows)| (*t, rows.as_slice()))
    }

    /// How many rows of `table`.
    pub fn count(&self, table: Table) -> usize {
        self.groups.get(&table).map_or(0, Vec::len)
    }

    /// How many rows in all.
    pub fn len(&self) -> usize {
        self.groups.values().map(Vec::len).sum()
    }

    /// True when there is no row.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// Cleans every row before it is sent (see [`clean`]): strips NUL characters, redacts
    /// `secrets`, brings values into their column's range and order, and moves the rows that
    /// still violate a constraint of their table to [`Batch::quarantined`]. Returns what changed.
    pub fn clean(&mut self, secrets: &[&crate::secret::Secret]) -> clean::Cleaning {
        let mut cleaning = clean::Cleaning::default();
        for (table, rows) in std::mem::take(&mut self.groups) {
            let (keep, refused) = clean::clean_rows(table, rows, secrets, &mut cleaning);
            self.quarantined.extend(refused);
            self.extend_values(table, keep);
        }
        cleaning
    }

    /// The rows [`Batch::clean`] kept back, with why.
    pub fn quarantined(&self) -> &[clean::Quarantined] {
        &self.quarantined
    }
}

/// A commit's first 7 characters, as GitHub shows it in messages.
pub fn short_sha(sha: &str) -> &str {
    sha.get(..7).unwrap_or(sha)
}

/// A timestamp as it appears inside natural keys: RFC 3339, UTC, whole seconds, `Z`.
pub fn key_timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}
