// The incident at a glance (issue 31): a trace's offsets and gaps, its
// waterfall, and a lock's day, as text and as `--color` ANSI (the colour
// only repeats what the characters say).

use lockdesk::console::options::Target;

use crate::support::{Screen, demo_db, sim_for};

fn seed_trace(url: &str) -> Screen {
    Screen::new(url).target(Target::Trace {
        id: "e4792295".into(),
    })
}

#[tokio::test]
async fn trace_timeline_shows_each_steps_offset_and_gap() {
    let url = demo_db().await;
    let s = seed_trace(&url).keys("]]]]").run().await;
    let timeline = s.split("4 — Timeline").nth(1).expect("the timeline");
    let lines: Vec<&str> = timeline.lines().filter(|l| l.contains("log #")).collect();
    assert_eq!(lines.len(), 5, "{timeline}");
    // The delete 4 s after the enqueue, 2.000 s after the step before it;
    // nothing here waits a minute, so no gap is marked.
    assert!(lines[2].contains("Δ4.000 s"), "{}", lines[2]);
    assert!(lines[3].contains("Δ2.000 s"), "{}", lines[3]);
    assert!(!timeline.contains('▲'), "{timeline}");
    insta::assert_snapshot!(s);
    insta::assert_snapshot!(
        "trace_timeline_ansi",
        seed_trace(&url).keys("]]]]").ansi().run().await
    );
    // Job #943 failed on a Doordeck share and was retried ten minutes later:
    // the wait is marked, with a character as well as a colour.
    let retried = retried_trace(&url).keys("]]]]").run().await;
    let restart = retried
        .lines()
        .find(|l| l.contains("log #8715"))
        .unwrap_or_else(|| panic!("no retry start in\n{retried}"));
    assert!(restart.contains("+605.267 s ▲Δ600.000 s"), "{restart}");
    assert_eq!(retried.matches('▲').count(), 1, "{retried}");
    insta::assert_snapshot!("retried_trace_long_gap", retried);
    insta::assert_snapshot!(
        "retried_trace_long_gap_ansi",
        retried_trace(&url).keys("]]]]").ansi().run().await
    );
}

fn retried_trace(url: &str) -> Screen {
    Screen::new(url)
        .target(Target::Trace {
            id: "98d5b664".into(),
        })
        .size(160, 24)
}

#[tokio::test]
async fn w_draws_the_seed_trace_as_a_waterfall() {
    let url = demo_db().await;
    let s = seed_trace(&url).keys("w").run().await;
    // (The selected step's lane is marked `▸`.)
    let lane = |key: &str| {
        s.lines()
            .find(|l| l.trim_start_matches([' ', '▸']).starts_with(key))
            .unwrap_or_else(|| panic!("no {key} lane in\n{s}"))
            .to_string()
    };
    // The broker's steps are ticks; each TTLock delete a bar from its
    // request (payload.date) to its answer, the second a separate bar.
    assert!(lane("ACCESS_BROKER").contains('┃'), "{s}");
    let ttlock = lane("TTLOCK:28991110");
    assert_eq!(ttlock.matches('┣').count(), 2, "{ttlock}");
    assert!(ttlock.contains('━'), "{ttlock}");
    assert!(s.contains("5 calls"), "{s}");
    insta::assert_snapshot!(s);
    insta::assert_snapshot!(
        "waterfall_ansi",
        seed_trace(&url).keys("w").ansi().run().await
    );
    // A failed call is a ✗ in its lane; Doordeck's calls have one time.
    let retried = retried_trace(&url).keys("w").run().await;
    let failed: Vec<&str> = retried
        .lines()
        .filter(|l| l.contains('✗') && l.contains('│'))
        .collect();
    assert_eq!(failed.len(), 2, "{retried}");
    assert!(failed.iter().all(|l| l.contains("✗1")), "{retried}");
    insta::assert_snapshot!("retried_trace_waterfall", retried);
    // `w` again is the sections.
    let back = seed_trace(&url).keys("ww").run().await;
    assert!(
        back.contains("4 — Timeline") && !back.contains("Waterfall"),
        "{back}"
    );
}

/// In the waterfall the selection is a step it marks (`▸` on its lane, the
/// step's cells in the selection's style) and names on the line above the
/// lanes; j/k move it, and Enter and `y` act on it, so no key acts on a row
/// that is not shown.
#[tokio::test]
async fn in_the_waterfall_y_copies_the_step_it_marks_and_names() {
    let url = demo_db().await;
    // `w` selects the first step, `jj` the third: TTLock's first delete.
    let (s, copies) = seed_trace(&url).keys("wjjy").run_with_copies().await;
    let named = s
        .lines()
        .find(|l| l.contains("▸ step"))
        .unwrap_or_else(|| panic!("no selected step named in\n{s}"));
    assert!(named.contains("step 3 of 5"), "{named}");
    assert!(named.contains("TTLOCK:28991110"), "{named}");
    let marked: Vec<&str> = s.lines().filter(|l| l.starts_with('▸')).collect();
    assert_eq!(marked.len(), 1, "{s}");
    assert!(marked[0].contains("TTLOCK:28991110"), "{s}");
    // `y` copied that very log, named by its id on the line.
    let log = named
        .split("log #")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .unwrap_or_else(|| panic!("no log id in {named}"));
    assert_eq!(copies.len(), 1, "{copies:?}");
    assert!(
        copies[0].contains(&format!("\"id\": {log}")),
        "{}",
        copies[0]
    );
    assert!(copies[0].contains("PASSCODE_DELETE"), "{}", copies[0]);
    insta::assert_snapshot!(s);
    // k goes back a step.
    let back = seed_trace(&url).keys("wjjk").run().await;
    assert!(back.contains("▸ step 2 of 5"), "{back}");
}

#[tokio::test]
async fn lock_pane_shows_the_locks_day_and_its_record_types() {
    let url = demo_db().await;
    let sim = sim_for(&url).await;
    // Door 9's lock is busy in the demo's last day (door 2's is quiet).
    let door9 = || {
        Screen::new(&url)
            .target(Target::Door { id: "9".into() })
            .providers(sim.provider_settings())
    };
    let s = door9().run().await;
    let strip = s
        .lines()
        .find(|l| l.contains("last 24 h"))
        .unwrap_or_else(|| panic!("no day strip in\n{s}"));
    let hours = strip
        .split('│')
        .nth(1)
        .expect("the hours between their bars");
    assert_eq!(hours.chars().count(), 24, "{strip}");
    assert!(hours.chars().all(|c| "▮✗·?".contains(c)), "{strip}");
    assert!(hours.contains('▮') && hours.contains('✗'), "{strip}");
    assert!(strip.contains("TTLOCK: unlock by passcode"), "{strip}");
    let marks = s
        .lines()
        .find(|l| l.contains("▴ PIN change"))
        .expect("the legend");
    assert!(marks.trim_start().starts_with('▴'), "{marks}");
    insta::assert_snapshot!(s);
    insta::assert_snapshot!("lock_day_ansi", door9().ansi().run().await);
}
