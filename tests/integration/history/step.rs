//! The `record` step as GitHub's runner starts it (every input of action.yml, the event's
//! `GITHUB_*` variables, a workspace), the payloads of the history's events (real fixtures,
//! edited), `aggregate`, and reading the figures back.

use super::{at, Pr, FROM, TO};
use crate::common::*;
use serde_json::{json, Value};
use serde_yaml::Value as Yaml;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What `${{ github.token }}` gives the step.
const FAKE_TOKEN: &str = "ghs_historyTestFakeToken0000000000000000";

/// One commit of `GET /repos/{o}/{r}/pulls/{n}/commits`, in GitHub's documented shape ("List
/// commits on a pull request").
pub fn api_commit(sha: &str, date: &str, message: &str) -> Value {
    let url = format!("https://api.github.com/repos/octocat/Hello-World/commits/{sha}");
    let who = json!({"name": "Monalisa Octocat", "email": "support@github.com", "date": date});
    json!({
        "url": url, "sha": sha, "node_id": "MDY6Q29tbWl0",
        "html_url": format!("https://github.com/octocat/Hello-World/commit/{sha}"),
        "comments_url": format!("{url}/comments"),
        "commit": {
            "url": format!("https://api.github.com/repos/octocat/Hello-World/git/commits/{sha}"),
            "author": who, "committer": who, "message": message,
            "tree": {"url": url, "sha": sha}, "comment_count": 0,
            "verification": {"verified": false, "reason": "unsigned", "signature": null, "payload": null, "verified_at": null}
        },
        "author": {"login": "octocat", "id": 1, "type": "User", "site_admin": false},
        "committer": {"login": "octocat", "id": 1, "type": "User", "site_admin": false},
        "parents": [{"url": url, "sha": sha}]
    })
}

/// `(status, body)` of a fake GitHub answer.
pub fn ok(body: Value) -> (&'static str, String) {
    ("200 OK", body.to_string())
}

pub fn not_found() -> (&'static str, String) {
    (
        "404 Not Found",
        r#"{"message":"Not Found","documentation_url":"https://docs.github.com/rest"}"#.into(),
    )
}

/// The inputs of action.yml with their defaults, as the runner gives them (`INPUT_<NAME>`),
/// `with` overriding some.
fn action_inputs(with: &[(&str, String)]) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(repo_root().join("action.yml")).unwrap();
    let action: Yaml = serde_yaml::from_str(&text).unwrap();
    let inputs = action["inputs"]
        .as_mapping()
        .expect("action.yml has inputs");
    inputs
        .iter()
        .map(|(name, input)| {
            let name = name.as_str().unwrap();
            let default = match &input["default"] {
                Yaml::Null => String::new(),
                Yaml::String(s) => s.clone(),
                Yaml::Bool(b) => b.to_string(),
                Yaml::Number(n) => n.to_string(),
                other => panic!("not a scalar: {other:?}"),
            };
            let value = with
                .iter()
                .find(|(n, _)| *n == name)
                .map_or(default, |(_, v)| v.clone());
            let value = match value.as_str() {
                "${{ github.token }}" => FAKE_TOKEN.to_owned(),
                "${{ strategy.job-index }}" => "0".to_owned(),
                v if v.contains("${{") => panic!("cannot evaluate `{v}` of input {name}"),
                v => v.to_owned(),
            };
            (format!("INPUT_{}", name.to_ascii_uppercase()), value)
        })
        .collect()
}

/// Where the steps run: a workspace, the repository, the fake API and the step's inputs.
pub struct Runner {
    dir: tempfile::TempDir,
    repo: String,
    /// `GITHUB_API_URL` of the next steps.
    pub api_url: String,
    inputs: Vec<(String, String)>,
}

impl Runner {
    pub fn new(test: &str, api_url: &str, with: &[(&str, String)]) -> Runner {
        let stack = Stack::get();
        let mut all = vec![
            ("supabase-url", stack.supabase_url.clone()),
            ("supabase-service-role-key", stack.secret_key.clone()),
        ];
        all.extend(with.iter().cloned());
        let dir = workdir();
        std::fs::create_dir_all(dir.path().join(".github")).unwrap();
        std::fs::write(dir.path().join(".github/devmetrics.yml"), "rules: []\n").unwrap();
        Runner {
            dir,
            repo: unique_repository(test),
            api_url: api_url.to_owned(),
            inputs: action_inputs(&all),
        }
    }

    /// Runs the step for `event` with `payload`, as the runner does; it must succeed. Returns
    /// what it printed.
    pub fn record(&self, event: &str, payload: &Value) -> String {
        static RUN: AtomicUsize = AtomicUsize::new(1);
        let run = RUN.fetch_add(1, Ordering::Relaxed);
        let ws = self.dir.path();
        let path = ws.join(format!("event-{run}.json"));
        std::fs::write(&path, payload.to_string()).unwrap();
        let s = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        let (git_ref, sha) = match event {
            "pull_request" | "pull_request_review" => (
                format!("refs/pull/{}/merge", payload["pull_request"]["number"]),
                s(&payload["pull_request"]["head"]["sha"]),
            ),
            "push" => (s(&payload["ref"]), s(&payload["after"])),
            _ => (
                "refs/heads/main".to_owned(),
                s(&payload["deployment"]["sha"]),
            ),
        };
        let mut env: Vec<(String, String)> = [
            ("CI", "true".to_owned()),
            ("GITHUB_ACTIONS", "true".to_owned()),
            ("GITHUB_EVENT_NAME", event.to_owned()),
            ("GITHUB_EVENT_PATH", path.display().to_string()),
            ("GITHUB_REPOSITORY", self.repo.clone()),
            (
                "GITHUB_REF_NAME",
                git_ref
                    .trim_start_matches("refs/heads/")
                    .trim_start_matches("refs/pull/")
                    .to_owned(),
            ),
            ("GITHUB_REF", git_ref),
            ("GITHUB_SHA", sha),
            ("GITHUB_RUN_ID", (9000 + run).to_string()),
            ("GITHUB_RUN_ATTEMPT", "1".to_owned()),
            ("GITHUB_JOB", "metrics".to_owned()),
            ("GITHUB_WORKFLOW", "devmetrics".to_owned()),
            ("GITHUB_WORKSPACE", ws.display().to_string()),
            ("GITHUB_API_URL", self.api_url.clone()),
            ("GITHUB_SERVER_URL", "https://github.com".to_owned()),
            (
                "GITHUB_STEP_SUMMARY",
                ws.join("summary.md").display().to_string(),
            ),
            ("GITHUB_OUTPUT", ws.join("output.txt").display().to_string()),
            ("RUNNER_TEMP", ws.display().to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        if event.starts_with("pull_request") {
            env.push(("GITHUB_BASE_REF".into(), "main".into()));
            env.push((
                "GITHUB_HEAD_REF".into(),
                s(&payload["pull_request"]["head"]["ref"]),
            ));
        }
        env.extend(self.inputs.iter().cloned());
        let env: Vec<(&str, String)> = env.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        let out = devmetrics(ws, &[], &env);
        assert_eq!(out.status.code(), Some(0), "{event}: {}", text(&out));
        text(&out)
    }

    /// A `pull_request` event of `p`: `action` opened, ready_for_review or closed (merged).
    pub fn pull_request(&self, p: &Pr, action: &str) -> String {
        let file = match (action, p.bot) {
            ("opened", _) => "00-opened.json",
            ("ready_for_review", _) => "15-ready_for_review.json",
            (_, false) => "90-closed-merged.json",
            (_, true) => "91-closed-merged-bot.json",
        };
        let mut payload = fixture_json(&format!("events/pull_request/{file}"));
        payload["number"] = json!(p.number);
        if p.bot && action != "closed" {
            payload["pull_request"]["user"] =
                fixture_json("events/pull_request/91-closed-merged-bot.json")["pull_request"]
                    ["user"]
                    .clone();
        }
        let pr = &mut payload["pull_request"];
        pr["number"] = json!(p.number);
        pr["title"] = json!(p.title);
        pr["body"] = json!(p.body);
        pr["labels"] = json!(p
            .labels
            .iter()
            .map(|l| json!({"name": l}))
            .collect::<Vec<_>>());
        pr["head"]["ref"] = json!(p.branch);
        pr["head"]["sha"] = json!(p.head());
        pr["base"]["ref"] = json!("main");
        pr["created_at"] = json!(p.created);
        pr["draft"] = json!(action == "opened" && p.ready.is_some());
        let now = match action {
            "opened" => p.created.clone(),
            "ready_for_review" => p.ready.clone().unwrap(),
            _ => {
                pr["merged_at"] = json!(p.merged);
                pr["closed_at"] = json!(p.merged);
                pr["merge_commit_sha"] = json!(p.merge());
                p.merged.clone()
            }
        };
        pr["updated_at"] = json!(now);
        payload["action"] = json!(action);
        self.record("pull_request", &payload)
    }

    /// octocat's approving `pull_request_review` of `p`.
    pub fn review(&self, p: &Pr) {
        let mut payload = fixture_json("events/pull_request_review/90-submitted-approved.json");
        payload["review"]["id"] = json!(800 + p.number);
        payload["review"]["submitted_at"] = json!(p.review.as_deref().unwrap());
        payload["review"]["commit_id"] = json!(p.head());
        let pr = &mut payload["pull_request"];
        pr["number"] = json!(p.number);
        pr["head"]["ref"] = json!(p.branch);
        pr["head"]["sha"] = json!(p.head());
        pr["base"]["ref"] = json!("main");
        self.record("pull_request_review", &payload);
    }

    /// A push to main at `when` from `before` (None: the push created the branch) to the last
    /// of `commits` (`(sha, message)`, oldest first).
    pub fn push(&self, when: &str, before: Option<&str>, commits: &[(String, String)]) {
        let mut p = fixture_json("events/push/90-event-merged-pr.json");
        let template = p["commits"][0].clone();
        let list: Vec<Value> = commits
            .iter()
            .map(|(id, message)| {
                let mut c = template.clone();
                c["id"] = json!(id);
                c["message"] = json!(message);
                c["timestamp"] = json!(when);
                c
            })
            .collect();
        p["ref"] = json!("refs/heads/main");
        p["before"] = json!(before.map_or_else(|| "0".repeat(40), str::to_owned));
        p["created"] = json!(before.is_none());
        p["after"] = json!(commits.last().unwrap().0);
        p["head_commit"] = list.last().cloned().unwrap();
        p["commits"] = json!(list);
        let pushed = chrono::DateTime::parse_from_rfc3339(when)
            .unwrap()
            .timestamp();
        p["repository"]["pushed_at"] = json!(pushed);
        self.record("push", &p);
    }

    /// The merge of `p` landing on main after `before`: a merge commit (its head, then the merge)
    /// or, for the squash-merged PR2, the squash commit alone.
    pub fn land(&self, p: &Pr, before: &str) {
        let merge = (
            p.merge(),
            format!(
                "Merge pull request #{} from Codertocat/{}",
                p.number, p.branch
            ),
        );
        if p.number == 2 {
            self.push(
                &p.merged,
                Some(before),
                &[(p.merge(), format!("{} (#2)", p.title))],
            );
        } else if p.number == 1 {
            self.push(
                &p.merged,
                Some(before),
                &[(p.head(), p.title.clone()), merge],
            );
        } else {
            self.push(&p.merged, Some(before), &[merge]);
        }
    }

    /// A `deployment_status` of GitHub deployment `id` of `sha` to `environment`, reaching
    /// `state` at `when`.
    pub fn deployment_status(
        &self,
        id: u64,
        sha: &str,
        when: &str,
        state: &str,
        environment: &str,
    ) {
        let mut d = deployment_success(id, sha, &at(when));
        d["deployment_status"]["state"] = json!(state);
        d["deployment"]["ref"] = json!("main");
        d["deployment"]["environment"] = json!(environment);
        d["deployment"]["original_environment"] = json!(environment);
        d["deployment_status"]["environment"] = json!(environment);
        self.record("deployment_status", &d);
    }

    pub fn deploy(&self, id: u64, sha: &str, when: &str) {
        self.deployment_status(id, sha, when, "success", "production");
    }

    /// `devmetrics aggregate` over the week, as a scheduled job runs it; returns its output.
    pub fn aggregate(&self) -> String {
        let stack = Stack::get();
        let out = devmetrics(
            self.dir.path(),
            &[
                "aggregate",
                "--from",
                FROM,
                "--to",
                TO,
                "--repository",
                &self.repo,
            ],
            &[
                ("SUPABASE_URL", stack.supabase_url.clone()),
                ("SUPABASE_SERVICE_ROLE_KEY", stack.secret_key.clone()),
            ],
        );
        assert!(out.status.success(), "{}", text(&out));
        text(&out)
    }

    /// Rows of a query, one line each, columns joined by `|`.
    pub fn rows(&self, sql: &str) -> Vec<String> {
        let sql = sql.replace("$repo", &format!("'{}'", self.repo));
        Stack::get()
            .psql("postgres", &sql)
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// One figure: `value n=N` (numbers to 6 decimals), ` p50=… p90=…` when set, then its
    /// metadata.
    pub fn figure(&self, environment: &str, grain: &str, date: &str, name: &str) -> String {
        let number = |c: &str| format!("trim_scale(round({c}::numeric, 6))::text");
        let rows = self.rows(&format!(
            "select coalesce({}, 'null') || ' n=' || n || coalesce(' p50=' || {} || ' p90=' || {}, ''),
                    metadata
               from metrics.development_metrics
              where repository = $repo and environment = '{environment}' and grain = '{grain}'
                and metric_date = '{date}' and metric_name = '{name}'",
            number("value"),
            number("p50"),
            number("p90"),
        ));
        assert_eq!(
            rows.len(),
            1,
            "{name} {grain} {date} {environment}: {rows:?}"
        );
        let (figure, metadata) = rows[0].split_once('|').unwrap();
        let metadata: Value = serde_json::from_str(metadata).unwrap();
        format!("{figure} {metadata}")
    }
}
