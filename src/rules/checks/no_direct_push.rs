//! `no_direct_push`: production branches change only by merging pull requests.

use super::{CheckSpec, Verdict};
use crate::rules::patterns::GlobPattern;
use crate::rules::{PushContext, RuleContext};
use crate::rows::rule_compliance_events::ContextType;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// `no_direct_push`: production branches change only by merging pull requests.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NoDirectPush {
    /// Globs of the production branches; when absent, the caller's `is_production_branch`
    /// decides (the repository's default branch).
    pub branches: Option<Vec<GlobPattern>>,
}

/// Judges a push.
pub fn no_direct_push(p: &NoDirectPush, push: &PushContext) -> Verdict {
    let production = match &p.branches {
        Some(globs) => globs.iter().any(|g| g.is_match(&push.branch)),
        None => push.is_production_branch,
    };
    let evidence = json!({
        "branch": push.branch,
        "pusher": push.pusher,
        "direct": push.is_direct,
        "commits": push.commits.len(),
    });
    if !production {
        Verdict::not_applicable(
            format!("`{}` is not a production branch", push.branch),
            evidence,
        )
    } else if push.is_direct {
        Verdict::violation(
            format!(
                "`{}` pushed directly to the production branch `{}`",
                push.pusher, push.branch
            ),
            evidence,
        )
    } else {
        Verdict::compliant(
            format!("`{}` changed by merging a pull request", push.branch),
            evidence,
        )
    }
}

impl CheckSpec for NoDirectPush {
    const TARGETS: &'static [ContextType] = &[ContextType::Push];

    fn judge(&self, context: &RuleContext) -> Option<Verdict> {
        match context {
            RuleContext::Push(push) => Some(no_direct_push(self, push)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::rule_compliance_events::ComplianceStatus;
    use chrono::{TimeZone, Utc};

    #[test]
    fn production_branches_from_params() {
        let p = NoDirectPush {
            branches: Some(GlobPattern::many(&["release/*"])),
        };
        let push = PushContext {
            head_sha: "abc".into(),
            branch: "release/1.2".into(),
            pusher: "alice".into(),
            pushed_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            commits: Vec::new(),
            is_direct: true,
            is_production_branch: false,
        };
        assert_eq!(
            no_direct_push(&p, &push).status,
            ComplianceStatus::Violation
        );
        let main = PushContext {
            branch: "main".into(),
            is_production_branch: true,
            ..push
        };
        assert_eq!(
            no_direct_push(&p, &main).status,
            ComplianceStatus::NotApplicable
        );
    }
}
