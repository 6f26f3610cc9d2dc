// The device-state reads of both clients (issue 28 §1): one attempt each,
// within the probe deadline, redacted like every call.

use std::time::{Duration, Instant};

use lockdesk::providers::{PROBE_DEADLINE, ProviderError};
use lockdesk::sim::Fault;

use crate::support::demo_db;
use crate::support::sim::{first_doordeck_lock, providers, ttlock};
use crate::support::sim_for;

#[tokio::test]
async fn device_state_of_a_reachable_ttlock_lock() {
    let sim = sim_for(&demo_db().await).await;
    let p = providers(&sim, Duration::from_secs(10));
    let out = ttlock(&p).device_state("28991110", PROBE_DEADLINE).await;
    let st = out.result.unwrap();
    assert_eq!(st.online, Some(true));
    let gw = st.gateway.clone().unwrap();
    assert!(gw.online);
    assert!((0..=100).contains(&st.battery_pct.unwrap()));
    assert_eq!(st.locked, Some(true));
    assert!(st.last_seen.is_some());
    let actions: Vec<&str> = out.calls.iter().map(|c| c.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "LOCK_DETAIL",
            "GATEWAY_LIST_BY_LOCK",
            "GATEWAY_DETAIL",
            "LOCK_OPEN_STATE",
            "LOCK_BATTERY"
        ]
    );
    // Redacted like every call: the token never leaves.
    for c in &out.calls {
        assert_eq!(c.request["payload"]["accessToken"], "***", "{}", c.request);
    }
    assert!(st.source.contains("gateway/listByLock"), "{}", st.source);
}

#[tokio::test]
async fn device_state_of_an_offline_gateway_and_a_low_battery() {
    let sim = sim_for(&demo_db().await).await;
    let p = providers(&sim, Duration::from_secs(10));
    sim.set_fault("TTLOCK:28991110", Some(Fault::GatewayOffline));
    let out = ttlock(&p).device_state("28991110", PROBE_DEADLINE).await;
    let st = out.result.unwrap();
    assert_eq!(st.online, Some(false));
    let gw = st.gateway.unwrap();
    assert!(!gw.online);
    assert!(gw.last_seen.is_some(), "when the gateway went offline");
    assert_eq!(
        out.calls.len(),
        3,
        "nothing sent through an offline gateway"
    );
    sim.set_fault("TTLOCK:28991110", Some(Fault::BatteryLow));
    let st = ttlock(&p)
        .device_state("28991110", PROBE_DEADLINE)
        .await
        .result
        .unwrap();
    assert_eq!(st.battery_pct, Some(7));
    assert!(st.battery_low());
}

#[tokio::test]
async fn device_state_is_one_attempt_within_the_deadline() {
    let sim = sim_for(&demo_db().await).await;
    // The usual timeout is long; the probe's deadline wins.
    let p = providers(&sim, Duration::from_secs(30));
    let c = ttlock(&p);
    // Log in first, so that only the device reads are timed.
    assert!(
        c.device_state("28991110", PROBE_DEADLINE)
            .await
            .result
            .is_ok()
    );
    sim.set_fault(
        "TTLOCK:28991110",
        Some(Fault::Slow(Duration::from_secs(20))),
    );
    let started = Instant::now();
    let out = c.device_state("28991110", PROBE_DEADLINE).await;
    let took = started.elapsed();
    assert!(
        matches!(out.result, Err(ProviderError::Timeout { seconds: 2 })),
        "{:?}",
        out.result
    );
    assert!(took < Duration::from_millis(2600), "{took:?}");
    // Busy is not retried in a probe.
    sim.set_fault("TTLOCK:28991110", Some(Fault::Busy));
    let out = c.device_state("28991110", PROBE_DEADLINE).await;
    assert!(out.result.is_err());
    let busy = out
        .calls
        .iter()
        .filter(|c| c.response["errcode"] == -3003)
        .count();
    assert_eq!(busy, 1, "one attempt");
}

#[tokio::test]
async fn device_state_of_a_doordeck_device() {
    let sim = sim_for(&demo_db().await).await;
    let p = providers(&sim, Duration::from_secs(10));
    let d = p.client(Some(2), "DOORDECK").unwrap();
    let lock = first_doordeck_lock(&sim);
    let out = d.device_state(&lock, PROBE_DEADLINE).await;
    let st = out.result.unwrap();
    assert_eq!(st.online, Some(true));
    assert!(st.last_seen.is_some());
    assert_eq!(st.battery_pct, None, "Doordeck documents no battery");
    assert_eq!(out.calls.len(), 1);
    assert_eq!(out.calls[0].action, "DEVICE_GET");
    sim.set_fault(&format!("DOORDECK:{lock}"), Some(Fault::GatewayOffline));
    let st = d.device_state(&lock, PROBE_DEADLINE).await.result.unwrap();
    assert_eq!(st.online, Some(false));
    sim.set_fault(
        &format!("DOORDECK:{lock}"),
        Some(Fault::Slow(Duration::from_secs(20))),
    );
    let started = Instant::now();
    let out = d.device_state(&lock, PROBE_DEADLINE).await;
    assert!(matches!(out.result, Err(ProviderError::Timeout { .. })));
    assert!(started.elapsed() < Duration::from_millis(2600));
}
