//! The passcode family: `lock/listKeyboardPwd` and `keyboardPwd/add`,
//! `change`, `delete` and `get` (a random code made by the cloud). A code
//! added shows in the list at once and, pushed through the gateway, in the
//! lock's records.

use chrono::Utc;
use serde_json::{Value, json};

use super::{Params, err, get, invalid, need, num, ok, page};
use crate::sim::{Fault, Resp, SimState};

/// The most custom passcodes a lock holds (-3009 past it).
const MAX_CODES: usize = 250;

/// `lock/listKeyboardPwd`: `orderBy` 0 name ascending, 1 newest first (the
/// default when absent), 2 name descending; `searchStr` a fuzzy match on the
/// name or an exact one on the code; 200 a page at most.
pub fn list(st: &SimState, lock_id: i64, p: &Params) -> Resp {
    let Some(lock) = st.tt_locks.get(&lock_id) else {
        return invalid();
    };
    let name = |x: &Value| {
        x.get("keyboardPwdName")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let mut list: Vec<Value> = lock.passcodes.clone();
    if let Some(s) = get(p, "searchStr") {
        let lower = s.to_lowercase();
        list.retain(|x| {
            name(x).to_lowercase().contains(&lower)
                || x.get("keyboardPwd").and_then(Value::as_str) == Some(s)
        });
    }
    match get(p, "orderBy").unwrap_or("1") {
        "0" => list.sort_by_key(name),
        "2" => list.sort_by_key(|x| std::cmp::Reverse(name(x))),
        _ => list.sort_by_key(|x| {
            std::cmp::Reverse(x.get("sendDate").and_then(Value::as_i64).unwrap_or(0))
        }),
    }
    let fault = st.fault(&format!("TTLOCK:{lock_id}"));
    if fault == Some(Fault::ListOverBound) {
        let filler = crate::sim::fillers(list.len(), |i| {
            json!({"keyboardPwdId": 90_000_000 + i, "lockId": lock_id, "keyboardPwd": format!("{}", 1_000_000 + i),
                   "keyboardPwdName": format!("filler {i}"), "keyboardPwdType": 2, "status": 1})
        });
        list.extend(filler);
    }
    let mut answer = page(list, p, 200);
    if let Ok(mut v) = serde_json::from_str::<Value>(&answer.body) {
        match fault {
            Some(Fault::ListNoPages) => {
                v.as_object_mut().map(|m| m.remove("pages"));
            }
            Some(Fault::ListPagesNotInteger) => v["pages"] = json!(1.5),
            Some(Fault::ListTotalTooHigh) => {
                v["total"] = json!(v["total"].as_i64().unwrap_or(0).saturating_add(1));
            }
            _ => {}
        }
        answer.body = v.to_string();
    }
    answer
}

fn refused(st: &SimState, lock_id: i64) -> bool {
    st.fault(&format!("TTLOCK:{lock_id}")) == Some(Fault::RefusePin)
}

/// A code the lock takes: 4–9 digits (-3006), not one repeated digit
/// (-2032), not already on the lock (-3007).
fn check_code(st: &SimState, lock_id: i64, code: &str) -> Result<(), Resp> {
    if !(4..=9).contains(&code.len()) || !code.chars().all(|c| c.is_ascii_digit()) {
        return Err(err(-3006, "passcode length must be 4-9"));
    }
    if refused(st, lock_id) || code.chars().all(|c| code.starts_with(c)) {
        return Err(err(-2032, "passcode too simple"));
    }
    let taken = st.tt_locks.get(&lock_id).is_some_and(|l| {
        l.passcodes
            .iter()
            .any(|x| x.get("keyboardPwd").and_then(Value::as_str) == Some(code))
    });
    if taken {
        return Err(err(-3007, "same passcode already exists"));
    }
    Ok(())
}

fn username(st: &SimState, uid: i64) -> String {
    st.tt_accounts
        .iter()
        .find(|a| a.uid == uid)
        .map(|a| a.username.clone())
        .unwrap_or_default()
}

/// `keyboardPwd/add`: a custom code (type 2 permanent or 3 period, the
/// default 3); `startDate` absent, empty or 0 is now, `endDate` 0 none.
pub fn add(st: &mut SimState, uid: i64, lock_id: i64, p: &Params) -> Resp {
    let Some(code) = get(p, "keyboardPwd").map(str::to_string) else {
        return invalid();
    };
    let (ptype, start, end) = match (
        num(p, "keyboardPwdType"),
        num(p, "startDate"),
        num(p, "endDate"),
    ) {
        (Ok(t), Ok(s), Ok(e)) => (t.unwrap_or(3), s, e.unwrap_or(0)),
        _ => return invalid(),
    };
    if ptype != 2 && ptype != 3 {
        return invalid();
    }
    if let Err(e) = check_code(st, lock_id, &code) {
        return e;
    }
    if st
        .tt_locks
        .get(&lock_id)
        .is_some_and(|l| l.passcodes.len() >= MAX_CODES)
    {
        return err(-3009, "custom passcode storage full");
    }
    let now = Utc::now().timestamp_millis();
    let start = start.filter(|s| *s != 0).unwrap_or(now);
    st.next_id += 1;
    let id = st.next_id;
    let name = get(p, "keyboardPwdName").unwrap_or("").to_string();
    let entry = json!({"keyboardPwdId": id, "lockId": lock_id, "keyboardPwd": code, "keyboardPwdName": name,
        "keyboardPwdType": ptype, "keyboardPwdVersion": 4, "startDate": start, "endDate": end, "sendDate": now,
        "isCustom": 1, "status": 1, "senderUsername": username(st, uid), "nickName": "", "receiverUsername": ""});
    if let Some(l) = st.tt_locks.get_mut(&lock_id) {
        l.passcodes.push(entry);
    }
    super::locks::passcode_added(st, uid, lock_id, &name, &code);
    Resp::json(200, &json!({"keyboardPwdId": id}))
}

/// `keyboardPwd/get`: a random code from the cloud (no gateway needed);
/// `keyboardPwdType` and `startDate` required, the start rounded down to the
/// hour; answers the code and its id.
pub fn random(st: &mut SimState, uid: i64, lock_id: i64, p: &Params) -> Resp {
    let (ptype, start, end) = match (
        need(p, "keyboardPwdType"),
        need(p, "startDate"),
        num(p, "endDate"),
    ) {
        (Ok(t), Ok(s), Ok(e)) => (t, s, e.unwrap_or(0)),
        _ => return invalid(),
    };
    if !(1..=14).contains(&ptype) || start < 0 {
        return invalid();
    }
    // The lock refusing PINs refuses this one too (the loop below would
    // otherwise never find a code it takes), and a full lock takes none.
    if refused(st, lock_id) {
        return err(-2032, "passcode too simple");
    }
    if st
        .tt_locks
        .get(&lock_id)
        .is_some_and(|l| l.passcodes.len() >= MAX_CODES)
    {
        return err(-3009, "custom passcode storage full");
    }
    let start = start - start.rem_euclid(3_600_000);
    let mut rng = crate::seeds::Rng(st.rng_state ^ u64::try_from(lock_id).unwrap_or(0));
    // Bounded: a lock holds at most MAX_CODES of 90 million codes.
    let mut code = None;
    for _ in 0..64 {
        let c = format!("{}", rng.range(10_000_000, 99_999_999));
        if check_code(st, lock_id, &c).is_ok() {
            code = Some(c);
            break;
        }
    }
    let Some(code) = code else {
        return err(-3007, "same passcode already exists");
    };
    st.rng_state = rng.next_u64();
    st.next_id += 1;
    let id = st.next_id;
    let now = Utc::now().timestamp_millis();
    let entry = json!({"keyboardPwdId": id, "lockId": lock_id, "keyboardPwd": code,
        "keyboardPwdName": get(p, "keyboardPwdName").unwrap_or(""), "keyboardPwdType": ptype, "keyboardPwdVersion": 4,
        "startDate": start, "endDate": end, "sendDate": now, "isCustom": 0, "status": 1,
        "senderUsername": username(st, uid), "nickName": "", "receiverUsername": ""});
    if let Some(l) = st.tt_locks.get_mut(&lock_id) {
        l.passcodes.push(entry);
    }
    Resp::json(200, &json!({"keyboardPwd": code, "keyboardPwdId": id}))
}

fn position(st: &SimState, lock_id: i64, p: &Params) -> Result<usize, Resp> {
    let pid = need(p, "keyboardPwdId")?;
    st.tt_locks
        .get(&lock_id)
        .and_then(|l| {
            l.passcodes
                .iter()
                .position(|x| x.get("keyboardPwdId").and_then(Value::as_i64) == Some(pid))
        })
        .ok_or_else(|| err(-2009, "passcode does not exist"))
}

/// `keyboardPwd/change`: a new name, a new code, or a new period (both
/// `startDate` and `endDate`; one alone changes nothing, as documented).
pub fn change(st: &mut SimState, lock_id: i64, p: &Params) -> Resp {
    let i = match position(st, lock_id, p) {
        Ok(i) => i,
        Err(e) => return e,
    };
    let new_code = get(p, "newKeyboardPwd").map(str::to_string);
    if let Some(c) = &new_code {
        if let Err(e) = check_code(st, lock_id, c) {
            return e;
        }
    }
    let period = match (num(p, "startDate"), num(p, "endDate")) {
        (Ok(Some(s)), Ok(Some(e))) => Some((s, e)),
        (Ok(_), Ok(_)) => None,
        _ => return invalid(),
    };
    let Some(code) = st
        .tt_locks
        .get_mut(&lock_id)
        .and_then(|l| l.passcodes.get_mut(i))
    else {
        return invalid();
    };
    if let Some(n) = get(p, "keyboardPwdName") {
        code["keyboardPwdName"] = json!(n);
    }
    if let Some(c) = new_code {
        code["keyboardPwd"] = json!(c);
    }
    if let Some((s, e)) = period {
        code["startDate"] = json!(s);
        code["endDate"] = json!(e);
    }
    Resp::json(200, &ok())
}

/// `keyboardPwd/delete`.
pub fn delete(st: &mut SimState, lock_id: i64, p: &Params) -> Resp {
    let i = match position(st, lock_id, p) {
        Ok(i) => i,
        Err(e) => return e,
    };
    if let Some(l) = st.tt_locks.get_mut(&lock_id) {
        l.passcodes.remove(i);
    }
    st.tt_deletes += 1;
    Resp::json(200, &ok())
}
