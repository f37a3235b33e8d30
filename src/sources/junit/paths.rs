//! Which report files to read: `junit-paths` globs (one per line, `!` to exclude) relative to
//! the workspace root, and the test type of each file from an ordered glob → type mapping.

use globset::{Glob, GlobBuilder, GlobMatcher, GlobSet, GlobSetBuilder};
use std::path::{Path, PathBuf};

/// A bad `junit-paths` or `test-types` line.
#[derive(Debug, thiserror::Error)]
pub enum PathsError {
    /// A glob that does not parse.
    #[error("invalid glob `{pattern}` in {input}: {cause}")]
    InvalidGlob {
        /// The input (`junit-paths`, `test-types`).
        input: &'static str,
        /// The line.
        pattern: String,
        /// globset's message.
        cause: String,
    },
    /// A `test-types` line without `=`.
    #[error("invalid line `{line}` in test-types: expected `<glob>=<type>`")]
    InvalidMapping {
        /// The line.
        line: String,
    },
}

impl PathsError {
    /// The fix.
    pub fn help(&self) -> Vec<String> {
        match self {
            PathsError::InvalidGlob { .. } => vec![
                "write one glob per line, like `**/target/surefire-reports/*.xml`; `!` at the start excludes".into(),
            ],
            PathsError::InvalidMapping { .. } => vec![
                "write one mapping per line, like `**/integration/**=integration`".into(),
            ],
        }
    }
}

/// A report file selected by `junit-paths`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ReportFile {
    /// Relative to the root with `/` separators (absolute when outside the root): for messages
    /// and for the test-type mapping.
    pub display: String,
    /// The path to open.
    pub path: PathBuf,
}

fn glob(input: &'static str, pattern: &str) -> Result<GlobMatcher, PathsError> {
    build_glob(input, pattern).map(|g| g.compile_matcher())
}

fn build_glob(input: &'static str, pattern: &str) -> Result<Glob, PathsError> {
    GlobBuilder::new(pattern)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .map_err(|e| PathsError::InvalidGlob {
            input,
            pattern: pattern.to_string(),
            cause: e.kind().to_string(),
        })
}

/// Expands `junit-paths`: one glob per line relative to `root`, blank lines and `#` comments
/// ignored, lines starting with `!` exclude. Returns the matching files sorted by display path
/// and deduplicated; an empty list when nothing matches (the caller warns or fails). Symbolic
/// links to directories are not followed; `.git` is never searched.
pub fn expand(root: &Path, patterns: &str) -> Result<Vec<ReportFile>, PathsError> {
    let mut includes = Vec::new();
    let mut excludes = GlobSetBuilder::new();
    for line in patterns.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(ex) = line.strip_prefix('!') {
            let ex = normalize(ex.trim());
            excludes.add(build_glob("junit-paths", &ex)?);
        } else {
            let inc = normalize(line);
            includes.push((glob("junit-paths", &inc)?, inc));
        }
    }
    let excludes: GlobSet = excludes.build().map_err(|e| PathsError::InvalidGlob {
        input: "junit-paths",
        pattern: String::new(),
        cause: e.to_string(),
    })?;
    let mut found: Vec<ReportFile> = Vec::new();
    for (matcher, pattern) in &includes {
        let base = literal_prefix(pattern);
        let start = if Path::new(&base).is_absolute() {
            PathBuf::from(&base)
        } else {
            root.join(&base)
        };
        let mut files = Vec::new();
        walk(&start, &mut files);
        // An absolute pattern (`${{ github.workspace }}/target/*.xml`) matches the absolute path;
        // exclusions keep matching the path as displayed, relative to the workspace.
        let absolute = Path::new(pattern).is_absolute();
        for path in files {
            let display = display_path(root, &path);
            let subject = if absolute {
                path.to_string_lossy()
            } else {
                display.as_str().into()
            };
            if matcher.is_match(subject.as_ref()) && !excludes.is_match(&display) {
                found.push(ReportFile { display, path });
            }
        }
    }
    found.sort();
    found.dedup_by(|a, b| a.display == b.display);
    Ok(found)
}

/// `./a/b` → `a/b`; `\` separators → `/` (on Windows runners).
fn normalize(pattern: &str) -> String {
    let p = if cfg!(windows) {
        pattern.replace('\\', "/")
    } else {
        pattern.to_string()
    };
    p.trim_start_matches("./").to_string()
}

/// The directories of a glob before its first wildcard: where the walk starts.
fn literal_prefix(pattern: &str) -> String {
    let mut dirs: Vec<&str> = Vec::new();
    let parts: Vec<&str> = pattern.split('/').collect();
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        if last || part.contains(['*', '?', '[', '{', '\\']) {
            break;
        }
        dirs.push(part);
    }
    if dirs.len() == 1 && dirs[0].is_empty() {
        return "/".into();
    }
    dirs.join("/")
}

fn display_path(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let s = rel.to_string_lossy();
    if cfg!(windows) {
        s.replace('\\', "/")
    } else {
        s.into_owned()
    }
}

/// Every regular file under `start` (or `start` itself when it is a file).
fn walk(start: &Path, out: &mut Vec<PathBuf>) {
    let Ok(meta) = std::fs::symlink_metadata(start) else {
        return;
    };
    if meta.is_file() || (meta.file_type().is_symlink() && start.is_file()) {
        out.push(start.to_path_buf());
        return;
    }
    if !meta.is_dir() {
        return;
    }
    let mut stack = vec![start.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(ft) = entry.file_type() else { continue };
            let path = entry.path();
            if ft.is_dir() {
                if entry.file_name() != ".git" {
                    stack.push(path);
                }
            } else if ft.is_file() || (ft.is_symlink() && path.is_file()) {
                out.push(path);
            }
        }
    }
}

/// The ordered glob → test type mapping; the first matching glob wins, [`DEFAULT_TEST_TYPE`]
/// when none does.
#[derive(Debug, Clone)]
pub struct TestTypes {
    rules: Vec<(GlobMatcher, String)>,
    default: String,
}

/// The type of a report no rule matches.
pub const DEFAULT_TEST_TYPE: &str = "unit";

/// The mapping used when `test-types` is not set: end-to-end directories and file names first,
/// then integration ones; everything else is `unit`.
pub const DEFAULT_TEST_TYPES: &str = "\
**/{e2e,E2E,end-to-end,cypress,playwright}/**=e2e
**/*{e2e,E2E}*=e2e
**/{integration,integration-tests,integration_tests,integrationTest,it,failsafe-reports}/**=integration
**/*{integration,Integration}*=integration
**/*IT.xml=integration";

impl TestTypes {
    /// Parses `<glob>=<type>` lines (blank lines and `#` comments ignored). Globs match the
    /// report's path relative to the root; `*` does not cross `/`, `**` does.
    pub fn parse(text: &str) -> Result<TestTypes, PathsError> {
        let mut rules = Vec::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((pattern, ty)) = line.rsplit_once('=') else {
                return Err(PathsError::InvalidMapping { line: line.into() });
            };
            let (pattern, ty) = (pattern.trim(), ty.trim());
            if pattern.is_empty() || ty.is_empty() {
                return Err(PathsError::InvalidMapping { line: line.into() });
            }
            rules.push((glob("test-types", &normalize(pattern))?, ty.to_string()));
        }
        Ok(TestTypes {
            rules,
            default: DEFAULT_TEST_TYPE.to_string(),
        })
    }

    /// The type of the report at `display` (relative to the root).
    pub fn type_of(&self, display: &str) -> &str {
        self.rules
            .iter()
            .find(|(g, _)| g.is_match(display))
            .map_or(self.default.as_str(), |(_, t)| t.as_str())
    }
}

impl Default for TestTypes {
    fn default() -> Self {
        TestTypes::parse(DEFAULT_TEST_TYPES).expect("the default mapping parses")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_sorted_deduplicated_with_exclusions() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for f in [
            "reports/b.xml",
            "reports/a.xml",
            "reports/skip-me.xml",
            "reports/nested/c.xml",
            "other/d.xml",
            "reports/notes.txt",
        ] {
            let p = root.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "x").unwrap();
        }
        let files = expand(
            root,
            "reports/**/*.xml\n  reports/*.xml\n# comment\n\n!**/skip-*.xml\nother/d.xml\n",
        )
        .unwrap();
        let names: Vec<&str> = files.iter().map(|f| f.display.as_str()).collect();
        assert_eq!(
            names,
            [
                "other/d.xml",
                "reports/a.xml",
                "reports/b.xml",
                "reports/nested/c.xml"
            ]
        );
        assert!(expand(root, "nothing/**/*.xml").unwrap().is_empty());
        assert!(matches!(
            expand(root, "reports/[.xml"),
            Err(PathsError::InvalidGlob { .. })
        ));
    }

    #[test]
    fn an_absolute_pattern_under_the_workspace_finds_its_files_shown_relative() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for f in ["target/TEST-a.xml", "target/TEST-skip.xml", "target/x.txt"] {
            let p = root.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "x").unwrap();
        }
        let absolute = format!("{}/target/TEST-*.xml\n!**/TEST-skip.xml", root.display());
        let files = expand(root, &absolute).unwrap();
        let names: Vec<&str> = files.iter().map(|f| f.display.as_str()).collect();
        assert_eq!(names, ["target/TEST-a.xml"]);
        let exact = format!("{}/target/TEST-a.xml", root.display());
        assert_eq!(expand(root, &exact).unwrap().len(), 1);
    }

    #[test]
    fn literal_prefixes() {
        assert_eq!(literal_prefix("a/b/*.xml"), "a/b");
        assert_eq!(literal_prefix("**/x.xml"), "");
        assert_eq!(literal_prefix("a/b.xml"), "a");
        assert_eq!(literal_prefix("/abs/**/x"), "/abs");
    }

    #[test]
    fn test_types_default_and_custom() {
        let t = TestTypes::default();
        assert_eq!(t.type_of("target/surefire-reports/TEST-a.xml"), "unit");
        assert_eq!(
            t.type_of("target/failsafe-reports/TEST-a.xml"),
            "integration"
        );
        assert_eq!(t.type_of("reports/integration/x.xml"), "integration");
        assert_eq!(t.type_of("junit.spark.integration.1.xml"), "integration");
        assert_eq!(t.type_of("web/e2e/results.xml"), "e2e");
        assert_eq!(t.type_of("playwright-e2e.xml"), "e2e");
        let c = TestTypes::parse("**/slow/**=slow\n**=other").unwrap();
        assert_eq!(c.type_of("a/slow/x.xml"), "slow");
        assert_eq!(c.type_of("x.xml"), "other");
        assert!(TestTypes::parse("no-equals").is_err());
    }
}
