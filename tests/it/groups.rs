// Error groups end to end on the demo's incident: `lockdesk groups --json`,
// the guarded group retry, and `lockdesk job <id> --json` with its why.

use chrono::{DateTime, Utc};
use lockdesk::demo::world::{BACK_ONLINE, OUTAGE_JOBS, TOKEN_JOBS, fixed_now};
use lockdesk::engine::{self, Operator};
use serde_json::Value;
use sqlx::PgPool;

use crate::support::demo_db;
use crate::support::lockdesk;

const NOW: &str = "2026-11-20T15:30:00Z";

/// The incident's job ids: (outage, token), from the newest ids down.
async fn incident(pool: &PgPool) -> (Vec<i64>, Vec<i64>) {
    let n = OUTAGE_JOBS + TOKEN_JOBS + BACK_ONLINE as i64;
    let mut rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, status FROM reconcile_jobs ORDER BY id DESC LIMIT $1")
            .bind(n)
            .fetch_all(pool)
            .await
            .unwrap();
    rows.reverse();
    let outage = &rows[..OUTAGE_JOBS as usize];
    let online = &rows[OUTAGE_JOBS as usize..OUTAGE_JOBS as usize + BACK_ONLINE];
    let token = &rows[OUTAGE_JOBS as usize + BACK_ONLINE..];
    assert!(
        outage
            .iter()
            .chain(token)
            .all(|r| r.1 == "failed" || r.1 == "dead"),
        "{rows:?}"
    );
    assert!(online.iter().all(|r| r.1 == "done"), "{online:?}");
    let ids = |r: &[(i64, String)]| r.iter().map(|r| r.0).collect::<Vec<_>>();
    (ids(outage), ids(token))
}

fn group_of(groups: &[Value], id: i64) -> &Value {
    groups
        .iter()
        .find(|g| {
            g["job_ids"]
                .as_array()
                .unwrap()
                .iter()
                .any(|j| j.as_i64() == Some(id))
        })
        .unwrap_or_else(|| panic!("job {id} is in no group"))
}

#[tokio::test]
async fn groups_json_puts_the_outage_in_one_group_and_the_token_failures_in_another() {
    let url = demo_db().await;
    let pool = PgPool::connect(&url).await.unwrap();
    let (outage, token) = incident(&pool).await;
    let out = lockdesk(&["groups", "--json", "--now", NOW], Some(&url));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let groups: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let g = group_of(&groups, outage[0]);
    for id in &outage {
        assert!(
            std::ptr::eq(group_of(&groups, *id), g),
            "outage job {id} elsewhere"
        );
    }
    assert_eq!(
        g["fingerprint"],
        "TTLOCK PASSCODE_ADD errcode -3002: gateway offline"
    );
    assert_eq!(g["meaning"], "gateway offline");
    assert!(g["count"].as_u64().unwrap() >= 300, "{}", g["count"]);
    assert_eq!(g["sites"], serde_json::json!([1, 2]));
    assert!(g["locks"].as_array().unwrap().len() > 10, "{}", g["locks"]);
    assert_eq!(g["per_hour"].as_array().unwrap().len(), 24);
    for k in ["first_seen", "last_seen", "statuses", "sample_job_id"] {
        assert!(!g[k].is_null(), "{k}");
    }
    let t = group_of(&groups, token[0]);
    assert!(!std::ptr::eq(t, g));
    for id in &token {
        assert!(
            std::ptr::eq(group_of(&groups, *id), t),
            "token job {id} elsewhere"
        );
    }
    assert_eq!(
        t["fingerprint"],
        "TTLOCK PASSCODE_ADD errcode 10004: invalid grant: token invalid, expired or revoked"
    );
    // (The world already had one HQ job dead of an expired token: it joins.)
    assert!(
        t["sites"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!(2))
    );
    // The biggest group first; the text form flags the storm.
    assert!(std::ptr::eq(&groups[0], g));
    let out = lockdesk(&["groups", "--now", NOW], Some(&url));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("RETRY STORM: "), "{text}");
    assert!(text.contains("(gateway offline)"), "{text}");
    // A window after the incident holds none of it; a bad window is refused.
    let out = lockdesk(
        &[
            "groups",
            "--json",
            "--since",
            "1h",
            "--now",
            "2026-11-21T18:00:00Z",
        ],
        Some(&url),
    );
    let early: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(early.iter().all(|g| {
        g["job_ids"]
            .as_array()
            .unwrap()
            .iter()
            .all(|j| !outage.contains(&j.as_i64().unwrap()))
    }));
    let out = lockdesk(&["groups", "--since", "40d"], Some(&url));
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test]
async fn group_retry_is_guarded_and_exact() {
    let url = demo_db().await;
    let pool = PgPool::connect(&url).await.unwrap();
    let (_, token) = incident(&pool).await;
    let mut conn = pool.acquire().await.unwrap();
    let now: DateTime<Utc> = NOW.parse().unwrap();
    let t = lockdesk::store::groups::troubled(&mut conn, 86_400, 900, Some(now))
        .await
        .unwrap();
    drop(conn);
    let groups = lockdesk::groups::incident::build(&t.jobs, now, chrono::Duration::hours(24));
    let group = groups
        .iter()
        .find(|g| g.members.iter().any(|m| m.id == token[0]))
        .unwrap();
    let guards = group.retry_guards();
    assert!(guards.len() >= token.len());
    // Between listing and confirming, a worker touches one of them.
    let moved = guards[1].job;
    sqlx::query(
        "UPDATE reconcile_jobs SET updated_at = updated_at + interval '1 second' WHERE id = $1",
    )
    .bind(moved)
    .execute(&pool)
    .await
    .unwrap();
    let queued = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM reconcile_jobs WHERE status = 'queued'")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let before = queued().await;
    let op = Operator {
        name: "olivia".into(),
        reason: Some("token renewed, INC-7".into()),
        write: true,
        source: "console",
    };
    let sum = engine::retry_listed(&pool, &op, &guards).await;
    let status_now: String = sqlx::query_scalar("SELECT status FROM reconcile_jobs WHERE id = $1")
        .bind(moved)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(sum.changed, vec![(moved, status_now)], "{sum:?}");
    assert!(sum.failed.is_empty(), "{sum:?}");
    let mut want: Vec<i64> = guards
        .iter()
        .map(|g| g.job)
        .filter(|j| *j != moved)
        .collect();
    let mut got = sum.retried.clone();
    want.sort_unstable();
    got.sort_unstable();
    assert_eq!(got, want);
    assert_eq!(
        queued().await,
        before + want.len() as i64,
        "exactly the listed jobs"
    );
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM app_audit WHERE entity_type = 'ReconcileJob' AND action = 'retry' AND entity_id = ANY($1)",
    )
    .bind(&want)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(audited, want.len() as i64);
    assert!(
        sum.line().starts_with(&format!(
            "retried {}, changed meanwhile 1, failed 0",
            want.len()
        )),
        "{}",
        sum.line()
    );
    // Read-only: the first is refused by Postgres, the rest not tried.
    let ro = Operator { write: false, ..op };
    let sum = engine::retry_listed(&pool, &ro, &guards).await;
    assert!(sum.retried.is_empty() && sum.failed.len() == 1, "{sum:?}");
    assert_eq!(sum.not_tried, guards.len() - 1);
}

#[tokio::test]
async fn job_json_has_attempts_errors_fingerprint_why_and_findings() {
    let url = demo_db().await;
    let pool = PgPool::connect(&url).await.unwrap();
    let (outage, _) = incident(&pool).await;
    let id = outage[0].to_string();
    let out = lockdesk(&["job", &id, "--json", "--now", NOW], Some(&url));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["job"]["reconcile_job_id"].as_i64(), Some(outage[0]));
    let attempts = doc["attempts"].as_array().unwrap();
    assert_eq!(
        attempts.len() as i64,
        doc["job"]["attempt_count"].as_i64().unwrap()
    );
    assert!(
        attempts
            .iter()
            .all(|a| a["outcome"] == "failed" && !a["calls"].as_array().unwrap().is_empty())
    );
    assert_eq!(doc["errors"][0]["meaning"], "gateway offline");
    assert_eq!(
        doc["fingerprint"],
        "TTLOCK PASSCODE_ADD errcode -3002: gateway offline"
    );
    let why = doc["why"].as_str().unwrap();
    assert!(why.starts_with("Failed after 4 attempts over 1 h 10 min: TTLock -3002 'gateway offline' on PASSCODE_ADD each time; it retries at "), "{why}");
    assert!(doc["findings"].is_array());
    // A job that is fine has no why; an unknown one exits 2.
    let out = lockdesk(&["job", "72", "--json", "--now", NOW], Some(&url));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc["why"].is_null());
    assert!(
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f.as_str().unwrap().contains("adds_updates"))
    );
    let out = lockdesk(&["job", "999999999", "--json"], Some(&url));
    assert_eq!(out.status.code(), Some(2));
    let _ = fixed_now();
}
