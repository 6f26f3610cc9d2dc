// The incident's pictures read without colour (issue 31: "shape and
// characters carry the meaning, not colour alone"): the Pulse's
// sparklines, a trace's waterfall, a lock's day and the Jobs header's
// failed calls, each drawn under NO_COLOR and in the light theme. The
// characters are the same in both (one text snapshot, and each's ANSI),
// and in each a failure has a character of its own that the legend names.
// And the lock's day keeps its place while the lock's logs are read.

use std::time::Duration;

use lockdesk::console::options::{Global, Target};

use crate::support::{Screen, demo_db, global};

fn light() -> Global {
    Global {
        theme: Some("light".into()),
        ..global()
    }
}

/// The screen under NO_COLOR and in the light theme: its text (the same in
/// both), then each one's ANSI.
async fn both(screen: impl Fn() -> Screen) -> (String, String, String) {
    let (text, plain) = screen().no_color().run_text_and_ansi().await;
    let (light_text, light) = screen().global(light()).run_text_and_ansi().await;
    assert_eq!(
        text, light_text,
        "the characters do not depend on the theme"
    );
    assert!(!colours(&plain), "NO_COLOR draws no colour: {plain}");
    assert!(colours(&light), "the light theme has colours: {light}");
    (text, plain, light)
}

/// Whether any SGR sequence sets a colour (30–49 and 90–107: foreground,
/// background, 256-colour and RGB alike; not 39 and 49, the terminal's own).
fn colours(ansi: &str) -> bool {
    ansi.split("\x1b[").skip(1).any(|seq| {
        let params: String = seq
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == ';')
            .collect();
        seq[params.len()..].starts_with('m')
            && params
                .split(';')
                .filter_map(|p| p.parse::<u32>().ok())
                .any(|p| ((30..=49).contains(&p) || (90..=107).contains(&p)) && p != 39 && p != 49)
    })
}

/// The column (in characters) where `pat` starts in `line`.
fn column(line: &str, pat: &str) -> Option<usize> {
    line.find(pat).map(|i| line[..i].chars().count())
}

fn line<'a>(text: &'a str, has: &str) -> &'a str {
    text.lines()
        .find(|l| l.contains(has))
        .unwrap_or_else(|| panic!("no line with {has:?} in\n{text}"))
}

#[tokio::test]
async fn pulse_sparklines_without_colour() {
    let url = demo_db().await;
    let (text, plain, light) = both(|| {
        Screen::new(&url)
            .keys("6")
            .size(140, 45)
            .wait(Duration::from_secs(20))
    })
    .await;
    // The headings are the legend: ✗ failed, ✓ successful; each line carries
    // its section's mark, so one line alone still says which it is.
    let lines: Vec<&str> = text.lines().collect();
    let failed = lines
        .iter()
        .position(|l| l.contains("✗ FAILED CALLS / MIN"))
        .unwrap_or_else(|| panic!("{text}"));
    let ok = lines
        .iter()
        .position(|l| l.contains("✓ SUCCESSFUL CALLS / MIN"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(failed + 1 < ok, "{text}");
    for l in &lines[failed + 1..ok] {
        assert!(l.starts_with("✗ "), "a failed series: {l}");
    }
    assert!(lines[failed + 1].starts_with("✗ TTLOCK"), "{text}");
    assert!(lines[failed + 1].contains('█'), "{text}");
    assert!(lines[ok + 1].starts_with("✓ TTLOCK"), "{text}");
    insta::assert_snapshot!("pulse_text", text);
    insta::assert_snapshot!("pulse_no_color_ansi", plain);
    insta::assert_snapshot!("pulse_light_ansi", light);
}

#[tokio::test]
async fn waterfall_without_colour() {
    let url = demo_db().await;
    // Job #943's trace: a Doordeck share failed, retried ten minutes later.
    let (text, plain, light) = both(|| {
        Screen::new(&url)
            .target(Target::Trace {
                id: "98d5b664".into(),
            })
            .keys("w")
            .size(160, 24)
    })
    .await;
    assert!(line(&text, " Waterfall ").contains("✗ failed"), "{text}");
    let failed: Vec<&str> = text
        .lines()
        .filter(|l| l.contains('│') && l.contains('✗'))
        .collect();
    assert_eq!(failed.len(), 2, "a ✗ in each lane with a failure: {text}");
    insta::assert_snapshot!("waterfall_text", text);
    insta::assert_snapshot!("waterfall_no_color_ansi", plain);
    insta::assert_snapshot!("waterfall_light_ansi", light);
}

fn door9(url: &str) -> Screen {
    Screen::new(url).target(Target::Door { id: "9".into() })
}

#[tokio::test]
async fn lock_day_without_colour() {
    let url = demo_db().await;
    let (text, plain, light) = both(|| door9(&url)).await;
    let strip = line(&text, "last 24 h");
    let hours = strip.split('│').nth(1).expect("the hours between bars");
    assert!(hours.contains('✗') && hours.contains('▮'), "{strip}");
    assert!(
        line(&text, "▴ PIN change").contains("✗ a failure"),
        "{text}"
    );
    insta::assert_snapshot!("lock_day_text", text);
    insta::assert_snapshot!("lock_day_no_color_ansi", plain);
    insta::assert_snapshot!("lock_day_light_ansi", light);
}

#[tokio::test]
async fn jobs_header_failed_calls_without_colour() {
    let url = demo_db().await;
    let (text, plain, light) = both(|| Screen::new(&url).size(140, 30)).await;
    // The line draws failed calls only, and its label says so.
    let spark = line(&text, "failed/min");
    assert!(spark.starts_with(" failed/min "), "{spark}");
    assert!(spark.contains('█') && spark.contains("peak"), "{spark}");
    insta::assert_snapshot!("jobs_header_text", text);
    insta::assert_snapshot!("jobs_header_no_color_ansi", plain);
    insta::assert_snapshot!("jobs_header_light_ansi", light);
}

#[tokio::test]
async fn lock_day_keeps_its_place_while_the_logs_are_read() {
    let url = demo_db().await;
    let loaded = door9(&url).run().await;
    // The lock's logs wait behind this lock until the test lets them go.
    let hold = crate::support::hold_logs(&url).await;
    let loading = door9(&url)
        .then(Vec::new(), Duration::from_millis(500))
        .run()
        .await;
    hold.rollback().await.unwrap();
    let strip = line(&loading, "last 24 h");
    assert!(strip.contains("│ loading…"), "{loading}");
    assert!(
        !strip.contains('▮') && !strip.contains('✗'),
        "no cell made up: {strip}"
    );
    // Its frame where the day's will be: the same row, the same bars.
    let at = |s: &str| {
        s.lines()
            .position(|l| l.contains("last 24 h"))
            .map(|i| (i, column(s.lines().nth(i).unwrap_or(""), "│ now")))
    };
    assert_eq!(at(&loading), at(&loaded), "{loading}\n{loaded}");
    let legend = |s: &str| column(line(s, "▴ PIN change"), "▮ activity");
    assert_eq!(legend(&loading), legend(&loaded));
    insta::assert_snapshot!("lock_day_loading", loading);
}
