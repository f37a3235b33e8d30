//! What a run shows a person: the log, the workflow commands GitHub Actions reads from it, and
//! the job summary, each rendered from plain data (rows, verdicts, what a command did).
//!
//! - [`log`]: [`Output`], the one print path of every command (info, notices, warnings,
//!   errors, groups, masks), which redacts every key and keeps text from a payload, a rules file
//!   or a JUnit file from ever becoming a workflow command;
//! - [`workflow_commands`]: the workflow commands themselves (annotations, `::add-mask::`,
//!   groups), their escaping, `$GITHUB_OUTPUT` entries, and the step's
//!   [`AnnotationBudget`](workflow_commands::AnnotationBudget);
//! - [`summary`]: the job summary Markdown, its one escaper and GitHub's size limit;
//! - [`test_results`]: what a step shows of test results (summary section, annotations,
//!   outputs, the pass-rate alert);
//! - [`rules`]: what a step shows of rule compliance (summary section, annotations) and which
//!   violations fail the step (`fail-on-violation`).
//!
//! - [`alerts`]: `aggregate`'s thresholds checked on the fresh figures, and their section,
//!   annotations and output.
//!
//! - [`report`]: `report`'s model and its HTML, Markdown and JSON renderers.
//!
//! Everything but [`log`] renders text and prints nothing; commands decide where it goes.

pub mod alerts;
pub mod log;
pub mod report;
pub mod rules;
pub mod summary;
pub mod test_results;
pub mod workflow_commands;

pub use log::Output;
pub use workflow_commands::Level;
