//! The command line: what each command does, in the words `--help` shows.
//! Options before the command are global, so they may come before or after it.

/// `println!` for the command line's output: a reader that went away
/// (`lockdesk info | head -3`) ends the process quietly instead of a panic.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::write_stdout(&format!("{}\n", format_args!($($arg)*)))
    };
}

mod admin;
mod reports;
pub mod shell;

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

pub use crate::console::options::{Global, SnapshotArgs, Target};
use crate::{console, demo, store};

#[derive(Debug, Parser)]
#[command(
    name = "lockdesk",
    version = shell::VERSION,
    about = "A terminal console for support engineers of an access broker.",
    long_about = "A terminal console for support engineers of an access broker: follow one correlation id from \
                  what changed (audit rows) to what the system decided (reconcile jobs) to what was sent to \
                  locks (provider calls), then retry a job, enforce a lock's PINs, or copy the raw JSON.\n\n\
                  Try it with `lockdesk demo` (a private database, simulated lock clouds and the console), or \
                  point lockdesk at a broker database with --database-url, --profile or DATABASE_URL. \
                  The session is read-only unless started with --write (or `:write 15m REASON` inside)."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Option<Command>,
}

type Now = chrono::DateTime<chrono::Utc>;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Bring up the demo world (a private Postgres with the seed traces and weeks of history) and open the console on it.
    Demo(DemoArgs),
    /// The correlation detail of one trace (a unique prefix of the id is enough).
    Trace {
        /// The correlation id as stored, or a unique prefix of at least 4 of its characters.
        id: String,
        /// Print the trace as JSON (app_audit, reconcile_jobs, integration_logs) and exit.
        #[arg(long)]
        json: bool,
    },
    /// The job queue with this job selected and its detail open.
    Job {
        /// The reconcile job id.
        id: i64,
        /// Print the job as JSON (its attempts with their calls, errors,
        /// fingerprint, why and findings) and exit.
        #[arg(long)]
        json: bool,
        /// With --json: pin the clock (RFC 3339), for reproducible output.
        #[arg(long, value_name = "RFC3339", value_parser = reports::parse_now, requires = "json")]
        now: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// An incident bundle for a ticket: `<name>.md` and `<name>.json` (0600, never overwriting).
    Bundle {
        /// A correlation id (or a unique prefix), job:ID, lock:KEY or group:FINGERPRINT.
        target: String,
        /// The folder to write into (default: the current folder).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Pin the clock (RFC 3339), for reproducible findings and groups.
        #[arg(long, value_name = "RFC3339", value_parser = reports::parse_now)]
        now: Option<Now>,
    },
    /// The error groups: failed, dead, stuck and interrupted jobs of a
    /// window, one line per cause (provider, action, provider code, message).
    Groups {
        /// The window, by the database's clock: 90m, 24h, 7d (at most 31d).
        #[arg(long, default_value = "24h", value_name = "DURATION", value_parser = reports::parse_since)]
        since: i64,
        /// Print the groups as JSON, one object per group, and exit.
        #[arg(long)]
        json: bool,
        /// Pin the clock (RFC 3339), for reproducible output.
        #[arg(long, value_name = "RFC3339", value_parser = reports::parse_now)]
        now: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// The per-lock logs of this door's lock.
    Door {
        /// The door id (or its name).
        id: String,
    },
    /// The per-lock logs of a lock, by lock key.
    Lock {
        /// PROVIDER:external_id, e.g. TTLOCK:28991110.
        key: String,
    },
    /// One user: access levels, credentials (masked), doors, recent jobs and traces.
    User {
        /// A user id, a name or email (or part of one), a credential name
        /// (`AB U9 C6`) or a Doordeck account reference.
        #[arg(num_args = 1.., required = true)]
        query: Vec<String>,
        /// Print the user's PIN door by door (states, last changes and uses, why) as JSON and exit.
        #[arg(long)]
        json: bool,
        /// With --json: pin the clock (RFC 3339), for reproducible schedule verdicts and ages.
        #[arg(long, value_name = "RFC3339", value_parser = reports::parse_now, requires = "json")]
        now: Option<Now>,
    },
    /// Run the console headless: replay keys, print the final screen, exit.
    Snapshot(SnapshotArgs),
    /// Database administration: check the contract, create the schema.
    #[command(subcommand)]
    Db(DbCommand),
    /// Run the TTLock and Doordeck simulators on loopback, seeded from the database.
    Sim(SimArgs),
    /// Print a shell completion script (bash, zsh or fish) for lockdesk's commands, flags and profile names.
    Completions {
        /// The shell: bash, zsh or fish.
        #[arg(value_enum)]
        shell: shell::Shell,
        /// Also offer the traces and jobs opened lately (ids from this machine's history: keep that script private).
        #[arg(long)]
        recent: bool,
    },
    /// Print lockdesk's manual page (roff): `lockdesk man | man -l -`.
    Man,
    /// Where config, keymaps and the log file live.
    Info {
        /// Print the default keymap as the README's Markdown table.
        #[arg(long)]
        keys_markdown: bool,
        /// Print the `:` commands as the README's Markdown table.
        #[arg(long)]
        commands_markdown: bool,
        /// Print the SQL of one named statement (`traces::logs_of`), e.g. to
        /// run it in psql for comparison (scripts/bench.sh does).
        #[arg(long, value_name = "NAME")]
        sql: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct SimArgs {
    #[command(subcommand)]
    pub command: Option<SimCommand>,
}

#[derive(Debug, Subcommand)]
pub enum SimCommand {
    /// Set a fault on a running simulator's lock (uses $LOCKDESK_TTLOCK_BASE_URL).
    Fault {
        /// The lock key, e.g. TTLOCK:28991110 or DOORDECK:<uuid>.
        lock: String,
        /// gateway_offline, busy, slow, server_error, token_expiry, rate_limit, refuse_pin,
        /// list_no_pages, list_pages_not_integer, list_total_too_high, list_over_bound,
        /// users_over_bound, battery_low, or clear.
        fault: String,
    },
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
    /// Needs --database-url or DATABASE_URL naming an empty database (or one
    /// it seeded before); refuses any other.
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
    /// Partition integration_logs by month first (rows kept), as a grown
    /// broker has it.
    #[arg(long)]
    pub partitioned: bool,
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

/// An error that ends the process with a specific exit status.
#[derive(Debug)]
pub struct Exit(pub u8, pub String);

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.1)
    }
}

impl std::error::Error for Exit {}

/// Runs the parsed command line; errors are printed for a person, not dumped.
pub async fn run(cli: Cli) -> ExitCode {
    let g = &cli.global;
    let result = match cli.command {
        Some(Command::Demo(args)) => run_demo(g, args).await,
        Some(Command::Completions { shell, recent }) => shell::completions(shell, recent),
        Some(Command::Man) => shell::man(),
        Some(Command::Db(cmd)) => admin::run_db(g, cmd).await,
        Some(Command::Info {
            commands_markdown: true,
            ..
        }) => {
            print!("{}", crate::app::commands_markdown());
            Ok(())
        }
        Some(Command::Info {
            keys_markdown: true,
            ..
        }) => {
            print!(
                "{}",
                crate::keys::markdown_table(&crate::keys::Keymap::defaults())
            );
            Ok(())
        }
        Some(Command::Info {
            sql: Some(name), ..
        }) => {
            let page = crate::store::statements::jobs::named_page(&name);
            match crate::store::statements::all()
                .iter()
                .find(|s| s.name == name)
            {
                Some(s) => {
                    out!("{}", s.sql);
                    Ok(())
                }
                None if page.is_some() => {
                    out!("{}", page.unwrap_or_default());
                    Ok(())
                }
                None => Err(Exit(
                    2,
                    format!("no statement is named `{name}` (see src/store/statements/)"),
                )
                .into()),
            }
        }
        Some(Command::Info { .. }) => {
            info(g);
            Ok(())
        }
        Some(Command::Trace { id, json: true }) => trace_json(g, &id).await,
        Some(Command::Trace { id, json: false }) => {
            console::run(g, Some(Target::Trace { id }), None).await
        }
        Some(Command::Job {
            id,
            json: true,
            now,
        }) => job_json(g, id, now).await,
        Some(Command::Job {
            id, json: false, ..
        }) => console::run(g, Some(Target::Job { id }), None).await,
        Some(Command::Groups { since, json, now }) => groups(g, since, json, now).await,
        Some(Command::Bundle { target, out, now }) => reports::bundle(g, &target, out, now).await,
        Some(Command::Door { id }) => console::run(g, Some(Target::Door { id }), None).await,
        Some(Command::Lock { key }) => console::run(g, Some(Target::Lock { key }), None).await,
        Some(Command::User { query, json, now }) => user(g, &query.join(" "), json, now).await,
        Some(Command::Sim(a)) => run_sim(g, a).await,
        Some(Command::Snapshot(s)) => {
            let target = s.target.clone();
            console::run(g, target, Some(s)).await
        }
        None => console::run(g, None, None).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if reader_gone(&e) => ExitCode::SUCCESS,
        Err(e) => {
            // Errors quote URLs and provider answers: the same redaction as rows.
            eprintln!("{}", crate::secrets::free_text(&format!("{e:#}")));
            match e.downcast_ref::<Exit>() {
                Some(Exit(code, _)) => ExitCode::from(*code),
                None => ExitCode::FAILURE,
            }
        }
    }
}

fn info(g: &Global) {
    out!("config file:  {}", crate::config::config_path().display());
    // Which server serves reads and which writes (labels: never a password).
    let label = |url: &str| {
        store::options(url).map_or_else(|e| format!("unusable URL ({e})"), |o| store::label(&o))
    };
    match database_url(g) {
        Ok(url) => {
            out!("writes:       {}", label(&url));
            match reads(g) {
                Ok(Global {
                    read_url: Some(r),
                    read_fallback,
                    ..
                }) => out!(
                    "reads:        {} (a standby{})",
                    label(&r),
                    if read_fallback {
                        "; the primary when it cannot be reached"
                    } else {
                        ""
                    }
                ),
                _ => out!("reads:        the same server"),
            }
        }
        Err(_) => out!("database:     none named (--database-url, --profile, DATABASE_URL)"),
    }
    out!(
        "keymap file:  {} (laid over the built-in keymaps/default.toml)",
        crate::config::keymap_path().display()
    );
    out!(
        "providers:    {} (credentials per integration customer; $LOCKDESK_PROVIDERS_FILE overrides \
         unless a named profile does not allow it)",
        crate::providers::settings::ProviderSettings::path(
            None,
            &crate::providers::settings::EnvOverrides::from_env()
        )
        .display()
    );
    out!("log file:     {}", crate::logging::log_path().display());
    shell::paths();
    out!("actions a keymap can bind:");
    for a in crate::keys::Action::ALL {
        out!("  {:<16} {}", a.name(), a.describe());
    }
}

/// `lockdesk trace <id> --json`: the trace in seed-rows.json's shape, read
/// from the standby when there is one.
async fn trace_json(g: &Global, id: &str) -> anyhow::Result<()> {
    let db = open_reads(g).await?;
    let mut conn = db.pool.acquire().await?;
    let full = match store::traces::resolve(&mut conn, id).await {
        Ok(store::traces::Resolved::One(full)) => full,
        Ok(store::traces::Resolved::None) => {
            return Err(Exit(2, format!("no trace matches `{id}`")).into());
        }
        Ok(store::traces::Resolved::Many(ids)) => {
            return Err(Exit(
                2,
                format!(
                    "`{id}` matches several traces ({}); give more of the id",
                    ids.join(", ")
                ),
            )
            .into());
        }
        Err(e @ store::traces::ResolveError::NotAnId(_)) => {
            return Err(Exit(2, e.to_string()).into());
        }
        Err(e) => return Err(e.into()),
    };
    drop(conn);
    // Streamed: rows go out as they arrive, so memory stays one row's.
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, stdout.lock());
    store::export::write_trace(&db.pool, &full, &mut out).await?;
    Ok(())
}

/// The database for a read-only report: the standby when the profile names
/// one (the primary when it cannot be reached and the profile allows it).
async fn open_reads(g: &Global) -> anyhow::Result<store::Db> {
    let url = database_url(g)?;
    let reads = reads(g)?;
    let db = match reads.read_url.as_deref() {
        Some(standby) => match store::open(standby).await {
            Ok(db) => db,
            Err(e) => {
                let label =
                    store::options(standby).map_or_else(|_| "?".into(), |o| store::label(&o));
                let notice = store::replica::unreachable(&label, &e, reads.read_fallback)
                    .map_err(anyhow::Error::msg)?;
                eprintln!("{}", crate::secrets::free_text(&notice));
                store::open(&url).await?
            }
        },
        None => store::open(&url).await?,
    };
    Ok(db)
}

/// `lockdesk groups`, read from the standby when there is one.
async fn groups(
    g: &Global,
    since: i64,
    json: bool,
    now: Option<chrono::DateTime<chrono::Utc>>,
) -> anyhow::Result<()> {
    let db = open_reads(g).await?;
    reports::groups(&db.pool, since, stuck_after_secs()?, json, now).await
}

/// `lockdesk job <id> --json`, read from the standby when there is one.
async fn job_json(
    g: &Global,
    id: i64,
    now: Option<chrono::DateTime<chrono::Utc>>,
) -> anyhow::Result<()> {
    let db = open_reads(g).await?;
    reports::job_json(&db.pool, &database_url(g)?, id, stuck_after_secs()?, now).await
}

/// The configured stuck threshold (`stuck_after_secs`), as the console has it.
fn stuck_after_secs() -> anyhow::Result<i64> {
    Ok(crate::config::Config::load()?
        .stuck_after_secs
        .unwrap_or(crate::config::DEFAULT_STUCK_AFTER_SECS))
}

/// `lockdesk user <query>`: `--json` prints the pane's data (or the matches), else opens one.
async fn user(g: &Global, query: &str, json: bool, now: Option<Now>) -> anyhow::Result<()> {
    use crate::usercmd::{self, Resolved};
    let db = match (query.trim().parse::<i64>(), json) {
        (Ok(id), false) => return console::run(g, Some(Target::User { id }), None).await,
        _ => store::open(&database_url(g)?).await?,
    };
    let found = match (json, usercmd::resolve(&db.pool, query).await?) {
        (true, _) => usercmd::json(&db.pool, query, now)
            .await?
            .map(|v| out!("{v:#}")),
        (false, Resolved::One(id)) => {
            return console::run(g, Some(Target::User { id }), None).await;
        }
        (false, Resolved::Pick(f)) => return Err(Exit(2, usercmd::picker_text(query, &f)).into()),
    };
    found.ok_or_else(|| Exit(2, format!("no user matches `{query}`")).into())
}

/// The database URL: --database-url, --profile, DATABASE_URL, the default profile.
fn database_url(g: &Global) -> anyhow::Result<String> {
    let config = crate::config::Config::load()?;
    let (url, _) = config.resolve_url(
        g.database_url.as_deref(),
        g.profile.as_deref(),
        std::env::var("DATABASE_URL").ok(),
    )?;
    Ok(url)
}

/// The options with the profile's standby filled in (as the console has
/// them), for the commands that read without opening a console.
fn reads(g: &Global) -> anyhow::Result<Global> {
    let config = crate::config::Config::load()?;
    let env = std::env::var("DATABASE_URL").ok();
    let profile = config.named_profile(
        g.database_url.as_deref(),
        g.profile.as_deref(),
        env.as_deref(),
    );
    Ok(g.with_profile_reads(profile.map(|(_, p)| p)))
}

async fn run_demo(g: &Global, args: DemoArgs) -> anyhow::Result<()> {
    if let Some(DemoCommand::Seed(s)) = args.command {
        return admin::run_seed(g, s).await;
    }
    if !args.no_tui {
        console::refuse_dumb_terminal()?;
    }
    eprintln!("Starting a private PostgreSQL and loading the demo world…");
    let started = std::time::Instant::now();
    let demo = demo::start(None).await?;
    if !args.no_tui {
        // The console on the demo; the cluster goes when it closes.
        let result = console::run_on(
            g,
            &demo.url,
            "demo",
            None,
            Some(demo.sim.provider_settings()),
        )
        .await;
        drop(demo);
        return result;
    }
    for line in demo::exports(&demo) {
        out!("{line}");
    }
    eprintln!(
        "The demo world is up ({:.1} s). In another shell: eval the export lines above, then `lockdesk` or `psql \"$DATABASE_URL\"`.",
        started.elapsed().as_secs_f64()
    );
    eprintln!("Press Ctrl-C to stop; the database is removed on exit.");
    demo::until_stopped().await;
    drop(demo);
    eprintln!("Stopped and removed the demo database.");
    Ok(())
}

async fn run_sim(g: &Global, a: SimArgs) -> anyhow::Result<()> {
    if let Some(SimCommand::Fault { lock, fault }) = a.command {
        let base = std::env::var("LOCKDESK_TTLOCK_BASE_URL")
            .map_err(|_| anyhow::anyhow!("Set LOCKDESK_TTLOCK_BASE_URL to the running simulator (the export lines of `lockdesk sim` or `lockdesk demo --no-tui`)."))?;
        let f = if fault == "clear" {
            serde_json::Value::Null
        } else {
            serde_json::Value::String(fault.clone())
        };
        if fault != "clear" && crate::sim::Fault::parse(&fault).is_none() {
            return Err(anyhow::anyhow!(
                "unknown fault `{fault}`: use gateway_offline, busy, slow, server_error, token_expiry, rate_limit, refuse_pin, list_no_pages, list_pages_not_integer, list_total_too_high, list_over_bound, users_over_bound, battery_low or clear"
            ));
        }
        let resp = crate::providers::http_client(std::time::Duration::from_secs(5))
            .post(format!("{base}/_sim/fault"))
            .json(&serde_json::json!({"lock": lock, "fault": f}))
            .send()
            .await
            .map_err(|e| {
                anyhow::anyhow!(
                    "the simulator at {base} did not answer: {}",
                    e.without_url()
                )
            })?;
        out!(
            "{}: {}",
            lock,
            if resp.status().is_success() {
                fault
            } else {
                format!("refused ({})", resp.status())
            }
        );
        return Ok(());
    }
    let url = database_url(g)?;
    let opts = store::admin_options(&url)?;
    let label = store::label(&opts);
    let pool = sqlx::PgPool::connect_with(opts)
        .await
        .map_err(|e| store::classify(e, &label, &url))?;
    let seed = u64::from(std::process::id());
    let state = crate::sim::seed::from_database(&pool, chrono::Utc::now(), seed).await?;
    pool.close().await;
    let sim = crate::sim::Sim::start(state, true).await?;
    // The providers file holds the simulated accounts: a fresh private folder.
    let dir = crate::files::fresh_private_dir("lockdesk-sim")?;
    let file = dir.join("providers.toml");
    crate::files::write_private(&file, &sim.provider_settings().to_file_text())?;
    let q = crate::curl::shell_quote;
    out!(
        "export LOCKDESK_PROVIDERS_FILE={}",
        q(&file.display().to_string())
    );
    out!("export LOCKDESK_TTLOCK_BASE_URL={}", q(&sim.ttlock_url));
    out!("export LOCKDESK_DOORDECK_BASE_URL={}", q(&sim.doordeck_url));
    eprintln!(
        "Simulating TTLock at {} and Doordeck at {} for {label}. Ctrl-C stops them.",
        sim.ttlock_url, sim.doordeck_url
    );
    demo::until_stopped().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// Whether an error is only the reader of our output going away.
fn reader_gone(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
