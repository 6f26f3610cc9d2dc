//! How times are shown: always with their zone, in the machine's zone by
//! default, UTC one key away, a pinned zone from --tz, or a row's site zone.

use chrono::{DateTime, Duration, Local, Utc};
use chrono_tz::Tz;

mod posix;
pub use posix::{Rule, Text};

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
    /// A TZ that is a POSIX rule (`EST5EDT,M3.2.0,M11.1.0`), named as written.
    Rule(Rule),
    /// A TZ that is neither a zone nor a rule: UTC, as libc reads it, and
    /// the status bar says so.
    NotUnderstood(Text),
}

impl Zone {
    /// Parses `--tz`: `local` (the system's zone, by name when it has
    /// one), `UTC`, an IANA name, or a POSIX rule as `$TZ` takes it.
    pub fn parse(s: &str) -> Result<Zone, String> {
        match s {
            "local" | "Local" => Ok(Zone::system()),
            "UTC" | "utc" | "Z" => Ok(Zone::Utc),
            name => name
                .parse::<Tz>()
                .map(Zone::Named)
                .ok()
                .or_else(|| Rule::parse(name).map(Zone::Rule))
                .ok_or_else(|| {
                    format!(
                        "unknown time zone `{}`: use an IANA name such as Europe/Berlin, UTC, or a POSIX rule such as EST5EDT,M3.2.0,M11.1.0",
                        Text::new(name).as_str()
                    )
                }),
        }
    }

    /// The machine's zone as libc reads it, by its IANA name where it has
    /// one. A set `$TZ` decides: a zone name, or a zone file's path (a
    /// leading `:` dropped), is that zone; a POSIX rule (`CST6CDT`,
    /// `EST5EDT,M3.2.0,M11.1.0`) is read as a rule; anything else is UTC,
    /// said as not understood. Without it, the target of the `/etc/localtime`
    /// link (`…/zoneinfo/America/Winnipeg`), else `/etc/timezone` (Debian).
    /// UTC by any of its names is `Utc`. Only when none names a zone does it
    /// stay `Local`, shown as an offset.
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
        let in_zoneinfo = |path: &str| -> Option<Zone> {
            let (_, name) = path.split_once("zoneinfo/")?;
            named(name)
        };
        let from_link = || {
            let from_link = localtime_link.and_then(|p| in_zoneinfo(p.to_str()?));
            from_link
                .or_else(|| etc_timezone.and_then(named))
                .unwrap_or(Zone::Local)
        };
        let Some(value) = tz_env else {
            return from_link();
        };
        // An empty TZ (or a bare `:`) means UTC to libc.
        let tz = value.trim().strip_prefix(':').unwrap_or(value.trim());
        if tz.is_empty() {
            return Zone::Utc;
        }
        if let Some(zone) = named(tz).or_else(|| in_zoneinfo(tz)) {
            return zone;
        }
        if tz == "/etc/localtime" {
            return from_link();
        }
        // Some other zone file (a path, or a name newer than chrono-tz's):
        // libc reads the file, and so does chrono's `Local`, shown as
        // offsets.
        if tz.contains('/') {
            return Zone::Local;
        }
        match Rule::parse(tz) {
            Some(rule) => Zone::Rule(rule),
            None => Zone::NotUnderstood(Text::new(value)),
        }
    }

    pub fn name(self) -> String {
        match self {
            Zone::Local => "local".into(),
            Zone::Utc => "UTC".into(),
            Zone::Named(tz) => tz.name().into(),
            Zone::Rule(r) => r.name(),
            Zone::NotUnderstood(tz) => format!("UTC (TZ={} not understood)", tz.as_str()),
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
            Zone::Utc | Zone::NotUnderstood(_) => t.format(pattern).to_string(),
            Zone::Named(tz) => t.with_timezone(&tz).format(pattern).to_string(),
            Zone::Local => t.with_timezone(&Local).format(pattern).to_string(),
            Zone::Rule(r) => t.with_timezone(&r.at(t).0).format(pattern).to_string(),
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
            Zone::Utc | Zone::NotUnderstood(_) => format!("{} UTC", t.format(pattern)),
            Zone::Rule(r) => {
                let (offset, abbr) = r.at(t);
                format!("{} {abbr}", t.with_timezone(&offset).format(pattern))
            }
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
        // `--tz` takes a POSIX rule as `$TZ` does.
        let rule = Zone::parse("EST5EDT,M3.2.0,M11.1.0").unwrap();
        assert_eq!(rule.name(), "EST5EDT,M3.2.0,M11.1.0");
        assert!(Zone::parse("EST5EDT,").unwrap_err().contains("POSIX rule"));
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
        // A set TZ decides, even when it is a rule: /etc/timezone is not read.
        assert_eq!(
            Zone::from_system(Some("CST6CDT,M3.2.0,M11.1.0"), None, Some("Asia/Tokyo\n")).name(),
            "CST6CDT,M3.2.0,M11.1.0"
        );
        assert_eq!(Zone::from_system(Some(""), Some(winnipeg), None), Zone::Utc);
        assert_eq!(
            Zone::from_system(Some(":"), Some(winnipeg), None),
            Zone::Utc
        );
        assert_eq!(Zone::from_system(None, None, None), Zone::Local);
    }

    /// The zone a TZ value gives, with /etc/localtime pointing at Winnipeg.
    fn tz(value: &str) -> Zone {
        let winnipeg = std::path::Path::new("/usr/share/zoneinfo/America/Winnipeg");
        Zone::from_system(Some(value), Some(winnipeg), Some("Asia/Tokyo\n"))
    }

    #[test]
    fn a_tz_path_is_the_zone_it_names() {
        for (value, name) in [
            (":/usr/share/zoneinfo/America/Chicago", "America/Chicago"),
            ("/usr/share/zoneinfo/Europe/Paris", "Europe/Paris"),
            (":America/Chicago", "America/Chicago"),
            ("America/Chicago", "America/Chicago"),
        ] {
            assert_eq!(tz(value).name(), name, "TZ={value}");
        }
        // /etc/localtime itself: its link's zone.
        assert_eq!(tz(":/etc/localtime").name(), "America/Winnipeg");
        // A zone file lockdesk cannot name: libc (and chrono's Local) read it.
        assert_eq!(tz("/opt/zones/Mine"), Zone::Local);
        assert_eq!(tz(":/usr/share/zoneinfo/Etc/UTC"), Zone::Utc);
    }

    #[test]
    fn a_tz_rule_is_read_as_libc_reads_it() {
        let winter = t("2026-01-15T18:00:00Z");
        let summer = t("2026-07-15T18:00:00Z");
        // CST6CDT is also a zone file (a link to America/Chicago).
        let c = Clock::new(tz("CST6CDT"));
        assert_eq!(c.label(), "CST6CDT");
        assert_eq!(c.full(&winter, None), "2026-01-15 12:00:00.000 CST");
        assert_eq!(c.full(&summer, None), "2026-07-15 13:00:00.000 CDT");
        // A rule with its dates: named as written, its own abbreviations.
        let c = Clock::new(tz("EST5EDT,M3.2.0,M11.1.0"));
        assert_eq!(c.label(), "EST5EDT,M3.2.0,M11.1.0");
        assert_eq!(c.full(&winter, None), "2026-01-15 13:00:00.000 EST");
        assert_eq!(c.time_of_day(&summer, None), "14:00:00.000 EDT");
        assert_eq!(c.minute(&summer, None), "2026-07-15 14:00");
        // A rule of one zone with no daylight time.
        let c = Clock::new(tz("UTC0"));
        assert_eq!(c.label(), "UTC0");
        assert_eq!(c.full(&summer, None), "2026-07-15 18:00:00.000 UTC");
        let c = Clock::new(tz("<+0330>-3:30"));
        assert_eq!(c.full(&summer, None), "2026-07-15 21:30:00.000 +0330");
        // `u` still shows UTC.
        let mut u = Clock::new(tz("EST5EDT,M3.2.0,M11.1.0"));
        u.utc = true;
        assert_eq!(u.full(&winter, None), "2026-01-15 18:00:00.000 UTC");
    }

    #[test]
    fn a_tz_not_understood_is_utc_and_said() {
        for value in [
            "not a zone",
            "EST5EDT,M3.2.0",
            "X5",
            "EST5EDT,",
            "EST5EDT,M13.1.0,M11.1.0",
        ] {
            let c = Clock::new(tz(value));
            assert_eq!(
                c.label(),
                format!("UTC (TZ={value} not understood)"),
                "TZ={value}"
            );
            assert_eq!(
                c.full(&t("2026-07-15T18:00:00Z"), None),
                "2026-07-15 18:00:00.000 UTC"
            );
        }
        // Control and bidi characters never reach the screen; a long value
        // is cut.
        let hostile = tz("EST\u{202e}5\x1b[2J");
        assert_eq!(hostile.name(), "UTC (TZ=EST?5?[2J not understood)");
        let long = tz(&"x".repeat(300)).name();
        assert!(long.len() < 80 && long.contains('…'), "{long}");
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
