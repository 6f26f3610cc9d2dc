// The provider clients over real HTTP against the loopback simulators, seeded
// from the demo world in a real Postgres.

use std::time::Duration;

use lockdesk::providers::{CallRecord, Grant, ProviderError};
use lockdesk::seeds;
use lockdesk::sim::Fault;
use serde_json::{Value, json};

use crate::support::demo_db;

mod hostile;
mod partial;
mod secrets;

use crate::support::sim::{first_doordeck_lock, providers, ttlock};
use crate::support::sim_for;

#[tokio::test]
async fn lock_28991110_lists_passcode_50957532_exactly_as_seed_001_shows_it() {
    let url = demo_db().await;
    let sim = sim_for(&url).await;
    let p = providers(&sim, Duration::from_secs(5));
    let out = ttlock(&p).list_access("28991110").await;
    let access = out.result.unwrap();
    assert!(access.is_complete(), "{:?}", access.incomplete);
    assert_eq!(access.items.len(), 1);
    assert_eq!(access.items[0].id, "50957532");
    let list: Vec<&CallRecord> = out
        .calls
        .iter()
        .filter(|c| c.action == "PASSCODE_LIST")
        .collect();
    assert_eq!(list.len(), 1);
    let seed_log = seeds::rows()
        .integration_logs
        .into_iter()
        .find(|l| l.id == 1660)
        .unwrap();
    assert_eq!(
        list[0].response,
        lockdesk::secrets::value(&seed_log.response_json),
        "the response, field for field (with lockdesk's PIN mask)"
    );
    let (got, want) = (
        &list[0].request["payload"],
        &seed_log.request_json["payload"],
    );
    for k in ["accessToken", "clientId", "lockId", "pageNo", "pageSize"] {
        assert_eq!(got[k], want[k], "payload.{k}");
    }
    assert!(got["date"].is_i64(), "date is a number of ms");
    assert_eq!(list[0].request["method"], "GET");
    assert_eq!(list[0].request["path"], "/v3/lock/listKeyboardPwd");
}

#[tokio::test]
async fn an_expired_token_is_refreshed_once_and_the_call_retried() {
    let url = demo_db().await;
    let sim = sim_for(&url).await;
    let p = providers(&sim, Duration::from_secs(5));
    let c = ttlock(&p);
    assert!(c.list_access("28991110").await.result.is_ok());
    sim.set_fault("", Some(Fault::TokenExpiry));
    let out = c.list_access("28991110").await;
    assert!(out.result.is_ok(), "{:?}", out.result);
    assert_eq!(out.calls.len(), 2, "one refused call, then the retry");
    assert!(!out.calls[0].ok);
    assert_eq!(out.calls[0].response["errcode"], 10004);
    assert!(out.calls[1].ok);
    // A refresh token the server no longer knows (10011): full login.
    {
        let mut st = lockdesk::sim::state(&sim.state);
        st.tt_refresh.clear();
    }
    sim.set_fault("", Some(Fault::TokenExpiry));
    assert!(c.list_access("28991110").await.result.is_ok());
    // Doordeck: a 401 renews the token and retries.
    let d = p.client(Some(2), "DOORDECK").unwrap();
    let lock = first_doordeck_lock(&sim);
    assert!(d.list_access(&lock).await.result.is_ok());
    sim.set_fault("", Some(Fault::TokenExpiry));
    let out = d.list_access(&lock).await;
    assert!(out.result.is_ok(), "{:?}", out.result);
    assert_eq!(
        out.calls[0].response["error"],
        "HTTP 401: unauthorized (bad or expired token)"
    );
}

#[tokio::test]
async fn listing_pages_past_200_passcodes() {
    let url = demo_db().await;
    let sim = sim_for(&url).await;
    {
        let mut st = lockdesk::sim::state(&sim.state);
        let lock = st.tt_locks.get_mut(&28_991_110).unwrap();
        for i in 0..450 {
            lock.passcodes.push(json!({"keyboardPwdId": 80_000_000 + i, "lockId": 28_991_110, "keyboardPwd": format!("{}", 500_000 + i),
                "keyboardPwdName": format!("bulk {i}"), "keyboardPwdType": 2, "sendDate": 1_770_000_000_000_i64 + i, "status": 1}));
        }
    }
    let p = providers(&sim, Duration::from_secs(5));
    let out = ttlock(&p).list_access("28991110").await;
    let listed = out.result.unwrap();
    assert_eq!(listed.items.len(), 451);
    assert!(listed.is_complete(), "{:?}", listed.incomplete);
    let pages: Vec<Value> = out
        .calls
        .iter()
        .map(|c| c.request["payload"]["pageNo"].clone())
        .collect();
    assert_eq!(pages, vec![json!(1), json!(2), json!(3)]);
    assert!(
        out.calls
            .iter()
            .all(|c| c.request["payload"]["pageSize"] == 200)
    );
}

#[tokio::test]
async fn every_fault_is_a_typed_error_and_a_failed_call_record() {
    let url = demo_db().await;
    let sim = sim_for(&url).await;
    let p = providers(&sim, Duration::from_secs(2));
    let c = ttlock(&p);
    let lock = "28991110";
    let key = "TTLOCK:28991110";
    let check = |out: &lockdesk::providers::Outcome<()>, want: ProviderError| {
        assert_eq!(out.result.as_ref().unwrap_err(), &want);
        let last = out.calls.last().unwrap();
        assert!(!last.ok);
        assert_eq!(last.error.as_deref(), Some(want.to_string().as_str()));
    };
    sim.set_fault(key, Some(Fault::GatewayOffline));
    let out = c.revoke(lock, "50957532").await;
    check(
        &out,
        ProviderError::TtLock {
            code: -3002,
            meaning: "gateway offline",
        },
    );
    assert!(out.result.unwrap_err().is_offline());
    // Reads still work: listing is a cloud call, not a gateway one.
    assert!(c.list_access(lock).await.result.is_ok());
    let probe = c.probe(lock).await;
    assert_eq!(
        probe.result.unwrap_err(),
        ProviderError::TtLock {
            code: -3002,
            meaning: "gateway offline"
        }
    );

    sim.set_fault(key, Some(Fault::Busy));
    let out = c.revoke(lock, "50957532").await;
    check(
        &out,
        ProviderError::TtLock {
            code: -3003,
            meaning: "gateway busy, try later",
        },
    );
    assert_eq!(out.calls.len(), 1, "a change is never re-sent blindly");
    let out = c.probe(lock).await;
    assert_eq!(
        out.calls.len(),
        3,
        "a read is retried on busy, with backoff"
    );

    sim.set_fault(key, Some(Fault::ServerError));
    check(
        &c.revoke(lock, "50957532").await,
        ProviderError::Http {
            status: 500,
            meaning: "internal server error",
        },
    );
    sim.set_fault(key, Some(Fault::RateLimit));
    check(
        &c.revoke(lock, "50957532").await,
        ProviderError::TtLock {
            code: 30006,
            meaning: "API call rate limit exceeded",
        },
    );
    sim.set_fault(key, Some(Fault::RefusePin));
    let g = Grant {
        name: "AB U9 C6".into(),
        pin: Some("48209999".into()),
        user_email: None,
    };
    let out = c.grant(lock, &g).await;
    assert_eq!(
        out.result.unwrap_err(),
        ProviderError::TtLock {
            code: -2032,
            meaning: "passcode too simple"
        }
    );
    sim.set_fault(key, Some(Fault::Slow(Duration::from_secs(5))));
    check(
        &c.revoke(lock, "50957532").await,
        ProviderError::Timeout { seconds: 2 },
    );
    sim.set_fault(key, None);
    assert!(c.revoke(lock, "50957532").await.result.is_ok());
    assert_eq!(
        c.revoke(lock, "50957532").await.result.unwrap_err(),
        ProviderError::TtLock {
            code: -2009,
            meaning: "passcode does not exist"
        }
    );

    // Doordeck: by HTTP status.
    let d = p.client(Some(2), "DOORDECK").unwrap();
    let dl = first_doordeck_lock(&sim);
    let dkey = format!("DOORDECK:{dl}");
    sim.set_fault(&dkey, Some(Fault::GatewayOffline));
    let out = d.revoke(&dl, "nobody").await;
    check(
        &out,
        ProviderError::Http {
            status: 503,
            meaning: "device offline",
        },
    );
    sim.set_fault(&dkey, Some(Fault::RateLimit));
    check(
        &d.revoke(&dl, "nobody").await,
        ProviderError::Http {
            status: 429,
            meaning: "too many requests",
        },
    );
    sim.set_fault(&dkey, Some(Fault::ServerError));
    check(
        &d.revoke(&dl, "nobody").await,
        ProviderError::Http {
            status: 500,
            meaning: "internal server error",
        },
    );
}

#[tokio::test]
async fn the_simulators_reject_what_the_real_apis_reject() {
    let url = demo_db().await;
    let sim = sim_for(&url).await;
    let http = reqwest::Client::new();
    let settings = sim.provider_settings();
    let acct = settings.customers[&1].ttlock.clone().unwrap();
    let md5: String = {
        use md5::Digest;
        md5::Md5::digest(acct.password.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    let tok: Value = http
        .post(format!("{}/oauth2/token", sim.ttlock_url))
        .form(&[
            ("clientId", acct.client_id.as_str()),
            ("clientSecret", &acct.client_secret),
            ("username", &acct.username),
            ("password", &md5),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = tok["access_token"].as_str().unwrap().to_string();
    // A plain password instead of its MD5.
    let bad: Value = http
        .post(format!("{}/oauth2/token", sim.ttlock_url))
        .form(&[
            ("clientId", acct.client_id.as_str()),
            ("clientSecret", &acct.client_secret),
            ("username", &acct.username),
            ("password", &acct.password),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(bad["errcode"], 30005);
    let call = |date: i64, page_size: i64| {
        let http = http.clone();
        let (u, c, t) = (
            sim.ttlock_url.clone(),
            acct.client_id.clone(),
            token.clone(),
        );
        async move {
            http.get(format!("{u}/v3/lock/listKeyboardPwd"))
                .query(&[
                    ("clientId", c),
                    ("accessToken", t),
                    ("lockId", "28991110".into()),
                    ("pageNo", "1".into()),
                    ("pageSize", page_size.to_string()),
                    ("date", date.to_string()),
                ])
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let now = chrono::Utc::now().timestamp_millis();
    assert_eq!(
        call(now - 10 * 60 * 1000, 20).await["errcode"],
        80000,
        "a stale date"
    );
    assert_eq!(call(now, 500).await["errcode"], -3, "a page size over 200");
    assert_eq!(call(now, 200).await["total"], 1);
    // A change sent as JSON instead of a form.
    let r: Value = http
        .post(format!("{}/v3/keyboardPwd/delete", sim.ttlock_url))
        .json(&json!({"clientId": acct.client_id}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["errcode"], -3);
    // Doordeck: no token → 401; JSON instead of a JWT → 400; a reused jti → 409.
    let r = http
        .get(format!("{}/device", sim.doordeck_url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let dd = settings.customers[&2].doordeck.clone().unwrap();
    let t: Value = http
        .post(format!("{}/auth/token", sim.doordeck_url))
        .json(&json!({"email": dd.email, "password": dd.password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let auth = t["authToken"].as_str().unwrap().to_string();
    let lock = first_doordeck_lock(&sim);
    let exec = |ctype: &'static str, body: String| {
        let (http, u, a, l) = (
            http.clone(),
            sim.doordeck_url.clone(),
            auth.clone(),
            lock.clone(),
        );
        async move {
            http.post(format!("{u}/device/{l}/execute"))
                .bearer_auth(a)
                .header("Content-Type", ctype)
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    use base64::Engine;
    let b64 = |v: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let now = chrono::Utc::now().timestamp();
    let jwt = format!(
        "{}.{}.c2ln",
        b64(json!({"alg": "EdDSA", "typ": "JWT"})),
        b64(
            json!({"sub": lock, "exp": now + 60, "jti": "same-jti", "operation": {"type": "MUTATE_LOCK", "locked": false}})
        )
    );
    assert_eq!(exec("application/json", jwt.clone()).await, 400);
    assert_eq!(exec("application/jwt", jwt.clone()).await, 200);
    assert_eq!(exec("application/jwt", jwt).await, 409);
}

#[tokio::test]
async fn doordeck_share_and_revoke_round_trip_and_reused_jti_is_409() {
    let url = demo_db().await;
    let sim = sim_for(&url).await;
    let p = providers(&sim, Duration::from_secs(5));
    let d = p.client(Some(2), "DOORDECK").unwrap();
    let lock = first_doordeck_lock(&sim);
    let email = {
        let st = lockdesk::sim::state(&sim.state);
        st.directory.keys().next().unwrap().clone()
    };
    let g = Grant {
        name: "AB U1 C1".into(),
        pin: None,
        user_email: Some(email.clone()),
    };
    let out = d.grant(&lock, &g).await;
    let user = out.result.unwrap();
    let share = out.calls.iter().find(|c| c.action == "LOCK_SHARE").unwrap();
    assert_eq!(share.request["payload"]["operation"]["type"], "ADD_USER");
    assert_eq!(share.request["payload"]["signature"], "***");
    let listed = d.list_access(&lock).await.result.unwrap();
    assert!(listed.items.iter().any(|a| a.id == user));
    let now = chrono::Utc::now();
    let trail = d
        .audit_trail(
            &lock,
            now - chrono::Duration::minutes(5),
            now + chrono::Duration::minutes(1),
        )
        .await
        .result
        .unwrap();
    assert_eq!(trail[0].kind, "LOCK_SHARED");
    assert!(d.revoke(&lock, &user).await.result.is_ok());
    let listed = d.list_access(&lock).await.result.unwrap();
    assert!(!listed.items.iter().any(|a| a.id == user));
    // The audit trail's 15 event types are known to the client.
    assert_eq!(lockdesk::providers::doordeck::EVENT_TYPES.len(), 15);
}

#[tokio::test]
async fn a_call_stored_as_an_integration_log_has_the_seeds_shape() {
    let url = demo_db().await;
    let sim = sim_for(&url).await;
    let p = providers(&sim, Duration::from_secs(5));
    let out = ttlock(&p).revoke("28991110", "50957532").await;
    assert!(out.result.is_ok());
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let mut conn = pool.acquire().await.unwrap();
    let ctx = lockdesk::store::logs::LogContext {
        correlation_id: Some("feedfacefeedfacefeedfacefeedface".into()),
        reconcile_job_id: Some(104),
        door_id: Some(2),
        door_name: Some("ttlock".into()),
    };
    lockdesk::store::logs::insert_call(&mut conn, &out.calls[0], &ctx)
        .await
        .unwrap();
    let t = lockdesk::store::traces::fetch(&pool, "feedfacefeedfacefeedfacefeedface")
        .await
        .unwrap();
    let got = t.logs.get(0).unwrap().to_json();
    let seed = seeds::rows()
        .integration_logs
        .into_iter()
        .find(|l| l.id == 1661)
        .unwrap();
    let want = serde_json::json!({"action": seed.action, "door_id": seed.door_id, "door_name": seed.door_name,
        "external_id": seed.external_id, "lock_key": seed.lock_key, "ok": seed.ok, "provider_type": seed.provider_type,
        "reconcile_job_id": seed.reconcile_job_id, "response_json": seed.response_json, "error_message": null});
    for (k, v) in want.as_object().unwrap() {
        assert_eq!(&got[k], v, "{k}");
    }
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&got["request_json"]), keys(&seed.request_json));
    assert_eq!(
        keys(&got["request_json"]["payload"]),
        keys(&seed.request_json["payload"])
    );
    assert_eq!(got["request_json"]["payload"]["accessToken"], "***");
}
