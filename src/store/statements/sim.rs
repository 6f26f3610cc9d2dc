//! What the simulators read from a broker database to seed themselves.

use super::{Param::*, Statement};

/// The users with a Doordeck account.
pub const DOORDECK_USERS: Statement = Statement {
    name: "sim::doordeck_users",
    sql: "SELECT email::text, doordeck_user_ref::text FROM users WHERE doordeck_user_ref IS NOT NULL",
    params: &[],
};

/// Who should have each Doordeck lock shared now.
pub const DOORDECK_SHARES: Statement = Statement {
    name: "sim::doordeck_shares",
    sql: "SELECT DISTINCT d.external_id::text, u.doordeck_user_ref::text, u.email::text, u.name::text
         FROM doors d
         JOIN access_level_doors ald ON ald.door_id = d.id OR ald.door_group_id = d.door_group_id
         JOIN access_levels al ON al.id = ald.access_level_id AND al.status = 'active'
         LEFT JOIN schedules s ON s.id = al.schedule_id
         JOIN user_access_levels ual ON ual.access_level_id = al.id AND ual.status = 'active'
         JOIN users u ON u.id = ual.user_id AND u.status = 'active' AND u.doordeck_user_ref IS NOT NULL
         JOIN credentials c ON c.user_id = u.id AND c.status = 'active'
         WHERE upper(d.device_type) = 'DOORDECK'
           AND (s.id IS NULL OR s.valid_until IS NULL OR s.valid_until > $1)
         ORDER BY 1, 2",
    params: &[Time("2026-11-20T15:30:00Z")],
};

/// The Doordeck doors.
pub const DOORDECK_DEVICES: Statement = Statement {
    name: "sim::doordeck_devices",
    sql: "SELECT external_id::text, name::text, integration_customer_id::int8 FROM doors
         WHERE upper(device_type) = 'DOORDECK' AND external_id IS NOT NULL ORDER BY id",
    params: &[],
};

/// The TTLock doors and the passcodes the broker believes are on them.
pub const TTLOCK_PASSCODES: Statement = Statement {
    name: "sim::ttlock_passcodes",
    sql: "SELECT d.id::int8, d.name::text, d.external_id::text, d.integration_customer_id::int8,
                p.vendor_pin_id::text, p.code_name::text, c.pin_code::text, p.first_seen_at::timestamptz
         FROM doors d
         LEFT JOIN lock_pin_states p ON p.door_id = d.id AND p.state = 'present'
         LEFT JOIN credentials c ON c.id = p.credential_id
         WHERE upper(d.device_type) = 'TTLOCK' AND d.external_id ~ '^[0-9]+$'
         ORDER BY d.id, p.vendor_pin_id",
    params: &[],
};

/// The integration customers, for the simulators' accounts.
pub const CUSTOMERS: Statement = Statement {
    name: "sim::customers",
    sql: "SELECT id::int8, provider_type::text, account_ref::text FROM integration_customers ORDER BY id",
    params: &[],
};

/// Every statement of this module, for the EXPLAIN test.
pub const ALL: &[&Statement] = &[
    &DOORDECK_USERS,
    &DOORDECK_SHARES,
    &DOORDECK_DEVICES,
    &TTLOCK_PASSCODES,
    &CUSTOMERS,
];
