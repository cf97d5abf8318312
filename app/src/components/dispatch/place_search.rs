use leptos::prelude::*;

use crate::components::location::place_label;
use crate::i18n::{Lang, lang, msg, t};
use crate::wire::{Place, search_places};

/// Known places by name or pinyin initials. With the browser code the list
/// follows each keystroke (arrows and Enter pick); without it the form
/// searches on the server and each hit is a link that presets the location.
#[component]
pub fn PlaceSearch(
    places: StoredValue<Vec<Place>>,
    initial: String,
    on_pick: Callback<(f64, f64, String)>,
) -> impl IntoView {
    let en = lang() == Lang::En;
    let q = RwSignal::new(initial);
    let active = RwSignal::new(0usize);
    let results = Memo::new(move |_| {
        places.with_value(|p| search_places(p, &q.get(), 8).into_iter().cloned().collect::<Vec<Place>>())
    });
    let pick = move |p: &Place| {
        on_pick.run((p.lat, p.lon, p.name.clone()));
        q.set(String::new());
        active.set(0);
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let n = results.with_untracked(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" if n > 0 => {
                ev.prevent_default();
                active.update(|a| *a = (*a + 1).min(n - 1));
            }
            "ArrowUp" if n > 0 => {
                ev.prevent_default();
                active.update(|a| *a = a.saturating_sub(1));
            }
            "Enter" => {
                ev.prevent_default();
                if let Some(p) = results.with_untracked(|r| r.get(active.get_untracked()).cloned()) {
                    pick(&p);
                }
            }
            _ => {}
        }
    };
    let rows = move || {
        results
            .get()
            .into_iter()
            .enumerate()
            .map(|(i, p)| {
                let href = format!(
                    "/dispatch?lat={:.6}&lon={:.6}&address={}{}",
                    p.lat,
                    p.lon,
                    crate::review::encode(&p.name),
                    if en { "&lang=en" } else { "" }
                );
                let label = place_label(&p);
                let initials = p.initials.clone();
                let on_click = move |ev: leptos::ev::MouseEvent| {
                    ev.prevent_default();
                    pick(&p);
                };
                view! {
                    <li role="option" class="place-hit" class:active=move || active.get() == i aria-selected=move || (active.get() == i).to_string()>
                        <a href=href on:click=on_click rel="external">
                            <span class="place-name">{label}</span>
                            <span class="place-initials">{initials}</span>
                        </a>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <section class="panel place-search">
            <form method="get" action="/dispatch" role="search">
                {en.then(|| view! { <input type="hidden" name="lang" value="en" /> })}
                <label for="place-q">{t(msg::DISPATCH_PLACE_NAME_OR_PINYIN)}</label>
                <input
                    id="place-q"
                    name="place"
                    autocomplete="off"
                    placeholder=t(msg::DISPATCH_PLACE_EXAMPLE)
                    prop:value=move || q.get()
                    on:input=move |ev| {
                        q.set(event_target_value(&ev));
                        active.set(0);
                    }
                    on:keydown=on_key
                    aria-controls="place-results"
                />
            </form>
            <ul id="place-results" class="place-results" role="listbox">{rows}</ul>
        </section>
    }
}
