//! `devmetrics record`: the workflow event, the JUnit results and the rule verdicts → rows →
//! the sink, with the job summary, step outputs and annotations on the side.
//!
//! A problem in one source (an unreadable payload, a broken rules file, a truncated report) is
//! reported and reflected in the exit code, but never stops the rows of the other sources from
//! being written.

use super::open_sink;
use super::rules_source::{rules_for, EventRules};
use super::test_results::record_test_results;
use crate::cli::RecordArgs;
use crate::convert::{
    self, CommitPulls, Conversion, DeploymentHistory, EventInputs, EventOptions, LookupPlan,
    PastDeployment, RawEventOptions,
};
use crate::error::{exit, render_sink_problem, Error};
use crate::github_api::{split_repository, GitHubApi, DEFAULT_API_URL};
use crate::output::summary::{self, RecordReport, TableLine};
use crate::output::{self, workflow_commands, Output};
use crate::rows::deployment_events::DeploymentStatus;
use crate::rows::rule_compliance_events::ContextType;
use crate::rows::{Batch, RecordContext, Table};
use crate::rules::{self, CheckKind, PrState, RuleContext, TestRunSummary};
use crate::settings::{EventFacts, Settings, SettingsError, Target};
use crate::sinks::{deliver, AnySink, Delivery, Query, Sink, Spool};
use crate::sources::event::{self, Event, ReadOutcome};
use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;

/// Runs `record`; returns the exit code.
pub async fn record(config: &Settings, out: &Output) -> Result<i32, Error> {
    let mut exit_code = exit::SUCCESS;
    let (mut notices, mut warnings) = (Vec::new(), Vec::new());
    // Source: the event payload.
    let args = &config.record.args;
    let event = match read_event(config, args) {
        Ok(EventRead::Event(event)) => Some(event),
        Ok(EventRead::Skipped(reason)) => {
            out.notice(&reason);
            notices.push(reason);
            None
        }
        Ok(EventRead::None) => {
            out.info("no event to record (no GITHUB_EVENT_NAME or --event-name)");
            None
        }
        Err(err) => {
            out.warning_block(&err);
            warnings.push(err.to_string());
            exit_code = err.exit_code();
            None
        }
    };
    let pull_request = event.as_deref().and_then(|e| match e {
        Event::PullRequest(p) => Some(&p.pull_request),
        Event::PullRequestReview(p) => Some(&p.pull_request),
        _ => None,
    });
    let target = config.target_for(EventFacts {
        base_branch: pull_request.map(|pr| pr.base.branch.as_str()),
        from_fork: pull_request.is_some_and(|pr| pr.is_from_fork()),
    })?;
    out.info(&format!(
        "environment: {} ({})",
        target.environment, target.why
    ));
    if let Some(warning) = &target.fallback_warning {
        out.warning(warning);
    }
    let sink = open_sink(&target, config)?;
    let mut report = RecordReport {
        environment: target.environment.to_string(),
        why: target.why.clone(),
        sink: sink.describe(),
        ..RecordReport::default()
    };
    if let Some(warning) = &target.fallback_warning {
        report.warnings.push(warning.clone());
    }
    report.notices.extend(notices);
    report.warnings.extend(warnings);
    let mut batch = Batch::new();
    let repository = args
        .repository
        .clone()
        .or_else(|| config.github.repository.clone())
        .or_else(|| {
            event
                .as_ref()
                .and_then(|e| e.repository())
                .map(|r| r.full_name.clone())
        });
    if repository.is_none() {
        out.warning("no repository known (GITHUB_REPOSITORY, --repository or the payload's): rows are recorded for 'unknown/unknown'");
    }
    let ctx = RecordContext {
        repository: repository.unwrap_or_else(|| "unknown/unknown".to_owned()),
        environment: target.environment,
        recorded_at: chrono::Utc::now(),
    };

    // Rows: from the event.
    let github = event.as_ref().and_then(|_| github_client(config, out));
    let mut push = None;
    let options = event_options(config)?;
    if let Some(event) = &event {
        report.event = Some(match event.action() {
            Some(action) => format!("{} ({action})", event.name()),
            None => event.name().to_owned(),
        });
        let inputs = gather_inputs(event, &options, &ctx, &sink, github.as_ref(), out).await;
        match convert::convert(event, &ctx, &options, &inputs) {
            Conversion::Rows(rows) => {
                for notice in &rows.notices {
                    out.notice(notice);
                }
                report.notices.extend(rows.notices.iter().cloned());
                batch.extend(rows.pr_events);
                batch.extend(rows.deployment_events);
                batch.extend(rows.push_events);
                push = rows.push;
            }
            Conversion::Skipped { reason } => {
                out.notice(&reason);
                report.notices.push(reason);
            }
        }
    }

    // Rows: test results.
    let pr_number = match event.as_deref() {
        Some(Event::PullRequest(p)) => Some(p.pull_request.number),
        _ => None,
    };
    let tests = match record_test_results(config, pr_number, &ctx, out, &mut batch) {
        Ok(tests) => tests,
        Err(err) => {
            out.error_block(&err);
            report.warnings.push(err.to_string());
            exit_code = exit_code.max(err.exit_code());
            Default::default()
        }
    };
    exit_code = exit_code.max(tests.exit_code);
    report.sections.extend(tests.section);

    // Rows: the team's rules, judged on the event.
    if let Some(event) = &event {
        if let Some(context) = rules::from_event::context(event, push.as_deref(), &options) {
            let sources = LookupSources {
                sink: &sink,
                github: github.as_ref(),
            };
            let rules = rules_for(config, event, github.as_ref(), &ctx.repository, out).await;
            let judged = match rules {
                Ok(rules) => {
                    judge_rules(
                        config,
                        rules,
                        context,
                        &ctx,
                        sources,
                        out,
                        &mut batch,
                        &mut report,
                    )
                    .await
                }
                Err(err) => Err(err),
            };
            match judged {
                Ok(0) => {}
                Ok(_) => exit_code = exit_code.max(exit::CHECK_FAILED),
                Err(err) => {
                    out.error_block(&err);
                    report.warnings.push(err.to_string());
                    exit_code = exit_code.max(err.exit_code());
                }
            }
        }
    }

    // Sink.
    let spool = Spool::under(&config.output_dir);
    batch
        .clean(&config.secrets())
        .into_iter()
        .for_each(|change| out.info(&change));
    let delivery = deliver(&sink, &batch, &spool).await;
    if let AnySink::Jsonl(jsonl) = &sink {
        for torn in jsonl.take_recovered() {
            out.warning(&torn.to_string());
            report.warnings.push(torn.to_string());
        }
    }
    report_delivery(&delivery, &target, out, &mut report);
    write_step_files(config, &target, &delivery, &report, &tests.outputs, out);

    let spooled = delivery.spooled();
    if let Some(source) = delivery.spool_error {
        // The one case where rows could be lost: print them so the log keeps them.
        let rows: Vec<String> = batch
            .groups()
            .flat_map(|(table, rows)| {
                rows.iter()
                    .map(move |r| format!("{{\"table\":\"{}\",\"row\":{r}}}", table.name()))
            })
            .collect();
        out.group(
            "rows that could not be written nor spooled (copy them to a spool file to replay)",
            &rows,
        );
        return Err(Error::Sink {
            doing: format!(
                "could not spool {} unwritten rows to {}",
                spooled,
                spool.dir().display()
            ),
            source: Box::new(source),
        });
    }
    if spooled > 0 && config.fail_on_spool {
        return Err(Error::Spooled(spooled));
    }
    if delivery.quarantined() > 0 && config.fail_on_spool {
        return Err(Error::Quarantined(delivery.quarantined()));
    }
    Ok(exit_code)
}

enum EventRead {
    Event(Box<Event>),
    Skipped(String),
    None,
}

fn read_event(config: &Settings, args: &RecordArgs) -> Result<EventRead, Error> {
    let name = args
        .event_name
        .clone()
        .or_else(|| config.github.event_name.clone());
    let path: Option<PathBuf> = args
        .event_path
        .clone()
        .or_else(|| config.github.event_path.clone());
    let Some(name) = name else {
        return Ok(EventRead::None);
    };
    let Some(path) = path else {
        return Err(Error::Input(format!(
            "the {name} event has no payload file: set GITHUB_EVENT_PATH or pass --event-path"
        )));
    };
    match event::read_event(&name, &path) {
        Ok(ReadOutcome::Event(event)) => Ok(EventRead::Event(event)),
        Ok(ReadOutcome::Skipped { event_name, reason }) => Ok(EventRead::Skipped(format!(
            "{event_name} ignored: {reason}"
        ))),
        Err(err) => Err(Error::Input(format!("{err}; the event was not recorded"))),
    }
}

/// The conversion's settings, from the configuration, globs compiled once.
pub fn event_options(config: &Settings) -> Result<EventOptions, Error> {
    EventOptions::new(RawEventOptions {
        production_branches: config.events.production_branches.patterns().to_vec(),
        staging_branches: config.events.staging_branches.patterns().to_vec(),
        deploy_workflows: config.events.deploy_workflows.patterns().to_vec(),
        production_environments: config.events.production_environments.clone(),
    })
    .map_err(|e| {
        Error::Config(SettingsError::BadValue {
            origin: "setting `production-branches`, `staging-branches` or `deploy-workflows`"
                .into(),
            problem: e.to_string(),
        })
    })
}

/// Gathers what the conversion needs from the sink (deployment history) and the GitHub API
/// (a merged PR's stages, a pushed commit's PR). A failed lookup is a warning: the rows are still
/// recorded, with what is known, and marked incomplete (`inputs.failed`) so that a later run
/// completes them.
async fn gather_inputs(
    event: &Event,
    options: &EventOptions,
    ctx: &RecordContext,
    sink: &AnySink,
    github: Option<&GitHubApi>,
    out: &Output,
) -> EventInputs {
    let plan = LookupPlan::for_event(event, options);
    let mut inputs = EventInputs::default();
    let repo = split_repository(&ctx.repository);
    if let (Some(number), Some(api), Some((owner, name)), Event::PullRequest(p)) =
        (plan.merged_pr, github, repo, event)
    {
        let author = p.pull_request.user.as_ref().map(|u| u.login.as_str());
        let (stages, errors) = api
            .pull_request_stages(owner, name, number, author, p.pull_request.created_at)
            .await;
        inputs.failed.pr_stages = !errors.is_empty();
        for err in errors {
            out.warning(&format!(
                "{err}; that stage of PR #{number} stays unknown: the merged row is marked \
                 incomplete and a later run (re-run the job) completes it"
            ));
        }
        inputs.pr_stages = stages;
    }
    if let (Some(sha), Some(api), Some((owner, name)), Event::Push(p)) =
        (&plan.pulls_of_commit, github, repo, event)
    {
        let branch = p.git_ref.strip_prefix("refs/heads/").unwrap_or(&p.git_ref);
        match api.merged_pr_of_commit(owner, name, sha, branch).await {
            Ok(Some(n)) => inputs.push_pulls = CommitPulls::MergedPr(n),
            Ok(None) => inputs.push_pulls = CommitPulls::NoMergedPr,
            Err(err) => out.warning(&format!(
                "{err}; whether this push came from a pull request is judged from the commit message"
            )),
        }
    }
    if let Some(environment) = plan.deployment_history_of {
        let query = Query {
            table: Table::DeploymentEvents,
            equals: vec![
                ("repository".into(), ctx.repository.clone()),
                ("target_environment".into(), environment.clone()),
                ("status".into(), "success".into()),
            ],
            newest_first_by: Some("event_timestamp".into()),
            limit: 50,
        };
        match sink.query(&query).await {
            Ok(rows) => {
                inputs.deployment_history = DeploymentHistory {
                    successes: rows
                        .iter()
                        .filter_map(|row| {
                            Some(PastDeployment {
                                deployment_id: row.get("deployment_id")?.as_str()?.to_owned(),
                                sha: row.get("sha")?.as_str()?.to_owned(),
                                finished_at: row
                                    .get("finished_at")
                                    .and_then(|v| serde_json::from_value(v.clone()).ok()),
                            })
                        })
                        .collect(),
                }
            }
            Err(err) => {
                inputs.failed.deployment_history = true;
                out.warning(&format!(
                    "could not read the recent deployments of '{environment}' ({err}); this deployment is recorded as a plain deploy marked incomplete (a rollback or redeploy cannot be told apart): a later run (re-run the job) completes its kind"
                ))
            }
        }
    }
    inputs
}

/// Where lookups go: the sink (rows recorded earlier) and the GitHub API.
#[derive(Clone, Copy)]
struct LookupSources<'a> {
    sink: &'a AnySink,
    github: Option<&'a GitHubApi>,
}

/// The GitHub API client, when a token is configured. Without one, what only the API knows
/// (a PR's first commit, reviews, approvals) stays unknown and the run says so once.
fn github_client(config: &Settings, out: &Output) -> Option<GitHubApi> {
    let token = config.github_token.as_ref()?;
    let base = config.github.api_url.as_deref().unwrap_or(DEFAULT_API_URL);
    match GitHubApi::new(base, token.expose()) {
        Ok(api) => Some(api),
        Err(err) => {
            out.warning(&format!("{err}; GitHub API lookups are skipped"));
            None
        }
    }
}

/// Evaluates the rules on `context`: settled verdicts become rows; every verdict is shown.
/// Returns how many violations fail the step.
#[allow(clippy::too_many_arguments)]
async fn judge_rules(
    config: &Settings,
    EventRules {
        ruleset,
        recordable,
    }: EventRules,
    mut context: RuleContext,
    ctx: &RecordContext,
    LookupSources { sink, github }: LookupSources<'_>,
    out: &Output,
    batch: &mut Batch,
    report: &mut RecordReport,
) -> Result<usize, Error> {
    let fail_on = config
        .record
        .rules
        .fail_on_violation
        .check(&ruleset)?
        .clone();

    // Checks whose input a lookup failed to give: their verdicts are shown, never recorded (a
    // recorded verdict is final), so a later run with the lookup answering records them.
    let mut unknown: Vec<(CheckKind, String)> = Vec::new();

    // The approval rule needs the reviews of a merged PR.
    if let (RuleContext::PullRequest(pr), Some(api), Some((owner, name))) =
        (&mut context, github, split_repository(&ctx.repository))
    {
        if pr.state == PrState::Merged {
            match api
                .approvers(owner, name, pr.number as u32, Some(&pr.author))
                .await
            {
                Ok(logins) => pr.approvals = Some(logins),
                Err(err) => {
                    out.warning(&format!(
                        "{err}; the approval rule cannot be judged in this run"
                    ));
                    unknown.push((
                        CheckKind::PrApproval,
                        format!("the PR's reviews could not be read ({err})"),
                    ));
                }
            }
        }
    }

    // The tested-deployment rule needs the test runs of the deployed sha.
    if let RuleContext::Deployment(d) = &mut context {
        if d.is_production && d.status == DeploymentStatus::Success {
            let query = Query {
                table: Table::TestRuns,
                equals: vec![
                    ("repository".into(), ctx.repository.clone()),
                    ("sha".into(), d.sha.clone()),
                ],
                newest_first_by: Some("run_timestamp".into()),
                limit: 100,
            };
            match sink.query(&query).await {
                Ok(rows) => {
                    d.test_runs = Some(
                        rows.iter()
                            .map(|r| TestRunSummary {
                                test_type: r["test_type"].as_str().unwrap_or("unit").to_owned(),
                                total: r["total_tests"].as_u64().unwrap_or(0),
                                failed: r["failed_tests"].as_u64().unwrap_or(0),
                                errored: r["errored_tests"].as_u64().unwrap_or(0),
                            })
                            .collect(),
                    )
                }
                Err(err) => {
                    out.warning(&format!(
                        "could not read the test runs of {} ({err}); the deployment-tested rule cannot be judged in this run",
                        d.sha
                    ));
                    unknown.push((
                        CheckKind::DeploymentTested,
                        format!("the test runs of {} could not be read ({err})", d.sha),
                    ));
                }
            }
        }
    }

    let rows = rules::evaluate(&ruleset, &context, ctx);
    let failing = output::rules::failing(&rows, &ruleset, &fail_on).len();
    let mut section = Vec::new();
    if output::rules::write_summary(&mut section, &rows, &ruleset, &fail_on).is_ok() {
        report
            .sections
            .push(String::from_utf8_lossy(&section).into_owned());
    }
    if config.record.rules.annotate_violations && out.in_actions() {
        out.annotate(
            output::rules::violation_annotations(&rows, &ruleset, &fail_on),
            "rule violations",
        );
    } else if config.record.rules.annotate_violations {
        for row in rules::violations(&rows) {
            out.warning(&format!(
                "rule {} ({}): {}",
                row.rule_name,
                row.rule_category,
                row.details.as_deref().unwrap_or("violated")
            ));
        }
    }
    let violations = rules::violations(&rows).count();
    out.info(&format!(
        "rules: {} verdict(s) on {} {}, {violations} violation(s){}",
        rows.len(),
        context_label(&context),
        context.context_id(),
        if !recordable {
            " (shown, not recorded: the rules that judge it could not be read)"
        } else if context.is_settled() {
            ""
        } else {
            " (provisional: recorded once the pull request is closed)"
        }
    ));
    if failing > 0 {
        let message = format!(
            "{failing} rule violation(s) fail this step (fail-on-violation or severity: error)"
        );
        out.error_block(&Error::CheckFailed(message));
    }
    let check_of = |rule_name: &str| {
        ruleset
            .rules()
            .iter()
            .find(|r| r.name == rule_name)
            .map(|r| r.check.kind())
    };
    let mut recorded = Vec::new();
    // Rules that could not be read (a pull request's base branch) leave nothing to record.
    let settled = if recordable {
        rules::settled(&context, rows)
    } else {
        Vec::new()
    };
    for row in settled {
        let withheld = unknown.iter().find(|(kind, _)| {
            row.context_type != ContextType::Commit && check_of(&row.rule_name) == Some(*kind)
        });
        match withheld {
            None => recorded.push(row),
            Some((_, why)) => {
                let text = format!(
                    "rule {} on {} {}: verdict `{}` shown but not recorded: it rests on a failed \
                     lookup ({why}); a later run (re-run the job) records it",
                    row.rule_name,
                    context_label(&context),
                    row.context_id,
                    serde_json::to_value(row.compliance_status)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default()
                );
                out.notice(&text);
                report.notices.push(text);
            }
        }
    }
    batch.extend(recorded);
    Ok(failing)
}

fn context_label(context: &RuleContext) -> &'static str {
    match context {
        RuleContext::PullRequest(_) => "pull request",
        RuleContext::Push(_) => "push",
        RuleContext::Deployment(_) => "deployment",
    }
}

fn report_delivery(delivery: &Delivery, target: &Target, out: &Output, report: &mut RecordReport) {
    for write in &delivery.tables {
        report.tables.push(TableLine {
            table: write.table,
            rows: write.rows,
            inserted: write.inserted,
            spooled: write.unsent.len(),
            quarantined: write.quarantined.len(),
        });
        let already = write.accepted - write.inserted;
        if write.accepted > 0 {
            out.info(&format!(
                "{}: {} row(s), {} new, {} already recorded",
                write.table, write.accepted, write.inserted, already
            ));
        }
        if let Some(source) = &write.error {
            let text = render_sink_problem(
                &format!(
                    "could not write {} rows to {}",
                    write.unsent.len(),
                    write.table
                ),
                source,
            );
            out.warning_text(&text);
            report.warnings.push(text);
        }
    }
    if let Some(path) = &delivery.spool_file {
        let text = format!(
            "{} row(s) kept in {}: run `devmetrics replay` (with the {} environment's secrets) to send them",
            delivery.spooled(),
            path.display(),
            target.environment
        );
        out.warning(&text);
        report.spool_file = Some(path.display().to_string());
    }
    if let Some(path) = &delivery.quarantine_file {
        let note = summary::QuarantineNote {
            file: path.display().to_string(),
            spool_dir: spool_dir_of(path),
            reasons: delivery.quarantine_reasons(),
        };
        let mut text = format!(
            "{} row(s) refused and quarantined in {}:",
            note.rows(),
            note.file
        );
        for (table, reason, n) in &note.reasons {
            text += &format!("\n  {table}: {n} row(s): {reason}");
        }
        out.warning_text(&format!("{text}\n  help: {}\n", note.help()));
        report.quarantine = Some(note);
    }
    if let Some(err) = &delivery.quarantine_error {
        out.warning(&format!("could not write the quarantine file ({err}); the refused rows are in the spool instead"));
    }
}

/// The spool directory next to a quarantine file (`<output>/quarantine/x.jsonl` → `<output>/spool`).
fn spool_dir_of(quarantine_file: &std::path::Path) -> String {
    let output_dir = quarantine_file.parent().and_then(std::path::Path::parent);
    output_dir.map_or_else(|| "spool".into(), |d| d.join("spool").display().to_string())
}

/// `$GITHUB_OUTPUT` and `$GITHUB_STEP_SUMMARY`. Failing to write them is a warning: the rows
/// are what matters.
fn write_step_files(
    config: &Settings,
    target: &Target,
    delivery: &Delivery,
    report: &RecordReport,
    test_outputs: &[(&str, String)],
    out: &Output,
) {
    if let Some(path) = &config.github.output {
        let mut text = workflow_commands::output_entry("environment", target.environment.as_str());
        text += &workflow_commands::output_entry("sink", target.sink.name());
        for table in Table::ALL {
            let rows = delivery
                .tables
                .iter()
                .filter(|t| t.table == table)
                .map(|t| t.rows)
                .sum::<usize>();
            text += &workflow_commands::output_entry(
                &table.name().replace('_', "-"),
                &rows.to_string(),
            );
        }
        text += &workflow_commands::output_entry("spooled", &delivery.spooled().to_string());
        text +=
            &workflow_commands::output_entry("quarantined", &delivery.quarantined().to_string());
        for (name, value) in test_outputs {
            text += &workflow_commands::output_entry(name, value);
        }
        append(path, &text, "step outputs", out);
    }
    if let Some(path) = &config.github.step_summary {
        append(
            path,
            &out.redact(&summary::render(report)),
            "the job summary",
            out,
        );
    }
}

fn append(path: &PathBuf, text: &str, what: &str, out: &Output) {
    let result = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()));
    if let Err(e) = result {
        out.warning(&format!(
            "could not write {what} to {}: {e}",
            path.display()
        ));
    }
}
