//! Where the page shows a panel that lives in a WebAssembly module (`module_loader.rs`):
//! the simulator's "In real systems" panel and the help overlay, which the analysis
//! module draws, so that the first view downloads none of their code. The panel is
//! fetched when it is first shown; while it loads the place says so, and if it cannot be
//! fetched it says why and offers to try again, while the rest of the page keeps working.
//! The panel is given its text arguments, then (for a panel that answers the page: the
//! help closing, a setting chosen) a function it calls with a text, then the page's
//! language.

use std::rc::Rc;

use wasm_bindgen::prelude::*;
use yew::prelude::*;

use crate::module_loader::{self, Module, Shown};
use crate::words::current as words_now;
use mqlab_text::page::Key;

#[derive(Properties, PartialEq)]
pub struct ModulePanelProps {
    /// The panel.
    pub module: Module,
    /// What the loading and failure messages call it.
    pub what: Key,
    /// Its text arguments; new ones show it again with them.
    #[prop_or_default]
    pub args: Rc<[String]>,
    /// Called with what the panel says to the page, for a panel that answers it.
    #[prop_or_default]
    pub on_message: Option<Callback<String>>,
    /// The class of the element the panel is drawn in.
    #[prop_or_default]
    pub class: Classes,
    /// Fetched only when the place comes near the screen (a panel below the first
    /// screen), rather than at once.
    #[prop_or_default]
    pub when_visible: bool,
}

/// The function handed to the module, through which it answers the page.
type Answer = Closure<dyn Fn(JsValue)>;

/// The arguments of the module's `mount` and `update`, after the element.
fn arguments(
    args: &[String],
    on_message: Option<&Closure<dyn Fn(JsValue)>>,
    lang: &str,
) -> js_sys::Array {
    let array = js_sys::Array::new();
    for arg in args {
        array.push(&JsValue::from_str(arg));
    }
    if let Some(on_message) = on_message {
        array.push(on_message.as_ref());
    }
    array.push(&JsValue::from_str(lang));
    array
}

#[component]
pub fn ModulePanel(props: &ModulePanelProps) -> Html {
    let words = words_now();
    let root = use_node_ref();
    let shown = use_state(|| Shown::Loading);
    let attempt = use_state(|| 0_u32);
    let seen = use_state(|| !props.when_visible);
    {
        let root = root.clone();
        let seen = seen.clone();
        use_effect_with(*seen, move |already| {
            let stop = match (already, root.cast::<web_sys::Element>()) {
                (false, Some(element)) => {
                    let on_seen = Closure::<dyn Fn()>::new(move || seen.set(true));
                    let stop =
                        module_loader::when_visible(&element, on_seen.as_ref().unchecked_ref());
                    Some((stop, on_seen))
                }
                _ => None,
            };
            move || {
                if let Some((stop, _on_seen)) = stop {
                    // Stopping a watch that already ended does nothing.
                    let _ = stop.call0(&JsValue::NULL);
                }
            }
        });
    }
    // The page's latest callback, which the function handed to the module calls after
    // the module's own event handler has returned.
    let latest = use_mut_ref(|| props.on_message.clone());
    *latest.borrow_mut() = props.on_message.clone();
    let on_message_js: Rc<Option<Answer>> = use_memo(props.on_message.is_some(), |answers| {
        answers.then(|| {
            Closure::<dyn Fn(JsValue)>::new(move |message: JsValue| {
                if let Some(on_message) = latest.borrow().clone() {
                    let message = message.as_string().unwrap_or_default();
                    yew::platform::spawn_local(async move { on_message.emit(message) });
                }
            })
        })
    });
    let lang = words.lang().tag();
    {
        let root = root.clone();
        let shown = shown.clone();
        let args = props.args.clone();
        let on_message_js = on_message_js.clone();
        let module = props.module;
        use_effect_with((*attempt, *seen), move |(attempt, seen)| {
            let element = root.cast::<web_sys::Element>().filter(|_| *seen);
            if let Some(element) = &element {
                let array = arguments(&args, (*on_message_js).as_ref(), lang);
                module_loader::show(module, element, &array, *attempt, &shown);
            }
            move || {
                if element.is_some() {
                    module_loader::hide(module);
                }
            }
        });
    }
    {
        let module = props.module;
        use_effect_with((props.args.clone(), lang), move |(args, lang)| {
            module_loader::update(module, &arguments(args, (*on_message_js).as_ref(), lang));
        });
    }
    let retry = {
        let attempt = attempt.clone();
        Callback::from(move |_: MouseEvent| attempt.set(attempt.wrapping_add(1)))
    };
    html! {
        <div class={props.class.clone()} aria-busy={(*shown == Shown::Loading).to_string()}>
            { module_loader::status(words.get(props.what), &shown, retry) }
            <div ref={root}></div>
        </div>
    }
}
