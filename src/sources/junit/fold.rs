//! The fold of repeated tests: `<testcase>`s with the same identity (suite name, classname,
//! name) in one run and test type are one test with several attempts.
//!
//! - Its outcome is **flaky** if any attempt passed and any failed or errored, else the most
//!   severe result (`ResultFlags::outcome`).
//! - Within one suite element every repeat folds, passed ones into a count (no record).
//! - A test kept by this file (failed, errored, flaky, skipped) folds its later attempts into its
//!   slot and, when it has one, its record.
//! - A test that passed in a suite element already closed (this file or an earlier one, same
//!   suite name): a later pass or skip folds away; a failure makes it flaky.
//! - A test an earlier file keeps a slot for is folded at the merge ([`RunFold::merge`]), never
//!   against the run's closed passes as well (fuzz crash 2: folded twice).
//! - A file's change to its type's totals is signed ([`Delta`]): it also changes tests that
//!   earlier files counted, so it can go below zero on the way (fuzz crash 1: a test passed in
//!   an earlier file and failed twice here overflowed unsigned totals).
//! - Only `max_kept_cases` records per test type: beyond, a test keeps a 16-byte slot (its
//!   flags) so that it is still counted and folded; a test the run already has a record of gets
//!   one in a later file too, to fold into it.
//!
//! Longer than 600 lines on purpose: these rules are one state machine over the same maps
//! (suite passes, slots, closed passes), used while a file is read ([`FileFold`]) and again when
//! the file joins its test type ([`RunFold`]); split, each half would need the other to be
//! understood. About 570 lines are code and docs; the other 420 are its unit tests, which pin
//! every rule above without XML.

use super::closed::ClosedPasses;
use super::hash::KeyMap;
use super::model::{
    Attempt, AttemptResult, CaseRecord, Outcome, ResultFlags, Totals, MAX_ATTEMPTS_KEPT,
};
use std::collections::hash_map::{Entry, OccupiedEntry, VacantEntry};

/// A test that did not simply pass: its result flags and the index of its record, if it has
/// one (not when skipped, nor once `max_kept_cases` records are kept). 16 bytes per test with
/// its key, so that every failed test of a huge run can still be folded.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Slot {
    pub flags: ResultFlags,
    pub record: u32,
}

/// `Slot::record` of a test without a record.
pub(crate) const NO_RECORD: u32 = u32::MAX;

impl Slot {
    pub fn record(&self) -> Option<usize> {
        (self.record != NO_RECORD).then_some(self.record as usize)
    }
}

/// Test key → its slot.
pub(crate) type SlotMap = KeyMap<Slot>;

/// A kept record with its test key.
#[derive(Debug, Clone)]
pub(crate) struct Kept {
    pub key: u64,
    pub record: CaseRecord,
}

/// What one file changes in its test type's totals: signed, since a test counted by an earlier
/// file can change outcome (passed there, failed here: flaky).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Delta {
    pub total: i64,
    pub passed: i64,
    pub failed: i64,
    pub errored: i64,
    pub skipped: i64,
    pub flaky: i64,
}

impl Delta {
    fn step(&mut self, outcome: Outcome, by: i64) {
        self.total += by;
        match outcome {
            Outcome::Passed => self.passed += by,
            Outcome::Flaky => {
                self.passed += by;
                self.flaky += by;
            }
            Outcome::Failed => self.failed += by,
            Outcome::Errored => self.errored += by,
            Outcome::Skipped => self.skipped += by,
        }
    }

    pub fn add(&mut self, outcome: Outcome) {
        self.step(outcome, 1);
    }

    pub fn remove(&mut self, outcome: Outcome) {
        self.step(outcome, -1);
    }

    /// Applies the delta to totals that include what it builds on.
    pub fn apply(&self, t: &mut Totals) {
        let f = |v: &mut u64, d: i64| *v = v.saturating_add_signed(d);
        f(&mut t.total, self.total);
        f(&mut t.passed, self.passed);
        f(&mut t.failed, self.failed);
        f(&mut t.errored, self.errored);
        f(&mut t.skipped, self.skipped);
        f(&mut t.flaky, self.flaky);
    }

    /// The file alone: negative parts (changes to earlier files' tests) as zero.
    pub fn clamped(&self) -> Totals {
        let c = |d: i64| d.max(0) as u64;
        Totals {
            total: c(self.total),
            passed: c(self.passed),
            failed: c(self.failed),
            errored: c(self.errored),
            skipped: c(self.skipped),
            flaky: c(self.flaky),
        }
    }
}

/// A passed case of this file whose test failed in an earlier file of the run.
#[derive(Debug, Clone)]
pub(crate) struct CrossPass {
    pub key: u64,
    pub attempt: Attempt,
    pub time: Option<f64>,
}

/// A passed test seen in the open suite element.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PassedSeen {
    attempts: u32,
    time: Option<f64>,
}

/// The tests that passed in one open suite element (moved to [`ClosedPasses`] when it closes).
pub(crate) type SuitePasses = KeyMap<PassedSeen>;

/// A closed `<testcase>` element, as the fold sees it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CaseFacts {
    /// Its identity ([`super::hash::case_key`]).
    pub key: u64,
    /// Its suite name's hash ([`super::hash::name_hash`]).
    pub suite: u64,
    /// The results of this element's attempts.
    pub flags: ResultFlags,
    /// This element's attempts (1 + its flaky and rerun elements).
    pub attempt_count: u32,
    pub time: Option<f64>,
}

/// What the fold asks of a case only on the paths that keep it: most passed cases never build
/// their attempts or a record.
pub(crate) trait CaseDetails {
    /// This element's attempts in the order they ran (asked at most once).
    fn attempts(&mut self) -> Vec<Attempt>;
    /// A record of the test with these figures (takes its `file`).
    fn record(
        &mut self,
        outcome: Outcome,
        time: Option<f64>,
        attempt_count: u32,
        attempts: Vec<Attempt>,
    ) -> CaseRecord;
    /// Its `file` and `line` attributes (takes the file).
    fn location(&mut self) -> (Option<String>, Option<u32>);
}

/// What earlier files of the same test type left: read only, as a file is merged only once it
/// has been read whole.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RunView<'a> {
    /// Keys of the cases kept (failed, errored, flaky, skipped) → their index.
    pub index: &'a SlotMap,
    /// Tests that passed.
    pub closed: &'a ClosedPasses,
    /// How many case records the run keeps already.
    pub records: usize,
    /// `max_kept_cases`.
    pub max_records: usize,
}

/// One file's fold while it is read, against what earlier files left ([`RunView`]).
#[derive(Debug, Default)]
pub(crate) struct FileFold {
    /// The tests this file keeps (did not simply pass).
    pub slots: SlotMap,
    /// Their records, within `max_kept_cases` for the run.
    pub records: Vec<Kept>,
    /// Passes of tests an earlier file keeps.
    pub cross: Vec<CrossPass>,
    /// This file's closed suite elements' passes.
    pub closed: ClosedPasses,
    /// The exact change to the type's totals.
    pub delta: Delta,
}

impl FileFold {
    /// Whether a new record would still be kept (result text is captured only then).
    pub fn can_keep_records(&self, run: &RunView<'_>) -> bool {
        run.records + self.records.len() < run.max_records
    }

    /// A suite element (or the `<testsuites>` root) closed: its passes are remembered by key.
    pub fn close_element(&mut self, suite: u64, passed: &mut SuitePasses) {
        self.closed.insert(suite, passed.drain().map(|(k, _)| k));
    }

    /// Folds one closed `<testcase>` in; `passed` holds its suite element's passes so far.
    pub fn case<D: CaseDetails>(
        &mut self,
        run: &RunView<'_>,
        passed: Option<&mut SuitePasses>,
        case: CaseFacts,
        details: &mut D,
    ) {
        // One probe of the suite element's passes: step 1 on its occupied entry, step 4's
        // insert into its vacant one.
        let vacant = match passed.map(|p| p.entry(case.key)) {
            Some(Entry::Occupied(seen)) => {
                self.again_in_element(run, seen, &case, details);
                return;
            }
            Some(Entry::Vacant(v)) => Some(v),
            None => None,
        };
        if self.again_in_file(&case, details) || self.again_after_closed_pass(run, &case, details) {
            return;
        }
        self.first_seen(run, vacant, &case, details);
    }

    /// Step 1: the same test already passed in this suite element: a pass adds to its count; anything
    /// else uncounts that pass and keeps the test with the passes as earlier attempts.
    fn again_in_element<D: CaseDetails>(
        &mut self,
        run: &RunView<'_>,
        mut seen: OccupiedEntry<'_, u64, PassedSeen>,
        case: &CaseFacts,
        details: &mut D,
    ) {
        if case.flags.outcome() == Outcome::Passed {
            let seen = seen.get_mut();
            seen.attempts += case.attempt_count;
            seen.time = add_time(seen.time, case.time);
            return;
        }
        let seen = seen.remove();
        self.delta.remove(Outcome::Passed);
        let flags = case.flags.with(AttemptResult::Passed);
        let outcome = flags.outcome();
        self.delta.add(outcome);
        self.keep(run, case.key, flags, || {
            let mut earlier: Vec<Attempt> = (0..seen.attempts.min(MAX_ATTEMPTS_KEPT as u32))
                .map(|_| passed_attempt())
                .collect();
            earlier.extend(details.attempts());
            earlier.truncate(MAX_ATTEMPTS_KEPT);
            details.record(
                outcome,
                add_time(seen.time, case.time),
                seen.attempts + case.attempt_count,
                earlier,
            )
        });
    }

    /// Step 2: the same test was kept earlier in this file: its flags, and its record if it has one,
    /// take this attempt in.
    fn again_in_file<D: CaseDetails>(&mut self, case: &CaseFacts, details: &mut D) -> bool {
        if self.slots.is_empty() {
            return false;
        }
        let Some(slot) = self.slots.get_mut(&case.key) else {
            return false;
        };
        self.delta.remove(slot.flags.outcome());
        slot.flags = slot.flags.union(case.flags);
        let outcome = slot.flags.outcome();
        self.delta.add(outcome);
        if let Some(i) = slot.record() {
            let r = &mut self.records[i].record;
            r.outcome = outcome;
            r.attempt_count += case.attempt_count;
            r.time = add_time(r.time, case.time);
            for a in details.attempts() {
                if r.attempts.len() < MAX_ATTEMPTS_KEPT {
                    r.attempts.push(a);
                }
            }
            if r.file.is_none() {
                (r.file, r.line) = details.location();
            }
        }
        true
    }

    /// Step 3: the same test passed in a suite element already closed (this file or an earlier one):
    /// a passed or skipped attempt folds into that pass; a bad one makes it flaky. (A test the
    /// run keeps a slot for goes to step 4: the merge folds it with that slot.)
    fn again_after_closed_pass<D: CaseDetails>(
        &mut self,
        run: &RunView<'_>,
        case: &CaseFacts,
        details: &mut D,
    ) -> bool {
        let key = case.key;
        if !(self.closed.contains_sorting(case.suite, key)
            || (!run_keeps(run, key) && run.closed.contains(case.suite, key)))
        {
            return false;
        }
        if matches!(case.flags.outcome(), Outcome::Passed | Outcome::Skipped) {
            return true;
        }
        // The pass was counted by an earlier file (or suite): this file's delta goes below
        // zero in `passed` when the test was counted there.
        self.delta.add(Outcome::Flaky);
        self.delta.remove(Outcome::Passed);
        self.keep(run, key, case.flags.with(AttemptResult::Passed), || {
            let mut all = vec![passed_attempt()];
            all.extend(details.attempts());
            all.truncate(MAX_ATTEMPTS_KEPT);
            details.record(Outcome::Flaky, case.time, case.attempt_count + 1, all)
        });
        true
    }

    /// Step 4: a new test for this file: a pass is remembered in its suite element (or, for a test
    /// an earlier file keeps, left to the merge); anything else is kept.
    fn first_seen<D: CaseDetails>(
        &mut self,
        run: &RunView<'_>,
        passed: Option<VacantEntry<'_, u64, PassedSeen>>,
        case: &CaseFacts,
        details: &mut D,
    ) {
        let outcome = case.flags.outcome();
        self.delta.add(outcome);
        if outcome == Outcome::Passed {
            if run_keeps(run, case.key) {
                // Failed in an earlier file: folded when this file is merged.
                self.cross.push(CrossPass {
                    key: case.key,
                    attempt: details.attempts().pop().expect("one attempt at least"),
                    time: case.time,
                });
            } else if let Some(passed) = passed {
                passed.insert(PassedSeen {
                    attempts: case.attempt_count,
                    time: case.time,
                });
            }
            return;
        }
        self.keep(run, case.key, case.flags, || {
            let attempts = details.attempts();
            details.record(outcome, case.time, case.attempt_count, attempts)
        });
    }

    /// Keeps a test that did not simply pass; its record (of outcome `flags.outcome()`, built
    /// by `record` only then) when it is not skipped and the run keeps fewer than
    /// `max_kept_cases` records (memory stays bounded).
    fn keep(
        &mut self,
        run: &RunView<'_>,
        key: u64,
        flags: ResultFlags,
        record: impl FnOnce() -> CaseRecord,
    ) {
        let mut slot = Slot {
            flags,
            record: NO_RECORD,
        };
        // A test the run already keeps a record of gets one too: it folds into that record.
        let recorded_in_run = run.index.get(&key).is_some_and(|s| s.record().is_some());
        if flags.outcome() != Outcome::Skipped && (self.can_keep_records(run) || recorded_in_run) {
            slot.record = self.records.len() as u32;
            let record = record();
            debug_assert_eq!(record.outcome, flags.outcome());
            self.records.push(Kept { key, record });
        }
        self.slots.insert(key, slot);
    }
}

/// Whether an earlier file keeps a slot for the test (most runs: no file kept any).
#[inline]
fn run_keeps(run: &RunView<'_>, key: u64) -> bool {
    !run.index.is_empty() && run.index.contains_key(&key)
}

/// A test type's fold over the files read so far.
#[derive(Debug, Default)]
pub(crate) struct RunFold {
    /// Distinct tests.
    pub totals: Totals,
    slots: SlotMap,
    records: Vec<Kept>,
    closed: ClosedPasses,
    max_records: usize,
}

impl RunFold {
    /// Nothing read yet; at most `max_records` records.
    pub fn new(max_records: usize) -> RunFold {
        RunFold {
            max_records,
            ..RunFold::default()
        }
    }

    /// What the next file is read against (the closed passes sorted for searching).
    pub fn view(&mut self) -> RunView<'_> {
        self.closed.sort_all();
        RunView {
            index: &self.slots,
            closed: &self.closed,
            records: self.records.len(),
            max_records: self.max_records,
        }
    }

    /// Takes in a file read whole.
    pub fn merge(&mut self, file: FileFold) {
        let FileFold {
            slots,
            records,
            cross,
            closed,
            delta,
        } = file;
        self.closed.absorb(closed);
        delta.apply(&mut self.totals);
        if self.slots.is_empty() && self.records.is_empty() {
            // The first file with kept tests: moved, not copied.
            self.slots = slots;
            self.records = records;
        } else {
            self.merge_kept(slots, records);
        }
        self.merge_cross(cross);
    }

    /// Folds a later file's kept tests in: records first, in reading order, then the rest.
    fn merge_kept(&mut self, mut slots: SlotMap, records: Vec<Kept>) {
        for Kept { key, record: new } in records {
            let Some(file_slot) = slots.remove(&key) else {
                continue;
            };
            match self.slots.get_mut(&key) {
                Some(slot) => {
                    self.totals.remove(slot.flags.outcome());
                    self.totals.remove(file_slot.flags.outcome());
                    slot.flags = slot.flags.union(file_slot.flags);
                    let outcome = slot.flags.outcome();
                    self.totals.add(outcome);
                    if let Some(i) = slot.record() {
                        let rec = &mut self.records[i].record;
                        rec.outcome = outcome;
                        rec.attempt_count += new.attempt_count;
                        rec.time = add_time(rec.time, new.time);
                        for a in new.attempts {
                            if rec.attempts.len() < MAX_ATTEMPTS_KEPT {
                                rec.attempts.push(a);
                            }
                        }
                        if rec.file.is_none() {
                            rec.file = new.file;
                            rec.line = new.line;
                        }
                    }
                }
                None => {
                    let mut slot = Slot {
                        flags: file_slot.flags,
                        record: NO_RECORD,
                    };
                    if self.records.len() < self.max_records {
                        slot.record = self.records.len() as u32;
                        self.records.push(Kept { key, record: new });
                    }
                    self.slots.insert(key, slot);
                }
            }
        }
        // Tests without a record, in any order: only their flags matter.
        for (key, file_slot) in slots {
            match self.slots.get_mut(&key) {
                Some(slot) => {
                    self.totals.remove(slot.flags.outcome());
                    self.totals.remove(file_slot.flags.outcome());
                    slot.flags = slot.flags.union(file_slot.flags);
                    let outcome = slot.flags.outcome();
                    self.totals.add(outcome);
                    if let Some(i) = slot.record() {
                        self.records[i].record.outcome = outcome;
                    }
                }
                None => {
                    self.slots.insert(
                        key,
                        Slot {
                            flags: file_slot.flags,
                            record: NO_RECORD,
                        },
                    );
                }
            }
        }
    }

    /// Folds a later file's passes of tests kept by earlier files: flaky if they failed.
    fn merge_cross(&mut self, cross: Vec<CrossPass>) {
        for c in cross {
            let Some(slot) = self.slots.get_mut(&c.key) else {
                continue;
            };
            self.totals.remove(Outcome::Passed);
            self.totals.remove(slot.flags.outcome());
            slot.flags = slot.flags.with(AttemptResult::Passed);
            let outcome = slot.flags.outcome();
            self.totals.add(outcome);
            if let Some(i) = slot.record() {
                let rec = &mut self.records[i].record;
                rec.outcome = outcome;
                rec.attempt_count += 1;
                if let Some(t) = c.time {
                    rec.time = Some(rec.time.unwrap_or(0.0) + t);
                }
                if rec.attempts.len() < MAX_ATTEMPTS_KEPT {
                    rec.attempts.push(c.attempt);
                }
            }
        }
    }

    /// Failed, errored and flaky tests without a record (over `max_kept_cases`).
    pub fn unrecorded(&self) -> u64 {
        self.slots
            .values()
            .filter(|k| {
                k.record().is_none()
                    && matches!(
                        k.flags.outcome(),
                        Outcome::Failed | Outcome::Errored | Outcome::Flaky
                    )
            })
            .count() as u64
    }

    /// A case's record as read (`read`) made to tell the folded test: its record when the fold
    /// keeps one, else `read` with the folded outcome.
    pub fn folded(&self, key: u64, read: CaseRecord) -> CaseRecord {
        match self.slots.get(&key) {
            Some(slot) => match slot.record() {
                Some(i) => self.records[i].record.clone(),
                None => CaseRecord {
                    outcome: slot.flags.outcome(),
                    ..read
                },
            },
            None => read,
        }
    }

    /// The kept records, in reading order.
    pub fn into_records(self) -> Vec<CaseRecord> {
        self.records.into_iter().map(|k| k.record).collect()
    }
}

/// An attempt that passed, of which nothing else is known.
fn passed_attempt() -> Attempt {
    Attempt {
        result: AttemptResult::Passed,
        element: "testcase",
        message: None,
        kind: None,
        detail: None,
        time: None,
    }
}

/// Two durations added, either unknown counting as nothing.
fn add_time(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x + y),
        (x, None) => x,
        (None, y) => y,
    }
}

#[cfg(test)]
mod tests {
    use super::super::hash::{case_key, name_hash};
    use super::super::tests::t;
    use super::*;

    /// A `<testcase>` element: its attempts' results in the order they ran.
    #[derive(Debug, Clone)]
    struct Case {
        name: &'static str,
        results: Vec<AttemptResult>,
        time: Option<f64>,
        file: Option<&'static str>,
    }

    fn case(name: &'static str, results: &[AttemptResult]) -> Case {
        Case {
            name,
            results: results.to_vec(),
            time: None,
            file: None,
        }
    }
    fn pass(name: &'static str) -> Case {
        case(name, &[AttemptResult::Passed])
    }
    fn fail(name: &'static str) -> Case {
        case(name, &[AttemptResult::Failed])
    }
    fn error(name: &'static str) -> Case {
        case(name, &[AttemptResult::Errored])
    }
    fn skip(name: &'static str) -> Case {
        case(name, &[AttemptResult::Skipped])
    }

    /// What the reader lends the fold, and counts how often it is asked for attempts.
    struct Details {
        suite: &'static str,
        case: Case,
        file: Option<String>,
        asked: u32,
    }

    impl CaseDetails for Details {
        fn attempts(&mut self) -> Vec<Attempt> {
            self.asked += 1;
            let mut v: Vec<Attempt> = self.case.results.iter().map(|r| attempt(*r)).collect();
            v.truncate(MAX_ATTEMPTS_KEPT);
            v
        }
        fn record(
            &mut self,
            outcome: Outcome,
            time: Option<f64>,
            attempt_count: u32,
            attempts: Vec<Attempt>,
        ) -> CaseRecord {
            CaseRecord {
                report: "r.xml".into(),
                suite: self.suite.into(),
                classname: "c".into(),
                name: self.case.name.into(),
                outcome,
                time,
                attempt_count,
                attempts,
                file: self.file.take(),
                line: None,
            }
        }
        fn location(&mut self) -> (Option<String>, Option<u32>) {
            (self.file.take(), None)
        }
    }

    fn attempt(result: AttemptResult) -> Attempt {
        Attempt {
            result,
            element: match result {
                AttemptResult::Passed => "testcase",
                AttemptResult::Skipped => "skipped",
                AttemptResult::Failed => "failure",
                AttemptResult::Errored => "error",
            },
            message: None,
            kind: None,
            detail: None,
            time: None,
        }
    }

    /// A suite element: its suite name and cases.
    type Element = (&'static str, Vec<Case>);

    /// A test type's run, read file by file.
    struct Run(RunFold);

    impl Run {
        fn new(max_records: usize) -> Run {
            Run(RunFold::new(max_records))
        }

        /// Folds one file's suite elements against the run, without merging it.
        fn read(&mut self, elements: &[Element]) -> FileFold {
            let run = self.0.view();
            let mut file = FileFold::default();
            for (suite, cases) in elements {
                let mut passed = SuitePasses::default();
                for c in cases {
                    let facts = CaseFacts {
                        key: case_key(suite, "c", c.name),
                        suite: name_hash(suite),
                        flags: c
                            .results
                            .iter()
                            .fold(ResultFlags::default(), |f, r| f.with(*r)),
                        attempt_count: c.results.len() as u32,
                        time: c.time,
                    };
                    let mut details = Details {
                        suite,
                        case: c.clone(),
                        file: c.file.map(String::from),
                        asked: 0,
                    };
                    file.case(&run, Some(&mut passed), facts, &mut details);
                    assert!(details.asked <= 1, "attempts asked {} times", details.asked);
                }
                file.close_element(name_hash(suite), &mut passed);
            }
            file
        }

        fn file(&mut self, elements: &[Element]) {
            let file = self.read(elements);
            self.0.merge(file);
        }

        fn totals(&self) -> Totals {
            self.0.totals
        }

        fn unrecorded(&self) -> u64 {
            self.0.unrecorded()
        }

        fn records(self) -> Vec<CaseRecord> {
            self.0.into_records()
        }
    }

    fn results(r: &CaseRecord) -> Vec<AttemptResult> {
        r.attempts.iter().map(|a| a.result).collect()
    }

    use AttemptResult::{Errored, Failed, Passed};

    #[test]
    fn repeated_passes_in_one_suite_element_are_one_passed_test_without_a_record() {
        let mut run = Run::new(10);
        run.file(&[("s", vec![pass("a"), pass("a"), pass("a")])]);
        assert_eq!(run.totals(), t(1, 1, 0, 0, 0, 0));
        assert!(run.records().is_empty());
    }

    #[test]
    fn passes_then_a_failure_in_one_element_are_flaky_with_the_passes_first() {
        let mut a = pass("a");
        a.time = Some(1.0);
        let mut b = fail("a");
        b.time = Some(2.0);
        let mut run = Run::new(10);
        run.file(&[("s", vec![a.clone(), a, b])]);
        assert_eq!(run.totals(), t(1, 1, 0, 0, 0, 1));
        let r = &run.records()[0];
        assert_eq!(
            (r.outcome, r.attempt_count, r.time),
            (Outcome::Flaky, 3, Some(4.0))
        );
        assert_eq!(results(r), [Passed, Passed, Failed]);
    }

    #[test]
    fn a_failure_then_a_pass_in_one_file_is_flaky_and_takes_the_first_known_location() {
        let mut later = pass("a");
        later.file = Some("x.py");
        let mut run = Run::new(10);
        run.file(&[("s", vec![fail("a")]), ("s", vec![later])]);
        assert_eq!(run.totals(), t(1, 1, 0, 0, 0, 1));
        let r = &run.records()[0];
        assert_eq!((r.outcome, r.attempt_count), (Outcome::Flaky, 2));
        assert_eq!(results(r), [Failed, Passed]);
        assert_eq!(r.file.as_deref(), Some("x.py"));
    }

    #[test]
    fn without_a_pass_the_most_severe_result_wins_and_a_skip_then_a_pass_passed() {
        let mut run = Run::new(10);
        run.file(&[("s", vec![fail("a"), error("a"), skip("b"), pass("b")])]);
        assert_eq!(run.totals(), t(2, 1, 0, 1, 0, 0));
        assert_eq!(run.unrecorded(), 0);
        let records = run.records();
        // A skipped test gets no record: only a.
        assert_eq!(records.len(), 1);
        assert_eq!(
            (
                records[0].name.as_str(),
                records[0].outcome,
                records[0].attempt_count
            ),
            ("a", Outcome::Errored, 2)
        );
        assert_eq!(results(&records[0]), [Failed, Errored]);
    }

    /// As the code stands: the slot of a skipped test has no record, and a later failure in
    /// the same file folds into that slot, so the test is counted as failed without a row.
    #[test]
    fn a_skip_then_a_failure_in_one_file_is_failed_without_a_record() {
        let mut run = Run::new(10);
        run.file(&[("s", vec![skip("c"), fail("c")])]);
        assert_eq!(run.totals(), t(1, 0, 1, 0, 0, 0));
        assert_eq!(run.unrecorded(), 1);
        assert!(run.records().is_empty());
    }

    #[test]
    fn a_pass_in_a_closed_element_folds_later_passes_and_skips_and_a_failure_makes_it_flaky() {
        let mut run = Run::new(10);
        run.file(&[
            ("s", vec![pass("a"), pass("b")]),
            ("other", vec![pass("a")]),
            ("s", vec![pass("a"), skip("a"), fail("b")]),
        ]);
        // s/a: one passed test; s/b: flaky; other/a: another test.
        assert_eq!(run.totals(), t(3, 3, 0, 0, 0, 1));
        let r = &run.records()[0];
        assert_eq!((r.name.as_str(), r.outcome), ("b", Outcome::Flaky));
        assert_eq!((r.attempt_count, results(r)), (2, vec![Passed, Failed]));
    }

    #[test]
    fn the_same_name_in_another_suite_is_another_test() {
        let mut run = Run::new(10);
        run.file(&[("s", vec![pass("a")]), ("t", vec![fail("a")])]);
        run.file(&[("u", vec![fail("a")])]);
        assert_eq!(run.totals(), t(3, 1, 2, 0, 0, 0));
    }

    #[test]
    fn a_pass_in_an_earlier_file_folds_a_later_pass_away() {
        let mut run = Run::new(10);
        run.file(&[("s", vec![pass("a")])]);
        let file = run.read(&[("s", vec![pass("a"), skip("a")])]);
        assert_eq!(file.delta, Delta::default());
        run.0.merge(file);
        assert_eq!(run.totals(), t(1, 1, 0, 0, 0, 0));
    }

    #[test]
    fn a_test_failed_in_an_earlier_file_and_passed_in_a_later_one_is_flaky_at_the_merge() {
        let mut run = Run::new(10);
        run.file(&[("s", vec![fail("a"), pass("ok")])]);
        let mut again = pass("a");
        again.time = Some(1.5);
        let file = run.read(&[("s", vec![again, pass("new")])]);
        // While read, the pass is only noted: the run's slot is folded when the file joins.
        assert_eq!(file.cross.len(), 1);
        assert!(file.slots.is_empty());
        run.0.merge(file);
        assert_eq!(run.totals(), t(3, 3, 0, 0, 0, 1));
        let r = &run.records()[0];
        assert_eq!(
            (r.outcome, r.attempt_count, r.time),
            (Outcome::Flaky, 2, Some(1.5))
        );
        assert_eq!(results(r), [Failed, Passed]);
    }

    /// Fuzz crash 1: the later file's totals went below zero on the way (unsigned, they
    /// overflowed); signed, its change is one more flaky test among those already counted.
    #[test]
    fn a_test_passed_in_an_earlier_file_then_failed_twice_in_a_later_one_is_one_flaky_test() {
        let mut run = Run::new(10);
        run.file(&[("S", vec![pass("x"), fail("y")])]);
        let file = run.read(&[("S", vec![fail("x"), fail("x")])]);
        assert_eq!(
            file.delta,
            Delta {
                flaky: 1,
                ..Delta::default()
            }
        );
        assert_eq!(file.delta.clamped(), t(0, 0, 0, 0, 0, 1));
        run.0.merge(file);
        assert_eq!(run.totals(), t(2, 1, 1, 0, 0, 1));
        let x = run.records().into_iter().find(|r| r.name == "x").unwrap();
        assert_eq!((x.outcome, x.attempt_count), (Outcome::Flaky, 3));
    }

    /// Fuzz crash 2: a test the run keeps a slot for is folded at the merge, not also against
    /// the run's closed passes while the later file is read.
    #[test]
    fn a_test_the_run_keeps_is_folded_at_the_merge_only() {
        let elements = [("S", vec![pass("x")]), ("S", vec![fail("x"), skip("s")])];
        let mut run = Run::new(10);
        run.file(&elements);
        let file = run.read(&elements);
        assert_eq!(file.cross.len(), 1, "the pass of x waits for the merge");
        run.0.merge(file);
        assert_eq!(run.totals(), t(2, 1, 0, 0, 1, 1));
        let x = &run.records()[0];
        assert_eq!((x.outcome, x.attempt_count), (Outcome::Flaky, 4));
    }

    #[test]
    fn over_max_kept_cases_tests_keep_a_slot_and_still_fold() {
        let mut run = Run::new(1);
        run.file(&[("s", vec![fail("t")])]);
        run.file(&[("s", vec![error("t"), fail("u"), skip("v")])]);
        run.file(&[("s", vec![pass("u"), pass("v")])]);
        // t: failed then errored; u: failed then passed, flaky without a record; v: passed.
        assert_eq!(run.totals(), t(3, 2, 0, 1, 0, 1));
        assert_eq!(run.unrecorded(), 1);
        let records = run.records();
        assert_eq!(records.len(), 1);
        assert_eq!(
            (records[0].outcome, records[0].attempt_count),
            (Outcome::Errored, 2)
        );
    }

    #[test]
    fn a_test_recorded_earlier_gets_a_record_in_a_later_file_over_the_cap_to_fold_into() {
        let mut run = Run::new(1);
        run.file(&[("s", vec![fail("t")])]);
        let file = run.read(&[("s", vec![fail("u"), fail("t")])]);
        assert_eq!(file.records.len(), 1, "t's attempt only");
        run.0.merge(file);
        assert_eq!(run.totals(), t(2, 0, 2, 0, 0, 0));
        assert_eq!(run.unrecorded(), 1);
        let records = run.records();
        assert_eq!(records.len(), 1);
        assert_eq!(
            (records[0].name.as_str(), records[0].attempt_count),
            ("t", 2)
        );
        assert_eq!(results(&records[0]), [Failed, Failed]);
    }

    #[test]
    fn within_a_file_the_cap_counts_the_runs_records() {
        let mut run = Run::new(2);
        run.file(&[("s", vec![fail("a")])]);
        let file = run.read(&[("s", vec![fail("b"), fail("c"), fail("b")])]);
        assert_eq!(file.records.len(), 1);
        assert_eq!(file.records[0].record.attempt_count, 2);
        run.0.merge(file);
        assert_eq!(run.totals(), t(3, 0, 3, 0, 0, 0));
        assert_eq!(run.unrecorded(), 1);
    }

    #[test]
    fn attempts_are_kept_up_to_the_limit_and_all_counted() {
        let mut run = Run::new(10);
        run.file(&[("s", vec![fail("a"); MAX_ATTEMPTS_KEPT + 2])]);
        run.file(&[("s", vec![pass("a")])]);
        let r = &run.records()[0];
        assert_eq!(r.attempt_count as usize, MAX_ATTEMPTS_KEPT + 3);
        assert_eq!(r.attempts.len(), MAX_ATTEMPTS_KEPT);
        assert_eq!(r.outcome, Outcome::Flaky);
    }

    #[test]
    fn a_slow_case_tells_the_folded_outcome() {
        let mut run = Run::new(0);
        run.file(&[("s", vec![fail("a"), pass("a")])]);
        let mut read = CaseRecord {
            report: "r.xml".into(),
            suite: "s".into(),
            classname: "c".into(),
            name: "a".into(),
            outcome: Outcome::Passed,
            time: Some(9.0),
            attempt_count: 1,
            attempts: Vec::new(),
            file: None,
            line: None,
        };
        let folded = run.0.folded(case_key("s", "c", "a"), read.clone());
        assert_eq!((folded.outcome, folded.time), (Outcome::Flaky, Some(9.0)));
        read.name = "unknown".into();
        let other = run.0.folded(case_key("s", "c", "unknown"), read);
        assert_eq!(other.outcome, Outcome::Passed);
    }

    #[test]
    fn a_delta_applies_signed_and_the_file_alone_is_clamped_at_zero() {
        let mut d = Delta::default();
        d.remove(Outcome::Passed);
        d.add(Outcome::Flaky);
        d.add(Outcome::Skipped);
        let mut totals = t(3, 2, 1, 0, 0, 0);
        d.apply(&mut totals);
        assert_eq!(totals, t(4, 2, 1, 0, 1, 1));
        assert_eq!(d.clamped(), t(1, 0, 0, 0, 1, 1));
    }
}
