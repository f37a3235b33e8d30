//! `pr_title`: the PR's title fits a length, and a regex or the conventional commits format.

use super::conventional_commits::{conventional_problem, ConventionalCommits};
use super::{CheckSpec, Verdict};
use crate::rules::patterns::RegexPattern;
use crate::rules::RuleContext;
use crate::rows::rule_compliance_events::ContextType;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// `pr_title`: the PR's title fits a length, and a regex or the conventional commits format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PrTitle {
    /// The fewest characters.
    pub min_length: usize,
    /// The most characters.
    pub max_length: usize,
    /// A regex the title must match (anchor it with `^…$` to match the whole title).
    pub pattern: Option<RegexPattern>,
    /// Require a conventional commit header (useful when PRs are squash-merged).
    pub conventional: bool,
}

impl Default for PrTitle {
    fn default() -> Self {
        PrTitle {
            min_length: 10,
            max_length: 72,
            pattern: None,
            conventional: false,
        }
    }
}

/// Judges a PR's title.
pub fn pr_title(p: &PrTitle, title: &str) -> Verdict {
    let length = title.trim().chars().count();
    let evidence = json!({ "title": title, "length": length });
    if length < p.min_length {
        return Verdict::violation(
            format!(
                "the title has {length} characters, fewer than {}",
                p.min_length
            ),
            evidence,
        );
    }
    if length > p.max_length {
        return Verdict::violation(
            format!(
                "the title has {length} characters, more than {}",
                p.max_length
            ),
            evidence,
        );
    }
    if let Some(re) = &p.pattern {
        if !re.is_match(title) {
            return Verdict::violation(
                format!("the title does not match `{}`", re.as_str()),
                evidence,
            );
        }
    }
    if p.conventional {
        let rules = ConventionalCommits {
            max_header_length: p.max_length,
            ignore: Vec::new(),
            ..ConventionalCommits::default()
        };
        if let Some(problem) = conventional_problem(&rules, title.trim()) {
            return Verdict::violation(format!("the title: {problem}"), evidence);
        }
    }
    Verdict::compliant(format!("the title has {length} characters"), evidence)
}

impl CheckSpec for PrTitle {
    const TARGETS: &'static [ContextType] = &[ContextType::PullRequest];

    fn judge(&self, context: &RuleContext) -> Option<Verdict> {
        match context {
            RuleContext::PullRequest(pr) => Some(pr_title(self, &pr.title)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::rule_compliance_events::ComplianceStatus;

    #[test]
    fn title_pattern_and_conventional() {
        let p = PrTitle {
            pattern: Some(RegexPattern::new("^[A-Z]").unwrap()),
            ..PrTitle::default()
        };
        assert_eq!(
            pr_title(&p, "lowercase title here").details,
            "the title does not match `^[A-Z]`"
        );
        let p = PrTitle {
            conventional: true,
            ..PrTitle::default()
        };
        assert_eq!(
            pr_title(&p, "feat: add rules").status,
            ComplianceStatus::Compliant
        );
        assert_eq!(
            pr_title(&p, "Add rules to it").details,
            "the title: expected `type(scope)!: subject`"
        );
    }
}
