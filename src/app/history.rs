//! What the operator did before, per profile: the `:` commands typed (Up,
//! Down and Ctrl-R in the prompt) and the traces, jobs, locks and users
//! opened (`:recent`). The app only keeps them and hands each new entry
//! out as a `Cmd::Remember`; the console reads and appends the file.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::app::{App, Cmd, Loc};

/// How many commands and opened places a history keeps.
pub const MAX_COMMANDS: usize = 500;
pub const MAX_OPENED: usize = 200;
/// How many entries a history keeps in all (the file is compacted past twice that).
pub fn history_cap() -> usize {
    MAX_COMMANDS + MAX_OPENED
}

/// The longest line kept (a pasted screenful is not a command).
const MAX_LINE: usize = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenedKind {
    Trace,
    Job,
    Lock,
    User,
}

impl OpenedKind {
    pub fn name(self) -> &'static str {
        match self {
            OpenedKind::Trace => "trace",
            OpenedKind::Job => "job",
            OpenedKind::Lock => "lock",
            OpenedKind::User => "user",
        }
    }

    fn parse(s: &str) -> Option<OpenedKind> {
        [
            OpenedKind::Trace,
            OpenedKind::Job,
            OpenedKind::Lock,
            OpenedKind::User,
        ]
        .into_iter()
        .find(|k| k.name() == s)
    }
}

/// A place opened: a trace, a job, a lock or a user, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    pub kind: OpenedKind,
    pub id: String,
    pub at: DateTime<Utc>,
}

impl Opened {
    /// Where it leads again.
    pub fn loc(&self) -> Option<Loc> {
        Some(match self.kind {
            OpenedKind::Trace => Loc::Trace(self.id.clone()),
            OpenedKind::Job => Loc::Job(self.id.parse().ok()?),
            OpenedKind::Lock => Loc::Lock(self.id.clone()),
            OpenedKind::User => Loc::User(self.id.parse().ok()?),
        })
    }
}

/// One line of the history file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A `:` line as typed (without the colon), redacted.
    Command {
        line: String,
        at: DateTime<Utc>,
    },
    Opened(Opened),
}

impl Entry {
    /// The entry as one JSON line (no newline).
    pub fn to_line(&self) -> String {
        let v = match self {
            Entry::Command { line, at } => json!({"at": at.to_rfc3339(), "command": line}),
            Entry::Opened(o) => {
                json!({"at": o.at.to_rfc3339(), "opened": o.kind.name(), "id": o.id})
            }
        };
        v.to_string()
    }

    /// A line of the file; `None` for anything else (a line cut short, an
    /// older or newer format): a bad line is skipped, never fatal.
    pub fn parse(line: &str) -> Option<Entry> {
        if line.len() > MAX_LINE * 2 {
            return None;
        }
        let v: Value = serde_json::from_str(line).ok()?;
        let at = v
            .get("at")
            .and_then(Value::as_str)
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())?
            .with_timezone(&Utc);
        if let Some(c) = v.get("command").and_then(Value::as_str) {
            return Some(Entry::Command {
                line: c.to_string(),
                at,
            });
        }
        let kind = OpenedKind::parse(v.get("opened")?.as_str()?)?;
        let id = v.get("id")?.as_str()?.to_string();
        Some(Entry::Opened(Opened { kind, id, at }))
    }
}

/// A profile's history as read (the newest last), bounded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    pub commands: Vec<String>,
    pub opened: Vec<Opened>,
}

impl History {
    /// The history a file's text holds: its newest entries, bounded.
    pub fn from_text(text: &str) -> History {
        let mut h = History::default();
        for e in text.lines().filter_map(Entry::parse) {
            h.add(e);
        }
        h
    }

    pub fn add(&mut self, e: Entry) {
        match e {
            Entry::Command { line, .. } => {
                // The same line twice in a row is kept once, as shells do.
                if self.commands.last() != Some(&line) {
                    self.commands.push(line);
                }
                trim_front(&mut self.commands, MAX_COMMANDS);
            }
            Entry::Opened(o) => {
                self.opened.retain(|p| !(p.kind == o.kind && p.id == o.id));
                self.opened.push(o);
                trim_front(&mut self.opened, MAX_OPENED);
            }
        }
    }

    /// The ids of one kind opened lately, newest first.
    pub fn recent_ids(&self, kind: OpenedKind) -> Vec<String> {
        self.opened
            .iter()
            .rev()
            .filter(|o| o.kind == kind)
            .map(|o| o.id.clone())
            .collect()
    }

    /// Every entry, oldest first (the file a compaction writes).
    pub fn entries(&self, at: DateTime<Utc>) -> Vec<Entry> {
        self.commands
            .iter()
            .map(|c| Entry::Command {
                line: c.clone(),
                at,
            })
            .chain(self.opened.iter().cloned().map(Entry::Opened))
            .collect()
    }
}

fn trim_front<T>(v: &mut Vec<T>, max: usize) {
    if v.len() > max {
        v.drain(..v.len() - max);
    }
}

/// The app's copy of the history, and the entries not yet handed out.
#[derive(Debug, Default)]
pub(crate) struct Recall {
    pub(crate) history: History,
    unsaved: Vec<Entry>,
}

impl Recall {
    /// The entries added since the last call, as commands to append them.
    pub(crate) fn unsaved(&mut self) -> Vec<Cmd> {
        self.unsaved.drain(..).map(Cmd::Remember).collect()
    }

    fn add(&mut self, e: Entry) {
        self.history.add(e.clone());
        self.unsaved.push(e);
    }
}

/// Whether a `:` line is kept: `:write` and `:reveal` never are. Each arms
/// a power with a reason; recalling one with a key would arm it again
/// without a fresh decision, and a reason may name an incident's people.
pub fn kept(line: &str) -> bool {
    let verb = line.split_whitespace().next().unwrap_or_default();
    !verb.is_empty()
        && line.len() <= MAX_LINE
        && !crate::app::COMMANDS
            .iter()
            .filter(|c| {
                matches!(
                    c.verb,
                    crate::app::command::Verb::Write | crate::app::command::Verb::Reveal
                )
            })
            .any(|c| c.verbs.contains(&verb))
}

impl App {
    /// The profile's history, read by the console before the first frame.
    pub fn restore_history(&mut self, h: History) {
        self.popups.recall.history = h;
    }

    pub fn history(&self) -> &History {
        &self.popups.recall.history
    }

    /// A `:` line that ran: kept (redacted) unless it arms a power.
    pub(crate) fn remember_command(&mut self, line: &str) {
        let line = line.trim();
        if !kept(line) {
            return;
        }
        let line = crate::secrets::free_text(line).into_owned();
        let at = self.now();
        self.popups.recall.add(Entry::Command { line, at });
    }

    /// A trace, job, lock or user was opened.
    pub(crate) fn remember_opened(&mut self, loc: &Loc) {
        let (kind, id) = match loc {
            Loc::Trace(id) => (OpenedKind::Trace, id.clone()),
            Loc::Job(id) => (OpenedKind::Job, id.to_string()),
            Loc::Lock(key) => (OpenedKind::Lock, key.clone()),
            Loc::User(id) => (OpenedKind::User, id.to_string()),
            Loc::Jobs | Loc::Audit | Loc::Pulse => return,
        };
        if id.len() > MAX_LINE {
            return;
        }
        let id = crate::secrets::free_text(&id).into_owned();
        let at = self.now();
        self.popups
            .recall
            .add(Entry::Opened(Opened { kind, id, at }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_and_bad_lines_are_skipped() {
        let at = DateTime::parse_from_rfc3339("2026-12-05T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let a = Entry::Command {
            line: "jobs failed 10m".into(),
            at,
        };
        let b = Entry::Opened(Opened {
            kind: OpenedKind::Lock,
            id: "TTLOCK:28991110".into(),
            at,
        });
        let text = format!("{}\nnot json\n{{\"at\":1}}\n{}\n", a.to_line(), b.to_line());
        let h = History::from_text(&text);
        assert_eq!(h.commands, vec!["jobs failed 10m"]);
        assert_eq!(h.recent_ids(OpenedKind::Lock), vec!["TTLOCK:28991110"]);
    }

    #[test]
    fn write_and_reveal_lines_are_never_kept() {
        assert!(!kept("write 15m INC-1"));
        assert!(!kept("reveal 10m INC-1"));
        assert!(kept("readonly"));
        assert!(kept("jobs failed"));
        assert!(!kept("  "));
    }

    #[test]
    fn a_history_is_bounded_and_keeps_a_place_once() {
        let mut h = History::default();
        let at = DateTime::<Utc>::UNIX_EPOCH;
        for i in 0..MAX_COMMANDS + 10 {
            h.add(Entry::Command {
                line: format!("job {i}"),
                at,
            });
        }
        assert_eq!(h.commands.len(), MAX_COMMANDS);
        assert_eq!(h.commands.last().map(String::as_str), Some("job 509"));
        for id in ["a", "b", "a"] {
            h.add(Entry::Opened(Opened {
                kind: OpenedKind::Trace,
                id: id.into(),
                at,
            }));
        }
        assert_eq!(h.recent_ids(OpenedKind::Trace), vec!["a", "b"]);
    }
}
