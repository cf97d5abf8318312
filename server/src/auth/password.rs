//! Password hashes: argon2id with the `argon2` crate's defaults (19 MiB,
//! 2 passes, 1 lane: OWASP's recommended minimum), each with its own salt,
//! stored in PHC form. Hashing takes tens of milliseconds on purpose, so it
//! runs on the blocking pool, never on a request's task.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("hashing the password failed: {0}")]
    Hash(String),
    #[error("the hashing task failed")]
    Task,
}

pub async fn hash(password: String) -> Result<String, HashError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| HashError::Hash(e.to_string()))
    })
    .await
    .map_err(|_| HashError::Task)?
}

/// Whether `password` matches `stored`. A malformed stored hash matches nothing.
pub async fn verify(password: String, stored: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
    })
    .await
    .unwrap_or(false)
}

/// A hash nobody's password matches, checked against when the name is
/// unknown, so a wrong name takes as long as a wrong password.
pub fn decoy() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(super::secret::random().as_bytes(), &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn a_hash_matches_its_password_only() {
        let h = super::hash("nightly patrol 7".into()).await.expect("hashes");
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(super::verify("nightly patrol 7".into(), h.clone()).await);
        assert!(!super::verify("nightly patrol 8".into(), h.clone()).await);
        assert!(!super::verify("nightly patrol 7".into(), "not a hash".into()).await);
        assert!(!super::verify("x".into(), super::decoy().to_owned()).await);
        // two hashes of one password differ (their salts do)
        assert_ne!(h, super::hash("nightly patrol 7".into()).await.expect("hashes"));
    }
}
