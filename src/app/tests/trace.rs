//! The trace pane: what a load's answer shows, the sections, the JSON viewer.

use chrono::Duration;
use serde_json::json;

use super::{answer, app, job, load_id, loads, press, said};
use crate::app::{App, Cmd, Data, Overlay, Pane, Query, Slot, TraceItem, TraceResult};
use crate::keys::Action;
use crate::store::traces::{LogRow, Trace};

const ID: &str = "e4792295b2f441f0b205e154984e92fc";

fn log(id: i64, action: &str, ok: bool) -> LogRow {
    LogRow {
        id,
        action: action.into(),
        correlation_id: Some(ID.into()),
        created_at: crate::demo::world::fixed_now() - Duration::seconds(100 - id),
        debug_session_id: None,
        door_id: Some(2),
        door_name: Some("Main entrance".into()),
        error_message: (!ok).then(|| "gateway offline".to_string()),
        external_id: Some("28991110".into()),
        lock_key: Some("TTLOCK:28991110".into()),
        ok,
        provider_type: Some("TTLOCK".into()),
        reconcile_job_id: Some(72),
        request_json: Some(json!({"lockId": 28991110, "keyboardPwdId": 50957532})),
        response_json: Some(json!({"errcode": 0})),
        odd: Vec::new(),
        raw_json: Vec::new(),
        facts: crate::store::facts::LogFacts::default(),
        detached: false,
    }
}

fn full_trace() -> Trace {
    let mut j = job(72, "done");
    j.correlation_id = Some(ID.into());
    Trace {
        correlation_id: ID.into(),
        audit: Vec::new(),
        jobs: vec![j],
        logs: vec![
            log(1, "PASSCODE_LIST", true),
            log(2, "PASSCODE_DELETE", true),
        ]
        .into(),
    }
}

fn opened(q: &str, t: Trace) -> App {
    let mut a = app();
    let id = load_id(&a.command(&format!("trace {q}")), Slot::Trace);
    answer(
        &mut a,
        Slot::Trace,
        id,
        Ok(Data::Trace(TraceResult::Found(t))),
    );
    a
}

#[test]
fn a_prefix_becomes_the_full_id_so_esc_comes_back_to_it() {
    let a = opened("e4792295", full_trace());
    assert_eq!(a.panes.trace.query.as_deref(), Some(ID));
    assert!(!a.panes.trace.loading);
    assert!(a.panes.trace.summary.is_some());
}

#[test]
fn no_match_and_several_matches_say_what_to_do() {
    let mut a = app();
    let id = load_id(&a.command("trace abcd"), Slot::Trace);
    answer(
        &mut a,
        Slot::Trace,
        id,
        Ok(Data::Trace(TraceResult::NotFound("abcd".into()))),
    );
    assert_eq!(
        a.panes.trace.error.as_deref(),
        Some("no trace matches `abcd`")
    );
    let id = load_id(&a.command("trace e479"), Slot::Trace);
    answer(
        &mut a,
        Slot::Trace,
        id,
        Ok(Data::Trace(TraceResult::Ambiguous(
            "e479".into(),
            vec!["e4790000".into(), "e4791111".into()],
        ))),
    );
    assert_eq!(
        a.panes.trace.error.as_deref(),
        Some("`e479` matches several traces: e4790000, e4791111. Type more of the id.")
    );
}

#[test]
fn the_rows_follow_the_seed_pages_four_sections() {
    let a = opened(ID, full_trace());
    let sections: Vec<&str> = a
        .panes
        .trace
        .items
        .iter()
        .filter_map(|i| match i {
            TraceItem::Section(s) => Some(*s),
            _ => None,
        })
        .filter(|s| !s.starts_with("Anomalies"))
        .collect();
    assert_eq!(
        sections,
        vec![
            "1 — What changed (audit)",
            "2 — What the system decided (reconcile jobs)",
            "3 — What was sent to locks (provider → lock)",
            "4 — Timeline",
        ]
    );
    assert!(
        a.panes
            .trace
            .items
            .contains(&TraceItem::Note("no audit rows for this correlation id"))
    );
    // The selection starts on the first row that can be opened.
    assert!(a.panes.trace.items[a.panes.trace.scroll.selected].selectable());
}

#[test]
fn the_section_keys_jump_between_sections() {
    let mut a = opened(ID, full_trace());
    let first = a.panes.trace.scroll.selected;
    a.act(Action::NextSection);
    let second = a.panes.trace.scroll.selected;
    assert!(second > first);
    assert!(a.panes.trace.items[second].selectable());
    a.act(Action::NextSection);
    let third = a.panes.trace.scroll.selected;
    assert!(third > second);
    a.act(Action::PrevSection);
    assert!(a.panes.trace.scroll.selected < third);
}

#[test]
fn enter_on_a_log_opens_its_json_and_esc_closes_it() {
    let mut a = opened(ID, full_trace());
    a.act(Action::Bottom);
    assert!(a.panes.trace.selected_log().is_some());
    assert!(press(&mut a, "<Enter>").is_empty());
    match a.popups.overlays.last() {
        Some(Overlay::Json(j)) => assert!(j.title.starts_with("log #2 PASSCODE_DELETE")),
        other => panic!("{other:?}"),
    }
    press(&mut a, "<Esc>");
    assert!(a.popups.overlays.is_empty());
    assert_eq!(a.pane, Pane::Trace);
}

#[test]
fn the_request_and_response_keys_open_each_part() {
    let mut a = opened(ID, full_trace());
    a.act(Action::Bottom);
    a.act(Action::ShowRequest);
    match a.popups.overlays.last() {
        Some(Overlay::Json(j)) => {
            assert_eq!(j.title, "log #2 PASSCODE_DELETE · request");
            assert_eq!(j.value["keyboardPwdId"], 50957532);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_search_in_the_json_counts_its_matches() {
    let mut a = opened(ID, full_trace());
    a.act(Action::Bottom);
    a.act(Action::ShowRequest);
    press(&mut a, "/50957532");
    assert_eq!(said(&a), "1 matching line");
    press(&mut a, "<Enter>");
    assert!(a.popups.prompt.is_none());
}

#[test]
fn copying_a_log_is_a_copy_command_naming_it() {
    let mut a = opened(ID, full_trace());
    a.act(Action::Bottom);
    press(&mut a, "<Enter>");
    let cmds = a.act(Action::Copy);
    match cmds.as_slice() {
        [Cmd::Copy { text, what }] => {
            assert!(what.starts_with("log #2"), "{what}");
            assert!(text.contains("PASSCODE_DELETE"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_copy_reports_back_in_the_status_line() {
    let mut a = app();
    a.update(crate::app::Msg::Copied(
        "copied log #2 (OSC 52, 120 bytes)".into(),
    ));
    assert_eq!(said(&a), "copied log #2 (OSC 52, 120 bytes)");
}

/// A trace of 5,000 logs as the heads statement gives it: no payloads.
fn big_trace() -> Trace {
    let mut t = full_trace();
    t.logs = (1..=5_000)
        .map(|id| {
            let mut l = log(id, "PASSCODE_LIST", true);
            l.detach();
            l
        })
        .collect();
    t
}

fn whole_logs(ids: &[i64]) -> Vec<LogRow> {
    ids.iter()
        .map(|&id| log(id, "PASSCODE_LIST", true))
        .collect()
}

#[test]
fn a_big_trace_reads_payloads_in_pages_around_the_selection() {
    let mut a = opened(ID, big_trace());
    a.panes.trace.scroll.selected = a.panes.trace.items.len() - 1;
    let first = a.panes.trace.selected_log().expect("a log").id;
    // Enter on a log without payloads reads its page, then opens it.
    let cmds = press(&mut a, "<Enter>");
    assert!(a.popups.overlays.is_empty(), "nothing to show yet");
    assert!(said(&a).contains("reading its payloads"), "{}", said(&a));
    let page = match loads(&cmds).as_slice() {
        [(Slot::TracePayloads, Query::LogPayloads(p))] => {
            assert!(p.within.is_some(), "every time is readable: {p:?}");
            p.ids.clone()
        }
        other => panic!("one page of payloads: {other:?}"),
    };
    assert!(page.contains(&first));
    assert!(page.len() <= crate::store::heads::PAYLOAD_PAGE);
    // A copy while the page is read says so instead of copying a bare row.
    press(&mut a, "y");
    assert!(said(&a).contains("still being read"), "{}", said(&a));
    press(&mut a, "Y");
    assert!(said(&a).contains("--json"), "{}", said(&a));
    let id = load_id(&cmds, Slot::TracePayloads);
    answer(
        &mut a,
        Slot::TracePayloads,
        id,
        Ok(Data::LogPayloads(whole_logs(&page))),
    );
    match a.popups.overlays.last() {
        Some(Overlay::Json(j)) => {
            assert!(
                j.title.starts_with(&format!("log #{first} ")),
                "{}",
                j.title
            );
            assert_eq!(j.value["request_json"]["lockId"], 28991110);
        }
        other => panic!("the log opened once its page came: {other:?}"),
    }
    // Scrolling the whole trace never holds more than PAYLOADS_KEPT whole.
    press(&mut a, "<Esc>");
    for _ in 0..40 {
        let cmds = press(&mut a, "<PageUp><PageUp><PageUp><PageUp><PageUp>");
        for (slot, q) in loads(&cmds) {
            if let (Slot::TracePayloads, Query::LogPayloads(p)) = (slot, q) {
                let id = a
                    .requests
                    .pending(Slot::TracePayloads)
                    .expect("a page in flight")
                    .0;
                answer(&mut a, slot, id, Ok(Data::LogPayloads(whole_logs(&p.ids))));
            }
        }
    }
    let t = a.panes.trace.trace.as_ref().unwrap();
    let whole = t.logs.iter().filter(|l| !l.detached).count();
    assert!(
        whole > crate::store::heads::PAYLOAD_PAGE,
        "pages came: {whole}"
    );
    assert!(
        whole <= crate::store::heads::PAYLOADS_KEPT,
        "{whole} kept whole"
    );
    if let Some(l) = a.panes.trace.selected_log() {
        assert!(!l.detached, "the selected log is whole");
    }
}

#[test]
fn in_the_waterfall_the_selection_is_a_step_and_y_copies_that_step() {
    let mut a = opened(ID, full_trace());
    let at = |a: &App| a.panes.trace.items[a.panes.trace.scroll.selected].clone();
    // The selection starts on the job, which the waterfall does not show:
    // `w` moves it onto the first step.
    assert!(matches!(at(&a), TraceItem::Job(0)), "{:?}", at(&a));
    a.act(Action::Waterfall);
    assert_eq!(at(&a), TraceItem::TimelineLog(0));
    // j/k walk the steps and stop at the ends, never on the job above.
    a.act(Action::Down);
    a.act(Action::Down);
    assert_eq!(at(&a), TraceItem::TimelineLog(1));
    a.act(Action::Up);
    a.act(Action::Up);
    a.act(Action::Top);
    assert_eq!(at(&a), TraceItem::TimelineLog(0));
    a.act(Action::Down);
    match a.act(Action::Copy).as_slice() {
        [Cmd::Copy { what, .. }] => assert!(what.starts_with("log #2"), "{what}"),
        other => panic!("{other:?}"),
    }
    // A log selected in section 3 stays the same log in the waterfall.
    a.act(Action::Waterfall);
    let group_log = a
        .panes
        .trace
        .items
        .iter()
        .position(|i| *i == TraceItem::GroupLog(1))
        .unwrap();
    a.panes.trace.scroll.selected = group_log;
    a.act(Action::Waterfall);
    assert_eq!(at(&a), TraceItem::TimelineLog(1));
}

#[test]
fn the_waterfall_is_laid_out_again_only_for_another_trace() {
    let mut a = opened(ID, full_trace());
    let laid = a.panes.trace.waterfall_layout(10, 5).unwrap();
    assert!(std::sync::Arc::ptr_eq(
        &laid,
        &a.panes.trace.waterfall_layout(10, 5).unwrap()
    ));
    let mut t = full_trace();
    let mut rows: Vec<LogRow> = t.logs.iter().map(|l| l.into_owned()).collect();
    rows.push(log(3, "PASSCODE_ADD", true));
    t.logs = rows.into();
    a.panes.trace.trace = Some(t);
    a.panes.trace.rebuild();
    assert_eq!(a.panes.trace.waterfall_layout(10, 5).unwrap().calls, 3);
}
