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

/// Whether a match at a byte offset of a text counts (what a pattern cannot say by itself).
type MatchHolds = fn(&str, usize) -> bool;

/// GitHub's autolinked references, each with what a match must also satisfy. Owner and
/// repository names are ASCII (`[A-Za-z0-9_.-]`), so no pattern needs Unicode's `\w`, whose
/// tables cost about 2 ms per pattern to compile: the step would spend more time compiling
/// these than writing its rows.
static ISSUE_REFERENCES: LazyLock<[(Regex, MatchHolds); 4]> = LazyLock::new(|| {
    let any = |_: &str, _: usize| true;
    [
        // An issue URL, on github.com or a GitHub Enterprise host.
        (
            r"https?://[^\s/]+/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/issues/[0-9]+\b",
            any as MatchHolds,
        ),
        // owner/repo#123
        (r"\b[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+#[0-9]+\b", any),
        // GH-123, GitHub's other autolinked form.
        (r"\bGH-[0-9]+\b", any),
        // #123, not an HTML entity (&#123;) nor part of a word or path.
        (r"#[0-9]+\b", bare_number_reference),
    ]
    .map(|(re, holds)| (Regex::new(re).expect("a valid regex"), holds))
});

/// True when the `#` at `start` begins a reference of its own: at the start of the text or
/// after a character that is neither a (Unicode) word character nor `&`, `/`, `#`.
fn bare_number_reference(text: &str, start: usize) -> bool {
    text[..start]
        .chars()
        .next_back()
        .is_none_or(|c| !(regex_syntax::is_word_character(c) || matches!(c, '&' | '/' | '#')))
}

/// Judges whether a PR links an issue.
pub fn pr_links_issue(p: &PrLinksIssue, pr: &PullRequestContext) -> Verdict {
    let body = pr.body.as_deref().unwrap_or("");
    let texts = [("title", pr.title.as_str()), ("description", body)];
    for (place, text) in texts {
        for (re, holds) in ISSUE_REFERENCES.iter() {
            if let Some(m) = re.find_iter(text).find(|m| holds(text, m.start())) {
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
        // The bare form: after any character but a word character, `&`, `/` or `#`, and the
        // first such one counts.
        assert!(linked("#12"));
        assert!(linked("fix: (#12)"));
        assert!(linked("a#1 and then #2"));
        assert!(!linked("é#12 is part of a word"));
        assert!(!linked("x_#12 neither"));
        assert!(!linked("##12 a heading mark"));
        let v = pr_links_issue(&p, &pr("t", Some("a#1 and then #2"), "b"));
        assert_eq!(v.details, "the description references `#2`");
        // Owner and repository names are ASCII, as GitHub allows.
        let v = pr_links_issue(&p, &pr("t", Some("see my-org/re.po_1#5"), "b"));
        assert_eq!(v.details, "the description references `my-org/re.po_1#5`");
        let keys = PrLinksIssue {
            key_patterns: RegexPattern::many(&[r"\bABC-[0-9]+\b"]),
        };
        let v = pr_links_issue(&keys, &pr("ABC-123: fix", None, "b"));
        assert_eq!(v.details, "the title references `ABC-123`");
    }
}
