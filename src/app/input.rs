//! From a key press to an `Action`: the prompt line (command, filter,
//! search), the keymap contexts, the hints, and what each action does.

use crossterm::event::KeyEvent;
use serde_json::Value;

use crate::app::{App, Cmd, Level, Overlay, Pane};
use crate::keys::{Action, Context, Key};
use crate::store::queries::{JobFilter, StatusFilter};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptKind {
    Command,
    Filter,
    Search,
    /// Why the operator writes: asked when `--write` came without `--reason`.
    Reason,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub text: String,
}

impl App {
    pub(crate) fn context_chain(&self) -> Vec<Context> {
        if self.popups.dialog.is_some() {
            return vec![Context::Dialog];
        }
        if matches!(self.popups.overlays.last(), Some(Overlay::Json(_))) {
            return vec![Context::Json, Context::List, Context::Global];
        }
        if !self.popups.overlays.is_empty() {
            return vec![Context::List, Context::Global];
        }
        self.pane
            .context()
            .into_iter()
            .chain([Context::List, Context::Global])
            .collect()
    }

    /// The keys of an action where the operator is now (for hints).
    pub fn keys_for(&self, action: Action) -> String {
        let keys = self.keymap.keys_for(&self.context_chain(), action);
        keys.first().map(|k| k.label()).unwrap_or_default()
    }

    /// The actions worth hinting at here, with their first key.
    pub fn hints(&self) -> Vec<(String, &'static str)> {
        let wanted: &[(Action, &str)] = match self.popups.overlays.last() {
            Some(Overlay::Json(_)) => &[
                (Action::Fold, "fold"),
                (Action::Search, "search"),
                (Action::NextMatch, "next"),
                (Action::Back, "close"),
            ],
            Some(Overlay::Diff(_)) => &[(Action::Back, "close"), (Action::Down, "scroll")],
            Some(Overlay::Picker(_)) => &[(Action::Open, "open"), (Action::Back, "close")],
            None => self.pane_hints(),
        };
        wanted
            .iter()
            .filter_map(|(a, label)| {
                let k = self.keys_for(*a);
                let k = k.trim_start_matches('<').trim_end_matches('>').to_string();
                (!k.is_empty()).then_some((k, *label))
            })
            .collect()
    }

    pub(crate) fn key(&mut self, ev: KeyEvent) -> Vec<Cmd> {
        // Typing into a prompt takes every key but Enter/Esc/Backspace.
        if let Some(p) = &mut self.popups.prompt {
            use crossterm::event::KeyCode;
            match ev.code {
                KeyCode::Esc => {
                    let kind = p.kind.clone();
                    self.popups.prompt = None;
                    if kind == PromptKind::Filter {
                        self.set_text_filter(String::new());
                    }
                }
                KeyCode::Enter => {
                    let p = self.popups.prompt.take().unwrap_or(Prompt {
                        kind: PromptKind::Command,
                        text: String::new(),
                    });
                    return self.submit(p);
                }
                KeyCode::Backspace => {
                    p.text.pop();
                    let (kind, text) = (p.kind.clone(), p.text.clone());
                    self.prompt_changed(&kind, text);
                }
                KeyCode::Char(c)
                    if !ev
                        .modifiers
                        .contains(crossterm::event::KeyModifiers::CONTROL) =>
                {
                    p.text.push(c);
                    let (kind, text) = (p.kind.clone(), p.text.clone());
                    self.prompt_changed(&kind, text);
                }
                KeyCode::Char('c') => self.popups.prompt = None,
                _ => {}
            }
            return Vec::new();
        }
        let Some(key) = Key::from_event(&ev) else {
            return Vec::new();
        };
        // A confirmation takes typed text; only its own bindings act.
        if self.popups.dialog.is_some() {
            return match self.keymap.lookup(&[Context::Dialog], key) {
                Some(a) => self.act(a),
                None => self.dialog_key(ev),
            };
        }
        let Some(action) = self.keymap.lookup(&self.context_chain(), key) else {
            return Vec::new();
        };
        self.act(action)
    }

    pub(crate) fn prompt_changed(&mut self, kind: &PromptKind, text: String) {
        match kind {
            PromptKind::Filter => self.set_text_filter(text),
            PromptKind::Search => {
                if let Some(Overlay::Json(j)) = self.popups.overlays.last_mut() {
                    let n = j.doc.search(&text);
                    if let Some(r) = j.doc.jump(j.scroll.selected.saturating_sub(1), true) {
                        j.scroll.show_near_top(r);
                    }
                    self.say(
                        Level::Info,
                        format!("{n} matching line{}", if n == 1 { "" } else { "s" }),
                    );
                }
            }
            PromptKind::Command | PromptKind::Reason => {}
        }
    }

    /// Whether `/` filters the pane the operator is on.
    pub fn filters_here(&self) -> bool {
        self.text_filter().is_some()
    }

    pub(crate) fn set_text_filter(&mut self, text: String) {
        if let Some(filter) = self.text_filter_mut() {
            *filter = text;
            self.pane_scroll_mut().selected = 0;
        }
    }

    pub(crate) fn submit(&mut self, p: Prompt) -> Vec<Cmd> {
        match p.kind {
            PromptKind::Filter | PromptKind::Search => Vec::new(),
            PromptKind::Command => self.command(p.text.trim()),
            PromptKind::Reason => {
                let reason = p.text.trim().to_string();
                if reason.is_empty() {
                    self.say(
                        Level::Warn,
                        "no reason given: the session stays read-only (:write 15m REASON allows changes later)",
                    );
                } else {
                    self.enable_write(None, reason);
                }
                Vec::new()
            }
        }
    }

    pub fn act(&mut self, action: Action) -> Vec<Cmd> {
        let page = 15isize;
        match action {
            Action::Quit => {
                self.quit = true;
                vec![Cmd::Quit]
            }
            Action::Help => {
                self.popups.help = !self.popups.help;
                Vec::new()
            }
            Action::Command => {
                self.popups.prompt = Some(Prompt {
                    kind: PromptKind::Command,
                    text: String::new(),
                });
                Vec::new()
            }
            Action::Filter | Action::Search => {
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
            Action::Back => self.back(),
            Action::NextPane | Action::PrevPane => {
                let forward = action == Action::NextPane;
                self.switch_pane(self.pane.next(forward))
            }
            Action::PaneJobs => self.switch_pane(Pane::Jobs),
            Action::PaneAudit => self.switch_pane(Pane::Audit),
            Action::PaneLocks => self.switch_pane(Pane::Locks),
            Action::PaneUser => self.switch_pane(Pane::User),
            Action::PaneTrace => self.switch_pane(Pane::Trace),
            Action::ToggleUtc => {
                self.clock.shown.utc = !self.clock.shown.utc;
                Vec::new()
            }
            Action::ToggleSiteZone => {
                self.clock.shown.site = !self.clock.shown.site;
                self.clock.shown.utc = false;
                Vec::new()
            }
            Action::Refresh => self.refresh(),
            Action::Up => self.move_selection(-1),
            Action::Down => self.move_selection(1),
            Action::PageUp => self.move_selection(-page),
            Action::PageDown => self.move_selection(page),
            Action::Top => self.move_selection(-(isize::MAX / 2)),
            Action::Bottom => self.move_selection(isize::MAX / 2),
            Action::Open => self.open(),
            Action::CycleStatus => {
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
            Action::ErrorGroups => self.toggle_groups(),
            Action::ClearFilters => {
                self.panes.jobs.text.clear();
                self.set_job_filter(JobFilter::default())
            }
            Action::Fold
            | Action::UnfoldAll
            | Action::FoldAll
            | Action::NextMatch
            | Action::PrevMatch => {
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
                }
                Vec::new()
            }
            Action::LiveDoor | Action::LiveDoors => self.live_pins(action == Action::LiveDoors),
            Action::Waterfall => self.panes.trace.toggle_waterfall(),
            Action::NextSection => {
                self.panes.trace.jump_section(true);
                Vec::new()
            }
            Action::PrevSection => {
                self.panes.trace.jump_section(false);
                Vec::new()
            }
            Action::Retry
            | Action::CancelJob
            | Action::RetryAll
            | Action::Drift
            | Action::ToggleMode
            | Action::Enqueue
            | Action::Copy
            | Action::CopyAll
            | Action::CopyCurl
            | Action::CopyMarkdown => self.operate(action),
            Action::Bundle => self.bundle(),
            Action::ShowRequest | Action::ShowResponse => {
                let log = self.panes.trace.selected_log().cloned();
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
