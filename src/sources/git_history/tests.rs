use super::*;
use std::process::Command;

/// A repository made with `git` in a temporary directory, with fixed identities and dates.
struct Repo {
    dir: tempfile::TempDir,
    /// Minutes after 2026-11-01T00:00:00Z of the next commit.
    clock: std::cell::Cell<u32>,
}

impl Repo {
    fn new() -> Repo {
        let repo = Repo {
            dir: tempfile::tempdir().unwrap(),
            clock: std::cell::Cell::new(0),
        };
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    fn git(&self, args: &[&str]) -> String {
        let minutes = self.clock.get();
        self.clock.set(minutes + 10);
        let at = format!("2026-11-01T{:02}:{:02}:00Z", minutes / 60, minutes % 60);
        let out = Command::new("git")
            .current_dir(self.dir.path())
            .args(args)
            .env("HOME", self.dir.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Ada")
            .env("GIT_AUTHOR_EMAIL", "ada@example.com")
            .env("GIT_COMMITTER_NAME", "Ada")
            .env("GIT_COMMITTER_EMAIL", "ada@example.com")
            .env("GIT_AUTHOR_DATE", &at)
            .env("GIT_COMMITTER_DATE", &at)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    fn commit(&self, message: &str) -> String {
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.git(&["rev-parse", "HEAD"])
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

fn since() -> DateTime<Utc> {
    "2026-10-01T00:00:00Z".parse().unwrap()
}

/// main: root, a merged branch (2 commits), a direct commit.
fn history() -> (Repo, Vec<String>) {
    let repo = Repo::new();
    let root = repo.commit("chore: start");
    repo.git(&["checkout", "-q", "-b", "feature/a"]);
    let a1 = repo.commit("feat: a");
    let a2 = repo.commit("wip");
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&[
        "merge",
        "-q",
        "--no-ff",
        "feature/a",
        "-m",
        "Merge pull request #1 from o/feature/a",
    ]);
    let merge = repo.git(&["rev-parse", "HEAD"]);
    let direct = repo.commit("quick fix");
    (repo, vec![root, a1, a2, merge, direct])
}

#[test]
fn first_parent_steps_carry_a_merges_commits_oldest_first() {
    let (repo, shas) = history();
    let h = read_history(repo.path(), "main", since()).unwrap();
    assert_eq!(h.read_ref, "refs/heads/main");
    assert!(h.shallow.is_none());
    let steps: Vec<(&str, Option<&str>, Vec<&str>)> = h
        .steps
        .iter()
        .map(|s| {
            (
                s.commit.sha.as_str(),
                s.before.as_deref(),
                s.carried.iter().map(|c| c.sha.as_str()).collect(),
            )
        })
        .collect();
    let [root, a1, a2, merge, direct] = &shas[..] else {
        panic!()
    };
    assert_eq!(
        steps,
        vec![
            (root.as_str(), None, vec![root.as_str()]),
            (
                merge.as_str(),
                Some(root.as_str()),
                vec![a1.as_str(), a2.as_str(), merge.as_str()]
            ),
            (direct.as_str(), Some(merge.as_str()), vec![direct.as_str()]),
        ]
    );
    assert_eq!(
        h.steps[1].commit.subject(),
        "Merge pull request #1 from o/feature/a"
    );
    assert_eq!(
        h.steps[2].commit.committer_date,
        "2026-11-01T01:50:00Z".parse::<DateTime<Utc>>().unwrap()
    );
}

#[test]
fn steps_before_the_window_are_left_out() {
    let (repo, shas) = history();
    let h = read_history(repo.path(), "main", "2026-11-01T00:30:00Z".parse().unwrap()).unwrap();
    let seen: Vec<&str> = h.steps.iter().map(|s| s.commit.sha.as_str()).collect();
    assert_eq!(seen, vec![shas[3].as_str(), shas[4].as_str()]);
}

#[test]
fn a_shallow_clone_says_where_its_history_starts_and_how_to_fetch_more() {
    let (repo, shas) = history();
    let clone = tempfile::tempdir().unwrap();
    let url = format!("file://{}", repo.path().display());
    let out = Command::new("git")
        .args(["clone", "-q", "--depth", "1", "--branch", "main", &url])
        .arg(clone.path().join("c"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let h = read_history(&clone.path().join("c"), "main", since()).unwrap();
    let gap = h.shallow.clone().expect("a shallow checkout says so");
    assert_eq!(gap.history_starts.as_ref().map(|(s, _)| s), Some(&shas[4]));
    // The boundary commit's parent is still known from the commit itself.
    assert_eq!(h.steps.len(), 1);
    assert_eq!(h.steps[0].before.as_ref(), Some(&shas[3]));
    assert!(h.steps[0].carried_complete);
    assert!(
        gap.describe()[0].contains("the checkout is shallow"),
        "{:?}",
        gap.describe()
    );
    assert!(gap.help().contains("fetch-depth: 0"));
    assert!(gap.help().contains("--shallow-since=2026-10-01"));
}

#[test]
fn a_merge_on_the_shallow_boundary_is_listed_as_incomplete() {
    let (repo, shas) = history();
    repo.git(&["reset", "-q", "--hard", &shas[3]]);
    let clone = tempfile::tempdir().unwrap();
    let url = format!("file://{}", repo.path().display());
    let out = Command::new("git")
        .args(["clone", "-q", "--depth", "1", "--branch", "main", &url])
        .arg(clone.path().join("c"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let h = read_history(&clone.path().join("c"), "main", since()).unwrap();
    assert_eq!(h.shallow.unwrap().incomplete_merges, vec![shas[3].clone()]);
    assert!(!h.steps[0].carried_complete);
}

#[test]
fn a_missing_branch_or_checkout_is_an_error_with_its_fix() {
    let (repo, _) = history();
    let err = read_history(repo.path(), "production", since()).unwrap_err();
    assert!(matches!(err, GitHistoryError::NoBranch { .. }), "{err}");
    assert!(err.help()[0].contains("git fetch origin production"));
    let empty = tempfile::tempdir().unwrap();
    let err = read_history(empty.path(), "main", since()).unwrap_err();
    assert!(matches!(err, GitHistoryError::NotACheckout { .. }), "{err}");
}
