//! `record`'s test-results step: `junit-paths` → JUnit files → `test_runs` and
//! `test_case_results` rows, with the summary section, annotations, step outputs and the
//! pass-rate alert on the side.

use crate::error::{exit, Error};
use crate::output::test_results::{self, AnnotationOptions, SummaryOptions};
use crate::output::{Level, Output};
use crate::rows::test_runs::RunInfo;
use crate::rows::{test_case_results, test_runs, Batch, RecordContext};
use crate::settings::Settings;
use crate::sources::junit::locate::FsWorkspace;
use crate::sources::junit::paths;
use crate::sources::junit::{Collector, ReadOptions, SlowestCases};
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
    config: &Settings,
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
    let files = paths::expand(&root, &settings.paths).map_err(|e| settings.bad_paths(e))?;
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
    let types = &settings.test_types();

    let options = ReadOptions {
        slowest: settings
            .slowest
            .map_or(SlowestCases::All, SlowestCases::Top),
        ..ReadOptions::default()
    };
    let mut collector = Collector::new(options);
    let mut read = Vec::new();
    for file in &files {
        let test_type = types.type_of(&file.display);
        match collector.read_path(&file.path, &file.display, test_type) {
            Ok(_) => read.push((file, test_type)),
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
    let run = run_info(config, pr_number, ctx, &files, &read);
    out.info(&format!(
        "test results: read {} of {} JUnit file(s), leg {}",
        read.len(),
        files.len(),
        run.leg
    ));
    let report = collector.finish();
    let runs = test_runs::from_test_report(&report, &run, ctx);
    let cases = test_case_results::from_test_report(
        &report,
        &run,
        ctx,
        &FsWorkspace::new(&root),
        options.max_message_chars,
    );

    result.section = Some(test_results::render_summary(
        &runs,
        &cases,
        &SummaryOptions {
            min_pass_rate: settings.min_pass_rate,
            ..SummaryOptions::default()
        },
    ));
    result.outputs = test_results::outputs(&runs);
    // The pass-rate alert, when there is one, takes the first error slot left.
    let alert_annotated = out.in_actions() && out.annotation_slots(Level::Error) > 0;
    let annotations = test_results::annotations(
        &runs,
        &cases,
        &AnnotationOptions {
            min_pass_rate: settings.min_pass_rate,
            errors: out.annotation_slots(Level::Error),
            warnings: out.annotation_slots(Level::Warning),
        },
    );
    out.annotate(annotations, "failed or flaky tests");
    let overall = test_results::Overall::of(&runs);
    out.info(&format!(
        "tests: {} total, {} passed ({} flaky), {} failed, {} errored, {} skipped",
        overall.total,
        overall.passed,
        overall.flaky,
        overall.failed,
        overall.errored,
        overall.skipped
    ));
    if let Some(rate) = test_results::pass_rate_alert(&runs, settings.min_pass_rate) {
        let message = format!(
            "pass rate {rate:.2}% is under min-pass-rate {}%",
            settings.min_pass_rate
        );
        // Reported once: by the pass-rate annotation when it was printed, else here.
        if settings.fail_on_threshold {
            result.exit_code = result.exit_code.max(exit::CHECK_FAILED);
            if alert_annotated {
                out.info(&format!(
                    "{message}, and fail-on-threshold is set: this step fails"
                ));
            } else {
                out.error_block(&Error::CheckFailed(format!(
                    "{message}, and fail-on-threshold is set"
                )));
            }
        } else if !alert_annotated {
            out.warning(&message);
        }
    }
    batch.extend(runs);
    batch.extend(cases);
    Ok(result)
}

fn workspace(config: &Settings) -> PathBuf {
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
///
/// Legs of a matrix or sharded job share all of that, so the leg is a key of its own: the
/// `leg` setting (the Action defaults it to `${{ strategy.job-index }}`), else one derived
/// from the leg's reports ([`derived_leg`]).
fn run_info(
    config: &Settings,
    pr_number: Option<u32>,
    ctx: &RecordContext,
    files: &[paths::ReportFile],
    read: &[(&paths::ReportFile, &str)],
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
    let leg = match &config.record.junit.leg {
        Some(leg) => leg.clone(),
        None => derived_leg(read),
    };
    RunInfo {
        run_id,
        leg,
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
    hex(&hash.finalize()[..8])
}

/// A leg named by its reports: `auto-` and a hash of each report's path and test type and of
/// the identities (classname, name) of the test cases in it, sorted, so the order tests ran in
/// does not matter. Durations, outcomes and timestamps are left out: recording the same step
/// again, or the same tests after a rerun, gives the same leg. Two legs running the identical
/// tests from identical paths get the same leg and need the `leg` setting.
fn derived_leg(read: &[(&paths::ReportFile, &str)]) -> String {
    let mut identities = Vec::new();
    for (file, test_type) in read {
        let report = identity(&[file.display.as_bytes(), test_type.as_bytes()]);
        identities.push(report);
        for_each_test_case_name(&file.path, |classname, name| {
            identities.push(identity(&[&report, classname, name]));
        });
    }
    // Sorted and each once: the set of identities, whatever the order or repeats.
    identities.sort_unstable();
    identities.dedup();
    let mut hash = Sha256::new();
    for id in &identities {
        hash.update(id);
    }
    format!("auto-{}", hex(&hash.finalize()[..8]))
}

/// A collision-resistant digest of `parts`, each length-prefixed.
fn identity(parts: &[&[u8]]) -> [u8; 32] {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update((part.len() as u64).to_le_bytes());
        hash.update(part);
    }
    hash.finalize().into()
}

/// Calls `each` with the (classname, name) attributes, raw, of every `testcase` element of a
/// report the reader accepted. Stops quietly at the first XML error: the reader already
/// reported the file.
fn for_each_test_case_name(path: &std::path::Path, mut each: impl FnMut(&[u8], &[u8])) {
    use quick_xml::events::Event;
    let Ok(file) = std::fs::File::open(path) else {
        return;
    };
    let mut reader = quick_xml::Reader::from_reader(std::io::BufReader::new(file));
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == b"testcase" => {
                let (mut classname, mut name) = (None, None);
                for attr in e.attributes().flatten() {
                    match attr.key.local_name().as_ref() {
                        b"classname" => classname = Some(attr.value),
                        b"name" => name = Some(attr.value),
                        _ => {}
                    }
                }
                each(
                    classname.as_deref().unwrap_or_default(),
                    name.as_deref().unwrap_or_default(),
                );
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
        buf.clear();
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leg_of(reports: &[(&str, &str)]) -> String {
        let dir = tempfile::tempdir().unwrap();
        let files: Vec<paths::ReportFile> = reports
            .iter()
            .map(|(display, xml)| {
                let path = dir.path().join(display.replace('/', "_"));
                std::fs::write(&path, xml).unwrap();
                paths::ReportFile {
                    display: (*display).to_owned(),
                    path,
                }
            })
            .collect();
        let read: Vec<_> = files.iter().map(|f| (f, "unit")).collect();
        derived_leg(&read)
    }

    const SHARD_1: &str = r#"<testsuite name="s" time="1.5"><testcase classname="a" name="one" time="1"/><testcase classname="a" name="two" time="0.5"><failure/></testcase></testsuite>"#;

    #[test]
    fn a_derived_leg_ignores_durations_outcomes_and_order() {
        let rerun = r#"<testsuite name="s" time="9"><testcase classname="a" name="two" time="8"/><testcase classname="a" name="one" time="1"><skipped/></testcase></testsuite>"#;
        let leg = leg_of(&[("reports/junit.xml", SHARD_1)]);
        assert!(leg.starts_with("auto-") && leg.len() == 21, "{leg}");
        assert_eq!(leg, leg_of(&[("reports/junit.xml", rerun)]));
    }

    #[test]
    fn a_derived_leg_differs_with_the_tests_or_the_report_paths() {
        let shard_2 = r#"<testsuite name="s"><testcase classname="a" name="three"/><testcase classname="a" name="four"/></testsuite>"#;
        let leg = leg_of(&[("reports/junit.xml", SHARD_1)]);
        assert_ne!(leg, leg_of(&[("reports/junit.xml", shard_2)]));
        assert_ne!(leg, leg_of(&[("reports/linux/junit.xml", SHARD_1)]));
        // The same names in another classname are other tests.
        assert_ne!(
            leg,
            leg_of(&[("reports/junit.xml", &SHARD_1.replace("\"a\"", "\"b\""))])
        );
    }
}
