//! The demo worker's claim and settle of reconcile jobs.

use super::{Param::*, Statement};

/// A job that finished.
pub const DONE: Statement = Statement {
    name: "worker::done",
    sql: "UPDATE reconcile_jobs SET status = 'done', last_error = NULL, next_run_at = NULL, updated_at = now() WHERE id = $1",
    params: &[Int(72)],
};

/// Every passcode of a user, on every lock.
pub const USER_PINS: Statement = Statement {
    name: "worker::user_pins",
    sql: "SELECT p.door_id::int8, p.vendor_pin_id::text FROM lock_pin_states p
             JOIN credentials c ON c.id = p.credential_id
             WHERE c.user_id = $1 AND p.state = 'present'",
    params: &[Int(9)],
};

/// The passcode of one credential on one lock, if present.
pub const PIN_PRESENT: Statement = Statement {
    name: "worker::pin_present",
    sql: "SELECT vendor_pin_id::text FROM lock_pin_states WHERE door_id = $1 AND credential_id = $2 AND state = 'present'",
    params: &[Int(2), Int(6)],
};

/// The doors a user may open now.
pub const USER_DOORS: Statement = Statement {
    name: "worker::user_doors",
    sql: "SELECT DISTINCT d.id::int8 FROM user_access_levels ual
         JOIN access_levels al ON al.id = ual.access_level_id AND al.status = 'active'
         JOIN access_level_doors ald ON ald.access_level_id = al.id
         JOIN doors d ON (d.id = ald.door_id OR d.door_group_id = ald.door_group_id) AND d.is_active
         JOIN users u ON u.id = ual.user_id AND u.status = 'active'
         WHERE ual.user_id = $1 AND ual.status = 'active' ORDER BY 1",
    params: &[Int(9)],
};

/// The door of an integration device.
pub const DOOR_OF_DEVICE: Statement = Statement {
    name: "worker::door_of_device",
    sql: "SELECT id::int8 FROM doors WHERE integration_device_id = $1 ORDER BY id LIMIT 1",
    params: &[Int(1)],
};

/// A failed attempt: failed with a retry time, or dead.
pub const SETTLE_FAILURE: Statement = Statement {
    name: "worker::settle_failure",
    sql: "UPDATE reconcile_jobs SET status = $2, last_error = $3, next_run_at = $4, updated_at = now() WHERE id = $1",
    params: &[
        Int(72),
        Text("failed"),
        Text("gateway offline"),
        Time("2026-11-20T15:30:00Z"),
    ],
};

/// Claims the next due job (SKIP LOCKED, so workers never share one).
pub const CLAIM: Statement = Statement {
    name: "worker::claim",
    sql: "UPDATE reconcile_jobs SET status = 'running', attempt_count = attempt_count + 1, updated_at = now()
         WHERE id = (SELECT id FROM reconcile_jobs
                     WHERE status IN ('queued', 'failed') AND (next_run_at IS NULL OR next_run_at <= now())
                     ORDER BY next_run_at NULLS FIRST, id LIMIT 1 FOR UPDATE SKIP LOCKED)
         RETURNING id::int8, job_type::text, user_id::int8, reason::text, attempt_count::int4, correlation_id::text, payload::jsonb",
    params: &[],
};

/// Every statement of this module, for the EXPLAIN test.
pub const ALL: &[&Statement] = &[
    &DONE,
    &USER_PINS,
    &PIN_PRESENT,
    &USER_DOORS,
    &DOOR_OF_DEVICE,
    &SETTLE_FAILURE,
    &CLAIM,
];
