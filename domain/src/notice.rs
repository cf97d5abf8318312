//! Safety notices (安全提示): what a station tells its residents, when, and
//! where; their life from draft to cancelled; the seasonal calendar that
//! proposes them; and their form as OASIS CAP 1.2 alerts.
//!
//! Nothing here sends anything: the server stores notices, publishes a
//! scheduled one when its time comes (the leader, as with timers), and
//! hands its CAP document and chat text to the outbound queue.

use chrono::{FixedOffset, SecondsFormat, TimeZone};
use serde::Deserialize;

use crate::coords::Coordinates;
use crate::ids::StationCode;
use crate::named_enum;
use crate::time::{LocalClock, Month};

named_enum! {
    /// Where a notice is in its life.
    pub enum NoticeStatus ("notice status") {
        /// Being written (or proposed by the calendar); not public.
        Draft = "draft",
        /// Reviewed, waiting for its publication time; not public yet.
        Scheduled = "scheduled",
        /// Public, as first sent.
        Published = "published",
        /// Public, changed since it was first sent (each change is sent as a CAP Update).
        Updated = "updated",
        /// Withdrawn (a CAP Cancel if it had been public).
        Cancelled = "cancelled",
    }
}

named_enum! {
    /// What a notice is about: the seeds' calendar of themes.
    pub enum NoticeCategory ("notice category") {
        Traffic = "traffic",
        Fire = "fire",
        Theft = "theft",
        Fraud = "fraud",
        Farming = "farming",
        Flood = "flood",
        Exam = "exam",
        Drowning = "drowning",
        Travel = "travel",
        CarbonMonoxide = "carbon_monoxide",
        Other = "other",
    }
}

impl NoticeCategory {
    /// The CAP 1.2 `<category>` it falls under.
    pub fn cap_category(self) -> &'static str {
        match self {
            NoticeCategory::Traffic | NoticeCategory::Travel => "Transport",
            NoticeCategory::Fire => "Fire",
            NoticeCategory::Theft | NoticeCategory::Fraud => "Security",
            NoticeCategory::Flood => "Met",
            NoticeCategory::CarbonMonoxide => "Health",
            NoticeCategory::Farming | NoticeCategory::Exam | NoticeCategory::Drowning => "Safety",
            NoticeCategory::Other => "Other",
        }
    }

    /// Its name for residents.
    pub fn label_zh(self) -> &'static str {
        match self {
            NoticeCategory::Traffic => "交通安全",
            NoticeCategory::Fire => "防火",
            NoticeCategory::Theft => "防盗",
            NoticeCategory::Fraud => "反诈",
            NoticeCategory::Farming => "春耕护农",
            NoticeCategory::Flood => "防汛",
            NoticeCategory::Exam => "护考",
            NoticeCategory::Drowning => "防溺水",
            NoticeCategory::Travel => "出游",
            NoticeCategory::CarbonMonoxide => "防一氧化碳",
            NoticeCategory::Other => "其他",
        }
    }
}

named_enum! {
    /// CAP 1.2 `<urgency>`.
    pub enum Urgency ("urgency") {
        Immediate = "Immediate",
        Expected = "Expected",
        Future = "Future",
        Past = "Past",
        Unknown = "Unknown",
    }
}

named_enum! {
    /// CAP 1.2 `<severity>`.
    pub enum Severity ("severity") {
        Extreme = "Extreme",
        Severe = "Severe",
        Moderate = "Moderate",
        Minor = "Minor",
        Unknown = "Unknown",
    }
}

named_enum! {
    /// CAP 1.2 `<certainty>`.
    pub enum Certainty ("certainty") {
        Observed = "Observed",
        Likely = "Likely",
        Possible = "Possible",
        Unlikely = "Unlikely",
        Unknown = "Unknown",
    }
}

/// Whom a notice is for.
#[derive(Debug, Clone, PartialEq)]
pub enum NoticeArea {
    /// The whole district.
    District,
    /// These stations' areas.
    Stations(Vec<StationCode>),
    /// A closed ring drawn on the map (first point = last point).
    Polygon(Vec<Coordinates>),
}

/// A notice's text and settings, as written (checked by [`NoticeDraft::check`]).
#[derive(Debug, Clone, PartialEq)]
pub struct NoticeDraft {
    pub title_zh: String,
    pub body_zh: String,
    pub title_en: Option<String>,
    pub body_en: Option<String>,
    pub category: NoticeCategory,
    pub area: NoticeArea,
    /// From when it holds, and until when (ms since the epoch).
    pub effective_ms: i64,
    pub expires_ms: i64,
    pub urgency: Urgency,
    pub severity: Severity,
    pub certainty: Certainty,
}

/// Why a notice cannot be saved as written, or cannot make a move.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoticeError {
    #[error("{0} is empty")]
    Empty(&'static str),
    #[error("{what} is {len} characters long; at most {max}")]
    TooLong { what: &'static str, len: usize, max: usize },
    #[error("an English title and body go together: give both or neither")]
    HalfEnglish,
    #[error("the notice expires before it takes effect")]
    ExpiresFirst,
    #[error("a notice may hold for at most {0} days")]
    TooLongLived(i64),
    #[error("a notice's area names no station")]
    NoStations,
    #[error("a notice's polygon needs at least 3 distinct corners, and at most {0}")]
    BadPolygon(usize),
    #[error("a {from} notice cannot be {action}")]
    Move { from: NoticeStatus, action: &'static str },
    #[error("a notice is scheduled for a time after it expires")]
    PublishAfterExpiry,
}

pub const TITLE_MAX: usize = 120;
pub const BODY_MAX: usize = 4000;
pub const POLYGON_MAX: usize = 500;
/// The longest a notice may hold: a season.
pub const MAX_DAYS: i64 = 186;

impl NoticeDraft {
    /// Checks lengths, times and area; trims the texts.
    pub fn check(mut self) -> Result<NoticeDraft, NoticeError> {
        fn text(s: &mut String, what: &'static str, max: usize) -> Result<(), NoticeError> {
            *s = s.trim().to_owned();
            if s.is_empty() {
                return Err(NoticeError::Empty(what));
            }
            let len = s.chars().count();
            if len > max {
                return Err(NoticeError::TooLong { what, len, max });
            }
            Ok(())
        }
        text(&mut self.title_zh, "the title", TITLE_MAX)?;
        text(&mut self.body_zh, "the text", BODY_MAX)?;
        let blank = |s: &Option<String>| s.as_deref().is_none_or(|s| s.trim().is_empty());
        match (blank(&self.title_en), blank(&self.body_en)) {
            (true, true) => (self.title_en, self.body_en) = (None, None),
            (false, false) => {
                text(self.title_en.as_mut().expect("checked"), "the English title", TITLE_MAX)?;
                text(self.body_en.as_mut().expect("checked"), "the English text", BODY_MAX)?;
            }
            _ => return Err(NoticeError::HalfEnglish),
        }
        if self.expires_ms <= self.effective_ms {
            return Err(NoticeError::ExpiresFirst);
        }
        if self.expires_ms - self.effective_ms > MAX_DAYS * 86_400_000 {
            return Err(NoticeError::TooLongLived(MAX_DAYS));
        }
        match &mut self.area {
            NoticeArea::District => {}
            NoticeArea::Stations(s) => {
                s.sort();
                s.dedup();
                if s.is_empty() {
                    return Err(NoticeError::NoStations);
                }
            }
            NoticeArea::Polygon(ring) => {
                if ring.len() > POLYGON_MAX {
                    return Err(NoticeError::BadPolygon(POLYGON_MAX));
                }
                if ring.first() != ring.last() {
                    let first = ring[0];
                    ring.push(first);
                }
                let mut corners: Vec<(i64, i64)> =
                    ring.iter().map(|c| ((c.lat() * 1e7).round() as i64, (c.lon() * 1e7).round() as i64)).collect();
                corners.sort();
                corners.dedup();
                if corners.len() < 3 {
                    return Err(NoticeError::BadPolygon(POLYGON_MAX));
                }
            }
        }
        Ok(self)
    }
}

/// What a chief (or the clock) does to a notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeAction {
    /// Change a draft or a scheduled notice (stays as it is).
    Edit,
    /// Set a publication time (draft or scheduled).
    Schedule,
    /// Back to draft (scheduled).
    Unschedule,
    /// Its time came (scheduled → published): CAP Alert.
    Publish,
    /// Change a public notice: CAP Update.
    Update,
    /// Withdraw: CAP Cancel if it was public.
    Cancel,
}

impl NoticeAction {
    fn as_str(self) -> &'static str {
        match self {
            NoticeAction::Edit => "edited",
            NoticeAction::Schedule => "scheduled",
            NoticeAction::Unschedule => "unscheduled",
            NoticeAction::Publish => "published",
            NoticeAction::Update => "updated",
            NoticeAction::Cancel => "cancelled",
        }
    }
}

/// The CAP message a move sends (none for moves that stay private).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MsgType {
    Alert,
    Update,
    Cancel,
}

impl MsgType {
    pub fn as_str(self) -> &'static str {
        match self {
            MsgType::Alert => "Alert",
            MsgType::Update => "Update",
            MsgType::Cancel => "Cancel",
        }
    }

    pub fn parse(s: &str) -> Option<MsgType> {
        Some(match s {
            "Alert" => MsgType::Alert,
            "Update" => MsgType::Update,
            "Cancel" => MsgType::Cancel,
            _ => return None,
        })
    }
}

impl NoticeStatus {
    /// Where `action` takes a notice in this status, and the CAP message it
    /// sends; an error names the refused move.
    pub fn after(self, action: NoticeAction) -> Result<(NoticeStatus, Option<MsgType>), NoticeError> {
        use NoticeAction as A;
        use NoticeStatus as S;
        Ok(match (self, action) {
            (S::Draft, A::Edit) => (S::Draft, None),
            (S::Scheduled, A::Edit) => (S::Scheduled, None),
            (S::Draft | S::Scheduled, A::Schedule) => (S::Scheduled, None),
            (S::Scheduled, A::Unschedule) => (S::Draft, None),
            (S::Scheduled, A::Publish) => (S::Published, Some(MsgType::Alert)),
            (S::Published | S::Updated, A::Update) => (S::Updated, Some(MsgType::Update)),
            (S::Draft | S::Scheduled, A::Cancel) => (S::Cancelled, None),
            (S::Published | S::Updated, A::Cancel) => (S::Cancelled, Some(MsgType::Cancel)),
            (from, action) => return Err(NoticeError::Move { from, action: action.as_str() }),
        })
    }

    /// Whether residents may see a notice in this status.
    pub fn is_public(self) -> bool {
        matches!(self, NoticeStatus::Published | NoticeStatus::Updated)
    }
}

/// One CAP message already sent for a notice (what later ones reference).
#[derive(Debug, Clone, PartialEq)]
pub struct SentMessage {
    pub identifier: String,
    pub sent_ms: i64,
}

/// Everything a CAP 1.2 `<alert>` says.
#[derive(Debug, Clone, PartialEq)]
pub struct CapAlert<'a> {
    pub identifier: &'a str,
    /// Who sends it (e.g. `command-room@lingui.example`): with the
    /// identifier, unique for all time.
    pub sender: &'a str,
    pub sent_ms: i64,
    pub msg_type: MsgType,
    /// The messages this one updates or cancels (earliest first).
    pub references: &'a [SentMessage],
    /// The sender's name for residents (`<senderName>`).
    pub sender_name: &'a str,
    pub notice: &'a NoticeDraft,
    /// The area in words (`<areaDesc>`), e.g. the stations' names.
    pub area_desc: &'a str,
    /// The polygon, if the area is one (district and station areas are
    /// described in words and with the stations' outlines when known).
    pub polygons: &'a [Vec<Coordinates>],
    /// A page with more (`<web>`).
    pub web: Option<&'a str>,
    /// Local time's offset: CAP times carry it (never `Z`).
    pub offset: FixedOffset,
}

/// A CAP time: `2026-12-05T10:00:00+08:00` (whole seconds, an explicit
/// offset; CAP 1.2 forbids `Z` and `-00:00`).
pub fn cap_time(ms: i64, offset: FixedOffset) -> String {
    let t = offset.timestamp_millis_opt(ms - ms.rem_euclid(1000)).single().unwrap_or_else(|| {
        // out of chrono's range: the epoch (never for a stored notice)
        offset.timestamp_millis_opt(0).single().expect("the epoch")
    });
    t.to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// `s` with XML's five special characters escaped, and characters XML 1.0
/// cannot carry (controls other than tab and newline) dropped.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' => out.push(c),
            '\r' => out.push_str("&#13;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// CAP's reference to a sent message: `sender,identifier,sent`.
pub fn cap_reference(sender: &str, m: &SentMessage, offset: FixedOffset) -> String {
    format!("{sender},{},{}", m.identifier, cap_time(m.sent_ms, offset))
}

impl CapAlert<'_> {
    /// The CAP 1.2 document (valid against the OASIS schema; the tests
    /// check it with the XSD).
    pub fn to_xml(&self) -> String {
        let e = xml_escape;
        let n = self.notice;
        let mut x = String::with_capacity(2048);
        x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        x.push_str("<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">\n");
        x.push_str(&format!("  <identifier>{}</identifier>\n", e(self.identifier)));
        x.push_str(&format!("  <sender>{}</sender>\n", e(self.sender)));
        x.push_str(&format!("  <sent>{}</sent>\n", cap_time(self.sent_ms, self.offset)));
        x.push_str("  <status>Actual</status>\n");
        x.push_str(&format!("  <msgType>{}</msgType>\n", self.msg_type.as_str()));
        x.push_str("  <scope>Public</scope>\n");
        if !self.references.is_empty() {
            let refs: Vec<String> =
                self.references.iter().map(|m| cap_reference(self.sender, m, self.offset)).collect();
            x.push_str(&format!("  <references>{}</references>\n", e(&refs.join(" "))));
        }
        let mut infos = vec![("zh-CN", n.title_zh.as_str(), n.body_zh.as_str())];
        if let (Some(t), Some(b)) = (&n.title_en, &n.body_en) {
            infos.push(("en-US", t.as_str(), b.as_str()));
        }
        for (language, title, body) in infos {
            x.push_str("  <info>\n");
            x.push_str(&format!("    <language>{language}</language>\n"));
            x.push_str(&format!("    <category>{}</category>\n", n.category.cap_category()));
            x.push_str(&format!("    <event>{}</event>\n", e(title)));
            x.push_str("    <responseType>Prepare</responseType>\n");
            x.push_str(&format!("    <urgency>{}</urgency>\n", n.urgency.as_str()));
            x.push_str(&format!("    <severity>{}</severity>\n", n.severity.as_str()));
            x.push_str(&format!("    <certainty>{}</certainty>\n", n.certainty.as_str()));
            x.push_str(&format!("    <effective>{}</effective>\n", cap_time(n.effective_ms, self.offset)));
            x.push_str(&format!("    <expires>{}</expires>\n", cap_time(n.expires_ms, self.offset)));
            x.push_str(&format!("    <senderName>{}</senderName>\n", e(self.sender_name)));
            x.push_str(&format!("    <headline>{}</headline>\n", e(title)));
            x.push_str(&format!("    <description>{}</description>\n", e(body)));
            if let Some(web) = self.web {
                x.push_str(&format!("    <web>{}</web>\n", e(web)));
            }
            x.push_str("    <area>\n");
            x.push_str(&format!("      <areaDesc>{}</areaDesc>\n", e(self.area_desc)));
            for ring in self.polygons {
                let points: Vec<String> = ring.iter().map(|c| format!("{},{}", c.lat(), c.lon())).collect();
                x.push_str(&format!("      <polygon>{}</polygon>\n", points.join(" ")));
            }
            x.push_str("    </area>\n");
            x.push_str("  </info>\n");
        }
        x.push_str("</alert>\n");
        x
    }
}

/// One theme of the seasonal calendar (`config/notices-calendar.toml`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarTemplate {
    /// Stable name: a month's drafts are made once per station and key.
    pub key: String,
    /// The months (1–12) it is proposed in.
    pub months: Vec<u32>,
    pub category: NoticeCategory,
    pub title_zh: String,
    pub body_zh: String,
    #[serde(default)]
    pub title_en: Option<String>,
    #[serde(default)]
    pub body_en: Option<String>,
    /// Days it holds from the first of the month (default: to the month's end).
    #[serde(default)]
    pub days: Option<u32>,
    #[serde(default = "default_severity")]
    pub severity: Severity,
    #[serde(default = "default_urgency")]
    pub urgency: Urgency,
    #[serde(default = "default_certainty")]
    pub certainty: Certainty,
}

fn default_severity() -> Severity {
    Severity::Minor
}
fn default_urgency() -> Urgency {
    Urgency::Expected
}
fn default_certainty() -> Certainty {
    Certainty::Likely
}

/// The seasonal calendar: which themes each month proposes.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calendar {
    #[serde(rename = "template")]
    pub templates: Vec<CalendarTemplate>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("the notices calendar is not valid TOML: {0}")]
    Toml(String),
    #[error("template {key:?}: month {month} is not 1-12")]
    Month { key: String, month: u32 },
    #[error("template {0:?} appears twice")]
    Duplicate(String),
    #[error("template {key:?}: {error}")]
    Text { key: String, error: NoticeError },
}

impl Calendar {
    /// Reads and checks a calendar (months, keys, texts).
    pub fn parse(text: &str) -> Result<Calendar, CalendarError> {
        let cal: Calendar = toml::from_str(text).map_err(|e| CalendarError::Toml(e.to_string()))?;
        let mut keys: Vec<&str> = vec![];
        for t in &cal.templates {
            if keys.contains(&t.key.as_str()) {
                return Err(CalendarError::Duplicate(t.key.clone()));
            }
            keys.push(&t.key);
            if let Some(&month) = t.months.iter().find(|m| !(1..=12).contains(*m)) {
                return Err(CalendarError::Month { key: t.key.clone(), month });
            }
            // the texts must make a valid notice
            t.draft(Month { year: 2026, month: 1 }, NoticeArea::District, LocalClock::new(0))
                .check()
                .map_err(|error| CalendarError::Text { key: t.key.clone(), error })?;
        }
        Ok(cal)
    }

    /// The templates proposed for `month` (1–12), in calendar order.
    pub fn for_month(&self, month: u32) -> Vec<&CalendarTemplate> {
        self.templates.iter().filter(|t| t.months.contains(&month)).collect()
    }
}

impl CalendarTemplate {
    /// The draft this template proposes for a month: effective from the
    /// first at local midnight, until `days` later or the next month's
    /// first.
    pub fn draft(&self, month: Month, area: NoticeArea, clock: LocalClock) -> NoticeDraft {
        let (start, next) = month.bounds(clock);
        let start = start.timestamp_millis();
        let end = match self.days {
            Some(d) => start + i64::from(d.max(1)) * 86_400_000,
            None => next.timestamp_millis(),
        };
        NoticeDraft {
            title_zh: self.title_zh.clone(),
            body_zh: self.body_zh.clone(),
            title_en: self.title_en.clone(),
            body_en: self.body_en.clone(),
            category: self.category,
            area,
            effective_ms: start,
            expires_ms: end,
            urgency: self.urgency,
            severity: self.severity,
            certainty: self.certainty,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn east8() -> FixedOffset {
        FixedOffset::east_opt(8 * 3600).expect("valid")
    }

    fn draft() -> NoticeDraft {
        NoticeDraft {
            title_zh: " 冬季防火 ".into(),
            body_zh: "请注意用火用电安全 & 一氧化碳 <中毒>".into(),
            title_en: Some("Winter fire safety".into()),
            body_en: Some("Mind stoves & heaters".into()),
            category: NoticeCategory::Fire,
            area: NoticeArea::Stations(vec![
                StationCode::parse("RS").expect("valid"),
                StationCode::parse("JSL").expect("valid"),
            ]),
            effective_ms: 1_796_400_000_000,
            expires_ms: 1_796_400_000_000 + 30 * 86_400_000,
            urgency: Urgency::Expected,
            severity: Severity::Minor,
            certainty: Certainty::Likely,
        }
    }

    #[test]
    fn a_draft_is_checked_and_trimmed() {
        let d = draft().check().expect("valid");
        assert_eq!(d.title_zh, "冬季防火");
        assert_eq!(
            d.area,
            NoticeArea::Stations(vec![
                StationCode::parse("JSL").expect("valid"),
                StationCode::parse("RS").expect("valid")
            ])
        );
        assert_eq!(NoticeDraft { title_zh: "  ".into(), ..draft() }.check(), Err(NoticeError::Empty("the title")));
        assert!(matches!(
            NoticeDraft { body_zh: "x".repeat(BODY_MAX + 1), ..draft() }.check(),
            Err(NoticeError::TooLong { len, .. }) if len == BODY_MAX + 1
        ));
        assert_eq!(NoticeDraft { body_en: None, ..draft() }.check(), Err(NoticeError::HalfEnglish));
        let no_en = NoticeDraft { title_en: Some(" ".into()), body_en: None, ..draft() }.check().expect("valid");
        assert_eq!((no_en.title_en, no_en.body_en), (None, None));
        let d = draft();
        assert_eq!(NoticeDraft { expires_ms: d.effective_ms, ..draft() }.check(), Err(NoticeError::ExpiresFirst));
        assert_eq!(
            NoticeDraft { expires_ms: d.effective_ms + (MAX_DAYS + 1) * 86_400_000, ..draft() }.check(),
            Err(NoticeError::TooLongLived(MAX_DAYS))
        );
        assert_eq!(NoticeDraft { area: NoticeArea::Stations(vec![]), ..draft() }.check(), Err(NoticeError::NoStations));
        let c = |lat, lon| Coordinates::parse(lat, lon).expect("valid");
        // an open ring is closed; two corners are not an area
        let ring =
            NoticeDraft { area: NoticeArea::Polygon(vec![c(25.0, 110.0), c(25.1, 110.0), c(25.1, 110.1)]), ..draft() };
        assert_eq!(
            ring.check().expect("valid").area,
            NoticeArea::Polygon(vec![c(25.0, 110.0), c(25.1, 110.0), c(25.1, 110.1), c(25.0, 110.0)])
        );
        let flat =
            NoticeDraft { area: NoticeArea::Polygon(vec![c(25.0, 110.0), c(25.1, 110.0), c(25.0, 110.0)]), ..draft() };
        assert_eq!(flat.check(), Err(NoticeError::BadPolygon(POLYGON_MAX)));
    }

    #[test]
    fn the_status_machine_sends_cap_messages_only_for_public_moves() {
        use MsgType as M;
        use NoticeAction as A;
        use NoticeStatus as S;
        let table = [
            (S::Draft, A::Edit, Ok((S::Draft, None))),
            (S::Draft, A::Schedule, Ok((S::Scheduled, None))),
            (S::Scheduled, A::Schedule, Ok((S::Scheduled, None))),
            (S::Scheduled, A::Unschedule, Ok((S::Draft, None))),
            (S::Scheduled, A::Publish, Ok((S::Published, Some(M::Alert)))),
            (S::Published, A::Update, Ok((S::Updated, Some(M::Update)))),
            (S::Updated, A::Update, Ok((S::Updated, Some(M::Update)))),
            (S::Updated, A::Cancel, Ok((S::Cancelled, Some(M::Cancel)))),
            (S::Published, A::Cancel, Ok((S::Cancelled, Some(M::Cancel)))),
            (S::Draft, A::Cancel, Ok((S::Cancelled, None))),
            (S::Draft, A::Publish, Err(NoticeError::Move { from: S::Draft, action: "published" })),
            (S::Published, A::Edit, Err(NoticeError::Move { from: S::Published, action: "edited" })),
            (S::Published, A::Schedule, Err(NoticeError::Move { from: S::Published, action: "scheduled" })),
            (S::Cancelled, A::Update, Err(NoticeError::Move { from: S::Cancelled, action: "updated" })),
            (S::Cancelled, A::Cancel, Err(NoticeError::Move { from: S::Cancelled, action: "cancelled" })),
        ];
        for (from, action, want) in table {
            assert_eq!(from.after(action), want, "{from} {action:?}");
        }
        let public: Vec<S> = S::ALL.iter().copied().filter(|s| s.is_public()).collect();
        assert_eq!(public, vec![S::Published, S::Updated]);
    }

    #[test]
    fn cap_times_carry_the_offset_never_z() {
        assert_eq!(cap_time(1_796_400_000_999, east8()), "2026-12-05T00:00:00+08:00");
        let utc = FixedOffset::east_opt(0).expect("valid");
        assert_eq!(cap_time(0, utc), "1970-01-01T00:00:00+00:00");
    }

    /// The document read back with an XML parser of its own: every field
    /// as written, escaped text intact, references in CAP's form.
    #[test]
    fn a_cap_alert_reads_back_as_written() {
        let d = draft().check().expect("valid");
        let refs = [
            SentMessage { identifier: "lingui.notice.7.1".into(), sent_ms: 1_796_400_000_000 },
            SentMessage { identifier: "lingui.notice.7.2".into(), sent_ms: 1_796_403_600_000 },
        ];
        let c = |lat, lon| Coordinates::parse(lat, lon).expect("valid");
        let ring = vec![c(25.0, 110.0), c(25.1, 110.0), c(25.1, 110.1), c(25.0, 110.0)];
        let alert = CapAlert {
            identifier: "lingui.notice.7.3",
            sender: "command-room@lingui.example",
            sent_ms: 1_796_407_200_500,
            msg_type: MsgType::Update,
            references: &refs,
            sender_name: "临桂公安 <金水路警务站>",
            notice: &d,
            area_desc: "金水路 & 榕山",
            polygons: std::slice::from_ref(&ring),
            web: Some("https://lingui.example/notices/7"),
            offset: east8(),
        };
        let xml = alert.to_xml();
        let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
        let ns = "urn:oasis:names:tc:emergency:cap:1.2";
        let root = doc.root_element();
        assert_eq!(root.tag_name().namespace(), Some(ns));
        assert_eq!(root.tag_name().name(), "alert");
        let child = |n: roxmltree::Node<'_, '_>, name: &str| -> String {
            n.children()
                .find(|c| c.tag_name().name() == name && c.tag_name().namespace() == Some(ns))
                .and_then(|c| c.text())
                .unwrap_or_else(|| panic!("no <{name}>"))
                .to_owned()
        };
        assert_eq!(child(root, "identifier"), "lingui.notice.7.3");
        assert_eq!(child(root, "sent"), "2026-12-05T02:00:00+08:00");
        assert_eq!(child(root, "msgType"), "Update");
        assert_eq!(child(root, "status"), "Actual");
        assert_eq!(
            child(root, "references"),
            "command-room@lingui.example,lingui.notice.7.1,2026-12-05T00:00:00+08:00 \
             command-room@lingui.example,lingui.notice.7.2,2026-12-05T01:00:00+08:00"
        );
        let infos: Vec<_> = root.children().filter(|c| c.tag_name().name() == "info").collect();
        assert_eq!(infos.len(), 2);
        assert_eq!(child(infos[0], "language"), "zh-CN");
        assert_eq!(child(infos[0], "headline"), "冬季防火");
        assert_eq!(child(infos[0], "description"), "请注意用火用电安全 & 一氧化碳 <中毒>");
        assert_eq!(child(infos[0], "senderName"), "临桂公安 <金水路警务站>");
        assert_eq!(child(infos[0], "category"), "Fire");
        assert_eq!(child(infos[0], "effective"), "2026-12-05T00:00:00+08:00");
        assert_eq!(child(infos[0], "expires"), "2027-01-04T00:00:00+08:00");
        assert_eq!(child(infos[1], "language"), "en-US");
        assert_eq!(child(infos[1], "description"), "Mind stoves & heaters");
        let area = infos[0].children().find(|c| c.tag_name().name() == "area").expect("an area");
        assert_eq!(child(area, "areaDesc"), "金水路 & 榕山");
        assert_eq!(child(area, "polygon"), "25,110 25.1,110 25.1,110.1 25,110");
        // an Alert has no references; control characters never reach the XML
        let first = CapAlert { msg_type: MsgType::Alert, references: &[], sender_name: "a\u{1}b", ..alert };
        let xml = first.to_xml();
        assert!(!xml.contains("<references>"));
        let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
        assert!(doc.descendants().any(|n| n.tag_name().name() == "senderName" && n.text() == Some("ab")));
    }

    const CALENDAR: &str = r#"
        [[template]]
        key = "spring-festival"
        months = [1]
        category = "fire"
        title_zh = "春节安全大礼包"
        body_zh = "交通、用火、防盗、反诈"

        [[template]]
        key = "exams"
        months = [6, 7]
        category = "exam"
        title_zh = "护考指南"
        body_zh = "考点周边交通管制"
        days = 10
        severity = "Moderate"
    "#;

    #[test]
    fn the_calendar_expands_a_month_into_drafts() {
        let cal = Calendar::parse(CALENDAR).expect("valid");
        assert_eq!(cal.for_month(1).iter().map(|t| t.key.as_str()).collect::<Vec<_>>(), ["spring-festival"]);
        assert_eq!(cal.for_month(7).iter().map(|t| t.key.as_str()).collect::<Vec<_>>(), ["exams"]);
        assert!(cal.for_month(3).is_empty());
        // January 2027 in +08:00: from the first's midnight to February's
        let jan = cal.for_month(1)[0].draft(Month { year: 2027, month: 1 }, NoticeArea::District, LocalClock::new(480));
        assert_eq!(cap_time(jan.effective_ms, east8()), "2027-01-01T00:00:00+08:00");
        assert_eq!(cap_time(jan.expires_ms, east8()), "2027-02-01T00:00:00+08:00");
        assert_eq!((jan.severity, jan.urgency, jan.certainty), (Severity::Minor, Urgency::Expected, Certainty::Likely));
        // ten days from July's first; December runs into the next year
        let july =
            cal.for_month(7)[0].draft(Month { year: 2027, month: 7 }, NoticeArea::District, LocalClock::new(480));
        assert_eq!(cap_time(july.expires_ms, east8()), "2027-07-11T00:00:00+08:00");
        assert_eq!(july.severity, Severity::Moderate);
        let dec =
            cal.for_month(1)[0].draft(Month { year: 2026, month: 12 }, NoticeArea::District, LocalClock::new(480));
        assert_eq!(cap_time(dec.expires_ms, east8()), "2027-01-01T00:00:00+08:00");
        let effective = chrono::DateTime::from_timestamp_millis(dec.effective_ms).expect("a time");
        assert_eq!(Month::of(LocalClock::new(480), effective), Month { year: 2026, month: 12 });
        // what the calendar refuses
        assert!(matches!(
            Calendar::parse(&CALENDAR.replace("[6, 7]", "[6, 13]")),
            Err(CalendarError::Month { month: 13, .. })
        ));
        assert!(matches!(
            Calendar::parse(&CALENDAR.replace("exams", "spring-festival")),
            Err(CalendarError::Duplicate(_))
        ));
        assert!(matches!(Calendar::parse(&CALENDAR.replace("护考指南", "")), Err(CalendarError::Text { .. })));
        assert!(matches!(
            Calendar::parse(&CALENDAR.replace("category = \"exam\"", "category = \"x\"")),
            Err(CalendarError::Toml(_))
        ));
    }

    #[test]
    fn the_shipped_calendar_covers_the_seeds_months() {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../config/notices-calendar.toml"))
            .expect("config/notices-calendar.toml");
        let cal = Calendar::parse(&text).expect("valid");
        // the seeds: Jan, Apr, May, Jun-Jul, Aug-Sep, Oct, Nov-Dec
        for month in [1, 4, 5, 6, 7, 8, 9, 10, 11, 12] {
            assert!(!cal.for_month(month).is_empty(), "month {month}");
        }
        let cats = |m| cal.for_month(m).iter().map(|t| t.category).collect::<Vec<_>>();
        assert!(cats(1).contains(&NoticeCategory::Fraud));
        assert!(cats(5).contains(&NoticeCategory::Flood));
        assert!(cats(8).contains(&NoticeCategory::Drowning));
        assert!(cats(12).contains(&NoticeCategory::CarbonMonoxide));
    }
}
