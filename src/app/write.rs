//! Write mode: read-only by default, `--write` or `:write 15m REASON` to
//! allow changes for a while, and who the operator is for the audit trail.

use chrono::Duration;

use crate::app::{App, Level};
use crate::engine::Operator;

/// What a change outside write mode gets: nothing is sent, and how to elevate.
pub const READ_ONLY_REFUSAL: &str = "read-only session: nothing was sent. Type :write 15m REASON to allow changes for 15 minutes (or start lockdesk with --write --reason TEXT)";

impl App {
    pub fn can_write(&self) -> bool {
        self.write_until.is_some_and(|t| t > self.now)
    }

    /// `WRITE`, `WRITE 14m left`, or `READ-ONLY`, for the status bar.
    pub fn mode_label(&self) -> String {
        match self.write_until {
            Some(t) if t > self.now && t > self.now + Duration::days(3650) => "WRITE".into(),
            Some(t) if t > self.now => format!("WRITE {} left", crate::timefmt::age(t - self.now)),
            _ => "READ-ONLY".into(),
        }
    }

    /// `:write 15m INC-1234`: changes allowed for a while, with a reason.
    /// Allows changes for `duration` (checked by the parser: at most 8h).
    pub(crate) fn elevate(&mut self, duration: Duration, reason: String) {
        self.write_until = self.now.checked_add_signed(duration);
        self.say(
            Level::Warn,
            format!(
                "write mode for {}: every change is audited as {} ({reason})",
                crate::timefmt::age(duration),
                self.operator,
            ),
        );
        self.write_reason = Some(reason);
    }

    /// Refuses a change outside write mode before anything is sent (Postgres
    /// would refuse it too, as the second guard): true when refused.
    pub(crate) fn refuse_read_only(&mut self) -> bool {
        if self.can_write() {
            return false;
        }
        self.say(Level::Warn, READ_ONLY_REFUSAL);
        true
    }

    pub(crate) fn operator(&self) -> Operator {
        Operator {
            name: self.operator.clone(),
            reason: self.write_reason.clone(),
            write: self.can_write(),
            source: "console",
        }
    }
}
