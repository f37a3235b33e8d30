//! What a step shows of rule compliance: the violations as job-summary Markdown, annotations,
//! and which violations fail the step (`fail-on-violation`). Everything here renders or decides;
//! the caller writes the text and sets the exit code.
//!
//! Which violations fail the step is [`FailOn`] (in `rules`, next to the rules it names; the
//! `fail-on-violation` setting parses into it); this module shows its effect.

use super::summary::escape;
use super::workflow_commands::{self, AnnotationBudget, AnnotationTarget, Level};
use crate::rows::rule_compliance_events::{ComplianceStatus, ContextType, RuleComplianceEvent};
use crate::rules::{FailOn, RuleSet, RulesSource, Severity};
use std::fmt;
use std::io::{self, Write};

/// The most violations listed in the summary; the rest are counted.
pub const MAX_SUMMARY_ROWS: usize = 50;
/// The most characters of a `details` text shown in the summary or an annotation.
pub const MAX_DETAILS_CHARS: usize = 300;

/// The violations that fail the step: those of rules named by `fail_on`, or whose severity is
/// `error`. Empty means the step passes.
pub fn failing<'a>(
    rows: &'a [RuleComplianceEvent],
    rules: &RuleSet,
    fail_on: &FailOn,
) -> Vec<&'a RuleComplianceEvent> {
    rows.iter()
        .filter(|r| r.compliance_status == ComplianceStatus::Violation)
        .filter(|r| {
            fail_on.names(&r.rule_name)
                || rules
                    .get(&r.rule_name)
                    .is_some_and(|rule| rule.severity == Severity::Error)
        })
        .collect()
}

/// Writes the rule compliance section of the job summary: counts, then a table of the
/// violations (at most [`MAX_SUMMARY_ROWS`]), marking those that fail the step. User text
/// (branch names, titles, rule names) is escaped so it cannot break the table or inject HTML.
pub fn write_summary<W: Write>(
    out: &mut W,
    rows: &[RuleComplianceEvent],
    rules: &RuleSet,
    fail_on: &FailOn,
) -> io::Result<()> {
    let count = |s: ComplianceStatus| rows.iter().filter(|r| r.compliance_status == s).count();
    let violations: Vec<&RuleComplianceEvent> = rows
        .iter()
        .filter(|r| r.compliance_status == ComplianceStatus::Violation)
        .collect();
    let failing = failing(rows, rules, fail_on);
    writeln!(out, "### Rule compliance")?;
    writeln!(out)?;
    match rules.source() {
        RulesSource::Default => writeln!(out, "Default rules (no rules file).")?,
        RulesSource::File(path) => {
            writeln!(out, "Rules from {}.", escape(&path.display().to_string()))?
        }
    }
    writeln!(out)?;
    writeln!(
        out,
        "{} compliant · {} violation{} · {} not applicable",
        count(ComplianceStatus::Compliant),
        violations.len(),
        if violations.len() == 1 { "" } else { "s" },
        count(ComplianceStatus::NotApplicable),
    )?;
    if violations.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "| Rule | Category | Context | Details | Fails step |")?;
    writeln!(out, "| --- | --- | --- | --- | --- |")?;
    for row in violations.iter().take(MAX_SUMMARY_ROWS) {
        let fails = failing.iter().any(|f| std::ptr::eq(*f, *row));
        writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            escape(&row.rule_name),
            escape(&row.rule_category),
            escape(&ContextLabel(row).to_string()),
            escape(&truncate(
                row.details.as_deref().unwrap_or(""),
                MAX_DETAILS_CHARS
            )),
            if fails { "yes" } else { "no" },
        )?;
    }
    if violations.len() > MAX_SUMMARY_ROWS {
        writeln!(out)?;
        writeln!(
            out,
            "…and {} more violations, not listed.",
            violations.len() - MAX_SUMMARY_ROWS
        )?;
    }
    Ok(())
}

/// The annotations a step alone would show: [`violation_annotations`] within one step's
/// [`AnnotationBudget`] (at most
/// [`ANNOTATIONS_PER_LEVEL`](workflow_commands::ANNOTATIONS_PER_LEVEL) per level). `record` prints
/// [`violation_annotations`] through [`crate::output::Output::annotate`] instead, which shares
/// the step's slots with the test results.
pub fn annotations(rows: &[RuleComplianceEvent], rules: &RuleSet, fail_on: &FailOn) -> Vec<String> {
    let (kept, _) = AnnotationBudget::per_step().admit(violation_annotations(rows, rules, fail_on));
    kept
}

/// One annotation per violation, in report order, at the rule's severity, or `error` for a
/// violation that fails the step. Each is a `::warning title=…::…` line.
pub fn violation_annotations(
    rows: &[RuleComplianceEvent],
    rules: &RuleSet,
    fail_on: &FailOn,
) -> Vec<String> {
    let failing = failing(rows, rules, fail_on);
    rows.iter()
        .filter(|r| r.compliance_status == ComplianceStatus::Violation)
        .map(|row| {
            let severity = rules
                .get(&row.rule_name)
                .map_or(Severity::Warning, |r| r.severity);
            let level = if failing.iter().any(|f| std::ptr::eq(*f, row)) {
                Level::Error
            } else {
                match severity {
                    Severity::Notice => Level::Notice,
                    Severity::Warning => Level::Warning,
                    Severity::Error => Level::Error,
                }
            };
            let target = AnnotationTarget {
                title: Some(format!("rule {} ({})", row.rule_name, row.rule_category)),
                ..AnnotationTarget::default()
            };
            let message = format!(
                "{}: {}",
                ContextLabel(row),
                truncate(
                    row.details.as_deref().unwrap_or("violation"),
                    MAX_DETAILS_CHARS
                )
            );
            workflow_commands::annotation(level, &target, &message)
        })
        .collect()
}

/// `PR #12`, `commit 1a2b3c4d5e6f`, `push feature/x@1a2b3c4d5e6f`, `deployment 42`.
struct ContextLabel<'a>(&'a RuleComplianceEvent);

impl fmt::Display for ContextLabel<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let id = &self.0.context_id;
        match self.0.context_type {
            ContextType::PullRequest => write!(f, "PR #{id}"),
            ContextType::Commit => write!(f, "commit {}", short(id)),
            ContextType::Push => match id.rsplit_once('@') {
                Some((branch, sha)) => write!(f, "push {branch}@{}", short(sha)),
                None => write!(f, "push {id}"),
            },
            ContextType::Deployment => {
                write!(
                    f,
                    "deployment {}",
                    id.strip_prefix("deployment:").unwrap_or(id)
                )
            }
        }
    }
}

/// The first 12 characters of a sha.
fn short(sha: &str) -> String {
    sha.chars().take(12).collect()
}

/// Cuts `text` to `max` characters, ending with `…` when cut.
fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::environment::Environment;
    use crate::output::workflow_commands::ANNOTATIONS_PER_LEVEL;
    use chrono::{TimeZone, Utc};

    fn row(rule: &str, status: ComplianceStatus, id: usize) -> RuleComplianceEvent {
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        RuleComplianceEvent {
            repository: "o/r".into(),
            environment: Environment::Local,
            rule_name: rule.into(),
            rule_category: "quality".into(),
            compliance_status: status,
            context_type: ContextType::PullRequest,
            context_id: id.to_string(),
            event_timestamp: at,
            details: Some("x".repeat(400)),
            recorded_at: at,
            metadata: serde_json::json!({}),
        }
    }

    fn summary(rows: &[RuleComplianceEvent]) -> String {
        let mut out = Vec::new();
        write_summary(&mut out, rows, &RuleSet::defaults(), &FailOn::Nothing).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn summary_without_violations_has_no_table() {
        let rows = [
            row("pr-size", ComplianceStatus::Compliant, 1),
            row("pr-approval", ComplianceStatus::NotApplicable, 1),
        ];
        assert_eq!(
            summary(&rows),
            "### Rule compliance\n\nDefault rules (no rules file).\n\n\
             1 compliant · 0 violations · 1 not applicable\n"
        );
    }

    #[test]
    fn summary_is_bounded() {
        let rows: Vec<_> = (0..60)
            .map(|i| row("pr-size", ComplianceStatus::Violation, i))
            .collect();
        let text = summary(&rows);
        assert_eq!(
            text.lines().filter(|l| l.starts_with("| pr-size")).count(),
            50
        );
        assert!(text.ends_with("\n…and 10 more violations, not listed.\n"));
        let cell = text.lines().find(|l| l.starts_with("| pr-size")).unwrap();
        assert!(cell.contains(&format!("{}… |", "x".repeat(299))));
        assert_eq!(
            annotations(&rows, &RuleSet::defaults(), &FailOn::Nothing).len(),
            ANNOTATIONS_PER_LEVEL
        );
    }

    #[test]
    fn cells_neutralize_markdown_and_html() {
        assert_eq!(
            escape("a|b <img src=x> `c` [l](u)\nnext"),
            "a\\|b &lt;img src=x&gt; \\`c\\` \\[l\\](u) next"
        );
    }

    #[test]
    fn truncate_counts_characters() {
        assert_eq!(truncate("ééé", 3), "ééé");
        assert_eq!(truncate("éééé", 3), "éé…");
    }
}
