//! Transactions and the server-side cancel of a superseded query.

use super::{Param::*, Statement};

/// A transaction that may write (write mode asks Postgres for READ WRITE).
pub const BEGIN_WRITE: Statement = Statement {
    name: "session::begin_write",
    sql: "BEGIN READ WRITE",
    params: &[],
};

/// A write waits at most 3 s for a row lock (the broker's worker may hold
/// one): it fails with a clear message instead of queueing behind it.
pub const WRITE_LOCK_TIMEOUT: Statement = Statement {
    name: "session::write_lock_timeout",
    sql: "SET LOCAL lock_timeout = '3s'",
    params: &[],
};

/// A transaction in the session's default mode (read-only unless --write).
pub const BEGIN: Statement = Statement {
    name: "session::begin",
    sql: "BEGIN",
    params: &[],
};

pub const COMMIT: Statement = Statement {
    name: "session::commit",
    sql: "COMMIT",
    params: &[],
};

pub const ROLLBACK: Statement = Statement {
    name: "session::rollback",
    sql: "ROLLBACK",
    params: &[],
};

/// The server process of this connection, so that its query can be cancelled.
pub const BACKEND_PID: Statement = Statement {
    name: "session::backend_pid",
    sql: "SELECT pg_backend_pid()",
    params: &[],
};

/// Cancels a superseded query on the server (dropping the future does not).
pub const CANCEL_BACKEND: Statement = Statement {
    name: "session::cancel_backend",
    sql: "SELECT pg_cancel_backend($1)",
    params: &[Int4(0)],
};

/// Every statement of this module, for the EXPLAIN test.
pub const ALL: &[&Statement] = &[
    &BEGIN_WRITE,
    &WRITE_LOCK_TIMEOUT,
    &BEGIN,
    &COMMIT,
    &ROLLBACK,
    &BACKEND_PID,
    &CANCEL_BACKEND,
];
