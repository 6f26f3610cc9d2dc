// Supervised actions: a panic inside an action (here, a provider client that
// panics mid-enforcement) answers the console instead of leaving it waiting,
// and never leaves the lock's advisory lock held on a pooled connection.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use lockdesk::app::{ActRequest, ActResult, Cmd, Msg};
use lockdesk::engine::plan::Mode;
use lockdesk::engine::{self, Operator};
use lockdesk::providers::settings::Providers;
use lockdesk::providers::{BoxFut, Grant, Listing, LockEvent, Outcome, Provider};
use sqlx::PgPool;

use crate::support::demo_db;
use crate::support::sim_for;

/// The real client, except that every change panics half-way.
struct PanicsOnChange(Arc<dyn Provider>);

impl Provider for PanicsOnChange {
    fn name(&self) -> &'static str {
        self.0.name()
    }
    fn list_access<'a>(&'a self, lock_id: &'a str) -> BoxFut<'a, Outcome<Listing>> {
        self.0.list_access(lock_id)
    }
    fn grant<'a>(&'a self, _: &'a str, _: &'a Grant) -> BoxFut<'a, Outcome<String>> {
        Box::pin(async { panic!("injected: grant") })
    }
    fn revoke<'a>(&'a self, _: &'a str, _: &'a str) -> BoxFut<'a, Outcome<()>> {
        Box::pin(async { panic!("injected: revoke") })
    }
    fn audit_trail<'a>(
        &'a self,
        lock_id: &'a str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> BoxFut<'a, Outcome<Vec<LockEvent>>> {
        self.0.audit_trail(lock_id, from, to)
    }
    fn lock_time<'a>(&'a self, lock_id: &'a str) -> BoxFut<'a, Outcome<Option<DateTime<Utc>>>> {
        self.0.lock_time(lock_id)
    }
    fn probe<'a>(&'a self, lock_id: &'a str) -> BoxFut<'a, Outcome<()>> {
        self.0.probe(lock_id)
    }
}

/// The console's executor on `pool`, and the channel its answers come on.
fn executor(
    pool: PgPool,
    providers: Arc<Providers>,
) -> (
    lockdesk::console::executor::Executor,
    tokio::sync::mpsc::UnboundedReceiver<Msg>,
) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let settings = lockdesk::console::executor::Settings {
        stuck_after_secs: 900,
        broker_tables: true,
        user_ref_index: false,
        standby: false,
        pinned: None,
    };
    let exec = lockdesk::console::executor::Executor::new(
        pool,
        tx,
        settings,
        providers,
        lockdesk::clipboard::Clipboard::terminal_only(),
        lockdesk::console::executor::CopyOut::Buffer(Vec::new()),
    );
    (exec, rx)
}

fn operator() -> Operator {
    Operator {
        name: "alice".into(),
        reason: Some("INC-1".into()),
        write: true,
        source: "console",
    }
}

async fn advisory_locks_held(pool: &PgPool) -> i64 {
    // This database's only (other tests run enforcements beside it), and a
    // closed session's locks go as soon as the server sees it gone.
    let mut held = 0;
    for _ in 0..40 {
        held = sqlx::query_scalar(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted
               AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        if held == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    held
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_mid_enforcement_answers_and_holds_no_lock() {
    let url = demo_db().await;
    let sim = sim_for(&url).await;
    // A small pool: a connection that went back holding the lock would be
    // the one the next run gets.
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(3)
        .connect(&url)
        .await
        .unwrap();
    let real = Providers::new(sim.provider_settings());
    let client = real.client(Some(1), "TTLOCK").unwrap();
    let panicking = Arc::new(Providers::new(sim.provider_settings()).with_client(
        1,
        "TTLOCK",
        Arc::new(PanicsOnChange(client)),
    ));
    let plan = engine::preview(&pool, &panicking, 2, Mode::UltraStrict, Utc::now())
        .await
        .unwrap()
        .plan
        .unwrap();
    assert!(
        !plan.deletes.is_empty() || !plan.adds.is_empty(),
        "the plan changes something"
    );

    // Through the console's executor, as the drift dialog runs it.
    let (mut exec, mut rx) = executor(pool.clone(), panicking.clone());
    exec.run(Cmd::Act {
        id: 1,
        op: operator(),
        req: ActRequest::DriftRun {
            door: 2,
            mode: Mode::UltraStrict,
            plan: Box::new(plan.clone()),
            overriding: false,
        },
    });
    let answer = tokio::time::timeout(std::time::Duration::from_secs(20), rx.recv())
        .await
        .expect("the panicking action answers")
        .unwrap();
    let Msg::Acted { id: 1, result } = answer else {
        panic!("an answer to the action: {answer:?}")
    };
    let ActResult::Failed(why) = *result else {
        panic!("a failure: {result:?}")
    };
    assert!(
        why.contains("drift enforcement on door #2 failed inside lockdesk"),
        "{why}"
    );

    // Nobody holds the lock's advisory lock, and the next run is not refused
    // as "already running" by our own session.
    assert_eq!(advisory_locks_held(&pool).await, 0);
    for _ in 0..3 {
        let r = engine::enforce(&pool, &real, &operator(), 2, Mode::UltraStrict, None, None).await;
        assert!(r.is_ok(), "{:?}", r.err());
    }
    assert_eq!(advisory_locks_held(&pool).await, 0);
}

#[tokio::test]
async fn a_write_behind_a_held_row_lock_gives_up_with_a_clear_message() {
    let url = demo_db().await;
    let pool = PgPool::connect(&url).await.unwrap();
    let (id, status, updated): (i64, String, DateTime<Utc>) = sqlx::query_as(
        "SELECT id, status, updated_at FROM reconcile_jobs WHERE status IN ('failed', 'dead') ORDER BY id LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    // Another session (a worker) holds the job's row.
    let mut worker = pool.acquire().await.unwrap();
    sqlx::query("BEGIN").execute(&mut *worker).await.unwrap();
    sqlx::query("SELECT 1 FROM reconcile_jobs WHERE id = $1 FOR UPDATE")
        .bind(id)
        .execute(&mut *worker)
        .await
        .unwrap();
    let r = engine::retry_job(&pool, &operator(), id, &status, updated).await;
    let e = r.expect_err("the lock is held");
    assert!(e.0.contains("locked by another session"), "{e}");
    sqlx::query("ROLLBACK").execute(&mut *worker).await.unwrap();
    // Console sessions never sit in a transaction for long.
    let opts = lockdesk::store::options(&url).unwrap();
    let mut c = <sqlx::PgConnection as sqlx::Connection>::connect_with(&opts)
        .await
        .unwrap();
    let idle: String = sqlx::query_scalar("SHOW idle_in_transaction_session_timeout")
        .fetch_one(&mut c)
        .await
        .unwrap();
    assert_eq!(idle, "30s");
}

/// The real client; on each change it first notes the run's job as the
/// database has it, and optionally cancels that job (as another operator
/// would) before the change goes out.
struct Watching {
    inner: Arc<dyn Provider>,
    pool: PgPool,
    cancel: bool,
    seen: std::sync::Mutex<Vec<(String, DateTime<Utc>)>>,
    /// How many of the pool's connections were free while each change was
    /// in flight (counted only when `count_free`).
    count_free: bool,
    free: std::sync::Mutex<Vec<usize>>,
}

impl Watching {
    async fn note(&self) {
        let (id, status, at): (i64, String, DateTime<Utc>) = sqlx::query_as(
            "SELECT id, status, updated_at FROM reconcile_jobs WHERE job_type = 'drift_enforce_lock_truth' ORDER BY id DESC LIMIT 1",
        )
        .fetch_one(&self.pool)
        .await
        .unwrap();
        self.seen.lock().unwrap().push((status, at));
        if self.cancel {
            sqlx::query(
                "UPDATE reconcile_jobs SET status = 'cancelled', updated_at = now() WHERE id = $1",
            )
            .bind(id)
            .execute(&self.pool)
            .await
            .unwrap();
        }
        if self.count_free {
            let mut got = Vec::new();
            for _ in 0..self.pool.options().get_max_connections() {
                match tokio::time::timeout(
                    std::time::Duration::from_millis(500),
                    self.pool.acquire(),
                )
                .await
                {
                    Ok(Ok(c)) => got.push(c),
                    _ => break,
                }
            }
            self.free.lock().unwrap().push(got.len());
        }
    }
}

impl Provider for Watching {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn list_access<'a>(&'a self, lock_id: &'a str) -> BoxFut<'a, Outcome<Listing>> {
        self.inner.list_access(lock_id)
    }
    fn grant<'a>(&'a self, lock_id: &'a str, g: &'a Grant) -> BoxFut<'a, Outcome<String>> {
        Box::pin(async move {
            self.note().await;
            self.inner.grant(lock_id, g).await
        })
    }
    fn revoke<'a>(&'a self, lock_id: &'a str, id: &'a str) -> BoxFut<'a, Outcome<()>> {
        Box::pin(async move {
            self.note().await;
            self.inner.revoke(lock_id, id).await
        })
    }
    fn audit_trail<'a>(
        &'a self,
        lock_id: &'a str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> BoxFut<'a, Outcome<Vec<LockEvent>>> {
        self.inner.audit_trail(lock_id, from, to)
    }
    fn lock_time<'a>(&'a self, lock_id: &'a str) -> BoxFut<'a, Outcome<Option<DateTime<Utc>>>> {
        self.inner.lock_time(lock_id)
    }
    fn probe<'a>(&'a self, lock_id: &'a str) -> BoxFut<'a, Outcome<()>> {
        self.inner.probe(lock_id)
    }
}

fn watching(real: &Providers, pool: &PgPool, cancel: bool, count_free: bool) -> Arc<Watching> {
    Arc::new(Watching {
        inner: real.client(Some(1), "TTLOCK").unwrap(),
        pool: pool.clone(),
        cancel,
        seen: std::sync::Mutex::new(Vec::new()),
        count_free,
        free: std::sync::Mutex::new(Vec::new()),
    })
}

/// A provider call can take seconds; a run must not sit on pooled
/// connections meanwhile (the advisory lock has its own, detached one).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enforcement_holds_no_pooled_connection_across_a_provider_call() {
    let url = demo_db().await;
    let sim = sim_for(&url).await;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .connect_with(lockdesk::store::options(&url).unwrap())
        .await
        .unwrap();
    let real = Providers::new(sim.provider_settings());
    let w = watching(&real, &pool, false, true);
    let p = Providers::new(sim.provider_settings()).with_client(1, "TTLOCK", w.clone());
    let r = engine::enforce(&pool, &p, &operator(), 2, Mode::UltraStrict, None, None).await;
    assert!(r.is_ok(), "{r:?}");
    let free = w.free.lock().unwrap().clone();
    assert!(!free.is_empty(), "the run sent changes");
    assert!(
        free.iter().all(|&n| n == 2),
        "both connections free during every provider change: {free:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_job_beats_after_each_call_and_a_lost_guard_is_said() {
    let url = demo_db().await;
    let sim = sim_for(&url).await;
    let pool = PgPool::connect(&url).await.unwrap();
    let real = Providers::new(sim.provider_settings());
    let watching = |cancel: bool| watching(&real, &pool, cancel, false);
    // Someone cancels the job while the run applies: the run stops, says
    // so, and leaves the job as they made it (not "done" over their change).
    let w = watching(true);
    let p = Providers::new(sim.provider_settings()).with_client(1, "TTLOCK", w.clone());
    let r = engine::enforce(&pool, &p, &operator(), 2, Mode::UltraStrict, None, None).await;
    let e = r.expect_err("the guard is lost");
    assert!(
        e.0.contains("was changed by someone else during this run"),
        "{e}"
    );
    let (status,): (String,) = sqlx::query_as(
        "SELECT status FROM reconcile_jobs WHERE job_type = 'drift_enforce_lock_truth' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(status, "cancelled");
    // Before the change went out the job was running, touched by the run's
    // own beats (after the job start and after the listing).
    let seen = w.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "one change sent before the run stopped");
    assert_eq!(seen[0].0, "running");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_superseded_load_closes_its_connection() {
    use lockdesk::app::{Query, Slot};
    let url = demo_db().await;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(3)
        .connect_with(lockdesk::store::options(&url).unwrap())
        .await
        .unwrap();
    let other = PgPool::connect(&url).await.unwrap();
    // Another session holds the table, so the first load waits on the server.
    let mut holder = other.acquire().await.unwrap();
    sqlx::query("BEGIN").execute(&mut *holder).await.unwrap();
    sqlx::query("LOCK TABLE integration_logs IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *holder)
        .await
        .unwrap();
    let (mut exec, mut rx) = executor(pool.clone(), Arc::new(Providers::new(Default::default())));
    let load = |id| Cmd::Load {
        slot: Slot::Trace,
        id,
        query: Query::Trace(lockdesk::seeds::TRACE_USER_ACCESS.into()),
    };
    exec.run(load(1));
    let waiting = || async {
        sqlx::query_scalar::<_, i32>(
            "SELECT pid FROM pg_stat_activity WHERE application_name LIKE 'lockdesk/%' AND wait_event_type = 'Lock'",
        )
        .fetch_optional(&other)
        .await
        .unwrap()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let pid = loop {
        if let Some(p) = waiting().await {
            break p;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the first load never waited"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    // A newer load in the same slot supersedes it.
    exec.run(load(2));
    sqlx::query("COMMIT").execute(&mut *holder).await.unwrap();
    let answer = tokio::time::timeout(std::time::Duration::from_secs(10), rx.recv())
        .await
        .unwrap()
        .unwrap();
    let Msg::Loaded { id, result, .. } = answer else {
        panic!("{answer:?}")
    };
    assert_eq!(id, 2, "only the newest load answers");
    assert!(result.is_ok(), "{result:?}");
    // The superseded load's server session is gone, not back in the pool
    // where a later cancel by its pid could hit someone else's query.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let alive: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $1)")
                .bind(pid)
                .fetch_one(&other)
                .await
                .unwrap();
        if !alive {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "backend {pid} still open"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_pool_is_reported_as_busy_not_as_a_lost_database() {
    use lockdesk::app::{Query, Slot};
    let url = demo_db().await;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(std::time::Duration::from_millis(300))
        .connect_with(lockdesk::store::options(&url).unwrap())
        .await
        .unwrap();
    let held = pool.acquire().await.unwrap();
    let (mut exec, mut rx) = executor(pool.clone(), Arc::new(Providers::new(Default::default())));
    exec.run(Cmd::Load {
        slot: Slot::Trace,
        id: 1,
        query: Query::Trace(lockdesk::seeds::TRACE_USER_ACCESS.into()),
    });
    let Some(Msg::Loaded { result, .. }) = rx.recv().await else {
        panic!("an answer")
    };
    let e = result.expect_err("no connection free");
    assert!(!e.connection_lost, "the database is there: {}", e.message);
    assert!(
        e.message
            .contains("every database connection of this console is busy"),
        "{}",
        e.message
    );
    drop(held);
}
