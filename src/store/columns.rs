//! A trace's logs read by index, in place: what the summary, the header's
//! counts, the waterfall, the whys and the intents read of every log, from
//! whole rows or from a big trace's compact heads (`compact`) alike.

use std::borrow::Cow;
use std::num::NonZeroI64;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::logrow::LogRow;
use super::odd::Oddity;

/// A trace's logs read by index without building a `LogRow`: the columns
/// that are read for every log of a trace, whatever its length.
pub trait LogColumns {
    fn count(&self) -> usize;
    fn id(&self, i: usize) -> i64;
    fn created_at(&self, i: usize) -> DateTime<Utc>;
    fn ok(&self, i: usize) -> bool;
    fn action(&self, i: usize) -> &str;
    fn correlation_id(&self, i: usize) -> Option<&str>;
    /// `facts.change`: what pairs an intent with its outcome.
    fn change(&self, i: usize) -> &[Option<Value>; 2];
    fn provider_type(&self, i: usize) -> Option<&str>;
    fn lock_key(&self, i: usize) -> Option<&str>;
    fn door_id(&self, i: usize) -> Option<i64>;
    fn door_name(&self, i: usize) -> Option<&str>;
    fn error_message(&self, i: usize) -> Option<&str>;
    fn reconcile_job_id(&self, i: usize) -> Option<i64>;
    /// `facts.target`.
    fn target(&self, i: usize) -> Option<&str>;
    /// `facts.requested_ms`.
    fn requested_ms(&self, i: usize) -> Option<NonZeroI64>;
    fn odd(&self, i: usize) -> &[Oddity];
    /// The payloads are not loaded.
    fn detached(&self, i: usize) -> bool;
    /// Log `i` whole: borrowed when held as a row, built from its head
    /// when not — for the few logs whose other columns are read.
    fn row(&self, i: usize) -> Cow<'_, LogRow>;
}

/// Rows held whole (a slice, a `Vec`, an array of them).
impl<T: AsRef<[LogRow]> + ?Sized> LogColumns for T {
    fn count(&self) -> usize {
        self.as_ref().len()
    }
    fn id(&self, i: usize) -> i64 {
        self.as_ref()[i].id
    }
    fn created_at(&self, i: usize) -> DateTime<Utc> {
        self.as_ref()[i].created_at
    }
    fn ok(&self, i: usize) -> bool {
        self.as_ref()[i].ok
    }
    fn action(&self, i: usize) -> &str {
        &self.as_ref()[i].action
    }
    fn correlation_id(&self, i: usize) -> Option<&str> {
        self.as_ref()[i].correlation_id.as_deref()
    }
    fn change(&self, i: usize) -> &[Option<Value>; 2] {
        &self.as_ref()[i].facts.change
    }
    fn provider_type(&self, i: usize) -> Option<&str> {
        self.as_ref()[i].provider_type.as_deref()
    }
    fn lock_key(&self, i: usize) -> Option<&str> {
        self.as_ref()[i].lock_key.as_deref()
    }
    fn door_id(&self, i: usize) -> Option<i64> {
        self.as_ref()[i].door_id
    }
    fn door_name(&self, i: usize) -> Option<&str> {
        self.as_ref()[i].door_name.as_deref()
    }
    fn error_message(&self, i: usize) -> Option<&str> {
        self.as_ref()[i].error_message.as_deref()
    }
    fn reconcile_job_id(&self, i: usize) -> Option<i64> {
        self.as_ref()[i].reconcile_job_id
    }
    fn target(&self, i: usize) -> Option<&str> {
        self.as_ref()[i].facts.target.as_deref()
    }
    fn requested_ms(&self, i: usize) -> Option<NonZeroI64> {
        self.as_ref()[i].facts.requested_ms
    }
    fn odd(&self, i: usize) -> &[Oddity] {
        &self.as_ref()[i].odd
    }
    fn detached(&self, i: usize) -> bool {
        self.as_ref()[i].detached
    }
    fn row(&self, i: usize) -> Cow<'_, LogRow> {
        Cow::Borrowed(&self.as_ref()[i])
    }
}
