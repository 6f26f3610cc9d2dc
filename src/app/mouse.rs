//! The mouse: the wheel scrolls the list under the pointer, a click selects
//! a row or a pane's tab, a double click (two clicks on one row within
//! `DOUBLE_CLICK`, timed by the event's time in the message, never the wall
//! clock) is Enter. Each becomes the keys a person would press, so popups,
//! the keymap's contexts and every guard behave exactly as for keys.

use std::cell::{Cell, RefCell};

use chrono::{DateTime, Duration, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

use crate::app::{App, Cmd};

/// Rows one wheel notch moves.
pub const WHEEL_ROWS: usize = 3;

/// Two clicks on one row within this are a double click.
pub fn double_click() -> Duration {
    Duration::milliseconds(400)
}

/// A list as the last frame drew it: where its rows are on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListArea {
    /// The screen row of the list's first row, and how many rows show.
    pub top: u16,
    pub height: u16,
    /// The index of the row drawn at `top`, and the selected one.
    pub offset: usize,
    pub selected: usize,
}

/// What the last frame drew where (set by `ui` while drawing, through
/// cells like the scroll offsets), and the last click.
#[derive(Debug, Default)]
pub struct Pointer {
    /// The pane tabs: first column, past the last, the row, the pane's key (1–5).
    tabs: RefCell<Vec<(u16, u16, u16, char)>>,
    /// The list drawn last (a popup's list is drawn after its pane's).
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

    /// A pane's tab (its key `1`–`5`) at columns `from..to` of `row`.
    pub fn tab(&self, from: u16, to: u16, row: u16, key: char) {
        self.tabs.borrow_mut().push((from, to, row, key));
    }

    /// The list just drawn.
    pub fn list(&self, area: ListArea) {
        self.list.set(Some(area));
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
        // click must never be its Enter), and the help, `:recent` and the
        // picker draw no list the pointer knows: clicks there would land on
        // the pane behind.
        if self.popups.prompt.is_some()
            || self.popups.dialog.is_some()
            || self.popups.help.is_some()
            || self.popups.recent.is_some()
            || matches!(
                self.popups.overlays.last(),
                Some(crate::app::Overlay::Picker(_) | crate::app::Overlay::Diff(_))
            )
        {
            return Vec::new();
        }
        let keys: Vec<KeyEvent> = match ev.kind {
            MouseEventKind::ScrollDown => vec![press(KeyCode::Down); WHEEL_ROWS],
            MouseEventKind::ScrollUp => vec![press(KeyCode::Up); WHEEL_ROWS],
            MouseEventKind::Down(MouseButton::Left) => self.click(ev.column, ev.row, at),
            _ => Vec::new(),
        };
        let mut cmds = Vec::new();
        for k in keys {
            cmds.extend(self.update(crate::app::Msg::Key(k)));
        }
        cmds
    }

    fn click(&mut self, x: u16, y: u16, at: DateTime<Utc>) -> Vec<KeyEvent> {
        let tab = self
            .pointer
            .tabs
            .borrow()
            .iter()
            .find(|&&(from, to, row, _)| row == y && (from..to).contains(&x))
            .map(|t| t.3);
        if let Some(key) = tab {
            self.pointer.last_click = None;
            return vec![press(KeyCode::Char(key))];
        }
        let Some(list) = self.pointer.list.get() else {
            return Vec::new();
        };
        let inside = y >= list.top && y - list.top < list.height;
        let Some(row) = inside
            .then(|| list.offset.checked_add(usize::from(y - list.top)))
            .flatten()
        else {
            return Vec::new();
        };
        let double = self
            .pointer
            .last_click
            .is_some_and(|(t, r)| r == row && at >= t && at - t <= double_click());
        if double {
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
