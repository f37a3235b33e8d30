//! The built-in checks: for each, its parameters (as written under `params:` in the rules file,
//! every one optional) and a pure function from plain data to a [`Verdict`].

use super::config::{Check, GlobPattern, RegexPattern};
use super::{CommitInfo, DeploymentContext, PrState, PullRequestContext, PushContext, RuleContext};
use crate::rows::deployment_events::DeploymentStatus;
use crate::rows::rule_compliance_events::ComplianceStatus;
use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::sync::LazyLock;

/// The outcome of one check on one context.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// Compliant, violation or not applicable.
    pub status: ComplianceStatus,
    /// Why, in words (becomes `details`).
    pub details: String,
    /// What the check looked at (goes into `metadata.evidence`).
    pub evidence: Value,
}

impl Verdict {
    fn compliant(details: impl Into<String>, evidence: Value) -> Verdict {
        Verdict {
            status: ComplianceStatus::Compliant,
            details: details.into(),
            evidence,
        }
    }

    fn violation(details: impl Into<String>, evidence: Value) -> Verdict {
        Verdict {
            status: ComplianceStatus::Violation,
            details: details.into(),
            evidence,
        }
    }

    fn not_applicable(details: impl Into<String>, evidence: Value) -> Verdict {
        Verdict {
            status: ComplianceStatus::NotApplicable,
            details: details.into(),
            evidence,
        }
    }
}

/// Runs a context-level check on a PR, push or deployment; `None` when the check does not judge
/// that kind of context (configuration forbids it, so this does not happen for a loaded rule).
pub fn run(check: &Check, context: &RuleContext) -> Option<Verdict> {
    Some(match (check, context) {
        (Check::BranchNaming(p), RuleContext::PullRequest(pr)) => branch_naming(p, &pr.head_branch),
        (Check::BranchNaming(p), RuleContext::Push(push)) => branch_naming(p, &push.branch),
        (Check::PrDescription(p), RuleContext::PullRequest(pr)) => {
            pr_description(p, pr.body.as_deref())
        }
        (Check::PrLinksIssue(p), RuleContext::PullRequest(pr)) => pr_links_issue(p, pr),
        (Check::PrSize(p), RuleContext::PullRequest(pr)) => pr_size(p, pr.additions, pr.deletions),
        (Check::PrApproval(p), RuleContext::PullRequest(pr)) => pr_approval(p, pr),
        (Check::PrTitle(p), RuleContext::PullRequest(pr)) => pr_title(p, &pr.title),
        (Check::NoDirectPush(p), RuleContext::Push(push)) => no_direct_push(p, push),
        (Check::DeploymentTested(p), RuleContext::Deployment(d)) => deployment_tested(p, d),
        _ => return None,
    })
}

/// Runs a commit-level check on one commit; `None` for a check that does not judge commits.
pub fn run_on_commit(check: &Check, commit: &CommitInfo) -> Option<Verdict> {
    match check {
        Check::ConventionalCommits(p) => Some(conventional_commit(p, &commit.message)),
        _ => None,
    }
}

// ----- branch_naming ---------------------------------------------------------------------------

/// `branch_naming`: the branch (a PR's head branch, or the branch pushed to) matches one of
/// `patterns`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BranchNaming {
    /// Globs a branch must match one of (`*` matches any run of characters, `/` included).
    pub patterns: Vec<GlobPattern>,
    /// Branches the rule says nothing about (`not_applicable`): long-lived and bot branches.
    pub exempt: Vec<GlobPattern>,
}

impl Default for BranchNaming {
    fn default() -> Self {
        BranchNaming {
            patterns: GlobPattern::many(&["feature/*", "fix/*"]),
            exempt: GlobPattern::many(&["main", "master", "dependabot/*", "renovate/*"]),
        }
    }
}

/// Judges a branch name.
pub fn branch_naming(p: &BranchNaming, branch: &str) -> Verdict {
    let evidence = json!({ "branch": branch });
    if let Some(g) = p.exempt.iter().find(|g| g.is_match(branch)) {
        return Verdict::not_applicable(
            format!("branch `{branch}` is exempt (matches `{}`)", g.as_str()),
            evidence,
        );
    }
    match p.patterns.iter().find(|g| g.is_match(branch)) {
        Some(g) => Verdict::compliant(
            format!("branch `{branch}` matches `{}`", g.as_str()),
            evidence,
        ),
        None => Verdict::violation(
            format!(
                "branch `{branch}` matches none of {}",
                list(p.patterns.iter().map(GlobPattern::as_str))
            ),
            evidence,
        ),
    }
}

// ----- conventional_commits --------------------------------------------------------------------

/// `conventional_commits`: each commit's header reads `type(scope)!: subject`
/// (<https://www.conventionalcommits.org/en/v1.0.0/>).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConventionalCommits {
    /// The allowed types (compared case-insensitively, as the specification says).
    pub types: Vec<String>,
    /// Require a `(scope)`.
    pub require_scope: bool,
    /// The longest header allowed, in characters.
    pub max_header_length: usize,
    /// Messages matching one of these regexes are `not_applicable` (merge and revert commits
    /// that git and GitHub write).
    pub ignore: Vec<RegexPattern>,
}

impl Default for ConventionalCommits {
    fn default() -> Self {
        ConventionalCommits {
            types: [
                "build", "chore", "ci", "docs", "feat", "fix", "perf", "refactor", "revert",
                "style", "test",
            ]
            .map(String::from)
            .to_vec(),
            require_scope: false,
            max_header_length: 100,
            ignore: RegexPattern::many(&["^Merge ", "^Revert \""]),
        }
    }
}

static CONVENTIONAL_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<type>[A-Za-z][A-Za-z0-9-]*)(?:\((?P<scope>[^()\r\n]*)\))?(?P<bang>!)?: (?P<subject>.*)$")
        .expect("a valid regex")
});

/// Judges a commit message (or a PR title) against the conventional commits format.
pub fn conventional_commit(p: &ConventionalCommits, message: &str) -> Verdict {
    let header = message.lines().next().unwrap_or("").trim_end();
    // Shown (not judged) cut to a bounded length: a header can be as long as the commit.
    let shown = clip(header, MAX_SHOWN_CHARS);
    let evidence = json!({ "header": shown });
    if let Some(re) = p.ignore.iter().find(|re| re.is_match(message)) {
        return Verdict::not_applicable(
            format!("`{shown}` is ignored (matches `{}`)", re.as_str()),
            evidence,
        );
    }
    match conventional_problem(p, header) {
        None => Verdict::compliant(format!("`{shown}` is a conventional commit"), evidence),
        Some(problem) => Verdict::violation(format!("`{shown}`: {problem}"), evidence),
    }
}

fn conventional_problem(p: &ConventionalCommits, header: &str) -> Option<String> {
    let Some(caps) = CONVENTIONAL_HEADER.captures(header) else {
        return Some("expected `type(scope)!: subject`".to_string());
    };
    let kind = &caps["type"];
    if !p.types.iter().any(|t| t.eq_ignore_ascii_case(kind)) {
        return Some(format!(
            "type `{kind}` is not one of {}",
            list(p.types.iter().map(String::as_str))
        ));
    }
    let scope = caps.name("scope").map(|m| m.as_str().trim());
    if scope == Some("") {
        return Some("the scope in `()` is empty".to_string());
    }
    if p.require_scope && scope.is_none() {
        return Some("a `(scope)` is required".to_string());
    }
    if caps["subject"].trim().is_empty() {
        return Some("the subject after `: ` is empty".to_string());
    }
    let length = header.chars().count();
    if length > p.max_header_length {
        return Some(format!(
            "the header is {length} characters long, more than {}",
            p.max_header_length
        ));
    }
    None
}

// ----- pr_description --------------------------------------------------------------------------

/// `pr_description`: the PR has a description, beyond HTML comments and template placeholders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PrDescription {
    /// The fewest characters the description must have once HTML comments and placeholders are
    /// removed and surrounding blanks trimmed.
    pub min_length: usize,
    /// Template text that does not count as a description (removed before measuring).
    pub placeholders: Vec<String>,
}

impl Default for PrDescription {
    fn default() -> Self {
        PrDescription {
            min_length: 20,
            placeholders: Vec::new(),
        }
    }
}

static HTML_COMMENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?s)<!--.*?-->").expect("a valid regex"));

/// Judges a PR's description.
pub fn pr_description(p: &PrDescription, body: Option<&str>) -> Verdict {
    let mut text = HTML_COMMENT
        .replace_all(body.unwrap_or(""), "")
        .into_owned();
    for placeholder in p.placeholders.iter().filter(|s| !s.is_empty()) {
        text = text.replace(placeholder.as_str(), "");
    }
    let length = text.trim().chars().count();
    let evidence = json!({ "length": length, "has_body": body.is_some() });
    if length == 0 {
        Verdict::violation("the description is empty", evidence)
    } else if length < p.min_length {
        Verdict::violation(
            format!(
                "the description has {length} characters, fewer than {}",
                p.min_length
            ),
            evidence,
        )
    } else {
        Verdict::compliant(format!("the description has {length} characters"), evidence)
    }
}

// ----- pr_links_issue --------------------------------------------------------------------------

/// `pr_links_issue`: the PR's title or description references an issue: `#123` (alone or after a
/// keyword such as `fixes`), `owner/repo#123`, an issue URL, or a key matching one of
/// `key_patterns` (which are also looked for in the head branch).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PrLinksIssue {
    /// Regexes for issue keys of other trackers, e.g. `[A-Z][A-Z0-9]+-[0-9]+` for `ABC-123`.
    pub key_patterns: Vec<RegexPattern>,
}

static ISSUE_REFERENCES: LazyLock<[Regex; 4]> = LazyLock::new(|| {
    [
        // An issue URL, on github.com or a GitHub Enterprise host.
        r"https?://[^\s/]+/[\w.-]+/[\w.-]+/issues/[0-9]+\b",
        // owner/repo#123
        r"\b[\w.-]+/[\w.-]+#[0-9]+\b",
        // GH-123, GitHub's other autolinked form.
        r"\bGH-[0-9]+\b",
        // #123, not an HTML entity (&#123;) nor part of a word or path.
        r"(?:^|[^\w&/#])#[0-9]+\b",
    ]
    .map(|re| Regex::new(re).expect("a valid regex"))
});

/// Judges whether a PR links an issue.
pub fn pr_links_issue(p: &PrLinksIssue, pr: &PullRequestContext) -> Verdict {
    let body = pr.body.as_deref().unwrap_or("");
    let texts = [("title", pr.title.as_str()), ("description", body)];
    for (place, text) in texts {
        for re in ISSUE_REFERENCES.iter() {
            if let Some(m) = re.find(text) {
                let found = m
                    .as_str()
                    .trim_start_matches(|c: char| c != '#' && !c.is_alphanumeric());
                return Verdict::compliant(
                    format!("the {place} references `{found}`"),
                    json!({ "reference": found, "in": place }),
                );
            }
        }
    }
    let texts = [
        ("title", pr.title.as_str()),
        ("description", body),
        ("branch", pr.head_branch.as_str()),
    ];
    for (place, text) in texts {
        for re in &p.key_patterns {
            if let Some(m) = re.find(text) {
                return Verdict::compliant(
                    format!("the {place} references `{}`", m.as_str()),
                    json!({ "reference": m.as_str(), "in": place }),
                );
            }
        }
    }
    Verdict::violation(
        "no issue reference (`#123`, an issue URL or a tracker key) in the title or description",
        json!({}),
    )
}

// ----- pr_size ---------------------------------------------------------------------------------

/// `pr_size`: additions + deletions stay under a limit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PrSize {
    /// The most changed lines (additions + deletions) allowed.
    pub max_changed_lines: u64,
}

impl Default for PrSize {
    fn default() -> Self {
        PrSize {
            max_changed_lines: 400,
        }
    }
}

/// Judges a PR's size.
pub fn pr_size(p: &PrSize, additions: Option<u64>, deletions: Option<u64>) -> Verdict {
    let (Some(additions), Some(deletions)) = (additions, deletions) else {
        return Verdict::not_applicable("the PR's size is not known", json!({}));
    };
    let changed = additions.saturating_add(deletions);
    let evidence = json!({ "additions": additions, "deletions": deletions, "changed": changed });
    if changed <= p.max_changed_lines {
        Verdict::compliant(
            format!("{changed} changed lines (limit {})", p.max_changed_lines),
            evidence,
        )
    } else {
        Verdict::violation(
            format!(
                "{changed} changed lines, more than {} (+{additions} −{deletions})",
                p.max_changed_lines
            ),
            evidence,
        )
    }
}

// ----- pr_approval -----------------------------------------------------------------------------

/// `pr_approval`: a merged PR was approved by someone other than its author.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PrApproval {
    /// The fewest distinct approvers other than the author.
    pub min_approvals: usize,
}

impl Default for PrApproval {
    fn default() -> Self {
        PrApproval { min_approvals: 1 }
    }
}

/// Judges the approvals of a PR.
pub fn pr_approval(p: &PrApproval, pr: &PullRequestContext) -> Verdict {
    match pr.state {
        PrState::Open => return Verdict::not_applicable("not merged yet", json!({})),
        PrState::Closed => return Verdict::not_applicable("closed without merging", json!({})),
        PrState::Merged => {}
    }
    let Some(approvals) = &pr.approvals else {
        return Verdict::not_applicable("the PR's reviews were not looked up", json!({}));
    };
    let mut approvers: Vec<&str> = Vec::new();
    for login in approvals {
        let other = !login.eq_ignore_ascii_case(&pr.author);
        if other && !approvers.iter().any(|a| a.eq_ignore_ascii_case(login)) {
            approvers.push(login);
        }
    }
    let evidence = json!({ "author": pr.author, "approvers": approvers });
    if approvers.len() >= p.min_approvals {
        Verdict::compliant(
            format!(
                "merged with approval from {}",
                list(approvers.iter().copied())
            ),
            evidence,
        )
    } else if approvers.is_empty() {
        Verdict::violation(
            format!(
                "merged without an approval from someone other than `{}`",
                pr.author
            ),
            evidence,
        )
    } else {
        Verdict::violation(
            format!(
                "merged with {} approval(s) from others than the author, fewer than {}",
                approvers.len(),
                p.min_approvals
            ),
            evidence,
        )
    }
}

// ----- pr_title --------------------------------------------------------------------------------

/// `pr_title`: the PR's title fits a length, and a regex or the conventional commits format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PrTitle {
    /// The fewest characters.
    pub min_length: usize,
    /// The most characters.
    pub max_length: usize,
    /// A regex the title must match (anchor it with `^…$` to match the whole title).
    pub pattern: Option<RegexPattern>,
    /// Require a conventional commit header (useful when PRs are squash-merged).
    pub conventional: bool,
}

impl Default for PrTitle {
    fn default() -> Self {
        PrTitle {
            min_length: 10,
            max_length: 72,
            pattern: None,
            conventional: false,
        }
    }
}

/// Judges a PR's title.
pub fn pr_title(p: &PrTitle, title: &str) -> Verdict {
    let length = title.trim().chars().count();
    let evidence = json!({ "title": title, "length": length });
    if length < p.min_length {
        return Verdict::violation(
            format!(
                "the title has {length} characters, fewer than {}",
                p.min_length
            ),
            evidence,
        );
    }
    if length > p.max_length {
        return Verdict::violation(
            format!(
                "the title has {length} characters, more than {}",
                p.max_length
            ),
            evidence,
        );
    }
    if let Some(re) = &p.pattern {
        if !re.is_match(title) {
            return Verdict::violation(
                format!("the title does not match `{}`", re.as_str()),
                evidence,
            );
        }
    }
    if p.conventional {
        let rules = ConventionalCommits {
            max_header_length: p.max_length,
            ignore: Vec::new(),
            ..ConventionalCommits::default()
        };
        if let Some(problem) = conventional_problem(&rules, title.trim()) {
            return Verdict::violation(format!("the title: {problem}"), evidence);
        }
    }
    Verdict::compliant(format!("the title has {length} characters"), evidence)
}

// ----- no_direct_push --------------------------------------------------------------------------

/// `no_direct_push`: production branches change only by merging pull requests.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NoDirectPush {
    /// Globs of the production branches; when absent, the caller's `is_production_branch`
    /// decides (the repository's default branch).
    pub branches: Option<Vec<GlobPattern>>,
}

/// Judges a push.
pub fn no_direct_push(p: &NoDirectPush, push: &PushContext) -> Verdict {
    let production = match &p.branches {
        Some(globs) => globs.iter().any(|g| g.is_match(&push.branch)),
        None => push.is_production_branch,
    };
    let evidence = json!({
        "branch": push.branch,
        "pusher": push.pusher,
        "direct": push.is_direct,
        "commits": push.commits.len(),
    });
    if !production {
        Verdict::not_applicable(
            format!("`{}` is not a production branch", push.branch),
            evidence,
        )
    } else if push.is_direct {
        Verdict::violation(
            format!(
                "`{}` pushed directly to the production branch `{}`",
                push.pusher, push.branch
            ),
            evidence,
        )
    } else {
        Verdict::compliant(
            format!("`{}` changed by merging a pull request", push.branch),
            evidence,
        )
    }
}

// ----- deployment_tested -----------------------------------------------------------------------

/// `deployment_tested`: a successful production deployment's sha had passing test runs.
///
/// A test type passes when at least one of its runs ran tests with none failed or errored (a
/// rerun that passed counts). The sha is tested when every type in `required_test_types` passes
/// (any type, when the list is empty) and no type has only failing runs. A production deployment
/// with no test run recorded for its sha is a violation: shipping untested code is what the rule
/// exists to catch (a team that does not record test runs should disable it).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeploymentTested {
    /// Test types that must each have passed, e.g. `[unit, e2e]`.
    pub required_test_types: Vec<String>,
}

/// Judges a deployment.
pub fn deployment_tested(p: &DeploymentTested, d: &DeploymentContext) -> Verdict {
    let short: String = d.sha.chars().take(12).collect();
    if !d.is_production {
        return Verdict::not_applicable(
            format!("`{}` is not a production environment", d.environment),
            json!({ "environment": d.environment }),
        );
    }
    match d.status {
        DeploymentStatus::Success => {}
        DeploymentStatus::Failure | DeploymentStatus::Error | DeploymentStatus::Cancelled => {
            return Verdict::not_applicable(
                "the deployment did not succeed",
                json!({ "status": d.status }),
            )
        }
        _ => {
            return Verdict::not_applicable(
                "the deployment has not finished",
                json!({ "status": d.status }),
            )
        }
    }
    let Some(runs) = &d.test_runs else {
        return Verdict::not_applicable(
            format!("the test runs of {short} were not looked up"),
            json!({ "sha": d.sha }),
        );
    };
    let evidence = json!({ "sha": d.sha, "test_runs": runs });
    if runs.is_empty() {
        return Verdict::violation(format!("no test run recorded for {short}"), evidence);
    }
    let mut types: Vec<&str> = runs.iter().map(|r| r.test_type.as_str()).collect();
    types.sort_unstable();
    types.dedup();
    let passes = |t: &str| runs.iter().any(|r| r.test_type == t && r.passed());
    let failing: Vec<&str> = types.iter().copied().filter(|t| !passes(t)).collect();
    if !failing.is_empty() {
        return Verdict::violation(
            format!(
                "{short} deployed to production with failing or empty test runs: {}",
                list(failing.iter().copied())
            ),
            evidence,
        );
    }
    let missing: Vec<&str> = p
        .required_test_types
        .iter()
        .map(String::as_str)
        .filter(|t| !types.contains(t))
        .collect();
    if !missing.is_empty() {
        return Verdict::violation(
            format!(
                "{short} deployed to production without {} tests",
                list(missing.iter().copied())
            ),
            evidence,
        );
    }
    Verdict::compliant(
        format!("{short} passed {} tests", list(types.iter().copied())),
        evidence,
    )
}

/// The most characters of user text (a commit header) quoted in `details` and evidence.
const MAX_SHOWN_CHARS: usize = 120;

/// Cuts `text` to `max` characters, ending with `…` when cut.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// `` `a`, `b`, `c` ``
fn list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn status(v: Verdict) -> ComplianceStatus {
        v.status
    }

    #[test]
    fn conventional_headers() {
        let p = ConventionalCommits::default();
        let ok = |m: &str| status(conventional_commit(&p, m)) == ComplianceStatus::Compliant;
        assert!(ok("feat: add a rule"));
        assert!(ok("feat(api)!: drop v1\n\nBREAKING CHANGE: v1 is gone"));
        assert!(ok("Fix(Parser): tolerate blanks"));
        assert!(ok("revert: feat: add a rule"));
        assert!(!ok("feature: add a rule"));
        assert!(!ok("feat:add a rule"));
        assert!(!ok("feat(): add a rule"));
        assert!(!ok("feat:  "));
        assert!(!ok("Add a rule"));
        let long = conventional_commit(&p, &format!("feat: {}", "x".repeat(200)));
        assert_eq!(long.status, ComplianceStatus::Violation);
        assert!(long
            .details
            .ends_with("…`: the header is 206 characters long, more than 100"));
        assert_eq!(
            long.evidence["header"].as_str().unwrap().chars().count(),
            120
        );
        let merge = conventional_commit(&p, "Merge branch 'main' into feature/x");
        assert_eq!(merge.status, ComplianceStatus::NotApplicable);
        let scoped = ConventionalCommits {
            require_scope: true,
            ..ConventionalCommits::default()
        };
        assert_eq!(
            conventional_commit(&scoped, "feat: x").details,
            "`feat: x`: a `(scope)` is required"
        );
    }

    fn pr(title: &str, body: Option<&str>, branch: &str) -> PullRequestContext {
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        PullRequestContext {
            number: 1,
            title: title.into(),
            body: body.map(String::from),
            head_branch: branch.into(),
            base_branch: "main".into(),
            author: "Alice".into(),
            state: PrState::Merged,
            created_at: at,
            updated_at: at,
            closed_at: Some(at),
            additions: Some(1),
            deletions: Some(1),
            approvals: Some(Vec::new()),
            commits: Vec::new(),
        }
    }

    #[test]
    fn issue_references() {
        let p = PrLinksIssue::default();
        let linked = |body: &str| {
            status(pr_links_issue(&p, &pr("t", Some(body), "b"))) == ComplianceStatus::Compliant
        };
        assert!(linked("Fixes #12"));
        assert!(linked("(#12)"));
        assert!(linked("see devmetrics/devmetrics#5"));
        assert!(linked("https://github.com/o/r/issues/7"));
        assert!(linked("Closes GH-9"));
        assert!(!linked("## Summary\n\nno link"));
        assert!(!linked("&#123; is an entity"));
        assert!(!linked("a/b/#12 is a path"));
        assert!(!linked("ABC-123"));
        let keys = PrLinksIssue {
            key_patterns: RegexPattern::many(&[r"\bABC-[0-9]+\b"]),
        };
        let v = pr_links_issue(&keys, &pr("ABC-123: fix", None, "b"));
        assert_eq!(v.details, "the title references `ABC-123`");
    }

    #[test]
    fn description_ignores_comments_and_placeholders() {
        let p = PrDescription {
            min_length: 5,
            placeholders: vec!["Describe it.".into()],
        };
        let v = pr_description(&p, Some("<!-- what? -->\nDescribe it.\n"));
        assert_eq!(v.details, "the description is empty");
        let v = pr_description(&p, Some("<!-- what? -->\nAbc"));
        assert_eq!(v.details, "the description has 3 characters, fewer than 5");
        let v = pr_description(&p, Some("Adds the thing."));
        assert_eq!(v.status, ComplianceStatus::Compliant);
    }

    #[test]
    fn approval_ignores_the_author_whatever_the_case() {
        let p = PrApproval { min_approvals: 2 };
        let mut merged = pr("t", None, "b");
        merged.approvals = Some(vec!["alice".into(), "bob".into(), "Bob".into()]);
        let v = pr_approval(&p, &merged);
        assert_eq!(
            v.details,
            "merged with 1 approval(s) from others than the author, fewer than 2"
        );
        merged.approvals = Some(vec!["bob".into(), "carol".into()]);
        assert_eq!(pr_approval(&p, &merged).status, ComplianceStatus::Compliant);
        merged.state = PrState::Open;
        assert_eq!(
            pr_approval(&p, &merged).status,
            ComplianceStatus::NotApplicable
        );
    }

    #[test]
    fn title_pattern_and_conventional() {
        let p = PrTitle {
            pattern: Some(RegexPattern::new("^[A-Z]").unwrap()),
            ..PrTitle::default()
        };
        assert_eq!(
            pr_title(&p, "lowercase title here").details,
            "the title does not match `^[A-Z]`"
        );
        let p = PrTitle {
            conventional: true,
            ..PrTitle::default()
        };
        assert_eq!(
            pr_title(&p, "feat: add rules").status,
            ComplianceStatus::Compliant
        );
        assert_eq!(
            pr_title(&p, "Add rules to it").details,
            "the title: expected `type(scope)!: subject`"
        );
    }

    #[test]
    fn production_branches_from_params() {
        let p = NoDirectPush {
            branches: Some(GlobPattern::many(&["release/*"])),
        };
        let push = PushContext {
            head_sha: "abc".into(),
            branch: "release/1.2".into(),
            pusher: "alice".into(),
            pushed_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            commits: Vec::new(),
            is_direct: true,
            is_production_branch: false,
        };
        assert_eq!(
            no_direct_push(&p, &push).status,
            ComplianceStatus::Violation
        );
        let main = PushContext {
            branch: "main".into(),
            is_production_branch: true,
            ..push
        };
        assert_eq!(
            no_direct_push(&p, &main).status,
            ComplianceStatus::NotApplicable
        );
    }

    #[test]
    fn tested_deployment_counts_reruns_and_rejects_empty_runs() {
        let run = |t: &str, total, failed| super::super::TestRunSummary {
            test_type: t.into(),
            total,
            failed,
            errored: 0,
        };
        let mut d = DeploymentContext {
            deployment_id: 1,
            sha: "0123456789abcdef".into(),
            environment: "production".into(),
            is_production: true,
            status: DeploymentStatus::Success,
            timestamp: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            test_runs: Some(vec![run("unit", 10, 2), run("unit", 10, 0)]),
        };
        let p = DeploymentTested::default();
        assert_eq!(
            deployment_tested(&p, &d).status,
            ComplianceStatus::Compliant
        );
        d.test_runs = Some(vec![run("unit", 0, 0)]);
        assert_eq!(
            deployment_tested(&p, &d).details,
            "0123456789ab deployed to production with failing or empty test runs: `unit`"
        );
        d.test_runs = None;
        assert_eq!(
            deployment_tested(&p, &d).status,
            ComplianceStatus::NotApplicable
        );
        d.status = DeploymentStatus::InProgress;
        assert_eq!(
            deployment_tested(&p, &d).details,
            "the deployment has not finished"
        );
    }
}
