//! Where provider credentials and URLs come from: a providers file (one per
//! profile, default `providers.toml` in the config folder, or the file named
//! by $LOCKDESK_PROVIDERS_FILE), one section per integration customer, plus
//! environment overrides for the base URLs. Clients are built once per
//! customer and kept, so their tokens are reused.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::anyhow;

use crate::tomlfile::{self, Number, quote};

pub use super::doordeck::DoordeckAccount;
use super::doordeck::DoordeckClient;
pub use super::ttlock::TtLockAccount;
use super::ttlock::TtLockClient;
use super::{Provider, ProviderError};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CustomerAccounts {
    pub ttlock: Option<TtLockAccount>,
    pub doordeck: Option<DoordeckAccount>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProviderSettings {
    pub timeout: Duration,
    pub ttlock_base_url: String,
    pub doordeck_base_url: String,
    pub customers: BTreeMap<i64, CustomerAccounts>,
}

impl Default for ProviderSettings {
    fn default() -> Self {
        ProviderSettings {
            timeout: Duration::from_secs(15),
            ttlock_base_url: "https://euapi.ttlock.com".into(),
            doordeck_base_url: "https://api.doordeck.com".into(),
            customers: BTreeMap::new(),
        }
    }
}

/// The providers file as written.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsFile {
    timeout_secs: Option<Number>,
    ttlock_base_url: Option<String>,
    doordeck_base_url: Option<String>,
    #[serde(default)]
    customers: BTreeMap<String, CustomerFile>,
}

/// One `[customers.N]` section.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CustomerFile {
    ttlock_client_id: Option<String>,
    ttlock_client_secret: Option<String>,
    ttlock_username: Option<String>,
    ttlock_password: Option<String>,
    ttlock_base_url: Option<String>,
    doordeck_email: Option<String>,
    doordeck_password: Option<String>,
    doordeck_base_url: Option<String>,
}

impl ProviderSettings {
    /// Parses a providers file: top-level `timeout_secs`, `ttlock_base_url`,
    /// `doordeck_base_url`, then `[customers.N]` sections with
    /// `ttlock_client_id`, `ttlock_client_secret`, `ttlock_username`,
    /// `ttlock_password`, `ttlock_base_url`, `doordeck_email`,
    /// `doordeck_password`, `doordeck_base_url`.
    pub fn parse(file: &str, text: &str) -> anyhow::Result<ProviderSettings> {
        Self::parse_with(file, text, &EnvOverrides::default())
    }

    /// `parse`, with the environment's base URLs laid over the file's
    /// top-level ones (a customer's own base URL still wins).
    fn parse_with(file: &str, text: &str, env: &EnvOverrides) -> anyhow::Result<ProviderSettings> {
        let f: SettingsFile = tomlfile::parse(file, text).map_err(|e| anyhow!(e))?;
        let mut s = ProviderSettings::default();
        if let Some(t) = &f.timeout_secs {
            let secs = t
                .value()
                .and_then(|n| u64::try_from(n).ok())
                .ok_or_else(|| {
                    let line = tomlfile::line_starting(text, "timeout_secs");
                    anyhow!("{file}:{line}: timeout_secs is a number")
                })?;
            s.timeout = Duration::from_secs(secs);
        }
        if let Some(u) = f.ttlock_base_url {
            s.ttlock_base_url = u;
        }
        if let Some(u) = f.doordeck_base_url {
            s.doordeck_base_url = u;
        }
        if let Some(u) = &env.ttlock_base_url {
            s.ttlock_base_url = u.clone();
        }
        if let Some(u) = &env.doordeck_base_url {
            s.doordeck_base_url = u.clone();
        }
        for (name, c) in f.customers {
            let id: i64 = name.parse().map_err(|_| {
                let line = tomlfile::line_starting(text, &format!("[customers.{name}"));
                anyhow!("{file}:{line}: sections are [customers.N], N the integration customer id")
            })?;
            let ttlock = c.ttlock_client_id.map(|client_id| TtLockAccount {
                base_url: c
                    .ttlock_base_url
                    .unwrap_or_else(|| s.ttlock_base_url.clone()),
                client_id,
                client_secret: c.ttlock_client_secret.unwrap_or_default(),
                username: c.ttlock_username.unwrap_or_default(),
                password: c.ttlock_password.unwrap_or_default(),
            });
            let doordeck = c.doordeck_email.map(|email| DoordeckAccount {
                base_url: c
                    .doordeck_base_url
                    .unwrap_or_else(|| s.doordeck_base_url.clone()),
                email,
                password: c.doordeck_password.unwrap_or_default(),
            });
            s.customers
                .insert(id, CustomerAccounts { ttlock, doordeck });
        }
        Ok(s)
    }

    /// The providers file in effect: the environment's, else the profile's,
    /// else `providers.toml` in the config folder.
    pub fn path(profile_file: Option<&str>, env: &EnvOverrides) -> PathBuf {
        env.providers_file
            .clone()
            .or_else(|| profile_file.map(PathBuf::from))
            .unwrap_or_else(|| crate::config::config_dir().join("providers.toml"))
    }

    /// Reads the providers file for `profile` (the named profile in effect,
    /// if any); none means no provider is configured. Under a named profile
    /// the environment's overrides count only if the profile allows them:
    /// a demo's exports left in a shell must never send a production
    /// profile's calls to a simulator. What was ignored comes back, to say.
    pub fn load(
        profile: Option<(&str, &crate::config::Profile)>,
        env: EnvOverrides,
    ) -> anyhow::Result<(ProviderSettings, Option<String>)> {
        let (env, ignored) = match profile {
            Some((name, p)) if !p.allow_env_overrides && !env.names().is_empty() => {
                let notice = format!(
                    "ignored {} from the environment: profile `{name}` does not allow it \
                     (add allow_env_overrides = true to [profiles.{name}] if it should)",
                    env.names().join(", ")
                );
                (EnvOverrides::default(), Some(notice))
            }
            _ => (env, None),
        };
        let path = Self::path(profile.and_then(|(_, p)| p.providers_file.as_deref()), &env);
        let settings = match std::fs::read_to_string(&path) {
            Ok(t) => {
                crate::files::check_private(&path, "provider passwords").map_err(|e| anyhow!(e))?;
                Self::parse_with(&path.display().to_string(), &t, &env)?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Self::parse_with("(none)", "", &env)?
            }
            Err(e) => return Err(anyhow!("reading {}: {e}", path.display())),
        };
        Ok((settings, ignored))
    }

    /// Where provider calls go, for the header: `none` without accounts,
    /// `local` when every account is on this machine (a simulator), else
    /// the first host and how many others.
    pub fn destinations(&self) -> String {
        let mut hosts: Vec<String> = Vec::new();
        for c in self.customers.values() {
            let urls = c.ttlock.iter().map(|t| &t.base_url);
            for u in urls.chain(c.doordeck.iter().map(|d| &d.base_url)) {
                let h = host_of(u);
                if !hosts.contains(&h) {
                    hosts.push(h);
                }
            }
        }
        let local = |h: &String| matches!(h.as_str(), "127.0.0.1" | "localhost" | "[::1]" | "::1");
        match hosts.as_slice() {
            [] => "none".into(),
            all if all.iter().all(local) => "local".into(),
            [one] => one.clone(),
            [first, rest @ ..] => format!("{first} +{}", rest.len()),
        }
    }

    /// The hosts copy-as-curl may send each provider's token to: the
    /// documented ones and every base URL configured here.
    pub fn token_hosts(&self) -> crate::curl::TokenHosts {
        let tt = self.customers.values().filter_map(|c| c.ttlock.as_ref());
        let dd = self.customers.values().filter_map(|c| c.doordeck.as_ref());
        crate::curl::TokenHosts::with_bases(
            std::iter::once(self.ttlock_base_url.as_str()).chain(tt.map(|t| t.base_url.as_str())),
            std::iter::once(self.doordeck_base_url.as_str()).chain(dd.map(|d| d.base_url.as_str())),
        )
    }

    /// The text of a providers file holding these settings (the demo writes one).
    pub fn to_file_text(&self) -> String {
        let mut out = format!(
            "# lockdesk providers file: credentials per integration customer. Keep it private (mode 600).\n\
             timeout_secs = {}\nttlock_base_url = {}\ndoordeck_base_url = {}\n",
            self.timeout.as_secs(),
            quote(&self.ttlock_base_url),
            quote(&self.doordeck_base_url)
        );
        for (id, c) in &self.customers {
            out.push_str(&format!("\n[customers.{id}]\n"));
            if let Some(t) = &c.ttlock {
                out.push_str(&format!(
                    "ttlock_base_url = {}\nttlock_client_id = {}\nttlock_client_secret = {}\nttlock_username = {}\nttlock_password = {}\n",
                    quote(&t.base_url),
                    quote(&t.client_id),
                    quote(&t.client_secret),
                    quote(&t.username),
                    quote(&t.password)
                ));
            }
            if let Some(d) = &c.doordeck {
                out.push_str(&format!(
                    "doordeck_base_url = {}\ndoordeck_email = {}\ndoordeck_password = {}\n",
                    quote(&d.base_url),
                    quote(&d.email),
                    quote(&d.password)
                ));
            }
        }
        out
    }
}

/// The host of a base URL, without scheme, credentials, port or path.
fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host_port.starts_with('[') {
        return host_port
            .split_inclusive(']')
            .next()
            .unwrap_or(host_port)
            .to_string();
    }
    host_port.split(':').next().unwrap_or("").to_string()
}

/// The environment variables a demo or simulator exports to point lockdesk
/// at itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvOverrides {
    pub ttlock_base_url: Option<String>,
    pub doordeck_base_url: Option<String>,
    pub providers_file: Option<PathBuf>,
}

impl EnvOverrides {
    pub fn from_env() -> EnvOverrides {
        EnvOverrides {
            ttlock_base_url: std::env::var("LOCKDESK_TTLOCK_BASE_URL").ok(),
            doordeck_base_url: std::env::var("LOCKDESK_DOORDECK_BASE_URL").ok(),
            providers_file: std::env::var_os("LOCKDESK_PROVIDERS_FILE").map(PathBuf::from),
        }
    }

    fn names(&self) -> Vec<&'static str> {
        let mut n = Vec::new();
        if self.ttlock_base_url.is_some() {
            n.push("LOCKDESK_TTLOCK_BASE_URL");
        }
        if self.doordeck_base_url.is_some() {
            n.push("LOCKDESK_DOORDECK_BASE_URL");
        }
        if self.providers_file.is_some() {
            n.push("LOCKDESK_PROVIDERS_FILE");
        }
        n
    }
}

type ClientCache = BTreeMap<(i64, &'static str), Arc<dyn Provider>>;

/// Provider clients by (customer, provider), built on first use and kept.
pub struct Providers {
    settings: ProviderSettings,
    clients: Mutex<ClientCache>,
    /// The device probes before acting, kept per lock (`probe`).
    probes: super::probe::Probes,
}

impl Providers {
    pub fn new(settings: ProviderSettings) -> Providers {
        Providers {
            settings,
            clients: Mutex::new(BTreeMap::new()),
            probes: super::probe::Probes::default(),
        }
    }

    /// The kept probe of `lock` (younger than `probe::KEEP`), if any: what
    /// a pane shows of the device without sending it anything.
    pub fn kept_probe(&self, lock: &str) -> Option<Arc<super::probe::Probed>> {
        self.probes.kept(lock)
    }

    /// The device state of one lock before acting on it: kept for
    /// `probe::KEEP`, else read once within `PROBE_DEADLINE`, at most
    /// `probe::PER_ACCOUNT` at a time per account. `now` is the database's
    /// clock (the time the answer is shown with). A lock lockdesk has no
    /// client for answers "could not be read", never an error.
    pub async fn probe(
        &self,
        customer: Option<i64>,
        provider: &str,
        external_id: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Arc<super::probe::Probed> {
        let lock = crate::lockkey::LockKey::new(provider, external_id).to_string();
        let client = self.client(customer, provider);
        self.probes
            .probe(customer, provider, &lock, now, async move {
                match client {
                    Ok(c) => {
                        let o = c.device_state(external_id, super::PROBE_DEADLINE).await;
                        o.calls.iter().for_each(super::log_look);
                        (o.result.map_err(|e| e.to_string()), o.calls)
                    }
                    Err(e) => (Err(e.to_string()), Vec::new()),
                }
            })
            .await
    }

    /// Uses `client` for one customer's account at `provider` (`TTLOCK` or
    /// `DOORDECK`) instead of building one from the settings: for a client
    /// that wraps another, or a test's own.
    pub fn with_client(
        self,
        customer: i64,
        provider: &'static str,
        client: Arc<dyn Provider>,
    ) -> Providers {
        if let Ok(mut c) = self.clients.lock() {
            c.insert((customer, provider), client);
        }
        self
    }

    pub fn settings(&self) -> &ProviderSettings {
        &self.settings
    }

    /// The client for one customer's account at one provider (`TTLOCK`, `DOORDECK`).
    pub fn client(
        &self,
        customer: Option<i64>,
        provider: &str,
    ) -> Result<Arc<dyn Provider>, ProviderError> {
        let provider = match provider.to_ascii_uppercase().as_str() {
            "TTLOCK" => "TTLOCK",
            "DOORDECK" => "DOORDECK",
            other => {
                return Err(ProviderError::NotConfigured(format!(
                    "lockdesk has no client for provider {other}"
                )));
            }
        };
        let customer = customer.ok_or_else(|| {
            ProviderError::NotConfigured("the door has no integration customer".into())
        })?;
        let mut clients = self
            .clients
            .lock()
            .map_err(|_| ProviderError::NotConfigured("client cache poisoned".into()))?;
        if let Some(c) = clients.get(&(customer, provider)) {
            return Ok(c.clone());
        }
        let accounts = self.settings.customers.get(&customer);
        let missing = || {
            ProviderError::NotConfigured(format!(
                "no {provider} account for integration customer {customer} in the providers file (`lockdesk info` shows where)"
            ))
        };
        let client: Arc<dyn Provider> = match provider {
            "TTLOCK" => {
                let a = accounts
                    .and_then(|a| a.ttlock.clone())
                    .ok_or_else(missing)?;
                Arc::new(TtLockClient::new(a, self.settings.timeout))
            }
            _ => {
                let a = accounts
                    .and_then(|a| a.doordeck.clone())
                    .ok_or_else(missing)?;
                Arc::new(DoordeckClient::new(a, self.settings.timeout))
            }
        };
        clients.insert((customer, provider), client.clone());
        Ok(client)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_providers_file_round_trips() {
        let mut s = ProviderSettings::default();
        s.customers.insert(
            1,
            CustomerAccounts {
                ttlock: Some(TtLockAccount {
                    base_url: "http://127.0.0.1:1".into(),
                    client_id: "c".into(),
                    client_secret: "s".into(),
                    username: "u".into(),
                    password: "p".into(),
                }),
                doordeck: None,
            },
        );
        let text = s.to_file_text();
        let back = ProviderSettings::parse("p.toml", &text).unwrap();
        assert_eq!(back.customers, s.customers);
        let e = ProviderSettings::parse("p.toml", "[customers.1]\ncolour = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("p.toml:2: unknown setting `colour`"), "{e}");
    }

    #[test]
    fn a_named_profile_ignores_the_demo_environment_unless_it_allows_it() {
        let dir = crate::files::fresh_private_dir("lockdesk-settings-test").unwrap();
        let prod_file = dir.join("prod.toml");
        crate::files::write_private(&prod_file, "[customers.1]\nttlock_client_id = \"c\"\n")
            .unwrap();
        let env = EnvOverrides {
            ttlock_base_url: Some("http://127.0.0.1:4100".into()),
            doordeck_base_url: None,
            providers_file: Some(dir.join("sim-providers.toml")),
        };
        let mut prod = crate::config::Profile {
            database_url: None,
            providers_file: Some(prod_file.display().to_string()),
            allow_env_overrides: false,
            read_url: None,
            read_fallback: false,
        };
        let (s, ignored) = ProviderSettings::load(Some(("prod", &prod)), env.clone()).unwrap();
        let t = s.customers[&1].ttlock.as_ref().unwrap();
        assert_eq!(t.base_url, "https://euapi.ttlock.com");
        assert_eq!(s.destinations(), "euapi.ttlock.com");
        let said = ignored.expect("says what it ignored");
        assert!(
            said.contains("LOCKDESK_TTLOCK_BASE_URL, LOCKDESK_PROVIDERS_FILE"),
            "{said}"
        );
        assert!(said.contains("[profiles.prod]"), "{said}");
        // Allowed: the environment wins (its providers file is missing: no accounts).
        prod.allow_env_overrides = true;
        let (s, ignored) = ProviderSettings::load(Some(("prod", &prod)), env.clone()).unwrap();
        assert_eq!(ignored, None);
        assert_eq!(s.ttlock_base_url, "http://127.0.0.1:4100");
        assert_eq!(s.destinations(), "none");
        // No named profile (DATABASE_URL, as the demo's exports set): the
        // environment counts.
        let (s, ignored) = ProviderSettings::load(
            None,
            EnvOverrides {
                providers_file: Some(prod_file.clone()),
                ..env
            },
        )
        .unwrap();
        assert_eq!(ignored, None);
        assert_eq!(s.destinations(), "local");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn destinations_name_hosts_only() {
        assert_eq!(
            host_of("https://user:pw@euapi.ttlock.com:443/v3"),
            "euapi.ttlock.com"
        );
        assert_eq!(host_of("http://[::1]:8080"), "[::1]");
        assert_eq!(host_of("api.doordeck.com"), "api.doordeck.com");
    }
}
