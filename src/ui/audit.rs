//! Audit changes, newest first: what changed, who did it, and from where.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::columns::{self, Ranked};
use super::{cell, fit, theme, when};
use crate::app::App;
use crate::store::traces::AuditRow;

/// The columns, in order, and which give way first on a narrow terminal
/// (as the job queue's do): TIME, ENTITY (a type and its id) and ACTION
/// never go; then SOURCE (the broker's route, the least telling), then
/// CORRELATION (the trace, also reached by Enter), CHANGED and ACTOR, the
/// last. TIME, ENTITY and CORRELATION are shown whole or not at all (a time
/// or an id is never cut); the width left goes to the text columns (what
/// changed, who, from where), each up to its widest value on screen.
const COLS: [Ranked; 7] = [
    Ranked::whole(4, 0),
    Ranked::whole(6, 0),
    Ranked::text(6, 0),
    Ranked::text(7, 2),
    Ranked::text(10, 1),
    Ranked::text(10, 4),
    Ranked::whole(11, 3),
];
const TITLES: [&str; 7] = [
    "TIME",
    "ENTITY",
    "ACTION",
    "CHANGED",
    "ACTOR",
    "SOURCE",
    "CORRELATION",
];

/// One row's values as the table writes them, in the order of `COLS`.
fn row_cells(app: &App, r: &AuditRow) -> [String; 7] {
    [
        when(&r.odd, "created_at", || {
            app.clock().short(&r.created_at, None)
        }),
        format!(
            "{} #{}",
            r.entity_type,
            r.entity_id.map_or("?".into(), |e| e.to_string())
        ),
        r.action.clone(),
        r.changed.join(", "),
        r.actor.clone().unwrap_or_default(),
        r.source.clone().unwrap_or_default(),
        r.correlation_id.clone().unwrap_or_default(),
    ]
}

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let th = theme::of(app);
    let a = &app.audit();
    let [head, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let mut spans = vec![
        Span::styled(" Audit changes ", th.section),
        Span::styled("newest first", th.dim),
    ];
    if let Some(note) = app.db_search_note() {
        spans.push(Span::styled(format!("  {note}"), th.warning));
    }
    if !a.text.is_empty() {
        spans.push(Span::styled(format!("  /{}", a.text), th.warning));
        if let Some(count) = app.search_count() {
            spans.push(Span::styled(format!(" ({count})"), th.dim));
        }
    }
    if a.loading {
        spans.push(Span::styled("  loading…", th.dim));
    }
    spans.extend(super::as_of(app, a.loaded_at));
    f.render_widget(Paragraph::new(super::shown([Line::from(spans)])), head);
    let visible = a.visible();
    let height = body.height.saturating_sub(1) as usize;
    let off = a.scroll.offset_for(height);
    super::pointer_list(
        app,
        super::rows_below(body, 1, height),
        off,
        a.scroll.selected,
    );
    let w = body.width as usize;
    let cells: Vec<[String; 7]> = visible
        .iter()
        .skip(off)
        .take(height)
        .map(|&i| row_cells(app, &a.rows[i]))
        .collect();
    let widest: [usize; 7] = std::array::from_fn(|c| {
        columns::widest(cells.iter().map(|r| r[c].as_str())).max(TITLES[c].len())
    });
    // A column with no value on screen goes first; the last column needs
    // no space after it.
    let empty: [bool; 7] = std::array::from_fn(|c| cells.iter().all(|r| r[c].is_empty()));
    let cw = columns::ranked(COLS, widest, empty, w + 1);
    let last = cw.iter().rposition(Option::is_some);
    let mut head = String::new();
    for (title, n) in TITLES.iter().zip(cw) {
        if let Some(n) = n {
            head.push_str(&cell(title, n));
            head.push(' ');
        }
    }
    let mut lines = vec![Line::from(Span::styled(
        fit(head.trim_end(), w),
        th.column_heads,
    ))];
    for ((row, &i), c) in visible.iter().enumerate().skip(off).zip(&cells) {
        let r = &a.rows[i];
        let action_style = match r.action.as_str() {
            "create" => th.ok,
            "delete" => th.failed,
            _ => th.warning,
        };
        let style_of = |col: usize| match col {
            2 => action_style,
            5 | 6 => th.dim,
            _ => ratatui::style::Style::default(),
        };
        let mut spans = Vec::new();
        for (col, n) in cw.iter().enumerate() {
            let Some(n) = *n else { continue };
            if !spans.is_empty() {
                spans.push(Span::raw(" "));
            }
            // The last column is not padded: nothing follows it.
            let text = if Some(col) == last {
                fit(&c[col], n)
            } else {
                cell(&c[col], n)
            };
            spans.push(Span::styled(text, style_of(col)));
        }
        let mut line = Line::from(spans);
        if row == a.scroll.selected {
            line = line.patch_style(th.selection);
        }
        lines.push(line);
    }
    if let Some(e) = &a.error {
        for l in super::wrapped(&format!("  {e}"), w) {
            lines.push(Line::from(Span::styled(l, th.failed)));
        }
    } else if visible.is_empty() && !a.loading {
        for l in super::wrapped(&format!("  {}", app.audit_search_empty()), w) {
            lines.push(Line::from(Span::styled(l, th.dim)));
        }
    }
    f.render_widget(Paragraph::new(super::shown(lines)), body);
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::store::traces::AuditRow;

    fn row(before: Option<Value>, after: Option<Value>) -> AuditRow {
        AuditRow {
            id: 1,
            created_at: crate::demo::world::fixed_now(),
            entity_type: "Credential".into(),
            entity_id: Some(7),
            action: "update".into(),
            before_json: before,
            after_json: after,
            correlation_id: None,
            actor: None,
            source: None,
            odd: Vec::new(),
            raw_json: Vec::new(),
            changed: Vec::new(),
        }
    }

    #[test]
    fn changed_names_the_fields_an_update_changed_and_nothing_else() {
        use crate::store::traces::changed_keys;
        let (b, a) = (
            json!({"status": "active", "pin": "***", "gone": 1, "deep": {"a": 1}}),
            json!({"status": "revoked", "pin": "***", "new": null, "deep": {"a": 2}}),
        );
        assert_eq!(
            changed_keys(Some(&b), Some(&a)).join(", "),
            "deep, gone, new, status"
        );
        // The same on both sides, a create, odd JSON: nothing to name.
        let same = json!({"status": "active"});
        assert!(changed_keys(Some(&same), Some(&same)).is_empty());
        assert!(changed_keys(None, Some(&json!({"a": 1}))).is_empty());
        assert!(changed_keys(Some(&json!([1])), Some(&json!("x"))).is_empty());
        // The column draws what the decoder found (before masking).
        let mut r = row(Some(b), Some(a));
        r.changed = vec!["pin".into()];
        assert_eq!(super::row_cells(&crate::app::fixture::app(), &r)[3], "pin");
    }
}
