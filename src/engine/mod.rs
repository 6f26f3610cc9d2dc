// The actions that change production, shared by the console and the demo
// worker: job retry and cancel (guarded, audited), drift enforcement on a
// lock (plan first, then the seed's sequence of logs and calls, one run per
// lock at a time), and the reconcile worker. Planning is pure (plan.rs); this
// is the thin part that reads, calls and writes.

pub mod plan;
pub mod worker;

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use sqlx::{PgConnection, PgPool, Row};

use crate::providers::settings::Providers;
use crate::providers::{CallRecord, Grant, ProviderError};
use crate::store::logs::{self, LogContext, Step};
use plan::{Actual, Expected, Input, Known, Mode, Plan};

/// Who is acting and why; every write records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    pub name: String,
    pub reason: Option<String>,
    /// Whether the session may write. When false, writes are still sent in a
    /// plain (read-only) transaction, and Postgres refuses them.
    pub write: bool,
    /// `console` or `worker`.
    pub source: &'static str,
}

/// An action that did not happen, in the operator's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::error::Error for Refused {}

/// A database error explained; a read-only refusal says how to elevate.
pub fn explain(e: &sqlx::Error) -> Refused {
    match e {
        sqlx::Error::Database(d) if d.code().as_deref() == Some("25006") => Refused(
            "Postgres refused the change: this session is read-only. Start lockdesk with --write (and --reason), \
             or type :write 15m <reason> to allow changes for 15 minutes."
                .into(),
        ),
        sqlx::Error::Database(d) => Refused(format!("the database refused the change: {}", d.message())),
        other => Refused(format!("the change failed: {other}")),
    }
}

pub fn new_correlation_id() -> String {
    let mut b = [0u8; 16];
    let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

async fn begin(conn: &mut PgConnection, op: &Operator) -> Result<(), sqlx::Error> {
    let sql = if op.write {
        "BEGIN READ WRITE"
    } else {
        "BEGIN"
    };
    sqlx::query(sql).execute(&mut *conn).await.map(|_| ())
}

#[allow(clippy::too_many_arguments)]
async fn audit(
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
    sqlx::query(
        "INSERT INTO app_audit (created_at, entity_type, entity_id, action, before_json, after_json, correlation_id, actor, source)
         VALUES (now(), $1, $2, $3, $4, $5, $6, $7, $8)",
    )
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

// ---- jobs -------------------------------------------------------------------

/// What a retry or cancel did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobChange {
    Done {
        job: i64,
        status: String,
    },
    /// The job was not in the state the operator saw: nothing was changed.
    Changed {
        job: i64,
        now: String,
    },
}

/// The guard did not match: report the status the job has now.
async fn changed(conn: &mut PgConnection, job: i64) -> Result<JobChange, sqlx::Error> {
    let now: Option<(String,)> =
        sqlx::query_as("SELECT status::text FROM reconcile_jobs WHERE id = $1")
            .bind(job)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(JobChange::Changed {
        job,
        now: now.map_or_else(|| "gone".into(), |n| n.0),
    })
}

/// Re-enqueues a job, guarded on the status (and update time) the operator
/// saw, so that a job that moved meanwhile — or that another console just
/// retried — is not enqueued twice. `attempt_count` keeps counting; the
/// payload's `retry_base_attempts` gives the job a fresh attempt budget.
pub async fn retry_job(
    pool: &PgPool,
    op: &Operator,
    job: i64,
    seen_status: &str,
    seen_updated: DateTime<Utc>,
) -> Result<JobChange, Refused> {
    let mut conn = pool.acquire().await.map_err(|e| explain(&e))?;
    begin(&mut conn, op).await.map_err(|e| explain(&e))?;
    let result: Result<JobChange, sqlx::Error> = async {
        let row = sqlx::query(
            "UPDATE reconcile_jobs SET status = 'queued', next_run_at = now(), updated_at = now(),
                    payload = jsonb_set(COALESCE(payload, '{}'::jsonb), '{retry_base_attempts}', to_jsonb(attempt_count))
             WHERE id = $1 AND status = $2 AND date_trunc('milliseconds', updated_at) = date_trunc('milliseconds', $3::timestamptz)
             RETURNING correlation_id::text, user_id::int8, reason::text, attempt_count::int4",
        )
        .bind(job)
        .bind(seen_status)
        .bind(seen_updated)
        .fetch_optional(&mut *conn)
        .await?;
        let Some(row) = row else {
            return changed(&mut conn, job).await;
        };
        let corr: Option<String> = row.try_get(0)?;
        let user: i64 = row.try_get(1)?;
        let reason: Option<String> = row.try_get(2)?;
        let attempts: i32 = row.try_get(3)?;
        let ctx = LogContext {
            correlation_id: corr.clone(),
            reconcile_job_id: Some(job),
            ..LogContext::default()
        };
        logs::insert_step(
            &mut conn,
            &Step {
                action: "RECONCILE_ENQUEUED",
                ok: true,
                error: None,
                request: json!({"deduped": false, "reason": reason, "source": op.source, "user_id": user,
                                "operator": op.name, "retry_of_status": seen_status}),
                response: json!({"job_id": job}),
                at: Utc::now(),
            },
            &ctx,
        )
        .await?;
        audit(
            &mut conn,
            op,
            "ReconcileJob",
            job,
            "retry",
            json!({"status": seen_status, "attempt_count": attempts}),
            json!({"status": "queued", "attempt_count": attempts, "retry_base_attempts": attempts}),
            corr.as_deref(),
        )
        .await?;
        Ok(JobChange::Done {
            job,
            status: "queued".into(),
        })
    }
    .await;
    finish(&mut conn, result).await
}

async fn finish<T>(conn: &mut PgConnection, result: Result<T, sqlx::Error>) -> Result<T, Refused> {
    match result {
        Ok(v) => {
            sqlx::query("COMMIT")
                .execute(&mut *conn)
                .await
                .map_err(|e| explain(&e))?;
            Ok(v)
        }
        Err(e) => {
            let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
            Err(explain(&e))
        }
    }
}

/// Cancels a queued or failed job, guarded the same way.
pub async fn cancel_job(
    pool: &PgPool,
    op: &Operator,
    job: i64,
    seen_status: &str,
) -> Result<JobChange, Refused> {
    let mut conn = pool.acquire().await.map_err(|e| explain(&e))?;
    begin(&mut conn, op).await.map_err(|e| explain(&e))?;
    let result: Result<JobChange, sqlx::Error> = async {
        let row: Option<(Option<String>,)> = sqlx::query_as(
            "UPDATE reconcile_jobs SET status = 'cancelled', updated_at = now()
             WHERE id = $1 AND status = $2 AND status IN ('queued', 'failed') RETURNING correlation_id::text",
        )
        .bind(job)
        .bind(seen_status)
        .fetch_optional(&mut *conn)
        .await?;
        let Some((corr,)) = row else {
            return changed(&mut conn, job).await;
        };
        audit(&mut conn, op, "ReconcileJob", job, "cancel", json!({"status": seen_status}), json!({"status": "cancelled"}), corr.as_deref())
            .await?;
        Ok(JobChange::Done {
            job,
            status: "cancelled".into(),
        })
    }
    .await;
    finish(&mut conn, result).await
}

// ---- drift --------------------------------------------------------------------

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
    let row = sqlx::query(
        "SELECT id::int8, name::text, upper(device_type)::text, external_id::text, integration_customer_id::int8, integration_device_id::int8
         FROM doors WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        Ok(DoorRef {
            id: r.try_get(0)?,
            name: r.try_get(1)?,
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
    let rows = sqlx::query(
        "SELECT DISTINCT c.id::int8, u.id::int8, c.pin_code::text, u.doordeck_user_ref::text, u.email::text
         FROM doors d
         JOIN access_level_doors ald ON ald.door_id = d.id OR (ald.door_group_id IS NOT NULL AND ald.door_group_id = d.door_group_id)
         JOIN access_levels al ON al.id = ald.access_level_id AND al.status = 'active'
         LEFT JOIN schedules s ON s.id = al.schedule_id
         JOIN user_access_levels ual ON ual.access_level_id = al.id AND ual.status = 'active'
         JOIN users u ON u.id = ual.user_id AND u.status = 'active'
         JOIN credentials c ON c.user_id = u.id AND c.status = 'active'
         WHERE d.id = $1 AND d.is_active
           AND (s.id IS NULL OR ((s.valid_from IS NULL OR s.valid_from <= $2) AND (s.valid_until IS NULL OR s.valid_until > $2)))
         ORDER BY 1",
    )
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

async fn known(conn: &mut PgConnection, door: i64) -> Result<Vec<Known>, sqlx::Error> {
    let rows: Vec<(String, Option<i64>, DateTime<Utc>, String)> = sqlx::query_as(
        "SELECT vendor_pin_id::text, credential_id::int8, first_seen_at::timestamptz, first_seen_source::text
         FROM lock_pin_states WHERE door_id = $1 AND state = 'present' AND vendor_pin_id IS NOT NULL",
    )
    .bind(door)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(v, c, f, s)| Known {
            vendor_pin_id: v,
            credential_id: c,
            first_seen_at: f,
            first_seen_source: s,
        })
        .collect())
}

async fn credentials(conn: &mut PgConnection) -> Result<BTreeMap<i64, i64>, sqlx::Error> {
    let rows: Vec<(i64, i64)> = sqlx::query_as("SELECT id::int8, user_id::int8 FROM credentials")
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
}

pub const GRACE: i64 = 3600;

/// Lists the lock, reads the broker's side and plans: nothing is written.
pub async fn preview(
    pool: &PgPool,
    providers: &Providers,
    door_id: i64,
    mode: Mode,
    now: DateTime<Utc>,
) -> Result<Preview, Refused> {
    let mut conn = pool.acquire().await.map_err(|e| explain(&e))?;
    let door = door(&mut conn, door_id)
        .await
        .map_err(|e| explain(&e))?
        .ok_or_else(|| Refused(format!("there is no door #{door_id}")))?;
    let mut calls = Vec::new();
    let client = match providers.client(door.customer, &door.provider) {
        Ok(c) => c,
        Err(e) => {
            return Ok(Preview {
                door,
                plan: Err(e.to_string()),
                reachable: Err(e.to_string()),
                calls,
            });
        }
    };
    let probe = client.probe(&door.external_id).await;
    calls.extend(probe.calls);
    let listed = client.list_access(&door.external_id).await;
    calls.extend(listed.calls);
    let plan = match listed.result {
        Ok(actual) => Ok(build_plan(&mut conn, &door, actual, mode, now)
            .await
            .map_err(|e| explain(&e))?),
        Err(e) => Err(format!("{}: {e}", door.provider)),
    };
    Ok(Preview {
        reachable: probe.result.map_err(|e| format!("{}: {e}", door.provider)),
        door,
        plan,
        calls,
    })
}

async fn build_plan(
    conn: &mut PgConnection,
    door: &DoorRef,
    actual: Vec<crate::providers::LockAccess>,
    mode: Mode,
    now: DateTime<Utc>,
) -> Result<Plan, sqlx::Error> {
    let input = Input {
        door_id: door.id,
        door_name: door.name.clone(),
        provider_type: door.provider.clone(),
        external_device_id: door.external_id.clone(),
        integration_device_id: door.device,
        expected: expected(conn, door.id, now).await?,
        actual: actual
            .into_iter()
            .map(|a| Actual {
                vendor_pin_id: a.id,
                code_name: a.name,
                provider_receipt_id: None,
            })
            .collect(),
        known: known(conn, door.id).await?,
        credentials: credentials(conn).await?,
        mode,
        grace: Duration::seconds(GRACE),
        now,
    };
    Ok(plan::plan(input))
}

/// The advisory lock key of one lock: one enforcement per lock at a time,
/// across consoles and workers.
fn advisory_key(provider: &str, external: &str) -> String {
    format!("lockdesk-drift:{provider}:{external}")
}

/// Who holds a lock's enforcement, for the "already running" message.
async fn holder(pool: &PgPool, key: &str) -> String {
    let row: Option<(Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT a.application_name::text, a.usename::text FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE l.locktype = 'advisory' AND l.granted
           AND ((l.classid::bigint << 32) | l.objid::bigint) = (hashtextextended($1, 0) & x'ffffffffffffffff'::bigint)
         LIMIT 1",
    )
    .bind(key)
    .fetch_optional(pool)
    .await
    .ok()
    .flatten();
    match row {
        Some((app, user)) => format!(
            "{} as {}",
            app.unwrap_or_else(|| "a session".into()),
            user.unwrap_or_default()
        ),
        None => "another session".into(),
    }
}

/// What an enforcement run did.
#[derive(Debug)]
pub enum Enforced {
    Done {
        job: i64,
        correlation_id: String,
        adds_ok: usize,
        deletes_ok: usize,
        failures: Vec<String>,
        /// The plan of the lock as listed after the run (what drift remains).
        remaining: Option<Box<Plan>>,
    },
    /// The lock no longer matched the confirmed plan: nothing was changed.
    PlanChanged { job: i64, new_plan: Box<Plan> },
}

/// Runs drift enforcement on one door in the seed's order. With `confirmed`
/// (the console), the lock is listed again under the job and nothing changes
/// unless the plan is still the one the operator confirmed.
pub async fn enforce(
    pool: &PgPool,
    providers: &Providers,
    op: &Operator,
    door_id: i64,
    mode: Mode,
    confirmed: Option<&Plan>,
    job: Option<(i64, String, i32)>,
) -> Result<Enforced, Refused> {
    // The advisory lock lives on its own connection for the whole run.
    let mut lock_conn = pool.acquire().await.map_err(|e| explain(&e))?;
    let mut conn = pool.acquire().await.map_err(|e| explain(&e))?;
    let door = door(&mut conn, door_id)
        .await
        .map_err(|e| explain(&e))?
        .ok_or_else(|| Refused(format!("there is no door #{door_id}")))?;
    let key = advisory_key(&door.provider, &door.external_id);
    let (got,): (bool,) = sqlx::query_as("SELECT pg_try_advisory_lock(hashtextextended($1, 0))")
        .bind(&key)
        .fetch_one(&mut *lock_conn)
        .await
        .map_err(|e| explain(&e))?;
    if !got {
        return Err(Refused(format!(
            "drift enforcement on {} is already running by {}; try again when it is done",
            door.name,
            holder(pool, &key).await
        )));
    }
    let result = enforce_locked(&mut conn, providers, op, &door, mode, confirmed, job).await;
    let _ = sqlx::query("SELECT pg_advisory_unlock(hashtextextended($1, 0))")
        .bind(&key)
        .execute(&mut *lock_conn)
        .await;
    result
}

#[allow(clippy::too_many_arguments)]
async fn write_step(
    conn: &mut PgConnection,
    op: &Operator,
    ctx: &LogContext,
    action: &str,
    ok: bool,
    error: Option<String>,
    request: Value,
    response: Value,
) -> Result<(), Refused> {
    begin(conn, op).await.map_err(|e| explain(&e))?;
    let r = logs::insert_step(
        conn,
        &Step {
            action,
            ok,
            error,
            request,
            response,
            at: Utc::now(),
        },
        ctx,
    )
    .await;
    finish(conn, r).await.map(|_| ())
}

async fn write_calls(
    conn: &mut PgConnection,
    op: &Operator,
    ctx: &LogContext,
    calls: &[CallRecord],
) -> Result<(), Refused> {
    begin(conn, op).await.map_err(|e| explain(&e))?;
    let r: Result<(), sqlx::Error> = async {
        for c in calls {
            logs::insert_call(conn, c, ctx).await?;
        }
        Ok(())
    }
    .await;
    finish(conn, r).await
}

#[allow(clippy::too_many_lines)]
async fn enforce_locked(
    conn: &mut PgConnection,
    providers: &Providers,
    op: &Operator,
    door: &DoorRef,
    mode: Mode,
    confirmed: Option<&Plan>,
    job: Option<(i64, String, i32)>,
) -> Result<Enforced, Refused> {
    let now = Utc::now();
    let client = providers
        .client(door.customer, &door.provider)
        .map_err(|e| Refused(e.to_string()))?;
    let payload = json!({"door_id": door.id, "integration_device_id": door.device, "provider_type": door.provider,
                         "external_id": door.external_id, "mode": mode.name(), "grace_window_seconds": GRACE});
    let reason = format!(
        "{} drift_enforce {} {} door:{} device:{}",
        op.source,
        door.provider,
        door.external_id,
        door.id,
        door.device.map_or("-".into(), |d| d.to_string())
    );
    // The job: the worker's own, or a new one created by the console.
    let (job_id, corr, attempt) = match job {
        Some(j) => j,
        None => {
            let corr = new_correlation_id();
            begin(conn, op).await.map_err(|e| explain(&e))?;
            let r: Result<i64, sqlx::Error> = async {
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO reconcile_jobs (job_type, user_id, reason, status, attempt_count, correlation_id, payload, created_at, updated_at)
                     VALUES ('drift_enforce_lock_truth', 0, $1, 'running', 1, $2, $3, now(), now()) RETURNING id",
                )
                .bind(&reason)
                .bind(&corr)
                .bind(sqlx::types::Json(&payload))
                .fetch_one(&mut *conn)
                .await?;
                let ctx = LogContext { correlation_id: Some(corr.clone()), reconcile_job_id: Some(id), ..LogContext::default() };
                logs::insert_step(conn, &Step { action: "RECONCILE_ENQUEUED", ok: true, error: None,
                    request: json!({"job_type": "drift_enforce_lock_truth", "reason": reason, "source": op.source, "user_id": 0, "operator": op.name}),
                    response: json!({"job_id": id}), at: Utc::now() }, &ctx).await?;
                audit(conn, op, "Door", door.id, "drift_enforce", Value::Null,
                      json!({"job_id": id, "mode": mode.name(), "lock": format!("{}:{}", door.provider, door.external_id)}), Some(&corr)).await?;
                Ok(id)
            }
            .await;
            (finish(conn, r).await?, corr, 1)
        }
    };
    let ctx = LogContext {
        correlation_id: Some(corr.clone()),
        reconcile_job_id: Some(job_id),
        ..LogContext::default()
    };
    let door_ctx = LogContext {
        door_id: Some(door.id),
        door_name: Some(door.name.clone()),
        ..ctx.clone()
    };
    write_step(conn, op, &ctx, "DRIFT_ENFORCE_JOB_START", true, None,
        json!({"attempt_count": attempt, "job_id": job_id, "job_type": "drift_enforce_lock_truth", "reason": reason, "user_id": 0}), Value::Null).await?;

    // List the lock again, under the job.
    let listed = client.list_access(&door.external_id).await;
    write_calls(conn, op, &door_ctx, &listed.calls).await?;
    let actual = match listed.result {
        Ok(a) => a,
        Err(e) => {
            let msg = format!("{}: {e}", door.provider);
            finish_job(
                conn,
                op,
                &ctx,
                job_id,
                attempt,
                Err(msg.clone()),
                json!({"ok": false, "error": msg}),
            )
            .await?;
            return Err(Refused(format!(
                "listing the lock failed, nothing was changed: {msg}"
            )));
        }
    };
    let plan = build_plan(conn, door, actual, mode, now)
        .await
        .map_err(|e| explain(&e))?;
    if let Some(c) = confirmed {
        if !c.same_changes(&plan) {
            let msg = "the lock changed since the plan was shown; nothing was changed".to_string();
            finish_job(
                conn,
                op,
                &ctx,
                job_id,
                attempt,
                Err(msg.clone()),
                json!({"ok": false, "error": msg, "plan_changed": true}),
            )
            .await?;
            return Ok(Enforced::PlanChanged {
                job: job_id,
                new_plan: Box::new(plan),
            });
        }
    }
    // Remember strays first seen now, so the grace window can run out.
    remember_new(conn, op, door, &plan, now).await?;

    let mut failures: Vec<Value> = Vec::new();
    let (mut deletes_ok, mut adds_ok) = (0, 0);
    for d in &plan.deletes {
        let out = client.revoke(&door.external_id, &d.vendor_pin_id).await;
        write_calls(conn, op, &door_ctx, &out.calls).await?;
        let result = out
            .calls
            .last()
            .map(|c| c.response.clone())
            .unwrap_or(Value::Null);
        let ok = out.result.is_ok();
        if ok {
            deletes_ok += 1;
            mark(conn, op, door.id, &d.vendor_pin_id, "deleted").await?;
        } else if let Err(e) = &out.result {
            failures.push(
                json!({"op": "delete", "vendor_pin_id": d.vendor_pin_id, "error": e.to_string()}),
            );
        }
        write_step(conn, op, &ctx, "DRIFT_ENFORCE_DELETE_PIN", ok, out.result.as_ref().err().map(ToString::to_string),
            json!({"code_last4": null, "correlation_id": "job", "device_external_id": door.external_id, "integration_device_id": door.device,
                   "name": d.code_name, "provider_code_id": d.vendor_pin_id, "provider_type": door.provider, "stray_id": null}),
            json!({"result": result})).await?;
    }
    for a in &plan.adds {
        let grant = Grant {
            name: a.code_name.clone(),
            pin: a.pin.clone(),
            user_email: a.email.clone(),
        };
        let out = client.grant(&door.external_id, &grant).await;
        write_calls(conn, op, &door_ctx, &out.calls).await?;
        let ok = out.result.is_ok();
        match &out.result {
            Ok(vendor) => {
                adds_ok += 1;
                record_add(conn, op, door.id, a, vendor).await?;
            }
            Err(e) => failures
                .push(json!({"op": "add", "code_name": a.code_name, "error": e.to_string()})),
        }
        write_step(conn, op, &ctx, "DRIFT_ENFORCE_ADD_PIN", ok, out.result.as_ref().err().map(ToString::to_string),
            json!({"code_last4": a.pin.as_deref().map(crate::providers::redact::mask_pin), "correlation_id": "job",
                   "device_external_id": door.external_id, "integration_device_id": door.device, "name": a.code_name,
                   "provider_type": door.provider}),
            json!({"provider_code_id": out.result.as_ref().ok()})).await?;
    }
    let filters = json!({"door_id": door.id, "integration_device_id": door.device, "provider_type": door.provider});
    let s = plan.summary_json();
    let done = json!({
        "adds": {"attempted": plan.adds.len(), "failed": plan.adds.len() - adds_ok, "ok": adds_ok},
        "analysis": {"adds": s["adds"], "blocked": s["blocked"], "deletes": s["deletes"], "doors": 1,
                     "grace_bypassed_deletes": s["grace_bypassed_deletes"], "invalid_expected": s["invalid_expected"]},
        "deletes": {"attempted": plan.deletes.len(), "failed": plan.deletes.len() - deletes_ok, "ok": deletes_ok},
        "enforce_plan": plan.enforce_plan_json(filters, now),
        "failures": failures,
        "generated_at": now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "ok": failures.is_empty(),
        "summary": {"adds_attempted": plan.adds.len(), "adds_failed": plan.adds.len() - adds_ok, "adds_succeeded": adds_ok,
                    "deletes_attempted": plan.deletes.len(), "deletes_failed": plan.deletes.len() - deletes_ok,
                    "deletes_succeeded": deletes_ok, "failures": failures},
        "target": {"external_id": door.external_id, "integration_device_id": door.device, "provider_type": door.provider},
    });
    let failure_texts: Vec<String> = failures
        .iter()
        .map(|f| f["error"].as_str().unwrap_or("").to_string())
        .collect();
    let status = if failures.is_empty() {
        Ok(())
    } else {
        Err(failure_texts.join("; "))
    };
    finish_job(conn, op, &ctx, job_id, attempt, status, done).await?;
    // What drift remains: list once more, outside the job (a look).
    let after = client.list_access(&door.external_id).await;
    after.calls.iter().for_each(crate::exec::log_look);
    let remaining = match after.result {
        Ok(a) => build_plan(conn, door, a, mode, Utc::now())
            .await
            .ok()
            .map(Box::new),
        Err(_) => None,
    };
    Ok(Enforced::Done {
        job: job_id,
        correlation_id: corr,
        adds_ok,
        deletes_ok,
        failures: failure_texts,
        remaining,
    })
}

async fn finish_job(
    conn: &mut PgConnection,
    op: &Operator,
    ctx: &LogContext,
    job: i64,
    attempt: i32,
    status: Result<(), String>,
    response: Value,
) -> Result<(), Refused> {
    begin(conn, op).await.map_err(|e| explain(&e))?;
    let r: Result<(), sqlx::Error> = async {
        logs::insert_step(conn, &Step { action: "DRIFT_ENFORCE_JOB_DONE", ok: status.is_ok(), error: status.clone().err(),
            request: json!({"attempt_count": attempt, "job_id": job}), response, at: Utc::now() }, ctx).await?;
        sqlx::query("UPDATE reconcile_jobs SET status = $2, last_error = $3, updated_at = now() WHERE id = $1")
            .bind(job)
            .bind(if status.is_ok() { "done" } else { "failed" })
            .bind(status.err())
            .execute(&mut *conn)
            .await?;
        Ok(())
    }
    .await;
    finish(conn, r).await
}

async fn remember_new(
    conn: &mut PgConnection,
    op: &Operator,
    door: &DoorRef,
    plan: &Plan,
    now: DateTime<Utc>,
) -> Result<(), Refused> {
    let fresh: Vec<&plan::Delete> = plan
        .deletes
        .iter()
        .chain(plan.blocked_by_grace.iter())
        .filter(|d| d.first_seen_source == "inferred_now")
        .collect();
    if fresh.is_empty() {
        return Ok(());
    }
    begin(conn, op).await.map_err(|e| explain(&e))?;
    let r: Result<(), sqlx::Error> = async {
        for d in fresh {
            sqlx::query(
                "INSERT INTO lock_pin_states (door_id, credential_id, code_name, vendor_pin_id, first_seen_at, first_seen_source, last_seen_at, state)
                 VALUES ($1, $2, $3, $4, $5, 'inferred_now', $5, 'present')
                 ON CONFLICT (door_id, vendor_pin_id) DO UPDATE SET state = 'present', first_seen_at = EXCLUDED.first_seen_at,
                     first_seen_source = 'inferred_now', last_seen_at = EXCLUDED.last_seen_at",
            )
            .bind(door.id)
            .bind(d.credential_id)
            .bind(&d.code_name)
            .bind(&d.vendor_pin_id)
            .bind(now)
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    }
    .await;
    finish(conn, r).await
}

pub(crate) async fn mark(
    conn: &mut PgConnection,
    op: &Operator,
    door: i64,
    vendor: &str,
    state: &str,
) -> Result<(), Refused> {
    begin(conn, op).await.map_err(|e| explain(&e))?;
    let r = sqlx::query("UPDATE lock_pin_states SET state = $3, last_seen_at = now() WHERE door_id = $1 AND vendor_pin_id = $2")
        .bind(door)
        .bind(vendor)
        .bind(state)
        .execute(&mut *conn)
        .await
        .map(|_| ());
    finish(conn, r).await
}

pub(crate) async fn record_add(
    conn: &mut PgConnection,
    op: &Operator,
    door: i64,
    e: &Expected,
    vendor: &str,
) -> Result<(), Refused> {
    begin(conn, op).await.map_err(|e| explain(&e))?;
    let r = sqlx::query(
        "INSERT INTO lock_pin_states (door_id, credential_id, code_name, vendor_pin_id, first_seen_at, first_seen_source, last_seen_at, state)
         VALUES ($1, $2, $3, $4, now(), 'broker_add', now(), 'present')
         ON CONFLICT (door_id, vendor_pin_id) DO UPDATE SET state = 'present', credential_id = EXCLUDED.credential_id",
    )
    .bind(door)
    .bind(e.credential_id)
    .bind(&e.code_name)
    .bind(vendor)
    .execute(&mut *conn)
    .await
    .map(|_| ());
    finish(conn, r).await
}

/// Leaves an enforcement to the worker (when the lock cannot be reached now).
pub async fn enqueue_drift(
    pool: &PgPool,
    op: &Operator,
    door_id: i64,
    mode: Mode,
) -> Result<i64, Refused> {
    let mut conn = pool.acquire().await.map_err(|e| explain(&e))?;
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
            "INSERT INTO reconcile_jobs (job_type, user_id, reason, status, attempt_count, next_run_at, correlation_id, payload)
             VALUES ('drift_enforce_lock_truth', 0, $1, 'queued', 0, now(), $2, $3) RETURNING id",
        )
        .bind(&reason)
        .bind(&corr)
        .bind(sqlx::types::Json(&payload))
        .fetch_one(&mut *conn)
        .await?;
        let ctx = LogContext { correlation_id: Some(corr.clone()), reconcile_job_id: Some(id), ..LogContext::default() };
        logs::insert_step(&mut conn, &Step { action: "RECONCILE_ENQUEUED", ok: true, error: None,
            request: json!({"job_type": "drift_enforce_lock_truth", "reason": reason, "source": op.source, "user_id": 0, "operator": op.name}),
            response: json!({"job_id": id}), at: Utc::now() }, &ctx).await?;
        audit(&mut conn, op, "Door", d.id, "drift_enqueue", Value::Null, json!({"job_id": id, "mode": mode.name()}), Some(&corr)).await?;
        Ok(id)
    }
    .await;
    finish(&mut conn, r).await
}

pub fn provider_failure(e: &ProviderError) -> String {
    e.to_string()
}

/// The failed or dead jobs a filter matches (at most 10,000), with the state
/// each was seen in, for "retry all".
pub async fn retryable(
    pool: &PgPool,
    filter: &crate::store::queries::JobFilter,
    now: DateTime<Utc>,
    stuck_after_secs: i64,
) -> Result<Vec<(i64, String, DateTime<Utc>)>, Refused> {
    let mut conn = pool.acquire().await.map_err(|e| explain(&e))?;
    let mut out = Vec::new();
    let mut page = crate::store::queries::Page::First;
    loop {
        let rows =
            crate::store::queries::jobs_page(&mut conn, filter, now, stuck_after_secs, page, 1000)
                .await
                .map_err(|e| explain(&e))?;
        let last = rows.last().map(crate::store::queries::Keyset::of_job);
        out.extend(
            rows.iter()
                .filter(|j| matches!(j.status.as_str(), "failed" | "dead"))
                .map(|j| (j.id, j.status.clone(), j.updated_at)),
        );
        match last {
            Some(k) if rows.len() == 1000 && out.len() < 10_000 => {
                page = crate::store::queries::Page::Older(k)
            }
            _ => return Ok(out),
        }
    }
}
