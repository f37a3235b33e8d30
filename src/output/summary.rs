//! The job summary: what a run recorded, where, for which environment and why, as Markdown for
//! `$GITHUB_STEP_SUMMARY`. Rendering only; it is given plain data and a writer.

use crate::rows::Table;
use std::fmt::Write as _;

/// GitHub keeps at most this many bytes of one step's summary (1 MiB) and refuses a larger
/// one. The one limit of every summary: [`render`] never exceeds it, and sections are given a
/// share of it.
pub const GITHUB_SUMMARY_LIMIT: usize = 1024 * 1024;

/// One table's line in the summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableLine {
    /// The table.
    pub table: Table,
    /// Rows produced.
    pub rows: usize,
    /// Of those, newly stored.
    pub inserted: usize,
    /// Of those, spooled for replay.
    pub spooled: usize,
    /// Of those, refused and quarantined.
    pub quarantined: usize,
}

/// Rows refused and kept in a quarantine file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuarantineNote {
    /// The quarantine file.
    pub file: String,
    /// The spool directory a fixed file is moved to.
    pub spool_dir: String,
    /// Per table and reason, how many rows.
    pub reasons: Vec<(Table, String, usize)>,
}

impl QuarantineNote {
    /// Rows quarantined.
    pub fn rows(&self) -> usize {
        self.reasons.iter().map(|(_, _, n)| n).sum()
    }

    /// How to send the rows once fixed.
    pub fn help(&self) -> String {
        format!(
            "fix each row in {} (its reason is on its line), move the file to {}, then run `devmetrics replay`",
            self.file, self.spool_dir
        )
    }
}

/// What `record` did, for the summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordReport {
    /// `local`, `staging` or `production`.
    pub environment: String,
    /// Why that environment.
    pub why: String,
    /// Where rows went (no secret).
    pub sink: String,
    /// The event, e.g. `pull_request (closed)`.
    pub event: Option<String>,
    /// Per table.
    pub tables: Vec<TableLine>,
    /// Things skipped on purpose, with the reason.
    pub notices: Vec<String>,
    /// Problems that did not stop the run.
    pub warnings: Vec<String>,
    /// The spool file, when rows were spooled.
    pub spool_file: Option<String>,
    /// The quarantine file and why, when rows were refused.
    pub quarantine: Option<QuarantineNote>,
    /// Further sections (test results, rule compliance), already Markdown.
    pub sections: Vec<String>,
}

/// Escapes user text (PR titles, branch names, test names, messages, paths) for Markdown,
/// table cells included: `&`, `<` and `>` become entities (no HTML), the characters that start
/// emphasis, code, links, strike-through or a new cell are backslash-escaped, runs of line ends
/// and tabs become one space, other control characters are dropped. No user text can inject
/// markup or links or break a table. The one escaper of every summary section.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut in_space = false;
    for c in text.chars() {
        if matches!(c, '\r' | '\n' | '\t') {
            if !in_space {
                out.push(' ');
            }
            in_space = true;
            continue;
        }
        in_space = false;
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Renders the report as Markdown, never longer than [`GITHUB_SUMMARY_LIMIT`].
pub fn render(report: &RecordReport) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "## devmetrics\n");
    let _ = writeln!(
        md,
        "Recorded for **{}** ({}) to {}.\n",
        escape(&report.environment),
        escape(&report.why),
        escape(&report.sink)
    );
    if let Some(event) = &report.event {
        let _ = writeln!(md, "Event: `{}`\n", event.replace('`', "'"));
    }
    for warning in &report.warnings {
        let _ = writeln!(md, "> [!WARNING]\n> {}\n", escape(warning));
    }
    if report.tables.is_empty() {
        let _ = writeln!(md, "No rows to record.\n");
    } else {
        let _ = writeln!(md, "| table | rows | new | already recorded | spooled |");
        let _ = writeln!(md, "|---|---:|---:|---:|---:|");
        for t in &report.tables {
            let already = t
                .rows
                .saturating_sub(t.inserted + t.spooled + t.quarantined);
            let _ = writeln!(
                md,
                "| `{}` | {} | {} | {} | {} |",
                t.table, t.rows, t.inserted, already, t.spooled
            );
        }
        md.push('\n');
    }
    if let Some(spool) = &report.spool_file {
        let _ = writeln!(
            md,
            "Rows that could not be written are kept in `{}`: run `devmetrics replay` to send them.\n",
            spool.replace('`', "'")
        );
    }
    if let Some(q) = &report.quarantine {
        let code = |text: &str| text.replace('`', "'");
        let _ = writeln!(
            md,
            "> [!CAUTION]\n> {} row(s) were refused and kept in `{}` (not written, not spooled):",
            q.rows(),
            code(&q.file)
        );
        for (table, reason, n) in &q.reasons {
            let _ = writeln!(md, "> - `{table}`: {n} row(s): {}", escape(reason));
        }
        let _ = writeln!(
            md,
            ">\n> To send them: fix each row in the file (its reason is on its line), move the file to `{}`, then run `devmetrics replay`.\n",
            code(&q.spool_dir)
        );
    }
    for notice in &report.notices {
        let _ = writeln!(md, "- {}", escape(notice));
    }
    if !report.notices.is_empty() {
        md.push('\n');
    }
    for section in &report.sections {
        if md.len() + section.len() + 200 > GITHUB_SUMMARY_LIMIT {
            let _ = writeln!(
                md,
                "\n_Further sections were left out to stay under GitHub's 1 MiB summary limit._"
            );
            break;
        }
        md.push_str(section);
        md.push('\n');
    }
    truncate(md, GITHUB_SUMMARY_LIMIT)
}

fn truncate(mut text: String, max: usize) -> String {
    if text.len() <= max {
        return text;
    }
    let note = "\n\n_Summary truncated at GitHub's size limit._\n";
    let mut end = max - note.len();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text.push_str(note);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_is_escaped() {
        assert_eq!(
            escape("<script>*bold*|x\n[y](z)"),
            "&lt;script&gt;\\*bold\\*\\|x \\[y\\](z)"
        );
    }

    #[test]
    fn quarantined_rows_are_counted_with_reasons_and_help() {
        let report = RecordReport {
            tables: vec![TableLine {
                table: Table::TestRuns,
                rows: 3,
                inserted: 2,
                spooled: 0,
                quarantined: 1,
            }],
            quarantine: Some(QuarantineNote {
                file: "out/quarantine/a.jsonl".into(),
                spool_dir: "out/spool".into(),
                reasons: vec![(
                    Table::TestRuns,
                    "22008 (refused by the database): out of range".into(),
                    1,
                )],
            }),
            ..Default::default()
        };
        let md = render(&report);
        assert!(
            md.contains("| `metrics.test_runs` | 3 | 2 | 0 | 0 |"),
            "{md}"
        );
        assert!(
            md.contains("1 row(s) were refused and kept in `out/quarantine/a.jsonl`"),
            "{md}"
        );
        assert!(md.contains("`metrics.test_runs`: 1 row(s): 22008"), "{md}");
        assert!(
            md.contains("move the file to `out/spool`, then run `devmetrics replay`"),
            "{md}"
        );
    }

    #[test]
    fn huge_sections_stay_under_the_limit() {
        let report = RecordReport {
            environment: "local".into(),
            sections: vec!["x".repeat(600 * 1024), "y".repeat(600 * 1024)],
            ..Default::default()
        };
        let md = render(&report);
        assert!(md.len() <= GITHUB_SUMMARY_LIMIT);
        assert!(md.contains("Further sections were left out"));
    }
}
