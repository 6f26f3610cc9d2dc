//! TTLock Cloud API v3 client: password-grant token (MD5 password) with
//! refresh, the common clientId/accessToken/date params, paging, and every
//! documented errcode turned into a typed error. Success is `errcode == 0`
//! (or a data object without errcode), never the errmsg text.

pub mod codes;
mod health;

use codes::http_meaning;
pub use codes::{meaning, record_kind};

use std::time::Duration;

use chrono::{DateTime, Utc};
use md5::{Digest, Md5};
use serde_json::{Value, json};
use tokio::sync::Mutex;

use super::listing::{self, Listing, Pages};
use super::{
    BoxFut, CallRecord, Grant, LockEvent, Outcome, Provider, ProviderError, from_ms, redact,
};

struct Token {
    access: String,
    refresh: String,
    expires_at: DateTime<Utc>,
}

/// One customer's account, from the providers file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TtLockAccount {
    pub base_url: String,
    pub client_id: String,
    pub client_secret: String,
    pub username: String,
    /// The plain password; the client sends its MD5 as the API wants.
    pub password: String,
}

pub struct TtLockClient {
    http: reqwest::Client,
    account: TtLockAccount,
    timeout: Duration,
    token: Mutex<Option<Token>>,
}

/// How a call may be retried.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Retry {
    /// Reads: retry busy answers and timeouts, twice, with backoff.
    Read,
    /// Changes: never re-sent blindly (an add that timed out may have landed).
    Never,
    /// A probe: one attempt within this time, not even a token retry.
    Once(Duration),
}

fn md5_hex(s: &str) -> String {
    Md5::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn param_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl TtLockClient {
    pub fn new(account: TtLockAccount, timeout: Duration) -> TtLockClient {
        TtLockClient {
            http: super::http_client(timeout),
            account,
            timeout,
            token: Mutex::new(None),
        }
    }

    fn secrets(&self) -> Vec<String> {
        vec![
            self.account.client_secret.clone(),
            self.account.password.clone(),
            md5_hex(&self.account.password),
        ]
    }

    /// The token call: refresh when we have a refresh token, else a password
    /// grant. `full` forces the password grant (after 10011).
    async fn fetch_token(&self, refresh: Option<String>) -> Result<Token, ProviderError> {
        let mut form: Vec<(&str, String)> = vec![
            ("clientId", self.account.client_id.clone()),
            ("clientSecret", self.account.client_secret.clone()),
        ];
        match &refresh {
            Some(r) => {
                form.push(("grant_type", "refresh_token".into()));
                form.push(("refresh_token", r.clone()));
            }
            None => {
                form.push(("username", self.account.username.clone()));
                form.push(("password", md5_hex(&self.account.password)));
            }
        }
        let url = format!("{}/oauth2/token", self.account.base_url);
        let secrets = self.secrets();
        let secret_refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
        let req = self.http.post(&url).form(&form);
        let (status, text) = super::send_bounded(req, self.timeout, &secret_refs).await?;
        let body: Value = serde_json::from_str(&text)
            .map_err(|e| ProviderError::Decode(redact::text(&e.to_string(), &secret_refs)))?;
        if status >= 400 {
            return Err(ProviderError::Http {
                status,
                meaning: "the token endpoint refused the request",
            });
        }
        if let Some(code) = body
            .get("errcode")
            .and_then(Value::as_i64)
            .filter(|c| *c != 0)
        {
            return Err(ProviderError::TtLock {
                code,
                meaning: meaning(code),
            });
        }
        let access = body.get("access_token").and_then(Value::as_str);
        let refresh_token = body.get("refresh_token").and_then(Value::as_str);
        // The documented lifetime is 90 days; anything from a minute to a
        // year is believed, anything else is taken as the documented one.
        let expires = body
            .get("expires_in")
            .and_then(Value::as_i64)
            .filter(|s| (60..=366 * 86_400).contains(s))
            .unwrap_or(7_776_000);
        match (access, refresh_token) {
            (Some(a), Some(r)) => {
                tracing::info!(client_id = %self.account.client_id, refresh = refresh.is_some(), "TTLock token obtained");
                Ok(Token {
                    access: a.to_string(),
                    refresh: r.to_string(),
                    // Refresh a minute early rather than send a dying token.
                    expires_at: Utc::now() + chrono::Duration::seconds(expires.saturating_sub(60)),
                })
            }
            _ => Err(ProviderError::Decode(
                "the token answer has no access_token".into(),
            )),
        }
    }

    /// A valid access token, refreshing or logging in as needed.
    async fn access_token(&self, force: Option<i64>) -> Result<String, ProviderError> {
        let mut guard = self.token.lock().await;
        let need = match (&*guard, force) {
            (None, _) => true,
            (Some(_), Some(_)) => true,
            (Some(t), None) => t.expires_at <= Utc::now(),
        };
        if need {
            let refresh = match (force, &*guard) {
                // 10011: the refresh token itself is bad: full login.
                (Some(10011), _) | (_, None) => None,
                (_, Some(t)) => Some(t.refresh.clone()),
            };
            let fresh = match self.fetch_token(refresh.clone()).await {
                Ok(t) => t,
                Err(ProviderError::TtLock {
                    code: 10011 | 10003 | 10004,
                    ..
                }) if refresh.is_some() => self.fetch_token(None).await?,
                Err(e) => return Err(e),
            };
            *guard = Some(fresh);
        }
        Ok(guard.as_ref().map(|t| t.access.clone()).unwrap_or_default())
    }

    #[allow(clippy::too_many_arguments)]
    /// One v3 call with the common params (`call_sized` without the size).
    async fn call(
        &self,
        action: &str,
        method: &str,
        path: &str,
        params: Value,
        retry: Retry,
        lock_id: Option<&str>,
        calls: &mut Vec<CallRecord>,
    ) -> Result<Value, ProviderError> {
        self.call_sized(action, method, path, params, retry, lock_id, calls)
            .await
            .map(|(v, _)| v)
    }

    #[allow(clippy::too_many_arguments)]
    /// One v3 call with the common params, and its answer's size in bytes.
    /// Reads go as GET with a query string, changes as POST with a form
    /// body, as the docs' examples do.
    async fn call_sized(
        &self,
        action: &str,
        method: &str,
        path: &str,
        params: Value,
        retry: Retry,
        lock_id: Option<&str>,
        calls: &mut Vec<CallRecord>,
    ) -> Result<(Value, usize), ProviderError> {
        let mut token_retry = true;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let token = self.access_token(None).await?;
            let mut payload = params.clone();
            payload["clientId"] = json!(self.account.client_id);
            payload["accessToken"] = json!(token);
            payload["date"] = json!(Utc::now().timestamp_millis());
            let pairs: Vec<(String, String)> = payload
                .as_object()
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.clone(), param_string(v)))
                        .collect()
                })
                .unwrap_or_default();
            let url = format!("{}{path}", self.account.base_url);
            let req = if method == "GET" {
                self.http.get(&url).query(&pairs)
            } else {
                self.http.post(&url).form(&pairs)
            };
            let mut secrets = self.secrets();
            secrets.push(token.clone());
            let secret_refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
            let started = crate::timefmt::local_now();
            let timeout = match retry {
                Retry::Once(d) => d,
                _ => self.timeout,
            };
            let result = super::send_json(req, timeout, &secret_refs, http_meaning).await;
            let (response, outcome) = match result {
                Ok((body, bytes)) => {
                    let code = body.get("errcode").and_then(Value::as_i64).unwrap_or(0);
                    let response = redact::value(&body);
                    let r = if code == 0 {
                        Ok((body, bytes))
                    } else {
                        Err(ProviderError::TtLock {
                            code,
                            meaning: meaning(code),
                        })
                    };
                    (response, r)
                }
                Err(e) => (json!({"error": e.to_string()}), Err(e)),
            };
            calls.push(CallRecord {
                action: action.to_string(),
                provider: "TTLOCK",
                lock_id: lock_id.map(str::to_string),
                request: CallRecord::request_json(&self.account.base_url, method, path, &payload),
                response,
                ok: outcome.is_ok(),
                error: outcome.as_ref().err().map(ToString::to_string),
                at: started,
            });
            match outcome {
                Ok(v) => return Ok(v),
                // An expired or unknown token: refresh once and try again.
                Err(ProviderError::TtLock {
                    code: c @ (10003 | 10004 | 10011),
                    ..
                }) if token_retry && !matches!(retry, Retry::Once(_)) => {
                    token_retry = false;
                    self.access_token(Some(c)).await?;
                }
                Err(e)
                    if retry == Retry::Read
                        && attempt < 3
                        && (e.is_transient() || matches!(e, ProviderError::Timeout { .. })) =>
                {
                    tokio::time::sleep(Duration::from_millis(200 * (1 << attempt))).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// All passcodes on a lock, every page (`listing::PAGE_SIZE` each),
    /// within listing's bounds and checked for wholeness. Each page is read
    /// into `LockAccess` and its logged response compacted, then dropped.
    pub async fn list_codes(
        &self,
        lock_id: &str,
        calls: &mut Vec<CallRecord>,
    ) -> Result<Listing, ProviderError> {
        let mut pages = Pages::new();
        loop {
            let params = json!({"lockId": lock_number(lock_id), "pageNo": pages.page_no(),
                                "pageSize": listing::PAGE_SIZE});
            let (body, bytes) = self
                .call_sized(
                    "PASSCODE_LIST",
                    "GET",
                    "/v3/lock/listKeyboardPwd",
                    params,
                    Retry::Read,
                    Some(lock_id),
                    calls,
                )
                .await?;
            if let Some(c) = calls.last_mut() {
                pages.compact_logged(&mut c.response, listing::TTLOCK_LOGGED);
            }
            if !pages.take(&body, bytes, codes::passcode)? {
                return Ok(pages.finish());
            }
        }
    }

    pub async fn list_locks(
        &self,
        calls: &mut Vec<CallRecord>,
    ) -> Result<Vec<Value>, ProviderError> {
        let body = self
            .call(
                "LOCK_LIST",
                "GET",
                "/v3/lock/list",
                json!({"pageNo": 1, "pageSize": 1000}),
                Retry::Read,
                None,
                calls,
            )
            .await?;
        Ok(body
            .get("list")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default())
    }

    pub async fn lock_detail(
        &self,
        lock_id: &str,
        calls: &mut Vec<CallRecord>,
    ) -> Result<Value, ProviderError> {
        self.call(
            "LOCK_DETAIL",
            "GET",
            "/v3/lock/detail",
            json!({"lockId": lock_number(lock_id)}),
            Retry::Read,
            Some(lock_id),
            calls,
        )
        .await
        .map(|v| redact::value(&v))
    }

    pub async fn change_passcode(
        &self,
        lock_id: &str,
        pwd_id: &str,
        new_name: Option<&str>,
        calls: &mut Vec<CallRecord>,
    ) -> Result<(), ProviderError> {
        let mut p = json!({"lockId": lock_number(lock_id), "keyboardPwdId": lock_number(pwd_id), "changeType": 2});
        if let Some(n) = new_name {
            p["keyboardPwdName"] = json!(n);
        }
        self.call(
            "PASSCODE_CHANGE",
            "POST",
            "/v3/keyboardPwd/change",
            p,
            Retry::Never,
            Some(lock_id),
            calls,
        )
        .await
        .map(|_| ())
    }

    /// `/v3/lock/queryOpenState`: 0 locked, 1 unlocked, 2 unknown (via the gateway).
    pub async fn open_state(
        &self,
        lock_id: &str,
        calls: &mut Vec<CallRecord>,
    ) -> Result<i64, ProviderError> {
        let body = self
            .call(
                "LOCK_OPEN_STATE",
                "GET",
                "/v3/lock/queryOpenState",
                json!({"lockId": lock_number(lock_id)}),
                Retry::Read,
                Some(lock_id),
                calls,
            )
            .await?;
        Ok(body.get("state").and_then(Value::as_i64).unwrap_or(2))
    }
}

/// Lock and passcode ids are numbers in TTLock's API.
fn lock_number(id: &str) -> Value {
    id.parse::<i64>().map_or_else(|_| json!(id), |n| json!(n))
}

impl Provider for TtLockClient {
    fn name(&self) -> &'static str {
        "TTLOCK"
    }

    fn list_access<'a>(&'a self, lock_id: &'a str) -> BoxFut<'a, Outcome<Listing>> {
        Box::pin(async move {
            let mut calls = Vec::new();
            let result = self.list_codes(lock_id, &mut calls).await;
            Outcome { result, calls }
        })
    }

    fn grant<'a>(&'a self, lock_id: &'a str, grant: &'a Grant) -> BoxFut<'a, Outcome<String>> {
        Box::pin(async move {
            let mut calls = Vec::new();
            let Some(pin) = &grant.pin else {
                return Outcome {
                    result: Err(ProviderError::Decode("a TTLock grant needs a PIN".into())),
                    calls,
                };
            };
            let now = Utc::now().timestamp_millis();
            let result = self
                .call(
                    "PASSCODE_ADD",
                    "POST",
                    "/v3/keyboardPwd/add",
                    json!({"lockId": lock_number(lock_id), "keyboardPwd": pin, "keyboardPwdName": grant.name,
                           "keyboardPwdType": 2, "startDate": now - now % 60_000, "addType": 2}),
                    Retry::Never,
                    Some(lock_id),
                    &mut calls,
                )
                .await
                .and_then(|b| {
                    b.get("keyboardPwdId")
                        .map(param_string)
                        .ok_or_else(|| ProviderError::Decode("the add answer has no keyboardPwdId".into()))
                });
            Outcome { result, calls }
        })
    }

    fn revoke<'a>(&'a self, lock_id: &'a str, access_id: &'a str) -> BoxFut<'a, Outcome<()>> {
        Box::pin(async move {
            let mut calls = Vec::new();
            let result = self
                .call(
                    "PASSCODE_DELETE",
                    "POST",
                    "/v3/keyboardPwd/delete",
                    json!({"lockId": lock_number(lock_id), "keyboardPwdId": lock_number(access_id), "deleteType": 2}),
                    Retry::Never,
                    Some(lock_id),
                    &mut calls,
                )
                .await
                .map(|_| ());
            Outcome { result, calls }
        })
    }

    fn audit_trail<'a>(
        &'a self,
        lock_id: &'a str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> BoxFut<'a, Outcome<Vec<LockEvent>>> {
        Box::pin(async move {
            let mut calls = Vec::new();
            let mut events = Vec::new();
            let mut page = 1;
            let result = loop {
                let body = match self
                    .call(
                        "LOCK_RECORD_LIST",
                        "GET",
                        "/v3/lockRecord/list",
                        json!({"lockId": lock_number(lock_id), "startDate": from.timestamp_millis(),
                               "endDate": to.timestamp_millis(), "pageNo": page, "pageSize": 200}),
                        Retry::Read,
                        Some(lock_id),
                        &mut calls,
                    )
                    .await
                {
                    Ok(b) => b,
                    Err(e) => break Err(e),
                };
                for r in body
                    .get("list")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let r = redact::value(r);
                    let t = r.get("recordType").and_then(Value::as_i64).unwrap_or(0);
                    events.push(LockEvent {
                        at: r
                            .get("lockDate")
                            .and_then(Value::as_i64)
                            .and_then(from_ms)
                            .unwrap_or(from),
                        kind: record_kind(t).to_string(),
                        who: r
                            .get("username")
                            .and_then(Value::as_str)
                            .map(str::to_string),
                        success: r.get("success").and_then(Value::as_i64) == Some(1),
                        raw: r,
                    });
                }
                match super::page_count(&body) {
                    Ok(pages) if page >= pages => break Ok(()),
                    Ok(_) => {}
                    Err(e) => break Err(e),
                }
                page += 1;
            };
            events.sort_by_key(|e| std::cmp::Reverse(e.at));
            Outcome {
                result: result.map(|_| events),
                calls,
            }
        })
    }

    fn lock_time<'a>(&'a self, lock_id: &'a str) -> BoxFut<'a, Outcome<Option<DateTime<Utc>>>> {
        Box::pin(async move {
            let mut calls = Vec::new();
            let result = self
                .call(
                    "LOCK_QUERY_DATE",
                    "GET",
                    "/v3/lock/queryDate",
                    json!({"lockId": lock_number(lock_id)}),
                    Retry::Read,
                    Some(lock_id),
                    &mut calls,
                )
                .await
                .map(|b| b.get("date").and_then(Value::as_i64).and_then(from_ms));
            Outcome { result, calls }
        })
    }

    fn probe<'a>(&'a self, lock_id: &'a str) -> BoxFut<'a, Outcome<()>> {
        Box::pin(async move {
            let mut calls = Vec::new();
            let result = self.open_state(lock_id, &mut calls).await.map(|_| ());
            Outcome { result, calls }
        })
    }

    fn device_state<'a>(
        &'a self,
        lock_id: &'a str,
        deadline: Duration,
    ) -> BoxFut<'a, Outcome<super::DeviceState>> {
        Box::pin(super::health::within(
            deadline,
            "TTLock",
            async move |calls: &mut Vec<CallRecord>| {
                self.read_device_state(lock_id, deadline, calls).await
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_password_is_sent_as_lowercase_md5() {
        assert_eq!(super::md5_hex("123456"), "e10adc3949ba59abbe56e057f20f883e");
    }
}
