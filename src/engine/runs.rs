//! One run per lock: the advisory key every enforcement (in any console or
//! worker) holds on a lock while it runs, and how often a run beats its job.
//! Settling an interrupted change asks both: no session holds the key, and
//! the job was not beaten within twice the interval.

/// The advisory lock key of one lock.
pub fn advisory_key(provider: &str, external: &str) -> String {
    format!("lockdesk-drift:{provider}:{external}")
}

/// Seconds between heartbeats of a run while a provider call is in flight.
pub const BEAT_EVERY_SECS: i64 = 20;

/// A run is alive while its job was beaten within twice the beat interval.
pub const LIVE_WITHIN_SECS: i64 = 2 * BEAT_EVERY_SECS;
