//! The JSON viewer (coloured, foldable, searchable; draws only the rows on
//! screen, so a 1 MiB payload scrolls as fast as a small one) and the audit
//! before/after diff.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::theme::{self, Theme};
use crate::app::{App, DiffView, JsonView};
use crate::diff::Change;
use crate::jsondoc::{JsonDoc, Tok};

fn tok_style(th: &Theme, t: Tok) -> Style {
    match t {
        Tok::Key => th.json_key,
        Tok::Str => th.json_string,
        Tok::Num => th.json_number,
        Tok::Bool => th.json_bool,
        Tok::Null => th.json_null,
        Tok::Punct => Style::new(),
    }
}

/// One visible row of a document as a styled line.
pub fn json_line(th: &Theme, doc: &JsonDoc, line: usize) -> Line<'static> {
    let l = &doc.lines[line];
    let mut spans = vec![Span::raw("  ".repeat(l.depth))];
    if let Some(k) = &l.key {
        spans.push(Span::styled(
            serde_json::Value::String(k.clone()).to_string(),
            tok_style(th, Tok::Key),
        ));
        spans.push(Span::raw(": "));
    }
    if doc.is_folded(line) {
        spans.push(Span::styled(l.summary.clone(), th.json_folded));
    } else {
        spans.push(Span::styled(l.text.clone(), tok_style(th, l.tok)));
    }
    // An opening line's comma belongs after its closing line, unless folded.
    if l.comma && (l.close.is_none() || doc.is_folded(line)) {
        spans.push(Span::raw(","));
    }
    let mut out = Line::from(spans);
    if doc.is_match(line) {
        out = out.patch_style(th.json_match);
    }
    out
}

pub fn draw_json(f: &mut Frame, app: &App, j: &JsonView, area: Rect) {
    let th = theme::of(app);
    let doc = &j.doc;
    let height = area.height.saturating_sub(2) as usize;
    let off = j.scroll.offset_for(height);
    super::pointer_list(
        app,
        super::rows_below(area, 1, height),
        off,
        j.scroll.selected,
    );
    let mut lines = Vec::with_capacity(height);
    for (row, &line) in doc.visible.iter().enumerate().skip(off).take(height) {
        let mut l = json_line(th, doc, line);
        // A provider's epoch time, readable beside it (the copy keeps the number).
        if let Some(t) = doc.time_beside(line, app.clock(), None) {
            l.spans.push(Span::styled(format!("  {t}"), th.dim));
        }
        if row == j.scroll.selected {
            l = l.patch_style(th.selection);
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
    let block = Block::bordered().title(title).border_style(th.border);
    f.render_widget(Paragraph::new(super::shown(lines)).block(block), area);
}

fn compact(v: &serde_json::Value) -> String {
    v.to_string()
}

pub fn draw_diff(f: &mut Frame, app: &App, d: &DiffView, area: Rect) {
    let th = theme::of(app);
    // Where the wheel scrolls it (a click selects nothing in it).
    super::pointer_list(app, area, 0, d.scroll.selected);
    let r = &d.row;
    let mut lines = vec![
        Line::from(vec![
            Span::styled(
                format!(
                    "{} #{} ",
                    r.entity_type,
                    r.entity_id.map_or("?".into(), |e| e.to_string())
                ),
                th.section,
            ),
            Span::styled(r.action.clone(), th.strong),
            Span::raw(format!(
                "  {}",
                super::when(&r.odd, "created_at", || app
                    .clock()
                    .full(&r.created_at, None))
            )),
        ]),
        Line::from(Span::styled(
            format!(
                "by {} via {} · correlation {}",
                r.actor.as_deref().unwrap_or("?"),
                r.source.as_deref().unwrap_or("?"),
                r.correlation_id.as_deref().unwrap_or("—")
            ),
            th.dim,
        )),
        Line::from(""),
        Line::from(Span::styled(
            format!("Changes ({})", d.changes.len()),
            th.section,
        )),
    ];
    if d.changes.is_empty() {
        lines.push(Line::from(Span::styled("  no field changed", th.dim)));
    }
    for c in &d.changes {
        lines.push(match c {
            Change::Added { path, value } => Line::from(vec![
                Span::styled("  + ", th.ok_mark),
                Span::styled(path.clone(), th.json_key),
                Span::raw(": "),
                Span::styled(compact(value), th.ok),
            ]),
            Change::Removed { path, value } => Line::from(vec![
                Span::styled("  - ", th.failed_mark),
                Span::styled(path.clone(), th.json_key),
                Span::raw(": "),
                Span::styled(compact(value), th.failed),
            ]),
            Change::Changed {
                path,
                before,
                after,
            } => Line::from(vec![
                Span::styled("  ~ ", th.warning_mark),
                Span::styled(path.clone(), th.json_key),
                Span::raw(": "),
                Span::styled(compact(before), th.failed),
                Span::raw(" → "),
                Span::styled(compact(after), th.ok),
            ]),
        });
    }
    let height = area.height.saturating_sub(2) as usize;
    // Lines are counted, and only the ones on screen styled: a 5 MiB
    // document costs a screenful per frame, not its size.
    let docs = [("Before", &d.before), ("After", &d.after)];
    let total = lines.len()
        + docs
            .iter()
            .map(|(_, doc)| doc.visible.len() + 2)
            .sum::<usize>();
    let mut skip = d.scroll.selected.min(total.saturating_sub(1));
    let head = lines.len();
    let mut shown: Vec<Line> = lines.into_iter().skip(skip).take(height).collect();
    skip = skip.saturating_sub(head);
    for (label, doc) in docs {
        let block = 2 + doc.visible.len();
        if skip >= block {
            skip -= block;
            continue;
        }
        let heading = [Line::from(""), Line::from(Span::styled(label, th.section))];
        shown.extend(heading.into_iter().skip(skip));
        let from = skip.saturating_sub(2);
        skip = 0;
        let room = height.saturating_sub(shown.len());
        shown.extend(
            doc.visible
                .iter()
                .skip(from)
                .take(room)
                .map(|&l| json_line(th, doc, l)),
        );
    }
    shown.truncate(height);
    let block = Block::bordered()
        .title(" Audit change: before → after ")
        .border_style(th.border);
    f.render_widget(Paragraph::new(super::shown(shown)).block(block), area);
}
