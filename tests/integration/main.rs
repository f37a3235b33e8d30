//! Integration tests, built into one binary: the real stack (`stack`, `access`, `quarantine`,
//! `legs`), the local default (`local`), the step as the runner starts it (`runner`), payloads
//! of every GitHub version (`fidelity`), what a run prints (`hygiene`), and each source and
//! stage (`events`, `junit`, `rows`, `rules`).

mod access;
mod aggregate;
mod aggregate_sql;
mod annotations;
mod backfill;
mod backfill_files;
mod backfill_local;
mod capture;
mod common;
mod delivery;
mod events;
mod fidelity;
mod history;
mod hygiene;
mod junit;
mod legs;
mod local;
mod prune;
mod quarantine;
mod report;
mod rows;
mod rules;
mod runner;
mod stack;
