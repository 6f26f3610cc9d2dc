//! A POSIX TZ rule (`EST5EDT,M3.2.0,M11.1.0`, `UTC0`, `<+0330>-3:30`), as
//! libc reads a TZ that names no zone file: a standard abbreviation and
//! offset, and optionally a daylight one with the dates it starts and ends.
//! chrono-tz reads only zone names, so this small pure parser does the rest.
//!
//! Kept `Copy` (the abbreviations in fixed arrays) because `Zone` and
//! `Clock` are passed by value everywhere.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, Offset, Utc};

/// Short ASCII text held inline: an abbreviation, or a TZ value to show.
/// Anything but printable ASCII becomes `?` (a TZ may hold anything), and
/// text past the capacity is cut, marked `…` when shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Text {
    bytes: [u8; Text::CAP],
    len: u8,
    cut: bool,
}

impl Text {
    const CAP: usize = 40;

    pub fn new(s: &str) -> Text {
        let mut t = Text {
            bytes: [0; Text::CAP],
            len: 0,
            cut: false,
        };
        for (i, c) in s.chars().enumerate() {
            if i == Text::CAP {
                t.cut = true;
                break;
            }
            t.bytes[i] = if c.is_ascii_graphic() || c == ' ' {
                c as u8
            } else {
                b'?'
            };
            t.len += 1;
        }
        t
    }

    pub fn as_str(&self) -> String {
        // Only printable ASCII is ever stored.
        let mut s: String = self.bytes[..usize::from(self.len)]
            .iter()
            .map(|&b| char::from(b))
            .collect();
        if self.cut {
            s.push('…');
        }
        s
    }
}

/// The day of the year a change happens on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Day {
    /// `Jn`: 1..=365, February 29 never counted.
    Julian(u16),
    /// `n`: 0..=365, February 29 counted.
    Zero(u16),
    /// `Mm.w.d`: weekday `d` (0 Sunday) of week `w` (5 the last) of month `m`.
    Month { month: u8, week: u8, weekday: u8 },
}

/// A change: its day, and the local time of day it happens at (seconds,
/// possibly negative or past 24 h, as POSIX.1-2017 allows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Change {
    day: Day,
    at: i32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Dst {
    abbr: Text,
    /// Seconds east of UTC.
    offset: i32,
    start: Change,
    end: Change,
}

/// A parsed rule, with the value as written (the status bar names it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    written: Text,
    std: Text,
    /// Seconds east of UTC (POSIX writes seconds west: `EST5` is −5 h).
    std_offset: i32,
    dst: Option<Dst>,
}

/// What libc assumes when a rule names a daylight zone but no dates
/// (glibc's default, the US rule since 2007).
const DEFAULT_CHANGES: &str = "M3.2.0,M11.1.0";

impl Rule {
    /// Reads a POSIX TZ rule; `None` when it is not one.
    pub fn parse(s: &str) -> Option<Rule> {
        let mut p = Parser { s: s.as_bytes() };
        let std = p.abbr()?;
        let std_west = p.offset()?;
        let dst = if p.s.is_empty() {
            None
        } else {
            let abbr = p.abbr()?;
            let west = if p.s.is_empty() || p.s[0] == b',' {
                std_west - 3600
            } else {
                p.offset()?
            };
            let mut dates = if p.s.is_empty() {
                Parser {
                    s: DEFAULT_CHANGES.as_bytes(),
                }
            } else {
                p.eat(b',')?;
                Parser { s: p.s }
            };
            let start = dates.change()?;
            dates.eat(b',')?;
            let end = dates.change()?;
            if !dates.s.is_empty() {
                return None;
            }
            Some(Dst {
                abbr,
                offset: -west,
                start,
                end,
            })
        };
        Some(Rule {
            written: Text::new(s),
            std,
            std_offset: -std_west,
            dst,
        })
    }

    /// The value as written.
    pub fn name(&self) -> String {
        self.written.as_str()
    }

    /// The offset east of UTC and the abbreviation in force at `t`.
    pub fn at(&self, t: &DateTime<Utc>) -> (FixedOffset, String) {
        let (secs, abbr) = match &self.dst {
            Some(d) if d.covers(self.std_offset, t) => (d.offset, d.abbr),
            _ => (self.std_offset, self.std),
        };
        // 24 h (allowed by POSIX) is past what an offset can be: UTC then.
        let offset = FixedOffset::east_opt(secs).unwrap_or(Utc.fix());
        (offset, abbr.as_str())
    }
}

impl Dst {
    /// Whether daylight time is in force at `t`: between this year's start
    /// (a local standard time) and end (a local daylight time), or, where
    /// the end comes first in the year (the southern hemisphere), outside
    /// the end..start span.
    fn covers(&self, std_offset: i32, t: &DateTime<Utc>) -> bool {
        // Checked: a time at the ends of the calendar (a hostile row's) must
        // not panic; it is shown in standard time.
        let Some(year) = t
            .checked_add_signed(Duration::seconds(i64::from(std_offset)))
            .map(|l| l.year())
        else {
            return false;
        };
        let (Some(start), Some(end)) = (
            self.start.utc(year, std_offset),
            self.end.utc(year, self.offset),
        ) else {
            return false;
        };
        if start <= end {
            start <= *t && *t < end
        } else {
            !(end <= *t && *t < start)
        }
    }
}

impl Change {
    /// When it happens in `year`, on a clock `offset` seconds east of UTC.
    fn utc(&self, year: i32, offset: i32) -> Option<DateTime<Utc>> {
        let date = self.day.date(year)?;
        let local = date.and_hms_opt(0, 0, 0)?.and_utc();
        local.checked_add_signed(Duration::seconds(i64::from(self.at) - i64::from(offset)))
    }
}

impl Day {
    fn date(&self, year: i32) -> Option<NaiveDate> {
        let jan1 = NaiveDate::from_ymd_opt(year, 1, 1)?;
        match *self {
            Day::Zero(n) => jan1.checked_add_signed(Duration::days(i64::from(n))),
            Day::Julian(n) => {
                let leap = NaiveDate::from_ymd_opt(year, 2, 29).is_some();
                let skip = i64::from(leap && n >= 60);
                jan1.checked_add_signed(Duration::days(i64::from(n) - 1 + skip))
            }
            Day::Month {
                month,
                week,
                weekday,
            } => {
                let first = NaiveDate::from_ymd_opt(year, u32::from(month), 1)?;
                let first_wd = first.weekday().num_days_from_sunday();
                let mut day =
                    1 + (u32::from(weekday) + 7 - first_wd) % 7 + 7 * (u32::from(week) - 1);
                // Week 5 is the last such weekday, in a month of four.
                while NaiveDate::from_ymd_opt(year, u32::from(month), day).is_none() {
                    day -= 7;
                }
                NaiveDate::from_ymd_opt(year, u32::from(month), day)
            }
        }
    }
}

struct Parser<'a> {
    s: &'a [u8],
}

impl Parser<'_> {
    fn eat(&mut self, b: u8) -> Option<()> {
        let (&first, rest) = self.s.split_first()?;
        (first == b).then(|| self.s = rest)
    }

    /// An abbreviation: three or more letters, or `<…>` of letters, digits,
    /// `+` and `-`.
    fn abbr(&mut self) -> Option<Text> {
        let (name, rest) = if self.s.first() == Some(&b'<') {
            let close = self.s.iter().position(|&b| b == b'>')?;
            let name = &self.s[1..close];
            if !name
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'-')
            {
                return None;
            }
            (name, &self.s[close + 1..])
        } else {
            let n = self
                .s
                .iter()
                .take_while(|b| b.is_ascii_alphabetic())
                .count();
            (&self.s[..n], &self.s[n..])
        };
        if name.len() < 3 {
            return None;
        }
        self.s = rest;
        Some(Text::new(std::str::from_utf8(name).ok()?))
    }

    /// A number of at most `digits` digits.
    fn number(&mut self, digits: usize) -> Option<u32> {
        let n = self
            .s
            .iter()
            .take(digits)
            .take_while(|b| b.is_ascii_digit())
            .count();
        if n == 0 {
            return None;
        }
        let v = std::str::from_utf8(&self.s[..n]).ok()?.parse().ok()?;
        self.s = &self.s[n..];
        Some(v)
    }

    /// `[+-]hh[:mm[:ss]]` in seconds, hours at most `max_hours`.
    fn hms(&mut self, max_hours: u32) -> Option<i32> {
        let sign = match self.s.first() {
            Some(b'-') => {
                self.s = &self.s[1..];
                -1
            }
            Some(b'+') => {
                self.s = &self.s[1..];
                1
            }
            _ => 1,
        };
        let h = self.number(3)?;
        let (mut m, mut sec) = (0, 0);
        if self.eat(b':').is_some() {
            m = self.number(2)?;
            if self.eat(b':').is_some() {
                sec = self.number(2)?;
            }
        }
        if h > max_hours || m > 59 || sec > 59 {
            return None;
        }
        Some(sign * i32::try_from(h * 3600 + m * 60 + sec).ok()?)
    }

    /// An offset west of UTC (`5`, `-3:30`), at most 24 h.
    fn offset(&mut self) -> Option<i32> {
        self.hms(24)
    }

    /// `date[/time]`.
    fn change(&mut self) -> Option<Change> {
        let day = match self.s.first()? {
            b'J' => {
                self.s = &self.s[1..];
                let n = self.number(3)?;
                (1..=365)
                    .contains(&n)
                    .then_some(Day::Julian(u16::try_from(n).ok()?))?
            }
            b'M' => {
                self.s = &self.s[1..];
                let month = self.number(2)?;
                self.eat(b'.')?;
                let week = self.number(1)?;
                self.eat(b'.')?;
                let weekday = self.number(1)?;
                let ok = (1..=12).contains(&month) && (1..=5).contains(&week) && weekday <= 6;
                ok.then_some(Day::Month {
                    month: u8::try_from(month).ok()?,
                    week: u8::try_from(week).ok()?,
                    weekday: u8::try_from(weekday).ok()?,
                })?
            }
            _ => {
                let n = self.number(3)?;
                (n <= 365).then_some(Day::Zero(u16::try_from(n).ok()?))?
            }
        };
        let at = if self.s.first() == Some(&b'/') {
            self.s = &self.s[1..];
            self.hms(167)?
        } else {
            2 * 3600
        };
        Some(Change { day, at })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Offset, TimeZone};
    use chrono_tz::Tz;

    /// Every half hour of 2025–2027, the rule and the zone agree on the
    /// offset and the abbreviation (transitions included).
    fn agrees(rule: &str, zone: Tz) {
        let r = Rule::parse(rule).unwrap_or_else(|| panic!("{rule} parses"));
        let mut t = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
        let end = Utc.with_ymd_and_hms(2028, 1, 1, 0, 0, 0).unwrap();
        while t < end {
            let (offset, abbr) = r.at(&t);
            let z = t.with_timezone(&zone);
            assert_eq!(offset, z.offset().fix(), "{rule} at {t}");
            assert_eq!(abbr, z.format("%Z").to_string(), "{rule} at {t}");
            t += Duration::minutes(30);
        }
    }

    #[test]
    fn rules_agree_with_their_zones() {
        agrees("EST5EDT,M3.2.0,M11.1.0", chrono_tz::America::New_York);
        // No dates: libc's default, the US rule.
        agrees("CST6CDT", chrono_tz::America::Chicago);
        agrees("CET-1CEST,M3.5.0,M10.5.0/3", chrono_tz::Europe::Paris);
        // The southern hemisphere: daylight time across the new year.
        agrees("AEST-10AEDT,M10.1.0,M4.1.0/3", chrono_tz::Australia::Sydney);
        agrees("<-03>3", chrono_tz::America::Argentina::Buenos_Aires);
        agrees("NZST-12NZDT,M9.5.0,M4.1.0/3", chrono_tz::Pacific::Auckland);
        agrees("IST-5:30", chrono_tz::Asia::Kolkata);
    }

    #[test]
    fn the_changes_fall_where_posix_says() {
        let at = |rule: &str, s: &str| {
            let t = DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
            Rule::parse(rule).unwrap().at(&t).1
        };
        // 2026-03-08 02:00 EST is 07:00 UTC; 2026-11-01 02:00 EDT is 06:00.
        let us = "EST5EDT,M3.2.0,M11.1.0";
        assert_eq!(at(us, "2026-03-08T06:59:59Z"), "EST");
        assert_eq!(at(us, "2026-03-08T07:00:00Z"), "EDT");
        assert_eq!(at(us, "2026-11-01T05:59:59Z"), "EDT");
        assert_eq!(at(us, "2026-11-01T06:00:00Z"), "EST");
        // Jn never counts February 29 (J60 is March 1); n counts it.
        let julian = "AAA0BBB,J60/0,J300/0";
        assert_eq!(at(julian, "2028-02-29T23:59:59Z"), "AAA");
        assert_eq!(at(julian, "2028-03-01T00:00:00Z"), "BBB");
        let zero = "AAA0BBB,59/0,300/0";
        assert_eq!(at(zero, "2028-02-29T00:00:00Z"), "BBB");
        assert_eq!(at(zero, "2027-03-01T00:00:00Z"), "BBB");
        assert_eq!(at(zero, "2027-02-28T23:59:59Z"), "AAA");
        // A time past 24 h or before 0 (POSIX.1-2017): M3.2.0/26 is 02:00
        // on the Monday; /-1 is 23:00 on the day before.
        let late = "AAA0BBB,M3.2.0/26,M11.1.0/-1";
        assert_eq!(at(late, "2026-03-09T01:59:59Z"), "AAA");
        assert_eq!(at(late, "2026-03-09T02:00:00Z"), "BBB");
        // Ends at -1 h local daylight time (+1 h) on Sunday 1 November:
        // 22:00 UTC on 31 October.
        assert_eq!(at(late, "2026-10-31T21:59:59Z"), "BBB");
        assert_eq!(at(late, "2026-10-31T22:00:00Z"), "AAA");
    }

    #[test]
    fn the_ends_of_the_calendar_do_not_panic() {
        for rule in [
            "EST5EDT,M3.2.0,M11.1.0",
            "AEST-10AEDT,M10.1.0,M4.1.0/3",
            "AAA0BBB,J365/167,0/-167",
        ] {
            let r = Rule::parse(rule).unwrap();
            for t in [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC] {
                let _ = r.at(&t);
                let _ = crate::timefmt::Clock::new(crate::timefmt::Zone::Rule(r)).full(&t, None);
            }
        }
    }

    #[test]
    fn what_is_not_a_rule() {
        for bad in [
            "",
            "5",
            "ES5",
            "EST",
            "EST5EDT,",
            "EST5EDT,M3.2.0",
            "EST5EDT,M3.2.0,M11.1.0,",
            "EST5EDT,M0.2.0,M11.1.0",
            "EST5EDT,M3.6.0,M11.1.0",
            "EST5EDT,M3.2.7,M11.1.0",
            "EST5EDT,J0,J365",
            "EST5EDT,366,0",
            "EST25",
            "EST5:60",
            "EST5EDT,M3.2.0/168,M11.1.0",
            "<AB>5",
            "<A B C>5",
            "<ABC5",
            "EST5 ",
            "EST\u{202e}5",
        ] {
            assert_eq!(Rule::parse(bad), None, "{bad:?}");
        }
        for good in [
            "UTC0",
            "<+0330>-3:30",
            "EST+5",
            "EST5:00:00EDT4:00:00,M3.2.0/2:00:00,M11.1.0/2",
        ] {
            assert!(Rule::parse(good).is_some(), "{good:?}");
        }
    }
}
