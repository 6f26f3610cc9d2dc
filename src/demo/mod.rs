//! `lockdesk demo`: a private Postgres holding the deterministic demo world,
//! and the bulk seeder behind `lockdesk demo seed` for benchmarks.

pub mod cluster;
pub mod partitions;
pub mod progress;
pub mod rows;
pub mod scale;
pub mod worker;
pub mod world;

use crate::store::statements;
use chrono::{DateTime, SubsecRound, Utc};
use sqlx::{Connection, Executor, PgConnection, PgPool};

use crate::demo::cluster::Cluster;
use crate::store::migrate;

/// The database name the demo creates inside its private cluster.
pub const DEMO_DATABASE: &str = "lockdesk_demo";

/// Loads the world as it stands at `now` into an empty, migrated database.
pub async fn load_world(pool: &PgPool, now: DateTime<Utc>) -> anyhow::Result<()> {
    let world = world::build(now);
    let mut conn = pool.acquire().await?;
    let mut tx = conn.begin().await?;
    for table in &world.tables {
        table
            .load(&mut tx)
            .await
            .map_err(|e| anyhow::anyhow!("loading the demo table {}: {e}", table.name))?;
    }
    tx.commit().await?;
    // Fresh statistics, so the first queries get good plans.
    conn.execute(statements::demo::ANALYZE_ALL.tagged()).await?;
    Ok(())
}

/// A running demo: the cluster, the URL of its database, the provider
/// simulators, and the private folder holding the providers file.
pub struct Demo {
    /// Runs queued jobs against the simulators while the demo lives.
    worker: tokio::task::JoinHandle<()>,
    pub sim: crate::sim::Sim,
    pub cluster: Cluster,
    pub url: String,
    /// Inside the cluster's folder, so it goes wherever the cluster goes
    /// (also when the watchdog cleans up after a kill).
    pub providers_file: std::path::PathBuf,
}

/// Starts a private cluster and fills `lockdesk_demo` with the world at `now`.
pub async fn start(now: Option<DateTime<Utc>>) -> anyhow::Result<Demo> {
    let cluster = tokio::task::spawn_blocking(Cluster::start).await??;
    let admin_url = cluster.url("postgres");
    let mut admin = PgConnection::connect_with(&crate::store::admin_options(&admin_url)?).await?;
    admin
        .execute(sqlx::AssertSqlSafe(statements::demo::create_database(
            DEMO_DATABASE,
        )))
        .await?;
    admin.close().await?;
    let url = cluster.url(DEMO_DATABASE);
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(4)
        .connect_with(crate::store::admin_options(&url)?)
        .await?;
    migrate::run(&pool, false).await?;
    migrate::mark_demo(&pool).await?;
    let now = now.unwrap_or_else(|| Utc::now().trunc_subsecs(0));
    load_world(&pool, now).await?;
    let state = crate::sim::seed::from_database(&pool, now, u64::from(std::process::id())).await?;
    let sim = crate::sim::Sim::start(state, true).await?;
    // The world's failures continue: Berlin's gateway is still offline, and
    // so is one Sydney Doordeck device.
    let offline: Vec<(String,)> = sqlx::query_as(statements::demo::OFFLINE_LOCKS.tagged())
        .fetch_all(&pool)
        .await?;
    for (key,) in offline {
        sim.set_fault(&key, Some(crate::sim::Fault::GatewayOffline));
    }
    let providers = std::sync::Arc::new(crate::providers::settings::Providers::new(
        sim.provider_settings(),
    ));
    let worker = tokio::spawn(crate::demo::worker::run(pool, providers));
    let providers_file = cluster.socket_dir().join("providers.toml");
    crate::files::write_private(&providers_file, &sim.provider_settings().to_file_text())?;
    Ok(Demo {
        worker,
        sim,
        cluster,
        url,
        providers_file,
    })
}

impl Drop for Demo {
    fn drop(&mut self) {
        self.worker.abort();
    }
}

/// The shell lines that point another lockdesk (or psql) at the demo.
pub fn exports(demo: &Demo) -> Vec<String> {
    vec![
        format!("export DATABASE_URL='{}'", demo.url),
        // Credentials stay in the (private) file; only its path is printed.
        format!(
            "export LOCKDESK_PROVIDERS_FILE='{}'",
            demo.providers_file.display()
        ),
        format!("export LOCKDESK_TTLOCK_BASE_URL='{}'", demo.sim.ttlock_url),
        format!(
            "export LOCKDESK_DOORDECK_BASE_URL='{}'",
            demo.sim.doordeck_url
        ),
    ]
}

/// Waits for Ctrl-C or SIGTERM, whichever comes first.
pub async fn until_stopped() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = async {
            match term.as_mut() {
                Some(t) => { t.recv().await; }
                None => std::future::pending::<()>().await,
            }
        } => {}
    }
}
