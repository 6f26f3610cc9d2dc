//! Turning the generated world into tables in the contract's column order.

use chrono::{DateTime, Duration, Utc};

use super::*;
use crate::demo::rows::{Cell, Table};
use crate::seeds::CUSTOMERS;

impl Gen {
    pub(super) fn finish(self) -> World {
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
