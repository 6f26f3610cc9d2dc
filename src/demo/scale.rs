//! `lockdesk demo seed`: fills a database with millions of realistic traces
//! for benchmarks. Rows are written as COPY text straight from templates
//! (no per-row JSON trees) on two connections, with the big indexes built
//! once at the end instead of maintained row by row.

use std::fmt::Write;
use std::time::Instant;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use sqlx::{Executor, PgPool};

use super::rows::escape;
use crate::store::statements;

/// How many rows to add.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    pub logs: u64,
    pub jobs: u64,
    pub audit: u64,
}

/// What was added, and how long each part took.
#[derive(Debug, Default)]
pub struct Report {
    pub logs: u64,
    pub jobs: u64,
    pub audit: u64,
    pub copy_secs: f64,
    pub index_secs: f64,
}

/// Indexes of the three big tables: dropped before the load, rebuilt after
/// by re-running the (idempotent) migration.
const BIG_INDEXES: &[&str] = &[
    "app_audit_entity_time_idx",
    "app_audit_time_idx",
    "app_audit_correlation_prefix_idx",
    "app_audit_user_ref_idx",
    "reconcile_jobs_status_time_idx",
    "reconcile_jobs_time_idx",
    "reconcile_jobs_user_idx",
    "reconcile_jobs_due_idx",
    "reconcile_jobs_correlation_prefix_idx",
    "integration_logs_correlation_idx",
    "integration_logs_lock_time_idx",
    "integration_logs_door_time_idx",
    "integration_logs_job_idx",
    "integration_logs_correlation_prefix_idx",
    "integration_logs_time_idx",
];

const ACTIONS_TTLOCK: &[(&str, &str, &str)] = &[
    ("PASSCODE_ADD", "POST", "/v3/keyboardPwd/add"),
    ("PASSCODE_DELETE", "POST", "/v3/keyboardPwd/delete"),
    ("PASSCODE_LIST", "GET", "/v3/lock/listKeyboardPwd"),
];

/// splitmix64 over an index: rows are a pure function of their number, so
/// the two loaders need no shared state.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

struct Base {
    job: i64,
    log: i64,
    audit: i64,
    start: DateTime<Utc>,
    span_secs: i64,
    jobs: u64,
}

impl Base {
    /// Job `j` (0-based) of this run: its id, time, user and correlation id.
    fn job(&self, j: u64) -> (i64, DateTime<Utc>, i64, String) {
        let t =
            self.start + Duration::seconds((j as i64 * self.span_secs) / self.jobs.max(1) as i64);
        let h = mix(j ^ 0x5CA1E);
        let corr = format!("{:016x}{:016x}", h, mix(h));
        (self.job + j as i64, t, (h % 200) as i64 + 1, corr)
    }
}

fn ts(t: DateTime<Utc>, buf: &mut String) {
    buf.push_str(&t.to_rfc3339_opts(SecondsFormat::Millis, true));
}

/// Adds the rows. The database must be migrated.
pub async fn seed(pool: &PgPool, scale: Scale, now: DateTime<Utc>) -> anyhow::Result<Report> {
    let total = scale
        .logs
        .saturating_add(scale.jobs)
        .saturating_add(scale.audit);
    seed_with(pool, scale, now, super::progress::Progress::new(total)).await
}

/// The same, counting the rows it copies into `progress` (shown by the CLI).
pub async fn seed_with(
    pool: &PgPool,
    scale: Scale,
    now: DateTime<Utc>,
    progress: std::sync::Arc<super::progress::Progress>,
) -> anyhow::Result<Report> {
    // Each table's id range is reserved first, so rows a running demo
    // worker inserts meanwhile never collide with the COPY's.
    let reserve = |table: &'static str, n: u64| async move {
        let (first,): (i64,) =
            sqlx::query_as(sqlx::AssertSqlSafe(statements::demo::reserve_ids(table, n)))
                .fetch_one(pool)
                .await?;
        anyhow::Ok(first - 1)
    };
    let job = reserve("reconcile_jobs", scale.jobs).await?;
    let log = reserve("integration_logs", scale.logs).await?;
    let audit = reserve("app_audit", scale.audit).await?;
    let span_secs = 180 * 86_400;
    let base = std::sync::Arc::new(Base {
        job: job + 1,
        log: log + 1,
        audit: audit + 1,
        start: now - Duration::seconds(span_secs),
        span_secs,
        jobs: scale.jobs.max(1),
    });
    let started = Instant::now();
    for idx in BIG_INDEXES {
        pool.execute(sqlx::AssertSqlSafe(statements::demo::drop_index(idx)))
            .await?;
    }

    // Logs in two halves on two connections; jobs and audit ride along.
    let half = scale.logs / 2;
    let parts = [(0, half, true), (half, scale.logs, false)];
    let mut tasks = Vec::new();
    for (from, to, with_jobs) in parts {
        let pool = pool.clone();
        let base = base.clone();
        let progress = progress.clone();
        tasks.push(tokio::spawn(async move {
            let mut conn = pool.acquire().await?;
            if with_jobs {
                copy_jobs(&mut conn, &base, scale.jobs).await?;
                progress.add(scale.jobs);
            } else {
                copy_audit(&mut conn, &base, scale.audit).await?;
                progress.add(scale.audit);
            }
            copy_logs(&mut conn, &base, scale, from, to, &progress).await?;
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let copy_secs = started.elapsed().as_secs_f64();

    let indexed = Instant::now();
    // Re-running the migration script recreates exactly the dropped indexes.
    for (_, sql) in crate::store::migrate::MIGRATIONS {
        pool.execute(sqlx::AssertSqlSafe(*sql)).await?;
    }
    for table in ["reconcile_jobs", "integration_logs", "app_audit"] {
        let mut conn = pool.acquire().await?;
        super::rows::bump_sequence(&mut conn, table).await?;
        conn.execute(sqlx::AssertSqlSafe(statements::demo::analyze(table)))
            .await?;
    }
    Ok(Report {
        logs: scale.logs,
        jobs: scale.jobs,
        audit: scale.audit,
        copy_secs,
        index_secs: indexed.elapsed().as_secs_f64(),
    })
}

const CHUNK: usize = 4 << 20;

async fn copy_jobs(conn: &mut sqlx::PgConnection, base: &Base, n: u64) -> anyhow::Result<()> {
    let mut copy = conn.copy_in_raw(statements::demo::COPY_JOBS).await?;
    let mut buf = String::with_capacity(CHUNK + 4096);
    for j in 0..n {
        let (id, t, user, corr) = base.job(j);
        let h = mix(j);
        let (status, attempts, err) = match h % 100 {
            0..=2 => ("dead", 5, "TTLock errcode -3002: gateway offline"),
            3 => ("cancelled", 0, ""),
            _ => ("done", 1 + (h % 7 == 0) as i32, ""),
        };
        let _ = write!(
            buf,
            "{id}\treconcile_user\t{user}\taccess level changed\t{status}\t{attempts}\t"
        );
        buf.push_str(if err.is_empty() { "\\N" } else { err });
        let _ = write!(buf, "\t\\N\t{corr}\t\\N\t");
        ts(t, &mut buf);
        buf.push('\t');
        ts(t + Duration::seconds(6), &mut buf);
        buf.push('\n');
        if buf.len() > CHUNK {
            copy.send(std::mem::take(&mut buf).into_bytes()).await?;
        }
    }
    copy.send(buf.into_bytes()).await?;
    copy.finish().await?;
    Ok(())
}

async fn copy_audit(conn: &mut sqlx::PgConnection, base: &Base, n: u64) -> anyhow::Result<()> {
    let mut copy = conn.copy_in_raw(statements::demo::COPY_AUDIT).await?;
    let mut buf = String::with_capacity(CHUNK + 4096);
    for a in 0..n {
        // Audit row `a` belongs to job `a * jobs / audit`: same correlation.
        let j = a * base.jobs / n.max(1);
        let (_, t, user, corr) = base.job(j);
        let level = mix(a) % 8 + 1;
        let _ = write!(buf, "{}\t", base.audit + a as i64);
        ts(t, &mut buf);
        let _ = writeln!(
            buf,
            "\tUserAccessLevel\t{}\tcreate\t\\N\t{{\"access_level_id\": {level}, \"schedule_id\": null, \"site_id\": 1, \"status\": \"active\", \"user_id\": {user}}}\t{corr}\tapi:hr-sync\tuser-access-level route",
            100_000 + a
        );
        if buf.len() > CHUNK {
            copy.send(std::mem::take(&mut buf).into_bytes()).await?;
        }
    }
    copy.send(buf.into_bytes()).await?;
    copy.finish().await?;
    Ok(())
}

/// Logs `from..to`; log `i` belongs to job `i * jobs / logs`, so each job
/// gets its share (~10 at the default ratio) in time order.
async fn copy_logs(
    conn: &mut sqlx::PgConnection,
    base: &Base,
    scale: Scale,
    from: u64,
    to: u64,
    progress: &super::progress::Progress,
) -> anyhow::Result<()> {
    let mut sent = from;
    let mut copy = conn.copy_in_raw(statements::demo::COPY_LOGS).await?;
    let mut buf = String::with_capacity(CHUNK + 4096);
    let per_job = (scale.logs / scale.jobs.max(1)).max(1);
    for i in from..to {
        let j = (i / per_job).min(scale.jobs.saturating_sub(1));
        let k = i - j * per_job; // position within the job
        let (job_id, t0, user, corr) = base.job(j);
        let t = t0 + Duration::milliseconds(k as i64 * 650);
        let id = base.log + i as i64;
        let h = mix(i ^ 0xA11);
        let _ = write!(buf, "{id}\t");
        if k == 0 || k == per_job - 1 {
            let action = if k == 0 {
                "RECONCILE_JOB_START"
            } else {
                "RECONCILE_JOB_DONE"
            };
            let _ = write!(buf, "{action}\t{corr}\t");
            ts(t, &mut buf);
            let _ = write!(
                buf,
                "\t\\N\t\\N\t\\N\t\\N\tACCESS_BROKER:unknown\tt\tACCESS_BROKER\t{job_id}\t{{\"attempt_count\": 1, \"job_id\": {job_id}, \"user_id\": {user}}}\t"
            );
            if k == 0 {
                buf.push_str("\\N\n");
            } else {
                let _ = writeln!(
                    buf,
                    "{{\"job_status\": \"done\", \"summary\": {{\"adds_updates\": {}, \"desired\": {}, \"removes\": 0}}}}",
                    per_job - 2,
                    per_job - 2
                );
            }
        } else {
            let door = (h % 27) as i64 + 1;
            let lock = 28_990_000 + door * 137;
            let (action, method, path) = ACTIONS_TTLOCK[(h % 3) as usize];
            let failed = h % 50 == 0;
            let _ = write!(buf, "{action}\t{corr}\t");
            ts(t, &mut buf);
            let _ = write!(buf, "\t{door}\t");
            escape(&format!("Door {door}"), &mut buf);
            buf.push('\t');
            buf.push_str(if failed {
                "TTLock errcode -3002: gateway offline"
            } else {
                "\\N"
            });
            let _ = write!(
                buf,
                "\t{lock}\tTTLOCK:{lock}\t{}\tTTLOCK\t{job_id}\t{{\"base_host\": \"https://api.ttlock.com\", \"method\": \"{method}\", \"path\": \"{path}\", \"payload\": {{\"accessToken\": \"***\", \"clientId\": \"6636adfbf3f9483d946082b74f20797c\", \"date\": {}, \"lockId\": {lock}}}, \"url\": \"https://api.ttlock.com{path}\"}}\t",
                if failed { 'f' } else { 't' },
                t.timestamp_millis()
            );
            if failed {
                buf.push_str("{\"description\": \"gateway offline\", \"errcode\": -3002, \"errmsg\": \"gateway offline\"}\n");
            } else {
                buf.push_str("{\"description\": \"表示成功或是\", \"errcode\": 0, \"errmsg\": \"none error message or means yes\"}\n");
            }
        }
        if buf.len() > CHUNK {
            copy.send(std::mem::take(&mut buf).into_bytes()).await?;
            progress.add(i + 1 - sent);
            sent = i + 1;
        }
    }
    copy.send(buf.into_bytes()).await?;
    progress.add(to.saturating_sub(sent));
    copy.finish().await?;
    Ok(())
}
