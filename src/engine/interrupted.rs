//! Changes interrupted after they were sent: an intent row with no outcome
//! (the process died between the provider call and its log). The lock's
//! next drift preview finds them and, in write mode, writes the missing
//! outcome from the re-list it already makes. Nothing is sent again.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use sqlx::{PgConnection, PgPool};

use super::{Operator, Refused, begin, explain, finish};
use crate::lockkey::LockKey;
use crate::providers::Listing;
use crate::store::logs::{self, LogContext, Step};
use crate::store::statements;
use crate::store::traces::{LogRow, log_row};

/// How far back a preview looks for interrupted changes.
const LOOK_BACK_DAYS: i64 = 30;

/// One change whose outcome was never written.
#[derive(Debug, Clone, PartialEq)]
pub struct Interrupted {
    pub intent_log_id: i64,
    /// The outcome action it waits for (`DRIFT_ENFORCE_DELETE_PIN`).
    pub action: String,
    pub request: Value,
    pub correlation_id: Option<String>,
    pub job: Option<i64>,
    /// Whether the lock, listed again now, shows the change made.
    pub applied: bool,
}

impl Interrupted {
    pub fn describe(&self) -> String {
        let what = self
            .request
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("?");
        format!(
            "{} of {what} (log #{}) was interrupted after it was sent: the lock shows it {}",
            self.action,
            self.intent_log_id,
            if self.applied { "done" } else { "not done" }
        )
    }
}

/// The interrupted changes on one lock, judged against `listed` (the lock
/// as just listed). From a list that is not whole only what it shows
/// counts: a delete whose code is absent, or an add whose name is, is left
/// for a whole list to settle.
pub(crate) async fn find(
    conn: &mut PgConnection,
    lock: &LockKey,
    listed: &Listing,
    now: DateTime<Utc>,
) -> Result<Vec<Interrupted>, sqlx::Error> {
    let key = lock.to_string();
    let rows = sqlx::query(statements::drift::INTENTS_OF_LOCK.tagged())
        .bind(&key)
        .bind(now - Duration::days(LOOK_BACK_DAYS))
        .fetch_all(&mut *conn)
        .await?;
    let intents: Vec<LogRow> = rows.iter().map(log_row).collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    for i in intents {
        let Some(corr) = i.correlation_id.clone() else {
            continue;
        };
        let rows = sqlx::query(statements::traces::LOGS_OF.tagged())
            .bind(&corr)
            .fetch_all(&mut *conn)
            .await?;
        let logs: Vec<LogRow> = rows.iter().map(log_row).collect::<Result<_, _>>()?;
        if !crate::intents::unsettled(&logs)
            .iter()
            .any(|u| u.id == i.id)
        {
            continue;
        }
        let action = crate::intents::outcome_of(&i.action)
            .unwrap_or_default()
            .to_string();
        let request = i.request_json.clone().unwrap_or(Value::Null);
        let field = |k: &str| request.get(k).and_then(Value::as_str).map(str::to_string);
        let actual = &listed.items;
        let (applied, shown) = if action.ends_with("DELETE_PIN") {
            let id = field("provider_code_id");
            let on_lock = actual.iter().any(|a| Some(&a.id) == id.as_ref());
            (!on_lock, on_lock)
        } else {
            let name = field("name");
            let on_lock = name.is_some() && actual.iter().any(|a| a.name == name);
            (on_lock, on_lock)
        };
        if !shown && !listed.is_complete() {
            continue;
        }
        out.push(Interrupted {
            intent_log_id: i.id,
            action,
            request,
            correlation_id: Some(corr),
            job: i.reconcile_job_id,
            applied,
        });
    }
    Ok(out)
}

/// Writes the missing outcome of each interrupted change (write mode).
pub async fn settle(pool: &PgPool, op: &Operator, list: &[Interrupted]) -> Result<usize, Refused> {
    let mut conn = pool.acquire().await.map_err(|e| explain(&e))?;
    for i in list {
        let ctx = LogContext {
            correlation_id: i.correlation_id.clone(),
            reconcile_job_id: i.job,
            ..LogContext::default()
        };
        begin(&mut conn, op).await.map_err(|e| explain(&e))?;
        let step = Step {
            action: &i.action,
            ok: i.applied,
            error: (!i.applied).then(|| {
                "interrupted after it was sent; the lock, listed again, does not show it done"
                    .to_string()
            }),
            request: i.request.clone(),
            response: json!({"settled_by": "drift preview", "intent_log_id": i.intent_log_id, "applied": i.applied}),
            at: Utc::now(),
        };
        let r = logs::insert_step(&mut conn, &step, &ctx).await;
        finish(&mut conn, r).await?;
    }
    Ok(list.len())
}
