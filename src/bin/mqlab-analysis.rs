//! The analysis module: Compare, the crash matrix and the protocol lab, built apart from
//! the page so that the first view does not download them. The page loads it when one of
//! these views first opens and calls `mount` and `unmount` (`analysis_host.rs`,
//! `module_loader.rs`). It also writes and reads the JSON scenario files of the share
//! bar (`export_file`, `import_file`; `scenario_file.rs`), offering the written file as a
//! download and reading the chosen one, so that the page carries neither the file
//! format's code, nor its JSON library, nor the code that saves and reads files.

use std::cell::RefCell;
use std::rc::Rc;

use mqlab::components::analysis_views::AnalysisViews;
use mqlab::components::help_overlay::HelpOverlay;
use mqlab::components::lesson_editor::LessonEditor;
use mqlab::components::real_systems::{RealSystems, RealSystemsSettings};
use mqlab::components::run_exports::RunExports;
use mqlab::view::View;
use mqlab::words::WithWords;
use mqlab_text::Lang;
use wasm_bindgen::prelude::*;
use yew::prelude::*;

/// The stylesheet of the help overlay and the settings panels, fetched when one is first
/// shown.
const PANELS_STYLESHEET: &str = "parts/panels.css";

thread_local! {
    /// The views on screen, if any: one at a time.
    static MOUNTED: RefCell<Option<yew::AppHandle<Root>>> = const { RefCell::new(None) };
    /// The simulator's "In real systems" panel, if shown.
    static REAL_SYSTEMS: RefCell<Option<yew::AppHandle<RealSystemsRoot>>> = const { RefCell::new(None) };
    /// The help overlay, if shown.
    static HELP: RefCell<Option<yew::AppHandle<HelpRoot>>> = const { RefCell::new(None) };
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
    // The page fetches the errors' and the steps' English when it needs them; a module,
    // fetched only when one of its views opens, carries them: the core's refusals and
    // runs are told with them.
    mqlab_text::late::carry_all();
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

/// Writes the JSON scenario file of the run in `run_link`, with its trace when
/// `with_trace`, and offers it as a download: an empty object, or `{ error }` (why, in the
/// page's language `lang`) when the link cannot be rebuilt or the browser refuses the
/// download.
#[wasm_bindgen]
pub async fn export_file(
    run_link: String,
    with_trace: bool,
    lang: Option<String>,
) -> js_sys::Object {
    let words = words_in(lang).await;
    let offered = mqlab::scenario_file::export(&run_link, with_trace, &words)
        .and_then(|file| mqlab::components::share_bar::download(&words, &file.name, &file.text));
    answer(match offered {
        Ok(()) => Vec::new(),
        Err(reason) => vec![("error", reason)],
    })
}

/// Reads the scenario file the learner chose and checks it by simulating its run again:
/// an object `{ link, notice }` (the run as its link, and what to tell the learner),
/// `{ error }` (why it cannot be imported) or `{ unreadable }` (the whole notice, when the
/// browser could not read the file), in the page's language `lang`.
#[wasm_bindgen]
pub async fn import_file(file: web_sys::File, lang: Option<String>) -> js_sys::Object {
    let words = words_in(lang).await;
    let text = match wasm_bindgen_futures::JsFuture::from(file.text()).await {
        Ok(text) => text.as_string().unwrap_or_default(),
        Err(error) => {
            let error = error
                .dyn_ref::<js_sys::Error>()
                .map(|error| String::from(error.message()))
                .or_else(|| error.as_string())
                .unwrap_or_default();
            return answer(vec![(
                "unreadable",
                words.fill(
                    mqlab_text::files::Key::FileUnreadable,
                    &[("error", error.into())],
                ),
            )]);
        }
    };
    answer(match mqlab::scenario_file::import(&text, &words) {
        Ok(imported) => vec![("link", imported.link), ("notice", imported.notice)],
        Err(reason) => vec![("error", reason)],
    })
}

/// The words of the language a tag names, fetched if the module has not read them yet;
/// English when they cannot be fetched (the page says so when its own fetch fails).
async fn words_in(lang: Option<String>) -> Rc<mqlab_text::Words> {
    let lang = lang_of(lang);
    let current = mqlab::words::current();
    if current.lang() == lang {
        return current;
    }
    match mqlab::words::fetch_words(lang).await {
        Ok(words) => {
            let words = Rc::new(words);
            mqlab::words::set_current(Rc::clone(&words));
            words
        }
        Err(_) => current,
    }
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

/// The language a tag names, English when none.
fn lang_of(lang: Option<String>) -> Lang {
    lang.as_deref().and_then(Lang::from_tag).unwrap_or_default()
}

/// The "In real systems" panel in the page's language.
#[derive(Properties, PartialEq)]
struct RealSystemsRootProps {
    lang: Lang,
    settings: RealSystemsSettings,
}

#[component]
fn RealSystemsRoot(props: &RealSystemsRootProps) -> Html {
    let s = props.settings;
    html! {
        <WithWords lang={props.lang}>
            <RunExports />
            <LessonEditor />
            <RealSystems mode={s.mode} txn_size={s.txn_size} replicated={s.replicated} many_consumers={s.many_consumers} />
        </WithWords>
    }
}

fn real_systems_props(settings: &str, lang: Option<String>) -> RealSystemsRootProps {
    RealSystemsRootProps {
        lang: lang_of(lang),
        settings: RealSystemsSettings::from_args(settings),
    }
}

/// Shows the simulator's plots and exports (of the run in the address bar) and its "In
/// real systems" panel inside `root`, for the run's settings as
/// `RealSystemsSettings::to_args` writes them.
#[wasm_bindgen]
pub fn real_systems_mount(root: web_sys::Element, settings: &str, lang: Option<String>) {
    real_systems_unmount();
    let props = real_systems_props(settings, lang);
    let handle = yew::Renderer::<RealSystemsRoot>::with_root_and_props(root, props).render();
    REAL_SYSTEMS.with(|shown| *shown.borrow_mut() = Some(handle));
}

/// Shows the panel for other settings, or in another language.
#[wasm_bindgen]
pub fn real_systems_update(settings: &str, lang: Option<String>) {
    let props = real_systems_props(settings, lang);
    REAL_SYSTEMS.with(|shown| {
        if let Some(handle) = shown.borrow_mut().as_mut() {
            handle.update(props);
        }
    });
}

/// Removes the panel.
#[wasm_bindgen]
pub fn real_systems_unmount() {
    if let Some(handle) = REAL_SYSTEMS.with(|shown| shown.borrow_mut().take()) {
        handle.destroy();
    }
}

/// The help overlay in the page's language.
#[derive(Properties, PartialEq)]
struct HelpRootProps {
    lang: Lang,
    on_close: Callback<()>,
}

#[component]
fn HelpRoot(props: &HelpRootProps) -> Html {
    html! {
        <WithWords lang={props.lang}>
            <HelpOverlay on_close={props.on_close.clone()} />
        </WithWords>
    }
}

/// Shows the help overlay inside `root`; `on_close` is called (with no text) when the
/// learner closes it.
#[wasm_bindgen]
pub fn help_mount(root: web_sys::Element, on_close: js_sys::Function, lang: Option<String>) {
    mqlab::lazy::ensure_stylesheet(PANELS_STYLESHEET);
    help_unmount();
    let on_close = Callback::from(move |()| {
        // The page's callback only hides the overlay; nothing to do if it throws.
        let _ = on_close.call0(&JsValue::NULL);
    });
    let props = HelpRootProps {
        lang: lang_of(lang),
        on_close,
    };
    let handle = yew::Renderer::<HelpRoot>::with_root_and_props(root, props).render();
    HELP.with(|shown| *shown.borrow_mut() = Some(handle));
}

/// Shows the help overlay in another language.
#[wasm_bindgen]
pub fn help_update(on_close: js_sys::Function, lang: Option<String>) {
    let on_close = Callback::from(move |()| {
        // The page's callback only hides the overlay; nothing to do if it throws.
        let _ = on_close.call0(&JsValue::NULL);
    });
    let props = HelpRootProps {
        lang: lang_of(lang),
        on_close,
    };
    HELP.with(|shown| {
        if let Some(handle) = shown.borrow_mut().as_mut() {
            handle.update(props);
        }
    });
}

/// Removes the help overlay.
#[wasm_bindgen]
pub fn help_unmount() {
    if let Some(handle) = HELP.with(|shown| shown.borrow_mut().take()) {
        handle.destroy();
    }
}

thread_local! {
    /// The simulator's settings panels, if shown.
    static SETTINGS: RefCell<Option<yew::AppHandle<SettingsRoot>>> = const { RefCell::new(None) };
}

/// The simulator's settings panels (replication, consumers, queue) in the page's
/// language, on the run's scenario. What the learner chooses goes back to the page as a
/// text: `scenario:<link>` to start again on, `error:<notice>` or `info:<notice>`, or
/// `replay` (the dead letters).
#[derive(Properties, PartialEq)]
struct SettingsRootProps {
    lang: Lang,
    scenario: Rc<mqlab_sim::Scenario>,
    answer: Callback<String>,
}

#[component]
fn SettingsRoot(props: &SettingsRootProps) -> Html {
    use mqlab::components::groups_settings::GroupsSettings;
    use mqlab::components::queue_settings::QueueSettings;
    use mqlab::components::replication_settings::ReplicationSettings;
    use mqlab::state::{apply_setting, LabAction, Notice};
    let scenario = &props.scenario;
    let dispatch = {
        let scenario = scenario.clone();
        props.answer.reform(move |action: LabAction| match action {
            LabAction::Notify(Notice::Error(text)) => format!("error:{text}"),
            LabAction::Notify(Notice::Info(text)) => format!("info:{text}"),
            LabAction::Apply(_) => "replay".to_string(),
            setting => {
                let mut chosen = (*scenario).clone();
                apply_setting(&mut chosen, setting);
                // A scenario the core refuses is explained here, as the page's lab
                // explains it, and the page keeps its run.
                if let Err(error) = chosen.validate() {
                    let words = mqlab::words::current();
                    return format!(
                        "error:{}",
                        words.fill(
                            mqlab_text::page::Key::NoticeSettingRefused,
                            &[("error", error.describe_in(&words).into())],
                        )
                    );
                }
                let run = mqlab_sim::SharedRun {
                    scenario: chosen,
                    commands: Vec::new(),
                    step: None,
                };
                format!("scenario:{}", run.to_link())
            }
        })
    };
    html! {
        <WithWords lang={props.lang}>
            <ReplicationSettings mode={scenario.mode} brokers={scenario.topology.brokers}
                replication={scenario.replication.clone()} dispatch={dispatch.clone()} />
            <GroupsSettings mode={scenario.mode} kafka={scenario.kafka.clone()}
                consumers={scenario.topology.consumers} replicated={scenario.topology.replicated()}
                dispatch={dispatch.clone()} />
            <QueueSettings mode={scenario.mode} queue={scenario.queue.clone()}
                prefetch={scenario.timing.delivery_window} kafka={scenario.kafka.is_some()}
                {dispatch} />
        </WithWords>
    }
}

fn settings_props(link: &str, answer: js_sys::Function, lang: Option<String>) -> SettingsRootProps {
    let scenario = mqlab_sim::SharedRun::from_link(link)
        .map(|run| run.scenario)
        .unwrap_or_default();
    SettingsRootProps {
        lang: lang_of(lang),
        scenario: Rc::new(scenario),
        answer: Callback::from(move |text: String| {
            // The page's callback only dispatches to its lab; nothing to do if it throws.
            let _ = answer.call1(&JsValue::NULL, &JsValue::from_str(&text));
        }),
    }
}

/// Shows the settings panels inside `root` for the scenario in `link`; `answer` hears
/// what the learner chooses.
#[wasm_bindgen]
pub fn settings_mount(
    root: web_sys::Element,
    link: &str,
    answer: js_sys::Function,
    lang: Option<String>,
) {
    mqlab::lazy::ensure_stylesheet(PANELS_STYLESHEET);
    settings_unmount();
    let props = settings_props(link, answer, lang);
    let handle = yew::Renderer::<SettingsRoot>::with_root_and_props(root, props).render();
    SETTINGS.with(|shown| *shown.borrow_mut() = Some(handle));
}

/// Shows the panels for another scenario, or in another language.
#[wasm_bindgen]
pub fn settings_update(link: &str, answer: js_sys::Function, lang: Option<String>) {
    let props = settings_props(link, answer, lang);
    SETTINGS.with(|shown| {
        if let Some(handle) = shown.borrow_mut().as_mut() {
            handle.update(props);
        }
    });
}

/// Removes the settings panels.
#[wasm_bindgen]
pub fn settings_unmount() {
    if let Some(handle) = SETTINGS.with(|shown| shown.borrow_mut().take()) {
        handle.destroy();
    }
}
