//! Where the page shows an analysis view (Compare, the crash matrix, the protocol lab).
//! Those views live in a WebAssembly module of their own (`analysis_views.rs`), fetched
//! the first time one of them opens, so that the first view downloads none of their
//! code. While the module loads the view says so; if it cannot be fetched the view says
//! why and offers to try again, and the rest of the page keeps working.

use std::cell::RefCell;
use std::rc::Rc;

use mqlab_sim::SharedRun;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use yew::prelude::*;

use crate::state::Lab;
use crate::view::View;

// The module is an ES module: the page imports it once, starts it, and asks it to show a
// view inside an element. A generation number makes a late start harmless when the
// learner has already left the view.
#[wasm_bindgen(inline_js = r#"
let loaded;
let generation = 0;
export function analysis_mount(js, wasm, root, view, link, onOpen) {
  const mine = ++generation;
  if (!loaded) {
    const base = document.baseURI;
    loaded = import(new URL(js, base).href).then(async (module) => {
      await module.default({ module_or_path: new URL(wasm, base).href });
      return module;
    });
    loaded.catch(() => { loaded = undefined; });
  }
  return loaded.then((module) => {
    if (mine === generation) module.mount(root, view, link, onOpen);
  });
}
export function analysis_unmount() {
  generation++;
  if (loaded) loaded.then((module) => module.unmount(), () => {});
}
"#)]
extern "C" {
    fn analysis_mount(
        js: &str,
        wasm: &str,
        root: &web_sys::Element,
        view: &str,
        link: &str,
        on_open: &js_sys::Function,
    ) -> js_sys::Promise;
    fn analysis_unmount();
}

/// A `<meta>` of the page, by name.
fn meta(name: &str) -> Option<String> {
    gloo::utils::document()
        .query_selector(&format!("meta[name=\"{name}\"]"))
        .ok()
        .flatten()?
        .get_attribute("content")
}

/// The module's files, as the page names them (the build writes their hashed names into
/// index.html: scripts/build-analysis-module).
fn module_files() -> Option<(String, String)> {
    Some((meta("mqlab-analysis")?, meta("mqlab-analysis-wasm")?))
}

/// The callback handed to the module with the view on screen.
type OpenCallback = Rc<RefCell<Option<Closure<dyn Fn()>>>>;

#[derive(Clone, Debug, PartialEq)]
enum Shown {
    Loading,
    Ready,
    Failed(String),
}

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
        use_effect_with(
            (props.view, link, *attempt),
            move |(view, link, attempt)| {
                mount(root, *view, link, *attempt, on_open, &shown, &on_open_js);
                analysis_unmount
            },
        );
    }
    let retry = {
        let attempt = attempt.clone();
        Callback::from(move |_: MouseEvent| attempt.set(attempt.wrapping_add(1)))
    };
    let status = match &*shown {
        Shown::Ready => Html::default(),
        Shown::Loading => html! {
            <p class="part-loading" role="status">
                <span class="spinner" aria-hidden="true"></span>
                { format!("Loading {}…", what(props.view)) }
            </p>
        },
        Shown::Failed(reason) => html! {
            <div class="notice error part-failed" role="alert">
                <p>{ format!("Could not load {}: {reason}. The rest of the page keeps working.", what(props.view)) }</p>
                <button onclick={retry}>{ "Try again" }</button>
            </div>
        },
    };
    html! {
        <div class="analysis-host" aria-busy={(*shown == Shown::Loading).to_string()}>
            { status }
            <div class="analysis-root" ref={root}></div>
        </div>
    }
}

/// The view, as the loading and failure messages name it.
fn what(view: View) -> &'static str {
    match view {
        View::Compare => "the comparison of the four modes",
        View::CrashMatrix => "the crash matrix",
        View::ProtocolLab => "the protocol lab",
        View::Simulator | View::Lessons => "the view",
    }
}

/// Loads the module if it is not yet, and shows the view in `root`.
fn mount(
    root: NodeRef,
    view: View,
    link: &str,
    attempt: u32,
    on_open: Callback<()>,
    shown: &UseStateHandle<Shown>,
    on_open_js: &OpenCallback,
) {
    let Some(element) = root.cast::<web_sys::Element>() else {
        return;
    };
    let Some((js, wasm)) = module_files() else {
        shown.set(Shown::Failed(
            "the page does not name its analysis module".into(),
        ));
        return;
    };
    // A new address after a failure, so that the browser fetches the module again
    // rather than repeating the failed import.
    let js = if attempt == 0 {
        js
    } else {
        format!("{js}?attempt={attempt}")
    };
    // The view is left from inside the module's own event handler: switch after it
    // returns, so that the handler never outlives its callback.
    let callback = Closure::<dyn Fn()>::new(move || {
        let on_open = on_open.clone();
        yew::platform::spawn_local(async move { on_open.emit(()) });
    });
    if view == View::ProtocolLab {
        crate::lazy::ensure_stylesheet("parts/protocol-lab.css");
    }
    shown.set(Shown::Loading);
    let promise = analysis_mount(
        &js,
        &wasm,
        &element,
        view.id(),
        link,
        callback.as_ref().unchecked_ref(),
    );
    *on_open_js.borrow_mut() = Some(callback);
    let shown = shown.clone();
    yew::platform::spawn_local(async move {
        match JsFuture::from(promise).await {
            Ok(_) => shown.set(Shown::Ready),
            Err(error) => shown.set(Shown::Failed(describe(&error))),
        }
    });
}

/// A failed import or start, in words.
fn describe(error: &JsValue) -> String {
    let message = error
        .dyn_ref::<js_sys::Error>()
        .map(|error| String::from(error.message()))
        .or_else(|| error.as_string())
        .unwrap_or_default();
    if message.is_empty() {
        "the module could not be fetched or started".into()
    } else {
        format!("the module could not be fetched or started ({message})")
    }
}
