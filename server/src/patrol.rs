//! Check-ins at must-patrol points: the rules are `domain::patrol`; this
//! gathers what they need (the point, the unit's latest position, the local
//! time) and stores an accepted check-in before answering.

use app::wire::{CheckInView, PointDue};
use chrono::{DateTime, Duration, Utc};
use domain::patrol::{CheckInUnit, Refusal, check_in as decide, is_due};
use domain::time::{DateRange, LocalClock};
use domain::{Coordinates, PointCode, StationCode, UnitId};

use std::sync::Arc;

use app::wire::MapData;

use crate::engine::EngineHandle;
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum CheckInError {
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Engine(#[from] crate::engine::EngineError),
    /// A station chief's edit that is not valid.
    #[error(transparent)]
    Edit(#[from] domain::patrol::PointEditError),
}

/// Proof of patrol: check-ins, tonight's points, compliance, QR sheets and
/// a chief's edits, with the handles they need.
#[derive(Clone)]
pub struct Patrol {
    store: Store,
    engine: EngineHandle,
    map: Arc<MapData>,
}

impl Patrol {
    pub fn new(store: Store, engine: EngineHandle, map: Arc<MapData>) -> Patrol {
        Patrol { store, engine, map }
    }

    /// The must-patrol point with this code, as it is now.
    pub fn find_point(&self, code: &PointCode) -> Result<domain::district::PatrolPoint, CheckInError> {
        self.engine
            .patrol_points()
            .iter()
            .find(|p| &p.code == code)
            .cloned()
            .ok_or_else(|| CheckInError::NotFound(format!("no must-patrol point has the code {:?}", code.as_str())))
    }

    fn local_time(&self, now: DateTime<Utc>) -> chrono::NaiveTime {
        LocalClock::new(self.map.utc_offset_minutes).time_of_day(now)
    }

    /// Checks `unit` in at `point`; `submitted` is the phone's own position.
    pub async fn check_in(
        &self,
        unit: UnitId,
        point: &PointCode,
        submitted: Option<Coordinates>,
        qr_token: Option<&str>,
    ) -> Result<CheckInView, CheckInError> {
        let p = self.find_point(point)?;
        let u = self.engine.unit(unit).ok_or_else(|| CheckInError::NotFound(format!("unit {unit} not found")))?;
        let latest = match (u.lat, u.lon, u.seen_at) {
            (Some(lat), Some(lon), Some(at)) => Coordinates::parse(lat, lon).ok().map(|c| (c, at)),
            _ => None,
        };
        let who = CheckInUnit { callsign: u.callsign.clone(), station: u.station.clone(), status: u.status, latest };
        let now = Utc::now();
        let qr = match qr_token.map(str::trim).filter(|t| !t.is_empty()) {
            None => None,
            Some(t) => {
                Some(self.store.point_token(p.code.as_str()).await?.is_some_and(|k| crate::auth::secret::same(&k, t)))
            }
        };
        let ok = decide(&p, &who, submitted, qr, now, self.local_time(now))?;
        let position = latest.map(|(c, _)| (c.lat(), c.lon()));
        let (code, method, distance) = (p.code.to_string(), ok.method, ok.distance_m);
        let id = self
            .engine
            .check_in(crate::engine::CheckIn {
                point: code,
                unit_id: unit.0,
                at: now,
                position,
                distance_m: distance,
                method,
            })
            .await?;
        tracing::info!(point = %p.code, unit = %u.callsign, method = method.as_str(), "check-in accepted");
        Ok(CheckInView {
            id,
            point: p.code.to_string(),
            unit_id: unit.0,
            callsign: u.callsign,
            at: now,
            distance_m: ok.distance_m.map(|d| (d * 10.0).round() / 10.0),
            method: ok.method,
        })
    }

    /// A station's points as a phone shows them: due ones first, each with the
    /// latest check-in of the last 24 hours.
    pub async fn points_due(&self, station: &StationCode) -> Result<Vec<PointDue>, StoreError> {
        let now = Utc::now();
        let local = self.local_time(now);
        // times only, ascending: the last one per point is its latest
        let recent = self.store.check_in_times(now - Duration::hours(24), now + Duration::minutes(1)).await?;
        let mut points: Vec<PointDue> = self
            .engine
            .patrol_points()
            .iter()
            .filter(|p| &p.station == station)
            .map(|p| PointDue {
                code: p.code.to_string(),
                name: p.name.clone(),
                lat: p.at.lat(),
                lon: p.at.lon(),
                radius_m: p.radius_m,
                windows: domain::patrol::windows_text(p),
                due: is_due(p, local),
                last_check_in: recent.get(p.code.as_str()).and_then(|t| t.last().copied()),
            })
            .collect();
        points.sort_by(|a, b| b.due.cmp(&a.due).then_with(|| a.code.cmp(&b.code)));
        Ok(points)
    }

    /// Every point's state now: due, visited, missed or idle (tonight's map).
    pub async fn states(&self) -> Result<Vec<app::wire::PointStateView>, StoreError> {
        let now = Utc::now();
        let offset = self.map.utc_offset_minutes;
        let times = self.store.check_in_times(now - Duration::hours(60), now + Duration::minutes(1)).await?;
        let since = self.store.points_watched_since().await?;
        Ok(self
            .engine
            .patrol_points()
            .iter()
            .map(|p| {
                let visits = times.get(p.code.as_str()).map(Vec::as_slice).unwrap_or(&[]);
                crate::engine::patrol::view(p, visits, since.get(p.code.as_str()).copied(), now, offset)
            })
            .collect())
    }

    /// Checks a compliance query: a period (see `DateRange::parse`) and a
    /// station that exists.
    pub fn parse_report_query(
        &self,
        from: Option<&str>,
        to: Option<&str>,
        station: Option<&str>,
    ) -> Result<(chrono::NaiveDate, chrono::NaiveDate, Option<StationCode>), String> {
        let today = LocalClock::new(self.map.utc_offset_minutes).date(Utc::now());
        let DateRange { from, to } = DateRange::parse(from, to, today).map_err(|e| e.to_string())?;
        let station = match station.filter(|s| !s.trim().is_empty()) {
            None => None,
            Some(s) => {
                let code = StationCode::parse(s).map_err(|e| e.to_string())?;
                if !self.map.stations.iter().any(|x| x.code == code) {
                    return Err(format!("no station has the code {code}"));
                }
                Some(code)
            }
        };
        Ok((from, to, station))
    }

    /// Patrol compliance from `first` to `last` (local dates), by point and by
    /// station, counting openings that have ended.
    pub async fn report(
        &self,
        first: chrono::NaiveDate,
        last: chrono::NaiveDate,
        station: Option<&StationCode>,
    ) -> Result<PatrolReport, StoreError> {
        let now = Utc::now();
        let offset = self.map.utc_offset_minutes;
        let since = first.and_time(chrono::NaiveTime::MIN).and_utc() - Duration::days(1);
        let until = last.and_time(chrono::NaiveTime::MIN).and_utc() + Duration::days(3);
        let times = self.store.check_in_times(since, until).await?;
        let volunteer_times = self.store.check_in_times_of(since, until, Some(&["volunteer", "security"])).await?;
        let mut by_station: std::collections::BTreeMap<String, domain::patrol::Compliance> = Default::default();
        let mut by_volunteers: std::collections::BTreeMap<String, domain::patrol::Compliance> = Default::default();
        let mut points = vec![];
        for p in self.engine.patrol_points().iter().filter(|p| station.is_none_or(|s| &p.station == s)) {
            let c = domain::patrol::compliance(
                p,
                times.get(p.code.as_str()).map(Vec::as_slice).unwrap_or(&[]),
                first,
                last,
                now,
                offset,
            );
            by_station.entry(p.station.to_string()).or_default().add(c);
            let v = domain::patrol::compliance(
                p,
                volunteer_times.get(p.code.as_str()).map(Vec::as_slice).unwrap_or(&[]),
                first,
                last,
                now,
                offset,
            );
            by_volunteers.entry(p.station.to_string()).or_default().add(v);
            points.push(ComplianceRow {
                key: p.code.to_string(),
                name: p.name.clone(),
                station: p.station.to_string(),
                openings: c.openings,
                visited: c.visited,
                share: c.share(),
            });
        }
        let station_name = |code: &str| {
            self.map.stations.iter().find(|s| s.code.as_str() == code).map(|s| s.name.clone()).unwrap_or_default()
        };
        let volunteers = by_volunteers
            .into_iter()
            .map(|(code, c)| ComplianceRow {
                name: station_name(&code),
                station: code.clone(),
                key: code,
                openings: c.openings,
                visited: c.visited,
                share: c.share(),
            })
            .collect();
        let stations = by_station
            .into_iter()
            .map(|(code, c)| ComplianceRow {
                name: self
                    .map
                    .stations
                    .iter()
                    .find(|s| s.code.as_str() == code)
                    .map(|s| s.name.clone())
                    .unwrap_or_default(),
                station: code.clone(),
                key: code,
                openings: c.openings,
                visited: c.visited,
                share: c.share(),
            })
            .collect();
        Ok(PatrolReport { from: first, to: last, stations, points, volunteers })
    }

    /// The point's QR page: its token (made at start-up), the check-in address
    /// on `origin`, and the code drawn as an SVG path.
    pub async fn qr(&self, point: &PointCode, origin: &str) -> Result<app::wire::PointQr, CheckInError> {
        let p = self.find_point(point)?;
        let token = self.store.point_token(p.code.as_str()).await?.ok_or_else(|| {
            CheckInError::NotFound(format!("point {} has no QR token yet; restart the server", p.code))
        })?;
        let url = format!("{origin}/checkin/{}?token={token}", p.code);
        let qr = qrcodegen::QrCode::encode_text(&url, qrcodegen::QrCodeEcc::Medium)
            .map_err(|_| CheckInError::NotFound("the address is too long for a QR code".into()))?;
        let n = qr.size();
        let mut path = String::new();
        for y in 0..n {
            for x in 0..n {
                if qr.get_module(x, y) {
                    path.push_str(&format!("M{x} {y}h1v1h-1z"));
                }
            }
        }
        Ok(app::wire::PointQr {
            code: p.code.to_string(),
            name: p.name.clone(),
            station_name: self
                .map
                .stations
                .iter()
                .find(|s| s.code == p.station)
                .map(|s| s.name.clone())
                .unwrap_or_default(),
            windows: domain::patrol::windows_text(&p),
            url,
            path,
            size: n as u32,
        })
    }

    /// What the page behind a point's QR code shows: the point, whether it is
    /// due, and its latest check-in in the last 24 hours.
    pub async fn point_page(&self, code: &PointCode) -> Result<app::wire::PointPage, CheckInError> {
        let p = self.find_point(code)?;
        let now = Utc::now();
        let last = self.store.check_ins(now - Duration::hours(24), Some(p.code.as_str())).await?.into_iter().next();
        Ok(app::wire::PointPage {
            code: p.code.to_string(),
            name: p.name.clone(),
            windows: domain::patrol::windows_text(&p),
            due: is_due(&p, self.local_time(now)),
            last_check_in: last,
            utc_offset_minutes: self.map.utc_offset_minutes,
            lat: p.at.lat(),
            lon: p.at.lon(),
            radius_m: p.radius_m,
            windows_list: p.windows.iter().map(|w| String::from(*w)).collect(),
        })
    }

    /// A station chief's change to a point, by `by` (a name): checked (inside
    /// its station's area, a sane radius, valid windows), stored, and in effect
    /// at once.
    pub async fn edit(
        &self,
        code: &PointCode,
        edit: &domain::patrol::PointEdit,
        by: &str,
    ) -> Result<domain::district::PatrolPoint, CheckInError> {
        let by = domain::Text::parse("by", by, 40, false).map_err(domain::patrol::PointEditError::from)?;
        let p = self.find_point(code)?;
        let district = &self.engine.shared().district;
        let area = &district
            .stations
            .iter()
            .find(|s| s.code == p.station)
            .ok_or_else(|| CheckInError::NotFound(format!("station {} of point {} is gone", p.station, p.code)))?
            .area;
        let new = edit.apply(&p, area)?;
        let who = if by.as_str().is_empty() { "station chief".to_owned() } else { by.into_string() };
        Ok(self.engine.edit_point(new, who).await?)
    }

    /// A new QR token for a point (the printed sheet stops working; a chief
    /// prints the new one), and the new sheet.
    pub async fn rotate_token(
        &self,
        code: &PointCode,
        origin: &str,
        by: &str,
    ) -> Result<app::wire::PointQr, CheckInError> {
        let p = self.find_point(code)?;
        if !self.store.rotate_point_token(p.code.as_str(), &fresh_token()).await? {
            self.store.make_point_token(p.code.as_str(), &fresh_token(), Utc::now()).await?;
        }
        tracing::info!(point = %p.code, by, "QR token of a must-patrol point rotated");
        self.qr(&p.code, origin).await
    }
}

pub use app::review::{ComplianceRow, PatrolReport};

pub async fn record_misses(
    store: &crate::store::Store,
    points: &[domain::district::PatrolPoint],
    offset: i32,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let today = (now + Duration::minutes(i64::from(offset))).date_naive();
    let first = today - chrono::Days::new(2);
    let times = store.check_in_times(now - Duration::hours(80), now + Duration::minutes(1)).await?;
    let since = store.points_watched_since().await?;
    let mut misses = vec![];
    for p in points {
        let visits = times.get(p.code.as_str()).map(Vec::as_slice).unwrap_or(&[]);
        let watched = |o: &domain::patrol::Occurrence| since.get(p.code.as_str()).is_none_or(|s| o.start >= *s);
        for o in domain::patrol::occurrences(p, first, today, offset).into_iter().filter(watched) {
            let ended = o.end <= now && now - o.end < Duration::hours(26);
            if ended && !visits.iter().any(|t| o.contains(*t)) {
                misses.push((p.code.to_string(), p.station.to_string(), o.start, o.end));
            }
        }
    }
    // one transaction: the engine is busy for one commit, not one per point
    store.record_misses(&misses, now).await
}

/// A fresh QR token: 24 characters of an unambiguous 32-letter alphabet
/// (120 bits), short enough for a small QR code.
fn fresh_token() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..24).map(|_| char::from(b"abcdefghijkmnpqrstuvwxyz23456789"[rng.random_range(0..32)])).collect()
}

/// Makes the QR token of every point that has none (at start-up, before the
/// engine runs; it changes only when a chief rotates it).
pub async fn ensure_tokens(
    store: &crate::store::Store,
    points: &[domain::district::PatrolPoint],
) -> Result<(), StoreError> {
    for p in points {
        if store.point_token(p.code.as_str()).await?.is_none() {
            store.make_point_token(p.code.as_str(), &fresh_token(), Utc::now()).await?;
        }
    }
    Ok(())
}
