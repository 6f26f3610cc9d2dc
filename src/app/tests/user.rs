//! The user pane: `:user <query>` (one match opens, several a picker, none
//! is said), her PIN door by door, and `l`/`L` reading doors live while
//! Ctrl-R reads the broker's rows only.

use super::*;
use crate::pinmap::{Access, Change, ChangeKind, Credential, DoorPin, State, SyncState, UserPins};
use crate::store::lookup::{Found, Match};
use crate::store::queries::UserDetail;

fn door(id: i64, expected: bool, on: bool, change: Option<(ChangeKind, i64, &str)>) -> DoorPin {
    let now = crate::demo::world::fixed_now();
    DoorPin {
        door_id: id,
        door_name: format!("door{id}"),
        provider: "TTLOCK".into(),
        external_id: Some(format!("{}", 28_990_000 + id)),
        customer: Some(1),
        access: if expected {
            vec![Access {
                grant_id: 9,
                level: "HQ staff".into(),
                schedule: None,
                hours: None,
                not_now: None,
            }]
        } else {
            Vec::new()
        },
        sync: Some(SyncState {
            vendor_pin_id: Some(format!("5{id}")),
            present: on,
            first_seen: Some(now - chrono::Duration::days(300)),
            last_seen: Some(now - chrono::Duration::days(2)),
        }),
        listing: None,
        changes: change
            .map(|(kind, job, corr)| Change {
                log_id: job * 10,
                kind,
                ok: true,
                error: None,
                job: Some(job),
                correlation_id: Some(corr.into()),
                at: Some(now - chrono::Duration::days(3)),
            })
            .into_iter()
            .collect(),
        last_ok: None,
        last_failed: None,
        uses_read: false,
        state: State::Unknown,
    }
}

fn maya() -> UserPins {
    let mut u = UserPins {
        user_id: 9,
        name: Some("Maya Okafor".into()),
        email: Some("maya.okafor9@acme.example".into()),
        status: Some("active".into()),
        site: Some("HQ".into()),
        time_zone: None,
        credentials: vec![Credential {
            id: 6,
            name: "AB U9 C6".into(),
            masked_pin: "***11".into(),
            status: "active".into(),
        }],
        doors: vec![
            door(1, true, true, None),
            door(
                2,
                false,
                true,
                Some((ChangeKind::Delete, 104, "c2165f3f00000000000000000000abcd")),
            ),
        ],
        pending: Vec::new(),
        failed: None,
        now: crate::demo::world::fixed_now(),
    };
    u.decide_all();
    u
}

fn detail() -> UserDetail {
    UserDetail {
        id: 9,
        name: Some("Maya Okafor".into()),
        found: true,
        ..UserDetail::default()
    }
}

/// The app on user 9 with her detail and PIN map answered.
fn on_maya() -> App {
    let mut a = app();
    let cmds = a.command("user 9");
    let (u, p) = (load_id(&cmds, Slot::User), load_id(&cmds, Slot::UserPins));
    answer(&mut a, Slot::User, u, Ok(Data::User(detail())));
    let who = crate::pinmap::records::Who::default();
    answer(
        &mut a,
        Slot::UserPins,
        p,
        Ok(Data::UserPins(Some(Box::new((maya(), who))), None)),
    );
    a
}

fn m(id: i64, name: &str) -> Match {
    Match {
        id,
        name: Some(name.into()),
        email: Some(format!("{}@acme.example", name.to_lowercase())),
        site: Some("HQ".into()),
        status: Some("active".into()),
    }
}

fn found(matches: Vec<Match>, note: Option<&str>) -> Found {
    Found {
        matches,
        how: "name or email starting with \"maya\"".into(),
        note: note.map(str::to_string),
    }
}

#[test]
fn an_id_opens_the_user_and_reads_her_pin_from_the_broker() {
    let mut a = app();
    assert_eq!(
        loads(&a.command("user #9")),
        vec![
            (Slot::User, Query::User(9)),
            (Slot::UserPins, Query::UserPins(9, PinsRead::Broker)),
        ]
    );
    assert_eq!(a.pane, Pane::User);
}

#[test]
fn a_name_is_looked_up_and_one_match_opens_that_user() {
    let mut a = app();
    let cmds = a.command("user Maya Okafor");
    assert_eq!(
        loads(&cmds),
        vec![(Slot::UserFind, Query::FindUser("Maya Okafor".into()))]
    );
    let id = load_id(&cmds, Slot::UserFind);
    let next = answer(
        &mut a,
        Slot::UserFind,
        id,
        Ok(Data::UsersFound(
            "Maya Okafor".into(),
            found(vec![m(9, "Maya")], None),
        )),
    );
    assert_eq!(
        loads(&next),
        vec![
            (Slot::User, Query::User(9)),
            (Slot::UserPins, Query::UserPins(9, PinsRead::Broker)),
        ]
    );
    assert_eq!(a.pane, Pane::User);
}

#[test]
fn several_matches_open_a_picker_enter_opens_one_esc_closes_it() {
    let mut a = app();
    let id = load_id(&a.command("user maya"), Slot::UserFind);
    let f = found(vec![m(2, "Maya Lind"), m(9, "Maya Okafor")], None);
    assert!(
        answer(
            &mut a,
            Slot::UserFind,
            id,
            Ok(Data::UsersFound("maya".into(), f))
        )
        .is_empty()
    );
    assert!(matches!(a.popups.overlay(), Some(Overlay::Picker(p)) if p.rows().len() == 2));
    assert!(a.hints().iter().any(|(_, l)| *l == "open"));
    // Esc closes it and opens nothing.
    assert!(a.act(Action::Back).is_empty());
    assert!(a.popups.overlay().is_none());
    assert_eq!(a.pane, Pane::Jobs);
    // Again: Down, Enter opens the second.
    let id = load_id(&a.command("user maya"), Slot::UserFind);
    let f = found(vec![m(2, "Maya Lind"), m(9, "Maya Okafor")], None);
    answer(
        &mut a,
        Slot::UserFind,
        id,
        Ok(Data::UsersFound("maya".into(), f)),
    );
    a.act(Action::Down);
    let cmds = a.act(Action::Open);
    assert_eq!(loads(&cmds)[0], (Slot::User, Query::User(9)));
    assert!(a.popups.overlay().is_none());
    assert_eq!(a.pane, Pane::User);
}

#[test]
fn no_match_is_said_with_why_the_search_was_narrow() {
    let mut a = app();
    let id = load_id(&a.command("user okafor"), Slot::UserFind);
    let f = found(
        Vec::new(),
        Some("only names and emails starting with \"okafor\" were searched"),
    );
    assert!(
        answer(
            &mut a,
            Slot::UserFind,
            id,
            Ok(Data::UsersFound("okafor".into(), f))
        )
        .is_empty()
    );
    assert!(
        said(&a).starts_with("no user matches `okafor`"),
        "{}",
        said(&a)
    );
    assert!(
        said(&a).contains("only names and emails starting with"),
        "{}",
        said(&a)
    );
    assert_eq!(a.pane, Pane::Jobs);
}

#[test]
fn her_doors_come_first_and_enter_opens_a_doors_last_change() {
    let mut a = on_maya();
    let u = &a.panes.user;
    assert_eq!(u.items()[..2], [UserItem::Pin(0), UserItem::Pin(1)]);
    assert_eq!(u.pins.as_ref().unwrap().doors[1].state, State::Stray);
    // Door 1 has no change logged: Enter opens its lock.
    assert!(matches!(a.selected(), Some(Selected::Lock(k)) if k == "TTLOCK:28990001"));
    a.act(Action::Down);
    let cmds = a.act(Action::Open);
    assert_eq!(
        loads(&cmds)[0],
        (
            Slot::Trace,
            Query::Trace("c2165f3f00000000000000000000abcd".into())
        )
    );
}

#[test]
fn l_reads_the_selected_door_live_capital_l_all_ctrl_r_the_broker_only() {
    let mut a = on_maya();
    assert!(a.hints().iter().any(|(k, l)| k == "l" && *l == "door live"));
    assert!(a.hints().iter().any(|(k, l)| k == "L" && *l == "all live"));
    a.act(Action::Down);
    let cmds = a.key(crossterm::event::KeyEvent::from(
        crossterm::event::KeyCode::Char('l'),
    ));
    assert_eq!(
        loads(&cmds),
        vec![(Slot::UserPins, Query::UserPins(9, PinsRead::LiveDoor(2)))]
    );
    assert!(a.panes.user.pins_loading);
    let cmds = a.key(crossterm::event::KeyEvent::from(
        crossterm::event::KeyCode::Char('L'),
    ));
    let id = load_id(&cmds, Slot::UserPins);
    assert_eq!(
        loads(&cmds),
        vec![(Slot::UserPins, Query::UserPins(9, PinsRead::LiveAll))]
    );
    let who = crate::pinmap::records::Who::default();
    answer(
        &mut a,
        Slot::UserPins,
        id,
        Ok(Data::UserPins(Some(Box::new((maya(), who))), Some(2))),
    );
    assert!(!a.panes.user.pins_loading);
    assert_eq!(
        said(&a),
        "her doors read live at 15:30:00.000 UTC (2 locks called)"
    );
    assert_eq!(
        a.panes.user.live.as_deref(),
        Some("her doors read live at 15:30:00.000 UTC (2 locks called)")
    );
    // Ctrl-R: the broker's rows, nothing asked of a provider.
    let l = loads(&a.act(Action::Refresh));
    assert!(
        l.contains(&(Slot::UserPins, Query::UserPins(9, PinsRead::Broker))),
        "{l:?}"
    );
    assert!(l.contains(&(Slot::User, Query::User(9))), "{l:?}");
    // Off her doors (on a trace or job row), `l` says what it needs.
    a.panes.user.scroll.selected = 5;
    assert!(a.act(Action::LiveDoor).is_empty());
    assert!(
        said(&a).starts_with("select one of her doors first (L reads"),
        "{}",
        said(&a)
    );
}

#[test]
fn a_failed_pin_read_keeps_the_rest_of_the_pane() {
    let mut a = app();
    let cmds = a.command("user 9");
    let (u, p) = (load_id(&cmds, Slot::User), load_id(&cmds, Slot::UserPins));
    answer(&mut a, Slot::User, u, Ok(Data::User(detail())));
    let e = LoadError {
        message: "the query took longer than the statement timeout".into(),
        connection_lost: false,
    };
    answer(&mut a, Slot::UserPins, p, Err(e));
    let user = &a.panes.user;
    assert!(user.detail.is_some() && user.pins.is_none() && !user.pins_loading);
    assert!(
        user.pins_error
            .as_deref()
            .unwrap()
            .starts_with("the query took longer")
    );
}
