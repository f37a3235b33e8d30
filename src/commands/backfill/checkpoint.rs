//! The checkpoint: `<output-dir>/backfill-checkpoint.json`, saved after every step, so that a
//! run stopped half way (a limit, an outage, a cancelled job) goes on where it stopped: the same
//! window, the sources already done skipped, the pull requests from the page after the last one
//! written. Rows are upserts that ignore duplicates, so a step done twice adds nothing.
//! A finished run removes the file; a checkpoint more than a day old is ignored (started over).

use super::Window;
use crate::settings::BackfillSource;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The file's name in the output directory.
pub const FILE: &str = "backfill-checkpoint.json";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct State {
    repository: String,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
    /// Per source: `done`, or the cursor to go on from.
    sources: BTreeMap<String, SourceState>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
struct SourceState {
    done: bool,
    cursor: Option<String>,
}

/// Where a backfill stands.
#[derive(Debug)]
pub struct Checkpoint {
    path: PathBuf,
    state: State,
    /// Read from an earlier, unfinished run.
    pub resumed: bool,
}

impl Checkpoint {
    /// A checkpoint that starts from nothing (and is never saved by a dry run).
    pub fn fresh(dir: &Path, repository: &str, since: DateTime<Utc>, until: DateTime<Utc>) -> Self {
        Checkpoint {
            path: dir.join(FILE),
            state: State {
                repository: repository.to_owned(),
                since,
                until,
                sources: BTreeMap::new(),
            },
            resumed: false,
        }
    }

    /// The earlier run's checkpoint for the same repository, else a fresh one. An unreadable
    /// file is an error naming it (deleting it starts over).
    pub fn load_or_start(
        dir: &Path,
        repository: &str,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Self, String> {
        let mut fresh = Checkpoint::fresh(dir, repository, since, until);
        let text = match std::fs::read_to_string(&fresh.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(fresh),
            Err(e) => return Err(format!("could not read {}: {e}", fresh.path.display())),
        };
        let state: State = serde_json::from_str(&text).map_err(|e| {
            format!(
                "the backfill checkpoint {} is not readable ({e}); delete it to start over",
                fresh.path.display()
            )
        })?;
        // A checkpoint older than a day (a cache restoring last week's stopped run) would hold
        // the window back: it is started over.
        let recent = state.until >= until - chrono::Duration::days(1);
        if state.repository == repository && recent {
            fresh.state = state;
            fresh.resumed = true;
        }
        Ok(fresh)
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The window (an earlier run's, when resumed).
    pub fn window(&self) -> Window {
        Window {
            repository: self.state.repository.clone(),
            since: self.state.since,
            until: self.state.until,
        }
    }

    /// True when an earlier run finished `source`.
    pub fn is_done(&self, source: BackfillSource) -> bool {
        self.state
            .sources
            .get(source.as_str())
            .is_some_and(|s| s.done)
    }

    /// Where `source` goes on from.
    pub fn cursor(&self, source: BackfillSource) -> Option<String> {
        self.state
            .sources
            .get(source.as_str())
            .and_then(|s| s.cursor.clone())
    }

    /// Records that `source` got to `cursor` (or is done).
    pub fn advance(&mut self, source: BackfillSource, cursor: Option<String>, done: bool) {
        self.state
            .sources
            .insert(source.as_str().to_owned(), SourceState { done, cursor });
    }

    /// Writes the file (whole, then renamed: a crash leaves the old or the new one).
    pub fn save(&self) -> Result<(), String> {
        let fail = |e: std::io::Error| format!("could not save {}: {e}", self.path.display());
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(fail)?;
        }
        let tmp = self.path.with_extension("json.tmp");
        let text = serde_json::to_string_pretty(&self.state).expect("the state serializes");
        std::fs::write(&tmp, text).map_err(fail)?;
        std::fs::rename(&tmp, &self.path).map_err(fail)
    }

    /// Removes the file once the run is finished.
    pub fn remove(&self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_checkpoint_gives_back_its_window_and_where_each_source_stood() {
        let dir = tempfile::tempdir().unwrap();
        let since: DateTime<Utc> = "2026-09-01T00:00:00Z".parse().unwrap();
        let until: DateTime<Utc> = "2026-12-01T00:00:00Z".parse().unwrap();
        let mut c = Checkpoint::load_or_start(dir.path(), "o/r", since, until).unwrap();
        assert!(!c.resumed);
        c.advance(BackfillSource::Prs, Some("Y3Vyc29yOjUw".into()), false);
        c.advance(BackfillSource::Releases, None, true);
        c.save().unwrap();
        let later: DateTime<Utc> = "2026-12-02T00:00:00Z".parse().unwrap();
        let again = Checkpoint::load_or_start(dir.path(), "o/r", since, later).unwrap();
        assert!(again.resumed);
        assert_eq!(again.window().until, until);
        assert_eq!(
            again.cursor(BackfillSource::Prs).as_deref(),
            Some("Y3Vyc29yOjUw")
        );
        assert!(again.is_done(BackfillSource::Releases));
        assert!(!again.is_done(BackfillSource::Prs));
        let other = Checkpoint::load_or_start(dir.path(), "o/other", since, later).unwrap();
        assert!(!other.resumed);
        let next_week: DateTime<Utc> = "2026-12-08T00:00:00Z".parse().unwrap();
        let stale = Checkpoint::load_or_start(dir.path(), "o/r", since, next_week).unwrap();
        assert!(!stale.resumed, "a week-old checkpoint starts over");
        assert_eq!(stale.window().until, next_week);
        again.remove();
        assert!(!dir.path().join(FILE).exists());
    }
}
