//! The lessons module: the Lessons view, built apart from the page so that the first view
//! does not download it. The page loads it when the Lessons view first opens and calls
//! `mount`, `update` and `unmount` (`lessons_host.rs`, `module_loader.rs`). A lesson
//! plays on a run of the module's own; the simulator's run is never touched.

use std::cell::RefCell;

use mqlab::components::lessons::Lessons;
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
    open: Option<String>,
    on_open: Callback<Option<String>>,
}

#[component]
fn Root(props: &RootProps) -> Html {
    html! {
        <WithWords lang={props.lang}>
            <Lessons open={props.open.clone()} on_open={props.on_open.clone()} />
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

/// The view's settings: the lesson asked for by its slug (`None` for the list, or a slug
/// that may name no lesson), and the page's function that opens a lesson by its slug, or
/// the list with `null`.
fn props(open: Option<String>, on_open: js_sys::Function, lang: Option<String>) -> RootProps {
    let on_open = Callback::from(move |slug: Option<String>| {
        let slug = slug.map_or(JsValue::NULL, |slug| JsValue::from_str(&slug));
        // The page's function only changes its view; nothing to do if it throws.
        let _ = on_open.call1(&JsValue::NULL, &slug);
    });
    let lang = lang.as_deref().and_then(Lang::from_tag).unwrap_or_default();
    RootProps {
        lang,
        open,
        on_open,
    }
}

/// A panic report in this view reopens the lesson that was on screen.
fn remember_lesson(open: Option<&str>) {
    if let Some(lesson) = open.and_then(mqlab_sim::lessons::find) {
        mqlab::panic_panel::remember_run(&lesson.link_fragment(), lesson.scenario.seed);
    }
}

/// Shows the Lessons view inside `root`, replacing any view already shown.
#[wasm_bindgen]
pub fn mount(
    root: web_sys::Element,
    open: Option<String>,
    on_open: js_sys::Function,
    lang: Option<String>,
) {
    unmount();
    remember_lesson(open.as_deref());
    let handle =
        yew::Renderer::<Root>::with_root_and_props(root, props(open, on_open, lang)).render();
    MOUNTED.with(|mounted| *mounted.borrow_mut() = Some(handle));
}

/// Shows another lesson, or the list, in the view on screen.
#[wasm_bindgen]
pub fn update(open: Option<String>, on_open: js_sys::Function, lang: Option<String>) {
    remember_lesson(open.as_deref());
    let props = props(open, on_open, lang);
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
