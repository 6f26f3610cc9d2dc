//! The queue's error groups: `e` switches views and reads them (never the
//! timer), Enter lists a group's jobs by id, `/` filters, `y` copies a group
//! as JSON, and `R` retries its listed jobs after the typed count.

use chrono::Duration;

use super::*;
use crate::groups::fingerprint::FailedStep;
use crate::groups::incident;
use crate::store::groups::TroubledJob;
use crate::store::traces::JobStatus;

/// A troubled job failing with TTLock `code`, `mins_ago`.
fn troubled(id: i64, code: i64, status: JobStatus, mins_ago: i64) -> TroubledJob {
    let now = crate::demo::world::fixed_now();
    TroubledJob {
        id,
        job_type: "reconcile_user".into(),
        status,
        stuck: false,
        interrupted: false,
        updated_at: Some(now - Duration::minutes(mins_ago)),
        updated_text: None,
        attempts: Some(3),
        last_error: None,
        next_run_at: None,
        step: Some(FailedStep {
            provider: Some("TTLOCK".into()),
            action: Some("PASSCODE_ADD".into()),
            error: Some(format!("TTLock errcode {code}: gateway")),
            lock_key: Some(format!("TTLOCK:{}", 100 + id % 3)),
            ..FailedStep::default()
        }),
        site_id: Some(id % 2),
        step_at: Some(now - Duration::minutes(mins_ago)),
    }
}

/// 25 jobs of -3002 within 5 minutes (a storm; #1 is dead, #2 stuck), and 2 of -3003.
fn read() -> GroupsRead {
    let mut jobs: Vec<TroubledJob> = (1..=25)
        .rev()
        .map(|i| troubled(i, -3002, JobStatus::Failed, i / 5))
        .collect();
    jobs.iter_mut().find(|j| j.id == 1).unwrap().status = JobStatus::Dead;
    let two = jobs.iter_mut().find(|j| j.id == 2).unwrap();
    two.status = JobStatus::Running;
    two.stuck = true;
    jobs.push(troubled(41, -3003, JobStatus::Failed, 30));
    jobs.push(troubled(40, -3003, JobStatus::Failed, 40));
    let now = crate::demo::world::fixed_now();
    let groups = incident::build(&jobs, now, Duration::hours(24));
    GroupsRead {
        storms: incident::storms(&groups),
        jobs: jobs.len(),
        groups,
        capped: false,
        now: Some(now),
    }
}

/// The queue with its groups read and shown.
fn on_groups(a: App) -> App {
    let mut a = a;
    let cmds = press(&mut a, "e");
    assert!(a.groups_view());
    let q = loads(&cmds);
    assert!(
        q.iter().any(|(s, q)| *s == Slot::Groups
            && matches!(q, Query::Groups { window_secs, .. } if *window_secs == 24 * 3600)),
        "{q:?}"
    );
    answer(
        &mut a,
        Slot::Groups,
        load_id(&cmds, Slot::Groups),
        Ok(Data::Groups(Box::new(read()))),
    );
    a
}

fn acts(cmds: &[Cmd]) -> Vec<ActRequest> {
    cmds.iter()
        .filter_map(|c| match c {
            Cmd::Act { req, .. } => Some(req.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn e_switches_between_the_list_and_the_groups() {
    let mut a = on_groups(with_jobs(vec![job(1, "failed")]));
    let g = a.panes.jobs.groups.selected_group().unwrap();
    assert_eq!((g.count, g.meaning), (25, Some("gateway offline")));
    assert_eq!(a.list_len(), 2);
    // The storm is the header's, and its group is under the cursor.
    assert_eq!(a.panes.jobs.groups.read.as_ref().unwrap().storms.len(), 1);
    assert_eq!(a.hints()[0], ("Enter".to_string(), "its jobs"));
    // The list again, with nothing read; and back with the groups as read.
    assert!(loads(&press(&mut a, "e")).is_empty());
    assert!(!a.groups_view());
    assert_eq!(a.panes.jobs.selected_job().map(|j| j.id), Some(1));
    let cmds = press(&mut a, "e");
    assert!(a.groups_view());
    assert_eq!(loads(&cmds)[0].0, Slot::Groups);
    // Esc leaves the groups for the list.
    press(&mut a, "<Esc>");
    assert!(!a.groups_view());
}

#[test]
fn the_groups_are_read_on_entering_and_ctrl_r_never_on_the_timer() {
    let mut a = on_groups(with_jobs(vec![job(1, "failed")]));
    let mut cmds = Vec::new();
    for _ in 0..30 {
        cmds.extend(a.update(Msg::Tick(a.now())));
    }
    let slots: Vec<Slot> = loads(&cmds).into_iter().map(|(s, _)| s).collect();
    assert!(!slots.contains(&Slot::Groups), "{slots:?}");
    // Nor the list's 2-s poll while it is hidden: the counts and the
    // header's failed-calls line alone.
    assert!(
        slots
            .iter()
            .all(|s| matches!(s, Slot::JobCounts | Slot::Pulse)),
        "{slots:?}"
    );
    let slots: Vec<Slot> = loads(&press(&mut a, "<C-r>"))
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    assert!(slots.contains(&Slot::Groups), "{slots:?}");
}

#[test]
fn enter_on_a_group_lists_exactly_its_jobs() {
    let mut a = on_groups(with_jobs(vec![job(1, "failed")]));
    let cmds = press(&mut a, "<Enter>");
    let want: Vec<i64> = (1..=25).rev().collect();
    match &loads(&cmds)[..] {
        [(Slot::Jobs, Query::JobsOfGroup { ids, .. })] => assert_eq!(ids, &want),
        other => panic!("{other:?}"),
    }
    assert!(!a.groups_view());
    assert_eq!(a.panes.jobs.scope.as_ref().map(|s| s.count), Some(25));
    let rows: Vec<JobRow> = want.iter().map(|&i| job(i, "failed")).collect();
    answer(
        &mut a,
        Slot::Jobs,
        load_id(&cmds, Slot::Jobs),
        Ok(Data::Jobs(rows)),
    );
    assert_eq!(a.list_len(), 25);
    assert!(!a.panes.jobs.more_below);
    // Its refresh reads the same ids again, never the filter's pages.
    let mut cmds = a.update(Msg::Tick(a.now()));
    cmds.extend(a.update(Msg::Tick(a.now())));
    assert!(
        loads(&cmds).iter().any(|(s, q)| *s == Slot::Jobs
            && matches!(q, Query::JobsOfGroup { ids, .. } if *ids == want))
    );
    // Esc: back to the groups, as read.
    let cmds = press(&mut a, "<Esc>");
    assert!(a.groups_view());
    assert!(a.panes.jobs.scope.is_none());
    assert!(!loads(&cmds).iter().any(|(s, _)| *s == Slot::Groups));
}

#[test]
fn slash_filters_the_groups_and_y_copies_one_as_json() {
    let mut a = on_groups(with_jobs(vec![]));
    press(&mut a, "/-3003<Enter>");
    assert_eq!(a.list_len(), 1);
    let cmds = press(&mut a, "y");
    let (text, what) = cmds
        .iter()
        .find_map(|c| match c {
            Cmd::Copy { text, what } => Some((text.clone(), what.clone())),
            _ => None,
        })
        .expect("a copy");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["count"], 2);
    assert_eq!(v["job_ids"], serde_json::json!([41, 40]));
    assert_eq!(what, "the group of 2 jobs as JSON");
}

#[test]
fn r_on_a_group_lists_its_ids_and_needs_the_typed_count() {
    let mut a = on_groups(writable(with_jobs(vec![])));
    press(&mut a, "R");
    let Some(Dialog::RetryGroup(d)) = &a.popups.dialog else {
        panic!("{:?}", a.popups.dialog)
    };
    // Failed and dead only: the stuck #2 is left alone.
    assert_eq!(d.guards.len(), 24);
    assert_eq!(d.others, 1);
    assert!(!d.guards.iter().any(|g| g.job == 2));
    assert_eq!(
        listed_ids(d.guards.iter().map(|g| g.job)),
        "#25 #24 #23 #22 #21 #20 #19 #18 #17 #16 #15 #14 #13 #12 #11 #10 #9 #8 #7 #6 and 4 more"
    );
    let guards = d.guards.clone();
    // A wrong count does nothing.
    assert!(acts(&press(&mut a, "25<Enter>")).is_empty());
    press(&mut a, "<BS><BS>24");
    let cmds = press(&mut a, "<Enter>");
    assert_eq!(
        acts(&cmds),
        vec![ActRequest::RetryGroup {
            fingerprint: "TTLOCK PASSCODE_ADD errcode -3002: gateway".into(),
            guards,
            overriding: false,
        }]
    );
    // The dialog ends with the summary line.
    let id = cmds
        .iter()
        .find_map(|c| match c {
            Cmd::Act { id, .. } => Some(*id),
            _ => None,
        })
        .unwrap();
    let sum = crate::engine::jobs::RetrySummary {
        retried: (3..=25).collect(),
        changed: vec![(1, "queued".into())],
        ..Default::default()
    };
    a.update(Msg::Acted {
        id,
        result: Box::new(ActResult::RetriedGroup(sum)),
    });
    let Some(Dialog::RetryGroup(d)) = &a.popups.dialog else {
        panic!("{:?}", a.popups.dialog)
    };
    assert_eq!(
        d.outcome.as_deref(),
        Some("retried 23, changed meanwhile 1, failed 0")
    );
    assert_eq!(
        said(&a),
        "group retry: retried 23, changed meanwhile 1, failed 0"
    );
}

#[test]
fn a_group_retry_is_refused_read_only() {
    let mut a = on_groups(with_jobs(vec![]));
    let cmds = press(&mut a, "R");
    assert!(acts(&cmds).is_empty());
    assert!(a.popups.dialog.is_none());
    assert_eq!(said(&a), READ_ONLY_REFUSAL);
    // Write mode that ran out while the dialog was open: refused at Enter.
    let mut a = on_groups(writable(with_jobs(vec![])));
    press(&mut a, "R");
    a.write = WriteMode::new("operator".into(), crate::engine::plan::Mode::Standard);
    let cmds = press(&mut a, "24<Enter>");
    assert!(acts(&cmds).is_empty());
    assert_eq!(said(&a), READ_ONLY_REFUSAL);
    match &a.popups.dialog {
        Some(Dialog::RetryGroup(d)) => assert!(!d.running),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_failed_jobs_detail_says_why_from_its_row() {
    let mut j = job(7, "dead");
    j.attempt_count = 5;
    j.last_error = Some("TTLock errcode -3002: gateway offline, token=abc123secret".into());
    let a = with_jobs(vec![j.clone()]);
    let why = a.job_why(&j).expect("a sentence");
    assert!(why.starts_with("Dead"), "{why}");
    assert!(why.contains("-3002"), "{why}");
    assert!(!why.contains("abc123secret"), "{why}");
    assert_eq!(a.job_why(&job(8, "done")), None);
}
