//! The stricter checks of rows made from history (a backfill), before [`super::clean_rows`]:
//! what live capture tolerates from a clock (a negative duration made 0) is, in history, a row
//! that cannot be right, and is rejected with the reason instead of being written.
//!
//! A row is rejected when a natural key field is missing or empty, its environment is unknown,
//! one of its times lies in the future, a duration is negative or longer than a year, or a
//! merged PR was merged before it was created.

use super::super::Table;
use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

/// Longest believable duration (a PR open, a deployment running): a year.
pub const LONGEST_SECONDS: i64 = 366 * 24 * 3600;

/// Clock skew tolerated for "in the future".
pub const SKEW_SECONDS: i64 = 300;

/// Why `row` of `table` cannot be written, or `None`. `now` is the run's start.
pub fn problem(table: Table, row: &Value, now: DateTime<Utc>) -> Option<String> {
    let Some(object) = row.as_object() else {
        return Some("the row is not a JSON object".into());
    };
    for column in table.natural_key() {
        match object.get(*column) {
            None | Some(Value::Null) => return Some(format!("missing key field {column}")),
            // `leg` '' is a key of its own: the one run of a job that had no legs (rows recorded
            // before legs existed, legacy files; migrations/…212100_test_run_legs.sql).
            Some(Value::String(s)) if s.trim().is_empty() && *column != "leg" => {
                return Some(format!("missing key field {column} (empty)"))
            }
            _ => {}
        }
    }
    if let Some(env) = object.get("environment") {
        let known = ["local", "staging", "production"];
        if !env.as_str().is_some_and(|e| known.contains(&e)) {
            return Some(format!("unknown environment {env}"));
        }
    }
    let time =
        |column: &str| -> Option<DateTime<Utc>> { object.get(column)?.as_str()?.parse().ok() };
    let late = now + Duration::seconds(SKEW_SECONDS);
    for column in ["event_timestamp", "started_at", "finished_at", "pushed_at"] {
        if let Some(at) = time(column) {
            if at > late {
                return Some(format!("{column} {at} is in the future"));
            }
        }
    }
    for column in ["cycle_time_seconds", "duration_seconds"] {
        if let Some(seconds) = object.get(column).and_then(Value::as_i64) {
            if seconds < 0 {
                return Some(format!("negative duration: {column} = {seconds}"));
            }
            if seconds > LONGEST_SECONDS {
                return Some(format!(
                    "impossible duration: {column} = {seconds} s (more than a year)"
                ));
            }
        }
    }
    if let (Some(start), Some(end)) = (time("started_at"), time("finished_at")) {
        if end < start {
            return Some(format!(
                "negative duration: finished_at {end} before started_at {start}"
            ));
        }
    }
    if table == Table::PrEvents && object.get("event_type") == Some(&Value::from("merged")) {
        let created = object
            .get("metadata")
            .and_then(|m| m.get("created_at"))
            .and_then(Value::as_str)
            .and_then(|t| t.parse::<DateTime<Utc>>().ok());
        if let (Some(created), Some(merged)) = (created, time("event_timestamp")) {
            if merged < created {
                return Some(format!(
                    "merged before created: merged {merged}, created {created}"
                ));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> DateTime<Utc> {
        "2026-12-01T12:00:00Z".parse().unwrap()
    }

    fn merged(created: &str, merged: &str) -> Value {
        json!({"repository": "o/r", "pr_number": 3, "event_key": "merged@x", "environment": "production",
               "event_type": "merged", "event_timestamp": merged, "metadata": {"created_at": created}})
    }

    #[test]
    fn a_test_run_of_no_leg_is_a_key_of_its_own_but_an_empty_run_id_is_missing() {
        let run = json!({
            "repository": "o/r", "environment": "production", "run_id": "legacy:1",
            "leg": "", "test_type": "unit", "run_timestamp": "2026-11-01T00:00:00Z"
        });
        assert_eq!(problem(Table::TestRuns, &run, now()), None);
        let mut no_run = run;
        no_run["run_id"] = json!(" ");
        assert_eq!(
            problem(Table::TestRuns, &no_run, now()).unwrap(),
            "missing key field run_id (empty)"
        );
    }

    #[test]
    fn a_history_row_that_cannot_be_right_is_rejected_with_its_reason() {
        let ok = merged("2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z");
        assert_eq!(problem(Table::PrEvents, &ok, now()), None);
        let early = merged("2026-11-02T00:00:00Z", "2026-11-01T00:00:00Z");
        assert!(problem(Table::PrEvents, &early, now())
            .unwrap()
            .starts_with("merged before created"));
        let future = merged("2026-11-01T00:00:00Z", "2027-01-01T00:00:00Z");
        assert!(problem(Table::PrEvents, &future, now())
            .unwrap()
            .contains("in the future"));
        let mut no_key = ok.clone();
        no_key["event_key"] = json!("");
        assert_eq!(
            problem(Table::PrEvents, &no_key, now()).unwrap(),
            "missing key field event_key (empty)"
        );
        let mut env = ok.clone();
        env["environment"] = json!("qa");
        assert_eq!(
            problem(Table::PrEvents, &env, now()).unwrap(),
            "unknown environment \"qa\""
        );
        let mut long = ok;
        long["cycle_time_seconds"] = json!(LONGEST_SECONDS + 1);
        assert!(problem(Table::PrEvents, &long, now())
            .unwrap()
            .starts_with("impossible duration"));
        let deploy = json!({"repository": "o/r", "deployment_id": "deployment:1", "status": "success",
            "environment": "production", "started_at": "2026-11-01T10:00:00Z",
            "finished_at": "2026-11-01T09:00:00Z", "duration_seconds": -3600});
        assert!(problem(Table::DeploymentEvents, &deploy, now())
            .unwrap()
            .starts_with("negative duration"));
    }
}
