// A revealed value never goes to a file: too long for the terminal's
// clipboard (and no system clipboard), the reveal is refused before anything
// is read out or recorded, nothing is written anywhere, and it stays armed.
// A reveal that can go somewhere lets exactly one copy through, recorded.

use lockdesk::console::options::Target;
use sqlx::PgPool;

use crate::support::Screen;
use crate::support::demo_db;

use super::{TRACE, plant_canaries};

#[tokio::test]
async fn a_reveal_that_could_only_go_to_a_file_is_refused_and_stays_armed() {
    let db = demo_db().await;
    let pool = PgPool::connect(&db).await.unwrap();
    // A job whose payload holds a secret and is longer than OSC 52 takes.
    let secret = "LDCANARY-big-reveal-secret";
    let filler = "x".repeat(lockdesk::clipboard::OSC52_MAX + 10);
    let job: i64 = sqlx::query_scalar(
        "INSERT INTO reconcile_jobs (job_type, user_id, reason, status, attempt_count, payload, created_at, updated_at) \
         VALUES ('reconcile_user', 9, 'big', 'failed', 1, jsonb_build_object('password', $1::text, 'filler', $2::text), now(), now()) RETURNING id",
    )
    .bind(secret)
    .bind(&filler)
    .fetch_one(&pool)
    .await
    .unwrap();
    // Where a copy too large for the terminal would otherwise be written:
    // no file there may hold the secret (other tests may write copies).
    let leaked_to_a_file = || {
        std::fs::read_dir(lockdesk::logging::state_dir().unwrap())
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter(|e| e.file_name().to_string_lossy().starts_with("copy-"))
                    .any(|e| std::fs::read_to_string(e.path()).is_ok_and(|t| t.contains(secret)))
            })
            .unwrap_or(false)
    };
    let (screen, copies) = Screen::new(&db)
        .target(Target::Job { id: job })
        .keys(":reveal 10m INC-9 customer asked<Enter>y")
        .size(240, 45)
        .run_with_copies()
        .await;
    assert!(screen.contains("never goes to a file"), "{screen}");
    assert!(screen.contains("still armed"), "{screen}");
    assert!(
        copies.iter().all(|c| !c.contains(secret)),
        "nothing unmasked was copied"
    );
    let records: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM app_audit WHERE entity_type = 'Session' AND action = 'reveal'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(records, 0, "nothing was read out, so nothing is recorded");
    assert!(!leaked_to_a_file(), "a copy file holds the revealed value");
    // Still armed: the next y on a small row reveals it.
    let (screen, copies) = Screen::new(&db)
        .target(Target::Job { id: job })
        .keys(":reveal 10m INC-9 customer asked<Enter>yjy")
        .size(240, 45)
        .run_with_copies()
        .await;
    assert_eq!(
        copies.len(),
        1,
        "the next row's reveal was copied: {screen}"
    );
    let records: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM app_audit WHERE entity_type = 'Session' AND action = 'reveal'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        records, 1,
        "the reveal, still armed, was spent on the next row: {screen}"
    );
}

#[tokio::test]
async fn reveal_lets_exactly_one_copy_through_and_records_it() {
    let db = demo_db().await;
    let pool = PgPool::connect(&db).await.unwrap();
    let secrets = plant_canaries(&pool).await;
    let job: i64 = sqlx::query_scalar("SELECT id FROM reconcile_jobs WHERE correlation_id = $1")
        .bind(TRACE)
        .fetch_one(&pool)
        .await
        .unwrap();
    let (screen, copies) = Screen::new(&db)
        .target(Target::Job { id: job })
        .keys(":reveal 10m INC-4242 customer asked<Enter>Myy")
        .size(160, 45)
        .run_with_copies()
        .await;
    assert_eq!(copies.len(), 3, "{screen}");
    let leaked = |text: &str| secrets.iter().filter(|s| text.contains(s.as_str())).count();
    assert_eq!(leaked(&copies[0]), 0, "Markdown stays masked while armed");
    assert_eq!(
        leaked(&copies[1]),
        4,
        "the revealed job, whole: {}",
        copies[1]
    );
    assert_eq!(leaked(&copies[2]), 0, "the reveal is spent after one copy");
    assert_eq!(leaked(&screen), 0, "never on the screen: {screen}");
    let records: Vec<(Option<String>, serde_json::Value)> = sqlx::query_as(
        "SELECT actor, after_json FROM app_audit WHERE entity_type = 'Session' AND action = 'reveal'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(records.len(), 1, "one record per reveal");
    let (actor, after) = &records[0];
    assert_eq!(actor.as_deref(), Some("alice"));
    assert_eq!(after["reason"], "INC-4242 customer asked");
    assert_eq!(after["revealed"], format!("job #{job}"));
    assert!(after["os_user"].as_str().is_some_and(|u| !u.is_empty()));
    // A reveal that runs out copies nothing unmasked; too long is refused.
    let (screen, _) = Screen::new(&db)
        .keys(":reveal 2h x<Enter>")
        .size(160, 45)
        .run_with_copies()
        .await;
    assert!(screen.contains("a reveal lasts at most 1 hour"), "{screen}");
}
