//! GitHub REST API look-ups (octocrab) that an event payload cannot answer: when a pull request's
//! first commit was written, when it was first reviewed and approved, when it became ready for
//! review, which merged pull request a pushed commit belongs to, and which commits lie between
//! two deployed shas.
//!
//! The base URL comes from the caller (`$GITHUB_API_URL`: `https://api.github.com`, or
//! `https://<host>/api/v3` on GitHub Enterprise Server), so tests point it at a local fake. The
//! token is an argument, never stored where it could be printed. Every answer is plain data;
//! anything the API does not tell for certain stays `None`.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::fmt;
use std::time::Duration;

/// Why a look-up failed.
#[derive(Debug, thiserror::Error)]
pub enum GitHubError {
    /// The base URL is not a URL.
    #[error("invalid GitHub API URL `{url}`: {message}")]
    BaseUrl {
        /// The URL given.
        url: String,
        /// What is wrong with it.
        message: String,
    },
    /// The token cannot be put in an HTTP header (what is wrong; never the token itself).
    #[error("the GitHub token cannot be sent: {0}")]
    BadToken(String),
    /// Called outside a Tokio runtime (octocrab's client needs one to exist).
    #[error("the GitHub API client must be built inside a Tokio runtime")]
    NoRuntime,
    /// The request failed or the answer was not what GitHub documents.
    #[error("GitHub API request {route} failed: {message}")]
    Request {
        /// The route, e.g. `/repos/o/r/pulls/2/commits`.
        route: String,
        /// octocrab's description (HTTP status and GitHub's message when there is one).
        message: String,
    },
}

/// A client of the GitHub REST API.
#[derive(Clone)]
pub struct GitHubApi {
    client: octocrab::Octocrab,
    base_url: String,
}

impl fmt::Debug for GitHubApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GitHubApi")
            .field("base_url", &self.base_url)
            .field("token", &"***")
            .finish()
    }
}

/// The default base URL (`$GITHUB_API_URL` on github.com).
pub const DEFAULT_API_URL: &str = "https://api.github.com";

/// A pull request's stages, as the API tells them (the conversion's input for a merged PR's
/// row, `convert::EventInputs::pr_stages`). Unknown stays `None`: nothing is invented.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PullRequestStages {
    /// The author date of the PR's oldest commit.
    pub first_commit_at: Option<DateTime<Utc>>,
    /// When it was marked ready for review: the last `ready_for_review` event, or its creation
    /// when the whole timeline shows none (a PR opened as non-draft).
    pub ready_for_review_at: Option<DateTime<Utc>>,
    /// The first review by someone who is neither the author nor a bot.
    pub first_review_at: Option<DateTime<Utc>>,
    /// The first approval by someone who is neither the author nor a bot.
    pub approved_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize)]
struct PrCommit {
    commit: PrCommitDetail,
}

#[derive(Debug, Deserialize)]
struct PrCommitDetail {
    author: Option<GitIdentity>,
    committer: Option<GitIdentity>,
}

#[derive(Debug, Deserialize)]
struct GitIdentity {
    date: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize)]
struct ApiReview {
    user: Option<ApiUser>,
    state: String,
    submitted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize)]
struct ApiUser {
    login: String,
    #[serde(rename = "type", default)]
    kind: Option<String>,
}

impl ApiUser {
    fn is_bot(&self) -> bool {
        crate::sources::event::is_bot_login(&self.login) || self.kind.as_deref() == Some("Bot")
    }
}

#[derive(Debug, Deserialize)]
struct TimelineEvent {
    #[serde(default)]
    event: Option<String>,
    #[serde(default)]
    created_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize)]
struct ApiPull {
    number: u32,
    merged_at: Option<DateTime<Utc>>,
    base: ApiBase,
}

#[derive(Debug, Deserialize)]
struct ApiBase {
    #[serde(rename = "ref")]
    branch: String,
}

const PAGE: usize = 100;

/// Checks that `token` can be sent in an `Authorization` header (octocrab panics on one that
/// cannot): it must be non-empty and hold only visible ASCII characters. The error says what is
/// wrong and where (a 1-based character position), never the token or any part of it. Pass the
/// value as it will be sent ([`crate::secret::Secret`] has already trimmed surrounding blanks).
pub fn check_token(token: &str) -> Result<(), String> {
    if token.is_empty() {
        return Err("it is empty".into());
    }
    let length = token.chars().count();
    for (index, c) in token.chars().enumerate() {
        if c.is_ascii_graphic() {
            continue;
        }
        let what = match c {
            '\n' | '\r' => "a line break".to_owned(),
            ' ' | '\t' => "a blank".to_owned(),
            c if c.is_ascii_control() => format!("a control character (U+{:04X})", c as u32),
            c if c.is_whitespace() => format!("an invisible blank (U+{:04X})", c as u32),
            _ => "a non-ASCII character".to_owned(),
        };
        return Err(format!(
            "it contains {what} at character {} of {length}, which an HTTP header cannot carry \
             (a token has letters, digits and `_` only: was it pasted with extra text?)",
            index + 1
        ));
    }
    Ok(())
}

impl GitHubApi {
    /// A client of `base_url` (`$GITHUB_API_URL`) authenticated with `token`. Must be called
    /// inside a Tokio runtime. A token [`check_token`] refuses is an error, not a panic.
    pub fn new(base_url: &str, token: &str) -> Result<GitHubApi, GitHubError> {
        check_token(token).map_err(GitHubError::BadToken)?;
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(GitHubError::NoRuntime);
        }
        let base_url = base_url.trim_end_matches('/').to_owned();
        let bad = |message: String| GitHubError::BaseUrl {
            url: base_url.clone(),
            message,
        };
        let client = octocrab::Octocrab::builder()
            .base_uri(base_url.as_str())
            .map_err(|e| bad(e.to_string()))?
            .personal_token(token.to_owned())
            .set_connect_timeout(Some(Duration::from_secs(5)))
            .set_read_timeout(Some(Duration::from_secs(10)))
            .build()
            .map_err(|e| bad(e.to_string()))?;
        Ok(GitHubApi { client, base_url })
    }

    async fn get<T: for<'de> Deserialize<'de>>(
        &self,
        route: String,
        query: &[(&str, &str)],
    ) -> Result<T, GitHubError> {
        // octocrab parses JSON into serde_json::Value first; our own structs then take only the
        // fields we use, so GitHub adding or dropping unrelated fields never breaks a look-up.
        let value: serde_json::Value =
            self.client
                .get(&route, Some(query))
                .await
                .map_err(|e| GitHubError::Request {
                    route: route.clone(),
                    message: describe(&e),
                })?;
        serde_json::from_value(value).map_err(|e| GitHubError::Request {
            route,
            message: format!("unexpected answer: {e}"),
        })
    }

    /// The author date of the pull request's oldest commit (`GET
    /// /repos/{owner}/{repo}/pulls/{n}/commits` lists commits oldest first).
    pub async fn first_commit_at(
        &self,
        owner: &str,
        repo: &str,
        pr_number: u32,
    ) -> Result<Option<DateTime<Utc>>, GitHubError> {
        let route = format!("/repos/{owner}/{repo}/pulls/{pr_number}/commits");
        let commits: Vec<PrCommit> = self.get(route, &[("per_page", "1"), ("page", "1")]).await?;
        Ok(commits.into_iter().next().and_then(|c| {
            c.commit
                .author
                .and_then(|a| a.date)
                .or(c.commit.committer.and_then(|c| c.date))
        }))
    }

    /// The first review and the first approval by someone who is neither `author` nor a bot
    /// (`GET /repos/{owner}/{repo}/pulls/{n}/reviews`, chronological; first 100 reviews).
    pub async fn review_stages(
        &self,
        owner: &str,
        repo: &str,
        pr_number: u32,
        author: Option<&str>,
    ) -> Result<(Option<DateTime<Utc>>, Option<DateTime<Utc>>), GitHubError> {
        let route = format!("/repos/{owner}/{repo}/pulls/{pr_number}/reviews");
        let reviews: Vec<ApiReview> = self.get(route, &[("per_page", "100")]).await?;
        let counted = reviews.iter().filter(|r| {
            r.user
                .as_ref()
                .is_some_and(|u| !u.is_bot() && Some(u.login.as_str()) != author)
                && !r.state.eq_ignore_ascii_case("PENDING")
        });
        let mut first_review = None;
        let mut approved = None;
        for r in counted {
            let Some(at) = r.submitted_at else { continue };
            first_review = Some(first_review.map_or(at, |f: DateTime<Utc>| f.min(at)));
            if r.state.eq_ignore_ascii_case("APPROVED") {
                approved = Some(approved.map_or(at, |f: DateTime<Utc>| f.min(at)));
            }
        }
        Ok((first_review, approved))
    }

    /// When the pull request became ready for review: its last `ready_for_review` timeline
    /// event; its creation when the whole timeline (one page) has none (it was never a draft);
    /// unknown when the timeline is longer than one page.
    pub async fn ready_for_review_at(
        &self,
        owner: &str,
        repo: &str,
        pr_number: u32,
        created_at: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, GitHubError> {
        let route = format!("/repos/{owner}/{repo}/issues/{pr_number}/timeline");
        let events: Vec<TimelineEvent> = self.get(route, &[("per_page", "100")]).await?;
        let ready = events
            .iter()
            .filter(|e| e.event.as_deref() == Some("ready_for_review"))
            .filter_map(|e| e.created_at)
            .max();
        Ok(match ready {
            Some(at) => Some(at),
            None if events.len() < PAGE => Some(created_at),
            None => None,
        })
    }

    /// Every stage the API can tell; a failed look-up leaves its stage unknown and is reported
    /// in the returned errors (one bad answer doesn't stop the run).
    pub async fn pull_request_stages(
        &self,
        owner: &str,
        repo: &str,
        pr_number: u32,
        author: Option<&str>,
        created_at: DateTime<Utc>,
    ) -> (PullRequestStages, Vec<GitHubError>) {
        let (commit, reviews, ready) = tokio::join!(
            self.first_commit_at(owner, repo, pr_number),
            self.review_stages(owner, repo, pr_number, author),
            self.ready_for_review_at(owner, repo, pr_number, created_at),
        );
        let mut stages = PullRequestStages::default();
        let mut errors = Vec::new();
        match commit {
            Ok(at) => stages.first_commit_at = at,
            Err(e) => errors.push(e),
        }
        match reviews {
            Ok((first, approved)) => {
                stages.first_review_at = first;
                stages.approved_at = approved;
            }
            Err(e) => errors.push(e),
        }
        match ready {
            Ok(at) => stages.ready_for_review_at = at,
            Err(e) => errors.push(e),
        }
        (stages, errors)
    }

    /// The merged pull request into `branch` that contains `sha` (`GET
    /// /repos/{owner}/{repo}/commits/{sha}/pulls`): `Some(n)`, or `None` when there is none.
    pub async fn merged_pr_of_commit(
        &self,
        owner: &str,
        repo: &str,
        sha: &str,
        branch: &str,
    ) -> Result<Option<u32>, GitHubError> {
        let route = format!("/repos/{owner}/{repo}/commits/{sha}/pulls");
        let pulls: Vec<ApiPull> = self.get(route, &[("per_page", "100")]).await?;
        Ok(pulls
            .iter()
            .filter(|p| p.merged_at.is_some() && p.base.branch == branch)
            .min_by_key(|p| p.merged_at)
            .map(|p| p.number))
    }

    /// The logins whose latest review of the pull request approved it, leaving out `author`
    /// and bots (`GET /repos/{owner}/{repo}/pulls/{n}/reviews`, first 100 reviews): what the
    /// approval rule judges.
    pub async fn approvers(
        &self,
        owner: &str,
        repo: &str,
        pr_number: u32,
        author: Option<&str>,
    ) -> Result<Vec<String>, GitHubError> {
        let route = format!("/repos/{owner}/{repo}/pulls/{pr_number}/reviews");
        let reviews: Vec<ApiReview> = self.get(route, &[("per_page", "100")]).await?;
        let mut latest: Vec<(String, String)> = Vec::new();
        for r in &reviews {
            let Some(user) = r.user.as_ref() else {
                continue;
            };
            if user.is_bot() || Some(user.login.as_str()) == author {
                continue;
            }
            // Comments do not change a reviewer's verdict; approvals, change requests and
            // dismissals do.
            if r.state.eq_ignore_ascii_case("COMMENTED") || r.state.eq_ignore_ascii_case("PENDING")
            {
                continue;
            }
            match latest.iter_mut().find(|(login, _)| *login == user.login) {
                Some(entry) => entry.1 = r.state.to_ascii_uppercase(),
                None => latest.push((user.login.clone(), r.state.to_ascii_uppercase())),
            }
        }
        Ok(latest
            .into_iter()
            .filter(|(_, state)| state == "APPROVED")
            .map(|(login, _)| login)
            .collect())
    }
}

#[derive(Debug, Deserialize)]
struct Comparison {
    #[serde(default)]
    total_commits: Option<usize>,
    #[serde(default)]
    commits: Vec<ComparedCommit>,
}

#[derive(Debug, Deserialize)]
struct ComparedCommit {
    sha: String,
}

/// At most this many pages of a comparison are read (100 commits each).
const COMPARE_PAGES: usize = 30;

impl GitHubApi {
    /// The commits reachable from `head` and not from `base`, oldest first (`GET
    /// /repos/{owner}/{repo}/compare/{base}...{head}`, 100 per page): what deploying `head`
    /// over `base` puts live. Empty when `head` is `base` or behind it. An error when the
    /// comparison is longer than 3 000 commits (the list would be cut).
    pub async fn commits_between(
        &self,
        owner: &str,
        repo: &str,
        base: &str,
        head: &str,
    ) -> Result<Vec<String>, GitHubError> {
        let route = format!("/repos/{owner}/{repo}/compare/{base}...{head}");
        let mut shas = Vec::new();
        for page in 1..=COMPARE_PAGES {
            let page_text = page.to_string();
            let answer: Comparison = self
                .get(
                    route.clone(),
                    &[("per_page", "100"), ("page", page_text.as_str())],
                )
                .await?;
            let got = answer.commits.len();
            shas.extend(answer.commits.into_iter().map(|c| c.sha));
            let total = answer.total_commits.unwrap_or(shas.len());
            if shas.len() >= total || got == 0 {
                return Ok(shas);
            }
        }
        Err(GitHubError::Request {
            route,
            message: format!(
                "more than {} commits between the two deployments",
                COMPARE_PAGES * PAGE
            ),
        })
    }
}

impl GitHubApi {
    /// The text of the file at `path` in the commit `git_ref` (`GET
    /// /repos/{owner}/{repo}/contents/{path}?ref=…`); `None` when the commit has no such file.
    pub async fn file_at(
        &self,
        owner: &str,
        repo: &str,
        path: &str,
        git_ref: &str,
    ) -> Result<Option<String>, GitHubError> {
        #[derive(Deserialize)]
        struct Content {
            #[serde(default)]
            content: Option<String>,
            #[serde(default)]
            encoding: Option<String>,
        }
        let path = path.trim_start_matches("./").trim_start_matches('/');
        let route = format!("/repos/{owner}/{repo}/contents/{path}");
        let answer: Result<serde_json::Value, octocrab::Error> =
            self.client.get(&route, Some(&[("ref", git_ref)])).await;
        let value = match answer {
            Ok(value) => value,
            Err(octocrab::Error::GitHub { source, .. }) if source.status_code.as_u16() == 404 => {
                return Ok(None)
            }
            Err(e) => {
                return Err(GitHubError::Request {
                    route,
                    message: describe(&e),
                })
            }
        };
        let unexpected = |message: String| GitHubError::Request {
            route: route.clone(),
            message: format!("unexpected answer: {message}"),
        };
        let content: Content =
            serde_json::from_value(value).map_err(|e| unexpected(e.to_string()))?;
        match (content.encoding.as_deref(), content.content) {
            (Some("base64"), Some(text)) => {
                use base64::Engine;
                let compact: String = text.split_whitespace().collect();
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(compact)
                    .map_err(|e| unexpected(format!("content is not base64: {e}")))?;
                String::from_utf8(bytes)
                    .map(Some)
                    .map_err(|_| unexpected("the file is not UTF-8 text".into()))
            }
            _ => Err(unexpected(
                "not a file (a directory, a symlink or a submodule?)".into(),
            )),
        }
    }
}

/// One commit of a pull request: its sha and message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct PullRequestCommit {
    /// The commit's sha.
    pub sha: String,
    /// Its full message.
    pub message: String,
}

#[derive(Debug, Deserialize)]
struct ApiPrCommit {
    sha: String,
    commit: ApiCommitMessage,
}

#[derive(Debug, Deserialize)]
struct ApiCommitMessage {
    #[serde(default)]
    message: Option<String>,
}

impl GitHubApi {
    /// The pull request's commits (sha and message), oldest first (`GET
    /// /repos/{owner}/{repo}/pulls/{n}/commits`, one request of 100: the first 100 commits of a
    /// longer PR). What tells a `git revert` (`This reverts commit <sha>.`) whose message the PR
    /// body does not repeat.
    pub async fn pull_request_commits(
        &self,
        owner: &str,
        repo: &str,
        pr_number: u32,
    ) -> Result<Vec<PullRequestCommit>, GitHubError> {
        let route = format!("/repos/{owner}/{repo}/pulls/{pr_number}/commits");
        let commits: Vec<ApiPrCommit> = self.get(route, &[("per_page", "100")]).await?;
        Ok(commits
            .into_iter()
            .map(|c| PullRequestCommit {
                sha: c.sha,
                message: c.commit.message.unwrap_or_default(),
            })
            .collect())
    }
}

/// octocrab's error, with GitHub's message and status when it has them.
fn describe(e: &octocrab::Error) -> String {
    match e {
        octocrab::Error::GitHub { source, .. } => {
            format!("HTTP {}: {}", source.status_code.as_u16(), source.message)
        }
        other => other.to_string(),
    }
}

/// Splits `owner/name`.
pub fn split_repository(full_name: &str) -> Option<(&str, &str)> {
    let (owner, repo) = full_name.split_once('/')?;
    (!owner.is_empty() && !repo.is_empty() && !repo.contains('/')).then_some((owner, repo))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outside_a_runtime_is_an_error_not_a_panic() {
        assert!(matches!(
            GitHubApi::new("http://127.0.0.1:9", "t"),
            Err(GitHubError::NoRuntime)
        ));
    }

    #[tokio::test]
    async fn debug_hides_the_token() {
        let api = GitHubApi::new("http://127.0.0.1:9", "ghp_secret").unwrap();
        let text = format!("{api:?}");
        assert!(!text.contains("ghp_secret"), "{text}");
        assert!(text.contains("***"));
    }

    #[tokio::test]
    async fn a_token_an_http_header_cannot_carry_is_an_error_not_a_panic() {
        for (token, problem) in [
            ("ghp_abc\ndef", "a line break at character 8 of 11"),
            ("ghp_abc\rdef", "a line break at character 8 of 11"),
            ("ghp_abc def", "a blank at character 8 of 11"),
            (
                "ghp_abc\u{7}def",
                "a control character (U+0007) at character 8 of 11",
            ),
            (
                "ghp_abc\u{7f}def",
                "a control character (U+007F) at character 8 of 11",
            ),
            (
                "ghp_abc\u{a0}def",
                "an invisible blank (U+00A0) at character 8 of 11",
            ),
            ("ghp_abcédef", "a non-ASCII character at character 8 of 11"),
        ] {
            let err = GitHubApi::new("http://127.0.0.1:9", token).unwrap_err();
            let message = err.to_string();
            assert!(matches!(err, GitHubError::BadToken(_)), "{message}");
            assert!(message.contains(problem), "{token:?}: {message}");
            assert!(!message.contains("ghp_abc"), "{message}");
            assert!(!message.contains("def"), "{message}");
        }
        assert_eq!(check_token(""), Err("it is empty".into()));
        assert_eq!(check_token("ghp_0123456789abcdefABCDEF_-.~"), Ok(()));
        assert!(GitHubApi::new("http://127.0.0.1:9", "ghp_0123456789").is_ok());
    }

    #[tokio::test]
    async fn debug_of_every_type_holding_a_key_prints_stars() {
        let token = "ghp_0123456789abcdefghij";
        let key = crate::secret::Secret::new("sb_secret_0123456789abcdef");
        let api = GitHubApi::new("http://127.0.0.1:9", token).unwrap();
        let out = crate::output::Output::new(true, vec![key.clone()]);
        let text = format!("{api:?} {key:?} {out:?} {:?}", Some(&key));
        assert!(!text.contains(token), "{text}");
        assert!(!text.contains(key.expose()), "{text}");
        assert_eq!(text.matches("***").count(), 4, "{text}");
    }

    #[test]
    fn repositories() {
        assert_eq!(split_repository("o/r"), Some(("o", "r")));
        assert_eq!(split_repository("o"), None);
        assert_eq!(split_repository("o/r/x"), None);
    }
}
