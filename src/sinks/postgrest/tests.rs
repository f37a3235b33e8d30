//! Unit tests of the postgrest sink.
use super::*;
use serde_json::json;

#[test]
fn bodies_respect_rows_and_bytes_and_are_json_arrays() {
    let rows: Vec<Value> = (0..10).map(|i| json!({ "n": i })).collect();
    let split = bodies(&rows, 4, usize::MAX);
    let sizes: Vec<usize> = split.iter().map(|(r, _)| r.len()).collect();
    assert_eq!(sizes, [4, 4, 2]);
    for (range, body) in &split {
        let parsed: Vec<Value> = serde_json::from_str(body).unwrap();
        assert_eq!(parsed, rows[range.clone()]);
    }
    // Each row is 7 bytes plus a separator: a 20-byte body holds two.
    let sizes: Vec<usize> = bodies(&rows, 100, 20)
        .iter()
        .map(|(r, _)| r.len())
        .collect();
    assert_eq!(sizes, [2, 2, 2, 2, 2]);
    assert!(bodies(&[], 4, 100).is_empty());
}

#[test]
fn retry_after_takes_seconds_and_dates() {
    assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
    assert_eq!(
        parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
        Some(Duration::ZERO)
    );
    assert_eq!(parse_retry_after("soon"), None);
}

#[test]
fn backoff_grows_and_is_capped() {
    let p = RetryPolicy::default();
    for retry in 1..10 {
        let ceiling = p
            .base_delay
            .saturating_mul(1 << (retry - 1))
            .min(p.max_delay);
        assert!(p.backoff(retry) <= ceiling);
    }
}

#[test]
fn only_transient_failures_are_retried() {
    let api = |status| SinkError::Api {
        status,
        error: PostgrestError::default(),
        body: None,
        attempts: 1,
    };
    assert!(is_retryable(&api(503)));
    assert!(is_retryable(&api(429)));
    assert!(!is_retryable(&api(401)));
    assert!(!is_retryable(&api(406)));
    assert!(is_retryable(&SinkError::Transport {
        what: String::new(),
        attempts: 1
    }));
}

#[test]
fn only_refusals_of_the_rows_are_searched_not_configuration_errors() {
    let api = |status, code: &str| SinkError::Api {
        status,
        error: PostgrestError {
            code: Some(code.into()),
            ..PostgrestError::default()
        },
        body: None,
        attempts: 1,
    };
    for code in [
        "22P02", "22001", "22003", "22008", "23502", "23514", "PGRST102",
    ] {
        assert!(api(400, code).refuses_rows(), "{code}");
    }
    assert!(api(409, "23505").refuses_rows());
    for (status, code) in [
        (401, "PGRST301"),
        (403, "42501"),
        (404, "PGRST205"),
        (406, "PGRST106"),
        (400, "PGRST204"),
        (400, "42703"),
        (500, "22P02"),
    ] {
        assert!(!api(status, code).refuses_rows(), "{status} {code}");
    }
    let redirect = SinkError::Redirect {
        url: "http://x/rest/v1".into(),
        status: 301,
        location: None,
    };
    assert!(!redirect.refuses_rows() && !is_retryable(&redirect) && redirect.is_unreachable());
}

#[test]
fn a_key_with_a_line_break_is_refused_not_panicked_on() {
    let err = PostgrestSink::new(
        "http://127.0.0.1:1",
        &Secret::new("sb_secret_a\nb"),
        RetryPolicy::default(),
        10,
    )
    .unwrap_err();
    assert!(matches!(err, SinkError::BadKey));
}

#[test]
fn api_errors_keep_all_four_fields() {
    let e = api_error(
        StatusCode::NOT_ACCEPTABLE,
        r#"{"code":"PGRST106","message":"Invalid schema: metrics","details":null,"hint":"Only the following schemas are exposed: public"}"#,
        1,
    );
    assert_eq!(
        e.to_string(),
        "PostgREST PGRST106 (HTTP 406): Invalid schema: metrics"
    );
    match e {
        SinkError::Api { error, .. } => assert_eq!(
            error.hint.as_deref(),
            Some("Only the following schemas are exposed: public")
        ),
        _ => unreachable!(),
    }
    let e = api_error(StatusCode::BAD_GATEWAY, "<html>bad gateway</html>", 1);
    assert_eq!(e.to_string(), "HTTP 502: <html>bad gateway</html>");
}

#[test]
fn rows_naming_the_same_columns_name_them_and_rows_that_differ_name_none() {
    let rows = [json!({"b": 1, "a": null}), json!({"a": 2, "b": 3})];
    assert_eq!(shared_columns(&rows).as_deref(), Some("a,b"));
    let differ = [json!({"a": 1, "b": 2}), json!({"a": 1, "c": 2})];
    assert_eq!(shared_columns(&differ), None);
    let fewer = [json!({"a": 1, "b": 2}), json!({"a": 1})];
    assert_eq!(shared_columns(&fewer), None);
    assert_eq!(shared_columns(&[]), None);
    assert_eq!(shared_columns(&[json!({})]), None);
}
