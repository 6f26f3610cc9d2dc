//! A lock's key as integration_logs writes it, `PROVIDER:external_id`
//! (`TTLOCK:28991110`): parsed and printed here and nowhere else.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LockKey {
    /// Upper case, as integration_logs.provider_type has it.
    pub provider: String,
    pub external_id: String,
}

impl LockKey {
    pub fn new(provider: &str, external_id: &str) -> LockKey {
        LockKey {
            provider: provider.to_uppercase(),
            external_id: external_id.to_string(),
        }
    }

    /// `PROVIDER:external_id`, the provider in any case; the external id
    /// keeps its case (Doordeck ids are UUIDs, TTLock ids numbers).
    pub fn parse(s: &str) -> Option<LockKey> {
        let (p, e) = s.trim().split_once(':')?;
        (!p.is_empty()).then(|| LockKey::new(p, e))
    }

    /// A lock a provider client can be asked about (not the broker's own
    /// `ACCESS_BROKER:unknown` steps).
    pub fn is_provider_lock(&self) -> bool {
        matches!(self.provider.as_str(), "TTLOCK" | "DOORDECK") && self.external_id != "unknown"
    }
}

impl fmt::Display for LockKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.provider, self.external_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_keys_parse_and_print_in_one_shape() {
        let k = LockKey::parse("ttlock:28991110").unwrap();
        assert_eq!(k.to_string(), "TTLOCK:28991110");
        assert!(k.is_provider_lock());
        assert!(
            !LockKey::parse("ACCESS_BROKER:unknown")
                .unwrap()
                .is_provider_lock()
        );
        assert_eq!(LockKey::parse("28991110"), None);
        assert_eq!(LockKey::parse(":x"), None);
        let d = LockKey::parse("DOORDECK:3F2504E0-4F89-11D3").unwrap();
        assert_eq!(d.external_id, "3F2504E0-4F89-11D3");
    }
}
