//! What the runner tells a step: the `GITHUB_*` variables ([`GithubContext`]), the
//! `github-token` setting for API lookups, and what the event payload adds to them for the
//! target decision ([`EventFacts`]).

use super::sources::Origins;
use super::SettingsError;
use crate::secret::Secret;
use serde::Deserialize;
use std::path::PathBuf;

/// What the runner tells a step about itself (`GITHUB_*`), read with envy.
#[derive(Debug, Default, Clone, Deserialize, PartialEq, Eq)]
pub struct GithubContext {
    /// `true` inside GitHub Actions.
    pub actions: Option<String>,
    /// The event that triggered the workflow.
    pub event_name: Option<String>,
    /// The event payload file.
    pub event_path: Option<PathBuf>,
    /// `owner/name`.
    pub repository: Option<String>,
    /// `refs/heads/main`, `refs/pull/1/merge`...
    #[serde(rename = "ref")]
    pub git_ref: Option<String>,
    /// The branch or tag name.
    pub ref_name: Option<String>,
    /// A pull request's base branch.
    pub base_ref: Option<String>,
    /// A pull request's head branch.
    pub head_ref: Option<String>,
    /// The commit.
    pub sha: Option<String>,
    /// The workflow run id.
    pub run_id: Option<String>,
    /// The run attempt.
    pub run_attempt: Option<String>,
    /// The job id.
    pub job: Option<String>,
    /// The step's action id.
    pub action: Option<String>,
    /// The workspace directory.
    pub workspace: Option<PathBuf>,
    /// The job summary file.
    pub step_summary: Option<PathBuf>,
    /// The step outputs file.
    pub output: Option<PathBuf>,
    /// The REST API base, e.g. `https://api.github.com`.
    pub api_url: Option<String>,
    /// Who triggered the run.
    pub actor: Option<String>,
}

impl GithubContext {
    /// Reads the `GITHUB_*` variables of `env`; empty values count as unset.
    pub fn from_env(env: &[(String, String)]) -> Result<GithubContext, SettingsError> {
        envy::prefixed("GITHUB_")
            .from_iter(env.iter().filter(|(_, v)| !v.is_empty()).cloned())
            .map_err(|e| SettingsError::BadValue {
                origin: "GITHUB_* variables".into(),
                problem: e.to_string(),
            })
    }

    /// True inside a GitHub Actions runner.
    pub fn in_actions(&self) -> bool {
        self.actions.as_deref() == Some("true")
    }

    /// The branch that decides the environment: a pull request's base branch, else the ref's.
    pub fn deciding_branch(&self) -> Option<&str> {
        non_empty(self.base_ref.as_deref()).or_else(|| {
            non_empty(self.ref_name.as_deref()).or_else(|| {
                self.git_ref
                    .as_deref()
                    .and_then(|r| r.strip_prefix("refs/heads/"))
            })
        })
    }
}

/// `s` unless it is blank.
pub(super) fn non_empty(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.trim().is_empty())
}

/// What the event payload tells about where its rows belong.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EventFacts<'a> {
    /// The pull request's base branch named by the payload.
    pub base_branch: Option<&'a str>,
    /// A pull request (or its review) from a fork.
    pub from_fork: bool,
}

/// The `github-token` setting: a token an HTTP header can carry; `None` when unset.
pub(super) fn github_token(
    origins: &Origins,
    value: Option<&str>,
) -> Result<Option<Secret>, SettingsError> {
    let Some(token) = value else {
        return Ok(None);
    };
    // Checked as it will be sent: `Secret` trims the blanks around it (a secret pasted with a
    // trailing line break is fine), what is left must fit a header.
    let token = Secret::new(token);
    crate::github_api::check_token(token.expose()).map_err(|problem| {
        origins.bad(
            "github-token",
            format!(
                "the GitHub token cannot be sent in an HTTP header: {problem}; \
                 pass the token itself, e.g. `github-token: ${{{{ github.token }}}}`"
            ),
        )
    })?;
    Ok(Some(token))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_token_with_a_trailing_line_break_is_trimmed_not_refused() {
        let origins = super::super::sources::Origins::default();
        let token = super::github_token(&origins, Some("ghs_abc123\n")).unwrap();
        assert_eq!(token.unwrap().expose(), "ghs_abc123");
    }

    use super::super::tests::settings;

    #[test]
    fn a_token_no_header_can_carry_is_a_configuration_error_that_does_not_show_it() {
        let err = settings(&[], &[("GITHUB_TOKEN", "ghs_abc\nsecretpart")]).unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("variable GITHUB_TOKEN"), "{text}");
        assert!(text.contains("line break"), "{text}");
        assert!(
            !text.contains("secretpart") && !text.contains("ghs_abc"),
            "{text}"
        );
    }
}
