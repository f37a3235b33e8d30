//! Globs over branch and workflow names, with one meaning everywhere (the branch settings, the
//! event conversion, the rules): GitHub Actions' `branches:` filter. `*` matches any run of
//! characters except `/`, `**` matches across `/` (`release/*` matches `release/2.1`, not
//! `release/2.1/hotfix`; `release/**` matches both). File paths (`junit-paths`) are globs of
//! another kind, read in `sources::junit::paths`.

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use std::fmt;

/// Compiles one branch or workflow glob.
pub fn compile(pattern: &str) -> Result<Glob, globset::Error> {
    GlobBuilder::new(pattern).literal_separator(true).build()
}

/// A list of globs as given, with its compiled set.
#[derive(Clone, Default)]
pub struct Globs {
    patterns: Vec<String>,
    set: GlobSet,
}

impl Globs {
    /// Compiles `patterns`; the error names the bad one (`bad glob '[': …`).
    pub fn new(patterns: &[String]) -> Result<Globs, String> {
        let mut set = GlobSetBuilder::new();
        for glob in patterns {
            let compiled = compile(glob).map_err(|e| format!("bad glob '{glob}': {e}"))?;
            set.add(compiled);
        }
        Ok(Globs {
            patterns: patterns.to_vec(),
            set: set.build().map_err(|e| e.to_string())?,
        })
    }

    /// True when some glob matches `text`.
    pub fn is_match(&self, text: &str) -> bool {
        self.set.is_match(text)
    }

    /// The compiled set.
    pub fn set(&self) -> &GlobSet {
        &self.set
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
