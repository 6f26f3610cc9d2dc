// Read-only is a promise: a session started with --write that went back to
// read-only (:readonly, an expired :write window, Esc at the reason prompt)
// sends no change at all — the console refuses first, and nothing reaches
// Postgres or a provider.

use std::time::Duration;

use lockdesk::app::{Msg, READ_ONLY_REFUSAL};
use lockdesk::console::options::{Global, Target};
use lockdesk::console::{self, headless, screen};
use lockdesk::keys::parse_sequence;
use sqlx::PgPool;

use lockdesk::engine;
use lockdesk::engine::plan::Mode;
use lockdesk::providers::settings::Providers;

use crate::support::demo_db;
use crate::support::sim_for;
use crate::support::{Screen, global};

use crate::actions::{a_failed_job, console, job};

/// What a change would touch: every job's status and update time, and the
/// log and audit rows.
async fn written(pool: &PgPool) -> (String, i64, i64) {
    let (jobs,): (String,) = sqlx::query_as(
        "SELECT string_agg(id || ':' || status || ':' || updated_at::text, ',' ORDER BY id) FROM reconcile_jobs",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    let (logs,): (i64,) = sqlx::query_as("SELECT count(*) FROM integration_logs")
        .fetch_one(pool)
        .await
        .unwrap();
    let (audit,): (i64,) = sqlx::query_as("SELECT count(*) FROM app_audit")
        .fetch_one(pool)
        .await
        .unwrap();
    (jobs, logs, audit)
}

fn lock_state(sim: &lockdesk::sim::Sim) -> String {
    let s = lockdesk::sim::state(&sim.state);
    let tt: Vec<String> = s
        .tt_locks
        .iter()
        .map(|(id, l)| format!("{id}:{:?}", l.passcodes))
        .collect();
    let dd: Vec<String> = s
        .dd_devices
        .iter()
        .map(|(id, d)| format!("{id}:{:?}", d.users))
        .collect();
    format!("{tt:?} {dd:?}")
}

/// Runs `steps` (keys, or `None` for a tick 16 minutes on) in a console
/// started with `g`; returns the screen after each step that asks for it.
async fn run(
    g: &Global,
    url: &str,
    sim: &lockdesk::sim::Sim,
    target: Option<Target>,
    steps: &[Option<&str>],
) -> String {
    let now = lockdesk::demo::world::fixed_now();
    let s = console::setup_with(
        g,
        url,
        "demo",
        target,
        Some(now),
        lockdesk::config::Config::default(),
        sim.provider_settings(),
    )
    .await
    .unwrap_or_else(|e| panic!("{e:#}"));
    let mut msgs = Vec::new();
    for step in steps {
        match step {
            Some(keys) => msgs.extend(
                parse_sequence(keys)
                    .unwrap()
                    .into_iter()
                    .map(|k| Msg::Key(k.to_event())),
            ),
            None => msgs.push(Msg::Tick(now + chrono::Duration::minutes(16))),
        }
    }
    let out = headless::run_msgs(
        s.app,
        s.pool,
        s.standby,
        s.settings,
        s.providers,
        s.start,
        msgs,
        (160, 40),
        Duration::from_secs(10),
    )
    .await
    .unwrap();
    screen::to_text(&out.screen)
}

#[tokio::test]
async fn an_unknown_user_says_so() {
    let url = demo_db().await;
    let s = Screen::new(&url).keys(":user 9999<Enter>").run().await;
    assert!(s.contains("There is no user #9999"), "{s}");
    assert!(s.contains("there is no user #9999"), "said too: {s}");
    assert!(!s.contains("Access levels"), "{s}");
}

#[tokio::test]
async fn readonly_after_write_refuses_every_change() {
    let url = demo_db().await;
    let sim = sim_for(&url).await;
    let pool = PgPool::connect(&url).await.unwrap();
    let before = written(&pool).await;
    let locks = lock_state(&sim);
    let with_reason = Global {
        write: true,
        reason: Some("INC-1".into()),
        ..global()
    };
    let no_reason = Global {
        write: true,
        reason: None,
        ..global()
    };
    // Each way back to read-only, as the steps that lead there.
    let ways: [(&str, &Global, Vec<Option<&str>>); 3] = [
        ("readonly", &with_reason, vec![Some(":readonly<Enter>")]),
        (
            "expired :write",
            &with_reason,
            vec![Some(":write 15m INC-2<Enter>"), None],
        ),
        (
            "Esc at the reason prompt",
            &no_reason,
            vec![Some("INC<Esc>")],
        ),
    ];
    // Each change, as keys from the queue (or from door 2's lock pane), up
    // to the key that would change something (the refusal is its answer:
    // no confirmation is asked for a change that cannot be sent).
    let changes: [(&str, Option<Target>, &str); 6] = [
        ("retry", None, ":jobs failed<Enter>r"),
        ("cancel", None, ":jobs failed<Enter>x"),
        ("retry-all", None, ":jobs failed<Enter>R"),
        (
            "retry-all filtered",
            None,
            ":jobs failed<Enter>/doordeck<Enter>R",
        ),
        (
            "enqueue-drift",
            Some(Target::Door { id: "2".into() }),
            "d<C-e>",
        ),
        (
            "enforcement",
            Some(Target::Door { id: "2".into() }),
            "d<Tab>ttlock<Enter>",
        ),
    ];
    for (way, g, lead) in &ways {
        for (what, target, keys) in &changes {
            let mut steps = lead.clone();
            steps.push(Some(keys));
            let s = run(g, &url, &sim, target.clone(), &steps).await;
            assert!(s.contains(" READ-ONLY "), "{way} → {what}: {s}");
            assert!(
                s.contains("read-only session: nothing was sent"),
                "{way} → {what} says why and how to elevate: {s}"
            );
            assert!(
                !s.contains("is now queued") && !s.contains("re-enqueued;"),
                "{way} → {what}: {s}"
            );
            assert_eq!(written(&pool).await, before, "{way} → {what} wrote");
            assert_eq!(lock_state(&sim), locks, "{way} → {what} reached a lock");
        }
    }
    assert!(READ_ONLY_REFUSAL.contains(":write 15m"));
}

#[tokio::test]
async fn a_retry_on_a_read_only_session_is_refused_by_postgres_and_explained() {
    let url = demo_db().await;
    let opts = lockdesk::store::options(&url)
        .unwrap()
        .options([("default_transaction_read_only", "on")]);
    let pool = sqlx::postgres::PgPoolOptions::new()
        .connect_with(opts)
        .await
        .unwrap();
    let id = a_failed_job(&pool).await;
    let (status, updated, _) = job(&pool, id).await;
    let e = engine::retry_job(&pool, &console(false), id, &status, updated)
        .await
        .unwrap_err();
    assert!(
        e.0.starts_with("Postgres refused the change: this session is read-only"),
        "{e}"
    );
    assert!(e.0.contains(":write 15m"), "{e}");
    assert_eq!(job(&pool, id).await.0, "failed");
    // Cancel and drift are refused the same way.
    assert!(
        engine::cancel_job(&pool, &console(false), id, "failed", updated)
            .await
            .unwrap_err()
            .0
            .contains("read-only")
    );
}

/// Postgres is the second guard: an engine call with the operator outside
/// write mode is refused by the database even on a pool opened for --write
/// (no default_transaction_read_only), and no provider is called.
#[tokio::test]
async fn a_change_outside_write_mode_is_refused_by_postgres_on_a_write_pool() {
    let url = demo_db().await;
    let sim = sim_for(&url).await;
    let providers = Providers::new(sim.provider_settings());
    let pool = PgPool::connect(&url).await.unwrap();
    let count = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&pool).await.unwrap();
            n
        }
    };
    let logs = count("SELECT count(*) FROM integration_logs").await;
    let audits = count("SELECT count(*) FROM app_audit").await;
    let jobs = count("SELECT count(*) FROM reconcile_jobs").await;
    let id = a_failed_job(&pool).await;
    let (status, updated, _) = job(&pool, id).await;
    let ro = console(false);
    let refused = |e: engine::Refused| {
        assert!(
            e.0.starts_with("Postgres refused the change: this session is read-only"),
            "{e}"
        );
    };
    refused(
        engine::retry_job(&pool, &ro, id, &status, updated)
            .await
            .unwrap_err(),
    );
    refused(
        engine::cancel_job(&pool, &ro, id, &status, updated)
            .await
            .unwrap_err(),
    );
    refused(
        engine::enqueue_drift(&pool, &ro, 2, Mode::UltraStrict)
            .await
            .unwrap_err(),
    );
    let before = lockdesk::sim::state(&sim.state).tt_locks[&28_991_110]
        .passcodes
        .len();
    match engine::enforce(&pool, &providers, &ro, 2, Mode::UltraStrict, None, None).await {
        Err(e) => refused(e),
        Ok(r) => panic!("an enforcement outside write mode ran: {r:?}"),
    }
    assert_eq!(
        lockdesk::sim::state(&sim.state).tt_locks[&28_991_110]
            .passcodes
            .len(),
        before,
        "the lock was not touched"
    );
    assert_eq!(job(&pool, id).await.0, "failed");
    assert_eq!(count("SELECT count(*) FROM integration_logs").await, logs);
    assert_eq!(count("SELECT count(*) FROM app_audit").await, audits);
    assert_eq!(count("SELECT count(*) FROM reconcile_jobs").await, jobs);
}
