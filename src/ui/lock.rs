//! Per-lock logs: every integration log for one lock, newest first, failures
//! in red, each with its job and correlation.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::columns::{self, Ranked};
use super::{cell, fit, ok_span, theme, when};
use crate::app::{App, LockRow};
use crate::timefmt::age;

/// The columns, in order, and which give way first on a narrow terminal
/// (as the job queue's do): TIME, WHAT (the action), RESULT and JOB never
/// go; then CORRELATION / WHO (the trace, also reached by Enter), SOURCE,
/// and ERROR last. TIME, RESULT, JOB and a correlation are shown whole or
/// not at all (a time or an id is never cut; a provider event's WHO is cut
/// to the correlations' width); the width left goes to the text columns
/// (what, error), each up to its widest value on screen.
const COLS: [Ranked; 7] = [
    Ranked::whole(4, 0),
    // As wide as every source's name ("doordeck"), so that it does not
    // change width from one lock to the next.
    Ranked::text(8, 2),
    Ranked::text(12, 0),
    Ranked::whole(6, 0),
    Ranked::whole(3, 0),
    Ranked::whole(17, 3),
    Ranked::text(20, 1),
];
const TITLES: [&str; 7] = [
    "TIME",
    "SOURCE",
    "WHAT",
    "RESULT",
    "JOB",
    "CORRELATION / WHO",
    "ERROR",
];

/// One row as the table writes it: its values in the order of `COLS`, the
/// style of each, and whether it failed.
struct Cells {
    text: [String; 7],
    style: [Style; 7],
    failed: bool,
}

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
    // The day's frame always, its cells only from what was read (while it
    // is read, a note in their place): the pane does not jump as rows come.
    super::lockday::draw(f, app, day);
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
    let cells: Vec<Cells> = visible
        .iter()
        .skip(off)
        .take(height)
        .map(|r| match *r {
            LockRow::Log(i) => {
                let log = &l.logs[i];
                let result = super::log_span(th, log);
                Cells {
                    text: [
                        when(&log.odd, "created_at", || {
                            app.clock().full(&log.created_at, site)
                        }),
                        "broker".into(),
                        log.action.clone(),
                        result.content.to_string(),
                        log.reconcile_job_id
                            .map_or(String::new(), |j| format!("#{j}")),
                        log.correlation_id.clone().unwrap_or_default(),
                        log.error_message.clone().unwrap_or_default(),
                    ],
                    style: [
                        Style::default(),
                        th.broker,
                        Style::default(),
                        result.style,
                        Style::default(),
                        th.dim,
                        th.failed,
                    ],
                    failed: !log.ok,
                }
            }
            LockRow::Event(i) => {
                let e = &t.events[i];
                let result = ok_span(th, e.success);
                Cells {
                    text: [
                        app.clock().full(&e.at, site),
                        provider.to_lowercase(),
                        e.kind.clone(),
                        result.content.to_string(),
                        String::new(),
                        e.who.clone().unwrap_or_else(|| "—".into()),
                        String::new(),
                    ],
                    style: [
                        Style::default(),
                        th.provider,
                        Style::default(),
                        result.style,
                        Style::default(),
                        th.dim,
                        Style::default(),
                    ],
                    failed: !e.success,
                }
            }
        })
        .collect();
    let widest: [usize; 7] = std::array::from_fn(|c| {
        // A provider event's WHO is cut to the correlations' width.
        let values = visible
            .iter()
            .skip(off)
            .zip(&cells)
            .filter(|(r, _)| c != 5 || matches!(r, LockRow::Log(_)))
            .map(|(_, x)| x.text[c].as_str());
        columns::widest(values).max(TITLES[c].len())
    });
    // A column with no value on screen goes first (no failure here: no
    // ERROR); the last column needs no space after it.
    let empty: [bool; 7] = std::array::from_fn(|c| cells.iter().all(|x| x.text[c].is_empty()));
    let cw = columns::ranked(COLS, widest, empty, w + 1);
    let last = cw.iter().rposition(Option::is_some);
    let mut head = String::new();
    for (title, n) in TITLES.iter().zip(cw) {
        if let Some(n) = n {
            head.push_str(&cell(title, n));
            head.push(' ');
        }
    }
    let mut lines = vec![Line::from(Span::styled(
        fit(head.trim_end(), w),
        th.column_heads,
    ))];
    for (row, x) in (off..).zip(&cells) {
        let mut spans = Vec::new();
        for (col, n) in cw.iter().enumerate() {
            let Some(n) = *n else { continue };
            if !spans.is_empty() {
                spans.push(Span::raw(" "));
            }
            // The last column is not padded: nothing follows it.
            // (The result's colour is on its word only.)
            if col == 3 {
                let word = fit(&x.text[col], n);
                let pad = n.saturating_sub(word.chars().count());
                spans.push(Span::styled(word, x.style[col]));
                spans.push(Span::raw(" ".repeat(pad)));
                continue;
            }
            let text = if Some(col) == last {
                fit(&x.text[col], n)
            } else {
                cell(&x.text[col], n)
            };
            spans.push(Span::styled(text, x.style[col]));
        }
        let mut line = Line::from(spans);
        if x.failed {
            line = line.patch_style(th.failed_row);
        }
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
