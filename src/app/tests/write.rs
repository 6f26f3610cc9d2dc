//! Write mode and the actions on production: what each sends, and what it
//! asks first.

use chrono::Duration;

use super::{job, press, said, with_jobs, writable};
use crate::app::{ActRequest, Cmd, Dialog, Msg, RETRY_WORD};
use crate::keys::Action;

fn acts(cmds: &[Cmd]) -> Vec<ActRequest> {
    cmds.iter()
        .filter_map(|c| match c {
            Cmd::Act { req, .. } => Some(req.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn write_mode_starts_with_a_reason_and_ends_by_itself() {
    let mut a = with_jobs(vec![]);
    assert!(!a.can_write());
    a.command("write 15m INC-1234");
    assert!(a.can_write());
    assert_eq!(a.write_reason.as_deref(), Some("INC-1234"));
    assert!(said(&a).starts_with("write mode for 15m"), "{}", said(&a));
    let later = a.now + Duration::minutes(16);
    a.update(Msg::Tick(later));
    assert!(!a.can_write());
    assert_eq!(said(&a), "write mode ended: the session is read-only again");
}

#[test]
fn readonly_ends_write_mode_at_once() {
    let mut a = writable(with_jobs(vec![]));
    a.command("ro");
    assert!(!a.can_write());
    assert_eq!(said(&a), "the session is read-only");
}

#[test]
fn retrying_a_failed_job_sends_the_state_the_operator_saw() {
    let mut a = writable(with_jobs(vec![job(72, "failed")]));
    let seen = a.jobs.selected_job().unwrap().updated_at;
    let cmds = press(&mut a, "r");
    assert_eq!(
        acts(&cmds),
        vec![ActRequest::Retry {
            job: 72,
            status: "failed".into(),
            updated: seen,
        }]
    );
    assert_eq!(a.in_flight(), 1, "the action counts as in flight");
}

#[test]
fn a_retry_in_a_read_only_session_still_goes_to_postgres_which_refuses_it() {
    // Read-only is enforced by the database (default_transaction_read_only),
    // so the console sends the guarded change and shows Postgres's refusal.
    let mut a = with_jobs(vec![job(72, "failed")]);
    let cmds = a.act(Action::Retry);
    match cmds.as_slice() {
        [Cmd::Act { op, .. }] => assert!(!op.write),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_running_job_that_a_worker_has_is_not_retried() {
    let mut a = writable(with_jobs(vec![job(5, "running")]));
    assert!(a.act(Action::Retry).is_empty());
    assert!(
        said(&a).starts_with("job #5 is running and was updated"),
        "{}",
        said(&a)
    );
}

#[test]
fn a_stuck_job_is_retried_only_after_typing_the_word() {
    let mut stuck = job(5, "running");
    stuck.updated_at -= Duration::hours(2);
    let mut a = writable(with_jobs(vec![stuck]));
    assert!(a.act(Action::Retry).is_empty());
    assert!(matches!(a.dialog, Some(Dialog::RetryStuck { .. })));
    // Enter before the word does nothing.
    assert!(press(&mut a, "<Enter>").is_empty());
    assert!(a.dialog.is_some());
    let cmds = press(&mut a, &format!("{RETRY_WORD}<Enter>"));
    assert_eq!(acts(&cmds).len(), 1);
    assert!(a.dialog.is_none());
}

#[test]
fn esc_closes_a_confirmation_without_sending_anything() {
    let mut stuck = job(5, "running");
    stuck.updated_at -= Duration::hours(2);
    let mut a = writable(with_jobs(vec![stuck]));
    a.act(Action::Retry);
    let cmds = press(&mut a, "ret<Esc>");
    assert!(cmds.is_empty());
    assert!(a.dialog.is_none());
}

#[test]
fn cancel_applies_to_queued_and_failed_jobs_only() {
    let mut a = writable(with_jobs(vec![job(1, "done"), job(2, "queued")]));
    assert!(a.act(Action::CancelJob).is_empty());
    assert_eq!(
        said(&a),
        "job #1 is done: only queued or failed jobs can be cancelled"
    );
    a.act(Action::Down);
    assert_eq!(
        acts(&a.act(Action::CancelJob)),
        vec![ActRequest::Cancel {
            job: 2,
            status: "queued".into(),
        }]
    );
}

#[test]
fn retry_all_first_counts_what_the_filter_matches() {
    let mut a = writable(with_jobs(vec![job(1, "failed")]));
    a.command("jobs failed");
    let cmds = a.act(Action::RetryAll);
    assert!(matches!(
        acts(&cmds).as_slice(),
        [ActRequest::CountRetryable { .. }]
    ));
    assert!(matches!(
        a.dialog,
        Some(Dialog::RetryAll { jobs: None, .. })
    ));
}

#[test]
fn drift_needs_a_door_and_says_how_to_pick_one() {
    let mut a = writable(with_jobs(vec![job(1, "failed")]));
    assert!(a.act(Action::Drift).is_empty());
    assert_eq!(
        said(&a),
        "open a lock (:door 2) or select a log on a door, then press the drift key"
    );
}

#[test]
fn drift_is_refused_with_the_reason_when_the_broker_tables_are_missing() {
    let mut a = with_jobs(vec![]);
    a.session.drift_disabled = Some("drift enforcement needs the credentials table".into());
    assert!(a.act(Action::Drift).is_empty());
    assert_eq!(said(&a), "drift enforcement needs the credentials table");
}

#[test]
fn ctrl_c_in_a_prompt_closes_the_prompt() {
    let mut a = with_jobs(vec![]);
    press(&mut a, ":tra");
    assert!(a.prompt.is_some());
    assert!(press(&mut a, "<C-c>").is_empty());
    assert!(a.prompt.is_none());
    assert!(!a.quit);
}

#[test]
fn retry_all_applies_exactly_the_jobs_it_listed() {
    let mut a = writable(with_jobs(vec![job(1, "failed")]));
    a.command("jobs failed");
    let cmds = a.act(Action::RetryAll);
    let id = cmds
        .iter()
        .find_map(|c| match c {
            Cmd::Act { id, .. } => Some(*id),
            _ => None,
        })
        .unwrap();
    let t = a.now;
    let listed = vec![(5, "failed".to_string(), t), (7, "dead".to_string(), t)];
    a.update(Msg::Acted {
        id,
        result: Box::new(crate::app::ActResult::Count(Ok((listed.clone(), false)))),
    });
    press(&mut a, "2");
    let cmds = a.update(Msg::Key(
        crate::keys::Key::parse("<Enter>").unwrap().to_event(),
    ));
    let all: Vec<ActRequest> = acts(&cmds);
    assert_eq!(
        all,
        vec![ActRequest::RetryAll { jobs: listed }],
        "{:?}",
        a.dialog
    );
}

#[test]
fn ctrl_c_in_a_dialog_quits_instead_of_being_typed() {
    let mut a = writable(with_jobs(vec![job(1, "failed")]));
    a.command("jobs failed");
    a.act(Action::RetryAll);
    assert!(a.dialog.is_some());
    let cmds = a.update(Msg::Key(
        crate::keys::Key::parse("<C-c>").unwrap().to_event(),
    ));
    assert!(cmds.contains(&Cmd::Quit), "{cmds:?}");
}

#[test]
fn a_drift_result_after_esc_comes_back_in_a_popup() {
    let mut a = writable(with_jobs(vec![]));
    a.update(Msg::Acted {
        id: 9,
        result: Box::new(crate::app::ActResult::Enforced(Ok((
            "job #5: 1 deleted, 0 added".into(),
            None,
        )))),
    });
    match a.overlays.last() {
        Some(crate::app::Overlay::Json(j)) => {
            assert_eq!(j.title, "drift enforcement result");
            assert_eq!(j.value["result"], "job #5: 1 deleted, 0 added");
        }
        other => panic!("a popup: {other:?}"),
    }
    assert_eq!(said(&a), "drift enforcement: job #5: 1 deleted, 0 added");
}
