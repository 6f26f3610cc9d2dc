//! Files lockdesk writes for the operator's eyes only (copies, the log,
//! provider accounts): mode 0600 in a 0700 folder whatever the umask, and the
//! check that refuses a secret-bearing file others can read.

use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Writes `text` to `path`, readable and writable by this user only.
pub fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .mode(0o600)
        .open(path)?;
    // `mode` only applies to a new file, and the umask may narrow it: set it.
    f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    f.write_all(text.as_bytes())
}

/// Opens `path` for appending, mode 0600 whatever the umask or its old mode.
pub fn append_private(path: &Path) -> std::io::Result<std::fs::File> {
    let f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)?;
    f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    Ok(f)
}

/// Creates `dir` (and its parents) if missing, and makes `dir` itself 0700.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}

/// Refuses a file holding secrets that the group or others can read, with
/// the command that fixes it.
pub fn check_private(path: &Path, holds: &str) -> Result<(), String> {
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(());
    };
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 == 0 {
        return Ok(());
    }
    Err(format!(
        "{} holds {holds} but others can read it (mode {mode:o}); run `chmod 600 {}` and start again",
        path.display(),
        path.display()
    ))
}
