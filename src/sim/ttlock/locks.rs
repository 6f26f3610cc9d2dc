//! The lock family: `lock/list`, `lock/detail`, the state reads through the
//! gateway (`queryOpenState`, `queryStatus`, `queryElectricQuantity`),
//! `queryDate`, remote `unlock`/`lock`, and the lock's own records
//! (`lockRecord/list`). Remote operations change the open state and add the
//! record the lock would upload.

use chrono::Utc;
use serde_json::{Value, json};

use super::{Params, bound, get, invalid, mac, num, ok, page};
use crate::sim::{AUTO_LOCK_SECS, Resp, SimState, TtLock};

/// The date the simulated locks were initialised (ms).
const INIT_DATE: i64 = 1_767_225_600_000;

fn name_of(id: i64) -> String {
    format!("S31_{id:x}")
}

/// `lock/list`: the account's locks, `lockAlias` a fuzzy filter, max 1000.
pub fn list(st: &SimState, uid: i64, p: &Params) -> Resp {
    let alias = get(p, "lockAlias").map(str::to_lowercase);
    let list: Vec<Value> = st
        .tt_locks
        .iter()
        .filter(|(_, l)| l.uid == uid)
        .filter(|(_, l)| {
            alias
                .as_deref()
                .is_none_or(|a| l.name.to_lowercase().contains(a))
        })
        .map(|(id, l)| {
            json!({"lockId": id, "lockName": name_of(*id), "lockAlias": l.name, "lockMac": mac("C5:40", *id),
                   "hasGateway": i64::from(l.gateway.is_some()), "electricQuantity": st.battery(*id),
                   "featureValue": "F44354CD5F3", "groupId": 0, "groupName": "", "date": INIT_DATE})
        })
        .collect();
    page(list, p, 1000)
}

/// 0 locked, 1 unlocked (within its auto-lock time after a remote unlock).
fn open_state(l: &TtLock, now_ms: i64) -> i64 {
    match l.unlocked_at_ms {
        Some(t) if now_ms.saturating_sub(t) < AUTO_LOCK_SECS * 1000 => 1,
        _ => 0,
    }
}

/// A record as the lock uploads it through its gateway.
fn record(st: &mut SimState, uid: i64, lock_id: i64, kind: (i64, i64), pin: (&str, &str)) {
    st.next_id += 1;
    let id = st.next_id;
    let now = Utc::now().timestamp_millis();
    let Some(l) = st.tt_locks.get(&lock_id) else {
        return;
    };
    let on_lock = now.saturating_add(l.clock_offset_ms);
    let who = if pin.0.is_empty() {
        st.tt_accounts
            .iter()
            .find(|a| a.uid == uid)
            .map(|a| a.username.clone())
            .unwrap_or_default()
    } else {
        pin.0.to_string()
    };
    let rec = json!({"recordId": id, "lockId": lock_id, "recordType": kind.0, "recordTypeFromLock": kind.1,
                     "success": 1, "username": who, "keyboardPwd": pin.1, "lockDate": on_lock, "serverDate": now});
    if let Some(l) = st.tt_locks.get_mut(&lock_id) {
        l.records.push(rec);
    }
}

/// Adds the record of a passcode pushed to the lock (lock record type 93,
/// "passcode added"; see docs/providers.md for the cloud type).
pub fn passcode_added(st: &mut SimState, uid: i64, lock_id: i64, name: &str, code: &str) {
    record(st, uid, lock_id, (93, 93), (name, code));
}

/// One lock's reads and remote operations (the lock is this account's, and
/// reachable when the call needs its gateway).
pub fn one(st: &mut SimState, uid: i64, lock_id: i64, action: &str, p: &Params) -> Resp {
    let now = Utc::now().timestamp_millis();
    if action == "lock/detail" && st.tt_locks.contains_key(&lock_id) {
        st.device_reads += 1;
    }
    let Some(lock) = st.tt_locks.get(&lock_id) else {
        return invalid();
    };
    match action {
        "lock/detail" => Resp::json(
            200,
            &json!({"lockId": lock_id, "lockName": name_of(lock_id), "lockAlias": lock.name, "lockMac": mac("C5:40", lock_id),
                    "electricQuantity": st.battery(lock_id), "featureValue": "F44354CD5F3", "timezoneRawOffset": 0,
                    "modelNum": "SN229_PV53", "hardwareRevision": "1.6", "firmwareRevision": "6.1.22.0208",
                    "autoLockTime": AUTO_LOCK_SECS, "lockSound": 1, "privacyLock": 2, "tamperAlert": 1, "resetButton": 1,
                    "soundVolume": 3, "hasGateway": i64::from(lock.gateway.is_some()), "openDirection": 0,
                    "passageMode": 2, "passageModeAutoUnlock": 2, "keyboardPwdVersion": 4, "date": INIT_DATE}),
        ),
        "lock/queryOpenState" => Resp::json(200, &json!({"state": open_state(lock, now)})),
        "lock/queryStatus" => Resp::json(200, &json!({"status": 0})),
        "lock/queryElectricQuantity" => {
            Resp::json(200, &json!({"electricQuantity": st.battery(lock_id)}))
        }
        "lock/queryDate" => Resp::json(
            200,
            &json!({"date": now.saturating_add(lock.clock_offset_ms)}),
        ),
        "lock/unlock" => {
            if let Some(l) = st.tt_locks.get_mut(&lock_id) {
                l.unlocked_at_ms = Some(now);
            }
            // Unlock by gateway: cloud type 12, the lock's own 28.
            record(st, uid, lock_id, (12, 28), ("", ""));
            Resp::json(200, &ok())
        }
        "lock/lock" => {
            if let Some(l) = st.tt_locks.get_mut(&lock_id) {
                l.unlocked_at_ms = None;
            }
            // Lock by app (11) as the cloud files it; the lock's own 26.
            record(st, uid, lock_id, (11, 26), ("", ""));
            Resp::json(200, &ok())
        }
        "lockRecord/list" => records(lock, p),
        _ => invalid(),
    }
}

/// `lockRecord/list`: newest first, filtered by operate time (`startDate`,
/// `endDate`: absent, empty or 0 is no bound), `recordType` and `searchStr`
/// (the passcode, card or fingerprint number, exactly); 200 a page at most.
fn records(lock: &TtLock, p: &Params) -> Resp {
    let (from, to, kind) = match (
        bound(p, "startDate"),
        bound(p, "endDate"),
        num(p, "recordType"),
    ) {
        (Ok(f), Ok(t), Ok(k)) => (f.unwrap_or(i64::MIN), t.unwrap_or(i64::MAX), k),
        _ => return invalid(),
    };
    let search = get(p, "searchStr");
    let mut list: Vec<Value> = lock
        .records
        .iter()
        .filter(|r| {
            r.get("lockDate")
                .and_then(Value::as_i64)
                .is_some_and(|t| t >= from && t <= to)
        })
        .filter(|r| kind.is_none_or(|k| r.get("recordType").and_then(Value::as_i64) == Some(k)))
        .filter(|r| search.is_none_or(|s| r.get("keyboardPwd").and_then(Value::as_str) == Some(s)))
        .cloned()
        .collect();
    // Newest first; the record id breaks ties so pages never overlap.
    list.sort_by_key(|x| {
        std::cmp::Reverse((
            x.get("lockDate").and_then(Value::as_i64).unwrap_or(0),
            x.get("recordId").and_then(Value::as_i64).unwrap_or(0),
        ))
    });
    page(list, p, 200)
}
