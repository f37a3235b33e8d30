//! JUnit XML: which files to read ([`paths`]), a streaming reader for every JUnit dialect met in
//! the wild ([`Collector`]), and where a failure points in the workspace ([`locate`]).
//!
//! Reading keeps memory flat: quick-xml events over a `BufRead` with one reused buffer, state
//! for the current `<testcase>` only, counts added up as elements close, and only the cases the
//! rows need kept (failed, errored, flaky, skipped, and a bounded heap of the slowest).
//!
//! Counting rules (see `docs/junit.md`):
//! - every `<testcase>` element at any depth counts; suite header counts are ignored;
//! - a `<testsuite>` without a name is named by its `id`, else its position in the file;
//! - within one attempt the most severe result wins: error > failure > skipped > passed;
//! - `flakyFailure`/`flakyError` are failed attempts before a final pass (flaky);
//!   `rerunFailure`/`rerunError` are failed reruns (still failed unless the case passed);
//! - duplicate `<testcase>`s with the same suite name, classname and name (the natural key of
//!   `test_case_results`) in one run and test type are one test: flaky if any attempt passed
//!   and any failed or errored, else the most severe result. Duplicates are folded within a
//!   `<testsuite>` element whatever their result; across suite elements and files, a test kept
//!   for failing, erroring or skipping is folded with its later attempts (so a rerun file that
//!   passes a test failed earlier makes it flaky), and a test that passed in a suite element
//!   already closed is remembered as an 8-byte hash in a sorted list per suite name. Memory is
//!   then the open suite's tests, the kept cases and 8 bytes per distinct passed test.

mod case;
mod closed;
mod error;
mod fold;
mod hash;
mod lines;
pub mod locate;
#[cfg(test)]
mod malformed_tests;
mod model;
mod options;
mod parse;
pub mod paths;
#[cfg(test)]
mod plain_case_tests;
mod slowest;
mod text;

pub use error::JunitError;
pub use model::{
    truncate_chars, Attempt, AttemptResult, CaseRecord, ElementCounts, FileSummary, Outcome,
    TestReport, Totals, TypeReport, MAX_ATTEMPTS_KEPT,
};
pub use options::{ReadOptions, SlowestCases};
pub use text::parse_time;

use fold::RunFold;
use parse::FileResult;
use slowest::SlowHeap;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufRead;
use std::path::Path;

/// Files of this size or more are read ahead by a thread ([`Collector::read_path`]).
const READ_AHEAD_FROM_BYTES: u64 = 1024 * 1024;

/// Reads the JUnit files of one run, file by file, and folds them per test type. A file that
/// fails to read is left out whole (nothing of it is counted).
#[derive(Debug)]
pub struct Collector {
    options: ReadOptions,
    types: BTreeMap<String, TypeAgg>,
    files: Vec<FileSummary>,
}

#[derive(Debug)]
struct TypeAgg {
    /// Totals, kept tests and passes, folded across files.
    fold: RunFold,
    elements: ElementCounts,
    time: Option<f64>,
    slowest: SlowHeap,
    files: Vec<String>,
}

impl Collector {
    /// A collector with nothing read yet.
    pub fn new(options: ReadOptions) -> Collector {
        Collector {
            options,
            types: BTreeMap::new(),
            files: Vec::new(),
        }
    }

    /// Opens and reads one file. `display` is the path shown in messages (relative to the
    /// workspace).
    pub fn read_path(
        &mut self,
        path: &Path,
        display: &str,
        test_type: &str,
    ) -> Result<&FileSummary, JunitError> {
        let file = File::open(path).map_err(|source| JunitError::Io {
            path: display.to_string(),
            source,
        })?;
        // A large file is read ahead by a thread of its own; for a small one the thread would
        // cost more than it saves.
        let large = file
            .metadata()
            .is_ok_and(|m| m.len() >= READ_AHEAD_FROM_BYTES);
        let input = if large {
            lines::ChunkLines::read_ahead(file)
        } else {
            lines::ChunkLines::new(file)
        };
        self.read_source(input, display, test_type)
    }

    /// Reads one report from any `BufRead`.
    pub fn read<R: BufRead>(
        &mut self,
        input: R,
        display: &str,
        test_type: &str,
    ) -> Result<&FileSummary, JunitError> {
        self.read_source(lines::LineCounter::new(input), display, test_type)
    }

    fn read_source<S: lines::LineSource>(
        &mut self,
        input: S,
        display: &str,
        test_type: &str,
    ) -> Result<&FileSummary, JunitError> {
        let options = self.options;
        let agg = self
            .types
            .entry(test_type.to_string())
            .or_insert_with(|| TypeAgg {
                fold: RunFold::new(options.max_kept_cases),
                elements: ElementCounts::default(),
                time: None,
                slowest: SlowHeap::new(options.slowest),
                files: Vec::new(),
            });
        let result = parse::read_file(input, display, test_type, &options, agg.fold.view());
        let result = match result {
            Ok(r) => r,
            Err(e) => {
                if agg.files.is_empty() {
                    self.types.remove(test_type);
                }
                return Err(e);
            }
        };
        agg.merge(result, &mut self.files);
        Ok(self.files.last().expect("just pushed"))
    }

    /// The report: per test type, sorted by type.
    pub fn finish(self) -> TestReport {
        let types = self
            .types
            .into_iter()
            .map(|(test_type, agg)| {
                let unrecorded = agg.fold.unrecorded();
                let mut seen = std::collections::HashSet::new();
                let slowest = agg
                    .slowest
                    .into_sorted()
                    .into_iter()
                    .filter(|s| seen.insert(s.key))
                    // The folded record knows the test's real outcome and attempts.
                    .map(|s| agg.fold.folded(s.key, s.record))
                    .collect();
                let totals = agg.fold.totals;
                let kept = agg.fold.into_records();
                TypeReport {
                    test_type,
                    totals,
                    elements: agg.elements,
                    time: agg.time,
                    kept,
                    unrecorded,
                    slowest,
                    files: agg.files,
                }
            })
            .collect();
        TestReport {
            types,
            files: self.files,
        }
    }
}

impl TypeAgg {
    fn merge(&mut self, file: FileResult, files: &mut Vec<FileSummary>) {
        let FileResult {
            summary,
            fold,
            slowest,
        } = file;
        self.fold.merge(fold);
        self.elements.merge(&summary.elements);
        if let Some(t) = summary.time {
            self.time = Some(self.time.unwrap_or(0.0) + t);
        }
        for s in slowest.into_sorted() {
            self.slowest.push(s);
        }
        self.files.push(summary.path.clone());
        files.push(summary);
    }
}

/// Reads one report alone (for the bench and the fuzz target): its summary.
pub fn read_one<R: BufRead>(
    input: R,
    display: &str,
    options: ReadOptions,
) -> Result<FileSummary, JunitError> {
    let mut c = Collector::new(options);
    c.read(input, display, "unit").cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The report of `xml` read as one file with the default options (the reader's other test
    /// modules use it too).
    pub(super) fn read(xml: &str) -> Result<TestReport, JunitError> {
        let mut c = Collector::new(ReadOptions::default());
        c.read(xml.as_bytes(), "r.xml", "unit")?;
        Ok(c.finish())
    }

    fn totals(xml: &str) -> Totals {
        read(xml).unwrap().totals()
    }

    /// Totals written out: total, passed, failed, errored, skipped, flaky.
    pub(super) fn t(
        total: u64,
        passed: u64,
        failed: u64,
        errored: u64,
        skipped: u64,
        flaky: u64,
    ) -> Totals {
        Totals {
            total,
            passed,
            failed,
            errored,
            skipped,
            flaky,
        }
    }

    #[test]
    fn an_empty_testcase_reads_as_the_same_testcase_with_an_end_tag() {
        // Empty cases of every shape: the plain ones are hashed from the reader's buffer.
        let cases = [
            r#"<testcase classname="x" name="1" time="0.5"/>"#,
            r#"<testcase classname="x" name="1" time="0.25"/>"#,
            r#"<testcase name="only a name"/>"#,
            r#"<testcase classname="x" name="a &amp; b" time="2"/>"#,
            r#"<testcase classname="x" name="é" time="3"/>"#,
            r#"<testcase classname = "x" name="spaced" time="4"/>"#,
            r#"<testcase classname="x" time="5"/>"#,
            r#"<testcase classname="x" name=""/>"#,
            r#"<testcase classname="x" name="s" status="skipped" file="a.rs" line="7"/>"#,
            r#"<testcase classname="x" name="2" name="2b" classname="y"/>"#,
            r#"<testcase classname="x" name="f"/>"#,
        ];
        let empty = format!(
            r#"<testsuites><testsuite name="s">{}</testsuite><testsuite name="s">{}<testcase classname="x" name="f"><failure/></testcase></testsuite><testsuite name="t">{}</testsuite></testsuites>"#,
            cases.join(""),
            cases.join(""),
            cases.join(""),
        );
        let with_end = empty.replace("\"/>", "\"></testcase>");
        assert_ne!(empty, with_end);
        let (a, b) = (read(&empty).unwrap(), read(&with_end).unwrap());
        assert_eq!(a, b);
        assert_eq!(a.totals().total, b.totals().total);
        assert!(a.totals().flaky >= 1, "{:?}", a.totals());
        assert!(!a.types[0].slowest.is_empty());
    }

    #[test]
    fn testsuite_root_nested_suites_and_lying_headers() {
        let xml = r#"<testsuite name="a" tests="99" failures="7">
            <testsuite name="b"><testsuite name="c">
              <testcase classname="x" name="1" time="1"/>
              <testcase classname="x" name="2"><failure message="m">trace</failure></testcase>
            </testsuite></testsuite>
            <testcase classname="x" name="3"><error/></testcase>
            <testcase classname="x" name="4"><skipped/></testcase>
            <testcase classname="x" name="5" status="disabled"/>
        </testsuite>"#;
        let r = read(xml).unwrap();
        assert_eq!(r.totals(), t(5, 1, 1, 1, 2, 0));
        assert_eq!(r.types[0].elements.disabled, 1);
        assert_eq!(r.files[0].suites, 3);
        let failed = &r.types[0].kept[0];
        assert_eq!((failed.suite.as_str(), failed.name.as_str()), ("c", "2"));
        assert_eq!(
            failed.main_attempt().unwrap().detail.as_deref(),
            Some("trace")
        );
    }

    #[test]
    fn several_results_in_one_case_most_severe_wins() {
        let xml = r#"<testsuites><testsuite>
            <testcase classname="c" name="a"><skipped/><failure/><error/></testcase>
            <testcase classname="c" name="b"><skipped/><failure/></testcase>
        </testsuite></testsuites>"#;
        assert_eq!(totals(xml), t(2, 0, 1, 1, 0, 0));
    }

    #[test]
    fn surefire_and_nextest_flaky_and_rerun_elements() {
        let xml = r#"<testsuites><testsuite name="s">
            <testcase classname="c" name="flaky" time="0.5">
              <flakyFailure message="first" type="AssertionError"><stackTrace>at x</stackTrace><system-out>noise</system-out></flakyFailure>
              <flakyError message="second"/>
            </testcase>
            <testcase classname="c" name="rerun">
              <failure message="boom"/>
              <rerunFailure message="again"/><rerunError message="again2"/>
            </testcase>
        </testsuite></testsuites>"#;
        let r = read(xml).unwrap();
        assert_eq!(r.totals(), t(2, 1, 1, 0, 0, 1));
        let ty = &r.types[0];
        let flaky = ty.kept.iter().find(|c| c.name == "flaky").unwrap();
        assert_eq!(flaky.outcome, Outcome::Flaky);
        assert_eq!(flaky.attempt_count, 3);
        assert_eq!(flaky.attempts[0].element, "flakyFailure");
        assert_eq!(flaky.attempts[0].detail.as_deref(), Some("at x"));
        assert_eq!(flaky.attempts[2].result, AttemptResult::Passed);
        let rerun = ty.kept.iter().find(|c| c.name == "rerun").unwrap();
        assert_eq!((rerun.outcome, rerun.attempt_count), (Outcome::Failed, 3));
        assert_eq!(
            rerun.main_attempt().unwrap().message.as_deref(),
            Some("again2")
        );
    }

    #[test]
    fn duplicate_testcases_fold_by_classname_and_name() {
        let xml = r#"<testsuite name="s">
            <testcase classname="A" name="t" time="1"><failure/></testcase>
            <testcase classname="A" name="t" time="2"/>
            <testcase classname="B" name="t"><failure/></testcase>
            <testcase classname="A" name="u"/>
            <testcase classname="A" name="u"/>
            <testcase classname="A" name="v"/>
            <testcase classname="A" name="v"><error/></testcase>
        </testsuite>"#;
        let r = read(xml).unwrap();
        // A.t flaky, B.t failed (not merged across classnames), A.u passed once, A.v flaky.
        assert_eq!(r.totals(), t(4, 3, 1, 0, 0, 2));
        assert_eq!(r.types[0].elements.cases, 7);
        let at = r.types[0]
            .kept
            .iter()
            .find(|c| c.classname == "A" && c.name == "t")
            .unwrap();
        assert_eq!((at.attempt_count, at.time), (2, Some(3.0)));
        let av = r.types[0].kept.iter().find(|c| c.name == "v").unwrap();
        assert_eq!((av.outcome, av.attempt_count), (Outcome::Flaky, 2));
    }

    #[test]
    fn reruns_across_files_are_folded_in_the_run() {
        let mut c = Collector::new(ReadOptions::default());
        c.read(
            &br#"<testsuite name="s"><testcase classname="A" name="t"><failure/></testcase><testcase classname="A" name="ok"/></testsuite>"#[..],
            "attempt_1.xml",
            "unit",
        )
        .unwrap();
        c.read(
            &br#"<testsuite name="s"><testcase classname="A" name="t"/><testcase classname="A" name="new"/></testsuite>"#[..],
            "attempt_2.xml",
            "unit",
        )
        .unwrap();
        let r = c.finish();
        assert_eq!(r.totals(), t(3, 3, 0, 0, 0, 1));
        assert_eq!(r.types[0].kept[0].attempt_count, 2);
    }

    #[test]
    fn later_files_fold_into_kept_records_within_the_cap() {
        let mut c = Collector::new(ReadOptions {
            max_kept_cases: 1,
            ..ReadOptions::default()
        });
        let f1 = r#"<testsuite name="s"><testcase classname="A" name="t"><failure message="1"/></testcase></testsuite>"#;
        let f2 = r#"<testsuite name="s"><testcase classname="A" name="t"><error message="2"/></testcase><testcase classname="A" name="u"><failure/></testcase><testcase classname="A" name="v"><skipped/></testcase></testsuite>"#;
        let f3 = r#"<testsuite name="s"><testcase classname="A" name="u"/><testcase classname="A" name="v"/></testsuite>"#;
        for (i, f) in [f1, f2, f3].iter().enumerate() {
            c.read(f.as_bytes(), &format!("f{i}.xml"), "unit").unwrap();
        }
        let r = c.finish();
        // t: failed then errored → errored (2 attempts); u: failed then passed → flaky, without
        // a record (over the cap); v: skipped then passed → passed.
        assert_eq!(r.totals(), t(3, 2, 0, 1, 0, 1));
        let ty = &r.types[0];
        assert_eq!(ty.kept.len(), 1);
        assert_eq!(
            (ty.kept[0].outcome, ty.kept[0].attempt_count),
            (Outcome::Errored, 2)
        );
        assert_eq!(ty.unrecorded, 1);
    }

    #[test]
    fn lines_are_right_across_read_chunks() {
        let mut xml = String::from("<testsuites>\n<testsuite name=\"s\">\n");
        for i in 0..20_000 {
            xml.push_str(&format!(
                "<testcase classname=\"c\" name=\"t{i}\" time=\"0.1\"/>\n"
            ));
        }
        xml.push_str("<testcase name=\"cut");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.xml");
        std::fs::write(&path, &xml).unwrap();
        assert!(xml.len() > 3 * 256 * 1024);
        let mut c = Collector::new(ReadOptions::default());
        let e = c.read_path(&path, "big.xml", "unit").unwrap_err();
        assert!(
            matches!(e, JunitError::Truncated { line: 20_003, .. }),
            "{e:?}"
        );
        let e = Collector::new(ReadOptions::default())
            .read(xml.as_bytes(), "big.xml", "unit")
            .unwrap_err();
        assert!(
            matches!(e, JunitError::Truncated { line: 20_003, .. }),
            "{e:?}"
        );
    }

    /// Found by the fuzz target: a test passed in an earlier file, then failed twice in a
    /// later one. The later file's change to the totals is negative in `passed`.
    #[test]
    fn a_test_that_passed_in_an_earlier_file_then_failed_twice() {
        let mut c = Collector::new(ReadOptions::default());
        let a = r#"<testsuite name="S"><testcase classname="C" name="x"/><testcase classname="C" name="y"><failure/></testcase></testsuite>"#;
        let b = r#"<testsuite name="S"><testcase classname="C" name="x"><failure/></testcase><testcase classname="C" name="x"><failure/></testcase></testsuite>"#;
        c.read(a.as_bytes(), "a.xml", "unit").unwrap();
        c.read(b.as_bytes(), "b.xml", "unit").unwrap();
        let r = c.finish();
        assert_eq!(r.totals(), t(2, 1, 1, 0, 0, 1));
        let x = r.types[0].kept.iter().find(|k| k.name == "x").unwrap();
        assert_eq!((x.outcome, x.attempt_count), (Outcome::Flaky, 3));
    }

    /// Found by the fuzz target: a test that passed then failed in two elements of one suite,
    /// in a file read twice.
    #[test]
    fn the_same_flaky_file_twice() {
        let xml = r#"<testsuites>
            <testsuite name="S"><testcase name="x"/></testsuite>
            <testsuite name="S"><testcase name="x"><failure/></testcase><testcase name="s"><skipped/></testcase></testsuite>
        </testsuites>"#;
        let mut c = Collector::new(ReadOptions::default());
        c.read(xml.as_bytes(), "a.xml", "unit").unwrap();
        c.read(xml.as_bytes(), "b.xml", "unit").unwrap();
        let r = c.finish();
        assert_eq!(r.totals(), t(2, 1, 0, 0, 1, 1));
        let x = &r.types[0].kept[0];
        assert_eq!((x.outcome, x.attempt_count), (Outcome::Flaky, 4));
    }

    #[test]
    fn a_bad_file_counts_for_nothing() {
        let mut c = Collector::new(ReadOptions::default());
        let err = c
            .read(
                &b"<testsuite><testcase name=\"a\"/>\n<testcase name=\"b\">"[..],
                "bad.xml",
                "unit",
            )
            .unwrap_err();
        assert!(
            matches!(err, JunitError::Truncated { line: 2, .. }),
            "{err:?}"
        );
        c.read(
            &b"<testsuite><testcase name=\"a\"/></testsuite>"[..],
            "ok.xml",
            "unit",
        )
        .unwrap();
        assert_eq!(c.finish().totals(), t(1, 1, 0, 0, 0, 0));
    }

    #[test]
    fn times() {
        for (text, want) in [
            ("1.5", Some(1.5)),
            ("0,014", Some(0.014)),
            ("14,029.255", Some(14029.255)),
            ("1,234,567", Some(1234567.0)),
            ("1e-3", Some(0.001)),
            (" 2 ", Some(2.0)),
            ("", None),
            ("abc", None),
            ("-1", None),
            ("NaN", None),
            ("inf", None),
            ("1,2,3", None),
            ("12,34.5", None),
        ] {
            assert_eq!(parse_time(text), want, "{text}");
        }
        let r = read(r#"<testsuites><testsuite time="junk"><testcase name="a" time="0,5"/><testcase name="b" time="x"/></testsuite></testsuites>"#).unwrap();
        assert_eq!(r.types[0].time, Some(0.5));
    }

    #[test]
    fn bom_entities_and_astral_unicode() {
        let xml = "\u{feff}<?xml version=\"1.0\"?>\n<testsuites><testsuite name=\"s\"><testcase classname=\"c\" name=\"a &amp; &lt;b&gt; &#x1F600; \u{1D11E}\"><failure message=\"&quot;q&quot; &#233;\">x &lt; y</failure></testcase></testsuite></testsuites>";
        let r = read(xml).unwrap();
        let c = &r.types[0].kept[0];
        assert_eq!(c.name, "a & <b> 😀 𝄞");
        let a = c.main_attempt().unwrap();
        assert_eq!(a.message.as_deref(), Some("\"q\" é"));
        assert_eq!(a.detail.as_deref(), Some("x < y"));
    }

    #[test]
    fn the_last_message_and_the_last_non_empty_type_of_a_result_are_kept() {
        let r = read(r#"<testsuite><testcase name="a"><failure message="first" type="T" message="b &amp; c" type=""/><rerunFailure message="m" type="F"/></testcase></testsuite>"#).unwrap();
        let c = &r.types[0].kept[0];
        let got: Vec<_> = c
            .attempts
            .iter()
            .map(|a| (a.element, a.message.as_deref(), a.kind.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("testcase", Some("b & c"), Some("T")),
                ("rerunFailure", Some("m"), Some("F"))
            ]
        );
    }

    #[test]
    fn file_and_line_attributes() {
        let r = read(r#"<testsuite><testcase name="a" file="src/x.py" line="12"><failure/></testcase></testsuite>"#).unwrap();
        let c = &r.types[0].kept[0];
        assert_eq!((c.file.as_deref(), c.line), (Some("src/x.py"), Some(12)));
    }

    #[test]
    fn refusals_name_the_file_and_line() {
        let e = read("<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n<testsuites>&xxe;</testsuites>").unwrap_err();
        assert!(matches!(e, JunitError::Doctype { line: 2, .. }), "{e:?}");
        assert_eq!(
            e.render(),
            "devmetrics: error: skipped r.xml: at line 2: a DOCTYPE declaration is not allowed\n  help: remove the <!DOCTYPE …> declaration: JUnit reports never need one, and its entities could read files or URLs"
        );
        let e = read("this is not an xml file").unwrap_err();
        assert!(matches!(e, JunitError::NotXml { line: 1, .. }), "{e:?}");
        let e = read("\n\n  {\"json\": true}").unwrap_err();
        assert!(matches!(e, JunitError::NotXml { line: 3, .. }), "{e:?}");
        let e = read("").unwrap_err();
        assert!(matches!(e, JunitError::Empty { .. }), "{e:?}");
        let e = read("<testsuites>\n<testsuite>\n<testcase name=\"a").unwrap_err();
        assert!(matches!(e, JunitError::Truncated { line: 3, .. }), "{e:?}");
        let e = read("<testsuites>\n<testsuite>\n</testsuites>").unwrap_err();
        assert!(matches!(e, JunitError::Malformed { line: 3, .. }), "{e:?}");
        let e = read("<?xml version=\"1.0\"?>\n\n<suites><suite/></suites>").unwrap_err();
        assert!(e.is_not_junit());
        assert_eq!(e.line(), Some(3));
        assert!(e.is_warning());
        assert!(
            e.to_string()
                .contains("not JUnit: the root element is <suites>"),
            "{e}"
        );
    }

    #[test]
    fn attribute_whitespace_is_normalized_like_any_xml_parser() {
        let xml = "<testsuite><testcase name=\"a\r\nb\tc&#10;d\"/><testcase name=\"a b c&#10;d\"/></testsuite>";
        let r = read(xml).unwrap();
        assert_eq!(r.totals(), t(1, 1, 0, 0, 0, 0));
    }

    #[test]
    fn passes_in_closed_suite_elements_fold_with_later_ones() {
        let xml = r#"<testsuites>
            <testsuite name="s"><testcase classname="c" name="a"/><testcase classname="c" name="b"/></testsuite>
            <testsuite name="other"><testcase classname="c" name="a"/></testsuite>
            <testsuite name="s"><testcase classname="c" name="a"/><testcase classname="c" name="b"><failure/></testcase></testsuite>
        </testsuites>"#;
        let r = read(xml).unwrap();
        // s/c/a passed twice: one test; s/c/b passed then failed: flaky; other/c/a: another test.
        assert_eq!(r.totals(), t(3, 3, 0, 0, 0, 1));
        assert_eq!(r.types[0].kept[0].attempt_count, 2);
    }

    #[test]
    fn unnamed_cases_are_never_folded() {
        let xml = r#"<testsuites><testsuite><testcase/><testcase><skipped/></testcase><testcase><failure/></testcase><testcase><error/></testcase></testsuite></testsuites>"#;
        assert_eq!(totals(xml), t(4, 1, 1, 1, 1, 0));
    }

    #[test]
    fn slowest_are_bounded_and_sorted() {
        let mut xml = String::from("<testsuite>");
        for i in 0..100 {
            xml.push_str(&format!(
                "<testcase classname=\"c\" name=\"t{i}\" time=\"{i}\"/>"
            ));
        }
        xml.push_str("</testsuite>");
        let mut c = Collector::new(ReadOptions {
            slowest: SlowestCases::Top(3),
            ..ReadOptions::default()
        });
        c.read(xml.as_bytes(), "r.xml", "unit").unwrap();
        let r = c.finish();
        let names: Vec<&str> = r.types[0].slowest.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["t99", "t98", "t97"]);
        assert_eq!(r.types[0].time, Some((0..100).sum::<i32>() as f64));
    }

    #[test]
    fn messages_are_truncated() {
        let long = "é".repeat(10_000);
        let xml = format!("<testsuite><testcase name=\"a\"><failure message=\"{long}\">{long}</failure></testcase></testsuite>");
        let r = read(&xml).unwrap();
        let a = r.types[0].kept[0].main_attempt().unwrap();
        assert_eq!(a.message.as_ref().unwrap().chars().count(), 1000);
        assert_eq!(a.detail.as_ref().unwrap().chars().count(), 1000);
    }

    #[test]
    fn kept_records_are_bounded_but_every_test_is_counted() {
        let mut xml = String::from("<testsuite name=\"s\">");
        for i in 0..50 {
            xml.push_str(&format!(
                "<testcase classname=\"c\" name=\"t{i}\"><failure/></testcase>"
            ));
        }
        // A rerun of an unrecorded test still folds.
        xml.push_str("<testcase classname=\"c\" name=\"t49\"/></testsuite>");
        let mut c = Collector::new(ReadOptions {
            max_kept_cases: 10,
            ..ReadOptions::default()
        });
        c.read(xml.as_bytes(), "r.xml", "unit").unwrap();
        let r = c.finish();
        assert_eq!(r.totals(), t(50, 1, 49, 0, 0, 1));
        assert_eq!(r.types[0].kept.len(), 10);
        assert_eq!(r.types[0].unrecorded, 40);
    }

    #[test]
    fn a_large_file_read_ahead_by_path_reads_as_the_same_bytes_in_memory() {
        // Over READ_AHEAD_FROM_BYTES: read by a thread, chunk by chunk, repeats across chunks.
        let mut xml = String::from("<testsuites>\n");
        for s in 0..60 {
            xml.push_str(&format!("<testsuite name=\"s{}\">\n", s % 45));
            for c in 0..400 {
                match (s * 400 + c) % 97 {
                    0 => xml.push_str(&format!(
                        "  <testcase classname=\"c\" name=\"t{c}\" time=\"0.5\"><failure message=\"m\">{}</failure></testcase>\n",
                        "x".repeat(300)
                    )),
                    1 => xml.push_str(&format!("  <testcase classname=\"c\" name=\"t{c}\"><skipped/></testcase>\n")),
                    _ => xml.push_str(&format!("  <testcase classname=\"c\" name=\"t{c}\" time=\"0.{c}\"/>\n")),
                }
            }
            xml.push_str("</testsuite>\n");
        }
        xml.push_str("</testsuites>\n");
        assert!(xml.len() as u64 >= READ_AHEAD_FROM_BYTES, "{}", xml.len());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("TEST-large.xml");
        std::fs::write(&path, &xml).unwrap();
        let mut by_path = Collector::new(ReadOptions::default());
        by_path.read_path(&path, "r.xml", "unit").unwrap();
        let in_memory = read(&xml).unwrap();
        let by_path = by_path.finish();
        assert_eq!(by_path, in_memory);
        assert!(
            by_path.totals().flaky > 0 && by_path.totals().failed > 0,
            "{:?}",
            by_path.totals()
        );

        // Cut inside a case near the end: the same line is named either way.
        let cut = &xml[..xml.len() - 2_000];
        let cut = &cut[..cut.rfind("name=").unwrap()];
        std::fs::write(&path, cut).unwrap();
        let mut by_path = Collector::new(ReadOptions::default());
        let err = by_path.read_path(&path, "r.xml", "unit").unwrap_err();
        let in_memory = read(cut).unwrap_err();
        assert_eq!(err.to_string(), in_memory.to_string());
        let last_line = cut.lines().count();
        assert!(
            err.to_string().contains(&format!("line {last_line}")),
            "{err} (line {last_line})"
        );
    }
}
