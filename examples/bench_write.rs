//! Write benchmark (not a test): N `pr_events` rows through the PostgREST sink into the local
//! stack, then the same rows again (all duplicates). Prints rows/s and HTTP requests.
//! Run by `bench/write.sh`, which starts the stack; `--dump FILE` also writes the JSON body a
//! peer script sends.

use devmetrics::environment::Environment;
use devmetrics::rows::pr_events::{PrEvent, PrEventType};
use devmetrics::rows::Batch;
use devmetrics::secret::Secret;
use devmetrics::sinks::{deliver, PostgrestSink, Spool};
use std::time::Instant;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let rows: u32 = arg("--rows").map_or(10_000, |n| n.parse().expect("--rows N"));
    let url = std::env::var("SUPABASE_URL").expect("SUPABASE_URL (source .stack/env)");
    let key = Secret::new(
        std::env::var("STACK_SECRET_KEY").expect("STACK_SECRET_KEY (source .stack/env)"),
    );
    let repository = format!("bench/write-{}", chrono::Utc::now().timestamp_micros());
    let at = chrono::Utc::now();
    let mut batch = Batch::new();
    batch.extend((1..=rows).map(|i| PrEvent {
        repository: repository.clone(),
        environment: Environment::Staging,
        pr_number: i,
        pr_title: Some(format!("Bench PR {i}: make the thing faster")),
        branch_name: Some(format!("feature/bench-{i}")),
        base_branch: Some("main".into()),
        event_type: PrEventType::Merged,
        event_timestamp: at,
        author: Some("octocat".into()),
        actor: Some("hubot".into()),
        is_bot: false,
        review_state: None,
        head_sha: Some(format!("{i:040x}")),
        merge_commit_sha: Some(format!("{:040x}", u64::from(i) * 7)),
        additions: Some(120),
        deletions: Some(30),
        changed_files: Some(4),
        cycle_time_seconds: Some(3600 + i64::from(i)),
        event_key: format!("merged@{}", devmetrics::rows::key_timestamp(at)),
        recorded_at: at,
        metadata: serde_json::json!({"first_commit_at": null, "bench": true}),
    }));
    if let Some(path) = arg("--dump") {
        let (_, values) = batch.groups().next().unwrap();
        // The peer gets the same rows under another repository, so both insert new rows.
        let peer: Vec<serde_json::Value> = values
            .iter()
            .map(|v| {
                let mut v = v.clone();
                v["repository"] = serde_json::Value::String(format!("{repository}-peer"));
                v
            })
            .collect();
        std::fs::write(&path, serde_json::to_string(&peer).unwrap()).unwrap();
    }
    // The same settings `record` uses by default.
    let http = devmetrics::settings::HttpSettings::default();
    let sink =
        PostgrestSink::new(&format!("{url}/rest/v1"), &key, http.retry, http.batch_rows).unwrap();
    let spool = Spool::under(std::path::Path::new("bench/out"));
    for label in ["new rows", "same rows again"] {
        let before = sink.requests_sent();
        let started = Instant::now();
        let delivery = deliver(&sink, &batch, &spool).await;
        let seconds = started.elapsed().as_secs_f64();
        assert_eq!(delivery.spooled(), 0, "{:?}", delivery.tables[0].error);
        println!(
            "devmetrics  {label:<16} {rows:>6} rows  {seconds:>6.3} s  {:>8.0} rows/s  {} request(s)  {} new",
            f64::from(rows) / seconds,
            sink.requests_sent() - before,
            delivery.tables[0].inserted
        );
    }
}
