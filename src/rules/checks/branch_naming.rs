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
    /// Globs a branch must match one of (`*` stops at `/`, `**` does not).
    pub patterns: Vec<GlobPattern>,
    /// Branches the rule says nothing about (`not_applicable`): long-lived and bot branches.
    pub exempt: Vec<GlobPattern>,
}

impl Default for BranchNaming {
    fn default() -> Self {
        BranchNaming {
            patterns: GlobPattern::many(&["feature/**", "fix/**"]),
            exempt: GlobPattern::many(&["main", "master", "dependabot/**", "renovate/**"]),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::rule_compliance_events::ComplianceStatus;

    #[test]
    fn a_star_in_a_pattern_stops_at_a_slash() {
        let p = BranchNaming {
            patterns: GlobPattern::many(&["feature/*"]),
            exempt: Vec::new(),
        };
        assert_eq!(
            branch_naming(&p, "feature/a").status,
            ComplianceStatus::Compliant
        );
        assert_eq!(
            branch_naming(&p, "feature/a/b").details,
            "branch `feature/a/b` matches none of `feature/*`"
        );
        let p = BranchNaming {
            patterns: GlobPattern::many(&["feature/**"]),
            exempt: Vec::new(),
        };
        assert_eq!(
            branch_naming(&p, "feature/a/b").details,
            "branch `feature/a/b` matches `feature/**`"
        );
    }

    #[test]
    fn the_default_patterns_judge_the_branches_a_crossing_star_judged() {
        // The defaults were `feature/*`, `fix/*` and exempt `main`, `master`, `dependabot/*`,
        // `renovate/*`, with a `*` that crossed `/`.
        let crossing = |globs: &[&str], branch: &str| {
            globs.iter().any(|g| {
                globset::Glob::new(g)
                    .unwrap()
                    .compile_matcher()
                    .is_match(branch)
            })
        };
        let p = BranchNaming::default();
        for branch in [
            "feature/a",
            "feature/a/b",
            "feature/",
            "fix/x/y/z",
            "feature",
            "features/a",
            "a/feature/b",
            "main",
            "main/x",
            "master",
            "dependabot/npm_and_yarn/lodash-4.17.21",
            "renovate/lodash",
            "renovate/major/lodash",
            "changes",
        ] {
            let before = if crossing(&["main", "master", "dependabot/*", "renovate/*"], branch) {
                ComplianceStatus::NotApplicable
            } else if crossing(&["feature/*", "fix/*"], branch) {
                ComplianceStatus::Compliant
            } else {
                ComplianceStatus::Violation
            };
            assert_eq!(branch_naming(&p, branch).status, before, "{branch}");
        }
    }
}
