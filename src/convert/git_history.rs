//! A branch's git history → `push_events` and `rule_compliance_events`, as live capture would
//! have recorded the pushes that made it. Pure: the history is read by `sources::git_history`.
//!
//! Each first-parent step of the production branch is taken as one push: `before_sha` → the
//! commit, carrying the commits it brought (the chain the aggregate walks for ancestry). Whether
//! it came from a merged pull request is decided as live capture decides it: the GitHub API's
//! answer about the commit when the caller has one ([`git_history_rows_with_pulls`]), else its
//! subject ([`merged_pr_from_message`]): `Merge pull request #N from owner/branch` (merge
//! commit), `… (#N)` (squash merge); anything else is a direct push.
//!
//! The rules judge the same contexts, with the same keys, as live capture: the push
//! (`<branch>@<sha>`) and its commits (`<sha>`) with every rule that applies to them, and a PR
//! merged with a merge commit (`<number>`) with the rules git can answer: branch naming, its head
//! branch being in the merge commit's subject. Other PR rules (description, size, approvals,
//! title…) need the GitHub API; they are listed in [`GitImport::not_judged`], never guessed.
//!
//! Known differences with live capture: several commits pushed at once are one push live and
//! one step per commit here; without the API's answers, a rebase merge looks like direct pushes
//! (no PR in its subjects).

use super::{merged_pr_from_message, CommitPulls, PushDetection, PushedCommit};
use crate::rows::push_events::{BranchClass, PushEvent};
use crate::rows::rule_compliance_events::ContextType;
use crate::rows::{Batch, RecordContext};
use crate::rules::{
    evaluate, CheckKind, CommitInfo, PrState, PullRequestContext, PushContext, RuleContext, RuleSet,
};
use crate::sources::git_history::{FirstParentStep, GitHistory, ShallowGap};
use serde_json::json;
use std::collections::HashMap;

/// The rows made from a branch's history, and what they could not say.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GitImport {
    /// `push_events` and `rule_compliance_events` rows.
    pub batch: Batch,
    /// First-parent steps read.
    pub steps: usize,
    /// Steps that merged a PR with a merge commit (`Merge pull request #N from …`).
    pub merges: usize,
    /// Squash merges (`… (#N)`).
    pub squashes: usize,
    /// Steps the GitHub API's answer tied to a merged PR that their subject does not name (a
    /// rebase merge, a merge commit with an edited subject).
    pub other_merges: usize,
    /// Direct pushes.
    pub direct: usize,
    /// Rules that were not judged from git, with why (one line each).
    pub not_judged: Vec<String>,
    /// What a shallow checkout hid (empty when nothing).
    pub shallow: Option<ShallowGap>,
}

/// The rows of `history`'s steps, each step's PR read from its subject (as `record` without a
/// token): see [`git_history_rows_with_pulls`].
pub fn git_history_rows(history: &GitHistory, rules: &RuleSet, ctx: &RecordContext) -> GitImport {
    git_history_rows_with_pulls(history, rules, ctx, &HashMap::new())
}

/// The rows of `history`'s steps: a push row per step (none for a merge whose commits a shallow
/// checkout hides) and the rules' verdicts on each push, its commits, and each PR merged with a
/// merge commit. `pulls` holds the GitHub API's answer about a step's commit (by sha), when the
/// caller asked; a step without one is judged by its subject. Rows take `ctx`'s repository,
/// environment and `recorded_at`.
pub fn git_history_rows_with_pulls(
    history: &GitHistory,
    rules: &RuleSet,
    ctx: &RecordContext,
    pulls: &HashMap<String, CommitPulls>,
) -> GitImport {
    let mut import = GitImport {
        steps: history.steps.len(),
        shallow: history.shallow.clone().filter(|g| !g.is_empty()),
        ..GitImport::default()
    };
    let pr_rules = branch_rules(rules, &mut import.not_judged);
    let mut pushes = Vec::new();
    let mut verdicts = Vec::new();
    let mut squash_unjudged = 0;
    for step in &history.steps {
        let from_subject = merged_pr_from_message(&step.commit.message);
        let answer = pulls.get(&step.commit.sha).copied().unwrap_or_default();
        // The same precedence as a live push (`convert::push`).
        let detected = match (answer, from_subject) {
            (CommitPulls::MergedPr(n), _) => Some((n, PushDetection::GithubApi)),
            (CommitPulls::NoMergedPr, _) => None,
            (CommitPulls::Unknown, subject) => subject,
        };
        let by_subject = from_subject.filter(|(n, _)| detected.is_some_and(|(m, _)| m == *n));
        match (detected, by_subject) {
            (None, _) => import.direct += 1,
            (Some(_), Some((_, PushDetection::MergeCommitMessage))) => import.merges += 1,
            (Some(_), Some(_)) => import.squashes += 1,
            (Some(_), None) => import.other_merges += 1,
        }
        if step.carried_complete {
            pushes.push(push_row(history, step, detected, answer, ctx));
        }
        verdicts.extend(evaluate(rules, &push_context(history, step, detected), ctx));
        match by_subject {
            Some((number, PushDetection::MergeCommitMessage)) => {
                if let Some(head) = head_branch(step.commit.subject()) {
                    let pr = pr_context(history, step, number, head);
                    verdicts.extend(evaluate(&pr_rules, &pr, ctx));
                }
            }
            _ if detected.is_some() => squash_unjudged += 1,
            _ => {}
        }
    }
    if squash_unjudged > 0 && !pr_rules.rules().is_empty() {
        import.not_judged.push(format!(
            "branch naming on {squash_unjudged} PR(s) merged without a merge commit: their \
             commit does not name the branch (the GitHub API backfill judges them)"
        ));
    }
    import.batch.extend(pushes);
    import.batch.extend(verdicts);
    import
}

/// The rules git can judge on a PR (branch naming), as a rule set; the others are listed.
fn branch_rules(rules: &RuleSet, not_judged: &mut Vec<String>) -> RuleSet {
    let mut keep = Vec::new();
    for rule in rules.rules().iter().filter(|r| r.enabled) {
        if !rule.applies_to.contains(&ContextType::PullRequest) {
            if rule.applies_to.contains(&ContextType::Deployment) {
                not_judged.push(format!("{}: judges deployments, not in git", rule.name));
            }
            continue;
        }
        if rule.check.kind() == CheckKind::BranchNaming {
            let mut pr_only = rule.clone();
            pr_only.applies_to = vec![ContextType::PullRequest];
            keep.push(pr_only);
        } else {
            not_judged.push(format!(
                "{}: `{}` on pull requests needs what only the GitHub API knows",
                rule.name,
                rule.check.kind().name()
            ));
        }
    }
    RuleSet::from_rules(keep)
}

/// `owner/branch` of `Merge pull request #N from owner/branch`, without the owner.
fn head_branch(subject: &str) -> Option<&str> {
    let (_, from) = subject.split_once(" from ")?;
    let (_owner, branch) = from.trim().split_once('/')?;
    (!branch.is_empty()).then_some(branch)
}

fn commits(step: &FirstParentStep) -> Vec<CommitInfo> {
    step.carried
        .iter()
        .map(|c| CommitInfo {
            sha: c.sha.clone(),
            message: c.message.clone(),
            timestamp: c.author_date,
        })
        .collect()
}

fn push_context(
    history: &GitHistory,
    step: &FirstParentStep,
    detected: Option<(u32, PushDetection)>,
) -> RuleContext {
    RuleContext::Push(PushContext {
        head_sha: step.commit.sha.clone(),
        branch: history.branch.clone(),
        pusher: step.commit.committer_name.clone(),
        pushed_at: step.commit.committer_date,
        commits: commits(step),
        is_direct: detected.is_none(),
        is_production_branch: true,
    })
}

fn pr_context(
    history: &GitHistory,
    step: &FirstParentStep,
    number: u32,
    head: &str,
) -> RuleContext {
    let merged_at = step.commit.committer_date;
    RuleContext::PullRequest(PullRequestContext {
        number: u64::from(number),
        title: String::new(),
        body: None,
        head_branch: head.to_owned(),
        base_branch: history.branch.clone(),
        author: String::new(),
        state: PrState::Merged,
        created_at: merged_at,
        updated_at: merged_at,
        closed_at: Some(merged_at),
        additions: None,
        deletions: None,
        approvals: None,
        commits: Vec::new(),
    })
}

fn push_row(
    history: &GitHistory,
    step: &FirstParentStep,
    detected: Option<(u32, PushDetection)>,
    answer: CommitPulls,
    ctx: &RecordContext,
) -> PushEvent {
    let pushed: Vec<PushedCommit> = step
        .carried
        .iter()
        .map(|c| PushedCommit {
            sha: c.sha.clone(),
            timestamp: Some(c.author_date),
        })
        .collect();
    let detected_by = match (answer, detected) {
        (CommitPulls::Unknown, None) => PushDetection::NoPullRequestPattern,
        (CommitPulls::Unknown, Some((_, how))) => how,
        _ => PushDetection::GithubApi,
    };
    PushEvent {
        repository: ctx.repository.clone(),
        environment: ctx.environment,
        branch: history.branch.clone(),
        branch_class: BranchClass::Production,
        before_sha: Some(
            step.before
                .clone()
                .unwrap_or_else(|| "0".repeat(step.commit.sha.len())),
        ),
        after_sha: step.commit.sha.clone(),
        forced: false,
        created: step.before.is_none(),
        pushed_at: step.commit.committer_date,
        pusher: None,
        sender: None,
        head_commit_title: Some(step.commit.subject().to_owned()),
        direct_push: detected.is_none(),
        merged_pr: detected.map(|(n, _)| n),
        detected_by: detected_by.as_str().to_owned(),
        commit_count: pushed.len() as i64,
        commits: serde_json::to_value(&pushed).unwrap_or_default(),
        recorded_at: ctx.recorded_at,
        metadata: json!({
            "source": "git_history",
            "pushed_at_from": "git committer date",
            "read_ref": history.read_ref,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::environment::Environment;
    use crate::rows::rule_compliance_events::{ComplianceStatus, RuleComplianceEvent};
    use crate::sources::git_history::GitCommit;

    fn commit(sha: &str, parents: &[&str], message: &str, at: &str) -> GitCommit {
        GitCommit {
            sha: sha.repeat(40 / sha.len()),
            parents: parents.iter().map(|p| p.repeat(40 / p.len())).collect(),
            author_date: at.parse().unwrap(),
            committer_date: at.parse().unwrap(),
            committer_name: "Ada".into(),
            message: message.into(),
        }
    }

    /// Two steps: a rebase-merged commit (no PR in its subject), then a squash merge.
    fn history() -> GitHistory {
        let steps = [
            commit("b", &["a"], "feat: rebased", "2026-11-02T10:00:00Z"),
            commit("c", &["b"], "fix: thing (#8)", "2026-11-02T11:00:00Z"),
        ]
        .into_iter()
        .map(|c| FirstParentStep {
            before: c.parents.first().cloned(),
            carried: vec![c.clone()],
            commit: c,
            carried_complete: true,
        })
        .collect();
        GitHistory {
            branch: "main".into(),
            read_ref: "refs/heads/main".into(),
            since: "2026-11-01T00:00:00Z".parse().unwrap(),
            steps,
            shallow: None,
        }
    }

    fn ctx() -> RecordContext {
        RecordContext {
            repository: "o/r".into(),
            environment: Environment::Production,
            recorded_at: "2026-12-02T00:00:00Z".parse().unwrap(),
        }
    }

    fn no_direct_push(import: &GitImport) -> Vec<ComplianceStatus> {
        import
            .batch
            .groups()
            .filter(|(t, _)| *t == crate::rows::Table::RuleComplianceEvents)
            .flat_map(|(_, rows)| rows.iter().cloned())
            .map(|v| serde_json::from_value::<RuleComplianceEvent>(v).unwrap())
            .filter(|r| r.rule_name == "no-direct-push")
            .map(|r| r.compliance_status)
            .collect()
    }

    #[test]
    fn the_apis_answer_about_a_commit_wins_over_its_subject_as_it_does_live() {
        use ComplianceStatus::{Compliant, Violation};
        let rules = RuleSet::defaults();
        let by_subject = git_history_rows(&history(), &rules, &ctx());
        assert_eq!(no_direct_push(&by_subject), vec![Violation, Compliant]);
        assert_eq!((by_subject.direct, by_subject.squashes), (1, 1));

        let pulls = HashMap::from([
            ("b".repeat(40), CommitPulls::MergedPr(7)),
            ("c".repeat(40), CommitPulls::MergedPr(8)),
        ]);
        let with_api = git_history_rows_with_pulls(&history(), &rules, &ctx(), &pulls);
        assert_eq!(no_direct_push(&with_api), vec![Compliant, Compliant]);
        assert_eq!(
            (with_api.other_merges, with_api.squashes, with_api.direct),
            (1, 1, 0)
        );
        let pushes: Vec<(Option<u64>, String)> = with_api
            .batch
            .groups()
            .filter(|(t, _)| *t == crate::rows::Table::PushEvents)
            .flat_map(|(_, rows)| rows.iter())
            .map(|r| {
                (
                    r["merged_pr"].as_u64(),
                    r["detected_by"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(
            pushes,
            vec![
                (Some(7), "github_api".into()),
                (Some(8), "github_api".into())
            ]
        );
    }

    #[test]
    fn the_head_branch_is_read_from_a_merge_commit_subject_without_its_owner() {
        assert_eq!(
            head_branch("Merge pull request #12 from octo/feature/login"),
            Some("feature/login")
        );
        assert_eq!(
            head_branch("Merge pull request #12 from fork-owner/main"),
            Some("main")
        );
        assert_eq!(head_branch("Merge pull request #12"), None);
    }

    #[test]
    fn only_branch_naming_is_judged_on_pull_requests_the_rest_is_listed() {
        let mut not_judged = Vec::new();
        let kept = branch_rules(&RuleSet::defaults(), &mut not_judged);
        let names: Vec<&str> = kept.rules().iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, vec!["branching.mdc"]);
        assert!(not_judged.iter().any(|l| l.starts_with("pr-approval:")));
        assert!(not_judged
            .iter()
            .any(|l| l.starts_with("deployment-tested:")));
        assert!(!not_judged.iter().any(|l| l.starts_with("no-direct-push")));
    }
}
