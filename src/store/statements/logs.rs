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

/// A job's newest logs (at most `$2`), newest first, through the job index:
/// heads only — the request's change facts and, of the response, only the
/// values `groups::why` reads (error code, HTTP status, provider message,
/// summary). For the job detail's why line (stuck, interrupted).
pub const OF_JOB_FOR_WHY: Statement = Statement {
    name: "logs::of_job_for_why",
    sql: "SELECT id::int8, action::text, correlation_id::text, CASE WHEN isfinite(created_at) AND created_at < '262000-01-01' THEN created_at END::timestamptz, \
         debug_session_id::text, door_id::int8, door_name::text, error_message::text, external_id::text, lock_key::text, \
         ok::bool, provider_type::text, reconcile_job_id::int8, \
         json_strip_nulls(json_build_object('payload', json_build_object('keyboardPwdId', request_json->'payload'->'keyboardPwdId', \
           'operation', json_build_object('user', request_json->'payload'->'operation'->'user')), \
           'name', request_json->'name', 'provider_code_id', request_json->'provider_code_id'))::text, \
         json_strip_nulls(json_build_object('summary', response_json->'summary', 'errcode', response_json->'errcode', \
           'http_status', response_json->'http_status', 'errmsg', response_json->'errmsg', \
           'body', json_build_object('message', response_json->'body'->'message')))::text, \
         created_at::text AS created_at_text FROM integration_logs \
         WHERE reconcile_job_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
    params: &[Int(104), Int(200)],
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
pub const ALL: &[&Statement] = &[&OF_LOCK, &OF_JOB_FOR_WHY, &INSERT];
