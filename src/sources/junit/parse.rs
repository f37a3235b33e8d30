//! The streaming reader: quick-xml events over a `BufRead`, one reused buffer, and state for the
//! current `<testcase>` only. Counts are added up as elements close; only failed, errored, flaky
//! and skipped cases and a bounded heap of the slowest are kept.

use super::model::{
    truncate_chars, Attempt, AttemptResult, CaseRecord, ElementCounts, FileSummary, Outcome,
    ResultFlags, Totals, MAX_ATTEMPTS_KEPT,
};
use super::{JunitError, ReadOptions, SlowestCases};
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use std::borrow::Cow;
use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap};
use std::fmt::Write as _;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{self, BufRead, Read};

/// Bytes of element text kept per result before truncation to `max_message_chars`.
const MAX_DETAIL_BYTES: usize = 64 * 1024;
/// A buffer that grew past this (one huge `<system-out>`) is given back after the event.
const BUFFER_SHRINK_ABOVE: usize = 1 << 20;

/// A `BufRead` that knows the line of the next byte to consume, for error locations.
pub(crate) trait LineSource: BufRead {
    /// 1-based.
    fn line(&self) -> u64;
}

/// Counts the newlines of any `BufRead` as they are consumed.
pub(crate) struct LineCounter<R> {
    inner: R,
    newlines: u64,
}

impl<R: BufRead> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.newlines += count_newlines(&buf[..n]);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for LineCounter<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        if let Ok(buf) = self.inner.fill_buf() {
            let n = amt.min(buf.len());
            self.newlines += count_newlines(&buf[..n]);
        }
        self.inner.consume(amt);
    }
}

impl<R: BufRead> LineSource for LineCounter<R> {
    fn line(&self) -> u64 {
        self.newlines + 1
    }
}

impl<R> LineCounter<R> {
    pub fn new(inner: R) -> LineCounter<R> {
        LineCounter { inner, newlines: 0 }
    }
}

/// Buffers a `Read` in 256 KiB chunks and counts the newlines of a chunk once it is consumed
/// whole; the line of a position inside the current chunk is counted only when asked.
pub(crate) struct ChunkLines<R> {
    inner: R,
    buf: Box<[u8]>,
    pos: usize,
    filled: usize,
    newlines_before: u64,
}

impl<R: Read> ChunkLines<R> {
    pub fn new(inner: R) -> ChunkLines<R> {
        ChunkLines {
            inner,
            buf: vec![0; 256 * 1024].into_boxed_slice(),
            pos: 0,
            filled: 0,
            newlines_before: 0,
        }
    }
}

impl<R: Read> Read for ChunkLines<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = {
            let available = self.fill_buf()?;
            let n = available.len().min(out.len());
            out[..n].copy_from_slice(&available[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: Read> BufRead for ChunkLines<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos >= self.filled {
            self.newlines_before += count_newlines(&self.buf[..self.filled]);
            self.pos = 0;
            self.filled = 0;
            self.filled = loop {
                match self.inner.read(&mut self.buf) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
            };
        }
        Ok(&self.buf[self.pos..self.filled])
    }

    fn consume(&mut self, amt: usize) {
        self.pos = (self.pos + amt).min(self.filled);
    }
}

impl<R: Read> LineSource for ChunkLines<R> {
    fn line(&self) -> u64 {
        self.newlines_before + count_newlines(&self.buf[..self.pos]) + 1
    }
}

fn count_newlines(bytes: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', bytes).count() as u64
}

/// A fast 64-bit hash of byte strings (multiply-xorshift over 8-byte words, murmur3's
/// finalizer): test identities are hashed once per `<testcase>`, so SipHash would show.
fn hash_bytes(mut h: u64, bytes: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes(c.try_into().expect("8 bytes"));
        h = (h ^ w).wrapping_mul(K).rotate_left(31);
    }
    let rest = chunks.remainder();
    let mut tail = [0u8; 8];
    tail[..rest.len()].copy_from_slice(rest);
    h = (h ^ u64::from_le_bytes(tail) ^ (bytes.len() as u64) << 56).wrapping_mul(K);
    fmix(h)
}

fn fmix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// The identity of a test within a run and test type: its suite's name, classname and name (the
/// natural key of `test_case_results`).
pub(crate) fn case_key(suite: &str, classname: &str, name: &str) -> u64 {
    let h = hash_bytes(0x243F_6A88_85A3_08D3, suite.as_bytes());
    let h = hash_bytes(h, classname.as_bytes());
    hash_bytes(h, name.as_bytes())
}

/// Hashes `u64` keys that are already hashes: as they are.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0 = hash_bytes(self.0, bytes);
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// A map keyed by test or suite hashes.
pub(crate) type KeyMap<V> = HashMap<u64, V, BuildHasherDefault<IdHasher>>;

fn name_hash(name: &str) -> u64 {
    hash_bytes(0x1319_8A2E_0370_7344, name.as_bytes())
}

/// Tests that passed in suite elements already closed: their 8-byte keys in one arena, a sorted
/// segment per closed suite element, segments chained per suite name. Lets a later duplicate in
/// another element or file with the same suite name fold; about 8 bytes per test and 30 per
/// suite element.
#[derive(Debug, Default)]
pub(crate) struct ClosedPasses {
    /// Suite name hash → its last segment.
    suites: KeyMap<u32>,
    segments: Vec<Segment>,
    keys: Vec<u64>,
}

#[derive(Debug, Clone, Copy)]
struct Segment {
    start: usize,
    len: u32,
    /// The previous segment of the same suite name (`u32::MAX`: none).
    prev: u32,
}

impl ClosedPasses {
    /// Adds the passed keys of one closed suite element.
    pub fn insert(&mut self, suite: u64, keys: impl IntoIterator<Item = u64>) {
        let start = self.keys.len();
        self.keys.extend(keys);
        let len = self.keys.len() - start;
        if len == 0 {
            return;
        }
        self.keys[start..].sort_unstable();
        let prev = self.suites.get(&suite).copied().unwrap_or(u32::MAX);
        let index = u32::try_from(self.segments.len()).expect("fewer than 2^32 suites");
        self.segments.push(Segment {
            start,
            len: u32::try_from(len).expect("fewer than 2^32 tests per suite"),
            prev,
        });
        self.suites.insert(suite, index);
    }

    /// True when `key` passed in a closed element of suite `suite`.
    pub fn contains(&self, suite: u64, key: u64) -> bool {
        let mut next = self.suites.get(&suite).copied().unwrap_or(u32::MAX);
        while next != u32::MAX {
            let seg = self.segments[next as usize];
            let keys = &self.keys[seg.start..seg.start + seg.len as usize];
            if keys.binary_search(&key).is_ok() {
                return true;
            }
            next = seg.prev;
        }
        false
    }

    /// Takes in another file's closed passes (moved when this one is empty).
    pub fn absorb(&mut self, other: ClosedPasses) {
        if self.keys.is_empty() {
            *self = other;
            return;
        }
        let mut heads: Vec<(u64, u32)> = other.suites.iter().map(|(s, i)| (*s, *i)).collect();
        heads.sort_unstable();
        for (suite, head) in heads {
            let mut chain = Vec::new();
            let mut next = head;
            while next != u32::MAX {
                chain.push(other.segments[next as usize]);
                next = other.segments[next as usize].prev;
            }
            for seg in chain.into_iter().rev() {
                let keys = &other.keys[seg.start..seg.start + seg.len as usize];
                self.insert(suite, keys.iter().copied());
            }
        }
    }
}

/// A slow-case candidate, ordered by time.
#[derive(Debug, Clone)]
pub(crate) struct Slow {
    pub time: f64,
    pub seq: u64,
    pub key: u64,
    pub record: CaseRecord,
}

impl PartialEq for Slow {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Slow {}
impl PartialOrd for Slow {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Slow {
    fn cmp(&self, o: &Self) -> Ordering {
        // Slower first; among equal times, the earlier read first.
        self.time
            .total_cmp(&o.time)
            .then_with(|| o.seq.cmp(&self.seq))
    }
}

/// The N slowest cases: a min-heap of at most N entries (unbounded with `all`).
#[derive(Debug, Clone)]
pub(crate) struct SlowHeap {
    limit: Option<usize>,
    heap: BinaryHeap<Reverse<Slow>>,
}

impl SlowHeap {
    pub fn new(slowest: SlowestCases) -> SlowHeap {
        let limit = match slowest {
            SlowestCases::Top(n) => Some(n),
            SlowestCases::All => None,
        };
        SlowHeap {
            limit,
            heap: BinaryHeap::new(),
        }
    }

    /// Whether a case of this time would enter the heap (checked before building its record).
    pub fn admits(&self, time: f64) -> bool {
        match self.limit {
            None => true,
            Some(0) => false,
            Some(n) if self.heap.len() < n => true,
            Some(_) => self.heap.peek().is_some_and(|Reverse(min)| time > min.time),
        }
    }

    pub fn push(&mut self, slow: Slow) {
        if !self.admits(slow.time) {
            return;
        }
        self.heap.push(Reverse(slow));
        if let Some(n) = self.limit {
            while self.heap.len() > n {
                self.heap.pop();
            }
        }
    }

    /// Slowest first.
    pub fn into_sorted(self) -> Vec<Slow> {
        let mut v: Vec<Slow> = self.heap.into_iter().map(|Reverse(s)| s).collect();
        v.sort_by(|a, b| b.cmp(a));
        v
    }
}

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

/// What one file gave, before it is merged into its test type.
#[derive(Debug)]
pub(crate) struct FileResult {
    pub summary: FileSummary,
    pub slots: SlotMap,
    pub records: Vec<Kept>,
    pub cross: Vec<CrossPass>,
    pub slowest: SlowHeap,
    pub closed: ClosedPasses,
    /// The exact change to the type's totals (`summary.totals` is clamped at zero).
    pub delta: Delta,
}

/// A passed test seen in the current suite.
#[derive(Debug, Clone, Copy)]
struct PassedSeen {
    attempts: u32,
    time: Option<f64>,
}

#[derive(Debug)]
struct Frame {
    is_suite: bool,
    name: String,
    name_hash: u64,
    time_attr: Option<f64>,
    case_time: Option<f64>,
    passed: KeyMap<PassedSeen>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Root,
    Suite,
    Case,
    /// A result element of the current case (index into its results).
    Result,
    /// `system-out`, `system-err` and `properties` inside a case: their text is not kept.
    Ignored,
    /// `system-out`, `system-err` inside a flaky or rerun element.
    IgnoredInResult,
    Other,
}

/// Which element a result came from.
fn result_element(local: &[u8]) -> Option<(&'static str, AttemptResult, ResultRole)> {
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ResultRole {
    /// `failure`, `error`, `skipped`: the case's own result.
    Primary,
    /// `flakyFailure`, `flakyError`: failed attempts before the final pass.
    Flaky,
    /// `rerunFailure`, `rerunError`: failed attempts after the first failure.
    Rerun,
}

#[derive(Debug)]
struct PendingResult {
    role: ResultRole,
    attempt: Attempt,
    detail: String,
}

/// The state of the `<testcase>` being read (reused from case to case).
#[derive(Debug, Default)]
struct CaseState {
    classname: String,
    /// The `name` attribute (`has_name`), in a buffer reused from case to case.
    name: String,
    has_name: bool,
    time: Option<f64>,
    file: Option<String>,
    line: Option<u32>,
    status: Option<String>,
    results: Vec<PendingResult>,
    /// Index of the result element that is open.
    open_result: Option<usize>,
    /// `<system-out>`/`<system-err>` open inside that result element (their text is not kept).
    ignored_inside: u32,
}

impl CaseState {
    fn clear(&mut self) {
        self.classname.clear();
        self.name.clear();
        self.has_name = false;
        self.time = None;
        self.file = None;
        self.line = None;
        self.status = None;
        self.results.clear();
        self.open_result = None;
        self.ignored_inside = 0;
    }

    /// The result whose text is being captured.
    fn capturing(&self) -> Option<usize> {
        self.open_result.filter(|_| self.ignored_inside == 0)
    }
}

/// What earlier files of the same test type left: read only, as a file is merged only once it
/// has been read whole.
pub(crate) struct RunView<'a> {
    /// Keys of the cases kept (failed, errored, flaky, skipped) → their index.
    pub index: &'a SlotMap,
    /// Tests that passed.
    pub closed: &'a ClosedPasses,
    /// How many case records the run keeps already.
    pub records: usize,
}

/// Reads one JUnit file.
pub(crate) fn read_file<S: LineSource>(
    input: S,
    path: &str,
    test_type: &str,
    options: &ReadOptions,
    run: RunView<'_>,
) -> Result<FileResult, JunitError> {
    let mut parser = Parser {
        path,
        options,
        run_index: run.index,
        run_closed: run.closed,
        run_records: run.records,
        records: Vec::new(),
        closed: ClosedPasses::default(),
        totals: Delta::default(),
        elements: ElementCounts::default(),
        time: None,
        suites: 0,
        slots: SlotMap::default(),
        cross: Vec::new(),
        slowest: SlowHeap::new(options.slowest),
        frames: Vec::new(),
        case: CaseState::default(),
        seq: 0,
        unnamed: 0,
        spare: Vec::new(),
    };
    let root = parser.run(input)?;
    Ok(FileResult {
        summary: FileSummary {
            path: path.to_string(),
            test_type: test_type.to_string(),
            root,
            suites: parser.suites,
            totals: parser.totals.clamped(),
            elements: parser.elements,
            time: parser.time,
        },
        delta: parser.totals,
        slots: parser.slots,
        records: parser.records,
        cross: parser.cross,
        slowest: parser.slowest,
        closed: parser.closed,
    })
}

struct Parser<'a> {
    path: &'a str,
    options: &'a ReadOptions,
    run_index: &'a SlotMap,
    run_closed: &'a ClosedPasses,
    run_records: usize,
    records: Vec<Kept>,
    closed: ClosedPasses,
    totals: Delta,
    elements: ElementCounts,
    time: Option<f64>,
    suites: u64,
    slots: SlotMap,
    cross: Vec<CrossPass>,
    slowest: SlowHeap,
    frames: Vec<Frame>,
    case: CaseState,
    seq: u64,
    unnamed: u64,
    /// Emptied passed-test maps of closed suites, reused so that each suite does not grow one
    /// from nothing.
    spare: Vec<KeyMap<PassedSeen>>,
}

impl Parser<'_> {
    /// Reads events to the end of the root element; returns the root's name.
    fn run<S: LineSource>(&mut self, input: S) -> Result<String, JunitError> {
        let mut reader = Reader::from_reader(input);
        {
            let config = reader.config_mut();
            config.check_end_names = true;
            config.expand_empty_elements = false;
            // Whitespace between elements makes no event; text keeps its inner whitespace.
            config.trim_text_start = true;
            config.trim_text_end = false;
        }
        let mut buf: Vec<u8> = Vec::with_capacity(16 * 1024);
        let mut stack: Vec<Tag> = Vec::with_capacity(16);
        let mut root: Option<String> = None;
        let mut read_anything = false;
        loop {
            let event = match reader.read_event_into(&mut buf) {
                Ok(e) => e,
                Err(err) => {
                    let line = reader.get_ref().line();
                    return Err(self.xml_error(err, line, root.is_some() || read_anything));
                }
            };
            // The line where the event starts: the lines consumed, less those inside it.
            let inside: &[u8] = match &event {
                Event::Start(e) | Event::Empty(e) => e,
                Event::Text(t) | Event::DocType(t) | Event::Comment(t) => t,
                _ => &[],
            };
            // Counted only when a message needs it.
            let line = || reader.get_ref().line() - count_newlines(inside);
            match &event {
                Event::DocType(_) => {
                    return Err(JunitError::Doctype {
                        path: self.path.to_string(),
                        line: line(),
                    })
                }
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) => read_anything = true,
                Event::Eof => {
                    if !stack.is_empty() {
                        return Err(JunitError::Truncated {
                            path: self.path.to_string(),
                            line: reader.get_ref().line(),
                            open: self.open_elements(&stack),
                        });
                    }
                    return match root {
                        Some(r) => Ok(r),
                        None if !read_anything => Err(JunitError::Empty {
                            path: self.path.to_string(),
                        }),
                        None => Err(JunitError::NotXml {
                            path: self.path.to_string(),
                            line: line(),
                            cause: "no root element".to_string(),
                        }),
                    };
                }
                Event::Text(t) => {
                    if stack.is_empty() {
                        if t.iter().any(|b| !b.is_ascii_whitespace()) {
                            return Err(JunitError::NotXml {
                                path: self.path.to_string(),
                                line: line(),
                                cause: if root.is_some() {
                                    "text after the root element".to_string()
                                } else {
                                    "text where the root element should start".to_string()
                                },
                            });
                        }
                    } else if let Some(i) = self.case.capturing() {
                        let text = match t.unescape() {
                            Ok(s) => s,
                            Err(_) => String::from_utf8_lossy(t).into_owned().into(),
                        };
                        push_bounded(&mut self.case.results[i].detail, &text);
                    }
                }
                Event::CData(t) => {
                    if let Some(i) = self.case.capturing() {
                        push_bounded(
                            &mut self.case.results[i].detail,
                            &String::from_utf8_lossy(t),
                        );
                    }
                }
                Event::Start(e) | Event::Empty(e) => {
                    let empty = matches!(event, Event::Empty(_));
                    let tag = if stack.is_empty() {
                        if root.is_some() {
                            return Err(JunitError::NotXml {
                                path: self.path.to_string(),
                                line: line(),
                                cause: "a second root element".to_string(),
                            });
                        }
                        let tag = self.open_root(e, line())?;
                        root = Some(String::from_utf8_lossy(e.local_name().as_ref()).into_owned());
                        tag
                    } else {
                        self.open(e, &stack, empty)
                    };
                    if empty {
                        self.close(tag);
                    } else {
                        stack.push(tag);
                    }
                }
                Event::End(_) => {
                    if let Some(tag) = stack.pop() {
                        self.close(tag);
                    }
                }
            }
            if buf.capacity() > BUFFER_SHRINK_ABOVE {
                buf = Vec::with_capacity(16 * 1024);
            } else {
                buf.clear();
            }
        }
    }

    fn open_elements(&self, stack: &[Tag]) -> String {
        let names: Vec<&str> = stack
            .iter()
            .map(|t| match t {
                Tag::Root => "root",
                Tag::Suite => "testsuite",
                Tag::Case => "testcase",
                Tag::Result => "result",
                Tag::Ignored | Tag::IgnoredInResult | Tag::Other => "element",
            })
            .collect();
        names.last().copied().unwrap_or("root").to_string()
    }

    fn xml_error(&self, err: quick_xml::Error, line: u64, started: bool) -> JunitError {
        use quick_xml::errors::SyntaxError;
        match err {
            quick_xml::Error::Io(e) => JunitError::Io {
                path: self.path.to_string(),
                source: io::Error::new(e.kind(), e.to_string()),
            },
            quick_xml::Error::Syntax(
                SyntaxError::UnclosedTag
                | SyntaxError::UnclosedCData
                | SyntaxError::UnclosedComment
                | SyntaxError::UnclosedDoctype
                | SyntaxError::UnclosedPIOrXmlDecl,
            ) if started => JunitError::Truncated {
                path: self.path.to_string(),
                line,
                open: "markup".to_string(),
            },
            other if !started => JunitError::NotXml {
                path: self.path.to_string(),
                line,
                cause: other.to_string(),
            },
            other => JunitError::Malformed {
                path: self.path.to_string(),
                line,
                cause: other.to_string(),
            },
        }
    }

    fn open_root(&mut self, e: &BytesStart<'_>, line: u64) -> Result<Tag, JunitError> {
        match e.local_name().as_ref() {
            b"testsuites" => {
                self.frames.push(Frame {
                    is_suite: false,
                    name: String::new(),
                    name_hash: name_hash(""),
                    time_attr: attr_time(e),
                    case_time: None,
                    passed: self.spare.pop().unwrap_or_default(),
                });
                Ok(Tag::Root)
            }
            b"testsuite" => {
                self.open_suite(e);
                Ok(Tag::Suite)
            }
            other => Err(JunitError::NotJunit {
                path: self.path.to_string(),
                line,
                root: String::from_utf8_lossy(other).into_owned(),
            }),
        }
    }

    fn open_suite(&mut self, e: &BytesStart<'_>) {
        self.suites += 1;
        let mut name = String::new();
        let mut time = None;
        for a in e.attributes().with_checks(false).flatten() {
            match a.key.as_ref() {
                b"name" => name = attr_text(&a.value).into_owned(),
                b"time" => time = attr_time_value(&a.value),
                _ => {}
            }
        }
        self.frames.push(Frame {
            is_suite: true,
            name_hash: name_hash(&name),
            name,
            time_attr: time,
            case_time: None,
            passed: self.spare.pop().unwrap_or_default(),
        });
    }

    /// Opens a non-root element; `empty` when it has no content (`<x/>`).
    fn open(&mut self, e: &BytesStart<'_>, stack: &[Tag], empty: bool) -> Tag {
        let parent = stack.last().copied().unwrap_or(Tag::Other);
        let local = e.local_name();
        let local = local.as_ref();
        match parent {
            Tag::Root | Tag::Suite if local == b"testsuite" => {
                self.open_suite(e);
                Tag::Suite
            }
            Tag::Root | Tag::Suite if local == b"testcase" => {
                self.open_case(e);
                Tag::Case
            }
            Tag::Case => {
                if let Some((element, result, role)) = result_element(local) {
                    let mut attempt = Attempt {
                        result,
                        element,
                        message: None,
                        kind: None,
                        detail: None,
                        time: None,
                    };
                    let max = self.options.max_message_chars;
                    for a in e.attributes().with_checks(false).flatten() {
                        match a.key.as_ref() {
                            b"message" => {
                                attempt.message = Some(truncate_chars(&attr_text(&a.value), max))
                            }
                            b"type" => {
                                let t = attr_text(&a.value);
                                if !t.is_empty() {
                                    attempt.kind = Some(truncate_chars(&t, 200));
                                }
                            }
                            b"time" => attempt.time = attr_time_value(&a.value),
                            _ => {}
                        }
                    }
                    self.case.results.push(PendingResult {
                        role,
                        attempt,
                        detail: String::new(),
                    });
                    // Text is kept only while records can still be kept.
                    if !empty && self.can_keep_records() {
                        self.case.open_result = Some(self.case.results.len() - 1);
                        self.case.ignored_inside = 0;
                    }
                    Tag::Result
                } else if matches!(local, b"system-out" | b"system-err" | b"properties") {
                    Tag::Ignored
                } else {
                    Tag::Other
                }
            }
            // `<stackTrace>` inside a flaky or rerun element keeps being captured;
            // `<system-out>`/`<system-err>` inside it stop the capture until they close.
            Tag::Result if matches!(local, b"system-out" | b"system-err") => {
                if empty {
                    Tag::Other
                } else {
                    self.case.ignored_inside += 1;
                    Tag::IgnoredInResult
                }
            }
            _ => Tag::Other,
        }
    }

    fn open_case(&mut self, e: &BytesStart<'_>) {
        self.case.clear();
        for a in e.attributes().with_checks(false).flatten() {
            match a.key.as_ref() {
                b"name" => {
                    self.case.name.push_str(&attr_text(&a.value));
                    self.case.has_name = true;
                }
                b"classname" => self.case.classname.push_str(&attr_text(&a.value)),
                b"time" => self.case.time = attr_time_value(&a.value),
                b"file" => {
                    let f = attr_text(&a.value);
                    if !f.trim().is_empty() {
                        self.case.file = Some(f.trim().to_string());
                    }
                }
                b"line" => self.case.line = attr_text(&a.value).trim().parse().ok(),
                b"status" | b"result" => {
                    self.case.status = Some(attr_text(&a.value).trim().to_ascii_lowercase())
                }
                _ => {}
            }
        }
    }

    fn close(&mut self, tag: Tag) {
        match tag {
            Tag::Root => {
                if let Some(mut frame) = self.frames.pop() {
                    if self.time.is_none() && self.suites == 0 {
                        self.time = frame.time_attr.or(frame.case_time);
                    }
                    self.closed
                        .insert(frame.name_hash, frame.passed.drain().map(|(k, _)| k));
                }
            }
            Tag::Suite => self.close_suite(),
            Tag::Case => self.close_case(),
            Tag::Result => self.case.open_result = None,
            Tag::IgnoredInResult => {
                self.case.ignored_inside = self.case.ignored_inside.saturating_sub(1)
            }
            Tag::Ignored | Tag::Other => {}
        }
    }

    fn close_suite(&mut self) {
        let Some(mut frame) = self.frames.pop() else {
            return;
        };
        let time = frame.time_attr.or(frame.case_time);
        self.closed
            .insert(frame.name_hash, frame.passed.drain().map(|(k, _)| k));
        // A map grown by one huge suite is not kept.
        if frame.passed.capacity() <= 4096 && self.spare.len() < 16 {
            self.spare.push(frame.passed);
        }
        match self.frames.last_mut() {
            Some(parent) if parent.is_suite => {
                if let Some(t) = time {
                    parent.case_time = Some(parent.case_time.unwrap_or(0.0) + t);
                }
            }
            // An outermost suite: its time counts for the file.
            _ => {
                if let Some(t) = time {
                    self.time = Some(self.time.unwrap_or(0.0) + t);
                }
            }
        }
    }

    fn close_case(&mut self) {
        self.seq += 1;
        let case = &mut self.case;
        // The case's own result: the most severe primary result, else its status attribute.
        let mut own = case
            .results
            .iter()
            .filter(|r| r.role == ResultRole::Primary)
            .map(|r| r.attempt.result)
            .max()
            .unwrap_or(AttemptResult::Passed);
        let mut disabled = false;
        if let Some(status) = case.status.as_deref() {
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
        let max = self.options.max_message_chars;
        let primary_bad = matches!(own, AttemptResult::Failed | AttemptResult::Errored);
        // The case's own attempt carries the message of its most severe primary result.
        let mut own_attempt = Attempt {
            result: own,
            element: "testcase",
            message: None,
            kind: None,
            detail: None,
            time: case.time,
        };
        if let Some(r) = case
            .results
            .iter_mut()
            .find(|r| r.role == ResultRole::Primary && r.attempt.result == own)
        {
            own_attempt.message = r.attempt.message.take();
            own_attempt.kind = r.attempt.kind.take();
            own_attempt.detail = non_empty_detail(&r.detail, max);
        }
        let mut flags = ResultFlags::default().with(own);
        let mut extra: Vec<Attempt> = Vec::new();
        let mut extra_count = 0u32;
        for r in case
            .results
            .iter_mut()
            .filter(|r| r.role != ResultRole::Primary)
        {
            // With a failing primary result, reruns failed too and the primary result is the
            // verdict (as Surefire counts it). Without one, the last run passed: flaky.
            if !primary_bad {
                flags = flags.with(r.attempt.result);
            }
            extra_count += 1;
            if extra.len() < MAX_ATTEMPTS_KEPT {
                let mut a = r.attempt.clone();
                a.detail = non_empty_detail(&r.detail, max);
                extra.push(a);
            }
        }
        let element_outcome = flags.outcome();
        let el = &mut self.elements;
        el.cases += 1;
        match element_outcome {
            Outcome::Passed | Outcome::Flaky => el.passed += 1,
            Outcome::Skipped if disabled => el.disabled += 1,
            Outcome::Skipped => el.skipped += 1,
            Outcome::Failed => el.failed += 1,
            Outcome::Errored => el.errored += 1,
        }
        // Attempts in the order they ran: flaky failures before the final pass; reruns after
        // the first failure. Built only on the paths that keep them.
        let attempts = move || {
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
        };
        let attempt_count = 1 + extra_count;

        let time = case.time;
        if let Some(frame) = self.frames.last_mut() {
            if let Some(t) = time {
                frame.case_time = Some(frame.case_time.unwrap_or(0.0) + t);
            }
        }
        let suite_idx = self.frames.iter().rposition(|f| f.is_suite);
        let suite = suite_idx.map_or("", |i| self.frames[i].name.as_str());
        let suite_hash = suite_idx.map_or_else(|| name_hash(""), |i| self.frames[i].name_hash);
        if !case.has_name || case.name.is_empty() {
            // Without a name a case cannot be told apart from another: never folded.
            self.unnamed += 1;
            case.name.clear();
            let _ = write!(
                case.name,
                "<unnamed testcase {} of {}>",
                self.unnamed, self.path
            );
        }
        let key = case_key(suite, &case.classname, &case.name);
        let suite_name =
            |frames: &[Frame]| suite_idx.map_or(String::new(), |i| frames[i].name.clone());

        if let Some(t) = time {
            if self.slowest.admits(t) {
                self.slowest.push(Slow {
                    time: t,
                    seq: self.seq,
                    key,
                    record: CaseRecord {
                        report: self.path.to_string(),
                        suite: suite_name(&self.frames),
                        classname: self.case.classname.clone(),
                        name: self.case.name.clone(),
                        outcome: element_outcome,
                        time: Some(t),
                        attempt_count,
                        attempts: Vec::new(),
                        file: self.case.file.clone(),
                        line: self.case.line,
                    },
                });
            }
        }

        let frame_passed = self.frames.last_mut().map(|f| &mut f.passed);
        // 1. The same test already passed in this suite.
        if let Some(passed) = frame_passed {
            if let Some(seen) = passed.get_mut(&key) {
                if element_outcome == Outcome::Passed {
                    seen.attempts += attempt_count;
                    seen.time = add_time(seen.time, time);
                    return;
                }
                let seen = passed.remove(&key).expect("present");
                self.totals.remove(Outcome::Passed);
                let mut earlier: Vec<Attempt> = (0..seen.attempts.min(MAX_ATTEMPTS_KEPT as u32))
                    .map(|_| Attempt {
                        result: AttemptResult::Passed,
                        element: "testcase",
                        message: None,
                        kind: None,
                        detail: None,
                        time: None,
                    })
                    .collect();
                earlier.extend(attempts());
                earlier.truncate(MAX_ATTEMPTS_KEPT);
                let flags = flags.with(AttemptResult::Passed);
                let outcome = flags.outcome();
                self.totals.add(outcome);
                let record = CaseRecord {
                    report: self.path.to_string(),
                    suite: suite_name(&self.frames),
                    classname: self.case.classname.clone(),
                    name: self.case.name.clone(),
                    outcome,
                    time: add_time(seen.time, time),
                    attempt_count: seen.attempts + attempt_count,
                    attempts: earlier,
                    file: self.case.file.take(),
                    line: self.case.line,
                };
                self.keep(key, flags, record);
                return;
            }
        }
        // 2. The same test was kept earlier in this file.
        if let Some(slot) = self.slots.get_mut(&key) {
            self.totals.remove(slot.flags.outcome());
            slot.flags = slot.flags.union(flags);
            let outcome = slot.flags.outcome();
            self.totals.add(outcome);
            if let Some(i) = slot.record() {
                let r = &mut self.records[i].record;
                r.outcome = outcome;
                r.attempt_count += attempt_count;
                r.time = add_time(r.time, time);
                for a in attempts() {
                    if r.attempts.len() < MAX_ATTEMPTS_KEPT {
                        r.attempts.push(a);
                    }
                }
                if r.file.is_none() {
                    r.file = self.case.file.take();
                    r.line = self.case.line;
                }
            }
            return;
        }
        // 3. The same test passed in a suite element already closed (this file or an earlier
        // one): a passed or skipped attempt folds into that pass; a bad one makes it flaky.
        // (A test the run keeps a slot for goes to step 4: the merge folds it with that slot.)
        if self.closed.contains(suite_hash, key)
            || (!self.run_index.contains_key(&key) && self.run_closed.contains(suite_hash, key))
        {
            if matches!(element_outcome, Outcome::Passed | Outcome::Skipped) {
                return;
            }
            // The pass was counted by an earlier file (or suite): this file's delta goes below
            // zero in `passed` when the test was counted there.
            self.totals.add(Outcome::Flaky);
            self.totals.remove(Outcome::Passed);
            let mut all = vec![Attempt {
                result: AttemptResult::Passed,
                element: "testcase",
                message: None,
                kind: None,
                detail: None,
                time: None,
            }];
            all.extend(attempts());
            all.truncate(MAX_ATTEMPTS_KEPT);
            let record = CaseRecord {
                report: self.path.to_string(),
                suite: suite_name(&self.frames),
                classname: self.case.classname.clone(),
                name: self.case.name.clone(),
                outcome: Outcome::Flaky,
                time,
                attempt_count: attempt_count + 1,
                attempts: all,
                file: self.case.file.take(),
                line: self.case.line,
            };
            self.keep(key, flags.with(AttemptResult::Passed), record);
            return;
        }
        // 4. A new test for this file.
        self.totals.add(element_outcome);
        if element_outcome == Outcome::Passed {
            if self.run_index.contains_key(&key) {
                // Failed in an earlier file: folded when this file is merged.
                self.cross.push(CrossPass {
                    key,
                    attempt: attempts().pop().expect("one attempt at least"),
                    time,
                });
            } else if let Some(frame) = self.frames.last_mut() {
                frame.passed.insert(
                    key,
                    PassedSeen {
                        attempts: attempt_count,
                        time,
                    },
                );
            }
            return;
        }
        let record = CaseRecord {
            report: self.path.to_string(),
            suite: suite_name(&self.frames),
            classname: self.case.classname.clone(),
            name: self.case.name.clone(),
            outcome: element_outcome,
            time,
            attempt_count,
            attempts: attempts(),
            file: self.case.file.take(),
            line: self.case.line,
        };
        self.keep(key, flags, record);
    }

    /// Keeps a test that did not simply pass; its record only when it is not skipped and the
    /// run keeps fewer than `max_kept_cases` records (memory stays bounded).
    fn keep(&mut self, key: u64, flags: ResultFlags, record: CaseRecord) {
        let mut slot = Slot {
            flags,
            record: NO_RECORD,
        };
        // A test the run already keeps a record of gets one too: it folds into that record.
        let recorded_in_run = self
            .run_index
            .get(&key)
            .is_some_and(|s| s.record().is_some());
        if record.outcome != Outcome::Skipped && (self.can_keep_records() || recorded_in_run) {
            slot.record = self.records.len() as u32;
            self.records.push(Kept { key, record });
        }
        self.slots.insert(key, slot);
    }

    fn can_keep_records(&self) -> bool {
        self.run_records + self.records.len() < self.options.max_kept_cases
    }
}

fn add_time(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x + y),
        (x, None) => x,
        (None, y) => y,
    }
}

fn non_empty_detail(detail: &str, max: usize) -> Option<String> {
    let t = detail.trim();
    let normalized;
    let t = if t.contains('\r') {
        normalized = t.replace("\r\n", "\n").replace('\r', "\n");
        normalized.as_str()
    } else {
        t
    };
    (!t.is_empty()).then(|| truncate_chars(t, max))
}

fn push_bounded(dst: &mut String, text: &str) {
    let room = MAX_DETAIL_BYTES.saturating_sub(dst.len());
    if room == 0 {
        return;
    }
    if text.len() <= room {
        dst.push_str(text);
    } else {
        let mut cut = room;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        dst.push_str(&text[..cut]);
    }
}

/// An attribute value as text: literal tabs and line ends become spaces (XML attribute-value
/// normalization; `&#10;` stays a line feed), entities resolved (the five predefined ones and
/// character references only; anything else is kept as written), invalid UTF-8 replaced.
fn attr_text<'a>(raw: &'a Cow<'a, [u8]>) -> Cow<'a, str> {
    let special = memchr::memchr3(b'\t', b'\n', b'\r', raw).is_some();
    let escaped = memchr::memchr(b'&', raw).is_some();
    let mut text = match std::str::from_utf8(raw) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(raw),
    };
    if !special && !escaped {
        return text;
    }
    if special {
        text = Cow::Owned(text.replace("\r\n", " ").replace(['\t', '\n', '\r'], " "));
    }
    if !text.contains('&') {
        return text;
    }
    match quick_xml::escape::unescape(&text) {
        Ok(s) => Cow::Owned(s.into_owned()),
        Err(_) => text,
    }
}

fn attr_time(e: &BytesStart<'_>) -> Option<f64> {
    e.attributes()
        .with_checks(false)
        .flatten()
        .find(|a| a.key.as_ref() == b"time")
        .and_then(|a| attr_time_value(&a.value))
}

/// A `time` attribute's value in seconds (see [`parse_time`]).
fn attr_time_value(raw: &[u8]) -> Option<f64> {
    match std::str::from_utf8(raw) {
        Ok(s) if !s.contains('&') => parse_time(s),
        _ => parse_time(&attr_text(&Cow::Borrowed(raw))),
    }
}

/// Parses a `time` attribute in seconds: `1.5`, `0,014` (decimal comma), `14,029.255`
/// (thousands separators), `1e-3`. Missing, negative, infinite or junk values are unknown.
pub fn parse_time(text: &str) -> Option<f64> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    let normalized: Cow<'_, str> = if t.contains(',') {
        let commas = t.matches(',').count();
        if commas == 1 && !t.contains('.') {
            // `0,014`, `1,5`: a decimal comma (durations over 999 s without a dot are rarer
            // than locales that write a decimal comma).
            Cow::Owned(t.replace(',', "."))
        } else if is_thousands_grouped(t.split('.').next().unwrap_or("")) {
            // `14,029.255`, `1,234,567`: commas group thousands.
            Cow::Owned(t.replace(',', ""))
        } else {
            return None;
        }
    } else {
        Cow::Borrowed(t)
    };
    let v: f64 = normalized.parse().ok()?;
    (v.is_finite() && v >= 0.0).then_some(v)
}

/// `1,234` or `12,345,678`: digit groups of three after the first, more than one group.
fn is_thousands_grouped(t: &str) -> bool {
    let mut groups = t.split(',');
    let first = groups.next().unwrap_or("");
    if first.is_empty() || first.len() > 3 || !first.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let mut n = 0;
    for g in groups {
        if g.len() != 3 || !g.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
        n += 1;
    }
    n > 0
}
