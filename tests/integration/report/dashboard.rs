//! The queries of docs/dashboard.md and docs/grafana/devmetrics.json on the seeded history, as
//! a member of `metrics_reader` (the role a Grafana data source logs in with); and what the
//! security model leaves `anon` and a signed-in user without the claim: nothing.

use super::{quote, seed, FROM, TO};
use crate::common::*;
use serde_json::Value;

/// Grafana's macros and variables, as Grafana expands them for the seeded period.
fn grafana_sql(sql: &str, repository: &str) -> String {
    let mut out = sql.replace("$repository", &repository.replace('\'', "''"));
    out = out.replace("$environment", "production");
    while let Some(start) = out.find("$__timeFilter(") {
        let end = start + out[start..].find(')').unwrap();
        let column = &out[start + "$__timeFilter(".len()..end];
        let expanded = format!("{column} BETWEEN '{FROM}T00:00:00Z' AND '{TO}T23:59:59Z'");
        out.replace_range(start..=end, &expanded);
    }
    assert!(
        !out.contains('$'),
        "a Grafana macro the test does not expand: {out}"
    );
    out
}

#[test]
fn every_dashboard_query_of_the_docs_reads_the_seeded_figures_as_metrics_reader_and_anon_reads_nothing(
) {
    let stack = Stack::get();
    let repository = unique_repository("report-dashboard");
    seed(&stack, &repository);
    let as_reader = |sql: &str| stack.psql("postgres", &format!("set role metrics_reader; {sql}"));

    let dashboard: Value = serde_json::from_str(
        &std::fs::read_to_string(repo_root().join("docs/grafana/devmetrics.json")).unwrap(),
    )
    .expect("the Grafana dashboard is JSON");
    let mut queries = 0;
    for panel in dashboard["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().into_iter().flatten() {
            let sql = grafana_sql(target["rawSql"].as_str().unwrap(), &repository);
            let rows = as_reader(&sql);
            assert!(!rows.is_empty(), "{}: no row\n{sql}", panel["title"]);
            queries += 1;
        }
    }
    assert_eq!(queries, 13);
    let variable = &dashboard["templating"]["list"][1];
    assert!(as_reader(variable["query"].as_str().unwrap()).contains(&repository));
    // The headline panel: the week of 11-23, change failure rate 50 % of 2 deployments (as the
    // report says).
    let headline = grafana_sql(
        dashboard["panels"][1]["targets"][0]["rawSql"]
            .as_str()
            .unwrap(),
        &repository,
    );
    assert!(
        as_reader(&headline).contains("change_failure_rate|2026-11-23|50|%|2|low|"),
        "{}",
        as_reader(&headline)
    );

    let docs = std::fs::read_to_string(repo_root().join("docs/dashboard.md")).unwrap();
    let blocks: Vec<&str> = docs
        .split("```sql")
        .skip(1)
        .map(|b| b.split("```").next().unwrap())
        .filter(|b| b.contains("'owner/repo'"))
        .collect();
    assert_eq!(blocks.len(), 7);
    for block in blocks {
        let sql = block.replace("'owner/repo'", &quote(&repository));
        assert!(!as_reader(&sql).is_empty(), "no row:\n{sql}");
    }

    // anon has no privilege at all; a signed-in user without the claim sees no row.
    let file = workdir();
    let path = file.path().join("anon.sql");
    std::fs::write(
        &path,
        "set role anon; select count(*) from metrics.development_metrics;",
    )
    .unwrap();
    let (ok, stderr) = stack.psql_file("postgres", &path);
    assert!(!ok && stderr.contains("permission denied"), "{stderr}");
    let count = stack.psql(
        "postgres",
        &format!(
            "set role authenticated; select count(*) from metrics.development_metrics where repository = {}",
            quote(&repository)
        ),
    );
    assert_eq!(count, "0");
}
