//! The top-level error, the exit codes, and the one place that words errors for users:
//! what failed, the `cause:` as the server said it, and `help:` lines with the fix.

use crate::settings::SettingsError;
use crate::sinks::SinkError;
use std::fmt::Write as _;

/// Exit codes. Documented in the README; never reused for another meaning.
pub mod exit {
    /// Everything asked was done (rows spooled for later count as done unless
    /// `fail-on-spool` is set).
    pub const SUCCESS: i32 = 0;
    /// A check failed: pass rate under `min-pass-rate` with `fail-on-threshold`, a rule in
    /// `fail-on-violation` violated, or a `doctor` check failed.
    pub const CHECK_FAILED: i32 = 1;
    /// The configuration is wrong (an unknown setting, a bad value, missing secrets with
    /// `require-remote`). Nothing was read or written.
    pub const CONFIG: i32 = 2;
    /// Rows could not be written and were spooled, with `fail-on-spool` set; or rows could not
    /// even be spooled.
    pub const NOT_WRITTEN: i32 = 3;
    /// An input file (event payload, spool file) could not be read.
    pub const BAD_INPUT: i32 = 4;
}

/// Everything that can stop a command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad configuration.
    #[error(transparent)]
    Config(#[from] SettingsError),
    /// A sink failed while doing `doing`.
    #[error("{doing}")]
    Sink {
        /// What was being done, naming the object (`could not write 12 rows to metrics.pr_events`).
        doing: String,
        /// The cause.
        source: Box<SinkError>,
    },
    /// The rules file is missing or wrong.
    #[error(transparent)]
    Rules(#[from] crate::rules::RulesError),
    /// An input file could not be used.
    #[error("{0}")]
    Input(String),
    /// Rows were spooled and `fail-on-spool` is set.
    #[error("{0} rows were not written to the database (spooled for `devmetrics replay`), and fail-on-spool is set")]
    Spooled(usize),
    /// Rows were refused and quarantined and `fail-on-spool` is set: on a throwaway runner the
    /// quarantine file must not vanish behind a green step.
    #[error("{0} rows were refused by the database or its constraints and quarantined (not written), and fail-on-spool is set")]
    Quarantined(usize),
    /// A command that only the database can do was run without a Supabase project.
    #[error("{command} needs a Supabase project: {why}")]
    NeedsSupabase {
        /// The command, e.g. `aggregate`.
        command: &'static str,
        /// What it needs the database for, and what it found instead.
        why: String,
    },
    /// A check failed; the details were already printed.
    #[error("{0}")]
    CheckFailed(String),
    /// `prune`'s archive could not be written or did not read back as written (nothing was
    /// deleted).
    #[error("{doing}")]
    Archive {
        /// What was being done, naming the archive.
        doing: String,
        /// The cause.
        source: crate::sinks::archive::ArchiveError,
    },
}

impl Error {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Config(_) | Error::Rules(_) | Error::NeedsSupabase { .. } => exit::CONFIG,
            Error::Sink { .. }
            | Error::Spooled(_)
            | Error::Quarantined(_)
            | Error::Archive { .. } => exit::NOT_WRITTEN,
            Error::Input(_) => exit::BAD_INPUT,
            Error::CheckFailed(_) => exit::CHECK_FAILED,
        }
    }

    /// The full message: `devmetrics: error: …`, `cause:` and `help:` lines.
    pub fn render(&self) -> String {
        if let Error::Rules(err) = self {
            return err.render();
        }
        let mut out = format!("devmetrics: error: {self}\n");
        match self {
            Error::Config(err) => {
                for help in config_help(err) {
                    let _ = writeln!(out, "  help: {help}");
                }
            }
            Error::Sink { doing, source } => {
                return format!("devmetrics: error: {}", render_sink_problem(doing, source));
            }
            Error::Spooled(_) => {
                let _ = writeln!(
                    out,
                    "  help: fix the cause printed above, then run `devmetrics replay`"
                );
            }
            Error::Quarantined(_) => {
                let _ = writeln!(
                    out,
                    "  help: fix each row in the quarantine file named above (its reason is on its line), move the file into the spool directory, then run `devmetrics replay`"
                );
            }
            Error::NeedsSupabase { command, .. } => {
                for help in [
                    "pass supabase-url and supabase-service-role-key (SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY outside Actions) of a project where migrations/ are applied".to_owned(),
                    format!("locally: scripts/stack.sh up, then . .stack/env and SUPABASE_SERVICE_ROLE_KEY=\"$STACK_SERVICE_ROLE_KEY\" devmetrics {command}"),
                ] {
                    let _ = writeln!(out, "  help: {help}");
                }
            }
            Error::Archive { doing, source } => {
                return format!(
                    "devmetrics: error: {doing}\n  cause: {source}\n  help: {}\n",
                    archive_help(source)
                );
            }
            Error::Input(_) | Error::CheckFailed(_) | Error::Rules(_) => {}
        }
        out
    }
}

/// A sink problem as lines: what failed, `cause:` and `help:` (no `devmetrics:` prefix).
pub fn render_sink_problem(doing: &str, source: &SinkError) -> String {
    let mut out = format!("{doing}\n  cause: {source}\n");
    for help in sink_help(source) {
        let _ = writeln!(out, "  help: {help}");
    }
    out
}

/// The fix for an archive problem (`prune` deleted nothing).
fn archive_help(err: &crate::sinks::archive::ArchiveError) -> &'static str {
    use crate::sinks::archive::ArchiveError;
    match err {
        ArchiveError::BadRepository(_) => "pass --repository owner/name (or set GITHUB_REPOSITORY)",
        ArchiveError::Write { .. } => {
            "point --archive-dir (the archive-dir input) to a directory devmetrics can create and write, with room for the archive (df -h)"
        }
        ArchiveError::Exists { .. } => {
            "pass a new --archive-dir (the archive-dir input): an archive file is never overwritten"
        }
        ArchiveError::ReadBack { .. } => {
            "the file on disk is not what was written (a failing disk, or something else writing there): run prune again with a new --archive-dir"
        }
        ArchiveError::NoId { .. } => {
            "the API did not send the rows' id column: apply migrations/ and check that service_role may select every column"
        }
    }
}

fn config_help(err: &SettingsError) -> Vec<String> {
    match err {
        SettingsError::UnknownSetting { .. } => vec![
            "check the spelling against the inputs in action.yml (the README lists every setting)".into(),
        ],
        SettingsError::BadValue { .. } => vec![],
        SettingsError::MissingSecrets { environment, .. } => vec![
            "rows were not written anywhere; fix the secrets and re-run the job (every row has a natural key: a re-run adds nothing twice)".into(),
            format!(
                "add the repository secrets and pass them as inputs: {environment}-supabase-url and {environment}-supabase-service-role-key (or supabase-url and supabase-service-role-key for every environment)"
            ),
            "a pull request from a fork gets no secrets: drop require-remote to record such runs to local files".into(),
        ],
        SettingsError::UnusableKey { .. } => vec![
            "use the service_role key (legacy JWT) or a secret key sb_secret_… from the project's API settings; publishable and anon keys cannot write".into(),
        ],
    }
}

/// The fix for a sink error, as `help:` lines.
pub fn sink_help(err: &SinkError) -> Vec<String> {
    match err {
        SinkError::Io { .. } => {
            return vec![
                "check that the directory exists and is writable, or point output-dir elsewhere"
                    .into(),
            ]
        }
        SinkError::BadKey => {
            return vec![
                "copy the key again from Project Settings → API Keys, without line breaks or spaces inside it"
                    .into(),
            ]
        }
        SinkError::Redirect { location, .. } => {
            return vec![format!(
                "set supabase-url (or rest-url) to the final address, the one the redirect points to{}; devmetrics sends the key to the configured address only",
                location.as_deref().map(|l| format!(" ({l})")).unwrap_or_default()
            )]
        }
        SinkError::NotAttempted => {
            return vec!["fix the error reported for the table before it; the rows are in the spool".into()]
        }
        _ => {}
    }
    match (err.status(), err.api_code()) {
        (_, Some("PGRST106")) => vec![
            "in supabase/config.toml under [api], set schemas = [\"public\", \"graphql_public\", \"metrics\"]".into(),
            "(hosted project: add metrics to \"Exposed schemas\" in the dashboard: Project Settings → Data API)".into(),
            "grant usage on schema metrics to service_role, then run `devmetrics doctor`".into(),
        ],
        (_, Some("PGRST205")) => vec![
            "apply migrations/ to this database (supabase db push, or psql -f each file in order)".into(),
            "then reload the API's schema cache: notify pgrst, 'reload schema';".into(),
        ],
        (_, Some("PGRST202")) => vec![
            "the function is not in the API's schema cache: apply migrations/ to this database (supabase db push, or psql -f each file in order)".into(),
            "then reload the API's schema cache: notify pgrst, 'reload schema';".into(),
        ],
        (_, Some("PGRST204")) => vec![
            "the table is older than this devmetrics: apply the newer files in migrations/, then run: notify pgrst, 'reload schema';".into(),
        ],
        (_, Some("PGRST301")) | (_, Some("PGRST302")) | (_, Some("PGRST303")) => vec![
            "the key's JWT was refused: it belongs to another project, or the JWT secret was rotated; copy the service_role key again from Project Settings → API Keys".into(),
        ],
        (_, Some("42501")) => vec![
            "the role lacks a grant on the metrics tables: make sure the key is the service_role key (or an sb_secret_… key), not the anon key".into(),
            "and that migrations/20261125000700_grant_metrics_api_access.sql was applied (it grants the service role)".into(),
        ],
        (_, Some(code)) if code.starts_with("23") || code.starts_with("22") => vec![
            "the database refused a row: that is a devmetrics bug; the rows are in the spool file named above; please report the message".into(),
        ],
        (Some(401), _) | (Some(403), _) => vec![
            "the gateway refused the key: pass this project's service_role key (or an sb_secret_… key) as supabase-service-role-key".into(),
            "run `devmetrics doctor` to see which key kind was sent".into(),
        ],
        (Some(404), _) => vec![
            "check supabase-url (https://<project-ref>.supabase.co) or rest-url: nothing there answers like PostgREST".into(),
        ],
        _ if err.is_unreachable() => vec![
            "check supabase-url, and that the project is not paused (Supabase pauses inactive free projects)".into(),
        ],
        (Some(s), _) if s >= 500 || s == 429 => vec![
            "the server kept failing (overloaded, restarting or rate limiting): try again later".into(),
        ],
        _ => vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sinks::PostgrestError;

    #[test]
    fn local_file_and_key_problems_say_what_to_do() {
        let io = SinkError::Io {
            path: "development-metrics/pr_events.jsonl".into(),
            source: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
        };
        assert!(sink_help(&io)[0].contains("output-dir"));
        assert!(sink_help(&SinkError::BadKey)[0].contains("API Keys"));
    }

    #[test]
    fn a_function_missing_from_the_api_says_to_apply_the_migrations_and_reload() {
        let err = SinkError::Api {
            status: 404,
            error: PostgrestError {
                code: Some("PGRST202".into()),
                message: Some("Could not find the function metrics.refresh_development_metrics(p_from, p_repository, p_to) in the schema cache".into()),
                details: None,
                hint: None,
            },
            body: None,
            attempts: 1,
        };
        let help = sink_help(&err);
        assert!(help[0].contains("apply migrations/"), "{help:?}");
        assert!(
            help[1].contains("notify pgrst, 'reload schema'"),
            "{help:?}"
        );
    }

    #[test]
    fn schema_not_exposed_reads_like_the_style_guide() {
        let err = Error::Sink {
            doing: "could not write 12 rows to metrics.test_runs".into(),
            source: Box::new(SinkError::Api {
                status: 406,
                error: PostgrestError {
                    code: Some("PGRST106".into()),
                    message: Some(
                        "The schema must be one of the following: public, graphql_public".into(),
                    ),
                    details: None,
                    hint: None,
                },
                body: None,
                attempts: 1,
            }),
        };
        let text = err.render();
        assert!(text.starts_with("devmetrics: error: could not write 12 rows to metrics.test_runs\n  cause: PostgREST PGRST106 (HTTP 406): The schema must be one of the following: public, graphql_public\n  help: in supabase/config.toml under [api], set schemas = [\"public\", \"graphql_public\", \"metrics\"]\n"), "{text}");
        assert_eq!(err.exit_code(), exit::NOT_WRITTEN);
    }
}
