//! What TTLock's numbers mean, as its documentation gives them: errcodes,
//! HTTP statuses, and lock record types; and a passcode list item read.

use serde_json::Value;

use crate::providers::{LockAccess, from_ms};

/// One item of `/v3/lock/listKeyboardPwd` (unredacted: the name is matched
/// against the broker's). `None` without a `keyboardPwdId`; the id may be
/// a number or a string, as TTLock writes numbers either way.
pub fn passcode(p: &Value) -> Option<LockAccess> {
    let id = match p.get("keyboardPwdId")? {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let ms = |k: &str| {
        p.get(k)
            .and_then(Value::as_i64)
            .filter(|m| *m > 0)
            .and_then(from_ms)
    };
    Some(LockAccess {
        id,
        name: p
            .get("keyboardPwdName")
            .and_then(Value::as_str)
            .map(str::to_string),
        start: ms("startDate"),
        end: ms("endDate"),
    })
}

/// The documented meaning of an errcode.
pub fn meaning(code: i64) -> &'static str {
    match code {
        1 => "failed or means no",
        -3 => "invalid parameter",
        10000 => "client_id does not exist",
        10001 => "wrong client_id or client_secret",
        10003 => "token does not exist",
        10004 => "token invalid, expired or revoked",
        10007 => "wrong username or password",
        10011 => "invalid refresh_token",
        20002 => "not lock admin",
        30001 => "no permission for this API",
        30005 => "password must be MD5",
        30006 => "API call rate limit exceeded",
        30007 => "monthly API quota exceeded",
        80000 => "date must be the current time (within 5 minutes)",
        80002 => "invalid JSON format",
        90000 => "internal server error",
        -1003 => "lock does not exist",
        -1007 => "no passcode data on this lock",
        -2009 => "passcode does not exist",
        -2012 => "no gateway near the lock",
        -2018 => "permission denied",
        -2025 => "lock frozen",
        -2032 => "passcode too simple",
        -3002 => "gateway offline",
        -3003 => "gateway busy, try later",
        -3006 => "passcode length must be 4-9",
        -3007 => "the same passcode already exists",
        -3008 => "cannot modify a passcode never used on the lock",
        -3009 => "custom passcode storage full",
        -3034 => "WiFi lock has no network configured",
        -3035 => "WiFi lock in power-saving mode",
        -3036 => "lock offline",
        -3037 => "lock busy",
        -4043 => "the lock does not support this operation",
        -4056 => "storage full",
        _ => "undocumented error code",
    }
}

/// What an HTTP error status from TTLock's cloud means (business errors
/// come with HTTP 200 and an errcode instead).
pub fn http_meaning(status: u16) -> &'static str {
    match status {
        429 => "too many requests",
        500 => "internal server error",
        502 => "bad gateway",
        503 => "service unavailable",
        504 => "gateway timeout",
        _ => "the server refused the request",
    }
}

/// A readable name for a cloud `recordType`.
pub fn record_kind(t: i64) -> &'static str {
    match t {
        1 => "unlock by app",
        4 => "unlock by passcode",
        7 => "unlock by IC card",
        8 => "unlock by fingerprint",
        10 => "unlock by mechanical key",
        11 => "lock by app",
        12 => "unlock by gateway",
        29 => "force applied",
        30 => "door closed",
        31 => "door open",
        44 => "tamper alert",
        45 => "auto lock",
        47 => "lock by key",
        48 => "system locked (too many attempts)",
        _ => "lock record",
    }
}
