//! Issue 30 §2 and the history of §6: the help takes every key, the `:`
//! line completes and edits like a shell's and recalls earlier commands,
//! messages are flashes, Esc walks drill-downs only, copies are their form.

use serde_json::json;

use super::{app, press, said};
use crate::app::{App, Cmd, Entry, History, Level, Loc, Msg, OpenedKind, Pane};
use crate::store::traces::{AuditRow, LogRow};

fn line(a: &App) -> String {
    a.popups
        .prompt
        .as_ref()
        .map(|p| p.text.clone())
        .unwrap_or_default()
}

fn copies(cmds: &[Cmd]) -> Vec<String> {
    cmds.iter()
        .filter_map(|c| match c {
            Cmd::Copy { what, .. } => Some(what.clone()),
            _ => None,
        })
        .collect()
}

fn lock_log(id: i64) -> LogRow {
    LogRow {
        id,
        action: "PASSCODE_ADD".into(),
        correlation_id: Some("e4792295".into()),
        created_at: crate::demo::world::fixed_now(),
        debug_session_id: None,
        door_id: Some(2),
        door_name: Some("Main entrance".into()),
        error_message: Some("gateway offline".into()),
        external_id: Some("28991110".into()),
        lock_key: Some("TTLOCK:28991110".into()),
        ok: false,
        provider_type: Some("TTLOCK".into()),
        reconcile_job_id: Some(72),
        request_json: None,
        response_json: Some(json!({"errcode": -3003})),
        odd: Vec::new(),
        raw_json: Vec::new(),
        facts: crate::store::facts::LogFacts::default(),
        detached: false,
    }
}

fn audit_row(id: i64) -> AuditRow {
    AuditRow {
        id,
        created_at: crate::demo::world::fixed_now(),
        entity_type: "reconcile_job".into(),
        entity_id: Some(72),
        action: "retry".into(),
        before_json: Some(json!({"status": "failed"})),
        after_json: Some(json!({"status": "queued"})),
        correlation_id: None,
        actor: Some("maya".into()),
        source: Some("lockdesk".into()),
        odd: Vec::new(),
        raw_json: Vec::new(),
        changed: Vec::new(),
    }
}

#[test]
fn tab_completes_verbs_and_their_arguments() {
    let mut a = app();
    press(&mut a, ":jo<Tab>");
    // `job` and `jobs` share `job`: Tab goes that far, then cycles.
    assert_eq!(line(&a), "job");
    press(&mut a, "<Tab>");
    assert_eq!(line(&a), "job");
    press(&mut a, "<Tab>");
    assert_eq!(line(&a), "jobs");
    press(&mut a, " fai<Tab>");
    assert_eq!(line(&a), "jobs failed ");
    // The suggestion shows what Tab would add, dim, while typing.
    press(&mut a, "1");
    assert_eq!(a.suggestion().map(|s| s.0), Some("0m".into()));
    press(&mut a, "<Esc>");
    // Recent ids come from the history.
    let mut h = History::default();
    h.add(Entry::Opened(crate::app::Opened {
        kind: OpenedKind::Trace,
        id: "e4792295b2f4".into(),
        at: crate::demo::world::fixed_now(),
    }));
    a.restore_history(h);
    press(&mut a, ":trace e47<Tab>");
    assert_eq!(line(&a), "trace e4792295b2f4 ");
}

#[test]
fn the_command_line_edits_like_a_shell() {
    let mut a = app();
    press(&mut a, ":jobs failed 24h");
    press(&mut a, "<C-w>");
    assert_eq!(line(&a), "jobs failed ");
    press(&mut a, "<C-a>");
    press(&mut a, "<Right><Right><Right><Right>");
    press(&mut a, "<BS>");
    assert_eq!(line(&a), "job failed ");
    press(&mut a, "s<C-e>10m");
    assert_eq!(line(&a), "jobs failed 10m");
    press(&mut a, "<Left><Left><Left><C-u>");
    assert_eq!(line(&a), "10m");
    press(&mut a, "<C-e><C-u>");
    assert_eq!(line(&a), "");
}

#[test]
fn up_down_and_ctrl_r_recall_earlier_commands_but_never_write() {
    let mut a = app();
    press(&mut a, ":jobs failed<Enter>");
    press(&mut a, ":audit<Enter>");
    press(&mut a, ":write 15m INC-1<Enter>");
    assert_eq!(a.history().commands, vec!["jobs failed", "audit"]);
    press(&mut a, ":x<Up>");
    assert_eq!(line(&a), "audit");
    press(&mut a, "<Up>");
    assert_eq!(line(&a), "jobs failed");
    press(&mut a, "<Down><Down>");
    assert_eq!(line(&a), "x");
    press(&mut a, "<C-u><C-r>fai");
    assert!(a.popups.line.search.is_some());
    press(&mut a, "<Right>");
    assert_eq!(line(&a), "jobs failed");
    press(&mut a, "<Esc>");
    // Each kept entry went out once, to be appended to the file.
    let cmds = press(&mut a, ":jobs dead<Enter>");
    let remembered: Vec<&Cmd> = cmds
        .iter()
        .filter(|c| matches!(c, Cmd::Remember(_)))
        .collect();
    assert_eq!(remembered.len(), 1);
}

#[test]
fn an_info_flash_expires_by_ticks_and_an_error_stays_until_a_key() {
    let mut a = app();
    a.say(Level::Info, "copied");
    let now = a.now();
    for _ in 0..3 {
        a.update(Msg::Tick(now));
    }
    assert_eq!(said(&a), "copied");
    a.update(Msg::Tick(now));
    assert_eq!(said(&a), "");
    press(&mut a, ":job x<Enter>");
    assert_eq!(said(&a), ":job needs a number, e.g. :job 9");
    for _ in 0..10 {
        a.update(Msg::Tick(now));
    }
    assert_eq!(said(&a), ":job needs a number, e.g. :job 9");
    press(&mut a, "j");
    assert_eq!(said(&a), "");
}

#[test]
fn esc_after_pane_switches_goes_back_through_drill_downs_only() {
    let mut a = app();
    a.start(Loc::Jobs);
    a.command("user 9");
    a.command("trace e4792295");
    press(&mut a, "<Tab><Tab>123456<Tab>");
    assert_eq!(a.pane, Pane::Jobs);
    press(&mut a, "<Esc>");
    assert_eq!(a.pane, Pane::User);
    press(&mut a, "<Esc>");
    assert_eq!(a.pane, Pane::Jobs);
    press(&mut a, "<Esc><Esc><Esc>");
    assert_eq!(a.pane, Pane::Jobs);
}

#[test]
fn the_help_takes_every_key_scrolls_and_q_closes_it() {
    let mut a = app();
    a.start(Loc::Jobs);
    press(&mut a, "?");
    let len = a.popups.help.as_ref().map_or(0, |h| h.lines.len());
    assert!(len > 45, "the help lists {len} lines");
    press(&mut a, "G");
    assert_eq!(a.popups.help.as_ref().unwrap().scroll.selected, len - 1);
    // Nothing reached the pane behind: no pane switch, no job selection.
    press(&mut a, "2");
    assert_eq!(a.pane, Pane::Jobs);
    assert_eq!(a.panes.jobs.scroll.selected, 0);
    press(&mut a, "/:reveal<Enter>");
    let h = a.popups.help.as_ref().unwrap();
    assert!(
        h.lines[h.scroll.selected]
            .text()
            .contains(":reveal 10m REASON")
    );
    press(&mut a, "q");
    assert!(a.popups.help.is_none());
    assert!(!a.quitting());
}

#[test]
fn copies_are_their_stated_form_or_nothing_said_so() {
    let mut a = app();
    a.panes.audit.rows = vec![audit_row(5)];
    a.panes.audit.loaded = true;
    a.show_pane(Pane::Audit);
    assert!(copies(&press(&mut a, "C")).is_empty());
    assert_eq!(
        said(&a),
        "no curl command for an audit row (#5): here y copies its JSON, M copies Markdown"
    );
    assert_eq!(
        copies(&press(&mut a, "M")),
        vec!["audit row #5 as Markdown"]
    );
    assert_eq!(copies(&press(&mut a, "y")), vec!["audit row #5"]);
    // `M` on a lock's log is the log as Markdown, not its JSON.
    a.panes.lock.logs = vec![lock_log(9)];
    a.panes.lock.lock_key = Some("TTLOCK:28991110".into());
    a.show_pane(Pane::Locks);
    let cmds = press(&mut a, "M");
    let text = cmds.iter().find_map(|c| match c {
        Cmd::Copy { text, .. } => Some(text.clone()),
        _ => None,
    });
    assert!(
        text.unwrap_or_default()
            .starts_with("**Log #9** `PASSCODE_ADD` — failed")
    );
    assert!(copies(&press(&mut a, "C")).is_empty());
    assert!(said(&a).starts_with("no curl command for log #9 (it logged no request)"));
}

#[test]
fn recent_lists_what_was_opened_and_enter_opens_it() {
    let mut a = app();
    a.start(Loc::Jobs);
    a.command("trace e4792295");
    a.command("lock TTLOCK:28991110");
    a.command("audit");
    press(&mut a, ":recent<Enter>");
    let r = a.popups.recent.as_ref().expect("the picker");
    assert_eq!(r.items[0].kind, OpenedKind::Lock);
    assert_eq!(r.items[1].id, "e4792295");
    press(&mut a, "j<Enter>");
    assert_eq!(a.pane, Pane::Trace);
    assert!(a.popups.recent.is_none());
    assert_eq!(
        crate::app::parse_command("recent x").unwrap_err(),
        ":recent takes no arguments: `x` is extra (usage: :recent)"
    );
}

#[test]
fn a_multibyte_space_on_the_command_line_never_panics() {
    // NBSP (Option+Space on a Mac) and an ideographic space are whitespace of
    // more than one byte: completion must cut by characters.
    let mut a = app();
    a.start(Loc::Jobs);
    for line in [
        "jobs\u{a0}",
        "jobs\u{a0}fa",
        "jobs\u{3000}",
        "door 2\u{a0}",
        "\u{a0}",
    ] {
        let _ = a.complete(line);
    }
    press(&mut a, ":");
    for c in ['j', 'o', 'b', 's', '\u{a0}', 'f'] {
        a.update(Msg::Key(crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Char(c),
            crossterm::event::KeyModifiers::NONE,
        )));
        let _ = a.suggestion();
    }
    press(&mut a, "<Tab>");
    let _ = a.suggestion();
}

#[test]
fn a_click_never_reaches_a_confirmation() {
    use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
    let mut a = app();
    a.start(Loc::Jobs);
    a.popups.dialog = Some(crate::app::Dialog::Cancel {
        job: crate::app::fixture::job(1, "failed"),
    });
    let click = |row| MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: 10,
        row,
        modifiers: KeyModifiers::NONE,
    };
    let t = a.now();
    let cmds = a.update(Msg::Mouse(click(5), t));
    let cmds2 = a.update(Msg::Mouse(click(5), t));
    assert!(
        cmds.is_empty() && cmds2.is_empty(),
        "a double click is not Enter here"
    );
    assert!(a.popups.dialog.is_some(), "the confirmation stays open");
}

#[test]
fn q_over_a_popup_closes_it_and_ctrl_c_still_quits() {
    let mut a = app();
    a.start(Loc::Jobs);
    a.open_json("payload".into(), &json!({"a": 1}));
    press(&mut a, "q");
    assert!(
        a.popups.overlay().is_none() && !a.requests.quit,
        "q closed the popup"
    );
    a.open_json("payload".into(), &json!({"a": 1}));
    press(&mut a, "<C-c>");
    assert!(a.requests.quit, "Ctrl-C quits from a popup");
}

#[test]
fn a_database_search_supersedes_the_queue_load_in_flight() {
    use crate::app::Slot;
    use crate::store::search::{Found, Search, Within};
    let mut a = app();
    let _ = a.start(Loc::Jobs);
    let late = a
        .requests
        .pending(Slot::Jobs)
        .map(|p| p.0)
        .expect("the queue's load");
    let q = crate::app::Query::DbSearch(Search {
        within: Within::Jobs,
        text: "gateway".into(),
        window_secs: 86_400,
        pinned: None,
    });
    let found = vec![crate::app::fixture::job(42, "failed")];
    let cmds = a.db_found(&q, Found::Jobs(found, false));
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Cmd::Cancel { slot: Slot::Jobs, id } if *id == late)),
        "{cmds:?}"
    );
    // The superseded page, answering late, does not land over the found rows.
    let _ = a.update(Msg::Loaded {
        slot: Slot::Jobs,
        id: late,
        result: Box::new(Ok(crate::app::Data::Jobs(vec![crate::app::fixture::job(
            7, "done",
        )]))),
    });
    let ids: Vec<i64> = a.panes.jobs.rows.iter().map(|r| r.id).collect();
    assert_eq!(ids, vec![42]);
}
