//! The job queue's error groups: the troubled jobs of a window gathered by
//! fingerprint (`groups::incident`), read on entering the view and on
//! Ctrl-R only (never on a timer: it reads up to 50,000 rows), the retry
//! storms among them for the queue's header, a group's jobs as the queue's
//! list, and a group retry behind a typed confirmation.

use chrono::{DateTime, Utc};

use crate::app::{App, Cmd, Dialog, JobsLoad, Level, Query, Scroll, Selected, Slot};
use crate::groups::incident::{Group, Storm};
use crate::store::queries::Page;

/// The window the groups cover (the CLI's default `--since`).
pub const WINDOW_SECS: i64 = 24 * 3600;

/// What one read of the groups brought.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupsRead {
    pub groups: Vec<Group>,
    pub storms: Vec<Storm>,
    /// Troubled jobs read (at most the cap).
    pub jobs: usize,
    /// The cap was reached: older troubled jobs are left out.
    pub capped: bool,
    /// The database's clock when read.
    pub now: Option<DateTime<Utc>>,
}

#[derive(Debug, Default)]
pub struct GroupsState {
    /// The view is on (`e`): the queue shows groups instead of jobs.
    pub on: bool,
    pub read: Option<GroupsRead>,
    pub scroll: Scroll,
    /// What `/` typed.
    pub text: String,
    pub loading: bool,
    pub error: Option<String>,
    pub loaded_at: Option<DateTime<Utc>>,
}

/// A group's jobs listed in the queue (Enter on a group): only its ids.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupScope {
    pub fingerprint: String,
    /// Newest first, at most `WINDOW_CAP`.
    pub ids: Vec<i64>,
    /// How many the group has in all.
    pub count: usize,
}

impl GroupsState {
    pub fn groups(&self) -> &[Group] {
        self.read.as_ref().map_or(&[], |r| r.groups.as_slice())
    }

    /// Indices of the groups `/` lets through.
    pub fn visible(&self) -> Vec<usize> {
        let t = self.text.to_lowercase();
        let groups = self.groups();
        (0..groups.len())
            .filter(|&i| t.is_empty() || group_matches(&groups[i], &t))
            .collect()
    }

    pub fn selected_group(&self) -> Option<&Group> {
        let v = self.visible();
        v.get(self.scroll.selected).map(|&i| &self.groups()[i])
    }

    pub(crate) fn selected(&self) -> Option<Selected> {
        self.selected_group()
            .cloned()
            .map(|g| Selected::Group(Box::new(g)))
    }

    /// The storm of a group, if it is one.
    pub fn storm_of(&self, g: &Group) -> Option<&Storm> {
        self.read
            .as_ref()?
            .storms
            .iter()
            .find(|s| s.fingerprint == g.fingerprint)
    }
}

fn group_matches(g: &Group, t: &str) -> bool {
    g.fingerprint.to_string().to_lowercase().contains(t)
        || g.meaning.is_some_and(|m| m.to_lowercase().contains(t))
        || g.locks.iter().any(|l| l.to_lowercase().contains(t))
        || g.statuses.keys().any(|s| s.contains(t))
        || g.members.iter().any(|m| m.id.to_string() == t)
}

impl App {
    /// Whether the queue shows its error groups now.
    pub fn groups_view(&self) -> bool {
        self.pane == crate::app::Pane::Jobs && self.panes.jobs.groups.on
    }

    /// `e`: the queue's list ⇄ its error groups. Entering reads them (the
    /// one read besides Ctrl-R); leaving a group's jobs comes back to them.
    pub(crate) fn toggle_groups(&mut self) -> Vec<Cmd> {
        if self.pane != crate::app::Pane::Jobs {
            return Vec::new();
        }
        let g = &mut self.panes.jobs.groups;
        if g.on {
            g.on = false;
            return Vec::new();
        }
        g.on = true;
        self.panes.jobs.db_search = None;
        if self.panes.jobs.scope.take().is_some() {
            // Back from a group's jobs: the groups as they were read.
            let mut cmds = self.load_jobs(Page::First, JobsLoad::Replace);
            if self.panes.jobs.groups.read.is_some() {
                return cmds;
            }
            cmds.extend(self.load_groups());
            return cmds;
        }
        self.load_groups()
    }

    /// Esc inside the queue: from a group's jobs back to the groups, from
    /// the groups back to the list; `None` elsewhere.
    pub(crate) fn pane_back(&mut self) -> Option<Vec<Cmd>> {
        if self.pane != crate::app::Pane::Jobs {
            return None;
        }
        if self.panes.jobs.groups.on {
            self.panes.jobs.groups.on = false;
            return Some(Vec::new());
        }
        self.panes
            .jobs
            .scope
            .is_some()
            .then(|| self.toggle_groups())
    }

    /// Reads the groups again (entering the view, Ctrl-R there, a change).
    pub(crate) fn load_groups(&mut self) -> Vec<Cmd> {
        self.panes.jobs.groups.loading = true;
        self.reload(
            Slot::Groups,
            Query::Groups {
                window_secs: WINDOW_SECS,
                pinned: self.pinned_now(),
            },
        )
    }

    pub(crate) fn groups_arrived(&mut self, read: GroupsRead) {
        let g = &mut self.panes.jobs.groups;
        let keep = g.selected_group().map(|x| x.fingerprint.clone());
        let fresh = g.read.is_none();
        g.loading = false;
        g.error = None;
        g.read = Some(read);
        g.loaded_at = Some(self.clock.now());
        // First read: a storm's group first under the cursor, else the biggest.
        let want = keep.or_else(|| {
            fresh
                .then(|| {
                    g.read
                        .as_ref()?
                        .storms
                        .first()
                        .map(|s| s.fingerprint.clone())
                })
                .flatten()
        });
        let v = g.visible();
        g.scroll.selected = want
            .and_then(|fp| v.iter().position(|&i| g.groups()[i].fingerprint == fp))
            .unwrap_or(0);
    }

    /// Enter on a group: the queue lists exactly its jobs.
    pub(crate) fn open_group(&mut self, group: &Group) -> Vec<Cmd> {
        let ids: Vec<i64> = group
            .members
            .iter()
            .take(crate::app::WINDOW_CAP)
            .map(|m| m.id)
            .collect();
        let j = &mut self.panes.jobs;
        j.db_search = None;
        j.scope = Some(GroupScope {
            fingerprint: group.fingerprint.to_string(),
            ids,
            count: group.count,
        });
        j.groups.on = false;
        j.text.clear();
        j.scroll = Scroll::default();
        j.window_start = None;
        j.focus = None;
        j.acted_on = None;
        self.load_jobs(Page::First, JobsLoad::Replace)
    }

    /// `R` on a group: its failed and dead jobs, each with its guard, listed
    /// in a typed confirmation (write mode first).
    pub(crate) fn retry_group(&mut self) -> Vec<Cmd> {
        let Some(group) = self.panes.jobs.groups.selected_group().cloned() else {
            self.say(Level::Info, "select a group first");
            return Vec::new();
        };
        if self.refuse_read_only() {
            return Vec::new();
        }
        let guards = group.retry_guards();
        let id = self.requests.dialog_id();
        self.popups.dialog = Some(Dialog::RetryGroup(Box::new(crate::app::GroupRetryDialog {
            id,
            fingerprint: group.fingerprint.to_string(),
            meaning: group.meaning,
            others: group.count.saturating_sub(guards.len()),
            guards,
            typed: String::new(),
            running: false,
            outcome: None,
            skipped: Vec::new(),
        })));
        Vec::new()
    }
}
