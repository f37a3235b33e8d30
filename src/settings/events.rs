//! Settings about events: which branches are production or staging (these also decide the
//! environment, see `target`), which workflows deploy, and which GitHub environments are
//! production, and which pull requests are hotfixes. Globs are compiled here, once.

use super::globs::{self, Globs};
use super::sources::{default_of, Origins, RawSettings};
use super::values::split_list;
use super::SettingsError;

/// How events are classified.
#[derive(Debug, Clone, PartialEq)]
pub struct EventSettings {
    /// `production-branches`: branch globs that mean production.
    pub production_branches: Globs,
    /// `staging-branches`: branch globs that mean staging.
    pub staging_branches: Globs,
    /// `deploy-workflows`: workflows whose completed runs count as deployments.
    pub deploy_workflows: Globs,
    /// `production-environments`: GitHub environment names that are production.
    pub production_environments: Vec<String>,
    /// `hotfix-labels`: labels that mark a hotfix pull request.
    pub hotfix_labels: Vec<String>,
    /// `hotfix-branches`: head branch globs that mark a hotfix pull request.
    pub hotfix_branches: Globs,
}

impl EventSettings {
    pub(super) fn read(raw: &RawSettings, origins: &Origins) -> Result<Self, SettingsError> {
        Ok(EventSettings {
            production_branches: globs::setting(
                origins,
                "production-branches",
                raw.production_branches.as_deref(),
                default_of("production-branches"),
            )?,
            staging_branches: globs::setting(
                origins,
                "staging-branches",
                raw.staging_branches.as_deref(),
                default_of("staging-branches"),
            )?,
            deploy_workflows: globs::setting(
                origins,
                "deploy-workflows",
                raw.deploy_workflows.as_deref(),
                "",
            )?,
            production_environments: split_list(
                raw.production_environments
                    .as_deref()
                    .unwrap_or(default_of("production-environments")),
            ),
            hotfix_labels: split_list(
                raw.hotfix_labels
                    .as_deref()
                    .unwrap_or(default_of("hotfix-labels")),
            ),
            hotfix_branches: globs::setting(
                origins,
                "hotfix-branches",
                raw.hotfix_branches.as_deref(),
                default_of("hotfix-branches"),
            )?,
        })
    }
}
