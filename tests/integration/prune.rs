//! `devmetrics prune` against the local stack: old rows archived, read back, deleted, newer rows
//! kept; the archive loaded back (the documented `psql` line restores the rows exactly, ids
//! included; `replay` restores them with new ids); a failed archive (a directory that cannot be
//! created, a full disk, a file that reads back wrong) deletes nothing; rows arriving during a
//! run are never deleted unarchived; only service_role may run the delete function.
//!
//! Rows are seeded with SQL as the `postgres` superuser, one repository per test, and checked
//! in the database itself (`to_jsonb` of each row), independently of the API prune reads.

use crate::common::{devmetrics, repo_root, text, unique_repository, workdir, Stack};
use chrono::{Days, Duration, SecondsFormat, Utc};
use devmetrics::cli::Cli;
use devmetrics::output::Output;
use devmetrics::settings::Settings;
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

/// Runs prune for a seeded repository with its archive at `archive`; checks that it failed
/// with exit 3 saying `expected`, and that no row of any table changed.
fn fails_and_deletes_nothing(archive: &Path, noise: usize, expected: &str) {
    let stack = Stack::get();
    let repository = unique_repository("prune-fails");
    seed(&stack, &repository, &old_times(), 0, noise);
    let before = snapshot(&stack, &repository);
    let dir = workdir();
    let run = prune(dir.path(), &repository, archive, &["--include-metrics"]);
    assert_eq!(run.status.code(), Some(3), "{}", text(&run));
    let out = text(&run);
    assert!(out.contains("nothing was deleted"), "{out}");
    assert!(out.contains(expected), "{expected}\n{out}");
    assert_eq!(snapshot(&stack, &repository), before, "nothing deleted");
}

#[test]
fn an_archive_directory_that_cannot_be_created_deletes_nothing() {
    // Root ignores permission bits; a path through a regular file fails for everyone.
    let dir = workdir();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "not a directory").unwrap();
    fails_and_deletes_nothing(&file.join("archive"), 0, "Not a directory");
}

/// A tmpfs of `size`, unmounted when dropped.
struct TinyDisk {
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl TinyDisk {
    fn mount(size: &str) -> TinyDisk {
        let dir = workdir();
        let path = dir.path().join("disk");
        std::fs::create_dir(&path).unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&path)
            .output()
            .expect("mount runs");
        assert!(
            out.status.success(),
            "the disk-full test mounts a tiny tmpfs and needs root with CAP_SYS_ADMIN (as CI has): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        TinyDisk { path, _dir: dir }
    }
}

impl Drop for TinyDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.path).status();
    }
}

#[test]
fn a_full_disk_while_archiving_deletes_nothing() {
    // 28 rows of 4 KiB of random hex each: about 60 KiB of gzip for a 16 KiB disk. The first
    // files fit; a later one does not.
    let disk = TinyDisk::mount("16k");
    fails_and_deletes_nothing(&disk.path.join("archive"), 4096, "No space left on device");
    let written = walk(&disk.path);
    assert!(
        !written.is_empty() && written.iter().all(|p| !p.ends_with(".json")),
        "some files were written, no manifest: {written:?}"
    );
}

/// Every file under `dir`, as strings.
fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path.display().to_string());
        }
    }
    out
}

/// Runs prune in the library with a hook between writing each archive file and reading it
/// back (`prune_with`; the binary never has one).
fn prune_with_hook(
    repository: &str,
    archive: &Path,
    hook: impl Fn(&Path),
) -> Result<i32, devmetrics::error::Error> {
    let stack = Stack::get();
    let archive = archive.display().to_string();
    let cli = <Cli as clap::Parser>::try_parse_from([
        "devmetrics",
        "prune",
        "--repository",
        repository,
        "--archive-dir",
        &archive,
    ])
    .unwrap();
    let env: Vec<(String, String)> = env(&stack)
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    let settings = Settings::from_cli(cli, env).unwrap();
    let out = Output::new(false, Vec::new());
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(devmetrics::commands::prune::prune_with(
            &settings, &out, hook,
        ))
}

#[test]
fn an_archive_file_that_reads_back_wrong_deletes_nothing() {
    let stack = Stack::get();
    let repository = unique_repository("prune-read-back");
    seed(&stack, &repository, &old_times(), 0, 0);
    let before = snapshot(&stack, &repository);
    let dir = workdir();
    let n = std::cell::Cell::new(0);
    // The fifth file written loses its last bytes on disk (as a failing disk would do).
    let result = prune_with_hook(&repository, &dir.path().join("archive"), |path| {
        n.set(n.get() + 1);
        if n.get() == 5 {
            let bytes = std::fs::read(path).unwrap();
            std::fs::write(path, &bytes[..bytes.len() - 9]).unwrap();
        }
    });
    let err = result.expect_err("a file that reads back wrong fails the run");
    let rendered = err.render();
    assert!(
        rendered.contains("does not read back as written; nothing was deleted"),
        "{rendered}"
    );
    assert!(rendered.contains("its sha256 is"), "{rendered}");
    assert_eq!(err.exit_code(), 3);
    assert_eq!(snapshot(&stack, &repository), before, "nothing deleted");
}

#[test]
fn a_row_arriving_older_than_the_cut_off_during_a_run_is_kept_for_the_next_run() {
    let stack = Stack::get();
    let repository = unique_repository("prune-late-row");
    seed(&stack, &repository, &old_times(), 0, 0);
    let dir = workdir();
    let once = std::sync::Once::new();
    // After the first file is written (pr_events of 2020-01, read just before), a backfill adds
    // a pull request event of that month: it was not archived, so it must not be deleted.
    let r = repository.clone();
    let code = prune_with_hook(&repository, &dir.path().join("archive"), |_| {
        once.call_once(|| {
            stack.psql(
                "postgres",
                &format!(
                    "insert into metrics.pr_events (repository, environment, pr_number, event_type, event_timestamp, event_key) \
                     values ('{r}', 'production', 77, 'opened', '2020-01-20T12:00:00Z', 'opened@late')"
                ),
            );
        })
    })
    .unwrap();
    assert_eq!(code, 0);
    for (table, _) in TABLES {
        let expected = match table {
            "pr_events" => 1,
            "development_metrics" => 4,
            _ => 0,
        };
        assert_eq!(
            stack.count(table, &repository),
            expected,
            "{table}: only the late row is left (and development_metrics)"
        );
    }
    assert_eq!(
        times(&stack, "pr_events", &repository),
        vec!["2020-01-20T12:00:00Z"]
    );
}

#[test]
fn the_delete_refuses_and_deletes_nothing_of_a_file_whose_rows_the_database_no_longer_all_holds() {
    let stack = Stack::get();
    let repository = unique_repository("prune-gone");
    seed(&stack, &repository, &old_times(), 0, 0);
    let dir = workdir();
    let once = std::sync::Once::new();
    // After the archive is written, one archived pr_events row of 2020-01 is deleted by
    // someone else: the archive and the database disagree, the function refuses that file.
    let r = repository.clone();
    let result = prune_with_hook(&repository, &dir.path().join("archive"), |_| {
        once.call_once(|| {
            stack.psql(
                "postgres",
                &format!(
                    "delete from metrics.pr_events where repository = '{r}' and event_timestamp = '2020-01-15T10:00:00Z'"
                ),
            );
        })
    });
    let err = result.expect_err("the delete is refused");
    let rendered = err.render();
    assert!(
        rendered
            .contains("could not delete the 2 archived row(s) of metrics.pr_events for 2020-01"),
        "{rendered}"
    );
    assert!(rendered.contains("nothing deleted"), "{rendered}");
    // The other row of that month is still there; pr_events was the first file: nothing else went.
    assert_eq!(
        times(&stack, "pr_events", &repository),
        vec![
            "2020-01-31T23:59:59Z".to_owned(),
            "2020-03-01T00:00:00Z".to_owned(),
            rfc3339(cut_off() - Duration::seconds(1)),
        ]
    );
    assert_eq!(stack.count("test_runs", &repository), 4);
}

/// `POST /rpc/prune_archived_rows` with `key` as apikey and `bearer` as the JWT; returns the
/// status and body.
fn call_delete(stack: &Stack, key: &str, bearer: &str, body: serde_json::Value) -> (u16, String) {
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let response = reqwest::Client::new()
            .post(format!("{}/rpc/prune_archived_rows", stack.rest_url()))
            .header("apikey", key)
            .header("authorization", format!("Bearer {bearer}"))
            .header("content-profile", "metrics")
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .expect("the gateway answers");
        (
            response.status().as_u16(),
            response.text().await.unwrap_or_default(),
        )
    })
}

#[test]
fn anon_and_authenticated_cannot_run_the_delete_function_and_service_role_deletes_only_rows_equal_to_their_archived_copy(
) {
    let stack = Stack::get();
    let repository = unique_repository("prune-grants");
    seed(&stack, &repository, &old_times(), 0, 0);
    // The rows as archived: every column, id included (as prune sends them back).
    let archived: Vec<serde_json::Value> = serde_json::from_str(&rows(
        &stack,
        "test_runs",
        "run_timestamp",
        &repository,
        true,
    ))
    .unwrap();
    assert_eq!(archived.len(), 4);
    let body = |rows: &[serde_json::Value], expected: usize| {
        serde_json::json!({
            "p_table": "test_runs",
            "p_repository": repository,
            "p_before": rfc3339(cut_off()),
            "p_rows": rows,
            "p_expected_count": expected,
        })
    };
    let (status, answer) =
        call_delete(&stack, &stack.anon_key, &stack.anon_key, body(&archived, 4));
    assert!(matches!(status, 401 | 403), "anon: {status} {answer}");
    let (status, answer) = call_delete(
        &stack,
        &stack.anon_key,
        &stack.authenticated_jwt,
        body(&archived, 4),
    );
    assert!(
        matches!(status, 401 | 403),
        "authenticated: {status} {answer}"
    );
    assert_eq!(stack.count("test_runs", &repository), 4);
    // A count that is not the number of rows given: refused.
    let key = &stack.service_role_key;
    let (status, answer) = call_delete(&stack, key, key, body(&archived, 3));
    assert_eq!(status, 400, "{answer}");
    assert_eq!(stack.count("test_runs", &repository), 4);
    let (status, answer) = call_delete(&stack, key, key, body(&archived[..2], 2));
    assert_eq!((status, answer.as_str()), (200, "2"));
    // Since archived: one row moved past the cut-off, one changed in place. Neither is
    // deleted, and a request naming one of them deletes nothing at all.
    let id = |i: usize| archived[i]["id"].as_i64().unwrap();
    stack.psql(
        "postgres",
        &format!(
            "update metrics.test_runs set run_timestamp = now() where id = {}; \
             update metrics.test_runs set metadata = metadata || '{{\"completed\": true}}' where id = {}",
            id(2),
            id(3)
        ),
    );
    for rows in [&archived[2..], &archived[2..3], &archived[3..]] {
        let (status, answer) = call_delete(&stack, key, key, body(rows, rows.len()));
        assert_eq!(status, 400, "{answer}");
        assert!(answer.contains("nothing deleted"), "{answer}");
        assert_eq!(stack.count("test_runs", &repository), 2);
    }
    // The changed row, archived again as it is now, goes.
    let now: Vec<serde_json::Value> = serde_json::from_str(&rows(
        &stack,
        "test_runs",
        "run_timestamp",
        &repository,
        true,
    ))
    .unwrap();
    assert_eq!(now.len(), 1);
    assert_eq!(now[0]["metadata"]["completed"], true);
    let (status, answer) = call_delete(&stack, key, key, body(&now, 1));
    assert_eq!((status, answer.as_str()), (200, "1"));
    assert_eq!(
        stack.count("test_runs", &repository),
        1,
        "the row moved past the cut-off stays"
    );
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
