//! Reads: one `Query` becomes one read on a pooled connection (or, for a
//! lock's trail, a provider call), its errors said as what they are.

use std::sync::Mutex;

use sqlx::PgPool;

use crate::app::{Data, JobsLoad, LoadError, PAGE, PinsRead, Query, TraceResult};
use crate::providers::settings::Providers;
use crate::providers::{self, ProviderError};
use crate::store::{queries, replica, statements, traces};

/// What the queries need to know about the session.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub stuck_after_secs: i64,
    pub broker_tables: bool,
    /// The database has the recommended `app_audit_user_ref_idx`: the user
    /// pane also finds audit rows of deleted access levels and credentials.
    pub user_ref_index: bool,
    /// Loads read from a standby: the counts poll also reads its lag.
    pub standby: bool,
    /// The console's clock when pinned (`--now`): the user pane's now, so
    /// its live read looks at the lock's records around the time it shows.
    pub pinned: Option<chrono::DateTime<chrono::Utc>>,
}

/// A load's connection: back to the pool when the load ends (answered or
/// failed), closed when the load is aborted (superseded), so that the
/// server-side cancel sent for it can only ever hit this load's own query.
struct LoadConn {
    conn: sqlx::pool::PoolConnection<sqlx::Postgres>,
    done: bool,
}

impl Drop for LoadConn {
    fn drop(&mut self) {
        if !self.done {
            self.conn.close_on_drop();
        }
    }
}

fn error(e: sqlx::Error) -> LoadError {
    let connection_lost = matches!(
        e,
        sqlx::Error::Io(_) | sqlx::Error::PoolClosed | sqlx::Error::Tls(_)
    ) || matches!(&e, sqlx::Error::Database(d) if d.code().is_some_and(|c| c.starts_with("08") || c == "57P01"));
    let message = match &e {
        // Our own cancel (a superseded load) is not a timeout: say which.
        sqlx::Error::Database(d)
            if d.code().as_deref() == Some("57014") && d.message().contains("user request") =>
        {
            "cancelled (superseded)".to_string()
        }
        sqlx::Error::Database(d) if d.code().as_deref() == Some("57014") => format!(
            "the query took longer than the statement timeout ({} s) and was cancelled",
            crate::store::STATEMENT_TIMEOUT.as_secs()
        ),
        sqlx::Error::Database(d) => format!("the database refused the query: {}", d.message()),
        // Every connection is busy (an action holds some): the database is
        // there, this console is waiting for itself.
        sqlx::Error::PoolTimedOut => {
            "every database connection of this console is busy (an action may be running): the load gave up waiting; try again when it is done".to_string()
        }
        _ if connection_lost => format!("the database cannot be reached ({e}); retrying"),
        other => format!("the query failed: {other}"),
    };
    tracing::warn!("{message}");
    LoadError {
        message,
        connection_lost,
    }
}

fn provider_error(provider: &str, e: &ProviderError) -> LoadError {
    LoadError {
        message: format!("{provider}: {e}"),
        connection_lost: false,
    }
}

/// Who else is acting on a lock or job (on the primary: `pg_locks` and
/// `pg_stat_activity` say nothing true on a standby), and the state of its
/// devices: a lock's probed (`probe_lock`), a job's too (`probe_job`).
pub async fn acting(
    primary: &sqlx::PgPool,
    providers: &Providers,
    of: &crate::app::ActingOf,
    pinned: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<Data, LoadError> {
    use crate::app::{Acting, ActingOf};
    use crate::engine::acting;
    let refused = |e: crate::engine::Refused| LoadError {
        message: e.0,
        connection_lost: false,
    };
    let (others, devices) = match of {
        ActingOf::Lock(k) => {
            let Some(key) = crate::lockkey::LockKey::parse(k) else {
                return Ok(Data::Acting(of.clone(), Acting::default()));
            };
            let others = acting::on_lock(primary, &key).await.map_err(refused)?;
            // The lock pane's header says the device's own state: probed
            // here (opening the pane, Ctrl-R), never on a timer.
            let device = probe_lock(primary, providers, &key, pinned).await?;
            (others, device.into_iter().collect())
        }
        ActingOf::Job { id, probe } => {
            let others = acting::on_job(primary, *id).await.map_err(refused)?;
            // Probed only when asked (the detail opening, Ctrl-R on it).
            let devices = if *probe {
                probe_job(primary, providers, *id, pinned).await?
            } else {
                Vec::new()
            };
            (others, devices)
        }
    };
    Ok(Data::Acting(
        of.clone(),
        Acting {
            others: others.iter().map(acting::Actor::line).collect(),
            devices,
        },
    ))
}

/// The most of a job's locks its detail probes (a user's job may touch
/// many doors; the lock pane probes any one of them).
pub const JOB_PROBES: usize = 8;

/// The state of a job's locks for its detail's device lines, probed as the
/// lock pane's header is (`engine::health::check`: one attempt within 2 s,
/// kept 60 s, at most 4 at a time per account) when the detail opens and on
/// Ctrl-R, never on a timer: `TTLOCK:28991110: gateway G2 offline, last seen
/// 15:30 UTC (probe 15:30 UTC)`. Locks lockdesk has no client for are left
/// out, as the lock pane says nothing of them.
async fn probe_job(
    primary: &sqlx::PgPool,
    providers: &Providers,
    job: i64,
    pinned: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<Vec<String>, LoadError> {
    use crate::engine::{acting, clock::DbClock, health};
    let (devices, now) = {
        let mut conn = primary.acquire().await.map_err(error)?;
        let devices = acting::job_devices(&mut conn, &[job])
            .await
            .map_err(error)?
            .remove(&job)
            .unwrap_or_default();
        let now = match pinned {
            Some(t) => t,
            None => DbClock::read(&mut conn).await.map_err(error)?.now(),
        };
        (devices, now)
    };
    let askable: Vec<health::Device> = devices
        .into_iter()
        .filter(|d| providers.client(d.customer, &d.provider).is_ok())
        .collect();
    let probed = askable.len().min(JOB_PROBES);
    let checks = health::check(providers, &askable[..probed], now).await;
    let mut lines: Vec<String> = checks
        .iter()
        .map(|c| {
            let fact = health::device_fact(&c.probe);
            let fact = fact.strip_prefix("device: ").unwrap_or(&fact);
            format!("{}: {fact}", c.device.lock)
        })
        .collect();
    if askable.len() > probed {
        lines.push(format!(
            "+{} more locks, not probed here (the lock pane probes each)",
            askable.len() - probed
        ));
    }
    Ok(lines)
}

/// The state of the lock the pane shows, from its provider (`Providers::probe`:
/// one attempt within 2 s, kept 60 s, at most 4 at a time per account), as
/// `LOCK: device: … (probe 12:01 UTC)`; `None` when lockdesk has no client
/// for the lock's account (a console with no providers says nothing more
/// than the broker's rows). The probe is timed by the database's clock, or
/// the console's when it is pinned (the time the console shows).
async fn probe_lock(
    primary: &sqlx::PgPool,
    providers: &Providers,
    key: &crate::lockkey::LockKey,
    pinned: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<Option<String>, LoadError> {
    use crate::engine::{acting, clock::DbClock, health};
    if !key.is_provider_lock() {
        return Ok(None);
    }
    let (device, now) = {
        let mut conn = primary.acquire().await.map_err(error)?;
        let device = acting::lock_device(&mut conn, key).await.map_err(error)?;
        let now = match pinned {
            Some(t) => t,
            None => DbClock::read(&mut conn).await.map_err(error)?.now(),
        };
        (device, now)
    };
    if providers.client(device.customer, &device.provider).is_err() {
        return Ok(None);
    }
    let p = providers
        .probe(device.customer, &device.provider, &device.external_id, now)
        .await;
    Ok(Some(format!(
        "{}: {}",
        device.lock,
        health::device_fact(&p)
    )))
}

/// The lock's own audit trail and clock, from its provider.
pub async fn trail(providers: &Providers, query: &Query) -> Result<Data, LoadError> {
    let Query::LockTrail {
        provider,
        customer,
        external_id,
        from,
        to,
    } = query
    else {
        return Err(LoadError {
            message: "not a trail query".into(),
            connection_lost: false,
        });
    };
    let client = providers
        .client(*customer, provider)
        .map_err(|e| provider_error(provider, &e))?;
    let events = client.audit_trail(external_id, *from, *to).await;
    events.calls.iter().for_each(providers::log_look);
    let events = events.result.map_err(|e| provider_error(provider, &e))?;
    let read_at = chrono::Utc::now();
    let clock = client.lock_time(external_id).await;
    clock.calls.iter().for_each(providers::log_look);
    // A lock whose clock cannot be read still shows its trail.
    let clock = clock.result.ok().flatten().map(|t| (t, read_at));
    Ok(Data::LockTrail(events, clock))
}

/// A user's doors read live: the broker's rows first (with the database's
/// `now`, which the cache's 60 s are measured by), then the selected door's
/// lock or all of hers from their providers (`pinmap::live::refresh`: at most
/// 4 calls at a time per account, bounded pages, every call logged as a look).
pub async fn pins_live(
    pool: &PgPool,
    providers: &Providers,
    cache: &crate::pinmap::live::Cache,
    query: &Query,
    settings: Settings,
    pid: &Mutex<Option<i32>>,
) -> Result<Data, LoadError> {
    let Query::UserPins(id, read) = query else {
        return Err(LoadError {
            message: "not a user's PIN map".into(),
            connection_lost: false,
        });
    };
    let broker = Query::UserPins(*id, PinsRead::Broker);
    let Data::UserPins(Some(rows), _) = load(pool, &broker, settings, pid).await? else {
        return Ok(Data::UserPins(None, None));
    };
    // Its connection is back in the pool: a cancel now must hit nothing.
    if let Ok(mut p) = pid.lock() {
        *p = None;
    }
    let (mut u, who) = *rows;
    let only = match read {
        PinsRead::LiveDoor(door) => Some(*door),
        PinsRead::LiveAll | PinsRead::Broker => None,
    };
    let live = match read {
        PinsRead::Broker => None,
        _ => Some(crate::pinmap::live::refresh(providers, cache, &mut u, &who, only).await),
    };
    Ok(Data::UserPins(Some(Box::new((u, who))), live))
}

/// The Pulse from the database, with whether each of the top groups' locks
/// is offline now from the device probes kept (none is sent for a pane:
/// a lock never probed is unknown).
pub async fn pulse(
    pool: &PgPool,
    providers: &Providers,
    query: &Query,
    settings: Settings,
    pid: &Mutex<Option<i32>>,
) -> Result<Data, LoadError> {
    let mut data = load(pool, query, settings, pid).await?;
    if let (Data::Pulse(read), Query::Pulse { locks, .. }) = (&mut data, query) {
        if let Some(d) = read.detail.as_mut() {
            d.offline = locks
                .iter()
                .map(|l| {
                    let kept = providers.kept_probe(l);
                    (l.clone(), kept.and_then(|p| offline_of(&p)))
                })
                .collect();
        }
    }
    Ok(data)
}

/// Whether a probe says the device is offline now (its gateway or the lock
/// itself); `None` when it could not tell.
fn offline_of(p: &crate::providers::probe::Probed) -> Option<bool> {
    let s = p.state.as_ref().ok()?;
    match (&s.gateway, s.online) {
        (Some(g), _) if !g.online => Some(true),
        (_, Some(false)) => Some(true),
        (_, Some(true)) => Some(false),
        (Some(_), None) => Some(false),
        (None, None) => None,
    }
}

pub async fn load(
    pool: &PgPool,
    query: &Query,
    settings: Settings,
    pid: &Mutex<Option<i32>>,
) -> Result<Data, LoadError> {
    let conn = match pool.acquire().await {
        Ok(c) => c,
        // No connection at all, or only a busy console? Say which.
        Err(sqlx::Error::PoolTimedOut) => {
            return Err(match crate::store::unreachable(pool).await {
                Some(crate::store::NoConnection::Unreachable(why)) => LoadError {
                    message: format!("{why}; retrying"),
                    connection_lost: true,
                },
                Some(crate::store::NoConnection::Refused(why)) => LoadError {
                    message: why,
                    connection_lost: false,
                },
                None => error(sqlx::Error::PoolTimedOut),
            });
        }
        Err(e) => return Err(error(e)),
    };
    let mut guard = LoadConn { conn, done: false };
    let (backend,): (i32,) = sqlx::query_as(statements::session::BACKEND_PID.marked())
        .fetch_one(&mut *guard.conn)
        .await
        .map_err(error)?;
    if let Ok(mut p) = pid.lock() {
        *p = Some(backend);
    }
    let c = &mut *guard.conn;
    let data = match query {
        Query::Jobs {
            filter,
            page,
            now,
            limit,
            mode: JobsLoad::Refresh,
            known,
        } => Data::JobsRefreshed(
            queries::jobs_refresh(
                c,
                filter,
                *now,
                settings.stuck_after_secs,
                *page,
                *limit,
                known,
            )
            .await
            .map_err(error)?,
        ),
        Query::Jobs {
            filter,
            page,
            now,
            limit,
            ..
        } => Data::Jobs(
            queries::jobs_page(c, filter, *now, settings.stuck_after_secs, *page, *limit)
                .await
                .map_err(error)?,
        ),
        Query::JobCounts { pinned, storms } => {
            let mut counts = queries::job_counts(&mut *c, *pinned, settings.stuck_after_secs)
                .await
                .map_err(error)?;
            if settings.standby {
                let receiver = replica::receiver(c).await.map_err(error)?;
                counts.standby_lag_ms = receiver.lag_ms();
                counts.standby_feed = receiver.feed();
            }
            // The storm read is a side read of the header: a role that may not
            // read integration_logs still gets its counts (the header's
            // failed-calls line already says the logs could not be read).
            // Only while a pane that flags a storm is shown (review #13).
            counts.storms = match storms.then_some(()) {
                None => Vec::new(),
                Some(()) => match storms_now(c, *pinned).await {
                    Ok(s) => s,
                    Err(e) => {
                        tracing::warn!("reading the retry storms (groups::storm_recent): {e}");
                        Vec::new()
                    }
                },
            };
            Data::JobCounts(counts)
        }
        Query::Job(id) => Data::Job(*id, queries::job(c, *id).await.map_err(error)?),
        Query::JobLogs(id) => {
            Data::JobLogs(*id, queries::job_logs_for_why(c, *id).await.map_err(error)?)
        }
        Query::Groups {
            window_secs,
            pinned,
        } => {
            let t =
                crate::store::groups::troubled(c, *window_secs, settings.stuck_after_secs, *pinned)
                    .await
                    .map_err(error)?;
            let now = t.now.unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC);
            let groups = crate::groups::incident::build(
                &t.jobs,
                now,
                chrono::Duration::seconds(*window_secs),
            );
            Data::Groups(Box::new(crate::app::GroupsRead {
                storms: crate::groups::incident::storms(&groups),
                groups,
                jobs: t.jobs.len(),
                capped: t.capped,
                now: t.now,
            }))
        }
        Query::JobsOfGroup { ids, .. } => {
            Data::Jobs(queries::jobs_by_ids(c, ids).await.map_err(error)?)
        }
        Query::Audit { before } => {
            Data::Audit(queries::audit_page(c, *before, PAGE).await.map_err(error)?)
        }
        Query::LockLogs(key) => Data::Lock(queries::lock_logs(c, key, 500).await.map_err(error)?),
        Query::User(id) => Data::User(
            queries::user(c, *id, settings.broker_tables, settings.user_ref_index)
                .await
                .map_err(error)?,
        ),
        // The broker's rows only; a live read starts from them (`pins_live`).
        Query::UserPins(id, _) => Data::UserPins(
            crate::store::pins::user_pins(c, *id, settings.pinned)
                .await
                .map_err(error)?
                .map(Box::new),
            None,
        ),
        Query::FindUser(q) => Data::UsersFound(
            q.clone(),
            crate::store::lookup::find(c, q).await.map_err(error)?,
        ),
        Query::Acting(_) => {
            return Err(LoadError {
                message: "who is acting is read on the primary, by the executor".into(),
                connection_lost: false,
            });
        }
        Query::LockTrail { .. } => {
            return Err(LoadError {
                message: "the provider trail is not a database query".into(),
                connection_lost: false,
            });
        }
        Query::Pulse {
            detail,
            pinned,
            since,
            ..
        } => Data::Pulse(Box::new(
            crate::store::pulse::read_since(c, *pinned, *detail, *since)
                .await
                .map_err(error)?,
        )),
        Query::LogPayloads(page) => Data::LogPayloads(
            crate::store::heads::read_page(c, page)
                .await
                .map_err(error)?,
        ),
        Query::DbSearch(s) => Data::DbFound(crate::store::search::run(c, s).await.map_err(error)?),
        Query::Doors => Data::Doors(
            queries::doors(c, settings.broker_tables)
                .await
                .map_err(error)?,
        ),
        Query::Trace(q) => Data::Trace(match traces::resolve(&mut *c, q).await {
            Err(e @ traces::ResolveError::NotAnId(_)) => TraceResult::Invalid(e.to_string()),
            Err(traces::ResolveError::Db(e)) => return Err(error(e)),
            Ok(traces::Resolved::None) => TraceResult::NotFound(q.clone()),
            Ok(traces::Resolved::Many(ids)) => TraceResult::Ambiguous(q.clone(), ids),
            Ok(traces::Resolved::One(id)) => {
                TraceResult::Found(crate::store::heads::fetch_on(c, &id).await.map_err(error)?)
            }
        }),
    };
    guard.done = true;
    Ok(data)
}

/// The retry storms among the last hour's failures, for the Jobs header.
async fn storms_now(
    c: &mut sqlx::PgConnection,
    pinned: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<Vec<crate::store::counts::StormFlag>, sqlx::Error> {
    use crate::store::groups::{STORM_LOOKBACK_SECS, storm_recent};
    let recent = storm_recent(c, pinned).await?;
    let Some(now) = recent.now else {
        return Ok(Vec::new());
    };
    Ok(crate::groups::incident::storms_of_recent(
        &recent.jobs,
        now,
        chrono::Duration::seconds(STORM_LOOKBACK_SECS),
    )
    .into_iter()
    .map(|s| crate::store::counts::StormFlag {
        fingerprint: s.fingerprint.to_string(),
        jobs: s.jobs,
        from: s.from,
        to: s.to,
    })
    .collect())
}

/// Each group's locks refused now, from the probes kept in the last minute
/// (no provider call: reading the groups sends nothing to a lock; the group
/// retry's probes fill the cache).
pub fn offline_from_probes(providers: &Providers, data: Data) -> Data {
    let Data::Groups(mut read) = data else {
        return data;
    };
    for g in &mut read.groups {
        let mut probed = 0usize;
        let mut refused = 0usize;
        for lock in &g.locks {
            if let Some(p) = providers.kept_probe(lock) {
                probed += 1;
                if matches!(
                    crate::engine::health::judge(&p),
                    crate::engine::health::Verdict::Refuse(_)
                ) {
                    refused += 1;
                }
            }
        }
        g.offline_now = (probed > 0).then_some((refused, probed));
    }
    Data::Groups(read)
}
