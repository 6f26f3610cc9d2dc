//! One `integration_logs` row as lockdesk holds it (decoded in `traces`, a
//! big trace's held compact in `compact`): its own module so that both read
//! it without importing each other.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::facts::LogFacts;
use super::odd::{Oddity, RawJson};

#[derive(Debug, Clone, PartialEq)]
pub struct LogRow {
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
    pub request_json: Option<Value>,
    pub response_json: Option<Value>,
    /// What is odd about this row (empty for almost every row).
    pub odd: Vec<Oddity>,
    /// Postgres's text of the JSON columns, secrets replaced.
    pub raw_json: RawJson,
    /// The payload values the trace's findings read (kept when detached).
    pub facts: LogFacts,
    /// The payloads are not loaded (a big trace's head: `heads`).
    pub detached: bool,
}
