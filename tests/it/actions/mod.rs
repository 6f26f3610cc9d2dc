// Actions on production, against real Postgres and the simulators: retry and
// cancel (guarded, audited, refused by Postgres when read-only), drift
// enforcement (seed 001's structure, every count, one run per lock, an
// offline gateway), and the worker moving jobs.

use lockdesk::engine::plan::Mode;
use lockdesk::engine::{self, Enforced, JobChange, Operator};
use lockdesk::providers::settings::Providers;
use sqlx::PgPool;

use crate::support::demo_db;
use crate::support::sim_for;

mod enforce;

/// An operator of the console, in write mode or not (also the read-only tests').
pub(crate) fn console(write: bool) -> Operator {
    Operator {
        name: "alice".into(),
        reason: Some("INC-1234".into()),
        write,
        source: "console",
    }
}

pub(crate) async fn job(pool: &PgPool, id: i64) -> (String, chrono::DateTime<chrono::Utc>, i32) {
    sqlx::query_as(
        "SELECT status::text, updated_at, attempt_count FROM reconcile_jobs WHERE id = $1",
    )
    .bind(id)
    .fetch_one(pool)
    .await
    .unwrap()
}

pub(crate) async fn a_failed_job(pool: &PgPool) -> i64 {
    let (id,): (i64,) =
        sqlx::query_as("SELECT id FROM reconcile_jobs WHERE status = 'failed' AND user_id = 131")
            .fetch_one(pool)
            .await
            .unwrap();
    id
}

#[tokio::test]
async fn retry_moves_a_failed_job_to_queued_and_the_worker_to_done() {
    let url = demo_db().await;
    let sim = sim_for(&url).await;
    let pool = PgPool::connect(&url).await.unwrap();
    let providers = Providers::new(sim.provider_settings());
    let id = a_failed_job(&pool).await;
    let (status, updated, attempts) = job(&pool, id).await;
    assert_eq!(status, "failed");
    let r = engine::retry_job(&pool, &console(true), id, &status, updated)
        .await
        .unwrap();
    assert_eq!(
        r,
        JobChange::Done {
            job: id,
            status: "queued".into()
        }
    );
    assert_eq!(job(&pool, id).await.0, "queued");
    // The retry shows up in the job's own trace, audited with the operator.
    let (corr,): (String,) =
        sqlx::query_as("SELECT correlation_id FROM reconcile_jobs WHERE id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
    let t = lockdesk::store::traces::fetch(&pool, &corr).await.unwrap();
    let enq = t
        .logs
        .iter()
        .rfind(|l| l.action == "RECONCILE_ENQUEUED")
        .unwrap();
    assert_eq!(enq.request_json.as_ref().unwrap()["source"], "console");
    let audit = t.audit.iter().find(|a| a.action == "retry").unwrap();
    assert_eq!(
        (audit.actor.as_deref(), audit.source.as_deref()),
        (Some("alice"), Some("console"))
    );
    assert_eq!(
        audit.after_json.as_ref().unwrap()["operator_reason"],
        "INC-1234"
    );
    // The typed operator name, and who really acted: the OS user and the
    // database role.
    let after = audit.after_json.as_ref().unwrap();
    assert_eq!(after["os_user"], lockdesk::engine::audit::os_user());
    let role: String = sqlx::query_scalar("SELECT current_user::text")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(after["db_role"], role);
    // The worker takes it (other due jobs may come first: the demo's
    // incident leaves hundreds due by the real clock, so they wait) and
    // finishes it.
    sqlx::query("UPDATE reconcile_jobs SET next_run_at = now() + interval '1 day' WHERE status = 'failed' AND id <> $1")
        .bind(id)
        .execute(&pool)
        .await
        .unwrap();
    for _ in 0..30 {
        lockdesk::demo::worker::run_once(&pool, &providers)
            .await
            .unwrap();
        if job(&pool, id).await.0 == "done" {
            break;
        }
    }
    let (status, _, after) = job(&pool, id).await;
    assert_eq!(status, "done");
    assert_eq!(after, attempts + 1, "attempts keep counting across a retry");
}

#[tokio::test]
async fn two_concurrent_retries_enqueue_once() {
    let url = demo_db().await;
    let pool = PgPool::connect(&url).await.unwrap();
    let id = a_failed_job(&pool).await;
    let (status, updated, _) = job(&pool, id).await;
    let (op1, op2) = (console(true), console(true));
    let (a, b) = tokio::join!(
        engine::retry_job(&pool, &op1, id, &status, updated),
        engine::retry_job(&pool, &op2, id, &status, updated)
    );
    let results = [a.unwrap(), b.unwrap()];
    assert_eq!(
        results
            .iter()
            .filter(|r| matches!(r, JobChange::Done { .. }))
            .count(),
        1,
        "{results:?}"
    );
    assert!(results.contains(&JobChange::Changed {
        job: id,
        now: "queued".into()
    }));
    let (n,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM integration_logs WHERE reconcile_job_id = $1 AND action = 'RECONCILE_ENQUEUED' AND request_json->>'source' = 'console'",
    )
    .bind(id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn cancel_applies_to_queued_and_failed_jobs_only() {
    let url = demo_db().await;
    let pool = PgPool::connect(&url).await.unwrap();
    let id = a_failed_job(&pool).await;
    let (_, updated, _) = job(&pool, id).await;
    assert_eq!(
        engine::cancel_job(&pool, &console(true), id, "failed", updated)
            .await
            .unwrap(),
        JobChange::Done {
            job: id,
            status: "cancelled".into()
        }
    );
    assert_eq!(
        engine::cancel_job(&pool, &console(true), 72, "done", updated)
            .await
            .unwrap(),
        JobChange::Changed {
            job: 72,
            now: "done".into()
        }
    );
}

#[tokio::test]
async fn cancel_is_guarded_on_the_update_time_the_operator_saw() {
    let url = demo_db().await;
    let pool = PgPool::connect(&url).await.unwrap();
    let id = a_failed_job(&pool).await;
    let (_, seen, _) = job(&pool, id).await;
    // A worker touched the job after the operator looked (same status).
    sqlx::query(
        "UPDATE reconcile_jobs SET updated_at = updated_at + interval '1 second' WHERE id = $1",
    )
    .bind(id)
    .execute(&pool)
    .await
    .unwrap();
    assert_eq!(
        engine::cancel_job(&pool, &console(true), id, "failed", seen)
            .await
            .unwrap(),
        JobChange::Changed {
            job: id,
            now: "failed".into()
        }
    );
    assert_eq!(
        job(&pool, id).await.0,
        "failed",
        "left as the worker made it"
    );
}

#[tokio::test]
async fn doordeck_drift_compares_shares_and_shares_or_revokes() {
    let url = demo_db().await;
    let sim = sim_for(&url).await;
    let pool = PgPool::connect(&url).await.unwrap();
    let providers = Providers::new(sim.provider_settings());
    let (lock,): (String,) = sqlx::query_as("SELECT external_id FROM doors WHERE id = 5")
        .fetch_one(&pool)
        .await
        .unwrap();
    // One user who should have access is missing; one who should not is there.
    let (missing, stranger) = {
        let mut st = lockdesk::sim::state(&sim.state);
        let directory: Vec<(String, String)> = st
            .directory
            .iter()
            .map(|(e, (id, _))| (e.clone(), id.clone()))
            .collect();
        let d = st.dd_devices.get_mut(&lock).unwrap();
        let missing = d.users.remove(0);
        let shared: Vec<String> = d
            .users
            .iter()
            .map(|u| u["userId"].as_str().unwrap().to_string())
            .collect();
        let (email, id) = directory
            .iter()
            .find(|(_, id)| !shared.contains(id) && *id != missing["userId"].as_str().unwrap())
            .unwrap()
            .clone();
        d.users
            .push(serde_json::json!({"userId": id, "email": email, "role": "USER"}));
        (missing, id)
    };
    let r = engine::enforce(
        &pool,
        &providers,
        &console(true),
        5,
        Mode::UltraStrict,
        None,
        None,
    )
    .await
    .unwrap();
    let Enforced::Done {
        correlation_id,
        adds_ok,
        deletes_ok,
        failures,
        ..
    } = r
    else {
        panic!()
    };
    assert_eq!((adds_ok, deletes_ok), (1, 1), "{failures:?}");
    let t = lockdesk::store::traces::fetch(&pool, &correlation_id)
        .await
        .unwrap();
    let rows: Vec<_> = t.logs.iter().collect();
    let actions: Vec<&str> = rows.iter().map(|l| l.action.as_str()).collect();
    assert!(
        actions.contains(&"LOCK_SHARE") && actions.contains(&"LOCK_REVOKE"),
        "{actions:?}"
    );
    let st = lockdesk::sim::state(&sim.state);
    let users: Vec<&str> = st.dd_devices[&lock]
        .users
        .iter()
        .map(|u| u["userId"].as_str().unwrap())
        .collect();
    assert!(users.contains(&missing["userId"].as_str().unwrap()));
    assert!(!users.contains(&stranger.as_str()));
}

#[tokio::test]
async fn the_default_operator_is_the_os_account() {
    let url = demo_db().await;
    let config = lockdesk::config::Config::default();
    let g = crate::support::global();
    let s = lockdesk::console::setup_with(&g, &url, "demo", None, None, config, Default::default())
        .await
        .unwrap();
    assert_eq!(s.app.operator_name(), lockdesk::osuser::current().account);
    assert_ne!(s.app.operator_name(), "unknown");
}
