//! Some of a trace's logs, read in place: a job's own logs among a big
//! trace's heads without building them as rows (a runaway job's 100,000
//! would be ~90 MiB of `LogRow`s).

use std::borrow::Cow;
use std::num::NonZeroI64;

use chrono::{DateTime, Utc};

use super::compact::LogColumns;
use super::logrow::LogRow;
use super::odd::Oddity;

/// The logs of `logs` at the indices `at`, in that order: log `i` of the
/// subset is log `at[i]` of the whole.
#[derive(Debug, Clone, Copy)]
pub struct Subset<'a, L: ?Sized> {
    logs: &'a L,
    at: &'a [usize],
}

impl<'a, L: LogColumns + ?Sized> Subset<'a, L> {
    pub fn new(logs: &'a L, at: &'a [usize]) -> Subset<'a, L> {
        Subset { logs, at }
    }
}

impl<L: LogColumns + ?Sized> LogColumns for Subset<'_, L> {
    fn count(&self) -> usize {
        self.at.len()
    }
    fn id(&self, i: usize) -> i64 {
        self.logs.id(self.at[i])
    }
    fn created_at(&self, i: usize) -> DateTime<Utc> {
        self.logs.created_at(self.at[i])
    }
    fn ok(&self, i: usize) -> bool {
        self.logs.ok(self.at[i])
    }
    fn action(&self, i: usize) -> &str {
        self.logs.action(self.at[i])
    }
    fn provider_type(&self, i: usize) -> Option<&str> {
        self.logs.provider_type(self.at[i])
    }
    fn lock_key(&self, i: usize) -> Option<&str> {
        self.logs.lock_key(self.at[i])
    }
    fn door_id(&self, i: usize) -> Option<i64> {
        self.logs.door_id(self.at[i])
    }
    fn door_name(&self, i: usize) -> Option<&str> {
        self.logs.door_name(self.at[i])
    }
    fn error_message(&self, i: usize) -> Option<&str> {
        self.logs.error_message(self.at[i])
    }
    fn reconcile_job_id(&self, i: usize) -> Option<i64> {
        self.logs.reconcile_job_id(self.at[i])
    }
    fn target(&self, i: usize) -> Option<&str> {
        self.logs.target(self.at[i])
    }
    fn requested_ms(&self, i: usize) -> Option<NonZeroI64> {
        self.logs.requested_ms(self.at[i])
    }
    fn odd(&self, i: usize) -> &[Oddity] {
        self.logs.odd(self.at[i])
    }
    fn detached(&self, i: usize) -> bool {
        self.logs.detached(self.at[i])
    }
    fn row(&self, i: usize) -> Cow<'_, LogRow> {
        self.logs.row(self.at[i])
    }
    fn correlation_id(&self, i: usize) -> Option<&str> {
        self.logs.correlation_id(self.at[i])
    }
    fn change(&self, i: usize) -> &[Option<serde_json::Value>; 2] {
        self.logs.change(self.at[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(id: i64, action: &str) -> LogRow {
        LogRow {
            id,
            action: action.into(),
            correlation_id: None,
            created_at: DateTime::UNIX_EPOCH,
            debug_session_id: None,
            door_id: None,
            door_name: None,
            error_message: None,
            external_id: None,
            lock_key: None,
            ok: true,
            provider_type: None,
            reconcile_job_id: None,
            request_json: None,
            response_json: None,
            odd: Vec::new(),
            raw_json: Vec::new(),
            facts: crate::store::facts::LogFacts::default(),
            detached: false,
        }
    }

    #[test]
    fn a_subset_reads_the_logs_at_its_indices_in_their_order() {
        let logs = [log(1, "A"), log(2, "B"), log(3, "C")];
        let s = Subset::new(&logs[..], &[2, 0]);
        assert_eq!(s.count(), 2);
        assert_eq!((s.id(0), s.action(0)), (3, "C"));
        assert_eq!((s.id(1), s.row(1).action.as_str()), (1, "A"));
        assert_eq!(Subset::new(&logs[..], &[]).count(), 0);
    }
}
