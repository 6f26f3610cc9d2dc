//! The user pane: one user's access, credentials (masked), doors, jobs and
//! traces; Enter opens a door, a job's trace or a trace.

use crate::app::Scroll;
use crate::store::queries::UserDetail;

/// One selectable or decorative row of the user pane.
#[derive(Debug, Clone, PartialEq)]
pub enum UserItem {
    Job(usize),
    Trace(usize),
    Door(usize),
}

#[derive(Debug, Default)]
pub struct UserState {
    pub user_id: Option<i64>,
    pub detail: Option<UserDetail>,
    pub scroll: Scroll,
    pub loading: bool,
    pub error: Option<String>,
    /// When it was read (the pane does not poll).
    pub loaded_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl UserState {
    /// How a failed load is shown: in the pane, in place of its rows.
    pub(crate) fn failed(&mut self, message: String) {
        self.loading = false;
        self.error = Some(message);
    }

    /// What Enter opens: a trace (a job's, or one of the user's) or a lock.
    pub(crate) fn selected(&self) -> Option<crate::app::Selected> {
        use crate::app::Selected;
        let d = self.detail.as_ref()?;
        match self.items().get(self.scroll.selected)? {
            UserItem::Job(i) => d.jobs[*i].correlation_id.clone().map(Selected::Trace),
            UserItem::Trace(i) => Some(Selected::Trace(d.traces[*i].correlation_id.clone())),
            UserItem::Door(i) => d.doors[*i].lock_key.clone().map(Selected::Lock),
        }
    }

    /// The rows Enter can open: doors, jobs, traces.
    pub fn items(&self) -> Vec<UserItem> {
        let Some(d) = &self.detail else {
            return Vec::new();
        };
        (0..d.doors.len())
            .map(UserItem::Door)
            .chain((0..d.traces.len()).map(UserItem::Trace))
            .chain((0..d.jobs.len()).map(UserItem::Job))
            .collect()
    }
}
