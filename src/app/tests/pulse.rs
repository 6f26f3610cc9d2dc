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
