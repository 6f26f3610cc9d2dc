//! What comes back from the engine (`Msg::Acted`): each `ActResult` said,
//! shown in its dialog, and the panes reloaded after a change.

use crate::app::{ActResult, App, Cmd, Dialog, Level, PreviewView};
use crate::engine::JobChange;
use crate::engine::jobs::RetrySummary;
use crate::engine::plan::Plan;

impl App {
    /// The engine's answer to an `ActRequest` (one function per kind of
    /// answer that does more than say it).
    pub(crate) fn acted(&mut self, _id: u64, result: ActResult) -> Vec<Cmd> {
        self.requests.acted();
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
                self.counted(r);
            }
            ActResult::RetriedAll(Ok((done, changed))) => {
                self.say(Level::Info, format!("{done} jobs re-enqueued; {changed} had changed meanwhile and were left alone"));
            }
            ActResult::RetriedAllSkipped(sum, skipped) => self.retried_all_skipped(sum, skipped),
            ActResult::RetriedGroup(sum) => self.group_retried(sum),
            ActResult::RetriedAll(Err(e)) | ActResult::Enqueued(Err(e)) => {
                self.say(Level::Error, e)
            }
            ActResult::Held(h) => {
                refresh = false;
                self.held(h);
            }
            ActResult::Failed(e) => self.act_failed(e),
            ActResult::Enqueued(Ok(job)) => {
                self.popups.dialog = None;
                self.say(
                    Level::Info,
                    format!("drift enforcement queued as job #{job}: the worker will run it"),
                );
            }
            ActResult::Preview(r) => {
                refresh = false;
                self.previewed(r);
            }
            ActResult::PlanChanged(plan) => self.plan_changed(*plan),
            ActResult::Enforced(r) => self.enforced(r),
        }
        if !refresh {
            return Vec::new();
        }
        // Show the change: every pane holding data reloads.
        self.reload_after_change()
    }

    /// How many jobs retry-all would retry, into its confirmation.
    fn counted(&mut self, r: Result<(Vec<super::changes::RetryableJob>, bool), String>) {
        match (r, &mut self.popups.dialog) {
            (
                Ok((jobs, capped)),
                Some(Dialog::RetryAll {
                    jobs: slot, more, ..
                }),
            ) => {
                *slot = Some(jobs);
                *more = capped;
            }
            (Err(e), _) => {
                self.popups.dialog = None;
                self.say(Level::Error, e);
            }
            _ => {}
        }
    }

    /// A group retry's summary, in its dialog (with the skipped jobs an
    /// override may retry) and said.
    fn group_retried(&mut self, sum: RetrySummary) {
        let line = sum.line();
        let level = if sum.failed.is_empty() && sum.changed.is_empty() {
            Level::Info
        } else {
            Level::Warn
        };
        if let Some(Dialog::RetryGroup(d)) = &mut self.popups.dialog {
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
    fn act_failed(&mut self, e: String) {
        match &mut self.popups.dialog {
            Some(Dialog::Drift(d)) => {
                d.running = false;
                d.typed.clear();
                d.error = Some(e.clone());
            }
            Some(Dialog::RetryAll { jobs: None, .. }) => self.popups.dialog = None,
            Some(Dialog::RetryGroup(d)) => {
                d.running = false;
                d.outcome = Some(format!("failed: {e}"));
            }
            _ => {}
        }
        self.say(Level::Error, e);
    }

    /// A drift plan, into its dialog if it is still the door and mode asked.
    fn previewed(&mut self, r: Result<PreviewView, String>) {
        if let Some(Dialog::Drift(d)) = &mut self.popups.dialog {
            match r {
                Ok(p)
                    if p.door_id == d.door_id
                        && p.plan.as_ref().map_or(true, |x| x.input.mode == d.mode) =>
                {
                    d.preview = Some(p)
                }
                Ok(_) => {}
                Err(e) => d.error = Some(e),
            }
        }
    }

    /// The lock changed since its plan was shown: the new plan, nothing run.
    fn plan_changed(&mut self, plan: Plan) {
        if let Some(Dialog::Drift(d)) = &mut self.popups.dialog {
            d.running = false;
            d.typed.clear();
            d.error = Some("the lock changed since this plan was shown: nothing was changed. Here is the new plan.".into());
            if let Some(p) = &mut d.preview {
                p.plan = Ok(plan);
            }
        }
    }

    /// A finished drift run: in its dialog, or (closed meanwhile) a popup.
    fn enforced(&mut self, r: Result<(String, Option<Plan>), String>) {
        if let Some(Dialog::Drift(d)) = &mut self.popups.dialog {
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
            self.open_json("drift enforcement result".into(), &value);
            self.say(level, format!("drift enforcement: {text}"));
        }
    }
}
