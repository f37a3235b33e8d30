//! Integration tests, built into one binary: the real stack (`stack`), the local default
//! (`local`), and each source and stage (`events`, `junit`, `rows`, `rules`).

mod access;
mod common;
mod events;
mod fidelity;
mod junit;
mod legs;
mod local;
mod quarantine;
mod rows;
mod rules;
mod runner;
mod stack;
