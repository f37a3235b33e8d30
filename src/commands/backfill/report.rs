//! What a backfill did or, with `--dry-run`, would do: per table the rows to write, already
//! present and added, the rejected rows with why; printed, appended to the job summary, and
//! written whole to `<output-dir>/backfill-report.json`.

use super::{Rejected, Window};
use crate::output::summary::escape;
use crate::output::Output;
use crate::rows::Table;
use crate::settings::Settings;
use crate::sources::github_history::ClientStats;
use serde_json::json;
use std::collections::BTreeMap;

/// The report's file name in the output directory.
pub const FILE: &str = "backfill-report.json";

/// Counts of one table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableCounts {
    /// Valid rows made from the history.
    pub to_write: usize,
    /// Of those, rows whose natural key was already stored.
    pub present: usize,
    /// Rows actually added (a real run).
    pub added: usize,
}

/// The run's report.
#[derive(Debug)]
pub struct Report {
    window: Window,
    dry_run: bool,
    tables: BTreeMap<Table, TableCounts>,
    rejected: Vec<Rejected>,
    /// Notes of the sources.
    pub notes: Vec<String>,
    /// Facts converted to nothing on purpose.
    pub skipped: usize,
    /// Rows spooled for `replay`.
    pub spooled: usize,
    /// The GitHub API requests.
    pub requests: ClientStats,
}

impl Report {
    /// An empty report.
    pub fn new(window: &Window, dry_run: bool) -> Report {
        Report {
            window: window.clone(),
            dry_run,
            tables: BTreeMap::new(),
            rejected: Vec::new(),
            notes: Vec::new(),
            skipped: 0,
            spooled: 0,
            requests: ClientStats::default(),
        }
    }

    /// The counts of `table`.
    pub fn table(&mut self, table: Table) -> &mut TableCounts {
        self.tables.entry(table).or_default()
    }

    /// Adds a rejected row.
    pub fn reject(&mut self, rejected: Rejected) {
        self.rejected.push(rejected);
    }

    /// Rows rejected.
    pub fn rejected_count(&self) -> usize {
        self.rejected.len()
    }

    /// Prints the report, appends it to the job summary and writes the report file.
    pub fn finish(mut self, out: &Output, config: &Settings, present: BTreeMap<Table, usize>) {
        if self.dry_run {
            for (table, n) in present {
                self.table(table).present = n;
            }
        }
        let verb = if self.dry_run { "would write" } else { "wrote" };
        for (table, c) in &self.tables {
            let line = if self.dry_run {
                format!(
                    "{table}: {} rows to write, {} already present ({} new); {} rejected",
                    c.to_write,
                    c.present,
                    c.to_write - c.present.min(c.to_write),
                    self.rejected_in(*table)
                )
            } else {
                format!(
                    "{table}: {} added, {} already present; {} rejected",
                    c.added,
                    c.present,
                    self.rejected_in(*table)
                )
            };
            out.info(&line);
        }
        for (reason, n) in self.reasons() {
            out.warning(&format!("rejected {n} row(s): {reason}"));
        }
        let r = &self.requests;
        out.info(&format!(
            "GitHub API: {} requests ({} GraphQL), {} retried, {} rate limited, {:.1} s waited; {} facts skipped on purpose",
            r.requests,
            r.graphql,
            r.retried,
            r.rate_limited,
            r.waited.as_secs_f64(),
            self.skipped
        ));
        let file = config.output_dir.join(FILE);
        let body = json!({
            "repository": self.window.repository,
            "since": self.window.since,
            "until": self.window.until,
            "dry_run": self.dry_run,
            "tables": self.tables.iter().map(|(t, c)| (t.name().to_owned(), json!({
                "to_write": c.to_write, "present": c.present, "added": c.added,
                "rejected": self.rejected_in(*t),
            }))).collect::<serde_json::Map<_, _>>(),
            "rejected": self.rejected.iter().map(|r| json!({
                "table": r.table.name(), "reason": r.reason, "row": r.row,
            })).collect::<Vec<_>>(),
            "notes": self.notes,
            "github_requests": r.requests,
        });
        let written = std::fs::create_dir_all(&config.output_dir).and_then(|_| {
            std::fs::write(
                &file,
                serde_json::to_string_pretty(&body).expect("the report serializes"),
            )
        });
        match written {
            Ok(()) => out.info(&format!("report: {}", file.display())),
            Err(e) => out.warning(&format!("could not write {}: {e}", file.display())),
        }
        if let Some(summary) = &config.github.step_summary {
            let mut md = format!(
                "## devmetrics backfill{}\n\n{} from {} to {}: {verb} these rows.\n\n\
                 | table | made from history | already present | {} | rejected |\n| --- | ---: | ---: | ---: | ---: |\n",
                if self.dry_run { " (dry run)" } else { "" },
                escape(&self.window.repository),
                self.window.since.format("%Y-%m-%d"),
                self.window.until.format("%Y-%m-%d"),
                if self.dry_run { "new" } else { "added" },
            );
            for (table, c) in &self.tables {
                let new = if self.dry_run {
                    c.to_write.saturating_sub(c.present)
                } else {
                    c.added
                };
                md.push_str(&format!(
                    "| `{}` | {} | {} | {} | {} |\n",
                    table.name(),
                    c.to_write,
                    c.present,
                    new,
                    self.rejected_in(*table)
                ));
            }
            if self.tables.is_empty() {
                md.push_str("| (none) | 0 | 0 | 0 | 0 |\n");
            }
            let reasons = self.reasons();
            if !reasons.is_empty() {
                md.push_str(
                    "\n**Rejected rows** (not written; all in `backfill-report.json`):\n\n",
                );
                for (reason, n) in reasons {
                    md.push_str(&format!("- {n} × {}\n", escape(&reason)));
                }
            }
            md.push_str(&format!(
                "\n{} GitHub API requests ({} GraphQL, {} retried, {} rate limited).\n\n",
                r.requests, r.graphql, r.retried, r.rate_limited
            ));
            out.append_step_file(summary, &md, "the job summary");
        }
    }

    fn rejected_in(&self, table: Table) -> usize {
        self.rejected.iter().filter(|r| r.table == table).count()
    }

    /// Rejections grouped by table and reason, with counts.
    fn reasons(&self) -> Vec<(String, usize)> {
        let mut by: BTreeMap<String, usize> = BTreeMap::new();
        for r in &self.rejected {
            *by.entry(format!("{}: {}", r.table, r.reason)).or_default() += 1;
        }
        by.into_iter().collect()
    }
}
