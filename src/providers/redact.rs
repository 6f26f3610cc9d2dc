//! Redaction at the client's edge: every request and response a provider
//! client records passes through here once, before anything can store, show,
//! copy or log it. Errors are stripped of URLs (TTLock reads carry the access
//! token in the query string, and HTTP client errors print the URL).

use serde_json::{Map, Value};

/// Keys whose values are secrets, whatever their case.
const SECRET_KEYS: &[&str] = &[
    "accesstoken",
    "access_token",
    "refresh_token",
    "refreshtoken",
    "clientsecret",
    "client_secret",
    "password",
    "authtoken",
    "authorization",
    "signature",
    "privatekey",
    "token",
];

/// The broker's client masks a PIN as `***` plus its last 4 digits when it
/// has 6 or more digits, `***` alone when shorter (seed: `***1111`).
pub fn mask_pin(pin: &str) -> String {
    if pin.chars().count() >= 6 {
        let tail: String = pin
            .chars()
            .rev()
            .take(4)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("***{tail}")
    } else {
        "***".to_string()
    }
}

/// A copy of `v` with every secret masked.
pub fn value(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, x) in m {
                let lk = k.to_ascii_lowercase();
                let masked = if SECRET_KEYS.contains(&lk.as_str()) {
                    if x.is_null() {
                        Value::Null
                    } else {
                        Value::String("***".into())
                    }
                } else if lk == "keyboardpwd" || lk == "newkeyboardpwd" {
                    match x {
                        Value::String(s) => Value::String(mask_pin(s)),
                        Value::Number(n) => Value::String(mask_pin(&n.to_string())),
                        Value::Null => Value::Null,
                        _ => Value::String("***".into()),
                    }
                } else if lk == "keyboardpwdname" {
                    if x.is_null() {
                        Value::Null
                    } else {
                        Value::String("***".into())
                    }
                } else {
                    value(x)
                };
                out.insert(k.clone(), masked);
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(value).collect()),
        other => other.clone(),
    }
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
    use serde_json::json;

    #[test]
    fn secrets_become_stars_and_pins_keep_their_last_four() {
        let v = json!({"accessToken": "tok", "clientId": "6636", "keyboardPwd": "48201111", "keyboardPwdName": "AB U9 C6",
                       "nested": [{"password": "p", "refresh_token": "r", "keyboardPwd": "12345"}], "Authorization": "Bearer x"});
        assert_eq!(
            value(&v),
            json!({"accessToken": "***", "clientId": "6636", "keyboardPwd": "***1111", "keyboardPwdName": "***",
                   "nested": [{"password": "***", "refresh_token": "***", "keyboardPwd": "***"}], "Authorization": "***"})
        );
    }

    #[test]
    fn urls_and_known_secrets_leave_error_text() {
        let t = text(
            "error sending request for url (https://api.ttlock.com/v3/lock/list?accessToken=abcd1234&x=1): timed out",
            &["abcd1234"],
        );
        assert_eq!(t, "error sending request for url (<url>): timed out");
    }
}
