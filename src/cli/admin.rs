//! Database administration and the benchmark seed: `db check`, `db
//! migrate`, `demo seed`.

use super::{DbCommand, Global, SeedArgs, database_url};
use crate::demo;
use crate::store;

pub(super) async fn run_db(g: &Global, cmd: DbCommand) -> anyhow::Result<()> {
    let url = database_url(g)?;
    match cmd {
        DbCommand::Check => {
            let db = store::open(&url).await?;
            out!(
                "{}: every contract table and column lockdesk reads is there.",
                db.label
            );
            for w in &db.report.warnings {
                out!("note: {w}");
            }
            if let Some(r) = db.report.drift_disabled_reason() {
                out!("{r}");
            }
            let mut conn = db.pool.acquire().await?;
            let missing = store::indexes::missing(&store::indexes::present(&mut conn).await?);
            if missing.is_empty() {
                out!("Every index lockdesk's statements are built for is there.");
            } else {
                out!(
                    "\n{} recommended index(es) are missing. lockdesk works without them, slower; it never \
                     creates them itself. Each can be added without blocking writes (run it outside a transaction):",
                    missing.len()
                );
                for w in missing {
                    out!(
                        "\n  -- {}: speeds up {}\n  {}",
                        w.name,
                        w.speeds_up,
                        w.create_sql()
                    );
                }
            }
            Ok(())
        }
        DbCommand::Migrate { force } => {
            let opts = store::admin_options(&url)?;
            let label = store::label(&opts);
            let pool = sqlx::PgPool::connect_with(opts)
                .await
                .map_err(|e| store::classify(e, &label, &url))?;
            let applied = store::migrate::run(&pool, force).await?;
            if applied.is_empty() {
                out!("{label}: the schema is up to date.");
            } else {
                out!("{label}: applied {}.", applied.join(", "));
            }
            Ok(())
        }
    }
}

pub(super) async fn run_seed(g: &Global, s: SeedArgs) -> anyhow::Result<()> {
    let url = database_url(g)?;
    let opts = store::admin_options(&url)?;
    let label = store::label(&opts);
    let pool = store::connect(opts, 3, &url).await?;
    // Only an empty database or one the demo marked: never production.
    store::migrate::demo_only(&pool, &label, "demo seed")
        .await
        .map_err(|e| anyhow::anyhow!(e))?;
    store::migrate::run(&pool, false).await?;
    store::migrate::mark_demo(&pool).await?;
    let scale = demo::scale::Scale {
        logs: s.logs,
        jobs: s.jobs.unwrap_or((s.logs / 10).max(1)),
        audit: s.audit.unwrap_or((s.logs / 10).max(1)),
    };
    eprintln!(
        "Seeding {label}: {} logs, {} jobs, {} audit rows…",
        scale.logs, scale.jobs, scale.audit
    );
    if s.partitioned && demo::partitions::by_month(&pool).await? {
        eprintln!("Partitioned integration_logs by month (rows kept).");
    }
    let total = scale
        .logs
        .saturating_add(scale.jobs)
        .saturating_add(scale.audit);
    let progress = demo::progress::Progress::new(total);
    let shown = demo::progress::show("copying rows", progress.clone());
    let r = demo::scale::seed_with(&pool, scale, chrono::Utc::now(), progress)
        .await
        .map_err(|e| anyhow::anyhow!("Seeding {label} failed: {e}"))?;
    drop(shown);
    out!(
        "seeded {} logs, {} jobs, {} audit rows: COPY {:.1} s, indexes {:.1} s, total {:.1} s",
        r.logs,
        r.jobs,
        r.audit,
        r.copy_secs,
        r.index_secs,
        r.copy_secs + r.index_secs
    );
    Ok(())
}
