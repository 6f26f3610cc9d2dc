//! The Pulse: the last hour of integration_logs per minute, the locks
//! failing in the last 10 minutes, and the queue's waiting. Every range is
//! bounded by the database's clock (`$1` pins it for reproducible output)
//! and read through `integration_logs_time_idx` or the status index: an
//! hour of logs, never the table.

use super::{Param::*, Statement};

// The hour per minute, grouped: the database's clock first, then each
// group's minute (absolute: minute m is the 60 s ending at m × 60 s after
// the epoch, its end included, `pulse::hour::minute_of`), provider, kind
// and outcome. `kind`: `call` for a provider call, `job` for a job's end
// (`*_JOB_DONE`, `*_JOB_FAILED`: a failed one is failed whatever its `ok`),
// `other` for the broker's other steps and intents (not counted). Provider
// names are cut short; at most 5,000 groups (60 minutes × a hostile
// table's provider names). The clock comes in a row of its own joined to
// the groups, so an hour with no row still says what time it is. The
// lower bound is the first minute of the hour ending in the current one,
// as a macro so that both statements share every other word.
macro_rules! per_minute {
    ($lower:literal) => {
        concat!(
            "SELECT n.now, g.minute, g.provider, g.kind, g.failed, g.count
               FROM (SELECT coalesce($1::timestamptz, now()) AS now) n
               LEFT JOIN LATERAL (
                 SELECT ceil(extract(epoch FROM created_at::timestamptz) / 60)::int8 AS minute,
                        left(provider_type::text, 40) AS provider,
                        CASE WHEN action LIKE '%\\_JOB\\_FAILED' ESCAPE '\\' OR action LIKE '%\\_JOB\\_DONE' ESCAPE '\\' THEN 'job'
                             WHEN action LIKE '%\\_INTENT' ESCAPE '\\' OR provider_type = 'ACCESS_BROKER' THEN 'other'
                             ELSE 'call' END AS kind,
                        (ok IS NOT TRUE OR action LIKE '%\\_JOB\\_FAILED' ESCAPE '\\') AS failed,
                        count(*)::int8 AS count
                   FROM integration_logs
                  WHERE created_at > ",
            $lower,
            "
                    AND created_at <= coalesce($1::timestamptz, now())
                  GROUP BY 1, 2, 3, 4
                  LIMIT 5000) g ON true"
        )
    };
}

/// The whole hour per minute: read on opening the Pulse, on Ctrl-R, and
/// when the hour held cannot be brought up to date (`pulse::hour::plan`).
pub const PER_MINUTE: Statement = Statement {
    name: "pulse::per_minute",
    sql: per_minute!(
        "to_timestamp((ceil(extract(epoch FROM coalesce($1::timestamptz, now())) / 60) - 60) * 60)"
    ),
    params: &[NullTime],
};

/// The minutes since `$2` (the start of the timer's tail: the last 5
/// minutes, plus a standby's lag, `pulse::hour::plan`), never earlier than
/// the hour: a few minutes of rows where the whole hour is ~60 times that.
pub const PER_MINUTE_SINCE: Statement = Statement {
    name: "pulse::per_minute_since",
    sql: per_minute!(
        "greatest($2::timestamptz, to_timestamp((ceil(extract(epoch FROM coalesce($1::timestamptz, now())) / 60) - 60) * 60))"
    ),
    params: &[NullTime, Time("2026-11-20T15:28:00Z")],
};

/// The locks with failed provider calls in the last 10 minutes, most
/// failures first, at most 8: each lock's count, newest failure, door name
/// and last error (cut short).
pub const LOCKS_FAILING: Statement = Statement {
    name: "pulse::locks_failing",
    sql: "SELECT left(lock_key::text, 200), count(*)::int8,
                 max(CASE WHEN isfinite(created_at) AND created_at < '262000-01-01' THEN created_at END)::timestamptz,
                 left(max(door_name::text), 200),
                 left((array_agg(error_message::text ORDER BY created_at DESC, id DESC))[1], 300)
            FROM integration_logs
           WHERE created_at > coalesce($1::timestamptz, now()) - interval '10 minutes'
             AND created_at <= coalesce($1::timestamptz, now())
             AND ok IS NOT TRUE
             AND provider_type IS DISTINCT FROM 'ACCESS_BROKER'
             AND action NOT LIKE '%\\_INTENT' ESCAPE '\\'
           GROUP BY 1
           ORDER BY 2 DESC, 1
           LIMIT 8",
    params: &[NullTime],
};

/// The oldest queued job (its creation), through the status index.
pub const OLDEST_QUEUED: Statement = Statement {
    name: "pulse::oldest_queued",
    sql: "SELECT id::int8, CASE WHEN isfinite(created_at) AND created_at < '262000-01-01' THEN created_at END::timestamptz
            FROM reconcile_jobs WHERE status = 'queued'
           ORDER BY created_at, id LIMIT 1",
    params: &[],
};

/// The queued jobs created within the last hour, per minute ago (the rest
/// of the queue is in the exact counts): a range of the status index.
pub const QUEUED_LAST_HOUR: Statement = Statement {
    name: "pulse::queued_last_hour",
    sql: "SELECT floor(extract(epoch FROM (coalesce($1::timestamptz, now()) - created_at)) / 60)::int8, count(*)::int8
            FROM reconcile_jobs
           WHERE status = 'queued'
             AND created_at > coalesce($1::timestamptz, now()) - interval '1 hour'
             AND created_at <= coalesce($1::timestamptz, now())
           GROUP BY 1",
    params: &[NullTime],
};

/// Every statement of this module, for the EXPLAIN test.
pub const ALL: &[&Statement] = &[
    &PER_MINUTE,
    &PER_MINUTE_SINCE,
    &LOCKS_FAILING,
    &OLDEST_QUEUED,
    &QUEUED_LAST_HOUR,
];
