//! A held action (issue 28): the refusal dialog with the reason, `override`
//! typed to send it again with the override, and a hold that cannot be
//! overridden only saying why.

use super::{job, press, with_jobs, writable};
use crate::app::{ActRequest, ActResult, Cmd, Dialog, HoldView, Msg};

fn acts(cmds: &[Cmd]) -> Vec<(u64, ActRequest)> {
    cmds.iter()
        .filter_map(|c| match c {
            Cmd::Act { id, req, .. } => Some((*id, req.clone())),
            _ => None,
        })
        .collect()
}

fn hold(req: &ActRequest, overridable: bool) -> HoldView {
    HoldView {
        why:
            "nothing was changed: job #72: TTLOCK:28991110: gateway G2 offline, last seen 09:12 UTC"
                .into(),
        overridable,
        lines: vec![
            "TTLOCK:28991110: gateway G2 offline, last seen 09:12 UTC (probe 12:01 UTC)".into(),
        ],
        again: overridable
            .then(|| req.overridden().map(Box::new))
            .flatten(),
    }
}

#[test]
fn a_held_retry_opens_the_refusal_dialog_and_override_sends_it_again() {
    let mut a = writable(with_jobs(vec![job(72, "failed")]));
    let sent = acts(&press(&mut a, "r"));
    let [(id, req)] = sent.as_slice() else {
        panic!("{sent:?}")
    };
    assert!(matches!(
        req,
        ActRequest::Retry {
            overriding: false,
            ..
        }
    ));
    a.update(Msg::Acted {
        id: *id,
        result: Box::new(ActResult::Held(hold(req, true))),
    });
    let Some(Dialog::Held(d)) = &a.popups.dialog else {
        panic!("{:?}", a.popups.dialog)
    };
    assert!(d.hold.why.contains("gateway G2 offline"), "{:?}", d.hold);
    assert!(d.hold.lines[0].contains("last seen 09:12"));
    // Anything but `override` sends nothing and keeps the dialog.
    assert!(acts(&press(&mut a, "overrid<Enter>")).is_empty());
    assert!(matches!(a.popups.dialog, Some(Dialog::Held(_))));
    let again = acts(&press(&mut a, "e<Enter>"));
    assert_eq!(again.len(), 1, "{again:?}");
    let ActRequest::Retry {
        job, overriding, ..
    } = &again[0].1
    else {
        panic!("{again:?}")
    };
    assert_eq!((*job, *overriding), (72, true));
    assert!(a.popups.dialog.is_none());
}

#[test]
fn a_hold_that_cannot_be_overridden_only_says_why() {
    let mut a = writable(with_jobs(vec![job(72, "failed")]));
    let sent = acts(&press(&mut a, "r"));
    let (id, req) = &sent[0];
    a.update(Msg::Acted {
        id: *id,
        result: Box::new(ActResult::Held(hold(req, false))),
    });
    assert!(matches!(&a.popups.dialog, Some(Dialog::Held(d)) if d.hold.again.is_none()));
    assert!(acts(&press(&mut a, "override<Enter>")).is_empty());
    assert!(a.popups.dialog.is_none(), "Enter closes it");
}

#[test]
fn only_checked_changes_can_be_overridden() {
    let cancel = ActRequest::Cancel {
        job: 1,
        status: "failed".into(),
        updated: chrono::Utc::now(),
    };
    assert!(cancel.overridden().is_none());
}

#[test]
fn who_else_is_acting_lands_on_the_job_it_was_read_for() {
    use crate::app::{Acting, ActingOf, Data, Slot};
    let mut a = with_jobs(vec![job(72, "failed")]);
    let cmds = press(&mut a, "<C-r>");
    let id = super::load_id(&cmds, Slot::Acting);
    let acting = Acting {
        others: vec!["the broker's worker is running job #72 since 12:01 UTC".into()],
        devices: vec!["TTLOCK:28991110: gateway G2 offline (probe 12:01 UTC)".into()],
    };
    super::answer(
        &mut a,
        Slot::Acting,
        id,
        Ok(Data::Acting(
            ActingOf::Job {
                id: 72,
                probe: true,
            },
            acting.clone(),
        )),
    );
    assert_eq!(a.panes.jobs.acting, Some((72, acting)));
}

#[test]
fn a_reload_after_a_change_reads_who_is_acting_without_probing_devices() {
    use crate::app::{Acting, ActingOf, Data, Query, Slot};
    let acting_of = |cmds: &[Cmd]| -> Vec<ActingOf> {
        super::loads(cmds)
            .into_iter()
            .filter_map(|(_, q)| match q {
                Query::Acting(of) => Some(of),
                _ => None,
            })
            .collect()
    };
    let mut a = with_jobs(vec![job(72, "failed")]);
    // Ctrl-R on it: probed.
    let cmds = press(&mut a, "<C-r>");
    assert_eq!(
        acting_of(&cmds),
        vec![ActingOf::Job {
            id: 72,
            probe: true
        }]
    );
    let id = super::load_id(&cmds, Slot::Acting);
    let devices = vec!["TTLOCK:28991110: gateway G2 offline (probe 12:01 UTC)".to_string()];
    let probed = Acting {
        others: vec![],
        devices: devices.clone(),
    };
    let of = ActingOf::Job {
        id: 72,
        probe: true,
    };
    super::answer(&mut a, Slot::Acting, id, Ok(Data::Acting(of, probed)));
    // After a change (a retry's answer): who is acting only, no probe.
    let cmds = a.reload_after_change();
    let of = ActingOf::Job {
        id: 72,
        probe: false,
    };
    assert_eq!(acting_of(&cmds), vec![of.clone()]);
    let id = super::load_id(&cmds, Slot::Acting);
    let read = Acting {
        others: vec!["the broker's worker is running job #72 since 12:02 UTC".into()],
        devices: vec![],
    };
    super::answer(&mut a, Slot::Acting, id, Ok(Data::Acting(of, read)));
    let (held, now) = a.panes.jobs.acting.clone().expect("held");
    assert_eq!(held, 72);
    assert_eq!(now.devices, devices, "the device lines held stay");
    assert_eq!(now.others.len(), 1, "who is acting read anew");
    // A change's answer while a probe of the job is still out: the reload
    // asks for the probe again instead of cancelling it into a read without.
    let cmds = press(&mut a, "<C-r>");
    assert_eq!(
        acting_of(&cmds),
        vec![ActingOf::Job {
            id: 72,
            probe: true
        }]
    );
    let cmds = a.reload_after_change();
    assert_eq!(
        acting_of(&cmds),
        vec![ActingOf::Job {
            id: 72,
            probe: true
        }]
    );
}

#[test]
fn a_group_summary_with_skipped_jobs_takes_override_for_exactly_those() {
    use crate::engine::jobs::{RetryGuard, RetrySummary};
    let mut a = writable(with_jobs(vec![]));
    let guard = |job| RetryGuard {
        job,
        status: "failed".into(),
        updated_at: a.now(),
    };
    let guards = vec![guard(1), guard(2), guard(3)];
    a.popups.dialog = Some(Dialog::RetryGroup(Box::new(crate::app::GroupRetryDialog {
        id: 1,
        fingerprint: "TTLOCK PASSCODE_ADD errcode -3002: gateway".into(),
        meaning: None,
        guards: guards.clone(),
        others: 0,
        typed: String::new(),
        running: false,
        outcome: None,
        skipped: Vec::new(),
    })));
    let sent = acts(&press(&mut a, "3<Enter>"));
    let [
        (
            id,
            ActRequest::RetryGroup {
                overriding: false, ..
            },
        ),
    ] = sent.as_slice()
    else {
        panic!("{sent:?}")
    };
    let sum = RetrySummary {
        retried: vec![1, 3],
        skipped: vec![(
            2,
            "skipped: device offline — TTLOCK:1: gateway offline".into(),
        )],
        ..Default::default()
    };
    a.update(Msg::Acted {
        id: *id,
        result: Box::new(ActResult::RetriedGroup(sum)),
    });
    let Some(Dialog::RetryGroup(d)) = &a.popups.dialog else {
        panic!("{:?}", a.popups.dialog)
    };
    assert_eq!(d.skipped, vec![guards[1].clone()]);
    assert!(d.outcome.as_deref().unwrap().contains("override"), "{d:?}");
    let again = acts(&press(&mut a, "override<Enter>"));
    assert_eq!(
        again.iter().map(|x| x.1.clone()).collect::<Vec<_>>(),
        vec![ActRequest::RetryGroup {
            fingerprint: "TTLOCK PASSCODE_ADD errcode -3002: gateway".into(),
            guards: vec![guards[1].clone()],
            overriding: true,
        }]
    );
}

#[test]
fn a_held_drift_run_takes_override_instead_of_the_doors_name() {
    let mut a = writable(with_jobs(vec![]));
    let plan = crate::engine::plan::plan(crate::engine::plan::Input {
        door_id: 2,
        door_name: "ttlock".into(),
        provider_type: "TTLOCK".into(),
        external_device_id: "28991110".into(),
        integration_device_id: None,
        expected: Vec::new(),
        actual: Vec::new(),
        known: Vec::new(),
        credentials: Default::default(),
        ended: Default::default(),
        mode: crate::engine::plan::Mode::Standard,
        grace: chrono::Duration::hours(1),
        now: a.now(),
        list_incomplete: None,
    });
    let run = ActRequest::DriftRun {
        door: 2,
        mode: crate::engine::plan::Mode::Standard,
        plan: Box::new(plan),
        overriding: false,
    };
    a.popups.dialog = Some(Dialog::Drift(Box::new(crate::app::DriftDialog {
        id: 1,
        door_id: 2,
        door_name: "ttlock".into(),
        mode: crate::engine::plan::Mode::Standard,
        preview: None,
        typed: String::new(),
        running: true,
        outcome: None,
        remaining: None,
        error: None,
        hold: None,
    })));
    // The run as the dialog sends it: its answer comes back into it.
    let sent = acts(&a.act_cmd(run.clone()));
    a.update(Msg::Acted {
        id: sent[0].0,
        result: Box::new(ActResult::Held(hold(&run, true))),
    });
    let Some(Dialog::Drift(d)) = &a.popups.dialog else {
        panic!("{:?}", a.popups.dialog)
    };
    assert!(!d.running && d.hold.is_some());
    assert!(d.error.as_deref().unwrap().contains("`override`"), "{d:?}");
    let again = acts(&press(&mut a, "override<Enter>"));
    assert!(
        matches!(
            again.as_slice(),
            [(
                _,
                ActRequest::DriftRun {
                    door: 2,
                    overriding: true,
                    ..
                }
            )]
        ),
        "{again:?}"
    );
}

#[test]
fn retry_all_skipped_offline_takes_override_for_exactly_those() {
    use crate::engine::jobs::{RetryGuard, RetrySummary};
    let mut a = writable(with_jobs(vec![]));
    let skipped = vec![RetryGuard {
        job: 7,
        status: "failed".into(),
        updated_at: a.now(),
    }];
    let sum = RetrySummary {
        retried: vec![5, 6],
        skipped: vec![(
            7,
            "skipped: device offline — TTLOCK:1: gateway offline".into(),
        )],
        ..Default::default()
    };
    a.update(Msg::Acted {
        id: 1,
        result: Box::new(ActResult::RetriedAllSkipped(sum, skipped.clone())),
    });
    let Some(Dialog::RetryGroup(d)) = &a.popups.dialog else {
        panic!("the summary offers the override: {:?}", a.popups.dialog)
    };
    assert!(d.outcome.as_deref().unwrap().contains("skipped"), "{d:?}");
    // A word other than `override` sends nothing.
    assert!(acts(&press(&mut a, "yes<Enter>")).is_empty());
    press(&mut a, "<BS><BS><BS>");
    let again = acts(&press(&mut a, "override<Enter>"));
    assert_eq!(
        again.iter().map(|x| x.1.clone()).collect::<Vec<_>>(),
        vec![ActRequest::RetryGroup {
            fingerprint: "the jobs retry-all listed".into(),
            guards: skipped,
            overriding: true,
        }]
    );
}
