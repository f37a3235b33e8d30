//! Parsing one raw value into what it means: booleans, numbers in a range, lists, and Supabase
//! URLs (`https://`, or plain `http://` to this machine only). A bad value is an error naming
//! where it was given ([`Origins`]).

use super::sources::Origins;
use super::SettingsError;

/// `true`/`yes`/`1`/`on` or `false`/`no`/`0`/`off` (any case); unset is `false`.
pub fn boolean(origins: &Origins, name: &str, value: Option<&str>) -> Result<bool, SettingsError> {
    match value.map(|v| v.trim().to_ascii_lowercase()) {
        None => Ok(false),
        Some(v) => match v.as_str() {
            "true" | "yes" | "1" | "on" => Ok(true),
            "false" | "no" | "0" | "off" => Ok(false),
            _ => Err(origins.bad(
                name,
                format!("'{v}' is not a boolean; expected true or false"),
            )),
        },
    }
}

/// A number from `min` to `max`; `None` when unset.
pub fn number(
    origins: &Origins,
    name: &str,
    value: Option<&str>,
    min: f64,
    max: f64,
) -> Result<Option<f64>, SettingsError> {
    match value {
        None => Ok(None),
        Some(v) => match v.trim().parse::<f64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ => Err(origins.bad(name, format!("'{v}' is not a number from {min} to {max}"))),
        },
    }
}

/// A Supabase or PostgREST URL, trimmed and without a trailing `/`; `None` when unset.
pub fn url(
    origins: &Origins,
    name: &str,
    value: Option<&str>,
) -> Result<Option<String>, SettingsError> {
    let Some(v) = value else {
        return Ok(None);
    };
    let v = v.trim().trim_end_matches('/').to_owned();
    let parsed = reqwest::Url::parse(&v).map_err(|e| {
        origins.bad(
            name,
            format!("not a URL ({e}); expected e.g. https://<project-ref>.supabase.co"),
        )
    })?;
    check_scheme(&parsed).map_err(|problem| origins.bad(name, problem))?;
    Ok(Some(v))
}

/// The service role key travels with every request: plain `http://` only to this machine
/// (`supabase start`, the local stack), `https://` everywhere else.
fn check_scheme(url: &reqwest::Url) -> Result<(), String> {
    match url.scheme() {
        "https" => Ok(()),
        "http" => {
            let host = url.host_str().unwrap_or_default();
            let loopback = host.eq_ignore_ascii_case("localhost")
                || host
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback());
            if loopback {
                Ok(())
            } else {
                Err(format!(
                    "plain http:// to {} would send the service role key unencrypted; use https:// \
                     (http:// is accepted for 127.0.0.1 and localhost only)",
                    url.host_str().unwrap_or("?")
                ))
            }
        }
        other => Err(format!(
            "'{other}:' is not an HTTP URL; expected e.g. https://<project-ref>.supabase.co"
        )),
    }
}

/// Splits a list given with commas or newlines; blanks dropped.
pub fn split_list(text: &str) -> Vec<String> {
    text.split([',', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::tests::settings;

    #[test]
    fn plain_http_is_refused_except_to_this_machine() {
        for ok in [
            "http://127.0.0.1:54321",
            "http://localhost:54321",
            "http://[::1]:54321",
            "https://x.supabase.co",
        ] {
            assert!(settings(&[], &[("INPUT_SUPABASE-URL", ok)]).is_ok(), "{ok}");
        }
        let err = settings(&[], &[("INPUT_SUPABASE-URL", "http://x.supabase.co")]).unwrap_err();
        assert!(
            err.to_string().contains("unencrypted; use https://"),
            "{err}"
        );
        let err = settings(&[], &[("DEVMETRICS_REST_URL", "http://10.0.0.1/rest/v1")]).unwrap_err();
        assert!(
            err.to_string().starts_with("variable DEVMETRICS_REST_URL"),
            "{err}"
        );
    }
}
