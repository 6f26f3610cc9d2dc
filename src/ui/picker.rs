//! The picker `:user <query>` opens when the query names several users:
//! name, email, site and status; Enter opens one, Esc closes.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::columns::{self, Col};
use super::pins::words;
use super::{cell, fit, pad, theme};
use crate::app::{App, UserPicker};

/// `:user <query>` named several users: name, email, site and status.
pub fn draw(f: &mut Frame, app: &App, p: &UserPicker, area: Rect) {
    let th = theme::of(app);
    let rows = p.rows();
    let hits = p.hits();
    let o = |s: &Option<String>| s.clone().unwrap_or_else(|| "—".into());
    let cells: Vec<[String; 5]> = rows
        .iter()
        .map(|m| {
            [
                format!("#{}", m.id),
                o(&m.name),
                o(&m.email),
                o(&m.site),
                o(&m.status),
            ]
        })
        .collect();
    let cols = [
        Col::Whole(4),
        Col::Text {
            width: 24,
            least: 6,
        },
        Col::Text {
            width: 32,
            least: 6,
        },
        Col::Text {
            width: 20,
            least: 4,
        },
        Col::Whole(8),
    ];
    let mut widest = [0; 5];
    for (i, w) in widest.iter_mut().enumerate() {
        *w = columns::widest(cells.iter().map(|c| c[i].as_str()));
    }
    let inner = (area.width as usize).saturating_sub(4);
    let cw = columns::widths(cols, widest, inner);
    let mut lines = Vec::new();
    lines.push(Line::from(Span::styled(fit(&p.found.how, inner), th.dim)));
    if let Some(c) = app.search_count().filter(|_| !p.find.is_empty()) {
        let line = format!("/{}: {c}", p.find.trim());
        lines.push(Line::from(Span::styled(fit(&line, inner), th.warning)));
    }
    if let Some(n) = &p.found.note {
        for l in words(n, inner.max(20)) {
            lines.push(Line::from(Span::styled(l, th.warning)));
        }
    }
    let mut head = String::new();
    for (t, n) in ["USER", "NAME", "EMAIL", "SITE", "STATUS"].iter().zip(cw) {
        head.push_str(&cell(t, n));
        head.push(' ');
    }
    lines.push(Line::from(Span::styled(
        head.trim_end().to_string(),
        th.column_heads,
    )));
    let top = lines.len();
    let height = (area.height as usize).saturating_sub(2 + top);
    let off = p.scroll.offset_for(height);
    // Inside the border, below the lines above the rows.
    super::pointer_list(
        app,
        super::rows_below(area.inner(ratatui::layout::Margin::new(1, 1)), top, height),
        off,
        p.scroll.selected,
    );
    for (i, c) in cells.iter().enumerate().skip(off).take(height) {
        let mut l = Line::from(vec![
            Span::styled(format!("{} ", pad(&c[0], cw[0])), th.strong),
            Span::raw(format!("{} ", cell(&c[1], cw[1]))),
            Span::raw(format!("{} ", cell(&c[2], cw[2]))),
            Span::styled(format!("{} ", cell(&c[3], cw[3])), th.dim),
            Span::styled(
                c[4].clone(),
                if c[4] == "active" {
                    th.ok
                } else {
                    th.cancelled
                },
            ),
        ]);
        if hits.contains(&i) {
            l = l.patch_style(th.search_match);
        }
        if i == p.scroll.selected {
            l = l.patch_style(th.selection);
        }
        lines.push(l);
    }
    let more = if p.found.matches.len() > rows.len() {
        format!(" · more than {}: type more of it", rows.len())
    } else {
        String::new()
    };
    let title = format!(
        " `{}`: {} users{more} · Enter opens one, Esc closes ",
        p.query,
        rows.len()
    );
    let block = Block::bordered().title(title).border_style(th.border);
    f.render_widget(Paragraph::new(super::shown(lines)).block(block), area);
}
