//! Branch and workflow globs, compiled once when the settings are read. `*` stops at `/`
//! (`release/*` matches `release/2.1`, not `release/2.1/hotfix`; `release/**` matches both).

use super::sources::Origins;
use super::values::split_list;
use super::SettingsError;
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use std::fmt;

/// A list of globs as given, with its compiled set.
#[derive(Clone)]
pub struct Globs {
    patterns: Vec<String>,
    set: GlobSet,
}

impl Globs {
    /// Compiles `patterns`; the error names the bad one (`bad glob '[': …`).
    pub fn new(patterns: &[String]) -> Result<Globs, String> {
        let mut set = GlobSetBuilder::new();
        for glob in patterns {
            let compiled = GlobBuilder::new(glob)
                .literal_separator(true)
                .build()
                .map_err(|e| format!("bad glob '{glob}': {e}"))?;
            set.add(compiled);
        }
        Ok(Globs {
            patterns: patterns.to_vec(),
            set: set.build().map_err(|e| e.to_string())?,
        })
    }

    /// The setting `name`, a list with commas or newlines (`default` when unset), compiled.
    pub(super) fn setting(
        origins: &Origins,
        name: &str,
        value: Option<&str>,
        default: &str,
    ) -> Result<Globs, SettingsError> {
        Globs::new(&split_list(value.unwrap_or(default))).map_err(|p| origins.bad(name, p))
    }

    /// True when some glob matches `text`.
    pub fn is_match(&self, text: &str) -> bool {
        self.set.is_match(text)
    }

    /// The globs as given.
    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }
}

impl PartialEq for Globs {
    fn eq(&self, other: &Globs) -> bool {
        self.patterns == other.patterns
    }
}

impl fmt::Debug for Globs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Globs").field(&self.patterns).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_star_stops_at_a_slash() {
        let set = Globs::new(&["release/*".into(), "hotfix/**".into()]).unwrap();
        assert!(set.is_match("release/2.1"));
        assert!(!set.is_match("release/2.1/x"));
        assert!(set.is_match("hotfix/a/b"));
        assert!(Globs::new(&["[".into()])
            .unwrap_err()
            .starts_with("bad glob '['"));
    }
}
