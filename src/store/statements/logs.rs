//! integration_logs: the per-lock pane, and the rows lockdesk writes.

use super::{Param::*, Statement};

/// The newest integration logs of one lock.
pub const OF_LOCK: Statement = Statement {
    name: "logs::of_lock",
    sql: concat!(
        log_select!(),
        " WHERE lock_key = $1 ORDER BY created_at DESC, id DESC LIMIT $2"
    ),
    params: &[Text("TTLOCK:28991110"), Int(500)],
};

/// One integration log: a provider call or one of the broker's own steps.
pub const INSERT: Statement = Statement {
    name: "logs::insert",
    sql: "INSERT INTO integration_logs
    (action, correlation_id, created_at, debug_session_id, door_id, door_name, error_message, external_id,
     lock_key, ok, provider_type, reconcile_job_id, request_json, response_json)
    VALUES ($1, $2, COALESCE($3, now()), NULL, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
    RETURNING id::int8",
    params: &[
        Text("PASSCODE_DELETE"),
        Text("e4792295b2f441f0b205e154984e92fc"),
        Time("2026-11-20T15:30:00Z"),
        Int(2),
        Text("Main entrance"),
        NullText,
        Text("28991110"),
        Text("TTLOCK:28991110"),
        Bool(true),
        Text("TTLOCK"),
        Int(72),
        Json("{}"),
        Json("{}"),
    ],
};

/// Every statement of this module, for the EXPLAIN test.
pub const ALL: &[&Statement] = &[&OF_LOCK, &INSERT];
