//! Where the page shows an analysis view (Compare, the crash matrix, the protocol lab).
//! Those views live in a WebAssembly module of their own (`analysis_views.rs`), fetched
//! the first time one of them opens (`module_loader.rs`), so that the first view
//! downloads none of their code. While the module loads the view says so; if it cannot
//! be fetched the view says why and offers to try again, and the rest of the page keeps
//! working.

use mqlab_sim::SharedRun;
use mqlab_text::page::Key;
use wasm_bindgen::prelude::*;
use yew::prelude::*;

use crate::module_loader::{self, Module, Shown};
use crate::state::Lab;
use crate::view::View;
use crate::words::current as words_now;

#[derive(Properties, PartialEq)]
pub struct AnalysisHostProps {
    /// Compare, the crash matrix or the protocol lab.
    pub view: View,
    /// The simulator's run, which Compare and the crash matrix read.
    pub lab: UseReducerHandle<Lab>,
    /// Shows the simulator: a run was opened from the view.
    pub on_open: Callback<()>,
}

#[component]
pub fn AnalysisHost(props: &AnalysisHostProps) -> Html {
    let words = words_now();
    let root = use_node_ref();
    let shown = use_state(|| Shown::Loading);
    let attempt = use_state(|| 0_u32);
    // The callback handed to the module lives as long as the view it was handed to.
    let on_open_js = use_mut_ref(|| None::<Closure<dyn Fn()>>);
    // The protocol lab does not read the run, so a new run leaves it as it is.
    let link = if props.view == View::ProtocolLab {
        String::new()
    } else {
        SharedRun::from_run(&props.lab.run.borrow()).to_link()
    };
    {
        let root = root.clone();
        let shown = shown.clone();
        let on_open = props.on_open.clone();
        // The module speaks the page's language: another language shows the view again.
        use_effect_with(
            (props.view, link, *attempt, words.lang()),
            move |(view, link, attempt, lang)| {
                if let Some(element) = root.cast::<web_sys::Element>() {
                    // The view is left from inside the module's own event handler: switch
                    // after it returns, so that the handler never outlives its callback.
                    let callback = Closure::<dyn Fn()>::new(move || {
                        let on_open = on_open.clone();
                        yew::platform::spawn_local(async move { on_open.emit(()) });
                    });
                    crate::lazy::ensure_stylesheet(if *view == View::ProtocolLab {
                        "parts/protocol-lab.css"
                    } else {
                        "parts/analysis.css"
                    });
                    let args = js_sys::Array::of4(
                        &JsValue::from_str(view.id()),
                        &JsValue::from_str(link),
                        callback.as_ref(),
                        &JsValue::from_str(lang.tag()),
                    );
                    module_loader::show(Module::Analysis, &element, &args, *attempt, &shown);
                    *on_open_js.borrow_mut() = Some(callback);
                }
                || module_loader::hide(Module::Analysis)
            },
        );
    }
    let retry = {
        let attempt = attempt.clone();
        Callback::from(move |_: MouseEvent| attempt.set(attempt.wrapping_add(1)))
    };
    html! {
        <div class="analysis-host" aria-busy={(*shown == Shown::Loading).to_string()}>
            { module_loader::status(words.get(what(props.view)), &shown, retry) }
            <div class="analysis-root" ref={root}></div>
        </div>
    }
}

/// The view, as the loading and failure messages name it.
fn what(view: View) -> Key {
    match view {
        View::Compare => Key::PartCompare,
        View::CrashMatrix => Key::PartCrashMatrix,
        View::ProtocolLab => Key::PartProtocolLab,
        View::Simulator | View::Lessons | View::Transactions | View::Challenges => Key::PartView,
    }
}
