//! Round trips: each row type → the JSONL sink → the file → the row again, for generated rows
//! (unicode text, nulls, extreme numbers, sub-second timestamps).

use chrono::{DateTime, NaiveDate, Utc};
use devmetrics::environment::Environment;
use devmetrics::rows::deployment_events::{
    DeploymentEvent, DeploymentKind, DeploymentSource, DeploymentStatus,
};
use devmetrics::rows::development_metrics::{DevelopmentMetric, Grain};
use devmetrics::rows::pr_events::{PrEvent, PrEventType, ReviewState};
use devmetrics::rows::push_events::{BranchClass, PushEvent};
use devmetrics::rows::rule_compliance_events::{
    ComplianceStatus, ContextType, RuleComplianceEvent,
};
use devmetrics::rows::{Batch, Row};
use devmetrics::sinks::jsonl::read_rows;
use devmetrics::sinks::{JsonlSink, Sink};
use proptest::prelude::*;

fn timestamp() -> impl Strategy<Value = DateTime<Utc>> {
    (0i64..4_102_444_800, 0u32..1_000_000_000)
        .prop_map(|(s, n)| DateTime::from_timestamp(s, n).unwrap())
}

fn text() -> impl Strategy<Value = String> {
    "\\PC{0,40}"
}

fn environment() -> impl Strategy<Value = Environment> {
    prop_oneof![
        Just(Environment::Local),
        Just(Environment::Staging),
        Just(Environment::Production)
    ]
}

fn metadata() -> impl Strategy<Value = serde_json::Value> {
    (text(), any::<i64>(), any::<bool>())
        .prop_map(|(s, n, b)| serde_json::json!({"s": s, "n": n, "b": b, "nothing": null}))
}

prop_compose! {
    fn pr_event()(repository in text(), environment in environment(), pr_number in 1u32..u32::MAX,
                  title in proptest::option::of(text()), branch in proptest::option::of(text()),
                  event_type in prop_oneof![Just(PrEventType::Opened), Just(PrEventType::Merged), Just(PrEventType::ReviewSubmitted), Just(PrEventType::ConvertedToDraft)],
                  at in timestamp(), author in proptest::option::of(text()), is_bot in any::<bool>(),
                  review_state in proptest::option::of(prop_oneof![Just(ReviewState::Approved), Just(ReviewState::ChangesRequested)]),
                  additions in proptest::option::of(any::<i64>()), cycle in proptest::option::of(0i64..i64::MAX),
                  key in text(), recorded_at in timestamp(), metadata in metadata()) -> PrEvent {
        PrEvent { repository, environment, pr_number, pr_title: title, branch_name: branch.clone(), base_branch: branch,
                  event_type, event_timestamp: at, author: author.clone(), actor: author, is_bot, review_state,
                  head_sha: None, merge_commit_sha: Some("c4295bd74fb0f4fda03689c3df3f2803b658fd85".into()),
                  additions, deletions: additions, changed_files: None, cycle_time_seconds: cycle,
                  event_key: key, recorded_at, metadata }
    }
}

prop_compose! {
    fn deployment_event()(repository in text(), environment in environment(), id in text(), target in proptest::option::of(text()),
                          is_production in any::<bool>(), sha in proptest::option::of("[0-9a-f]{40}"),
                          status in prop_oneof![Just(DeploymentStatus::Success), Just(DeploymentStatus::Failure), Just(DeploymentStatus::InProgress)],
                          kind in prop_oneof![Just(DeploymentKind::Deploy), Just(DeploymentKind::Rollback), Just(DeploymentKind::Redeploy)],
                          started in proptest::option::of(timestamp()), at in timestamp(), duration in proptest::option::of(0i64..1_000_000),
                          recorded_at in timestamp(), metadata in metadata()) -> DeploymentEvent {
        DeploymentEvent { repository, environment, deployment_id: id, target_environment: target, is_production, sha,
                          r#ref: Some("refs/heads/main".into()), status, kind, source: DeploymentSource::DeploymentStatus,
                          started_at: started, finished_at: Some(at), duration_seconds: duration, event_timestamp: at,
                          actor: None, recorded_at, metadata }
    }
}

prop_compose! {
    fn rule_event()(repository in text(), environment in environment(), rule in text(), category in text(),
                    status in prop_oneof![Just(ComplianceStatus::Compliant), Just(ComplianceStatus::Violation), Just(ComplianceStatus::NotApplicable)],
                    context in prop_oneof![Just(ContextType::PullRequest), Just(ContextType::Commit), Just(ContextType::Push), Just(ContextType::Deployment)],
                    id in text(), at in timestamp(), details in proptest::option::of(text()), recorded_at in timestamp(), metadata in metadata()) -> RuleComplianceEvent {
        RuleComplianceEvent { repository, environment, rule_name: rule, rule_category: category, compliance_status: status,
                              context_type: context, context_id: id, event_timestamp: at, details, recorded_at, metadata }
    }
}

prop_compose! {
    fn metric()(repository in text(), environment in environment(), day in 0i64..40_000, grain in prop_oneof![Just(Grain::Day), Just(Grain::Week)],
                name in text(), value in proptest::option::of(-1e12f64..1e12), n in 0i64..1_000_000,
                p50 in proptest::option::of(0f64..1e9), at in timestamp(), metadata in metadata()) -> DevelopmentMetric {
        DevelopmentMetric { repository, environment, metric_date: NaiveDate::from_num_days_from_ce_opt(700_000 + day as i32).unwrap(),
                            grain, metric_name: name, value, n, p50, p90: p50, unit: Some("seconds".into()),
                            computed_at: at, recorded_at: at, metadata }
    }
}

prop_compose! {
    fn push_event()(repository in text(), environment in environment(), branch in text(), sha in "[0-9a-f]{40}",
                    forced in any::<bool>(), at in timestamp(), pusher in proptest::option::of(text()),
                    direct in any::<bool>(), pr in proptest::option::of(1u32..100_000), n in 0i64..2048,
                    recorded_at in timestamp(), metadata in metadata()) -> PushEvent {
        PushEvent { repository, environment, branch, branch_class: BranchClass::Production, before_sha: None,
                    after_sha: sha.clone(), forced, created: false, pushed_at: at, pusher: pusher.clone(), sender: pusher,
                    head_commit_title: Some("Merge pull request #2".into()), direct_push: direct, merged_pr: pr,
                    detected_by: "github_api".into(), commit_count: n,
                    commits: serde_json::json!([{"sha": sha, "timestamp": at}]), recorded_at, metadata }
    }
}

/// Writes one row through the JSONL sink and reads it back.
fn round_trip<R: Row + PartialEq>(row: R) {
    let dir = tempfile::tempdir().unwrap();
    let sink = JsonlSink::new(dir.path());
    let mut batch = Batch::new();
    batch.extend([row.clone()]);
    let (table, values) = batch.groups().next().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let write = runtime.block_on(sink.write(table, values));
    assert!(write.error.is_none(), "{:?}", write.error);
    let back = read_rows(&sink.path(table)).unwrap();
    assert_eq!(back.len(), 1);
    let again: R = serde_json::from_value(back[0].clone()).unwrap();
    assert_eq!(again, row);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn pr_events_round_trip(row in pr_event()) { round_trip(row) }
    #[test]
    fn deployment_events_round_trip(row in deployment_event()) { round_trip(row) }
    #[test]
    fn rule_compliance_events_round_trip(row in rule_event()) { round_trip(row) }
    #[test]
    fn development_metrics_round_trip(row in metric()) { round_trip(row) }
    #[test]
    fn push_events_round_trip(row in push_event()) { round_trip(row) }
}
