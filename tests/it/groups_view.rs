// The Jobs pane's error groups on the demo world's incident: `e` shows the
// 300-job offline-gateway outage first, `y` copies it as `groups --json`
// prints it, Enter lists exactly its jobs; and the view at 160×45.

use std::time::Duration;

use lockdesk::demo::world::{BACK_ONLINE, OUTAGE_JOBS, TOKEN_JOBS};

use crate::support::{Screen, demo_db};

/// The final screen and the copies (OSC 52 payloads) after `keys`.
async fn run(url: &str, keys: &str, size: (u16, u16)) -> (String, Vec<String>) {
    Screen::new(url)
        .keys(keys)
        .size(size.0, size.1)
        .wait(Duration::from_secs(20))
        .run_with_copies()
        .await
}

/// The first group line under the column heads.
fn first_group(screen: &str) -> &str {
    let mut lines = screen.lines().skip_while(|l| !l.contains("COUNT"));
    lines.nth(1).unwrap_or("")
}

#[tokio::test]
async fn e_shows_the_outage_group_first_with_count_300() {
    let url = demo_db().await;
    let (s, copies) = run(&url, "ey", (160, 45)).await;
    let first = first_group(&s);
    assert!(first.contains("-3002"), "{first}\n{s}");
    assert!(s.contains("Job queue error groups"), "{s}");
    // The storm is flagged in the header.
    assert!(s.contains("RETRY STORM"), "{s}");
    // `y` copies the group as `lockdesk groups --json` prints it.
    let v: serde_json::Value = serde_json::from_str(copies.last().expect("a copy")).unwrap();
    assert_eq!(v["meaning"], "gateway offline");
    // All 300 outage jobs (the newest ids but the token failures and the
    // jobs done since), and the demo's 3 earlier -3002 failures: 303.
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let ids: Vec<i64> = v["job_ids"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(serde_json::Value::as_i64)
        .collect();
    let outage: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM reconcile_jobs ORDER BY id DESC OFFSET $1 LIMIT $2")
            .bind(TOKEN_JOBS + BACK_ONLINE as i64)
            .bind(OUTAGE_JOBS)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(outage.len(), 300);
    assert!(outage.iter().all(|i| ids.contains(i)), "{v}");
    assert_eq!(v["count"], 303, "{v}");
    assert!(first.trim_start().starts_with("303 "), "{first}\n{s}");
}

#[tokio::test]
async fn enter_on_the_outage_group_lists_exactly_its_jobs() {
    let url = demo_db().await;
    let (s, _) = run(&url, "e<Enter>", (160, 45)).await;
    assert!(
        s.contains("the 303 jobs of TTLOCK PASSCODE_ADD errcode -3002"),
        "{s}"
    );
    // Every listed row failed with the outage's error; none of the token's.
    let rows: Vec<&str> = s
        .lines()
        .skip_while(|l| !l.contains("LAST ERROR"))
        .skip(1)
        .take_while(|l| l.trim_start().starts_with('#'))
        .collect();
    assert!(rows.len() > 10, "{s}");
    assert!(rows.iter().all(|r| r.contains("-3002")), "{s}");
    // The selected job's detail starts with why it failed.
    assert!(s.contains("│why Failed"), "{s}");
    // Esc: the groups again.
    let (s, _) = run(&url, "e<Enter><Esc>", (160, 45)).await;
    assert!(s.contains("Job queue error groups"), "{s}");
}

#[tokio::test]
async fn groups_view_snapshot() {
    let url = demo_db().await;
    let (s, _) = run(&url, "e", (160, 45)).await;
    insta::assert_snapshot!("groups_view", s);
}

#[tokio::test]
async fn a_stuck_jobs_detail_says_why_from_its_logs() {
    let url = demo_db().await;
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let stuck: i64 = sqlx::query_scalar(
        "SELECT id FROM reconcile_jobs WHERE status = 'running' AND user_id = 42 ORDER BY created_at LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    // `:jobs stuck` lists it; opening it reads its logs with the detail.
    let (s, _) = run(&url, ":jobs stuck<Enter>", (160, 45)).await;
    assert!(s.contains(&format!("#{stuck}")), "{s}");
    let (s, _) = run(&url, &format!(":job {stuck}<Enter>"), (160, 45)).await;
    assert!(s.contains("│why Stuck: reconcile_user started 3 h"), "{s}");
    assert!(s.contains("no log for 3 h"), "{s}");
}

#[tokio::test]
async fn the_storm_read_flags_the_outage_in_the_header_without_e() {
    let url = demo_db().await;
    // No key pressed: the groups view was never read, only the counts' pace.
    let (s, _) = run(&url, "", (160, 45)).await;
    let header = s.lines().find(|l| l.contains("Job queue")).unwrap_or("");
    assert!(!header.contains("error groups"), "{s}");
    assert!(header.contains("RETRY STORM"), "{header}\n{s}");
    assert!(header.contains("e opens it"), "{header}");
}
