//! What the demo and the simulators are built from: the two seed traces
//! (../shared/seeds/seed-rows.json, embedded, production rows kept exactly as
//! they were, inconsistencies included), the demo's customer accounts, and a
//! small deterministic PRNG, so both sides agree on one world.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

/// The seed rows as extracted from the two captured pages.
pub const SEED_ROWS_JSON: &str = include_str!("seed-rows.json");

#[derive(Debug, Clone, Deserialize)]
pub struct SeedRows {
    pub app_audit: Vec<SeedAudit>,
    pub reconcile_jobs: Vec<SeedJob>,
    pub integration_logs: Vec<SeedLog>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SeedAudit {
    pub created_at: DateTime<Utc>,
    pub entity_type: String,
    pub entity_id: i64,
    pub action: String,
    pub before_json: Value,
    pub after_json: Value,
    pub correlation_id: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SeedJob {
    pub reconcile_job_id: i64,
    pub job_type: String,
    pub user_id: i64,
    pub reason: Option<String>,
    pub status: String,
    pub attempt_count: i32,
    pub last_error: Option<String>,
    pub next_run_at: Option<DateTime<Utc>>,
    pub correlation_id: String,
    pub debug_session_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SeedLog {
    pub id: i64,
    pub action: String,
    pub correlation_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub debug_session_id: Option<String>,
    pub door_id: Option<i64>,
    pub door_name: Option<String>,
    pub error_message: Option<String>,
    pub external_id: Option<String>,
    pub lock_key: Option<String>,
    pub ok: bool,
    pub provider_type: Option<String>,
    pub reconcile_job_id: Option<i64>,
    pub request_json: Value,
    pub response_json: Value,
}

/// The embedded seed rows. They are compiled in, so a parse failure is a
/// build defect caught by the unit test below, never a run-time condition.
pub fn rows() -> SeedRows {
    serde_json::from_str(SEED_ROWS_JSON).expect("seed-rows.json is valid (tested)")
}

/// Correlation ids of the two seed traces.
pub const TRACE_USER_ACCESS: &str = "e4792295b2f441f0b205e154984e92fc";
pub const TRACE_DOOR_PROVISION: &str = "c2165f3f52364e4db32d169654f4648f";

/// A small deterministic PRNG (splitmix64): the same world on every run.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next_u64() % ((hi - lo + 1) as u64)) as i64
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next_u64() % items.len() as u64) as usize]
    }
    pub fn hex32(&mut self) -> String {
        format!("{:016x}{:016x}", self.next_u64(), self.next_u64())
    }
    pub fn uuid(&mut self) -> String {
        let h = self.hex32();
        format!(
            "{}-{}-4{}-a{}-{}",
            &h[0..8],
            &h[8..12],
            &h[13..16],
            &h[17..20],
            &h[20..32]
        )
    }
}

/// (id, name, provider, account_ref, TTLock clientId)
pub const CUSTOMERS: &[(i64, &str, &str, &str, &str)] = &[
    (
        1,
        "Acme Property Group",
        "TTLOCK",
        "acme-ttlock",
        "6636adfbf3f9483d946082b74f20797c",
    ),
    (2, "Acme Property Group", "DOORDECK", "acme-doordeck", ""),
    (
        3,
        "Nordlicht GmbH",
        "TTLOCK",
        "nordlicht-ttlock",
        "b41f0e9a27c84d5f9e3c1a6d80f2b5c7",
    ),
    (4, "Harbour Co-work", "DOORDECK", "harbour-doordeck", ""),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_rows_parse_and_hold_both_traces() {
        let s = rows();
        assert_eq!(s.app_audit.len(), 2);
        assert_eq!(
            s.reconcile_jobs
                .iter()
                .map(|j| j.reconcile_job_id)
                .collect::<Vec<_>>(),
            vec![72, 104]
        );
        assert_eq!(s.integration_logs.len(), 12);
        assert!(
            s.integration_logs
                .iter()
                .all(|l| l.correlation_id.is_some())
        );
    }
}
