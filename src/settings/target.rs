//! The target decision: which environment a run's rows are recorded for (the `environment`
//! setting, else the branch against `production-branches`/`staging-branches`, else staging in
//! CI and local outside it) and which sink they go to (the environment's Supabase project, or
//! local JSONL files when falling back is allowed). Pure: settings and the runner's variables.

use super::runner::{non_empty, EventFacts};
use super::sources::Origins;
use super::{Settings, SettingsError};
use crate::environment::Environment;
use crate::secret::Secret;
use std::path::PathBuf;

/// Where rows go, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// The environment rows are recorded for.
    pub environment: Environment,
    /// One sentence: why this environment.
    pub why: String,
    /// The sink.
    pub sink: SinkTarget,
    /// Set when the run fell back to local files.
    pub fallback_warning: Option<String>,
}

/// The sink a run writes to.
#[derive(Debug, Clone, PartialEq)]
pub enum SinkTarget {
    /// Supabase's PostgREST API.
    Supabase {
        /// PostgREST base, e.g. `https://x.supabase.co/rest/v1`.
        rest_url: String,
        /// The service role key.
        key: Secret,
    },
    /// Local JSONL files.
    Jsonl {
        /// The directory.
        dir: PathBuf,
    },
}

impl SinkTarget {
    /// `supabase` or `jsonl`, as reported in outputs.
    pub fn name(&self) -> &'static str {
        match self {
            SinkTarget::Supabase { .. } => "supabase",
            SinkTarget::Jsonl { .. } => "jsonl",
        }
    }
}

/// The `environment` setting: `None` when unset (the branch decides).
pub(super) fn environment(
    origins: &Origins,
    value: Option<&str>,
) -> Result<Option<Environment>, SettingsError> {
    let Some(text) = value else {
        return Ok(None);
    };
    Environment::parse(text).map(Some).ok_or_else(|| {
        origins.bad(
            "environment",
            format!("'{text}' is not an environment; expected local, staging or production"),
        )
    })
}

impl Settings {
    /// Decides the environment and the sink. Pure: the decision rests on settings and the
    /// runner's variables only.
    pub fn target(&self) -> Result<Target, SettingsError> {
        self.target_for(EventFacts::default())
    }

    /// Like [`Settings::target`], with what the event payload tells: the base branch it names (a
    /// review's pull request: the runner sets `GITHUB_BASE_REF` for `pull_request` events only,
    /// and a review must land in the same environment as its pull request), and whether it comes
    /// from a fork (which gets no secrets, so falls back to local files).
    pub fn target_for(&self, event: EventFacts<'_>) -> Result<Target, SettingsError> {
        let (environment, why) = self.environment_and_why(event.base_branch);
        if let Some(sink) = self.remote_for(environment)? {
            return Ok(Target {
                environment,
                why,
                sink,
                fallback_warning: None,
            });
        }
        let dir = self.output_dir.clone();
        match self.remotes.of(environment) {
            (_, None) if environment == Environment::Local && !self.require_remote => {
                // The embedded default: no key, no Supabase needed.
                Ok(Target {
                    environment,
                    why,
                    sink: SinkTarget::Jsonl { dir },
                    fallback_warning: self.remotes.shared.url.as_ref().map(|_| {
                        "supabase-url is set but no service role key is: rows were written to local files".to_owned()
                    }),
                })
            }
            (url, key) => {
                let what = match (url.is_some(), key.is_some()) {
                    (false, false) => "URL and service role key",
                    (true, false) => "service role key",
                    _ => "URL",
                }
                .to_owned();
                if self.require_remote {
                    return Err(SettingsError::MissingSecrets {
                        environment,
                        what,
                        why: ", and require-remote is set".into(),
                    });
                }
                let reason = if !self.github.in_actions() {
                    "outside GitHub Actions"
                } else if event.from_fork {
                    "normal for a pull request from a fork, which gets no secrets"
                } else if !self.remotes.has_any() {
                    "no Supabase secrets are configured at all: the rows are shown in the job \
                     summary and kept only in the job's workspace, which GitHub deletes when the job ends"
                } else {
                    // Secrets exist for another environment: this run's rows would be lost on
                    // the throwaway runner. Fail loudly instead.
                    return Err(SettingsError::MissingSecrets {
                        environment,
                        what,
                        why: " in this GitHub Actions run (not a pull request from a fork), while \
                              Supabase is configured for another environment"
                            .into(),
                    });
                };
                Ok(Target {
                    environment,
                    why,
                    sink: SinkTarget::Jsonl { dir: dir.clone() },
                    fallback_warning: Some(format!(
                        "no Supabase {what} for the {environment} environment ({reason}); rows were written to {}/ instead",
                        dir.display()
                    )),
                })
            }
        }
    }

    /// The Supabase project an environment's rows go to (see [`super::Remotes::project`]);
    /// `None` when the URL or the key is missing ([`super::Remotes::missing_for`] says which);
    /// never local files.
    pub fn remote_for(
        &self,
        environment: Environment,
    ) -> Result<Option<SinkTarget>, SettingsError> {
        Ok(self
            .remotes
            .project(environment)?
            .map(|p| SinkTarget::Supabase {
                rest_url: p.rest_url,
                key: p.key,
            }))
    }

    fn environment_and_why(&self, payload_base_branch: Option<&str>) -> (Environment, String) {
        if let Some(env) = self.environment {
            return (env, "set by the `environment` setting".to_owned());
        }
        if !self.github.in_actions() {
            return (
                Environment::Local,
                "not running in GitHub Actions".to_owned(),
            );
        }
        let base = non_empty(self.github.base_ref.as_deref()).or(payload_base_branch);
        let Some(branch) = base.or_else(|| self.github.deciding_branch()) else {
            return (
                Environment::Staging,
                "in GitHub Actions with no branch in GITHUB_BASE_REF/GITHUB_REF_NAME; CI runs count as staging".to_owned(),
            );
        };
        let (production, staging) = (
            &self.events.production_branches,
            &self.events.staging_branches,
        );
        if production.is_match(branch) {
            (
                Environment::Production,
                format!(
                    "branch '{branch}' matches production-branches ({})",
                    production.patterns().join(", ")
                ),
            )
        } else if staging.is_match(branch) {
            (
                Environment::Staging,
                format!(
                    "branch '{branch}' matches staging-branches ({})",
                    staging.patterns().join(", ")
                ),
            )
        } else {
            (
                Environment::Staging,
                format!("branch '{branch}' is neither a production nor a staging branch; CI runs count as staging"),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::settings;
    use super::*;

    #[test]
    fn outside_actions_without_a_key_is_local_jsonl() {
        let c = settings(&["record"], &[]).unwrap();
        let t = c.target().unwrap();
        assert_eq!(t.environment, Environment::Local);
        assert_eq!(t.why, "not running in GitHub Actions");
        assert_eq!(
            t.sink,
            SinkTarget::Jsonl {
                dir: "development-metrics".into()
            }
        );
        assert!(t.fallback_warning.is_none());
    }

    #[test]
    fn local_with_a_key_uses_the_local_supabase_url() {
        let c = settings(
            &["record"],
            &[("SUPABASE_SERVICE_ROLE_KEY", "sb_secret_abcdefgh")],
        )
        .unwrap();
        match c.target().unwrap().sink {
            SinkTarget::Supabase { rest_url, .. } => {
                assert_eq!(rest_url, "http://127.0.0.1:54321/rest/v1")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn branch_decides_inside_actions_and_per_environment_secrets_win() {
        let env = [
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_REF_NAME", "release/2.1"),
            ("INPUT_SUPABASE-URL", "https://prod.supabase.co"),
            ("INPUT_SUPABASE-SERVICE-ROLE-KEY", "sb_secret_prodprodprod"),
            ("INPUT_STAGING-SUPABASE-URL", "https://stage.supabase.co/"),
            (
                "INPUT_STAGING-SUPABASE-SERVICE-ROLE-KEY",
                "sb_secret_stagestage",
            ),
        ];
        let t = settings(&[], &env).unwrap().target().unwrap();
        assert_eq!(t.environment, Environment::Staging);
        assert!(
            t.why.contains("'release/2.1' matches staging-branches"),
            "{}",
            t.why
        );
        assert_eq!(
            t.sink,
            SinkTarget::Supabase {
                rest_url: "https://stage.supabase.co/rest/v1".into(),
                key: Secret::new("sb_secret_stagestage")
            }
        );
    }

    #[test]
    fn pull_request_base_branch_decides() {
        let env = [
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_REF_NAME", "7/merge"),
            ("GITHUB_BASE_REF", "main"),
        ];
        let fork = EventFacts {
            base_branch: None,
            from_fork: true,
        };
        let t = settings(&[], &env).unwrap().target_for(fork).unwrap();
        assert_eq!(t.environment, Environment::Production);
        // A fork PR: no secrets → local files with a warning.
        assert!(matches!(t.sink, SinkTarget::Jsonl { .. }));
        assert!(t.fallback_warning.unwrap().contains("fork"));
    }

    #[test]
    fn an_actions_run_without_its_environments_secrets_is_an_error_unless_from_a_fork() {
        // Only staging secrets, a push to main: the production rows would be lost.
        let env = [
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_REF_NAME", "main"),
            ("INPUT_STAGING-SUPABASE-URL", "https://stage.supabase.co"),
            (
                "INPUT_STAGING-SUPABASE-SERVICE-ROLE-KEY",
                "sb_secret_stagestage",
            ),
        ];
        let c = settings(&[], &env).unwrap();
        let err = c.target().unwrap_err();
        assert!(matches!(
            err,
            SettingsError::MissingSecrets {
                environment: Environment::Production,
                ..
            }
        ));
        assert!(err.to_string().contains("not a pull request from a fork"));
        let fork = EventFacts {
            base_branch: Some("main"),
            from_fork: true,
        };
        assert!(matches!(
            c.target_for(fork).unwrap().sink,
            SinkTarget::Jsonl { .. }
        ));
    }

    #[test]
    fn an_actions_run_with_no_supabase_configured_at_all_writes_local_files_and_says_so() {
        let env = [("GITHUB_ACTIONS", "true"), ("GITHUB_REF_NAME", "main")];
        let t = settings(&[], &env).unwrap().target().unwrap();
        assert!(matches!(t.sink, SinkTarget::Jsonl { .. }));
        let warning = t.fallback_warning.unwrap();
        assert!(
            warning.contains("no Supabase secrets are configured"),
            "{warning}"
        );
    }

    #[test]
    fn a_review_lands_where_its_pull_request_does() {
        let env = [("GITHUB_ACTIONS", "true"), ("GITHUB_REF_NAME", "7/merge")];
        let c = settings(&[], &env).unwrap();
        assert_eq!(c.target().unwrap().environment, Environment::Staging);
        let t = c
            .target_for(EventFacts {
                base_branch: Some("main"),
                from_fork: false,
            })
            .unwrap();
        assert_eq!(t.environment, Environment::Production);
        assert!(t.why.contains("branch 'main'"), "{}", t.why);
    }

    #[test]
    fn require_remote_turns_the_fallback_into_an_error() {
        let env = [
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_REF_NAME", "main"),
            ("INPUT_REQUIRE-REMOTE", "true"),
        ];
        let err = settings(&[], &env).unwrap().target().unwrap_err();
        assert!(matches!(
            err,
            SettingsError::MissingSecrets {
                environment: Environment::Production,
                ..
            }
        ));
    }
}
