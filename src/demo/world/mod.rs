//! The deterministic demo world: a believable broker (sites, doors, users,
//! access, weeks of traces with real failure shapes) around the two seed traces.
//! Pure: `build(now)` returns rows; loading them is `demo::load`.

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{Value, json};

use super::rows::{Cell, Table};
use crate::seeds::Rng;

pub use incident::{BACK_ONLINE, OUTAGE_JOBS, TOKEN_JOBS};

mod calls;
mod finish;
mod history;
mod incident;
mod live;
mod traces;

/// The broker's own PIN mask in the rows it writes (seed: `***1111`): its
/// last 4 digits from 6 on. lockdesk masks further when it reads them.
fn mask_pin(pin: &str) -> String {
    let chars: Vec<char> = pin.chars().collect();
    if chars.len() >= 6 {
        format!("***{}", chars[chars.len() - 4..].iter().collect::<String>())
    } else {
        "***".to_string()
    }
}

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
    g.incident();
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

    // ---- the seed traces ----------------------------------------------------

    // ---- generated traces ---------------------------------------------------

    // ---- reference tables -----------------------------------------------------
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
