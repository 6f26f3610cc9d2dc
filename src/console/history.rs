//! The profile's history file: read once when the console opens, appended
//! one line per `Cmd::Remember`. JSON lines, 0600 in a 0700 folder of the
//! XDG state folder; the app redacted every entry before it came here.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::app::{Entry, History};

/// The most of a history file read: its newest part.
const MAX_READ: u64 = 1 << 20;

/// Where a profile's history lives: `$XDG_STATE_HOME/lockdesk/history/<profile>.jsonl`
/// (the state folder `lockdesk info` lists: `~/.local/state`, on macOS
/// `~/Library/Logs`). The one place this path is made.
pub fn path_for(profile: &str) -> PathBuf {
    let base = crate::config::base_dir("XDG_STATE_HOME", ".local/state", "Library/Logs");
    // A profile name is the config's; only plain characters reach a file name.
    let name: String = profile
        .chars()
        .take(64)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let name = if name.is_empty() {
        "default".into()
    } else {
        name
    };
    base.join("lockdesk")
        .join("history")
        .join(format!("{name}.jsonl"))
}

/// The history at `path` (none yet: empty). Only its newest MiB is read;
/// a file grown past what is kept is written again with what is kept.
pub fn load(path: &Path) -> std::io::Result<History> {
    let Some((from, text)) = newest_text(path)? else {
        return Ok(History::default());
    };
    let history = History::from_text(&text);
    let kept = crate::app::history_cap();
    if from > 0 || text.lines().count() > kept * 2 {
        let at = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
        let mut out = String::new();
        for e in history.entries(at) {
            out.push_str(&e.to_line());
            out.push('\n');
        }
        crate::files::write_private(path, &out)?;
    }
    Ok(history)
}

/// The history at `path`, read and never written (`lockdesk completions`
/// reads it from a shell; compaction is the console's). `None`: no file.
pub fn peek(path: &Path) -> std::io::Result<Option<History>> {
    Ok(newest_text(path)?.map(|(_, text)| History::from_text(&text)))
}

/// The file's newest MiB as whole lines, and where that part starts.
fn newest_text(path: &Path) -> std::io::Result<Option<(u64, String)>> {
    let mut f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let len = f.metadata()?.len();
    let from = len.saturating_sub(MAX_READ);
    f.seek(SeekFrom::Start(from))?;
    let mut bytes = Vec::new();
    f.take(MAX_READ).read_to_end(&mut bytes)?;
    let text = String::from_utf8_lossy(&bytes);
    // Read from the middle: the first line may be cut, and is skipped.
    let text = if from > 0 {
        text.split_once('\n').map_or("", |(_, rest)| rest)
    } else {
        &text
    };
    Ok(Some((from, text.to_string())))
}

/// Appends one entry, making the folder (0700) and the file (0600).
pub fn append(path: &Path, entry: &Entry) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        if let Some(state) = dir.parent() {
            crate::files::private_dir(state)?;
        }
        crate::files::private_dir(dir)?;
    }
    let mut f = crate::files::append_private(path)?;
    f.write_all(format!("{}\n", entry.to_line()).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{Opened, OpenedKind};
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn history_round_trips_0600_and_redacted() {
        let dir = crate::files::fresh_private_dir("lockdesk-history").unwrap();
        let path = dir.join("state/lockdesk/history/prod.jsonl");
        let at = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
        let secret = "jobs type x_y https://api.example/x?access_token=abc123";
        append(
            &path,
            &Entry::Command {
                line: crate::secrets::free_text(secret).into_owned(),
                at,
            },
        )
        .unwrap();
        append(
            &path,
            &Entry::Opened(Opened {
                kind: OpenedKind::Trace,
                id: "c2165f3f".into(),
                at,
            }),
        )
        .unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("abc123"), "{text}");
        let h = load(&path).unwrap();
        assert_eq!(h.commands.len(), 1);
        assert!(h.commands[0].starts_with("jobs type x_y"));
        assert_eq!(h.recent_ids(OpenedKind::Trace), vec!["c2165f3f"]);
        assert_eq!(load(&dir.join("none.jsonl")).unwrap(), History::default());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_profile_name_makes_a_plain_file_name() {
        let p = path_for("../../etc/passwd");
        assert!(
            p.ends_with("lockdesk/history/______etc_passwd.jsonl"),
            "{p:?}"
        );
    }
}
