//! The changes lockdesk makes on production, shared by the console and the
//! demo worker: job retry and cancel (`jobs`), drift enforcement on a lock
//! (`drift` reads and plans, `enforce` applies, one run per lock at a time),
//! and the audit rows every change writes (`audit`). Planning is pure
//! (`plan`); the rest is the thin part that reads, calls and writes.

pub mod audit;
pub mod drift;
pub mod enforce;
pub mod interrupted;
pub mod jobs;
pub mod plan;
pub mod stop;

pub use drift::{DoorRef, GRACE, Preview, door, enqueue_drift, expected, preview};
pub use enforce::{Enforced, enforce, mark, record_add};
pub use jobs::{JobChange, cancel_job, retry_job, retryable};

use sqlx::PgConnection;

use crate::store::statements;

/// Who is acting and why; every write records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    pub name: String,
    pub reason: Option<String>,
    /// Whether the session may write now. When false, the console refuses
    /// before sending; anything sent anyway opens `BEGIN READ ONLY`, and
    /// Postgres refuses it.
    pub write: bool,
    /// `console` or `worker`.
    pub source: &'static str,
}

/// An action that did not happen, in the operator's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::error::Error for Refused {}

/// A database error explained; a read-only refusal says how to elevate.
pub fn explain(e: &sqlx::Error) -> Refused {
    match e {
        sqlx::Error::Database(d) if d.code().as_deref() == Some("25006") => Refused(
            "Postgres refused the change: this session is read-only. Start lockdesk with --write (and --reason), \
             or type :write 15m <reason> to allow changes for 15 minutes."
                .into(),
        ),
        sqlx::Error::Database(d) if d.code().as_deref() == Some("55P03") => Refused(
            "nothing was changed: the row is locked by another session (the broker's worker, or another console) \
             for more than 3 s; try again in a moment"
                .into(),
        ),
        sqlx::Error::Database(d) => Refused(format!("the database refused the change: {}", d.message())),
        sqlx::Error::PoolTimedOut => Refused(
            "nothing was changed: every database connection of this console is busy; try again when the running action is done"
                .into(),
        ),
        other => Refused(format!("the change failed: {other}")),
    }
}

pub fn new_correlation_id() -> String {
    let mut b = [0u8; 16];
    let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub(crate) async fn begin(conn: &mut PgConnection, op: &Operator) -> Result<(), sqlx::Error> {
    let sql = if op.write {
        statements::session::BEGIN_WRITE.tagged()
    } else {
        statements::session::BEGIN_READ_ONLY.tagged()
    };
    sqlx::query(sql).execute(&mut *conn).await?;
    sqlx::query(statements::session::WRITE_LOCK_TIMEOUT.tagged())
        .execute(&mut *conn)
        .await
        .map(|_| ())
}

pub(crate) async fn finish<T>(
    conn: &mut PgConnection,
    result: Result<T, sqlx::Error>,
) -> Result<T, Refused> {
    match result {
        Ok(v) => {
            sqlx::query(statements::session::COMMIT.tagged())
                .execute(&mut *conn)
                .await
                .map_err(|e| explain(&e))?;
            Ok(v)
        }
        Err(e) => {
            let _ = sqlx::query(statements::session::ROLLBACK.tagged())
                .execute(&mut *conn)
                .await;
            Err(explain(&e))
        }
    }
}
