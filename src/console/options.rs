//! The options that open a console: the global flags, where it starts, and
//! how a headless snapshot runs. `cli` parses them; `console` uses them.

use clap::{Args, Subcommand};

#[derive(Debug, Clone, Args)]
pub struct Global {
    /// The broker's Postgres (postgresql://user:password@host/db). Else --profile, $DATABASE_URL, the config's default profile.
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// A named connection profile from the config file (e.g. prod, staging).
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// Open the session in write mode (the default is read-only).
    #[arg(long, global = true)]
    pub write: bool,
    /// Why you are writing (recorded with every change); never prompted for.
    #[arg(long, global = true, value_name = "TEXT")]
    pub reason: Option<String>,
    /// Show times in this zone (IANA name such as Europe/Berlin, UTC, or a POSIX
    /// rule such as EST5EDT,M3.2.0,M11.1.0).
    #[arg(long, global = true, value_name = "ZONE")]
    pub tz: Option<String>,
    /// A hot standby to read from (panes, traces, snapshot, --json); writes
    /// and the reads they depend on stay on --database-url, the primary.
    #[arg(long, global = true, value_name = "URL")]
    pub read_url: Option<String>,
    /// If the standby cannot be reached, read from the primary instead of
    /// stopping.
    #[arg(long, global = true)]
    pub read_fallback: bool,
    /// The colour theme: dark, light, high-contrast, or a theme file's
    /// name (themes/NAME.toml in the config folder). NO_COLOR wins.
    #[arg(long, global = true, value_name = "NAME")]
    pub theme: Option<String>,
}

impl Global {
    /// These options with the profile's standby filled in, unless
    /// --read-url named one (either may allow the read fallback).
    pub fn with_profile_reads(&self, profile: Option<&crate::config::Profile>) -> Global {
        let mut g = self.clone();
        if let (None, Some(p)) = (&g.read_url, profile) {
            g.read_url = p.read_url.clone();
            g.read_fallback |= p.read_fallback;
        }
        g
    }
}

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// The screen size, columns x rows.
    #[arg(long, default_value = "120x40", value_parser = parse_size)]
    pub size: (u16, u16),
    /// Keys to replay, in keymap notation, e.g. ':trace e4792295<Enter>jj<Enter>'.
    #[arg(long, default_value = "")]
    pub keys: String,
    /// Emit ANSI colours (for screenshots).
    #[arg(long)]
    pub color: bool,
    /// Pin the clock (RFC 3339), for reproducible output.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// What to open first (default: the job queue).
    #[command(subcommand)]
    pub target: Option<Target>,
}

/// Where a snapshot starts.
#[derive(Debug, Clone, Subcommand)]
pub enum Target {
    /// A trace by correlation id or prefix.
    Trace { id: String },
    /// The queue on one job.
    Job { id: i64 },
    /// A door's lock.
    Door { id: String },
    /// A lock by key.
    Lock { key: String },
    /// A user.
    User { id: i64 },
}

fn parse_size(s: &str) -> Result<(u16, u16), String> {
    let (w, h) = s
        .split_once(['x', 'X'])
        .ok_or("the size is COLUMNSxROWS, e.g. 120x40")?;
    let w: u16 = w.parse().map_err(|_| "the width is a number of columns")?;
    let h: u16 = h.parse().map_err(|_| "the height is a number of rows")?;
    if w < 40 || h < 10 {
        return Err("the smallest screen is 40x10".into());
    }
    Ok((w, h))
}
