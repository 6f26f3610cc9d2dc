// The Foundation issue's promises, against a real Postgres: the seed traces
// exactly, the contract check's messages, migrations that never surprise.

use lockdesk::seeds;
use lockdesk::store::{self, ConnectError, traces};
use serde_json::Value;
use sqlx::{Executor, PgPool};

use crate::support::{blank_db, demo_db, empty_db};

/// Compares every field the seed row has with the same field of `got`,
/// the seed masked as lockdesk masks every row it reads.
fn assert_fields(kind: &str, want: &Value, got: &Value) {
    let want = lockdesk::secrets::value(want);
    let want = want.as_object().expect("seed rows are objects");
    for (k, v) in want {
        assert_eq!(
            got.get(k),
            Some(v),
            "{kind}: field {k} differs\n want: {v}\n  got: {:?}",
            got.get(k)
        );
    }
}

#[tokio::test]
async fn both_seed_traces_are_in_the_demo_world_field_for_field() {
    let url = demo_db().await;
    let pool = PgPool::connect(&url).await.unwrap();
    let seed: Value = serde_json::from_str(seeds::SEED_ROWS_JSON).unwrap();
    let mut audit = Vec::new();
    let mut jobs = Vec::new();
    let mut logs = Vec::new();
    for corr in [seeds::TRACE_USER_ACCESS, seeds::TRACE_DOOR_PROVISION] {
        let t = traces::fetch(&pool, corr).await.unwrap().to_json();
        audit.extend(t["app_audit"].as_array().unwrap().clone());
        jobs.extend(t["reconcile_jobs"].as_array().unwrap().clone());
        logs.extend(t["integration_logs"].as_array().unwrap().clone());
    }
    let want_logs = seed["integration_logs"].as_array().unwrap();
    assert_eq!(logs.len(), want_logs.len(), "log count");
    for w in want_logs {
        let got = logs
            .iter()
            .find(|l| l["id"] == w["id"])
            .unwrap_or_else(|| panic!("log {} missing", w["id"]));
        assert_fields("integration_logs", w, got);
    }
    let want_jobs = seed["reconcile_jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), want_jobs.len(), "job count");
    for (w, g) in want_jobs.iter().zip(&jobs) {
        assert_fields("reconcile_jobs", w, g);
    }
    let want_audit = seed["app_audit"].as_array().unwrap();
    assert_eq!(audit.len(), want_audit.len(), "audit count");
    for (w, g) in want_audit.iter().zip(&audit) {
        assert_fields("app_audit", w, g);
    }
    // Numbers stay exact: the seed's ms timestamps are not floats.
    let date = &logs.iter().find(|l| l["id"] == 1384).unwrap()["request_json"]["payload"]["date"];
    assert_eq!(date.to_string(), "1770217136181");
}

#[tokio::test]
async fn the_world_around_the_seeds_is_consistent() {
    let url = demo_db().await;
    let pool = PgPool::connect(&url).await.unwrap();
    let door: (String, String, String, i64, i64) = sqlx::query_as(
        "SELECT name, device_type, external_id, integration_device_id, integration_customer_id FROM doors WHERE id = 2",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        door,
        ("ttlock".into(), "TTLOCK".into(), "28991110".into(), 1, 1)
    );
    let cred: (i64, String) =
        sqlx::query_as("SELECT user_id, pin_code FROM credentials WHERE id = 6")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(cred.0, 9);
    assert!(cred.1.ends_with("1111"), "the seed masks it as ***1111");
    let ual: (i64, i64, String) = sqlx::query_as(
        "SELECT user_id, access_level_id, status FROM user_access_levels WHERE id = 9",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(ual, (9, 1, "active".into()));
    let dev: (String, String) =
        sqlx::query_as("SELECT provider_type, external_id FROM integration_devices WHERE id = 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(dev, ("TTLOCK".into(), "28991110".into()));
    // Sequences continue after the loaded ids: a new row does not collide.
    let id: (i64,) = sqlx::query_as(
        "INSERT INTO reconcile_jobs (job_type, status) VALUES ('reconcile_user', 'queued') RETURNING id",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let max: (i64,) = sqlx::query_as("SELECT max(id) FROM reconcile_jobs WHERE id <> $1")
        .bind(id.0)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(id.0 > max.0);
    // Every log of a job shares the job's correlation id.
    let mismatched: (i64,) = sqlx::query_as(
        "SELECT count(*) FROM integration_logs l JOIN reconcile_jobs j ON j.id = l.reconcile_job_id
         WHERE l.correlation_id IS DISTINCT FROM j.correlation_id",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(mismatched.0, 0);
}

#[tokio::test]
async fn a_missing_contract_column_is_named_with_what_to_do() {
    let url = empty_db().await;
    let pool = PgPool::connect(&url).await.unwrap();
    pool.execute("ALTER TABLE integration_logs DROP COLUMN lock_key")
        .await
        .unwrap();
    pool.execute("ALTER TABLE reconcile_jobs ALTER COLUMN created_at TYPE text")
        .await
        .unwrap();
    let err = match store::open(&url).await {
        Err(e) => e,
        Ok(_) => panic!("a database missing a contract column must not open"),
    };
    assert!(matches!(err, ConnectError::Contract(_)));
    let msg = err.to_string();
    assert!(
        msg.contains("integration_logs.lock_key is missing (expected text)"),
        "{msg}"
    );
    assert!(
        msg.contains("reconcile_jobs.created_at is text, which lockdesk cannot read as timestamp with time zone"),
        "{msg}"
    );
    assert!(msg.contains("lockdesk db migrate"), "{msg}");
    assert!(
        !msg.contains("error returned from database"),
        "no raw driver text: {msg}"
    );
}

#[tokio::test]
async fn compatible_types_open_with_a_warning_and_missing_broker_tables_only_disable_drift() {
    let url = empty_db().await;
    let pool = PgPool::connect(&url).await.unwrap();
    pool.execute(
        "ALTER TABLE app_audit ALTER COLUMN created_at TYPE timestamp without time zone;
         DROP INDEX app_audit_user_ref_idx; -- it cannot exist over a json/jsonb mix
         ALTER TABLE app_audit ALTER COLUMN after_json TYPE json;
         ALTER TABLE doors ALTER COLUMN id TYPE integer;
         DROP TABLE lock_pin_states;",
    )
    .await
    .unwrap();
    let db = store::open(&url).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(db.report.warnings.len(), 1, "{:?}", db.report.warnings);
    assert!(db.report.warnings[0].contains("app_audit.created_at"));
    assert!(!db.report.drift_enabled());
    assert!(
        db.report
            .drift_disabled_reason()
            .unwrap()
            .contains("lock_pin_states")
    );
    // A naive timestamp is read as UTC through the session zone.
    pool.execute(
        "INSERT INTO app_audit (created_at, entity_type, entity_id, action, correlation_id)
         VALUES ('2026-02-04 14:58:54', 'Door', 1, 'update', 'abcdabcdabcdabcdabcdabcdabcdabcd')",
    )
    .await
    .unwrap();
    let t = traces::fetch(&db.pool, "abcdabcdabcdabcdabcdabcdabcdabcd")
        .await
        .unwrap();
    assert_eq!(
        t.audit[0].created_at.to_rfc3339(),
        "2026-02-04T14:58:54+00:00"
    );
}

#[tokio::test]
async fn a_missing_contract_table_is_named() {
    let url = blank_db().await;
    let err = match store::open(&url).await {
        Err(e) => e.to_string(),
        Ok(_) => panic!("an empty database must not open"),
    };
    for t in [
        "app_audit",
        "reconcile_jobs",
        "integration_logs",
        "doors",
        "user_access_levels",
    ] {
        assert!(err.contains(&format!("table {t} is missing")), "{err}");
    }
}

#[tokio::test]
async fn migrate_refuses_foreign_tables_unless_forced_and_is_idempotent() {
    let url = blank_db().await;
    let pool = PgPool::connect(&url).await.unwrap();
    pool.execute("CREATE TABLE invoices (id int)")
        .await
        .unwrap();
    let err = store::migrate::run(&pool, false)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("invoices") && err.contains("--force"), "{err}");
    let tables: (i64,) =
        sqlx::query_as("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(tables.0, 1, "a refused migration creates nothing");
    let applied = store::migrate::run(&pool, true).await.unwrap();
    assert_eq!(
        applied,
        vec![
            "0001_broker",
            "0002_user_pins",
            "0003_pulse",
            "0004_job_search"
        ]
    );
    // Ours now; a second run is a no-op, still refusing because of invoices.
    assert!(store::migrate::run(&pool, false).await.is_err());
    assert!(store::migrate::run(&pool, true).await.unwrap().is_empty());
    store::open(&url).await.unwrap_or_else(|e| panic!("{e}"));
}

#[tokio::test]
async fn a_migrated_database_migrates_again_without_force() {
    let url = empty_db().await;
    let pool = PgPool::connect(&url).await.unwrap();
    assert!(store::migrate::run(&pool, false).await.unwrap().is_empty());
}

#[tokio::test]
async fn connection_failures_say_what_to_try() {
    let e = store::open("postgresql://nobody@127.0.0.1:1/x")
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("Could not reach the database server at 127.0.0.1:1"),
        "{e}"
    );
    let e = store::open("not a url").await.err().unwrap().to_string();
    assert!(e.contains("postgresql://user:password@host"), "{e}");
    let url = crate::support::with_database(&empty_db().await, "no_such_db_here");
    let e = store::open(&url).await.err().unwrap().to_string();
    assert!(e.contains("has no database"), "{e}");
}

#[tokio::test]
async fn trace_prefixes_resolve_uniquely_and_reject_non_hex() {
    let url = demo_db().await;
    let pool = PgPool::connect(&url).await.unwrap();
    assert_eq!(
        traces::resolve(&mut pool.acquire().await.unwrap(), "e4792295")
            .await
            .unwrap(),
        traces::Resolved::One(seeds::TRACE_USER_ACCESS.into())
    );
    assert_eq!(
        traces::resolve(&mut pool.acquire().await.unwrap(), "ffffffffff")
            .await
            .unwrap(),
        traces::Resolved::None
    );
    assert!(
        traces::resolve(&mut pool.acquire().await.unwrap(), "e479%")
            .await
            .is_err()
    );
}

#[tokio::test]
async fn the_scale_seeder_adds_linked_rows_with_copy() {
    let url = empty_db().await;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(3)
        .connect(&url)
        .await
        .unwrap();
    let scale = lockdesk::demo::scale::Scale {
        logs: 20_000,
        jobs: 2_000,
        audit: 2_000,
    };
    let r = lockdesk::demo::scale::seed(&pool, scale, lockdesk::demo::world::fixed_now())
        .await
        .unwrap();
    assert_eq!((r.logs, r.jobs, r.audit), (20_000, 2_000, 2_000));
    let counts: (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM integration_logs), (SELECT count(*) FROM reconcile_jobs), (SELECT count(*) FROM app_audit)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(counts, (20_000, 2_000, 2_000));
    // Each job's logs carry its correlation id; the indexes are back.
    let (corr,): (String,) =
        sqlx::query_as("SELECT correlation_id FROM reconcile_jobs ORDER BY id LIMIT 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    let t = traces::fetch(&pool, &corr).await.unwrap();
    assert_eq!(t.jobs.len(), 1);
    assert_eq!(t.logs.len(), 10);
    assert_eq!(t.audit.len(), 1);
    assert_eq!(t.logs.first().unwrap().action, "RECONCILE_JOB_START");
    let idx: (i64,) =
        sqlx::query_as("SELECT count(*) FROM pg_indexes WHERE tablename = 'integration_logs'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(idx.0, 7, "primary key plus six lookup indexes");
}

#[tokio::test]
async fn the_queue_refresh_reads_whole_rows_only_when_they_change() {
    use lockdesk::store::queries::{self, JobFilter, JobStamp, Page};
    let url = demo_db().await;
    let pool = PgPool::connect(&url).await.unwrap();
    let mut c = pool.acquire().await.unwrap();
    let now = lockdesk::demo::world::fixed_now();
    let filter = JobFilter::default();
    let first = queries::jobs_refresh(&mut c, &filter, now, 900, Page::First, 50, &[])
        .await
        .unwrap();
    assert_eq!(first.order.len(), 50);
    assert_eq!(
        first.fresh.len(),
        50,
        "nothing known: every row is read whole"
    );
    let known: Vec<JobStamp> = first.fresh.iter().map(JobStamp::of).collect();
    let again = queries::jobs_refresh(&mut c, &filter, now, 900, Page::First, 50, &known)
        .await
        .unwrap();
    assert_eq!(again.order, first.order);
    assert!(again.fresh.is_empty(), "unchanged rows are not read again");
    // The broker changes one job (without touching updated_at, even).
    let changed = first.order[7];
    sqlx::query("UPDATE reconcile_jobs SET attempt_count = attempt_count + 1 WHERE id = $1")
        .bind(changed)
        .execute(&mut *c)
        .await
        .unwrap();
    let third = queries::jobs_refresh(&mut c, &filter, now, 900, Page::First, 50, &known)
        .await
        .unwrap();
    assert_eq!(
        third.fresh.iter().map(|j| j.id).collect::<Vec<_>>(),
        [changed]
    );
    // And the same order as a whole page has.
    let page = queries::jobs_page(&mut c, &filter, now, 900, Page::First, 50)
        .await
        .unwrap();
    assert_eq!(page.iter().map(|j| j.id).collect::<Vec<_>>(), third.order);
}
