//! Applying a drift plan to a lock in the seed's order of logs and calls,
//! one run per lock at a time (an advisory lock), and the per-lock PIN state
//! it keeps.

use crate::store::statements;
use serde_json::{Value, json};
use sqlx::{PgConnection, PgPool};

use super::audit::audit;
use super::clock::DbClock;
use super::drift::{DoorRef, GRACE, build_plan, door};
use super::plan::{Mode, Plan};
use super::{Operator, Refused, begin, explain, finish, new_correlation_id};
use crate::lockkey::LockKey;
use crate::providers::Grant;
use crate::providers::settings::Providers;
use crate::store::logs::{self, LogContext, Step};

mod steps;
use steps::{
    BEAT_EVERY, Beater, beat_quietly, finish_job, heartbeat, remember_new, while_beating,
    write_calls, write_intent, write_step,
};
pub use steps::{mark, record_add};

use super::runs::advisory_key;

/// Who holds a lock's enforcement, and since when, for the "already
/// running" message.
async fn holder(pool: &PgPool, door: &DoorRef) -> String {
    let lock = LockKey::new(&door.provider, &door.external_id);
    let held = match pool.acquire().await {
        Ok(mut c) => super::acting::on_lock_conn(&mut c, &lock, None)
            .await
            .ok()
            .and_then(|a| a.into_iter().find(|a| a.holds_lock)),
        Err(_) => None,
    };
    match held {
        Some(a) => {
            let since = a
                .since
                .map_or_else(String::new, |t| format!(" since {}", super::health::hm(&t)));
            let job = a.job.map_or_else(String::new, |j| format!(" (job #{j})"));
            format!("{}{since}{job}", a.who)
        }
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
    enforce_noted(pool, providers, op, door_id, mode, confirmed, job, None).await
}

/// `enforce`, with `noted` (the device checks: `device_override`,
/// `device_notes`) added to the console's `drift_enforce` audit row.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn enforce_noted(
    pool: &PgPool,
    providers: &Providers,
    op: &Operator,
    door_id: i64,
    mode: Mode,
    confirmed: Option<&Plan>,
    job: Option<(i64, String, i32)>,
    noted: Option<&Value>,
) -> Result<Enforced, Refused> {
    // The run has its own connection, detached from the pool: it holds the
    // advisory lock and carries every write of the run, so the run never
    // waits behind the pool (previews filling it cannot keep a sent change
    // from being recorded). It is closed when the run ends however it ends
    // (a panic, an abort), and a closed session holds no lock; a pooled one
    // would go back to the pool still holding it.
    let mut lock_conn = super::acquire(pool).await?.detach();
    let door = door(&mut lock_conn, door_id)
        .await
        .map_err(|e| explain(&e))?
        .ok_or_else(|| Refused(format!("there is no door #{door_id}")))?;
    let key = advisory_key(&door.provider, &door.external_id);
    let (got,): (bool,) = sqlx::query_as(statements::drift::ENFORCE_TRY_LOCK.tagged())
        .bind(&key)
        .fetch_one(&mut lock_conn)
        .await
        .map_err(|e| explain(&e))?;
    if !got {
        return Err(Refused(format!(
            "drift enforcement on {} is already running by {}; try again when it is done",
            door.name,
            holder(pool, &door).await
        )));
    }
    let result = enforce_locked(
        &mut lock_conn,
        providers,
        op,
        &door,
        mode,
        (confirmed, noted),
        job,
    )
    .await;
    let _ = sqlx::query(statements::drift::ENFORCE_UNLOCK.tagged())
        .bind(&key)
        .execute(&mut lock_conn)
        .await;
    let _ = sqlx::Connection::close(lock_conn).await;
    result
}

/// A failed write of the run, said as what it is: after changes reached
/// the lock (or may have), the lock was changed and what is missing is the
/// record; before any, nothing was changed.
fn recorded(e: Refused, changed: &[String]) -> Refused {
    if changed.is_empty() {
        e
    } else {
        e.after_change(&changed.join("; "))
    }
}

#[allow(clippy::too_many_lines)]
async fn enforce_locked(
    conn: &mut PgConnection,
    providers: &Providers,
    op: &Operator,
    door: &DoorRef,
    mode: Mode,
    (confirmed, noted): (Option<&Plan>, Option<&Value>),
    job: Option<(i64, String, i32)>,
) -> Result<Enforced, Refused> {
    // One clock: the plan's grace window and every row written are on the
    // database's time, whatever this machine's clock says.
    let clock = DbClock::read(conn).await.map_err(|e| explain(&e))?;
    let now = clock.now();
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
                    statements::drift::ENFORCE_JOB_INSERT.tagged(),
                )
                .bind(&reason)
                .bind(&corr)
                .bind(sqlx::types::Json(&payload))
                .fetch_one(&mut *conn)
                .await?;
                let ctx = LogContext { correlation_id: Some(corr.clone()), reconcile_job_id: Some(id), ..LogContext::default() };
                logs::insert_step(conn, &Step { action: "RECONCILE_ENQUEUED", ok: true, error: None,
                    request: json!({"job_type": "drift_enforce_lock_truth", "reason": reason, "source": op.source, "user_id": 0, "operator": op.name}),
                    response: json!({"job_id": id}), at: None }, &ctx).await?;
                let mut after = json!({"job_id": id, "mode": mode.name(), "lock": LockKey::new(&door.provider, &door.external_id).to_string()});
                if let (Some(a), Some(Value::Object(n))) = (after.as_object_mut(), noted) {
                    a.extend(n.clone());
                }
                audit(conn, op, "Door", door.id, "drift_enforce", Value::Null, after, Some(&corr)).await?;
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

    let mut beat = Beater {
        conn,
        op,
        job: job_id,
        last: None,
    };
    heartbeat(beat.conn, op, job_id, &mut beat.last).await?;
    // List the lock again, under the job.
    let listed = while_beating(
        client.list_access(&door.external_id),
        BEAT_EVERY,
        &mut beat,
        beat_quietly,
    )
    .await;
    write_calls(beat.conn, op, &door_ctx, &listed.calls, &clock).await?;
    heartbeat(beat.conn, op, job_id, &mut beat.last).await?;
    let actual = match listed.result {
        Ok(a) => a,
        Err(e) => {
            let msg = format!("{}: {e}", door.provider);
            finish_job(
                beat.conn,
                op,
                &ctx,
                job_id,
                beat.last,
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
    let plan = build_plan(beat.conn, door, actual, mode, now)
        .await
        .map_err(|e| explain(&e))?;
    if let Some(c) = confirmed {
        if !c.same_changes(&plan) {
            let msg = "the lock changed since the plan was shown; nothing was changed".to_string();
            finish_job(
                beat.conn,
                op,
                &ctx,
                job_id,
                beat.last,
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
    remember_new(beat.conn, op, door, &plan, now).await?;

    let mut failures: Vec<Value> = Vec::new();
    let (mut deletes_ok, mut adds_ok) = (0, 0);
    // A stop request (q, Ctrl-C, SIGTERM, SIGHUP) lets the call in flight
    // finish and be logged, and skips the rest.
    let total = plan.deletes.len() + plan.adds.len();
    let mut sent = 0usize;
    let mut stopped = false;
    // What reached the lock (or may have): a write failing after that says
    // so, never "nothing was changed".
    let mut changed: Vec<String> = Vec::new();
    for d in &plan.deletes {
        if super::stop::requested() {
            stopped = true;
            break;
        }
        sent += 1;
        let request = json!({"code_last4": null, "correlation_id": "job", "device_external_id": door.external_id, "integration_device_id": door.device,
                   "name": plan.name_of(d.code_name.as_ref()), "provider_code_id": d.vendor_pin_id, "provider_type": door.provider, "stray_id": null});
        write_intent(
            beat.conn,
            op,
            &door_ctx,
            door,
            "DRIFT_ENFORCE_DELETE_PIN",
            &request,
        )
        .await
        .map_err(|e| recorded(e, &changed))?;
        let out = while_beating(
            client.revoke(&door.external_id, &d.vendor_pin_id),
            BEAT_EVERY,
            &mut beat,
            beat_quietly,
        )
        .await;
        // From here on a failed write must not say "nothing was changed":
        // a change that went through, or may have (no clear answer).
        let lock = LockKey::new(&door.provider, &door.external_id);
        let name = d.code_name.as_deref().unwrap_or("a code");
        match &out.result {
            Ok(_) => changed.push(format!("{name} deleted from {lock}")),
            Err(e) if e.may_have_landed() => changed.push(format!(
                "the delete of {name} was sent to {lock} and got no clear answer ({e}): it may have landed"
            )),
            Err(_) => {}
        }
        let after = |e: Refused| recorded(e, &changed);
        write_calls(beat.conn, op, &door_ctx, &out.calls, &clock)
            .await
            .map_err(after)?;
        heartbeat(beat.conn, op, job_id, &mut beat.last)
            .await
            .map_err(after)?;
        let result = out
            .calls
            .last()
            .map(|c| c.response.clone())
            .unwrap_or(Value::Null);
        let ok = out.result.is_ok();
        if ok {
            deletes_ok += 1;
            mark(beat.conn, op, door.id, &d.vendor_pin_id, "deleted")
                .await
                .map_err(after)?;
        } else if let Err(e) = &out.result {
            failures.push(
                json!({"op": "delete", "vendor_pin_id": d.vendor_pin_id, "error": e.to_string()}),
            );
        }
        write_step(
            beat.conn,
            op,
            &ctx,
            "DRIFT_ENFORCE_DELETE_PIN",
            ok,
            out.result.as_ref().err().map(ToString::to_string),
            request,
            json!({"result": result}),
        )
        .await
        .map_err(after)?;
    }
    for a in &plan.adds {
        if stopped || super::stop::requested() {
            stopped = true;
            break;
        }
        sent += 1;
        let grant = Grant {
            name: a.code_name.clone(),
            pin: a.pin.clone(),
            user_email: a.email.clone(),
        };
        let request = json!({"code_last4": a.pin.as_deref().map(crate::secrets::mask_pin), "correlation_id": "job",
                   "device_external_id": door.external_id, "integration_device_id": door.device, "name": a.code_name,
                   "provider_type": door.provider});
        write_intent(
            beat.conn,
            op,
            &door_ctx,
            door,
            "DRIFT_ENFORCE_ADD_PIN",
            &request,
        )
        .await
        .map_err(|e| recorded(e, &changed))?;
        let out = while_beating(
            client.grant(&door.external_id, &grant),
            BEAT_EVERY,
            &mut beat,
            beat_quietly,
        )
        .await;
        let lock = LockKey::new(&door.provider, &door.external_id);
        match &out.result {
            Ok(_) => changed.push(format!("{} added to {lock}", a.code_name)),
            Err(e) if e.may_have_landed() => changed.push(format!(
                "the add of {} was sent to {lock} and got no clear answer ({e}): it may have landed",
                a.code_name
            )),
            Err(_) => {}
        }
        let after = |e: Refused| recorded(e, &changed);
        write_calls(beat.conn, op, &door_ctx, &out.calls, &clock)
            .await
            .map_err(after)?;
        heartbeat(beat.conn, op, job_id, &mut beat.last)
            .await
            .map_err(after)?;
        let ok = out.result.is_ok();
        match &out.result {
            Ok(vendor) => {
                adds_ok += 1;
                record_add(beat.conn, op, door.id, a, vendor)
                    .await
                    .map_err(after)?;
            }
            Err(e) => failures
                .push(json!({"op": "add", "code_name": a.code_name, "error": e.to_string()})),
        }
        write_step(
            beat.conn,
            op,
            &ctx,
            "DRIFT_ENFORCE_ADD_PIN",
            ok,
            out.result.as_ref().err().map(ToString::to_string),
            request,
            json!({"provider_code_id": out.result.as_ref().ok()}),
        )
        .await
        .map_err(after)?;
    }
    let filters = json!({"door_id": door.id, "integration_device_id": door.device, "provider_type": door.provider});
    let s = plan.summary_json();
    let done = json!({
        "adds": {"attempted": plan.adds.len(), "failed": plan.adds.len() - adds_ok, "ok": adds_ok},
        "analysis": {"adds": s["adds"], "blocked": s["blocked"], "deletes": s["deletes"], "doors": 1,
                     "grace_bypassed_deletes": s["grace_bypassed_deletes"], "invalid_expected": s["invalid_expected"]},
        "deletes": {"attempted": plan.deletes.len(), "failed": plan.deletes.len() - deletes_ok, "ok": deletes_ok},
        "deletes_withheld": plan.deletes_withheld,
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
    let status = if stopped {
        Err(format!("stopped by operator after {sent} of {total}"))
    } else if failures.is_empty() {
        Ok(())
    } else {
        Err(failure_texts.join("; "))
    };
    finish_job(
        beat.conn, op, &ctx, job_id, beat.last, attempt, status, done,
    )
    .await
    .map_err(|e| recorded(e, &changed))?;
    // What drift remains: list once more, outside the job (a look).
    let after = client.list_access(&door.external_id).await;
    after.calls.iter().for_each(crate::providers::log_look);
    let remaining = match after.result {
        Ok(a) => build_plan(beat.conn, door, a, mode, clock.now())
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
