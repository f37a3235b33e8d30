//! The settings error: a problem found before anything was read or sent, naming where the value
//! came from (`input `min-pass-rate` (INPUT_MIN-PASS-RATE)`, `variable DEVMETRICS_REST_URL`).
//! Its `help:` lines are worded in `crate::error`.

use crate::environment::Environment;

/// A configuration problem, found before anything was read or sent.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// An unknown setting name.
    #[error("unknown setting {origin}")]
    UnknownSetting {
        /// Where it was given, e.g. `DEVMETRICS_FOO`.
        origin: String,
    },
    /// A value of the wrong shape.
    #[error("{origin}: {problem}")]
    BadValue {
        /// Where it was given.
        origin: String,
        /// What is wrong and what is expected.
        problem: String,
    },
    /// The resolved environment has no Supabase secrets, and the run may not fall back to local
    /// files: `require-remote` is set, or it is a GitHub Actions run that is not a fork's pull
    /// request while Supabase is configured for some environment (the workspace, and the local
    /// files in it, are deleted when the job ends).
    #[error("no Supabase {what} for the {environment} environment{why}")]
    MissingSecrets {
        /// The environment.
        environment: Environment,
        /// `URL`, `service role key` or both.
        what: String,
        /// Why no fallback: `, and require-remote is set`, or the Actions case.
        why: String,
    },
    /// A key that cannot write.
    #[error("the Supabase key for the {environment} environment is a {kind}")]
    UnusableKey {
        /// The environment.
        environment: Environment,
        /// What kind it is.
        kind: &'static str,
    },
}
