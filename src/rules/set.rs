//! The rules in effect: each rule (a named, categorized check with its parameters, contexts and
//! severity), the rule set, and the default rules used when there is no rules file.

use crate::rows::rule_compliance_events::ContextType;
use crate::rules::checks::{Check, CheckKind};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// How loud a violation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A notice annotation.
    Notice,
    /// A warning annotation (the default).
    #[default]
    Warning,
    /// An error annotation, and the violation fails the step.
    Error,
}

/// One rule: a named, categorized check applied to some contexts.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// The rule's name (`rule_name`), unique in the file; often the rule document it enforces.
    pub name: String,
    /// Its category (`rule_category`): foundation, quality, process…
    pub category: String,
    /// What it is for, in words (shown in the summary).
    pub description: Option<String>,
    /// The contexts it is evaluated on.
    pub applies_to: Vec<ContextType>,
    /// Disabled rules are kept (so `fail-on-violation` may name them) but never evaluated.
    pub enabled: bool,
    /// How loud a violation is; `error` fails the step.
    pub severity: Severity,
    /// The check and its parameters.
    pub check: Check,
}

impl Rule {
    /// A rule with the check's default parameters and targets.
    pub fn new(name: &str, category: &str, kind: CheckKind) -> Rule {
        Rule {
            name: name.to_string(),
            category: category.to_string(),
            description: None,
            applies_to: kind.targets()[..1].to_vec(),
            enabled: true,
            severity: Severity::Warning,
            check: Check::with_defaults(kind),
        }
    }
}

/// Where a rule set came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RulesSource {
    /// No rules file: the default rules.
    Default,
    /// A rules file.
    File(PathBuf),
}

/// The rules in effect.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSet {
    rules: Vec<Rule>,
    source: RulesSource,
}

impl RuleSet {
    /// The default rules, used when there is no rules file (documented in `docs/rules.md`):
    ///
    /// | name | category | check | applies to |
    /// | --- | --- | --- | --- |
    /// | `branching.mdc` | foundation | `branch_naming` (`feature/**`, `fix/**`) | pull_request |
    /// | `conventional-commits` | quality | `conventional_commits` | commit |
    /// | `pr-description` | process | `pr_description` (20 characters) | pull_request |
    /// | `pr-links-issue` | process | `pr_links_issue` | pull_request |
    /// | `pr-size` | quality | `pr_size` (400 lines) | pull_request |
    /// | `pr-approval` | process | `pr_approval` (1 approval) | pull_request |
    /// | `pr-title` | process | `pr_title` (10 to 72 characters) | pull_request |
    /// | `no-direct-push` | foundation | `no_direct_push` (default branch) | push |
    /// | `deployment-tested` | quality | `deployment_tested` | deployment |
    ///
    /// All are warnings: none fails the step unless `fail-on-violation` names it.
    pub fn defaults() -> RuleSet {
        let rules = vec![
            Rule::new("branching.mdc", "foundation", CheckKind::BranchNaming),
            Rule::new(
                "conventional-commits",
                "quality",
                CheckKind::ConventionalCommits,
            ),
            Rule::new("pr-description", "process", CheckKind::PrDescription),
            Rule::new("pr-links-issue", "process", CheckKind::PrLinksIssue),
            Rule::new("pr-size", "quality", CheckKind::PrSize),
            Rule::new("pr-approval", "process", CheckKind::PrApproval),
            Rule::new("pr-title", "process", CheckKind::PrTitle),
            Rule::new("no-direct-push", "foundation", CheckKind::NoDirectPush),
            Rule::new("deployment-tested", "quality", CheckKind::DeploymentTested),
        ];
        RuleSet {
            rules,
            source: RulesSource::Default,
        }
    }

    /// Builds a rule set from rules made in code (tests, a backfill with its own rules).
    pub fn from_rules(rules: Vec<Rule>) -> RuleSet {
        RuleSet {
            rules,
            source: RulesSource::Default,
        }
    }

    /// A rule set read from the rules file at `path`.
    pub(in crate::rules) fn from_file(rules: Vec<Rule>, path: PathBuf) -> RuleSet {
        RuleSet {
            rules,
            source: RulesSource::File(path),
        }
    }

    /// The rules, in file order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The rule with that name.
    pub fn get(&self, name: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.name == name)
    }

    /// Where the rules came from.
    pub fn source(&self) -> &RulesSource {
        &self.source
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_have_unique_names_and_valid_targets() {
        let set = RuleSet::defaults();
        for (i, rule) in set.rules().iter().enumerate() {
            assert!(set.rules()[..i].iter().all(|r| r.name != rule.name));
            assert!(rule
                .applies_to
                .iter()
                .all(|t| rule.check.kind().targets().contains(t)));
        }
        let kinds: Vec<CheckKind> = set.rules().iter().map(|r| r.check.kind()).collect();
        assert!(CheckKind::ALL.iter().all(|k| kinds.contains(k)));
    }
}
