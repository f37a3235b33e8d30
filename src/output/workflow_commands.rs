//! GitHub Actions workflow commands (`::add-mask::`, `::group::`, annotations) and the files a
//! runner hands a step (`$GITHUB_OUTPUT`, `$GITHUB_STEP_SUMMARY`).
//!
//! Everything here renders text; callers decide where it goes. Escaping follows the runner's
//! rules: in a message `%`, CR and LF are escaped; in a property also `:` and `,`.
//!
//! GitHub shows [`ANNOTATIONS_PER_LEVEL`] annotations of each level per step and drops the rest;
//! an [`AnnotationBudget`] shares those slots among everything a step annotates.
//!
//! Workflow commands are built here and nowhere else. Every other line printed inside GitHub
//! Actions goes through [`log_text`], which makes sure text from a payload, a rules file or a
//! JUnit file cannot start a command of its own (see its documentation for the runner's rules).

use std::fmt::Write as _;

/// The level of an annotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// `::notice`
    Notice,
    /// `::warning`
    Warning,
    /// `::error`
    Error,
}

impl Level {
    fn command(self) -> &'static str {
        match self {
            Level::Notice => "notice",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

/// GitHub shows at most this many annotations of one level (error, warning, notice) per step
/// and drops the rest.
pub const ANNOTATIONS_PER_LEVEL: usize = 10;

impl Level {
    const ALL: [Level; 3] = [Level::Notice, Level::Warning, Level::Error];

    /// The level of an annotation line built by [`annotation`]; `None` for any other line.
    pub fn of_annotation(line: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|level| {
            line.strip_prefix("::")
                .and_then(|rest| rest.strip_prefix(level.command()))
                .is_some_and(|rest| rest.starts_with([' ', ':']))
        })
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// The annotation slots of one step: [`ANNOTATIONS_PER_LEVEL`] per level, shared by everything
/// the step annotates in bulk (test results first, then rule violations), so that together they
/// never print more than GitHub shows. What finds no slot is counted, to be said once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnnotationBudget {
    used: [usize; 3],
}

impl AnnotationBudget {
    /// The slots of a step that has annotated nothing yet.
    pub fn per_step() -> AnnotationBudget {
        AnnotationBudget::default()
    }

    /// Slots of `level` left.
    pub fn left(&self, level: Level) -> usize {
        ANNOTATIONS_PER_LEVEL.saturating_sub(self.used[level.index()])
    }

    /// Keeps, in order, the annotation lines (built by [`annotation`]) whose level still has a
    /// slot, and takes those slots. Returns the lines kept and how many were left out. A line
    /// that is not an annotation takes no slot.
    pub fn admit(&mut self, lines: Vec<String>) -> (Vec<String>, usize) {
        let mut left_out = 0;
        let kept = lines
            .into_iter()
            .filter(|line| match Level::of_annotation(line) {
                Some(level) if self.left(level) == 0 => {
                    left_out += 1;
                    false
                }
                Some(level) => {
                    self.used[level.index()] += 1;
                    true
                }
                None => true,
            })
            .collect();
        (kept, left_out)
    }
}

/// Where an annotation points and what it is called. Empty fields are left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnnotationTarget {
    /// A path relative to the workspace.
    pub file: Option<String>,
    /// 1-based line.
    pub line: Option<u32>,
    /// 1-based column.
    pub col: Option<u32>,
    /// The annotation's title.
    pub title: Option<String>,
}

/// `::<level> file=…,line=…,title=…::<message>`
pub fn annotation(level: Level, target: &AnnotationTarget, message: &str) -> String {
    let mut props = Vec::new();
    if let Some(file) = &target.file {
        props.push(format!("file={}", escape_property(file)));
    }
    if let Some(line) = target.line {
        props.push(format!("line={line}"));
    }
    if let Some(col) = target.col {
        props.push(format!("col={col}"));
    }
    if let Some(title) = &target.title {
        props.push(format!("title={}", escape_property(title)));
    }
    let mut out = format!("::{}", level.command());
    if !props.is_empty() {
        out.push(' ');
        out.push_str(&props.join(","));
    }
    let _ = write!(out, "::{}", escape_data(message));
    out
}

/// `::add-mask::<value>`: the runner replaces the value with `***` in every later log line.
pub fn add_mask(value: &str) -> String {
    format!("::add-mask::{}", escape_data(value))
}

/// `::group::<title>`
pub fn group(title: &str) -> String {
    format!("::group::{}", escape_data(title))
}

/// `::endgroup::`
pub fn end_group() -> &'static str {
    "::endgroup::"
}

/// Escapes a workflow command's message.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// Makes text safe to print as log lines in GitHub Actions, so that no part of it is taken for
/// a workflow command.
///
/// The runner reads a step's stdout and stderr line by line (a line ends at LF, CR or CRLF) and
/// takes a line for a command when, after leading whitespace, it starts with `::` (`::error::`,
/// `::add-mask::`, `::stop-commands::`…), or when it holds the legacy `##[command]` form anywhere
/// (actions/runner `ActionCommand.TryParseV2` and `TryParse`). So each physical line of `text`
/// is neutralised on its own: a leading `::` becomes `: :` and every `##[` becomes `## [`. Line
/// ends are kept, as LF; nothing else changes.
pub fn log_text(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    text.split('\n')
        .map(log_line)
        .collect::<Vec<_>>()
        .join("\n")
}

/// [`log_text`] for one line without line ends.
fn log_line(line: &str) -> String {
    let line = line.replace("##[", "## [");
    let rest = line.trim_start_matches(char::is_whitespace);
    match rest.strip_prefix("::") {
        Some(after) => format!("{}: :{after}", &line[..line.len() - rest.len()]),
        None => line,
    }
}

/// True when `line` is a single workflow command line as this module builds them: it starts
/// with `::` and holds no line end (its data and properties are escaped).
pub fn is_command_line(line: &str) -> bool {
    line.starts_with("::") && !line.contains(['\r', '\n'])
}

/// One `name=value` entry for `$GITHUB_OUTPUT`, using the heredoc form when the value spans
/// lines, with a delimiter that cannot occur in the value.
pub fn output_entry(name: &str, value: &str) -> String {
    if !value.contains('\n') && !value.contains('\r') {
        return format!("{name}={value}\n");
    }
    let mut delimiter = String::from("devmetrics_EOF");
    while value.contains(&delimiter) {
        delimiter.push('_');
    }
    format!("{name}<<{delimiter}\n{value}\n{delimiter}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotation_escapes_message_and_properties() {
        let target = AnnotationTarget {
            file: Some("src/a,b:c.rs".into()),
            line: Some(12),
            col: None,
            title: Some("fails: 100%".into()),
        };
        assert_eq!(
            annotation(Level::Error, &target, "line1\nline2 50%"),
            "::error file=src/a%2Cb%3Ac.rs,line=12,title=fails%3A 100%25::line1%0Aline2 50%25"
        );
        assert_eq!(
            annotation(Level::Notice, &AnnotationTarget::default(), "hi"),
            "::notice::hi"
        );
    }

    /// The runner's test for a command line (`ActionCommand.TryParseV2` and the legacy
    /// `TryParse`), reduced to "would it be parsed at all".
    fn runner_takes_for_a_command(line: &str) -> bool {
        line.trim_start().starts_with("::") || line.contains("##[")
    }

    #[test]
    fn log_text_leaves_no_line_that_the_runner_takes_for_a_command() {
        let hostile = "ok\n::add-mask::x\r::error::pwned\r\n  ::warning::w\n\u{a0}::stop-commands::t\nsee ##[error]legacy\n%0A::warning::";
        let safe = log_text(hostile);
        assert_eq!(
            safe,
            "ok\n: :add-mask::x\n: :error::pwned\n  : :warning::w\n\u{a0}: :stop-commands::t\nsee ## [error]legacy\n%0A::warning::"
        );
        for line in safe.lines() {
            assert!(!runner_takes_for_a_command(line), "{line:?}");
        }
        assert_eq!(log_text("plain text: a::b"), "plain text: a::b");
        assert_eq!(log_text("###[x"), "### [x");
    }

    #[test]
    fn commands_built_here_are_single_lines_whatever_their_data() {
        let hostile = "a\r\n::error::pwned\n%0A::warning::";
        let lines = [
            annotation(
                Level::Warning,
                &AnnotationTarget {
                    file: Some(hostile.into()),
                    title: Some(hostile.into()),
                    ..AnnotationTarget::default()
                },
                hostile,
            ),
            add_mask(hostile),
            group(hostile),
        ];
        // The runner takes the command and its properties up to the first `::` after the
        // leading one: that part must be exactly what was meant, whatever the data holds.
        let info = |line: &str| line[2..].split("::").next().unwrap().to_owned();
        for line in &lines {
            assert!(is_command_line(line), "{line:?}");
        }
        assert_eq!(
            info(&lines[0]),
            "warning file=a%0D%0A%3A%3Aerror%3A%3Apwned%0A%250A%3A%3Awarning%3A%3A,\
             title=a%0D%0A%3A%3Aerror%3A%3Apwned%0A%250A%3A%3Awarning%3A%3A"
        );
        assert_eq!(info(&lines[1]), "add-mask");
        assert_eq!(info(&lines[2]), "group");
        assert_eq!(
            add_mask(hostile),
            "::add-mask::a%0D%0A::error::pwned%0A%250A::warning::"
        );
    }

    #[test]
    fn the_level_of_an_annotation_line_is_its_command() {
        let plain = AnnotationTarget::default();
        assert_eq!(
            Level::of_annotation(&annotation(Level::Error, &plain, "x")),
            Some(Level::Error)
        );
        let titled = AnnotationTarget {
            title: Some("t".into()),
            ..plain
        };
        assert_eq!(
            Level::of_annotation(&annotation(Level::Notice, &titled, "::error::x")),
            Some(Level::Notice)
        );
        for other in ["::errors::x", "::add-mask::x", "::group::g", "error::x", ""] {
            assert_eq!(Level::of_annotation(other), None, "{other:?}");
        }
    }

    #[test]
    fn a_step_budget_keeps_ten_annotations_per_level_in_order_and_counts_the_rest() {
        let line =
            |level, n: usize| annotation(level, &AnnotationTarget::default(), &n.to_string());
        let mut budget = AnnotationBudget::per_step();
        // A first kind takes 6 error slots, a second wants 6 more errors and 3 warnings.
        let (kept, left_out) = budget.admit((0..6).map(|n| line(Level::Error, n)).collect());
        assert_eq!((kept.len(), left_out), (6, 0));
        let mut second: Vec<String> = (6..12).map(|n| line(Level::Error, n)).collect();
        second.extend((0..3).map(|n| line(Level::Warning, n)));
        second.push("not an annotation".into());
        let (kept, left_out) = budget.admit(second);
        assert_eq!(left_out, 2);
        assert_eq!(
            kept,
            [
                "::error::6",
                "::error::7",
                "::error::8",
                "::error::9",
                "::warning::0",
                "::warning::1",
                "::warning::2",
                "not an annotation"
            ]
        );
        assert_eq!(budget.left(Level::Error), 0);
        assert_eq!(budget.left(Level::Warning), ANNOTATIONS_PER_LEVEL - 3);
        assert_eq!(budget.left(Level::Notice), ANNOTATIONS_PER_LEVEL);
    }

    #[test]
    fn output_entry_uses_heredoc_for_multiline_values() {
        assert_eq!(output_entry("a", "1"), "a=1\n");
        let entry = output_entry("b", "x\ndevmetrics_EOF");
        assert_eq!(
            entry,
            "b<<devmetrics_EOF_\nx\ndevmetrics_EOF\ndevmetrics_EOF_\n"
        );
    }
}
