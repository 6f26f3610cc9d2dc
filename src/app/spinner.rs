//! A load that takes longer than `SLOW` shows a spinner with what it waits
//! for and that Esc cancels it. Its time comes from the messages (each
//! `Tick`, and the `Beat` the terminal sends ten times a second while
//! something is in flight), never from a clock read here.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};

use crate::app::{App, Cmd, LoadError, Slot};

/// How long a load runs before the spinner shows.
pub fn slow() -> Duration {
    Duration::milliseconds(300)
}

/// When each pending load started, on the machine's clock as the messages
/// tell it.
#[derive(Debug, Default)]
pub struct Waits {
    /// The newest time a message brought.
    local: Option<DateTime<Utc>>,
    /// Per slot: the load's id and when it was first seen pending.
    since: HashMap<Slot, (u64, DateTime<Utc>)>,
}

/// What a slot's load waits for, in words; `None` for the reads beside a
/// pane's own (the counts, who else acts), which never hold the operator up.
pub fn waiting_for(slot: Slot) -> Option<&'static str> {
    Some(match slot {
        Slot::Jobs => "the job queue",
        Slot::Groups => "the error groups",
        Slot::Audit => "the audit rows",
        Slot::Lock => "the lock's logs",
        Slot::LockTrail => "the provider's audit trail",
        Slot::User => "the user",
        Slot::UserPins => "her PINs door by door",
        Slot::UserFind => "the users matching",
        Slot::Trace => "the trace",
        Slot::Doors => "the doors",
        Slot::JobLogs => "the job's logs",
        Slot::DbSearch => "the database search",
        // Timer reads (the Pulse refreshes with the counts) never spin.
        // A big trace's payload pages are read beside the pane, which says
        // so on the log itself.
        Slot::JobCounts | Slot::Acting | Slot::Pulse | Slot::TracePayloads => return None,
    })
}

impl App {
    /// A time from the terminal: pending loads not yet timed start now.
    pub(crate) fn time_loads(&mut self, local: DateTime<Utc>) {
        let pending: Vec<(Slot, u64)> = self.requests.foreground_ids();
        let w = &mut self.requests.waits;
        w.local = Some(local);
        w.since
            .retain(|slot, (id, _)| pending.contains(&(*slot, *id)));
        for (slot, id) in pending {
            w.since.entry(slot).or_insert((id, local));
        }
    }

    /// The load that has waited longest, when over `slow()`: what it waits
    /// for, and how long.
    pub fn slow_load(&self) -> Option<(&'static str, Duration)> {
        let w = &self.requests.waits;
        let now = w.local?;
        self.requests
            .pending_ids()
            .into_iter()
            .filter_map(|(slot, id)| {
                let what = waiting_for(slot)?;
                let &(started_id, since) = w.since.get(&slot)?;
                (started_id == id).then(|| (what, now.signed_duration_since(since)))
            })
            .filter(|(_, waited)| *waited > slow())
            .max_by_key(|(_, waited)| *waited)
    }

    /// Esc while the spinner shows: every slow load is cancelled (on the
    /// server too) and its pane says so, as a failed load would.
    pub(crate) fn cancel_slow_loads(&mut self) -> Option<Vec<Cmd>> {
        self.slow_load()?;
        let now = self.requests.waits.local?;
        let slow: Vec<(Slot, u64)> = self
            .requests
            .pending_ids()
            .into_iter()
            .filter(|(slot, id)| {
                waiting_for(*slot).is_some()
                    && self
                        .requests
                        .waits
                        .since
                        .get(slot)
                        .is_some_and(|&(i, since)| {
                            i == *id && now.signed_duration_since(since) > slow()
                        })
            })
            .collect();
        let mut cmds = Vec::new();
        for (slot, id) in slow {
            cmds.push(Cmd::Cancel { slot, id });
            let what = waiting_for(slot).unwrap_or("the load");
            cmds.extend(self.loaded(
                slot,
                id,
                Err(LoadError {
                    message: format!("cancelled with Esc while waiting for {what}"),
                    connection_lost: false,
                }),
            ));
        }
        Some(cmds)
    }
}
