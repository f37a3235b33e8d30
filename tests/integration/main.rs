//! Integration tests, built into one binary: the real stack (`stack`), the local default
//! (`local`), and each source and stage (`events`, `rules`...).

mod common;
mod events;
mod local;
mod rows;
mod rules;
mod stack;
