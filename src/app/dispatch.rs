//! What each group of actions does: `App::act` routes an `Action` by its
//! `ActionGroup` to one function here (the changes and copies live with
//! their own state, in `changes` and `copies`). A new action joins a group
//! in `Action::group` and gets its arm in that group's function.

use serde_json::Value;

use crate::app::{App, Cmd, Level, Overlay, Pane, Prompt, PromptKind};
use crate::keys::Action;
use crate::store::queries::{JobFilter, StatusFilter};

/// How many rows PageUp/PageDown move.
const PAGE_ROWS: isize = 15;

impl App {
    /// Quitting, help, the prompts, Back and Refresh.
    pub(crate) fn act_global(&mut self, action: Action) -> Vec<Cmd> {
        match action {
            Action::Quit => {
                self.requests.quit = true;
                vec![Cmd::Quit]
            }
            Action::Help => {
                self.toggle_help();
                Vec::new()
            }
            Action::SearchDatabase => self.search_database(),
            Action::Command => {
                self.popups.prompt = Some(Prompt {
                    kind: PromptKind::Command,
                    text: String::new(),
                });
                Vec::new()
            }
            Action::Filter | Action::Search => self.open_filter_prompt(),
            Action::Back => self.back(),
            Action::Refresh => self.refresh(),
            // `Action::group` sends only the actions above here.
            _ => Vec::new(),
        }
    }

    /// `/`: a search prompt in a JSON popup, else the pane's filter.
    fn open_filter_prompt(&mut self) -> Vec<Cmd> {
        let in_json = matches!(self.popups.overlays.last(), Some(Overlay::Json(_)));
        if in_json {
            self.popups.prompt = Some(Prompt {
                kind: PromptKind::Search,
                text: String::new(),
            });
        } else {
            // Every pane opens a prompt, so typed text never reaches
            // the keymap; where the pane cannot be searched yet, the
            // prompt says so (`filters_here`).
            let text = self.text_filter().cloned().unwrap_or_default();
            self.popups.prompt = Some(Prompt {
                kind: PromptKind::Filter,
                text,
            });
        }
        Vec::new()
    }

    /// Choosing a pane: the next, the previous, or one by name.
    pub(crate) fn act_panes(&mut self, action: Action) -> Vec<Cmd> {
        match action {
            Action::NextPane | Action::PrevPane => {
                let forward = action == Action::NextPane;
                self.switch_pane(self.pane.next(forward))
            }
            Action::PaneJobs => self.switch_pane(Pane::Jobs),
            Action::PaneAudit => self.switch_pane(Pane::Audit),
            Action::PaneLocks => self.switch_pane(Pane::Locks),
            Action::PaneUser => self.switch_pane(Pane::User),
            Action::PaneTrace => self.switch_pane(Pane::Trace),
            Action::PanePulse => self.switch_pane(Pane::Pulse),
            // `Action::group` sends only the actions above here.
            _ => Vec::new(),
        }
    }

    /// Which zone the times are shown in.
    pub(crate) fn act_clock(&mut self, action: Action) -> Vec<Cmd> {
        match action {
            Action::ToggleUtc => {
                self.clock.shown.utc = !self.clock.shown.utc;
            }
            Action::ToggleSiteZone => {
                self.clock.shown.site = !self.clock.shown.site;
                self.clock.shown.utc = false;
            }
            // `Action::group` sends only the actions above here.
            _ => {}
        }
        Vec::new()
    }

    /// Moving in the list (or popup) and opening what is selected.
    pub(crate) fn act_navigation(&mut self, action: Action) -> Vec<Cmd> {
        match action {
            Action::Up => self.move_selection(-1),
            Action::Down => self.move_selection(1),
            Action::PageUp => self.move_selection(-PAGE_ROWS),
            Action::PageDown => self.move_selection(PAGE_ROWS),
            Action::Top => self.move_selection(-(isize::MAX / 2)),
            Action::Bottom => self.move_selection(isize::MAX / 2),
            Action::Open => self.open(),
            // `Action::group` sends only the actions above here.
            _ => Vec::new(),
        }
    }

    /// The job queue's status filter, clearing its filters, its error groups.
    pub(crate) fn act_job_queue(&mut self, action: Action) -> Vec<Cmd> {
        match action {
            Action::CycleStatus => self.cycle_status(),
            Action::ErrorGroups => self.toggle_groups(),
            Action::ClearFilters => {
                self.panes.jobs.text.clear();
                self.set_job_filter(JobFilter::default())
            }
            // `Action::group` sends only the actions above here.
            _ => Vec::new(),
        }
    }

    /// The next status filter: all, then each status, then all again.
    fn cycle_status(&mut self) -> Vec<Cmd> {
        let order: Vec<Option<StatusFilter>> = std::iter::once(None)
            .chain(StatusFilter::ALL.iter().copied().map(Some))
            .collect();
        let i = order
            .iter()
            .position(|s| *s == self.panes.jobs.filter.status)
            .unwrap_or(0);
        let mut f = self.panes.jobs.filter.clone();
        f.status = order[(i + 1) % order.len()];
        self.set_job_filter(f)
    }

    /// Folds and matches in the JSON popup on top (nothing without one).
    pub(crate) fn act_json(&mut self, action: Action) -> Vec<Cmd> {
        if let Some(Overlay::Json(j)) = self.popups.overlays.last_mut() {
            match action {
                Action::Fold if on_marker(j) => {
                    // The part too deep to hold: show its raw text.
                    let title = format!("{} · raw text", j.title);
                    let raw = Value::String(j.copy.clone().unwrap_or_default());
                    self.open_json(title, &raw);
                }
                Action::Fold => j.scroll.selected = j.doc.toggle(j.scroll.selected),
                Action::UnfoldAll => j.doc.unfold_all(),
                Action::FoldAll => {
                    j.doc.fold_all();
                    j.scroll.selected = 0;
                }
                _ => match j.doc.jump(j.scroll.selected, action == Action::NextMatch) {
                    Some(r) => j.scroll.show_near_top(r),
                    None => self.say(Level::Info, "no matches"),
                },
            }
        } else if matches!(action, Action::NextMatch | Action::PrevMatch) {
            // Outside the JSON viewer, n/N walk the pane's own `/` matches.
            return self.next_match(action == Action::NextMatch);
        }
        Vec::new()
    }

    /// The trace's sections, and the selected log's request or response.
    pub(crate) fn act_trace(&mut self, action: Action) -> Vec<Cmd> {
        match action {
            Action::Waterfall => self.panes.trace.toggle_waterfall(),
            Action::NextSection => {
                self.panes.trace.jump_section(true);
                Vec::new()
            }
            Action::PrevSection => {
                self.panes.trace.jump_section(false);
                Vec::new()
            }
            Action::ShowRequest | Action::ShowResponse => self.show_payload(action),
            // `Action::group` sends only the actions above here.
            _ => Vec::new(),
        }
    }

    /// The selected log's request or response in a JSON popup.
    fn show_payload(&mut self, action: Action) -> Vec<Cmd> {
        let log = self
            .panes
            .trace
            .selected_log()
            .map(std::borrow::Cow::into_owned);
        match log {
            Some(l) if l.detached => self.say(
                Level::Info,
                format!(
                    "log #{}: its payloads are still being read; press again in a moment",
                    l.id
                ),
            ),
            Some(l) => {
                let (part, column, v) = if action == Action::ShowRequest {
                    ("request", "request_json", l.request_json.clone())
                } else {
                    ("response", "response_json", l.response_json.clone())
                };
                // The copy is the column as Postgres wrote it.
                let raw = l
                    .raw_json
                    .iter()
                    .find(|(c, _)| *c == column)
                    .map(|(_, r)| r.clone());
                self.open_json_with(
                    format!("log #{} {} · {part}", l.id, l.action),
                    &v.unwrap_or(Value::Null),
                    raw,
                );
                self.shows_row(crate::store::reveal::RevealOf::LogColumn(l.id, column));
            }
            None => self.say(Level::Info, "select a log first"),
        }
        Vec::new()
    }

    /// The copy keys and the incident bundle.
    pub(crate) fn act_copies(&mut self, action: Action) -> Vec<Cmd> {
        match action {
            Action::Bundle => self.bundle(),
            _ => self.copy(action),
        }
    }
}

/// Is the selected line of a JSON popup a collapsed part (with its text kept)?
fn on_marker(j: &crate::app::JsonView) -> bool {
    j.copy.is_some()
        && j.doc
            .visible
            .get(j.scroll.selected)
            .and_then(|&i| j.doc.lines.get(i))
            .is_some_and(|l| crate::jsontext::is_marker(l.text.trim_matches('"')))
}
