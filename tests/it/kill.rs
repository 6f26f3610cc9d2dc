// A change is never lost or doubled when the process dies: a real lockdesk
// is killed (SIGKILL) after the provider applied a delete and before the
// outcome was logged; the trace then says "interrupted", and the lock's next
// drift preview writes the missing outcome without sending anything again.

use std::time::{Duration, Instant};

use lockdesk::console::options::{Global, Target};
use lockdesk::sim::Fault;
use sqlx::PgPool;

use crate::support::demo_db;
use crate::support::sim_for;
use crate::support::{Screen, global};

const LOCK: &str = "TTLOCK:28991110";

fn writer() -> Global {
    Global {
        write: true,
        reason: Some("INC-77".into()),
        ..global()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_between_call_and_log() {
    let url = demo_db().await;
    let pool = PgPool::connect(&url).await.unwrap();
    let sim = sim_for(&url).await;
    // The delete is applied at once and answered 20 s later.
    sim.set_fault(LOCK, Some(Fault::SlowAnswer(Duration::from_secs(20))));
    let home = std::env::temp_dir().join(format!("lockdesk-kill-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    let providers = home.join("providers.toml");
    lockdesk::files::write_private(&providers, &sim.provider_settings().to_file_text()).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_lockdesk"))
        .args(["--database-url", &url, "--write", "--reason", "INC-77"])
        .args(["snapshot", "--keys", "d<Tab>ttlock<Enter>", "door", "2"])
        .env("LOCKDESK_CONFIG_DIR", home.join("config"))
        .env("LOCKDESK_PROVIDERS_FILE", &providers)
        .env("XDG_STATE_HOME", home.join("state"))
        .env_remove("LOCKDESK_LOG")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill it while the provider has made the change and not yet answered.
    let deadline = Instant::now() + Duration::from_secs(30);
    while lockdesk::sim::state(&sim.state).tt_deletes == 0 {
        assert!(Instant::now() < deadline, "the run never sent its delete");
        assert!(
            child.try_wait().unwrap().is_none(),
            "lockdesk ended before the delete"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    sim.set_fault(LOCK, None);

    let (corr, intent, job): (String, i64, i64) = sqlx::query_as(
        "SELECT correlation_id, id, reconcile_job_id FROM integration_logs WHERE action = 'DRIFT_ENFORCE_DELETE_PIN_INTENT' AND lock_key = $1",
    )
    .bind(LOCK)
    .fetch_one(&pool)
    .await
    .expect("the intent was committed before the call");
    let outcomes = |pool: PgPool, corr: String| async move {
        sqlx::query_as::<_, (bool, serde_json::Value)>(
            "SELECT ok, response_json FROM integration_logs WHERE correlation_id = $1 AND action = 'DRIFT_ENFORCE_DELETE_PIN'",
        )
        .bind(corr)
        .fetch_all(&pool)
        .await
        .unwrap()
    };
    assert!(
        outcomes(pool.clone(), corr.clone()).await.is_empty(),
        "killed before the outcome"
    );
    // The job's trace says what happened, in words.
    let t = Screen::new(&url)
        .target(Target::Trace { id: corr.clone() })
        .size(200, 50)
        .run()
        .await;
    assert!(
        t.contains(&format!(
            "interrupted after a change was sent to the provider: log #{intent}"
        )),
        "{t}"
    );

    // The job's row and detail in the queue say it too (its status stays
    // the broker's `running`).
    let queue = || {
        Screen::new(&url)
            .target(Target::Job { id: job })
            .size(200, 50)
            .run()
    };
    let q = queue().await;
    let row = q
        .lines()
        .find(|l| l.contains(&format!("#{job} ")))
        .unwrap_or_else(|| panic!("job #{job} is listed: {q}"));
    assert!(row.contains("running"), "{row}");
    assert!(
        row.contains("interrupted after a change was sent to the provider"),
        "{row}"
    );
    assert!(
        q.contains("the next drift preview of its lock settles it"),
        "{q}"
    );

    // The killed run's last heartbeat ages past twice the beat interval (moved
    // back here instead of waiting 40 s): its change is no longer in flight.
    sqlx::query(
        "UPDATE reconcile_jobs SET updated_at = updated_at - interval '5 minutes' WHERE id = $1",
    )
    .bind(job)
    .execute(&pool)
    .await
    .unwrap();
    // The next preview, in write mode, settles it from the re-list.
    let preview = || async {
        Screen::new(&url)
            .target(Target::Door { id: "2".into() })
            .keys("d")
            .size(200, 50)
            .global(writer())
            .providers(sim.provider_settings())
            .run()
            .await
    };
    let d = preview().await;
    assert!(
        d.contains("was interrupted after it was sent: the lock shows it done"),
        "{d}"
    );
    assert!(
        d.contains("1 missing outcome(s) written from this listing"),
        "{d}"
    );
    let o = outcomes(pool.clone(), corr.clone()).await;
    assert_eq!(o.len(), 1, "one outcome, written once");
    assert!(o[0].0, "the delete happened: {:?}", o[0].1);
    assert_eq!(o[0].1["settled_by"], "drift preview");
    // A second preview finds nothing left to settle.
    let again = preview().await;
    assert!(!again.contains("was interrupted"), "{again}");
    assert_eq!(outcomes(pool.clone(), corr.clone()).await.len(), 1);
    let t = Screen::new(&url)
        .target(Target::Trace { id: corr })
        .size(200, 50)
        .run()
        .await;
    assert!(!t.contains("interrupted after a change"), "{t}");
    let q = queue().await;
    assert!(!q.contains("interrupted after a change"), "{q}");
    // Exactly one delete reached the provider.
    assert_eq!(lockdesk::sim::state(&sim.state).tt_deletes, 1);
    let _ = std::fs::remove_dir_all(&home);
}
