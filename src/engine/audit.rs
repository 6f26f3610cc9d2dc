//! The `app_audit` row every change lockdesk makes writes: who, why, before
//! and after, under the change's correlation id.

use crate::store::statements;
use serde_json::{Value, json};
use sqlx::PgConnection;

use super::Operator;

#[allow(clippy::too_many_arguments)]
pub async fn audit(
    conn: &mut PgConnection,
    op: &Operator,
    entity: &str,
    id: i64,
    action: &str,
    before: Value,
    mut after: Value,
    corr: Option<&str>,
) -> Result<(), sqlx::Error> {
    if let Some(o) = after.as_object_mut() {
        if let Some(r) = &op.reason {
            o.insert("operator_reason".into(), json!(r));
        }
        // Who really acted, whatever name the config gives the operator:
        // the OS user here, and the database role (added by the statement).
        o.insert("os_user".into(), json!(os_user()));
    }
    sqlx::query(statements::audit::INSERT.tagged())
        .bind(entity)
        .bind(id)
        .bind(action)
        .bind((!before.is_null()).then_some(sqlx::types::Json(&before)))
        .bind(sqlx::types::Json(&after))
        .bind(corr)
        .bind(&op.name)
        .bind(op.source)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The OS user running lockdesk: the account of the process's real uid,
/// with `$USER`/`$LOGNAME` noted only when they say otherwise
/// (`alice (USER=bob)`). Read once per process (`osuser::current`).
pub fn os_user() -> String {
    crate::osuser::current().recorded.clone()
}
