//! Unit tests of the row sanitation, and the check that [`TABLES`] mirrors `migrations/`.

use super::*;
use crate::rows::Batch;
use regex::Regex;
use serde_json::json;
use std::collections::BTreeSet;

fn cleaned(
    table: Table,
    row: Value,
    secrets: &[&Secret],
) -> (Vec<Value>, Vec<Quarantined>, Cleaning) {
    let mut cleaning = Cleaning::default();
    let (keep, refused) = clean_rows(table, vec![row], secrets, &mut cleaning);
    (keep, refused, cleaning)
}

fn test_run() -> Value {
    json!({
        "repository": "o/r", "environment": "local", "run_id": "1", "run_timestamp": "2026-01-01T00:00:00Z",
        "test_type": "unit", "total_tests": 4, "passed_tests": 2, "failed_tests": 1, "errored_tests": 0,
        "skipped_tests": 1, "flaky_tests": 0, "execution_time_seconds": 1.5, "sha": null,
        "branch_name": null, "pr_number": null, "workflow_run_id": null, "workflow_run_attempt": null,
        "recorded_at": "2026-01-01T00:00:00Z", "metadata": {}
    })
}

fn deployment() -> Value {
    json!({
        "repository": "o/r", "environment": "production", "deployment_id": "run-1",
        "target_environment": "production", "is_production": true, "sha": "abc", "ref": "main",
        "status": "success", "kind": "deploy", "source": "workflow_run",
        "started_at": "2026-01-01T10:00:05Z", "finished_at": "2026-01-01T10:00:00Z",
        "duration_seconds": -5, "event_timestamp": "2026-01-01T10:00:00Z", "actor": "a",
        "recorded_at": "2026-01-01T10:00:00Z", "metadata": {}
    })
}

#[test]
fn a_valid_row_passes_unchanged() {
    let (keep, refused, cleaning) = cleaned(Table::TestRuns, test_run(), &[]);
    assert_eq!(keep, vec![test_run()]);
    assert!(refused.is_empty());
    assert!(cleaning.is_empty());
}

#[test]
fn nul_characters_are_stripped_from_every_string_and_key() {
    let mut row = test_run();
    row["branch_name"] = json!("fe\u{0}at");
    row["metadata"] = json!({"k\u{0}ey": ["a\u{0}b", {"deep": "\u{0}"}]});
    let (keep, refused, cleaning) = cleaned(Table::TestRuns, row, &[]);
    assert!(refused.is_empty());
    assert_eq!(keep[0]["branch_name"], "feat");
    assert_eq!(keep[0]["metadata"], json!({"key": ["ab", {"deep": ""}]}));
    assert!(!keep[0].to_string().contains("\\u0000"));
    assert_eq!(cleaning.count(Table::TestRuns, change::NUL), 1);
}

#[test]
fn known_keys_are_redacted_in_every_string() {
    let key = Secret::new("sb_secret_0123456789abcdef");
    let token = Secret::new("ghp_abcdefghijklmnop");
    let mut row = test_run();
    row["branch_name"] = json!("x sb_secret_0123456789abcdef y");
    row["metadata"] = json!({"note": ["token ghp_abcdefghijklmnop"], "ghp_abcdefghijklmnop": 1});
    let (keep, _, cleaning) = cleaned(Table::TestRuns, row, &[&key, &token]);
    let text = keep[0].to_string();
    assert!(
        !text.contains("sb_secret_0123456789abcdef") && !text.contains("ghp_abcdefghijklmnop"),
        "{text}"
    );
    assert_eq!(keep[0]["branch_name"], "x *** y");
    assert_eq!(keep[0]["metadata"]["note"][0], "token ***");
    assert_eq!(keep[0]["metadata"]["***"], 1);
    assert_eq!(cleaning.count(Table::TestRuns, change::SECRET), 1);
}

#[test]
fn a_key_cut_off_by_a_truncation_is_redacted_too() {
    let key = Secret::new("sb_secret_0123456789abcdef");
    let mut row = test_run();
    row["branch_name"] = json!("apikey sb_secret_0123456…");
    row["sha"] = json!("ends with sb_secret_012");
    row["test_type"] = json!("sb_secret_ alone is not a key");
    let token = Secret::new("ghp_abcdefghijklmnop");
    let (keep, _, _) = cleaned(Table::TestRuns, row, &[&token, &key]);
    assert_eq!(keep[0]["branch_name"], "apikey ***…");
    assert_eq!(keep[0]["sha"], "ends with ***");
    assert_eq!(keep[0]["test_type"], "sb_secret_ alone is not a key");
}

#[test]
fn a_start_after_the_finish_is_moved_to_the_finish_and_the_duration_to_zero() {
    let (keep, refused, cleaning) = cleaned(Table::DeploymentEvents, deployment(), &[]);
    assert!(refused.is_empty(), "{refused:?}");
    assert_eq!(keep[0]["started_at"], "2026-01-01T10:00:00Z");
    assert_eq!(keep[0]["finished_at"], "2026-01-01T10:00:00Z");
    assert_eq!(keep[0]["duration_seconds"], 0);
    assert_eq!(
        cleaning.count(
            Table::DeploymentEvents,
            "started_at after finished_at set to finished_at"
        ),
        1
    );
    assert_eq!(
        cleaning.count(
            Table::DeploymentEvents,
            "duration_seconds below 0 raised to 0"
        ),
        1
    );
    // Times in order are left alone, offsets included.
    let mut row = deployment();
    row["started_at"] = json!("2026-01-01T11:59:00+02:00");
    row["duration_seconds"] = json!(60);
    let (keep, _, cleaning) = cleaned(Table::DeploymentEvents, row.clone(), &[]);
    assert_eq!(keep, vec![row]);
    assert!(cleaning.is_empty());
}

#[test]
fn numbers_are_brought_into_their_column_range() {
    let mut row = json!({
        "repository": "o/r", "environment": "local", "pr_number": 7, "event_type": "merged",
        "event_timestamp": "2026-01-01T00:00:00Z", "event_key": "merged", "additions": 5_000_000_000_i64,
        "deletions": -5_000_000_000_i64, "changed_files": 2.6, "cycle_time_seconds": u64::MAX,
        "is_bot": false, "recorded_at": "2026-01-01T00:00:00Z", "metadata": {}
    });
    let (keep, refused, _) = cleaned(Table::PrEvents, row.clone(), &[]);
    assert!(refused.is_empty());
    assert_eq!(keep[0]["additions"], i32::MAX);
    assert_eq!(keep[0]["deletions"], i32::MIN);
    assert_eq!(keep[0]["changed_files"], 3);
    assert_eq!(keep[0]["cycle_time_seconds"], i64::MAX);
    // A value that is not a number is left for the database to judge.
    row["additions"] = json!("many");
    let (keep, _, _) = cleaned(Table::PrEvents, row, &[]);
    assert_eq!(keep[0]["additions"], "many");
}

#[test]
fn a_cycle_time_outside_a_merge_is_cleared() {
    let row = json!({
        "repository": "o/r", "environment": "local", "pr_number": 7, "event_type": "closed",
        "event_timestamp": "2026-01-01T00:00:00Z", "event_key": "closed", "cycle_time_seconds": 60,
        "recorded_at": "2026-01-01T00:00:00Z", "metadata": {}
    });
    let (keep, refused, _) = cleaned(Table::PrEvents, row, &[]);
    assert!(refused.is_empty());
    assert_eq!(keep[0]["cycle_time_seconds"], Value::Null);
}

#[test]
fn a_row_that_still_violates_a_constraint_is_kept_back_with_the_reason() {
    let refusal = |table, row: Value| {
        let (keep, refused, _) = cleaned(table, row, &[]);
        assert!(keep.is_empty());
        let q = refused.into_iter().next().unwrap();
        assert_eq!(q.refused_by, RefusedBy::Devmetrics);
        format!("{} {}", q.code, q.message)
    };
    let mut row = test_run();
    row["total_tests"] = json!(5);
    assert_eq!(
        refusal(Table::TestRuns, row),
        "23514 check (passed_tests + failed_tests + errored_tests + skipped_tests = total_tests) fails: 2 + 1 + 0 + 1 = 4, total_tests is 5"
    );
    let mut row = test_run();
    row["failed_tests"] = json!(-1);
    assert_eq!(
        refusal(Table::TestRuns, row),
        "23514 check (failed_tests >= 0) fails: failed_tests is -1"
    );
    let mut row = test_run();
    row["environment"] = json!("prod");
    assert!(refusal(Table::TestRuns, row).contains("environment is \"prod\""));
    let mut row = test_run();
    row["run_id"] = Value::Null;
    assert_eq!(
        refusal(Table::TestRuns, row),
        "23502 null value in column \"run_id\" violates its not-null constraint"
    );
    let mut row = test_run();
    row.as_object_mut().unwrap().remove("run_timestamp");
    assert!(refusal(Table::TestRuns, row).starts_with("23502"));
    let mut row = test_run();
    row["metadata"] = Value::Null;
    assert!(refusal(Table::TestRuns, row).contains("\"metadata\""));
    let metric = json!({
        "repository": "o/r", "environment": "local", "metric_date": "2026-01-06", "grain": "week",
        "metric_name": "x", "n": 1
    });
    assert!(
        refusal(Table::DevelopmentMetrics, metric).contains("2026-01-06 is a Tue, not a Monday")
    );
    let pr = json!({
        "repository": "o/r", "environment": "local", "pr_number": 0, "event_type": "opened",
        "event_timestamp": "2026-01-01T00:00:00Z", "event_key": "opened"
    });
    assert_eq!(
        refusal(Table::PrEvents, pr),
        "23514 check (pr_number > 0) fails: pr_number is 0"
    );
}

#[test]
fn batch_clean_keeps_refused_rows_apart_from_the_rows_to_send() {
    let mut batch = Batch::new();
    let mut bad = test_run();
    bad["total_tests"] = json!(9);
    batch.extend_values(Table::TestRuns, [test_run(), bad]);
    let changes = batch.clean(&[]);
    assert!(changes.is_empty());
    assert_eq!(batch.count(Table::TestRuns), 1);
    assert_eq!(batch.quarantined().len(), 1);
    assert_eq!(batch.quarantined()[0].row["total_tests"], 9);
}

/// What `migrations/` states, per table (`None`: the `environment_name` domain).
#[derive(Default, Debug)]
struct Stated {
    checks: BTreeSet<(Option<Table>, String)>,
    required: BTreeSet<(Table, String)>,
    defaulted: BTreeSet<(Table, String)>,
    integer: BTreeSet<(Table, String)>,
    bigint: BTreeSet<(Table, String)>,
}

/// Lower case, one space between words, none inside parentheses.
fn normalize(sql: &str) -> String {
    let words = sql
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    words.replace("( ", "(").replace(" )", ")")
}

/// The text inside the parenthesis that opens at `open`.
fn parenthesized(text: &str, open: usize) -> &str {
    let mut depth = 0;
    for (i, c) in text[open..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return &text[open + 1..open + i];
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced parentheses in a migration")
}

fn read_migrations() -> Stated {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let subject = Regex::new(
        r"(?i)\b(?:create|alter)\s+(table|domain)\s+(?:if\s+not\s+exists\s+)?(metrics|metrics_internal)\.(\w+)",
    )
    .unwrap();
    let check = Regex::new(r"(?i)\bcheck\s*\(").unwrap();
    let column = Regex::new(
        r"(?im)^\s*(?:add\s+column\s+(?:if\s+not\s+exists\s+)?)?([a-z_]+)\s+(integer|bigint|text|boolean|timestamptz|date|jsonb|double precision|metrics\.environment_name)\b(.*)$",
    )
    .unwrap();
    let mut stated = Stated::default();
    for file in files {
        let sql: String = std::fs::read_to_string(&file)
            .unwrap()
            .lines()
            .map(|l| l.split("--").next().unwrap())
            .collect::<Vec<_>>()
            .join("\n");
        // metrics_internal holds the triggers' bookkeeping, which no row of ours is sent to.
        let subjects: Vec<(usize, Option<Option<Table>>)> = subject
            .captures_iter(&sql)
            .map(|c| {
                let at = c.get(0).unwrap().start();
                if &c[2] == "metrics_internal" {
                    return (at, None);
                }
                let table = (c[1].eq_ignore_ascii_case("table")).then(|| {
                    Table::from_name(&c[3]).unwrap_or_else(|| panic!("unknown table {}", &c[3]))
                });
                (at, Some(table))
            })
            .collect();
        let subject_at = |at: usize| {
            subjects
                .iter()
                .rev()
                .find(|(s, _)| *s < at)
                .map(|(_, t)| *t)
        };
        for m in check.find_iter(&sql) {
            let expr = parenthesized(&sql, m.end() - 1);
            let Some(table) =
                subject_at(m.start()).expect("a CHECK inside a create/alter table or domain")
            else {
                continue;
            };
            stated.checks.insert((table, normalize(expr)));
        }
        for c in column.captures_iter(&sql) {
            let Some(Some(Some(table))) = subject_at(c.get(0).unwrap().start()) else {
                continue;
            };
            let (name, kind, rest) = (c[1].to_owned(), c[2].to_lowercase(), c[3].to_lowercase());
            if name == "id" || name == "constraint" || rest.contains("generated") {
                continue;
            }
            if rest.contains("not null") {
                let set = if rest.contains("default") {
                    &mut stated.defaulted
                } else {
                    &mut stated.required
                };
                set.insert((table, name.clone()));
            }
            match kind.as_str() {
                "integer" => stated.integer.insert((table, name)),
                "bigint" => stated.bigint.insert((table, name)),
                _ => false,
            };
        }
    }
    stated
}

fn mirrored(columns: impl Fn(&TableSpec) -> &'static [&'static str]) -> BTreeSet<(Table, String)> {
    TABLES
        .iter()
        .flat_map(|s| columns(s).iter().map(|c| (s.table, (*c).to_owned())))
        .collect()
}

#[test]
fn every_check_constraint_in_migrations_is_mirrored_and_nothing_else() {
    let stated = read_migrations();
    assert!(
        stated.checks.len() > 20,
        "the migration reader found too few checks: {stated:?}"
    );
    let mut ours: BTreeSet<(Option<Table>, String)> = TABLES
        .iter()
        .flat_map(|s| {
            s.checks
                .iter()
                .map(|c| (Some(s.table), normalize(&c.sql())))
        })
        .collect();
    ours.insert((
        None,
        normalize(&ENVIRONMENT.sql().replacen("environment", "value", 1)),
    ));
    let missing: Vec<_> = stated.checks.difference(&ours).collect();
    assert!(
        missing.is_empty(),
        "CHECK constraints in migrations/ not mirrored in rows::clean::TABLES: {missing:#?}"
    );
    let extra: Vec<_> = ours.difference(&stated.checks).collect();
    assert!(
        extra.is_empty(),
        "rows::clean::TABLES checks that migrations/ does not state: {extra:#?}"
    );
}

#[test]
fn not_null_and_integer_columns_in_migrations_are_mirrored() {
    let stated = read_migrations();
    assert_eq!(
        mirrored(|s| s.required),
        stated.required,
        "not null columns without a default"
    );
    assert_eq!(
        mirrored(|s| s.defaulted),
        stated.defaulted,
        "not null columns with a default"
    );
    assert_eq!(mirrored(|s| s.integer), stated.integer, "integer columns");
    assert_eq!(mirrored(|s| s.bigint), stated.bigint, "bigint columns");
}

#[test]
fn every_table_has_its_constraints_listed_once() {
    for table in Table::ALL {
        assert_eq!(
            TABLES.iter().filter(|s| s.table == table).count(),
            1,
            "{table}"
        );
    }
}
