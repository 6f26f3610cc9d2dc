//! Per-lock logs: every integration log for one lock, newest first, failures
//! in red, each with its job and correlation.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::columns::{self, Col};
use super::{cell, fit, ok_span, theme, when};
use crate::app::{App, LockRow};
use crate::timefmt::age;

/// The columns before ERROR (which runs to the pane's edge): TIME, RESULT,
/// JOB and CORRELATION grow to their widest value on screen (a time to the
/// microsecond in a zone written `+00:00`, an 8-digit job id, a UUID), so
/// none is ever cut or glued; SOURCE and WHAT give way to them.
const COLS: [Col; 6] = [
    Col::Whole(31),
    Col::Text { width: 9, least: 6 },
    Col::Text {
        width: 25,
        least: 12,
    },
    Col::Whole(7),
    Col::Whole(8),
    Col::Whole(33),
];
const TITLES: [&str; 6] = [
    "TIME",
    "SOURCE",
    "WHAT",
    "RESULT",
    "JOB",
    "CORRELATION / WHO",
];

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let th = theme::of(app);
    let l = &app.lock();
    let [head, day, body] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(2),
        Constraint::Min(1),
    ])
    .areas(area);
    let Some(key) = &l.lock_key else {
        f.render_widget(
            Paragraph::new(" No lock open: type :door 2, :door <name> or :lock TTLOCK:28991110.")
                .style(th.dim),
            area,
        );
        return;
    };
    let zone = l.door.as_ref().and_then(|d| d.time_zone.clone());
    let door = match &l.door {
        Some(d) => format!(
            "door #{} {}{}",
            d.id,
            d.name,
            if d.is_active { "" } else { " (inactive)" }
        ),
        None => "no door in this database has this lock".into(),
    };
    let failed = l.logs.iter().filter(|x| crate::intents::failed(x)).count();
    let mut first = vec![
        Span::styled(" Lock ", th.section),
        Span::styled(key.clone(), th.strong),
        Span::raw(format!("  {door}")),
    ];
    // Each fact says where it comes from: the door's status is the broker's
    // record; the device's own state is its provider's answer with the
    // probe's time (probed when the pane opens and on Ctrl-R, kept 60 s).
    if let Some(st) = l.door.as_ref().and_then(|d| d.status.as_deref()) {
        first.push(Span::raw(format!("  broker: {st}")));
    }
    if let Some(a) = &l.acting {
        for d in &a.devices {
            first.push(device_span(th, d));
        }
    }
    // Who else is acting on the lock, read on the primary.
    if let Some(a) = &l.acting {
        for o in &a.others {
            first.push(Span::styled(format!("  · ⚠ {o}"), th.warning_mark));
        }
    }
    let mut second = vec![Span::styled(
        format!(
            " {} broker logs, {failed} failed (newest 500)",
            l.logs.len()
        ),
        th.dim,
    )];
    if let Some(note) = app.db_search_note() {
        second.push(Span::styled(format!("  {note}"), th.warning));
    }
    if !l.text.is_empty() {
        second.push(Span::styled(format!("  /{}", l.text), th.warning));
        if let Some(count) = app.search_count() {
            second.push(Span::styled(format!(" ({count})"), th.dim));
        }
    }
    if l.loading {
        second.push(Span::styled("  loading…", th.dim));
    }
    second.extend(super::as_of(app, l.loaded_at));
    let t = &l.trail;
    match (&t.provider, t.loading, &t.error) {
        (None, _, _) => {}
        (Some(p), true, _) => second.push(Span::styled(
            format!(" · {p} audit trail: loading…"),
            th.warning,
        )),
        (Some(p), false, Some(e)) => second.push(Span::styled(
            format!(" · {p} audit trail unavailable: {e}"),
            th.failed,
        )),
        (Some(p), false, None) => second.push(Span::styled(
            format!(" · {} {p} events (last 7 days)", t.events.len()),
            th.dim,
        )),
    }
    if let Some(skew) = t.clock_skew.filter(|d| d.num_seconds().abs() > 60) {
        let (dir, by) = if skew.num_seconds() > 0 {
            ("ahead of", skew)
        } else {
            ("behind", -skew)
        };
        second.push(Span::styled(
            format!(" · ⚠ the lock's clock is {} {dir} the broker's", age(by)),
            th.warning_mark,
        ));
    }
    // The zone last on the second line: the first holds the lock's facts,
    // which need the width, and the trail's state matters more than it.
    if let Some(z) = zone {
        second.push(Span::styled(format!(" · site zone {z}"), th.dim));
    }
    f.render_widget(
        Paragraph::new(super::shown(vec![Line::from(first), Line::from(second)])),
        head,
    );
    if let Some(e) = &l.error {
        f.render_widget(
            Paragraph::new(format!(" {e}"))
                .style(th.failed)
                .wrap(ratatui::widgets::Wrap { trim: false }),
            body,
        );
        return;
    }
    // The day is drawn from what was read: not while it is being read.
    if !l.loading {
        super::lockday::draw(f, app, day);
    }
    let visible = l.visible();
    let height = body.height.saturating_sub(1) as usize;
    let off = l.scroll.offset_for(height);
    super::pointer_list(
        app,
        super::rows_below(body, 1, height),
        off,
        l.scroll.selected,
    );
    let w = body.width as usize;
    let site = app.site_zone(l.door.as_ref().map(|d| d.id));
    let provider = t.provider.clone().unwrap_or_default();
    // Each row's time, job and correlation as written, so that their
    // columns can grow to the widest on screen.
    let cells: Vec<(String, String, String)> = visible
        .iter()
        .skip(off)
        .take(height)
        .map(|r| match *r {
            LockRow::Log(i) => {
                let log = &l.logs[i];
                (
                    when(&log.odd, "created_at", || {
                        app.clock().full(&log.created_at, site)
                    }),
                    log.reconcile_job_id
                        .map_or(String::new(), |j| format!("#{j}")),
                    log.correlation_id.clone().unwrap_or_default(),
                )
            }
            LockRow::Event(i) => (
                app.clock().full(&t.events[i].at, site),
                String::new(),
                String::new(),
            ),
        })
        .collect();
    let widest = [
        columns::widest(cells.iter().map(|c| c.0.as_str())),
        0,
        0,
        0,
        columns::widest(cells.iter().map(|c| c.1.as_str())),
        columns::widest(cells.iter().map(|c| c.2.as_str())),
    ];
    let cw = columns::widths(COLS, widest, w);
    let mut head = String::new();
    for (title, n) in TITLES.iter().zip(cw) {
        head.push_str(&cell(title, n));
        head.push(' ');
    }
    head.push_str("ERROR");
    let mut lines = vec![Line::from(Span::styled(fit(&head, w), th.column_heads))];
    for ((row, r), (time, job, corr)) in visible.iter().enumerate().skip(off).zip(&cells) {
        let mut line = match *r {
            LockRow::Log(i) => {
                let log = &l.logs[i];
                let result = super::log_span(th, log);
                let mut line = Line::from(vec![
                    Span::raw(cell(time, cw[0]) + " "),
                    Span::styled(cell("broker", cw[1]) + " ", th.broker),
                    Span::raw(cell(&log.action, cw[2]) + " "),
                    Span::raw(" ".repeat(cw[3] + 1 - result.width().min(cw[3]))),
                    Span::raw(cell(job, cw[4]) + " "),
                    Span::styled(cell(corr, cw[5]) + " ", th.dim),
                    Span::styled(log.error_message.clone().unwrap_or_default(), th.failed),
                ]);
                line.spans.insert(3, result);
                if !log.ok {
                    line = line.patch_style(th.failed_row);
                }
                line
            }
            LockRow::Event(i) => {
                let e = &t.events[i];
                let result = ok_span(th, e.success);
                let mut line = Line::from(vec![
                    Span::raw(cell(time, cw[0]) + " "),
                    Span::styled(cell(&provider.to_lowercase(), cw[1]) + " ", th.provider),
                    Span::raw(cell(&e.kind, cw[2]) + " "),
                    Span::raw(" ".repeat(cw[3] + 1 - result.width().min(cw[3]))),
                    Span::raw(cell("", cw[4]) + " "),
                    Span::styled(cell(e.who.as_deref().unwrap_or("—"), cw[5]) + " ", th.dim),
                ]);
                line.spans.insert(3, result);
                if !e.success {
                    line = line.patch_style(th.failed_row);
                }
                line
            }
        };
        if row == l.scroll.selected {
            line = line.patch_style(th.selection);
        }
        lines.push(line);
    }
    if visible.is_empty() && !l.loading {
        for t in super::wrapped(&format!("  {}", app.lock_search_empty()), w) {
            lines.push(Line::from(Span::styled(t, th.dim)));
        }
    }
    f.render_widget(Paragraph::new(super::shown(lines)), body);
}

/// One device line of `Acting` (`LOCK: device: …`) for the header: a state
/// that refuses an action (offline, battery low) or could not be read in the
/// warning style, a reachable one dim.
fn device_span(th: &theme::Theme, line: &str) -> Span<'static> {
    let fact = line.split_once(": ").map_or(line, |x| x.1);
    let troubled =
        fact.contains(" offline") || fact.contains("(below ") || fact.contains("unknown");
    let style = if troubled { th.warning } else { th.dim };
    Span::styled(format!(" · {fact}"), style)
}
