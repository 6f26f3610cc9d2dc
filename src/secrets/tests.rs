use serde_json::json;

use super::*;

#[test]
fn keys_are_found_in_any_case_at_any_depth_and_the_rest_is_kept_byte_for_byte() {
    let text = r#"{"a": {"AccessToken": "tok-1", "list": [{"lockData": {"x": [1, 2]}}, {"aesKeyStr": 12}]}, "clientId": "6636",  "lock_key": "TTLOCK:1", "pwd": null, "keyboardPwdId": 50957532}"#;
    assert_eq!(
        json_text(text),
        r#"{"a": {"AccessToken": "***", "list": [{"lockData": "***"}, {"aesKeyStr": "***"}]}, "clientId": "6636",  "lock_key": "TTLOCK:1", "pwd": null, "keyboardPwdId": 50957532}"#
    );
    let clean =
        r#"{"errcode": 0, "list": [{"keyboardPwdId": 1, "keyboardPwdType": 2}], "s": "a\"b"}"#;
    assert!(matches!(json_text(clean), std::borrow::Cow::Borrowed(_)));
}

#[test]
fn pins_keep_at_most_their_last_two_digits() {
    assert_eq!(mask_pin("48201111"), "***11");
    assert_eq!(mask_pin("1234"), "***34");
    assert_eq!(mask_pin("123"), "***");
    assert_eq!(mask_pin("***1111"), "***11");
    assert_eq!(mask_pin("***11"), "***11");
    assert_eq!(
        json_text(
            r#"{"keyboardPwd": "***1111", "pin_code": 123456, "code_last4": null, "Passcode": "9876", "pin": "12"}"#
        ),
        r#"{"keyboardPwd": "***11", "pin_code": "***56", "code_last4": null, "Passcode": "***76", "pin": "***"}"#
    );
}

#[test]
fn query_strings_form_bodies_and_json_held_in_strings() {
    let text = r#"{"url": "https://api.ttlock.com/v3/lock/list?clientId=1&accessToken=abc123&pageNo=1", "body": "client_secret=s3cr3t&username=u", "inner": "{\"password\": \"hunter2\", \"n\": 1}"}"#;
    let r = json_text(text);
    assert!(r.contains("accessToken=***&pageNo=1"), "{r}");
    assert!(r.contains("client_secret=***&username=u"), "{r}");
    assert!(r.contains(r#"{\"password\": \"***\", \"n\": 1}"#), "{r}");
    for secret in ["abc123", "s3cr3t", "hunter2"] {
        assert!(!r.contains(secret), "{r}");
    }
}

#[test]
fn values_are_found_by_shape_wherever_they_stand() {
    let jwt = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl";
    let t = format!(
        "401 from doordeck: Authorization: Bearer {jwt}\nthen {jwt} again; Basic dXNlcjpwdw== refused\n-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----"
    );
    let r = free_text(&t);
    assert!(!r.contains("eyJzdWIiOiIxIn0"), "{r}");
    assert!(!r.contains("dXNlcjpwdw"), "{r}");
    assert!(!r.contains("MIIEvQIBADANBg"), "{r}");
    assert!(
        r.contains("401 from doordeck: Authorization: ***\nthen *** again"),
        "{r}"
    );
    assert!(
        r.contains("-----BEGIN PRIVATE KEY-----***-----END PRIVATE KEY-----"),
        "{r}"
    );
    assert_eq!(
        free_text("PIN 1234 rejected: pin=123456, token: abc"),
        "PIN 1234 rejected: pin=***56, token: ***"
    );
    assert_eq!(
        free_text("lock TTLOCK:28991110 is offline"),
        "lock TTLOCK:28991110 is offline"
    );
    // Masking twice changes nothing more.
    assert_eq!(free_text(&r), r);
}

#[test]
fn a_value_and_its_text_are_masked_alike() {
    let v = json!({"accessToken": "tok", "clientId": "6636", "keyboardPwd": "48201111", "keyboardPwdName": "AB U9 C6",
                   "nested": [{"password": "p", "refresh_token": "r", "keyboardPwd": "12345"}], "Authorization": "Bearer x"});
    assert_eq!(
        value(&v),
        json!({"accessToken": "***", "clientId": "6636", "keyboardPwd": "***11", "keyboardPwdName": "***",
               "nested": [{"password": "***", "refresh_token": "***", "keyboardPwd": "***45"}], "Authorization": "***"})
    );
}

#[test]
fn a_million_levels_deep_are_read_without_recursion() {
    let t = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            let mut text = String::new();
            for _ in 0..1_000_000 {
                text.push_str("{\"a\":");
            }
            text.push_str("{\"token\": \"deep-secret\"}");
            text.push_str(&"}".repeat(1_000_000));
            let r = json_text(&text);
            assert!(!r.contains("deep-secret"));
            assert_eq!(r.len(), text.len() - "deep-secret".len() + 3);
            // Unclosed and odd fragments end without a panic.
            for frag in [
                "{\"token\": \"abc",
                "{\"pin\":",
                "\"token\"",
                "{\"token\": [[[",
                "token=",
                "eyJ.",
                "-----BEGIN ",
            ] {
                let _ = json_text(frag);
                let _ = free_text(frag);
            }
        })
        .unwrap();
    t.join().expect("no stack overflow");
}

#[test]
fn the_key_lists_are_lowercase_so_any_case_matches_them() {
    for k in super::PIN_KEYS
        .iter()
        .chain(super::SECRET_KEYS)
        .chain(super::SECRET_ENDINGS)
    {
        assert_eq!(*k, k.to_ascii_lowercase(), "{k}");
    }
    assert_eq!(super::classify(" AccessToken "), Some(super::Secret::Whole));
    assert_eq!(super::classify("MD5_PASSWORD"), Some(super::Secret::Whole));
    assert_eq!(super::classify("lockId"), None);
}
