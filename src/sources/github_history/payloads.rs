//! A pull request read from the API as the webhook payloads a workflow would have received at
//! each step of its life: `opened`, each reopening, ready for review, conversion to draft, force
//! push (`synchronize`), closing, merge; each review submitted and dismissed.

use super::pulls::{Actor, PullNode, RepoName, TimelineItem};
use crate::sources::event::{
    BranchRef, Label, PullRequest, PullRequestPayload, PullRequestReviewPayload, Repository,
    Review, User,
};
use chrono::{DateTime, Utc};

impl Actor {
    pub(super) fn user(&self) -> User {
        User {
            login: self.login.clone(),
            kind: self.typename.clone(),
        }
    }
}

impl PullNode {
    /// The PR as a webhook payload shows it, `updated_at` set to `at`.
    pub fn as_payload_model(&self, at: DateTime<Utc>) -> PullRequest {
        let repo = |r: &Option<RepoName>| {
            r.as_ref().map(|r| Repository {
                full_name: r.name_with_owner.clone(),
                default_branch: None,
                pushed_at: None,
            })
        };
        PullRequest {
            number: self.number,
            title: self.title.clone(),
            body: self.body.clone(),
            user: self.author.as_ref().map(Actor::user),
            state: self.state.as_ref().map(|s| s.to_ascii_lowercase()),
            draft: self.is_draft,
            created_at: self.created_at,
            updated_at: Some(at),
            closed_at: self.closed_at,
            merged_at: self.merged_at,
            merged: self.merged,
            merged_by: self.merged_by.as_ref().map(Actor::user),
            merge_commit_sha: self.merge_commit.as_ref().map(|c| c.oid.clone()),
            head: BranchRef {
                branch: self.head_ref_name.clone(),
                sha: self.head_ref_oid.clone(),
                repo: repo(&self.head_repository),
            },
            base: BranchRef {
                branch: self.base_ref_name.clone(),
                sha: self.base_ref_oid.clone().unwrap_or_default(),
                repo: repo(&self.base_repository),
            },
            additions: self.additions,
            deletions: self.deletions,
            changed_files: self.changed_files,
            commits: self
                .commits
                .as_ref()
                .and_then(|c| c.total_count)
                .map(i64::from),
            author_association: None,
            labels: self
                .labels
                .iter()
                .flat_map(|l| l.nodes.iter().flatten())
                .map(|l| Label {
                    name: l.name.clone(),
                })
                .collect(),
        }
    }

    /// The `pull_request` payloads of the PR's lifecycle, oldest first: opened, each reopening,
    /// ready for review, conversion to draft, force push (a `synchronize` with its before and
    /// after), closing, and the merge.
    pub fn pull_request_payloads(&self) -> Vec<PullRequestPayload> {
        let payload = |action: &str, at: DateTime<Utc>, actor: Option<&Actor>| {
            let mut pr = self.as_payload_model(at);
            if action != "closed" {
                // What the payload of that moment said: not yet closed nor merged.
                pr.closed_at = None;
                pr.merged_at = None;
                pr.merged = Some(false);
                pr.merged_by = None;
                pr.state = Some("open".into());
            }
            PullRequestPayload {
                action: action.to_owned(),
                pull_request: pr,
                before: None,
                after: None,
                sender: actor.map(Actor::user),
                repository: None,
            }
        };
        let mut out = vec![payload("opened", self.created_at, self.author.as_ref())];
        let closings: Vec<&TimelineItem> = self
            .timeline()
            .filter(|i| i.typename == "ClosedEvent")
            .collect();
        for item in self.timeline() {
            let Some(at) = item.created_at else { continue };
            let actor = item.actor.as_ref();
            match item.typename.as_str() {
                "ReadyForReviewEvent" => out.push(payload("ready_for_review", at, actor)),
                "ConvertToDraftEvent" => out.push(payload("converted_to_draft", at, actor)),
                "ReopenedEvent" => out.push(payload("reopened", at, actor)),
                "HeadRefForcePushedEvent" => {
                    let mut p = payload("synchronize", at, actor);
                    p.before = item.before_commit.as_ref().map(|c| c.oid.clone());
                    p.after = item.after_commit.as_ref().map(|c| c.oid.clone());
                    if let Some(after) = &p.after {
                        p.pull_request.head.sha = after.clone();
                    }
                    out.push(p);
                }
                "ClosedEvent" => {
                    let last = closings.last().map(|c| c.created_at) == Some(item.created_at);
                    if last && self.merged_at.is_some() {
                        continue; // the merge below
                    }
                    let mut p = payload("closed", at, actor);
                    p.pull_request.merged = Some(false);
                    p.pull_request.merged_at = None;
                    p.pull_request.merged_by = None;
                    p.pull_request.state = Some("closed".into());
                    // The last closing is the PR's closed_at; an earlier one only its event's time.
                    if !last || self.closed_at.is_none() {
                        p.pull_request.closed_at = Some(at);
                    }
                    out.push(p);
                }
                _ => {}
            }
        }
        if let Some(merged_at) = self.merged_at {
            let mut p = payload("closed", merged_at, self.merged_by.as_ref());
            p.pull_request = self.as_payload_model(merged_at);
            p.pull_request.merged = Some(true);
            out.push(p);
        }
        out
    }

    /// The `pull_request_review` payloads: each submitted review (a dismissed one with the
    /// state it had), and each dismissal.
    pub fn review_payloads(&self) -> Vec<PullRequestReviewPayload> {
        let mut out = Vec::new();
        let dismissals: Vec<&TimelineItem> = self
            .timeline()
            .filter(|i| i.typename == "ReviewDismissedEvent")
            .collect();
        for r in self.reviews() {
            if r.state == "PENDING" {
                continue;
            }
            let dismissal = dismissals
                .iter()
                .find(|d| d.review.as_ref().map(|x| x.database_id) == Some(r.database_id));
            let state = match (r.state.as_str(), dismissal) {
                ("DISMISSED", Some(d)) => d
                    .previous_review_state
                    .clone()
                    .unwrap_or_else(|| "COMMENTED".into()),
                // The state before the dismissal is not known: nothing is guessed.
                ("DISMISSED", None) => continue,
                (state, _) => state.to_owned(),
            };
            let review = Review {
                id: r.database_id,
                user: r.author.as_ref().map(Actor::user),
                state: state.to_ascii_lowercase(),
                submitted_at: r.submitted_at,
                commit_id: r.commit.as_ref().map(|c| c.oid.clone()),
                author_association: r.author_association.clone(),
            };
            let at = r.submitted_at.unwrap_or(self.updated_at);
            out.push(PullRequestReviewPayload {
                action: "submitted".into(),
                review: review.clone(),
                pull_request: self.as_payload_model(at),
                sender: r.author.as_ref().map(Actor::user),
                repository: None,
            });
            if let Some(d) = dismissal {
                let at = d.created_at.unwrap_or(self.updated_at);
                out.push(PullRequestReviewPayload {
                    action: "dismissed".into(),
                    review: Review {
                        state: "dismissed".into(),
                        ..review
                    },
                    pull_request: self.as_payload_model(at),
                    sender: d.actor.as_ref().map(Actor::user),
                    repository: None,
                });
            }
        }
        out
    }
}
