//! The few payload values a trace's findings read, apart from the payloads
//! themselves, so a big trace's findings need none of its documents.

use serde_json::Value;

/// The payload values the findings read: the code a call targeted, the
/// change an intent names, a finished job's summary. A NULL value and an
/// absent key are the same here, as they are in the heads statement.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogFacts {
    /// `payload.keyboardPwdId` or `payload.operation.user`, as JSON text.
    pub target: Option<String>,
    /// The request's `name` and `provider_code_id` (what intents match on).
    pub change: [Option<Value>; 2],
    /// The response's `summary` (a `RECONCILE_JOB_DONE`'s counts).
    pub summary: Option<Value>,
    /// `payload.date`: when a TTLock call was sent, in epoch milliseconds
    /// (the row's `created_at` is when its answer was logged). The
    /// waterfall draws the call as a bar between the two. (Non-zero: 1970
    /// is no request time, and every head carries this, 8 bytes not 16.)
    pub requested_ms: Option<std::num::NonZeroI64>,
}

impl LogFacts {
    pub fn of(request: Option<&Value>, response: Option<&Value>) -> LogFacts {
        let present = |v: Option<&Value>| v.filter(|v| !v.is_null()).cloned();
        let payload = request.and_then(|r| r.get("payload"));
        let target = present(payload.and_then(|p| p.get("keyboardPwdId")))
            .or_else(|| present(payload.and_then(|p| p.pointer("/operation/user"))))
            .map(|v| v.to_string());
        LogFacts {
            target,
            change: [
                present(request.and_then(|r| r.get("name"))),
                present(request.and_then(|r| r.get("provider_code_id"))),
            ],
            summary: present(response.and_then(|r| r.get("summary"))),
            requested_ms: payload
                .and_then(|p| p.get("date"))
                .and_then(Value::as_i64)
                .and_then(std::num::NonZeroI64::new),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn facts_treat_null_as_absent_and_fall_back_to_the_operation_user() {
        let req = json!({"payload": {"keyboardPwdId": null, "operation": {"user": "u-9"}},
                         "name": "AB U9 C6", "provider_code_id": null});
        let f = LogFacts::of(Some(&req), Some(&json!({"summary": {"removes": 1}})));
        assert_eq!(f.target.as_deref(), Some("\"u-9\""));
        assert_eq!(f.change, [Some(json!("AB U9 C6")), None]);
        assert_eq!(f.summary, Some(json!({"removes": 1})));
        assert_eq!(f.requested_ms, None);
        assert_eq!(LogFacts::of(Some(&json!(7)), None), LogFacts::default());
        let sent = json!({"payload": {"date": 1770217136181_i64}});
        let ms = LogFacts::of(Some(&sent), None).requested_ms;
        assert_eq!(ms.map(std::num::NonZeroI64::get), Some(1770217136181));
        // A date that is not a number is no request time.
        let odd = json!({"payload": {"date": "yesterday"}});
        assert_eq!(LogFacts::of(Some(&odd), None).requested_ms, None);
    }
}
