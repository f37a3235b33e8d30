//! `pr_description`: the PR has a description, beyond HTML comments and template placeholders.

use super::{CheckSpec, Verdict};
use crate::rules::RuleContext;
use crate::rows::rule_compliance_events::ContextType;
use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::LazyLock;

/// `pr_description`: the PR has a description, beyond HTML comments and template placeholders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PrDescription {
    /// The fewest characters the description must have once HTML comments and placeholders are
    /// removed and surrounding blanks trimmed.
    pub min_length: usize,
    /// Template text that does not count as a description (removed before measuring).
    pub placeholders: Vec<String>,
}

impl Default for PrDescription {
    fn default() -> Self {
        PrDescription {
            min_length: 20,
            placeholders: Vec::new(),
        }
    }
}

static HTML_COMMENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?s)<!--.*?-->").expect("a valid regex"));

/// Judges a PR's description.
pub fn pr_description(p: &PrDescription, body: Option<&str>) -> Verdict {
    let mut text = HTML_COMMENT
        .replace_all(body.unwrap_or(""), "")
        .into_owned();
    for placeholder in p.placeholders.iter().filter(|s| !s.is_empty()) {
        text = text.replace(placeholder.as_str(), "");
    }
    let length = text.trim().chars().count();
    let evidence = json!({ "length": length, "has_body": body.is_some() });
    if length == 0 {
        Verdict::violation("the description is empty", evidence)
    } else if length < p.min_length {
        Verdict::violation(
            format!(
                "the description has {length} characters, fewer than {}",
                p.min_length
            ),
            evidence,
        )
    } else {
        Verdict::compliant(format!("the description has {length} characters"), evidence)
    }
}

impl CheckSpec for PrDescription {
    const TARGETS: &'static [ContextType] = &[ContextType::PullRequest];

    fn judge(&self, context: &RuleContext) -> Option<Verdict> {
        match context {
            RuleContext::PullRequest(pr) => Some(pr_description(self, pr.body.as_deref())),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::rule_compliance_events::ComplianceStatus;

    #[test]
    fn description_ignores_comments_and_placeholders() {
        let p = PrDescription {
            min_length: 5,
            placeholders: vec!["Describe it.".into()],
        };
        let v = pr_description(&p, Some("<!-- what? -->\nDescribe it.\n"));
        assert_eq!(v.details, "the description is empty");
        let v = pr_description(&p, Some("<!-- what? -->\nAbc"));
        assert_eq!(v.details, "the description has 3 characters, fewer than 5");
        let v = pr_description(&p, Some("Adds the thing."));
        assert_eq!(v.status, ComplianceStatus::Compliant);
    }
}
