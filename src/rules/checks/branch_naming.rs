//! `branch_naming`: the branch a PR comes from, or the branch pushed to, matches one of the
//! team's globs (`feature/**`, `fix/**` by default).

use super::{list, CheckSpec, Verdict};
use crate::rules::patterns::GlobPattern;
use crate::rules::RuleContext;
use crate::rows::rule_compliance_events::ContextType;
use serde::{Deserialize, Serialize};
use serde_json::json;


/// `branch_naming`: the branch (a PR's head branch, or the branch pushed to) matches one of
/// `patterns`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BranchNaming {
    /// Globs a branch must match one of (`*` matches any run of characters, `/` included).
    pub patterns: Vec<GlobPattern>,
    /// Branches the rule says nothing about (`not_applicable`): long-lived and bot branches.
    pub exempt: Vec<GlobPattern>,
}

impl Default for BranchNaming {
    fn default() -> Self {
        BranchNaming {
            patterns: GlobPattern::many(&["feature/*", "fix/*"]),
            exempt: GlobPattern::many(&["main", "master", "dependabot/*", "renovate/*"]),
        }
    }
}

/// Judges a branch name.
pub fn branch_naming(p: &BranchNaming, branch: &str) -> Verdict {
    let evidence = json!({ "branch": branch });
    if let Some(g) = p.exempt.iter().find(|g| g.is_match(branch)) {
        return Verdict::not_applicable(
            format!("branch `{branch}` is exempt (matches `{}`)", g.as_str()),
            evidence,
        );
    }
    match p.patterns.iter().find(|g| g.is_match(branch)) {
        Some(g) => Verdict::compliant(
            format!("branch `{branch}` matches `{}`", g.as_str()),
            evidence,
        ),
        None => Verdict::violation(
            format!(
                "branch `{branch}` matches none of {}",
                list(p.patterns.iter().map(GlobPattern::as_str))
            ),
            evidence,
        ),
    }
}

impl CheckSpec for BranchNaming {
    const TARGETS: &'static [ContextType] = &[ContextType::PullRequest, ContextType::Push];

    fn judge(&self, context: &RuleContext) -> Option<Verdict> {
        match context {
            RuleContext::PullRequest(pr) => Some(branch_naming(self, &pr.head_branch)),
            RuleContext::Push(push) => Some(branch_naming(self, &push.branch)),
            RuleContext::Deployment(_) => None,
        }
    }
}
