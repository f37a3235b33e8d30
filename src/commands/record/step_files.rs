//! What `record` leaves for the workflow: the delivery reported in the log and the summary,
//! `$GITHUB_OUTPUT` and `$GITHUB_STEP_SUMMARY`.

use crate::error::render_sink_problem;
use crate::output::summary::{self, RecordReport, TableLine};
use crate::output::{workflow_commands, Output};
use crate::rows::Table;
use crate::settings::{Settings, Target};
use crate::sinks::Delivery;
pub(super) fn report_delivery(
    delivery: &Delivery,
    target: &Target,
    out: &Output,
    report: &mut RecordReport,
) {
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
pub(super) fn spool_dir_of(quarantine_file: &std::path::Path) -> String {
    let output_dir = quarantine_file.parent().and_then(std::path::Path::parent);
    output_dir.map_or_else(|| "spool".into(), |d| d.join("spool").display().to_string())
}

/// `$GITHUB_OUTPUT` and `$GITHUB_STEP_SUMMARY`. Failing to write them is a warning: the rows
/// are what matters.
pub(super) fn write_step_files(
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
        out.append_step_file(path, &text, "step outputs");
    }
    if let Some(path) = &config.github.step_summary {
        out.append_step_file(
            path,
            &out.redact(&summary::render(report)),
            "the job summary",
        );
    }
}
