//! `record`'s settings about test results: which JUnit files to read (`junit-paths`, expanded
//! when the files are read), their test types (`test-types`, parsed here once), the leg, the
//! slowest cases kept and the pass-rate threshold.

use super::sources::{Origins, RawSettings};
use super::values::{boolean, number};
use super::SettingsError;
use crate::sources::junit::paths::{PathsError, TestTypes};

/// Settings of `record` about test results.
#[derive(Debug, Clone)]
pub struct JunitSettings {
    /// `junit-paths`: globs one per line, `!` to exclude (expanded when the files are read).
    pub paths: String,
    /// Where `junit-paths` was given, for [`JunitSettings::bad_paths`].
    paths_origin: String,
    /// `test-types`: `glob=type` lines, first match wins; `None`: the default mapping, built
    /// only when JUnit files are read ([`JunitSettings::test_types`]), so a run without
    /// `junit-paths` compiles no test-type glob.
    given_test_types: Option<TestTypes>,
    /// How many slowest cases to keep; `None` = all.
    pub slowest: Option<usize>,
    /// Alert under this pass rate (percent).
    pub min_pass_rate: f64,
    /// Fail the step under the pass rate.
    pub fail_on_threshold: bool,
    /// No JUnit file matched is an error.
    pub require_tests: bool,
    /// `leg`: names this leg of a matrix or sharded job (the Action defaults it to the
    /// strategy's job index); `None` = derived from the leg's reports.
    pub leg: Option<String>,
}

impl JunitSettings {
    /// The test-type mapping: the one given, else the default.
    pub fn test_types(&self) -> TestTypes {
        self.given_test_types.clone().unwrap_or_default()
    }

    pub(super) fn read(raw: &RawSettings, origins: &Origins) -> Result<Self, SettingsError> {
        let slowest = match raw.slowest_tests.as_deref().map(str::trim) {
            None => Some(10),
            Some("all") => None,
            Some(v) => Some(v.parse::<usize>().map_err(|_| {
                origins.bad(
                    "slowest-tests",
                    format!("'{v}' is not a count; expected a whole number or `all`"),
                )
            })?),
        };
        let given_test_types = match raw.test_types.as_deref() {
            Some(text) if !text.trim().is_empty() => {
                Some(TestTypes::parse(text).map_err(|e| {
                    origins.bad("test-types", format!("{e}; {}", e.help().join("; ")))
                })?)
            }
            _ => None,
        };
        let min_pass_rate = number(
            origins,
            "min-pass-rate",
            raw.min_pass_rate.as_deref(),
            0.0,
            100.0,
        )?;
        Ok(JunitSettings {
            paths: raw.junit_paths.clone().unwrap_or_default(),
            paths_origin: origins.of("junit-paths"),
            given_test_types,
            slowest,
            min_pass_rate: min_pass_rate.unwrap_or(80.0),
            fail_on_threshold: boolean(
                origins,
                "fail-on-threshold",
                raw.fail_on_threshold.as_deref(),
            )?,
            require_tests: boolean(origins, "require-tests", raw.require_tests.as_deref())?,
            leg: raw
                .leg
                .as_deref()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned),
        })
    }

    /// A `junit-paths` glob that does not parse, found when the files are read: the settings
    /// error naming where `junit-paths` was given.
    pub fn bad_paths(&self, err: PathsError) -> SettingsError {
        SettingsError::BadValue {
            origin: self.paths_origin.clone(),
            problem: format!("{err}; {}", err.help().join("; ")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::settings;
    use crate::sources::junit::paths;

    #[test]
    fn a_bad_junit_paths_glob_found_when_reading_names_where_it_was_given() {
        let s = settings(&[], &[("INPUT_JUNIT-PATHS", "reports/[.xml")]).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let err = paths::expand(dir.path(), &s.record.junit.paths).unwrap_err();
        let text = s.record.junit.bad_paths(err).to_string();
        assert!(
            text.starts_with("input `junit-paths` (INPUT_JUNIT-PATHS): invalid glob `reports/[.xml` in junit-paths"),
            "{text}"
        );
    }

    #[test]
    fn test_types_are_parsed_once_and_a_bad_line_names_its_origin() {
        let s = settings(&[], &[("DEVMETRICS_TEST_TYPES", "**/smoke/**=smoke")]).unwrap();
        assert_eq!(
            s.record.junit.test_types().type_of("a/smoke/x.xml"),
            "smoke"
        );
        let err = settings(&[], &[("DEVMETRICS_TEST_TYPES", "no mapping")]).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("variable DEVMETRICS_TEST_TYPES: invalid line `no mapping`"),
            "{err}"
        );
    }
}
