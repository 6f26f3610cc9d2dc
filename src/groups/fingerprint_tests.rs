// fingerprint_cases: real error strings and their fingerprints.
use super::*;

fn step(provider: &str, action: &str, error: &str) -> FailedStep {
    FailedStep {
        provider: Some(provider.into()),
        action: Some(action.into()),
        error: Some(error.into()),
        ..FailedStep::default()
    }
}

#[test]
fn fingerprint_cases() {
    let t = |action: &str, error: &str| step("TTLOCK", action, error);
    let d = |action: &str, error: &str| step("DOORDECK", action, error);
    let cases: Vec<(FailedStep, &str)> = vec![
        // TTLock's errcodes, as the broker's client and the demo write them.
        (
            t("PASSCODE_ADD", "TTLock errcode -3002: gateway offline"),
            "TTLOCK PASSCODE_ADD errcode -3002: gateway offline",
        ),
        (
            t(
                "PASSCODE_ADD",
                "TTLock errcode -3003: gateway busy, try later",
            ),
            "TTLOCK PASSCODE_ADD errcode -3003: gateway busy, try later",
        ),
        (
            t("PASSCODE_DELETE", "TTLock errcode -3002: gateway offline"),
            "TTLOCK PASSCODE_DELETE errcode -3002: gateway offline",
        ),
        (
            t(
                "PASSCODE_ADD",
                "TTLock errcode 10004: invalid grant: token invalid, expired or revoked",
            ),
            "TTLOCK PASSCODE_ADD errcode 10004: invalid grant: token invalid, expired or revoked",
        ),
        (
            t(
                "PASSCODE_LIST",
                "TTLock errcode 10003: token does not exist",
            ),
            "TTLOCK PASSCODE_LIST errcode 10003: token does not exist",
        ),
        (
            t("PASSCODE_ADD", "TTLock errcode -3036: lock offline"),
            "TTLOCK PASSCODE_ADD errcode -3036: lock offline",
        ),
        (
            t("PASSCODE_ADD", "TTLock errcode -3037: lock busy"),
            "TTLOCK PASSCODE_ADD errcode -3037: lock busy",
        ),
        (
            t(
                "PASSCODE_ADD",
                "TTLock errcode -2012: no gateway near the lock",
            ),
            "TTLOCK PASSCODE_ADD errcode -2012: no gateway near the lock",
        ),
        (
            t(
                "PASSCODE_LIST",
                "TTLock errcode 30006: exceeds the restrictions of API call number",
            ),
            "TTLOCK PASSCODE_LIST errcode 30006: exceeds the restrictions of api call number",
        ),
        (
            t(
                "PASSCODE_LIST",
                "TTLock errcode 30007: monthly API quota exceeded",
            ),
            "TTLOCK PASSCODE_LIST errcode 30007: monthly api quota exceeded",
        ),
        (
            t(
                "PASSCODE_ADD",
                "TTLock errcode -3009: custom passcode storage full",
            ),
            "TTLOCK PASSCODE_ADD errcode -3009: custom passcode storage full",
        ),
        (
            t(
                "PASSCODE_ADD",
                "TTLock errcode -3007: the same passcode already exists",
            ),
            "TTLOCK PASSCODE_ADD errcode -3007: the same passcode already exists",
        ),
        (
            t(
                "PASSCODE_DELETE",
                "TTLock errcode -2009: passcode does not exist",
            ),
            "TTLOCK PASSCODE_DELETE errcode -2009: passcode does not exist",
        ),
        (
            t(
                "PASSCODE_ADD",
                "TTLock errcode 80000: date must be current time",
            ),
            "TTLOCK PASSCODE_ADD errcode 80000: date must be current time",
        ),
        (
            t(
                "PASSCODE_ADD",
                "TTLock errcode 90000: internal server error",
            ),
            "TTLOCK PASSCODE_ADD errcode 90000: internal server error",
        ),
        (
            t("PASSCODE_ADD", "TTLock errcode -3: invalid parameter"),
            "TTLOCK PASSCODE_ADD errcode -3: invalid parameter",
        ),
        // Doordeck's statuses, near misses kept apart.
        (
            d("LOCK_SHARE", "Doordeck HTTP 503: device offline"),
            "DOORDECK LOCK_SHARE HTTP 503: device offline",
        ),
        (
            d("LOCK_SHARE", "Doordeck HTTP 502: bad gateway"),
            "DOORDECK LOCK_SHARE HTTP 502: bad gateway",
        ),
        (
            d("LOCK_REVOKE", "HTTP 504: the device did not answer in time"),
            "DOORDECK LOCK_REVOKE HTTP 504: the device did not answer in time",
        ),
        (
            d(
                "LOCK_SHARE",
                "HTTP 401: unauthorized (bad or expired token)",
            ),
            "DOORDECK LOCK_SHARE HTTP 401: unauthorized (bad or expired token)",
        ),
        (
            d("LOCK_SHARE", "HTTP 429: too many requests"),
            "DOORDECK LOCK_SHARE HTTP 429: too many requests",
        ),
        (
            d(
                "LOCK_SHARE",
                "HTTP 409: conflict: the request id (jti) was already used",
            ),
            "DOORDECK LOCK_SHARE HTTP 409: conflict: the request id (jti) was already used",
        ),
        // What varies between jobs of one cause is replaced.
        (
            t(
                "PASSCODE_ADD",
                "TTLock errcode -3002: gateway offline (lock 28991110, since 2026-11-20T15:30:00Z)",
            ),
            "TTLOCK PASSCODE_ADD errcode -3002: gateway offline (lock <n>, since <time>)",
        ),
        (
            d(
                "LOCK_SHARE",
                "Doordeck HTTP 503: device 6b1c2f0e-5d3a-4c8e-9f10-2a3b4c5d6e7f offline",
            ),
            "DOORDECK LOCK_SHARE HTTP 503: device <uuid> offline",
        ),
        (
            FailedStep {
                door_name: Some("Front entrance".into()),
                lock_key: Some("TTLOCK:28990137".into()),
                ..t(
                    "PASSCODE_ADD",
                    "Front entrance (TTLOCK:28990137): gateway offline at 09:14:02",
                )
            },
            "TTLOCK PASSCODE_ADD: <door> (<lock>): gateway offline at <time>",
        ),
        (
            t(
                "PASSCODE_ADD",
                "AB U9 C6 rejected by lock 0x1f2e3d4c, trace e4792295b2f441f0b205e154984e92fc",
            ),
            "TTLOCK PASSCODE_ADD: ab u<n> c<n> rejected by lock <hex>, trace <hex>",
        ),
        // Only the response says what happened.
        (
            FailedStep {
                error: None,
                errcode: Some(-3002),
                provider_message: Some("gateway offline".into()),
                ..t("PASSCODE_ADD", "")
            },
            "TTLOCK PASSCODE_ADD errcode -3002: gateway offline",
        ),
        (
            FailedStep {
                error: None,
                http_status: Some(503),
                provider_message: Some("Device offline".into()),
                ..d("LOCK_SHARE", "")
            },
            "DOORDECK LOCK_SHARE HTTP 503: device offline",
        ),
        // A broker step with no provider code.
        (
            step(
                "ACCESS_BROKER",
                "DOOR_PROVISION",
                "door 17 has no integration device",
            ),
            "ACCESS_BROKER DOOR_PROVISION: door <n> has no integration device",
        ),
    ];
    assert!(cases.len() >= 25, "{}", cases.len());
    for (s, want) in &cases {
        assert_eq!(Fingerprint::of_step(s).to_string(), *want, "{s:?}");
    }
    // The fallback: the job type and its last_error.
    let fb = |ty: &str, e: &str| Fingerprint::of_job(ty, Some(e)).to_string();
    assert_eq!(
        fb("reconcile_user", "TTLock errcode -3002: gateway offline"),
        "reconcile_user errcode -3002: gateway offline"
    );
    assert_eq!(
        fb(
            "drift_enforce_lock_truth",
            "worker died: connection reset after 30s (corr e4792295b2f441f0b205e154984e92fc)"
        ),
        "drift_enforce_lock_truth: worker died: connection reset after <n>s (corr <hex>)"
    );
    assert_eq!(
        Fingerprint::of_job("reconcile_user", None).to_string(),
        "reconcile_user"
    );
    // Near misses never group; the same cause on other locks and times does.
    let fp = |s: &FailedStep| Fingerprint::of_step(s);
    assert_ne!(fp(&cases[0].0), fp(&cases[1].0), "-3002 vs -3003");
    assert_ne!(fp(&cases[16].0), fp(&cases[17].0), "503 vs 502");
    assert_ne!(fp(&cases[0].0), fp(&cases[2].0), "add vs delete");
    assert_eq!(
        fp(&t(
            "PASSCODE_ADD",
            "TTLock errcode -3002: gateway offline (lock 28990411, since 2026-11-20T13:02:59Z)"
        )),
        fp(&cases[22].0)
    );
    assert_eq!(
        fp(&cases[0].0),
        fp(&cases[26].0),
        "the response's errcode alone"
    );
    assert_eq!(
        fp(&cases[16].0),
        fp(&cases[27].0),
        "the response's status alone"
    );
}

#[test]
fn hostile_messages_are_bounded_masked_and_one_line() {
    let huge = format!("TTLock errcode -3002: {}", "x\u{7}\n".repeat(2_000_000));
    let f = Fingerprint::of_step(&step("TTLOCK", "PASSCODE_ADD\n\u{1b}[2J", &huge));
    let text = f.to_string();
    assert!(text.chars().count() < 300, "{}", text.len());
    assert!(!text.chars().any(char::is_control), "{text:?}");
    let secret = Fingerprint::of_step(&step(
        "TTLOCK",
        "PASSCODE_ADD",
        "failed: accessToken=3f9a7c1d2e8b4455 rejected",
    ));
    assert!(!secret.to_string().contains("3f9a7c1d2e8b4455"), "{secret}");
    // A code prefix near a multi-byte character does not split it.
    let f = Fingerprint::of_job(
        "reconcile_user",
        Some("HTTP 503ü: Gerät offline — Büro 1.OG"),
    );
    assert_eq!(f.code, Some(Code::Http(503)));
}

#[test]
fn meanings_come_from_the_providers_tables() {
    assert_eq!(
        meaning(Some("TTLOCK"), Code::Errcode(-3002)),
        Some("gateway offline")
    );
    assert_eq!(
        meaning(Some("TTLOCK"), Code::Errcode(-3003)),
        Some("gateway busy, try later")
    );
    assert_eq!(
        meaning(Some("DOORDECK"), Code::Http(503)),
        Some("device offline")
    );
    assert_eq!(meaning(Some("DOORDECK"), Code::Http(418)), None);
    assert_eq!(meaning(None, Code::Errcode(123_456)), None);
    assert_eq!(
        explained(
            None,
            "TTLock errcode 30006: exceeds the restrictions of API call number"
        ),
        "TTLock errcode 30006: exceeds the restrictions of API call number (errcode 30006: API call rate limit exceeded)"
    );
    assert_eq!(
        explained(None, "TTLock errcode -3002: gateway offline"),
        "TTLock errcode -3002: gateway offline"
    );
    assert_eq!(
        explained(Some("DOORDECK"), "HTTP 503"),
        "HTTP 503 (HTTP 503: device offline)"
    );
    assert_eq!(explained(None, "nothing to say"), "nothing to say");
}
