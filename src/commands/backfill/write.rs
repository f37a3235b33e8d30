//! Validation and writing of each step's rows: the stricter checks of history
//! (`rows::clean::strict`), then `record`'s own cleaning (`Batch::clean`); valid rows go to the
//! project of their own environment (or, with `--dry-run`, are compared with what it already
//! holds, by natural key).

use super::report::Report;
use super::{Contribution, Rejected};
use crate::commands::open_sink;
use crate::environment::Environment;
use crate::error::{exit, Error};
use crate::output::Output;
use crate::rows::clean::strict;
use crate::rows::{Batch, Table};
use crate::settings::{Settings, SinkTarget};
use crate::sinks::{deliver, natural_key, AnySink, Query, Sink, Spool};
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Writes (or counts) the rows of each step.
pub struct Writer<'a> {
    config: &'a Settings,
    dry_run: bool,
    sinks: HashMap<Environment, AnySink>,
    /// Natural keys already stored, per environment and table (dry run).
    present: HashMap<(Environment, Table), HashSet<String>>,
    present_counts: BTreeMap<Table, usize>,
    exit_code: i32,
}

impl<'a> Writer<'a> {
    /// A writer for the run.
    pub fn new(config: &'a Settings, dry_run: bool) -> Writer<'a> {
        Writer {
            config,
            dry_run,
            sinks: HashMap::new(),
            present: HashMap::new(),
            present_counts: BTreeMap::new(),
            exit_code: exit::SUCCESS,
        }
    }

    /// Rows found already stored (dry run), per table.
    pub fn present_counts(&self) -> BTreeMap<Table, usize> {
        self.present_counts.clone()
    }

    /// True when rows could not be written (spooled or quarantined).
    pub fn failed(&self) -> bool {
        self.exit_code != exit::SUCCESS
    }

    /// The exit code the writes call for.
    pub fn exit_code(&self) -> i32 {
        self.exit_code
    }

    fn sink(&mut self, environment: Environment, out: &Output) -> Result<&AnySink, Error> {
        if !self.sinks.contains_key(&environment) {
            let sink = open_for(self.config, environment, out)?;
            self.sinks.insert(environment, sink);
        }
        Ok(&self.sinks[&environment])
    }

    /// Validates `got`'s rows and writes the valid ones (dry run: counts them).
    pub async fn take(
        &mut self,
        got: Contribution,
        report: &mut Report,
        now: DateTime<Utc>,
        out: &Output,
    ) -> Result<(), Error> {
        report.skipped += got.skipped;
        report.notes.extend(got.notes);
        for r in got.rejected {
            report.reject(r);
        }
        let secrets = self.config.secrets();
        let mut per_env: Vec<(Environment, Batch)> = Vec::new();
        for (table, rows) in got.batch.groups() {
            for row in rows {
                if let Some(reason) = strict::problem(table, row, now) {
                    report.reject(Rejected {
                        table,
                        row: row.clone(),
                        reason,
                    });
                    continue;
                }
                let env = row["environment"]
                    .as_str()
                    .and_then(Environment::parse)
                    .unwrap_or(Environment::Local);
                match per_env.iter_mut().find(|(e, _)| *e == env) {
                    Some((_, batch)) => batch.extend_values(table, [row.clone()]),
                    None => {
                        let mut batch = Batch::new();
                        batch.extend_values(table, [row.clone()]);
                        per_env.push((env, batch));
                    }
                }
            }
        }
        for (env, mut batch) in per_env {
            // The cleaning `record` does: constraints checked, keys redacted.
            for change in batch.clean(&secrets) {
                out.info(&change);
            }
            for q in batch.quarantined() {
                report.reject(Rejected {
                    table: q.table,
                    row: q.row.clone(),
                    reason: q.message.clone(),
                });
            }
            for (table, rows) in batch.groups() {
                report.table(table).to_write += rows.len();
            }
            if self.dry_run {
                self.count_present(env, &batch, &window_repository(&batch), out)
                    .await?;
                continue;
            }
            let spool = Spool::under(&self.config.output_dir);
            let sink = self.sink(env, out)?;
            let delivery = deliver(sink, &batch, &spool).await;
            for t in &delivery.tables {
                let counts = report.table(t.table);
                counts.added += t.inserted;
                counts.present += t.accepted.saturating_sub(t.inserted);
                if let Some(err) = &t.error {
                    out.warning(&format!("{}: {err}", t.table));
                }
            }
            if delivery.spooled() > 0 || delivery.quarantined() > 0 {
                report.spooled += delivery.spooled();
                for (table, reason, n) in delivery.quarantine_reasons() {
                    for _ in 0..n {
                        report.reject(Rejected {
                            table,
                            row: Value::Null,
                            reason: format!("refused by the database: {reason}"),
                        });
                    }
                }
                if self.config.fail_on_spool {
                    self.exit_code = exit::NOT_WRITTEN;
                }
            }
            if let Some(err) = delivery.spool_error {
                return Err(Error::Sink {
                    doing: format!("could not spool the unwritten rows of the {env} environment"),
                    source: Box::new(err),
                });
            }
        }
        Ok(())
    }

    /// Dry run: how many of `batch`'s rows are already stored, by natural key.
    async fn count_present(
        &mut self,
        env: Environment,
        batch: &Batch,
        repository: &str,
        out: &Output,
    ) -> Result<(), Error> {
        for (table, rows) in batch.groups() {
            if !self.present.contains_key(&(env, table)) {
                let sink = self.sink(env, out)?;
                let stored =
                    stored_rows(sink, table, repository)
                        .await
                        .map_err(|e| Error::Sink {
                            doing: format!("could not read the rows already in {table}"),
                            source: Box::new(e),
                        })?;
                let keys = stored
                    .iter()
                    .filter_map(|r| natural_key(table, r))
                    .collect();
                self.present.insert((env, table), keys);
            }
            let keys = &self.present[&(env, table)];
            let n = rows
                .iter()
                .filter(|r| natural_key(table, r).is_some_and(|k| keys.contains(&k)))
                .count();
            *self.present_counts.entry(table).or_default() += n;
        }
        Ok(())
    }
}

/// Every stored row of `table` for `repository`. Through PostgREST a page at a time by id
/// (`id=gt.<last>`), until a page comes back empty: a project's `max-rows` (1 000 on Supabase)
/// cuts a single read short.
async fn stored_rows(
    sink: &AnySink,
    table: Table,
    repository: &str,
) -> Result<Vec<Value>, crate::sinks::SinkError> {
    const PAGE: usize = 1000;
    let AnySink::Postgrest(rest) = sink else {
        let query = Query {
            table,
            equals: vec![("repository".into(), repository.to_owned())],
            newest_first_by: None,
            limit: usize::MAX,
        };
        return sink.query(&query).await;
    };
    rest.select_all_by_id(
        table,
        "*",
        &[("repository", format!("eq.{repository}"))],
        PAGE,
    )
    .await
}

fn window_repository(batch: &Batch) -> String {
    batch
        .groups()
        .find_map(|(_, rows)| rows.first()?.get("repository")?.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The sink of an environment's rows: its Supabase project, else (when no project is configured
/// at all) the local files; an error when another environment has a project and this one not.
pub fn open_for(
    config: &Settings,
    environment: Environment,
    out: &Output,
) -> Result<AnySink, Error> {
    let target = match config.remote_for(environment)? {
        Some(target) => target,
        None => {
            if config.require_remote || config.remotes.has_any() {
                return Err(Error::Config(
                    crate::settings::SettingsError::MissingSecrets {
                        environment,
                        what: "URL and service role key".into(),
                        why: ", and backfill has rows of that environment".into(),
                    },
                ));
            }
            let dir = config.output_dir.clone();
            out.info(&format!(
                "{environment} rows go to {}/ (no Supabase project configured)",
                dir.display()
            ));
            SinkTarget::Jsonl { dir }
        }
    };
    open_sink(&target, environment, config)
}
