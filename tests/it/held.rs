// A held action in the console (issue 28), headless on the demo world and
// the simulators: `r` on an outage job whose lock's gateway is offline opens
// the refusal dialog with the reason and when the device was last seen;
// typing `override` retries it, and the audit row keeps `device_override`.

use lockdesk::console::options::Target;
use lockdesk::engine;
use lockdesk::sim::Fault;
use serde_json::Value;
use sqlx::PgPool;

use crate::support::{Screen, demo_db, sim_for, writer};

/// An outage job whose devices are one TTLock lock: (job, lock).
async fn outage_job(pool: &PgPool) -> (i64, String) {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM reconcile_jobs WHERE status IN ('failed', 'dead') ORDER BY id",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut conn = pool.acquire().await.unwrap();
    let devices = engine::acting::job_devices(&mut conn, &ids).await.unwrap();
    devices
        .iter()
        .filter(|(_, d)| d.len() == 1 && d[0].lock.starts_with("TTLOCK:"))
        .map(|(j, d)| (*j, d[0].lock.clone()))
        .min()
        .expect("an outage job on one TTLock lock")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_on_an_offline_device_opens_the_refusal_and_override_retries_it() {
    let url = demo_db().await;
    let pool = PgPool::connect(&url).await.unwrap();
    let sim = sim_for(&url).await;
    let (job, lock) = outage_job(&pool).await;
    sim.set_fault(&lock, Some(Fault::GatewayOffline));
    let status = |pool: PgPool| async move {
        sqlx::query_scalar::<_, String>("SELECT status FROM reconcile_jobs WHERE id = $1")
            .bind(job)
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let before = status(pool.clone()).await;

    // `r`: held, the dialog says why and when the device was last seen.
    let screen = Screen::new(&url)
        .target(Target::Job { id: job })
        .keys("r")
        .size(160, 45)
        .global(writer())
        .providers(sim.provider_settings())
        .run()
        .await;
    assert!(screen.contains("Held: nothing was changed"), "{screen}");
    assert!(screen.contains(&lock), "{screen}");
    assert!(screen.contains("offline"), "{screen}");
    assert!(screen.contains("last seen"), "{screen}");
    assert!(screen.contains("Type `override`"), "{screen}");
    assert_eq!(status(pool.clone()).await, before, "nothing was changed");

    // Esc, then Ctrl-R: the job detail shows the device as the kept probe
    // saw it (no new probe for a pane).
    let screen = Screen::new(&url)
        .target(Target::Job { id: job })
        .keys("r<Esc><C-r>")
        .size(160, 45)
        .global(writer())
        .providers(sim.provider_settings())
        .run()
        .await;
    assert!(
        screen.contains(&format!("device {lock}: ")) && screen.contains("offline"),
        "{screen}"
    );

    // `r`, then `override` and Enter: retried, the override audited.
    let screen = Screen::new(&url)
        .target(Target::Job { id: job })
        .keys("roverride<Enter>")
        .size(160, 45)
        .global(writer())
        .providers(sim.provider_settings())
        .run()
        .await;
    assert!(!screen.contains("Held: nothing was changed"), "{screen}");
    assert_eq!(status(pool.clone()).await, "queued", "{screen}");
    let after: Value = sqlx::query_scalar(
        "SELECT after_json FROM app_audit WHERE entity_type = 'ReconcileJob' AND entity_id = $1 AND action = 'retry' ORDER BY id DESC LIMIT 1",
    )
    .bind(job)
    .fetch_one(&pool)
    .await
    .unwrap();
    let o = &after["device_override"][0];
    assert_eq!(o["lock"], lock.as_str(), "{after}");
    assert_eq!(o["state"]["gateway"]["online"], false, "{after}");
}
