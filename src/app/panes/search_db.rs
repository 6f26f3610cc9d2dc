//! `S`: the pane's `/` text searched in the database over the last 24 h,
//! where the pane's own filter sees only the rows it loaded (up to 1,000
//! jobs, 500 lock logs, the audit pages read). The answer is listed in the
//! pane in place of its loaded rows, said in the header; Esc goes back to
//! the loaded rows.

use crate::app::panes::groups::GroupScope;
use crate::app::{App, Cmd, JobsLoad, Level, Pane, Query, Scroll, Slot};
use crate::store::search::{Found, LIMIT, Search, Within};

/// The window a database search covers.
pub const WINDOW_SECS: i64 = 24 * 3600;

/// `the last 24 h`.
fn window_words() -> String {
    format!("the last {} h", WINDOW_SECS / 3600)
}

impl App {
    /// `S`: runs the pane's `/` text in the database, or says why not.
    pub(crate) fn search_database(&mut self) -> Vec<Cmd> {
        // Never through a popup to the pane behind it.
        if !self.popups.overlays.is_empty() {
            return Vec::new();
        }
        let within = match self.pane {
            Pane::Jobs if !self.panes.jobs.groups.on => Within::Jobs,
            Pane::Audit => Within::Audit,
            Pane::Locks => match &self.panes.lock.lock_key {
                Some(k) => Within::Lock(k.clone()),
                None => {
                    self.say(
                        Level::Info,
                        "no lock open: type :door 2 or :lock TTLOCK:28991110",
                    );
                    return Vec::new();
                }
            },
            _ => {
                self.say(
                    Level::Info,
                    "the database search is for the Jobs, Audit and Lock logs panes; here / searches every row the pane holds",
                );
                return Vec::new();
            }
        };
        let text = self.text_filter().cloned().unwrap_or_default();
        if text.trim().is_empty() {
            let filter = self.keys_for(crate::keys::Action::Filter);
            self.say(
                Level::Info,
                format!(
                    "type {filter} and a text first; {} then searches it in the database over {}",
                    self.db_search_key(),
                    window_words()
                ),
            );
            return Vec::new();
        }
        self.say(
            Level::Info,
            format!(
                "searching the database for \"{}\" over {}…",
                text.trim(),
                window_words()
            ),
        );
        self.reload(
            Slot::DbSearch,
            Query::DbSearch(Search {
                within,
                text: text.trim().to_string(),
                window_secs: WINDOW_SECS,
                pinned: self.pinned_now(),
            }),
        )
    }

    /// The answer of `S`: listed in its pane, said in words.
    pub(crate) fn db_found(&mut self, query: &Query, found: Found) -> Vec<Cmd> {
        let Query::DbSearch(s) = query else {
            return Vec::new();
        };
        let text = &s.text;
        let note = |n: usize, more: bool, what: (&str, &str), fields: &str| {
            let capped = if more {
                format!("the newest {LIMIT} of more ")
            } else {
                String::new()
            };
            format!(
                "database: {capped}{} {} of {} with \"{text}\" in {fields}",
                super::search::thousands(n),
                if n == 1 { what.0 } else { what.1 },
                window_words()
            )
        };
        // The found rows replace the pane's: a page or refresh of the pane
        // already in flight must not land over them.
        let slot = match &found {
            Found::Refused(_) => None,
            Found::Jobs(..) => Some(Slot::Jobs),
            Found::Audit(..) => Some(Slot::Audit),
            Found::Lock(..) => Some(Slot::Lock),
        };
        let cmds: Vec<Cmd> = slot
            .and_then(|slot| {
                Some(Cmd::Cancel {
                    slot,
                    id: self.requests.forget(slot)?,
                })
            })
            .into_iter()
            .collect();
        match found {
            Found::Refused(why) => self.say(Level::Warn, why),
            Found::Jobs(rows, more) => {
                let words = note(rows.len(), more, ("job", "jobs"), "last error or reason");
                let j = &mut self.panes.jobs;
                j.scope = Some(GroupScope {
                    fingerprint: words.clone(),
                    ids: rows.iter().map(|r| r.id).collect(),
                    count: rows.len(),
                });
                j.db_search = Some(words);
                j.window_start = None;
                j.focus = None;
                j.acted_on = None;
                j.scroll = Scroll::default();
                self.jobs_arrived(rows, JobsLoad::Replace, i64::MAX);
            }
            Found::Audit(rows, more) => {
                let a = &mut self.panes.audit;
                a.db_search = Some(note(
                    rows.len(),
                    more,
                    ("audit row", "audit rows"),
                    "entity, action, actor, source or correlation id",
                ));
                a.rows = rows;
                a.more_below = false;
                a.scroll = Scroll::default();
            }
            Found::Lock(rows, more) => {
                let l = &mut self.panes.lock;
                l.db_search = Some(note(
                    rows.len(),
                    more,
                    ("log of this lock", "logs of this lock"),
                    "action, error, job or correlation id",
                ));
                l.logs = rows;
                l.scroll = Scroll::default();
            }
        }
        cmds
    }

    /// Esc on a database search's rows: back to the pane's loaded rows.
    pub(crate) fn db_search_back(&mut self) -> Option<Vec<Cmd>> {
        if self.popups.overlays.last().is_some() {
            return None;
        }
        let on = match self.pane {
            Pane::Jobs => self.panes.jobs.db_search.take().is_some(),
            Pane::Audit => self.panes.audit.db_search.take().is_some(),
            Pane::Locks => self.panes.lock.db_search.take().is_some(),
            _ => false,
        };
        if !on {
            return None;
        }
        if self.pane == Pane::Jobs {
            self.panes.jobs.scope = None;
            let filter = self.panes.jobs.filter.clone();
            return Some(self.set_job_filter(filter));
        }
        Some(self.reload_pane(self.pane, false))
    }

    /// What a database search shows on the pane, if one is listed.
    pub fn db_search_note(&self) -> Option<String> {
        let back = self.keys_for(crate::keys::Action::Back);
        let n = match self.pane {
            Pane::Jobs => self.panes.jobs.db_search.as_ref(),
            Pane::Audit => self.panes.audit.db_search.as_ref(),
            Pane::Locks => self.panes.lock.db_search.as_ref(),
            _ => None,
        }?;
        Some(format!("{n} ({back}: back to the loaded rows)"))
    }
}
