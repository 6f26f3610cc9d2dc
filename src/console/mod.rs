//! Opening the console: resolve the connection, check the contract, load the
//! keymap and settings, then run in the terminal or headless (`snapshot`).

pub mod executor;
pub mod headless;
pub mod history;
pub mod options;
mod reads;
pub mod screen;
pub mod terminal;

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, anyhow};
use chrono::{DateTime, Utc};

use crate::app::{App, Level, Loc, Options, Session, ThemeName, WriteStart};
use crate::config::{Config, DEFAULT_STUCK_AFTER_SECS};
use crate::keys::{Keymap, parse_sequence};
use crate::lockkey::LockKey;
use crate::providers::settings::{EnvOverrides, ProviderSettings, Providers};
use crate::store;
use crate::timefmt::{Clock, Zone};
use executor::Settings;
use options::{Global, SnapshotArgs, Target};

/// Everything the console needs, resolved from flags, environment and config.
pub struct Setup {
    pub app: App,
    pub pool: sqlx::PgPool,
    /// The hot standby loads read from, when `--read-url` names one.
    pub standby: Option<crate::store::replica::Standby>,
    pub settings: Settings,
    pub providers: Arc<Providers>,
    pub start: Loc,
}

/// The keymap: the defaults with the user's file laid over them.
pub fn keymap() -> anyhow::Result<Keymap> {
    let path = crate::config::keymap_path();
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Keymap::defaults().overlay(&path.display().to_string(), &text)?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Keymap::defaults()),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// The theme in effect: `--theme`, else the config's `theme` (a built-in
/// name, or `themes/NAME.toml` in the config folder, which may also lay
/// itself over the built-in of its name), then the config's `theme_file`
/// over that. NO_COLOR is decided before this and wins over all of it.
pub fn theme(flag: Option<&str>, config: &Config) -> anyhow::Result<ThemeName> {
    use crate::ui::theme_file;
    let name = flag.or(config.theme.as_deref()).unwrap_or("dark");
    let named_file = crate::config::themes_dir().join(format!("{name}.toml"));
    let built_in = theme_file::built_in_named(name);
    let mut files = Vec::new();
    match read_optional(&named_file)? {
        Some(text) => files.push((named_file, text)),
        None if built_in.is_none() => anyhow::bail!(
            "there is no theme `{name}`: the built-in themes are {}, or write {}",
            theme_file::built_in_names(),
            named_file.display()
        ),
        None => {}
    }
    if let Some(extra) = &config.theme_file {
        let path = std::path::PathBuf::from(extra);
        let text = read_optional(&path)?.ok_or_else(|| {
            anyhow!(
                "theme_file in the config is {}, which does not exist",
                path.display()
            )
        })?;
        files.push((path, text));
    }
    let base = built_in.unwrap_or(ThemeName::Dark);
    if files.is_empty() {
        return Ok(base);
    }
    let mut palette = *crate::ui::theme::built_in(base);
    for (path, text) in files {
        palette = theme_file::overlay(palette, &path.display().to_string(), &text)
            .map_err(|e| anyhow!(e))?;
    }
    Ok(crate::ui::theme::register(palette))
}

fn read_optional(path: &std::path::Path) -> anyhow::Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// Connects and builds the app for `url` (which `source` names in the status bar).
pub async fn setup(
    g: &Global,
    url: &str,
    source: &str,
    target: Option<Target>,
    now: Option<DateTime<Utc>>,
) -> anyhow::Result<Setup> {
    let config = Config::load()?;
    let env_url = std::env::var("DATABASE_URL").ok();
    let profile = config.named_profile(
        g.database_url.as_deref(),
        g.profile.as_deref(),
        env_url.as_deref(),
    );
    let (providers, ignored) = ProviderSettings::load(profile, EnvOverrides::from_env())?;
    let g = g.with_profile_reads(profile.map(|(_, p)| p));
    let mut s = setup_with(&g, url, source, target, now, config, providers).await?;
    if let Some(notice) = ignored {
        tracing::warn!("{notice}");
        s.app.say(Level::Warn, notice);
    }
    Ok(s)
}

/// The hot standby `--read-url` names, connected (always read-only). When
/// it cannot be reached: an error saying what to do, or, with
/// `--read-fallback`, no standby and the notice that reads go to the primary.
pub async fn standby(
    g: &Global,
) -> anyhow::Result<(Option<crate::store::replica::Standby>, Option<String>)> {
    let Some(read_url) = g.read_url.as_deref() else {
        return Ok((None, None));
    };
    let opts = store::options(read_url)?.options([("default_transaction_read_only", "on")]);
    let label = store::label(&opts);
    match store::connect(opts, 6, read_url).await {
        Ok(pool) => Ok((Some(crate::store::replica::Standby { pool, label }), None)),
        Err(e) => crate::store::replica::unreachable(&label, &e, g.read_fallback)
            .map(|notice| (None, Some(notice)))
            .map_err(|m| anyhow!(m)),
    }
}

/// `setup` with the config and provider settings given (tests use this, so
/// that nothing of the machine's own config leaks in).
pub async fn setup_with(
    g: &Global,
    url: &str,
    source: &str,
    target: Option<Target>,
    now: Option<DateTime<Utc>>,
    config: Config,
    providers: ProviderSettings,
) -> anyhow::Result<Setup> {
    let zone = match g.tz.as_deref().or(config.time_zone.as_deref()) {
        Some(z) => Zone::parse(z).map_err(|e| anyhow!("--tz: {e}"))?,
        None => Zone::system(),
    };
    let keymap = keymap()?;
    // The contract check first, with its own clear messages.
    let db = store::open(url).await?;
    // The indexes lockdesk's statements want; a missing one is said once
    // (lockdesk never creates one itself: `db check` lists the statements).
    let missing = match db.pool.acquire().await {
        Ok(mut c) => store::indexes::present(&mut c)
            .await
            .map(|p| store::indexes::missing(&p))
            .unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    db.pool.close().await;
    // The console's own pool is read-only by default whatever the session
    // started as: only the engine's permitted writes open `BEGIN READ WRITE`
    // (every other transaction `BEGIN READ ONLY`), so a session that left
    // write mode cannot write even through a statement sent on its own.
    let opts = store::options(url)?.options([("default_transaction_read_only", "on")]);
    let pool = store::connect(opts, 6, url).await?;
    let (standby, fallback) = standby(g).await?;
    let stuck_after_secs = config.stuck_after_secs.unwrap_or(DEFAULT_STUCK_AFTER_SECS);
    let broker_tables = db.report.drift_enabled();
    let session = Session {
        target: match (&standby, &fallback) {
            (Some(s), _) => format!("{source} · writes {} · reads {}", db.label, s.label),
            (None, Some(_)) => format!("{source} · {} · reads here: standby unreachable", db.label),
            (None, None) => format!("{source} · {}", db.label),
        },
        read_only: !g.write,
        drift_disabled: db.report.drift_disabled_reason(),
        broker_tables,
        calls_to: providers.destinations(),
        token_hosts: providers.token_hosts(),
        stuck_after: store::queries::seconds(stuck_after_secs),
    };
    let settings = Settings {
        stuck_after_secs,
        broker_tables,
        user_ref_index: broker_tables
            && !missing.iter().any(|w| w.name == store::indexes::USER_REF),
        standby: standby.is_some(),
        pinned: now,
    };
    // --write: for the whole session (Postgres still gets READ WRITE only
    // on the transactions that change something), always with a reason:
    // asked for first when none came on the command line.
    let write = match g.reason.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        _ if !g.write => WriteStart::ReadOnly,
        Some(r) => WriteStart::Write {
            reason: r.to_string(),
        },
        None => WriteStart::AskReason,
    };
    // no-color.org: set and not empty.
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    // Who acts: the config's name, else the OS account running lockdesk
    // (from the uid, not from $USER, which anyone sets).
    let operator = match &config.operator {
        Some(o) => o.clone(),
        None => crate::osuser::current().account.clone(),
    };
    let default_mode = match config.drift_mode.as_deref() {
        Some(m) => crate::engine::plan::Mode::parse(m).ok_or_else(|| {
            anyhow!("drift_mode in the config is `{m}`: use standard or ultra_strict")
        })?,
        None => crate::engine::plan::Mode::Standard,
    };
    let mut conn = pool.acquire().await?;
    let doors = store::queries::doors(&mut conn, broker_tables).await?;
    drop(conn);
    let mut app = App::new(Options {
        session,
        keymap,
        clock: Clock::new(zone),
        now: now.unwrap_or_else(Utc::now),
        pinned: now.is_some(),
        write,
        operator,
        default_mode,
        doors,
        theme: if no_color {
            ThemeName::Plain
        } else {
            theme(g.theme.as_deref(), &config)?
        },
    });
    if let Some(notice) = fallback {
        tracing::warn!("{notice}");
        app.say(Level::Warn, notice);
    }
    if !missing.is_empty() {
        let names: Vec<&str> = missing.iter().map(|w| w.name).collect();
        let notice = format!(
            "{} recommended index(es) missing ({}): some panes are slower or show less; `lockdesk db check` lists the CREATE INDEX statements",
            missing.len(),
            names.join(", ")
        );
        tracing::warn!("{notice}");
        app.say(Level::Warn, notice);
    }
    let start = match target {
        None if config.start_pane.as_deref() == Some("pulse") => Loc::Pulse,
        None => Loc::Jobs,
        Some(Target::Trace { id }) => Loc::Trace(id),
        Some(Target::Job { id }) => Loc::Job(id),
        Some(Target::User { id }) => Loc::User(id),
        Some(Target::Lock { key }) => {
            let key = LockKey::parse(&key).ok_or_else(|| {
                anyhow!(
                    "`{key}` is not a lock key: write PROVIDER:external_id, e.g. TTLOCK:28991110"
                )
            })?;
            Loc::Lock(key.to_string())
        }
        Some(Target::Door { id }) => {
            let door = app
                .doors()
                .iter()
                .find(|d| d.id.to_string() == id || d.name.eq_ignore_ascii_case(&id))
                .ok_or_else(|| anyhow!("there is no door `{id}` in {}", db.label))?;
            Loc::Lock(door.lock_key().ok_or_else(|| {
                anyhow!(
                    "door #{} has no lock (no device type or external id)",
                    door.id
                )
            })?)
        }
    };
    let providers = Arc::new(Providers::new(providers));
    Ok(Setup {
        app,
        pool,
        standby,
        settings,
        providers,
        start,
    })
}

/// The console (or a snapshot of it) on the database the flags name.
pub async fn run(
    g: &Global,
    target: Option<Target>,
    snapshot: Option<SnapshotArgs>,
) -> anyhow::Result<()> {
    let config = Config::load()?;
    let (url, source) = config.resolve_url(
        g.database_url.as_deref(),
        g.profile.as_deref(),
        std::env::var("DATABASE_URL").ok(),
    )?;
    match snapshot {
        Some(s) => print_snapshot(g, &url, &source, target, s).await,
        None => {
            refuse_dumb_terminal()?;
            run_on(g, &url, &source, target, None).await
        }
    }
}

/// A terminal that cannot move the cursor cannot show the console; say so
/// before connecting anywhere.
pub fn refuse_dumb_terminal() -> anyhow::Result<()> {
    if std::env::var("TERM").is_ok_and(|t| t == "dumb") {
        return Err(anyhow!(
            "this terminal (TERM=dumb) cannot draw the console. Run lockdesk in a terminal \
             emulator, or use `lockdesk snapshot` or `lockdesk trace <id> --json` for plain output."
        ));
    }
    Ok(())
}

/// The interactive console on `url`.
pub async fn run_on(
    g: &Global,
    url: &str,
    source: &str,
    target: Option<Target>,
    providers: Option<ProviderSettings>,
) -> anyhow::Result<()> {
    let mut s = setup(g, url, source, target, None).await?;
    let history = history_of(g)?;
    match history::load(&history) {
        Ok(h) => s.app.restore_history(h),
        Err(e) => s.app.say(
            Level::Warn,
            format!(
                "the history in {} could not be read ({e}): Up and :recent start empty",
                history.display()
            ),
        ),
    }
    if let Some(p) = providers {
        s.app.session_mut().calls_to = p.destinations();
        s.app.session_mut().token_hosts = p.token_hosts();
        s.providers = Arc::new(Providers::new(p));
    }
    // `mouse = false` leaves clicks and selection to the terminal.
    let mouse = Config::load()?.mouse.unwrap_or(true);
    terminal::run(
        s.app,
        s.pool,
        s.standby,
        s.settings,
        s.providers,
        s.start,
        terminal::Local {
            history: Some(history),
            mouse,
        },
    )
    .await
}

/// The history file of the profile the console opens (`default` when the
/// database came from a flag or DATABASE_URL rather than a profile).
fn history_of(g: &Global) -> anyhow::Result<std::path::PathBuf> {
    let config = Config::load()?;
    let env_url = std::env::var("DATABASE_URL").ok();
    let name = config
        .named_profile(
            g.database_url.as_deref(),
            g.profile.as_deref(),
            env_url.as_deref(),
        )
        .map_or("default", |(name, _)| name);
    Ok(history::path_for(name))
}

async fn print_snapshot(
    g: &Global,
    url: &str,
    source: &str,
    target: Option<Target>,
    args: SnapshotArgs,
) -> anyhow::Result<()> {
    let now = args
        .now
        .as_deref()
        .map(|n| {
            DateTime::parse_from_rfc3339(n)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| {
                    anyhow!("--now `{n}` is not an RFC 3339 time ({e}), e.g. 2026-11-20T15:30:00Z")
                })
        })
        .transpose()?;
    let keys = parse_sequence(&args.keys).map_err(|e| anyhow!("--keys: {e}"))?;
    let s = setup(g, url, source, target, now).await?;
    let buf = headless::run(
        s.app,
        s.pool,
        s.standby,
        s.settings,
        s.providers,
        s.start,
        &keys,
        args.size,
        Duration::from_secs(10),
    )
    .await?
    .screen;
    let out = if args.color {
        screen::to_ansi(&buf)
    } else {
        screen::to_text(&buf)
    };
    crate::output::write_stdout(&out);
    Ok(())
}
