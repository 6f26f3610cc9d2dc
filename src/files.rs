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

/// Writes `text` to a new file at `path`, 0600; an existing file (or
/// symlink) there is left alone and answered `AlreadyExists`.
pub fn write_private_new(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .create_new(true)
        .write(true)
        .mode(0o600)
        .open(path)?;
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

/// A new folder only this user can enter, under the temp folder, with an
/// unpredictable name: created fresh (never an existing folder or a symlink
/// someone planted), mode 0700 whatever the umask.
pub fn fresh_private_dir(prefix: &str) -> std::io::Result<std::path::PathBuf> {
    use std::os::unix::fs::DirBuilderExt;
    let rng = ring::rand::SystemRandom::new();
    for _ in 0..16 {
        let mut b = [0u8; 12];
        ring::rand::SecureRandom::fill(&rng, &mut b)
            .map_err(|_| std::io::Error::other("no randomness for a folder name"))?;
        let name: String = b.iter().map(|x| format!("{x:02x}")).collect();
        let dir = std::env::temp_dir().join(format!("{prefix}-{name}"));
        match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => {
                std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
                return Ok(dir);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other(
        "could not create a fresh private folder",
    ))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_private_dir_is_new_unpredictable_and_0700() {
        let a = fresh_private_dir("lockdesk-test").unwrap();
        let b = fresh_private_dir("lockdesk-test").unwrap();
        assert_ne!(a, b);
        let mode = std::fs::metadata(&a).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        assert!(
            !std::fs::symlink_metadata(&a)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        std::fs::remove_dir(a).unwrap();
        std::fs::remove_dir(b).unwrap();
    }
}
