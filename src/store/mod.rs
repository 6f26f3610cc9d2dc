//! Postgres: connecting safely to a database lockdesk did not create, the
//! contract check, migrations, the reads and writes, and every statement
//! (`statements`). The private cluster for demo and tests is in `demo`.

pub mod columns;
pub mod compact;
pub mod counts;
pub mod export;
pub mod facts;
pub mod groups;
pub mod heads;
pub mod indexes;
pub mod logrow;
pub mod logs;
pub mod lookup;
pub mod migrate;
pub mod odd;
pub mod pins;
pub mod pulse;
pub mod queries;
pub mod queue;
pub mod replica;
pub mod reveal;
pub mod schema;
pub mod search;
pub mod statements;
pub mod subset;
pub mod traces;

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, PgPool};

pub use schema::SchemaReport;

/// How long any one console query may run before Postgres cancels it.
pub const STATEMENT_TIMEOUT: Duration = Duration::from_secs(15);

/// An open database with its contract check done.
pub struct Db {
    pub pool: PgPool,
    pub report: SchemaReport,
    /// `host/database` (never the password), for the status bar and messages.
    pub label: String,
}

/// Why lockdesk could not open a database, worded for the operator.
#[derive(Debug)]
pub enum ConnectError {
    BadUrl(String),
    Unreachable { target: String, detail: String },
    Auth { target: String, detail: String },
    NoDatabase { target: String },
    Contract(schema::ContractError),
    Other { target: String, detail: String },
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectError::BadUrl(detail) => write!(
                f,
                "The database URL is not valid: {detail}.\n\
                 It should look like postgresql://user:password@host:5432/dbname (set --database-url or DATABASE_URL)."
            ),
            ConnectError::Unreachable { target, detail } => write!(
                f,
                "Could not reach the database server at {target}: {detail}.\n\
                 Check the host and port, that the server is running, and any VPN or SSH tunnel you need."
            ),
            ConnectError::Auth { target, detail } => write!(
                f,
                "The database server at {target} refused the login: {detail}.\n\
                 Check the user name and password in the URL or profile."
            ),
            ConnectError::NoDatabase { target } => write!(
                f,
                "The server answered but has no database {target}.\n\
                 Check the database name at the end of the URL."
            ),
            ConnectError::Contract(e) => write!(f, "{e}"),
            ConnectError::Other { target, detail } => {
                write!(f, "Opening the database {target} failed: {detail}.")
            }
        }
    }
}

impl std::error::Error for ConnectError {}

/// How long a console session may sit idle inside a transaction.
pub const IDLE_IN_TRANSACTION_TIMEOUT: Duration = Duration::from_secs(30);

/// Parses a URL into connect options carrying lockdesk's session settings:
/// `application_name` (so DBAs see who we are), a statement timeout (so a
/// console can never hold a production query forever), UTC as session zone
/// (so `timestamp without time zone` columns are read as UTC), and no JIT.
pub fn options(url: &str) -> Result<PgConnectOptions, ConnectError> {
    session_options(url, STATEMENT_TIMEOUT)
}

/// Idle time on a TCP connection before the server's keepalive probes start.
pub const TCP_KEEPALIVE_IDLE: Duration = Duration::from_secs(30);

/// How long opening a connection may take before lockdesk gives up with
/// "could not reach": a black-holed host otherwise hangs for minutes.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Opens a pool of at most `max` connections, giving up on a server that does
/// not answer within [`CONNECT_TIMEOUT`]; a later connection waits at most 8 s
/// for a free slot (then "every connection is busy").
pub async fn connect(
    opts: PgConnectOptions,
    max: u32,
    url: &str,
) -> Result<sqlx::PgPool, ConnectError> {
    let target = label(&opts);
    let pending = PgPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(Duration::from_secs(8))
        .connect_with(opts);
    match tokio::time::timeout(CONNECT_TIMEOUT, pending).await {
        Ok(r) => r.map_err(|e| classify(e, &target, url)),
        Err(_) => Err(ConnectError::Unreachable {
            target,
            detail: format!("no answer within {} seconds", CONNECT_TIMEOUT.as_secs()),
        }),
    }
}

/// How long the check after a pool timeout waits for a connection of its own.
pub const REACH_PROBE: Duration = Duration::from_secs(3);

/// Why the pool could not give a connection, found out after it gave up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoConnection {
    /// No connection opens at all: the network or the host (with the host).
    Unreachable(String),
    /// The server answered and refused a new session (too many clients, a
    /// changed password…): its own words.
    Refused(String),
}

impl std::fmt::Display for NoConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NoConnection::Unreachable(m) | NoConnection::Refused(m) => f.write_str(m),
        }
    }
}

/// After the pool gave up waiting: is the database there at all? A host
/// that drops packets hangs a connect past the pool's wait, which reads as
/// "every connection is busy" although none could be opened. `Some` (naming
/// the host) when no connection opens now, `None` when one does (the pool
/// was only busy).
pub async fn unreachable(pool: &PgPool) -> Option<NoConnection> {
    use sqlx::Connection;
    let opts = pool.connect_options();
    let target = label(&opts);
    match tokio::time::timeout(REACH_PROBE, sqlx::PgConnection::connect_with(&opts)).await {
        Ok(Ok(c)) => {
            let _ = c.close().await;
            None
        }
        Ok(Err(sqlx::Error::Database(d))) => Some(NoConnection::Refused(format!(
            "the database at {target} refuses new connections: {}",
            d.message()
        ))),
        Ok(Err(e)) => Some(NoConnection::Unreachable(format!(
            "the database cannot be reached at {target} ({e})"
        ))),
        Err(_) => Some(NoConnection::Unreachable(format!(
            "the database cannot be reached at {target}: no connection could be opened \
             (none within the pool's wait, nor {} s more)",
            REACH_PROBE.as_secs()
        ))),
    }
}

/// Options for administrative commands (migrate, bulk seeding), which may
/// legitimately run for minutes: no statement timeout.
pub fn admin_options(url: &str) -> Result<PgConnectOptions, ConnectError> {
    session_options(url, Duration::ZERO)
}

fn session_options(
    url: &str,
    statement_timeout: Duration,
) -> Result<PgConnectOptions, ConnectError> {
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(ConnectError::BadUrl(
            "it does not start with postgresql:// (lockdesk reads Postgres only)".into(),
        ));
    }
    let opts = PgConnectOptions::from_str(url)
        .map_err(|e| ConnectError::BadUrl(scrub(&e.to_string(), url)))?;
    // A console session never sits in a transaction holding locks on the
    // broker: Postgres ends one idle for 30 s (admin commands may pause).
    let idle_in_tx = if statement_timeout.is_zero() {
        0
    } else {
        IDLE_IN_TRANSACTION_TIMEOUT.as_millis()
    };
    Ok(opts
        .application_name(&application_name())
        .options([
            (
                "statement_timeout",
                format!("{}", statement_timeout.as_millis()),
            ),
            (
                "idle_in_transaction_session_timeout",
                format!("{idle_in_tx}"),
            ),
            ("TimeZone", "UTC".to_string()),
            // No JIT: every statement is index-bound under a LIMIT, but a
            // LATERAL read per row (the groups' 50,000 jobs) is costed high
            // enough to compile, which took longer than running it (0.8 s
            // of 1.5 s at 1M jobs).
            ("jit", "off".to_string()),
            // The server notices a lockdesk that vanished (laptop lid,
            // dropped VPN) after about a minute, and ends its session and
            // locks; ignored on a Unix socket.
            (
                "tcp_keepalives_idle",
                format!("{}", TCP_KEEPALIVE_IDLE.as_secs()),
            ),
            ("tcp_keepalives_interval", "10".to_string()),
            ("tcp_keepalives_count", "3".to_string()),
        ])
        .log_statements(tracing::log::LevelFilter::Debug)
        .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_secs(2)))
}

/// What a console calls itself to Postgres: `lockdesk/<OS user>` (the
/// account of the process's real uid), so that a DBA's `pg_stat_activity`
/// (and a second console's refusal) says who. Printable ASCII only, within
/// Postgres's 63 bytes.
pub fn application_name() -> String {
    let user: String = crate::osuser::current()
        .account
        .chars()
        .map(|c| if c.is_ascii_graphic() { c } else { '_' })
        .take(50)
        .collect();
    format!("lockdesk/{user}")
}

/// `host/database` for display: never the user's password.
pub fn label(opts: &PgConnectOptions) -> String {
    let host = match opts.get_socket() {
        // Two servers may share a socket directory: the port tells them apart.
        Some(s) if opts.get_port() != 5432 => format!("{}:{}", s.display(), opts.get_port()),
        Some(s) => s.display().to_string(),
        None => format!("{}:{}", opts.get_host(), opts.get_port()),
    };
    format!(
        "{host}/{}",
        opts.get_database().unwrap_or(opts.get_username())
    )
}

/// Opens a pool and runs the contract check.
pub async fn open(url: &str) -> Result<Db, ConnectError> {
    let opts = options(url)?;
    let target = label(&opts);
    let pool = connect(opts, 4, url).await?;
    let report = schema::check(&pool)
        .await
        .map_err(|e| classify(e, &target, url))?;
    if !report.is_usable() {
        return Err(ConnectError::Contract(schema::ContractError {
            database: target,
            report,
        }));
    }
    for w in &report.warnings {
        tracing::warn!("{w}");
    }
    Ok(Db {
        pool,
        report,
        label: target,
    })
}

/// Turns a driver error into the operator's words, by SQLSTATE where there is one.
pub fn classify(e: sqlx::Error, target: &str, url: &str) -> ConnectError {
    let target = target.to_string();
    match &e {
        sqlx::Error::Database(db) => match db.code().as_deref() {
            Some("28P01") | Some("28000") => ConnectError::Auth {
                target,
                detail: scrub(db.message(), url),
            },
            Some("3D000") => ConnectError::NoDatabase { target },
            _ => ConnectError::Other {
                target,
                detail: scrub(db.message(), url),
            },
        },
        sqlx::Error::Io(io) => ConnectError::Unreachable {
            target,
            detail: io.to_string(),
        },
        sqlx::Error::PoolTimedOut => ConnectError::Unreachable {
            target,
            detail: "no answer within 8 seconds".into(),
        },
        sqlx::Error::Tls(t) => ConnectError::Unreachable {
            target,
            detail: format!("TLS failed ({t})"),
        },
        sqlx::Error::Configuration(c) => ConnectError::BadUrl(scrub(&c.to_string(), url)),
        other => ConnectError::Other {
            target,
            detail: scrub(&other.to_string(), url),
        },
    }
}

/// Removes the URL (and with it any password) from a message.
fn scrub(message: &str, url: &str) -> String {
    if url.is_empty() {
        message.to_string()
    } else {
        message.replace(url, "<database url>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_never_show_passwords() {
        let o = options("postgresql://ops:s3cret@db.internal:6543/broker").unwrap();
        assert_eq!(label(&o), "db.internal:6543/broker");
        let o = options("postgresql://postgres@localhost:5432/x?host=/tmp/sock").unwrap();
        assert_eq!(label(&o), "/tmp/sock/x");
    }

    #[test]
    fn sessions_carry_their_timeouts_and_keepalives() {
        let o = options("postgresql://ops@db.internal/broker").unwrap();
        let set = o.get_options().unwrap_or_default().to_string();
        for want in [
            "statement_timeout=15000",
            "idle_in_transaction_session_timeout=30000",
            "tcp_keepalives_idle=30",
            "tcp_keepalives_interval=10",
            "tcp_keepalives_count=3",
            "jit=off",
        ] {
            assert!(set.contains(want), "{want} in {set}");
        }
    }

    #[test]
    fn a_bad_url_says_what_it_should_look_like() {
        let e = options("mysql://nope").unwrap_err().to_string();
        assert!(e.contains("postgresql://user:password@host"), "{e}");
        assert!(!e.contains("nope@"));
    }
}
