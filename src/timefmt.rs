//! How times are shown: always with their zone, in the machine's zone by
//! default, UTC one key away, a pinned zone from --tz, or a row's site zone.

use chrono::{DateTime, Duration, Local, Utc};
use chrono_tz::Tz;

thread_local! {
    /// How far this thread's view of the machine's clock is moved (tests
    /// only: Postgres's `now()` cannot be moved, so a test of "one clock"
    /// moves lockdesk's own instead).
    static LOCAL_SHIFT_MS: std::cell::Cell<i64> = const { std::cell::Cell::new(0) };
}

/// This machine's clock: what lockdesk's own measurements (a provider
/// call's start) are stamped with before they are put on the database's
/// clock. Never what a plan or a written row is timed by.
pub fn local_now() -> DateTime<Utc> {
    let shift = LOCAL_SHIFT_MS.with(std::cell::Cell::get);
    Utc::now()
        .checked_add_signed(Duration::milliseconds(shift))
        .unwrap_or_else(Utc::now)
}

/// Test seam: moves `local_now` on this thread (a `#[tokio::test]` runs its
/// tasks on one thread), as a laptop whose clock is off would see it.
#[doc(hidden)]
pub fn shift_local_clock_for_tests(by: Duration) {
    LOCAL_SHIFT_MS.with(|s| s.set(by.num_milliseconds()));
}

/// The zone times are shown in when no toggle is active.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Zone {
    Local,
    Utc,
    Named(Tz),
}

impl Zone {
    /// Parses `--tz`: `local` (the system's zone, by name when it has
    /// one), `UTC`, or an IANA name.
    pub fn parse(s: &str) -> Result<Zone, String> {
        match s {
            "local" | "Local" => Ok(Zone::system()),
            "UTC" | "utc" | "Z" => Ok(Zone::Utc),
            name => name.parse::<Tz>().map(Zone::Named).map_err(|_| {
                format!(
                    "unknown time zone `{name}`: use an IANA name such as Europe/Berlin, or UTC"
                )
            }),
        }
    }

    /// The machine's zone by its IANA name: `$TZ` when it names one, else
    /// the target of the `/etc/localtime` link (`…/zoneinfo/America/Winnipeg`),
    /// else `/etc/timezone` (Debian). UTC by any of its names is `Utc`.
    /// Only when none names a zone does it stay `Local`, shown as an offset.
    pub fn system() -> Zone {
        let from_env = std::env::var("TZ").ok();
        let link = std::fs::read_link("/etc/localtime").ok();
        let file = std::fs::read_to_string("/etc/timezone").ok();
        Zone::from_system(from_env.as_deref(), link.as_deref(), file.as_deref())
    }

    /// `system`'s choice from what it read (pure, for the tests).
    pub fn from_system(
        tz_env: Option<&str>,
        localtime_link: Option<&std::path::Path>,
        etc_timezone: Option<&str>,
    ) -> Zone {
        let named = |name: &str| -> Option<Zone> {
            let name = name.trim().trim_start_matches(':');
            let tz = name.parse::<Tz>().ok()?;
            let is_utc = matches!(
                tz,
                Tz::UTC
                    | Tz::Etc__UTC
                    | Tz::Etc__UCT
                    | Tz::Etc__Universal
                    | Tz::Etc__Zulu
                    | Tz::Universal
                    | Tz::Zulu
                    | Tz::UCT
                    | Tz::Etc__GMT
                    | Tz::GMT
            );
            Some(if is_utc { Zone::Utc } else { Zone::Named(tz) })
        };
        // An empty TZ means UTC to libc; a TZ that is a POSIX rule
        // (`CST6CDT`) or a file path is not a name: fall through.
        if let Some(z) = tz_env {
            if z.is_empty() {
                return Zone::Utc;
            }
            if let Some(zone) = named(z) {
                return zone;
            }
        }
        let from_link = localtime_link.and_then(|p| {
            let s = p.to_str()?;
            let (_, name) = s.split_once("zoneinfo/")?;
            named(name)
        });
        from_link
            .or_else(|| etc_timezone.and_then(named))
            .unwrap_or(Zone::Local)
    }

    pub fn name(self) -> String {
        match self {
            Zone::Local => "local".into(),
            Zone::Utc => "UTC".into(),
            Zone::Named(tz) => tz.name().into(),
        }
    }
}

/// The console's time display settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Clock {
    pub zone: Zone,
    /// `u`: show UTC whatever the zone.
    pub utc: bool,
    /// `z`: show a row's site zone where it has one.
    pub site: bool,
}

impl Clock {
    pub fn new(zone: Zone) -> Clock {
        Clock {
            zone,
            utc: false,
            site: false,
        }
    }

    /// The zone in effect for a row belonging to `site_tz` (if any).
    fn effective(&self, site_tz: Option<Tz>) -> Zone {
        if self.utc {
            return Zone::Utc;
        }
        if self.site {
            if let Some(tz) = site_tz {
                return Zone::Named(tz);
            }
        }
        self.zone
    }

    /// The one format of a time on a screen: `2026-02-05 10:28:59.888 CST`,
    /// to the millisecond (always three digits, so times line up), with the
    /// zone's abbreviation. Raw JSON and `--json` keep full precision.
    pub fn full(&self, t: &DateTime<Utc>, site_tz: Option<Tz>) -> String {
        self.format(t, site_tz, SCREEN)
    }

    /// The same as `full`: one format everywhere (kept for its callers).
    pub fn short(&self, t: &DateTime<Utc>, site_tz: Option<Tz>) -> String {
        self.full(t, site_tz)
    }

    /// To the minute, without the zone, for a table whose heading names it
    /// (`label`): `2026-02-04 08:58`.
    pub fn minute(&self, t: &DateTime<Utc>, site_tz: Option<Tz>) -> String {
        let pattern = "%Y-%m-%d %H:%M";
        match self.effective(site_tz) {
            Zone::Utc => t.format(pattern).to_string(),
            Zone::Named(tz) => t.with_timezone(&tz).format(pattern).to_string(),
            Zone::Local => t.with_timezone(&Local).format(pattern).to_string(),
        }
    }

    /// Only the time of day, for dense lines: `10:28:59.888 CST`.
    pub fn time_of_day(&self, t: &DateTime<Utc>, site_tz: Option<Tz>) -> String {
        self.format(t, site_tz, "%H:%M:%S%.3f")
    }

    /// The one zone a timeline of rows at `sites` is shown in: with `z` on,
    /// their site zone when they all share one, else (and with `z` off) the
    /// console's zone; and the number of site zones among them. A timeline
    /// never mixes zones, or its rows would read out of order.
    pub fn timeline_zone(
        &self,
        sites: impl IntoIterator<Item = Option<Tz>>,
    ) -> (Option<Tz>, usize) {
        let mut zones: Vec<Tz> = Vec::new();
        for tz in sites.into_iter().flatten() {
            if !zones.contains(&tz) {
                zones.push(tz);
            }
        }
        let one = (self.site && !self.utc && zones.len() == 1).then(|| zones[0]);
        (one, zones.len())
    }

    /// What a timeline says about its zone (`timeline_zone`'s answer).
    pub fn timeline_label(&self, zone: Option<Tz>, site_zones: usize) -> String {
        match zone {
            Some(tz) => format!("times in {} (the site's)", tz.name()),
            None if self.site && !self.utc && site_zones > 1 => format!(
                "times in {}: its sites are in {site_zones} zones",
                self.zone.name()
            ),
            None => format!("times in {}", self.label()),
        }
    }

    fn format(&self, t: &DateTime<Utc>, site_tz: Option<Tz>, pattern: &str) -> String {
        match self.effective(site_tz) {
            Zone::Utc => format!("{} UTC", t.format(pattern)),
            Zone::Named(tz) => {
                let l = t.with_timezone(&tz);
                format!("{} {}", l.format(pattern), l.format("%Z"))
            }
            Zone::Local => {
                let l = t.with_timezone(&Local);
                format!("{} {}", l.format(pattern), l.format("%:z"))
            }
        }
    }

    /// What the status bar says about the display zone.
    pub fn label(&self) -> String {
        if self.utc {
            "UTC".into()
        } else if self.site {
            format!("site zone ({} elsewhere)", self.zone.name())
        } else {
            self.zone.name()
        }
    }
}

/// Dates, times to the millisecond: the screens' one format.
const SCREEN: &str = "%Y-%m-%d %H:%M:%S%.3f";

/// A compact age: `42s`, `3m12s`, `5h04m`, `3d02h`.
pub fn age(d: Duration) -> String {
    let s = d.num_seconds();
    let (neg, s) = (s < 0, s.abs());
    let text = if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else if s < 86_400 {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    } else {
        format!("{}d{:02}h", s / 86_400, (s % 86_400) / 3600)
    };
    if neg { format!("-{text}") } else { text }
}

/// `in 4m12s` or `12m ago`, relative to now.
pub fn relative(t: &DateTime<Utc>, now: &DateTime<Utc>) -> String {
    let d = *t - *now;
    if d.num_seconds() >= 0 {
        format!("in {}", age(d))
    } else {
        format!("{} ago", age(-d))
    }
}

/// A duration between two events: `6s`, `1.250s`, `2m05s`.
pub fn span(d: Duration) -> String {
    let ms = d.num_milliseconds();
    if ms < 60_000 {
        if ms % 1000 == 0 {
            format!("{}s", ms / 1000)
        } else {
            format!("{:.3}s", ms as f64 / 1000.0)
        }
    } else {
        age(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn times_always_carry_their_zone() {
        let c = Clock::new(Zone::parse("America/Winnipeg").unwrap());
        assert_eq!(
            c.short(&t("2026-02-04T14:58:54Z"), None),
            "2026-02-04 08:58:54.000 CST"
        );
        assert_eq!(
            c.full(&t("2026-02-05T16:28:59.888294Z"), None),
            "2026-02-05 10:28:59.888 CST"
        );
        assert_eq!(
            c.time_of_day(&t("2026-02-05T16:28:59.888294Z"), None),
            "10:28:59.888 CST"
        );
        let mut u = c;
        u.utc = true;
        assert_eq!(
            u.short(&t("2026-02-04T14:58:54Z"), None),
            "2026-02-04 14:58:54.000 UTC"
        );
        let mut s = c;
        s.site = true;
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        assert_eq!(
            s.short(&t("2026-02-04T14:58:54Z"), Some(berlin)),
            "2026-02-04 15:58:54.000 CET"
        );
        assert!(Zone::parse("Mars/Olympus").unwrap_err().contains("IANA"));
    }

    #[test]
    fn the_system_zone_is_named() {
        use std::path::Path;
        let winnipeg = Path::new("/usr/share/zoneinfo/America/Winnipeg");
        assert_eq!(
            Zone::from_system(None, Some(winnipeg), None).name(),
            "America/Winnipeg"
        );
        let etc_utc = Path::new("/usr/share/zoneinfo/Etc/UTC");
        assert_eq!(Zone::from_system(None, Some(etc_utc), None), Zone::Utc);
        assert_eq!(
            Zone::from_system(Some(":Europe/Berlin"), Some(winnipeg), None).name(),
            "Europe/Berlin"
        );
        assert_eq!(
            Zone::from_system(Some("CST6CDT,M3.2.0,M11.1.0"), None, Some("Asia/Tokyo\n")).name(),
            "Asia/Tokyo"
        );
        assert_eq!(Zone::from_system(Some(""), Some(winnipeg), None), Zone::Utc);
        assert_eq!(Zone::from_system(None, None, None), Zone::Local);
    }

    #[test]
    fn one_timeline_is_in_one_zone() {
        let mut c = Clock::new(Zone::parse("America/Winnipeg").unwrap());
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        let tokyo: Tz = "Asia/Tokyo".parse().unwrap();
        assert_eq!(c.timeline_zone([Some(berlin), None]), (None, 1), "z is off");
        c.site = true;
        assert_eq!(
            c.timeline_zone([Some(berlin), None, Some(berlin)]),
            (Some(berlin), 1)
        );
        let (mixed, n) = c.timeline_zone([Some(berlin), Some(tokyo)]);
        assert_eq!((mixed, n), (None, 2));
        assert_eq!(
            c.timeline_label(mixed, n),
            "times in America/Winnipeg: its sites are in 2 zones"
        );
        assert_eq!(
            c.timeline_label(Some(berlin), 1),
            "times in Europe/Berlin (the site's)"
        );
    }

    #[test]
    fn ages_are_compact() {
        assert_eq!(age(Duration::seconds(42)), "42s");
        assert_eq!(age(Duration::seconds(192)), "3m12s");
        assert_eq!(age(Duration::seconds(3 * 3600 + 240)), "3h04m");
        assert_eq!(age(Duration::seconds(282_419)), "3d06h");
        let now = t("2026-02-04T15:00:00Z");
        assert_eq!(relative(&t("2026-02-04T15:04:12Z"), &now), "in 4m12s");
        assert_eq!(relative(&t("2026-02-04T14:48:00Z"), &now), "12m00s ago");
        assert_eq!(span(Duration::seconds(6)), "6s");
    }
}
