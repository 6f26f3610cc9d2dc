//! The read side of drift enforcement: the door, what the broker expects on
//! its lock, what the lock has, and the plan, with nothing written.

use crate::store::statements;
use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use sqlx::{PgConnection, PgPool, Row};

use super::audit::audit;
use super::plan::{self, Actual, Expected, Input, Known, Mode, Plan};
use super::{Operator, Refused, begin, explain, finish, new_correlation_id};
use crate::providers::CallRecord;
use crate::providers::settings::Providers;
use crate::store::logs::{self, LogContext, Step};

/// The door a drift run is about.
#[derive(Debug, Clone, PartialEq)]
pub struct DoorRef {
    pub id: i64,
    pub name: String,
    pub provider: String,
    pub external_id: String,
    pub customer: Option<i64>,
    pub device: Option<i64>,
}

pub async fn door(conn: &mut PgConnection, id: i64) -> Result<Option<DoorRef>, sqlx::Error> {
    let row = sqlx::query(statements::drift::DOOR.tagged())
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|r| {
        Ok(DoorRef {
            id: r.try_get(0)?,
            name: r
                .try_get::<Option<String>, _>(1)?
                .unwrap_or_else(|| "—".to_string()),
            provider: r.try_get::<Option<String>, _>(2)?.unwrap_or_default(),
            external_id: r.try_get::<Option<String>, _>(3)?.unwrap_or_default(),
            customer: r.try_get(4)?,
            device: r.try_get(5)?,
        })
    })
    .transpose()
}

/// What the broker says belongs on the door's lock now: active users whose
/// active access levels open the door (directly or through its group), with
/// a valid schedule and an active credential.
pub async fn expected(
    conn: &mut PgConnection,
    door: i64,
    now: DateTime<Utc>,
) -> Result<Vec<Expected>, sqlx::Error> {
    let rows = sqlx::query(statements::drift::EXPECTED_PINS.tagged())
        .bind(door)
        .bind(now)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            let (cred, user): (i64, i64) = (r.try_get(0)?, r.try_get(1)?);
            Ok(Expected {
                credential_id: cred,
                user_id: user,
                code_name: format!("AB U{user} C{cred}"),
                pin: r.try_get(2)?,
                user_ref: r.try_get(3)?,
                email: r.try_get(4)?,
            })
        })
        .collect()
}

/// What the broker remembers of the passcodes on the lock. A first time
/// that cannot be held is read as the panes read it (`infinity`: never
/// eligible, so blocked by the grace; `-infinity`: long past); a NULL one as
/// not known yet (first seen by this run, and remembered by an enforcement).
async fn known(
    conn: &mut PgConnection,
    door: i64,
    now: DateTime<Utc>,
) -> Result<Vec<Known>, sqlx::Error> {
    let rows = sqlx::query(statements::drift::KNOWN_PINS.tagged())
        .bind(door)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            let mut odd = Vec::new();
            let at = crate::store::odd::stamp(r, 2, 3, "first_seen_at", false, &mut odd)?;
            let source: Option<String> = r.try_get(4)?;
            let (first_seen_at, first_seen_source) = match at {
                None if odd.is_empty() => (now, "inferred_now".to_string()),
                at => (
                    crate::store::odd::or_edge(at, &odd, "first_seen_at"),
                    source.unwrap_or_else(|| "unknown".into()),
                ),
            };
            Ok(Known {
                vendor_pin_id: r.try_get(0)?,
                credential_id: r.try_get(1)?,
                first_seen_at,
                first_seen_source,
            })
        })
        .collect()
}

/// The credential ids a plan of this lock can ask about: those named by the
/// listed passcodes (`AB U{user} C{credential}`) and those the broker
/// remembers on this door. Sorted, each once.
pub(crate) fn credential_ids(actual: &[Actual], known: &[Known]) -> Vec<i64> {
    let named = actual
        .iter()
        .filter_map(|a| a.code_name.as_deref().and_then(plan::parse_code_name))
        .map(|(_, c)| c);
    let remembered = known.iter().filter_map(|k| k.credential_id);
    let mut ids: Vec<i64> = named.chain(remembered).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The owners of `ids` only, by primary key.
async fn credentials(
    conn: &mut PgConnection,
    ids: &[i64],
) -> Result<BTreeMap<i64, i64>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    let rows: Vec<(i64, i64)> = sqlx::query_as(statements::drift::CREDENTIAL_OWNERS.tagged())
        .bind(ids)
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// A plan as shown before anything changes, with whether the lock can be
/// reached now.
#[derive(Debug)]
pub struct Preview {
    pub door: DoorRef,
    pub plan: Result<Plan, String>,
    /// `Err` when the gateway or provider is failing: enforcement cannot run,
    /// the job can be left to the worker instead.
    pub reachable: Result<(), String>,
    pub calls: Vec<CallRecord>,
    /// Changes on this lock sent by a run that died before logging them.
    pub interrupted: Vec<super::interrupted::Interrupted>,
    /// The device's state as probed (kept 60 s per lock), when it was read.
    pub device: Option<std::sync::Arc<crate::providers::probe::Probed>>,
    /// The lock's facts with where they come from and how old they are
    /// (`health::lock_facts`): "gateway G2 offline (probe 12:01 UTC) · the
    /// cloud's list of the lock's PINs, which may be stale, matches the broker".
    pub facts: String,
}

pub const GRACE: i64 = 3600;

/// Lists the lock, reads the broker's side and plans: nothing is written.
/// A connection is taken only around the statements, never across the
/// provider's probe and listing (which may take minutes on a slow lock):
/// previews never fill the pool, whatever the lock does.
pub async fn preview(
    pool: &PgPool,
    providers: &Providers,
    door_id: i64,
    mode: Mode,
    now: DateTime<Utc>,
) -> Result<Preview, Refused> {
    let (door, start) = {
        let mut conn = super::acquire(pool).await?;
        let door = door(&mut conn, door_id)
            .await
            .map_err(|e| explain(&e))?
            .ok_or_else(|| Refused(format!("there is no door #{door_id}")))?;
        // What the lock's runs were doing as the listing starts: the
        // interrupted changes are judged against it, not against whenever
        // a slow listing ends.
        let lock = crate::lockkey::LockKey::new(&door.provider, &door.external_id);
        let start = super::interrupted::ListingStart::read(&mut conn, &lock)
            .await
            .map_err(|e| explain(&e))?;
        (door, start)
    };
    let mut calls = Vec::new();
    let client = match providers.client(door.customer, &door.provider) {
        Ok(c) => c,
        Err(e) => {
            return Ok(Preview {
                door,
                plan: Err(e.to_string()),
                reachable: Err(e.to_string()),
                calls,
                interrupted: Vec::new(),
                device: None,
                facts: super::health::lock_facts(None, None),
            });
        }
    };
    // The device's state (kept 60 s per lock), read beside the old
    // reachability probe: one attempt, 2 s.
    let (device, probe) = tokio::join!(
        providers.probe(door.customer, &door.provider, &door.external_id, now),
        client.probe(&door.external_id)
    );
    calls.extend(probe.calls);
    let listed = client.list_access(&door.external_id).await;
    calls.extend(listed.calls);
    let mut interrupted = Vec::new();
    let plan = match listed.result {
        Ok(actual) => {
            let mut conn = super::acquire(pool).await?;
            interrupted = super::interrupted::find(
                &mut conn,
                &crate::lockkey::LockKey::new(&door.provider, &door.external_id),
                &actual,
                now,
                start,
            )
            .await
            .map_err(|e| explain(&e))?;
            Ok(build_plan(&mut conn, &door, actual, mode, now)
                .await
                .map_err(|e| explain(&e))?)
        }
        Err(e) => Err(format!("{}: {e}", door.provider)),
    };
    let drift = plan
        .as_ref()
        .ok()
        .map(|p| p.adds.len() + p.deletes.len() + p.blocked_by_grace.len() + p.unknown.len());
    Ok(Preview {
        reachable: probe.result.map_err(|e| format!("{}: {e}", door.provider)),
        facts: super::health::lock_facts(Some(&device), drift),
        device: Some(device),
        door,
        plan,
        calls,
        interrupted,
    })
}

pub(crate) async fn build_plan(
    conn: &mut PgConnection,
    door: &DoorRef,
    listed: crate::providers::Listing,
    mode: Mode,
    now: DateTime<Utc>,
) -> Result<Plan, sqlx::Error> {
    // A TTLock passcode's name not in the broker's form is a secret: masked
    // here, before the plan shows it or any row of lockdesk's holds it (the
    // broker's own names, all the plan matches by, are kept).
    let ttlock = door.provider.eq_ignore_ascii_case("TTLOCK");
    let list_incomplete = listed.incomplete.clone();
    let actual: Vec<Actual> = listed
        .items
        .into_iter()
        .map(|a| Actual {
            vendor_pin_id: a.id,
            code_name: if ttlock {
                plan::passcode_name(a.name.as_deref())
            } else {
                a.name
            },
            provider_receipt_id: None,
        })
        .collect();
    let known = known(conn, door.id, now).await?;
    let ids = credential_ids(&actual, &known);
    let credentials = credentials(conn, &ids).await?;
    let ended = super::ended::ended(conn, door.id, &ids).await?;
    let input = Input {
        door_id: door.id,
        door_name: door.name.clone(),
        provider_type: door.provider.clone(),
        external_device_id: door.external_id.clone(),
        integration_device_id: door.device,
        expected: expected(conn, door.id, now).await?,
        actual,
        known,
        credentials,
        ended,
        mode,
        grace: Duration::seconds(GRACE),
        now,
        list_incomplete,
    };
    Ok(plan::plan(input))
}

/// Leaves an enforcement to the worker (when the lock cannot be reached now).
pub async fn enqueue_drift(
    pool: &PgPool,
    op: &Operator,
    door_id: i64,
    mode: Mode,
) -> Result<i64, Refused> {
    let mut conn = super::acquire(pool).await?;
    let d = door(&mut conn, door_id)
        .await
        .map_err(|e| explain(&e))?
        .ok_or_else(|| Refused(format!("there is no door #{door_id}")))?;
    let corr = new_correlation_id();
    begin(&mut conn, op).await.map_err(|e| explain(&e))?;
    let r: Result<i64, sqlx::Error> = async {
        let payload = json!({"door_id": d.id, "integration_device_id": d.device, "provider_type": d.provider,
                             "external_id": d.external_id, "mode": mode.name(), "grace_window_seconds": GRACE});
        let reason = format!("console drift_enforce {} {} door:{}", d.provider, d.external_id, d.id);
        let (id,): (i64,) = sqlx::query_as(
            statements::drift::ENQUEUE_ENFORCE.tagged(),
        )
        .bind(&reason)
        .bind(&corr)
        .bind(sqlx::types::Json(&payload))
        .fetch_one(&mut *conn)
        .await?;
        let ctx = LogContext { correlation_id: Some(corr.clone()), reconcile_job_id: Some(id), ..LogContext::default() };
        logs::insert_step(&mut conn, &Step { action: "RECONCILE_ENQUEUED", ok: true, error: None,
            request: json!({"job_type": "drift_enforce_lock_truth", "reason": reason, "source": op.source, "user_id": 0, "operator": op.name}),
            response: json!({"job_id": id}), at: None }, &ctx).await?;
        audit(&mut conn, op, "Door", d.id, "drift_enqueue", Value::Null, json!({"job_id": id, "mode": mode.name()}), Some(&corr)).await?;
        Ok(id)
    }
    .await;
    finish(&mut conn, r).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_asks_for_the_credentials_its_codes_name_and_no_others() {
        let act = |id: &str, name: Option<&str>| Actual {
            vendor_pin_id: id.into(),
            code_name: name.map(str::to_string),
            provider_receipt_id: None,
        };
        let actual = [
            act("1", Some("AB U9 C6")),
            act("2", Some("AB U12 C9")),
            act("3", Some("cleaner 4821")),
            act("4", Some("***")),
            act("5", None),
            act("6", Some("AB U9 C99999999999999999999")),
            act("7", Some("AB U9 C6")),
        ];
        let known = [Known {
            vendor_pin_id: "8".into(),
            credential_id: Some(41),
            first_seen_at: Utc::now(),
            first_seen_source: "lock".into(),
        }];
        assert_eq!(credential_ids(&actual, &known), [6, 9, 41]);
        assert!(credential_ids(&[], &[]).is_empty());
    }
}
