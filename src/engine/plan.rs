//! Drift planning, pure: what should be on one lock (expected, from the
//! broker), what is on it (actual, from the provider), and the plan between
//! them — adds, deletes, deletes blocked by the grace window, passcodes
//! unknown to the broker, expected PINs that cannot be sent — in the shape of
//! seed 001's `enforce_plan`.
//!
//! A list of the lock that is not whole (`Input::list_incomplete`: a page
//! count or total missing or inconsistent, a list cut at lockdesk's bound)
//! never drives a delete: what would be deleted is `withheld`, with why.
//! Adds still go: an add only grants what the broker says belongs, and one
//! already on the lock in the part not listed is refused by the provider
//! (TTLock -3007 same passcode) or a no-op (Doordeck ADD_USER of a user it
//! has), never a removal.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::{Value, json};

/// `standard` respects the grace window and leaves unknown passcodes alone;
/// `ultra_strict` bypasses the grace and deletes everything not expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Standard,
    UltraStrict,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Standard => "standard",
            Mode::UltraStrict => "ultra_strict",
        }
    }

    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "standard" => Some(Mode::Standard),
            "ultra_strict" => Some(Mode::UltraStrict),
            _ => None,
        }
    }

    pub fn toggled(self) -> Mode {
        match self {
            Mode::Standard => Mode::UltraStrict,
            Mode::UltraStrict => Mode::Standard,
        }
    }
}

/// A PIN (TTLock) or a share (Doordeck) that belongs on the lock.
#[derive(Debug, Clone, PartialEq)]
pub struct Expected {
    pub credential_id: i64,
    pub user_id: i64,
    /// `AB U{user} C{credential}`.
    pub code_name: String,
    /// The PIN (TTLock); never shown or logged unmasked.
    pub pin: Option<String>,
    /// The user's Doordeck identity (Doordeck).
    pub user_ref: Option<String>,
    pub email: Option<String>,
}

/// What the provider says is on the lock.
#[derive(Debug, Clone, PartialEq)]
pub struct Actual {
    /// keyboardPwdId, or the Doordeck user id.
    pub vendor_pin_id: String,
    pub code_name: Option<String>,
    pub provider_receipt_id: Option<String>,
}

/// What the broker remembers of a passcode on this lock.
#[derive(Debug, Clone, PartialEq)]
pub struct Known {
    pub vendor_pin_id: String,
    pub credential_id: Option<i64>,
    pub first_seen_at: DateTime<Utc>,
    pub first_seen_source: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    pub door_id: i64,
    pub door_name: String,
    pub provider_type: String,
    pub external_device_id: String,
    pub integration_device_id: Option<i64>,
    pub expected: Vec<Expected>,
    pub actual: Vec<Actual>,
    pub known: Vec<Known>,
    /// Credentials of the broker by id (to tell revoked from unknown).
    pub credentials: BTreeMap<i64, i64>,
    /// Why a credential no longer belongs here, by id (`plan_why`).
    pub ended: BTreeMap<i64, super::ended::Ended>,
    pub mode: Mode,
    pub grace: Duration,
    pub now: DateTime<Utc>,
    /// Why `actual` may not be the whole lock (`None`: it is).
    pub list_incomplete: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Delete {
    pub vendor_pin_id: String,
    pub code_name: Option<String>,
    pub provider_receipt_id: Option<String>,
    pub credential_id: Option<i64>,
    pub first_seen_at: DateTime<Utc>,
    pub first_seen_source: String,
    pub eligible_at: DateTime<Utc>,
    pub grace_bypassed: bool,
    /// `credential_revoked_or_missing` or `unknown_to_broker`.
    pub reason: &'static str,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub input: Input,
    pub adds: Vec<Expected>,
    pub deletes: Vec<Delete>,
    pub blocked_by_grace: Vec<Delete>,
    /// On the lock, matching no broker credential, left alone (standard mode).
    pub unknown: Vec<Actual>,
    /// Expected but not sendable, with why.
    pub invalid_expected: Vec<(Expected, &'static str)>,
    /// Why nothing is deleted (the list of the lock is not whole), and what
    /// would be deleted from a whole one.
    pub deletes_withheld: Option<String>,
    pub withheld: Vec<Delete>,
}

/// `AB U9 C6` → (9, 6).
pub fn parse_code_name(name: &str) -> Option<(i64, i64)> {
    let rest = name.strip_prefix("AB U")?;
    let (u, c) = rest.split_once(" C")?;
    Some((u.parse().ok()?, c.parse().ok()?))
}

/// Whether `name` is exactly the broker's own form, `AB U{user} C{credential}`.
pub fn is_broker_name(name: &str) -> bool {
    parse_code_name(name).is_some_and(|(u, c)| format!("AB U{u} C{c}") == name)
}

/// A passcode's name as lockdesk shows and writes it: a name the planner
/// reads as the broker's (`AB U{user} C{credential}`, also in the looser
/// forms `parse_code_name` takes, `AB U9 C06`) as it is — so masking never
/// changes which credential a code is matched to — and any other name
/// masked (one typed into the provider's app, "cleaner 4821", is a secret:
/// the redaction masks `keyboardPwdName` wherever it is read). An empty
/// name stays empty.
pub fn passcode_name(name: Option<&str>) -> Option<String> {
    name.map(|n| {
        if n.is_empty() || parse_code_name(n).is_some() {
            n.to_string()
        } else {
            crate::secrets::MASK.to_string()
        }
    })
}

fn ts(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Which broker credential a passcode on the lock is, if any: by the
/// remembered vendor id first, then by the name on the lock.
fn credential_of(input: &Input, a: &Actual) -> Option<i64> {
    input
        .known
        .iter()
        .find(|k| k.vendor_pin_id == a.vendor_pin_id)
        .and_then(|k| k.credential_id)
        .or_else(|| {
            a.code_name
                .as_deref()
                .and_then(parse_code_name)
                .map(|(_, c)| c)
                .filter(|c| input.credentials.contains_key(c))
        })
}

pub fn plan(input: Input) -> Plan {
    let mut adds = Vec::new();
    let mut invalid = Vec::new();
    let mut deletes = Vec::new();
    let mut blocked = Vec::new();
    let mut unknown = Vec::new();
    let mut withheld = Vec::new();
    let ttlock = input.provider_type.eq_ignore_ascii_case("TTLOCK");

    let on_lock: Vec<(Option<i64>, &Actual)> = input
        .actual
        .iter()
        .map(|a| (credential_of(&input, a), a))
        .collect();
    for e in &input.expected {
        let present = on_lock.iter().any(|(c, a)| {
            *c == Some(e.credential_id)
                || (!ttlock && e.user_ref.as_deref() == Some(a.vendor_pin_id.as_str()))
        });
        if present {
            continue;
        }
        if ttlock {
            match e.pin.as_deref() {
                Some(p) if (4..=9).contains(&p.len()) && p.chars().all(|c| c.is_ascii_digit()) => {
                    adds.push(e.clone())
                }
                Some(_) => invalid.push((e.clone(), "the PIN is not 4-9 digits")),
                None => invalid.push((e.clone(), "the credential has no PIN")),
            }
        } else if e.email.is_some() {
            adds.push(e.clone());
        } else {
            invalid.push((e.clone(), "the user has no Doordeck account"));
        }
    }
    for (cred, a) in on_lock {
        let expected = input.expected.iter().any(|e| {
            Some(e.credential_id) == cred
                || (!ttlock && e.user_ref.as_deref() == Some(a.vendor_pin_id.as_str()))
        });
        if expected {
            continue;
        }
        let known = input
            .known
            .iter()
            .find(|k| k.vendor_pin_id == a.vendor_pin_id);
        let (first_seen_at, source) = match known {
            Some(k) => (k.first_seen_at, k.first_seen_source.clone()),
            None => (input.now, "inferred_now".to_string()),
        };
        // Saturating: a first time read as the far edge is never eligible.
        let eligible_at = first_seen_at
            .checked_add_signed(input.grace)
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        let within_grace = input.now < eligible_at;
        let reason = if cred.is_some() {
            "credential_revoked_or_missing"
        } else {
            "unknown_to_broker"
        };
        let d = Delete {
            vendor_pin_id: a.vendor_pin_id.clone(),
            code_name: a.code_name.clone(),
            provider_receipt_id: a.provider_receipt_id.clone(),
            credential_id: cred,
            first_seen_at,
            first_seen_source: source,
            eligible_at,
            grace_bypassed: within_grace && input.mode == Mode::UltraStrict,
            reason,
        };
        match (input.mode, cred.is_some(), within_grace) {
            // Standard: a passcode the broker never issued is not ours to remove.
            (Mode::Standard, false, _) => unknown.push(a.clone()),
            (Mode::Standard, true, true) => blocked.push(d),
            _ if input.list_incomplete.is_some() => withheld.push(d),
            _ => deletes.push(d),
        }
    }
    Plan {
        deletes_withheld: input
            .list_incomplete
            .as_ref()
            .map(|why| format!("the lock's list is incomplete ({why}): nothing is deleted")),
        withheld,
        input,
        adds,
        deletes,
        blocked_by_grace: blocked,
        unknown,
        invalid_expected: invalid,
    }
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.adds.is_empty() && self.deletes.is_empty()
    }

    pub fn grace_bypassed_deletes(&self) -> usize {
        self.deletes.iter().filter(|d| d.grace_bypassed).count()
    }

    /// The same changes (ignoring times), to tell whether a re-listed lock
    /// still calls for the plan the operator confirmed.
    pub fn same_changes(&self, other: &Plan) -> bool {
        let ids = |p: &Plan| {
            let mut a: Vec<String> = p
                .adds
                .iter()
                .map(|e| format!("+{}", e.credential_id))
                .collect();
            a.extend(p.deletes.iter().map(|d| format!("-{}", d.vendor_pin_id)));
            a.sort();
            a
        };
        ids(self) == ids(other) && self.input.mode == other.input.mode
    }

    pub fn summary_json(&self) -> Value {
        json!({
            "adds": self.adds.len(),
            "blocked": self.blocked_by_grace.len(),
            "deletes": self.deletes.len(),
            "grace_bypassed_deletes": self.grace_bypassed_deletes(),
            "invalid_expected": self.invalid_expected.len(),
        })
    }

    /// A name from the lock as written into lockdesk's own rows: a
    /// TTLock passcode's only in the broker's form (Doordeck's is the
    /// share's email, the broker's own data).
    pub fn name_of(&self, name: Option<&String>) -> Option<String> {
        if self.input.provider_type.eq_ignore_ascii_case("TTLOCK") {
            passcode_name(name.map(String::as_str))
        } else {
            name.cloned()
        }
    }

    pub(super) fn delete_json(&self, d: &Delete) -> Value {
        json!({
            "code_name": self.name_of(d.code_name.as_ref()), "eligible_at": ts(&d.eligible_at), "first_seen_at": ts(&d.first_seen_at),
            "first_seen_source": d.first_seen_source, "grace_bypassed": d.grace_bypassed,
            "provider_receipt_id": d.provider_receipt_id, "reason": d.reason, "source": "lock",
            "vendor_pin_id": d.vendor_pin_id,
        })
    }

    /// (`door_json`, in `plan_why`, is this with the list's wholeness and
    /// each delete's `why`.)
    pub(super) fn seed_door_json(&self) -> Value {
        let i = &self.input;
        json!({
            "actual": i.actual.iter().map(|a| json!({"code_name": self.name_of(a.code_name.as_ref()), "provider_receipt_id": a.provider_receipt_id,
                                                    "source": "lock", "vendor_pin_id": a.vendor_pin_id})).collect::<Vec<_>>(),
            "adds": self.adds.iter().map(|e| json!({"code_name": e.code_name, "credential_id": e.credential_id,
                                                    "user_id": e.user_id, "source": "broker"})).collect::<Vec<_>>(),
            "blocked_by_grace": self.blocked_by_grace.iter().map(|d| self.delete_json(d)).collect::<Vec<_>>(),
            "deletes": self.deletes.iter().map(|d| self.delete_json(d)).collect::<Vec<_>>(),
            "door_id": i.door_id,
            "expected": i.expected.iter().map(|e| json!({"code_name": e.code_name, "credential_id": e.credential_id,
                                                         "user_id": e.user_id})).collect::<Vec<_>>(),
            "external_device_id": i.external_device_id,
            "integration_device_id": i.integration_device_id,
            "invalid_expected": self.invalid_expected.iter().map(|(e, why)| json!({"code_name": e.code_name,
                                                         "credential_id": e.credential_id, "reason": why})).collect::<Vec<_>>(),
            "provider_type": i.provider_type,
            "summary": self.summary_json(),
            "unknown": self.unknown.iter().map(|a| json!({"code_name": self.name_of(a.code_name.as_ref()), "vendor_pin_id": a.vendor_pin_id}))
                .collect::<Vec<_>>(),
        })
    }

    /// The whole `enforce_plan` object.
    pub fn enforce_plan_json(&self, filters: Value, generated_at: DateTime<Utc>) -> Value {
        let mut plan = self.seed_plan_json(filters, generated_at);
        plan["deletes_withheld"] = json!(self.deletes_withheld);
        plan
    }

    fn seed_plan_json(&self, filters: Value, generated_at: DateTime<Utc>) -> Value {
        let s = self.summary_json();
        json!({
            "doors": [self.door_json()],
            "filters": filters,
            "generated_at": ts(&generated_at),
            "grace_window_seconds": self.input.grace.num_seconds(),
            "mode": self.input.mode.name(),
            "summary": {"adds": s["adds"], "blocked": s["blocked"], "deletes": s["deletes"], "doors": 1,
                        "grace_bypassed_deletes": s["grace_bypassed_deletes"], "invalid_expected": s["invalid_expected"]},
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn exp(user: i64, cred: i64, pin: &str) -> Expected {
        Expected {
            credential_id: cred,
            user_id: user,
            code_name: format!("AB U{user} C{cred}"),
            pin: Some(pin.into()),
            user_ref: None,
            email: None,
        }
    }

    fn act(id: &str, name: &str) -> Actual {
        Actual {
            vendor_pin_id: id.into(),
            code_name: Some(name.into()),
            provider_receipt_id: None,
        }
    }

    fn input(mode: Mode) -> Input {
        Input {
            door_id: 2,
            door_name: "ttlock".into(),
            provider_type: "TTLOCK".into(),
            external_device_id: "28991110".into(),
            integration_device_id: Some(1),
            expected: vec![],
            actual: vec![act("50957532", "AB U9 C6")],
            known: vec![],
            credentials: BTreeMap::from([(6, 9)]),
            ended: BTreeMap::new(),
            mode,
            grace: Duration::seconds(3600),
            now: t("2026-02-05T16:28:59Z"),
            list_incomplete: None,
        }
    }

    #[test]
    fn seed_001_ultra_strict_deletes_the_stray_bypassing_grace() {
        let p = plan(input(Mode::UltraStrict));
        let plan_json = p.enforce_plan_json(
            json!({"door_id": null, "integration_device_id": 1, "provider_type": "TTLOCK"}),
            t("2026-02-05T16:28:59Z"),
        );
        let seed: Value = serde_json::from_str(crate::seeds::SEED_ROWS_JSON).unwrap();
        let want = seed["integration_logs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["id"] == 1663)
            .unwrap()["response_json"]["enforce_plan"]
            .clone();
        for k in [
            "filters",
            "generated_at",
            "grace_window_seconds",
            "mode",
            "summary",
        ] {
            assert_eq!(plan_json[k], want[k], "{k}");
        }
        let door = super::super::plan_why::seed_only(&plan_json["doors"][0]);
        let (got, want) = (&door, &want["doors"][0]);
        for k in [
            "actual",
            "adds",
            "blocked_by_grace",
            "deletes",
            "door_id",
            "expected",
            "external_device_id",
            "integration_device_id",
            "invalid_expected",
            "provider_type",
            "summary",
        ] {
            assert_eq!(got[k], want[k], "doors[0].{k}");
        }
    }

    #[test]
    fn standard_mode_respects_grace_and_leaves_unknown_codes() {
        let mut i = input(Mode::Standard);
        i.actual.push(act("61234567", "cleaner"));
        let p = plan(i.clone());
        assert!(p.deletes.is_empty());
        assert_eq!(p.blocked_by_grace.len(), 1);
        assert_eq!(p.blocked_by_grace[0].eligible_at, t("2026-02-05T17:28:59Z"));
        assert_eq!(p.unknown.len(), 1);
        // Past the grace window the revoked credential's PIN goes.
        i.known.push(Known {
            vendor_pin_id: "50957532".into(),
            credential_id: Some(6),
            first_seen_at: t("2026-02-05T10:00:00Z"),
            first_seen_source: "lock".into(),
        });
        let p = plan(i.clone());
        assert_eq!(p.deletes.len(), 1);
        assert!(!p.deletes[0].grace_bypassed);
        // Ultra strict also removes the unknown code.
        i.mode = Mode::UltraStrict;
        assert_eq!(plan(i).deletes.len(), 2);
    }

    #[test]
    fn names_not_the_brokers_are_masked_in_the_plan_json() {
        for (name, shown) in [
            ("AB U9 C6", "AB U9 C6"),
            ("cleaner 4821", "***"),
            ("AB U9 C6 cleaner 4821", "***"),
            // A looser form the planner reads as credential 6 stays as it
            // is: masking must never change which credential a code is.
            ("AB U+9 C06", "AB U+9 C06"),
            ("ab u9 c6", "***"),
            ("", ""),
        ] {
            assert_eq!(passcode_name(Some(name)).as_deref(), Some(shown), "{name}");
        }
        assert_eq!(passcode_name(None), None);
        let mut i = input(Mode::UltraStrict);
        i.actual.push(act("61234567", "cleaner 4821"));
        let text = plan(i.clone())
            .enforce_plan_json(json!({}), i.now)
            .to_string();
        assert!(!text.contains("cleaner"), "{text}");
        assert!(text.contains("AB U9 C6"), "{text}");
        i.mode = Mode::Standard;
        let text = plan(i.clone()).door_json().to_string();
        assert!(!text.contains("4821"), "unknown and actual: {text}");
        // A Doordeck share's name is its email, the broker's own data.
        i.provider_type = "DOORDECK".into();
        i.actual[1].code_name = Some("cleaner@example.com".into());
        assert!(
            plan(i)
                .door_json()
                .to_string()
                .contains("cleaner@example.com")
        );
    }

    #[test]
    fn adds_deletes_blocked_and_invalid_at_once() {
        let mut i = input(Mode::Standard);
        i.credentials.extend([(7, 10), (8, 11), (9, 12), (10, 13)]);
        i.expected = vec![
            exp(10, 7, "123456"),
            exp(11, 8, "12"),
            exp(12, 9, "48201234"),
        ];
        i.actual.push(act("111", "AB U12 C9")); // expected, present
        i.actual.push(act("222", "AB U13 C10")); // revoked, past grace
        i.known.push(Known {
            vendor_pin_id: "222".into(),
            credential_id: Some(10),
            first_seen_at: t("2026-02-01T00:00:00Z"),
            first_seen_source: "lock".into(),
        });
        let p = plan(i);
        assert_eq!(
            p.adds.iter().map(|e| e.credential_id).collect::<Vec<_>>(),
            vec![7]
        );
        assert_eq!(p.invalid_expected.len(), 1);
        assert_eq!(
            p.deletes
                .iter()
                .map(|d| d.vendor_pin_id.as_str())
                .collect::<Vec<_>>(),
            vec!["222"]
        );
        assert_eq!(p.blocked_by_grace.len(), 1);
        assert_eq!(
            p.summary_json(),
            json!({"adds": 1, "blocked": 1, "deletes": 1, "grace_bypassed_deletes": 0, "invalid_expected": 1})
        );
    }

    #[test]
    fn a_partial_list_withholds_every_delete_and_says_why() {
        let mut i = input(Mode::UltraStrict);
        i.credentials.insert(7, 10);
        i.expected = vec![exp(10, 7, "123456")];
        i.actual.push(act("61234567", "cleaner"));
        i.list_incomplete = Some("the answer has no `pages`".into());
        let p = plan(i);
        assert!(p.deletes.is_empty());
        assert_eq!(p.withheld.len(), 2);
        assert_eq!(p.adds.len(), 1, "adds still go");
        let why = p.deletes_withheld.clone().unwrap();
        assert!(
            why.contains("no `pages`") && why.contains("nothing is deleted"),
            "{why}"
        );
        let j = p.enforce_plan_json(json!({}), t("2026-02-05T16:28:59Z"));
        assert_eq!(j["deletes_withheld"], json!(why));
        assert_eq!(j["summary"]["deletes"], 0);
        assert_eq!(
            j["doors"][0]["withheld_deletes"].as_array().unwrap().len(),
            2
        );
        assert_eq!(
            j["doors"][0]["list_incomplete"],
            "the answer has no `pages`"
        );
    }
}
