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

    /// WCAG 2 relative luminance of `#rrggbb`.
    fn luminance(hex: &str) -> f64 {
        let channel = |i: usize| {
            let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0;
            if c <= 0.03928 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
    }

    #[test]
    fn text_and_chart_colours_meet_wcag_contrast_on_their_backgrounds() {
        let var = |name: &str| {
            let at = TEMPLATE.find(&format!("--{name}: #")).unwrap() + name.len() + 4;
            &TEMPLATE[at..at + 7]
        };
        let ratio = |a: &str, b: &str| {
            let (x, y) = (luminance(var(a)), luminance(var(b)));
            (x.max(y) + 0.05) / (x.min(y) + 0.05)
        };
        // Text: 4.5:1 (WCAG AA); bars and lines: 3:1 (non-text contrast).
        for (text, background) in [
            ("fg", "bg"),
            ("fg", "card"),
            ("muted", "bg"),
            ("muted", "card"),
            ("alert-fg", "alert-bg"),
            ("limit", "bg"),
        ] {
            assert!(
                ratio(text, background) >= 4.5,
                "{text} on {background}: {}",
                ratio(text, background)
            );
        }
        for mark in ["bar", "coding", "pickup", "review", "deploy"] {
            assert!(ratio(mark, "bg") >= 3.0, "{mark}: {}", ratio(mark, "bg"));
            assert!(
                ratio(mark, "card") >= 3.0,
                "{mark} on a card: {}",
                ratio(mark, "card")
            );
        }
    }
}
