//! A branch's git history → `push_events` and `rule_compliance_events`, as live capture would
//! have recorded the pushes that made it. Pure: the history is read by `sources::git_history`.
//!
//! Each first-parent step of the production branch is taken as one push: `before_sha` → the
//! commit, carrying the commits it brought (the chain the aggregate walks for ancestry). Whether
//! it came from a merged pull request is read from its subject, with the code live capture uses
//! without a token ([`merged_pr_from_message`]): `Merge pull request #N from owner/branch`
//! (merge commit), `… (#N)` (squash merge); anything else is a direct push.
//!
//! The rules judge the same contexts, with the same keys, as live capture: the push
//! (`<branch>@<sha>`) and its commits (`<sha>`) with every rule that applies to them, and a PR
//! merged with a merge commit (`<number>`) with the rules git can answer: branch naming, its head
//! branch being in the merge commit's subject. Other PR rules (description, size, approvals,
//! title…) need the GitHub API; they are listed in [`GitImport::not_judged`], never guessed.
//!
//! Known differences with live capture: several commits pushed at once are one push live and
//! one step per commit here; a rebase merge looks like direct pushes (no PR in its subjects).

use super::{merged_pr_from_message, PushDetection, PushedCommit};
use crate::rows::push_events::{BranchClass, PushEvent};
use crate::rows::rule_compliance_events::ContextType;
use crate::rows::{Batch, RecordContext};
use crate::rules::{
    evaluate, CheckKind, CommitInfo, PrState, PullRequestContext, PushContext, RuleContext, RuleSet,
};
use crate::sources::git_history::{FirstParentStep, GitHistory, ShallowGap};
use serde_json::json;

/// The rows made from a branch's history, and what they could not say.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GitImport {
    /// `push_events` and `rule_compliance_events` rows.
    pub batch: Batch,
    /// First-parent steps read.
    pub steps: usize,
    /// Steps merged with a merge commit, a squash merge, and direct pushes.
    pub merges: usize,
    /// Squash merges (`… (#N)`).
    pub squashes: usize,
    /// Direct pushes.
    pub direct: usize,
    /// Rules that were not judged from git, with why (one line each).
    pub not_judged: Vec<String>,
    /// What a shallow checkout hid (empty when nothing).
    pub shallow: Option<ShallowGap>,
}

/// The rows of `history`'s steps: a push row per step (none for a merge whose commits a shallow
/// checkout hides) and the rules' verdicts on each push, its commits, and each PR merged with a
/// merge commit. Rows take `ctx`'s repository, environment and `recorded_at`.
pub fn git_history_rows(history: &GitHistory, rules: &RuleSet, ctx: &RecordContext) -> GitImport {
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
        let detected = merged_pr_from_message(&step.commit.message);
        match detected {
            Some((_, PushDetection::MergeCommitMessage)) => import.merges += 1,
            Some(_) => import.squashes += 1,
            None => import.direct += 1,
        }
        if step.carried_complete {
            pushes.push(push_row(history, step, detected, ctx));
        }
        verdicts.extend(evaluate(rules, &push_context(history, step, detected), ctx));
        if let Some((number, PushDetection::MergeCommitMessage)) = detected {
            if let Some(head) = head_branch(step.commit.subject()) {
                let pr = pr_context(history, step, number, head);
                verdicts.extend(evaluate(&pr_rules, &pr, ctx));
            }
        } else if detected.is_some() {
            squash_unjudged += 1;
        }
    }
    if squash_unjudged > 0 && !pr_rules.rules().is_empty() {
        import.not_judged.push(format!(
            "branch naming on {squash_unjudged} squash-merged PR(s): a squash commit does not \
             name its branch (the GitHub API backfill judges them)"
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
    let detected_by = detected.map_or(PushDetection::NoPullRequestPattern, |(_, how)| how);
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
