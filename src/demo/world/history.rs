//! The world's past: first grants, then eras of everyday changes, and the
//! two seed traces placed where the captured pages had them.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::*;
use crate::seeds::{self};

impl Gen {
    pub(super) fn history(&mut self) {
        // The first weeks: users get their first access levels and PINs.
        self.initial_grants();
        // Up to the first seed trace (job 72, log 1380).
        let mut t = ts("2026-01-26T15:10:00Z");
        self.era(&mut t, ts("2026-02-04T14:50:00Z"), 71, 1379);
        self.seed_trace_72();
        let mut t = ts("2026-02-04T15:20:00Z");
        self.era(&mut t, ts("2026-02-05T16:20:00Z"), 103, 1656);
        self.seed_trace_104();
        // The recent weeks, up to now.
        let mut t = self.now - Duration::days(RECENT_DAYS);
        self.next_job = self.next_job.max(105);
        self.next_log = self.next_log.max(1664);
        let end = self.now - Duration::hours(4);
        self.era(&mut t, end, i64::MAX, i64::MAX);
        self.live_edge();
    }

    /// Everyone's first access level and credential (no jobs: bulk import).
    pub(super) fn initial_grants(&mut self) {
        let import = ts("2026-01-19T16:00:00Z");
        for u in 0..self.users.len() {
            let (id, site) = (self.users[u].id, self.users[u].site);
            if id == 9 {
                // User 9's credential 6 exists before her seed access level (#9).
                continue;
            }
            let level = Self::levels_of_site(site)[0];
            let ual_id = if id <= 8 { id } else { self.next_ual.max(10) };
            self.next_ual = ual_id.max(self.next_ual) + 1;
            self.uals.push(Ual {
                id: ual_id,
                user: id,
                level,
                site,
                status: "active",
                created: import,
                updated: import,
            });
            if id % 3 == 0 {
                let extra = *self.rng.pick(&Self::levels_of_site(site));
                if extra != level {
                    let ual_id = self.next_ual.max(10);
                    self.next_ual = ual_id + 1;
                    self.uals.push(Ual {
                        id: ual_id,
                        user: id,
                        level: extra,
                        site,
                        status: "active",
                        created: import,
                        updated: import,
                    });
                }
            }
        }
        self.uals.sort_by_key(|u| u.id);
        // Credentials 1-5 belong to users 1, 2, 3, 5, 7 and credential 6 to
        // user 9 (seed: `AB U9 C6`, PIN ending 1111); then everyone else.
        let early = [1, 2, 3, 5, 7, 9];
        let mut order: Vec<i64> = early.to_vec();
        order.extend((1..=200).filter(|u| !early.contains(u)));
        for user in order {
            let pin = if user == 9 {
                "48201111".to_string()
            } else {
                format!("{}", self.rng.range(100_000, 99_999_999))
            };
            self.creds.push(Cred {
                id: self.next_cred,
                user,
                pin,
                status: "active",
                created: import,
                updated: import,
            });
            self.next_cred += 1;
        }
    }

    /// Generates traces from `t` to `end`, with job ids up to `max_job` and
    /// log ids up to `max_log` (the seeds' fixed ids come after).
    pub(super) fn era(
        &mut self,
        t: &mut DateTime<Utc>,
        end: DateTime<Utc>,
        max_job: i64,
        max_log: i64,
    ) {
        while *t < end {
            // Leave room for the largest trace (one job, ~40 logs).
            if self.next_job + 2 > max_job || self.next_log + 200 > max_log {
                break;
            }
            let roll = self.rng.range(0, 99);
            match roll {
                0..=44 => self.trace_access_change(*t),
                45..=64 => self.trace_credential_change(*t),
                65..=79 => self.trace_user_status(*t),
                _ => self.trace_scheduled_drift(*t),
            }
            *t +=
                Duration::minutes(self.rng.range(3, 17)) + Duration::seconds(self.rng.range(0, 59));
        }
    }

    pub(super) fn seed_trace_72(&mut self) {
        let s = seeds::rows();
        let a = &s.app_audit[0];
        // UserAccessLevel #9: user 9 gets access level 1 (seed 000).
        self.uals.push(Ual {
            id: 9,
            user: 9,
            level: 1,
            site: 1,
            status: "active",
            created: a.created_at,
            updated: a.created_at,
        });
        self.uals.sort_by_key(|u| u.id);
        self.push_seed(
            &s,
            seeds::TRACE_USER_ACCESS,
            "admin:olivia@acme.example",
            "user-access-level route",
        );
        self.next_job = 73;
        self.next_log = 1391;
    }

    pub(super) fn seed_trace_104(&mut self) {
        let s = seeds::rows();
        self.push_seed(
            &s,
            seeds::TRACE_DOOR_PROVISION,
            "admin:olivia@acme.example",
            "door route",
        );
        self.next_job = 105;
        self.next_log = 1664;
    }

    pub(super) fn push_seed(&mut self, s: &seeds::SeedRows, corr: &str, actor: &str, source: &str) {
        for a in s.app_audit.iter().filter(|a| a.correlation_id == corr) {
            let id = self.next_audit;
            self.next_audit += 1;
            self.audit.push(vec![
                id.into(),
                a.created_at.into(),
                a.entity_type.clone().into(),
                a.entity_id.into(),
                a.action.clone().into(),
                a.before_json.clone().into(),
                a.after_json.clone().into(),
                a.correlation_id.clone().into(),
                actor.into(),
                source.into(),
            ]);
        }
        for j in s.reconcile_jobs.iter().filter(|j| j.correlation_id == corr) {
            // The seeds carry no payload; job 104's parameters are in its reason.
            let payload = (j.job_type == "drift_enforce_lock_truth").then(|| {
                json!({"door_id": null, "integration_device_id": 1, "provider_type": "TTLOCK",
                       "external_id": "28991110", "mode": "ultra_strict", "grace_window_seconds": 3600})
            });
            self.jobs.push(vec![
                j.reconcile_job_id.into(),
                j.job_type.clone().into(),
                j.user_id.into(),
                j.reason.clone().into(),
                j.status.clone().into(),
                i64::from(j.attempt_count).into(),
                j.last_error.clone().into(),
                j.next_run_at.into(),
                j.correlation_id.clone().into(),
                j.debug_session_id.clone().into(),
                payload.into(),
                j.created_at.into(),
                j.updated_at.into(),
            ]);
        }
        for l in s
            .integration_logs
            .iter()
            .filter(|l| l.correlation_id.as_deref() == Some(corr))
        {
            self.logs.push(vec![
                l.id.into(),
                l.action.clone().into(),
                l.correlation_id.clone().into(),
                l.created_at.into(),
                l.debug_session_id.clone().into(),
                l.door_id.into(),
                l.door_name.clone().into(),
                l.error_message.clone().into(),
                l.external_id.clone().into(),
                l.lock_key.clone().into(),
                l.ok.into(),
                l.provider_type.clone().into(),
                l.reconcile_job_id.into(),
                l.request_json.clone().into(),
                l.response_json.clone().into(),
            ]);
        }
    }
}
