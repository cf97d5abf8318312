//! The front page: what each screen is for.

use leptos::prelude::*;

use crate::components::session::SessionBar;
use crate::i18n::{Lang, lang, msg, t};

#[component]
pub fn HomePage() -> impl IntoView {
    let en = lang() == Lang::En;
    let q = if en { "?lang=en" } else { "" };
    let other = if en { "/" } else { "/?lang=en" };
    let review_desc = if en {
        "Response times for station chiefs: compliance, year-on-year, breakdowns, hot spots, every number down to its incidents; prints on A4."
    } else {
        "所长和领导看的回顾：到场用时、按时率、环比同比、分组、热点，每个数字可查到具体警情，可打印 A4 月报。"
    };
    let (screen_desc, dispatch_desc) = if en {
        (
            "The whole district at a glance for the big display: units, incidents, timers, today's figures.",
            "Take calls, see the nearest units with their ETAs, assign with one click, watch every timer.",
        )
    } else {
        (
            "大屏一张图：警力、警情、计时、今日指标，无人值守长时间运行。",
            "接警登记，就近推荐警力及预计到达时间，一键派警，盯住每个计时。",
        )
    };
    view! {
        <main class="page-simple home">
            <SessionBar />
            <h1>{t(msg::APP)}</h1>
            <p class="login-link">
                <a href=format!("/login{q}") rel="external">{t(msg::LOGIN)}</a>
                " — "
                {if en {
                    "the screens below are for the police: each opens after a login with its role."
                } else {
                    "以下各页面供警方使用，按角色登录后打开。"
                }}
            </p>
            <p class="intro">{t(msg::HOME_INTRO)}</p>
            <p class="resident-link">
                <a href=format!("/report{q}") rel="external">{if en { "Residents: report a problem" } else { "居民报警 · 反映问题" }}</a>
                " — "
                {if en {
                    "no account needed; a tracking code shows how it is going."
                } else {
                    "无需注册，凭查询码查看处理进度。"
                }}
            </p>
            <ul class="page-links">
                <li>
                    <a href=format!("/screen{q}") rel="external">{t(msg::WALL_SCREEN)}</a>
                    " — "
                    {screen_desc}
                </li>
                <li>
                    <a href=format!("/dispatch{q}") rel="external">{t(msg::DISPATCH)}</a>
                    " — "
                    {dispatch_desc}
                </li>
                <li>
                    <a href=format!("/desk{q}") rel="external">{if en { "Chat desk" } else { "警务群接警台" }}</a>
                    " — "
                    {if en {
                        "every message from the community chat groups, answered within the minute, turned into an incident when it is one."
                    } else {
                        "社区警务群的每条消息，一分钟内回复，是警情的转为警情。"
                    }}
                </li>
                <li>
                    <a href=format!("/review{q}") rel="external">{if en { "Review" } else { "警情回顾" }}</a>
                    " — "
                    {review_desc}
                </li>
                <li>
                    <a href="/api/v1/openapi.json" rel="external">{t(msg::API_DOC)}</a>
                </li>
            </ul>
            <p>
                <a href=other rel="external">{t(msg::SWITCH_LANG)}</a>
            </p>
        </main>
    }
}
