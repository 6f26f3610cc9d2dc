//! `POST /oauth2/token`: the password grant (MD5 password) and the refresh
//! grant, taking the documented camelCase credentials and the snake_case ones
//! OAuth helpers send.

use chrono::{Duration, Utc};
use serde_json::json;

use super::{Params, err, get};
use crate::sim::{Resp, Shared, state};

pub fn token(s: &Shared, p: &Params) -> Resp {
    let mut st = state(s);
    let client = get(p, "clientId")
        .or_else(|| get(p, "client_id"))
        .unwrap_or("")
        .to_string();
    let secret = get(p, "clientSecret")
        .or_else(|| get(p, "client_secret"))
        .unwrap_or("")
        .to_string();
    let Some(acct) = st
        .tt_accounts
        .iter()
        .find(|a| a.client_id == client)
        .cloned()
    else {
        return err(10000, "invalid client_id");
    };
    if acct.client_secret != secret {
        return err(10001, "invalid client");
    }
    let uid = match get(p, "grant_type") {
        Some("refresh_token") => {
            let r = get(p, "refresh_token").unwrap_or("");
            match st.tt_refresh.remove(r) {
                Some(uid) => uid,
                None => return err(10011, "invalid refresh_token"),
            }
        }
        // The documented password grant sends no grant_type; OAuth helpers
        // send `password`.
        None | Some("password") => {
            let pw = get(p, "password").unwrap_or("");
            if pw.len() != 32
                || !pw
                    .chars()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
            {
                return err(30005, "password must be md5");
            }
            let want: String = md5::Digest::finalize(<md5::Md5 as md5::Digest>::new_with_prefix(
                acct.password.as_bytes(),
            ))
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
            if get(p, "username") != Some(acct.username.as_str()) || pw != want {
                return err(10007, "invalid account");
            }
            acct.uid
        }
        Some(_) => return err(10010, "unsupported grant_type"),
    };
    let access = st.token();
    let refresh = st.token();
    let ttl = st.token_ttl_secs;
    st.tt_tokens
        .insert(access.clone(), (uid, Utc::now() + Duration::seconds(ttl)));
    st.tt_refresh.insert(refresh.clone(), uid);
    Resp::json(
        200,
        &json!({"access_token": access, "uid": uid, "refresh_token": refresh, "expires_in": ttl}),
    )
}
