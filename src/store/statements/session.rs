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

/// A transaction outside write mode: read-only whatever the session started
/// as, so Postgres refuses a change even on a pool opened for --write.
pub const BEGIN_READ_ONLY: Statement = Statement {
    name: "session::begin_read_only",
    sql: "BEGIN READ ONLY",
    params: &[],
};

/// The database's clock: plans and the rows lockdesk writes are timed by it.
pub const NOW: Statement = Statement {
    name: "session::now",
    sql: "SELECT now()",
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

/// The primary's WAL position now: after a write has committed, the point
/// a standby must have replayed for the write to be seen there. The insert
/// position, not the write position: with `synchronous_commit = off` a
/// commit returns before its record is written out.
pub const CURRENT_LSN: Statement = Statement {
    name: "session::current_lsn",
    sql: "SELECT pg_current_wal_insert_lsn()::text",
    params: &[],
};

/// Whether a standby has replayed up to a primary's position (a server
/// that is not a standby has everything).
pub const REPLAYED_TO: Statement = Statement {
    name: "session::replayed_to",
    sql: "SELECT coalesce(pg_last_wal_replay_lsn() >= $1::text::pg_lsn, NOT pg_is_in_recovery())",
    params: &[Text("0/0")],
};

/// How far behind a standby is, and whether it still receives, for the
/// header (read with the counts, on their poll). `lag`, in seconds: 0 when
/// it has replayed all it received, else the age of the last transaction it
/// replayed; NULL on a server that is not a standby. A stopped WAL receiver
/// also reads 0 (it received nothing more), so its state comes along:
/// `pg_stat_wal_receiver` has no row while no receiver runs; its status and
/// times are NULL to a role without `pg_read_all_stats`; `sender_host` is
/// set only once it has connected to the primary. At most one row, no table.
pub const STANDBY_LAG: Statement = Statement {
    name: "session::standby_lag",
    sql: "SELECT pg_is_in_recovery(), \
            CASE WHEN pg_is_in_recovery() THEN \
            CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0 \
                 ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END END::float8, \
            r.pid IS NOT NULL, r.status, r.sender_host IS NOT NULL, r.last_msg_receipt_time, \
            pg_last_xact_replay_timestamp() \
          FROM (VALUES (1)) AS one (x) LEFT JOIN pg_stat_wal_receiver r ON true",
    params: &[],
};

/// Every statement of this module, for the EXPLAIN test.
pub const ALL: &[&Statement] = &[
    &BEGIN_WRITE,
    &WRITE_LOCK_TIMEOUT,
    &BEGIN_READ_ONLY,
    &NOW,
    &COMMIT,
    &ROLLBACK,
    &BACKEND_PID,
    &CANCEL_BACKEND,
    &CURRENT_LSN,
    &REPLAYED_TO,
    &STANDBY_LAG,
];
