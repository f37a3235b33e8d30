//! The yardstick for `examples/junit_bench.rs`: a bare quick-xml event scan of the same files,
//! counting `<testcase>`, `<failure>`/`<error>` and `<skipped>` elements and nothing else (no
//! attributes, no identities, no folding). Used by `bench/junit/run.sh`:
//! `cargo run --release --example junit_bench_scan -- FILE...`.

use quick_xml::events::Event;
use quick_xml::Reader;
use std::time::Instant;

fn main() {
    let files: Vec<String> = std::env::args().skip(1).collect();
    if files.is_empty() {
        eprintln!("usage: junit_bench_scan FILE...");
        std::process::exit(2);
    }
    let start = Instant::now();
    let (mut bytes, mut cases, mut failed, mut skipped) = (0u64, 0u64, 0u64, 0u64);
    let mut buf = Vec::with_capacity(16 * 1024);
    for f in &files {
        let mut reader = match Reader::from_file(f) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("junit_bench_scan: {f}: {e}");
                std::process::exit(1);
            }
        };
        loop {
            match reader.read_event_into(&mut buf) {
                Ok(Event::Start(e) | Event::Empty(e)) => match e.local_name().as_ref() {
                    b"testcase" => cases += 1,
                    b"failure" | b"error" => failed += 1,
                    b"skipped" => skipped += 1,
                    _ => {}
                },
                Ok(Event::Eof) => break,
                Ok(_) => {}
                Err(e) => {
                    eprintln!("junit_bench_scan: {f}: {e}");
                    std::process::exit(1);
                }
            }
            buf.clear();
        }
        bytes += reader.buffer_position();
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "bare-scan bytes={bytes} seconds={secs:.3} mb_per_s={:.1} testcases={cases} failures_errors={failed} skipped={skipped}",
        bytes as f64 / 1e6 / secs
    );
}
