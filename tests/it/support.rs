// One Postgres for the whole test run, and a fresh database per test cloned
// from a migrated template (empty schema, or the demo world at a fixed clock).
//
// The other things the tests share live beside it: `screen` (a headless run
// of the console, built as `Screen::new(&url).keys(..)…run()`), `run` (the
// `lockdesk` binary as a child process), `tmux` (the console in a real
// terminal) and `sim` (simulators seeded from a demo database).
//
// The server is a private cluster unless LOCKDESK_TEST_DATABASE_URL names
// one. DATABASE_URL is never read here: running the tests in a shell that
// points at production touches nothing there. The cluster lives in a static
// (never dropped); its watchdog removes it when this process is gone.

pub mod run;
pub mod screen;
pub mod sim;
pub mod tmux;

pub use run::{lockdesk, lockdesk_cmd, rand_suffix};
pub use screen::{Screen, global, writer};
pub use sim::sim_for;
pub use tmux::Tmux;

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use lockdesk::demo::cluster::Cluster;
use sqlx::{Connection, Executor, PgConnection, PgPool};

pub const EMPTY_TEMPLATE: &str = "tpl_empty";
pub const DEMO_TEMPLATE: &str = "tpl_demo";

struct Server {
    /// URL of the server's maintenance database.
    admin_url: String,
    _cluster: Option<Cluster>,
    /// Name prefix of this run's databases.
    prefix: String,
}

static SERVER: OnceLock<Server> = OnceLock::new();
static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A transaction holding integration_logs locked (ACCESS EXCLUSIVE): every
/// read of it waits until the transaction ends, as a slow query would.
pub async fn hold_logs(url: &str) -> sqlx::Transaction<'static, sqlx::Postgres> {
    let pool = sqlx::PgPool::connect(url).await.unwrap();
    let mut hold = pool.begin().await.unwrap();
    sqlx::query("LOCK TABLE integration_logs IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *hold)
        .await
        .unwrap();
    hold
}

/// `url` with its database name replaced.
pub fn with_database(url: &str, name: &str) -> String {
    let start = url.find("://").map_or(0, |i| i + 3);
    let path = url[start..].find('/').map(|i| start + i);
    let query = url.find('?');
    match (path, query) {
        (Some(p), Some(q)) if p < q => format!("{}/{name}{}", &url[..p], &url[q..]),
        (Some(p), None) => format!("{}/{name}", &url[..p]),
        (None, Some(q)) => format!("{}/{name}{}", &url[..q], &url[q..]),
        _ => format!("{url}/{name}"),
    }
}

fn server() -> &'static Server {
    SERVER.get_or_init(|| {
        // Built on its own thread and runtime: tests each run their own
        // runtime, and a runtime cannot be started inside another.
        std::thread::spawn(build_server)
            .join()
            .expect("test database setup thread")
    })
}

fn build_server() -> Server {
    let (admin_url, cluster, prefix) = match std::env::var("LOCKDESK_TEST_DATABASE_URL") {
        Ok(url) => (url, None, format!("ldt_{}", std::process::id())),
        Err(_) => {
            let c = Cluster::start().unwrap_or_else(|e| panic!("{e}"));
            (c.url("postgres"), Some(c), "ldt".to_string())
        }
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let mut admin = PgConnection::connect(&admin_url)
            .await
            .expect("connect to the test server");
        if cluster.is_none() {
            drop_stale(&mut admin).await;
        }
        for (name, demo) in [(EMPTY_TEMPLATE, false), (DEMO_TEMPLATE, true)] {
            let name = format!("{prefix}_{name}");
            admin
                .execute(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name}"
                )))
                .await
                .expect("drop template");
            admin
                .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .await
                .expect("create template");
            let pool = PgPool::connect(&with_database(&admin_url, &name))
                .await
                .expect("connect template");
            lockdesk::store::migrate::run(&pool, false)
                .await
                .expect("migrate template");
            if demo {
                lockdesk::demo::load_world(&pool, lockdesk::demo::world::fixed_now())
                    .await
                    .expect("load the demo world");
            }
            pool.close().await;
        }
        admin.close().await.ok();
    });
    Server {
        admin_url,
        _cluster: cluster,
        prefix,
    }
}

/// Drops databases left by earlier runs against a shared server whose
/// process is gone (their pid is in the name).
async fn drop_stale(admin: &mut PgConnection) {
    let names: Vec<(String,)> =
        sqlx::query_as("SELECT datname::text FROM pg_database WHERE datname LIKE 'ldt\\_%'")
            .fetch_all(&mut *admin)
            .await
            .unwrap_or_default();
    for (name,) in names {
        let pid = name.split('_').nth(1).and_then(|p| p.parse::<u32>().ok());
        if pid.is_some_and(|p| {
            p != std::process::id() && !std::path::Path::new(&format!("/proc/{p}")).exists()
        }) {
            let _ = admin
                .execute(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .await;
        }
    }
}

/// Creates a new database (cloned from `template`, or empty); returns its URL.
async fn create(template: Option<&str>) -> String {
    let s = server();
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let name = format!("{}_{n}", s.prefix);
    let sql = match template {
        Some(t) => format!("CREATE DATABASE {name} TEMPLATE {}_{t}", s.prefix),
        None => format!("CREATE DATABASE {name}"),
    };
    let mut admin = PgConnection::connect(&s.admin_url)
        .await
        .expect("connect admin");
    admin
        .execute(sqlx::AssertSqlSafe(sql))
        .await
        .expect("create database");
    admin.close().await.ok();
    with_database(&s.admin_url, &name)
}

/// A fresh database cloned from `template`; returns its URL.
pub async fn fresh_db(template: &str) -> String {
    create(Some(template)).await
}

/// A fresh database holding the demo world at `world::fixed_now()`.
pub async fn demo_db() -> String {
    fresh_db(DEMO_TEMPLATE).await
}

/// A fresh migrated, empty database.
pub async fn empty_db() -> String {
    fresh_db(EMPTY_TEMPLATE).await
}

/// A fresh database with no tables at all.
pub async fn blank_db() -> String {
    create(None).await
}

#[test]
fn database_names_are_swapped_in_urls() {
    assert_eq!(
        with_database(
            "postgresql://postgres@localhost:5432/postgres?host=/tmp/x",
            "a"
        ),
        "postgresql://postgres@localhost:5432/a?host=/tmp/x"
    );
    assert_eq!(
        with_database("postgres://u:p@h/db", "b"),
        "postgres://u:p@h/b"
    );
    assert_eq!(with_database("postgres://u:p@h", "c"), "postgres://u:p@h/c");
}
