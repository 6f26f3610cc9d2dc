//! One user, as "my PIN stopped working" needs her: the why sentence, her
//! PIN door by door (`pins`), then her access levels, credentials (masked),
//! traces and jobs.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::pins::{pins_lines, words};
use super::{fit, theme, when};
use crate::app::{App, UserItem};
use crate::timefmt::age;

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let th = theme::of(app);
    let u = &app.user();
    let Some(d) = &u.detail else {
        let text = match (&u.user_id, &u.error, u.loading) {
            (_, Some(e), _) => format!(" {e}"),
            (Some(id), _, true) => format!(" Loading user {id}…"),
            _ => " No user open: type :user 9, :user maya or :user AB U9 C6.".into(),
        };
        f.render_widget(
            Paragraph::new(text)
                .style(th.dim)
                .wrap(ratatui::widgets::Wrap { trim: false }),
            area,
        );
        return;
    };
    if !d.exists() {
        f.render_widget(
            Paragraph::new(format!(
                " There is no user #{}: no users row, and no job, trace, access level or credential names that id. Check the id (:user 9).",
                d.id
            ))
            .style(th.warning)
            .wrap(ratatui::widgets::Wrap { trim: false }),
            area,
        );
        return;
    }
    let width = area.width as usize;
    let clock = &app.clock();
    let items = u.items();
    let selected = items.get(u.scroll.selected).cloned();
    let sel = |item: UserItem, line: Line<'static>| {
        let marked = items
            .iter()
            .position(|x| *x == item)
            .is_some_and(|i| app.search_marks(i));
        let line = if marked {
            line.patch_style(th.search_match)
        } else {
            line
        };
        if selected.as_ref() == Some(&item) {
            line.patch_style(th.selection)
        } else {
            line
        }
    };
    // Built in full (a user has tens of rows), then scrolled to the selection.
    let mut lines: Vec<Line> = Vec::new();
    let mut selected_line = 0;
    // The line each item is on, for a click (`pointer_lines`).
    let mut shows: Vec<(usize, UserItem)> = Vec::new();
    lines.push(Line::from(vec![
        Span::styled(format!(" User {} ", d.id), th.section),
        Span::styled(d.name.clone().unwrap_or_default(), th.strong),
        Span::raw(format!("  {}  ", d.email.clone().unwrap_or_default())),
        Span::styled(
            d.status.clone().unwrap_or_default(),
            if d.status.as_deref() == Some("active") {
                th.ok
            } else {
                th.failed
            },
        ),
        Span::styled(format!("  {}", d.site.clone().unwrap_or_default()), th.dim),
    ]));
    if let (Some(s), Some(l)) = (super::as_of(app, u.loaded_at), lines.last_mut()) {
        l.spans.push(s);
    }
    if let Some(s) = super::trace::search_span(app, &u.find) {
        lines.push(Line::from(s));
    }
    if let Some(p) = &d.partial {
        lines.push(Line::from(Span::styled(format!(" {p}"), th.warning)));
    }
    match (&u.pins, &u.pins_error) {
        (Some(p), _) => {
            let warns = p.doors.iter().any(|d| d.state.warns());
            for l in words(&p.why(), width.saturating_sub(2).max(20)) {
                lines.push(Line::from(Span::styled(
                    format!(" {l}"),
                    if warns { th.warning } else { th.strong },
                )));
            }
            let live = u
                .live
                .clone()
                .unwrap_or_else(|| "from the broker's rows only".into());
            let keys = format!(
                "{} reads a door live, {} all her doors",
                app.keys_for(crate::keys::Action::LiveDoor),
                app.keys_for(crate::keys::Action::LiveDoors)
            );
            lines.push(Line::from(Span::styled(
                fit(&format!(" {live} · {keys}"), width),
                th.dim,
            )));
            lines.push(Line::from(Span::styled(
                format!(" Her PIN door by door (times {})", clock.label()),
                th.section,
            )));
            if p.doors.is_empty() {
                lines.push(Line::from(Span::styled(
                    "   no door: no access level of hers names one, and no lock holds her PIN as far as the broker knows",
                    th.dim,
                )));
            }
            let first;
            (selected_line, first) = pins_lines(app, p, width, &mut lines);
            shows.extend((0..p.doors.len()).map(|i| (first + i, UserItem::Pin(i))));
        }
        (None, Some(e)) => lines.push(Line::from(Span::styled(
            format!(" Her PIN door by door could not be read: {e}"),
            th.failed,
        ))),
        (None, None) if u.pins_loading => lines.push(Line::from(Span::styled(
            " Reading her PIN door by door…",
            th.dim,
        ))),
        (None, None) => {}
    }
    if u.pins.is_some() && u.pins_loading {
        lines.push(Line::from(Span::styled(
            " reading her doors again…",
            th.dim,
        )));
    }
    lines.push(Line::from(Span::styled(" Access levels", th.section)));
    if d.access.is_empty() {
        lines.push(Line::from(Span::styled("   none", th.dim)));
    }
    // Ids are never cut: each section's id column is as wide as its widest.
    let id_w = |ids: &mut dyn Iterator<Item = i64>| ids.map(|i| i.to_string().len()).max();
    let aw = id_w(&mut d.access.iter().map(|a| a.id)).unwrap_or(0).max(6);
    for a in &d.access {
        let (id, name, status, since) = (&a.id, &a.level, &a.status, &a.since);
        lines.push(Line::from(vec![
            Span::raw(format!("   #{id:<aw$} {name:<28} ")),
            Span::styled(
                format!("{status:<9}"),
                if status == "active" {
                    th.ok
                } else {
                    th.cancelled
                },
            ),
            Span::styled(
                format!(
                    " since {}",
                    since.map_or_else(|| "— (odd)".to_string(), |t| clock.short(&t, None))
                ),
                th.dim,
            ),
        ]));
    }
    lines.push(Line::from(Span::styled(
        " Credentials (PINs masked)",
        th.section,
    )));
    if d.credentials.is_empty() {
        lines.push(Line::from(Span::styled("   none", th.dim)));
    }
    let cw = id_w(&mut d.credentials.iter().map(|cred| cred.id))
        .unwrap_or(0)
        .max(6);
    for cred in &d.credentials {
        let (id, name, masked, status) = (&cred.id, &cred.name, &cred.masked_pin, &cred.status);
        lines.push(Line::from(vec![
            Span::raw(format!("   #{id:<cw$} {name:<14} {masked:<10} ")),
            Span::styled(
                status.clone(),
                if status == "active" {
                    th.ok
                } else {
                    th.cancelled
                },
            ),
        ]));
    }
    // Without a PIN map, the broker's doors (with one, each door is above).
    if u.pins.is_none() {
        lines.push(Line::from(Span::styled(
            " Doors they should open",
            th.section,
        )));
        if d.doors.is_empty() {
            lines.push(Line::from(Span::styled("   none", th.dim)));
        }
        let dw = id_w(&mut d.doors.iter().map(|d| d.id)).unwrap_or(0).max(4);
        for (i, door) in d.doors.iter().enumerate() {
            let (id, name, key) = (&door.id, &door.name, &door.lock_key);
            if selected == Some(UserItem::Door(i)) {
                selected_line = lines.len();
            }
            shows.push((lines.len(), UserItem::Door(i)));
            lines.push(sel(
                UserItem::Door(i),
                Line::from(format!(
                    "   door #{id:<dw$} {name:<20} {}",
                    key.clone().unwrap_or_default()
                )),
            ));
        }
    }
    lines.push(Line::from(Span::styled(" Recent traces", th.section)));
    for (i, t) in d.traces.iter().enumerate() {
        let (corr, at, what) = (&t.correlation_id, &t.first_seen, &t.what);
        if selected == Some(UserItem::Trace(i)) {
            selected_line = lines.len();
        }
        shows.push((lines.len(), UserItem::Trace(i)));
        lines.push(sel(
            UserItem::Trace(i),
            Line::from(vec![
                Span::raw(format!(
                    "   {}  {corr}  ",
                    at.map_or_else(|| "— (odd)".to_string(), |t| clock.short(&t, None))
                )),
                Span::styled(what.clone(), th.dim),
            ]),
        ));
    }
    lines.push(Line::from(Span::styled(" Recent jobs", th.section)));
    let jw = id_w(&mut d.jobs.iter().map(|j| j.id)).unwrap_or(0).max(7);
    for (i, j) in d.jobs.iter().enumerate() {
        if selected == Some(UserItem::Job(i)) {
            selected_line = lines.len();
        }
        let (status, style) = if app.is_stuck(j) {
            ("stuck", th.stuck)
        } else {
            (j.status.as_str(), th.job_status(&j.status))
        };
        shows.push((lines.len(), UserItem::Job(i)));
        lines.push(sel(
            UserItem::Job(i),
            Line::from(vec![
                Span::raw(format!("   job #{:<jw$} {:<24} ", j.id, j.job_type)),
                Span::styled(format!("{status:<10}"), style),
                Span::raw(format!(
                    " {:>8} ago  ",
                    when(&j.odd, "created_at", || age(app.now() - j.created_at))
                )),
                Span::styled(j.last_error.clone().unwrap_or_default(), th.failed),
            ]),
        ));
    }
    let height = area.height as usize;
    // The top (name, why, the door table's heading) stays while the
    // selection is near it; further down, the selection keeps some context.
    let detail = if matches!(selected, Some(UserItem::Pin(_))) {
        10
    } else {
        3
    };
    let off = (selected_line + detail).saturating_sub(height);
    let visible: Vec<Line> = lines.into_iter().skip(off).take(height).collect();
    let mut on_line = vec![None; visible.len()];
    for (line, item) in shows {
        if let Some(slot) = line.checked_sub(off).and_then(|l| on_line.get_mut(l)) {
            *slot = items.iter().position(|x| *x == item);
        }
    }
    super::pointer_lines(app, area, on_line, u.scroll.selected);
    f.render_widget(Paragraph::new(super::shown(visible)), area);
}
