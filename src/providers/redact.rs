//! Redaction at the client's edge: every request and response a provider
//! client records passes through here once, before anything can store, show,
//! copy or log it. Errors are stripped of URLs (TTLock reads carry the access
//! token in the query string, and HTTP client errors print the URL).

use serde_json::Value;

/// A copy of `v` with every secret masked: the one pass of `secrets`.
pub fn value(v: &Value) -> Value {
    crate::secrets::value(v)
}

/// A message with URLs removed and any of `secrets` masked.
pub fn text(s: &str, secrets: &[&str]) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, word) in s.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let at = word.find("https://").or_else(|| word.find("http://"));
        match at {
            Some(i) => {
                // The URL runs to the first closing quote or bracket.
                let rest = &word[i..];
                let end = rest.find([')', '"', '\'']).unwrap_or(rest.len());
                out.push_str(&word[..i]);
                out.push_str("<url>");
                out.push_str(&rest[end..]);
            }
            None => out.push_str(word),
        }
    }
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        out = out.replace(secret, "***");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_known_secrets_leave_error_text() {
        let t = text(
            "error sending request for url (https://api.ttlock.com/v3/lock/list?accessToken=abcd1234&x=1): timed out",
            &["abcd1234"],
        );
        assert_eq!(t, "error sending request for url (<url>): timed out");
    }
}
