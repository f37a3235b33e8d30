//! `devmetrics prune`: keeps the database at the history the team keeps (2 years by default)
//! without losing any. For one repository, the event rows whose event time is before the
//! cut-off (00:00 UTC of the day `older-than` days ago) are
//!
//! 1. read through PostgREST with the service key, table by table and month by month (the
//!    oldest row's month first, each month paged by id, so the read is stable),
//! 2. written to the archive ([`crate::sinks::archive`]: gzip JSONL per table and month),
//! 3. read back from disk and checked (sha256, row count, every row equal to the one read),
//!    then a manifest is written,
//! 4. and only then deleted, file by file, by `metrics.prune_archived_rows` (service_role
//!    only), given the rows read back from the archive: it deletes exactly those rows, each only
//!    while it still equals its archived copy, or refuses and deletes none of them.
//!
//! Any failure before step 4 (unwritable directory, disk full, a file that reads back wrong)
//! deletes nothing. `development_metrics` is kept unless `include-metrics`; `dry-run` stops
//! after step 1 and says per table and month what would go.

use super::open_sink;
use crate::error::{exit, Error};
use crate::output::summary::escape;
use crate::output::Output;
use crate::rows::Table;
use crate::settings::{Settings, SinkTarget};
use crate::sinks::archive::{Archive, ArchiveError, ArchivedFile, Manifest, Month, FORMAT};
use crate::sinks::{AnySink, PostgrestError, PostgrestSink, SinkError};
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde_json::{json, Value};
use std::path::Path;

/// The function that deletes archived rows (in `migrations/`).
pub const PRUNE_FUNCTION: &str = "prune_archived_rows";

/// Rows per read request.
const PAGE_ROWS: usize = 1000;

/// The event time of a table's rows: the column its (repository, time) index is on. A row is
/// old when this is before the cut-off; its month names its archive file.
pub fn time_column(table: Table) -> &'static str {
    match table {
        Table::PrEvents | Table::DeploymentEvents | Table::RuleComplianceEvents => {
            "event_timestamp"
        }
        Table::TestRuns | Table::TestCaseResults => "run_timestamp",
        Table::PushEvents => "pushed_at",
        Table::DevelopmentMetrics => "metric_date",
    }
}

/// Runs `prune`; returns the exit code.
pub async fn prune(config: &Settings, out: &Output) -> Result<i32, Error> {
    prune_with(config, out, |_| {}).await
}

/// `prune`, with `after_write` called with each archive file's path once it is written and
/// before it is read back. `prune` passes nothing; the tests pass a hook that truncates or
/// alters the file there, to show that an archive that reads back wrong deletes nothing (a
/// failing disk, or another process writing there, without waiting for one).
pub async fn prune_with(
    config: &Settings,
    out: &Output,
    after_write: impl Fn(&Path),
) -> Result<i32, Error> {
    let settings = &config.prune;
    let target = config.target()?;
    out.info(&format!(
        "environment: {} ({})",
        target.environment, target.why
    ));
    if let SinkTarget::Jsonl { .. } = &target.sink {
        return Err(Error::NeedsSupabase {
            command: "prune",
            why: format!(
                "it archives and deletes rows of the database, and the {} environment has no Supabase URL and service role key \
                 (local JSONL files are not pruned)",
                target.environment
            ),
        });
    }
    let repository = config.repository(settings.args.repository.as_ref(), "to prune")?;
    let cut_off = settings.cut_off(Utc::now().date_naive());
    let archive =
        Archive::for_repository(&settings.archive_dir, &repository).map_err(|source| {
            Error::Archive {
                doing: "could not name the archive directory".into(),
                source,
            }
        })?;
    let tables: Vec<Table> = Table::ALL
        .into_iter()
        .filter(|t| settings.include_metrics || *t != Table::DevelopmentMetrics)
        .collect();
    let AnySink::Postgrest(sink) = open_sink(&target.sink, target.environment, config)? else {
        unreachable!("a Supabase target opens the PostgREST sink");
    };
    let cut_text = cut_off.to_rfc3339_opts(SecondsFormat::Secs, true);
    let what = if settings.dry_run {
        "dry run: counting the rows".to_owned()
    } else {
        format!(
            "archiving to {}, then deleting, the rows",
            archive.dir().display()
        )
    };
    out.info(&format!(
        "{what} of {repository} whose event time is before {cut_text} (older than {} days){}",
        settings.older_than_days,
        if settings.include_metrics {
            ", development_metrics included"
        } else {
            "; development_metrics is kept (include-metrics: false)"
        }
    ));

    // One table's month at a time: read it, write its file (or count it), forget its rows.
    let archive_error =
        |doing: String| move |source: ArchiveError| Error::Archive { doing, source };
    let columns = if settings.dry_run { "id" } else { "*" };
    let mut report = Report {
        repository: &repository,
        cut_text: &cut_text,
        days: settings.older_than_days,
        dry_run: settings.dry_run,
        lines: Vec::new(),
        archive: None,
    };
    let mut files: Vec<ArchivedFile> = Vec::new();
    for &table in &tables {
        let mut from = None;
        loop {
            let next = next_month(&sink, table, &repository, cut_off, from, columns)
                .await
                .map_err(|source| Error::Sink {
                    doing: format!(
                        "could not read the rows of {table} older than {cut_text}; nothing was deleted"
                    ),
                    source: Box::new(source),
                })?;
            let Some((month, rows)) = next else {
                break;
            };
            report.lines.push((table, month, rows.len(), 0));
            if settings.dry_run {
                out.info(&format!(
                    "dry run: {} row(s) of {table} for {month} would be archived and deleted",
                    rows.len()
                ));
            } else {
                let file = archive
                    .write(table, month, &rows)
                    .map_err(archive_error(format!(
                        "could not write the archive of {table} for {month} ({} row(s)); nothing was deleted",
                        rows.len()
                    )))?;
                after_write(&archive.dir().join(&file.path));
                files.push(file);
            }
            from = Some(month.next().start());
        }
    }
    if settings.dry_run || report.lines.is_empty() {
        out.info(&format!(
            "{}: {} row(s) older than {cut_text}{}",
            if settings.dry_run {
                "dry run"
            } else {
                "nothing to prune"
            },
            report.lines.iter().map(|l| l.2).sum::<usize>(),
            if settings.dry_run {
                "; nothing was written or deleted"
            } else {
                ""
            }
        ));
        report.write(config, out);
        return Ok(exit::SUCCESS);
    }

    // Every file read back and checked, and the manifest written: only then delete.
    for file in &files {
        archive.verify(file).map_err(archive_error(format!(
            "the archive of metrics.{} for {} does not read back as written; nothing was deleted",
            file.table, file.month
        )))?;
    }
    let manifest = Manifest {
        format: FORMAT.into(),
        repository: repository.clone(),
        cut_off: cut_text.clone(),
        created_at: Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
        tables: tables.iter().map(|t| t.name().to_owned()).collect(),
        files: files.clone(),
    };
    let manifest_path = archive.write_manifest(&manifest).map_err(archive_error(
        "could not write the archive's manifest; nothing was deleted".into(),
    ))?;
    out.info(&format!(
        "archived and read back {} file(s) ({} rows); manifest: {}",
        files.len(),
        files.iter().map(|f| f.rows).sum::<usize>(),
        manifest_path.display()
    ));
    report.archive = Some(manifest_path.display().to_string());

    let mut deleted_total = 0;
    for (i, file) in files.iter().enumerate() {
        let table = Table::from_name(&file.table).expect("an archive file names a table");
        // The rows to delete are those read back from the file (checked again: it could have
        // changed since it was checked above).
        let archived = archive.verify(file).map_err(archive_error(format!(
            "the archive of {table} for {} does not read back as written; its rows were not deleted{}",
            file.month,
            match deleted_total {
                0 => String::new(),
                n => format!(" ({n} row(s) archived before them were)"),
            }
        )))?;
        let mut deleted = 0;
        for chunk in delete_chunks(&archived) {
            match delete(&sink, table, &repository, cut_off, chunk).await {
                Ok(n) => deleted += n,
                Err(source) => {
                    report.lines[i].3 = deleted;
                    report.write(config, out);
                    // The function deletes all the rows of a request or none; without an
                    // answer, or after a retry (the first attempt may have deleted them),
                    // which one is not known.
                    let retried =
                        matches!(&source, SinkError::Api { attempts, .. } if *attempts > 1);
                    let which = if source.is_unreachable() || retried {
                        "whether they were deleted is not known (no answer: run prune again to see)"
                    } else {
                        "none of them was deleted"
                    };
                    return Err(Error::Sink {
                        doing: format!(
                            "could not delete the {} archived row(s) of {table} for {}: {which} (the archive {} holds every row){}",
                            chunk.len(),
                            file.month,
                            manifest_path.display(),
                            match deleted_total + deleted {
                                0 => String::new(),
                                n => format!("; {n} row(s) archived before them were deleted"),
                            }
                        ),
                        source: Box::new(source),
                    });
                }
            }
        }
        deleted_total += deleted;
        report.lines[i].3 = deleted;
        out.info(&format!(
            "deleted {deleted} row(s) of {table} for {}, archived in {} (sha256 {})",
            file.month,
            archive.dir().join(&file.path).display(),
            file.sha256
        ));
    }
    report.write(config, out);
    Ok(exit::SUCCESS)
}

/// The next month of `table` for `repository` holding rows older than `cut_off` (from `from`
/// on): the month of the oldest such row, and its rows (`columns`) before the cut-off.
async fn next_month(
    sink: &PostgrestSink,
    table: Table,
    repository: &str,
    cut_off: DateTime<Utc>,
    mut from: Option<DateTime<Utc>>,
    columns: &str,
) -> Result<Option<(Month, Vec<Value>)>, SinkError> {
    let column = time_column(table);
    loop {
        if from.is_some_and(|from| from >= cut_off) {
            return Ok(None);
        }
        let mut filters = vec![
            ("repository", format!("eq.{repository}")),
            (column, format!("lt.{}", bound(table, cut_off))),
        ];
        if let Some(from) = from {
            filters.push((column, format!("gte.{}", bound(table, from))));
        }
        let oldest = sink
            .select(
                table.name(),
                &format!("id,{column}"),
                &filters,
                &format!("{column}.asc,id.asc"),
                0,
                1,
            )
            .await?;
        let Some(row) = oldest.first() else {
            return Ok(None);
        };
        let month = Month::of(event_time(table, row)?);
        let end = month.next().start().min(cut_off);
        let rows = read_range(sink, table, repository, columns, month.start(), end).await?;
        if !rows.is_empty() {
            return Ok(Some((month, rows)));
        }
        // The oldest row went meanwhile, and with it the month's last row: on to the next.
        from = Some(end);
    }
}

/// Every row of `table` for `repository` with its event time in [start, end), by id, a page
/// at a time (`id=gt.<last id>`) until a page comes back empty.
async fn read_range(
    sink: &PostgrestSink,
    table: Table,
    repository: &str,
    columns: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Vec<Value>, SinkError> {
    let column = time_column(table);
    let filters = [
        ("repository", format!("eq.{repository}")),
        (column, format!("gte.{}", bound(table, start))),
        (column, format!("lt.{}", bound(table, end))),
    ];
    sink.select_all_by_id(table, columns, &filters, PAGE_ROWS)
        .await
}

/// A time as a filter value of the table's time column: a day for `metric_date`.
fn bound(table: Table, time: DateTime<Utc>) -> String {
    match table {
        Table::DevelopmentMetrics => time.date_naive().to_string(),
        _ => time.to_rfc3339_opts(SecondsFormat::Secs, true),
    }
}

/// A row's event time, as the API sent it.
fn event_time(table: Table, row: &Value) -> Result<DateTime<Utc>, SinkError> {
    let text = row[time_column(table)].as_str().unwrap_or_default();
    let time = match table {
        Table::DevelopmentMetrics => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc()),
        _ => DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| t.with_timezone(&Utc)),
    };
    time.ok_or_else(|| SinkError::Api {
        status: 200,
        error: PostgrestError::default(),
        body: Some(format!(
            "{table}.{} '{text}' is not a time devmetrics can read",
            time_column(table)
        )),
        attempts: 1,
    })
}

/// Rows per delete request at most, and about the most JSON per request: each request is one
/// transaction of the function, well under the gateway's body limit.
const DELETE_ROWS: usize = 2000;
const DELETE_BYTES: usize = 4 * 1024 * 1024;

/// The archived rows of one file in the slices each delete request sends.
fn delete_chunks(rows: &[Value]) -> Vec<&[Value]> {
    let mut chunks = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, row) in rows.iter().enumerate() {
        let size = row.to_string().len() + 1;
        if i > start && (i - start >= DELETE_ROWS || bytes + size > DELETE_BYTES) {
            chunks.push(&rows[start..i]);
            (start, bytes) = (i, 0);
        }
        bytes += size;
    }
    if start < rows.len() {
        chunks.push(&rows[start..]);
    }
    chunks
}

/// Deletes archived rows of `table` (as read back from the archive, ids included) through
/// [`PRUNE_FUNCTION`]: each only while it still equals its archived copy. Returns how many went
/// (always all of them: the function refuses otherwise, deleting none).
async fn delete(
    sink: &PostgrestSink,
    table: Table,
    repository: &str,
    cut_off: DateTime<Utc>,
    rows: &[Value],
) -> Result<usize, SinkError> {
    let args = json!({
        "p_table": table.name(),
        "p_repository": repository,
        "p_before": cut_off.to_rfc3339_opts(SecondsFormat::Secs, true),
        "p_rows": rows,
        "p_expected_count": rows.len(),
    });
    let answer = sink.rpc(PRUNE_FUNCTION, &args).await?;
    match answer.as_u64() {
        Some(n) if n as usize == rows.len() => Ok(rows.len()),
        _ => Err(SinkError::Api {
            status: 200,
            error: PostgrestError::default(),
            body: Some(format!(
                "metrics.{PRUNE_FUNCTION} answered {answer} for {} archived rows",
                rows.len()
            )),
            attempts: 1,
        }),
    }
}

/// What the run did, for the job summary.
struct Report<'a> {
    repository: &'a str,
    cut_text: &'a str,
    days: u32,
    dry_run: bool,
    /// Table, month, rows older than the cut-off, rows deleted.
    lines: Vec<(Table, Month, usize, usize)>,
    /// The manifest, once written.
    archive: Option<String>,
}

impl Report<'_> {
    /// The job summary section.
    fn markdown(&self) -> String {
        let mut text = format!(
            "## devmetrics prune\n\nRows of **{}** whose event time is before **{}** (older than {} days).\n\n",
            escape(self.repository),
            self.cut_text,
            self.days
        );
        if self.lines.is_empty() {
            text += "Nothing to prune: no row is older than the cut-off.\n";
            return text;
        }
        if self.dry_run {
            text += "Dry run: nothing was written or deleted.\n\n| table | month | rows to archive and delete |\n| --- | --- | ---: |\n";
            for (table, month, rows, _) in &self.lines {
                text += &format!("| `{}` | {month} | {rows} |\n", table.name());
            }
            return text;
        }
        text += "| table | month | archived and checked | deleted |\n| --- | --- | ---: | ---: |\n";
        for (table, month, rows, deleted) in &self.lines {
            text += &format!("| `{}` | {month} | {rows} | {deleted} |\n", table.name());
        }
        if let Some(manifest) = &self.archive {
            text += &format!("\nManifest: `{}`.\n", escape(manifest));
        }
        text
    }

    /// Appends the section to the job summary, when there is one.
    fn write(&self, config: &Settings, out: &Output) {
        if let Some(path) = &config.github.step_summary {
            out.append_step_file(path, &out.redact(&self.markdown()), "the job summary");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deletes_go_in_requests_of_at_most_2000_rows_and_about_4_mib() {
        let small: Vec<Value> = (0..4500).map(|i| json!({"id": i})).collect();
        let sizes: Vec<usize> = delete_chunks(&small).iter().map(|c| c.len()).collect();
        assert_eq!(sizes, vec![2000, 2000, 500]);
        let big: Vec<Value> = (0..5)
            .map(|i| json!({"id": i, "text": "x".repeat(1_500_000)}))
            .collect();
        let sizes: Vec<usize> = delete_chunks(&big).iter().map(|c| c.len()).collect();
        assert_eq!(sizes, vec![2, 2, 1]);
        // A row larger than the limit still goes, alone.
        let huge = vec![json!({"id": 1, "text": "x".repeat(5_000_000)})];
        assert_eq!(delete_chunks(&huge).len(), 1);
        assert!(delete_chunks(&[]).is_empty());
    }

    #[test]
    fn a_date_column_is_bounded_by_days_and_a_timestamp_by_instants() {
        let t: DateTime<Utc> = "2024-12-02T00:00:00Z".parse().unwrap();
        assert_eq!(bound(Table::DevelopmentMetrics, t), "2024-12-02");
        assert_eq!(bound(Table::TestRuns, t), "2024-12-02T00:00:00Z");
        let row = json!({"metric_date": "2020-02-29"});
        assert_eq!(
            event_time(Table::DevelopmentMetrics, &row).unwrap(),
            "2020-02-29T00:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        let row = json!({"pushed_at": "2020-02-29T23:30:00-01:00"});
        assert_eq!(
            Month::of(event_time(Table::PushEvents, &row).unwrap()).to_string(),
            "2020-03"
        );
        assert!(event_time(Table::PrEvents, &json!({"event_timestamp": null})).is_err());
    }
}
