//! The worlds module: the Transactions view (Kafka transactions and the dual writes),
//! built apart from the page, with the core's `kafka-txn` and `outbox` features that the
//! page's own module never carries. The page loads it when the view first opens and
//! calls `mount`, `update` and `unmount` (`module_panel.rs`, `module_loader.rs`). The
//! view runs worlds of its own; the simulator's run is never touched.

use std::cell::RefCell;

use mqlab::components::worlds::worlds_view::WorldsView;
use mqlab::words::WithWords;
use mqlab_text::Lang;
use wasm_bindgen::prelude::*;
use yew::prelude::*;

thread_local! {
    /// The view on screen, if any.
    static MOUNTED: RefCell<Option<yew::AppHandle<Root>>> = const { RefCell::new(None) };
}

/// The view in the page's language.
#[derive(Properties, PartialEq)]
struct RootProps {
    lang: Lang,
}

#[component]
fn Root(props: &RootProps) -> Html {
    html! {
        <WithWords lang={props.lang}>
            <WorldsView />
        </WithWords>
    }
}

fn main() {
    mqlab::panic_panel::install();
    mqlab::module_loader::spend_the_first_tree_number();
    // The page fetches the errors' and the steps' English when it needs them; a module,
    // fetched only when one of its views opens, carries them: the core's refusals and
    // runs are told with them.
    mqlab_text::late::carry_all();
}

fn props(lang: Option<String>) -> RootProps {
    RootProps {
        lang: lang.as_deref().and_then(Lang::from_tag).unwrap_or_default(),
    }
}

/// Shows the Transactions view inside `root` in the language `lang`, replacing any
/// view already shown.
#[wasm_bindgen]
pub fn mount(root: web_sys::Element, lang: Option<String>) {
    unmount();
    mqlab::lazy::ensure_stylesheet("parts/worlds.css");
    let handle = yew::Renderer::<Root>::with_root_and_props(root, props(lang)).render();
    MOUNTED.with(|mounted| *mounted.borrow_mut() = Some(handle));
}

/// Shows the view in another language.
#[wasm_bindgen]
pub fn update(lang: Option<String>) {
    let props = props(lang);
    MOUNTED.with(|mounted| {
        if let Some(handle) = mounted.borrow_mut().as_mut() {
            handle.update(props);
        }
    });
}

/// Removes the view shown, with its timers and listeners.
#[wasm_bindgen]
pub fn unmount() {
    if let Some(handle) = MOUNTED.with(|mounted| mounted.borrow_mut().take()) {
        handle.destroy();
    }
}
