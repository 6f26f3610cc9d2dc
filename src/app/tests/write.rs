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
    assert_eq!(a.write.reason(), Some("INC-1234"));
    assert!(said(&a).starts_with("write mode for 15m"), "{}", said(&a));
    let later = a.now() + Duration::minutes(16);
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
    let seen = a.panes.jobs.selected_job().unwrap().updated_at;
    let cmds = press(&mut a, "r");
    assert_eq!(
        acts(&cmds),
        vec![ActRequest::Retry {
            job: 72,
            status: "failed".into(),
            updated: seen,
            overriding: false,
        }]
    );
    assert_eq!(a.in_flight(), 1, "the action counts as in flight");
}

#[test]
fn a_change_in_a_read_only_session_is_refused_before_sending() {
    // The client refuses first, with how to elevate; Postgres (BEGIN READ
    // ONLY) is the second guard, tested on its own in tests/it/actions.rs.
    let mut stuck = job(5, "running");
    stuck.updated_at -= Duration::hours(2);
    let mut a = with_jobs(vec![job(72, "failed"), job(2, "queued"), stuck]);
    a.command("jobs failed");
    for action in [Action::Retry, Action::CancelJob, Action::RetryAll] {
        assert!(a.act(action).is_empty(), "{action:?} sent something");
        assert_eq!(said(&a), crate::app::READ_ONLY_REFUSAL, "{action:?}");
        assert!(
            a.popups.dialog.is_none(),
            "{action:?} asked for a confirmation"
        );
    }
    assert_eq!(a.in_flight(), 1, "only the filter's own load");
    // Even a request built some other way never leaves read-only.
    assert!(
        a.act_cmd(ActRequest::Cancel {
            job: 2,
            status: "queued".into(),
            updated: a.now(),
        })
        .is_empty()
    );
}

#[test]
fn readonly_after_write_refuses_every_change_in_the_app() {
    // Each way back to read-only: :readonly, an expired :write, Esc at the
    // reason prompt of a --write start.
    let mut a = writable(with_jobs(vec![job(72, "failed")]));
    a.command("readonly");
    assert!(a.act(Action::Retry).is_empty());
    let mut b = with_jobs(vec![job(72, "failed")]);
    b.command("write 15m INC-1");
    b.update(Msg::Tick(b.now() + Duration::minutes(16)));
    assert!(b.act(Action::Retry).is_empty());
    let mut c = with_jobs(vec![job(72, "failed")]);
    c.popups.prompt = Some(crate::app::Prompt {
        kind: crate::app::PromptKind::Reason,
        text: String::new(),
    });
    press(&mut c, "INC<Esc>");
    assert!(c.act(Action::Retry).is_empty());
    for x in [&a, &b, &c] {
        assert_eq!(said(x), crate::app::READ_ONLY_REFUSAL);
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
    assert!(matches!(a.popups.dialog, Some(Dialog::RetryStuck { .. })));
    // Enter before the word does nothing.
    assert!(press(&mut a, "<Enter>").is_empty());
    assert!(a.popups.dialog.is_some());
    let cmds = press(&mut a, &format!("{RETRY_WORD}<Enter>"));
    assert_eq!(acts(&cmds).len(), 1);
    assert!(a.popups.dialog.is_none());
}

#[test]
fn esc_closes_a_confirmation_without_sending_anything() {
    let mut stuck = job(5, "running");
    stuck.updated_at -= Duration::hours(2);
    let mut a = writable(with_jobs(vec![stuck]));
    a.act(Action::Retry);
    let cmds = press(&mut a, "ret<Esc>");
    assert!(cmds.is_empty());
    assert!(a.popups.dialog.is_none());
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
    let seen = a.panes.jobs.selected_job().unwrap().updated_at;
    // x asks y/N first: anything but y keeps the job.
    assert!(a.act(Action::CancelJob).is_empty());
    assert!(matches!(a.popups.dialog, Some(Dialog::Cancel { .. })));
    assert!(press(&mut a, "n").is_empty());
    assert!(a.popups.dialog.is_none());
    a.act(Action::CancelJob);
    assert!(press(&mut a, "<Enter>").is_empty(), "Enter is not y");
    a.act(Action::CancelJob);
    assert_eq!(
        acts(&press(&mut a, "y")),
        vec![ActRequest::Cancel {
            job: 2,
            status: "queued".into(),
            updated: seen,
        }]
    );
}

/// Answers the newest action with `result`.
fn answer_act(a: &mut crate::app::App, cmds: &[Cmd], result: crate::app::ActResult) -> Vec<Cmd> {
    let id = cmds
        .iter()
        .find_map(|c| match c {
            Cmd::Act { id, .. } => Some(*id),
            _ => None,
        })
        .expect("an action");
    a.update(Msg::Acted {
        id,
        result: Box::new(result),
    })
}

#[test]
fn a_second_r_never_retries_another_job() {
    use crate::app::{Data, Slot};
    use crate::store::queue::Refreshed;
    let mut a = writable(with_jobs(vec![job(1936, "failed"), job(1935, "failed")]));
    a.panes.jobs.filter.status = Some(crate::store::queries::StatusFilter::Failed);
    let first = press(&mut a, "r");
    assert_eq!(acts(&first).len(), 1);
    let cmds = answer_act(
        &mut a,
        &first,
        crate::app::ActResult::Job(Ok(crate::engine::JobChange::Done {
            job: 1936,
            status: "queued".into(),
        })),
    );
    // The refreshed window no longer holds the retried job (the filter is
    // `failed`): it stays listed, queued, under the cursor.
    let id = super::load_id(&cmds, Slot::Jobs);
    super::answer(
        &mut a,
        Slot::Jobs,
        id,
        Ok(Data::JobsRefreshed(Refreshed {
            order: vec![1935],
            fresh: Vec::new(),
            interrupted: Vec::new(),
        })),
    );
    let sel = a.panes.jobs.selected_job().unwrap();
    assert_eq!((sel.id, sel.status.as_str()), (1936, "queued"));
    let second = press(&mut a, "r");
    assert!(acts(&second).is_empty(), "{second:?}");
    assert!(
        said(&a).starts_with("job #1936 is already queued"),
        "{}",
        said(&a)
    );
    // Once the cursor moves, the next refresh drops it.
    press(&mut a, "j");
    assert_eq!(a.panes.jobs.selected_job().unwrap().id, 1935);
}

#[test]
fn a_refresh_before_the_answer_never_moves_the_cursor_onto_another_job() {
    // With a standby, the queue's poll can drop the retried job before the
    // action's answer arrives: the job stays under the cursor all along.
    use crate::app::{Data, Slot};
    use crate::store::queue::Refreshed;
    let mut a = writable(with_jobs(vec![job(1936, "failed"), job(1935, "failed")]));
    a.panes.jobs.filter.status = Some(crate::store::queries::StatusFilter::Failed);
    let first = press(&mut a, "r");
    let poll = a.refresh();
    let id = super::load_id(&poll, Slot::Jobs);
    super::answer(
        &mut a,
        Slot::Jobs,
        id,
        Ok(Data::JobsRefreshed(Refreshed {
            order: vec![1935],
            fresh: Vec::new(),
            interrupted: Vec::new(),
        })),
    );
    assert_eq!(
        a.panes.jobs.selected_job().unwrap().id,
        1936,
        "still the job acted on"
    );
    answer_act(
        &mut a,
        &first,
        crate::app::ActResult::Job(Ok(crate::engine::JobChange::Done {
            job: 1936,
            status: "queued".into(),
        })),
    );
    let sel = a.panes.jobs.selected_job().unwrap();
    assert_eq!((sel.id, sel.status.as_str()), (1936, "queued"));
    assert!(acts(&press(&mut a, "r")).is_empty());
}

#[test]
fn retry_all_under_a_text_filter_takes_exactly_the_rows_shown() {
    let mut rows = vec![
        job(1, "failed"),
        job(2, "failed"),
        job(3, "dead"),
        job(4, "done"),
    ];
    rows[1].last_error = Some("Doordeck: 503".into());
    rows[3].last_error = Some("Doordeck: 503".into());
    let mut a = writable(with_jobs(rows));
    press(&mut a, "/doordeck<Enter>");
    assert_eq!(a.panes.jobs.visible().len(), 2);
    let cmds = a.act(Action::RetryAll);
    assert!(acts(&cmds).is_empty(), "nothing counted in the database");
    match &a.popups.dialog {
        Some(Dialog::RetryAll {
            jobs: Some(j),
            text: Some(t),
            ..
        }) => {
            assert_eq!(j.iter().map(|x| x.0).collect::<Vec<_>>(), vec![2]);
            assert_eq!((t.text.as_str(), t.loaded), ("doordeck", 4));
        }
        other => panic!("{other:?}"),
    }
    let all = acts(&press(&mut a, "1<Enter>"));
    assert!(
        matches!(all.as_slice(), [ActRequest::RetryAll { jobs }] if jobs.len() == 1 && jobs[0].0 == 2)
    );
}

#[test]
fn confirmations_list_the_ids_they_act_on() {
    assert_eq!(crate::app::listed_ids([7, 5].into_iter()), "#7 #5");
    let many = crate::app::listed_ids((1..=25).collect::<Vec<i64>>().into_iter());
    assert!(many.starts_with("#1 #2 "), "{many}");
    assert!(many.ends_with("#20 and 5 more"), "{many}");
}

#[test]
fn slash_on_every_pane_opens_a_prompt_and_typed_text_runs_nothing() {
    for pane in ["4", "5"] {
        let mut a = writable(with_jobs(vec![job(1, "failed")]));
        press(&mut a, pane);
        let cmds = press(&mut a, "/retry");
        assert!(cmds.is_empty(), "{cmds:?}");
        assert!(a.popups.prompt.is_some());
        assert!(a.filters_here());
        assert!(press(&mut a, "<Enter>").is_empty());
        assert!(a.popups.prompt.is_none());
        assert!(a.popups.dialog.is_none() && !a.requests.quit);
    }
}

#[test]
fn the_drift_dialog_in_read_only_runs_nothing_and_says_how_to_elevate() {
    let mut a = with_jobs(vec![]);
    a.popups.dialog = Some(Dialog::Drift(Box::new(crate::app::DriftDialog {
        id: 1,
        door_id: 2,
        door_name: "ttlock".into(),
        mode: crate::engine::plan::Mode::Standard,
        preview: None,
        typed: String::new(),
        running: false,
        outcome: None,
        remaining: None,
        error: None,
        hold: None,
    })));
    assert!(press(&mut a, "ttlock<Enter>").is_empty());
    match &a.popups.dialog {
        Some(Dialog::Drift(d)) => {
            assert!(d.typed.is_empty(), "nothing typed is taken");
            assert_eq!(d.error.as_deref(), Some(crate::app::READ_ONLY_REFUSAL));
        }
        other => panic!("{other:?}"),
    }
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
        a.popups.dialog,
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
    assert!(a.popups.prompt.is_some());
    assert!(press(&mut a, "<C-c>").is_empty());
    assert!(a.popups.prompt.is_none());
    assert!(!a.requests.quit);
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
    let t = a.now();
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
        a.popups.dialog
    );
}

#[test]
fn ctrl_c_in_a_dialog_quits_instead_of_being_typed() {
    let mut a = writable(with_jobs(vec![job(1, "failed")]));
    a.command("jobs failed");
    a.act(Action::RetryAll);
    assert!(a.popups.dialog.is_some());
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
    match a.popups.overlays.last() {
        Some(crate::app::Overlay::Json(j)) => {
            assert_eq!(j.title, "drift enforcement result");
            assert_eq!(j.value["result"], "job #5: 1 deleted, 0 added");
        }
        other => panic!("a popup: {other:?}"),
    }
    assert_eq!(said(&a), "drift enforcement: job #5: 1 deleted, 0 added");
}

#[test]
fn own_changes_reload_every_pane_that_shows_data() {
    use crate::app::Slot;
    let mut a = writable(with_jobs(vec![job(72, "failed")]));
    a.panes.audit.loaded = true;
    a.panes.audit.text = "retry".into();
    a.panes.lock.lock_key = Some("TTLOCK:28991110".into());
    a.panes.lock.trail.provider = Some("TTLOCK".into());
    a.panes.user.user_id = Some(9);
    a.panes.trace.query = Some("e4792295".into());
    let cmds = press(&mut a, "r");
    let cmds = answer_act(
        &mut a,
        &cmds,
        crate::app::ActResult::Job(Ok(crate::engine::JobChange::Done {
            job: 72,
            status: "queued".into(),
        })),
    );
    let slots: Vec<Slot> = super::loads(&cmds).into_iter().map(|(s, _)| s).collect();
    for want in [Slot::Jobs, Slot::Audit, Slot::Lock, Slot::User, Slot::Trace] {
        assert!(slots.contains(&want), "{want:?} not reloaded: {slots:?}");
    }
    assert!(
        !slots.contains(&Slot::LockTrail),
        "no provider call after a change: {slots:?}"
    );
    assert_eq!(a.pane, crate::app::Pane::Jobs, "nothing moved the operator");
    assert_eq!(a.panes.audit.text, "retry", "the audit filter is kept");
}
