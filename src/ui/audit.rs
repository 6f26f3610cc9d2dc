//! Audit changes, newest first: what changed, who did it, and from where.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::columns::{self, Col};
use super::{cell, fit, theme, when};
use crate::app::App;

/// The columns: TIME, ENTITY (its id) and CORRELATION grow to their widest
/// value on screen, so none is ever cut; ACTION, ACTOR and SOURCE give way
/// to them.
const COLS: [Col; 6] = [
    Col::Whole(28),
    Col::Whole(24),
    Col::Text { width: 7, least: 6 },
    Col::Text {
        width: 28,
        least: 10,
    },
    Col::Text {
        width: 23,
        least: 10,
    },
    Col::Whole(32),
];
const TITLES: [&str; 6] = ["TIME", "ENTITY", "ACTION", "ACTOR", "SOURCE", "CORRELATION"];

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let th = theme::of(app);
    let a = &app.audit();
    let [head, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let mut spans = vec![
        Span::styled(" Audit changes ", th.section),
        Span::styled("newest first", th.dim),
    ];
    if let Some(note) = app.db_search_note() {
        spans.push(Span::styled(format!("  {note}"), th.warning));
    }
    if !a.text.is_empty() {
        spans.push(Span::styled(format!("  /{}", a.text), th.warning));
        if let Some(count) = app.search_count() {
            spans.push(Span::styled(format!(" ({count})"), th.dim));
        }
    }
    if a.loading {
        spans.push(Span::styled("  loading…", th.dim));
    }
    spans.extend(super::as_of(app, a.loaded_at));
    f.render_widget(Paragraph::new(super::shown([Line::from(spans)])), head);
    let visible = a.visible();
    let height = body.height.saturating_sub(1) as usize;
    let off = a.scroll.offset_for(height);
    super::pointer_list(
        app,
        super::rows_below(body, 1, height),
        off,
        a.scroll.selected,
    );
    let w = body.width as usize;
    // Each row's time and entity (a type and an id) as written, so that
    // their columns can grow to the widest on screen.
    let cells: Vec<(String, String)> = visible
        .iter()
        .skip(off)
        .take(height)
        .map(|&i| {
            let r = &a.rows[i];
            (
                when(&r.odd, "created_at", || {
                    app.clock().short(&r.created_at, None)
                }),
                format!(
                    "{} #{}",
                    r.entity_type,
                    r.entity_id.map_or("?".into(), |e| e.to_string())
                ),
            )
        })
        .collect();
    let widest = [
        columns::widest(cells.iter().map(|c| c.0.as_str())),
        columns::widest(cells.iter().map(|c| c.1.as_str())),
        0,
        0,
        0,
        columns::widest(
            visible
                .iter()
                .skip(off)
                .take(height)
                .map(|&i| a.rows[i].correlation_id.as_deref().unwrap_or("")),
        ),
    ];
    // CORRELATION is last: no space after it.
    let cw = columns::widths(COLS, widest, w + 1);
    let mut head = String::new();
    for (title, n) in TITLES.iter().zip(cw) {
        head.push_str(&cell(title, n));
        head.push(' ');
    }
    let mut lines = vec![Line::from(Span::styled(
        fit(head.trim_end(), w),
        th.column_heads,
    ))];
    for ((row, &i), (time, entity)) in visible.iter().enumerate().skip(off).zip(&cells) {
        let r = &a.rows[i];
        let action_style = match r.action.as_str() {
            "create" => th.ok,
            "delete" => th.failed,
            _ => th.warning,
        };
        let mut line = Line::from(vec![
            Span::raw(cell(time, cw[0]) + " "),
            Span::raw(cell(entity, cw[1]) + " "),
            Span::styled(cell(&r.action, cw[2]) + " ", action_style),
            Span::raw(cell(r.actor.as_deref().unwrap_or(""), cw[3]) + " "),
            Span::styled(cell(r.source.as_deref().unwrap_or(""), cw[4]) + " ", th.dim),
            Span::styled(r.correlation_id.clone().unwrap_or_default(), th.dim),
        ]);
        if row == a.scroll.selected {
            line = line.patch_style(th.selection);
        }
        lines.push(line);
    }
    if let Some(e) = &a.error {
        for l in super::wrapped(&format!("  {e}"), w) {
            lines.push(Line::from(Span::styled(l, th.failed)));
        }
    } else if visible.is_empty() && !a.loading {
        for l in super::wrapped(&format!("  {}", app.audit_search_empty()), w) {
            lines.push(Line::from(Span::styled(l, th.dim)));
        }
    }
    f.render_widget(Paragraph::new(super::shown(lines)), body);
}
