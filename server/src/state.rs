//! The state every handler shares (cheap to clone): the store, the engine,
//! the static map, the services, and the access layer's handles.

use std::sync::Arc;

use app::wire::{IncidentDetail, MapData};
use axum::extract::FromRef;
use domain::{District, IncidentId};
use leptos::prelude::LeptosOptions;
use tokio::sync::watch;

use crate::auth::Auth;
use crate::auth::layer::Gate;
use crate::engine::{EngineError, EngineHandle};
use crate::store::Store;

/// Everything a request handler may need; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub store: Store,
    pub engine: EngineHandle,
    pub map: Arc<MapData>,
    /// Turns true when the server is shutting down (websockets close).
    pub shutdown: watch::Receiver<bool>,
    /// Residents' reports.
    pub reports: Arc<crate::report::Reports>,
    /// The chat-group desk: triage rules, webhooks, the delivery task's wake-up.
    pub desk: Arc<crate::desk::Desk>,
    /// Proof of patrol.
    pub patrol: crate::patrol::Patrol,
    /// The response-time review.
    pub review: crate::review::Review,
    /// Safety notices: drafts, schedule, publication, CAP.
    pub notices: Arc<crate::notices::Notices>,
    /// Community officers' monthly task lists.
    pub tasks: Arc<crate::tasks::Tasks>,
    /// Volunteers' points (`[volunteers]`).
    pub volunteer_points: domain::volunteers::PointRule,
    /// Logins, sessions, tokens and the audit log.
    pub auth: Auth,
    /// The authorisation layer (its rule table, cookie names, origin).
    pub gate: Gate,
    /// How often a live stream checks that its session still stands.
    pub session_recheck: std::time::Duration,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(s: &AppState) -> Self {
        s.leptos_options.clone()
    }
}

/// The static map for pages, from the district and the rules.
pub fn map_data(d: &District, settings: &crate::engine::Settings) -> MapData {
    MapData {
        name: d.name.clone(),
        stations: d.stations.clone(),
        zones: d.zones.clone(),
        patrol_points: d.patrol_points.clone(),
        landmarks: d.landmarks.clone(),
        roads: d.roads.clone(),
        policy: settings.policy.clone(),
        travel: settings.travel.clone(),
        utc_offset_minutes: settings.utc_offset_minutes,
        places: places(d),
        // set from the config at start-up, when it names a tile server
        tiles: None,
        routed: settings.roads.wanted(),
    }
}

/// The places a dispatcher can search: landmarks (with the initials the
/// district data gives, or computed) and must-patrol points.
fn places(d: &District) -> Vec<app::wire::Place> {
    let landmarks = d.landmarks.iter().map(|l| app::wire::Place {
        name: l.name.clone(),
        name_en: l.name_en.clone(),
        initials: if l.initials.is_empty() { initials(&l.name) } else { l.initials.to_lowercase() },
        lat: l.at.lat(),
        lon: l.at.lon(),
    });
    let points = d.patrol_points.iter().map(|p| app::wire::Place {
        name: p.name.clone(),
        name_en: p.code.to_string(),
        initials: initials(&p.name),
        lat: p.at.lat(),
        lon: p.at.lon(),
    });
    landmarks.chain(points).collect()
}

/// Pinyin initials of a Chinese name ("金山广场东门" → "jsgcdm"); letters and
/// digits are kept as they are, lower case.
pub fn initials(name: &str) -> String {
    use pinyin::ToPinyin;
    name.chars()
        .filter_map(|c| match c.to_pinyin() {
            Some(p) => p.first_letter().chars().next(),
            None if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            None => None,
        })
        .collect()
}

impl AppState {
    /// Where check-in links and other absolute addresses point: the
    /// configured public origin, else `fallback` (the request's own host).
    pub fn origin_or(&self, fallback: &str) -> String {
        self.gate.public_origin.clone().unwrap_or_else(|| fallback.to_owned())
    }

    /// The configured public origin, or the address the server listens on.
    pub fn public_origin(&self) -> String {
        let fallback = format!("http://{}", self.leptos_options.site_addr);
        self.origin_or(&fallback)
    }

    pub async fn incident_detail(&self, id: IncidentId) -> Result<IncidentDetail, EngineError> {
        let (incident, reporter_contact) =
            self.store.incident(id).await?.ok_or(EngineError::NotFound { what: "incident", id: id.to_string() })?;
        let timeline = self.store.timeline(id).await?;
        let photos = self.store.photos_of(id).await?;
        Ok(IncidentDetail {
            incident,
            reporter_contact,
            timeline,
            utc_offset_minutes: self.engine.shared().settings.utc_offset_minutes,
            photos,
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn initials_of_chinese_names() {
        assert_eq!(super::initials("金山广场东门"), "jsgcdm");
        assert_eq!(super::initials("临桂区人民医院"), "lgqrmyy");
        assert_eq!(super::initials("万达广场 B2 出口"), "wdgcb2ck");
    }
}
