//! devmetrics: turns what a repository's GitHub workflows already know into delivery metrics.
//!
//! Data flows `sources → rows → sinks`, with the summary on the side:
//! - [`sources`] read what GitHub gives a workflow (the event payload, JUnit XML);
//! - [`convert`] turns GitHub events into rows;
//! - [`rows`] are plain structs, one per table of the `metrics` schema;
//! - [`sinks`] write rows: to PostgREST (Supabase) or to local JSONL files;
//! - [`output`] shows a person what a run did: the log, annotations, outputs, the job summary.
//!
//! [`commands`] is the only module that wires the stages together; [`run`] is the entry point
//! that `main` calls.
#![warn(missing_docs)]

pub mod cli;
pub mod commands;
pub mod convert;
pub mod environment;
pub mod error;
pub mod github_api;
pub mod globs;
pub mod output;
pub mod rows;
pub mod rules;
pub mod secret;
pub mod settings;
pub mod sinks;
pub mod sources;

pub use commands::run;
