//! `devmetrics prune` against the local stack: old rows archived, read back, deleted, newer rows
//! kept; the archive loaded back (the documented `psql` line restores the rows exactly, ids
//! included; `replay` restores them with new ids); a failed archive (a directory that cannot be
//! created, a full disk, a file that reads back wrong) deletes nothing; rows arriving during a
//! run are never deleted unarchived; only service_role may run the delete function.
//!
//! Rows are seeded with SQL as the `postgres` superuser, one repository per test, and checked
//! in the database itself (`to_jsonb` of each row), independently of the API prune reads.
//! The failures are in [`failures`].

mod failures;

use crate::common::{devmetrics, repo_root, text, unique_repository, workdir, Stack};
use chrono::{Days, Duration, SecondsFormat, Utc};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Every table with its event time column (as migrations/ define them).
const TABLES: [(&str, &str); 7] = [
    ("pr_events", "event_timestamp"),
    ("deployment_events", "event_timestamp"),
    ("push_events", "pushed_at"),
    ("test_runs", "run_timestamp"),
    ("test_case_results", "run_timestamp"),
    ("rule_compliance_events", "event_timestamp"),
    ("development_metrics", "metric_date"),
];

/// 00:00 UTC of the day 730 days ago: the default cut-off.
fn cut_off() -> chrono::DateTime<Utc> {
    (Utc::now().date_naive() - Days::new(730))
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
}

fn rfc3339(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The old times seeded in every table: two in January 2020 (one at the month's last second),
/// one in March 2020, and the last second before the cut-off.
fn old_times() -> Vec<String> {
    vec![
        "2020-01-15T10:00:00Z".into(),
        "2020-01-31T23:59:59Z".into(),
        "2020-03-01T00:00:00Z".into(),
        rfc3339(cut_off() - Duration::seconds(1)),
    ]
}

/// The newer times: the cut-off itself (kept: not before it) and yesterday.
fn new_times() -> Vec<String> {
    vec![rfc3339(cut_off()), rfc3339(Utc::now() - Duration::days(1))]
}

/// Inserts one row per time into every table for `repository`, rows numbered from `first`;
/// each row's metadata holds `noise` random hex characters (to fill a disk) and text that JSON
/// and COPY escape (line break, quote, backslash, accents).
fn seed(stack: &Stack, repository: &str, times: &[String], first: usize, noise: usize) {
    let r = repository.replace('\'', "''");
    let mut sql = String::from("begin;\n");
    for (i, t) in times.iter().enumerate() {
        let i = first + i;
        let m = format!(
            "jsonb_build_object('text', e'line one\\nline \"two\" \\\\ \u{e9}t\u{e9}', 'noise', \
             (select coalesce(string_agg(md5(random()::text), ''), '') from generate_series(1, {})))",
            noise.div_ceil(32)
        );
        sql += &format!(
            "insert into metrics.pr_events (repository, environment, pr_number, event_type, event_timestamp, event_key, metadata) \
             values ('{r}', 'production', {n}, 'opened', '{t}', 'opened@{t}', {m});\n\
             insert into metrics.deployment_events (repository, environment, deployment_id, status, source, event_timestamp, metadata) \
             values ('{r}', 'production', 'deployment:{i}', 'success', 'deployment_status', '{t}', {m});\n\
             insert into metrics.push_events (repository, environment, branch, branch_class, after_sha, pushed_at, direct_push, commits, metadata) \
             values ('{r}', 'production', 'main', 'production', 'sha{i}', '{t}', true, '[{{\"sha\": \"c{i}\", \"timestamp\": \"{t}\"}}]', {m});\n\
             insert into metrics.test_runs (repository, environment, run_id, run_timestamp, total_tests, passed_tests, failed_tests, skipped_tests, metadata) \
             values ('{r}', 'production', 'gh:{i}', '{t}', 3, 1, 1, 1, {m});\n\
             insert into metrics.test_case_results (repository, environment, run_id, run_timestamp, test_name, outcome, message, duration_seconds, metadata) \
             values ('{r}', 'production', 'gh:{i}', '{t}', 'test {i}', 'failed', e'assert\\n  left: 1.5', 0.125, {m});\n\
             insert into metrics.rule_compliance_events (repository, environment, rule_name, rule_category, compliance_status, context_type, context_id, event_timestamp, details, metadata) \
             values ('{r}', 'production', 'pr-title', 'process', 'violation', 'pull_request', '{i}', '{t}', 'no prefix', {m});\n\
             insert into metrics.development_metrics (repository, environment, metric_date, grain, metric_name, value, n, metadata) \
             values ('{r}', 'production', ('{t}'::timestamptz at time zone 'UTC')::date, 'day', 'metric_{i}', 0.1, 1, {m});\n",
            n = i + 1
        );
    }
    sql += "commit;";
    stack.psql("postgres", &sql);
}

/// The rows of `table` for `repository` with their event time before (`old`) or not before the
/// cut-off, as one JSON array ordered by id (`to_jsonb` of each row: every column, id included).
fn rows(stack: &Stack, table: &str, column: &str, repository: &str, old: bool) -> String {
    stack.psql(
        "postgres",
        &format!(
            "set timezone = 'UTC'; select coalesce(jsonb_agg(to_jsonb(t) order by t.id), '[]') from metrics.{table} t \
             where repository = '{}' and ({column} < '{}') = {old}",
            repository.replace('\'', "''"),
            rfc3339(cut_off())
        ),
    )
}

/// The same without ids, ordered by content (rows restored by `replay` get new ids).
fn rows_without_ids(stack: &Stack, table: &str, column: &str, repository: &str) -> String {
    stack.psql(
        "postgres",
        &format!(
            "set timezone = 'UTC'; select coalesce(jsonb_agg(r order by r::text), '[]') from \
             (select to_jsonb(t) - 'id' as r from metrics.{table} t where repository = '{}' and {column} < '{}') s",
            repository.replace('\'', "''"),
            rfc3339(cut_off())
        ),
    )
}

/// The event times of `table`'s rows for `repository`, RFC 3339 UTC, ordered.
fn times(stack: &Stack, table: &str, repository: &str) -> Vec<String> {
    let column = TABLES.iter().find(|(t, _)| *t == table).unwrap().1;
    stack
        .psql(
            "postgres",
            &format!(
                "select to_char({column} at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') \
                 from metrics.{table} where repository = '{repository}' order by 1"
            ),
        )
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Every table's old and new rows.
fn snapshot(stack: &Stack, repository: &str) -> Vec<(String, String)> {
    TABLES
        .iter()
        .map(|(t, c)| {
            (
                rows(stack, t, c, repository, true),
                rows(stack, t, c, repository, false),
            )
        })
        .collect()
}

/// The environment of a run against the stack with the service role key.
fn env(stack: &Stack) -> Vec<(&'static str, String)> {
    vec![
        ("SUPABASE_URL", stack.supabase_url.clone()),
        ("SUPABASE_SERVICE_ROLE_KEY", stack.service_role_key.clone()),
    ]
}

fn prune(dir: &Path, repository: &str, archive: &Path, extra: &[&str]) -> std::process::Output {
    let stack = Stack::get();
    let archive = archive.display().to_string();
    let mut args = vec![
        "prune",
        "--repository",
        repository,
        "--archive-dir",
        &archive,
    ];
    args.extend_from_slice(extra);
    devmetrics(dir, &args, &env(&stack))
}

/// The archive directory of `repository` under `root`.
fn repo_dir(root: &Path, repository: &str) -> PathBuf {
    root.join(repository)
}

/// The months seeded before the cut-off: 2020-01, 2020-03 and the cut-off's day before.
fn old_months() -> Vec<String> {
    let last = (cut_off() - Duration::seconds(1))
        .format("%Y-%m")
        .to_string();
    vec!["2020-01".into(), "2020-03".into(), last]
}

/// Runs the load-back line of docs/retention.md (the block after `<!-- load-back: psql -->`)
/// for one archive file, as written there, with `psql` of the stack on PATH.
fn load_back_with_psql(stack: &Stack, file: &Path, table: &str) {
    let docs = std::fs::read_to_string(repo_root().join("docs/retention.md")).unwrap();
    let block = docs
        .split("<!-- load-back: psql -->")
        .nth(1)
        .expect("docs/retention.md has the load-back block")
        .split("```sh\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    let script: String = block
        .lines()
        .filter(|l| !l.starts_with("file=") && !l.starts_with("table="))
        .collect::<Vec<_>>()
        .join("\n");
    let out = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .env("file", file)
        .env("table", table)
        .env(
            "DATABASE_URL",
            format!("postgresql://postgres@127.0.0.1:{}/postgres", stack.pg_port),
        )
        .env(
            "PATH",
            format!("{}:{}", stack.pg_bin, std::env::var("PATH").unwrap()),
        )
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the documented psql line failed for {}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn prune_archives_checks_and_deletes_only_rows_older_than_the_cut_off_and_psql_loads_them_back_exactly(
) {
    let stack = Stack::get();
    let repository = unique_repository("prune-round-trip");
    seed(&stack, &repository, &old_times(), 0, 0);
    seed(&stack, &repository, &new_times(), 100, 0);
    let before = snapshot(&stack, &repository);
    let dir = workdir();
    let archive = dir.path().join("archive");

    let run = prune(dir.path(), &repository, &archive, &[]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));

    let after = snapshot(&stack, &repository);
    for (i, (table, _)) in TABLES.iter().enumerate() {
        // Newer rows are untouched; development_metrics is kept without --include-metrics.
        assert_eq!(after[i].1, before[i].1, "{table}: newer rows");
        if *table == "development_metrics" {
            assert_eq!(after[i].0, before[i].0, "{table} is kept by default");
            continue;
        }
        assert_eq!(
            after[i].0,
            "[]",
            "{table}: old rows deleted\n{}",
            text(&run)
        );
    }

    // The archive: one file per table and month, listed by the manifest with its sha256.
    let base = repo_dir(&archive, &repository);
    let manifests: Vec<PathBuf> = std::fs::read_dir(&base)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    assert_eq!(manifests.len(), 1, "{manifests:?}");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifests[0]).unwrap()).unwrap();
    assert_eq!(manifest["repository"], repository.as_str());
    let files = manifest["files"].as_array().unwrap();
    assert_eq!(files.len(), 6 * 3, "6 tables x 3 months: {manifest}");
    for file in files {
        let path = base.join(file["path"].as_str().unwrap());
        let bytes = std::fs::read(&path).unwrap();
        let sha = Command::new("sha256sum").arg(&path).output().unwrap();
        let sha = String::from_utf8_lossy(&sha.stdout);
        assert_eq!(sha.split_whitespace().next(), file["sha256"].as_str());
        assert!(bytes.starts_with(&[0x1f, 0x8b]), "gzip: {}", path.display());
        let expected = if file["month"] == "2020-01" { 2 } else { 1 };
        assert_eq!(file["rows"], expected, "{file}");
    }
    for month in old_months() {
        assert!(base.join(format!("test_runs/{month}.jsonl.gz")).exists());
    }
    assert!(!base.join("development_metrics").exists());

    // Loaded back with the documented psql line: every column equal, ids included.
    for file in files {
        load_back_with_psql(
            &stack,
            &base.join(file["path"].as_str().unwrap()),
            file["table"].as_str().unwrap(),
        );
    }
    assert_eq!(snapshot(&stack, &repository), before, "restored exactly");
}

#[test]
fn an_archive_gunzipped_into_the_spool_is_restored_by_replay_with_new_ids() {
    let stack = Stack::get();
    let repository = unique_repository("prune-replay");
    seed(&stack, &repository, &old_times(), 0, 0);
    let before: Vec<String> = TABLES
        .iter()
        .map(|(t, c)| rows_without_ids(&stack, t, c, &repository))
        .collect();
    let dir = workdir();
    let archive = dir.path().join("archive");
    let run = prune(dir.path(), &repository, &archive, &["--include-metrics"]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    for (table, _) in TABLES {
        assert_eq!(stack.count(table, &repository), 0, "{table}");
    }

    // docs/retention.md: gunzip -c <file> > development-metrics/spool/<name>.jsonl; replay.
    let spool = dir.path().join("development-metrics/spool");
    std::fs::create_dir_all(&spool).unwrap();
    let base = repo_dir(&archive, &repository);
    let mut n = 0;
    for (table, _) in TABLES {
        for entry in std::fs::read_dir(base.join(table)).unwrap() {
            let path = entry.unwrap().path();
            let out = Command::new("gunzip")
                .arg("-c")
                .arg(&path)
                .output()
                .unwrap();
            assert!(out.status.success());
            n += 1;
            std::fs::write(spool.join(format!("restore-{n}.jsonl")), out.stdout).unwrap();
        }
    }
    assert_eq!(n, 7 * 3);
    let run = devmetrics(dir.path(), &["replay"], &env(&stack));
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    for (i, (table, column)) in TABLES.iter().enumerate() {
        assert_eq!(
            rows_without_ids(&stack, table, column, &repository),
            before[i],
            "{table}: restored by replay"
        );
    }
}

#[test]
fn a_dry_run_counts_per_table_and_month_and_writes_and_deletes_nothing() {
    let stack = Stack::get();
    let repository = unique_repository("prune-dry-run");
    seed(&stack, &repository, &old_times(), 0, 0);
    seed(&stack, &repository, &new_times(), 100, 0);
    let before = snapshot(&stack, &repository);
    let dir = workdir();
    let archive = dir.path().join("archive");
    let run = prune(
        dir.path(),
        &repository,
        &archive,
        &["--dry-run", "--include-metrics"],
    );
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    let out = text(&run);
    for (table, _) in TABLES {
        for month in old_months() {
            let n = if month == "2020-01" { 2 } else { 1 };
            let line = format!(
                "dry run: {n} row(s) of metrics.{table} for {month} would be archived and deleted"
            );
            assert!(out.contains(&line), "{line}\n{out}");
        }
    }
    assert!(out.contains("dry run: 28 row(s) older than"), "{out}");
    assert!(!archive.exists(), "a dry run writes nothing");
    assert_eq!(snapshot(&stack, &repository), before);
}

#[test]
fn a_month_of_more_rows_than_a_page_is_archived_and_deleted_whole() {
    let stack = Stack::get();
    let repository = unique_repository("prune-pages");
    // 2 500 rows in June 2019: three pages of 1 000 (the last one short), then an empty one.
    stack.psql(
        "postgres",
        &format!(
            "insert into metrics.test_case_results (repository, environment, run_id, run_timestamp, test_name, outcome) \
             select '{repository}', 'production', 'gh:' || (g / 100), '2019-06-01T00:00:00Z'::timestamptz + g * interval '10 minutes', \
                    'test ' || g, 'failed' from generate_series(1, 2500) g"
        ),
    );
    let dir = workdir();
    let archive = dir.path().join("archive");
    let run = prune(dir.path(), &repository, &archive, &[]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    assert_eq!(stack.count("test_case_results", &repository), 0);
    let lines = devmetrics::sinks::archive::read_file(
        &repo_dir(&archive, &repository).join("test_case_results/2019-06.jsonl.gz"),
    )
    .unwrap();
    assert_eq!(lines.len(), 2500);
    let mut ids: Vec<i64> = lines.iter().map(|(_, id, _)| *id).collect();
    ids.dedup();
    assert_eq!(ids.len(), 2500, "no row twice");
}
