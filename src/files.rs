//! Files lockdesk writes for the operator's eyes only: created with mode 0600,
//! because they may hold copied rows or provider passwords.

/// Writes `text` to `path`, readable and writable by this user only.
pub fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())
}
