//! The TTLock cloud, simulated: /oauth2/token and the /v3 endpoints of
//! docs/providers.md, with the documented checks (clientId, token, `date`
//! within 5 minutes, page sizes, optional parameters absent, empty or 0) and
//! error shape (HTTP 200 with a non-zero errcode). Both request forms the docs
//! show are taken on every path: GET with a query string, POST with a form
//! body. One module per endpoint family: `token`, `locks` (lock reads, remote
//! unlock/lock, records), `gateways`, `passcodes`.

mod gateways;
mod locks;
mod passcodes;
mod token;

use chrono::Utc;
use serde_json::{Value, json};

use super::{Fault, Req, Resp, Shared, state};

/// Every path this simulator answers (besides its own `/_sim/fault`).
pub const ENDPOINTS: &[&str] = &[
    "/oauth2/token",
    "/v3/lock/list",
    "/v3/lock/detail",
    "/v3/lock/listKeyboardPwd",
    "/v3/lockRecord/list",
    "/v3/lock/queryOpenState",
    "/v3/lock/queryStatus",
    "/v3/lock/queryElectricQuantity",
    "/v3/lock/queryDate",
    "/v3/lock/unlock",
    "/v3/lock/lock",
    "/v3/gateway/list",
    "/v3/gateway/listByLock",
    "/v3/gateway/listLock",
    "/v3/gateway/detail",
    "/v3/keyboardPwd/add",
    "/v3/keyboardPwd/change",
    "/v3/keyboardPwd/delete",
    "/v3/keyboardPwd/get",
];

pub(crate) fn ok() -> Value {
    json!({"errcode": 0, "errmsg": "none error message or means yes", "description": "表示成功或是"})
}

pub(crate) fn err(code: i64, msg: &str) -> Resp {
    err_status(200, code, msg)
}

/// The documented error body with another HTTP status (unknown paths and
/// methods, which the docs do not describe).
fn err_status(status: u16, code: i64, msg: &str) -> Resp {
    Resp::json(
        status,
        &json!({"errcode": code, "errmsg": msg, "description": msg}),
    )
}

pub(crate) fn invalid() -> Resp {
    err(-3, "Invalid Parameter.")
}

/// The request's parameters: the query string, and for a POST the form body
/// too (a POST must say it is a form, as the docs' examples do).
fn params(r: &Req) -> Result<Vec<(String, String)>, Resp> {
    if r.method == "GET" {
        return Ok(r.query.clone());
    }
    let ctype = r.header("content-type").unwrap_or("");
    if !r.body.is_empty() && !ctype.starts_with("application/x-www-form-urlencoded") {
        return Err(invalid());
    }
    let mut p: Vec<(String, String)> =
        serde_urlencoded::from_bytes(&r.body).map_err(|_| invalid())?;
    p.extend(r.query.clone());
    Ok(p)
}

pub(crate) type Params = [(String, String)];

/// A parameter as sent; an empty value counts as absent.
pub(crate) fn get<'a>(p: &'a Params, k: &str) -> Option<&'a str> {
    p.iter()
        .find(|(a, _)| a == k)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// A numeric parameter: `Ok(None)` when absent or empty, -3 when not a number.
pub(crate) fn num(p: &Params, k: &str) -> Result<Option<i64>, Resp> {
    match get(p, k) {
        None => Ok(None),
        Some(v) => v.trim().parse::<i64>().map(Some).map_err(|_| invalid()),
    }
}

/// A required numeric parameter: -3 when absent, empty or not a number.
pub(crate) fn need(p: &Params, k: &str) -> Result<i64, Resp> {
    num(p, k)?.ok_or_else(invalid)
}

/// A time bound: absent, empty or 0 is no bound (published clients send
/// `startDate=0`/`endDate=0` for that).
pub(crate) fn bound(p: &Params, k: &str) -> Result<Option<i64>, Resp> {
    Ok(num(p, k)?.filter(|v| *v != 0))
}

/// `POST /_sim/fault {"lock": "TTLOCK:28991110", "fault": "gateway_offline" | null}`:
/// the simulator's own control endpoint (not part of TTLock's API).
fn control(s: &Shared, r: &Req) -> Resp {
    let Ok(body) = serde_json::from_slice::<Value>(&r.body) else {
        return Resp::json(
            400,
            &json!({"error": "send {\"lock\": KEY, \"fault\": NAME or null}"}),
        );
    };
    let lock = body
        .get("lock")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let fault = match body.get("fault").and_then(Value::as_str) {
        None => None,
        Some(name) => match Fault::parse(name) {
            Some(f) => Some(f),
            None => return Resp::json(400, &json!({"error": format!("unknown fault {name}")})),
        },
    };
    state(s).apply_fault(&lock, fault);
    Resp::json(200, &json!({"lock": lock, "fault": body.get("fault")}))
}

pub async fn handle(s: Shared, r: Req) -> Resp {
    // A lock with a slow answer: the change happens now, the answer later.
    let change = matches!(
        r.path.as_str(),
        "/v3/keyboardPwd/add" | "/v3/keyboardPwd/change" | "/v3/keyboardPwd/delete"
    );
    let lock = params(&r)
        .ok()
        .and_then(|p| get(&p, "lockId").map(str::to_string));
    let resp = handle_now(s.clone(), r).await;
    if let (true, Some(l)) = (change, lock) {
        let fault = state(&s).fault(&format!("TTLOCK:{l}"));
        if let Some(Fault::SlowAnswer(d)) = fault {
            tokio::time::sleep(d).await;
        }
    }
    resp
}

/// Calls that go through the lock's gateway (or need it online).
fn through_gateway(action: &str, p: &Params) -> bool {
    let via = |k: &str, default: i64| {
        get(p, k)
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(default)
            != 1
    };
    match action {
        "lock/queryOpenState"
        | "lock/queryStatus"
        | "lock/queryElectricQuantity"
        | "lock/queryDate"
        | "lock/unlock"
        | "lock/lock" => true,
        // The passcode changes go through the gateway only when asked to
        // (type 2, or 4: WiFi power saving); type 1 (Bluetooth, the default)
        // only records in the cloud what the app already did.
        "keyboardPwd/add" => via("addType", 1),
        "keyboardPwd/change" => via("changeType", 1),
        "keyboardPwd/delete" => via("deleteType", 1),
        _ => false,
    }
}

async fn handle_now(s: Shared, r: Req) -> Resp {
    if r.path == "/_sim/fault" && r.method == "POST" {
        return control(&s, &r);
    }
    // Not described by the docs; answered in the documented error shape,
    // with the HTTP status saying what happened (see docs/providers.md).
    if !ENDPOINTS.contains(&r.path.as_str()) {
        return err_status(404, -3, "Invalid Parameter.");
    }
    if r.method != "GET" && r.method != "POST" {
        return err_status(405, -3, "Invalid Parameter.");
    }
    let p = match params(&r) {
        Ok(p) => p,
        Err(e) => return e,
    };
    if r.path == "/oauth2/token" {
        return token::token(&s, &p);
    }
    let action = r.path.trim_start_matches("/v3/");
    let uid = match common(&s, &p) {
        Ok(uid) => uid,
        Err(e) => return e,
    };
    let lock_id = match num(&p, "lockId") {
        Ok(l) => l,
        Err(e) => return e,
    };
    if let Some(l) = lock_id {
        let fault = state(&s).fault(&format!("TTLOCK:{l}"));
        match fault {
            Some(Fault::Slow(d)) => tokio::time::sleep(d).await,
            Some(Fault::ServerError) => {
                return Resp {
                    status: 500,
                    content_type: "text/html",
                    body: "<html><body>500 Internal Server Error</body></html>".into(),
                };
            }
            Some(Fault::RateLimit) => {
                return err(30006, "exceeds the restrictions of API call number");
            }
            _ => {}
        }
    }
    let mut st = state(&s);
    match action {
        "lock/list" => return locks::list(&st, uid, &p),
        "gateway/list" => return gateways::list(&st, uid, &p),
        "gateway/detail" => return gateways::detail(&st, uid, &p),
        "gateway/listLock" => return gateways::locks(&st, uid, &p),
        _ => {}
    }
    // Everything else is about one lock of this account.
    let Some(lock_id) = lock_id else {
        return invalid();
    };
    let Some(lock) = st.tt_locks.get(&lock_id) else {
        return err(-1003, "lock does not exist");
    };
    if lock.uid != uid {
        return err(20002, "not lock admin");
    }
    if through_gateway(action, &p) {
        let Some(gw) = lock.gateway else {
            return err(-2012, "no gateway near the lock");
        };
        if st.gateway_offline(gw).is_some() {
            return err(-3002, "gateway offline");
        }
        if st.fault(&format!("TTLOCK:{lock_id}")) == Some(Fault::Busy) {
            return err(-3003, "gateway busy");
        }
    }
    match action {
        "gateway/listByLock" => gateways::by_lock(&st, lock_id),
        "lock/listKeyboardPwd" => passcodes::list(&st, lock_id, &p),
        "keyboardPwd/add" => passcodes::add(&mut st, uid, lock_id, &p),
        "keyboardPwd/get" => passcodes::random(&mut st, uid, lock_id, &p),
        "keyboardPwd/change" => passcodes::change(&mut st, lock_id, &p),
        "keyboardPwd/delete" => passcodes::delete(&mut st, lock_id, &p),
        _ => locks::one(&mut st, uid, lock_id, action, &p),
    }
}

/// The common parameters: clientId, accessToken (this client's, unexpired),
/// date (ms, within 5 minutes of now). The token's account (`uid`).
fn common(s: &Shared, p: &Params) -> Result<i64, Resp> {
    let st = state(s);
    let Some(client) = get(p, "clientId") else {
        return Err(invalid());
    };
    let Some(account) = st.tt_accounts.iter().find(|a| a.client_id == client) else {
        return Err(err(10000, "invalid client_id"));
    };
    let Some(tok) = get(p, "accessToken") else {
        return Err(err(10003, "invalid token"));
    };
    let Some((uid, exp)) = st.tt_tokens.get(tok).copied() else {
        return Err(err(10003, "invalid token"));
    };
    // A token issued to another application is not this client's.
    let issued_to = st.tt_accounts.iter().find(|a| a.uid == uid);
    if issued_to.is_none_or(|a| a.client_id != account.client_id) {
        return Err(err(10003, "invalid token"));
    }
    if exp <= Utc::now() {
        return Err(err(10004, "invalid grant"));
    }
    let date = need(p, "date")?;
    let skew = date
        .checked_sub(Utc::now().timestamp_millis())
        .and_then(i64::checked_abs);
    if skew.is_none_or(|d| d > 5 * 60 * 1000) {
        return Err(err(80000, "date must be current time"));
    }
    Ok(uid)
}

/// `{list, pageNo, pageSize, pages, total}` of one page. `pageNo` absent,
/// empty or 0 is 1; `pageSize` absent, empty or 0 is the documented default
/// 20; over `max` (or negative) is -3.
pub(crate) fn page(list: Vec<Value>, p: &Params, max: i64) -> Resp {
    let size = match num(p, "pageSize") {
        Ok(Some(0) | None) => 20,
        Ok(Some(n)) if (1..=max).contains(&n) => n,
        Ok(Some(_)) | Err(_) => return invalid(),
    };
    let no = match num(p, "pageNo") {
        Ok(Some(0) | None) => 1,
        Ok(Some(n)) if n > 0 => n,
        Ok(Some(_)) | Err(_) => return invalid(),
    };
    let total = i64::try_from(list.len()).unwrap_or(i64::MAX);
    // An empty list still has one (empty) page, as the simulator always said.
    let pages = (total / size + i64::from(total % size != 0)).max(1);
    let skip = no
        .checked_sub(1)
        .and_then(|n| n.checked_mul(size))
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(usize::MAX);
    let items: Vec<Value> = list
        .into_iter()
        .skip(skip)
        .take(usize::try_from(size).unwrap_or(0))
        .collect();
    Resp::json(
        200,
        &json!({"list": items, "pageNo": no, "pageSize": size, "pages": pages, "total": total}),
    )
}

/// A MAC address made from a number (locks and gateways).
pub(crate) fn mac(prefix: &str, n: i64) -> String {
    let b = n.to_be_bytes();
    format!(
        "{prefix}:{:02X}:{:02X}:{:02X}:{:02X}",
        b[4], b[5], b[6], b[7]
    )
}
