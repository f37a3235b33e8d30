//! The built-in checks, and the registry that lists them once.
//!
//! Each check is one file, `checks/<check>.rs`: its parameters (as written under `params:` in
//! the rules file, every one optional, unknown keys rejected) with their defaults, the contexts
//! it can judge ([`CheckSpec::TARGETS`]) and its judgement, a pure function from plain data to a
//! [`Verdict`]. The `checks!` invocation below is the only list of them: it generates
//! [`CheckKind`] (the names after `check:`), [`Check`] (a check with its parameters) and the
//! dispatch between them.
//!
//! A new check: write `checks/<check>.rs` with a parameters struct implementing [`CheckSpec`],
//! add one line to the invocation, document it in `docs/rules.md`.

use crate::rows::rule_compliance_events::{ComplianceStatus, ContextType};
use crate::rules::{CommitInfo, RuleContext};
use serde::de::{DeserializeOwned, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt::Debug;

/// The outcome of one check on one context.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// Compliant, violation or not applicable.
    pub status: ComplianceStatus,
    /// Why, in words (becomes `details`).
    pub details: String,
    /// What the check looked at (goes into `metadata.evidence`).
    pub evidence: Value,
}

impl Verdict {
    fn compliant(details: impl Into<String>, evidence: Value) -> Verdict {
        Verdict {
            status: ComplianceStatus::Compliant,
            details: details.into(),
            evidence,
        }
    }

    fn violation(details: impl Into<String>, evidence: Value) -> Verdict {
        Verdict {
            status: ComplianceStatus::Violation,
            details: details.into(),
            evidence,
        }
    }

    fn not_applicable(details: impl Into<String>, evidence: Value) -> Verdict {
        Verdict {
            status: ComplianceStatus::NotApplicable,
            details: details.into(),
            evidence,
        }
    }
}

/// What a check's parameters struct says about the check: where it applies and how it judges.
/// `Default` gives the parameters a rule gets when it leaves them out.
pub trait CheckSpec:
    Debug + Clone + PartialEq + Default + Serialize + DeserializeOwned + Sized
{
    /// The contexts the check can judge; the first is the default `applies_to`.
    const TARGETS: &'static [ContextType];

    /// Judges a PR, push or deployment; `None` when the check does not judge that kind of context
    /// (the rules file forbids such an `applies_to`, so this does not happen for a loaded rule).
    fn judge(&self, context: &RuleContext) -> Option<Verdict> {
        let _ = context;
        None
    }

    /// Judges one commit; `None` for a check that does not judge commits.
    fn judge_commit(&self, commit: &CommitInfo) -> Option<Verdict> {
        let _ = commit;
        None
    }
}

/// Lists the checks once: `Variant = "name" => module::Params`, with the kind's doc line. Declares
/// the modules and generates [`CheckKind`], [`Check`] and their dispatch.
macro_rules! checks {
    ($( $(#[doc = $doc:literal])* $variant:ident = $name:literal => $module:ident :: $params:ident, )*) => {
        $( pub mod $module; pub use $module::$params; )*

        /// The built-in checks, as named by `check:`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum CheckKind {
            $( $(#[doc = $doc])* #[serde(rename = $name)] $variant, )*
        }

        impl CheckKind {
            /// Every check.
            pub const ALL: [CheckKind; [$($name),*].len()] = [$(CheckKind::$variant),*];

            /// The name written after `check:`.
            pub fn name(self) -> &'static str {
                match self {
                    $( CheckKind::$variant => $name, )*
                }
            }

            /// The contexts the check can judge; the first is the default `applies_to`.
            pub fn targets(self) -> &'static [ContextType] {
                match self {
                    $( CheckKind::$variant => <$params as CheckSpec>::TARGETS, )*
                }
            }
        }

        /// A built-in check with its parameters.
        #[derive(Debug, Clone, PartialEq)]
        pub enum Check {
            $(
                #[doc = concat!("See [`", stringify!($params), "`].")]
                $variant($params),
            )*
        }

        impl Check {
            /// The check with its default parameters.
            pub fn with_defaults(kind: CheckKind) -> Check {
                match kind {
                    $( CheckKind::$variant => Check::$variant(<$params>::default()), )*
                }
            }

            /// Which check.
            pub fn kind(&self) -> CheckKind {
                match self {
                    $( Check::$variant(_) => CheckKind::$variant, )*
                }
            }

            /// The parameters in effect (defaults filled in), as JSON for `metadata.params`.
            pub fn params_json(&self) -> Value {
                let value = match self {
                    $( Check::$variant(p) => serde_json::to_value(p), )*
                };
                // Parameters are strings, numbers, booleans and lists of them.
                value.expect("check parameters serialize to JSON")
            }

            /// Reads the `params` of a `kind` check (`null` means the defaults).
            pub fn deserialize_params<'de, D: Deserializer<'de>>(
                kind: CheckKind,
                d: D,
            ) -> Result<Check, D::Error> {
                Ok(match kind {
                    $( CheckKind::$variant => {
                        Check::$variant(Option::<$params>::deserialize(d)?.unwrap_or_default())
                    } )*
                })
            }

            /// Runs the check on a PR, push or deployment; `None` when it does not judge that
            /// kind of context.
            pub fn run(&self, context: &RuleContext) -> Option<Verdict> {
                match self {
                    $( Check::$variant(p) => p.judge(context), )*
                }
            }

            /// Runs the check on one commit; `None` for a check that does not judge commits.
            pub fn run_on_commit(&self, commit: &CommitInfo) -> Option<Verdict> {
                match self {
                    $( Check::$variant(p) => p.judge_commit(commit), )*
                }
            }
        }
    };
}

// The order is the order of `CheckKind::ALL` and of the list of checks in error messages.
checks! {
    /// Branch names match patterns.
    BranchNaming = "branch_naming" => branch_naming::BranchNaming,
    /// Commit messages follow conventional commits.
    ConventionalCommits = "conventional_commits" => conventional_commits::ConventionalCommits,
    /// The PR has a description.
    PrDescription = "pr_description" => pr_description::PrDescription,
    /// The PR links an issue.
    PrLinksIssue = "pr_links_issue" => pr_links_issue::PrLinksIssue,
    /// The PR changes at most N lines.
    PrSize = "pr_size" => pr_size::PrSize,
    /// The merged PR was approved by someone other than its author.
    PrApproval = "pr_approval" => pr_approval::PrApproval,
    /// Production branches are not pushed to directly.
    NoDirectPush = "no_direct_push" => no_direct_push::NoDirectPush,
    /// Production deployments had passing tests.
    DeploymentTested = "deployment_tested" => deployment_tested::DeploymentTested,
    /// The PR's title fits the rules.
    PrTitle = "pr_title" => pr_title::PrTitle,
}

pub use branch_naming::branch_naming;
pub use conventional_commits::conventional_commit;
pub use deployment_tested::deployment_tested;
pub use no_direct_push::no_direct_push;
pub use pr_approval::pr_approval;
pub use pr_description::pr_description;
pub use pr_links_issue::pr_links_issue;
pub use pr_size::pr_size;
pub use pr_title::pr_title;

/// The most characters of user text (a commit header) quoted in `details` and evidence.
const MAX_SHOWN_CHARS: usize = 120;

/// Cuts `text` to `max` characters, ending with `…` when cut.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// `` `a`, `b`, `c` ``
fn list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
pub(crate) mod test_support {
    use crate::rules::{PrState, PullRequestContext};
    use chrono::{TimeZone, Utc};

    /// A merged PR by `Alice`, one line added and one deleted, no approvals.
    pub(crate) fn pr(title: &str, body: Option<&str>, branch: &str) -> PullRequestContext {
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        PullRequestContext {
            number: 1,
            title: title.into(),
            body: body.map(String::from),
            head_branch: branch.into(),
            base_branch: "main".into(),
            author: "Alice".into(),
            state: PrState::Merged,
            created_at: at,
            updated_at: at,
            closed_at: Some(at),
            additions: Some(1),
            deletions: Some(1),
            approvals: Some(Vec::new()),
            commits: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::deployment_events::DeploymentStatus;
    use crate::rules::{DeploymentContext, PushContext};
    use chrono::{TimeZone, Utc};

    #[test]
    fn every_check_judges_exactly_the_contexts_it_targets() {
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let commit = CommitInfo {
            sha: "abc".into(),
            message: "feat: x".into(),
            timestamp: at,
        };
        let contexts = [
            RuleContext::PullRequest(test_support::pr("t", None, "b")),
            RuleContext::Push(PushContext {
                head_sha: "abc".into(),
                branch: "main".into(),
                pusher: "alice".into(),
                pushed_at: at,
                commits: vec![commit.clone()],
                is_direct: false,
                is_production_branch: true,
            }),
            RuleContext::Deployment(DeploymentContext {
                deployment_id: 1,
                sha: "abc".into(),
                environment: "production".into(),
                is_production: true,
                status: DeploymentStatus::Success,
                timestamp: at,
                test_runs: None,
            }),
        ];
        for kind in CheckKind::ALL {
            let check = Check::with_defaults(kind);
            assert_eq!(check.kind(), kind);
            assert!(!kind.targets().is_empty(), "{}", kind.name());
            for context in &contexts {
                assert_eq!(
                    check.run(context).is_some(),
                    kind.targets().contains(&context.context_type()),
                    "{} on {:?}",
                    kind.name(),
                    context.context_type()
                );
            }
            assert_eq!(
                check.run_on_commit(&commit).is_some(),
                kind.targets().contains(&ContextType::Commit),
                "{} on a commit",
                kind.name()
            );
        }
    }
}
