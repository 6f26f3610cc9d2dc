// The engine under stress: two engineers on one lock, a slow provider, a
// laptop clock that is off, a database host that swallows packets. Each
// against real Postgres and the loopback simulators, with short provider
// timeouts so the suite stays quick.

use std::time::Duration;

use lockdesk::engine::interrupted::Interrupted;
use lockdesk::engine::plan::Mode;
use lockdesk::engine::{self, Enforced, Operator};
use lockdesk::lockkey::LockKey;
use lockdesk::sim::Fault;
use serde_json::Value;
use sqlx::PgPool;

use crate::support::demo_db;
use crate::support::sim::{providers, sim_for};

const LOCK: &str = "TTLOCK:28991110";

fn writer(name: &str) -> Operator {
    Operator {
        name: name.into(),
        reason: Some("INC-24".into()),
        write: true,
        source: "console",
    }
}

async fn db_now(pool: &PgPool) -> chrono::DateTime<chrono::Utc> {
    sqlx::query_scalar("SELECT now()")
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Outcome rows of deletes (not intents) under one correlation id.
async fn delete_outcomes(pool: &PgPool, corr: &str) -> Vec<Option<Value>> {
    sqlx::query_scalar(
        "SELECT response_json::jsonb FROM integration_logs WHERE correlation_id = $1 AND action = 'DRIFT_ENFORCE_DELETE_PIN' ORDER BY id",
    )
    .bind(corr)
    .fetch_all(pool)
    .await
    .unwrap()
}

/// The newest delete intent on the lock: (log id, correlation, job, request).
async fn newest_intent(pool: &PgPool) -> (i64, String, i64, Value) {
    sqlx::query_as(
        "SELECT id, correlation_id::text, reconcile_job_id::int8, request_json::jsonb FROM integration_logs \
         WHERE lock_key = $1 AND action = 'DRIFT_ENFORCE_DELETE_PIN_INTENT' ORDER BY id DESC LIMIT 1",
    )
    .bind(LOCK)
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn wait_for_delete(sim: &lockdesk::sim::Sim) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while lockdesk::sim::state(&sim.state).tt_deletes == 0 {
        assert!(std::time::Instant::now() < deadline, "no delete was sent");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// An ultra-strict enforcement of door 2 running in the background, once
/// its first delete has reached the simulator.
async fn enforcing_door_2(
    pool: &PgPool,
    p: &std::sync::Arc<lockdesk::providers::settings::Providers>,
    sim: &lockdesk::sim::Sim,
) -> tokio::task::JoinHandle<Result<Enforced, engine::Refused>> {
    let (pool, p) = (pool.clone(), p.clone());
    let run = tokio::spawn(async move {
        engine::enforce(
            &pool,
            &p,
            &writer("alice"),
            2,
            Mode::UltraStrict,
            None,
            None,
        )
        .await
    });
    wait_for_delete(sim).await;
    run
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_preview_never_settles_a_live_run() {
    let url = demo_db().await;
    let pool = PgPool::connect(&url).await.unwrap();
    let sim = sim_for(&url).await;
    let p = std::sync::Arc::new(providers(&sim, Duration::from_secs(10)));
    // The delete is applied at once and answered 3 s later: the run sits
    // between its call and its log row.
    sim.set_fault(LOCK, Some(Fault::SlowAnswer(Duration::from_secs(3))));
    let run = enforcing_door_2(&pool, &p, &sim).await;
    // A second console previews the lock meanwhile.
    let now = db_now(&pool).await;
    let seen = engine::preview(&pool, &p, 2, Mode::UltraStrict, now)
        .await
        .unwrap();
    assert!(
        !seen.interrupted.is_empty() && seen.interrupted.iter().all(|i| i.in_flight),
        "a live run's change taken for interrupted: {:?}",
        seen.interrupted
    );
    // Even asked to settle it, nothing is written while the run holds the lock.
    let (id, corr, job, request) = newest_intent(&pool).await;
    let forced = vec![Interrupted {
        intent_log_id: id,
        action: "DRIFT_ENFORCE_DELETE_PIN".into(),
        request,
        correlation_id: Some(corr.clone()),
        job: Some(job),
        applied: true,
        in_flight: false,
    }];
    let lock = LockKey::new("TTLOCK", "28991110");
    assert_eq!(
        engine::interrupted::settle(&pool, &writer("bob"), &lock, &forced)
            .await
            .unwrap(),
        0
    );
    match run.await.unwrap().unwrap() {
        Enforced::Done { deletes_ok, .. } => assert_eq!(deletes_ok, 1),
        other => panic!("{other:?}"),
    }
    let outcomes = delete_outcomes(&pool, &corr).await;
    assert_eq!(
        outcomes.len(),
        1,
        "the live run's own outcome only: {outcomes:?}"
    );
    assert!(
        outcomes[0]
            .as_ref()
            .is_none_or(|r| r.get("settled_by").is_none()),
        "{outcomes:?}"
    );
    // Settled after the run: its outcome is there, nothing more is written.
    assert_eq!(
        engine::interrupted::settle(&pool, &writer("bob"), &lock, &forced)
            .await
            .unwrap(),
        0
    );
    assert_eq!(delete_outcomes(&pool, &corr).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_previews_settle_an_intent_once() {
    let url = demo_db().await;
    let pool = PgPool::connect(&url).await.unwrap();
    let sim = sim_for(&url).await;
    let p = std::sync::Arc::new(providers(&sim, Duration::from_secs(10)));
    sim.set_fault(LOCK, Some(Fault::SlowAnswer(Duration::from_secs(30))));
    let run = enforcing_door_2(&pool, &p, &sim).await;
    // The run dies between its call and its log (its session ends with it);
    // its last heartbeat ages past twice the beat interval.
    run.abort();
    let _ = run.await;
    sim.set_fault(LOCK, None);
    let (_, corr, job, _) = newest_intent(&pool).await;
    sqlx::query(
        "UPDATE reconcile_jobs SET updated_at = now() - interval '5 minutes' WHERE id = $1",
    )
    .bind(job)
    .execute(&pool)
    .await
    .unwrap();
    // Wait for the aborted run's session (and its advisory lock) to end.
    let lock = LockKey::new("TTLOCK", "28991110");
    let now = db_now(&pool).await;
    let mut found = Vec::new();
    for _ in 0..100 {
        found = engine::preview(&pool, &p, 2, Mode::UltraStrict, now)
            .await
            .unwrap()
            .interrupted;
        if !found.is_empty() && found.iter().all(|i| !i.in_flight) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(found.len(), 1, "the dead run's intent is found");
    // Two consoles settle it at once: one outcome.
    let (alice, bob) = (writer("alice"), writer("bob"));
    let (a, b) = tokio::join!(
        engine::interrupted::settle(&pool, &alice, &lock, &found),
        engine::interrupted::settle(&pool, &bob, &lock, &found)
    );
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    // And one after the other: still one.
    assert_eq!(
        engine::interrupted::settle(&pool, &writer("carol"), &lock, &found)
            .await
            .unwrap(),
        0
    );
    let outcomes = delete_outcomes(&pool, &corr).await;
    assert_eq!(outcomes.len(), 1, "{outcomes:?}");
    let again = engine::preview(&pool, &p, 2, Mode::UltraStrict, now)
        .await
        .unwrap();
    assert!(again.interrupted.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn previews_cannot_starve_an_enforcement() {
    let url = demo_db().await;
    let sim = sim_for(&url).await;
    // Short provider timeouts, and a small pool as a console has.
    let p = std::sync::Arc::new(providers(&sim, Duration::from_secs(5)));
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(3)
        .acquire_timeout(Duration::from_secs(2))
        .connect(&url)
        .await
        .unwrap();
    // Another TTLock door, whose lock answers nothing for a long time.
    let (other, other_key): (i64, String) = sqlx::query_as(
        "SELECT d.id, i.provider_type::text || ':' || i.external_id::text FROM doors d \
         JOIN integration_devices i ON i.id = d.integration_device_id \
         WHERE i.provider_type = 'TTLOCK' AND d.id <> 2 ORDER BY d.id LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    sim.set_fault(&other_key, Some(Fault::Slow(Duration::from_secs(30))));
    sim.set_fault(LOCK, Some(Fault::SlowAnswer(Duration::from_secs(2))));
    let run = enforcing_door_2(&pool, &p, &sim).await;
    // Six previews of the slow lock, started while the run waits for its answer.
    let now = db_now(&pool).await;
    let mut previews = Vec::new();
    for _ in 0..6 {
        let (pool3, p3) = (pool.clone(), p.clone());
        previews.push(tokio::spawn(async move {
            engine::preview(&pool3, &p3, other, Mode::Standard, now).await
        }));
    }
    let result = run.await.unwrap();
    for pv in previews {
        pv.abort();
    }
    let job = match result {
        Ok(Enforced::Done {
            job, deletes_ok, ..
        }) => {
            assert_eq!(deletes_ok, 1);
            job
        }
        other => panic!("the run was starved: {other:?}"),
    };
    let (status,): (String,) =
        sqlx::query_as("SELECT status::text FROM reconcile_jobs WHERE id = $1")
            .bind(job)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(status, "done");
}

#[tokio::test]
async fn enforcement_uses_the_database_clock() {
    let url = demo_db().await;
    let pool = PgPool::connect(&url).await.unwrap();
    let sim = sim_for(&url).await;
    let p = providers(&sim, Duration::from_secs(5));
    // The stray on door 2 was first seen 50 minutes ago by the database's
    // clock: inside the one-hour grace window.
    sqlx::query(
        "UPDATE lock_pin_states SET first_seen_at = now() - interval '50 minutes', state = 'present' \
         WHERE door_id = 2 AND vendor_pin_id = '50957532'",
    )
    .execute(&pool)
    .await
    .unwrap();
    let now = db_now(&pool).await;
    let shown = engine::preview(&pool, &p, 2, Mode::Standard, now)
        .await
        .unwrap();
    let plan = shown.plan.unwrap();
    assert_eq!(plan.blocked_by_grace.len(), 1, "{plan:?}");
    assert!(plan.deletes.is_empty());
    // This laptop's clock runs 20 minutes fast: by it, the grace is over.
    lockdesk::timefmt::shift_local_clock_for_tests(chrono::Duration::minutes(20));
    let r = engine::enforce(
        &pool,
        &p,
        &writer("alice"),
        2,
        Mode::Standard,
        Some(&plan),
        None,
    )
    .await;
    lockdesk::timefmt::shift_local_clock_for_tests(chrono::Duration::zero());
    let (job, corr) = match r.unwrap() {
        Enforced::Done {
            job,
            deletes_ok,
            correlation_id,
            ..
        } => {
            assert_eq!(deletes_ok, 0, "the grace window is on the database's clock");
            (job, correlation_id)
        }
        Enforced::PlanChanged { new_plan, .. } => {
            panic!("planned with the laptop's clock: {new_plan:?}")
        }
    };
    assert_eq!(
        lockdesk::sim::state(&sim.state).tt_locks[&28_991_110]
            .passcodes
            .len(),
        1,
        "the stray is still on the lock"
    );
    // Every row the run wrote (steps, calls, intents) is on the database's clock.
    let (latest, count): (chrono::DateTime<chrono::Utc>, i64) = sqlx::query_as(
        "SELECT max(created_at), count(*) FROM integration_logs WHERE correlation_id = $1 OR reconcile_job_id = $2",
    )
    .bind(&corr)
    .bind(job)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(count >= 3, "{count}");
    let after = db_now(&pool).await;
    assert!(
        latest <= after,
        "a row stamped {latest} after the database's {after}"
    );
    assert!(
        latest > after - chrono::Duration::minutes(1),
        "{latest} vs {after}"
    );
}

#[tokio::test]
async fn a_connect_that_hangs_says_the_database_cannot_be_reached() {
    // A listener that accepts and never answers: the connect hangs.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    let opts =
        lockdesk::store::options(&format!("postgresql://ops@127.0.0.1:{port}/broker")).unwrap();
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(Duration::from_secs(1))
        .connect_lazy_with(opts);
    let e = engine::retry_job(&pool, &writer("alice"), 1, "failed", chrono::Utc::now())
        .await
        .unwrap_err();
    assert!(e.0.contains("cannot be reached"), "{e}");
    assert!(
        e.0.contains(&format!("127.0.0.1:{port}")),
        "names the host: {e}"
    );
    assert!(!e.0.contains("busy"), "{e}");
    hold.abort();
}

#[tokio::test]
async fn the_wait_for_a_standby_after_a_write_is_bounded_as_a_whole() {
    // A standby whose connection hangs (a half-open TCP connection): the
    // wait after a write ends within its bound, and says so.
    let url = demo_db().await;
    let primary = PgPool::connect(&url).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    let opts =
        lockdesk::store::options(&format!("postgresql://ops@127.0.0.1:{port}/broker")).unwrap();
    let standby = lockdesk::store::replica::Standby {
        pool: sqlx::postgres::PgPoolOptions::new()
            .acquire_timeout(Duration::from_secs(120))
            .connect_lazy_with(opts),
        label: format!("127.0.0.1:{port}/broker"),
    };
    let started = std::time::Instant::now();
    let note = lockdesk::store::replica::after_write(&primary, &standby).await;
    let took = started.elapsed();
    let bound = lockdesk::store::replica::REPLAY_WAIT + lockdesk::store::replica::AFTER_WRITE_SLACK;
    assert!(took < bound + Duration::from_secs(2), "waited {took:?}");
    assert!(note.is_some_and(|n| n.contains("did not answer")));
    hold.abort();
}

/// The engine and the store never read this machine's clock for what they
/// plan or write: only the database's (`engine::clock`, SQL `now()`), or
/// `timefmt::local_now` for what the machine itself measures. A bare
/// `Utc::now()` there is how the laptop's clock crept into plans before.
#[test]
fn the_engine_and_the_store_never_read_the_laptops_clock() {
    fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                files(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&root.join("engine"), &mut all);
    files(&root.join("store"), &mut all);
    assert!(all.len() > 10, "the check sees the files");
    let mut found = Vec::new();
    for f in all {
        let text = std::fs::read_to_string(&f).unwrap();
        // Unit tests may pin times as they like.
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (n, line) in code.lines().enumerate() {
            let line = line.split("//").next().unwrap_or_default();
            if line.contains("Utc::now()") {
                found.push(format!("{}:{}", f.display(), n + 1));
            }
        }
    }
    assert!(
        found.is_empty(),
        "the laptop's clock read in:\n{}",
        found.join("\n")
    );
}
