//! Sinks: where rows go. (being written)
