//! The `<testcase>` being read: its attributes and result elements (state reused from case to
//! case), and, once it closes, its own result, its attempts in the order they ran, and the
//! details the fold asks for ([`CaseDetails`]).

use super::fold::CaseDetails;
use super::model::{
    truncate_chars, Attempt, AttemptResult, CaseRecord, Outcome, ResultFlags, MAX_ATTEMPTS_KEPT,
};
use super::text::{attr_text, non_empty_detail, AttrText};

/// Which element a result came from.
pub(crate) fn result_element(local: &[u8]) -> Option<(&'static str, AttemptResult, ResultRole)> {
    Some(match local {
        b"failure" => ("failure", AttemptResult::Failed, ResultRole::Primary),
        b"error" => ("error", AttemptResult::Errored, ResultRole::Primary),
        b"skipped" => ("skipped", AttemptResult::Skipped, ResultRole::Primary),
        b"flakyFailure" => ("flakyFailure", AttemptResult::Failed, ResultRole::Flaky),
        b"flakyError" => ("flakyError", AttemptResult::Errored, ResultRole::Flaky),
        b"rerunFailure" => ("rerunFailure", AttemptResult::Failed, ResultRole::Rerun),
        b"rerunError" => ("rerunError", AttemptResult::Errored, ResultRole::Rerun),
        _ => return None,
    })
}

/// What a result element says about the case's attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ResultRole {
    /// `failure`, `error`, `skipped`: the case's own result.
    Primary,
    /// `flakyFailure`, `flakyError`: failed attempts before the final pass.
    Flaky,
    /// `rerunFailure`, `rerunError`: failed attempts after the first failure.
    Rerun,
}

/// A result element of the case being read, with its text so far.
#[derive(Debug)]
pub(crate) struct PendingResult {
    pub role: ResultRole,
    /// Its attempt without `message` and `kind`: those are kept as written and decoded only
    /// when the attempt is built ([`PendingResult::decoded`]), as most results are only counted.
    pub attempt: Attempt,
    /// The last `message` attribute, as written.
    pub message: Option<Vec<u8>>,
    /// The last non-empty `type` attribute, as written.
    pub kind: Option<Vec<u8>>,
    pub detail: String,
}

impl PendingResult {
    /// Its attempt with `message` (cut to `max` chars) and `kind` (to 200) decoded.
    fn decoded(&self, max: usize) -> Attempt {
        let mut attempt = self.attempt.clone();
        attempt.message = self
            .message
            .as_deref()
            .map(|m| truncate_chars(&attr_text(m), max));
        attempt.kind = self
            .kind
            .as_deref()
            .map(|k| truncate_chars(&attr_text(k), 200));
        attempt
    }
}

/// The state of the `<testcase>` being read (reused from case to case).
#[derive(Debug, Default)]
pub(crate) struct CaseState {
    pub classname: AttrText,
    /// The `name` attribute in a buffer reused from case to case.
    pub name: AttrText,
    pub time: Option<f64>,
    pub file: Option<String>,
    pub line: Option<u32>,
    pub status: Option<String>,
    pub results: Vec<PendingResult>,
    /// Index of the result element that is open.
    pub open_result: Option<usize>,
    /// `<system-out>`/`<system-err>` open inside that result element (their text is not kept).
    pub ignored_inside: u32,
}

/// The case's own result and whether it is disabled.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Verdict {
    pub own: AttemptResult,
    pub disabled: bool,
}

/// What a closed case's result elements add up to; its attempts themselves are built only
/// when the fold keeps them ([`CaseState::take_attempts`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct AttemptsSummary {
    /// 1 + the flaky and rerun elements.
    pub count: u32,
    /// The results of all of them.
    pub flags: ResultFlags,
}

impl CaseState {
    #[inline]
    pub fn clear(&mut self) {
        self.classname.clear();
        self.name.clear();
        self.time = None;
        self.file = None;
        self.line = None;
        self.status = None;
        self.results.clear();
        self.open_result = None;
        self.ignored_inside = 0;
    }

    /// The result whose text is being captured.
    pub fn capturing(&self) -> Option<usize> {
        self.open_result.filter(|_| self.ignored_inside == 0)
    }

    /// The case's own result: the most severe primary result, else its status attribute.
    #[inline]
    pub fn verdict(&self) -> Verdict {
        let mut own = self
            .results
            .iter()
            .filter(|r| r.role == ResultRole::Primary)
            .map(|r| r.attempt.result)
            .max()
            .unwrap_or(AttemptResult::Passed);
        let mut disabled = false;
        if let Some(status) = self.status.as_deref() {
            match status {
                "disabled" => {
                    disabled = true;
                    if own == AttemptResult::Passed {
                        own = AttemptResult::Skipped;
                    }
                }
                "skipped" | "notrun" | "not_run" | "ignored" if own == AttemptResult::Passed => {
                    own = AttemptResult::Skipped
                }
                _ => {}
            }
        }
        Verdict { own, disabled }
    }

    /// The count and results of the case's attempts.
    #[inline]
    pub fn summarize(&self, own: AttemptResult) -> AttemptsSummary {
        let primary_bad = matches!(own, AttemptResult::Failed | AttemptResult::Errored);
        let mut flags = ResultFlags::default().with(own);
        let mut extra_count = 0u32;
        for r in self
            .results
            .iter()
            .filter(|r| r.role != ResultRole::Primary)
        {
            // With a failing primary result, reruns failed too and the primary result is the
            // verdict (as Surefire counts it). Without one, the last run passed: flaky.
            if !primary_bad {
                flags = flags.with(r.attempt.result);
            }
            extra_count += 1;
        }
        AttemptsSummary {
            count: 1 + extra_count,
            flags,
        }
    }

    /// The attempts in the order they ran, texts cut to `max` chars: flaky failures before the
    /// final pass; reruns after the first failure. The own attempt carries the message of the
    /// most severe primary result (taken: asked once per case).
    pub fn take_attempts(&mut self, own: AttemptResult, max: usize) -> Vec<Attempt> {
        let primary_bad = matches!(own, AttemptResult::Failed | AttemptResult::Errored);
        let mut own_attempt = Attempt {
            result: own,
            element: "testcase",
            message: None,
            kind: None,
            detail: None,
            time: self.time,
        };
        if let Some(r) = self
            .results
            .iter()
            .find(|r| r.role == ResultRole::Primary && r.attempt.result == own)
        {
            let decoded = r.decoded(max);
            own_attempt.message = decoded.message;
            own_attempt.kind = decoded.kind;
            own_attempt.detail = non_empty_detail(&r.detail, max);
        }
        let mut extra: Vec<Attempt> = Vec::new();
        for r in self
            .results
            .iter()
            .filter(|r| r.role != ResultRole::Primary)
        {
            if extra.len() < MAX_ATTEMPTS_KEPT {
                let mut a = r.decoded(max);
                a.detail = non_empty_detail(&r.detail, max);
                extra.push(a);
            }
        }
        let mut attempts = Vec::with_capacity(extra.len() + 1);
        if primary_bad {
            attempts.push(own_attempt);
            attempts.extend(extra);
        } else {
            attempts.extend(extra);
            attempts.push(own_attempt);
        }
        attempts.truncate(MAX_ATTEMPTS_KEPT);
        attempts
    }
}

/// A closed case lent to the fold: its names, and its attempts built only if asked for.
pub(crate) struct ClosedCase<'p> {
    pub path: &'p str,
    pub suite: &'p str,
    /// The case's classname and name, decoded: from the case's buffers, or for a plain
    /// `<testcase .../>` straight from the reader's (copied only if the case is kept).
    pub classname: &'p [u8],
    pub name: &'p [u8],
    pub case: &'p mut CaseState,
    /// The case's own result ([`CaseState::verdict`]).
    pub own: AttemptResult,
    /// `max_message_chars`.
    pub max_message_chars: usize,
}

impl ClosedCase<'_> {
    /// A record for the slowest tests, as this element alone says (no attempts).
    pub fn slow_record(&self, outcome: Outcome, time: f64, attempt_count: u32) -> CaseRecord {
        CaseRecord {
            report: self.path.to_string(),
            suite: self.suite.to_string(),
            classname: String::from_utf8_lossy(self.classname).into_owned(),
            name: String::from_utf8_lossy(self.name).into_owned(),
            outcome,
            time: Some(time),
            attempt_count,
            attempts: Vec::new(),
            file: self.case.file.clone(),
            line: self.case.line,
        }
    }
}

impl CaseDetails for ClosedCase<'_> {
    fn attempts(&mut self) -> Vec<Attempt> {
        self.case.take_attempts(self.own, self.max_message_chars)
    }

    fn record(
        &mut self,
        outcome: Outcome,
        time: Option<f64>,
        attempt_count: u32,
        attempts: Vec<Attempt>,
    ) -> CaseRecord {
        CaseRecord {
            report: self.path.to_string(),
            suite: self.suite.to_string(),
            classname: String::from_utf8_lossy(self.classname).into_owned(),
            name: String::from_utf8_lossy(self.name).into_owned(),
            outcome,
            time,
            attempt_count,
            attempts,
            file: self.case.file.take(),
            line: self.case.line,
        }
    }

    fn location(&mut self) -> (Option<String>, Option<u32>) {
        (self.case.file.take(), self.case.line)
    }
}
