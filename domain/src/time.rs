//! Local time, as the command room reads its wall clock (a fixed offset from
//! UTC: China keeps no summer time), and the date ranges every review,
//! compliance and desk report is asked for. One parser for all of them, so a
//! period means the same thing on every page.

use chrono::{DateTime, Days, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// The district's wall clock: UTC plus a fixed number of minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalClock {
    offset_minutes: i32,
}

impl LocalClock {
    /// UTC+`offset_minutes`; offsets beyond ±14 h (none exists) are clamped.
    pub fn new(offset_minutes: i32) -> LocalClock {
        LocalClock { offset_minutes: offset_minutes.clamp(-14 * 60, 14 * 60) }
    }

    pub fn offset_minutes(self) -> i32 {
        self.offset_minutes
    }

    fn offset(self) -> FixedOffset {
        FixedOffset::east_opt(self.offset_minutes * 60).unwrap_or_else(|| FixedOffset::east_opt(0).expect("UTC"))
    }

    /// The wall-clock time of an instant.
    pub fn local(self, at: DateTime<Utc>) -> NaiveDateTime {
        at.with_timezone(&self.offset()).naive_local()
    }

    /// The local date of an instant.
    pub fn date(self, at: DateTime<Utc>) -> NaiveDate {
        self.local(at).date()
    }

    /// The local time of day of an instant.
    pub fn time_of_day(self, at: DateTime<Utc>) -> NaiveTime {
        self.local(at).time()
    }

    /// "14:03:05", as a steward reads it.
    pub fn hms(self, at: DateTime<Utc>) -> String {
        self.local(at).format("%H:%M:%S").to_string()
    }

    /// When a local date begins (local midnight), in UTC.
    pub fn day_start(self, date: NaiveDate) -> DateTime<Utc> {
        self.offset()
            .from_local_datetime(&date.and_time(NaiveTime::MIN))
            .single()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| {
                date.and_time(NaiveTime::MIN).and_utc() - Duration::minutes(i64::from(self.offset_minutes))
            })
    }

    /// The start of the local day containing `at`.
    pub fn start_of_day(self, at: DateTime<Utc>) -> DateTime<Utc> {
        self.day_start(self.date(at))
    }
}

/// A period of whole local days, `from` to `to` inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateRangeError {
    #[error("{field} must be a date like 2026-11-01, got {got:?}")]
    NotADate { field: &'static str, got: String },
    #[error("to ({to}) is before from ({from})")]
    Reversed { from: NaiveDate, to: NaiveDate },
    #[error("a period covers at most {max} days, got {days}")]
    TooLong { max: i64, days: i64 },
}

impl DateRange {
    /// The longest period asked for at once: three years, for year-on-year
    /// comparisons of whole years.
    pub const MAX_DAYS: i64 = 3 * 366;
    /// The period when none is named: the last 30 whole days (today is not
    /// over, and half a day next to whole ones would make every comparison
    /// look like a fall).
    pub const DEFAULT_DAYS: u64 = 30;

    /// Dates like `2026-11-01` (blank means left out). Left out, `to` is
    /// yesterday and `from` is [`Self::DEFAULT_DAYS`] days ending at `to`.
    pub fn parse(from: Option<&str>, to: Option<&str>, today: NaiveDate) -> Result<DateRange, DateRangeError> {
        let day = |field: &'static str, s: &str| {
            NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .map_err(|_| DateRangeError::NotADate { field, got: s.trim().chars().take(40).collect() })
        };
        let to = match to.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => day("to", s)?,
            None => today - Days::new(1),
        };
        let from = match from.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => day("from", s)?,
            None => to - Days::new(Self::DEFAULT_DAYS - 1),
        };
        if to < from {
            return Err(DateRangeError::Reversed { from, to });
        }
        let range = DateRange { from, to };
        if range.days() > Self::MAX_DAYS {
            return Err(DateRangeError::TooLong { max: Self::MAX_DAYS, days: range.days() });
        }
        Ok(range)
    }

    /// How many days the period has.
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// Its first instant and the instant after it, on `clock`.
    pub fn bounds(&self, clock: LocalClock) -> (DateTime<Utc>, DateTime<Utc>) {
        (clock.day_start(self.from), clock.day_start(self.to + Days::new(1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).expect("valid").with_timezone(&Utc)
    }

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn the_day_starts_at_local_midnight() {
        let china = LocalClock::new(480);
        // 17:30 UTC is 01:30 on the 23rd in China
        let now = at("2026-11-22T17:30:00Z");
        assert_eq!(china.date(now), date("2026-11-23"));
        assert_eq!(china.start_of_day(now).to_rfc3339(), "2026-11-22T16:00:00+00:00");
        assert_eq!(LocalClock::new(0).start_of_day(now).to_rfc3339(), "2026-11-22T00:00:00+00:00");
        assert_eq!(china.hms(now), "01:30:00");
        assert_eq!(LocalClock::new(100_000).offset_minutes(), 14 * 60, "clamped");
    }

    #[test]
    fn a_period_left_out_is_the_last_thirty_whole_days() {
        let r = DateRange::parse(None, Some(" "), date("2026-12-05")).expect("default");
        assert_eq!((r.from, r.to, r.days()), (date("2026-11-05"), date("2026-12-04"), 30));
        let r = DateRange::parse(Some("2026-11-01"), None, date("2026-12-05")).expect("from alone");
        assert_eq!((r.from, r.to), (date("2026-11-01"), date("2026-12-04")));
        let r = DateRange::parse(None, Some("2026-03-31"), date("2026-12-05")).expect("to alone");
        assert_eq!((r.from, r.to), (date("2026-03-02"), date("2026-03-31")));
    }

    #[test]
    fn bad_periods_say_what_is_wrong() {
        let today = date("2026-12-05");
        let e = DateRange::parse(Some("2026-13-01"), Some("2026-12-01"), today).expect_err("no 13th month");
        assert_eq!(e.to_string(), "from must be a date like 2026-11-01, got \"2026-13-01\"");
        let e = DateRange::parse(Some("2026-12-02"), Some("2026-12-01"), today).expect_err("reversed");
        assert_eq!(e.to_string(), "to (2026-12-01) is before from (2026-12-02)");
        let e = DateRange::parse(Some("2020-01-01"), Some("2026-12-01"), today).expect_err("too long");
        assert!(e.to_string().starts_with("a period covers at most 1098 days"), "{e}");
        assert!(DateRange::parse(Some("2024-01-01"), Some("2026-12-31"), today).is_ok(), "three years fit");
    }

    #[test]
    fn a_period_is_bounded_by_local_midnights() {
        let r = DateRange::parse(Some("2026-11-01"), Some("2026-11-01"), date("2026-12-05")).expect("one day");
        let (start, end) = r.bounds(LocalClock::new(480));
        assert_eq!(start.to_rfc3339(), "2026-10-31T16:00:00+00:00");
        assert_eq!(end - start, Duration::hours(24));
    }
}
