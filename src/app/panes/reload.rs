//! Reading a pane's data again: Ctrl-R on it, or every pane holding the
//! database's rows after a change of the operator's own.

use super::{Pane, audit, trace};
use crate::app::{ActingOf, App, Cmd, JobsLoad, Query, Slot};
use crate::store::queries::Page;

impl App {
    /// After a change of the operator's own: every pane holding data from
    /// the database reloads it (the queue, the open trace, the lock's logs,
    /// the user, the audit rows with their filter kept), wherever the
    /// operator is, so none shows the state from before the change. Nothing
    /// is asked of a provider: the lock's own trail (a call through its
    /// gateway) is read again only on Ctrl-R there.
    pub(crate) fn reload_after_change(&mut self) -> Vec<Cmd> {
        let mut cmds = Vec::new();
        for pane in Pane::ALL {
            let p = &self.panes;
            let holds = match pane {
                Pane::Jobs => true,
                Pane::Audit => p.audit.loaded,
                Pane::Locks => p.lock.lock_key.is_some(),
                Pane::User => p.user.user_id.is_some(),
                Pane::Trace => p.trace.query.is_some(),
                Pane::Pulse => p.pulse.detail.is_some(),
            };
            if !holds {
                continue;
            }
            // The Pulse's own figures only: its error groups (up to 50,000
            // jobs) are read on entering it and on Ctrl-R, not after every
            // change.
            if pane == Pane::Pulse {
                cmds.extend(self.load_pulse(true, false));
            } else {
                cmds.extend(self.reload_pane(pane, false));
            }
        }
        cmds
    }

    /// Reads a pane's data again without moving there: Ctrl-R on it (`trail`:
    /// the lock's provider trail too), or after a change (database only).
    pub(crate) fn reload_pane(&mut self, pane: Pane, trail: bool) -> Vec<Cmd> {
        match pane {
            Pane::Pulse => self.reload_pulse(),
            // The groups: read again only when asked (Ctrl-R there, a change).
            Pane::Jobs if self.panes.jobs.groups.on => {
                let mut c = self.load_groups();
                c.extend(self.reload(Slot::JobCounts, self.counts_query()));
                c
            }
            Pane::Jobs => {
                let page = self.panes.jobs.window_start.map_or(Page::First, Page::From);
                let mut c = self.load_jobs(page, JobsLoad::Refresh);
                c.extend(self.reload(Slot::JobCounts, self.counts_query()));
                // Who else is acting on the selected job: with Ctrl-R, never
                // on the queue's 2-second refresh. Its devices are probed
                // (up to 8 provider calls) only on Ctrl-R (`trail`), never
                // after a change: the device lines held stay.
                if let Some(j) = self.panes.jobs.selected_job() {
                    let id = j.id;
                    // A probe of this job still out is sent again, not
                    // cancelled into a read without it (its device lines
                    // would never come).
                    let probing = matches!(
                        self.requests.pending(Slot::Acting),
                        Some((_, Query::Acting(ActingOf::Job { id: p, probe: true }))) if *p == id
                    );
                    let probe = trail || probing;
                    c.extend(self.reload(Slot::Acting, Query::Acting(ActingOf::Job { id, probe })));
                    c.extend(self.reload(Slot::JobLogs, Query::JobLogs(id)));
                }
                c
            }
            Pane::Audit => {
                self.panes.audit = audit::AuditState {
                    loading: true,
                    text: std::mem::take(&mut self.panes.audit.text),
                    ..audit::AuditState::default()
                };
                self.reload(Slot::Audit, Query::Audit { before: None })
            }
            Pane::Locks => match self.panes.lock.lock_key.clone() {
                Some(k) => {
                    let mut c = self.reload(Slot::Lock, Query::LockLogs(k.clone()));
                    c.extend(self.load_lock_acting(&k));
                    if trail {
                        c.extend(self.load_trail(&k));
                    }
                    c
                }
                None => Vec::new(),
            },
            // The broker's rows only: a live read is `l`/`L`'s.
            Pane::User => match self.panes.user.user_id {
                Some(u) => {
                    self.panes.user.pins_loading = true;
                    self.load_user(u)
                }
                None => Vec::new(),
            },
            Pane::Trace => match self.panes.trace.query.clone() {
                Some(q) => {
                    // The `/` text and the waterfall stay as the operator
                    // left them.
                    self.panes.trace = trace::TraceState {
                        query: Some(q.clone()),
                        loading: true,
                        find: std::mem::take(&mut self.panes.trace.find),
                        waterfall: self.panes.trace.waterfall,
                        ..trace::TraceState::default()
                    };
                    self.reload(Slot::Trace, Query::Trace(q))
                }
                None => Vec::new(),
            },
        }
    }
}
