// Rows of a production broker that are not the demo's: ids in other shapes,
// and what lockdesk does with them.

use sqlx::PgPool;

use crate::support::demo_db;
use lockdesk::store::traces::{self, Resolved};

const UPPER: &str = "A1B2C3D4E5F60718293A4B5C6D7E8F90";
const UUID: &str = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";
const UNDERSCORE: &str = "job_72_retry_2026";

async fn plant(pool: &PgPool) {
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
    plant(&pool).await;
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

#[tokio::test]
async fn a_row_that_breaks_the_decoder_fails_its_pane_instead_of_loading_forever() {
    let url = demo_db().await;
    let pool = PgPool::connect(&url).await.unwrap();
    // sqlx's timestamptz decode panics on infinity: the load task dies. Its
    // pane must say so (and how to retry), not wait forever.
    sqlx::query(
        "INSERT INTO reconcile_jobs (job_type, user_id, status, attempt_count, correlation_id, created_at, updated_at)
         VALUES ('reconcile_user', 9, 'failed', 1, 'beefbeefbeefbeefbeefbeefbeefbeef', 'infinity', now())",
    )
    .execute(&pool)
    .await
    .unwrap();
    let s = crate::console::screen(
        &url,
        Some(lockdesk::console::options::Target::Trace {
            id: "beefbeef".into(),
        }),
        "",
    )
    .await;
    assert!(
        s.contains("loading trace beefbeef failed inside lockdesk"),
        "{s}"
    );
    assert!(s.contains("<C-r> retries"), "{s}");
    assert!(!s.contains("Loading"), "{s}");
    // The queue holds that row too: its pane says the load failed, where
    // the rows would be, not "no jobs match".
    let q = crate::console::screen(&url, None, "").await;
    assert!(
        q.contains("loading the job queue failed inside lockdesk"),
        "{q}"
    );
    assert!(!q.contains("no jobs match"), "{q}");
}
