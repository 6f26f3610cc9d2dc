//! Property tests: whatever a person types or a row holds, the parsers and
//! viewers answer without panicking. 10,000 cases each; set PROPTEST_CASES
//! for more.

use proptest::prelude::*;
use serde_json::Value;

use crate::app::{Command, parse_command};

fn cases() -> ProptestConfig {
    let n = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(10_000);
    ProptestConfig::with_cases(n)
}

/// Any JSON value, a few levels deep, with odd strings and numbers.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(".{0,6}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(cases())]

    #[test]
    fn the_command_parser_never_panics(line in ".{0,40}") {
        let _ = parse_command(&line);
    }

    #[test]
    fn numbers_in_commands_never_panic(verb in prop::sample::select(vec!["job", "user", "jobs", "write", "trace", "door", "lock"]),
                                       n in any::<i64>(), unit in prop::sample::select(vec!["", "h", "d", "m", "s", "min"])) {
        let _ = parse_command(&format!("{verb} {n}{unit} reason"));
        let _ = parse_command(&format!("{verb} {n}{unit}"));
    }

    #[test]
    fn write_durations_are_bounded_or_refused(n in any::<u64>(), unit in prop::sample::select(vec!["s", "m", "min", "h", "d", ""])) {
        match parse_command(&format!("write {n}{unit} INC-1")) {
            Ok(Some(Command::Write { duration, .. })) => prop_assert!(duration <= chrono::Duration::hours(8)),
            Ok(other) => prop_assert!(false, "{other:?}"),
            Err(_) => {}
        }
    }

    #[test]
    fn the_viewer_and_the_differ_take_any_value(a in json(), b in json()) {
        let mut doc = crate::jsondoc::JsonDoc::new(&a);
        let _ = doc.search("a");
        doc.fold_all();
        doc.unfold_all();
        let _ = crate::diff::diff(&a, &b);
        let _ = crate::providers::redact::value(&a);
    }

    #[test]
    fn json_text_parses_like_serde_json_where_both_can(v in json()) {
        let text = v.to_string();
        let p = crate::jsontext::parse(&text).expect("its own text parses");
        prop_assert_eq!(p.value, v);
        prop_assert_eq!(p.collapsed_depth, None);
    }

    #[test]
    fn json_text_never_panics_on_any_text(text in ".{0,64}") {
        let _ = crate::jsontext::parse(&text);
        let _ = crate::jsontext::depth(&text);
    }
}
