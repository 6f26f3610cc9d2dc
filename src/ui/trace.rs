//! The correlation detail: the window and outcome, anomalies, and the seed
//! page's four sections in one scrollable list.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{cell, columns, fit, ok_span, theme, when};
use crate::app::{App, Selected, TraceItem};
use crate::store::traces::{LogColumns, LogRow, Trace};
use crate::timefmt::{age, span};
use crate::timeline::Outcome;
use chrono_tz::Tz;

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let th = theme::of(app);
    let t = &app.trace();
    let [head, body] = Layout::vertical([Constraint::Length(2), Constraint::Min(1)]).areas(area);
    let (Some(trace), Some(summary)) = (&t.trace, &t.summary) else {
        let text = if t.loading {
            format!(" Loading trace {}…", t.query.clone().unwrap_or_default())
        } else if let Some(e) = &t.error {
            format!(" {e}")
        } else {
            " No trace open: type :trace <correlation id or prefix>, or press Enter on a job."
                .into()
        };
        let style = if t.error.is_some() { th.failed } else { th.dim };
        // Wrapped: a failure's words must all be seen, whatever the width.
        f.render_widget(
            Paragraph::new(text)
                .style(style)
                .wrap(ratatui::widgets::Wrap { trim: false }),
            area,
        );
        return;
    };
    let c = &app.clock();
    let (zone, site_zones) = trace_zone(app, trace);
    let outcome_style = match summary.outcome {
        Outcome::Ok => th.ok_mark,
        Outcome::Failed => th.failed_mark,
        Outcome::InProgress => th.warning_mark,
        Outcome::Empty => th.dim,
    };
    let window = match (summary.first, summary.last) {
        (Some(a), Some(b)) => format!(
            "window {} → {} ({})",
            c.full(&a, zone),
            c.full(&b, zone),
            span(summary.duration().unwrap_or_default())
        ),
        _ => String::new(),
    };
    let head_lines = vec![
        Line::from(vec![
            Span::styled(" Trace ", th.section),
            Span::styled(trace.correlation_id.clone(), th.strong),
            Span::raw("  "),
            Span::styled(summary.outcome.label(), outcome_style),
            Span::raw("  "),
            Span::raw(window),
        ]),
        Line::from(
            vec![Span::styled(
                format!(
                    " {} audit · {} job{} · {} log{} ({} failed)",
                    trace.audit.len(),
                    trace.jobs.len(),
                    if trace.jobs.len() == 1 { "" } else { "s" },
                    trace.logs.len(),
                    if trace.logs.len() == 1 { "" } else { "s" },
                    t.failed_logs
                ),
                th.dim,
            )]
            .into_iter()
            .chain(c.site.then(|| {
                Span::styled(
                    format!(" · {}", c.timeline_label(zone, site_zones)),
                    th.warning,
                )
            }))
            .chain(super::as_of(app, t.loaded_at))
            .chain(search_span(app, &t.find))
            .collect::<Vec<_>>(),
        ),
    ];
    f.render_widget(Paragraph::new(super::shown(head_lines)), head);
    if t.waterfall {
        let selected = selected_line(app, trace, zone);
        super::waterfall::draw(f, app, body, selected);
        return;
    }

    let height = body.height as usize;
    let off = t.scroll.offset_for(height);
    super::pointer_list(
        app,
        super::rows_below(body, 0, height),
        off,
        t.scroll.selected,
    );
    let w = body.width as usize;
    let cols = timeline_widths(
        app,
        t.items
            .iter()
            .skip(off)
            .take(height)
            .filter_map(|item| match item {
                TraceItem::TimelineLog(i) => Some(*i),
                _ => None,
            }),
        w,
        zone,
    );
    let mut lines = Vec::with_capacity(height);
    for (i, item) in t.items.iter().enumerate().skip(off).take(height) {
        let mut line = item_line(app, item, w, cols);
        if app.search_marks(i) {
            line = line.patch_style(th.search_match);
        }
        if i == t.scroll.selected && item.selectable() {
            line = line.patch_style(th.selection);
        }
        lines.push(line);
    }
    f.render_widget(Paragraph::new(super::shown(lines)), body);
}

/// `  /U9 C6: match 2 of 12 in …`: what `/` found in a trace or user, and
/// what it looked through.
pub(super) fn search_span(app: &App, text: &str) -> Option<Span<'static>> {
    let count = app.search_count()?;
    let n = app.keys_for(crate::keys::Action::NextMatch);
    let keys = if n.is_empty() {
        String::new()
    } else {
        format!(
            " · {n}/{} next/previous",
            app.keys_for(crate::keys::Action::PrevMatch)
        )
    };
    Some(Span::styled(
        format!("  /{}: {count}{keys}", text.trim()),
        theme::of(app).warning,
    ))
}

/// The timeline's lock key column (an id: as wide as the widest on screen,
/// a Doordeck key is 45 characters) and its action column (text: it gives
/// way so that each line's job and log ids fit the pane).
#[derive(Clone, Copy)]
struct Timeline {
    key_w: usize,
    action_w: usize,
    /// The time, offset and gap columns, as wide as the widest on screen
    /// (a time with milliseconds is longer than one without).
    time_w: usize,
    offset_w: usize,
    gap_w: usize,
    /// The one zone of the whole timeline (`trace_zone`).
    zone: Option<Tz>,
}

/// The zone the whole trace is shown in, and how many site zones its doors
/// are in (`Clock::timeline_zone`); each door looked up once.
fn trace_zone(app: &App, trace: &crate::store::traces::Trace) -> (Option<Tz>, usize) {
    if !app.clock().site {
        return (None, 0);
    }
    let doors: std::collections::BTreeSet<i64> = (0..trace.logs.len())
        .filter_map(|i| trace.logs.door_id(i))
        .collect();
    app.clock()
        .timeline_zone(doors.into_iter().map(|d| app.site_zone(Some(d))))
}

fn timeline_widths(
    app: &App,
    logs: impl Iterator<Item = usize>,
    w: usize,
    zone: Option<Tz>,
) -> Timeline {
    let (mut key_w, mut time_w, mut ids_w, mut offset_w, mut gap_w) = (24, 0, 0, 0, 0);
    let Some(trace) = app.trace().trace.as_ref() else {
        return Timeline {
            key_w,
            action_w: 12,
            time_w,
            offset_w,
            gap_w,
            zone,
        };
    };
    for i in logs {
        let Some(l) = trace.logs.get(i) else { continue };
        key_w = key_w.max(columns::widest(l.lock_key.as_deref()));
        time_w = time_w.max(columns::widest([log_time(app, &l, zone).as_str()]));
        ids_w = ids_w.max(log_ids(&l).len());
        let (offset, gap) = step_texts(app, i);
        offset_w = offset_w.max(columns::widest([offset.as_str()]));
        gap_w = gap_w.max(columns::widest([gap.as_str()]));
    }
    // `   TIME  OFFSET GAP  KEY ACTION RESULT` and the ids after it. Ids are
    // never cut: on a narrow pane the gap, then the offset, give way first.
    let fixed = |offset_w: usize, gap_w: usize| {
        3 + time_w + 2 + offset_w + 1 + gap_w + 2 + key_w + 1 + 1 + "failed".len() + ids_w
    };
    if fixed(offset_w, gap_w) + 12 > w {
        gap_w = 0;
    }
    if fixed(offset_w, gap_w) + 12 > w {
        offset_w = 0;
    }
    let fixed = fixed(offset_w, gap_w);
    Timeline {
        key_w,
        action_w: w.saturating_sub(fixed).clamp(12, 26),
        time_w,
        offset_w,
        gap_w,
        zone,
    }
}
/// Log `i`'s offset from the trace's start (`+4.012 s`) and the gap since
/// the step before it (`Δ2.359 s`; `▲Δ…` when over a minute, so that it
/// reads without colour).
fn step_texts(app: &App, i: usize) -> (String, String) {
    let t = app.trace();
    let (Some(trace), Some(s)) = (&t.trace, &t.summary) else {
        return (String::new(), String::new());
    };
    let step = crate::waterfall::step(&trace.logs, i, s.first);
    let offset = step
        .offset_ms
        .map_or(String::new(), crate::waterfall::seconds);
    let gap = step.gap_ms.map_or(String::new(), |g| {
        let mark = if step.long_gap() { '▲' } else { ' ' };
        format!(
            "{mark}Δ{}",
            crate::waterfall::seconds(g).trim_start_matches('+')
        )
    });
    (offset, gap)
}

/// A log's time as the trace shows it (in the timeline's one zone).
fn log_time(app: &App, l: &LogRow, zone: Option<Tz>) -> String {
    when(&l.odd, "created_at", || {
        app.clock().full(&l.created_at, zone)
    })
}

/// `  job #72  log #1384`: a timeline line's ids.
fn log_ids(l: &LogRow) -> String {
    let job = l
        .reconcile_job_id
        .map_or(String::new(), |j| format!("  job #{j}"));
    format!("{job}  log #{}", l.id)
}

/// One item's line.
fn item_line(app: &App, item: &TraceItem, w: usize, cols: Timeline) -> Line<'static> {
    let th = theme::of(app);
    let (Some(t), Some(s)) = (&app.trace().trace, &app.trace().summary) else {
        return Line::from("");
    };
    let c = &app.clock();
    match item {
        TraceItem::Section(title) => Line::from(Span::styled(format!(" {title}"), th.subsection)),
        TraceItem::Anomaly(i) => Line::from(vec![
            Span::styled("  ⚠ ", th.warning_mark),
            Span::styled(s.anomalies[*i].clone(), th.warning),
        ]),
        TraceItem::Note(n) => Line::from(Span::styled(format!("   {n}"), th.dim)),
        TraceItem::Blank => Line::from(""),
        TraceItem::Audit(i) => {
            let a = &t.audit[*i];
            Line::from(vec![
                Span::raw(format!(
                    "   {}  ",
                    when(&a.odd, "created_at", || c.full(&a.created_at, cols.zone))
                )),
                Span::styled(
                    format!(
                        "{} #{}",
                        a.entity_type,
                        a.entity_id.map_or("?".into(), |e| e.to_string())
                    ),
                    th.strong,
                ),
                Span::raw(format!("  {}  ", a.action)),
                Span::styled(
                    format!(
                        "by {} via {}",
                        a.actor.as_deref().unwrap_or("?"),
                        a.source.as_deref().unwrap_or("?")
                    ),
                    th.dim,
                ),
                Span::styled("   Enter: before/after diff", th.dim),
            ])
        }
        TraceItem::Job(i) => {
            let j = &t.jobs[*i];
            let stuck = app.is_stuck(j);
            let time = format!(
                "   {}  ",
                when(&j.odd, "created_at", || c.full(&j.created_at, cols.zone))
            );
            let id = format!("job #{}", j.id);
            let kind = format!("  {}  user {}  ", j.job_type, j.user_id);
            let tail = format!(
                "  attempts {}  age {}",
                j.attempt_count,
                when(&j.odd, "created_at", || age(app.now() - j.created_at))
            );
            // The reason is text: it gives way so that the numbers after it
            // fit the pane.
            let fixed = columns::widest([time.as_str()])
                + id.len()
                + columns::widest([kind.as_str()])
                + 2
                + columns::widest([j.status.as_str()])
                + tail.len();
            let reason = fit(j.reason.as_deref().unwrap_or(""), w.saturating_sub(fixed));
            let mut spans = vec![
                Span::raw(time),
                Span::styled(id, th.strong),
                Span::raw(format!("{kind}{reason}  ")),
                Span::styled(j.status.to_string(), th.job_status(&j.status)),
                Span::raw(tail),
            ];
            if stuck {
                spans.push(Span::styled("  STUCK", th.stuck));
            }
            if let Some(e) = &j.last_error {
                spans.push(Span::styled(format!("  {e}"), th.failed));
            }
            Line::from(spans)
        }
        TraceItem::Provider(p) => Line::from(Span::styled(
            format!("   {}", s.groups[*p].provider),
            th.provider_heading,
        )),
        TraceItem::LockGroup(p, k) => {
            let g = &s.groups[*p].locks[*k];
            let mut spans = vec![Span::styled(format!("     {}", g.lock_key), th.strong)];
            if let Some(d) = &g.door_name {
                spans.push(Span::raw(format!("  door: {d}")));
            }
            spans.push(Span::raw("  "));
            if g.failed == 0 {
                spans.push(ok_span(th, true));
            } else {
                spans.push(Span::styled(format!("{} failed", g.failed), th.failed_mark));
            }
            spans.push(Span::styled(
                format!(
                    "  {} log{}",
                    g.logs.len(),
                    if g.logs.len() == 1 { "" } else { "s" }
                ),
                th.dim,
            ));
            Line::from(spans)
        }
        TraceItem::GroupLog(i) => {
            let Some(l) = t.logs.get(*i) else {
                return Line::from("");
            };
            let mut spans = vec![
                Span::raw(format!(
                    "       {} · {} · ",
                    when(&l.odd, "created_at", || c.full(&l.created_at, cols.zone)),
                    l.action
                )),
                super::log_span(th, &l),
            ];
            if let Some(e) = &l.error_message {
                spans.push(Span::styled(
                    format!(" · {}", fit(e, w.saturating_sub(70))),
                    th.failed,
                ));
            }
            Line::from(spans)
        }
        TraceItem::TimelineLog(i) => {
            let Some(l) = t.logs.get(*i) else {
                return Line::from("");
            };
            let (offset, gap) = step_texts(app, *i);
            let long = crate::waterfall::step(&t.logs, *i, s.first).long_gap();
            let mut spans = vec![
                Span::raw(format!(
                    "   {}  ",
                    cell(&log_time(app, &l, cols.zone), cols.time_w)
                )),
                Span::raw(if cols.offset_w == 0 {
                    String::new()
                } else {
                    format!("{offset:>0$} ", cols.offset_w)
                }),
                Span::styled(
                    if cols.gap_w == 0 {
                        String::new()
                    } else {
                        format!("{gap:>0$}  ", cols.gap_w)
                    },
                    if long { th.long_gap } else { th.dim },
                ),
                Span::styled(
                    cell(l.lock_key.as_deref().unwrap_or(""), cols.key_w),
                    th.dim,
                ),
                Span::raw(" "),
                Span::raw(cell(&l.action, cols.action_w)),
                Span::raw(" "),
                super::log_span(th, &l),
                Span::styled(log_ids(&l), th.dim),
            ];
            if let Some(e) = &l.error_message {
                spans.push(Span::styled(format!("  {e}"), th.failed));
            }
            Line::from(spans)
        }
    }
}

/// ` ▸ step 3 of 5  08:58:58.000 CST  +4.000 s  TTLOCK:28991110
/// PASSCODE_DELETE  ok  log #3`: in the waterfall, what Enter and `y` act
/// on, named, since the rows themselves are not shown (`w` goes back to
/// them).
fn selected_line(app: &App, trace: &Trace, zone: Option<Tz>) -> Line<'static> {
    let th = theme::of(app);
    let t = app.trace();
    let Some(i) = t.selected_log_index() else {
        // `]` or a search may select an audit row or a job: say which.
        let what = match t.selected() {
            Some(Selected::Audit(a)) => format!(
                "audit row: {} #{} {}",
                a.entity_type,
                a.entity_id.map_or("?".into(), |e| e.to_string()),
                a.action
            ),
            Some(Selected::Job(j)) => format!("job #{} {}", j.id, j.status),
            _ => "no step selected: j/k select one".into(),
        };
        return Line::from(vec![
            Span::styled(" ▸ ", th.strong),
            Span::styled(format!("selected {what}"), th.selection),
        ]);
    };
    let Some(l) = trace.logs.get(i) else {
        return Line::from("");
    };
    let (offset, _) = step_texts(app, i);
    Line::from(vec![
        Span::styled(" ▸ ", th.strong),
        Span::styled(
            format!(
                "step {} of {} ",
                crate::app::panes::search::thousands(i.saturating_add(1)),
                crate::app::panes::search::thousands(trace.logs.len())
            ),
            th.selection,
        ),
        Span::raw(format!(" {}  {offset}  ", log_time(app, &l, zone))),
        Span::styled(
            l.lock_key
                .as_deref()
                .unwrap_or(crate::waterfall::BROKER_LANE)
                .to_string(),
            th.strong,
        ),
        Span::raw(format!("  {}  ", l.action)),
        super::log_span(th, &l),
        Span::styled(log_ids(&l), th.dim),
    ])
}
