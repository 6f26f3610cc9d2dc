//! One correlation id's rows, and resolving a prefix to the full ids it matches.

use super::{Param::*, Statement};

/// The audit rows of one correlation id, in order.
pub const AUDIT_OF: Statement = Statement {
    name: "traces::audit_of",
    sql: concat!(
        audit_select!(),
        " WHERE correlation_id = $1 ORDER BY created_at, id"
    ),
    params: &[Text("e4792295b2f441f0b205e154984e92fc")],
};

/// The jobs of one correlation id, in order.
pub const JOBS_OF: Statement = Statement {
    name: "traces::jobs_of",
    sql: concat!(
        job_select!(),
        " WHERE correlation_id = $1 ORDER BY created_at, id"
    ),
    params: &[Text("e4792295b2f441f0b205e154984e92fc")],
};

/// The integration logs of one correlation id, in order.
pub const LOGS_OF: Statement = Statement {
    name: "traces::logs_of",
    sql: concat!(
        log_select!(),
        " WHERE correlation_id = $1 ORDER BY created_at, id"
    ),
    params: &[Text("e4792295b2f441f0b205e154984e92fc")],
};

/// How many integration logs one correlation id has (whole or heads).
pub const LOG_COUNT_OF: Statement = Statement {
    name: "traces::log_count_of",
    sql: "SELECT count(*)::int8 FROM integration_logs WHERE correlation_id = $1",
    params: &[Text("e4792295b2f441f0b205e154984e92fc")],
};

/// A big trace's logs, in order, without their payloads (`heads`).
pub const LOG_HEADS_OF: Statement = Statement {
    name: "traces::log_heads_of",
    sql: concat!(
        log_head_select!(),
        " WHERE correlation_id = $1 ORDER BY created_at, id"
    ),
    params: &[Text("e4792295b2f441f0b205e154984e92fc")],
};

/// Whole logs by id: a page of a big trace's payloads.
pub const LOGS_BY_IDS: Statement = Statement {
    name: "traces::logs_by_ids",
    sql: concat!(log_select!(), " WHERE id = ANY($1)"),
    params: &[IntArray(&[1660, 1661, 1662])],
};

/// The same, within the time span the page's logs lie in: on logs
/// partitioned by month, only those months' partitions are read.
pub const LOGS_BY_IDS_WITHIN: Statement = Statement {
    name: "traces::logs_by_ids_within",
    sql: concat!(
        log_select!(),
        " WHERE id = ANY($1) AND created_at BETWEEN $2 AND $3"
    ),
    params: &[
        IntArray(&[1660, 1661, 1662]),
        Time("2026-11-20T15:00:00Z"),
        Time("2026-11-20T16:00:00Z"),
    ],
};

/// One audit row (the row an operator reveals).
pub const AUDIT_BY_ID: Statement = Statement {
    name: "traces::audit_by_id",
    sql: concat!(audit_select!(), " WHERE id = $1"),
    params: &[Int(1)],
};

/// One integration log (the row an operator reveals).
pub const LOG_BY_ID: Statement = Statement {
    name: "traces::log_by_id",
    sql: concat!(log_select!(), " WHERE id = $1"),
    params: &[Int(1660)],
};

/// The correlation id exactly as stored, if any table has it.
pub const RESOLVE_EXACT: Statement = Statement {
    name: "traces::resolve_exact",
    sql: "SELECT id FROM (
             (SELECT correlation_id::text AS id FROM reconcile_jobs WHERE correlation_id = $1 LIMIT 1)
             UNION
             (SELECT correlation_id::text FROM app_audit WHERE correlation_id = $1 LIMIT 1)
             UNION
             (SELECT correlation_id::text FROM integration_logs WHERE correlation_id = $1 LIMIT 1)
         ) ids LIMIT 1",
    params: &[Text("e4792295b2f441f0b205e154984e92fc")],
};

/// The correlation ids starting with a prefix in lower or in upper case, at
/// most 5 (each branch stops at 5). `_` comes escaped; the pattern ops
/// indexes serve both LIKEs.
pub const RESOLVE_PREFIX: Statement = Statement {
    name: "traces::resolve_prefix",
    sql: "SELECT id FROM (
             (SELECT correlation_id::text AS id FROM reconcile_jobs
               WHERE correlation_id LIKE $1 || '%' OR correlation_id LIKE $2 || '%' LIMIT 5)
             UNION
             (SELECT correlation_id::text FROM app_audit
               WHERE correlation_id LIKE $1 || '%' OR correlation_id LIKE $2 || '%' LIMIT 5)
             UNION
             (SELECT correlation_id::text FROM integration_logs
               WHERE correlation_id LIKE $1 || '%' OR correlation_id LIKE $2 || '%' LIMIT 5)
         ) ids ORDER BY id LIMIT 5",
    params: &[Text("e4792295"), Text("E4792295")],
};

/// Every statement of this module, for the EXPLAIN test.
pub const ALL: &[&Statement] = &[
    &AUDIT_OF,
    &JOBS_OF,
    &LOGS_OF,
    &LOG_COUNT_OF,
    &LOG_HEADS_OF,
    &LOGS_BY_IDS,
    &LOGS_BY_IDS_WITHIN,
    &AUDIT_BY_ID,
    &LOG_BY_ID,
    &RESOLVE_EXACT,
    &RESOLVE_PREFIX,
];
