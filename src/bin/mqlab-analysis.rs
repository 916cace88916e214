//! The analysis module: Compare, the crash matrix and the protocol lab, built apart from
//! the page so that the first view does not download them. The page loads it when one of
//! these views first opens and calls `mount` and `unmount` (`analysis_host.rs`,
//! `module_loader.rs`).

use std::cell::RefCell;

use mqlab::components::analysis_views::{AnalysisViews, AnalysisViewsProps};
use mqlab::view::View;
use wasm_bindgen::prelude::*;
use yew::prelude::*;

thread_local! {
    /// The views on screen, if any: one at a time.
    static MOUNTED: RefCell<Option<yew::AppHandle<AnalysisViews>>> = const { RefCell::new(None) };
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
) -> Result<(), JsValue> {
    unmount();
    // A panic report in these views reopens the run they were shown on.
    if let Ok(shared) = mqlab_sim::SharedRun::from_link(run_link) {
        mqlab::panic_panel::remember_run(run_link, shared.scenario.seed);
    }
    let view = View::from_id(view)
        .filter(|view| view.is_analysis())
        .ok_or_else(|| JsValue::from_str(&format!("the analysis module has no view {view:?}")))?;
    let on_open = Callback::from(move |()| {
        // The page's callback only switches its view; nothing to do if it throws.
        let _ = on_open.call0(&JsValue::NULL);
    });
    let props = AnalysisViewsProps {
        view,
        run_link: AttrValue::from(run_link.to_string()),
        on_open,
    };
    let handle = yew::Renderer::<AnalysisViews>::with_root_and_props(root, props).render();
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
