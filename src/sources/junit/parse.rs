//! The streaming reader: quick-xml events over a `BufRead`, one reused buffer, and state for the
//! current `<testcase>` only. Elements are opened and closed here; a closed `<testcase>` is
//! counted, offered to the slowest tests ([`super::slowest`]) and handed to the fold
//! ([`super::fold`]), which keeps only failed, errored, flaky and skipped tests.

use super::case::{
    result_element, AttemptsSummary, CaseState, ClosedCase, PendingResult, ResultRole,
};
use super::fold::{CaseFacts, FileFold, RunView, SuitePasses};
use super::hash::{case_key_of_class, class_seed, name_hash, suite_seed};
use super::lines::{count_newlines, LineSource};
use super::model::{Attempt, AttemptResult, ElementCounts, FileSummary, Outcome};
use super::slowest::{Slow, SlowHeap};
use super::text::{
    attr_text, attr_time, attr_time_value, first_non_ws, for_each_attr, for_each_attr_resetting,
    is_xml_ws, plain_case_names, push_bounded, ListEnd,
};
use super::{JunitError, ReadOptions};
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use std::io;

/// A buffer that grew past this (one huge `<system-out>`) is given back after the event.
const BUFFER_SHRINK_ABOVE: usize = 1 << 20;

/// What one file gave, before it is merged into its test type.
#[derive(Debug)]
pub(crate) struct FileResult {
    pub summary: FileSummary,
    /// Its tests, folded within the file, to fold into the run.
    pub fold: FileFold,
    pub slowest: SlowHeap,
}

/// An open `<testsuite>` (or the `<testsuites>` root).
#[derive(Debug)]
struct Frame {
    is_suite: bool,
    name: String,
    name_hash: u64,
    /// The suite name's part of every test key ([`suite_seed`]).
    key_seed: u64,
    time_attr: Option<f64>,
    case_time: Option<f64>,
    passed: SuitePasses,
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
    /// `properties` inside `<testsuites>` or a `<testsuite>`: its children are not read.
    Properties,
    Other,
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
        run,
        fold: FileFold::default(),
        elements: ElementCounts::default(),
        time: None,
        suites: 0,
        slowest: SlowHeap::new(options.slowest),
        frames: Vec::new(),
        case: CaseState::default(),
        seq: 0,
        unnamed: 0,
        spare: Vec::new(),
        last_class: (Vec::new(), 0, class_seed(0, b"")),
    };
    let root = parser.run(input)?;
    Ok(FileResult {
        summary: FileSummary {
            path: path.to_string(),
            test_type: test_type.to_string(),
            root,
            suites: parser.suites,
            totals: parser.fold.delta.clamped(),
            elements: parser.elements,
            time: parser.time,
        },
        fold: parser.fold,
        slowest: parser.slowest,
    })
}

struct Parser<'a> {
    path: &'a str,
    options: &'a ReadOptions,
    /// What earlier files of the test type left.
    run: RunView<'a>,
    fold: FileFold,
    elements: ElementCounts,
    time: Option<f64>,
    suites: u64,
    slowest: SlowHeap,
    frames: Vec<Frame>,
    case: CaseState,
    seq: u64,
    unnamed: u64,
    /// Emptied passed-test maps of closed suites, reused so that each suite does not grow one
    /// from nothing.
    spare: Vec<SuitePasses>,
    /// The last case's classname, the suite seed it was mixed with and their [`class_seed`]:
    /// the tests of a class come one after the other, so a classname is mixed once per run
    /// of them (a comparison costs less than the mix).
    last_class: (Vec<u8>, u64, u64),
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
        // Whether quick-xml reads text next (after any event but text, whose `<` it has read).
        let mut text_next = false;
        loop {
            if text_next {
                match stack.last() {
                    Some(Tag::Root | Tag::Suite) => self.read_plain_empty_cases(reader.get_mut()),
                    Some(Tag::Properties) => skip_plain_empty_properties(reader.get_mut()),
                    _ => {}
                }
            }
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
            text_next = !matches!(event, Event::Text(_));
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
        let innermost = stack.last().map_or("root", |t| match t {
            Tag::Root => "root",
            Tag::Suite => "testsuite",
            Tag::Case => "testcase",
            Tag::Result => "result",
            Tag::Ignored | Tag::IgnoredInResult | Tag::Properties | Tag::Other => "element",
        });
        innermost.to_string()
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
                    key_seed: suite_seed(b""),
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
        let mut id = String::new();
        let mut time = None;
        for_each_attr(e, |key, value| match key {
            b"name" => name = attr_text(value).into_owned(),
            b"id" => id = attr_text(value).trim().to_string(),
            b"time" => time = attr_time_value(value),
            _ => {}
        });
        if name.is_empty() {
            name = unnamed_suite(&id, self.suites);
        }
        self.frames.push(Frame {
            is_suite: true,
            name_hash: name_hash(&name),
            key_seed: suite_seed(name.as_bytes()),
            name,
            time_attr: time,
            case_time: None,
            passed: self.spare.pop().unwrap_or_default(),
        });
    }

    /// Opens a non-root element; `empty` when it has no content (`<x/>`).
    fn open(&mut self, e: &BytesStart<'_>, stack: &[Tag], empty: bool) -> Tag {
        let parent = stack.last().copied().unwrap_or(Tag::Other);
        let local = local_name(e);
        match parent {
            Tag::Root | Tag::Suite if local == b"testsuite" => {
                self.open_suite(e);
                Tag::Suite
            }
            Tag::Root | Tag::Suite if local == b"properties" => Tag::Properties,
            Tag::Root | Tag::Suite if local == b"testcase" => {
                if empty {
                    // Opened and closed here: nothing for `close` to do.
                    self.empty_case(e);
                    Tag::Other
                } else {
                    self.open_case(e);
                    Tag::Case
                }
            }
            Tag::Case => {
                if let Some((element, result, role)) = result_element(local) {
                    self.open_result(e, element, result, role, empty)
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

    /// Opens a result element of the current case (`failure`, `flakyFailure`…); its text is
    /// captured only while records can still be kept.
    fn open_result(
        &mut self,
        e: &BytesStart<'_>,
        element: &'static str,
        result: AttemptResult,
        role: ResultRole,
        empty: bool,
    ) -> Tag {
        let mut attempt = Attempt {
            result,
            element,
            message: None,
            kind: None,
            detail: None,
            time: None,
        };
        let (mut message, mut kind) = (None, None);
        for_each_attr(e, |key, value| match key {
            b"message" => message = Some(value.to_vec()),
            // Decoded, a value is empty only when written empty.
            b"type" if !value.is_empty() => kind = Some(value.to_vec()),
            b"time" => attempt.time = attr_time_value(value),
            _ => {}
        });
        self.case.results.push(PendingResult {
            role,
            attempt,
            message,
            kind,
            detail: String::new(),
        });
        // Text is kept only while records can still be kept.
        if !empty && self.fold.can_keep_records(&self.run) {
            self.case.open_result = Some(self.case.results.len() - 1);
            self.case.ignored_inside = 0;
        }
        Tag::Result
    }

    fn open_case(&mut self, e: &BytesStart<'_>) {
        self.case.clear();
        // Each plain attribute is taken as it is split; a list written otherwise is read again
        // from the start (as quick-xml gives it) into a cleared case.
        for_each_attr_resetting(e, &mut self.case, CaseState::clear, case_attr);
    }

    fn close(&mut self, tag: Tag) {
        match tag {
            Tag::Root => {
                if let Some(mut frame) = self.frames.pop() {
                    if self.time.is_none() && self.suites == 0 {
                        self.time = frame.time_attr.or(frame.case_time);
                    }
                    self.fold.close_element(frame.name_hash, &mut frame.passed);
                }
            }
            Tag::Suite => self.close_suite(),
            Tag::Case => self.close_case(),
            Tag::Result => self.case.open_result = None,
            Tag::IgnoredInResult => {
                self.case.ignored_inside = self.case.ignored_inside.saturating_sub(1)
            }
            Tag::Ignored | Tag::Properties | Tag::Other => {}
        }
    }

    fn close_suite(&mut self) {
        let Some(mut frame) = self.frames.pop() else {
            return;
        };
        let time = frame.time_attr.or(frame.case_time);
        self.fold.close_element(frame.name_hash, &mut frame.passed);
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

    /// A `<testcase>` closed: its verdict and attempts, its counts and time, its identity, then
    /// the slowest tests and the fold.
    fn close_case(&mut self) {
        self.name_if_unnamed();
        // Lent out for the close (the case's buffers keep their capacity).
        let classname = std::mem::take(&mut self.case.classname);
        let name = std::mem::take(&mut self.case.name);
        self.close_named(classname.as_ref(), name.as_ref());
        self.case.classname = classname;
        self.case.name = name;
    }

    /// An empty `<testcase .../>` (most cases): when its attributes are written plainly and its
    /// `name` and `classname` need no decoding, they are hashed straight from the reader's buffer
    /// and copied only if the case is kept; else it is read as any `<testcase>`.
    fn empty_case(&mut self, e: &BytesStart<'_>) {
        self.case.clear();
        match plain_case_names(
            e.attributes_raw(),
            ListEnd::AllBytes,
            &mut self.case,
            case_attr,
        ) {
            Some(names) if !names.name.is_empty() => self.close_named(names.classname, names.name),
            _ => {
                self.open_case(e);
                self.close_case();
            }
        }
    }

    /// Reads the plain empty `<testcase .../>` elements that come next in `input` straight from
    /// its buffer, before quick-xml would read them: most cases, each read in one pass instead
    /// of quick-xml's search for the element's end, its copy into the event buffer, and then the
    /// split of its attributes. Called only where quick-xml would read text next (it then skips
    /// the whitespace before an element, as here), inside `<testsuites>` or a `<testsuite>`.
    ///
    /// Taken only when the whole element is in the buffer and it reads as quick-xml would give
    /// it: `<testcase`, whitespace, attributes written plainly (quotes and `>` end a key, so
    /// the first `>` outside a value is the one after `/`), `/>`, and a plain `name`. Anything
    /// else is left in the input for quick-xml and read as before ([`Parser::empty_case`]); the
    /// unit tests read documents through buffers of every small size and compare.
    fn read_plain_empty_cases<S: LineSource>(&mut self, input: &mut S) {
        const OPEN: &[u8] = b"<testcase";
        loop {
            let Ok(available) = input.fill_buf() else {
                // quick-xml asks again and reports it.
                return;
            };
            let start = first_non_ws(available);
            let Some(element) = start.and_then(|i| available.get(i..)) else {
                return;
            };
            if !(element.starts_with(OPEN)
                && element.get(OPEN.len()).is_some_and(|&b| is_xml_ws(b)))
            {
                return;
            }
            self.case.clear();
            let attrs = &element[OPEN.len()..];
            let Some(names) =
                plain_case_names(attrs, ListEnd::EmptyElementClose, &mut self.case, case_attr)
            else {
                return;
            };
            if names.name.is_empty() {
                return;
            }
            self.close_named(names.classname, names.name);
            let used = available.len() - element.len() + OPEN.len() + names.end;
            input.consume(used);
        }
    }

    /// Closes the current case, named `classname`, `name` (decoded, not empty).
    fn close_named(&mut self, classname: &[u8], name: &[u8]) {
        self.seq += 1;
        let verdict = self.case.verdict();
        let AttemptsSummary {
            count: attempt_count,
            flags,
        } = self.case.summarize(verdict.own);
        let outcome = flags.outcome();
        count_element(&mut self.elements, outcome, verdict.disabled);
        self.add_case_time(self.case.time);
        // The innermost suite names the test; the innermost frame holds its suite element's
        // passes.
        let suite_idx = self.frames.iter().rposition(|f| f.is_suite);
        let (suite_hash, key_seed) = suite_idx.map_or_else(
            || (name_hash(""), suite_seed(b"")),
            |i| (self.frames[i].name_hash, self.frames[i].key_seed),
        );
        let (passed, suite) = match self.frames.split_last_mut() {
            Some((last, rest)) => {
                let suite = match suite_idx {
                    Some(i) if i == rest.len() => last.name.as_str(),
                    Some(i) => rest[i].name.as_str(),
                    None => "",
                };
                (Some(&mut last.passed), suite)
            }
            None => (None, ""),
        };
        let (last_class, last_seed, last_class_seed) = &mut self.last_class;
        if !(*last_seed == key_seed && last_class.as_slice() == classname) {
            last_class.clear();
            last_class.extend_from_slice(classname);
            *last_seed = key_seed;
            *last_class_seed = class_seed(key_seed, classname);
        }
        let key = case_key_of_class(*last_class_seed, name);
        let facts = CaseFacts {
            key,
            suite: suite_hash,
            flags,
            attempt_count,
            time: self.case.time,
        };
        let mut details = ClosedCase {
            path: self.path,
            suite,
            classname,
            name,
            case: &mut self.case,
            own: verdict.own,
            max_message_chars: self.options.max_message_chars,
        };
        if let Some(t) = facts.time {
            if self.slowest.admits(t) {
                self.slowest.push(Slow {
                    time: t,
                    seq: self.seq,
                    key,
                    record: details.slow_record(outcome, t, facts.attempt_count),
                });
            }
        }
        self.fold.case(&self.run, passed, facts, &mut details);
    }

    /// Adds a case's time to its suite's.
    fn add_case_time(&mut self, time: Option<f64>) {
        if let Some(frame) = self.frames.last_mut() {
            if let Some(t) = time {
                frame.case_time = Some(frame.case_time.unwrap_or(0.0) + t);
            }
        }
    }

    /// Without a name a case cannot be told apart from another: it gets a name of its own, so
    /// that it is never folded.
    fn name_if_unnamed(&mut self) {
        let case = &mut self.case;
        if case.name.is_empty() {
            self.unnamed += 1;
            case.name.set_str(&format!(
                "<unnamed testcase {} of {}>",
                self.unnamed, self.path
            ));
        }
    }
}

/// Skips the plain empty `<property .../>` elements that come next in `input` (inside a
/// suite's `<properties>`, whose children are not read), straight from its buffer before
/// quick-xml would read them, under the rules of [`Parser::read_plain_empty_cases`]: only
/// where quick-xml reads text next, and only an element whole in the buffer that quick-xml
/// would read as an empty element (it ends at the first `>` outside quotes, as quick-xml finds
/// it, and a `/` comes just before). Anything else is left to quick-xml.
fn skip_plain_empty_properties<S: LineSource>(input: &mut S) {
    const OPEN: &[u8] = b"<property";
    loop {
        let Ok(available) = input.fill_buf() else {
            return;
        };
        let Some(start) = first_non_ws(available) else {
            return;
        };
        let element = &available[start..];
        if !(element.starts_with(OPEN)
            && element
                .get(OPEN.len())
                .is_some_and(|&b| is_xml_ws(b) || b == b'/'))
        {
            return;
        }
        let Some(end) = element_end(element) else {
            return;
        };
        if element[end - 1] != b'/' {
            return;
        }
        input.consume(start + end + 1);
    }
}

/// Where quick-xml ends the element starting at `element[0]` (`<`): its first `>` outside
/// quotes (quick-xml's `ElementParser`); `None` when not in these bytes.
fn element_end(element: &[u8]) -> Option<usize> {
    let mut quote = None;
    for i in memchr::memchr3_iter(b'>', b'\'', b'"', element) {
        match (quote, element[i]) {
            (None, b'>') => return Some(i),
            (None, q) => quote = Some(q),
            (Some(open), q) if q == open => quote = None,
            _ => {}
        }
    }
    None
}

/// One attribute of a `<testcase>`: `name`, `classname` and `time` (on every case) inline, the
/// rest out of line, so that the attribute loop stays small enough to be inlined whole.
#[inline(always)]
fn case_attr(case: &mut CaseState, key: &[u8], value: &[u8]) {
    match key {
        // A repeated attribute: the last one counts.
        b"name" => case.name.set(value),
        b"classname" => case.classname.set(value),
        b"time" => case.time = attr_time_value(value),
        _ => case_attr_rare(case, key, value),
    }
}

/// The other attributes of a `<testcase>` ([`case_attr`]).
#[inline(never)]
fn case_attr_rare(case: &mut CaseState, key: &[u8], value: &[u8]) {
    match key {
        b"file" => {
            let f = attr_text(value);
            if !f.trim().is_empty() {
                case.file = Some(f.trim().to_string());
            }
        }
        b"line" => case.line = attr_text(value).trim().parse().ok(),
        b"status" | b"result" => case.status = Some(attr_text(value).trim().to_ascii_lowercase()),
        _ => {}
    }
}

/// An element's name without its namespace prefix, as quick-xml's `local_name` (after the
/// first `:`), without a `memchr` call for names of a few bytes.
#[inline]
fn local_name<'a>(e: &'a BytesStart<'_>) -> &'a [u8] {
    let name = e.name().into_inner();
    match name.iter().position(|&b| b == b':') {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

/// The identity of a `<testsuite>` without a name (some runners write several in one file):
/// its `id` attribute, else its position among the file's suite elements (1-based), so that
/// same-named tests of two unnamed suites are two tests.
fn unnamed_suite(id: &str, position: u64) -> String {
    if id.is_empty() {
        format!("<unnamed testsuite #{position}>")
    } else {
        format!("<unnamed testsuite id={id}>")
    }
}

/// Counts a `<testcase>` element as written (before folding).
fn count_element(el: &mut ElementCounts, outcome: Outcome, disabled: bool) {
    el.cases += 1;
    match outcome {
        Outcome::Passed | Outcome::Flaky => el.passed += 1,
        Outcome::Skipped if disabled => el.disabled += 1,
        Outcome::Skipped => el.skipped += 1,
        Outcome::Failed => el.failed += 1,
        Outcome::Errored => el.errored += 1,
    }
}
