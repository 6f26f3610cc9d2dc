// The simulators a test talks to: one seeded from a demo database, and
// clients for its accounts.

use std::sync::Arc;
use std::time::Duration;

use lockdesk::providers::Provider;
use lockdesk::providers::settings::Providers;
use lockdesk::sim::Sim;

pub const SECRET_SEED: u64 = 42;

pub async fn sim_for(url: &str) -> Sim {
    let pool = sqlx::PgPool::connect(url).await.unwrap();
    let state =
        lockdesk::sim::seed::from_database(&pool, lockdesk::demo::world::fixed_now(), SECRET_SEED)
            .await
            .unwrap();
    pool.close().await;
    Sim::start(state, false).await.unwrap()
}

pub fn providers(sim: &Sim, timeout: Duration) -> Providers {
    let mut s = sim.provider_settings();
    s.timeout = timeout;
    Providers::new(s)
}

pub fn ttlock(p: &Providers) -> Arc<dyn Provider> {
    p.client(Some(1), "TTLOCK").unwrap()
}

pub fn first_doordeck_lock(sim: &Sim) -> String {
    let st = lockdesk::sim::state(&sim.state);
    let owner = st
        .dd_accounts
        .iter()
        .find(|a| a.customer == 2)
        .unwrap()
        .user_id
        .clone();
    st.dd_devices
        .iter()
        .find(|(_, d)| d.owner == owner)
        .map(|(id, _)| id.clone())
        .unwrap()
}
