// Every statement lockdesk sends is index-bound on a big broker: the private
// cluster is seeded with 200k logs / 20k jobs / 20k audit rows and analysed,
// then each statement of `store/statements` (and each shape of the job page)
// is EXPLAINed with its sample parameters, as is and with seqscan off. A Seq
// Scan of a big table that survives seqscan off (no index can serve it), or a
// Sort whose input is far above what the statement's LIMIT keeps, fails it.

use chrono::{DateTime, Utc};
use lockdesk::store::statements::{self, Param, Statement};
use serde_json::Value;
use sqlx::postgres::PgArguments;
use sqlx::query::Query;
use sqlx::{Connection, Postgres};

use crate::support::{Screen, demo_db};

const BIG: &[&str] = &[
    "integration_logs",
    "reconcile_jobs",
    "app_audit",
    "credentials",
];

/// Statements that run only on a demo or simulator database, never on a
/// broker's (the `demo seed` guard refuses any other). `worker::claim` is
/// the demo worker's: its `NULLS FIRST` order sorts every due job, which the
/// demo's incident (300 failed jobs, all due by EXPLAIN's real clock) makes
/// over 10× its LIMIT 1; a broker's own worker claims its jobs, not lockdesk.
const DEMO_ONLY: &[&str] = &["demo::max_ids", "worker::claim"];

/// Statements that read only Postgres's system views (`pg_locks`,
/// `pg_stat_activity`: in memory, small, no index applies): who holds a
/// lock's enforcement.
const SYSTEM_VIEWS: &[&str] = &["acting::lock_holder", "drift::enforce_holder"];

fn bind<'q>(
    mut q: Query<'q, Postgres, PgArguments>,
    params: &[Param],
) -> Query<'q, Postgres, PgArguments> {
    for p in params {
        let time = |t: &str| DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&Utc);
        q = match *p {
            Param::Int(v) => q.bind(v),
            Param::Int4(v) => q.bind(v),
            Param::Bool(v) => q.bind(v),
            Param::Text(v) => q.bind(v),
            Param::Time(t) => q.bind(time(t)),
            Param::Json(j) => q.bind(sqlx::types::Json(serde_json::from_str::<Value>(j).unwrap())),
            Param::TextArray(a) => q.bind(a.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
            Param::IntArray(a) => q.bind(a.to_vec()),
            Param::NullInt => q.bind(None::<i64>),
            Param::NullText => q.bind(None::<String>),
            Param::NullTime => q.bind(None::<DateTime<Utc>>),
        };
    }
    q
}

/// Only plannable statements: not BEGIN, SET, CREATE, ANALYZE.
fn explainable(sql: &str) -> bool {
    let first = sql
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_uppercase();
    matches!(
        first.as_str(),
        "SELECT" | "WITH" | "INSERT" | "UPDATE" | "DELETE"
    )
}

/// What is wrong with one plan: Seq Scans of big tables, and Sorts whose
/// input is over 10x the rows the nearest Limit above keeps.
fn faults(node: &Value, limit: Option<f64>, seq_ok: bool, out: &mut Vec<String>) {
    let kind = node["Node Type"].as_str().unwrap_or("");
    let rel = node["Relation Name"].as_str().unwrap_or("");
    // (A partition of a big table is named after it: integration_logs_y2026m11.)
    let big = BIG
        .iter()
        .any(|b| rel == *b || rel.strip_prefix(b).is_some_and(|r| r.starts_with('_')));
    if kind == "Seq Scan" && big && !seq_ok {
        out.push(format!(
            "Seq Scan on {rel} (est. {} rows)",
            node["Plan Rows"]
        ));
    }
    let limit = if kind == "Limit" {
        node["Plan Rows"].as_f64()
    } else {
        limit
    };
    if kind == "Sort" {
        if let (Some(l), Some(input)) = (limit, node["Plans"][0]["Plan Rows"].as_f64()) {
            if input > 10.0 * l.max(1.0) {
                out.push(format!("Sort of est. {input} rows under a Limit of {l}"));
            }
        }
    }
    for child in node["Plans"].as_array().into_iter().flatten() {
        faults(child, limit, seq_ok, out);
    }
    // A scan or sort inside an InitPlan/SubPlan is listed among Plans too.
}

async fn plan(conn: &mut sqlx::PgConnection, sql: &str, params: &[Param]) -> Result<Value, String> {
    let text = format!("EXPLAIN (FORMAT JSON) {sql}");
    let q = bind(sqlx::query(sqlx::AssertSqlSafe(text)), params);
    let row = q.fetch_one(&mut *conn).await.map_err(|e| e.to_string())?;
    let v: sqlx::types::Json<Value> = sqlx::Row::try_get(&row, 0).map_err(|e| e.to_string())?;
    Ok(v.0[0]["Plan"].clone())
}

/// The demo world plus 200k logs / 20k jobs / 20k audit rows, analysed.
async fn seed_big(pool: &sqlx::PgPool) {
    lockdesk::demo::scale::seed(
        pool,
        lockdesk::demo::scale::Scale {
            logs: 200_000,
            jobs: 20_000,
            audit: 20_000,
        },
        lockdesk::demo::world::fixed_now(),
    )
    .await
    .unwrap();
    sqlx::query("ANALYZE").execute(pool).await.unwrap();
}

#[tokio::test]
async fn every_statement_is_index_bound() {
    let url = demo_db().await;
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    seed_big(&pool).await;
    let (checked, failures) = explain_every_statement(&url).await;
    assert!(checked > 100, "{checked} statements explained");
    assert!(
        failures.is_empty(),
        "{} of {checked} statements are not index-bound:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    pulse_reads_a_range_of_the_time_index(&url).await;
}

/// The Pulse's timer statements read integration_logs only as a range of
/// `integration_logs_time_idx` (the hour, the last 10 minutes), at the
/// seeded world's own clock, where its rows are.
async fn pulse_reads_a_range_of_the_time_index(url: &str) {
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    let at = [Param::Time("2026-11-20T15:30:00Z")];
    for s in [
        &statements::pulse::PER_MINUTE,
        &statements::pulse::LOCKS_FAILING,
    ] {
        let p = plan(&mut conn, s.sql, &at).await.unwrap();
        let mut names = Vec::new();
        indexes(&p, &mut names);
        assert!(
            names.iter().any(|n| n == "integration_logs_time_idx"),
            "{}: {p:#}",
            s.name
        );
    }
}

fn indexes(node: &Value, out: &mut Vec<String>) {
    if let Some(r) = node["Index Name"].as_str() {
        out.push(r.to_string());
    }
    for child in node["Plans"].as_array().into_iter().flatten() {
        indexes(child, out);
    }
}

/// The same on a broker whose integration_logs is partitioned by month:
/// every statement stays index-bound on every partition, a time-bounded
/// one reads only the partitions of its bound, and `db check` passes.
#[tokio::test]
async fn every_statement_is_index_bound_on_month_partitions() {
    let url = demo_db().await;
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let logs = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM integration_logs")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let before = logs().await;
    assert!(lockdesk::demo::partitions::by_month(&pool).await.unwrap());
    assert!(
        !lockdesk::demo::partitions::by_month(&pool).await.unwrap(),
        "once"
    );
    assert_eq!(logs().await, before, "the rows are kept");
    seed_big(&pool).await;
    let (checked, failures) = explain_every_statement(&url).await;
    assert!(checked > 100, "{checked} statements explained");
    assert!(
        failures.is_empty(),
        "{} of {checked} statements are not index-bound on month partitions:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    // Partition pruning: the bounded page reads one month, the unbounded
    // lookup every month's index.
    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
    let touched = |plan: &Value| {
        let mut names = Vec::new();
        relations(plan, &mut names);
        names.retain(|n| n.starts_with("integration_logs"));
        names.sort();
        names.dedup();
        names
    };
    let w = &statements::traces::LOGS_BY_IDS_WITHIN;
    let bounded = touched(&plan(&mut conn, w.sql, w.params).await.unwrap());
    assert_eq!(bounded.len(), 1, "one month's partition: {bounded:?}");
    let u = &statements::traces::LOGS_BY_IDS;
    let every = touched(&plan(&mut conn, u.sql, u.params).await.unwrap());
    assert!(every.len() > 10, "every partition: {every:?}");
    // db check: the contract holds and no recommended index is missing.
    let out = crate::support::lockdesk(&["db", "check"], Some(&url));
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("Every index lockdesk's statements are built for is there."),
        "{text}"
    );
}

/// The relations a plan scans.
fn relations(node: &Value, out: &mut Vec<String>) {
    if let Some(r) = node["Relation Name"].as_str() {
        out.push(r.to_string());
    }
    for child in node["Plans"].as_array().into_iter().flatten() {
        relations(child, out);
    }
}

/// EXPLAINs every statement and job page shape, as is and with seqscan
/// off: how many were explained, and what is wrong with the others.
async fn explain_every_statement(url: &str) -> (usize, Vec<String>) {
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    let mut owned: Vec<(String, String, Vec<Param>)> = statements::all()
        .into_iter()
        .map(|s: &Statement| (s.name.to_string(), s.sql.to_string(), s.params.to_vec()))
        .collect();
    for shape in statements::jobs::page_samples() {
        owned.push((
            format!("jobs::page {shape:?}"),
            statements::jobs::page(&shape),
            statements::jobs::page_params(&shape),
        ));
    }
    for shape in statements::jobs::page_samples() {
        owned.push((
            format!("jobs::stamps {shape:?}"),
            statements::jobs::stamps(&shape),
            statements::jobs::page_params(&shape),
        ));
    }
    for shape in statements::jobs::page_samples() {
        if shape.side == statements::jobs::Side::First {
            owned.push((
                format!("jobs::retryable {shape:?}"),
                statements::jobs::retryable(&shape),
                statements::jobs::retryable_params(&shape),
            ));
        }
    }
    let mut checked = 0;
    let mut failures = Vec::new();
    for (name, sql, params) in &owned {
        if !explainable(sql)
            || DEMO_ONLY.contains(&name.as_str())
            || SYSTEM_VIEWS.contains(&name.as_str())
        {
            continue;
        }
        sqlx::query("SET enable_seqscan = on")
            .execute(&mut conn)
            .await
            .unwrap();
        let as_is = plan(&mut conn, sql, params).await;
        sqlx::query("SET enable_seqscan = off")
            .execute(&mut conn)
            .await
            .unwrap();
        let forced = plan(&mut conn, sql, params).await;
        let (as_is, forced) = match (as_is, forced) {
            (Ok(a), Ok(f)) => (a, f),
            (Err(e), _) | (_, Err(e)) => {
                failures.push(format!("{name}: EXPLAIN failed: {e}\n{sql}"));
                continue;
            }
        };
        checked += 1;
        let mut found = Vec::new();
        faults(&forced, None, false, &mut found);
        // With seqscan on, only the Sort rule: the planner may rightly scan
        // a small sample table, but it must never sort far more than it keeps.
        let mut sorts = Vec::new();
        faults(&as_is, None, true, &mut sorts);
        found.extend(sorts);
        found.dedup();
        if !found.is_empty() {
            failures.push(format!(
                "{name}: {}\n  {sql}\n  plan (seqscan off): {forced}",
                found.join("; ")
            ));
        }
    }
    (checked, failures)
}

/// lockdesk never creates objects in a broker's database: `db check` lists
/// each missing index with the statement that adds it, and that statement,
/// run by the operator, is what makes the next check pass.
#[tokio::test]
async fn db_check_recommends_missing_indexes_and_creates_none() {
    let url = demo_db().await;
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    for idx in [
        "app_audit_user_ref_idx",
        "integration_logs_correlation_prefix_idx",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP INDEX {idx}")))
            .execute(&pool)
            .await
            .unwrap();
    }
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM pg_indexes WHERE schemaname = 'public'")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let before = count().await;
    let out = crate::support::lockdesk(&["db", "check"], Some(&url));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        text.contains("2 recommended index(es) are missing"),
        "{text}"
    );
    let creates: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("CREATE INDEX CONCURRENTLY"))
        .collect();
    assert_eq!(creates.len(), 2, "{text}");
    assert!(
        text.contains("-- app_audit_user_ref_idx: speeds up the user pane"),
        "{text}"
    );
    assert_eq!(count().await, before, "db check created nothing");
    // The console still opens, and says so once.
    let screen = Screen::new(&url).run().await;
    assert!(
        screen.contains("2 recommended index(es) missing"),
        "{screen}"
    );
    assert!(screen.contains("reconcile_user"), "{screen}");
    // The operator runs what it printed; then nothing is missing.
    for c in creates {
        sqlx::query(sqlx::AssertSqlSafe(c.to_string()))
            .execute(&pool)
            .await
            .unwrap();
    }
    let out = crate::support::lockdesk(&["db", "check"], Some(&url));
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        text.contains("Every index lockdesk's statements are built for is there."),
        "{text}"
    );
}
