//! The JSON viewer (coloured, foldable, searchable; draws only the rows on
//! screen, so a 1 MiB payload scrolls as fast as a small one) and the audit
//! before/after diff.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::{DIM, HEADER, SELECTED};
use crate::app::{App, DiffView, JsonView};
use crate::diff::Change;
use crate::jsondoc::{JsonDoc, Tok};

fn tok_style(t: Tok) -> Style {
    match t {
        Tok::Key => Style::new().fg(Color::Cyan),
        Tok::Str => Style::new().fg(Color::Green),
        Tok::Num => Style::new().fg(Color::Yellow),
        Tok::Bool => Style::new().fg(Color::Magenta),
        Tok::Null => Style::new().fg(Color::DarkGray),
        Tok::Punct => Style::new(),
    }
}

/// One visible row of a document as a styled line.
pub fn json_line(doc: &JsonDoc, line: usize) -> Line<'static> {
    let l = &doc.lines[line];
    let mut spans = vec![Span::raw("  ".repeat(l.depth))];
    if let Some(k) = &l.key {
        spans.push(Span::styled(
            serde_json::Value::String(k.clone()).to_string(),
            tok_style(Tok::Key),
        ));
        spans.push(Span::raw(": "));
    }
    if doc.is_folded(line) {
        spans.push(Span::styled(
            l.summary.clone(),
            DIM.add_modifier(Modifier::ITALIC),
        ));
    } else {
        spans.push(Span::styled(l.text.clone(), tok_style(l.tok)));
    }
    // An opening line's comma belongs after its closing line, unless folded.
    if l.comma && (l.close.is_none() || doc.is_folded(line)) {
        spans.push(Span::raw(","));
    }
    let mut out = Line::from(spans);
    if doc.is_match(line) {
        out = out.patch_style(Style::new().bg(Color::Rgb(80, 70, 0)));
    }
    out
}

pub fn draw_json(f: &mut Frame, _app: &App, j: &JsonView, area: Rect) {
    let doc = &j.doc;
    let height = area.height.saturating_sub(2) as usize;
    let off = j.scroll.offset_for(height);
    let mut lines = Vec::with_capacity(height);
    for (row, &line) in doc.visible.iter().enumerate().skip(off).take(height) {
        let mut l = json_line(doc, line);
        if row == j.scroll.selected {
            l = l.patch_style(SELECTED);
        }
        lines.push(l);
    }
    let mut title = format!(
        " {} · line {}/{} ",
        j.title,
        j.scroll.selected + 1,
        doc.visible.len()
    );
    if !doc.query.is_empty() {
        title.push_str(&format!(
            "· /{} {} match{} ",
            doc.query,
            doc.matches.len(),
            if doc.matches.len() == 1 { "" } else { "es" }
        ));
    }
    let block = Block::bordered()
        .title(title)
        .border_style(Style::new().fg(Color::Cyan));
    f.render_widget(Paragraph::new(super::shown(lines)).block(block), area);
}

fn compact(v: &serde_json::Value) -> String {
    v.to_string()
}

pub fn draw_diff(f: &mut Frame, app: &App, d: &DiffView, area: Rect) {
    let r = &d.row;
    let mut lines = vec![
        Line::from(vec![
            Span::styled(
                format!(
                    "{} #{} ",
                    r.entity_type,
                    r.entity_id.map_or("?".into(), |e| e.to_string())
                ),
                HEADER,
            ),
            Span::styled(r.action.clone(), Style::new().bold()),
            Span::raw(format!(
                "  {}",
                super::when(&r.odd, "created_at", || app.clock.full(&r.created_at, None))
            )),
        ]),
        Line::from(Span::styled(
            format!(
                "by {} via {} · correlation {}",
                r.actor.as_deref().unwrap_or("?"),
                r.source.as_deref().unwrap_or("?"),
                r.correlation_id.as_deref().unwrap_or("—")
            ),
            DIM,
        )),
        Line::from(""),
        Line::from(Span::styled(
            format!("Changes ({})", d.changes.len()),
            HEADER,
        )),
    ];
    if d.changes.is_empty() {
        lines.push(Line::from(Span::styled("  no field changed", DIM)));
    }
    for c in &d.changes {
        lines.push(match c {
            Change::Added { path, value } => Line::from(vec![
                Span::styled("  + ", Style::new().fg(Color::Green).bold()),
                Span::styled(path.clone(), Style::new().fg(Color::Cyan)),
                Span::raw(": "),
                Span::styled(compact(value), Style::new().fg(Color::Green)),
            ]),
            Change::Removed { path, value } => Line::from(vec![
                Span::styled("  - ", Style::new().fg(Color::Red).bold()),
                Span::styled(path.clone(), Style::new().fg(Color::Cyan)),
                Span::raw(": "),
                Span::styled(compact(value), Style::new().fg(Color::Red)),
            ]),
            Change::Changed {
                path,
                before,
                after,
            } => Line::from(vec![
                Span::styled("  ~ ", Style::new().fg(Color::Yellow).bold()),
                Span::styled(path.clone(), Style::new().fg(Color::Cyan)),
                Span::raw(": "),
                Span::styled(compact(before), Style::new().fg(Color::Red)),
                Span::raw(" → "),
                Span::styled(compact(after), Style::new().fg(Color::Green)),
            ]),
        });
    }
    for (label, v) in [("Before", &r.before_json), ("After", &r.after_json)] {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(label, HEADER)));
        let value = v.clone().unwrap_or(serde_json::Value::Null);
        let doc = JsonDoc::new(&value);
        for &l in &doc.visible {
            lines.push(json_line(&doc, l));
        }
    }
    let height = area.height.saturating_sub(2) as usize;
    let off = d.scroll.selected.min(lines.len().saturating_sub(1));
    let shown: Vec<Line> = lines.into_iter().skip(off).take(height).collect();
    let block = Block::bordered()
        .title(" Audit change: before → after ")
        .border_style(Style::new().fg(Color::Cyan));
    f.render_widget(Paragraph::new(super::shown(shown)).block(block), area);
}
