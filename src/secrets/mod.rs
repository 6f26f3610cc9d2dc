//! The one redaction every value passes on its way to a person or a file:
//! broker rows as they are read, lockdesk's own provider calls as they are
//! recorded, status messages and the log file. Secret values are found by
//! their key (at any depth, in JSON, query strings, form bodies and JSON held
//! in strings) and by their shape wherever they stand (`Bearer …`, JWTs, PEM
//! blocks). Everything else is kept byte for byte: a raw copy is still
//! Postgres's text, only the secret values replaced.

mod edits;
mod json;
mod words;

use std::borrow::Cow;

use serde_json::Value;

/// What stands for a secret value.
pub const MASK: &str = "***";

/// How a secret value is masked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Secret {
    /// Replaced whole by `***`.
    Whole,
    /// A PIN: at most its last 2 digits kept (`***11`).
    Pin,
}

/// Keys holding a PIN (compared lowercased).
const PIN_KEYS: &[&str] = &[
    "pin",
    "pin_code",
    "pincode",
    "passcode",
    "keyboardpwd",
    "newkeyboardpwd",
    "code_last4",
    "pin_last4",
];

/// Keys whose whole value is secret (compared lowercased), from the broker's
/// habits and PROVIDER-APIS.md (TTLock lock details, Doordeck logins).
const SECRET_KEYS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "secret",
    "client_secret",
    "clientsecret",
    "token",
    "access_token",
    "accesstoken",
    "refresh_token",
    "refreshtoken",
    "id_token",
    "idtoken",
    "auth_token",
    "authtoken",
    "api_key",
    "apikey",
    "x-api-key",
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "private_key",
    "privatekey",
    "lockdata",
    "lockkey",
    "aeskeystr",
    "nokeypwd",
    "adminpwd",
    "deletepwd",
    "signature",
    "keyboardpwdname",
    "ephemeralkeyprivate",
];

/// Endings that make any key secret (`md5_password`, `session_token`).
const SECRET_ENDINGS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "apikey",
    "api_key",
    "privatekey",
    "private_key",
    "pwd",
];

/// Whether values under `key` are secret, and how they are masked.
pub fn classify(key: &str) -> Option<Secret> {
    // Every key of every row comes through here: compared in place, in any
    // ASCII case, against the lowercase lists (no lowered copy).
    let k = key.trim().as_bytes();
    let is = |w: &&str| k.eq_ignore_ascii_case(w.as_bytes());
    let ends = |e: &&str| {
        k.len()
            .checked_sub(e.len())
            .is_some_and(|at| k[at..].eq_ignore_ascii_case(e.as_bytes()))
    };
    if PIN_KEYS.iter().any(is) {
        Some(Secret::Pin)
    } else if SECRET_KEYS.iter().any(is) || SECRET_ENDINGS.iter().any(ends) {
        Some(Secret::Whole)
    } else {
        None
    }
}

/// A PIN as lockdesk shows it anywhere: `***` and at most its last 2
/// characters, only when it has 4 or more (a shorter one shows nothing).
/// Masking an already masked PIN (`***1111`) masks it further (`***11`).
pub fn mask_pin(pin: &str) -> String {
    let chars: Vec<char> = pin.chars().collect();
    if chars.len() >= 4 {
        let tail: String = chars[chars.len() - 2..].iter().collect();
        format!("{MASK}{tail}")
    } else {
        MASK.to_string()
    }
}

/// JSON text (a column as Postgres wrote it, a provider's answer) with every
/// secret value replaced and every other byte kept.
pub fn json_text(text: &str) -> Cow<'_, str> {
    match json::redact(text, 0) {
        Some(t) => Cow::Owned(t),
        None => Cow::Borrowed(text),
    }
}

/// Any other text (an error message, a reason, a log line): secrets found by
/// key (`accessToken=…`, `"pin": "…"`, `Authorization: …`) and by shape.
pub fn free_text(text: &str) -> Cow<'_, str> {
    match in_text(text, 0) {
        Some(t) => Cow::Owned(t),
        None => Cow::Borrowed(text),
    }
}

/// How many layers of JSON held in a string inside JSON are opened.
const MAX_NEST: u8 = 4;

/// Free text redacted: quoted keys first (JSON held in the text, whole or
/// in part, up to `MAX_NEST` layers of strings deep), then shapes and
/// unquoted keys. `None` when nothing in it is secret.
fn in_text(text: &str, nest: u8) -> Option<String> {
    let quoted = if nest < MAX_NEST && text.contains('"') {
        json::redact(text, nest + 1)
    } else {
        None
    };
    let base = quoted.as_deref().unwrap_or(text);
    words::redact(base).or(quoted)
}

/// An optional text column, redacted.
pub fn free_opt(text: Option<String>) -> Option<String> {
    text.map(|t| match free_text(&t) {
        Cow::Borrowed(_) => t,
        Cow::Owned(r) => r,
    })
}

/// A JSON value with every secret masked: the same pass as `json_text`, so
/// a value and its text are always masked alike. Values come from
/// `jsontext::parse` (never deeper than it holds), so printing is safe.
pub fn value(v: &Value) -> Value {
    let text = v.to_string();
    match json::redact(&text, 0) {
        None => v.clone(),
        Some(r) => crate::jsontext::parse(&r)
            .map(|p| p.value)
            .unwrap_or_else(|_| Value::String(MASK.into())),
    }
}

#[cfg(test)]
mod tests;
