//! `S`: the pane's `/` text searched in the database over a time window
//! (the pane's own filter sees only the rows it loaded). Read-only like every
//! read; bounded (at most `LIMIT` rows, each statement index-bound); the
//! queue's search runs only when its pg_trgm indexes exist, and otherwise
//! says that it would read every job of the window and how to add them.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::indexes;
use super::statements;
use super::traces::{AuditRow, JobRow, LogRow, audit_row, job_row, log_row};

/// The most rows a search shows.
pub const LIMIT: usize = 200;

/// Where a search looks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Within {
    Jobs,
    Audit,
    /// One lock's logs (`TTLOCK:28991110`).
    Lock(String),
}

/// One search: `text` in `within` over the `window_secs` before `pinned`
/// (else the server's now).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    pub within: Within,
    pub text: String,
    pub window_secs: i64,
    pub pinned: Option<DateTime<Utc>>,
}

/// What a search found: at most `LIMIT` rows, and whether there were more.
#[derive(Debug, Clone, PartialEq)]
pub enum Found {
    Jobs(Vec<JobRow>, bool),
    Audit(Vec<AuditRow>, bool),
    Lock(Vec<LogRow>, bool),
    /// Not run, and why (an index it needs is missing).
    Refused(String),
}

/// `q` as a LIKE pattern for "contains", lower-cased, its `%`, `_` and `\`
/// escaped.
fn contains(q: &str) -> String {
    let mut s = String::from("%");
    for c in q.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('%');
    s
}

fn cut<T>(mut rows: Vec<T>) -> (Vec<T>, bool) {
    let more = rows.len() > LIMIT;
    rows.truncate(LIMIT);
    (rows, more)
}

pub async fn run(conn: &mut PgConnection, s: &Search) -> Result<Found, sqlx::Error> {
    let limit = i64::try_from(LIMIT + 1).unwrap_or(i64::MAX);
    let pattern = contains(&s.text);
    let exact = s.text.trim().trim_start_matches('#').to_lowercase();
    Ok(match &s.within {
        // pg_trgm finds no trigram in fewer than 3 characters: the index
        // would be read whole, the scan the refusal below exists to avoid.
        Within::Jobs if s.text.trim().chars().count() < 3 => Found::Refused(
            "not searched: type at least 3 characters (a shorter text cannot use the trigram indexes)"
                .into(),
        ),
        Within::Jobs => {
            let present = indexes::present(conn).await?;
            if !indexes::has_all(&present, &indexes::JOB_TRGM) {
                return Ok(Found::Refused(format!(
                    "not searched: without the pg_trgm indexes {} the database would read the last error and reason of every job of the window, too slow for production; `lockdesk db check` shows how to add them",
                    indexes::JOB_TRGM.join(" and ")
                )));
            }
            let rows = sqlx::query(statements::search::JOBS.marked())
                .bind(s.pinned)
                .bind(s.window_secs)
                .bind(&pattern)
                .bind(limit)
                .fetch_all(&mut *conn)
                .await?;
            let (rows, more) = cut(rows.iter().map(job_row).collect::<Result<_, _>>()?);
            Found::Jobs(rows, more)
        }
        Within::Audit => {
            let rows = sqlx::query(statements::search::AUDIT.marked())
                .bind(s.pinned)
                .bind(s.window_secs)
                .bind(&pattern)
                .bind(&exact)
                .bind(limit)
                .fetch_all(&mut *conn)
                .await?;
            let (rows, more) = cut(rows.iter().map(audit_row).collect::<Result<_, _>>()?);
            Found::Audit(rows, more)
        }
        Within::Lock(key) => {
            let rows = sqlx::query(statements::search::LOCK_LOGS.marked())
                .bind(s.pinned)
                .bind(s.window_secs)
                .bind(key)
                .bind(&pattern)
                .bind(&exact)
                .bind(limit)
                .fetch_all(&mut *conn)
                .await?;
            let (rows, more) = cut(rows.iter().map(log_row).collect::<Result<_, _>>()?);
            Found::Lock(rows, more)
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_search_text_is_a_contains_pattern_with_its_wildcards_escaped() {
        assert_eq!(super::contains(" U9 C6 "), "%u9 c6%");
        assert_eq!(super::contains("50%_a\\B"), "%50\\%\\_a\\\\b%");
    }
}
