//! Integration tests, built into one binary: the real stack (`stack`), the local default
//! (`local`), and each source (`events`...).

mod common;
mod events;
mod local;
mod stack;
