//! `lockdesk trace <id> --json`, streamed: the trace's logs are written to
//! the output as the server sends them, each row on its own, so a trace of
//! 20,000 logs needs the memory of one row, not of the trace. The bytes are
//! exactly `Trace::to_json_text` (keys in order: app_audit, integration_logs,
//! reconcile_jobs; serde's pretty layout; collapsed JSON columns as stored).

use std::io::Write;

use chrono::SecondsFormat;

use futures_util::TryStreamExt;
use serde_json::Value;
use sqlx::PgPool;

use super::odd::{Oddity, RawJson, pretty_with_raw_at, raw_columns};
use super::statements;
use super::traces::{LogRow, audit_row, job_row, log_row, log_row_unparsed};

/// One array member's text at the depth the trace puts it (4 spaces).
fn member(value: Value, raw_json: &RawJson, odd: &[Oddity]) -> String {
    let raws: Vec<(String, &'static str, &str)> = raw_columns(raw_json, odd, true)
        .map(|(c, r)| (String::new(), c, r))
        .collect();
    pretty_with_raw_at(value, &raws, "    ")
}

/// Writes `[`, the members, `]` as serde's pretty printer lays out an array
/// that is an object's member.
struct Array {
    first: bool,
}

impl Array {
    fn start() -> Array {
        Array { first: true }
    }

    fn push(&mut self, out: &mut impl Write, text: &str) -> std::io::Result<()> {
        if self.first {
            out.write_all(b"[\n    ")?;
            self.first = false;
        } else {
            out.write_all(b",\n    ")?;
        }
        out.write_all(text.as_bytes())
    }

    fn end(self, out: &mut impl Write) -> std::io::Result<()> {
        out.write_all(if self.first { b"[]" } else { b"\n  ]" })
    }
}

/// Why a streamed export stopped.
#[derive(Debug)]
pub enum ExportError {
    Db(sqlx::Error),
    Io(std::io::Error),
}

impl std::fmt::Display for ExportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExportError::Db(e) => write!(f, "reading the trace: {e}"),
            ExportError::Io(e) => write!(f, "writing the trace: {e}"),
        }
    }
}

impl std::error::Error for ExportError {}

impl From<sqlx::Error> for ExportError {
    fn from(e: sqlx::Error) -> Self {
        ExportError::Db(e)
    }
}

impl From<std::io::Error> for ExportError {
    fn from(e: std::io::Error) -> Self {
        ExportError::Io(e)
    }
}

/// How many logs a formatting batch holds, and how many batches may be
/// read ahead of the output (memory: about 2,000 formatted logs).
const BATCH: usize = 256;
const IN_FLIGHT: usize = 6;

/// Each log of a batch as its array member's text.
fn format_logs(rows: &[sqlx::postgres::PgRow]) -> Result<Vec<String>, sqlx::Error> {
    rows.iter()
        .map(|r| {
            if let Some(text) = laid_out(r)? {
                return Ok(text);
            }
            let mut row = log_row(r)?;
            Ok(member(row.take_json(), &row.raw_json, &row.odd))
        })
        .collect()
}

/// A log's member text with its JSON columns laid out straight from their
/// text (`jsonpretty`), the same bytes as parsing them; `None` when a
/// column needs the parsing path (odd, deep, not JSON).
fn laid_out(r: &sqlx::postgres::PgRow) -> Result<Option<String>, sqlx::Error> {
    let row = log_row_unparsed(r)?;
    // A JSON column's value stands 3 levels in: the document, the logs, the row.
    let mut texts = Vec::with_capacity(row.raw_json.len());
    for (column, text) in &row.raw_json {
        match crate::jsonpretty::pretty_at(text, 3) {
            Some(t) => texts.push((*column, t)),
            None => return Ok(None),
        }
    }
    Ok(log_member(&row, &texts))
}

/// The columns of a log as the export writes them, in the order serde's
/// map holds them (sorted).
const LOG_KEYS: [&str; 15] = [
    "action",
    "correlation_id",
    "created_at",
    "debug_session_id",
    "door_id",
    "door_name",
    "error_message",
    "external_id",
    "id",
    "lock_key",
    "ok",
    "provider_type",
    "reconcile_job_id",
    "request_json",
    "response_json",
];

/// A log's member text (`LogRow::to_json`'s object, pretty, 2 levels in)
/// written without building the object; `texts` are its JSON columns laid
/// out at their depth. The same bytes as the `member` path, which
/// `trace_json_streams_the_whole_documents_bytes` holds it to; `None` when
/// an oddity needs that path.
fn log_member(row: &LogRow, texts: &[(&'static str, String)]) -> Option<String> {
    use serde_json::to_writer;
    // A NULL the row was read with is exported as null (`nulls_back`).
    let null = |c: &str| row.odd.iter().any(|o| o.text.is_none() && o.column == c);
    if row
        .odd
        .iter()
        .any(|o| o.text.is_none() && !LOG_KEYS.contains(&o.column))
    {
        return None;
    }
    let mut out = Vec::with_capacity(512 + texts.iter().map(|(_, t)| t.len()).sum::<usize>());
    out.push(b'{');
    for (n, key) in LOG_KEYS.iter().enumerate() {
        out.extend_from_slice(if n == 0 {
            b"\n      \""
        } else {
            b",\n      \""
        });
        out.extend_from_slice(key.as_bytes());
        out.extend_from_slice(b"\": ");
        if null(key) {
            out.extend_from_slice(b"null");
            continue;
        }
        let w = &mut out;
        let written = match *key {
            "action" => to_writer(w, &row.action),
            "correlation_id" => to_writer(w, &row.correlation_id),
            // An odd time is exported as Postgres wrote it.
            "created_at" => match row.odd.iter().find(|o| o.column == "created_at") {
                Some(o) => to_writer(w, &o.text),
                None => to_writer(
                    w,
                    &row.created_at.to_rfc3339_opts(SecondsFormat::AutoSi, true),
                ),
            },
            "debug_session_id" => to_writer(w, &row.debug_session_id),
            "door_id" => to_writer(w, &row.door_id),
            "door_name" => to_writer(w, &row.door_name),
            "error_message" => to_writer(w, &row.error_message),
            "external_id" => to_writer(w, &row.external_id),
            "id" => to_writer(w, &row.id),
            "lock_key" => to_writer(w, &row.lock_key),
            "ok" => to_writer(w, &row.ok),
            "provider_type" => to_writer(w, &row.provider_type),
            "reconcile_job_id" => to_writer(w, &row.reconcile_job_id),
            json => match texts.iter().find(|(c, _)| *c == json) {
                Some((_, t)) => {
                    w.extend_from_slice(t.as_bytes());
                    Ok(())
                }
                // A SQL NULL (a present column always has its text).
                None => {
                    w.extend_from_slice(b"null");
                    Ok(())
                }
            },
        };
        written.ok()?;
    }
    out.extend_from_slice(b"\n    }");
    String::from_utf8(out).ok()
}

/// Streams one trace as JSON text to `out`, ending with a newline.
pub async fn write_trace(
    pool: &PgPool,
    correlation_id: &str,
    out: &mut impl Write,
) -> Result<(), ExportError> {
    // The audit rows and jobs of one trace are few; the logs can be many.
    let audit = sqlx::query(statements::traces::AUDIT_OF.marked())
        .bind(correlation_id)
        .fetch_all(pool);
    let jobs = sqlx::query(statements::traces::JOBS_OF.marked())
        .bind(correlation_id)
        .fetch_all(pool);
    let (audit, jobs) = tokio::try_join!(audit, jobs)?;
    out.write_all(b"{\n  \"app_audit\": ")?;
    let mut a = Array::start();
    for r in &audit {
        let row = audit_row(r)?;
        a.push(out, &member(row.to_json(), &row.raw_json, &row.odd))?;
    }
    a.end(out)?;
    out.write_all(b",\n  \"integration_logs\": ")?;
    let mut a = Array::start();
    let mut logs = sqlx::query(statements::traces::LOGS_OF.marked())
        .bind(correlation_id)
        .fetch(pool);
    // Decoding and pretty-printing a log costs more than reading it, so
    // batches are formatted on blocking threads while the next ones are
    // read, and written in order: at most `IN_FLIGHT` batches are held.
    let mut formatting = std::collections::VecDeque::new();
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        let next = logs.try_next().await?;
        let done = next.is_none();
        batch.extend(next);
        if batch.len() == BATCH || (done && !batch.is_empty()) {
            let rows = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
            formatting.push_back(tokio::task::spawn_blocking(move || format_logs(&rows)));
        }
        while formatting.len() > IN_FLIGHT || (done && !formatting.is_empty()) {
            let Some(f) = formatting.pop_front() else {
                break;
            };
            for text in f
                .await
                .map_err(|e| std::io::Error::other(e.to_string()))??
            {
                a.push(out, &text)?;
            }
        }
        if done {
            break;
        }
    }
    a.end(out)?;
    out.write_all(b",\n  \"reconcile_jobs\": ")?;
    let mut a = Array::start();
    for r in &jobs {
        let row = job_row(r)?;
        a.push(out, &member(row.to_json(), &row.raw_json, &row.odd))?;
    }
    a.end(out)?;
    out.write_all(b"\n}\n")?;
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn log_keys_are_in_the_order_a_map_holds_them() {
        assert!(super::LOG_KEYS.windows(2).all(|w| w[0] < w[1]));
    }
}
