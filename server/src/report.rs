//! Residents' reports from the public form (`POST /report`) and the API
//! (`POST /api/v1/reports`, JSON or multipart; the web side, which reads
//! the body with its limits, is `crate::web::report_form`): checking every
//! field at the edge (the category, the
//! location, the sizes of the texts, the photo's type by its first bytes and
//! its size), the per-address rate limit, then one engine command that
//! stores the incident, its tracking code and the photo in one transaction.
//! Nothing is acknowledged before that transaction is committed.
//!
//! The form posts without JavaScript: an accepted report is redirected to
//! its tracking page (303); a refused one gets the form again with the
//! problem, in the page's language, and everything typed (the photo has to
//! be chosen again), with the status of the problem (400, 413, 415, 429).
//!
//! Personal data: the contact is stored for dispatchers and never logged.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use app::report::{PHOTO_MAX_BYTES, ReportField, ReportFields, ReportPosted, ReportProblem};
use domain::{Category, Channel, Coordinates, IncidentDraft, NewIncident, Text};
use rand::Rng;

use crate::engine::{EngineError, EngineHandle, NewPhoto};

/// The type of an image, decided from its first bytes (never from the file
/// name or the declared Content-Type): JPEG, PNG or WebP.
pub fn photo_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.len() >= 4 && bytes[..3] == [0xFF, 0xD8, 0xFF] {
        Some("image/jpeg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else if bytes.len() >= 16 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// A report as read from a form or a JSON body, before it is checked.
#[derive(Debug, Default)]
pub struct Submission {
    pub fields: ReportFields,
    pub photo: Option<Vec<u8>>,
    /// A problem found while reading (a photo or a text over its limit);
    /// reported after the rest is read, so the form keeps every field.
    pub problem: Option<ReportProblem>,
    /// The form's token against cross-site posts (the page's form only).
    pub csrf: String,
}

/// A checked photo: its type (from its bytes) and the bytes.
pub type CheckedPhoto = (&'static str, Vec<u8>);

/// A checked report, ready to store.
pub struct CheckedReport {
    pub incident: NewIncident,
    pub photo: Option<CheckedPhoto>,
    /// As posted, for the form when storing it fails (rate limit, busy).
    pub fields: ReportFields,
}

fn text(field: ReportField, raw: &str, max: usize) -> Result<Text, ReportProblem> {
    Text::parse(field.as_str(), raw, max, false).map_err(|e| match e {
        domain::TextError::TooLong { len, max, .. } => ReportProblem::TooLong { field, len, max },
        _ => ReportProblem::Control { field },
    })
}

/// Checks a submission against the intake rules. `places`: the public
/// places a resident can choose by name.
pub fn check(sub: Submission, places: &[app::wire::Place]) -> Result<CheckedReport, Box<ReportPosted>> {
    let Submission { fields, photo, problem, .. } = sub;
    if let Some(problem) = problem {
        return Err(Box::new(ReportPosted { problem, fields }));
    }
    match check_fields(&fields, photo, places) {
        Ok((incident, photo)) => Ok(CheckedReport { incident, photo, fields }),
        Err(problem) => Err(Box::new(ReportPosted { problem, fields })),
    }
}

fn check_fields(
    f: &ReportFields,
    photo: Option<Vec<u8>>,
    places: &[app::wire::Place],
) -> Result<(NewIncident, Option<CheckedPhoto>), ReportProblem> {
    let category: Category = match f.category.trim() {
        "" => return Err(ReportProblem::CategoryMissing),
        c => c.parse().map_err(|_| ReportProblem::CategoryUnknown(c.chars().take(40).collect()))?,
    };
    let number = |field: &str, s: &str| -> Result<f64, ReportProblem> {
        s.trim().parse::<f64>().map_err(|_| ReportProblem::NotANumber {
            field: field.to_owned(),
            got: s.trim().chars().take(30).collect(),
        })
    };
    let mut address = f.address.clone();
    let location = match (f.lat.trim(), f.lon.trim()) {
        ("", "") => {
            let name = f.place.trim();
            if name.is_empty() {
                return Err(ReportProblem::LocationMissing);
            }
            let place = places
                .iter()
                .find(|p| p.name == name || (!p.name_en.is_empty() && p.name_en == name))
                .ok_or_else(|| ReportProblem::UnknownPlace(name.chars().take(40).collect()))?;
            if address.trim().is_empty() {
                address = place.name.clone();
            }
            (place.lat, place.lon)
        }
        ("", _) | (_, "") => return Err(ReportProblem::HalfCoordinates),
        (lat, lon) => (number("lat", lat)?, number("lon", lon)?),
    };
    let at = Coordinates::parse(location.0, location.1).map_err(|e| match e {
        domain::CoordinatesError::Latitude(_) => ReportProblem::Latitude(f.lat.trim().chars().take(30).collect()),
        domain::CoordinatesError::Longitude(_) => ReportProblem::Longitude(f.lon.trim().chars().take(30).collect()),
    })?;
    let description = text(ReportField::Description, &f.description, domain::intake::DESCRIPTION_MAX)?;
    let address = text(ReportField::Address, &address, domain::intake::ADDRESS_MAX)?;
    let contact = text(ReportField::Contact, &f.contact, domain::intake::CONTACT_MAX)?;
    let photo = match photo {
        None => None,
        Some(bytes) if bytes.len() > PHOTO_MAX_BYTES => {
            return Err(ReportProblem::PhotoTooLarge { max_bytes: PHOTO_MAX_BYTES });
        }
        Some(bytes) => Some((photo_type(&bytes).ok_or(ReportProblem::PhotoType)?, bytes)),
    };
    let draft = IncidentDraft {
        channel: Some(Channel::Web.as_str().to_owned()),
        category: Some(category.as_str().to_owned()),
        priority: None,
        lat: Some(at.lat()),
        lon: Some(at.lon()),
        address: Some(address.into_string()),
        description: Some(description.into_string()),
        reporter_contact: Some(contact.into_string()),
        external_id: None,
    };
    // the same rules as every other channel (already met above)
    let incident = draft.parse().map_err(|e| ReportProblem::Malformed(e.to_string()))?;
    Ok((incident, photo))
}

/// Tracking codes avoid look-alike characters (0/O, 1/I/L).
fn tracking_code() -> String {
    let alphabet = app::report::CODE_ALPHABET;
    let mut rng = rand::rng();
    let mut s = String::with_capacity(9);
    for i in 0..8 {
        if i == 4 {
            s.push('-');
        }
        s.push(alphabet[rng.random_range(0..alphabet.len())] as char);
    }
    s
}

/// 128 random bits as 32 hex digits: a photo's only name.
pub(crate) fn photo_id() -> String {
    let mut rng = rand::rng();
    let bytes: [u8; 16] = rng.random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Why a checked report was not stored.
pub enum SubmitError {
    Problem(ReportProblem),
    Engine(EngineError),
}

/// Residents' reports: the per-address allowance, the photo's cleaning, and
/// the engine command that stores a report.
pub struct Reports {
    engine: EngineHandle,
    limiter: crate::limiter::RateLimiter,
    map: Arc<app::wire::MapData>,
}

impl Reports {
    pub fn new(engine: EngineHandle, limiter: crate::limiter::RateLimiter, map: Arc<app::wire::MapData>) -> Reports {
        Reports { engine, limiter, map }
    }

    /// Counts the report against its address's allowance, then stores it (the
    /// incident, its code and its photo in one transaction). Answers the code.
    pub async fn submit(&self, client: IpAddr, report: CheckedReport) -> Result<String, SubmitError> {
        if let Err(wait) = self.limiter.check(client, Instant::now()) {
            let minutes = wait.as_secs().div_ceil(60).max(1);
            return Err(SubmitError::Problem(ReportProblem::RateLimited {
                minutes,
                retry_after_s: wait.as_secs().max(1),
            }));
        }
        // decoded and written again: no EXIF (the phone's position), nothing appended
        let photo = match report.photo {
            None => None,
            Some((_, data)) => match tokio::task::spawn_blocking(move || crate::photo::clean(&data)).await {
                Ok(Ok((content_type, data))) => Some(NewPhoto { id: photo_id(), content_type, data }),
                Ok(Err(e)) => {
                    tracing::info!(error = %e, "a resident's photo could not be read");
                    return Err(SubmitError::Problem(ReportProblem::PhotoType));
                }
                Err(_) => return Err(SubmitError::Problem(ReportProblem::Unavailable)),
            },
        };
        for _ in 0..3 {
            let code = tracking_code();
            match self.engine.create_reported_incident(report.incident.clone(), code.clone(), photo.clone()).await {
                Ok(incident) => {
                    // no contact, no description, no position at info level
                    tracing::info!(incident = %incident.id, photo = photo.is_some(), "resident's report stored");
                    return Ok(code);
                }
                Err(EngineError::Conflict(_)) => continue,
                Err(e) => return Err(SubmitError::Engine(e)),
            }
        }
        tracing::error!("three tracking codes in a row were taken");
        Err(SubmitError::Problem(ReportProblem::Unavailable))
    }

    /// The public places a resident can choose: landmarks only.
    pub fn public_places(&self) -> Vec<app::wire::Place> {
        self.map
            .landmarks
            .iter()
            .filter(|l| l.kind != domain::district::LandmarkKind::Station)
            .map(|l| app::wire::Place {
                name: l.name.clone(),
                name_en: l.name_en.clone(),
                initials: String::new(),
                lat: l.at.lat(),
                lon: l.at.lon(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn photo_types_come_from_the_bytes() {
        assert_eq!(photo_type(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F']), Some("image/jpeg"));
        assert_eq!(photo_type(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some("image/png"));
        assert_eq!(photo_type(b"RIFF\x24\0\0\0WEBPVP8 \x18\0\0\0"), Some("image/webp"));
        assert_eq!(photo_type(b"RIFF\x24\0\0\0WAVEfmt \x10\0\0\0"), None, "a RIFF that is not WebP");
        assert_eq!(photo_type(b"hello, this is a text file named photo.jpg"), None);
        assert_eq!(photo_type(b"GIF89a"), None);
        assert_eq!(photo_type(b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"), None);
        assert_eq!(photo_type(&[0xFF, 0xD8]), None, "too short to be anything");
        assert_eq!(photo_type(&[]), None);
    }

    fn fields(category: &str, lat: &str, lon: &str, place: &str) -> ReportFields {
        ReportFields {
            category: category.into(),
            lat: lat.into(),
            lon: lon.into(),
            place: place.into(),
            ..ReportFields::default()
        }
    }

    fn problem(f: ReportFields, photo: Option<Vec<u8>>) -> Option<ReportProblem> {
        let places = vec![app::wire::Place {
            name: "金山广场".into(),
            name_en: "Jinshan Square".into(),
            initials: String::new(),
            lat: 25.248,
            lon: 110.208,
        }];
        check(Submission { fields: f, photo, problem: None, csrf: String::new() }, &places).err().map(|r| r.problem)
    }

    #[test]
    fn every_field_is_checked_with_a_precise_problem() {
        assert_eq!(problem(fields("", "25.2", "110.2", ""), None), Some(ReportProblem::CategoryMissing));
        assert!(matches!(problem(fields("arson", "25.2", "110.2", ""), None), Some(ReportProblem::CategoryUnknown(_))));
        assert_eq!(problem(fields("noise", "", "", ""), None), Some(ReportProblem::LocationMissing));
        assert_eq!(problem(fields("noise", "25.2", "", ""), None), Some(ReportProblem::HalfCoordinates));
        assert!(matches!(problem(fields("noise", "north", "110.2", ""), None), Some(ReportProblem::NotANumber { .. })));
        assert_eq!(problem(fields("noise", "95", "110.2", ""), None), Some(ReportProblem::Latitude("95".into())));
        assert_eq!(problem(fields("noise", "NaN", "110.2", ""), None).map(|p| p.http_status()), Some(400));
        assert!(matches!(problem(fields("noise", "", "", "火星"), None), Some(ReportProblem::UnknownPlace(_))));
        assert_eq!(problem(fields("noise", "", "", "金山广场"), None), None, "a known place is a location");
        assert_eq!(problem(fields("noise", "", "", "Jinshan Square"), None), None, "by its English name too");
        let mut long = fields("noise", "25.2", "110.2", "");
        long.description = "很".repeat(2001);
        assert_eq!(
            problem(long, None),
            Some(ReportProblem::TooLong { field: ReportField::Description, len: 2001, max: 2000 })
        );
        assert_eq!(
            problem(fields("noise", "25.2", "110.2", ""), Some(b"just text".to_vec())),
            Some(ReportProblem::PhotoType)
        );
        assert_eq!(problem(fields("noise", "25.2", "110.2", ""), Some(b"\x89PNG\r\n\x1a\n....".to_vec())), None);
    }
}
