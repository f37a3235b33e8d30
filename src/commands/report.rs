//! `devmetrics report`: reads the stored figures (`metrics.development_metrics`, its audit views
//! and `metrics.test_case_results`) through PostgREST with the target's key, builds the report
//! model, and writes it as HTML, Markdown or JSON to `--out`. In GitHub Actions the Markdown
//! rendering also goes to the job summary, whatever the format.
//!
//! The figures are the database's: `report` computes none (run `aggregate` first), and with the
//! local JSONL default it says what it needs instead of guessing.

use super::aggregate::thresholds;
use super::open_sink;
use crate::environment::Environment;
use crate::error::{exit, Error};
use crate::output::alerts;
use crate::output::report::{self, html, json, markdown, Context};
use crate::output::summary::GITHUB_SUMMARY_LIMIT;
use crate::output::Output;
use crate::rows::development_metrics::{DevelopmentMetric, Grain};
use crate::settings::{Period, ReportFormat, Settings, SinkTarget};
use crate::sinks::{AnySink, PostgrestSink, SinkError};
use crate::sources::figures::{self, Figure, Figures, Read};
use chrono::Utc;
use serde::de::DeserializeOwned;

/// Rows asked for per request (hosted Supabase answers at most 1000 by default).
const PAGE_ROWS: usize = 1000;

/// Runs `report`; returns the exit code.
pub async fn report(config: &Settings, out: &Output) -> Result<i32, Error> {
    let settings = &config.report;
    let target = config.target()?;
    out.info(&format!(
        "environment: {} ({})",
        target.environment, target.why
    ));
    if let SinkTarget::Jsonl { .. } = &target.sink {
        return Err(Error::NeedsSupabase {
            command: "report",
            why: format!(
                "the report reads the figures the database computed (metrics.development_metrics and its views), \
                 and the {} environment has no Supabase URL and service role key, so rows are only in local JSONL files",
                target.environment
            ),
        });
    }
    let repository = config.repository(settings.args.repository.as_ref(), "to report on")?;
    let period = settings.period(Utc::now().date_naive());
    let AnySink::Postgrest(sink) = open_sink(&target.sink, target.environment, config)? else {
        unreachable!("a Supabase target opens the PostgREST sink");
    };
    let figures = read_figures(&sink, &repository, period).await?;
    for what in &figures.truncated {
        out.warning(&format!(
            "{what}: more rows than the report reads; its list in the report may be incomplete"
        ));
    }

    // The alerts, as `aggregate` checks them: the last day and its ISO week.
    let checked = thresholds(&config.aggregate.alerts);
    let fresh: Vec<DevelopmentMetric> = figures
        .last_day
        .iter()
        .chain(
            figures
                .weeks
                .iter()
                .filter(|f| f.metric_date == Period::monday_of(period.to)),
        )
        .filter_map(|f| as_metric(&repository, f))
        .collect();
    let found = alerts::check(&fresh, &checked);
    let context = Context {
        repository: repository.clone(),
        from: period.from,
        to: period.to,
        pass_line: config.aggregate.alerts.min_pass_rate.unwrap_or(80.0),
        alerts: found.iter().map(|a| a.sentence()).collect(),
        thresholds: checked.iter().map(|t| t.setting.to_owned()).collect(),
    };
    let model = report::build(context, &figures);
    let rendered = |format| match format {
        ReportFormat::Html => html::render(&model),
        ReportFormat::Markdown => markdown::render(&model, GITHUB_SUMMARY_LIMIT),
        ReportFormat::Json => Ok(json::render(&model)),
    };
    let text = rendered(settings.format).map_err(|e| Error::Input(e.to_string()))?;
    write(&settings.out, &text)?;
    out.info(&format!(
        "wrote the {} report of {repository} ({} to {}, {} ISO weeks, {} weekly figures) to {}",
        settings.format.extension(),
        period.from,
        period.to,
        model.weeks.len(),
        figures.weeks.len(),
        settings.out.display()
    ));
    if model.no_figures {
        out.warning(&format!(
            "metrics.development_metrics has no figure for {repository} from {} to {}: run `devmetrics aggregate` first",
            period.from, period.to
        ));
    }
    if let Some(path) = &config.github.step_summary {
        let md = match settings.format {
            ReportFormat::Markdown => text,
            _ => rendered(ReportFormat::Markdown).map_err(|e| Error::Input(e.to_string()))?,
        };
        out.append_step_file(path, &out.redact(&md), "the job summary");
    }
    Ok(exit::SUCCESS)
}

/// Writes the report, creating its directory; an error names the file.
fn write(path: &std::path::Path, text: &str) -> Result<(), Error> {
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(dir) = parent {
        std::fs::create_dir_all(dir).map_err(|e| {
            Error::Input(format!(
                "could not create the directory {} for the report: {e}",
                dir.display()
            ))
        })?;
    }
    std::fs::write(path, text).map_err(|e| {
        Error::Input(format!(
            "could not write the report to {}: {e}",
            path.display()
        ))
    })
}

/// Reads every figure of the report.
async fn read_figures(
    sink: &PostgrestSink,
    repository: &str,
    period: Period,
) -> Result<Figures, Error> {
    let reads = figures::reads(
        repository,
        Period::monday_of(period.from),
        period.from,
        period.to,
    );
    let mut truncated = Vec::new();
    Ok(Figures {
        weeks: read(sink, &reads.weeks, &mut truncated).await?,
        last_day: read(sink, &reads.last_day, &mut truncated).await?,
        failed_deployments: read(sink, &reads.failed_deployments, &mut truncated).await?,
        undeployed: read(sink, &reads.undeployed, &mut truncated).await?,
        test_cases: read(sink, &reads.test_cases, &mut truncated).await?,
        truncated,
    })
}

/// Reads `read` page by page, up to its `max_rows`; notes in `truncated` when it stopped there.
async fn read<T: DeserializeOwned>(
    sink: &PostgrestSink,
    read: &Read,
    truncated: &mut Vec<&'static str>,
) -> Result<Vec<T>, Error> {
    let mut rows = Vec::new();
    loop {
        let want = PAGE_ROWS.min(read.max_rows - rows.len());
        let page = sink
            .select(
                read.relation,
                read.columns,
                &read.filters,
                read.order,
                rows.len(),
                want,
            )
            .await
            .map_err(|source: SinkError| Error::Sink {
                doing: format!("could not read {}", read.what),
                source: Box::new(source),
            })?;
        let got = page.len();
        rows.extend(page);
        if rows.len() >= read.max_rows {
            truncated.push(read.what);
            break;
        }
        // A server's max-rows may answer fewer than asked: only an empty page ends the read.
        if got == 0 {
            break;
        }
    }
    figures::parse(read, rows).map_err(|e| Error::Input(e.to_string()))
}

/// A stored figure as the alerts read it.
fn as_metric(repository: &str, f: &Figure) -> Option<DevelopmentMetric> {
    Some(DevelopmentMetric {
        repository: repository.to_owned(),
        environment: Environment::parse(&f.environment)?,
        metric_date: f.metric_date,
        grain: if f.grain == "day" {
            Grain::Day
        } else {
            Grain::Week
        },
        metric_name: f.metric_name.clone(),
        value: f.value,
        n: f.n,
        p50: f.p50,
        p90: f.p90,
        unit: f.unit.clone(),
        computed_at: Utc::now(),
        recorded_at: Utc::now(),
        metadata: f.metadata.clone(),
    })
}
