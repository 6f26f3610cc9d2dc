// Actions on the odd rows a broker may hold, read as the panes read them:
// a job with NULL user and attempts, or a payload that is not an object, is
// retried; a failed job updated at `infinity` does not fail retry-all; the
// drift planner plans over `infinity` schedules and first-seen times.

use chrono::{DateTime, Utc};
use lockdesk::console::options::Target;
use lockdesk::engine::plan::{Mode, Plan};
use lockdesk::engine::{self, JobChange, Operator};
use lockdesk::providers::settings::Providers;
use lockdesk::store::queue::JobFilter;
use serde_json::Value;
use sqlx::PgPool;

use crate::support::Screen;
use crate::support::demo_db;
use crate::support::sim_for;

fn operator() -> Operator {
    Operator {
        name: "alice".into(),
        reason: Some("INC-23".into()),
        write: true,
        source: "console",
    }
}

async fn run(pool: &PgPool, sql: &str) {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(pool)
        .await
        .unwrap();
}

/// The failed jobs, oldest first.
async fn failed_jobs(pool: &PgPool) -> Vec<i64> {
    sqlx::query_scalar("SELECT id FROM reconcile_jobs WHERE status = 'failed' ORDER BY id")
        .fetch_all(pool)
        .await
        .unwrap()
}

async fn updated(pool: &PgPool, id: i64) -> DateTime<Utc> {
    sqlx::query_scalar("SELECT updated_at FROM reconcile_jobs WHERE id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn status_and_payload(pool: &PgPool, id: i64) -> (String, Option<Value>) {
    sqlx::query_as("SELECT status, payload FROM reconcile_jobs WHERE id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_job_with_null_user_and_attempts_can_be_retried() {
    let url = demo_db().await;
    let pool = PgPool::connect(&url).await.unwrap();
    // A broker whose columns allow NULL, and three failed jobs the panes
    // show: NULL user and attempts (and payload), a JSON null payload, a
    // bare string payload.
    run(
        &pool,
        "ALTER TABLE reconcile_jobs ALTER COLUMN user_id DROP NOT NULL, ALTER COLUMN attempt_count DROP NOT NULL",
    )
    .await;
    let jobs = failed_jobs(&pool).await;
    let (nulls, json_null, string) = (jobs[0], jobs[1], jobs[2]);
    sqlx::query("UPDATE reconcile_jobs SET user_id = NULL, attempt_count = NULL, payload = NULL WHERE id = $1")
        .bind(nulls)
        .execute(&pool)
        .await
        .unwrap();
    for (id, payload) in [(json_null, "null"), (string, "\"door 2\"")] {
        sqlx::query("UPDATE reconcile_jobs SET payload = $2::jsonb WHERE id = $1")
            .bind(id)
            .bind(payload)
            .execute(&pool)
            .await
            .unwrap();
    }
    let op = operator();
    for id in [nulls, json_null, string] {
        let r = engine::retry_job(&pool, &op, id, "failed", updated(&pool, id).await).await;
        assert_eq!(
            r,
            Ok(JobChange::Done {
                job: id,
                status: "queued".into()
            }),
            "job #{id}"
        );
    }
    let (status, payload) = status_and_payload(&pool, nulls).await;
    assert_eq!(status, "queued");
    assert_eq!(payload, Some(serde_json::json!({"retry_base_attempts": 0})));
    let (_, payload) = status_and_payload(&pool, json_null).await;
    assert_eq!(payload.unwrap()["retry_base_attempts"], 1);
    let (_, payload) = status_and_payload(&pool, string).await;
    assert_eq!(
        payload,
        Some(Value::String("door 2".into())),
        "kept as it was"
    );
    // Logged and audited with the NULLs as nulls.
    let (user, attempts): (Value, Value) = sqlx::query_as(
        "SELECT l.request_json->'user_id', a.before_json->'attempt_count'
           FROM integration_logs l JOIN app_audit a ON a.entity_id = l.reconcile_job_id AND a.action = 'retry'
          WHERE l.reconcile_job_id = $1 AND l.action = 'RECONCILE_ENQUEUED' AND l.request_json->>'source' = 'console'",
    )
    .bind(nulls)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((user, attempts), (Value::Null, Value::Null));
}

#[tokio::test]
async fn a_failed_job_updated_at_infinity_does_not_fail_retry_all() {
    let url = demo_db().await;
    let pool = PgPool::connect(&url).await.unwrap();
    run(
        &pool,
        "ALTER TABLE reconcile_jobs ALTER COLUMN updated_at DROP NOT NULL",
    )
    .await;
    let jobs = failed_jobs(&pool).await;
    let (infinite, null, plain) = (jobs[0], jobs[1], jobs[2]);
    for (id, at) in [(infinite, Some("infinity")), (null, None)] {
        sqlx::query("UPDATE reconcile_jobs SET updated_at = $2::timestamptz WHERE id = $1")
            .bind(id)
            .bind(at)
            .execute(&pool)
            .await
            .unwrap();
    }
    let now = lockdesk::demo::world::fixed_now();
    let (list, more) = engine::retryable(&pool, &JobFilter::default(), now, 900)
        .await
        .unwrap();
    assert!(!more);
    let seen = |id: i64| list.iter().find(|j| j.0 == id).map(|j| j.2);
    // Read as the panes read them: `infinity` last, NULL first.
    assert_eq!(seen(infinite), Some(DateTime::<Utc>::MAX_UTC));
    assert_eq!(seen(null), Some(DateTime::<Utc>::MIN_UTC));
    assert_eq!(seen(plain), Some(updated(&pool, plain).await));
    // A guard still tells an odd time from a plain one.
    let op = operator();
    let other = engine::retry_job(&pool, &op, plain, "failed", DateTime::<Utc>::MAX_UTC).await;
    assert_eq!(
        other,
        Ok(JobChange::Changed {
            job: plain,
            now: "failed".into()
        })
    );
    let other = engine::retry_job(&pool, &op, infinite, "failed", now).await;
    assert_eq!(
        other,
        Ok(JobChange::Changed {
            job: infinite,
            now: "failed".into()
        })
    );
    // And retried as retry-all does, one by one: an odd time guards as
    // "still odd".
    for (job, status, at) in list {
        let r = engine::retry_job(&pool, &op, job, &status, at).await;
        assert_eq!(
            r,
            Ok(JobChange::Done {
                job,
                status: "queued".into()
            }),
            "job #{job}"
        );
    }
}

/// Door 2's stray `AB U9 C6` (50957532), remembered as first seen at `at`.
async fn remember_stray(pool: &PgPool, at: Option<&str>) {
    run(
        pool,
        "ALTER TABLE lock_pin_states ALTER COLUMN first_seen_at DROP NOT NULL",
    )
    .await;
    sqlx::query(
        "INSERT INTO lock_pin_states (door_id, credential_id, code_name, vendor_pin_id, first_seen_at, first_seen_source, state)
         VALUES (2, 6, 'AB U9 C6', '50957532', $1::timestamptz, 'lock', 'present')
         ON CONFLICT (door_id, vendor_pin_id) DO UPDATE SET first_seen_at = EXCLUDED.first_seen_at,
             first_seen_source = 'lock', state = 'present'",
    )
    .bind(at)
    .execute(pool)
    .await
    .unwrap();
}

async fn plan(pool: &PgPool, providers: &Providers, door: i64, now: DateTime<Utc>) -> Plan {
    let p = engine::preview(pool, providers, door, Mode::Standard, now)
        .await
        .unwrap();
    p.plan.unwrap()
}

#[tokio::test]
async fn the_drift_planner_plans_over_infinite_schedules_and_first_seen_times() {
    let url = demo_db().await;
    let sim = sim_for(&url).await;
    let pool = PgPool::connect(&url).await.unwrap();
    let providers = Providers::new(sim.provider_settings());
    let now = Utc::now();
    // Door 1's PINs (door 2 expects none) under schedules valid now, which
    // become valid from -infinity to infinity.
    let before = plan(&pool, &providers, 1, now).await;
    assert!(!before.input.expected.is_empty());
    let changed = sqlx::query(
        "UPDATE schedules SET valid_from = '-infinity', valid_until = 'infinity'
          WHERE (valid_from IS NULL OR valid_from <= $1) AND (valid_until IS NULL OR valid_until > $1)",
    )
    .bind(now)
    .execute(&pool)
    .await
    .unwrap();
    assert!(changed.rows_affected() > 0);
    let after = plan(&pool, &providers, 1, now).await;
    assert_eq!(after.input.expected, before.input.expected);

    // First seen at infinity: never eligible, so blocked by the grace.
    remember_stray(&pool, Some("infinity")).await;
    let p = plan(&pool, &providers, 2, now).await;
    assert!(p.deletes.is_empty(), "{:?}", p.deletes);
    let d = &p.blocked_by_grace[0];
    assert_eq!(d.vendor_pin_id, "50957532");
    assert_eq!(
        (d.first_seen_at, d.eligible_at),
        (DateTime::<Utc>::MAX_UTC, DateTime::<Utc>::MAX_UTC)
    );
    assert_eq!(d.first_seen_source, "lock");
    let shown = Screen::new(&url)
        .target(Target::Door { id: "2".into() })
        .keys("d")
        .size(160, 45)
        .providers(sim.provider_settings())
        .run()
        .await;
    assert!(
        shown.contains("#50957532  blocked by grace until"),
        "{shown}"
    );
    // At -infinity: long past, so deleted.
    remember_stray(&pool, Some("-infinity")).await;
    let p = plan(&pool, &providers, 2, now).await;
    assert_eq!(p.deletes[0].vendor_pin_id, "50957532");
    assert_eq!(p.deletes[0].first_seen_at, DateTime::<Utc>::MIN_UTC);
    // NULL: not known yet, first seen by this run.
    remember_stray(&pool, None).await;
    let p = plan(&pool, &providers, 2, now).await;
    let d = &p.blocked_by_grace[0];
    assert_eq!(
        (d.first_seen_at, d.first_seen_source.as_str()),
        (now, "inferred_now")
    );
}
