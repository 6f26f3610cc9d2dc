// The simulators endpoint by endpoint, each request sent as the docs' example
// sends it and each answer checked against docs/providers.md (its Answer
// tables are parsed here); the device-state reads of both clients; paging as
// a property; and the README's curl examples run against a simulator.

use std::time::Duration;

use lockdesk::sim::Sim;
use serde_json::Value;

use crate::support::demo_db;
use crate::support::sim_for;

mod doordeck;
mod health;
mod paging;
mod readme;
mod ttlock;

const DOC: &str = include_str!("../../../docs/providers.md");

/// The Answer table of the docs/providers.md section whose `###` heading
/// ends with `heading`: (field path, allowed types, may be absent).
fn doc_fields(heading: &str) -> Vec<(String, Vec<String>, bool)> {
    let mut lines = DOC
        .lines()
        .skip_while(|l| !(l.starts_with("### ") && l.trim_end().ends_with(heading)));
    assert!(
        lines.next().is_some(),
        "no section `{heading}` in docs/providers.md"
    );
    let section: Vec<&str> = lines.take_while(|l| !l.starts_with("### ")).collect();
    let table = section
        .iter()
        .skip_while(|l| !l.starts_with("Answer"))
        .skip(1)
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2);
    table
        .map(|row| {
            let cells: Vec<&str> = row.split('|').map(str::trim).collect();
            let field = cells[1].trim_matches('`');
            let optional = field.ends_with('?');
            let types = cells[2].split(" or ").map(str::to_string).collect();
            (field.trim_end_matches('?').to_string(), types, optional)
        })
        .collect()
}

fn has_type(v: &Value, t: &str) -> bool {
    match t {
        "int" | "long" => v.is_i64() || v.is_u64(),
        "str" => v.is_string(),
        "bool" => v.is_boolean(),
        "number" => v.is_number(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        "null" => v.is_null(),
        other => panic!("unknown type `{other}` in docs/providers.md"),
    }
}

/// The values at a documented path (`list[].x` every item's `x`).
fn at<'a>(v: &'a Value, path: &str) -> Vec<Option<&'a Value>> {
    let mut now: Vec<Option<&Value>> = vec![Some(v)];
    for seg in path.split('.') {
        let (name, each) = match seg.strip_suffix("[]") {
            Some(n) => (n, true),
            None => (seg, false),
        };
        let mut next = Vec::new();
        for x in now {
            let got = match (x, name) {
                (Some(x), "") => Some(x),
                (Some(x), n) => x.get(n),
                (None, _) => None,
            };
            if each {
                let items = got.and_then(Value::as_array).expect("an array");
                next.extend(items.iter().map(Some));
            } else {
                next.push(got);
            }
        }
        now = next;
    }
    now
}

/// Checks an answer against its section of docs/providers.md: every
/// documented field present (unless marked `?`) with a documented type.
pub fn expect_shape(heading: &str, v: &Value) {
    let fields = doc_fields(heading);
    assert!(
        !fields.is_empty() || v == &serde_json::json!({}),
        "{heading}: {v}"
    );
    for (path, types, optional) in fields {
        for got in at(v, &path) {
            match got {
                None if optional => {}
                None => panic!("{heading}: `{path}` missing in {v}"),
                Some(x) => assert!(
                    types.iter().any(|t| has_type(x, t)),
                    "{heading}: `{path}` is {x}, not {types:?}"
                ),
            }
        }
    }
}

/// A simulator on the demo world and a raw HTTP client, as a third-party
/// tool would use it.
pub struct World {
    pub sim: Sim,
    pub http: reqwest::Client,
    pub client_id: String,
    pub secret: String,
    pub username: String,
    pub md5: String,
    pub token: String,
}

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl World {
    pub async fn new() -> World {
        let url = demo_db().await;
        let sim = sim_for(&url).await;
        let acct = sim.provider_settings().customers[&1]
            .ttlock
            .clone()
            .unwrap();
        let md5: String = {
            use md5::Digest;
            md5::Md5::digest(acct.password.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        };
        let mut w = World {
            sim,
            http: lockdesk::providers::http_client(Duration::from_secs(30)),
            client_id: acct.client_id,
            secret: acct.client_secret,
            username: acct.username,
            md5,
            token: String::new(),
        };
        let tok = w.token_form(&[]).await;
        w.token = tok["access_token"].as_str().unwrap().to_string();
        w
    }

    /// `POST /oauth2/token` with the password grant and `extra` params.
    pub async fn token_form(&self, extra: &[(&str, &str)]) -> Value {
        let mut form = vec![
            ("clientId", self.client_id.as_str()),
            ("clientSecret", self.secret.as_str()),
        ];
        if extra.iter().all(|(k, _)| *k != "grant_type") {
            form.push(("username", self.username.as_str()));
            form.push(("password", self.md5.as_str()));
        }
        form.extend_from_slice(extra);
        self.http
            .post(format!("{}/oauth2/token", self.sim.ttlock_url))
            .form(&form)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// The common params and `params`, as the docs' examples send them.
    fn with_common(&self, params: &[(&str, String)]) -> Vec<(String, String)> {
        let mut p = vec![
            ("clientId".to_string(), self.client_id.clone()),
            ("accessToken".to_string(), self.token.clone()),
        ];
        p.extend(params.iter().map(|(k, v)| (k.to_string(), v.clone())));
        p.push(("date".into(), now_ms().to_string()));
        p
    }

    /// A read as the docs' curl example: GET with a query string.
    pub async fn get(&self, path: &str, params: &[(&str, String)]) -> (u16, Value) {
        let r = self
            .http
            .get(format!("{}{path}", self.sim.ttlock_url))
            .query(&self.with_common(params))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap())
    }

    /// A change as the docs' curl example: POST with a form body.
    pub async fn post(&self, path: &str, params: &[(&str, String)]) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}{path}", self.sim.ttlock_url))
            .form(&self.with_common(params))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap())
    }

    /// The gateway of TTLock lock `lock`.
    pub fn gateway_of(&self, lock: i64) -> i64 {
        lockdesk::sim::state(&self.sim.state).tt_locks[&lock]
            .gateway
            .unwrap()
    }
}

pub fn lock() -> (&'static str, String) {
    ("lockId", "28991110".to_string())
}

pub fn p(k: &'static str, v: impl ToString) -> (&'static str, String) {
    (k, v.to_string())
}
