//! The step as GitHub's runner starts it. A container action gets *every* input of `action.yml`
//! as `INPUT_<NAME>` (the workflow's `with:` value, else the input's default), the `GITHUB_*`
//! variables and the workspace as its working directory. This harness reads `action.yml` and
//! every workflow shipped in `.github/workflows/` and `examples/`, and runs each devmetrics step
//! for the events its workflow listens to, with the real payloads of `tests/fixtures/events/`,
//! with the repository's secrets and without them. When `DEVMETRICS_CONTAINER_RUNNER` is set
//! (`scripts/container.sh run`, see docs/action.md) the same steps also run inside the image.

use crate::common::{fixture, fixture_json, repo_root, text, unique_repository, FakeGitHub, Stack};
use serde_yaml::Value as Yaml;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fake GitHub token, as `${{ github.token }}` gives one.
const FAKE_TOKEN: &str = "ghs_runnerHarnessFakeToken000000000000";

/// An input of action.yml with its default, as the runner evaluates it.
fn action_inputs() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(repo_root().join("action.yml")).unwrap();
    let action: Yaml = serde_yaml::from_str(&text).unwrap();
    let inputs = action["inputs"]
        .as_mapping()
        .expect("action.yml has inputs");
    inputs
        .iter()
        .map(|(name, input)| {
            let name = name.as_str().unwrap().to_owned();
            let default = scalar(&input["default"]);
            (name, default)
        })
        .collect()
}

/// The outputs action.yml declares.
fn action_outputs() -> Vec<String> {
    let text = std::fs::read_to_string(repo_root().join("action.yml")).unwrap();
    let action: Yaml = serde_yaml::from_str(&text).unwrap();
    action["outputs"]
        .as_mapping()
        .expect("action.yml has outputs")
        .keys()
        .map(|k| k.as_str().unwrap().to_owned())
        .collect()
}

fn scalar(value: &Yaml) -> String {
    match value {
        Yaml::Null => String::new(),
        Yaml::String(s) => s.clone(),
        Yaml::Bool(b) => b.to_string(),
        Yaml::Number(n) => n.to_string(),
        other => panic!("not a scalar: {other:?}"),
    }
}

/// The secrets a step sees: the repository's, or none (a fork's pull request, or a repository
/// that has not set them).
#[derive(Debug, Clone)]
enum Secrets {
    /// `SUPABASE_URL` and `SUPABASE_SERVICE_ROLE_KEY` set.
    Given {
        url: String,
        key: String,
    },
    None,
}

impl Secrets {
    /// The local stack's URL and service role key.
    fn stack() -> Secrets {
        let stack = Stack::get();
        Secrets::Given {
            url: stack.supabase_url,
            key: stack.service_role_key,
        }
    }
}

/// Evaluates the few expressions the shipped workflows and action.yml use. Anything else fails
/// the test, so a new expression cannot slip through untested.
fn evaluate(value: &str, secrets: &Secrets) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").expect("closed expression") + start;
        let expression = rest[start + 3..end].trim();
        out.push_str(&match (expression, secrets) {
            ("github.token", _) => FAKE_TOKEN.to_owned(),
            ("strategy.job-index", _) => "0".to_owned(),
            ("secrets.SUPABASE_URL", Secrets::Given { url, .. }) => url.clone(),
            ("secrets.SUPABASE_SERVICE_ROLE_KEY", Secrets::Given { key, .. }) => key.clone(),
            (e, _) if e.starts_with("secrets.") => String::new(),
            // A scheduled run has no inputs; a dispatched one is run here without any typed.
            (e, _) if e.starts_with("inputs.") => String::new(),
            (e, _) => panic!("the runner harness cannot evaluate `{e}` in `{value}`"),
        });
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

/// A workflow step that uses devmetrics, and the events its workflow listens to.
#[derive(Debug)]
struct DevmetricsStep {
    workflow: PathBuf,
    on: BTreeMap<String, Yaml>,
    with: Vec<(String, String)>,
}

/// Every devmetrics step of every shipped workflow.
fn shipped_steps() -> Vec<DevmetricsStep> {
    let mut files = Vec::new();
    for dir in [".github/workflows", "examples"] {
        let Ok(entries) = std::fs::read_dir(repo_root().join(dir)) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yml" | "yaml")
            ) {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut steps = Vec::new();
    for path in files {
        let workflow: Yaml = serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        // YAML 1.1 reads a bare `on` key as the boolean true.
        let on = workflow
            .get("on")
            .or_else(|| workflow.get(Yaml::Bool(true)))
            .unwrap_or_else(|| panic!("{} has no `on`", path.display()));
        let on: BTreeMap<String, Yaml> = match on {
            Yaml::String(event) => [(event.clone(), Yaml::Null)].into(),
            Yaml::Sequence(events) => events
                .iter()
                .map(|e| (e.as_str().unwrap().to_owned(), Yaml::Null))
                .collect(),
            Yaml::Mapping(map) => map
                .iter()
                .map(|(k, v)| (k.as_str().unwrap().to_owned(), v.clone()))
                .collect(),
            other => panic!("{}: `on` is {other:?}", path.display()),
        };
        for job in workflow["jobs"]
            .as_mapping()
            .into_iter()
            .flat_map(|m| m.values())
        {
            for step in job["steps"].as_sequence().into_iter().flatten() {
                let uses = step["uses"].as_str().unwrap_or_default();
                if !(uses.starts_with("devmetrics/devmetrics@") || uses == "./") {
                    continue;
                }
                let with = step["with"]
                    .as_mapping()
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| (k.as_str().unwrap().to_owned(), scalar(v)))
                    .collect();
                steps.push(DevmetricsStep {
                    workflow: path.clone(),
                    on: on.clone(),
                    with,
                });
            }
        }
    }
    steps
}

/// The first shipped devmetrics step whose workflow listens to `event`.
fn shipped_step_for(event: &str) -> DevmetricsStep {
    shipped_steps()
        .into_iter()
        .find(|s| s.on.contains_key(event))
        .unwrap_or_else(|| panic!("no shipped workflow records {event}"))
}

/// Does a payload pass the workflow's filter for its event (`types:`, `branches:`)?
fn passes_filter(filter: &Yaml, payload: &serde_json::Value) -> bool {
    if let Some(types) = filter["types"].as_sequence() {
        let action = payload["action"].as_str().unwrap_or_default();
        if !types.iter().any(|t| t.as_str() == Some(action)) {
            return false;
        }
    }
    if let Some(branches) = filter["branches"].as_sequence() {
        let Some(branch) = payload["ref"]
            .as_str()
            .and_then(|r| r.strip_prefix("refs/heads/"))
        else {
            return false;
        };
        let globs: Vec<String> = branches
            .iter()
            .map(|b| b.as_str().unwrap().to_owned())
            .collect();
        let set = devmetrics::globs::Globs::new(&globs).unwrap();
        if !set.is_match(branch) {
            return false;
        }
    }
    true
}

/// The `GITHUB_*` variables the runner sets for an event, from its payload.
fn github_variables(
    event: &str,
    payload: &serde_json::Value,
    repository: &str,
) -> Vec<(String, String)> {
    let s = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    let default_branch = payload["repository"]["default_branch"]
        .as_str()
        .unwrap_or("main")
        .to_owned();
    let mut vars: Vec<(&str, String)> = Vec::new();
    let (git_ref, sha) = match event {
        "pull_request" => {
            let n = payload["pull_request"]["number"].as_u64().unwrap();
            vars.push((
                "GITHUB_BASE_REF",
                s(&payload["pull_request"]["base"]["ref"]),
            ));
            vars.push((
                "GITHUB_HEAD_REF",
                s(&payload["pull_request"]["head"]["ref"]),
            ));
            (
                format!("refs/pull/{n}/merge"),
                s(&payload["pull_request"]["head"]["sha"]),
            )
        }
        "pull_request_review" => {
            let n = payload["pull_request"]["number"].as_u64().unwrap();
            (
                format!("refs/pull/{n}/merge"),
                s(&payload["pull_request"]["head"]["sha"]),
            )
        }
        "push" => (s(&payload["ref"]), s(&payload["after"])),
        "release" => (
            format!("refs/tags/{}", s(&payload["release"]["tag_name"])),
            String::new(),
        ),
        "deployment" | "deployment_status" => {
            let r = s(&payload["deployment"]["ref"]);
            let r = if r.is_empty() {
                format!("refs/heads/{default_branch}")
            } else if r.starts_with("refs/") {
                r
            } else {
                format!("refs/heads/{r}")
            };
            (r, s(&payload["deployment"]["sha"]))
        }
        _ => (format!("refs/heads/{default_branch}"), String::new()),
    };
    let ref_name = git_ref
        .strip_prefix("refs/heads/")
        .or_else(|| git_ref.strip_prefix("refs/tags/"))
        .or_else(|| git_ref.strip_prefix("refs/pull/"))
        .unwrap_or(&git_ref)
        .to_owned();
    vars.extend([
        ("CI", "true".to_owned()),
        ("GITHUB_ACTIONS", "true".to_owned()),
        ("GITHUB_EVENT_NAME", event.to_owned()),
        ("GITHUB_REPOSITORY", repository.to_owned()),
        ("GITHUB_REF", git_ref),
        ("GITHUB_REF_NAME", ref_name),
        (
            "GITHUB_SHA",
            if sha.is_empty() {
                "0000000000000000000000000000000000000000".into()
            } else {
                sha
            },
        ),
        ("GITHUB_RUN_ID", "4242".into()),
        ("GITHUB_RUN_NUMBER", "7".into()),
        ("GITHUB_RUN_ATTEMPT", "1".into()),
        ("GITHUB_JOB", "record".into()),
        ("GITHUB_ACTION", "__devmetrics_devmetrics".into()),
        ("GITHUB_ACTOR", "octocat".into()),
        ("GITHUB_WORKFLOW", "devmetrics".into()),
        ("GITHUB_SERVER_URL", "https://github.com".into()),
        (
            "GITHUB_GRAPHQL_URL",
            "https://api.github.com/graphql".into(),
        ),
        ("RUNNER_OS", "Linux".into()),
        ("RUNNER_TEMP", "/tmp".into()),
    ]);
    vars.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// One run of the step: what it printed, its exit code, and the files it left.
struct StepRun {
    output: Output,
    outputs: BTreeMap<String, String>,
    summary: String,
    workspace: tempfile::TempDir,
}

impl StepRun {
    fn count(&self, output: &str) -> usize {
        self.outputs
            .get(output)
            .unwrap_or_else(|| panic!("no step output `{output}`: {:?}", self.outputs))
            .parse()
            .unwrap()
    }
}

/// Where the step runs: the built binary, or the container image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Launch {
    Binary,
    Container,
}

/// Runs one devmetrics step as the runner does: every input (the step's `with:` evaluated, else
/// action.yml's default), the event's `GITHUB_*` variables, a fresh workspace as the working
/// directory with the payload, the summary and the outputs file in the runner's places.
/// One step to run.
struct Step<'a> {
    with: &'a [(String, String)],
    event: &'a str,
    payload: &'a serde_json::Value,
    repository: &'a str,
    secrets: &'a Secrets,
    api_url: &'a str,
    launch: Launch,
    /// Files of the checkout, relative to the workspace.
    files: &'a [(&'a str, &'a str)],
}

fn run_step(step: Step<'_>) -> StepRun {
    let Step {
        with,
        event,
        payload,
        repository,
        secrets,
        api_url,
        launch,
        files,
    } = step;
    let workspace = tempfile::tempdir().unwrap();
    let ws = workspace.path();
    for (path, content) in files {
        let path = ws.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    // The runner keeps the payload and the file commands outside the checkout; in the container
    // they are mounted under /github. Here they live in the workspace's `_runner/`, so one mount
    // carries everything (the contract of scripts/container.sh).
    std::fs::create_dir_all(ws.join("_runner")).unwrap();
    std::fs::write(
        ws.join("_runner/event.json"),
        serde_json::to_vec_pretty(payload).unwrap(),
    )
    .unwrap();
    std::fs::write(ws.join("_runner/step_summary"), "").unwrap();
    std::fs::write(ws.join("_runner/output"), "").unwrap();
    let inside = |p: &str| match launch {
        Launch::Binary => ws.join(p).display().to_string(),
        Launch::Container => format!("/github/workspace/{p}"),
    };

    let mut env: Vec<(String, String)> = github_variables(event, payload, repository);
    env.extend([
        ("GITHUB_EVENT_PATH".into(), inside("_runner/event.json")),
        ("GITHUB_STEP_SUMMARY".into(), inside("_runner/step_summary")),
        ("GITHUB_OUTPUT".into(), inside("_runner/output")),
        (
            "GITHUB_WORKSPACE".into(),
            match launch {
                Launch::Binary => ws.display().to_string(),
                Launch::Container => "/github/workspace".into(),
            },
        ),
        ("GITHUB_API_URL".into(), api_url.to_owned()),
    ]);
    for (name, default) in action_inputs() {
        let value = with
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(default, |(_, v)| v.clone());
        env.push((
            format!("INPUT_{}", name.to_ascii_uppercase()),
            evaluate(&value, secrets),
        ));
    }

    let output = match launch {
        Launch::Binary => {
            let mut command = Command::new(env!("CARGO_BIN_EXE_devmetrics"));
            command.current_dir(ws).env_clear();
            command.env("PATH", std::env::var("PATH").unwrap_or_default());
            command.envs(env.iter().map(|(k, v)| (k, v)));
            command.output().expect("the devmetrics binary runs")
        }
        Launch::Container => {
            let runner = std::env::var("DEVMETRICS_CONTAINER_RUNNER").unwrap();
            let env_file = ws.join("_runner/env");
            let lines: String = env
                .iter()
                .map(|(k, v)| {
                    assert!(!v.contains('\n'), "{k} holds a line break");
                    format!("{k}={v}\n")
                })
                .collect();
            std::fs::write(&env_file, lines).unwrap();
            let mut words = runner.split_whitespace();
            let mut command = Command::new(words.next().unwrap());
            command.args(words).arg(ws).arg(&env_file);
            command.output().expect("the container runner runs")
        }
    };
    let outputs = parse_outputs(&std::fs::read_to_string(ws.join("_runner/output")).unwrap());
    let summary = std::fs::read_to_string(ws.join("_runner/step_summary")).unwrap();
    StepRun {
        output,
        outputs,
        summary,
        workspace,
    }
}

/// `name=value` lines and `name<<DELIMITER` blocks, as the runner reads `$GITHUB_OUTPUT`.
fn parse_outputs(text: &str) -> BTreeMap<String, String> {
    let mut outputs = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some((name, delimiter)) = line.split_once("<<") {
            let mut value = Vec::new();
            for l in lines.by_ref() {
                if l == delimiter {
                    break;
                }
                value.push(l);
            }
            outputs.insert(name.to_owned(), value.join("\n"));
        } else if let Some((name, value)) = line.split_once('=') {
            outputs.insert(name.to_owned(), value.to_owned());
        }
    }
    outputs
}

/// The tables a payload documents rows for (README, "What it records"); an empty list means the
/// event is recorded as a deliberate skip or gives rows only under conditions (a push to a
/// branch that is neither production nor staging).
fn documented_tables(event: &str, payload: &serde_json::Value) -> Vec<&'static str> {
    let action = payload["action"].as_str().unwrap_or_default();
    match event {
        "pull_request" => {
            let merged = payload["pull_request"]["merged"].as_bool() == Some(true);
            match action {
                "closed" if merged => vec!["pr-events", "rule-compliance-events"],
                "opened" | "reopened" | "ready_for_review" | "converted_to_draft"
                | "synchronize" | "closed" => vec!["pr-events"],
                _ => vec![],
            }
        }
        "pull_request_review" if matches!(action, "submitted" | "dismissed") => {
            vec!["pr-events"]
        }
        "deployment_status" => vec!["deployment-events"],
        "release" if action == "published" => vec!["deployment-events"],
        _ => vec![],
    }
}

/// The rows of `repository` a run left: in the database (with secrets) or in the workspace's
/// JSONL files (without), per table.
fn stored_rows(secrets: &Secrets, repository: &str, workspace: &Path, table: &str) -> usize {
    match secrets {
        Secrets::Given { .. } => Stack::get().count(table, repository) as usize,
        Secrets::None => {
            let file = workspace.join(format!("development-metrics/{table}.jsonl"));
            std::fs::read_to_string(file)
                .map(|t| {
                    t.lines()
                        .filter(|l| l.contains(&format!("\"repository\":\"{repository}\"")))
                        .count()
                })
                .unwrap_or(0)
        }
    }
}

const TABLES: [&str; 7] = [
    "pr_events",
    "deployment_events",
    "push_events",
    "test_runs",
    "test_case_results",
    "rule_compliance_events",
    "development_metrics",
];

/// Runs every shipped devmetrics step for every payload its workflow listens to, and checks
/// what the run documents: exit 0, every declared output written, a summary, the documented
/// tables non-empty, and the outputs equal to the rows actually stored.
fn run_every_shipped_step(secrets: Secrets, launch: Launch, sample: bool) -> usize {
    let github = FakeGitHub::start();
    let steps = shipped_steps();
    assert!(
        !steps.is_empty(),
        "no shipped workflow uses devmetrics: the harness would check nothing"
    );
    let declared = action_outputs();
    let mut runs = 0;
    for step in &steps {
        for (event, filter) in &step.on {
            if matches!(event.as_str(), "schedule" | "workflow_dispatch") {
                run_payloadless_step(step, event, &secrets, &github, launch);
                runs += 1;
                continue;
            }
            let dir = fixture(&format!("events/{event}"));
            let Ok(entries) = std::fs::read_dir(&dir) else {
                panic!(
                    "{} listens to {event}, and tests/fixtures/events has no {event} payload",
                    step.workflow.display()
                );
            };
            let mut payloads: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
            payloads.sort();
            let mut ran_for_event = 0;
            for path in payloads {
                if path.extension().and_then(|e| e.to_str()) != Some("json") {
                    continue;
                }
                let payload: serde_json::Value =
                    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
                if !passes_filter(filter, &payload) || (sample && ran_for_event > 0) {
                    continue;
                }
                ran_for_event += 1;
                runs += 1;
                let repository = unique_repository("runner");
                let run = run_step(Step {
                    with: &step.with,
                    event,
                    payload: &payload,
                    repository: &repository,
                    secrets: &secrets,
                    api_url: &github.url,
                    launch,
                    files: &[],
                });
                let case = format!(
                    "{} on {event} {} ({launch:?}, {})",
                    step.workflow.display(),
                    path.display(),
                    if matches!(secrets, Secrets::None) {
                        "no secrets"
                    } else {
                        "with secrets"
                    }
                );
                assert_eq!(
                    run.output.status.code(),
                    Some(0),
                    "{case}: exit code\n{}",
                    text(&run.output)
                );
                for name in &declared {
                    if [
                        "total",
                        "passed",
                        "failed",
                        "errored",
                        "skipped",
                        "flaky",
                        "pass-rate",
                        "alerts", // aggregate's
                    ]
                    .contains(&name.as_str())
                    {
                        continue; // test outputs: only with junit-paths
                    }
                    assert!(
                        run.outputs.contains_key(name),
                        "{case}: output `{name}` not written: {:?}",
                        run.outputs
                    );
                }
                assert!(!run.summary.trim().is_empty(), "{case}: empty job summary");
                assert_eq!(run.count("spooled"), 0, "{case}\n{}", text(&run.output));
                let expected_sink = match secrets {
                    Secrets::Given { .. } => "supabase",
                    Secrets::None => "jsonl",
                };
                assert_eq!(run.outputs["sink"], expected_sink, "{case}");
                for table in documented_tables(event, &payload) {
                    assert!(
                        run.count(table) > 0,
                        "{case}: no {table} row\n{}",
                        text(&run.output)
                    );
                }
                for table in TABLES {
                    assert_eq!(
                        stored_rows(&secrets, &repository, run.workspace.path(), table),
                        run.count(&table.replace('_', "-")),
                        "{case}: {table} stored vs the step output"
                    );
                }
            }
            assert!(
                ran_for_event > 0,
                "{} listens to {event}, and no payload in {} passes its filter: the event went untested",
                step.workflow.display(),
                dir.display()
            );
        }
    }
    runs
}

/// A `schedule` or `workflow_dispatch` run (no payload fixture: the payload is `{}`, as good as
/// the runner's for a step that reads none) of a step that runs `aggregate`: with the secrets
/// it exits 0 with its outputs and summary; without them it cannot compute anything and exits
/// with the configuration code, saying what it needs.
fn run_payloadless_step(
    step: &DevmetricsStep,
    event: &str,
    secrets: &Secrets,
    github: &FakeGitHub,
    launch: Launch,
) {
    let command = step.with.iter().find(|(n, _)| n == "command");
    if command.map(|(_, c)| c.as_str()) == Some("backfill") {
        return crate::backfill::run_payloadless_backfill(
            |repository, secrets_given| {
                let run = run_step(Step {
                    with: &step.with,
                    event,
                    payload: &serde_json::json!({}),
                    repository,
                    secrets: if secrets_given {
                        secrets
                    } else {
                        &Secrets::None
                    },
                    api_url: &github.url,
                    launch,
                    files: &[],
                });
                (run.output, run.summary)
            },
            matches!(secrets, Secrets::Given { .. }),
            &format!("{} on {event} ({launch:?})", step.workflow.display()),
        );
    }
    let command = command.map_or("record", |(_, c)| c.as_str());
    assert!(
        ["aggregate", "report", "prune"].contains(&command),
        "{}: only aggregate, report and prune run on {event}",
        step.workflow.display()
    );
    if let (Secrets::Given { .. }, "aggregate") = (secrets, command) {
        crate::aggregate::ensure_refresh_function(&Stack::get());
    }
    let repository = unique_repository(&format!("runner-{command}"));
    let run = run_step(Step {
        with: &step.with,
        event,
        payload: &serde_json::json!({}),
        repository: &repository,
        secrets,
        api_url: &github.url,
        launch,
        files: &[],
    });
    let case = format!("{} on {event} ({launch:?})", step.workflow.display());
    match secrets {
        Secrets::Given { .. } => {
            assert_eq!(
                run.output.status.code(),
                Some(0),
                "{case}: exit code\n{}",
                text(&run.output)
            );
            assert!(
                run.summary.contains(&format!("## devmetrics {command}")),
                "{case}"
            );
            if command == "aggregate" {
                assert_eq!(
                    run.count("development-metrics"),
                    Stack::get().count("development_metrics", &repository) as usize,
                    "{case}: rows written vs stored"
                );
                run.count("alerts");
            } else if command == "prune" {
                // A fresh repository has nothing older than two years.
                assert!(run.summary.contains("Nothing to prune"), "{case}");
            }
        }
        Secrets::None => {
            assert_eq!(
                run.output.status.code(),
                Some(2),
                "{case}: without secrets\n{}",
                text(&run.output)
            );
            assert!(
                text(&run.output).contains(&format!("{command} needs a Supabase project")),
                "{case}\n{}",
                text(&run.output)
            );
        }
    }
}

#[test]
fn every_shipped_workflow_runs_green_with_the_repositorys_secrets() {
    let runs = run_every_shipped_step(Secrets::stack(), Launch::Binary, false);
    assert!(runs >= 20, "only {runs} runs");
}

#[test]
fn every_shipped_workflow_runs_green_without_secrets_writing_local_files() {
    let runs = run_every_shipped_step(Secrets::None, Launch::Binary, false);
    assert!(runs >= 20, "only {runs} runs");
}

#[test]
fn every_shipped_workflow_runs_green_inside_the_container_image() {
    // The image is built and run by scripts/container.sh (podman, FROM scratch); CI sets the
    // variable after building it. Without it, say so: the binary cases above still ran.
    if std::env::var("DEVMETRICS_CONTAINER_RUNNER").is_err() {
        assert!(
            std::env::var("CI").is_err(),
            "CI must run the container cases: DEVMETRICS_CONTAINER_RUNNER is not set"
        );
        eprintln!("container cases not run: DEVMETRICS_CONTAINER_RUNNER is not set");
        return;
    }
    let runs = run_every_shipped_step(Secrets::stack(), Launch::Container, true);
    assert!(runs >= 4, "only {runs} runs");
    let runs = run_every_shipped_step(Secrets::None, Launch::Container, true);
    assert!(runs >= 4, "only {runs} runs");
}

/// The shipped workflow's step on the merged pull request fixture, with the local stack's
/// secrets and `files` in the checkout; returns the run, its repository and the fake API.
fn record_merged_pr(files: &[(&str, &str)]) -> (StepRun, String, FakeGitHub) {
    let step = shipped_step_for("pull_request");
    let github = FakeGitHub::start();
    let repository = unique_repository("runner-merged");
    let run = run_step(Step {
        with: &step.with,
        event: "pull_request",
        payload: &fixture_json("events/pull_request/90-closed-merged.json"),
        repository: &repository,
        secrets: &Secrets::stack(),
        api_url: &github.url,
        launch: Launch::Binary,
        files,
    });
    assert_eq!(run.output.status.code(), Some(0), "{}", text(&run.output));
    (run, repository, github)
}

#[test]
fn a_default_that_means_unset_behaves_as_unset() {
    // rules-file at its default path, absent in the workspace; fail-on-violation at its default:
    // a merged PR gets the default rules' verdicts and exit 0.
    let (run, repository, github) = record_merged_pr(&[]);
    assert!(
        Stack::get().count("rule_compliance_events", &repository) > 0,
        "{}",
        text(&run.output)
    );
    // The rules came from the base branch through the API (the fake has no file there: defaults).
    assert!(
        github
            .seen()
            .iter()
            .any(|l| l.contains("/contents/.github/devmetrics.yml")),
        "{:?}",
        github.seen()
    );
}

#[test]
fn settings_are_one_list_in_action_yml_the_readme_and_the_code() {
    let declared: Vec<(String, String)> = action_inputs()
        .into_iter()
        .map(|(n, d)| {
            // An expression default is the runner's value: unset for the code.
            let d = if d.contains("${{") { String::new() } else { d };
            (n, d)
        })
        .collect();
    let code: Vec<(String, String)> = devmetrics::settings::DEFAULTS
        .iter()
        .map(|(n, d)| (n.to_string(), d.to_string()))
        .collect();
    let sorted = |mut v: Vec<(String, String)>| {
        v.sort();
        v
    };
    assert_eq!(
        sorted(declared.clone()),
        sorted(code),
        "action.yml inputs vs settings::DEFAULTS"
    );

    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let table = readme
        .split("| setting | default | meaning |")
        .nth(1)
        .expect("README has the settings table");
    let rows: Vec<(String, String)> = table
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            (
                cells[1].trim_matches('`').to_owned(),
                cells[2].trim_matches('`').to_owned(),
            )
        })
        .collect();
    assert_eq!(
        sorted(rows),
        sorted(declared),
        "README settings table vs action.yml"
    );
}

#[test]
fn an_outage_on_a_throwaway_runner_fails_the_step_and_keeps_the_rows_for_replay() {
    // Supabase unreachable: the step must not be green while its rows sit in a workspace GitHub
    // deletes. It fails (fail-on-spool), the spool is in the workspace for the workflow's
    // upload-artifact step, and a replay of that spool lands every row.
    let stack = Stack::get();
    let github = FakeGitHub::start();
    let step = shipped_step_for("pull_request");
    let workflow = std::fs::read_to_string(&step.workflow).unwrap();
    assert!(
        workflow.contains("if: failure()")
            && workflow.contains("actions/upload-artifact@")
            && workflow.contains("development-metrics/spool/"),
        "{} must upload the spool when the step fails",
        step.workflow.display()
    );
    let payload: serde_json::Value = fixture_json("events/pull_request/90-closed-merged.json");
    let repository = unique_repository("runner-outage");
    let down = Secrets::Given {
        url: format!("http://127.0.0.1:{}", crate::common::free_port()),
        key: stack.service_role_key.clone(),
    };
    let mut with = step.with.clone();
    with.push(("retry-attempts".into(), "1".into()));
    let run = run_step(Step {
        with: &with,
        event: "pull_request",
        payload: &payload,
        repository: &repository,
        secrets: &down,
        api_url: &github.url,
        launch: Launch::Binary,
        files: &[],
    });
    assert_eq!(run.output.status.code(), Some(3), "{}", text(&run.output));
    let spooled = run.count("spooled");
    assert!(spooled >= 2, "{spooled}");
    assert!(run.summary.contains("spool"), "{}", run.summary);
    assert_eq!(stack.count("pr_events", &repository), 0);

    // A person downloads the artifact into development-metrics/ and replays it.
    let replay = crate::common::devmetrics(
        run.workspace.path(),
        &["replay"],
        &[
            ("SUPABASE_URL", stack.supabase_url.clone()),
            ("SUPABASE_SERVICE_ROLE_KEY", stack.service_role_key.clone()),
        ],
    );
    assert_eq!(replay.status.code(), Some(0), "{}", text(&replay));
    let stored: usize = TABLES
        .iter()
        .map(|t| stack.count(t, &repository) as usize)
        .sum();
    assert_eq!(stored, spooled);
}

#[test]
fn missing_secrets_for_the_runs_environment_fail_unless_the_pull_request_is_from_a_fork() {
    let stack = Stack::get();
    let github = FakeGitHub::start();
    let push: serde_json::Value = fixture_json("events/push/90-event-merged-pr.json");
    // Only staging secrets, a push to the production branch.
    let with = vec![
        (
            "staging-supabase-url".to_owned(),
            stack.supabase_url.clone(),
        ),
        (
            "staging-supabase-service-role-key".to_owned(),
            stack.service_role_key.clone(),
        ),
    ];
    let mut push_main = push.clone();
    push_main["ref"] = "refs/heads/main".into();
    let repository = unique_repository("runner-partial");
    let run = run_step(Step {
        with: &with,
        event: "push",
        payload: &push_main,
        repository: &repository,
        secrets: &Secrets::None,
        api_url: &github.url,
        launch: Launch::Binary,
        files: &[],
    });
    assert_eq!(run.output.status.code(), Some(2), "{}", text(&run.output));
    assert!(
        text(&run.output)
            .contains("no Supabase URL and service role key for the production environment"),
        "{}",
        text(&run.output)
    );
    assert!(!text(&run.output)
        .lines()
        .filter(|l| !l.starts_with("::add-mask::"))
        .any(|l| l.contains(&stack.service_role_key)));

    // The same settings on a fork's pull request into main: local files, a warning, exit 0.
    let mut fork: serde_json::Value = fixture_json("events/pull_request/90-closed-merged.json");
    fork["pull_request"]["head"]["repo"]["full_name"] = "someone/fork".into();
    fork["pull_request"]["base"]["ref"] = "main".into();
    let run = run_step(Step {
        with: &with,
        event: "pull_request",
        payload: &fork,
        repository: &repository,
        secrets: &Secrets::None,
        api_url: &github.url,
        launch: Launch::Binary,
        files: &[],
    });
    assert_eq!(run.output.status.code(), Some(0), "{}", text(&run.output));
    assert_eq!(run.outputs["sink"], "jsonl");
    assert!(
        text(&run.output).contains("normal for a pull request from a fork, which gets no secrets"),
        "{}",
        text(&run.output)
    );
}

#[test]
fn a_pull_requests_own_rules_file_is_ignored_in_favour_of_its_base_branchs() {
    // The checkout (the PR's merge commit) holds a rules file that switches every rule off; the
    // base branch has none (the fake API answers 404), so the default rules judge the PR.
    let stack = Stack::get();
    let own_rules = [(".github/devmetrics.yml", "rules: []\n")];
    let (run, repository, github) = record_merged_pr(&own_rules);
    let base = fixture_json("events/pull_request/90-closed-merged.json");
    let base_sha = base["pull_request"]["base"]["sha"].as_str().unwrap();
    assert!(
        github
            .seen()
            .iter()
            .any(|l| l.contains("/contents/.github/devmetrics.yml") && l.contains(base_sha)),
        "{:?}",
        github.seen()
    );
    assert!(
        stack.count("rule_compliance_events", &repository) > 0,
        "{}",
        text(&run.output)
    );

    // A push (the commit that landed) is judged by the workspace's own file: no rule, no verdict.
    let repository = unique_repository("runner-own-rules-push");
    let run = run_step(Step {
        with: &shipped_step_for("push").with,
        event: "push",
        payload: &fixture_json("events/push/90-event-merged-pr.json"),
        repository: &repository,
        secrets: &Secrets::stack(),
        api_url: &github.url,
        launch: Launch::Binary,
        files: &own_rules,
    });
    assert_eq!(run.output.status.code(), Some(0), "{}", text(&run.output));
    assert_eq!(stack.count("rule_compliance_events", &repository), 0);
}
