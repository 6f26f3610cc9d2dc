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
        if let Ok(u) = std::env::var("LOCKDESK_TTLOCK_BASE_URL") {
            s.ttlock_base_url = u;
        }
        if let Ok(u) = std::env::var("LOCKDESK_DOORDECK_BASE_URL") {
            s.doordeck_base_url = u;
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

    /// The providers file in effect: $LOCKDESK_PROVIDERS_FILE, else the
    /// profile's, else `providers.toml` in the config folder.
    pub fn path(profile_file: Option<&str>) -> PathBuf {
        std::env::var_os("LOCKDESK_PROVIDERS_FILE")
            .map(PathBuf::from)
            .or_else(|| profile_file.map(PathBuf::from))
            .unwrap_or_else(|| crate::config::config_dir().join("providers.toml"))
    }

    /// Reads the providers file; none means no provider is configured.
    pub fn load(profile_file: Option<&str>) -> anyhow::Result<ProviderSettings> {
        let path = Self::path(profile_file);
        match std::fs::read_to_string(&path) {
            Ok(t) => {
                crate::files::check_private(&path, "provider passwords").map_err(|e| anyhow!(e))?;
                Self::parse(&path.display().to_string(), &t)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Self::parse("(none)", ""),
            Err(e) => Err(anyhow!("reading {}: {e}", path.display())),
        }
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

type ClientCache = BTreeMap<(i64, &'static str), Arc<dyn Provider>>;

/// Provider clients by (customer, provider), built on first use and kept.
pub struct Providers {
    settings: ProviderSettings,
    clients: Mutex<ClientCache>,
}

impl Providers {
    pub fn new(settings: ProviderSettings) -> Providers {
        Providers {
            settings,
            clients: Mutex::new(BTreeMap::new()),
        }
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
}
