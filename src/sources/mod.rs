//! Sources: what GitHub gives a workflow, read into typed models that know nothing about rows;
//! and `figures`, what a report reads back from the database.

pub mod event;
pub mod figures;
pub mod git_history;
pub mod github_history;
pub mod junit;
pub mod legacy_files;
