//! The `:` line: the parser on its own (one table of cases), and the texts
//! the command table generates.

use chrono::Duration;

use super::{app, loads, said};
use crate::app::{
    COMMANDS, Cmd, Command, Level, Query, Slot, commands_markdown, help_lines, parse_command,
};
use crate::lockkey::LockKey;
use crate::store::queries::{JobFilter, StatusFilter};

/// What a case expects: a command, nothing, or an error starting so.
enum Want {
    Is(Command),
    Nothing,
    Fails(&'static str),
}
use Want::*;

fn jobs(f: impl FnOnce(&mut JobFilter)) -> Want {
    let mut filter = JobFilter::default();
    f(&mut filter);
    Is(Command::Jobs(filter))
}

fn lock(p: &str, e: &str) -> Want {
    Is(Command::Lock(LockKey::new(p, e)))
}

fn write(mins: i64, reason: &str) -> Want {
    Is(Command::Write {
        duration: Duration::minutes(mins),
        reason: reason.into(),
    })
}

#[test]
fn command_parser_cases() {
    let huge = "99999999999999999999";
    let cases: Vec<(String, Want)> = vec![
        // Nothing typed.
        ("".into(), Nothing),
        ("   ".into(), Nothing),
        ("\t".into(), Nothing),
        // Quit.
        ("q".into(), Is(Command::Quit)),
        ("quit".into(), Is(Command::Quit)),
        ("  q  ".into(), Is(Command::Quit)),
        (
            "q now".into(),
            Fails(":q takes no arguments: `now` is extra"),
        ),
        // Trace.
        (
            "trace e4792295".into(),
            Is(Command::Trace("e4792295".into())),
        ),
        ("t e4792295".into(), Is(Command::Trace("e4792295".into()))),
        (
            "trace E4792295B2F4".into(),
            Is(Command::Trace("E4792295B2F4".into())),
        ),
        (
            "trace   c2165f3f  extra".into(),
            Fails(":trace takes one argument: `extra` is extra (usage: :trace <id or prefix>)"),
        ),
        (
            "audit user 9".into(),
            Fails(":audit takes no arguments: `user 9` is extra (usage: :audit)"),
        ),
        (
            "job 9 10".into(),
            Fails(":job takes one argument: `10` is extra"),
        ),
        (
            "lock TTLOCK:1 TTLOCK:2".into(),
            Fails(":lock takes one argument: `TTLOCK:2` is extra"),
        ),
        ("ro now".into(), Fails(":ro takes no arguments")),
        ("recent".into(), Is(Command::Recent)),
        ("recent 9".into(), Fails(":recent takes no arguments")),
        (
            "jobs failed 10m".into(),
            jobs(|f| {
                f.status = Some(StatusFilter::Failed);
                f.max_age_secs = Some(600);
            }),
        ),
        ("jobs 90m".into(), jobs(|f| f.max_age_secs = Some(5400))),
        ("trace".into(), Fails(":trace needs a correlation id")),
        ("t".into(), Fails(":trace needs a correlation id")),
        // Job and user.
        (
            "t 3F2504E0-4F89-11D3".into(),
            Is(Command::Trace("3F2504E0-4F89-11D3".into())),
        ),
        ("job 72".into(), Is(Command::Job(72))),
        ("job #72".into(), Is(Command::Job(72))),
        ("job 0".into(), Is(Command::Job(0))),
        ("job -1".into(), Is(Command::Job(-1))),
        (format!("job {}", i64::MAX), Is(Command::Job(i64::MAX))),
        (
            format!("job {huge}"),
            Fails(":job needs a number, e.g. :job 9"),
        ),
        ("job".into(), Fails(":job needs a number, e.g. :job 9")),
        (
            "job seventy".into(),
            Fails(":job needs a number, e.g. :job 9"),
        ),
        ("job 7.2".into(), Fails(":job needs a number, e.g. :job 9")),
        // User: the rest of the line, as typed (names and credentials have spaces).
        ("user 9".into(), Is(Command::User("9".into()))),
        ("user #9".into(), Is(Command::User("#9".into()))),
        ("user maya".into(), Is(Command::User("maya".into()))),
        (
            "user  Maya   Okafor".into(),
            Is(Command::User("Maya Okafor".into())),
        ),
        ("user AB U9 C6".into(), Is(Command::User("AB U9 C6".into()))),
        (
            "user".into(),
            Fails(
                ":user needs an id, a name or email, a credential (AB U9 C6) or a Doordeck account, e.g. :user 9 or :user maya",
            ),
        ),
        (format!("user {huge}"), Is(Command::User(huge.to_string()))),
        // Door: an id or a name of several words.
        ("door 2".into(), Is(Command::Door("2".into()))),
        ("door #2".into(), Is(Command::Door("#2".into()))),
        (
            "door Main entrance".into(),
            Is(Command::Door("Main entrance".into())),
        ),
        (
            "door   Side   gate ".into(),
            Is(Command::Door("Side gate".into())),
        ),
        ("door".into(), Fails(":door needs a door id or name")),
        // Lock keys: the provider upper-cased, the external id kept.
        ("lock TTLOCK:28991110".into(), lock("TTLOCK", "28991110")),
        ("lock ttlock:28991110".into(), lock("TTLOCK", "28991110")),
        (
            "lock doordeck:3F2504E0-4F89".into(),
            lock("DOORDECK", "3F2504E0-4F89"),
        ),
        (
            "lock ACCESS_BROKER:unknown".into(),
            lock("ACCESS_BROKER", "unknown"),
        ),
        (
            "lock 28991110".into(),
            Fails(":lock needs a lock key such as TTLOCK:28991110"),
        ),
        ("lock :28991110".into(), Fails(":lock needs a lock key")),
        ("lock".into(), Fails(":lock needs a lock key")),
        // Jobs filters.
        ("jobs".into(), jobs(|_| {})),
        ("jobs all".into(), jobs(|_| {})),
        (
            "jobs failed".into(),
            jobs(|f| f.status = Some(StatusFilter::Failed)),
        ),
        (
            "jobs stuck".into(),
            jobs(|f| f.status = Some(StatusFilter::Stuck)),
        ),
        (
            "jobs dead".into(),
            jobs(|f| f.status = Some(StatusFilter::Dead)),
        ),
        (
            "jobs cancelled".into(),
            jobs(|f| f.status = Some(StatusFilter::Cancelled)),
        ),
        ("jobs user 9".into(), jobs(|f| f.user_id = Some(9))),
        ("jobs user".into(), jobs(|_| {})),
        ("jobs 24h".into(), jobs(|f| f.max_age_secs = Some(86_400))),
        (
            "jobs 7d".into(),
            jobs(|f| f.max_age_secs = Some(7 * 86_400)),
        ),
        ("jobs 0h".into(), jobs(|f| f.max_age_secs = Some(0))),
        (
            "jobs failed user 9 24h".into(),
            jobs(|f| {
                f.status = Some(StatusFilter::Failed);
                f.user_id = Some(9);
                f.max_age_secs = Some(86_400);
            }),
        ),
        (
            "jobs type reconcile_user".into(),
            jobs(|f| f.job_type = Some("reconcile_user".into())),
        ),
        (
            "jobs drift_enforce_lock_truth".into(),
            jobs(|f| f.job_type = Some("drift_enforce_lock_truth".into())),
        ),
        (
            "jobs failed stuck".into(),
            jobs(|f| f.status = Some(StatusFilter::Stuck)),
        ),
        (
            "jobs 9999999999999999h".into(),
            Fails("`9999999999999999h` is too long an age: give at most 3650d"),
        ),
        (
            "jobs 9999999999999999d".into(),
            Fails("`9999999999999999d` is too long an age"),
        ),
        (
            "jobs 3000000000000h".into(),
            Fails("`3000000000000h` is too long an age"),
        ),
        (
            "jobs 3650d".into(),
            jobs(|f| f.max_age_secs = Some(3650 * 86_400)),
        ),
        ("jobs 3651d".into(), Fails("`3651d` is too long an age")),
        (
            format!("jobs {huge}h"),
            Fails("`99999999999999999999h` is not a job filter"),
        ),
        (
            "jobs soon".into(),
            Fails("`soon` is not a job filter: use a status (queued, running"),
        ),
        ("jobs FAILED".into(), Fails("`FAILED` is not a job filter")),
        // Audit.
        ("audit".into(), Is(Command::Audit)),
        // Write mode.
        ("write 15m INC-1234".into(), write(15, "INC-1234")),
        ("write 15min INC-1234".into(), write(15, "INC-1234")),
        (
            "write 2h locked out tenant".into(),
            write(120, "locked out tenant"),
        ),
        ("write 8h INC-1".into(), write(480, "INC-1")),
        (
            "write 90s INC-1".into(),
            Is(Command::Write {
                duration: Duration::seconds(90),
                reason: "INC-1".into(),
            }),
        ),
        (
            "write 9h INC-1".into(),
            Fails("write mode lasts at most 8 hours"),
        ),
        (
            "write 481m INC-1".into(),
            Fails("write mode lasts at most 8 hours"),
        ),
        (
            "write 15m".into(),
            Fails(":write needs a duration and a reason"),
        ),
        (
            "write".into(),
            Fails(":write needs a duration and a reason"),
        ),
        (
            "write INC-1234".into(),
            Fails(":write needs a duration and a reason"),
        ),
        (
            "write 15 INC-1".into(),
            Fails(":write needs a duration and a reason"),
        ),
        (
            "write 15d INC-1".into(),
            Fails(":write needs a duration and a reason"),
        ),
        (
            "write m INC-1".into(),
            Fails(":write needs a duration and a reason"),
        ),
        (
            format!("write {huge}m INC-1"),
            Fails(":write needs a duration and a reason"),
        ),
        (
            "write 9999999999999999m INC-1".into(),
            Fails(":write needs a duration and a reason"),
        ),
        (
            "write 9999999999999h INC-1".into(),
            Fails(":write needs a duration and a reason"),
        ),
        ("readonly".into(), Is(Command::ReadOnly)),
        ("ro".into(), Is(Command::ReadOnly)),
        // Unknown verbs.
        (
            "nope".into(),
            Fails("unknown command `:nope`: try :trace <id>"),
        ),
        ("Trace e4792295".into(), Fails("unknown command `:Trace`")),
        ("jobz".into(), Fails("unknown command `:jobz`")),
        (":trace x".into(), Fails("unknown command `::trace`")),
        ("\u{202e}q".into(), Fails("unknown command")),
    ];
    assert!(cases.len() >= 60, "{} cases", cases.len());
    for (line, want) in &cases {
        let got = parse_command(line);
        match (want, &got) {
            (Is(c), Ok(Some(g))) => assert_eq!(g, c, "`:{line}`"),
            (Nothing, Ok(None)) => {}
            (Fails(prefix), Err(e)) => assert!(e.starts_with(prefix), "`:{line}`: {e}"),
            _ => panic!("`:{line}`: got {got:?}"),
        }
    }
}

#[test]
fn the_readme_commands_table_is_the_command_table() {
    let readme = include_str!("../../../README.md");
    let start = readme
        .find("<!-- commands:start -->")
        .expect("README has the commands table markers");
    let end = readme
        .find("<!-- commands:end -->")
        .expect("README has the commands table markers");
    let table = readme[start + "<!-- commands:start -->".len()..end].trim();
    assert_eq!(
        table,
        commands_markdown().trim(),
        "README commands table differs from the command table: regenerate it with `lockdesk info --commands-markdown`"
    );
}

#[test]
fn the_help_lists_every_command_with_its_usage() {
    assert_eq!(
        help_lines(),
        vec![
            ":trace <id or prefix>   the correlation detail of a trace",
            ":job N                  the queue, on job N",
            ":user N | name | AB U9 C6   one user: her PIN door by door, and why",
            ":door N | name          the per-lock logs of a door's lock",
            ":lock TTLOCK:28991110   the same, by lock key",
            ":jobs [status] [user N] [type] [10m|24h|7d]   filter the queue",
            ":write 15m REASON       allow changes for a while (at most 8h)",
            ":reveal 10m REASON      the next y copies one value unmasked (recorded)",
            ":readonly | :ro         back to read-only at once",
            ":recent                 the traces, jobs, locks and users opened lately",
            ":audit   :q",
        ]
    );
}

#[test]
fn every_verb_in_the_table_parses_and_unknown_ones_get_the_hint() {
    for c in COMMANDS {
        for v in c.verbs {
            let e = parse_command(v).err().unwrap_or_default();
            assert!(
                !e.starts_with("unknown command"),
                ":{v} is in the table but {e}"
            );
        }
    }
    let mut a = app();
    assert!(a.command("frobnicate").is_empty());
    assert_eq!(
        said(&a),
        "unknown command `:frobnicate`: try :trace <id>, :job N, :user N|name, :door N, :lock KEY, :jobs [status], :audit, :q, :recent"
    );
    assert_eq!(a.popups.message.as_ref().map(|m| m.0), Some(Level::Error));
}

#[test]
fn a_bad_command_sends_nothing_and_an_empty_one_says_nothing() {
    let mut a = app();
    assert!(a.command("").is_empty());
    assert!(a.popups.message.is_none());
    assert!(a.command("job 99999999999999999999").is_empty());
    assert_eq!(said(&a), ":job needs a number, e.g. :job 9");
    assert!(a.command("write 99999999999999999m INC").is_empty());
    assert!(!a.can_write());
}

#[test]
fn a_jobs_filter_reloads_the_first_page_with_it() {
    let mut a = app();
    let cmds = a.command("jobs failed user 9");
    let l = loads(&cmds);
    assert_eq!(l.len(), 1);
    match &l[0] {
        (Slot::Jobs, Query::Jobs { filter, .. }) => {
            assert_eq!(filter.status, Some(StatusFilter::Failed));
            assert_eq!(filter.user_id, Some(9));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(a.panes.jobs.filter.user_id, Some(9));
    assert!(!cmds.contains(&Cmd::Quit));
}
