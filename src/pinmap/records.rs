//! Reading her PIN out of a provider's own answers, pure: whether a listing
//! (TTLock passcodes, Doordeck users) holds it, and her last good and last
//! failed unlock in a lock's records (TTLock records, Doordeck events).
//! Every number is checked: a time no calendar holds is skipped.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::Use;

/// How her PIN or account shows on a lock.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Who {
    /// `AB U9 C6`.
    pub code_name: String,
    /// The lock's ids of her PIN (keyboardPwdId), from the sync state.
    pub vendor_ids: Vec<String>,
    /// Her Doordeck account.
    pub doordeck_ref: Option<String>,
    pub email: Option<String>,
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl Who {
    fn is_her(&self, item: &Value) -> bool {
        let id = text(item.get("keyboardPwdId"));
        let name = text(item.get("keyboardPwdName")).or_else(|| text(item.get("username")));
        let user = text(item.get("userId")).or_else(|| text(item.get("user")));
        let email = text(item.get("email"));
        id.is_some_and(|i| self.vendor_ids.contains(&i))
            || name.is_some_and(|n| n == self.code_name)
            || (user.is_some() && user == self.doordeck_ref)
            || (email.is_some()
                && email.as_deref().map(str::to_ascii_lowercase)
                    == self.email.as_deref().map(str::to_ascii_lowercase))
    }
}

/// The items of an answer: `list` (TTLock), or a bare array (Doordeck).
pub fn items(answer: &Value) -> &[Value] {
    answer
        .get("list")
        .and_then(Value::as_array)
        .or_else(|| answer.as_array())
        .map_or(&[], Vec::as_slice)
}

/// Whether one page of a listing holds her PIN or share.
pub fn holds(answer: &Value, who: &Who) -> bool {
    items(answer).iter().any(|i| who.is_her(i))
}

/// The time of one record: TTLock's `lockDate` (ms), Doordeck's `timestamp`.
fn record_time(item: &Value) -> Option<DateTime<Utc>> {
    if let Some(ms) = item.get("lockDate").and_then(Value::as_i64) {
        return DateTime::from_timestamp_millis(ms);
    }
    crate::jsondoc::epoch_of("timestamp", item.get("timestamp")?)
}

/// Whether a record is an unlock, and whether it worked: TTLock passcode
/// records (type 4) by `success`; Doordeck's unlock events worked.
fn unlock(item: &Value) -> Option<bool> {
    if let Some(t) = item.get("recordType").and_then(Value::as_i64) {
        return (t == 4).then(|| item.get("success").and_then(Value::as_i64) == Some(1));
    }
    match item.get("type").and_then(Value::as_str)? {
        "DOOR_UNLOCK" => Some(true),
        "DOOR_UNLOCK_FAILED" | "UNLOCK_DENIED" => Some(false),
        _ => None,
    }
}

/// Her newest good and newest failed unlock among `records`.
pub fn uses<'a>(
    records: impl IntoIterator<Item = &'a Value>,
    who: &Who,
) -> (Option<Use>, Option<Use>) {
    let (mut ok, mut failed): (Option<Use>, Option<Use>) = (None, None);
    for r in records.into_iter().filter(|r| who.is_her(r)) {
        let (Some(success), Some(at)) = (unlock(r), record_time(r)) else {
            continue;
        };
        let slot = if success { &mut ok } else { &mut failed };
        if slot.as_ref().is_none_or(|u| u.at < at) {
            *slot = Some(Use { at, success });
        }
    }
    (ok, failed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn her_pin_and_unlocks_are_found_and_absurd_times_skipped() {
        let who = Who {
            code_name: "AB U9 C6".into(),
            vendor_ids: vec!["50957532".into()],
            doordeck_ref: Some("f01c".into()),
            email: Some("Maya@x.example".into()),
        };
        assert!(holds(
            &json!({"list": [{"keyboardPwdId": 50957532, "keyboardPwdName": "***"}]}),
            &who
        ));
        assert!(!holds(
            &json!({"list": [{"keyboardPwdId": 1, "keyboardPwdName": "***"}]}),
            &who
        ));
        assert!(holds(&json!([{"userId": "f01c"}]), &who));
        assert!(holds(&json!([{"email": "maya@x.example"}]), &who));
        assert!(!holds(&json!("hostile"), &who));
        let recs = json!({"list": [
            {"recordType": 4, "success": 1, "username": "AB U9 C6", "lockDate": 1795996557000i64},
            {"recordType": 4, "success": 0, "username": "AB U9 C6", "lockDate": 1795900000000i64},
            {"recordType": 4, "success": 1, "username": "AB U9 C6", "lockDate": i64::MAX},
            {"recordType": 4, "success": 1, "username": "AB U9 C7", "lockDate": 1799999999999i64},
            {"recordType": 12, "success": 1, "username": "AB U9 C6", "lockDate": 1799999999999i64},
            {"type": "DOOR_UNLOCK", "user": "f01c", "timestamp": 1795996600}
        ]});
        let (ok, failed) = uses(items(&recs), &who);
        assert_eq!(ok.unwrap().at.timestamp(), 1_795_996_600);
        assert_eq!(failed.unwrap().at.timestamp_millis(), 1_795_900_000_000);
    }
}
