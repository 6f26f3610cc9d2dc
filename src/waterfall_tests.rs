// The waterfall's layout and the timeline's offsets, on traces built here.

use super::*;
use crate::store::facts::LogFacts;
use crate::store::traces::LogRow;
use serde_json::{Value, json};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("2026-11-20T{s}Z"))
        .unwrap()
        .with_timezone(&Utc)
}

/// A log answered at `at`, its request sent at `sent` (TTLock's
/// `payload.date`) when given.
fn log(id: i64, at: &str, lock: &str, sent: Option<&str>, ok: bool) -> LogRow {
    let req = match sent {
        Some(s) => json!({"payload": {"date": t(s).timestamp_millis()}}),
        None => Value::Null,
    };
    LogRow {
        id,
        action: if lock.starts_with("ACCESS_BROKER") {
            "RECONCILE_JOB_START".into()
        } else {
            "PASSCODE_DELETE".into()
        },
        correlation_id: Some("c".into()),
        created_at: t(at),
        debug_session_id: None,
        door_id: None,
        door_name: None,
        error_message: (!ok).then(|| "boom".to_string()),
        external_id: None,
        lock_key: Some(lock.into()),
        ok,
        provider_type: Some(lock.split(':').next().unwrap().into()),
        reconcile_job_id: Some(7),
        facts: LogFacts::of(Some(&req), None),
        request_json: Some(req),
        response_json: None,
        odd: Vec::new(),
        raw_json: Vec::new(),
        detached: false,
    }
}

fn row(w: &Waterfall, lane: usize) -> String {
    w.lanes[lane]
        .cells
        .iter()
        .map(|c| c.glyph().char())
        .collect()
}

#[test]
fn seconds_are_written_with_their_milliseconds() {
    assert_eq!(seconds(0), "+0.000 s");
    assert_eq!(seconds(4012), "+4.012 s");
    assert_eq!(seconds(-1500), "-1.500 s");
    assert_eq!(seconds(i64::MIN), "-9223372036854775.808 s");
}

#[test]
fn steps_have_offsets_and_gaps_and_a_long_gap_stands_out() {
    let logs = [
        log(1, "10:00:00", "ACCESS_BROKER:unknown", None, true),
        log(2, "10:00:04.012", "TTLOCK:1", None, true),
        log(3, "10:02:04.012", "TTLOCK:1", None, true),
    ];
    let start = Some(t("10:00:00"));
    assert_eq!(
        step(&logs, 0, start),
        Step {
            offset_ms: Some(0),
            gap_ms: None
        }
    );
    let s = step(&logs, 1, start);
    assert_eq!((s.offset_ms, s.gap_ms), (Some(4012), Some(4012)));
    assert!(!s.long_gap());
    let s = step(&logs, 2, start);
    assert_eq!((s.offset_ms, s.gap_ms), (Some(124_012), Some(120_000)));
    assert!(s.long_gap());
    // An odd time has no offset, and the step after it no gap.
    let mut odd = logs.clone();
    odd[1].created_at = DateTime::<Utc>::MAX_UTC;
    assert_eq!(step(&odd, 1, start).offset_ms, None);
    assert_eq!(step(&odd, 2, start).gap_ms, None);
    assert_eq!(step(&odd, 9, start).offset_ms, None);
}

#[test]
fn a_call_is_a_bar_from_request_to_answer_and_a_lone_time_a_tick() {
    let logs = [
        log(1, "10:00:00", "ACCESS_BROKER:unknown", None, true),
        log(2, "10:00:05", "TTLOCK:1", Some("10:00:02"), true),
        log(3, "10:00:09", "TTLOCK:2", None, true),
    ];
    let w = layout(&logs, 10, 10);
    assert_eq!(w.span_ms, 9000);
    let keys: Vec<&str> = w.lanes.iter().map(|l| l.key.as_str()).collect();
    assert_eq!(keys, ["ACCESS_BROKER", "TTLOCK:1", "TTLOCK:2"]);
    assert_eq!(row(&w, 0), "┃         ");
    assert_eq!(row(&w, 1), "  ┣━━━    ");
    assert_eq!(row(&w, 2), "         ┃");
    assert_eq!(w.calls, 3);
}

#[test]
fn failures_have_their_own_character_and_retries_are_separate_bars() {
    let logs = [
        log(1, "10:00:03", "TTLOCK:1", Some("10:00:00"), false),
        log(2, "10:00:09", "TTLOCK:1", Some("10:00:05"), true),
    ];
    let w = layout(&logs, 10, 10);
    assert_eq!(row(&w, 0), "✗╍╍╍ ┣━━━━");
    assert_eq!((w.lanes[0].calls, w.lanes[0].failed), (2, 1));
}

#[test]
fn an_unbelievable_request_time_is_a_tick_and_does_not_stretch_the_window() {
    let logs = [
        log(1, "10:00:00", "TTLOCK:1", Some("08:00:00"), true),
        log(2, "10:00:09", "TTLOCK:1", Some("10:00:10"), true),
    ];
    let w = layout(&logs, 10, 10);
    assert_eq!(w.start, Some(t("10:00:00")));
    assert_eq!(row(&w, 0), "┃        ┃");
}

#[test]
fn many_calls_in_one_cell_aggregate_and_lanes_past_the_room_fold() {
    let mut logs = vec![log(0, "10:00:00", "ACCESS_BROKER:unknown", None, true)];
    for i in 1..=12 {
        logs.push(log(i, "10:00:00.600", "TTLOCK:1", None, true));
    }
    for i in 1..=3 {
        logs.push(log(
            100 + i,
            "10:00:01",
            &format!("TTLOCK:{}", i + 1),
            None,
            true,
        ));
    }
    logs.push(log(200, "10:00:01", "TTLOCK:2", None, true));
    let w = layout(&logs, 2, 3);
    let keys: Vec<&str> = w.lanes.iter().map(|l| l.key.as_str()).collect();
    assert_eq!(keys, ["ACCESS_BROKER", "TTLOCK:1", "… 3 more locks"]);
    assert_eq!(w.folded, 3);
    assert_eq!(row(&w, 1), " ▓");
    assert_eq!(row(&w, 2), " ▒");
    assert_eq!(w.lanes[2].calls, 4);
    // Whatever the trace's length, the layout holds lanes × cells.
    let many: Vec<LogRow> = (0..5000)
        .map(|i| log(i, "10:00:00", &format!("TTLOCK:{i}"), None, i % 7 != 0))
        .collect();
    let w = layout(&many, 80, 20);
    assert_eq!(w.lanes.len(), 20);
    assert!(w.lanes.iter().all(|l| l.cells.len() == 80));
    assert_eq!(w.lanes.iter().map(|l| l.calls).sum::<u64>(), 5000);
}

#[test]
fn odd_times_are_left_out_and_an_empty_trace_has_no_lanes() {
    let mut logs = vec![log(1, "10:00:00", "TTLOCK:1", None, true)];
    logs.push(log(2, "10:00:00", "TTLOCK:1", None, true));
    logs[1].created_at = DateTime::<Utc>::MIN_UTC;
    let w = layout(&logs, 4, 4);
    assert_eq!((w.calls, w.untimed), (1, 1));
    assert_eq!(row(&w, 0), "┃   ");
    let w = layout::<[LogRow]>(&[], 0, 0);
    assert!(w.lanes.is_empty());
    assert_eq!(w.start, None);
}

#[test]
fn a_log_is_placed_on_its_lane_and_cells_and_a_folded_lock_on_the_last() {
    let logs = [
        log(1, "10:00:00", "ACCESS_BROKER:unknown", None, true),
        log(2, "10:00:09", "TTLOCK:1", Some("10:00:04"), true),
        log(3, "10:00:09", "TTLOCK:2", None, false),
        log(4, "10:00:09", "TTLOCK:3", None, true),
    ];
    let w = layout(&logs, 10, 3);
    assert_eq!(
        w.place(&logs, 0),
        Some(Place {
            lane: 0,
            from: 0,
            to: 0
        })
    );
    assert_eq!(
        w.place(&logs, 1),
        Some(Place {
            lane: 1,
            from: 4,
            to: 9
        })
    );
    // TTLOCK:2 and :3 share the last lane, "… 2 more locks".
    assert_eq!(w.place(&logs, 2).map(|p| p.lane), Some(2));
    assert_eq!(w.place(&logs, 3).map(|p| p.lane), Some(2));
    // A log with an odd time is in no lane.
    let mut odd = logs[1].clone();
    odd.created_at = DateTime::<Utc>::MAX_UTC;
    assert_eq!(w.place(std::slice::from_ref(&odd), 0), None);
    assert_eq!(layout::<[LogRow]>(&[], 4, 4).place(&logs, 0), None);
}

#[test]
fn the_memo_lays_a_trace_out_once_per_size() {
    let logs = [
        log(1, "10:00:00", "ACCESS_BROKER:unknown", None, true),
        log(2, "10:00:09", "TTLOCK:28991110", Some("10:00:04"), true),
    ];
    let memo = Memo::default();
    let a = memo.layout(&logs, 10, 5);
    assert_eq!(*a, layout(&logs, 10, 5));
    // The same size: the same layout, not laid out again (the logs passed
    // are not even read).
    assert!(std::sync::Arc::ptr_eq(&a, &memo.layout(&[], 10, 5)));
    // Another width or height: laid out anew.
    let b = memo.layout(&logs, 20, 5);
    assert_eq!(b.lanes[1].cells.len(), 20);
    assert!(!std::sync::Arc::ptr_eq(&b, &memo.layout(&logs, 20, 1)));
    assert_eq!(widest_lock(&logs), "ACCESS_BROKER:unknown".len());
}
