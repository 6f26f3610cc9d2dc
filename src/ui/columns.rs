//! Table columns: an id, a number or a time is never cut — its column grows
//! to the widest value on screen — and text columns give way so that the
//! line still fits the pane.

use unicode_width::UnicodeWidthStr;

/// One column of a table.
#[derive(Debug, Clone, Copy)]
pub enum Col {
    /// An id, a number or a time: at least this many columns, and as wide as
    /// its widest value on screen.
    Whole(usize),
    /// Text (a reason, an action, a name): `width` columns when there is
    /// room, down to `least` when the whole columns need it; its values are
    /// cut with `…`.
    Text { width: usize, least: usize },
}

/// The display width of the widest of `values` (0 for none).
pub fn widest<'a>(values: impl IntoIterator<Item = &'a str>) -> usize {
    values
        .into_iter()
        .map(UnicodeWidthStr::width)
        .max()
        .unwrap_or(0)
}

/// The widths of `cols` for values whose widest on screen are `widest`
/// (ignored for text), within `room` columns counting one space after each
/// column. Text columns give way, the widest first, one column at a time;
/// when they are all at their least the line is simply wider than `room`.
pub fn widths<const N: usize>(cols: [Col; N], widest: [usize; N], room: usize) -> [usize; N] {
    let mut w = [0; N];
    for (i, col) in cols.iter().enumerate() {
        w[i] = match *col {
            Col::Whole(n) => n.max(widest[i]),
            Col::Text { width, .. } => width,
        };
    }
    let mut used = w.iter().sum::<usize>() + N;
    while used > room {
        let give = (0..N)
            .filter(|&i| matches!(cols[i], Col::Text { least, .. } if w[i] > least))
            .max_by_key(|&i| w[i]);
        let Some(i) = give else { break };
        w[i] -= 1;
        used -= 1;
    }
    w
}

/// A column of a table whose columns give way by priority, as k9s's and
/// htop's do: when the line cannot hold every column at its least, the
/// column with the highest `drop` goes first (0: never dropped, e.g. an id,
/// a status, an age); the width left over goes to the text columns, each up
/// to its widest value on screen, the narrowest first.
#[derive(Debug, Clone, Copy)]
pub struct Ranked {
    pub col: Col,
    pub drop: u8,
}

impl Ranked {
    /// An id, number or time column at least `least` wide, dropped at rank
    /// `drop` (0: never).
    pub const fn whole(least: usize, drop: u8) -> Ranked {
        Ranked {
            col: Col::Whole(least),
            drop,
        }
    }

    /// A text column at least `least` wide, dropped at rank `drop`.
    pub const fn text(least: usize, drop: u8) -> Ranked {
        Ranked {
            col: Col::Text {
                width: least,
                least,
            },
            drop,
        }
    }
}

/// The width of each of `cols` (`None`: dropped) for values whose widest on
/// screen are `widest` (for a text column: how wide it would like to be),
/// within `room` columns counting one space after each shown column. A
/// column `empty` on screen (no value in any row) is left out first.
pub fn ranked<const N: usize>(
    cols: [Ranked; N],
    widest: [usize; N],
    empty: [bool; N],
    room: usize,
) -> [Option<usize>; N] {
    let mut w = [0usize; N];
    for (i, c) in cols.iter().enumerate() {
        w[i] = match c.col {
            Col::Whole(n) => n.max(widest[i]),
            Col::Text { least, .. } => least,
        };
    }
    let mut shown: [bool; N] = std::array::from_fn(|i| !empty[i] || cols[i].drop == 0);
    let used = |shown: &[bool; N], w: &[usize; N]| -> usize {
        (0..N).filter(|&i| shown[i]).map(|i| w[i] + 1).sum()
    };
    while used(&shown, &w) > room {
        let Some(i) = (0..N)
            .filter(|&i| shown[i] && cols[i].drop > 0)
            .max_by_key(|&i| cols[i].drop)
        else {
            break;
        };
        shown[i] = false;
    }
    // The free width, one column at a time to the narrowest text column
    // still short of its widest value (ties: the one dropped last).
    let mut free = room.saturating_sub(used(&shown, &w));
    while free > 0 {
        let Some(i) = (0..N)
            .filter(|&i| shown[i])
            .filter(|&i| match cols[i].col {
                Col::Text { least, .. } => w[i] < widest[i].max(least),
                Col::Whole(_) => false,
            })
            .min_by_key(|&i| (w[i], cols[i].drop))
        else {
            break;
        };
        w[i] += 1;
        free -= 1;
    }
    let mut out = [None; N];
    for i in 0..N {
        if shown[i] {
            out[i] = Some(w[i]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_columns_grow_and_text_columns_give_way() {
        let cols = [
            Col::Whole(4),
            Col::Text {
                width: 10,
                least: 4,
            },
            Col::Whole(6),
            Col::Text { width: 8, least: 6 },
        ];
        // Room for all: each at its width, the whole ones as wide as their
        // widest value.
        assert_eq!(widths(cols, [2, 0, 9, 0], 80), [4, 10, 9, 8]);
        assert_eq!(widths(cols, [2, 0, 9, 0], 35), [4, 10, 9, 8]);
        // Short of 4: the widest text column gives first, then each in turn.
        assert_eq!(widths(cols, [2, 0, 9, 0], 31), [4, 7, 9, 7]);
        // Short of more than the text can give: text at its least, the
        // whole columns still whole.
        assert_eq!(widths(cols, [12, 0, 9, 0], 10), [12, 4, 9, 6]);
        assert_eq!(widest(["#1", "#10000006", ""]), 9);
        assert_eq!(widest([]), 0);
    }

    #[test]
    fn ranked_columns_drop_by_rank_and_give_the_rest_to_text() {
        let t = |least| Col::Text {
            width: least,
            least,
        };
        let cols = [
            Ranked {
                col: Col::Whole(3),
                drop: 0,
            },
            Ranked { col: t(4), drop: 2 },
            Ranked {
                col: Col::Whole(5),
                drop: 3,
            },
            Ranked { col: t(6), drop: 1 },
        ];
        // Room for all at their least, then the text grows to its widest,
        // the narrowest first.
        assert_eq!(
            ranked(cols, [2, 10, 5, 8], [false; 4], 22),
            [Some(3), Some(4), Some(5), Some(6)]
        );
        assert_eq!(
            ranked(cols, [2, 10, 5, 8], [false; 4], 26),
            [Some(3), Some(7), Some(5), Some(7)]
        );
        assert_eq!(
            ranked(cols, [2, 10, 5, 8], [false; 4], 80),
            [Some(3), Some(10), Some(5), Some(8)]
        );
        // Short: the highest rank goes first, then the next.
        assert_eq!(
            ranked(cols, [2, 4, 5, 6], [false; 4], 16),
            [Some(3), Some(4), None, Some(6)]
        );
        assert_eq!(
            ranked(cols, [2, 4, 5, 6], [false; 4], 11),
            [Some(3), None, None, Some(6)]
        );
        // Never below what rank 0 needs: an id stays whole.
        assert_eq!(
            ranked(cols, [9, 4, 5, 6], [false; 4], 4),
            [Some(9), None, None, None]
        );
        // A column with nothing to show leaves its room to the text.
        let empty = [false, false, true, false];
        assert_eq!(
            ranked(cols, [2, 10, 5, 8], empty, 80),
            [Some(3), Some(10), None, Some(8)]
        );
        assert_eq!(
            ranked(cols, [2, 4, 5, 6], empty, 16),
            [Some(3), Some(4), None, Some(6)]
        );
    }
}
