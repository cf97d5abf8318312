//! Secrets the server hands out: session cookies, device tokens, form
//! tokens. Each is 256 bits from the operating system's random source,
//! written in URL-safe base64; the database keeps only a SHA-256 of a
//! session or a token, so a copy of it opens nothing.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// What device tokens start with, so a leaked one is recognisable (in a
/// repository, a log) and cannot be mistaken for a session cookie.
pub const TOKEN_PREFIX: &str = "crt_";

/// 256 random bits as 43 characters of URL-safe base64.
pub fn random() -> String {
    let mut bytes = [0u8; 32];
    // the OS random source failing is not something to serve through
    getrandom::fill(&mut bytes).expect("the operating system's random source works");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A new device token.
pub fn new_token() -> String {
    format!("{TOKEN_PREFIX}{}", random())
}

/// The stored form of a session id or a token.
pub fn hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// Whether `s` has the shape of a token (cheap check before any lookup).
pub fn looks_like_token(s: &str) -> bool {
    s.len() == TOKEN_PREFIX.len() + 43
        && s.starts_with(TOKEN_PREFIX)
        && s[TOKEN_PREFIX.len()..].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Whether `s` has the shape of a session id or form token.
pub fn looks_like_secret(s: &str) -> bool {
    s.len() == 43 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Compares two secrets in time that does not depend on where they differ.
pub fn same(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_random_and_hashed() {
        let a = random();
        let b = random();
        assert_ne!(a, b);
        assert!(looks_like_secret(&a));
        let t = new_token();
        assert!(looks_like_token(&t), "{t}");
        assert!(!looks_like_token(&a));
        assert!(!looks_like_token("crt_short"));
        assert_ne!(hash(&a), hash(&b));
        assert_eq!(hash(&a), hash(&a.clone()));
        assert!(same(&a, &a.clone()));
        assert!(!same(&a, &b));
        assert!(!same(&a, &a[..42]));
    }
}
