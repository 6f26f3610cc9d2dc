//! What is on a lock, listed within bounds and checked for wholeness.
//!
//! A drift plan deletes what is on the lock and not expected, so a list that
//! is missing codes would delete nothing wrong only by luck: every listing
//! says whether it is whole (`Listing::incomplete`), and the planner
//! deletes nothing from a list that is not (engine::plan).
//!
//! Bounds, for the whole listing of one lock (every page together):
//! - `MAX_LIST_RECORDS` codes (TTLock) or users (Doordeck): 10,000. A TTLock
//!   lock holds at most 250 custom passcodes plus its cloud-generated ones;
//!   forty times that is no lock lockdesk is meant to enforce.
//! - `MAX_LIST_PAGES` pages of `PAGE_SIZE`: 50 × 200, the same 10,000.
//! - `MAX_LIST_BYTES` of answer bodies: 16 MiB (a TTLock record is about
//!   300 bytes, 10,000 of them about 3 MiB; each page is still at most
//!   `MAX_BODY`, 4 MiB).
//!
//! A TTLock lock that reports (or sends) more than these is refused: the
//! listing fails with `ProviderError::OverBound` and nothing is planned or
//! changed. Doordeck's `/device/{id}/users` is one unpaged array (at most
//! `MAX_BODY` bytes): past `MAX_LIST_RECORDS` entries it is cut there and
//! marked incomplete.
//!
//! A TTLock list is incomplete when a page has no integer `pages` or
//! `total`, the page count or total changes between pages, a page is not the
//! one asked for, a page before the last comes back empty, a code has no
//! id or is listed twice, or the codes received are not `total`.
//!
//! Logs: each page's call row keeps the first `LOG_WHOLE_RECORDS` codes of
//! the listing whole (redacted); past them, only each code's id and name
//! (masked as every name is), and the row says so under `lockdesk_compacted`.
//! The parsed records are kept once, as `LockAccess`; no page body is held
//! after its page is read.

use std::collections::HashSet;

use serde_json::{Map, Value, json};

use super::{LockAccess, ProviderError};

/// The most codes (or users) lockdesk lists on one lock.
pub const MAX_LIST_RECORDS: usize = 10_000;
/// The page size lockdesk asks TTLock for (its documented maximum).
pub const PAGE_SIZE: i64 = 200;
/// The most pages of one lock's passcode list: `MAX_LIST_RECORDS` / `PAGE_SIZE`.
pub const MAX_LIST_PAGES: i64 = MAX_LIST_RECORDS as i64 / PAGE_SIZE;
/// The most bytes of answer bodies over one listing.
pub const MAX_LIST_BYTES: usize = 16 << 20;
/// Codes logged whole per listing; past these only their id and name.
pub const LOG_WHOLE_RECORDS: usize = 200;

/// The fields a compacted TTLock code keeps in the log.
pub const TTLOCK_LOGGED: &[&str] = &["keyboardPwdId", "keyboardPwdName"];
/// The fields a compacted Doordeck user keeps in the log.
pub const DOORDECK_LOGGED: &[&str] = &["userId", "email", "role"];

/// Everything on a lock, and whether that is all of it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Listing {
    pub items: Vec<LockAccess>,
    /// `None` when the list is whole; else why it may be missing codes (a
    /// plan deletes nothing from it).
    pub incomplete: Option<String>,
}

impl Listing {
    pub fn whole(items: Vec<LockAccess>) -> Listing {
        Listing {
            items,
            incomplete: None,
        }
    }

    pub fn is_complete(&self) -> bool {
        self.incomplete.is_none()
    }
}

/// The refusal of a lock that holds more than lockdesk lists.
pub fn over_bound(detail: String) -> ProviderError {
    ProviderError::OverBound(detail)
}

fn mib(bytes: usize) -> usize {
    bytes >> 20
}

/// A paged listing as it is read: the pages' claims checked against each
/// other and against what came, every count bounded.
#[derive(Debug)]
pub struct Pages {
    next: i64,
    pages: Option<i64>,
    total: Option<i64>,
    bytes: usize,
    received: usize,
    logged_whole: usize,
    ids: HashSet<String>,
    items: Vec<LockAccess>,
    incomplete: Option<String>,
}

impl Default for Pages {
    fn default() -> Self {
        Pages::new()
    }
}

/// How a page's count field reads.
fn count(body: &Value, key: &str) -> Result<i64, String> {
    match body.get(key) {
        None | Some(Value::Null) => Err(format!("the answer has no `{key}`")),
        Some(v) => match v.as_i64() {
            Some(n) if n >= 0 => Ok(n),
            _ => Err(format!(
                "`{key}` is {}, not a non-negative whole number",
                crate::secrets::value(v)
            )),
        },
    }
}

impl Pages {
    pub fn new() -> Pages {
        Pages {
            next: 1,
            pages: None,
            total: None,
            bytes: 0,
            received: 0,
            logged_whole: 0,
            ids: HashSet::new(),
            items: Vec::new(),
            incomplete: None,
        }
    }

    /// The page to ask for next.
    pub fn page_no(&self) -> i64 {
        self.next
    }

    fn mark(&mut self, why: String) {
        if self.incomplete.is_none() {
            self.incomplete = Some(why);
        }
    }

    /// Takes one page (`bytes` long), reading each record with `read`
    /// (`None`: the record has no id). `Ok(true)` when another page is to be
    /// read; an error when the lock holds more than lockdesk lists.
    pub fn take(
        &mut self,
        body: &Value,
        bytes: usize,
        read: impl Fn(&Value) -> Option<LockAccess>,
    ) -> Result<bool, ProviderError> {
        let page = self.next;
        self.bytes = self.bytes.saturating_add(bytes);
        if self.bytes > MAX_LIST_BYTES {
            return Err(over_bound(format!(
                "its first {page} pages pass {} MiB; lockdesk lists at most {} MiB",
                mib(self.bytes),
                mib(MAX_LIST_BYTES)
            )));
        }
        let pages = count(body, "pages");
        let total = count(body, "total");
        if let Ok(t) = total {
            if usize::try_from(t).map_or(true, |t| t > MAX_LIST_RECORDS) {
                return Err(over_bound(format!(
                    "it reports {t} codes; lockdesk lists at most {MAX_LIST_RECORDS}"
                )));
            }
        }
        if let Ok(p) = pages {
            if p > MAX_LIST_PAGES {
                return Err(over_bound(format!(
                    "it reports {p} pages of {PAGE_SIZE}; lockdesk lists at most {MAX_LIST_PAGES}"
                )));
            }
        }
        let Some(list) = body.get("list").and_then(Value::as_array) else {
            self.mark(format!("page {page} has no list of codes"));
            return Ok(false);
        };
        self.received = self.received.saturating_add(list.len());
        if self.received > MAX_LIST_RECORDS {
            return Err(over_bound(format!(
                "its first {page} pages hold {} codes; lockdesk lists at most {MAX_LIST_RECORDS}",
                self.received
            )));
        }
        for item in list {
            match read(item) {
                Some(a) if a.id.is_empty() => {
                    self.mark(format!("a code on page {page} has no id"));
                }
                Some(a) => {
                    if self.ids.insert(a.id.clone()) {
                        self.items.push(a);
                    } else {
                        self.mark(format!(
                            "code #{} was listed twice: the lock changed while it was listed",
                            a.id
                        ));
                    }
                }
                None => self.mark(format!("a code on page {page} has no id")),
            }
        }
        if let Some(no) = body.get("pageNo") {
            if no.as_i64() != Some(page) {
                self.mark(format!(
                    "page {page} was asked for and {} came",
                    crate::secrets::value(no)
                ));
                return Ok(false);
            }
        }
        let (pages, total) = match (pages, total) {
            (Ok(p), Ok(t)) => (p, t),
            (Err(why), _) | (_, Err(why)) => {
                // Without both counts there is no telling what was not sent.
                self.mark(why);
                return Ok(false);
            }
        };
        match (self.pages, self.total) {
            (None, None) => {
                self.pages = Some(pages);
                self.total = Some(total);
            }
            (p, t) if p != Some(pages) || t != Some(total) => {
                self.mark(format!(
                    "page {page} reports {pages} pages and {total} codes, page 1 {} and {}: the lock changed while it was listed",
                    p.unwrap_or(0),
                    t.unwrap_or(0)
                ));
                return Ok(false);
            }
            _ => {}
        }
        if page >= pages {
            return Ok(false);
        }
        if list.is_empty() {
            self.mark(format!("page {page} of {pages} came back empty"));
            return Ok(false);
        }
        match page.checked_add(1) {
            Some(n) => {
                self.next = n;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Compacts one page's logged response (already redacted): codes past
    /// the listing's first `LOG_WHOLE_RECORDS` keep only `keep`.
    pub fn compact_logged(&mut self, response: &mut Value, keep: &[&str]) {
        let Some(list) = response.get_mut("list").and_then(Value::as_array_mut) else {
            return;
        };
        let whole = LOG_WHOLE_RECORDS
            .saturating_sub(self.logged_whole)
            .min(list.len());
        self.logged_whole = self.logged_whole.saturating_add(whole);
        let compacted = list.len() - whole;
        if compacted == 0 {
            return;
        }
        for item in list.iter_mut().skip(whole) {
            *item = only(item, keep);
        }
        response["lockdesk_compacted"] = compacted_note(whole, compacted, keep);
    }

    /// The listing: whole, or why not.
    pub fn finish(mut self) -> Listing {
        if let Some(total) = self.total {
            let got = self.items.len();
            if self.incomplete.is_none() && usize::try_from(total).ok() != Some(got) {
                self.mark(format!("the lock reports {total} codes; {got} were listed"));
            }
        }
        Listing {
            items: self.items,
            incomplete: self.incomplete,
        }
    }
}

/// `item` with only the `keep` fields (an item that is not an object is
/// left as it is).
fn only(item: &Value, keep: &[&str]) -> Value {
    match item {
        Value::Object(m) => Value::Object(
            keep.iter()
                .filter_map(|k| m.get(*k).map(|v| ((*k).to_string(), v.clone())))
                .collect::<Map<String, Value>>(),
        ),
        other => other.clone(),
    }
}

fn compacted_note(whole: usize, compacted: usize, keep: &[&str]) -> Value {
    json!({
        "codes_whole": whole,
        "codes_compacted": compacted,
        "fields_kept": keep,
        "why": format!("a long listing is logged compactly: past the first {LOG_WHOLE_RECORDS} codes of a listing, each keeps only {}", keep.join(" and ")),
    })
}

/// Doordeck's users of a lock, one unpaged array: at most
/// `MAX_LIST_RECORDS` read, the rest cut and the list marked incomplete.
/// `logged` (the call's redacted response) is compacted past
/// `LOG_WHOLE_RECORDS` and cut where the list was.
pub fn doordeck_users(
    body: &Value,
    logged: Option<&mut Value>,
    read: impl Fn(&Value) -> Option<LockAccess>,
) -> Result<Listing, ProviderError> {
    let Some(all) = body.as_array() else {
        return Err(ProviderError::Decode(
            "the lock's users answer is not a list".into(),
        ));
    };
    let mut listing = Listing::default();
    let mut ids = HashSet::new();
    for u in all.iter().take(MAX_LIST_RECORDS) {
        match read(u) {
            Some(a) if !a.id.is_empty() => {
                if ids.insert(a.id.clone()) {
                    listing.items.push(a);
                } else if listing.incomplete.is_none() {
                    listing.incomplete = Some(format!("user {} is listed twice", a.id));
                }
            }
            _ => {
                listing
                    .incomplete
                    .get_or_insert_with(|| "a user on the lock has no userId".into());
            }
        }
    }
    if all.len() > MAX_LIST_RECORDS {
        listing.incomplete = Some(format!(
            "the lock lists {} users; lockdesk read the first {MAX_LIST_RECORDS}",
            all.len()
        ));
    }
    if let Some(logged) = logged {
        if let Value::Array(users) = logged {
            if users.len() > LOG_WHOLE_RECORDS {
                let mut users = std::mem::take(users);
                users.truncate(MAX_LIST_RECORDS);
                let compacted = users.len() - LOG_WHOLE_RECORDS;
                for u in users.iter_mut().skip(LOG_WHOLE_RECORDS) {
                    *u = only(u, DOORDECK_LOGGED);
                }
                let mut note = compacted_note(LOG_WHOLE_RECORDS, compacted, DOORDECK_LOGGED);
                note["users_not_read"] = json!(all.len().saturating_sub(MAX_LIST_RECORDS));
                *logged = json!({"lockdesk_compacted": note, "users": users});
            }
        }
    }
    Ok(listing)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(v: &Value) -> Option<LockAccess> {
        Some(LockAccess {
            id: v.get("keyboardPwdId")?.to_string(),
            name: None,
            start: None,
            end: None,
        })
    }

    fn page(no: i64, ids: std::ops::Range<i64>, pages: Value, total: Value) -> Value {
        let list: Vec<Value> = ids.map(|i| json!({"keyboardPwdId": i})).collect();
        json!({"list": list, "pageNo": no, "pageSize": 200, "pages": pages, "total": total})
    }

    #[test]
    fn a_whole_list_is_whole() {
        let mut p = Pages::new();
        assert!(
            p.take(&page(1, 0..200, json!(2), json!(201)), 10, code)
                .unwrap()
        );
        assert_eq!(p.page_no(), 2);
        assert!(
            !p.take(&page(2, 200..201, json!(2), json!(201)), 10, code)
                .unwrap()
        );
        let l = p.finish();
        assert_eq!((l.items.len(), l.incomplete), (201, None));
        // An empty lock may say 0 pages.
        let mut p = Pages::new();
        assert!(
            !p.take(&page(1, 0..0, json!(0), json!(0)), 10, code)
                .unwrap()
        );
        assert!(p.finish().is_complete());
    }

    #[test]
    fn every_shape_of_a_partial_list_is_marked() {
        let cases = [
            (json!(null), json!(1), "no `pages`"),
            (json!(1.5), json!(1), "1.5, not a non-negative whole number"),
            (json!("1"), json!(1), "not a non-negative whole number"),
            (json!(-1), json!(1), "-1, not a non-negative whole number"),
            (json!(1), json!(null), "no `total`"),
            (json!(1), json!(3), "reports 3 codes; 1 were listed"),
            (json!(1), json!(0), "reports 0 codes; 1 were listed"),
        ];
        for (pages, total, why) in cases {
            let mut p = Pages::new();
            let _ = p.take(&page(1, 0..1, pages.clone(), total.clone()), 10, code);
            let l = p.finish();
            let got = l.incomplete.unwrap_or_default();
            assert!(got.contains(why), "{pages} {total}: {got}");
            assert_eq!(l.items.len(), 1, "what came is kept");
        }
        // Cut short, changed between pages, listed twice, the wrong page.
        let mut p = Pages::new();
        assert!(
            p.take(&page(1, 0..200, json!(3), json!(450)), 10, code)
                .unwrap()
        );
        assert!(
            !p.take(&page(2, 0..0, json!(3), json!(450)), 10, code)
                .unwrap()
        );
        assert!(
            p.finish()
                .incomplete
                .unwrap()
                .contains("page 2 of 3 came back empty")
        );
        let mut p = Pages::new();
        assert!(
            p.take(&page(1, 0..200, json!(2), json!(300)), 10, code)
                .unwrap()
        );
        assert!(
            !p.take(&page(2, 200..299, json!(2), json!(299)), 10, code)
                .unwrap()
        );
        assert!(
            p.finish()
                .incomplete
                .unwrap()
                .contains("changed while it was listed")
        );
        let mut p = Pages::new();
        assert!(
            p.take(&page(1, 0..200, json!(2), json!(300)), 10, code)
                .unwrap()
        );
        assert!(
            !p.take(&page(2, 199..299, json!(2), json!(300)), 10, code)
                .unwrap()
        );
        assert!(
            p.finish()
                .incomplete
                .unwrap()
                .contains("#199 was listed twice")
        );
        let mut p = Pages::new();
        assert!(
            p.take(&page(1, 0..200, json!(2), json!(300)), 10, code)
                .unwrap()
        );
        assert!(
            !p.take(&page(1, 200..300, json!(2), json!(300)), 10, code)
                .unwrap()
        );
        assert!(
            p.finish()
                .incomplete
                .unwrap()
                .contains("page 2 was asked for and 1 came")
        );
        let mut p = Pages::new();
        assert!(!p.take(&json!({"pages": 1, "total": 1}), 10, code).unwrap());
        assert!(p.finish().incomplete.unwrap().contains("no list"));
    }

    #[test]
    fn past_the_bounds_is_refused() {
        let over = |body: Value, bytes: usize| {
            let mut p = Pages::new();
            match p.take(&body, bytes, code) {
                Err(ProviderError::OverBound(m)) => m,
                other => panic!("{other:?}"),
            }
        };
        let m = over(page(1, 0..1, json!(1), json!(10_001)), 10);
        assert!(m.contains("10001 codes"), "{m}");
        let m = over(page(1, 0..1, json!(i64::MAX), json!(1)), 10);
        assert!(m.contains("at most 50"), "{m}");
        let m = over(page(1, 0..10_001, json!(1), json!(1)), 10);
        assert!(m.contains("hold 10001 codes"), "{m}");
        let m = over(page(1, 0..1, json!(1), json!(1)), MAX_LIST_BYTES + 1);
        assert!(m.contains("16 MiB"), "{m}");
        assert!(
            ProviderError::OverBound(m)
                .to_string()
                .starts_with("the lock holds more than lockdesk lists")
        );
    }

    #[test]
    fn a_long_listing_logs_ids_and_names_past_the_first_200() {
        let mut p = Pages::new();
        let body = |ids: std::ops::Range<i64>| {
            let list: Vec<Value> = ids
                .map(|i| json!({"keyboardPwdId": i, "keyboardPwdName": "***", "keyboardPwd": "***11", "senderUsername": "x"}))
                .collect();
            json!({"list": list, "pages": 2, "total": 300})
        };
        let mut first = body(0..150);
        p.compact_logged(&mut first, TTLOCK_LOGGED);
        assert!(first.get("lockdesk_compacted").is_none());
        let mut second = body(150..300);
        p.compact_logged(&mut second, TTLOCK_LOGGED);
        assert_eq!(
            second["list"][49]["senderUsername"], "x",
            "the 200th is whole"
        );
        assert_eq!(
            second["list"][50],
            json!({"keyboardPwdId": 200, "keyboardPwdName": "***"})
        );
        assert_eq!(second["lockdesk_compacted"]["codes_compacted"], 100);
        assert_eq!(second["lockdesk_compacted"]["codes_whole"], 50);
    }

    #[test]
    fn a_doordeck_array_past_the_bound_is_cut_and_incomplete() {
        let user = |v: &Value| {
            Some(LockAccess {
                id: v.get("userId")?.as_str()?.to_string(),
                name: None,
                start: None,
                end: None,
            })
        };
        let users: Vec<Value> = (0..MAX_LIST_RECORDS + 5)
            .map(|i| json!({"userId": format!("u{i}"), "email": "***", "publicKey": "k"}))
            .collect();
        let body = Value::Array(users);
        let mut logged = body.clone();
        let l = doordeck_users(&body, Some(&mut logged), user).unwrap();
        assert_eq!(l.items.len(), MAX_LIST_RECORDS);
        assert!(l.incomplete.unwrap().contains("lists 10005 users"));
        assert_eq!(logged["users"].as_array().unwrap().len(), MAX_LIST_RECORDS);
        assert_eq!(logged["lockdesk_compacted"]["users_not_read"], 5);
        assert_eq!(
            logged["users"][200],
            json!({"userId": "u200", "email": "***"})
        );
        let small = json!([{"userId": "a"}, {"userId": "b"}]);
        let mut logged = small.clone();
        let l = doordeck_users(&small, Some(&mut logged), user).unwrap();
        assert!(l.is_complete());
        assert_eq!(logged, small);
        assert!(doordeck_users(&json!({"users": []}), None, user).is_err());
        let l = doordeck_users(&json!([{"userId": "a"}, {"email": "x"}]), None, user).unwrap();
        assert!(l.incomplete.unwrap().contains("no userId"));
    }
}
