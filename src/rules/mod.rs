//! Rule compliance: the team's rules (a rules file, or the defaults) evaluated on one pull
//! request, push or deployment, giving one `metrics.rule_compliance_events` row per rule and
//! context.
//!
//! Evaluation is a pure function of plain data: the caller (the `record` command live, a backfill
//! over history) builds a [`RuleContext`] from whatever it read, including anything a rule needs
//! that the webhook payload lacks (the approvals of a PR, the test runs of a sha), and no rule
//! does I/O.
//!
//! # Which rows an evaluation yields
//!
//! - Every enabled rule whose `applies_to` names the context's type yields **exactly one row** for
//!   that context: `compliant`, `violation`, or `not_applicable` when the rule's precondition does
//!   not hold (the approval rule on a PR closed without merging, the tested-deployment rule on a
//!   staging deployment) or an input it needs is unknown. `details` says which.
//! - Commit-level rules (`applies_to: [commit]`, e.g. conventional commits) yield one row **per
//!   commit** the context carries (`context_type` `commit`, `context_id` the sha); a context that
//!   carries no commit yields no row for them, since there is no commit to judge.
//! - A rule that does not apply to the context's type yields nothing.
//!
//! Rows depend only on the context, the rule and the [`RecordContext`]: evaluating the same
//! context twice gives identical rows (timestamps come from the context; only `recorded_at`
//! comes from the `RecordContext`).
//!
//! # Settled and provisional rows
//!
//! `metrics.rule_compliance_events` keeps the first row written for a natural key
//! (repository, rule_name, context_type, context_id). An open pull request can still change
//! (its title, its size, its approvals), so its rows are *provisional*: show them (summary,
//! annotations, `fail-on-violation`) but record only [`settled`] rows. See
//! [`RuleContext::is_settled`].
//!
//! # Where things are
//!
//! `context.rs` what rules judge; `checks/` one file per check (parameters, defaults, targets,
//! judgement) and the registry listing them; `set.rs` rules, rule sets and the default rules;
//! `file/` the rules file reader (depends on the checks, never the reverse); `patterns.rs` the
//! globs and regexes of parameters; `evaluate.rs` rules judged on a context, giving rows.

pub mod checks;
mod context;
mod evaluate;
pub mod fail_on;
pub mod file;
pub mod from_event;
pub mod patterns;
pub mod set;

pub use checks::{Check, CheckKind};
pub use context::{
    CommitInfo, DeploymentContext, PrState, PullRequestContext, PushContext, RuleContext,
    TestRunSummary,
};
pub use evaluate::{evaluate, settled, violations};
pub use fail_on::FailOn;
pub use file::{load, RulesError, DEFAULT_PATH};
pub use set::{Rule, RuleSet, RulesSource, Severity};
