//! Sources: what GitHub gives a workflow, read into typed models that know nothing about rows.

pub mod event;
pub mod github_history;
pub mod junit;
