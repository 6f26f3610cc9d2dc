// Device health before acting (issue 28 §1), end to end on the demo's
// gateway outage (300 failed jobs over its TTLock doors) and the simulators:
// probes gate a retry, a group retry and an enforcement; an offline device
// refuses (or skips) unless overridden, and the override is in the audit row;
// an unknown device or an unreadable state proceeds, marked; and the probes
// are bounded (counted in the simulator).

use std::collections::BTreeSet;
use std::time::Duration;

use lockdesk::engine::{self, Gated, Operator, RetryGuard, plan::Mode};
use lockdesk::providers::settings::Providers;
use lockdesk::sim::Fault;
use serde_json::Value;
use sqlx::PgPool;

use crate::support::demo_db;
use crate::support::sim_for;

fn op() -> Operator {
    Operator {
        name: "olivia".into(),
        reason: Some("INC-28".into()),
        write: true,
        source: "console",
    }
}

async fn guards(pool: &PgPool) -> Vec<RetryGuard> {
    let rows: Vec<(i64, String, chrono::DateTime<chrono::Utc>)> = sqlx::query_as(
        "SELECT id, status, updated_at FROM reconcile_jobs WHERE status IN ('failed', 'dead') ORDER BY id",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    rows.into_iter()
        .map(|(job, status, updated_at)| RetryGuard {
            job,
            status,
            updated_at,
        })
        .collect()
}

async fn audit_after(pool: &PgPool, entity: &str, id: i64, action: &str) -> Value {
    sqlx::query_scalar(
        "SELECT after_json FROM app_audit WHERE entity_type = $1 AND entity_id = $2 AND action = $3 ORDER BY id DESC LIMIT 1",
    )
    .bind(entity)
    .bind(id)
    .bind(action)
    .fetch_one(pool)
    .await
    .unwrap()
}

fn reads(sim: &lockdesk::sim::Sim) -> u64 {
    lockdesk::sim::state(&sim.state).device_reads
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_device_refuses_and_override_is_recorded() {
    let url = demo_db().await;
    let pool = PgPool::connect(&url).await.unwrap();
    let sim = sim_for(&url).await;
    let all = guards(&pool).await;
    let ids: Vec<i64> = all.iter().map(|g| g.job).collect();
    let mut conn = pool.acquire().await.unwrap();
    let devices = engine::acting::job_devices(&mut conn, &ids).await.unwrap();
    drop(conn);
    let locks: BTreeSet<String> = devices.values().flatten().map(|d| d.lock.clone()).collect();
    assert!(locks.len() >= 10, "the outage spans many locks: {locks:?}");
    // One lock's gateway is offline now; the rest answer.
    let (offline_job, offline) = devices
        .iter()
        .find(|(_, d)| d.len() == 1 && d[0].lock.starts_with("TTLOCK:"))
        .map(|(j, d)| (*j, d[0].lock.clone()))
        .unwrap();
    sim.set_fault(&offline, Some(Fault::GatewayOffline));
    let on_offline: BTreeSet<i64> = devices
        .iter()
        .filter(|(_, d)| d.iter().any(|d| d.lock == offline))
        .map(|(j, _)| *j)
        .collect();

    // A single retry: refused with the reason and when it was last seen.
    let providers = Providers::new(sim.provider_settings());
    let g = all.iter().find(|g| g.job == offline_job).unwrap();
    let held = engine::retry_checked(
        &pool,
        &providers,
        &op(),
        g.job,
        &g.status,
        g.updated_at,
        false,
    )
    .await
    .unwrap();
    let Gated::Held(h) = held else {
        panic!("an offline gateway refuses the retry: {held:?}")
    };
    assert!(h.overridable, "{h:?}");
    assert!(
        h.why.contains(&offline) && h.why.contains("offline"),
        "{}",
        h.why
    );
    assert!(h.why.contains("last seen"), "{}", h.why);
    let status: String = sqlx::query_scalar("SELECT status FROM reconcile_jobs WHERE id = $1")
        .bind(g.job)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(status, g.status, "nothing was changed");
    // Overridden: retried, the probe's answer in the audit row.
    let sent = engine::retry_checked(
        &pool,
        &providers,
        &op(),
        g.job,
        &g.status,
        g.updated_at,
        true,
    )
    .await
    .unwrap();
    assert!(
        matches!(
            sent,
            Gated::Sent {
                result: engine::JobChange::Done { .. },
                ..
            }
        ),
        "{sent:?}"
    );
    let after = audit_after(&pool, "ReconcileJob", g.job, "retry").await;
    let o = &after["device_override"][0];
    assert_eq!(o["lock"], offline.as_str(), "{after}");
    assert_eq!(o["state"]["gateway"]["online"], false, "{after}");
    assert!(o["probed_at"].is_string(), "{after}");

    // A group retry of every other failed job: the offline lock's jobs are
    // skipped and listed, each lock probed at most once.
    let mut conn = pool.acquire().await.unwrap();
    let unknown: i64 = sqlx::query_scalar(
        "INSERT INTO reconcile_jobs (job_type, user_id, reason, status, attempt_count, correlation_id, payload, created_at, updated_at)
         VALUES ('reconcile_user', 9, 'no logs at all', 'failed', 1, 'c0ffee00c0ffee00c0ffee00c0ffee00', '{}', now(), now()) RETURNING id",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    drop(conn);
    let rest: Vec<RetryGuard> = guards(&pool).await;
    assert!(rest.iter().any(|g| g.job == unknown));
    let fresh = Providers::new(sim.provider_settings());
    let before = reads(&sim);
    let sum = engine::retry_listed_checked(&pool, &fresh, &op(), &rest, false).await;
    let probes = reads(&sim) - before;
    assert!(
        probes as usize <= locks.len(),
        "{probes} probes for {} locks",
        locks.len()
    );
    assert!(probes > 0);
    let skipped: BTreeSet<i64> = sum.skipped.iter().map(|s| s.0).collect();
    let want: BTreeSet<i64> = on_offline
        .iter()
        .copied()
        .filter(|j| *j != offline_job)
        .collect();
    assert_eq!(skipped, want, "{sum:?}");
    assert!(
        sum.skipped
            .iter()
            .all(|s| s.1.starts_with("skipped: device offline")),
        "{sum:?}"
    );
    assert!(
        sum.line().contains("skipped: device offline"),
        "{}",
        sum.line()
    );
    assert!(sum.failed.is_empty(), "{sum:?}");
    assert_eq!(
        sum.retried.len() + skipped.len() + sum.changed.len(),
        rest.len()
    );
    assert!(sum.retried.contains(&unknown), "an unknown device proceeds");
    assert!(
        sum.notes.contains(&(unknown, "device unknown".to_string())),
        "{:?}",
        sum.notes
    );
    let after = audit_after(&pool, "ReconcileJob", unknown, "retry").await;
    assert_eq!(after["device_notes"][0], "device unknown", "{after}");
    // Within the minute, the same probes are not sent again.
    let again = guards(&pool).await;
    let before = reads(&sim);
    let _ = engine::retry_listed_checked(&pool, &fresh, &op(), &again, false).await;
    assert_eq!(reads(&sim), before, "kept for 60 s");

    // An enforcement on door 2 (TTLOCK:28991110) with its gateway offline.
    let door2 = "TTLOCK:28991110";
    sim.set_fault(door2, Some(Fault::GatewayOffline));
    let held = engine::enforce_checked(&pool, &fresh, &op(), 2, Mode::Standard, None, false)
        .await
        .unwrap();
    let Gated::Held(h) = held else {
        panic!("refused: {held:?}")
    };
    assert!(h.overridable && h.why.contains("offline"), "{}", h.why);
    let jobs_before: i64 = sqlx::query_scalar("SELECT count(*) FROM reconcile_jobs")
        .fetch_one(&pool)
        .await
        .unwrap();
    let gated = engine::enforce_checked(&pool, &fresh, &op(), 2, Mode::Standard, None, true)
        .await
        .unwrap();
    assert!(matches!(gated, Gated::Sent { .. }), "{gated:?}");
    let jobs_after: i64 = sqlx::query_scalar("SELECT count(*) FROM reconcile_jobs")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(jobs_after, jobs_before + 1, "the override ran it");
    let after = audit_after(&pool, "Door", 2, "drift_enforce").await;
    assert_eq!(after["device_override"][0]["lock"], door2, "{after}");

    // An unreadable state (no answer within 2 s) proceeds, marked: a failed
    // job whose last run failed on door 2's lock, now answering slowly.
    sim.set_fault(door2, Some(Fault::Slow(Duration::from_secs(4))));
    let (job, updated): (i64, chrono::DateTime<chrono::Utc>) = sqlx::query_as(
        "INSERT INTO reconcile_jobs (job_type, user_id, reason, status, attempt_count, correlation_id, payload, created_at, updated_at)
         VALUES ('reconcile_user', 9, 'slow lock', 'failed', 1, 'c0ffee01c0ffee01c0ffee01c0ffee01', '{}', now(), now()) RETURNING id, updated_at",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO integration_logs (action, correlation_id, created_at, door_id, door_name, error_message, external_id, lock_key, ok, provider_type, reconcile_job_id, request_json, response_json)
         VALUES ('PASSCODE_ADD', 'c0ffee01c0ffee01c0ffee01c0ffee01', now(), 2, 'Door 2', 'gateway busy', '28991110', $1, false, 'TTLOCK', $2, '{}', '{}')",
    )
    .bind(door2)
    .bind(job)
    .execute(&pool)
    .await
    .unwrap();
    let slow = Providers::new(sim.provider_settings());
    let started = std::time::Instant::now();
    let gated = engine::retry_checked(&pool, &slow, &op(), job, "failed", updated, false)
        .await
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "one attempt, 2 s: {:?}",
        started.elapsed()
    );
    let Gated::Sent { notes, result, .. } = gated else {
        panic!("an unreadable state proceeds: {gated:?}")
    };
    assert!(
        matches!(result, engine::JobChange::Done { .. }),
        "{result:?}"
    );
    assert!(
        notes.iter().any(|n| n.contains("device state unknown")),
        "{notes:?}"
    );
    sim.set_fault(door2, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drift_dialog_override_of_an_unreachable_lock_is_recorded() {
    use crate::support::{Screen, writer};
    use lockdesk::console::options::Target;
    let url = demo_db().await;
    let pool = PgPool::connect(&url).await.unwrap();
    let sim = sim_for(&url).await;
    let door2 = "TTLOCK:28991110";
    sim.set_fault(door2, Some(Fault::GatewayOffline));
    let screen = |keys: &'static str| {
        Screen::new(&url)
            .target(Target::Door { id: "2".into() })
            .keys(keys)
            .global(writer())
            .providers(sim.provider_settings())
            .size(160, 45)
            .run()
    };
    // The door's name is refused before the engine, saying how to go ahead.
    let named = screen("d<Tab>ttlock<Enter>").await;
    assert!(named.contains("cannot be reached now"), "{named}");
    assert!(named.contains("type `override`"), "{named}");
    let none: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM app_audit WHERE entity_type = 'Door' AND entity_id = 2 AND action = 'drift_enforce'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(none, 0, "nothing was sent");
    // `override` sends the plan; the audit row keeps the probe's answer.
    let overridden = screen("d<Tab>override<Enter>").await;
    let after = audit_after(&pool, "Door", 2, "drift_enforce").await;
    assert_eq!(
        after["device_override"][0]["lock"], door2,
        "{after}\n{overridden}"
    );
    sim.set_fault(door2, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_all_skips_offline_devices_and_records_the_override() {
    let url = demo_db().await;
    let pool = PgPool::connect(&url).await.unwrap();
    let sim = sim_for(&url).await;
    let all = guards(&pool).await;
    let ids: Vec<i64> = all.iter().map(|g| g.job).collect();
    let mut conn = pool.acquire().await.unwrap();
    let devices = engine::acting::job_devices(&mut conn, &ids).await.unwrap();
    drop(conn);
    let offline = devices
        .values()
        .find(|d| d.len() == 1 && d[0].lock.starts_with("TTLOCK:"))
        .map(|d| d[0].lock.clone())
        .unwrap();
    sim.set_fault(&offline, Some(Fault::GatewayOffline));
    let on_offline: BTreeSet<i64> = devices
        .iter()
        .filter(|(_, d)| d.iter().any(|d| d.lock == offline))
        .map(|(j, _)| *j)
        .collect();
    // `R` in the Jobs list: the jobs as listed, one lock's gateway offline.
    let providers = Providers::new(sim.provider_settings());
    let listed: Vec<(i64, String, chrono::DateTime<chrono::Utc>)> = all
        .iter()
        .map(|g| (g.job, g.status.clone(), g.updated_at))
        .collect();
    let done = engine::gate::retry_all_checked(&pool, &providers, &op(), listed).await;
    let engine::gate::RetriedAll::Skipped { sum, skipped } = done else {
        panic!("the offline lock's jobs are skipped: {done:?}")
    };
    let skipped_ids: BTreeSet<i64> = skipped.iter().map(|g| g.job).collect();
    assert_eq!(skipped_ids, on_offline, "{}", sum.line());
    assert!(
        sum.line().contains("skipped: device offline"),
        "{}",
        sum.line()
    );
    assert_eq!(
        sum.retried.len() + skipped.len(),
        all.len(),
        "{}",
        sum.line()
    );
    // `override` on the summary: exactly the skipped ones, recorded.
    let over = engine::retry_listed_checked(&pool, &providers, &op(), &skipped, true).await;
    assert_eq!(over.retried.len(), skipped.len(), "{}", over.line());
    let job = skipped[0].job;
    let after = audit_after(&pool, "ReconcileJob", job, "retry").await;
    assert_eq!(
        after["device_override"][0]["lock"],
        offline.as_str(),
        "{after}"
    );
    sim.set_fault(&offline, None);
}

#[tokio::test]
async fn lock_pane_header_shows_the_probed_device_state() {
    use crate::support::Screen;
    use lockdesk::console::options::Target;
    let url = demo_db().await;
    let sim = sim_for(&url).await;
    let door2 = "TTLOCK:28991110";
    sim.set_fault(door2, Some(Fault::GatewayOffline));
    let before = reads(&sim);
    // Opening the lock pane, then Ctrl-R in it.
    let s = Screen::new(&url)
        .target(Target::Door { id: "2".into() })
        .keys("<C-r>")
        .providers(sim.provider_settings())
        .run()
        .await;
    let head = s
        .lines()
        .find(|l| l.contains(" Lock TTLOCK:28991110"))
        .unwrap_or_else(|| panic!("{s}"));
    // Where each fact comes from, and how old: the broker's record of the
    // door, then the device's state from its provider with the probe's time
    // (the console's pinned clock, 15:30 UTC).
    assert!(head.contains("door #2 ttlock  broker: unknown"), "{head}");
    assert!(
        head.contains(" · device: gateway G2_ttlock offline, last seen "),
        "{head}"
    );
    assert!(head.trim_end().ends_with("(probe 15:30 UTC)"), "{head}");
    // One probe for the opening; Ctrl-R within 60 s reuses it.
    assert_eq!(reads(&sim) - before, 1);
    // A lock whose state cannot be read says so, and why.
    sim.set_fault(door2, Some(Fault::Slow(Duration::from_secs(4))));
    let s = Screen::new(&url)
        .target(Target::Door { id: "2".into() })
        .providers(sim.provider_settings())
        .run()
        .await;
    assert!(
        s.contains("broker: unknown · device: state unknown (probe failed at 15:30 UTC: "),
        "{s}"
    );
    sim.set_fault(door2, None);
    // A console with no provider client says only the broker's record.
    let s = Screen::new(&url)
        .target(Target::Door { id: "2".into() })
        .run()
        .await;
    assert!(
        s.contains("broker: unknown") && !s.contains("device:"),
        "{s}"
    );
}

#[tokio::test]
async fn job_detail_probes_its_device_when_it_opens() {
    use crate::support::Screen;
    use lockdesk::console::options::Target;
    let url = demo_db().await;
    let pool = PgPool::connect(&url).await.unwrap();
    // The newest job with a failed call on door 2's lock.
    let (job,): (i64,) = sqlx::query_as(
        "SELECT reconcile_job_id FROM integration_logs WHERE lock_key = 'TTLOCK:28991110' \
         AND ok IS NOT TRUE AND reconcile_job_id IS NOT NULL ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    pool.close().await;
    let sim = sim_for(&url).await;
    sim.set_fault("TTLOCK:28991110", Some(Fault::GatewayOffline));
    let before = reads(&sim);
    // Nothing probed before: its detail says the device's state, probed as
    // it opened, at the console's pinned clock.
    let s = Screen::new(&url)
        .target(Target::Job { id: job })
        .size(160, 50)
        .providers(sim.provider_settings())
        .run()
        .await;
    let line = s
        .lines()
        .find(|l| l.contains("device TTLOCK:28991110: "))
        .unwrap_or_else(|| panic!("{s}"));
    // Seen last when the fault began, on the world's clock the console is
    // pinned to (the simulator's clock follows it): never days after the probe.
    assert!(
        line.contains("gateway G2_ttlock offline, last seen 15:30 UTC (probe 15:30 UTC)"),
        "{line}"
    );
    // Each of its locks once, when the detail opened; never on the timer.
    let probed = s.lines().filter(|l| l.starts_with("│device ")).count() as u64;
    assert_eq!(reads(&sim) - before, probed, "{s}");
    sim.set_fault("TTLOCK:28991110", None);
    // A console with no provider client says no device line.
    let s = Screen::new(&url)
        .target(Target::Job { id: job })
        .size(160, 50)
        .run()
        .await;
    assert!(
        s.contains(&format!("job #{job}")) && !s.contains("device TTLOCK"),
        "{s}"
    );
}
