//! Finding a user the way a ticket names them: an id, a credential's name
//! on the lock (`AB U9 C6`), a Doordeck account, or a name or email (the
//! start of one through a `lower()` index; a part of one only where the
//! pg_trgm indexes exist — without them the search says so, never scans).

use sqlx::PgConnection;

use super::{indexes, statements};

/// One matching user, as the picker lists them.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Match {
    pub id: i64,
    pub name: Option<String>,
    pub email: Option<String>,
    pub site: Option<String>,
    pub status: Option<String>,
}

/// What a query found.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Found {
    /// At most `MAX` (one more when there were more).
    pub matches: Vec<Match>,
    /// How the query was read, e.g. `name or email starting with "maya"`.
    pub how: String,
    /// Said when the search was narrower than asked (no pg_trgm index).
    pub note: Option<String>,
}

/// The most matches a picker shows.
pub const MAX: usize = 50;

/// `AB U9 C6` (any case, spaces loose) → (user 9, credential 6).
pub fn credential_name(q: &str) -> Option<(i64, i64)> {
    let words: Vec<String> = q.split_whitespace().map(str::to_ascii_uppercase).collect();
    let joined = words.join(" ");
    let (u, c) = joined.strip_prefix("AB U")?.split_once(" C")?;
    let (u, c) = (u.parse().ok()?, c.parse().ok()?);
    (u > 0 && c > 0).then_some((u, c))
}

/// `q` lower-cased with LIKE's own characters escaped.
fn like_escaped(q: &str) -> String {
    let mut s = String::new();
    for c in q.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            s.push('\\');
        }
        s.push(c);
    }
    s
}

async fn run(
    conn: &mut PgConnection,
    st: &statements::Statement,
    bind: impl FnOnce(
        sqlx::query::QueryAs<'static, sqlx::Postgres, Row, sqlx::postgres::PgArguments>,
    )
        -> sqlx::query::QueryAs<'static, sqlx::Postgres, Row, sqlx::postgres::PgArguments>,
) -> Result<Vec<Match>, sqlx::Error> {
    let rows: Vec<Row> = bind(sqlx::query_as(st.marked()))
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, email, site, status)| Match {
            id,
            name: name.map(|n| crate::pinmap::plain(&n)),
            email: email.map(|n| crate::pinmap::plain(&n)),
            site: site.map(|n| crate::pinmap::plain(&n)),
            status: status.map(|n| crate::pinmap::plain(&n)),
        })
        .collect())
}

type Row = (
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// Finds the users `query` names. An empty answer is not an error.
pub async fn find(conn: &mut PgConnection, query: &str) -> Result<Found, sqlx::Error> {
    let q = query.trim();
    if let Ok(id) = q.trim_start_matches('#').parse::<i64>() {
        let m = run(conn, &statements::pins::FIND_BY_ID, |x| x.bind(id)).await?;
        return Ok(Found {
            matches: m,
            how: format!("user id {id}"),
            note: None,
        });
    }
    if let Some((user, cred)) = credential_name(q) {
        let m = run(conn, &statements::pins::FIND_BY_CREDENTIAL, |x| {
            x.bind(cred).bind(user)
        })
        .await?;
        return Ok(Found {
            matches: m,
            how: format!("credential AB U{user} C{cred}"),
            note: None,
        });
    }
    if q.is_empty() {
        return Ok(Found {
            how: "nothing".into(),
            ..Found::default()
        });
    }
    let by_ref = run(conn, &statements::pins::FIND_BY_DOORDECK_REF, {
        let q = q.to_string();
        move |x| x.bind(q)
    })
    .await?;
    if !by_ref.is_empty() {
        return Ok(Found {
            matches: by_ref,
            how: "Doordeck account".into(),
            note: None,
        });
    }
    let pattern = like_escaped(q);
    let shown = crate::pinmap::plain(q);
    let prefix = run(conn, &statements::pins::FIND_BY_PREFIX, {
        let p = format!("{pattern}%");
        move |x| x.bind(p)
    })
    .await?;
    let present = indexes::present(conn).await?;
    if !indexes::has_all(&present, &indexes::USER_TRGM) {
        return Ok(Found {
            matches: prefix,
            how: format!("name or email starting with \"{shown}\""),
            note: Some(format!(
                "only names and emails starting with \"{shown}\" were searched: a search inside them would read every user \
                 without the pg_trgm indexes ({}); `lockdesk db check` shows how to add them",
                indexes::USER_TRGM.join(", ")
            )),
        });
    }
    let mut matches = run(conn, &statements::pins::FIND_BY_SUBSTRING, {
        let p = format!("%{pattern}%");
        move |x| x.bind(p)
    })
    .await?;
    for p in prefix {
        if !matches.iter().any(|m| m.id == p.id) {
            matches.push(p);
        }
    }
    matches.sort_by(|a, b| (a.name.as_deref(), a.id).cmp(&(b.name.as_deref(), b.id)));
    matches.truncate(MAX + 1);
    Ok(Found {
        matches,
        how: format!("name or email containing \"{shown}\""),
        note: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_names_and_like_patterns() {
        assert_eq!(credential_name("AB U9 C6"), Some((9, 6)));
        assert_eq!(credential_name(" ab  u9   c6 "), Some((9, 6)));
        assert_eq!(credential_name("AB U9"), None);
        assert_eq!(credential_name("AB U99999999999999999999 C6"), None);
        assert_eq!(credential_name("maya"), None);
        assert_eq!(like_escaped("50%_a\\B"), "50\\%\\_a\\\\b");
    }
}
