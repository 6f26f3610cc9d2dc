//! The gateway family: `gateway/list`, `gateway/detail`, `gateway/listLock`
//! and `gateway/listByLock`. A gateway is offline when taken down or when a
//! `gateway_offline` fault is on one of its locks; its `isOnline` says so and
//! its locks' remote operations answer -3002.

use serde_json::{Value, json};

use super::{Params, err, get, need, page};
use crate::sim::{Resp, SimState, TtGateway};

/// The signal the simulated gateways report, dBm.
const RSSI: i64 = -65;

fn lock_count(st: &SimState, id: i64) -> i64 {
    let n = st
        .tt_locks
        .values()
        .filter(|l| l.gateway == Some(id))
        .count();
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn item(st: &SimState, id: i64, g: &TtGateway) -> Value {
    json!({"gatewayId": id, "gatewayMac": g.mac, "gatewayName": g.name, "gatewayVersion": 2,
           "networkName": "site-wifi", "networkMac": "00:11:22:33:44:55", "lockNum": lock_count(st, id),
           "isOnline": i64::from(st.gateway_offline(id).is_none())})
}

/// `gateway/list`: the account's gateways; `orderBy` 0 name ascending,
/// 1 newest first (the default), 2 name descending; 200 a page at most.
pub fn list(st: &SimState, uid: i64, p: &Params) -> Resp {
    let mut gws: Vec<(i64, &TtGateway)> = st
        .tt_gateways
        .iter()
        .filter(|(_, g)| g.uid == uid)
        .map(|(id, g)| (*id, g))
        .collect();
    match get(p, "orderBy") {
        Some("0") => gws.sort_by(|a, b| a.1.name.cmp(&b.1.name)),
        Some("2") => gws.sort_by(|a, b| b.1.name.cmp(&a.1.name)),
        _ => gws.sort_by_key(|(id, _)| std::cmp::Reverse(*id)),
    }
    let list = gws.into_iter().map(|(id, g)| item(st, id, g)).collect();
    page(list, p, 200)
}

/// One of this account's gateways by `gatewayId`: -4037 unknown, -2018 another
/// account's.
fn own(st: &SimState, uid: i64, p: &Params) -> Result<(i64, TtGateway), Resp> {
    let id = need(p, "gatewayId")?;
    let Some(g) = st.tt_gateways.get(&id) else {
        return Err(err(-4037, "gateway does not exist"));
    };
    if g.uid != uid {
        return Err(err(-2018, "permission denied"));
    }
    Ok((id, g.clone()))
}

/// `gateway/detail`.
pub fn detail(st: &SimState, uid: i64, p: &Params) -> Resp {
    match own(st, uid, p) {
        Ok((id, g)) => Resp::json(200, &item(st, id, &g)),
        Err(e) => e,
    }
}

/// `gateway/listLock`: the locks the gateway reaches.
pub fn locks(st: &SimState, uid: i64, p: &Params) -> Resp {
    let (id, _) = match own(st, uid, p) {
        Ok(g) => g,
        Err(e) => return e,
    };
    let seen = last_seen(st, id);
    let list: Vec<Value> = st
        .tt_locks
        .iter()
        .filter(|(_, l)| l.gateway == Some(id))
        .map(|(lid, l)| {
            json!({"lockId": lid, "lockMac": super::mac("C5:40", *lid), "lockName": format!("S31_{lid:x}"),
                   "lockAlias": l.name, "rssi": RSSI, "updateDate": seen})
        })
        .collect();
    Resp::json(200, &json!({"list": list}))
}

/// When the gateway last reported its locks (ms): now while online, the
/// moment it went offline after.
fn last_seen(st: &SimState, id: i64) -> i64 {
    st.gateway_offline(id)
        .unwrap_or_else(|| st.now())
        .timestamp_millis()
}

/// `gateway/listByLock`: the gateways that reach the lock (none for a lock
/// not on a gateway). `isOnline` is not in the documented item; the
/// simulator adds it (see docs/providers.md).
pub fn by_lock(st: &SimState, lock_id: i64) -> Resp {
    let list: Vec<Value> = st
        .tt_locks
        .get(&lock_id)
        .and_then(|l| l.gateway)
        .and_then(|id| st.tt_gateways.get(&id).map(|g| (id, g)))
        .map(|(id, g)| {
            json!({"gatewayId": id, "gatewayMac": g.mac, "gatewayName": g.name, "rssi": RSSI,
                   "rssiUpdateDate": last_seen(st, id), "isOnline": i64::from(st.gateway_offline(id).is_none())})
        })
        .into_iter()
        .collect();
    Resp::json(200, &json!({"list": list}))
}
