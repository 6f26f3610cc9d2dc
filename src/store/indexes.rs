//! The indexes lockdesk's statements are built for. lockdesk never creates
//! anything in a broker's database by itself: `db check` lists each one that
//! is missing with the exact `CREATE INDEX CONCURRENTLY` statement and what it
//! speeds up, and the operator decides. Without them the console still works,
//! slower (and says so once).

use sqlx::PgConnection;

use super::statements;

/// One index lockdesk's statements want.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wanted {
    pub name: &'static str,
    pub table: &'static str,
    /// What follows `USING` in Postgres's own definition of it.
    pub using: &'static str,
    pub speeds_up: &'static str,
}

impl Wanted {
    /// The statement an operator runs to add it without blocking writes.
    pub fn create_sql(&self) -> String {
        format!(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS {} ON {} USING {};",
            self.name, self.table, self.using
        )
    }
}

/// The expression index on how an access level or credential audit row
/// names its user, for `users::traces_with_deleted`.
pub const USER_REF: &str = "app_audit_user_ref_idx";

/// The pg_trgm indexes a substring search of names and emails needs
/// (`lockdesk user okafor`); without them the search says so, never scans.
pub const USER_TRGM: [&str; 2] = ["users_name_trgm_idx", "users_email_trgm_idx"];

/// The pg_trgm indexes `S` on the queue needs (the last error or reason of
/// every job of a time window containing a text); without them it says so,
/// never scans.
pub const JOB_TRGM: [&str; 2] = [
    "reconcile_jobs_last_error_trgm_idx",
    "reconcile_jobs_reason_trgm_idx",
];

pub const WANTED: &[Wanted] = &[
    Wanted {
        name: "app_audit_entity_time_idx",
        table: "app_audit",
        using: "btree (entity_type, entity_id, created_at DESC)",
        speeds_up: "the user pane and an entity's audit history",
    },
    Wanted {
        name: "app_audit_time_idx",
        table: "app_audit",
        using: "btree (created_at DESC, id DESC)",
        speeds_up: "the audit pane (newest first, paged)",
    },
    Wanted {
        name: "app_audit_correlation_prefix_idx",
        table: "app_audit",
        using: "btree (correlation_id text_pattern_ops)",
        speeds_up: "opening a trace by an id prefix (`:trace e4792295`)",
    },
    Wanted {
        name: USER_REF,
        table: "app_audit",
        using: "btree (((COALESCE(after_json, before_json) ->> 'user_id'::text)), created_at DESC) WHERE (entity_type = ANY (ARRAY['UserAccessLevel'::text, 'Credential'::text]))",
        speeds_up: "the user pane's traces of access levels and credentials already deleted (without it they are not shown)",
    },
    Wanted {
        name: "reconcile_jobs_status_time_idx",
        table: "reconcile_jobs",
        using: "btree (status, created_at DESC, id DESC)",
        speeds_up: "the job counts and `:jobs failed` / `:jobs stuck`",
    },
    Wanted {
        name: "reconcile_jobs_time_idx",
        table: "reconcile_jobs",
        using: "btree (created_at DESC, id DESC)",
        speeds_up: "the job queue (newest first, paged)",
    },
    Wanted {
        name: "reconcile_jobs_user_idx",
        table: "reconcile_jobs",
        using: "btree (user_id, created_at DESC)",
        speeds_up: "the user pane and `:jobs user 9`",
    },
    Wanted {
        name: "reconcile_jobs_correlation_prefix_idx",
        table: "reconcile_jobs",
        using: "btree (correlation_id text_pattern_ops)",
        speeds_up: "opening a trace by an id prefix",
    },
    Wanted {
        name: "integration_logs_correlation_idx",
        table: "integration_logs",
        using: "btree (correlation_id, created_at, id)",
        speeds_up: "a trace's logs, in order",
    },
    Wanted {
        name: "integration_logs_lock_time_idx",
        table: "integration_logs",
        using: "btree (lock_key, created_at DESC, id DESC)",
        speeds_up: "the lock pane and drift's interrupted-change check",
    },
    Wanted {
        name: "integration_logs_door_time_idx",
        table: "integration_logs",
        using: "btree (door_id, created_at DESC, id DESC)",
        speeds_up: "a door's logs",
    },
    Wanted {
        name: "integration_logs_job_idx",
        table: "integration_logs",
        using: "btree (reconcile_job_id, created_at, id)",
        speeds_up: "a job's logs and its interrupted mark in the queue",
    },
    Wanted {
        name: "integration_logs_time_idx",
        table: "integration_logs",
        using: "btree (created_at DESC, id DESC)",
        speeds_up: "the Pulse pane and the queue header's failed calls per minute (the last hour only)",
    },
    Wanted {
        name: "integration_logs_correlation_prefix_idx",
        table: "integration_logs",
        using: "btree (correlation_id text_pattern_ops)",
        speeds_up: "opening a trace by an id prefix",
    },
    Wanted {
        name: "user_access_levels_user_idx",
        table: "user_access_levels",
        using: "btree (user_id)",
        speeds_up: "the user pane",
    },
    Wanted {
        name: "credentials_user_idx",
        table: "credentials",
        using: "btree (user_id)",
        speeds_up: "the user pane",
    },
    Wanted {
        name: "lock_pin_states_door_idx",
        table: "lock_pin_states",
        using: "btree (door_id)",
        speeds_up: "drift plans",
    },
    Wanted {
        name: "lock_pin_states_credential_idx",
        table: "lock_pin_states",
        using: "btree (credential_id)",
        speeds_up: "the user pane: a user's PIN on every lock",
    },
    Wanted {
        name: "users_lower_name_idx",
        table: "users",
        using: "btree (lower(name) text_pattern_ops)",
        speeds_up: "finding a user by the start of a name (`lockdesk user maya`)",
    },
    Wanted {
        name: "users_lower_email_idx",
        table: "users",
        using: "btree (lower(email) text_pattern_ops)",
        speeds_up: "finding a user by the start of an email",
    },
    Wanted {
        name: "users_doordeck_ref_idx",
        table: "users",
        using: "btree (doordeck_user_ref)",
        speeds_up: "finding a user by their Doordeck account",
    },
    Wanted {
        name: USER_TRGM[0],
        table: "users",
        using: "gin (lower(name) gin_trgm_ops)",
        speeds_up: "finding a user by part of a name (`lockdesk user okafor`); needs `CREATE EXTENSION pg_trgm` first (without it that search is refused as slow)",
    },
    Wanted {
        name: USER_TRGM[1],
        table: "users",
        using: "gin (lower(email) gin_trgm_ops)",
        speeds_up: "finding a user by part of an email; needs `CREATE EXTENSION pg_trgm` first",
    },
    Wanted {
        name: JOB_TRGM[0],
        table: "reconcile_jobs",
        using: "gin (lower(last_error) gin_trgm_ops)",
        speeds_up: "searching the queue's last errors in the database (`S` after `/` on the Jobs pane); needs `CREATE EXTENSION pg_trgm` first (without it that search is refused as slow)",
    },
    Wanted {
        name: JOB_TRGM[1],
        table: "reconcile_jobs",
        using: "gin (lower(reason) gin_trgm_ops)",
        speeds_up: "searching the queue's reasons in the database (`S` on the Jobs pane); needs `CREATE EXTENSION pg_trgm` first",
    },
];

/// Whether `present` has every index in `names` (by name or definition).
pub fn has_all(present: &[(String, String)], names: &[&str]) -> bool {
    let missing = missing(present);
    names.iter().all(|n| !missing.iter().any(|w| w.name == *n))
}

/// The wanted indexes `present` (name, Postgres's definition) lacks. An
/// index counts when it has the wanted name, or the same table and the same
/// definition under another name.
pub fn missing(present: &[(String, String)]) -> Vec<&'static Wanted> {
    let shapes: Vec<(String, String)> = present
        .iter()
        .filter_map(|(_, def)| {
            let (_, on) = def.split_once(" ON ")?;
            let (table, using) = on.split_once(" USING ")?;
            let table = table.rsplit('.').next().unwrap_or(table).trim_matches('"');
            Some((table.to_string(), using.to_string()))
        })
        .collect();
    WANTED
        .iter()
        .filter(|w| {
            !present.iter().any(|(n, _)| n == w.name)
                && !shapes.iter().any(|(t, u)| t == w.table && u == w.using)
        })
        .collect()
}

/// The indexes the database has on the tables lockdesk reads.
pub async fn present(conn: &mut PgConnection) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as(statements::schema::INDEXES.tagged())
        .fetch_all(&mut *conn)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_index_counts_by_its_name_or_by_its_definition() {
        let all_but_two: Vec<(String, String)> = WANTED
            .iter()
            .filter(|w| w.name != USER_REF && w.name != "reconcile_jobs_user_idx")
            .map(|w| (w.name.to_string(), format!("CREATE INDEX {} ON public.{} USING {}", w.name, w.table, w.using)))
            .chain([(
                "jobs_by_user".to_string(),
                "CREATE INDEX jobs_by_user ON broker.reconcile_jobs USING btree (user_id, created_at DESC)".to_string(),
            )])
            .collect();
        let m = missing(&all_but_two);
        assert_eq!(m.iter().map(|w| w.name).collect::<Vec<_>>(), vec![USER_REF]);
        assert_eq!(
            m[0].create_sql(),
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS app_audit_user_ref_idx ON app_audit USING btree \
             (((COALESCE(after_json, before_json) ->> 'user_id'::text)), created_at DESC) \
             WHERE (entity_type = ANY (ARRAY['UserAccessLevel'::text, 'Credential'::text]));"
        );
        assert_eq!(missing(&[]).len(), WANTED.len());
    }
}
