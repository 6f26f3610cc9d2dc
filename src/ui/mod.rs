//! Drawing: one function per pane and popup. Draw code reads the app state
//! and paints; it never waits on anything (the only state it touches is the
//! scroll offset cell that keeps the selection on screen).

mod audit;
mod bar;
mod columns;
mod dialog;
mod groups;
mod help;
mod jobs;
mod json;
mod lock;
mod lockday;
mod picker;
mod pins;
mod pulse;
pub mod theme;
pub mod theme_file;
mod trace;
mod user;
mod waterfall;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::app::{App, Level, Overlay, Pane, PromptKind};
use crate::store::traces::{Oddity, odd_text};
use theme::Theme;

/// A log row's result: `ok`, `failed`, or `sent` for an intent (a change
/// about to be sent; its outcome row follows).
pub fn log_span(th: &Theme, l: &crate::store::traces::LogRow) -> Span<'static> {
    if crate::intents::is_intent(l) {
        Span::styled("sent", th.warning)
    } else {
        ok_span(th, l.ok)
    }
}

pub fn ok_span(th: &Theme, ok: bool) -> Span<'static> {
    if ok {
        Span::styled("ok", th.ok)
    } else {
        Span::styled("failed", th.failed_mark)
    }
}

/// Characters that would reorder or hide text on a terminal: bidi controls
/// and zero-width ones. They are shown escaped, never obeyed.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}' | '\u{061C}' | '\u{FEFF}' | '\u{00AD}')
}

/// `s` as it can be shown safely: control characters (which ratatui drops
/// silently), bidi overrides and zero-width characters written out as
/// `\u{202E}`, so that an odd name is seen as odd.
pub fn visible(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(|c| c.is_control() || is_invisible(c)) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() || is_invisible(c) => {
                out.push_str(&format!("\\u{{{:04X}}}", c as u32));
            }
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Lines with every span made visible: a control, bidi or zero-width
/// character from a row is shown escaped (`\u{0007}`) wherever a pane
/// formats row text itself, since ratatui would drop a control character
/// silently. Text already made visible passes unchanged.
pub fn shown<'a>(lines: impl IntoIterator<Item = Line<'a>>) -> Vec<Line<'a>> {
    lines
        .into_iter()
        .map(|mut l| {
            for span in &mut l.spans {
                if let std::borrow::Cow::Owned(v) = visible(&span.content) {
                    span.content = std::borrow::Cow::Owned(v);
                }
            }
            l
        })
        .collect()
}

/// Cuts `s` to `width` terminal columns (wide characters count two),
/// marking the cut with `…`.
pub fn fit(s: &str, width: usize) -> String {
    let s = visible(s);
    if UnicodeWidthStr::width(s.as_ref()) <= width {
        return s.into_owned();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// Fits a ` · `-separated label (`demo · writes HOST/DB · reads HOST/DB`)
/// into `width` columns by cutting the middle of its longest parts, so each
/// part keeps its first word (`writes`, `reads`), its start and its end (a
/// host and its database).
pub fn fit_parts(s: &str, width: usize) -> String {
    const SEP: &str = " · ";
    let text = visible(s);
    // (kept word with its space, the rest as characters)
    let parts: Vec<(&str, Vec<char>)> = text
        .split(SEP)
        .map(|p| match p.find(' ') {
            Some(i) if i < 8 => (&p[..=i], p[i + 1..].chars().collect()),
            _ => ("", p.chars().collect()),
        })
        .collect();
    let fixed: usize = parts.iter().map(|(w, _)| w.len()).sum::<usize>()
        + UnicodeWidthStr::width(SEP).saturating_mul(parts.len().saturating_sub(1));
    let mut widths: Vec<usize> = parts.iter().map(|(_, r)| r.len()).collect();
    // Shorten the longest part one column at a time, down to 9 columns each.
    while fixed + widths.iter().sum::<usize>() > width {
        let Some((i, w)) = widths.iter().copied().enumerate().max_by_key(|(_, w)| *w) else {
            break;
        };
        if w <= 9 {
            break;
        }
        widths[i] = w - 1;
    }
    let cut: Vec<String> = parts
        .iter()
        .zip(&widths)
        .map(|((word, rest), &w)| {
            let mut out = word.to_string();
            if rest.len() <= w {
                out.extend(rest);
                return out;
            }
            let head = (w - 1) / 2;
            out.extend(&rest[..head]);
            out.push('…');
            out.extend(&rest[rest.len() - (w - 1 - head)..]);
            out
        })
        .collect();
    let joined = cut.join(SEP);
    if UnicodeWidthStr::width(joined.as_str()) <= width {
        return joined;
    }
    // Still too wide with every part at its least: the parts that fit,
    // each leaving room to say that more follows (` · …`), are kept as cut;
    // the first that does not is cut at its end from its whole text (one
    // `…`, never a middle cut cut again: "lock……"), and the rest go.
    let mut out = String::new();
    for (i, part) in cut.iter().enumerate() {
        let sep = if i == 0 { "" } else { SEP };
        let used = UnicodeWidthStr::width(out.as_str()) + UnicodeWidthStr::width(sep);
        let more = if i + 1 < cut.len() {
            UnicodeWidthStr::width(SEP) + 1
        } else {
            0
        };
        if used + UnicodeWidthStr::width(part.as_str()) + more <= width {
            out.push_str(sep);
            out.push_str(part);
            continue;
        }
        if used < width {
            let (word, rest) = &parts[i];
            let whole: String = word.chars().chain(rest.iter().copied()).collect();
            out.push_str(sep);
            out.push_str(&fit(&whole, width - used));
        }
        break;
    }
    out
}

/// `s` broken into lines of at most `width` columns (by display width), for
/// messages that must be read whole.
pub fn wrapped(s: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = vec![String::new()];
    let mut used = 0;
    for c in visible(s).chars() {
        let w = UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > width {
            out.push(String::new());
            used = 0;
        }
        used += w;
        if let Some(line) = out.last_mut() {
            line.push(c);
        }
    }
    out
}

/// An identifier in a column: padded to `width` like `cell`, but never cut
/// (a longer one pushes the rest of the line right instead).
pub fn pad(s: &str, width: usize) -> String {
    let w = UnicodeWidthStr::width(s);
    let mut out = s.to_string();
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(w)));
    out
}

/// Pads or cuts to exactly `width` terminal columns.
pub fn cell(s: &str, width: usize) -> String {
    let mut out = fit(s, width);
    let w = UnicodeWidthStr::width(out.as_str());
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(w)));
    out
}

/// The last guard: a bidi or zero-width character that reached the screen
/// some other way is replaced, so that no line is ever reordered.
fn defuse(buf: &mut ratatui::buffer::Buffer) {
    for cell in &mut buf.content {
        if cell.symbol().chars().any(is_invisible) {
            cell.set_symbol("⍰");
        }
    }
}

/// A row's time as the clock shows it, or as Postgres wrote it (`infinity`)
/// when the row's value for that column is odd.
pub fn when(odd: &[Oddity], column: &str, shown: impl FnOnce() -> String) -> String {
    match odd_text(odd, column) {
        Some(t) => format!("{} (odd)", visible(t)),
        None => shown(),
    }
}

pub fn draw(f: &mut Frame, app: &App) {
    app.pointer().clear();
    draw_panes(f, app);
    defuse(f.buffer_mut());
}

fn draw_panes(f: &mut Frame, app: &App) {
    let th = theme::of(app);
    let area = f.area();
    let banner = app.db_lost().is_some() as u16;
    // A message has its own line above the hints, never over them.
    let flash = app.popups().message().is_some() as u16;
    let [top, banner_area, main, flash, bottom] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(banner),
        Constraint::Min(1),
        Constraint::Length(flash),
        Constraint::Length(1),
    ])
    .areas(area);
    bar::status_bar(f, app, top);
    if let Some(e) = &app.db_lost() {
        let text = format!(
            " Database connection lost — showing what was loaded; reconnecting by itself. ({e})"
        );
        f.render_widget(
            Paragraph::new(fit(&text, area.width as usize)).style(th.banner),
            banner_area,
        );
    }
    match app.pane() {
        Pane::Jobs => jobs::draw(f, app, main),
        Pane::Audit => audit::draw(f, app, main),
        Pane::Locks => lock::draw(f, app, main),
        Pane::User => user::draw(f, app, main),
        Pane::Trace => trace::draw(f, app, main),
        Pane::Pulse => pulse::draw(f, app, main),
    }
    if let Some(o) = app.popups().overlay() {
        let r = popup(main, 94, 92);
        f.render_widget(Clear, r);
        match o {
            Overlay::Json(j) => json::draw_json(f, app, j, r),
            Overlay::Diff(d) => json::draw_diff(f, app, d, r),
            Overlay::Picker(p) => picker::draw(f, app, p, r),
        }
    }
    if let Some(d) = &app.popups().dialog() {
        dialog::draw(f, app, d, main);
    }
    if let Some(r) = app.popups().recent() {
        help::draw_recent(f, app, r, main);
    }
    if let Some(h) = app.popups().help() {
        help::draw_help(f, app, h, main);
    }
    flash_line(f, app, flash);
    bottom_line(f, app, bottom);
}

/// A list just drawn: its rows fill `rows` (as many as its height), the
/// first being row `offset`. A popup records its list even when it shows
/// none, so that a click never lands on the pane's list behind it.
pub(crate) fn pointer_list(app: &App, rows: Rect, offset: usize, selected: usize) {
    app.pointer().list(crate::app::mouse::ListArea {
        left: rows.x,
        width: rows.width,
        top: rows.y,
        height: rows.height,
        offset,
        selected,
    });
}

/// A list drawn in `area` whose screen lines show `lines` (the row on each,
/// or none), for a list with headings between its rows (the User pane).
pub(crate) fn pointer_lines(app: &App, area: Rect, lines: Vec<Option<usize>>, selected: usize) {
    app.pointer().list_lines(
        crate::app::mouse::ListArea {
            left: area.x,
            width: area.width,
            top: area.y,
            height: area.height,
            offset: 0,
            selected,
        },
        lines,
    );
}

/// The rows of a list drawn in `area` below `above` lines, at most `height`.
pub(crate) fn rows_below(area: Rect, above: usize, height: usize) -> Rect {
    let above = u16::try_from(above).unwrap_or(u16::MAX).min(area.height);
    let height = u16::try_from(height)
        .unwrap_or(u16::MAX)
        .min(area.height - above);
    Rect {
        y: area.y.saturating_add(above),
        height,
        ..area
    }
}

/// `  as of 14:02:11 CST · C-r reloads`: how old a pane's data is, for the
/// panes that do not poll (the queue refreshes itself every 2 s).
pub(crate) fn as_of(app: &App, at: Option<chrono::DateTime<chrono::Utc>>) -> Option<Span<'static>> {
    use chrono::SubsecRound;
    let at = at?.trunc_subsecs(0);
    // The pane's own key, also while a popup is over it.
    let keys = app.keymap().keys_for(
        &[crate::keys::Context::List, crate::keys::Context::Global],
        crate::keys::Action::Refresh,
    );
    let th = theme::of(app);
    let key = keys.first().map(|k| k.label()).unwrap_or_default();
    let key = key.trim_start_matches('<').trim_end_matches('>');
    let reload = if key.is_empty() {
        String::new()
    } else {
        format!(" · {key} reloads")
    };
    Some(Span::styled(
        format!("  as of {}{reload}", app.clock().time_of_day(&at, None)),
        th.dim,
    ))
}

fn bottom_line(f: &mut Frame, app: &App, area: Rect) {
    let th = theme::of(app);
    if let Some(p) = &app.popups().prompt() {
        let lead = match p.kind {
            PromptKind::Command => ":",
            PromptKind::Filter => "/",
            PromptKind::Search => "search: ",
            PromptKind::Reason => "why are you writing? (recorded with every change) ",
        };
        let mut spans = vec![Span::styled(lead, th.warning_mark)];
        spans.extend(prompt_spans(app, &p.text));
        // What the text matched, and in what (`12 of the 1,000 loaded jobs`).
        if let Some(count) = app.search_count().filter(|_| p.kind == PromptKind::Filter) {
            spans.push(Span::styled(format!("  {count}"), th.dim));
        }
        let line = Line::from(spans);
        f.render_widget(Paragraph::new(line), area);
        return;
    }
    let mut spans = Vec::new();
    for (k, label) in app.hints() {
        spans.push(Span::styled(format!(" {k} "), th.key_hint));
        spans.push(Span::raw(format!(" {label}  ")));
    }
    if let Some(d) = &app.session().drift_disabled {
        spans.push(Span::styled(fit(d, 60), th.dim));
    }
    f.render_widget(Paragraph::new(shown([Line::from(spans)])), area);
}

/// The status message (a flash: an info goes after a few seconds).
fn flash_line(f: &mut Frame, app: &App, area: Rect) {
    let th = theme::of(app);
    if let Some((level, text)) = &app.popups().message() {
        let style = match level {
            Level::Info => th.info,
            Level::Warn => th.warning,
            Level::Error => th.failed_mark,
        };
        f.render_widget(
            Paragraph::new(fit(text, area.width as usize)).style(style),
            area,
        );
    }
}

/// The prompt's text with its cursor, and on the `:` line what Tab would
/// add (dim), or the history search under way.
fn prompt_spans(app: &App, text: &str) -> Vec<Span<'static>> {
    let th = theme::of(app);
    let line = app.popups().line();
    if let Some(s) = &line.search {
        let found = s
            .found
            .and_then(|i| app.history().commands.get(i))
            .cloned()
            .unwrap_or_default();
        return vec![
            Span::styled(format!("(history search) `{}`: ", s.query), th.dim),
            Span::raw(found),
            Span::styled("█", th.warning),
        ];
    }
    let at = crate::app::cursor_at(text, line.back);
    let (head, tail) = text.split_at(at);
    let mut spans = vec![Span::raw(head.to_string())];
    let mut rest = tail.chars();
    match rest.next() {
        Some(c) => {
            spans.push(Span::styled(c.to_string(), th.selection));
            spans.push(Span::raw(rest.as_str().to_string()));
        }
        None => spans.push(Span::styled("█", th.warning)),
    }
    if let Some((more, others)) = app.suggestion() {
        spans.push(Span::styled(more, th.dim));
        if !others.is_empty() {
            let shown: Vec<&str> = others.iter().take(6).map(String::as_str).collect();
            let etc = if others.len() > 6 { " …" } else { "" };
            spans.push(Span::styled(
                format!("   Tab: {}{etc}", shown.join(" · ")),
                th.dim,
            ));
        }
    }
    spans
}

/// A centred rectangle of `pw`% × `ph`% of `area`.
pub fn popup(area: Rect, pw: u16, ph: u16) -> Rect {
    // In u32: a 1000-column terminal times 94 does not fit a u16.
    let part = |len: u16, pct: u16| {
        u16::try_from(u32::from(len) * u32::from(pct.min(100)) / 100).unwrap_or(len)
    };
    let w = part(area.width, pw);
    let h = part(area.height, ph);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

#[cfg(test)]
mod tests;
