//! A selection and its scroll offset; draw code may move the offset to keep
//! the selection visible, which is why the offset is a `Cell`.

use std::cell::Cell;

/// A scroll position that draw code may adjust to keep the selection visible.
#[derive(Debug, Default)]
pub struct Scroll {
    pub selected: usize,
    pub offset: Cell<usize>,
}

impl Scroll {
    /// The first row to draw in a viewport of `height` rows.
    pub fn offset_for(&self, height: usize) -> usize {
        let mut off = self.offset.get();
        if self.selected < off {
            off = self.selected;
        } else if height > 0 && self.selected >= off + height {
            off = self.selected + 1 - height;
        }
        self.offset.set(off);
        off
    }

    /// Selects `row` and scrolls so that it shows a few lines from the top
    /// (a search match, with its context below it).
    pub fn show_near_top(&mut self, row: usize) {
        self.selected = row;
        self.offset.set(row.saturating_sub(4));
    }

    pub(crate) fn move_by(&mut self, delta: isize, len: usize) {
        if len == 0 {
            self.selected = 0;
            return;
        }
        let s = self.selected as isize + delta;
        self.selected = s.clamp(0, len as isize - 1) as usize;
    }
}
