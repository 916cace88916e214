//! "Plots and exports", below the simulator's ledger: small plots of the run so far
//! (envelopes in flight; messages applied, duplicated and lost; participants in doubt),
//! and buttons that save the whole space-time diagram as SVG or as PNG at twice its size
//! (for slides), the ledger as CSV, and the plots as SVG. The analysis module draws it
//! from the simulator's run as the address bar holds it: the page writes the run's link
//! there whenever the run stops on a step, so the plots follow every paused step and stay
//! still while the run plays, and the page carries none of this.

use std::rc::Rc;

use mqlab_sim::series::{self, Sample};
use mqlab_sim::{Mode, SharedRun, Sim, SimOptions};
use mqlab_text::analysis::Key;
use mqlab_text::Words;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::components::share_bar::{download_blob, download_text};
use crate::exports::{self, Line};
use crate::words::current as words_now;

/// The panel's stylesheet, fetched when it is first shown.
pub const STYLESHEET: &str = "parts/exports.css";
/// The most samples a plot draws.
const PLOT_POINTS: usize = 240;
/// The most steps the diagram export replays.
const MAX_EXPORT_STEPS: u64 = 200_000;

/// A run's samples, and whether it is two-phase commit (which adds the plot of the
/// participants in doubt).
struct Plot {
    samples: Vec<Sample>,
    two_phase: bool,
}

/// The plots of the run in the address bar, or why there are none.
type Plotted = Result<Rc<Plot>, String>;

fn sim_of(link: &str, words: &Words) -> Result<Sim, String> {
    let shared = SharedRun::from_link(link).map_err(|error| error.describe_in(words))?;
    shared
        .to_sim(SimOptions::default(), MAX_EXPORT_STEPS)
        .map_err(|error| error.describe_in(words))
}

/// The lines of the messages' plot, in the page's words.
fn message_lines(words: &Words) -> [Line<'_>; 4] {
    [
        Line {
            name: words.get(Key::ExportsInFlight),
            colour: "#0b62d6",
            dash: "2 2",
            value: |s| s.in_flight,
        },
        Line {
            name: words.get(Key::ExportsApplied),
            colour: "#1a7f37",
            dash: "",
            value: |s| s.applied,
        },
        Line {
            name: words.get(Key::ExportsDuplicated),
            colour: "#9a6700",
            dash: "7 3",
            value: |s| s.duplicated,
        },
        Line {
            name: words.get(Key::ExportsLost),
            colour: "#b42318",
            dash: "10 3 2 3",
            value: |s| s.lost,
        },
    ]
}

/// The plots of a run: the messages', and the participants in doubt for two-phase commit.
fn plots(words: &Words, samples: &[Sample], two_phase: bool) -> Vec<String> {
    let tick = words.get(Key::ExportsTick);
    let mut drawn = vec![exports::plot_svg(
        words.get(Key::ExportsMessagesTitle),
        tick,
        samples,
        &message_lines(words),
    )];
    if two_phase {
        drawn.push(exports::plot_svg(
            words.get(Key::ExportsDoubtTitle),
            tick,
            samples,
            &[Line {
                name: words.get(Key::ExportsInDoubt),
                colour: "#8250df",
                dash: "",
                value: |s| s.in_doubt,
            }],
        ));
    }
    drawn
}

/// Draws `svg` (a whole SVG document) at twice its size and offers it as a PNG file.
async fn save_png(words: Rc<Words>, svg: String, width: u32, height: u32) -> Result<(), String> {
    let failed = || words.get(Key::ExportsNoImage).to_string();
    let document = gloo::utils::document();
    let image = web_sys::HtmlImageElement::new().map_err(|_| failed())?;
    let source = format!(
        "data:image/svg+xml;charset=utf-8,{}",
        String::from(js_sys::encode_uri_component(&svg))
    );
    image.set_src(&source);
    wasm_bindgen_futures::JsFuture::from(image.decode())
        .await
        .map_err(|_| failed())?;
    let canvas: web_sys::HtmlCanvasElement = document
        .create_element("canvas")
        .map_err(|_| failed())?
        .unchecked_into();
    canvas.set_width(width * 2);
    canvas.set_height(height * 2);
    let context: web_sys::CanvasRenderingContext2d = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .ok_or_else(failed)?
        .unchecked_into();
    context.scale(2.0, 2.0).map_err(|_| failed())?;
    context
        .draw_image_with_html_image_element(&image, 0.0, 0.0)
        .map_err(|_| failed())?;
    let blob = js_sys::Promise::new(&mut |resolve, _reject| {
        let settle = resolve.clone();
        let done = Closure::once_into_js(move |blob: JsValue| {
            let _ = settle.call1(&JsValue::NULL, &blob);
        });
        if canvas.to_blob(done.unchecked_ref()).is_err() {
            let _ = resolve.call1(&JsValue::NULL, &JsValue::NULL);
        }
    });
    let blob = wasm_bindgen_futures::JsFuture::from(blob)
        .await
        .map_err(|_| failed())?
        .dyn_into::<web_sys::Blob>()
        .map_err(|_| failed())?;
    download_blob(&words, "mqlab-diagram@2x.png", &blob)
}

/// The title of an exported diagram: the run's mode, messages and seed.
fn diagram_title(words: &Words, sim: &Sim) -> String {
    let scenario = sim.scenario();
    words.fill(
        Key::ExportsDiagramTitle,
        &[
            ("mode", scenario.mode.as_str().into()),
            ("messages", scenario.messages.into()),
            ("seed", scenario.seed.into()),
            ("step", sim.step_index().into()),
        ],
    )
}

#[component]
pub fn RunExports() -> Html {
    let words = words_now();
    use_effect_with((), |_| crate::lazy::ensure_stylesheet(STYLESHEET));
    let link = crate::page_link::use_run_in_address();
    let plotted = use_state(|| None::<Plotted>);
    let status = use_state(|| None::<String>);
    {
        // The plots of the run in the address bar, drawn in a task after the change.
        let plotted = plotted.clone();
        let words = words.clone();
        use_effect_with((*link).clone(), move |link| {
            let link = link.clone();
            let timer = gloo::timers::callback::Timeout::new(0, move || {
                let result = SharedRun::from_link(&link)
                    .map_err(|error| error.describe_in(&words))
                    .and_then(|run| {
                        Ok(Rc::new(Plot {
                            samples: series::over_run(&run, PLOT_POINTS)
                                .map_err(|error| error.describe_in(&words))?,
                            two_phase: run.scenario.mode == Mode::Transactional,
                        }))
                    });
                plotted.set(Some(result));
            });
            move || drop(timer)
        });
    }

    let export = |what: &'static str| {
        let link = (*link).clone();
        let status = status.clone();
        let plotted = plotted.clone();
        Callback::from(move |_: MouseEvent| {
            let words = words_now();
            let result = match what {
                "svg" | "png" => sim_of(&link, &words).and_then(|sim| {
                    let svg = exports::diagram_svg(sim.trace(), &diagram_title(&words, &sim));
                    if what == "svg" {
                        download_text(&words, "mqlab-diagram.svg", &svg, "image/svg+xml")
                    } else {
                        let (width, height) = exports::svg_size(&svg);
                        let status = status.clone();
                        wasm_bindgen_futures::spawn_local(async move {
                            if let Err(reason) = save_png(words.clone(), svg, width, height).await {
                                status.set(Some(reason));
                            }
                        });
                        Ok(())
                    }
                }),
                "csv" => sim_of(&link, &words).and_then(|sim| {
                    download_text(
                        &words,
                        "mqlab-ledger.csv",
                        &exports::ledger_csv(sim.ledger().messages()),
                        "text/csv",
                    )
                }),
                _ => match plotted.as_ref() {
                    Some(Ok(plot)) => {
                        let drawn = plots(&words, &plot.samples, plot.two_phase);
                        download_text(
                            &words,
                            "mqlab-plots.svg",
                            &exports::stack(&drawn),
                            "image/svg+xml",
                        )
                    }
                    Some(Err(reason)) => Err(reason.clone()),
                    None => Err(words.get(Key::ExportsDrawing).to_string()),
                },
            };
            status.set(result.err());
        })
    };

    let drawing = match plotted.as_ref() {
        None => html! { <p class="hint" role="status">{ words.get(Key::ExportsDrawing) }</p> },
        Some(Err(reason)) => html! {
            <p class="notice error" role="alert">{ words.fill(Key::ExportsUnreadable, &[("error", reason.as_str().into())]) }</p>
        },
        Some(Ok(plot)) => html! {
            <div class="run-plots">
                { for plots(&words, &plot.samples, plot.two_phase).into_iter().map(|svg| html! {
                    <figure class="run-plot">{ Html::from_html_unchecked(AttrValue::from(svg)) }</figure>
                }) }
            </div>
        },
    };
    let button = |what: &'static str, label: Key, title: Key| {
        html! {
            <button type="button" data-export={what} onclick={export(what)} title={words.get(title)}>{ words.get(label) }</button>
        }
    };
    html! {
        <section class="panel run-exports" aria-labelledby="run-exports-heading">
            <h2 id="run-exports-heading">{ words.get(Key::ExportsHeading) }</h2>
            <p class="hint">{ words.get(Key::ExportsIntro) }</p>
            { drawing }
            <div class="export-buttons" role="group" aria-label={words.get(Key::ExportsButtons)}>
                { button("svg", Key::ExportsSvg, Key::ExportsSvgTitle) }
                { button("png", Key::ExportsPng, Key::ExportsPngTitle) }
                { button("csv", Key::ExportsCsv, Key::ExportsCsvTitle) }
                { button("plots", Key::ExportsPlots, Key::ExportsPlotsTitle) }
            </div>
            if let Some(reason) = &*status {
                <p class="notice error" role="alert">{ words.fill(Key::ExportsFailed, &[("reason", reason.as_str().into())]) }</p>
            }
        </section>
    }
}
