//! `pr_links_issue`: the PR's title or description references an issue (or the head branch a
//! tracker key).

use super::{CheckSpec, Verdict};
use crate::rules::patterns::RegexPattern;
use crate::rules::{PullRequestContext, RuleContext};
use crate::rows::rule_compliance_events::ContextType;
use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::LazyLock;

/// `pr_links_issue`: the PR's title or description references an issue: `#123` (alone or after a
/// keyword such as `fixes`), `owner/repo#123`, an issue URL, or a key matching one of
/// `key_patterns` (which are also looked for in the head branch).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PrLinksIssue {
    /// Regexes for issue keys of other trackers, e.g. `[A-Z][A-Z0-9]+-[0-9]+` for `ABC-123`.
    pub key_patterns: Vec<RegexPattern>,
}

static ISSUE_REFERENCES: LazyLock<[Regex; 4]> = LazyLock::new(|| {
    [
        // An issue URL, on github.com or a GitHub Enterprise host.
        r"https?://[^\s/]+/[\w.-]+/[\w.-]+/issues/[0-9]+\b",
        // owner/repo#123
        r"\b[\w.-]+/[\w.-]+#[0-9]+\b",
        // GH-123, GitHub's other autolinked form.
        r"\bGH-[0-9]+\b",
        // #123, not an HTML entity (&#123;) nor part of a word or path.
        r"(?:^|[^\w&/#])#[0-9]+\b",
    ]
    .map(|re| Regex::new(re).expect("a valid regex"))
});

/// Judges whether a PR links an issue.
pub fn pr_links_issue(p: &PrLinksIssue, pr: &PullRequestContext) -> Verdict {
    let body = pr.body.as_deref().unwrap_or("");
    let texts = [("title", pr.title.as_str()), ("description", body)];
    for (place, text) in texts {
        for re in ISSUE_REFERENCES.iter() {
            if let Some(m) = re.find(text) {
                let found = m
                    .as_str()
                    .trim_start_matches(|c: char| c != '#' && !c.is_alphanumeric());
                return Verdict::compliant(
                    format!("the {place} references `{found}`"),
                    json!({ "reference": found, "in": place }),
                );
            }
        }
    }
    let texts = [
        ("title", pr.title.as_str()),
        ("description", body),
        ("branch", pr.head_branch.as_str()),
    ];
    for (place, text) in texts {
        for re in &p.key_patterns {
            if let Some(m) = re.find(text) {
                return Verdict::compliant(
                    format!("the {place} references `{}`", m.as_str()),
                    json!({ "reference": m.as_str(), "in": place }),
                );
            }
        }
    }
    Verdict::violation(
        "no issue reference (`#123`, an issue URL or a tracker key) in the title or description",
        json!({}),
    )
}

impl CheckSpec for PrLinksIssue {
    const TARGETS: &'static [ContextType] = &[ContextType::PullRequest];

    fn judge(&self, context: &RuleContext) -> Option<Verdict> {
        match context {
            RuleContext::PullRequest(pr) => Some(pr_links_issue(self, pr)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::rule_compliance_events::ComplianceStatus;
    use crate::rules::checks::test_support::pr;

    fn status(v: Verdict) -> ComplianceStatus {
        v.status
    }

    #[test]
    fn issue_references() {
        let p = PrLinksIssue::default();
        let linked = |body: &str| {
            status(pr_links_issue(&p, &pr("t", Some(body), "b"))) == ComplianceStatus::Compliant
        };
        assert!(linked("Fixes #12"));
        assert!(linked("(#12)"));
        assert!(linked("see devmetrics/devmetrics#5"));
        assert!(linked("https://github.com/o/r/issues/7"));
        assert!(linked("Closes GH-9"));
        assert!(!linked("## Summary\n\nno link"));
        assert!(!linked("&#123; is an entity"));
        assert!(!linked("a/b/#12 is a path"));
        assert!(!linked("ABC-123"));
        let keys = PrLinksIssue {
            key_patterns: RegexPattern::many(&[r"\bABC-[0-9]+\b"]),
        };
        let v = pr_links_issue(&keys, &pr("ABC-123: fix", None, "b"));
        assert_eq!(v.details, "the title references `ABC-123`");
    }
}
