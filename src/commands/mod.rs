//! Commands: one file per subcommand; the only place that wires sources, rows, sinks and the
//! summary together. [`run`] is the entry point `main` calls.

pub mod aggregate;
pub mod backfill;
pub mod doctor;
pub mod prune;
pub mod record;
pub mod replay;
pub mod report;
pub mod rules_source;
pub mod test_results;

use crate::cli::{Cli, Command};
use crate::environment::Environment;
use crate::error::{exit, Error};
use crate::output::Output;
use crate::secret::Secret;
use crate::settings::{Settings, SinkTarget};
use crate::sinks::{AnySink, JsonlSink, PostgrestSink};
use clap::Parser;

/// Runs devmetrics with the process's arguments and environment; returns the exit code.
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return if err.use_stderr() {
                exit::CONFIG
            } else {
                exit::SUCCESS
            };
        }
    };
    let env: Vec<(String, String)> = std::env::vars_os()
        .map(|(k, v)| {
            (
                k.to_string_lossy().into_owned(),
                v.to_string_lossy().into_owned(),
            )
        })
        .collect();
    run_with(cli, env)
}

/// Runs devmetrics with the given flags and environment (what tests call).
pub fn run_with(cli: Cli, env: Vec<(String, String)>) -> i32 {
    // Secrets are masked before anything else is printed, even before the configuration is
    // validated: a key pasted into the wrong input must not be echoed by an error.
    let in_actions = env
        .iter()
        .any(|(k, v)| k == "GITHUB_ACTIONS" && v == "true");
    let out = Output::new(in_actions, secret_values(&env));
    out.mask_secrets();
    out.install_panic_hook();

    let config = match Settings::from_cli(cli, env) {
        Ok(config) => config,
        Err(err) => {
            let err = Error::from(err);
            out.error(&err);
            return err.exit_code();
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            out.error(&Error::Input(format!(
                "could not start the async runtime: {e}"
            )));
            return exit::NOT_WRITTEN;
        }
    };
    let result = runtime.block_on(async {
        match &config.command {
            Command::Record(_) => record::record(&config, &out).await,
            Command::Replay => replay::replay(&config, &out).await,
            Command::Doctor => doctor::doctor(&config, &out).await,
            Command::Aggregate(_) => aggregate::aggregate(&config, &out).await,
            Command::Report(_) => report::report(&config, &out).await,
            Command::Prune(_) => prune::prune(&config, &out).await,
            Command::Backfill(_) => backfill::backfill(&config, &out).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(err) => {
            out.error(&err);
            err.exit_code()
        }
    }
}

/// The values of every setting that holds a key or token, however it was given.
fn secret_values(env: &[(String, String)]) -> Vec<Secret> {
    env.iter()
        .filter(|(k, v)| {
            let k = k.to_ascii_uppercase();
            let ours = k.starts_with("INPUT_")
                || k.starts_with("DEVMETRICS_")
                || k.starts_with("SUPABASE_")
                || k == "GITHUB_TOKEN";
            ours && (k.contains("KEY") || k.contains("TOKEN") || k.contains("SECRET"))
                && !v.trim().is_empty()
        })
        .map(|(_, v)| Secret::new(v.clone()))
        .collect()
}

/// Opens the sink a target names.
pub fn open_sink(
    sink: &SinkTarget,
    environment: Environment,
    config: &Settings,
) -> Result<AnySink, Error> {
    match sink {
        SinkTarget::Jsonl { dir } => Ok(AnySink::Jsonl(JsonlSink::new(dir.clone()))),
        SinkTarget::Supabase { rest_url, key } => {
            PostgrestSink::new(rest_url, key, config.http.retry, config.http.batch_rows)
                .map(|sink| AnySink::Postgrest(Box::new(sink)))
                .map_err(|source| Error::Sink {
                    doing: format!(
                        "could not use the Supabase key for the {environment} environment"
                    ),
                    source: Box::new(source),
                })
        }
    }
}
