// Conventions of the terminal tools engineers know (issue 30): a theme in
// colour, and the spinner of a slow load that Esc cancels.

use lockdesk::console::options::Target;

use crate::support::{Screen, demo_db};

#[tokio::test]
async fn light_theme_in_colour() {
    let url = demo_db().await;
    let g = lockdesk::console::options::Global {
        theme: Some("light".into()),
        ..crate::support::global()
    };
    let s = Screen::new(&url)
        .target(Target::Trace {
            id: "e4792295".into(),
        })
        .global(g)
        .size(120, 30)
        .run_ansi()
        .await;
    assert!(s.contains("48;2;198;218;245"), "the light selection: {s}");
    insta::assert_snapshot!(s);
}

#[tokio::test]
async fn a_slow_load_shows_a_spinner_and_esc_cancels_it() {
    use lockdesk::app::Msg;
    let url = demo_db().await;
    // The trace's read waits behind this lock until the test lets it go.
    let hold = crate::support::hold_logs(&url).await;
    let t0 = lockdesk::demo::world::fixed_now();
    let at = |ms| Msg::Beat(t0 + chrono::Duration::milliseconds(ms));
    let trace = || Target::Trace {
        id: "e4792295".into(),
    };
    let short = std::time::Duration::from_millis(300);
    let early = Screen::new(&url)
        .target(trace())
        .size(180, 12)
        .then(vec![at(0), at(200)], short)
        .run()
        .await;
    assert!(!early.contains("Esc cancels"), "not before 300 ms: {early}");
    let spinning = Screen::new(&url)
        .target(trace())
        .size(180, 12)
        .then(vec![at(0), at(1200)], short)
        .run()
        .await;
    assert!(
        spinning.contains("waiting for the trace 1.2 s · Esc cancels"),
        "{spinning}"
    );
    let esc = Msg::Key(lockdesk::keys::parse_sequence("<Esc>").unwrap()[0].to_event());
    let cancelled = Screen::new(&url)
        .target(trace())
        .size(180, 12)
        .then(vec![at(0), at(1200), esc], short)
        .run()
        .await;
    assert!(
        cancelled.contains("cancelled with Esc while waiting for the trace"),
        "{cancelled}"
    );
    assert!(!cancelled.contains("Esc cancels"), "{cancelled}");
    hold.rollback().await.unwrap();
    insta::assert_snapshot!(spinning);
}
