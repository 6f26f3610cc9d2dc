//! `:recent`: the traces, jobs, locks and users opened lately in this
//! profile (the history file's), newest first, to open again with Enter.
//! Like the help, it takes every key while open.

use crossterm::event::{KeyEvent, KeyModifiers};

use crate::app::{App, Cmd, Level, Opened, Scroll};
use crate::keys::{Action, Context, Key};

/// How many places the picker lists.
pub const RECENT_SHOWN: usize = 50;

#[derive(Debug, Default)]
pub struct RecentView {
    /// Newest first.
    pub items: Vec<Opened>,
    pub scroll: Scroll,
}

impl App {
    pub(crate) fn open_recent(&mut self) {
        let items: Vec<Opened> = self
            .popups
            .recall
            .history
            .opened
            .iter()
            .rev()
            .take(RECENT_SHOWN)
            .cloned()
            .collect();
        if items.is_empty() {
            self.say(
                Level::Info,
                "nothing opened yet in this profile: traces, jobs, locks and users you open are listed here",
            );
            return;
        }
        self.popups.overlays.clear();
        self.popups.recent = Some(RecentView {
            items,
            scroll: Scroll::default(),
        });
    }

    /// A key while `:recent` is open: it moves, opens or closes.
    pub(crate) fn recent_key(&mut self, ev: KeyEvent) -> Vec<Cmd> {
        let Some(key) = Key::from_event(&ev) else {
            return Vec::new();
        };
        let action = self.keymap.lookup(&[Context::List, Context::Global], key);
        self.recent_act(action, ev.modifiers)
    }

    /// What an action (from a key, or the mouse's) does in `:recent`.
    pub(crate) fn recent_act(
        &mut self,
        action: Option<Action>,
        modifiers: KeyModifiers,
    ) -> Vec<Cmd> {
        let Some(r) = self.popups.recent.as_mut() else {
            return Vec::new();
        };
        let len = r.items.len();
        match action {
            Some(Action::Up) => r.scroll.move_by(-1, len),
            Some(Action::Down) => r.scroll.move_by(1, len),
            Some(Action::PageUp) => r.scroll.move_by(-15, len),
            Some(Action::PageDown) => r.scroll.move_by(15, len),
            Some(Action::Top) => r.scroll.move_by(-(isize::MAX / 2), len),
            Some(Action::Bottom) => r.scroll.move_by(isize::MAX / 2, len),
            Some(Action::Open) => {
                let picked = r.items.get(r.scroll.selected).cloned();
                self.popups.recent = None;
                if let Some(loc) = picked.as_ref().and_then(Opened::loc) {
                    return self.go(loc, true);
                }
            }
            Some(Action::Quit) if modifiers.contains(KeyModifiers::CONTROL) => {
                return self.act(Action::Quit);
            }
            Some(Action::Quit | Action::Back) => self.popups.recent = None,
            _ => self.say(
                Level::Info,
                "Enter opens the place selected, Esc closes the list",
            ),
        }
        Vec::new()
    }
}
