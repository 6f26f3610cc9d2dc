//! Error groups and why: the troubled jobs of a window with each one's last
//! failed step, and the typical duration of a job type (for "running too long").

use super::{Param::*, Statement};

/// The troubled jobs updated within the last `$1` seconds by the database's
/// clock — failed, dead, and running without an update for over `$2`
/// seconds (stuck) — newest first, at most `$3` (the caller asks one over its
/// cap), each part through the status index; with each job's last failed
/// provider call (through the job index of integration_logs, intents and
/// the broker's own steps aside: those repeat the provider's error, and a
/// broker failure is in `last_error`, the fallback), its door id (the
/// caller maps it to a site from `doors::every`: a join here is a nested
/// loop over every door per job, to keep the order), the few response
/// values a fingerprint needs, and whether a drift job has an intent with no
/// outcome (a LATERAL with LIMIT 1 through the job index: as an EXISTS in
/// the select list the planner may hash it, reading every log). Texts are
/// cut short: a row may hold megabytes. The first column is the server's
/// clock (`$4` pins it for reproducible output).
pub const TROUBLED: Statement = Statement {
    name: "groups::troubled",
    sql: "SELECT coalesce($4::timestamptz, now()), j.id::int8, j.job_type::text, j.status::text, j.stuck,
                 CASE WHEN isfinite(j.updated_at) AND j.updated_at < '262000-01-01' THEN j.updated_at END::timestamptz,
                 j.updated_at::text, j.attempt_count::int4, left(j.last_error::text, 2000),
                 CASE WHEN isfinite(j.next_run_at) AND j.next_run_at < '262000-01-01' THEN j.next_run_at END::timestamptz,
                 l.provider_type::text, l.action::text, left(l.error_message::text, 2000), left(l.lock_key::text, 200),
                 left(l.door_name::text, 200), l.door_id::int8,
                 left(l.response_json::jsonb ->> 'errcode', 40), left(l.response_json::jsonb ->> 'http_status', 40),
                 left(coalesce(l.response_json::jsonb ->> 'errmsg', l.response_json::jsonb #>> '{body,message}'), 500),
                 CASE WHEN isfinite(l.created_at) AND l.created_at < '262000-01-01' THEN l.created_at END::timestamptz,
                 x.open IS NOT NULL
            FROM ((SELECT id, job_type, status, false AS stuck, updated_at, attempt_count, last_error, next_run_at, created_at
                     FROM reconcile_jobs WHERE status = 'failed' AND updated_at >= coalesce($4::timestamptz, now()) - $1::int8 * interval '1 second'
                    ORDER BY created_at DESC, id DESC LIMIT $3)
                  UNION ALL
                  (SELECT id, job_type, status, false, updated_at, attempt_count, last_error, next_run_at, created_at
                     FROM reconcile_jobs WHERE status = 'dead' AND updated_at >= coalesce($4::timestamptz, now()) - $1::int8 * interval '1 second'
                    ORDER BY created_at DESC, id DESC LIMIT $3)
                  UNION ALL
                  (SELECT id, job_type, status, true, updated_at, attempt_count, last_error, next_run_at, created_at
                     FROM reconcile_jobs WHERE status = 'running' AND updated_at >= coalesce($4::timestamptz, now()) - $1::int8 * interval '1 second'
                      AND updated_at < coalesce($4::timestamptz, now()) - $2::int8 * interval '1 second'
                    ORDER BY created_at DESC, id DESC LIMIT $3)) j
            LEFT JOIN LATERAL (SELECT f.provider_type, f.action, f.error_message, f.lock_key, f.door_name, f.door_id,
                                      f.response_json, f.created_at
                                 FROM integration_logs f
                                WHERE f.reconcile_job_id = j.id AND f.ok IS NOT TRUE
                                  AND f.provider_type IS DISTINCT FROM 'ACCESS_BROKER'
                                  AND f.action NOT LIKE '%\\_INTENT' ESCAPE '\\'
                                ORDER BY f.created_at DESC, f.id DESC LIMIT 1) l ON true
            LEFT JOIN LATERAL (SELECT 1 AS open FROM integration_logs i
                                WHERE j.job_type = 'drift_enforce_lock_truth'
                                  AND i.reconcile_job_id = j.id AND i.action LIKE '%\\_INTENT' ESCAPE '\\'
                                  AND NOT EXISTS (SELECT 1 FROM integration_logs o
                                       WHERE o.reconcile_job_id = i.reconcile_job_id
                                         AND o.action = left(i.action, -length('_INTENT'))
                                         AND o.correlation_id IS NOT DISTINCT FROM i.correlation_id
                                         AND o.request_json->>'name' IS NOT DISTINCT FROM i.request_json->>'name'
                                         AND o.request_json->>'provider_code_id' IS NOT DISTINCT FROM i.request_json->>'provider_code_id')
                                LIMIT 1) x ON true
           ORDER BY j.created_at DESC, j.id DESC LIMIT $3",
    params: &[Int(86_400), Int(900), Int(50_001), NullTime],
};

/// The median time (created to updated) of the last 200 done jobs of one
/// type, for "running for over 3× the usual", and how many there were
/// (`NULL`, 0 with no history): bounded twice, the newest 5,000 done jobs
/// through the status index, then the newest 200 of the type among them.
/// Read at most once a minute.
pub const TYPICAL_DURATION: Statement = Statement {
    name: "groups::typical_duration",
    sql: "SELECT (percentile_cont(0.5) WITHIN GROUP (ORDER BY secs))::float8, count(*)::int8
            FROM (SELECT extract(epoch FROM (updated_at - created_at))::float8 AS secs
                    FROM (SELECT job_type, created_at, updated_at, id FROM reconcile_jobs WHERE status = 'done'
                           ORDER BY created_at DESC, id DESC LIMIT 5000) recent
                   WHERE job_type = $1 AND isfinite(updated_at) AND isfinite(created_at)
                   ORDER BY created_at DESC, id DESC LIMIT 200) s",
    params: &[Text("drift_enforce_lock_truth")],
};

/// The retry-storm read behind the Jobs header, at the counts' pace: the
/// newest `$2` failed and the newest `$2` dead jobs through the status index
/// (a bounded range each: there is no index on `updated_at`, so a job failing
/// again long after it was created is seen only while it is among the newest
/// `$2` of its status), those updated within the last `$1` seconds kept, each
/// with its last failed provider call through the job index of
/// integration_logs (one LIMIT 1 probe per job). The columns are
/// `TROUBLED`'s, so one decoder reads both (stuck and interrupted are false:
/// a storm is of failures). The first column is the server's clock (`$3`
/// pins it).
pub const STORM_RECENT: Statement = Statement {
    name: "groups::storm_recent",
    sql: "SELECT coalesce($3::timestamptz, now()), j.id::int8, j.job_type::text, j.status::text, false,
                 CASE WHEN isfinite(j.updated_at) AND j.updated_at < '262000-01-01' THEN j.updated_at END::timestamptz,
                 j.updated_at::text, j.attempt_count::int4, left(j.last_error::text, 2000),
                 CASE WHEN isfinite(j.next_run_at) AND j.next_run_at < '262000-01-01' THEN j.next_run_at END::timestamptz,
                 l.provider_type::text, l.action::text, left(l.error_message::text, 2000), left(l.lock_key::text, 200),
                 left(l.door_name::text, 200), l.door_id::int8,
                 left(l.response_json::jsonb ->> 'errcode', 40), left(l.response_json::jsonb ->> 'http_status', 40),
                 left(coalesce(l.response_json::jsonb ->> 'errmsg', l.response_json::jsonb #>> '{body,message}'), 500),
                 CASE WHEN isfinite(l.created_at) AND l.created_at < '262000-01-01' THEN l.created_at END::timestamptz,
                 false
            FROM (SELECT * FROM
                   ((SELECT id, job_type, status, updated_at, attempt_count, last_error, next_run_at, created_at
                       FROM reconcile_jobs WHERE status = 'failed' ORDER BY created_at DESC, id DESC LIMIT $2)
                    UNION ALL
                    (SELECT id, job_type, status, updated_at, attempt_count, last_error, next_run_at, created_at
                       FROM reconcile_jobs WHERE status = 'dead' ORDER BY created_at DESC, id DESC LIMIT $2)) n
                   WHERE n.updated_at >= coalesce($3::timestamptz, now()) - $1::int8 * interval '1 second'
                   ORDER BY n.created_at DESC, n.id DESC LIMIT $2) j
            LEFT JOIN LATERAL (SELECT f.provider_type, f.action, f.error_message, f.lock_key, f.door_name, f.door_id,
                                      f.response_json, f.created_at
                                 FROM integration_logs f
                                WHERE f.reconcile_job_id = j.id AND f.ok IS NOT TRUE
                                  AND f.provider_type IS DISTINCT FROM 'ACCESS_BROKER'
                                  AND f.action NOT LIKE '%\\_INTENT' ESCAPE '\\'
                                ORDER BY f.created_at DESC, f.id DESC LIMIT 1) l ON true
           ORDER BY j.created_at DESC, j.id DESC",
    params: &[Int(3_600), Int(1_000), NullTime],
};

/// Every statement of this module, for the EXPLAIN test.
pub const ALL: &[&Statement] = &[&TROUBLED, &TYPICAL_DURATION, &STORM_RECENT];
