//! `lockdesk user <query> --json`: the pane's data, door by door, with the
//! why sentence. Times are RFC 3339 UTC; PINs only ever masked.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use super::{DoorPin, UserPins};

fn ts(t: &Option<DateTime<Utc>>) -> Value {
    t.map_or(Value::Null, |t| {
        json!(t.to_rfc3339_opts(SecondsFormat::Millis, true))
    })
}

fn door(d: &DoorPin, now: DateTime<Utc>) -> Value {
    let age = |t: &Option<DateTime<Utc>>| {
        t.and_then(|t| now.signed_duration_since(t).num_seconds().checked_abs())
    };
    json!({
        "door_id": d.door_id,
        "door_name": d.door_name,
        "provider": d.provider,
        "lock_key": d.lock_key(),
        "state": d.state.word(),
        "expected": {
            "now": d.expected_now(),
            "outside_hours": d.outside_hours(now),
            "through": d.access.iter().map(|a| json!({
                "user_access_level_id": a.grant_id, "access_level": a.level, "schedule": a.schedule,
                "hours": a.hours.as_ref().map(super::hours::Hours::words),
                "not_now": a.not_now.map(|n| n.words()),
            })).collect::<Vec<_>>(),
        },
        "on_lock": {
            "present": d.on_lock(),
            "sync_state": d.sync.as_ref().map(|s| json!({
                "state": if s.present { "present" } else { "deleted" }, "vendor_pin_id": s.vendor_pin_id,
                "first_seen_at": ts(&s.first_seen), "last_seen_at": ts(&s.last_seen),
                "age_seconds": age(&s.last_seen),
            })),
            "listing": d.listing.as_ref().map(|l| json!({
                "log_id": l.log_id, "live": l.log_id.is_none(), "at": ts(&l.at), "holds": l.holds, "error": l.error,
                "age_seconds": age(&l.at),
            })),
        },
        "last_change": d.last_change().map(|c| json!({
            "kind": c.kind.word(), "ok": c.ok, "error": c.error, "job_id": c.job, "correlation_id": c.correlation_id,
            "at": ts(&c.at), "log_id": c.log_id,
        })),
        "changes": d.changes.iter().map(|c| json!({
            "kind": c.kind.word(), "ok": c.ok, "job_id": c.job, "correlation_id": c.correlation_id, "at": ts(&c.at), "log_id": c.log_id,
        })).collect::<Vec<_>>(),
        "last_use": {
            "read": d.uses_read,
            "success": d.last_ok.as_ref().map(|u| ts(&Some(u.at))),
            "failed": d.last_failed.as_ref().map(|u| ts(&Some(u.at))),
        },
    })
}

pub fn to_json(u: &UserPins) -> Value {
    json!({
        "user": {
            "id": u.user_id, "name": u.name, "email": u.email, "status": u.status, "site": u.site, "time_zone": u.time_zone,
        },
        "credentials": u.credentials.iter().map(|c| json!({
            "id": c.id, "name": c.name, "pin": c.masked_pin, "status": c.status,
        })).collect::<Vec<_>>(),
        "why": u.why(),
        "doors": u.doors.iter().map(|d| door(d, u.now)).collect::<Vec<_>>(),
        "pending_jobs": u.pending.iter().map(|j| json!({"id": j.id, "job_type": j.job_type, "status": j.status})).collect::<Vec<_>>(),
        "last_failed_job": u.failed.as_ref().map(|j| json!({"id": j.id, "job_type": j.job_type, "error": j.error, "at": ts(&j.at)})),
        "read_at": ts(&Some(u.now)),
    })
}
