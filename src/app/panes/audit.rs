//! The audit pane: app_audit rows, newest first, filtered by text.

use crate::app::Scroll;
use crate::store::traces::AuditRow;

#[derive(Debug, Default)]
pub struct AuditState {
    pub rows: Vec<AuditRow>,
    pub scroll: Scroll,
    pub more_below: bool,
    pub text: String,
    pub loading: bool,
    pub loaded: bool,
    /// Why the last load failed, until one succeeds.
    pub error: Option<String>,
    /// When the first page was read (the pane does not poll).
    pub loaded_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Set while the pane lists a database search's rows (`S`), in words.
    pub db_search: Option<String>,
}

impl AuditState {
    /// How a failed load is shown: in the pane, in place of its rows.
    pub(crate) fn failed(&mut self, message: String) {
        self.loading = false;
        self.error = Some(message);
    }

    pub(crate) fn selected(&self) -> Option<crate::app::Selected> {
        let i = *self.visible().get(self.scroll.selected)?;
        Some(crate::app::Selected::Audit(self.rows[i].clone()))
    }

    pub fn visible(&self) -> Vec<usize> {
        let t = self.text.to_lowercase();
        (0..self.rows.len())
            .filter(|&i| {
                let a = &self.rows[i];
                t.is_empty()
                    || a.entity_type.to_lowercase().contains(&t)
                    || a.action.to_lowercase().contains(&t)
                    || a.entity_id.is_some_and(|e| e.to_string() == t)
                    || a.actor
                        .as_deref()
                        .is_some_and(|x| x.to_lowercase().contains(&t))
                    || a.source
                        .as_deref()
                        .is_some_and(|x| x.to_lowercase().contains(&t))
                    || a.correlation_id
                        .as_deref()
                        .is_some_and(|c| c.starts_with(&t))
            })
            .collect()
    }
}
