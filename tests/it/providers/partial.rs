// A lock's list that is not whole never drives a delete: for each shape of a
// partial list (no page count, a page count that is not an integer, a total
// above what was sent, a Doordeck users array past the bound) the plan
// deletes nothing and says why, and enforcing it sends no delete to the
// simulator; a lock over the bound is refused outright; a long listing is
// logged compactly, each code keeping its id and (masked) name.

use lockdesk::engine::plan::{Mode, Plan};
use lockdesk::engine::{self, Enforced, Operator};
use lockdesk::providers::listing::{LOG_WHOLE_RECORDS, MAX_LIST_RECORDS};
use lockdesk::providers::settings::Providers;
use lockdesk::sim::{Fault, Sim};
use serde_json::{Value, json};
use sqlx::PgPool;

use crate::support::sim_for;
use crate::support::{Screen, demo_db};

const TTLOCK_DOOR: i64 = 2;
const TTLOCK_KEY: &str = "TTLOCK:28991110";
/// A Doordeck door of the demo world.
const DOORDECK_DOOR: i64 = 5;

fn op() -> Operator {
    Operator {
        name: "alice".into(),
        reason: Some("INC-24".into()),
        write: true,
        source: "console",
    }
}

struct World {
    pool: PgPool,
    sim: Sim,
    providers: Providers,
}

async fn world() -> World {
    let url = demo_db().await;
    let sim = sim_for(&url).await;
    let pool = PgPool::connect(&url).await.unwrap();
    let providers = Providers::new(sim.provider_settings());
    World {
        pool,
        sim,
        providers,
    }
}

fn sent_deletes(sim: &Sim) -> (u64, u64) {
    let st = lockdesk::sim::state(&sim.state);
    (st.tt_deletes, st.dd_revokes)
}

/// The plan of `door` in ultra_strict (which would delete every stray), as
/// previewed and then enforced: nothing is deleted, and both say why.
async fn deletes_nothing(w: &World, door: i64, why: &str) -> Plan {
    let preview = engine::preview(
        &w.pool,
        &w.providers,
        door,
        Mode::UltraStrict,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let plan = preview.plan.unwrap();
    assert!(
        plan.deletes.is_empty(),
        "deletes from a partial list: {:?}",
        plan.deletes
    );
    assert!(
        !plan.withheld.is_empty(),
        "a whole list would delete the stray"
    );
    let said = plan.deletes_withheld.clone().unwrap_or_default();
    assert!(said.contains("incomplete") && said.contains(why), "{said}");
    let done = engine::enforce(
        &w.pool,
        &w.providers,
        &op(),
        door,
        Mode::UltraStrict,
        Some(&plan),
        None,
    )
    .await
    .unwrap();
    let Enforced::Done {
        correlation_id,
        deletes_ok,
        ..
    } = done
    else {
        panic!("the plan changed: {done:?}")
    };
    assert_eq!(deletes_ok, 0);
    assert_eq!(
        sent_deletes(&w.sim),
        (0, 0),
        "no delete reached the simulator"
    );
    let t = lockdesk::store::traces::fetch(&w.pool, &correlation_id)
        .await
        .unwrap();
    let rows: Vec<_> = t.logs.iter().collect();
    let actions: Vec<&str> = rows.iter().map(|l| l.action.as_str()).collect();
    for never in [
        "PASSCODE_DELETE",
        "LOCK_REVOKE",
        "DRIFT_ENFORCE_DELETE_PIN",
        "DRIFT_ENFORCE_DELETE_PIN_INTENT",
    ] {
        assert!(!actions.contains(&never), "{never} in {actions:?}");
    }
    let job_done = t.logs.last().unwrap().response_json.clone().unwrap();
    assert_eq!(job_done["deletes_withheld"], json!(said));
    assert_eq!(job_done["enforce_plan"]["deletes_withheld"], json!(said));
    assert_eq!(job_done["deletes"]["attempted"], 0);
    let door_json = &job_done["enforce_plan"]["doors"][0];
    assert!(door_json["list_incomplete"].as_str().unwrap().contains(why));
    assert!(!door_json["withheld_deletes"].as_array().unwrap().is_empty());
    plan
}

#[tokio::test]
async fn a_partial_list_never_drives_a_delete() {
    // The lock reports one code more than it sends.
    let w = world().await;
    w.sim.set_fault(TTLOCK_KEY, Some(Fault::ListTotalTooHigh));
    let plan = deletes_nothing(&w, TTLOCK_DOOR, "reports 2 codes; 1 were listed").await;
    assert_eq!(plan.withheld[0].vendor_pin_id, "50957532");
    // The same lock listed whole: the stray goes.
    w.sim.set_fault(TTLOCK_KEY, None);
    let r = engine::enforce(
        &w.pool,
        &w.providers,
        &op(),
        TTLOCK_DOOR,
        Mode::UltraStrict,
        None,
        None,
    )
    .await
    .unwrap();
    assert!(matches!(r, Enforced::Done { deletes_ok: 1, .. }), "{r:?}");
    assert_eq!(sent_deletes(&w.sim), (1, 0));
}

#[tokio::test]
async fn a_list_without_a_page_count_deletes_nothing() {
    let w = world().await;
    w.sim.set_fault(TTLOCK_KEY, Some(Fault::ListNoPages));
    deletes_nothing(&w, TTLOCK_DOOR, "no `pages`").await;
}

#[tokio::test]
async fn a_page_count_that_is_not_an_integer_deletes_nothing() {
    let w = world().await;
    w.sim
        .set_fault(TTLOCK_KEY, Some(Fault::ListPagesNotInteger));
    deletes_nothing(&w, TTLOCK_DOOR, "`pages` is 1.5").await;
}

#[tokio::test]
async fn a_doordeck_users_array_past_the_bound_deletes_nothing() {
    let w = world().await;
    let (external,): (String,) = sqlx::query_as("SELECT external_id FROM doors WHERE id = $1")
        .bind(DOORDECK_DOOR)
        .fetch_one(&w.pool)
        .await
        .unwrap();
    {
        // A stray share the broker never made, and the device online.
        let mut st = lockdesk::sim::state(&w.sim.state);
        let d = st.dd_devices.get_mut(&external).unwrap();
        d.connected = true;
        d.users.insert(0, json!({"userId": "stray-user", "email": "stray@example.com", "role": "USER", "orphan": false}));
    }
    w.sim
        .set_fault(&format!("DOORDECK:{external}"), Some(Fault::UsersOverBound));
    let why = format!(
        "lists {} users; lockdesk read the first {MAX_LIST_RECORDS}",
        MAX_LIST_RECORDS + 1
    );
    let plan = deletes_nothing(&w, DOORDECK_DOOR, &why).await;
    assert!(
        plan.withheld
            .iter()
            .any(|d| d.vendor_pin_id == "stray-user")
    );
    assert_eq!(
        plan.input.actual.len(),
        MAX_LIST_RECORDS,
        "cut at the bound"
    );
    let st = lockdesk::sim::state(&w.sim.state);
    assert!(
        st.dd_devices[&external]
            .users
            .iter()
            .any(|u| u["userId"] == "stray-user")
    );
}

#[tokio::test]
async fn a_lock_over_the_bound_is_refused_and_nothing_changes() {
    let w = world().await;
    w.sim.set_fault(TTLOCK_KEY, Some(Fault::ListOverBound));
    let preview = engine::preview(
        &w.pool,
        &w.providers,
        TTLOCK_DOOR,
        Mode::UltraStrict,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let said = preview
        .plan
        .expect_err("no plan from a lock over the bound");
    assert!(
        said.contains("the lock holds more than lockdesk lists"),
        "{said}"
    );
    assert!(
        said.contains(&format!("{} codes", MAX_LIST_RECORDS + 1)),
        "{said}"
    );
    let lists = preview
        .calls
        .iter()
        .filter(|c| c.action == "PASSCODE_LIST")
        .count();
    assert_eq!(
        lists, 1,
        "refused on the first page's total, not after 51 pages"
    );
    let r = engine::enforce(
        &w.pool,
        &w.providers,
        &op(),
        TTLOCK_DOOR,
        Mode::UltraStrict,
        None,
        None,
    )
    .await;
    let e = r.expect_err("refused").0;
    assert!(
        e.contains("nothing was changed") && e.contains("holds more than lockdesk lists"),
        "{e}"
    );
    assert_eq!(sent_deletes(&w.sim), (0, 0));
}

#[tokio::test]
async fn a_long_listing_is_logged_compactly_with_every_id_and_name() {
    let w = world().await;
    {
        let mut st = lockdesk::sim::state(&w.sim.state);
        let lock = st.tt_locks.get_mut(&28_991_110).unwrap();
        for i in 0..450 {
            lock.passcodes.push(json!({"keyboardPwdId": 80_000_000 + i, "lockId": 28_991_110, "keyboardPwd": format!("{}", 500_000 + i),
                "keyboardPwdName": format!("bulk {i}"), "keyboardPwdType": 2, "sendDate": 1_770_000_000_000_i64 + i, "status": 1,
                "senderUsername": "someone@example.com", "startDate": 1_770_000_000_000_i64, "endDate": 0}));
        }
    }
    // Standard mode: the bulk codes are unknown to the broker and stay.
    let r = engine::enforce(
        &w.pool,
        &w.providers,
        &op(),
        TTLOCK_DOOR,
        Mode::Standard,
        None,
        None,
    )
    .await
    .unwrap();
    let Enforced::Done { correlation_id, .. } = r else {
        panic!("{r:?}")
    };
    let t = lockdesk::store::traces::fetch(&w.pool, &correlation_id)
        .await
        .unwrap();
    let pages: Vec<Value> = t
        .logs
        .iter()
        .filter(|l| l.action == "PASSCODE_LIST")
        .map(|l| l.response_json.clone().unwrap())
        .collect();
    assert_eq!(pages.len(), 3);
    assert!(
        pages[0].get("lockdesk_compacted").is_none(),
        "the first 200 codes whole"
    );
    assert!(pages[0]["list"][0].get("senderUsername").is_some());
    let mut ids = Vec::new();
    for (n, p) in pages.iter().enumerate() {
        for c in p["list"].as_array().unwrap() {
            ids.push(c["keyboardPwdId"].as_i64().unwrap());
            assert_eq!(c["keyboardPwdName"], "***", "names masked as every name is");
            if n > 0 {
                let keys: Vec<&String> = c.as_object().unwrap().keys().collect();
                assert_eq!(keys, ["keyboardPwdId", "keyboardPwdName"], "page {}", n + 1);
            }
        }
        if n > 0 {
            let note = &p["lockdesk_compacted"];
            assert_eq!(note["codes_whole"], 0);
            assert!(
                note["why"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("first {LOG_WHOLE_RECORDS} codes"))
            );
        }
    }
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 451, "every code's vendor id is in the log");
}

#[tokio::test]
async fn the_drift_dialog_says_why_nothing_is_deleted() {
    let url = demo_db().await;
    let sim = sim_for(&url).await;
    sim.set_fault(TTLOCK_KEY, Some(Fault::ListNoPages));
    let g = lockdesk::console::options::Global {
        write: true,
        reason: Some("INC-24".into()),
        ..crate::support::global()
    };
    // `d` previews in standard mode, Tab switches to ultra_strict.
    let plan = Screen::new(&url)
        .target(lockdesk::console::options::Target::Door { id: "2".into() })
        .keys("d<Tab>")
        .size(160, 40)
        .global(g.clone())
        .providers(sim.provider_settings())
        .run()
        .await;
    assert!(plan.contains("mode ultra_strict"), "{plan}");
    assert!(
        plan.contains(
            "the lock's list is incomplete (the answer has no `pages`): nothing is deleted"
        ),
        "{plan}"
    );
    assert!(
        plan.contains("~ AB U9 C6  #50957532  credential_revoked_or_missing: withheld"),
        "{plan}"
    );
    assert!(!plan.contains(" - AB U9 C6"), "{plan}");
}
