//! The Lock logs pane's day strip: the last 24 hours of the lock, one cell
//! per hour (its worst outcome, a character each so NO_COLOR reads it), a
//! mark under each hour the broker changed a PIN, and the provider's own
//! record types counted beside it. Laid out by `crate::lockday` from the
//! rows the pane already holds: nothing more is read for it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{fit, theme};
use crate::app::App;
use crate::lockday::{HourOutcome, PIN_MARK, day};

/// The most logs the pane reads (`logs::of_lock`'s limit, "newest 500").
const LOGS_READ: usize = 500;

const LABEL: &str = " last 24 h ";

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let th = theme::of(app);
    let l = app.lock();
    if l.loading {
        return loading(f, th, area);
    }
    let d = day(
        &l.logs,
        l.logs.len() >= LOGS_READ,
        &l.trail.events,
        app.now(),
    );
    let mut strip = vec![Span::styled(LABEL, th.dim), Span::styled("│", th.dim)];
    for h in &d.hours {
        let style = match h.outcome {
            HourOutcome::Unread => th.warning,
            HourOutcome::Quiet => th.dim,
            HourOutcome::Ok => th.ok,
            HourOutcome::Failed => th.failed_mark,
        };
        strip.push(Span::styled(h.outcome.char().to_string(), style));
    }
    strip.push(Span::styled("│ now", th.dim));
    let t = &l.trail;
    match (&t.provider, t.loading, &t.error) {
        (None, _, _) => {}
        (Some(_), true, _) => strip.push(Span::styled("   records: loading…", th.dim)),
        (Some(_), false, Some(_)) => {
            strip.push(Span::styled("   records: unavailable", th.warning));
        }
        (Some(p), false, None) if d.kinds.is_empty() => {
            strip.push(Span::styled(format!("   no {p} records"), th.dim));
        }
        (Some(p), false, None) => {
            strip.push(Span::styled(format!("   {p}: "), th.provider));
            for (i, (kind, n)) in d.kinds.iter().enumerate() {
                if i > 0 {
                    strip.push(Span::styled(" · ", th.dim));
                }
                strip.push(Span::raw(format!("{kind} ")));
                strip.push(Span::styled(n.to_string(), th.strong));
            }
        }
    }
    let marks: String = d
        .hours
        .iter()
        .map(|h| if h.pin_changes > 0 { PIN_MARK } else { ' ' })
        .collect();
    let legend = Line::from(vec![
        Span::raw(" ".repeat(LABEL.len() + 1)),
        Span::styled(marks, th.strong),
        Span::styled(legend_text(), th.dim),
    ]);
    f.render_widget(
        Paragraph::new(super::shown(vec![Line::from(strip), legend])),
        area,
    );
}

/// What each character of the strip means.
fn legend_text() -> String {
    format!(
        "       {} activity  {} a failure  {} quiet  {} not read  {PIN_MARK} PIN change",
        HourOutcome::Ok.char(),
        HourOutcome::Failed.char(),
        HourOutcome::Quiet.char(),
        HourOutcome::Unread.char(),
    )
}

/// The strip's frame while the lock's logs are read: its label, its 24
/// hours' width with a note in them (no cell is made up) and its legend,
/// where the day will be, so nothing moves when the rows arrive.
fn loading(f: &mut Frame, th: &theme::Theme, area: Rect) {
    let hours = crate::lockday::HOURS;
    let note = format!("{:<hours$}", fit(" loading…", hours));
    let strip = Line::from(vec![
        Span::styled(LABEL, th.dim),
        Span::styled("│", th.dim),
        Span::styled(note, th.dim),
        Span::styled("│ now", th.dim),
    ]);
    let legend = Line::from(vec![
        Span::raw(" ".repeat(LABEL.len() + 1 + hours)),
        Span::styled(legend_text(), th.dim),
    ]);
    f.render_widget(Paragraph::new(super::shown(vec![strip, legend])), area);
}
