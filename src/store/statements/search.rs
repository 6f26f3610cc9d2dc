//! `/`'s text searched in the database over a time window (`S` on the
//! queue, the audit pane and a lock's logs): the same fields the pane's
//! filter reads of its loaded rows, over every row of the window. Each is
//! bound by an index: the lock's by its time index, the audit rows' by
//! theirs, the queue's by the pg_trgm indexes on `last_error` and `reason`
//! (run only when `db check` finds them; `store::search` says so otherwise).
//! `$1` pins the window's end (snapshots), else the server's `now()`.

use super::{Param::*, Statement};

/// Jobs created in the window whose last error or reason contains `$3`
/// (lower-cased, LIKE-escaped), newest first.
pub const JOBS: Statement = Statement {
    name: "search::jobs",
    sql: concat!(
        job_select!(),
        " WHERE (lower(last_error) LIKE $3 OR lower(reason) LIKE $3)
            AND created_at >= coalesce($1::timestamptz, now()) - $2::int8 * interval '1 second'
          ORDER BY created_at DESC, id DESC LIMIT $4"
    ),
    params: &[NullTime, Int(86_400), Text("%u9 c6%"), Int(201)],
};

/// A lock's logs in the window whose action, error, correlation id or job
/// id holds `$4`, newest first, through the lock's time index.
pub const LOCK_LOGS: Statement = Statement {
    name: "search::lock_logs",
    sql: concat!(
        log_select!(),
        " WHERE lock_key = $3
            AND created_at >= coalesce($1::timestamptz, now()) - $2::int8 * interval '1 second'
            AND (lower(action) LIKE $4 OR lower(error_message) LIKE $4
                 OR lower(correlation_id) LIKE $4 OR reconcile_job_id::text = $5)
          ORDER BY created_at DESC, id DESC LIMIT $6"
    ),
    params: &[
        NullTime,
        Int(86_400),
        Text("TTLOCK:28991110"),
        Text("%u9 c6%"),
        Text("u9 c6"),
        Int(501),
    ],
};

/// Audit rows of the window whose entity, action, actor, source or
/// correlation id holds `$3` (or whose entity id is `$4`), newest first,
/// through the audit time index.
pub const AUDIT: Statement = Statement {
    name: "search::audit",
    sql: concat!(
        audit_select!(),
        " WHERE created_at >= coalesce($1::timestamptz, now()) - $2::int8 * interval '1 second'
            AND (lower(entity_type) LIKE $3 OR lower(action) LIKE $3 OR lower(actor) LIKE $3
                 OR lower(source) LIKE $3 OR lower(correlation_id) LIKE $3 OR entity_id::text = $4)
          ORDER BY created_at DESC, id DESC LIMIT $5"
    ),
    params: &[
        NullTime,
        Int(86_400),
        Text("%u9 c6%"),
        Text("u9 c6"),
        Int(501),
    ],
};

/// Every statement of this module, for the EXPLAIN test.
pub const ALL: &[&Statement] = &[&JOBS, &LOCK_LOGS, &AUDIT];
