use leptos::prelude::*;

use crate::format;
use crate::i18n::{msg, t};

/// The review's desk section: what the chat-group desk did in the period
/// (all groups; the station filter does not apply to chat messages).
#[component]
pub fn DeskReviewSection(from: String, to: String) -> impl IntoView {
    let q = format!("/api/v1/review/desk?from={from}&to={to}");
    let report = Resource::new(move || (from.clone(), to.clone()), |(f, t)| crate::server_fns::get_desk_review(f, t));
    let body = move || {
        Suspend::new(async move {
            match report.await {
                Err(e) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
                Ok(r) => {
                    let f = r.figures;
                    let secs = |s: Option<i64>| format::duration(s.map(|s| s as f64));
                    let rows = [
                        (t(msg::DESK_MESSAGES_RECEIVED), f.received.to_string(), "received"),
                        (t(msg::DESK_ANSWERED), f.answered.to_string(), "answered"),
                        (t(msg::DESK_FIRST_REPLY_MEDIAN), secs(f.first_reply_median_s), "median"),
                        (t(msg::DESK_FIRST_REPLY_90TH_PERCENTILE), secs(f.first_reply_p90_s), "p90"),
                        (
                            t(msg::DESK_ANSWERED_WITHIN_TARGET),
                            format!("{} ({}/{})", format::percent(f.within_target_share), f.within_target, f.received),
                            "within",
                        ),
                        (t(msg::DESK_TURNED_INTO_INCIDENTS), f.incidents.to_string(), "incidents"),
                        (t(msg::DESK_CONSULTATIONS_ANSWERED), f.consultations.to_string(), "consultations"),
                        (t(msg::DESK_NOT_POLICE_BUSINESS), f.not_police.to_string(), "not_police"),
                        (t(msg::DESK_LOOPS_CLOSED), f.loops_closed.to_string(), "loops"),
                    ]
                    .into_iter()
                    .map(|(label, value, key)| view! { <tr data-desk=key><th>{label}</th><td class="num">{value}</td></tr> })
                    .collect_view();
                    view! {
                        <table class="desk-review-table">
                            <tbody>{rows}</tbody>
                        </table>
                        <p class="note">
                            {format!(
                                "{} {} s",
                                t(msg::DESK_TARGET_FIRST_REPLY_WITHIN),
                                f.target_s
                            )}
                        </p>
                    }
                    .into_any()
                }
            }
        })
    };
    view! {
        <section class="sheet desk-review">
            <h2>
                {t(msg::DESK)}
                <small class="no-print"><a href=q rel="external">"JSON"</a></small>
            </h2>
            <Suspense fallback=|| view! { <p class="loading">"…"</p> }>{body}</Suspense>
        </section>
    }
}
