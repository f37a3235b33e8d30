//! What a command prints: log lines, warnings and errors, worded for users, as workflow
//! commands inside GitHub Actions, with every secret masked and redacted.
//!
//! Every line goes out through [`Output::emit`] (text) or [`Output::command`] (a workflow
//! command built by [`workflow_commands`]). Inside Actions, `emit` passes the text through
//! [`workflow_commands::log_text`], so a payload, rules file or JUnit file cannot smuggle a workflow command
//! (`::add-mask::`, `::error::`, `::stop-commands::`…) into the log, not even across a line break.

use super::workflow_commands::{
    self, AnnotationBudget, AnnotationTarget, Level, ANNOTATIONS_PER_LEVEL,
};
use crate::error::Error;
use crate::secret::{redact, Secret};
use std::cell::RefCell;

/// A plain annotation (no file or line) of `level`.
fn annotation(level: Level, message: &str) -> String {
    workflow_commands::annotation(level, &AnnotationTarget::default(), message)
}

/// What [`Output::annotate`] says of the annotations that found no slot.
fn left_out_note(count: usize, what: &str) -> String {
    format!(
        "{count} more {what} are not annotated (GitHub shows {ANNOTATIONS_PER_LEVEL} annotations \
         per level and step, and this step's are used); see the job summary"
    )
}

/// Standard output or standard error (the runner reads commands from both).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stream {
    Out,
    Err,
}

/// Prints for a command: the step's log, and so also its annotation budget (GitHub's limit is
/// per step, and this is the step's one printer).
#[derive(Debug, Clone)]
pub struct Output {
    in_actions: bool,
    secrets: Vec<Secret>,
    annotations: RefCell<AnnotationBudget>,
    /// A terminal's progress line is on screen, not yet ended by a line break.
    progress_open: std::cell::Cell<bool>,
}

impl Drop for Output {
    /// Ends a terminal's progress line, so that the shell's prompt starts on a line of its own.
    fn drop(&mut self) {
        if self.progress_open.get() {
            eprintln!();
        }
    }
}

impl Output {
    /// Appends `text` to a file the runner reads after the step (`$GITHUB_OUTPUT`,
    /// `$GITHUB_STEP_SUMMARY`). Failing is a warning naming `what`: the rows are what matters.
    pub fn append_step_file(&self, path: &std::path::Path, text: &str, what: &str) {
        use std::io::Write;
        let result = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .and_then(|mut f| f.write_all(text.as_bytes()));
        if let Err(e) = result {
            self.warning(&format!(
                "could not write {what} to {}: {e}",
                path.display()
            ));
        }
    }

    /// Output for a run inside (or outside) GitHub Actions, redacting `secrets`.
    pub fn new(in_actions: bool, secrets: Vec<Secret>) -> Output {
        Output {
            in_actions,
            secrets,
            annotations: RefCell::new(AnnotationBudget::per_step()),
            progress_open: std::cell::Cell::new(false),
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

    /// Prints `text` (redacted) as log lines. Inside Actions each physical line is made safe
    /// from workflow-command injection ([`workflow_commands::log_text`]). The one way text is printed.
    fn emit(&self, stream: Stream, text: &str) {
        if self.progress_open.replace(false) {
            eprintln!();
        }
        let text = self.safe_text(text);
        match stream {
            Stream::Out => println!("{text}"),
            Stream::Err => eprintln!("{text}"),
        }
    }

    /// `text` as [`Output::emit`] prints it: redacted and, inside Actions, neutralised.
    fn safe_text(&self, text: &str) -> String {
        let text = self.redact(text);
        if self.in_actions {
            workflow_commands::log_text(&text)
        } else {
            text
        }
    }

    /// Prints a workflow command line built by [`super::workflow_commands`] (an annotation, a mask, a
    /// group), inside Actions only. A line that is not one such command (it holds a line end,
    /// or does not start with `::`) is printed as text instead, never as a command.
    pub fn command(&self, line: &str) {
        if !self.in_actions {
            return;
        }
        let line = self.redact(line);
        if workflow_commands::is_command_line(&line) {
            println!("{line}");
        } else {
            self.emit(Stream::Out, &line);
        }
    }

    /// Annotation slots of `level` this step has left (see [`Output::annotate`]).
    pub fn annotation_slots(&self, level: Level) -> usize {
        self.annotations.borrow().left(level)
    }

    /// Prints annotation lines built by [`workflow_commands`] (inside Actions only) as long as
    /// the step's [`AnnotationBudget`] has a slot for their level: test results and rule
    /// violations draw from the same slots. Those left out are said once, in one log line
    /// naming them `what` (e.g. `rule violations`).
    pub fn annotate(&self, lines: Vec<String>, what: &str) {
        if !self.in_actions {
            return;
        }
        let (kept, left_out) = self.annotations.borrow_mut().admit(lines);
        for line in &kept {
            self.command(line);
        }
        if left_out > 0 {
            self.info(&left_out_note(left_out, what));
        }
    }

    /// `::add-mask::` for every secret (GitHub Actions only), and for every line of a secret
    /// that spans lines (the runner masks line by line).
    pub fn mask_secrets(&self) {
        if self.in_actions {
            for secret in &self.secrets {
                println!("{}", workflow_commands::add_mask(secret.expose()));
                let value = secret.expose();
                if value.contains(['\r', '\n']) {
                    for part in value.lines().map(str::trim).filter(|p| p.len() >= 8) {
                        println!("{}", workflow_commands::add_mask(part));
                    }
                }
            }
        }
    }

    /// Replaces the panic message with one that names the bug and holds no secret.
    pub fn install_panic_hook(&self) {
        let secrets = self.secrets.clone();
        let in_actions = self.in_actions;
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
            let text = format!(
                "devmetrics: error: internal error{place}: {}\n  help: this is a bug in devmetrics; please report it with this message",
                redact(&message, &secrets)
            );
            if in_actions {
                eprintln!("{}", workflow_commands::log_text(&text));
            } else {
                eprintln!("{text}");
            }
        }));
    }

    /// A log line: `devmetrics: …`.
    pub fn info(&self, message: &str) {
        self.emit(Stream::Out, &format!("devmetrics: {message}"));
    }

    /// A progress line on stderr, `devmetrics: …`: on a terminal it replaces the previous
    /// progress line (the next other line starts below it); in a log (Actions, a file, a pipe)
    /// one line per step, so the log keeps them all.
    pub fn progress(&self, message: &str) {
        use std::io::{IsTerminal, Write};
        let mut stderr = std::io::stderr();
        if self.in_actions || !stderr.is_terminal() {
            return self.emit(Stream::Err, &format!("devmetrics: {message}"));
        }
        let text = self.safe_text(&format!("devmetrics: {message}"));
        // Carriage return, the line, then "erase to the end of the line".
        let _ = write!(stderr, "\r{text}\x1b[K");
        let _ = stderr.flush();
        self.progress_open.set(true);
    }

    /// A notice: an annotation in Actions, a log line elsewhere.
    pub fn notice(&self, message: &str) {
        if self.in_actions {
            self.command(&annotation(
                Level::Notice,
                &format!("devmetrics: {}", self.redact(message)),
            ));
        } else {
            self.emit(Stream::Out, &format!("devmetrics: notice: {message}"));
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

    /// An error that did not stop the run (it shows in the exit code), with its cause and help
    /// lines, reported once: an annotation in Actions, `devmetrics: error:` on stderr elsewhere.
    /// ([`Output::error`] is for the error that stopped the run.)
    pub fn error_block(&self, err: &Error) {
        self.error_text(&err.render());
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
            self.command(&annotation(level, &format!("devmetrics: {text}")));
        } else {
            self.emit(Stream::Err, &format!("devmetrics: {label}: {text}"));
        }
    }

    /// The error that stopped the run: its first line as an annotation (Actions), and the whole
    /// of it, help lines included, on stderr.
    pub fn error(&self, err: &Error) {
        let text = self.redact(&err.render());
        if self.in_actions {
            let first = text
                .lines()
                .next()
                .unwrap_or_default()
                .trim_start_matches("devmetrics: error: ");
            self.command(&annotation(Level::Error, &format!("devmetrics: {first}")));
        }
        self.emit(Stream::Err, text.trim_end_matches('\n'));
    }

    /// A collapsible group of lines (Actions), or the lines under a heading elsewhere.
    pub fn group(&self, title: &str, lines: &[String]) {
        if lines.is_empty() {
            return;
        }
        if self.in_actions {
            self.command(&workflow_commands::group(&self.redact(title)));
            for line in lines {
                self.emit(Stream::Out, line);
            }
            self.command(workflow_commands::end_group());
        } else {
            self.emit(Stream::Out, &format!("devmetrics: {title}"));
            for line in lines {
                self.emit(Stream::Out, &format!("  {line}"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_printed_in_actions_cannot_start_a_command_and_keys_are_redacted() {
        let key = Secret::new("sb_secret_0123456789");
        let out = Output::new(true, vec![key.clone()]);
        let text = out.safe_text(
            "devmetrics: rule x: details\n::add-mask::x\r::error::pwned sb_secret_0123456789",
        );
        assert_eq!(
            text,
            "devmetrics: rule x: details\n: :add-mask::x\n: :error::pwned ***"
        );
        // Outside Actions nothing reads commands: the text is kept as it is (but redacted).
        let local = Output::new(false, vec![key]);
        assert_eq!(
            local.safe_text("::error::pwned sb_secret_0123456789"),
            "::error::pwned ***"
        );
    }

    #[test]
    fn debug_of_output_hides_the_secrets() {
        let out = Output::new(true, vec![Secret::new("ghp_0123456789abcdef")]);
        let text = format!("{out:?}");
        assert!(!text.contains("ghp_0123456789abcdef"), "{text}");
        assert!(text.contains("***"), "{text}");
    }
}
