//! The queue's error groups: one line per cause (count, first and last
//! seen, locks, sites, statuses, the cause and its documented meaning), and
//! the selected group's detail (per-hour counts as numbers, its locks and
//! sites, a sample job, its storm).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::columns::{self, Col};
use super::{cell, fit, theme};
use crate::app::App;
use crate::groups::incident::{Group, STORM_MINUTES};

/// COUNT, FIRST SEEN, LAST SEEN, LOCKS and SITES grow to their widest value;
/// STATUSES gives way; the cause takes what is left.
const COLS: [Col; 6] = [
    Col::Whole(5),
    Col::Whole(10),
    Col::Whole(10),
    Col::Whole(5),
    Col::Whole(5),
    Col::Text {
        width: 24,
        least: 10,
    },
];

struct GroupCells {
    count: String,
    first: String,
    last: String,
    locks: String,
    sites: String,
    statuses: String,
}

fn seen(app: &App, t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map_or_else(|| "?".into(), |t| app.clock().short(&t, None))
}

fn statuses(g: &Group) -> String {
    g.statuses
        .iter()
        .map(|(k, v)| format!("{v} {k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The cause as one line: fingerprint, then the documented meaning.
pub fn cause(g: &Group) -> String {
    match g.meaning {
        Some(m) => format!("{}  ({m})", g.fingerprint),
        None => g.fingerprint.to_string(),
    }
}

fn cells(app: &App, g: &Group) -> GroupCells {
    GroupCells {
        count: g.count.to_string(),
        first: seen(app, g.first_seen),
        last: seen(app, g.last_seen),
        locks: g.locks.len().to_string(),
        sites: g.sites.len().to_string(),
        statuses: statuses(g),
    }
}

/// The header's words for the groups read.
pub fn summary(app: &App) -> String {
    let g = &app.jobs().groups;
    match &g.read {
        None => String::new(),
        Some(r) => format!(
            "{} troubled job{} in {} group{} over the last 24 h{}",
            r.jobs,
            if r.jobs == 1 { "" } else { "s" },
            r.groups.len(),
            if r.groups.len() == 1 { "" } else { "s" },
            if r.capped {
                format!(
                    " (the cap of {} was reached: older jobs are left out)",
                    crate::store::groups::CAP
                )
            } else {
                String::new()
            }
        ),
    }
}

pub fn rows(f: &mut Frame, app: &App, area: Rect) {
    let th = theme::of(app);
    let gs = &app.jobs().groups;
    let groups = gs.groups();
    let visible = gs.visible();
    let height = area.height.saturating_sub(1) as usize;
    let off = gs.scroll.offset_for(height);
    let w = area.width as usize;
    let shown: Vec<GroupCells> = visible
        .iter()
        .skip(off)
        .take(height)
        .map(|&i| cells(app, &groups[i]))
        .collect();
    let widest = [
        columns::widest(shown.iter().map(|c| c.count.as_str())),
        columns::widest(shown.iter().map(|c| c.first.as_str())),
        columns::widest(shown.iter().map(|c| c.last.as_str())),
        columns::widest(shown.iter().map(|c| c.locks.as_str())),
        columns::widest(shown.iter().map(|c| c.sites.as_str())),
        0,
    ];
    let widths = columns::widths(COLS, widest, w);
    let cause_w = w.saturating_sub(widths.iter().sum::<usize>() + widths.len());
    let titles = [
        "COUNT",
        "FIRST SEEN",
        "LAST SEEN",
        "LOCKS",
        "SITES",
        "STATUSES",
        "CAUSE (meaning)",
    ];
    let mut head = String::new();
    for (t, cw) in titles
        .iter()
        .zip(widths.iter().chain(std::iter::once(&cause_w)))
    {
        head.push_str(&cell(t, *cw));
        head.push(' ');
    }
    let mut lines = vec![Line::from(Span::styled(
        fit(head.trim_end(), w),
        th.column_heads,
    ))];
    if let Some(e) = &gs.error {
        for l in super::wrapped(&format!("  {e}"), w) {
            lines.push(Line::from(Span::styled(l, th.failed)));
        }
    } else if gs.loading && gs.read.is_none() {
        lines.push(Line::from(Span::styled(
            "  reading the troubled jobs of the last 24 h…",
            th.dim,
        )));
    } else if visible.is_empty() && !gs.loading {
        lines.push(Line::from(Span::styled(
            if gs.text.is_empty() {
                "  no failed, dead, stuck or interrupted job in the last 24 h".to_string()
            } else {
                format!("  no group matches /{} (Esc clears the filter)", gs.text)
            },
            th.dim,
        )));
    }
    // The rows follow the heads (and an error's lines, if any).
    super::pointer_list(
        app,
        super::rows_below(area, lines.len(), shown.len()),
        off,
        gs.scroll.selected,
    );
    for ((row, &i), c) in visible.iter().enumerate().skip(off).zip(&shown) {
        let g = &groups[i];
        let storm = gs.storm_of(g).is_some();
        let mut cause_text = cause(g);
        if storm {
            cause_text = format!("RETRY STORM · {cause_text}");
        }
        let mut spans = vec![
            Span::styled(cell(&c.count, widths[0]), th.strong),
            Span::raw(" "),
            Span::raw(cell(&c.first, widths[1])),
            Span::raw(" "),
            Span::raw(cell(&c.last, widths[2])),
            Span::raw(" "),
            Span::raw(cell(&c.locks, widths[3])),
            Span::raw(" "),
            Span::raw(cell(&c.sites, widths[4])),
            Span::raw(" "),
            Span::styled(cell(&c.statuses, widths[5]), th.dim),
            Span::raw(" "),
            Span::styled(
                fit(&cause_text, cause_w),
                if storm { th.warning } else { th.failed },
            ),
        ];
        if row == gs.scroll.selected {
            for s in &mut spans {
                s.style = s.style.patch(th.selection);
            }
        }
        lines.push(Line::from(spans));
    }
    f.render_widget(Paragraph::new(super::shown(lines)), area);
}

pub fn detail(f: &mut Frame, app: &App, area: Rect) {
    let th = theme::of(app);
    let block = Block::bordered().title(" Group ").border_style(th.dim);
    let Some(g) = app.jobs().groups.selected_group() else {
        f.render_widget(Paragraph::new("").block(block), area);
        return;
    };
    let w = area.width.saturating_sub(2) as usize;
    let list = |label: &str, items: Vec<String>| -> String {
        if items.is_empty() {
            return format!("{label} —");
        }
        format!("{label} {}", items.join(" "))
    };
    let mut lines = vec![
        Line::from(Span::styled(fit(&cause(g), w), th.section)),
        Line::from(format!(
            "{} jobs: {}   first {}   last {}   e.g. job #{}",
            g.count,
            statuses(g),
            seen(app, g.first_seen),
            seen(app, g.last_seen),
            g.sample_job_id
        )),
        Line::from(fit(
            &format!(
                "per hour, oldest first: {}",
                g.per_hour
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            w,
        )),
        Line::from(fit(&list("locks", g.locks.clone()), w)),
        Line::from(fit(
            &format!(
                "{} · {}",
                list("sites", g.sites.iter().map(i64::to_string).collect()),
                offline_words(g)
            ),
            w,
        )),
    ];
    if let Some(s) = app.jobs().groups.storm_of(g) {
        lines.push(Line::from(Span::styled(
            fit(
                &format!(
                    "RETRY STORM: {} jobs failed within {STORM_MINUTES} min ({} – {})",
                    s.jobs,
                    app.clock().short(&s.from, None),
                    app.clock().short(&s.to, None)
                ),
                w,
            ),
            th.warning,
        )));
    }
    let retry = app.keys_for(crate::keys::Action::RetryAll);
    let copy = app.keys_for(crate::keys::Action::Copy);
    lines.push(Line::from(Span::styled(
        format!("Enter lists its jobs · {retry} retries its failed and dead jobs · {copy} copies it as JSON"),
        th.dim,
    )));
    f.render_widget(Paragraph::new(super::shown(lines)).block(block), area);
}

/// How many of a group's locks are refused now, from the last minute's probes.
fn offline_words(g: &crate::groups::incident::Group) -> String {
    match g.offline_now {
        Some((off, probed)) => format!(
            "locks offline now: {off} of {probed} probed in the last minute ({} locks in all)",
            g.locks.len()
        ),
        None => format!(
            "locks offline now: not probed in the last minute ({} locks; a retry probes them first)",
            g.locks.len()
        ),
    }
}
