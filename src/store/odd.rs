//! The odd values of a broker's rows, kept as Postgres wrote them: times
//! chrono cannot hold, NULLs where the contract promises a value, JSON too
//! deep to hold (collapsed, its text kept for copies and exports).

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::Row;
use sqlx::postgres::PgRow;

/// A value of a row that is not what the contract promises, kept as
/// Postgres wrote it: a time chrono cannot hold, a NULL where one was due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Oddity {
    pub column: &'static str,
    /// Postgres's text of the value (for a JSON column too deep to hold,
    /// what is odd about it); `None` for NULL.
    pub text: Option<String>,
    /// A JSON column too deep to hold: its value is collapsed, its text
    /// (in the row's `raw_json`) is what exports carry.
    pub collapsed: bool,
}

/// Postgres's text of each non-NULL JSON column of a row, by column, with
/// secret values replaced: what a raw copy carries, byte for byte.
pub type RawJson = Vec<(&'static str, String)>;

impl Oddity {
    /// The value as Postgres writes it (`infinity`), or `NULL`.
    pub fn shown(&self) -> &str {
        self.text.as_deref().unwrap_or("NULL")
    }
}

/// Postgres's text of an odd column of a row, if that column is odd.
pub fn odd_text<'a>(odd: &'a [Oddity], column: &str) -> Option<&'a str> {
    odd.iter().find(|o| o.column == column).map(Oddity::shown)
}

/// A time column read through the guarded select: the time, or `None` with
/// the oddity noted. A NULL is odd only where a time was `required`.
pub(crate) fn stamp(
    r: &PgRow,
    typed: usize,
    text: usize,
    column: &'static str,
    required: bool,
    odd: &mut Vec<Oddity>,
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    let at: Option<DateTime<Utc>> = r.try_get(typed)?;
    if at.is_some() {
        return Ok(at);
    }
    let text: Option<String> = r.try_get(text)?;
    if text.is_some() || required {
        odd.push(Oddity {
            column,
            text,
            collapsed: false,
        });
    }
    Ok(None)
}

/// A text the contract promises but a broker may leave NULL: drawn `—`,
/// exported `null`, the row tagged odd.
pub(crate) fn text_or_odd(
    r: &PgRow,
    idx: usize,
    column: &'static str,
    odd: &mut Vec<Oddity>,
) -> Result<String, sqlx::Error> {
    let v: Option<String> = r.try_get(idx)?;
    Ok(v.unwrap_or_else(|| {
        odd.push(Oddity {
            column,
            text: None,
            collapsed: false,
        });
        "—".to_string()
    }))
}

/// Whether a row is read with its secrets masked: always, except for the
/// one value an operator reveals (`:reveal`), which goes straight to a copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Masking {
    On,
    Off,
}

/// A JSON column read as Postgres's text, its secrets replaced (the text
/// kept in `raws` for raw copies) and parsed at any depth; a value nested
/// deeper than `jsontext::MAX_DEPTH` is collapsed.
pub(crate) fn json_col(
    r: &PgRow,
    idx: usize,
    column: &'static str,
    odd: &mut Vec<Oddity>,
    raws: &mut RawJson,
    masking: Masking,
) -> Result<Option<Value>, sqlx::Error> {
    json_col_as(r, idx, column, odd, raws, masking, true)
}

/// `json_col`; without `parse` only the (redacted) text is kept in `raws`
/// and the value is `null` (an export that lays the text out itself).
pub(crate) fn json_col_as(
    r: &PgRow,
    idx: usize,
    column: &'static str,
    odd: &mut Vec<Oddity>,
    raws: &mut RawJson,
    masking: Masking,
    parse: bool,
) -> Result<Option<Value>, sqlx::Error> {
    let Some(text) = r.try_get::<Option<String>, _>(idx)? else {
        return Ok(None);
    };
    let text = match crate::secrets::json_text(&text) {
        std::borrow::Cow::Owned(t) if masking == Masking::On => t,
        _ => text,
    };
    if !parse {
        raws.push((column, text));
        return Ok(Some(Value::Null));
    }
    let value = match crate::jsontext::parse(&text) {
        Ok(p) => {
            if let Some(d) = p.collapsed_depth {
                odd.push(Oddity {
                    column,
                    text: Some(format!(
                        "nested {d} levels deep; the first {} are shown",
                        crate::jsontext::MAX_DEPTH
                    )),
                    collapsed: true,
                });
            }
            p.value
        }
        // jsonb text always parses; a json column may hold anything.
        Err(e) => {
            odd.push(Oddity {
                column,
                text: Some(e),
                collapsed: false,
            });
            Value::String(text.clone())
        }
    };
    raws.push((column, text));
    Ok(Some(value))
}

/// An optional text column that may hold a secret (an error quoting a
/// request, a reason pasted with a token), redacted as it is read.
pub(crate) fn free_col(
    r: &PgRow,
    idx: usize,
    masking: Masking,
) -> Result<Option<String>, sqlx::Error> {
    let v: Option<String> = r.try_get(idx)?;
    Ok(match masking {
        Masking::On => crate::secrets::free_opt(v),
        Masking::Off => v,
    })
}

/// The raw text of a row's JSON columns; only the collapsed ones when
/// `collapsed_only` (the pretty exports re-serialise the others).
pub fn raw_columns<'a>(
    raws: &'a RawJson,
    odd: &'a [Oddity],
    collapsed_only: bool,
) -> impl Iterator<Item = (&'static str, &'a str)> {
    raws.iter()
        .filter(move |(c, _)| !collapsed_only || odd.iter().any(|o| o.collapsed && o.column == *c))
        .map(|(c, t)| (*c, t.as_str()))
}

/// `value` as pretty JSON text with the named members replaced by their
/// raw text (a collapsed column is exported whole, never re-serialised from
/// its collapsed form). Each member is found by a placeholder that cannot
/// occur in data (it starts with a control character).
pub fn pretty_with_raw(value: Value, raws: &[(String, &'static str, &str)]) -> String {
    pretty_with_raw_at(value, raws, "")
}

/// `pretty_with_raw`, each line after the first indented by `indent` (as
/// serde's pretty printer indents a value nested that deep), the raw text
/// spliced in after indenting, exactly as the whole document would have it.
pub fn pretty_with_raw_at(
    mut value: Value,
    raws: &[(String, &'static str, &str)],
    indent: &str,
) -> String {
    let mut swaps = Vec::new();
    for (n, (path, column, raw)) in raws.iter().enumerate() {
        let placeholder = format!("\u{1}lockdesk raw {n}\u{1}");
        let target = if path.is_empty() {
            Some(&mut value)
        } else {
            value.pointer_mut(path)
        };
        if let Some(row) = target {
            if let Some(slot) = row.get_mut(*column) {
                *slot = Value::String(placeholder.clone());
                swaps.push((Value::String(placeholder).to_string(), *raw));
            }
        }
    }
    let mut text = crate::jsondoc::pretty(&value);
    if !indent.is_empty() {
        text = text.replace('\n', &format!("\n{indent}"));
    }
    for (quoted, raw) in swaps {
        text = text.replacen(&quoted, raw, 1);
    }
    text
}

/// One row's `to_json` as pretty text, each JSON column as Postgres's text
/// (secrets replaced): the raw copy.
pub fn row_json_text(value: Value, raws: &RawJson) -> String {
    let raws: Vec<(String, &'static str, &str)> = raws
        .iter()
        .map(|(column, raw)| (String::new(), *column, raw.as_str()))
        .collect();
    pretty_with_raw(value, &raws)
}

/// Exports a NULL the row was read with as `null`, not as its stand-in.
pub(crate) fn nulls_back(mut v: Value, odd: &[Oddity]) -> Value {
    if let Some(m) = v.as_object_mut() {
        for o in odd.iter().filter(|o| o.text.is_none()) {
            m.insert(o.column.to_string(), Value::Null);
        }
    }
    v
}

/// A time that must be there, for sorting and ages: `-infinity` and NULL
/// sort first, `infinity` and the far future last.
pub(crate) fn or_edge(at: Option<DateTime<Utc>>, odd: &[Oddity], column: &str) -> DateTime<Utc> {
    at.unwrap_or_else(|| match odd_text(odd, column) {
        Some(t) if !t.starts_with('-') && t != "NULL" => DateTime::<Utc>::MAX_UTC,
        _ => DateTime::<Utc>::MIN_UTC,
    })
}

/// The inverse of `or_edge` for a guard: the time, or `None` when it is one
/// of the edges an odd value is read as (the guard then asks for a value
/// that is still odd).
pub fn off_edge(at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    (at != DateTime::<Utc>::MIN_UTC && at != DateTime::<Utc>::MAX_UTC).then_some(at)
}
