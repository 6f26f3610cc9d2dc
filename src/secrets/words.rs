//! Secrets in free text: found by key (`accessToken=…` in a URL or a form
//! body, `"pin": "…"` in quoted JSON, `Authorization: …` headers) and by
//! shape wherever they stand (`Bearer …`, JWTs, PEM blocks).

use super::edits::Edits;
use super::{MASK, Secret, classify, mask_pin};

/// Header names whose value runs to the end of the line.
const HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
];

/// `base` with the secrets found by shape or by unquoted key replaced, or
/// `None` when there are none.
pub(super) fn redact(base: &str) -> Option<String> {
    let mut found = Vec::new();
    // Each finder needs a byte most strings lack (`GET`, an id, a sentence):
    // one fast scan for it skips the finder.
    let seen = Triggers::of(base.as_bytes());
    if seen.dash {
        pem_blocks(base, &mut found);
    }
    if seen.colon {
        url_passwords(base, &mut found);
    }
    if seen.space {
        schemes(base, &mut found);
    }
    if seen.jay {
        jwts(base, &mut found);
    }
    if seen.colon || seen.equals {
        pairs(base, &mut found);
    }
    if found.is_empty() {
        return None;
    }
    found.sort_by_key(|&(start, end, _)| (start, std::cmp::Reverse(end)));
    let mut out = Edits::new(base);
    let mut last = 0;
    for (start, end, with) in found {
        if start >= last {
            out.replace(start, end, with);
            last = end;
        }
    }
    out.finish()
}

/// Which trigger bytes a text holds, in one pass (most strings are short:
/// one loop beats a search per byte).
#[derive(Default)]
struct Triggers {
    dash: bool,
    colon: bool,
    equals: bool,
    space: bool,
    jay: bool,
}

impl Triggers {
    fn of(b: &[u8]) -> Triggers {
        let mut t = Triggers::default();
        for &c in b {
            match c {
                b'-' => t.dash = true,
                b':' => t.colon = true,
                b'=' => t.equals = true,
                b' ' => t.space = true,
                b'J' => t.jay = true,
                _ => {}
            }
        }
        t
    }
}

/// Whether a byte ends a token or a value.
fn ends_value(b: u8) -> bool {
    b.is_ascii_whitespace()
        || matches!(
            b,
            b'&' | b'"'
                | b'\''
                | b'\\'
                | b';'
                | b','
                | b')'
                | b'('
                | b'<'
                | b'>'
                | b']'
                | b'['
                | b'}'
                | b'{'
        )
}

/// Where `needle` starts in `hay` at or after `from`; with `any_case`, its
/// letters (written lowercase) match either case. A plain scan: every string
/// of every row comes through here, the texts are short, and building a
/// substring searcher for each needle cost more than the search.
fn find(hay: &[u8], from: usize, needle: &[u8], any_case: bool) -> Option<usize> {
    let first = *needle.first()?;
    let last = hay.len().checked_sub(needle.len())?;
    (from..=last).find(|&i| {
        let b = hay[i];
        let here = &hay[i..i + needle.len()];
        if any_case {
            b.to_ascii_lowercase() == first && here.eq_ignore_ascii_case(needle)
        } else {
            b == first && here == needle
        }
    })
}

fn run_end(b: &[u8], mut i: usize, stop: fn(u8) -> bool) -> usize {
    while i < b.len() && !stop(b[i]) {
        i += 1;
    }
    i
}

/// The body of each `-----BEGIN …-----` block, to its END line (or the text's end).
fn pem_blocks(text: &str, found: &mut Vec<(usize, usize, String)>) {
    let b = text.as_bytes();
    let mut from = 0;
    while let Some(begin) = find(b, from, b"-----begin ", true) {
        let Some(h) = find(b, begin + 11, b"-----", false) else {
            break;
        };
        let body = h + 5;
        let end = find(b, body, b"-----end ", true).unwrap_or(b.len());
        if text[body..end].trim() != MASK && end > body {
            found.push((body, end, MASK.into()));
        }
        from = end.max(body);
    }
}

/// The password of `scheme://user:password@host` (a database URL in an error).
fn url_passwords(text: &str, found: &mut Vec<(usize, usize, String)>) {
    let b = text.as_bytes();
    let mut from = 0;
    while let Some(at) = find(b, from, b"://", false) {
        let start = at + 3;
        from = start;
        let end = run_end(b, start, |c| {
            matches!(c, b'/' | b'?' | b'#') || c.is_ascii_whitespace() || c == b'"' || c == b'\''
        });
        let authority = &text[start..end];
        let (Some(at), Some(colon)) = (authority.rfind('@'), authority.find(':')) else {
            continue;
        };
        let password = &authority[colon.min(at)..at].trim_start_matches(':');
        // `user:password@host` in a usage message is an example, not a secret.
        if colon < at && *password != MASK && !password.eq_ignore_ascii_case("password") {
            found.push((start + colon + 1, start + at, MASK.into()));
        }
    }
}

/// `Bearer <token>` and `Basic <credentials>`, in any case.
fn schemes(text: &str, found: &mut Vec<(usize, usize, String)>) {
    let b = text.as_bytes();
    for scheme in ["bearer ", "basic "] {
        let mut from = 0;
        while let Some(start) = find(b, from, scheme.as_bytes(), true) {
            from = start + scheme.len();
            if start > 0 && b[start - 1].is_ascii_alphanumeric() {
                continue;
            }
            let token = run_end(b, from, |c| c != b' ').min(b.len());
            let end = run_end(b, token, ends_value);
            if end > token && &text[token..end] != MASK {
                found.push((token, end, MASK.into()));
            }
        }
    }
}

fn base64url(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// JWT-shaped words: `eyJ…` in three dot-separated base64url parts.
fn jwts(text: &str, found: &mut Vec<(usize, usize, String)>) {
    let b = text.as_bytes();
    let mut from = 0;
    while let Some(start) = find(b, from, b"eyJ", false) {
        from = start + 3;
        if start > 0 && (base64url(b[start - 1]) || b[start - 1] == b'.') {
            continue;
        }
        let end = run_end(b, start, |c| !(base64url(c) || c == b'.'));
        let parts: Vec<&str> = text[start..end].split('.').collect();
        if parts.len() == 3 && !parts[0].is_empty() && !parts[1].is_empty() && end - start >= 16 {
            found.push((start, end, MASK.into()));
            from = end;
        }
    }
}

fn key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

/// `key=value` (query strings, form bodies) and `key: value` with a secret key.
fn pairs(text: &str, found: &mut Vec<(usize, usize, String)>) {
    let b = text.as_bytes();
    for (p, &c) in b.iter().enumerate() {
        if c != b'=' && c != b':' {
            continue;
        }
        let mut k = p;
        while k > 0 && p - k < 64 && key_byte(b[k - 1]) {
            k -= 1;
        }
        if k == p {
            continue;
        }
        let key = &text[k..p];
        let Some(kind) = classify(key) else {
            continue;
        };
        let mut start = p + 1;
        if c == b':' {
            start = run_end(b, start, |c| c != b' ' && c != b'\t');
        }
        if b.get(start) == Some(&b'"') {
            continue; // quoted: the JSON pass has it
        }
        let end = if c == b':' && HEADERS.iter().any(|h| h.eq_ignore_ascii_case(key)) {
            run_end(b, start, |c| matches!(c, b'\n' | b'\r' | b'"'))
        } else {
            run_end(b, start, ends_value)
        };
        let value = &text[start..end];
        if value.is_empty() || value == MASK {
            continue;
        }
        let with = match kind {
            Secret::Pin if mask_pin(value) == value => continue,
            Secret::Pin => mask_pin(value),
            Secret::Whole => MASK.into(),
        };
        found.push((start, end, with));
    }
}
