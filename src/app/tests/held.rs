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
        Ok(Data::Acting(ActingOf::Job(72), acting.clone())),
    );
    assert_eq!(a.panes.jobs.acting, Some((72, acting)));
}
