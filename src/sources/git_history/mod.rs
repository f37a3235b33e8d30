//! The checkout's history of one branch, read with `git` as a subprocess (fixed formats, no
//! configuration of the user's read): each first-parent step of the branch in a window — the
//! commit that landed, the sha before it, and the commits it brought (a merge commit brings its
//! second parent's commits too). Knows nothing about rows or rules.
//!
//! A shallow checkout is read as far as it goes, and what it hides is said, never skipped
//! silently ([`ShallowGap`]): the steps before its boundary, and a merge whose commits go past it.

mod git;

pub use git::GitHistoryError;

use chrono::{DateTime, Utc};
use std::path::Path;

/// One commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitCommit {
    /// The full sha.
    pub sha: String,
    /// Its parents as recorded in the commit (also on a shallow boundary, where `git log`
    /// shows none).
    pub parents: Vec<String>,
    /// The author date.
    pub author_date: DateTime<Utc>,
    /// The committer date: when it landed on the branch, for a first-parent commit.
    pub committer_date: DateTime<Utc>,
    /// The committer's name.
    pub committer_name: String,
    /// The full message.
    pub message: String,
}

impl GitCommit {
    /// The message's first line.
    pub fn subject(&self) -> &str {
        self.message.lines().next().unwrap_or("").trim_end()
    }
}

/// One step of the branch's first-parent history: the branch went from `before` to
/// `commit.sha`, bringing `carried`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstParentStep {
    /// The commit the branch pointed to after the step.
    pub commit: GitCommit,
    /// The branch's sha before the step (its first parent); `None` for the root commit.
    pub before: Option<String>,
    /// The commits the step brought (not reachable from `before`), oldest first; for a commit
    /// with one parent, itself.
    pub carried: Vec<GitCommit>,
    /// False when the checkout is too shallow to list every carried commit.
    pub carried_complete: bool,
}

/// What a shallow checkout could not show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShallowGap {
    /// The window's start.
    pub since: DateTime<Utc>,
    /// The oldest first-parent commit seen, with its committer date, when the checkout ends
    /// after the window's start: the steps between `since` and it were not seen.
    pub history_starts: Option<(String, DateTime<Utc>)>,
    /// Merge commits whose carried commits go past the shallow boundary (listed incompletely).
    pub incomplete_merges: Vec<String>,
}

impl ShallowGap {
    /// True when the checkout hid nothing of the window.
    pub fn is_empty(&self) -> bool {
        self.history_starts.is_none() && self.incomplete_merges.is_empty()
    }

    /// What was not seen, in words (one line each).
    pub fn describe(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if let Some((sha, at)) = &self.history_starts {
            lines.push(format!(
                "the checkout is shallow: its history starts at {} ({}), after the window's \
                 start {}; what landed in between was not seen",
                &sha[..sha.len().min(7)],
                crate::rows::key_timestamp(*at),
                crate::rows::key_timestamp(self.since),
            ));
        }
        if !self.incomplete_merges.is_empty() {
            let shas: Vec<&str> = self
                .incomplete_merges
                .iter()
                .map(|s| &s[..s.len().min(7)])
                .collect();
            lines.push(format!(
                "the checkout is shallow: {} merge(s) ({}) brought commits older than its \
                 boundary; their commits were judged as far as seen, and no push row was made \
                 for them",
                shas.len(),
                shas.join(", ")
            ));
        }
        lines
    }

    /// How to fetch what is missing.
    pub fn help(&self) -> String {
        format!(
            "fetch the whole history: `fetch-depth: 0` under `with:` of actions/checkout, or \
             `git fetch --shallow-since={}` in the checkout, then run again (rows already \
             written are not written twice)",
            self.since.format("%Y-%m-%d")
        )
    }
}

/// The branch's first-parent history in the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitHistory {
    /// The branch, as asked for (`main`).
    pub branch: String,
    /// The ref read (`refs/heads/main`, or `refs/remotes/origin/main` in a CI checkout).
    pub read_ref: String,
    /// The window's start.
    pub since: DateTime<Utc>,
    /// The steps whose commit landed at or after `since` (committer date), oldest first.
    pub steps: Vec<FirstParentStep>,
    /// `Some` when the checkout is shallow (and then says what it hid, possibly nothing).
    pub shallow: Option<ShallowGap>,
}

/// Reads `branch`'s first-parent history since `since` from the checkout at `repo_dir`
/// (`refs/heads/<branch>`, else `refs/remotes/origin/<branch>`).
pub fn read_history(
    repo_dir: &Path,
    branch: &str,
    since: DateTime<Utc>,
) -> Result<GitHistory, GitHistoryError> {
    let git = git::Git::new(repo_dir)?;
    let read_ref = git.branch_ref(branch)?;
    let boundary = git.shallow_boundary()?;
    let shallow = git.is_shallow()?;
    let mut steps = Vec::new();
    let mut gap = ShallowGap {
        since,
        history_starts: None,
        incomplete_merges: Vec::new(),
    };
    let first_parent = git.first_parent_log(&read_ref, since)?;
    let oldest_reached = first_parent.last().map(|c| c.sha.clone());
    for mut commit in first_parent {
        if commit.committer_date < since {
            continue;
        }
        let on_boundary = boundary.contains(&commit.sha);
        if on_boundary {
            // `git log` hides a boundary commit's parents; the commit itself still names them.
            commit.parents = git.recorded_parents(&commit.sha)?;
        }
        let (carried, complete) = if commit.parents.len() <= 1 {
            (vec![commit.clone()], true)
        } else if on_boundary {
            (vec![commit.clone()], false)
        } else {
            let carried = git.carried(&commit.parents[0], &commit.sha)?;
            let complete = !carried.iter().any(|c| boundary.contains(&c.sha));
            (carried, complete)
        };
        if !complete {
            gap.incomplete_merges.push(commit.sha.clone());
        }
        if on_boundary && Some(&commit.sha) == oldest_reached.as_ref() {
            gap.history_starts = Some((commit.sha.clone(), commit.committer_date));
        }
        steps.push(FirstParentStep {
            before: commit.parents.first().cloned(),
            commit,
            carried,
            carried_complete: complete,
        });
    }
    steps.reverse();
    Ok(GitHistory {
        branch: branch.to_owned(),
        read_ref,
        since,
        steps,
        shallow: shallow.then_some(gap),
    })
}

#[cfg(test)]
mod tests;
