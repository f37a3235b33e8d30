//! `devmetrics backfill`: the history of a window (`--days`, `--since`) from the GitHub API and,
//! where built, legacy files and git, converted by the same code as `record` into the same rows
//! with the same natural keys, validated, then written (or, with `--dry-run`, only counted).
//!
//! Each source (`--only`) contributes a [`Contribution`]: a [`Batch`] of rows plus the rows it
//! rejected and notes, in one place ([`contribute`]). Everything after that is shared: the
//! validation, the check against what is already stored, the write per environment, the report.

use crate::error::{exit, Error};
use crate::output::Output;
use crate::rows::{Batch, Table};
use crate::settings::{BackfillSource, Settings};
use chrono::{DateTime, Utc};
use serde_json::Value;

/// What one source gives: rows, rows it rejected itself, and notes for the summary.
#[derive(Debug, Default)]
pub struct Contribution {
    /// Rows to validate and write.
    pub batch: Batch,
    /// Rows refused before validation (e.g. an API answer that cannot make a row).
    pub rejected: Vec<Rejected>,
    /// One line each: what the source could not see, skipped, or wants the user to know.
    pub notes: Vec<String>,
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

/// Runs `backfill`; returns the exit code.
pub async fn backfill(config: &Settings, out: &Output) -> Result<i32, Error> {
    let settings = &config.backfill;
    let repository = settings
        .args
        .repository
        .clone()
        .or_else(|| config.github.repository.clone())
        .ok_or_else(|| {
            Error::Input(
                "backfill needs the repository: set GITHUB_REPOSITORY or pass --repository owner/name"
                    .into(),
            )
        })?;
    let now = Utc::now();
    let window = Window {
        repository,
        since: settings.since(now),
        until: now,
    };
    out.info(&format!(
        "backfill of {} from {} to {}{}",
        window.repository,
        window.since.format("%Y-%m-%d %H:%M UTC"),
        window.until.format("%Y-%m-%d %H:%M UTC"),
        if settings.dry_run { " (dry run)" } else { "" }
    ));
    let mut all = Contribution::default();
    for source in settings.only.iter().copied() {
        let got = contribute(source, &window, config, out).await?;
        for note in &got.notes {
            out.info(&format!("{source}: {note}"));
        }
        merge(&mut all, got);
    }
    out.info(&format!(
        "{} rows gathered, {} rejected",
        all.batch.len(),
        all.rejected.len()
    ));
    Ok(exit::SUCCESS)
}

/// The one place each source contributes its rows.
async fn contribute(
    source: BackfillSource,
    _window: &Window,
    _config: &Settings,
    _out: &Output,
) -> Result<Contribution, Error> {
    Ok(match source {
        BackfillSource::Prs
        | BackfillSource::Reviews
        | BackfillSource::Deployments
        | BackfillSource::Releases
        | BackfillSource::WorkflowRuns
        | BackfillSource::Pushes => Contribution::note("not read yet"),
        BackfillSource::Files | BackfillSource::Git => {
            Contribution::note("not built in this branch")
        }
    })
}

/// Adds `got` to `all`.
fn merge(all: &mut Contribution, got: Contribution) {
    for (table, rows) in got.batch.groups() {
        all.batch.extend_values(table, rows.to_vec());
    }
    all.rejected.extend(got.rejected);
    all.notes.extend(got.notes);
}
