//! A user's PIN door by door, drawn: one row per door (expected, on the
//! lock with its age, last change, last use, the state word in the theme's
//! warning style when it warns) and the selected door in full below.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

use super::columns::{self, Col};
use super::theme::{self, Theme};
use super::{cell, pad};
use crate::app::panes::user::stale;
use crate::app::{App, UserItem};
use crate::pinmap::{ChangeKind, DoorPin, State, UserPins};
use crate::timefmt::age;

/// `s` broken at spaces into lines of at most `width` columns (a word
/// longer than a line, an id, stays whole on its own line).
pub(super) fn words(s: &str, width: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut line = String::new();
    for w in s.split(' ') {
        let need = UnicodeWidthStr::width(line.as_str()) + 1 + UnicodeWidthStr::width(w);
        if !line.is_empty() && need > width {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(w);
    }
    out.push(line);
    out
}

fn state_style(th: &Theme, d: &DoorPin) -> Style {
    match d.state {
        s if s.warns() => th.warning,
        State::Ok => th.ok,
        State::Pending => th.queued,
        _ => th.unknown,
    }
}

fn expected(d: &DoorPin, now: chrono::DateTime<chrono::Utc>) -> String {
    if let Some(a) = d.access.iter().find(|a| a.not_now.is_none()) {
        // Her PIN belongs on the lock, but the schedule's hours are over.
        if let Some(hours) = d.outside_hours(now) {
            return format!("yes · {} · not now ({hours})", a.level);
        }
        return format!("yes · {}", a.level);
    }
    match d.access.first() {
        Some(a) => format!("no · {} {}", a.level, a.not_now.map_or("", |n| n.words())),
        None => "no · no access level".into(),
    }
}

/// Whether her PIN is on the lock, by what `DoorPin::on_lock` went by (a
/// listing, live or logged, or the sync state), and how old that is.
fn on_lock(app: &App, d: &DoorPin) -> String {
    let word = match d.on_lock() {
        Some(true) => "yes",
        Some(false) => "no",
        None => "?",
    };
    let listed = d
        .listing
        .as_ref()
        .filter(|l| l.holds.is_some())
        .map(|l| (l.log_id.is_none(), l.at));
    let synced = d.sync.as_ref().map(|s| s.last_seen);
    let (from, at) = match (listed, synced) {
        (Some((true, at)), s) if at >= s.flatten() => return format!("{word} · live"),
        (Some((false, at)), s) if at >= s.flatten() => ("listed", at),
        (_, Some(at)) => ("synced", at),
        _ if d.listing.is_some() => return format!("{word} · list failed"),
        _ => return format!("{word} · nothing read"),
    };
    match at {
        Some(t) => format!("{word} · {from} {}", age(app.now() - t)),
        None => format!("{word} · {from}"),
    }
}

fn change(app: &App, d: &DoorPin) -> String {
    let Some(c) = d.last_change() else {
        return "none logged".into();
    };
    format!(
        "{}{} {} {}",
        c.kind.word(),
        if c.ok { "" } else { " failed" },
        c.job
            .map_or_else(|| "no job".to_string(), |j| format!("#{j}")),
        c.at.map_or_else(|| "—".to_string(), |t| app.clock().minute(&t, None))
    )
}

fn last_use(app: &App, d: &DoorPin) -> String {
    let m = |t| app.clock().minute(t, None);
    match (&d.last_ok, &d.last_failed) {
        (_, Some(f)) if d.last_ok.as_ref().is_none_or(|o| f.at > o.at) => {
            format!("failed {}", m(&f.at))
        }
        (Some(o), _) => format!("ok {}", m(&o.at)),
        _ if d.uses_read => "none read".into(),
        _ => "not read".into(),
    }
}

// A whole column is at least as wide as its title.
const COLS: [Col; 7] = [
    Col::Whole(4),
    Col::Text {
        width: 16,
        least: 4,
    },
    Col::Whole(7),
    Col::Text {
        width: 26,
        least: 8,
    },
    Col::Whole(16),
    Col::Whole(11),
    Col::Whole(8),
];
const TITLES: [&str; 7] = [
    "DOOR",
    "NAME",
    "STATE",
    "EXPECTED",
    "ON THE LOCK, AGE",
    "LAST CHANGE",
    "LAST USE",
];

/// The table of her doors, and the selected one in full below it; the
/// line of the selected door, and of the first (one a line from there).
pub(super) fn pins_lines(
    app: &App,
    u: &UserPins,
    width: usize,
    out: &mut Vec<Line<'static>>,
) -> (usize, usize) {
    let th = theme::of(app);
    let state = app.user();
    let items = state.items();
    let selected = match items.get(state.scroll.selected) {
        Some(UserItem::Pin(i)) => Some(*i),
        _ => None,
    };
    let mut selected_line = 0;
    let cells: Vec<[String; 7]> = u
        .doors
        .iter()
        .map(|d| {
            [
                format!("#{}", d.door_id),
                d.door_name.clone(),
                d.state.word().to_string(),
                expected(d, u.now),
                on_lock(app, d),
                change(app, d),
                last_use(app, d),
            ]
        })
        .collect();
    let mut widest = [0; 7];
    for (i, w) in widest.iter_mut().enumerate() {
        *w = columns::widest(cells.iter().map(|c| c[i].as_str()));
    }
    let cw = columns::widths(COLS, widest, width.saturating_sub(3));
    let mut head = String::from("   ");
    for (t, n) in TITLES.iter().zip(cw) {
        head.push_str(&cell(t, n));
        head.push(' ');
    }
    out.push(Line::from(Span::styled(
        head.trim_end().to_string(),
        th.column_heads,
    )));
    let now = app.now();
    let first = out.len();
    for (i, (d, c)) in u.doors.iter().zip(&cells).enumerate() {
        // Old knowledge, or a listing that failed: look twice.
        let old = (stale(d, now) && d.listing.as_ref().is_none_or(|l| l.log_id.is_some()))
            || d.listing.as_ref().is_some_and(|l| l.holds.is_none());
        let fixed = |k: usize| format!("{} ", pad(&c[k], cw[k]));
        let text = |k: usize| format!("{} ", cell(&c[k], cw[k]));
        let mut line = Line::from(vec![
            Span::raw("   "),
            Span::styled(fixed(0), th.strong),
            Span::raw(text(1)),
            Span::styled(fixed(2), state_style(th, d)),
            Span::raw(text(3)),
            Span::styled(fixed(4), if old { th.warning } else { Style::new() }),
            Span::styled(
                fixed(5),
                if d.last_change().is_some_and(|c| !c.ok) {
                    th.failed
                } else {
                    Style::new()
                },
            ),
            Span::styled(
                c[6].clone(),
                if c[6].starts_with("failed") {
                    th.warning
                } else {
                    th.dim
                },
            ),
        ]);
        if selected == Some(i) {
            selected_line = out.len();
            line = line.patch_style(th.selection);
        }
        out.push(line);
    }
    if let Some(d) = selected.and_then(|i| u.doors.get(i)) {
        door_detail(app, d, width, out);
    }
    (selected_line, first)
}

/// The selected door in full: every access row, the sync state, the
/// listing, each change with its job and trace, both last uses. Each fact
/// wraps at spaces under its label, so no id or time is ever cut.
fn door_detail(app: &App, d: &DoorPin, width: usize, out: &mut Vec<Line<'static>>) {
    let th = theme::of(app);
    let c = app.clock();
    let t = |t: &Option<chrono::DateTime<chrono::Utc>>| {
        t.map_or_else(|| "—".to_string(), |t| c.short(&t, None))
    };
    let mut head = vec![
        Span::styled(format!("   Door #{} ", d.door_id), th.section),
        Span::styled(d.door_name.clone(), th.strong),
        Span::raw(format!("  {}  ", d.lock_key().unwrap_or_default())),
        Span::styled(d.state.word().to_string(), state_style(th, d)),
    ];
    if d.last_change().is_some_and(|c| c.correlation_id.is_some()) {
        head.push(Span::styled("  Enter: its last change's trace", th.dim));
    }
    out.push(Line::from(head));
    let room = width.saturating_sub(19).max(20);
    let mut fact = |label: &str, text: String, style: Style| {
        for (i, l) in words(&text, room).into_iter().enumerate() {
            let label = if i == 0 { label } else { "" };
            out.push(Line::from(vec![
                Span::styled(format!("     {label:<12} "), th.dim),
                Span::styled(l, style),
            ]));
        }
    };
    let plain = Style::new();
    if d.access.is_empty() {
        fact(
            "expected",
            "no: no access level of hers names this door".into(),
            plain,
        );
    }
    for a in &d.access {
        fact(
            "expected",
            format!(
                "{} via access level {} (#{}), schedule {}{}",
                if a.not_now.is_none() { "yes" } else { "no" },
                a.level,
                a.grant_id,
                a.schedule.as_deref().unwrap_or("none"),
                a.not_now
                    .map_or(String::new(), |n| format!(" — {}", n.words()))
            ),
            if a.not_now.is_some() {
                th.warning
            } else {
                plain
            },
        );
    }
    match &d.sync {
        None => fact(
            "on the lock",
            "no sync state of her PIN on this lock".into(),
            plain,
        ),
        Some(s) => fact(
            "on the lock",
            format!(
                "sync state {} (vendor pin {}), first seen {}, last seen {}",
                if s.present { "present" } else { "deleted" },
                s.vendor_pin_id.as_deref().unwrap_or("—"),
                t(&s.first_seen),
                t(&s.last_seen)
            ),
            if stale(d, app.now()) {
                th.warning
            } else {
                plain
            },
        ),
    }
    match &d.listing {
        None => fact("", "no listing of the lock logged".into(), th.dim),
        Some(l) => {
            let src = l.log_id.map_or_else(
                || "read live".to_string(),
                |id| format!("listing log #{id}"),
            );
            let holds = match l.holds {
                Some(true) => "holds her PIN".to_string(),
                Some(false) => "does not hold her PIN".to_string(),
                None => format!(
                    "unreadable: {}",
                    crate::pinmap::plain(l.error.as_deref().unwrap_or("failed"))
                ),
            };
            let style = if l.holds.is_none() { th.warning } else { plain };
            fact("", format!("{src} at {}: {holds}", t(&l.at)), style);
        }
    }
    if d.changes.is_empty() {
        fact(
            "changes",
            "no add or delete of her PIN logged on this lock".into(),
            th.dim,
        );
    }
    for (i, ch) in d.changes.iter().enumerate() {
        let text = format!(
            "{} {} {} at {} trace {}{}",
            ch.kind.word(),
            if ch.ok { "ok" } else { "FAILED" },
            ch.job
                .map_or_else(|| "(no job)".to_string(), |j| format!("job #{j}")),
            t(&ch.at),
            ch.correlation_id.as_deref().unwrap_or("—"),
            ch.error
                .as_deref()
                .map_or(String::new(), |e| format!(": {}", crate::pinmap::plain(e)))
        );
        let style = match (ch.ok, ch.kind) {
            (false, _) => th.failed,
            (true, ChangeKind::Add) => th.ok,
            (true, ChangeKind::Delete) => plain,
        };
        fact(if i == 0 { "changes" } else { "" }, text, style);
    }
    let uses = |u: &Option<crate::pinmap::Use>| {
        u.as_ref()
            .map_or_else(|| "—".to_string(), |u| c.short(&u.at, None))
    };
    let read = if d.uses_read {
        ""
    } else {
        " (the lock's own records not read yet)"
    };
    fact(
        "last use",
        format!(
            "ok {}, failed {}{read}",
            uses(&d.last_ok),
            uses(&d.last_failed)
        ),
        if d.last_failed.is_some() {
            th.warning
        } else {
            plain
        },
    );
}
