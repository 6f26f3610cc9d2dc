//! The JSON viewer's document: a value flattened into lines once, with folds
//! and search over those lines. Numbers keep their stored text exactly
//! (serde_json's arbitrary_precision), so 1770217136181 and 10^24 survive.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::timefmt::Clock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tok {
    Key,
    Str,
    Num,
    Bool,
    Null,
    Punct,
}

/// One line of the flattened document.
#[derive(Debug, Clone)]
pub struct Line {
    pub depth: usize,
    pub key: Option<String>,
    /// For an opening line: the index of its closing line.
    pub close: Option<usize>,
    /// The text after the key: `{`, `[`, `}`, or a scalar.
    pub text: String,
    pub tok: Tok,
    /// What a folded opening line shows, e.g. `{…} 5 keys`.
    pub summary: String,
    /// Whether a comma follows (the element is not the last).
    pub comma: bool,
    /// A provider's epoch time in this line (`lockDate`, `startDate`,
    /// `endDate`, `sendDate` in milliseconds, Doordeck's `timestamp` in
    /// seconds or milliseconds), when it is one a calendar holds: drawn
    /// beside the number, which itself stays as stored.
    pub epoch: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct JsonDoc {
    pub lines: Vec<Line>,
    folded: Vec<bool>,
    /// Indices of the lines currently visible, in order.
    pub visible: Vec<usize>,
    pub matches: Vec<usize>,
    pub query: String,
}

impl JsonDoc {
    pub fn new(value: &Value) -> JsonDoc {
        let mut lines = Vec::new();
        flatten(value, None, 0, false, &mut lines);
        let folded = vec![false; lines.len()];
        let mut doc = JsonDoc {
            lines,
            folded,
            visible: Vec::new(),
            matches: Vec::new(),
            query: String::new(),
        };
        doc.relayout();
        doc
    }

    fn relayout(&mut self) {
        self.visible.clear();
        let mut i = 0;
        while i < self.lines.len() {
            self.visible.push(i);
            match self.lines[i].close {
                Some(close) if self.folded[i] => i = close + 1,
                _ => i += 1,
            }
        }
    }

    pub fn is_folded(&self, line: usize) -> bool {
        self.folded.get(line).copied().unwrap_or(false)
    }

    /// Folds or unfolds the container opened (or closed) on visible row `row`.
    /// Returns the visible row the cursor should be on afterwards.
    pub fn toggle(&mut self, row: usize) -> usize {
        let Some(&line) = self.visible.get(row) else {
            return row;
        };
        // On a closing line, fold its opener.
        let opener = if self.lines[line].close.is_some() {
            Some(line)
        } else {
            (0..line).rev().find(|&i| self.lines[i].close == Some(line))
        };
        let Some(open) = opener else { return row };
        self.folded[open] = !self.folded[open];
        self.relayout();
        self.visible.iter().position(|&l| l == open).unwrap_or(0)
    }

    pub fn unfold_all(&mut self) {
        self.folded.iter_mut().for_each(|f| *f = false);
        self.relayout();
    }

    /// Folds every container below the top level.
    pub fn fold_all(&mut self) {
        for (i, l) in self.lines.iter().enumerate() {
            self.folded[i] = l.close.is_some() && l.depth >= 1;
        }
        self.relayout();
    }

    /// Finds `query` (case-insensitive) in keys and values; returns the
    /// number of matching lines.
    pub fn search(&mut self, query: &str) -> usize {
        self.query = query.to_string();
        let q = query.to_lowercase();
        self.matches = if q.is_empty() {
            Vec::new()
        } else {
            self.lines
                .iter()
                .enumerate()
                .filter(|(_, l)| {
                    l.text.to_lowercase().contains(&q)
                        || l.key
                            .as_ref()
                            .is_some_and(|k| k.to_lowercase().contains(&q))
                })
                .map(|(i, _)| i)
                .collect()
        };
        self.matches.len()
    }

    /// The visible row of the next match after (or before) `row`,
    /// unfolding what hides it.
    pub fn jump(&mut self, row: usize, forward: bool) -> Option<usize> {
        if self.matches.is_empty() {
            return None;
        }
        let current = self.visible.get(row).copied().unwrap_or(0);
        let target = if forward {
            self.matches
                .iter()
                .find(|&&m| m > current)
                .or(self.matches.first())
        } else {
            self.matches
                .iter()
                .rev()
                .find(|&&m| m < current)
                .or(self.matches.last())
        }
        .copied()?;
        // Unfold every container that encloses the target.
        for i in 0..target {
            if let Some(close) = self.lines[i].close {
                if close > target {
                    self.folded[i] = false;
                }
            }
        }
        self.relayout();
        self.visible.iter().position(|&l| l == target)
    }

    pub fn is_match(&self, line: usize) -> bool {
        self.matches.binary_search(&line).is_ok()
    }
}

/// The provider fields that hold epoch times, and whether in milliseconds
/// (`None`: Doordeck's `timestamp`, seconds, or milliseconds when that large).
const EPOCH_KEYS: &[(&str, Option<bool>)] = &[
    ("lockDate", Some(true)),
    ("startDate", Some(true)),
    ("endDate", Some(true)),
    ("sendDate", Some(true)),
    ("serverDate", Some(true)),
    ("timestamp", None),
];

/// The time a provider's epoch field holds. Zero (TTLock's "no end") and
/// numbers no calendar holds (negative, past year 262143, not whole) give
/// none: never a panic, whatever the provider sent.
pub fn epoch_of(key: &str, v: &Value) -> Option<DateTime<Utc>> {
    let (_, ms) = EPOCH_KEYS.iter().find(|(k, _)| *k == key)?;
    let n = v.as_i64().filter(|n| *n > 0)?;
    let ms = ms.unwrap_or(n >= 100_000_000_000);
    if ms {
        DateTime::from_timestamp_millis(n)
    } else {
        DateTime::from_timestamp(n, 0)
    }
}

impl JsonDoc {
    /// The readable time to draw beside line `i`'s number, in the displayed
    /// zone (`clock`, and the row's site zone under `z`).
    pub fn time_beside(
        &self,
        i: usize,
        clock: &Clock,
        site: Option<chrono_tz::Tz>,
    ) -> Option<String> {
        let t = self.lines.get(i)?.epoch?;
        Some(clock.short(&t, site))
    }
}

fn scalar(v: &Value) -> (String, Tok) {
    match v {
        Value::Null => ("null".into(), Tok::Null),
        Value::Bool(b) => (b.to_string(), Tok::Bool),
        // arbitrary_precision: the number's own text, never re-rounded.
        Value::Number(n) => (n.to_string(), Tok::Num),
        Value::String(s) => (Value::String(s.clone()).to_string(), Tok::Str),
        _ => (String::new(), Tok::Punct),
    }
}

/// A scalar's line. Kept out of `flatten` (never inlined): `flatten`
/// recurses once per level, and its frame must stay small for the deepest
/// documents lockdesk shows (tested on a 512 KiB stack).
#[inline(never)]
fn leaf(v: &Value, key: Option<String>, depth: usize, comma: bool, out: &mut Vec<Line>) {
    let (text, tok) = scalar(v);
    let epoch = key.as_deref().and_then(|k| epoch_of(k, v));
    out.push(Line {
        depth,
        key,
        close: None,
        text,
        tok,
        summary: String::new(),
        comma,
        epoch,
    });
}

fn flatten(v: &Value, key: Option<String>, depth: usize, comma: bool, out: &mut Vec<Line>) {
    let (open, close, children): (&str, &str, Vec<(Option<String>, &Value)>) = match v {
        Value::Object(m) => (
            "{",
            "}",
            m.iter().map(|(k, v)| (Some(k.clone()), v)).collect(),
        ),
        Value::Array(a) => ("[", "]", a.iter().map(|v| (None, v)).collect()),
        _ => {
            leaf(v, key, depth, comma, out);
            return;
        }
    };
    let n = children.len();
    if n == 0 {
        out.push(Line {
            depth,
            key,
            close: None,
            text: format!("{open}{close}"),
            tok: Tok::Punct,
            summary: String::new(),
            comma,
            epoch: None,
        });
        return;
    }
    let at = out.len();
    let noun = match (open, n) {
        ("{", 1) => "key",
        ("{", _) => "keys",
        (_, 1) => "item",
        _ => "items",
    };
    out.push(Line {
        depth,
        key,
        close: None,
        text: open.into(),
        tok: Tok::Punct,
        summary: format!("{open}…{close} {n} {noun}"),
        comma,
        epoch: None,
    });
    for (i, (k, child)) in children.into_iter().enumerate() {
        flatten(child, k, depth + 1, i + 1 < n, out);
    }
    out.push(Line {
        depth,
        key: None,
        close: None,
        text: close.into(),
        tok: Tok::Punct,
        summary: String::new(),
        comma,
        epoch: None,
    });
    let end = out.len() - 1;
    out[at].close = Some(end);
}

/// Pretty JSON for copying: two-space indent, numbers exactly as stored.
pub fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(s: &str) -> JsonDoc {
        JsonDoc::new(&serde_json::from_str(s).unwrap())
    }

    #[test]
    fn provider_epoch_fields_get_a_readable_time_and_keep_their_number() {
        let d = doc(
            r#"{"lockDate": 1795996557000, "startDate": 0, "endDate": 99999999999999999, "sendDate": -5,
                "timestamp": 1795996557, "other": 1795996557000, "serverDate": 1.5e12,
                "list": [{"lockDate": "1795996557000"}, {"timestamp": 1795996557123}]}"#,
        );
        let utc = Clock::new(crate::timefmt::Zone::Utc);
        let winnipeg = Clock::new(crate::timefmt::Zone::Named(chrono_tz::America::Winnipeg));
        let at = |k: &str| {
            d.lines
                .iter()
                .position(|l| l.key.as_deref() == Some(k))
                .unwrap()
        };
        // Keys are sorted: the list (and its lockDate) comes first.
        let i = d
            .lines
            .iter()
            .rposition(|l| l.key.as_deref() == Some("lockDate"))
            .unwrap();
        assert_eq!(
            d.lines[i].text, "1795996557000",
            "the number stays as stored"
        );
        assert_eq!(
            d.time_beside(i, &utc, None).as_deref(),
            Some("2026-11-29 23:55:57.000 UTC")
        );
        assert_eq!(
            d.time_beside(i, &winnipeg, None).as_deref(),
            Some("2026-11-29 17:55:57.000 CST")
        );
        // Doordeck's timestamp in seconds, and in milliseconds.
        assert_eq!(
            d.time_beside(at("timestamp"), &utc, None).as_deref(),
            Some("2026-11-29 23:55:57.123 UTC")
        );
        let ms = d
            .lines
            .iter()
            .rposition(|l| l.key.as_deref() == Some("timestamp"))
            .unwrap();
        assert_eq!(
            d.time_beside(ms, &utc, None).as_deref(),
            Some("2026-11-29 23:55:57.000 UTC")
        );
        // No end, absurd, negative, fractional, a string, another key: nothing.
        for k in ["startDate", "endDate", "sendDate", "serverDate", "other"] {
            assert_eq!(d.time_beside(at(k), &utc, None), None, "{k}");
        }
        let quoted = at("lockDate");
        assert_eq!(d.time_beside(quoted, &utc, None), None);
        assert_eq!(d.time_beside(10_000, &utc, None), None);
        for n in [
            i64::MAX,
            i64::MIN,
            8_210_298_412_800_000,
            8_210_298_412_799_999,
        ] {
            let _ = epoch_of("lockDate", &serde_json::json!(n));
            let _ = epoch_of("timestamp", &serde_json::json!(n));
        }
    }

    #[test]
    fn numbers_are_shown_exactly_as_stored() {
        let d = doc(
            r#"{"a": 9007199254740993, "b": 1000000000000000000000000, "c": 1770217136181, "d": 0.1}"#,
        );
        let texts: Vec<&str> = d.lines.iter().map(|l| l.text.as_str()).collect();
        assert!(texts.contains(&"9007199254740993"));
        assert!(texts.contains(&"1000000000000000000000000"));
        assert!(texts.contains(&"1770217136181"));
        assert!(texts.contains(&"0.1"));
        let p = pretty(&serde_json::from_str(r#"{"n": 9007199254740993}"#).unwrap());
        assert!(p.contains("9007199254740993"), "{p}");
    }

    #[test]
    fn folding_hides_children_and_search_unfolds_them() {
        let mut d = doc(r#"{"payload": {"accessToken": "***", "lockId": 28991110}, "ok": true}"#);
        assert_eq!(d.visible.len(), 7);
        // Keys are in alphabetical order (as jsonb and the seed pages show them).
        let row = d.toggle(2);
        assert_eq!(row, 2);
        assert_eq!(d.visible.len(), 4);
        assert!(d.is_folded(2));
        assert_eq!(d.lines[2].summary, "{…} 2 keys");
        assert_eq!(d.search("lockid"), 1);
        let r = d.jump(0, true).unwrap();
        assert_eq!(d.lines[d.visible[r]].key.as_deref(), Some("lockId"));
        assert_eq!(d.visible.len(), 7, "the match's container unfolded");
        d.fold_all();
        assert_eq!(d.visible.len(), 4);
        d.unfold_all();
        assert_eq!(d.visible.len(), 7);
    }

    #[test]
    fn a_one_mebibyte_payload_flattens_once() {
        let big: Vec<Value> = (0..20_000)
            .map(|i| serde_json::json!({"keyboardPwdId": 50_000_000 + i, "keyboardPwdName": "***", "status": 1}))
            .collect();
        let v = Value::Array(big);
        assert!(v.to_string().len() > 1_000_000);
        let mut d = JsonDoc::new(&v);
        assert_eq!(d.visible.len(), 20_000 * 5 + 2);
        d.fold_all();
        assert_eq!(d.visible.len(), 20_002);
    }
}
