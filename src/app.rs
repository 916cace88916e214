//! The top-level component: header, view tabs, theme and text-size settings, and the
//! simulator state that the views share.

use std::cell::RefCell;
use std::rc::Rc;

use gloo::events::EventListener;
use mqlab_sim::Scenario;
use mqlab_text::{page::Key, Lang};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::components::analysis_host::AnalysisHost;
use crate::components::lessons_host::LessonsHost;
use crate::components::module_panel::ModulePanel;
use crate::components::simulator::Simulator;
use crate::module_loader::Module;
use crate::state::Lab;
use crate::view::View;

/// Sets an attribute on the document's root element (theme, text size).
fn set_root_attribute(name: &str, value: &str) {
    if let Some(root) = gloo::utils::document().document_element() {
        // Failing to set a presentation attribute only loses the styling; nothing to report.
        let _ = root.set_attribute(name, value);
    }
}

/// `?embed` in the address: the page shows only the stage, the player and the narration,
/// to sit in another page's iframe; `?embed=ledger` keeps the ledger too.
fn embed_mode() -> Option<&'static str> {
    let search = gloo::utils::window().location().search().ok()?;
    search
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| match pair.strip_prefix("embed")? {
            "=ledger" => Some("ledger"),
            _ => Some("stage"),
        })
}

/// The embed mode the address asks for, if any, marked on the root element with its
/// stylesheet fetched: once, when the page starts, before its first drawing.
fn start_embed() -> Option<&'static str> {
    let embed = embed_mode()?;
    set_root_attribute("data-embed", embed);
    crate::lazy::ensure_stylesheet("parts/embed.css");
    Some(embed)
}

/// Keeps an attribute of the document's root element (theme, text size, presenter mode)
/// at `value`.
#[hook]
fn use_root_attribute(name: &'static str, value: &'static str) {
    use_effect_with((name, value), |(name, value)| {
        set_root_attribute(name, value)
    });
}

/// The page's address without `?embed`: what "Open in MQ Lab" opens.
fn address_without_embed() -> String {
    let location = gloo::utils::window().location();
    let mut address = location.pathname().unwrap_or_default();
    let mut join = '?';
    for pair in location
        .search()
        .unwrap_or_default()
        .trim_start_matches('?')
        .split('&')
    {
        if !pair.is_empty() && !pair.starts_with("embed") {
            address.push(join);
            address.push_str(pair);
            join = '&';
        }
    }
    address.push_str(&location.hash().unwrap_or_default());
    address
}

/// Lays the page out a part per frame whenever `key` changes after the first render.
#[hook]
fn use_settled_layout<T: PartialEq + 'static>(key: T) {
    let first = use_mut_ref(|| true);
    use_effect_with(key, move |_| {
        let settle = !std::mem::replace(&mut *first.borrow_mut(), false);
        let settling = settle.then(|| settle_layout(2));
        move || drop(settling)
    });
}

/// Lays out the page's parts one frame after another while the text size or the language
/// changes: sets `data-text-settling` to `parts` on the root, then one less after each
/// frame. Dropping the handle stops it and shows every part.
fn settle_layout(parts: u8) -> SettleHandle {
    let handle = SettleHandle(Rc::new(RefCell::new(None)));
    set_root_attribute("data-text-settling", &parts.to_string());
    settle_next(parts, &handle.0);
    handle
}

/// What a frame of `settle_layout` waits on, kept only to be cancelled when dropped:
/// the next frame, then a task after it.
enum Waiting {
    Frame {
        _frame: gloo::render::AnimationFrame,
    },
    Task {
        _task: gloo::timers::callback::Timeout,
    },
}

struct SettleHandle(Rc<RefCell<Option<Waiting>>>);

impl Drop for SettleHandle {
    fn drop(&mut self) {
        self.0.borrow_mut().take();
        remove_root_attribute("data-text-settling");
    }
}

fn settle_next(parts: u8, slot: &Rc<RefCell<Option<Waiting>>>) {
    let after_frame = Rc::clone(slot);
    let frame = gloo::render::request_animation_frame(move |_| {
        // The frame that lays out this part is being drawn: the next part waits for a
        // task after it.
        let next = Rc::clone(&after_frame);
        let task = gloo::timers::callback::Timeout::new(0, move || {
            let left = parts - 1;
            if left == 0 {
                next.borrow_mut().take();
                remove_root_attribute("data-text-settling");
            } else {
                set_root_attribute("data-text-settling", &left.to_string());
                settle_next(left, &next);
            }
        });
        *after_frame.borrow_mut() = Some(Waiting::Task { _task: task });
    });
    *slot.borrow_mut() = Some(Waiting::Frame { _frame: frame });
}

fn remove_root_attribute(name: &str) {
    if let Some(root) = gloo::utils::document().document_element() {
        // Failing to remove a presentation attribute only keeps a part hidden for a frame
        // more; nothing to report.
        let _ = root.remove_attribute(name);
    }
}

fn prefers_dark() -> bool {
    gloo::utils::window()
        .match_media("(prefers-color-scheme: dark)")
        .ok()
        .flatten()
        .is_some_and(|query| query.matches())
}

#[component]
pub fn App() -> Html {
    let lab = use_reducer(|| Lab::new(&Scenario::default()));
    crate::hooks::use_url_sync(lab.clone());
    let view = use_state(|| {
        if crate::lesson_link::page_opens_a_lesson() {
            View::Lessons
        } else {
            crate::page_link::initial_view().unwrap_or(View::Simulator)
        }
    });
    let open_lesson = crate::lesson_link::use_lesson_link(&lab, &view);
    let system_dark = *use_state(prefers_dark);
    let dark = use_state(|| crate::page_link::initial_dark(system_dark));
    let large_text = use_state(crate::page_link::initial_large_text);
    crate::page_link::use_page_link(
        &view,
        *dark,
        *large_text,
        system_dark,
        (lab.version, open_lesson.is_some()),
    );
    let help_open = use_state(|| false);
    let embed = *use_state(start_embed);
    let presenting = use_state(|| false);
    use_root_attribute("data-present", if *presenting { "on" } else { "off" });
    let lang = use_state(crate::words::initial_lang);
    let lang_words = crate::words::use_lang_words(*lang);
    let words = lang_words.words.clone();
    crate::words::set_current(words.clone());
    use_effect_with(*lang, |lang| crate::words::show_lang(*lang));
    {
        // The run narrates in the page's language; switching keeps the run where it is.
        let lab = lab.clone();
        use_effect_with(words.clone(), move |words| {
            lab.dispatch(crate::state::LabAction::SetWords(words.clone()));
        });
    }
    let on_lang = {
        let lang = lang.clone();
        Callback::from(move |event: Event| {
            let Some(select) = event.target_dyn_into::<web_sys::HtmlSelectElement>() else {
                return;
            };
            if let Some(chosen) = Lang::from_tag(&select.value()) {
                crate::words::note_choice(chosen);
                lang.set(chosen);
            }
        })
    };

    use_root_attribute("data-theme", if *dark { "dark" } else { "light" });
    use_root_attribute("data-text", if *large_text { "large" } else { "normal" });
    // A new text size or language lays out the whole page again: after the first render,
    // the stage is laid out in the first frame, the side panels in the next and the lists
    // below in the one after (style.css), so that no frame holds the page long.
    use_settled_layout((*large_text, words.lang()));

    let toggle_dark = {
        let dark = dark.clone();
        Callback::from(move |_| dark.set(!*dark))
    };
    let toggle_text = {
        let large_text = large_text.clone();
        Callback::from(move |_| large_text.set(!*large_text))
    };
    let open_help = {
        let help_open = help_open.clone();
        Callback::from(move |_| help_open.set(true))
    };
    let toggle_present = {
        let presenting = presenting.clone();
        Callback::from(move |()| {
            if !*presenting {
                crate::lazy::ensure_stylesheet("parts/presenter.css");
            }
            presenting.set(!*presenting);
        })
    };
    // "?" shows or hides the help from every view, and "P" presenter mode.
    {
        let toggle = open_help_cb(&help_open);
        let toggle_present = toggle_present.clone();
        use_effect_with((*help_open, *presenting), move |_| {
            let listener = EventListener::new(&gloo::utils::document(), "keydown", move |event| {
                let Some(event) = event.dyn_ref::<web_sys::KeyboardEvent>() else {
                    return;
                };
                if event.ctrl_key() || event.meta_key() || event.alt_key() || in_text_field(event) {
                    return;
                }
                match event.key().as_str() {
                    "?" => toggle.emit(()),
                    "p" | "P" => toggle_present.emit(()),
                    _ => {}
                }
            });
            move || drop(listener)
        });
    }
    let close_help = {
        let help_open = help_open.clone();
        Callback::from(move |_| help_open.set(false))
    };
    // The focus goes back to where it was when the help opened, even when the closed
    // dialog (drawn by another module) has already taken its own element away with it.
    {
        let opener: Rc<RefCell<Option<web_sys::HtmlElement>>> = use_mut_ref(|| None);
        use_effect_with(*help_open, move |open| {
            let document = gloo::utils::document();
            if *open {
                *opener.borrow_mut() = document
                    .active_element()
                    .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok());
            } else if let Some(opener) = opener.borrow_mut().take() {
                let lost = document
                    .active_element()
                    .is_none_or(|element| Some(&element) == document.body().as_deref());
                if lost && opener.is_connected() {
                    let _ = opener.focus();
                }
            }
        });
    }

    // The tab list is one stop for Tab; ← → (and Home, End) move between its tabs.
    let on_tab_key = {
        let view = view.clone();
        Callback::from(move |event: KeyboardEvent| {
            let current = View::ALL.iter().position(|tab| *tab == *view).unwrap_or(0);
            let last = View::ALL.len() - 1;
            let next = match event.key().as_str() {
                "ArrowRight" => {
                    if current == last {
                        0
                    } else {
                        current + 1
                    }
                }
                "ArrowLeft" => {
                    if current == 0 {
                        last
                    } else {
                        current - 1
                    }
                }
                "Home" => 0,
                "End" => last,
                _ => return,
            };
            event.prevent_default();
            let tab = View::ALL[next];
            view.set(tab);
            if let Some(button) =
                gloo::utils::document().get_element_by_id(&format!("tab-{}", tab.id()))
            {
                if let Ok(button) = button.dyn_into::<web_sys::HtmlElement>() {
                    let _ = button.focus();
                }
            }
        })
    };
    let tabs = View::ALL.iter().map(|&tab| {
        let selected = *view == tab;
        let onclick = {
            let view = view.clone();
            Callback::from(move |_| view.set(tab))
        };
        html! {
            <button role="tab" id={format!("tab-{}", tab.id())} aria-selected={selected.to_string()}
                    tabindex={if selected { "0" } else { "-1" }}
                    aria-controls={format!("view-{}", tab.id())} {onclick} onmousedown={keep_focus()}>
                { words.get(tab.label()) }
            </button>
        }
    });

    let lang_notice = if lang_words.loading {
        html! {
            <p class="notice info lang-notice" role="status">
                { words.fill(Key::LangLoading, &[("lang", lang.name().into())]) }
            </p>
        }
    } else if let Some(why) = &lang_words.failed {
        html! {
            <p class="notice error lang-notice" role="alert">
                { words.fill(Key::LangFailed, &[("lang", lang.name().into()), ("why", why.as_ref().into())]) }
            </p>
        }
    } else {
        Html::default()
    };
    let languages = Lang::ALL.iter().map(|&option| {
        html! {
            <option value={option.tag()} lang={option.tag()} selected={option == *lang}>{ option.name() }</option>
        }
    });

    html! {
        <>
            <a class="skip-link" href="#main">{ words.get(Key::HeaderSkip) }</a>
            <header class="app-header">
                <div class="brand">
                    <h1>{ "MQ Lab" }</h1>
                    <p>{ words.get(Key::HeaderTagline) }</p>
                </div>
                <nav class="tabs" role="tablist" aria-label={words.get(Key::HeaderViews)} onkeydown={on_tab_key}>{ for tabs }</nav>
                <div class="header-tools">
                    <select class="lang-switch" aria-label={words.get(Key::LangLabel)} onchange={on_lang}>
                        { for languages }
                    </select>
                    { toggle_button(*dark, toggle_dark, words.get(Key::HeaderDarkTitle), words.get(if *dark { Key::HeaderLight } else { Key::HeaderDark })) }
                    { toggle_button(*large_text, toggle_text, words.get(Key::HeaderLargeTitle), words.get(Key::HeaderLarge)) }
                    { toggle_button(*presenting, toggle_present.reform(|_| ()), words.get(Key::HeaderPresentTitle), words.get(Key::HeaderPresent)) }
                    <button onclick={open_help} onmousedown={keep_focus()} aria-haspopup="dialog" title={words.get(Key::HeaderHelpTitle)}>{ words.get(Key::HeaderHelp) }</button>
                </div>
                if embed.is_some() {
                    <a class="embed-open" href="./" target="_blank" rel="noopener" onclick={Callback::from(|event: MouseEvent| {
                        // The run moves on after the page is drawn: the link takes it as it is now.
                        event.prevent_default();
                        let _ = gloo::utils::window().open_with_url_and_target_and_features(&address_without_embed(), "_blank", "noopener");
                    })}>{ words.get(Key::HeaderOpenFull) }</a>
                }
            </header>
            { lang_notice }
            // Another language draws the views again, from the start, in its words; the
            // run lives in the lab above them and is kept.
            <main id="main" data-ready="true" key={words.lang().tag()}>
                // One panel, the open view's; its key draws a new one for another view.
                <section key={view.id()} id={format!("view-{}", view.id())} role="tabpanel" aria-labelledby={format!("tab-{}", view.id())}>
                    { match *view {
                        View::Simulator => html! { <Simulator lab={lab.clone()} /> },
                        View::Lessons => html! {
                            <LessonsHost open={(*open_lesson).clone()} on_open={open_lesson_cb(&open_lesson)} />
                        },
                        View::Transactions => html! { <ModulePanel module={Module::Worlds} what={Key::PartView} /> },
                        analysis => html! {
                            <AnalysisHost view={analysis} lab={lab.clone()} on_open={show_simulator(&view)} />
                        },
                    } }
                </section>
            </main>
            if *help_open {
                <ModulePanel module={Module::Help} what={Key::PartHelp} on_message={close_help.reform(|_: String| ())} class="help-host" />
            }
        </>
    }
}

/// A header button that turns a setting on or off (the theme, the text size, presenter
/// mode).
fn toggle_button(
    pressed: bool,
    onclick: Callback<MouseEvent>,
    title: &'static str,
    label: &'static str,
) -> Html {
    html! {
        <button aria-pressed={if pressed { "true" } else { "false" }} {onclick} onmousedown={keep_focus()} {title}>
            { label }
        </button>
    }
}

/// A mouse click on a header button leaves the keyboard focus where it was, so that
/// Space still plays the run after switching the theme or a view with the mouse. The
/// keyboard reaches these buttons with Tab as usual.
fn keep_focus() -> Callback<MouseEvent> {
    Callback::from(|event: MouseEvent| event.prevent_default())
}

/// True when a key press is typed into a form field.
fn in_text_field(event: &web_sys::KeyboardEvent) -> bool {
    event
        .target()
        .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|element| matches!(element.tag_name().as_str(), "INPUT" | "TEXTAREA"))
}

fn open_help_cb(help_open: &UseStateHandle<bool>) -> Callback<()> {
    let help_open = help_open.clone();
    Callback::from(move |_| help_open.set(!*help_open))
}

/// Shows the simulator: a link to a run was followed from another view.
fn show_simulator(view: &UseStateHandle<View>) -> Callback<()> {
    let view = view.clone();
    Callback::from(move |_| view.set(View::Simulator))
}

/// Opens a lesson by its slug, or the list of lessons with `None`.
fn open_lesson_cb(open_lesson: &UseStateHandle<Option<String>>) -> Callback<Option<String>> {
    let open_lesson = open_lesson.clone();
    Callback::from(move |slug: Option<String>| open_lesson.set(slug))
}
