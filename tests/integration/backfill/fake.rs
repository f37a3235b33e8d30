//! A fake GitHub API on loopback for `backfill`: GraphQL (`pullRequests`, `deployments`, paged
//! by `pageInfo`) and REST (releases, workflow runs paged by `Link`; a PR's commits, reviews and
//! timeline for `record`'s look-ups), all answered from one description of the history, with
//! the faults GitHub documents: a secondary rate limit (403 + `Retry-After`), a 502, a GraphQL
//! error about one node, and a hard failure from some page on (a run interrupted).

use crate::common::read_request;
use serde_json::{json, Value};
use std::io::Write;
use std::net::{Shutdown, TcpListener};
use std::sync::{Arc, Mutex};
use std::thread;

/// What can go wrong, switched on and off between runs.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Request number (0-based, all requests) answered 403 secondary rate limit, Retry-After 1.
    pub secondary_limit_at: Option<usize>,
    /// Request number whose (good) answer says the primary budget is spent, resetting in 1 s.
    pub budget_spent_at: Option<usize>,
    /// Request number answered 502 Bad Gateway.
    pub bad_gateway_at: Option<usize>,
    /// The PR whose reviews the GraphQL answer leaves `null` with an error naming the node.
    pub reviews_error_on: Option<u32>,
    /// GraphQL pull request pages from this offset on answer 401 (the run stops).
    pub fail_pulls_from: Option<usize>,
}

/// The history the fake serves.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// GraphQL pull request nodes, newest update first.
    pub pulls: Vec<Value>,
    /// GraphQL deployment nodes, newest first.
    pub deployments: Vec<Value>,
    /// REST releases, newest first.
    pub releases: Vec<Value>,
    /// REST workflow runs, newest first.
    pub runs: Vec<Value>,
    /// REST branch activity (`/activity`), newest first.
    pub activities: Vec<Value>,
    /// REST commits by sha: a comparison `a...b` answers commit `b` (one commit apart).
    pub commits: Vec<Value>,
}

#[derive(Debug, Default)]
struct State {
    history: History,
    faults: Faults,
    requests: Vec<String>,
}

/// The fake.
#[derive(Clone)]
pub struct FakeHistory {
    /// `http://127.0.0.1:<port>`
    pub url: String,
    state: Arc<Mutex<State>>,
}

impl FakeHistory {
    /// Starts serving `history`.
    pub fn start(history: History) -> FakeHistory {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State {
            history,
            ..State::default()
        }));
        let shared = state.clone();
        let base = url.clone();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut client) = stream else { break };
                let Some(request) = read_request(&mut client) else {
                    continue;
                };
                let (status, headers, body) = answer(&shared, &base, &request);
                let mut response = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n",
                    body.len()
                );
                for (k, v) in headers {
                    response.push_str(&format!("{k}: {v}\r\n"));
                }
                response.push_str("\r\n");
                response.push_str(&body);
                let _ = client.write_all(response.as_bytes());
                let _ = client.shutdown(Shutdown::Both);
            }
        });
        FakeHistory { url, state }
    }

    /// A "fake" nothing listens on: every request fails to connect.
    pub fn unreachable() -> FakeHistory {
        FakeHistory {
            url: format!("http://127.0.0.1:{}", crate::common::free_port()),
            state: Arc::default(),
        }
    }

    /// Sets the faults (they apply from the next request; numbers count from the start).
    pub fn set_faults(&self, faults: Faults) {
        self.state.lock().unwrap().faults = faults;
    }

    /// Replaces the history.
    pub fn set_history(&self, history: History) {
        self.state.lock().unwrap().history = history;
    }

    /// Every request so far: `GET /path?query`, or `POST /graphql <what> after=<cursor>`.
    pub fn requests(&self) -> Vec<String> {
        self.state.lock().unwrap().requests.clone()
    }

    /// Forgets the requests (numbers in [`Faults`] count from here).
    pub fn clear_requests(&self) {
        self.state.lock().unwrap().requests.clear();
    }
}

type Answer = (&'static str, Vec<(String, String)>, String);

fn answer(state: &Mutex<State>, base: &str, request: &[u8]) -> Answer {
    let text = String::from_utf8_lossy(request).into_owned();
    let line = text.lines().next().unwrap_or("").to_owned();
    let body_start = text.find("\r\n\r\n").map_or(text.len(), |i| i + 4);
    let body: Value = serde_json::from_str(&text[body_start..]).unwrap_or(Value::Null);
    let target = line.split(' ').nth(1).unwrap_or("").to_owned();
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let mut s = state.lock().unwrap();
    let n = s.requests.len();
    let described = if path == "/graphql" {
        let query = body["query"].as_str().unwrap_or("");
        let what = if query.contains("pullRequests(") {
            "pullRequests"
        } else if query.contains("pullRequest(number") {
            "pullRequest"
        } else if query.contains("deployments(") {
            "deployments"
        } else {
            "other"
        };
        let after = ["after", "reviews", "timeline"]
            .iter()
            .find_map(|k| body["variables"][k].as_str())
            .unwrap_or("null");
        format!("POST /graphql {what} after={after}")
    } else {
        format!("GET {target}")
    };
    s.requests.push(described.clone());
    let limits = |remaining: u32| {
        vec![
            ("x-ratelimit-limit".to_owned(), "5000".to_owned()),
            ("x-ratelimit-remaining".to_owned(), remaining.to_string()),
            (
                "x-ratelimit-reset".to_owned(),
                (chrono::Utc::now().timestamp() + 3600).to_string(),
            ),
        ]
    };
    if s.faults.secondary_limit_at == Some(n) {
        let mut h = limits(4000);
        h.push(("retry-after".into(), "1".into()));
        return (
            "403 Forbidden",
            h,
            json!({"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
                   "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}).to_string(),
        );
    }
    if s.faults.bad_gateway_at == Some(n) {
        return (
            "502 Bad Gateway",
            vec![],
            "<html><body><h1>502 Bad Gateway</h1></body></html>".into(),
        );
    }
    let spent = s.faults.budget_spent_at == Some(n);
    let ok = move |body: Value, mut headers: Vec<(String, String)>| {
        if spent {
            headers.retain(|(k, _)| !k.starts_with("x-ratelimit-re"));
            headers.push(("x-ratelimit-remaining".into(), "0".into()));
            headers.push((
                "x-ratelimit-reset".into(),
                (chrono::Utc::now().timestamp() + 1).to_string(),
            ));
        }
        ("200 OK", headers, body.to_string())
    };
    if path == "/graphql" {
        let first = body["variables"]["first"].as_u64().unwrap_or(100) as usize;
        let offset = body["variables"]["after"]
            .as_str()
            .and_then(|c| c.strip_prefix("cursor:"))
            .and_then(|c| c.parse::<usize>().ok())
            .unwrap_or(0);
        if described.contains("pullRequests") {
            if s.faults.fail_pulls_from.is_some_and(|from| offset >= from) {
                return ("401 Unauthorized", limits(4000), json!({"message": "Bad credentials", "documentation_url": "https://docs.github.com/graphql"}).to_string());
            }
            let all = &s.history.pulls;
            let mut nodes: Vec<Value> = all.iter().skip(offset).take(first).cloned().collect();
            let mut errors = Vec::new();
            for (i, node) in nodes.iter_mut().enumerate() {
                if s.faults.reviews_error_on.is_some()
                    && node["number"].as_u64() == s.faults.reviews_error_on.map(u64::from)
                {
                    node["reviews"] = Value::Null;
                    errors.push(json!({"type": "FORBIDDEN", "path": ["repository", "pullRequests", "nodes", i, "reviews"],
                        "locations": [{"line": 17, "column": 9}],
                        "message": "Resource not accessible by integration"}));
                }
            }
            for node in nodes.iter_mut() {
                // A PR's reviews and lifecycle items come 100 at a time.
                for (field, prefix) in [("reviews", "r"), ("timelineItems", "t")] {
                    let list = node[field]["nodes"].as_array().cloned().unwrap_or_default();
                    if list.len() > 100 {
                        node[field]["nodes"] = Value::Array(list[..100].to_vec());
                        node[field]["pageInfo"] =
                            json!({"hasNextPage": true, "endCursor": format!("{prefix}:100")});
                    }
                }
            }
            let end = offset + nodes.len();
            let mut answer = json!({"data": {"rateLimit": {"cost": 1, "remaining": 4990, "resetAt": "2030-01-01T00:00:00Z"},
                "repository": {"pullRequests": {"totalCount": all.len(),
                "pageInfo": {"hasNextPage": end < all.len(), "endCursor": format!("cursor:{end}")}, "nodes": nodes}}}});
            if !errors.is_empty() {
                answer["errors"] = Value::Array(errors);
            }
            return ok(answer, limits(4990));
        }
        if described.contains(" pullRequest ") {
            let number = body["variables"]["number"].as_u64();
            let pr = s
                .history
                .pulls
                .iter()
                .find(|p| p["number"].as_u64() == number)
                .cloned()
                .unwrap_or(Value::Null);
            let mut more = json!({});
            for (field, var, prefix) in [
                ("reviews", "reviews", "r"),
                ("timelineItems", "timeline", "t"),
            ] {
                let Some(from) = body["variables"][var]
                    .as_str()
                    .and_then(|c| c.strip_prefix(&format!("{prefix}:")))
                else {
                    continue;
                };
                let from: usize = from.parse().unwrap();
                let list = pr[field]["nodes"].as_array().cloned().unwrap_or_default();
                let page: Vec<Value> = list.iter().skip(from).take(100).cloned().collect();
                let end = from + page.len();
                more[field] = json!({"totalCount": list.len(), "nodes": page,
                    "pageInfo": {"hasNextPage": end < list.len(), "endCursor": format!("{prefix}:{end}")}});
            }
            return ok(
                json!({"data": {"repository": {"pullRequest": more}}}),
                limits(4990),
            );
        }
        if described.contains("deployments") {
            let all = &s.history.deployments;
            let nodes: Vec<Value> = all.iter().skip(offset).take(first).cloned().collect();
            let end = offset + nodes.len();
            return ok(
                json!({"data": {"repository": {"deployments": {"totalCount": all.len(),
                "pageInfo": {"hasNextPage": end < all.len(), "endCursor": format!("cursor:{end}")}, "nodes": nodes}}}}),
                limits(4990),
            );
        }
        return ok(
            json!({"errors": [{"message": "unknown query"}]}),
            limits(4990),
        );
    }
    let page: usize = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("page="))
        .and_then(|p| p.parse().ok())
        .unwrap_or(1);
    let per_page: usize = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("per_page="))
        .and_then(|p| p.parse().ok())
        .unwrap_or(30);
    let paged = |all: &[Value]| {
        let items: Vec<Value> = all
            .iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .cloned()
            .collect();
        let mut headers = limits(4990);
        if page * per_page < all.len() {
            headers.push((
                "link".into(),
                format!("<{base}{path}?per_page={per_page}&page={}>; rel=\"next\", <{base}{path}?per_page={per_page}&page={}>; rel=\"last\"",
                    page + 1, all.len().div_ceil(per_page)),
            ));
        }
        (items, headers)
    };
    if path.ends_with("/releases") {
        let (items, headers) = paged(&s.history.releases);
        return ok(Value::Array(items), headers);
    }
    if path.ends_with("/activity") {
        let (items, headers) = paged(&s.history.activities);
        return ok(Value::Array(items), headers);
    }
    if path.ends_with("/actions/runs") {
        let (items, headers) = paged(&s.history.runs);
        return ok(
            json!({"total_count": s.history.runs.len(), "workflow_runs": items}),
            headers,
        );
    }
    // GitHub's compare (the carried commits of a deployment): head only, as if one commit apart.
    if let Some((_, range)) = path.split_once("/compare/") {
        let head = range.split("...").nth(1).unwrap_or("");
        let commit = s
            .history
            .commits
            .iter()
            .find(|c| c["sha"] == head)
            .cloned()
            .unwrap_or_else(|| json!({"sha": head, "commit": {"message": "Deploy"}}));
        return ok(
            json!({"status": "ahead", "ahead_by": 1, "behind_by": 0, "total_commits": 1,
            "commits": [commit]}),
            limits(4990),
        );
    }
    // `record`'s look-ups of a merged PR, from the same description.
    let parts: Vec<&str> = path.split('/').collect();
    if parts.len() == 7 && (parts[4] == "pulls" || parts[4] == "issues") {
        let number: u64 = parts[5].parse().unwrap_or(0);
        if let Some(pr) = s
            .history
            .pulls
            .iter()
            .find(|p| p["number"].as_u64() == Some(number))
        {
            match parts[6] {
                "commits" => {
                    let c = &pr["commits"]["nodes"][0]["commit"];
                    return ok(
                        json!([{"sha": "0000000000000000000000000000000000000001", "commit": {
                        "author": {"name": "Monalisa Octocat", "email": "m@example.com", "date": c["authoredDate"]},
                        "committer": {"name": "Monalisa Octocat", "email": "m@example.com", "date": c["committedDate"]},
                        "message": "Fix all the bugs"}}]),
                        limits(4990),
                    );
                }
                "reviews" => {
                    let reviews: Vec<Value> = pr["reviews"]["nodes"].as_array().into_iter().flatten().map(|r| json!({
                        "id": r["databaseId"], "user": {"login": r["author"]["login"], "type": r["author"]["__typename"]},
                        "state": r["state"], "submitted_at": r["submittedAt"], "commit_id": r["commit"]["oid"]})).collect();
                    return ok(Value::Array(reviews), limits(4990));
                }
                "timeline" => {
                    let events: Vec<Value> = pr["timelineItems"]["nodes"].as_array().into_iter().flatten().map(|e| {
                        let event = match e["__typename"].as_str().unwrap_or("") {
                            "ReadyForReviewEvent" => "ready_for_review",
                            "ConvertToDraftEvent" => "convert_to_draft",
                            "ReopenedEvent" => "reopened",
                            "ClosedEvent" => "closed",
                            "HeadRefForcePushedEvent" => "head_ref_force_pushed",
                            _ => "review_dismissed",
                        };
                        json!({"event": event, "created_at": e["createdAt"], "actor": {"login": e["actor"]["login"]}})
                    }).collect();
                    return ok(Value::Array(events), limits(4990));
                }
                _ => {}
            }
        }
    }
    (
        "404 Not Found",
        limits(4990),
        json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest"})
            .to_string(),
    )
}
