//! The analysis module: Compare, the crash matrix and the protocol lab, built apart from
//! the page so that the first view does not download them. The page loads it when one of
//! these views first opens and calls `mount` and `unmount` (`analysis_host.rs`,
//! `module_loader.rs`). It also writes and reads the JSON scenario files of the share
//! bar (`export_file`, `import_file`; `scenario_file.rs`), so that the page carries
//! neither the file format's code nor its JSON library.

use std::cell::RefCell;

use mqlab::components::analysis_views::AnalysisViews;
use mqlab::view::View;
use mqlab::words::WithWords;
use mqlab_text::Lang;
use wasm_bindgen::prelude::*;
use yew::prelude::*;

thread_local! {
    /// The views on screen, if any: one at a time.
    static MOUNTED: RefCell<Option<yew::AppHandle<Root>>> = const { RefCell::new(None) };
}

/// The views in the page's language.
#[derive(Properties, PartialEq)]
struct RootProps {
    lang: Lang,
    view: View,
    run_link: AttrValue,
    on_open: Callback<()>,
}

#[component]
fn Root(props: &RootProps) -> Html {
    html! {
        <WithWords lang={props.lang}>
            <AnalysisViews view={props.view} run_link={props.run_link.clone()} on_open={props.on_open.clone()} />
        </WithWords>
    }
}

fn main() {
    mqlab::panic_panel::install();
    mqlab::module_loader::spend_the_first_tree_number();
}

/// Shows an analysis view (by its id) inside `root`, on the simulator's run given as its
/// link; `on_open` is called when the learner opens a run from the view. Replaces any
/// view already shown; an unknown view id shows nothing and says so.
#[wasm_bindgen]
pub fn mount(
    root: web_sys::Element,
    view: &str,
    run_link: &str,
    on_open: js_sys::Function,
    lang: Option<String>,
) -> Result<(), JsValue> {
    unmount();
    // A panic report in these views reopens the run they were shown on.
    if let Ok(shared) = mqlab_sim::SharedRun::from_link(run_link) {
        mqlab::panic_panel::remember_run(run_link, shared.scenario.seed);
    }
    let view = View::from_id(view)
        .filter(|view| view.is_analysis())
        // A page that names a view the module lacks is a programming error. // not prose
        .ok_or_else(|| JsValue::from_str(&format!("the analysis module has no view {view:?}")))?;
    let on_open = Callback::from(move |()| {
        // The page's callback only switches its view; nothing to do if it throws.
        let _ = on_open.call0(&JsValue::NULL);
    });
    let props = RootProps {
        lang: lang.as_deref().and_then(Lang::from_tag).unwrap_or_default(),
        view,
        run_link: AttrValue::from(run_link.to_string()),
        on_open,
    };
    let handle = yew::Renderer::<Root>::with_root_and_props(root, props).render();
    MOUNTED.with(|mounted| *mounted.borrow_mut() = Some(handle));
    Ok(())
}

/// Removes the view shown, with its timers and listeners.
#[wasm_bindgen]
pub fn unmount() {
    if let Some(handle) = MOUNTED.with(|mounted| mounted.borrow_mut().take()) {
        handle.destroy();
    }
}

/// The JSON scenario file of the run in `run_link`, with its trace when `with_trace`:
/// an object `{ text }`, or `{ error }` (why, in words) when the link cannot be rebuilt.
#[wasm_bindgen]
pub fn export_file(run_link: &str, with_trace: bool) -> js_sys::Object {
    answer(match mqlab::scenario_file::export(run_link, with_trace) {
        Ok(text) => vec![("text", text)],
        Err(reason) => vec![("error", reason)],
    })
}

/// Reads a scenario file and checks it by simulating its run again: an object
/// `{ link, notice }` (the run as its link, and what to tell the learner), or `{ error }`
/// (why, in words) when the file cannot be imported.
#[wasm_bindgen]
pub fn import_file(text: &str) -> js_sys::Object {
    answer(match mqlab::scenario_file::import(text) {
        Ok(imported) => vec![("link", imported.link), ("notice", imported.notice)],
        Err(reason) => vec![("error", reason)],
    })
}

/// A plain object with these text fields.
fn answer(fields: Vec<(&str, String)>) -> js_sys::Object {
    let object = js_sys::Object::new();
    for (key, value) in fields {
        // Setting a field of a plain object made here cannot fail.
        let _ = js_sys::Reflect::set(&object, &JsValue::from_str(key), &JsValue::from_str(&value));
    }
    object
}
