//! `record`'s settings about rules: the rules file, which violations fail the step
//! (`fail-on-violation`, parsed here; its rule names are checked against the rules once they
//! are loaded, with the error worded here) and whether violations are annotated.

use super::sources::{Origins, RawSettings};
use super::values::boolean;
use super::SettingsError;
use crate::rules::fail_on::FailOn;
use crate::rules::RuleSet;
use std::fmt;
use std::path::PathBuf;

/// Settings of `record` about rules.
#[derive(Debug, Clone)]
pub struct RulesSettings {
    /// The rules file, when set explicitly (else `.github/devmetrics.yml` if present, else the
    /// default rules).
    pub file: Option<PathBuf>,
    /// Rules whose violation fails the step.
    pub fail_on_violation: FailOnViolation,
    /// Emit a warning annotation per violation.
    pub annotate_violations: bool,
}

/// `fail-on-violation`: empty or `none`, `all`, or rule names separated by commas or newlines.
#[derive(Clone)]
pub struct FailOnViolation {
    fail_on: FailOn,
    origin: String,
}

impl RulesSettings {
    pub(super) fn read(raw: &RawSettings, origins: &Origins) -> Result<Self, SettingsError> {
        Ok(RulesSettings {
            // The default path is not "given": an absent file there means the default rules.
            file: raw
                .rules_file
                .as_deref()
                .map(str::trim)
                .filter(|p| p.trim_start_matches("./") != crate::rules::DEFAULT_PATH)
                .map(PathBuf::from),
            fail_on_violation: FailOnViolation {
                fail_on: FailOn::from_text(raw.fail_on_violation.as_deref().unwrap_or_default()),
                origin: origins.of("fail-on-violation"),
            },
            annotate_violations: raw.annotate_violations.is_none()
                || boolean(
                    origins,
                    "annotate-violations",
                    raw.annotate_violations.as_deref(),
                )?,
        })
    }
}

impl FailOnViolation {
    /// What fails the step under `rules`: every rule named must be one of them (enabled or
    /// not); else the error names the unknown rule, the known ones, and where the setting was
    /// given.
    pub fn check(&self, rules: &RuleSet) -> Result<&FailOn, SettingsError> {
        self.fail_on
            .check(rules)
            .map_err(|err| SettingsError::BadValue {
                origin: self.origin.clone(),
                problem: format!("{err}; {}", err.help()),
            })?;
        Ok(&self.fail_on)
    }
}

// Not the origin: the same value means the same whether given or defaulted.
impl fmt::Debug for FailOnViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fail_on.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::settings;
    use crate::rules::fail_on::FailOn;
    use crate::rules::RuleSet;

    #[test]
    fn fail_on_violation_names_are_checked_against_the_rules_and_the_error_names_the_input() {
        let rules = RuleSet::defaults();
        let given = |text: &str| {
            settings(&[], &[("INPUT_FAIL-ON-VIOLATION", text)])
                .unwrap()
                .record
                .rules
                .fail_on_violation
        };
        assert_eq!(given("none").check(&rules).unwrap(), &FailOn::Nothing);
        assert_eq!(given("ALL").check(&rules).unwrap(), &FailOn::All);
        let first = rules.rules()[0].name.clone();
        assert_eq!(
            given(&format!("{first},\n{first}")).check(&rules).unwrap(),
            &FailOn::Rules(vec![first.clone()])
        );
        let err = given("nope").check(&rules).unwrap_err().to_string();
        assert!(
            err.starts_with("input `fail-on-violation` (INPUT_FAIL-ON-VIOLATION): fail-on-violation names unknown rule `nope`; use `all`, `none` or rule names"),
            "{err}"
        );
    }
}
