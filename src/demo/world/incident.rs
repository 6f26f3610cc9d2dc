//! The demo's incident: a TTLock gateway outage over the last two hours (300
//! jobs of one fingerprint across two sites, some locks back online since)
//! and a token expired on one customer account. Seeded after everything else,
//! with its own random stream, so every earlier row and id stays as it was.

use chrono::Duration;

use super::*;

/// How many jobs the outage fails.
pub const OUTAGE_JOBS: i64 = 300;
/// How many jobs the expired token fails.
pub const TOKEN_JOBS: i64 = 12;
/// How many locks are back online, each with one job done since.
pub const BACK_ONLINE: usize = 5;

impl Gen {
    pub(super) fn incident(&mut self) {
        let saved = std::mem::replace(&mut self.rng, Rng(0x0FF1_1E6A_7E3A));
        let now = self.now;
        // TTLock doors at HQ and in Berlin (door 2, the seed's, is left alone).
        let doors: Vec<i64> = self
            .doors
            .iter()
            .filter(|d| d.provider == "TTLOCK" && d.id != 2 && d.site <= 2)
            .map(|d| d.id)
            .collect();
        let users_of = |site: i64| -> Vec<i64> {
            self.users
                .iter()
                .filter(|u| u.site == site && !matches!(u.id, 9 | 131) && u.status == "active")
                .map(|u| u.id)
                .collect()
        };
        let (hq, berlin) = (users_of(1), users_of(2));
        let start = now - Duration::minutes(115);
        let span_ms = Duration::minutes(107).num_milliseconds();
        for i in 0..OUTAGE_JOBS {
            let door = doors[(i as usize * 7) % doors.len()];
            let pool = if self.door(door).site == 1 {
                &hq
            } else {
                &berlin
            };
            let user = pool[(i as usize * 13) % pool.len()];
            let t0 = start + Duration::milliseconds(span_ms * i / OUTAGE_JOBS);
            let corr = self.rng.hex32();
            self.forced.extend([Fault::GatewayOffline; 5]);
            self.reconcile_user(
                t0,
                &corr,
                user,
                "access level changed",
                "api:hr-sync",
                &[door],
                &[],
                0,
            );
            self.forced.clear();
        }
        // Some locks came back: their newest jobs went through.
        for (k, door) in doors.iter().step_by(5).take(BACK_ONLINE).enumerate() {
            let pool = if self.door(*door).site == 1 {
                &hq
            } else {
                &berlin
            };
            let user = pool[(k * 29 + 3) % pool.len()];
            let corr = self.rng.hex32();
            let t0 = now - Duration::minutes(6) + Duration::seconds(k as i64 * 20);
            self.reconcile_user(
                t0,
                &corr,
                user,
                "access level changed",
                "api:hr-sync",
                &[*door],
                &[],
                0,
            );
        }
        // An expired token on the Berlin account (customer 3).
        let berlin_doors: Vec<i64> = self
            .doors
            .iter()
            .filter(|d| d.customer == 3)
            .map(|d| d.id)
            .collect();
        for i in 0..TOKEN_JOBS {
            let door = berlin_doors[(i as usize * 5) % berlin_doors.len()];
            let user = berlin[(i as usize * 7 + 1) % berlin.len()];
            let corr = self.rng.hex32();
            let t0 = now - Duration::minutes(50) + Duration::minutes(i * 3);
            self.forced.extend([Fault::TokenInvalid; 5]);
            self.reconcile_user(
                t0,
                &corr,
                user,
                "credential changed",
                "credential route",
                &[door],
                &[],
                0,
            );
            self.forced.clear();
        }
        self.rng = saved;
    }
}
