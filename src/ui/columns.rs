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
}
