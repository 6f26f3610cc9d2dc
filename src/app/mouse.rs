//! The mouse: the wheel scrolls the list under the pointer, a click selects
//! a row or a pane's tab, a double click (two clicks on one row within
//! `DOUBLE_CLICK`, timed by the event's time in the message, never the wall
//! clock) is Enter, in the panes' lists (the User pane's rows among its
//! headings too), the error groups, the Pulse's top groups and every popup
//! list (the user picker, `:recent`, the help, the JSON viewer; the wheel
//! scrolls a diff). Each
//! becomes the actions a person's keys would send (`Down` so many times,
//! `Open`, a tab its pane's action), through the same guards as a key, so
//! popups and every refusal behave exactly as for keys; actions, not keys,
//! so that a keymap that binds the arrows, Enter or the digits otherwise
//! leaves the mouse working.

use std::cell::{Cell, RefCell};

use chrono::{DateTime, Duration, Utc};
use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

use crate::app::{App, Cmd, Overlay, Pane};
use crate::keys::Action;

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
    /// The same list's place on screen (its selection moved by a click).
    fn same_place(&self, other: &ListArea) -> bool {
        (self.left, self.top, self.width, self.height)
            == (other.left, other.top, other.width, other.height)
    }

    /// The screen line (from `top`) under cell (`x`, `y`), if on the list.
    fn line_at(&self, x: u16, y: u16) -> Option<usize> {
        let across = x >= self.left && x - self.left < self.width;
        let down = y >= self.top && y - self.top < self.height;
        (across && down).then(|| usize::from(y - self.top))
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
    /// For a list whose rows are not one a line (the User pane: sections
    /// with headings, a door's detail), the row each screen line shows.
    lines: RefCell<Option<Vec<Option<usize>>>>,
    /// The time, list and row of the last click.
    last_click: Option<(DateTime<Utc>, ListArea, usize)>,
    /// Whether what is recorded is what the screen shows: a key or a mouse
    /// action handled since the last frame may have moved rows or opened a
    /// popup, and the loop handles a batch of events before it draws. A
    /// click then is dropped rather than resolved against an old frame.
    drawn: Cell<bool>,
}

impl Pointer {
    /// A new frame: forget where the last one drew things.
    pub fn clear(&self) {
        self.drawn.set(true);
        self.tabs.borrow_mut().clear();
        self.list.set(None);
        *self.lines.borrow_mut() = None;
    }

    /// The screen may have changed since the last frame (a key, an answer,
    /// a resize or a mouse action was handled).
    pub fn stale(&self) {
        self.drawn.set(false);
    }

    /// A key was pressed: a click before it and one after are no double
    /// click.
    pub fn key_pressed(&mut self) {
        self.stale();
        self.last_click = None;
    }

    /// A pane's tab at columns `from..to` of `row`.
    pub fn tab(&self, from: u16, to: u16, row: u16, pane: Pane) {
        self.tabs.borrow_mut().push((from, to, row, pane));
    }

    /// The list just drawn.
    pub fn list(&self, area: ListArea) {
        self.list.set(Some(area));
        *self.lines.borrow_mut() = None;
    }

    /// A list just drawn whose screen lines show `lines` (a row, or none:
    /// a heading, a detail), from `area.top`; `offset` is unused.
    pub fn list_lines(&self, area: ListArea, lines: Vec<Option<usize>>) {
        self.list.set(Some(area));
        *self.lines.borrow_mut() = Some(lines);
    }

    /// The row of the list drawn last under (`x`, `y`).
    fn row_at(&self, x: u16, y: u16) -> Option<usize> {
        let list = self.list.get()?;
        let line = list.line_at(x, y)?;
        match self.lines.borrow().as_ref() {
            Some(lines) => lines.get(line).copied().flatten(),
            None => list.offset.checked_add(line),
        }
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

impl App {
    /// One mouse event at `at` (the terminal's reading of the time).
    pub(crate) fn mouse(&mut self, ev: MouseEvent, at: DateTime<Utc>) -> Vec<Cmd> {
        // A prompt takes typing only: a click must not submit it. A
        // confirmation takes only what the operator types (a stray double
        // click must never be its Enter).
        if self.popups.prompt.is_some() || self.popups.dialog.is_some() {
            return Vec::new();
        }
        // What was drawn is not what is shown any more: the person clicked
        // on the old frame; the next one is drawn before another event.
        if !self.pointer.drawn.get() {
            return Vec::new();
        }
        let (action, times) = match ev.kind {
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                if !self.wheel_reaches(ev.column, ev.row) {
                    return Vec::new();
                }
                let down = ev.kind == MouseEventKind::ScrollDown;
                (if down { Action::Down } else { Action::Up }, WHEEL_ROWS)
            }
            MouseEventKind::Down(MouseButton::Left) => {
                if let Some(pane) = self.pointer.tab_at(ev.column, ev.row) {
                    self.pointer.last_click = None;
                    // The help and `:recent` take every key; the tabs are
                    // not theirs.
                    if self.popups.help.is_some() || self.popups.recent.is_some() {
                        return Vec::new();
                    }
                    (pane.action(), 1)
                } else {
                    match self.click(ev.column, ev.row, at) {
                        Some(step) => step,
                        None => return Vec::new(),
                    }
                }
            }
            // Moves (the terminal reports every one), drags, other buttons.
            _ => return Vec::new(),
        };
        // As a key press: it clears a warning, and what it opens is
        // remembered and its payloads read.
        self.popups.key_pressed();
        self.pointer.stale();
        let mut cmds = Vec::new();
        for _ in 0..times {
            cmds.extend(self.pointer_act(action));
        }
        cmds.extend(self.popups.recall.unsaved());
        cmds.extend(self.trace_payloads());
        cmds
    }

    /// An action of the mouse where the keys would send it: the help and
    /// `:recent` take their own, a popup only those that may pass it. The
    /// action, not a key: a keymap may bind the arrows, Enter or the digits
    /// to something else.
    fn pointer_act(&mut self, action: Action) -> Vec<Cmd> {
        if self.popups.help.is_some() {
            return self.help_act(Some(action), KeyModifiers::NONE);
        }
        if self.popups.recent.is_some() {
            return self.recent_act(Some(action), KeyModifiers::NONE);
        }
        self.act_past_popups(action)
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
            Some(list) if list.line_at(x, y).is_some() => true,
            _ => !self.popup_up(),
        }
    }

    /// A click on a list's row: the moves that select it, or Enter when it
    /// is the second click on it within `double_click()`.
    fn click(&mut self, x: u16, y: u16, at: DateTime<Utc>) -> Option<(Action, usize)> {
        // A diff is a view the wheel scrolls, with no rows to select.
        if matches!(self.popups.overlays.last(), Some(Overlay::Diff(_))) {
            return None;
        }
        let list = self.pointer.last_list()?;
        let row = self.pointer.row_at(x, y)?;
        // The row clicked first is the one selected now: Enter opens the
        // selection, so it must be the row under the pointer (a key between
        // the clicks may have moved it).
        let double = self.pointer.last_click.is_some_and(|(t, l, r)| {
            r == row
                && row == list.selected
                && l.same_place(&list)
                && at >= t
                && at - t <= double_click()
        });
        // Enter in the help opens nothing: a double click there only selects.
        if double && self.popups.help.is_none() {
            self.pointer.last_click = None;
            return Some((Action::Open, 1));
        }
        self.pointer.last_click = Some((at, list, row));
        // The moves that take the selection there (past the list's end they
        // stop at its last row, as the keys do).
        Some(if row >= list.selected {
            (Action::Down, row - list.selected)
        } else {
            (Action::Up, list.selected - row)
        })
    }

    /// Where the last frame drew its tabs and list (`ui` fills it in).
    pub fn pointer(&self) -> &Pointer {
        &self.pointer
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::fixture::app;
    use crossterm::event::KeyCode;

    fn click(x: u16, y: u16) -> MouseEvent {
        MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: x,
            row: y,
            modifiers: KeyModifiers::NONE,
        }
    }

    #[test]
    fn a_click_after_a_key_not_yet_drawn_is_dropped() {
        let mut a = app();
        let list = ListArea {
            left: 0,
            width: 80,
            top: 5,
            height: 10,
            offset: 0,
            selected: 0,
        };
        // A frame drew a pane's tabs and its list.
        a.pointer().clear();
        a.pointer().tab(10, 20, 0, Pane::Audit);
        a.pointer().list(list);
        // A key arrives in the same batch as the click: the click was
        // aimed at the frame before the key; it does nothing.
        a.update(crate::app::Msg::Key(crossterm::event::KeyEvent::from(
            KeyCode::Char('j'),
        )));
        let now = a.now();
        a.update(crate::app::Msg::Mouse(click(12, 0), now));
        assert_ne!(a.pane(), Pane::Audit);
        // Drawn again, the same click acts.
        a.pointer().clear();
        a.pointer().tab(10, 20, 0, Pane::Audit);
        a.update(crate::app::Msg::Mouse(click(12, 0), now));
        assert_eq!(a.pane(), Pane::Audit);
    }

    #[test]
    fn a_key_between_two_clicks_makes_them_no_double_click() {
        let mut a = app();
        let list = |selected| ListArea {
            left: 0,
            width: 80,
            top: 5,
            height: 10,
            offset: 0,
            selected,
        };
        let now = a.now();
        // The first click on row 3 selects it (a frame drawn before each).
        a.pointer().clear();
        a.pointer().list(list(0));
        let first = a.click(4, 8, now);
        assert_eq!(first, Some((Action::Down, 3)));
        // `j` moves the selection to row 4; the second click on row 3
        // within the double-click time only selects row 3 again: Enter
        // would open row 4, which the person did not click.
        a.pointer.key_pressed();
        a.pointer().clear();
        a.pointer().list(list(4));
        let second = a.click(4, 8, now + Duration::milliseconds(200));
        assert_eq!(second, Some((Action::Up, 1)));
        // Two clicks on the selected row with nothing between: Enter.
        a.pointer().clear();
        a.pointer().list(list(3));
        let third = a.click(4, 8, now + Duration::milliseconds(300));
        assert_eq!(third, Some((Action::Open, 1)));
    }
}
