//! `devmetrics replay`: sends the rows earlier runs spooled because the database could not be
//! reached. Each row goes to the Supabase project of its own `environment` (a spool can hold rows
//! of several), never to local files. Each spool file is sent table by table; what is written
//! leaves the file, what still fails, or has no project to go to, stays in it, so replay can be
//! run again and again. Natural keys make a row that was in fact stored before (a timeout after
//! the commit) harmless. One unreadable spool file is reported and skipped; the others still go.

use super::open_sink;
use crate::environment::Environment;
use crate::error::{exit, Error};
use crate::output::workflow_commands;
use crate::output::Output;
use crate::rows::Batch;
use crate::settings::Settings;
use crate::sinks::{quarantine, AnySink, Quarantine, Sink, SinkError, Spool};
use serde_json::Value;
use std::collections::HashMap;

/// Runs `replay`; returns the exit code.
pub async fn replay(config: &Settings, out: &Output) -> Result<i32, Error> {
    let spool = Spool::under(&config.output_dir);
    let files = spool.files().map_err(|source| Error::Sink {
        doing: format!("could not list the spool in {}", spool.dir().display()),
        source: Box::new(source),
    })?;
    if files.is_empty() {
        out.info(&format!(
            "nothing to replay: no spool files in {}",
            spool.dir().display()
        ));
        write_outputs(config, 0, 0, out);
        return Ok(exit::SUCCESS);
    }
    out.info(&format!(
        "replaying {} spool file(s) from {}; each row goes to its own environment's Supabase project",
        files.len(),
        spool.dir().display(),
    ));

    let mut projects = Projects::new(config);
    let (mut sent, mut left_total, mut unreadable) = (0usize, 0usize, 0usize);
    for path in files {
        let mut batch = match Spool::read(&path) {
            Ok(batch) => batch,
            Err(source) => {
                unreadable += 1;
                out.warning_block(&Error::Sink {
                    doing: format!(
                        "could not read the spool file {}; it is left as it is and the other files are replayed",
                        path.display()
                    ),
                    source: Box::new(source),
                });
                continue;
            }
        };
        batch
            .clean(&config.secrets())
            .into_iter()
            .for_each(|change| out.info(&change));
        let mut left = Batch::new();
        let mut writes = Vec::new();
        for (table, rows) in batch.groups() {
            for (environment, rows) in by_environment(rows) {
                let Some(environment) = environment else {
                    out.warning(&format!(
                        "{} row(s) of {table} in {} name no environment devmetrics knows; they stay in the spool",
                        rows.len(),
                        path.display()
                    ));
                    left.extend_values(table, rows);
                    continue;
                };
                let Some(sink) = projects.sink(environment, out)? else {
                    left.extend_values(table, rows);
                    continue;
                };
                let mut write = sink.write(table, &rows).await;
                sent += write.accepted;
                if let Some(source) = write.error.take() {
                    if source.is_unreachable() {
                        projects.mark_unreachable(environment);
                    }
                    out.warning_block(&Error::Sink {
                        doing: format!(
                            "could not replay {} rows to {table} ({environment}) from {}",
                            write.unsent.len(),
                            path.display()
                        ),
                        source: Box::new(source),
                    });
                }
                left.extend_values(table, std::mem::take(&mut write.unsent));
                writes.push(write);
            }
        }
        let (file, err) = quarantine(
            &mut writes,
            batch.quarantined(),
            &Quarantine::beside(&spool),
        );
        report_quarantine(file, err, &writes, &spool, out);
        writes
            .into_iter()
            .for_each(|w| left.extend_values(w.table, w.unsent));
        left_total += left.len();
        Spool::settle(&path, &left).map_err(|source: SinkError| Error::Sink {
            doing: format!("could not update the spool file {}", path.display()),
            source: Box::new(source),
        })?;
    }
    write_outputs(config, sent, left_total, out);
    if left_total == 0 && unreadable == 0 {
        out.info(&format!("replayed {sent} rows; the spool is empty"));
        Ok(exit::SUCCESS)
    } else {
        out.info(&format!(
            "replayed {sent} rows; {left_total} rows are still in {}{} (run replay again once the cause is fixed)",
            spool.dir().display(),
            if unreadable > 0 {
                format!(", and {unreadable} spool file(s) could not be read")
            } else {
                String::new()
            }
        ));
        Err(Error::Spooled(left_total))
    }
}

/// A table's rows grouped by the environment each names, in first-seen order.
fn by_environment(rows: &[Value]) -> Vec<(Option<Environment>, Vec<Value>)> {
    let mut groups: Vec<(Option<Environment>, Vec<Value>)> = Vec::new();
    for row in rows {
        let environment = row
            .get("environment")
            .and_then(Value::as_str)
            .and_then(Environment::parse);
        match groups.iter_mut().find(|(e, _)| *e == environment) {
            Some((_, group)) => group.push(row.clone()),
            None => groups.push((environment, vec![row.clone()])),
        }
    }
    groups
}

/// The Supabase project of each environment, opened once; `None` when its URL or key is missing
/// (said once) or once it proved unreachable in this run.
struct Projects<'a> {
    config: &'a Settings,
    opened: HashMap<Environment, Option<AnySink>>,
}

impl<'a> Projects<'a> {
    fn new(config: &'a Settings) -> Projects<'a> {
        Projects {
            config,
            opened: HashMap::new(),
        }
    }

    fn sink(&mut self, environment: Environment, out: &Output) -> Result<Option<&AnySink>, Error> {
        if !self.opened.contains_key(&environment) {
            let sink = match self.config.remote_for(environment)? {
                // remote_for names a Supabase project or none, never local files.
                Some(target) => {
                    let sink = open_sink(&target, environment, self.config)?;
                    out.info(&format!("{environment} rows go to {}", sink.describe()));
                    Some(sink)
                }
                None => {
                    out.warning(&format!(
                        "the {environment} rows stay in the spool: no Supabase project for the {environment} environment (set {})",
                        self.config.remotes.missing_for(environment)
                    ));
                    None
                }
            };
            self.opened.insert(environment, sink);
        }
        Ok(self.opened.get(&environment).and_then(Option::as_ref))
    }

    /// Later tables of an unreachable project are kept without being tried.
    fn mark_unreachable(&mut self, environment: Environment) {
        self.opened.insert(environment, None);
    }
}

/// Says how many rows of a replayed file were quarantined, why, and how to send them once fixed.
fn report_quarantine(
    file: Option<std::path::PathBuf>,
    err: Option<SinkError>,
    writes: &[crate::sinks::TableWrite],
    spool: &Spool,
    out: &Output,
) {
    if let Some(err) = err {
        out.warning(&format!(
            "could not write the quarantine file ({err}); the refused rows stay in the spool"
        ));
    }
    let Some(file) = file else { return };
    let mut text = format!("rows refused and quarantined in {}:", file.display());
    for q in writes.iter().flat_map(|w| &w.quarantined) {
        text += &format!("\n  {}: {q}", q.table);
    }
    text += &format!(
        "\n  help: fix each row in the file (its reason is on its line), move the file to {}, then run `devmetrics replay`\n",
        spool.dir().display()
    );
    out.warning_text(&text);
}

/// `replayed` and `spooled` for the workflow; failing to write them is a warning, as for
/// every command: the rows are what matters.
fn write_outputs(config: &Settings, sent: usize, left: usize, out: &Output) {
    if let Some(path) = &config.github.output {
        let text = workflow_commands::output_entry("replayed", &sent.to_string())
            + &workflow_commands::output_entry("spooled", &left.to_string());
        out.append_step_file(path, &text, "step outputs");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rows_are_grouped_by_the_environment_they_name() {
        let rows = [
            json!({"environment": "production", "n": 1}),
            json!({"environment": "staging", "n": 2}),
            json!({"environment": "production", "n": 3}),
            json!({"environment": "moon", "n": 4}),
        ];
        let groups = by_environment(&rows);
        let shape: Vec<(Option<Environment>, usize)> =
            groups.iter().map(|(e, r)| (*e, r.len())).collect();
        assert_eq!(
            shape,
            vec![
                (Some(Environment::Production), 2),
                (Some(Environment::Staging), 1),
                (None, 1)
            ]
        );
    }
}
