//! The rows one change leaves: audit rows, integration logs, provider calls
//! (with the real failure shapes), reconcile jobs.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::*;
use crate::demo::rows::Cell;
use crate::seeds::CUSTOMERS;

impl Gen {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn audit_row(
        &mut self,
        t: DateTime<Utc>,
        entity: &str,
        entity_id: i64,
        action: &str,
        before: Value,
        after: Value,
        corr: &str,
        source: &str,
    ) {
        let id = self.next_audit;
        self.next_audit += 1;
        let actor = (*self.rng.pick(ACTORS)).to_string();
        self.audit.push(vec![
            id.into(),
            t.into(),
            entity.into(),
            entity_id.into(),
            action.into(),
            before.into(),
            after.into(),
            corr.into(),
            actor.into(),
            source.into(),
        ]);
    }

    /// One integration_logs row; `door` None means a broker step.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn log(
        &mut self,
        t: DateTime<Utc>,
        action: &str,
        corr: &str,
        job: Option<i64>,
        door: Option<i64>,
        error: Option<String>,
        request: Value,
        response: Value,
    ) {
        let id = self.next_log;
        self.next_log += 1;
        let (door_id, door_name, external_id, lock_key, provider) = match door {
            Some(d) => {
                let d = self.door(d);
                (
                    Cell::Int(d.id),
                    Cell::from(d.name),
                    Cell::from(d.external_id.clone()),
                    Cell::from(format!("{}:{}", d.provider, d.external_id)),
                    Cell::from(d.provider),
                )
            }
            None => (
                Cell::Null,
                Cell::Null,
                Cell::Null,
                Cell::from("ACCESS_BROKER:unknown"),
                Cell::from("ACCESS_BROKER"),
            ),
        };
        self.logs.push(vec![
            id.into(),
            action.into(),
            corr.into(),
            t.into(),
            Cell::Null,
            door_id,
            door_name,
            Cell::from(error.clone()),
            external_id,
            lock_key,
            error.is_none().into(),
            provider,
            job.into(),
            request.into(),
            response.into(),
        ]);
    }

    pub(super) fn fault_for(&mut self, provider: &str, rate: u64) -> Fault {
        if let Some(f) = self.forced.pop_front() {
            return f;
        }
        if !self.rng.chance(rate) {
            return Fault::None;
        }
        if provider == "DOORDECK" {
            return Fault::DeviceOffline;
        }
        *self.rng.pick(&[
            Fault::GatewayOffline,
            Fault::GatewayOffline,
            Fault::GatewayBusy,
            Fault::TokenInvalid,
            Fault::LockOffline,
        ])
    }

    /// The request and response of one provider call, in the seeds' shape,
    /// and the error message when it failed. Secrets are already masked, as
    /// the broker's client stores them.
    pub(super) fn provider_call(
        &mut self,
        t: DateTime<Utc>,
        door: i64,
        op: &str,
        pin: Option<(&str, i64)>,
        fault: Fault,
    ) -> (String, Value, Value, Option<String>) {
        let d = self.door(door).clone();
        let ms = t.timestamp_millis() + self.rng.range(100, 900);
        if d.provider == "TTLOCK" {
            let client_id = CUSTOMERS
                .iter()
                .find(|c| c.0 == d.customer)
                .map_or("", |c| c.4);
            let lock_id: i64 = d.external_id.parse().unwrap_or(0);
            let (action, method, path, mut payload) = match op {
                "add" => (
                    "PASSCODE_ADD",
                    "POST",
                    "/v3/keyboardPwd/add",
                    json!({"addType": 2, "keyboardPwdName": "***", "keyboardPwdType": 2,
                           "keyboardPwd": mask_pin(pin.map_or("", |p| p.0)), "startDate": ms - 60_000, "endDate": 0}),
                ),
                "list" => (
                    "PASSCODE_LIST",
                    "GET",
                    "/v3/lock/listKeyboardPwd",
                    json!({"pageNo": 1, "pageSize": 200}),
                ),
                _ => (
                    "PASSCODE_DELETE",
                    "POST",
                    "/v3/keyboardPwd/delete",
                    json!({"deleteType": 2, "keyboardPwdId": pin.map_or(0, |p| p.1)}),
                ),
            };
            payload["accessToken"] = json!("***");
            payload["clientId"] = json!(client_id);
            payload["date"] = json!(ms);
            payload["lockId"] = json!(lock_id);
            let request = json!({
                "base_host": "https://api.ttlock.com", "method": method, "path": path,
                "payload": payload, "url": format!("https://api.ttlock.com{path}"),
            });
            let (response, error) = match ttlock_error(fault) {
                None if op == "add" => (
                    json!({"keyboardPwdId": 50_000_000 + self.rng.range(1_000_000, 9_999_999)}),
                    None,
                ),
                None if op == "list" => (
                    json!({"list": [], "pageNo": 1, "pageSize": 200, "pages": 1, "total": 0}),
                    None,
                ),
                None => (
                    json!({"description": "表示成功或是", "errcode": 0, "errmsg": "none error message or means yes"}),
                    None,
                ),
                Some((code, msg)) => (
                    json!({"description": msg, "errcode": code, "errmsg": msg}),
                    Some(format!("TTLock errcode {code}: {msg}")),
                ),
            };
            (action.to_string(), request, response, error)
        } else {
            let path = format!("/device/{}/execute", d.external_id);
            let user_ref = pin.map_or(String::new(), |p| p.0.to_string());
            let operation = if op == "add" {
                json!({"type": "ADD_USER", "user": user_ref, "publicKey": "***", "role": "USER", "start": null, "end": null})
            } else {
                json!({"type": "REMOVE_USER", "users": [user_ref]})
            };
            let request = json!({
                "base_host": "https://api.doordeck.com", "method": "POST", "path": path,
                "payload": {"operation": operation, "jti": self.rng.uuid(), "signature": "***"},
                "url": format!("https://api.doordeck.com{path}"),
            });
            let (response, error) = if fault == Fault::None {
                (
                    json!({"http_status": if op == "add" { 204 } else { 200 }, "body": {}}),
                    None,
                )
            } else {
                (
                    json!({"http_status": 503, "body": {"code": 503, "message": "Device offline"}}),
                    Some("Doordeck HTTP 503: device offline".to_string()),
                )
            };
            let action = if op == "add" {
                "LOCK_SHARE"
            } else {
                "LOCK_REVOKE"
            };
            (action.to_string(), request, response, error)
        }
    }

    /// A reconcile_user job for `user`, pushing adds (or deletes) to `doors`.
    /// Returns the job id. Attempts, failures, retries and final status are
    /// decided here; `fail_rate` is in percent per provider call.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn reconcile_user(
        &mut self,
        t0: DateTime<Utc>,
        corr: &str,
        user: i64,
        reason: &str,
        source: &str,
        add_doors: &[i64],
        del_doors: &[i64],
        fail_rate: u64,
    ) -> i64 {
        let job = self.next_job;
        self.next_job += 1;
        self.log(
            t0,
            "RECONCILE_ENQUEUED",
            corr,
            Some(job),
            None,
            None,
            json!({"deduped": false, "reason": reason, "source": source, "user_id": user}),
            json!({"job_id": job}),
        );
        let cred = self.creds.iter().find(|c| c.user == user).cloned();
        let doordeck_ref = self.users[(user - 1) as usize].doordeck_ref.clone();
        let mut t = t0 + Duration::seconds(self.rng.range(0, 3));
        let mut attempt = 0;
        let max_attempts = 5;
        loop {
            attempt += 1;
            self.log(
                t,
                "RECONCILE_JOB_START",
                corr,
                Some(job),
                None,
                None,
                json!({"attempt_count": attempt, "job_id": job, "job_type": "reconcile_user", "reason": reason, "user_id": user}),
                Value::Null,
            );
            let mut failure: Option<String> = None;
            let (mut adds, mut removes) = (0, 0);
            let calls: Vec<(i64, &str)> = add_doors
                .iter()
                .map(|d| (*d, "add"))
                .chain(del_doors.iter().map(|d| (*d, "delete")))
                .collect();
            for (door, op) in calls {
                t += Duration::milliseconds(self.rng.range(400, 2500));
                let provider = self.door(door).provider;
                let fault = self.fault_for(provider, fail_rate);
                let pin_ref = if provider == "DOORDECK" {
                    (doordeck_ref.clone(), 0)
                } else {
                    (
                        cred.as_ref().map_or(String::new(), |c| c.pin.clone()),
                        50_000_000 + (user * 7919 + door * 104_729) % 9_000_000,
                    )
                };
                let (action, req, resp, err) =
                    self.provider_call(t, door, op, Some((&pin_ref.0, pin_ref.1)), fault);
                self.log(
                    t,
                    &action,
                    corr,
                    Some(job),
                    Some(door),
                    err.clone(),
                    req,
                    resp,
                );
                match err {
                    Some(e) => {
                        failure = Some(e);
                        break;
                    }
                    None if op == "add" => adds += 1,
                    None => removes += 1,
                }
            }
            t += Duration::milliseconds(self.rng.range(100, 900));
            match failure {
                None => {
                    self.log(
                        t,
                        "RECONCILE_JOB_DONE",
                        corr,
                        Some(job),
                        None,
                        None,
                        json!({"attempt_count": attempt, "job_id": job, "user_id": user}),
                        json!({"job_status": "done", "summary": {"adds_updates": adds, "desired": add_doors.len(), "removes": removes}}),
                    );
                    self.push_job(
                        job,
                        "reconcile_user",
                        user,
                        reason,
                        "done",
                        attempt,
                        None,
                        None,
                        corr,
                        Value::Null,
                        t0,
                        t,
                    );
                    return job;
                }
                Some(err) => {
                    let dead = attempt >= max_attempts;
                    let backoff = Duration::minutes(5 * (1 << attempt));
                    let status = if dead { "dead" } else { "failed" };
                    self.log(
                        t,
                        "RECONCILE_JOB_FAILED",
                        corr,
                        Some(job),
                        None,
                        Some(err.clone()),
                        json!({"attempt_count": attempt, "job_id": job, "user_id": user}),
                        json!({"job_status": status, "error": err, "next_run_at": (!dead).then(|| (t + backoff).to_rfc3339())}),
                    );
                    let next = t + backoff;
                    // A failure that the worker would have retried by now is
                    // retried; one whose retry is still ahead stays failed.
                    if dead || next > self.now {
                        let next_run = (!dead).then_some(next);
                        self.push_job(
                            job,
                            "reconcile_user",
                            user,
                            reason,
                            status,
                            attempt,
                            Some(err),
                            next_run,
                            corr,
                            Value::Null,
                            t0,
                            t,
                        );
                        return job;
                    }
                    t = next + Duration::seconds(self.rng.range(0, 5));
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn push_job(
        &mut self,
        id: i64,
        job_type: &str,
        user: i64,
        reason: &str,
        status: &str,
        attempts: i64,
        error: Option<String>,
        next_run: Option<DateTime<Utc>>,
        corr: &str,
        payload: Value,
        created: DateTime<Utc>,
        updated: DateTime<Utc>,
    ) {
        self.jobs.push(vec![
            id.into(),
            job_type.into(),
            user.into(),
            reason.into(),
            status.into(),
            attempts.into(),
            error.into(),
            next_run.into(),
            corr.into(),
            Cell::Null,
            payload.into(),
            created.into(),
            updated.into(),
        ]);
    }
}
