//! `:reveal`: one value copied unmasked, read again from the database with
//! its secrets in place, and recorded in `app_audit` in the same transaction
//! before it is handed to the copy. Nothing unmasked is ever held for drawing.

use serde_json::json;
use sqlx::PgPool;

use super::statements;
use super::traces::{Masking, audit_row_as, job_row_as, log_row_as};

/// What one reveal copies: a whole row (its `y` copy) or one JSON column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevealOf {
    Audit(i64),
    Job(i64),
    Log(i64),
    LogColumn(i64, &'static str),
}

impl RevealOf {
    pub fn describe(&self) -> String {
        match self {
            RevealOf::Audit(id) => format!("audit row #{id}"),
            RevealOf::Job(id) => format!("job #{id}"),
            RevealOf::Log(id) => format!("log #{id}"),
            RevealOf::LogColumn(id, column) => format!("log #{id} {column}"),
        }
    }
}

/// A revealed text on its way to the copy; never printed by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Unmasked(pub String);

impl std::fmt::Debug for Unmasked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Unmasked({} bytes)", self.0.len())
    }
}

/// Who reveals, and why (recorded with the reveal).
#[derive(Debug, Clone)]
pub struct Revealer {
    pub operator: String,
    pub os_user: String,
    pub reason: String,
}

/// Reads `of` unmasked and records the reveal; the text to copy, once the
/// record is committed. Without the record there is no copy.
pub async fn reveal(pool: &PgPool, of: &RevealOf, who: &Revealer) -> Result<Unmasked, String> {
    let failed =
        |e: sqlx::Error| format!("the reveal was not recorded, so nothing was copied: {e}");
    // A reveal is its own elevation: it writes its record even in a
    // read-only session (and a role that may not write gets no reveal).
    let mut tx = pool
        .begin_with(statements::session::BEGIN_WRITE.tagged())
        .await
        .map_err(failed)?;
    let (sql, id) = match of {
        RevealOf::Audit(id) => (statements::traces::AUDIT_BY_ID.tagged(), *id),
        RevealOf::Job(id) => (statements::jobs::BY_ID.tagged(), *id),
        RevealOf::Log(id) | RevealOf::LogColumn(id, _) => {
            (statements::traces::LOG_BY_ID.tagged(), *id)
        }
    };
    let row = sqlx::query(sql)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(failed)?
        .ok_or_else(|| {
            format!(
                "{} is no longer in the database; nothing was copied",
                of.describe()
            )
        })?;
    let text = match of {
        RevealOf::Audit(_) => audit_row_as(&row, Masking::Off).map(|r| r.to_json_text()),
        RevealOf::Job(_) => job_row_as(&row, Masking::Off).map(|r| r.to_json_text()),
        RevealOf::Log(_) => log_row_as(&row, Masking::Off).map(|r| r.to_json_text()),
        RevealOf::LogColumn(_, column) => log_row_as(&row, Masking::Off).map(|r| {
            r.raw_json
                .into_iter()
                .find(|(c, _)| c == column)
                .map_or_else(|| "null".to_string(), |(_, t)| t)
        }),
    }
    .map_err(failed)?;
    let after = json!({"revealed": of.describe(), "reason": who.reason, "os_user": who.os_user});
    sqlx::query(statements::audit::INSERT.tagged())
        .bind("Session")
        .bind(None::<i64>)
        .bind("reveal")
        .bind(None::<sqlx::types::Json<serde_json::Value>>)
        .bind(sqlx::types::Json(&after))
        .bind(None::<&str>)
        .bind(&who.operator)
        .bind("console")
        .execute(&mut *tx)
        .await
        .map_err(failed)?;
    tx.commit().await.map_err(failed)?;
    Ok(Unmasked(text))
}
