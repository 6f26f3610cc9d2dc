// TTLock, one test per endpoint: the request as the docs' example sends it,
// the answer checked against docs/providers.md.

use lockdesk::sim::Fault;
use serde_json::Value;

use super::{World, expect_shape, lock, now_ms, p};

#[tokio::test]
async fn sim_endpoint_oauth2_token_password_and_refresh() {
    let w = World::new().await;
    let first = w.token_form(&[]).await;
    expect_shape("/oauth2/token", &first);
    assert_eq!(first["expires_in"], 7_776_000);
    let refresh = first["refresh_token"].as_str().unwrap().to_string();
    let again = w
        .token_form(&[("grant_type", "refresh_token"), ("refresh_token", &refresh)])
        .await;
    expect_shape("/oauth2/token", &again);
    // A refresh token works once.
    let reused = w
        .token_form(&[("grant_type", "refresh_token"), ("refresh_token", &refresh)])
        .await;
    assert_eq!(reused["errcode"], 10011);
    let odd = w.token_form(&[("grant_type", "client_credentials")]).await;
    assert_eq!(odd["errcode"], 10010);
}

#[tokio::test]
async fn sim_endpoint_lock_list() {
    let w = World::new().await;
    let (s, v) = w
        .get("/v3/lock/list", &[p("pageNo", 1), p("pageSize", 20)])
        .await;
    assert_eq!(s, 200);
    expect_shape("/v3/lock/list", &v);
    assert!(v["total"].as_i64().unwrap() >= 1);
    let (_, big) = w.get("/v3/lock/list", &[p("pageSize", 1001)]).await;
    assert_eq!(big["errcode"], -3, "over the documented maximum 1000");
}

#[tokio::test]
async fn sim_endpoint_lock_detail() {
    let w = World::new().await;
    let (_, v) = w.get("/v3/lock/detail", &[lock()]).await;
    expect_shape("/v3/lock/detail", &v);
    assert_eq!(v["hasGateway"], 1);
    assert!(v.get("noKeyPwd").is_none() && v.get("lockData").is_none());
}

#[tokio::test]
async fn sim_endpoint_lock_list_keyboard_pwd() {
    let w = World::new().await;
    let (_, v) = w
        .get(
            "/v3/lock/listKeyboardPwd",
            &[lock(), p("pageNo", 1), p("pageSize", 20)],
        )
        .await;
    expect_shape("/v3/lock/listKeyboardPwd", &v);
    assert_eq!(v["list"][0]["keyboardPwdId"], 50_957_532);
    let (_, v) = w
        .get("/v3/lock/listKeyboardPwd", &[lock(), p("pageSize", 201)])
        .await;
    assert_eq!(v["errcode"], -3, "over the documented maximum 200");
}

#[tokio::test]
async fn sim_endpoint_lock_record_list() {
    let w = World::new().await;
    let (_, v) = w
        .get(
            "/v3/lockRecord/list",
            &[
                lock(),
                p("startDate", 0),
                p("endDate", 0),
                p("pageNo", 1),
                p("pageSize", 20),
            ],
        )
        .await;
    expect_shape("/v3/lockRecord/list", &v);
    let total = v["total"].as_i64().unwrap();
    assert!(total > 0, "startDate=0/endDate=0 are no bounds: {v}");
    // Absent and empty bounds are the same as 0.
    let (_, absent) = w.get("/v3/lockRecord/list", &[lock()]).await;
    let (_, empty) = w
        .get(
            "/v3/lockRecord/list",
            &[lock(), p("startDate", ""), p("endDate", "")],
        )
        .await;
    assert_eq!(absent["total"], total);
    assert_eq!(empty["total"], total);
    assert_eq!(absent["pageSize"], 20, "the documented default");
    // A bound in the past leaves nothing.
    let (_, none) = w
        .get(
            "/v3/lockRecord/list",
            &[lock(), p("startDate", 1), p("endDate", 2)],
        )
        .await;
    assert_eq!(none["total"], 0);
}

#[tokio::test]
async fn sim_endpoint_lock_query_open_state() {
    let w = World::new().await;
    let (_, v) = w.get("/v3/lock/queryOpenState", &[lock()]).await;
    expect_shape("/v3/lock/queryOpenState", &v);
    assert_eq!(v["state"], 0);
}

#[tokio::test]
async fn sim_endpoint_lock_query_status() {
    let w = World::new().await;
    let (_, v) = w.get("/v3/lock/queryStatus", &[lock()]).await;
    expect_shape("/v3/lock/queryStatus", &v);
}

#[tokio::test]
async fn sim_endpoint_lock_query_electric_quantity() {
    let w = World::new().await;
    let (_, v) = w.get("/v3/lock/queryElectricQuantity", &[lock()]).await;
    expect_shape("/v3/lock/queryElectricQuantity", &v);
    assert!((0..=100).contains(&v["electricQuantity"].as_i64().unwrap()));
    w.sim.set_fault("TTLOCK:28991110", Some(Fault::BatteryLow));
    let (_, v) = w.get("/v3/lock/queryElectricQuantity", &[lock()]).await;
    assert_eq!(v["electricQuantity"], 7);
    let (_, d) = w.get("/v3/lock/detail", &[lock()]).await;
    assert_eq!(d["electricQuantity"], 7);
}

#[tokio::test]
async fn sim_endpoint_lock_query_date() {
    let w = World::new().await;
    let (_, v) = w.get("/v3/lock/queryDate", &[lock()]).await;
    expect_shape("/v3/lock/queryDate", &v);
    assert!((v["date"].as_i64().unwrap() - now_ms()).abs() < 60_000);
}

#[tokio::test]
async fn sim_endpoint_lock_unlock_shows_in_open_state_and_records() {
    let w = World::new().await;
    let (_, v) = w.post("/v3/lock/unlock", &[lock()]).await;
    expect_shape("/v3/lock/unlock", &v);
    assert_eq!(v["errcode"], 0);
    let (_, s) = w.get("/v3/lock/queryOpenState", &[lock()]).await;
    assert_eq!(s["state"], 1, "unlocked");
    let (_, r) = w
        .get(
            "/v3/lockRecord/list",
            &[lock(), p("pageNo", 1), p("pageSize", 1)],
        )
        .await;
    assert_eq!(r["list"][0]["recordType"], 12, "unlock by gateway: {r}");
    assert_eq!(r["list"][0]["recordTypeFromLock"], 28);
}

#[tokio::test]
async fn sim_endpoint_lock_lock() {
    let w = World::new().await;
    w.post("/v3/lock/unlock", &[lock()]).await;
    let (_, v) = w.post("/v3/lock/lock", &[lock()]).await;
    expect_shape("/v3/lock/lock", &v);
    let (_, s) = w.get("/v3/lock/queryOpenState", &[lock()]).await;
    assert_eq!(s["state"], 0);
}

#[tokio::test]
async fn sim_endpoint_gateway_list() {
    let w = World::new().await;
    let (_, v) = w
        .get(
            "/v3/gateway/list",
            &[p("pageNo", 1), p("pageSize", 20), p("orderBy", 1)],
        )
        .await;
    expect_shape("/v3/gateway/list", &v);
    assert!(v["total"].as_i64().unwrap() >= 1);
    let (_, v) = w.get("/v3/gateway/list", &[p("pageSize", 201)]).await;
    assert_eq!(v["errcode"], -3);
}

#[tokio::test]
async fn sim_endpoint_gateway_list_by_lock_and_an_offline_gateway() {
    let w = World::new().await;
    let (_, v) = w.get("/v3/gateway/listByLock", &[lock()]).await;
    expect_shape("/v3/gateway/listByLock", &v);
    assert_eq!(v["list"][0]["isOnline"], 1);
    let gw = w.gateway_of(28_991_110);
    assert_eq!(v["list"][0]["gatewayId"], gw);
    // A gateway taken offline: listByLock and detail say so, and every
    // operation through it on its locks answers -3002.
    w.sim
        .set_fault("TTLOCK:28991110", Some(Fault::GatewayOffline));
    let (_, v) = w.get("/v3/gateway/listByLock", &[lock()]).await;
    assert_eq!(v["list"][0]["isOnline"], 0);
    let (_, d) = w.get("/v3/gateway/detail", &[p("gatewayId", gw)]).await;
    assert_eq!(d["isOnline"], 0);
    for path in [
        "/v3/lock/queryOpenState",
        "/v3/lock/queryElectricQuantity",
        "/v3/lock/unlock",
    ] {
        let (_, e) = w.post(path, &[lock()]).await;
        assert_eq!(e["errcode"], -3002, "{path}");
    }
    let (_, e) = w
        .post(
            "/v3/keyboardPwd/add",
            &[lock(), p("keyboardPwd", "402917"), p("addType", 2)],
        )
        .await;
    assert_eq!(e["errcode"], -3002);
    // A cloud read still answers.
    let (_, d) = w.get("/v3/lock/detail", &[lock()]).await;
    assert_eq!(d["lockId"], 28_991_110);
}

#[tokio::test]
async fn sim_endpoint_gateway_list_lock() {
    let w = World::new().await;
    let gw = w.gateway_of(28_991_110);
    let (_, v) = w.get("/v3/gateway/listLock", &[p("gatewayId", gw)]).await;
    expect_shape("/v3/gateway/listLock", &v);
    assert_eq!(v["list"][0]["lockId"], 28_991_110);
}

#[tokio::test]
async fn sim_endpoint_gateway_detail() {
    let w = World::new().await;
    let gw = w.gateway_of(28_991_110);
    let (_, v) = w.get("/v3/gateway/detail", &[p("gatewayId", gw)]).await;
    expect_shape("/v3/gateway/detail", &v);
    assert_eq!(v["isOnline"], 1);
    let (_, e) = w.get("/v3/gateway/detail", &[p("gatewayId", 1)]).await;
    assert_eq!(e["errcode"], -4037);
}

#[tokio::test]
async fn sim_endpoint_keyboard_pwd_add_shows_in_the_list_and_the_records() {
    let w = World::new().await;
    let (_, v) = w
        .post(
            "/v3/keyboardPwd/add",
            &[
                lock(),
                p("keyboardPwd", "402917"),
                p("keyboardPwdName", "rehearsal"),
                p("keyboardPwdType", 2),
                p("startDate", now_ms()),
                p("addType", 2),
            ],
        )
        .await;
    expect_shape("/v3/keyboardPwd/add", &v);
    let id = v["keyboardPwdId"].clone();
    let (_, l) = w
        .get(
            "/v3/lock/listKeyboardPwd",
            &[lock(), p("pageNo", 1), p("pageSize", 200)],
        )
        .await;
    assert!(
        l["list"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["keyboardPwdId"] == id)
    );
    let (_, r) = w
        .get("/v3/lockRecord/list", &[lock(), p("searchStr", "402917")])
        .await;
    assert_eq!(r["total"], 1, "{r}");
    assert_eq!(r["list"][0]["recordTypeFromLock"], 93);
    let (_, dup) = w
        .post("/v3/keyboardPwd/add", &[lock(), p("keyboardPwd", "402917")])
        .await;
    assert_eq!(dup["errcode"], -3007);
}

#[tokio::test]
async fn sim_endpoint_keyboard_pwd_change() {
    let w = World::new().await;
    let (_, v) = w
        .post(
            "/v3/keyboardPwd/change",
            &[
                lock(),
                p("keyboardPwdId", 50_957_532),
                p("keyboardPwdName", "renamed"),
                p("changeType", 2),
            ],
        )
        .await;
    expect_shape("/v3/keyboardPwd/change", &v);
    let (_, l) = w
        .get(
            "/v3/lock/listKeyboardPwd",
            &[lock(), p("searchStr", "renamed")],
        )
        .await;
    assert_eq!(l["total"], 1);
    let (_, e) = w
        .post("/v3/keyboardPwd/change", &[lock(), p("keyboardPwdId", 1)])
        .await;
    assert_eq!(e["errcode"], -2009);
}

#[tokio::test]
async fn sim_endpoint_keyboard_pwd_delete() {
    let w = World::new().await;
    let (_, v) = w
        .post(
            "/v3/keyboardPwd/delete",
            &[lock(), p("keyboardPwdId", 50_957_532), p("deleteType", 2)],
        )
        .await;
    expect_shape("/v3/keyboardPwd/delete", &v);
    let (_, l) = w.get("/v3/lock/listKeyboardPwd", &[lock()]).await;
    assert!(
        l["list"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["keyboardPwdId"] != 50_957_532)
    );
}

#[tokio::test]
async fn sim_endpoint_keyboard_pwd_get() {
    let w = World::new().await;
    let (_, v) = w
        .post(
            "/v3/keyboardPwd/get",
            &[
                lock(),
                p("keyboardPwdType", 3),
                p("keyboardPwdName", "visitor"),
                p("startDate", now_ms()),
                p("endDate", now_ms() + 86_400_000),
            ],
        )
        .await;
    expect_shape("/v3/keyboardPwd/get", &v);
    let (_, e) = w.post("/v3/keyboardPwd/get", &[lock()]).await;
    assert_eq!(
        e["errcode"], -3,
        "keyboardPwdType and startDate are required"
    );
    // A start no calendar holds is refused, never a panic.
    let (_, e) = w
        .post(
            "/v3/keyboardPwd/get",
            &[lock(), p("keyboardPwdType", 3), p("startDate", i64::MIN)],
        )
        .await;
    assert_eq!(e["errcode"], -3, "{e}");
    // A lock refusing PINs refuses this one too, at once (it used to spin
    // forever holding the simulator's state).
    w.sim
        .set_fault("TTLOCK:28991110", Some(lockdesk::sim::Fault::RefusePin));
    let refused = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        w.post(
            "/v3/keyboardPwd/get",
            &[lock(), p("keyboardPwdType", 3), p("startDate", now_ms())],
        ),
    )
    .await
    .expect("an answer, not a hang");
    assert_eq!(refused.1["errcode"], -2032, "{}", refused.1);
}

#[tokio::test]
async fn sim_endpoint_documented_errors_in_the_documented_shape() {
    let w = World::new().await;
    let code = |v: &Value| v["errcode"].as_i64().unwrap();
    // A missing parameter.
    assert_eq!(code(&w.get("/v3/lock/detail", &[]).await.1), -3);
    // An unknown lock.
    assert_eq!(
        code(&w.get("/v3/lock/detail", &[p("lockId", 1)]).await.1),
        -1003
    );
    // A lock of another account.
    let other = {
        let st = lockdesk::sim::state(&w.sim.state);
        let uid = st.tt_accounts.iter().find(|a| a.customer == 1).unwrap().uid;
        *st.tt_locks
            .iter()
            .find(|(_, l)| l.uid != uid)
            .map(|(id, _)| id)
            .unwrap()
    };
    assert_eq!(
        code(&w.get("/v3/lock/detail", &[p("lockId", other)]).await.1),
        20002
    );
    // A lock on no gateway.
    lockdesk::sim::state(&w.sim.state)
        .tt_locks
        .get_mut(&28_991_110)
        .unwrap()
        .gateway = None;
    assert_eq!(code(&w.post("/v3/lock/unlock", &[lock()]).await.1), -2012);
    let (_, none) = w.get("/v3/gateway/listByLock", &[lock()]).await;
    assert_eq!(none["list"], serde_json::json!([]));
    // The date check: more than 5 minutes off.
    let stale = now_ms() - 6 * 60 * 1000;
    let r: Value = w
        .http
        .get(format!("{}/v3/lock/list", w.sim.ttlock_url))
        .query(&[
            ("clientId", w.client_id.as_str()),
            ("accessToken", &w.token),
            ("date", &stale.to_string()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(code(&r), 80000);
    // Unknown path, wrong method: the documented error body, 404 / 405.
    let r = w
        .http
        .get(format!("{}/v3/lock/nonsense", w.sim.ttlock_url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    let body: Value = r.json().await.unwrap();
    assert_eq!(code(&body), -3);
    assert!(body["errmsg"].is_string() && body["description"].is_string());
    let r = w
        .http
        .delete(format!("{}/v3/lock/list", w.sim.ttlock_url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 405);
    assert_eq!(code(&r.json().await.unwrap()), -3);
}

#[tokio::test]
async fn sim_endpoint_every_read_takes_both_request_forms() {
    let w = World::new().await;
    for path in [
        "/v3/lock/detail",
        "/v3/lock/queryOpenState",
        "/v3/gateway/listByLock",
        "/v3/lockRecord/list",
    ] {
        let (_, g) = w.get(path, &[lock()]).await;
        let (_, f) = w.post(path, &[lock()]).await;
        assert!(
            g.get("errcode").is_none() && f.get("errcode").is_none(),
            "{path}: {g} {f}"
        );
    }
}
