//! Rows in memory and their bulk load through COPY (text format): the demo
//! world, the seeds and the scale seeder all load this way, never row by row.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;
use sqlx::PgConnection;

use crate::store::statements;

/// One value of one column.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Text(String),
    Bool(bool),
    Ts(DateTime<Utc>),
    Json(Value),
}

impl From<i64> for Cell {
    fn from(v: i64) -> Self {
        Cell::Int(v)
    }
}
impl From<&str> for Cell {
    fn from(v: &str) -> Self {
        Cell::Text(v.to_string())
    }
}
impl From<String> for Cell {
    fn from(v: String) -> Self {
        Cell::Text(v)
    }
}
impl From<bool> for Cell {
    fn from(v: bool) -> Self {
        Cell::Bool(v)
    }
}
impl From<DateTime<Utc>> for Cell {
    fn from(v: DateTime<Utc>) -> Self {
        Cell::Ts(v)
    }
}
impl From<Value> for Cell {
    fn from(v: Value) -> Self {
        // A JSON null in a jsonb column is stored as SQL NULL, as the broker does.
        if v.is_null() {
            Cell::Null
        } else {
            Cell::Json(v)
        }
    }
}
impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(v: Option<T>) -> Self {
        v.map_or(Cell::Null, Into::into)
    }
}

/// Rows for one table, in the column order given.
#[derive(Debug, Clone)]
pub struct Table {
    pub name: &'static str,
    pub columns: &'static [&'static str],
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    pub fn new(name: &'static str, columns: &'static [&'static str]) -> Self {
        Table {
            name,
            columns,
            rows: Vec::new(),
        }
    }

    pub fn push(&mut self, row: Vec<Cell>) {
        debug_assert_eq!(row.len(), self.columns.len(), "row width for {}", self.name);
        self.rows.push(row);
    }

    /// Loads every row with one COPY, then moves the id sequence past the
    /// largest id so later inserts by the broker or lockdesk do not collide.
    pub async fn load(&self, conn: &mut PgConnection) -> Result<(), sqlx::Error> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let stmt = statements::demo::copy_into(self.name, self.columns);
        let mut copy = conn.copy_in_raw(&stmt).await?;
        let mut buf = String::with_capacity(1 << 20);
        for row in &self.rows {
            encode_row(row, &mut buf);
            if buf.len() > (1 << 20) {
                copy.send(std::mem::take(&mut buf).into_bytes()).await?;
            }
        }
        if !buf.is_empty() {
            copy.send(buf.into_bytes()).await?;
        }
        copy.finish().await?;
        if self.columns.first() == Some(&"id") {
            bump_sequence(conn, self.name).await?;
        }
        Ok(())
    }
}

/// Sets `table`'s id sequence to its max id (table names come from our
/// own constants, never from input).
pub async fn bump_sequence(conn: &mut PgConnection, table: &str) -> Result<(), sqlx::Error> {
    let sql = statements::demo::bump_sequence(table);
    sqlx::query(sqlx::AssertSqlSafe(sql)).execute(conn).await?;
    Ok(())
}

/// Appends one row in COPY text format.
pub fn encode_row(row: &[Cell], buf: &mut String) {
    for (i, cell) in row.iter().enumerate() {
        if i > 0 {
            buf.push('\t');
        }
        encode_cell(cell, buf);
    }
    buf.push('\n');
}

fn encode_cell(cell: &Cell, buf: &mut String) {
    use std::fmt::Write;
    match cell {
        Cell::Null => buf.push_str("\\N"),
        Cell::Int(v) => {
            let _ = write!(buf, "{v}");
        }
        Cell::Bool(v) => buf.push(if *v { 't' } else { 'f' }),
        Cell::Ts(t) => buf.push_str(&t.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
        Cell::Text(s) => escape(s, buf),
        Cell::Json(v) => escape(&v.to_string(), buf),
    }
}

/// COPY text format escapes: backslash, and the row/column separators.
pub fn escape(s: &str, buf: &mut String) {
    for ch in s.chars() {
        match ch {
            '\\' => buf.push_str("\\\\"),
            '\t' => buf.push_str("\\t"),
            '\n' => buf.push_str("\\n"),
            '\r' => buf.push_str("\\r"),
            c => buf.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_escapes_separators_and_keeps_numbers_exact() {
        let mut buf = String::new();
        let v: Value = serde_json::from_str(r#"{"a":"x\ty","n":9007199254740993}"#).unwrap();
        encode_row(
            &[
                Cell::Int(7),
                Cell::Null,
                Cell::Text("a\\b\nc".into()),
                Cell::Json(v),
            ],
            &mut buf,
        );
        assert_eq!(
            buf,
            "7\t\\N\ta\\\\b\\nc\t{\"a\":\"x\\\\ty\",\"n\":9007199254740993}\n"
        );
    }
}
