//! Which commits a deployment carried, from the chain of recorded pushes to production
//! branches (`push_events`: before → after, with their commits). Git ancestry only: a push links
//! its `before` to its `after`, so walking back from the deployed sha through recorded pushes
//! until the previous deployment's sha gives exactly the commits in (previous, deployed]. A
//! missing link, a force push on the way, or a push whose commits were not all listed breaks
//! the chain: then nothing is decided here (the caller may ask GitHub's compare API).

use serde_json::Value;

/// A recorded push, as far as the chain needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedPush {
    /// The branch's sha before (absent or zeros: the push created the branch).
    pub before: Option<String>,
    /// The branch's sha after.
    pub after: String,
    /// A force push: `before` is not an ancestor of `after`.
    pub forced: bool,
    /// The shas of its commits, oldest first.
    pub commits: Vec<String>,
}

impl RecordedPush {
    /// From a `push_events` row read back from the sink; `None` when it lacks `after_sha`.
    pub fn from_row(row: &Value) -> Option<RecordedPush> {
        let text = |key: &str| row.get(key).and_then(Value::as_str).map(str::to_owned);
        let commits = row
            .get("commits")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(|c| c.get("sha").and_then(Value::as_str))
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        Some(RecordedPush {
            before: text("before_sha"),
            after: text("after_sha")?,
            forced: row.get("forced").and_then(Value::as_bool).unwrap_or(false),
            commits,
        })
    }

    fn created_the_branch(&self) -> bool {
        self.before
            .as_deref()
            .is_none_or(|b| b.is_empty() || b.chars().all(|c| c == '0'))
    }
}

fn same(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// The commits in (`base`, `head`], oldest first, from the recorded pushes; `Some(vec![])` when
/// `head` is `base` or an ancestor of it (a redeploy or a rollback puts nothing new live);
/// `None` when the chain cannot decide. Without `base` (no previous deployment) the chain must
/// reach the push that created the branch.
pub fn carried_by_pushes(
    pushes: &[RecordedPush],
    head: &str,
    base: Option<&str>,
) -> Option<Vec<String>> {
    if let Some(base) = base {
        if same(base, head) {
            return Some(Vec::new());
        }
        if walk(pushes, base, Some(head)).is_some() {
            // `head` is behind `base`: a rollback carries nothing new.
            return Some(Vec::new());
        }
    }
    walk(pushes, head, base)
}

fn walk(pushes: &[RecordedPush], head: &str, base: Option<&str>) -> Option<Vec<String>> {
    let mut segments: Vec<Vec<String>> = Vec::new();
    let mut at = head.to_owned();
    // Each push is used at most once: a cycle cannot loop.
    for _ in 0..=pushes.len() {
        if base.is_some_and(|b| same(b, &at)) {
            return walk_end(segments);
        }
        let push = pushes.iter().find(|p| same(&p.after, &at))?;
        if push.forced || push.commits.is_empty() {
            return None;
        }
        // The listed commits must end at `after`, or some were left out.
        let end = push.commits.iter().position(|c| same(c, &push.after))?;
        let commits = push.commits[..=end].to_vec();
        segments.push(commits);
        if push.created_the_branch() {
            return match base {
                // The branch's whole history is known, and the base is not in it.
                Some(_) => None,
                None => walk_end(segments),
            };
        }
        at = push.before.clone()?;
    }
    None
}

/// The segments (newest push first) as one list, oldest first, without repeats.
fn walk_end(segments: Vec<Vec<String>>) -> Option<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for sha in segments.into_iter().rev().flatten() {
        if !out.iter().any(|s| same(s, &sha)) {
            out.push(sha);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn push(before: &str, after: &str, commits: &[&str]) -> RecordedPush {
        RecordedPush {
            before: Some(before.into()),
            after: after.into(),
            forced: false,
            commits: commits.iter().map(|c| (*c).to_owned()).collect(),
        }
    }

    fn chain() -> Vec<RecordedPush> {
        vec![
            push("c3", "c5", &["c4", "c5"]),
            push("c2", "c3", &["c3"]),
            push("c1", "c2", &["c2"]),
            push("0000000", "c1", &["c1"]),
        ]
    }

    #[test]
    fn the_commits_since_the_previous_deployment_are_the_pushed_ones_in_order() {
        assert_eq!(
            carried_by_pushes(&chain(), "c5", Some("c2")),
            Some(vec!["c3".into(), "c4".into(), "c5".into()])
        );
        assert_eq!(
            carried_by_pushes(&chain(), "c3", Some("c2")),
            Some(vec!["c3".into()])
        );
    }

    #[test]
    fn a_redeploy_or_a_rollback_carries_nothing() {
        assert_eq!(carried_by_pushes(&chain(), "c3", Some("C3")), Some(vec![]));
        assert_eq!(carried_by_pushes(&chain(), "c2", Some("c5")), Some(vec![]));
    }

    #[test]
    fn a_broken_chain_decides_nothing() {
        let mut pushes = chain();
        pushes.remove(1);
        assert_eq!(carried_by_pushes(&pushes, "c5", Some("c2")), None);
        // The previous deployment is not on the branch's history.
        assert_eq!(carried_by_pushes(&chain(), "c5", Some("zz")), None);
        // A force push on the way.
        let mut forced = chain();
        forced[0].forced = true;
        assert_eq!(carried_by_pushes(&forced, "c5", Some("c2")), None);
        // A push whose listed commits do not end at its after sha.
        let mut cut = chain();
        cut[0].commits = vec!["c4".into()];
        assert_eq!(carried_by_pushes(&cut, "c5", Some("c2")), None);
    }

    #[test]
    fn a_first_deployment_carries_the_branch_history_only_when_it_is_all_recorded() {
        assert_eq!(
            carried_by_pushes(&chain(), "c3", None),
            Some(vec!["c1".into(), "c2".into(), "c3".into()])
        );
        let mut pushes = chain();
        pushes.pop();
        assert_eq!(carried_by_pushes(&pushes, "c3", None), None);
    }

    #[test]
    fn rows_read_back_from_the_sink_become_links() {
        let row = serde_json::json!({
            "before_sha": "c1", "after_sha": "c2", "forced": false,
            "commits": [{"sha": "c2", "timestamp": "2026-01-01T00:00:00Z"}]
        });
        assert_eq!(
            RecordedPush::from_row(&row),
            Some(push("c1", "c2", &["c2"]))
        );
        assert_eq!(RecordedPush::from_row(&serde_json::json!({})), None);
    }
}
