//! What comes back from the engine (`Msg::Acted`): each `ActResult` said,
//! shown in the dialog that asked for it — only that one, by its id: door
//! A's result never lands in door B's dialog opened meanwhile — or, its
//! dialog closed or replaced, said on the status line naming its target;
//! and the panes reloaded after a change.

use crate::app::requests::Asked;
use crate::app::{ActResult, App, Cmd, Dialog, Level, PreviewView};
use crate::engine::JobChange;
use crate::engine::jobs::RetrySummary;
use crate::engine::plan::Plan;

impl App {
    /// The engine's answer to an `ActRequest` (one function per kind of
    /// answer that does more than say it).
    pub(crate) fn acted(&mut self, id: u64, result: ActResult) -> Vec<Cmd> {
        let asked = self.requests.act_answered(id);
        // The dialog that asked, when it is still the one open.
        let mine = asked
            .as_ref()
            .and_then(|a| a.dialog)
            .is_some_and(|d| self.popups.dialog.as_ref().and_then(Dialog::id) == Some(d));
        // `door 2: `: what a status message starts with (nothing for an
        // answer nobody asked for, which no real run sends).
        let on = asked.map_or(String::new(), |a: Asked| format!("{}: ", a.target));
        let mut refresh = true;
        match result {
            ActResult::Job(Ok(JobChange::Done { job, status })) => {
                self.pin_acted_on(job, &status);
                self.say(Level::Info, format!("job #{job} is now {status}"))
            }
            ActResult::Job(Ok(JobChange::Changed { job, now })) => {
                self.pin_acted_on(job, &now);
                self.say(
                    Level::Warn,
                    format!("job #{job} changed meanwhile (it is {now} now): nothing was done"),
                )
            }
            ActResult::Job(Err(e)) => self.say(Level::Error, e.0),
            ActResult::Count(r) => {
                refresh = false;
                self.counted(r, mine);
            }
            ActResult::RetriedAll(Ok((done, changed))) => {
                self.say(Level::Info, format!("{done} jobs re-enqueued; {changed} had changed meanwhile and were left alone"));
            }
            ActResult::RetriedAllSkipped(sum, skipped) => self.retried_all_skipped(sum, skipped),
            ActResult::RetriedGroup(sum) => self.group_retried(sum, mine),
            ActResult::RetriedAll(Err(e)) => self.say(Level::Error, e),
            ActResult::Enqueued(Err(e)) => self.say(Level::Error, format!("{on}{e}")),
            ActResult::Held(h) => {
                refresh = false;
                self.held(h, mine, &on);
            }
            ActResult::Failed(e) => self.act_failed(e, mine),
            ActResult::Enqueued(Ok(job)) => {
                if mine {
                    self.popups.dialog = None;
                }
                self.say(
                    Level::Info,
                    format!("{on}drift enforcement queued as job #{job}: the worker will run it"),
                );
            }
            ActResult::Preview(r) => {
                refresh = false;
                self.previewed(r, mine, &on);
            }
            ActResult::PlanChanged(plan) => self.plan_changed(*plan, mine, &on),
            ActResult::Enforced(r) => self.enforced(r, mine, &on),
        }
        if !refresh {
            return Vec::new();
        }
        // Show the change: every pane holding data reloads.
        self.reload_after_change()
    }

    /// How many jobs retry-all would retry, into its confirmation (closed
    /// meanwhile: a count nobody waits for is dropped, its error said).
    fn counted(
        &mut self,
        r: Result<(Vec<super::changes::RetryableJob>, bool), String>,
        mine: bool,
    ) {
        match (r, &mut self.popups.dialog) {
            (
                Ok((jobs, capped)),
                Some(Dialog::RetryAll {
                    jobs: slot, more, ..
                }),
            ) if mine => {
                *slot = Some(jobs);
                *more = capped;
            }
            (Err(e), _) => {
                if mine {
                    self.popups.dialog = None;
                }
                self.say(Level::Error, e);
            }
            _ => {}
        }
    }

    /// A group retry's summary, in its dialog (with the skipped jobs an
    /// override may retry) and said.
    fn group_retried(&mut self, sum: RetrySummary, mine: bool) {
        let line = sum.line();
        let level = if sum.failed.is_empty() && sum.changed.is_empty() {
            Level::Info
        } else {
            Level::Warn
        };
        if let (true, Some(Dialog::RetryGroup(d))) = (mine, &mut self.popups.dialog) {
            d.running = false;
            d.typed.clear();
            d.skipped = d
                .guards
                .iter()
                .filter(|g| sum.skipped.iter().any(|s| s.0 == g.job))
                .cloned()
                .collect();
            d.outcome = Some(if d.skipped.is_empty() {
                line.clone()
            } else {
                format!(
                    "{line} — type `{}` and Enter to retry the {} skipped anyway",
                    super::OVERRIDE_WORD,
                    d.skipped.len()
                )
            });
        }
        self.say(level, format!("group retry: {line}"));
    }

    /// The action's task failed inside lockdesk: its dialog stops waiting.
    fn act_failed(&mut self, e: String, mine: bool) {
        match &mut self.popups.dialog {
            Some(Dialog::Drift(d)) if mine => {
                d.running = false;
                d.typed.clear();
                d.error = Some(e.clone());
            }
            Some(Dialog::RetryAll { jobs: None, .. }) if mine => self.popups.dialog = None,
            Some(Dialog::RetryGroup(d)) if mine => {
                d.running = false;
                d.outcome = Some(format!("failed: {e}"));
            }
            _ => {}
        }
        self.say(Level::Error, e);
    }

    /// A drift plan, into its dialog if it is still the door and mode asked
    /// (a plan for a dialog gone is a look nobody waits for: dropped, but
    /// what the preview settled of interrupted changes is said).
    fn previewed(&mut self, r: Result<PreviewView, String>, mine: bool, on: &str) {
        match (&mut self.popups.dialog, r) {
            (Some(Dialog::Drift(d)), Ok(p))
                if mine
                    && p.door_id == d.door_id
                    && p.plan.as_ref().map_or(true, |x| x.input.mode == d.mode) =>
            {
                d.preview = Some(p)
            }
            (Some(Dialog::Drift(d)), Err(e)) if mine => d.error = Some(e),
            (_, Ok(p)) if !p.interrupted.is_empty() => {
                let done = p.interrupted.join("; ");
                self.say(Level::Warn, format!("{on}{done}"));
            }
            _ => {}
        }
    }

    /// The lock changed since its plan was shown: the new plan, nothing run.
    fn plan_changed(&mut self, plan: Plan, mine: bool, on: &str) {
        const WHY: &str = "the lock changed since this plan was shown: nothing was changed";
        match &mut self.popups.dialog {
            Some(Dialog::Drift(d)) if mine => {
                d.running = false;
                d.typed.clear();
                d.error = Some(format!("{WHY}. Here is the new plan."));
                if let Some(p) = &mut d.preview {
                    p.plan = Ok(plan);
                }
            }
            _ => self.say(
                Level::Warn,
                format!(
                    "{on}drift enforcement: {WHY}; open its drift dialog again for the new plan"
                ),
            ),
        }
    }

    /// A finished drift run: in its dialog, or (closed or replaced
    /// meanwhile) a popup named after its door, and said.
    fn enforced(&mut self, r: Result<(String, Option<Plan>), String>, mine: bool, on: &str) {
        if let (true, Some(Dialog::Drift(d))) = (mine, &mut self.popups.dialog) {
            d.running = false;
            d.typed.clear();
            match r {
                Ok((msg, remaining)) => {
                    d.outcome = Some(msg);
                    d.remaining = remaining;
                }
                Err(e) => d.error = Some(e),
            }
        } else {
            // The dialog was closed while the run went on: the
            // result still comes back where it is seen.
            let (level, text, remaining) = match r {
                Ok((msg, remaining)) => (Level::Info, msg, remaining),
                Err(e) => (Level::Error, e, None),
            };
            let value = serde_json::json!({
                "result": text,
                "drift_remaining": remaining.map(|p| p.summary_json()),
            });
            self.open_json(format!("{on}drift enforcement result"), &value);
            self.say(level, format!("{on}drift enforcement: {text}"));
        }
    }
}
