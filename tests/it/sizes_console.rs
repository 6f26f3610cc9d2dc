// Screens fit the terminal (issue 30 §3): the queue at four sizes. Its
// columns give way by priority — ID, STATUS and AGE never, ids and times
// never cut — and the free width goes to REASON and LAST ERROR.

use crate::support::{Screen, demo_db};

async fn queue(w: u16, h: u16) -> String {
    let url = demo_db().await;
    Screen::new(&url).size(w, h).run().await
}

fn heads(s: &str) -> &str {
    s.lines().find(|l| l.starts_with("ID ")).unwrap_or("")
}

#[tokio::test]
async fn job_queue_at_60x20() {
    let s = queue(60, 20).await;
    let h = heads(&s);
    for col in ["ID", "STATUS", "AGE"] {
        assert!(h.contains(col), "{col} in {h}\n{s}");
    }
    insta::assert_snapshot!(s);
}

#[tokio::test]
async fn job_queue_at_100x30() {
    let s = queue(100, 30).await;
    let h = heads(&s);
    for col in ["ID", "STATUS", "AGE", "LAST ERROR", "REASON"] {
        assert!(h.contains(col), "{col} in {h}\n{s}");
    }
    assert!(s.contains("showing: all jobs"), "{s}");
    insta::assert_snapshot!(s);
}

#[tokio::test]
async fn job_queue_at_100x30_keeps_its_filter_in_view() {
    let url = demo_db().await;
    let s = Screen::new(&url)
        .keys(":jobs failed<Enter>/gateway<Enter>")
        .size(100, 30)
        .run()
        .await;
    assert!(s.contains("showing: status=failed  /gateway"), "{s}");
    assert!(heads(&s).contains("LAST ERROR"), "{s}");
}

#[tokio::test]
async fn job_queue_at_160x45() {
    insta::assert_snapshot!(queue(160, 45).await);
}

#[tokio::test]
async fn job_queue_at_220x60() {
    let s = queue(220, 60).await;
    for col in ["TYPE", "USER", "REASON", "ATT", "NEXT RUN", "LAST ERROR"] {
        assert!(heads(&s).contains(col), "{col}\n{s}");
    }
    insta::assert_snapshot!(s);
}

#[tokio::test]
async fn drift_jobs_name_their_lock_and_keep_their_reason_whole_at_220() {
    let url = demo_db().await;
    // A drift job a minute old, with the reason the console writes.
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    sqlx::query(
        "INSERT INTO reconcile_jobs (id, job_type, user_id, reason, status, attempt_count, last_error, correlation_id, created_at, updated_at, payload)
         VALUES (40000002, 'drift_enforce_lock_truth', 0, 'scheduled drift_enforce TTLOCK 28991110 door:2', 'failed', 1,
                 'TTLock errcode -3002: gateway offline', 'c0ffee00c0ffee00c0ffee00c0ffee01',
                 $1::timestamptz - interval '1 minute', $1::timestamptz - interval '1 minute',
                 '{\"door_id\": 2, \"provider_type\": \"TTLOCK\", \"external_id\": \"28991110\"}')",
    )
    .bind(lockdesk::demo::world::fixed_now())
    .execute(&pool)
    .await
    .unwrap();
    let s = Screen::new(&url)
        .keys("/drift<Enter>")
        .size(220, 60)
        .run()
        .await;
    assert!(heads(&s).contains("LOCK"), "{s}");
    let row = s
        .lines()
        .find(|l| l.starts_with('#') && l.contains("drift_enforce"))
        .unwrap_or_else(|| panic!("no drift job:\n{s}"));
    assert!(
        row.contains("TTLOCK:") || row.contains("DOORDECK:"),
        "{row}"
    );
    // REASON is not cut at 220 columns (it was at 30 characters).
    assert!(!s.contains("TTLOC…"), "{s}");
}
