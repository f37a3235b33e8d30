//! Branch and workflow globs given as settings, compiled once when the settings are read
//! ([`crate::globs`] says what they mean).

use super::sources::Origins;
use super::values::split_list;
use super::SettingsError;
pub use crate::globs::Globs;

/// The setting `name`, a list with commas or newlines (`default` when unset), compiled.
pub(super) fn setting(
    origins: &Origins,
    name: &str,
    value: Option<&str>,
    default: &str,
) -> Result<Globs, SettingsError> {
    Globs::new(&split_list(value.unwrap_or(default))).map_err(|p| origins.bad(name, p))
}
