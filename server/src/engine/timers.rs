//! The engine's response timers: started and stopped with the incident
//! stages, fired from the wheel when due. Firing marks the timer's
//! `amber_fired_at` / `red_fired_at` and writes the alert in one transaction,
//! so each goes out exactly once, across restarts too; a red arrival timer
//! also raises an escalation naming the best unit available.

use app::wire::{AlertView, Event};
use chrono::{DateTime, Duration, Utc};
use domain::timers::{Due, Running};
use domain::{AlertKind, IncidentId, Timer, TimerKind, TimerLevel};

use super::{Engine, EngineError};
use crate::store::live;

/// A change an incident's move makes to its timers, applied to the wheel
/// once the move is committed.
#[derive(Debug, Clone, Copy)]
pub(super) enum TimerChange {
    Start(IncidentId, Timer),
    Stop(IncidentId, TimerKind),
}

/// How many alerts a snapshot carries.
pub(super) const RECENT_ALERTS: usize = 20;

impl Engine {
    pub(super) fn apply_timers(&mut self, changes: Vec<TimerChange>) {
        for c in changes {
            match c {
                TimerChange::Start(id, t) => self.wheel.start(
                    id,
                    t.kind,
                    Running { amber_at: t.amber_at, deadline: t.deadline, amber_fired: false, red_fired: false },
                ),
                TimerChange::Stop(id, kind) => self.wheel.stop(id, kind),
            }
        }
    }

    /// Fires what is due: records it, then publishes it. What cannot be
    /// recorded is put back and tried again shortly.
    pub(super) async fn fire_timers(&mut self, now: DateTime<Utc>) {
        if !self.shared.cluster.is_leader() {
            return;
        }
        let due = self.wheel.take_due(now);
        if due.is_empty() {
            return;
        }
        match self.record(&due, now).await {
            Ok(alerts) => {
                for a in alerts {
                    tracing::info!(incident = a.incident.map(|i| i.0), timer = %a.timer, level = %a.level, kind = %a.kind, "alert");
                    self.recent_alerts.push_front(a.clone());
                    self.recent_alerts.truncate(RECENT_ALERTS);
                    let event = if a.kind == AlertKind::Escalation {
                        Event::Escalation { alert: a }
                    } else {
                        Event::Timer { alert: a }
                    };
                    self.shared.hub.publish(event);
                }
                self.figures_dirty = true;
            }
            Err(EngineError::NotLeader) => self.shared.cluster.step_down(),
            Err(e) => {
                tracing::error!(error = %e, "cannot record timer alerts; retrying in 5 s");
                for d in due {
                    self.wheel.unfire(d, now + Duration::seconds(5));
                }
            }
        }
    }

    async fn record(&self, due: &[Due<IncidentId>], now: DateTime<Utc>) -> Result<Vec<AlertView>, EngineError> {
        let mut tx = self.store.begin().await?;
        // fencing: a server that lost the lead writes nothing
        if !crate::store::cluster::holds_term(&mut tx, self.shared.cluster.term()).await? {
            return Err(EngineError::NotLeader);
        }
        let mut out = vec![];
        for d in due {
            if !live::mark_timer_fired(&mut tx, d.key, d.kind, d.level, now).await? {
                // already fired (before a restart) or stopped meanwhile
                continue;
            }
            let (station, place) = live::incident_place(&mut tx, d.key).await?;
            let mut alert = AlertView {
                id: 0,
                at: now,
                incident: Some(d.key),
                chat_message: None,
                station,
                kind: AlertKind::Timer,
                timer: d.kind,
                level: d.level,
                deadline: d.deadline,
                suggested: None,
            };
            alert.id = live::insert_alert(&mut tx, &alert).await?;
            out.push(alert.clone());
            if d.kind == TimerKind::Arrival && d.level == TimerLevel::Red {
                let suggested = place.and_then(|at| super::recommend_at(&self.shared, at, 1, now).into_iter().next());
                let mut escalation = AlertView { kind: AlertKind::Escalation, suggested, ..alert };
                escalation.id = live::insert_alert(&mut tx, &escalation).await?;
                out.push(escalation);
            }
        }
        tx.commit().await?;
        Ok(out)
    }
}
