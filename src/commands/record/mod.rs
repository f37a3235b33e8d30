//! `devmetrics record`: the workflow event, the JUnit results and the rule verdicts → rows →
//! the sink, with the job summary, step outputs and annotations on the side.
//!
//! A problem in one source (an unreadable payload, a broken rules file, a truncated report) is
//! reported and reflected in the exit code, but never stops the rows of the other sources from
//! being written.

use super::aggregate::{refresh_written, refreshed_tables, report_refreshes};
use super::open_sink;
use super::rules_source::rules_for;
use super::test_results::record_test_results;
use crate::cli::RecordArgs;
use crate::convert::{self, CompiledEventOptions, Conversion, EventOptions};
use crate::error::{exit, Error};
use crate::output::summary::RecordReport;
use crate::output::Output;
use crate::rows::{Batch, RecordContext};
use crate::rules::{self};
use crate::settings::{EventFacts, Settings};
use crate::sinks::{deliver_alongside, AnySink, Sink, Spool, TableWrite};
use crate::sources::event::{self, Event, ReadOutcome};
use std::path::PathBuf;

mod judge;
pub(crate) mod lookups;
mod step_files;

use judge::judge_rules;
use lookups::{gather_inputs, github_client, LookupSources};
use step_files::{report_delivery, write_step_files};

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
    let sink = open_sink(&target.sink, target.environment, config)?;
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
    let options = event_options(config);
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
    // On Supabase, the figures the first table's rows feed are refreshed while the other tables
    // are written, and those of the others as soon as they are, over the days of all (usually
    // one request each; a failure is a warning).
    let postgrest = match &sink {
        AnySink::Postgrest(postgrest) => Some(postgrest),
        _ => None,
    };
    let window = config.aggregate.failure_window;
    let (mut delivery, first_refreshed, others_refreshed) = deliver_alongside(
        &sink,
        &batch,
        &spool,
        |first| {
            postgrest
                .map(|p| refresh_written(p, &ctx.repository, window, &batch, &[first], &[first]))
        },
        |written| {
            postgrest.map(|p| {
                let first = refreshed_tables(&[&written[0]]);
                let others: Vec<&TableWrite> = written
                    .iter()
                    .filter(|write| !first.contains(&write.table))
                    .collect();
                let all: Vec<&TableWrite> = written.iter().collect();
                refresh_written(p, &ctx.repository, window, &batch, &others, &all)
            })
        },
    )
    .await;
    if let AnySink::Jsonl(jsonl) = &sink {
        for torn in jsonl.take_recovered() {
            out.warning(&torn.to_string());
            report.warnings.push(torn.to_string());
        }
    }
    report_delivery(&delivery, &target, out, &mut report);
    report_refreshes(
        first_refreshed.into_iter().chain(others_refreshed),
        &mut delivery,
        &mut report,
        out,
    );
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

/// The conversion's settings, from the globs the settings compiled.
pub fn event_options(config: &Settings) -> EventOptions {
    EventOptions::from_compiled(CompiledEventOptions {
        production_branches: &config.events.production_branches,
        staging_branches: &config.events.staging_branches,
        deploy_workflows: &config.events.deploy_workflows,
        production_environments: &config.events.production_environments,
        hotfix_labels: &config.events.hotfix_labels,
        hotfix_branches: &config.events.hotfix_branches,
    })
}
