// Rows of a production broker that are not the demo's: ids in other shapes,
// and what lockdesk does with them.

use sqlx::PgPool;

use crate::support::{Screen, demo_db};
use lockdesk::console::options::Target;
use lockdesk::store::traces::{self, Resolved};

mod big;

const UPPER: &str = "A1B2C3D4E5F60718293A4B5C6D7E8F90";
const UUID: &str = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";
const UNDERSCORE: &str = "job_72_retry_2026";

async fn plant_odd_correlation_ids(pool: &PgPool) {
    for (corr, what) in [(UPPER, "upper"), (UUID, "uuid"), (UNDERSCORE, "underscore")] {
        sqlx::query(
            "INSERT INTO integration_logs (action, correlation_id, created_at, lock_key, ok, provider_type, request_json, response_json)
             VALUES ('RECONCILE_JOB_START', $1, now(), 'ACCESS_BROKER:unknown', true, 'ACCESS_BROKER', $2, '{}')",
        )
        .bind(corr)
        .bind(sqlx::types::Json(serde_json::json!({ "what": what })))
        .execute(pool)
        .await
        .unwrap();
    }
}

async fn resolve(pool: &PgPool, input: &str) -> Resolved {
    let mut conn = pool.acquire().await.unwrap();
    traces::resolve(&mut conn, input).await.unwrap()
}

#[tokio::test]
async fn correlation_ids_are_found_as_stored() {
    let url = demo_db().await;
    let pool = PgPool::connect(&url).await.unwrap();
    plant_odd_correlation_ids(&pool).await;
    // Exactly as stored (Enter on a job passes the stored id).
    assert_eq!(resolve(&pool, UPPER).await, Resolved::One(UPPER.into()));
    assert_eq!(resolve(&pool, UUID).await, Resolved::One(UUID.into()));
    assert_eq!(
        resolve(&pool, UNDERSCORE).await,
        Resolved::One(UNDERSCORE.into())
    );
    // A prefix in the other case, dashes included.
    assert_eq!(
        resolve(&pool, "a1b2c3d4").await,
        Resolved::One(UPPER.into())
    );
    assert_eq!(
        resolve(&pool, "3F2504E0-4F89").await,
        Resolved::One(UUID.into())
    );
    // `_` is a character here, not LIKE's wildcard: `job_7` must not match `jobX7…`.
    assert_eq!(
        resolve(&pool, "job_72").await,
        Resolved::One(UNDERSCORE.into())
    );
    assert_eq!(resolve(&pool, "jobx72").await, Resolved::None);
    // The seed ids still resolve from a prefix in either case.
    assert_eq!(
        resolve(&pool, "E4792295").await,
        Resolved::One(lockdesk::seeds::TRACE_USER_ACCESS.into())
    );
    // What cannot be an id is refused before any query.
    let mut conn = pool.acquire().await.unwrap();
    for bad in ["e47", "e479%", "e479'--", "", "\u{202e}e4792295"] {
        assert!(traces::resolve(&mut conn, bad).await.is_err(), "{bad:?}");
    }
    // And the trace opens whole.
    let t = traces::fetch(&pool, UUID).await.unwrap();
    assert_eq!(t.logs.len(), 1);
}

const ODD: &str = "0dd0dd0dd0dd0dd0dd0dd0dd0dd0dd00";

/// Times chrono cannot hold, and the edges it can, under one trace.
async fn plant_odd_times(pool: &PgPool) {
    for (user, created, updated) in [
        (9, "infinity", "now()"),
        (9, "-infinity", "now()"),
        (9, "'294000-01-01 00:00:00+00'", "now()"),
        (9, "'0001-01-01 00:00:00+00'", "'9999-12-31 23:59:59+00'"),
        (9, "now()", "now()"),
    ] {
        let created = if created.starts_with(['i', '-']) {
            format!("'{created}'")
        } else {
            created.to_string()
        };
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO reconcile_jobs (job_type, user_id, status, attempt_count, correlation_id, created_at, updated_at, next_run_at)
             VALUES ('reconcile_user', {user}, 'failed', 1, '{ODD}', {created}, {updated}, 'infinity')"
        )))
        .execute(pool)
        .await
        .unwrap();
    }
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO integration_logs (action, correlation_id, created_at, lock_key, ok, provider_type)
         VALUES ('RECONCILE_JOB_START', '{ODD}', 'infinity', 'ACCESS_BROKER:unknown', true, 'ACCESS_BROKER'),
                ('RECONCILE_JOB_DONE', '{ODD}', now(), 'ACCESS_BROKER:unknown', true, 'ACCESS_BROKER')"
    )))
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO app_audit (created_at, entity_type, entity_id, action, after_json, correlation_id, actor, source)
         VALUES ('-infinity', 'User', 9, 'update', '{{}}', '{ODD}', 'admin', 'test')"
    )))
    .execute(pool)
    .await
    .unwrap();
}

#[tokio::test]
async fn odd_times_open_tagged_and_shown_as_postgres_writes_them() {
    let url = demo_db().await;
    let pool = PgPool::connect(&url).await.unwrap();
    plant_odd_times(&pool).await;
    // Before, sqlx's decode panicked on the first of these and the pane
    // stayed "Loading…" forever.
    let t = Screen::new(&url)
        .target(Target::Trace { id: ODD.into() })
        .size(160, 60)
        .run()
        .await;
    assert!(t.contains("infinity (odd)"), "{t}");
    assert!(
        !t.contains("262142"),
        "the window holds only times lockdesk could read: {t}"
    );
    assert!(t.contains("-infinity (odd)"), "{t}");
    assert!(t.contains("294000-01-01"), "{t}");
    assert!(t.contains("is odd: its created_at is infinity"), "{t}");
    assert!(
        t.contains("RECONCILE_JOB_DONE"),
        "the neighbours are shown: {t}"
    );
    assert!(!t.contains("failed inside lockdesk"), "{t}");
    // The queue and the user pane open with them too.
    let q = Screen::new(&url).size(160, 40).run().await;
    assert!(q.contains("infinity (odd)"), "{q}");
    assert!(
        !q.contains("failed inside lockdesk") && !q.contains("no jobs match"),
        "{q}"
    );
    let u = Screen::new(&url).target(Target::User { id: 9 }).run().await;
    assert!(!u.contains("failed inside lockdesk"), "{u}");
    // The export has Postgres's own text, in the seed-rows shape.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lockdesk"))
        .args(["trace", ODD, "--json"])
        .env("DATABASE_URL", &url)
        .env("LOCKDESK_CONFIG_DIR", "/nonexistent-lockdesk-config")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let created: Vec<&str> = v["reconcile_jobs"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|j| j["created_at"].as_str())
        .collect();
    assert!(
        created.contains(&"infinity") && created.contains(&"-infinity"),
        "{created:?}"
    );
    assert!(
        created.iter().any(|c| c.starts_with("0001-01-01")),
        "{created:?}"
    );
    assert_eq!(v["reconcile_jobs"][0]["next_run_at"], "infinity");
    assert_eq!(v["app_audit"][0]["created_at"], "-infinity");
    assert_eq!(v["integration_logs"].as_array().unwrap().len(), 2);
}

const NULLS: &str = "0a110a110a110a110a110a110a110a11";

#[tokio::test]
async fn nulls_where_the_contract_promises_values_are_drawn_and_exported_as_null() {
    let url = demo_db().await;
    let pool = PgPool::connect(&url).await.unwrap();
    // A broker's schema may allow NULL anywhere but in ids.
    for (table, column) in [
        ("reconcile_jobs", "job_type"),
        ("reconcile_jobs", "status"),
        ("reconcile_jobs", "created_at"),
        ("integration_logs", "action"),
        ("integration_logs", "ok"),
        ("app_audit", "entity_type"),
        ("app_audit", "action"),
        ("doors", "name"),
        ("credentials", "pin_code"),
        ("credentials", "status"),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "ALTER TABLE {table} ALTER COLUMN {column} DROP NOT NULL, ALTER COLUMN {column} DROP DEFAULT"
        )))
        .execute(&pool)
        .await
        .unwrap();
    }
    for sql in [
        format!(
            "INSERT INTO reconcile_jobs (job_type, user_id, status, attempt_count, correlation_id, created_at, updated_at)
             VALUES (NULL, 9, NULL, -3, '{NULLS}', NULL, now()), ('reconcile_user', 9, 'done', 1, '{NULLS}', now(), now())"
        ),
        format!(
            "INSERT INTO integration_logs (action, correlation_id, created_at, lock_key, ok, provider_type, request_json)
             VALUES (NULL, '{NULLS}', now(), 'TTLOCK:28991110', NULL, 'TTLOCK', '\"just a string\"')"
        ),
        format!(
            "INSERT INTO app_audit (created_at, entity_type, entity_id, action, before_json, after_json, correlation_id)
             VALUES (now(), NULL, NULL, NULL, 'null', '[1, 2]', '{NULLS}')"
        ),
        "UPDATE doors SET name = NULL WHERE id = 2".to_string(),
        "UPDATE credentials SET pin_code = NULL, status = NULL WHERE user_id = 9".to_string(),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&pool).await.unwrap();
    }
    // The console starts (the doors load at start used to stop it) and
    // every pane opens with its neighbours.
    let t = Screen::new(&url)
        .target(Target::Trace { id: NULLS.into() })
        .size(160, 50)
        .run()
        .await;
    assert!(t.contains("its job_type is NULL"), "{t}");
    assert!(t.contains("its action is NULL"), "{t}");
    assert!(t.contains("reconcile_user"), "the neighbour job: {t}");
    assert!(
        !t.contains("failed inside lockdesk") && !t.contains("the query failed"),
        "{t}"
    );
    for target in [
        None,
        Some(Target::User { id: 9 }),
        Some(Target::Lock {
            key: "TTLOCK:28991110".into(),
        }),
    ] {
        let s = Screen::new(&url).target(target).run().await;
        assert!(
            !s.contains("failed inside lockdesk") && !s.contains("the query failed"),
            "{s}"
        );
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lockdesk"))
        .args(["trace", NULLS, "--json"])
        .env("DATABASE_URL", &url)
        .env("LOCKDESK_CONFIG_DIR", "/nonexistent-lockdesk-config")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let odd_job = v["reconcile_jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["attempt_count"] == -3)
        .expect("the odd job");
    assert!(
        odd_job["job_type"].is_null() && odd_job["status"].is_null(),
        "{odd_job}"
    );
    assert!(odd_job["created_at"].is_null(), "{odd_job}");
    assert!(v["integration_logs"][0]["action"].is_null());
    assert!(v["integration_logs"][0]["ok"].is_null());
    assert_eq!(v["integration_logs"][0]["request_json"], "just a string");
    assert!(v["app_audit"][0]["entity_type"].is_null());
    assert_eq!(v["app_audit"][0]["after_json"], serde_json::json!([1, 2]));
}

/// The URL of a new login role that reads every table of the database but
/// `tables` (the catalog stays visible, so the contract check passes).
async fn role_without(url: &str, tables: &[&str]) -> String {
    let pool = PgPool::connect(url).await.unwrap();
    let db: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(&pool)
        .await
        .unwrap();
    let role = format!("{db}_support");
    let mut sqls = vec![
        format!("CREATE ROLE {role} LOGIN"),
        format!("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}"),
    ];
    sqls.extend(
        tables
            .iter()
            .map(|t| format!("REVOKE SELECT ON {t} FROM {role}")),
    );
    for sql in sqls {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&pool)
            .await
            .unwrap();
    }
    let restricted = url.replacen("postgres@", &format!("{role}@"), 1);
    assert_ne!(restricted, url, "the test URL names its user");
    restricted
}

#[tokio::test]
async fn a_failing_statement_names_itself() {
    let url = demo_db().await;
    let restricted = role_without(&url, &["reconcile_jobs"]).await;
    let q = Screen::new(&restricted).size(200, 40).run().await;
    // The store names the statement that was refused, not the load's list.
    assert!(
        q.contains(
            "loading the job queue (jobs::page): the database refused the query: permission denied for table reconcile_jobs"
        ),
        "{q}"
    );
}

#[tokio::test]
async fn a_failed_load_says_in_its_pane_what_failed_and_how_to_retry() {
    let url = demo_db().await;
    // A support role that may not read the logs: the contract check passes
    // (the catalog is visible), the trace's log statement is refused.
    let restricted = role_without(&url, &["integration_logs", "app_audit"]).await;
    let t = Screen::new(&restricted)
        .target(Target::Trace {
            id: "e4792295".into(),
        })
        .run()
        .await;
    // The one statement that failed, not every statement of the load.
    assert!(
        t.contains("loading trace e4792295 (traces::resolve_exact):"),
        "{t}"
    );
    assert!(t.contains("permission denied for table"), "{t}");
    assert!(t.contains("<C-r> retries"), "{t}");
    assert!(!t.contains("Loading trace"), "never left pending: {t}");
    // The audit pane says it where its rows would be, whole (wrapped).
    let a = Screen::new(&restricted).keys("2").run().await;
    assert!(a.contains("permission denied for table app_audit"), "{a}");
    let tail = a
        .split("permission denied for table app_audit")
        .nth(1)
        .unwrap_or("");
    assert!(
        tail.contains("<C-r> retries"),
        "the message is wrapped, not cut: {a}"
    );
    // The queue, which needs no logs, still opens.
    let q = Screen::new(&restricted).run().await;
    assert!(
        q.contains("reconcile_user") && !q.contains("permission denied"),
        "{q}"
    );
    // Its header's failed-calls line (integration_logs) says where to look.
    assert!(
        q.contains("failed calls/min, last hour: could not be read (6 shows why)"),
        "{q}"
    );
}

/// A timestamp as Postgres reads it: any year it holds, or an infinity.
fn pg_time() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    prop_oneof![
        1 => Just("infinity".to_string()),
        1 => Just("-infinity".to_string()),
        20 => (1i64..=294_276, any::<bool>(), 1u32..=12, 1u32..=28, 0u32..24, 0u32..60, 0u32..60, 0u32..1_000_000)
            .prop_map(|(y, bc, mo, d, h, mi, s, us)| {
                // Postgres holds 4713 BC to 294276 AD.
                let (y, era) = if bc && y <= 4713 { (y, " BC") } else { (y, "") };
                format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.{us:06}+00{era}")
            }),
    ]
}

#[test]
fn time_decode_never_panics_and_keeps_what_postgres_wrote() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    // 100 values a batch: PROPTEST_CASES values in all (10,000 by default).
    let total: u32 = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let url = rt.block_on(demo_db());
    let pool = rt.block_on(PgPool::connect(&url)).unwrap();
    let mut runner = TestRunner::new(Config::with_cases((total / 100).max(1)));
    let batch = proptest::collection::vec(pg_time(), 100);
    let n = std::sync::atomic::AtomicU32::new(0);
    runner
        .run(&batch, |times| {
            let corr = format!("t1me{:028}", n.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
            rt.block_on(async {
                for t in &times {
                    sqlx::query("INSERT INTO integration_logs (action, correlation_id, created_at, ok) VALUES ('X', $1, $2::timestamptz, true)")
                        .bind(&corr)
                        .bind(t)
                        .execute(&pool)
                        .await
                        .unwrap();
                }
                let trace = traces::fetch(&pool, &corr).await.expect("every time decodes");
                prop_assert_eq!(trace.logs.len(), times.len());
                let want: Vec<(i64, String, Option<String>)> = sqlx::query_as(
                    "SELECT id, created_at::text, CASE WHEN isfinite(created_at) THEN (extract(epoch FROM created_at) * 1000000)::numeric(30,0)::text END
                     FROM integration_logs WHERE correlation_id = $1",
                )
                .bind(&corr)
                .fetch_all(&pool)
                .await
                .unwrap();
                for (id, text, micros) in want {
                    let l = trace.logs.iter().find(|l| l.id == id).unwrap();
                    match traces::odd_text(&l.odd, "created_at") {
                        // Odd: shown exactly as Postgres writes it.
                        Some(shown) => prop_assert_eq!(shown, text.as_str()),
                        // Held: the same instant, to the microsecond.
                        None => prop_assert_eq!(Some(l.created_at.timestamp_micros().to_string()), micros, "{}", text),
                    }
                }
                Ok(())
            })
        })
        .unwrap();
}
