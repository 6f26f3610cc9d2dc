//! What ended a credential's access to a door, read from the broker's rows
//! for a drift plan's deletes (`plan_why` says it in words).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, Row};

use crate::store::statements;

/// What ended a credential's access to a door, from the broker's rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Ended {
    pub credential_status: String,
    pub user_status: String,
    /// The newest of the user's access levels to the door no longer active:
    /// its id, status and when it last changed.
    pub access: Option<(i64, String, Option<DateTime<Utc>>)>,
    /// The newest audit row of a change to the user's access (an access
    /// level or credential), for when the current rows do not say what
    /// ended it (`drift::delete_audit`).
    pub audit: Option<AuditChange>,
}

/// One `app_audit` row about a user's access.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditChange {
    pub id: i64,
    pub entity_type: String,
    pub entity_id: Option<i64>,
    pub action: String,
    pub at: Option<DateTime<Utc>>,
    pub actor: Option<String>,
    /// The access level the row names (`access_level_id` of its JSON).
    pub access_level: Option<String>,
}

/// `Ended` for each of `ids` on door `door` (`drift::delete_causes`).
pub async fn ended(
    conn: &mut PgConnection,
    door: i64,
    ids: &[i64],
) -> Result<BTreeMap<i64, Ended>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    let rows = sqlx::query(statements::drift::DELETE_CAUSES.tagged())
        .bind(ids)
        .bind(door)
        .fetch_all(&mut *conn)
        .await?;
    let mut out: BTreeMap<i64, Ended> = rows
        .iter()
        .map(|r| {
            let ual: Option<i64> = r.try_get(3)?;
            Ok((
                r.try_get(0)?,
                Ended {
                    credential_status: r.try_get::<Option<String>, _>(1)?.unwrap_or_default(),
                    user_status: r.try_get::<Option<String>, _>(2)?.unwrap_or_default(),
                    access: ual
                        .map(|id| -> Result<_, sqlx::Error> {
                            Ok((
                                id,
                                r.try_get::<Option<String>, _>(4)?.unwrap_or_default(),
                                r.try_get(5)?,
                            ))
                        })
                        .transpose()?,
                    audit: None,
                },
            ))
        })
        .collect::<Result<_, sqlx::Error>>()?;
    let audit = sqlx::query(statements::drift::DELETE_AUDIT.tagged())
        .bind(ids)
        .fetch_all(&mut *conn)
        .await?;
    for r in &audit {
        let credential: i64 = r.try_get(0)?;
        if let Some(e) = out.get_mut(&credential) {
            e.audit = Some(AuditChange {
                id: r.try_get(1)?,
                entity_type: r.try_get::<Option<String>, _>(2)?.unwrap_or_default(),
                entity_id: r.try_get(3)?,
                action: r.try_get::<Option<String>, _>(4)?.unwrap_or_default(),
                at: r.try_get(5)?,
                actor: crate::secrets::free_opt(r.try_get::<Option<String>, _>(6)?),
                access_level: r.try_get::<Option<String>, _>(7)?,
            });
        }
    }
    Ok(out)
}
