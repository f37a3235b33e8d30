//! `merge_group` events: never rows (the merge itself is recorded by the pull_request closed
//! event and the push), but a skip that names the PR the queue is testing.

use super::{skip, Conversion};
use crate::rows::short_sha;
use crate::sources::event::MergeGroupPayload;

pub(super) fn merge_group(p: &MergeGroupPayload) -> Conversion {
    let g = &p.merge_group;
    let pr = g
        .pr_number()
        .map_or_else(|| "a pull request".to_owned(), |n| format!("PR #{n}"));
    skip(format!(
        "merge_group `{}` ignored: the merge queue is testing {pr} ({}); the merge itself is \
         recorded by the pull_request closed event and the push to {}",
        p.action,
        short_sha(&g.head_sha),
        g.base_ref
            .as_deref()
            .and_then(|r| r.strip_prefix("refs/heads/"))
            .unwrap_or("the base branch"),
    ))
}
