//! Secrets: API keys that must never appear in a log line, an error, a summary, a spool file or
//! a panic. A [`Secret`] prints as `***`; [`redact`] scrubs any text that might still hold one.

use std::fmt;

/// A secret value (a Supabase key, a GitHub token). `Debug` and `Display` print `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value. Surrounding blanks (a pasted key often has a trailing newline) are trimmed.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into().trim().to_owned())
    }

    /// The value, for the one place that must send it (an HTTP header).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What kind of Supabase key this is, judged from its shape only.
    pub fn key_kind(&self) -> KeyKind {
        if self.0.starts_with("sb_secret_") {
            KeyKind::SecretKey
        } else if self.0.starts_with("sb_publishable_") {
            KeyKind::PublishableKey
        } else if self.0.split('.').count() == 3 && self.0.starts_with("eyJ") {
            KeyKind::LegacyJwt
        } else {
            KeyKind::Unknown
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl Secret {
    /// For a legacy JWT key: the `role` claim of its payload (read, not verified: the server
    /// verifies). Tells a service_role key from an anon key without a request.
    pub fn jwt_role(&self) -> Option<String> {
        use base64::Engine as _;
        if self.key_kind() != KeyKind::LegacyJwt {
            return None;
        }
        let payload = self.0.split('.').nth(1)?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload.trim_end_matches('='))
            .ok()?;
        let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
        claims.get("role")?.as_str().map(str::to_owned)
    }
}

/// The kinds of Supabase API keys, which are sent differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// A legacy `anon` / `service_role` key: an HS256 JWT, sent as `apikey` and as
    /// `Authorization: Bearer`.
    LegacyJwt,
    /// A new `sb_secret_…` key: sent as `apikey` only; the gateway swaps it for a JWT.
    SecretKey,
    /// A `sb_publishable_…` key: it cannot write; devmetrics needs a secret key.
    PublishableKey,
    /// Neither shape.
    Unknown,
}

impl KeyKind {
    /// How the kind is named to users.
    pub fn describe(self) -> &'static str {
        match self {
            KeyKind::LegacyJwt => "legacy JWT key (sent as apikey and Authorization: Bearer)",
            KeyKind::SecretKey => "secret key sb_secret_… (sent as apikey only)",
            KeyKind::PublishableKey => "publishable key sb_publishable_… (read-only, cannot write)",
            KeyKind::Unknown => "unrecognised key (neither a JWT nor sb_secret_…)",
        }
    }
}

/// Replaces every occurrence of each secret in `text` with `***`. Used on every message that
/// leaves the process, as a last line of defence behind [`Secret`]'s own `Debug`.
pub fn redact<'a>(text: &str, secrets: impl IntoIterator<Item = &'a Secret>) -> String {
    let mut out = text.to_owned();
    for secret in secrets {
        let value = secret.expose();
        // Very short values would redact ordinary words; no real key is that short.
        if value.len() >= 8 {
            out = out.replace(value, "***");
        }
        // A value with a line break inside may be printed line by line: redact each part.
        if value.contains(['\r', '\n']) {
            for part in value.lines().map(str::trim).filter(|p| p.len() >= 8) {
                out = out.replace(part, "***");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_hide_the_value() {
        let s = Secret::new("sb_secret_abcdefghijkl\n");
        assert_eq!(format!("{s:?} {s}"), "*** ***");
        assert_eq!(s.expose(), "sb_secret_abcdefghijkl");
    }

    #[test]
    fn key_kinds_are_told_apart() {
        assert_eq!(Secret::new("sb_secret_x").key_kind(), KeyKind::SecretKey);
        assert_eq!(
            Secret::new("sb_publishable_x").key_kind(),
            KeyKind::PublishableKey
        );
        assert_eq!(
            Secret::new("eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYW5vbiJ9.sig").key_kind(),
            KeyKind::LegacyJwt
        );
        assert_eq!(Secret::new("hunter2").key_kind(), KeyKind::Unknown);
    }

    #[test]
    fn jwt_role_is_read_from_the_payload() {
        // {"alg":"HS256"} . {"role":"anon"} . signature
        let anon = Secret::new("eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYW5vbiJ9.sig");
        assert_eq!(anon.jwt_role().as_deref(), Some("anon"));
        assert_eq!(Secret::new("sb_secret_x").jwt_role(), None);
    }

    #[test]
    fn redact_also_hides_each_line_of_a_value_that_spans_lines() {
        let s = Secret::new("ghp_firsthalf0123\nsecondhalf4567");
        assert_eq!(
            redact("a ghp_firsthalf0123 b secondhalf4567 c", [&s]),
            "a *** b *** c"
        );
    }

    #[test]
    fn redact_replaces_every_occurrence() {
        let s = Secret::new("sb_secret_abcdefghijkl");
        assert_eq!(
            redact("a sb_secret_abcdefghijkl b sb_secret_abcdefghijkl", [&s]),
            "a *** b ***"
        );
    }
}
