//! Deployments with their statuses, 100 per GraphQL request, newest first, until the window's
//! start; the deployments just before it are kept as the history the first ones are classified
//! against (deploy, redeploy, rollback).

use super::client::HistoryClient;
use super::pulls::{Actor, Connection};
use super::HistoryError;
use crate::sources::event::{Deployment, DeploymentStatusObject, User};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

/// The query: one page of deployments with their statuses.
pub const QUERY: &str = r#"query($owner: String!, $name: String!, $first: Int!, $after: String) {
  rateLimit { cost remaining resetAt }
  repository(owner: $owner, name: $name) {
    deployments(first: $first, after: $after, orderBy: {field: CREATED_AT, direction: DESC}) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        databaseId commitOid environment originalEnvironment task createdAt updatedAt
        creator { __typename login }
        ref { name }
        statuses(first: 100) { totalCount nodes { state description createdAt creator { __typename login } } }
      }
    }
  }
}"#;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeploymentNode {
    database_id: u64,
    #[serde(default)]
    commit_oid: Option<String>,
    #[serde(default)]
    environment: Option<String>,
    #[serde(default)]
    original_environment: Option<String>,
    #[serde(default)]
    task: Option<String>,
    created_at: DateTime<Utc>,
    #[serde(default)]
    updated_at: Option<DateTime<Utc>>,
    #[serde(default)]
    creator: Option<Actor>,
    #[serde(rename = "ref", default)]
    git_ref: Option<RefName>,
    #[serde(default)]
    statuses: Option<Connection<StatusNode>>,
}

#[derive(Debug, Clone, Deserialize)]
struct RefName {
    name: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatusNode {
    state: String,
    #[serde(default)]
    description: Option<String>,
    created_at: DateTime<Utc>,
    #[serde(default)]
    creator: Option<Actor>,
}

/// A deployment and its statuses, oldest status first.
#[derive(Debug, Clone)]
pub struct DeploymentHistory {
    /// The deployment as a webhook payload shows it.
    pub deployment: Deployment,
    /// Its statuses as webhook payloads show them (the status id is not in GraphQL: 0).
    pub statuses: Vec<DeploymentStatusObject>,
}

/// What one run read.
#[derive(Debug, Default)]
pub struct Deployments {
    /// Created in the window, oldest first.
    pub in_window: Vec<DeploymentHistory>,
    /// Created before the window (from the last page read), oldest first: history only.
    pub before: Vec<DeploymentHistory>,
    /// GraphQL errors about single deployments.
    pub node_errors: Vec<String>,
}

/// Reads the deployments of the window; `progress(done, total)` after each page.
pub async fn deployments(
    client: &mut HistoryClient,
    repository: &str,
    since: DateTime<Utc>,
    progress: &mut dyn FnMut(usize, Option<usize>),
) -> Result<Deployments, HistoryError> {
    let (owner, name) = repository
        .split_once('/')
        .ok_or_else(|| HistoryError::Client(format!("'{repository}' is not owner/name")))?;
    let mut out = Deployments::default();
    let mut cursor: Option<String> = None;
    loop {
        let answer = client
            .graphql(
                QUERY,
                json!({ "owner": owner, "name": name, "first": 100, "after": cursor }),
            )
            .await?;
        let connection = &answer["data"]["repository"]["deployments"];
        for e in answer["errors"].as_array().into_iter().flatten() {
            out.node_errors
                .push(e["message"].as_str().unwrap_or("error").to_owned());
        }
        let mut older = false;
        for node in connection["nodes"].as_array().into_iter().flatten() {
            if node.is_null() {
                continue;
            }
            let node: DeploymentNode =
                serde_json::from_value(node.clone()).map_err(|e| HistoryError::Api {
                    route: "POST graphql (deployments)".into(),
                    status: 200,
                    message: format!("a deployment is not shaped as expected: {e}"),
                })?;
            let history = node.into_history();
            if history.deployment.created_at < since {
                older = true;
                out.before.push(history);
            } else {
                out.in_window.push(history);
            }
        }
        progress(
            out.in_window.len(),
            connection["totalCount"].as_u64().map(|n| n as usize),
        );
        let next = connection["pageInfo"]["endCursor"]
            .as_str()
            .map(str::to_owned);
        if older || connection["pageInfo"]["hasNextPage"] != Value::Bool(true) || next.is_none() {
            break;
        }
        cursor = next;
    }
    out.in_window.reverse();
    out.before.reverse();
    Ok(out)
}

impl DeploymentNode {
    fn into_history(self) -> DeploymentHistory {
        let user = |a: &Option<Actor>| {
            a.as_ref().map(|a| User {
                login: a.login.clone(),
                kind: a.typename.clone(),
            })
        };
        let deployment = Deployment {
            id: self.database_id,
            sha: self.commit_oid.clone(),
            git_ref: self.git_ref.as_ref().map(|r| r.name.clone()),
            task: self.task.clone(),
            environment: self.environment.clone(),
            original_environment: self.original_environment.clone(),
            production_environment: None,
            transient_environment: None,
            creator: user(&self.creator),
            created_at: self.created_at,
            updated_at: self.updated_at,
        };
        let mut statuses: Vec<DeploymentStatusObject> = self
            .statuses
            .iter()
            .flat_map(|c| c.nodes.iter().flatten())
            .map(|s| DeploymentStatusObject {
                id: 0,
                state: s.state.to_ascii_lowercase(),
                environment: self.environment.clone(),
                description: s.description.clone(),
                creator: user(&s.creator),
                created_at: s.created_at,
            })
            .collect();
        statuses.sort_by_key(|s| s.created_at);
        DeploymentHistory {
            deployment,
            statuses,
        }
    }
}
