//! Drift enforcement: the door, the expected and known PINs, the job an enforcement runs under, the advisory lock, and the per-lock PIN state.

use super::{Param::*, Statement};

/// The job type of a drift enforcement run, the only job that writes intents.
pub const JOB_TYPE: &str = "drift_enforce_lock_truth";

/// Records a passcode the broker added to a lock.
pub const PIN_STATE_ADDED: Statement = Statement {
    name: "drift::pin_state_added",
    sql: "INSERT INTO lock_pin_states (door_id, credential_id, code_name, vendor_pin_id, first_seen_at, first_seen_source, last_seen_at, state)
         VALUES ($1, $2, $3, $4, now(), 'broker_add', now(), 'present')
         ON CONFLICT (door_id, vendor_pin_id) DO UPDATE SET state = 'present', credential_id = EXCLUDED.credential_id",
    params: &[Int(2), Int(6), Text("AB U9 C6"), Text("50957532")],
};

/// Marks one passcode on one lock (deleted, present).
pub const PIN_STATE_MARK: Statement = Statement {
    name: "drift::pin_state_mark",
    sql: "UPDATE lock_pin_states SET state = $3, last_seen_at = now() WHERE door_id = $1 AND vendor_pin_id = $2",
    params: &[Int(2), Text("50957532"), Text("deleted")],
};

/// Remembers when a stray passcode was first seen (the grace window starts then).
pub const PIN_STATE_FIRST_SEEN: Statement = Statement {
    name: "drift::pin_state_first_seen",
    sql: "INSERT INTO lock_pin_states (door_id, credential_id, code_name, vendor_pin_id, first_seen_at, first_seen_source, last_seen_at, state)
                 VALUES ($1, $2, $3, $4, $5, 'inferred_now', $5, 'present')
                 ON CONFLICT (door_id, vendor_pin_id) DO UPDATE SET state = 'present', first_seen_at = EXCLUDED.first_seen_at,
                     first_seen_source = 'inferred_now', last_seen_at = EXCLUDED.last_seen_at",
    params: &[Int(2), NullInt, Text("AB U9 C6"), Text("50957532"), Time("2026-11-20T15:30:00Z")],
};

/// Finishes an enforcement job: done or failed.
pub const ENFORCE_JOB_FINISH: Statement = Statement {
    name: "drift::enforce_job_finish",
    sql: "UPDATE reconcile_jobs SET status = $2, last_error = $3, updated_at = clock_timestamp()
          WHERE id = $1 AND status = 'running' AND updated_at = $4",
    params: &[
        Int(72),
        Text("done"),
        NullText,
        Time("2026-11-20T15:30:00Z"),
    ],
};

/// The run's heartbeat: the job is still ours (running, and last touched by
/// our previous beat); its new `updated_at` is returned.
pub const ENFORCE_HEARTBEAT: Statement = Statement {
    name: "drift::enforce_heartbeat",
    sql: "UPDATE reconcile_jobs SET updated_at = clock_timestamp()
          WHERE id = $1 AND status = 'running' AND ($2::timestamptz IS NULL OR updated_at = $2)
          RETURNING updated_at::timestamptz",
    params: &[Int(72), Time("2026-11-20T15:30:00Z")],
};

/// The job a console enforcement runs under, already running.
pub const ENFORCE_JOB_INSERT: Statement = Statement {
    name: "drift::enforce_job_insert",
    sql: "INSERT INTO reconcile_jobs (job_type, user_id, reason, status, attempt_count, correlation_id, payload, created_at, updated_at)
                     VALUES ('drift_enforce_lock_truth', 0, $1, 'running', 1, $2, $3, now(), now()) RETURNING id::int8",
    params: &[Text("console drift_enforce TTLOCK 28991110 door:2"), Text("e4792295b2f441f0b205e154984e92fc"), Json("{}")],
};

/// Releases one lock's enforcement lock.
pub const ENFORCE_UNLOCK: Statement = Statement {
    name: "drift::enforce_unlock",
    sql: "SELECT pg_advisory_unlock(hashtextextended($1, 0))",
    params: &[Text("TTLOCK:28991110")],
};

/// The recent change intents on one lock (each then checked for its outcome
/// under its own correlation id).
pub const INTENTS_OF_LOCK: Statement = Statement {
    name: "drift::intents_of_lock",
    sql: concat!(
        log_select!(),
        " WHERE lock_key = $1 AND created_at > $2 AND action LIKE '%\\_INTENT' ESCAPE '\\'",
        " ORDER BY created_at DESC, id DESC LIMIT 50"
    ),
    params: &[Text("TTLOCK:28991110"), Time("2026-11-20T15:30:00Z")],
};

/// Takes one lock's enforcement lock, or says it is taken.
pub const ENFORCE_TRY_LOCK: Statement = Statement {
    name: "drift::enforce_try_lock",
    sql: "SELECT pg_try_advisory_lock(hashtextextended($1, 0))",
    params: &[Text("TTLOCK:28991110")],
};

/// Takes one lock's enforcement lock for a transaction (settling an
/// interrupted change): not while a run holds it, and never two at once.
pub const SETTLE_TRY_LOCK: Statement = Statement {
    name: "drift::settle_try_lock",
    sql: "SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0))",
    params: &[Text("lockdesk-drift:TTLOCK:28991110")],
};

/// Whether a job's run was alive at `$3` (NULL: now): running, with a
/// heartbeat within `$2` seconds before it, on the database's clock.
pub const RUN_IS_LIVE: Statement = Statement {
    name: "drift::run_is_live",
    sql: "SELECT EXISTS (SELECT 1 FROM reconcile_jobs WHERE id = $1 AND status = 'running' \
            AND updated_at > COALESCE($3::timestamptz, now()) - $2::bigint * interval '1 second')",
    params: &[Int(72), Int(40), NullTime],
};

/// Who holds the advisory lock of one lock's enforcement. Advisory locks
/// are per database, `pg_locks` shows the whole server's: only this
/// database's count (another broker database on the same server, or a test
/// database beside this one, holds its own).
pub const ENFORCE_HOLDER: Statement = Statement {
    name: "drift::enforce_holder",
    sql: "SELECT a.application_name::text, a.usename::text FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE l.locktype = 'advisory' AND l.granted
           AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND ((l.classid::bigint << 32) | l.objid::bigint) = (hashtextextended($1, 0) & x'ffffffffffffffff'::bigint)
         LIMIT 1",
    params: &[Text("TTLOCK:28991110")],
};

/// An enforcement left to the worker.
pub const ENQUEUE_ENFORCE: Statement = Statement {
    name: "drift::enqueue_enforce",
    sql: "INSERT INTO reconcile_jobs (job_type, user_id, reason, status, attempt_count, next_run_at, correlation_id, payload)
             VALUES ('drift_enforce_lock_truth', 0, $1, 'queued', 0, now(), $2, $3) RETURNING id::int8",
    params: &[Text("console drift_enforce TTLOCK 28991110 door:2"), Text("e4792295b2f441f0b205e154984e92fc"), Json("{}")],
};

/// The owners of the credentials a lock's passcodes name (to tell a revoked
/// credential from a passcode unknown to the broker): by primary key, only
/// the ids a plan needs, never the whole table.
pub const CREDENTIAL_OWNERS: Statement = Statement {
    name: "drift::credential_owners",
    sql: "SELECT id::int8, user_id::int8 FROM credentials WHERE id = ANY($1::int8[])",
    params: &[IntArray(&[6, 7, 8])],
};

/// Why each listed credential no longer belongs on door `$2`: its status and
/// its user's, and the newest of the user's access levels to the door that
/// is no longer active (by the user index of user_access_levels).
pub const DELETE_CAUSES: Statement = Statement {
    name: "drift::delete_causes",
    sql: "SELECT c.id::int8, c.status::text, u.status::text, e.id::int8, e.status::text,
                 CASE WHEN isfinite(e.updated_at) AND e.updated_at < '262000-01-01' THEN e.updated_at END::timestamptz
            FROM credentials c JOIN users u ON u.id = c.user_id
            LEFT JOIN LATERAL (
                SELECT ual.id, ual.status, ual.updated_at FROM user_access_levels ual
                  JOIN access_level_doors ald ON ald.access_level_id = ual.access_level_id
                  JOIN doors d ON d.id = $2 AND (ald.door_id = d.id OR (ald.door_group_id IS NOT NULL AND ald.door_group_id = d.door_group_id))
                 WHERE ual.user_id = c.user_id AND ual.status <> 'active'
                 ORDER BY ual.updated_at DESC, ual.id DESC LIMIT 1) e ON true
           WHERE c.id = ANY($1::int8[])",
    params: &[IntArray(&[6, 7, 8]), Int(2)],
};

/// The newest change to each listed credential's user's access, from the
/// broker's own audit trail (by the partial user index of app_audit, one
/// row per credential): names what ended a door's access when the current
/// rows no longer say it (an access level that never opened the door, a
/// deleted row).
pub const DELETE_AUDIT: Statement = Statement {
    name: "drift::delete_audit",
    sql: "SELECT c.id::int8, a.id::int8, a.entity_type::text, a.entity_id::int8, a.action::text,
                 CASE WHEN isfinite(a.created_at) AND a.created_at < '262000-01-01' THEN a.created_at END::timestamptz,
                 left(a.actor::text, 200),
                 left(coalesce(a.after_json, a.before_json)::jsonb ->> 'access_level_id', 40)
            FROM credentials c
            JOIN LATERAL (
                SELECT id, entity_type, entity_id, action, created_at, actor, after_json, before_json FROM app_audit
                 WHERE entity_type IN ('UserAccessLevel', 'Credential')
                   AND (COALESCE(after_json, before_json) ->> 'user_id') = c.user_id::text
                 ORDER BY created_at DESC LIMIT 1) a ON true
           WHERE c.id = ANY($1::int8[])",
    params: &[IntArray(&[6, 7, 8])],
};

/// What the broker remembers of the passcodes on a door's lock. The first
/// time is guarded as the panes' times are (a time chrono cannot hold comes
/// as NULL, with Postgres's text of it after it).
pub const KNOWN_PINS: Statement = Statement {
    name: "drift::known_pins",
    sql: "SELECT vendor_pin_id::text, credential_id::int8,
                CASE WHEN isfinite(first_seen_at) AND first_seen_at < '262000-01-01' THEN first_seen_at END::timestamptz,
                first_seen_at::text AS first_seen_at_text, first_seen_source::text
         FROM lock_pin_states WHERE door_id = $1 AND state = 'present' AND vendor_pin_id IS NOT NULL",
    params: &[Int(2)],
};

/// The PINs that belong on a door's lock now.
pub const EXPECTED_PINS: Statement = Statement {
    name: "drift::expected_pins",
    sql: "SELECT DISTINCT c.id::int8, u.id::int8, c.pin_code::text, u.doordeck_user_ref::text, u.email::text
         FROM doors d
         JOIN access_level_doors ald ON ald.door_id = d.id OR (ald.door_group_id IS NOT NULL AND ald.door_group_id = d.door_group_id)
         JOIN access_levels al ON al.id = ald.access_level_id AND al.status = 'active'
         LEFT JOIN schedules s ON s.id = al.schedule_id
         JOIN user_access_levels ual ON ual.access_level_id = al.id AND ual.status = 'active'
         JOIN users u ON u.id = ual.user_id AND u.status = 'active'
         JOIN credentials c ON c.user_id = u.id AND c.status = 'active'
         WHERE d.id = $1 AND d.is_active
           AND (s.id IS NULL OR ((s.valid_from IS NULL OR s.valid_from <= $2) AND (s.valid_until IS NULL OR s.valid_until > $2)))
         ORDER BY 1",
    params: &[Int(2), Time("2026-11-20T15:30:00Z")],
};

/// The door a drift run is about.
pub const DOOR: Statement = Statement {
    name: "drift::door",
    sql: "SELECT id::int8, name::text, upper(device_type)::text, external_id::text, integration_customer_id::int8, integration_device_id::int8
         FROM doors WHERE id = $1",
    params: &[Int(2)],
};

/// Every statement of this module, for the EXPLAIN test.
pub const ALL: &[&Statement] = &[
    &ENFORCE_HEARTBEAT,
    &INTENTS_OF_LOCK,
    &PIN_STATE_ADDED,
    &PIN_STATE_MARK,
    &PIN_STATE_FIRST_SEEN,
    &ENFORCE_JOB_FINISH,
    &ENFORCE_JOB_INSERT,
    &ENFORCE_UNLOCK,
    &ENFORCE_TRY_LOCK,
    &ENFORCE_HOLDER,
    &SETTLE_TRY_LOCK,
    &RUN_IS_LIVE,
    &ENQUEUE_ENFORCE,
    &CREDENTIAL_OWNERS,
    &KNOWN_PINS,
    &EXPECTED_PINS,
    &DOOR,
    &DELETE_CAUSES,
    &DELETE_AUDIT,
];
