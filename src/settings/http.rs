//! How HTTP writes behave: `http-timeout-seconds` and `retry-attempts` build the sink's
//! [`RetryPolicy`] directly; `batch-rows` caps the rows per request.

use super::sources::{Origins, RawSettings};
use super::values::number;
use super::SettingsError;
use crate::sinks::RetryPolicy;
use std::time::Duration;

/// How HTTP writes behave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpSettings {
    /// Attempts and per-request timeout (the backoff keeps the sink's defaults).
    pub retry: RetryPolicy,
    /// Rows per POST at most.
    pub batch_rows: usize,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            retry: RetryPolicy::default(),
            batch_rows: 10_000,
        }
    }
}

impl HttpSettings {
    pub(super) fn read(raw: &RawSettings, origins: &Origins) -> Result<Self, SettingsError> {
        let mut http = HttpSettings::default();
        let timeout = raw.http_timeout_seconds.as_deref();
        if let Some(t) = number(origins, "http-timeout-seconds", timeout, 0.05, 600.0)? {
            http.retry.timeout = Duration::from_secs_f64(t);
        }
        let attempts = raw.retry_attempts.as_deref();
        if let Some(a) = number(origins, "retry-attempts", attempts, 1.0, 20.0)? {
            http.retry.attempts = a as u32;
        }
        let batch = raw.batch_rows.as_deref();
        if let Some(b) = number(origins, "batch-rows", batch, 1.0, 100_000.0)? {
            http.batch_rows = b as usize;
        }
        Ok(http)
    }
}
