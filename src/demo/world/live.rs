//! The live edge of the queue: what is queued, running, stuck, failed and
//! dead at `now`, so every status shows in the console.

use chrono::Duration;
use serde_json::{Value, json};

use super::*;

impl Gen {
    /// The last hours: what a support engineer meets when they open the
    /// console — jobs queued, running, stuck, failed with a retry ahead, dead.
    pub(super) fn live_edge(&mut self) {
        let now = self.now;
        // A job stuck in `running` for hours: its worker died mid-call.
        let corr = self.rng.hex32();
        let t = now - Duration::hours(3) - Duration::minutes(12);
        let user = 42;
        let job = self.next_job;
        self.next_job += 1;
        let i = self.uals.iter().position(|u| u.user == user).unwrap_or(0);
        let snapshot = ual_json(&self.uals[i]);
        let ual_id = self.uals[i].id;
        self.audit_row(
            t,
            "UserAccessLevel",
            ual_id,
            "update",
            snapshot.clone(),
            snapshot,
            &corr,
            "user-access-level route",
        );
        self.log(t, "RECONCILE_ENQUEUED", &corr, Some(job), None, None,
            json!({"deduped": false, "reason": "access level changed", "source": "user-access-level route", "user_id": user}), json!({"job_id": job}));
        self.log(t + Duration::seconds(2), "RECONCILE_JOB_START", &corr, Some(job), None, None,
            json!({"attempt_count": 1, "job_id": job, "job_type": "reconcile_user", "reason": "access level changed", "user_id": user}), Value::Null);
        self.push_job(
            job,
            "reconcile_user",
            user,
            "access level changed",
            "running",
            1,
            None,
            None,
            &corr,
            Value::Null,
            t,
            t + Duration::seconds(2),
        );

        // An expired token at HQ, retried until it went dead.
        let corr = self.rng.hex32();
        self.forced.extend([Fault::TokenInvalid; 5]);
        self.reconcile_user(
            now - Duration::hours(3),
            &corr,
            64,
            "access level changed",
            "user-access-level route",
            &[1, 3],
            &[],
            0,
        );

        // A retried job: failed twice on a busy gateway, then done.
        let corr = self.rng.hex32();
        self.forced.extend([Fault::GatewayBusy, Fault::GatewayBusy]);
        self.reconcile_user(
            now - Duration::hours(2),
            &corr,
            12,
            "access level changed",
            "user-access-level route",
            &[1, 3, 9],
            &[],
            0,
        );

        // Cancelled by an operator.
        let corr = self.rng.hex32();
        let t = now - Duration::minutes(95);
        let job = self.next_job;
        self.next_job += 1;
        self.log(t, "RECONCILE_ENQUEUED", &corr, Some(job), None, None,
            json!({"deduped": false, "reason": "user reinstated", "source": "user route", "user_id": 37}), json!({"job_id": job}));
        self.push_job(
            job,
            "reconcile_user",
            37,
            "user reinstated",
            "cancelled",
            0,
            None,
            None,
            &corr,
            Value::Null,
            t,
            t + Duration::minutes(3),
        );

        // Failures whose retries are still ahead: Berlin's gateway went
        // offline a few minutes ago.
        for (k, user) in [131_i64, 144, 158].into_iter().enumerate() {
            let corr = self.rng.hex32();
            let t = now - Duration::minutes(8 - 2 * k as i64);
            self.forced.push_back(Fault::GatewayOffline);
            self.reconcile_user(
                t,
                &corr,
                user,
                "credential changed",
                "credential route",
                &[16, 18],
                &[],
                0,
            );
        }
        // A Doordeck device offline in Sydney.
        let corr = self.rng.hex32();
        self.forced.push_back(Fault::DeviceOffline);
        self.reconcile_user(
            now - Duration::minutes(3),
            &corr,
            181,
            "access level changed",
            "user-access-level route",
            &[28, 30],
            &[],
            0,
        );
        self.forced.clear();

        // Fresh work the worker has not picked up yet, and one it is running.
        for (k, user) in [23_i64, 77, 102].into_iter().enumerate() {
            let corr = self.rng.hex32();
            let t = now - Duration::seconds(40 - 10 * k as i64);
            let job = self.next_job;
            self.next_job += 1;
            let i = self.uals.iter().position(|u| u.user == user).unwrap_or(0);
            let after = ual_json(&self.uals[i]);
            let id = self.uals[i].id;
            self.audit_row(
                t,
                "UserAccessLevel",
                id,
                "update",
                after.clone(),
                after,
                &corr,
                "user-access-level route",
            );
            self.log(t, "RECONCILE_ENQUEUED", &corr, Some(job), None, None,
                json!({"deduped": false, "reason": "access level changed", "source": "user-access-level route", "user_id": user}), json!({"job_id": job}));
            let status = if k == 2 { "running" } else { "queued" };
            if status == "running" {
                self.log(t + Duration::seconds(1), "RECONCILE_JOB_START", &corr, Some(job), None, None,
                    json!({"attempt_count": 1, "job_id": job, "job_type": "reconcile_user", "reason": "access level changed", "user_id": user}), Value::Null);
            }
            let attempts = if status == "running" { 1 } else { 0 };
            let next_run = (status == "queued").then_some(t);
            self.push_job(
                job,
                "reconcile_user",
                user,
                "access level changed",
                status,
                attempts,
                None,
                next_run,
                &corr,
                Value::Null,
                t,
                t + Duration::seconds(1),
            );
        }
    }
}
