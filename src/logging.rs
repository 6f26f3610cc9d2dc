//! Tracing to a log file, never to the terminal the console draws on.
//! The file lives in the platform's state/cache folder; `lockdesk info` shows it.

use std::path::PathBuf;
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

/// Where lockdesk writes its log: $LOCKDESK_LOG, else the XDG state folder.
pub fn log_path() -> PathBuf {
    if let Some(p) = std::env::var_os("LOCKDESK_LOG") {
        return PathBuf::from(p);
    }
    let base = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("lockdesk").join("lockdesk.log")
}

/// Starts logging to the file. Failing to open it is not fatal: the console
/// is more useful without a log than not at all.
pub fn init() -> Option<PathBuf> {
    let path = log_path();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).ok()?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .ok()?;
    let filter =
        EnvFilter::try_from_env("LOCKDESK_LOG_LEVEL").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .try_init()
        .ok()?;
    Some(path)
}
