//! Tab on the `:` line: what may follow what is typed, built from the
//! command table (verbs), and from what the app already holds (statuses,
//! doors, the loaded jobs' types, ids from the history). Pure: no I/O.

use crate::app::command::Verb;
use crate::app::{App, COMMANDS, OpenedKind};
use crate::store::queries::StatusFilter;

/// The word being completed: where it starts in the line, and the choices
/// for it (each the whole word, in the order offered).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Completion {
    pub start: usize,
    pub choices: Vec<String>,
}

impl Completion {
    /// The longest start all choices share.
    pub fn common(&self) -> String {
        let mut it = self.choices.iter();
        let Some(first) = it.next() else {
            return String::new();
        };
        let mut n = first.len();
        for c in it {
            n = first
                .char_indices()
                .zip(c.chars())
                .take_while(|((_, a), b)| a == b)
                .last()
                .map_or(0, |((i, a), _)| i + a.len_utf8())
                .min(n);
        }
        first[..n].to_string()
    }
}

/// The ages offered for `:jobs`.
const AGES: [&str; 4] = ["10m", "1h", "24h", "7d"];

impl App {
    /// The completion of the last word of `line` (the text before the cursor).
    pub fn complete(&self, line: &str) -> Completion {
        let lead = line.len() - line.trim_start().len();
        let body = &line[lead..];
        // Still on the verb: the verbs of the table.
        let Some(space) = body.find(char::is_whitespace) else {
            let mut choices: Vec<String> = Vec::new();
            for c in COMMANDS {
                for v in c.verbs {
                    if v.starts_with(body) && !choices.iter().any(|x| x == v) {
                        choices.push((*v).to_string());
                    }
                }
            }
            return Completion {
                start: lead,
                choices,
            };
        };
        let verb = &body[..space];
        let Some(spec) = COMMANDS.iter().find(|c| c.verbs.contains(&verb)) else {
            return Completion::default();
        };
        let args_at = lead + space;
        let args = &line[args_at..];
        // `:door` and `:user` take the rest of the line (names have spaces);
        // the others, one word at a time.
        let rest_of_line = matches!(spec.verb, Verb::Door | Verb::User);
        let start = if rest_of_line {
            line.len() - args.trim_start().len()
        } else {
            // By characters: a space may be more than one byte (NBSP, an
            // ideographic space), and a byte index inside it would panic.
            line.char_indices()
                .rev()
                .find(|(_, c)| c.is_whitespace())
                .map_or(line.len(), |(i, c)| i + c.len_utf8())
        };
        let word = line.get(start..).unwrap_or("");
        let before: Vec<&str> = line
            .get(args_at..start)
            .unwrap_or("")
            .split_whitespace()
            .collect();
        let offered = self.arguments(spec.verb, &before);
        let lower = word.to_lowercase();
        let mut choices: Vec<String> = Vec::new();
        for c in offered {
            if c.to_lowercase().starts_with(&lower) && !choices.contains(&c) {
                choices.push(c);
            }
        }
        Completion { start, choices }
    }

    /// What may come next after `verb` and the words `before` it.
    fn arguments(&self, verb: Verb, before: &[&str]) -> Vec<String> {
        let recent = |k: OpenedKind| self.popups.recall.history.recent_ids(k);
        match (verb, before) {
            (Verb::Trace, []) => recent(OpenedKind::Trace),
            (Verb::Job, []) => recent(OpenedKind::Job),
            (Verb::User, []) => recent(OpenedKind::User),
            (Verb::Lock, []) => {
                let mut keys = recent(OpenedKind::Lock);
                keys.extend(self.doors.iter().filter_map(|d| d.lock_key()));
                keys
            }
            (Verb::Door, []) => self
                .doors
                .iter()
                .map(|d| d.name.clone())
                .chain(self.doors.iter().map(|d| d.id.to_string()))
                .collect(),
            (Verb::Jobs, [.., "user"]) => recent(OpenedKind::User),
            (Verb::Jobs, [.., "type"]) => self.job_types(),
            (Verb::Jobs, _) => StatusFilter::ALL
                .iter()
                .map(|s| s.name().to_string())
                .chain(["all", "user", "type"].map(String::from))
                .chain(AGES.map(String::from))
                .chain(self.job_types())
                .collect(),
            (Verb::Write, []) => vec!["15m".into(), "1h".into()],
            (Verb::Reveal, []) => vec!["10m".into()],
            _ => Vec::new(),
        }
    }

    /// The job types of the loaded rows (the queue's own words).
    fn job_types(&self) -> Vec<String> {
        let mut types: Vec<String> = self
            .panes
            .jobs
            .rows
            .iter()
            .map(|j| j.job_type.clone())
            .filter(|t| t.len() <= 64)
            .collect();
        types.sort();
        types.dedup();
        types
    }

    /// What Tab would add to the `:` line now, shown dim after the cursor,
    /// and the other choices when there are several.
    pub fn suggestion(&self) -> Option<(String, Vec<String>)> {
        let p = self.popups.prompt.as_ref()?;
        if p.kind != crate::app::PromptKind::Command
            || self.popups.line.back != 0
            || self.popups.line.search.is_some()
        {
            return None;
        }
        let c = self.complete(&p.text);
        let word = p.text.get(c.start..).unwrap_or("");
        let first = c.choices.first()?;
        let rest = first
            .get(word.len()..)
            .filter(|_| first.to_lowercase().starts_with(&word.to_lowercase()))?
            .to_string();
        let others = if c.choices.len() > 1 {
            c.choices.clone()
        } else {
            Vec::new()
        };
        (!rest.is_empty() || !others.is_empty()).then_some((rest, others))
    }
}
