//! The contract check run at every connect: are the tables and columns lockdesk
//! reads there, with types it can read? One pg_catalog query, then pure logic.

use std::collections::BTreeMap;
use std::fmt;

use sqlx::PgPool;

use super::statements;

/// How lockdesk reads a column, and which stored types it accepts for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    BigInt,
    Int,
    Text,
    Bool,
    Timestamp,
    Json,
}

impl Kind {
    /// The type the contract names (what `lockdesk db migrate` creates).
    pub fn expected(self) -> &'static str {
        match self {
            Kind::BigInt => "bigint",
            Kind::Int => "integer",
            Kind::Text => "text",
            Kind::Bool => "boolean",
            Kind::Timestamp => "timestamp with time zone",
            Kind::Json => "jsonb",
        }
    }

    /// Whether a stored type (as `format_type` prints it) can be read as this
    /// kind. Queries cast to the expected type, so integer widths and json vs
    /// jsonb are all fine.
    fn accepts(self, stored: &str) -> Compat {
        let base = stored.split('(').next().unwrap_or(stored).trim();
        let ok = match self {
            Kind::BigInt | Kind::Int => matches!(base, "bigint" | "integer" | "smallint"),
            Kind::Text => matches!(base, "text" | "character varying" | "character" | "uuid"),
            Kind::Bool => base == "boolean",
            Kind::Timestamp => {
                if base == "timestamp without time zone" {
                    return Compat::ReadAsUtc;
                }
                base == "timestamp with time zone"
            }
            Kind::Json => matches!(base, "jsonb" | "json"),
        };
        if ok { Compat::Yes } else { Compat::No }
    }
}

enum Compat {
    Yes,
    ReadAsUtc,
    No,
}

/// One table lockdesk needs, with the columns it reads.
pub struct TableSpec {
    pub name: &'static str,
    pub columns: &'static [(&'static str, Kind)],
}

use Kind::*;

/// The contract tables of DOMAIN.md: without these the console cannot open.
pub const CONTRACT: &[TableSpec] = &[
    TableSpec {
        name: "app_audit",
        columns: &[
            ("id", BigInt),
            ("created_at", Timestamp),
            ("entity_type", Text),
            ("entity_id", BigInt),
            ("action", Text),
            ("before_json", Json),
            ("after_json", Json),
            ("correlation_id", Text),
            ("actor", Text),
            ("source", Text),
        ],
    },
    TableSpec {
        name: "reconcile_jobs",
        columns: &[
            ("id", BigInt),
            ("job_type", Text),
            ("user_id", BigInt),
            ("reason", Text),
            ("status", Text),
            ("attempt_count", Int),
            ("last_error", Text),
            ("next_run_at", Timestamp),
            ("correlation_id", Text),
            ("debug_session_id", Text),
            ("payload", Json),
            ("created_at", Timestamp),
            ("updated_at", Timestamp),
        ],
    },
    TableSpec {
        name: "integration_logs",
        columns: &[
            ("id", BigInt),
            ("action", Text),
            ("correlation_id", Text),
            ("created_at", Timestamp),
            ("debug_session_id", Text),
            ("door_id", BigInt),
            ("door_name", Text),
            ("error_message", Text),
            ("external_id", Text),
            ("lock_key", Text),
            ("ok", Bool),
            ("provider_type", Text),
            ("reconcile_job_id", BigInt),
            ("request_json", Json),
            ("response_json", Json),
        ],
    },
    TableSpec {
        name: "doors",
        columns: &[
            ("id", BigInt),
            ("site_id", BigInt),
            ("name", Text),
            ("description", Text),
            ("location", Text),
            ("device_type", Text),
            ("external_id", Text),
            ("integration_customer_id", BigInt),
            ("integration_device_id", BigInt),
            ("door_group_id", BigInt),
            ("open_schedule_id", BigInt),
            ("is_active", Bool),
            ("status", Text),
            ("demo_state", Text),
            ("demo_state_updated_at", Timestamp),
            ("created_at", Timestamp),
            ("updated_at", Timestamp),
        ],
    },
    TableSpec {
        name: "user_access_levels",
        columns: &[
            ("id", BigInt),
            ("user_id", BigInt),
            ("access_level_id", BigInt),
            ("site_id", BigInt),
            ("schedule_id", BigInt),
            ("status", Text),
            ("created_at", Timestamp),
            ("updated_at", Timestamp),
        ],
    },
];

/// The broker tables drift enforcement computes expected PINs from. Without
/// them the console still opens; only drift enforcement is disabled.
pub const DRIFT_TABLES: &[&str] = &[
    "sites",
    "users",
    "access_levels",
    "access_level_doors",
    "schedules",
    "credentials",
    "integration_devices",
    "lock_pin_states",
];

/// A contract problem, precise enough for an operator to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    MissingTable {
        table: &'static str,
    },
    MissingColumn {
        table: &'static str,
        column: &'static str,
        expected: &'static str,
    },
    WrongType {
        table: &'static str,
        column: &'static str,
        expected: &'static str,
        found: String,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::MissingTable { table } => write!(f, "table {table} is missing"),
            Problem::MissingColumn {
                table,
                column,
                expected,
            } => write!(f, "{table}.{column} is missing (expected {expected})"),
            Problem::WrongType {
                table,
                column,
                expected,
                found,
            } => write!(
                f,
                "{table}.{column} is {found}, which lockdesk cannot read as {expected}"
            ),
        }
    }
}

/// What the check found. `problems` empty means the console can open.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SchemaReport {
    pub problems: Vec<Problem>,
    /// Readable but worth knowing, e.g. a timestamp without time zone.
    pub warnings: Vec<String>,
    /// Broker tables that are absent; non-empty disables drift enforcement.
    pub missing_drift_tables: Vec<&'static str>,
}

impl SchemaReport {
    pub fn is_usable(&self) -> bool {
        self.problems.is_empty()
    }

    pub fn drift_enabled(&self) -> bool {
        self.missing_drift_tables.is_empty()
    }

    /// The message shown when drift enforcement is disabled, if it is.
    pub fn drift_disabled_reason(&self) -> Option<String> {
        (!self.drift_enabled()).then(|| {
            format!(
                "Drift enforcement is disabled: this database has no {} table{} (the broker tables it computes expected PINs from). Everything else works.",
                self.missing_drift_tables.join(", "),
                if self.missing_drift_tables.len() == 1 { "" } else { "s" }
            )
        })
    }
}

/// An error whose text is the whole message for the operator.
#[derive(Debug)]
pub struct ContractError {
    pub database: String,
    pub report: SchemaReport,
}

impl fmt::Display for ContractError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "The database {} does not have the tables lockdesk reads, so the console cannot open:",
            self.database
        )?;
        for p in &self.report.problems {
            writeln!(f, "  - {p}")?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "If this is the broker's database, check that you are on the right database and schema (search_path),"
        )?;
        writeln!(
            f,
            "and that the broker's migrations have run. If it is an empty database you own, `lockdesk db migrate` creates the tables."
        )?;
        write!(
            f,
            "lockdesk never changes a database's schema unless you ask it to."
        )
    }
}

impl std::error::Error for ContractError {}

/// Runs the catalog query and compares it with the contract.
pub async fn check(pool: &PgPool) -> Result<SchemaReport, sqlx::Error> {
    let names: Vec<&str> = CONTRACT
        .iter()
        .map(|t| t.name)
        .chain(DRIFT_TABLES.iter().copied())
        .collect();
    let rows: Vec<(String, String, String)> = sqlx::query_as(statements::schema::CATALOG.tagged())
        .bind(&names)
        .fetch_all(pool)
        .await?;
    Ok(compare(&rows))
}

/// Pure comparison of catalog rows (table, column, type) against the contract.
pub fn compare(rows: &[(String, String, String)]) -> SchemaReport {
    let mut found: BTreeMap<&str, BTreeMap<&str, &str>> = BTreeMap::new();
    for (t, c, ty) in rows {
        found.entry(t).or_default().insert(c, ty);
    }
    let mut report = SchemaReport::default();
    for table in CONTRACT {
        let Some(cols) = found.get(table.name) else {
            report
                .problems
                .push(Problem::MissingTable { table: table.name });
            continue;
        };
        for &(column, kind) in table.columns {
            match cols.get(column) {
                None => report.problems.push(Problem::MissingColumn {
                    table: table.name,
                    column,
                    expected: kind.expected(),
                }),
                Some(stored) => match kind.accepts(stored) {
                    Compat::Yes => {}
                    Compat::ReadAsUtc => report.warnings.push(format!(
                        "{}.{column} is {stored}: lockdesk reads it as UTC",
                        table.name
                    )),
                    Compat::No => report.problems.push(Problem::WrongType {
                        table: table.name,
                        column,
                        expected: kind.expected(),
                        found: (*stored).to_string(),
                    }),
                },
            }
        }
    }
    report.missing_drift_tables = DRIFT_TABLES
        .iter()
        .copied()
        .filter(|t| !found.contains_key(t))
        .collect();
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> Vec<(String, String, String)> {
        let mut rows = Vec::new();
        for t in CONTRACT {
            for (c, k) in t.columns {
                rows.push((t.name.into(), (*c).into(), k.expected().into()));
            }
        }
        for t in DRIFT_TABLES {
            rows.push(((*t).into(), "id".into(), "bigint".into()));
        }
        rows
    }

    #[test]
    fn a_complete_schema_passes() {
        let r = compare(&full());
        assert!(r.is_usable(), "{:?}", r.problems);
        assert!(r.drift_enabled());
        assert!(r.warnings.is_empty());
    }

    #[test]
    fn a_missing_column_is_named_with_its_type() {
        let rows: Vec<_> = full()
            .into_iter()
            .filter(|(t, c, _)| !(t == "integration_logs" && c == "lock_key"))
            .collect();
        let r = compare(&rows);
        assert_eq!(
            r.problems,
            vec![Problem::MissingColumn {
                table: "integration_logs",
                column: "lock_key",
                expected: "text"
            }]
        );
        assert_eq!(
            r.problems[0].to_string(),
            "integration_logs.lock_key is missing (expected text)"
        );
    }

    #[test]
    fn compatible_types_pass_and_naive_timestamps_warn() {
        let mut rows = full();
        for r in &mut rows {
            if r.0 == "app_audit" && r.1 == "created_at" {
                r.2 = "timestamp without time zone".into();
            }
            if r.0 == "app_audit" && r.1 == "after_json" {
                r.2 = "json".into();
            }
            if r.0 == "doors" && r.1 == "id" {
                r.2 = "integer".into();
            }
        }
        let r = compare(&rows);
        assert!(r.is_usable());
        assert_eq!(r.warnings.len(), 1);
        assert!(r.warnings[0].contains("app_audit.created_at"));
    }

    #[test]
    fn incompatible_types_are_problems() {
        let mut rows = full();
        for r in &mut rows {
            if r.0 == "reconcile_jobs" && r.1 == "created_at" {
                r.2 = "text".into();
            }
        }
        let r = compare(&rows);
        assert_eq!(
            r.problems[0].to_string(),
            "reconcile_jobs.created_at is text, which lockdesk cannot read as timestamp with time zone"
        );
    }

    #[test]
    fn missing_broker_tables_only_disable_drift() {
        let rows: Vec<_> = full()
            .into_iter()
            .filter(|(t, _, _)| t != "lock_pin_states" && t != "credentials")
            .collect();
        let r = compare(&rows);
        assert!(r.is_usable());
        assert_eq!(
            r.missing_drift_tables,
            vec!["credentials", "lock_pin_states"]
        );
        assert!(
            r.drift_disabled_reason()
                .unwrap()
                .contains("credentials, lock_pin_states")
        );
    }
}
