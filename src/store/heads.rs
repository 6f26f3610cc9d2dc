//! A big trace's logs without their payloads. A trace of 20,000 logs is
//! 20,000 request and response documents; the console reads each log's
//! columns and only the few payload values its findings use (`facts::LogFacts`),
//! and loads whole rows in pages as the operator scrolls or opens one.
//!
//! The heads are held compact (`compact::Heads`), not as `LogRow`s: a
//! runaway job's trace of 100,000 logs was 100,000 rows of 488 bytes plus
//! eight small texts each (107 MiB at peak), however it was read. Of the
//! two ways to keep a trace's memory from growing with its length —
//! windowed heads (a skeleton of every log, full heads read in pages) or
//! compact heads — this is the second: everything that reads every log
//! (the findings, the provider groups, the waterfall, the offsets, `/`,
//! the whys) keeps reading the same columns, from 48 bytes a log (each
//! distinct text stored once per trace; a trace repeats its correlation
//! id, actions, providers, locks and doors on every row), with no second
//! read, no keyset paging and no second copy of the findings' logic over a
//! skeleton. A row is built from its head only where one is shown, copied
//! or opened; the payloads stay in pages of `PAYLOAD_PAGE` around the
//! selection as before.

use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use sqlx::postgres::PgRow;

use super::compact::{HeadsBuilder, LogColumns, Logs};
use super::odd::Masking;
use super::statements;
use super::traces::{LogRow, Trace, audit_row, job_row, log_row, log_row_as};

/// Above this many logs a trace is loaded as heads (payloads in pages).
pub const WHOLE_TRACE_LOGS: i64 = 2_000;

/// How many whole logs a page of payloads holds (centred on the selection).
pub const PAYLOAD_PAGE: usize = 200;

/// How many whole logs a big trace keeps at most (`compact`).
pub use super::compact::PAYLOADS_KEPT;

/// The same trace on one connection, the statements in turn (the console
/// runs each load on one connection so it can cancel it on the server). A
/// trace of more than `heads::WHOLE_TRACE_LOGS` logs comes as heads: its
/// logs without payloads, which the console loads in pages.
pub async fn fetch_on(
    conn: &mut sqlx::PgConnection,
    correlation_id: &str,
) -> Result<Trace, sqlx::Error> {
    let audit = sqlx::query(statements::traces::AUDIT_OF.marked())
        .bind(correlation_id)
        .fetch_all(&mut *conn)
        .await?;
    let jobs = sqlx::query(statements::traces::JOBS_OF.marked())
        .bind(correlation_id)
        .fetch_all(&mut *conn)
        .await?;
    let n: i64 = sqlx::query_scalar(statements::traces::LOG_COUNT_OF.marked())
        .bind(correlation_id)
        .fetch_one(&mut *conn)
        .await?;
    let big = n > WHOLE_TRACE_LOGS;
    let logs_statement = if big {
        &statements::traces::LOG_HEADS_OF
    } else {
        &statements::traces::LOGS_OF
    };
    let capacity = usize::try_from(n.clamp(0, 1_000_000)).unwrap_or(0);
    let mut rows = sqlx::query(logs_statement.marked())
        .bind(correlation_id)
        .fetch(&mut *conn);
    // Decoded as they come: the wire rows of a 100,000-log trace are never
    // all held beside their decoded heads, nor a head as a `LogRow` past
    // its own push.
    let logs = if big {
        let mut heads = HeadsBuilder::with_capacity(capacity);
        while let Some(r) = rows.try_next().await? {
            heads.push(log_head(&r)?);
        }
        Logs::Heads(heads.finish())
    } else {
        let mut logs = Vec::with_capacity(capacity);
        while let Some(r) = rows.try_next().await? {
            logs.push(log_row(&r)?);
        }
        Logs::Whole(logs)
    };
    drop(rows);
    Ok(Trace {
        correlation_id: correlation_id.to_string(),
        audit: audit.iter().map(audit_row).collect::<Result<_, _>>()?,
        jobs: jobs.iter().map(job_row).collect::<Result<_, _>>()?,
        logs,
    })
}

/// A log read by `traces::log_heads_of`: its columns, with the two payload
/// columns holding only the values `LogFacts` reads. The row is detached:
/// no payloads, no payload oddities, nothing of them to copy.
pub fn log_head(r: &PgRow) -> Result<LogRow, sqlx::Error> {
    let mut row = log_row_as(r, Masking::On)?;
    row.detach();
    Ok(row)
}

impl LogRow {
    /// Drops the payloads (kept: the facts the findings read).
    pub fn detach(&mut self) {
        let payload = |c: &str| matches!(c, "request_json" | "response_json");
        self.request_json = None;
        self.response_json = None;
        self.raw_json.retain(|(c, _)| !payload(c));
        self.odd.retain(|o| !payload(o.column));
        self.detached = true;
    }
}

/// A page of a big trace's payloads to read: the ids, and the time span
/// they lie in when every one has a readable time (on a broker whose logs
/// are partitioned by month, the span keeps the read to its partitions).
#[derive(Debug, Clone, PartialEq)]
pub struct PayloadPage {
    pub ids: Vec<i64>,
    pub within: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

/// Which logs of a big trace to load whole when `selected` (an index into
/// the trace's logs) is shown: a page around it, minus the ones loaded.
pub fn page_around(logs: &Logs, selected: usize) -> PayloadPage {
    let start = selected.saturating_sub(PAYLOAD_PAGE / 2);
    let end = start.saturating_add(PAYLOAD_PAGE).min(logs.len());
    let page: Vec<usize> = (start..end).filter(|&i| logs.detached(i)).collect();
    let readable = page
        .iter()
        .all(|&i| !logs.odd(i).iter().any(|o| o.column == "created_at"));
    let times = page.iter().map(|&i| logs.created_at(i));
    let within = match (times.clone().min(), times.max()) {
        (Some(a), Some(b)) if readable => Some((a, b)),
        _ => None,
    };
    PayloadPage {
        ids: page.iter().map(|&i| logs.id(i)).collect(),
        within,
    }
}

/// Reads one page of whole logs, in no order.
pub async fn read_page(
    conn: &mut sqlx::PgConnection,
    page: &PayloadPage,
) -> Result<Vec<LogRow>, sqlx::Error> {
    let rows = match page.within {
        Some((from, to)) => {
            sqlx::query(statements::traces::LOGS_BY_IDS_WITHIN.marked())
                .bind(&page.ids)
                .bind(from)
                .bind(to)
                .fetch_all(&mut *conn)
                .await?
        }
        None => {
            sqlx::query(statements::traces::LOGS_BY_IDS.marked())
                .bind(&page.ids)
                .fetch_all(&mut *conn)
                .await?
        }
    };
    rows.iter().map(log_row).collect()
}
