//! A principal checked against the very thing it asks for: this incident
//! (its station, the units on it), this unit, this point, this chat group.
//! The route was allowed already by the authorisation layer; these are the
//! second half of the same table (`Principal::may`), used alike by the REST
//! handlers and the pages' backend. Views of personal data are written to
//! the audit log here, before the data is handed out.

use app::wire::{IncidentDetail, UnitView};
use domain::access::{Permission, Principal, Role, Target};
use domain::{IncidentId, IncidentStatus, UnitId};

use crate::api::ApiError;
use crate::state::AppState;

impl AppState {
    /// One incident for `who`: 404 if it does not exist, 403 if it is not
    /// theirs to read; the reporter's contact and photos only for those who
    /// may see them, and then audited (written before they are returned).
    pub async fn incident_for(&self, who: &Principal, id: IncidentId, ip: &str) -> Result<IncidentDetail, ApiError> {
        let mut detail = self.incident_detail(id).await?;
        let i = &detail.incident;
        let target = Target::Incident { id, station: i.station.as_ref(), units: &i.units };
        who.may(Permission::ReadIncidents, target).map_err(ApiError::refused)?;
        let personal = detail.reporter_contact.as_deref().is_some_and(|c| !c.is_empty()) || !detail.photos.is_empty();
        if who.may(Permission::ReadContact, target).is_ok() {
            if personal {
                let what = match (&detail.reporter_contact, detail.photos.len()) {
                    (Some(_), 0) => "reporter contact".to_owned(),
                    (Some(_), n) => format!("reporter contact, {n} photo(s)"),
                    (None, n) => format!("{n} photo(s)"),
                };
                let e = self.auth.entry(Some(who), "contact_viewed", format!("incident {id}"), "ok", what, ip);
                self.auth.audit(&[e]).await?;
            }
        } else {
            detail.reporter_contact = None;
            detail.photos.clear();
        }
        Ok(detail)
    }

    /// Whether `who` may move incident `id` to `to`: an officer only
    /// resolves the incident their unit works; the rest is the dispatcher's.
    pub async fn may_move_incident(&self, who: &Principal, id: IncidentId, to: IncidentStatus) -> Result<(), ApiError> {
        let (incident, _) =
            self.store.incident(id).await?.ok_or_else(|| ApiError::NotFound(format!("incident {id} not found")))?;
        let target = Target::Incident { id, station: incident.station.as_ref(), units: &incident.units };
        who.may(Permission::IncidentStatus, target).map_err(ApiError::refused)?;
        if who.role == Role::Officer && to != IncidentStatus::Resolved {
            return Err(ApiError::Forbidden(format!(
                "an officer may only report their incident resolved, not {to}; the dispatcher does the rest"
            )));
        }
        Ok(())
    }

    /// The unit, if `who` may use `permission` on it.
    pub fn unit_for(&self, who: &Principal, permission: Permission, id: UnitId) -> Result<UnitView, ApiError> {
        let unit = self.engine.unit(id).ok_or_else(|| ApiError::NotFound(format!("unit {id} not found")))?;
        who.may(permission, Target::Unit { id, station: &unit.station }).map_err(ApiError::refused)?;
        Ok(unit)
    }

    /// Whether `who` may use `permission` on the must-patrol point `code`.
    pub fn point_for(
        &self,
        who: &Principal,
        permission: Permission,
        code: &domain::PointCode,
    ) -> Result<domain::district::PatrolPoint, ApiError> {
        let point = self.patrol.find_point(code)?;
        who.may(permission, Target::Station(&point.station)).map_err(ApiError::refused)?;
        Ok(point)
    }
}

/// The drill-down of a review for `who`: a station chief sees the
/// incidents of their own station (the query is narrowed to it; asking for
/// another station is refused).
pub fn review_incidents_for(
    who: &Principal,
    mut q: app::review::ReviewParams,
) -> Result<app::review::ReviewParams, ApiError> {
    use domain::access::Scope;
    match who.scope(Permission::ReviewIncidents).map_err(ApiError::refused)? {
        Scope::Station(own) => match q.station.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) if s != own.as_str() => Err(ApiError::Forbidden(format!(
                "a {} may only list the incidents of their own station ({own}); the figures of every station are on /review",
                who.role
            ))),
            _ => {
                q.station = Some(own.to_string());
                Ok(q)
            }
        },
        _ => Ok(q),
    }
}
