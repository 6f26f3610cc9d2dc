//! The job queue pane: its state (a keyset window of at most `WINDOW_CAP`
//! jobs), the text filter, and how pages, refreshes and focus arrive.

use crate::app::{App, Cmd, JobsLoad, PAGE, Pane, Query, Scroll, Slot, WINDOW_CAP};
use crate::store::queries::{JobCounts, JobFilter, JobStamp, Keyset, Page, Refreshed};
use crate::store::traces::JobRow;

#[derive(Debug, Default)]
pub struct JobsState {
    /// The counts last came without the retry-storm read (another pane was
    /// shown): the Jobs header reads it once on coming back.
    pub storms_stale: bool,
    /// Who else is acting on a job and its devices' state (loaded with
    /// the job: `:job ID`, and Ctrl-R on the queue for the selected one).
    pub acting: Option<(i64, crate::app::Acting)>,
    /// The open job's newest logs (heads, time order), for the why line of
    /// a stuck or interrupted job: loaded with the job, as `acting` is.
    pub why_logs: Option<(i64, Vec<crate::store::traces::LogRow>)>,
    pub filter: JobFilter,
    pub rows: Vec<JobRow>,
    pub scroll: Scroll,
    /// None: the window starts at the newest job.
    pub window_start: Option<Keyset>,
    pub more_below: bool,
    pub more_above: bool,
    pub counts: JobCounts,
    pub text: String,
    pub loading: bool,
    /// Select this job when the next page arrives.
    pub focus: Option<i64>,
    /// Why the last load failed, until one succeeds.
    pub error: Option<String>,
    /// The job an action was just taken on, and where it was listed: it stays
    /// listed (with its new status) and selected until the cursor moves, so
    /// that a second key press never lands on a job the operator never saw.
    pub acted_on: Option<(usize, JobRow)>,
    /// The error groups view (`e`).
    pub groups: super::groups::GroupsState,
    /// Set while the list shows one error group's jobs (Enter on a group).
    pub scope: Option<super::groups::GroupScope>,
    /// Set while the list shows a database search's jobs (`S`), in words
    /// (their ids are the `scope`, so the refresh reads them again).
    pub db_search: Option<String>,
}

impl JobsState {
    /// How a failed load is shown: in the pane, in place of its rows.
    pub(crate) fn failed(&mut self, message: String) {
        self.loading = false;
        self.error = Some(message);
    }

    /// The rows of a refreshed window: each id's fresh row, or the one on
    /// screen when it did not change. (An id in neither, which only a
    /// window replaced meanwhile could cause, is left to the next refresh.)
    pub(crate) fn merge(&mut self, r: Refreshed) -> Vec<JobRow> {
        if r.order.is_empty() {
            // (An empty answer leaves a scrolled window as it is.)
            return Vec::new();
        }
        let mut fresh: std::collections::HashMap<i64, JobRow> =
            r.fresh.into_iter().map(|j| (j.id, j)).collect();
        let mut old: std::collections::HashMap<i64, JobRow> = std::mem::take(&mut self.rows)
            .into_iter()
            .map(|j| (j.id, j))
            .collect();
        r.order
            .iter()
            .filter_map(|id| fresh.remove(id).or_else(|| old.remove(id)))
            .map(|mut j| {
                j.interrupted = r.interrupted.contains(&j.id);
                j
            })
            .collect()
    }

    /// Indices of the rows the text filter lets through.
    pub fn visible(&self) -> Vec<usize> {
        let t = self.text.to_lowercase();
        (0..self.rows.len())
            .filter(|&i| t.is_empty() || job_matches(&self.rows[i], &t))
            .collect()
    }

    pub(crate) fn selected(&self) -> Option<crate::app::Selected> {
        self.selected_job().cloned().map(crate::app::Selected::Job)
    }

    pub fn selected_job(&self) -> Option<&JobRow> {
        let v = self.visible();
        v.get(self.scroll.selected).map(|&i| &self.rows[i])
    }
}

fn job_matches(j: &JobRow, t: &str) -> bool {
    j.id.to_string().contains(t)
        || j.job_type.to_lowercase().contains(t)
        || j.status.as_str().contains(t)
        || j.user_id.to_string() == t
        || j.reason
            .as_deref()
            .is_some_and(|r| r.to_lowercase().contains(t))
        || j.last_error
            .as_deref()
            .is_some_and(|e| e.to_lowercase().contains(t))
        || j.correlation_id
            .as_deref()
            .is_some_and(|c| c.starts_with(t))
}

impl App {
    /// On the key press that acts on a job of the queue: it stays listed
    /// and selected from now on, whatever a refresh brings before the answer
    /// (and until the cursor moves).
    pub(crate) fn pin_on_press(&mut self, job: i64) {
        if self.pane != Pane::Jobs {
            return;
        }
        let j = &mut self.panes.jobs;
        if let Some(i) = j.rows.iter().position(|r| r.id == job) {
            j.acted_on = Some((i, j.rows[i].clone()));
            j.focus = Some(job);
        }
    }

    /// The answer: the job acted on shows the status the action left it in
    /// (listed again where it was if a refresh dropped it meanwhile).
    pub(crate) fn pin_acted_on(&mut self, job: i64, status: &str) {
        let now = self.now();
        let set = |r: &mut JobRow| {
            r.status = status.into();
            if status == "queued" {
                // A retry makes it due now.
                r.next_run_at = Some(now);
            }
        };
        let j = &mut self.panes.jobs;
        if let Some(r) = j.rows.iter_mut().find(|r| r.id == job) {
            set(r);
        }
        match &mut j.acted_on {
            Some((at, row)) if row.id == job => {
                set(row);
                if !j.rows.iter().any(|r| r.id == job) {
                    let at = (*at).min(j.rows.len());
                    j.rows.insert(at, row.clone());
                }
            }
            _ => {
                if let Some(i) = j.rows.iter().position(|r| r.id == job) {
                    j.acted_on = Some((i, j.rows[i].clone()));
                }
            }
        }
        if j.acted_on.as_ref().is_some_and(|(_, r)| r.id == job) {
            j.focus = Some(job);
            let v = j.visible();
            if let Some(pos) = v.iter().position(|&i| j.rows[i].id == job) {
                j.scroll.selected = pos;
            }
        }
    }

    pub(crate) fn load_jobs(&mut self, page: Page, mode: JobsLoad) -> Vec<Cmd> {
        self.panes.jobs.loading = true;
        if let Some(scope) = &self.panes.jobs.scope {
            // A group's jobs: read again by id, never the filter's pages.
            let ids = scope.ids.clone();
            let mode = if mode == JobsLoad::Refresh {
                JobsLoad::Refresh
            } else {
                JobsLoad::Replace
            };
            return self.reload(Slot::Jobs, Query::JobsOfGroup { ids, mode });
        }
        // A refresh re-reads the whole window, so scrolled-in pages stay.
        let limit = if mode == JobsLoad::Refresh {
            i64::try_from(self.panes.jobs.rows.len())
                .unwrap_or(i64::MAX)
                .max(PAGE)
        } else {
            PAGE
        };
        let known = if mode == JobsLoad::Refresh {
            self.panes.jobs.rows.iter().map(JobStamp::of).collect()
        } else {
            Vec::new()
        };
        self.reload(
            Slot::Jobs,
            Query::Jobs {
                filter: self.panes.jobs.filter.clone(),
                page,
                mode,
                now: self.now(),
                limit,
                known,
            },
        )
    }

    pub(crate) fn set_job_filter(&mut self, filter: JobFilter) -> Vec<Cmd> {
        self.panes.jobs.filter = filter;
        self.panes.jobs.scope = None;
        // A database search's note goes with the rows it named.
        self.panes.jobs.db_search = None;
        self.panes.jobs.groups.on = false;
        self.panes.jobs.window_start = None;
        self.panes.jobs.scroll = Scroll::default();
        self.panes.jobs.focus = None;
        self.panes.jobs.acted_on = None;
        self.pane = Pane::Jobs;
        self.load_jobs(Page::First, JobsLoad::Replace)
    }

    pub(crate) fn jobs_arrived(&mut self, rows: Vec<JobRow>, mode: JobsLoad, limit: i64) {
        let j = &mut self.panes.jobs;
        j.loading = false;
        let full = rows.len() as i64 >= limit;
        let keep_id = j.selected_job().map(|r| r.id);
        match mode {
            JobsLoad::Replace => {
                j.more_below = full;
                j.more_above = j.window_start.is_some();
                j.rows = rows;
                j.scroll.selected = 0;
                j.scroll.offset.set(0);
            }
            JobsLoad::Refresh => {
                // Same window, fresh values; the selection follows its job.
                if j.window_start.is_none() || !rows.is_empty() {
                    j.rows = rows;
                    j.more_below = full;
                }
            }
            JobsLoad::Append => {
                j.more_below = full;
                j.rows.extend(rows);
                if j.rows.len() > WINDOW_CAP {
                    let drop = j.rows.len() - WINDOW_CAP;
                    j.rows.drain(..drop);
                    j.window_start = j.rows.first().map(Keyset::of_job);
                    j.more_above = true;
                    let off = j.scroll.offset.get().saturating_sub(drop);
                    j.scroll.offset.set(off);
                }
            }
            JobsLoad::Prepend => {
                let n = rows.len();
                j.more_above = full;
                let mut new = rows;
                new.append(&mut j.rows);
                j.rows = new;
                if !j.more_above {
                    j.window_start = None;
                } else {
                    j.window_start = j.rows.first().map(Keyset::of_job);
                }
                if j.rows.len() > WINDOW_CAP {
                    j.rows.truncate(WINDOW_CAP);
                    j.more_below = true;
                }
                j.scroll.offset.set(j.scroll.offset.get() + n);
            }
        }
        // The job just acted on stays where it was, even when the filter
        // no longer matches its new status.
        if let Some((at, row)) = &j.acted_on {
            if !j.rows.iter().any(|r| r.id == row.id) {
                let at = (*at).min(j.rows.len());
                j.rows.insert(at, row.clone());
            }
        }
        let want = j.focus.take().or(if mode == JobsLoad::Replace {
            None
        } else {
            keep_id
        });
        if let Some(id) = want {
            let v = j.visible();
            if let Some(pos) = v.iter().position(|&i| j.rows[i].id == id) {
                j.scroll.selected = pos;
            }
        }
        let len = j.visible().len();
        if len > 0 && j.scroll.selected >= len {
            j.scroll.selected = len - 1;
        }
    }
}

impl App {
    /// Why a failed, dead, stuck or interrupted job is where it is: the
    /// sentence of `groups::why`, redacted as every text shown. A failed or
    /// dead job's comes from its row (its `last_error`) and its logs when
    /// loaded; a stuck or interrupted job's needs its logs (`why_logs`,
    /// loaded with the job detail): none is said before they are.
    pub fn job_why(&self, job: &JobRow) -> Option<String> {
        let logs = self
            .panes
            .jobs
            .why_logs
            .as_ref()
            .filter(|(id, _)| *id == job.id && (job.interrupted || job.status == "running"))
            .map(|(_, l)| l.as_slice());
        if !job.status.is_retryable() && logs.is_none() {
            return None;
        }
        let cx = crate::groups::why::Context {
            now: self.now(),
            stuck_after: self.session.stuck_after,
            typical: None,
            lock_held: None,
        };
        let s = crate::groups::why::why(job, logs.unwrap_or(&[]), &cx)?;
        Some(crate::secrets::free_text(&s).into_owned())
    }
}
