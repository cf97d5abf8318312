//! Safety notices: a chief's drafts, the calendar's monthly drafts, the
//! schedule, and publication. A move that makes a notice public (publish,
//! update, cancel) writes its CAP 1.2 message and one delivery per chat
//! group of its stations in one transaction, durable before it is
//! acknowledged; the outbound task then posts them to the groups' webhooks
//! with the replies' retries. Scheduled notices are published by the
//! leader (one server of several), as timers are.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{FixedOffset, Utc};
use domain::notice::{CapAlert, MsgType, NoticeAction, NoticeArea, NoticeDraft, NoticeError, NoticeStatus};
use domain::time::{LocalClock, Month};
use domain::{District, StationCode};
use tokio::sync::{Notify, watch};

use crate::config::NoticesConfig;
use crate::engine::EngineHandle;
use crate::store::notices::{CalendarOrigin, StoredNotice, edit_in, message_in, sent_in};
use crate::store::{Store, StoreError, millis};

#[derive(Debug, thiserror::Error)]
pub enum NoticeServiceError {
    #[error("{0}")]
    Invalid(#[from] NoticeError),
    #[error("no notice has the id {0}")]
    NotFound(i64),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Conflict(String),
    /// Names something the district does not have (a station).
    #[error("{0}")]
    Unknown(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Whose notices a caller may touch: one station's, or all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoticeScope {
    All,
    Station(StationCode),
}

impl NoticeScope {
    /// What `who` may write (the permission table's write_notices).
    pub fn of(who: &domain::access::Principal) -> Result<NoticeScope, domain::access::Refusal> {
        Ok(match who.scope(domain::access::Permission::WriteNotices)? {
            domain::access::Scope::Station(s) => NoticeScope::Station(s),
            _ => NoticeScope::All,
        })
    }
}

pub struct Notices {
    store: Store,
    config: NoticesConfig,
    /// Groups with an outbound webhook (`[desk.webhooks]`).
    hooked: Vec<String>,
    /// Station codes and names, from the district.
    stations: Vec<(StationCode, String)>,
    district_name: String,
    offset: FixedOffset,
    clock: LocalClock,
    public_origin: Option<String>,
    /// Wakes the publisher (a schedule changed).
    pub wake: Arc<Notify>,
    /// Wakes the outbound task (deliveries were stored).
    outbound: Arc<Notify>,
}

impl Notices {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        store: Store,
        config: NoticesConfig,
        hooked: Vec<String>,
        district: &District,
        offset_minutes: i32,
        public_origin: Option<String>,
        outbound: Arc<Notify>,
    ) -> Result<Notices, String> {
        let stations: Vec<(StationCode, String)> =
            district.stations.iter().map(|s| (s.code.clone(), s.name.clone())).collect();
        for code in config.groups.keys() {
            if !stations.iter().any(|(c, _)| c.as_str() == code) {
                return Err(format!("notices.groups.{code}: the district has no station {code}"));
            }
        }
        let offset = FixedOffset::east_opt(offset_minutes * 60).ok_or("utc_offset_minutes is out of range")?;
        Ok(Notices {
            store,
            config,
            hooked,
            stations,
            district_name: district.name.clone(),
            offset,
            clock: LocalClock::new(offset_minutes),
            public_origin,
            wake: Arc::new(Notify::new()),
            outbound,
        })
    }

    pub fn offset(&self) -> FixedOffset {
        self.offset
    }

    pub fn clock(&self) -> LocalClock {
        self.clock
    }

    pub fn stations(&self) -> &[(StationCode, String)] {
        &self.stations
    }

    pub fn station_name(&self, code: &str) -> Option<&str> {
        self.stations.iter().find(|(c, _)| c.as_str() == code).map(|(_, n)| n.as_str())
    }

    /// Checks that every station an area names exists, and that a chief
    /// addresses only their own station (by name or by a drawn polygon).
    fn check_area(&self, scope: &NoticeScope, area: &NoticeArea) -> Result<(), NoticeServiceError> {
        if let NoticeArea::Stations(list) = area {
            for s in list {
                if self.station_name(s.as_str()).is_none() {
                    return Err(NoticeServiceError::Unknown(format!("the district has no station {s}")));
                }
            }
        }
        match (scope, area) {
            (NoticeScope::All, _) => Ok(()),
            (NoticeScope::Station(own), NoticeArea::Stations(list)) if list.iter().all(|s| s == own) => Ok(()),
            (NoticeScope::Station(_), NoticeArea::Polygon(_)) => Ok(()),
            (NoticeScope::Station(own), _) => {
                Err(NoticeServiceError::Forbidden(format!("a chief's notice is for their own station ({own}) only")))
            }
        }
    }

    /// A notice the caller may touch.
    pub async fn get(&self, scope: &NoticeScope, id: i64) -> Result<StoredNotice, NoticeServiceError> {
        let n = self.store.notice(id).await?.ok_or(NoticeServiceError::NotFound(id))?;
        match scope {
            NoticeScope::All => Ok(n),
            NoticeScope::Station(own) if n.station.as_ref() == Some(own) => Ok(n),
            // another station's notice is not there for this chief
            NoticeScope::Station(_) => Err(NoticeServiceError::NotFound(id)),
        }
    }

    /// A new draft, for the caller's station (a chief) or the one named
    /// (an administrator: any station, or the district with none).
    pub async fn create(
        &self,
        scope: &NoticeScope,
        station: Option<StationCode>,
        draft: NoticeDraft,
        by: &str,
    ) -> Result<StoredNotice, NoticeServiceError> {
        let draft = draft.check()?;
        self.check_area(scope, &draft.area)?;
        let station = match scope {
            NoticeScope::Station(own) => Some(own.clone()),
            NoticeScope::All => station,
        };
        if let Some(s) = &station
            && self.station_name(s.as_str()).is_none()
        {
            return Err(NoticeServiceError::Unknown(format!("the district has no station {s}")));
        }
        let now = millis(Utc::now());
        let id = self
            .store
            .insert_notice(station.as_ref(), &draft, None, now, by)
            .await?
            .ok_or_else(|| NoticeServiceError::Conflict("the notice was not stored".into()))?;
        self.get(&NoticeScope::All, id).await
    }

    /// Changes a notice's text or settings: a draft or a scheduled notice
    /// quietly; a public one is updated and the change sent (CAP Update).
    pub async fn edit(
        &self,
        scope: &NoticeScope,
        id: i64,
        draft: NoticeDraft,
        by: &str,
    ) -> Result<StoredNotice, NoticeServiceError> {
        let n = self.get(scope, id).await?;
        let draft = draft.check()?;
        self.check_area(scope, &draft.area)?;
        let now = millis(Utc::now());
        let public = n.status.is_public();
        let action = if public { NoticeAction::Update } else { NoticeAction::Edit };
        let (to, msg) = n.status.after(action)?;
        if n.status == NoticeStatus::Scheduled
            && let Some(at) = n.publish_at
            && at >= draft.expires_ms
        {
            return Err(NoticeError::PublishAfterExpiry.into());
        }
        let mut tx = self.store.begin().await?;
        if !edit_in(&mut tx, id, n.status, to, &draft, None, now, by).await? {
            return Err(NoticeServiceError::Conflict("the notice changed meanwhile; reload it".into()));
        }
        if let Some(msg) = msg {
            let stored = StoredNotice { draft, status: to, ..n };
            self.send_in(&mut tx, &stored, msg, now).await?;
        }
        tx.commit().await?;
        if msg.is_some() {
            self.outbound.notify_one();
        }
        self.get(&NoticeScope::All, id).await
    }

    /// Sets (or moves) the time a draft or scheduled notice is published.
    pub async fn schedule(
        &self,
        scope: &NoticeScope,
        id: i64,
        publish_at_ms: i64,
        by: &str,
    ) -> Result<StoredNotice, NoticeServiceError> {
        let n = self.get(scope, id).await?;
        let (to, _) = n.status.after(NoticeAction::Schedule)?;
        if publish_at_ms >= n.draft.expires_ms {
            return Err(NoticeError::PublishAfterExpiry.into());
        }
        let now = millis(Utc::now());
        if !self.store.move_notice(id, n.status, to, Some(publish_at_ms), now, by).await? {
            return Err(NoticeServiceError::Conflict("the notice changed meanwhile; reload it".into()));
        }
        self.wake.notify_one();
        self.get(&NoticeScope::All, id).await
    }

    /// Back to draft.
    pub async fn unschedule(&self, scope: &NoticeScope, id: i64, by: &str) -> Result<StoredNotice, NoticeServiceError> {
        let n = self.get(scope, id).await?;
        let (to, _) = n.status.after(NoticeAction::Unschedule)?;
        if !self.store.move_notice(id, n.status, to, None, millis(Utc::now()), by).await? {
            return Err(NoticeServiceError::Conflict("the notice changed meanwhile; reload it".into()));
        }
        self.get(&NoticeScope::All, id).await
    }

    /// Withdraws a notice; a public one's withdrawal is sent (CAP Cancel).
    pub async fn cancel(&self, scope: &NoticeScope, id: i64, by: &str) -> Result<StoredNotice, NoticeServiceError> {
        let n = self.get(scope, id).await?;
        let (to, msg) = n.status.after(NoticeAction::Cancel)?;
        let now = millis(Utc::now());
        let mut tx = self.store.begin().await?;
        if !edit_in(&mut tx, id, n.status, to, &n.draft, Some(None), now, by).await? {
            return Err(NoticeServiceError::Conflict("the notice changed meanwhile; reload it".into()));
        }
        if let Some(msg) = msg {
            let stored = StoredNotice { status: to, ..n };
            self.send_in(&mut tx, &stored, msg, now).await?;
        }
        tx.commit().await?;
        if msg.is_some() {
            self.outbound.notify_one();
        }
        self.get(&NoticeScope::All, id).await
    }

    /// Publishes a scheduled notice whose time has come (once, whichever
    /// server tries: the status moves only from `scheduled`).
    pub async fn publish(&self, id: i64, now_ms: i64) -> Result<bool, NoticeServiceError> {
        let Some(n) = self.store.notice(id).await? else { return Ok(false) };
        if n.status != NoticeStatus::Scheduled || n.publish_at.is_none_or(|at| at > now_ms) {
            return Ok(false);
        }
        let (to, msg) = n.status.after(NoticeAction::Publish)?;
        let mut tx = self.store.begin().await?;
        if !edit_in(&mut tx, id, n.status, to, &n.draft, None, now_ms, "schedule").await? {
            return Ok(false);
        }
        if let Some(msg) = msg {
            let stored = StoredNotice { status: to, ..n };
            self.send_in(&mut tx, &stored, msg, now_ms).await?;
        }
        tx.commit().await?;
        self.outbound.notify_one();
        tracing::info!(notice = id, "notice published");
        Ok(true)
    }

    /// Publishes every scheduled notice that is due.
    pub async fn publish_due(&self, now_ms: i64) -> Result<usize, NoticeServiceError> {
        let mut n = 0;
        for id in self.store.due_notices(now_ms).await? {
            if self.publish(id, now_ms).await? {
                n += 1;
            }
        }
        Ok(n)
    }

    /// The chat groups a notice goes to, each with whether it has a webhook.
    fn groups_of(&self, n: &StoredNotice) -> Vec<(String, bool)> {
        let stations: Vec<&str> = match &n.draft.area {
            NoticeArea::Stations(list) => list.iter().map(|s| s.as_str()).collect(),
            NoticeArea::District => self.config.groups.keys().map(String::as_str).collect(),
            NoticeArea::Polygon(_) => match &n.station {
                Some(s) => vec![s.as_str()],
                None => self.config.groups.keys().map(String::as_str).collect(),
            },
        };
        let mut groups: Vec<(String, bool)> = vec![];
        for s in stations {
            for g in self.config.groups.get(s).into_iter().flatten() {
                if !groups.iter().any(|(x, _)| x == g) {
                    groups.push((g.clone(), self.hooked.contains(g)));
                }
            }
        }
        groups
    }

    /// The area in words (CAP `<areaDesc>`).
    pub fn area_desc(&self, area: &NoticeArea) -> String {
        match area {
            NoticeArea::District => format!("{}全辖区", self.district_name),
            NoticeArea::Stations(list) => list
                .iter()
                .map(|s| self.station_name(s.as_str()).unwrap_or(s.as_str()).to_owned())
                .collect::<Vec<_>>()
                .join("、"),
            NoticeArea::Polygon(_) => "划定区域 (drawn area)".into(),
        }
    }

    /// Writes a notice's next CAP message and its deliveries in `tx`.
    async fn send_in(
        &self,
        tx: &mut crate::store::Tx<'_>,
        n: &StoredNotice,
        msg: MsgType,
        now_ms: i64,
    ) -> Result<(), NoticeServiceError> {
        let sent = sent_in(tx, n.id).await?;
        let identifier = format!("{}.notice.{}.{}", self.config.identifier_prefix, n.id, sent.len() + 1);
        let polygons: Vec<Vec<domain::Coordinates>> = match &n.draft.area {
            NoticeArea::Polygon(ring) => vec![ring.clone()],
            _ => vec![],
        };
        let area_desc = self.area_desc(&n.draft.area);
        let web = self.public_origin.as_ref().map(|o| match &n.station {
            Some(s) => format!("{o}/notices?station={s}"),
            None => format!("{o}/notices"),
        });
        let sender_name = match &n.station {
            Some(s) => format!("{} {}", self.config.sender_name, self.station_name(s.as_str()).unwrap_or(s.as_str())),
            None => self.config.sender_name.clone(),
        };
        let xml = CapAlert {
            identifier: &identifier,
            sender: &self.config.sender,
            sent_ms: now_ms,
            msg_type: msg,
            references: &sent,
            sender_name: &sender_name,
            notice: &n.draft,
            area_desc: &area_desc,
            polygons: &polygons,
            web: web.as_deref(),
            offset: self.offset,
        }
        .to_xml();
        // CAP times are whole seconds: the stored time is the one sent
        let sent_ms = now_ms - now_ms.rem_euclid(1000);
        message_in(tx, n.id, msg.as_str(), &identifier, sent_ms, &xml, &self.groups_of(n)).await?;
        Ok(())
    }

    /// The calendar's drafts for a local month, for these stations (each
    /// made once: asking again makes none). Returns the new ids.
    pub async fn calendar_drafts(
        &self,
        month: Month,
        stations: &[StationCode],
        by: &str,
    ) -> Result<Vec<i64>, NoticeServiceError> {
        let key_month = month.to_string();
        let now = millis(Utc::now());
        let mut made = vec![];
        for t in self.config.calendar.for_month(month.month) {
            for s in stations {
                let draft = t.draft(month, NoticeArea::Stations(vec![s.clone()]), self.clock).check()?;
                let origin = CalendarOrigin { key: &t.key, month: &key_month };
                if let Some(id) = self.store.insert_notice(Some(s), &draft, Some(origin), now, by).await? {
                    made.push(id);
                }
            }
        }
        Ok(made)
    }

    pub fn all_stations(&self) -> Vec<StationCode> {
        self.stations.iter().map(|(c, _)| c.clone()).collect()
    }
}

/// The publisher: the leader publishes scheduled notices when their time
/// comes, and on the first day of a month (or when it starts in one whose
/// drafts are not made yet) makes the calendar's drafts for every station.
pub async fn run(notices: Arc<Notices>, store: Store, engine: EngineHandle, mut shutdown: watch::Receiver<bool>) {
    let idle = if store.is_shared() { Duration::from_secs(1) } else { Duration::from_secs(30) };
    let mut drafted: Option<Month> = None;
    loop {
        if engine.shared().cluster.is_leader() {
            let now = millis(Utc::now());
            let month = Month::of(notices.clock(), Utc::now());
            if drafted != Some(month) {
                match notices.calendar_drafts(month, &notices.all_stations(), "calendar").await {
                    Ok(made) => {
                        drafted = Some(month);
                        if !made.is_empty() {
                            tracing::info!(drafts = made.len(), "the calendar's drafts for this month are made");
                        }
                    }
                    Err(e) => tracing::error!(error = %e, "cannot make the calendar's drafts"),
                }
            }
            if let Err(e) = notices.publish_due(now).await {
                tracing::error!(error = %e, "cannot publish due notices");
            }
        }
        let wait = match store.next_notice_due().await {
            Ok(Some(at)) => Duration::from_millis((at - millis(Utc::now())).clamp(0, idle.as_millis() as i64) as u64),
            Ok(None) => idle,
            Err(_) => Duration::from_secs(5),
        };
        tokio::select! {
            _ = notices.wake.notified() => {}
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.changed() => return,
        }
        if *shutdown.borrow() {
            return;
        }
    }
}

/// Posts due notice deliveries to their groups' webhooks (called by the
/// outbound task, beside the replies): the same retries and states.
pub async fn deliver_due(client: &reqwest::Client, store: &Store, config: &crate::config::DeskConfig) {
    let now = millis(Utc::now());
    let due = match store.due_notice_deliveries(now, 50).await {
        Ok(d) => d,
        Err(e) => {
            tracing::error!(error = %e, "cannot read notice deliveries due");
            return;
        }
    };
    for d in due {
        let attempt = d.attempts + 1;
        let result = match config.webhooks.get(&d.group_id) {
            None => Err("no webhook configured for the group".to_owned()),
            Some(url) => {
                let body = serde_json::json!({
                    "kind": "notice",
                    "delivery_id": d.id,
                    "group_id": d.group_id,
                    "notice_id": d.notice_id,
                    "msg_type": d.msg_type,
                    "identifier": d.identifier,
                    "title": d.title_zh,
                    "text": d.body_zh,
                    "cap": format!("/cap/{}.xml", d.message_id),
                    "sent_at": crate::store::time(d.sent_at).to_rfc3339(),
                });
                crate::outbound::post(client, url, &format!("notice-{}", d.id), &body).await
            }
        };
        let now = millis(Utc::now());
        let (delivery, wait) =
            domain::chat::after_attempt(result.is_ok(), attempt, config.max_attempts, config.retry_base_ms);
        let next = wait.map(|ms| now + ms as i64);
        match &result {
            Ok(()) => tracing::info!(delivery = d.id, attempt, "notice delivered to its group"),
            Err(e) => tracing::warn!(delivery = d.id, attempt, error = %e, "notice not delivered"),
        }
        if let Err(e) = store
            .record_notice_delivery(
                d.id,
                attempt,
                delivery.as_str(),
                next,
                result.as_ref().err().map(String::as_str),
                now,
            )
            .await
        {
            tracing::error!(error = %e, delivery = d.id, "cannot record a notice delivery attempt");
        }
    }
}

/// Notices per station code for the public page: those in force whose area
/// is the station, the district, or a polygon drawn by the station.
pub fn for_station<'a>(current: &'a [StoredNotice], station: &str) -> Vec<&'a StoredNotice> {
    current
        .iter()
        .filter(|n| match &n.draft.area {
            NoticeArea::District => true,
            NoticeArea::Stations(list) => list.iter().any(|s| s.as_str() == station),
            NoticeArea::Polygon(_) => n.station.as_ref().is_some_and(|s| s.as_str() == station),
        })
        .collect()
}

/// Notices in force at a place: its station's, the district's, and those
/// whose polygon holds it.
pub fn at_place<'a>(
    current: &'a [StoredNotice],
    station: Option<&str>,
    at: domain::Coordinates,
) -> Vec<&'a StoredNotice> {
    current
        .iter()
        .filter(|n| match &n.draft.area {
            NoticeArea::District => true,
            NoticeArea::Stations(list) => station.is_some_and(|st| list.iter().any(|s| s.as_str() == st)),
            NoticeArea::Polygon(ring) => domain::district::Area::new(ring.clone()).is_ok_and(|a| a.contains(at)),
        })
        .collect()
}

/// Group ids with a webhook (`[desk.webhooks]`).
pub fn hooked_groups(webhooks: &BTreeMap<String, String>) -> Vec<String> {
    webhooks.keys().cloned().collect()
}

/// The demo (the simulator on): once the month's calendar drafts are made,
/// a demo chief schedules the first of each station's for now, so the
/// public page, the feed and the review show notices from the start. A real
/// deployment never publishes anything nobody scheduled.
pub async fn demo(notices: Arc<Notices>, store: Store) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let month = Month::of(notices.clock(), Utc::now()).to_string();
    loop {
        let drafts = match store.notices(None, 500).await {
            Ok(list) => list,
            Err(_) => return,
        };
        let mut firsts: BTreeMap<String, i64> = BTreeMap::new();
        for n in drafts.iter().rev() {
            if n.status == NoticeStatus::Draft
                && n.calendar_month.as_deref() == Some(month.as_str())
                && let Some(s) = &n.station
            {
                firsts.entry(s.to_string()).or_insert(n.id);
            }
        }
        if !firsts.is_empty() {
            for id in firsts.into_values() {
                let _ = notices.schedule(&NoticeScope::All, id, millis(Utc::now()), "demo-chief").await;
            }
            return;
        }
        if tokio::time::Instant::now() > deadline {
            return;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
