//! The response-time policy ("1-3-5"): targets by zone class and stage, and
//! the timers that measure them, turning amber at 80% and red at 100%.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::named_enum;

named_enum! {
    /// What an alert is: a timer that turned amber or red, or an escalation
    /// (a red arrival timer, with the best unit free named).
    pub enum AlertKind ("alert kind") {
        Timer = "timer",
        Escalation = "escalation",
    }
}

named_enum! {
    /// How fast a zone must be reached: core points in 1 minute, crowded
    /// areas in 3, everywhere else in 5. A point outside every zone has no
    /// class (`None`) and gets the district-wide target.
    pub enum ResponseClass ("response class") {
        Core = "core",
        Crowded = "crowded",
        Other = "other",
    }
}

impl ResponseClass {
    /// Stricter classes win where zones overlap.
    pub fn strictness(self) -> u8 {
        match self {
            ResponseClass::Core => 0,
            ResponseClass::Crowded => 1,
            ResponseClass::Other => 2,
        }
    }
}

named_enum! {
    /// The timers an incident (or chat message) runs.
    pub enum TimerKind ("timer kind") {
        /// received → dispatched
        Dispatch = "dispatch",
        /// received → first unit on scene
        Arrival = "arrival",
        /// resolved → closed
        Closure = "closure",
        /// chat message received → first reply
        ChatReply = "chat_reply",
    }
}

named_enum! {
    /// How a running timer looks on a screen.
    pub enum TimerLevel ("timer level") {
        Green = "green",
        Amber = "amber",
        Red = "red",
    }
}

/// The targets, in seconds. Construct with [`ResponsePolicy::validated`] (or
/// use the default, DESIGN.md's table).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponsePolicy {
    pub arrival_core_s: u32,
    pub arrival_crowded_s: u32,
    pub arrival_other_s: u32,
    /// A point outside every zone (the district-wide promise, e.g. 9 minutes).
    pub arrival_outside_s: u32,
    pub dispatch_s: u32,
    /// Dispatched → first unit en route (the review's turnout allowance).
    pub turnout_s: u32,
    pub chat_reply_s: u32,
    pub closure_s: u32,
    /// Fraction of the target at which a timer turns amber.
    pub amber_fraction: f64,
}

impl Default for ResponsePolicy {
    fn default() -> Self {
        ResponsePolicy {
            arrival_core_s: 60,
            arrival_crowded_s: 180,
            arrival_other_s: 300,
            arrival_outside_s: 540,
            dispatch_s: 30,
            turnout_s: 30,
            chat_reply_s: 60,
            closure_s: 24 * 3600,
            amber_fraction: 0.8,
        }
    }
}

/// The policy as a config file writes it: every key optional (the default
/// fills in), numbers signed so a negative one can be named in the error.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyConfig {
    pub arrival_core_s: Option<i64>,
    pub arrival_crowded_s: Option<i64>,
    pub arrival_other_s: Option<i64>,
    pub arrival_outside_s: Option<i64>,
    pub dispatch_s: Option<i64>,
    pub turnout_s: Option<i64>,
    pub chat_reply_s: Option<i64>,
    pub closure_s: Option<i64>,
    pub amber_fraction: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PolicyError {
    #[error("policy.{key} must be a whole number of seconds between 1 and 604800, got {got}")]
    Target { key: &'static str, got: i64 },
    #[error("policy.amber_fraction must be greater than 0 and less than 1, got {0}")]
    AmberFraction(f64),
}

impl ResponsePolicy {
    /// Fills in defaults and checks every value, naming the key that is wrong.
    pub fn validated(config: &PolicyConfig) -> Result<ResponsePolicy, PolicyError> {
        let d = ResponsePolicy::default();
        let target = |key: &'static str, v: Option<i64>, default: u32| -> Result<u32, PolicyError> {
            match v {
                None => Ok(default),
                Some(n) if (1..=7 * 24 * 3600).contains(&n) => Ok(n as u32),
                Some(n) => Err(PolicyError::Target { key, got: n }),
            }
        };
        let amber_fraction = match config.amber_fraction {
            None => d.amber_fraction,
            Some(f) if f.is_finite() && f > 0.0 && f < 1.0 => f,
            Some(f) => return Err(PolicyError::AmberFraction(f)),
        };
        Ok(ResponsePolicy {
            arrival_core_s: target("arrival_core_s", config.arrival_core_s, d.arrival_core_s)?,
            arrival_crowded_s: target("arrival_crowded_s", config.arrival_crowded_s, d.arrival_crowded_s)?,
            arrival_other_s: target("arrival_other_s", config.arrival_other_s, d.arrival_other_s)?,
            arrival_outside_s: target("arrival_outside_s", config.arrival_outside_s, d.arrival_outside_s)?,
            dispatch_s: target("dispatch_s", config.dispatch_s, d.dispatch_s)?,
            turnout_s: target("turnout_s", config.turnout_s, d.turnout_s)?,
            chat_reply_s: target("chat_reply_s", config.chat_reply_s, d.chat_reply_s)?,
            closure_s: target("closure_s", config.closure_s, d.closure_s)?,
            amber_fraction,
        })
    }

    /// The arrival target for a point with this zone class (`None`: outside
    /// every zone).
    pub fn arrival_target_s(&self, class: Option<ResponseClass>) -> u32 {
        match class {
            Some(ResponseClass::Core) => self.arrival_core_s,
            Some(ResponseClass::Crowded) => self.arrival_crowded_s,
            Some(ResponseClass::Other) => self.arrival_other_s,
            None => self.arrival_outside_s,
        }
    }

    /// The target of a timer kind; arrival needs the zone class.
    pub fn target_s(&self, kind: TimerKind, class: Option<ResponseClass>) -> u32 {
        match kind {
            TimerKind::Dispatch => self.dispatch_s,
            TimerKind::Arrival => self.arrival_target_s(class),
            TimerKind::Closure => self.closure_s,
            TimerKind::ChatReply => self.chat_reply_s,
        }
    }

    /// A timer of `kind` started at `started_at`.
    pub fn timer(&self, kind: TimerKind, class: Option<ResponseClass>, started_at: DateTime<Utc>) -> Timer {
        let target_ms = i64::from(self.target_s(kind, class)) * 1000;
        Timer {
            kind,
            started_at,
            amber_at: started_at + Duration::milliseconds((target_ms as f64 * self.amber_fraction).round() as i64),
            deadline: started_at + Duration::milliseconds(target_ms),
        }
    }
}

/// A running response timer: when it started, when it turns amber, when it is
/// breached. Deadlines are data: store them, and a restart knows where every
/// timer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timer {
    pub kind: TimerKind,
    pub started_at: DateTime<Utc>,
    pub amber_at: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
}

impl Timer {
    /// The level at `now`: amber from `amber_at`, red from `deadline` on.
    pub fn level(&self, now: DateTime<Utc>) -> TimerLevel {
        if now >= self.deadline {
            TimerLevel::Red
        } else if now >= self.amber_at {
            TimerLevel::Amber
        } else {
            TimerLevel::Green
        }
    }

    /// Whether a stop at `at` kept the promise.
    pub fn met_by(&self, at: DateTime<Utc>) -> bool {
        at <= self.deadline
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 3, 0, 0).single().expect("valid date")
    }

    #[test]
    fn default_is_the_design_table() {
        let p = ResponsePolicy::default();
        assert_eq!(p.arrival_target_s(Some(ResponseClass::Core)), 60);
        assert_eq!(p.arrival_target_s(Some(ResponseClass::Crowded)), 180);
        assert_eq!(p.arrival_target_s(Some(ResponseClass::Other)), 300);
        assert_eq!(p.arrival_target_s(None), 540);
        assert_eq!(p.target_s(TimerKind::Dispatch, None), 30);
        assert_eq!(p.target_s(TimerKind::ChatReply, None), 60);
        assert_eq!(p.target_s(TimerKind::Closure, None), 86_400);
    }

    #[test]
    fn timer_turns_amber_at_80_percent_and_red_at_100() {
        let timer = ResponsePolicy::default().timer(TimerKind::Arrival, Some(ResponseClass::Core), t0());
        assert_eq!(timer.level(t0()), TimerLevel::Green);
        assert_eq!(timer.level(t0() + Duration::milliseconds(47_999)), TimerLevel::Green);
        assert_eq!(timer.level(t0() + Duration::seconds(48)), TimerLevel::Amber);
        assert_eq!(timer.level(t0() + Duration::milliseconds(59_999)), TimerLevel::Amber);
        assert_eq!(timer.level(t0() + Duration::seconds(60)), TimerLevel::Red);
        assert!(timer.met_by(t0() + Duration::seconds(60)));
        assert!(!timer.met_by(t0() + Duration::milliseconds(60_001)));
    }

    #[test]
    fn config_errors_name_the_key() {
        let err = ResponsePolicy::validated(&PolicyConfig { dispatch_s: Some(-5), ..Default::default() })
            .expect_err("negative");
        assert_eq!(err.to_string(), "policy.dispatch_s must be a whole number of seconds between 1 and 604800, got -5");
        let err = ResponsePolicy::validated(&PolicyConfig { arrival_core_s: Some(0), ..Default::default() })
            .expect_err("zero");
        assert!(err.to_string().starts_with("policy.arrival_core_s"), "{err}");
        let err = ResponsePolicy::validated(&PolicyConfig { amber_fraction: Some(1.0), ..Default::default() })
            .expect_err("1.0");
        assert!(err.to_string().starts_with("policy.amber_fraction"), "{err}");
        let p =
            ResponsePolicy::validated(&PolicyConfig { arrival_core_s: Some(90), ..Default::default() }).expect("valid");
        assert_eq!(p.arrival_core_s, 90);
        assert_eq!(p.arrival_crowded_s, 180);
    }

    #[test]
    fn overlapping_zones_take_the_strictest_class() {
        let mut classes = ResponseClass::ALL.to_vec();
        classes.sort_by_key(|c| c.strictness());
        assert_eq!(classes[0], ResponseClass::Core);
    }
}
