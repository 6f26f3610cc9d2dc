//! Confirmation popups: a stuck retry, "retry all", and the drift plan
//! (`+` add, `-` delete, `!` blocked by grace, `?` unknown to the broker),
//! PINs masked, nothing run until the door's name is typed.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::{DIM, HEADER, popup};
use crate::app::{App, Dialog, DriftDialog};
use crate::engine::plan::Plan;
use crate::secrets::mask_pin;

const WARN: Style = Style::new().fg(Color::Yellow);

fn typed_line(label: &str, typed: &str) -> Line<'static> {
    Line::from(vec![
        Span::styled(label.to_string(), Style::new().add_modifier(Modifier::BOLD)),
        Span::styled(typed.to_string(), Style::new().fg(Color::Yellow)),
        Span::styled("█", Style::new().fg(Color::Yellow)),
    ])
}

pub fn draw(f: &mut Frame, app: &App, d: &Dialog, area: Rect) {
    let r = popup(area, 88, 86);
    f.render_widget(Clear, r);
    let (title, lines) = match d {
        Dialog::Cancel { job } => (
            " Cancel a job ",
            vec![
                Line::from(format!(
                    "Cancel job #{} ({}, {})?",
                    job.id, job.job_type, job.status
                )),
                Line::from("A cancelled job is never run again and cannot be retried.").style(WARN),
                Line::from(""),
                mode_line(app),
                Line::from(vec![
                    Span::styled(
                        "Press y to cancel it; any other key keeps it. ",
                        Style::new().add_modifier(Modifier::BOLD),
                    ),
                    Span::styled("[y/N]", Style::new().fg(Color::Yellow)),
                ]),
            ],
        ),
        Dialog::RetryStuck { job, typed } => (
            " Retry a stuck job ",
            vec![
                Line::from(format!(
                    "Job #{} has been running for {} without an update.",
                    job.id,
                    crate::timefmt::age(app.now - job.updated_at)
                )),
                Line::from("A worker may still be running it: re-enqueueing can run it twice.")
                    .style(WARN),
                Line::from(""),
                mode_line(app),
                typed_line("Type retry and press Enter (Esc cancels): ", typed),
            ],
        ),
        Dialog::RetryAll {
            filter,
            jobs,
            more,
            typed,
            text,
        } => {
            let mut l = vec![Line::from(match text {
                None => format!("Retry every failed or dead job matching: {filter}"),
                Some(t) => format!(
                    "Retry the failed or dead jobs the filter /{} shows, among the {} loaded rows of: {filter}",
                    t.text, t.loaded
                ),
            })];
            if let Some(t) = text.as_ref().filter(|t| t.more_beyond) {
                l.push(
                    Line::from(format!(
                        "More jobs may match /{} beyond the loaded window: only the rows shown are retried.",
                        t.text
                    ))
                    .style(WARN),
                );
            }
            match jobs {
                None => l.push(Line::from("Counting…").style(DIM)),
                Some(j) if j.is_empty() => l.push(Line::from(
                    "No failed or dead job matches: nothing to retry.",
                )),
                Some(j) => {
                    l.push(
                        Line::from(format!(
                            "{} jobs will be re-enqueued, each guarded and audited.",
                            j.len()
                        ))
                        .style(WARN),
                    );
                    l.push(Line::from(format!(
                        "Jobs: {}",
                        crate::app::listed_ids(j.iter().map(|x| x.0))
                    )));
                    if *more {
                        l.push(
                            Line::from(format!(
                                "More match: only the newest {} (the most one retry-all takes). Narrow the filter (:jobs failed 24h) for the rest.",
                                j.len()
                            ))
                            .style(WARN),
                        );
                    }
                    l.push(Line::from(""));
                    l.push(mode_line(app));
                    l.push(typed_line(
                        &format!("Type {} and press Enter (Esc cancels): ", j.len()),
                        typed,
                    ));
                }
            }
            (" Retry all ", l)
        }
        Dialog::Drift(dd) => (" Drift enforcement: plan ", drift_lines(app, dd)),
    };
    let block = Block::bordered()
        .title(title)
        .border_style(Style::new().fg(Color::Yellow));
    f.render_widget(
        Paragraph::new(super::shown(lines))
            .block(block)
            .wrap(Wrap { trim: false }),
        r,
    );
}

fn mode_line(app: &App) -> Line<'static> {
    if app.can_write() {
        Line::from(format!(
            "Session: {} as {}.",
            app.mode_label(),
            app.operator
        ))
    } else {
        Line::from("Session: READ-ONLY. Nothing is sent (and Postgres would refuse the change): Esc, then type :write 15m <reason>, or start with --write.")
            .style(Style::new().fg(Color::Red))
    }
}

fn plan_lines(plan: &Plan, out: &mut Vec<Line<'static>>) {
    let i = &plan.input;
    out.push(Line::from(vec![
        Span::styled(format!("mode {}", i.mode.name()), HEADER),
        Span::styled(
            format!(
                "  grace {}  · expected {} · on the lock {}",
                crate::timefmt::age(i.grace),
                i.expected.len(),
                i.actual.len()
            ),
            DIM,
        ),
    ]));
    let fmt =
        |t: &chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    withheld_lines(plan, out);
    for e in &plan.adds {
        let what = e
            .pin
            .as_deref()
            .map_or_else(|| e.email.clone().unwrap_or_default(), mask_pin);
        out.push(Line::from(vec![
            Span::styled(
                " + ",
                Style::new().fg(Color::Green).add_modifier(Modifier::BOLD),
            ),
            Span::raw(format!(
                "{}  {what}  (user {}, credential {})",
                e.code_name, e.user_id, e.credential_id
            )),
        ]));
    }
    for d in &plan.deletes {
        let grace = if d.grace_bypassed {
            "  grace bypassed"
        } else {
            ""
        };
        out.push(Line::from(vec![
            Span::styled(
                " - ",
                Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            ),
            Span::raw(format!(
                "{}  #{}  {}{grace}",
                d.code_name.as_deref().unwrap_or("(no name)"),
                d.vendor_pin_id,
                d.reason
            )),
        ]));
    }
    for d in &plan.blocked_by_grace {
        out.push(Line::from(vec![
            Span::styled(" ! ", WARN.add_modifier(Modifier::BOLD)),
            Span::raw(format!(
                "{}  #{}  blocked by grace until {} (first seen {}, {})",
                d.code_name.as_deref().unwrap_or("(no name)"),
                d.vendor_pin_id,
                fmt(&d.eligible_at),
                fmt(&d.first_seen_at),
                d.first_seen_source
            )),
        ]));
    }
    for a in &plan.unknown {
        out.push(Line::from(vec![
            Span::styled(
                " ? ",
                Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD),
            ),
            Span::raw(format!(
                "{}  #{}  on the lock but unknown to the broker: left alone in standard mode",
                a.code_name.as_deref().unwrap_or("(no name)"),
                a.vendor_pin_id
            )),
        ]));
    }
    for (e, why) in &plan.invalid_expected {
        out.push(Line::from(vec![
            Span::styled(" ✗ ", Style::new().fg(Color::Red)),
            Span::raw(format!("{}  cannot be sent: {why}", e.code_name)),
        ]));
    }
    if plan.is_empty()
        && plan.blocked_by_grace.is_empty()
        && plan.unknown.is_empty()
        && plan.deletes_withheld.is_none()
    {
        out.push(
            Line::from("   no drift: the lock holds exactly what the broker expects")
                .style(Style::new().fg(Color::Green)),
        );
    }
}

/// A list of the lock that is not whole: why nothing is deleted, and what
/// a whole list would have deleted.
fn withheld_lines(plan: &Plan, out: &mut Vec<Line<'static>>) {
    let Some(why) = &plan.deletes_withheld else {
        return;
    };
    out.push(
        Line::from(format!(
            "⚠ {why}; adds still go. Preview again for a whole list."
        ))
        .style(Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)),
    );
    for d in &plan.withheld {
        out.push(Line::from(vec![
            Span::styled(" ~ ", WARN.add_modifier(Modifier::BOLD)),
            Span::raw(format!(
                "{}  #{}  {}: withheld, the list is incomplete",
                d.code_name.as_deref().unwrap_or("(no name)"),
                d.vendor_pin_id,
                d.reason
            )),
        ]));
    }
}

fn drift_lines(app: &App, d: &DriftDialog) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let lock = d
        .preview
        .as_ref()
        .map(|p| p.lock_key.clone())
        .unwrap_or_default();
    out.push(Line::from(vec![
        Span::styled(format!("Door #{} {}", d.door_id, d.door_name), HEADER),
        Span::raw(format!("  {lock}")),
    ]));
    match &d.preview {
        None => out.push(Line::from("Listing the lock and reading the broker's side…").style(DIM)),
        Some(p) => {
            for i in &p.interrupted {
                out.push(Line::from(format!("⚠ {i}")).style(Style::new().fg(Color::Yellow)));
            }
            if let Err(e) = &p.reachable {
                out.push(
                    Line::from(format!(
                        "The lock cannot be reached now ({e}): enforcement would fail."
                    ))
                    .style(Style::new().fg(Color::Red)),
                );
            }
            match &p.plan {
                Ok(plan) => plan_lines(plan, &mut out),
                Err(e) => {
                    out.push(Line::from(format!("No plan: {e}")).style(Style::new().fg(Color::Red)))
                }
            }
        }
    }
    out.push(Line::from(""));
    if let Some(o) = &d.outcome {
        out.push(
            Line::from(format!("Done: {o}"))
                .style(Style::new().fg(Color::Green).add_modifier(Modifier::BOLD)),
        );
        if let Some(rem) = &d.remaining {
            out.push(Line::from("What drift remains (the lock listed again):").style(DIM));
            plan_lines(rem, &mut out);
        }
        out.push(Line::from("Esc closes.").style(DIM));
        return out;
    }
    if d.running {
        out.push(Line::from("Running: job created, listing again, applying the plan…").style(WARN));
        return out;
    }
    if let Some(e) = &d.error {
        out.push(Line::from(e.clone()).style(Style::new().fg(Color::Red)));
    }
    out.push(mode_line(app));
    let k = |a| {
        app.keymap
            .keys_for(&[crate::keys::Context::Dialog], a)
            .first()
            .map(|k| k.label())
            .unwrap_or_default()
    };
    out.push(Line::from(format!(
        "{} switches the mode (standard ↔ ultra_strict) · {} leaves it to the worker · Esc cancels",
        k(crate::keys::Action::ToggleMode),
        k(crate::keys::Action::Enqueue)
    ))
    .style(DIM));
    if app.can_write() {
        out.push(typed_line(
            &format!("Type the door's name ({}) and Enter to run: ", d.door_name),
            &d.typed,
        ));
    }
    out
}
