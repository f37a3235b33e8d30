//! The histories the backfill tests serve and record: a pull request's life as GitHub's
//! GraphQL API answers it and as the webhook payloads a workflow received, from one description.

use super::fake::History;
use crate::common::fixture_json;
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

/// A 40-hex sha from a number.
pub fn sha(n: u64) -> String {
    format!("{n:040x}")
}

pub fn at(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// One pull request's life, every time relative to its creation (a whole minute): the first
/// commit a day before; converted to draft at +5 min, ready for review at +30 min, force pushed
/// at +60 min, approved by octocat at +120 min, merged at +180 min.
#[derive(Debug, Clone)]
pub struct Pr {
    pub number: u32,
    pub repo: String,
    pub created: DateTime<Utc>,
}

impl Pr {
    pub fn t(&self, minutes: i64) -> DateTime<Utc> {
        self.created + Duration::minutes(minutes)
    }

    /// The node GitHub's GraphQL API answers for it.
    pub fn node(&self) -> Value {
        let actor = |login: &str| json!({"__typename": "User", "login": login});
        json!({
            "number": self.number, "title": format!("Fix all the bugs #{}", self.number),
            "body": "This is a pretty simple change that we need to pull into master.",
            "state": "MERGED", "isDraft": false,
            "createdAt": at(self.created), "updatedAt": at(self.t(180)), "closedAt": at(self.t(180)),
            "mergedAt": at(self.t(180)), "merged": true, "additions": 10, "deletions": 2, "changedFiles": 1,
            "author": actor("Codertocat"), "mergedBy": actor("octocat"),
            "mergeCommit": {"oid": sha(u64::from(self.number) * 1000 + 3)},
            "headRefName": format!("feature/fix-{}", self.number), "headRefOid": sha(u64::from(self.number) * 1000 + 2),
            "baseRefName": "main", "baseRefOid": sha(7),
            "headRepository": {"nameWithOwner": self.repo}, "baseRepository": {"nameWithOwner": self.repo},
            "labels": {"nodes": []},
            "commits": {"totalCount": 2, "nodes": [{"commit": {"authoredDate": at(self.t(-1440)), "committedDate": at(self.t(-1430))}}]},
            "reviews": {"totalCount": 1, "nodes": [{"databaseId": 80_000 + u64::from(self.number), "state": "APPROVED",
                "submittedAt": at(self.t(120)), "authorAssociation": "MEMBER", "author": actor("octocat"),
                "commit": {"oid": sha(u64::from(self.number) * 1000 + 2)}}]},
            "timelineItems": {"totalCount": 3, "nodes": [
                {"__typename": "ConvertToDraftEvent", "createdAt": at(self.t(5)), "actor": actor("Codertocat")},
                {"__typename": "ReadyForReviewEvent", "createdAt": at(self.t(30)), "actor": actor("Codertocat")},
                {"__typename": "HeadRefForcePushedEvent", "createdAt": at(self.t(60)), "actor": actor("Codertocat"),
                 "beforeCommit": {"oid": sha(u64::from(self.number) * 1000 + 1)}, "afterCommit": {"oid": sha(u64::from(self.number) * 1000 + 2)}}
            ]}
        })
    }

    /// The webhook payloads a workflow received as it happened (`updated_at` a second after the
    /// timeline's time, as GitHub often shows it), from the fixture's real shape.
    pub fn live_payloads(&self) -> Vec<(&'static str, Value)> {
        let template = fixture_json("events/pull_request/00-opened.json");
        let pr_at = |action: &str, updated: DateTime<Utc>, merged: bool| {
            let mut p = template.clone();
            p["action"] = json!(action);
            p["number"] = json!(self.number);
            p["repository"]["full_name"] = json!(self.repo);
            let pr = &mut p["pull_request"];
            pr["number"] = json!(self.number);
            pr["title"] = json!(format!("Fix all the bugs #{}", self.number));
            pr["created_at"] = json!(at(self.created));
            pr["updated_at"] = json!(at(updated));
            pr["head"]["ref"] = json!(format!("feature/fix-{}", self.number));
            pr["head"]["sha"] = json!(sha(u64::from(self.number) * 1000 + 2));
            pr["head"]["repo"]["full_name"] = json!(self.repo);
            pr["base"]["ref"] = json!("main");
            pr["base"]["repo"]["full_name"] = json!(self.repo);
            pr["labels"] = json!([]);
            if merged {
                pr["state"] = json!("closed");
                pr["merged"] = json!(true);
                pr["merged_at"] = json!(at(updated));
                pr["closed_at"] = json!(at(updated));
                pr["merge_commit_sha"] = json!(sha(u64::from(self.number) * 1000 + 3));
                pr["merged_by"] = template["pull_request"]["user"].clone();
                pr["merged_by"]["login"] = json!("octocat");
            }
            p
        };
        let second = Duration::seconds(1);
        let mut sync = pr_at("synchronize", self.t(60) + second, false);
        sync["before"] = json!(sha(u64::from(self.number) * 1000 + 1));
        sync["after"] = json!(sha(u64::from(self.number) * 1000 + 2));
        let mut review = json!({"action": "submitted", "review": {
            "id": 80_000 + u64::from(self.number), "user": {"login": "octocat", "type": "User"},
            "state": "approved", "submitted_at": at(self.t(120)), "commit_id": sha(u64::from(self.number) * 1000 + 2),
            "author_association": "MEMBER"}});
        let reviewed = pr_at("submitted", self.t(120), false);
        review["pull_request"] = reviewed["pull_request"].clone();
        review["repository"] = reviewed["repository"].clone();
        review["sender"] = json!({"login": "octocat", "type": "User"});
        vec![
            ("pull_request", pr_at("opened", self.created, false)),
            (
                "pull_request",
                pr_at("converted_to_draft", self.t(5) + second, false),
            ),
            (
                "pull_request",
                pr_at("ready_for_review", self.t(30) + second, false),
            ),
            ("pull_request", sync),
            ("pull_request_review", review),
            ("pull_request", pr_at("closed", self.t(180), true)),
        ]
    }
}

/// `n` PRs created a day apart (the newest two days ago), newest update first.
pub fn prs(repo: &str, n: u32) -> Vec<Pr> {
    let newest = Utc::now()
        .date_naive()
        .and_hms_opt(9, 0, 0)
        .unwrap()
        .and_utc()
        - Duration::days(2);
    (1..=n)
        .rev()
        .map(|i| Pr {
            number: i,
            repo: repo.to_owned(),
            created: newest - Duration::hours(i64::from(n - i) * 6),
        })
        .collect()
}

/// The history of `pulls` (nothing else).
pub fn history(pulls: &[Pr]) -> History {
    History {
        pulls: pulls.iter().map(Pr::node).collect(),
        ..History::default()
    }
}

/// A published release as `GET /repos/{owner}/{repo}/releases` lists it.
pub fn release(n: u64, published: DateTime<Utc>) -> Value {
    json!({
        "url": format!("https://api.github.com/repos/octocat/Hello-World/releases/{n}"),
        "html_url": format!("https://github.com/octocat/Hello-World/releases/v1.0.{n}"),
        "id": n, "node_id": "MDc6UmVsZWFzZTE=", "tag_name": format!("v1.0.{n}"), "target_commitish": "master",
        "name": format!("v1.0.{n}"), "body": "Description of the release", "draft": false, "prerelease": false,
        "created_at": at(published - Duration::minutes(10)), "published_at": at(published),
        "author": {"login": "octocat", "id": 1, "type": "User", "site_admin": false},
        "assets": []
    })
}
