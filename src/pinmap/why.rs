//! The user pane's one sentence: why her PIN works or not, built from the
//! door rows only (no reads), in the user's site zone when it is known.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::{ChangeKind, DoorPin, NotNow, State, UserPins};

/// `1`, `1 and 3`, `1, 3 and 5`.
fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

struct Words<'a> {
    u: &'a UserPins,
    tz: Option<Tz>,
}

impl Words<'_> {
    fn who(&self) -> String {
        self.u
            .name
            .as_deref()
            .and_then(|n| n.split_whitespace().next())
            .map(super::plain)
            .unwrap_or_else(|| format!("user {}", self.u.user_id))
    }

    fn day(&self, t: &DateTime<Utc>) -> String {
        let (d, today) = match self.tz {
            Some(tz) => (
                t.with_timezone(&tz).date_naive(),
                self.u.now.with_timezone(&tz).date_naive(),
            ),
            None => (t.date_naive(), self.u.now.date_naive()),
        };
        if d == today {
            let hm = match self.tz {
                Some(tz) => t.with_timezone(&tz).format("%H:%M").to_string(),
                None => t.format("%H:%M").to_string(),
            };
            format!("today at {hm}")
        } else {
            format!("on {}", d.format("%Y-%m-%d"))
        }
    }

    fn cred(&self) -> String {
        let c = self
            .u
            .credentials
            .iter()
            .find(|c| c.status == "active")
            .or(self.u.credentials.first());
        c.map_or_else(|| "(no PIN credential)".to_string(), |c| c.name.clone())
    }

    fn door(d: &DoorPin) -> String {
        format!("door {} ({})", d.door_id, super::plain(&d.door_name))
    }

    /// `job #72 deleted it twice on 2026-02-04 and job #104 again on 2026-02-05`.
    fn deletes(&self, d: &DoorPin) -> String {
        let mut runs: Vec<(Option<i64>, usize, Option<DateTime<Utc>>)> = Vec::new();
        for c in d
            .changes
            .iter()
            .rev()
            .filter(|c| c.kind == ChangeKind::Delete)
        {
            match runs.last_mut() {
                Some(r) if r.0 == c.job => r.1 += 1,
                _ => runs.push((c.job, 1, c.at)),
            }
        }
        let parts: Vec<String> = runs
            .iter()
            .enumerate()
            .map(|(i, (job, n, at))| {
                let who = job.map_or_else(|| "a call".to_string(), |j| format!("job #{j}"));
                let times = match n {
                    1 => String::new(),
                    2 => " twice".into(),
                    n => format!(" {n} times"),
                };
                let when = at.map(|t| format!(" {}", self.day(&t))).unwrap_or_default();
                if i == 0 {
                    format!("{who} deleted it{times}{when}")
                } else {
                    format!("{who} again{times}{when}")
                }
            })
            .collect();
        if parts.is_empty() {
            "nothing has deleted it".into()
        } else {
            list(&parts)
        }
    }

    fn stray(&self, d: &DoorPin) -> String {
        let access = match d.access.iter().find_map(|a| a.not_now.map(|n| (a, n))) {
            None => format!("which no access level of {}'s opens", self.who()),
            Some((a, n)) => format!(
                "where {}'s access through {} {}",
                self.who(),
                super::plain(&a.level),
                match n {
                    NotNow::Ended => "has ended",
                    NotNow::Expired => "has expired",
                    NotNow::LevelInactive => "is inactive",
                    NotNow::DoorInactive => "is on an inactive door",
                }
            ),
        };
        let used = d
            .last_ok
            .as_ref()
            .map(|u| format!(" and it opened the door {}", self.day(&u.at)))
            .unwrap_or_default();
        format!(
            "{}'s PIN {} is a stray on {}, {access}: {}, yet the lock still holds it{used}",
            self.who(),
            self.cred(),
            Self::door(d),
            self.deletes(d)
        )
    }

    fn missing(&self, d: &DoorPin) -> String {
        let add = d.changes.iter().find(|c| c.kind == ChangeKind::Add);
        let cause = match (add, &self.u.failed) {
            (Some(c), _) if !c.ok => format!(
                ": {} that should have added it failed ({})",
                c.job
                    .map_or_else(|| "the call".to_string(), |j| format!("job #{j}")),
                c.error.as_deref().map_or("no error was logged", |e| e)
            ),
            (_, Some(j)) => format!(
                ": job #{j} that should have added it failed ({})",
                j.error.as_deref().map_or("no error was logged", |e| e),
                j = j.id
            ),
            _ => ": nothing has tried to add it since".to_string(),
        };
        format!(
            "{}'s PIN {} is missing on {}{cause}",
            self.who(),
            self.cred(),
            Self::door(d)
        )
    }

    fn expected_doors(&self) -> Option<String> {
        let ids: Vec<String> = self
            .u
            .doors
            .iter()
            .filter(|d| d.expected_now())
            .map(|d| d.door_id)
            .collect::<std::collections::BTreeSet<i64>>()
            .into_iter()
            .map(|i| i.to_string())
            .collect();
        match ids.len() {
            0 => None,
            1 => Some(format!("door {}", ids[0])),
            _ => Some(format!("doors {}", list(&ids))),
        }
    }

    fn last_use(&self, success: bool) -> Option<(&DoorPin, DateTime<Utc>)> {
        self.u
            .doors
            .iter()
            .filter_map(|d| {
                let u = if success { &d.last_ok } else { &d.last_failed };
                u.as_ref().map(|u| (d, u.at))
            })
            .max_by_key(|(_, at)| *at)
    }
}

/// The sentence for `u`, from its doors' rows and states.
pub fn sentence(u: &UserPins) -> String {
    let tz = u.time_zone.as_deref().and_then(|z| z.parse::<Tz>().ok());
    let w = Words { u, tz };
    let who = w.who();
    let holder = u.holder();
    let mut parts: Vec<String> = Vec::new();
    let on_lock: Vec<&DoorPin> = u
        .doors
        .iter()
        .filter(|d| d.on_lock() == Some(true))
        .collect();
    let still = |parts: &mut Vec<String>, head: String| {
        let ids: Vec<String> = on_lock.iter().map(|d| d.door_id.to_string()).collect();
        parts.push(match ids.len() {
            0 => head,
            1 => format!("{head}, yet it is still on door {}", ids[0]),
            _ => format!("{head}, yet it is still on doors {}", list(&ids)),
        });
    };
    if !holder.active {
        let status = u
            .status
            .as_deref()
            .map_or("not active".into(), super::plain);
        still(
            &mut parts,
            format!(
                "{who} is {status}, so {who}'s PIN {} belongs on no lock",
                w.cred()
            ),
        );
    } else if !holder.credential_active {
        let status = u
            .credentials
            .first()
            .map_or("missing".into(), |c| super::plain(&c.status));
        still(
            &mut parts,
            format!(
                "{who}'s credential {} is {status}, so it belongs on no lock",
                w.cred()
            ),
        );
    } else {
        parts.extend(
            u.doors
                .iter()
                .filter(|d| d.state == State::Stray)
                .map(|d| w.stray(d)),
        );
        // Every expected door of one provider failing: said once, for the provider.
        let mut providers: Vec<&str> = u.doors.iter().map(|d| d.provider.as_str()).collect();
        providers.sort_unstable();
        providers.dedup();
        let mut whole = Vec::new();
        for p in providers {
            let expected: Vec<&DoorPin> = u
                .doors
                .iter()
                .filter(|d| d.provider == p && d.expected_now())
                .collect();
            if expected.len() >= 2 && expected.iter().all(|d| d.state == State::Failing) {
                let ids: Vec<String> = expected.iter().map(|d| d.door_id.to_string()).collect();
                let err = expected
                    .iter()
                    .filter_map(|d| {
                        d.changes
                            .iter()
                            .find(|c| c.kind == ChangeKind::Add && !c.ok)
                    })
                    .max_by_key(|c| c.at)
                    .and_then(|c| c.error.clone())
                    .unwrap_or_else(|| "no error was logged".into());
                parts.push(format!(
                    "every add of {who}'s PIN {} on {} fails: doors {} (the last: {err})",
                    w.cred(),
                    p.to_ascii_lowercase(),
                    list(&ids)
                ));
                whole.push(p);
            }
        }
        parts.extend(
            u.doors
                .iter()
                .filter(|d| matches!(d.state, State::Missing | State::Failing))
                .filter(|d| !whole.contains(&d.provider.as_str()))
                .map(|d| w.missing(d)),
        );
        for d in u
            .doors
            .iter()
            .filter(|d| !d.expected_now() && d.state == State::Ok)
        {
            if let Some((a, n)) = d.access.iter().find_map(|a| a.not_now.map(|n| (a, n))) {
                let how = match n {
                    NotNow::Expired => format!(
                        "has expired (schedule {})",
                        a.schedule.as_deref().map_or("—".into(), super::plain)
                    ),
                    other => format!("has {}", other.words()),
                };
                parts.push(format!(
                    "{who}'s access to {} through {} {how}, and the PIN is off its lock",
                    Words::door(d),
                    super::plain(&a.level)
                ));
            }
        }
    }
    // Her PIN belongs on the lock, but her schedule does not open it now.
    for d in u.doors.iter().filter(|d| d.state == State::Ok) {
        if let Some(hours) = d.outside_hours(u.now) {
            parts.push(format!(
                "{who}'s access to {} is outside its schedule now ({hours}): the PIN is on the lock, but {who} should not open the door until then",
                Words::door(d)
            ));
        }
    }
    for j in u
        .pending
        .iter()
        .filter(|j| j.status == "queued" || j.status == "running")
    {
        parts.push(format!(
            "a change is still pending: job #{} ({}) is {}",
            j.id,
            super::plain(&j.job_type),
            j.status
        ));
    }
    let unknown: Vec<String> = u
        .doors
        .iter()
        .filter(|d| d.state == State::Unknown)
        .map(|d| d.door_id.to_string())
        .collect();
    let problems = !parts.is_empty();
    if !problems && holder.active && holder.credential_active {
        let mut s = format!("{who}'s PIN {} is on every lock it should be on", w.cred());
        if let Some(doors) = w.expected_doors() {
            s.push_str(&format!(" ({doors})"));
        }
        if !unknown.is_empty() {
            s = format!(
                "{who}'s PIN {} is where it should be as far as the broker knows, but nothing says whether it is on {} {}",
                w.cred(),
                if unknown.len() == 1 { "door" } else { "doors" },
                list(&unknown)
            );
        }
        if let Some((d, at)) = w.last_use(true) {
            let failed_after = w.last_use(false).is_some_and(|(_, f)| f > at);
            if !failed_after {
                s.push_str(&format!(
                    ", and {who}'s last unlock, at door {} {}, worked",
                    d.door_id,
                    w.day(&at)
                ));
            }
        }
        parts.push(s);
    } else if let Some(doors) = w
        .expected_doors()
        .filter(|_| holder.active && holder.credential_active)
    {
        parts.push(format!("{who} should open {doors}"));
    }
    if let Some((d, at)) = w.last_use(false) {
        parts.push(format!(
            "{who}'s last failed unlock was at door {} {}",
            d.door_id,
            w.day(&at)
        ));
    }
    let mut s = parts.join("; ");
    s.push('.');
    s
}
