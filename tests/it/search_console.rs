// `/` on every pane, honest about what it searched (issue 30 §1): a trace of
// 3,000 logs searched in place with `n`/`N` and a count, the empty results
// of the lock and audit panes in words, and `S` running the queue's search
// in the database over the last 24 h (refused without its pg_trgm indexes).

use lockdesk::console::options::Target;
use sqlx::PgPool;

use crate::support::{Screen, demo_db};

const BIG: &str = "b16b16b16b16b16b16b16b16b16b16b1";

/// A trace of 3,000 logs on door 2's lock, one a second before the demo's
/// clock; every 250th is a failed delete of `AB U9 C6` (12 in all).
async fn plant_big_trace(pool: &PgPool) {
    sqlx::query(
        "INSERT INTO integration_logs (id, action, correlation_id, created_at, lock_key, ok, provider_type, door_id, door_name, error_message, request_json, response_json)
         SELECT 30000000 + i,
                CASE WHEN i % 250 = 0 THEN 'PASSCODE_DELETE' ELSE 'PASSCODE_LIST' END,
                $1, $2::timestamptz - (3000 - i) * interval '1 second', 'TTLOCK:28991110',
                i % 250 <> 0, 'TTLOCK', 2, 'ttlock',
                CASE WHEN i % 250 = 0 THEN 'delete of AB U9 C6 refused: errcode -3002' END,
                '{}', '{}'
           FROM generate_series(1, 3000) AS i",
    )
    .bind(BIG)
    .bind(lockdesk::demo::world::fixed_now())
    .execute(pool)
    .await
    .unwrap();
}

#[tokio::test]
async fn trace_search_of_3000_logs_marks_and_counts_its_matches() {
    let url = demo_db().await;
    let pool = PgPool::connect(&url).await.unwrap();
    plant_big_trace(&pool).await;
    let s = Screen::new(&url)
        .target(Target::Trace { id: BIG.into() })
        .keys("/u9 c6<Enter>")
        .size(160, 45)
        .run()
        .await;
    assert!(s.contains("/u9 c6: match 1 of 12 in the 3,000 log"), "{s}");
    insta::assert_snapshot!(s);
}

#[tokio::test]
async fn n_and_shift_n_move_between_trace_matches() {
    let url = demo_db().await;
    let pool = PgPool::connect(&url).await.unwrap();
    plant_big_trace(&pool).await;
    let run = |keys: &'static str| {
        Screen::new(&url)
            .target(Target::Trace { id: BIG.into() })
            .keys(keys)
            .size(160, 45)
            .run()
    };
    let s = run("/u9 c6<Enter>nn").await;
    assert!(s.contains("match 3 of 12"), "{s}");
    let s = run("/u9 c6<Enter>nnN").await;
    assert!(s.contains("match 2 of 12"), "{s}");
    // Back from the first wraps to the last.
    let s = run("/u9 c6<Enter>N").await;
    assert!(s.contains("match 12 of 12"), "{s}");
    // Nothing matching: the count says what was searched.
    let s = run("/nothing-like-this<Enter>").await;
    assert!(s.contains("0 matches in the 3,000 log"), "{s}");
}

#[tokio::test]
async fn an_empty_lock_or_audit_search_says_what_it_searched() {
    let url = demo_db().await;
    let s = Screen::new(&url)
        .keys(":door 3<Enter>/U9 C6<Enter>")
        .size(160, 45)
        .run()
        .await;
    assert!(
        s.contains("no loaded log of this lock matches \"U9 C6\""),
        "{s}"
    );
    assert!(s.contains("S searches"), "{s}");
    assert!(!s.contains("no integration logs for this lock"), "{s}");
    let s = Screen::new(&url)
        .keys("2/zz-no-such-row<Enter>")
        .size(160, 45)
        .run()
        .await;
    assert!(
        s.contains("no loaded audit row matches \"zz-no-such-row\" (searched"),
        "{s}"
    );
    assert!(!s.contains("  no audit rows"), "{s}");
    // The queue says how many loaded rows it searched.
    let s = Screen::new(&url).keys("/gateway<Enter>").run().await;
    assert!(s.contains("of the 200 jobs loaded)"), "{s}");
}

/// A failed job 20 h before the demo's clock: older than every job the
/// queue loads first.
async fn plant_old_job(pool: &PgPool) {
    sqlx::query(
        "INSERT INTO reconcile_jobs (id, job_type, user_id, reason, status, attempt_count, last_error, correlation_id, created_at, updated_at, payload)
         VALUES (40000001, 'drift_enforce_lock_truth', 0, 'scheduled drift_enforce', 'failed', 1,
                 'TTLock errcode -4043: xyzzy firmware refused', 'c0ffee00c0ffee00c0ffee00c0ffee00',
                 $1::timestamptz - interval '20 hours', $1::timestamptz - interval '20 hours',
                 '{\"door_id\": 2, \"provider_type\": \"TTLOCK\", \"external_id\": \"28991110\"}')",
    )
    .bind(lockdesk::demo::world::fixed_now())
    .execute(pool)
    .await
    .unwrap();
}

#[tokio::test]
async fn the_database_search_finds_a_job_outside_the_loaded_window() {
    let url = demo_db().await;
    let pool = PgPool::connect(&url).await.unwrap();
    plant_old_job(&pool).await;
    let s = Screen::new(&url).keys("/xyzzy<Enter>").run().await;
    assert!(s.contains("no loaded job matches \"xyzzy\""), "{s}");
    let s = Screen::new(&url)
        .keys("/xyzzy<Enter>S")
        .size(160, 45)
        .run()
        .await;
    assert!(
        s.contains("database: 1 job of the last 24 h with \"xyzzy\" in last error or reason"),
        "{s}"
    );
    let row = s
        .lines()
        .find(|l| l.starts_with("#40000001 "))
        .unwrap_or_else(|| panic!("no row of the old job:\n{s}"));
    assert!(
        row.contains("TTLOCK:28991110") && row.contains("xyzzy"),
        "{row}"
    );
    // Esc goes back to the loaded queue.
    let s = Screen::new(&url).keys("/xyzzy<Enter>S<Esc>").run().await;
    assert!(!s.contains("#40000001"), "{s}");
    assert!(s.contains("showing: all jobs"), "{s}");
}

#[tokio::test]
async fn the_database_search_is_refused_without_its_index() {
    let url = demo_db().await;
    let pool = PgPool::connect(&url).await.unwrap();
    plant_old_job(&pool).await;
    sqlx::query("DROP INDEX reconcile_jobs_last_error_trgm_idx")
        .execute(&pool)
        .await
        .unwrap();
    let s = Screen::new(&url)
        .keys("/xyzzy<Enter>S")
        .size(220, 45)
        .run()
        .await;
    assert!(
        s.contains("not searched: without the pg_trgm indexes reconcile_jobs_last_error_trgm_idx"),
        "{s}"
    );
    assert!(!s.contains("#40000001"), "{s}");
    // `db check` names it, with the statement that adds it.
    let out = crate::support::lockdesk(&["db", "check"], Some(&url));
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        text.contains("reconcile_jobs_last_error_trgm_idx ON reconcile_jobs USING gin (lower(last_error) gin_trgm_ops)"),
        "{text}"
    );
}

#[tokio::test]
async fn the_user_picker_is_searched_itself_not_the_pane_behind() {
    let url = demo_db().await;
    let s = Screen::new(&url)
        .keys(":user ma<Enter>/okafor<Enter>")
        .size(160, 45)
        .run()
        .await;
    assert!(
        s.contains("/okafor: match 1 of 2 in the 20 users listed"),
        "{s}"
    );
    // Enter opens the match.
    let s = Screen::new(&url)
        .keys(":user ma<Enter>/okafor<Enter><Enter>")
        .size(160, 45)
        .run()
        .await;
    assert!(s.contains("User 9 Maya Okafor"), "{s}");
}
