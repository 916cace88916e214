//! Sharing: copy a link that reproduces the run, export the run as a JSON scenario file
//! (optionally with its trace), and import one.
//!
//! The analysis module writes and reads the files (`scenario_file.rs`), offers the file it
//! writes as a download and reads the file the learner chooses, so that the first view
//! carries neither the file format's code, nor its JSON library, nor the code that saves
//! and reads files: the page hands it the run as its link (or the chosen file) and opens
//! the run it gives back as a link, as any link. The first export or import fetches the
//! module (the service worker keeps it for offline use); until it answers, the two
//! buttons are busy.

use mqlab_sim::SharedRun;
use mqlab_text::files::Key as FilesKey;
use mqlab_text::simulator::Key;
use mqlab_text::Words;
use wasm_bindgen::{JsCast, JsValue};
use yew::prelude::*;

use crate::module_loader::{self, Module};
use crate::state::{Lab, LabAction, Notice};
use crate::words::current as words_now;

#[derive(Properties, PartialEq)]
pub struct ShareBarProps {
    pub lab: UseReducerHandle<Lab>,
}

/// The page's address with the run's link as its fragment, after the page part of the
/// current address (the theme and text size, when they are not the defaults).
fn link_url(link: &str) -> String {
    let location = gloo::utils::window().location();
    let href = location.href().unwrap_or_default();
    let base = href.split('#').next().unwrap_or_default();
    let page = crate::page_link::current();
    format!("{base}#{}", crate::page_link::join(&page, link))
}

/// Where a copied link opens the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LinkStart {
    /// At the step shown now.
    ThisStep,
    /// At step 0, with the same scenario and faults: the class watches it unfold.
    FromStart,
}

/// The run as a link that opens at `start`. From the start, the commands applied so far
/// are kept as the run's recorded future, so stepping forward replays them.
fn shared_link(run: &mqlab_sim::Run, start: LinkStart) -> String {
    let mut shared = SharedRun::from_run(run);
    if start == LinkStart::FromStart {
        shared.step = Some(0);
    }
    shared.to_link()
}

/// Offers text as a file download, without any network request. The modules call it (the
/// scenario files, the plots and exports, the challenges' answers); the page does not.
pub fn download(words: &Words, name: &str, text: &str) -> Result<(), String> {
    download_text(words, name, text, "application/json")
}

/// Offers text of the given media type as a file download.
pub fn download_text(
    words: &Words,
    name: &str,
    text: &str,
    media_type: &str,
) -> Result<(), String> {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(media_type);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
        .map_err(|_| words.get(FilesKey::FileNoBlob).to_string())?;
    download_blob(words, name, &blob)
}

/// Offers a blob as a file download.
pub fn download_blob(words: &Words, name: &str, blob: &web_sys::Blob) -> Result<(), String> {
    let url = web_sys::Url::create_object_url_with_blob(blob)
        .map_err(|_| words.get(FilesKey::FileNoUrl).to_string())?;
    let anchor: web_sys::HtmlAnchorElement = gloo::utils::document()
        .create_element("a")
        .map_err(|_| words.get(FilesKey::FileNoDocument).to_string())?
        .unchecked_into();
    anchor.set_href(&url);
    anchor.set_download(name);
    anchor.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// A text field of an object that a module's function returned.
fn field(answer: &JsValue, key: &str) -> Option<String> {
    js_sys::Reflect::get(answer, &JsValue::from_str(key))
        .ok()?
        .as_string()
}

/// Calls a file function of the analysis module. A failure to load the module counts in
/// `failures`, so that the next try fetches it at a new address rather than repeating the
/// failed import.
async fn call_file_function(
    function: &str,
    args: &js_sys::Array,
    failures: &std::rc::Rc<std::cell::Cell<u32>>,
) -> Result<JsValue, String> {
    let result = module_loader::call(Module::Analysis, function, args, failures.get()).await;
    if result.is_err() {
        failures.set(failures.get().wrapping_add(1));
    }
    result
}

/// The run an imported file describes, as the page opens it, or why the file cannot be
/// imported.
fn imported_run(words: &Words, answer: Result<JsValue, String>) -> LabAction {
    let refused = |reason: &str| {
        LabAction::Notify(Notice::Error(
            words.fill(Key::ShareImportRefused, &[("reason", reason.into())]),
        ))
    };
    let answer = match answer {
        Ok(answer) => answer,
        Err(reason) => return refused(&reason),
    };
    if let Some(error) = field(&answer, "error") {
        return refused(&error);
    }
    // A file the browser could not read: the module says so in full.
    if let Some(unreadable) = field(&answer, "unreadable") {
        return LabAction::Notify(Notice::Error(unreadable));
    }
    let (Some(link), Some(notice)) = (field(&answer, "link"), field(&answer, "notice")) else {
        return refused(words.get(Key::ShareNoRun));
    };
    match SharedRun::from_link(&link) {
        Ok(shared) => LabAction::Load {
            shared: Box::new(shared),
            notice: Some(Notice::Info(notice)),
        },
        Err(error) => LabAction::Notify(Notice::refused(
            words,
            |words, reason| words.fill(Key::ShareImportRefused, &[("reason", reason.into())]),
            move |words| error.describe_in(words),
        )),
    }
}

#[component]
pub fn ShareBar(props: &ShareBarProps) -> Html {
    let words = words_now();
    let with_trace = use_state(|| false);
    let start = use_state(|| LinkStart::ThisStep);
    // An export or import waiting for the analysis module.
    let busy = use_state(|| false);
    let failures = use_memo((), |()| std::rc::Rc::new(std::cell::Cell::new(0_u32)));
    let dispatcher = props.lab.dispatcher();

    // "Copy link" copies the run's address; "Embed" an <iframe> tag that shows it with
    // `?embed` (only the stage, the player and the narration).
    let copy = |embed: bool| {
        let lab = props.lab.clone();
        let dispatcher = dispatcher.clone();
        let start = *start;
        let words = words.clone();
        Callback::from(move |_: MouseEvent| {
            let mut url = link_url(&shared_link(&lab.run.borrow(), start));
            let copied = words
                .get(match (embed, start) {
                    (true, _) => Key::ShareCopiedEmbed,
                    (false, LinkStart::ThisStep) => Key::ShareCopiedThisStep,
                    (false, LinkStart::FromStart) => Key::ShareCopiedFromStart,
                })
                .to_string();
            if embed {
                let (base, run) = url.split_once('#').unwrap_or((&url, ""));
                let join = if base.contains('?') { '&' } else { '?' };
                // An HTML tag, not prose. // not prose
                url = format!(
                    "<iframe src=\"{base}{join}embed#{run}\" width=\"640\" height=\"480\" title=\"MQ Lab\" loading=\"lazy\"></iframe>"
                );
            }
            let words = words.clone();
            let clipboard = gloo::utils::window().navigator().clipboard();
            let promise = clipboard.write_text(&url);
            let dispatcher = dispatcher.clone();
            yew::platform::spawn_local(async move {
                let notice = match wasm_bindgen_futures::JsFuture::from(promise).await {
                    Ok(_) => Notice::Info(copied),
                    Err(_) => Notice::Error(
                        words.fill(Key::ShareCopyRefused, &[("url", url.as_str().into())]),
                    ),
                };
                dispatcher.dispatch(LabAction::Notify(notice));
            });
        })
    };
    let export = {
        let lab = props.lab.clone();
        let dispatcher = dispatcher.clone();
        let with_trace = *with_trace;
        let busy = busy.clone();
        let failures = std::rc::Rc::clone(&failures);
        let words = words.clone();
        Callback::from(move |_: MouseEvent| {
            if *busy {
                return;
            }
            let link = SharedRun::from_run(&lab.run.borrow()).to_link();
            busy.set(true);
            let args = js_sys::Array::of3(
                &JsValue::from_str(&link),
                &JsValue::from(with_trace),
                &JsValue::from_str(words.lang().tag()),
            );
            let dispatcher = dispatcher.clone();
            let busy = busy.clone();
            let failures = std::rc::Rc::clone(&failures);
            let words = words.clone();
            yew::platform::spawn_local(async move {
                // The module writes the file and offers it; it answers why when it cannot.
                let answer = call_file_function("export_file", &args, &failures).await;
                busy.set(false);
                let problem = match answer {
                    Ok(answer) => field(&answer, "error"),
                    Err(reason) => Some(reason),
                };
                if let Some(problem) = problem {
                    dispatcher.dispatch(LabAction::Notify(Notice::Error(
                        words.fill(Key::ShareExportFailed, &[("problem", problem.into())]),
                    )));
                }
            });
        })
    };
    let on_start = {
        let start = start.clone();
        Callback::from(move |event: Event| {
            start.set(
                match crate::components::controls::event_value(&event).as_str() {
                    "start" => LinkStart::FromStart,
                    _ => LinkStart::ThisStep,
                },
            )
        })
    };
    let on_trace = {
        let with_trace = with_trace.clone();
        Callback::from(move |event: Event| {
            if let Some(input) = event
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            {
                with_trace.set(input.checked());
            }
        })
    };
    let import = {
        let dispatcher = dispatcher.clone();
        let busy = busy.clone();
        let failures = std::rc::Rc::clone(&failures);
        let words = words.clone();
        Callback::from(move |event: Event| {
            let Some(input) = event
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            else {
                return;
            };
            let Some(file) = input.files().and_then(|files| files.get(0)) else {
                return;
            };
            // Let the same file be chosen again later.
            input.set_value("");
            if *busy {
                return;
            }
            busy.set(true);
            // The module reads the file, checks it and answers with its run.
            let args = js_sys::Array::of2(&file, &JsValue::from_str(words.lang().tag()));
            let dispatcher = dispatcher.clone();
            let busy = busy.clone();
            let failures = std::rc::Rc::clone(&failures);
            let words = words.clone();
            yew::platform::spawn_local(async move {
                let answer = call_file_function("import_file", &args, &failures).await;
                busy.set(false);
                dispatcher.dispatch(imported_run(&words, answer));
            });
        })
    };
    let spinner = busy.then(|| html! { <span class="spinner" aria-hidden="true"></span> });

    let w = |key: Key| words.get(key).to_string();
    html! {
        <div class="share-bar" role="group" aria-label={w(Key::ShareLabel)}>
            <button onclick={copy(false)} title={w(Key::ShareCopyTitle)}>{ w(Key::ShareCopy) }</button>
            <label class="visually-hidden" for="link-start">{ w(Key::ShareStartLabel) }</label>
            <select id="link-start" onchange={on_start} title={w(Key::ShareStartTitle)}>
                <option value="step" selected={*start == LinkStart::ThisStep}>{ w(Key::ShareStartThisStep) }</option>
                <option value="start" selected={*start == LinkStart::FromStart}>{ w(Key::ShareStartFromStart) }</option>
            </select>
            <button onclick={copy(true)} title={w(Key::ShareEmbedTitle)}>{ w(Key::ShareEmbed) }</button>
            <button onclick={export} title={w(Key::ShareExportTitle)} disabled={*busy} aria-busy={busy.to_string()}>{ w(Key::ShareExport) }{ spinner.clone() }</button>
            <label class="check"><input type="checkbox" checked={*with_trace} onchange={on_trace} />{ format!(" {}", w(Key::ShareWithTrace)) }</label>
            <label class={classes!("button", "file-button", busy.then_some("busy"))} aria-busy={busy.to_string()}>
                { w(Key::ShareImport) }{ spinner }
                <input type="file" accept=".json,application/json" class="visually-hidden" onchange={import} aria-label={w(Key::ShareImportLabel)} disabled={*busy} />
            </label>
        </div>
    }
}
