//! Residents' reports: what the public pages (`/report`, `/report/{code}`)
//! and the server share. A resident has no account; what comes back to them
//! is a tracking code, and the code shows the stage of their report and
//! nothing else (no units, no callsigns, no names, no other reports).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::i18n::{Lang, Tr, msg};
use crate::wire::{MapData, Place};

/// The largest photo a report may carry.
pub const PHOTO_MAX_BYTES: usize = 5 * 1024 * 1024;

/// Where a report stands, as a resident may know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum ReportStage {
    /// The command room has it; nobody is sent yet.
    Received,
    /// An officer is sent, on the way or there.
    OnTheWay,
    /// Resolved (or closed after that).
    Handled,
    /// Cancelled: closed without being handled (e.g. a duplicate).
    Closed,
}

impl ReportStage {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportStage::Received => "received",
            ReportStage::OnTheWay => "on_the_way",
            ReportStage::Handled => "handled",
            ReportStage::Closed => "closed",
        }
    }

    pub fn from_status(s: domain::IncidentStatus) -> ReportStage {
        use domain::IncidentStatus::*;
        match s {
            New => ReportStage::Received,
            Dispatched | EnRoute | OnScene => ReportStage::OnTheWay,
            Resolved | Closed => ReportStage::Handled,
            Cancelled => ReportStage::Closed,
        }
    }

    pub fn label(self) -> Tr {
        match self {
            ReportStage::Received => msg::REPORT_STAGE_RECEIVED,
            ReportStage::OnTheWay => msg::REPORT_STAGE_ON_THE_WAY,
            ReportStage::Handled => msg::REPORT_STAGE_HANDLED,
            ReportStage::Closed => msg::REPORT_STAGE_CLOSED,
        }
    }

    pub fn explain(self) -> Tr {
        match self {
            ReportStage::Received => msg::REPORT_EXPLAIN_RECEIVED,
            ReportStage::OnTheWay => msg::REPORT_EXPLAIN_ON_THE_WAY,
            ReportStage::Handled => msg::REPORT_EXPLAIN_HANDLED,
            ReportStage::Closed => msg::REPORT_EXPLAIN_CLOSED,
        }
    }
}

/// What a tracking code reveals: the stage and when the report was received.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportTrack {
    pub code: String,
    pub stage: ReportStage,
    pub received_at: DateTime<Utc>,
    /// The deployment's local time, for showing when it was received.
    pub utc_offset_minutes: i32,
    /// The station whose area the report is in: the page links its safety
    /// notices (`/notices?station=`).
    #[serde(default)]
    pub station: Option<String>,
}

/// A tracking code: 8 characters from an alphabet without look-alikes
/// (0/O, 1/I/L), as `ABCD-2345`; lower case is accepted.
pub const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// The code in its canonical form, or `None` when it is not one.
pub fn parse_code(raw: &str) -> Option<String> {
    let code = raw.trim().to_ascii_uppercase();
    let valid = code.len() == 9
        && code.bytes().enumerate().all(|(i, b)| if i == 4 { b == b'-' } else { CODE_ALPHABET.contains(&b) });
    valid.then_some(code)
}

/// The report form's fields as posted (text), kept when the form comes back
/// with a problem so nothing typed is lost. The photo cannot be kept.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportFields {
    pub category: String,
    pub description: String,
    pub lat: String,
    pub lon: String,
    pub place: String,
    pub address: String,
    pub contact: String,
    /// A photo was attached (it has to be chosen again).
    pub had_photo: bool,
}

/// The field a problem is about, for marking it on the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportField {
    Category,
    Location,
    Description,
    Address,
    Contact,
    Photo,
}

impl ReportField {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportField::Category => "category",
            ReportField::Location => "location",
            ReportField::Description => "description",
            ReportField::Address => "address",
            ReportField::Contact => "contact",
            ReportField::Photo => "photo",
        }
    }

    pub fn label(self) -> Tr {
        match self {
            ReportField::Category => msg::REPORT_FIELD_CATEGORY,
            ReportField::Location => msg::REPORT_FIELD_LOCATION,
            ReportField::Description => msg::REPORT_FIELD_DESCRIPTION,
            ReportField::Address => msg::REPORT_FIELD_ADDRESS,
            ReportField::Contact => msg::REPORT_FIELD_CONTACT,
            ReportField::Photo => msg::REPORT_FIELD_PHOTO,
        }
    }
}

/// Why a report was not accepted. Each knows its HTTP status and says in
/// both languages exactly what to change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum ReportProblem {
    #[error("choose a category")]
    CategoryMissing,
    #[error("unknown category {0:?}")]
    CategoryUnknown(String),
    #[error("give a location: use the phone's position, tap the map, type coordinates or choose a place")]
    LocationMissing,
    #[error("{field} must be a number, got {got:?}")]
    NotANumber { field: String, got: String },
    #[error("give both latitude and longitude")]
    HalfCoordinates,
    /// (as typed: it may be `NaN` or `inf`, which JSON cannot carry as a number)
    #[error("latitude must be between -90 and 90, got {0}")]
    Latitude(String),
    #[error("longitude must be between -180 and 180, got {0}")]
    Longitude(String),
    #[error("unknown place {0:?}")]
    UnknownPlace(String),
    #[error("{} is too long: {len} characters, at most {max}", .field.as_str())]
    TooLong { field: ReportField, len: usize, max: usize },
    #[error("{} contains a control character", .field.as_str())]
    Control { field: ReportField },
    #[error("the photo must be a JPEG, PNG or WebP image (the file's content was checked, not its name)")]
    PhotoType,
    #[error("the photo is too large: at most {} MB", .max_bytes / (1024 * 1024))]
    PhotoTooLarge { max_bytes: usize },
    #[error("the report is too large: at most {} MB in all", .max_bytes / (1024 * 1024))]
    TooLarge { max_bytes: usize },
    #[error("the form could not be read: {0}")]
    Malformed(String),
    #[error("too many reports from this address; please try again in {minutes} min, or call 110 in an emergency")]
    RateLimited { minutes: u64, retry_after_s: u64 },
    #[error("the server is busy; your report was not stored, please send it again")]
    Unavailable,
}

impl ReportProblem {
    pub fn http_status(&self) -> u16 {
        match self {
            ReportProblem::PhotoType => 415,
            ReportProblem::PhotoTooLarge { .. } | ReportProblem::TooLarge { .. } => 413,
            ReportProblem::RateLimited { .. } => 429,
            ReportProblem::Unavailable => 503,
            _ => 400,
        }
    }

    /// The API's error code.
    pub fn code(&self) -> &'static str {
        match self {
            ReportProblem::PhotoType => "unsupported_photo",
            ReportProblem::PhotoTooLarge { .. } | ReportProblem::TooLarge { .. } => "too_large",
            ReportProblem::RateLimited { .. } => "rate_limited",
            ReportProblem::Unavailable => "unavailable",
            _ => "invalid",
        }
    }

    pub fn field(&self) -> Option<ReportField> {
        use ReportProblem::*;
        match self {
            CategoryMissing | CategoryUnknown(_) => Some(ReportField::Category),
            LocationMissing | NotANumber { .. } | HalfCoordinates | Latitude(_) | Longitude(_) | UnknownPlace(_) => {
                Some(ReportField::Location)
            }
            TooLong { field, .. } | Control { field } => Some(*field),
            PhotoType | PhotoTooLarge { .. } => Some(ReportField::Photo),
            TooLarge { .. } | Malformed(_) | RateLimited { .. } | Unavailable => None,
        }
    }

    /// What the form says, in the page's language (the API answers in English).
    pub fn message(&self, lang: Lang) -> String {
        use ReportProblem::*;
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            CategoryMissing => "请选择类别".to_owned(),
            CategoryUnknown(c) => format!("未知的类别 {c:?}"),
            LocationMissing => "请提供位置：使用手机定位、点击地图、填写经纬度或选择地点".to_owned(),
            NotANumber { field, got } => {
                let f = if field == "lat" { "纬度" } else { "经度" };
                format!("{f}必须是数字，收到 {got:?}")
            }
            HalfCoordinates => "请同时填写纬度和经度".to_owned(),
            Latitude(v) => format!("纬度必须在 -90 到 90 之间，收到 {v}"),
            Longitude(v) => format!("经度必须在 -180 到 180 之间，收到 {v}"),
            UnknownPlace(p) => format!("没有这个地点：{p:?}"),
            TooLong { field, len, max } => format!("{}太长：{len} 个字，最多 {max} 个", field.label().0),
            Control { field } => format!("{}含有不能识别的控制字符", field.label().0),
            PhotoType => "照片必须是 JPEG、PNG 或 WebP 图片（按文件内容检查，而不是文件名）".to_owned(),
            PhotoTooLarge { max_bytes } => format!("照片太大：最大 {} MB", max_bytes / (1024 * 1024)),
            TooLarge { max_bytes } => format!("提交的内容太大：总共最多 {} MB", max_bytes / (1024 * 1024)),
            Malformed(_) => "表单无法读取，请重新提交".to_owned(),
            RateLimited { minutes, .. } => {
                format!("此网络提交的报告太多，请 {minutes} 分钟后再试；紧急情况请直接拨打110")
            }
            Unavailable => "服务器繁忙，报告未保存，请重新提交".to_owned(),
        }
    }
}

/// What the report form shows: the public part of the map (stations,
/// zones, roads and landmarks; never units, incidents or patrol points),
/// the places a resident can choose, and, when a post came back with a
/// problem, the problem and what was typed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportFormPage {
    pub map: MapData,
    pub places: Vec<Place>,
    pub posted: Option<ReportPosted>,
    pub server_time: DateTime<Utc>,
}

/// A post of the form that was refused, rendered back on the same form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportPosted {
    pub problem: ReportProblem,
    pub fields: ReportFields,
}

/// A photo of an incident, as the dispatcher's detail lists it. Served at
/// `/dispatch/photo/{id}` (never from a public page).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PhotoRef {
    pub id: String,
    pub content_type: String,
    pub bytes: i64,
}

impl PhotoRef {
    pub fn url(&self) -> String {
        format!("/dispatch/photo/{}", self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_checked_and_made_canonical() {
        assert_eq!(parse_code(" abcd-2345 ").as_deref(), Some("ABCD-2345"));
        assert_eq!(parse_code("ABCD2345"), None);
        assert_eq!(parse_code("ABC0-2345"), None, "0 is not in the alphabet");
        assert_eq!(parse_code("<scri-pt>"), None);
        assert_eq!(parse_code(""), None);
    }

    #[test]
    fn every_problem_has_a_status_and_both_languages() {
        let all = [
            ReportProblem::CategoryMissing,
            ReportProblem::LocationMissing,
            ReportProblem::PhotoType,
            ReportProblem::PhotoTooLarge { max_bytes: PHOTO_MAX_BYTES },
            ReportProblem::RateLimited { minutes: 3, retry_after_s: 170 },
        ];
        for p in all {
            assert!((400..600).contains(&p.http_status()));
            assert_ne!(p.message(Lang::Zh), p.message(Lang::En));
        }
        assert_eq!(
            ReportProblem::PhotoTooLarge { max_bytes: PHOTO_MAX_BYTES }.to_string(),
            "the photo is too large: at most 5 MB"
        );
    }
}
