//! The config file: connection profiles and a few settings, in the platform's
//! config folder (`key = value`, `[profiles.NAME]`); errors say FILE:LINE.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context as _, anyhow};

use crate::tomlfile::{self, Number};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    pub default_profile: Option<String>,
    pub profiles: BTreeMap<String, Profile>,
    /// A running job without an update for longer than this is stuck.
    pub stuck_after_secs: Option<i64>,
    pub time_zone: Option<String>,
    pub operator: Option<String>,
    /// The mode a drift plan starts in: standard (default) or ultra_strict.
    pub drift_mode: Option<String>,
    /// The pane the console opens on with no target: `jobs` (the default)
    /// or `pulse`.
    pub start_pane: Option<String>,
    /// The theme: dark (default), light, high-contrast, or a name with a
    /// file `themes/NAME.toml` in the config folder.
    pub theme: Option<String>,
    /// A theme file laid over the theme (any path).
    pub theme_file: Option<String>,
    /// Mouse capture (default on); off leaves selection to the terminal.
    pub mouse: Option<bool>,
}

/// The panes `start_pane` may name.
pub const START_PANES: [&str; 2] = ["jobs", "pulse"];

#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// The primary: writes, and the reads a write depends on (`write_url`
    /// names the same thing in a profile that also has a `read_url`).
    #[serde(alias = "write_url")]
    pub database_url: Option<String>,
    /// This profile's providers file (credentials per integration customer).
    pub providers_file: Option<String>,
    /// Whether LOCKDESK_*_BASE_URL and LOCKDESK_PROVIDERS_FILE may redirect
    /// this profile's provider calls (off: a demo's exports left in a shell
    /// are ignored, and the console says so).
    #[serde(default)]
    pub allow_env_overrides: bool,
    /// A hot standby that serves this profile's reads (`database_url` is
    /// then the primary, for writes and the reads they depend on).
    pub read_url: Option<String>,
    /// Read from the primary when the standby cannot be reached.
    #[serde(default)]
    pub read_fallback: bool,
}

pub const DEFAULT_STUCK_AFTER_SECS: i64 = 15 * 60;

/// `$LOCKDESK_CONFIG_DIR`, else `$XDG_CONFIG_HOME/lockdesk`, else
/// `~/.config/lockdesk` (macOS: `~/Library/Application Support/lockdesk`).
pub fn config_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("LOCKDESK_CONFIG_DIR") {
        return PathBuf::from(d);
    }
    base_dir("XDG_CONFIG_HOME", ".config", "Library/Application Support").join("lockdesk")
}

/// A base folder: the XDG variable when set to an absolute path (the XDG
/// spec ignores a relative one), else the platform's own under the home
/// folder: `linux` on Linux and the BSDs, `macos` on macOS (whose apps do
/// not use ~/.config).
pub fn base_dir(xdg_var: &str, linux: &str, macos: &str) -> PathBuf {
    if let Some(d) = std::env::var_os(xdg_var)
        .map(PathBuf::from)
        .filter(|d| d.is_absolute())
    {
        return d;
    }
    let rel = if cfg!(target_os = "macos") {
        macos
    } else {
        linux
    };
    std::env::var_os("HOME")
        .map(|h| PathBuf::from(h).join(rel))
        .unwrap_or_else(std::env::temp_dir)
}

pub fn config_path() -> PathBuf {
    config_dir().join("config.toml")
}

/// The folder of user theme files (`NAME.toml`).
pub fn themes_dir() -> PathBuf {
    config_dir().join("themes")
}

/// The user's keymap file, laid over keymaps/default.toml.
pub fn keymap_path() -> PathBuf {
    config_dir().join("keymap.toml")
}

/// The file as written; `Config` is what the rest of lockdesk reads.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    default_profile: Option<String>,
    stuck_after_secs: Option<Number>,
    time_zone: Option<String>,
    operator: Option<String>,
    drift_mode: Option<String>,
    start_pane: Option<String>,
    theme: Option<String>,
    theme_file: Option<String>,
    mouse: Option<bool>,
    #[serde(default)]
    profiles: BTreeMap<String, Profile>,
}

impl Config {
    pub fn parse(file: &str, text: &str) -> anyhow::Result<Config> {
        let f: ConfigFile = tomlfile::parse(file, text).map_err(|e| anyhow!(e))?;
        let stuck_after_secs = match &f.stuck_after_secs {
            None => None,
            Some(n) => Some(n.value().ok_or_else(|| {
                let line = tomlfile::line_starting(text, "stuck_after_secs");
                anyhow!("{file}:{line}: stuck_after_secs is a number of seconds")
            })?),
        };
        if let Some(p) = f.start_pane.as_deref().filter(|p| !START_PANES.contains(p)) {
            let line = tomlfile::line_starting(text, "start_pane");
            return Err(anyhow!(
                "{file}:{line}: start_pane is `{p}`: use {}",
                START_PANES.join(" or ")
            ));
        }
        Ok(Config {
            default_profile: f.default_profile,
            profiles: f.profiles,
            stuck_after_secs,
            time_zone: f.time_zone,
            operator: f.operator,
            drift_mode: f.drift_mode,
            start_pane: f.start_pane,
            theme: f.theme,
            theme_file: f.theme_file,
            mouse: f.mouse,
        })
    }

    /// Reads the config file; a missing file is an empty config.
    pub fn load() -> anyhow::Result<Config> {
        let path = config_path();
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let config = Config::parse(&path.display().to_string(), &text)?;
                let password = |u: &Option<String>| {
                    u.as_deref()
                        .is_some_and(|u| crate::secrets::free_text(u) != u)
                };
                if config
                    .profiles
                    .values()
                    .any(|p| password(&p.database_url) || password(&p.read_url))
                {
                    crate::files::check_private(&path, "a database password")
                        .map_err(|e| anyhow!(e))?;
                }
                Ok(config)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }

    /// The profile in effect, by name: `--profile`, else the default profile
    /// when neither --database-url nor DATABASE_URL named a database.
    pub fn named_profile<'a>(
        &'a self,
        flag: Option<&str>,
        profile: Option<&'a str>,
        env: Option<&str>,
    ) -> Option<(&'a str, &'a Profile)> {
        let name = match profile {
            Some(p) => p,
            None if flag.is_none() && env.is_none() => self.default_profile.as_deref()?,
            None => return None,
        };
        self.profiles.get(name).map(|p| (name, p))
    }

    /// The database URL and where it came from: --database-url, --profile,
    /// DATABASE_URL, then the default profile.
    pub fn resolve_url(
        &self,
        flag: Option<&str>,
        profile: Option<&str>,
        env: Option<String>,
    ) -> anyhow::Result<(String, String)> {
        if let Some(u) = flag {
            return Ok((u.to_string(), "--database-url".into()));
        }
        let from_profile = |name: &str| -> anyhow::Result<(String, String)> {
            let p = self.profiles.get(name).ok_or_else(|| {
                anyhow!(
                    "There is no profile `{name}` in {}. Profiles there: {}.",
                    config_path().display(),
                    if self.profiles.is_empty() {
                        "none".into()
                    } else {
                        self.profiles.keys().cloned().collect::<Vec<_>>().join(", ")
                    }
                )
            })?;
            let url = p.database_url.clone().ok_or_else(|| {
                anyhow!(
                    "Profile `{name}` in {} has no database_url.",
                    config_path().display()
                )
            })?;
            Ok((url, format!("profile {name}")))
        };
        if let Some(p) = profile {
            return from_profile(p);
        }
        if let Some(u) = env {
            return Ok((u, "DATABASE_URL".into()));
        }
        if let Some(p) = &self.default_profile {
            return from_profile(p);
        }
        Err(anyhow!(
            "No database given. Pass --database-url URL, set DATABASE_URL, or add a profile to {}:\n\n  \
             default_profile = \"prod\"\n  [profiles.prod]\n  database_url = \"postgresql://user@host/broker\"\n\n\
             To try lockdesk without a database of your own, run `lockdesk demo`.",
            config_path().display()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_pane_is_jobs_or_pulse() {
        let c = Config::parse("c.toml", "start_pane = \"pulse\"\n").unwrap();
        assert_eq!(c.start_pane.as_deref(), Some("pulse"));
        assert_eq!(Config::parse("c.toml", "").unwrap().start_pane, None);
        let e = Config::parse("c.toml", "operator = \"a\"\nstart_pane = \"trace\"\n")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "c.toml:2: start_pane is `trace`: use jobs or pulse");
    }

    #[test]
    fn profiles_and_settings_parse_and_resolve_in_order() {
        let c = Config::parse(
            "c.toml",
            "default_profile = \"prod\"\nstuck_after_secs = 600\n\n[profiles.prod]\ndatabase_url = \"postgresql://p/broker\"\n[profiles.staging]\ndatabase_url = \"postgresql://s/broker\"\n",
        )
        .unwrap();
        assert_eq!(c.stuck_after_secs, Some(600));
        assert_eq!(
            c.resolve_url(None, None, None).unwrap().0,
            "postgresql://p/broker"
        );
        assert_eq!(
            c.resolve_url(None, None, Some("postgresql://env/x".into()))
                .unwrap()
                .1,
            "DATABASE_URL"
        );
        assert_eq!(
            c.resolve_url(None, Some("staging"), Some("postgresql://env/x".into()))
                .unwrap()
                .0,
            "postgresql://s/broker"
        );
        assert_eq!(
            c.resolve_url(Some("postgresql://f/x"), Some("staging"), None)
                .unwrap()
                .1,
            "--database-url"
        );
        assert!(
            c.resolve_url(None, Some("nope"), None)
                .unwrap_err()
                .to_string()
                .contains("no profile `nope`")
        );
    }

    #[test]
    fn a_profile_names_its_write_and_read_servers() {
        let c = Config::parse(
            "c.toml",
            "[profiles.prod]\nwrite_url = \"postgresql://primary/broker\"\nread_url = \"postgresql://standby/broker\"\nread_fallback = true\n[profiles.staging]\ndatabase_url = \"postgresql://s/broker\"\n",
        )
        .unwrap();
        let prod = &c.profiles["prod"];
        assert_eq!(
            prod.database_url.as_deref(),
            Some("postgresql://primary/broker")
        );
        assert_eq!(
            prod.read_url.as_deref(),
            Some("postgresql://standby/broker")
        );
        assert!(prod.read_fallback);
        let staging = &c.profiles["staging"];
        assert_eq!(staging.read_url, None);
        assert!(!staging.read_fallback);
        // Both names for the primary in one profile is a mistake, said as one.
        assert!(
            Config::parse(
                "c.toml",
                "[profiles.prod]\nwrite_url = \"postgresql://a/b\"\ndatabase_url = \"postgresql://a/b\"\n"
            )
            .is_err()
        );
    }

    #[test]
    fn a_quoted_number_is_still_a_number() {
        let c = Config::parse("c.toml", "stuck_after_secs = \"900\"\n").unwrap();
        assert_eq!(c.stuck_after_secs, Some(900));
        let e = Config::parse("c.toml", "\nstuck_after_secs = \"soon\"\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "c.toml:2: stuck_after_secs is a number of seconds"
        );
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = Config::parse("c.toml", "[profiles.x]\ncolour = \"red\"\n")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "c.toml:2: unknown setting `colour`");
    }
}
