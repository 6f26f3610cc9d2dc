//! Loads: request ids and supersession (a newer load in a slot cancels the
//! older one), and what each answer changes. The timer's polls: `polling`.

use crate::app::{App, Cmd, Data, JobsLoad, Level, LoadError, PAGE, Query, Slot, TraceResult};
use crate::keys::Action;
use crate::store::queries::{JobFilter, Keyset, Page};
use crate::store::replica::Feed;
use crate::timeline::{self};

impl App {
    pub(crate) fn load(&mut self, slot: Slot, query: Query) -> Cmd {
        let (id, _) = self.requests.load(slot, query.clone());
        Cmd::Load { slot, id, query }
    }

    /// Supersedes whatever is in flight in `slot` (cancelled on the server too).
    pub(crate) fn reload(&mut self, slot: Slot, query: Query) -> Vec<Cmd> {
        let mut cmds = Vec::new();
        if let Some((old, _)) = self.requests.pending(slot) {
            cmds.push(Cmd::Cancel { slot, id: *old });
        }
        cmds.push(self.load(slot, query));
        cmds
    }

    pub(crate) fn refresh(&mut self) -> Vec<Cmd> {
        self.reload_pane(self.pane, true)
    }

    /// An answer to a load: dropped unless it is the newest of its slot,
    /// else handed to what its data (or its failure) changes.
    pub(crate) fn loaded(
        &mut self,
        slot: Slot,
        id: u64,
        result: Result<Data, LoadError>,
    ) -> Vec<Cmd> {
        // Only the newest request of a slot counts; older answers are dropped.
        let Some(query) = self.requests.answered(slot, id) else {
            return Vec::new();
        };
        match result {
            Ok(d) => {
                if self.requests.db_lost.take().is_some() {
                    self.say(Level::Info, "reconnected to the database");
                }
                self.arrived(query, d)
            }
            Err(e) => self.load_failed(slot, e),
        }
    }

    /// A failed load: said with how to retry, shown where its data would be.
    fn load_failed(&mut self, slot: Slot, mut e: LoadError) -> Vec<Cmd> {
        // Say how to try again, with the key the keymap really has.
        let retry = self.keys_for(Action::Refresh);
        if slot == Slot::Acting {
            // A side read: the pane shows its own data without it.
            tracing::warn!("{}", e.message);
            return Vec::new();
        }
        if slot != Slot::LockTrail && !retry.is_empty() {
            e.message = format!("{} — {retry} retries", e.message);
        }
        if e.connection_lost {
            self.requests.db_lost = Some(e.message.clone());
        } else if slot != Slot::LockTrail && !self.pulse_failure_is_quiet(slot) {
            // (A provider's failure is shown in its own part of the pane.)
            self.say(Level::Error, e.message.clone());
        }
        self.panes.failed(slot, e.message);
        Vec::new()
    }

    /// What each kind of data changes (and loads next).
    fn arrived(&mut self, query: Query, data: Data) -> Vec<Cmd> {
        match data {
            Data::Doors(d) => self.doors_arrived(d),
            Data::JobCounts(mut c) => {
                // Read without the storm flag (another pane was shown): the
                // last flag stays, read again on coming back (`tick`).
                let storms_read = matches!(query, Query::JobCounts { storms: true, .. });
                if !storms_read {
                    c.storms = std::mem::take(&mut self.panes.jobs.counts.storms);
                }
                self.panes.jobs.storms_stale = !storms_read;
                if let Some(db) = c.db_now {
                    self.clock.database_said(db);
                }
                let was = self.panes.jobs.counts.standby_feed;
                self.panes.jobs.counts = c;
                self.standby_feed_changed(was);
            }
            Data::Groups(read) => self.groups_arrived(*read),
            Data::Pulse(read) => return self.pulse_arrived(*read),
            Data::Job(id, job) => return self.job_arrived(id, job),
            Data::JobsRefreshed(r) => self.jobs_refreshed(&query, r),
            Data::Jobs(rows) => {
                let (mode, limit) = match query {
                    Query::Jobs { mode, limit, .. } => (mode, limit),
                    // A group's jobs are all there is: no page follows.
                    Query::JobsOfGroup { mode, .. } => (mode, i64::MAX),
                    _ => (JobsLoad::Replace, PAGE),
                };
                self.panes.jobs.error = None;
                self.jobs_arrived(rows, mode, limit);
            }
            Data::Audit(rows) => self.audit_arrived(rows),
            Data::Lock(logs) => {
                self.panes.lock.loading = false;
                self.panes.lock.error = None;
                self.panes.lock.loaded_at = Some(self.now());
                self.panes.lock.logs = logs;
                self.panes.lock.db_search = None;
            }
            Data::Acting(of, acting) => match of {
                crate::app::ActingOf::Lock(k) => {
                    if self.panes.lock.lock_key.as_deref() == Some(k.as_str()) {
                        self.panes.lock.acting = Some(acting);
                    }
                }
                crate::app::ActingOf::Job { id, probe } => {
                    let mut acting = acting;
                    // Read without a probe: the job's device lines held stay.
                    if !probe {
                        if let Some((held, a)) = self.panes.jobs.acting.take() {
                            if held == id {
                                acting.devices = a.devices;
                            }
                        }
                    }
                    self.panes.jobs.acting = Some((id, acting));
                }
            },
            Data::JobLogs(j, logs) => self.panes.jobs.why_logs = Some((j, logs)),
            Data::DbFound(found) => return self.db_found(&query, found),
            Data::LockTrail(events, clock) => {
                let t = &mut self.panes.lock.trail;
                t.loading = false;
                t.events = events;
                t.clock_skew = clock.map(|(lock, read_at)| lock - read_at);
            }
            Data::User(d) => self.user_arrived(d),
            Data::UserPins(pins, live) => {
                self.pins_arrived(&query, pins.map(|b| b.0), live);
            }
            Data::UsersFound(q, found) => return self.users_found(q, found),
            Data::Trace(r) => return self.trace_arrived(r),
            Data::LogPayloads(whole) => return self.payloads_arrived(whole),
        }
        Vec::new()
    }

    /// The doors (names for the lock pane and drift): the open lock's door
    /// found among them.
    fn doors_arrived(&mut self, d: Vec<crate::store::queries::Door>) {
        self.doors = d;
        if self.panes.lock.door.is_none() {
            let key = self.panes.lock.lock_key.clone();
            self.panes.lock.door = self.doors.iter().find(|d| d.lock_key() == key).cloned();
        }
    }

    /// `:job N`: the queue, unfiltered, from that job.
    fn job_arrived(&mut self, id: i64, job: Option<crate::store::traces::JobRow>) -> Vec<Cmd> {
        match job {
            Some(j) => {
                self.panes.jobs.filter = JobFilter::default();
                self.panes.jobs.scope = None;
                // A database search's note goes with the rows it named.
                self.panes.jobs.db_search = None;
                self.panes.jobs.groups.on = false;
                self.panes.jobs.text.clear();
                let k = Keyset::of_job(&j);
                self.panes.jobs.window_start = Some(k);
                self.panes.jobs.focus = Some(j.id);
                return self.load_jobs(Page::From(k), JobsLoad::Replace);
            }
            None => self.say(Level::Error, format!("there is no job #{id}")),
        }
        Vec::new()
    }

    /// The queue's 2-second refresh: merged into the rows shown.
    fn jobs_refreshed(&mut self, query: &Query, r: crate::store::queries::Refreshed) {
        let limit = match query {
            Query::Jobs { limit, .. } => *limit,
            _ => PAGE,
        };
        self.panes.jobs.error = None;
        // The selection follows its job (merging takes the rows).
        if self.panes.jobs.focus.is_none() {
            self.panes.jobs.focus = self.panes.jobs.selected_job().map(|j| j.id);
        }
        let rows = self.panes.jobs.merge(r);
        self.jobs_arrived(rows, JobsLoad::Refresh, limit);
    }

    /// A page of the audit pane, appended.
    fn audit_arrived(&mut self, rows: Vec<crate::store::traces::AuditRow>) {
        self.panes.audit.loading = false;
        self.panes.audit.error = None;
        self.panes.audit.loaded = true;
        if self.panes.audit.loaded_at.is_none() {
            self.panes.audit.loaded_at = Some(self.now());
        }
        self.panes.audit.more_below = rows.len() as i64 == PAGE;
        self.panes.audit.rows.extend(rows);
    }

    fn user_arrived(&mut self, d: crate::store::queries::UserDetail) {
        self.panes.user.loading = false;
        self.panes.user.error = None;
        self.panes.user.loaded_at = Some(self.now());
        if !d.exists() {
            self.say(Level::Warn, format!("there is no user #{}", d.id));
        }
        self.panes.user.detail = Some(d);
    }

    /// A trace: summarised, shown, and its payloads read.
    fn trace_arrived(&mut self, r: TraceResult) -> Vec<Cmd> {
        self.panes.trace.loading = false;
        match r {
            TraceResult::Found(t) => {
                // Remember the full id, so Esc comes back to the same trace.
                self.panes.trace.query = Some(t.correlation_id.clone());
                self.panes.trace.loaded_at = Some(self.now());
                let mut summary = timeline::summarize(&t, &self.now(), self.session.stuck_after);
                summary.anomalies.extend(self.whys_of(&t));
                self.panes.trace.summary = Some(summary);
                self.panes.trace.trace = Some(t);
                self.panes.trace.rebuild();
                return self.trace_payloads();
            }
            TraceResult::NotFound(q) => {
                self.panes.trace.error = Some(format!("no trace matches `{q}`"));
            }
            TraceResult::Ambiguous(q, ids) => {
                self.panes.trace.error = Some(format!(
                    "`{q}` matches several traces: {}. Type more of the id.",
                    ids.join(", ")
                ));
            }
            TraceResult::Invalid(m) => self.panes.trace.error = Some(m),
        }
        Vec::new()
    }

    /// A page of a big trace's payloads: attached, and the log waiting for
    /// it opened.
    fn payloads_arrived(&mut self, whole: Vec<crate::store::traces::LogRow>) -> Vec<Cmd> {
        let selected = self.panes.trace.selected_log_index().unwrap_or(0);
        if let Some(t) = &mut self.panes.trace.trace {
            t.logs.attach(whole, selected);
        }
        let wanted = self.panes.trace.open_when_loaded.take();
        let here = self.panes.trace.selected_log().filter(|l| !l.detached);
        if wanted.is_some() && here.map(|l| l.id) == wanted {
            return self.open();
        }
        // The selection may have moved on while this page was read.
        self.trace_payloads()
    }
}

impl App {
    /// `standby not receiving since 14:02:11 CST`: what the header says
    /// instead of a lag while the standby receives nothing from the primary
    /// (with the date when that is more than 20 hours ago).
    pub fn standby_stopped(&self) -> Option<String> {
        let Feed::Stopped { since } = self.panes.jobs.counts.standby_feed else {
            return None;
        };
        let Some(t) = since else {
            return Some("standby not receiving".into());
        };
        let at = if self.now() - t > chrono::Duration::hours(20) {
            self.clock.shown.short(&t, None)
        } else {
            self.clock.shown.time_of_day(&t, None)
        };
        Some(format!("standby not receiving since {at}"))
    }

    /// Says once, as it happens, that the standby stopped or resumed
    /// receiving (the header keeps saying it meanwhile).
    fn standby_feed_changed(&mut self, was: Feed) {
        match (was, self.panes.jobs.counts.standby_feed) {
            (Feed::Receiving, Feed::Stopped { .. }) => {
                let what = self.standby_stopped().unwrap_or_default();
                self.say(
                    Level::Warn,
                    format!(
                        "{what}: every pane shows only what it had replayed, so counts are \
                         marked ~ (as of then, not exact); writes still go to the primary"
                    ),
                );
            }
            (Feed::Stopped { .. }, Feed::Receiving) => self.say(
                Level::Info,
                "the standby is receiving from the primary again: counts are exact again",
            ),
            _ => {}
        }
    }
}
