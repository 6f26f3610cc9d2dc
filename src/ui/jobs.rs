//! The job queue: counts per status, the filtered table, and the selected
//! job's detail.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::columns::{self, Ranked};
use super::{cell, fit, theme, when};
use crate::app::App;
use crate::store::queries::Count;
use crate::store::traces::{JobRow, JobStatus};
use crate::timefmt::{age, relative};

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let detail_h = if area.height >= 22 { 9 } else { 0 };
    let [head, spark, table, detail] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(detail_h),
    ])
    .areas(area);
    header(f, app, head);
    super::pulse::header_line(f, app, spark);
    let on_groups = app.jobs().groups.on;
    if on_groups {
        super::groups::rows(f, app, table);
    } else {
        rows(f, app, table);
    }
    if detail_h > 0 && on_groups {
        super::groups::detail(f, app, detail);
    } else if detail_h > 0 {
        draw_detail(f, app, detail);
    }
}

/// A count as the header shows it: exact in full, an estimate rounded and
/// marked `~`, one exact only as of a stopped standby's last replay in full
/// and marked `~`.
fn count(c: Count) -> String {
    match c {
        Count::Exact(n) => n.to_string(),
        Count::AsOf(n) => format!("~{n}"),
        Count::Estimate(n) if n < 10_000 => format!("~{n}"),
        Count::Estimate(n) if n < 1_000_000 => format!("~{}k", n / 1_000),
        Count::Estimate(n) => format!("~{:.1}M", n as f64 / 1e6),
        Count::Unknown => "?".into(),
    }
}

fn header(f: &mut Frame, app: &App, area: Rect) {
    let th = theme::of(app);
    let j = app.jobs();
    let c = &j.counts;
    let back = app.keys_for(crate::keys::Action::Back);
    // What the pane shows comes first: the line is cut on a narrow terminal.
    let mut spans = vec![Span::styled(" Job queue ", th.section)];
    if j.groups.on {
        spans.push(Span::styled("error groups ", th.section));
        spans.push(Span::raw(super::groups::summary(app)));
        if !j.groups.text.is_empty() {
            spans.push(Span::styled(format!("  /{}", j.groups.text), th.warning));
        }
        spans.push(Span::styled(" · ", th.dim));
    } else if let Some(note) = app.db_search_note() {
        spans.push(Span::styled(note, th.warning));
        spans.push(Span::styled(" · ", th.dim));
    } else if let Some(scope) = &j.scope {
        spans.push(Span::styled(
            format!(
                "the {} job{} of {}{} ({back} back to the groups)",
                scope.count,
                if scope.count == 1 { "" } else { "s" },
                scope.fingerprint,
                if scope.ids.len() < scope.count {
                    format!(", the newest {}", scope.ids.len())
                } else {
                    String::new()
                }
            ),
            th.strong,
        ));
        spans.push(Span::styled(" · ", th.dim));
    }
    // The filter on comes before the counts: a narrow terminal cuts the
    // line's end, and what the list shows must stay readable.
    if !j.groups.on && j.scope.is_none() {
        spans.push(Span::raw(format!("showing: {}", j.filter)));
    }
    if !j.groups.on && !j.text.is_empty() {
        spans.push(Span::styled(format!("  /{}", j.text), th.warning));
        if let Some(count) = app.search_count() {
            spans.push(Span::styled(format!(" ({count})"), th.dim));
        }
    }
    if !j.groups.on && (j.scope.is_none() || !j.text.is_empty()) {
        spans.push(Span::styled(" · ", th.dim));
    }
    // A retry storm among the groups read: said first, with the key to them.
    let read_storm = j.groups.read.as_ref().and_then(|r| r.storms.first());
    if let Some(storm_jobs) = read_storm.map(|s| s.jobs) {
        let key = app.keys_for(crate::keys::Action::ErrorGroups);
        let open = if j.groups.on {
            String::new()
        } else {
            format!(" — {key} opens it")
        };
        spans.push(Span::styled(
            format!(
                "RETRY STORM: {} jobs of one cause failed within {} min{open}",
                storm_jobs,
                crate::groups::incident::STORM_MINUTES,
            ),
            th.warning,
        ));
        spans.push(Span::styled(" · ", th.dim));
    }
    for s in ["queued", "running", "failed", "dead", "done", "cancelled"] {
        spans.push(Span::styled(
            format!("{s} {}", count(c.get(s))),
            th.status(s),
        ));
        if s == "running" && c.stuck > 0 {
            spans.push(Span::styled(format!(" ({} stuck)", c.stuck), th.stuck));
        }
        if s != "cancelled" {
            spans.push(Span::styled(" · ", th.dim));
        }
    }
    // Before the groups are read, the counts' own storm read of the last
    // hour flags it, after what the list shows (which stays in view on a
    // narrow screen).
    if let (None, Some(s)) = (read_storm, c.storms.first()) {
        // (No key under a dialog, whose keys are its own.)
        let key = app.keys_for(crate::keys::Action::ErrorGroups);
        let open = if key.is_empty() {
            String::new()
        } else {
            format!(" ({key} opens it)")
        };
        spans.push(Span::styled(" · ", th.dim));
        spans.push(Span::styled(
            format!(
                "RETRY STORM {} in {} min{open}",
                s.jobs,
                crate::groups::incident::STORM_MINUTES
            ),
            th.warning,
        ));
    }
    if j.loading || j.groups.loading {
        spans.push(Span::styled("  loading…", th.dim));
    }
    f.render_widget(Paragraph::new(super::shown([Line::from(spans)])), area);
}

/// What a job with an intent and no outcome shows.
const INTERRUPTED_NOTE: &str = "interrupted after a change was sent to the provider";

/// The columns, in order, and which give way first on a narrow terminal
/// (as k9s's and htop's do): ID, STATUS and AGE never go; then ATT, NEXT
/// RUN, TYPE, USER and LOCK go in that order, REASON and LAST ERROR last.
/// ID, USER, LOCK, ATT, AGE and NEXT RUN are shown whole or not at all (an
/// id or a time is never cut); the width left goes to the text columns,
/// each up to its widest value on screen.
const COLS: [Ranked; 10] = [
    Ranked::whole(2, 0),
    Ranked::text(10, 5),
    Ranked::whole(4, 4),
    Ranked::whole(4, 3),
    Ranked::text(12, 2),
    Ranked::whole(6, 0),
    Ranked::whole(3, 7),
    Ranked::whole(3, 0),
    Ranked::whole(8, 6),
    Ranked::text(30, 1),
];

const TITLES: [&str; 10] = [
    "ID",
    "TYPE",
    "USER",
    "LOCK",
    "REASON",
    "STATUS",
    "ATT",
    "AGE",
    "NEXT RUN",
    "LAST ERROR",
];

/// One job's values as the table writes them, in the order of `COLS`.
fn job_cells(app: &App, job: &JobRow) -> [String; 10] {
    let status = if app.is_stuck(job) {
        "stuck"
    } else {
        job.status.as_str()
    };
    [
        format!("#{}", job.id),
        job.job_type.clone(),
        if job.user_id == 0 {
            "—".to_string()
        } else {
            job.user_id.to_string()
        },
        crate::app::panes::search::job_lock(job).unwrap_or_else(|| "—".into()),
        job.reason.clone().unwrap_or_default(),
        status.to_string(),
        job.attempt_count.to_string(),
        when(&job.odd, "created_at", || age(app.now() - job.created_at)),
        job.next_run_at
            .filter(|_| matches!(job.status, JobStatus::Queued | JobStatus::Failed))
            .map(|t| relative(&t, &app.now()))
            .unwrap_or_default(),
        if job.interrupted {
            INTERRUPTED_NOTE.to_string()
        } else {
            job.last_error.clone().unwrap_or_default()
        },
    ]
}

fn rows(f: &mut Frame, app: &App, area: Rect) {
    let th = theme::of(app);
    let j = &app.jobs();
    let visible = j.visible();
    let height = area.height.saturating_sub(1) as usize;
    let off = j.scroll.offset_for(height);
    super::pointer_list(
        app,
        super::rows_below(area, 1, height),
        off,
        j.scroll.selected,
    );
    let w = area.width as usize;
    let cells: Vec<[String; 10]> = visible
        .iter()
        .skip(off)
        .take(height)
        .map(|&i| job_cells(app, &j.rows[i]))
        .collect();
    let widest: [usize; 10] = std::array::from_fn(|c| {
        columns::widest(cells.iter().map(|r| r[c].as_str())).max(TITLES[c].len())
    });
    // A column with no value on screen (no job here names a lock) goes
    // first; the last column needs no space after it.
    let empty: [bool; 10] =
        std::array::from_fn(|c| cells.iter().all(|r| r[c].is_empty() || r[c] == "—"));
    let widths = columns::ranked(COLS, widest, empty, w + 1);
    let mut head = String::new();
    for (t, cw) in TITLES.iter().zip(widths) {
        if let Some(cw) = cw {
            head.push_str(&cell(t, cw));
            head.push(' ');
        }
    }
    let mut lines = vec![Line::from(Span::styled(
        fit(head.trim_end(), w),
        th.column_heads,
    ))];
    if let Some(e) = &j.error {
        // A failed load is said where its rows would be, not as "no jobs".
        for l in super::wrapped(&format!("  {e}"), w) {
            lines.push(Line::from(Span::styled(l, th.failed)));
        }
    } else if visible.is_empty() && !j.loading {
        let text = if j.text.is_empty() {
            format!("  no jobs match {}", j.filter)
        } else {
            format!("  {}", app.jobs_search_empty())
        };
        for l in super::wrapped(&text, w) {
            lines.push(Line::from(Span::styled(l, th.dim)));
        }
    }
    for ((row, &i), c) in visible.iter().enumerate().skip(off).zip(&cells) {
        let job = &j.rows[i];
        let style_of = |col: usize| match col {
            5 if app.is_stuck(job) => th.stuck,
            5 => th.job_status(&job.status),
            // Derived, never the broker's status: a change went out and its
            // outcome was never logged.
            9 if job.interrupted => th.stuck,
            9 => th.failed,
            _ => ratatui::style::Style::default(),
        };
        let mut spans = Vec::new();
        for (col, cw) in widths.iter().enumerate() {
            let Some(cw) = *cw else { continue };
            if !spans.is_empty() {
                spans.push(Span::raw(" "));
            }
            let text = if col == 9 {
                fit(&c[col], cw)
            } else {
                cell(&c[col], cw)
            };
            spans.push(Span::styled(text, style_of(col)));
        }
        if row == j.scroll.selected {
            for s in &mut spans {
                s.style = s.style.patch(th.selection);
            }
        }
        lines.push(Line::from(spans));
    }
    if j.more_below && visible.len() <= off + height {
        lines.push(Line::from(Span::styled(
            "  … more jobs load as you scroll",
            th.dim,
        )));
    }
    f.render_widget(Paragraph::new(super::shown(lines)), area);
}

fn draw_detail(f: &mut Frame, app: &App, area: Rect) {
    let th = theme::of(app);
    let block = Block::bordered().title(" Job detail ").border_style(th.dim);
    let Some(job) = app.jobs().selected_job() else {
        f.render_widget(Paragraph::new("").block(block), area);
        return;
    };
    f.render_widget(
        Paragraph::new(super::shown(detail_lines(app, job))).block(block),
        area,
    );
}

/// How much of a payload the one-line preview writes (the line is cut to
/// the pane anyway; `Y` copies all of it).
const PREVIEW_BYTES: usize = 1024;

/// The start of `v`'s compact JSON: at most about `max` bytes are written,
/// so a 5 MiB payload costs the same per frame as a small one.
fn preview(v: &serde_json::Value, max: usize) -> String {
    struct Capped(Vec<u8>, usize);
    impl std::io::Write for Capped {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            let room = self.1.saturating_sub(self.0.len());
            if room == 0 {
                return Err(std::io::Error::other("enough"));
            }
            let n = room.min(b.len());
            self.0.extend_from_slice(&b[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut w = Capped(Vec::new(), max);
    let whole = serde_json::to_writer(&mut w, v).is_ok();
    // A cut can fall inside a character: keep what is whole.
    let valid = match std::str::from_utf8(&w.0) {
        Ok(t) => t,
        Err(e) => std::str::from_utf8(&w.0[..e.valid_up_to()]).unwrap_or(""),
    };
    let mut text = valid.to_string();
    if !whole {
        text.push('…');
    }
    text
}

/// The selected job's fields, times in full with their zone.
pub fn detail_lines(app: &App, job: &JobRow) -> Vec<Line<'static>> {
    let th = theme::of(app);
    let c = &app.clock();
    let stuck = app.is_stuck(job);
    let mut status = vec![
        Span::raw("status "),
        Span::styled(job.status.to_string(), th.job_status(&job.status)),
        Span::raw(format!("  attempts {}", job.attempt_count)),
    ];
    if stuck {
        status.push(Span::styled(
            format!("  STUCK: no update for {}", age(app.now() - job.updated_at)),
            th.stuck,
        ));
    }
    if job.interrupted {
        status.push(Span::styled(
            format!("  {INTERRUPTED_NOTE}: the next drift preview of its lock settles it"),
            th.stuck,
        ));
    }
    let why = app.job_why(job);
    let next = match job.next_run_at {
        Some(t) => format!("{} ({})", c.full(&t, None), relative(&t, &app.now())),
        None => when(&job.odd, "next_run_at", || "—".into()),
    };
    let mut lines = Vec::new();
    if let Some(w) = why {
        lines.push(Line::from(vec![
            Span::styled("why ", th.strong),
            Span::styled(w, th.warning),
        ]));
    }
    lines.extend([
        Line::from(vec![
            Span::styled(format!("job #{}", job.id), th.section),
            Span::raw(format!("  {}  user {}  ", job.job_type, job.user_id)),
            Span::raw(job.reason.clone().unwrap_or_default()),
        ]),
        Line::from(status),
    ]);
    // Its devices as probed when the detail opened (or Ctrl-R) and who
    // else is acting on it or its locks (read with the job, on the primary).
    if let Some((_, a)) = app.jobs().acting.as_ref().filter(|(id, _)| *id == job.id) {
        for d in &a.devices {
            lines.push(Line::from(Span::styled(format!("device {d}"), th.dim)));
        }
        for o in &a.others {
            lines.push(Line::from(Span::styled(format!("⚠ {o}"), th.warning_mark)));
        }
    }
    lines.extend([
        Line::from(format!(
            "created {} ({} ago)   updated {}",
            when(&job.odd, "created_at", || c.full(&job.created_at, None)),
            when(&job.odd, "created_at", || age(app.now() - job.created_at)),
            when(&job.odd, "updated_at", || c.full(&job.updated_at, None))
        )),
        Line::from(format!("next run {next}")),
        Line::from(vec![
            Span::raw("last error "),
            Span::styled(
                job.last_error.clone().unwrap_or_else(|| "—".into()),
                th.failed,
            ),
        ]),
        Line::from(format!(
            "correlation {}   (Enter opens the trace)",
            job.correlation_id.clone().unwrap_or_else(|| "—".into())
        )),
        Line::from(Span::styled(
            format!(
                "payload {}",
                job.payload
                    .as_ref()
                    .map_or("null".to_string(), |p| preview(p, PREVIEW_BYTES))
            ),
            th.dim,
        )),
    ]);
    lines
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_payload_preview_writes_only_its_start() {
        let big = serde_json::json!({"blob": "x".repeat(5 << 20)});
        let p = super::preview(&big, 1024);
        assert!(p.len() < 2048, "{}", p.len());
        assert!(p.starts_with("{\"blob\":\"xxx") && p.ends_with('…'));
        assert_eq!(
            super::preview(&serde_json::json!({"a": 1}), 1024),
            "{\"a\":1}"
        );
    }
}
