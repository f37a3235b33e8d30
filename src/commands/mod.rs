//! Commands: one file per subcommand; the only place that wires the stages together.

/// Runs devmetrics with the process arguments and returns the exit code.
pub fn run() -> i32 {
    0
}
