//! `lockdesk user <query>`: find the user a ticket names (an id, a name or
//! email or part of one, `AB U9 C6`, a Doordeck account) and, with `--json`,
//! print the user pane's data: doors, states, last changes and uses, why.

use serde_json::json;

use crate::store;

/// What a query resolved to.
pub enum Resolved {
    One(i64),
    /// Several (or none): the picker's rows, with how the query was read.
    Pick(store::lookup::Found),
}

/// Resolves `query` to one user, or the matches to pick from.
pub async fn resolve(pool: &sqlx::PgPool, query: &str) -> anyhow::Result<Resolved> {
    let mut conn = pool.acquire().await?;
    let found = store::lookup::find(&mut conn, query).await?;
    Ok(match found.matches.as_slice() {
        [one] => Resolved::One(one.id),
        _ => Resolved::Pick(found),
    })
}

/// The JSON `lockdesk user <query> --json` prints: the pane's data for one
/// match, or the matches (`{"matches": […]}`) for several; `pinned`
/// (`--now`) times the schedule verdicts instead of the database's clock.
pub async fn json(
    pool: &sqlx::PgPool,
    query: &str,
    pinned: Option<chrono::DateTime<chrono::Utc>>,
) -> anyhow::Result<Option<serde_json::Value>> {
    match resolve(pool, query).await? {
        Resolved::One(id) => {
            let mut conn = pool.acquire().await?;
            Ok(store::pins::user_pins(&mut conn, id, pinned)
                .await?
                .map(|(u, _)| crate::pinmap::json::to_json(&u)))
        }
        Resolved::Pick(f) if f.matches.is_empty() => Ok(None),
        Resolved::Pick(f) => Ok(Some(json!({
            "query": crate::pinmap::plain(query),
            "how": f.how,
            "note": f.note,
            "matches": f.matches.iter().take(store::lookup::MAX).collect::<Vec<_>>(),
            "more": f.matches.len() > store::lookup::MAX,
        }))),
    }
}

/// Several matches (or none) in words, one match a line, for stderr.
pub fn picker_text(query: &str, f: &store::lookup::Found) -> String {
    let o = |s: &Option<String>| s.clone().unwrap_or_else(|| "—".into());
    let mut t = format!(
        "`{}` names {} users ({}): give one of the ids",
        crate::pinmap::plain(query),
        f.matches.len(),
        f.how
    );
    if let Some(n) = &f.note {
        t.push_str(&format!("\n{n}"));
    }
    for m in f.matches.iter().take(store::lookup::MAX) {
        t.push_str(&format!(
            "\n  {}  {}  {}  {}  {}",
            m.id,
            o(&m.name),
            o(&m.email),
            o(&m.site),
            o(&m.status)
        ));
    }
    t
}
