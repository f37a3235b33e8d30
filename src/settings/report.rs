//! Everything `report` needs beyond the target: the format (`report-format`, `--format`), the
//! file it writes (`report-out`, `--out`), the period (`--days`, else the `days` setting shared
//! with `aggregate`, ending on `--to`) and the repository.

use super::aggregate::days_setting;
use super::aggregate::Period;
use super::sources::{default_of, Origins, RawSettings};
use super::SettingsError;
use crate::cli::ReportArgs;
use chrono::{Days, NaiveDate};
use std::path::PathBuf;

/// What the report is rendered as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// One self-contained page (inline SVG and CSS, no script).
    Html,
    /// GitHub-flavoured Markdown, for a job summary (within GitHub's 1 MiB).
    Markdown,
    /// The report model as JSON, for other tools.
    Json,
}

impl ReportFormat {
    /// Parses `html`, `markdown` (or `md`) and `json`.
    pub fn parse(text: &str) -> Option<ReportFormat> {
        match text.trim().to_ascii_lowercase().as_str() {
            "html" => Some(ReportFormat::Html),
            "markdown" | "md" => Some(ReportFormat::Markdown),
            "json" => Some(ReportFormat::Json),
            _ => None,
        }
    }

    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            ReportFormat::Html => "html",
            ReportFormat::Markdown => "md",
            ReportFormat::Json => "json",
        }
    }
}

/// Everything `report` needs beyond the target.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportSettings {
    /// Flags given on the command line.
    pub args: ReportArgs,
    /// The format.
    pub format: ReportFormat,
    /// The file written.
    pub out: PathBuf,
    /// Days covered, ending on `--to`.
    pub days: u32,
}

impl ReportSettings {
    pub(super) fn read(
        args: ReportArgs,
        raw: &RawSettings,
        origins: &Origins,
    ) -> Result<Self, SettingsError> {
        let format = match &args.format {
            Some(text) => ReportFormat::parse(text).ok_or_else(|| SettingsError::BadValue {
                origin: "flag --format".into(),
                problem: format!("'{text}' is not a report format: html, markdown or json"),
            })?,
            None => {
                let text = raw
                    .report_format
                    .as_deref()
                    .unwrap_or(default_of("report-format"));
                ReportFormat::parse(text).ok_or_else(|| {
                    origins.bad(
                        "report-format",
                        format!("'{text}' is not a report format: html, markdown or json"),
                    )
                })?
            }
        };
        let out = match (&args.out, raw.report_out.as_deref()) {
            (Some(path), _) => path.clone(),
            (None, Some(path)) if !path.trim().is_empty() => PathBuf::from(path.trim()),
            _ => PathBuf::from(format!("devmetrics-report.{}", format.extension())),
        };
        let days = days_setting(args.days, raw, origins)?;
        Ok(ReportSettings {
            args,
            format,
            out,
            days,
        })
    }

    /// The days covered when today (UTC) is `today`: the `days` days that end on `--to`
    /// (default: today).
    pub fn period(&self, today: NaiveDate) -> Period {
        let to = self.args.to.unwrap_or(today);
        Period {
            from: to - Days::new(u64::from(self.days.saturating_sub(1))),
            to,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::settings;
    use super::*;

    #[test]
    fn the_report_defaults_to_html_over_the_last_90_days_in_a_file_named_after_the_format() {
        let c = settings(&["report"], &[]).unwrap();
        assert_eq!(c.report.format, ReportFormat::Html);
        assert_eq!(c.report.out, PathBuf::from("devmetrics-report.html"));
        let today: NaiveDate = "2026-12-01".parse().unwrap();
        let p = c.report.period(today);
        assert_eq!((p.from.to_string(), p.days()), ("2026-09-03".into(), 90));
        let c = settings(&["report", "--format", "markdown", "--days", "7"], &[]).unwrap();
        assert_eq!(c.report.out, PathBuf::from("devmetrics-report.md"));
        assert_eq!(c.report.period(today).from.to_string(), "2026-11-25");
    }

    #[test]
    fn format_and_out_come_from_flags_inputs_or_variables_and_a_bad_format_names_its_origin() {
        let c = settings(
            &[],
            &[
                ("INPUT_COMMAND", "report"),
                ("INPUT_REPORT-FORMAT", "json"),
                ("INPUT_REPORT-OUT", "out/r.json"),
            ],
        )
        .unwrap();
        assert_eq!(c.report.format, ReportFormat::Json);
        assert_eq!(c.report.out, PathBuf::from("out/r.json"));
        let err = settings(&[], &[("DEVMETRICS_REPORT_FORMAT", "pdf")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "variable DEVMETRICS_REPORT_FORMAT: 'pdf' is not a report format: html, markdown or json"
        );
        let err = settings(&["report", "--format", "xml"], &[]).unwrap_err();
        assert!(err.to_string().starts_with("flag --format:"), "{err}");
    }
}
