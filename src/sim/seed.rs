//! What the simulated clouds hold, built from a broker database so that the
//! two agree: each TTLock lock holds the PINs the broker last saw on it (door
//! 2's lock 28991110 holds passcode 50957532 exactly as seed 001 lists it),
//! each Doordeck lock is shared with the users who may open it, and the
//! locks' own records show people using the doors.

use crate::store::statements;
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use sqlx::{PgPool, Row};

use super::{DdAccount, DdDevice, Shared, SimState, TtAccount, TtLock, state};
use crate::seeds;
use crate::seeds::{CUSTOMERS, Rng};

/// The seed's passcode 50957532 with its real code and name inside (the
/// client's redaction turns them back into `***1111` and `***`).
fn seed_passcode() -> Value {
    let rows = seeds::rows();
    let mut p = rows
        .integration_logs
        .iter()
        .find(|l| l.id == 1660)
        .and_then(|l| l.response_json.get("list").and_then(|x| x.get(0)).cloned())
        .unwrap_or_else(|| json!({}));
    p["keyboardPwd"] = json!("48201111");
    p["keyboardPwdName"] = json!("AB U9 C6");
    p
}

pub async fn from_database(
    pool: &PgPool,
    now: DateTime<Utc>,
    secret_seed: u64,
) -> Result<SimState, sqlx::Error> {
    let mut st = SimState::new();
    // The world was built at `now`: the clouds report it on that clock.
    st.clock_offset = now - Utc::now();
    let mut rng = Rng(0xD00D ^ secret_seed);
    let customers: Vec<(i64, String, String)> = sqlx::query_as(statements::sim::CUSTOMERS.tagged())
        .fetch_all(pool)
        .await?;
    for (id, provider, account) in &customers {
        // Passwords and secrets are fresh for every run; they reach the
        // console only through the providers file.
        let secret = rng.hex32();
        if provider.eq_ignore_ascii_case("TTLOCK") {
            let client_id = CUSTOMERS
                .iter()
                .find(|c| c.0 == *id && !c.4.is_empty())
                .map_or_else(|| rng.hex32(), |c| c.4.to_string());
            st.tt_accounts.push(TtAccount {
                customer: *id,
                client_id,
                client_secret: secret[..16].to_string(),
                // Customer 1's account is the one seed 001 shows as sender.
                username: if *id == 1 {
                    "keith@ac5.ca".into()
                } else {
                    format!("ops@{account}.example")
                },
                password: secret[16..].to_string(),
                uid: 2340 + id,
            });
        } else {
            st.dd_accounts.push(DdAccount {
                customer: *id,
                email: format!("ops@{account}.example"),
                password: secret.clone(),
                user_id: rng.uuid(),
            });
        }
    }

    // TTLock locks and the PINs on them.
    let rows = sqlx::query(statements::sim::TTLOCK_PASSCODES.tagged())
        .fetch_all(pool)
        .await?;
    for r in &rows {
        let door: i64 = r.try_get(0)?;
        let lock_id: i64 = r.try_get::<String, _>(2)?.parse().unwrap_or(0);
        let customer: Option<i64> = r.try_get(3)?;
        let Some(acct) = st
            .tt_accounts
            .iter()
            .find(|a| Some(a.customer) == customer)
            .cloned()
        else {
            continue;
        };
        let lock = st.tt_locks.entry(lock_id).or_insert_with(|| TtLock {
            uid: acct.uid,
            name: r.try_get::<String, _>(1).unwrap_or_default(),
            passcodes: Vec::new(),
            records: Vec::new(),
            // One lock's clock runs four minutes fast.
            clock_offset_ms: if door == 3 { 4 * 60 * 1000 } else { 0 },
            gateway: None,
            battery: 80 + lock_id.rem_euclid(20),
            unlocked_at_ms: None,
        });
        let vendor: Option<String> = r.try_get(4)?;
        let (Some(vendor), Some(pin)) = (vendor, r.try_get::<Option<String>, _>(6)?) else {
            continue;
        };
        let seen: DateTime<Utc> = r.try_get::<Option<DateTime<Utc>>, _>(7)?.unwrap_or(now);
        lock.passcodes.push(json!({
            "keyboardPwdId": vendor.parse::<i64>().unwrap_or(0), "lockId": lock_id, "keyboardPwd": pin,
            "keyboardPwdName": r.try_get::<Option<String>, _>(5)?.unwrap_or_default(), "keyboardPwdType": 2,
            "keyboardPwdVersion": 4, "startDate": seen.timestamp_millis(), "endDate": 0, "sendDate": seen.timestamp_millis(),
            "isCustom": 1, "status": 1, "senderUsername": acct.username, "nickName": "", "receiverUsername": ""
        }));
    }
    if let Some(l) = st.tt_locks.get_mut(&28_991_110) {
        l.passcodes.push(seed_passcode());
    }
    // A code someone added through the TTLock app: unknown to the broker.
    if let Some(l) = st.tt_locks.get_mut(&(28_990_000 + 4 * 137)) {
        l.passcodes.push(json!({"keyboardPwdId": 61_234_567, "lockId": 28_990_548, "keyboardPwd": "7391",
            "keyboardPwdName": "cleaner", "keyboardPwdType": 2, "keyboardPwdVersion": 4,
            "startDate": (now - Duration::days(9)).timestamp_millis(), "endDate": 0,
            "sendDate": (now - Duration::days(9)).timestamp_millis(), "isCustom": 1, "status": 1,
            "senderUsername": "facilities@acme.example", "nickName": "facilities", "receiverUsername": ""}));
    }

    // Doordeck devices and who they are shared with.
    let devices: Vec<(String, String, Option<i64>)> =
        sqlx::query_as(statements::sim::DOORDECK_DEVICES.tagged())
            .fetch_all(pool)
            .await?;
    for (id, name, customer) in devices {
        let Some(acct) = st
            .dd_accounts
            .iter()
            .find(|a| Some(a.customer) == customer)
            .cloned()
        else {
            continue;
        };
        st.dd_devices.insert(
            id,
            DdDevice {
                owner: acct.user_id,
                name,
                users: Vec::new(),
                events: Vec::new(),
                connected: true,
                unlocked_at: None,
            },
        );
    }
    let shares: Vec<(String, String, String, String)> =
        sqlx::query_as(statements::sim::DOORDECK_SHARES.tagged())
            .bind(now)
            .fetch_all(pool)
            .await?;
    for (device, user, email, name) in shares {
        if let Some(d) = st.dd_devices.get_mut(&device) {
            d.users.push(json!({"userId": user, "email": email, "displayName": name, "publicKey": format!("MCowBQYDK2VwAyEA{}", &user[..8]),
                                "orphan": false, "role": "USER", "foreign": false, "start": null, "end": null}));
        }
    }
    let people: Vec<(String, String)> = sqlx::query_as(statements::sim::DOORDECK_USERS.tagged())
        .fetch_all(pool)
        .await?;
    for (email, id) in people {
        let key = format!("MCowBQYDK2VwAyEA{}", &id[..8]);
        st.directory.insert(email, (id, key));
    }
    st.add_gateways();
    history(&mut st, &mut rng, now);
    Ok(st)
}

/// A week of the doors being used, as the locks themselves recorded it.
fn history(st: &mut SimState, rng: &mut Rng, now: DateTime<Utc>) {
    let start = now - Duration::days(7);
    for (lock_id, lock) in st.tt_locks.iter_mut() {
        let n = rng.range(12, 30);
        for _ in 0..n {
            let at = start + Duration::seconds(rng.range(0, 7 * 86_400));
            lock.records.push(tt_record(rng, *lock_id, lock, at));
        }
    }
    for d in st.dd_devices.values_mut() {
        for _ in 0..rng.range(10, 25) {
            let at = start + Duration::seconds(rng.range(0, 7 * 86_400));
            d.events.push(dd_event(rng, d, at));
        }
        if rng.chance(30) {
            let at = start + Duration::seconds(rng.range(0, 6 * 86_400));
            d.events.push(json!({"timestamp": at.timestamp(), "type": "DEVICE_DISCONNECTED", "user": null, "email": null, "displayName": null, "message": "Device disconnected"}));
            d.events.push(json!({"timestamp": at.timestamp() + rng.range(60, 7200), "type": "DEVICE_CONNECTED", "user": null, "email": null, "displayName": null, "message": "Device connected"}));
        }
    }
}

fn tt_record(rng: &mut Rng, lock_id: i64, lock: &TtLock, at: DateTime<Utc>) -> Value {
    let on_lock = at.timestamp_millis() + lock.clock_offset_ms;
    let record_id = rng.range(1_000_000_000, 9_999_999_999);
    if lock.passcodes.is_empty() || rng.chance(15) {
        let (t, from_lock) = *rng.pick(&[(12, 28), (45, 45), (30, 30), (31, 31)]);
        return json!({"recordId": record_id, "lockId": lock_id, "recordType": t, "recordTypeFromLock": from_lock, "success": 1,
                      "username": "", "keyboardPwd": "", "lockDate": on_lock, "serverDate": at.timestamp_millis() + rng.range(500, 4000)});
    }
    let p = rng.pick(&lock.passcodes).clone();
    let success = !rng.chance(8);
    json!({"recordId": record_id, "lockId": lock_id, "recordType": 4, "recordTypeFromLock": if success { 4 } else { 7 },
           "success": i64::from(success), "username": p["keyboardPwdName"], "keyboardPwd": p["keyboardPwd"],
           "lockDate": on_lock, "serverDate": at.timestamp_millis() + rng.range(500, 4000)})
}

fn dd_event(rng: &mut Rng, d: &DdDevice, at: DateTime<Utc>) -> Value {
    if d.users.is_empty() || rng.chance(20) {
        let (t, m) = *rng.pick(&[
            ("DOOR_LOCK", "Door locked"),
            ("DOOR_CLOSE", "Door closed"),
            ("DOOR_OPEN", "Door opened"),
        ]);
        return json!({"timestamp": at.timestamp(), "type": t, "user": null, "email": null, "displayName": null, "message": m});
    }
    let u = rng.pick(&d.users).clone();
    json!({"timestamp": at.timestamp(), "type": "DOOR_UNLOCK", "user": u["userId"], "email": u["email"],
           "displayName": u["displayName"], "message": "Door unlocked"})
}

/// Every few seconds someone opens a door somewhere: the audit trails grow
/// while the demo runs.
pub async fn people_use_doors(s: Shared) {
    let mut rng = Rng(0xBEEF);
    loop {
        tokio::time::sleep(std::time::Duration::from_secs(6)).await;
        let mut st = state(&s);
        let now = Utc::now();
        if rng.chance(60) {
            let ids: Vec<i64> = st.tt_locks.keys().copied().collect();
            if ids.is_empty() {
                continue;
            }
            let id = *rng.pick(&ids);
            if let Some(lock) = st.tt_locks.get(&id) {
                let rec = tt_record(&mut rng, id, lock, now);
                if let Some(lock) = st.tt_locks.get_mut(&id) {
                    lock.records.push(rec);
                }
            }
        } else {
            let ids: Vec<String> = st.dd_devices.keys().cloned().collect();
            if ids.is_empty() {
                continue;
            }
            let id = rng.pick(&ids).clone();
            if let Some(d) = st.dd_devices.get(&id) {
                let e = dd_event(&mut rng, d, now);
                if let Some(d) = st.dd_devices.get_mut(&id) {
                    d.events.push(e);
                }
            }
        }
    }
}
