//! Community officers' monthly task lists: made from the rules
//! (`config/tasks.toml`, `domain::tasks`) out of the station's places
//! (district landmarks inside its area), last month's hot spots (the
//! review's squares) and follow-up incidents, and this month's notices;
//! reported done by the officer (text, photos, the phone's position);
//! accepted or returned by the station's chief.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use domain::tasks::{HotSpot, PastIncident, Place, TaskAction, TaskError, TaskInputs, TaskRules, TaskStatus};
use domain::time::{LocalClock, Month};
use domain::{Coordinates, StationCode};
use tokio::sync::watch;

use crate::engine::EngineHandle;
use crate::review::Review;
use crate::store::tasks::{TaskProgress, TaskReport, TaskRow};
use crate::store::{Store, StoreError, millis};

/// The bundled rules (checked by a unit test in `domain`).
pub const DEMO_RULES: &str = include_str!("../../config/tasks.toml");

#[derive(Debug, thiserror::Error)]
pub enum TaskServiceError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Move(#[from] TaskError),
    #[error("no task has the id {0}")]
    NotFound(i64),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Whose tasks a caller may touch.
#[derive(Debug, Clone, PartialEq)]
pub enum TaskScope {
    All,
    Station(StationCode),
    /// An officer's unit(s).
    Units(Vec<i64>),
}

impl TaskScope {
    /// What `who` manages (manage_tasks: a chief's station, or all).
    pub fn managing(who: &domain::access::Principal) -> Result<TaskScope, domain::access::Refusal> {
        use domain::access::{Permission, Scope};
        Ok(match who.scope(Permission::ManageTasks)? {
            Scope::Station(s) => TaskScope::Station(s),
            _ => TaskScope::All,
        })
    }

    /// Whose tasks `who` does (own_tasks: an officer's units, or all).
    pub fn owning(who: &domain::access::Principal) -> Result<TaskScope, domain::access::Refusal> {
        use domain::access::{Permission, Scope};
        Ok(match who.scope(Permission::OwnTasks)? {
            Scope::Units(u) => TaskScope::Units(u.iter().map(|u| u.0).collect()),
            _ => TaskScope::All,
        })
    }

    /// What `who` may see: what they manage, else what they do.
    pub fn viewing(who: &domain::access::Principal) -> Result<TaskScope, domain::access::Refusal> {
        TaskScope::managing(who).or_else(|_| TaskScope::owning(who))
    }

    pub fn allows(&self, t: &TaskRow) -> bool {
        match self {
            TaskScope::All => true,
            TaskScope::Station(s) => s.as_str() == t.station,
            TaskScope::Units(u) => u.contains(&t.unit_id),
        }
    }
}

pub struct Tasks {
    store: Store,
    engine: EngineHandle,
    review: Review,
    rules: TaskRules,
    clock: LocalClock,
}

/// `2026-12`, or a clear error.
pub fn parse_month(s: &str) -> Result<Month, TaskServiceError> {
    Month::parse(s).map_err(|e| TaskServiceError::Invalid(e.to_string()))
}

impl Tasks {
    pub fn new(store: Store, engine: EngineHandle, review: Review, rules: TaskRules, offset_minutes: i32) -> Tasks {
        Tasks { store, engine, review, rules, clock: LocalClock::new(offset_minutes) }
    }

    /// The local month now.
    pub fn this_month(&self) -> Month {
        Month::of(self.clock, Utc::now())
    }

    /// Whether a month has ended (its open tasks are overdue).
    pub fn ended(&self, month: Month) -> bool {
        month < self.this_month()
    }

    pub fn clock(&self) -> LocalClock {
        self.clock
    }

    /// Each officer's progress in a month (one station's, or all), with how
    /// many are overdue (open or returned once the month has ended).
    pub async fn progress(
        &self,
        month: Month,
        station: Option<&str>,
    ) -> Result<Vec<(TaskProgress, i64)>, TaskServiceError> {
        let ended = self.ended(month);
        Ok(self
            .store
            .task_progress(&month.to_string(), station)
            .await?
            .into_iter()
            .map(|r| {
                let overdue = if ended { r.open + r.returned } else { 0 };
                (r, overdue)
            })
            .collect())
    }

    /// Makes a station's list for a month (each task once): the new ids.
    pub async fn generate(&self, station: &StationCode, month: Month, by: &str) -> Result<Vec<i64>, TaskServiceError> {
        let key = month.to_string();
        let forces: Vec<&str> = self.rules.forces.iter().map(|f| f.as_str()).collect();
        let kinds: Vec<&str> = self.rules.kinds.iter().map(|k| k.as_str()).collect();
        let officers = self.store.community_units(station.as_str(), &forces, &kinds).await?;
        if officers.is_empty() {
            return Ok(vec![]);
        }
        let district = self.engine.shared().district.clone();
        let places = district
            .landmarks
            .iter()
            .filter(|l| district.locate(l.at).station.as_ref() == Some(station))
            .map(|l| Place { name: l.name.clone(), kind: l.kind, at: l.at })
            .collect();
        // last month: its incidents in the station, binned as the review bins them
        let (last_from, last_to) = month.previous().bounds(self.clock);
        let past = self.store.past_incidents(station.as_str(), millis(last_from), millis(last_to)).await?;
        let mut hot_spots = vec![];
        if let Some((grid, _, _)) = self.review.grid_of() {
            let mut counts: std::collections::BTreeMap<usize, u64> = Default::default();
            for p in &past {
                if let Some(cell) = grid.cell(p.lat, p.lon) {
                    *counts.entry(cell).or_default() += 1;
                }
            }
            for (cell, n) in counts {
                let (s, w, north, e) = grid.bounds(cell);
                if let Ok(center) = Coordinates::parse((s + north) / 2.0, (w + e) / 2.0) {
                    hot_spots.push(HotSpot { center, incidents: n });
                }
            }
        }
        let incidents = past
            .iter()
            .filter_map(|p| {
                Some(PastIncident {
                    id: p.id,
                    category: p.category.parse().ok()?,
                    at: Coordinates::parse(p.lat, p.lon).ok()?,
                    address: p.address.clone(),
                })
            })
            .collect();
        // the month's notices of the station (not cancelled)
        let (from, to) = month.bounds(self.clock);
        let (from, to) = (millis(from), millis(to));
        let notices = self
            .store
            .notices(Some(station), 500)
            .await?
            .into_iter()
            .filter(|n| {
                n.status != domain::notice::NoticeStatus::Cancelled
                    && n.station.as_ref() == Some(station)
                    && n.draft.effective_ms < to
                    && n.draft.expires_ms > from
            })
            .map(|n| (n.id, n.draft.title_zh))
            .collect();
        let inputs = TaskInputs { places, hot_spots, incidents, notices };
        let specs = domain::tasks::generate(&self.rules, &inputs);
        let ids: Vec<i64> = officers.iter().map(|(id, _)| *id).collect();
        let shared = domain::tasks::share(&specs, &ids);
        Ok(self.store.insert_tasks(station.as_str(), &key, &shared, millis(Utc::now()), by).await?)
    }

    pub async fn get(&self, scope: &TaskScope, id: i64) -> Result<TaskRow, TaskServiceError> {
        let t = self.store.task(id).await?.ok_or(TaskServiceError::NotFound(id))?;
        if !scope.allows(&t) {
            return Err(TaskServiceError::NotFound(id));
        }
        Ok(t)
    }

    /// An officer reports a task done.
    pub async fn report(
        &self,
        scope: &TaskScope,
        id: i64,
        text: &str,
        at: Option<Coordinates>,
        photos: Vec<(&'static str, Vec<u8>)>,
        by: &str,
    ) -> Result<TaskRow, TaskServiceError> {
        let t = self.get(scope, id).await?;
        let from: TaskStatus =
            t.status.parse().map_err(|e: domain::UnknownName| TaskServiceError::Invalid(e.to_string()))?;
        from.after(TaskAction::Submit)?;
        let text = domain::tasks::check_report(text)?;
        let report = TaskReport {
            text,
            at: at.map(|c| (c.lat(), c.lon())),
            photos: photos.into_iter().map(|(ct, data)| (crate::report::photo_id(), ct, data)).collect(),
        };
        if !self.store.submit_task(id, from, &report, millis(Utc::now()), by).await? {
            return Err(TaskServiceError::Conflict("the task changed meanwhile; reload it".into()));
        }
        self.get(&TaskScope::All, id).await
    }

    /// A chief accepts or returns a report.
    pub async fn review(
        &self,
        scope: &TaskScope,
        id: i64,
        action: TaskAction,
        note: Option<&str>,
        by: &str,
    ) -> Result<TaskRow, TaskServiceError> {
        let t = self.get(scope, id).await?;
        let from: TaskStatus =
            t.status.parse().map_err(|e: domain::UnknownName| TaskServiceError::Invalid(e.to_string()))?;
        let to = from.after(action)?;
        let note = note.map(str::trim).filter(|n| !n.is_empty());
        if action == TaskAction::Return && note.is_none() {
            return Err(TaskServiceError::Invalid("say why the task is returned (note)".into()));
        }
        if note.is_some_and(|n| n.chars().count() > 500) {
            return Err(TaskServiceError::Invalid("the note has at most 500 characters".into()));
        }
        if !self.store.review_task(id, to, note, millis(Utc::now()), by).await? {
            return Err(TaskServiceError::Conflict("the task changed meanwhile; reload it".into()));
        }
        self.get(&TaskScope::All, id).await
    }

    pub fn stations(&self) -> Vec<StationCode> {
        self.engine.shared().district.stations.iter().map(|s| s.code.clone()).collect()
    }
}

/// The leader makes this month's lists for every station every hour and
/// whenever notices were added (each task once: a notice or an import made
/// since adds what it brings; the calendar's drafts, made at start-up,
/// bring their publicity tasks within a minute).
pub async fn run(tasks: Arc<Tasks>, engine: EngineHandle, mut shutdown: watch::Receiver<bool>) {
    let mut last: Option<(Month, tokio::time::Instant, i64)> = None;
    loop {
        let month = tasks.this_month();
        let notices = tasks.store.notice_count().await.unwrap_or(-1);
        let due = last.is_none_or(|(m, at, n)| m != month || n != notices || at.elapsed() >= Duration::from_secs(3600));
        if due && engine.shared().cluster.is_leader() {
            let mut made = 0;
            for s in tasks.stations() {
                match tasks.generate(&s, month, "rules").await {
                    Ok(ids) => made += ids.len(),
                    Err(e) => tracing::error!(error = %e, station = %s, "cannot make the month's task list"),
                }
            }
            if made > 0 {
                tracing::info!(tasks = made, "monthly task lists made");
            }
            last = Some((month, tokio::time::Instant::now(), notices));
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(60)) => {}
            _ = shutdown.changed() => return,
        }
        if *shutdown.borrow() {
            return;
        }
    }
}
