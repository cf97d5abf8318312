//! The rules for people's accounts, after the CJIS Security Policy 5.9.5:
//! a password of at least 8 characters that is not one of the passwords
//! every guesser tries first; 5 failed logins within 15 minutes lock the
//! account (until an admin unlocks it, or a configured time passes); a
//! session ends after 30 minutes without user input and at least every 12
//! hours; an account unused for 90 days is disabled. Devices (kiosks,
//! trackers, bridges) use tokens and none of the session limits.
//!
//! Every function takes `now`; the server keeps the state (failure count,
//! lock time, session times) in the database and asks these rules what it
//! means.

use chrono::{DateTime, Duration, Utc};

/// The numbers, from `[auth]` in the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginPolicy {
    /// Failed logins within `failure_window` that lock the account.
    pub max_failures: u32,
    pub failure_window: Duration,
    /// How long a lock lasts; `None`: until an admin unlocks the account.
    pub lockout: Option<Duration>,
    /// A person's session ends after this long without user input.
    pub idle: Duration,
    /// ... and this long after the login, whatever the input.
    pub absolute: Duration,
    /// An account not used for this long is disabled.
    pub disable_unused: Duration,
    pub min_password_chars: usize,
}

impl Default for LoginPolicy {
    fn default() -> Self {
        LoginPolicy {
            max_failures: 5,
            failure_window: Duration::minutes(15),
            lockout: None,
            idle: Duration::minutes(30),
            absolute: Duration::hours(12),
            disable_unused: Duration::days(90),
            min_password_chars: 8,
        }
    }
}

/// The most a password may have (argon2 hashes any length; a bound keeps a
/// login request from costing more than a login).
pub const MAX_PASSWORD_CHARS: usize = 128;

/// An account's recent failed logins and its lock.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Failures {
    /// Failures since `since`.
    pub count: u32,
    /// The first failure of the current window.
    pub since: Option<DateTime<Utc>>,
    pub locked_at: Option<DateTime<Utc>>,
}

/// A lock in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lock {
    pub since: DateTime<Utc>,
    /// When it opens by itself; `None`: when an admin unlocks it.
    pub until: Option<DateTime<Utc>>,
}

/// Where a person's session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    Active,
    /// No user input for longer than the idle limit.
    Idle,
    /// Older than the absolute limit.
    Expired,
}

impl LoginPolicy {
    /// The lock in force at `now`, if any.
    pub fn lock(&self, f: &Failures, now: DateTime<Utc>) -> Option<Lock> {
        let since = f.locked_at?;
        let until = self.lockout.map(|d| since + d);
        match until {
            Some(u) if now >= u => None,
            _ => Some(Lock { since, until }),
        }
    }

    /// The failures after one more wrong password at `now`: counted within
    /// the window (a failure after the window starts a new one), and the
    /// account locked at the `max_failures`-th. A lock that has run out is
    /// cleared first.
    pub fn after_failure(&self, f: Failures, now: DateTime<Utc>) -> Failures {
        if self.lock(&f, now).is_some() {
            return f;
        }
        let in_window = f.since.is_some_and(|s| now - s < self.failure_window) && f.locked_at.is_none();
        let (count, since) = if in_window { (f.count + 1, f.since) } else { (1, Some(now)) };
        let locked_at = (count >= self.max_failures).then_some(now);
        Failures { count, since, locked_at }
    }

    /// A person's session at `now`, from when it was made and the last user input.
    pub fn session(&self, created: DateTime<Utc>, last_input: DateTime<Utc>, now: DateTime<Utc>) -> SessionState {
        if now - created >= self.absolute {
            SessionState::Expired
        } else if now - last_input >= self.idle {
            SessionState::Idle
        } else {
            SessionState::Active
        }
    }

    /// Whether an account last used (or, never used, created) at `last_used`
    /// is to be disabled at `now`.
    pub fn unused(&self, last_used: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        now - last_used >= self.disable_unused
    }

    /// Checks a new password for the account `name`.
    pub fn check_password(&self, password: &str, name: &str) -> Result<(), PasswordError> {
        let chars = password.chars().count();
        if chars < self.min_password_chars {
            return Err(PasswordError::TooShort { min: self.min_password_chars, got: chars });
        }
        if chars > MAX_PASSWORD_CHARS {
            return Err(PasswordError::TooLong { max: MAX_PASSWORD_CHARS });
        }
        if password.chars().any(char::is_control) {
            return Err(PasswordError::Control);
        }
        let lower = password.to_lowercase();
        if is_common(&lower) {
            return Err(PasswordError::Common);
        }
        let name = name.trim().to_lowercase();
        if !name.is_empty() && lower.contains(&name) {
            return Err(PasswordError::ContainsName);
        }
        let mut distinct: Vec<char> = lower.chars().collect();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() < 3 {
            return Err(PasswordError::Common);
        }
        Ok(())
    }
}

/// Why a new password is refused (the message is shown to the person).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("a password has at least {min} characters (this one has {got})")]
    TooShort { min: usize, got: usize },
    #[error("a password has at most {max} characters")]
    TooLong { max: usize },
    #[error("a password cannot contain control characters")]
    Control,
    #[error("this password is one of the most common ones; choose another")]
    Common,
    #[error("a password cannot contain the account's name")]
    ContainsName,
}

/// The bundled list of passwords refused at any length.
const COMMON: &str = include_str!("../data/common-passwords.txt");

fn is_common(lower: &str) -> bool {
    COMMON.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).any(|l| l == lower)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_780_000_000, 0).expect("valid") + Duration::minutes(minutes)
    }

    #[test]
    fn five_failures_within_fifteen_minutes_lock_until_an_admin_unlocks() {
        let p = LoginPolicy::default();
        let mut f = Failures::default();
        for (i, minute) in [0, 3, 6, 9].into_iter().enumerate() {
            f = p.after_failure(f, at(minute));
            assert_eq!(f.count, i as u32 + 1);
            assert_eq!(p.lock(&f, at(minute)), None, "not locked after {} failures", i + 1);
        }
        f = p.after_failure(f, at(14));
        assert_eq!(p.lock(&f, at(14)), Some(Lock { since: at(14), until: None }));
        // the lock holds, a day later too, and more failures do not move it
        assert!(p.lock(&f, at(60 * 24)).is_some());
        let g = p.after_failure(f, at(20));
        assert_eq!(g, f);
    }

    #[test]
    fn failures_spread_over_more_than_the_window_do_not_lock() {
        let p = LoginPolicy::default();
        let mut f = Failures::default();
        for minute in [0, 5, 10, 14, 15, 16] {
            f = p.after_failure(f, at(minute));
        }
        // the window opened at 0 ended at 15: the failure at 15 started a new one
        assert_eq!(f.count, 2);
        assert_eq!(f.since, Some(at(15)));
        assert_eq!(p.lock(&f, at(16)), None);
    }

    #[test]
    fn a_configured_lockout_opens_by_itself() {
        let p = LoginPolicy { lockout: Some(Duration::minutes(30)), ..LoginPolicy::default() };
        let mut f = Failures::default();
        for minute in 0..5 {
            f = p.after_failure(f, at(minute));
        }
        assert_eq!(p.lock(&f, at(4)), Some(Lock { since: at(4), until: Some(at(34)) }));
        assert!(p.lock(&f, at(33)).is_some());
        assert_eq!(p.lock(&f, at(34)), None);
        // after it opened, a wrong password starts counting again from one
        let g = p.after_failure(f, at(40));
        assert_eq!((g.count, g.locked_at), (1, None));
    }

    #[test]
    fn sessions_end_when_idle_and_after_twelve_hours() {
        let p = LoginPolicy::default();
        assert_eq!(p.session(at(0), at(0), at(29)), SessionState::Active);
        assert_eq!(p.session(at(0), at(0), at(30)), SessionState::Idle);
        assert_eq!(p.session(at(0), at(100), at(129)), SessionState::Active);
        // busy all day, still out after 12 h
        assert_eq!(p.session(at(0), at(12 * 60 - 1), at(12 * 60)), SessionState::Expired);
        assert_eq!(p.session(at(0), at(12 * 60 - 1), at(12 * 60 - 1)), SessionState::Active);
    }

    #[test]
    fn unused_accounts() {
        let p = LoginPolicy::default();
        assert!(!p.unused(at(0), at(89 * 24 * 60)));
        assert!(p.unused(at(0), at(90 * 24 * 60)));
    }

    #[test]
    fn passwords() {
        let p = LoginPolicy::default();
        assert_eq!(p.check_password("short1!", "wang"), Err(PasswordError::TooShort { min: 8, got: 7 }));
        assert_eq!(p.check_password("Password123", "wang"), Err(PasswordError::Common));
        assert_eq!(p.check_password("WOAINI1314", "wang"), Err(PasswordError::Common), "case does not matter");
        assert_eq!(p.check_password("aaaaaaaaaaab", "wang"), Err(PasswordError::Common), "two characters");
        assert_eq!(p.check_password("wang-is-here-9", "Wang"), Err(PasswordError::ContainsName));
        assert_eq!(p.check_password("tab\there-long", "wang"), Err(PasswordError::Control));
        assert_eq!(p.check_password(&"x1y2".repeat(40), "wang"), Err(PasswordError::TooLong { max: 128 }));
        assert_eq!(p.check_password("金水路夜巡二〇二六", "wang"), Ok(()), "characters, not bytes");
        assert_eq!(p.check_password("correct horse battery", "wang"), Ok(()));
        assert!(p.check_password("1234567", "x").is_err());
    }

    #[test]
    fn the_bundled_list_is_clean() {
        let entries: Vec<&str> = COMMON.lines().filter(|l| !l.is_empty() && !l.starts_with('#')).collect();
        assert!(entries.len() > 100, "{} entries", entries.len());
        for e in &entries {
            assert_eq!(e.trim(), *e, "no stray spaces in {e:?}");
            assert_eq!(e.to_lowercase(), *e, "lower case: {e:?}");
        }
    }
}
