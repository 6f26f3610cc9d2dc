//! Before acting (issue 28): the devices of a reconcile job's last run, and
//! who else is acting on a lock — another console's enforcement holding the
//! lock's advisory lock, or a running job naming the lock.

use super::{Param::*, Statement};

/// The locks of each listed job's last run's failed provider calls (the run
/// starts at its newest `*_JOB_START`; the whole job when none is logged),
/// intents and the broker's own steps aside, with each door's integration
/// customer: through the job index of integration_logs, at most 20 locks a
/// job.
pub const JOB_DEVICES: Statement = Statement {
    name: "acting::job_devices",
    sql: "SELECT j.id::int8, f.lock_key, f.door_id, f.customer
            FROM unnest($1::int8[]) AS j(id)
            CROSS JOIN LATERAL (
                SELECT DISTINCT ON (l.lock_key) left(l.lock_key::text, 200) AS lock_key, l.door_id::int8 AS door_id,
                       d.integration_customer_id::int8 AS customer
                  FROM integration_logs l LEFT JOIN doors d ON d.id = l.door_id
                 WHERE l.reconcile_job_id = j.id AND l.ok IS NOT TRUE AND l.lock_key IS NOT NULL
                   AND l.provider_type IS DISTINCT FROM 'ACCESS_BROKER'
                   AND l.action NOT LIKE '%\\_INTENT' ESCAPE '\\'
                   AND l.created_at >= coalesce((SELECT s.created_at FROM integration_logs s
                                                  WHERE s.reconcile_job_id = j.id
                                                    AND s.action IN ('RECONCILE_JOB_START', 'DRIFT_ENFORCE_JOB_START')
                                                  ORDER BY s.created_at DESC, s.id DESC LIMIT 1), '-infinity'::timestamptz)
                 ORDER BY l.lock_key, l.created_at DESC, l.id DESC LIMIT 20) f",
    params: &[IntArray(&[72, 104])],
};

/// The running jobs (the newest 500, through the status index) whose
/// payload names the lock (`$1` provider, `$2` external id) or whose logs
/// do (`$3` lock key, through the job index), newest first, with the
/// database's clock.
pub const RUNNING_ON_LOCK: Statement = Statement {
    name: "acting::running_on_lock",
    sql: "SELECT now(), j.id::int8, j.job_type::text, left(j.reason::text, 300),
                 CASE WHEN isfinite(j.created_at) AND j.created_at < '262000-01-01' THEN j.created_at END::timestamptz,
                 CASE WHEN isfinite(j.updated_at) AND j.updated_at < '262000-01-01' THEN j.updated_at END::timestamptz
            FROM (SELECT id, job_type, reason, payload, created_at, updated_at FROM reconcile_jobs
                   WHERE status = 'running' ORDER BY created_at DESC, id DESC LIMIT 500) j
           WHERE (upper(j.payload::jsonb ->> 'provider_type') = $1 AND j.payload::jsonb ->> 'external_id' = $2)
              OR EXISTS (SELECT 1 FROM integration_logs l WHERE l.reconcile_job_id = j.id AND l.lock_key = $3)
           ORDER BY j.created_at DESC, j.id DESC LIMIT 20",
    params: &[Text("TTLOCK"), Text("28991110"), Text("TTLOCK:28991110")],
};

/// The session holding one lock's enforcement (advisory) lock: its
/// `application_name` (`lockdesk/<OS user>`), role, pid and when it
/// connected. `pg_locks` and `pg_stat_activity` are system views, small and
/// in memory: no index applies (tests/it/explain.rs exempts them by name).
pub const LOCK_HOLDER: Statement = Statement {
    name: "acting::lock_holder",
    sql: "SELECT a.application_name::text, a.usename::text, a.pid::int4,
                 a.backend_start::timestamptz, (a.pid = pg_backend_pid())
            FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
           WHERE l.locktype = 'advisory' AND l.granted
             AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
             AND ((l.classid::bigint << 32) | l.objid::bigint) = (hashtextextended($1, 0) & x'ffffffffffffffff'::bigint)
           LIMIT 1",
    params: &[Text("lockdesk-drift:TTLOCK:28991110")],
};

/// One job's status and times, for "who is acting on this job".
pub const JOB_STATE: Statement = Statement {
    name: "acting::job_state",
    sql: "SELECT now(), status::text, job_type::text, left(reason::text, 300),
                 CASE WHEN isfinite(created_at) AND created_at < '262000-01-01' THEN created_at END::timestamptz,
                 CASE WHEN isfinite(updated_at) AND updated_at < '262000-01-01' THEN updated_at END::timestamptz
            FROM reconcile_jobs WHERE id = $1",
    params: &[Int(72)],
};

/// The door of one provider lock, with its integration customer (whose
/// account the lock pane's probe asks): the lowest id when several doors
/// name the lock. Doors are tens to thousands, never millions.
pub const LOCK_DEVICE: Statement = Statement {
    name: "acting::lock_device",
    sql: "SELECT d.id::int8, d.integration_customer_id::int8
            FROM doors d WHERE d.external_id = $2 AND upper(d.device_type) = $1
           ORDER BY d.id LIMIT 1",
    params: &[Text("TTLOCK"), Text("28991110")],
};

/// Every statement of this module, for the EXPLAIN test.
pub const ALL: &[&Statement] = &[
    &JOB_DEVICES,
    &RUNNING_ON_LOCK,
    &LOCK_HOLDER,
    &JOB_STATE,
    &LOCK_DEVICE,
];
