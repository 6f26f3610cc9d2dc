//! The trace pane: one correlation id's rows laid out as the seed page's four
//! sections (anomalies first), and moving between its selectable rows.

use crate::app::Scroll;
use std::borrow::Cow;

use crate::store::traces::{LogColumns, LogRow, Trace};
use crate::timeline::Summary;

/// One row of the trace pane.
#[derive(Debug, Clone, PartialEq)]
pub enum TraceItem {
    Section(&'static str),
    Anomaly(usize),
    Audit(usize),
    Job(usize),
    Provider(usize),
    LockGroup(usize, usize),
    /// A log inside a lock group (section 3).
    GroupLog(usize),
    /// A log in the full timeline (section 4).
    TimelineLog(usize),
    Note(&'static str),
    Blank,
}

impl TraceItem {
    pub fn selectable(&self) -> bool {
        matches!(
            self,
            TraceItem::Audit(_)
                | TraceItem::Job(_)
                | TraceItem::GroupLog(_)
                | TraceItem::TimelineLog(_)
        )
    }
}

#[derive(Debug, Default)]
pub struct TraceState {
    pub query: Option<String>,
    pub trace: Option<Trace>,
    pub summary: Option<Summary>,
    pub items: Vec<TraceItem>,
    pub scroll: Scroll,
    pub loading: bool,
    pub error: Option<String>,
    /// A detached log Enter was pressed on: opened when its payloads come.
    pub open_when_loaded: Option<i64>,
    /// When it was read (the pane does not poll).
    pub loaded_at: Option<chrono::DateTime<chrono::Utc>>,
    /// What `/` looks for in it (rows marked, `n`/`N` between them).
    pub find: String,
    /// The trace drawn as a waterfall in place of its sections.
    pub waterfall: bool,
    /// The waterfall laid out, kept between frames until the trace changes.
    pub(crate) laid: crate::waterfall::Memo,
    /// How many of the trace's logs failed (the header's count), counted
    /// once when the trace arrives rather than over every log each frame.
    pub failed_logs: usize,
    /// The longest lock key among its logs, in characters (the waterfall's
    /// lane labels are as wide), read once when the trace arrives.
    pub widest_lock: usize,
}

impl TraceState {
    /// How a failed load is shown: in the pane, in place of its rows.
    pub(crate) fn failed(&mut self, message: String) {
        self.loading = false;
        self.error = Some(message);
    }

    /// A detached log's payloads failed: it is no longer opened when they come.
    pub(crate) fn payloads_failed(&mut self) {
        self.open_when_loaded = None;
    }

    pub(crate) fn rebuild(&mut self) {
        // A new trace: the waterfall laid out for the one before is gone.
        self.laid = crate::waterfall::Memo::default();
        self.items.clear();
        self.failed_logs = 0;
        self.widest_lock = 0;
        let (Some(t), Some(s)) = (&self.trace, &self.summary) else {
            return;
        };
        // Sized once: a 100,000-log trace's rows are two per log, and a
        // growing list would hold its old and new halves at once.
        let lock_groups: usize = s.groups.iter().map(|g| 1 + g.locks.len()).sum();
        let rows =
            s.anomalies.len() + t.audit.len() + t.jobs.len() + lock_groups + 2 * t.logs.len();
        self.items = Vec::with_capacity(rows.saturating_add(16));
        self.failed_logs = (0..t.logs.count())
            .filter(|&i| crate::intents::failed_at(&t.logs, i))
            .count();
        self.widest_lock = crate::waterfall::widest_lock(&t.logs);
        let items = &mut self.items;
        if !s.anomalies.is_empty() {
            items.push(TraceItem::Section("Anomalies"));
            items.extend((0..s.anomalies.len()).map(TraceItem::Anomaly));
            items.push(TraceItem::Blank);
        }
        items.push(TraceItem::Section("1 — What changed (audit)"));
        if t.audit.is_empty() {
            items.push(TraceItem::Note("no audit rows for this correlation id"));
        }
        items.extend((0..t.audit.len()).map(TraceItem::Audit));
        items.push(TraceItem::Blank);
        items.push(TraceItem::Section(
            "2 — What the system decided (reconcile jobs)",
        ));
        if t.jobs.is_empty() {
            items.push(TraceItem::Note("no jobs for this correlation id"));
        }
        items.extend((0..t.jobs.len()).map(TraceItem::Job));
        items.push(TraceItem::Blank);
        items.push(TraceItem::Section(
            "3 — What was sent to locks (provider → lock)",
        ));
        if s.groups.is_empty() {
            items.push(TraceItem::Note(
                "no integration logs for this correlation id",
            ));
        }
        for (p, g) in s.groups.iter().enumerate() {
            items.push(TraceItem::Provider(p));
            for (k, lg) in g.locks.iter().enumerate() {
                items.push(TraceItem::LockGroup(p, k));
                items.extend(lg.logs.iter().map(|&i| TraceItem::GroupLog(i)));
            }
        }
        items.push(TraceItem::Blank);
        items.push(TraceItem::Section("4 — Timeline"));
        items.extend((0..t.logs.len()).map(TraceItem::TimelineLog));
        self.scroll.selected = self
            .items
            .iter()
            .position(TraceItem::selectable)
            .unwrap_or(0);
        self.scroll.offset.set(0);
    }

    /// `w`: the waterfall ⇄ the sections. Nothing is read: the waterfall
    /// is laid out from the rows the trace already holds. The selection
    /// moves onto a step of the timeline (the same log when one is
    /// selected), which the waterfall marks and names: Enter and `y` act on
    /// what is seen.
    pub(crate) fn toggle_waterfall(&mut self) -> Vec<crate::app::Cmd> {
        self.waterfall = !self.waterfall;
        if self.waterfall {
            let first = self
                .items
                .iter()
                .position(|it| matches!(it, TraceItem::TimelineLog(_)));
            let same = self.selected_log_index().and_then(|i| {
                let at = first?.checked_add(i)?;
                (self.items.get(at) == Some(&TraceItem::TimelineLog(i))).then_some(at)
            });
            if let Some(at) = same.or(first) {
                self.scroll.selected = at;
            }
        }
        Vec::new()
    }

    /// The rows j/k stop on: in the waterfall, its steps (the timeline's
    /// logs) only.
    fn stops_on(&self, item: &TraceItem) -> bool {
        if self.waterfall {
            matches!(item, TraceItem::TimelineLog(_))
        } else {
            item.selectable()
        }
    }

    /// The waterfall in `cells` columns and at most `max_lanes` lanes, laid
    /// out once per trace and size (`waterfall::Memo`).
    pub fn waterfall_layout(
        &self,
        cells: usize,
        max_lanes: usize,
    ) -> Option<std::sync::Arc<crate::waterfall::Waterfall>> {
        let t = self.trace.as_ref()?;
        Some(self.laid.layout(&t.logs, cells, max_lanes))
    }

    pub(crate) fn step(&mut self, forward: bool, count: usize) {
        let mut i = self.scroll.selected;
        let mut moved = 0;
        while moved < count {
            let next = if forward {
                (i + 1..self.items.len()).find(|&j| self.stops_on(&self.items[j]))
            } else {
                (0..i).rev().find(|&j| self.stops_on(&self.items[j]))
            };
            match next {
                Some(n) => {
                    i = n;
                    moved += 1;
                }
                None => break,
            }
        }
        self.scroll.selected = i;
    }

    pub(crate) fn jump_section(&mut self, forward: bool) {
        let sections: Vec<usize> = (0..self.items.len())
            .filter(|&i| matches!(self.items[i], TraceItem::Section(_)))
            .collect();
        let cur = self.scroll.selected;
        let target = if forward {
            sections.iter().find(|&&s| s > cur)
        } else {
            sections
                .iter()
                .rev()
                .find(|&&s| s + 1 < cur)
                .or(sections.first())
        };
        if let Some(&s) = target {
            if let Some(j) = (s..self.items.len()).find(|&j| self.items[j].selectable()) {
                self.scroll.selected = j;
                // Show the section heading at the top.
                self.scroll.offset.set(s);
            }
        }
    }

    pub(crate) fn selected(&self) -> Option<crate::app::Selected> {
        use crate::app::Selected;
        let t = self.trace.as_ref()?;
        match self.items.get(self.scroll.selected)? {
            TraceItem::Audit(i) => Some(Selected::Audit(t.audit[*i].clone())),
            TraceItem::Job(i) => t.jobs.get(*i).cloned().map(Selected::Job),
            TraceItem::GroupLog(i) | TraceItem::TimelineLog(i) => {
                Some(Selected::Log(t.logs.get(*i)?.into_owned()))
            }
            _ => None,
        }
    }

    /// The selected log (a big trace's built from its head).
    pub fn selected_log(&self) -> Option<Cow<'_, LogRow>> {
        self.trace.as_ref()?.logs.get(self.selected_log_index()?)
    }

    /// The index into the trace's logs of the selected row, if it is a log.
    pub fn selected_log_index(&self) -> Option<usize> {
        match self.items.get(self.scroll.selected)? {
            TraceItem::GroupLog(i) | TraceItem::TimelineLog(i) => Some(*i),
            _ => None,
        }
    }

    /// Whether some logs were loaded without their payloads (a big trace).
    pub fn has_detached(&self) -> bool {
        self.trace.as_ref().is_some_and(|t| t.logs.has_detached())
    }
}

impl crate::app::App {
    /// A big trace's payloads around the selected log, when it has none
    /// yet and no page that holds it is being read.
    pub(crate) fn trace_payloads(&mut self) -> Vec<crate::app::Cmd> {
        if self.pane != crate::app::Pane::Trace || !self.panes.trace.has_detached() {
            return Vec::new();
        }
        let (Some(t), Some(i)) = (
            &self.panes.trace.trace,
            self.panes.trace.selected_log_index(),
        ) else {
            return Vec::new();
        };
        if i >= t.logs.len() || !t.logs.detached(i) {
            return Vec::new();
        }
        let id = t.logs.id(i);
        if let Some((_, crate::app::Query::LogPayloads(p))) =
            self.requests.pending(crate::app::Slot::TracePayloads)
        {
            if p.ids.contains(&id) {
                return Vec::new();
            }
        }
        let page = crate::store::heads::page_around(&t.logs, i);
        self.reload(
            crate::app::Slot::TracePayloads,
            crate::app::Query::LogPayloads(page),
        )
    }
}

impl crate::app::App {
    /// For each troubled job of a trace, why it is where it is: the
    /// sentence of `groups::why`, from the job's own logs in the trace
    /// (no typical duration nor lock holder is read for it), redacted.
    pub(crate) fn whys_of(&self, t: &Trace) -> Vec<String> {
        // Each troubled job's logs as indices into the trace's, read in
        // place (`Subset`): a runaway job's 100,000 are not built as rows.
        let mut logs: std::collections::HashMap<i64, Vec<usize>> = std::collections::HashMap::new();
        // Only the logs of the trace's jobs that `why` can find in trouble
        // are picked: a job neither running nor failed is in trouble only
        // for an intent with no outcome. A big trace's logs naming a job
        // outside it are never picked.
        let intent = |i: usize| crate::intents::outcome_of(t.logs.action(i)).is_some();
        let n = t.logs.len();
        let jobs: std::collections::HashSet<i64> = t
            .jobs
            .iter()
            .filter(|j| {
                j.status == crate::store::traces::JobStatus::Running
                    || j.status.is_retryable()
                    || (0..n).any(|i| t.logs.reconcile_job_id(i) == Some(j.id) && intent(i))
            })
            .map(|j| j.id)
            .collect();
        for i in 0..n {
            if let Some(j) = t.logs.reconcile_job_id(i).filter(|j| jobs.contains(j)) {
                logs.entry(j).or_default().push(i);
            }
        }
        let cx = crate::groups::why::Context {
            now: self.now(),
            stuck_after: self.session.stuck_after,
            typical: None,
            lock_held: None,
        };
        t.jobs
            .iter()
            .filter_map(|j| {
                let mine = logs.get(&j.id).map_or(&[][..], Vec::as_slice);
                let mine = crate::store::subset::Subset::new(&t.logs, mine);
                let s = crate::groups::why::why(j, &mine, &cx)?;
                Some(crate::secrets::free_text(&format!("job #{}: {s}", j.id)).into_owned())
            })
            .collect()
    }
}
