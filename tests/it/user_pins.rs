// Issue 27, "my PIN stopped working": a user's PIN door by door on the demo
// world and its simulators, finding the user the way a ticket names them,
// and live refreshes that stay bounded.

use std::time::Duration;

use lockdesk::pinmap::{State, live};
use lockdesk::store::{lookup, pins};
use serde_json::Value;

use crate::support::demo_db;
use crate::support::lockdesk;
use crate::support::sim::{providers, sim_for};

async fn ids(conn: &mut sqlx::PgConnection, q: &str) -> Vec<i64> {
    lookup::find(conn, q)
        .await
        .unwrap()
        .matches
        .iter()
        .map(|m| m.id)
        .collect()
}

#[tokio::test]
async fn user_lookup_by_name_email_and_credential() {
    let url = demo_db().await;
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let mut c = pool.acquire().await.unwrap();
    assert_eq!(ids(&mut c, "9").await, [9]);
    assert_eq!(ids(&mut c, "Maya Okafor").await, [9]);
    assert_eq!(ids(&mut c, "MAYA.OKAFOR9@").await, [9]);
    assert_eq!(ids(&mut c, "AB U9 C6").await, [9]);
    assert_eq!(ids(&mut c, "ab u9  c6").await, [9]);
    assert!(
        ids(&mut c, "AB U8 C6").await.is_empty(),
        "C6 is not user 8's"
    );
    assert_eq!(
        ids(&mut c, "f01c0906-6685-4ab6-af8d-6bfb82e87b8e").await,
        [9]
    );
    let maya = ids(&mut c, "maya").await;
    assert!(
        maya.len() >= 2 && maya.contains(&9) && maya.contains(&2),
        "{maya:?}"
    );
    assert!(
        ids(&mut c, "%").await.is_empty(),
        "LIKE's characters are literal"
    );
    // A part of a name: through the pg_trgm indexes.
    let okafor = lookup::find(&mut c, "okafor").await.unwrap();
    assert!(
        okafor.matches.iter().any(|m| m.id == 9) && okafor.note.is_none(),
        "{okafor:?}"
    );
    // Without them: only the start is searched, and the answer says why.
    sqlx::query("DROP INDEX users_name_trgm_idx")
        .execute(&mut *c)
        .await
        .unwrap();
    let slow = lookup::find(&mut c, "okafor").await.unwrap();
    assert!(slow.matches.is_empty(), "{slow:?}");
    let note = slow.note.unwrap();
    assert!(
        note.contains("users_name_trgm_idx") && note.contains("db check"),
        "{note}"
    );
    // Several matches, for a picker: name, email, site, status.
    let out = lockdesk(&["user", "maya", "--json"], Some(&url));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let m = v["matches"].as_array().unwrap();
    assert!(m.iter().all(|m| m["name"].is_string()
        && m["email"].is_string()
        && m["site"].is_string()
        && m["status"].is_string()));
    let out = lockdesk(&["user", "nobody-at-all", "--json"], Some(&url));
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test]
async fn user_pane_answers_the_seed_case() {
    let url = demo_db().await;
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let mut c = pool.acquire().await.unwrap();
    let (mut u, who) = pins::user_pins(&mut c, 9, None).await.unwrap().unwrap();
    let door = |u: &lockdesk::pinmap::UserPins, id: i64| {
        u.doors.iter().find(|d| d.door_id == id).cloned().unwrap()
    };
    let d2 = door(&u, 2);
    assert!(!d2.expected_now());
    let sync = d2.sync.clone().unwrap();
    assert_eq!(sync.vendor_pin_id.as_deref(), Some("50957532"));
    let deletes: Vec<Option<i64>> = d2
        .changes
        .iter()
        .filter(|c| c.kind.word() == "delete")
        .map(|c| c.job)
        .collect();
    assert_eq!(deletes, [Some(104), Some(72), Some(72)], "{:?}", d2.changes);
    let expected: Vec<i64> = u
        .doors
        .iter()
        .filter(|d| d.expected_now())
        .map(|d| d.door_id)
        .collect();
    assert_eq!(expected, [1, 3, 5, 6, 9, 14]);
    // The lock itself still holds it: a live read says so.
    let sim = sim_for(&url).await;
    let p = providers(&sim, Duration::from_secs(10));
    live::refresh(&p, &live::Cache::default(), &mut u, &who, None).await;
    let d2 = door(&u, 2);
    assert_eq!(d2.state, State::Stray, "{d2:?}");
    for id in [1, 3, 5, 6, 9, 14] {
        assert_eq!(
            door(&u, id).state,
            State::Ok,
            "door {id}: {:?}",
            door(&u, id)
        );
    }
    let why = u.why();
    assert!(
        why.starts_with("Maya's PIN AB U9 C6 is a stray on door 2 (ttlock), which no access level of Maya's opens: \
                         job #104 deleted it on 2026-02-05 and job #72 again twice on 2026-02-04")
            || why.starts_with("Maya's PIN AB U9 C6 is a stray on door 2 (ttlock), which no access level of Maya's opens: \
                         job #72 deleted it twice on 2026-02-04 and job #104 again on 2026-02-05"),
        "{why}"
    );
    assert!(
        why.contains("Maya should open doors 1, 3, 5, 6, 9 and 14"),
        "{why}"
    );
    // The same at the --json level (the broker's rows only: no live read).
    let out = lockdesk(&["user", "AB U9 C6", "--json"], Some(&url));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["user"]["id"], 9);
    assert!(
        v["credentials"][0]["pin"]
            .as_str()
            .unwrap()
            .starts_with("***")
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("48201111"));
    let doors = v["doors"].as_array().unwrap();
    let j2 = doors.iter().find(|d| d["door_id"] == 2).unwrap();
    assert_eq!(j2["on_lock"]["sync_state"]["vendor_pin_id"], "50957532");
    assert_eq!(j2["changes"].as_array().unwrap().len(), 3);
    // From the broker's rows alone the Doordeck doors (no sync state, no
    // listing logged) are unknown, and the sentence says so.
    assert_eq!(
        v["why"],
        "Maya's PIN AB U9 C6 is where it should be as far as the broker knows, but nothing says whether it is on doors 5, 6 and 14."
    );
}

#[tokio::test]
async fn live_refresh_of_a_users_doors_is_bounded() {
    let url = demo_db().await;
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let mut c = pool.acquire().await.unwrap();
    let (mut u, who) = pins::user_pins(&mut c, 9, None).await.unwrap().unwrap();
    let sim = sim_for(&url).await;
    for d in &u.doors {
        if let Some(k) = d.lock_key() {
            sim.set_fault(
                &k,
                Some(lockdesk::sim::Fault::Slow(Duration::from_millis(150))),
            );
        }
    }
    let p = providers(&sim, Duration::from_secs(20));
    let cache = live::Cache::default();
    let locks = live::refresh(&p, &cache, &mut u, &who, None).await;
    assert_eq!(
        locks,
        u.doors.iter().filter(|d| d.lock_key().is_some()).count()
    );
    let (requests, most) = {
        let st = lockdesk::sim::state(&sim.state);
        (st.requests, st.max_in_flight)
    };
    assert!(requests > 0);
    // Two accounts (TTLock customer 1, Doordeck customer 2): at most 4 each.
    assert!(most <= 2 * live::PER_ACCOUNT as u64, "{most} at once");
    // Within 60 s every answer is reused: no call at all.
    assert_eq!(live::refresh(&p, &cache, &mut u, &who, None).await, 0);
    assert_eq!(lockdesk::sim::state(&sim.state).requests, requests);
    // One door alone reads one lock.
    let fresh = live::Cache::default();
    assert_eq!(live::refresh(&p, &fresh, &mut u, &who, Some(2)).await, 1);
}

#[tokio::test]
async fn user_missing_pin_names_the_failed_job() {
    let url = demo_db().await;
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    // Door 1, a TTLock door Maya (user 9) should open.
    let (key, ext): (String, String) = sqlx::query_as(
        "SELECT upper(device_type) || ':' || external_id, external_id FROM doors WHERE id = 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(key.starts_with("TTLOCK:"), "{key}");
    // The lock loses her PIN…
    let sim = sim_for(&url).await;
    {
        let mut st = lockdesk::sim::state(&sim.state);
        let lock = st.tt_locks.get_mut(&ext.parse::<i64>().unwrap()).unwrap();
        let before = lock.passcodes.len();
        lock.passcodes
            .retain(|p| p["keyboardPwdName"] != "AB U9 C6");
        assert_eq!(lock.passcodes.len() + 1, before, "her PIN was on door 1");
    }
    // …and the job that should add it back failed, its add refused.
    let error = "TTLock errcode -3002: gateway offline";
    let corr = "0ddba11c0ffee0000000000000000001";
    let job: i64 = sqlx::query_scalar(
        "INSERT INTO reconcile_jobs (job_type, user_id, reason, status, attempt_count, last_error, correlation_id, payload)
         VALUES ('reconcile_user', 9, 'access level changed', 'failed', 1, $1, $2, '{\"user_id\": 9}')
         RETURNING id::int8",
    )
    .bind(error)
    .bind(corr)
    .fetch_one(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO integration_logs (action, correlation_id, door_id, door_name, error_message, external_id,
                                       lock_key, ok, provider_type, reconcile_job_id, request_json, response_json)
         VALUES ('PASSCODE_ADD', $1, 1, 'Front door', $2, $3, $4, false, 'TTLOCK', $5,
                 '{\"name\": \"AB U9 C6\"}', '{\"errcode\": -3002, \"errmsg\": \"gateway offline\"}')",
    )
    .bind(corr)
    .bind(error)
    .bind(&ext)
    .bind(&key)
    .bind(job)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "UPDATE lock_pin_states SET state = 'deleted' WHERE door_id = 1 AND credential_id = 6",
    )
    .execute(&pool)
    .await
    .unwrap();
    let mut c = pool.acquire().await.unwrap();
    let (mut u, who) = pins::user_pins(&mut c, 9, None).await.unwrap().unwrap();
    let d1 = u.doors.iter().find(|d| d.door_id == 1).unwrap();
    assert!(d1.expected_now());
    assert_eq!(d1.state, State::Failing, "{d1:?}");
    let why = u.why();
    let want = format!("job #{job} that should have added it failed ({error})");
    assert!(why.contains(&want), "{why}");
    assert!(why.contains("missing on door 1"), "{why}");
    // A live read of the lock agrees: her PIN is not there.
    let p = providers(&sim, Duration::from_secs(10));
    live::refresh(&p, &live::Cache::default(), &mut u, &who, Some(1)).await;
    let d1 = u.doors.iter().find(|d| d.door_id == 1).unwrap();
    assert_eq!(d1.state, State::Failing, "{d1:?}");
    assert!(u.why().contains(&want), "{}", u.why());
    // The same from `lockdesk user 9 --json`.
    let out = lockdesk(&["user", "9", "--json"], Some(&url));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let why = v["why"].as_str().unwrap();
    assert!(why.contains(&want), "{why}");
}
