//! Which rules judge an event. A pull request (or its review) is judged by the rules file of its
//! base branch, read through the GitHub API at the base commit the payload names: the workspace
//! holds the pull request's own version of the file, and a pull request must not weaken the rules
//! applied to itself. Other events (a push, a deployment) read the file in the workspace: the
//! rules of the very commit that was pushed or deployed. Outside GitHub Actions (a person running
//! devmetrics on a payload) the workspace's file is used for every event.

use crate::error::Error;
use crate::github_api::{split_repository, GitHubApi};
use crate::output::Output;
use crate::rows::short_sha;
use crate::rules::{self, RuleSet, RulesError};
use crate::settings::Settings;
use crate::sources::event::Event;
use std::path::{Path, PathBuf};

/// The rules for one event, and whether verdicts on them may be recorded.
#[derive(Debug)]
pub struct EventRules {
    /// The rules.
    pub ruleset: RuleSet,
    /// False when the rules that should judge the event could not be read (a pull request's
    /// base-branch rules without a working API): the verdicts are shown, not recorded.
    pub recordable: bool,
}

/// Loads the rules that judge `event`.
pub async fn rules_for(
    config: &Settings,
    event: &Event,
    github: Option<&GitHubApi>,
    repository: &str,
    out: &Output,
) -> Result<EventRules, Error> {
    let (path, explicit) = match &config.record.rules.file {
        Some(path) => (path.clone(), true),
        None => (PathBuf::from(rules::DEFAULT_PATH), false),
    };
    let base = match event {
        Event::PullRequest(p) => Some(&p.pull_request.base),
        Event::PullRequestReview(p) => Some(&p.pull_request.base),
        _ => None,
    };
    let workspace_file = match &config.github.workspace {
        Some(workspace) if path.is_relative() => workspace.join(&path),
        _ => path.clone(),
    };
    // Outside Actions nobody else's pull request is checked out: the file is the person's own.
    let in_actions = config.github.in_actions();
    let Some(base) = base.filter(|_| path.is_relative() && in_actions) else {
        return Ok(EventRules {
            ruleset: rules::load(&workspace_file, explicit)?,
            recordable: true,
        });
    };

    let shown = || -> Result<RuleSet, Error> {
        // The workspace's copy may be the pull request's own: fine to show, not to record.
        Ok(rules::load(&workspace_file, explicit).unwrap_or_else(|_| RuleSet::defaults()))
    };
    let (Some(api), Some((owner, name))) = (github, split_repository(repository)) else {
        out.warning(
            "a pull request is judged by the rules of its base branch, read through the GitHub API, \
             and no github-token is set: its rule verdicts are shown, not recorded",
        );
        return Ok(EventRules {
            ruleset: shown()?,
            recordable: false,
        });
    };
    let repo_path = path.to_string_lossy().replace('\\', "/");
    let label = format!(
        "{repo_path} of the base branch {} ({})",
        base.branch,
        short_sha(&base.sha)
    );
    match api.file_at(owner, name, &repo_path, &base.sha).await {
        Ok(Some(text)) => Ok(EventRules {
            ruleset: RuleSet::from_yaml(Path::new(&label), &text)?,
            recordable: true,
        }),
        Ok(None) if !explicit => Ok(EventRules {
            ruleset: RuleSet::defaults(),
            recordable: true,
        }),
        Ok(None) => Err(RulesError::Read {
            path: PathBuf::from(label),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "the base branch has no such file",
            ),
        }
        .into()),
        Err(err) => {
            out.warning(&format!(
                "{err}; the rules of the base branch are unknown, so this pull request's rule verdicts are shown, not recorded"
            ));
            Ok(EventRules {
                ruleset: shown()?,
                recordable: false,
            })
        }
    }
}
