//! The user pane: one user, their access, credentials, doors and traces.

use super::{Param::*, Statement};

// A user's traces: the newest 60 rows of each way a row names the user,
// each through an index, then grouped by correlation id. Pieces, so the
// three variants share them.
macro_rules! traces_head {
    () => {
        "SELECT correlation_id::text, (min(created_at) FILTER (WHERE isfinite(created_at) AND created_at < '262000-01-01'))::timestamptz, \
                string_agg(DISTINCT what, ', ')::text FROM ( \
           (SELECT correlation_id, created_at, job_type || ' ' || status AS what FROM reconcile_jobs \
             WHERE user_id = $1 AND correlation_id IS NOT NULL ORDER BY created_at DESC LIMIT 60) \
           UNION ALL \
           (SELECT correlation_id, created_at, entity_type || ' ' || action FROM app_audit \
             WHERE entity_type = 'User' AND entity_id = $1 AND correlation_id IS NOT NULL ORDER BY created_at DESC LIMIT 60)"
    };
}
macro_rules! traces_of_owned {
    ($entity:literal, $table:literal) => {
        concat!(
            " UNION ALL (SELECT a.correlation_id, a.created_at, a.entity_type || ' ' || a.action FROM app_audit a \
               WHERE a.entity_type = '", $entity, "' AND a.entity_id IN (SELECT id FROM ", $table, " WHERE user_id = $1) \
                 AND a.correlation_id IS NOT NULL ORDER BY a.created_at DESC LIMIT 60)"
        )
    };
}
macro_rules! traces_tail {
    () => {
        ") t GROUP BY correlation_id ORDER BY 2 DESC NULLS LAST LIMIT 30"
    };
}

/// A user's traces, newest first: the user's jobs, audit rows of the user,
/// and of the user's access levels and credentials (through their ids).
pub const TRACES: Statement = Statement {
    name: "users::traces",
    sql: concat!(
        traces_head!(),
        traces_of_owned!("UserAccessLevel", "user_access_levels"),
        traces_of_owned!("Credential", "credentials"),
        traces_tail!()
    ),
    params: &[Int(9)],
};

/// `TRACES`, plus audit rows of access levels and credentials already
/// deleted, through the recommended expression index (`db check`).
pub const TRACES_WITH_DELETED: Statement = Statement {
    name: "users::traces_with_deleted",
    sql: concat!(
        traces_head!(),
        traces_of_owned!("UserAccessLevel", "user_access_levels"),
        traces_of_owned!("Credential", "credentials"),
        " UNION ALL (SELECT correlation_id, created_at, entity_type || ' ' || action FROM app_audit \
           WHERE entity_type IN ('UserAccessLevel', 'Credential') \
             AND (COALESCE(after_json, before_json) ->> 'user_id') = $1::text \
             AND correlation_id IS NOT NULL ORDER BY created_at DESC LIMIT 60)",
        traces_tail!()
    ),
    params: &[Int(9)],
};

/// A user's traces on a database without the broker's user tables: jobs
/// and audit rows of the user only.
pub const TRACES_CONTRACT_ONLY: Statement = Statement {
    name: "users::traces_contract_only",
    sql: concat!(traces_head!(), traces_tail!()),
    params: &[Int(9)],
};

/// The doors a user may open now, with their lock keys.
pub const DOORS: Statement = Statement {
    name: "users::doors",
    sql: "SELECT DISTINCT d.id::int8, d.name::text,
                    CASE WHEN d.device_type IS NULL OR d.external_id IS NULL THEN NULL
                         ELSE upper(d.device_type) || ':' || d.external_id END
             FROM user_access_levels ual
             JOIN access_levels al ON al.id = ual.access_level_id AND al.status = 'active'
             JOIN access_level_doors ald ON ald.access_level_id = al.id
             JOIN doors d ON d.id = ald.door_id OR d.door_group_id = ald.door_group_id
             WHERE ual.user_id = $1 AND ual.status = 'active' AND d.is_active
             ORDER BY 1",
    params: &[Int(9)],
};

/// A user's credentials (the PIN is masked before it is kept).
pub const CREDENTIALS: Statement = Statement {
    name: "users::credentials",
    sql: "SELECT id::int8, pin_code::text, status::text FROM credentials WHERE user_id = $1 ORDER BY id",
    params: &[Int(9)],
};

/// A user's access levels.
pub const ACCESS: Statement = Statement {
    name: "users::access",
    sql: "SELECT ual.id::int8, COALESCE(al.name, 'access level ' || ual.access_level_id)::text,
                    ual.status::text, CASE WHEN isfinite(ual.created_at) AND ual.created_at < '262000-01-01' THEN ual.created_at END::timestamptz
             FROM user_access_levels ual LEFT JOIN access_levels al ON al.id = ual.access_level_id
             WHERE ual.user_id = $1 ORDER BY ual.status, ual.id",
    params: &[Int(9)],
};

/// One user and their site.
pub const USER: Statement = Statement {
    name: "users::user",
    sql: "SELECT u.name::text, u.email::text, u.status::text, s.name::text, s.time_zone::text
             FROM users u LEFT JOIN sites s ON s.id = u.site_id WHERE u.id = $1",
    params: &[Int(9)],
};

/// Every statement of this module, for the EXPLAIN test.
pub const ALL: &[&Statement] = &[
    &TRACES,
    &TRACES_WITH_DELETED,
    &TRACES_CONTRACT_ONLY,
    &DOORS,
    &CREDENTIALS,
    &ACCESS,
    &USER,
];
