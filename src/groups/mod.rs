//! Error groups and why: fingerprints of troubled jobs, the groups an
//! incident makes, retry storms, and one "why" sentence per troubled job.

pub mod fingerprint;
pub mod incident;
pub mod why;
