//! The patterns a rule's parameters hold, compiled when the rules file is read: globs over
//! branch names and regular expressions.
//!
//! Globs mean what they mean in a GitHub Actions workflow's `branches:` filter, and in the
//! branch settings (`production-branches`, `staging-branches`): `*` matches any run of
//! characters except `/`, `**` matches across `/` (`feature/*` matches `feature/a`, not
//! `feature/a/b`; `feature/**` matches both).

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;

/// A glob over branch names, compiled when the rules file is read; `*` stops at `/`, `**` does
/// not (see the module docs).
#[derive(Clone)]
pub struct GlobPattern {
    source: String,
    matcher: globset::GlobMatcher,
}

impl GlobPattern {
    /// Compiles a glob; the error says what is wrong.
    pub fn new(source: &str) -> Result<GlobPattern, String> {
        crate::globs::compile(source)
            .map(|g| GlobPattern {
                source: source.to_string(),
                matcher: g.compile_matcher(),
            })
            .map_err(|e| {
                let reason = e.kind().to_string();
                format!("invalid glob `{source}`: {reason}; expected a glob such as `feature/*`")
            })
    }

    pub(crate) fn many(sources: &[&str]) -> Vec<GlobPattern> {
        sources
            .iter()
            .map(|s| GlobPattern::new(s).expect("built-in globs are valid"))
            .collect()
    }

    /// True when `text` matches.
    pub fn is_match(&self, text: &str) -> bool {
        self.matcher.is_match(text)
    }

    /// The glob as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }
}

impl fmt::Debug for GlobPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GlobPattern({:?})", self.source)
    }
}

impl PartialEq for GlobPattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl Serialize for GlobPattern {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.source)
    }
}

impl<'de> Deserialize<'de> for GlobPattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = GlobPattern;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a glob such as `feature/*`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<GlobPattern, E> {
                GlobPattern::new(v).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

/// A regular expression (Rust `regex` syntax), compiled when the rules file is read.
#[derive(Clone)]
pub struct RegexPattern(regex::Regex);

impl RegexPattern {
    /// Compiles a regex; the error says what is wrong.
    pub fn new(source: &str) -> Result<RegexPattern, String> {
        regex::Regex::new(source).map(RegexPattern).map_err(|e| {
            // The regex crate's message spans lines (the pattern, a caret, the error).
            let reason = match &e {
                regex::Error::Syntax(text) => text.lines().last().unwrap_or("").trim().to_string(),
                other => other.to_string(),
            };
            let reason = reason.strip_prefix("error: ").unwrap_or(&reason).to_string();
            format!("invalid regex `{source}`: {reason}; expected a regular expression such as `[A-Z]+-[0-9]+`")
        })
    }

    pub(crate) fn many(sources: &[&str]) -> Vec<RegexPattern> {
        sources
            .iter()
            .map(|s| RegexPattern::new(s).expect("built-in regexes are valid"))
            .collect()
    }

    /// True when the regex matches somewhere in `text`.
    pub fn is_match(&self, text: &str) -> bool {
        self.0.is_match(text)
    }

    /// The first match in `text`.
    pub fn find<'t>(&self, text: &'t str) -> Option<regex::Match<'t>> {
        self.0.find(text)
    }

    /// The regex as written.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Debug for RegexPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RegexPattern({:?})", self.0.as_str())
    }
}

impl PartialEq for RegexPattern {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Serialize for RegexPattern {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for RegexPattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = RegexPattern;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a regular expression")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RegexPattern, E> {
                RegexPattern::new(v).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_star_stops_at_a_slash_and_a_double_star_does_not() {
        let one = GlobPattern::new("feature/*").unwrap();
        assert!(one.is_match("feature/a"));
        assert!(!one.is_match("feature/a/b"));
        let any = GlobPattern::new("feature/**").unwrap();
        assert!(any.is_match("feature/a"));
        assert!(any.is_match("feature/a/b"));
        assert!(!any.is_match("feature"));
        assert!(!any.is_match("features/a"));
    }
}
