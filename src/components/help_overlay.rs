//! The keyboard shortcuts and the words the page uses, in a dialog that keeps the
//! keyboard focus while it is open (the page gives it back when it closes).

use gloo::events::EventListener;
use mqlab_text::settings::Key;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::words::current as words_now;

/// Every shortcut the simulator understands, as (keys, action): the keys are the key
/// caps' names, translated where a keyboard writes them in words.
pub const SHORTCUTS: [(Keys, Key); 10] = [
    (Keys::Word(Key::HelpSpace), Key::HelpPlay),
    (Keys::Caps("→"), Key::HelpForward),
    (Keys::Caps("←"), Key::HelpBack),
    (Keys::Word(Key::HelpHomeKey), Key::HelpHome),
    (Keys::Word(Key::HelpEndKey), Key::HelpEnd),
    (Keys::Caps("R"), Key::HelpReset),
    (Keys::Caps("+ / −"), Key::HelpSpeed),
    (Keys::Caps("1 – 4"), Key::HelpModes),
    (Keys::Caps("P"), Key::HelpPresent),
    (Keys::Caps("?"), Key::HelpToggle),
];

/// The keys of a shortcut: signs every keyboard shows, or a key's name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keys {
    Caps(&'static str),
    Word(Key),
}

/// The words the page uses that a newcomer may not know, as (word, meaning).
pub const GLOSSARY: [(Key, Key); 7] = [
    (Key::HelpWordTick, Key::HelpTick),
    (Key::HelpWordStep, Key::HelpStep),
    (Key::HelpWordTrace, Key::HelpTrace),
    (Key::HelpWordBreakpoint, Key::HelpBreakpoint),
    (Key::HelpWordFsync, Key::HelpFsync),
    (Key::HelpWordMaxInFlight, Key::HelpMaxInFlight),
    (Key::HelpWordInDoubt, Key::HelpInDoubt),
];

#[derive(Properties, PartialEq)]
pub struct HelpOverlayProps {
    pub on_close: Callback<()>,
}

/// The elements inside `root` that Tab stops at, in document order.
fn focusable_in(root: &web_sys::Element) -> Vec<web_sys::HtmlElement> {
    // A CSS selector.
    let selector = "button:not([disabled]), a[href], [tabindex]:not([tabindex='-1'])"; // not prose
    let Ok(list) = root.query_selector_all(selector) else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|index| list.item(index))
        .filter_map(|node| node.dyn_into::<web_sys::HtmlElement>().ok())
        .collect()
}

fn active_element() -> Option<web_sys::Element> {
    gloo::utils::document().active_element()
}

#[component]
pub fn HelpOverlay(props: &HelpOverlayProps) -> Html {
    let words = words_now();
    let close_ref = use_node_ref();
    let dialog_ref = use_node_ref();
    {
        // Focus the close button when the dialog opens; keep Tab inside the dialog; close
        // on Escape. The page gives the focus back to where it was when the dialog closes.
        let close_ref = close_ref.clone();
        let dialog_ref = dialog_ref.clone();
        let on_close = props.on_close.clone();
        use_effect_with((), move |_| {
            if let Some(button) = close_ref.cast::<web_sys::HtmlElement>() {
                let _ = button.focus();
            }
            let keys = {
                let dialog_ref = dialog_ref.clone();
                EventListener::new_with_options(
                    &gloo::utils::document(),
                    "keydown",
                    gloo::events::EventListenerOptions::enable_prevent_default(),
                    move |event| {
                        let Some(event) = event.dyn_ref::<web_sys::KeyboardEvent>() else {
                            return;
                        };
                        if event.key() == "Escape" {
                            on_close.emit(());
                            return;
                        }
                        if event.key() != "Tab" {
                            return;
                        }
                        let Some(dialog) = dialog_ref.cast::<web_sys::Element>() else {
                            return;
                        };
                        let stops = focusable_in(&dialog);
                        let (Some(first), Some(last)) = (stops.first(), stops.last()) else {
                            return;
                        };
                        let active = active_element();
                        let inside = active.as_ref().is_some_and(|a| dialog.contains(Some(a)));
                        let at = |stop: &web_sys::HtmlElement| {
                            active
                                .as_ref()
                                .is_some_and(|a| a == stop.unchecked_ref::<web_sys::Element>())
                        };
                        let target = if !inside {
                            Some(first)
                        } else if event.shift_key() && at(first) {
                            Some(last)
                        } else if !event.shift_key() && at(last) {
                            Some(first)
                        } else {
                            None
                        };
                        if let Some(target) = target {
                            event.prevent_default();
                            let _ = target.focus();
                        }
                    },
                )
            };
            // A click outside the dialog does not take the focus away either.
            let focus = EventListener::new(&gloo::utils::document(), "focusin", move |event| {
                let Some(dialog) = dialog_ref.cast::<web_sys::Element>() else {
                    return;
                };
                let target = event
                    .target()
                    .and_then(|t| t.dyn_into::<web_sys::Node>().ok());
                if !dialog.contains(target.as_ref()) {
                    if let Some(first) = focusable_in(&dialog).first() {
                        let _ = first.focus();
                    }
                }
            });
            move || {
                drop(keys);
                drop(focus);
            }
        });
    }
    let close = {
        let on_close = props.on_close.clone();
        Callback::from(move |_| on_close.emit(()))
    };
    // A press on the shade around the dialog would move the focus to the page behind it.
    let keep_focus = Callback::from(|event: MouseEvent| {
        let on_shade = event
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|e| e.class_name().split_whitespace().any(|c| c == "overlay"));
        if on_shade {
            event.prevent_default();
        }
    });
    html! {
        <div class="overlay" role="presentation" onmousedown={keep_focus}>
            <div class="panel" role="dialog" aria-modal="true" aria-labelledby="help-title" ref={dialog_ref}>
                <div class="panel-header">
                    <h2 id="help-title">{ words.get(Key::HelpTitle) }</h2>
                    <button ref={close_ref} onclick={close}>{ words.get(Key::HelpClose) }</button>
                </div>
                <dl class="shortcut-list">
                    { for SHORTCUTS.iter().map(|(keys, action)| {
                        let keys = match keys {
                            Keys::Caps(caps) => caps,
                            Keys::Word(key) => words.get(*key),
                        };
                        html! {
                            <><dt><kbd>{ keys }</kbd></dt><dd>{ words.get(*action) }</dd></>
                        }
                    }) }
                </dl>
                <p>{ words.get(Key::HelpFocus) }</p>
                <h3 id="glossary-title">{ words.get(Key::HelpGlossary) }</h3>
                <dl class="glossary" aria-labelledby="glossary-title">
                    { for GLOSSARY.iter().map(|(word, meaning)| html! {
                        <><dt>{ words.get(*word) }</dt><dd>{ words.get(*meaning) }</dd></>
                    }) }
                </dl>
            </div>
        </div>
    }
}
