//! One clock: the database's. A plan's "now" (grace windows), the rows an
//! enforcement writes and the time its provider calls are stamped with come
//! from Postgres's `now()`, never from the laptop's clock, which may be off
//! by minutes. The database is read once per run; the machine's clock only
//! measures the time since.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgConnection;

use crate::store::statements;
use crate::timefmt::local_now;

/// The database's clock, as seen from this machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DbClock {
    /// The database's clock minus this machine's.
    skew: Duration,
}

impl DbClock {
    /// Reads the database's clock once.
    pub async fn read(conn: &mut PgConnection) -> Result<DbClock, sqlx::Error> {
        let before = local_now();
        let (db,): (DateTime<Utc>,) = sqlx::query_as(statements::session::NOW.tagged())
            .fetch_one(&mut *conn)
            .await?;
        // Half the round trip: the server read its clock about midway.
        let after = local_now();
        let mid = before + (after - before) / 2;
        Ok(DbClock { skew: db - mid })
    }

    /// The database's time now.
    pub fn now(&self) -> DateTime<Utc> {
        self.on_db(local_now())
    }

    /// A time this machine measured (a provider call's start), on the
    /// database's clock.
    pub fn on_db(&self, local: DateTime<Utc>) -> DateTime<Utc> {
        local.checked_add_signed(self.skew).unwrap_or(local)
    }

    pub fn skew(&self) -> Duration {
        self.skew
    }
}
