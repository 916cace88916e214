//! The page's later WebAssembly modules: views built apart from the page, so that the
//! first view downloads none of their code, and fetched the first time one of their
//! views opens. The analysis module holds Compare, the crash matrix and the protocol lab
//! (`bin/mqlab-analysis.rs`); the lessons module holds the Lessons view
//! (`bin/mqlab-lessons.rs`); the worlds module holds the Transactions view
//! (`bin/mqlab-worlds.rs`). Each is an ES module that the page imports once and asks to
//! show its view inside an element of the page (`mount`), to show it with new settings
//! (`update`, where the module has it) and to take it away (`unmount`). The page can also
//! call a function that a module exports (`call`): the share bar has the analysis module
//! write and read its JSON scenario files.
//!
//! The build names each module's files by the hash of their content and writes those
//! names into index.html as `<meta>` tags (scripts/build-lazy-modules), which is where the
//! page reads them and the service worker finds them to store for offline use.

use wasm_bindgen::prelude::*;
use yew::prelude::*;

// One record per module: the import on its way or done, the arguments of the view it
// should show, and a generation number that makes a late start harmless when the learner
// has already left the view. (JavaScript, not prose.)
// not prose
#[wasm_bindgen(inline_js = r#"
const modules = {};
const loads = {};
function record(name) {
  if (!modules[name]) modules[name] = { generation: 0 };
  return modules[name];
}
// One import per module file, shared by every view the module shows.
function load(js, wasm) {
  if (!loads[js]) {
    const base = document.baseURI;
    loads[js] = import(new URL(js, base).href).then(async (exports) => {
      await exports.default({ module_or_path: new URL(wasm, base).href });
      // Starting the module and drawing its first view are two tasks, not one long one:
      // the browser gets a turn in between.
      await new Promise((resolve) => setTimeout(resolve, 0));
      return exports;
    });
    loads[js].catch(() => { delete loads[js]; });
  }
  return loads[js];
}
export function module_show(name, entry, js, wasm, root, args) {
  const module = record(name);
  const mine = ++module.generation;
  module.args = args;
  module.loaded = load(js, wasm);
  return module.loaded.then((exports) => {
    if (mine !== module.generation) return;
    exports[entry + 'mount'](root, ...module.args);
    module.shown = exports;
  });
}
export function module_call(name, js, wasm, fn, args) {
  return load(js, wasm).then((exports) => {
    if (typeof exports[fn] !== 'function') throw new Error(`the module has no function ${fn}`);
    return exports[fn](...args);
  });
}
export function module_update(name, entry, args) {
  const module = record(name);
  module.args = args;
  if (module.shown) module.shown[entry + 'update'](...args);
}
// Calls `seen` once, when `element` comes within 200 pixels of the viewport.
export function module_when_visible(element, seen) {
  const observer = new IntersectionObserver((entries) => {
    if (entries.some((entry) => entry.isIntersecting)) {
      observer.disconnect();
      seen();
    }
  }, { rootMargin: '200px 0px' });
  observer.observe(element);
  return () => observer.disconnect();
}
export function module_hide(name, entry) {
  const module = record(name);
  module.generation++;
  module.shown = undefined;
  if (module.loaded) module.loaded.then((exports) => exports[entry + 'unmount'](), () => {});
}
"#)]
extern "C" {
    fn module_show(
        name: &str,
        entry: &str,
        js: &str,
        wasm: &str,
        root: &web_sys::Element,
        args: &js_sys::Array,
    ) -> js_sys::Promise;
    fn module_call(
        name: &str,
        js: &str,
        wasm: &str,
        function: &str,
        args: &js_sys::Array,
    ) -> js_sys::Promise;
    fn module_update(name: &str, entry: &str, args: &js_sys::Array);
    fn module_when_visible(element: &web_sys::Element, seen: &js_sys::Function)
        -> js_sys::Function;
    fn module_hide(name: &str, entry: &str);
}

/// A view that the page loads from a module when it is first shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Module {
    /// Compare, the crash matrix and the protocol lab (the analysis module).
    Analysis,
    /// The Lessons view (the lessons module).
    Lessons,
    /// The "In real systems" panel of the simulator (the analysis module).
    RealSystems,
    /// The help overlay (the analysis module).
    Help,
    /// The simulator's settings panels: replication, consumers, queue (the analysis
    /// module).
    Settings,
    /// The Transactions view (the worlds module).
    Worlds,
}

impl Module {
    /// The view's name among the page's modules.
    pub const fn name(self) -> &'static str {
        match self {
            Module::Analysis => "mqlab-analysis",
            Module::Lessons => "mqlab-lessons",
            Module::RealSystems => "mqlab-analysis/real-systems",
            Module::Help => "mqlab-analysis/help",
            Module::Settings => "mqlab-analysis/settings",
            Module::Worlds => "mqlab-worlds",
        }
    }

    /// The module's file name: its files start with it, and so do the names of its
    /// `<meta>` tags.
    const fn file(self) -> &'static str {
        match self {
            Module::Lessons => "mqlab-lessons",
            Module::Worlds => "mqlab-worlds",
            Module::Analysis | Module::RealSystems | Module::Help | Module::Settings => {
                "mqlab-analysis"
            }
        }
    }

    /// What the names of the view's functions start with: `mount`, `update`, `unmount`.
    const fn entry(self) -> &'static str {
        match self {
            Module::Analysis | Module::Lessons | Module::Worlds => "",
            Module::RealSystems => "real_systems_",
            Module::Help => "help_",
            Module::Settings => "settings_",
        }
    }

    /// The module's script and WebAssembly, as index.html names them.
    fn files(self) -> Option<(String, String)> {
        Some((meta(self.file())?, meta(&format!("{}-wasm", self.file()))?))
    }
}

/// A `<meta>` of the page, by name.
fn meta(name: &str) -> Option<String> {
    gloo::utils::document()
        .query_selector(&format!("meta[name=\"{name}\"]"))
        .ok()
        .flatten()?
        .get_attribute("content")
}

/// Where a module's view stands.
#[derive(Clone, Debug, PartialEq)]
pub enum Shown {
    /// The module is on its way, or starting.
    Loading,
    /// The view is on screen.
    Ready,
    /// The module could not be fetched or started: why, in words.
    Failed(String),
}

/// Loads `module` if it is not yet, and shows its view in `root` with `args` (the
/// arguments of the module's `mount` after the element). `attempt` counts the learner's
/// tries after a failure: each asks for the module at a new address, so that the browser
/// fetches it again rather than repeating the failed import. `shown` follows the load.
pub fn show(
    module: Module,
    root: &web_sys::Element,
    args: &js_sys::Array,
    attempt: u32,
    shown: &UseStateHandle<Shown>,
) {
    let Some((js, wasm)) = module.files() else {
        // A build that lost its module's tag is a programming error. // not prose
        shown.set(Shown::Failed(format!(
            "the page does not name its module {}",
            module.name()
        )));
        return;
    };
    let js = if attempt == 0 {
        js
    } else {
        format!("{js}?attempt={attempt}")
    };
    shown.set(Shown::Loading);
    let promise = module_show(module.name(), module.entry(), &js, &wasm, root, args);
    let shown = shown.clone();
    yew::platform::spawn_local(async move {
        match wasm_bindgen_futures::JsFuture::from(promise).await {
            Ok(_) => shown.set(Shown::Ready),
            Err(error) => shown.set(Shown::Failed(describe(&error))),
        }
    });
}

/// Loads `module` if it is not yet, and calls the function it exports as `function`
/// with `args`. `attempt` counts the tries after a failure to load it, as in [`show`].
/// Gives what the function returns, or why the module could not be fetched or started,
/// in words.
pub async fn call(
    module: Module,
    function: &str,
    args: &js_sys::Array,
    attempt: u32,
) -> Result<JsValue, String> {
    let Some((js, wasm)) = module.files() else {
        // A build that lost its module's tag is a programming error. // not prose
        return Err(format!(
            "the page does not name its module {}",
            module.name()
        ));
    };
    let js = if attempt == 0 {
        js
    } else {
        format!("{js}?attempt={attempt}")
    };
    let promise = module_call(module.name(), &js, &wasm, function, args);
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map_err(|error| describe(&error))
}

/// Shows the module's view with new arguments, once it is on screen; until then, the
/// view starts with them.
pub fn update(module: Module, args: &js_sys::Array) {
    module_update(module.name(), module.entry(), args);
}

/// Calls `seen` once, when `element` comes within 200 pixels of the viewport.(a
/// panel below the first screen loads as the reader scrolls towards it). The function
/// returned stops watching.
pub fn when_visible(element: &web_sys::Element, seen: &js_sys::Function) -> js_sys::Function {
    module_when_visible(element, seen)
}

/// Takes the module's view away, with its timers and listeners.
pub fn hide(module: Module) {
    module_hide(module.name(), module.entry());
}

/// A failed import or start, in words.
fn describe(error: &JsValue) -> String {
    let message = error
        .dyn_ref::<js_sys::Error>()
        .map(|error| String::from(error.message()))
        .or_else(|| error.as_string())
        .unwrap_or_default();
    let words = crate::words::current();
    if message.is_empty() {
        words.get(mqlab_text::page::Key::ModuleFailed).to_string()
    } else {
        words.fill(
            mqlab_text::page::Key::ModuleFailedBecause,
            &[("message", message.into())],
        )
    }
}

/// What a view shows while its module loads (`what` names the view), or when it could
/// not be loaded, with a button that tries again.
pub fn status(what: &str, shown: &Shown, retry: Callback<MouseEvent>) -> Html {
    use mqlab_text::page::Key;
    let words = crate::words::current();
    match shown {
        Shown::Ready => Html::default(),
        Shown::Loading => html! {
            <p class="part-loading" role="status">
                <span class="spinner" aria-hidden="true"></span>
                { words.fill(Key::PartLoading, &[("what", what.into())]) }
            </p>
        },
        Shown::Failed(reason) => html! {
            <div class="notice error part-failed" role="alert">
                <p>{ words.fill(Key::PartFailed, &[("what", what.into()), ("reason", reason.as_str().into())]) }</p>
                <button onclick={retry}>{ words.get(Key::PartRetry) }</button>
            </div>
        },
    }
}

/// For a module's own start: Yew numbers the element trees it controls from 1 in each
/// WebAssembly module, marks their elements with that number, and hands an event to the
/// tree whose number its element carries. The page's own tree is number 1 and a module's
/// views are mounted inside it, so each module spends its number 1 on an empty tree that
/// is never attached: its views then carry numbers that the page's tree never claims, and
/// each module handles only its own events.
pub fn spend_the_first_tree_number() {
    if let Ok(spare) = gloo::utils::document().create_element("div") {
        yew::Renderer::<Nothing>::with_root(spare)
            .render()
            .destroy();
    }
}

#[component]
fn Nothing() -> Html {
    Html::default()
}
