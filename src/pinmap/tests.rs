use chrono::{DateTime, Utc};

use super::*;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn access(level: &str, not_now: Option<NotNow>) -> Access {
    Access {
        grant_id: 9,
        level: level.into(),
        schedule: Some("Office hours".into()),
        hours: None,
        not_now,
    }
}

fn door(id: i64, provider: &str, expected: bool, on: Option<bool>) -> DoorPin {
    DoorPin {
        door_id: id,
        door_name: format!("door{id}"),
        provider: provider.into(),
        external_id: Some(format!("{}", 28_990_000 + id)),
        customer: Some(1),
        access: if expected {
            vec![access("HQ staff", None)]
        } else {
            Vec::new()
        },
        sync: on.map(|p| SyncState {
            vendor_pin_id: Some(format!("5{id}")),
            present: p,
            first_seen: Some(t("2026-01-19T16:00:00Z")),
            last_seen: Some(t("2026-11-20T10:00:00Z")),
        }),
        listing: None,
        changes: Vec::new(),
        last_ok: None,
        last_failed: None,
        uses_read: false,
        state: State::Unknown,
    }
}

fn change(kind: ChangeKind, ok: bool, job: i64, at: &str, error: Option<&str>) -> Change {
    Change {
        log_id: job * 10,
        kind,
        ok,
        error: error.map(str::to_string),
        job: Some(job),
        correlation_id: Some("e4792295b2f441f0b205e154984e92fc".into()),
        at: Some(t(at)),
    }
}

fn maya(doors: Vec<DoorPin>) -> UserPins {
    let mut u = UserPins {
        user_id: 9,
        name: Some("Maya Okafor".into()),
        email: Some("maya.okafor9@acme.example".into()),
        status: Some("active".into()),
        site: Some("HQ".into()),
        time_zone: Some("UTC".into()),
        credentials: vec![Credential {
            id: 6,
            name: "AB U9 C6".into(),
            masked_pin: "***1111".into(),
            status: "active".into(),
        }],
        doors,
        pending: Vec::new(),
        failed: None,
        now: t("2026-11-30T15:30:00Z"),
    };
    u.decide_all();
    u
}

fn used(d: &mut DoorPin, ok: Option<&str>, failed: Option<&str>) {
    d.last_ok = ok.map(|a| Use {
        at: t(a),
        success: true,
    });
    d.last_failed = failed.map(|a| Use {
        at: t(a),
        success: false,
    });
    d.uses_read = true;
}

#[test]
fn one_word_per_door_from_its_rows() {
    let h = Holder {
        active: true,
        credential_active: true,
    };
    assert_eq!(
        decide(&door(1, "TTLOCK", true, Some(true)), h, false),
        State::Ok
    );
    assert_eq!(
        decide(&door(1, "TTLOCK", true, Some(false)), h, false),
        State::Missing
    );
    assert_eq!(
        decide(&door(1, "TTLOCK", true, None), h, false),
        State::Unknown
    );
    assert_eq!(
        decide(&door(2, "TTLOCK", false, Some(true)), h, false),
        State::Stray
    );
    assert_eq!(
        decide(&door(2, "TTLOCK", false, Some(false)), h, false),
        State::Ok
    );
    assert_eq!(
        decide(&door(2, "TTLOCK", false, Some(true)), h, true),
        State::Pending
    );
    // A pending job does not hide a door that agrees.
    assert_eq!(
        decide(&door(1, "TTLOCK", true, Some(true)), h, true),
        State::Ok
    );
    let mut d = door(3, "TTLOCK", true, Some(false));
    d.changes.push(change(
        ChangeKind::Add,
        false,
        80,
        "2026-11-20T11:00:00Z",
        Some("gateway offline"),
    ));
    assert_eq!(decide(&d, h, false), State::Failing);
    // A listing newer than the sync state wins; an older one does not.
    let mut d = door(2, "TTLOCK", false, Some(false));
    d.listing = Some(Listing {
        log_id: None,
        at: Some(t("2026-11-30T15:00:00Z")),
        holds: Some(true),
        error: None,
    });
    assert_eq!(decide(&d, h, false), State::Stray);
    d.listing.as_mut().unwrap().at = Some(t("2026-02-05T16:29:01Z"));
    assert_eq!(decide(&d, h, false), State::Ok);
    // A failed listing says nothing.
    d.sync = None;
    d.listing.as_mut().unwrap().holds = None;
    assert_eq!(decide(&d, h, false), State::Unknown);
    // Revoked or suspended: on the lock is a stray even where access remains.
    let revoked = Holder {
        active: true,
        credential_active: false,
    };
    assert_eq!(
        decide(&door(1, "TTLOCK", true, Some(true)), revoked, false),
        State::Stray
    );
    let suspended = Holder {
        active: false,
        credential_active: true,
    };
    assert_eq!(
        decide(&door(1, "TTLOCK", true, Some(false)), suspended, false),
        State::Ok
    );
    assert!(State::Stray.warns() && State::Missing.warns() && State::Failing.warns());
    assert!(!State::Ok.warns() && !State::Pending.warns());
}

#[test]
fn user_why_cases() {
    let golden = |u: &UserPins| u.why();
    let mut wrong = Vec::new();
    let mut check = |got: String, want: &str| {
        if got != want {
            wrong.push(format!("{want}\n  {got:?}"));
        }
    };
    // A stray: the seed case.
    let mut stray = door(2, "TTLOCK", false, Some(false));
    stray.door_name = "ttlock".into();
    stray.listing = Some(Listing {
        log_id: None,
        at: Some(t("2026-11-30T15:29:00Z")),
        holds: Some(true),
        error: None,
    });
    stray.changes = vec![
        change(ChangeKind::Delete, true, 104, "2026-02-05T16:29:03Z", None),
        change(ChangeKind::Delete, true, 72, "2026-02-04T14:59:01Z", None),
        change(ChangeKind::Delete, true, 72, "2026-02-04T14:59:00Z", None),
    ];
    used(&mut stray, Some("2026-11-30T13:26:00Z"), None);
    let mut d9 = door(9, "TTLOCK", true, Some(true));
    used(
        &mut d9,
        Some("2026-11-28T08:00:00Z"),
        Some("2026-11-29T07:10:00Z"),
    );
    let expected = [1, 3, 5, 6, 14].map(|i| {
        door(
            i,
            if i >= 5 { "DOORDECK" } else { "TTLOCK" },
            true,
            Some(true),
        )
    });
    let mut doors = vec![stray];
    doors.extend(expected.iter().cloned());
    doors.push(d9.clone());
    doors.sort_by_key(|d| d.door_id);
    check(
        golden(&maya(doors)),
        "Maya's PIN AB U9 C6 is a stray on door 2 (ttlock), which no access level of Maya's opens: job #72 deleted it twice on 2026-02-04 and job #104 again on 2026-02-05, yet the lock still holds it and it opened the door today at 13:26; Maya should open doors 1, 3, 5, 6, 9 and 14; Maya's last failed unlock was at door 9 on 2026-11-29.",
    );

    // Missing where expected; the job that should have added it failed.
    let mut d3 = door(3, "TTLOCK", true, Some(false));
    d3.changes.push(change(
        ChangeKind::Add,
        false,
        131,
        "2026-11-29T09:00:00Z",
        Some("TTLock errcode -3002: gateway offline"),
    ));
    let mut d1 = door(1, "TTLOCK", true, Some(true));
    used(&mut d1, Some("2026-11-30T09:12:00Z"), None);
    check(
        golden(&maya(vec![d1.clone(), d3.clone()])),
        "Maya's PIN AB U9 C6 is missing on door 3 (door3): job #131 that should have added it failed (TTLock errcode -3002: gateway offline); Maya should open doors 1 and 3.",
    );
    // Missing with no add logged on the lock: her newest failed job is named.
    let mut u = maya(vec![d1.clone(), door(3, "TTLOCK", true, Some(false))]);
    u.failed = Some(JobRef {
        id: 140,
        job_type: "reconcile_user".into(),
        status: "dead".into(),
        error: Some("TTLock errcode 10004: invalid grant".into()),
        at: Some(t("2026-11-29T09:00:00Z")),
    });
    check(
        golden(&u),
        "Maya's PIN AB U9 C6 is missing on door 3 (door3): job #140 that should have added it failed (TTLock errcode 10004: invalid grant); Maya should open doors 1 and 3.",
    );

    // Every add failing on one provider.
    let mut d9f = door(9, "TTLOCK", true, None);
    d9f.changes.push(change(
        ChangeKind::Add,
        false,
        132,
        "2026-11-29T10:00:00Z",
        Some("TTLock errcode -3002: gateway offline"),
    ));
    let mut d3f = d3.clone();
    d3f.sync = None;
    check(
        golden(&maya(vec![d3f, d9f, door(5, "DOORDECK", true, Some(true))])),
        "every add of Maya's PIN AB U9 C6 on ttlock fails: doors 3 and 9 (the last: TTLock errcode -3002: gateway offline); Maya should open doors 3, 5 and 9.",
    );

    // Credential revoked; user suspended.
    let mut u = maya(vec![
        door(1, "TTLOCK", true, Some(true)),
        door(3, "TTLOCK", true, Some(false)),
    ]);
    u.credentials[0].status = "revoked".into();
    u.decide_all();
    check(
        golden(&u),
        "Maya's credential AB U9 C6 is revoked, so it belongs on no lock, yet it is still on door 1.",
    );
    let mut u = maya(vec![door(1, "TTLOCK", true, Some(false))]);
    u.status = Some("suspended".into());
    u.decide_all();
    check(
        golden(&u),
        "Maya is suspended, so Maya's PIN AB U9 C6 belongs on no lock.",
    );

    // Access expired (its schedule's validity over), the PIN already off.
    let mut d4 = door(4, "TTLOCK", false, Some(false));
    d4.access = vec![access("Contractors", Some(NotNow::Expired))];
    check(
        golden(&maya(vec![d1.clone(), d4])),
        "Maya's access to door 4 (door4) through Contractors has expired (schedule Office hours), and the PIN is off its lock; Maya should open door 1.",
    );

    // Outside its schedule's hours now (Monday 2026-11-30 15:30 UTC, a
    // weekend-only schedule): the PIN stays on, she should not open it now.
    let mut d5 = door(5, "TTLOCK", true, Some(true));
    d5.access[0].hours =
        super::hours::Hours::parse(Some("6,7"), Some("08:00"), Some("18:00"), Some("UTC"));
    check(
        golden(&maya(vec![d1.clone(), d5.clone()])),
        "Maya's access to door 5 (door5) is outside its schedule now (Sat,Sun 08:00–18:00 UTC): the PIN is on the lock, but Maya should not open the door until then; Maya should open doors 1 and 5.",
    );
    // Within its hours (weekdays): nothing to say.
    d5.access[0].hours =
        super::hours::Hours::parse(Some("1,2,3,4,5"), Some("08:00"), Some("18:00"), Some("UTC"));
    let u = maya(vec![d1.clone(), d5]);
    assert!(u.doors[1].outside_hours(u.now).is_none());
    assert!(
        golden(&u).starts_with("Maya's PIN AB U9 C6 is on every lock it should be on"),
        "{}",
        golden(&u)
    );

    // A change still pending.
    let mut u = maya(vec![d1.clone(), door(3, "TTLOCK", true, Some(false))]);
    u.pending = vec![JobRef {
        id: 150,
        job_type: "reconcile_user".into(),
        status: "queued".into(),
        error: None,
        at: None,
    }];
    u.decide_all();
    check(
        golden(&u),
        "a change is still pending: job #150 (reconcile_user) is queued; Maya should open doors 1 and 3.",
    );

    // Nothing wrong.
    check(
        golden(&maya(vec![d1, d9.clone()])),
        "Maya's PIN AB U9 C6 is on every lock it should be on (doors 1 and 9), and Maya's last unlock, at door 1 today at 09:12, worked; Maya's last failed unlock was at door 9 on 2026-11-29.",
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // Hostile names stay one line.
    let mut u = maya(vec![d9]);
    u.name = Some("\u{202E}Ma\nya\u{7} X".into());
    assert!(!golden(&u).contains('\n') && !golden(&u).contains('\u{202E}'));
}
