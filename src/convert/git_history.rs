//! Git history → rows (in progress).
