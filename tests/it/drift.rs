// Drift enforcement's own rows: a passcode name typed into the TTLock app is
// a secret and never reaches a row lockdesk writes; an interrupted add is
// still judged by its (the broker's, readable) name; and a plan reads only
// the credentials its lock's codes name.

use lockdesk::engine::plan::Mode;
use lockdesk::engine::{self, Enforced, Operator};
use lockdesk::providers::settings::Providers;
use serde_json::json;
use sqlx::PgPool;

use crate::support::demo_db;
use crate::support::sim_for;

const LOCK_ID: i64 = 28_991_110;

fn operator() -> Operator {
    Operator {
        name: "alice".into(),
        reason: Some("INC-24".into()),
        write: true,
        source: "console",
    }
}

/// A passcode added through the TTLock app, on door 2's simulated lock.
pub(crate) fn stray(id: i64, name: &str, pin: &str) -> serde_json::Value {
    json!({"keyboardPwdId": id, "lockId": LOCK_ID, "keyboardPwd": pin, "keyboardPwdName": name,
           "keyboardPwdType": 2, "keyboardPwdVersion": 4, "startDate": 0, "endDate": 0, "sendDate": 0,
           "isCustom": 1, "status": 1, "senderUsername": "facilities@acme.example", "nickName": "", "receiverUsername": ""})
}

/// Every row of the tables lockdesk writes, as text.
pub(crate) async fn written_rows(pool: &PgPool) -> Vec<String> {
    let mut rows = Vec::new();
    for table in [
        "integration_logs",
        "lock_pin_states",
        "reconcile_jobs",
        "app_audit",
    ] {
        let q = format!("SELECT row_to_json(t)::text FROM {table} t");
        rows.extend(
            sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(q))
                .fetch_all(pool)
                .await
                .unwrap(),
        );
    }
    rows
}

#[tokio::test]
async fn a_stray_passcodes_name_never_reaches_lockdesks_rows() {
    let url = demo_db().await;
    let sim = sim_for(&url).await;
    let pool = PgPool::connect(&url).await.unwrap();
    lockdesk::sim::state(&sim.state)
        .tt_locks
        .get_mut(&LOCK_ID)
        .unwrap()
        .passcodes
        .push(stray(71_234_567, "cleaner 4821", "48219999"));
    let providers = Providers::new(sim.provider_settings());
    // Standard mode: the stray is unknown, left alone, named in the plan.
    let p = engine::preview(&pool, &providers, 2, Mode::Standard, chrono::Utc::now())
        .await
        .unwrap();
    let plan = p.plan.unwrap();
    assert_eq!(plan.unknown.len(), 1);
    assert_eq!(plan.unknown[0].code_name.as_deref(), Some("***"));
    let r = engine::enforce(
        &pool,
        &providers,
        &operator(),
        2,
        Mode::Standard,
        None,
        None,
    )
    .await
    .unwrap();
    assert!(matches!(r, Enforced::Done { .. }), "{r:?}");
    // Ultra strict: it is deleted, with an intent and an outcome.
    let Enforced::Done {
        deletes_ok,
        failures,
        ..
    } = engine::enforce(
        &pool,
        &providers,
        &operator(),
        2,
        Mode::UltraStrict,
        None,
        None,
    )
    .await
    .unwrap()
    else {
        panic!("no plan was confirmed")
    };
    assert_eq!((deletes_ok, failures.len()), (2, 0), "{failures:?}");
    let (name, n): (serde_json::Value, i64) = sqlx::query_as(
        "SELECT request_json->'name', count(*) OVER () FROM integration_logs
         WHERE action LIKE 'DRIFT_ENFORCE_DELETE_PIN%' AND request_json->>'provider_code_id' = '71234567'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((name, n), (json!("***"), 2), "the intent and its outcome");
    let rows = written_rows(&pool).await;
    let done: Vec<&String> = rows
        .iter()
        .filter(|r| r.contains("DRIFT_ENFORCE_JOB_DONE") && r.contains("71234567"))
        .collect();
    assert_eq!(done.len(), 2);
    assert!(
        done.iter().all(|r| r.contains("AB U9 C6")),
        "the broker's names stay readable"
    );
    for r in &rows {
        assert!(!r.contains("cleaner 4821"), "{r}");
        assert!(!r.contains("48219999"), "{r}");
    }
}

#[tokio::test]
async fn an_interrupted_add_is_judged_by_the_brokers_name() {
    let url = demo_db().await;
    let sim = sim_for(&url).await;
    let pool = PgPool::connect(&url).await.unwrap();
    // Two adds whose runs died after sending them: one the lock shows (the
    // seed's AB U9 C6), one it does not; and a malformed one named by a mask.
    for (corr, name) in [
        ("a0000000000000000000000000000001", "AB U9 C6"),
        ("a0000000000000000000000000000002", "AB U77 C99"),
        ("a0000000000000000000000000000003", "***"),
    ] {
        sqlx::query(
            "INSERT INTO integration_logs (action, correlation_id, created_at, lock_key, external_id, ok, provider_type, request_json)
             VALUES ('DRIFT_ENFORCE_ADD_PIN_INTENT', $1, now() - interval '1 minute', 'TTLOCK:28991110', '28991110', false, 'TTLOCK', $2)",
        )
        .bind(corr)
        .bind(json!({"code_last4": "***11", "correlation_id": "job", "device_external_id": "28991110", "name": name, "provider_type": "TTLOCK"}))
        .execute(&pool)
        .await
        .unwrap();
    }
    lockdesk::sim::state(&sim.state)
        .tt_locks
        .get_mut(&LOCK_ID)
        .unwrap()
        .passcodes
        .push(stray(71_234_568, "***", "4821"));
    let providers = Providers::new(sim.provider_settings());
    let p = engine::preview(&pool, &providers, 2, Mode::Standard, chrono::Utc::now())
        .await
        .unwrap();
    let mut got: Vec<(String, bool)> = p
        .interrupted
        .iter()
        .map(|i| (i.request["name"].as_str().unwrap().to_string(), i.applied))
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("***".to_string(), false),
            ("AB U77 C99".to_string(), false),
            ("AB U9 C6".to_string(), true)
        ]
    );
    assert!(
        p.interrupted
            .iter()
            .all(|i| i.action == "DRIFT_ENFORCE_ADD_PIN")
    );
}

/// A broker's credentials table can be huge: a plan reads the owners of the
/// codes on its lock only, by primary key. A row it does not need, even one
/// it could not read, does not matter to it.
#[tokio::test]
async fn a_plan_reads_only_the_credentials_its_lock_names() {
    let url = demo_db().await;
    let sim = sim_for(&url).await;
    let pool = PgPool::connect(&url).await.unwrap();
    let providers = Providers::new(sim.provider_settings());
    let plan = || async {
        engine::preview(&pool, &providers, 2, Mode::UltraStrict, chrono::Utc::now())
            .await
            .unwrap()
            .plan
            .unwrap()
    };
    let before = plan().await;
    // An unrelated credential with no owner (a broker's half-done import).
    sqlx::query("ALTER TABLE credentials ALTER COLUMN user_id DROP NOT NULL")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO credentials (user_id, kind, pin_code, status) VALUES (NULL, 'pin', '5555', 'revoked')")
        .execute(&pool)
        .await
        .unwrap();
    let after = plan().await;
    assert!(after.same_changes(&before));
    assert_eq!(after.deletes.len(), 1);
    assert_eq!(after.deletes[0].vendor_pin_id, "50957532");
    assert_eq!(
        after.deletes[0].reason, "credential_revoked_or_missing",
        "credential 6 was read: the stray is the broker's, revoked"
    );
    assert_eq!(
        after.input.credentials.keys().copied().collect::<Vec<_>>(),
        [6]
    );
}
