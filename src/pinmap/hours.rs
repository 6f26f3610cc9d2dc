//! An access level's schedule by weekday and time of day, in its site's
//! zone: whether she should open a door *now*. The PIN stays on the lock
//! outside those hours (the drift planner expects it there: the broker's
//! rule is the schedule's validity); the pane says she should not open the
//! door now. Pure: parsed from the row's text, decided on the database's
//! clock.

use chrono::{DateTime, Datelike, NaiveTime, Utc};
use chrono_tz::Tz;

/// Weekdays (ISO: Monday 1 … Sunday 7) and the hours of a schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct Hours {
    pub days: Vec<u32>,
    pub start: NaiveTime,
    /// `None`: until midnight (`24:00`).
    pub end: Option<NaiveTime>,
    pub zone: Tz,
    /// The site's zone as stored, when it is not one chrono-tz knows (UTC is
    /// used instead, and the words say so).
    pub unknown_zone: Option<String>,
}

const DAY_NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

impl Hours {
    /// From the row's texts: `1,2,3,4,5`, `08:00`, `18:00` (or `24:00`),
    /// the site's zone. `None` without a schedule, or when the texts do not
    /// parse (a hostile row opens no hours rather than failing the pane).
    pub fn parse(
        days: Option<&str>,
        start: Option<&str>,
        end: Option<&str>,
        zone: Option<&str>,
    ) -> Option<Hours> {
        let days: Vec<u32> = days?
            .split(',')
            .filter_map(|d| d.trim().parse::<u32>().ok())
            .filter(|d| (1..=7).contains(d))
            .collect();
        let start = NaiveTime::parse_from_str(start?.trim(), "%H:%M").ok()?;
        let end = match end?.trim() {
            "24:00" => None,
            e => Some(NaiveTime::parse_from_str(e, "%H:%M").ok()?),
        };
        let (zone, unknown_zone) = match zone.map(str::trim) {
            None | Some("") => (Tz::UTC, None),
            Some(z) => match z.parse::<Tz>() {
                Ok(tz) => (tz, None),
                Err(_) => (Tz::UTC, Some(super::plain(z))),
            },
        };
        Some(Hours {
            days,
            start,
            end,
            zone,
            unknown_zone,
        })
    }

    /// Every day, all day: no restriction worth saying.
    pub fn always(&self) -> bool {
        self.days.len() == 7 && self.start == NaiveTime::MIN && self.end.is_none()
    }

    /// Whether `now` falls on one of its days, within its hours, in its zone.
    pub fn open_at(&self, now: DateTime<Utc>) -> bool {
        let local = now.with_timezone(&self.zone);
        let day = local.weekday().number_from_monday();
        let t = local.time();
        match self.end {
            // Overnight (22:00–06:00): from the start on one of its days,
            // until the end on the morning after it.
            Some(e) if e <= self.start => {
                let yesterday = local.weekday().pred().number_from_monday();
                (self.days.contains(&day) && t >= self.start)
                    || (self.days.contains(&yesterday) && t < e)
            }
            end => self.days.contains(&day) && t >= self.start && end.is_none_or(|e| t < e),
        }
    }

    /// `Mon–Fri 08:00–18:00 Europe/Berlin`.
    pub fn words(&self) -> String {
        let mut days = self.days.clone();
        days.sort_unstable();
        days.dedup();
        let name = |d: u32| DAY_NAMES[usize::try_from(d - 1).unwrap_or(0).min(6)];
        let consecutive = days.windows(2).all(|w| w[1] == w[0] + 1);
        let days = match days.as_slice() {
            [] => "no day".to_string(),
            [one] => name(*one).to_string(),
            [first, .., last] if consecutive && days.len() > 2 => {
                format!("{}–{}", name(*first), name(*last))
            }
            all => all.iter().map(|d| name(*d)).collect::<Vec<_>>().join(","),
        };
        let end = self
            .end
            .map_or_else(|| "24:00".to_string(), |e| e.format("%H:%M").to_string());
        let zone = match &self.unknown_zone {
            Some(z) => format!("UTC (the site's zone {z} is unknown)"),
            None => self.zone.name().to_string(),
        };
        format!("{days} {}–{end} {zone}", self.start.format("%H:%M"))
    }
}

#[cfg(test)]
mod tests {
    use super::Hours;

    fn office() -> Hours {
        Hours::parse(
            Some("1,2,3,4,5"),
            Some("08:00"),
            Some("18:00"),
            Some("Europe/Berlin"),
        )
        .unwrap()
    }

    #[test]
    fn schedule_now_and_outside() {
        let h = office();
        assert_eq!(h.words(), "Mon–Fri 08:00–18:00 Europe/Berlin");
        // Friday 2026-11-20 14:30 UTC is 15:30 in Berlin: within.
        assert!(h.open_at("2026-11-20T14:30:00Z".parse().unwrap()));
        // 17:30 UTC is 18:30 in Berlin: after hours.
        assert!(!h.open_at("2026-11-20T17:30:00Z".parse().unwrap()));
        // 06:59 UTC is 07:59 in Berlin: before.
        assert!(!h.open_at("2026-11-20T06:59:00Z".parse().unwrap()));
        // Saturday: not one of its days.
        assert!(!h.open_at("2026-11-21T12:00:00Z".parse().unwrap()));
        // Until midnight, every day: always, and said so.
        let all = Hours::parse(Some("1,2,3,4,5,6,7"), Some("00:00"), Some("24:00"), None).unwrap();
        assert!(all.always());
        assert!(all.open_at("2026-11-21T23:59:59Z".parse().unwrap()));
        // A zone nobody knows: UTC, and said so; a bad time: no hours at all.
        let odd =
            Hours::parse(Some("6,7"), Some("10:00"), Some("12:00"), Some("Mars/Base")).unwrap();
        assert_eq!(
            odd.words(),
            "Sat,Sun 10:00–12:00 UTC (the site's zone Mars/Base is unknown)"
        );
        assert!(odd.open_at("2026-11-21T11:00:00Z".parse().unwrap()));
        assert!(Hours::parse(Some("1"), Some("25:99"), Some("18:00"), None).is_none());
        assert!(Hours::parse(None, None, None, None).is_none());
    }

    #[test]
    fn an_overnight_schedule_runs_into_the_next_morning() {
        // Mon–Fri 22:00–06:00 UTC: Friday night into Saturday morning is
        // within; Saturday night is not (Saturday is not one of its days).
        let night =
            Hours::parse(Some("1,2,3,4,5"), Some("22:00"), Some("06:00"), Some("UTC")).unwrap();
        assert!(night.open_at("2026-11-20T23:00:00Z".parse().unwrap()));
        assert!(night.open_at("2026-11-21T05:59:00Z".parse().unwrap()));
        assert!(!night.open_at("2026-11-21T06:00:00Z".parse().unwrap()));
        assert!(!night.open_at("2026-11-21T23:00:00Z".parse().unwrap()));
        assert!(!night.open_at("2026-11-20T12:00:00Z".parse().unwrap()));
        // Monday 03:00 belongs to Sunday night: not one of its nights.
        assert!(!night.open_at("2026-11-23T03:00:00Z".parse().unwrap()));
    }
}
