//! Audit changes, newest first: what changed, who did it, and from where.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{DIM, HEADER, SELECTED, cell, fit, when};
use crate::app::App;

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let a = &app.audit;
    let [head, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let mut spans = vec![
        Span::styled(" Audit changes ", HEADER),
        Span::styled("newest first", DIM),
    ];
    if !a.text.is_empty() {
        spans.push(Span::styled(
            format!("  /{}", a.text),
            Style::new().fg(Color::Yellow),
        ));
    }
    if a.loading {
        spans.push(Span::styled("  loading…", DIM));
    }
    spans.extend(super::as_of(app, a.loaded_at));
    f.render_widget(Paragraph::new(super::shown([Line::from(spans)])), head);
    let visible = a.visible();
    let height = body.height.saturating_sub(1) as usize;
    let off = a.scroll.offset_for(height);
    let w = body.width as usize;
    let mut lines = vec![Line::from(Span::styled(
        fit(
            &format!(
                "{}{}{}{}{}{}{}",
                cell("TIME", 29),
                cell("ENTITY", 25),
                cell("ACTION", 8),
                cell("ACTOR", 29),
                cell("SOURCE", 24),
                cell("CORRELATION", 32),
                ""
            ),
            w,
        ),
        DIM.bold(),
    ))];
    for (row, &i) in visible.iter().enumerate().skip(off).take(height) {
        let r = &a.rows[i];
        let entity = format!(
            "{} #{}",
            r.entity_type,
            r.entity_id.map_or("?".into(), |e| e.to_string())
        );
        let action_style = match r.action.as_str() {
            "create" => Style::new().fg(Color::Green),
            "delete" => Style::new().fg(Color::Red),
            _ => Style::new().fg(Color::Yellow),
        };
        let mut line = Line::from(vec![
            Span::raw(
                cell(
                    &when(&r.odd, "created_at", || {
                        app.clock.short(&r.created_at, None)
                    }),
                    28,
                ) + " ",
            ),
            Span::raw(super::pad(&entity, 24) + " "),
            Span::styled(cell(&r.action, 7) + " ", action_style),
            Span::raw(cell(r.actor.as_deref().unwrap_or(""), 28) + " "),
            Span::styled(cell(r.source.as_deref().unwrap_or(""), 23) + " ", DIM),
            Span::styled(r.correlation_id.clone().unwrap_or_default(), DIM),
        ]);
        if row == a.scroll.selected {
            line = line.patch_style(SELECTED);
        }
        lines.push(line);
    }
    if let Some(e) = &a.error {
        for l in super::wrapped(&format!("  {e}"), w) {
            lines.push(Line::from(Span::styled(l, Style::new().fg(Color::Red))));
        }
    } else if visible.is_empty() && !a.loading {
        lines.push(Line::from(Span::styled("  no audit rows", DIM)));
    }
    f.render_widget(Paragraph::new(super::shown(lines)), body);
}
