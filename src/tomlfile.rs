//! Reading lockdesk's TOML files (config, providers, keymaps) with the toml
//! crate, and errors that read `FILE:LINE: message` and never echo a value.

use serde::de::DeserializeOwned;

/// The 1-based line of a byte offset in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The line of the first line that starts with `prefix` (after spaces), or 1.
pub fn line_starting(text: &str, prefix: &str) -> usize {
    text.lines()
        .position(|l| l.trim_start().starts_with(prefix))
        .map_or(1, |i| i + 1)
}

/// A toml error in words that cannot leak a value: the toml crate's own
/// display quotes the offending source line (a `database_url` holds a
/// password), and its type errors quote the value.
pub fn message(e: &toml::de::Error) -> String {
    let m = e.message().trim();
    if let Some(rest) = m.strip_prefix("unknown field ") {
        let field = rest.split(',').next().unwrap_or(rest);
        return format!("unknown setting {field}");
    }
    for kind in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = m.strip_prefix(kind) {
            let found = rest.split_whitespace().next().unwrap_or("value");
            let found = found.trim_end_matches(',');
            let expected = rest
                .split_once(", expected ")
                .map_or(String::new(), |(_, x)| format!(", expected {x}"));
            return format!("{kind}{found}{expected}");
        }
    }
    // Syntax errors name tokens, not values; keep their first line.
    m.lines().next().unwrap_or(m).to_string()
}

/// `FILE:LINE: message` for a toml error in `text`.
pub fn located(file: &str, text: &str, e: &toml::de::Error) -> String {
    let line = e.span().map_or(1, |s| line_of(text, s.start));
    format!("{file}:{line}: {}", message(e))
}

/// Parses a whole file into `T` (whose types say what is allowed).
pub fn parse<T: DeserializeOwned>(file: &str, text: &str) -> Result<T, String> {
    toml::from_str(text).map_err(|e| located(file, text, &e))
}

/// A number, or a string holding one (`stuck_after_secs = "900"` has always
/// been accepted).
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(untagged)]
pub enum Number {
    Int(i64),
    Text(String),
}

impl Number {
    pub fn value(&self) -> Option<i64> {
        match self {
            Number::Int(n) => Some(*n),
            Number::Text(t) => t.trim().parse().ok(),
        }
    }
}

/// `s` as a TOML basic string, quoted and escaped.
pub fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct F {
        url: Option<String>,
        n: Option<i64>,
    }

    #[test]
    fn errors_name_the_line_and_never_the_value() {
        let e = parse::<F>(
            "f.toml",
            "\nurl = \"postgresql://u:hunter2@h/db\"\ncolour = 1\n",
        )
        .unwrap_err();
        assert_eq!(e, "f.toml:3: unknown setting `colour`");
        let e = parse::<F>("f.toml", "n = \"hunter2\"\n").unwrap_err();
        assert!(e.starts_with("f.toml:1: invalid type: string"), "{e}");
        assert!(!e.contains("hunter2"), "{e}");
        let e = parse::<F>("f.toml", "url = postgresql://u:hunter2@h\n").unwrap_err();
        assert!(e.starts_with("f.toml:1: "), "{e}");
        assert!(!e.contains("hunter2"), "{e}");
        for tricky in ["a\"b", "it's", "back\\slash", "new\nline"] {
            let back: std::collections::BTreeMap<String, String> =
                toml::from_str(&format!("k = {}", quote(tricky))).unwrap();
            assert_eq!(back["k"], tricky);
        }
    }
}
