//! The `?` help (a list that scrolls and searches) and `:recent`'s picker.

use ratatui::Frame;
use ratatui::layout::{Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use crate::app::{App, HelpLine, HelpView, RecentView};
use crate::ui::{fit, pointer_list, popup, shown, theme};

pub fn draw_help(f: &mut Frame, app: &App, h: &HelpView, area: Rect) {
    let th = theme::of(app);
    let r = popup(area, 80, 90);
    f.render_widget(Clear, r);
    let inner_h = usize::from(r.height.saturating_sub(2));
    let width = usize::from(r.width.saturating_sub(2));
    let off = h.scroll.offset_for(inner_h);
    pointer_list(app, r.inner(Margin::new(1, 1)), off, h.scroll.selected);
    let mut lines = Vec::new();
    for (i, l) in h.lines.iter().enumerate().skip(off).take(inner_h) {
        let text = fit(&l.text(), width);
        let mut line = match l {
            HelpLine::Note(_) => Line::from(Span::styled(text, th.dim)),
            HelpLine::Section(_) => Line::from(Span::styled(text, th.section)),
            HelpLine::Blank => Line::from(""),
            HelpLine::Command(_) => Line::from(text),
            HelpLine::Key(keys, _) => {
                let k = format!("{keys:<19} ");
                let rest = text.get(k.len()..).unwrap_or_default().to_string();
                Line::from(vec![Span::styled(k, th.key), Span::raw(rest)])
            }
        };
        if h.matches(i) {
            line = line.style(th.json_match);
        }
        if i == h.scroll.selected {
            line = line.style(th.selection);
        }
        lines.push(line);
    }
    let title = format!(
        " Help · line {} of {} · / search · Esc/q close ",
        h.scroll.selected + 1,
        h.lines.len()
    );
    let block = Block::bordered().title(title).border_style(th.border);
    f.render_widget(Paragraph::new(shown(lines)).block(block), r);
}

pub fn draw_recent(f: &mut Frame, app: &App, rv: &RecentView, area: Rect) {
    let th = theme::of(app);
    let r = popup(area, 80, 70);
    f.render_widget(Clear, r);
    let inner_h = usize::from(r.height.saturating_sub(2));
    let width = usize::from(r.width.saturating_sub(2));
    let off = rv.scroll.offset_for(inner_h);
    pointer_list(app, r.inner(Margin::new(1, 1)), off, rv.scroll.selected);
    let mut lines = Vec::new();
    for (i, o) in rv.items.iter().enumerate().skip(off).take(inner_h) {
        use chrono::SubsecRound;
        let when = app.clock().full(&o.at.trunc_subsecs(0), None);
        let text = fit(
            &format!("{:<6} {:<40} opened {when}", o.kind.name(), o.id),
            width,
        );
        let mut line = Line::from(text);
        if i == rv.scroll.selected {
            line = line.style(th.selection);
        }
        lines.push(line);
    }
    let block = Block::bordered()
        .title(" Recent (this profile) · Enter opens · Esc closes ")
        .border_style(th.border);
    f.render_widget(Paragraph::new(shown(lines)).block(block), r);
}
