//! `pr_size`: a PR's additions + deletions stay under a limit.

use super::{CheckSpec, Verdict};
use crate::rules::RuleContext;
use crate::rows::rule_compliance_events::ContextType;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// `pr_size`: additions + deletions stay under a limit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PrSize {
    /// The most changed lines (additions + deletions) allowed.
    pub max_changed_lines: u64,
}

impl Default for PrSize {
    fn default() -> Self {
        PrSize {
            max_changed_lines: 400,
        }
    }
}

/// Judges a PR's size.
pub fn pr_size(p: &PrSize, additions: Option<u64>, deletions: Option<u64>) -> Verdict {
    let (Some(additions), Some(deletions)) = (additions, deletions) else {
        return Verdict::not_applicable("the PR's size is not known", json!({}));
    };
    let changed = additions.saturating_add(deletions);
    let evidence = json!({ "additions": additions, "deletions": deletions, "changed": changed });
    if changed <= p.max_changed_lines {
        Verdict::compliant(
            format!("{changed} changed lines (limit {})", p.max_changed_lines),
            evidence,
        )
    } else {
        Verdict::violation(
            format!(
                "{changed} changed lines, more than {} (+{additions} −{deletions})",
                p.max_changed_lines
            ),
            evidence,
        )
    }
}

impl CheckSpec for PrSize {
    const TARGETS: &'static [ContextType] = &[ContextType::PullRequest];

    fn judge(&self, context: &RuleContext) -> Option<Verdict> {
        match context {
            RuleContext::PullRequest(pr) => Some(pr_size(self, pr.additions, pr.deletions)),
            _ => None,
        }
    }
}
