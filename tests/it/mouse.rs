// The mouse through the headless runner: crossterm's own mouse events, as
// the terminal loop sends them, with the times a terminal would stamp.

use std::time::Duration;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use lockdesk::app::Msg;
use lockdesk::console::{self, headless, screen};
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
    let now = Some(lockdesk::demo::world::fixed_now());
    let config = lockdesk::config::Config::default();
    let s = console::setup_with(
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

/// The screen rows drawn with the (dark) theme's selection background.
fn selected_rows(b: &Buffer) -> Vec<u16> {
    let sel = lockdesk::ui::theme::DARK.selection.bg;
    (0..b.area.height)
        .filter(|&y| b[(0, y)].style().bg == sel)
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
