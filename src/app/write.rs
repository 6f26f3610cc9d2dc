//! Write mode: read-only by default; `--write`, the reason prompt or
//! `:write 15m REASON` allow changes (all through `WriteMode::enable`), with
//! who the operator is for the audit trail, and `:reveal`'s armed window.

use chrono::{DateTime, Duration, Utc};

use crate::app::{App, Level};
use crate::engine::Operator;
use crate::engine::plan::Mode;

/// What a change outside write mode gets: nothing is sent, and how to elevate.
pub const READ_ONLY_REFUSAL: &str = "read-only session: nothing was sent. Type :write 15m REASON to allow changes for 15 minutes (or start lockdesk with --write --reason TEXT)";

/// How a session starts: read-only, writing (`--write --reason`), or asking
/// for the reason first (`--write` alone).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum WriteStart {
    #[default]
    ReadOnly,
    Write {
        reason: String,
    },
    AskReason,
}

#[derive(Debug)]
pub struct WriteMode {
    /// Changes are allowed until then (`--write`: forever; `:write 15m`).
    until: Option<DateTime<Utc>>,
    reason: Option<String>,
    /// `:reveal 10m REASON`: the next `y` copies one value unmasked, until then.
    reveal: Option<(DateTime<Utc>, String)>,
    /// Who the operator is, for the audit trail.
    operator: String,
    /// The drift mode a plan starts in (config; `standard`).
    default_mode: Mode,
}

impl WriteMode {
    pub fn new(operator: String, default_mode: Mode) -> WriteMode {
        WriteMode {
            until: None,
            reason: None,
            reveal: None,
            operator,
            default_mode,
        }
    }

    /// The one way into write mode: for `duration` from `now` (`:write`), or
    /// for the whole session (`None`: `--write`, the reason prompt). Returns
    /// what the status line says about it.
    pub fn enable(
        &mut self,
        now: DateTime<Utc>,
        duration: Option<Duration>,
        reason: String,
    ) -> String {
        let (until, window) = match duration {
            Some(d) => (
                now.checked_add_signed(d),
                format!(" for {}", crate::timefmt::age(d)),
            ),
            None => (Some(DateTime::<Utc>::MAX_UTC), String::new()),
        };
        self.until = until;
        let said = format!(
            "write mode{window}: every change is audited as {} ({reason})",
            self.operator
        );
        self.reason = Some(reason);
        said
    }

    /// `:read-only`: back to no changes.
    pub fn disable(&mut self) {
        self.until = None;
    }

    /// A write window ends on the database's clock, as it was set: true
    /// when it just ended.
    pub fn expire(&mut self, now: DateTime<Utc>) -> bool {
        let ended = self.until.is_some_and(|t| t <= now);
        if ended {
            self.until = None;
        }
        ended
    }

    pub fn can_write(&self, now: DateTime<Utc>) -> bool {
        self.until.is_some_and(|t| t > now)
    }

    /// `WRITE`, `WRITE 14m left`, or `READ-ONLY`, for the status bar.
    pub fn label(&self, now: DateTime<Utc>) -> String {
        match self.until {
            Some(t) if t > now && t > now + Duration::days(3650) => "WRITE".into(),
            Some(t) if t > now => format!("WRITE {} left", crate::timefmt::age(t - now)),
            _ => "READ-ONLY".into(),
        }
    }

    pub fn operator_name(&self) -> &str {
        &self.operator
    }

    pub fn default_mode(&self) -> Mode {
        self.default_mode
    }

    /// The operator as the engine records them.
    pub fn operator(&self, now: DateTime<Utc>) -> Operator {
        Operator {
            name: self.operator.clone(),
            reason: self.reason.clone(),
            write: self.can_write(now),
            source: "console",
        }
    }

    #[cfg(test)]
    pub(in crate::app) fn reason(&self) -> Option<&str> {
        self.reason.as_deref()
    }

    pub(in crate::app) fn set_operator(&mut self, name: String) {
        self.operator = name;
    }

    /// Arms `:reveal` for `duration` from `now`.
    pub(in crate::app) fn arm_reveal(
        &mut self,
        now: DateTime<Utc>,
        duration: Duration,
        reason: String,
    ) {
        self.reveal = now.checked_add_signed(duration).map(|t| (t, reason));
    }

    /// An armed reveal that has not run out: its end and reason.
    pub(in crate::app) fn armed_reveal(
        &self,
        now: DateTime<Utc>,
    ) -> Option<(DateTime<Utc>, String)> {
        self.reveal
            .as_ref()
            .filter(|(until, _)| *until > now)
            .cloned()
    }

    /// A reveal is spent by the copy it makes.
    pub(in crate::app) fn spend_reveal(&mut self) {
        self.reveal = None;
    }

    /// A reveal refused before anything was read out is armed again.
    pub(in crate::app) fn rearm_reveal(&mut self, armed: (DateTime<Utc>, String)) {
        self.reveal = Some(armed);
    }
}

impl App {
    pub fn can_write(&self) -> bool {
        self.write.can_write(self.now())
    }

    /// `WRITE`, `WRITE 14m left`, or `READ-ONLY`, for the status bar.
    pub fn mode_label(&self) -> String {
        self.write.label(self.now())
    }

    /// `:write 15m INC-1234`, or the reason prompt (`None`: for the whole
    /// session): changes allowed, said on the status line.
    pub(crate) fn enable_write(&mut self, duration: Option<Duration>, reason: String) {
        let said = self.write.enable(self.now(), duration, reason);
        self.say(Level::Warn, said);
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
        self.write.operator(self.now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        crate::demo::world::fixed_now()
    }

    #[test]
    fn enable_for_a_while_then_it_ends() {
        let mut w = WriteMode::new("alice".into(), Mode::Standard);
        assert!(!w.can_write(now()));
        let said = w.enable(now(), Some(Duration::minutes(15)), "INC-1".into());
        assert_eq!(
            said,
            "write mode for 15m00s: every change is audited as alice (INC-1)"
        );
        assert_eq!(w.label(now()), "WRITE 15m00s left");
        assert!(!w.expire(now() + Duration::minutes(14)));
        assert!(w.expire(now() + Duration::minutes(15)));
        assert_eq!(w.label(now()), "READ-ONLY");
        assert_eq!(w.operator(now()).reason.as_deref(), Some("INC-1"));
    }

    #[test]
    fn enable_for_the_session_never_ends() {
        let mut w = WriteMode::new("alice".into(), Mode::Standard);
        let said = w.enable(now(), None, "INC-2".into());
        assert_eq!(said, "write mode: every change is audited as alice (INC-2)");
        assert_eq!(w.label(now()), "WRITE");
        assert!(w.operator(now()).write);
        w.disable();
        assert!(!w.can_write(now()));
    }

    #[test]
    fn a_reveal_is_armed_until_it_runs_out_or_is_spent() {
        let mut w = WriteMode::new("alice".into(), Mode::Standard);
        w.arm_reveal(now(), Duration::minutes(10), "why".into());
        assert!(w.armed_reveal(now() + Duration::minutes(9)).is_some());
        assert!(w.armed_reveal(now() + Duration::minutes(10)).is_none());
        let armed = w.armed_reveal(now()).expect("armed");
        w.spend_reveal();
        assert!(w.armed_reveal(now()).is_none());
        w.rearm_reveal(armed);
        assert!(w.armed_reveal(now()).is_some());
    }
}
