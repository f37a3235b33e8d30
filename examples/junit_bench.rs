//! Reads JUnit files with devmetrics' streaming reader and prints what it counted and how fast:
//! `cargo run --release --example junit_bench -- FILE...` (used by `bench/junit/run.sh`).
//! With `JUNIT_BENCH_DUMP=PATH` it also writes the whole report (every kept record, the slowest
//! tests, the file summaries) to PATH, to compare two builds of the reader on the same files.

use devmetrics::sources::junit::{Collector, ReadOptions};
use std::time::Instant;

fn main() {
    let files: Vec<String> = std::env::args().skip(1).collect();
    if files.is_empty() {
        eprintln!("usage: junit_bench FILE...");
        std::process::exit(2);
    }
    let start = Instant::now();
    let mut bytes = 0u64;
    let mut collector = Collector::new(ReadOptions::default());
    for f in &files {
        bytes += std::fs::metadata(f).map(|m| m.len()).unwrap_or(0);
        if let Err(e) = collector.read_path(std::path::Path::new(f), f, "unit") {
            eprintln!("{}", e.render());
            std::process::exit(1);
        }
    }
    let report = collector.finish();
    let secs = start.elapsed().as_secs_f64();
    if let Some(path) = std::env::var_os("JUNIT_BENCH_DUMP") {
        if let Err(e) = std::fs::write(&path, format!("{report:#?}\n")) {
            eprintln!("junit_bench: cannot write {}: {e}", path.to_string_lossy());
            std::process::exit(1);
        }
    }
    let t = report.totals();
    let elements: u64 = report.types.iter().map(|t| t.elements.cases).sum();
    println!(
        "devmetrics bytes={bytes} seconds={secs:.3} mb_per_s={:.1} testcases={elements} total={} passed={} failed={} errored={} skipped={} flaky={}",
        bytes as f64 / 1e6 / secs,
        t.total,
        t.passed,
        t.failed,
        t.errored,
        t.skipped,
        t.flaky
    );
}
