//! The trace as a waterfall (`w`): a lane per lock and one for the broker's
//! steps, each provider call a bar from its request to its answer, so a slow
//! or missing step is seen. The layout is `crate::waterfall`'s; this only
//! draws it, laid out once per trace and size (`waterfall::Memo`: its
//! aggregates are lanes × cells, never the trace's length), with the
//! selected step marked on its lane and named above the lanes.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{cell, theme};
use crate::app::App;
use crate::waterfall::{BROKER_LANE, Glyph, Lane, Place, Waterfall, seconds};

/// The widest a lane's label grows (a Doordeck key is 45 characters; its
/// tail is what tells two apart, so a longer one keeps its tail).
const LABEL_MAX: usize = 46;

/// How the legend names each character.
const LEGEND: &str =
    "┣━ request → answer  ┃ one time only  ✗ failed  ╍ failed, waiting  ▒ 2–9 calls  ▓ 10+";

/// `selected` names the selected step (`trace::selected_line`, which knows
/// the timeline's times); it goes above the lanes.
pub fn draw(f: &mut Frame, app: &App, area: Rect, selected: Line<'static>) {
    let th = theme::of(app);
    let t = app.trace();
    if t.trace.is_none() {
        return;
    }
    let w = area.width as usize;
    // The legend, the selected step, the time axis, then the lanes.
    let max_lanes = (area.height as usize).saturating_sub(3).max(1);
    let label_w = t
        .widest_lock
        .clamp(BROKER_LANE.len() + 6, LABEL_MAX)
        .min(w / 3);
    let tail_w = 16;
    let cells = w.saturating_sub(label_w + 4 + tail_w).max(1);
    // Laid out once per trace and size: a frame draws lanes × cells.
    let Some(wf) = t.waterfall_layout(cells, max_lanes) else {
        return;
    };
    let log = t.selected_log_index();
    let place = match (log, &t.trace) {
        (Some(i), Some(trace)) => wf.place(&trace.logs, i),
        _ => None,
    };
    let mut lines = vec![legend(th, &wf, cells)];
    lines.push(selected);
    if log.is_some() && place.is_none() {
        lines.push(Line::from(Span::styled(
            "   the selected step has an odd time: it is in no lane",
            th.warning,
        )));
    }
    lines.push(axis(th, &wf, label_w, cells));
    for (i, lane) in wf.lanes.iter().enumerate() {
        let mark = place.filter(|p| p.lane == i);
        lines.push(lane_line(th, lane, label_w, mark));
    }
    if wf.lanes.is_empty() {
        lines.push(Line::from(Span::styled(
            "   no integration logs with a time for this correlation id",
            th.dim,
        )));
    }
    f.render_widget(Paragraph::new(super::shown(lines)), area);
}

fn legend(th: &theme::Theme, wf: &Waterfall, cells: usize) -> Line<'static> {
    let per_cell = i128::from(wf.span_ms) / i128::try_from(cells.max(1)).unwrap_or(1);
    let mut spans = vec![
        Span::styled(" Waterfall ", th.subsection),
        Span::styled(
            format!(
                " {} call{}, one cell ≈ {}  ",
                wf.calls,
                if wf.calls == 1 { "" } else { "s" },
                seconds(i64::try_from(per_cell).unwrap_or(i64::MAX)).trim_start_matches('+')
            ),
            th.dim,
        ),
        Span::styled(LEGEND, th.dim),
    ];
    if wf.untimed > 0 {
        spans.push(Span::styled(
            format!("  {} with an odd time left out", wf.untimed),
            th.warning,
        ));
    }
    Line::from(spans)
}

/// `lane  +0.000 s ……… +9.000 s`: the window's two ends over the cells.
fn axis(th: &theme::Theme, wf: &Waterfall, label_w: usize, cells: usize) -> Line<'static> {
    let left = seconds(0);
    let right = seconds(wf.span_ms);
    let room = cells.saturating_sub(left.len() + right.len());
    Line::from(Span::styled(
        format!(
            " {} │{left}{}{right}│",
            cell("lane", label_w),
            " ".repeat(room)
        ),
        th.column_heads,
    ))
}

fn style_of(th: &theme::Theme, g: Glyph) -> Style {
    match g {
        Glyph::Failed => th.failed_mark,
        Glyph::FailedBar => th.failed,
        Glyph::Empty => Style::new(),
        Glyph::Start | Glyph::Tick | Glyph::Bar | Glyph::Some | Glyph::Many => th.call,
    }
}

/// A lane's label (a long key keeps its tail), its cells in runs of one
/// style, and its counts; on the selected step's lane, a `▸` before the
/// label and the step's cells in the selection's style.
fn lane_line(th: &theme::Theme, lane: &Lane, label_w: usize, mark: Option<Place>) -> Line<'static> {
    let n = lane.key.chars().count();
    let label = if n > label_w {
        let tail: String = lane.key.chars().skip(n + 1 - label_w).collect();
        format!("…{tail}")
    } else {
        lane.key.clone()
    };
    let label_style = if lane.key == BROKER_LANE {
        th.broker
    } else {
        th.strong
    };
    let mut spans = vec![
        if mark.is_some() {
            Span::styled("▸", th.strong)
        } else {
            Span::raw(" ")
        },
        Span::styled(cell(&label, label_w), label_style),
        Span::styled(" │", th.dim),
    ];
    let mut run = String::new();
    let mut run_style = None;
    for (i, c) in lane.cells.iter().enumerate() {
        let g = c.glyph();
        let mut s = style_of(th, g);
        if mark.is_some_and(|m| (m.from..=m.to).contains(&i)) {
            s = s.patch(th.selection);
        }
        if run_style != Some(s) && !run.is_empty() {
            spans.push(Span::styled(
                std::mem::take(&mut run),
                run_style.unwrap_or_default(),
            ));
        }
        run_style = Some(s);
        run.push(g.char());
    }
    if !run.is_empty() {
        spans.push(Span::styled(run, run_style.unwrap_or_default()));
    }
    spans.push(Span::styled("│ ", th.dim));
    spans.push(Span::styled(format!("{}", lane.calls), th.dim));
    if lane.failed > 0 {
        spans.push(Span::styled(format!(" ✗{}", lane.failed), th.failed_mark));
    }
    Line::from(spans)
}
