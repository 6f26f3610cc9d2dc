//! The `?` help: every key of the live keymap and every `:` command with
//! its usage, as a list that scrolls (the list keys) and searches (`/`,
//! `n`/`N`). While it is open it takes every key: nothing reaches the pane
//! behind it, and `q` closes it rather than lockdesk.

use crossterm::event::{KeyEvent, KeyModifiers};

use crate::app::{App, Cmd, Level, Prompt, PromptKind, Scroll};
use crate::keys::{Action, Context, Key};

/// One line of the help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelpLine {
    Note(String),
    Blank,
    Section(String),
    /// A binding: its keys, and what the action does.
    Key(String, &'static str),
    /// A `:` command's line (its usage and what it does).
    Command(String),
}

impl HelpLine {
    /// The line as plain text (what `/` searches).
    pub fn text(&self) -> String {
        match self {
            HelpLine::Note(t) | HelpLine::Section(t) | HelpLine::Command(t) => t.clone(),
            HelpLine::Blank => String::new(),
            HelpLine::Key(k, about) => format!("{k:<19} {about}"),
        }
    }
}

/// The open help: its lines (built from the keymap when it opens), the
/// selected line, and the search typed with `/`.
#[derive(Debug, Default)]
pub struct HelpView {
    pub lines: Vec<HelpLine>,
    pub scroll: Scroll,
    pub query: String,
}

impl HelpView {
    /// Whether line `i` matches the search (a search of nothing matches none).
    pub fn matches(&self, i: usize) -> bool {
        !self.query.is_empty()
            && self
                .lines
                .get(i)
                .is_some_and(|l| l.text().to_lowercase().contains(&self.query.to_lowercase()))
    }

    fn count(&self) -> usize {
        (0..self.lines.len()).filter(|i| self.matches(*i)).count()
    }

    /// The next (or previous) matching line from the selected one, wrapping.
    fn jump(&mut self, forward: bool, include_here: bool) -> bool {
        let n = self.lines.len();
        if n == 0 {
            return false;
        }
        let here = self.scroll.selected;
        let start = usize::from(!include_here);
        for step in start..n + start {
            let i = if forward {
                (here + step) % n
            } else {
                (here + n * 2 - step) % n
            };
            if self.matches(i) {
                self.scroll.show_near_top(i);
                return true;
            }
        }
        false
    }
}

/// The help's lines for a keymap.
pub fn help_lines_for(keymap: &crate::keys::Keymap) -> Vec<HelpLine> {
    let mut lines = vec![
        HelpLine::Note(
            "Keys come from keymaps/default.toml and your own keymap file (`lockdesk info`). j/k, PageUp/PageDown, g/G scroll; / searches, n/N; Esc or q closes."
                .into(),
        ),
        HelpLine::Blank,
    ];
    for (ctx, actions) in keymap.all() {
        lines.push(HelpLine::Section(format!("[{}]", ctx.name())));
        for (action, keys) in actions {
            let keys: Vec<String> = keys.iter().map(|k| k.label()).collect();
            lines.push(HelpLine::Key(
                format!("  {}", keys.join(" ")),
                action.describe(),
            ));
        }
    }
    lines.push(HelpLine::Blank);
    lines.push(HelpLine::Section(
        "Commands (type : first; Tab completes)".into(),
    ));
    for c in crate::app::help_lines() {
        lines.push(HelpLine::Command(format!("  {c}")));
    }
    lines.push(HelpLine::Blank);
    lines.push(HelpLine::Section("The : line".into()));
    for l in [
        "  Tab completes (verbs, statuses, doors, recent ids); the dim text is what Tab would add",
        "  Up/Down: earlier commands of this profile · Ctrl-R searches them",
        "  Left/Right, Ctrl-A/Ctrl-E move · Ctrl-U, Ctrl-W, Ctrl-K delete",
    ] {
        lines.push(HelpLine::Command(l.into()));
    }
    lines
}

impl App {
    pub(crate) fn toggle_help(&mut self) {
        if self.popups.help.take().is_none() {
            self.popups.help = Some(HelpView {
                lines: help_lines_for(&self.keymap),
                ..HelpView::default()
            });
        }
    }

    /// A key while the help is open: it scrolls, searches or closes the
    /// help; any other key is held back from the pane behind, said so.
    pub(crate) fn help_key(&mut self, ev: KeyEvent) -> Vec<Cmd> {
        let Some(key) = Key::from_event(&ev) else {
            return Vec::new();
        };
        let chain = [Context::Json, Context::List, Context::Global];
        let action = self.keymap.lookup(&chain, key);
        self.help_act(action, ev.modifiers)
    }

    /// What an action (from a key, or the mouse's `Up`/`Down`) does in the help.
    pub(crate) fn help_act(&mut self, action: Option<Action>, modifiers: KeyModifiers) -> Vec<Cmd> {
        let Some(h) = self.popups.help.as_mut() else {
            return Vec::new();
        };
        let len = h.lines.len();
        let page = 15isize;
        match action {
            Some(Action::Up) => h.scroll.move_by(-1, len),
            Some(Action::Down) => h.scroll.move_by(1, len),
            Some(Action::PageUp) => h.scroll.move_by(-page, len),
            Some(Action::PageDown) => h.scroll.move_by(page, len),
            Some(Action::Top) => h.scroll.move_by(-(isize::MAX / 2), len),
            Some(Action::Bottom) => h.scroll.move_by(isize::MAX / 2, len),
            Some(Action::Search | Action::Filter) => {
                self.popups.prompt = Some(Prompt {
                    kind: PromptKind::Search,
                    text: h.query.clone(),
                });
            }
            Some(a @ (Action::NextMatch | Action::PrevMatch)) => {
                if !h.jump(a == Action::NextMatch, false) {
                    self.say(Level::Info, "no matches: / searches the help");
                }
            }
            // Ctrl-C still ends lockdesk from anywhere; `q` closes the help.
            Some(Action::Quit) if modifiers.contains(KeyModifiers::CONTROL) => {
                return self.act(Action::Quit);
            }
            Some(Action::Quit | Action::Back | Action::Help) => self.popups.help = None,
            _ => self.say(
                Level::Info,
                "the help is open: Esc or q closes it, / searches it",
            ),
        }
        Vec::new()
    }

    /// `/` typed in the help: select the first matching line from here.
    pub(crate) fn search_help(&mut self, text: &str) -> bool {
        let Some(h) = self.popups.help.as_mut() else {
            return false;
        };
        h.query = text.to_string();
        h.jump(true, true);
        let n = h.count();
        self.say(
            Level::Info,
            format!(
                "{n} matching line{} in the help",
                if n == 1 { "" } else { "s" }
            ),
        );
        true
    }
}
