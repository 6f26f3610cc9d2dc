// Drift enforcement on production: seed 001's structure, every count, one
// run per lock, an offline gateway.

use super::{console, job};
use crate::support::demo_db;
use crate::support::sim_for;
use lockdesk::engine;
use lockdesk::engine::Enforced;
use lockdesk::engine::plan::Mode;
use lockdesk::providers::settings::Providers;
use lockdesk::seeds;
use lockdesk::sim::Fault;
use serde_json::Value;
use sqlx::PgPool;
use std::time::Duration;

/// The keys of a JSON value, recursively (array items by their first element).
fn shape(v: &Value) -> Value {
    match v {
        // `why` (a delete in words) is lockdesk's, beside the seed's fields.
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| *k != "why")
                .map(|(k, x)| (k.clone(), shape(x)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.first().map(shape).into_iter().collect()),
        _ => Value::Null,
    }
}

#[tokio::test]
async fn enforcing_door_2_ultra_strict_reproduces_seed_001() {
    let url = demo_db().await;
    let sim = sim_for(&url).await;
    let pool = PgPool::connect(&url).await.unwrap();
    let providers = Providers::new(sim.provider_settings());
    let preview = engine::preview(&pool, &providers, 2, Mode::UltraStrict, chrono::Utc::now())
        .await
        .unwrap();
    let plan = preview.plan.unwrap();
    assert_eq!(plan.deletes.len(), 1);
    assert_eq!(plan.deletes[0].vendor_pin_id, "50957532");
    let Enforced::Done {
        correlation_id,
        deletes_ok,
        adds_ok,
        failures,
        remaining,
        ..
    } = engine::enforce(
        &pool,
        &providers,
        &console(true),
        2,
        Mode::UltraStrict,
        Some(&plan),
        None,
    )
    .await
    .unwrap()
    else {
        panic!("the plan did not change")
    };
    assert_eq!((deletes_ok, adds_ok, failures.len()), (1, 0, 0));
    assert!(remaining.unwrap().is_empty(), "no drift remains");
    let t = lockdesk::store::traces::fetch(&pool, &correlation_id)
        .await
        .unwrap();
    let rows: Vec<_> = t.logs.iter().collect();
    let all: Vec<&str> = rows.iter().map(|l| l.action.as_str()).collect();
    // Each provider change is preceded by its committed intent (so a run
    // killed half-way leaves a trace); the rest is seed 001's sequence.
    let at = all.iter().position(|a| *a == "PASSCODE_DELETE").unwrap();
    assert_eq!(all[at - 1], "DRIFT_ENFORCE_DELETE_PIN_INTENT", "{all:?}");
    let actions: Vec<&str> = all
        .into_iter()
        .filter(|a| !a.ends_with("_INTENT"))
        .collect();
    assert_eq!(
        actions,
        [
            "RECONCILE_ENQUEUED",
            "DRIFT_ENFORCE_JOB_START",
            "PASSCODE_LIST",
            "PASSCODE_DELETE",
            "DRIFT_ENFORCE_DELETE_PIN",
            "DRIFT_ENFORCE_JOB_DONE"
        ]
    );
    let done = t.logs.last().unwrap().response_json.clone().unwrap();
    let seed = seeds::rows()
        .integration_logs
        .into_iter()
        .find(|l| l.id == 1663)
        .unwrap()
        .response_json;
    for k in ["adds", "analysis", "deletes", "summary", "failures", "ok"] {
        assert_eq!(done[k], seed[k], "{k}");
    }
    let (got, want) = (
        &done["enforce_plan"]["doors"][0],
        &seed["enforce_plan"]["doors"][0],
    );
    for k in [
        "actual",
        "adds",
        "blocked_by_grace",
        "expected",
        "external_device_id",
        "integration_device_id",
        "provider_type",
        "summary",
    ] {
        assert_eq!(got[k], want[k], "enforce_plan.doors[0].{k}");
    }
    assert_eq!(shape(&got["deletes"]), shape(&want["deletes"]));
    assert_eq!(got["deletes"][0]["grace_bypassed"], true);
    assert_eq!(done["enforce_plan"]["mode"], "ultra_strict");
    assert_eq!(done["target"], seed["target"]);
    // The job is done, and the passcode is gone from the lock.
    assert_eq!(t.jobs[0].status, "done");
    assert!(
        lockdesk::sim::state(&sim.state).tt_locks[&28_991_110]
            .passcodes
            .is_empty()
    );
}

#[tokio::test]
async fn one_run_with_adds_deletes_and_grace_blocked_pins_counts_every_one() {
    let url = demo_db().await;
    let sim = sim_for(&url).await;
    let pool = PgPool::connect(&url).await.unwrap();
    let providers = Providers::new(sim.provider_settings());
    let door = 1; // Front entrance, TTLOCK:28990137
    let lock = 28_990_137;
    // 1. An expected PIN missing from the lock (→ add).
    let removed = {
        let mut st = lockdesk::sim::state(&sim.state);
        st.tt_locks.get_mut(&lock).unwrap().passcodes.remove(0)
    };
    let removed_id = removed["keyboardPwdId"].to_string();
    sqlx::query(
        "UPDATE lock_pin_states SET state = 'deleted' WHERE door_id = $1 AND vendor_pin_id = $2",
    )
    .bind(door)
    .bind(&removed_id)
    .execute(&pool)
    .await
    .unwrap();
    // 2. Two PINs of revoked credentials: one seen long ago (→ delete), one
    //    never seen before (→ blocked by grace in standard mode).
    let revoked: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT id, user_id FROM credentials WHERE status = 'revoked' ORDER BY id LIMIT 2",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    {
        let mut st = lockdesk::sim::state(&sim.state);
        let l = st.tt_locks.get_mut(&lock).unwrap();
        for (i, (cred, user)) in revoked.iter().enumerate() {
            l.passcodes.push(serde_json::json!({"keyboardPwdId": 90_000_000 + i as i64, "lockId": lock, "keyboardPwd": format!("70{}1234", i),
                "keyboardPwdName": format!("AB U{user} C{cred}"), "keyboardPwdType": 2, "sendDate": 1, "status": 1}));
        }
    }
    sqlx::query(
        "INSERT INTO lock_pin_states (door_id, credential_id, code_name, vendor_pin_id, first_seen_at, first_seen_source, state)
         VALUES ($1, $2, 'old', '90000000', now() - interval '2 days', 'lock', 'present')",
    )
    .bind(door)
    .bind(revoked[0].0)
    .execute(&pool)
    .await
    .unwrap();
    let r = engine::enforce(
        &pool,
        &providers,
        &console(true),
        door,
        Mode::Standard,
        None,
        None,
    )
    .await
    .unwrap();
    let Enforced::Done {
        correlation_id,
        adds_ok,
        deletes_ok,
        ..
    } = r
    else {
        panic!("plan changed")
    };
    assert_eq!((adds_ok, deletes_ok), (1, 1));
    let t = lockdesk::store::traces::fetch(&pool, &correlation_id)
        .await
        .unwrap();
    let done = t
        .logs
        .iter()
        .find(|l| l.action == "DRIFT_ENFORCE_JOB_DONE")
        .unwrap()
        .response_json
        .clone()
        .unwrap();
    assert_eq!(
        done["analysis"],
        serde_json::json!({"adds": 1, "blocked": 1, "deletes": 1, "doors": 1, "grace_bypassed_deletes": 0, "invalid_expected": 0})
    );
    assert_eq!(
        done["adds"],
        serde_json::json!({"attempted": 1, "failed": 0, "ok": 1})
    );
    assert_eq!(
        done["deletes"],
        serde_json::json!({"attempted": 1, "failed": 0, "ok": 1})
    );
    let d0 = &done["enforce_plan"]["doors"][0];
    assert_eq!(d0["blocked_by_grace"][0]["vendor_pin_id"], "90000001");
    assert_eq!(
        d0["blocked_by_grace"][0]["first_seen_source"],
        "inferred_now"
    );
    assert_eq!(
        t.logs
            .iter()
            .filter(|l| l.action == "DRIFT_ENFORCE_ADD_PIN")
            .count(),
        1
    );
    assert_eq!(
        t.logs.iter().filter(|l| l.action == "PASSCODE_ADD").count(),
        1
    );
    // The new stray is now remembered, so its grace window can run out.
    let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM lock_pin_states WHERE door_id = $1 AND vendor_pin_id = '90000001' AND first_seen_source = 'inferred_now'")
        .bind(door)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn two_concurrent_enforcements_on_one_lock_run_once() {
    let url = demo_db().await;
    let sim = sim_for(&url).await;
    let pool = PgPool::connect(&url).await.unwrap();
    let providers = Providers::new(sim.provider_settings());
    sim.set_fault(
        "TTLOCK:28991110",
        Some(Fault::Slow(Duration::from_millis(1500))),
    );
    let op = console(true);
    let (a, b) = tokio::join!(
        engine::enforce(&pool, &providers, &op, 2, Mode::UltraStrict, None, None),
        async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            engine::enforce(&pool, &providers, &op, 2, Mode::UltraStrict, None, None).await
        }
    );
    assert!(a.is_ok(), "{:?}", a.err());
    let e = b.unwrap_err();
    assert!(e.0.contains("already running by"), "{e}");
}

#[tokio::test]
async fn an_offline_gateway_gives_a_failed_plan_and_no_deletes() {
    let url = demo_db().await;
    let sim = sim_for(&url).await;
    let pool = PgPool::connect(&url).await.unwrap();
    let providers = Providers::new(sim.provider_settings());
    sim.set_fault("TTLOCK:28991110", Some(Fault::GatewayOffline));
    let p = engine::preview(&pool, &providers, 2, Mode::UltraStrict, chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(
        p.reachable.unwrap_err(),
        "TTLOCK: TTLock errcode -3002: gateway offline"
    );
    // Run anyway (as the worker would): the delete fails, the job fails, the PIN stays.
    let r = engine::enforce(
        &pool,
        &providers,
        &console(true),
        2,
        Mode::UltraStrict,
        None,
        None,
    )
    .await
    .unwrap();
    let Enforced::Done {
        deletes_ok,
        failures,
        job,
        ..
    } = r
    else {
        panic!()
    };
    assert_eq!(deletes_ok, 0);
    assert_eq!(failures.len(), 1);
    assert_eq!(job_status(&pool, job).await, "failed");
    assert_eq!(
        lockdesk::sim::state(&sim.state).tt_locks[&28_991_110]
            .passcodes
            .len(),
        1
    );
    // Or leave it to the worker.
    let queued = engine::enqueue_drift(&pool, &console(true), 2, Mode::UltraStrict)
        .await
        .unwrap();
    assert_eq!(job_status(&pool, queued).await, "queued");
}

async fn job_status(pool: &PgPool, id: i64) -> String {
    job(pool, id).await.0
}
