// The `lockdesk` binary run as a child process, with none of the machine's
// configuration, database or display.

use std::path::Path;
use std::process::{Command, Output};

/// Runs the binary with no config of the machine's, and `url` as DATABASE_URL.
pub fn lockdesk(args: &[&str], url: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_lockdesk"));
    c.args(args)
        .env_remove("DATABASE_URL")
        .env("LOCKDESK_CONFIG_DIR", "/nonexistent-lockdesk-config");
    if let Some(u) = url {
        c.env("DATABASE_URL", u);
    }
    c.output().unwrap()
}

/// The binary with a private `home` (its `config` and `state`), debug logs,
/// UTC, and no display, providers file or DATABASE_URL from the machine.
pub fn lockdesk_cmd(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_lockdesk"));
    c.env("LOCKDESK_CONFIG_DIR", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("LOCKDESK_LOG_LEVEL", "debug")
        .env_remove("LOCKDESK_LOG")
        .env_remove("LOCKDESK_PROVIDERS_FILE")
        .env_remove("DATABASE_URL")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env("TZ", "UTC");
    c
}

/// A number that differs per call, for private directory and session names.
pub fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}
