//! GitHub Actions workflow commands (`::add-mask::`, `::group::`, annotations) and the files a
//! runner hands a step (`$GITHUB_OUTPUT`, `$GITHUB_STEP_SUMMARY`).
//!
//! Everything here renders text; callers decide where it goes. Escaping follows the runner's
//! rules: in a message `%`, CR and LF are escaped; in a property also `:` and `,`.

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
