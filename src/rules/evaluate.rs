//! Evaluation: every enabled rule of a rule set judged on one context, one row per rule and
//! context (per commit for commit rules); see the `rules` module docs for which rows come out.

use crate::rows::rule_compliance_events::{ComplianceStatus, ContextType, RuleComplianceEvent};
use crate::rows::RecordContext;
use crate::rules::checks::Verdict;
use crate::rules::context::RuleContext;
use crate::rules::set::{Rule, RuleSet};
use chrono::{DateTime, Utc};

/// Evaluates every enabled rule of `rules` that applies to `context` (see the module docs for
/// which rows come out), in the order of the rules, commits in the order given (a sha listed
/// twice is judged once). A push whose head sha is all zeros (a deleted branch) yields nothing.
pub fn evaluate(
    rules: &RuleSet,
    context: &RuleContext,
    ctx: &RecordContext,
) -> Vec<RuleComplianceEvent> {
    let mut rows = Vec::new();
    if let RuleContext::Push(push) = context {
        // A deleted branch points nowhere: there is nothing to judge.
        if push.head_sha.bytes().all(|b| b == b'0') {
            return rows;
        }
    }
    for rule in rules.rules().iter().filter(|r| r.enabled) {
        if rule.applies_to.contains(&ContextType::Commit) {
            let mut seen = std::collections::HashSet::new();
            for commit in context.commits() {
                if !seen.insert(commit.sha.as_str()) {
                    continue;
                }
                if let Some(verdict) = rule.check.run_on_commit(commit) {
                    rows.push(row(
                        rule,
                        ctx,
                        ContextType::Commit,
                        commit.sha.clone(),
                        commit.timestamp,
                        verdict,
                    ));
                }
            }
        }
        let own = context.context_type();
        if own != ContextType::Commit && rule.applies_to.contains(&own) {
            if let Some(verdict) = rule.check.run(context) {
                rows.push(row(
                    rule,
                    ctx,
                    own,
                    context.context_id(),
                    context.timestamp(),
                    verdict,
                ));
            }
        }
    }
    rows
}

/// Keeps the rows that may be recorded: all of them for a settled context, only the commit rows
/// for an open pull request.
pub fn settled(context: &RuleContext, rows: Vec<RuleComplianceEvent>) -> Vec<RuleComplianceEvent> {
    if context.is_settled() {
        return rows;
    }
    rows.into_iter()
        .filter(|r| r.context_type == ContextType::Commit)
        .collect()
}

fn row(
    rule: &Rule,
    ctx: &RecordContext,
    context_type: ContextType,
    context_id: String,
    event_timestamp: DateTime<Utc>,
    verdict: Verdict,
) -> RuleComplianceEvent {
    let metadata = serde_json::json!({
        "check": rule.check.kind().name(),
        "severity": rule.severity,
        "params": rule.check.params_json(),
        "evidence": verdict.evidence,
    });
    RuleComplianceEvent {
        repository: ctx.repository.clone(),
        environment: ctx.environment,
        rule_name: rule.name.clone(),
        rule_category: rule.category.clone(),
        compliance_status: verdict.status,
        context_type,
        context_id,
        event_timestamp,
        details: Some(verdict.details),
        recorded_at: ctx.recorded_at,
        metadata,
    }
}

/// The violations among `rows`.
pub fn violations(rows: &[RuleComplianceEvent]) -> impl Iterator<Item = &RuleComplianceEvent> {
    rows.iter()
        .filter(|r| r.compliance_status == ComplianceStatus::Violation)
}
