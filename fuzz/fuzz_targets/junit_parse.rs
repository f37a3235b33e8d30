//! Feeds arbitrary bytes to the JUnit reader: it must return a report or a typed error, never
//! panic, and its totals must add up.
//!
//! Differential check: the plain empty `<testcase .../>` elements read straight from the input's
//! buffer (`Parser::read_plain_empty_cases`) must read as quick-xml reads them. The same bytes are
//! read (a) as `&[u8]` (the whole input in the buffer: the fast path can fire), (b) through a
//! 3-byte `BufReader` (never a whole element in the buffer: quick-xml reads everything), (c)
//! through a `BufReader` of 3 to 258 bytes taken from the first input byte (elements straddle the
//! buffer's end) and (d), unless the input starts with a UTF-8 BOM, through a 1-byte `BufReader`.
//! All must give the same report, or the same refusals.
//!
//! quick-xml strips a UTF-8 BOM only when the first `fill_buf` holds its three bytes, so a 1- or
//! 2-byte buffer refuses a document with a BOM that the others read
//! (`tests/fixtures/junit/fuzz-found/bom-split-by-buffer.xml`, found by this target on
//! 2026-12-02): hence 3 bytes at least, except for inputs without a BOM.
#![no_main]

use devmetrics::sources::junit::{Collector, ReadOptions, SlowestCases};
use libfuzzer_sys::fuzz_target;
use std::io::{BufRead, BufReader};

const OPTIONS: ReadOptions = ReadOptions {
    slowest: SlowestCases::Top(3),
    max_message_chars: 64,
    max_kept_cases: 4,
};

/// Reads the same bytes twice, as two files of one run (exercises folding across files), each
/// through the `BufRead` that `input` makes; checks the report and returns everything the user
/// would see: each file's summary or refusal, then the whole report.
fn outcome<R: BufRead>(input: impl Fn() -> R) -> String {
    let mut collector = Collector::new(OPTIONS);
    let mut seen = String::new();
    for name in ["a.xml", "b.xml"] {
        match collector.read(input(), name, "unit") {
            Ok(summary) => seen.push_str(&format!("{summary:?}\n")),
            Err(e) => {
                let text = e.render();
                assert!(text.starts_with("devmetrics: "));
                assert!(text.contains(name));
                seen.push_str(&text);
                seen.push('\n');
            }
        }
    }
    let report = collector.finish();
    for ty in &report.types {
        let t = ty.totals;
        assert_eq!(t.passed + t.failed + t.errored + t.skipped, t.total);
        assert!(t.flaky <= t.passed);
        assert!(ty.kept.len() <= 4);
        assert!(t.total <= ty.elements.cases);
    }
    seen.push_str(&format!("{report:?}"));
    seen
}

/// The UTF-8 byte order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

fuzz_target!(|data: &[u8]| {
    let whole = outcome(|| data);
    let by_quick_xml = outcome(|| BufReader::with_capacity(3, data));
    assert_eq!(
        whole, by_quick_xml,
        "the whole input in the buffer (left) and a 3-byte buffer (right) differ"
    );
    let size = data.first().map_or(64, |&b| usize::from(b) + 3);
    let mid = outcome(|| BufReader::with_capacity(size, data));
    assert_eq!(
        mid, by_quick_xml,
        "a {size}-byte buffer (left) and a 3-byte buffer (right) differ"
    );
    if !data.starts_with(BOM) {
        let by_byte = outcome(|| BufReader::with_capacity(1, data));
        assert_eq!(
            by_byte, by_quick_xml,
            "a 1-byte buffer (left) and a 3-byte buffer (right) differ"
        );
    }
});
