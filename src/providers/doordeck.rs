//! Doordeck client: login and refresh (Bearer tokens), devices and their users,
//! the v2 audit trail (seconds, the 15 event types), and share/revoke as
//! signed operations (an Ed25519 JWT posted to /device/{id}/execute).
//! Errors are by HTTP status (503 device offline, 409 reused request id, …).

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair};
use serde_json::{Value, json};
use tokio::sync::Mutex;

use super::listing::{self, Listing};
use super::{
    BoxFut, CallRecord, Grant, LockAccess, LockEvent, Outcome, Provider, ProviderError, redact,
};

pub const ACCEPT_V2: &str = "application/vnd.doordeck.api-v2+json";

/// The 15 audit event types of the v2 trail.
pub const EVENT_TYPES: [&str; 15] = [
    "DOOR_OPEN",
    "DOOR_CLOSE",
    "DOOR_UNLOCK",
    "DOOR_LOCK",
    "OWNER_ASSIGNED",
    "DEVICE_CONNECTED",
    "DEVICE_DISCONNECTED",
    "LOCK_SHARED",
    "LOCK_REVOKED",
    "USER_PROMOTED",
    "USER_DEMOTED",
    "SETTING_CHANGED",
    "TILE_ASSOCIATED",
    "TILE_DISASSOCIATED",
    "DEVICE_DECOMMISSIONED",
];

pub fn meaning(status: u16) -> &'static str {
    match status {
        400 => "bad request",
        401 => "unauthorized (bad or expired token)",
        403 => "forbidden",
        404 => "not found",
        406 => "not acceptable",
        409 => "conflict: the request id (jti) was already used",
        423 => "locked: secondary verification needed",
        425 => "too early: another operation is pending",
        429 => "too many requests",
        500 => "internal server error",
        503 => "device offline",
        504 => "the device did not answer in time",
        _ => "the server refused the request",
    }
}

struct Session {
    auth: String,
    refresh: Option<String>,
}

/// The signing identity for operations: an ephemeral key and its certificate.
struct Signer {
    key: Ed25519KeyPair,
    chain: Vec<String>,
    user_id: String,
}

/// One customer's account, from the providers file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DoordeckAccount {
    pub base_url: String,
    pub email: String,
    pub password: String,
}

pub struct DoordeckClient {
    http: reqwest::Client,
    account: DoordeckAccount,
    timeout: Duration,
    session: Mutex<Option<Session>>,
    signer: Mutex<Option<Signer>>,
}

fn uuid4() -> String {
    let rng = SystemRandom::new();
    let mut b = [0u8; 16];
    let _ = ring::rand::SecureRandom::fill(&rng, &mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

impl DoordeckClient {
    pub fn new(account: DoordeckAccount, timeout: Duration) -> DoordeckClient {
        DoordeckClient {
            http: super::http_client(timeout),
            account,
            timeout,
            session: Mutex::new(None),
            signer: Mutex::new(None),
        }
    }

    fn secrets(&self, extra: &[String]) -> Vec<String> {
        let mut s = vec![self.account.password.clone()];
        s.extend(extra.iter().cloned());
        s
    }

    async fn login(&self, refresh: Option<String>) -> Result<Session, ProviderError> {
        let secrets = self.secrets(&refresh.iter().cloned().collect::<Vec<_>>());
        let refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
        let req = match &refresh {
            Some(r) => self
                .http
                .post(format!("{}/auth/token/refresh", self.account.base_url))
                .bearer_auth(r)
                .header("Accept", ACCEPT_V2),
            None => self
                .http
                .post(format!("{}/auth/token", self.account.base_url))
                .header("Accept", ACCEPT_V2)
                .json(&json!({"email": self.account.email, "password": self.account.password})),
        };
        let (status, text) = super::send_bounded(req, self.timeout, &refs).await?;
        if status >= 400 {
            return Err(ProviderError::Http {
                status,
                meaning: meaning(status),
            });
        }
        let body: Value = serde_json::from_str(&text)
            .map_err(|_| ProviderError::Decode("the token answer is not JSON".into()))?;
        let auth = body
            .get("authToken")
            .and_then(Value::as_str)
            .ok_or_else(|| ProviderError::Decode("the token answer has no authToken".into()))?;
        // A refresh answer carries a new refresh token only when it should change.
        let new_refresh = body
            .get("refreshToken")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or(refresh);
        tracing::info!(email = %self.account.email, "Doordeck token obtained");
        Ok(Session {
            auth: auth.to_string(),
            refresh: new_refresh,
        })
    }

    async fn auth_token(&self, renew: bool) -> Result<String, ProviderError> {
        let mut guard = self.session.lock().await;
        if guard.is_none() || renew {
            let refresh = guard.as_ref().and_then(|s| s.refresh.clone());
            let s = match (renew, refresh) {
                (true, Some(r)) => match self.login(Some(r)).await {
                    Ok(s) => s,
                    Err(_) => self.login(None).await?,
                },
                _ => self.login(None).await?,
            };
            *guard = Some(s);
        }
        Ok(guard.as_ref().map(|s| s.auth.clone()).unwrap_or_default())
    }

    /// One authenticated call; a 401 renews the token once and retries.
    #[allow(clippy::too_many_arguments)]
    async fn call(
        &self,
        action: &str,
        method: &str,
        path: &str,
        query: &[(&str, String)],
        body: Option<(&str, String, Value)>,
        read: bool,
        lock_id: Option<&str>,
        calls: &mut Vec<CallRecord>,
    ) -> Result<Value, ProviderError> {
        let how = (read, None);
        self.call_with(action, method, path, query, body, how, lock_id, calls)
            .await
    }

    /// `call`, or with `how.1` one attempt within that time (a probe: no
    /// token renewal, no retry).
    #[allow(clippy::too_many_arguments)]
    async fn call_with(
        &self,
        action: &str,
        method: &str,
        path: &str,
        query: &[(&str, String)],
        body: Option<(&str, String, Value)>,
        (read, once): (bool, Option<Duration>),
        lock_id: Option<&str>,
        calls: &mut Vec<CallRecord>,
    ) -> Result<Value, ProviderError> {
        let mut renewed = once.is_some();
        let read = read && once.is_none();
        let timeout = once.unwrap_or(self.timeout);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let token = self.auth_token(false).await?;
            let url = format!("{}{path}", self.account.base_url);
            let mut req = if method == "GET" {
                self.http.get(&url)
            } else {
                self.http.post(&url)
            };
            req = req
                .bearer_auth(&token)
                .header("Accept", ACCEPT_V2)
                .query(query);
            let mut payload = json!({});
            for (k, v) in query {
                payload[*k] = json!(v);
            }
            if let Some((ctype, text, shown)) = &body {
                req = req.header("Content-Type", *ctype).body(text.clone());
                payload = shown.clone();
            }
            let secrets = self.secrets(std::slice::from_ref(&token));
            let refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
            let started = crate::timefmt::local_now();
            let result = super::send_json(req, timeout, &refs, meaning)
                .await
                .map(|(v, _)| v);
            calls.push(CallRecord {
                action: action.to_string(),
                provider: "DOORDECK",
                lock_id: lock_id.map(str::to_string),
                request: CallRecord::request_json(&self.account.base_url, method, path, &payload),
                response: match &result {
                    Ok(v) => redact::value(v),
                    Err(e) => json!({"error": e.to_string()}),
                },
                ok: result.is_ok(),
                error: result.as_ref().err().map(ToString::to_string),
                at: started,
            });
            match result {
                Ok(v) => return Ok(v),
                Err(ProviderError::Http { status: 401, .. }) if !renewed => {
                    renewed = true;
                    self.auth_token(true).await?;
                }
                Err(e)
                    if read
                        && attempt < 3
                        && (e.is_transient() || matches!(e, ProviderError::Timeout { .. })) =>
                {
                    tokio::time::sleep(Duration::from_millis(200 * (1 << attempt))).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// The ephemeral signing key, registered once per session.
    async fn signer(&self, calls: &mut Vec<CallRecord>) -> Result<(), ProviderError> {
        let mut guard = self.signer.lock().await;
        if guard.is_some() {
            return Ok(());
        }
        let rng = SystemRandom::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng)
            .map_err(|_| ProviderError::Decode("could not make a signing key".into()))?;
        let key = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref())
            .map_err(|_| ProviderError::Decode("could not load the signing key".into()))?;
        let public = STANDARD.encode(key.public_key().as_ref());
        let body = json!({"ephemeralKey": public});
        let answer = self
            .call(
                "EPHEMERAL_KEY",
                "POST",
                "/auth/certificate",
                &[],
                Some(("application/json", body.to_string(), body)),
                false,
                None,
                calls,
            )
            .await?;
        let chain = answer
            .get("certificateChain")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|c| c.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let user_id = answer
            .get("userId")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        *guard = Some(Signer {
            key,
            chain,
            user_id,
        });
        Ok(())
    }

    /// Signs and posts one operation to `/device/{id}/execute`.
    async fn execute(
        &self,
        action: &str,
        lock_id: &str,
        operation: Value,
        calls: &mut Vec<CallRecord>,
    ) -> Result<(), ProviderError> {
        self.signer(calls).await?;
        let (jwt, shown) = {
            let guard = self.signer.lock().await;
            let s = guard
                .as_ref()
                .ok_or_else(|| ProviderError::Decode("no signing key".into()))?;
            let now = Utc::now().timestamp();
            let header = json!({"alg": "EdDSA", "typ": "JWT", "x5c": s.chain});
            let claims = json!({"iss": s.user_id, "sub": lock_id, "nbf": now, "iat": now, "exp": now + 60,
                                "jti": uuid4(), "operation": operation});
            let signing_input = format!(
                "{}.{}",
                URL_SAFE_NO_PAD.encode(header.to_string()),
                URL_SAFE_NO_PAD.encode(claims.to_string())
            );
            let sig = s.key.sign(signing_input.as_bytes());
            let jwt = format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref()));
            // What the log shows: the claims, never the signature.
            (
                jwt,
                json!({"operation": claims["operation"], "jti": claims["jti"], "exp": claims["exp"], "signature": "***"}),
            )
        };
        self.call(
            action,
            "POST",
            &format!("/device/{lock_id}/execute"),
            &[],
            Some(("application/jwt", jwt, shown)),
            false,
            Some(lock_id),
            calls,
        )
        .await
        .map(|_| ())
    }

    pub async fn devices(&self, calls: &mut Vec<CallRecord>) -> Result<Vec<Value>, ProviderError> {
        let v = self
            .call(
                "DEVICE_LIST",
                "GET",
                "/device",
                &[],
                None,
                true,
                None,
                calls,
            )
            .await?;
        Ok(v.as_array().cloned().unwrap_or_default())
    }
}

/// One entry of `/device/{id}/users`; `None` without a `userId`.
fn user(u: &Value) -> Option<LockAccess> {
    Some(LockAccess {
        id: u.get("userId")?.as_str()?.to_string(),
        name: u.get("email").and_then(Value::as_str).map(str::to_string),
        start: u.get("start").and_then(seconds),
        end: u.get("end").and_then(seconds),
    })
}

/// Doordeck times are seconds, sometimes written as floats.
fn seconds(v: &Value) -> Option<DateTime<Utc>> {
    let s = v.as_f64()?;
    DateTime::from_timestamp(s.trunc() as i64, ((s.fract()) * 1e9) as u32)
}

impl Provider for DoordeckClient {
    fn name(&self) -> &'static str {
        "DOORDECK"
    }

    fn list_access<'a>(&'a self, lock_id: &'a str) -> BoxFut<'a, Outcome<Listing>> {
        Box::pin(async move {
            let mut calls = Vec::new();
            let result = self
                .call(
                    "LOCK_USERS",
                    "GET",
                    &format!("/device/{lock_id}/users"),
                    &[],
                    None,
                    true,
                    Some(lock_id),
                    &mut calls,
                )
                .await
                .and_then(|v| {
                    // One unpaged array: bounded, and its logged copy compacted.
                    let logged = calls.last_mut().map(|c| &mut c.response);
                    listing::doordeck_users(&v, logged, user)
                });
            Outcome { result, calls }
        })
    }

    fn grant<'a>(&'a self, lock_id: &'a str, grant: &'a Grant) -> BoxFut<'a, Outcome<String>> {
        Box::pin(async move {
            let mut calls = Vec::new();
            let result = async {
                let email = grant
                    .user_email
                    .clone()
                    .ok_or_else(|| ProviderError::Decode("a Doordeck share needs the user's email".into()))?;
                let body = json!({"email": email});
                let who = self
                    .call("DIRECTORY_QUERY", "POST", "/directory/query", &[], Some(("application/json", body.to_string(), body)), true, None, &mut calls)
                    .await?;
                let user = who.get("id").and_then(Value::as_str).unwrap_or_default().to_string();
                let key = who.get("publicKey").cloned().unwrap_or(Value::Null);
                let op = json!({"type": "ADD_USER", "user": user, "publicKey": key, "role": "USER", "start": null, "end": null});
                self.execute("LOCK_SHARE", lock_id, op, &mut calls).await?;
                Ok(user)
            }
            .await;
            Outcome { result, calls }
        })
    }

    fn revoke<'a>(&'a self, lock_id: &'a str, access_id: &'a str) -> BoxFut<'a, Outcome<()>> {
        Box::pin(async move {
            let mut calls = Vec::new();
            let op = json!({"type": "REMOVE_USER", "users": [access_id]});
            let result = self.execute("LOCK_REVOKE", lock_id, op, &mut calls).await;
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
            let q = [
                ("start", from.timestamp().to_string()),
                ("end", to.timestamp().to_string()),
            ];
            let result = self
                .call(
                    "AUDIT_TRAIL_FETCH",
                    "GET",
                    &format!("/device/{lock_id}/log"),
                    &q,
                    None,
                    true,
                    Some(lock_id),
                    &mut calls,
                )
                .await
                .map(|v| {
                    let mut events: Vec<LockEvent> = v
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|e| {
                            let e = redact::value(e);
                            LockEvent {
                                at: e.get("timestamp").and_then(seconds).unwrap_or(from),
                                kind: e
                                    .get("type")
                                    .and_then(Value::as_str)
                                    .unwrap_or("UNKNOWN")
                                    .to_string(),
                                who: e
                                    .get("email")
                                    .or_else(|| e.get("displayName"))
                                    .and_then(Value::as_str)
                                    .map(str::to_string),
                                success: true,
                                raw: e,
                            }
                        })
                        .collect();
                    // The server's order is not guaranteed: newest first here.
                    events.sort_by_key(|e| std::cmp::Reverse(e.at));
                    events
                });
            Outcome { result, calls }
        })
    }

    fn lock_time<'a>(&'a self, _lock_id: &'a str) -> BoxFut<'a, Outcome<Option<DateTime<Utc>>>> {
        Box::pin(async move {
            Outcome {
                result: Ok(None),
                calls: Vec::new(),
            }
        })
    }

    fn device_state<'a>(
        &'a self,
        lock_id: &'a str,
        deadline: Duration,
    ) -> BoxFut<'a, Outcome<super::DeviceState>> {
        Box::pin(super::health::within(
            deadline,
            "Doordeck",
            async move |calls: &mut Vec<CallRecord>| {
                let path = format!("/device/{lock_id}");
                let how = (true, Some(deadline));
                self.call_with(
                    "DEVICE_GET",
                    "GET",
                    &path,
                    &[],
                    None,
                    how,
                    Some(lock_id),
                    calls,
                )
                .await
                .map(|d| super::health::doordeck_device(&d))
            },
        ))
    }

    fn probe<'a>(&'a self, lock_id: &'a str) -> BoxFut<'a, Outcome<()>> {
        Box::pin(async move {
            let mut calls = Vec::new();
            let result = self
                .call(
                    "DEVICE_GET",
                    "GET",
                    &format!("/device/{lock_id}"),
                    &[],
                    None,
                    true,
                    Some(lock_id),
                    &mut calls,
                )
                .await
                .and_then(|d| {
                    let connected = d
                        .pointer("/state/connected")
                        .and_then(Value::as_bool)
                        .unwrap_or(true);
                    if connected {
                        Ok(())
                    } else {
                        Err(ProviderError::Http {
                            status: 503,
                            meaning: meaning(503),
                        })
                    }
                });
            Outcome { result, calls }
        })
    }
}
