//! Field-level diff of an audit row's before and after JSON, so that
//! "status: active → revoked" is one line. Nested objects are walked by key.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Added {
        path: String,
        value: Value,
    },
    Removed {
        path: String,
        value: Value,
    },
    Changed {
        path: String,
        before: Value,
        after: Value,
    },
}

impl Change {
    pub fn path(&self) -> &str {
        match self {
            Change::Added { path, .. }
            | Change::Removed { path, .. }
            | Change::Changed { path, .. } => path,
        }
    }
}

/// The changes from `before` to `after`, sorted by path. A null or absent
/// side (create, delete) makes every field an addition or a removal.
pub fn diff(before: &Value, after: &Value) -> Vec<Change> {
    let mut out = Vec::new();
    walk("", before, after, &mut out);
    out
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

fn walk(path: &str, before: &Value, after: &Value, out: &mut Vec<Change>) {
    match (before, after) {
        (Value::Object(b), Value::Object(a)) => {
            let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let p = join(path, k);
                match (b.get(k), a.get(k)) {
                    (Some(x), Some(y)) => walk(&p, x, y, out),
                    (None, Some(y)) => out.push(Change::Added {
                        path: p,
                        value: y.clone(),
                    }),
                    (Some(x), None) => out.push(Change::Removed {
                        path: p,
                        value: x.clone(),
                    }),
                    (None, None) => {}
                }
            }
        }
        (Value::Null, Value::Object(a)) if path.is_empty() => {
            for (k, v) in a {
                out.push(Change::Added {
                    path: k.clone(),
                    value: v.clone(),
                });
            }
        }
        (Value::Object(b), Value::Null) if path.is_empty() => {
            for (k, v) in b {
                out.push(Change::Removed {
                    path: k.clone(),
                    value: v.clone(),
                });
            }
        }
        (x, y) if x != y => out.push(Change::Changed {
            path: if path.is_empty() {
                "(value)".into()
            } else {
                path.to_string()
            },
            before: x.clone(),
            after: y.clone(),
        }),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_status_change_is_one_line() {
        let d = diff(
            &json!({"status": "active", "user_id": 9}),
            &json!({"status": "revoked", "user_id": 9}),
        );
        assert_eq!(
            d,
            vec![Change::Changed {
                path: "status".into(),
                before: json!("active"),
                after: json!("revoked")
            }]
        );
    }

    #[test]
    fn nested_added_and_removed_keys_have_paths() {
        let d = diff(
            &json!({"a": {"b": 1, "c": 2}, "gone": true}),
            &json!({"a": {"b": 1, "d": 3}, "new": null}),
        );
        let paths: Vec<&str> = d.iter().map(Change::path).collect();
        assert_eq!(paths, vec!["a.c", "a.d", "gone", "new"]);
        assert!(matches!(d[0], Change::Removed { .. }));
        assert!(matches!(d[1], Change::Added { .. }));
    }

    #[test]
    fn a_create_adds_every_field() {
        let d = diff(&Value::Null, &json!({"status": "active", "user_id": 9}));
        assert_eq!(d.len(), 2);
        assert!(d.iter().all(|c| matches!(c, Change::Added { .. })));
    }
}
