//! JSON text laid out byte for byte as `serde_json::to_string_pretty` lays
//! out the `Value` it parses to (keys sorted, duplicates resolved to the
//! last, two-space indent), without building that `Value`: an export of
//! 20,000 logs spent most of its time allocating and freeing trees it only
//! printed. Anything this does not handle exactly says `None`, and the
//! caller takes the parsing path.

use std::borrow::Cow;

/// Deeper than this, the caller's path (which collapses deep values) runs.
const FAST_DEPTH: usize = 64;

const INDENT: &str = "  ";

/// `text` pretty, its nested lines indented as if the value stood `depth`
/// levels into a pretty document. `None`: not JSON, too deep, or a string
/// escape this does not reproduce.
pub fn pretty_at(text: &str, depth: usize) -> Option<String> {
    let mut p = Reader {
        b: text.as_bytes(),
        s: text,
        i: 0,
    };
    let mut out = String::with_capacity(text.len() + text.len() / 2);
    p.value(depth, 0, &mut out)?;
    p.ws();
    (p.i == p.b.len()).then_some(out)
}

struct Reader<'a> {
    b: &'a [u8],
    s: &'a str,
    i: usize,
}

fn newline(out: &mut String, depth: usize) {
    out.push('\n');
    for _ in 0..depth {
        out.push_str(INDENT);
    }
}

impl<'a> Reader<'a> {
    fn ws(&mut self) {
        while self
            .b
            .get(self.i)
            .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
        {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        if self.b.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    /// One value at `depth` (its closing bracket's level); `level` counts
    /// the nesting seen so far.
    fn value(&mut self, depth: usize, level: usize, out: &mut String) -> Option<()> {
        if level > FAST_DEPTH {
            return None;
        }
        self.ws();
        match *self.b.get(self.i)? {
            b'{' => self.object(depth, level, out),
            b'[' => self.array(depth, level, out),
            b'"' => {
                let lit = self.string()?;
                out.push_str(&lit);
                Some(())
            }
            b't' => self.word("true", out),
            b'f' => self.word("false", out),
            b'n' => self.word("null", out),
            _ => self.number(out),
        }
    }

    fn word(&mut self, w: &str, out: &mut String) -> Option<()> {
        let end = self.i.checked_add(w.len())?;
        (self.b.get(self.i..end)? == w.as_bytes()).then_some(())?;
        self.i = end;
        out.push_str(w);
        Some(())
    }

    /// A number as written: serde keeps its text (arbitrary_precision) when
    /// it is valid JSON, which the grammar below checks.
    fn number(&mut self, out: &mut String) -> Option<()> {
        let start = self.i;
        let digits = |r: &mut Self| {
            let from = r.i;
            while r.b.get(r.i).is_some_and(u8::is_ascii_digit) {
                r.i += 1;
            }
            r.i > from
        };
        if self.b.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        let int_start = self.i;
        digits(self).then_some(())?;
        // A leading zero stands alone ("01" is not JSON).
        if self.b[int_start] == b'0' && self.i - int_start > 1 {
            return None;
        }
        if self.b.get(self.i) == Some(&b'.') {
            self.i += 1;
            digits(self).then_some(())?;
        }
        if matches!(self.b.get(self.i), Some(b'e' | b'E')) {
            // serde normalises exponents in ways not worth copying here.
            return None;
        }
        out.push_str(&self.s[start..self.i]);
        Some(())
    }

    /// A string literal as serde writes it back. Without backslashes and
    /// control characters it is the literal itself; otherwise it is decoded
    /// and written by serde (Postgres and serde escape alike, a `json`
    /// column's client may not).
    fn string(&mut self) -> Option<Cow<'a, str>> {
        let start = self.i;
        self.i += 1;
        let mut plain = true;
        loop {
            match *self.b.get(self.i)? {
                b'"' => break,
                b'\\' => {
                    plain = false;
                    self.i += 2;
                }
                c if c < 0x20 => return None,
                _ => self.i += 1,
            }
        }
        self.i += 1;
        let lit = self.s.get(start..self.i)?;
        if plain {
            return Some(Cow::Borrowed(lit));
        }
        let decoded: String = serde_json::from_str(lit).ok()?;
        serde_json::to_string(&decoded).ok().map(Cow::Owned)
    }

    fn array(&mut self, depth: usize, level: usize, out: &mut String) -> Option<()> {
        self.i += 1;
        if self.eat(b']') {
            out.push_str("[]");
            return Some(());
        }
        out.push('[');
        loop {
            newline(out, depth + 1);
            self.value(depth + 1, level + 1, out)?;
            if self.eat(b',') {
                out.push(',');
                continue;
            }
            self.eat(b']').then_some(())?;
            break;
        }
        newline(out, depth);
        out.push(']');
        Some(())
    }

    fn object(&mut self, depth: usize, level: usize, out: &mut String) -> Option<()> {
        self.i += 1;
        if self.eat(b'}') {
            out.push_str("{}");
            return Some(());
        }
        // Members are laid out in a scratch buffer, then written sorted by
        // key, as serde's map holds them.
        let mut scratch = String::with_capacity(256);
        let mut members: Vec<(Cow<'a, str>, std::ops::Range<usize>)> = Vec::with_capacity(8);
        loop {
            self.ws();
            if self.b.get(self.i) != Some(&b'"') {
                return None;
            }
            let key = self.string()?;
            self.eat(b':').then_some(())?;
            let from = scratch.len();
            scratch.push_str(&key);
            scratch.push_str(": ");
            self.value(depth + 1, level + 1, &mut scratch)?;
            members.push((key_of(key)?, from..scratch.len()));
            if self.eat(b',') {
                continue;
            }
            self.eat(b'}').then_some(())?;
            break;
        }
        // Stable: of equal keys the last one is kept, as a map insert does.
        members.sort_by(|a, b| a.0.cmp(&b.0));
        let mut kept: Vec<&std::ops::Range<usize>> = Vec::with_capacity(members.len());
        for (n, (key, range)) in members.iter().enumerate() {
            if members.get(n + 1).is_some_and(|next| next.0 == *key) {
                continue;
            }
            kept.push(range);
        }
        out.push('{');
        for (n, range) in kept.iter().enumerate() {
            if n > 0 {
                out.push(',');
            }
            newline(out, depth + 1);
            out.push_str(&scratch[(*range).clone()]);
        }
        newline(out, depth);
        out.push('}');
        Some(())
    }
}

/// The key as the map compares it: the literal's content, decoded.
fn key_of(lit: Cow<'_, str>) -> Option<Cow<'_, str>> {
    match lit {
        Cow::Borrowed(l) if !l.contains('\\') => {
            l.get(1..l.len().checked_sub(1)?).map(Cow::Borrowed)
        }
        other => serde_json::from_str::<String>(&other).ok().map(Cow::Owned),
    }
}

#[cfg(test)]
mod tests {
    use super::pretty_at;
    use proptest::prelude::*;

    /// What the export printed before: parse, serde's pretty, indent.
    fn by_serde(text: &str, depth: usize) -> Option<String> {
        let v = crate::jsontext::parse(text).ok()?.value;
        let pretty = serde_json::to_string_pretty(&v).ok()?;
        Some(pretty.replace('\n', &format!("\n{}", "  ".repeat(depth))))
    }

    #[test]
    fn lays_out_as_serde_does() {
        for text in [
            r#"{"url": "https://api.ttlock.com/v3/lock/listKeyboardPwd", "payload": {"date": 1780750207194, "lockId": 28990411, "accessToken": "***"}, "b": [], "a": {}}"#,
            r#"{"errmsg": "none error message or means yes", "errcode": 0, "description": "表示成功或是"}"#,
            r#"[1, -0, 0.5, 1.50, 12345678901234567890123, true, false, null, "x", [[]], [{}]]"#,
            r#"{"b": 1, "a": 2, "b": 3}"#,
            r#"{"k": "tab\there \"quoted\" \\ \u00e9 \/ \u0001"}"#,
            r#"{"é": 1, "e": 2, "E": 3, "": 4, "a\"b": 5}"#,
            "\"just a string\"",
            "  42  ",
        ] {
            for depth in [0, 3] {
                assert_eq!(pretty_at(text, depth), by_serde(text, depth), "{text}");
            }
        }
    }

    #[test]
    fn declines_what_it_does_not_reproduce() {
        for text in [
            "{",
            "[1,]",
            "01",
            "1e5",
            "{\"a\" 1}",
            "nul",
            "[1] x",
            "\"\u{1}\"",
        ] {
            assert_eq!(pretty_at(text, 0), None, "{text}");
        }
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert_eq!(pretty_at(&deep, 0), None);
    }

    fn json() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::Bool),
            any::<i64>().prop_map(|n| serde_json::json!(n)),
            "[a-zA-Z0-9 é\"\\\\/\t\n\u{7f}-]{0,8}".prop_map(serde_json::Value::String),
        ];
        leaf.prop_recursive(6, 64, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(serde_json::Value::Array),
                prop::collection::vec(("[a-zA-Z_é\"]{0,4}", inner), 0..5)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn any_document_comes_out_as_serde_lays_it_out(v in json(), depth in 0usize..4, spaced in any::<bool>()) {
            // As Postgres writes jsonb (", " and ": ") or as compact JSON.
            let text = if spaced {
                serde_json::to_string_pretty(&v).unwrap()
            } else {
                serde_json::to_string(&v).unwrap()
            };
            prop_assert_eq!(pretty_at(&text, depth), by_serde(&text, depth));
        }
    }
}
