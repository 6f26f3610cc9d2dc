// The Pulse pane on the demo world's incident (issue 31 §1): `6` opens it,
// the offline-gateway outage's group comes first, the hour's failed TTLock
// calls rise in the sparkline's values; its screen as text and in colour;
// the queue header's line of failed calls per minute, from the same read.

use std::time::Duration;

use lockdesk::demo::world::{OUTAGE_JOBS, fixed_now};

use crate::support::{Screen, demo_db};

/// The final screen after `keys`: as text, and in colour (ANSI).
async fn run(url: &str, keys: &str, size: (u16, u16)) -> (String, String) {
    Screen::new(url)
        .keys(keys)
        .size(size.0, size.1)
        .wait(Duration::from_secs(20))
        .run_text_and_ansi()
        .await
}

#[tokio::test]
async fn pulse_pane() {
    let url = demo_db().await;
    let (text, ansi) = run(&url, "6", (140, 45)).await;
    assert!(text.contains(" Pulse "), "{text}");
    insta::assert_snapshot!("pulse_pane", text);
    insta::assert_snapshot!("pulse_pane_color", ansi);
}

#[tokio::test]
async fn pulse_shows_the_outage_first() {
    let url = demo_db().await;
    // The data the pane holds: the same reads, at the same pinned clock.
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let mut conn = pool.acquire().await.unwrap();
    let read = lockdesk::store::pulse::read(&mut conn, Some(fixed_now()), true)
        .await
        .unwrap();
    let rates = read.rates();
    let ttlock = rates
        .providers
        .first()
        .expect("a provider's calls in the last hour");
    assert_eq!(ttlock.name, "TTLOCK", "the most failures first");
    // Its rise: the outage's retries pile up, so the last half hour fails
    // more per minute than the hour's first quarter, and the peak is late.
    let f = &ttlock.failed;
    assert_eq!(f.len(), 60);
    let early: u64 = f[..15].iter().sum();
    let late: u64 = f[30..].iter().sum();
    assert!(late / 30 > early / 15, "no rise in {f:?}");
    let peak_at = f
        .iter()
        .enumerate()
        .max_by_key(|(i, v)| (**v, *i))
        .map(|(i, _)| i)
        .unwrap();
    assert!(peak_at >= 30, "the peak is in the last half hour: {f:?}");
    assert_eq!(
        rates.failed_calls.iter().sum::<u64>(),
        rates
            .providers
            .iter()
            .map(|s| s.failed.iter().sum::<u64>())
            .sum::<u64>(),
        "the header's line sums the providers"
    );
    let detail = read.detail.expect("the whole Pulse");
    assert!(
        detail
            .locks_failing
            .iter()
            .any(|l| l.lock_key.starts_with("TTLOCK:")),
        "{:?}",
        detail.locks_failing
    );
    let t = lockdesk::store::groups::troubled(&mut conn, 24 * 3600, 900, Some(fixed_now()))
        .await
        .unwrap();
    let groups =
        lockdesk::groups::incident::build(&t.jobs, fixed_now(), chrono::Duration::hours(24));
    let first = &groups[0];
    // (The outage's 300, and a few older jobs of the same cause.)
    assert!(first.count >= OUTAGE_JOBS as usize, "the outage first");
    assert_eq!(
        first.fingerprint.code,
        Some(lockdesk::groups::fingerprint::Code::Errcode(-3002))
    );
    // On screen: the same group first, under the cursor, with its count;
    // the sparkline drawn; Enter opens it in the queue's groups view.
    let (text, _) = run(&url, "6", (140, 45)).await;
    let lines: Vec<&str> = text.lines().collect();
    let top = lines
        .iter()
        .position(|l| l.contains("TOP ERROR GROUPS"))
        .expect("the groups");
    assert!(lines[top + 1].contains('▶'), "{text}");
    assert!(lines[top + 1].contains("-3002"), "{text}");
    assert!(
        lines[top + 1].contains(&format!(" {} ", first.count)),
        "{text}"
    );
    let failed = lines
        .iter()
        .position(|l| l.contains("FAILED CALLS / MIN"))
        .expect("the failed calls");
    assert!(lines[failed + 1].contains("TTLOCK"), "{text}");
    assert!(lines[failed + 1].contains('█'), "{text}");
    let (opened, _) = run(&url, "6<Enter>", (200, 45)).await;
    assert!(opened.contains("error groups"), "{opened}");
    let chosen = opened
        .lines()
        .find(|l| l.contains("-3002"))
        .unwrap_or_default();
    assert!(chosen.contains(&first.count.to_string()), "{opened}");
}

#[tokio::test]
async fn job_queue_header_draws_failed_calls_per_minute() {
    let url = demo_db().await;
    let (text, _) = run(&url, "", (140, 30)).await;
    let line = text
        .lines()
        .find(|l| l.contains("failed/min"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(line.contains("peak"), "{line}");
    assert!(line.contains('█'), "{line}");
}

/// The timer's read of the newest minutes, merged into the hour held,
/// counts what a whole read at the same moment counts.
#[tokio::test]
async fn the_newest_minutes_merged_equal_the_whole_hour() {
    use lockdesk::pulse::hour::{self, HourRead};
    let url = demo_db().await;
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let mut conn = pool.acquire().await.unwrap();
    // As the server's own clock would say (pinned only to be reproducible).
    async fn read(
        conn: &mut sqlx::PgConnection,
        at: chrono::DateTime<chrono::Utc>,
        since: Option<i64>,
    ) -> HourRead {
        let r = lockdesk::store::pulse::minutes(conn, Some(at), since)
            .await
            .unwrap();
        HourRead { pinned: None, ..r }
    }
    let t1 = fixed_now();
    for back in [7 * 60, 290, 125, 61, 20] {
        let t0 = t1 - chrono::Duration::seconds(back);
        let held = hour::merge(None, read(&mut conn, t0, None).await).unwrap();
        let Some(since) = hour::plan(Some(&held), None, t1, None) else {
            // Five minutes after a whole read, the next is whole again.
            assert!(back >= 5 * 60, "{back} s before: a tail read");
            continue;
        };
        let newest = read(&mut conn, t1, Some(since)).await;
        assert!(newest.rows.iter().all(|r| r.minute >= since));
        assert!(
            newest.rows.len() < held.rows.len() / 4,
            "a few minutes' groups"
        );
        let merged = hour::merge(Some(held), newest).unwrap();
        let whole = hour::merge(None, read(&mut conn, t1, None).await).unwrap();
        assert!(!whole.rows.is_empty());
        // The same groups (in whatever order each read grouped them), and
        // so the same lines drawn.
        let groups = |h: &hour::Hour| {
            let mut g: Vec<String> = h.rows.iter().map(|r| format!("{r:?}")).collect();
            g.sort();
            g
        };
        assert_eq!(groups(&merged), groups(&whole), "{back} s before");
        let rates = |h: &hour::Hour| lockdesk::pulse::bucket(&h.rows, h.minute());
        assert_eq!(rates(&merged), rates(&whole), "{back} s before");
    }
}

/// A row that becomes visible after the first read, timed minutes before
/// it (a long transaction's `now()`, or a standby's lag), is counted by the
/// next timer read: merged equals whole. (Re-reading only from the minute
/// before the newest held missed it.)
#[tokio::test]
async fn a_row_visible_late_is_counted_by_the_next_read() {
    use lockdesk::pulse::hour::{self, HourRead};
    let url = demo_db().await;
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let mut conn = pool.acquire().await.unwrap();
    async fn read(
        conn: &mut sqlx::PgConnection,
        at: chrono::DateTime<chrono::Utc>,
        since: Option<i64>,
    ) -> HourRead {
        let r = lockdesk::store::pulse::minutes(conn, Some(at), since)
            .await
            .unwrap();
        HourRead { pinned: None, ..r }
    }
    let t1 = fixed_now();
    let t0 = t1 - chrono::Duration::seconds(20);
    let held = hour::merge(None, read(&mut conn, t0, None).await).unwrap();
    // Committed after the first read, timed three minutes before it.
    sqlx::query(
        "INSERT INTO integration_logs (action, correlation_id, created_at, lock_key, external_id, ok, provider_type, request_json)
         VALUES ('TTLOCK_ADD_PIN', 'a0000000000000000000000000000009', $1, 'TTLOCK:28991110', '28991110', false, 'TTLOCK', '{}')",
    )
    .bind(t0 - chrono::Duration::minutes(3))
    .execute(&pool)
    .await
    .unwrap();
    let since = hour::plan(Some(&held), None, t1, None).expect("a tail read");
    let merged = hour::merge(Some(held.clone()), read(&mut conn, t1, Some(since)).await).unwrap();
    let whole = hour::merge(None, read(&mut conn, t1, None).await).unwrap();
    assert_ne!(
        held.rows, whole.rows,
        "the late row counts in the whole read"
    );
    let groups = |h: &hour::Hour| {
        let mut g: Vec<String> = h.rows.iter().map(|r| format!("{r:?}")).collect();
        g.sort();
        g
    };
    assert_eq!(groups(&merged), groups(&whole));
}
