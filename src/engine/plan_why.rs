//! A drift plan's delete in words: the credential and the user behind it
//! and the door it no longer opens, beside the seed's `reason` code. Pure.

use serde_json::{Value, json};

use super::ended::{AuditChange, Ended};
use super::plan::{Delete, Plan};

/// The cause in words: `access to door 2 (ttlock) ended by UserAccessLevel
/// #9 (revoked) at 2026-02-04 16:02 UTC`.
fn cause(e: &Ended, door: &str) -> String {
    let mut parts = Vec::new();
    if e.credential_status != "active" {
        parts.push(format!("credential {}", e.credential_status));
    }
    if e.user_status != "active" {
        parts.push(format!("user {}", e.user_status));
    }
    if let Some((id, status, at)) = &e.access {
        let at = at.map_or_else(String::new, |t| {
            format!(" at {}", t.format("%Y-%m-%d %H:%M UTC"))
        });
        parts.push(format!(
            "access to {door} ended by UserAccessLevel #{id} ({status}){at}"
        ));
    }
    if parts.is_empty() {
        // The current rows say nothing ended: her access levels are active
        // but none opens the door. The audit trail names the change.
        if let Some(a) = &e.audit {
            parts.push(audit_cause(a, door));
        }
    }
    parts.join(", ")
}

/// `no access level of hers opens door 2 (ttlock); her newest access change:
/// app_audit #1: UserAccessLevel #9 create (access level 1) at 2026-02-04
/// 14:58 UTC by admin:olivia@acme.example`. The newest row about her access
/// is named as what the rows say last, not as the cause: it may be about
/// another level or door.
fn audit_cause(a: &AuditChange, door: &str) -> String {
    let entity = match a.entity_id {
        Some(id) => format!("{} #{id}", a.entity_type),
        None => a.entity_type.clone(),
    };
    let level = a
        .access_level
        .as_deref()
        .map_or_else(String::new, |l| format!(" (access level {l})"));
    let at = a.at.map_or_else(String::new, |t| {
        format!(" at {}", t.format("%Y-%m-%d %H:%M UTC"))
    });
    let by = a
        .actor
        .as_deref()
        .map_or_else(String::new, |who| format!(" by {who}"));
    format!(
        "no access level of hers opens {door}; her newest access change: app_audit #{}: {entity} {}{level}{at}{by}",
        a.id, a.action
    )
}

impl Plan {
    /// Why `d` is deleted, for a person: `AB U9 C6 — user 9, credential 6
    /// no longer opens door 2 (Main entrance): revoked, or none of her
    /// access levels opens it now`.
    pub fn delete_why(&self, d: &Delete) -> String {
        let i = &self.input;
        let door = format!("door {} ({})", i.door_id, i.door_name);
        let name = self
            .name_of(d.code_name.as_ref())
            .unwrap_or_else(|| format!("#{}", d.vendor_pin_id));
        match d.credential_id {
            Some(c) => {
                let user = i.credentials.get(&c).copied().or_else(|| {
                    d.code_name
                        .as_deref()
                        .and_then(super::plan::parse_code_name)
                        .map(|(u, _)| u)
                });
                let who = match user {
                    Some(u) => format!("user {u}, credential {c}"),
                    None => format!("credential {c}, of no user the broker has"),
                };
                let known = i
                    .ended
                    .get(&c)
                    .map(|e| cause(e, &door))
                    .filter(|s| !s.is_empty());
                if let (Some(u), Some(how)) = (user, &known) {
                    return format!("{name} — user {u}, {how}");
                }
                let how = if i.credentials.contains_key(&c) {
                    "her credential revoked, or none of her access levels opens it now"
                } else {
                    "the broker has no such credential"
                };
                format!("{name} — {who} no longer opens {door}: {how}")
            }
            None => format!("{name} — no credential of the broker's: unknown to it on {door}"),
        }
    }

    /// One door's entry of `enforce_plan.doors`, as seed 001 has it, with
    /// whether the lock's list was whole and what that withheld, and each
    /// delete's `why` (a field seed 001 does not have: its comparisons
    /// ignore it).
    pub fn door_json(&self) -> Value {
        let mut door = self.seed_door_json();
        door["list_incomplete"] = json!(self.input.list_incomplete);
        door["withheld_deletes"] = self.withheld.iter().map(|d| self.delete_json(d)).collect();
        self.add_whys(&mut door);
        door
    }

    /// Each delete (and withheld one) of `door` with its `why`.
    fn add_whys(&self, door: &mut Value) {
        for (key, list) in [
            ("deletes", &self.deletes),
            ("withheld_deletes", &self.withheld),
        ] {
            if let Some(items) = door.get_mut(key).and_then(Value::as_array_mut) {
                for (item, d) in items.iter_mut().zip(list) {
                    item["why"] = json!(self.delete_why(d));
                }
            }
        }
    }
}

/// A door's entry without the `why` of each delete: seed 001's own fields,
/// to compare with it.
#[cfg(test)]
pub(crate) fn seed_only(door: &Value) -> Value {
    let mut door = door.clone();
    for key in ["deletes", "withheld_deletes"] {
        if let Some(items) = door.get_mut(key).and_then(Value::as_array_mut) {
            for item in items.iter_mut().filter_map(Value::as_object_mut) {
                item.remove("why");
            }
        }
    }
    door
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::{DateTime, Duration, Utc};

    use crate::engine::plan::{Actual, Input, Mode, plan};

    fn input() -> Input {
        let now: DateTime<Utc> = "2026-02-05T16:28:59Z".parse().unwrap();
        Input {
            door_id: 2,
            door_name: "Main entrance".into(),
            provider_type: "TTLOCK".into(),
            external_device_id: "28991110".into(),
            integration_device_id: Some(1),
            expected: vec![],
            actual: vec![Actual {
                vendor_pin_id: "50957532".into(),
                code_name: Some("AB U9 C6".into()),
                provider_receipt_id: None,
            }],
            known: vec![],
            credentials: BTreeMap::from([(6, 9)]),
            ended: BTreeMap::new(),
            mode: Mode::UltraStrict,
            grace: Duration::seconds(3600),
            now,
            list_incomplete: None,
        }
    }

    #[test]
    fn a_delete_names_the_credential_the_user_and_the_door() {
        let p = plan(input());
        let d = &p.deletes[0];
        assert_eq!(d.reason, "credential_revoked_or_missing");
        assert_eq!(
            p.delete_why(d),
            "AB U9 C6 — user 9, credential 6 no longer opens door 2 (Main entrance): \
             her credential revoked, or none of her access levels opens it now"
        );
        let door = p.door_json();
        assert_eq!(
            door["deletes"][0]["reason"],
            "credential_revoked_or_missing"
        );
        assert_eq!(door["deletes"][0]["why"], p.delete_why(d));
        // With what ended it, read from the broker's rows.
        let mut i = input();
        i.ended.insert(
            6,
            crate::engine::ended::Ended {
                credential_status: "active".into(),
                user_status: "active".into(),
                access: Some((9, "revoked".into(), "2026-02-04T16:02:00Z".parse().ok())),
                audit: None,
            },
        );
        let p = plan(i);
        assert_eq!(
            p.delete_why(&p.deletes[0]),
            "AB U9 C6 — user 9, access to door 2 (Main entrance) ended by UserAccessLevel #9 (revoked) at 2026-02-04 16:02 UTC"
        );
        // Nothing in the current rows ended it (UserAccessLevel #9 is still
        // active, its level does not open the door): the audit row names it.
        let mut i = input();
        i.ended.insert(
            6,
            crate::engine::ended::Ended {
                credential_status: "active".into(),
                user_status: "active".into(),
                access: None,
                audit: Some(crate::engine::ended::AuditChange {
                    id: 1,
                    entity_type: "UserAccessLevel".into(),
                    entity_id: Some(9),
                    action: "create".into(),
                    at: "2026-02-04T14:58:54Z".parse().ok(),
                    actor: Some("admin:olivia@acme.example".into()),
                    access_level: Some("1".into()),
                }),
            },
        );
        let p = plan(i);
        assert_eq!(
            p.delete_why(&p.deletes[0]),
            "AB U9 C6 — user 9, no access level of hers opens door 2 (Main entrance); her newest access change: app_audit #1: \
             UserAccessLevel #9 create (access level 1) at 2026-02-04 14:58 UTC by admin:olivia@acme.example"
        );
        // Codes of no credential the broker has (a stranger's name masked).
        let mut i = input();
        i.credentials.clear();
        i.actual.push(Actual {
            vendor_pin_id: "61234567".into(),
            code_name: Some("cleaner".into()),
            provider_receipt_id: None,
        });
        let p = plan(i);
        let whys: Vec<String> = p.deletes.iter().map(|d| p.delete_why(d)).collect();
        assert_eq!(
            whys,
            [
                "AB U9 C6 — no credential of the broker's: unknown to it on door 2 (Main entrance)",
                "*** — no credential of the broker's: unknown to it on door 2 (Main entrance)",
            ]
        );
    }
}
