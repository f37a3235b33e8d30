//! `devmetrics backfill`: the history of a window (`--days`, `--since`) from the GitHub API,
//! legacy and local files and git, converted by the same code as `record` into the same rows
//! with the same natural keys, validated, then written (or, with `--dry-run`, only counted).
//!
//! Each source (`--only`) contributes a [`Contribution`]: a [`Batch`] of rows plus the rows it
//! rejected and notes, in one place ([`contribute`]). Everything after that is shared: the
//! validation, the check against what is already stored, the write per environment, the report.

mod checkpoint;
mod github;
mod local;
mod report;
mod write;

use crate::error::{exit, Error};
use crate::output::Output;
use crate::rows::{Batch, Table};
use crate::settings::{BackfillSource, Settings};
use checkpoint::Checkpoint;
use chrono::{DateTime, Utc};
use github::Api;
use report::Report;
use serde_json::Value;
use std::time::Instant;

/// What one source gives: rows, rows it rejected itself, and notes for the summary.
#[derive(Debug, Default)]
pub struct Contribution {
    /// Rows to validate and write.
    pub batch: Batch,
    /// Rows refused before validation (e.g. an API answer that cannot make a row).
    pub rejected: Vec<Rejected>,
    /// One line each: what the source could not see, skipped, or wants the user to know.
    pub notes: Vec<String>,
    /// Facts converted to nothing on purpose (a run of a workflow that does not deploy...).
    pub skipped: usize,
}

impl Contribution {
    /// A contribution holding only a note.
    pub fn note(text: impl Into<String>) -> Contribution {
        Contribution {
            notes: vec![text.into()],
            ..Contribution::default()
        }
    }
}

/// A row that will not be written, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejected {
    /// The table it was meant for.
    pub table: Table,
    /// The row (or what is known of it).
    pub row: Value,
    /// Why, in words.
    pub reason: String,
}

/// What every source of one run shares: the window and the repository.
#[derive(Debug, Clone)]
pub struct Window {
    /// The repository, owner/name.
    pub repository: String,
    /// The window's start.
    pub since: DateTime<Utc>,
    /// The window's end (when the run started).
    pub until: DateTime<Utc>,
}

/// One step of a source: its contribution, and where the source stands after it.
#[derive(Debug, Default)]
pub struct Step {
    /// The rows of this step.
    pub contribution: Contribution,
    /// Where to go on from (a page cursor), saved in the checkpoint.
    pub cursor: Option<String>,
    /// The source is finished.
    pub done: bool,
    /// Items read in this step (PRs, deployments...), for the progress.
    pub done_items: usize,
    /// Items in all, when the API says.
    pub total: Option<usize>,
}

impl Step {
    /// A source read in one step.
    pub fn whole(contribution: Contribution, items: usize) -> Step {
        Step {
            contribution,
            cursor: None,
            done: true,
            done_items: items,
            total: Some(items),
        }
    }
}

/// Runs `backfill`; returns the exit code.
pub async fn backfill(config: &Settings, out: &Output) -> Result<i32, Error> {
    let settings = &config.backfill;
    let repository = config.repository(settings.args.repository.as_ref(), "to backfill")?;
    let now = Utc::now();
    let dry_run = settings.dry_run;
    let mut checkpoint = if dry_run {
        Checkpoint::fresh(&config.output_dir, &repository, settings.since(now), now)
    } else {
        Checkpoint::load_or_start(&config.output_dir, &repository, settings.since(now), now)
            .map_err(Error::Input)?
    };
    let window = checkpoint.window();
    if checkpoint.resumed {
        out.info(&format!(
            "resuming the backfill stopped earlier ({}): same window, sources already done are skipped",
            checkpoint.path().display()
        ));
    }
    out.info(&format!(
        "backfill of {} from {} to {}{}",
        window.repository,
        window.since.format("%Y-%m-%d %H:%M UTC"),
        window.until.format("%Y-%m-%d %H:%M UTC"),
        if dry_run {
            " (dry run: nothing is written)"
        } else {
            ""
        }
    ));
    let mut api = match settings.only.iter().any(|s| s.needs_github_api()) {
        true => Some(github::open(config, now, out)?),
        false => None,
    };
    let mut writer = write::Writer::new(config, dry_run);
    let mut report = Report::new(&window, dry_run);
    let mut stopped = None;
    'sources: for source in settings.only.iter().copied() {
        if checkpoint.is_done(source) {
            out.info(&format!("{source}: done by the earlier run"));
            continue;
        }
        let started = Instant::now();
        let (mut items, mut total) = (0usize, None);
        loop {
            let cursor = checkpoint.cursor(source);
            let step = match step(source, api.as_mut(), &window, config, cursor).await {
                Ok(step) => step,
                Err(err) => {
                    stopped = Some(err);
                    break 'sources;
                }
            };
            items += step.done_items;
            total = step.total.or(total);
            for note in &step.contribution.notes {
                out.info(&format!("{source}: {note}"));
            }
            let written = writer.take(step.contribution, &mut report, now, out).await;
            if let Err(err) = written {
                stopped = Some(err);
                break 'sources;
            }
            checkpoint.advance(source, step.cursor.clone(), step.done);
            if !dry_run {
                checkpoint.save().map_err(Error::Input)?;
            }
            out.progress(&progress_line(source, items, total, started, step.done));
            if step.done {
                break;
            }
        }
    }
    if let Some(api) = &api {
        report.requests = api.client.stats.clone();
    }
    let rejected = report.rejected_count();
    report.finish(out, config, writer.present_counts());
    if let Some(err) = stopped {
        if !dry_run {
            out.info(&format!(
                "the checkpoint {} keeps where the run stopped: run the same command again to go on",
                checkpoint.path().display()
            ));
        }
        return Err(err);
    }
    if !dry_run {
        checkpoint.remove();
    }
    Ok(if rejected > 0 || writer.failed() {
        exit::CHECK_FAILED.max(writer.exit_code())
    } else {
        exit::SUCCESS
    })
}

/// The one place each source contributes its rows: the next step of `source`.
async fn step(
    source: BackfillSource,
    api: Option<&mut Api<'_>>,
    window: &Window,
    config: &Settings,
    cursor: Option<String>,
) -> Result<Step, Error> {
    let settings = &config.backfill;
    let api = match (source, api) {
        // The sources without the API.
        (BackfillSource::Files, _) => return Ok(local::files_step(config, window)),
        (BackfillSource::Git, _) => return Ok(local::git_step(config, window)),
        (_, Some(api)) => api,
        (_, None) => return Err(Error::Input(format!("{source} needs the GitHub API"))),
    };
    match source {
        BackfillSource::Prs => {
            let reviews = settings.reads(BackfillSource::Reviews);
            github::pulls_step(api, window, cursor, true, reviews).await
        }
        // Read with the pull requests when both are asked for.
        BackfillSource::Reviews if settings.reads(BackfillSource::Prs) => {
            Ok(Step::whole(Contribution::default(), 0))
        }
        BackfillSource::Reviews => github::pulls_step(api, window, cursor, false, true).await,
        BackfillSource::Deployments => github::deployments_step(api, window).await,
        BackfillSource::Releases => github::releases_step(api, window).await,
        BackfillSource::WorkflowRuns => github::workflow_runs_step(api, window).await,
        BackfillSource::Pushes => github::pushes_step(api, window).await,
        BackfillSource::Files | BackfillSource::Git => Ok(Step::default()),
    }
}

/// `prs: 100/523 (19.1/s, about 22 s left)`.
fn progress_line(
    source: BackfillSource,
    done: usize,
    total: Option<usize>,
    started: Instant,
    finished: bool,
) -> String {
    let seconds = started.elapsed().as_secs_f64().max(0.001);
    let rate = done as f64 / seconds;
    match (finished, total) {
        (true, _) => format!("{source}: {done} read in {seconds:.1} s ({rate:.1}/s)"),
        (false, Some(total)) if rate > 0.0 => {
            let left = total.saturating_sub(done) as f64 / rate;
            format!("{source}: {done}/{total} ({rate:.1}/s, at most about {left:.0} s left)")
        }
        (false, _) => format!("{source}: {done} ({rate:.1}/s)"),
    }
}
