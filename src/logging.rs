//! Tracing to a log file, never to the terminal the console draws on.
//! The file lives in the platform's state/cache folder; `lockdesk info` shows it.

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// Where lockdesk writes its log: $LOCKDESK_LOG, else the XDG state folder
/// (`~/.local/state/lockdesk`; macOS: `~/Library/Logs/lockdesk`).
pub fn log_path() -> PathBuf {
    if let Some(p) = std::env::var_os("LOCKDESK_LOG") {
        return PathBuf::from(p);
    }
    crate::config::base_dir("XDG_STATE_HOME", ".local/state", "Library/Logs")
        .join("lockdesk")
        .join("lockdesk.log")
}

/// The folder of the log and of copies too large for the terminal, made
/// private (0700). A folder named by $LOCKDESK_LOG that already exists (say
/// /tmp) is the operator's to keep as it is.
pub fn state_dir() -> std::io::Result<PathBuf> {
    let path = log_path();
    let dir = path
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_else(std::env::temp_dir);
    if !dir.exists() || std::env::var_os("LOCKDESK_LOG").is_none() {
        crate::files::private_dir(&dir)?;
    }
    Ok(dir)
}

/// Starts logging to the file. Failing to open it is not fatal: the console
/// is more useful without a log than not at all.
pub fn init() -> Option<PathBuf> {
    let path = log_path();
    state_dir().ok()?;
    let file = crate::files::append_private(&path).ok()?;
    let filter =
        EnvFilter::try_from_env("LOCKDESK_LOG_LEVEL").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(LogFile(Mutex::new(file)))
        .try_init()
        .ok()?;
    Some(path)
}

/// The log file, every line redacted on its way in: errors quote URLs,
/// requests and database messages.
struct LogFile(Mutex<std::fs::File>);

struct LogLine<'a>(MutexGuard<'a, std::fs::File>);

impl<'a> MakeWriter<'a> for LogFile {
    type Writer = LogLine<'a>;

    fn make_writer(&'a self) -> LogLine<'a> {
        LogLine(self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl Write for LogLine<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let line = String::from_utf8_lossy(buf);
        self.0
            .write_all(crate::secrets::free_text(&line).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}
