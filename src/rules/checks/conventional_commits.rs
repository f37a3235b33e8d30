//! `conventional_commits`: each commit's header reads `type(scope)!: subject`. The header
//! grammar is shared with `pr_title` (its `conventional` parameter).

use super::{clip, list, CheckSpec, Verdict, MAX_SHOWN_CHARS};
use crate::rules::patterns::RegexPattern;
use crate::rules::CommitInfo;
use crate::rows::rule_compliance_events::ContextType;
use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::LazyLock;

/// `conventional_commits`: each commit's header reads `type(scope)!: subject`
/// (<https://www.conventionalcommits.org/en/v1.0.0/>).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConventionalCommits {
    /// The allowed types (compared case-insensitively, as the specification says).
    pub types: Vec<String>,
    /// Require a `(scope)`.
    pub require_scope: bool,
    /// The longest header allowed, in characters.
    pub max_header_length: usize,
    /// Messages matching one of these regexes are `not_applicable` (merge and revert commits
    /// that git and GitHub write).
    pub ignore: Vec<RegexPattern>,
}

impl Default for ConventionalCommits {
    fn default() -> Self {
        ConventionalCommits {
            types: [
                "build", "chore", "ci", "docs", "feat", "fix", "perf", "refactor", "revert",
                "style", "test",
            ]
            .map(String::from)
            .to_vec(),
            require_scope: false,
            max_header_length: 100,
            ignore: RegexPattern::many(&["^Merge ", "^Revert \""]),
        }
    }
}

static CONVENTIONAL_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<type>[A-Za-z][A-Za-z0-9-]*)(?:\((?P<scope>[^()\r\n]*)\))?(?P<bang>!)?: (?P<subject>.*)$")
        .expect("a valid regex")
});

/// Judges a commit message (or a PR title) against the conventional commits format.
pub fn conventional_commit(p: &ConventionalCommits, message: &str) -> Verdict {
    let header = message.lines().next().unwrap_or("").trim_end();
    // Shown (not judged) cut to a bounded length: a header can be as long as the commit.
    let shown = clip(header, MAX_SHOWN_CHARS);
    let evidence = json!({ "header": shown });
    if let Some(re) = p.ignore.iter().find(|re| re.is_match(message)) {
        return Verdict::not_applicable(
            format!("`{shown}` is ignored (matches `{}`)", re.as_str()),
            evidence,
        );
    }
    match conventional_problem(p, header) {
        None => Verdict::compliant(format!("`{shown}` is a conventional commit"), evidence),
        Some(problem) => Verdict::violation(format!("`{shown}`: {problem}"), evidence),
    }
}

/// What is wrong with `header` as a conventional commit header; `None` when nothing is.
pub(super) fn conventional_problem(p: &ConventionalCommits, header: &str) -> Option<String> {
    let Some(caps) = CONVENTIONAL_HEADER.captures(header) else {
        return Some("expected `type(scope)!: subject`".to_string());
    };
    let kind = &caps["type"];
    if !p.types.iter().any(|t| t.eq_ignore_ascii_case(kind)) {
        return Some(format!(
            "type `{kind}` is not one of {}",
            list(p.types.iter().map(String::as_str))
        ));
    }
    let scope = caps.name("scope").map(|m| m.as_str().trim());
    if scope == Some("") {
        return Some("the scope in `()` is empty".to_string());
    }
    if p.require_scope && scope.is_none() {
        return Some("a `(scope)` is required".to_string());
    }
    if caps["subject"].trim().is_empty() {
        return Some("the subject after `: ` is empty".to_string());
    }
    let length = header.chars().count();
    if length > p.max_header_length {
        return Some(format!(
            "the header is {length} characters long, more than {}",
            p.max_header_length
        ));
    }
    None
}

impl CheckSpec for ConventionalCommits {
    const TARGETS: &'static [ContextType] = &[ContextType::Commit];

    fn judge_commit(&self, commit: &CommitInfo) -> Option<Verdict> {
        Some(conventional_commit(self, &commit.message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::rule_compliance_events::ComplianceStatus;

    fn status(v: Verdict) -> ComplianceStatus {
        v.status
    }

    #[test]
    fn conventional_headers() {
        let p = ConventionalCommits::default();
        let ok = |m: &str| status(conventional_commit(&p, m)) == ComplianceStatus::Compliant;
        assert!(ok("feat: add a rule"));
        assert!(ok("feat(api)!: drop v1\n\nBREAKING CHANGE: v1 is gone"));
        assert!(ok("Fix(Parser): tolerate blanks"));
        assert!(ok("revert: feat: add a rule"));
        assert!(!ok("feature: add a rule"));
        assert!(!ok("feat:add a rule"));
        assert!(!ok("feat(): add a rule"));
        assert!(!ok("feat:  "));
        assert!(!ok("Add a rule"));
        let long = conventional_commit(&p, &format!("feat: {}", "x".repeat(200)));
        assert_eq!(long.status, ComplianceStatus::Violation);
        assert!(long
            .details
            .ends_with("…`: the header is 206 characters long, more than 100"));
        assert_eq!(
            long.evidence["header"].as_str().unwrap().chars().count(),
            120
        );
        let merge = conventional_commit(&p, "Merge branch 'main' into feature/x");
        assert_eq!(merge.status, ComplianceStatus::NotApplicable);
        let scoped = ConventionalCommits {
            require_scope: true,
            ..ConventionalCommits::default()
        };
        assert_eq!(
            conventional_commit(&scoped, "feat: x").details,
            "`feat: x`: a `(scope)` is required"
        );
    }
}
