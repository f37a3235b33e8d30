//! `record`'s test-results step: `junit-paths` → JUnit files → `test_runs` and
//! `test_case_results` rows, with the summary section, annotations, step outputs and the
//! pass-rate alert on the side.

use super::output::Output;
use crate::config::{Config, ConfigError};
use crate::error::{exit, Error};
use crate::rows::test_runs::RunInfo;
use crate::rows::{test_case_results, test_runs, Batch, RecordContext};
use crate::sources::junit::locate::FsWorkspace;
use crate::sources::junit::paths::{self, TestTypes};
use crate::sources::junit::{Collector, ReadOptions, SlowestCases};
use crate::test_report::{self, AnnotationOptions, SummaryOptions};
use sha2::{Digest, Sha256};
use std::path::PathBuf;

/// What the step adds to the run besides rows.
#[derive(Debug, Default)]
pub struct TestResults {
    /// The summary section (Markdown).
    pub section: Option<String>,
    /// `$GITHUB_OUTPUT` entries: total, passed, failed, errored, skipped, flaky, pass-rate.
    pub outputs: Vec<(&'static str, String)>,
    /// The exit code this step asks for (0, 1 for the pass-rate threshold, 4 for unreadable
    /// report files).
    pub exit_code: i32,
}

/// Reads the JUnit files `junit-paths` selects into rows. Does nothing when `junit-paths` is
/// empty.
pub fn record_test_results(
    config: &Config,
    pr_number: Option<u32>,
    ctx: &RecordContext,
    out: &Output,
    batch: &mut Batch,
) -> Result<TestResults, Error> {
    let settings = &config.record.junit;
    let mut result = TestResults::default();
    if settings.paths.trim().is_empty() {
        return Ok(result);
    }
    let root = workspace(config);
    let files = paths::expand(&root, &settings.paths).map_err(|e| {
        Error::Config(ConfigError::BadValue {
            origin: "setting `junit-paths`".into(),
            problem: format!("{e}; {}", e.help().join("; ")),
        })
    })?;
    if files.is_empty() {
        let message = format!(
            "no JUnit file matched junit-paths ({}) under {}",
            settings
                .paths
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join(", "),
            root.display()
        );
        if settings.require_tests {
            return Err(Error::CheckFailed(format!(
                "{message}, and require-tests is set (did the tests run and write their reports there?)"
            )));
        }
        out.warning(&message);
        return Ok(result);
    }
    let types = if settings.test_types.trim().is_empty() {
        TestTypes::default()
    } else {
        TestTypes::parse(&settings.test_types).expect("validated with the configuration")
    };

    let options = ReadOptions {
        slowest: settings
            .slowest
            .map_or(SlowestCases::All, SlowestCases::Top),
        ..ReadOptions::default()
    };
    let mut collector = Collector::new(options);
    let mut read = 0;
    for file in &files {
        match collector.read_path(&file.path, &file.display, types.type_of(&file.display)) {
            Ok(_) => read += 1,
            Err(err) => {
                if err.is_not_junit() {
                    out.warning_text(&err.render());
                } else {
                    // Refused (truncated, not XML, a DOCTYPE): reported, skipped, and reflected
                    // in the exit code; the other files are still recorded.
                    result.exit_code = result.exit_code.max(exit::BAD_INPUT);
                    out.error_text(&err.render());
                }
            }
        }
    }
    out.info(&format!(
        "test results: read {read} of {} JUnit file(s)",
        files.len()
    ));
    let report = collector.finish();
    let run = run_info(config, pr_number, ctx, &files);
    let runs = test_runs::from_test_report(&report, &run, ctx);
    let cases = test_case_results::from_test_report(
        &report,
        &run,
        ctx,
        &FsWorkspace::new(&root),
        options.max_message_chars,
    );

    result.section = Some(test_report::render_summary(
        &runs,
        &cases,
        &SummaryOptions {
            min_pass_rate: settings.min_pass_rate,
            ..SummaryOptions::default()
        },
    ));
    result.outputs = test_report::outputs(&runs);
    let annotations = test_report::annotations(
        &runs,
        &cases,
        &AnnotationOptions {
            min_pass_rate: settings.min_pass_rate,
            ..AnnotationOptions::default()
        },
    );
    if out.in_actions() {
        for line in &annotations {
            out.command(line);
        }
    }
    let overall = test_report::Overall::of(&runs);
    out.info(&format!(
        "tests: {} total, {} passed ({} flaky), {} failed, {} errored, {} skipped",
        overall.total,
        overall.passed,
        overall.flaky,
        overall.failed,
        overall.errored,
        overall.skipped
    ));
    if let Some(rate) = test_report::pass_rate_alert(&runs, settings.min_pass_rate) {
        let message = format!(
            "pass rate {rate:.2}% is under min-pass-rate {}%",
            settings.min_pass_rate
        );
        if settings.fail_on_threshold {
            out.error(&Error::CheckFailed(format!(
                "{message}, and fail-on-threshold is set"
            )));
            result.exit_code = result.exit_code.max(exit::CHECK_FAILED);
        } else if !out.in_actions() {
            out.warning(&message);
        }
    }
    batch.extend(runs);
    batch.extend(cases);
    Ok(result)
}

fn workspace(config: &Config) -> PathBuf {
    config
        .github
        .workspace
        .clone()
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The run's identity. In GitHub Actions: the workflow run, its attempt, the job and the step,
/// so running the same step again writes nothing new while a re-run attempt (the tests ran
/// again) is a new run. Elsewhere: a hash of the report files' paths, sizes and modification
/// times, so recording the same reports twice writes nothing new.
fn run_info(
    config: &Config,
    pr_number: Option<u32>,
    ctx: &RecordContext,
    files: &[paths::ReportFile],
) -> RunInfo {
    let gh = &config.github;
    let run_id = match (&gh.run_id, gh.in_actions()) {
        (Some(id), true) => format!(
            "gh:{id}:{}:{}:{}",
            gh.run_attempt.as_deref().unwrap_or("1"),
            gh.job.as_deref().unwrap_or(""),
            gh.action.as_deref().unwrap_or("")
        ),
        _ => format!("local:{}", files_fingerprint(files)),
    };
    RunInfo {
        run_id,
        run_timestamp: ctx.recorded_at,
        sha: gh.sha.clone(),
        branch: gh
            .head_ref
            .clone()
            .filter(|b| !b.is_empty())
            .or_else(|| gh.ref_name.clone()),
        pr_number,
        workflow_run_id: gh.run_id.as_deref().and_then(|v| v.parse().ok()),
        workflow_run_attempt: gh.run_attempt.as_deref().and_then(|v| v.parse().ok()),
    }
}

fn files_fingerprint(files: &[paths::ReportFile]) -> String {
    let mut hash = Sha256::new();
    for file in files {
        hash.update(file.display.as_bytes());
        if let Ok(meta) = std::fs::metadata(&file.path) {
            hash.update(meta.len().to_le_bytes());
            if let Ok(modified) = meta.modified() {
                if let Ok(since) = modified.duration_since(std::time::UNIX_EPOCH) {
                    hash.update(since.as_nanos().to_le_bytes());
                }
            }
        }
        hash.update([0]);
    }
    hash.finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}
