//! The three environments a row can be recorded for, and how a run decides which one it is.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Where a row was recorded. The same names are checked by the `metrics.environment_name` domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    /// A developer machine, or `supabase start` on 127.0.0.1:54321.
    Local,
    /// The staging Supabase project.
    Staging,
    /// The production Supabase project.
    Production,
}

impl Environment {
    /// The lowercase name, as stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Local => "local",
            Environment::Staging => "staging",
            Environment::Production => "production",
        }
    }

    /// Parses `local`, `staging` or `production` (case-insensitive, surrounding blanks ignored).
    pub fn parse(text: &str) -> Option<Environment> {
        match text.trim().to_ascii_lowercase().as_str() {
            "local" => Some(Environment::Local),
            "staging" => Some(Environment::Staging),
            "production" => Some(Environment::Production),
            _ => None,
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
