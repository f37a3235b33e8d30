//! Feeds arbitrary bytes to the JUnit reader: it must return a report or a typed error, never
//! panic, and its totals must add up.
#![no_main]

use devmetrics::sources::junit::{Collector, ReadOptions, SlowestCases};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut collector = Collector::new(ReadOptions {
        slowest: SlowestCases::Top(3),
        max_message_chars: 64,
        max_kept_cases: 4,
    });
    // The same bytes twice, as two files of one run: exercises folding across files.
    for name in ["a.xml", "b.xml"] {
        if let Err(e) = collector.read(data, name, "unit") {
            let text = e.render();
            assert!(text.starts_with("devmetrics: "));
            assert!(text.contains(name));
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
});
