//! `devmetrics doctor`: checks, in order, everything a write needs (the target, the key kind,
//! reachability, schema exposure, each table, write permission) and prints the fix for each
//! failure. Stops checking what depends on a failed check.

use super::open_sink;
use crate::error::{exit, sink_help, Error};
use crate::output::Output;
use crate::rows::Table;
use crate::secret::KeyKind;
use crate::settings::{Settings, SinkTarget};
use crate::sinks::{AnySink, Query, Sink};

/// One check's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    Pass(String),
    Warn(String, Vec<String>),
    Fail(String, Vec<String>),
}

/// Runs `doctor`; returns the exit code (1 when a check failed).
pub async fn doctor(config: &Settings, out: &Output) -> Result<i32, Error> {
    let target = config.target()?;
    let mut checks: Vec<(String, Verdict)> = Vec::new();
    checks.push((
        "environment".into(),
        Verdict::Pass(format!("{} ({})", target.environment, target.why)),
    ));
    if let Some(warning) = &target.fallback_warning {
        checks.push(("secrets".into(), Verdict::Warn(warning.clone(), vec![])));
    }

    match &target.sink {
        SinkTarget::Jsonl { dir } => {
            let verdict = match std::fs::create_dir_all(dir) {
                Ok(()) => Verdict::Pass(format!(
                    "no Supabase configured: rows go to {}/ (JSONL)",
                    dir.display()
                )),
                Err(e) => Verdict::Fail(
                    format!("cannot create {}: {e}", dir.display()),
                    vec!["set output-dir to a writable directory".into()],
                ),
            };
            checks.push(("sink".into(), verdict));
        }
        SinkTarget::Supabase { rest_url, key } => {
            let kind = key.key_kind();
            checks.push((
                "key".into(),
                match (kind, key.jwt_role().as_deref()) {
                    (KeyKind::LegacyJwt, Some(role)) if role != "service_role" => Verdict::Fail(
                        format!("{}, but its role is '{role}': it cannot write the metrics tables", kind.describe()),
                        vec!["pass the service_role key (or an sb_secret_… key), not the anon key, as supabase-service-role-key".into()],
                    ),
                    (KeyKind::LegacyJwt | KeyKind::SecretKey, _) => Verdict::Pass(kind.describe().into()),
                    _ => Verdict::Warn(
                        kind.describe().into(),
                        vec!["use the service_role key or an sb_secret_… key from Project Settings → API Keys".into()],
                    ),
                },
            ));
            let sink = open_sink(&target.sink, target.environment, config)?;
            remote_checks(&sink, rest_url, &mut checks).await;
        }
    }

    let mut failed = 0;
    for (name, verdict) in &checks {
        match verdict {
            Verdict::Pass(text) => out.info(&format!("ok    {name}: {text}")),
            Verdict::Warn(text, help) => {
                out.info(&format!("warn  {name}: {text}"));
                for h in help {
                    out.info(&format!("        help: {h}"));
                }
            }
            Verdict::Fail(text, help) => {
                failed += 1;
                out.info(&format!("FAIL  {name}: {text}"));
                for h in help {
                    out.info(&format!("        help: {h}"));
                }
            }
        }
    }
    if failed > 0 {
        return Err(Error::CheckFailed(format!(
            "{failed} doctor check(s) failed; see the help lines above"
        )));
    }
    out.info("all checks passed");
    Ok(exit::SUCCESS)
}

async fn remote_checks(sink: &AnySink, rest_url: &str, checks: &mut Vec<(String, Verdict)>) {
    let AnySink::Postgrest(api) = sink else {
        return;
    };
    if let Err(err) = api.ping().await {
        checks.push((
            "reachable".into(),
            Verdict::Fail(format!("{rest_url}: {err}"), sink_help(&err)),
        ));
        return;
    }
    checks.push((
        "reachable".into(),
        Verdict::Pass(format!("{rest_url} answers")),
    ));

    let mut schema_checked = false;
    for table in Table::ALL {
        let read = sink
            .query(&Query {
                table,
                equals: vec![],
                newest_first_by: None,
                limit: 1,
            })
            .await;
        match read {
            Err(err) if err.api_code() == Some("PGRST106") => {
                checks.push((
                    "schema".into(),
                    Verdict::Fail(
                        format!("the metrics schema is not exposed: {err}"),
                        sink_help(&err),
                    ),
                ));
                return;
            }
            Err(err) => {
                checks.push((
                    format!("table {table}"),
                    Verdict::Fail(err.to_string(), sink_help(&err)),
                ));
                continue;
            }
            Ok(_) => {
                if !schema_checked {
                    checks.push(("schema".into(), Verdict::Pass("metrics is exposed".into())));
                    schema_checked = true;
                }
            }
        }
        match api.check_insert(table).await {
            Ok(()) => checks.push((
                format!("table {table}"),
                Verdict::Pass("readable and writable".into()),
            )),
            Err(err) => checks.push((
                format!("table {table}"),
                Verdict::Fail(
                    format!("readable, but not writable: {err}"),
                    sink_help(&err),
                ),
            )),
        }
    }
}
