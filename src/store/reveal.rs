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

/// A reveal that did not happen: why, and whether it is still unused (then
/// the console arms it again, as it was).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotRevealed {
    pub message: String,
    /// Set when nothing was read or recorded: the reveal's end and reason.
    pub rearm: Option<(chrono::DateTime<chrono::Utc>, String)>,
}

impl From<String> for NotRevealed {
    fn from(message: String) -> NotRevealed {
        NotRevealed {
            message,
            rearm: None,
        }
    }
}

/// Who reveals, and why (recorded with the reveal).
#[derive(Debug, Clone)]
pub struct Revealer {
    pub operator: String,
    pub os_user: String,
    pub reason: String,
}

/// Why a reveal longer than the copy can take is refused.
pub fn too_large(of: &RevealOf, len: usize, max: usize) -> String {
    format!(
        "reveal refused, still armed: {} is {len} bytes unmasked, over the terminal clipboard's {max} and no system clipboard here; \
         a revealed value never goes to a file (nothing was read out or recorded). Open the row and press y on one column instead",
        of.describe()
    )
}

/// Reads `of` unmasked and records the reveal; the text to copy, once the
/// record is committed. Without the record there is no copy. A text longer
/// than `max_len` (what the copy can take without a file) is refused before
/// anything is recorded: the transaction is rolled back.
pub async fn reveal(
    pool: &PgPool,
    of: &RevealOf,
    who: &Revealer,
    max_len: Option<usize>,
) -> Result<Unmasked, RevealError> {
    reveal_inner(pool, of, who, max_len).await
}

/// Why a reveal gave no text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevealError {
    /// Too long for any copy but a file: refused before anything was
    /// recorded (the reveal is still unused).
    TooLarge(String),
    Failed(String),
}

impl RevealError {
    pub fn message(self) -> String {
        match self {
            RevealError::TooLarge(m) | RevealError::Failed(m) => m,
        }
    }
}

impl From<String> for RevealError {
    fn from(m: String) -> RevealError {
        RevealError::Failed(m)
    }
}

async fn reveal_inner(
    pool: &PgPool,
    of: &RevealOf,
    who: &Revealer,
    max_len: Option<usize>,
) -> Result<Unmasked, RevealError> {
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
            RevealError::Failed(format!(
                "{} is no longer in the database; nothing was copied",
                of.describe()
            ))
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
    if let Some(max) = max_len.filter(|m| text.len() > *m) {
        let _ = tx.rollback().await;
        return Err(RevealError::TooLarge(too_large(of, text.len(), max)));
    }
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
