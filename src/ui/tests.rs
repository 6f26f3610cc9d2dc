//! Drawing never panics, whatever the terminal's size: tiny, huge, or
//! changing size many times a second.

use chrono::Duration;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::app::{App, Dialog, JsonView, Overlay, ThemeName, fixture};
use crate::keys::Action;
use crate::store::traces::JobRow;

fn app() -> App {
    let mut a = fixture::app();
    a.panes_mut().jobs.rows = (1..=50)
        .map(|id| JobRow {
            reason: Some("access level changed".into()),
            ..fixture::job(id, if id % 3 == 0 { "failed" } else { "done" })
        })
        .collect();
    a
}

fn draw_at(a: &App, w: u16, h: u16) {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("a test terminal");
    t.draw(|f| super::draw(f, a)).expect("a frame");
}

/// The app with each popup open in turn.
fn every_popup() -> Vec<App> {
    let plain = app();
    let mut help = app();
    help.act(Action::Help);
    let mut json = app();
    let value = serde_json::json!({"lockId": 28991110, "list": [1, 2, {"a": "日本語 ✅"}]});
    json.push_overlay(Overlay::Json(JsonView {
        title: "log #1".into(),
        doc: crate::jsondoc::JsonDoc::new(&value),
        value,
        scroll: Default::default(),
        copy: None,
        reveal: None,
    }));
    let mut dialog = app();
    let job = dialog.jobs().rows[2].clone();
    dialog.open_dialog(Dialog::RetryStuck {
        job,
        typed: String::new(),
    });
    vec![plain, help, json, dialog]
}

#[test]
fn a_huge_terminal_draws_every_popup() {
    for a in every_popup() {
        draw_at(&a, 1000, 300);
        draw_at(&a, 65535, 3);
    }
}

#[test]
fn a_tiny_terminal_draws_every_popup() {
    for a in every_popup() {
        for (w, h) in [(20, 5), (1, 1), (0, 0), (40, 10), (3, 200)] {
            draw_at(&a, w, h);
        }
    }
}

#[test]
fn a_resize_storm_draws_every_size() {
    let a = every_popup().remove(1);
    let mut t = Terminal::new(TestBackend::new(80, 24)).expect("a test terminal");
    for i in 0u16..400 {
        let (w, h) = (1 + (i * 37) % 700, 1 + (i * 13) % 120);
        t.backend_mut().resize(w, h);
        t.draw(|f| super::draw(f, &a)).expect("a frame");
    }
}

#[test]
fn popups_fit_inside_any_area() {
    use ratatui::layout::Rect;
    for (w, h) in [(1000, 300), (65535, 65535), (0, 0), (7, 3)] {
        let area = Rect::new(0, 0, w, h);
        let r = super::popup(area, 94, 92);
        assert!(r.width <= w && r.height <= h, "{r:?} in {area:?}");
        assert!(r.x + r.width <= w);
    }
}

#[test]
fn wide_characters_are_measured_by_their_columns() {
    use unicode_width::UnicodeWidthStr;
    assert_eq!(super::cell("日本語", 8), "日本語  ");
    assert_eq!(super::fit("日本語の鍵", 7), "日本語…");
    assert_eq!(
        UnicodeWidthStr::width(super::fit("🔑🔑🔑🔑", 5).as_str()),
        5
    );
    assert_eq!(super::cell("ascii", 3), "as…");
    assert_eq!(super::cell("", 2), "  ");
    assert_eq!(super::fit("x", 0), "");
}

#[test]
fn bidi_zero_width_and_control_characters_are_shown_escaped() {
    assert_eq!(
        super::visible("Door \u{202E}2 ebis"),
        "Door \\u{202E}2 ebis"
    );
    assert_eq!(super::visible("a\u{200B}b"), "a\\u{200B}b");
    assert_eq!(
        super::visible("line\nnext\t\u{1b}[31m"),
        "line\\nnext\\t\\u{001B}[31m"
    );
    assert_eq!(super::visible("Haupteingang"), "Haupteingang");
}

#[test]
fn a_hostile_name_in_a_row_never_reorders_the_screen() {
    let mut a = app();
    a.panes_mut().jobs.rows[0].reason = Some("\u{202E}gnissim PIN \u{2066}x\u{200B}y".into());
    a.panes_mut().jobs.rows[1].job_type = "日本語_ジョブ_🔑".into();
    let mut t = Terminal::new(TestBackend::new(160, 30)).expect("a test terminal");
    t.draw(|f| super::draw(f, &a)).expect("a frame");
    let buf = t.backend().buffer();
    let text: String = buf.content.iter().map(|c| c.symbol()).collect();
    assert!(!text.contains('\u{202E}') && !text.contains('\u{2066}') && !text.contains('\u{200B}'));
    assert!(
        text.contains("\\u{202E}gnissim"),
        "the override is shown escaped"
    );
    // The neighbours are still there.
    assert!(text.contains("access level changed"));
}

#[test]
fn a_long_message_wraps_by_display_width() {
    use unicode_width::UnicodeWidthStr;
    let lines = super::wrapped(
        "loading the job queue (jobs::page): permission denied 鍵鍵鍵",
        10,
    );
    assert!(lines.len() >= 6, "{lines:?}");
    assert!(
        lines
            .iter()
            .all(|l| UnicodeWidthStr::width(l.as_str()) <= 10),
        "{lines:?}"
    );
    assert_eq!(
        lines.concat(),
        "loading the job queue (jobs::page): permission denied 鍵鍵鍵"
    );
    assert_eq!(super::wrapped("", 0), vec![String::new()]);
}

/// The text of a frame, row by row.
fn text_at(a: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("a test terminal");
    t.draw(|f| super::draw(f, a)).expect("a frame");
    let buf = t.backend().buffer();
    (0..h)
        .map(|y| (0..w).map(|x| buf[(x, y)].symbol()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn ids_are_never_cut() {
    let mut a = app();
    a.panes_mut().jobs.rows[0].id = i64::MAX;
    a.panes_mut().jobs.rows[0].user_id = 1_000_000_000_007;
    a.panes_mut().jobs.rows[1].id = 10_000_123;
    let screen = text_at(&a, 160, 30);
    assert!(screen.contains("#9223372036854775807 "), "{screen}");
    assert!(screen.contains(" 1000000000007 "), "{screen}");
    assert!(screen.contains("#10000123 "), "{screen}");
    // The columns line up under the widest id.
    let header = screen.lines().find(|l| l.contains("TYPE")).unwrap();
    let row = screen.lines().find(|l| l.contains("#10000123")).unwrap();
    assert_eq!(
        header.find("TYPE"),
        row.find("reconcile_user"),
        "{header}\n{row}"
    );
}

#[test]
fn a_long_target_gives_way_keeping_each_servers_start_and_end() {
    let target = "prod · writes db-primary.broker.internal/broker · reads db-replica-eu-west-3.broker.internal/broker";
    let short = super::fit_parts(target, 60);
    assert!(
        unicode_width::UnicodeWidthStr::width(short.as_str()) <= 60,
        "{short}"
    );
    assert!(short.starts_with("prod · writes db-"), "{short}");
    assert!(short.contains(" · reads db-rep"), "{short}");
    assert!(short.ends_with("/broker"), "{short}");
    assert_eq!(super::fit_parts(target, 200), target);
    // Nothing to cut with, still within the width.
    assert!(super::fit_parts(target, 5).chars().count() <= 5);
    assert_eq!(super::fit_parts("", 0), "");
}

#[test]
fn a_target_cut_short_ends_with_one_ellipsis() {
    // At 13 columns the database's name was cut in its middle and then
    // again at its end: "demo · lock……".
    assert_eq!(
        super::fit_parts("demo · lockdesk_demo", 13),
        "demo · lockd…"
    );
    assert_eq!(
        super::fit_parts("demo · lockdesk_demo", 20),
        "demo · lockdesk_demo"
    );
    let target =
        "prod · writes db-primary.broker.internal/broker · reads db-replica.internal/broker";
    for t in ["demo · lockdesk_demo", target] {
        for width in 0..=t.chars().count() {
            let short = super::fit_parts(t, width);
            assert!(
                unicode_width::UnicodeWidthStr::width(short.as_str()) <= width,
                "{width}: {short}"
            );
            assert!(!short.contains("……"), "{width}: {short}");
            for part in short.split(" · ") {
                assert!(part.matches('…').count() <= 1, "{width}: {short}");
            }
        }
    }
}

#[test]
fn the_header_shows_the_standby_lag_and_the_panes_whatever_the_target() {
    let mut a = app();
    a.session_mut().target = format!(
        "prod · writes {} · reads {}",
        "p".repeat(120),
        "r".repeat(120)
    );
    a.panes_mut().jobs.counts.standby_lag_ms = Some(12_345);
    // (170: the header says in words where calls go and which zone times
    // are in, issue 30.)
    let mut t = Terminal::new(TestBackend::new(170, 10)).unwrap();
    t.draw(|f| super::draw(f, &a)).unwrap();
    let top: String = (0..170)
        .map(|x| t.backend().buffer()[(x, 0)].symbol().to_string())
        .collect();
    assert!(top.contains("standby 12.3 s behind"), "{top}");
    assert!(top.contains("5 Trace"), "{top}");
    assert!(top.contains("· reads r"), "{top}");
}

#[test]
fn a_standby_that_stopped_receiving_is_said_instead_of_a_lag_and_counts_lose_exactness() {
    use crate::store::replica::Feed;
    let mut a = app();
    a.panes_mut().jobs.counts.exact = vec![("queued".into(), 2), ("failed".into(), 4)];
    a.panes_mut().jobs.counts.standby_lag_ms = Some(12_345);
    a.panes_mut().jobs.counts.standby_feed = Feed::Stopped {
        since: Some(a.now() - Duration::seconds(75)),
    };
    let mut t = Terminal::new(TestBackend::new(160, 10)).unwrap();
    t.draw(|f| super::draw(f, &a)).unwrap();
    let line = |t: &Terminal<TestBackend>, y: u16| -> String {
        (0..160)
            .map(|x| t.backend().buffer()[(x, y)].symbol().to_string())
            .collect()
    };
    let (top, counts) = (line(&t, 0), line(&t, 1));
    let shown = format!(
        "standby not receiving since {}",
        (a.now() - Duration::seconds(75)).format("%H:%M:%S%.3f UTC")
    );
    let at = top.find(&shown).unwrap_or_else(|| panic!("{top}"));
    assert!(!top.contains("behind"), "{top}");
    let x = top[..at].chars().count() as u16;
    assert_eq!(
        Some(t.backend().buffer()[(x, 0)].fg),
        super::theme::DARK.warning.fg,
        "in the warning colour: {top}"
    );
    assert!(counts.contains("queued ~2 · "), "{counts}");
    assert!(counts.contains("failed ~4 · "), "{counts}");
    assert!(counts.contains("dead ~0 · "), "{counts}");
    // Receiving again: the lag, and exact counts.
    a.panes_mut().jobs.counts.standby_feed = Feed::Receiving;
    t.draw(|f| super::draw(f, &a)).unwrap();
    let (top, counts) = (line(&t, 0), line(&t, 1));
    assert!(top.contains("standby 12.3 s behind"), "{top}");
    assert!(!top.contains("not receiving"), "{top}");
    assert!(counts.contains("queued 2 · "), "{counts}");
}

#[test]
fn the_plain_theme_draws_what_the_dark_one_does_without_its_colours() {
    let mut apps = every_popup();
    let mut banner = app();
    banner.lose_database("connection refused");
    banner.say(crate::app::Level::Error, "a failure");
    apps.push(banner);
    for mut a in apps {
        for pane in crate::app::Pane::ALL {
            a.show_pane(pane);
            let mut dark = Terminal::new(TestBackend::new(120, 30)).expect("a test terminal");
            a.set_theme(ThemeName::Dark);
            dark.draw(|f| super::draw(f, &a)).expect("a frame");
            let mut expected = dark.backend().buffer().clone();
            super::theme::monochrome(&mut expected);
            let mut plain = Terminal::new(TestBackend::new(120, 30)).expect("a test terminal");
            a.set_theme(ThemeName::Plain);
            plain.draw(|f| super::draw(f, &a)).expect("a frame");
            assert_eq!(plain.backend().buffer(), &expected, "{pane:?}");
        }
    }
}

#[test]
fn the_json_viewer_shows_a_providers_epoch_time_beside_it_and_copies_the_number() {
    let mut a = app();
    let value = serde_json::json!({"lockDate": 1795996557000u64, "keyboardPwdId": 50957532});
    a.push_overlay(Overlay::Json(JsonView {
        title: "TTLOCK record".into(),
        doc: crate::jsondoc::JsonDoc::new(&value),
        value,
        scroll: Default::default(),
        copy: None,
        reveal: None,
    }));
    let mut t = Terminal::new(TestBackend::new(120, 20)).expect("a test terminal");
    t.draw(|f| super::draw(f, &a)).expect("a frame");
    let text: String = t
        .backend()
        .buffer()
        .content
        .iter()
        .map(|c| c.symbol())
        .collect();
    assert!(
        text.contains("1795996557000  2026-11-29 23:55:57.000 UTC")
            || text.contains("1795996557000,  2026-11-29 23:55:57.000 UTC"),
        "{text}"
    );
    assert!(
        !text.contains("50957532  2"),
        "only epoch fields get a time"
    );
    let (copy, _) = a.copy_text(Action::Copy).expect("a copy");
    assert!(
        copy.contains("1795996557000") && !copy.contains("2026-11-29"),
        "{copy}"
    );
}

#[test]
fn the_user_picker_draws_at_any_size_and_never_shows_a_hostile_name_raw() {
    use crate::store::lookup::{Found, Match};
    let mut a = app();
    let m = |id: i64, name: &str| Match {
        id,
        name: Some(name.into()),
        email: Some("maya@acme.example".into()),
        site: Some("HQ".into()),
        status: Some("active".into()),
    };
    a.push_overlay(Overlay::Picker(crate::app::UserPicker {
        query: "maya".into(),
        found: Found {
            matches: vec![m(2, "Maya \u{202E}dnil"), m(9, "Maya Okafor")],
            how: "name or email starting with \"maya\"".into(),
            note: None,
        },
        scroll: Default::default(),
        find: "okafor".into(),
    }));
    for (w, h) in [(1, 1), (0, 0), (20, 5), (100, 30), (1000, 300)] {
        draw_at(&a, w, h);
    }
    let mut t = Terminal::new(TestBackend::new(100, 30)).expect("a test terminal");
    t.draw(|f| super::draw(f, &a)).expect("a frame");
    let text: String = t
        .backend()
        .buffer()
        .content
        .iter()
        .map(|c| c.symbol())
        .collect();
    assert!(
        text.contains("Maya Okafor") && text.contains("#9"),
        "{text}"
    );
    assert!(!text.contains('\u{202E}'));
}

#[test]
fn every_tab_shows_and_takes_its_click_at_60_columns() {
    use crate::app::{Msg, Pane};
    use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
    let mut a = app();
    // From the queue: 2, 3, … 6, then back to 1.
    for n in [2, 3, 4, 5, 6, 1] {
        let mut t = Terminal::new(TestBackend::new(60, 20)).unwrap();
        t.draw(|f| super::draw(f, &a)).unwrap();
        let cells: Vec<String> = (0..60)
            .map(|x| t.backend().buffer()[(x, 0)].symbol().to_string())
            .collect();
        let bar = cells.iter().position(|c| c == "│").expect("the tabs' bar");
        let tabs = cells[bar..].concat();
        // The current pane by its name, every other by its number.
        let current = Pane::ALL.iter().position(|p| *p == a.pane()).unwrap();
        for (i, p) in Pane::ALL.iter().enumerate() {
            let label = if i == current {
                format!(" {} {} ", i + 1, p.title())
            } else {
                format!(" {} ", i + 1)
            };
            assert!(tabs.contains(&label), "{label:?} in {tabs:?}");
        }
        let digit = n.to_string();
        let x = bar + cells[bar..].iter().position(|c| *c == digit).unwrap();
        let click = MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: u16::try_from(x).unwrap(),
            row: 0,
            modifiers: KeyModifiers::NONE,
        };
        let now = a.now();
        a.update(Msg::Mouse(click, now));
        assert_eq!(a.pane(), Pane::ALL[n - 1], "a click on {n} at column {x}");
    }
}

#[test]
fn a_slow_load_at_60_columns_says_esc_cancels_and_keeps_every_tab() {
    use crate::app::Msg;
    let mut a = app();
    // The Audit pane's load, pending 1.2 s on the terminal's clock.
    a.act(Action::PaneAudit);
    let t0 = a.now();
    a.update(Msg::Beat(t0));
    a.update(Msg::Beat(t0 + Duration::milliseconds(1_200)));
    assert!(a.slow_load().is_some());
    let top = |w: u16| {
        let mut t = Terminal::new(TestBackend::new(w, 10)).unwrap();
        t.draw(|f| super::draw(f, &a)).unwrap();
        (0..w)
            .map(|x| t.backend().buffer()[(x, 0)].symbol().to_string())
            .collect::<String>()
    };
    // Wide: the whole sentence. Narrow: that Esc cancels, and every tab.
    assert!(top(200).contains("waiting for the audit rows 1.2 s · Esc cancels"));
    let narrow = top(60);
    assert!(narrow.contains(" Esc cancels "), "{narrow}");
    let tabs = narrow.split_once('│').map_or("", |t| t.1).to_string();
    for label in [" 1 ", " 2 Audit ", " 3 ", " 4 ", " 5 ", " 6 "] {
        assert!(tabs.contains(label), "{label:?} in {narrow}");
    }
}
