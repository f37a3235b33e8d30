//! Pull requests of a window, 50 per GraphQL request with everything a row needs: the first
//! commit's dates, the reviews, the lifecycle timeline (ready for review, drafts, reopenings,
//! closings, force pushes, dismissals). Newest update first; paging stops at the first PR last
//! updated before the window (a PR created, merged or closed in it was updated in it).
//!
//! What the API answers becomes the webhook payload models of `sources::event` ([`super::payloads`]:
//! one `pull_request` or `pull_request_review` payload per timeline fact), so that `convert`
//! turns a backfilled PR into rows exactly as it turns a live one.

use super::client::{graphql_messages, HistoryClient};
use super::HistoryError;
use crate::github_api::PullRequestStages;
use crate::sources::event::is_bot_login;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

/// PRs per GraphQL request.
pub const PAGE_SIZE: u32 = 50;

/// The query: one page of pull requests, newest update first, with their facts.
pub const QUERY: &str = r#"query($owner: String!, $name: String!, $first: Int!, $after: String) {
  rateLimit { cost remaining resetAt }
  repository(owner: $owner, name: $name) {
    pullRequests(first: $first, after: $after, orderBy: {field: UPDATED_AT, direction: DESC}) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        number title body state isDraft createdAt updatedAt closedAt mergedAt merged
        additions deletions changedFiles
        author { __typename login }
        mergedBy { __typename login }
        mergeCommit { oid }
        headRefName headRefOid baseRefName baseRefOid
        headRepository { nameWithOwner }
        baseRepository { nameWithOwner }
        labels(first: 100) { nodes { name } }
        commits(first: 100) { totalCount nodes { commit { oid message authoredDate committedDate } } }
        reviews(first: 100) {
          totalCount pageInfo { hasNextPage endCursor }
          nodes { databaseId state submittedAt authorAssociation author { __typename login } commit { oid } }
        }
        timelineItems(first: 100, itemTypes: [READY_FOR_REVIEW_EVENT, CONVERT_TO_DRAFT_EVENT, REOPENED_EVENT, CLOSED_EVENT, HEAD_REF_FORCE_PUSHED_EVENT, REVIEW_DISMISSED_EVENT]) {
          totalCount pageInfo { hasNextPage endCursor }
          nodes {
            __typename
            ... on ReadyForReviewEvent { createdAt actor { __typename login } }
            ... on ConvertToDraftEvent { createdAt actor { __typename login } }
            ... on ReopenedEvent { createdAt actor { __typename login } }
            ... on ClosedEvent { createdAt actor { __typename login } }
            ... on HeadRefForcePushedEvent { createdAt actor { __typename login } beforeCommit { oid } afterCommit { oid } }
            ... on ReviewDismissedEvent { createdAt actor { __typename login } previousReviewState review { databaseId } }
          }
        }
      }
    }
  }
}"#;

/// An actor as GraphQL answers it.
#[derive(Debug, Clone, Deserialize)]
pub struct Actor {
    /// `User`, `Bot`, `Organization`...
    #[serde(rename = "__typename", default)]
    pub typename: Option<String>,
    /// The login.
    pub login: String,
}

/// `{ oid }`.
#[derive(Debug, Clone, Deserialize)]
pub struct Oid {
    /// The sha.
    pub oid: String,
}

/// `{ nodes: [...] }` (a node the API could not give is `null`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection<T> {
    /// How many there are in all.
    #[serde(default)]
    pub total_count: Option<u32>,
    /// The first ones.
    #[serde(default = "Vec::new")]
    pub nodes: Vec<Option<T>>,
    /// Where the next ones start.
    #[serde(default)]
    pub page_info: Option<PageInfo>,
}

/// `pageInfo`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageInfo {
    /// More after this page.
    #[serde(default)]
    pub has_next_page: bool,
    /// The cursor after this page.
    #[serde(default)]
    pub end_cursor: Option<String>,
}

impl<T> Connection<T> {
    /// The cursor of the next page, when there is one.
    pub fn next(&self) -> Option<String> {
        self.page_info
            .as_ref()
            .filter(|p| p.has_next_page)
            .and_then(|p| p.end_cursor.clone())
    }
}

/// A label.
#[derive(Debug, Clone, Deserialize)]
pub struct LabelNode {
    /// Its name.
    pub name: String,
}

/// The first commit.
#[derive(Debug, Clone, Deserialize)]
pub struct CommitNode {
    /// The commit.
    pub commit: CommitDates,
}

/// A commit's dates.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommitDates {
    /// The sha.
    #[serde(default)]
    pub oid: Option<String>,
    /// The full message (a `git revert` names the commit it reverts there).
    #[serde(default)]
    pub message: Option<String>,
    /// Written.
    #[serde(default)]
    pub authored_date: Option<DateTime<Utc>>,
    /// Committed.
    #[serde(default)]
    pub committed_date: Option<DateTime<Utc>>,
}

/// A review.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewNode {
    /// The REST id (the live key's review id).
    pub database_id: u64,
    /// `APPROVED`, `CHANGES_REQUESTED`, `COMMENTED`, `DISMISSED`, `PENDING`.
    pub state: String,
    /// Submitted (none while pending).
    #[serde(default)]
    pub submitted_at: Option<DateTime<Utc>>,
    /// The reviewer's association.
    #[serde(default)]
    pub author_association: Option<String>,
    /// The reviewer (`null`: a deleted account).
    #[serde(default)]
    pub author: Option<Actor>,
    /// The commit reviewed.
    #[serde(default)]
    pub commit: Option<Oid>,
}

/// A timeline item of the kinds asked for.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimelineItem {
    /// `ReadyForReviewEvent`, `ConvertToDraftEvent`, `ReopenedEvent`, `ClosedEvent`,
    /// `HeadRefForcePushedEvent`, `ReviewDismissedEvent`.
    #[serde(rename = "__typename")]
    pub typename: String,
    /// When.
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    /// Who.
    #[serde(default)]
    pub actor: Option<Actor>,
    /// A force push: the head before.
    #[serde(default)]
    pub before_commit: Option<Oid>,
    /// A force push: the head after.
    #[serde(default)]
    pub after_commit: Option<Oid>,
    /// A dismissal: the review's state before.
    #[serde(default)]
    pub previous_review_state: Option<String>,
    /// A dismissal: the review.
    #[serde(default)]
    pub review: Option<DismissedReview>,
}

/// The review a dismissal names.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DismissedReview {
    /// Its REST id.
    pub database_id: u64,
}

/// `{ nameWithOwner }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RepoName {
    /// `owner/name`.
    pub name_with_owner: String,
}

/// A pull request as the query answers it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PullNode {
    /// Its number.
    pub number: u32,
    /// Its title.
    #[serde(default)]
    pub title: Option<String>,
    /// Its description.
    #[serde(default)]
    pub body: Option<String>,
    /// `OPEN`, `CLOSED`, `MERGED`.
    #[serde(default)]
    pub state: Option<String>,
    /// A draft now.
    #[serde(default)]
    pub is_draft: Option<bool>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last updated.
    pub updated_at: DateTime<Utc>,
    /// Last closed.
    #[serde(default)]
    pub closed_at: Option<DateTime<Utc>>,
    /// Merged.
    #[serde(default)]
    pub merged_at: Option<DateTime<Utc>>,
    /// Merged.
    #[serde(default)]
    pub merged: Option<bool>,
    /// Lines added.
    #[serde(default)]
    pub additions: Option<i64>,
    /// Lines deleted.
    #[serde(default)]
    pub deletions: Option<i64>,
    /// Files changed.
    #[serde(default)]
    pub changed_files: Option<i64>,
    /// Who opened it.
    #[serde(default)]
    pub author: Option<Actor>,
    /// Who merged it.
    #[serde(default)]
    pub merged_by: Option<Actor>,
    /// The merge commit.
    #[serde(default)]
    pub merge_commit: Option<Oid>,
    /// The head branch.
    pub head_ref_name: String,
    /// The head commit now.
    pub head_ref_oid: String,
    /// The base branch.
    pub base_ref_name: String,
    /// The base commit.
    #[serde(default)]
    pub base_ref_oid: Option<String>,
    /// The head's repository (`null`: a deleted fork).
    #[serde(default)]
    pub head_repository: Option<RepoName>,
    /// The base's repository.
    #[serde(default)]
    pub base_repository: Option<RepoName>,
    /// Labels.
    #[serde(default)]
    pub labels: Option<Connection<LabelNode>>,
    /// The first commit (`null`: the API could not give it).
    #[serde(default)]
    pub commits: Option<Connection<CommitNode>>,
    /// The first 100 reviews.
    #[serde(default)]
    pub reviews: Option<Connection<ReviewNode>>,
    /// The first 100 lifecycle items.
    #[serde(default)]
    pub timeline_items: Option<Connection<TimelineItem>>,
}

/// One page of pull requests.
#[derive(Debug, Default)]
pub struct PullPage {
    /// The PRs updated in the window, newest update first.
    pub pulls: Vec<PullNode>,
    /// The cursor after this page; `None` when the window is done.
    pub next: Option<String>,
    /// PRs in the repository (for the progress's total, an upper bound).
    pub total: Option<u32>,
    /// GraphQL errors about single nodes: `(PR number if known, message)`.
    pub node_errors: Vec<(Option<u32>, String)>,
    /// PRs whose reviews, commits or timeline could not all be read.
    pub incomplete: Vec<u32>,
}

/// The follow-up query of one PR whose reviews or lifecycle items did not fit in the page.
pub const MORE_QUERY: &str = r#"query($owner: String!, $name: String!, $number: Int!, $reviews: String, $timeline: String, $wantReviews: Boolean!, $wantTimeline: Boolean!) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      reviews(first: 100, after: $reviews) @include(if: $wantReviews) {
        totalCount pageInfo { hasNextPage endCursor }
        nodes { databaseId state submittedAt authorAssociation author { __typename login } commit { oid } }
      }
      timelineItems(first: 100, after: $timeline, itemTypes: [READY_FOR_REVIEW_EVENT, CONVERT_TO_DRAFT_EVENT, REOPENED_EVENT, CLOSED_EVENT, HEAD_REF_FORCE_PUSHED_EVENT, REVIEW_DISMISSED_EVENT]) @include(if: $wantTimeline) {
        totalCount pageInfo { hasNextPage endCursor }
        nodes {
          __typename
          ... on ReadyForReviewEvent { createdAt actor { __typename login } }
          ... on ConvertToDraftEvent { createdAt actor { __typename login } }
          ... on ReopenedEvent { createdAt actor { __typename login } }
          ... on ClosedEvent { createdAt actor { __typename login } }
          ... on HeadRefForcePushedEvent { createdAt actor { __typename login } beforeCommit { oid } afterCommit { oid } }
          ... on ReviewDismissedEvent { createdAt actor { __typename login } previousReviewState review { databaseId } }
        }
      }
    }
  }
}"#;

/// Reads the reviews and lifecycle items of `pull` beyond its first 100, one request per 100
/// more (a rare PR); an error leaves the PR as it was and is returned for the run to report.
pub async fn complete(
    client: &mut HistoryClient,
    repository: &str,
    pull: &mut PullNode,
) -> Result<u32, HistoryError> {
    let (owner, name) = repository
        .split_once('/')
        .ok_or_else(|| HistoryError::Client(format!("'{repository}' is not owner/name")))?;
    let mut requests = 0;
    loop {
        let reviews = pull.reviews.as_ref().and_then(Connection::next);
        let timeline = pull.timeline_items.as_ref().and_then(Connection::next);
        if reviews.is_none() && timeline.is_none() {
            return Ok(requests);
        }
        requests += 1;
        let answer = client
            .graphql(
                MORE_QUERY,
                json!({ "owner": owner, "name": name, "number": pull.number,
                        "reviews": reviews, "timeline": timeline,
                        "wantReviews": reviews.is_some(), "wantTimeline": timeline.is_some() }),
            )
            .await?;
        let more = &answer["data"]["repository"]["pullRequest"];
        let bad = |e: serde_json::Error| HistoryError::Api {
            route: "POST graphql (pullRequest)".into(),
            status: 200,
            message: format!("not shaped as expected: {e}"),
        };
        if let (Some(have), true) = (pull.reviews.as_mut(), reviews.is_some()) {
            let got: Connection<ReviewNode> =
                serde_json::from_value(more["reviews"].clone()).map_err(bad)?;
            have.nodes.extend(got.nodes);
            have.page_info = got.page_info;
        }
        if let (Some(have), true) = (pull.timeline_items.as_mut(), timeline.is_some()) {
            let got: Connection<TimelineItem> =
                serde_json::from_value(more["timelineItems"].clone()).map_err(bad)?;
            have.nodes.extend(got.nodes);
            have.page_info = got.page_info;
        }
    }
}

/// Reads one page of pull requests updated since `since`, after `cursor`.
pub async fn page(
    client: &mut HistoryClient,
    repository: &str,
    since: DateTime<Utc>,
    cursor: Option<&str>,
) -> Result<PullPage, HistoryError> {
    let (owner, name) = repository
        .split_once('/')
        .ok_or_else(|| HistoryError::Client(format!("'{repository}' is not owner/name")))?;
    let answer = client
        .graphql(
            QUERY,
            json!({ "owner": owner, "name": name, "first": PAGE_SIZE, "after": cursor }),
        )
        .await?;
    parse_page(&answer, since)
}

/// Parses an answer of [`QUERY`]; pure.
pub fn parse_page(answer: &Value, since: DateTime<Utc>) -> Result<PullPage, HistoryError> {
    let connection = &answer["data"]["repository"]["pullRequests"];
    let bad = |message: String| HistoryError::Api {
        route: "POST graphql (pullRequests)".into(),
        status: 200,
        message,
    };
    if connection.is_null() {
        return Err(bad(format!(
            "no pullRequests in the answer: {}",
            graphql_messages(answer).join("; ")
        )));
    }
    let mut out = PullPage {
        total: connection["totalCount"].as_u64().map(|n| n as u32),
        ..PullPage::default()
    };
    let nodes = connection["nodes"].as_array().cloned().unwrap_or_default();
    // Errors name their node by path: ["repository", "pullRequests", "nodes", 3, "reviews"].
    for error in answer["errors"].as_array().into_iter().flatten() {
        let message = error["message"].as_str().unwrap_or("error").to_owned();
        let path = error["path"].as_array();
        let index = path.and_then(|p| p.get(3)).and_then(Value::as_u64);
        let number = index
            .and_then(|i| nodes.get(i as usize))
            .and_then(|n| n["number"].as_u64())
            .map(|n| n as u32);
        let field = path
            .and_then(|p| p.get(4))
            .and_then(Value::as_str)
            .map(|f| format!("{f}: "))
            .unwrap_or_default();
        out.node_errors.push((number, format!("{field}{message}")));
        if let Some(n) = number {
            out.incomplete.push(n);
        }
    }
    let mut older = false;
    for node in nodes {
        if node.is_null() {
            continue;
        }
        let pull: PullNode = serde_json::from_value(node)
            .map_err(|e| bad(format!("a pull request is not shaped as expected: {e}")))?;
        if pull.updated_at < since {
            older = true;
            break;
        }
        out.pulls.push(pull);
    }
    let has_next = connection["pageInfo"]["hasNextPage"].as_bool() == Some(true);
    if has_next && !older {
        out.next = connection["pageInfo"]["endCursor"]
            .as_str()
            .map(str::to_owned);
    }
    Ok(out)
}

impl PullNode {
    pub(super) fn timeline(&self) -> impl Iterator<Item = &TimelineItem> {
        self.timeline_items
            .iter()
            .flat_map(|t| t.nodes.iter().flatten())
    }

    pub(super) fn reviews(&self) -> impl Iterator<Item = &ReviewNode> {
        self.reviews.iter().flat_map(|r| r.nodes.iter().flatten())
    }

    /// The PR's commits with their messages, as `record` reads them to tell a `git revert`
    /// (`github_api::GitHubApi::pull_request_commits`: the first 100); `None` when the API did
    /// not give them.
    pub fn commit_messages(&self) -> Option<Vec<crate::github_api::PullRequestCommit>> {
        let commits = self.commits.as_ref()?;
        Some(
            commits
                .nodes
                .iter()
                .flatten()
                .filter_map(|c| {
                    Some(crate::github_api::PullRequestCommit {
                        sha: c.commit.oid.clone()?,
                        message: c.commit.message.clone()?,
                    })
                })
                .collect(),
        )
    }

    /// The stages, by the same rules as `github_api::GitHubApi::pull_request_stages`: the first
    /// commit's author date; the last ready-for-review event, else the creation when the whole
    /// timeline was read and has none; the first review and approval by someone who is neither
    /// the author nor a bot. The flag is true when a part could not be read (`incomplete`).
    pub fn stages(&self) -> (PullRequestStages, bool) {
        let mut stages = PullRequestStages::default();
        let mut failed = false;
        match &self.commits {
            Some(c) => {
                stages.first_commit_at = c
                    .nodes
                    .iter()
                    .flatten()
                    .next()
                    .and_then(|c| c.commit.authored_date.or(c.commit.committed_date));
            }
            None => failed = true,
        }
        match &self.timeline_items {
            Some(t) => {
                let ready = self
                    .timeline()
                    .filter(|i| i.typename == "ReadyForReviewEvent")
                    .filter_map(|i| i.created_at)
                    .max();
                let whole = t.total_count.is_none_or(|n| n as usize <= t.nodes.len());
                stages.ready_for_review_at = match ready {
                    Some(at) => Some(at),
                    None if whole => Some(self.created_at),
                    None => None,
                };
            }
            None => failed = true,
        }
        match &self.reviews {
            Some(_) => {
                let author = self.author.as_ref().map(|a| a.login.as_str());
                for r in self.reviews() {
                    let Some(user) = &r.author else { continue };
                    let bot = is_bot_login(&user.login) || user.typename.as_deref() == Some("Bot");
                    if bot || Some(user.login.as_str()) == author || r.state == "PENDING" {
                        continue;
                    }
                    let Some(at) = r.submitted_at else { continue };
                    stages.first_review_at = Some(stages.first_review_at.map_or(at, |f| f.min(at)));
                    if r.state.eq_ignore_ascii_case("APPROVED") {
                        stages.approved_at = Some(stages.approved_at.map_or(at, |f| f.min(at)));
                    }
                }
            }
            None => failed = true,
        }
        (stages, failed)
    }
}
