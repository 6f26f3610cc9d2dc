//! The kinds of everyday trace: an access change, a credential change, a
//! user's status, a scheduled drift run.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::*;

impl Gen {
    /// A user gains or loses an access level.
    pub(super) fn trace_access_change(&mut self, t: DateTime<Utc>) {
        let corr = self.rng.hex32();
        let user = self.rng.range(1, 200);
        // User 9's access stays as the seeds left it: the demo's triage story.
        if user == 9 || self.users[(user - 1) as usize].status != "active" {
            return;
        }
        let site = self.users[(user - 1) as usize].site;
        let before_doors = self.user_doors(user);
        let active: Vec<usize> = (0..self.uals.len())
            .filter(|&i| self.uals[i].user == user && self.uals[i].status == "active")
            .collect();
        let revoke = active.len() > 1 && self.rng.chance(40);
        let (ual_id, action, before, after) = if revoke {
            let i = *self.rng.pick(&active);
            let before = ual_json(&self.uals[i]);
            self.uals[i].status = "revoked";
            self.uals[i].updated = t;
            (self.uals[i].id, "update", before, ual_json(&self.uals[i]))
        } else {
            let level = *self.rng.pick(&Self::levels_of_site(site));
            let ual = Ual {
                id: self.next_ual,
                user,
                level,
                site,
                status: "active",
                created: t,
                updated: t,
            };
            self.next_ual += 1;
            let after = ual_json(&ual);
            self.uals.push(ual);
            (self.next_ual - 1, "create", Value::Null, after)
        };
        self.audit_row(
            t,
            "UserAccessLevel",
            ual_id,
            action,
            before,
            after,
            &corr,
            "user-access-level route",
        );
        let after_doors = self.user_doors(user);
        let adds: Vec<i64> = after_doors
            .iter()
            .filter(|d| !before_doors.contains(d))
            .copied()
            .collect();
        let dels: Vec<i64> = before_doors
            .iter()
            .filter(|d| !after_doors.contains(d))
            .copied()
            .collect();
        self.reconcile_user(
            t,
            &corr,
            user,
            "access level changed",
            "user-access-level route",
            &adds,
            &dels,
            1,
        );
    }

    /// A credential is revoked and reissued (a lost PIN).
    pub(super) fn trace_credential_change(&mut self, t: DateTime<Utc>) {
        let corr = self.rng.hex32();
        let user = self.rng.range(1, 200);
        if user == 9 || self.users[(user - 1) as usize].status != "active" {
            return;
        }
        let Some(i) = self
            .creds
            .iter()
            .position(|c| c.user == user && c.status == "active")
        else {
            return;
        };
        let before = cred_json(&self.creds[i]);
        self.creds[i].status = "revoked";
        self.creds[i].updated = t;
        let after = cred_json(&self.creds[i]);
        let cred_id = self.creds[i].id;
        self.audit_row(
            t,
            "Credential",
            cred_id,
            "update",
            before,
            after,
            &corr,
            "credential route",
        );
        let fresh = Cred {
            id: self.next_cred,
            user,
            pin: format!("{}", self.rng.range(100_000, 99_999_999)),
            status: "active",
            created: t,
            updated: t,
        };
        self.next_cred += 1;
        self.audit_row(
            t,
            "Credential",
            fresh.id,
            "create",
            Value::Null,
            cred_json(&fresh),
            &corr,
            "credential route",
        );
        self.creds.push(fresh);
        // PINs only: Doordeck shares do not change with a new PIN.
        let doors: Vec<i64> = self
            .user_doors(user)
            .into_iter()
            .filter(|d| self.door(*d).provider == "TTLOCK")
            .collect();
        self.reconcile_user(
            t,
            &corr,
            user,
            "credential changed",
            "credential route",
            &doors,
            &doors,
            1,
        );
    }

    /// A user is suspended or reinstated.
    pub(super) fn trace_user_status(&mut self, t: DateTime<Utc>) {
        let corr = self.rng.hex32();
        let user = self.rng.range(1, 200);
        if user == 9 {
            return;
        }
        let u = &mut self.users[(user - 1) as usize];
        let before = json!({"id": u.id, "name": u.name, "email": u.email, "status": u.status, "site_id": u.site});
        let suspend = u.status == "active";
        u.status = if suspend { "suspended" } else { "active" };
        let after = json!({"id": u.id, "name": u.name, "email": u.email, "status": u.status, "site_id": u.site});
        self.audit_row(
            t,
            "User",
            user,
            "update",
            before,
            after,
            &corr,
            "user route",
        );
        let doors = self.user_doors(user);
        let reason = if suspend {
            "user suspended"
        } else {
            "user reinstated"
        };
        if suspend {
            self.reconcile_user(t, &corr, user, reason, "user route", &[], &doors, 2);
        } else {
            self.reconcile_user(t, &corr, user, reason, "user route", &doors, &[], 2);
        }
    }

    /// The nightly drift sweep of one lock: list, compare, clean up.
    pub(super) fn trace_scheduled_drift(&mut self, t: DateTime<Utc>) {
        let corr = self.rng.hex32();
        let door = self.rng.range(1, 40);
        let d = self.door(door).clone();
        if d.provider != "TTLOCK" {
            return;
        }
        let job = self.next_job;
        self.next_job += 1;
        let reason = format!(
            "scheduled drift_enforce {} {} door:{} device:{}",
            d.provider, d.external_id, d.id, d.device
        );
        let payload = json!({"door_id": d.id, "integration_device_id": d.device, "provider_type": d.provider,
                             "external_id": d.external_id, "mode": "standard", "grace_window_seconds": 3600});
        self.log(t, "RECONCILE_ENQUEUED", &corr, Some(job), None, None,
            json!({"job_type": "drift_enforce_lock_truth", "reason": reason, "source": "scheduler", "user_id": 0}),
            json!({"job_id": job}));
        let t1 = t + Duration::seconds(1);
        self.log(t1, "DRIFT_ENFORCE_JOB_START", &corr, Some(job), None, None,
            json!({"attempt_count": 1, "job_id": job, "job_type": "drift_enforce_lock_truth", "reason": reason, "user_id": 0}),
            Value::Null);
        let t2 = t1 + Duration::milliseconds(self.rng.range(800, 2500));
        let fault = self.fault_for("TTLOCK", 6);
        let (action, req, resp, err) = self.provider_call(t2, door, "list", None, fault);
        self.log(
            t2,
            &action,
            &corr,
            Some(job),
            Some(door),
            err.clone(),
            req,
            resp,
        );
        let t3 = t2 + Duration::milliseconds(self.rng.range(100, 600));
        match err {
            None => {
                let plan = json!({"doors": [{"door_id": d.id, "provider_type": d.provider, "external_device_id": d.external_id,
                    "integration_device_id": d.device, "actual": [], "expected": [], "adds": [], "deletes": [],
                    "blocked_by_grace": [], "invalid_expected": [],
                    "summary": {"adds": 0, "blocked": 0, "deletes": 0, "grace_bypassed_deletes": 0, "invalid_expected": 0}}],
                    "filters": {"door_id": d.id, "integration_device_id": d.device, "provider_type": d.provider},
                    "generated_at": t1.to_rfc3339_opts(chrono::SecondsFormat::Secs, true), "grace_window_seconds": 3600, "mode": "standard",
                    "summary": {"adds": 0, "blocked": 0, "deletes": 0, "doors": 1, "grace_bypassed_deletes": 0, "invalid_expected": 0}});
                self.log(t3, "DRIFT_ENFORCE_JOB_DONE", &corr, Some(job), None, None,
                    json!({"attempt_count": 1, "job_id": job}),
                    json!({"adds": {"attempted": 0, "failed": 0, "ok": 0}, "deletes": {"attempted": 0, "failed": 0, "ok": 0},
                           "analysis": {"adds": 0, "blocked": 0, "deletes": 0, "doors": 1, "grace_bypassed_deletes": 0, "invalid_expected": 0},
                           "enforce_plan": plan, "failures": [], "generated_at": t1.to_rfc3339_opts(chrono::SecondsFormat::Secs, true), "ok": true,
                           "summary": {"adds_attempted": 0, "adds_failed": 0, "adds_succeeded": 0, "deletes_attempted": 0,
                                       "deletes_failed": 0, "deletes_succeeded": 0, "failures": []},
                           "target": {"external_id": d.external_id, "integration_device_id": d.device, "provider_type": d.provider}}));
                self.push_job(
                    job,
                    "drift_enforce_lock_truth",
                    0,
                    &reason,
                    "done",
                    1,
                    None,
                    None,
                    &corr,
                    payload,
                    t,
                    t3,
                );
            }
            Some(e) => {
                self.log(
                    t3,
                    "RECONCILE_JOB_FAILED",
                    &corr,
                    Some(job),
                    None,
                    Some(e.clone()),
                    json!({"attempt_count": 1, "job_id": job}),
                    json!({"job_status": "dead", "error": e}),
                );
                // Scheduled sweeps are not retried: the next night's sweep is.
                self.push_job(
                    job,
                    "drift_enforce_lock_truth",
                    0,
                    &reason,
                    "dead",
                    1,
                    Some(e),
                    None,
                    &corr,
                    payload,
                    t,
                    t3,
                );
            }
        }
    }
}
