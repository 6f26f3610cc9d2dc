// The command line: what each command does, in the words `--help` shows.
// Options before the command are global, so they may come before or after it.

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::demo;
use crate::store;

#[derive(Debug, Parser)]
#[command(
    name = "lockdesk",
    version,
    about = "A terminal console for support engineers of an access broker.",
    long_about = "A terminal console for support engineers of an access broker: follow one correlation id from \
                  what changed (audit rows) to what the system decided (reconcile jobs) to what was sent to \
                  locks (provider calls).\n\nStart with `lockdesk demo --no-tui` to bring up a private demo \
                  database, or point lockdesk at a broker database with --database-url or DATABASE_URL."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Args)]
pub struct Global {
    /// The broker's Postgres (postgresql://user:password@host/db). Default: $DATABASE_URL.
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// A named connection profile from the config file (e.g. prod, staging).
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// Open the session in write mode (the default is read-only).
    #[arg(long, global = true)]
    pub write: bool,
    /// Why you are writing (recorded with every change); never prompted for.
    #[arg(long, global = true, value_name = "TEXT")]
    pub reason: Option<String>,
    /// Show times in this zone (IANA name such as Europe/Berlin, or UTC).
    #[arg(long, global = true, value_name = "ZONE")]
    pub tz: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Bring up the demo world: a private Postgres with the seed traces and weeks of history.
    Demo(DemoArgs),
    /// Database administration: check the contract, create the schema.
    #[command(subcommand)]
    Db(DbCommand),
    /// Where config, keymaps and the log file live.
    Info,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Do not open the console: print `export` lines for other shells and run until Ctrl-C.
    #[arg(long)]
    pub no_tui: bool,
    #[command(subcommand)]
    pub command: Option<DemoCommand>,
}

#[derive(Debug, Subcommand)]
pub enum DemoCommand {
    /// Fill a database with millions of realistic rows for benchmarks (COPY).
    /// Needs --database-url or DATABASE_URL; migrates the database first.
    Seed(SeedArgs),
}

#[derive(Debug, Args)]
pub struct SeedArgs {
    /// Integration log rows to add.
    #[arg(long, default_value_t = 10_000_000)]
    pub logs: u64,
    /// Reconcile jobs to add (default: logs / 10).
    #[arg(long)]
    pub jobs: Option<u64>,
    /// Audit rows to add (default: logs / 10).
    #[arg(long)]
    pub audit: Option<u64>,
    /// Seed a database that holds tables lockdesk did not create.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Check that the database has the tables and columns lockdesk reads.
    Check,
    /// Create the broker schema. Refuses a database holding other tables unless --force.
    Migrate {
        /// Migrate even though the database holds tables lockdesk did not create.
        #[arg(long)]
        force: bool,
    },
}

/// Runs the parsed command line; errors are printed for a person, not dumped.
pub async fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Some(Command::Demo(args)) => run_demo(&cli.global, args).await,
        Some(Command::Db(cmd)) => run_db(&cli.global, cmd).await,
        Some(Command::Info) => {
            println!("log file: {}", crate::logging::log_path().display());
            Ok(())
        }
        None => run_db(&cli.global, DbCommand::Check).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The database URL: --database-url, else DATABASE_URL.
fn database_url(g: &Global) -> anyhow::Result<String> {
    if let Some(u) = &g.database_url {
        return Ok(u.clone());
    }
    std::env::var("DATABASE_URL").map_err(|_| {
        anyhow::anyhow!(
            "No database given. Pass --database-url URL or set DATABASE_URL.\n\
             To try lockdesk without a database of your own, run `lockdesk demo --no-tui`."
        )
    })
}

async fn run_db(g: &Global, cmd: DbCommand) -> anyhow::Result<()> {
    let url = database_url(g)?;
    match cmd {
        DbCommand::Check => {
            let db = store::open(&url).await?;
            println!(
                "{}: every contract table and column lockdesk reads is there.",
                db.label
            );
            for w in &db.report.warnings {
                println!("note: {w}");
            }
            if let Some(r) = db.report.drift_disabled_reason() {
                println!("{r}");
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
                println!("{label}: the schema is up to date.");
            } else {
                println!("{label}: applied {}.", applied.join(", "));
            }
            Ok(())
        }
    }
}

async fn run_demo(g: &Global, args: DemoArgs) -> anyhow::Result<()> {
    if let Some(DemoCommand::Seed(s)) = args.command {
        return run_seed(g, s).await;
    }
    eprintln!("Starting a private PostgreSQL and loading the demo world…");
    let started = std::time::Instant::now();
    let demo = demo::start(None).await?;
    for line in demo::exports(&demo) {
        println!("{line}");
    }
    eprintln!(
        "The demo world is up ({:.1} s). In another shell: eval the export lines above, then `psql \"$DATABASE_URL\"` or `lockdesk`.",
        started.elapsed().as_secs_f64()
    );
    if !args.no_tui {
        eprintln!("(The console itself is not built yet; this runs like --no-tui.)");
    }
    eprintln!("Press Ctrl-C to stop; the database is removed on exit.");
    demo::until_stopped().await;
    drop(demo);
    eprintln!("Stopped and removed the demo database.");
    Ok(())
}

async fn run_seed(g: &Global, s: SeedArgs) -> anyhow::Result<()> {
    let url = database_url(g)?;
    let opts = store::admin_options(&url)?;
    let label = store::label(&opts);
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(3)
        .connect_with(opts)
        .await
        .map_err(|e| store::classify(e, &label, &url))?;
    store::migrate::run(&pool, s.force).await?;
    let scale = demo::scale::Scale {
        logs: s.logs,
        jobs: s.jobs.unwrap_or((s.logs / 10).max(1)),
        audit: s.audit.unwrap_or((s.logs / 10).max(1)),
    };
    eprintln!(
        "Seeding {label}: {} logs, {} jobs, {} audit rows…",
        scale.logs, scale.jobs, scale.audit
    );
    let r = demo::scale::seed(&pool, scale, chrono::Utc::now())
        .await
        .map_err(|e| anyhow::anyhow!("Seeding {label} failed: {e}"))?;
    println!(
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
