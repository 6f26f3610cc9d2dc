// Doordeck, one test per endpoint: headers and bodies as the docs' examples,
// the answer checked against docs/providers.md.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use lockdesk::providers::doordeck::ACCEPT_V2;
use serde_json::{Value, json};

use super::expect_shape;
use crate::support::demo_db;
use crate::support::sim::first_doordeck_lock;
use crate::support::sim_for;

struct Dd {
    sim: lockdesk::sim::Sim,
    http: reqwest::Client,
    auth: String,
    refresh: String,
    device: String,
}

impl Dd {
    async fn new() -> Dd {
        let sim = sim_for(&demo_db().await).await;
        let acct = sim.provider_settings().customers[&2]
            .doordeck
            .clone()
            .unwrap();
        let http = lockdesk::providers::http_client(std::time::Duration::from_secs(30));
        let r = http
            .post(format!("{}/auth/token", sim.doordeck_url))
            .header("Accept", ACCEPT_V2)
            .json(&json!({"email": acct.email, "password": acct.password}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let v: Value = r.json().await.unwrap();
        expect_shape("POST /auth/token", &v);
        let device = first_doordeck_lock(&sim);
        Dd {
            auth: v["authToken"].as_str().unwrap().into(),
            refresh: v["refreshToken"].as_str().unwrap().into(),
            sim,
            http,
            device,
        }
    }

    async fn send(&self, method: &str, path: &str, accept: Option<&str>) -> (u16, Value) {
        let url = format!("{}{path}", self.sim.doordeck_url);
        let mut req = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url),
        };
        req = req.bearer_auth(&self.auth);
        if let Some(a) = accept {
            req = req.header("Accept", a);
        }
        let r = req.send().await.unwrap();
        let s = r.status().as_u16();
        let text = r.text().await.unwrap();
        (s, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// A signed operation as the docs send it (the simulator does not check
    /// the signature).
    async fn execute(&self, operation: Value) -> u16 {
        let now = chrono::Utc::now().timestamp();
        let header = json!({"alg": "EdDSA", "typ": "JWT", "x5c": []});
        let claims = json!({"iss": "me", "sub": self.device, "nbf": now, "iat": now, "exp": now + 60,
                            "jti": format!("jti-{}", now_nanos()), "operation": operation});
        let jwt = format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string()),
            URL_SAFE_NO_PAD.encode("signature")
        );
        self.http
            .post(format!(
                "{}/device/{}/execute",
                self.sim.doordeck_url, self.device
            ))
            .bearer_auth(&self.auth)
            .header("Content-Type", "application/jwt")
            .body(jwt)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }
}

fn now_nanos() -> i64 {
    chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0)
}

#[tokio::test]
async fn sim_endpoint_doordeck_auth_token_refresh_and_destroy() {
    let d = Dd::new().await;
    for method in [reqwest::Method::POST, reqwest::Method::GET] {
        let v: Value = d
            .http
            .request(method, format!("{}/auth/token/refresh", d.sim.doordeck_url))
            .bearer_auth(&d.refresh)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        expect_shape("/auth/token/refresh", &v);
    }
    let (s, _) = d.send("POST", "/auth/token/destroy", None).await;
    assert_eq!(s, 204);
    let (s, v) = d.send("GET", "/device", None).await;
    assert_eq!(s, 401, "a destroyed token is refused: {v}");
}

#[tokio::test]
async fn sim_endpoint_doordeck_auth_certificate() {
    let d = Dd::new().await;
    let v: Value = d
        .http
        .post(format!("{}/auth/certificate", d.sim.doordeck_url))
        .bearer_auth(&d.auth)
        .json(&json!({"ephemeralKey": "MCowBQYDK2VwAyEAtest"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    expect_shape("/auth/certificate", &v);
}

#[tokio::test]
async fn sim_endpoint_doordeck_device_list_and_one_device() {
    let d = Dd::new().await;
    let (s, v) = d.send("GET", "/device", None).await;
    assert_eq!(s, 200);
    expect_shape("GET /device", &v);
    let (_, one) = d.send("GET", &format!("/device/{}", d.device), None).await;
    expect_shape("GET /device/{id}", &one);
    assert_eq!(one["state"]["connected"], true);
    d.sim.set_fault(
        &format!("DOORDECK:{}", d.device),
        Some(lockdesk::sim::Fault::GatewayOffline),
    );
    let (_, one) = d.send("GET", &format!("/device/{}", d.device), None).await;
    assert_eq!(one["state"]["connected"], false);
    assert_eq!(
        d.execute(json!({"type": "MUTATE_LOCK", "locked": false}))
            .await,
        503
    );
}

#[tokio::test]
async fn sim_endpoint_doordeck_device_log_v1_and_v2_by_accept() {
    let d = Dd::new().await;
    let path = format!("/device/{}/log", d.device);
    let (_, v1) = d.send("GET", &path, Some("application/json")).await;
    expect_shape("/device/{id}/log (v1)", &v1);
    assert!(
        v1[0]["timestamp"].is_number() && v1[0].get("email").is_none(),
        "{}",
        v1[0]
    );
    let (_, v2) = d
        .send(
            "GET",
            &format!("{path}?start=0&end=9999999999"),
            Some(ACCEPT_V2),
        )
        .await;
    expect_shape("/device/{id}/log (v2)", &v2);
    assert!(v2[0]["timestamp"].is_i64());
}

#[tokio::test]
async fn sim_endpoint_doordeck_device_users() {
    let d = Dd::new().await;
    assert_eq!(
        d.execute(
            json!({"type": "ADD_USER", "user": "00000000-0000-0000-0000-000000000001",
        "publicKey": "MCowBQYDK2VwAyEAtest", "role": "USER", "start": null, "end": null})
        )
        .await,
        204
    );
    let (_, v) = d
        .send(
            "GET",
            &format!("/device/{}/users", d.device),
            Some(ACCEPT_V2),
        )
        .await;
    expect_shape("/device/{id}/users", &v);
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .any(|u| u["userId"] == "00000000-0000-0000-0000-000000000001")
    );
}

#[tokio::test]
async fn sim_endpoint_doordeck_execute_share_revoke_unlock() {
    let d = Dd::new().await;
    let user = "00000000-0000-0000-0000-000000000002";
    let share = json!({"type": "ADD_USER", "user": user, "publicKey": "MCowBQYDK2VwAyEAtest", "role": "USER", "start": null, "end": null});
    assert_eq!(d.execute(share).await, 204);
    assert_eq!(
        d.execute(json!({"type": "REMOVE_USER", "users": [user]}))
            .await,
        200
    );
    assert_eq!(
        d.execute(json!({"type": "MUTATE_LOCK", "locked": false}))
            .await,
        200
    );
    let (_, one) = d.send("GET", &format!("/device/{}", d.device), None).await;
    assert_eq!(
        one["state"]["locked"], false,
        "the unlock shows in the device's state"
    );
    let (_, log) = d
        .send("GET", &format!("/device/{}/log", d.device), Some(ACCEPT_V2))
        .await;
    let kinds: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .take(3)
        .filter_map(|e| e["type"].as_str())
        .collect();
    for k in ["DOOR_UNLOCK", "LOCK_REVOKED", "LOCK_SHARED"] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
}

#[tokio::test]
async fn sim_endpoint_doordeck_directory_query_and_errors() {
    let d = Dd::new().await;
    let r = d
        .http
        .post(format!("{}/directory/query", d.sim.doordeck_url))
        .bearer_auth(&d.auth)
        .json(&json!({"email": "nobody@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    let known = lockdesk::sim::state(&d.sim.state)
        .directory
        .keys()
        .next()
        .cloned()
        .unwrap();
    let v: Value = d
        .http
        .post(format!("{}/directory/query", d.sim.doordeck_url))
        .bearer_auth(&d.auth)
        .json(&json!({"email": known}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    expect_shape("/directory/query", &v);
    // Unknown path, wrong method, unknown device: the documented statuses
    // with `{code, message}`.
    let (s, v) = d.send("GET", "/nonsense", None).await;
    assert_eq!((s, v["code"].as_i64()), (404, Some(404)));
    let (s, v) = d
        .send("DELETE", &format!("/device/{}/users", d.device), None)
        .await;
    assert_eq!((s, v["code"].as_i64()), (405, Some(405)));
    let (s, _) = d
        .send("GET", "/device/00000000-dead-beef-0000-000000000000", None)
        .await;
    assert_eq!(s, 404);
}
