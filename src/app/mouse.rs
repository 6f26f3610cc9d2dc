//! The mouse: the wheel scrolls the list under the pointer, a click selects
//! a row or a pane's tab, a double click (two clicks on one row within
//! `DOUBLE_CLICK`, timed by the event's time in the message, never the wall
//! clock) is Enter, in the panes' lists and in every popup list (the user
//! picker, `:recent`, the help, the JSON viewer) and the error groups. A row
//! click or the wheel becomes the keys a person would press, so popups, the
//! keymap's contexts and every guard behave exactly as for keys; a tab click
//! is its pane's `Action`, whatever key (if any) the keymap binds to it.

use std::cell::{Cell, RefCell};

use chrono::{DateTime, Duration, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

use crate::app::{App, Cmd, Overlay, Pane};

/// Rows one wheel notch moves.
pub const WHEEL_ROWS: usize = 3;

/// Two clicks on one row within this are a double click.
pub fn double_click() -> Duration {
    Duration::milliseconds(400)
}

/// A list as the last frame drew it: where its rows are on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListArea {
    /// The screen column of the rows' left edge and their width (a popup's
    /// list is narrower than the screen: a click beside it is not on it).
    pub left: u16,
    pub width: u16,
    /// The screen row of the list's first row, and how many rows show.
    pub top: u16,
    pub height: u16,
    /// The index of the row drawn at `top`, and the selected one.
    pub offset: usize,
    pub selected: usize,
}

impl ListArea {
    /// The list's row under screen cell (`x`, `y`), if it is on the list.
    fn row_at(&self, x: u16, y: u16) -> Option<usize> {
        let across = x >= self.left && x - self.left < self.width;
        let down = y >= self.top && y - self.top < self.height;
        (across && down)
            .then(|| self.offset.checked_add(usize::from(y - self.top)))
            .flatten()
    }
}

/// What the last frame drew where (set by `ui` while drawing, through
/// cells like the scroll offsets), and the last click.
#[derive(Debug, Default)]
pub struct Pointer {
    /// The pane tabs: first column, past the last, the row, the pane. The
    /// pane, not its key: a keymap may bind the digits to something else.
    tabs: RefCell<Vec<(u16, u16, u16, Pane)>>,
    /// The list drawn last (a popup draws its list after its pane's, so
    /// the topmost list is the one kept).
    list: Cell<Option<ListArea>>,
    /// The time and list row of the last click.
    last_click: Option<(DateTime<Utc>, usize)>,
}

impl Pointer {
    /// A new frame: forget where the last one drew things.
    pub fn clear(&self) {
        self.tabs.borrow_mut().clear();
        self.list.set(None);
    }

    /// A pane's tab at columns `from..to` of `row`.
    pub fn tab(&self, from: u16, to: u16, row: u16, pane: Pane) {
        self.tabs.borrow_mut().push((from, to, row, pane));
    }

    /// The list just drawn.
    pub fn list(&self, area: ListArea) {
        self.list.set(Some(area));
    }

    /// The pane whose tab is at (`x`, `y`).
    pub fn tab_at(&self, x: u16, y: u16) -> Option<Pane> {
        self.tabs
            .borrow()
            .iter()
            .find(|&&(from, to, row, _)| row == y && (from..to).contains(&x))
            .map(|t| t.3)
    }

    /// The list drawn last, as the ui recorded it.
    pub fn last_list(&self) -> Option<ListArea> {
        self.list.get()
    }
}

fn press(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

impl App {
    /// One mouse event at `at` (the terminal's reading of the time).
    pub(crate) fn mouse(&mut self, ev: MouseEvent, at: DateTime<Utc>) -> Vec<Cmd> {
        // A prompt takes typing only: a click must not submit it. A
        // confirmation takes only what the operator types (a stray double
        // click must never be its Enter). A diff draws no list: a click
        // there would land on the pane behind.
        if self.popups.prompt.is_some()
            || self.popups.dialog.is_some()
            || matches!(self.popups.overlays.last(), Some(Overlay::Diff(_)))
        {
            return Vec::new();
        }
        let keys: Vec<KeyEvent> = match ev.kind {
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                if !self.wheel_reaches(ev.column, ev.row) {
                    return Vec::new();
                }
                let code = if ev.kind == MouseEventKind::ScrollDown {
                    KeyCode::Down
                } else {
                    KeyCode::Up
                };
                vec![press(code); WHEEL_ROWS]
            }
            MouseEventKind::Down(MouseButton::Left) => {
                if let Some(pane) = self.pointer.tab_at(ev.column, ev.row) {
                    self.pointer.last_click = None;
                    return self.click_tab(pane);
                }
                self.click(ev.column, ev.row, at)
            }
            _ => Vec::new(),
        };
        let mut cmds = Vec::new();
        for k in keys {
            cmds.extend(self.update(crate::app::Msg::Key(k)));
        }
        cmds
    }

    /// Whether a popup (a list or the JSON viewer, the help, `:recent`) is
    /// over the pane: it takes every key, so only its own list is under the
    /// pointer.
    fn popup_up(&self) -> bool {
        !self.popups.overlays.is_empty()
            || self.popups.help.is_some()
            || self.popups.recent.is_some()
    }

    /// The wheel scrolls the list under the pointer. Over a pane it scrolls
    /// what its keys scroll (a pane with no list drawn scrolls too, as
    /// its keys do); over a popup, only the popup's list: the pane behind is
    /// not reachable while it is open.
    fn wheel_reaches(&self, x: u16, y: u16) -> bool {
        match self.pointer.last_list() {
            Some(list) if list.row_at(x, y).is_some() => true,
            _ => !self.popup_up(),
        }
    }

    /// A click on a pane's tab: the keymap's action for that pane, whatever
    /// key it is bound to (or none), through the guard a key goes through.
    fn click_tab(&mut self, pane: Pane) -> Vec<Cmd> {
        // The help and `:recent` take every key; the tabs are not theirs.
        if self.popups.help.is_some() || self.popups.recent.is_some() {
            return Vec::new();
        }
        self.act_past_popups(pane.action())
    }

    fn click(&mut self, x: u16, y: u16, at: DateTime<Utc>) -> Vec<KeyEvent> {
        let Some(list) = self.pointer.last_list() else {
            return Vec::new();
        };
        let Some(row) = list.row_at(x, y) else {
            return Vec::new();
        };
        let double = self
            .pointer
            .last_click
            .is_some_and(|(t, r)| r == row && at >= t && at - t <= double_click());
        // Enter in the help opens nothing: a double click there only selects.
        if double && self.popups.help.is_none() {
            self.pointer.last_click = None;
            return vec![press(KeyCode::Enter)];
        }
        self.pointer.last_click = Some((at, row));
        // The keys that move the selection there (past the list's end they
        // stop at its last row, as the keys do).
        let (code, n) = if row >= list.selected {
            (KeyCode::Down, row - list.selected)
        } else {
            (KeyCode::Up, list.selected - row)
        };
        vec![press(code); n]
    }

    /// Where the last frame drew its tabs and list (`ui` fills it in).
    pub fn pointer(&self) -> &Pointer {
        &self.pointer
    }
}
