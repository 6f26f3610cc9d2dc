//! A hot standby for reads. A grown broker gives its support tools a
//! streaming standby: every read that only shows goes there, writes and the
//! reads a write depends on stay on the primary, and after a write the
//! console waits (bounded) for the standby to replay it, so an operator never
//! sees their own change missing.

use std::time::Duration;

use sqlx::PgPool;

use super::statements;

/// The standby's pool and its label (`host/db`, never a password).
#[derive(Clone, Debug)]
pub struct Standby {
    pub pool: PgPool,
    pub label: String,
}

/// How long the console waits for a standby to replay its own write.
pub const REPLAY_WAIT: Duration = Duration::from_secs(5);

/// What waiting for the standby found.
#[derive(Debug, Clone, PartialEq)]
pub enum Replay {
    /// The standby has the write.
    Seen,
    /// Not within the wait: the standby is paused or far behind.
    Behind(Duration),
    /// The standby could not be asked (its error, in words).
    Unknown(String),
}

/// The primary's WAL position now (after a write has committed).
pub async fn primary_position(primary: &PgPool) -> Result<String, sqlx::Error> {
    sqlx::query_scalar(statements::session::CURRENT_LSN.tagged())
        .fetch_one(primary)
        .await
}

/// Waits until the standby has replayed `position`, at most `within`.
pub async fn wait_for(standby: &PgPool, position: &str, within: Duration) -> Replay {
    let started = tokio::time::Instant::now();
    loop {
        let reached: Result<bool, _> =
            sqlx::query_scalar(statements::session::REPLAYED_TO.tagged())
                .bind(position)
                .fetch_one(standby)
                .await;
        match reached {
            Ok(true) => return Replay::Seen,
            Ok(false) if started.elapsed() >= within => return Replay::Behind(within),
            Ok(false) => tokio::time::sleep(Duration::from_millis(50)).await,
            Err(e) => return Replay::Unknown(e.to_string()),
        }
    }
}

/// What the whole wait after a write may add to `REPLAY_WAIT` (reading the
/// primary's position, a connection to either server).
pub const AFTER_WRITE_SLACK: Duration = Duration::from_secs(2);

/// After a write on the primary: waits for the standby to have it. `None`
/// when it does; else what to tell the operator. The whole wait is bounded,
/// not only the polls: a half-open connection to either server never holds
/// the action's answer (and with it `q`) back.
pub async fn after_write(primary: &PgPool, standby: &Standby) -> Option<String> {
    let bound = REPLAY_WAIT + AFTER_WRITE_SLACK;
    match tokio::time::timeout(bound, after_write_unbounded(primary, standby)).await {
        Ok(r) => r,
        Err(_) => Some(format!(
            "the change is on the primary; the standby {} did not answer within {} s whether it has it: \
             panes may not show it yet; refresh once the header shows no lag",
            standby.label,
            bound.as_secs()
        )),
    }
}

async fn after_write_unbounded(primary: &PgPool, standby: &Standby) -> Option<String> {
    let position = match primary_position(primary).await {
        Ok(p) => p,
        Err(e) => return Some(format!("could not read the primary's WAL position: {e}")),
    };
    match wait_for(&standby.pool, &position, REPLAY_WAIT).await {
        Replay::Seen => None,
        Replay::Behind(d) => Some(format!(
            "the change is on the primary, but the standby {} has not replayed it within {} s \
             (paused or lagging): panes may not show it yet; refresh once the header shows no lag",
            standby.label,
            d.as_secs()
        )),
        Replay::Unknown(e) => Some(format!(
            "the change is on the primary; the standby {} could not be asked whether it has it: {e}",
            standby.label
        )),
    }
}

/// A standby that cannot be reached: with the fallback allowed, the notice
/// that reads go to the primary (`Ok`); else the error saying what to do.
pub fn unreachable(
    label: &str,
    error: &dyn std::fmt::Display,
    fallback: bool,
) -> Result<String, String> {
    let why = format!("{error:#}");
    let why = why.lines().next().unwrap_or_default();
    if fallback {
        Ok(format!(
            "reading from the primary (read fallback): the standby {label} cannot be reached — {why}"
        ))
    } else {
        Err(format!(
            "the standby {label} (--read-url) cannot be reached: {why}. Check it, or add --read-fallback to read from the primary meanwhile"
        ))
    }
}

/// How far behind the standby is, in milliseconds (`None` on a server that
/// is not a standby).
pub async fn lag_ms(conn: &mut sqlx::PgConnection) -> Result<Option<u64>, sqlx::Error> {
    let secs: Option<f64> = sqlx::query_scalar(statements::session::STANDBY_LAG.marked())
        .fetch_one(conn)
        .await?;
    Ok(secs.and_then(millis))
}

/// Seconds from the server as whole milliseconds: a clock step makes the
/// age negative (0 here); NaN or a value past u64 is no answer.
fn millis(secs: f64) -> Option<u64> {
    let ms = (secs * 1000.0).round();
    if ms.is_nan() || ms >= u64::MAX as f64 {
        return None;
    }
    Some(if ms <= 0.0 { 0 } else { ms as u64 })
}

#[cfg(test)]
mod tests {
    use super::millis;

    #[test]
    fn lag_seconds_become_milliseconds_without_panicking() {
        assert_eq!(millis(1.2345), Some(1235));
        assert_eq!(millis(-3.0), Some(0));
        assert_eq!(millis(f64::NAN), None);
        assert_eq!(millis(f64::INFINITY), None);
        assert_eq!(millis(1e30), None);
    }
}
