//! `git` as a subprocess: fixed arguments and formats, the user's configuration kept out of
//! what is parsed (no pager, no colours, no signatures, no `log.*` settings change the format).

use super::GitCommit;
use chrono::{DateTime, Utc};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Why the history could not be read.
#[derive(Debug, thiserror::Error)]
pub enum GitHistoryError {
    /// `git` could not be started.
    #[error("could not run git: {source}")]
    GitMissing {
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The directory is not a git checkout.
    #[error("{} is not a git checkout: {stderr}", dir.display())]
    NotACheckout {
        /// The directory.
        dir: PathBuf,
        /// What git said.
        stderr: String,
    },
    /// Neither `refs/heads/<branch>` nor `refs/remotes/origin/<branch>` exists.
    #[error("the checkout has no branch `{branch}` (looked for {})", tried.join(" and "))]
    NoBranch {
        /// The branch asked for.
        branch: String,
        /// The refs tried.
        tried: Vec<String>,
    },
    /// A git command failed.
    #[error("`git {args}` failed: {stderr}")]
    Failed {
        /// The arguments.
        args: String,
        /// What git said.
        stderr: String,
    },
    /// git's output was not in the format asked for.
    #[error("could not read the output of `git {args}`: {problem}")]
    Output {
        /// The arguments.
        args: String,
        /// What was wrong.
        problem: String,
    },
}

impl GitHistoryError {
    /// The exact fix, for `help:` lines.
    pub fn help(&self) -> Vec<String> {
        match self {
            GitHistoryError::GitMissing { .. } => {
                vec!["install git, or leave `git` out of `--only`".into()]
            }
            GitHistoryError::NotACheckout { .. } => vec![
                "run devmetrics in the repository's checkout (a step after actions/checkout), \
                 or leave `git` out of `--only`"
                    .into(),
            ],
            GitHistoryError::NoBranch { branch, .. } => vec![format!(
                "fetch it: `git fetch origin {branch}`, or `fetch-depth: 0` under `with:` of \
                 actions/checkout (it fetches every branch with its history)"
            )],
            GitHistoryError::Failed { .. } | GitHistoryError::Output { .. } => {
                vec!["run the git command shown in the checkout to see what is wrong".into()]
            }
        }
    }
}

/// Fields of one commit in `git log` output: separated by US, commits ended by RS.
const FORMAT: &str = "--format=%H%x1f%P%x1f%aI%x1f%cI%x1f%cn%x1f%B%x1e";

pub(super) struct Git {
    dir: PathBuf,
}

impl Git {
    /// Checks that `dir` is a checkout.
    pub fn new(dir: &Path) -> Result<Git, GitHistoryError> {
        let git = Git {
            dir: dir.to_owned(),
        };
        match git.output(&["rev-parse", "--git-dir"]) {
            Err(GitHistoryError::Failed { stderr, .. }) => Err(GitHistoryError::NotACheckout {
                dir: dir.to_owned(),
                stderr,
            }),
            other => other.map(|_| git),
        }
    }

    fn output(&self, args: &[&str]) -> Result<String, GitHistoryError> {
        let out = Command::new("git")
            .arg("-C")
            .arg(&self.dir)
            .args([
                "-c",
                "log.showSignature=false",
                "-c",
                "core.quotePath=false",
            ])
            .args(args)
            .env("GIT_PAGER", "cat")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .output()
            .map_err(|source| GitHistoryError::GitMissing { source })?;
        if !out.status.success() {
            return Err(GitHistoryError::Failed {
                args: args.join(" "),
                stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
            });
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// `refs/heads/<branch>`, else `refs/remotes/origin/<branch>`.
    pub fn branch_ref(&self, branch: &str) -> Result<String, GitHistoryError> {
        let tried = vec![
            format!("refs/heads/{branch}"),
            format!("refs/remotes/origin/{branch}"),
        ];
        for r in &tried {
            let commit = format!("{r}^{{commit}}");
            if self
                .output(&["rev-parse", "--verify", "--quiet", &commit])
                .is_ok()
            {
                return Ok(r.clone());
            }
        }
        Err(GitHistoryError::NoBranch {
            branch: branch.to_owned(),
            tried,
        })
    }

    pub fn is_shallow(&self) -> Result<bool, GitHistoryError> {
        Ok(self
            .output(&["rev-parse", "--is-shallow-repository"])?
            .trim()
            == "true")
    }

    /// The shas of the shallow boundary (`$GIT_DIR/shallow`); empty in a full checkout.
    pub fn shallow_boundary(&self) -> Result<HashSet<String>, GitHistoryError> {
        let path = self.output(&["rev-parse", "--git-path", "shallow"])?;
        let path = self.dir.join(path.trim());
        Ok(std::fs::read_to_string(path)
            .map(|text| text.lines().map(|l| l.trim().to_owned()).collect())
            .unwrap_or_default())
    }

    /// The first-parent commits of `git_ref` since `since` (committer date), newest first.
    pub fn first_parent_log(
        &self,
        git_ref: &str,
        since: DateTime<Utc>,
    ) -> Result<Vec<GitCommit>, GitHistoryError> {
        let since = format!("--since={}", since.format("%Y-%m-%d %H:%M:%S +0000"));
        self.log(&[
            "log",
            "--first-parent",
            "--no-color",
            &since,
            FORMAT,
            git_ref,
        ])
    }

    /// The commits in `before..after`, oldest first.
    pub fn carried(&self, before: &str, after: &str) -> Result<Vec<GitCommit>, GitHistoryError> {
        let range = format!("{before}..{after}");
        self.log(&[
            "log",
            "--reverse",
            "--topo-order",
            "--no-color",
            FORMAT,
            &range,
        ])
    }

    /// The parents a commit records (`git cat-file`: on a shallow boundary `git log` hides them).
    pub fn recorded_parents(&self, sha: &str) -> Result<Vec<String>, GitHistoryError> {
        let raw = self.output(&["cat-file", "commit", sha])?;
        Ok(raw
            .lines()
            .take_while(|l| !l.is_empty())
            .filter_map(|l| l.strip_prefix("parent "))
            .map(str::to_owned)
            .collect())
    }

    fn log(&self, args: &[&str]) -> Result<Vec<GitCommit>, GitHistoryError> {
        let text = self.output(args)?;
        let bad = |problem: String| GitHistoryError::Output {
            args: args.join(" "),
            problem,
        };
        let mut commits = Vec::new();
        for record in text.split('\u{1e}') {
            let record = record.trim_start_matches('\n');
            if record.trim().is_empty() {
                continue;
            }
            let fields: Vec<&str> = record.splitn(6, '\u{1f}').collect();
            let [sha, parents, author_date, committer_date, committer_name, message] = fields[..]
            else {
                return Err(bad(format!("a commit with {} fields", fields.len())));
            };
            let date = |text: &str| {
                DateTime::parse_from_rfc3339(text)
                    .map(|d| d.with_timezone(&Utc))
                    .map_err(|e| bad(format!("commit {sha}: date `{text}`: {e}")))
            };
            commits.push(GitCommit {
                sha: sha.to_owned(),
                parents: parents.split_whitespace().map(str::to_owned).collect(),
                author_date: date(author_date)?,
                committer_date: date(committer_date)?,
                committer_name: committer_name.to_owned(),
                message: message.trim_end_matches('\n').to_owned(),
            });
        }
        Ok(commits)
    }
}
