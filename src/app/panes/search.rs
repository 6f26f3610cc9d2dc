//! `/` on every pane, and honest about what it searched. The queue, the
//! audit rows and a lock's logs are filtered (only matching rows stay
//! listed), over the rows loaded — said in the count and in an empty result,
//! with the key that runs the same search in the database. A trace and a
//! user are searched in place (their sections stay; matching rows are
//! marked, `n`/`N` move between them), over the rows the pane holds: a big
//! trace's log heads, never payloads it has not read.

use crate::app::panes::trace::TraceItem;
use crate::app::panes::user::UserItem;
use crate::app::{App, Cmd, Level, Pane};
use crate::store::traces::{JobRow, LogRow};

/// `1,000`: a count as the search line writes it.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `n` with its noun, plural when `n` is not 1 (`1 job`, `1,000 jobs`).
fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

fn has(field: Option<&str>, t: &str) -> bool {
    field.is_some_and(|f| f.to_lowercase().contains(t))
}

/// Whether a log's head (what a big trace loads of every log) holds `t`:
/// its action, lock, door, error, ids and correlation id.
pub fn log_matches(l: &LogRow, t: &str) -> bool {
    l.action.to_lowercase().contains(t)
        || has(l.lock_key.as_deref(), t)
        || has(l.door_name.as_deref(), t)
        || has(l.error_message.as_deref(), t)
        || has(l.correlation_id.as_deref(), t)
        || l.id.to_string() == t
        || l.reconcile_job_id.is_some_and(|j| j.to_string() == t)
        || (t == "failed" && crate::intents::failed(l))
}

fn job_matches(j: &JobRow, t: &str) -> bool {
    j.id.to_string() == t.trim_start_matches('#')
        || j.job_type.to_lowercase().contains(t)
        || j.status.as_str().contains(t)
        || has(j.reason.as_deref(), t)
        || has(j.last_error.as_deref(), t)
}

/// The lock a job is about, from its payload (`provider_type` and
/// `external_id`, else `door_id`): drift jobs name one; a user's job, which
/// touches every door she opens, names none.
pub fn job_lock(job: &JobRow) -> Option<String> {
    let p = job.payload.as_ref()?;
    let provider = p.get("provider_type").and_then(|v| v.as_str());
    let external = p.get("external_id").and_then(|v| match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    });
    match (provider, external) {
        (Some(pr), Some(ex)) if !pr.is_empty() && !ex.is_empty() => {
            Some(crate::lockkey::LockKey::new(pr, &ex).to_string())
        }
        _ => p
            .get("door_id")
            .and_then(|v| v.as_i64())
            .map(|d| format!("door {d}")),
    }
}

impl App {
    /// The pane's own selected row (overlays aside).
    fn pane_row(&self) -> usize {
        let p = &self.panes;
        match self.pane {
            Pane::Jobs if p.jobs.groups.on => p.jobs.groups.scroll.selected,
            Pane::Jobs => p.jobs.scroll.selected,
            Pane::Audit => p.audit.scroll.selected,
            Pane::Locks => p.lock.scroll.selected,
            Pane::User => p.user.scroll.selected,
            Pane::Trace => p.trace.scroll.selected,
            Pane::Pulse => p.pulse.scroll.selected,
        }
    }

    /// The text `/` searches for on this pane, lower-cased ("" for none).
    fn search_text(&self) -> String {
        self.text_filter()
            .map(|t| t.trim().to_lowercase())
            .unwrap_or_default()
    }

    /// Whether the pane is searched in place (`n`/`N` move between the
    /// marked rows) rather than filtered.
    pub fn searches_in_place(&self) -> bool {
        matches!(self.pane, Pane::Trace | Pane::User)
    }

    /// Whether row `i` of the trace or user pane matches the search.
    pub fn search_marks(&self, i: usize) -> bool {
        let t = self.search_text();
        !t.is_empty() && self.item_matches(i, &t)
    }

    fn item_matches(&self, i: usize, t: &str) -> bool {
        match self.pane {
            Pane::Trace => {
                let tr = &self.panes.trace;
                let Some(trace) = &tr.trace else { return false };
                match tr.items.get(i) {
                    Some(TraceItem::Audit(a)) => trace.audit.get(*a).is_some_and(|a| {
                        a.entity_type.to_lowercase().contains(t)
                            || a.action.to_lowercase().contains(t)
                            || has(a.actor.as_deref(), t)
                            || has(a.source.as_deref(), t)
                            || a.entity_id.is_some_and(|e| e.to_string() == t)
                    }),
                    Some(TraceItem::Job(j)) => {
                        trace.jobs.get(*j).is_some_and(|j| job_matches(j, t))
                    }
                    Some(TraceItem::GroupLog(l) | TraceItem::TimelineLog(l)) => {
                        trace.logs.get(*l).is_some_and(|l| log_matches(&l, t))
                    }
                    _ => false,
                }
            }
            Pane::User => {
                let u = &self.panes.user;
                let items = u.items();
                let Some(d) = &u.detail else { return false };
                match items.get(i) {
                    Some(UserItem::Pin(p)) => u
                        .pins
                        .as_ref()
                        .and_then(|m| m.doors.get(*p))
                        .is_some_and(|p| {
                            p.door_name.to_lowercase().contains(t)
                                || p.provider.to_lowercase().contains(t)
                                || has(p.external_id.as_deref(), t)
                                || p.door_id.to_string() == t
                        }),
                    Some(UserItem::Door(x)) => d.doors.get(*x).is_some_and(|x| {
                        x.name.to_lowercase().contains(t)
                            || has(x.lock_key.as_deref(), t)
                            || x.id.to_string() == t
                    }),
                    Some(UserItem::Trace(x)) => d.traces.get(*x).is_some_and(|x| {
                        x.correlation_id.starts_with(t) || x.what.to_lowercase().contains(t)
                    }),
                    Some(UserItem::Job(x)) => d.jobs.get(*x).is_some_and(|j| job_matches(j, t)),
                    None => false,
                }
            }
            _ => false,
        }
    }

    /// The rows `n`/`N` move between: matching rows of a trace (each log
    /// once, in the timeline) or of a user.
    pub fn search_hits(&self) -> Vec<usize> {
        let t = self.search_text();
        if t.is_empty() || !self.searches_in_place() {
            return Vec::new();
        }
        let n = self.list_len();
        (0..n)
            .filter(|&i| {
                !matches!(
                    (self.pane, self.panes.trace.items.get(i)),
                    (Pane::Trace, Some(TraceItem::GroupLog(_)))
                )
            })
            .filter(|&i| self.item_matches(i, &t))
            .collect()
    }

    /// What `/` searched on this pane, in words: `3 of 12 matches in the
    /// 3,000 log heads, 1 audit row and 2 jobs loaded`.
    pub fn search_count(&self) -> Option<String> {
        let t = self.search_text();
        if t.is_empty() {
            return None;
        }
        if let Some(crate::app::Overlay::Picker(pk)) = self.popups.overlays.last() {
            let hits = pk.hits();
            let at = hits.iter().position(|&h| h == pk.scroll.selected);
            let of = match at {
                Some(k) => format!("match {} of {}", k + 1, hits.len()),
                None => counted(hits.len(), "match", "matches"),
            };
            return Some(format!(
                "{of} in the {} listed",
                counted(pk.rows().len(), "user", "users")
            ));
        }
        let p = &self.panes;
        Some(match self.pane {
            // The Pulse is a dashboard: nothing in it is filtered.
            Pane::Jobs if p.jobs.groups.on => return None,
            Pane::Pulse => return None,
            Pane::Jobs => format!(
                "{} of the {} loaded",
                thousands(p.jobs.visible().len()),
                counted(p.jobs.rows.len(), "job", "jobs")
            ),
            Pane::Audit => format!(
                "{} of the {} loaded",
                thousands(p.audit.visible().len()),
                counted(p.audit.rows.len(), "audit row", "audit rows")
            ),
            Pane::Locks => format!(
                "{} of the {} loaded",
                thousands(p.lock.visible().len()),
                self.lock_searched()
            ),
            Pane::Trace | Pane::User => {
                let hits = self.search_hits();
                let sel = self.pane_row();
                let at = hits.iter().position(|&h| h == sel);
                let of = match at {
                    Some(k) => format!("match {} of {}", thousands(k + 1), thousands(hits.len())),
                    None => counted(hits.len(), "match", "matches"),
                };
                format!("{of} in {}", self.in_place_searched())
            }
        })
    }

    fn lock_searched(&self) -> String {
        let l = &self.panes.lock;
        let mut s = counted(l.logs.len(), "log", "logs");
        if !l.trail.events.is_empty() {
            s.push_str(&format!(
                " and {}",
                counted(l.trail.events.len(), "provider event", "provider events")
            ));
        }
        s
    }

    /// What a trace or user search looked through.
    fn in_place_searched(&self) -> String {
        match self.pane {
            Pane::Trace => match &self.panes.trace.trace {
                Some(t) => {
                    let heads = if self.panes.trace.has_detached() {
                        "log heads"
                    } else {
                        "logs"
                    };
                    format!(
                        "the {} {heads}, {} and {} (request and response bodies not searched)",
                        thousands(t.logs.len()),
                        counted(t.audit.len(), "audit row", "audit rows"),
                        counted(t.jobs.len(), "job", "jobs"),
                    )
                }
                None => "no trace".into(),
            },
            _ => counted(self.list_len(), "row of this user", "rows of this user"),
        }
    }

    /// The queue's empty result, in words.
    pub fn jobs_search_empty(&self) -> String {
        let j = &self.panes.jobs;
        format!(
            "no loaded job matches \"{}\" (searched id, type, status, reason and last error of the {} loaded, showing {}); {} searches the database over the last 24 h, Esc clears the filter",
            j.text,
            counted(j.rows.len(), "job", "jobs"),
            j.filter,
            self.db_search_key(),
        )
    }

    /// The audit pane's empty result, in words.
    pub fn audit_search_empty(&self) -> String {
        let a = &self.panes.audit;
        if a.text.is_empty() {
            return "no audit rows".into();
        }
        format!(
            "no loaded audit row matches \"{}\" (searched entity, action, actor, source and correlation id of the {} loaded); {} searches the database over the last 24 h, Esc clears the filter",
            a.text,
            counted(a.rows.len(), "audit row", "audit rows"),
            self.db_search_key(),
        )
    }

    /// The lock pane's empty result, in words.
    pub fn lock_search_empty(&self) -> String {
        let l = &self.panes.lock;
        if l.text.is_empty() {
            return "no integration logs for this lock".into();
        }
        format!(
            "no loaded log of this lock matches \"{}\" (searched action, error, job and correlation id of the {} loaded, not request or response bodies); {} searches the database over the last 24 h, Esc clears the filter",
            l.text,
            self.lock_searched(),
            self.db_search_key(),
        )
    }

    /// The key that runs the pane's search in the database.
    pub(crate) fn db_search_key(&self) -> String {
        let k = self.keys_for(crate::keys::Action::SearchDatabase);
        if k.is_empty() { "no key".into() } else { k }
    }

    /// The user picker on top, if it is.
    fn picker_mut(&mut self) -> Option<&mut crate::app::UserPicker> {
        match self.popups.overlays.last_mut() {
            Some(crate::app::Overlay::Picker(p)) => Some(p),
            _ => None,
        }
    }

    /// After the search text changed: a trace or user pane (or the user
    /// picker) moves to its first match, a filtered list to its first row.
    pub(crate) fn search_changed(&mut self) {
        if let Some(p) = self.picker_mut() {
            if let Some(&first) = p.hits().first() {
                p.scroll.selected = first;
            }
            return;
        }
        if !self.searches_in_place() {
            self.pane_scroll_mut().selected = 0;
            return;
        }
        if let Some(&first) = self.search_hits().first() {
            self.pane_scroll_mut().selected = first;
        }
    }

    /// `n`/`N` on a pane: the next (previous) match of a trace or user,
    /// wrapping; on a filtered list every row matches, so the next row.
    pub(crate) fn next_match(&mut self, forward: bool) -> Vec<Cmd> {
        if let Some(p) = self.picker_mut() {
            let (hits, sel) = (p.hits(), p.scroll.selected);
            if let Some(&n) = step(&hits, sel, forward) {
                p.scroll.selected = n;
            }
            return Vec::new();
        }
        // No other popup lets the key through to the pane behind it.
        if !self.popups.overlays.is_empty() {
            return Vec::new();
        }
        if !self.searches_in_place() {
            return self.move_in_pane(if forward { 1 } else { -1 });
        }
        let hits = self.search_hits();
        if hits.is_empty() {
            let how = if self.search_text().is_empty() {
                "nothing searched yet: / starts a search".to_string()
            } else {
                format!("no matches in {}", self.in_place_searched())
            };
            self.say(Level::Info, how);
            return Vec::new();
        }
        if let Some(&n) = step(&hits, self.pane_row(), forward) {
            self.pane_scroll_mut().selected = n;
        }
        self.trace_payloads()
    }
}

/// The match after (before) `sel` among `hits`, wrapping round.
fn step(hits: &[usize], sel: usize, forward: bool) -> Option<&usize> {
    if forward {
        hits.iter().find(|&&h| h > sel).or(hits.first())
    } else {
        hits.iter().rev().find(|&&h| h < sel).or(hits.last())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_are_written_with_thousands() {
        assert_eq!(super::thousands(0), "0");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(1_000), "1,000");
        assert_eq!(super::thousands(3_000_123), "3,000,123");
        assert_eq!(super::counted(1, "job", "jobs"), "1 job");
    }
}
