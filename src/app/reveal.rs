//! `:reveal 10m REASON`: for a while, the next `y` copies one value unmasked
//! (never the screen). The value is read again from the database and the
//! reveal recorded in `app_audit` before the copy is made; then it is spent.

use chrono::Duration;

use crate::app::{App, Cmd, Level, Overlay};
use crate::keys::Action;
use crate::store::reveal::{RevealOf, Unmasked};

/// The longest a reveal stays armed.
pub const MAX_REVEAL: Duration = Duration::hours(1);

impl App {
    pub(crate) fn arm_reveal(&mut self, duration: Duration, reason: String) {
        self.write.arm_reveal(self.now(), duration, reason);
        self.say(
            Level::Warn,
            format!(
                "reveal for {}: the next y copies one value unmasked, recorded in app_audit as {}",
                crate::timefmt::age(duration),
                self.write.operator_name()
            ),
        );
    }

    /// A copy key while a reveal is armed: `y` on a row or a value reveals
    /// it (and spends the reveal); anything else copies masked as always.
    pub(crate) fn reveal_copy(&mut self, action: Action) -> Option<Vec<Cmd>> {
        let (until, reason) = self.write.armed_reveal(self.now())?;
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
        self.write.spend_reveal();
        self.requests.reveal();
        self.say(Level::Warn, format!("revealing {} …", of.describe()));
        Some(vec![Cmd::Reveal {
            of,
            reason,
            operator: self.write.operator_name().to_string(),
            until,
        }])
    }

    /// The row (or log column) that `y` copies here.
    fn reveal_source(&self) -> Option<RevealOf> {
        if let Some(o) = self.popups.overlays.last() {
            return match o {
                Overlay::Json(j) => j.reveal.clone(),
                Overlay::Diff(d) => Some(RevealOf::Audit(d.row.id)),
                Overlay::Picker(_) => None,
            };
        }
        self.selected()?.reveals()
    }

    /// The reveal's answer: copy the text, or say why nothing was copied.
    pub(crate) fn revealed(
        &mut self,
        result: Result<(String, Unmasked), crate::store::reveal::NotRevealed>,
    ) -> Vec<Cmd> {
        self.requests.acted();
        match result {
            Ok((what, Unmasked(text))) => vec![Cmd::CopyUnmasked {
                text,
                what: format!("{what} UNMASKED (recorded in app_audit)"),
            }],
            Err(e) => {
                // Refused before anything was read out: still armed.
                if let Some(r) = e.rearm {
                    self.write.rearm_reveal(r);
                }
                self.say(Level::Error, e.message);
                Vec::new()
            }
        }
    }
}
