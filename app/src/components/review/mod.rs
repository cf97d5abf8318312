//! The parts of the station chiefs' review (see `pages::review`), one
//! component a file, and what they share.

mod breakdown;
mod community_section;
mod days_chart;
mod filter_form;
mod heat_table;
mod hot_spot_map;
mod incidents;
mod patrol_section;
mod response_chart;
mod review_sheet;
mod zone_table;

pub use breakdown::Breakdown;
pub use community_section::CommunitySection;
pub use days_chart::DaysChart;
pub use filter_form::FilterForm;
pub use heat_table::HeatTable;
pub use hot_spot_map::HotSpotMap;
pub use incidents::Incidents;
pub use patrol_section::PatrolSection;
pub use response_chart::ResponseChart;
pub use review_sheet::ReviewSheet;
pub use zone_table::ZoneTable;

use leptos::prelude::*;

use crate::i18n::{Lang, Tr, lang, msg, t};
use crate::review::ReviewParams;

/// A link to a page of the review with these params (keeping the language).
pub fn link(path: &str, p: &ReviewParams) -> String {
    let mut q = p.query();
    if lang() == Lang::En {
        if !q.is_empty() {
            q.push('&');
        }
        q.push_str("lang=en");
    }
    if q.is_empty() { path.to_owned() } else { format!("{path}?{q}") }
}

fn secs(v: Option<i64>) -> String {
    match v {
        None => "—".into(),
        Some(s) if s < 60 => format!("{s} s"),
        Some(s) => format!("{}:{:02}", s / 60, s % 60),
    }
}

fn pct(v: Option<f64>) -> String {
    v.map(|x| format!("{:.1}%", x * 100.0)).unwrap_or_else(|| "—".into())
}

/// A change in per cent with its sign ("−50%"); `better_down` marks a fall
/// as good (counts, times).
fn change(v: Option<f64>, better_down: bool) -> impl IntoView {
    let (text, class) = match v {
        None => ("—".to_owned(), "chg"),
        Some(x) => {
            let s = if x > 0.05 {
                format!("+{x:.1}%")
            } else if x < -0.05 {
                format!("−{:.1}%", -x)
            } else {
                "0%".to_owned()
            };
            let good = if better_down { x < -0.05 } else { x > 0.05 };
            let bad = if better_down { x > 0.05 } else { x < -0.05 };
            (
                s,
                if good {
                    "chg good"
                } else if bad {
                    "chg bad"
                } else {
                    "chg"
                },
            )
        }
    };
    view! { <span class=class>{text}</span> }
}

fn points(v: Option<f64>) -> impl IntoView {
    let (text, class) = match v {
        None => ("—".to_owned(), "chg"),
        Some(x) if x > 0.05 => (format!("+{x:.1} pt"), "chg good"),
        Some(x) if x < -0.05 => (format!("−{:.1} pt", -x), "chg bad"),
        Some(_) => ("0 pt".to_owned(), "chg"),
    };
    view! { <span class=class>{text}</span> }
}

/// The dimensions the breakdown groups by: the query's value and its label.
const DIMENSIONS: [(&str, Tr); 7] = [
    ("station", msg::REVIEW_FILTER_STATION),
    ("zone_class", msg::REVIEW_FILTER_ZONE_CLASS),
    ("category", msg::REVIEW_FILTER_CATEGORY),
    ("channel", msg::REVIEW_FILTER_CHANNEL),
    ("unit", msg::REVIEW_FILTER_UNIT),
    ("priority", msg::REVIEW_FILTER_PRIORITY),
    ("hour", msg::REVIEW_FILTER_HOUR),
];

/// A category's or channel's name in the page's language (the code when it
/// is neither).
fn code_label(dim: &str, code: &str) -> String {
    use std::str::FromStr;
    let l = lang();
    match dim {
        "category" => domain::Category::from_str(code).map(|c| crate::i18n::category(c).get(l).to_owned()).ok(),
        "channel" => domain::Channel::from_str(code).map(|c| crate::i18n::channel(c).get(l).to_owned()).ok(),
        _ => None,
    }
    .unwrap_or_else(|| code.to_owned())
}

fn zone_label(c: &str) -> &'static str {
    match c {
        "core" => t(msg::REVIEW_CORE),
        "crowded" => t(msg::REVIEW_CROWDED),
        "other" => t(msg::REVIEW_OTHER),
        _ => t(msg::REVIEW_OUTSIDE_ZONES),
    }
}
