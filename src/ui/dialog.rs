//! Confirmation popups: a stuck retry, "retry all", and the drift plan
//! (`+` add, `-` delete, `!` blocked by grace, `?` unknown to the broker),
//! PINs masked, nothing run until the door's name is typed.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::popup;
use super::theme::{self, Theme};
use crate::app::{App, Dialog, DriftDialog, GroupRetryDialog, HeldDialog};
use crate::engine::plan::Plan;
use crate::secrets::mask_pin;

fn typed_line(th: &Theme, label: &str, typed: &str) -> Line<'static> {
    Line::from(vec![
        Span::styled(label.to_string(), th.strong),
        Span::styled(typed.to_string(), th.warning),
        Span::styled("█", th.warning),
    ])
}

pub fn draw(f: &mut Frame, app: &App, d: &Dialog, area: Rect) {
    let th = theme::of(app);
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
                Line::from("A cancelled job is never run again and cannot be retried.")
                    .style(th.warning),
                Line::from(""),
                mode_line(app),
                Line::from(vec![
                    Span::styled("Press y to cancel it; any other key keeps it. ", th.strong),
                    Span::styled("[y/N]", th.warning),
                ]),
            ],
        ),
        Dialog::RetryStuck { job, typed } => (
            " Retry a stuck job ",
            vec![
                Line::from(format!(
                    "Job #{} has been running for {} without an update.",
                    job.id,
                    crate::timefmt::age(app.now() - job.updated_at)
                )),
                Line::from("A worker may still be running it: re-enqueueing can run it twice.")
                    .style(th.warning),
                Line::from(""),
                mode_line(app),
                typed_line(th, "Type retry and press Enter (Esc cancels): ", typed),
            ],
        ),
        Dialog::RetryAll {
            filter,
            jobs,
            more,
            typed,
            text,
            ..
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
                    .style(th.warning),
                );
            }
            match jobs {
                None => l.push(Line::from("Counting…").style(th.dim)),
                Some(j) if j.is_empty() => l.push(Line::from(
                    "No failed or dead job matches: nothing to retry.",
                )),
                Some(j) => {
                    l.push(
                        Line::from(format!(
                            "{} jobs will be re-enqueued, each guarded and audited.",
                            j.len()
                        ))
                        .style(th.warning),
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
                            .style(th.warning),
                        );
                    }
                    l.push(Line::from(""));
                    l.push(mode_line(app));
                    l.push(typed_line(
                        th,
                        &format!("Type {} and press Enter (Esc cancels): ", j.len()),
                        typed,
                    ));
                }
            }
            (" Retry all ", l)
        }
        Dialog::Drift(dd) => (" Drift enforcement: plan ", drift_lines(app, dd)),
        Dialog::RetryGroup(g) => (" Retry an error group ", group_lines(app, g)),
        Dialog::Held(h) => (" Held: nothing was changed ", held_lines(app, h)),
    };
    let block = Block::bordered()
        .title(title)
        .border_style(th.dialog_border);
    f.render_widget(
        Paragraph::new(super::shown(lines))
            .block(block)
            .wrap(Wrap { trim: false }),
        r,
    );
}

fn mode_line(app: &App) -> Line<'static> {
    let th = theme::of(app);
    if app.can_write() {
        Line::from(format!(
            "Session: {} as {}.",
            app.mode_label(),
            app.operator_name()
        ))
    } else {
        Line::from("Session: READ-ONLY. Nothing is sent (and Postgres would refuse the change): Esc, then type :write 15m <reason>, or start with --write.")
            .style(th.failed)
    }
}

/// `facts`: the preview's facts, shown above the plan, which replace the
/// bare "no drift" claim of an empty plan.
fn plan_lines(
    th: &Theme,
    clock: &crate::timefmt::Clock,
    plan: &Plan,
    facts: Option<&str>,
    out: &mut Vec<Line<'static>>,
) {
    let i = &plan.input;
    out.push(Line::from(vec![
        Span::styled(format!("mode {}", i.mode.name()), th.section),
        Span::styled(
            format!(
                "  grace {}  · expected {} · on the lock {}",
                crate::timefmt::age(i.grace),
                i.expected.len(),
                i.actual.len()
            ),
            th.dim,
        ),
    ]));
    // The screens' one format (the plan's JSON keeps RFC 3339).
    let fmt = |t: &chrono::DateTime<chrono::Utc>| clock.full(t, None);
    withheld_lines(th, plan, out);
    for e in &plan.adds {
        let what = e
            .pin
            .as_deref()
            .map_or_else(|| e.email.clone().unwrap_or_default(), mask_pin);
        out.push(Line::from(vec![
            Span::styled(" + ", th.ok_mark),
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
            Span::styled(" - ", th.failed_mark),
            Span::raw(format!(
                "#{}  {}{grace}",
                d.vendor_pin_id,
                plan.delete_why(d)
            )),
        ]));
    }
    for d in &plan.blocked_by_grace {
        out.push(Line::from(vec![
            Span::styled(" ! ", th.warning_mark),
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
            Span::styled(" ? ", th.unknown),
            Span::raw(format!(
                "{}  #{}  on the lock but unknown to the broker: left alone in standard mode",
                a.code_name.as_deref().unwrap_or("(no name)"),
                a.vendor_pin_id
            )),
        ]));
    }
    for (e, why) in &plan.invalid_expected {
        out.push(Line::from(vec![
            Span::styled(" ✗ ", th.failed),
            Span::raw(format!("{}  cannot be sent: {why}", e.code_name)),
        ]));
    }
    if plan.is_empty()
        && plan.blocked_by_grace.is_empty()
        && plan.unknown.is_empty()
        && plan.deletes_withheld.is_none()
    {
        // With the facts shown (where they come from, how old), no bare
        // "no drift" claim: they say what matched, and how sure that is.
        if facts.is_none_or(str::is_empty) {
            out.push(
                Line::from("   no drift: the lock holds exactly what the broker expects")
                    .style(th.ok),
            );
        }
    }
}

/// A list of the lock that is not whole: why nothing is deleted, and what
/// a whole list would have deleted.
fn withheld_lines(th: &Theme, plan: &Plan, out: &mut Vec<Line<'static>>) {
    let Some(why) = &plan.deletes_withheld else {
        return;
    };
    out.push(
        Line::from(format!(
            "⚠ {why}; adds still go. Preview again for a whole list."
        ))
        .style(th.failed_mark),
    );
    for d in &plan.withheld {
        out.push(Line::from(vec![
            Span::styled(" ~ ", th.warning_mark),
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
    let th = theme::of(app);
    let mut out = Vec::new();
    let lock = d
        .preview
        .as_ref()
        .map(|p| p.lock_key.clone())
        .unwrap_or_default();
    out.push(Line::from(vec![
        Span::styled(format!("Door #{} {}", d.door_id, d.door_name), th.section),
        Span::raw(format!("  {lock}")),
    ]));
    match &d.preview {
        None => {
            out.push(Line::from("Listing the lock and reading the broker's side…").style(th.dim))
        }
        Some(p) => {
            for i in &p.interrupted {
                out.push(Line::from(format!("⚠ {i}")).style(th.warning));
            }
            if let Err(e) = &p.reachable {
                out.push(
                    Line::from(format!(
                        "The lock cannot be reached now ({e}): enforcement would fail."
                    ))
                    .style(th.failed),
                );
            }
            if !p.facts.is_empty() {
                out.push(Line::from(format!("Facts: {}", p.facts)).style(th.dim));
            }
            match &p.plan {
                Ok(plan) => plan_lines(th, app.clock(), plan, Some(&p.facts), &mut out),
                Err(e) => out.push(Line::from(format!("No plan: {e}")).style(th.failed)),
            }
        }
    }
    out.push(Line::from(""));
    if let Some(o) = &d.outcome {
        out.push(Line::from(format!("Done: {o}")).style(th.ok_mark));
        if let Some(rem) = &d.remaining {
            out.push(Line::from("What drift remains (the lock listed again):").style(th.dim));
            plan_lines(th, app.clock(), rem, None, &mut out);
        }
        out.push(Line::from("Esc closes.").style(th.dim));
        return out;
    }
    if d.running {
        out.push(
            Line::from("Running: job created, listing again, applying the plan…").style(th.warning),
        );
        return out;
    }
    if let Some(e) = &d.error {
        out.push(Line::from(e.clone()).style(th.failed));
    }
    out.push(mode_line(app));
    let k = |a| {
        app.keymap()
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
    .style(th.dim));
    if app.can_write() {
        out.push(match d.hold.as_ref().and_then(|h| h.again.as_ref()) {
            Some(_) => typed_line(
                th,
                &format!(
                    "Type `{}` and Enter to run it anyway (Esc cancels): ",
                    crate::app::OVERRIDE_WORD
                ),
                &d.typed,
            ),
            None => typed_line(
                th,
                &format!("Type the door's name ({}) and Enter to run: ", d.door_name),
                &d.typed,
            ),
        });
    }
    out
}

/// An action its checks held: why, each device as probed and each one
/// acting (who and since when), and the override where one may be typed.
fn held_lines(app: &App, h: &HeldDialog) -> Vec<Line<'static>> {
    let th = theme::of(app);
    let mut l = vec![Line::from(h.hold.why.clone()).style(th.failed)];
    for x in &h.hold.lines {
        l.push(Line::from(format!("  · {x}")));
    }
    l.push(Line::from(""));
    if h.hold.again.is_some() {
        l.push(typed_line(
            th,
            &format!(
                "Type `{}` and Enter to go ahead anyway, recorded in the audit (Esc cancels): ",
                crate::app::OVERRIDE_WORD
            ),
            &h.typed,
        ));
    } else {
        l.push(Line::from("This cannot be overridden. Enter or Esc closes.").style(th.dim));
    }
    l
}

/// A group retry: the cause, the ids it takes, the typed count; then its summary.
fn group_lines(app: &App, g: &GroupRetryDialog) -> Vec<Line<'static>> {
    let th = theme::of(app);
    let mut l = vec![Line::from(vec![
        Span::raw("Retry the failed and dead jobs of the group: "),
        Span::styled(g.fingerprint.clone(), th.strong),
    ])];
    if let Some(m) = g.meaning {
        l.push(Line::from(format!("The provider documents this code as: {m}.")).style(th.dim));
    }
    if g.others > 0 {
        l.push(
            Line::from(format!(
                "{} stuck or interrupted job{} of the group may still be sending: left alone.",
                g.others,
                if g.others == 1 { "" } else { "s" }
            ))
            .style(th.warning),
        );
    }
    if g.guards.is_empty() {
        l.push(Line::from(
            "No failed or dead job in this group: nothing to retry.",
        ));
        return l;
    }
    l.push(
        Line::from(format!(
            "{} jobs will be re-enqueued, each only if its status and update time are as listed, each audited.",
            g.guards.len()
        ))
        .style(th.warning),
    );
    l.push(Line::from(format!(
        "Jobs: {}",
        crate::app::listed_ids(g.guards.iter().map(|x| x.job))
    )));
    l.push(Line::from(""));
    match (&g.outcome, g.running) {
        (Some(done), _) => {
            l.push(Line::from(format!("Done: {done}.")).style(th.strong));
            if g.skipped.is_empty() {
                l.push(Line::from("Esc closes.").style(th.dim));
            } else {
                l.push(typed_line(
                    th,
                    &format!(
                        "Type `{}` and Enter to retry the {} skipped anyway (Esc closes): ",
                        crate::app::OVERRIDE_WORD,
                        g.skipped.len()
                    ),
                    &g.typed,
                ));
            }
        }
        (None, true) => l.push(Line::from("Retrying…").style(th.dim)),
        (None, false) => {
            l.push(mode_line(app));
            l.push(typed_line(
                th,
                &format!("Type {} and press Enter (Esc cancels): ", g.guards.len()),
                &g.typed,
            ));
        }
    }
    l
}
