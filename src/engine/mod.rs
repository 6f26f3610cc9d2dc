//! The changes lockdesk makes on production, shared by the console and the
//! demo worker: job retry and cancel (`jobs`), drift enforcement on a lock
//! (`drift` reads and plans, `enforce` applies, one run per lock at a time),
//! and the audit rows every change writes (`audit`). Planning is pure
//! (`plan`); the rest is the thin part that reads, calls and writes.

pub mod acting;
pub mod audit;
pub mod clock;
pub mod drift;
pub mod ended;
pub mod enforce;
pub mod gate;
pub mod health;
pub mod interrupted;
pub mod jobs;
pub mod plan;
mod plan_why;
pub mod runs;
pub mod stop;

pub use drift::{DoorRef, GRACE, Preview, door, enqueue_drift, expected, preview};
pub use enforce::{Enforced, enforce, mark, record_add};
pub use gate::{Gated, Hold, enforce_checked, retry_checked, retry_listed_checked};
pub use jobs::{
    JobChange, RetryGuard, RetrySummary, cancel_job, retry_all, retry_job, retry_listed, retryable,
};

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

/// How every "nothing happened" explanation starts.
const NOTHING_CHANGED: &str = "nothing was changed: ";

impl Refused {
    /// The same failure, after a provider change went through: the lock
    /// *was* changed, and what is missing is its record.
    pub fn after_change(self, changes: &str) -> Refused {
        let cause = self.0.strip_prefix(NOTHING_CHANGED).unwrap_or(&self.0);
        Refused(format!(
            "the lock was changed ({changes}), but recording it failed: {cause}. \
             What is missing from integration_logs has its intent row there; the lock's next drift preview \
             in write mode writes the outcome from the lock's listing, without sending anything again"
        ))
    }
}

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

/// A connection from the pool, or why there is none in the operator's
/// words: a pool that timed out because the database cannot be reached at
/// all says so (with the host), not that the console is busy.
pub(crate) async fn acquire(
    pool: &sqlx::PgPool,
) -> Result<sqlx::pool::PoolConnection<sqlx::Postgres>, Refused> {
    match pool.acquire().await {
        Ok(c) => Ok(c),
        Err(sqlx::Error::PoolTimedOut) => Err(match crate::store::unreachable(pool).await {
            Some(crate::store::NoConnection::Unreachable(why)) => Refused(format!(
                "{NOTHING_CHANGED}{why}; check the host, the network, VPN or SSH tunnel, then try again"
            )),
            Some(crate::store::NoConnection::Refused(why)) => {
                Refused(format!("{NOTHING_CHANGED}{why}"))
            }
            None => explain(&sqlx::Error::PoolTimedOut),
        }),
        Err(e) => Err(explain(&e)),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_after_a_change_says_the_lock_was_changed() {
        let busy = explain(&sqlx::Error::PoolTimedOut);
        assert!(busy.0.starts_with("nothing was changed: "), "{busy}");
        let after = busy.after_change("AB U9 C6 deleted from TTLOCK:28991110");
        assert!(
            after.0.starts_with("the lock was changed (AB U9 C6 deleted from TTLOCK:28991110), but recording it failed: every database connection"),
            "{after}"
        );
        assert!(!after.0.contains("nothing was changed"), "{after}");
        assert!(after.0.contains("next drift preview"), "{after}");
    }
}
