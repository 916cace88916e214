//! Where the page shows the Lessons view. The view lives in a WebAssembly module of its
//! own (`lessons.rs`, `bin/mqlab-lessons.rs`), fetched the first time it opens
//! (`module_loader.rs`), so that the first view downloads none of its code. The page
//! keeps the lesson links: it reads the lesson from the address (`lesson_link.rs`) and
//! hands it to the view, which asks the page to open another. While the module loads
//! the view says so; if it cannot be fetched the view says why and offers to try again,
//! and the rest of the page keeps working.

use std::rc::Rc;

use wasm_bindgen::prelude::*;
use yew::prelude::*;

use crate::module_loader::{self, Module, Shown};
use crate::words::current as words_now;
use mqlab_text::{page::Key, Lang};

#[derive(Properties, PartialEq)]
pub struct LessonsHostProps {
    /// The slug of the lesson asked for, if any (it may name no lesson).
    pub open: Option<String>,
    /// Opens a lesson by slug, or goes back to the list with `None`.
    pub on_open: Callback<Option<String>>,
}

/// The module's arguments after the element: the lesson asked for, and the function that
/// opens another.
fn arguments(open: Option<&str>, on_open: &Closure<dyn Fn(JsValue)>, lang: Lang) -> js_sys::Array {
    let open = open.map_or(JsValue::NULL, JsValue::from_str);
    js_sys::Array::of3(&open, on_open.as_ref(), &JsValue::from_str(lang.tag()))
}

#[component]
pub fn LessonsHost(props: &LessonsHostProps) -> Html {
    let words = words_now();
    let root = use_node_ref();
    let shown = use_state(|| Shown::Loading);
    let attempt = use_state(|| 0_u32);
    // The page's latest callback, which the function handed to the module calls.
    let latest = use_mut_ref(|| props.on_open.clone());
    *latest.borrow_mut() = props.on_open.clone();
    // One function for the life of the view. The module calls it from inside its own
    // event handler: the page acts after that handler returns, so that it never tells the
    // module to change while the module is still handling the event.
    let on_open_js: Rc<Closure<dyn Fn(JsValue)>> = use_memo((), move |_| {
        Closure::<dyn Fn(JsValue)>::new(move |slug: JsValue| {
            let on_open = latest.borrow().clone();
            yew::platform::spawn_local(async move { on_open.emit(slug.as_string()) });
        })
    });
    // Shown on the lesson asked for when the view opens, and after each try.
    {
        let root = root.clone();
        let shown = shown.clone();
        let open = props.open.clone();
        let on_open_js = on_open_js.clone();
        let lang = words.lang();
        use_effect_with(*attempt, move |attempt| {
            if let Some(element) = root.cast::<web_sys::Element>() {
                let args = arguments(open.as_deref(), &on_open_js, lang);
                module_loader::show(Module::Lessons, &element, &args, *attempt, &shown);
            }
            || module_loader::hide(Module::Lessons)
        });
    }
    // Another lesson, the list, or another language, in the view on screen (or the one
    // on its way).
    use_effect_with((props.open.clone(), words.lang()), move |(open, lang)| {
        module_loader::update(
            Module::Lessons,
            &arguments(open.as_deref(), &on_open_js, *lang),
        );
    });
    let retry = {
        let attempt = attempt.clone();
        Callback::from(move |_: MouseEvent| attempt.set(attempt.wrapping_add(1)))
    };
    html! {
        <div class="lessons-host" aria-busy={(*shown == Shown::Loading).to_string()}>
            { module_loader::status(words.get(Key::PartLessonsView), &shown, retry) }
            <div class="lessons-root" ref={root}></div>
        </div>
    }
}
