//! One user's PIN, door by door (`store::pins`), and finding a user the way
//! a ticket names them (`store::lookup`): every read bounded and index-bound.

use super::{Param::*, Statement};

/// The pane's "now", ages and schedules: the database's clock, or the
/// console's when it is pinned (`$1`), so a live read's window of the lock's
/// records is anchored on the time the console shows.
pub const NOW: Statement = Statement {
    name: "pins::now",
    sql: "SELECT coalesce($1::timestamptz, now())",
    params: &[NullTime],
};

/// The user, their site and zone, and their Doordeck account.
pub const USER: Statement = Statement {
    name: "pins::user",
    sql: "SELECT u.name::text, u.email::text, u.status::text, s.name::text, s.time_zone::text, u.doordeck_user_ref::text
             FROM users u LEFT JOIN sites s ON s.id = u.site_id WHERE u.id = $1",
    params: &[Int(9)],
};

/// Every door each of the user's access rows names, active or not, with
/// whether the row opens it now (the drift planner's rule, on the database's
/// clock, or the console's pinned one, `$2`), and its schedule's weekdays, hours and site zone (whether now is
/// within them is decided in `pinmap::hours`: a zone Postgres does not know
/// must not fail the pane).
pub const DOORS_OF_USER: Statement = Statement {
    name: "pins::doors_of_user",
    sql: "SELECT d.id::int8, d.name::text, upper(d.device_type)::text, d.external_id::text, d.integration_customer_id::int8,
                 d.is_active, ual.id::int8, ual.status::text, COALESCE(al.name, 'access level ' || al.id)::text, al.status::text,
                 s.name::text,
                 (s.id IS NULL OR ((s.valid_from IS NULL OR s.valid_from <= coalesce($2::timestamptz, now())) AND (s.valid_until IS NULL OR s.valid_until > coalesce($2::timestamptz, now())))),
                 array_to_string(s.days_of_week, ',')::text, to_char(s.start_time, 'HH24:MI')::text,
                 to_char(s.end_time, 'HH24:MI')::text, left(ss.time_zone::text, 64)
            FROM user_access_levels ual
            JOIN access_levels al ON al.id = ual.access_level_id
            JOIN access_level_doors ald ON ald.access_level_id = al.id
            JOIN doors d ON d.id = ald.door_id OR (ald.door_group_id IS NOT NULL AND d.door_group_id = ald.door_group_id)
            LEFT JOIN schedules s ON s.id = al.schedule_id
            LEFT JOIN sites ss ON ss.id = s.site_id
           WHERE ual.user_id = $1
           ORDER BY d.id, ual.id LIMIT 1000",
    params: &[Int(9), NullTime],
};

/// What the broker's sync state remembers of these credentials' PINs, on
/// every lock (through `lock_pin_states_credential_idx`).
pub const STATES_OF_CREDENTIALS: Statement = Statement {
    name: "pins::states_of_credentials",
    sql: "SELECT door_id::int8, credential_id::int8, vendor_pin_id::text, (state = 'present'),
                 CASE WHEN isfinite(first_seen_at) AND first_seen_at < '262000-01-01' THEN first_seen_at END::timestamptz,
                 CASE WHEN isfinite(last_seen_at) AND last_seen_at < '262000-01-01' THEN last_seen_at END::timestamptz
            FROM lock_pin_states WHERE credential_id = ANY($1::int8[])
           ORDER BY door_id, last_seen_at DESC NULLS LAST LIMIT 1000",
    params: &[IntArray(&[6])],
};

/// The listings, changes and record reads among one lock's newest `$2`
/// logs: a bounded walk of the lock's index, the payload keys a match
/// needs taken only from the rows kept.
pub const LOCK_RECENT: Statement = Statement {
    name: "pins::lock_recent",
    sql: "SELECT l.id::int8, l.action::text,
                 CASE WHEN isfinite(l.created_at) AND l.created_at < '262000-01-01' THEN l.created_at END::timestamptz,
                 l.ok::bool, l.reconcile_job_id::int8, l.correlation_id::text, l.error_message::text,
                 COALESCE(l.request_json->'payload'->>'keyboardPwdId', l.response_json->>'keyboardPwdId')::text,
                 COALESCE(l.request_json->'payload'->'operation'->>'user', l.request_json->'payload'->'operation'->'users'->>0)::text
            FROM (SELECT id, action, created_at, ok, reconcile_job_id, correlation_id, error_message, request_json, response_json
                    FROM integration_logs WHERE lock_key = $1 ORDER BY created_at DESC, id DESC LIMIT $2) l
           WHERE l.action = ANY($3::text[])
           ORDER BY l.created_at DESC, l.id DESC",
    params: &[
        Text("TTLOCK:28991110"),
        Int(1000),
        TextArray(&["PASSCODE_LIST", "PASSCODE_ADD", "PASSCODE_DELETE", "LOCK_RECORD_LIST"]),
    ],
};

macro_rules! pick {
    () => {
        "SELECT u.id::int8, u.name::text, u.email::text, s.name::text, u.status::text FROM users u LEFT JOIN sites s ON s.id = u.site_id"
    };
}

/// A user by id, for the picker's row.
pub const FIND_BY_ID: Statement = Statement {
    name: "lookup::by_id",
    sql: concat!(pick!(), " WHERE u.id = $1"),
    params: &[Int(9)],
};

/// The owner of a credential named on a lock (`AB U9 C6`): by its id, and
/// only when the name's user is its owner.
pub const FIND_BY_CREDENTIAL: Statement = Statement {
    name: "lookup::by_credential",
    sql: concat!(
        pick!(),
        " WHERE u.id = (SELECT c.user_id FROM credentials c WHERE c.id = $1 AND c.user_id = $2)"
    ),
    params: &[Int(6), Int(9)],
};

/// Users by their Doordeck account (`users_doordeck_ref_idx`).
pub const FIND_BY_DOORDECK_REF: Statement = Statement {
    name: "lookup::by_doordeck_ref",
    sql: concat!(
        pick!(),
        " WHERE u.doordeck_user_ref = $1 ORDER BY u.id LIMIT 20"
    ),
    params: &[Text("f01c0906-6685-4ab6-af8d-6bfb82e87b8e")],
};

/// Names or emails starting with `$1` (lower case, LIKE-escaped, ending in
/// `%`), each through its `lower(…) text_pattern_ops` index.
pub const FIND_BY_PREFIX: Statement = Statement {
    name: "lookup::by_prefix",
    sql: concat!(
        "SELECT * FROM ((",
        pick!(),
        " WHERE lower(u.name) LIKE $1 ORDER BY lower(u.name) LIMIT 51) UNION (",
        pick!(),
        " WHERE lower(u.email) LIKE $1 ORDER BY lower(u.email) LIMIT 51)) m ORDER BY 2, 1 LIMIT 51"
    ),
    params: &[Text("maya%")],
};

/// Names or emails containing `$1` (lower case, LIKE-escaped, within `%`),
/// through the pg_trgm indexes: run only when `db check` finds them.
pub const FIND_BY_SUBSTRING: Statement = Statement {
    name: "lookup::by_substring",
    sql: concat!(
        "SELECT * FROM ((",
        pick!(),
        " WHERE lower(u.name) LIKE $1 LIMIT 51) UNION (",
        pick!(),
        " WHERE lower(u.email) LIKE $1 LIMIT 51)) m ORDER BY 2, 1 LIMIT 51"
    ),
    params: &[Text("%okafor%")],
};

/// Every statement of this module, for the EXPLAIN test.
pub const ALL: &[&Statement] = &[
    &NOW,
    &USER,
    &DOORS_OF_USER,
    &STATES_OF_CREDENTIALS,
    &LOCK_RECENT,
    &FIND_BY_ID,
    &FIND_BY_CREDENTIAL,
    &FIND_BY_DOORDECK_REF,
    &FIND_BY_PREFIX,
    &FIND_BY_SUBSTRING,
];
