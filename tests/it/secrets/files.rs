// The files lockdesk writes are private whatever the umask, and the files it
// reads with passwords in them are refused while others can read them.

use super::{home_with, with_password};
use crate::support::demo_db;
use crate::support::lockdesk_cmd;
use std::path::Path;
use std::process::Command;

#[tokio::test]
async fn secret_files_are_private_whatever_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let db = demo_db().await;
    let home = home_with(&with_password(&db, "pw-in-config"), "timeout_secs = 5\n");
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    // The log: 0600 in a 0700 folder, even under umask 000.
    let o = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "umask 000; exec {} info",
            lockdesk::curl::shell_quote(env!("CARGO_BIN_EXE_lockdesk"))
        ))
        .env("LOCKDESK_CONFIG_DIR", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env_remove("LOCKDESK_LOG")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let log = home.join("state/lockdesk/lockdesk.log");
    assert_eq!(mode(&log), 0o600);
    assert_eq!(mode(log.parent().unwrap()), 0o700);
    // A providers file, and a config with a password in its URL, that others
    // can read are refused with the chmod that fixes them.
    for (file, holds) in [
        ("providers.toml", "provider passwords"),
        ("config.toml", "a database password"),
    ] {
        let path = home.join("config").join(file);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let o = lockdesk_cmd(&home)
            .args(["snapshot", "user", "9"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "{file} readable by others was used");
        assert!(err.contains(holds), "{err}");
        assert!(
            err.contains(&format!("chmod 600 {}", path.display())),
            "{err}"
        );
        assert!(!err.contains("pw-in-config"), "{err}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let o = lockdesk_cmd(&home)
        .args(["snapshot", "user", "9"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let _ = std::fs::remove_dir_all(&home);
}
