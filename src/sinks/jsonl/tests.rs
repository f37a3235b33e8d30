//! Unit tests of the jsonl sink.
use super::*;
use serde_json::json;

fn pr(n: u32, key: &str) -> Value {
    json!({"repository": "o/r", "pr_number": n, "event_key": key, "event_type": "opened"})
}

#[tokio::test]
async fn writing_twice_adds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let sink = JsonlSink::new(dir.path());
    let rows = vec![pr(1, "a"), pr(1, "b"), pr(1, "a")];
    let first = sink.write(Table::PrEvents, &rows).await;
    assert!(first.error.is_none());
    assert_eq!((first.accepted, first.inserted), (3, 2));
    let second = sink.write(Table::PrEvents, &rows).await;
    assert_eq!((second.accepted, second.inserted), (3, 0));
    let text = fs::read_to_string(sink.path(Table::PrEvents)).unwrap();
    assert_eq!(text.lines().count(), 2);
}

#[tokio::test]
async fn a_corrupt_line_is_named_and_rows_are_handed_back() {
    let dir = tempfile::tempdir().unwrap();
    let sink = JsonlSink::new(dir.path());
    fs::write(sink.path(Table::PrEvents), "{\"a\":1}\n[1]\n").unwrap();
    let write = sink.write(Table::PrEvents, &[pr(1, "a")]).await;
    assert_eq!(write.unsent.len(), 1);
    let message = write.error.unwrap().to_string();
    assert!(
        message.ends_with("pr_events.jsonl:2: not a JSON object; fix or delete the line"),
        "{message}"
    );
}

fn lines_of(path: &Path) -> Vec<Value> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test]
async fn a_torn_last_line_is_moved_aside_and_later_writes_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let sink = JsonlSink::new(dir.path());
    let path = sink.path(Table::PrEvents);
    sink.write(Table::PrEvents, &[pr(1, "a"), pr(2, "a")]).await;
    // A crash in the middle of the third append.
    let torn = "{\"repository\":\"o/r\",\"pr_num";
    OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap()
        .write_all(torn.as_bytes())
        .unwrap();

    let write = sink.write(Table::PrEvents, &[pr(3, "a"), pr(1, "a")]).await;
    assert!(write.error.is_none(), "{:?}", write.error);
    assert_eq!((write.accepted, write.inserted), (2, 1));
    assert_eq!(lines_of(&path), vec![pr(1, "a"), pr(2, "a"), pr(3, "a")]);

    let recovered = sink.take_recovered();
    assert_eq!(recovered.len(), 1, "{recovered:?}");
    let tail = &recovered[0];
    assert_eq!((tail.file.as_path(), tail.line), (path.as_path(), 3));
    assert_eq!(fs::read_to_string(&tail.moved_to).unwrap(), torn);
    let name = tail.moved_to.file_name().unwrap().to_string_lossy();
    assert!(name.starts_with("pr_events.jsonl.torn-"), "{name}");
    let message = tail.to_string();
    assert!(
        message.contains("pr_events.jsonl:3: the last line was cut short"),
        "{message}"
    );
    assert!(message.contains(&*name), "{message}");

    // Repaired once: the next write finds nothing to recover.
    sink.write(Table::PrEvents, &[pr(4, "a")]).await;
    assert!(sink.take_recovered().is_empty());
    assert_eq!(lines_of(&path).len(), 4);
}

#[tokio::test]
async fn a_replace_table_and_a_tail_of_nul_bytes_are_recovered_too() {
    let dir = tempfile::tempdir().unwrap();
    let sink = JsonlSink::new(dir.path());
    let table = Table::DevelopmentMetrics;
    assert_eq!(table.on_duplicate(), OnDuplicate::Replace);
    let path = sink.path(table);
    let row = |n: u32| {
        let mut row = serde_json::Map::new();
        for column in table.natural_key() {
            row.insert((*column).to_owned(), json!(format!("{column}-{n}")));
        }
        Value::Object(row)
    };
    sink.write(table, &[row(1)]).await;
    let mut text = fs::read(&path).unwrap();
    text.extend_from_slice(&[0; 16]);
    fs::write(&path, &text).unwrap();
    let write = sink.write(table, &[row(2)]).await;
    assert!(write.error.is_none(), "{:?}", write.error);
    assert_eq!(lines_of(&path), vec![row(1), row(2)]);
    let recovered = sink.take_recovered();
    assert_eq!(recovered.len(), 1);
    assert_eq!(fs::read(&recovered[0].moved_to).unwrap(), vec![0; 16]);
}

#[tokio::test]
async fn a_complete_last_row_without_its_line_end_is_kept_and_ended() {
    let dir = tempfile::tempdir().unwrap();
    let sink = JsonlSink::new(dir.path());
    let path = sink.path(Table::PrEvents);
    fs::write(&path, serde_json::to_string(&pr(1, "a")).unwrap()).unwrap();
    // Reading alone changes nothing.
    assert_eq!(read_rows(&path).unwrap(), vec![pr(1, "a")]);
    let write = sink.write(Table::PrEvents, &[pr(2, "a")]).await;
    assert!(write.error.is_none(), "{:?}", write.error);
    assert_eq!(lines_of(&path), vec![pr(1, "a"), pr(2, "a")]);
    assert!(sink.take_recovered().is_empty());
    let names: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1, "no file was moved aside");
}

#[tokio::test]
async fn a_query_reads_past_a_torn_tail_without_touching_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let sink = JsonlSink::new(dir.path());
    let path = sink.path(Table::PrEvents);
    let text = format!("{}\n{{\"repo", serde_json::to_string(&pr(1, "a")).unwrap());
    fs::write(&path, &text).unwrap();
    let rows = sink
        .query(&Query {
            table: Table::PrEvents,
            equals: vec![],
            newest_first_by: None,
            limit: 10,
        })
        .await
        .unwrap();
    assert_eq!(rows, vec![pr(1, "a")]);
    assert_eq!(fs::read_to_string(&path).unwrap(), text);
}

#[tokio::test]
async fn a_bad_line_before_the_last_is_still_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let sink = JsonlSink::new(dir.path());
    let path = sink.path(Table::PrEvents);
    fs::write(&path, "{\"a\":1}\n{\"broken\n{\"b\":2}\n").unwrap();
    let write = sink.write(Table::PrEvents, &[pr(1, "a")]).await;
    let message = write.error.unwrap().to_string();
    assert!(message.contains("pr_events.jsonl:2: not JSON"), "{message}");
    assert!(sink.take_recovered().is_empty());
}

#[tokio::test]
async fn query_filters_orders_and_limits() {
    let dir = tempfile::tempdir().unwrap();
    let sink = JsonlSink::new(dir.path());
    let rows = vec![
        json!({"repository": "o/r", "deployment_id": "deployment:1", "status": "success", "event_timestamp": "2026-01-01T00:00:00Z"}),
        json!({"repository": "o/r", "deployment_id": "deployment:2", "status": "success", "event_timestamp": "2026-01-03T00:00:00Z"}),
        json!({"repository": "o/r", "deployment_id": "deployment:3", "status": "failure", "event_timestamp": "2026-01-04T00:00:00Z"}),
    ];
    sink.write(Table::DeploymentEvents, &rows).await;
    let found = sink
        .query(&Query {
            table: Table::DeploymentEvents,
            equals: vec![("status".into(), "success".into())],
            newest_first_by: Some("event_timestamp".into()),
            limit: 1,
        })
        .await
        .unwrap();
    assert_eq!(found, vec![rows[1].clone()]);
}
