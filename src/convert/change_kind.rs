//! What kind of change a pull request is: a revert of another PR or commit, or a hotfix. Pure:
//! read from the PR's head branch, title, body, labels and (when known) commit messages.
//!
//! GitHub's "Revert" button opens a PR from the branch `revert-<N>-<branch>`, titled
//! `Revert "<title of #N>"`, with the body `Reverts owner/repo#N`. `git revert` writes the
//! commit message `Revert "<subject>"` with `This reverts commit <sha>.` in its body, which GitHub
//! copies into the PR body of a one-commit PR.

use super::push::merged_pr_from_message;
use super::EventOptions;
use crate::github_api::PullRequestCommit;

/// What a pull request reverts, when it is a revert.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reverts {
    /// The reverted pull request, when it could be named.
    pub pr_number: Option<u32>,
    /// The reverted commit (`This reverts commit <sha>`), when it could be named.
    pub sha: Option<String>,
}

/// What the PR reverts, from its head branch, title, body and commit messages; `None` when it
/// is not a revert in any of GitHub's or git's forms.
pub fn reverts(branch: &str, title: &str, body: &str, messages: &[&str]) -> Option<Reverts> {
    let mut out = Reverts::default();
    let mut is_revert = false;
    // `Reverts owner/repo#N` (GitHub's body), or `Reverts #N`.
    for line in body.lines() {
        if let Some(rest) = line.trim().strip_prefix("Reverts ") {
            if let Some((_, number)) = rest.trim().rsplit_once('#') {
                if let Some(n) = leading_number(number) {
                    out.pr_number.get_or_insert(n);
                    is_revert = true;
                }
            }
        }
    }
    // `revert-<N>-<branch>`.
    if let Some(rest) = branch.strip_prefix("revert-") {
        if let Some((number, tail)) = rest.split_once('-') {
            if !tail.is_empty() && number.chars().all(|c| c.is_ascii_digit()) {
                if let Ok(n) = number.parse() {
                    out.pr_number.get_or_insert(n);
                    is_revert = true;
                }
            }
        }
    }
    // `Revert "<title>"`: the reverted title may name its PR (`(#N)`, `Merge pull request #N`).
    if let Some(inner) = title.trim().strip_prefix("Revert \"") {
        is_revert = true;
        let inner = inner.strip_suffix('"').unwrap_or(inner);
        if let Some((n, _)) = merged_pr_from_message(inner) {
            out.pr_number.get_or_insert(n);
        }
    }
    // `This reverts commit <sha>.`, in the body or a commit message.
    for text in std::iter::once(body).chain(messages.iter().copied()) {
        if let Some(sha) = reverted_sha(text) {
            out.sha.get_or_insert(sha);
            is_revert = true;
        }
    }
    is_revert.then_some(out)
}

/// The sha of `This reverts commit <sha>` in `text` (7 to 40 hexadecimal digits, lowercased).
fn reverted_sha(text: &str) -> Option<String> {
    const MARK: &str = "This reverts commit ";
    let start = text.find(MARK)? + MARK.len();
    let sha: String = text[start..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    (7..=40)
        .contains(&sha.len())
        .then(|| sha.to_ascii_lowercase())
}

/// The messages of `commits` that may name what the PR reverts: a `git revert` of a commit of
/// the same PR (made and undone before the merge) reverts nothing that reached the branch, and
/// is left out.
pub fn reverting_messages(commits: &[PullRequestCommit]) -> Vec<&str> {
    let own = |sha: &str| {
        commits
            .iter()
            .any(|c| c.sha.to_ascii_lowercase().starts_with(sha))
    };
    commits
        .iter()
        .filter(|c| reverted_sha(&c.message).is_none_or(|sha| !own(&sha)))
        .map(|c| c.message.as_str())
        .collect()
}

fn leading_number(text: &str) -> Option<u32> {
    let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// True when the PR is a hotfix: one of its labels is in `hotfix-labels` (case-insensitive) or
/// its head branch matches `hotfix-branches`.
pub fn is_hotfix(options: &EventOptions, labels: &[&str], head_branch: &str) -> bool {
    labels.iter().any(|l| options.is_hotfix_label(l)) || options.is_hotfix_branch(head_branch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::convert::RawEventOptions;

    const SHA: &str = "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c";

    #[test]
    fn a_revert_is_recognised_from_githubs_revert_branch() {
        assert_eq!(
            reverts("revert-42-feature/login", "Undo login", "", &[]),
            Some(Reverts {
                pr_number: Some(42),
                sha: None
            })
        );
        assert_eq!(reverts("revert-button", "Revert button", "", &[]), None);
        assert_eq!(reverts("revert-42-", "x", "", &[]), None);
    }

    #[test]
    fn a_revert_is_recognised_from_its_title() {
        let r = reverts("fix", "Revert \"Add login (#17)\"", "", &[]).unwrap();
        assert_eq!(r.pr_number, Some(17));
        let r = reverts("fix", "Revert \"Merge pull request #9 from o/x\"", "", &[]).unwrap();
        assert_eq!(r.pr_number, Some(9));
        // A revert whose title names nothing is still a revert.
        assert_eq!(
            reverts("fix", "Revert \"Add login\"", "", &[]),
            Some(Reverts::default())
        );
        assert_eq!(reverts("fix", "Reverting to old ways", "", &[]), None);
    }

    #[test]
    fn a_revert_is_recognised_from_githubs_body() {
        let r = reverts(
            "x",
            "Undo",
            "Reverts Codertocat/Hello-World#123\n\nWhy",
            &[],
        )
        .unwrap();
        assert_eq!(r.pr_number, Some(123));
        let r = reverts("x", "Undo", "Reverts #5", &[]).unwrap();
        assert_eq!(r.pr_number, Some(5));
        // The body's number wins over the title's.
        let r = reverts("x", "Revert \"A (#1)\"", "Reverts o/r#2", &[]).unwrap();
        assert_eq!(r.pr_number, Some(2));
    }

    #[test]
    fn a_revert_is_recognised_from_gits_commit_message() {
        let message = format!("Revert \"Add login\"\n\nThis reverts commit {SHA}.");
        let r = reverts("undo-login", "Undo login", "", &[&message]).unwrap();
        assert_eq!(r.sha.as_deref(), Some(SHA));
        let r = reverts(
            "x",
            "Undo",
            &format!("This reverts commit {}.", &SHA[..7]),
            &[],
        )
        .unwrap();
        assert_eq!(r.sha.as_deref(), Some(&SHA[..7]));
        assert_eq!(reverts("x", "Undo", "This reverts commit abc.", &[]), None);
    }

    #[test]
    fn a_revert_of_a_commit_of_the_same_pr_is_not_a_revert() {
        let commit = |sha: &str, message: &str| PullRequestCommit {
            sha: sha.into(),
            message: message.into(),
        };
        let own = "1111111111111111111111111111111111111111";
        let commits = [
            commit(own, "Try a cache"),
            commit(
                "2222222222222222222222222222222222222222",
                "Revert \"Try a cache\"\n\nThis reverts commit 1111111.",
            ),
            commit("3333333333333333333333333333333333333333", "Keep the rest"),
        ];
        let messages = reverting_messages(&commits);
        assert_eq!(messages, ["Try a cache", "Keep the rest"]);
        assert_eq!(reverts("cache", "Add a cache", "", &messages), None);
        // A revert of a commit from elsewhere stays.
        let revert = format!("Revert \"Add login\"\n\nThis reverts commit {SHA}.");
        let commits = [commit(own, &revert)];
        assert_eq!(reverting_messages(&commits), [revert.as_str()]);
        assert_eq!(
            reverts("x", "Undo", "", &reverting_messages(&commits)).and_then(|r| r.sha),
            Some(SHA.to_owned())
        );
    }

    #[test]
    fn a_hotfix_is_a_label_or_a_hotfix_branch() {
        let options = EventOptions::new(RawEventOptions::default())
            .unwrap()
            .with_hotfix(&["hotfix".into()], &["hotfix/**".into()])
            .unwrap();
        assert!(is_hotfix(&options, &["bug", "HotFix"], "fix-login"));
        assert!(is_hotfix(&options, &[], "hotfix/login/now"));
        assert!(!is_hotfix(&options, &["bug"], "feature/hotfix"));
        assert!(!is_hotfix(
            &EventOptions::default(),
            &["hotfix"],
            "hotfix/login"
        ));
    }
}
