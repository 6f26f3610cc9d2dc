//! The Pulse: the last hour per minute as sparklines with their numbers
//! beside them (peak, the last full minute, a trend arrow: the shape and
//! the characters carry the meaning without colour), the queue's waiting,
//! the top error groups, the locks failing now, stuck and interrupted jobs
//! and any retry storm; and the queue header's one line of failed calls.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline};

use super::{fit, theme};
use crate::app::App;
use crate::pulse::{self, Series, Trend};
use crate::store::queries::Count;

/// Columns before a sparkline (its name).
const NAME_W: u16 = 14;

/// A series' last `width` minutes (the newest kept when the line is narrow).
fn tail(v: &[u64], width: u16) -> &[u64] {
    &v[v.len().saturating_sub(usize::from(width))..]
}

/// `peak 13 · now 12/min ↑`: the numbers beside a sparkline (`unit`
/// after the current value: a rate's `/min`, or nothing for a count).
fn numbers(v: &[u64], unit: &str) -> String {
    format!(
        " peak {:>4} · now {:>4}{unit:<4} {}",
        pulse::peak(v),
        pulse::current(v),
        Trend::of_minutes(v).arrow()
    )
}

/// The marks that tell a failed series from a successful one without
/// colour (the sections' headings name them).
const FAILED: char = '✗';
const SUCCEEDED: char = '✓';

/// One line: a name (after its `mark`, if any), the sparkline, its
/// numbers. Returns the next row.
#[allow(clippy::too_many_arguments)]
fn spark_line(
    f: &mut Frame,
    th: &theme::Theme,
    area: Rect,
    y: u16,
    mark: Option<char>,
    name: &str,
    v: &[u64],
    style: Style,
) -> u16 {
    if y >= area.bottom() {
        return y;
    }
    let unit = if name == "queued" { "" } else { "/min" };
    let nums = numbers(v, unit);
    let nums_w = u16::try_from(nums.chars().count()).unwrap_or(u16::MAX);
    let spark_w = area
        .width
        .saturating_sub(NAME_W + nums_w)
        .min(u16::try_from(pulse::MINUTES).unwrap_or(60));
    let name = match mark {
        None => format!(
            " {:<w$}",
            fit(name, usize::from(NAME_W) - 2),
            w = usize::from(NAME_W) - 1
        ),
        Some(m) => format!(
            "{m} {:<w$}",
            fit(name, usize::from(NAME_W) - 3),
            w = usize::from(NAME_W) - 2
        ),
    };
    f.render_widget(
        Paragraph::new(Span::styled(
            name,
            if mark.is_some() { style } else { Style::new() },
        )),
        Rect::new(area.x, y, NAME_W, 1),
    );
    // A minute with nothing is a baseline dot, not a blank, and a minute
    // with anything at least the lowest bar: the line's extent is seen
    // without colour.
    let spark = Sparkline::default()
        .data(pulse::levels(tail(v, spark_w)))
        .max(8)
        .style(style)
        .absent_value_symbol("·")
        .absent_value_style(th.dim);
    let at = Rect::new(area.x + NAME_W, y, spark_w, 1);
    f.render_widget(spark, at);
    let rest = Rect::new(at.right(), y, area.right().saturating_sub(at.right()), 1);
    f.render_widget(Paragraph::new(nums), rest);
    y + 1
}

fn heading(f: &mut Frame, area: Rect, y: u16, spans: Vec<Span<'static>>) -> u16 {
    if y >= area.bottom() {
        return y;
    }
    f.render_widget(
        Paragraph::new(super::shown([Line::from(spans)])),
        Rect::new(area.x, y, area.width, 1),
    );
    y + 1
}

fn text(f: &mut Frame, area: Rect, y: u16, line: Line<'static>) -> u16 {
    heading(f, area, y, line.spans)
}

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let th = theme::of(app);
    let p = app.pulse();
    let mut head = vec![
        Span::styled(" Pulse ", th.section),
        Span::styled("what is happening now · the last hour, per minute", th.dim),
    ];
    if let Some((Some(now), _)) = &p.rates {
        head.push(Span::styled(
            format!(", to {}", app.clock().short(now, None)),
            th.dim,
        ));
    }
    if p.loading {
        head.push(Span::styled("  loading…", th.dim));
    }
    head.extend(super::as_of(app, p.loaded_at));
    let mut y = heading(f, area, area.y, head);
    if let Some(e) = &p.error {
        y = heading(f, area, y, vec![Span::styled(format!(" {e}"), th.failed)]);
    }
    let Some((_, rates)) = &p.rates else {
        return;
    };
    let none = |f: &mut Frame, y| {
        heading(
            f,
            area,
            y,
            vec![Span::styled("  no provider call in the last hour", th.dim)],
        )
    };
    y = heading(
        f,
        area,
        y,
        vec![Span::styled(
            format!(" {FAILED} FAILED CALLS / MIN"),
            th.column_heads,
        )],
    );
    for s in &rates.providers {
        y = spark_line(f, th, area, y, Some(FAILED), &s.name, &s.failed, th.failed);
    }
    if rates.providers.is_empty() {
        y = none(f, y);
    }
    if let Some(j) = &rates.jobs {
        y = spark_line(
            f,
            th,
            area,
            y,
            Some(FAILED),
            "jobs failed",
            &j.failed,
            th.dead,
        );
    }
    y = heading(
        f,
        area,
        y,
        vec![Span::styled(
            format!(" {SUCCEEDED} SUCCESSFUL CALLS / MIN"),
            th.column_heads,
        )],
    );
    for s in &rates.providers {
        y = spark_line(f, th, area, y, Some(SUCCEEDED), &s.name, &s.ok, th.ok);
    }
    if let Some(Series { ok, .. }) = &rates.jobs {
        y = spark_line(f, th, area, y, Some(SUCCEEDED), "jobs done", ok, th.ok);
    }
    y = queue(f, app, area, y);
    y = groups(f, app, area, y);
    y = locks_failing(f, app, area, y);
    let _ = troubled(f, app, area, y);
}

/// The queue: the oldest queued job's wait, the queued count, and of the
/// jobs queued now how many were already waiting at each minute.
fn queue(f: &mut Frame, app: &App, area: Rect, y: u16) -> u16 {
    let th = theme::of(app);
    let p = app.pulse();
    let y = heading(f, area, y, vec![Span::styled(" QUEUE", th.column_heads)]);
    let Some(d) = &p.detail else {
        return y;
    };
    let queued = match app.jobs().counts.get("queued") {
        Count::Exact(n) | Count::AsOf(n) | Count::Estimate(n) => u64::try_from(n).unwrap_or(0),
        Count::Unknown => 0,
    };
    let now = p.rates.as_ref().and_then(|(n, _)| *n);
    let oldest = match (&d.queue.oldest, now) {
        (None, _) => "nothing is queued".to_string(),
        (Some((id, Some(at))), Some(now)) => format!(
            "the oldest queued job, #{id}, has waited {} (since {})",
            crate::timefmt::age(now - *at),
            app.clock().short(at, None)
        ),
        (Some((id, _)), _) => format!("the oldest queued job, #{id}, has an odd creation time"),
    };
    let waited_before_hour = d
        .queue
        .oldest
        .as_ref()
        .and_then(|(_, at)| Some(now? - (*at)?))
        .is_some_and(|w| w > chrono::Duration::hours(1));
    let trend = if waited_before_hour {
        " ↑ waiting since before the hour"
    } else {
        ""
    };
    let y = text(
        f,
        area,
        y,
        Line::from(vec![
            Span::raw(format!("  queued {queued} · ")),
            Span::styled(oldest, th.queued),
            Span::styled(trend.to_string(), th.warning),
        ]),
    );
    let waiting = pulse::waiting_over_hour(queued, &d.queue.created_last_hour);
    let y = spark_line(f, th, area, y, None, "queued", &waiting, th.queued);
    text(
        f,
        area,
        y,
        Line::from(Span::styled(
            "  (of the jobs queued now, how many were already waiting at each minute)",
            th.dim,
        )),
    )
}

/// The top error groups: count, trend arrow, and how many of their locks
/// the probes kept say are offline now.
fn groups(f: &mut Frame, app: &App, area: Rect, y: u16) -> u16 {
    let th = theme::of(app);
    let key = app.keys_for(crate::keys::Action::Open);
    let g = &app.jobs().groups;
    let mut y = heading(
        f,
        area,
        y,
        vec![
            Span::styled(" TOP ERROR GROUPS", th.column_heads),
            Span::styled(
                format!(
                    "  jobs, trend (last hour against the one before), cause, its locks offline now · {key} opens one"
                ),
                th.dim,
            ),
        ],
    );
    if g.loading && g.read.is_none() {
        return text(f, area, y, Line::from(Span::styled("  loading…", th.dim)));
    }
    if let Some(e) = g.error.as_ref().filter(|_| g.read.is_none()) {
        return text(
            f,
            area,
            y,
            Line::from(Span::styled(format!("  {e}"), th.failed)),
        );
    }
    let top = app.pulse_groups();
    if top.is_empty() {
        return text(
            f,
            area,
            y,
            Line::from(Span::styled(
                "  no failed, dead, stuck or interrupted job in 24 h",
                th.dim,
            )),
        );
    }
    let p = app.pulse();
    let w = usize::from(area.width);
    // One line a group, all of them (a handful), from here down.
    super::pointer_list(
        app,
        super::rows_below(area, usize::from(y.saturating_sub(area.y)), top.len()),
        0,
        p.scroll.selected,
    );
    for (i, grp) in top.iter().enumerate() {
        let states: Vec<Option<bool>> = grp.locks.iter().map(|l| p.offline(l)).collect();
        let (off, known, all) = pulse::offline_share(&states);
        let offline = match (known, all) {
            (_, 0) => "no lock".to_string(),
            (0, n) => format!(
                "{n} lock{}, offline unknown (no probe)",
                if n == 1 { "" } else { "s" }
            ),
            (k, n) if k == n => format!("{off} of {n} locks offline"),
            (k, n) => format!("{off} of {k} probed offline ({n} locks)"),
        };
        let trend = Trend::of_hours(&grp.per_hour);
        let storm = if g.storm_of(grp).is_some() {
            " STORM"
        } else {
            ""
        };
        let mark = if i == p.scroll.selected { "▶" } else { " " };
        // The numbers first, in fixed columns; the cause gives way.
        let tail = format!("  {offline}{storm}");
        let room = w.saturating_sub(tail.chars().count() + 13);
        let mut line = Line::from(vec![
            Span::raw(format!(" {mark} {:>6} {} ", grp.count, trend.arrow())),
            Span::styled(fit(&grp.fingerprint.to_string(), room), th.strong),
            Span::raw(tail),
        ]);
        if i == p.scroll.selected {
            for s in &mut line.spans {
                s.style = s.style.patch(th.selection);
            }
        }
        y = text(f, area, y, line);
    }
    y
}

/// The locks with failures in the last 10 minutes.
fn locks_failing(f: &mut Frame, app: &App, area: Rect, y: u16) -> u16 {
    let th = theme::of(app);
    let mut y = heading(
        f,
        area,
        y,
        vec![
            Span::styled(" LOCKS FAILING NOW", th.column_heads),
            Span::styled("  failed calls in the last 10 min", th.dim),
        ],
    );
    let Some(d) = &app.pulse().detail else {
        return y;
    };
    if d.locks_failing.is_empty() {
        return text(f, area, y, Line::from(Span::styled("  none", th.ok)));
    }
    let w = usize::from(area.width);
    for l in &d.locks_failing {
        let last = l.last.map_or("?".into(), |t| app.clock().short(&t, None));
        let head = format!(
            "  {:<22} {:<18} {:>4} failed, last {last}  ",
            fit(&l.lock_key, 22),
            fit(l.door_name.as_deref().unwrap_or("-"), 18),
            l.failures
        );
        let room = w.saturating_sub(head.chars().count());
        y = text(
            f,
            area,
            y,
            Line::from(vec![
                Span::styled(head, th.failed),
                Span::styled(fit(l.error.as_deref().unwrap_or(""), room), th.dim),
            ]),
        );
    }
    y
}

/// Stuck and interrupted jobs, and a retry storm.
fn troubled(f: &mut Frame, app: &App, area: Rect, y: u16) -> u16 {
    let th = theme::of(app);
    let j = app.jobs();
    let mut interrupted = 0usize;
    for g in j.groups.groups() {
        interrupted =
            interrupted.saturating_add(g.statuses.get("interrupted").copied().unwrap_or(0));
    }
    let running = match j.counts.get("running") {
        Count::Exact(n) | Count::AsOf(n) | Count::Estimate(n) => n.to_string(),
        Count::Unknown => "?".into(),
    };
    let mut spans = vec![
        Span::styled(" STUCK & INTERRUPTED ", th.column_heads),
        Span::raw(format!(" running {running} · ")),
        Span::styled(
            format!("stuck {}", j.counts.stuck),
            if j.counts.stuck > 0 { th.stuck } else { th.dim },
        ),
        Span::raw(" · "),
        Span::styled(
            format!("interrupted {interrupted} (24 h)"),
            if interrupted > 0 { th.warning } else { th.dim },
        ),
    ];
    if let Some(s) = j.groups.read.as_ref().and_then(|r| r.storms.first()) {
        spans.push(Span::styled(
            format!(
                "  RETRY STORM: {} jobs of {} failed within {} min",
                s.jobs,
                s.fingerprint,
                crate::groups::incident::STORM_MINUTES
            ),
            th.warning,
        ));
    } else {
        spans.push(Span::styled("  no retry storm", th.dim));
    }
    heading(f, area, y, spans)
}

/// The queue header's second line: failed provider calls per minute over
/// the last hour, from the Pulse's own read (`pulse::per_minute`).
pub fn header_line(f: &mut Frame, app: &App, area: Rect) {
    let th = theme::of(app);
    let Some(v) = app.pulse().failed_calls() else {
        // A failure is said in full on the Pulse; here, where to see it.
        let (text, style) = match &app.pulse().error {
            Some(_) => (
                format!(
                    " failed calls/min, last hour: could not be read ({} shows why)",
                    app.keys_for(crate::keys::Action::PanePulse)
                ),
                th.warning,
            ),
            None => (" failed calls/min, last hour: reading…".to_string(), th.dim),
        };
        f.render_widget(Paragraph::new(Span::styled(text, style)), area);
        return;
    };
    // Only failed calls: its label says so (a mark would move the line
    // every queue screen shows).
    spark_line(f, th, area, area.y, None, "failed/min", v, th.failed);
}
