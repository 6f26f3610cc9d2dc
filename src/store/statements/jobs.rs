//! The reconcile job queue: pages, counts, one job, retry and cancel.

use super::{JOB_SELECT, Param, Param::*, Statement};

/// Cancels a queued or failed job, guarded on the status and update time
/// the operator saw (`$3` NULL: an odd `updated_at` that must still be, as
/// for a retry).
pub const CANCEL: Statement = Statement {
    name: "jobs::cancel",
    sql: "UPDATE reconcile_jobs SET status = 'cancelled', updated_at = now()
             WHERE id = $1 AND status = $2 AND status IN ('queued', 'failed')
               AND date_trunc('milliseconds', CASE WHEN isfinite(updated_at) AND updated_at < '262000-01-01' THEN updated_at END::timestamptz)
                   IS NOT DISTINCT FROM date_trunc('milliseconds', $3::timestamptz)
             RETURNING correlation_id::text",
    params: &[Int(72), Text("failed"), Time("2026-11-20T15:30:00Z")],
};

/// Re-enqueues a job, guarded on the status and update time the operator
/// saw (`$3` NULL: the job's `updated_at` was odd — NULL, `infinity`, past
/// year 262000 — and must still be); `retry_base_attempts` gives it a fresh
/// attempt budget. Typed for any compatible column: the payload is read as
/// jsonb (a `json` column takes the result back by assignment), a payload
/// that is not an object (nor NULL) is kept as it is, and the update time is
/// compared as the panes read it.
pub const RETRY: Statement = Statement {
    name: "jobs::retry",
    sql: "UPDATE reconcile_jobs SET status = 'queued', next_run_at = now(), updated_at = now(),
                    payload = CASE WHEN payload IS NULL OR jsonb_typeof(payload::jsonb) IN ('object', 'null')
                              THEN jsonb_set(CASE WHEN jsonb_typeof(payload::jsonb) = 'object' THEN payload::jsonb ELSE '{}'::jsonb END,
                                             '{retry_base_attempts}', to_jsonb(COALESCE(attempt_count, 0)))
                              ELSE payload::jsonb END
             WHERE id = $1 AND status = $2
               AND date_trunc('milliseconds', CASE WHEN isfinite(updated_at) AND updated_at < '262000-01-01' THEN updated_at END::timestamptz)
                   IS NOT DISTINCT FROM date_trunc('milliseconds', $3::timestamptz)
             RETURNING correlation_id::text, user_id::int8, reason::text, attempt_count::int4",
    params: &[Int(72), Text("failed"), Time("2026-11-20T15:30:00Z")],
};

/// The status a job has now (after a guard did not match).
pub const STATUS_OF: Statement = Statement {
    name: "jobs::status_of",
    sql: "SELECT status::text FROM reconcile_jobs WHERE id = $1",
    params: &[Int(72)],
};

/// Exact counts of the statuses an incident is about, each through the
/// status index (never a scan of the whole queue), the stuck count, and the
/// server's clock (stuck cut-offs and ages use it, not the laptop's; `$2`
/// pins it for snapshots).
pub const COUNTS: Statement = Statement {
    name: "jobs::counts",
    sql: "SELECT now(),
                 (SELECT count(*) FROM reconcile_jobs WHERE status = 'queued')::int8,
                 (SELECT count(*) FROM reconcile_jobs WHERE status = 'running')::int8,
                 (SELECT count(*) FROM reconcile_jobs WHERE status = 'failed')::int8,
                 (SELECT count(*) FROM reconcile_jobs WHERE status = 'dead')::int8,
                 (SELECT count(*) FROM reconcile_jobs
                   WHERE status = 'running'
                     AND updated_at < coalesce($2, now()) - $1::int8 * interval '1 second')::int8",
    params: &[Int(900), NullTime],
};

/// One status's exact count, for a status too rare to be among the
/// statistics' most common values (so the index range is short).
pub const COUNT_OF_STATUS: Statement = Statement {
    name: "jobs::count_of_status",
    sql: "SELECT count(*)::int8 FROM reconcile_jobs WHERE status = $1",
    params: &[Text("cancelled")],
};

/// The planner's estimate of every other status (done, cancelled: the bulk
/// of the queue), from the table's statistics: rows × most-common frequency.
/// Empty before the table was first analysed.
pub const STATUS_ESTIMATES: Statement = Statement {
    name: "jobs::status_estimates",
    sql: "SELECT v.status::text, (greatest(c.reltuples, 0) * v.freq)::int8
            FROM pg_class c
            JOIN pg_stats s ON s.schemaname = c.relnamespace::regnamespace::text
                           AND s.tablename = c.relname AND s.attname = 'status'
            CROSS JOIN LATERAL unnest(s.most_common_vals::text::text[], s.most_common_freqs) AS v(status, freq)
           WHERE c.oid = to_regclass('reconcile_jobs')",
    params: &[],
};

/// One job.
pub const BY_ID: Statement = Statement {
    name: "jobs::by_id",
    sql: concat!(job_select!(), " WHERE id = $1"),
    params: &[Int(72)],
};

/// Which of these jobs have an intent with no outcome: a change sent to a
/// provider by a run that died before it could log what happened. Through
/// the job index of integration_logs; the outcome matches as
/// `intents::same_change` does (same code name and provider code id).
pub const INTERRUPTED: Statement = Statement {
    name: "jobs::interrupted",
    sql: "SELECT DISTINCT i.reconcile_job_id FROM integration_logs i \
          WHERE i.reconcile_job_id = ANY($1) AND i.action LIKE '%\\_INTENT' ESCAPE '\\' \
            AND NOT EXISTS (SELECT 1 FROM integration_logs o \
                WHERE o.reconcile_job_id = i.reconcile_job_id \
                  AND o.action = left(i.action, -length('_INTENT')) \
                  AND o.correlation_id IS NOT DISTINCT FROM i.correlation_id \
                  AND o.request_json->>'name' IS NOT DISTINCT FROM i.request_json->>'name' \
                  AND o.request_json->>'provider_code_id' IS NOT DISTINCT FROM i.request_json->>'provider_code_id')",
    params: &[IntArray(&[72, 1939])],
};

/// A user's newest jobs.
pub const OF_USER: Statement = Statement {
    name: "jobs::of_user",
    sql: concat!(
        job_select!(),
        " WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT 30"
    ),
    params: &[Int(9)],
};

/// Every statement of this module, for the EXPLAIN test.
pub const ALL: &[&Statement] = &[
    &CANCEL,
    &RETRY,
    &STATUS_OF,
    &COUNTS,
    &STATUS_ESTIMATES,
    &COUNT_OF_STATUS,
    &BY_ID,
    &BY_IDS,
    &OF_USER,
    &INTERRUPTED,
];

/// Which status condition a job page has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusPart {
    /// `status = $n`.
    Is,
    /// Running without an update since `$n`.
    Stuck,
}

/// Which side of a keyset a page is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    First,
    Older,
    From,
    Newer,
}

/// The shape of one job page: which conditions it has. The SQL is built
/// from fixed pieces only; values are bound in the order the pieces appear:
/// status, job type, user, age cut-off, keyset (created_at, id), limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageShape {
    pub status: Option<StatusPart>,
    pub job_type: bool,
    pub user: bool,
    pub max_age: bool,
    pub side: Side,
}

/// The SQL of one job page, newest first (oldest first for `Newer`, which
/// the caller reverses).
pub fn page(shape: &PageShape) -> String {
    page_of(JOB_SELECT, shape)
}

/// The columns of a job row's version on the queue (`stamps::JobStamp`).
const STAMP_SELECT: &str = "SELECT id::int8, CASE WHEN isfinite(updated_at) AND updated_at < '262000-01-01' THEN updated_at END::timestamptz, \
     status::text, attempt_count::int4, job_type::text FROM reconcile_jobs";

/// The same page as `page`, only each row's version: what the queue's
/// refresh reads every 2 s (whole rows only for the new or changed).
pub fn stamps(shape: &PageShape) -> String {
    page_of(STAMP_SELECT, shape)
}

/// Whole jobs by id (the new or changed rows of a refresh).
pub const BY_IDS: Statement = Statement {
    name: "jobs::by_ids",
    sql: concat!(job_select!(), " WHERE id = ANY($1)"),
    params: &[IntArray(&[72, 1939])],
};

fn page_of(select: &str, shape: &PageShape) -> String {
    let mut n = 0;
    let mut sql = format!("{select} WHERE true{}", conditions(shape, &mut n));
    let order = if shape.side == Side::Newer {
        "ASC"
    } else {
        "DESC"
    };
    n += 1;
    sql.push_str(&format!(
        " ORDER BY created_at {order}, id {order} LIMIT ${n}"
    ));
    sql
}

/// The filter's conditions, numbering parameters from `n + 1`: status, job
/// type, user, age cut-off, keyset.
fn conditions(shape: &PageShape, n: &mut usize) -> String {
    let mut sql = String::new();
    let mut next = || {
        *n += 1;
        *n
    };
    match shape.status {
        Some(StatusPart::Stuck) => sql.push_str(&format!(
            " AND status = 'running' AND updated_at < ${}",
            next()
        )),
        Some(StatusPart::Is) => sql.push_str(&format!(" AND status = ${}", next())),
        None => {}
    }
    if shape.job_type {
        sql.push_str(&format!(" AND job_type = ${}", next()));
    }
    if shape.user {
        sql.push_str(&format!(" AND user_id = ${}", next()));
    }
    if shape.max_age {
        sql.push_str(&format!(" AND created_at > ${}", next()));
    }
    let cmp = match shape.side {
        Side::First => "",
        Side::Older => "<",
        Side::From => "<=",
        Side::Newer => ">",
    };
    if !cmp.is_empty() {
        let (a, b) = (next(), next());
        sql.push_str(&format!(" AND (created_at, id) {cmp} (${a}, ${b})"));
    }
    sql
}

/// The retryable (failed and dead) jobs a filter matches, newest first, as
/// id, status and `updated_at` only (guarded as the job rows are, with its
/// text after it; aliased, so that `id` orders by the column itself): one statement, each status through the
/// status index, at most `$last` rows (the caller asks one over its cap, to
/// know the cap was hit). `shape.side` is always `First`.
pub fn retryable(shape: &PageShape) -> String {
    let mut n = 0;
    let cond = conditions(shape, &mut n);
    let limit = n + 1;
    let part = |status: &str| {
        format!(
            "(SELECT id::int8 AS job_id, status::text AS job_status, \
                     CASE WHEN isfinite(updated_at) AND updated_at < '262000-01-01' THEN updated_at END::timestamptz AS updated, \
                     updated_at::text AS updated_text, created_at FROM reconcile_jobs \
              WHERE status = '{status}'{cond} ORDER BY created_at DESC, id DESC LIMIT ${limit})"
        )
    };
    format!(
        "SELECT job_id, job_status, updated, updated_text FROM ({} UNION ALL {}) r \
         ORDER BY created_at DESC, job_id DESC LIMIT ${limit}",
        part("failed"),
        part("dead")
    )
}

/// A first page by name, for `lockdesk info --sql`: `jobs::page` (the
/// unfiltered queue) or `jobs::stamps`, with `+status`, `+stuck`, `+type`,
/// `+user`, `+age` for the conditions a `:jobs` filter adds, in the order
/// of their parameters (`jobs::page+status+user`).
pub fn named_page(name: &str) -> Option<String> {
    let mut parts = name.split('+');
    let versions = match parts.next()? {
        "jobs::page" => false,
        "jobs::stamps" => true,
        _ => return None,
    };
    let mut shape = PageShape {
        status: None,
        job_type: false,
        user: false,
        max_age: false,
        side: Side::First,
    };
    for p in parts {
        match p {
            "status" => shape.status = Some(StatusPart::Is),
            "stuck" => shape.status = Some(StatusPart::Stuck),
            "type" => shape.job_type = true,
            "user" => shape.user = true,
            "age" => shape.max_age = true,
            _ => return None,
        }
    }
    Some(if versions {
        stamps(&shape)
    } else {
        page(&shape)
    })
}

/// Sample parameters for a page of this shape.
pub fn page_params(shape: &PageShape) -> Vec<Param> {
    let mut p = Vec::new();
    match shape.status {
        Some(StatusPart::Stuck) => p.push(Time("2026-11-20T15:15:00Z")),
        Some(StatusPart::Is) => p.push(Text("failed")),
        None => {}
    }
    if shape.job_type {
        p.push(Text("reconcile_user"));
    }
    if shape.user {
        p.push(Int(9));
    }
    if shape.max_age {
        p.push(Time("2026-11-19T15:30:00Z"));
    }
    if shape.side != Side::First {
        p.push(Time("2026-11-20T15:30:00Z"));
        p.push(Int(1000));
    }
    p.push(Int(200));
    p
}

/// Sample parameters for `retryable` of this shape (its cap, 10,001).
pub fn retryable_params(shape: &PageShape) -> Vec<Param> {
    let mut p = page_params(shape);
    p.pop();
    p.push(Int(10_001));
    p
}

/// Every shape the console can ask for, for the EXPLAIN test.
pub fn page_samples() -> Vec<PageShape> {
    let mut out = Vec::new();
    for status in [None, Some(StatusPart::Is), Some(StatusPart::Stuck)] {
        for side in [Side::First, Side::Older, Side::From, Side::Newer] {
            for (job_type, user, max_age) in [
                (false, false, false),
                (true, false, false),
                (false, true, false),
                (false, false, true),
                (true, true, true),
            ] {
                out.push(PageShape {
                    status,
                    job_type,
                    user,
                    max_age,
                    side,
                });
            }
        }
    }
    out
}
