//! `devmetrics record`: (being written)
use super::output::Output;
use crate::config::Config;
use crate::error::Error;

/// Runs `record`.
pub async fn record(_config: &Config, _out: &Output) -> Result<i32, Error> {
    Ok(0)
}
