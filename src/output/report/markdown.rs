//! The report as GitHub-flavoured Markdown (the job summary), from `templates/report.md`; every
//! text from the database goes through the summary's one escaper, and the whole stays within
//! GitHub's limit ([`GITHUB_SUMMARY_LIMIT`]).

use super::model::Report;
use super::RenderError;
use crate::output::summary::{escape, GITHUB_SUMMARY_LIMIT};
use minijinja::{context, AutoEscape, Environment};

const TEMPLATE: &str = include_str!("templates/report.md");

/// The report as Markdown, never longer than `max_bytes` (cut at a line end, with a note).
pub fn render(report: &Report, max_bytes: usize) -> Result<String, RenderError> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.add_filter("md", |text: String| escape(&text));
    env.add_template("report.md", TEMPLATE)
        .map_err(|source| RenderError {
            format: "markdown",
            source,
        })?;
    let text = env
        .get_template("report.md")
        .and_then(|t| t.render(context! { r => report }))
        .map_err(|source| RenderError {
            format: "markdown",
            source,
        })?;
    Ok(limit(tidy(&text), max_bytes.min(GITHUB_SUMMARY_LIMIT)))
}

/// At most two line ends in a row (template whitespace), ending with one.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.trim().lines() {
        if line.trim().is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Cuts `text` at the last line end that leaves room for a note.
fn limit(mut text: String, max: usize) -> String {
    if text.len() <= max {
        return text;
    }
    let note =
        "\n_Report truncated at GitHub's job summary limit: the HTML report has everything._\n";
    let mut end = max.saturating_sub(note.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let end = text[..end].rfind('\n').map_or(0, |i| i + 1);
    text.truncate(end);
    text.push_str(note);
    text
}

#[cfg(test)]
mod tests {
    use super::super::model::{build, Context};
    use super::*;
    use crate::sources::figures::{Figures, TestCase};

    fn report(cases: Vec<TestCase>) -> Report {
        let day = |s: &str| s.parse().unwrap();
        let context = Context {
            repository: "o/r|x".into(),
            from: day("2026-11-23"),
            to: day("2026-11-29"),
            pass_line: 80.0,
            alerts: vec!["test pass rate 50 % is under the alert-min-pass-rate of 80 %".into()],
            thresholds: vec!["alert-min-pass-rate".into()],
        };
        build(
            context,
            &Figures {
                test_cases: cases,
                ..Figures::default()
            },
        )
    }

    #[test]
    fn user_text_is_escaped_and_alerts_come_first() {
        let case = TestCase {
            environment: "staging".into(),
            run_id: "r".into(),
            suite_name: String::new(),
            classname: "c".into(),
            test_name: "<b>|x".into(),
            outcome: "flaky".into(),
            duration_seconds: Some(2.0),
            attempts: 2,
        };
        let md = render(&report(vec![case]), GITHUB_SUMMARY_LIMIT).unwrap();
        assert!(md.contains("## devmetrics report: o/r\\|x"), "{md}");
        assert!(md.contains("c › &lt;b&gt;\\|x"), "{md}");
        assert!(!md.contains("<b>"));
        let alerts = md.find("### Current alerts").unwrap();
        assert!(alerts < md.find("### DORA keys").unwrap());
        let missing = format!(
            "| Deployment frequency | _{}_ | — |",
            super::super::model::NOT_COMPUTED
        );
        assert!(md.contains(&missing), "{md}");
    }

    #[test]
    fn a_report_over_the_limit_is_cut_at_a_line_end_with_a_note() {
        let md = render(&report(vec![]), 300).unwrap();
        assert!(md.len() <= 300, "{}", md.len());
        assert!(md.ends_with("the HTML report has everything._\n"));
    }
}
