//! A held action (issue 28): the checks before a retry, a group retry or an
//! enforcement refused it (a device offline or its battery low, someone else
//! acting on the lock). The console shows why — who and since when, the
//! device's state and when it was last seen — and, when the hold may be
//! overridden, lets the operator type `override` to send it again with
//! `override_refusal`, which the engine records in the audit row.

use crate::app::{ActRequest, App, Cmd, Dialog};
use crate::engine::{Hold, jobs::RetryGuard};

/// The word that sends a held action anyway.
pub const OVERRIDE_WORD: &str = "override";

/// A hold, as the console shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct HoldView {
    /// "nothing was changed: …".
    pub why: String,
    pub overridable: bool,
    /// Each device as probed (`DeviceCheck::line`), then each one acting
    /// (`Actor::line`: who and since when).
    pub lines: Vec<String>,
    /// The same request with the override, when one may be typed.
    pub again: Option<Box<ActRequest>>,
}

impl HoldView {
    /// The engine's hold, and the request that was held.
    pub fn of(hold: Hold, held: &ActRequest) -> HoldView {
        let mut lines: Vec<String> = hold.checks.iter().map(|c| c.line()).collect();
        lines.extend(hold.others.iter().map(|a| a.line()));
        HoldView {
            again: hold
                .overridable
                .then(|| held.overridden().map(Box::new))
                .flatten(),
            why: hold.why,
            overridable: hold.overridable,
            lines,
        }
    }
}

/// The held-action dialog: the hold, and what has been typed.
#[derive(Debug, Clone, PartialEq)]
pub struct HeldDialog {
    pub hold: HoldView,
    pub typed: String,
}

impl ActRequest {
    /// The same request, overriding a device or acting refusal (for the
    /// requests that are checked: a retry, a group retry, an enforcement).
    pub fn overridden(&self) -> Option<ActRequest> {
        let mut r = self.clone();
        match &mut r {
            ActRequest::Retry { overriding, .. }
            | ActRequest::RetryGroup { overriding, .. }
            | ActRequest::DriftRun { overriding, .. } => *overriding = true,
            _ => return None,
        }
        Some(r)
    }
}

impl App {
    /// A hold came back: into the drift dialog that asked (typing
    /// `override` there instead of the door's name), else its own dialog —
    /// unless another dialog is open, which it never replaces: then it is
    /// said, naming its target (`on`), and the action may be asked again.
    pub(crate) fn held(&mut self, h: HoldView, mine: bool, on: &str) {
        match &mut self.popups.dialog {
            Some(Dialog::Drift(d)) if mine => {
                d.running = false;
                d.typed.clear();
                d.error = Some(held_words(&h));
                d.hold = Some(h);
                return;
            }
            Some(_) => {
                let why = &h.why;
                self.say(
                    crate::app::Level::Warn,
                    format!("{on}held: {why} (ask again to see why and override)"),
                );
                return;
            }
            None => {}
        }
        self.popups.dialog = Some(Dialog::Held(Box::new(HeldDialog {
            hold: h,
            typed: String::new(),
        })));
    }

    /// Enter in the held dialog: `override` sends it again; otherwise a
    /// hold that cannot be overridden closes.
    pub(crate) fn confirm_held(&mut self, d: &HeldDialog) -> Vec<Cmd> {
        match &d.hold.again {
            Some(again) if d.typed.trim() == OVERRIDE_WORD => {
                self.popups.dialog = None;
                self.act_cmd((**again).clone())
            }
            Some(_) => Vec::new(),
            None => {
                self.popups.dialog = None;
                Vec::new()
            }
        }
    }

    /// Enter in the drift dialog after a hold: `override` runs the plan.
    pub(crate) fn override_drift(&mut self) -> Option<Vec<Cmd>> {
        let Some(Dialog::Drift(d)) = &mut self.popups.dialog else {
            return None;
        };
        let again = d.hold.as_ref()?.again.clone()?;
        if d.typed.trim() != OVERRIDE_WORD {
            return None;
        }
        let cmds = self.act_cmd(*again);
        // Running only once it is sent: a refusal keeps the hold, and
        // `override` may be typed again (after `:write`).
        if let (false, Some(Dialog::Drift(d))) = (cmds.is_empty(), &mut self.popups.dialog) {
            d.hold = None;
            d.running = true;
            d.error = None;
        }
        Some(cmds)
    }

    /// `override` typed in the drift dialog of a lock its preview could not
    /// reach (an offline gateway, say): the plan is sent anyway, overriding,
    /// and the engine probes the device again and records its answer in the
    /// audit row as `device_override`.
    pub(crate) fn override_unreachable(
        &mut self,
        door: i64,
        mode: crate::engine::plan::Mode,
        plan: crate::engine::plan::Plan,
    ) -> Vec<Cmd> {
        let cmds = self.act_cmd(ActRequest::DriftRun {
            door,
            mode,
            plan: Box::new(plan),
            overriding: true,
        });
        if let (false, Some(Dialog::Drift(d))) = (cmds.is_empty(), &mut self.popups.dialog) {
            d.running = true;
            d.error = None;
        }
        cmds
    }

    /// A retry-all that skipped jobs for a refused device: its summary in
    /// the group retry's dialog, where typing `override` retries exactly the
    /// skipped jobs under their guards (`override_group`), each audited with
    /// `device_override`.
    pub(crate) fn retried_all_skipped(
        &mut self,
        sum: crate::engine::jobs::RetrySummary,
        skipped: Vec<RetryGuard>,
    ) {
        let line = sum.line();
        self.say(crate::app::Level::Warn, format!("retry all: {line}"));
        // Another dialog opened meanwhile is never replaced: the summary
        // said is enough (retry all again lists the skipped jobs).
        if self.popups.dialog.is_some() {
            return;
        }
        let id = self.requests.dialog_id();
        self.popups.dialog = Some(Dialog::RetryGroup(Box::new(crate::app::GroupRetryDialog {
            id,
            fingerprint: "the jobs retry-all listed".into(),
            meaning: None,
            guards: skipped.clone(),
            others: 0,
            typed: String::new(),
            running: false,
            outcome: Some(format!(
                "{line} — type `{OVERRIDE_WORD}` and Enter to retry the {} skipped anyway",
                skipped.len()
            )),
            skipped,
        })));
    }

    /// Enter on a group retry's summary that skipped offline devices:
    /// `override` retries exactly the skipped jobs, under their guards.
    pub(crate) fn override_group(&mut self) -> Option<Vec<Cmd>> {
        let Some(Dialog::RetryGroup(g)) = &mut self.popups.dialog else {
            return None;
        };
        if g.running || g.skipped.is_empty() || g.typed.trim() != OVERRIDE_WORD {
            return None;
        }
        let guards: Vec<RetryGuard> = g.skipped.clone();
        let fingerprint = g.fingerprint.clone();
        let cmds = self.act_cmd(ActRequest::RetryGroup {
            fingerprint,
            guards,
            overriding: true,
        });
        // Refused (write mode ended meanwhile: `act_cmd` said why): the
        // skipped jobs stay listed, for `override` again after `:write`.
        if let (false, Some(Dialog::RetryGroup(g))) = (cmds.is_empty(), &mut self.popups.dialog) {
            g.skipped.clear();
            g.typed.clear();
            g.running = true;
            g.outcome = None;
        }
        Some(cmds)
    }
}

/// The hold in a line: why, and how to go ahead where one may.
pub fn held_words(h: &HoldView) -> String {
    if h.again.is_some() {
        format!("{} — type `{OVERRIDE_WORD}` and Enter to go ahead", h.why)
    } else {
        h.why.clone()
    }
}

/// The drift dialog's refusal of a lock its preview could not reach, and
/// how to go ahead anyway.
pub fn unreachable_words() -> String {
    format!(
        "the lock cannot be reached now: leave it to the worker instead, or type `{OVERRIDE_WORD}` and Enter to send the plan anyway (recorded as device_override)"
    )
}
