// Paging as a property: a lock with any number of records, read with any
// page size up to the documented 200, gives every record exactly once.

use std::collections::HashMap;

use lockdesk::sim::{Sim, SimState, TtAccount, TtLock};
use proptest::prelude::*;
use serde_json::{Value, json};

fn world() -> SimState {
    let mut st = SimState::new();
    st.tt_accounts.push(TtAccount {
        customer: 1,
        client_id: "client".into(),
        client_secret: "secret".into(),
        username: "ops@example.com".into(),
        password: "pw".into(),
        uid: 1,
    });
    st.tt_tokens.insert(
        "token".into(),
        (1, chrono::Utc::now() + chrono::Duration::days(1)),
    );
    st.tt_locks.insert(
        7,
        TtLock {
            uid: 1,
            name: "door".into(),
            passcodes: Vec::new(),
            records: Vec::new(),
            clock_offset_ms: 0,
            gateway: None,
            battery: 90,
            unlocked_at_ms: None,
        },
    );
    st
}

async fn read_all(sim: &Sim, size: i64) -> Vec<i64> {
    let http = lockdesk::providers::http_client(std::time::Duration::from_secs(30));
    let mut ids = Vec::new();
    let mut page = 1;
    loop {
        let date = chrono::Utc::now().timestamp_millis().to_string();
        let v: Value = http
            .get(format!("{}/v3/lockRecord/list", sim.ttlock_url))
            .query(&[
                ("clientId", "client"),
                ("accessToken", "token"),
                ("lockId", "7"),
                ("startDate", "0"),
                ("endDate", "0"),
                ("pageNo", &page.to_string()),
                ("pageSize", &size.to_string()),
                ("date", &date),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(v["pageSize"], size, "{v}");
        ids.extend(
            v["list"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["recordId"].as_i64().unwrap()),
        );
        if page >= v["pages"].as_i64().unwrap() {
            return ids;
        }
        page += 1;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn sim_endpoint_paging_gets_every_record_exactly_once(
        times in proptest::collection::vec(0_i64..1_000, 0..700),
        size in 1_i64..=200,
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let sim = Sim::start(world(), false).await.unwrap();
            {
                let mut st = lockdesk::sim::state(&sim.state);
                let lock = st.tt_locks.get_mut(&7).unwrap();
                // Many records share a time: the order must still be total.
                lock.records = times.iter().enumerate().map(|(i, t)| json!({
                    "recordId": 1_000 + i as i64, "lockId": 7, "recordType": 4, "recordTypeFromLock": 4,
                    "success": 1, "username": "", "keyboardPwd": "", "lockDate": 1_700_000_000_000 + t * 1000,
                    "serverDate": 1_700_000_000_000_i64})).collect();
            }
            let got = read_all(&sim, size).await;
            let mut seen: HashMap<i64, usize> = HashMap::new();
            for id in &got {
                *seen.entry(*id).or_default() += 1;
            }
            prop_assert_eq!(got.len(), times.len());
            prop_assert!(seen.values().all(|n| *n == 1));
            prop_assert_eq!(seen.len(), times.len());
            Ok(())
        })?;
    }
}
