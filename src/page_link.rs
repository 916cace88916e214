//! The page part of the address: which view is open, the theme and text size, and the
//! protocol lab's N and state. It sits in front of the run link, separated by a slash:
//!
//! ```text
//! #view=compare;theme=dark;text=large/v1.mode=idempotent&…~1a2b3c4d
//! #view=protocol-lab;rms=4;state=17/v1.…
//! ```
//!
//! A run link always starts with `v1.`, and a lesson link with `lesson=`, so a fragment
//! is read as having a page part only when everything before its first slash is a list
//! of known `key=value` items. Old links (`#v1.…`, `#lesson=…`) have none and open as
//! before: in the simulator (or the lesson), with the remembered theme and text size.

use std::cell::RefCell;

use gloo::events::EventListener;
use yew::prelude::*;

use crate::view::View;

/// Protocol-lab and view settings that travel in the address.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PagePart {
    /// The view; `None` is the simulator.
    pub view: Option<View>,
    /// `Some(true)` dark, `Some(false)` light, `None` the remembered or system choice.
    pub dark: Option<bool>,
    /// `Some(true)` for large text.
    pub large_text: Option<bool>,
    /// The protocol lab's number of resource managers.
    pub rms: Option<u32>,
    /// The protocol lab's selected state.
    pub state: Option<u32>,
    /// The protocol lab's broken variant.
    pub broken: Option<bool>,
}

/// The longest page part read; anything longer is not one.
const MAX_PAGE_PART_CHARS: usize = 200;

fn flag(value: &str, yes: &str, no: &str) -> Option<bool> {
    match value {
        v if v == yes => Some(true),
        v if v == no => Some(false),
        _ => None,
    }
}

impl PagePart {
    /// Reads a page part; `None` when the text is not one (an unknown key, a value out
    /// of range, or no `=`), so that such a fragment is treated as it always was.
    pub fn parse(text: &str) -> Option<PagePart> {
        if text.is_empty() || text.len() > MAX_PAGE_PART_CHARS {
            return None;
        }
        let mut part = PagePart::default();
        for item in text.split(';') {
            let (key, value) = item.split_once('=')?;
            match key {
                "view" => part.view = Some(View::from_id(value)?),
                "theme" => part.dark = Some(flag(value, "dark", "light")?),
                "text" => part.large_text = Some(flag(value, "large", "normal")?),
                "rms" => part.rms = Some(value.parse().ok().filter(|n| (1..=64).contains(n))?),
                "state" => part.state = Some(value.parse().ok()?),
                "broken" => part.broken = Some(flag(value, "1", "0")?),
                _ => return None,
            }
        }
        Some(part)
    }

    /// The page part as written in the address, without its slash; empty when it says
    /// nothing (the simulator, default settings).
    pub fn to_text(&self) -> String {
        let mut items = Vec::new();
        if let Some(view) = self.view.filter(|view| *view != View::Simulator) {
            items.push(format!("view={}", view.id()));
        }
        if let Some(dark) = self.dark {
            items.push(format!("theme={}", if dark { "dark" } else { "light" }));
        }
        if self.large_text == Some(true) {
            items.push("text=large".to_string());
        }
        if let Some(rms) = self.rms {
            items.push(format!("rms={rms}"));
        }
        if let Some(state) = self.state {
            items.push(format!("state={state}"));
        }
        if self.broken == Some(true) {
            items.push("broken=1".to_string());
        }
        items.join(";")
    }
}

/// Splits a fragment (without `#`) into its page part and the rest (the run or lesson
/// link).
pub fn split(fragment: &str) -> (PagePart, &str) {
    if let Some((head, rest)) = fragment.split_once('/') {
        if let Some(part) = PagePart::parse(head) {
            return (part, rest);
        }
    }
    (PagePart::default(), fragment)
}

/// The fragment with a page part in front of `rest`.
pub fn join(part: &PagePart, rest: &str) -> String {
    let head = part.to_text();
    if head.is_empty() {
        rest.to_string()
    } else {
        format!("{head}/{rest}")
    }
}

/// The current fragment, without its `#`.
pub fn current_fragment() -> String {
    let hash = gloo::utils::window().location().hash().unwrap_or_default();
    hash.strip_prefix('#').unwrap_or(&hash).to_string()
}

/// The simulator's run link in the address bar (after the view's part, if any).
pub fn run_in_address() -> String {
    split(&current_fragment()).1.to_string()
}

/// How often a part drawn apart from the page reads the address bar for a new run link,
/// in milliseconds.
const READ_RUN_EVERY_MS: u32 = 400;

/// The simulator's run link in the address bar, kept up to date: the page writes it
/// whenever the run stops on a step, so a part drawn by another module follows every
/// paused step and stays still while the run plays.
#[hook]
pub fn use_run_in_address() -> UseStateHandle<String> {
    let link = use_state(run_in_address);
    {
        let link = link.clone();
        use_effect_with((), move |_| {
            let timer = gloo::timers::callback::Interval::new(READ_RUN_EVERY_MS, move || {
                let now = run_in_address();
                if *link != now {
                    link.set(now);
                }
            });
            move || drop(timer)
        });
    }
    link
}

/// The page part of the current address.
pub fn current() -> PagePart {
    split(&current_fragment()).0
}

fn replace_fragment(fragment: &str) {
    if let Ok(history) = gloo::utils::window().history() {
        // Replace, not push, as the run link does: the back button leaves the page.
        let _ = history.replace_state_with_url(
            &wasm_bindgen::JsValue::NULL,
            "",
            Some(&format!("#{fragment}")),
        );
    }
}

/// Changes the page part of the address and keeps the rest.
pub fn update(change: impl FnOnce(&mut PagePart)) {
    let fragment = current_fragment();
    let (mut part, rest) = split(&fragment);
    change(&mut part);
    let next = join(&part, rest);
    if next != fragment {
        replace_fragment(&next);
    }
}

thread_local! {
    /// A fragment that could not be opened, and the run link at that moment: the
    /// address keeps the bad fragment, for the user to fix, until the run changes.
    static BAD_FRAGMENT: RefCell<Option<(String, String)>> = const { RefCell::new(None) };
}

/// Remembers that `fragment` could not be opened while the run was `link`.
pub fn note_bad_fragment(fragment: &str, link: &str) {
    BAD_FRAGMENT.with(|bad| *bad.borrow_mut() = Some((fragment.to_string(), link.to_string())));
}

/// True while the address still holds a fragment that could not be opened and the run
/// has not changed since: the run link is then not written over it.
pub fn keeps_bad_fragment(fragment: &str, link: &str) -> bool {
    BAD_FRAGMENT.with(|bad| {
        let mut bad = bad.borrow_mut();
        let keep = bad
            .as_ref()
            .is_some_and(|(f, l)| f.as_str() == fragment && l.as_str() == link);
        if !keep {
            *bad = None;
        }
        keep
    })
}

const THEME_KEY: &str = "mqlab.theme";
const TEXT_KEY: &str = "mqlab.text";

fn storage() -> Option<web_sys::Storage> {
    gloo::utils::window().local_storage().ok().flatten()
}

/// The theme to start with: the address, then the remembered choice, then the system's.
pub fn initial_dark(system_dark: bool) -> bool {
    current()
        .dark
        .or_else(|| {
            let stored = storage()?.get_item(THEME_KEY).ok().flatten()?;
            flag(&stored, "dark", "light")
        })
        .unwrap_or(system_dark)
}

/// The text size to start with: the address, then the remembered choice.
pub fn initial_large_text() -> bool {
    current()
        .large_text
        .or_else(|| {
            let stored = storage()?.get_item(TEXT_KEY).ok().flatten()?;
            flag(&stored, "large", "normal")
        })
        .unwrap_or(false)
}

/// The view to start with, from the address (the simulator when it names none).
pub fn initial_view() -> Option<View> {
    current().view
}

/// Remembers the theme and text size, and keeps the view, the theme (when it differs
/// from the system's) and the text size in the address. The protocol lab's items are
/// kept only while it is open. Lessons write their own fragment (`#lesson=…`), so a
/// lesson's address is left to them.
#[hook]
pub fn use_page_link(
    view: &UseStateHandle<View>,
    dark: bool,
    large_text: bool,
    system_dark: bool,
    run_and_lesson: (u64, bool),
) {
    {
        let view_now = **view;
        // The settings are remembered once chosen, not on the first render: a visitor who
        // never chose a theme keeps following the system's.
        let chosen = use_mut_ref(|| None::<(bool, bool)>);
        // The run's version and whether a lesson is open are dependencies too: a run link
        // followed in the address bar, or leaving a lesson, leaves the fragment to the run
        // link alone, and the page part is put back in front of it.
        use_effect_with(
            (view_now, dark, large_text, run_and_lesson),
            move |&(view, dark, large, _)| {
                let previous = chosen.borrow_mut().replace((dark, large));
                if previous.is_some_and(|before| before != (dark, large)) {
                    if let Some(storage) = storage() {
                        // Storage may be full or forbidden; the choice then lasts for this visit.
                        let _ = storage.set_item(THEME_KEY, if dark { "dark" } else { "light" });
                        let _ = storage.set_item(TEXT_KEY, if large { "large" } else { "normal" });
                    }
                }
                let fragment = current_fragment();
                let in_lesson = crate::lesson_link::lesson_in_fragment(&fragment).is_some();
                if !(view == View::Lessons && in_lesson) {
                    update(|part| {
                        part.view = Some(view);
                        part.dark = (dark != system_dark).then_some(dark);
                        part.large_text = Some(large);
                        if view != View::ProtocolLab {
                            part.rms = None;
                            part.state = None;
                            part.broken = None;
                        }
                    });
                }
            },
        );
    }
    // An address edited by hand (or a link followed in the page) can name a view.
    {
        let view = view.clone();
        use_effect_with((), move |_| {
            let listener = EventListener::new(&gloo::utils::window(), "hashchange", move |_| {
                if let Some(wanted) = current().view {
                    view.set(wanted);
                }
            });
            move || drop(listener)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_links_have_no_page_part() {
        for old in [
            "v1.mode=idempotent&messages=5&loss=1/20~edf76fd5",
            "lesson=consumer-crash-before-ack",
            "main",
            "",
            "lesson=a/b",
        ] {
            assert_eq!(split(old), (PagePart::default(), old), "{old}");
        }
    }

    #[test]
    fn a_page_part_round_trips_and_keeps_the_run_link() {
        let part = PagePart {
            view: Some(View::ProtocolLab),
            dark: Some(true),
            large_text: Some(true),
            rms: Some(4),
            state: Some(17),
            broken: Some(true),
        };
        let fragment = join(&part, "v1.loss=1/20~00000000");
        assert_eq!(
            fragment,
            "view=protocol-lab;theme=dark;text=large;rms=4;state=17;broken=1/v1.loss=1/20~00000000"
        );
        assert_eq!(split(&fragment), (part, "v1.loss=1/20~00000000"));
    }

    #[test]
    fn unknown_items_are_not_a_page_part() {
        for head in [
            "view=nowhere",
            "rms=0",
            "rms=x",
            "theme=blue",
            "colour=red",
            "view",
        ] {
            let fragment = format!("{head}/v1.x");
            assert_eq!(split(&fragment).1, fragment, "{head}");
        }
    }

    #[test]
    fn the_simulator_with_default_settings_writes_nothing() {
        let part = PagePart {
            view: Some(View::Simulator),
            large_text: Some(false),
            ..PagePart::default()
        };
        assert_eq!(join(&part, "v1.x"), "v1.x");
    }
}
