//! Typed reads of one field of a legacy JSON object, each failing with the field's path and what
//! to write instead, so that a problem names the file, the field and the fix.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

/// A field that is present but not what the legacy format says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field's path inside the file (`total_tests`, `[2].timestamp`).
    pub field: String,
    /// What is wrong.
    pub problem: String,
    /// What to write instead.
    pub help: String,
}

/// One JSON object of a legacy file and its path prefix (`""`, or `[2].` inside an array).
pub(super) struct Object<'a> {
    pub map: &'a Map<String, Value>,
    pub prefix: String,
}

impl Object<'_> {
    /// The path of `field` inside the file.
    pub fn path(&self, field: &str) -> String {
        format!("{}{field}", self.prefix)
    }

    pub fn error(&self, field: &str, problem: String, help: impl Into<String>) -> FieldError {
        FieldError {
            field: self.path(field),
            problem,
            help: help.into(),
        }
    }

    /// The field's value; a JSON `null` counts as absent.
    fn get(&self, field: &str) -> Option<&Value> {
        self.map.get(field).filter(|v| !v.is_null())
    }

    /// True when the object has the key (even with `null`).
    pub fn has(&self, field: &str) -> bool {
        self.map.contains_key(field)
    }

    pub fn required<T>(
        &self,
        field: &str,
        read: impl Fn(&Self, &str) -> Result<Option<T>, FieldError>,
        help: &str,
    ) -> Result<T, FieldError> {
        read(self, field)?.ok_or_else(|| self.error(field, "missing".into(), help))
    }

    /// A non-empty string; a whole number is taken as its decimal text (run ids are often
    /// numbers).
    pub fn id_text(&self, field: &str) -> Result<Option<String>, FieldError> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.trim().to_owned())),
            Some(Value::Number(n)) if n.is_u64() || n.is_i64() => Ok(Some(n.to_string())),
            Some(other) => Err(self.error(
                field,
                format!("expected a non-empty string, found {}", shown(other)),
                "write it as a JSON string",
            )),
        }
    }

    /// A string (empty allowed).
    pub fn text(&self, field: &str) -> Result<Option<String>, FieldError> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(self.error(
                field,
                format!("expected a string, found {}", shown(other)),
                "write it as a JSON string",
            )),
        }
    }

    /// A whole number ≥ 0 (a float with no fraction, as `12.0`, is accepted).
    pub fn count(&self, field: &str) -> Result<Option<u64>, FieldError> {
        let Some(v) = self.get(field) else {
            return Ok(None);
        };
        let n = match v {
            Value::Number(n) => n.as_u64().or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < 9e15)
                    .map(|f| f as u64)
            }),
            _ => None,
        };
        n.map(Some).ok_or_else(|| {
            self.error(
                field,
                format!("expected a whole number ≥ 0, found {}", shown(v)),
                "write the count as a JSON number without quotes",
            )
        })
    }

    /// A number of seconds ≥ 0.
    pub fn seconds(&self, field: &str) -> Result<Option<f64>, FieldError> {
        let Some(v) = self.get(field) else {
            return Ok(None);
        };
        match v.as_f64() {
            Some(f) if f.is_finite() && f >= 0.0 => Ok(Some(f)),
            _ => Err(self.error(
                field,
                format!("expected a number of seconds ≥ 0, found {}", shown(v)),
                "write the duration as a JSON number, or null when unknown",
            )),
        }
    }

    /// An RFC 3339 time with its offset (`2025-11-20T10:00:00Z`); a time without an offset is
    /// refused, never taken as UTC.
    pub fn time(&self, field: &str) -> Result<Option<DateTime<Utc>>, FieldError> {
        let Some(v) = self.get(field) else {
            return Ok(None);
        };
        let parsed = v
            .as_str()
            .and_then(|s| DateTime::parse_from_rfc3339(s.trim()).ok())
            .map(|t| t.with_timezone(&Utc));
        parsed.map(Some).ok_or_else(|| {
            self.error(
                field,
                format!(
                    "expected an RFC 3339 time with its offset, found {}",
                    shown(v)
                ),
                "write it as \"2025-11-20T10:00:00Z\" (a time without Z or an offset is not \
                 taken as UTC: say which zone it was)",
            )
        })
    }

    /// A time that may be explicitly `null` (known: there was none) or absent (unknown).
    pub fn stage(&self, field: &str) -> Result<Option<Option<DateTime<Utc>>>, FieldError> {
        if !self.has(field) {
            return Ok(None);
        }
        Ok(Some(self.time(field)?))
    }

    /// The keys of the object that are not in `known`, in file order.
    pub fn unknown_keys(&self, known: &[&str]) -> Vec<String> {
        self.map
            .keys()
            .filter(|k| !known.contains(&k.as_str()))
            .map(|k| self.path(k))
            .collect()
    }
}

/// A value as it appears in the file, cut short.
fn shown(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() > 40 {
        format!("{}…", text.chars().take(40).collect::<String>())
    } else {
        text
    }
}
