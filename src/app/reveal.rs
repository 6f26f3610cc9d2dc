//! `:reveal 10m REASON`: for a while, the next `y` copies one value unmasked
//! (never the screen). The value is read again from the database and the
//! reveal recorded in `app_audit` before the copy is made; then it is spent.

use chrono::Duration;

use crate::app::{App, Cmd, Level, LockRow, Overlay, Pane, TraceItem};
use crate::keys::Action;
use crate::store::reveal::{RevealOf, Unmasked};

/// The longest a reveal stays armed.
pub const MAX_REVEAL: Duration = Duration::hours(1);

impl App {
    pub(crate) fn arm_reveal(&mut self, duration: Duration, reason: String) {
        self.reveal = self.now.checked_add_signed(duration).map(|t| (t, reason));
        self.say(
            Level::Warn,
            format!(
                "reveal for {}: the next y copies one value unmasked, recorded in app_audit as {}",
                crate::timefmt::age(duration),
                self.operator
            ),
        );
    }

    /// An armed reveal that has not run out: its end and reason.
    fn armed_reveal(&self) -> Option<(chrono::DateTime<chrono::Utc>, String)> {
        self.reveal
            .as_ref()
            .filter(|(until, _)| *until > self.now)
            .cloned()
    }

    /// A copy key while a reveal is armed: `y` on a row or a value reveals
    /// it (and spends the reveal); anything else copies masked as always.
    pub(crate) fn reveal_copy(&mut self, action: Action) -> Option<Vec<Cmd>> {
        let (until, reason) = self.armed_reveal()?;
        if action != Action::Copy {
            return None;
        }
        let Some(of) = self.reveal_source() else {
            self.say(
                Level::Info,
                "nothing here can be revealed: select a row, or open one",
            );
            return Some(Vec::new());
        };
        self.reveal = None;
        self.acting += 1;
        self.say(Level::Warn, format!("revealing {} …", of.describe()));
        Some(vec![Cmd::Reveal {
            of,
            reason,
            operator: self.operator.clone(),
            until,
        }])
    }

    /// The row (or log column) that `y` copies here.
    fn reveal_source(&self) -> Option<RevealOf> {
        if let Some(o) = self.overlays.last() {
            return match o {
                Overlay::Json(j) => j.reveal.clone(),
                Overlay::Diff(d) => Some(RevealOf::Audit(d.row.id)),
            };
        }
        match self.pane {
            Pane::Jobs => self.jobs.selected_job().map(|j| RevealOf::Job(j.id)),
            Pane::Trace => {
                let t = self.trace.trace.as_ref()?;
                match self.trace.items.get(self.trace.scroll.selected)? {
                    TraceItem::Audit(i) => Some(RevealOf::Audit(t.audit[*i].id)),
                    TraceItem::Job(i) => Some(RevealOf::Job(t.jobs[*i].id)),
                    TraceItem::GroupLog(i) | TraceItem::TimelineLog(i) => {
                        Some(RevealOf::Log(t.logs[*i].id))
                    }
                    _ => None,
                }
            }
            Pane::Locks => match self.lock.visible().get(self.lock.scroll.selected)? {
                LockRow::Log(i) => Some(RevealOf::Log(self.lock.logs[*i].id)),
                LockRow::Event(_) => None,
            },
            Pane::Audit => {
                let v = self.audit.visible();
                Some(RevealOf::Audit(
                    self.audit.rows[*v.get(self.audit.scroll.selected)?].id,
                ))
            }
            Pane::User => None,
        }
    }

    /// The reveal's answer: copy the text, or say why nothing was copied.
    pub(crate) fn revealed(
        &mut self,
        result: Result<(String, Unmasked), crate::store::reveal::NotRevealed>,
    ) -> Vec<Cmd> {
        self.acting = self.acting.saturating_sub(1);
        match result {
            Ok((what, Unmasked(text))) => vec![Cmd::CopyUnmasked {
                text,
                what: format!("{what} UNMASKED (recorded in app_audit)"),
            }],
            Err(e) => {
                // Refused before anything was read out: still armed.
                if let Some(r) = e.rearm {
                    self.reveal = Some(r);
                }
                self.say(Level::Error, e.message);
                Vec::new()
            }
        }
    }
}
