//! Write mode: read-only by default, `--write` or `:write 15m REASON` to
//! allow changes for a while, and who the operator is for the audit trail.

use chrono::Duration;

use crate::app::{App, Level};
use crate::engine::Operator;

fn parse_duration(s: &str) -> Option<Duration> {
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit())?);
    let n: i64 = n.parse().ok()?;
    match unit {
        "m" | "min" => Some(Duration::minutes(n)),
        "h" => Some(Duration::hours(n)),
        "s" => Some(Duration::seconds(n)),
        _ => None,
    }
}

impl App {
    pub fn can_write(&self) -> bool {
        self.write_until.is_some_and(|t| t > self.now)
    }

    /// `WRITE`, `WRITE 14m left`, or `READ-ONLY`, for the status bar.
    pub fn mode_label(&self) -> String {
        match self.write_until {
            Some(t) if t > self.now && t > self.now + Duration::days(3650) => "WRITE".into(),
            Some(t) if t > self.now => format!("WRITE {} left", crate::timefmt::age(t - self.now)),
            _ => "READ-ONLY".into(),
        }
    }

    /// `:write 15m INC-1234`: changes allowed for a while, with a reason.
    pub(crate) fn elevate(&mut self, duration: Option<&str>, rest: &[&str]) -> Result<(), String> {
        let usage = ":write needs a duration and a reason, e.g. :write 15m INC-1234";
        let d = duration.and_then(parse_duration).ok_or(usage)?;
        if rest.is_empty() {
            return Err(usage.into());
        }
        if d > Duration::hours(8) {
            return Err("write mode lasts at most 8 hours; ask again when it ends".into());
        }
        self.write_until = Some(self.now + d);
        self.write_reason = Some(rest.join(" "));
        self.say(
            Level::Warn,
            format!(
                "write mode for {}: every change is audited as {} ({})",
                crate::timefmt::age(d),
                self.operator,
                rest.join(" ")
            ),
        );
        Ok(())
    }

    pub(crate) fn operator(&self) -> Operator {
        Operator {
            name: self.operator.clone(),
            reason: self.write_reason.clone(),
            write: self.can_write(),
            source: "console",
        }
    }
}
