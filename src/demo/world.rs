// The deterministic demo world: a believable broker (sites, doors, users,
// access, weeks of traces with real failure shapes) around the two seed traces.
// Pure: `build(now)` returns rows; loading them is `demo::load`.

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{Value, json};

use super::rows::{Cell, Table};
use crate::providers::redact::mask_pin;
use crate::seeds::{self, CUSTOMERS, Rng};

fn ts(s: &str) -> DateTime<Utc> {
    // Only called on literals in this file; the unit tests build the world.
    DateTime::parse_from_rfc3339(s)
        .expect("literal timestamp")
        .with_timezone(&Utc)
}

pub const SITES: &[(i64, &str, &str)] = &[
    (1, "Winnipeg HQ", "America/Winnipeg"),
    (2, "Berlin Office", "Europe/Berlin"),
    (3, "Sydney Studio", "Australia/Sydney"),
];

/// (id, site, name, provider, customer, door group)
type DoorSpec = (i64, i64, &'static str, &'static str, i64, Option<i64>);
const DOORS: &[DoorSpec] = &[
    (1, 1, "Front entrance", "TTLOCK", 1, Some(1)),
    (2, 1, "ttlock", "TTLOCK", 1, None),
    (3, 1, "Loading dock", "TTLOCK", 1, Some(1)),
    (4, 1, "Finance office", "TTLOCK", 1, Some(2)),
    (5, 1, "Meeting room A", "DOORDECK", 2, Some(3)),
    (6, 1, "Meeting room B", "DOORDECK", 2, Some(3)),
    (7, 1, "Stairwell 2F", "TTLOCK", 1, Some(2)),
    (8, 1, "Stairwell 3F", "TTLOCK", 1, Some(2)),
    (9, 1, "Bike storage", "TTLOCK", 1, Some(1)),
    (10, 1, "Mail room", "TTLOCK", 1, Some(2)),
    (11, 1, "Roof access", "TTLOCK", 1, None),
    (12, 1, "Kitchen", "TTLOCK", 1, Some(2)),
    (13, 1, "HR office", "TTLOCK", 1, Some(2)),
    (14, 1, "Parking gate", "DOORDECK", 2, Some(1)),
    (15, 1, "IT closet", "TTLOCK", 1, None),
    (16, 2, "Haupteingang", "TTLOCK", 3, Some(4)),
    (17, 2, "Lager", "TTLOCK", 3, Some(4)),
    (18, 2, "Büro 1.OG", "TTLOCK", 3, Some(4)),
    (19, 2, "Büro 2.OG", "TTLOCK", 3, Some(4)),
    (20, 2, "Konferenz Spree", "TTLOCK", 3, Some(4)),
    (21, 2, "Konferenz Havel", "TTLOCK", 3, Some(4)),
    (22, 2, "Technikraum", "TTLOCK", 3, None),
    (23, 2, "Hof-Tor", "TTLOCK", 3, Some(4)),
    (24, 2, "Archiv", "TTLOCK", 3, Some(4)),
    (25, 2, "Empfang", "TTLOCK", 3, Some(4)),
    (26, 2, "Werkstatt", "TTLOCK", 3, Some(4)),
    (27, 2, "Dachterrasse", "TTLOCK", 3, Some(4)),
    (28, 3, "Street door", "DOORDECK", 4, Some(5)),
    (29, 3, "Lift lobby", "DOORDECK", 4, Some(5)),
    (30, 3, "Hot desks", "DOORDECK", 4, Some(5)),
    (31, 3, "Podcast booth", "DOORDECK", 4, Some(5)),
    (32, 3, "Phone room 1", "DOORDECK", 4, Some(5)),
    (33, 3, "Phone room 2", "DOORDECK", 4, Some(5)),
    (34, 3, "Members lounge", "DOORDECK", 4, Some(5)),
    (35, 3, "Bike cage", "DOORDECK", 4, Some(6)),
    (36, 3, "Events space", "DOORDECK", 4, Some(5)),
    (37, 3, "Back stairs", "DOORDECK", 4, Some(5)),
    (38, 3, "Office 4", "DOORDECK", 4, Some(6)),
    (39, 3, "Office 5", "DOORDECK", 4, Some(6)),
    (40, 3, "Office 6", "DOORDECK", 4, Some(6)),
];

const DOOR_GROUPS: &[(i64, i64, &str)] = &[
    (1, 1, "HQ perimeter"),
    (2, 1, "HQ offices"),
    (3, 1, "HQ meeting rooms"),
    (4, 2, "Berlin floors"),
    (5, 3, "Sydney members"),
    (6, 3, "Sydney offices"),
];

/// (id, site, name, schedule, opens: doors, groups)
type LevelSpec = (
    i64,
    i64,
    &'static str,
    Option<i64>,
    &'static [i64],
    &'static [i64],
);
const LEVELS: &[LevelSpec] = &[
    (1, 1, "HQ staff", None, &[], &[1, 3]),
    (2, 1, "HQ office access", Some(1), &[], &[2]),
    (3, 1, "HQ facilities", None, &[11, 15], &[]),
    (4, 2, "Berlin Mitarbeiter", None, &[], &[4]),
    (5, 2, "Berlin Technik", None, &[22], &[]),
    (6, 3, "Sydney members", Some(3), &[], &[5]),
    (7, 3, "Sydney office tenants", None, &[], &[6]),
    (8, 1, "HQ contractors", Some(4), &[], &[1]),
];

const FIRST: &[&str] = &[
    "Alex", "Sam", "Priya", "Jonas", "Lena", "Noah", "Aisha", "Tom", "Maya", "Ravi", "Chloe",
    "Ben", "Hana", "Luis", "Ingrid", "Omar", "Zoe", "Felix", "Mei", "Jack", "Sofia", "Ethan",
    "Nora", "Kai", "Leila",
];
const LAST: &[&str] = &[
    "Nguyen", "Schmidt", "Patel", "Okafor", "Kowalski", "Brown", "Tanaka", "Silva", "Müller",
    "Cohen", "Ali", "Dubois", "Larsen", "Walsh", "Moreau", "Singh", "Fischer", "Rossi", "Kim",
    "Murphy",
];

const ACTORS: &[&str] = &[
    "admin:olivia@acme.example",
    "admin:marco@acme.example",
    "api:hr-sync",
    "admin:jana@nordlicht.example",
    "admin:liam@harbour.example",
];

#[derive(Clone)]
struct Door {
    id: i64,
    site: i64,
    name: &'static str,
    provider: &'static str,
    customer: i64,
    device: i64,
    group: Option<i64>,
    external_id: String,
}

#[derive(Clone)]
struct Ual {
    id: i64,
    user: i64,
    level: i64,
    site: i64,
    status: &'static str,
    created: DateTime<Utc>,
    updated: DateTime<Utc>,
}

#[derive(Clone)]
struct Cred {
    id: i64,
    user: i64,
    pin: String,
    status: &'static str,
    created: DateTime<Utc>,
    updated: DateTime<Utc>,
}

struct User {
    id: i64,
    site: i64,
    name: String,
    email: String,
    status: &'static str,
    doordeck_ref: String,
    created: DateTime<Utc>,
}

/// How a provider call went.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Fault {
    None,
    GatewayOffline,
    GatewayBusy,
    TokenInvalid,
    LockOffline,
    DeviceOffline,
}

/// The whole world, table by table, in load order.
pub struct World {
    pub tables: Vec<Table>,
}

impl World {
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }
}

pub const AUDIT_COLS: &[&str] = &[
    "id",
    "created_at",
    "entity_type",
    "entity_id",
    "action",
    "before_json",
    "after_json",
    "correlation_id",
    "actor",
    "source",
];
pub const JOB_COLS: &[&str] = &[
    "id",
    "job_type",
    "user_id",
    "reason",
    "status",
    "attempt_count",
    "last_error",
    "next_run_at",
    "correlation_id",
    "debug_session_id",
    "payload",
    "created_at",
    "updated_at",
];
pub const LOG_COLS: &[&str] = &[
    "id",
    "action",
    "correlation_id",
    "created_at",
    "debug_session_id",
    "door_id",
    "door_name",
    "error_message",
    "external_id",
    "lock_key",
    "ok",
    "provider_type",
    "reconcile_job_id",
    "request_json",
    "response_json",
];

/// Where the seed era ends and the recent weeks of history begin.
const RECENT_DAYS: i64 = 21;

struct Gen {
    rng: Rng,
    now: DateTime<Utc>,
    doors: Vec<Door>,
    users: Vec<User>,
    uals: Vec<Ual>,
    creds: Vec<Cred>,
    audit: Table,
    jobs: Table,
    logs: Table,
    next_audit: i64,
    next_job: i64,
    next_log: i64,
    next_ual: i64,
    next_cred: i64,
    /// Faults the next provider calls get, before any random ones.
    forced: std::collections::VecDeque<Fault>,
}

/// Builds the world as it stands at `now`. The same `now` gives the same rows.
pub fn build(now: DateTime<Utc>) -> World {
    let mut g = Gen::new(now);
    g.history();
    g.finish()
}

impl Gen {
    fn new(now: DateTime<Utc>) -> Gen {
        let mut rng = Rng(0x10CD_E5C0_FFEE);
        let doors = DOORS
            .iter()
            .map(|&(id, site, name, provider, customer, group)| Door {
                id,
                site,
                name,
                provider,
                customer,
                // Door 2 is on integration device 1 (seed 001); the rest follow.
                device: match id {
                    2 => 1,
                    1 => 2,
                    n => n,
                },
                group,
                external_id: match (id, provider) {
                    (2, _) => "28991110".to_string(),
                    (_, "TTLOCK") => (28_990_000 + id * 137).to_string(),
                    _ => rng.uuid(),
                },
            })
            .collect();
        let start = ts("2026-01-12T15:00:00Z");
        let users = (1..=200)
            .map(|id| {
                let (first, last) = if id == 9 {
                    ("Maya", "Okafor")
                } else {
                    (*rng.pick(FIRST), *rng.pick(LAST))
                };
                let site = match id {
                    1..=120 => 1,
                    121..=170 => 2,
                    _ => 3,
                };
                let domain =
                    ["acme.example", "nordlicht.example", "harbour.example"][site as usize - 1];
                User {
                    id,
                    site,
                    name: format!("{first} {last}"),
                    email: format!(
                        "{}.{}{}@{domain}",
                        first.to_lowercase(),
                        last.to_lowercase(),
                        id
                    ),
                    status: if id % 37 == 0 { "suspended" } else { "active" },
                    doordeck_ref: rng.uuid(),
                    created: start + Duration::minutes(id * 17),
                }
            })
            .collect();
        Gen {
            rng,
            now,
            doors,
            users,
            uals: Vec::new(),
            creds: Vec::new(),
            audit: Table::new("app_audit", AUDIT_COLS),
            jobs: Table::new("reconcile_jobs", JOB_COLS),
            logs: Table::new("integration_logs", LOG_COLS),
            next_audit: 1,
            next_job: 1,
            next_log: 1,
            next_ual: 1,
            next_cred: 1,
            forced: Default::default(),
        }
    }

    fn door(&self, id: i64) -> &Door {
        &self.doors[(id - 1) as usize]
    }

    fn level_doors(&self, level: i64) -> Vec<i64> {
        let Some(&(_, _, _, _, doors, groups)) = LEVELS.iter().find(|l| l.0 == level) else {
            return Vec::new();
        };
        let mut out: Vec<i64> = doors.to_vec();
        for d in &self.doors {
            if d.group.is_some_and(|g| groups.contains(&g)) {
                out.push(d.id);
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Doors a user opens through their active access levels.
    fn user_doors(&self, user: i64) -> Vec<i64> {
        // The contractors' schedule ended on 2026-03-31: their level opens nothing after.
        let expired = |level: i64| level == 8 && self.now > ts("2026-03-31T23:00:00Z");
        let mut out: Vec<i64> = self
            .uals
            .iter()
            .filter(|u| u.user == user && u.status == "active" && !expired(u.level))
            .flat_map(|u| self.level_doors(u.level))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    fn levels_of_site(site: i64) -> Vec<i64> {
        LEVELS.iter().filter(|l| l.1 == site).map(|l| l.0).collect()
    }

    // ---- the timeline -------------------------------------------------------

    fn history(&mut self) {
        // The first weeks: users get their first access levels and PINs.
        self.initial_grants();
        // Up to the first seed trace (job 72, log 1380).
        let mut t = ts("2026-01-26T15:10:00Z");
        self.era(&mut t, ts("2026-02-04T14:50:00Z"), 71, 1379);
        self.seed_trace_72();
        let mut t = ts("2026-02-04T15:20:00Z");
        self.era(&mut t, ts("2026-02-05T16:20:00Z"), 103, 1656);
        self.seed_trace_104();
        // The recent weeks, up to now.
        let mut t = self.now - Duration::days(RECENT_DAYS);
        self.next_job = self.next_job.max(105);
        self.next_log = self.next_log.max(1664);
        let end = self.now - Duration::hours(4);
        self.era(&mut t, end, i64::MAX, i64::MAX);
        self.live_edge();
    }

    /// Everyone's first access level and credential (no jobs: bulk import).
    fn initial_grants(&mut self) {
        let import = ts("2026-01-19T16:00:00Z");
        for u in 0..self.users.len() {
            let (id, site) = (self.users[u].id, self.users[u].site);
            if id == 9 {
                // User 9's credential 6 exists before her seed access level (#9).
                continue;
            }
            let level = Self::levels_of_site(site)[0];
            let ual_id = if id <= 8 { id } else { self.next_ual.max(10) };
            self.next_ual = ual_id.max(self.next_ual) + 1;
            self.uals.push(Ual {
                id: ual_id,
                user: id,
                level,
                site,
                status: "active",
                created: import,
                updated: import,
            });
            if id % 3 == 0 {
                let extra = *self.rng.pick(&Self::levels_of_site(site));
                if extra != level {
                    let ual_id = self.next_ual.max(10);
                    self.next_ual = ual_id + 1;
                    self.uals.push(Ual {
                        id: ual_id,
                        user: id,
                        level: extra,
                        site,
                        status: "active",
                        created: import,
                        updated: import,
                    });
                }
            }
        }
        self.uals.sort_by_key(|u| u.id);
        // Credentials 1-5 belong to users 1, 2, 3, 5, 7 and credential 6 to
        // user 9 (seed: `AB U9 C6`, PIN ending 1111); then everyone else.
        let early = [1, 2, 3, 5, 7, 9];
        let mut order: Vec<i64> = early.to_vec();
        order.extend((1..=200).filter(|u| !early.contains(u)));
        for user in order {
            let pin = if user == 9 {
                "48201111".to_string()
            } else {
                format!("{}", self.rng.range(100_000, 99_999_999))
            };
            self.creds.push(Cred {
                id: self.next_cred,
                user,
                pin,
                status: "active",
                created: import,
                updated: import,
            });
            self.next_cred += 1;
        }
    }

    /// Generates traces from `t` to `end`, with job ids up to `max_job` and
    /// log ids up to `max_log` (the seeds' fixed ids come after).
    fn era(&mut self, t: &mut DateTime<Utc>, end: DateTime<Utc>, max_job: i64, max_log: i64) {
        while *t < end {
            // Leave room for the largest trace (one job, ~40 logs).
            if self.next_job + 2 > max_job || self.next_log + 200 > max_log {
                break;
            }
            let roll = self.rng.range(0, 99);
            match roll {
                0..=44 => self.trace_access_change(*t),
                45..=64 => self.trace_credential_change(*t),
                65..=79 => self.trace_user_status(*t),
                _ => self.trace_scheduled_drift(*t),
            }
            *t +=
                Duration::minutes(self.rng.range(3, 17)) + Duration::seconds(self.rng.range(0, 59));
        }
    }

    // ---- the seed traces ----------------------------------------------------

    fn seed_trace_72(&mut self) {
        let s = seeds::rows();
        let a = &s.app_audit[0];
        // UserAccessLevel #9: user 9 gets access level 1 (seed 000).
        self.uals.push(Ual {
            id: 9,
            user: 9,
            level: 1,
            site: 1,
            status: "active",
            created: a.created_at,
            updated: a.created_at,
        });
        self.uals.sort_by_key(|u| u.id);
        self.push_seed(
            &s,
            seeds::TRACE_USER_ACCESS,
            "admin:olivia@acme.example",
            "user-access-level route",
        );
        self.next_job = 73;
        self.next_log = 1391;
    }

    fn seed_trace_104(&mut self) {
        let s = seeds::rows();
        self.push_seed(
            &s,
            seeds::TRACE_DOOR_PROVISION,
            "admin:olivia@acme.example",
            "door route",
        );
        self.next_job = 105;
        self.next_log = 1664;
    }

    fn push_seed(&mut self, s: &seeds::SeedRows, corr: &str, actor: &str, source: &str) {
        for a in s.app_audit.iter().filter(|a| a.correlation_id == corr) {
            let id = self.next_audit;
            self.next_audit += 1;
            self.audit.push(vec![
                id.into(),
                a.created_at.into(),
                a.entity_type.clone().into(),
                a.entity_id.into(),
                a.action.clone().into(),
                a.before_json.clone().into(),
                a.after_json.clone().into(),
                a.correlation_id.clone().into(),
                actor.into(),
                source.into(),
            ]);
        }
        for j in s.reconcile_jobs.iter().filter(|j| j.correlation_id == corr) {
            // The seeds carry no payload; job 104's parameters are in its reason.
            let payload = (j.job_type == "drift_enforce_lock_truth").then(|| {
                json!({"door_id": null, "integration_device_id": 1, "provider_type": "TTLOCK",
                       "external_id": "28991110", "mode": "ultra_strict", "grace_window_seconds": 3600})
            });
            self.jobs.push(vec![
                j.reconcile_job_id.into(),
                j.job_type.clone().into(),
                j.user_id.into(),
                j.reason.clone().into(),
                j.status.clone().into(),
                i64::from(j.attempt_count).into(),
                j.last_error.clone().into(),
                j.next_run_at.into(),
                j.correlation_id.clone().into(),
                j.debug_session_id.clone().into(),
                payload.into(),
                j.created_at.into(),
                j.updated_at.into(),
            ]);
        }
        for l in s
            .integration_logs
            .iter()
            .filter(|l| l.correlation_id.as_deref() == Some(corr))
        {
            self.logs.push(vec![
                l.id.into(),
                l.action.clone().into(),
                l.correlation_id.clone().into(),
                l.created_at.into(),
                l.debug_session_id.clone().into(),
                l.door_id.into(),
                l.door_name.clone().into(),
                l.error_message.clone().into(),
                l.external_id.clone().into(),
                l.lock_key.clone().into(),
                l.ok.into(),
                l.provider_type.clone().into(),
                l.reconcile_job_id.into(),
                l.request_json.clone().into(),
                l.response_json.clone().into(),
            ]);
        }
    }

    // ---- generated traces ---------------------------------------------------

    #[allow(clippy::too_many_arguments)]
    fn audit_row(
        &mut self,
        t: DateTime<Utc>,
        entity: &str,
        entity_id: i64,
        action: &str,
        before: Value,
        after: Value,
        corr: &str,
        source: &str,
    ) {
        let id = self.next_audit;
        self.next_audit += 1;
        let actor = (*self.rng.pick(ACTORS)).to_string();
        self.audit.push(vec![
            id.into(),
            t.into(),
            entity.into(),
            entity_id.into(),
            action.into(),
            before.into(),
            after.into(),
            corr.into(),
            actor.into(),
            source.into(),
        ]);
    }

    /// One integration_logs row; `door` None means a broker step.
    #[allow(clippy::too_many_arguments)]
    fn log(
        &mut self,
        t: DateTime<Utc>,
        action: &str,
        corr: &str,
        job: Option<i64>,
        door: Option<i64>,
        error: Option<String>,
        request: Value,
        response: Value,
    ) {
        let id = self.next_log;
        self.next_log += 1;
        let (door_id, door_name, external_id, lock_key, provider) = match door {
            Some(d) => {
                let d = self.door(d);
                (
                    Cell::Int(d.id),
                    Cell::from(d.name),
                    Cell::from(d.external_id.clone()),
                    Cell::from(format!("{}:{}", d.provider, d.external_id)),
                    Cell::from(d.provider),
                )
            }
            None => (
                Cell::Null,
                Cell::Null,
                Cell::Null,
                Cell::from("ACCESS_BROKER:unknown"),
                Cell::from("ACCESS_BROKER"),
            ),
        };
        self.logs.push(vec![
            id.into(),
            action.into(),
            corr.into(),
            t.into(),
            Cell::Null,
            door_id,
            door_name,
            Cell::from(error.clone()),
            external_id,
            lock_key,
            error.is_none().into(),
            provider,
            job.into(),
            request.into(),
            response.into(),
        ]);
    }

    fn fault_for(&mut self, provider: &str, rate: u64) -> Fault {
        if let Some(f) = self.forced.pop_front() {
            return f;
        }
        if !self.rng.chance(rate) {
            return Fault::None;
        }
        if provider == "DOORDECK" {
            return Fault::DeviceOffline;
        }
        *self.rng.pick(&[
            Fault::GatewayOffline,
            Fault::GatewayOffline,
            Fault::GatewayBusy,
            Fault::TokenInvalid,
            Fault::LockOffline,
        ])
    }

    /// The request and response of one provider call, in the seeds' shape,
    /// and the error message when it failed. Secrets are already masked, as
    /// the broker's client stores them.
    fn provider_call(
        &mut self,
        t: DateTime<Utc>,
        door: i64,
        op: &str,
        pin: Option<(&str, i64)>,
        fault: Fault,
    ) -> (String, Value, Value, Option<String>) {
        let d = self.door(door).clone();
        let ms = t.timestamp_millis() + self.rng.range(100, 900);
        if d.provider == "TTLOCK" {
            let client_id = CUSTOMERS
                .iter()
                .find(|c| c.0 == d.customer)
                .map_or("", |c| c.4);
            let lock_id: i64 = d.external_id.parse().unwrap_or(0);
            let (action, method, path, mut payload) = match op {
                "add" => (
                    "PASSCODE_ADD",
                    "POST",
                    "/v3/keyboardPwd/add",
                    json!({"addType": 2, "keyboardPwdName": "***", "keyboardPwdType": 2,
                           "keyboardPwd": mask_pin(pin.map_or("", |p| p.0)), "startDate": ms - 60_000, "endDate": 0}),
                ),
                "list" => (
                    "PASSCODE_LIST",
                    "GET",
                    "/v3/lock/listKeyboardPwd",
                    json!({"pageNo": 1, "pageSize": 200}),
                ),
                _ => (
                    "PASSCODE_DELETE",
                    "POST",
                    "/v3/keyboardPwd/delete",
                    json!({"deleteType": 2, "keyboardPwdId": pin.map_or(0, |p| p.1)}),
                ),
            };
            payload["accessToken"] = json!("***");
            payload["clientId"] = json!(client_id);
            payload["date"] = json!(ms);
            payload["lockId"] = json!(lock_id);
            let request = json!({
                "base_host": "https://api.ttlock.com", "method": method, "path": path,
                "payload": payload, "url": format!("https://api.ttlock.com{path}"),
            });
            let (response, error) = match ttlock_error(fault) {
                None if op == "add" => (
                    json!({"keyboardPwdId": 50_000_000 + self.rng.range(1_000_000, 9_999_999)}),
                    None,
                ),
                None if op == "list" => (
                    json!({"list": [], "pageNo": 1, "pageSize": 200, "pages": 1, "total": 0}),
                    None,
                ),
                None => (
                    json!({"description": "表示成功或是", "errcode": 0, "errmsg": "none error message or means yes"}),
                    None,
                ),
                Some((code, msg)) => (
                    json!({"description": msg, "errcode": code, "errmsg": msg}),
                    Some(format!("TTLock errcode {code}: {msg}")),
                ),
            };
            (action.to_string(), request, response, error)
        } else {
            let path = format!("/device/{}/execute", d.external_id);
            let user_ref = pin.map_or(String::new(), |p| p.0.to_string());
            let operation = if op == "add" {
                json!({"type": "ADD_USER", "user": user_ref, "publicKey": "***", "role": "USER", "start": null, "end": null})
            } else {
                json!({"type": "REMOVE_USER", "users": [user_ref]})
            };
            let request = json!({
                "base_host": "https://api.doordeck.com", "method": "POST", "path": path,
                "payload": {"operation": operation, "jti": self.rng.uuid(), "signature": "***"},
                "url": format!("https://api.doordeck.com{path}"),
            });
            let (response, error) = if fault == Fault::None {
                (
                    json!({"http_status": if op == "add" { 204 } else { 200 }, "body": {}}),
                    None,
                )
            } else {
                (
                    json!({"http_status": 503, "body": {"code": 503, "message": "Device offline"}}),
                    Some("Doordeck HTTP 503: device offline".to_string()),
                )
            };
            let action = if op == "add" {
                "LOCK_SHARE"
            } else {
                "LOCK_REVOKE"
            };
            (action.to_string(), request, response, error)
        }
    }

    /// A reconcile_user job for `user`, pushing adds (or deletes) to `doors`.
    /// Returns the job id. Attempts, failures, retries and final status are
    /// decided here; `fail_rate` is in percent per provider call.
    #[allow(clippy::too_many_arguments)]
    fn reconcile_user(
        &mut self,
        t0: DateTime<Utc>,
        corr: &str,
        user: i64,
        reason: &str,
        source: &str,
        add_doors: &[i64],
        del_doors: &[i64],
        fail_rate: u64,
    ) -> i64 {
        let job = self.next_job;
        self.next_job += 1;
        self.log(
            t0,
            "RECONCILE_ENQUEUED",
            corr,
            Some(job),
            None,
            None,
            json!({"deduped": false, "reason": reason, "source": source, "user_id": user}),
            json!({"job_id": job}),
        );
        let cred = self.creds.iter().find(|c| c.user == user).cloned();
        let doordeck_ref = self.users[(user - 1) as usize].doordeck_ref.clone();
        let mut t = t0 + Duration::seconds(self.rng.range(0, 3));
        let mut attempt = 0;
        let max_attempts = 5;
        loop {
            attempt += 1;
            self.log(
                t,
                "RECONCILE_JOB_START",
                corr,
                Some(job),
                None,
                None,
                json!({"attempt_count": attempt, "job_id": job, "job_type": "reconcile_user", "reason": reason, "user_id": user}),
                Value::Null,
            );
            let mut failure: Option<String> = None;
            let (mut adds, mut removes) = (0, 0);
            let calls: Vec<(i64, &str)> = add_doors
                .iter()
                .map(|d| (*d, "add"))
                .chain(del_doors.iter().map(|d| (*d, "delete")))
                .collect();
            for (door, op) in calls {
                t += Duration::milliseconds(self.rng.range(400, 2500));
                let provider = self.door(door).provider;
                let fault = self.fault_for(provider, fail_rate);
                let pin_ref = if provider == "DOORDECK" {
                    (doordeck_ref.clone(), 0)
                } else {
                    (
                        cred.as_ref().map_or(String::new(), |c| c.pin.clone()),
                        50_000_000 + (user * 7919 + door * 104_729) % 9_000_000,
                    )
                };
                let (action, req, resp, err) =
                    self.provider_call(t, door, op, Some((&pin_ref.0, pin_ref.1)), fault);
                self.log(
                    t,
                    &action,
                    corr,
                    Some(job),
                    Some(door),
                    err.clone(),
                    req,
                    resp,
                );
                match err {
                    Some(e) => {
                        failure = Some(e);
                        break;
                    }
                    None if op == "add" => adds += 1,
                    None => removes += 1,
                }
            }
            t += Duration::milliseconds(self.rng.range(100, 900));
            match failure {
                None => {
                    self.log(
                        t,
                        "RECONCILE_JOB_DONE",
                        corr,
                        Some(job),
                        None,
                        None,
                        json!({"attempt_count": attempt, "job_id": job, "user_id": user}),
                        json!({"job_status": "done", "summary": {"adds_updates": adds, "desired": add_doors.len(), "removes": removes}}),
                    );
                    self.push_job(
                        job,
                        "reconcile_user",
                        user,
                        reason,
                        "done",
                        attempt,
                        None,
                        None,
                        corr,
                        Value::Null,
                        t0,
                        t,
                    );
                    return job;
                }
                Some(err) => {
                    let dead = attempt >= max_attempts;
                    let backoff = Duration::minutes(5 * (1 << attempt));
                    let status = if dead { "dead" } else { "failed" };
                    self.log(
                        t,
                        "RECONCILE_JOB_FAILED",
                        corr,
                        Some(job),
                        None,
                        Some(err.clone()),
                        json!({"attempt_count": attempt, "job_id": job, "user_id": user}),
                        json!({"job_status": status, "error": err, "next_run_at": (!dead).then(|| (t + backoff).to_rfc3339())}),
                    );
                    let next = t + backoff;
                    // A failure that the worker would have retried by now is
                    // retried; one whose retry is still ahead stays failed.
                    if dead || next > self.now {
                        let next_run = (!dead).then_some(next);
                        self.push_job(
                            job,
                            "reconcile_user",
                            user,
                            reason,
                            status,
                            attempt,
                            Some(err),
                            next_run,
                            corr,
                            Value::Null,
                            t0,
                            t,
                        );
                        return job;
                    }
                    t = next + Duration::seconds(self.rng.range(0, 5));
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn push_job(
        &mut self,
        id: i64,
        job_type: &str,
        user: i64,
        reason: &str,
        status: &str,
        attempts: i64,
        error: Option<String>,
        next_run: Option<DateTime<Utc>>,
        corr: &str,
        payload: Value,
        created: DateTime<Utc>,
        updated: DateTime<Utc>,
    ) {
        self.jobs.push(vec![
            id.into(),
            job_type.into(),
            user.into(),
            reason.into(),
            status.into(),
            attempts.into(),
            error.into(),
            next_run.into(),
            corr.into(),
            Cell::Null,
            payload.into(),
            created.into(),
            updated.into(),
        ]);
    }

    /// A user gains or loses an access level.
    fn trace_access_change(&mut self, t: DateTime<Utc>) {
        let corr = self.rng.hex32();
        let user = self.rng.range(1, 200);
        // User 9's access stays as the seeds left it: the demo's triage story.
        if user == 9 || self.users[(user - 1) as usize].status != "active" {
            return;
        }
        let site = self.users[(user - 1) as usize].site;
        let before_doors = self.user_doors(user);
        let active: Vec<usize> = (0..self.uals.len())
            .filter(|&i| self.uals[i].user == user && self.uals[i].status == "active")
            .collect();
        let revoke = active.len() > 1 && self.rng.chance(40);
        let (ual_id, action, before, after) = if revoke {
            let i = *self.rng.pick(&active);
            let before = ual_json(&self.uals[i]);
            self.uals[i].status = "revoked";
            self.uals[i].updated = t;
            (self.uals[i].id, "update", before, ual_json(&self.uals[i]))
        } else {
            let level = *self.rng.pick(&Self::levels_of_site(site));
            let ual = Ual {
                id: self.next_ual,
                user,
                level,
                site,
                status: "active",
                created: t,
                updated: t,
            };
            self.next_ual += 1;
            let after = ual_json(&ual);
            self.uals.push(ual);
            (self.next_ual - 1, "create", Value::Null, after)
        };
        self.audit_row(
            t,
            "UserAccessLevel",
            ual_id,
            action,
            before,
            after,
            &corr,
            "user-access-level route",
        );
        let after_doors = self.user_doors(user);
        let adds: Vec<i64> = after_doors
            .iter()
            .filter(|d| !before_doors.contains(d))
            .copied()
            .collect();
        let dels: Vec<i64> = before_doors
            .iter()
            .filter(|d| !after_doors.contains(d))
            .copied()
            .collect();
        self.reconcile_user(
            t,
            &corr,
            user,
            "access level changed",
            "user-access-level route",
            &adds,
            &dels,
            1,
        );
    }

    /// A credential is revoked and reissued (a lost PIN).
    fn trace_credential_change(&mut self, t: DateTime<Utc>) {
        let corr = self.rng.hex32();
        let user = self.rng.range(1, 200);
        if user == 9 || self.users[(user - 1) as usize].status != "active" {
            return;
        }
        let Some(i) = self
            .creds
            .iter()
            .position(|c| c.user == user && c.status == "active")
        else {
            return;
        };
        let before = cred_json(&self.creds[i]);
        self.creds[i].status = "revoked";
        self.creds[i].updated = t;
        let after = cred_json(&self.creds[i]);
        let cred_id = self.creds[i].id;
        self.audit_row(
            t,
            "Credential",
            cred_id,
            "update",
            before,
            after,
            &corr,
            "credential route",
        );
        let fresh = Cred {
            id: self.next_cred,
            user,
            pin: format!("{}", self.rng.range(100_000, 99_999_999)),
            status: "active",
            created: t,
            updated: t,
        };
        self.next_cred += 1;
        self.audit_row(
            t,
            "Credential",
            fresh.id,
            "create",
            Value::Null,
            cred_json(&fresh),
            &corr,
            "credential route",
        );
        self.creds.push(fresh);
        // PINs only: Doordeck shares do not change with a new PIN.
        let doors: Vec<i64> = self
            .user_doors(user)
            .into_iter()
            .filter(|d| self.door(*d).provider == "TTLOCK")
            .collect();
        self.reconcile_user(
            t,
            &corr,
            user,
            "credential changed",
            "credential route",
            &doors,
            &doors,
            1,
        );
    }

    /// A user is suspended or reinstated.
    fn trace_user_status(&mut self, t: DateTime<Utc>) {
        let corr = self.rng.hex32();
        let user = self.rng.range(1, 200);
        if user == 9 {
            return;
        }
        let u = &mut self.users[(user - 1) as usize];
        let before = json!({"id": u.id, "name": u.name, "email": u.email, "status": u.status, "site_id": u.site});
        let suspend = u.status == "active";
        u.status = if suspend { "suspended" } else { "active" };
        let after = json!({"id": u.id, "name": u.name, "email": u.email, "status": u.status, "site_id": u.site});
        self.audit_row(
            t,
            "User",
            user,
            "update",
            before,
            after,
            &corr,
            "user route",
        );
        let doors = self.user_doors(user);
        let reason = if suspend {
            "user suspended"
        } else {
            "user reinstated"
        };
        if suspend {
            self.reconcile_user(t, &corr, user, reason, "user route", &[], &doors, 2);
        } else {
            self.reconcile_user(t, &corr, user, reason, "user route", &doors, &[], 2);
        }
    }

    /// The nightly drift sweep of one lock: list, compare, clean up.
    fn trace_scheduled_drift(&mut self, t: DateTime<Utc>) {
        let corr = self.rng.hex32();
        let door = self.rng.range(1, 40);
        let d = self.door(door).clone();
        if d.provider != "TTLOCK" {
            return;
        }
        let job = self.next_job;
        self.next_job += 1;
        let reason = format!(
            "scheduled drift_enforce {} {} door:{} device:{}",
            d.provider, d.external_id, d.id, d.device
        );
        let payload = json!({"door_id": d.id, "integration_device_id": d.device, "provider_type": d.provider,
                             "external_id": d.external_id, "mode": "standard", "grace_window_seconds": 3600});
        self.log(t, "RECONCILE_ENQUEUED", &corr, Some(job), None, None,
            json!({"job_type": "drift_enforce_lock_truth", "reason": reason, "source": "scheduler", "user_id": 0}),
            json!({"job_id": job}));
        let t1 = t + Duration::seconds(1);
        self.log(t1, "DRIFT_ENFORCE_JOB_START", &corr, Some(job), None, None,
            json!({"attempt_count": 1, "job_id": job, "job_type": "drift_enforce_lock_truth", "reason": reason, "user_id": 0}),
            Value::Null);
        let t2 = t1 + Duration::milliseconds(self.rng.range(800, 2500));
        let fault = self.fault_for("TTLOCK", 6);
        let (action, req, resp, err) = self.provider_call(t2, door, "list", None, fault);
        self.log(
            t2,
            &action,
            &corr,
            Some(job),
            Some(door),
            err.clone(),
            req,
            resp,
        );
        let t3 = t2 + Duration::milliseconds(self.rng.range(100, 600));
        match err {
            None => {
                let plan = json!({"doors": [{"door_id": d.id, "provider_type": d.provider, "external_device_id": d.external_id,
                    "integration_device_id": d.device, "actual": [], "expected": [], "adds": [], "deletes": [],
                    "blocked_by_grace": [], "invalid_expected": [],
                    "summary": {"adds": 0, "blocked": 0, "deletes": 0, "grace_bypassed_deletes": 0, "invalid_expected": 0}}],
                    "filters": {"door_id": d.id, "integration_device_id": d.device, "provider_type": d.provider},
                    "generated_at": t1.to_rfc3339_opts(chrono::SecondsFormat::Secs, true), "grace_window_seconds": 3600, "mode": "standard",
                    "summary": {"adds": 0, "blocked": 0, "deletes": 0, "doors": 1, "grace_bypassed_deletes": 0, "invalid_expected": 0}});
                self.log(t3, "DRIFT_ENFORCE_JOB_DONE", &corr, Some(job), None, None,
                    json!({"attempt_count": 1, "job_id": job}),
                    json!({"adds": {"attempted": 0, "failed": 0, "ok": 0}, "deletes": {"attempted": 0, "failed": 0, "ok": 0},
                           "analysis": {"adds": 0, "blocked": 0, "deletes": 0, "doors": 1, "grace_bypassed_deletes": 0, "invalid_expected": 0},
                           "enforce_plan": plan, "failures": [], "generated_at": t1.to_rfc3339_opts(chrono::SecondsFormat::Secs, true), "ok": true,
                           "summary": {"adds_attempted": 0, "adds_failed": 0, "adds_succeeded": 0, "deletes_attempted": 0,
                                       "deletes_failed": 0, "deletes_succeeded": 0, "failures": []},
                           "target": {"external_id": d.external_id, "integration_device_id": d.device, "provider_type": d.provider}}));
                self.push_job(
                    job,
                    "drift_enforce_lock_truth",
                    0,
                    &reason,
                    "done",
                    1,
                    None,
                    None,
                    &corr,
                    payload,
                    t,
                    t3,
                );
            }
            Some(e) => {
                self.log(
                    t3,
                    "RECONCILE_JOB_FAILED",
                    &corr,
                    Some(job),
                    None,
                    Some(e.clone()),
                    json!({"attempt_count": 1, "job_id": job}),
                    json!({"job_status": "dead", "error": e}),
                );
                // Scheduled sweeps are not retried: the next night's sweep is.
                self.push_job(
                    job,
                    "drift_enforce_lock_truth",
                    0,
                    &reason,
                    "dead",
                    1,
                    Some(e),
                    None,
                    &corr,
                    payload,
                    t,
                    t3,
                );
            }
        }
    }

    /// The last hours: what a support engineer meets when they open the
    /// console — jobs queued, running, stuck, failed with a retry ahead, dead.
    fn live_edge(&mut self) {
        let now = self.now;
        // A job stuck in `running` for hours: its worker died mid-call.
        let corr = self.rng.hex32();
        let t = now - Duration::hours(3) - Duration::minutes(12);
        let user = 42;
        let job = self.next_job;
        self.next_job += 1;
        let i = self.uals.iter().position(|u| u.user == user).unwrap_or(0);
        let snapshot = ual_json(&self.uals[i]);
        let ual_id = self.uals[i].id;
        self.audit_row(
            t,
            "UserAccessLevel",
            ual_id,
            "update",
            snapshot.clone(),
            snapshot,
            &corr,
            "user-access-level route",
        );
        self.log(t, "RECONCILE_ENQUEUED", &corr, Some(job), None, None,
            json!({"deduped": false, "reason": "access level changed", "source": "user-access-level route", "user_id": user}), json!({"job_id": job}));
        self.log(t + Duration::seconds(2), "RECONCILE_JOB_START", &corr, Some(job), None, None,
            json!({"attempt_count": 1, "job_id": job, "job_type": "reconcile_user", "reason": "access level changed", "user_id": user}), Value::Null);
        self.push_job(
            job,
            "reconcile_user",
            user,
            "access level changed",
            "running",
            1,
            None,
            None,
            &corr,
            Value::Null,
            t,
            t + Duration::seconds(2),
        );

        // An expired token at HQ, retried until it went dead.
        let corr = self.rng.hex32();
        self.forced.extend([Fault::TokenInvalid; 5]);
        self.reconcile_user(
            now - Duration::hours(3),
            &corr,
            64,
            "access level changed",
            "user-access-level route",
            &[1, 3],
            &[],
            0,
        );

        // A retried job: failed twice on a busy gateway, then done.
        let corr = self.rng.hex32();
        self.forced.extend([Fault::GatewayBusy, Fault::GatewayBusy]);
        self.reconcile_user(
            now - Duration::hours(2),
            &corr,
            12,
            "access level changed",
            "user-access-level route",
            &[1, 3, 9],
            &[],
            0,
        );

        // Cancelled by an operator.
        let corr = self.rng.hex32();
        let t = now - Duration::minutes(95);
        let job = self.next_job;
        self.next_job += 1;
        self.log(t, "RECONCILE_ENQUEUED", &corr, Some(job), None, None,
            json!({"deduped": false, "reason": "user reinstated", "source": "user route", "user_id": 37}), json!({"job_id": job}));
        self.push_job(
            job,
            "reconcile_user",
            37,
            "user reinstated",
            "cancelled",
            0,
            None,
            None,
            &corr,
            Value::Null,
            t,
            t + Duration::minutes(3),
        );

        // Failures whose retries are still ahead: Berlin's gateway went
        // offline a few minutes ago.
        for (k, user) in [131_i64, 144, 158].into_iter().enumerate() {
            let corr = self.rng.hex32();
            let t = now - Duration::minutes(8 - 2 * k as i64);
            self.forced.push_back(Fault::GatewayOffline);
            self.reconcile_user(
                t,
                &corr,
                user,
                "credential changed",
                "credential route",
                &[16, 18],
                &[],
                0,
            );
        }
        // A Doordeck device offline in Sydney.
        let corr = self.rng.hex32();
        self.forced.push_back(Fault::DeviceOffline);
        self.reconcile_user(
            now - Duration::minutes(3),
            &corr,
            181,
            "access level changed",
            "user-access-level route",
            &[28, 30],
            &[],
            0,
        );
        self.forced.clear();

        // Fresh work the worker has not picked up yet, and one it is running.
        for (k, user) in [23_i64, 77, 102].into_iter().enumerate() {
            let corr = self.rng.hex32();
            let t = now - Duration::seconds(40 - 10 * k as i64);
            let job = self.next_job;
            self.next_job += 1;
            let i = self.uals.iter().position(|u| u.user == user).unwrap_or(0);
            let after = ual_json(&self.uals[i]);
            let id = self.uals[i].id;
            self.audit_row(
                t,
                "UserAccessLevel",
                id,
                "update",
                after.clone(),
                after,
                &corr,
                "user-access-level route",
            );
            self.log(t, "RECONCILE_ENQUEUED", &corr, Some(job), None, None,
                json!({"deduped": false, "reason": "access level changed", "source": "user-access-level route", "user_id": user}), json!({"job_id": job}));
            let status = if k == 2 { "running" } else { "queued" };
            if status == "running" {
                self.log(t + Duration::seconds(1), "RECONCILE_JOB_START", &corr, Some(job), None, None,
                    json!({"attempt_count": 1, "job_id": job, "job_type": "reconcile_user", "reason": "access level changed", "user_id": user}), Value::Null);
            }
            let attempts = if status == "running" { 1 } else { 0 };
            let next_run = (status == "queued").then_some(t);
            self.push_job(
                job,
                "reconcile_user",
                user,
                "access level changed",
                status,
                attempts,
                None,
                next_run,
                &corr,
                Value::Null,
                t,
                t + Duration::seconds(1),
            );
        }
    }

    // ---- reference tables -----------------------------------------------------

    fn finish(self) -> World {
        let origin = ts("2026-01-12T15:00:00Z");
        let mut tables = Vec::new();

        let mut sites = Table::new("sites", &["id", "name", "time_zone", "created_at"]);
        for &(id, name, tz) in SITES {
            sites.push(vec![id.into(), name.into(), tz.into(), origin.into()]);
        }
        tables.push(sites);

        let mut schedules = Table::new(
            "schedules",
            &[
                "id",
                "site_id",
                "name",
                "days_of_week",
                "start_time",
                "end_time",
                "valid_from",
                "valid_until",
            ],
        );
        let sched = |id: i64,
                     site: i64,
                     name: &str,
                     days: &str,
                     start: &str,
                     end: &str,
                     until: Option<DateTime<Utc>>| {
            vec![
                id.into(),
                site.into(),
                name.into(),
                days.into(),
                start.into(),
                end.into(),
                Cell::Null,
                until.into(),
            ]
        };
        schedules.push(sched(
            1,
            1,
            "Business hours",
            "{1,2,3,4,5}",
            "07:00",
            "19:00",
            None,
        ));
        schedules.push(sched(
            2,
            2,
            "Always",
            "{1,2,3,4,5,6,7}",
            "00:00",
            "24:00",
            None,
        ));
        schedules.push(sched(
            3,
            3,
            "Members' hours",
            "{1,2,3,4,5,6}",
            "06:00",
            "22:00",
            None,
        ));
        schedules.push(sched(
            4,
            1,
            "Renovation contract",
            "{1,2,3,4,5}",
            "08:00",
            "17:00",
            Some(ts("2026-03-31T23:00:00Z")),
        ));
        tables.push(schedules);

        let mut customers = Table::new(
            "integration_customers",
            &["id", "name", "provider_type", "account_ref", "created_at"],
        );
        for &(id, name, provider, account, _) in CUSTOMERS {
            customers.push(vec![
                id.into(),
                name.into(),
                provider.into(),
                account.into(),
                origin.into(),
            ]);
        }
        tables.push(customers);

        let mut devices = Table::new(
            "integration_devices",
            &[
                "id",
                "integration_customer_id",
                "provider_type",
                "external_id",
                "name",
                "gateway_ref",
                "created_at",
            ],
        );
        let mut devs: Vec<&Door> = self.doors.iter().collect();
        devs.sort_by_key(|d| d.device);
        for d in devs {
            let gateway = (d.provider == "TTLOCK")
                .then(|| format!("G2-{}", if d.site == 1 { "HQ" } else { "BER" }));
            devices.push(vec![
                d.device.into(),
                d.customer.into(),
                d.provider.into(),
                d.external_id.clone().into(),
                format!("{} lock", d.name).into(),
                gateway.into(),
                origin.into(),
            ]);
        }
        tables.push(devices);

        let mut groups = Table::new("door_groups", &["id", "site_id", "name", "created_at"]);
        for &(id, site, name) in DOOR_GROUPS {
            groups.push(vec![id.into(), site.into(), name.into(), origin.into()]);
        }
        tables.push(groups);

        let mut doors = Table::new(
            "doors",
            &[
                "id",
                "site_id",
                "name",
                "description",
                "location",
                "device_type",
                "external_id",
                "integration_customer_id",
                "integration_device_id",
                "door_group_id",
                "open_schedule_id",
                "is_active",
                "status",
                "demo_state",
                "demo_state_updated_at",
                "created_at",
                "updated_at",
            ],
        );
        for d in &self.doors {
            if d.id == 2 {
                // Exactly the Door #2 JSON of seed 001.
                let at = ts("2026-02-05T16:28:59.888294Z");
                doors.push(vec![
                    2.into(),
                    1.into(),
                    "ttlock".into(),
                    Cell::Null,
                    Cell::Null,
                    "TTLOCK".into(),
                    "28991110".into(),
                    1.into(),
                    1.into(),
                    Cell::Null,
                    Cell::Null,
                    true.into(),
                    "unknown".into(),
                    "locked".into(),
                    Cell::Null,
                    at.into(),
                    at.into(),
                ]);
                continue;
            }
            let created = origin + Duration::hours(d.id);
            let location =
                ["Ground floor", "Level 1", "Level 2", "Level 3", "Basement"][(d.id % 5) as usize];
            doors.push(vec![
                d.id.into(),
                d.site.into(),
                d.name.into(),
                Cell::Null,
                location.into(),
                d.provider.into(),
                d.external_id.clone().into(),
                d.customer.into(),
                d.device.into(),
                d.group.into(),
                Cell::Null,
                true.into(),
                "online".into(),
                "locked".into(),
                Cell::Null,
                created.into(),
                created.into(),
            ]);
        }
        tables.push(doors);

        let mut users = Table::new(
            "users",
            &[
                "id",
                "site_id",
                "name",
                "email",
                "status",
                "doordeck_user_ref",
                "created_at",
                "updated_at",
            ],
        );
        for u in &self.users {
            users.push(vec![
                u.id.into(),
                u.site.into(),
                u.name.clone().into(),
                u.email.clone().into(),
                u.status.into(),
                u.doordeck_ref.clone().into(),
                u.created.into(),
                u.created.into(),
            ]);
        }
        tables.push(users);

        let mut levels = Table::new(
            "access_levels",
            &[
                "id",
                "site_id",
                "name",
                "status",
                "schedule_id",
                "created_at",
            ],
        );
        let mut level_doors = Table::new(
            "access_level_doors",
            &["id", "access_level_id", "door_id", "door_group_id"],
        );
        let mut ld_id = 1;
        for &(id, site, name, schedule, ds, gs) in LEVELS {
            levels.push(vec![
                id.into(),
                site.into(),
                name.into(),
                "active".into(),
                schedule.into(),
                origin.into(),
            ]);
            for d in ds {
                level_doors.push(vec![ld_id.into(), id.into(), (*d).into(), Cell::Null]);
                ld_id += 1;
            }
            for g in gs {
                level_doors.push(vec![ld_id.into(), id.into(), Cell::Null, (*g).into()]);
                ld_id += 1;
            }
        }
        tables.push(levels);
        tables.push(level_doors);

        let mut uals = Table::new(
            "user_access_levels",
            &[
                "id",
                "user_id",
                "access_level_id",
                "site_id",
                "schedule_id",
                "status",
                "created_at",
                "updated_at",
            ],
        );
        for u in &self.uals {
            uals.push(vec![
                u.id.into(),
                u.user.into(),
                u.level.into(),
                u.site.into(),
                Cell::Null,
                u.status.into(),
                u.created.into(),
                u.updated.into(),
            ]);
        }
        tables.push(uals);

        let mut creds = Table::new(
            "credentials",
            &[
                "id",
                "user_id",
                "kind",
                "pin_code",
                "status",
                "created_at",
                "updated_at",
            ],
        );
        for c in &self.creds {
            creds.push(vec![
                c.id.into(),
                c.user.into(),
                "pin".into(),
                c.pin.clone().into(),
                c.status.into(),
                c.created.into(),
                c.updated.into(),
            ]);
        }
        tables.push(creds);

        // The lock's PINs as the broker last saw them. Door 2's PIN 50957532
        // (`AB U9 C6`) was deleted by job 104 and is back on the lock, added
        // through the TTLock app: the demo's stray PIN, unknown to the
        // broker's sync state, so drift enforcement infers first_seen_at.
        let mut pins = Table::new(
            "lock_pin_states",
            &[
                "id",
                "door_id",
                "credential_id",
                "code_name",
                "vendor_pin_id",
                "provider_receipt_id",
                "first_seen_at",
                "first_seen_source",
                "last_seen_at",
                "state",
            ],
        );
        pins.push(vec![
            1.into(),
            2.into(),
            6.into(),
            "AB U9 C6".into(),
            "50957532".into(),
            Cell::Null,
            ts("2026-02-05T16:28:59Z").into(),
            "inferred_now".into(),
            ts("2026-02-05T16:29:03Z").into(),
            "deleted".into(),
        ]);
        let mut pin_id = 2;
        for c in self.creds.iter().filter(|c| {
            c.status == "active" && self.users[(c.user - 1) as usize].status == "active"
        }) {
            for door in self.user_doors(c.user) {
                let d = self.door(door);
                if d.provider != "TTLOCK" || door == 2 {
                    continue;
                }
                let vendor = 50_000_000 + (c.user * 7919 + door * 104_729) % 9_000_000;
                pins.push(vec![
                    pin_id.into(),
                    door.into(),
                    c.id.into(),
                    format!("AB U{} C{}", c.user, c.id).into(),
                    vendor.to_string().into(),
                    Cell::Null,
                    c.created.into(),
                    "lock".into(),
                    self.now.into(),
                    "present".into(),
                ]);
                pin_id += 1;
            }
        }
        tables.push(pins);

        let mut audit = self.audit;
        let mut jobs = self.jobs;
        let mut logs = self.logs;
        // Ids grow with time, as bigserial would have given them.
        audit.rows.sort_by_key(|r| id_of(r));
        jobs.rows.sort_by_key(|r| id_of(r));
        logs.rows.sort_by_key(|r| id_of(r));
        tables.push(audit);
        tables.push(jobs);
        tables.push(logs);
        World { tables }
    }
}

fn id_of(row: &[Cell]) -> i64 {
    match row.first() {
        Some(Cell::Int(i)) => *i,
        _ => 0,
    }
}

fn ual_json(u: &Ual) -> Value {
    json!({"access_level_id": u.level, "schedule_id": null, "site_id": u.site, "status": u.status, "user_id": u.user})
}

fn cred_json(c: &Cred) -> Value {
    // Never the PIN itself: audit rows are shown and copied.
    json!({"id": c.id, "kind": "pin", "name": format!("AB U{} C{}", c.user, c.id), "pin_last4": "***", "status": c.status, "user_id": c.user})
}

fn ttlock_error(f: Fault) -> Option<(i64, &'static str)> {
    match f {
        Fault::None => None,
        Fault::GatewayOffline => Some((-3002, "gateway offline")),
        Fault::GatewayBusy => Some((-3003, "gateway busy, try later")),
        Fault::TokenInvalid => Some((10004, "invalid grant: token invalid, expired or revoked")),
        Fault::LockOffline | Fault::DeviceOffline => Some((-3036, "lock offline")),
    }
}

/// The demo's fixed clock for tests and screenshots.
pub fn fixed_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 15, 30, 0)
        .single()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_world_is_deterministic_and_ids_are_unique() {
        let a = build(fixed_now());
        let b = build(fixed_now());
        for (ta, tb) in a.tables.iter().zip(&b.tables) {
            assert_eq!(ta.rows, tb.rows, "{} differs between two builds", ta.name);
            let mut ids: Vec<i64> = ta.rows.iter().map(|r| id_of(r)).collect();
            let n = ids.len();
            ids.dedup();
            assert_eq!(ids.len(), n, "duplicate ids in {}", ta.name);
        }
    }

    #[test]
    fn the_world_has_the_size_and_the_failures_support_meets() {
        let w = build(fixed_now());
        let count = |t: &str| w.table(t).map_or(0, |t| t.rows.len());
        assert_eq!(count("doors"), 40);
        assert_eq!(count("users"), 200);
        assert!(
            count("reconcile_jobs") > 1500,
            "jobs: {}",
            count("reconcile_jobs")
        );
        assert!(
            count("integration_logs") > 8000,
            "logs: {}",
            count("integration_logs")
        );
        let jobs = w.table("reconcile_jobs").unwrap();
        let status = |s: &str| {
            jobs.rows
                .iter()
                .filter(|r| r[4] == Cell::Text(s.into()))
                .count()
        };
        for s in ["queued", "running", "failed", "dead", "done", "cancelled"] {
            assert!(status(s) > 0, "no {s} job");
        }
        let logs = w.table("integration_logs").unwrap();
        let has_error = |needle: &str| {
            logs.rows
                .iter()
                .any(|r| matches!(&r[7], Cell::Text(e) if e.contains(needle)))
        };
        for e in ["-3002", "-3003", "10004", "HTTP 503"] {
            assert!(has_error(e), "no {e} failure in the logs");
        }
    }

    #[test]
    fn pins_are_masked_like_the_seed() {
        assert_eq!(mask_pin("48201111"), "***1111");
        assert_eq!(mask_pin("12345"), "***");
    }
}
