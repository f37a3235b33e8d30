//! Integration tests, built into one binary: the real stack (`stack`), the local default
//! (`local`), and each source and stage (`events`, `junit`, `rows`, `rules`).

mod common;
mod events;
mod hygiene;
mod junit;
mod local;
mod rows;
mod rules;
mod stack;
