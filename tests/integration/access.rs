//! Who reads the metrics schema (ADR-002), on the real stack: a signed-in user reads the rows of
//! the repositories their JWT's `app_metadata.devmetrics.read` grants and nothing else; anon
//! reads nothing; `metrics_reader` (for dashboards connecting to PostgreSQL) reads everything.
//! Tokens are signed here with the stack's JWT secret, as Supabase Auth signs them.

use crate::common::*;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use devmetrics::rows::Table;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// HMAC-SHA256 (RFC 2104).
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block.map(|b| b ^ 0x36));
    inner.update(message);
    let mut outer = Sha256::new();
    outer.update(block.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

/// An HS256 JWT of `claims`, signed with the stack's secret.
fn sign(stack: &Stack, claims: &Value) -> String {
    let head = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#);
    let body = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signature = hmac_sha256(
        stack.jwt_secret.as_bytes(),
        format!("{head}.{body}").as_bytes(),
    );
    format!("{head}.{body}.{}", URL_SAFE_NO_PAD.encode(signature))
}

/// A Supabase Auth access token of a signed-in user with this `app_metadata` and
/// `user_metadata`.
fn user_token(stack: &Stack, app_metadata: Value, user_metadata: Value) -> String {
    let now = chrono::Utc::now().timestamp();
    sign(
        stack,
        &json!({
            "aud": "authenticated",
            "role": "authenticated",
            "sub": "6c0f8f9e-1b7c-4c53-9d51-4a2b8e1f0a11",
            "email": "dashboard@example.com",
            "iat": now,
            "exp": now + 3600,
            "app_metadata": app_metadata,
            "user_metadata": user_metadata,
        }),
    )
}

/// A user granted `read` (the value of `app_metadata.devmetrics.read`).
fn granted(stack: &Stack, read: Value) -> String {
    user_token(
        stack,
        json!({"provider": "email", "providers": ["email"], "devmetrics": {"read": read}}),
        json!({}),
    )
}

/// One row in every metrics table for `repository`, written as the superuser.
fn seed(stack: &Stack, repository: &str) {
    let r = repository.replace('\'', "''");
    stack.psql(
        "postgres",
        &format!(
            "insert into metrics.pr_events (repository, environment, pr_number, event_type, event_timestamp, event_key)
               values ('{r}', 'staging', 1, 'opened', now(), 'opened@x');
             insert into metrics.deployment_events (repository, environment, deployment_id, status, source, event_timestamp)
               values ('{r}', 'production', 'deployment:1', 'success', 'deployment', now());
             insert into metrics.push_events (repository, environment, branch, branch_class, after_sha, pushed_at, direct_push)
               values ('{r}', 'production', 'main', 'production', 'abc', now(), false);
             insert into metrics.test_runs (repository, environment, run_id, run_timestamp, total_tests, passed_tests, failed_tests, skipped_tests)
               values ('{r}', 'staging', 'gh:1:1:test:step', now(), 1, 1, 0, 0);
             insert into metrics.test_case_results (repository, environment, run_id, run_timestamp, test_name, outcome)
               values ('{r}', 'staging', 'gh:1:1:test:step', now(), 'slow', 'passed');
             insert into metrics.rule_compliance_events (repository, environment, rule_name, rule_category, compliance_status, context_type, context_id, event_timestamp)
               values ('{r}', 'staging', 'branching', 'process', 'compliant', 'pull_request', '1', now());
             insert into metrics.development_metrics (repository, environment, metric_date, grain, metric_name)
               values ('{r}', 'production', '2026-11-30', 'day', 'deployment_frequency');"
        ),
    );
}

/// Two repositories of one owner with a row in every table, and one of another owner.
struct Seeded {
    a: String,
    b: String,
    other_owner: String,
}

fn seeded(test: &str) -> (Stack, Seeded) {
    let stack = Stack::get();
    let a = unique_repository(&format!("{test}-a"));
    let b = unique_repository(&format!("{test}-b"));
    let other_owner = format!("elsewhere/{test}-{}", std::process::id());
    for table in Table::ALL {
        let t = table.name();
        stack.psql(
            "postgres",
            &format!("delete from metrics.{t} where repository = '{other_owner}'"),
        );
    }
    for repository in [&a, &b, &other_owner] {
        seed(&stack, repository);
    }
    (stack, Seeded { a, b, other_owner })
}

/// How many rows of `table` for `repository` the gateway returns with the anon key and `bearer`
/// (a user's token); `Err(status, body)` when it refuses.
async fn read(
    stack: &Stack,
    table: Table,
    repository: &str,
    bearer: Option<&str>,
) -> Result<usize, (u16, String)> {
    let mut request = reqwest::Client::new()
        .get(format!("{}/{}", stack.rest_url(), table.name()))
        .query(&[("repository", format!("eq.{repository}"))])
        .header("apikey", &stack.anon_key)
        .header("Accept-Profile", "metrics");
    if let Some(token) = bearer {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    let response = request.send().await.expect("the gateway answers");
    let status = response.status().as_u16();
    let body = response.text().await.unwrap();
    if status != 200 {
        return Err((status, body));
    }
    let rows: Vec<Value> = serde_json::from_str(&body).expect("a JSON array");
    Ok(rows.len())
}

/// Rows per table of `repository` read with `bearer`, as `table:count` (refusals as
/// `table:<status>`).
async fn counts(stack: &Stack, repository: &str, bearer: Option<&str>) -> Vec<String> {
    let mut out = Vec::new();
    for table in Table::ALL {
        let n = match read(stack, table, repository, bearer).await {
            Ok(n) => n.to_string(),
            Err((status, _)) => status.to_string(),
        };
        out.push(format!("{}:{n}", table.name()));
    }
    out
}

fn every_table(n: &str) -> Vec<String> {
    Table::ALL
        .iter()
        .map(|t| format!("{}:{n}", t.name()))
        .collect()
}

/// The service role (the sb_secret key alone) reads what was seeded: the zeros below are RLS at
/// work, not missing rows.
async fn assert_seeded(stack: &Stack, repository: &str) {
    let mut seen = Vec::new();
    for table in Table::ALL {
        let response = reqwest::Client::new()
            .get(format!("{}/{}", stack.rest_url(), table.name()))
            .query(&[("repository", format!("eq.{repository}"))])
            .header("apikey", &stack.secret_key)
            .header("Accept-Profile", "metrics")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let rows: Vec<Value> = response.json().await.unwrap();
        seen.push(format!("{}:{}", table.name(), rows.len()));
    }
    assert_eq!(seen, every_table("1"), "service role reads {repository}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signed_in_user_without_the_grant_reads_no_row_of_any_table() {
    let (stack, repos) = seeded("plain");
    assert_seeded(&stack, &repos.a).await;
    // The stack's own authenticated key (no app_metadata at all) and a user as Supabase Auth
    // signs one up: provider metadata, no devmetrics claim.
    let plain = user_token(
        &stack,
        json!({"provider": "email", "providers": ["email"]}),
        json!({}),
    );
    for token in [&stack.authenticated_jwt, &plain] {
        for repository in [&repos.a, &repos.b, &repos.other_owner] {
            assert_eq!(
                counts(&stack, repository, Some(token)).await,
                every_table("0")
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_claim_the_user_can_write_or_a_malformed_one_grants_nothing() {
    let (stack, repos) = seeded("forged");
    // user_metadata is writable by the user (supabase.auth.updateUser): never a grant.
    let self_granted = user_token(
        &stack,
        json!({"provider": "email"}),
        json!({"devmetrics": {"read": "*"}}),
    );
    assert_eq!(
        counts(&stack, &repos.a, Some(&self_granted)).await,
        every_table("0")
    );
    for read in [
        json!([]),
        json!("all"),
        json!(true),
        json!({"repository": repos.a}),
        json!([repos.b]),
        json!([format!("{}%", &repos.a[..repos.a.len() - 1])]),
    ] {
        let token = granted(&stack, read.clone());
        assert_eq!(
            counts(&stack, &repos.a, Some(&token)).await,
            every_table("0"),
            "read = {read}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_user_granted_repository_a_reads_a_and_not_b() {
    let (stack, repos) = seeded("granted");
    let token = granted(&stack, json!([repos.a]));
    assert_eq!(
        counts(&stack, &repos.a, Some(&token)).await,
        every_table("1")
    );
    assert_eq!(
        counts(&stack, &repos.b, Some(&token)).await,
        every_table("0")
    );
    // Without a filter, the user sees exactly A's row in each table.
    for table in Table::ALL {
        let response = reqwest::Client::new()
            .get(format!("{}/{}", stack.rest_url(), table.name()))
            .query(&[("select", "repository")])
            .header("apikey", &stack.anon_key)
            .header("Authorization", format!("Bearer {token}"))
            .header("Accept-Profile", "metrics")
            .send()
            .await
            .unwrap();
        let rows: Vec<Value> = response.json().await.unwrap();
        assert_eq!(rows, [json!({"repository": repos.a})], "{table:?}");
    }
    // GitHub names are case-insensitive: the grant matches however it is spelled.
    let upper = granted(&stack, json!([repos.a.to_uppercase()]));
    assert_eq!(
        counts(&stack, &repos.a, Some(&upper)).await,
        every_table("1")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_owner_grant_reads_that_owners_repositories_only() {
    let (stack, repos) = seeded("owner");
    let owner = repos.a.split('/').next().unwrap();
    let token = granted(&stack, json!([format!("{owner}/*")]));
    for repository in [&repos.a, &repos.b] {
        assert_eq!(
            counts(&stack, repository, Some(&token)).await,
            every_table("1")
        );
    }
    assert_eq!(
        counts(&stack, &repos.other_owner, Some(&token)).await,
        every_table("0")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_star_grant_reads_every_repository() {
    let (stack, repos) = seeded("star");
    for read in [json!("*"), json!(["*"])] {
        let token = granted(&stack, read);
        for repository in [&repos.a, &repos.b, &repos.other_owner] {
            assert_eq!(
                counts(&stack, repository, Some(&token)).await,
                every_table("1")
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn anon_reads_nothing_even_with_a_grant_in_its_token() {
    let (stack, repos) = seeded("anon");
    let now = chrono::Utc::now().timestamp();
    let anon_with_claim = sign(
        &stack,
        &json!({"role": "anon", "exp": now + 3600, "app_metadata": {"devmetrics": {"read": "*"}}}),
    );
    // anon has no table privilege at all: refused, not an empty list.
    for token in [None, Some(stack.anon_key.as_str()), Some(&anon_with_claim)] {
        for table in Table::ALL {
            let refused = read(&stack, table, &repos.a, token).await;
            assert!(
                matches!(&refused, Err((401 | 403, body)) if body.contains("42501")),
                "{table:?}: {refused:?}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn no_token_can_switch_to_metrics_reader() {
    let (stack, repos) = seeded("reader-jwt");
    let now = chrono::Utc::now().timestamp();
    let token = sign(
        &stack,
        &json!({"role": "metrics_reader", "exp": now + 3600}),
    );
    let refused = read(&stack, Table::PrEvents, &repos.a, Some(&token)).await;
    // The authenticator is not a member of metrics_reader: PostgreSQL refuses the switch.
    assert!(
        matches!(&refused, Err((status, body)) if (400..500).contains(status) && body.contains("42501")),
        "{refused:?}"
    );
}

#[test]
fn metrics_reader_reads_every_row_and_authenticated_reads_by_claim_in_sql() {
    let (stack, repos) = seeded("reader");
    let count = |role_and_settings: &str| {
        stack.psql(
            "postgres",
            &format!(
                "begin; {role_and_settings} select count(*) from metrics.pr_events where repository in ('{}', '{}'); rollback;",
                repos.a, repos.b
            ),
        )
    };
    // A dashboard's login role, member of metrics_reader, connecting directly.
    assert_eq!(count("set local role metrics_reader;"), "2");
    let login = format!("grafana_{}", std::process::id());
    stack.psql(
        "postgres",
        &format!("drop role if exists {login}; create role {login} login in role metrics_reader;"),
    );
    assert_eq!(count(&format!("set local role {login};")), "2");
    stack.psql("postgres", &format!("drop role {login}"));
    // It reads, nothing more.
    let privileges = stack.psql(
        "postgres",
        "select bool_and(has_table_privilege('metrics_reader', c.oid, 'select')) \
                || '|' || bool_or(has_table_privilege('metrics_reader', c.oid, 'insert,update,delete,truncate')) \
           from pg_class c where c.relnamespace = 'metrics'::regnamespace and c.relkind = 'r'",
    );
    assert_eq!(privileges, "true|false");
    assert_eq!(
        stack.psql(
            "postgres",
            "select rolcanlogin, pg_has_role('authenticated', 'metrics_reader', 'member'), \
                    pg_has_role('anon', 'metrics_reader', 'member'), \
                    pg_has_role('authenticator', 'metrics_reader', 'member') \
               from pg_roles where rolname = 'metrics_reader'"
        ),
        "f|f|f|f"
    );
    // authenticated outside the API: no claims, nothing.
    assert_eq!(count("set local role authenticated;"), "0");
    // The claims as PostgREST 9+ and Supabase set them (one JSON document)...
    let claims =
        json!({"role": "authenticated", "app_metadata": {"devmetrics": {"read": [repos.a]}}});
    assert_eq!(
        count(&format!(
            "set local request.jwt.claims to '{claims}'; set local role authenticated;"
        )),
        "1"
    );
    // ...and as PostgREST before 9 set them (one setting per claim).
    let app_metadata = json!({"devmetrics": {"read": [repos.b]}});
    assert_eq!(
        count(&format!(
            "set local request.jwt.claim.app_metadata to '{app_metadata}'; set local role authenticated;"
        )),
        "1"
    );
    // A setting left empty by an earlier request on the same connection grants nothing.
    assert_eq!(
        count("set local request.jwt.claims to ''; set local role authenticated;"),
        "0"
    );
}

/// The stack's PostgREST (postrust) hands the function the claims the way it expects: the
/// verified JWT as one JSON document in `request.jwt.claims`, app_metadata included.
#[tokio::test(flavor = "multi_thread")]
async fn the_api_sets_request_jwt_claims_as_one_json_document() {
    let stack = Stack::get();
    stack.psql(
        "postgres",
        "create or replace function public.devmetrics_test_jwt_settings() returns jsonb
           language sql stable as $$
             select jsonb_build_object(
               'claims', current_setting('request.jwt.claims', true),
               'claim', current_setting('request.jwt.claim', true),
               'claim_app_metadata', current_setting('request.jwt.claim.app_metadata', true))
           $$;
         grant execute on function public.devmetrics_test_jwt_settings() to authenticated;
         notify pgrst, 'reload schema';",
    );
    let token = granted(&stack, json!(["octo-org/api"]));
    let mut answer = None;
    for _ in 0..100 {
        let response = reqwest::Client::new()
            .get(format!(
                "{}/rpc/devmetrics_test_jwt_settings",
                stack.rest_url()
            ))
            .header("apikey", &stack.anon_key)
            .header("Authorization", format!("Bearer {token}"))
            .send()
            .await
            .unwrap();
        if response.status() == 200 {
            answer = Some(response.json::<Value>().await.unwrap());
            break;
        }
        // The schema cache reloads asynchronously.
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let answer = answer.expect("the test function became callable");
    let claims: Value = serde_json::from_str(answer["claims"].as_str().expect("claims set"))
        .expect("request.jwt.claims is JSON");
    assert_eq!(claims["role"], "authenticated");
    assert_eq!(
        claims["app_metadata"]["devmetrics"]["read"],
        json!(["octo-org/api"])
    );
    // What the function reads first is unset or empty, so the document above decides.
    assert!(
        answer["claim"].is_null() || answer["claim"] == "",
        "{answer}"
    );

    // And the policy's function says so through the API too.
    let response = reqwest::Client::new()
        .get(format!("{}/rpc/can_read", stack.rest_url()))
        .query(&[("repository", "octo-org/api")])
        .header("apikey", &stack.anon_key)
        .header("Authorization", format!("Bearer {token}"))
        .header("Accept-Profile", "metrics")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap(), json!(true));
}

/// The completion trigger's list of incomplete rows (`metrics_internal.incomplete_rows`) is
/// bookkeeping: no API role reaches it, not even the service role, and no role but the
/// migrations' owner can read it from SQL.
#[tokio::test]
async fn the_list_of_incomplete_rows_is_reachable_by_no_api_role() {
    let stack = Stack::get();
    for (who, key) in [
        ("anon", stack.anon_key.clone()),
        ("service_role", stack.service_role_key.clone()),
    ] {
        let response = reqwest::Client::new()
            .get(format!("{}/incomplete_rows", stack.rest_url()))
            .header("apikey", &key)
            .header("Authorization", format!("Bearer {key}"))
            .header("Accept-Profile", "metrics_internal")
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body = response.text().await.unwrap();
        assert!(
            (400..500).contains(&status) && !body.contains("row_id"),
            "{who} read the internal list: {status} {body}"
        );
    }
    for role in ["anon", "authenticated", "service_role", "metrics_reader"] {
        assert_eq!(
            stack.psql(
                "postgres",
                &format!(
                    "select has_schema_privilege('{role}', 'metrics_internal', 'usage')::text \
                     || ' ' || has_table_privilege('{role}', 'metrics_internal.incomplete_rows', 'select')::text"
                ),
            ),
            "false false",
            "{role}"
        );
    }
}
