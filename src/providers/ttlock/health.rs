//! A TTLock lock's device state: `lock/detail` (the cloud's copy: battery,
//! hasGateway), `gateway/listByLock` (the gateway that reaches it, and when
//! it last reported the lock), `gateway/detail` (its `isOnline`), then, when
//! the gateway is online, the live reads through it: `lock/queryOpenState`
//! and `lock/queryElectricQuantity`. Each call is one attempt.

use std::time::Duration;

use serde_json::{Value, json};

use super::{Retry, TtLockClient, lock_number};
use crate::providers::health::{self, DeviceState, GatewayState};
use crate::providers::{CallRecord, ProviderError};

impl TtLockClient {
    async fn once(
        &self,
        action: &str,
        path: &str,
        params: Value,
        lock_id: &str,
        deadline: Duration,
        calls: &mut Vec<CallRecord>,
    ) -> Result<Value, ProviderError> {
        self.call(
            action,
            "GET",
            path,
            params,
            Retry::Once(deadline),
            Some(lock_id),
            calls,
        )
        .await
    }

    pub(super) async fn read_device_state(
        &self,
        lock_id: &str,
        deadline: Duration,
        calls: &mut Vec<CallRecord>,
    ) -> Result<DeviceState, ProviderError> {
        let lock = json!({"lockId": lock_number(lock_id)});
        let mut st = DeviceState::empty("TTLock");
        let detail = self
            .once(
                "LOCK_DETAIL",
                "/v3/lock/detail",
                lock.clone(),
                lock_id,
                deadline,
                calls,
            )
            .await?;
        st.battery_pct = health::battery(detail.get("electricQuantity"));
        st.saw("lock/detail", &detail);

        let gateways = self
            .once(
                "GATEWAY_LIST_BY_LOCK",
                "/v3/gateway/listByLock",
                lock.clone(),
                lock_id,
                deadline,
                calls,
            )
            .await?;
        st.saw("gateway/listByLock", &gateways);
        // The cloud sends a remote operation through the gateway with the
        // best signal; that is the one that matters.
        let best = gateways
            .get("list")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|g| {
                g.get("gatewayId")
                    .is_some_and(|i| i.is_i64() || i.is_string())
            })
            .max_by_key(|g| g.get("rssi").and_then(Value::as_i64).unwrap_or(i64::MIN))
            .cloned();
        let Some(gw) = best else {
            // On no gateway: a WiFi lock is reached without one (the docs'
            // queryElectricQuantity, "via gateway or WiFi lock"), so this says
            // nothing of whether it can be reached: unknown, not offline.
            st.online = None;
            return Ok(st);
        };
        let gw_id = match gw.get("gatewayId") {
            Some(Value::String(s)) => s.clone(),
            Some(v) => v.to_string(),
            None => String::new(),
        };
        let seen = health::millis(gw.get("rssiUpdateDate"));
        let detail = self
            .once(
                "GATEWAY_DETAIL",
                "/v3/gateway/detail",
                json!({"gatewayId": lock_number(&gw_id)}),
                lock_id,
                deadline,
                calls,
            )
            .await?;
        st.saw("gateway/detail", &detail);
        let online = match detail.get("isOnline").and_then(Value::as_i64) {
            Some(1) => true,
            Some(0) => false,
            _ => {
                return Err(ProviderError::Decode(
                    "gateway/detail has no isOnline of 0 or 1".into(),
                ));
            }
        };
        st.gateway = Some(GatewayState {
            id: gw_id,
            name: gw
                .get("gatewayName")
                .and_then(Value::as_str)
                .map(str::to_string),
            online,
            last_seen: seen,
        });
        st.last_seen = seen;
        if !online {
            st.online = Some(false);
            return Ok(st);
        }
        // Online: ask the lock itself, through the gateway.
        match self
            .once(
                "LOCK_OPEN_STATE",
                "/v3/lock/queryOpenState",
                lock.clone(),
                lock_id,
                deadline,
                calls,
            )
            .await
        {
            Ok(open) => {
                st.locked = match open.get("state").and_then(Value::as_i64) {
                    Some(0) => Some(true),
                    Some(1) => Some(false),
                    _ => None,
                };
                st.saw("lock/queryOpenState", &open);
            }
            Err(e) if e.is_offline() => {
                st.online = Some(false);
                return Ok(st);
            }
            Err(e) => return Err(e),
        }
        let battery = self
            .once(
                "LOCK_BATTERY",
                "/v3/lock/queryElectricQuantity",
                lock,
                lock_id,
                deadline,
                calls,
            )
            .await?;
        if let Some(b) = health::battery(battery.get("electricQuantity")) {
            st.battery_pct = Some(b);
        }
        st.saw("lock/queryElectricQuantity", &battery);
        st.online = Some(true);
        st.last_seen = Some(chrono::Utc::now());
        Ok(st)
    }
}
