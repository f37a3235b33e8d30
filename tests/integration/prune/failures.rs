//! `prune` when something goes wrong: a directory that cannot be created, a full disk, a file
//! that reads back wrong (each deletes nothing); rows arriving or changing during a run (never
//! deleted unarchived); and who may run the delete function.

use super::{cut_off, env, old_times, prune, rfc3339, rows, seed, snapshot, times, TABLES};
use crate::common::{text, unique_repository, workdir, Stack};
use chrono::Duration;
use devmetrics::cli::Cli;
use devmetrics::output::Output;
use devmetrics::settings::Settings;
use std::path::{Path, PathBuf};
use std::process::Command;

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
