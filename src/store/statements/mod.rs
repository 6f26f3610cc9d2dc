//! Every SQL statement lockdesk issues, named, in one place, each with sample
//! parameters (so that a test can EXPLAIN them all). Callers bind values in
//! the order of `$1, $2, …`; dynamic pieces come from closed sets of shapes,
//! never from input. The modules are named after what the statements touch.

// The row shapes the console decodes. Every column is cast to the contract
// type, so compatible stored types (integer ids, json, timestamp without time
// zone read as UTC) all decode. A time chrono cannot hold (`infinity`, year
// 262000 and later) comes as NULL, with Postgres's own text of it at the end
// of the row, so that decoding it cannot panic and the row is shown as odd.
// JSON columns come as Postgres's text, parsed by `jsontext` (any depth).
// The text columns are aliased: unaliased, `created_at::text` would be the
// output column `created_at`, and `ORDER BY created_at` would sort by that
// text, past every index. Macros, so that `concat!` can build the statements
// that start with them at compile time.
macro_rules! audit_select {
    () => {
        "SELECT id::int8, CASE WHEN isfinite(created_at) AND created_at < '262000-01-01' THEN created_at END::timestamptz, entity_type::text, entity_id::int8, \
         action::text, before_json::text, after_json::text, correlation_id::text, actor::text, source::text, \
         created_at::text AS created_at_text FROM app_audit"
    };
}
macro_rules! job_select {
    () => {
        "SELECT id::int8, job_type::text, user_id::int8, reason::text, status::text, \
         attempt_count::int4, last_error::text, CASE WHEN isfinite(next_run_at) AND next_run_at < '262000-01-01' THEN next_run_at END::timestamptz, correlation_id::text, debug_session_id::text, \
         payload::text, CASE WHEN isfinite(created_at) AND created_at < '262000-01-01' THEN created_at END::timestamptz, CASE WHEN isfinite(updated_at) AND updated_at < '262000-01-01' THEN updated_at END::timestamptz, \
         next_run_at::text AS next_run_at_text, created_at::text AS created_at_text, updated_at::text AS updated_at_text FROM reconcile_jobs"
    };
}
macro_rules! log_select {
    () => {
        "SELECT id::int8, action::text, correlation_id::text, CASE WHEN isfinite(created_at) AND created_at < '262000-01-01' THEN created_at END::timestamptz, \
         debug_session_id::text, door_id::int8, door_name::text, error_message::text, external_id::text, lock_key::text, \
         ok::bool, provider_type::text, reconcile_job_id::int8, request_json::text, response_json::text, \
         created_at::text AS created_at_text FROM integration_logs"
    };
}

// A log with only the payload values `facts::LogFacts` reads in place of
// its two payload columns (same column order as `log_select`).
macro_rules! log_head_select {
    () => {
        "SELECT id::int8, action::text, correlation_id::text, CASE WHEN isfinite(created_at) AND created_at < '262000-01-01' THEN created_at END::timestamptz, \
         debug_session_id::text, door_id::int8, door_name::text, error_message::text, external_id::text, lock_key::text, \
         ok::bool, provider_type::text, reconcile_job_id::int8, \
         json_strip_nulls(json_build_object('payload', json_build_object('keyboardPwdId', request_json->'payload'->'keyboardPwdId', \
           'operation', json_build_object('user', request_json->'payload'->'operation'->'user'), \
           'date', request_json->'payload'->'date'), \
           'name', request_json->'name', 'provider_code_id', request_json->'provider_code_id'))::text, \
         json_strip_nulls(json_build_object('summary', response_json->'summary'))::text, \
         created_at::text AS created_at_text FROM integration_logs"
    };
}

pub mod acting;
pub mod audit;
pub mod demo;
pub mod doors;
pub mod drift;
pub mod groups;
pub mod jobs;
pub mod logs;
pub mod pins;
pub mod pulse;
pub mod schema;
pub mod search;
pub mod session;
pub mod sim;
pub mod traces;
pub mod users;
pub mod worker;

/// The columns of an app_audit row, in the order `traces::audit_row` reads.
pub const AUDIT_SELECT: &str = audit_select!();
/// The columns of a reconcile_jobs row, in the order `traces::job_row` reads.
pub const JOB_SELECT: &str = job_select!();
/// The columns of an integration_logs row, in the order `traces::log_row` reads.
pub const LOG_SELECT: &str = log_select!();

/// One statement: a name for logs and tests, the SQL, and sample parameters.
#[derive(Debug, Clone, Copy)]
pub struct Statement {
    pub name: &'static str,
    pub sql: &'static str,
    pub params: &'static [Param],
}

/// A sample parameter, typed as the statement binds it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Param {
    Int(i64),
    Int4(i32),
    Bool(bool),
    Text(&'static str),
    /// RFC 3339.
    Time(&'static str),
    Json(&'static str),
    TextArray(&'static [&'static str]),
    IntArray(&'static [i64]),
    NullInt,
    NullText,
    NullTime,
}

/// The statement a load sent last, shared with the task that awaits the
/// load: when the load fails (or panics), that is the statement it names.
#[derive(Debug, Clone, Default)]
pub struct LastStatement(std::sync::Arc<std::sync::Mutex<Option<&'static str>>>);

impl LastStatement {
    fn note(&self, name: &'static str) {
        let mut last = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *last = Some(name);
    }

    /// The name of the statement sent last, if any was.
    pub fn get(&self) -> Option<&'static str> {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

tokio::task_local! {
    /// Where the load running in this task notes each statement it sends.
    static RUNNING: LastStatement;
}

/// Notes `name` as the statement the current load sends (outside a load,
/// nothing).
fn note(name: &'static str) {
    let _ = RUNNING.try_with(|last| last.note(name));
}

impl Statement {
    /// This statement's SQL, noted as the one the current load runs (so a
    /// failure names it: `loading user 9 (users::credentials): …`), tagged.
    pub fn marked(&self) -> &'static str {
        note(self.name);
        self.tagged()
    }

    /// The SQL as sent: `/* lockdesk:<name> */ …`, so that a server's log
    /// (and pg_stat_activity) says which statement ran where. Built once per
    /// statement and kept for the process's life: the set is fixed.
    pub fn tagged(&self) -> &'static str {
        static TAGGED: std::sync::OnceLock<
            std::sync::Mutex<std::collections::HashMap<&'static str, &'static str>>,
        > = std::sync::OnceLock::new();
        let map = TAGGED.get_or_init(Default::default);
        let mut map = map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.entry(self.name)
            .or_insert_with(|| Box::leak(tag(self.name, self.sql).into_boxed_str()))
    }
}

/// A statement's SQL with its tag (for the dynamic job pages too).
pub fn tag(name: &str, sql: &str) -> String {
    format!("/* lockdesk:{name} */ {sql}")
}

/// A dynamic statement's SQL (the job pages' shapes), noted and tagged as
/// `Statement::marked` notes and tags a fixed one.
pub fn marked(name: &'static str, sql: &str) -> String {
    note(name);
    tag(name, sql)
}

/// Runs a load, noting in `last` each statement it sends through `marked`:
/// the one sent last is the one a failure names.
pub async fn tracking<F: std::future::Future>(last: LastStatement, f: F) -> F::Output {
    RUNNING.scope(last, f).await
}

/// Every fixed statement (the job page's shapes are in `jobs::page_samples`).
pub fn all() -> Vec<&'static Statement> {
    [
        acting::ALL,
        audit::ALL,
        demo::ALL,
        doors::ALL,
        drift::ALL,
        groups::ALL,
        jobs::ALL,
        logs::ALL,
        pins::ALL,
        pulse::ALL,
        schema::ALL,
        search::ALL,
        session::ALL,
        sim::ALL,
        traces::ALL,
        users::ALL,
        worker::ALL,
    ]
    .concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The highest `$N` a statement uses.
    fn placeholders(sql: &str) -> usize {
        let b = sql.as_bytes();
        let mut max = 0;
        for (i, &c) in b.iter().enumerate() {
            if c == b'$' {
                let digits: String = sql[i + 1..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                if let Ok(n) = digits.parse::<usize>() {
                    max = max.max(n);
                }
            }
        }
        max
    }

    #[tokio::test]
    async fn a_load_names_the_statement_it_sent_last() {
        let last = LastStatement::default();
        tracking(last.clone(), async {
            let _ = jobs::BY_ID.marked();
            let _ = marked("jobs::page", "SELECT 1");
        })
        .await;
        assert_eq!(last.get(), Some("jobs::page"));
        // Outside a load, sending a statement notes nothing (and never panics).
        let _ = jobs::BY_ID.marked();
        assert_eq!(last.get(), Some("jobs::page"));
        let none = LastStatement::default();
        tracking(none.clone(), async {}).await;
        assert_eq!(none.get(), None);
    }

    #[test]
    fn every_statement_has_a_unique_name_and_a_sample_for_each_parameter() {
        let all = all();
        assert!(all.len() > 40, "{} statements", all.len());
        let mut names = std::collections::BTreeSet::new();
        for s in &all {
            assert!(names.insert(s.name), "{} is named twice", s.name);
            assert_eq!(placeholders(s.sql), s.params.len(), "{}: {}", s.name, s.sql);
        }
        for shape in jobs::page_samples() {
            let sql = jobs::page(&shape);
            assert_eq!(placeholders(&sql), jobs::page_params(&shape).len(), "{sql}");
        }
    }
}
