//! A trace's steps in time, pure: each step's offset from the trace's start
//! and the gap since the step before (the timeline's columns), and the
//! waterfall — one lane per lock and one for the broker's own steps, each
//! provider call a bar from its request to its answer — laid out in cells.
//! The layout keeps only lanes × cells small aggregates, whatever the
//! trace's length: a 100,000-log trace is as small on screen as a 10-log one.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::store::traces::LogColumns;

/// A gap between two steps longer than this stands out on the timeline.
pub const LONG_GAP_MS: i64 = 60_000;

/// A request sent longer than this before its answer was logged is not
/// believed (a clock far off, a hostile payload): the call is a tick at its
/// answer, and the window is not stretched by it.
pub const LONGEST_CALL_MS: i64 = 3_600_000;

/// The broker's own steps' lane (`ACCESS_BROKER:unknown` and rows with no
/// lock at all).
pub const BROKER_LANE: &str = "ACCESS_BROKER";

/// `+4.012 s`: milliseconds as seconds with their milliseconds, signed.
pub fn seconds(ms: i64) -> String {
    let sign = if ms < 0 { "-" } else { "+" };
    let ms = ms.unsigned_abs();
    format!("{sign}{}.{:03} s", ms / 1000, ms % 1000)
}

/// Milliseconds from `from` to `to`, when both are times Postgres could
/// write as times (an odd `infinity` row has no offset).
pub fn between(from: DateTime<Utc>, to: DateTime<Utc>) -> Option<i64> {
    if odd(from) || odd(to) {
        return None;
    }
    Some(to.signed_duration_since(from).num_milliseconds())
}

/// A time Postgres wrote as `-infinity`/`infinity` (or past chrono's range).
fn odd(t: DateTime<Utc>) -> bool {
    t == DateTime::<Utc>::MIN_UTC || t == DateTime::<Utc>::MAX_UTC
}

/// One timeline step's offset from the trace's start and the gap since the
/// step before it (none for the first step, or next to an odd time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub offset_ms: Option<i64>,
    pub gap_ms: Option<i64>,
}

impl Step {
    /// Whether the gap before this step is long enough to stand out.
    pub fn long_gap(&self) -> bool {
        self.gap_ms.is_some_and(|g| g > LONG_GAP_MS)
    }
}

/// Log `i`'s step, the trace starting at `start`.
pub fn step<L: LogColumns + ?Sized>(logs: &L, i: usize, start: Option<DateTime<Utc>>) -> Step {
    if i >= logs.count() {
        return Step {
            offset_ms: None,
            gap_ms: None,
        };
    }
    let at = logs.created_at(i);
    Step {
        offset_ms: start.and_then(|s| between(s, at)),
        gap_ms: i
            .checked_sub(1)
            .and_then(|p| between(logs.created_at(p), at)),
    }
}

/// What one cell of a lane holds: the calls that begin in it (a bar's
/// request, or a tick's only time), how many of them failed, and whether
/// a bar passes through it (and whether that bar's call failed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cell {
    pub calls: u32,
    pub ticks: u32,
    pub failed: u32,
    pub covered: bool,
    pub covered_failed: bool,
}

/// How a cell is drawn: its character carries the meaning, colour only
/// repeats it (NO_COLOR reads the same).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Glyph {
    Empty,
    /// A call's request (its bar follows).
    Start,
    /// A call with one time only.
    Tick,
    /// A bar waiting for its answer.
    Bar,
    /// A failed call's bar waiting for its answer.
    FailedBar,
    /// 2 to 9 calls begin in this cell.
    Some,
    /// 10 or more.
    Many,
    /// At least one call beginning here failed.
    Failed,
}

impl Glyph {
    pub fn char(self) -> char {
        match self {
            Glyph::Empty => ' ',
            Glyph::Start => '┣',
            Glyph::Tick => '┃',
            Glyph::Bar => '━',
            Glyph::FailedBar => '╍',
            Glyph::Some => '▒',
            Glyph::Many => '▓',
            Glyph::Failed => '✗',
        }
    }
}

impl Cell {
    pub fn glyph(&self) -> Glyph {
        match (self.failed, self.calls, self.ticks) {
            (f, _, _) if f > 0 => Glyph::Failed,
            (_, c, _) if c >= 10 => Glyph::Many,
            (_, c, _) if c >= 2 => Glyph::Some,
            (_, 1, 1) => Glyph::Tick,
            (_, 1, _) => Glyph::Start,
            _ if self.covered_failed => Glyph::FailedBar,
            _ if self.covered => Glyph::Bar,
            _ => Glyph::Empty,
        }
    }
}

/// One lane: a lock (or the broker's steps, or the locks past the lanes
/// there is room for, folded into one).
#[derive(Debug, Clone, PartialEq)]
pub struct Lane {
    pub key: String,
    pub cells: Vec<Cell>,
    pub calls: u64,
    pub failed: u64,
}

/// A trace's calls in `cells` columns between its first request and its
/// last answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Waterfall {
    pub start: Option<DateTime<Utc>>,
    pub span_ms: i64,
    pub lanes: Vec<Lane>,
    /// Locks folded into the last lane for want of room.
    pub folded: usize,
    /// Calls drawn; and rows left out for an odd time.
    pub calls: u64,
    pub untimed: u64,
}

/// A call's two times: the request (when its log has one we believe) and
/// the answer.
fn times<L: LogColumns + ?Sized>(
    logs: &L,
    i: usize,
) -> Option<(Option<DateTime<Utc>>, DateTime<Utc>)> {
    let answer = logs.created_at(i);
    if odd(answer) {
        return None;
    }
    let request = logs
        .requested_ms(i)
        .and_then(|ms| DateTime::<Utc>::from_timestamp_millis(ms.get()))
        .filter(|r| {
            between(*r, answer).is_some_and(|ms| (0..=LONGEST_CALL_MS).contains(&ms)) && *r < answer
        });
    Some((request, answer))
}

fn lane_key<L: LogColumns + ?Sized>(logs: &L, i: usize) -> &str {
    let lock = logs.lock_key(i);
    let broker = logs.provider_type(i) == Some(BROKER_LANE)
        || lock.is_none_or(|k| k.starts_with("ACCESS_BROKER:"));
    if broker {
        BROKER_LANE
    } else {
        lock.unwrap_or(BROKER_LANE)
    }
}

/// One timed call as the layout's first pass reads it, so that the second
/// pass reads this small record instead of the log's strings again.
struct Call {
    first: DateTime<Utc>,
    answer: DateTime<Utc>,
    /// The broker's lane (`BROKER`), or the lock's place in call order.
    lock: u32,
    ticks: bool,
    failed: bool,
}

const BROKER: u32 = u32::MAX;

/// The cell of time `t` among `cells` cells spanning `span_ms` from `start`.
fn column(start: Option<DateTime<Utc>>, span_ms: i64, cells: usize, t: DateTime<Utc>) -> usize {
    let cells = cells.max(1);
    let ms = start.and_then(|s| between(s, t)).unwrap_or(0).max(0);
    let c = i128::try_from(cells)
        .ok()
        .and_then(|n| i128::from(ms).checked_mul(n))
        .map(|x| x / (i128::from(span_ms) + 1));
    c.and_then(|c| usize::try_from(c).ok())
        .unwrap_or(cells - 1)
        .min(cells - 1)
}

/// The waterfall of `logs` in `cells` columns and at most `max_lanes` lanes
/// (the broker's first, then locks in the order they were first called;
/// past the room, the rest share the last lane). Each log is read once.
pub fn layout<L: LogColumns + ?Sized>(logs: &L, cells: usize, max_lanes: usize) -> Waterfall {
    let cells = cells.max(1);
    let max_lanes = max_lanes.max(1);
    let mut start: Option<DateTime<Utc>> = None;
    let mut end: Option<DateTime<Utc>> = None;
    let mut untimed = 0u64;
    // The one pass over the logs: the window, each lock's place in call
    // order (a lookup per log in a map of the locks, not of the logs), and
    // each call's times and outcome.
    let mut order: Vec<&str> = Vec::new();
    let mut seen: HashMap<&str, u32> = HashMap::new();
    let mut timed: Vec<Call> = Vec::with_capacity(logs.count());
    let mut broker = false;
    for i in 0..logs.count() {
        let Some((req, ans)) = times(logs, i) else {
            untimed += 1;
            continue;
        };
        let first = req.unwrap_or(ans);
        start = Some(start.map_or(first, |s| s.min(first)));
        end = Some(end.map_or(ans, |e| e.max(ans)));
        let key = lane_key(logs, i);
        let lock = if key == BROKER_LANE {
            broker = true;
            BROKER
        } else {
            *seen.entry(key).or_insert_with(|| {
                order.push(key);
                // More locks than a u32 counts would not fit in memory.
                u32::try_from(order.len() - 1).unwrap_or(BROKER - 1)
            })
        };
        timed.push(Call {
            first,
            answer: ans,
            lock,
            ticks: req.is_none(),
            failed: crate::intents::failed_at(logs, i),
        });
    }
    let mut keys: Vec<String> = Vec::new();
    if broker {
        keys.push(BROKER_LANE.to_string());
    }
    let room = max_lanes.saturating_sub(keys.len()).max(1);
    let folded = if order.len() > room {
        order.len() - (room - 1)
    } else {
        0
    };
    let shown = if folded > 0 { room - 1 } else { order.len() };
    keys.extend(order.iter().take(shown).map(|k| k.to_string()));
    if folded > 0 {
        keys.push(format!("… {folded} more locks"));
    }
    let lane_of = |lock: u32| -> usize {
        if lock == BROKER {
            0
        } else {
            usize::try_from(lock).unwrap_or(usize::MAX).min(shown) + usize::from(broker)
        }
    };
    let mut lanes: Vec<Lane> = keys
        .into_iter()
        .map(|key| Lane {
            key,
            cells: vec![Cell::default(); cells],
            calls: 0,
            failed: 0,
        })
        .collect();
    let span_ms = match (start, end) {
        (Some(s), Some(e)) => between(s, e).unwrap_or(0).max(0),
        _ => 0,
    };
    let mut calls = 0u64;
    for c in &timed {
        let Some(lane) = lanes.get_mut(lane_of(c.lock)) else {
            continue;
        };
        calls += 1;
        lane.calls += 1;
        lane.failed += u64::from(c.failed);
        let c0 = column(start, span_ms, cells, c.first);
        let c1 = column(start, span_ms, cells, c.answer);
        let first = &mut lane.cells[c0];
        first.calls = first.calls.saturating_add(1);
        first.failed = first.failed.saturating_add(u32::from(c.failed));
        if c.ticks {
            first.ticks = first.ticks.saturating_add(1);
        }
        // The bar's body, after the cell its request is drawn in.
        if c1 > c0 {
            for cell in &mut lane.cells[c0 + 1..=c1] {
                cell.covered = true;
                cell.covered_failed |= c.failed;
            }
        }
    }
    Waterfall {
        start,
        span_ms,
        lanes,
        folded,
        calls,
        untimed,
    }
}

/// Where one log's call is drawn: its lane, and the cells from its request
/// to its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub lane: usize,
    pub from: usize,
    pub to: usize,
}

impl Waterfall {
    /// Where log `i` (one of the logs laid out) is drawn; none for a log left
    /// out for an odd time. Reads the lanes, never the other logs.
    pub fn place<L: LogColumns + ?Sized>(&self, logs: &L, i: usize) -> Option<Place> {
        if i >= logs.count() {
            return None;
        }
        let (req, ans) = times(logs, i)?;
        let cells = self.lanes.first()?.cells.len();
        let key = lane_key(logs, i);
        let lane = if key == BROKER_LANE {
            0
        } else {
            // The broker's lane is only ever the first; a lock not among
            // the lanes was folded into the last one.
            let named = self
                .lanes
                .iter()
                .position(|lane| lane.key == key && lane.key != BROKER_LANE);
            match named {
                Some(i) => i,
                None if self.folded > 0 => self.lanes.len() - 1,
                None => return None,
            }
        };
        Some(Place {
            lane,
            from: column(self.start, self.span_ms, cells, req.unwrap_or(ans)),
            to: column(self.start, self.span_ms, cells, ans),
        })
    }
}

/// The longest lock key among `logs`, in characters (the lanes' labels are
/// as wide, up to a bound).
pub fn widest_lock<L: LogColumns + ?Sized>(logs: &L) -> usize {
    (0..logs.count())
        .filter_map(|i| logs.lock_key(i))
        .map(|k| k.chars().count())
        .max()
        .unwrap_or(0)
}

/// One trace's waterfall kept between frames, so that a frame of a
/// 100,000-log trace draws lanes × cells instead of reading every log.
/// It lives in the pane's state but is filled in by the drawing, through
/// `RefCell`, as the scroll offsets are through `Cell`: only the drawing
/// knows the pane's size (the app never learns the layout of the screen),
/// and a size it has not seen is laid out once. The pane's state drops it
/// whenever its trace changes (`TraceState::rebuild`); nothing it reads
/// changes otherwise (payload pages attaching keep each log's times, lock,
/// action, outcome and `facts.requested_ms`).
#[derive(Debug, Default)]
pub struct Memo {
    laid: std::cell::RefCell<Option<Laid>>,
}

/// A layout and the size it was laid out for: (cells, lanes).
#[derive(Debug)]
struct Laid {
    size: (usize, usize),
    waterfall: std::sync::Arc<Waterfall>,
}

impl Memo {
    /// `layout(logs, cells, max_lanes)`, laid out again only for another
    /// size.
    pub fn layout<L: LogColumns + ?Sized>(
        &self,
        logs: &L,
        cells: usize,
        max_lanes: usize,
    ) -> std::sync::Arc<Waterfall> {
        let size = (cells, max_lanes);
        if let Some(laid) = &*self.laid.borrow() {
            if laid.size == size {
                return laid.waterfall.clone();
            }
        }
        let waterfall = std::sync::Arc::new(layout(logs, cells, max_lanes));
        *self.laid.borrow_mut() = Some(Laid {
            size,
            waterfall: waterfall.clone(),
        });
        waterfall
    }
}

#[cfg(test)]
#[path = "waterfall_tests.rs"]
mod tests;
