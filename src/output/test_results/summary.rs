//! The test results' section of the job summary: totals per test type, failed, flaky and
//! slowest tests, and the pass-rate banner, bounded in bytes.

use super::DEFAULT_MIN_PASS_RATE;
use super::{first_line, location, outcome_name, pass_rate_alert, percent, test_title, Overall};
use crate::output::summary::{escape, GITHUB_SUMMARY_LIMIT};
use crate::rows::test_case_results::{TestCaseResult, TestOutcome};
use crate::rows::TestRun;
use std::fmt::Write as _;

/// How the summary is rendered.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SummaryOptions {
    /// Under this pass rate (percent) the summary opens with a banner.
    pub min_pass_rate: f64,
    /// The rendered Markdown never exceeds this many bytes (leave room for the rest of the
    /// summary under [`GITHUB_SUMMARY_LIMIT`]).
    pub max_bytes: usize,
    /// Rows listed per section (failed, flaky, slowest).
    pub max_rows: usize,
}

impl Default for SummaryOptions {
    fn default() -> Self {
        SummaryOptions {
            min_pass_rate: DEFAULT_MIN_PASS_RATE,
            max_bytes: GITHUB_SUMMARY_LIMIT / 2,
            max_rows: 50,
        }
    }
}

fn seconds(s: Option<f64>) -> String {
    match s {
        None => "–".into(),
        Some(s) if s < 1.0 => format!("{:.0} ms", s * 1000.0),
        Some(s) if s < 120.0 => format!("{s:.1} s"),
        Some(s) => format!("{}m {:02}s", (s / 60.0).floor(), (s % 60.0).floor()),
    }
}

/// Appends lines while they fit in the byte budget.
struct Budget {
    out: String,
    max: usize,
}

impl Budget {
    /// Room for a closing note is kept aside.
    const RESERVE: usize = 512;

    fn fits(&self, text: &str) -> bool {
        self.out.len() + text.len() + Self::RESERVE <= self.max
    }

    fn push(&mut self, text: &str) -> bool {
        if self.fits(text) {
            self.out.push_str(text);
            true
        } else {
            false
        }
    }
}

/// Renders the test results as job-summary Markdown, at most `options.max_bytes` bytes.
pub fn render_summary(
    runs: &[TestRun],
    cases: &[TestCaseResult],
    options: &SummaryOptions,
) -> String {
    let mut b = Budget {
        out: String::new(),
        max: options.max_bytes.max(Budget::RESERVE * 4),
    };
    let overall = Overall::of(runs);
    b.push("## Test results\n\n");
    if runs.is_empty() {
        b.push("No test results were recorded.\n");
        return b.out;
    }
    if let Some(rate) = pass_rate_alert(runs, options.min_pass_rate) {
        let _ = b.push(&format!(
            "> [!CAUTION]\n> The pass rate is **{}**, under the minimum of **{}** (`min-pass-rate`).\n\n",
            percent(rate),
            percent(options.min_pass_rate)
        ));
    }
    b.push("| Test type | Total | Passed | Failed | Errored | Skipped | Flaky | Pass rate | Duration |\n");
    b.push("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for r in runs {
        b.push(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            escape(&r.test_type),
            r.total_tests,
            r.passed_tests,
            r.failed_tests,
            r.errored_tests,
            r.skipped_tests,
            r.flaky_tests,
            r.pass_rate().map_or("–".into(), percent),
            seconds(r.execution_time_seconds),
        ));
    }
    if runs.len() > 1 {
        let time: Option<f64> = runs.iter().map(|r| r.execution_time_seconds).sum();
        b.push(&format!(
            "| **all** | **{}** | **{}** | **{}** | **{}** | **{}** | **{}** | **{}** | **{}** |\n",
            overall.total,
            overall.passed,
            overall.failed,
            overall.errored,
            overall.skipped,
            overall.flaky,
            overall.pass_rate().map_or("–".into(), percent),
            seconds(time),
        ));
    }

    let failed: Vec<&TestCaseResult> = cases
        .iter()
        .filter(|c| matches!(c.outcome, TestOutcome::Failed | TestOutcome::Errored))
        .collect();
    let flaky: Vec<&TestCaseResult> = cases
        .iter()
        .filter(|c| c.outcome == TestOutcome::Flaky)
        .collect();
    let mut slowest: Vec<&TestCaseResult> = cases
        .iter()
        .filter(|c| c.duration_seconds.is_some() && c.metadata.get("slowest_rank").is_some())
        .collect();
    slowest.sort_by(|a, b| {
        b.duration_seconds
            .unwrap_or(0.0)
            .total_cmp(&a.duration_seconds.unwrap_or(0.0))
    });

    let mut omitted = 0usize;
    if !failed.is_empty() {
        omitted += section(
            &mut b,
            &format!("Failed tests ({})", overall.failed + overall.errored),
            "| Test | Type | Outcome | Location | Message |\n| --- | --- | --- | --- | --- |\n",
            &failed,
            options.max_rows,
            |c| {
                format!(
                    "| {} | {} | {} | {} | {} |\n",
                    escape(&test_title(c)),
                    escape(&c.test_type),
                    outcome_name(c.outcome),
                    escape(&location(c)),
                    escape(&first_line(c.message.as_deref().unwrap_or(""), 200)),
                )
            },
        );
    }
    if !flaky.is_empty() {
        omitted += section(
            &mut b,
            &format!("Flaky tests ({})", overall.flaky),
            "| Test | Type | Attempts | Location | First failure |\n| --- | --- | ---: | --- | --- |\n",
            &flaky,
            options.max_rows,
            |c| {
                format!(
                    "| {} | {} | {} | {} | {} |\n",
                    escape(&test_title(c)),
                    escape(&c.test_type),
                    c.attempts,
                    escape(&location(c)),
                    escape(&first_line(c.message.as_deref().unwrap_or(""), 200)),
                )
            },
        );
    }
    if !slowest.is_empty() {
        omitted += section(
            &mut b,
            "Slowest tests",
            "| Test | Type | Outcome | Duration |\n| --- | --- | --- | ---: |\n",
            &slowest,
            options.max_rows,
            |c| {
                format!(
                    "| {} | {} | {} | {} |\n",
                    escape(&test_title(c)),
                    escape(&c.test_type),
                    outcome_name(c.outcome),
                    seconds(c.duration_seconds),
                )
            },
        );
    }
    if omitted > 0 {
        // The reserve guarantees this fits.
        let _ = write!(
            b.out,
            "\n_{omitted} more rows were left out to keep the summary under GitHub's size limit; \
             every failed and flaky test is in `metrics.test_case_results`._\n"
        );
    }
    b.out
}

/// Writes one section; returns how many rows did not fit.
fn section(
    b: &mut Budget,
    title: &str,
    header: &str,
    rows: &[&TestCaseResult],
    max_rows: usize,
    row: impl Fn(&TestCaseResult) -> String,
) -> usize {
    if !b.push(&format!("\n### {title}\n\n{header}")) {
        return rows.len();
    }
    let mut shown = 0;
    for c in rows.iter().take(max_rows) {
        if !b.push(&row(c)) {
            break;
        }
        shown += 1;
    }
    rows.len() - shown
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::test_results::tests::{case, run};

    #[test]
    fn summary_has_banner_tables_and_stays_bounded() {
        let runs = [run("unit", 7, 3, 1, 1), run("e2e", 2, 0, 0, 0)];
        let mut cases = vec![
            case(
                "fails | <b>",
                TestOutcome::Failed,
                Some("src/a.rs"),
                Some(3),
            ),
            case("flaky", TestOutcome::Flaky, None, None),
        ];
        let mut slow = case("slow", TestOutcome::Passed, None, None);
        slow.metadata = serde_json::json!({"slowest_rank": 1});
        slow.duration_seconds = Some(130.0);
        cases.push(slow);
        let md = render_summary(&runs, &cases, &SummaryOptions::default());
        assert!(
            md.contains("> [!CAUTION]\n> The pass rate is **75%**"),
            "{md}"
        );
        assert!(
            md.contains("| unit | 11 | 7 | 3 | 0 | 1 | 1 | 70% | 1.2 s |"),
            "{md}"
        );
        assert!(md.contains("| **all** | **13** |"), "{md}");
        assert!(md.contains("### Failed tests (3)"));
        assert!(md.contains("C › fails \\| &lt;b&gt;"), "{md}");
        assert!(md.contains("| src/a.rs:3 |"), "{md}");
        assert!(md.contains("### Flaky tests (1)"));
        assert!(md.contains("| C › slow | unit | passed | 2m 10s |"), "{md}");

        let many: Vec<TestCaseResult> = (0..5000)
            .map(|i| {
                case(
                    &format!("t{i} {}", "x".repeat(300)),
                    TestOutcome::Failed,
                    None,
                    None,
                )
            })
            .collect();
        let opts = SummaryOptions {
            max_bytes: 20_000,
            max_rows: 10_000,
            ..SummaryOptions::default()
        };
        let md = render_summary(&runs, &many, &opts);
        assert!(md.len() <= 20_000, "{}", md.len());
        assert!(md.contains("more rows were left out"));
        let healthy = render_summary(&[run("unit", 9, 1, 0, 0)], &[], &SummaryOptions::default());
        assert!(!healthy.contains("CAUTION"));
    }
}
