// The Audit pane's CHANGED column is decided before masking: a PIN changed
// from one value to another whose masks read the same (`***11`) is named,
// and neither value reaches the screen.

use serde_json::json;

use crate::support::{Screen, demo_db};

#[tokio::test]
async fn a_pin_changed_under_the_same_mask_is_named_in_changed() {
    let url = demo_db().await;
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    sqlx::query(
        "INSERT INTO app_audit (created_at, entity_type, entity_id, action, before_json, after_json, actor, source)
         VALUES ('2026-11-20 15:29:55+00', 'Credential', 991, 'update', $1, $2, 'admin:test', 'web')",
    )
    .bind(json!({"user_id": 9, "pin": "48201111", "status": "active"}))
    .bind(json!({"user_id": 9, "pin": "73990011", "status": "active"}))
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    let s = Screen::new(&url).keys("2").size(160, 30).run().await;
    let row = s
        .lines()
        .find(|l| l.contains("Credential #991"))
        .unwrap_or_else(|| panic!("the row in\n{s}"));
    assert!(row.contains(" pin "), "{row}");
    assert!(!row.contains("status"), "{row}");
    for pin in ["48201111", "73990011"] {
        assert!(!s.contains(pin), "{pin} on screen:\n{s}");
    }
}
