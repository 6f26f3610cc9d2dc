//! app_audit: the pages of the audit pane and the row every change writes.

use super::{Param::*, Statement};

/// The audit row every change writes.
pub const INSERT: Statement = Statement {
    name: "audit::insert",
    sql: "INSERT INTO app_audit (created_at, entity_type, entity_id, action, before_json, after_json, correlation_id, actor, source)
         VALUES (now(), $1, $2, $3, $4, $5::jsonb || jsonb_build_object('db_role', current_user::text), $6, $7, $8)",
    params: &[Text("ReconcileJob"), Int(72), Text("retry"), Json("{\"status\": \"failed\"}"), Json("{\"status\": \"queued\"}"), Text("e4792295b2f441f0b205e154984e92fc"), Text("operator"), Text("console")],
};

/// The newest audit rows.
pub const PAGE_FIRST: Statement = Statement {
    name: "audit::page_first",
    sql: concat!(
        audit_select!(),
        " ORDER BY created_at DESC, id DESC LIMIT $1"
    ),
    params: &[Int(200)],
};

/// The audit rows older than a keyset.
pub const PAGE_BEFORE: Statement = Statement {
    name: "audit::page_before",
    sql: concat!(
        audit_select!(),
        " WHERE (created_at, id) < ($1, $2) ORDER BY created_at DESC, id DESC LIMIT $3"
    ),
    params: &[Time("2026-11-20T15:30:00Z"), Int(1000), Int(200)],
};

/// Every statement of this module, for the EXPLAIN test.
pub const ALL: &[&Statement] = &[&INSERT, &PAGE_FIRST, &PAGE_BEFORE];
