// No secret escapes a provider client: not its call records, its errors, nor
// the screens that show them.

use crate::support::demo_db;
use crate::support::sim::{first_doordeck_lock, providers, ttlock};
use crate::support::sim_for;
use lockdesk::providers::CallRecord;
use lockdesk::providers::Grant;
use lockdesk::sim::Fault;
use std::time::Duration;

#[tokio::test]
async fn no_secret_escapes_any_record_error_or_screen() {
    let url = demo_db().await;
    let sim = sim_for(&url).await;
    let settings = sim.provider_settings();
    let tt = settings.customers[&1].ttlock.clone().unwrap();
    let dd = settings.customers[&2].doordeck.clone().unwrap();
    let p = providers(&sim, Duration::from_secs(2));
    let c = ttlock(&p);
    let pin = "48207777";
    let mut everything = String::new();
    fn record_into(everything: &mut String, calls: &[CallRecord], err: Option<String>) {
        for call in calls {
            everything.push_str(&format!(
                "{}{}{:?}\n",
                call.request, call.response, call.error
            ));
        }
        if let Some(e) = err {
            everything.push_str(&e);
        }
    }
    macro_rules! record {
        ($calls:expr, $err:expr) => {
            record_into(&mut everything, $calls, $err)
        };
    }
    let g = Grant {
        name: "AB U9 C6".into(),
        pin: Some(pin.into()),
        user_email: None,
    };
    let out = c.grant("28991110", &g).await;
    record!(&out.calls, out.result.err().map(|e| e.to_string()));
    let out = c.list_access("28991110").await;
    record!(&out.calls, None);
    let out = c
        .audit_trail(
            "28991110",
            lockdesk::demo::world::fixed_now() - chrono::Duration::days(7),
            chrono::Utc::now(),
        )
        .await;
    for e in out.result.as_ref().unwrap() {
        everything.push_str(&e.raw.to_string());
    }
    record!(&out.calls, None);
    // The failure paths too: faults, a timeout, a refused token.
    for f in [
        Fault::GatewayOffline,
        Fault::ServerError,
        Fault::Slow(Duration::from_secs(4)),
    ] {
        sim.set_fault("TTLOCK:28991110", Some(f));
        let out = c.grant("28991110", &g).await;
        record!(&out.calls, out.result.err().map(|e| e.to_string()));
    }
    sim.set_fault("TTLOCK:28991110", None);
    sim.set_fault("", Some(Fault::TokenExpiry));
    let out = c.list_access("28991110").await;
    record!(&out.calls, None);
    let d = p.client(Some(2), "DOORDECK").unwrap();
    let lock = first_doordeck_lock(&sim);
    let out = d
        .audit_trail(
            &lock,
            chrono::Utc::now() - chrono::Duration::days(30),
            chrono::Utc::now(),
        )
        .await;
    record!(&out.calls, None);
    // A connection error on a URL carrying a token.
    let e = reqwest::Client::new()
        .get(format!(
            "http://127.0.0.1:1/v3/lock/list?accessToken={}",
            tt.client_secret
        ))
        .send()
        .await
        .unwrap_err();
    let e = lockdesk::providers::network_error(e, Duration::from_secs(1), &[&tt.client_secret])
        .to_string();
    assert!(!e.contains("127.0.0.1:1/v3"), "{e}");
    everything.push_str(&e);
    let tokens: Vec<String> = {
        let st = lockdesk::sim::state(&sim.state);
        st.tt_tokens
            .keys()
            .chain(st.tt_refresh.keys())
            .chain(st.dd_tokens.keys())
            .cloned()
            .collect()
    };
    assert!(tokens.len() >= 3);
    let md5: String = {
        use md5::Digest;
        md5::Md5::digest(tt.password.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    let mut secrets = vec![
        tt.client_secret.clone(),
        tt.password.clone(),
        md5,
        dd.password.clone(),
        pin.to_string(),
        "48201111".into(),
    ];
    secrets.extend(tokens);
    for s in &secrets {
        assert!(
            !everything.contains(s.as_str()),
            "a secret escaped: …{}…",
            &s[..4.min(s.len())]
        );
    }
    assert!(
        everything.contains("***77") && !everything.contains("***7777"),
        "PINs keep at most their last two digits"
    );
}
