//! The `:` command line: one table of commands feeds the pure parser, the
//! `?` help, the unknown-command hint and the README's commands block.

use chrono::Duration;

use crate::app::{App, Cmd, Level, Loc};
use crate::lockkey::LockKey;
use crate::store::queries::{Door, JobFilter, StatusFilter};

/// A parsed `:` command, ready to run.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Quit,
    /// A correlation id or a prefix of one, lower case.
    Trace(String),
    Job(i64),
    /// An id, a name or email (or part of one), `AB U9 C6`, a Doordeck
    /// account: the rest of the line, as typed.
    User(String),
    /// A door id (`2`, `#2`) or a name, as typed.
    Door(String),
    Lock(LockKey),
    Jobs(JobFilter),
    Audit,
    Write {
        duration: Duration,
        reason: String,
    },
    ReadOnly,
    Reveal {
        duration: Duration,
        reason: String,
    },
    /// The traces, jobs, locks and users opened lately (a picker).
    Recent,
}

/// Which command a row of the table is: `parse_command` finds the row by
/// the verb typed, then reads its arguments by this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Trace,
    Job,
    User,
    Door,
    Lock,
    Jobs,
    Audit,
    Quit,
    Write,
    Reveal,
    ReadOnly,
    Recent,
}

/// One row of the command table.
#[derive(Debug, Clone, Copy)]
pub struct CommandSpec {
    pub verb: Verb,
    /// The verb and its aliases.
    pub verbs: &'static [&'static str],
    pub usage: &'static str,
    pub about: &'static str,
    /// Its line in the `?` help, if listed there. A `Short` one shares a line
    /// with the next short ones.
    pub help: Help,
    /// How the unknown-command hint names it, if it does.
    pub hint: Option<&'static str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Help {
    Line(&'static str),
    Short(&'static str),
    Unlisted,
}

pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        verb: Verb::Trace,
        verbs: &["trace", "t"],
        usage: ":trace <id or prefix>",
        about: "the correlation detail of a trace (its id as stored, or 4+ characters of it)",
        help: Help::Line(":trace <id or prefix>   the correlation detail of a trace"),
        hint: Some(":trace <id>"),
    },
    CommandSpec {
        verb: Verb::Job,
        verbs: &["job"],
        usage: ":job N",
        about: "the queue, on job N",
        help: Help::Line(":job N                  the queue, on job N"),
        hint: Some(":job N"),
    },
    CommandSpec {
        verb: Verb::User,
        verbs: &["user"],
        usage: ":user N | name | email | AB U9 C6 | Doordeck ref",
        about: "one user: her PIN door by door and why, access, credentials, jobs, traces (several matches: a picker)",
        help: Help::Line(":user N | name | AB U9 C6   one user: her PIN door by door, and why"),
        hint: Some(":user N|name"),
    },
    CommandSpec {
        verb: Verb::Door,
        verbs: &["door"],
        usage: ":door N | name",
        about: "the per-lock logs of a door's lock",
        help: Help::Line(":door N | name          the per-lock logs of a door's lock"),
        hint: Some(":door N"),
    },
    CommandSpec {
        verb: Verb::Lock,
        verbs: &["lock"],
        usage: ":lock PROVIDER:external_id",
        about: "the per-lock logs of a lock, by lock key (TTLOCK:28991110)",
        help: Help::Line(":lock TTLOCK:28991110   the same, by lock key"),
        hint: Some(":lock KEY"),
    },
    CommandSpec {
        verb: Verb::Jobs,
        verbs: &["jobs"],
        usage: ":jobs [status] [user N] [type] [10m|24h|7d]",
        about: "filter the queue by status, user, job type and age",
        help: Help::Line(":jobs [status] [user N] [type] [10m|24h|7d]   filter the queue"),
        hint: Some(":jobs [status]"),
    },
    CommandSpec {
        verb: Verb::Audit,
        verbs: &["audit"],
        usage: ":audit",
        about: "the audit pane (changes, newest first)",
        help: Help::Short(":audit"),
        hint: Some(":audit"),
    },
    CommandSpec {
        verb: Verb::Quit,
        verbs: &["q", "quit"],
        usage: ":q",
        about: "quit lockdesk",
        help: Help::Short(":q"),
        hint: Some(":q"),
    },
    CommandSpec {
        verb: Verb::Write,
        verbs: &["write"],
        usage: ":write DURATION REASON",
        about: "allow changes for a while (at most 8h), e.g. :write 15m INC-1234",
        help: Help::Line(":write 15m REASON       allow changes for a while (at most 8h)"),
        hint: None,
    },
    CommandSpec {
        verb: Verb::Reveal,
        verbs: &["reveal"],
        usage: ":reveal DURATION REASON",
        about: "the next y copies one value unmasked (at most 1h; recorded in app_audit), e.g. :reveal 10m INC-1234",
        help: Help::Line(":reveal 10m REASON      the next y copies one value unmasked (recorded)"),
        hint: None,
    },
    CommandSpec {
        verb: Verb::ReadOnly,
        verbs: &["readonly", "ro"],
        usage: ":readonly",
        about: "back to read-only at once",
        help: Help::Line(":readonly | :ro         back to read-only at once"),
        hint: None,
    },
    CommandSpec {
        verb: Verb::Recent,
        verbs: &["recent"],
        usage: ":recent",
        about: "the traces, jobs, locks and users opened lately (this profile's history), to open again",
        help: Help::Line(":recent                 the traces, jobs, locks and users opened lately"),
        hint: Some(":recent"),
    },
];

/// The `?` help's lines for the commands.
pub fn help_lines() -> Vec<String> {
    let mut out = Vec::new();
    let mut shorts: Vec<&str> = Vec::new();
    for c in COMMANDS {
        match c.help {
            Help::Line(l) => out.push(l.to_string()),
            Help::Short(s) => shorts.push(s),
            Help::Unlisted => {}
        }
    }
    if !shorts.is_empty() {
        out.push(shorts.join("   "));
    }
    out
}

fn unknown(verb: &str) -> String {
    let hints: Vec<&str> = COMMANDS.iter().filter_map(|c| c.hint).collect();
    format!("unknown command `:{verb}`: try {}", hints.join(", "))
}

/// The README's commands block (a test keeps them equal).
pub fn commands_markdown() -> String {
    let mut out =
        String::from("| command | what it does | in `?` help | in the hint |\n|---|---|---|---|\n");
    for c in COMMANDS {
        let verbs: Vec<String> = c.verbs.iter().map(|v| format!("`:{v}`")).collect();
        let yes = |b: bool| if b { "yes" } else { "no" };
        // A `|` inside a cell would end it.
        let cell = |t: &str| t.replace('|', "\\|");
        out.push_str(&format!(
            "| {} | `{}`: {} | {} | {} |\n",
            verbs.join(" "),
            cell(c.usage),
            cell(c.about),
            yes(c.help != Help::Unlisted),
            yes(c.hint.is_some())
        ));
    }
    out
}

/// `15m`, `2h`, `90s`, `30min`; `None` when malformed or too large to hold.
fn parse_duration(s: &str) -> Option<Duration> {
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit())?);
    let n: i64 = n.parse().ok()?;
    match unit {
        "m" | "min" => Duration::try_minutes(n),
        "h" => Duration::try_hours(n),
        "s" => Duration::try_seconds(n),
        _ => None,
    }
}

fn number(verb: &str, a: Option<&str>) -> Result<i64, String> {
    let usage = || format!(":{verb} needs a number, e.g. :{verb} 9");
    a.ok_or_else(usage)?
        .trim_start_matches('#')
        .parse::<i64>()
        .map_err(|_| usage())
}

/// The longest age `:jobs` takes (ten years).
pub const MAX_AGE_DAYS: i64 = 3650;

fn jobs_filter(args: &[&str]) -> Result<JobFilter, String> {
    let mut f = JobFilter::default();
    let mut args = args.iter().copied();
    let bad = |a: &str| {
        format!(
            "`{a}` is not a job filter: use a status ({}), `user N`, a job type, or an age like 10m, 24h or 7d",
            StatusFilter::ALL
                .iter()
                .map(|s| s.name())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    // An age too large to hold is malformed, like any other; a broker older
    // than MAX_AGE_DAYS does not exist.
    let age = |a: &str, suffix: char, unit: i64| {
        a.strip_suffix(suffix)
            .and_then(|n| n.parse::<i64>().ok())
            .map(|n| {
                n.checked_mul(unit)
                    .filter(|s| (0..=MAX_AGE_DAYS * 86_400).contains(s))
                    .ok_or_else(|| {
                        format!(
                            "`{a}` is too long an age: give at most {MAX_AGE_DAYS}d, e.g. 10m, 24h or 7d"
                        )
                    })
            })
    };
    while let Some(a) = args.next() {
        if let Some(s) = StatusFilter::parse(a) {
            f.status = Some(s);
        } else if a == "all" {
        } else if a == "user" {
            f.user_id = args.next().and_then(|u| u.parse().ok());
        } else if a == "type" {
            f.job_type = args.next().map(str::to_string);
        } else if let Some(secs) = age(a, 'm', 60) {
            f.max_age_secs = Some(secs?);
        } else if let Some(secs) = age(a, 'h', 3600) {
            f.max_age_secs = Some(secs?);
        } else if let Some(secs) = age(a, 'd', 86_400) {
            f.max_age_secs = Some(secs?);
        } else if a.contains('_') {
            f.job_type = Some(a.to_string());
        } else {
            return Err(bad(a));
        }
    }
    Ok(f)
}

/// Parses one `:` line (without the colon). `Ok(None)`: nothing typed.
pub fn parse_command(line: &str) -> Result<Option<Command>, String> {
    let mut words = line.split_whitespace();
    let Some(verb) = words.next() else {
        return Ok(None);
    };
    let Some(spec) = COMMANDS.iter().find(|c| c.verbs.contains(&verb)) else {
        return Err(unknown(verb));
    };
    let arg = words.next();
    let rest: Vec<&str> = words.collect();
    // A verb of fixed arguments refuses more, rather than dropping them.
    let takes = |n: usize| -> Result<(), String> {
        let extra: Vec<&str> = arg
            .into_iter()
            .chain(rest.iter().copied())
            .skip(n)
            .collect();
        if extra.is_empty() {
            return Ok(());
        }
        Err(format!(
            ":{verb} takes {}: `{}` is extra (usage: {})",
            match n {
                0 => "no arguments".to_string(),
                1 => "one argument".to_string(),
                n => format!("{n} arguments"),
            },
            extra.join(" "),
            spec.usage
        ))
    };
    let cmd = match spec.verb {
        Verb::Quit => {
            takes(0)?;
            Command::Quit
        }
        Verb::Trace => match arg {
            // As typed: the lookup matches the stored id in either case.
            Some(id) => {
                takes(1)?;
                Command::Trace(id.to_string())
            }
            None => return Err(":trace needs a correlation id or a unique prefix of one".into()),
        },
        Verb::Job => {
            let id = number(verb, arg)?;
            takes(1)?;
            Command::Job(id)
        }
        // Names and credential names have spaces: the rest of the line.
        Verb::User => match arg {
            None => {
                return Err(
                    ":user needs an id, a name or email, a credential (AB U9 C6) or a Doordeck account, e.g. :user 9 or :user maya"
                        .into(),
                );
            }
            Some(a) => Command::User(
                std::iter::once(a)
                    .chain(rest.iter().copied())
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
        },
        Verb::Door => match arg {
            None => return Err(":door needs a door id or name, e.g. :door 2".into()),
            Some(a) => Command::Door(
                std::iter::once(a)
                    .chain(rest.iter().copied())
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
        },
        Verb::Lock => match arg.and_then(LockKey::parse) {
            Some(k) => {
                takes(1)?;
                Command::Lock(k)
            }
            None => return Err(":lock needs a lock key such as TTLOCK:28991110".into()),
        },
        Verb::Jobs => {
            let args: Vec<&str> = arg.into_iter().chain(rest.iter().copied()).collect();
            Command::Jobs(jobs_filter(&args)?)
        }
        Verb::Audit => {
            takes(0)?;
            Command::Audit
        }
        Verb::Recent => {
            takes(0)?;
            Command::Recent
        }
        Verb::Write => {
            let usage = ":write needs a duration and a reason, e.g. :write 15m INC-1234";
            let duration = arg.and_then(parse_duration).ok_or(usage)?;
            if rest.is_empty() {
                return Err(usage.into());
            }
            if duration > Duration::hours(8) {
                return Err("write mode lasts at most 8 hours; ask again when it ends".into());
            }
            Command::Write {
                duration,
                reason: rest.join(" "),
            }
        }
        Verb::Reveal => {
            let usage = ":reveal needs a duration and a reason, e.g. :reveal 10m INC-1234";
            let duration = arg.and_then(parse_duration).ok_or(usage)?;
            if rest.is_empty() {
                return Err(usage.into());
            }
            if duration > crate::app::reveal::MAX_REVEAL {
                return Err("a reveal lasts at most 1 hour; it is for one value".into());
            }
            Command::Reveal {
                duration,
                reason: rest.join(" "),
            }
        }
        Verb::ReadOnly => {
            takes(0)?;
            Command::ReadOnly
        }
    };
    Ok(Some(cmd))
}

impl App {
    /// Runs a `:` command.
    pub fn command(&mut self, line: &str) -> Vec<Cmd> {
        let result = match parse_command(line) {
            Ok(None) => Ok(Vec::new()),
            Ok(Some(c)) => self.run_command(c),
            Err(e) => Err(e),
        };
        match result {
            // What it opened goes out with it, to the history file.
            Ok(mut c) => {
                c.extend(self.popups.recall.unsaved());
                c
            }
            Err(e) => {
                self.say(Level::Error, e);
                Vec::new()
            }
        }
    }

    fn run_command(&mut self, c: Command) -> Result<Vec<Cmd>, String> {
        Ok(match c {
            Command::Quit => {
                self.requests.quit = true;
                vec![Cmd::Quit]
            }
            Command::Trace(id) => self.go(Loc::Trace(id), true),
            Command::Job(id) => self.go(Loc::Job(id), true),
            // An id opens at once (the pane says what names a missing one);
            // anything else is looked up, answered in `users_found`.
            Command::User(q) => match q.trim_start_matches('#').parse::<i64>() {
                Ok(id) => self.go(Loc::User(id), true),
                Err(_) => {
                    self.say(
                        Level::Info,
                        format!("looking for `{}`…", crate::pinmap::plain(&q)),
                    );
                    self.reload(crate::app::Slot::UserFind, crate::app::Query::FindUser(q))
                }
            },
            Command::Door(name) => {
                let d = self.find_door(&name)?;
                let k = d.lock_key().ok_or_else(|| {
                    format!("door #{} has no lock (no device type or external id)", d.id)
                })?;
                self.go(Loc::Lock(k), true)
            }
            Command::Lock(k) => self.go(Loc::Lock(k.to_string()), true),
            Command::Jobs(f) => {
                self.history.push(self.current_loc());
                self.set_job_filter(f)
            }
            Command::Audit => self.go(Loc::Audit, true),
            Command::Write { duration, reason } => {
                self.enable_write(Some(duration), reason);
                Vec::new()
            }
            Command::Reveal { duration, reason } => {
                self.arm_reveal(duration, reason);
                Vec::new()
            }
            Command::ReadOnly => {
                self.write.disable();
                self.say(Level::Info, "the session is read-only");
                Vec::new()
            }
            Command::Recent => {
                self.open_recent();
                Vec::new()
            }
        })
    }

    pub(crate) fn find_door(&self, q: &str) -> Result<Door, String> {
        if let Ok(id) = q.trim_start_matches('#').parse::<i64>() {
            return self
                .doors
                .iter()
                .find(|d| d.id == id)
                .cloned()
                .ok_or_else(|| format!("no door #{id}"));
        }
        let ql = q.to_lowercase();
        let exact: Vec<&Door> = self
            .doors
            .iter()
            .filter(|d| d.name.to_lowercase() == ql)
            .collect();
        let hits: Vec<&Door> = if exact.is_empty() {
            self.doors
                .iter()
                .filter(|d| d.name.to_lowercase().contains(&ql))
                .collect()
        } else {
            exact
        };
        match hits.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(format!("no door named like `{q}`")),
            many => Err(format!(
                "`{q}` matches {} doors: {}",
                many.len(),
                many.iter()
                    .take(5)
                    .map(|d| format!("#{} {}", d.id, d.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }
}
