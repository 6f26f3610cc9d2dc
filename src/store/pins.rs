//! One user's PIN, door by door, from the broker's rows: the doors her
//! access names, the sync state of her PINs, and per lock a bounded walk of
//! its newest logs for the newest listing, her PIN's changes and any logged
//! record read. Read only; every statement in `statements::pins`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, Row};

use super::statements;
use super::traces::{JobStatus, job_row, log_row};
use crate::pinmap::records::{self, Who};
use crate::pinmap::{
    Access, Change, ChangeKind, Credential, DoorPin, JobRef, Listing, NotNow, State, SyncState,
    UserPins,
};

/// How many of a lock's newest logs the pane walks (its index, newest first).
pub const LOCK_WINDOW: i64 = 1000;
/// The changes of her PIN kept per door.
pub const CHANGES_KEPT: usize = 10;

const LISTINGS: [&str; 2] = ["PASSCODE_LIST", "LOCK_USERS"];
const RECORDS: [&str; 2] = ["LOCK_RECORD_LIST", "AUDIT_TRAIL_FETCH"];
const CHANGES: [&str; 4] = [
    "PASSCODE_ADD",
    "PASSCODE_DELETE",
    "LOCK_SHARE",
    "LOCK_REVOKE",
];

/// The database's clock, or `pinned` (the console's, when pinned).
pub async fn now(
    conn: &mut PgConnection,
    pinned: Option<DateTime<Utc>>,
) -> Result<DateTime<Utc>, sqlx::Error> {
    sqlx::query_scalar(statements::pins::NOW.marked())
        .bind(pinned)
        .fetch_one(&mut *conn)
        .await
}

struct Head {
    id: i64,
    action: String,
    at: Option<DateTime<Utc>>,
    ok: bool,
    job: Option<i64>,
    correlation_id: Option<String>,
    error: Option<String>,
    pwd_id: Option<String>,
    dd_user: Option<String>,
}

async fn heads(conn: &mut PgConnection, lock_key: &str) -> Result<Vec<Head>, sqlx::Error> {
    let actions: Vec<&str> = LISTINGS
        .iter()
        .chain(&RECORDS)
        .chain(&CHANGES)
        .copied()
        .collect();
    let rows = sqlx::query(statements::pins::LOCK_RECENT.marked())
        .bind(lock_key)
        .bind(LOCK_WINDOW)
        .bind(&actions)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Head {
                id: r.try_get(0)?,
                action: r.try_get::<Option<String>, _>(1)?.unwrap_or_default(),
                at: r.try_get(2)?,
                ok: r.try_get::<Option<bool>, _>(3)?.unwrap_or(false),
                job: r.try_get(4)?,
                correlation_id: r.try_get(5)?,
                error: crate::secrets::free_opt(r.try_get(6)?),
                pwd_id: r.try_get(7)?,
                dd_user: r.try_get(8)?,
            })
        })
        .collect()
}

/// The answers of these logs (masked as every row is), by id.
async fn answers(
    conn: &mut PgConnection,
    ids: &[i64],
) -> Result<Vec<serde_json::Value>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(statements::traces::LOGS_BY_IDS.marked())
        .bind(ids)
        .fetch_all(&mut *conn)
        .await?;
    let logs = rows.iter().map(log_row).collect::<Result<Vec<_>, _>>()?;
    Ok(logs.into_iter().filter_map(|l| l.response_json).collect())
}

/// Fills one door's listing, changes and logged uses from its lock's logs.
async fn read_lock(
    conn: &mut PgConnection,
    d: &mut DoorPin,
    who: &Who,
    her_jobs: &[i64],
) -> Result<(), sqlx::Error> {
    let Some(key) = d.lock_key() else {
        return Ok(());
    };
    let heads = heads(conn, &key).await?;
    // The newest listing, all its pages (the rows of the same run).
    if let Some(newest) = heads.iter().find(|h| LISTINGS.contains(&h.action.as_str())) {
        let pages: Vec<&Head> = heads
            .iter()
            .filter(|h| {
                LISTINGS.contains(&h.action.as_str())
                    && h.correlation_id == newest.correlation_id
                    && h.job == newest.job
            })
            .take(60)
            .collect();
        let failed = pages.iter().find(|h| !h.ok);
        let ids: Vec<i64> = pages.iter().filter(|h| h.ok).map(|h| h.id).collect();
        let found = answers(conn, &ids)
            .await?
            .iter()
            .any(|a| records::holds(a, who));
        d.listing = Some(Listing {
            log_id: Some(newest.id),
            at: newest.at,
            holds: match (found, failed) {
                (true, _) => Some(true),
                (false, None) => Some(false),
                (false, Some(_)) => None,
            },
            error: failed.and_then(|h| h.error.clone()),
        });
    }
    d.changes = heads
        .iter()
        .filter(|h| CHANGES.contains(&h.action.as_str()))
        .filter(|h| {
            h.pwd_id
                .as_ref()
                .is_some_and(|p| who.vendor_ids.contains(p))
                || (h.dd_user.is_some() && h.dd_user == who.doordeck_ref)
                || (h.action == "PASSCODE_ADD" && h.job.is_some_and(|j| her_jobs.contains(&j)))
        })
        .take(CHANGES_KEPT)
        .map(|h| Change {
            log_id: h.id,
            kind: if matches!(h.action.as_str(), "PASSCODE_ADD" | "LOCK_SHARE") {
                ChangeKind::Add
            } else {
                ChangeKind::Delete
            },
            ok: h.ok,
            error: h.error.clone(),
            job: h.job,
            correlation_id: h.correlation_id.clone(),
            at: h.at,
        })
        .collect();
    // The newest logged read of the lock's own records, if the broker made one.
    let reads: Vec<i64> = heads
        .iter()
        .filter(|h| RECORDS.contains(&h.action.as_str()) && h.ok)
        .take(5)
        .map(|h| h.id)
        .collect();
    if !reads.is_empty() {
        let answers = answers(conn, &reads).await?;
        let (ok, failed) = records::uses(answers.iter().flat_map(records::items), who);
        d.last_ok = ok;
        d.last_failed = failed;
        d.uses_read = true;
    }
    Ok(())
}

fn access_of(r: &sqlx::postgres::PgRow) -> Result<Access, sqlx::Error> {
    let door_active: Option<bool> = r.try_get(5)?;
    let ual_status: Option<String> = r.try_get(7)?;
    let al_status: Option<String> = r.try_get(9)?;
    let valid: Option<bool> = r.try_get(11)?;
    let not_now = if ual_status.as_deref() != Some("active") {
        Some(NotNow::Ended)
    } else if al_status.as_deref() != Some("active") {
        Some(NotNow::LevelInactive)
    } else if valid != Some(true) {
        Some(NotNow::Expired)
    } else if door_active != Some(true) {
        Some(NotNow::DoorInactive)
    } else {
        None
    };
    Ok(Access {
        grant_id: r.try_get::<Option<i64>, _>(6)?.unwrap_or(0),
        level: r
            .try_get::<Option<String>, _>(8)?
            .unwrap_or_else(|| "—".into()),
        schedule: r.try_get(10)?,
        hours: crate::pinmap::hours::Hours::parse(
            r.try_get::<Option<String>, _>(12)?.as_deref(),
            r.try_get::<Option<String>, _>(13)?.as_deref(),
            r.try_get::<Option<String>, _>(14)?.as_deref(),
            r.try_get::<Option<String>, _>(15)?.as_deref(),
        ),
        not_now,
    })
}

fn blank_door(id: i64) -> DoorPin {
    DoorPin {
        door_id: id,
        door_name: "—".into(),
        provider: String::new(),
        external_id: None,
        customer: None,
        access: Vec::new(),
        sync: None,
        listing: None,
        changes: Vec::new(),
        last_ok: None,
        last_failed: None,
        uses_read: false,
        state: State::Unknown,
    }
}

/// One user's PIN, door by door; `None` when no `users` row has this id.
/// Doors: every door her access rows name, and every door whose sync
/// state remembers one of her PINs (a possible stray). `pinned`: the
/// console's clock when it is pinned (`--now`, the tests' demo world), which
/// then is the pane's now: schedules, ages and the live read's window of the
/// lock's records are measured from the time the console shows.
pub async fn user_pins(
    conn: &mut PgConnection,
    user_id: i64,
    pinned: Option<DateTime<Utc>>,
) -> Result<Option<(UserPins, Who)>, sqlx::Error> {
    let now = now(conn, pinned).await?;
    let Some(r) = sqlx::query(statements::pins::USER.marked())
        .bind(user_id)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let mut u = UserPins {
        user_id,
        name: r.try_get(0)?,
        email: r.try_get(1)?,
        status: r.try_get(2)?,
        site: r.try_get(3)?,
        time_zone: r.try_get(4)?,
        credentials: Vec::new(),
        doors: Vec::new(),
        pending: Vec::new(),
        failed: None,
        now,
    };
    let doordeck_ref: Option<String> = r.try_get(5)?;
    let creds: Vec<(i64, Option<String>, Option<String>)> =
        sqlx::query_as(statements::users::CREDENTIALS.marked())
            .bind(user_id)
            .fetch_all(&mut *conn)
            .await?;
    // The PIN is masked here, before anything can show it.
    u.credentials = creds
        .into_iter()
        .map(|(id, pin, status)| Credential {
            id,
            name: format!("AB U{user_id} C{id}"),
            masked_pin: pin
                .as_deref()
                .map_or_else(|| "—".into(), crate::secrets::mask_pin),
            status: status.unwrap_or_else(|| "—".into()),
        })
        .collect();
    let mut doors: BTreeMap<i64, DoorPin> = BTreeMap::new();
    let rows = sqlx::query(statements::pins::DOORS_OF_USER.marked())
        .bind(user_id)
        .bind(pinned)
        .fetch_all(&mut *conn)
        .await?;
    for r in &rows {
        let id: i64 = r.try_get(0)?;
        let d = doors.entry(id).or_insert_with(|| blank_door(id));
        d.door_name = crate::pinmap::plain(
            &r.try_get::<Option<String>, _>(1)?
                .unwrap_or_else(|| "—".into()),
        );
        d.provider = r.try_get::<Option<String>, _>(2)?.unwrap_or_default();
        d.external_id = r.try_get(3)?;
        d.customer = r.try_get(4)?;
        d.access.push(access_of(r)?);
    }
    let ids: Vec<i64> = u.credentials.iter().map(|c| c.id).collect();
    let states = sqlx::query(statements::pins::STATES_OF_CREDENTIALS.marked())
        .bind(&ids)
        .fetch_all(&mut *conn)
        .await?;
    let mut vendor_ids = Vec::new();
    for r in &states {
        let door: i64 = r.try_get(0)?;
        let vendor: Option<String> = r.try_get(2)?;
        vendor_ids.extend(vendor.clone());
        let d = doors.entry(door).or_insert_with(|| blank_door(door));
        // The newest row per door (the statement's order) is the one kept.
        if d.sync.is_none() {
            d.sync = Some(SyncState {
                vendor_pin_id: vendor,
                present: r.try_get::<Option<bool>, _>(3)?.unwrap_or(false),
                first_seen: r.try_get(4)?,
                last_seen: r.try_get(5)?,
            });
        }
    }
    // Doors known only through the sync state: their lock from the door row.
    for d in doors.values_mut().filter(|d| d.provider.is_empty()) {
        if let Some(r) = sqlx::query(statements::drift::DOOR.marked())
            .bind(d.door_id)
            .fetch_optional(&mut *conn)
            .await?
        {
            d.door_name = crate::pinmap::plain(
                &r.try_get::<Option<String>, _>(1)?
                    .unwrap_or_else(|| "—".into()),
            );
            d.provider = r.try_get::<Option<String>, _>(2)?.unwrap_or_default();
            d.external_id = r.try_get(3)?;
            d.customer = r.try_get(4)?;
        }
    }
    let jobs = sqlx::query(statements::jobs::OF_USER.marked())
        .bind(user_id)
        .fetch_all(&mut *conn)
        .await?;
    let jobs = jobs.iter().map(job_row).collect::<Result<Vec<_>, _>>()?;
    let job_ref = |j: &crate::store::traces::JobRow| JobRef {
        id: j.id,
        job_type: crate::pinmap::plain(&j.job_type),
        status: j.status.as_str().to_string(),
        error: j.last_error.clone(),
        at: Some(j.updated_at),
    };
    u.pending = jobs
        .iter()
        .filter(|j| matches!(j.status, JobStatus::Queued | JobStatus::Running))
        .map(job_ref)
        .collect();
    u.failed = jobs
        .iter()
        .find(|j| matches!(j.status, JobStatus::Failed | JobStatus::Dead))
        .map(job_ref);
    let her_jobs: Vec<i64> = jobs.iter().map(|j| j.id).collect();
    let who = Who {
        code_name: u
            .credentials
            .iter()
            .find(|c| c.status == "active")
            .or(u.credentials.first())
            .map(|c| c.name.clone())
            .unwrap_or_default(),
        vendor_ids,
        doordeck_ref,
        email: u.email.clone(),
    };
    for d in doors.values_mut() {
        let mut who = who.clone();
        who.vendor_ids = d
            .sync
            .iter()
            .filter_map(|s| s.vendor_pin_id.clone())
            .collect();
        read_lock(conn, d, &who, &her_jobs).await?;
    }
    u.doors = doors.into_values().collect();
    u.decide_all();
    Ok(Some((u, who)))
}
