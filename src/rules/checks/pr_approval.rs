//! `pr_approval`: a merged PR was approved by someone other than its author.

use super::{list, CheckSpec, Verdict};
use crate::rules::{PrState, PullRequestContext, RuleContext};
use crate::rows::rule_compliance_events::ContextType;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// `pr_approval`: a merged PR was approved by someone other than its author.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PrApproval {
    /// The fewest distinct approvers other than the author.
    pub min_approvals: usize,
}

impl Default for PrApproval {
    fn default() -> Self {
        PrApproval { min_approvals: 1 }
    }
}

/// Judges the approvals of a PR.
pub fn pr_approval(p: &PrApproval, pr: &PullRequestContext) -> Verdict {
    match pr.state {
        PrState::Open => return Verdict::not_applicable("not merged yet", json!({})),
        PrState::Closed => return Verdict::not_applicable("closed without merging", json!({})),
        PrState::Merged => {}
    }
    let Some(approvals) = &pr.approvals else {
        return Verdict::not_applicable("the PR's reviews were not looked up", json!({}));
    };
    let mut approvers: Vec<&str> = Vec::new();
    for login in approvals {
        let other = !login.eq_ignore_ascii_case(&pr.author);
        if other && !approvers.iter().any(|a| a.eq_ignore_ascii_case(login)) {
            approvers.push(login);
        }
    }
    let evidence = json!({ "author": pr.author, "approvers": approvers });
    if approvers.len() >= p.min_approvals {
        Verdict::compliant(
            format!(
                "merged with approval from {}",
                list(approvers.iter().copied())
            ),
            evidence,
        )
    } else if approvers.is_empty() {
        Verdict::violation(
            format!(
                "merged without an approval from someone other than `{}`",
                pr.author
            ),
            evidence,
        )
    } else {
        Verdict::violation(
            format!(
                "merged with {} approval(s) from others than the author, fewer than {}",
                approvers.len(),
                p.min_approvals
            ),
            evidence,
        )
    }
}

impl CheckSpec for PrApproval {
    const TARGETS: &'static [ContextType] = &[ContextType::PullRequest];

    fn judge(&self, context: &RuleContext) -> Option<Verdict> {
        match context {
            RuleContext::PullRequest(pr) => Some(pr_approval(self, pr)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::rule_compliance_events::ComplianceStatus;
    use crate::rules::checks::test_support::pr;

    #[test]
    fn approval_ignores_the_author_whatever_the_case() {
        let p = PrApproval { min_approvals: 2 };
        let mut merged = pr("t", None, "b");
        merged.approvals = Some(vec!["alice".into(), "bob".into(), "Bob".into()]);
        let v = pr_approval(&p, &merged);
        assert_eq!(
            v.details,
            "merged with 1 approval(s) from others than the author, fewer than 2"
        );
        merged.approvals = Some(vec!["bob".into(), "carol".into()]);
        assert_eq!(pr_approval(&p, &merged).status, ComplianceStatus::Compliant);
        merged.state = PrState::Open;
        assert_eq!(
            pr_approval(&p, &merged).status,
            ComplianceStatus::NotApplicable
        );
    }
}
