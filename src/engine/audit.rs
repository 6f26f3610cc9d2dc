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
    if let (Some(r), Some(o)) = (&op.reason, after.as_object_mut()) {
        o.insert("operator_reason".into(), json!(r));
    }
    sqlx::query(statements::audit::INSERT.sql)
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
