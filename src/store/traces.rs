//! Reading one trace (everything stamped with one correlation id) from the
//! contract tables, and resolving a unique prefix to a full correlation id.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Row};

pub use super::compact::{LogColumns, Logs};
pub use super::facts::LogFacts;
pub use super::logrow::LogRow;
pub use super::odd::{
    Masking, Oddity, RawJson, odd_text, pretty_with_raw, raw_columns, row_json_text,
};
use super::odd::{free_col, json_col, json_col_as, nulls_back, or_edge, stamp, text_or_odd};
use super::statements;

#[derive(Debug, Clone, PartialEq)]
pub struct AuditRow {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    pub entity_type: String,
    pub entity_id: Option<i64>,
    pub action: String,
    pub before_json: Option<Value>,
    pub after_json: Option<Value>,
    pub correlation_id: Option<String>,
    pub actor: Option<String>,
    pub source: Option<String>,
    /// What is odd about this row (empty for almost every row).
    pub odd: Vec<Oddity>,
    /// Postgres's text of the JSON columns, secrets replaced.
    pub raw_json: RawJson,
    /// An update's top-level fields whose values differ, sorted: compared
    /// before masking, so a PIN changed from one `***11` to another is
    /// named (the names only; no value leaves the decoder).
    pub changed: Vec<String>,
}

/// A job's stored status. The contract's statuses are named; anything else a
/// broker stores is kept as written (shown as is, never a decode error).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum JobStatus {
    Queued,
    Running,
    Done,
    Failed,
    Dead,
    Cancelled,
    Other(String),
}

impl JobStatus {
    pub fn as_str(&self) -> &str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
            JobStatus::Dead => "dead",
            JobStatus::Cancelled => "cancelled",
            JobStatus::Other(s) => s,
        }
    }

    /// Failed or dead: what "retry" applies to.
    pub fn is_retryable(&self) -> bool {
        matches!(self, JobStatus::Failed | JobStatus::Dead)
    }
}

impl From<&str> for JobStatus {
    fn from(s: &str) -> JobStatus {
        match s {
            "queued" => JobStatus::Queued,
            "running" => JobStatus::Running,
            "done" => JobStatus::Done,
            "failed" => JobStatus::Failed,
            "dead" => JobStatus::Dead,
            "cancelled" => JobStatus::Cancelled,
            other => JobStatus::Other(other.to_string()),
        }
    }
}

impl From<String> for JobStatus {
    fn from(s: String) -> JobStatus {
        JobStatus::from(s.as_str())
    }
}

impl std::fmt::Display for JobStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for JobStatus {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct JobRow {
    pub id: i64,
    pub job_type: String,
    pub user_id: i64,
    pub reason: Option<String>,
    pub status: JobStatus,
    pub attempt_count: i32,
    pub last_error: Option<String>,
    pub next_run_at: Option<DateTime<Utc>>,
    pub correlation_id: Option<String>,
    pub debug_session_id: Option<String>,
    pub payload: Option<Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// What is odd about this row (empty for almost every row).
    pub odd: Vec<Oddity>,
    /// Postgres's text of the JSON columns, secrets replaced.
    pub raw_json: RawJson,
    /// A change this job sent has no logged outcome (derived, never in
    /// `status`: see `intents`).
    pub interrupted: bool,
}

/// Everything one correlation id touched, each part in time order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Trace {
    pub correlation_id: String,
    pub audit: Vec<AuditRow>,
    pub jobs: Vec<JobRow>,
    pub logs: Logs,
}

pub fn audit_row(r: &PgRow) -> Result<AuditRow, sqlx::Error> {
    audit_row_as(r, Masking::On)
}

pub fn audit_row_as(r: &PgRow, masking: Masking) -> Result<AuditRow, sqlx::Error> {
    let mut odd = Vec::new();
    let mut raw_json = Vec::new();
    let created = stamp(r, 1, 10, "created_at", true, &mut odd)?;
    let before_json = json_col(r, 5, "before_json", &mut odd, &mut raw_json, masking)?;
    let after_json = json_col(r, 6, "after_json", &mut odd, &mut raw_json, masking)?;
    let changed = changed_before_masking(r, before_json.as_ref(), after_json.as_ref())?;
    Ok(AuditRow {
        id: r.try_get(0)?,
        created_at: or_edge(created, &odd, "created_at"),
        entity_type: text_or_odd(r, 2, "entity_type", &mut odd)?,
        entity_id: r.try_get(3)?,
        action: text_or_odd(r, 4, "action", &mut odd)?,
        before_json,
        after_json,
        correlation_id: r.try_get(7)?,
        actor: free_col(r, 8, masking)?,
        source: free_col(r, 9, masking)?,
        odd,
        raw_json,
        changed,
    })
}

/// The largest side compared unmasked for `changed`: a bigger document is
/// compared as shown (masked values equal on both sides count as equal).
const CHANGED_UNMASKED_MAX: usize = 1 << 20;

/// `changed_keys` of the row's two JSON columns as stored, when both are
/// objects (`before`, `after`: the values as decoded, masked). The masked
/// values decide unless a field equal on both sides holds a mask (a PIN
/// changed from one `***11` to another): only then are the stored texts
/// (each at most `CHANGED_UNMASKED_MAX`) read again, unmasked.
fn changed_before_masking(
    r: &PgRow,
    before: Option<&Value>,
    after: Option<&Value>,
) -> Result<Vec<String>, sqlx::Error> {
    let (Some(Value::Object(b)), Some(Value::Object(a))) = (before, after) else {
        return Ok(Vec::new());
    };
    let hides = b.iter().any(|(k, v)| a.get(k) == Some(v) && has_mask(v));
    if !hides {
        return Ok(changed_keys(before, after));
    }
    let raw = |i: usize| -> Result<Option<Value>, sqlx::Error> {
        let text: Option<&str> = r.try_get(i)?;
        Ok(text
            .filter(|t| t.len() <= CHANGED_UNMASKED_MAX)
            .and_then(|t| crate::jsontext::parse(t).ok())
            .map(|p| p.value))
    };
    Ok(match (raw(5)?, raw(6)?) {
        (Some(b), Some(a)) => changed_keys(Some(&b), Some(&a)),
        _ => changed_keys(before, after),
    })
}

/// Whether a masked value is somewhere in `v` (at most as deep as a
/// decoded value is: `jsontext` collapses what is deeper).
fn has_mask(v: &Value) -> bool {
    match v {
        Value::String(s) => s.starts_with(crate::secrets::MASK),
        Value::Array(xs) => xs.iter().any(has_mask),
        Value::Object(m) => m.values().any(has_mask),
        _ => false,
    }
}

/// The top-level fields whose values differ between two objects, sorted
/// (none unless both are objects).
pub fn changed_keys(before: Option<&Value>, after: Option<&Value>) -> Vec<String> {
    let (Some(Value::Object(b)), Some(Value::Object(a))) = (before, after) else {
        return Vec::new();
    };
    let mut keys: Vec<String> = b
        .iter()
        .filter(|(k, v)| a.get(*k) != Some(v))
        .map(|(k, _)| k.clone())
        .chain(a.keys().filter(|k| !b.contains_key(*k)).cloned())
        .collect();
    keys.sort_unstable();
    keys
}

pub fn job_row(r: &PgRow) -> Result<JobRow, sqlx::Error> {
    job_row_as(r, Masking::On)
}

pub fn job_row_as(r: &PgRow, masking: Masking) -> Result<JobRow, sqlx::Error> {
    let mut odd = Vec::new();
    let mut raw_json = Vec::new();
    let next_run_at = stamp(r, 7, 13, "next_run_at", false, &mut odd)?;
    let created = stamp(r, 11, 14, "created_at", true, &mut odd)?;
    let updated = stamp(r, 12, 15, "updated_at", true, &mut odd)?;
    Ok(JobRow {
        id: r.try_get(0)?,
        job_type: text_or_odd(r, 1, "job_type", &mut odd)?,
        user_id: r.try_get::<Option<i64>, _>(2)?.unwrap_or(0),
        reason: free_col(r, 3, masking)?,
        status: JobStatus::from(text_or_odd(r, 4, "status", &mut odd)?),
        attempt_count: r.try_get::<Option<i32>, _>(5)?.unwrap_or(0),
        last_error: free_col(r, 6, masking)?,
        next_run_at,
        correlation_id: r.try_get(8)?,
        debug_session_id: r.try_get(9)?,
        payload: json_col(r, 10, "payload", &mut odd, &mut raw_json, masking)?,
        created_at: or_edge(created, &odd, "created_at"),
        updated_at: or_edge(updated, &odd, "updated_at"),
        odd,
        raw_json,
        interrupted: false,
    })
}

pub fn log_row(r: &PgRow) -> Result<LogRow, sqlx::Error> {
    log_row_as(r, Masking::On)
}

pub fn log_row_as(r: &PgRow, masking: Masking) -> Result<LogRow, sqlx::Error> {
    log_row_with(r, masking, true)
}

/// A log whose JSON columns are kept only as their redacted text
/// (`raw_json`; the values are `null`), for an export that lays the text
/// out itself.
pub fn log_row_unparsed(r: &PgRow) -> Result<LogRow, sqlx::Error> {
    log_row_with(r, Masking::On, false)
}

fn log_row_with(r: &PgRow, masking: Masking, parse: bool) -> Result<LogRow, sqlx::Error> {
    let mut odd = Vec::new();
    let mut raw_json = Vec::new();
    let created = stamp(r, 3, 15, "created_at", true, &mut odd)?;
    let mut json =
        |idx, column| json_col_as(r, idx, column, &mut odd, &mut raw_json, masking, parse);
    let request_json = json(13, "request_json")?;
    let response_json = json(14, "response_json")?;
    Ok(LogRow {
        id: r.try_get(0)?,
        action: text_or_odd(r, 1, "action", &mut odd)?,
        correlation_id: r.try_get(2)?,
        created_at: or_edge(created, &odd, "created_at"),
        debug_session_id: r.try_get(4)?,
        door_id: r.try_get(5)?,
        door_name: free_col(r, 6, masking)?,
        error_message: free_col(r, 7, masking)?,
        external_id: r.try_get(8)?,
        lock_key: r.try_get(9)?,
        ok: match r.try_get::<Option<bool>, _>(10)? {
            Some(ok) => ok,
            None => {
                odd.push(Oddity {
                    column: "ok",
                    text: None,
                    collapsed: false,
                });
                false
            }
        },
        provider_type: r.try_get(11)?,
        reconcile_job_id: r.try_get(12)?,
        facts: LogFacts::of(request_json.as_ref(), response_json.as_ref()),
        request_json,
        response_json,
        odd,
        raw_json,
        detached: false,
    })
}

/// Loads the whole trace of one full correlation id.
pub async fn fetch(pool: &PgPool, correlation_id: &str) -> Result<Trace, sqlx::Error> {
    let audit = sqlx::query(statements::traces::AUDIT_OF.marked())
        .bind(correlation_id)
        .fetch_all(pool);
    let jobs = sqlx::query(statements::traces::JOBS_OF.marked())
        .bind(correlation_id)
        .fetch_all(pool);
    let logs = sqlx::query(statements::traces::LOGS_OF.marked())
        .bind(correlation_id)
        .fetch_all(pool);
    // The three run at once on the pool's connections.
    let (audit, jobs, logs) = tokio::try_join!(audit, jobs, logs)?;
    Ok(Trace {
        correlation_id: correlation_id.to_string(),
        audit: audit.iter().map(audit_row).collect::<Result<_, _>>()?,
        jobs: jobs.iter().map(job_row).collect::<Result<_, _>>()?,
        logs: Logs::Whole(logs.iter().map(log_row).collect::<Result<_, _>>()?),
    })
}

/// What a correlation-id prefix matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    One(String),
    None,
    Many(Vec<String>),
}

/// Resolves what the operator typed or clicked to the correlation ids it
/// matches, at most a handful: the id exactly as stored first (upper case and
/// UUID dashes included), then a prefix in lower or upper case, which the
/// `text_pattern_ops` indexes serve. Input with other characters than letters,
/// digits, `-` and `_` is refused before any query; LIKE's own wildcards are
/// escaped, so input never becomes a pattern.
pub async fn resolve(conn: &mut sqlx::PgConnection, input: &str) -> Result<Resolved, ResolveError> {
    let id = input.trim();
    if id.chars().count() < 4
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(ResolveError::NotAnId(id.to_string()));
    }
    let exact: Option<(String,)> = sqlx::query_as(statements::traces::RESOLVE_EXACT.marked())
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(ResolveError::Db)?;
    if let Some((full,)) = exact {
        return Ok(Resolved::One(full));
    }
    let escaped = id.replace('_', "\\_");
    let rows: Vec<(String,)> = sqlx::query_as(statements::traces::RESOLVE_PREFIX.marked())
        .bind(escaped.to_ascii_lowercase())
        .bind(escaped.to_ascii_uppercase())
        .fetch_all(&mut *conn)
        .await
        .map_err(ResolveError::Db)?;
    let mut ids: Vec<String> = rows.into_iter().map(|(id,)| id).collect();
    Ok(match ids.len() {
        0 => Resolved::None,
        1 => Resolved::One(ids.remove(0)),
        _ => Resolved::Many(ids),
    })
}

#[derive(Debug)]
pub enum ResolveError {
    NotAnId(String),
    Db(sqlx::Error),
}

impl std::fmt::Display for ResolveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ResolveError::NotAnId(p) => write!(
                f,
                "`{p}` is not a correlation id: give at least 4 of its characters (hex digits, and the dashes of a UUID-style id)"
            ),
            ResolveError::Db(e) => write!(f, "looking up the correlation id failed: {e}"),
        }
    }
}

impl std::error::Error for ResolveError {}

/// A time column in an export: Postgres's own text when the row's value is
/// odd (`"infinity"`, `null` for a NULL), else RFC 3339.
fn time_of(odd: &[Oddity], column: &str, t: &DateTime<Utc>) -> Value {
    match odd.iter().find(|o| o.column == column) {
        Some(o) => o.text.clone().map_or(Value::Null, Value::String),
        None => time(t),
    }
}

fn time(t: &DateTime<Utc>) -> Value {
    Value::String(t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

fn opt<T: Into<Value>>(v: Option<T>) -> Value {
    v.map_or(Value::Null, Into::into)
}

impl AuditRow {
    /// The row as pretty JSON for a raw copy: each JSON column as Postgres's
    /// text, secrets replaced.
    pub fn to_json_text(&self) -> String {
        row_json_text(self.to_json(), &self.raw_json)
    }

    pub fn to_json(&self) -> Value {
        nulls_back(
            json!({
                "id": self.id, "created_at": time_of(&self.odd, "created_at", &self.created_at), "entity_type": self.entity_type,
                "entity_id": self.entity_id, "action": self.action,
                "before_json": self.before_json.clone().unwrap_or(Value::Null),
                "after_json": self.after_json.clone().unwrap_or(Value::Null),
                "correlation_id": self.correlation_id, "actor": self.actor, "source": self.source,
            }),
            &self.odd,
        )
    }
}

impl JobRow {
    /// The row as pretty JSON for a raw copy: each JSON column as Postgres's
    /// text, secrets replaced.
    pub fn to_json_text(&self) -> String {
        row_json_text(self.to_json(), &self.raw_json)
    }

    /// The seed's Job JSON shape (`reconcile_job_id`, not `id`).
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("attempt_count".into(), self.attempt_count.into());
        m.insert("correlation_id".into(), opt(self.correlation_id.clone()));
        m.insert(
            "created_at".into(),
            time_of(&self.odd, "created_at", &self.created_at),
        );
        m.insert(
            "debug_session_id".into(),
            opt(self.debug_session_id.clone()),
        );
        m.insert("job_type".into(), self.job_type.clone().into());
        m.insert("last_error".into(), opt(self.last_error.clone()));
        m.insert(
            "next_run_at".into(),
            match &self.next_run_at {
                Some(t) => time(t),
                None => odd_text(&self.odd, "next_run_at")
                    .filter(|t| *t != "NULL")
                    .map_or(Value::Null, |t| Value::String(t.to_string())),
            },
        );
        m.insert(
            "payload".into(),
            self.payload.clone().unwrap_or(Value::Null),
        );
        m.insert("reason".into(), opt(self.reason.clone()));
        m.insert("reconcile_job_id".into(), self.id.into());
        m.insert("status".into(), self.status.as_str().into());
        m.insert(
            "updated_at".into(),
            time_of(&self.odd, "updated_at", &self.updated_at),
        );
        m.insert("user_id".into(), self.user_id.into());
        nulls_back(Value::Object(m), &self.odd)
    }
}

impl LogRow {
    /// The row as pretty JSON for a raw copy: each JSON column as Postgres's
    /// text, secrets replaced.
    pub fn to_json_text(&self) -> String {
        row_json_text(self.to_json(), &self.raw_json)
    }

    /// The seed's "Raw logs JSON" shape.
    pub fn to_json(&self) -> Value {
        self.json_with(self.request_json.clone(), self.response_json.clone())
    }

    /// `to_json`, the payloads moved out instead of copied (an export
    /// writes each row once).
    pub fn take_json(&mut self) -> Value {
        let (request, response) = (self.request_json.take(), self.response_json.take());
        self.json_with(request, response)
    }

    fn json_with(&self, request: Option<Value>, response: Option<Value>) -> Value {
        nulls_back(
            json!({
                "action": self.action, "correlation_id": self.correlation_id, "created_at": time_of(&self.odd, "created_at", &self.created_at),
                "debug_session_id": self.debug_session_id, "door_id": self.door_id, "door_name": self.door_name,
                "error_message": self.error_message, "external_id": self.external_id, "id": self.id,
                "lock_key": self.lock_key, "ok": self.ok, "provider_type": self.provider_type,
                "reconcile_job_id": self.reconcile_job_id,
                "request_json": request.unwrap_or(Value::Null),
                "response_json": response.unwrap_or(Value::Null),
            }),
            &self.odd,
        )
    }
}

impl Trace {
    /// The trace in the row shape of seed-rows.json.
    pub fn to_json(&self) -> Value {
        json!({
            "app_audit": self.audit.iter().map(AuditRow::to_json).collect::<Vec<_>>(),
            "reconcile_jobs": self.jobs.iter().map(JobRow::to_json).collect::<Vec<_>>(),
            "integration_logs": self.logs.iter().map(|l| l.to_json()).collect::<Vec<_>>(),
        })
    }

    pub fn is_empty(&self) -> bool {
        self.audit.is_empty() && self.jobs.is_empty() && self.logs.is_empty()
    }

    /// `to_json` as pretty text, with each collapsed JSON column written out
    /// whole as Postgres stored it (`trace --json`, the whole-trace copy).
    pub fn to_json_text(&self) -> String {
        let mut raws = Vec::new();
        let mut add = |table: &str, i: usize, raw_json: &'_ RawJson, odd: &[Oddity]| {
            for (column, raw) in raw_columns(raw_json, odd, true) {
                raws.push((format!("/{table}/{i}"), column, raw.to_string()));
            }
        };
        for (i, a) in self.audit.iter().enumerate() {
            add("app_audit", i, &a.raw_json, &a.odd);
        }
        for (i, j) in self.jobs.iter().enumerate() {
            add("reconcile_jobs", i, &j.raw_json, &j.odd);
        }
        for (i, l) in self.logs.iter().enumerate() {
            add("integration_logs", i, &l.raw_json, &l.odd);
        }
        let raws: Vec<(String, &'static str, &str)> = raws
            .iter()
            .map(|(p, c, r)| (p.clone(), *c, r.as_str()))
            .collect();
        pretty_with_raw(self.to_json(), &raws)
    }
}
