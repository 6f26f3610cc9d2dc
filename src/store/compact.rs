//! A trace's logs as the console holds them: a small trace's whole rows, or
//! a big trace's heads in compact form (see `heads`' module comment for
//! why). A compact head is 48 bytes: its numbers inline, each text an
//! index into the trace's own table of distinct texts (a trace repeats its
//! correlation id, actions, providers, locks and doors on every row), the
//! rarely-present parts (odd values, an intent's change, a done job's
//! summary) in a side table. A `LogRow` is built from a head only when one
//! is asked for (`get`); what every log is read for — the summary, the
//! header's counts, the waterfall, the offsets — reads the columns in place
//! through `LogColumns`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::num::NonZeroI64;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::facts::LogFacts;
use super::logrow::LogRow;
use super::odd::{Oddity, RawJson};

pub use super::columns::LogColumns;

/// How many whole logs a big trace keeps at most; the ones farthest from
/// the selection are detached again past it, so scrolling a 20,000-log
/// trace end to end stays in bounded memory.
pub const PAYLOADS_KEPT: usize = 1_000;

/// One log of a big trace without its payloads: 48 bytes (a `LogRow` is
/// 488 and its texts on the heap besides).
#[derive(Debug, Clone, PartialEq)]
struct Head {
    id: i64,
    requested_ms: Option<NonZeroI64>,
    created_at: DateTime<Utc>,
    /// Index into `Heads::shapes`.
    shape: u32,
    /// Indices into `Heads::texts`, `NONE` for a NULL.
    error_message: u32,
    target: u32,
    /// Index into `Heads::rare` plus one; 0 for none (almost every head).
    rare: u32,
    ok: bool,
}

/// The columns a trace's logs share by the hundred: its correlation id,
/// each step's action, provider, lock, door and job. A runaway job's
/// 100,000 logs have a handful of shapes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Shape {
    /// Indices into `Heads::texts` (`NONE` for a NULL): the `TEXT_*` columns.
    texts: [u32; 7],
    door_id: Option<i64>,
    reconcile_job_id: Option<i64>,
}

const NONE: u32 = u32::MAX;
const TEXT_ACTION: usize = 0;
const TEXT_CORRELATION: usize = 1;
const TEXT_SESSION: usize = 2;
const TEXT_DOOR_NAME: usize = 3;
const TEXT_EXTERNAL: usize = 4;
const TEXT_LOCK: usize = 5;
const TEXT_PROVIDER: usize = 6;

/// What few heads have: odd values, the JSON text of a non-payload column,
/// an intent's change, a done job's summary.
#[derive(Debug, Clone, PartialEq)]
struct Rare {
    odd: Vec<Oddity>,
    raw_json: RawJson,
    change: [Option<Value>; 2],
    summary: Option<Value>,
}

/// A big trace's logs as compact heads, and the whole rows of the ones
/// whose payloads are loaded (at most `PAYLOADS_KEPT`).
#[derive(Debug, Clone, PartialEq)]
pub struct Heads {
    heads: Vec<Head>,
    shapes: Vec<Shape>,
    texts: Vec<Box<str>>,
    rare: Vec<Rare>,
    whole: HashMap<usize, LogRow>,
}

/// Builds `Heads` from detached rows as they are read, each distinct text
/// stored once.
#[derive(Default)]
pub struct HeadsBuilder {
    heads: Vec<Head>,
    index: HashMap<Box<str>, u32>,
    shapes: HashMap<Shape, u32>,
    rare: Vec<Rare>,
    /// The rare parts with no odd value, by their JSON text: a runaway
    /// job's 20,000 done steps share one summary.
    rare_index: HashMap<String, u32>,
}

impl HeadsBuilder {
    pub fn with_capacity(n: usize) -> HeadsBuilder {
        HeadsBuilder {
            heads: Vec::with_capacity(n),
            ..HeadsBuilder::default()
        }
    }

    fn text(&mut self, s: Option<&str>) -> u32 {
        let Some(s) = s else { return NONE };
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        // Past u32::MAX - 1 distinct texts (never, at 4 billion) a text is
        // kept as NULL rather than wrapping onto another.
        let Ok(i) = u32::try_from(self.index.len()) else {
            return NONE;
        };
        if i == NONE {
            return NONE;
        }
        self.index.insert(s.into(), i);
        i
    }

    /// Adds a detached row (a head: `heads::log_head`).
    pub fn push(&mut self, l: LogRow) {
        debug_assert!(l.detached);
        let shape = Shape {
            texts: [
                self.text(Some(&l.action)),
                self.text(l.correlation_id.as_deref()),
                self.text(l.debug_session_id.as_deref()),
                self.text(l.door_name.as_deref()),
                self.text(l.external_id.as_deref()),
                self.text(l.lock_key.as_deref()),
                self.text(l.provider_type.as_deref()),
            ],
            door_id: l.door_id,
            reconcile_job_id: l.reconcile_job_id,
        };
        let shapes = self.shapes.len();
        // As many shapes as heads at most: a u32 holds them.
        let shape = *self
            .shapes
            .entry(shape)
            .or_insert_with(|| u32::try_from(shapes).unwrap_or(u32::MAX));
        let error_message = self.text(l.error_message.as_deref());
        let target = self.text(l.facts.target.as_deref());
        let LogFacts {
            change, summary, ..
        } = l.facts;
        let plain = l.odd.is_empty() && l.raw_json.is_empty();
        let rare = if plain && change.iter().all(Option::is_none) && summary.is_none() {
            0
        } else {
            let key = plain.then(|| serde_json::json!([change, summary]).to_string());
            match key.as_ref().and_then(|k| self.rare_index.get(k)) {
                Some(&r) => r,
                None => {
                    self.rare.push(Rare {
                        odd: l.odd,
                        raw_json: l.raw_json,
                        change,
                        summary,
                    });
                    let r = u32::try_from(self.rare.len()).unwrap_or(0);
                    if let Some(k) = key {
                        self.rare_index.insert(k, r);
                    }
                    r
                }
            }
        };
        self.heads.push(Head {
            id: l.id,
            requested_ms: l.facts.requested_ms,
            created_at: l.created_at,
            shape,
            error_message,
            target,
            rare,
            ok: l.ok,
        });
    }

    pub fn finish(self) -> Heads {
        let mut texts: Vec<Box<str>> = vec![Box::default(); self.index.len()];
        for (s, i) in self.index {
            if let Some(t) = usize::try_from(i).ok().and_then(|i| texts.get_mut(i)) {
                *t = s;
            }
        }
        let mut shapes: Vec<Shape> = Vec::with_capacity(self.shapes.len());
        let mut by_index: Vec<(u32, Shape)> =
            self.shapes.into_iter().map(|(s, i)| (i, s)).collect();
        by_index.sort_by_key(|(i, _)| *i);
        shapes.extend(by_index.into_iter().map(|(_, s)| s));
        let mut heads = self.heads;
        heads.shrink_to_fit();
        let mut rare = self.rare;
        rare.shrink_to_fit();
        Heads {
            heads,
            shapes,
            texts,
            rare,
            whole: HashMap::new(),
        }
    }
}

impl Heads {
    fn text_at(&self, t: u32) -> Option<&str> {
        if t == NONE {
            return None;
        }
        self.texts.get(usize::try_from(t).ok()?).map(|s| &**s)
    }

    fn shape(&self, i: usize) -> &Shape {
        // Every head's shape is in the table (`HeadsBuilder::push`).
        &self.shapes[usize::try_from(self.heads[i].shape).unwrap_or(usize::MAX)]
    }

    /// Head `i`'s shared text `col` (`TEXT_*`).
    fn text(&self, i: usize, col: usize) -> Option<&str> {
        self.text_at(self.shape(i).texts[col])
    }

    fn rare(&self, i: usize) -> Option<&Rare> {
        let r = usize::try_from(self.heads[i].rare).ok()?;
        self.rare.get(r.checked_sub(1)?)
    }

    /// Head `i` as the detached `LogRow` it was read as.
    fn row(&self, i: usize) -> LogRow {
        let h = &self.heads[i];
        let shape = self.shape(i);
        let s = |col| self.text(i, col).map(str::to_string);
        let rare = self.rare(i);
        LogRow {
            id: h.id,
            action: s(TEXT_ACTION).unwrap_or_default(),
            correlation_id: s(TEXT_CORRELATION),
            created_at: h.created_at,
            debug_session_id: s(TEXT_SESSION),
            door_id: shape.door_id,
            door_name: s(TEXT_DOOR_NAME),
            error_message: self.text_at(h.error_message).map(str::to_string),
            external_id: s(TEXT_EXTERNAL),
            lock_key: s(TEXT_LOCK),
            ok: h.ok,
            provider_type: s(TEXT_PROVIDER),
            reconcile_job_id: shape.reconcile_job_id,
            request_json: None,
            response_json: None,
            odd: rare.map(|r| r.odd.clone()).unwrap_or_default(),
            raw_json: rare.map(|r| r.raw_json.clone()).unwrap_or_default(),
            facts: LogFacts {
                target: self.text_at(h.target).map(str::to_string),
                change: rare.map(|r| r.change.clone()).unwrap_or_default(),
                summary: rare.and_then(|r| r.summary.clone()),
                requested_ms: h.requested_ms,
            },
            detached: true,
        }
    }
}

/// A trace's logs: whole rows (a trace of at most `heads::WHOLE_TRACE_LOGS`,
/// and every trace read outside the console), or a big trace's heads.
#[derive(Debug, Clone, PartialEq)]
pub enum Logs {
    Whole(Vec<LogRow>),
    Heads(Heads),
}

impl Default for Logs {
    fn default() -> Logs {
        Logs::Whole(Vec::new())
    }
}

impl From<Vec<LogRow>> for Logs {
    fn from(rows: Vec<LogRow>) -> Logs {
        Logs::Whole(rows)
    }
}

impl FromIterator<LogRow> for Logs {
    fn from_iter<I: IntoIterator<Item = LogRow>>(rows: I) -> Logs {
        Logs::Whole(rows.into_iter().collect())
    }
}

impl IntoIterator for Logs {
    type Item = LogRow;
    type IntoIter = std::vec::IntoIter<LogRow>;

    /// The rows (a big trace's built from its heads).
    fn into_iter(self) -> Self::IntoIter {
        match self {
            Logs::Whole(rows) => rows.into_iter(),
            heads => heads
                .iter()
                .map(Cow::into_owned)
                .collect::<Vec<_>>()
                .into_iter(),
        }
    }
}

impl Logs {
    pub fn len(&self) -> usize {
        match self {
            Logs::Whole(rows) => rows.len(),
            Logs::Heads(h) => h.heads.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Log `i` as a row: borrowed when whole, built from its head when not.
    pub fn get(&self, i: usize) -> Option<Cow<'_, LogRow>> {
        (i < self.len()).then(|| LogColumns::row(self, i))
    }

    pub fn first(&self) -> Option<Cow<'_, LogRow>> {
        self.get(0)
    }

    pub fn last(&self) -> Option<Cow<'_, LogRow>> {
        self.get(self.len().checked_sub(1)?)
    }

    /// Every log as a row, in order (a big trace's built one at a time).
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = Cow<'_, LogRow>> + Clone + '_ {
        (0..self.len()).filter_map(move |i| self.get(i))
    }

    /// Whether some logs are held without their payloads.
    pub fn has_detached(&self) -> bool {
        match self {
            Logs::Whole(rows) => rows.iter().any(|l| l.detached),
            Logs::Heads(h) => h.whole.len() < h.heads.len(),
        }
    }

    /// Puts whole rows in place of their heads, then detaches the ones
    /// farthest from `selected` while more than `PAYLOADS_KEPT` are whole.
    pub fn attach(&mut self, whole: Vec<LogRow>, selected: usize) {
        let mut by_id: HashMap<i64, LogRow> = whole.into_iter().map(|l| (l.id, l)).collect();
        let kept = PAYLOADS_KEPT;
        match self {
            Logs::Whole(logs) => {
                for l in logs.iter_mut() {
                    if let Some(w) = by_id.remove(&l.id) {
                        *l = w;
                    }
                }
                let mut whole: Vec<usize> =
                    (0..logs.len()).filter(|&i| !logs[i].detached).collect();
                if whole.len() <= kept {
                    return;
                }
                whole.sort_by_key(|&i| std::cmp::Reverse(i.abs_diff(selected)));
                let over = whole.len() - kept;
                for &i in &whole[..over] {
                    logs[i].detach();
                }
            }
            Logs::Heads(h) => {
                for (i, head) in h.heads.iter().enumerate() {
                    if by_id.is_empty() {
                        break;
                    }
                    if let Some(w) = by_id.remove(&head.id) {
                        h.whole.insert(i, w);
                    }
                }
                if h.whole.len() <= kept {
                    return;
                }
                // Detaching a row is dropping it: its head is still there.
                let mut whole: Vec<usize> = h.whole.keys().copied().collect();
                whole.sort_by_key(|&i| std::cmp::Reverse(i.abs_diff(selected)));
                let over = whole.len() - kept;
                for i in &whole[..over] {
                    h.whole.remove(i);
                }
            }
        }
    }
}

impl LogColumns for Logs {
    fn count(&self) -> usize {
        self.len()
    }
    fn id(&self, i: usize) -> i64 {
        match self {
            Logs::Whole(r) => r[i].id,
            Logs::Heads(h) => h.heads[i].id,
        }
    }
    fn created_at(&self, i: usize) -> DateTime<Utc> {
        match self {
            Logs::Whole(r) => r[i].created_at,
            Logs::Heads(h) => h.heads[i].created_at,
        }
    }
    fn ok(&self, i: usize) -> bool {
        match self {
            Logs::Whole(r) => r[i].ok,
            Logs::Heads(h) => h.heads[i].ok,
        }
    }
    fn action(&self, i: usize) -> &str {
        match self {
            Logs::Whole(r) => &r[i].action,
            Logs::Heads(h) => h.text(i, TEXT_ACTION).unwrap_or_default(),
        }
    }
    fn correlation_id(&self, i: usize) -> Option<&str> {
        match self {
            Logs::Whole(r) => r[i].correlation_id.as_deref(),
            Logs::Heads(h) => h.text(i, TEXT_CORRELATION),
        }
    }
    fn change(&self, i: usize) -> &[Option<Value>; 2] {
        static NO_CHANGE: [Option<Value>; 2] = [None, None];
        match self {
            Logs::Whole(r) => &r[i].facts.change,
            // As `get` builds it: a whole row's, else its head's.
            Logs::Heads(h) => match h.whole.get(&i) {
                Some(w) => &w.facts.change,
                None => h.rare(i).map_or(&NO_CHANGE, |r| &r.change),
            },
        }
    }
    fn provider_type(&self, i: usize) -> Option<&str> {
        match self {
            Logs::Whole(r) => r[i].provider_type.as_deref(),
            Logs::Heads(h) => h.text(i, TEXT_PROVIDER),
        }
    }
    fn lock_key(&self, i: usize) -> Option<&str> {
        match self {
            Logs::Whole(r) => r[i].lock_key.as_deref(),
            Logs::Heads(h) => h.text(i, TEXT_LOCK),
        }
    }
    fn door_id(&self, i: usize) -> Option<i64> {
        match self {
            Logs::Whole(r) => r[i].door_id,
            Logs::Heads(h) => h.shape(i).door_id,
        }
    }
    fn door_name(&self, i: usize) -> Option<&str> {
        match self {
            Logs::Whole(r) => r[i].door_name.as_deref(),
            Logs::Heads(h) => h.text(i, TEXT_DOOR_NAME),
        }
    }
    fn error_message(&self, i: usize) -> Option<&str> {
        match self {
            Logs::Whole(r) => r[i].error_message.as_deref(),
            Logs::Heads(h) => h.text_at(h.heads[i].error_message),
        }
    }
    fn reconcile_job_id(&self, i: usize) -> Option<i64> {
        match self {
            Logs::Whole(r) => r[i].reconcile_job_id,
            Logs::Heads(h) => h.shape(i).reconcile_job_id,
        }
    }
    fn target(&self, i: usize) -> Option<&str> {
        match self {
            Logs::Whole(r) => r[i].facts.target.as_deref(),
            Logs::Heads(h) => h.text_at(h.heads[i].target),
        }
    }
    fn requested_ms(&self, i: usize) -> Option<NonZeroI64> {
        match self {
            Logs::Whole(r) => r[i].facts.requested_ms,
            Logs::Heads(h) => h.heads[i].requested_ms,
        }
    }
    fn odd(&self, i: usize) -> &[Oddity] {
        match self {
            Logs::Whole(r) => &r[i].odd,
            // A whole row's odd values are its head's plus its payloads'.
            Logs::Heads(h) => match h.whole.get(&i) {
                Some(w) => &w.odd,
                None => h.rare(i).map_or(&[], |r| &r.odd),
            },
        }
    }
    fn detached(&self, i: usize) -> bool {
        match self {
            Logs::Whole(r) => r[i].detached,
            Logs::Heads(h) => !h.whole.contains_key(&i),
        }
    }
    fn row(&self, i: usize) -> Cow<'_, LogRow> {
        match self {
            Logs::Whole(r) => Cow::Borrowed(&r[i]),
            Logs::Heads(h) => match h.whole.get(&i) {
                Some(w) => Cow::Borrowed(w),
                None => Cow::Owned(h.row(i)),
            },
        }
    }
}

#[cfg(test)]
#[path = "compact_tests.rs"]
mod tests;
