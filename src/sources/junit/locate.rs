//! Where a failure points in the workspace: the `file`/`line` attributes when present, else the
//! first useful frame of the message or stack trace (Python tracebacks, Java frames mapped to
//! workspace files, `path:line[:col]` as Rust panics, pytest, compilers and linters write).
//!
//! Paths are checked through a [`Workspace`], so tests need no filesystem.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A file and 1-based line in the workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// Relative to the workspace root, with `/` separators.
    pub file: String,
    /// 1-based, when known.
    pub line: Option<u32>,
}

/// The files a location may point at.
pub trait Workspace {
    /// The workspace root as reports may spell it in absolute paths
    /// (`/home/runner/work/repo/repo`).
    fn root(&self) -> Option<&Path>;

    /// True when `relative` (with `/` separators) is a file of the workspace.
    fn exists(&self, relative: &str) -> bool;

    /// Directories that may hold Java or Kotlin sources (`src/main/java`…) relative to the
    /// root, module directories of a multi-module build included.
    fn source_roots(&self) -> Vec<String> {
        DEFAULT_SOURCE_ROOTS.iter().map(|s| s.to_string()).collect()
    }
}

/// Where JVM builds keep sources, relative to a module.
pub const DEFAULT_SOURCE_ROOTS: &[&str] = &[
    "src/test/java",
    "src/main/java",
    "src/test/kotlin",
    "src/main/kotlin",
    "src/test/scala",
    "src/main/scala",
    "src/it/java",
    "src/integrationTest/java",
    "src/integrationTest/kotlin",
    "src",
    "",
];

/// The workspace on disk.
#[derive(Debug, Clone)]
pub struct FsWorkspace {
    root: PathBuf,
    /// The source roots, listed once (every failed JVM case asks for them).
    source_roots: std::sync::OnceLock<Vec<String>>,
    /// Whether each path looked at was a file (or, for a directory, existed): the failures of
    /// one test class point at the same candidates under each source root, and a root that is
    /// not there rules out every file under it with one look.
    seen: std::sync::Arc<std::sync::Mutex<HashMap<String, bool>>>,
}

impl FsWorkspace {
    /// The workspace at `root` (`$GITHUB_WORKSPACE`).
    pub fn new(root: impl Into<PathBuf>) -> FsWorkspace {
        FsWorkspace {
            root: root.into(),
            source_roots: std::sync::OnceLock::new(),
            seen: Default::default(),
        }
    }

    /// Whether `relative` is a directory (`dir`) or a file of the workspace, looked at once.
    fn is(&self, relative: &str, dir: bool) -> bool {
        let key = if dir {
            format!("{relative}/")
        } else {
            relative.to_owned()
        };
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(&known) = seen.get(&key) {
            return known;
        }
        let path = self.root.join(relative);
        let found = if dir { path.is_dir() } else { path.is_file() };
        seen.insert(key, found);
        found
    }

    /// [`DEFAULT_SOURCE_ROOTS`], and the same under each module one level down
    /// (`core/src/test/java`), as multi-module builds lay them out.
    fn list_source_roots(&self) -> Vec<String> {
        let mut roots: Vec<String> = DEFAULT_SOURCE_ROOTS.iter().map(|s| s.to_string()).collect();
        if let Ok(entries) = std::fs::read_dir(&self.root) {
            let mut modules: Vec<String> = entries
                .flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| !n.starts_with('.') && n != "node_modules" && n != "target")
                .collect();
            modules.sort();
            for m in modules.into_iter().take(200) {
                for r in &DEFAULT_SOURCE_ROOTS[..DEFAULT_SOURCE_ROOTS.len() - 2] {
                    roots.push(format!("{m}/{r}"));
                }
            }
        }
        roots
    }
}

impl Workspace for FsWorkspace {
    fn root(&self) -> Option<&Path> {
        Some(&self.root)
    }

    fn exists(&self, relative: &str) -> bool {
        if relative.is_empty() || relative.contains("..") {
            return false;
        }
        let parent_there = relative
            .rsplit_once('/')
            .is_none_or(|(parent, _)| self.is(parent, true));
        parent_there && self.is(relative, false)
    }

    fn source_roots(&self) -> Vec<String> {
        self.source_roots
            .get_or_init(|| self.list_source_roots())
            .clone()
    }
}

/// Turns a path from a report into a workspace-relative one: `\` becomes `/`, the root prefix
/// and `./` are cut. `None` for an absolute path outside the workspace.
pub fn relativize(path: &str, workspace: &dyn Workspace) -> Option<String> {
    let p = path.trim().replace('\\', "/");
    if p.is_empty() {
        return None;
    }
    let absolute = p.starts_with('/') || p.as_bytes().get(1) == Some(&b':');
    if absolute {
        let root = workspace.root()?.to_string_lossy().replace('\\', "/");
        let root = root.trim_end_matches('/');
        let rest = p.strip_prefix(root)?.strip_prefix('/')?;
        return (!rest.is_empty()).then(|| rest.to_string());
    }
    let rel = p.trim_start_matches("./");
    (!rel.is_empty()).then(|| rel.to_string())
}

/// The location of a failure: the `file`/`line` attributes if the file is in the workspace,
/// else the first frame of `texts` (message, then stack trace) that is.
pub fn locate(
    file_attr: Option<&str>,
    line_attr: Option<u32>,
    texts: &[&str],
    workspace: &dyn Workspace,
) -> Option<Location> {
    if let Some(f) = file_attr.and_then(|f| relativize(f, workspace)) {
        let line = line_attr.or_else(|| {
            texts.iter().find_map(|t| {
                path_line_frames(t)
                    .find(|(p, _)| p.ends_with(&f))
                    .map(|(_, l)| l)
            })
        });
        return Some(Location { file: f, line });
    }
    for text in texts {
        if let Some(l) = python_frame(text, workspace) {
            return Some(l);
        }
        if let Some(l) = java_frame(text, workspace) {
            return Some(l);
        }
        if let Some(l) = path_line_frame(text, workspace) {
            return Some(l);
        }
    }
    None
}

/// The innermost frame of a Python traceback (`File "x.py", line 3, in f`) that is in the
/// workspace.
fn python_frame(text: &str, workspace: &dyn Workspace) -> Option<Location> {
    let mut found = None;
    for line in text.lines() {
        let Some(start) = line.find("File \"") else {
            continue;
        };
        let rest = &line[start + 6..];
        let Some(end) = rest.find('"') else { continue };
        let path = &rest[..end];
        let after = &rest[end + 1..];
        let Some(n) = after.trim_start().strip_prefix(", line ") else {
            continue;
        };
        let num: String = n.chars().take_while(|c| c.is_ascii_digit()).collect();
        let Ok(num) = num.parse::<u32>() else {
            continue;
        };
        if let Some(rel) = relativize(path, workspace).filter(|r| workspace.exists(r)) {
            found = Some(Location {
                file: rel,
                line: Some(num),
            });
        }
    }
    found
}

/// The first Java/Kotlin frame (`at com.foo.Bar.baz(Bar.java:42)`) whose source is in the
/// workspace, found as `<source root>/com/foo/Bar.java`.
fn java_frame(text: &str, workspace: &dyn Workspace) -> Option<Location> {
    let mut roots: Option<Vec<String>> = None;
    for line in text.lines() {
        let l = line.trim_start();
        let Some(frame) = l.strip_prefix("at ") else {
            continue;
        };
        let Some(open) = frame.find('(') else {
            continue;
        };
        let Some(close) = frame[open..].find(')') else {
            continue;
        };
        let method = &frame[..open];
        let inside = &frame[open + 1..open + close];
        let Some((file, num)) = inside.rsplit_once(':') else {
            continue;
        };
        let Ok(num) = num.trim().parse::<u32>() else {
            continue;
        };
        if !(file.ends_with(".java") || file.ends_with(".kt") || file.ends_with(".scala")) {
            continue;
        }
        // `com.foo.Bar$Inner.baz` → package `com/foo`.
        let method = method.rsplit_once('/').map_or(method, |(_, m)| m);
        let mut parts: Vec<&str> = method.split('.').collect();
        parts.pop(); // the method
        parts.pop(); // the class
        let package = parts.join("/");
        let relative = if package.is_empty() {
            file.to_string()
        } else {
            format!("{package}/{file}")
        };
        let roots = roots.get_or_insert_with(|| workspace.source_roots());
        for root in roots.iter() {
            let candidate = if root.is_empty() {
                relative.clone()
            } else {
                format!("{root}/{relative}")
            };
            if workspace.exists(&candidate) {
                return Some(Location {
                    file: candidate,
                    line: Some(num),
                });
            }
        }
    }
    None
}

/// The first `path:line[:col]` whose path is a workspace file.
fn path_line_frame(text: &str, workspace: &dyn Workspace) -> Option<Location> {
    path_line_frames(text).find_map(|(p, line)| {
        relativize(p, workspace)
            .filter(|r| workspace.exists(r))
            .map(|file| Location {
                file,
                line: Some(line),
            })
    })
}

/// Every `path:line` in `text`: a run of path characters holding a `.` extension, then `:`
/// and digits (`src/x.rs:12:5`, `tests/test_a.py:42: AssertionError`, `C:\r\a.php:7`).
fn path_line_frames(text: &str) -> impl Iterator<Item = (&str, u32)> {
    let bytes = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() {
            if bytes[i] == b':' && i > 0 && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
                // Walk back over the path.
                let mut start = i;
                while start > 0 && is_path_byte(bytes[start - 1]) {
                    start -= 1;
                }
                // A Windows drive letter (`C:\…`).
                if start >= 2 && bytes[start - 1] == b':' && bytes[start - 2].is_ascii_alphabetic()
                {
                    start -= 2;
                }
                let mut end = i + 1;
                while end < bytes.len() && bytes[end].is_ascii_digit() {
                    end += 1;
                }
                let path = &text[start..i];
                let digits = &text[i + 1..end];
                i = end;
                let file_name = path.rsplit(['/', '\\']).next().unwrap_or(path);
                if file_name.contains('.') && !file_name.ends_with('.') {
                    if let Ok(line) = digits.parse::<u32>() {
                        if line > 0 {
                            return Some((path, line));
                        }
                    }
                }
                continue;
            }
            i += 1;
        }
        None
    })
}

fn is_path_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'/' | b'\\' | b'.' | b'_' | b'-' | b'+' | b'@')
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn the_workspace_on_disk_finds_files_not_directories_and_looks_at_each_once() {
        let dir = tempfile::tempdir().unwrap();
        let java = dir.path().join("src/test/java/com/example");
        std::fs::create_dir_all(&java).unwrap();
        std::fs::write(java.join("ATest.java"), "class ATest {}").unwrap();
        std::fs::write(dir.path().join("top.rs"), "").unwrap();
        let ws = FsWorkspace::new(dir.path());
        assert!(ws.exists("src/test/java/com/example/ATest.java"));
        assert!(ws.exists("top.rs"));
        assert!(
            !ws.exists("src/test/java/com/example"),
            "a directory is not a file"
        );
        assert!(!ws.exists("src/main/java/com/example/ATest.java"));
        assert!(!ws.exists("src/test/java/com/example/BTest.java"));
        assert!(!ws.exists("../outside.rs"));
        assert!(!ws.exists(""));
        // Answers are kept: a file removed now is still found, a missing root still missing.
        std::fs::remove_file(java.join("ATest.java")).unwrap();
        std::fs::create_dir_all(dir.path().join("src/main/java/com/example")).unwrap();
        std::fs::write(dir.path().join("src/main/java/com/example/ATest.java"), "").unwrap();
        assert!(ws.exists("src/test/java/com/example/ATest.java"));
        assert!(!ws.exists("src/main/java/com/example/ATest.java"));
    }

    struct Fake {
        root: PathBuf,
        files: HashSet<&'static str>,
    }

    impl Workspace for Fake {
        fn root(&self) -> Option<&Path> {
            Some(&self.root)
        }
        fn exists(&self, relative: &str) -> bool {
            self.files.contains(relative)
        }
    }

    fn ws(files: &[&'static str]) -> Fake {
        Fake {
            root: PathBuf::from("/home/runner/work/repo/repo"),
            files: files.iter().copied().collect(),
        }
    }

    #[test]
    fn attributes_win_and_absolute_paths_are_made_relative() {
        let w = ws(&[]);
        assert_eq!(
            locate(
                Some("/home/runner/work/repo/repo/src/Fake.php"),
                Some(42),
                &[],
                &w
            ),
            Some(Location {
                file: "src/Fake.php".into(),
                line: Some(42)
            })
        );
        assert_eq!(locate(Some("/elsewhere/x.php"), Some(1), &[], &w), None);
        assert_eq!(
            locate(
                Some("test/test_spark.py"),
                None,
                &["test/test_spark.py:1642: boom"],
                &w
            ),
            Some(Location {
                file: "test/test_spark.py".into(),
                line: Some(1642)
            })
        );
    }

    #[test]
    fn rust_panic() {
        let w = ws(&["crates/a/src/x.rs"]);
        let msg = "thread 'x::t' panicked at crates/a/src/x.rs:12:5:\nassertion failed";
        assert_eq!(
            locate(None, None, &[msg], &w),
            Some(Location {
                file: "crates/a/src/x.rs".into(),
                line: Some(12)
            })
        );
        // Not in the workspace: nothing.
        assert_eq!(
            locate(
                None,
                None,
                &["at /rustc/abc/library/core/src/panicking.rs:5:1"],
                &w
            ),
            None
        );
    }

    #[test]
    fn python_traceback_takes_the_innermost_workspace_frame() {
        let w = ws(&["tests/test_a.py", "pkg/mod.py"]);
        let tb = "Traceback (most recent call last):\n  File \"/home/runner/work/repo/repo/tests/test_a.py\", line 3, in test_x\n    f()\n  File \"pkg/mod.py\", line 10, in f\n    g()\n  File \"/usr/lib/python3/site-packages/z.py\", line 99, in g\nValueError";
        assert_eq!(
            locate(None, None, &[tb], &w),
            Some(Location {
                file: "pkg/mod.py".into(),
                line: Some(10)
            })
        );
    }

    #[test]
    fn java_frames_map_to_workspace_sources() {
        let w = ws(&["core/src/test/java/com/foo/BarTest.java"]);
        struct WithModules(Fake);
        impl Workspace for WithModules {
            fn root(&self) -> Option<&Path> {
                self.0.root()
            }
            fn exists(&self, r: &str) -> bool {
                self.0.exists(r)
            }
            fn source_roots(&self) -> Vec<String> {
                vec!["core/src/test/java".into()]
            }
        }
        let trace = "java.lang.AssertionError: expected 1\n\tat org.junit.Assert.fail(Assert.java:89)\n\tat com.foo.BarTest$Inner.baz(BarTest.java:42)\n";
        assert_eq!(
            locate(None, None, &[trace], &WithModules(w)),
            Some(Location {
                file: "core/src/test/java/com/foo/BarTest.java".into(),
                line: Some(42)
            })
        );
        let flat = ws(&["src/test/java/com/foo/BarTest.java"]);
        assert_eq!(
            locate(None, None, &[trace], &flat).map(|l| l.file),
            Some("src/test/java/com/foo/BarTest.java".into())
        );
    }

    #[test]
    fn windows_and_generic_paths() {
        let w = ws(&["src/Win.php"]);
        let frames: Vec<_> =
            path_line_frames("C:\\repo\\src\\Win.php:77 and a.b:3 and http://x:80").collect();
        assert_eq!(frames[0], ("C:\\repo\\src\\Win.php", 77));
        assert_eq!(frames[1], ("a.b", 3));
        assert_eq!(locate(None, None, &["error.cpp:01"], &w), None);
    }
}
