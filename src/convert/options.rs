//! The conversion's settings: which branches are production or staging, which workflows deploy,
//! which environments are production. Written as plain lists ([`RawEventOptions`]), compiled
//! once into glob sets ([`EventOptions::new`]) before any event is converted.
//!
//! Branch and workflow globs: `*` stops at `/` (`release/*` matches `release/2.1`, not
//! `release/2.1/hotfix`; `release/**` matches both).

use crate::globs::Globs;
use crate::rows::push_events::BranchClass;

/// The event settings as written: plain lists, not yet compiled.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawEventOptions {
    /// Globs of production branches (`main`, `master`).
    pub production_branches: Vec<String>,
    /// Globs of staging branches (`develop`, `staging`, `release/*`).
    pub staging_branches: Vec<String>,
    /// Globs of deploy workflows, matched against the workflow file's path
    /// (`.github/workflows/deploy.yml`), its file name (`deploy.yml`) and its name (`Deploy`).
    pub deploy_workflows: Vec<String>,
    /// GitHub environment names that are production, for deployments whose payload lacks
    /// `production_environment` (compared case-insensitively).
    pub production_environments: Vec<String>,
}

/// The event settings, globs compiled. The default matches no branch, no workflow and no
/// environment.
#[derive(Debug, Clone, Default)]
pub struct EventOptions {
    production_branches: Globs,
    staging_branches: Globs,
    deploy_workflows: Globs,
    production_environments: Vec<String>,
    /// Labels that mark a hotfix PR (compared case-insensitively).
    hotfix_labels: Vec<String>,
    /// Head branches that mark a hotfix PR.
    hotfix_branches: Globs,
}

/// The event settings with their globs already compiled (as the settings hold them).
#[derive(Debug, Clone)]
pub struct CompiledEventOptions<'a> {
    /// Production branches.
    pub production_branches: &'a Globs,
    /// Staging branches.
    pub staging_branches: &'a Globs,
    /// Deploy workflows.
    pub deploy_workflows: &'a Globs,
    /// GitHub environment names that are production.
    pub production_environments: &'a [String],
    /// Labels that mark a hotfix PR.
    pub hotfix_labels: &'a [String],
    /// Head branches that mark a hotfix PR.
    pub hotfix_branches: &'a Globs,
}

impl EventOptions {
    /// Compiles every glob once; the error names the bad one.
    pub fn new(raw: RawEventOptions) -> Result<EventOptions, String> {
        Ok(EventOptions {
            production_branches: Globs::new(&raw.production_branches)?,
            staging_branches: Globs::new(&raw.staging_branches)?,
            deploy_workflows: Globs::new(&raw.deploy_workflows)?,
            production_environments: raw.production_environments,
            hotfix_labels: Vec::new(),
            hotfix_branches: Globs::default(),
        })
    }

    /// The same options, with the labels and head branch globs that mark a hotfix PR (none by
    /// default: `record` passes the `hotfix-labels` and `hotfix-branches` settings).
    pub fn with_hotfix(
        self,
        labels: &[String],
        branches: &[String],
    ) -> Result<EventOptions, String> {
        Ok(EventOptions {
            hotfix_labels: labels.to_vec(),
            hotfix_branches: Globs::new(branches)?,
            ..self
        })
    }

    /// From globs compiled when the settings were read: nothing left to fail.
    pub fn from_compiled(compiled: CompiledEventOptions<'_>) -> EventOptions {
        EventOptions {
            production_branches: compiled.production_branches.clone(),
            staging_branches: compiled.staging_branches.clone(),
            deploy_workflows: compiled.deploy_workflows.clone(),
            production_environments: compiled.production_environments.to_vec(),
            hotfix_labels: compiled.hotfix_labels.to_vec(),
            hotfix_branches: compiled.hotfix_branches.clone(),
        }
    }

    /// True when `label` is one of `hotfix-labels`.
    pub fn is_hotfix_label(&self, label: &str) -> bool {
        self.hotfix_labels
            .iter()
            .any(|h| h.trim().eq_ignore_ascii_case(label.trim()))
    }

    /// True when `branch` matches `hotfix-branches`.
    pub fn is_hotfix_branch(&self, branch: &str) -> bool {
        self.hotfix_branches.is_match(branch)
    }

    /// Which kind of branch `branch` is.
    pub fn branch_class(&self, branch: &str) -> Option<BranchClass> {
        if self.production_branches.is_match(branch) {
            Some(BranchClass::Production)
        } else if self.staging_branches.is_match(branch) {
            Some(BranchClass::Staging)
        } else {
            None
        }
    }

    /// The deploy workflow globs as written (empty: no workflow run is a deployment).
    pub fn deploy_workflows(&self) -> &[String] {
        self.deploy_workflows.patterns()
    }

    /// True when a workflow (by file path or name) is a configured deploy workflow.
    pub fn is_deploy_workflow(&self, path: Option<&str>, name: Option<&str>) -> bool {
        let file = path.map(|p| p.rsplit('/').next().unwrap_or(p));
        [path, file, name]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .any(|s| self.deploy_workflows.is_match(s))
    }

    /// True when `name` is one of the configured production environment names.
    pub fn is_production_environment(&self, name: &str) -> bool {
        self.production_environments
            .iter()
            .any(|p| p.trim().eq_ignore_ascii_case(name.trim()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branch_globs() {
        let o = EventOptions::new(RawEventOptions {
            production_branches: vec!["main".into(), "master".into()],
            staging_branches: vec!["develop".into(), "release/*".into()],
            deploy_workflows: vec!["deploy*.yml".into(), "Deploy".into()],
            production_environments: vec!["Production".into()],
        });
        assert_eq!(o.as_ref().map(|_| ()).map_err(|e| e.to_string()), Ok(()));
        let o = o.unwrap();
        assert_eq!(o.branch_class("main"), Some(BranchClass::Production));
        assert_eq!(o.branch_class("release/1.2"), Some(BranchClass::Staging));
        assert_eq!(o.branch_class("release/1.2/x"), None);
        assert_eq!(o.branch_class("feature/x"), None);
        assert!(o.is_deploy_workflow(Some(".github/workflows/deploy-prod.yml"), None));
        assert!(o.is_deploy_workflow(None, Some("Deploy")));
        assert!(!o.is_deploy_workflow(Some(".github/workflows/test.yml"), Some("test")));
        assert!(o.is_production_environment("production"));
        let bad = RawEventOptions {
            staging_branches: vec!["release/[".into()],
            ..RawEventOptions::default()
        };
        assert!(EventOptions::new(bad).is_err());
    }
}
