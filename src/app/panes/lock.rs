//! The per-lock pane: the broker's logs for one lock merged with the
//! provider's own audit trail of it, newest first.

use chrono::{DateTime, Duration, Utc};

use crate::app::{App, Cmd, Query, Scroll, Slot};
use crate::lockkey::LockKey;
use crate::providers::LockEvent;
use crate::store::queries::Door;
use crate::store::traces::LogRow;

#[derive(Debug, Default)]
pub struct LockState {
    pub lock_key: Option<String>,
    pub door: Option<Door>,
    pub logs: Vec<LogRow>,
    pub scroll: Scroll,
    pub text: String,
    pub loading: bool,
    pub error: Option<String>,
    /// The provider's own audit trail for the lock, loaded on its own.
    pub trail: Trail,
    /// When the logs were read (the pane does not poll).
    pub loaded_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Who else is acting on the lock, its device state (with the logs).
    pub acting: Option<crate::app::Acting>,
    /// Set while the pane lists a database search's logs (`S`), in words.
    pub db_search: Option<String>,
}

/// The lock's own audit trail, as its provider reports it.
#[derive(Debug, Default)]
pub struct Trail {
    pub loading: bool,
    pub events: Vec<LockEvent>,
    pub error: Option<String>,
    /// The lock's clock minus the console's, when the provider can tell.
    pub clock_skew: Option<Duration>,
    pub provider: Option<String>,
}

impl Trail {
    /// How a provider's failure is shown: in the trail's own part of the
    /// pane, the broker's logs beside it.
    pub(crate) fn failed(&mut self, message: String) {
        self.loading = false;
        self.error = Some(message);
    }
}

/// One row of the per-lock pane: a broker log or a provider event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockRow {
    Log(usize),
    Event(usize),
}

impl LockState {
    /// How a failed load is shown: in the pane, in place of its rows.
    pub(crate) fn failed(&mut self, message: String) {
        self.loading = false;
        self.error = Some(message);
    }

    pub(crate) fn selected(&self) -> Option<crate::app::Selected> {
        use crate::app::Selected;
        Some(match *self.visible().get(self.scroll.selected)? {
            LockRow::Log(i) => Selected::Log(self.logs[i].clone()),
            LockRow::Event(i) => Selected::LockEvent {
                event: self.trail.events[i].clone(),
                provider: self.trail.provider.clone().unwrap_or_default(),
            },
        })
    }

    /// Broker logs and provider events merged, newest first, filtered.
    pub fn visible(&self) -> Vec<LockRow> {
        let t = self.text.to_lowercase();
        let mut rows: Vec<(DateTime<Utc>, LockRow)> = Vec::new();
        for (i, l) in self.logs.iter().enumerate() {
            let hit = t.is_empty()
                || l.action.to_lowercase().contains(&t)
                || l.error_message
                    .as_deref()
                    .is_some_and(|e| e.to_lowercase().contains(&t))
                || l.correlation_id
                    .as_deref()
                    .is_some_and(|c| c.starts_with(&t))
                || l.reconcile_job_id.is_some_and(|j| j.to_string() == t)
                || (t == "failed" && crate::intents::failed(l));
            if hit {
                rows.push((l.created_at, LockRow::Log(i)));
            }
        }
        for (i, e) in self.trail.events.iter().enumerate() {
            let hit = t.is_empty()
                || e.kind.to_lowercase().contains(&t)
                || e.who
                    .as_deref()
                    .is_some_and(|w| w.to_lowercase().contains(&t))
                || (t == "failed" && !e.success);
            if hit {
                rows.push((e.at, LockRow::Event(i)));
            }
        }
        rows.sort_by_key(|r| std::cmp::Reverse(r.0));
        rows.into_iter().map(|(_, r)| r).collect()
    }
}

impl App {
    /// Who else is acting on a provider's lock, and its kept device state
    /// (with the pane's logs; the broker's own steps have neither).
    pub(crate) fn load_lock_acting(&mut self, key: &str) -> Vec<Cmd> {
        if !LockKey::parse(key).is_some_and(|k| k.is_provider_lock()) {
            return Vec::new();
        }
        self.reload(
            Slot::Acting,
            Query::Acting(crate::app::ActingOf::Lock(key.to_string())),
        )
    }

    /// Asks the lock's provider for its own audit trail (the last 7 days).
    pub(crate) fn load_trail(&mut self, key: &str) -> Vec<Cmd> {
        let Some(LockKey {
            provider,
            external_id,
        }) = LockKey::parse(key).filter(LockKey::is_provider_lock)
        else {
            return Vec::new();
        };
        self.panes.lock.trail = Trail {
            loading: true,
            provider: Some(provider.to_string()),
            ..Trail::default()
        };
        let customer = self
            .panes
            .lock
            .door
            .as_ref()
            .and_then(|d| d.integration_customer_id);
        self.reload(
            Slot::LockTrail,
            Query::LockTrail {
                provider: provider.to_string(),
                customer,
                external_id: external_id.to_string(),
                from: self.now() - Duration::days(7),
                to: self.now(),
            },
        )
    }
}
