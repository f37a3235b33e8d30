//! What a command prints: log lines, warnings and errors, worded for users, as workflow
//! commands inside GitHub Actions, with every secret masked and redacted.

use crate::error::Error;
use crate::github::{self, AnnotationTarget, Level};
use crate::secret::{redact, Secret};

/// A plain annotation (no file or line) of `level`.
fn annotation(level: Level, message: &str) -> String {
    github::annotation(level, &AnnotationTarget::default(), message)
}

/// Prints for a command.
#[derive(Debug, Clone)]
pub struct Output {
    in_actions: bool,
    secrets: Vec<Secret>,
}

impl Output {
    /// Output for a run inside (or outside) GitHub Actions, redacting `secrets`.
    pub fn new(in_actions: bool, secrets: Vec<Secret>) -> Output {
        Output {
            in_actions,
            secrets,
        }
    }

    /// True inside GitHub Actions.
    pub fn in_actions(&self) -> bool {
        self.in_actions
    }

    /// Redacts every known secret from `text`.
    pub fn redact(&self, text: &str) -> String {
        redact(text, &self.secrets)
    }

    /// `::add-mask::` for every secret (GitHub Actions only).
    pub fn mask_secrets(&self) {
        if self.in_actions {
            for secret in &self.secrets {
                println!("{}", github::add_mask(secret.expose()));
            }
        }
    }

    /// Replaces the panic message with one that names the bug and holds no secret.
    pub fn install_panic_hook(&self) {
        let secrets = self.secrets.clone();
        std::panic::set_hook(Box::new(move |info| {
            let message = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let place = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()))
                .unwrap_or_default();
            eprintln!(
                "devmetrics: error: internal error{place}: {}\n  help: this is a bug in devmetrics; please report it with this message",
                redact(&message, &secrets)
            );
        }));
    }

    /// A log line: `devmetrics: …`.
    pub fn info(&self, message: &str) {
        println!("devmetrics: {}", self.redact(message));
    }

    /// A notice: an annotation in Actions, a log line elsewhere.
    pub fn notice(&self, message: &str) {
        let message = self.redact(message);
        if self.in_actions {
            println!(
                "{}",
                annotation(Level::Notice, &format!("devmetrics: {message}"))
            );
        } else {
            println!("devmetrics: notice: {message}");
        }
    }

    /// A warning: an annotation in Actions, `devmetrics: warning:` on stderr elsewhere.
    pub fn warning(&self, message: &str) {
        self.problem_text(Level::Warning, message);
    }

    /// A problem that did not stop the run, rendered like an error (cause and help lines) but
    /// labelled a warning.
    pub fn warning_block(&self, err: &Error) {
        self.warning_text(&err.render());
    }

    /// A warning of several lines (what failed, cause, help).
    pub fn warning_text(&self, text: &str) {
        self.problem_text(Level::Warning, text);
    }

    /// An error of several lines that did not stop the run (it shows in the exit code).
    pub fn error_text(&self, text: &str) {
        self.problem_text(Level::Error, text);
    }

    fn problem_text(&self, level: Level, text: &str) {
        let label = if level == Level::Error {
            "error"
        } else {
            "warning"
        };
        let text = self.redact(text);
        let text = text
            .trim_start_matches("devmetrics: error: ")
            .trim_start_matches("devmetrics: warning: ")
            .trim_end();
        if self.in_actions {
            println!("{}", annotation(level, &format!("devmetrics: {text}")));
        } else {
            eprintln!("devmetrics: {label}: {text}");
        }
    }

    /// The error that stopped the run.
    pub fn error(&self, err: &Error) {
        let text = self.redact(&err.render());
        if self.in_actions {
            let first = text
                .lines()
                .next()
                .unwrap_or_default()
                .trim_start_matches("devmetrics: error: ");
            println!(
                "{}",
                annotation(Level::Error, &format!("devmetrics: {first}"))
            );
        }
        eprint!("{text}");
    }

    /// A collapsible group of lines (Actions), or the lines under a heading elsewhere.
    pub fn group(&self, title: &str, lines: &[String]) {
        if lines.is_empty() {
            return;
        }
        if self.in_actions {
            println!("{}", github::group(title));
            for line in lines {
                println!("{}", self.redact(line));
            }
            println!("{}", github::end_group());
        } else {
            println!("devmetrics: {title}");
            for line in lines {
                println!("  {}", self.redact(line));
            }
        }
    }
}
