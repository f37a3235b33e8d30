//! The rules file reader (`.github/devmetrics.yml` by default): which rules run, on what, with
//! which parameters. The format is documented in `docs/rules.md`. The reader depends on the
//! checks (`checks/`), which know nothing of it: a check's parameters are read through
//! [`Check::deserialize_params`].
//!
//! Reading is pure ([`RuleSet::from_yaml`] takes the text) except for [`load`], which only reads
//! the file. Every problem, structural or semantic, is reported with the file, the line and the
//! column of the offending value, and what was expected:
//!
//! 1. the document is deserialized into plain structs that reject unknown keys, unknown checks
//!    and wrong types (serde_yaml knows where each value is);
//! 2. what serde cannot see (duplicate names, an `applies_to` the check cannot judge) is found
//!    on those structs;
//! 3. the document is walked a second time, now knowing each rule's check, deserializing its
//!    `params` into that check's typed parameters (compiling globs and regexes) and raising the
//!    problems of step 2 when the walk reaches the offending value, so serde_yaml attaches its
//!    location to them as well.

mod located;

use crate::rows::rule_compliance_events::ContextType;
use crate::rules::checks::{Check, CheckKind};
use crate::rules::set::{Rule, RuleSet, Severity};
use located::{FileSeed, Plan};
use serde::de::{DeserializeSeed, IgnoredAny};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Where the rules file is looked for when none is configured.
pub const DEFAULT_PATH: &str = ".github/devmetrics.yml";

impl RuleSet {
    /// Reads a rules file's text; `path` is only used in errors and [`RuleSet::source`].
    pub fn from_yaml(path: &Path, text: &str) -> Result<RuleSet, RulesError> {
        parse(text)
            .map(|rules| RuleSet::from_file(rules, path.to_path_buf()))
            .map_err(|e| RulesError::from_yaml(path, e))
    }
}

/// Reads the rules file at `path`. When it does not exist, the default rules apply, unless the
/// path was configured explicitly (`explicit`), which makes a missing file an error.
pub fn load(path: &Path, explicit: bool) -> Result<RuleSet, RulesError> {
    match std::fs::read_to_string(path) {
        Ok(text) => RuleSet::from_yaml(path, &text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => Ok(RuleSet::defaults()),
        Err(source) => Err(RulesError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// A rules file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    /// The file could not be read.
    #[error("could not read the rules file {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a valid rules file.
    #[error("invalid rules file {}{}", path.display(), at(*line, *column))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line of the offending value (0 when unknown).
        line: usize,
        /// 1-based column (0 when unknown).
        column: usize,
        /// Where in the document (`rules[1].params.patterns[0]`) and what is wrong and
        /// expected.
        message: String,
    },
}

fn at(line: usize, column: usize) -> String {
    if line == 0 {
        String::new()
    } else {
        format!(" at line {line}, column {column}")
    }
}

impl RulesError {
    fn from_yaml(path: &Path, error: serde_yaml::Error) -> RulesError {
        let (line, column) = error.location().map_or((0, 0), |l| (l.line(), l.column()));
        let mut message = error.to_string();
        // serde_yaml appends " at line L column C"; the location is reported on its own.
        let suffix = format!(" at line {line} column {column}");
        if let Some(stripped) = message.strip_suffix(&suffix) {
            message = stripped.to_string();
        }
        RulesError::Invalid {
            path: path.to_path_buf(),
            line,
            column,
            message,
        }
    }

    /// The `cause:` line.
    pub fn cause(&self) -> String {
        match self {
            RulesError::Read { source, .. } => source.to_string(),
            RulesError::Invalid { message, .. } => message.clone(),
        }
    }

    /// The `help:` lines.
    pub fn help(&self) -> Vec<String> {
        match self {
            RulesError::Read { path, .. } => vec![format!(
                "create {}, or leave `rules-file` unset to use the default rules",
                path.display()
            )],
            RulesError::Invalid { .. } => vec![
                "the rules file format and every check's parameters are in docs/rules.md"
                    .to_string(),
                "delete the file to use the default rules".to_string(),
            ],
        }
    }

    /// The whole message in the project's style (`devmetrics: error:`, `cause:`, `help:`).
    pub fn render(&self) -> String {
        let mut out = format!("devmetrics: error: {self}\n  cause: {}\n", self.cause());
        for help in self.help() {
            out.push_str(&format!("  help: {help}\n"));
        }
        out
    }
}

// ----- pass 1: structure -----------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    rules: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    name: String,
    category: String,
    check: CheckKind,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    applies_to: Option<Vec<ContextType>>,
    #[serde(default = "enabled_by_default")]
    enabled: bool,
    #[serde(default)]
    severity: Severity,
    #[serde(default)]
    #[allow(dead_code)] // read in pass 3, once the check is known
    params: Option<IgnoredAny>,
}

fn enabled_by_default() -> bool {
    true
}

fn parse(text: &str) -> Result<Vec<Rule>, serde_yaml::Error> {
    // Pass 1: structure, unknown keys and checks, types.
    let raw: RawFile = serde_yaml::from_str(text)?;

    // Pass 2: what serde cannot see, each problem tied to the key whose value is wrong.
    let mut plans = Vec::with_capacity(raw.rules.len());
    for (i, rule) in raw.rules.iter().enumerate() {
        let problem = problem(&raw.rules[..i], rule);
        plans.push(Plan {
            check: rule.check,
            problem,
        });
    }

    // Pass 3: typed params, and the problems of pass 2, with their location.
    let checks =
        FileSeed { plans: &plans }.deserialize(serde_yaml::Deserializer::from_str(text))?;

    Ok(raw
        .rules
        .into_iter()
        .zip(checks)
        .map(|(raw, check)| Rule {
            applies_to: raw
                .applies_to
                .unwrap_or_else(|| raw.check.targets()[..1].to_vec()),
            name: raw.name,
            category: raw.category,
            description: raw.description,
            enabled: raw.enabled,
            severity: raw.severity,
            check: check.unwrap_or_else(|| Check::with_defaults(raw.check)),
        })
        .collect())
}

fn problem(before: &[RawRule], rule: &RawRule) -> Option<(&'static str, String)> {
    if rule.name.trim().is_empty() {
        return Some((
            "name",
            "the rule name is empty; expected a name such as `branching.mdc`".into(),
        ));
    }
    if before.iter().any(|r| r.name == rule.name) {
        return Some((
            "name",
            format!(
                "duplicate rule name `{}`; expected each rule to have its own name",
                rule.name
            ),
        ));
    }
    if rule.category.trim().is_empty() {
        return Some((
            "category",
            "the category is empty; expected a category such as `foundation`, `quality` or `process`".into(),
        ));
    }
    if let Some(targets) = &rule.applies_to {
        let allowed = rule.check.targets();
        let names = allowed
            .iter()
            .map(|t| format!("`{}`", context_name(*t)))
            .collect::<Vec<_>>()
            .join(", ");
        if targets.is_empty() {
            return Some((
                "applies_to",
                format!("`applies_to` is empty; expected one or more of {names}"),
            ));
        }
        if let Some(bad) = targets.iter().find(|t| !allowed.contains(t)) {
            return Some((
                "applies_to",
                format!(
                    "check `{}` cannot be applied to `{}`; expected one or more of {names}",
                    rule.check.name(),
                    context_name(*bad)
                ),
            ));
        }
    }
    None
}

fn context_name(t: ContextType) -> &'static str {
    match t {
        ContextType::PullRequest => "pull_request",
        ContextType::Commit => "commit",
        ContextType::Push => "push",
        ContextType::Deployment => "deployment",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RulesSource;

    fn error(text: &str) -> String {
        RuleSet::from_yaml(Path::new(".github/devmetrics.yml"), text)
            .unwrap_err()
            .render()
    }

    #[test]
    fn params_default_when_absent_or_null() {
        let text = "rules:\n  - name: a\n    category: quality\n    check: pr_size\n  - name: b\n    category: quality\n    check: pr_size\n    params:\n";
        let set = RuleSet::from_yaml(Path::new("x.yml"), text).unwrap();
        assert_eq!(
            set.rules()[0].check,
            Check::with_defaults(CheckKind::PrSize)
        );
        assert_eq!(
            set.rules()[1].check,
            Check::with_defaults(CheckKind::PrSize)
        );
        assert_eq!(set.rules()[0].applies_to, vec![ContextType::PullRequest]);
    }

    #[test]
    fn bad_glob_is_located_at_the_pattern() {
        let text = "rules:\n  - name: branching.mdc\n    category: foundation\n    check: branch_naming\n    params:\n      patterns: [\"feature/*\", \"fix/[\"]\n";
        assert_eq!(
            error(text),
            "devmetrics: error: invalid rules file .github/devmetrics.yml at line 6, column 31\n  \
             cause: rules[0].params.patterns[1]: invalid glob `fix/[`: unclosed character class; missing ']'; expected a glob such as `feature/*`\n  \
             help: the rules file format and every check's parameters are in docs/rules.md\n  \
             help: delete the file to use the default rules\n"
        );
    }

    #[test]
    fn semantic_problem_is_located_at_its_key() {
        let text = "rules:\n  - name: a\n    category: quality\n    check: pr_size\n    params: {max_changed_lines: 10}\n  - name: a\n    category: quality\n    check: pr_title\n";
        let message = error(text);
        assert!(message.contains("at line 6, column 11\n"), "{message}");
        assert!(
            message.contains("cause: rules[1].name: duplicate rule name `a`"),
            "{message}"
        );
    }

    #[test]
    fn empty_file_and_yaml_syntax_errors_are_located() {
        let message = error("# only a comment\n");
        assert!(
            message.contains("yml at line 2, column 1\n  cause: missing field `rules`\n"),
            "{message}"
        );
        let message = error("rules:\n  - name: a\n\tcategory: b\n");
        assert!(
            message.contains(
                "yml at line 3, column 1\n  cause: found a tab character that violates indentation"
            ),
            "{message}"
        );
    }

    #[test]
    fn an_empty_rules_list_means_no_rules() {
        let set = RuleSet::from_yaml(Path::new("x.yml"), "rules: []\n").unwrap();
        assert!(set.rules().is_empty());
        assert_eq!(*set.source(), RulesSource::File(PathBuf::from("x.yml")));
    }
}
