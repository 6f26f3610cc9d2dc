//! The `:` command line.

use crate::app::{App, Cmd, Level, Loc};
use crate::store::queries::{Door, JobFilter, StatusFilter};

impl App {
    /// Runs a `:` command.
    pub fn command(&mut self, line: &str) -> Vec<Cmd> {
        let mut words = line.split_whitespace();
        let Some(verb) = words.next() else {
            return Vec::new();
        };
        let arg = words.next();
        let rest: Vec<&str> = words.collect();
        let number = |what: &str, a: Option<&str>| -> Result<i64, String> {
            a.ok_or_else(|| format!(":{what} needs a number, e.g. :{what} 9"))?
                .trim_start_matches('#')
                .parse::<i64>()
                .map_err(|_| format!(":{what} needs a number, e.g. :{what} 9"))
        };
        let result: Result<Vec<Cmd>, String> = match verb {
            "q" | "quit" => {
                self.quit = true;
                Ok(vec![Cmd::Quit])
            }
            "trace" | "t" => match arg {
                Some(id) => Ok(self.go(Loc::Trace(id.to_lowercase()), true)),
                None => Err(":trace needs a correlation id or a unique prefix of one".into()),
            },
            "job" => number("job", arg).map(|id| self.go(Loc::Job(id), true)),
            "user" => number("user", arg).map(|id| self.go(Loc::User(id), true)),
            "door" => match arg {
                None => Err(":door needs a door id or name, e.g. :door 2".into()),
                Some(a) => {
                    let name = std::iter::once(a)
                        .chain(rest.iter().copied())
                        .collect::<Vec<_>>()
                        .join(" ");
                    self.find_door(&name).and_then(|d| {
                        d.lock_key()
                            .map(|k| self.go(Loc::Lock(k), true))
                            .ok_or_else(|| {
                                format!(
                                    "door #{} has no lock (no device type or external id)",
                                    d.id
                                )
                            })
                    })
                }
            },
            "lock" => match arg {
                Some(k) if k.contains(':') => {
                    let (p, e) = k.split_once(':').unwrap_or((k, ""));
                    Ok(self.go(Loc::Lock(format!("{}:{e}", p.to_uppercase())), true))
                }
                _ => Err(":lock needs a lock key such as TTLOCK:28991110".into()),
            },
            "jobs" => {
                let mut f = JobFilter::default();
                let mut err = None;
                let mut args = arg.into_iter().chain(rest.iter().copied());
                while let Some(a) = args.next() {
                    if let Some(s) = StatusFilter::parse(a) {
                        f.status = Some(s);
                    } else if a == "all" {
                    } else if a == "user" {
                        f.user_id = args.next().and_then(|u| u.parse().ok());
                    } else if a == "type" {
                        f.job_type = args.next().map(str::to_string);
                    } else if let Some(h) = a.strip_suffix('h').and_then(|h| h.parse::<i64>().ok())
                    {
                        f.max_age_secs = Some(h * 3600);
                    } else if let Some(d) = a.strip_suffix('d').and_then(|d| d.parse::<i64>().ok())
                    {
                        f.max_age_secs = Some(d * 86_400);
                    } else if a.contains('_') {
                        f.job_type = Some(a.to_string());
                    } else {
                        err = Some(format!(
                            "`{a}` is not a job filter: use a status ({}), `user N`, a job type, or an age like 24h or 7d",
                            StatusFilter::ALL
                                .iter()
                                .map(|s| s.name())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ));
                    }
                }
                match err {
                    Some(e) => Err(e),
                    None => {
                        self.history.push(self.current_loc());
                        Ok(self.set_job_filter(f))
                    }
                }
            }
            "audit" => Ok(self.go(Loc::Audit, true)),
            "write" => self.elevate(arg, &rest).map(|()| Vec::new()),
            "readonly" | "ro" => {
                self.write_until = None;
                self.say(Level::Info, "the session is read-only");
                Ok(Vec::new())
            }
            other => Err(format!(
                "unknown command `:{other}`: try :trace <id>, :job N, :user N, :door N, :lock KEY, :jobs [status], :audit, :q"
            )),
        };
        match result {
            Ok(c) => c,
            Err(e) => {
                self.say(Level::Error, e);
                Vec::new()
            }
        }
    }

    pub(crate) fn find_door(&self, q: &str) -> Result<Door, String> {
        if let Ok(id) = q.trim_start_matches('#').parse::<i64>() {
            return self
                .doors
                .iter()
                .find(|d| d.id == id)
                .cloned()
                .ok_or_else(|| format!("no door #{id}"));
        }
        let ql = q.to_lowercase();
        let exact: Vec<&Door> = self
            .doors
            .iter()
            .filter(|d| d.name.to_lowercase() == ql)
            .collect();
        let hits: Vec<&Door> = if exact.is_empty() {
            self.doors
                .iter()
                .filter(|d| d.name.to_lowercase().contains(&ql))
                .collect()
        } else {
            exact
        };
        match hits.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(format!("no door named like `{q}`")),
            many => Err(format!(
                "`{q}` matches {} doors: {}",
                many.len(),
                many.iter()
                    .take(5)
                    .map(|d| format!("#{} {}", d.id, d.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }
}
