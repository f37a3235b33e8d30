//! Why a JUnit file was skipped, in the project's `devmetrics: error:` … `help:` style.

use std::io;

/// Why a JUnit file was skipped. Each names the file and, when it has one, the line.
#[derive(Debug, thiserror::Error)]
pub enum JunitError {
    /// The file could not be opened or read.
    #[error("skipped {path}: could not read it: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: io::Error,
    },
    /// The file is empty.
    #[error("skipped {path}: the file is empty")]
    Empty {
        /// The file.
        path: String,
    },
    /// A DOCTYPE declaration: refused, as its entities could read files or URLs.
    #[error("skipped {path}: at line {line}: a DOCTYPE declaration is not allowed")]
    Doctype {
        /// The file.
        path: String,
        /// 1-based.
        line: u64,
    },
    /// The file ends inside an element.
    #[error("skipped {path}: at line {line}: the file ends inside a {open} element (truncated)")]
    Truncated {
        /// The file.
        path: String,
        /// 1-based: the last line.
        line: u64,
        /// What was open.
        open: String,
    },
    /// The file is not XML.
    #[error("skipped {path}: at line {line}: not XML: {cause}")]
    NotXml {
        /// The file.
        path: String,
        /// 1-based.
        line: u64,
        /// What was found.
        cause: String,
    },
    /// XML with a syntax error after the root element started.
    #[error("skipped {path}: at line {line}: malformed XML: {cause}")]
    Malformed {
        /// The file.
        path: String,
        /// 1-based.
        line: u64,
        /// The XML parser's message.
        cause: String,
    },
    /// Well-formed XML whose root is not `testsuites` or `testsuite`: skipped with a warning.
    #[error("skipped {path}: at line {line}: not JUnit: the root element is <{root}>, not <testsuites> or <testsuite>")]
    NotJunit {
        /// The file.
        path: String,
        /// 1-based.
        line: u64,
        /// The root element found.
        root: String,
    },
}

impl JunitError {
    /// The file skipped.
    pub fn path(&self) -> &str {
        match self {
            JunitError::Io { path, .. }
            | JunitError::Empty { path }
            | JunitError::Doctype { path, .. }
            | JunitError::Truncated { path, .. }
            | JunitError::NotXml { path, .. }
            | JunitError::Malformed { path, .. }
            | JunitError::NotJunit { path, .. } => path,
        }
    }

    /// The line, when there is one.
    pub fn line(&self) -> Option<u64> {
        match self {
            JunitError::Io { .. } | JunitError::Empty { .. } => None,
            JunitError::Doctype { line, .. }
            | JunitError::Truncated { line, .. }
            | JunitError::NotXml { line, .. }
            | JunitError::Malformed { line, .. }
            | JunitError::NotJunit { line, .. } => Some(*line),
        }
    }

    /// True for a well-formed XML file that is not JUnit (a warning rather than an error).
    pub fn is_not_junit(&self) -> bool {
        matches!(self, JunitError::NotJunit { .. })
    }

    /// True for XML that is not JUnit and for empty files (a warning); the rest are errors.
    pub fn is_warning(&self) -> bool {
        matches!(self, JunitError::NotJunit { .. } | JunitError::Empty { .. })
    }

    /// The fix, one `help:` line each.
    pub fn help(&self) -> Vec<String> {
        match self {
            JunitError::Io { .. } => vec!["check that the file exists and is readable by the runner user".into()],
            JunitError::Empty { .. } => vec!["check that the test step wrote its report before this step ran".into()],
            JunitError::Doctype { .. } => vec![
                "remove the <!DOCTYPE …> declaration: JUnit reports never need one, and its entities could read files or URLs".into(),
            ],
            JunitError::Truncated { .. } => vec![
                "the test run was probably killed while writing the report; rerun the tests, or exclude the file with a `!` line in junit-paths".into(),
            ],
            JunitError::NotXml { .. } | JunitError::Malformed { .. } => vec![
                "point junit-paths at the JUnit XML reports only, or exclude this file with a `!` line".into(),
            ],
            JunitError::NotJunit { .. } => vec![
                "exclude the file with a `!` line in junit-paths, or configure the test runner to write JUnit XML".into(),
            ],
        }
    }

    /// The whole message in the project style: `devmetrics: warning: skipped …` then `help:`.
    pub fn render(&self) -> String {
        let level = if self.is_warning() {
            "warning"
        } else {
            "error"
        };
        let mut out = format!("devmetrics: {level}: {self}");
        for h in self.help() {
            out.push_str("\n  help: ");
            out.push_str(&h);
        }
        out
    }
}
