//! The top-level component: header, view tabs, theme and text-size settings, and the
//! simulator state that the views share.

use mqlab_sim::Scenario;
use yew::prelude::*;

use crate::components::compare_view::CompareView;
use crate::components::crash_matrix::CrashMatrix;
use crate::components::help_overlay::HelpOverlay;
use crate::components::lessons::Lessons;
use crate::components::protocol_lab::ProtocolLab;
use crate::components::simulator::Simulator;
use crate::state::Lab;

/// The views of the page, one tab each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Simulator,
    Lessons,
    Compare,
    CrashMatrix,
    ProtocolLab,
}

impl View {
    pub const ALL: [View; 5] = [
        View::Simulator,
        View::Lessons,
        View::Compare,
        View::CrashMatrix,
        View::ProtocolLab,
    ];

    pub const fn label(self) -> &'static str {
        match self {
            View::Simulator => "Simulator",
            View::Lessons => "Lessons",
            View::Compare => "Compare",
            View::CrashMatrix => "Crash matrix",
            View::ProtocolLab => "Protocol lab",
        }
    }

    pub const fn id(self) -> &'static str {
        match self {
            View::Simulator => "simulator",
            View::Lessons => "lessons",
            View::Compare => "compare",
            View::CrashMatrix => "crash-matrix",
            View::ProtocolLab => "protocol-lab",
        }
    }
}

/// Sets an attribute on the document's root element (theme, text size).
fn set_root_attribute(name: &str, value: &str) {
    if let Some(root) = gloo::utils::document().document_element() {
        // Failing to set a presentation attribute only loses the styling; nothing to report.
        let _ = root.set_attribute(name, value);
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
    crate::page_link::use_page_link(&view, *dark, *large_text, system_dark, lab.version);
    crate::page_link::use_simulator_kept_apart(&lab, &view);
    let help_open = use_state(|| false);

    {
        let dark = *dark;
        use_effect_with(dark, move |dark| {
            set_root_attribute("data-theme", if *dark { "dark" } else { "light" });
        });
    }
    {
        let large_text = *large_text;
        use_effect_with(large_text, move |large| {
            set_root_attribute("data-text", if *large { "large" } else { "normal" });
        });
    }

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
    let close_help = {
        let help_open = help_open.clone();
        Callback::from(move |_| help_open.set(false))
    };

    let tabs = View::ALL.iter().map(|&tab| {
        let selected = *view == tab;
        let onclick = {
            let view = view.clone();
            Callback::from(move |_| view.set(tab))
        };
        html! {
            <button role="tab" id={format!("tab-{}", tab.id())} aria-selected={selected.to_string()}
                    aria-controls={format!("view-{}", tab.id())} {onclick}>
                { tab.label() }
            </button>
        }
    });

    html! {
        <>
            <a class="skip-link" href="#main">{ "Skip to the simulator" }</a>
            <header class="app-header">
                <div class="brand">
                    <h1>{ "MQ Lab" }</h1>
                    <p>{ "Crash a producer, a queue or a consumer and see which messages get lost or duplicated — and how acks, retries, idempotence and two-phase commit prevent it." }</p>
                </div>
                <nav class="tabs" role="tablist" aria-label="Views">{ for tabs }</nav>
                <div class="header-tools">
                    <button aria-pressed={dark.to_string()} onclick={toggle_dark} title="Dark theme">
                        { if *dark { "☀ Light" } else { "☾ Dark" } }
                    </button>
                    <button aria-pressed={large_text.to_string()} onclick={toggle_text} title="Large text for projectors">
                        { "A+ Large text" }
                    </button>
                    <button onclick={open_help} aria-haspopup="dialog" title="Keyboard shortcuts (?)">{ "? Help" }</button>
                </div>
            </header>
            <main id="main" data-ready="true">
                if *view == View::Simulator {
                    <section id="view-simulator" role="tabpanel" aria-labelledby="tab-simulator">
                        <Simulator lab={lab.clone()} on_help={open_help_cb(&help_open)} />
                    </section>
                }
                if *view == View::Lessons {
                    <section id="view-lessons" role="tabpanel" aria-labelledby="tab-lessons">
                        <Lessons lab={lab.clone()} open={(*open_lesson).clone()} on_open={open_lesson_cb(&open_lesson)} />
                    </section>
                }
                if *view == View::Compare {
                    <section id="view-compare" role="tabpanel" aria-labelledby="tab-compare">
                        <CompareView lab={lab.clone()} on_open={show_simulator(&view)} />
                    </section>
                }
                if *view == View::CrashMatrix {
                    <section id="view-crash-matrix" role="tabpanel" aria-labelledby="tab-crash-matrix">
                        <CrashMatrix lab={lab.clone()} on_open={show_simulator(&view)} />
                    </section>
                }
                if *view == View::ProtocolLab {
                    <section id="view-protocol-lab" role="tabpanel" aria-labelledby="tab-protocol-lab">
                        <ProtocolLab />
                    </section>
                }
            </main>
            if *help_open {
                <HelpOverlay on_close={close_help} />
            }
        </>
    }
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
