//! The job queue: filters, paging, polling and the counts.

use super::{answer, app, job, load_id, loads, options, press, with_jobs};
use crate::app::{App, Cmd, Data, JobsLoad, LoadError, Loc, Msg, Options, PAGE, Pane, Query, Slot};
use crate::keys::Action;
use crate::store::queries::{Page, Refreshed, StatusFilter};
use chrono::Duration;

fn tick(a: &mut crate::app::App) -> Vec<Cmd> {
    let now = a.now();
    a.update(Msg::Tick(now))
}

fn slots(cmds: &[Cmd]) -> Vec<Slot> {
    loads(cmds).into_iter().map(|l| l.0).collect()
}

#[test]
fn the_status_key_cycles_through_every_status_and_back_to_all() {
    let mut a = with_jobs(vec![job(1, "queued")]);
    let mut seen = Vec::new();
    for _ in 0..=StatusFilter::ALL.len() {
        let cmds = a.act(Action::CycleStatus);
        assert_eq!(slots(&cmds), vec![Slot::Jobs]);
        seen.push(a.panes.jobs.filter.status);
    }
    assert_eq!(seen.first(), Some(&Some(StatusFilter::Queued)));
    assert_eq!(seen.last(), Some(&None));
}

#[test]
fn clearing_the_filters_goes_back_to_the_whole_queue() {
    let mut a = with_jobs(vec![job(1, "queued")]);
    a.command("jobs failed user 9");
    a.panes.jobs.text = "gateway".into();
    let cmds = a.act(Action::ClearFilters);
    assert_eq!(slots(&cmds), vec![Slot::Jobs]);
    assert_eq!(a.panes.jobs.filter, Default::default());
    assert!(a.panes.jobs.text.is_empty());
}

#[test]
fn typing_a_filter_narrows_the_rows_and_esc_clears_it_first() {
    let mut a = with_jobs(vec![job(1, "queued"), job(2, "failed"), job(3, "done")]);
    a.command("user 9");
    a.command("jobs");
    press(&mut a, "/fail");
    assert_eq!(a.panes.jobs.visible(), vec![1]);
    press(&mut a, "<Enter>");
    assert!(a.popups.prompt.is_none());
    assert_eq!(a.panes.jobs.text, "fail");
    press(&mut a, "<Esc>");
    assert!(a.panes.jobs.text.is_empty());
    assert_eq!(a.pane, Pane::Jobs, "the first Esc only clears the filter");
    press(&mut a, "<Esc>");
    assert_eq!(a.pane, Pane::User);
}

#[test]
fn esc_in_the_filter_prompt_drops_the_filter() {
    let mut a = with_jobs(vec![job(1, "queued"), job(2, "failed")]);
    press(&mut a, "/fail");
    assert_eq!(a.panes.jobs.visible().len(), 1);
    press(&mut a, "<Esc>");
    assert!(a.popups.prompt.is_none());
    assert_eq!(a.panes.jobs.visible().len(), 2);
}

#[test]
fn scrolling_near_the_end_of_a_full_page_fetches_the_older_one() {
    let rows: Vec<_> = (1..=PAGE).map(|i| job(i, "done")).collect();
    let mut a = with_jobs(rows);
    assert!(a.panes.jobs.more_below);
    let cmds = a.act(Action::Bottom);
    match loads(&cmds).as_slice() {
        [
            (
                Slot::Jobs,
                Query::Jobs {
                    page: Page::Older(k),
                    mode,
                    ..
                },
            ),
        ] => {
            assert_eq!(k.id, PAGE);
            assert_eq!(*mode, JobsLoad::Append);
        }
        other => panic!("{other:?}"),
    }
    // While that page loads, moving does not ask again.
    assert!(loads(&a.act(Action::Up)).is_empty());
}

#[test]
fn a_short_page_has_nothing_below() {
    let mut a = with_jobs(vec![job(1, "done"), job(2, "done")]);
    assert!(!a.panes.jobs.more_below);
    assert!(loads(&a.act(Action::Bottom)).is_empty());
    assert_eq!(a.panes.jobs.scroll.selected, 1);
}

#[test]
fn the_queue_is_polled_every_second_tick_and_only_on_its_pane() {
    let mut a = with_jobs(vec![job(1, "queued")]);
    assert!(!slots(&tick(&mut a)).contains(&Slot::Jobs));
    let cmds = tick(&mut a);
    match loads(&cmds).iter().find(|l| l.0 == Slot::Jobs) {
        Some((_, Query::Jobs { mode, limit, .. })) => {
            assert_eq!(*mode, JobsLoad::Refresh);
            assert_eq!(*limit, PAGE, "a refresh re-reads the whole window");
        }
        other => panic!("{other:?}"),
    }
    let mut b = with_jobs(vec![job(1, "queued")]);
    b.command("trace aaaa1111");
    for _ in 0..4 {
        assert!(!slots(&tick(&mut b)).contains(&Slot::Jobs));
    }
}

#[test]
fn a_poll_waits_while_a_jobs_load_is_in_flight() {
    let mut a = app();
    a.start(Loc::Jobs);
    tick(&mut a);
    assert!(!slots(&tick(&mut a)).contains(&Slot::Jobs));
}

#[test]
fn the_counts_are_read_every_tenth_tick() {
    let mut a = app();
    let id = load_id(&a.start(Loc::Jobs), Slot::JobCounts);
    answer(
        &mut a,
        Slot::JobCounts,
        id,
        Ok(Data::JobCounts(Default::default())),
    );
    let mut counted = Vec::new();
    for t in 1..=20 {
        let cmds = tick(&mut a);
        for c in &cmds {
            if let Cmd::Load {
                slot: Slot::JobCounts,
                id,
                ..
            } = c
            {
                counted.push(t);
                answer(
                    &mut a,
                    Slot::JobCounts,
                    *id,
                    Ok(Data::JobCounts(Default::default())),
                );
            }
        }
    }
    assert_eq!(counted, vec![10, 20]);
}

#[test]
fn a_lost_database_is_probed_every_other_tick() {
    let mut a = with_jobs(vec![]);
    a.command("trace aaaa1111");
    let id = load_id(&a.act(Action::Refresh), Slot::Trace);
    answer(
        &mut a,
        Slot::Trace,
        id,
        Err(LoadError {
            message: "the database cannot be reached".into(),
            connection_lost: true,
        }),
    );
    assert!(a.requests.db_lost.is_some());
    let mut probes = 0;
    for _ in 0..4 {
        let cmds = tick(&mut a);
        if let Some(id) = cmds.iter().find_map(|c| match c {
            Cmd::Load {
                slot: Slot::JobCounts,
                id,
                ..
            } => Some(*id),
            _ => None,
        }) {
            probes += 1;
            answer(
                &mut a,
                Slot::JobCounts,
                id,
                Err(LoadError {
                    message: "still gone".into(),
                    connection_lost: true,
                }),
            );
        }
    }
    assert!(probes >= 2, "{probes} probes in 4 ticks");
}

#[test]
fn a_resize_redraws_but_does_not_advance_the_polls() {
    let mut a = with_jobs(vec![job(1, "queued")]);
    for _ in 0..5 {
        assert!(a.update(Msg::Resize(100, 30)).is_empty());
    }
    // The first tick is still the first: no poll yet.
    assert!(!slots(&tick(&mut a)).contains(&Slot::Jobs));
    assert!(slots(&tick(&mut a)).contains(&Slot::Jobs));
}

#[test]
fn a_stale_page_is_dropped_and_the_newest_filter_wins() {
    let mut a = app();
    let first = load_id(&a.start(Loc::Jobs), Slot::Jobs);
    let second = load_id(&a.command("jobs failed"), Slot::Jobs);
    answer(
        &mut a,
        Slot::Jobs,
        first,
        Ok(Data::Jobs(vec![job(1, "done")])),
    );
    assert!(a.panes.jobs.rows.is_empty(), "the stale page was shown");
    answer(
        &mut a,
        Slot::Jobs,
        second,
        Ok(Data::Jobs(vec![job(2, "failed")])),
    );
    assert_eq!(a.panes.jobs.rows.len(), 1);
    assert_eq!(a.panes.jobs.rows[0].id, 2);
}

#[test]
fn an_unknown_stored_status_is_shown_as_written() {
    let a = with_jobs(vec![job(1, "paused_by_ops")]);
    let j = a.panes.jobs.selected_job().unwrap();
    assert_eq!(j.status.as_str(), "paused_by_ops");
    assert_eq!(j.to_json()["status"], "paused_by_ops");
}

#[test]
fn ages_follow_the_database_clock_and_a_pinned_clock_stays_put() {
    use crate::store::queries::JobCounts;
    let mut a = app();
    let local = a.now();
    let id = load_id(&a.start(Loc::Jobs), Slot::JobCounts);
    let db_now = local + Duration::minutes(10);
    let counts = JobCounts {
        db_now: Some(db_now),
        ..Default::default()
    };
    answer(
        &mut a,
        Slot::JobCounts,
        id,
        Ok(Data::JobCounts(counts.clone())),
    );
    assert_eq!(a.now(), db_now);
    assert_eq!(a.clock_skew(), Duration::minutes(10));
    // The next tick of this machine's clock keeps the skew.
    a.update(Msg::Tick(local + Duration::seconds(1)));
    assert_eq!(a.now(), db_now + Duration::seconds(1));
    // The counts query measures stuck from the server's clock, not ours.
    assert!(matches!(
        a.load(Slot::JobCounts, a.counts_query()),
        Cmd::Load {
            query: Query::JobCounts { pinned: None, .. },
            ..
        }
    ));
    // Pinned (snapshot --now): never corrected, and queries use the pin.
    let mut p = App::new(Options {
        pinned: true,
        ..options()
    });
    let pinned = p.now();
    let id = load_id(&p.start(Loc::Jobs), Slot::JobCounts);
    answer(&mut p, Slot::JobCounts, id, Ok(Data::JobCounts(counts)));
    p.update(Msg::Tick(pinned + Duration::seconds(30)));
    assert_eq!(p.now(), pinned);
    assert_eq!(p.pinned_now(), Some(pinned));
}

#[test]
fn the_refresh_sends_the_rows_versions_and_keeps_the_unchanged_rows() {
    let mut a = with_jobs(vec![job(3, "running"), job(2, "failed"), job(1, "done")]);
    a.panes.jobs.scroll.selected = 1;
    let mut cmds = Vec::new();
    for _ in 0..crate::app::POLL_EVERY {
        cmds.extend(a.update(Msg::Tick(a.now())));
    }
    let (id, known) = match cmds.iter().find_map(|c| match c {
        Cmd::Load {
            slot: Slot::Jobs,
            id,
            query: Query::Jobs { mode, known, .. },
        } => Some((*id, mode, known.clone())),
        _ => None,
    }) {
        Some((id, JobsLoad::Refresh, known)) => (id, known),
        other => panic!("a refresh: {other:?}"),
    };
    assert_eq!(known.iter().map(|k| k.id).collect::<Vec<_>>(), [3, 2, 1]);
    // Job 4 is new, job 3 changed, 2 and 1 did not; 1 left the window.
    let mut changed = job(3, "done");
    changed.attempt_count = 2;
    answer(
        &mut a,
        Slot::Jobs,
        id,
        Ok(Data::JobsRefreshed(Refreshed {
            order: vec![4, 3, 2],
            fresh: vec![job(4, "queued"), changed],
            interrupted: vec![2],
        })),
    );
    let rows: Vec<(i64, &str, bool)> = a
        .panes
        .jobs
        .rows
        .iter()
        .map(|j| (j.id, j.status.as_str(), j.interrupted))
        .collect();
    assert_eq!(
        rows,
        [
            (4, "queued", false),
            (3, "done", false),
            (2, "failed", true)
        ]
    );
    assert_eq!(
        a.panes.jobs.selected_job().map(|j| j.id),
        Some(2),
        "the selection follows its job"
    );
}

#[test]
fn a_standby_that_stops_receiving_is_said_once_and_recovers() {
    use crate::app::{App, Level};
    use crate::store::queries::JobCounts;
    use crate::store::replica::Feed;
    let mut a = app();
    let now = a.now();
    let counts = |a: &mut App, feed: Feed| {
        let id = load_id(
            &[a.load(
                Slot::JobCounts,
                Query::JobCounts {
                    pinned: None,
                    storms: true,
                },
            )],
            Slot::JobCounts,
        );
        let c = JobCounts {
            standby_lag_ms: Some(0),
            standby_feed: feed,
            ..Default::default()
        };
        answer(a, Slot::JobCounts, id, Ok(Data::JobCounts(c)));
    };
    counts(&mut a, Feed::Receiving);
    assert_eq!(a.standby_stopped(), None);
    assert_eq!(a.popups.message, None);
    let since = now - Duration::minutes(3) + Duration::milliseconds(250);
    counts(&mut a, Feed::Stopped { since: Some(since) });
    let said = a.standby_stopped().unwrap();
    assert!(said.starts_with("standby not receiving since "), "{said}");
    assert!(
        said.ends_with(":00.250 UTC"),
        "the screens' one format, to the millisecond: {said}"
    );
    let (level, text) = a.popups.message.clone().unwrap();
    assert_eq!(level, Level::Warn);
    assert!(text.contains("counts are marked ~"), "{text}");
    // Once: the next poll, still stopped, says nothing more.
    a.popups.message = None;
    counts(&mut a, Feed::Stopped { since: Some(since) });
    assert_eq!(a.popups.message, None);
    // Long ago: the date too. Never known: no time at all.
    counts(
        &mut a,
        Feed::Stopped {
            since: Some(now - Duration::days(2)),
        },
    );
    assert!(a.standby_stopped().unwrap().contains('-'));
    counts(&mut a, Feed::Stopped { since: None });
    assert_eq!(
        a.standby_stopped().as_deref(),
        Some("standby not receiving")
    );
    // Receiving again: the header is back to normal, and that is said.
    counts(&mut a, Feed::Receiving);
    assert_eq!(a.standby_stopped(), None);
    let (level, text) = a.popups.message.clone().unwrap();
    assert_eq!(level, Level::Info);
    assert!(text.contains("receiving from the primary again"), "{text}");
}

#[test]
fn the_storm_read_runs_only_while_the_jobs_header_shows_it() {
    use crate::store::counts::StormFlag;
    let counts_loads = |cmds: &[Cmd]| -> Vec<Query> {
        loads(cmds)
            .into_iter()
            .filter(|(s, _)| *s == Slot::JobCounts)
            .map(|(_, q)| q)
            .collect()
    };
    let mut a = with_jobs(vec![]);
    let flag = StormFlag {
        fingerprint: "TTLOCK PASSCODE_ADD errcode -3002".into(),
        jobs: 25,
        from: a.now(),
        to: a.now(),
    };
    a.panes.jobs.counts.storms = vec![flag.clone()];
    let ticks = |a: &mut App, n: usize| -> Vec<Cmd> {
        let t = a.now();
        (0..n)
            .flat_map(|_| a.update(Msg::Tick(t)))
            .collect::<Vec<Cmd>>()
    };
    // On the Audit pane the 10 s counts come without the storm read, and
    // the flag read before stays for coming back.
    press(&mut a, "2");
    let sent = ticks(&mut a, 10);
    let q = counts_loads(&sent);
    assert!(
        matches!(q.as_slice(), [Query::JobCounts { storms: false, .. }]),
        "{q:?}"
    );
    let id = load_id(&sent, Slot::JobCounts);
    answer(
        &mut a,
        Slot::JobCounts,
        id,
        Ok(Data::JobCounts(Default::default())),
    );
    assert_eq!(a.panes.jobs.counts.storms, vec![flag]);
    // Back on the Jobs pane: read once at the next second, then every 10 s.
    press(&mut a, "1");
    let sent = ticks(&mut a, 1);
    let q = counts_loads(&sent);
    assert!(
        matches!(q.as_slice(), [Query::JobCounts { storms: true, .. }]),
        "{q:?}"
    );
    let id = load_id(&sent, Slot::JobCounts);
    answer(
        &mut a,
        Slot::JobCounts,
        id,
        Ok(Data::JobCounts(Default::default())),
    );
    assert!(a.panes.jobs.counts.storms.is_empty(), "read anew");
    assert!(counts_loads(&ticks(&mut a, 8)).is_empty());
    let q = counts_loads(&ticks(&mut a, 1));
    assert!(
        matches!(q.as_slice(), [Query::JobCounts { storms: true, .. }]),
        "{q:?}"
    );
}

#[test]
fn a_failing_counts_read_keeps_the_storm_read_at_its_cadence() {
    let mut a = with_jobs(vec![]);
    // Read elsewhere without the storm flag: due again on coming back.
    press(&mut a, "2");
    let sent: Vec<Cmd> = (0..10).flat_map(|_| tick(&mut a)).collect();
    let id = load_id(&sent, Slot::JobCounts);
    answer(
        &mut a,
        Slot::JobCounts,
        id,
        Ok(Data::JobCounts(Default::default())),
    );
    assert!(a.panes.jobs.storms_stale);
    press(&mut a, "1");
    // Each counts read fails (not a lost connection): at most one is sent
    // per COUNTS_EVERY ticks, not one a second.
    let mut reads = 0;
    let n = 3 * crate::app::COUNTS_EVERY;
    for _ in 0..n {
        let cmds = tick(&mut a);
        if let Some(id) = cmds.iter().find_map(|c| match c {
            Cmd::Load { slot, id, .. } if *slot == Slot::JobCounts => Some(*id),
            _ => None,
        }) {
            reads += 1;
            let failed = LoadError {
                message: "permission denied for table reconcile_jobs".into(),
                connection_lost: false,
            };
            answer(&mut a, Slot::JobCounts, id, Err(failed));
        }
    }
    assert!(reads >= 1, "the storm read once on coming back");
    assert!(
        reads <= 1 + n / crate::app::COUNTS_EVERY,
        "{reads} reads in {n} ticks"
    );
}
