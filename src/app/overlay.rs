//! Popups over a pane: the JSON viewer and the audit before/after diff.

use serde_json::Value;

use crate::app::{App, Scroll};
use crate::diff::{Change, diff};
use crate::jsondoc::JsonDoc;
use crate::store::traces::AuditRow;

#[derive(Debug)]
pub struct JsonView {
    pub title: String,
    pub doc: JsonDoc,
    /// The value shown, for copying exactly.
    pub value: Value,
    /// What a copy takes instead, when the value shown was collapsed.
    pub copy: Option<String>,
    /// The row (or log column) shown, for `:reveal`.
    pub reveal: Option<crate::store::reveal::RevealOf>,
    pub scroll: Scroll,
}

#[derive(Debug)]
pub struct DiffView {
    pub row: AuditRow,
    pub changes: Vec<Change>,
    /// Both documents, laid out once when the overlay opens (never per frame).
    pub before: Box<crate::jsondoc::JsonDoc>,
    pub after: Box<crate::jsondoc::JsonDoc>,
    pub scroll: Scroll,
}

/// `:user <query>` named several users: pick one (Enter), or Esc.
#[derive(Debug)]
pub struct UserPicker {
    /// The query as shown (one plain line).
    pub query: String,
    pub found: crate::store::lookup::Found,
    pub scroll: Scroll,
    /// What `/` looks for among the rows (marked, `n`/`N` between them).
    pub find: String,
}

impl UserPicker {
    /// The rows `/` matches: in the id, name, email, site or status.
    pub fn hits(&self) -> Vec<usize> {
        let t = self.find.trim().to_lowercase();
        if t.is_empty() {
            return Vec::new();
        }
        let has = |f: &Option<String>| f.as_deref().is_some_and(|f| f.to_lowercase().contains(&t));
        self.rows()
            .iter()
            .enumerate()
            .filter(|(_, m)| {
                m.id.to_string() == t.trim_start_matches('#')
                    || has(&m.name)
                    || has(&m.email)
                    || has(&m.site)
                    || has(&m.status)
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// The rows listed (at most `lookup::MAX`).
    pub fn rows(&self) -> &[crate::store::lookup::Match] {
        let n = self.found.matches.len().min(crate::store::lookup::MAX);
        &self.found.matches[..n]
    }
}

#[derive(Debug)]
pub enum Overlay {
    Json(JsonView),
    Diff(DiffView),
    Picker(UserPicker),
}

impl App {
    pub(crate) fn open_json(&mut self, title: String, value: &Value) {
        self.open_json_with(title, value, None);
    }

    /// A JSON popup whose copy is `copy` (a row with a collapsed column is
    /// copied whole, not as shown).
    pub(crate) fn open_json_with(&mut self, title: String, value: &Value, copy: Option<String>) {
        self.popups.overlays.push(Overlay::Json(JsonView {
            title,
            doc: JsonDoc::new(value),
            value: value.clone(),
            scroll: Scroll::default(),
            copy,
            reveal: None,
        }));
    }

    /// Names the row the popup just opened shows, for `:reveal`.
    pub(crate) fn shows_row(&mut self, of: crate::store::reveal::RevealOf) {
        if let Some(Overlay::Json(j)) = self.popups.overlays.last_mut() {
            j.reveal = Some(of);
        }
    }

    pub(crate) fn open_diff(&mut self, row: AuditRow) {
        let before = row.before_json.clone().unwrap_or(Value::Null);
        let after = row.after_json.clone().unwrap_or(Value::Null);
        self.popups.overlays.push(Overlay::Diff(DiffView {
            changes: diff(&before, &after),
            before: Box::new(crate::jsondoc::JsonDoc::new(&before)),
            after: Box::new(crate::jsondoc::JsonDoc::new(&after)),
            row,
            scroll: Scroll::default(),
        }));
    }
}
