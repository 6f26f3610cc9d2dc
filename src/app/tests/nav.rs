//! Going places: start, the `:` jumps, panes, Esc and the history.

use super::{answer, app, load_id, loads, press, said};
use crate::app::{Cmd, Data, Loc, Msg, Pane, PinsRead, Query, Slot};
use crate::keys::Action;
use crate::store::queries::Door;

fn door(id: i64, name: &str, lock: Option<(&str, &str)>) -> Door {
    Door {
        id,
        name: name.into(),
        site_id: Some(1),
        device_type: lock.map(|l| l.0.to_string()),
        external_id: lock.map(|l| l.1.to_string()),
        is_active: true,
        status: None,
        time_zone: Some("Europe/Berlin".into()),
        integration_customer_id: Some(1),
    }
}

fn with_doors() -> crate::app::App {
    let mut a = app();
    a.doors = vec![
        door(1, "Main entrance", Some(("ttlock", "28991110"))),
        door(2, "Side gate", Some(("TTLOCK", "28991111"))),
        door(3, "Side office", Some(("DOORDECK", "3f25"))),
        door(4, "Bike shed", None),
    ];
    a
}

#[test]
fn start_loads_the_doors_the_queue_and_the_counts() {
    let mut a = app();
    let slots: Vec<Slot> = loads(&a.start(Loc::Jobs))
        .into_iter()
        .map(|l| l.0)
        .collect();
    assert_eq!(
        slots,
        vec![Slot::Doors, Slot::Jobs, Slot::JobCounts, Slot::Pulse]
    );
    assert_eq!(a.in_flight(), 4);
}

#[test]
fn start_does_not_load_doors_it_already_has() {
    let mut a = with_doors();
    let slots: Vec<Slot> = loads(&a.start(Loc::Audit))
        .into_iter()
        .map(|l| l.0)
        .collect();
    assert_eq!(slots, vec![Slot::Audit, Slot::JobCounts]);
    assert_eq!(a.pane, Pane::Audit);
}

#[test]
fn the_trace_command_opens_the_trace_pane_and_loads_it() {
    let mut a = app();
    let l = loads(&a.command("trace e4792295"));
    assert_eq!(l, vec![(Slot::Trace, Query::Trace("e4792295".into()))]);
    assert_eq!(a.pane, Pane::Trace);
    assert!(a.panes.trace.loading);
}

#[test]
fn opening_the_same_trace_again_does_not_reload_it() {
    let mut a = app();
    let id = load_id(&a.command("trace aaaa1111"), Slot::Trace);
    answer(
        &mut a,
        Slot::Trace,
        id,
        Ok(Data::Trace(crate::app::TraceResult::Found(super::trace(
            "aaaa1111",
        )))),
    );
    a.command("jobs");
    assert!(loads(&a.command("trace aaaa1111")).is_empty());
    assert_eq!(a.pane, Pane::Trace);
}

#[test]
fn a_job_opens_the_queue_on_a_window_starting_at_it() {
    let mut a = app();
    let cmds = a.command("job 72");
    assert_eq!(
        loads(&cmds),
        vec![
            (Slot::Jobs, Query::Job(72)),
            (
                Slot::Acting,
                Query::Acting(crate::app::ActingOf::Job {
                    id: 72,
                    probe: true
                })
            ),
            (Slot::JobLogs, Query::JobLogs(72)),
        ]
    );
    let id = load_id(&cmds, Slot::Jobs);
    let mut j = super::job(72, "failed");
    j.created_at -= chrono::Duration::days(3);
    let next = answer(&mut a, Slot::Jobs, id, Ok(Data::Job(72, Some(j))));
    match loads(&next).as_slice() {
        [(Slot::Jobs, Query::Jobs { page, .. })] => {
            assert!(matches!(page, crate::store::queries::Page::From(k) if k.id == 72));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(a.panes.jobs.focus, Some(72));
}

#[test]
fn a_job_that_is_not_there_says_so() {
    let mut a = app();
    let id = load_id(&a.command("job 404"), Slot::Jobs);
    assert!(answer(&mut a, Slot::Jobs, id, Ok(Data::Job(404, None))).is_empty());
    assert_eq!(said(&a), "there is no job #404");
}

#[test]
fn the_user_command_loads_that_user() {
    let mut a = app();
    assert_eq!(
        loads(&a.command("user 9")),
        vec![
            (Slot::User, Query::User(9)),
            (Slot::UserPins, Query::UserPins(9, PinsRead::Broker))
        ]
    );
    assert_eq!(a.panes.user.user_id, Some(9));
    assert_eq!(a.pane, Pane::User);
}

#[test]
fn a_lock_loads_its_logs_and_asks_its_provider_for_the_trail() {
    let mut a = with_doors();
    let l = loads(&a.command("lock ttlock:28991110"));
    assert_eq!(
        l[0],
        (Slot::Lock, Query::LockLogs("TTLOCK:28991110".into()))
    );
    assert_eq!(
        l[1],
        (
            Slot::Acting,
            Query::Acting(crate::app::ActingOf::Lock("TTLOCK:28991110".into()))
        )
    );
    match &l[2] {
        (
            Slot::LockTrail,
            Query::LockTrail {
                provider,
                customer,
                external_id,
                ..
            },
        ) => {
            assert_eq!(
                (provider.as_str(), external_id.as_str()),
                ("TTLOCK", "28991110")
            );
            assert_eq!(*customer, Some(1));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(a.panes.lock.door.as_ref().map(|d| d.id), Some(1));
}

#[test]
fn the_brokers_own_steps_have_no_provider_trail() {
    let mut a = app();
    let slots: Vec<Slot> = loads(&a.command("lock ACCESS_BROKER:unknown"))
        .into_iter()
        .map(|l| l.0)
        .collect();
    assert_eq!(slots, vec![Slot::Lock]);
}

#[test]
fn a_door_by_id_or_exact_name_opens_its_lock() {
    let mut a = with_doors();
    a.command("door 2");
    assert_eq!(a.panes.lock.lock_key.as_deref(), Some("TTLOCK:28991111"));
    a.command("door main ENTRANCE");
    assert_eq!(a.panes.lock.lock_key.as_deref(), Some("TTLOCK:28991110"));
}

#[test]
fn a_door_name_matching_several_lists_them_and_goes_nowhere() {
    let mut a = with_doors();
    assert!(a.command("door side").is_empty());
    assert_eq!(
        said(&a),
        "`side` matches 2 doors: #2 Side gate, #3 Side office"
    );
    assert_eq!(a.pane, Pane::Jobs);
    a.command("door 99");
    assert_eq!(said(&a), "no door #99");
    a.command("door garage");
    assert_eq!(said(&a), "no door named like `garage`");
}

#[test]
fn a_door_without_a_lock_says_so() {
    let mut a = with_doors();
    assert!(a.command("door Bike shed").is_empty());
    assert_eq!(
        said(&a),
        "door #4 has no lock (no device type or external id)"
    );
}

#[test]
fn an_empty_pane_says_how_to_fill_it() {
    let mut a = app();
    a.start(Loc::Jobs);
    assert!(a.act(Action::PaneTrace).is_empty());
    assert_eq!(a.pane, Pane::Trace);
    assert_eq!(
        said(&a),
        "Trace is empty: type :trace <id>, or press Enter on a job"
    );
    a.act(Action::PaneUser);
    assert!(said(&a).starts_with("User is empty: type :user 9"));
}

#[test]
fn tab_goes_to_the_next_pane_and_loads_the_audit_once() {
    let mut a = app();
    a.start(Loc::Jobs);
    let l = loads(&a.act(Action::NextPane));
    assert_eq!(a.pane, Pane::Audit);
    assert_eq!(l, vec![(Slot::Audit, Query::Audit { before: None })]);
    a.act(Action::PrevPane);
    assert_eq!(a.pane, Pane::Jobs);
    // Back again: the audit load is still in flight, so no second one.
    assert!(loads(&a.act(Action::NextPane)).is_empty());
}

#[test]
fn esc_closes_the_help_before_it_goes_back() {
    let mut a = app();
    a.start(Loc::Jobs);
    a.command("user 9");
    press(&mut a, "?");
    assert!(a.popups.help.is_some());
    press(&mut a, "<Esc>");
    assert!(a.popups.help.is_none());
    assert_eq!(a.pane, Pane::User);
    press(&mut a, "<Esc>");
    assert_eq!(a.pane, Pane::Jobs);
}

#[test]
fn quit_by_key_or_command_asks_the_executor_to_stop() {
    let mut a = app();
    assert_eq!(press(&mut a, "q"), vec![Cmd::Quit]);
    assert!(a.requests.quit);
    let mut b = app();
    assert_eq!(b.command("quit"), vec![Cmd::Quit]);
    let mut c = app();
    assert_eq!(
        c.update(Msg::Key(
            crate::keys::Key::parse("<C-c>").unwrap().to_event()
        )),
        vec![Cmd::Quit]
    );
}
