// The two seed traces (../shared/seeds/seed-rows.json, embedded): production
// rows kept exactly as they were, including their inconsistencies.

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
