//! From a key press to an `Action`: the prompt line (command, filter,
//! search), the keymap contexts, the hints, and what each action does.

use crate::app::{App, Cmd, Level, Overlay};
use crate::keys::{Action, ActionGroup, Context, Key};
use crossterm::event::KeyEvent;

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
            Some(Overlay::Picker(_)) => &[
                (Action::Open, "open"),
                (Action::Filter, "search"),
                (Action::Back, "close"),
            ],
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
        // A prompt, the help and `:recent` each take every key.
        if self.popups.prompt.is_some() {
            return self.prompt_key(ev);
        }
        if self.popups.help.is_some() {
            return self.help_key(ev);
        }
        if self.popups.recent.is_some() {
            return self.recent_key(ev);
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
        // `q` over a popup closes the popup, as in the help: an engineer
        // reading a payload does not mean to leave lockdesk. Ctrl-C still
        // quits from anywhere.
        if action == Action::Quit
            && !self.popups.overlays.is_empty()
            && ev.code == crossterm::event::KeyCode::Char('q')
        {
            self.popups.close_top();
            return Vec::new();
        }
        self.act_past_popups(action)
    }

    /// An action from a key or a click: refused while a popup is open that
    /// it must not reach past.
    pub(crate) fn act_past_popups(&mut self, action: Action) -> Vec<Cmd> {
        if !self.popups.overlays.is_empty()
            && !crate::app::popups::passes_popup(action, self.popups.overlays.last())
        {
            self.say(
                crate::app::Level::Info,
                "a popup is open: Esc closes it first",
            );
            return Vec::new();
        }
        self.act(action)
    }

    pub(crate) fn prompt_changed(&mut self, kind: &PromptKind, text: String) {
        match kind {
            PromptKind::Filter => self.set_text_filter(text),
            PromptKind::Search if self.search_help(&text) => {}
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
            self.search_changed();
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

    /// What an action does: each group of actions has its function
    /// (`app::dispatch`, `changes`, `copies`).
    pub fn act(&mut self, action: Action) -> Vec<Cmd> {
        match action.group() {
            ActionGroup::Global => self.act_global(action),
            ActionGroup::Panes => self.act_panes(action),
            ActionGroup::Clock => self.act_clock(action),
            ActionGroup::Navigation => self.act_navigation(action),
            ActionGroup::JobQueue => self.act_job_queue(action),
            ActionGroup::Json => self.act_json(action),
            ActionGroup::Trace => self.act_trace(action),
            ActionGroup::User => self.live_pins(action == Action::LiveDoors),
            ActionGroup::Changes => self.operate(action),
            ActionGroup::Copies => self.act_copies(action),
        }
    }
}
