//! The report as one self-contained HTML page, from `templates/report.html` with minijinja's
//! HTML auto-escaping: inline CSS and SVG charts ([`charts`](super::charts)), no script, nothing
//! fetched (a `Content-Security-Policy` of `default-src 'none'` says so to the browser too);
//! readable from a phone (375 px) to a laptop; every chart has a title, a description and a
//! data table.

use super::charts::charts;
use super::model::Report;
use super::RenderError;
use minijinja::{context, AutoEscape, Environment};

const TEMPLATE: &str = include_str!("templates/report.html");

/// The report as HTML.
pub fn render(report: &Report) -> Result<String, RenderError> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    env.add_template("report.html", TEMPLATE)
        .map_err(|source| RenderError {
            format: "html",
            source,
        })?;
    env.get_template("report.html")
        .and_then(|t| t.render(context! { r => report, c => charts(report) }))
        .map_err(|source| RenderError {
            format: "html",
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::super::model::{build, Context};
    use super::*;
    use crate::sources::figures::{Figure, Figures};
    use serde_json::json;

    #[test]
    fn the_page_is_self_contained_escaped_and_says_when_there_is_nothing_to_measure() {
        let day = |s: &str| s.parse().unwrap();
        let context = Context {
            repository: "o/<script>".into(),
            from: day("2026-11-23"),
            to: day("2026-11-29"),
            pass_line: 80.0,
            alerts: vec![],
            thresholds: vec![],
        };
        let figure = |metric: &str, value: Option<f64>, n: i64| Figure {
            environment: "production".into(),
            metric_date: day("2026-11-23"),
            grain: "week".into(),
            metric_name: metric.into(),
            value,
            n,
            p50: None,
            p90: None,
            unit: None,
            metadata: json!({}),
        };
        let figures = Figures {
            weeks: vec![
                figure("deployment_count", Some(0.0), 0),
                figure("test_pass_rate", Some(0.9), 10),
            ],
            ..Figures::default()
        };
        let html = render(&build(context, &figures)).unwrap();
        assert!(html.contains("&lt;script&gt;"));
        assert!(!html.contains("<script"));
        for fetches in [
            "src=", "href=", "<link", "url(", "@import", "http://", "https://",
        ] {
            assert!(!html.contains(fetches), "{fetches}");
        }
        assert!(html.contains("no production deployment in this period"));
        assert!(html.contains("<title id=\"pass-0-t\">Test pass rate per week, production</title>"));
        assert!(html.contains("class=\"limit\""));
    }
}
