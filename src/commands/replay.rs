//! `devmetrics replay`: sends the rows earlier runs spooled because the database could not be
//! reached. Each spool file is sent table by table; what is written leaves the file, what still
//! fails stays in it, so replay can be run again and again. Natural keys make a row that was in
//! fact stored before (a timeout after the commit) harmless.

use super::{open_sink, output::Output};
use crate::config::Config;
use crate::error::{exit, Error};
use crate::github;
use crate::rows::Batch;
use crate::sinks::{quarantine, Quarantine, Sink, SinkError, Spool};
use std::fs::OpenOptions;
use std::io::Write;

/// Runs `replay`; returns the exit code.
pub async fn replay(config: &Config, out: &Output) -> Result<i32, Error> {
    let target = config.target()?;
    if let Some(warning) = &target.fallback_warning {
        out.warning(warning);
    }
    let sink = open_sink(&target, config)?;
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
        write_outputs(config, 0, 0)?;
        return Ok(exit::SUCCESS);
    }
    out.info(&format!(
        "replaying {} spool file(s) from {} to {} ({} environment)",
        files.len(),
        spool.dir().display(),
        sink.describe(),
        target.environment
    ));

    let (mut sent, mut left_total) = (0usize, 0usize);
    let mut unreachable = false;
    for path in files {
        let mut batch = Spool::read(&path).map_err(|source| Error::Sink {
            doing: format!("could not read the spool file {}", path.display()),
            source: Box::new(source),
        })?;
        batch
            .clean(&config.secrets())
            .into_iter()
            .for_each(|change| out.info(&change));
        let mut left = Batch::new();
        let mut writes = Vec::new();
        for (table, rows) in batch.groups() {
            if unreachable {
                left.extend_values(table, rows.iter().cloned());
                continue;
            }
            let mut write = sink.write(table, rows).await;
            sent += write.accepted;
            if let Some(source) = write.error.take() {
                unreachable |= source.is_unreachable();
                out.warning_block(&Error::Sink {
                    doing: format!(
                        "could not replay {} rows to {table} from {}",
                        write.unsent.len(),
                        path.display()
                    ),
                    source: Box::new(source),
                });
            }
            left.extend_values(table, std::mem::take(&mut write.unsent));
            writes.push(write);
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
    write_outputs(config, sent, left_total)?;
    if left_total == 0 {
        out.info(&format!("replayed {sent} rows; the spool is empty"));
        Ok(exit::SUCCESS)
    } else {
        out.info(&format!(
            "replayed {sent} rows; {left_total} rows are still in {} (run replay again once the cause is fixed)",
            spool.dir().display()
        ));
        Err(Error::Spooled(left_total))
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

fn write_outputs(config: &Config, sent: usize, left: usize) -> Result<(), Error> {
    let Some(path) = &config.github.output else {
        return Ok(());
    };
    let text = github::output_entry("replayed", &sent.to_string())
        + &github::output_entry("spooled", &left.to_string());
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| {
            Error::Input(format!(
                "could not write step outputs to {}: {e}",
                path.display()
            ))
        })
}
