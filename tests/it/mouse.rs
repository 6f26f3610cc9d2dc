// The mouse through the headless runner: crossterm's own mouse events, as
// the terminal loop sends them, with the times a terminal would stamp.

use std::time::Duration;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use lockdesk::app::Msg;
use lockdesk::console::{self, headless, screen};
use lockdesk::keys::{Keymap, parse_sequence};
use ratatui::buffer::Buffer;

use crate::support::{demo_db, global};

fn mouse(kind: MouseEventKind, column: u16, row: u16, at: DateTime<Utc>) -> Msg {
    Msg::Mouse(
        MouseEvent {
            kind,
            column,
            row,
            modifiers: KeyModifiers::NONE,
        },
        at,
    )
}

fn click(column: u16, row: u16, at: DateTime<Utc>) -> Msg {
    mouse(MouseEventKind::Down(MouseButton::Left), column, row, at)
}

/// The last frame after `msgs` on the job queue at 140×40.
async fn run(url: &str, msgs: Vec<Msg>) -> Buffer {
    run_keymap(url, msgs, None).await
}

/// The same with a user's keymap in place of the defaults.
async fn run_keymap(url: &str, msgs: Vec<Msg>, keymap: Option<Keymap>) -> Buffer {
    let now = Some(lockdesk::demo::world::fixed_now());
    let config = lockdesk::config::Config::default();
    let mut s = console::setup_with(
        &global(),
        url,
        "demo",
        None,
        now,
        config,
        Default::default(),
    )
    .await
    .unwrap_or_else(|e| panic!("{e:#}"));
    if let Some(k) = keymap {
        s.app.set_keymap(k);
    }
    headless::run_msgs(
        s.app,
        s.pool,
        s.standby,
        s.settings,
        s.providers,
        s.start,
        msgs,
        (140, 40),
        Duration::from_secs(20),
    )
    .await
    .unwrap()
    .screen
}

/// Key presses in keymap notation, as messages (`":user maya<Enter>"`).
fn keys(k: &str) -> Vec<Msg> {
    parse_sequence(k)
        .unwrap()
        .iter()
        .map(|k| Msg::Key(k.to_event()))
        .collect()
}

/// `keys` then `more`.
fn then(k: &str, more: Vec<Msg>) -> Vec<Msg> {
    keys(k).into_iter().chain(more).collect()
}

/// The screen row of the first line holding `needle`, and the column of
/// its first character (in cells: the frames here are ASCII where it is).
fn find(text: &str, needle: &str) -> (u16, u16) {
    for (y, line) in text.lines().enumerate() {
        if let Some(i) = line.find(needle) {
            let x = line[..i].chars().count();
            return (u16::try_from(y).unwrap(), u16::try_from(x).unwrap());
        }
    }
    panic!("`{needle}` is not on the screen: {text}")
}

/// The screen rows drawn with the (dark) theme's selection background.
fn selected_rows(b: &Buffer) -> Vec<u16> {
    selected_rows_at(b, 0)
}

/// The same, read at column `x` (a popup's rows start right of the screen's).
fn selected_rows_at(b: &Buffer, x: u16) -> Vec<u16> {
    let sel = lockdesk::ui::theme::DARK.selection.bg;
    (0..b.area.height)
        .filter(|&y| b[(x, y)].style().bg == sel)
        .collect()
}

#[tokio::test]
async fn mouse_wheel_click_and_double_click() {
    let url = demo_db().await;
    let t0 = lockdesk::demo::world::fixed_now();
    let ms = |n: i64| t0 + chrono::Duration::milliseconds(n);
    // The queue's rows start on screen row 4 (status, heading, the failed
    // calls' line, column heads).
    let first = run(&url, vec![]).await;
    assert_eq!(selected_rows(&first), vec![4]);
    let text = screen::to_text(&first);
    let row = |y: usize| text.lines().nth(y).unwrap_or_default().to_string();

    // The wheel moves the selection three rows a notch, down then up.
    let wheel = run(
        &url,
        vec![
            mouse(MouseEventKind::ScrollDown, 20, 10, ms(0)),
            mouse(MouseEventKind::ScrollDown, 20, 10, ms(10)),
            mouse(MouseEventKind::ScrollUp, 20, 10, ms(20)),
        ],
    )
    .await;
    assert_eq!(selected_rows(&wheel), vec![7]);

    // A click selects the row under it; a second click there 600 ms later
    // is two clicks, not a double click: still the queue.
    let clicked = run(&url, vec![click(10, 8, ms(0)), click(10, 8, ms(600))]).await;
    assert_eq!(selected_rows(&clicked), vec![8]);
    assert!(screen::to_text(&clicked).contains("Job queue"));

    // Two clicks within 400 ms are Enter: the job's trace opens.
    let job = row(8);
    let id = job
        .split_whitespace()
        .next()
        .unwrap()
        .trim_start_matches('#');
    let opened =
        screen::to_text(&run(&url, vec![click(10, 8, ms(0)), click(10, 8, ms(250))]).await);
    assert!(!opened.contains("Job queue"), "{opened}");
    assert!(
        opened.contains(&format!("job #{id}")),
        "job {id}'s trace: {opened}"
    );

    // A click on a pane's tab opens that pane.
    let tabs = row(0);
    let x = tabs.find("2 Audit").expect("the Audit tab");
    let x = u16::try_from(tabs[..x].chars().count()).unwrap();
    let audit = screen::to_text(&run(&url, vec![click(x + 1, 0, ms(0))]).await);
    assert!(audit.contains("Audit changes newest first"), "{audit}");
}

#[tokio::test]
async fn clicks_in_the_user_picker_select_and_open() {
    let url = demo_db().await;
    let ms = |n: i64| lockdesk::demo::world::fixed_now() + chrono::Duration::milliseconds(n);
    let open = run(&url, keys(":user maya<Enter>")).await;
    let text = screen::to_text(&open);
    let (y, x) = find(&text, "Maya Okafor");
    let start = selected_rows_at(&open, x);
    assert_eq!(start.len(), 1, "{text}");

    // A click on her row selects it (the popup's rows, not the pane's).
    let clicked = run(&url, then(":user maya<Enter>", vec![click(x, y, ms(0))])).await;
    assert_eq!(selected_rows_at(&clicked, x), vec![y]);
    assert!(screen::to_text(&clicked).contains("Enter opens one"));

    // Beside the popup, on the same screen row, neither a click nor the
    // wheel reaches a list: the picker's selection stays where it was, and
    // the pane behind is not clicked through.
    let beside = run(
        &url,
        then(
            ":user maya<Enter>",
            vec![
                click(0, y, ms(0)),
                mouse(MouseEventKind::ScrollDown, 0, y, ms(10)),
            ],
        ),
    )
    .await;
    assert_eq!(selected_rows_at(&beside, x), start);
    assert!(screen::to_text(&beside).contains("Enter opens one"));

    // A double click on her row is Enter: she opens.
    let opened = screen::to_text(
        &run(
            &url,
            then(
                ":user maya<Enter>",
                vec![click(x, y, ms(0)), click(x, y, ms(200))],
            ),
        )
        .await,
    );
    assert!(opened.contains("User 9 Maya Okafor"), "{opened}");
}

#[tokio::test]
async fn clicks_in_recent_open_the_place_clicked() {
    let url = demo_db().await;
    let ms = |n: i64| lockdesk::demo::world::fixed_now() + chrono::Duration::milliseconds(n);
    let queue = screen::to_text(&run(&url, vec![]).await);
    let id = |y: usize| {
        let line = queue.lines().nth(y).unwrap_or_default();
        line.split_whitespace()
            .next()
            .unwrap_or_default()
            .trim_start_matches('#')
            .to_string()
    };
    let (older, newer) = (id(4), id(5));
    assert_ne!(older, newer, "{queue}");
    // The first two jobs' traces opened, newest first in `:recent`.
    let opening = "<Enter><Esc>j<Enter><Esc>:recent<Enter>";
    let recent = screen::to_text(&run(&url, keys(opening)).await);
    let rows: Vec<u16> = recent
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(" opened "))
        .map(|(y, _)| u16::try_from(y).unwrap())
        .collect();
    assert_eq!(rows.len(), 2, "{recent}");
    let (_, x) = find(&recent, " opened ");
    let second = rows[1];

    // A click selects the older place; a double click opens it.
    // (The queue behind shows its own selection above the popup.)
    let clicked = run(&url, then(opening, vec![click(x, second, ms(0))])).await;
    let selected = selected_rows_at(&clicked, x);
    assert!(
        selected.contains(&second) && !selected.contains(&rows[0]),
        "{selected:?}"
    );
    let opened = screen::to_text(
        &run(
            &url,
            then(
                opening,
                vec![click(x, second, ms(0)), click(x, second, ms(300))],
            ),
        )
        .await,
    );
    assert!(!opened.contains("Recent (this profile)"), "{opened}");
    assert!(opened.contains(&format!("job #{older}")), "{opened}");
}

#[tokio::test]
async fn the_error_groups_take_the_wheel_and_clicks() {
    let url = demo_db().await;
    let ms = |n: i64| lockdesk::demo::world::fixed_now() + chrono::Duration::milliseconds(n);
    let groups = screen::to_text(&run(&url, keys("e")).await);
    let (heads, _) = find(&groups, "CAUSE (meaning)");
    let first = heads + 1;
    // The demo's incident has 4 groups: the wheel moves three rows a notch.
    let wheel = run(
        &url,
        then(
            "e",
            vec![mouse(MouseEventKind::ScrollDown, 10, first + 1, ms(0))],
        ),
    )
    .await;
    assert_eq!(selected_rows(&wheel), vec![first + 3]);

    // A click selects the group under it; a double click lists its jobs.
    let clicked = run(&url, then("e", vec![click(10, first + 1, ms(0))])).await;
    assert_eq!(selected_rows(&clicked), vec![first + 1]);
    let second_group = screen::to_text(&clicked)
        .lines()
        .nth(usize::from(first + 1))
        .unwrap_or_default()
        .to_string();
    assert!(second_group.contains("10004"), "{second_group}");
    let jobs = screen::to_text(
        &run(
            &url,
            then(
                "e",
                vec![click(10, first + 1, ms(0)), click(10, first + 1, ms(100))],
            ),
        )
        .await,
    );
    assert!(
        jobs.contains("jobs of TTLOCK PASSCODE_ADD errcode 10004"),
        "{jobs}"
    );

    // The Pulse's top groups too: a click moves its ▶ to the second.
    let pulse = screen::to_text(&run(&url, then("6", vec![])).await);
    let (heading, _) = find(&pulse, " TOP ERROR GROUPS");
    let pulse = screen::to_text(&run(&url, then("6", vec![click(10, heading + 2, ms(0))])).await);
    let marked = pulse
        .lines()
        .position(|l| l.starts_with(" ▶"))
        .unwrap_or_else(|| panic!("{pulse}"));
    assert_eq!(marked, usize::from(heading + 2), "{pulse}");
}

#[tokio::test]
async fn clicks_in_the_help_select_a_line() {
    let url = demo_db().await;
    let ms = |n: i64| lockdesk::demo::world::fixed_now() + chrono::Duration::milliseconds(n);
    let help = screen::to_text(&run(&url, keys("?")).await);
    let (title, x) = find(&help, " Help · line 1 of");
    let third = title + 3;
    // The third line is selected; a double click there keeps the help open.
    let s = screen::to_text(
        &run(
            &url,
            then(
                "?",
                vec![click(x + 2, third, ms(0)), click(x + 2, third, ms(100))],
            ),
        )
        .await,
    );
    assert!(s.contains(" Help · line 3 of"), "{s}");
}

#[tokio::test]
async fn the_mouse_acts_whatever_the_keymap_binds() {
    let url = demo_db().await;
    let ms = |n: i64| lockdesk::demo::world::fixed_now() + chrono::Duration::milliseconds(n);
    // `1` opens the Pulse, `2` nothing; the arrows and Enter nothing.
    let km = Keymap::defaults()
        .overlay(
            "user-keymap.toml",
            "[global]\n\"1\" = \"pane_pulse\"\n\"2\" = \"none\"\n\
             [list]\n\"<Down>\" = \"none\"\n\"<Up>\" = \"none\"\n\"<Enter>\" = \"none\"\n",
        )
        .unwrap();
    let queue = screen::to_text(&run(&url, vec![]).await);
    let (_, audit_x) = find(&queue, "2 Audit");
    let (_, jobs_x) = find(&queue, "1 Jobs");
    let audit = |msgs: Vec<Msg>| run_keymap(&url, msgs, Some(km.clone()));

    // The keys do what the keymap says: `2` is unbound, `1` the Pulse.
    let two = screen::to_text(&audit(keys("2")).await);
    assert!(two.contains("Job queue"), "{two}");
    assert!(!two.contains("Audit changes newest first"), "{two}");
    let one = screen::to_text(&audit(keys("21")).await);
    assert!(!one.contains("Job queue"), "`1` opens the Pulse: {one}");

    // The Audit tab opens the Audit pane; the Jobs tab the queue again.
    let s = screen::to_text(&audit(vec![click(audit_x + 1, 0, ms(0))]).await);
    assert!(s.contains("Audit changes newest first"), "{s}");
    let s = screen::to_text(
        &audit(vec![
            click(audit_x + 1, 0, ms(0)),
            click(jobs_x + 1, 0, ms(1000)),
        ])
        .await,
    );
    assert!(s.contains("Job queue"), "{s}");

    // Over the picker a tab click is refused as the key would be.
    let s = screen::to_text(
        &audit(then(
            ":user maya<Enter>",
            vec![click(audit_x + 1, 0, ms(0))],
        ))
        .await,
    );
    assert!(s.contains("Enter opens one"), "{s}");
    assert!(s.contains("a popup is open"), "{s}");

    // Rows: the wheel, a click and a double click act on the list's
    // actions, not on the arrow and Enter keys this keymap unbinds.
    assert_eq!(selected_rows(&audit(keys("<Down>")).await), vec![4]);
    let wheel = audit(vec![mouse(MouseEventKind::ScrollDown, 20, 10, ms(0))]).await;
    assert_eq!(selected_rows(&wheel), vec![7]);
    let clicked = audit(vec![click(10, 8, ms(0))]).await;
    assert_eq!(selected_rows(&clicked), vec![8]);
    let job = queue.lines().nth(8).unwrap_or_default();
    let id = job
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .trim_start_matches('#');
    let opened = screen::to_text(&audit(vec![click(10, 8, ms(0)), click(10, 8, ms(250))]).await);
    assert!(
        opened.contains(&format!("job #{id}")),
        "job {id}'s trace: {opened}"
    );
}

#[tokio::test]
async fn clicks_in_the_user_pane_select_and_open_its_rows() {
    let url = demo_db().await;
    let ms = |n: i64| lockdesk::demo::world::fixed_now() + chrono::Duration::milliseconds(n);
    let open = ":user 9<Enter>";
    let user = screen::to_text(&run(&url, keys(open)).await);
    // Her rows sit among headings: a click on a heading selects nothing,
    // one on her first recent trace selects it.
    let (heading, _) = find(&user, " Recent traces");
    let trace = heading + 1;
    let corr = user
        .lines()
        .nth(usize::from(trace))
        .unwrap_or_default()
        .split_whitespace()
        .find(|w| w.len() == 32 && w.chars().all(|c| c.is_ascii_hexdigit()))
        .unwrap_or_else(|| panic!("a trace under the heading: {user}"))
        .to_string();
    let before = selected_rows_at(&run(&url, keys(open)).await, 3);
    let on_heading = run(&url, then(open, vec![click(3, heading, ms(0))])).await;
    assert_eq!(selected_rows_at(&on_heading, 3), before);
    // (The selected door's detail closes then: the trace moves up.)
    let clicked = run(&url, then(open, vec![click(3, trace, ms(0))])).await;
    let selected = selected_rows_at(&clicked, 3);
    let text = screen::to_text(&clicked);
    assert_eq!(selected.len(), 1, "{text}");
    let line = text
        .lines()
        .nth(usize::from(selected[0]))
        .unwrap_or_default();
    assert!(line.contains(&corr), "{line}\n{text}");
    // A double click on it (where it is now) opens it.
    let opened = screen::to_text(
        &run(
            &url,
            then(
                open,
                vec![click(3, trace, ms(0)), click(3, selected[0], ms(100))],
            ),
        )
        .await,
    );
    assert!(opened.contains(&format!("Trace {corr}")), "{opened}");
}

#[tokio::test]
async fn the_wheel_scrolls_an_audit_diff_under_it() {
    let url = demo_db().await;
    let ms = |n: i64| lockdesk::demo::world::fixed_now() + chrono::Duration::milliseconds(n);
    let wheel = |x: u16, down: bool, n: i64| {
        let kind = if down {
            MouseEventKind::ScrollDown
        } else {
            MouseEventKind::ScrollUp
        };
        mouse(kind, x, 10, ms(n))
    };
    let open = "2<Enter>";
    let diff = screen::to_text(&run(&url, keys(open)).await);
    assert!(diff.contains("Before") && diff.contains("After"), "{diff}");
    // Over it the wheel scrolls it, and back.
    let down = screen::to_text(&run(&url, then(open, vec![wheel(70, true, 0)])).await);
    assert_ne!(down, diff);
    let back = run(
        &url,
        then(open, vec![wheel(70, true, 0), wheel(70, false, 10)]),
    )
    .await;
    assert_eq!(screen::to_text(&back), diff);
    // Beside it the wheel reaches nothing; a click in it selects nothing.
    let beside = run(
        &url,
        then(open, vec![wheel(0, true, 0), click(70, 10, ms(10))]),
    )
    .await;
    assert_eq!(screen::to_text(&beside), diff);
}
