//! Everything `record` needs beyond the target: its flags, the test-results settings
//! ([`JunitSettings`]) and the rules settings ([`RulesSettings`]). Each command with settings
//! of its own gets a file like this one.

use super::junit::JunitSettings;
use super::rules::RulesSettings;
use super::sources::{Origins, RawSettings};
use super::SettingsError;
use crate::cli::RecordArgs;

/// Everything `record` needs beyond the target.
#[derive(Debug, Clone)]
pub struct RecordSettings {
    /// Flags given on the command line.
    pub args: RecordArgs,
    /// Test results.
    pub junit: JunitSettings,
    /// Rules.
    pub rules: RulesSettings,
}

impl RecordSettings {
    pub(super) fn read(
        args: RecordArgs,
        raw: &RawSettings,
        origins: &Origins,
    ) -> Result<Self, SettingsError> {
        Ok(RecordSettings {
            args,
            junit: JunitSettings::read(raw, origins)?,
            rules: RulesSettings::read(raw, origins)?,
        })
    }
}
