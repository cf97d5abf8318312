use leptos::prelude::*;

use super::{DIMENSIONS, code_label, zone_label};
use crate::i18n::{Lang, lang, msg, t};
use crate::review::ReviewReport;

#[component]
pub fn FilterForm(r: ReviewReport) -> impl IntoView {
    let p = r.params.clone();
    let en = lang() == Lang::En;
    let select =
        move |name: &'static str, label: &'static str, current: Option<String>, choices: Vec<(String, String)>| {
            let current = current.unwrap_or_default();
            view! {
                <label>
                    {label}
                    <select name=name>
                        <option value="" selected=current.is_empty()>{t(msg::REVIEW_ALL)}</option>
                        {choices
                            .into_iter()
                            .map(|(v, l)| {
                                let sel = v == current;
                                view! { <option value=v selected=sel>{l}</option> }
                            })
                            .collect_view()}
                    </select>
                </label>
            }
        };
    let pairs = |v: &[crate::review::Choice]| v.iter().map(|c| (c.value.clone(), c.label.clone())).collect::<Vec<_>>();
    let coded = |dim: &str, v: &[crate::review::Choice]| {
        v.iter().map(|c| (c.value.clone(), code_label(dim, &c.value))).collect::<Vec<_>>()
    };
    let hours: Vec<(String, String)> = (0..24).map(|h| (h.to_string(), format!("{h:02}:00"))).collect();
    let weekdays: Vec<(String, String)> =
        msg::WEEKDAYS.iter().enumerate().map(|(i, d)| (i.to_string(), t(*d).to_owned())).collect();
    let classes: Vec<(String, String)> =
        ["core", "crowded", "other", "outside"].iter().map(|c| (c.to_string(), zone_label(c).to_owned())).collect();
    let priorities: Vec<(String, String)> = (1..=3).map(|p| (p.to_string(), p.to_string())).collect();
    let dims: Vec<(String, String)> =
        DIMENSIONS.iter().map(|(k, label)| (k.to_string(), t(*label).to_owned())).collect();
    view! {
        <form class="review-filters no-print" method="get" action="/review">
            {en.then(|| view! { <input type="hidden" name="lang" value="en" /> })}
            <label>{t(msg::REVIEW_FROM)} <input type="date" name="from" value=p.from.clone().unwrap_or_default() required /></label>
            <label>{t(msg::REVIEW_TO)} <input type="date" name="to" value=p.to.clone().unwrap_or_default() required /></label>
            {select("station", t(msg::REVIEW_STATION), p.station.clone(), pairs(&r.options.stations))}
            {select("zone_class", t(msg::REVIEW_ZONE_CLASS), p.zone_class.clone(), classes)}
            {select("category", t(msg::CATEGORY), p.category.clone(), coded("category", &r.options.categories))}
            {select("channel", t(msg::REVIEW_CHANNEL), p.channel.clone(), coded("channel", &r.options.channels))}
            {select("unit", t(msg::REVIEW_UNIT), p.unit.clone(), pairs(&r.options.units))}
            {select("priority", t(msg::PRIORITY), p.priority.clone(), priorities)}
            {select("hour", t(msg::REVIEW_HOUR), p.hour.clone(), hours)}
            {select("weekday", t(msg::REVIEW_WEEKDAY), p.weekday.clone(), weekdays)}
            {select("by", t(msg::REVIEW_BREAK_DOWN_BY), p.by.clone(), dims)}
            {p.bbox.clone().map(|b| view! { <input type="hidden" name="bbox" value=b /> })}
            <button type="submit">{t(msg::REVIEW_APPLY)}</button>
        </form>
    }
}
