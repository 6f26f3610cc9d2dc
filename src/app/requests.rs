//! The requests in flight: request ids, the newest load of each slot (an
//! older answer is dropped), the changes not yet answered, and whether the
//! database answers at all.

use std::collections::HashMap;

use crate::app::{Query, Slot};

#[derive(Debug, Default)]
pub struct Requests {
    next_id: u64,
    pending: HashMap<Slot, (u64, Query)>,
    /// Changes and reveals sent and not yet answered.
    acting: usize,
    /// Each action in flight: who asked and what about (`acted` answers it
    /// into the dialog that asked, or says it naming its target).
    asked: HashMap<u64, Asked>,
    /// Set while the database cannot be reached; cleared by the next success.
    pub(in crate::app) db_lost: Option<String>,
    /// `q` (or a quit confirmed): the loop ends the session.
    pub(in crate::app) quit: bool,
    /// When each pending load started (`spinner`).
    pub(in crate::app) waits: crate::app::spinner::Waits,
}

impl Requests {
    /// A new load in `slot`: its id, and the id of the one it supersedes.
    pub(in crate::app) fn load(&mut self, slot: Slot, query: Query) -> (u64, Option<u64>) {
        self.next_id += 1;
        let old = self.pending.insert(slot, (self.next_id, query));
        (self.next_id, old.map(|(id, _)| id))
    }

    /// The query in flight in `slot`, if any.
    /// Drops what is in flight in `slot`: its answer, when it comes, is
    /// not the newest and is dropped. Its id, to cancel it on the server.
    pub(in crate::app) fn forget(&mut self, slot: Slot) -> Option<u64> {
        self.pending.remove(&slot).map(|(id, _)| id)
    }

    pub(in crate::app) fn pending(&self, slot: Slot) -> Option<&(u64, Query)> {
        self.pending.get(&slot)
    }

    /// Every pending load: its slot and id.
    pub(in crate::app) fn pending_ids(&self) -> Vec<(Slot, u64)> {
        self.pending.iter().map(|(s, (id, _))| (*s, *id)).collect()
    }

    /// The loads the operator waits on: not the queue's 2-second refresh,
    /// which runs on the timer whatever the operator does (a spinner on it
    /// would let Esc cancel it every 2 s on a slow database).
    pub(in crate::app) fn foreground_ids(&self) -> Vec<(Slot, u64)> {
        self.pending
            .iter()
            .filter(|(_, (_, q))| {
                !matches!(
                    q,
                    Query::Jobs {
                        mode: crate::app::JobsLoad::Refresh,
                        ..
                    }
                )
            })
            .map(|(s, (id, _))| (*s, *id))
            .collect()
    }

    /// The answer `id` in `slot`: its query when it is the newest, else `None`
    /// (a superseded answer, to drop).
    pub(in crate::app) fn answered(&mut self, slot: Slot, id: u64) -> Option<Query> {
        match self.pending.get(&slot) {
            Some((want, _)) if *want == id => self.pending.remove(&slot).map(|(_, q)| q),
            _ => None,
        }
    }

    /// A change sent, and who asked: its id.
    pub(in crate::app) fn act(&mut self, asked: Asked) -> u64 {
        self.next_id += 1;
        self.acting += 1;
        self.asked.insert(self.next_id, asked);
        self.next_id
    }

    /// A fresh id for a dialog that sends actions (never an id a request has).
    pub(in crate::app) fn dialog_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// The action `id` answered: who asked it (`None`: an id never sent).
    pub(in crate::app) fn act_answered(&mut self, id: u64) -> Option<Asked> {
        self.acted();
        self.asked.remove(&id)
    }

    /// A reveal sent (it has no id of its own).
    pub(in crate::app) fn reveal(&mut self) {
        self.acting += 1;
    }

    /// A change or reveal answered.
    pub(in crate::app) fn acted(&mut self) {
        self.acting = self.acting.saturating_sub(1);
    }

    /// Changes and reveals still waiting for an answer.
    pub fn acting(&self) -> usize {
        self.acting
    }

    /// Every request still waiting for an answer.
    pub fn in_flight(&self) -> usize {
        self.pending.len() + self.acting
    }
}

/// Who sent an action, and what it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asked {
    /// The dialog open when it was sent (a dialog takes every key, so an
    /// action sent while one is open is that dialog's), by its id.
    pub dialog: Option<u64>,
    /// Its target in words (`door 2`, `job #72`), for a status message
    /// when its dialog has closed or been replaced.
    pub target: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_newer_load_supersedes_and_only_its_answer_counts() {
        let mut r = Requests::default();
        let (a, none) = r.load(Slot::Audit, Query::Doors);
        let (b, old) = r.load(Slot::Audit, Query::Doors);
        assert_eq!((none, old), (None, Some(a)));
        assert_eq!(r.answered(Slot::Audit, a), None);
        assert_eq!(r.in_flight(), 1);
        assert_eq!(r.answered(Slot::Audit, b), Some(Query::Doors));
        assert_eq!(r.in_flight(), 0);
    }

    #[test]
    fn changes_count_until_answered_and_ids_never_repeat() {
        let mut r = Requests::default();
        let (load, _) = r.load(Slot::Jobs, Query::Doors);
        let asked = Asked {
            dialog: None,
            target: "job #1".into(),
        };
        let act = r.act(asked.clone());
        r.reveal();
        assert!(act > load);
        assert!(r.dialog_id() > act);
        assert_eq!((r.acting(), r.in_flight()), (2, 3));
        assert_eq!(r.act_answered(act), Some(asked));
        r.acted();
        assert_eq!(r.act_answered(act), None, "answered once");
        assert_eq!(r.acting(), 0);
    }
}
