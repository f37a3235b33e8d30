//! The HTTP side of the history source: REST list pages (`per_page=100`, `Link: rel="next"`) and
//! GraphQL queries, within GitHub's rate limits.
//!
//! - The primary budget: when `x-ratelimit-remaining` reaches 0, the next request waits until
//!   `x-ratelimit-reset` (or fails saying when, if that is further than [`MAX_WAIT`]).
//! - Secondary limits: 403 or 429 with `Retry-After` waits that long; 403/429 with the budget
//!   at 0 waits for the reset; a 403 whose message names the secondary rate limit waits a minute.
//! - 502, 503, 504 and transport errors are retried with a doubling pause.
//!
//! reqwest rather than octocrab: these rules need each answer's headers, which octocrab's typed
//! calls do not return.

use super::HistoryError;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// The longest the client waits for a limit before giving up (the run can be resumed later).
pub const MAX_WAIT: Duration = Duration::from_secs(15 * 60);

/// Attempts per request, the first included.
const ATTEMPTS: u32 = 6;

/// What the client did, for the summary and the bench.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientStats {
    /// Requests sent (retries included).
    pub requests: u32,
    /// GraphQL requests among them.
    pub graphql: u32,
    /// Requests retried after a 5xx or a transport error.
    pub retried: u32,
    /// Times a rate limit (primary or secondary) made the client wait.
    pub rate_limited: u32,
    /// Total time spent waiting for limits and retries.
    pub waited: Duration,
}

/// A client of GitHub's REST and GraphQL APIs for one token.
pub struct HistoryClient {
    http: reqwest::Client,
    api_url: String,
    graphql_url: String,
    token: String,
    /// What it did so far.
    pub stats: ClientStats,
    /// First retry pause (doubles each time).
    pub backoff: Duration,
    pause_until: Option<Instant>,
}

impl std::fmt::Debug for HistoryClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HistoryClient")
            .field("api_url", &self.api_url)
            .field("token", &"***")
            .finish()
    }
}

/// One page of a REST list.
#[derive(Debug)]
pub struct Page {
    /// The answer's JSON.
    pub body: Value,
    /// The next page's URL (`Link: <…>; rel="next"`).
    pub next: Option<String>,
}

impl HistoryClient {
    /// A client of `api_url` (`$GITHUB_API_URL`); GraphQL at `$GITHUB_GRAPHQL_URL` when given,
    /// else derived (`…/api/v3` → `…/api/graphql`, otherwise `<api_url>/graphql`).
    pub fn new(
        api_url: &str,
        graphql_url: Option<&str>,
        token: &str,
    ) -> Result<HistoryClient, HistoryError> {
        crate::github_api::check_token(token).map_err(HistoryError::BadToken)?;
        let api_url = api_url.trim_end_matches('/').to_owned();
        let graphql_url = match graphql_url {
            Some(url) if !url.trim().is_empty() => url.trim().to_owned(),
            _ => match api_url.strip_suffix("/api/v3") {
                Some(host) => format!("{host}/api/graphql"),
                None => format!("{api_url}/graphql"),
            },
        };
        let http = reqwest::Client::builder()
            .user_agent(concat!("devmetrics/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| HistoryError::Client(e.to_string()))?;
        Ok(HistoryClient {
            http,
            api_url,
            graphql_url,
            token: token.to_owned(),
            stats: ClientStats::default(),
            backoff: Duration::from_millis(500),
            pause_until: None,
        })
    }

    /// The REST URL of `route` (`/repos/o/r/releases`) with `query`.
    pub fn rest_url(&self, route: &str, query: &[(&str, String)]) -> String {
        let mut url = format!("{}{}", self.api_url, route);
        for (i, (k, v)) in query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(k);
            url.push('=');
            url.push_str(v);
        }
        url
    }

    /// GETs one REST page.
    pub async fn get_page(&mut self, url: &str) -> Result<Page, HistoryError> {
        let (headers, body) = self.send(url, None).await?;
        let next = headers
            .get("link")
            .and_then(|v| v.to_str().ok())
            .and_then(next_link);
        Ok(Page { body, next })
    }

    /// Runs a GraphQL query; the whole answer (`data` and `errors`) is returned: errors about
    /// single nodes are the caller's to report. An answer without `data` is an error.
    pub async fn graphql(&mut self, query: &str, variables: Value) -> Result<Value, HistoryError> {
        self.stats.graphql += 1;
        let url = self.graphql_url.clone();
        let body = json!({ "query": query, "variables": variables });
        let (_, answer) = self.send(&url, Some(body)).await?;
        if answer.get("data").is_none_or(Value::is_null) {
            return Err(HistoryError::Api {
                route: "POST graphql".into(),
                status: 200,
                message: graphql_messages(&answer).join("; "),
            });
        }
        Ok(answer)
    }

    async fn send(
        &mut self,
        url: &str,
        body: Option<Value>,
    ) -> Result<(reqwest::header::HeaderMap, Value), HistoryError> {
        let route = route_of(url, &self.api_url, body.is_some());
        let mut pause = self.backoff;
        let mut attempt = 0;
        loop {
            attempt += 1;
            if let Some(until) = self.pause_until.take() {
                self.wait(until.saturating_duration_since(Instant::now()), &route)
                    .await?;
            }
            let request = match &body {
                Some(body) => self.http.post(url).json(body),
                None => self.http.get(url),
            }
            .bearer_auth(&self.token)
            .header("accept", "application/vnd.github+json")
            .header("x-github-api-version", "2022-11-28");
            self.stats.requests += 1;
            let response = match request.send().await {
                Ok(response) => response,
                Err(e) if attempt < ATTEMPTS => {
                    let _ = e;
                    self.retry(&mut pause, &route).await?;
                    continue;
                }
                Err(e) => {
                    return Err(HistoryError::Transport {
                        route,
                        message: e.without_url().to_string(),
                    })
                }
            };
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let header_number = |name: &str| {
                headers
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
            };
            let remaining = header_number("x-ratelimit-remaining");
            let reset = header_number("x-ratelimit-reset");
            let retry_after = header_number("retry-after");
            let text = response.text().await.unwrap_or_default();
            let until_reset = || {
                reset.map(|reset| {
                    let now = chrono::Utc::now().timestamp().max(0) as u64;
                    Duration::from_secs(reset.saturating_sub(now) + 1)
                })
            };
            match status {
                200..=299 => {
                    if remaining == Some(0) {
                        if let Some(wait) = until_reset() {
                            // The primary budget is spent: the next request waits for the reset.
                            self.stats.rate_limited += 1;
                            self.pause_until = Some(Instant::now() + wait);
                        }
                    }
                    let value = serde_json::from_str(&text).map_err(|e| HistoryError::Api {
                        route: route.clone(),
                        status,
                        message: format!("the answer is not JSON: {e}"),
                    })?;
                    return Ok((headers, value));
                }
                403 | 429 if attempt < ATTEMPTS => {
                    let secondary = text.to_ascii_lowercase().contains("secondary rate limit");
                    let wait = match (retry_after, remaining) {
                        (Some(seconds), _) => Duration::from_secs(seconds),
                        (None, Some(0)) => until_reset().unwrap_or(Duration::from_secs(60)),
                        (None, _) if secondary || status == 429 => Duration::from_secs(60),
                        _ => return Err(api_error(route, status, &text)),
                    };
                    self.stats.rate_limited += 1;
                    self.wait(wait, &route).await?;
                }
                502..=504 if attempt < ATTEMPTS => self.retry(&mut pause, &route).await?,
                _ => return Err(api_error(route, status, &text)),
            }
        }
    }

    async fn retry(&mut self, pause: &mut Duration, route: &str) -> Result<(), HistoryError> {
        self.stats.retried += 1;
        let wait = *pause;
        *pause = (*pause * 2).min(Duration::from_secs(30));
        self.wait(wait, route).await
    }

    async fn wait(&mut self, wait: Duration, route: &str) -> Result<(), HistoryError> {
        if wait > MAX_WAIT {
            return Err(HistoryError::RateLimited {
                route: route.to_owned(),
                wait_seconds: wait.as_secs(),
            });
        }
        self.stats.waited += wait;
        tokio::time::sleep(wait).await;
        Ok(())
    }
}

/// The `rel="next"` URL of a `Link` header.
pub fn next_link(link: &str) -> Option<String> {
    link.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        params
            .split(';')
            .any(|p| p.trim() == "rel=\"next\"")
            .then(|| {
                url.trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_owned()
            })
    })
}

/// The messages of a GraphQL answer's `errors`.
pub fn graphql_messages(answer: &Value) -> Vec<String> {
    answer
        .get("errors")
        .and_then(Value::as_array)
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    e.get("message")
                        .and_then(Value::as_str)
                        .unwrap_or("an error without a message")
                        .to_owned()
                })
                .collect()
        })
        .unwrap_or_default()
}

fn route_of(url: &str, api_url: &str, post: bool) -> String {
    let path = url.strip_prefix(api_url).unwrap_or(url);
    let path = path.split('?').next().unwrap_or(path);
    if post {
        format!("POST {path}")
    } else {
        format!("GET {path}")
    }
}

fn api_error(route: String, status: u16, text: &str) -> HistoryError {
    let message = serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| text.chars().take(200).collect());
    HistoryError::Api {
        route,
        status,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_page_comes_from_the_link_header() {
        let link = r#"<https://api.github.com/repositories/1/releases?per_page=100&page=2>; rel="next", <https://api.github.com/repositories/1/releases?per_page=100&page=5>; rel="last""#;
        assert_eq!(
            next_link(link).as_deref(),
            Some("https://api.github.com/repositories/1/releases?per_page=100&page=2")
        );
        let last = r#"<https://api.github.com/x?page=1>; rel="prev", <https://api.github.com/x?page=1>; rel="first""#;
        assert_eq!(next_link(last), None);
    }

    #[tokio::test]
    async fn graphql_lives_beside_the_rest_api_on_github_com_and_on_enterprise_server() {
        let c = HistoryClient::new("https://api.github.com", None, "ghs_x").unwrap();
        assert_eq!(c.graphql_url, "https://api.github.com/graphql");
        let c = HistoryClient::new("https://ghe.example/api/v3", None, "ghs_x").unwrap();
        assert_eq!(c.graphql_url, "https://ghe.example/api/graphql");
        assert!(!format!("{c:?}").contains("ghs_x"));
    }
}
