//! The sources a backfill reads without the GitHub API: `files` (the design document's legacy
//! JSON files and the JSONL files the local default wrote, both in the output directory) and
//! `git` (the checkout's history of the production branch). Each becomes one [`Step`]: the rows,
//! and one note per thing it could not read, with what to do.

use super::{checkpoint, report, Contribution, Step, Window};
use crate::convert::git_history::git_history_rows;
use crate::convert::legacy_files::{legacy_rows, local_jsonl_rows};
use crate::environment::Environment;
use crate::rows::{RecordContext, Table};
use crate::rules;
use crate::settings::Settings;
use crate::sources::git_history::read_history;
use crate::sources::legacy_files::local_jsonl::read_local_jsonl;
use crate::sources::legacy_files::read_legacy_dir;
use std::path::PathBuf;

/// `files`: legacy JSON files under the output directory (devmetrics' own checkpoint and report
/// left out) and the local JSONL files beside them, uploaded as they are.
pub fn files_step(config: &Settings, window: &Window) -> Step {
    let dir = &config.output_dir;
    let mut contribution = Contribution::default();
    let ctx = RecordContext {
        repository: window.repository.clone(),
        // A legacy record that names no environment is taken as the project's history of its
        // default branch; one that names it keeps it.
        environment: Environment::Production,
        recorded_at: window.until,
    };
    let legacy = legacy_rows(
        read_legacy_dir(dir, &[checkpoint::FILE, report::FILE]),
        &ctx,
        window.since,
    );
    let local = local_jsonl_rows(read_local_jsonl(dir, |name| {
        Table::from_name(name).is_some()
    }));
    for problem in legacy.problems.iter().chain(&local.problems) {
        contribution
            .notes
            .push(format!("{problem} (help: {})", problem.help));
    }
    if legacy.outside_window > 0 {
        contribution.notes.push(format!(
            "{} legacy record(s) before {} left out (widen the window with --days or --since)",
            legacy.outside_window,
            window.since.format("%Y-%m-%d")
        ));
    }
    if local.duplicates > 0 {
        contribution.notes.push(format!(
            "{} local JSONL line(s) repeated an earlier line's key: sent once",
            local.duplicates
        ));
    }
    contribution.notes.push(format!(
        "{} legacy JSON file(s) and {} local JSONL file(s) read in {}",
        legacy.files_read,
        local.files_read,
        dir.display()
    ));
    let items = legacy.batch.len() + local.batch.len();
    contribution.batch = legacy.batch;
    contribution.batch.append(local.batch);
    Step::whole(contribution, items)
}

/// `git`: the first-parent history of the production branch in the checkout (the workspace),
/// judged by the rules file (else the default rules), and the push rows the figures' ancestry
/// needs. A checkout that cannot be read is a note naming the fix, not a failed run.
pub fn git_step(config: &Settings, window: &Window) -> Step {
    let checkout = config
        .github
        .workspace
        .clone()
        .unwrap_or_else(|| PathBuf::from("."));
    let rules_path = config
        .record
        .rules
        .file
        .clone()
        .unwrap_or_else(|| PathBuf::from(rules::DEFAULT_PATH));
    let explicit = config.record.rules.file.is_some();
    let rules_path = if rules_path.is_relative() {
        checkout.join(rules_path)
    } else {
        rules_path
    };
    let ruleset = match rules::load(&rules_path, explicit) {
        Ok(ruleset) => ruleset,
        Err(err) => {
            return Step::whole(
                Contribution::note(format!(
                    "not read: the rules file {} could not be used ({err}); fix it (`devmetrics record` shows the same error) or leave git out of --only",
                    rules_path.display()
                )),
                0,
            )
        }
    };
    // The production branches named without a wildcard, in the setting's order: the first the
    // checkout has is read.
    let branches: Vec<&String> = config
        .events
        .production_branches
        .patterns()
        .iter()
        .filter(|p| !p.contains(['*', '?', '[', '{']))
        .collect();
    let mut failures = Vec::new();
    for branch in branches {
        match read_history(&checkout, branch, window.since) {
            Ok(history) => {
                let ctx = RecordContext {
                    repository: window.repository.clone(),
                    environment: Environment::Production,
                    recorded_at: window.until,
                };
                let import = git_history_rows(&history, &ruleset, &ctx);
                let mut contribution = Contribution::default();
                contribution.notes.push(format!(
                    "{}: {} first-parent step(s): {} merge(s), {} squash merge(s), {} direct push(es)",
                    history.read_ref, import.steps, import.merges, import.squashes, import.direct
                ));
                contribution.notes.extend(import.not_judged.iter().cloned());
                if let Some(gap) = &import.shallow {
                    contribution.notes.extend(gap.describe());
                    contribution.notes.push(gap.help());
                }
                let items = import.steps;
                contribution.batch = import.batch;
                return Step::whole(contribution, items);
            }
            Err(err) => failures.push(format!("{branch}: {err} (help: {})", err.help().join("; "))),
        }
    }
    let note = if failures.is_empty() {
        "not read: production-branches names no branch without a wildcard; add the production branch by name (e.g. `production-branches: main`)".to_owned()
    } else {
        format!("not read: {}", failures.join("; "))
    };
    Step::whole(Contribution::note(note), 0)
}
