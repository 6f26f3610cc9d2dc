// Who else is acting (issue 28 §3): two real lockdesk processes on one
// lock (the second is refused at once, naming the first and since when),
// and the broker's worker running a lock's drift job blocking a console's
// enforcement (overridable, the override in the audit row).

use std::time::{Duration, Instant};

use lockdesk::engine::{self, Gated, Operator, plan::Mode};
use lockdesk::lockkey::LockKey;
use lockdesk::providers::settings::Providers;
use lockdesk::sim::Fault;
use sqlx::PgPool;

use crate::support::demo_db;
use crate::support::sim_for;

const LOCK: &str = "TTLOCK:28991110";

fn op() -> Operator {
    Operator {
        name: "olivia".into(),
        reason: Some("INC-28".into()),
        write: true,
        source: "console",
    }
}

fn console(
    url: &str,
    home: &std::path::Path,
    providers: &std::path::Path,
) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_lockdesk"));
    c.args(["--database-url", url, "--write", "--reason", "INC-28"])
        .args([
            "snapshot",
            "--size",
            "300x60",
            "--keys",
            "d<Tab>ttlock<Enter>",
            "door",
            "2",
        ])
        .env("LOCKDESK_CONFIG_DIR", home.join("config"))
        .env("LOCKDESK_PROVIDERS_FILE", providers)
        .env("XDG_STATE_HOME", home.join("state"))
        .env_remove("LOCKDESK_LOG");
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_consoles_on_one_lock() {
    let url = demo_db().await;
    let pool = PgPool::connect(&url).await.unwrap();
    let sim = sim_for(&url).await;
    // The first console's first delete is applied at once and answered
    // 30 s later: its run holds the lock meanwhile.
    sim.set_fault(LOCK, Some(Fault::SlowAnswer(Duration::from_secs(30))));
    // More codes on the lock, unknown to the broker: ultra_strict deletes
    // them one by one, so the second console still has a plan to run.
    {
        let mut st = lockdesk::sim::state(&sim.state);
        let l = st.tt_locks.get_mut(&28_991_110).unwrap();
        let first_code = l.passcodes[0].clone();
        for n in 0..3 {
            let mut p = first_code.clone();
            p["keyboardPwdId"] = serde_json::json!(88_000_000 + n);
            p["keyboardPwdName"] = serde_json::json!(format!("front desk {n}"));
            l.passcodes.push(p);
        }
    }
    let home = std::env::temp_dir().join(format!("lockdesk-two-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    let providers = home.join("providers.toml");
    lockdesk::files::write_private(&providers, &sim.provider_settings().to_file_text()).unwrap();
    let mut first = console(&url, &home, &providers)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let lock = LockKey::parse(LOCK).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let holder = loop {
        let actors = engine::acting::on_lock(&pool, &lock).await.unwrap();
        if let Some(h) = actors.into_iter().find(|a| a.holds_lock && a.job.is_some()) {
            break h;
        }
        assert!(
            Instant::now() < deadline,
            "the first console never took the lock"
        );
        assert!(
            first.try_wait().unwrap().is_none(),
            "the first console ended early"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let (job,): (i64,) = sqlx::query_as(
        "SELECT id FROM reconcile_jobs WHERE status = 'running' AND job_type = 'drift_enforce_lock_truth' AND reason LIKE 'console %'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    // The engine's view, as the lock pane will show it.
    let me = lockdesk::osuser::current().account.clone();
    assert!(
        holder.who.starts_with(&format!("lockdesk/{me}")),
        "{holder:?}"
    );
    assert_eq!(holder.job, Some(job));
    assert!(holder.since.is_some());

    // The second console: refused at once, naming the first.
    let started = Instant::now();
    let out = console(&url, &home, &providers).output().unwrap();
    let took = started.elapsed();
    let screen = String::from_utf8_lossy(&out.stdout).to_string();
    let flat: String = screen
        .lines()
        .map(|l| l.trim_matches(|c: char| c == '│' || c.is_whitespace()))
        .collect::<Vec<_>>()
        .join(" ");
    assert!(flat.contains("already running"), "{screen}");
    assert!(flat.contains(&format!("lockdesk/{me}")), "{screen}");
    assert!(flat.contains(&format!("job #{job}")), "{screen}");
    assert!(flat.contains("since"), "{screen}");
    assert!(took < Duration::from_secs(20), "at once: {took:?}");
    // The second sent nothing: only the first's one delete so far.
    assert_eq!(lockdesk::sim::state(&sim.state).tt_deletes, 1);
    first.kill().unwrap();
    first.wait().unwrap();
    sim.set_fault(LOCK, None);
    let _ = std::fs::remove_dir_all(&home);
}

#[tokio::test]
async fn the_brokers_running_drift_job_blocks_an_enforcement() {
    let url = demo_db().await;
    let pool = PgPool::connect(&url).await.unwrap();
    let sim = sim_for(&url).await;
    let providers = Providers::new(sim.provider_settings());
    // The broker's worker runs door 2's drift job now.
    let (job,): (i64,) = sqlx::query_as(
        "INSERT INTO reconcile_jobs (job_type, user_id, reason, status, attempt_count, correlation_id, payload, created_at, updated_at)
         VALUES ('drift_enforce_lock_truth', 0, 'scheduled drift_enforce TTLOCK 28991110', 'running', 1,
                 'feedbeeffeedbeeffeedbeeffeedbeef',
                 '{\"door_id\": 2, \"provider_type\": \"TTLOCK\", \"external_id\": \"28991110\"}', now() - interval '3 minutes', now())
         RETURNING id",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let lock = LockKey::parse(LOCK).unwrap();
    let actors = engine::acting::on_lock(&pool, &lock).await.unwrap();
    assert_eq!(actors.len(), 1, "{actors:?}");
    assert!(
        actors[0].worker_drift && actors[0].who == "the broker's worker",
        "{actors:?}"
    );
    assert_eq!(actors[0].job, Some(job));
    // The job detail says who runs it, too.
    let on_job = engine::acting::on_job(&pool, job).await.unwrap();
    assert!(on_job.iter().any(|a| a.job == Some(job)), "{on_job:?}");

    let jobs = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM reconcile_jobs")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let before = jobs().await;
    let held = engine::enforce_checked(&pool, &providers, &op(), 2, Mode::Standard, None, false)
        .await
        .unwrap();
    let Gated::Held(h) = held else {
        panic!("refused: {held:?}")
    };
    assert!(h.overridable, "{h:?}");
    assert!(
        h.why.contains(&format!(
            "the broker's worker is running job #{job} (drift_enforce_lock_truth) on {LOCK} since"
        )),
        "{}",
        h.why
    );
    assert_eq!(jobs().await, before, "nothing was changed");
    assert_eq!(lockdesk::sim::state(&sim.state).tt_deletes, 0);
    // The console's plain path says it in words.
    let e = engine::enforce_checked(&pool, &providers, &op(), 2, Mode::Standard, None, false)
        .await
        .and_then(Gated::into_result)
        .unwrap_err();
    assert!(e.0.contains("type `override`"), "{e}");

    // Overridden: it runs, and the audit row says over what.
    let sent = engine::enforce_checked(&pool, &providers, &op(), 2, Mode::Standard, None, true)
        .await
        .unwrap();
    assert!(matches!(sent, Gated::Sent { .. }), "{sent:?}");
    let after: serde_json::Value = sqlx::query_scalar(
        "SELECT after_json FROM app_audit WHERE entity_type = 'Door' AND entity_id = 2 AND action = 'drift_enforce' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(
        after["acting_override"][0]
            .as_str()
            .is_some_and(|s| s.contains(&format!("job #{job}"))),
        "{after}"
    );
}
