//! The Supabase projects rows can go to: the URL and service role key given per environment
//! (`staging-…`, `production-…`) or for all (unprefixed), the `rest-url` override, and which of
//! them an environment uses. Keys are [`Secret`]s: their `Debug` prints `***`.

use super::sources::{Origins, RawSettings};
use super::values::url;
use super::SettingsError;
use crate::environment::Environment;
use crate::secret::{KeyKind, Secret};

/// The URL `supabase start` serves the API on, used for the `local` environment.
pub const LOCAL_SUPABASE_URL: &str = "http://127.0.0.1:54321";

/// Supabase settings given for one environment (or for all, unprefixed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemoteSettings {
    /// Project URL.
    pub url: Option<String>,
    /// Service role key.
    pub key: Option<Secret>,
}

/// Every Supabase setting.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Remotes {
    /// Unprefixed (`supabase-url`, `supabase-service-role-key`): for every environment without
    /// its own.
    pub shared: RemoteSettings,
    /// Staging-only (`staging-supabase-…`).
    pub staging: RemoteSettings,
    /// Production-only (`production-supabase-…`).
    pub production: RemoteSettings,
    /// `rest-url`: the PostgREST base, when it is not `<url>/rest/v1`.
    pub rest_url: Option<String>,
}

/// The Supabase project an environment's rows go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// PostgREST base, e.g. `https://x.supabase.co/rest/v1`.
    pub rest_url: String,
    /// The service role key.
    pub key: Secret,
}

impl Remotes {
    pub(super) fn read(raw: &RawSettings, origins: &Origins) -> Result<Remotes, SettingsError> {
        let key = |value: &Option<String>| value.clone().map(Secret::new);
        Ok(Remotes {
            shared: RemoteSettings {
                url: url(origins, "supabase-url", raw.supabase_url.as_deref())?,
                key: key(&raw.supabase_service_role_key),
            },
            staging: RemoteSettings {
                url: url(
                    origins,
                    "staging-supabase-url",
                    raw.staging_supabase_url.as_deref(),
                )?,
                key: key(&raw.staging_supabase_service_role_key),
            },
            production: RemoteSettings {
                url: url(
                    origins,
                    "production-supabase-url",
                    raw.production_supabase_url.as_deref(),
                )?,
                key: key(&raw.production_supabase_service_role_key),
            },
            rest_url: url(origins, "rest-url", raw.rest_url.as_deref())?,
        })
    }

    /// The URL and key `environment` uses: its own settings, else the unprefixed ones (and, for
    /// `local`, the URL of `supabase start`).
    pub fn of(&self, environment: Environment) -> (Option<String>, Option<Secret>) {
        let specific = match environment {
            Environment::Local => &RemoteSettings::default(),
            Environment::Staging => &self.staging,
            Environment::Production => &self.production,
        };
        let url = specific
            .url
            .clone()
            .or_else(|| self.shared.url.clone())
            .or_else(|| (environment == Environment::Local).then(|| LOCAL_SUPABASE_URL.to_owned()));
        let key = specific.key.clone().or_else(|| self.shared.key.clone());
        (url, key)
    }

    /// The project `environment`'s rows go to; `None` when the URL or the key is missing
    /// ([`Remotes::missing_for`] says which). A key that cannot write is an error.
    pub fn project(&self, environment: Environment) -> Result<Option<Project>, SettingsError> {
        let (Some(url), Some(key)) = self.of(environment) else {
            return Ok(None);
        };
        if key.key_kind() == KeyKind::PublishableKey {
            return Err(SettingsError::UnusableKey {
                environment,
                kind: KeyKind::PublishableKey.describe(),
            });
        }
        let rest_url = self
            .rest_url
            .clone()
            .unwrap_or_else(|| format!("{url}/rest/v1"));
        Ok(Some(Project { rest_url, key }))
    }

    /// What [`Remotes::project`] lacks for `environment`, in words naming the settings.
    pub fn missing_for(&self, environment: Environment) -> String {
        let (url, key) = self.of(environment);
        let env = environment.as_str();
        match (url.is_some(), key.is_some()) {
            (true, true) => String::new(),
            (false, false) => format!("{env}-supabase-url and {env}-supabase-service-role-key (or supabase-url and supabase-service-role-key)"),
            (true, false) => format!("{env}-supabase-service-role-key (or supabase-service-role-key)"),
            (false, true) => format!("{env}-supabase-url (or supabase-url)"),
        }
    }

    /// True when some Supabase URL or key is configured, for any environment.
    pub fn has_any(&self) -> bool {
        [&self.shared, &self.staging, &self.production]
            .iter()
            .any(|r| r.url.is_some() || r.key.is_some())
    }

    /// Every key given.
    pub fn keys(&self) -> impl Iterator<Item = &Secret> {
        [&self.shared.key, &self.staging.key, &self.production.key]
            .into_iter()
            .flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::settings;
    use crate::settings::SettingsError;

    #[test]
    fn publishable_keys_are_refused() {
        let err = settings(
            &[],
            &[("SUPABASE_SERVICE_ROLE_KEY", "sb_publishable_abcdefgh")],
        )
        .unwrap()
        .target()
        .unwrap_err();
        assert!(matches!(err, SettingsError::UnusableKey { .. }));
    }
}
