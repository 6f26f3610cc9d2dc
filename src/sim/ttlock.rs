//! The TTLock cloud, simulated: /oauth2/token and the /v3 endpoints lockdesk
//! uses, with the documented checks (clientId, token, `date` within 5
//! minutes, form content type, page size) and error shapes (HTTP 200 with a
//! non-zero errcode).

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use super::{Fault, Req, Resp, Shared, state};

fn ok() -> Value {
    json!({"errcode": 0, "errmsg": "none error message or means yes", "description": "表示成功或是"})
}

fn err(code: i64, msg: &str) -> Resp {
    Resp::json(
        200,
        &json!({"errcode": code, "errmsg": msg, "description": msg}),
    )
}

fn params(r: &Req) -> Result<Vec<(String, String)>, Resp> {
    if r.method == "GET" {
        return Ok(r.query.clone());
    }
    let ctype = r.header("content-type").unwrap_or("");
    if !ctype.starts_with("application/x-www-form-urlencoded") {
        return Err(err(-3, "Invalid Parameter."));
    }
    let mut p: Vec<(String, String)> =
        serde_urlencoded::from_bytes(&r.body).map_err(|_| err(-3, "Invalid Parameter."))?;
    p.extend(r.query.clone());
    Ok(p)
}

fn get<'a>(p: &'a [(String, String)], k: &str) -> Option<&'a str> {
    p.iter().find(|(a, _)| a == k).map(|(_, v)| v.as_str())
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
    let gateway = matches!(
        r.path.as_str(),
        "/v3/keyboardPwd/add" | "/v3/keyboardPwd/change" | "/v3/keyboardPwd/delete"
    );
    let lock = params(&r)
        .ok()
        .and_then(|p| get(&p, "lockId").map(str::to_string));
    let resp = handle_now(s.clone(), r).await;
    if let (true, Some(l)) = (gateway, lock) {
        let fault = state(&s).fault(&format!("TTLOCK:{l}"));
        if let Some(Fault::SlowAnswer(d)) = fault {
            tokio::time::sleep(d).await;
        }
    }
    resp
}

async fn handle_now(s: Shared, r: Req) -> Resp {
    if r.path == "/_sim/fault" && r.method == "POST" {
        return control(&s, &r);
    }
    if r.method != "GET" && r.method != "POST" {
        return Resp::empty(405);
    }
    let p = match params(&r) {
        Ok(p) => p,
        Err(e) => return e,
    };
    if r.path == "/oauth2/token" {
        return token(&s, &p);
    }
    let Some(action) = r.path.strip_prefix("/v3/") else {
        return Resp::empty(404);
    };
    // Common params: clientId, accessToken, date (ms, within 5 minutes).
    let uid = {
        let st = state(&s);
        let Some(client) = get(&p, "clientId") else {
            return err(-3, "Invalid Parameter.");
        };
        if !st.tt_accounts.iter().any(|a| a.client_id == client) {
            return err(10000, "invalid client_id");
        }
        let Some(tok) = get(&p, "accessToken") else {
            return err(10003, "invalid token");
        };
        let Some((uid, exp)) = st.tt_tokens.get(tok).copied() else {
            return err(10003, "invalid token");
        };
        if exp <= Utc::now() {
            return err(10004, "invalid grant");
        }
        let Some(date) = get(&p, "date").and_then(|d| d.parse::<i64>().ok()) else {
            return err(-3, "Invalid Parameter.");
        };
        if (date - Utc::now().timestamp_millis()).abs() > 5 * 60 * 1000 {
            return err(80000, "date must be current time");
        }
        uid
    };
    let lock_id = get(&p, "lockId").and_then(|l| l.parse::<i64>().ok());
    let gateway_op = matches!(
        action,
        "keyboardPwd/add"
            | "keyboardPwd/change"
            | "keyboardPwd/delete"
            | "lock/queryOpenState"
            | "lock/unlock"
            | "lock/lock"
    );
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
            Some(Fault::GatewayOffline) if gateway_op => return err(-3002, "gateway offline"),
            Some(Fault::Busy) if gateway_op => return err(-3003, "gateway busy"),
            _ => {}
        }
    }
    let mut st = state(&s);
    if action == "lock/list" {
        let list: Vec<Value> = st
            .tt_locks
            .iter()
            .filter(|(_, l)| l.uid == uid)
            .map(|(id, l)| json!({"lockId": id, "lockName": format!("S31_{id:x}"), "lockAlias": l.name, "hasGateway": 1,
                                  "electricQuantity": 80 + id % 20, "featureValue": "F44354CD5F3", "date": 1_767_225_600_000_i64}))
            .collect();
        return Resp::json(200, &page(list, &p, 1000));
    }
    let Some(lock_id) = lock_id else {
        return err(-3, "Invalid Parameter.");
    };
    let Some(lock) = st.tt_locks.get(&lock_id) else {
        return err(-1003, "lock does not exist");
    };
    if lock.uid != uid {
        return err(20002, "not lock admin");
    }
    let refuse = st.fault(&format!("TTLOCK:{lock_id}")) == Some(Fault::RefusePin);
    match action {
        "lock/detail" => Resp::json(
            200,
            &json!({"lockId": lock_id, "lockAlias": lock.name, "lockName": format!("S31_{lock_id:x}"), "electricQuantity": 87,
                    "hasGateway": 1, "keyboardPwdVersion": 4, "timezoneRawOffset": 0, "modelNum": "SN229_PV53",
                    "firmwareRevision": "6.1.22.0208", "autoLockTime": 5, "passageMode": 2, "date": 1_767_225_600_000_i64}),
        ),
        "lock/listKeyboardPwd" => {
            let mut list = lock.passcodes.clone();
            // orderBy defaults to 1: creation time, newest first.
            if get(&p, "orderBy").unwrap_or("1") == "1" {
                list.sort_by_key(|x| {
                    std::cmp::Reverse(x.get("sendDate").and_then(Value::as_i64).unwrap_or(0))
                });
            }
            let fault = st.fault(&format!("TTLOCK:{lock_id}"));
            if fault == Some(Fault::ListOverBound) {
                let filler = super::fillers(list.len(), |i| {
                    json!({"keyboardPwdId": 90_000_000 + i, "lockId": lock_id, "keyboardPwd": format!("{}", 1_000_000 + i),
                           "keyboardPwdName": format!("filler {i}"), "keyboardPwdType": 2, "status": 1})
                });
                list.extend(filler);
            }
            let mut answer = page(list, &p, 200);
            match fault {
                Some(Fault::ListNoPages) => {
                    answer.as_object_mut().map(|m| m.remove("pages"));
                }
                Some(Fault::ListPagesNotInteger) => answer["pages"] = json!(1.5),
                Some(Fault::ListTotalTooHigh) => {
                    answer["total"] = json!(answer["total"].as_i64().unwrap_or(0) + 1);
                }
                _ => {}
            }
            Resp::json(200, &answer)
        }
        "lockRecord/list" => {
            let from = get(&p, "startDate")
                .and_then(|x| x.parse::<i64>().ok())
                .unwrap_or(0);
            let to = get(&p, "endDate")
                .and_then(|x| x.parse::<i64>().ok())
                .unwrap_or(i64::MAX);
            let mut list: Vec<Value> = lock
                .records
                .iter()
                .filter(|r| {
                    r.get("lockDate")
                        .and_then(Value::as_i64)
                        .is_some_and(|t| t >= from && t <= to)
                })
                .cloned()
                .collect();
            list.sort_by_key(|x| {
                std::cmp::Reverse(x.get("lockDate").and_then(Value::as_i64).unwrap_or(0))
            });
            Resp::json(200, &page(list, &p, 200))
        }
        "lock/queryOpenState" => Resp::json(200, &json!({"state": 0})),
        "lock/queryDate" => Resp::json(
            200,
            &json!({"date": Utc::now().timestamp_millis() + lock.clock_offset_ms}),
        ),
        "keyboardPwd/add" => {
            let Some(code) = get(&p, "keyboardPwd") else {
                return err(-3, "Invalid Parameter.");
            };
            if !(4..=9).contains(&code.len()) || !code.chars().all(|c| c.is_ascii_digit()) {
                return err(-3006, "passcode length must be 4-9");
            }
            if refuse || code.chars().all(|c| code.starts_with(c)) {
                return err(-2032, "passcode too simple");
            }
            if lock
                .passcodes
                .iter()
                .any(|x| x.get("keyboardPwd").and_then(Value::as_str) == Some(code))
            {
                return err(-3007, "same passcode already exists");
            }
            if lock.passcodes.len() >= 250 {
                return err(-3009, "custom passcode storage full");
            }
            let now = Utc::now().timestamp_millis();
            st.next_id += 1;
            let id = st.next_id;
            let name = get(&p, "keyboardPwdName").unwrap_or("").to_string();
            let (username, start, end) = {
                let acct = st
                    .tt_accounts
                    .iter()
                    .find(|a| a.uid == uid)
                    .map(|a| a.username.clone())
                    .unwrap_or_default();
                let start = get(&p, "startDate")
                    .and_then(|x| x.parse::<i64>().ok())
                    .unwrap_or(now);
                let end = get(&p, "endDate")
                    .and_then(|x| x.parse::<i64>().ok())
                    .unwrap_or(0);
                (acct, start, end)
            };
            let ptype = get(&p, "keyboardPwdType")
                .and_then(|x| x.parse::<i64>().ok())
                .unwrap_or(3);
            let entry = json!({"keyboardPwdId": id, "lockId": lock_id, "keyboardPwd": code, "keyboardPwdName": name,
                "keyboardPwdType": ptype, "keyboardPwdVersion": 4, "startDate": start, "endDate": end, "sendDate": now,
                "isCustom": 1, "status": 1, "senderUsername": username, "nickName": "", "receiverUsername": ""});
            if let Some(l) = st.tt_locks.get_mut(&lock_id) {
                l.passcodes.push(entry);
            }
            Resp::json(200, &json!({"keyboardPwdId": id}))
        }
        "keyboardPwd/delete" | "keyboardPwd/change" => {
            let Some(pid) = get(&p, "keyboardPwdId").and_then(|x| x.parse::<i64>().ok()) else {
                return err(-3, "Invalid Parameter.");
            };
            let Some(l) = st.tt_locks.get_mut(&lock_id) else {
                return err(-1003, "lock does not exist");
            };
            let Some(i) = l
                .passcodes
                .iter()
                .position(|x| x.get("keyboardPwdId").and_then(Value::as_i64) == Some(pid))
            else {
                return err(-2009, "passcode does not exist");
            };
            if action == "keyboardPwd/delete" {
                if get(&p, "deleteType").is_none() {
                    return err(-3, "Invalid Parameter.");
                }
                l.passcodes.remove(i);
                st.tt_deletes += 1;
            } else if let Some(n) = get(&p, "keyboardPwdName") {
                l.passcodes[i]["keyboardPwdName"] = json!(n);
            }
            Resp::json(200, &ok())
        }
        _ => err(-3, "Invalid Parameter."),
    }
}

/// `{list, pageNo, pageSize, pages, total}`; a page size over `max` is -3.
fn page(list: Vec<Value>, p: &[(String, String)], max: i64) -> Value {
    let size = get(p, "pageSize")
        .and_then(|x| x.parse::<i64>().ok())
        .unwrap_or(20);
    let no = get(p, "pageNo")
        .and_then(|x| x.parse::<i64>().ok())
        .unwrap_or(1)
        .max(1);
    if size > max || size < 1 {
        return json!({"errcode": -3, "errmsg": "Invalid Parameter.", "description": "pageSize"});
    }
    let total = list.len() as i64;
    let pages = ((total + size - 1) / size).max(1);
    let items: Vec<Value> = list
        .into_iter()
        .skip(((no - 1) * size) as usize)
        .take(size as usize)
        .collect();
    json!({"list": items, "pageNo": no, "pageSize": size, "pages": pages, "total": total})
}

fn token(s: &Shared, p: &[(String, String)]) -> Resp {
    let mut st = state(s);
    // The documented camelCase, and the snake_case OAuth helpers send.
    let client = get(p, "clientId")
        .or_else(|| get(p, "client_id"))
        .unwrap_or("")
        .to_string();
    let secret = get(p, "clientSecret")
        .or_else(|| get(p, "client_secret"))
        .unwrap_or("")
        .to_string();
    let Some(acct) = st
        .tt_accounts
        .iter()
        .find(|a| a.client_id == client)
        .cloned()
    else {
        return err(10000, "invalid client_id");
    };
    if acct.client_secret != secret {
        return err(10001, "invalid client");
    }
    let uid = if get(p, "grant_type") == Some("refresh_token") {
        let r = get(p, "refresh_token").unwrap_or("");
        match st.tt_refresh.remove(r) {
            Some(uid) => uid,
            None => return err(10011, "invalid refresh_token"),
        }
    } else {
        let pw = get(p, "password").unwrap_or("");
        if pw.len() != 32
            || !pw
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        {
            return err(30005, "password must be md5");
        }
        let want: String = md5::Digest::finalize(<md5::Md5 as md5::Digest>::new_with_prefix(
            acct.password.as_bytes(),
        ))
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
        if get(p, "username") != Some(acct.username.as_str()) || pw != want {
            return err(10007, "invalid account");
        }
        acct.uid
    };
    let access = st.token();
    let refresh = st.token();
    let ttl = st.token_ttl_secs;
    st.tt_tokens
        .insert(access.clone(), (uid, Utc::now() + Duration::seconds(ttl)));
    st.tt_refresh.insert(refresh.clone(), uid);
    Resp::json(
        200,
        &json!({"access_token": access, "uid": uid, "refresh_token": refresh, "expires_in": ttl}),
    )
}
