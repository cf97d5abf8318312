//! How numbers and times read on screen.

use chrono::{DateTime, FixedOffset, Utc};

/// A countdown as `m:ss`, with a minus sign once overdue: `2:05`, `-0:12`.
pub fn countdown(remaining_s: f64) -> String {
    let overdue = remaining_s < 0.0;
    // round towards "more time used": a countdown never shows time it does not have
    let s = if overdue { (-remaining_s).ceil() as i64 } else { remaining_s.floor() as i64 };
    format!("{}{}:{:02}", if overdue { "-" } else { "" }, s / 60, s % 60)
}

/// A duration as `m:ss`, or `—` when there is none.
pub fn duration(s: Option<f64>) -> String {
    match s {
        Some(s) if s.is_finite() && s >= 0.0 => {
            let s = s.round() as i64;
            if s >= 3600 {
                format!("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
            } else {
                format!("{}:{:02}", s / 60, s % 60)
            }
        }
        _ => "—".to_owned(),
    }
}

/// The arrival column: the countdown while units are on their way (with
/// `overdue` appended past the deadline), the response time with a tick once
/// one has arrived.
pub fn arrival(i: &crate::wire::IncidentView, now: DateTime<Utc>, overdue: &str) -> String {
    match i.arrival_timer.stopped_at {
        Some(at) => format!("✓ {}", duration(Some((at - i.received_at).num_milliseconds() as f64 / 1000.0))),
        None => {
            let remaining = i.arrival_timer.remaining_s(now);
            if remaining < 0.0 { format!("{} {overdue}", countdown(remaining)) } else { countdown(remaining) }
        }
    }
}

pub fn distance(m: f64) -> String {
    if m < 1000.0 { format!("{} m", m.round() as i64) } else { format!("{:.1} km", m / 1000.0) }
}

pub fn percent(f: Option<f64>) -> String {
    match f {
        Some(f) if f.is_finite() => format!("{:.0}%", f * 100.0),
        _ => "—".to_owned(),
    }
}

/// Local wall-clock time at the deployment's UTC offset.
pub fn clock(at: DateTime<Utc>, offset_minutes: i32) -> String {
    let tz =
        FixedOffset::east_opt(offset_minutes * 60).unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset"));
    at.with_timezone(&tz).format("%H:%M:%S").to_string()
}

pub fn clock_hm(at: DateTime<Utc>, offset_minutes: i32) -> String {
    let tz =
        FixedOffset::east_opt(offset_minutes * 60).unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset"));
    at.with_timezone(&tz).format("%H:%M").to_string()
}

/// A page title that names something from the address (a callsign): the
/// name when it is plain text, else the title alone. `<title>` is written
/// as it is on the server, so markup in a name could close it.
pub fn title_with(name: &str, title: &str) -> String {
    let plain =
        !name.is_empty() && name.chars().count() <= 40 && !name.chars().any(|c| "<>&\"'".contains(c) || c.is_control());
    if plain { format!("{name} · {title}") } else { title.to_owned() }
}

/// A local date and time, `2026-12-05 14:30`.
pub fn date_hm(at: DateTime<Utc>, offset_minutes: i32) -> String {
    let tz =
        FixedOffset::east_opt(offset_minutes * 60).unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset"));
    at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countdowns_and_durations() {
        assert_eq!(countdown(125.9), "2:05");
        assert_eq!(countdown(0.4), "0:00");
        assert_eq!(countdown(-11.2), "-0:12");
        assert_eq!(duration(Some(59.6)), "1:00");
        assert_eq!(duration(Some(3725.0)), "1:02:05");
        assert_eq!(duration(None), "—");
        assert_eq!(distance(849.6), "850 m");
        assert_eq!(distance(2345.0), "2.3 km");
        assert_eq!(percent(Some(0.851)), "85%");
        let t = DateTime::parse_from_rfc3339("2026-11-22T19:05:07Z").expect("valid").with_timezone(&Utc);
        assert_eq!(clock(t, 480), "03:05:07");
        assert_eq!(title_with("JS-P1", "指挥室"), "JS-P1 · 指挥室");
        assert_eq!(title_with("</title><script>alert(1)</script>", "指挥室"), "指挥室");
        assert_eq!(title_with("a&b", "x"), "x");
    }
}
