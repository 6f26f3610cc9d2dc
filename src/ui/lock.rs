//! Per-lock logs: every integration log for one lock, newest first, failures
//! in red, each with its job and correlation.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{DIM, HEADER, SELECTED, cell, fit, ok_span, when};
use crate::app::{App, LockRow};
use crate::timefmt::age;

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let l = &app.lock;
    let [head, body] = Layout::vertical([Constraint::Length(2), Constraint::Min(1)]).areas(area);
    let Some(key) = &l.lock_key else {
        f.render_widget(
            Paragraph::new(" No lock open: type :door 2, :door <name> or :lock TTLOCK:28991110.")
                .style(DIM),
            area,
        );
        return;
    };
    let zone = l.door.as_ref().and_then(|d| d.time_zone.clone());
    let door = match &l.door {
        Some(d) => format!(
            "door #{} {}  {}{}",
            d.id,
            d.name,
            d.status.as_deref().unwrap_or(""),
            if d.is_active { "" } else { " (inactive)" }
        ),
        None => "no door in this database has this lock".into(),
    };
    let failed = l.logs.iter().filter(|x| crate::intents::failed(x)).count();
    let mut first = vec![
        Span::styled(" Lock ", HEADER),
        Span::styled(key.clone(), Style::new().bold()),
        Span::raw(format!("  {door}")),
    ];
    if let Some(z) = zone {
        first.push(Span::styled(format!("  site zone {z}"), DIM));
    }
    let mut second = vec![Span::styled(
        format!(
            " {} broker logs, {failed} failed (newest 500)",
            l.logs.len()
        ),
        DIM,
    )];
    if !l.text.is_empty() {
        second.push(Span::styled(
            format!("  /{}", l.text),
            Style::new().fg(Color::Yellow),
        ));
    }
    if l.loading {
        second.push(Span::styled("  loading…", DIM));
    }
    second.extend(super::as_of(app, l.loaded_at));
    let t = &l.trail;
    match (&t.provider, t.loading, &t.error) {
        (None, _, _) => {}
        (Some(p), true, _) => second.push(Span::styled(
            format!(" · {p} audit trail: loading…"),
            Style::new().fg(Color::Yellow),
        )),
        (Some(p), false, Some(e)) => second.push(Span::styled(
            format!(" · {p} audit trail unavailable: {e}"),
            Style::new().fg(Color::Red),
        )),
        (Some(p), false, None) => second.push(Span::styled(
            format!(" · {} {p} events (last 7 days)", t.events.len()),
            DIM,
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
            Style::new()
                .fg(Color::Yellow)
                .add_modifier(ratatui::style::Modifier::BOLD),
        ));
    }
    f.render_widget(
        Paragraph::new(super::shown(vec![Line::from(first), Line::from(second)])),
        head,
    );
    if let Some(e) = &l.error {
        f.render_widget(
            Paragraph::new(format!(" {e}"))
                .style(Style::new().fg(Color::Red))
                .wrap(ratatui::widgets::Wrap { trim: false }),
            body,
        );
        return;
    }
    let visible = l.visible();
    let height = body.height.saturating_sub(1) as usize;
    let off = l.scroll.offset_for(height);
    let w = body.width as usize;
    let mut lines = vec![Line::from(Span::styled(
        fit(
            &format!(
                "{}{}{}{}{}{}{}",
                cell("TIME", 32),
                cell("SOURCE", 10),
                cell("WHAT", 26),
                cell("RESULT", 8),
                cell("JOB", 9),
                cell("CORRELATION / WHO", 34),
                "ERROR"
            ),
            w,
        ),
        DIM.bold(),
    ))];
    let site = app.site_zone(l.door.as_ref().map(|d| d.id));
    let provider = t.provider.clone().unwrap_or_default();
    for (row, r) in visible.iter().enumerate().skip(off).take(height) {
        let mut line = match *r {
            LockRow::Log(i) => {
                let log = &l.logs[i];
                let mut line = Line::from(vec![
                    Span::raw(cell(
                        &when(&log.odd, "created_at", || {
                            app.clock.full(&log.created_at, site)
                        }),
                        32,
                    )),
                    Span::styled(cell("broker", 10), Style::new().fg(Color::Cyan)),
                    Span::raw(cell(&log.action, 26)),
                    super::log_span(log),
                    Span::raw(if log.ok { "      " } else { "  " }),
                    Span::raw(super::pad(
                        &log.reconcile_job_id
                            .map_or(String::new(), |j| format!("#{j}")),
                        9,
                    )),
                    Span::styled(
                        super::pad(log.correlation_id.as_deref().unwrap_or(""), 34),
                        DIM,
                    ),
                    Span::styled(
                        log.error_message.clone().unwrap_or_default(),
                        Style::new().fg(Color::Red),
                    ),
                ]);
                if !log.ok {
                    line = line.patch_style(Style::new().bg(Color::Rgb(60, 20, 20)));
                }
                line
            }
            LockRow::Event(i) => {
                let e = &t.events[i];
                let mut line = Line::from(vec![
                    Span::raw(cell(&app.clock.full(&e.at, site), 32)),
                    Span::styled(
                        cell(&provider.to_lowercase(), 10),
                        Style::new().fg(Color::Magenta),
                    ),
                    Span::raw(cell(&e.kind, 26)),
                    ok_span(e.success),
                    Span::raw(if e.success { "      " } else { "  " }),
                    Span::raw(cell("", 9)),
                    Span::styled(cell(e.who.as_deref().unwrap_or("—"), 34), DIM),
                ]);
                if !e.success {
                    line = line.patch_style(Style::new().bg(Color::Rgb(60, 20, 20)));
                }
                line
            }
        };
        if row == l.scroll.selected {
            line = line.patch_style(SELECTED);
        }
        lines.push(line);
    }
    if visible.is_empty() && !l.loading {
        lines.push(Line::from(Span::styled(
            "  no integration logs for this lock",
            DIM,
        )));
    }
    f.render_widget(Paragraph::new(super::shown(lines)), body);
}
