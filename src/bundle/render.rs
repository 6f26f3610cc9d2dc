//! A bundle as Markdown (for a ticket: headings, tables, fenced JSON) and
//! as JSON (the seed-rows shape per trace). Pure.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use super::{Bundle, MAX_TRACES, Part};
use crate::store::traces::{AuditRow, Trace};

fn at(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A table cell: one line, `|` escaped.
fn cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| "null".into())
}

/// A fenced JSON block, its fence longer than any backtick run inside.
fn fenced(v: &Value) -> String {
    let text = pretty(v);
    let mut fence = "```".to_string();
    while text.contains(&fence) {
        fence.push('`');
    }
    format!("{fence}json\n{text}\n{fence}\n")
}

/// One action a console took: its time, actor, reason and outcome.
pub struct ConsoleAction {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub reason: String,
    pub outcome: String,
}

fn field(v: &Option<Value>, key: &str) -> Option<String> {
    v.as_ref()?.get(key).map(|x| match x {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

/// The trace's app_audit rows whose source is `console`, oldest first.
pub fn console_actions(trace: &Trace) -> Vec<ConsoleAction> {
    let of = |a: &AuditRow| {
        let actor = match (a.actor.as_deref(), field(&a.after_json, "os_user")) {
            (Some(n), Some(u)) => format!("{n} (OS user {u})"),
            (Some(n), None) => n.to_string(),
            (None, Some(u)) => format!("OS user {u}"),
            (None, None) => "unknown".into(),
        };
        let target = match a.entity_id {
            Some(id) => format!("{} {} #{id}", a.action, a.entity_type),
            None => format!("{} {}", a.action, a.entity_type),
        };
        let outcome = ["status", "outcome", "result"]
            .iter()
            .find_map(|k| field(&a.after_json, k))
            .unwrap_or_else(|| "recorded".into());
        ConsoleAction {
            at: at(&a.created_at),
            actor,
            action: target,
            reason: field(&a.after_json, "operator_reason")
                .unwrap_or_else(|| "(none given)".into()),
            outcome,
        }
    };
    trace
        .audit
        .iter()
        .filter(|a| a.source.as_deref() == Some("console"))
        .map(of)
        .collect()
}

fn bounded_note(b: &Bundle) -> Option<String> {
    (b.total > b.parts.len()).then(|| {
        format!(
            "{} has {} traces; the newest {} are in this bundle (at most {MAX_TRACES}).",
            b.target.title(),
            b.total,
            b.parts.len()
        )
    })
}

/// The bundle as Markdown for a ticket (GitHub/Jira flavour).
pub fn markdown(b: &Bundle) -> String {
    let mut out = format!("# Incident bundle: {}\n\n", cell(&b.target.title()));
    out.push_str(&format!(
        "Made by lockdesk as of {} (the database's clock, or `--now`). {} trace{}, newest first.\n\n",
        at(&b.now),
        b.parts.len(),
        if b.parts.len() == 1 { "" } else { "s" }
    ));
    if let Some(n) = bounded_note(b) {
        out.push_str(&format!("> **Bounded:** {n}\n\n"));
    }
    devices(&mut out, b);
    for p in &b.parts {
        part(&mut out, p);
    }
    crate::secrets::free_text(&out).into_owned()
}

/// The device states seen: each lock of the bundle's troubled jobs as
/// probed when the bundle was made (or kept from a probe of the last minute).
fn devices(out: &mut String, b: &Bundle) {
    out.push_str("## Device states seen\n\n");
    if b.devices.is_empty() {
        out.push_str(&format!("{}\n\n", cell(&b.devices_note)));
        return;
    }
    out.push_str(&format!("{}\n\n", cell(&b.devices_note)));
    out.push_str("| lock | state | verdict | probed |\n|---|---|---|---|\n");
    for d in &b.devices {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            cell(&d.lock),
            cell(&d.state),
            cell(&d.verdict),
            at(&d.at)
        ));
    }
    out.push('\n');
}

fn part(out: &mut String, p: &Part) {
    let t = &p.trace;
    let s = &p.summary;
    out.push_str(&format!("## Trace {}\n\n", t.correlation_id));
    out.push_str(&format!(
        "Outcome: **{}**; {} – {}; {} audit row(s), {} job(s), {} log(s).\n\n",
        s.outcome.label(),
        s.first.as_ref().map_or("?".into(), at),
        s.last.as_ref().map_or("?".into(), at),
        t.audit.len(),
        t.jobs.len(),
        t.logs.len()
    ));

    out.push_str("### Findings\n\n");
    if s.anomalies.is_empty() && p.whys.is_empty() {
        out.push_str("None.\n\n");
    }
    for a in &s.anomalies {
        out.push_str(&format!("- {}\n", cell(a)));
    }
    for (job, w) in &p.whys {
        out.push_str(&format!("- Why job #{job}: {}\n", cell(w)));
    }
    if !(s.anomalies.is_empty() && p.whys.is_empty()) {
        out.push('\n');
    }

    out.push_str("### What changed\n\n");
    if t.audit.is_empty() {
        out.push_str("No audit rows.\n\n");
    } else {
        out.push_str("| time | entity | action | actor | source |\n|---|---|---|---|---|\n");
        for a in &t.audit {
            out.push_str(&format!(
                "| {} | {} {} | {} | {} | {} |\n",
                at(&a.created_at),
                cell(&a.entity_type),
                a.entity_id.map_or(String::new(), |i| format!("#{i}")),
                cell(&a.action),
                cell(a.actor.as_deref().unwrap_or("")),
                cell(a.source.as_deref().unwrap_or(""))
            ));
        }
        out.push('\n');
    }

    out.push_str("### What the system decided\n\n");
    if t.jobs.is_empty() {
        out.push_str("No reconcile jobs.\n\n");
    } else {
        out.push_str("| job | type | status | attempts | last error | updated |\n|---|---|---|---|---|---|\n");
        for j in &t.jobs {
            out.push_str(&format!(
                "| #{} | {} | {} | {} | {} | {} |\n",
                j.id,
                cell(&j.job_type),
                cell(j.status.as_str()),
                j.attempt_count,
                cell(j.last_error.as_deref().unwrap_or("")),
                at(&j.updated_at)
            ));
        }
        out.push('\n');
    }

    out.push_str("### What was sent to locks\n\n");
    if s.groups.is_empty() {
        out.push_str("Nothing.\n\n");
    }
    for g in &s.groups {
        for l in &g.locks {
            out.push_str(&format!(
                "- **{}** {}{}: {} call(s), {} failed\n",
                cell(&g.provider),
                cell(&l.lock_key),
                l.door_name
                    .as_deref()
                    .map_or(String::new(), |d| format!(" ({})", cell(d))),
                l.logs.len(),
                l.failed
            ));
        }
    }
    if !s.groups.is_empty() {
        out.push('\n');
    }

    out.push_str("### Full timeline\n\n");
    out.push_str("| time | kind | what | ok | error |\n|---|---|---|---|---|\n");
    let mut rows: Vec<(DateTime<Utc>, String)> = Vec::new();
    for a in &t.audit {
        rows.push((
            a.created_at,
            format!(
                "| {} | audit | {} {} | | |\n",
                at(&a.created_at),
                cell(&a.action),
                cell(&a.entity_type)
            ),
        ));
    }
    for j in &t.jobs {
        rows.push((
            j.created_at,
            format!(
                "| {} | job #{} | {} created, now {} | | |\n",
                at(&j.created_at),
                j.id,
                cell(&j.job_type),
                cell(j.status.as_str())
            ),
        ));
    }
    for l in t.logs.iter() {
        rows.push((
            l.created_at,
            format!(
                "| {} | log #{} | {} {} {} | {} | {} |\n",
                at(&l.created_at),
                l.id,
                cell(l.provider_type.as_deref().unwrap_or("")),
                cell(&l.action),
                cell(l.lock_key.as_deref().unwrap_or("")),
                if l.ok { "yes" } else { "no" },
                cell(l.error_message.as_deref().unwrap_or(""))
            ),
        ));
    }
    rows.sort_by_key(|r| r.0);
    for (_, r) in rows {
        out.push_str(&r);
    }
    out.push('\n');

    out.push_str("### Console actions\n\n");
    let actions = console_actions(t);
    if actions.is_empty() {
        out.push_str("No console has acted on this trace.\n\n");
    } else {
        out.push_str("| time | actor | action | reason | outcome |\n|---|---|---|---|---|\n");
        for a in &actions {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                a.at,
                cell(&a.actor),
                cell(&a.action),
                cell(&a.reason),
                cell(&a.outcome)
            ));
        }
        out.push('\n');
    }

    out.push_str("### Requests and responses\n\n");
    if t.logs.is_empty() {
        out.push_str("No logs.\n\n");
    }
    for l in t.logs.iter() {
        let v = l.to_json();
        out.push_str(&format!(
            "#### Log #{} {} ({})\n\n",
            l.id,
            cell(&l.action),
            at(&l.created_at)
        ));
        out.push_str(&fenced(&json!({
            "request_json": v.get("request_json").cloned().unwrap_or(Value::Null),
            "response_json": v.get("response_json").cloned().unwrap_or(Value::Null),
        })));
        out.push('\n');
    }
}

/// The bundle as JSON: per trace its findings, why sentences, console
/// actions, and the rows in the seed's shape (`trace --json`).
pub fn json(b: &Bundle) -> String {
    let traces: Vec<Value> = b
        .parts
        .iter()
        .map(|p| {
            let actions: Vec<Value> = console_actions(&p.trace)
                .into_iter()
                .map(|a| {
                    json!({"at": a.at, "actor": a.actor, "action": a.action,
                           "reason": a.reason, "outcome": a.outcome})
                })
                .collect();
            json!({
                "correlation_id": p.trace.correlation_id,
                "outcome": p.summary.outcome.label(),
                "findings": p.summary.anomalies,
                "why": p.whys.iter().map(|(j, w)| json!({"job": j, "why": w})).collect::<Vec<_>>(),
                "console_actions": actions,
                "rows": p.trace.to_json(),
            })
        })
        .collect();
    let doc = json!({
        "target": b.target.title(),
        "generated_at": at(&b.now),
        "traces_total": b.total,
        "traces_shown": b.parts.len(),
        "bounded": bounded_note(b),
        "device_states": {
            "note": b.devices_note,
            "devices": b.devices.iter().map(|d| json!({
                "lock": d.lock, "state": d.state, "verdict": d.verdict, "probed_at": at(&d.at),
            })).collect::<Vec<_>>(),
        },
        "traces": traces,
    });
    format!("{}\n", crate::secrets::json_text(&pretty(&doc)))
}
