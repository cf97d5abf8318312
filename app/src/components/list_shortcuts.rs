//! The keys of a page that works through a list (the dispatch console's
//! incidents, the desk's messages): J/K select the next/previous item,
//! Escape leaves a field; the page's own keys go to `other`. Keys typed into
//! a field stay in the field, except Escape.

use leptos::prelude::*;

/// Moves the focus to the element with this id (when there is one).
pub fn focus(id: &str) {
    use wasm_bindgen::JsCast;
    if let Some(el) = document().get_element_by_id(id).and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = el.focus();
    }
}

/// Listens to the window's keys for as long as the calling component lives:
/// `list` is the items in the order on the screen, `selected` the one
/// chosen; any other key (outside a field, without Ctrl, Meta or Alt) goes
/// to `other`.
pub fn use_list_shortcuts<T>(
    list: impl Fn() -> Vec<T> + 'static,
    selected: RwSignal<Option<T>>,
    other: impl Fn(&str, &web_sys::KeyboardEvent) + 'static,
) where
    T: Copy + PartialEq + Send + Sync + 'static,
{
    use wasm_bindgen::JsCast;
    let handle = window_event_listener(leptos::ev::keydown, move |ev: web_sys::KeyboardEvent| {
        if ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
            return;
        }
        let key = ev.key();
        let in_field = document()
            .active_element()
            .map(|e| matches!(e.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"))
            .unwrap_or(false);
        if in_field {
            if key == "Escape"
                && let Some(el) = document().active_element().and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = el.blur();
            }
            return;
        }
        match key.as_str() {
            "j" | "k" | "J" | "K" => {
                let list = list();
                if list.is_empty() {
                    return;
                }
                let at = selected.get_untracked().and_then(|id| list.iter().position(|x| *x == id));
                let next = match (key.as_str(), at) {
                    ("j" | "J", Some(i)) => (i + 1).min(list.len() - 1),
                    ("k" | "K", Some(i)) => i.saturating_sub(1),
                    _ => 0,
                };
                selected.set(Some(list[next]));
            }
            _ => other(key.as_str(), &ev),
        }
    });
    on_cleanup(move || handle.remove());
}
