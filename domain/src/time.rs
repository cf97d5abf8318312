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

/// A local calendar month (`2026-12`): the unit of notices' calendar,
/// task lists and volunteers' tallies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i32,
    /// 1-12.
    pub month: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("month must be YYYY-MM between 2000-01 and 2100-12, e.g. 2026-12; got {0:?}")]
pub struct MonthError(pub String);

impl Month {
    pub fn new(year: i32, month: u32) -> Result<Month, MonthError> {
        if (2000..=2100).contains(&year) && (1..=12).contains(&month) {
            Ok(Month { year, month })
        } else {
            Err(MonthError(format!("{year:04}-{month:02}")))
        }
    }

    /// `2026-12`, exactly.
    pub fn parse(s: &str) -> Result<Month, MonthError> {
        let bad = || MonthError(s.chars().take(20).collect());
        let (y, m) = s.split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(bad());
        }
        Month::new(y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?).map_err(|_| bad())
    }

    /// The local month of an instant.
    pub fn of(clock: LocalClock, at: DateTime<Utc>) -> Month {
        let d = clock.date(at);
        Month { year: chrono::Datelike::year(&d), month: chrono::Datelike::month(&d) }
    }

    pub fn next(self) -> Month {
        if self.month == 12 { Month { year: self.year + 1, month: 1 } } else { Month { month: self.month + 1, ..self } }
    }

    pub fn previous(self) -> Month {
        if self.month == 1 { Month { year: self.year - 1, month: 12 } } else { Month { month: self.month - 1, ..self } }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    /// Its first instant (local midnight of the first) and the next month's, on `clock`.
    pub fn bounds(self, clock: LocalClock) -> (DateTime<Utc>, DateTime<Utc>) {
        (clock.day_start(self.first_day()), clock.day_start(self.next().first_day()))
    }

    /// The months a period of days touches, in order.
    pub fn spanning(range: &DateRange) -> Vec<Month> {
        let (mut m, last) = (
            Month { year: chrono::Datelike::year(&range.from), month: chrono::Datelike::month(&range.from) },
            Month { year: chrono::Datelike::year(&range.to), month: chrono::Datelike::month(&range.to) },
        );
        let mut out = vec![];
        while m <= last {
            out.push(m);
            m = m.next();
        }
        out
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_is_parsed_bounded_and_stepped() {
        let clock = LocalClock::new(480);
        let m = Month::parse("2026-12").expect("valid");
        assert_eq!(m.to_string(), "2026-12");
        assert_eq!(m.next().to_string(), "2027-01");
        assert_eq!(Month::parse("2027-01").expect("valid").previous(), m);
        let (a, b) = m.bounds(clock);
        assert_eq!(a, at("2026-11-30T16:00:00Z"));
        assert_eq!(b, at("2026-12-31T16:00:00Z"));
        // the first hours of a local month are in it, though UTC is still in the last
        assert_eq!(Month::of(clock, at("2026-11-30T16:30:00Z")), m);
        assert_eq!(Month::of(clock, at("2026-11-30T15:59:59Z")), m.previous());
        for bad in ["2026-13", "2026-00", "26-12", "2026-1", "1999-12", "x", ""] {
            assert!(Month::parse(bad).is_err(), "{bad}");
        }
        let range = DateRange { from: date("2026-11-20"), to: date("2027-01-02") };
        assert_eq!(
            Month::spanning(&range).iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["2026-11", "2026-12", "2027-01"]
        );
    }

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
