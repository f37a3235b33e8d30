//! The rules file (`.github/devmetrics.yml` by default): which rules run, on what, with which
//! parameters; and the default rules when there is no file. The format is documented in
//! `docs/rules.md`.
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

use super::checks::{
    BranchNaming, ConventionalCommits, DeploymentTested, NoDirectPush, PrApproval, PrDescription,
    PrLinksIssue, PrSize, PrTitle,
};
use crate::rows::rule_compliance_events::ContextType;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;
use std::path::{Path, PathBuf};

/// Where the rules file is looked for when none is configured.
pub const DEFAULT_PATH: &str = ".github/devmetrics.yml";

/// The built-in checks, as named by `check:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    /// Branch names match patterns.
    BranchNaming,
    /// Commit messages follow conventional commits.
    ConventionalCommits,
    /// The PR has a description.
    PrDescription,
    /// The PR links an issue.
    PrLinksIssue,
    /// The PR changes at most N lines.
    PrSize,
    /// The merged PR was approved by someone other than its author.
    PrApproval,
    /// Production branches are not pushed to directly.
    NoDirectPush,
    /// Production deployments had passing tests.
    DeploymentTested,
    /// The PR's title fits the rules.
    PrTitle,
}

impl CheckKind {
    /// Every check.
    pub const ALL: [CheckKind; 9] = [
        CheckKind::BranchNaming,
        CheckKind::ConventionalCommits,
        CheckKind::PrDescription,
        CheckKind::PrLinksIssue,
        CheckKind::PrSize,
        CheckKind::PrApproval,
        CheckKind::NoDirectPush,
        CheckKind::DeploymentTested,
        CheckKind::PrTitle,
    ];

    /// The name written after `check:`.
    pub fn name(self) -> &'static str {
        match self {
            CheckKind::BranchNaming => "branch_naming",
            CheckKind::ConventionalCommits => "conventional_commits",
            CheckKind::PrDescription => "pr_description",
            CheckKind::PrLinksIssue => "pr_links_issue",
            CheckKind::PrSize => "pr_size",
            CheckKind::PrApproval => "pr_approval",
            CheckKind::NoDirectPush => "no_direct_push",
            CheckKind::DeploymentTested => "deployment_tested",
            CheckKind::PrTitle => "pr_title",
        }
    }

    /// The contexts the check can judge; the first is the default `applies_to`.
    pub fn targets(self) -> &'static [ContextType] {
        match self {
            CheckKind::BranchNaming => &[ContextType::PullRequest, ContextType::Push],
            CheckKind::ConventionalCommits => &[ContextType::Commit],
            CheckKind::NoDirectPush => &[ContextType::Push],
            CheckKind::DeploymentTested => &[ContextType::Deployment],
            CheckKind::PrDescription
            | CheckKind::PrLinksIssue
            | CheckKind::PrSize
            | CheckKind::PrApproval
            | CheckKind::PrTitle => &[ContextType::PullRequest],
        }
    }
}

/// How loud a violation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A notice annotation.
    Notice,
    /// A warning annotation (the default).
    #[default]
    Warning,
    /// An error annotation, and the violation fails the step.
    Error,
}

/// A built-in check with its parameters.
#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    /// See [`BranchNaming`].
    BranchNaming(BranchNaming),
    /// See [`ConventionalCommits`].
    ConventionalCommits(ConventionalCommits),
    /// See [`PrDescription`].
    PrDescription(PrDescription),
    /// See [`PrLinksIssue`].
    PrLinksIssue(PrLinksIssue),
    /// See [`PrSize`].
    PrSize(PrSize),
    /// See [`PrApproval`].
    PrApproval(PrApproval),
    /// See [`NoDirectPush`].
    NoDirectPush(NoDirectPush),
    /// See [`DeploymentTested`].
    DeploymentTested(DeploymentTested),
    /// See [`PrTitle`].
    PrTitle(PrTitle),
}

impl Check {
    /// The check with its default parameters.
    pub fn with_defaults(kind: CheckKind) -> Check {
        match kind {
            CheckKind::BranchNaming => Check::BranchNaming(Default::default()),
            CheckKind::ConventionalCommits => Check::ConventionalCommits(Default::default()),
            CheckKind::PrDescription => Check::PrDescription(Default::default()),
            CheckKind::PrLinksIssue => Check::PrLinksIssue(Default::default()),
            CheckKind::PrSize => Check::PrSize(Default::default()),
            CheckKind::PrApproval => Check::PrApproval(Default::default()),
            CheckKind::NoDirectPush => Check::NoDirectPush(Default::default()),
            CheckKind::DeploymentTested => Check::DeploymentTested(Default::default()),
            CheckKind::PrTitle => Check::PrTitle(Default::default()),
        }
    }

    /// Which check.
    pub fn kind(&self) -> CheckKind {
        match self {
            Check::BranchNaming(_) => CheckKind::BranchNaming,
            Check::ConventionalCommits(_) => CheckKind::ConventionalCommits,
            Check::PrDescription(_) => CheckKind::PrDescription,
            Check::PrLinksIssue(_) => CheckKind::PrLinksIssue,
            Check::PrSize(_) => CheckKind::PrSize,
            Check::PrApproval(_) => CheckKind::PrApproval,
            Check::NoDirectPush(_) => CheckKind::NoDirectPush,
            Check::DeploymentTested(_) => CheckKind::DeploymentTested,
            Check::PrTitle(_) => CheckKind::PrTitle,
        }
    }

    /// The parameters in effect (defaults filled in), as JSON for `metadata.params`.
    pub fn params_json(&self) -> serde_json::Value {
        let value = match self {
            Check::BranchNaming(p) => serde_json::to_value(p),
            Check::ConventionalCommits(p) => serde_json::to_value(p),
            Check::PrDescription(p) => serde_json::to_value(p),
            Check::PrLinksIssue(p) => serde_json::to_value(p),
            Check::PrSize(p) => serde_json::to_value(p),
            Check::PrApproval(p) => serde_json::to_value(p),
            Check::NoDirectPush(p) => serde_json::to_value(p),
            Check::DeploymentTested(p) => serde_json::to_value(p),
            Check::PrTitle(p) => serde_json::to_value(p),
        };
        // Parameters are strings, numbers, booleans and lists of them.
        value.expect("check parameters serialize to JSON")
    }
}

/// One rule: a named, categorized check applied to some contexts.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// The rule's name (`rule_name`), unique in the file; often the rule document it enforces.
    pub name: String,
    /// Its category (`rule_category`): foundation, quality, process…
    pub category: String,
    /// What it is for, in words (shown in the summary).
    pub description: Option<String>,
    /// The contexts it is evaluated on.
    pub applies_to: Vec<ContextType>,
    /// Disabled rules are kept (so `fail-on-violation` may name them) but never evaluated.
    pub enabled: bool,
    /// How loud a violation is; `error` fails the step.
    pub severity: Severity,
    /// The check and its parameters.
    pub check: Check,
}

impl Rule {
    /// A rule with the check's default parameters and targets.
    pub fn new(name: &str, category: &str, kind: CheckKind) -> Rule {
        Rule {
            name: name.to_string(),
            category: category.to_string(),
            description: None,
            applies_to: kind.targets()[..1].to_vec(),
            enabled: true,
            severity: Severity::Warning,
            check: Check::with_defaults(kind),
        }
    }
}

/// Where a rule set came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RulesSource {
    /// No rules file: the default rules.
    Default,
    /// A rules file.
    File(PathBuf),
}

/// The rules in effect.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSet {
    rules: Vec<Rule>,
    source: RulesSource,
}

impl RuleSet {
    /// The default rules, used when there is no rules file (documented in `docs/rules.md`):
    ///
    /// | name | category | check | applies to |
    /// | --- | --- | --- | --- |
    /// | `branching.mdc` | foundation | `branch_naming` (`feature/*`, `fix/*`) | pull_request |
    /// | `conventional-commits` | quality | `conventional_commits` | commit |
    /// | `pr-description` | process | `pr_description` (20 characters) | pull_request |
    /// | `pr-links-issue` | process | `pr_links_issue` | pull_request |
    /// | `pr-size` | quality | `pr_size` (400 lines) | pull_request |
    /// | `pr-approval` | process | `pr_approval` (1 approval) | pull_request |
    /// | `pr-title` | process | `pr_title` (10 to 72 characters) | pull_request |
    /// | `no-direct-push` | foundation | `no_direct_push` (default branch) | push |
    /// | `deployment-tested` | quality | `deployment_tested` | deployment |
    ///
    /// All are warnings: none fails the step unless `fail-on-violation` names it.
    pub fn defaults() -> RuleSet {
        let rules = vec![
            Rule::new("branching.mdc", "foundation", CheckKind::BranchNaming),
            Rule::new(
                "conventional-commits",
                "quality",
                CheckKind::ConventionalCommits,
            ),
            Rule::new("pr-description", "process", CheckKind::PrDescription),
            Rule::new("pr-links-issue", "process", CheckKind::PrLinksIssue),
            Rule::new("pr-size", "quality", CheckKind::PrSize),
            Rule::new("pr-approval", "process", CheckKind::PrApproval),
            Rule::new("pr-title", "process", CheckKind::PrTitle),
            Rule::new("no-direct-push", "foundation", CheckKind::NoDirectPush),
            Rule::new("deployment-tested", "quality", CheckKind::DeploymentTested),
        ];
        RuleSet {
            rules,
            source: RulesSource::Default,
        }
    }

    /// Builds a rule set from rules made in code (tests, a backfill with its own rules).
    pub fn from_rules(rules: Vec<Rule>) -> RuleSet {
        RuleSet {
            rules,
            source: RulesSource::Default,
        }
    }

    /// Reads a rules file's text; `path` is only used in errors and [`RuleSet::source`].
    pub fn from_yaml(path: &Path, text: &str) -> Result<RuleSet, RulesError> {
        parse(text)
            .map(|rules| RuleSet {
                rules,
                source: RulesSource::File(path.to_path_buf()),
            })
            .map_err(|e| RulesError::from_yaml(path, e))
    }

    /// The rules, in file order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The rule with that name.
    pub fn get(&self, name: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.name == name)
    }

    /// Where the rules came from.
    pub fn source(&self) -> &RulesSource {
        &self.source
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

// ----- patterns --------------------------------------------------------------------------------

/// A glob over branch names, compiled when the rules file is read.
#[derive(Clone)]
pub struct GlobPattern {
    source: String,
    matcher: globset::GlobMatcher,
}

impl GlobPattern {
    /// Compiles a glob; the error says what is wrong.
    pub fn new(source: &str) -> Result<GlobPattern, String> {
        globset::Glob::new(source)
            .map(|g| GlobPattern {
                source: source.to_string(),
                matcher: g.compile_matcher(),
            })
            .map_err(|e| {
                let reason = e.kind().to_string();
                format!("invalid glob `{source}`: {reason}; expected a glob such as `feature/*`")
            })
    }

    pub(crate) fn many(sources: &[&str]) -> Vec<GlobPattern> {
        sources
            .iter()
            .map(|s| GlobPattern::new(s).expect("built-in globs are valid"))
            .collect()
    }

    /// True when `text` matches.
    pub fn is_match(&self, text: &str) -> bool {
        self.matcher.is_match(text)
    }

    /// The glob as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }
}

impl fmt::Debug for GlobPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GlobPattern({:?})", self.source)
    }
}

impl PartialEq for GlobPattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl Serialize for GlobPattern {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.source)
    }
}

impl<'de> Deserialize<'de> for GlobPattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = GlobPattern;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a glob such as `feature/*`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<GlobPattern, E> {
                GlobPattern::new(v).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

/// A regular expression (Rust `regex` syntax), compiled when the rules file is read.
#[derive(Clone)]
pub struct RegexPattern(regex::Regex);

impl RegexPattern {
    /// Compiles a regex; the error says what is wrong.
    pub fn new(source: &str) -> Result<RegexPattern, String> {
        regex::Regex::new(source).map(RegexPattern).map_err(|e| {
            // The regex crate's message spans lines (the pattern, a caret, the error).
            let reason = match &e {
                regex::Error::Syntax(text) => text.lines().last().unwrap_or("").trim().to_string(),
                other => other.to_string(),
            };
            let reason = reason.strip_prefix("error: ").unwrap_or(&reason).to_string();
            format!("invalid regex `{source}`: {reason}; expected a regular expression such as `[A-Z]+-[0-9]+`")
        })
    }

    pub(crate) fn many(sources: &[&str]) -> Vec<RegexPattern> {
        sources
            .iter()
            .map(|s| RegexPattern::new(s).expect("built-in regexes are valid"))
            .collect()
    }

    /// True when the regex matches somewhere in `text`.
    pub fn is_match(&self, text: &str) -> bool {
        self.0.is_match(text)
    }

    /// The first match in `text`.
    pub fn find<'t>(&self, text: &'t str) -> Option<regex::Match<'t>> {
        self.0.find(text)
    }

    /// The regex as written.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Debug for RegexPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RegexPattern({:?})", self.0.as_str())
    }
}

impl PartialEq for RegexPattern {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Serialize for RegexPattern {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for RegexPattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = RegexPattern;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a regular expression")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RegexPattern, E> {
                RegexPattern::new(v).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
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

// ----- pass 3: params, located -----------------------------------------------------------------

struct Plan {
    check: CheckKind,
    problem: Option<(&'static str, String)>,
}

struct FileSeed<'a> {
    plans: &'a [Plan],
}

impl<'de> DeserializeSeed<'de> for FileSeed<'_> {
    type Value = Vec<Option<Check>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FileSeed<'_> {
    type Value = Vec<Option<Check>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a mapping with a `rules` list")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut checks = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if key == "rules" {
                checks = map.next_value_seed(RulesSeed { plans: self.plans })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(checks)
    }
}

struct RulesSeed<'a> {
    plans: &'a [Plan],
}

impl<'de> DeserializeSeed<'de> for RulesSeed<'_> {
    type Value = Vec<Option<Check>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RulesSeed<'_> {
    type Value = Vec<Option<Check>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of rules")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut checks = Vec::with_capacity(self.plans.len());
        for plan in self.plans {
            match seq.next_element_seed(RuleSeed { plan })? {
                Some(check) => checks.push(check),
                None => break,
            }
        }
        Ok(checks)
    }
}

struct RuleSeed<'a> {
    plan: &'a Plan,
}

impl<'de> DeserializeSeed<'de> for RuleSeed<'_> {
    type Value = Option<Check>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RuleSeed<'_> {
    type Value = Option<Check>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a rule")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut check = None;
        while let Some(key) = map.next_key::<String>()? {
            match &self.plan.problem {
                Some((field, message)) if *field == key => {
                    map.next_value_seed(Fail(message))?;
                }
                _ if key == "params" => {
                    check = map.next_value_seed(ParamsSeed(self.plan.check))?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(check)
    }
}

/// Fails on the value it is given, so the error carries that value's location.
struct Fail<'a>(&'a str);

impl<'de> DeserializeSeed<'de> for Fail<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Fail<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.0)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Err(E::custom(self.0))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Err(E::custom(self.0))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Err(E::custom(self.0))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Err(E::custom(self.0))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Err(E::custom(self.0))
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Err(E::custom(self.0))
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Err(E::custom(self.0))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        Err(de::Error::custom(self.0))
    }
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        Err(de::Error::custom(self.0))
    }
}

/// Deserializes `params` into the parameters of a known check (`null` means the defaults).
struct ParamsSeed(CheckKind);

fn typed<'de, P, D>(d: D, wrap: fn(P) -> Check) -> Result<Option<Check>, D::Error>
where
    P: Deserialize<'de> + Default,
    D: Deserializer<'de>,
{
    Ok(Some(wrap(Option::<P>::deserialize(d)?.unwrap_or_default())))
}

impl<'de> DeserializeSeed<'de> for ParamsSeed {
    type Value = Option<Check>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        match self.0 {
            CheckKind::BranchNaming => typed(d, Check::BranchNaming),
            CheckKind::ConventionalCommits => typed(d, Check::ConventionalCommits),
            CheckKind::PrDescription => typed(d, Check::PrDescription),
            CheckKind::PrLinksIssue => typed(d, Check::PrLinksIssue),
            CheckKind::PrSize => typed(d, Check::PrSize),
            CheckKind::PrApproval => typed(d, Check::PrApproval),
            CheckKind::NoDirectPush => typed(d, Check::NoDirectPush),
            CheckKind::DeploymentTested => typed(d, Check::DeploymentTested),
            CheckKind::PrTitle => typed(d, Check::PrTitle),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn defaults_have_unique_names_and_valid_targets() {
        let set = RuleSet::defaults();
        for (i, rule) in set.rules().iter().enumerate() {
            assert!(set.rules()[..i].iter().all(|r| r.name != rule.name));
            assert!(rule
                .applies_to
                .iter()
                .all(|t| rule.check.kind().targets().contains(t)));
        }
        let kinds: Vec<CheckKind> = set.rules().iter().map(|r| r.check.kind()).collect();
        assert!(CheckKind::ALL.iter().all(|k| kinds.contains(k)));
    }
}
