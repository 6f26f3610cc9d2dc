//! The status bar: where the console is connected, its mode, where provider
//! calls go and which zone times are in, the warnings, and the pane tabs.
//! On a narrow terminal its parts give way in a fixed order (as k9s drops
//! its header's facts and lazygit numbers its panels), so that the mode,
//! the warnings and every pane's tab always show.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::{fit_parts, shown, theme, visible};
use crate::app::{App, Pane};

/// What the bar says in full, each part in the order it gives way. The
/// steps below go from the widest terminal to the narrowest; the first
/// whose line fits with at least `TARGET_LEAST` columns for the target is
/// drawn (the mode, the warnings and the tabs are in every step).
#[derive(Debug, Clone, Copy)]
struct Says {
    /// Every tab's name; else only the current pane's, the others by their
    /// number (which is also their key), as lazygit's `[1]`…`[5]`: the
    /// first to go, since nothing is lost but words the numbers stand for.
    tab_names: bool,
    /// "times in America/Winnipeg": the next, since every time on screen
    /// carries its zone's abbreviation.
    zone: bool,
    /// The " lockdesk " brand: it names nothing the engineer needs.
    brand: bool,
    /// "calls → HOST", and a slow load's whole sentence: the last to go,
    /// since where a change would be sent matters more than a name its
    /// number stands for (the spinner then says only "Esc cancels").
    calls: bool,
}

const STEPS: [Says; 5] = [
    says(true, true, true, true),
    says(false, true, true, true),
    says(false, false, true, true),
    says(false, false, false, true),
    says(false, false, false, false),
];

const fn says(tab_names: bool, zone: bool, brand: bool, calls: bool) -> Says {
    Says {
        tab_names,
        zone,
        brand,
        calls,
    }
}

/// The target's least width before the bar's other parts give way: enough
/// for the profile's name and the start of the database's.
const TARGET_LEAST: usize = 12;

/// Where the target's span is in `spans` (fitted once the rest is known).
const TARGET: usize = 2;

pub(super) fn status_bar(f: &mut Frame, app: &App, area: Rect) {
    let width = usize::from(area.width);
    let target = &app.session().target;
    let least = UnicodeWidthStr::width(visible(target).as_ref()).min(TARGET_LEAST);
    let width_of = |spans: &[Span]| spans.iter().map(Span::width).sum::<usize>();
    let mut chosen = spans(app, STEPS[0]);
    for says in STEPS.into_iter().skip(1) {
        if width_of(&chosen.0) + least <= width {
            break;
        }
        chosen = spans(app, says);
    }
    let (mut spans, first_tab) = chosen;
    // Where the console is connected is the one part that may be long (a
    // socket path, two servers with a standby): it gets what is left, so
    // that the mode, the warnings and the panes always show. On the very
    // narrowest it keeps at least the profile's first letters.
    let room = width.saturating_sub(width_of(&spans)).max(least.min(5));
    spans[TARGET] = Span::raw(fit_parts(target, room));
    pointer_tabs(app, &spans, first_tab, area);
    f.render_widget(Paragraph::new(shown([Line::from(spans)])), area);
}

/// The bar's spans saying `says`, the target's left empty, and the index of
/// the first tab.
fn spans(app: &App, says: Says) -> (Vec<Span<'static>>, usize) {
    let th = theme::of(app);
    let label = format!(" {} ", app.mode_label());
    let mode = if app.can_write() {
        Span::styled(label, th.mode_write)
    } else {
        Span::styled(label, th.mode_read)
    };
    // Where provider calls go and which zone times are in, in words.
    let mut words = Vec::new();
    if says.calls {
        words.push(match app.session().calls_to.as_str() {
            "none" => "no provider calls".to_string(),
            "local" => "calls → local simulator".to_string(),
            host => format!("calls → {host}"),
        });
    }
    if says.zone {
        words.push(format!("times in {}", app.clock().label()));
    }
    let words = if words.is_empty() {
        String::new()
    } else {
        format!(" {} ", words.join(" · "))
    };
    let brand = if says.brand {
        Span::styled(" lockdesk ", th.brand)
    } else {
        Span::raw("")
    };
    let mut spans = vec![
        brand,
        Span::raw(" "),
        // The target (`TARGET`), fitted once the rest of the line is known.
        Span::raw(""),
        Span::raw(" "),
        mode,
        Span::styled(words, th.dim),
    ];
    // Ages and "stuck" follow the database's clock; say when this machine's
    // is off by more than a few seconds.
    let skew = app.clock_skew().num_seconds();
    if skew.unsigned_abs() > 5 {
        let sign = if skew > 0 { "behind" } else { "ahead" };
        spans.push(Span::styled(
            format!(
                "this clock {} {sign} the database ",
                crate::timefmt::age(app.clock_skew().abs())
            ),
            th.warning,
        ));
    }
    // Reads from a standby: say when it receives nothing from the primary
    // (its lag reads 0 then), else when it is more than a second behind.
    if let Some(stopped) = app.standby_stopped() {
        spans.push(Span::styled(format!("{stopped} "), th.warning));
    } else if let Some(ms) = app.jobs().counts.standby_lag_ms.filter(|ms| *ms > 1_000) {
        spans.push(Span::styled(
            format!("standby {:.1} s behind ", ms as f64 / 1000.0),
            th.warning,
        ));
    }
    // A slow load comes before the tabs: what the console waits for and that
    // Esc cancels it are never cut (the tabs give way to it first).
    if let Some((what, waited)) = app.slow_load() {
        let text = if says.calls {
            spinner(what, waited)
        } else {
            format!(" {} Esc cancels ", frame_of(waited))
        };
        spans.push(Span::styled(text, th.warning));
    } else if app.in_flight() > 0 {
        spans.push(Span::styled(" ⟳ ", th.warning));
    }
    spans.push(Span::raw("│"));
    let first_tab = spans.len();
    for (i, p) in Pane::ALL.iter().enumerate() {
        let current = *p == app.pane();
        let label = if current || says.tab_names {
            format!(" {} {} ", i + 1, p.title())
        } else {
            format!(" {} ", i + 1)
        };
        spans.push(if current {
            Span::styled(label, th.tab_current)
        } else {
            Span::styled(label, th.dim)
        });
    }
    (spans, first_tab)
}

/// The spinner's character `waited` into a load.
fn frame_of(waited: chrono::Duration) -> char {
    const FRAMES: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
    let ms = waited.num_milliseconds().max(0);
    FRAMES[usize::try_from(ms / 100).unwrap_or(0) % FRAMES.len()]
}

/// ` ⠹ waiting for the trace 1.2 s · Esc cancels`: a load over 300 ms.
fn spinner(what: &str, waited: chrono::Duration) -> String {
    let ms = waited.num_milliseconds().max(0);
    format!(
        " {} waiting for {what} {:.1} s · Esc cancels ",
        frame_of(waited),
        ms as f64 / 1000.0
    )
}

/// Where each pane's tab is on the status bar, for a click (`app::mouse`):
/// the spans just laid out, so a tab's hit area is what is drawn, named or
/// numbered.
fn pointer_tabs(app: &App, spans: &[Span], first_tab: usize, area: Rect) {
    let mut x = usize::from(area.x) + spans.iter().take(first_tab).map(Span::width).sum::<usize>();
    for (i, s) in spans
        .iter()
        .skip(first_tab)
        .take(Pane::ALL.len())
        .enumerate()
    {
        let (from, to) = (x, x.saturating_add(s.width()));
        x = to;
        if let (Ok(from), Ok(to), Some(pane)) =
            (u16::try_from(from), u16::try_from(to), Pane::ALL.get(i))
        {
            app.pointer().tab(from, to.min(area.right()), area.y, *pane);
        }
    }
}
