//! Shared test helpers: the local Supabase-like stack started by `scripts/test.sh`, the built
//! binary run as the runner would run it, and a fault-injecting proxy in front of the gateway.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// The repository's root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture under tests/fixtures.
pub fn fixture(path: &str) -> PathBuf {
    repo_root().join("tests/fixtures").join(path)
}

/// A JSON fixture under tests/fixtures (a webhook payload), parsed.
pub fn fixture_json(path: &str) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(fixture(path)).expect("the fixture exists"))
        .expect("the fixture is JSON")
}

/// A real `deployment_status` payload, edited: deployment `id` of `sha` succeeded at `at`
/// (RFC 3339; the deployment and its status both created then).
pub fn deployment_success(id: u64, sha: &str, at: &str) -> serde_json::Value {
    let mut d = fixture_json("events/deployment_status/00-created.json");
    d["deployment"]["id"] = id.into();
    d["deployment"]["sha"] = sha.into();
    d["deployment"]["created_at"] = at.into();
    d["deployment"]["updated_at"] = at.into();
    d["deployment_status"]["id"] = (id * 10).into();
    d["deployment_status"]["state"] = "success".into();
    d["deployment_status"]["created_at"] = at.into();
    d["deployment_status"]["updated_at"] = at.into();
    d
}

/// The local stack's coordinates, from the variables `scripts/stack.sh up` writes.
#[derive(Debug, Clone)]
pub struct Stack {
    /// `http://127.0.0.1:54321`
    pub supabase_url: String,
    /// A legacy anon JWT key.
    pub anon_key: String,
    /// A legacy service_role JWT key.
    pub service_role_key: String,
    /// An `sb_secret_…` key.
    pub secret_key: String,
    /// A user JWT with role `authenticated`.
    pub authenticated_jwt: String,
    /// PostgreSQL's port.
    pub pg_port: String,
    /// PostgreSQL's bin directory.
    pub pg_bin: String,
    /// The postrust binary.
    pub postrust: String,
    /// The JWT secret.
    pub jwt_secret: String,
}

impl Stack {
    /// The running stack; panics, naming what is missing, when it is not up. Real-stack tests
    /// never skip.
    pub fn get() -> Stack {
        let var = |name: &str| {
            std::env::var(name).unwrap_or_else(|_| {
                panic!(
                    "the local Supabase-like stack is not up ({name} is not set).\n\
                     Run the tests with `scripts/test.sh` (it starts PostgreSQL 15, postrust and nginx),\n\
                     or start it yourself: `scripts/stack.sh up && . .stack/env && cargo test`"
                )
            })
        };
        Stack {
            supabase_url: var("SUPABASE_URL"),
            anon_key: var("STACK_ANON_KEY"),
            service_role_key: var("STACK_SERVICE_ROLE_KEY"),
            secret_key: var("STACK_SECRET_KEY"),
            authenticated_jwt: var("STACK_AUTHENTICATED_JWT"),
            pg_port: var("STACK_PG_PORT"),
            pg_bin: var("STACK_PG_BIN"),
            postrust: var("STACK_POSTRUST"),
            jwt_secret: var("STACK_JWT_SECRET"),
        }
    }

    /// The gateway's PostgREST base.
    pub fn rest_url(&self) -> String {
        format!("{}/rest/v1", self.supabase_url)
    }

    /// `psql` as the `postgres` superuser on `database`, stopping at the first error.
    pub fn psql_command(&self, database: &str) -> Command {
        let mut command = Command::new(format!("{}/psql", self.pg_bin));
        command.args([
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            "127.0.0.1",
            "-p",
            &self.pg_port,
            "-U",
            "postgres",
            "-d",
            database,
        ]);
        command
    }

    /// Runs SQL as the `postgres` superuser in `database`; returns stdout (unaligned, tuples only).
    pub fn psql(&self, database: &str, sql: &str) -> String {
        let out = self
            .psql_command(database)
            .args(["-A", "-t", "-c", sql])
            .output()
            .expect("psql runs");
        assert!(
            out.status.success(),
            "psql failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Runs SQL that must be refused in `database`; returns what psql printed on standard error
    /// (the refusal). Fails the test when the SQL succeeds.
    pub fn psql_refused(&self, database: &str, sql: &str) -> String {
        let out = self
            .psql_command(database)
            .args(["-c", sql])
            .output()
            .expect("psql runs");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            !out.status.success(),
            "expected a refusal of {sql}: {stderr}"
        );
        stderr
    }

    /// Runs a SQL file in `database`; returns whether it succeeded and stderr.
    pub fn psql_file(&self, database: &str, file: &Path) -> (bool, String) {
        let out = self
            .psql_command(database)
            .arg("-f")
            .arg(file)
            .output()
            .expect("psql runs");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Rows of `table` for `repository`, counted in the database itself (an oracle independent
    /// of the API).
    pub fn count(&self, table: &str, repository: &str) -> i64 {
        self.psql(
            "postgres",
            &format!(
                "select count(*) from metrics.{table} where repository = '{}'",
                repository.replace('\'', "''")
            ),
        )
        .parse()
        .expect("a count")
    }

    /// One column of `table` for `repository`, as text, ordered.
    pub fn column(&self, table: &str, column: &str, repository: &str) -> Vec<String> {
        let text = self.psql(
            "postgres",
            &format!(
                "select {column} from metrics.{table} where repository = '{}' order by 1",
                repository.replace('\'', "''")
            ),
        );
        text.lines().map(str::to_owned).collect()
    }
}

/// A loopback port nothing listens on (bound, read, released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind a loopback port")
        .port()
}

/// A repository name no other test uses, so tests can share one database.
pub fn unique_repository(test: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "devmetrics-tests/{test}-{}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        chrono::Utc::now().timestamp_micros()
    )
}

/// The built binary, run in `dir` with exactly `env` (plus PATH): nothing leaks in from the
/// environment the tests run in.
pub fn devmetrics(dir: &Path, args: &[&str], env: &[(&str, String)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_devmetrics"));
    command.current_dir(dir).args(args).env_clear();
    command.env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("the devmetrics binary runs")
}

/// stdout and stderr of a run, for assertions and failure messages.
pub fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A temporary working directory.
pub fn workdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary directory")
}

/// What the fault proxy does with request number `n` (0-based).
#[derive(Debug, Clone)]
pub enum Fault {
    /// Forward it.
    Pass,
    /// Answer with this status and body, with `Retry-After` when given.
    Answer {
        /// HTTP status.
        status: u16,
        /// Retry-After seconds.
        retry_after: Option<u32>,
    },
    /// Wait, then forward (the client times out first when the wait is longer than its timeout).
    DelayBefore(Duration),
    /// Forward (the write is committed), then wait before answering.
    DelayAfter(Duration),
}

/// An HTTP proxy on 127.0.0.1 in front of the gateway that injects faults per request.
pub struct FaultProxy {
    /// `http://127.0.0.1:<port>`
    pub url: String,
    requests: Arc<AtomicUsize>,
    arrivals: Arc<Mutex<Vec<(Instant, String)>>>,
}

impl FaultProxy {
    /// Starts a proxy to `upstream` (`127.0.0.1:54321`) deciding each request with `plan`.
    pub fn start(
        upstream: &str,
        plan: impl Fn(usize) -> Fault + Send + Sync + 'static,
    ) -> FaultProxy {
        FaultProxy::start_by_line(upstream, move |n, _| plan(n))
    }

    /// The same, `plan` also given the request line (`POST /rest/v1/test_runs?… HTTP/1.1`).
    pub fn start_by_line(
        upstream: &str,
        plan: impl Fn(usize, &str) -> Fault + Send + Sync + 'static,
    ) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(AtomicUsize::new(0));
        let arrivals = Arc::new(Mutex::new(Vec::new()));
        let upstream = upstream.trim_start_matches("http://").to_owned();
        let plan = Arc::new(plan);
        let (counter, arrivals2) = (requests.clone(), arrivals.clone());
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut client) = stream else { break };
                let (upstream, plan, counter, arrivals) = (
                    upstream.clone(),
                    plan.clone(),
                    counter.clone(),
                    arrivals2.clone(),
                );
                thread::spawn(move || {
                    if let Some(request) = read_request(&mut client) {
                        let n = counter.fetch_add(1, Ordering::SeqCst);
                        let first_line = String::from_utf8_lossy(
                            &request[..request.iter().position(|&b| b == b'\r').unwrap_or(0)],
                        )
                        .into_owned();
                        arrivals
                            .lock()
                            .unwrap()
                            .push((Instant::now(), first_line.clone()));
                        let response = match plan(n, &first_line) {
                            Fault::Pass => forward(&upstream, &request),
                            Fault::Answer {
                                status,
                                retry_after,
                            } => {
                                let body = format!("{{\"message\":\"injected {status}\"}}");
                                let retry = retry_after
                                    .map(|s| format!("Retry-After: {s}\r\n"))
                                    .unwrap_or_default();
                                format!(
                                    "HTTP/1.1 {status} Injected\r\nContent-Type: application/json\r\n{retry}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                                    body.len()
                                )
                                .into_bytes()
                            }
                            Fault::DelayBefore(wait) => {
                                thread::sleep(wait);
                                forward(&upstream, &request)
                            }
                            Fault::DelayAfter(wait) => {
                                let response = forward(&upstream, &request);
                                thread::sleep(wait);
                                response
                            }
                        };
                        // One request per connection keeps the proxy simple.
                        let _ = client.write_all(&response);
                        let _ = client.shutdown(Shutdown::Both);
                    }
                });
            }
        });
        FaultProxy {
            url,
            requests,
            arrivals,
        }
    }

    /// Requests received so far.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// The request lines received, in order.
    pub fn request_lines(&self) -> Vec<String> {
        self.arrivals().into_iter().map(|(_, line)| line).collect()
    }

    /// When each request arrived, with its line, in order.
    pub fn arrivals(&self) -> Vec<(Instant, String)> {
        self.arrivals.lock().unwrap().clone()
    }
}

/// Reads one HTTP request (head and body) from `client`.
pub fn read_request(client: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos + 4;
        }
        let n = client.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = client.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Some(buf)
}

/// Sends the request upstream with `Connection: close` and returns the whole response.
fn forward(upstream: &str, request: &[u8]) -> Vec<u8> {
    let head_end = request.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let head = String::from_utf8_lossy(&request[..head_end]);
    let mut rewritten = String::new();
    for line in head.split("\r\n").filter(|l| !l.is_empty()) {
        if line.to_ascii_lowercase().starts_with("connection:") {
            continue;
        }
        rewritten.push_str(line);
        rewritten.push_str("\r\n");
    }
    rewritten.push_str("Connection: close\r\n\r\n");
    let mut up = TcpStream::connect(upstream).expect("the gateway accepts connections");
    up.write_all(rewritten.as_bytes()).unwrap();
    up.write_all(&request[head_end..]).unwrap();
    let mut response = Vec::new();
    up.read_to_end(&mut response).unwrap();
    response
}

/// A fake GitHub REST API on 127.0.0.1 answering, in GitHub's documented shapes, for pull
/// request 2 of any repository: its commits, reviews and timeline. Records the request lines.
pub struct FakeGitHub {
    /// `http://127.0.0.1:<port>`
    pub url: String,
    seen: Arc<Mutex<Vec<String>>>,
}

impl FakeGitHub {
    /// Starts the fake.
    pub fn start() -> FakeGitHub {
        FakeGitHub::serve(pull_request_2)
    }

    /// Starts a fake answering each request path (without the query) with `answer`'s status
    /// line and body.
    pub fn serve(answer: fn(&str) -> (&'static str, String)) -> FakeGitHub {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut client) = stream else { break };
                let Some(request) = read_request(&mut client) else {
                    continue;
                };
                let line = String::from_utf8_lossy(&request)
                    .lines()
                    .next()
                    .unwrap_or("")
                    .to_owned();
                log.lock().unwrap().push(line.clone());
                let path = line
                    .split(' ')
                    .nth(1)
                    .unwrap_or("")
                    .split('?')
                    .next()
                    .unwrap_or("")
                    .to_owned();
                let (status, body) = answer(&path);
                let response = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = client.write_all(response.as_bytes());
                let _ = client.shutdown(Shutdown::Both);
            }
        });
        FakeGitHub { url, seen }
    }

    /// One fake for the whole test binary, started on first use: what a step in Actions talks
    /// to through `${{ github.token }}` when the test does not look at the requests.
    pub fn shared() -> &'static FakeGitHub {
        static SHARED: std::sync::OnceLock<FakeGitHub> = std::sync::OnceLock::new();
        SHARED.get_or_init(FakeGitHub::start)
    }

    /// The request lines received.
    pub fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

/// GitHub's answers for pull request 2 of any repository (its commits, reviews and timeline);
/// 404 elsewhere.
fn pull_request_2(path: &str) -> (&'static str, String) {
    let body = if path.ends_with("/pulls/2/commits") {
        r#"[{"sha":"6dcb09b5b57875f334f61aebed695e2e4193db5e","commit":{"author":{"name":"Monalisa Octocat","email":"m@example.com","date":"2019-05-15T14:02:11Z"},"committer":{"name":"Monalisa Octocat","email":"m@example.com","date":"2019-05-15T14:02:11Z"},"message":"Fix all the bugs"},"author":{"login":"Codertocat","type":"User"}}]"#
    } else if path.ends_with("/pulls/2/reviews") {
        r#"[{"id":80,"user":{"login":"Codertocat","type":"User"},"state":"COMMENTED","submitted_at":"2019-05-15T15:00:00Z"},{"id":81,"user":{"login":"octocat","type":"User"},"state":"APPROVED","submitted_at":"2019-05-16T09:12:40Z"}]"#
    } else if path.ends_with("/issues/2/timeline") {
        r#"[{"event":"ready_for_review","created_at":"2019-05-15T15:10:00Z"}]"#
    } else if path == "/graphql" {
        // `backfill`'s queries: a repository with no history.
        r#"{"data":{"repository":{"pullRequests":{"totalCount":0,"pageInfo":{"hasNextPage":false,"endCursor":null},"nodes":[]},"deployments":{"totalCount":0,"pageInfo":{"hasNextPage":false,"endCursor":null},"nodes":[]}}}}"#
    } else if path.ends_with("/releases") || path.ends_with("/activity") {
        "[]"
    } else if path.ends_with("/actions/runs") {
        r#"{"total_count":0,"workflow_runs":[]}"#
    } else {
        ""
    };
    let (status, body) = if body.is_empty() {
        (
            "404 Not Found",
            r#"{"message":"Not Found","documentation_url":"https://docs.github.com/rest"}"#,
        )
    } else {
        ("200 OK", body)
    };
    (status, body.to_owned())
}
