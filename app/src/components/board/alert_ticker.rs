//! The latest breaches and escalations, newest first: what the room must act
//! on now. Server-rendered from the snapshot's alerts, then fed by the
//! stream's `timer` and `escalation` events. Amber warnings are left out:
//! they are already on the map and in the countdowns. Must-patrol points
//! whose window ended unvisited tonight are listed with them, at the time
//! the window ended.

use domain::AlertKind;
use domain::patrol::PointState;
use leptos::prelude::*;

use crate::format;
use crate::i18n::{self, msg, t};
use crate::live::Live;
use domain::TimerLevel;

#[component]
pub fn AlertTicker(live: Live, offset_minutes: i32, #[prop(optional)] limit: Option<usize>) -> impl IntoView {
    let lang = i18n::lang();
    let (none, escalated, overdue, suggest, nobody) =
        (t(msg::NO_ALERTS), t(msg::ESCALATED), t(msg::OVERDUE_SUFFIX), t(msg::SUGGEST), t(msg::NOBODY_FREE));
    let rows = move || {
        let names =
            live.figures.with(|f| f.stations.iter().map(|s| (s.code.clone(), s.name.clone())).collect::<Vec<_>>());
        let alerts: Vec<_> = live.alerts.with(|a| {
            a.iter()
                .filter(|a| a.kind == AlertKind::Escalation || a.level == TimerLevel::Red)
                .take(limit.unwrap_or(6))
                .cloned()
                .map(Row::Alert)
                .collect()
        });
        let misses: Vec<_> = live.points.with(|m| {
            m.values()
                .filter(|p| p.state == PointState::Missed && p.window_end.is_some())
                .cloned()
                .map(Row::Miss)
                .collect()
        });
        let mut list: Vec<Row> = alerts.into_iter().chain(misses).collect();
        list.sort_by_key(|r| std::cmp::Reverse(r.at()));
        list.truncate(limit.unwrap_or(6));
        if list.is_empty() {
            return view! { <li class="empty">{none}</li> }.into_any();
        }
        list.into_iter()
            .map(|row| {
                let a = match row {
                    Row::Alert(a) => a,
                    Row::Miss(p) => {
                        let station = names
                            .iter()
                            .find(|(c, _)| c.as_str() == p.station)
                            .filter(|_| lang == i18n::Lang::Zh)
                            .map_or_else(|| p.station.clone(), |(_, n)| n.clone());
                        return view! {
                            <li class="alert-row alert-patrol-miss" data-alert-kind="patrol_miss" data-missed-point=p.code.clone()>
                                <span class="alert-time">{p.window_end.map(|t| format::clock_hm(t, offset_minutes))}</span>
                                <span class="alert-id">{p.code.clone()}</span>
                                <span class="alert-what">{format!("{} {}", t(msg::POINT_MISSED), p.name)}</span>
                                <span class="alert-where">{station}</span>
                            </li>
                        }
                        .into_any();
                    }
                };
                let is_esc = a.kind == AlertKind::Escalation;
                let sep = if lang == i18n::Lang::En { " " } else { "" };
                let what =
                    format!("{}{sep}{}", i18n::timer_kind(a.timer).get(lang), if is_esc { escalated } else { overdue });
                let station = a.station.as_ref().map(|code| {
                    names
                        .iter()
                        .find(|(c, _)| c == code)
                        .filter(|_| lang == i18n::Lang::Zh)
                        .map_or_else(|| code.to_string(), |(_, n)| n.clone())
                });
                let next = is_esc.then(|| match &a.suggested {
                    Some(r) => format!("{suggest} {} ({})", r.callsign, format::duration(Some(r.eta_s))),
                    None => nobody.to_owned(),
                });
                // an incident's number, or a chat message's (its reply timer)
                let about = match (a.incident, a.chat_message) {
                    (Some(i), _) => format!("#{i}"),
                    (None, Some(m)) => format!("{}#{m}", i18n::msg::TICKER_CHAT_MESSAGE.get(lang)),
                    (None, None) => String::new(),
                };
                view! {
                    <li
                        class=format!("alert-row alert-{}", a.kind)
                        data-alert-kind=a.kind.as_str()
                        data-incident-id=a.incident.map(|i| i.to_string()).unwrap_or_default()
                        data-chat-message-id=a.chat_message.map(|m| m.to_string()).unwrap_or_default()
                    >
                        <span class="alert-time">{format::clock_hm(a.at, offset_minutes)}</span>
                        <span class="alert-id">{about}</span>
                        <span class="alert-what">{what}</span>
                        <span class="alert-where">{station.unwrap_or_default()}</span>
                        {next.map(|n| view! { <span class="alert-next">{n}</span> })}
                    </li>
                }
                .into_any()
            })
            .collect_view()
            .into_any()
    };
    view! { <ul class="alert-ticker">{rows}</ul> }
}

/// A ticker line: a timer alert or escalation, or a missed patrol point.
enum Row {
    Alert(crate::wire::AlertView),
    Miss(crate::wire::PointStateView),
}

impl Row {
    fn at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        match self {
            Row::Alert(a) => Some(a.at),
            Row::Miss(p) => p.window_end,
        }
    }
}
