//! JSON text from a row or a provider, turned into a `Value` that is never
//! deeper than `MAX_DEPTH`: anything below is collapsed into one marker, so
//! that every later walker (viewer, differ, redaction, pretty, drop) is safe.

use serde::Deserialize;
use serde_json::Value;

/// The deepest nesting lockdesk holds as a `Value`.
pub const MAX_DEPTH: usize = 256;

const MARKER_TAIL: &str = "levels deeper — Enter for the raw text";

/// What stands for a collapsed part.
pub fn marker(levels: usize) -> String {
    format!("… {levels} {MARKER_TAIL}")
}

pub fn is_marker(s: &str) -> bool {
    s.starts_with("… ") && s.ends_with(MARKER_TAIL)
}

/// A parsed text, and how deep it really went when it had to be collapsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub value: Value,
    pub collapsed_depth: Option<usize>,
}

/// Reads JSON bytes one at a time and says which of them are brackets
/// outside strings: the one place string and escape state is tracked.
#[derive(Default)]
struct Brackets {
    in_str: bool,
    escaped: bool,
}

impl Brackets {
    /// `Some(+1)` for an opening bracket, `Some(-1)` for a closing one.
    fn step(&mut self, b: u8) -> Option<i8> {
        if self.in_str {
            match b {
                _ if self.escaped => self.escaped = false,
                b'\\' => self.escaped = true,
                b'"' => self.in_str = false,
                _ => {}
            }
            return None;
        }
        match b {
            b'"' => self.in_str = true,
            b'[' | b'{' => return Some(1),
            b']' | b'}' => return Some(-1),
            _ => {}
        }
        None
    }
}

/// The nesting depth of a JSON text, found without recursion.
pub fn depth(text: &str) -> usize {
    let (mut depth, mut max, mut brackets) = (0usize, 0usize, Brackets::default());
    for b in text.bytes() {
        match brackets.step(b) {
            Some(1) => {
                depth += 1;
                max = max.max(depth);
            }
            Some(_) => depth = depth.saturating_sub(1),
            None => {}
        }
    }
    max
}

/// `text` with every container that opens below `limit` replaced by a
/// marker string; iterative, one pass.
fn collapse(text: &str, limit: usize) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len().min(1 << 20));
    let (mut depth, mut i) = (0usize, 0usize);
    let mut copy_from = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
            }
            b'[' | b'{' if depth == limit => {
                // Skip this container whole, counting how deep it goes.
                out.push_str(&text[copy_from..i]);
                let (mut d, mut deepest, mut brackets) = (0usize, 0usize, Brackets::default());
                while i < bytes.len() {
                    let step = brackets.step(bytes[i]);
                    i += 1;
                    match step {
                        Some(1) => {
                            d += 1;
                            deepest = deepest.max(d);
                        }
                        Some(_) => {
                            d -= 1;
                            if d == 0 {
                                break;
                            }
                        }
                        None => {}
                    }
                }
                out.push_str(&Value::String(marker(deepest)).to_string());
                copy_from = i;
            }
            b'[' | b'{' => {
                depth += 1;
                i += 1;
            }
            b']' | b'}' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            _ => i += 1,
        }
    }
    out.push_str(&text[copy_from.min(text.len())..]);
    out
}

/// Parses JSON text of any depth: up to `MAX_DEPTH` as it is, deeper parts
/// collapsed into a marker (the caller keeps the text for the raw copy).
pub fn parse(text: &str) -> Result<Parsed, String> {
    let d = depth(text);
    let (shown, collapsed_depth) = if d > MAX_DEPTH {
        (std::borrow::Cow::Owned(collapse(text, MAX_DEPTH)), Some(d))
    } else {
        (std::borrow::Cow::Borrowed(text), None)
    };
    let mut de = serde_json::Deserializer::from_str(&shown);
    // At most MAX_DEPTH levels remain, well within the stack.
    de.disable_recursion_limit();
    let value = Value::deserialize(&mut de).map_err(|e| format!("not JSON: {e}"))?;
    de.end().map_err(|e| format!("not JSON: {e}"))?;
    Ok(Parsed {
        value,
        collapsed_depth,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(levels: usize) -> String {
        let mut s = String::with_capacity(levels * 8 + 16);
        for i in 0..levels {
            s.push_str(if i % 2 == 0 { "{\"a\":" } else { "[" });
        }
        s.push_str("\"bottom\"");
        for i in (0..levels).rev() {
            s.push(if i % 2 == 0 { '}' } else { ']' });
        }
        s
    }

    fn value_depth(v: &Value) -> usize {
        // Iterative, like everything that may meet a deep value.
        let mut stack = vec![(v, 1usize)];
        let mut max = 0;
        while let Some((v, d)) = stack.pop() {
            max = max.max(d);
            match v {
                Value::Array(a) => stack.extend(a.iter().map(|x| (x, d + 1))),
                Value::Object(o) => stack.extend(o.values().map(|x| (x, d + 1))),
                _ => {}
            }
        }
        max
    }

    #[test]
    fn a_shallow_value_parses_as_it_is() {
        let p = parse(r#"{"lockId": 28991110, "n": 9007199254740993, "s": "a\"]}"}"#).unwrap();
        assert_eq!(p.collapsed_depth, None);
        assert_eq!(p.value["s"], "a\"]}");
        assert_eq!(p.value["n"].to_string(), "9007199254740993");
        assert_eq!(parse("\"just a string\"").unwrap().value, "just a string");
        assert_eq!(parse("null").unwrap().value, Value::Null);
        assert!(parse("{\"a\": ").is_err());
        assert!(parse("[1] [2]").is_err());
    }

    #[test]
    fn two_hundred_deep_is_more_than_serde_json_takes_and_still_whole() {
        let p = parse(&nested(200)).unwrap();
        assert_eq!(p.collapsed_depth, None);
        assert_eq!(value_depth(&p.value), 201);
    }

    #[test]
    fn a_million_levels_collapse_below_the_limit_without_recursion() {
        // Run on a small stack: nothing here may recurse per level.
        let t = std::thread::Builder::new()
            .stack_size(512 * 1024)
            .spawn(|| {
                let text = nested(1_000_000);
                assert_eq!(depth(&text), 1_000_000);
                let p = parse(&text).unwrap();
                assert_eq!(p.collapsed_depth, Some(1_000_000));
                assert!(value_depth(&p.value) <= MAX_DEPTH + 1);
                // The walkers that meet it: redaction, the viewer, the
                // differ, pretty-printing, clone and drop.
                let r = crate::providers::redact::value(&p.value);
                let doc = crate::jsondoc::JsonDoc::new(&r);
                assert!(doc.visible.len() > MAX_DEPTH);
                let pretty = crate::jsondoc::pretty(&r);
                assert!(
                    pretty.contains("999744 levels deeper — Enter for the raw text"),
                    "{}",
                    &pretty[pretty.len() - 400..]
                );
                let _ = crate::diff::diff(&p.value, &r.clone());
                drop(r);
            })
            .unwrap();
        t.join().expect("no stack overflow");
    }

    #[test]
    fn collapsing_keeps_strings_with_brackets_intact() {
        let mut text = String::from(r#"{"k": "[[[{{{", "deep": "#);
        text.push_str(&nested(300));
        text.push('}');
        let p = parse(&text).unwrap();
        assert_eq!(p.value["k"], "[[[{{{");
        assert!(p.collapsed_depth.is_some());
        assert!(is_marker(&marker(3)));
        assert!(!is_marker("… 3 levels"));
    }
}
