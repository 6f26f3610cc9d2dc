//! The doors, loaded once per session.

use super::Statement;

/// Every door (no sites table).
pub const EVERY: Statement = Statement {
    name: "doors::every",
    sql: "SELECT d.id::int8, d.name::text, d.site_id::int8, d.device_type::text, d.external_id::text,
                COALESCE(d.is_active, true), d.status::text, NULL::text, d.integration_customer_id::int8
         FROM doors d ORDER BY d.id",
    params: &[],
};

/// Every door with its site's zone.
pub const EVERY_WITH_SITES: Statement = Statement {
    name: "doors::every_with_sites",
    sql: "SELECT d.id::int8, d.name::text, d.site_id::int8, d.device_type::text, d.external_id::text,
                COALESCE(d.is_active, true), d.status::text, s.time_zone::text, d.integration_customer_id::int8
         FROM doors d LEFT JOIN sites s ON s.id = d.site_id ORDER BY d.id",
    params: &[],
};

/// Every statement of this module, for the EXPLAIN test.
pub const ALL: &[&Statement] = &[&EVERY_WITH_SITES, &EVERY];
