//! The migrations of the keys both sides agree on, run on rows keyed the previous way.

use crate::common::*;

#[test]
fn the_key_migrations_rewrite_keys_stored_before_them_and_drop_what_became_duplicates() {
    let stack = Stack::get();
    let repo = unique_repository("backfill-migration");
    let r = repo.replace('\'', "''");
    // Rows as the previous definitions keyed them: two ready_for_review toggles in one minute,
    // a synchronize, a deployment verdict under the bare id and one already under the new name.
    let setup = format!(
        "insert into metrics.pr_events (repository, environment, pr_number, event_type, event_timestamp, event_key, metadata) values
           ('{r}', 'production', 1, 'ready_for_review', '2026-11-20T10:30:01Z', 'ready_for_review@2026-11-20T10:30:01Z', '{{}}'),
           ('{r}', 'production', 1, 'ready_for_review', '2026-11-20T10:30:40Z', 'ready_for_review@2026-11-20T10:30:40Z', '{{}}'),
           ('{r}', 'production', 1, 'synchronize', '2026-11-20T11:00:01Z', 'synchronize@2026-11-20T11:00:01Z', '{{\"after\": \"abc\"}}'),
           ('{r}', 'production', 1, 'opened', '2026-11-20T10:00:00Z', 'opened@2026-11-20T10:00:00Z', '{{}}');
         insert into metrics.rule_compliance_events (repository, environment, rule_name, rule_category, compliance_status, context_type, context_id, event_timestamp) values
           ('{r}', 'production', 'deployment-tested', 'deployment', 'compliant', 'deployment', '42', now()),
           ('{r}', 'production', 'deployment-tested', 'deployment', 'compliant', 'deployment', '43', now()),
           ('{r}', 'production', 'deployment-tested', 'deployment', 'violation', 'deployment', 'deployment:43', now());"
    );
    let check = format!(
        "select string_agg(event_key, ' ' order by event_key) from metrics.pr_events where repository = '{r}';
         select string_agg(context_id || '=' || compliance_status, ' ' order by context_id) from metrics.rule_compliance_events where repository = '{r}';"
    );
    let root = repo_root().join("migrations");
    // Inside one transaction, rolled back: other tests' rows are never rewritten.
    let out = stack
        .psql_command("postgres")
        .args(["-A", "-t", "-c", "begin", "-c", &setup, "-f"])
        .arg(root.join("20261202230000_pr_event_keys_both_sides_agree.sql"))
        .arg("-f")
        .arg(root.join("20261202230100_deployment_rule_context_ids.sql"))
        .args(["-c", &check, "-c", "rollback"])
        .output()
        .expect("psql runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(
        lines,
        [
            "opened@2026-11-20T10:00:00Z ready_for_review@2026-11-20T10:30Z synchronize:abc",
            "deployment:42=compliant deployment:43=violation",
        ]
    );
    assert_eq!(stack.count("pr_events", &repo), 0, "rolled back");
}
