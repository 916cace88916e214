//! The keyboard shortcuts, in a dialog.

use gloo::events::EventListener;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Every shortcut the simulator understands, as (keys, action).
pub const SHORTCUTS: [(&str, &str); 9] = [
    ("Space", "Play or pause"),
    ("→", "Step forward"),
    ("←", "Step back"),
    ("Home", "Go to step 0"),
    ("End", "Run to the end (or 10,000 steps)"),
    ("R", "Reset the run"),
    ("+ / −", "Faster / slower"),
    (
        "1 – 4",
        "Delivery mode: at-most-once, at-least-once, idempotent, transactional",
    ),
    ("?", "Show or hide this help"),
];

#[derive(Properties, PartialEq)]
pub struct HelpOverlayProps {
    pub on_close: Callback<()>,
}

#[component]
pub fn HelpOverlay(props: &HelpOverlayProps) -> Html {
    let close_ref = use_node_ref();
    {
        // Focus the close button when the dialog opens, and close on Escape.
        let close_ref = close_ref.clone();
        let on_close = props.on_close.clone();
        use_effect_with((), move |_| {
            if let Some(button) = close_ref.cast::<web_sys::HtmlElement>() {
                let _ = button.focus();
            }
            let listener = EventListener::new(&gloo::utils::document(), "keydown", move |event| {
                if let Some(event) = event.dyn_ref::<web_sys::KeyboardEvent>() {
                    if event.key() == "Escape" {
                        on_close.emit(());
                    }
                }
            });
            move || drop(listener)
        });
    }
    let close = {
        let on_close = props.on_close.clone();
        Callback::from(move |_| on_close.emit(()))
    };
    html! {
        <div class="overlay" role="presentation">
            <div class="panel" role="dialog" aria-modal="true" aria-labelledby="help-title">
                <div class="panel-header">
                    <h2 id="help-title">{ "Keyboard shortcuts" }</h2>
                    <button ref={close_ref} onclick={close}>{ "Close" }</button>
                </div>
                <dl class="shortcut-list">
                    { for SHORTCUTS.iter().map(|(keys, action)| html! {
                        <><dt><kbd>{ *keys }</kbd></dt><dd>{ *action }</dd></>
                    }) }
                </dl>
                <p>{ "Shortcuts work whenever the focus is not in a text field. Every button also works with Tab and Enter." }</p>
            </div>
        </div>
    }
}
