//! What the copy keys put on the clipboard: raw JSON, the whole row, a curl
//! command, Markdown for a ticket.

use serde_json::json;

use crate::app::{App, Cmd, Level, Overlay};
use crate::keys::Action;
use crate::store::traces::JobRow;

impl App {
    /// `b`: an incident bundle of the trace, job, lock or group under the
    /// cursor (else the open trace); the executor writes it and says where.
    pub(crate) fn bundle(&mut self) -> Vec<Cmd> {
        use crate::app::Selected;
        use crate::bundle::Target;
        let target = match self.selected() {
            Some(Selected::Job(j)) => Some(Target::Job(j.id)),
            Some(Selected::Group(g)) => Some(Target::Group(g.fingerprint.to_string())),
            Some(Selected::Lock(k)) => Some(Target::Lock(k)),
            Some(Selected::Trace(id)) => Some(Target::Trace(id)),
            Some(Selected::Log(l)) => l.correlation_id.map(Target::Trace),
            Some(Selected::Audit(a)) => a.correlation_id.map(Target::Trace),
            _ => None,
        }
        .or_else(|| {
            let t = self.panes.trace.trace.as_ref()?;
            Some(Target::Trace(t.correlation_id.clone()))
        });
        match target {
            Some(target) => {
                self.say(
                    Level::Info,
                    format!("writing a bundle of {}…", target.title()),
                );
                self.requests.reveal();
                vec![Cmd::Bundle { target }]
            }
            None => {
                self.say(
                    Level::Info,
                    "nothing to bundle here: select a trace, job, lock or group",
                );
                Vec::new()
            }
        }
    }

    pub(crate) fn copy(&mut self, action: Action) -> Vec<Cmd> {
        if let Some(cmds) = self.reveal_copy(action) {
            return cmds;
        }
        if self.popups.overlays.is_empty() {
            if let Some(why) = self.pane_copy_refused(action) {
                self.say(Level::Info, why);
                return Vec::new();
            }
        }
        let made = self.copy_text(action);
        match made {
            Some((text, what)) => vec![Cmd::Copy { text, what }],
            None => {
                let why = self.no_form(action);
                self.say(Level::Info, why);
                Vec::new()
            }
        }
    }

    /// Why a copy key copies nothing here, naming the forms that exist
    /// (`no curl for an audit row: here y copies its JSON, M Markdown`).
    pub(crate) fn no_form(&self, action: Action) -> String {
        use crate::app::Selected;
        let what = if let Some(o) = self.popups.overlays.last() {
            match o {
                Overlay::Picker(_) => "the picker".to_string(),
                _ => "this view".to_string(),
            }
        } else {
            match self.selected() {
                Some(Selected::Job(j)) => format!("job #{}", j.id),
                Some(Selected::Log(l))
                    if l.request_json.is_none() && action == Action::CopyCurl =>
                {
                    format!("log #{} (it logged no request)", l.id)
                }
                Some(Selected::Log(l)) => format!("log #{}", l.id),
                Some(Selected::Audit(a)) => format!("an audit row (#{})", a.id),
                Some(Selected::LockEvent { .. }) => "a provider event".to_string(),
                Some(Selected::Group(_)) => "an error group".to_string(),
                Some(Selected::Trace(_)) => "a trace link".to_string(),
                Some(Selected::Lock(_)) => "a door link".to_string(),
                None => "nothing selected".to_string(),
            }
        };
        let others: Vec<String> = COPY_FORMS
            .iter()
            .filter(|(a, _, _)| *a != action && self.copy_text(*a).is_some())
            .map(|(a, _, form)| format!("{} copies {form}", self.keys_for(*a)))
            .collect();
        let form = COPY_FORMS
            .iter()
            .find(|(a, _, _)| *a == action)
            .map_or("copy", |(_, f, _)| f);
        if others.is_empty() {
            format!("no {form} for {what}: nothing here has a copy")
        } else {
            format!("no {form} for {what}: here {}", others.join(", "))
        }
    }

    /// `M` on a row outside the queue's and the trace's own: the row as
    /// Markdown for a ticket; `None` where there is no such form.
    pub(crate) fn markdown_of(&self, s: &crate::app::Selected) -> Option<(String, String)> {
        use crate::app::Selected;
        let c = &self.clock.shown;
        match s {
            Selected::Job(j) => Some((self.job_markdown(j), format!("job #{} as Markdown", j.id))),
            Selected::Log(l) => Some((
                format!(
                    "**Log #{}** `{}` — {}\n\
                     - lock: {} · door: {}\n\
                     - provider: {} · at: {}\n\
                     - job: {} · correlation: `{}`\n",
                    l.id,
                    l.action,
                    if l.ok {
                        "ok".to_string()
                    } else {
                        format!("failed: {}", l.error_message.as_deref().unwrap_or("—"))
                    },
                    l.lock_key.as_deref().unwrap_or("—"),
                    l.door_name.as_deref().unwrap_or("—"),
                    l.provider_type.as_deref().unwrap_or("—"),
                    c.full(&l.created_at, None),
                    l.reconcile_job_id.map_or("—".into(), |j| format!("#{j}")),
                    l.correlation_id.as_deref().unwrap_or("—"),
                ),
                format!("log #{} as Markdown", l.id),
            )),
            Selected::Audit(a) => Some((
                format!(
                    "**Audit #{}** {} #{} `{}` by {} ({})\n\
                     - at: {} · correlation: `{}`\n",
                    a.id,
                    a.entity_type,
                    a.entity_id.map_or("—".into(), |e| e.to_string()),
                    a.action,
                    a.actor.as_deref().unwrap_or("?"),
                    a.source.as_deref().unwrap_or("—"),
                    c.full(&a.created_at, None),
                    a.correlation_id.as_deref().unwrap_or("—"),
                ),
                format!("audit row #{} as Markdown", a.id),
            )),
            _ => None,
        }
    }

    /// A big trace holds only some payloads: a copy that needs one it
    /// lacks says so instead of copying a log without its request.
    pub(crate) fn trace_copy_refused(&self, action: Action) -> Option<String> {
        let t = self.panes.trace.trace.as_ref()?;
        match action {
            Action::CopyMarkdown => None,
            Action::CopyAll if self.panes.trace.has_detached() => Some(format!(
                "this trace has {} logs, too many to copy whole: `lockdesk trace {} --json > trace.json` writes it",
                t.logs.len(),
                t.correlation_id
            )),
            Action::CopyAll => None,
            _ => self
                .panes
                .trace
                .selected_log()
                .filter(|l| l.detached)
                .map(|l| {
                    format!(
                        "log #{}: its payloads are still being read; copy again in a moment",
                        l.id
                    )
                }),
        }
    }

    pub(crate) fn copy_text(&self, action: Action) -> Option<(String, String)> {
        let pretty = crate::jsondoc::pretty;
        // In a popup, y and Y copy what it shows; C and M are forms of the
        // row it was opened from, the pane's selection.
        let own = matches!(action, Action::Copy | Action::CopyAll);
        if let Some(o) = self.popups.overlays.last().filter(|_| own) {
            return Some(match o {
                Overlay::Json(j) => (
                    j.copy.clone().unwrap_or_else(|| pretty(&j.value)),
                    j.title.clone(),
                ),
                Overlay::Diff(d) => (
                    diff_copy(&d.row),
                    format!(
                        "{} #{} before/after",
                        d.row.entity_type,
                        d.row.entity_id.unwrap_or_default()
                    ),
                ),
                Overlay::Picker(_) => return None,
            });
        }
        if matches!(self.popups.overlays.last(), Some(Overlay::Picker(_))) {
            return None;
        }
        self.pane_copy(action)
    }

    pub(crate) fn job_markdown(&self, j: &JobRow) -> String {
        let c = &self.clock.shown;
        format!(
            "**Job #{}** `{}` — status **{}**, attempts {}\n\
             - user: {} · reason: {}\n\
             - created: {} · updated: {}\n\
             - next run: {}\n\
             - last error: {}\n\
             - correlation: `{}`\n",
            j.id,
            j.job_type,
            if self.is_stuck(j) {
                "running (stuck)"
            } else {
                j.status.as_str()
            },
            j.attempt_count,
            j.user_id,
            j.reason.as_deref().unwrap_or("—"),
            c.full(&j.created_at, None),
            c.full(&j.updated_at, None),
            j.next_run_at.map_or("—".into(), |t| c.full(&t, None)),
            j.last_error.as_deref().unwrap_or("—"),
            j.correlation_id.as_deref().unwrap_or("—"),
        )
    }

    pub(crate) fn trace_markdown(&self) -> String {
        let (Some(t), Some(s)) = (&self.panes.trace.trace, &self.panes.trace.summary) else {
            return String::new();
        };
        let c = &self.clock.shown;
        let mut out = format!("**Trace `{}`** — {}", t.correlation_id, s.outcome.label());
        if let (Some(a), Some(b)) = (s.first, s.last) {
            out.push_str(&format!(
                ", {} → {} ({})",
                c.full(&a, None),
                c.full(&b, None),
                crate::timefmt::span(b - a)
            ));
        }
        out.push('\n');
        for a in &s.anomalies {
            out.push_str(&format!("- ⚠ {a}\n"));
        }
        for a in &t.audit {
            out.push_str(&format!(
                "- changed: {} #{} {} by {}\n",
                a.entity_type,
                a.entity_id.unwrap_or_default(),
                a.action,
                a.actor.as_deref().unwrap_or("?")
            ));
        }
        for j in &t.jobs {
            out.push_str(&format!(
                "- job #{} `{}` {} (attempts {})\n",
                j.id, j.job_type, j.status, j.attempt_count
            ));
        }
        out.push_str("\n| time | lock | action | result |\n|---|---|---|---|\n");
        for l in t.logs.iter() {
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                c.full(&l.created_at, None),
                l.lock_key.as_deref().unwrap_or(""),
                l.action,
                if l.ok {
                    "ok".to_string()
                } else {
                    format!("failed: {}", l.error_message.as_deref().unwrap_or(""))
                }
            ));
        }
        out
    }
}

/// The copy keys' forms, in the words a refusal names them with.
const COPY_FORMS: [(Action, &str, &str); 4] = [
    (Action::Copy, "JSON", "its JSON"),
    (
        Action::CopyAll,
        "whole document",
        "the whole document as JSON",
    ),
    (Action::CopyCurl, "curl command", "a curl command"),
    (Action::CopyMarkdown, "Markdown", "Markdown"),
];

/// A logged request as a curl command to paste; one whose URL is not the
/// provider's says, in the status line too, that it carries no token.
pub(crate) fn curl_of(
    l: &crate::store::traces::LogRow,
    hosts: &crate::curl::TokenHosts,
) -> Option<(String, String)> {
    let request = l.request_json.as_ref()?;
    crate::curl::command(request, l.provider_type.as_deref(), hosts).map(|c| {
        let what = if c.without_token {
            format!(
                "log #{} as curl, without the token (its URL is not the provider's)",
                l.id
            )
        } else {
            format!("log #{} as curl", l.id)
        };
        (c.text, what)
    })
}

/// An audit row's before and after, each as Postgres's text (secrets replaced).
fn diff_copy(row: &crate::store::traces::AuditRow) -> String {
    let raws: Vec<(String, &'static str, &str)> = row
        .raw_json
        .iter()
        .map(|(c, t)| (*c, t.as_str()))
        .filter_map(|(column, raw)| match column {
            "before_json" => Some((String::new(), "before", raw)),
            "after_json" => Some((String::new(), "after", raw)),
            _ => None,
        })
        .collect();
    crate::store::traces::pretty_with_raw(
        json!({"before": row.before_json, "after": row.after_json}),
        &raws,
    )
}
