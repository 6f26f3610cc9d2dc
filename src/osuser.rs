//! The operating-system account running lockdesk, from the process's real
//! uid (`getuid`) and the system's account database (`getpwuid_r`, which
//! asks NSS: LDAP/SSSD users, macOS's Open Directory), `/etc/passwd` as the
//! fallback; never from `$USER` or `$LOGNAME`, which anyone sets. Read once
//! per process.

use std::sync::OnceLock;

/// Who runs this process.
#[derive(Debug, Clone, PartialEq)]
pub struct OsUser {
    /// The account name, `uid 1234` when the uid has no passwd entry, or
    /// `unknown` when the uid cannot be read.
    pub account: String,
    /// What the audit records: the account, with `$USER`/`$LOGNAME` noted
    /// when they say something else (`alice (USER=bob)`).
    pub recorded: String,
}

/// The variables that name a user, in the order they are noted.
const VARIABLES: [&str; 2] = ["USER", "LOGNAME"];

/// The longest variable value noted (anyone can set one to anything).
const NOTE_MAX: usize = 64;

/// The account running this process, read once.
pub fn current() -> &'static OsUser {
    static CURRENT: OnceLock<OsUser> = OnceLock::new();
    CURRENT.get_or_init(|| read(|name| std::env::var(name).ok()))
}

/// Reads the uid and passwd from the system; `var` gives the environment.
pub fn read(var: impl Fn(&str) -> Option<String>) -> OsUser {
    if let Some((uid, name)) = system_account() {
        return describe(Some(uid), &format!("{name}:x:{uid}:"), var);
    }
    let uid = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| real_uid(&s))
        .or_else(|| {
            // `/proc/self` is owned by the process's (effective) uid.
            use std::os::unix::fs::MetadataExt;
            std::fs::metadata("/proc/self").ok().map(|m| m.uid())
        });
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    describe(uid, &passwd, var)
}

/// The real uid and its account name as the system's account database
/// has them: `/usr/bin/id` asks getpwuid, so NSS (LDAP, SSSD) and macOS's
/// Open Directory answer, where `/etc/passwd` and `/proc` may not. By its
/// absolute path, so `$PATH` cannot stand another in; no `unsafe` here.
fn system_account() -> Option<(u32, String)> {
    let run = |flags: &[&str]| {
        std::process::Command::new("/usr/bin/id")
            .args(flags)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let uid: u32 = run(&["-ru"])?.parse().ok()?;
    let name = run(&["-run"])?;
    // A uid with no name: `id -run` prints the number itself.
    (name != uid.to_string()).then_some((uid, name))
}

/// The real uid from `/proc/self/status` text (`Uid:\treal\teffective…`).
pub fn real_uid(status: &str) -> Option<u32> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|u| u.parse().ok())
}

/// The account name of `uid` in passwd text (`name:x:uid:gid:…`).
pub fn account_of(passwd: &str, uid: u32) -> Option<String> {
    passwd.lines().find_map(|line| {
        if line.starts_with('#') {
            return None;
        }
        let mut fields = line.split(':');
        let name = fields.next().filter(|n| !n.is_empty())?;
        let id: u32 = fields.nth(1)?.trim().parse().ok()?;
        (id == uid).then(|| name.to_string())
    })
}

/// The user for `uid` as `passwd` names it, noting each variable of `var`
/// that names someone else.
pub fn describe(uid: Option<u32>, passwd: &str, var: impl Fn(&str) -> Option<String>) -> OsUser {
    let account = match uid {
        Some(u) => account_of(passwd, u).unwrap_or_else(|| format!("uid {u}")),
        None => "unknown".to_string(),
    };
    let notes: Vec<String> = VARIABLES
        .iter()
        .filter_map(|name| {
            let v = var(name).filter(|v| !v.is_empty() && *v != account)?;
            let shown: String = v.chars().take(NOTE_MAX).collect();
            let more = if shown.len() < v.len() { "…" } else { "" };
            Some(format!("{name}={shown}{more}"))
        })
        .collect();
    let recorded = if notes.is_empty() {
        account.clone()
    } else {
        format!("{account} ({})", notes.join(", "))
    };
    OsUser { account, recorded }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &str = "\
# a comment:x:5:5
root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin

broken line
alice:x:1000:1000:Alice,,,:/home/alice:/bin/zsh
bob:x:1001:1001::/home/bob:/bin/sh
";

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn passwd_and_status_text_are_parsed() {
        assert_eq!(account_of(PASSWD, 0).as_deref(), Some("root"));
        assert_eq!(account_of(PASSWD, 1000).as_deref(), Some("alice"));
        assert_eq!(account_of(PASSWD, 1001).as_deref(), Some("bob"));
        assert_eq!(account_of(PASSWD, 5), None, "a comment is no account");
        assert_eq!(account_of(PASSWD, 4242), None);
        assert_eq!(account_of("", 0), None);
        let status =
            "Name:\tlockdesk\nUmask:\t0022\nUid:\t1000\t0\t0\t0\nGid:\t1000\t1000\t1000\t1000\n";
        assert_eq!(
            real_uid(status),
            Some(1000),
            "the real uid, not the effective"
        );
        assert_eq!(real_uid("Name:\tx\n"), None);
        assert_eq!(real_uid("Uid:\tnot-a-number\n"), None);

        // The account; the variables only as a note when they differ.
        let alice = describe(Some(1000), PASSWD, env(&[("USER", "alice")]));
        assert_eq!(
            (alice.account.as_str(), alice.recorded.as_str()),
            ("alice", "alice")
        );
        let noted = describe(
            Some(1000),
            PASSWD,
            env(&[("USER", "bob"), ("LOGNAME", "carol")]),
        );
        assert_eq!(noted.recorded, "alice (USER=bob, LOGNAME=carol)");
        // No passwd entry: the uid. No uid at all: unknown, still noted.
        let nameless = describe(Some(4242), PASSWD, env(&[]));
        assert_eq!(
            (nameless.account.as_str(), nameless.recorded.as_str()),
            ("uid 4242", "uid 4242")
        );
        let unknown = describe(None, PASSWD, env(&[("LOGNAME", "mallory")]));
        assert_eq!(unknown.recorded, "unknown (LOGNAME=mallory)");
        // A huge variable is noted in part.
        let long = "x".repeat(1000);
        let capped = describe(Some(0), PASSWD, env(&[("USER", &long)]));
        assert!(
            capped.recorded.len() < 100 && capped.recorded.ends_with("…)"),
            "{}",
            capped.recorded
        );
    }

    #[test]
    fn os_user_comes_from_the_uid_not_the_environment() {
        // The account as the operating system names it, asked independently.
        let real = std::process::Command::new("id")
            .arg("-un")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
        let uid = std::process::Command::new("id")
            .arg("-ru")
            .output()
            .ok()
            .and_then(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .trim()
                    .parse::<u32>()
                    .ok()
            });
        let expected = match (real, uid) {
            (Some(name), _) if !name.is_empty() => name,
            (_, Some(u)) => format!("uid {u}"),
            _ => return, // no `id` here to compare with
        };
        let u = read(env(&[
            ("USER", "mallory-not-a-real-account"),
            ("LOGNAME", ""),
        ]));
        assert_eq!(u.account, expected);
        assert_eq!(
            u.recorded,
            format!("{expected} (USER=mallory-not-a-real-account)")
        );
        // Neither variable set: still the real account, not "unknown".
        let bare = read(env(&[]));
        assert_eq!(
            (bare.account.as_str(), bare.recorded.as_str()),
            (expected.as_str(), expected.as_str())
        );
        // What the audit records is read once, the same way.
        assert_eq!(current().account, expected);
    }
}
