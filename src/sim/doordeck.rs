//! The Doordeck cloud, simulated: token login and refresh, devices and their
//! users, the audit trail (v1 without the versioned Accept header, v2 with
//! it), the directory, and signed operations on /device/{id}/execute with the
//! documented checks (JWT content type, `sub`, `exp`, reused `jti` → 409).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, Utc};
use serde_json::{Value, json};

use super::{Fault, Req, Resp, Shared, state};
use crate::providers::doordeck::ACCEPT_V2;

fn error(status: u16, message: &str) -> Resp {
    Resp::json(status, &json!({"code": status, "message": message}))
}

fn bearer(r: &Req) -> Option<String> {
    r.header("authorization")?
        .strip_prefix("Bearer ")
        .map(str::to_string)
}

pub async fn handle(s: Shared, r: Req) -> Resp {
    match (r.method.as_str(), r.path.trim_end_matches('/')) {
        ("POST", "/auth/token") => login(&s, &r),
        ("POST" | "GET", "/auth/token/refresh") => refresh(&s, &r),
        (_, "/auth/token" | "/auth/token/refresh") => error(405, "Method not allowed"),
        _ => authed(s, r).await,
    }
}

fn issue(s: &Shared, user: &str, with_refresh: bool) -> Value {
    let mut st = state(s);
    let auth = format!("eyJ{}", st.token());
    let ttl = st.token_ttl_secs.min(86_400);
    st.dd_tokens.insert(
        auth.clone(),
        (user.to_string(), Utc::now() + Duration::seconds(ttl)),
    );
    if with_refresh {
        let refresh = format!("eyR{}", st.token());
        st.dd_refresh.insert(refresh.clone(), user.to_string());
        json!({"authToken": auth, "refreshToken": refresh})
    } else {
        json!({"authToken": auth})
    }
}

fn login(s: &Shared, r: &Req) -> Resp {
    let Ok(body) = serde_json::from_slice::<Value>(&r.body) else {
        return error(400, "Bad request");
    };
    let email = body.get("email").and_then(Value::as_str).unwrap_or("");
    let password = body.get("password").and_then(Value::as_str).unwrap_or("");
    let user = state(s)
        .dd_accounts
        .iter()
        .find(|a| a.email == email && a.password == password)
        .map(|a| a.user_id.clone());
    match user {
        Some(u) => Resp::json(200, &issue(s, &u, true)),
        None => error(401, "Unauthorized"),
    }
}

fn refresh(s: &Shared, r: &Req) -> Resp {
    let user = bearer(r).and_then(|t| state(s).dd_refresh.get(&t).cloned());
    match user {
        // The refresh token stays valid; a new one is not sent (it is optional).
        Some(u) => Resp::json(200, &issue(s, &u, false)),
        None => error(401, "Unauthorized"),
    }
}

/// The device's unlock time, seconds (`settings.unlockTime`).
const UNLOCK_SECS: i64 = 5;

/// The documented lock object. `state.connected` is false while the device
/// is offline (its `gateway_offline` fault); `lastOperation` is the newest
/// event the device logged; `state.locked` is false for `unlockTime`
/// seconds after an unlock operation.
fn device_json(id: &str, d: &super::DdDevice, offline: bool, world_now: i64) -> Value {
    let now = Utc::now().timestamp();
    let last = d
        .events
        .iter()
        .filter_map(|e| e.get("timestamp").and_then(Value::as_i64))
        .max()
        .unwrap_or(world_now - 300);
    let locked = d
        .unlocked_at
        .is_none_or(|t| now.saturating_sub(t) >= UNLOCK_SECS);
    json!({"id": id, "name": d.name, "colour": "#57355D", "role": "ADMIN", "lastOperation": last,
           "settings": {"unlockTime": UNLOCK_SECS, "permittedAddresses": [], "defaultName": d.name, "usageRequirements": {}, "delay": 0,
                        "hidden": false, "directAccessEndpoints": [], "capabilities": {"BATCH_SHARING_25": "SUPPORTED"},
                        "unlockBetweenWindow": null},
           "state": {"locked": locked, "connected": d.connected && !offline, "duration": UNLOCK_SECS}, "favourite": false,
           "unlockTime": UNLOCK_SECS, "start": null, "end": null})
}

fn offline(st: &super::SimState, id: &str) -> bool {
    st.fault(&format!("DOORDECK:{id}")) == Some(Fault::GatewayOffline)
}

async fn authed(s: Shared, r: Req) -> Resp {
    let user = {
        let st = state(&s);
        let Some(tok) = bearer(&r) else {
            return error(401, "Unauthorized");
        };
        match st.dd_tokens.get(&tok) {
            Some((u, exp)) if *exp > Utc::now() => u.clone(),
            _ => return error(401, "Unauthorized"),
        }
    };
    let parts: Vec<&str> = r.path.trim_matches('/').split('/').collect();
    // Faults apply to operations on one device.
    if parts.first() == Some(&"device") && parts.len() >= 2 {
        let fault = state(&s).fault(&format!("DOORDECK:{}", parts[1]));
        match fault {
            Some(Fault::Slow(d)) => tokio::time::sleep(d).await,
            Some(Fault::ServerError) => return error(500, "Internal server error"),
            Some(Fault::RateLimit) => return error(429, "Too many requests"),
            Some(Fault::GatewayOffline) if parts.len() >= 3 && parts[2] == "execute" => {
                return error(503, "Device offline");
            }
            Some(Fault::Busy) if parts.len() >= 3 && parts[2] == "execute" => {
                return error(425, "Too early");
            }
            _ => {}
        }
    }
    let v2 = r.header("accept").is_some_and(|a| a.contains(ACCEPT_V2));
    let mut st = state(&s);
    match (r.method.as_str(), parts.as_slice()) {
        ("POST", ["auth", "certificate"]) => {
            let Ok(body) = serde_json::from_slice::<Value>(&r.body) else {
                return error(400, "Bad request");
            };
            if body.get("ephemeralKey").and_then(Value::as_str).is_none() {
                return error(400, "Bad request");
            }
            let chain = base64::engine::general_purpose::STANDARD
                .encode(format!("simulated certificate for {user}"));
            Resp::json(200, &json!({"certificateChain": [chain], "userId": user}))
        }
        ("POST", ["auth", "token", "destroy"]) => {
            let tok = bearer(&r).unwrap_or_default();
            st.dd_tokens.remove(&tok);
            Resp::empty(204)
        }
        ("GET", ["device"]) => {
            let list: Vec<Value> = st
                .dd_devices
                .iter()
                .filter(|(_, d)| d.owner == user)
                .map(|(id, d)| device_json(id, d, offline(&st, id), st.now().timestamp()))
                .collect();
            Resp::json(200, &Value::Array(list))
        }
        ("POST", ["directory", "query"]) => {
            let Ok(body) = serde_json::from_slice::<Value>(&r.body) else {
                return error(400, "Bad request");
            };
            let email = body.get("email").and_then(Value::as_str).unwrap_or("");
            match st.directory.get(email) {
                Some((id, key)) => Resp::json(200, &json!({"id": id, "publicKey": key})),
                None => error(404, "Not found"),
            }
        }
        (
            _,
            ["auth", "certificate" | "token"]
            | ["auth", "token", "destroy"]
            | ["device"]
            | ["directory", "query"],
        ) => error(405, "Method not allowed"),
        (_, ["device", id, rest @ ..]) => {
            let id = id.to_string();
            let Some(d) = st.dd_devices.get(&id) else {
                return error(404, "Not found");
            };
            if d.owner != user {
                return error(403, "Forbidden");
            }
            match (r.method.as_str(), rest) {
                ("GET", []) => {
                    let body = device_json(&id, d, offline(&st, &id), st.now().timestamp());
                    st.device_reads += 1;
                    Resp::json(200, &body)
                }
                ("GET", ["users"]) => {
                    let mut users = d.users.clone();
                    if st.fault(&format!("DOORDECK:{id}")) == Some(Fault::UsersOverBound) {
                        users.extend(super::fillers(users.len(), |i| {
                            json!({"userId": format!("filler-{i}"), "email": format!("filler{i}@example.com"),
                                   "role": "USER", "orphan": false})
                        }));
                    }
                    Resp::json(200, &Value::Array(users))
                }
                ("GET", ["log"]) => {
                    let q = |k: &str| {
                        r.query
                            .iter()
                            .find(|(a, _)| a == k)
                            .and_then(|(_, v)| v.parse::<i64>().ok())
                    };
                    let (from, to) = (q("start").unwrap_or(0), q("end").unwrap_or(i64::MAX));
                    let mut events: Vec<Value> = d
                        .events
                        .iter()
                        .filter(|e| e.get("timestamp").and_then(Value::as_i64).is_some_and(|t| t >= from && t <= to))
                        .map(|e| {
                            if v2 {
                                e.clone()
                            } else {
                                // v1: a float timestamp, no email or display name.
                                json!({"timestamp": e["timestamp"].as_i64().unwrap_or(0) as f64, "type": e["type"],
                                       "user": e["user"], "message": e["message"]})
                            }
                        })
                        .collect();
                    events.sort_by_key(|e| {
                        std::cmp::Reverse(
                            e.get("timestamp").and_then(Value::as_f64).unwrap_or(0.0) as i64
                        )
                    });
                    Resp::json(200, &Value::Array(events))
                }
                ("POST", ["execute"]) => {
                    if !r
                        .header("content-type")
                        .unwrap_or("")
                        .starts_with("application/jwt")
                    {
                        return error(400, "Bad request: expected application/jwt");
                    }
                    let text = String::from_utf8_lossy(&r.body).to_string();
                    let segs: Vec<&str> = text.split('.').collect();
                    let claims = (segs.len() == 3)
                        .then(|| URL_SAFE_NO_PAD.decode(segs[1]).ok())
                        .flatten()
                        .and_then(|b| serde_json::from_slice::<Value>(&b).ok());
                    let Some(claims) = claims else {
                        return error(400, "Bad request: not a JWT");
                    };
                    if claims.get("sub").and_then(Value::as_str) != Some(id.as_str()) {
                        return error(400, "Bad request: sub is not this device");
                    }
                    if claims.get("exp").and_then(Value::as_i64).unwrap_or(0)
                        <= Utc::now().timestamp()
                    {
                        return error(400, "Bad request: the operation has expired");
                    }
                    if let Some(jti) = claims.get("jti").and_then(Value::as_str) {
                        if !st.jtis.insert(jti.to_string()) {
                            return error(409, "Conflict: jti already used");
                        }
                    }
                    let op = claims.get("operation").cloned().unwrap_or(Value::Null);
                    let now = Utc::now().timestamp();
                    let actor = st
                        .dd_accounts
                        .iter()
                        .find(|a| a.user_id == user)
                        .map(|a| a.email.clone());
                    let directory: Vec<(String, String)> = st
                        .directory
                        .iter()
                        .map(|(e, (i, _))| (e.clone(), i.clone()))
                        .collect();
                    let Some(d) = st.dd_devices.get_mut(&id) else {
                        return error(404, "Not found");
                    };
                    match op.get("type").and_then(Value::as_str) {
                        Some("ADD_USER") => {
                            let uid = op
                                .get("user")
                                .and_then(Value::as_str)
                                .unwrap_or("")
                                .to_string();
                            let email = directory
                                .iter()
                                .find(|(_, i)| *i == uid)
                                .map(|(e, _)| e.clone());
                            if !d.users.iter().any(|u| u["userId"] == json!(uid)) {
                                d.users.push(json!({"userId": uid, "email": email, "displayName": email, "publicKey": op["publicKey"],
                                                    "orphan": false, "role": op.get("role").cloned().unwrap_or(json!("USER"))}));
                            }
                            d.events.push(json!({"timestamp": now, "type": "LOCK_SHARED", "user": uid, "email": actor,
                                                 "displayName": actor, "message": "Lock shared"}));
                            Resp::json(204, &json!({}))
                        }
                        Some("REMOVE_USER") => {
                            let users: Vec<String> = op
                                .get("users")
                                .and_then(Value::as_array)
                                .map(|a| {
                                    a.iter()
                                        .filter_map(|u| u.as_str().map(str::to_string))
                                        .collect()
                                })
                                .unwrap_or_default();
                            let had: std::collections::BTreeSet<String> = users
                                .iter()
                                .filter(|x| d.users.iter().any(|u| u["userId"] == json!(x)))
                                .cloned()
                                .collect();
                            d.users
                                .retain(|u| !users.iter().any(|x| u["userId"] == json!(x)));
                            // Only the users really removed count, and are audited.
                            let revoked = had.len() as u64;
                            for u in had {
                                d.events.push(json!({"timestamp": now, "type": "LOCK_REVOKED", "user": u, "email": actor,
                                                     "displayName": actor, "message": "Access revoked"}));
                            }
                            st.dd_revokes += revoked;
                            Resp::json(200, &json!({}))
                        }
                        Some("MUTATE_LOCK") => {
                            let lock = op.get("locked").and_then(Value::as_bool).unwrap_or(false);
                            d.unlocked_at = (!lock).then_some(now);
                            let (kind, msg) = if lock {
                                ("DOOR_LOCK", "Door locked")
                            } else {
                                ("DOOR_UNLOCK", "Door unlocked")
                            };
                            d.events.push(
                                json!({"timestamp": now, "type": kind, "user": user, "email": actor,
                                                 "displayName": actor, "message": msg}),
                            );
                            Resp::json(200, &json!({}))
                        }
                        _ => error(400, "Bad request: unknown operation"),
                    }
                }
                _ => error(405, "Method not allowed"),
            }
        }
        _ => error(404, "Not found"),
    }
}
