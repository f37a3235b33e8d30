//! `metrics.rule_compliance_events`: one verdict per rule and context.

use super::{Row, Table};
use crate::environment::Environment;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Was the rule followed?
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComplianceStatus {
    /// Followed.
    Compliant,
    /// Broken.
    Violation,
    /// The rule says nothing about this context.
    NotApplicable,
}

impl ComplianceStatus {
    /// The name stored in `compliance_status` (the serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            ComplianceStatus::Compliant => "compliant",
            ComplianceStatus::Violation => "violation",
            ComplianceStatus::NotApplicable => "not_applicable",
        }
    }
}

/// What a rule was evaluated on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContextType {
    /// A pull request (`context_id` is its number).
    PullRequest,
    /// A commit (`context_id` is its sha).
    Commit,
    /// A push (`context_id` is `<branch>@<head sha after the push>`: the same sha pushed to two
    /// branches is two pushes).
    Push,
    /// A deployment (`context_id` is the deployment id).
    Deployment,
}

/// A row of `metrics.rule_compliance_events`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleComplianceEvent {
    /// `owner/name`.
    pub repository: String,
    /// Where the row was recorded.
    pub environment: Environment,
    /// The rule's name, e.g. `branching.mdc`.
    pub rule_name: String,
    /// The rule's category, e.g. `foundation`.
    pub rule_category: String,
    /// The verdict.
    pub compliance_status: ComplianceStatus,
    /// What the rule was evaluated on.
    pub context_type: ContextType,
    /// Which one.
    pub context_id: String,
    /// When the context happened.
    pub event_timestamp: DateTime<Utc>,
    /// Why, in words.
    pub details: Option<String>,
    /// When devmetrics recorded the row.
    pub recorded_at: DateTime<Utc>,
    /// Rule parameters and evidence.
    pub metadata: serde_json::Value,
}

impl Row for RuleComplianceEvent {
    const TABLE: Table = Table::RuleComplianceEvents;
}

#[cfg(test)]
mod tests {
    use super::ComplianceStatus;

    #[test]
    fn status_names_are_their_serde_names() {
        for s in [
            ComplianceStatus::Compliant,
            ComplianceStatus::Violation,
            ComplianceStatus::NotApplicable,
        ] {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }
}
