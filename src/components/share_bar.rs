//! Sharing: copy a link that reproduces the run, export the run as a JSON scenario file
//! (optionally with its trace), and import one.

use gloo::file::callbacks::{read_as_text, FileReader};
use gloo::file::File;
use mqlab_sim::{ScenarioFile, SharedRun};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::state::{Lab, LabAction, Notice};

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

/// Offers text as a file download, without any network request.
fn download(name: &str, text: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
        .map_err(|_| "the browser refused to build the file".to_string())?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)
        .map_err(|_| "the browser refused to offer the file".to_string())?;
    let anchor: web_sys::HtmlAnchorElement = gloo::utils::document()
        .create_element("a")
        .map_err(|_| "no document".to_string())?
        .unchecked_into();
    anchor.set_href(&url);
    anchor.set_download(name);
    anchor.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

#[component]
pub fn ShareBar(props: &ShareBarProps) -> Html {
    let with_trace = use_state(|| false);
    let start = use_state(|| LinkStart::ThisStep);
    let reader = use_mut_ref(|| None::<FileReader>);
    let dispatcher = props.lab.dispatcher();

    let copy = {
        let lab = props.lab.clone();
        let dispatcher = dispatcher.clone();
        let start = *start;
        Callback::from(move |_: MouseEvent| {
            let url = link_url(&shared_link(&lab.run.borrow(), start));
            let opens = match start {
                LinkStart::ThisStep => "Opening it reproduces this run at this step.",
                LinkStart::FromStart => {
                    "Opening it starts this run from step 0, with the same scenario and faults."
                }
            };
            let clipboard = gloo::utils::window().navigator().clipboard();
            let promise = clipboard.write_text(&url);
            let dispatcher = dispatcher.clone();
            yew::platform::spawn_local(async move {
                let notice = match wasm_bindgen_futures::JsFuture::from(promise).await {
                    Ok(_) => Notice::Info(format!("Link copied. {opens}")),
                    Err(_) => Notice::Error(format!(
                        "The browser did not allow copying. The link is in the address bar: {url}"
                    )),
                };
                dispatcher.dispatch(LabAction::Notify(notice));
            });
        })
    };
    let export = {
        let lab = props.lab.clone();
        let dispatcher = dispatcher.clone();
        let with_trace = *with_trace;
        Callback::from(move |_: MouseEvent| {
            let run = lab.run.borrow();
            let file = ScenarioFile::from_run(&run, with_trace);
            let name = format!(
                "mqlab-{}-seed{}-step{}.json",
                run.scenario().mode.as_str(),
                run.scenario().seed,
                run.step_index()
            );
            if let Err(problem) = download(&name, &file.to_json()) {
                dispatcher.dispatch(LabAction::Notify(Notice::Error(format!(
                    "Export failed: {problem}."
                ))));
            }
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
            let dispatcher = dispatcher.clone();
            let task = read_as_text(&File::from(file), move |result| match result {
                Ok(text) => dispatcher.dispatch(LabAction::Import(text)),
                Err(error) => dispatcher.dispatch(LabAction::Notify(Notice::Error(format!(
                    "That file could not be read: {error}. The current run is kept."
                )))),
            });
            *reader.borrow_mut() = Some(task);
        })
    };

    html! {
        <div class="share-bar" role="group" aria-label="Share">
            <button onclick={copy} title="Copy a link that reproduces this run exactly">{ "↗ Copy link" }</button>
            <label class="visually-hidden" for="link-start">{ "The link opens the run" }</label>
            <select id="link-start" onchange={on_start} title="Where the copied link opens the run">
                <option value="step" selected={*start == LinkStart::ThisStep}>{ "at this step" }</option>
                <option value="start" selected={*start == LinkStart::FromStart}>{ "from the start" }</option>
            </select>
            <button onclick={export} title="Download this run as a JSON scenario file">{ "⬇ Export JSON" }</button>
            <label class="check"><input type="checkbox" checked={*with_trace} onchange={on_trace} />{ " with trace" }</label>
            <label class="button file-button">
                { "⬆ Import JSON" }
                <input type="file" accept=".json,application/json" class="visually-hidden" onchange={import} aria-label="Import JSON" />
            </label>
        </div>
    }
}
