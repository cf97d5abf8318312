//! Volunteers and hired security on patrol (群防群治, "1+1+N"): their
//! hours on duty and check-ins in a month, and the points an incentive
//! scheme gives for them (the rule in `[volunteers]`).

use crate::unit::UnitStatus;

/// How long a unit was on duty (any status but off duty or out of service)
/// in `[from_ms, to_ms)`, given its status at `from_ms` and its changes
/// after it `(at, new status)` in time order.
pub fn on_duty_ms(at_start: UnitStatus, changes: &[(i64, UnitStatus)], from_ms: i64, to_ms: i64) -> i64 {
    let on = |s: UnitStatus| !matches!(s, UnitStatus::OffDuty | UnitStatus::OutOfService);
    let mut total = 0;
    let (mut since, mut status) = (from_ms, at_start);
    for &(at, next) in changes.iter().filter(|(at, _)| *at >= from_ms && *at < to_ms) {
        if on(status) {
            total += at - since;
        }
        (since, status) = (at, next);
    }
    if on(status) {
        total += to_ms.max(since) - since;
    }
    total
}

/// Points for a month: so many per check-in and per whole hour on duty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PointRule {
    pub per_check_in: u32,
    pub per_hour: u32,
}

impl Default for PointRule {
    fn default() -> PointRule {
        PointRule { per_check_in: 2, per_hour: 1 }
    }
}

impl PointRule {
    pub fn points(&self, check_ins: u64, duty_ms: i64) -> u64 {
        let hours = (duty_ms.max(0) / 3_600_000) as u64;
        check_ins * u64::from(self.per_check_in) + hours * u64::from(self.per_hour)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use UnitStatus::*;

    const H: i64 = 3_600_000;

    #[test]
    fn hours_on_duty_are_counted_by_hand() {
        // off at the start; on at 1h, dispatched at 2h (still on duty), off at 4h, on at 9h to the end (10h)
        let changes = [(H, Available), (2 * H, Dispatched), (4 * H, OffDuty), (9 * H, Available)];
        assert_eq!(on_duty_ms(OffDuty, &changes, 0, 10 * H), 3 * H + H);
        // on duty from before the month: counted from its start; changes after the end ignored
        assert_eq!(on_duty_ms(Available, &[(12 * H, OffDuty)], 0, 10 * H), 10 * H);
        // out of service is not on duty
        assert_eq!(on_duty_ms(Available, &[(5 * H, OutOfService)], 0, 10 * H), 5 * H);
        assert_eq!(on_duty_ms(OffDuty, &[], 0, 10 * H), 0);
    }

    #[test]
    fn points_follow_the_rule() {
        let rule = PointRule { per_check_in: 2, per_hour: 1 };
        // 5 check-ins, 3 h 59 min: 10 + 3
        assert_eq!(rule.points(5, 4 * H - 60_000), 13);
        assert_eq!(PointRule { per_check_in: 0, per_hour: 3 }.points(9, 2 * H), 6);
        assert_eq!(rule.points(0, -5), 0);
    }
}
