//! The report model: what reading JUnit files keeps, aggregated per test type. Only the cases
//! that rows need are kept (failed, errored, flaky and the slowest); everything else is counted.

use std::fmt;

/// The outcome of one test in one run, reruns folded in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// Passed at every attempt.
    Passed,
    /// Skipped or disabled.
    Skipped,
    /// Failed at least once, then passed.
    Flaky,
    /// Failed (an assertion), never passed.
    Failed,
    /// Errored (an unexpected error), never passed.
    Errored,
}

impl Outcome {
    /// The lowercase name (`passed`, `failed`…).
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Skipped => "skipped",
            Outcome::Flaky => "flaky",
            Outcome::Failed => "failed",
            Outcome::Errored => "errored",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What one attempt of a test gave. Within one attempt the most severe result wins
/// (errored > failed > skipped > passed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AttemptResult {
    /// Passed.
    Passed,
    /// `<skipped>`, or a `status` of `skipped`/`disabled`/`notrun`.
    Skipped,
    /// `<failure>`, `<flakyFailure>`, `<rerunFailure>`.
    Failed,
    /// `<error>`, `<flakyError>`, `<rerunError>`.
    Errored,
}

impl AttemptResult {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptResult::Passed => "passed",
            AttemptResult::Skipped => "skipped",
            AttemptResult::Failed => "failed",
            AttemptResult::Errored => "errored",
        }
    }
}

/// One attempt of a test: a `<testcase>` element, or a `flaky*`/`rerun*` element inside one.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    /// What it gave.
    pub result: AttemptResult,
    /// The element it came from (`testcase`, `flakyFailure`, `rerunError`…).
    pub element: &'static str,
    /// The `message` attribute, truncated.
    pub message: Option<String>,
    /// The `type` attribute (exception class), truncated.
    pub kind: Option<String>,
    /// The element's text or `<stackTrace>`, truncated.
    pub detail: Option<String>,
    /// Seconds, when known.
    pub time: Option<f64>,
}

/// How many attempts of one case are kept with their messages (all are counted).
pub const MAX_ATTEMPTS_KEPT: usize = 5;

/// A test case kept for the rows: failed, errored, flaky or skipped-and-kept, or one of the
/// slowest. Duplicates (same classname and name in one run and test type) are folded into one.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseRecord {
    /// The report file it was read from (first one when folded).
    pub report: String,
    /// The innermost enclosing `<testsuite>` name (`''` when none).
    pub suite: String,
    /// The `classname` attribute (`''` when none).
    pub classname: String,
    /// The `name` attribute (`<unnamed testcase N>` when missing).
    pub name: String,
    /// The folded outcome.
    pub outcome: Outcome,
    /// Sum of the known times of its `<testcase>` elements.
    pub time: Option<f64>,
    /// How many attempts were seen (may exceed `attempts.len()`).
    pub attempt_count: u32,
    /// The first [`MAX_ATTEMPTS_KEPT`] attempts.
    pub attempts: Vec<Attempt>,
    /// The `file` attribute.
    pub file: Option<String>,
    /// The `line` attribute.
    pub line: Option<u32>,
}

impl CaseRecord {
    /// The attempt that best explains the outcome: the last failed or errored one (for a flaky
    /// test, the failure it recovered from), else the first skipped one, else the first one.
    pub fn main_attempt(&self) -> Option<&Attempt> {
        let bad = self
            .attempts
            .iter()
            .rev()
            .find(|a| matches!(a.result, AttemptResult::Failed | AttemptResult::Errored));
        bad.or_else(|| {
            self.attempts
                .iter()
                .find(|a| a.result == AttemptResult::Skipped)
        })
        .or_else(|| self.attempts.first())
    }

    /// Recomputes the outcome from the attempts' flags.
    pub(crate) fn fold_outcome(flags: ResultFlags) -> Outcome {
        let bad = flags.failed || flags.errored;
        if bad && flags.passed {
            Outcome::Flaky
        } else if flags.errored {
            Outcome::Errored
        } else if flags.failed {
            Outcome::Failed
        } else if flags.passed {
            Outcome::Passed
        } else {
            Outcome::Skipped
        }
    }
}

/// Which results the attempts of one test gave.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ResultFlags {
    pub passed: bool,
    pub skipped: bool,
    pub failed: bool,
    pub errored: bool,
}

impl ResultFlags {
    pub fn with(mut self, r: AttemptResult) -> ResultFlags {
        match r {
            AttemptResult::Passed => self.passed = true,
            AttemptResult::Skipped => self.skipped = true,
            AttemptResult::Failed => self.failed = true,
            AttemptResult::Errored => self.errored = true,
        }
        self
    }

    pub fn union(self, o: ResultFlags) -> ResultFlags {
        ResultFlags {
            passed: self.passed || o.passed,
            skipped: self.skipped || o.skipped,
            failed: self.failed || o.failed,
            errored: self.errored || o.errored,
        }
    }

    pub fn outcome(self) -> Outcome {
        CaseRecord::fold_outcome(self)
    }
}

/// Totals of distinct tests. `passed + failed + errored + skipped = total`; flaky tests are
/// counted in `passed` and in `flaky`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Distinct tests.
    pub total: u64,
    /// Passed, flaky included.
    pub passed: u64,
    /// Failed.
    pub failed: u64,
    /// Errored.
    pub errored: u64,
    /// Skipped or disabled.
    pub skipped: u64,
    /// Passed after failing.
    pub flaky: u64,
}

impl Totals {
    /// Counts one test with this outcome.
    pub fn add(&mut self, outcome: Outcome) {
        self.total += 1;
        match outcome {
            Outcome::Passed => self.passed += 1,
            Outcome::Flaky => {
                self.passed += 1;
                self.flaky += 1;
            }
            Outcome::Failed => self.failed += 1,
            Outcome::Errored => self.errored += 1,
            Outcome::Skipped => self.skipped += 1,
        }
    }

    /// Uncounts one test with this outcome (when duplicates are folded).
    pub fn remove(&mut self, outcome: Outcome) {
        self.total -= 1;
        match outcome {
            Outcome::Passed => self.passed -= 1,
            Outcome::Flaky => {
                self.passed -= 1;
                self.flaky -= 1;
            }
            Outcome::Failed => self.failed -= 1,
            Outcome::Errored => self.errored -= 1,
            Outcome::Skipped => self.skipped -= 1,
        }
    }

    /// Adds other totals.
    pub fn merge(&mut self, o: &Totals) {
        self.total += o.total;
        self.passed += o.passed;
        self.failed += o.failed;
        self.errored += o.errored;
        self.skipped += o.skipped;
        self.flaky += o.flaky;
    }
}

/// `<testcase>` elements as written, before duplicates are folded (the `cases_*` columns of
/// the peer's oracle).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ElementCounts {
    /// `<testcase>` elements.
    pub cases: u64,
    /// Passed (flaky ones included).
    pub passed: u64,
    /// Skipped (not disabled).
    pub skipped: u64,
    /// Disabled (`status="disabled"`).
    pub disabled: u64,
    /// Failed.
    pub failed: u64,
    /// Errored.
    pub errored: u64,
}

impl ElementCounts {
    /// Adds other counts.
    pub fn merge(&mut self, o: &ElementCounts) {
        self.cases += o.cases;
        self.passed += o.passed;
        self.skipped += o.skipped;
        self.disabled += o.disabled;
        self.failed += o.failed;
        self.errored += o.errored;
    }
}

/// What one file gave.
#[derive(Debug, Clone, PartialEq)]
pub struct FileSummary {
    /// The path as shown to users (relative to the root).
    pub path: String,
    /// Its test type.
    pub test_type: String,
    /// The root element (`testsuites` or `testsuite`).
    pub root: String,
    /// `<testsuite>` elements at any depth.
    pub suites: u64,
    /// What this file added to its type's distinct tests (tests folded into an earlier file's
    /// are not counted again).
    pub totals: Totals,
    /// `<testcase>` elements.
    pub elements: ElementCounts,
    /// Sum of the outermost suites' times.
    pub time: Option<f64>,
}

/// Everything read for one test type.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeReport {
    /// `unit`, `integration`…
    pub test_type: String,
    /// Distinct tests, duplicates folded.
    pub totals: Totals,
    /// `<testcase>` elements.
    pub elements: ElementCounts,
    /// Sum of the files' times.
    pub time: Option<f64>,
    /// Failed, errored and flaky cases, in reading order (at most `max_kept_cases`).
    pub kept: Vec<CaseRecord>,
    /// Failed, errored and flaky tests counted but not kept (over `max_kept_cases`).
    pub unrecorded: u64,
    /// The slowest cases (any outcome), slowest first; may repeat a kept case.
    pub slowest: Vec<CaseRecord>,
    /// The files read for this type.
    pub files: Vec<String>,
}

/// What reading a run's JUnit files gave, per test type (sorted by type).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TestReport {
    /// One entry per test type.
    pub types: Vec<TypeReport>,
    /// One entry per file read.
    pub files: Vec<FileSummary>,
}

impl TestReport {
    /// The totals of every type.
    pub fn totals(&self) -> Totals {
        let mut t = Totals::default();
        for ty in &self.types {
            t.merge(&ty.totals);
        }
        t
    }
}

/// Cuts `text` to at most `max` chars, on a char boundary, marking the cut with `…`.
pub fn truncate_chars(text: &str, max: usize) -> String {
    if text.len() <= max {
        // No more bytes than `max`, so no more chars.
        return text.to_string();
    }
    // `text` is longer than `max` bytes: when its first `max` are ASCII, it has more than `max`
    // chars and the cut is at byte `max - 1` (stack traces, messages).
    if max > 0 && text.as_bytes()[..max].is_ascii() {
        let mut s = String::with_capacity(max + 2);
        s.push_str(&text[..max - 1]);
        s.push('…');
        return s;
    }
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some(_) if max == 0 => String::new(),
        Some(_) => {
            let cut = text.char_indices().nth(max - 1).map_or(0, |(i, _)| i);
            let mut s = text[..cut].to_string();
            s.push('…');
            s
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_add_up_and_flaky_counts_as_passed() {
        let mut t = Totals::default();
        for o in [
            Outcome::Passed,
            Outcome::Flaky,
            Outcome::Failed,
            Outcome::Errored,
            Outcome::Skipped,
        ] {
            t.add(o);
        }
        assert_eq!(t.total, 5);
        assert_eq!(t.passed, 2);
        assert_eq!(t.flaky, 1);
        assert_eq!(t.passed + t.failed + t.errored + t.skipped, t.total);
        t.remove(Outcome::Flaky);
        assert_eq!((t.total, t.passed, t.flaky), (4, 1, 0));
        // The one definition of the pass rate, applied to these totals.
        assert_eq!(
            crate::rows::test_runs::pass_rate(t.passed as i64, t.total as i64, t.skipped as i64),
            Some(100.0 / 3.0)
        );
    }

    #[test]
    fn truncation_keeps_char_boundaries() {
        assert_eq!(truncate_chars("héllo", 10), "héllo");
        assert_eq!(truncate_chars("héllo", 5), "héllo");
        assert_eq!(truncate_chars("héllo", 3), "hé…");
        assert_eq!(truncate_chars("𒍺𡓿𠄉", 2), "𒍺…");
        assert_eq!(truncate_chars("abc", 0), "");
        assert_eq!(truncate_chars("abcdef", 3), "ab…");
        assert_eq!(truncate_chars("abcé", 3), "ab…");
        assert_eq!(truncate_chars("abcé", 4), "abcé");
    }

    #[test]
    fn folding_results() {
        let f = ResultFlags::default();
        assert_eq!(f.with(AttemptResult::Passed).outcome(), Outcome::Passed);
        assert_eq!(f.with(AttemptResult::Skipped).outcome(), Outcome::Skipped);
        let bad = f.with(AttemptResult::Failed).with(AttemptResult::Errored);
        assert_eq!(bad.outcome(), Outcome::Errored);
        assert_eq!(bad.with(AttemptResult::Passed).outcome(), Outcome::Flaky);
        assert_eq!(
            f.with(AttemptResult::Skipped)
                .with(AttemptResult::Passed)
                .outcome(),
            Outcome::Passed
        );
    }
}
