//! The flakiest and slowest tests of a period (top 10 each), from the cases `record` kept in
//! `metrics.test_case_results`: counted and ranked here, since no stored figure holds them.

use super::words::duration;
use crate::sources::figures::TestCase;
use serde::Serialize;
use std::collections::BTreeMap;

/// A test in a top-10 list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestLine {
    /// `suite › class › name` (empty parts left out).
    pub name: String,
    /// Flaky runs, or runs in which it was kept as slow.
    pub runs: i64,
    /// Longest recorded duration (seconds).
    pub max_seconds: Option<f64>,
    /// In words.
    pub text: String,
}

fn test_name(case: &TestCase) -> String {
    [&case.suite_name, &case.classname, &case.test_name]
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" › ")
}

/// The tests flaky in most runs (ties: by name), top 10.
pub fn flaky(cases: &[TestCase]) -> Vec<TestLine> {
    let mut runs: BTreeMap<String, i64> = BTreeMap::new();
    for case in cases.iter().filter(|c| c.outcome == "flaky") {
        *runs.entry(test_name(case)).or_default() += 1;
    }
    let mut lines: Vec<TestLine> = runs
        .into_iter()
        .map(|(name, runs)| TestLine {
            text: format!("flaky in {runs} run(s)"),
            name,
            runs,
            max_seconds: None,
        })
        .collect();
    lines.sort_by(|a, b| b.runs.cmp(&a.runs).then_with(|| a.name.cmp(&b.name)));
    lines.truncate(10);
    lines
}

/// The tests with the longest recorded duration (ties: by name), top 10.
pub fn slowest(cases: &[TestCase]) -> Vec<TestLine> {
    let mut longest: BTreeMap<String, (f64, i64)> = BTreeMap::new();
    for case in cases {
        let Some(seconds) = case.duration_seconds else {
            continue;
        };
        let entry = longest.entry(test_name(case)).or_insert((0.0, 0));
        entry.0 = entry.0.max(seconds);
        entry.1 += 1;
    }
    let mut lines: Vec<TestLine> = longest
        .into_iter()
        .map(|(name, (max, runs))| TestLine {
            text: format!("{} at most, in {runs} recorded run(s)", duration(max)),
            name,
            runs,
            max_seconds: Some(max),
        })
        .collect();
    lines.sort_by(|a, b| {
        b.max_seconds
            .partial_cmp(&a.max_seconds)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.name.cmp(&b.name))
    });
    lines.truncate(10);
    lines
}
