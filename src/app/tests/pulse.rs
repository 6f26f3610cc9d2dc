//! The Pulse's reads: whole on entering and every 10 s while shown, the
//! hour alone for the queue's header, nothing on any other pane.

use super::{answer, app, loads, press};
use crate::app::{Cmd, Data, Loc, Msg, Pane, Query, Slot};

/// Ticks `n` times, answering each Pulse read at once; the `detail` flag
/// of each read, in order.
fn pulse_reads(a: &mut crate::app::App, n: usize) -> Vec<bool> {
    let mut reads = Vec::new();
    for _ in 0..n {
        let cmds = a.update(Msg::Tick(a.now()));
        for (slot, q) in loads(&cmds) {
            if let (Slot::Pulse, Query::Pulse { detail, .. }) = (slot, q) {
                reads.push(detail);
            }
        }
        answer_pulse(a, &cmds);
    }
    reads
}

fn answer_pulse(a: &mut crate::app::App, cmds: &[Cmd]) {
    for c in cmds {
        if let Cmd::Load {
            slot: Slot::Pulse,
            id,
            ..
        } = c
        {
            answer(a, Slot::Pulse, *id, Ok(Data::Pulse(Box::default())));
        }
    }
}

#[test]
fn the_pulse_is_read_with_the_counts_only_where_it_is_shown() {
    let mut a = app();
    let cmds = a.start(Loc::Pulse);
    assert_eq!(a.pane, Pane::Pulse);
    let l = loads(&cmds);
    assert!(l.iter().any(|(s, _)| *s == Slot::Groups), "{l:?}");
    let whole: Vec<_> = l
        .iter()
        .filter(|(s, q)| *s == Slot::Pulse && matches!(q, Query::Pulse { detail: true, .. }))
        .collect();
    assert_eq!(whole.len(), 1, "one whole read on entering: {l:?}");
    answer_pulse(&mut a, &cmds);
    assert!(a.pulse().failed_calls().is_some());
    // Every 10 s while shown, whole.
    assert_eq!(pulse_reads(&mut a, 20), vec![true, true]);
    // Elsewhere, nothing.
    press(&mut a, "2");
    assert_eq!(a.pane, Pane::Audit);
    assert!(pulse_reads(&mut a, 20).is_empty());
    // On the queue: the hour alone, for its header.
    let cmds = press(&mut a, "1");
    answer_pulse(&mut a, &cmds);
    assert_eq!(pulse_reads(&mut a, 20), vec![false, false]);
}

#[test]
fn a_whole_read_is_kept_when_the_header_reads_the_hour_alone() {
    let mut a = app();
    let cmds = a.start(Loc::Pulse);
    let id = super::load_id(&cmds, Slot::Pulse);
    let read = crate::store::pulse::PulseRead {
        detail: Some(Default::default()),
        ..Default::default()
    };
    answer(&mut a, Slot::Pulse, id, Ok(Data::Pulse(Box::new(read))));
    assert!(a.pulse().detail.is_some());
    press(&mut a, "1");
    pulse_reads(&mut a, 10);
    assert!(a.pulse().detail.is_some(), "the pane's part stays as read");
}

/// The `since` of each Pulse read among the commands (`None`: the whole hour).
fn pulse_since(cmds: &[Cmd]) -> Vec<Option<crate::pulse::Minute>> {
    loads(cmds)
        .into_iter()
        .filter_map(|(s, q)| match q {
            Query::Pulse { since, .. } if s == Slot::Pulse => Some(since),
            _ => None,
        })
        .collect()
}

fn hour_read(
    now: chrono::DateTime<chrono::Utc>,
    since: Option<crate::pulse::Minute>,
    rows: &[(crate::pulse::Minute, i64)],
) -> Data {
    let rows = rows
        .iter()
        .map(|&(minute, count)| crate::pulse::MinuteRow {
            minute,
            provider: Some("TTLOCK".into()),
            kind: crate::pulse::Kind::Call,
            failed: true,
            count,
        })
        .collect();
    Data::Pulse(Box::new(crate::store::pulse::PulseRead {
        hour: crate::pulse::hour::HourRead {
            now,
            pinned: None,
            since,
            rows,
        },
        detail: Some(Default::default()),
    }))
}

/// Ticks until the timer's Pulse read goes out; its commands.
fn until_timer(a: &mut crate::app::App) -> Vec<Cmd> {
    let mut cmds = Vec::new();
    for _ in 0..crate::app::COUNTS_EVERY {
        cmds.extend(a.update(Msg::Tick(a.now())));
    }
    cmds
}

#[test]
fn the_timer_reads_only_the_newest_minutes_of_the_hour_held() {
    let mut a = app();
    let now = a.now();
    let m = crate::pulse::minute_of(now);
    let cmds = a.start(Loc::Pulse);
    assert_eq!(pulse_since(&cmds), vec![None], "the whole hour on opening");
    let id = super::load_id(&cmds, Slot::Pulse);
    answer(
        &mut a,
        Slot::Pulse,
        id,
        Ok(hour_read(now, None, &[(m - 30, 4), (m, 1)])),
    );
    let cmds = until_timer(&mut a);
    assert_eq!(
        pulse_since(&cmds),
        vec![Some(m - crate::pulse::hour::TAIL)],
        "the newest minutes (a tail, for rows visible late)"
    );
    // 20 s later on the database's clock: the current minute is m + 1.
    let later = now + chrono::Duration::seconds(20);
    let id = super::load_id(&cmds, Slot::Pulse);
    answer(
        &mut a,
        Slot::Pulse,
        id,
        Ok(hour_read(
            later,
            Some(m - crate::pulse::hour::TAIL),
            &[(m, 3)],
        )),
    );
    let f = a.pulse().failed_calls().expect("the hour");
    assert_eq!(
        (f[28], f[58], f[59]),
        (4, 3, 0),
        "m - 30 is 31 minutes back: {f:?}"
    );
    // Ctrl-R reads the whole hour again.
    assert_eq!(pulse_since(&press(&mut a, "<C-r>")), vec![None]);
}

#[test]
fn a_database_clock_gone_backwards_reads_the_whole_hour_at_once() {
    let mut a = app();
    let now = a.now();
    let m = crate::pulse::minute_of(now);
    let cmds = a.start(Loc::Pulse);
    let id = super::load_id(&cmds, Slot::Pulse);
    answer(&mut a, Slot::Pulse, id, Ok(hour_read(now, None, &[(m, 1)])));
    let cmds = until_timer(&mut a);
    let id = super::load_id(&cmds, Slot::Pulse);
    let before = now - chrono::Duration::minutes(5);
    let again = answer(
        &mut a,
        Slot::Pulse,
        id,
        Ok(hour_read(before, Some(m - 1), &[])),
    );
    assert_eq!(pulse_since(&again), vec![None], "{again:?}");
    // The hour shown meanwhile is the last good one, and the pane says its
    // whole read is in flight (the failed merge's detail does not end it).
    assert_eq!(a.pulse().failed_calls().map(|f| f[59]), Some(1));
    assert!(a.pulse().loading, "the re-read is in flight");
    assert!(a.requests.pending(Slot::Pulse).is_some());
    // Its answer ends it.
    let id = super::load_id(&again, Slot::Pulse);
    answer(&mut a, Slot::Pulse, id, Ok(hour_read(now, None, &[(m, 2)])));
    assert!(!a.pulse().loading);
}
