//! Secrets in JSON text, found by key: the text is read once, left to right,
//! without recursion (a value nested a million deep is only a long text), and
//! only the secret values are rewritten. Works on fragments too (an error
//! message quoting half a response), since it needs no valid document.

use std::borrow::Cow;

use super::edits::Edits;
use super::{MASK, Secret, classify, in_text, mask_pin};

/// The redacted text, or `None` when nothing in it is secret.
pub(super) fn redact(text: &str, nest: u8) -> Option<String> {
    let b = text.as_bytes();
    let mut out = Edits::new(text);
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'"' {
            i += 1;
            continue;
        }
        let end = string_end(b, i);
        let lit = &text[i..end];
        let after = skip_ws(b, end);
        if after < b.len() && b[after] == b':' {
            // A key: its value is secret or read on like any other text.
            if let Some(kind) = decode(lit).as_deref().and_then(classify) {
                let start = skip_ws(b, after + 1);
                let (vend, replacement) = secret_value(text, start, kind);
                if let Some(r) = replacement {
                    out.replace(start, vend, r);
                }
                i = vend.max(start);
                continue;
            }
        } else if let Some(s) = decode(lit) {
            // A value: a URL with a token, a Bearer header, JSON held in a string.
            if let Some(r) = in_text(&s, nest) {
                out.replace(i, end, serde_json::Value::String(r).to_string());
            }
        }
        i = end;
    }
    out.finish()
}

/// The end (exclusive) of the string literal starting at `start`; the text's
/// end when it is not closed.
fn string_end(b: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    i
}

/// A string literal's content, when it is a whole literal (borrowed when
/// it has no escapes: every key and value of every row comes through here).
fn decode(lit: &str) -> Option<Cow<'_, str>> {
    if lit.len() < 2 || !lit.ends_with('"') {
        return None;
    }
    if !lit.contains('\\') {
        return Some(Cow::Borrowed(&lit[1..lit.len() - 1]));
    }
    serde_json::from_str::<String>(lit).ok().map(Cow::Owned)
}

/// The extent of the value at `start`, and what replaces it (`None`: keep it,
/// e.g. `null`, `true`, an empty string, an already masked value).
fn secret_value(text: &str, start: usize, kind: Secret) -> (usize, Option<String>) {
    let b = text.as_bytes();
    let Some(&first) = b.get(start) else {
        return (start, None);
    };
    let quoted = |s: String| serde_json::Value::String(s).to_string();
    match first {
        b'"' => {
            let end = string_end(b, start);
            let keep = |s: &str| s.is_empty() || s == MASK;
            let r = match (decode(&text[start..end]), kind) {
                (Some(s), _) if keep(&s) => None,
                (Some(s), Secret::Pin) if mask_pin(&s) == s => None,
                (Some(s), Secret::Pin) => Some(quoted(mask_pin(&s))),
                _ => Some(quoted(MASK.into())),
            };
            (end, r)
        }
        b'{' | b'[' => (container_end(b, start), Some(quoted(MASK.into()))),
        _ => {
            let end = scalar_end(b, start);
            let word = &text[start..end];
            if end == start || matches!(word, "null" | "true" | "false") {
                return (end, None);
            }
            let r = match kind {
                Secret::Pin => mask_pin(word),
                Secret::Whole => MASK.into(),
            };
            (end, Some(quoted(r)))
        }
    }
}

fn scalar_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && !matches!(b[i], b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    i
}

/// The end (exclusive) of the object or array at `start`, strings skipped.
fn container_end(b: &[u8], start: usize) -> usize {
    let mut depth = 0usize;
    let mut i = start;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i = string_end(b, i);
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    b.len()
}
