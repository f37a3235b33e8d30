//! Test results for the workflow: the job-summary Markdown (totals per test type, failed, flaky
//! and slowest tests, the pass-rate banner), the annotations worth GitHub's 10 per level, and the
//! `$GITHUB_OUTPUT` values. Works from rows only; callers decide where the text goes.

use crate::github::{self, AnnotationTarget, Level};
use crate::rows::test_case_results::{TestCaseResult, TestOutcome};
use crate::rows::TestRun;
use crate::summary::escape;
use std::fmt::Write as _;

/// The default `min-pass-rate`, in percent.
pub const DEFAULT_MIN_PASS_RATE: f64 = 80.0;
/// GitHub keeps at most this many bytes of one step's summary.
pub const GITHUB_SUMMARY_LIMIT: usize = 1024 * 1024;
/// GitHub shows at most this many annotations per level and step.
pub const GITHUB_ANNOTATIONS_PER_LEVEL: usize = 10;

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

/// Totals over all test types.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Overall {
    /// All tests.
    pub total: i64,
    /// Passed, flaky included.
    pub passed: i64,
    /// Failed.
    pub failed: i64,
    /// Errored.
    pub errored: i64,
    /// Skipped or disabled.
    pub skipped: i64,
    /// Flaky.
    pub flaky: i64,
}

impl Overall {
    /// Adds up the runs.
    pub fn of(runs: &[TestRun]) -> Overall {
        let mut o = Overall::default();
        for r in runs {
            o.total += r.total_tests;
            o.passed += r.passed_tests;
            o.failed += r.failed_tests;
            o.errored += r.errored_tests;
            o.skipped += r.skipped_tests;
            o.flaky += r.flaky_tests;
        }
        o
    }

    /// The pass rate over all types (`rows::test_runs::pass_rate`).
    pub fn pass_rate(&self) -> Option<f64> {
        crate::rows::test_runs::pass_rate(self.passed, self.total, self.skipped)
    }
}

/// The pass-rate alert: the overall pass rate when it is under `min_pass_rate`.
pub fn pass_rate_alert(runs: &[TestRun], min_pass_rate: f64) -> Option<f64> {
    Overall::of(runs)
        .pass_rate()
        .filter(|rate| *rate < min_pass_rate)
}

/// `97.5%`, with one decimal unless whole.
fn percent(rate: f64) -> String {
    let r = (rate * 10.0).floor() / 10.0;
    if r.fract() == 0.0 {
        format!("{r:.0}%")
    } else {
        format!("{r:.1}%")
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

/// `classname › name`, or the name alone.
pub fn test_title(case: &TestCaseResult) -> String {
    if case.classname.is_empty() {
        case.test_name.clone()
    } else {
        format!("{} › {}", case.classname, case.test_name)
    }
}

fn first_line(text: &str, max_chars: usize) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    crate::sources::junit::truncate_chars(line, max_chars)
}

fn location(case: &TestCaseResult) -> String {
    match (&case.file, case.line) {
        (Some(f), Some(l)) => format!("{f}:{l}"),
        (Some(f), None) => f.clone(),
        _ => String::new(),
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

fn outcome_name(o: TestOutcome) -> &'static str {
    match o {
        TestOutcome::Passed => "passed",
        TestOutcome::Failed => "failed",
        TestOutcome::Errored => "errored",
        TestOutcome::Skipped => "skipped",
        TestOutcome::Flaky => "flaky",
    }
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

/// Which annotations to write and how many GitHub shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AnnotationOptions {
    /// Under this pass rate (percent), an error annotation says so.
    pub min_pass_rate: f64,
    /// Error annotations this step may still use (GitHub shows 10 per step).
    pub errors: usize,
    /// Warning annotations this step may still use.
    pub warnings: usize,
}

impl Default for AnnotationOptions {
    fn default() -> Self {
        AnnotationOptions {
            min_pass_rate: DEFAULT_MIN_PASS_RATE,
            errors: GITHUB_ANNOTATIONS_PER_LEVEL,
            warnings: GITHUB_ANNOTATIONS_PER_LEVEL,
        }
    }
}

/// The annotations, as workflow command lines: the pass-rate alert, then failed and errored
/// tests as errors and flaky tests as warnings. When there are more than fit, the most useful
/// are kept (those pointing at a file and line first, then at a file, errored before failed,
/// in report order) and the last slot says how many more there are.
pub fn annotations(
    runs: &[TestRun],
    cases: &[TestCaseResult],
    options: &AnnotationOptions,
) -> Vec<String> {
    let mut out = Vec::new();
    let mut errors = options.errors;
    if errors > 0 {
        if let Some(rate) = pass_rate_alert(runs, options.min_pass_rate) {
            let o = Overall::of(runs);
            out.push(github::annotation(
                Level::Error,
                &AnnotationTarget {
                    title: Some("test pass rate under min-pass-rate".into()),
                    ..AnnotationTarget::default()
                },
                &format!(
                    "The pass rate is {} ({} of {} tests that ran passed), under the minimum of {}.",
                    percent(rate),
                    o.passed,
                    o.total - o.skipped,
                    percent(options.min_pass_rate)
                ),
            ));
            errors -= 1;
        }
    }
    let failed: Vec<&TestCaseResult> = cases
        .iter()
        .filter(|c| matches!(c.outcome, TestOutcome::Failed | TestOutcome::Errored))
        .collect();
    let flaky: Vec<&TestCaseResult> = cases
        .iter()
        .filter(|c| c.outcome == TestOutcome::Flaky)
        .collect();
    pick(
        &mut out,
        Level::Error,
        failed,
        errors,
        "failed or errored tests",
    );
    pick(
        &mut out,
        Level::Warning,
        flaky,
        options.warnings,
        "flaky tests",
    );
    out
}

fn usefulness(c: &TestCaseResult) -> (u8, u8) {
    let place = match (&c.file, c.line) {
        (Some(_), Some(_)) => 0,
        (Some(_), None) => 1,
        _ => 2,
    };
    let kind = u8::from(c.outcome != TestOutcome::Errored);
    (place, kind)
}

fn pick(
    out: &mut Vec<String>,
    level: Level,
    mut cases: Vec<&TestCaseResult>,
    slots: usize,
    what: &str,
) {
    if slots == 0 || cases.is_empty() {
        return;
    }
    cases.sort_by_key(|c| usefulness(c));
    let shown = if cases.len() > slots {
        slots - 1
    } else {
        cases.len()
    };
    for c in &cases[..shown] {
        let verb = match c.outcome {
            TestOutcome::Errored => "errored",
            TestOutcome::Flaky => "flaky",
            _ => "failed",
        };
        let title =
            crate::sources::junit::truncate_chars(&format!("{verb}: {}", test_title(c)), 200);
        let mut message = crate::sources::junit::truncate_chars(
            c.message.as_deref().unwrap_or("(no message)").trim(),
            1000,
        );
        if c.outcome == TestOutcome::Flaky {
            message = format!(
                "passed after {} attempts; failed with: {message}",
                c.attempts
            );
        }
        out.push(github::annotation(
            level,
            &AnnotationTarget {
                file: c.file.clone(),
                line: c.line.and_then(|l| u32::try_from(l).ok()),
                col: None,
                title: Some(title),
            },
            &message,
        ));
    }
    if shown < cases.len() {
        out.push(github::annotation(
            level,
            &AnnotationTarget {
                title: Some(format!("{} more {what}", cases.len() - shown)),
                ..AnnotationTarget::default()
            },
            &format!(
                "{} more {what} are not annotated (GitHub shows {} per step); see the job summary.",
                cases.len() - shown,
                GITHUB_ANNOTATIONS_PER_LEVEL
            ),
        ));
    }
}

/// The step outputs: `total`, `passed`, `failed`, `errored`, `skipped`, `flaky` and
/// `pass-rate` (percent with two decimals; empty when no test ran).
pub fn outputs(runs: &[TestRun]) -> Vec<(&'static str, String)> {
    let o = Overall::of(runs);
    vec![
        ("total", o.total.to_string()),
        ("passed", o.passed.to_string()),
        ("failed", o.failed.to_string()),
        ("errored", o.errored.to_string()),
        ("skipped", o.skipped.to_string()),
        ("flaky", o.flaky.to_string()),
        (
            "pass-rate",
            o.pass_rate().map_or(String::new(), |r| format!("{r:.2}")),
        ),
    ]
}

/// The outputs as `$GITHUB_OUTPUT` lines.
pub fn render_outputs(runs: &[TestRun]) -> String {
    outputs(runs)
        .iter()
        .map(|(k, v)| github::output_entry(k, v))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::environment::Environment;
    use chrono::{TimeZone, Utc};

    fn run(ty: &str, passed: i64, failed: i64, skipped: i64, flaky: i64) -> TestRun {
        let at = Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).unwrap();
        TestRun {
            repository: "o/r".into(),
            environment: Environment::Local,
            run_id: "r".into(),
            leg: String::new(),
            run_timestamp: at,
            test_type: ty.into(),
            total_tests: passed + failed + skipped,
            passed_tests: passed,
            failed_tests: failed,
            errored_tests: 0,
            skipped_tests: skipped,
            flaky_tests: flaky,
            execution_time_seconds: Some(1.25),
            sha: None,
            branch_name: None,
            pr_number: None,
            workflow_run_id: None,
            workflow_run_attempt: None,
            recorded_at: at,
            metadata: serde_json::json!({}),
        }
    }

    fn case(
        name: &str,
        outcome: TestOutcome,
        file: Option<&str>,
        line: Option<i32>,
    ) -> TestCaseResult {
        let at = Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).unwrap();
        TestCaseResult {
            repository: "o/r".into(),
            environment: Environment::Local,
            run_id: "r".into(),
            leg: String::new(),
            test_type: "unit".into(),
            run_timestamp: at,
            suite_name: "s".into(),
            classname: "C".into(),
            test_name: name.into(),
            outcome,
            duration_seconds: Some(0.5),
            attempts: if outcome == TestOutcome::Flaky { 2 } else { 1 },
            message: Some("expected 1\nbut was 2".into()),
            file: file.map(Into::into),
            line,
            recorded_at: at,
            metadata: serde_json::json!({}),
        }
    }

    #[test]
    fn escaping_blocks_markup() {
        assert_eq!(
            escape("a|b <img src=x onerror=alert(1)> [x](http://y) *b*\n_i_"),
            "a\\|b &lt;img src=x onerror=alert(1)&gt; \\[x\\](http://y) \\*b\\* \\_i\\_"
        );
    }

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

    #[test]
    fn annotations_pick_the_most_useful_and_count_the_rest() {
        let runs = [run("unit", 1, 20, 0, 0)];
        let mut cases: Vec<TestCaseResult> = (0..20)
            .map(|i| case(&format!("t{i}"), TestOutcome::Failed, None, None))
            .collect();
        cases.push(case(
            "located",
            TestOutcome::Failed,
            Some("src/x.rs"),
            Some(12),
        ));
        cases.push(case("flaky", TestOutcome::Flaky, None, None));
        let lines = annotations(&runs, &cases, &AnnotationOptions::default());
        let errors: Vec<&String> = lines.iter().filter(|l| l.starts_with("::error")).collect();
        assert_eq!(errors.len(), 10);
        assert!(
            errors[0].contains("title=test pass rate under min-pass-rate"),
            "{}",
            errors[0]
        );
        assert!(
            errors[1].starts_with(
                "::error file=src/x.rs,line=12,title=failed%3A C › located::expected 1%0Abut was 2"
            ),
            "{}",
            errors[1]
        );
        assert!(
            errors[9].contains("13 more failed or errored tests"),
            "{}",
            errors[9]
        );
        let warnings: Vec<&String> = lines
            .iter()
            .filter(|l| l.starts_with("::warning"))
            .collect();
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("passed after 2 attempts"));
    }

    #[test]
    fn outputs_for_github() {
        let runs = [run("unit", 3, 1, 1, 1)];
        assert_eq!(
            render_outputs(&runs),
            "total=5\npassed=3\nfailed=1\nerrored=0\nskipped=1\nflaky=1\npass-rate=75.00\n"
        );
        assert_eq!(outputs(&[])[6], ("pass-rate", String::new()));
    }
}
