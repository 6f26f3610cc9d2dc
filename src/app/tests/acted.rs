//! An engine answer lands only in the dialog that asked for it: door A's
//! result never in door B's dialog opened meanwhile, and an answer whose
//! dialog has closed is said naming its target, never lost.

use super::{job, press, said, with_jobs, writable};
use crate::app::{ActRequest, ActResult, App, Cmd, Dialog, Msg, Overlay};
use crate::engine::plan::Mode;

/// The queue with a job on door 1 and one on door 2, in write mode.
fn two_doors() -> App {
    let mut j1 = job(1, "failed");
    j1.payload = Some(serde_json::json!({"door_id": 1}));
    let mut j2 = job(2, "failed");
    j2.payload = Some(serde_json::json!({"door_id": 2}));
    writable(with_jobs(vec![j1, j2]))
}

fn act_ids(cmds: &[Cmd]) -> Vec<(u64, ActRequest)> {
    cmds.iter()
        .filter_map(|c| match c {
            Cmd::Act { id, req, .. } => Some((*id, req.clone())),
            _ => None,
        })
        .collect()
}

/// Door 1's (empty) plan.
fn plan_of_door_1(a: &App) -> crate::engine::plan::Plan {
    crate::engine::plan::plan(crate::engine::plan::Input {
        door_id: 1,
        door_name: "door 1".into(),
        provider_type: "TTLOCK".into(),
        external_device_id: "28991110".into(),
        integration_device_id: None,
        expected: Vec::new(),
        actual: Vec::new(),
        known: Vec::new(),
        credentials: Default::default(),
        ended: Default::default(),
        mode: Mode::Standard,
        grace: chrono::Duration::hours(1),
        now: a.now(),
        list_incomplete: None,
    })
}

/// A drift run sent from door 1's dialog (as Enter on its plan sends it).
fn run_from_door_1(a: &mut App) -> u64 {
    let opened = act_ids(&press(a, "d"));
    assert!(
        matches!(
            opened.as_slice(),
            [(_, ActRequest::DriftPreview { door: 1, .. })]
        ),
        "{opened:?}"
    );
    let plan = plan_of_door_1(a);
    let sent = act_ids(&a.act_cmd(ActRequest::DriftRun {
        door: 1,
        mode: Mode::Standard,
        plan: Box::new(plan),
        overriding: false,
    }));
    let [(id, _)] = sent.as_slice() else {
        panic!("{sent:?}")
    };
    *id
}

fn answer(a: &mut App, id: u64, result: ActResult) {
    a.update(Msg::Acted {
        id,
        result: Box::new(result),
    });
}

/// Door 2's drift dialog, opened after door 1's closed.
fn open_door_2(a: &mut App) {
    press(a, "<Esc>j");
    let opened = act_ids(&press(a, "d"));
    assert!(
        matches!(
            opened.as_slice(),
            [(_, ActRequest::DriftPreview { door: 2, .. })]
        ),
        "{opened:?}"
    );
}

fn door_2_dialog(a: &App) -> &crate::app::DriftDialog {
    match &a.popups.dialog {
        Some(Dialog::Drift(d)) if d.door_id == 2 => d,
        other => panic!("door 2's dialog: {other:?}"),
    }
}

#[test]
fn door_1s_enforcement_result_never_lands_in_door_2s_dialog() {
    let mut a = two_doors();
    let run = run_from_door_1(&mut a);
    open_door_2(&mut a);
    answer(
        &mut a,
        run,
        ActResult::Enforced(Ok(("job #5: 2 deleted, 0 added".into(), None))),
    );
    let d = door_2_dialog(&a);
    assert_eq!((&d.outcome, &d.error), (&None, &None), "{d:?}");
    assert_eq!(
        said(&a),
        "door 1: drift enforcement: job #5: 2 deleted, 0 added"
    );
    // Kept where it is seen once door 2's dialog closes.
    match a.popups.overlays.last() {
        Some(Overlay::Json(j)) => assert_eq!(j.title, "door 1: drift enforcement result"),
        other => panic!("a popup: {other:?}"),
    }
    // Door 1's plan changing, or its enqueue answering, leaves door 2's
    // dialog open and as it was.
    let run = run_from_door_1_again(&mut a);
    answer(&mut a, run, ActResult::Enqueued(Ok(77)));
    door_2_dialog(&a);
    assert_eq!(
        said(&a),
        "door 1: drift enforcement queued as job #77: the worker will run it"
    );
}

/// Door 1's dialog again (door 2's closed), a run sent, then door 2's.
fn run_from_door_1_again(a: &mut App) -> u64 {
    // Door 2's dialog, then door 1's result popup behind it.
    press(a, "<Esc><Esc>k");
    assert!(a.popups.overlays.is_empty() && a.popups.dialog.is_none());
    let run = run_from_door_1(a);
    open_door_2(a);
    run
}

#[test]
fn a_hold_for_a_retry_never_replaces_another_dialog() {
    let mut a = two_doors();
    let sent = act_ids(&press(&mut a, "r"));
    let [(retry, req)] = sent.as_slice() else {
        panic!("{sent:?}")
    };
    press(&mut a, "j");
    let _ = act_ids(&press(&mut a, "d"));
    let hold = crate::app::HoldView {
        why: "nothing was changed: TTLOCK:28991110: gateway G2 offline".into(),
        overridable: true,
        lines: Vec::new(),
        again: req.overridden().map(Box::new),
    };
    answer(&mut a, *retry, ActResult::Held(hold));
    door_2_dialog(&a);
    assert!(
        said(&a)
            .starts_with("job #1: held: nothing was changed: TTLOCK:28991110: gateway G2 offline"),
        "{}",
        said(&a)
    );
}

#[test]
fn an_answer_whose_dialog_closed_is_said_naming_its_door() {
    let mut a = two_doors();
    let run = run_from_door_1(&mut a);
    press(&mut a, "<Esc>");
    assert!(a.popups.dialog.is_none());
    let plan = plan_of_door_1(&a);
    answer(&mut a, run, ActResult::PlanChanged(Box::new(plan)));
    assert!(
        said(&a).starts_with(
            "door 1: drift enforcement: the lock changed since this plan was shown: nothing was changed"
        ),
        "{}",
        said(&a)
    );
    // A run answered after Esc: said and kept in a popup.
    let run = run_from_door_1(&mut a);
    press(&mut a, "<Esc>");
    answer(
        &mut a,
        run,
        ActResult::Enforced(Err("TTLOCK:28991110: busy".into())),
    );
    assert_eq!(said(&a), "door 1: drift enforcement: TTLOCK:28991110: busy");
    assert!(matches!(a.popups.overlays.last(), Some(Overlay::Json(_))));
}

#[test]
fn the_dialog_that_asked_still_gets_its_answer() {
    let mut a = two_doors();
    let run = run_from_door_1(&mut a);
    answer(
        &mut a,
        run,
        ActResult::Enforced(Ok(("job #5: 2 deleted, 0 added".into(), None))),
    );
    match &a.popups.dialog {
        Some(Dialog::Drift(d)) if d.door_id == 1 => {
            assert_eq!(d.outcome.as_deref(), Some("job #5: 2 deleted, 0 added"))
        }
        other => panic!("door 1's dialog: {other:?}"),
    }
    assert!(a.popups.overlays.is_empty());
}
