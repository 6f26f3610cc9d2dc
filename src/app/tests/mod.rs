//! Unit tests of the pure app: an `App` with a pinned clock, `Msg`s in,
//! `Cmd`s and state out; no terminal, no database.

mod acted;
mod commands;
mod conventions;
mod groups;
mod held;
mod job_why;
mod jobs;
mod nav;
mod props;
mod pulse;
mod trace;
mod user;
mod write;

use super::*;
use crate::keys::Action;
use crate::store::traces::{JobRow, Trace};

pub(super) use super::fixture::{app, job, options};

pub(super) fn load_id(cmds: &[Cmd], want: Slot) -> u64 {
    cmds.iter()
        .find_map(|c| match c {
            Cmd::Load { slot, id, .. } if *slot == want => Some(*id),
            _ => None,
        })
        .expect("a load in that slot")
}

pub(super) fn answer(
    app: &mut App,
    slot: Slot,
    id: u64,
    result: Result<Data, LoadError>,
) -> Vec<Cmd> {
    app.update(Msg::Loaded {
        slot,
        id,
        result: Box::new(result),
    })
}

pub(super) fn trace(id: &str) -> Trace {
    Trace {
        correlation_id: id.into(),
        ..Trace::default()
    }
}

#[test]
fn a_superseded_answer_is_dropped_and_its_query_cancelled() {
    let mut a = app();
    let first = a.command("trace aaaa1111");
    let old = load_id(&first, Slot::Trace);
    let second = a.command("trace bbbb2222");
    assert!(second.contains(&Cmd::Cancel {
        slot: Slot::Trace,
        id: old
    }));
    let new = load_id(&second, Slot::Trace);
    answer(
        &mut a,
        Slot::Trace,
        old,
        Ok(Data::Trace(TraceResult::Found(trace("aaaa1111")))),
    );
    assert!(a.panes.trace.trace.is_none(), "the stale answer was shown");
    answer(
        &mut a,
        Slot::Trace,
        new,
        Ok(Data::Trace(TraceResult::Found(trace("bbbb2222")))),
    );
    assert_eq!(
        a.panes.trace.trace.as_ref().unwrap().correlation_id,
        "bbbb2222"
    );
    assert_eq!(a.in_flight(), 0);
}

#[test]
fn losing_the_database_shows_a_banner_keeps_the_screen_and_clears_on_success() {
    let mut a = app();
    let cmds = a.command("trace aaaa1111");
    let id = load_id(&cmds, Slot::Trace);
    answer(
        &mut a,
        Slot::Trace,
        id,
        Ok(Data::Trace(TraceResult::Found(trace("aaaa1111")))),
    );
    let cmds = a.act(Action::Refresh);
    let id = load_id(&cmds, Slot::Trace);
    let lost = LoadError {
        message: "the database cannot be reached".into(),
        connection_lost: true,
    };
    answer(&mut a, Slot::Trace, id, Err(lost));
    assert!(a.requests.db_lost.is_some());
    let cmds = a.act(Action::Refresh);
    let id = load_id(&cmds, Slot::Trace);
    answer(
        &mut a,
        Slot::Trace,
        id,
        Ok(Data::Trace(TraceResult::Found(trace("aaaa1111")))),
    );
    assert!(a.requests.db_lost.is_none());
    assert_eq!(
        a.popups.message.as_ref().map(|m| m.1.as_str()),
        Some("reconnected to the database")
    );
}

#[test]
fn the_queue_polls_without_losing_the_selected_job() {
    let mut a = app();
    let cmds = a.start(Loc::Jobs);
    let id = load_id(&cmds, Slot::Jobs);
    answer(
        &mut a,
        Slot::Jobs,
        id,
        Ok(Data::Jobs(vec![
            job(1, "queued"),
            job(2, "failed"),
            job(3, "done"),
        ])),
    );
    a.act(Action::Down);
    assert_eq!(a.panes.jobs.selected_job().unwrap().id, 2);
    // Two ticks later the queue is polled; a new job arrived on top and
    // job 2 moved on. The selection stays on job 2.
    let mut cmds = a.update(Msg::Tick(a.now()));
    cmds.extend(a.update(Msg::Tick(a.now())));
    let id = load_id(&cmds, Slot::Jobs);
    answer(
        &mut a,
        Slot::Jobs,
        id,
        Ok(Data::Jobs(vec![
            job(0, "queued"),
            job(1, "running"),
            job(2, "queued"),
            job(3, "done"),
        ])),
    );
    let sel = a.panes.jobs.selected_job().unwrap();
    assert_eq!((sel.id, sel.status.as_str()), (2, "queued"));
}

#[test]
fn esc_walks_back_through_history() {
    let mut a = app();
    a.start(Loc::Jobs);
    a.command("user 9");
    a.command("trace aaaa1111");
    assert_eq!(a.pane, Pane::Trace);
    a.act(Action::Back);
    assert_eq!(a.pane, Pane::User);
    a.act(Action::Back);
    assert_eq!(a.pane, Pane::Jobs);
}

/// A key press as the terminal reports it.
pub(super) fn press(a: &mut App, keys: &str) -> Vec<Cmd> {
    let mut cmds = Vec::new();
    for k in crate::keys::parse_sequence(keys).expect("keys in keymap notation") {
        cmds.extend(a.update(Msg::Key(k.to_event())));
    }
    cmds
}

/// The loads among some commands, by slot.
pub(super) fn loads(cmds: &[Cmd]) -> Vec<(Slot, Query)> {
    cmds.iter()
        .filter_map(|c| match c {
            Cmd::Load { slot, query, .. } => Some((*slot, query.clone())),
            _ => None,
        })
        .collect()
}

/// The app on the queue with these jobs loaded.
pub(super) fn with_jobs(rows: Vec<JobRow>) -> App {
    let mut a = app();
    let cmds = a.start(Loc::Jobs);
    answer(
        &mut a,
        Slot::Doors,
        load_id(&cmds, Slot::Doors),
        Ok(Data::Doors(Vec::new())),
    );
    let counts = load_id(&cmds, Slot::JobCounts);
    answer(
        &mut a,
        Slot::JobCounts,
        counts,
        Ok(Data::JobCounts(Default::default())),
    );
    answer(
        &mut a,
        Slot::Jobs,
        load_id(&cmds, Slot::Jobs),
        Ok(Data::Jobs(rows)),
    );
    // The header's failed-calls line.
    answer(
        &mut a,
        Slot::Pulse,
        load_id(&cmds, Slot::Pulse),
        Ok(Data::Pulse(Box::default())),
    );
    assert_eq!(a.in_flight(), 0);
    a
}

/// The app in write mode (as `--write` starts it).
pub(super) fn writable(mut a: App) -> App {
    a.write.enable(a.now(), None, "a test".into());
    a
}

/// The status line's text.
pub(super) fn said(a: &App) -> &str {
    a.popups.message.as_ref().map_or("", |m| m.1.as_str())
}
