//! Playback and scenario controls: play, pause, step, step back, reset, speed, mode,
//! seed, the number of messages, the transaction size, the max in flight and
//! consume-transform-produce.

use mqlab_sim::Mode;
use mqlab_text::simulator::Key;
use mqlab_text::Words;
use yew::prelude::*;

use crate::state::{LabAction, Notice, SPEEDS};
use crate::words::current as words_now;

#[derive(Properties, PartialEq)]
pub struct ControlsProps {
    pub playing: bool,
    pub quiet: bool,
    pub step: u64,
    pub tick: u64,
    pub speed_index: usize,
    pub mode: Mode,
    pub seed: u64,
    pub messages: u32,
    /// Messages per transaction (per batch outside transactional mode).
    #[prop_or(1)]
    pub txn_size: u32,
    /// The producer's max in flight (its window of unconfirmed publishes).
    #[prop_or(4)]
    pub max_in_flight: u32,
    /// Consume-transform-produce: each consume transaction also publishes an output.
    #[prop_or(false)]
    pub transform: bool,
    /// How many producers and consumers the run has.
    #[prop_or(1)]
    pub producers: u16,
    #[prop_or(1)]
    pub consumers: u16,
    pub dispatch: Callback<LabAction>,
}

/// The pause sign, drawn rather than typed: the fonts a page can count on have no glyph
/// for it, and a missing glyph shows as an empty box.
pub fn pause_icon() -> Html {
    html! {
        <svg class="icon" aria-hidden="true" viewBox="0 0 10 10" width="10" height="10">
            <rect x="1" y="1" width="3" height="8" /><rect x="6" y="1" width="3" height="8" />
        </svg>
    }
}

/// The play sign, drawn like the pause sign so that the two match.
pub fn play_icon() -> Html {
    html! {
        <svg class="icon" aria-hidden="true" viewBox="0 0 10 10" width="10" height="10">
            <path d="M2 1 L9 5 L2 9 Z" />
        </svg>
    }
}

/// A delivery mode's name, as the mode menu shows it.
pub fn mode_label(words: &Words, mode: Mode) -> &'static str {
    words.get(match mode {
        Mode::AtMostOnce => Key::ModeAtMostOnce,
        Mode::AtLeastOnce => Key::ModeAtLeastOnce,
        Mode::Idempotent => Key::ModeIdempotent,
        Mode::Transactional => Key::ModeTransactional,
    })
}

/// Reads the value of the input or select that fired an event.
pub fn event_value(event: &Event) -> String {
    use wasm_bindgen::JsCast;
    let Some(target) = event.target() else {
        return String::new();
    };
    if let Some(input) = target.dyn_ref::<web_sys::HtmlInputElement>() {
        return input.value();
    }
    if let Some(select) = target.dyn_ref::<web_sys::HtmlSelectElement>() {
        return select.value();
    }
    String::new()
}

#[component]
pub fn Controls(props: &ControlsProps) -> Html {
    let words = words_now();
    // A knob's value that is not a number: the run is kept, and the notice says why.
    let refused = |key: Key| {
        let words = words.clone();
        move |text: &str| {
            LabAction::Notify(Notice::Error(words.fill(key, &[("text", text.into())])))
        }
    };
    let send = |action: LabAction| {
        let dispatch = props.dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.emit(action.clone()))
    };
    let on_speed = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |event: InputEvent| {
            let event: Event = event.into();
            if let Ok(index) = event_value(&event).parse::<usize>() {
                dispatch.emit(LabAction::SetSpeed(index));
            }
        })
    };
    let on_mode = {
        let dispatch = props.dispatch.clone();
        Callback::from(
            move |event: Event| match event_value(&event).parse::<Mode>() {
                Ok(mode) => dispatch.emit(LabAction::SetMode(mode)),
                Err(error) => dispatch.emit(LabAction::Notify(Notice::refused(
                    &words_now(),
                    |_, reason| reason.to_string(),
                    move |words| error.sentence().told_in(words),
                ))),
            },
        )
    };
    let on_seed = {
        let dispatch = props.dispatch.clone();
        let words = words.clone();
        Callback::from(move |event: Event| {
            let text = event_value(&event);
            match text.trim().parse::<u64>() {
                Ok(seed) => dispatch.emit(LabAction::SetSeed(seed)),
                Err(_) => dispatch.emit(LabAction::Notify(Notice::Error(words.fill(
                    Key::ControlsErrorSeed,
                    &[("max", u64::MAX.into()), ("text", text.as_str().into())],
                )))),
            }
        })
    };
    let on_messages = {
        let dispatch = props.dispatch.clone();
        let refused = refused(Key::ControlsErrorMessages);
        Callback::from(move |event: Event| {
            let text = event_value(&event);
            match text.trim().parse::<u32>() {
                Ok(messages) => dispatch.emit(LabAction::SetMessages(messages)),
                Err(_) => dispatch.emit(refused(&text)),
            }
        })
    };
    let on_topology = |is_producers: bool| {
        let dispatch = props.dispatch.clone();
        let (producers, consumers) = (props.producers, props.consumers);
        let refused = refused(Key::ControlsErrorTopology);
        Callback::from(move |event: Event| {
            let text = event_value(&event);
            match text.trim().parse::<u16>() {
                Ok(value) if is_producers => dispatch.emit(LabAction::SetTopology {
                    producers: value,
                    consumers,
                }),
                Ok(value) => dispatch.emit(LabAction::SetTopology {
                    producers,
                    consumers: value,
                }),
                Err(_) => dispatch.emit(refused(&text)),
            }
        })
    };
    let on_txn_knob = |is_size: bool| {
        let dispatch = props.dispatch.clone();
        let (txn_size, max_in_flight) = (props.txn_size, props.max_in_flight);
        let refused = refused(Key::ControlsErrorTxn);
        Callback::from(move |event: Event| {
            let text = event_value(&event);
            match text.trim().parse::<u32>() {
                Ok(value) if is_size => dispatch.emit(LabAction::SetTxnKnobs {
                    txn_size: value,
                    max_in_flight,
                }),
                Ok(value) => dispatch.emit(LabAction::SetTxnKnobs {
                    txn_size,
                    max_in_flight: value,
                }),
                Err(_) => dispatch.emit(refused(&text)),
            }
        })
    };
    let on_transform = {
        let dispatch = props.dispatch.clone();
        let transform = props.transform;
        Callback::from(move |_: Event| dispatch.emit(LabAction::SetTransform(!transform)))
    };
    let speed = SPEEDS[props.speed_index.min(SPEEDS.len() - 1)];
    let w = |key: Key| words.get(key).to_string();
    html! {
        <div class="controls" role="toolbar" aria-label={w(Key::ControlsLabel)}>
            <div class="group">
                if props.playing {
                    <button class="primary" onclick={send(LabAction::Pause)} title={w(Key::ControlsPauseTitle)} aria-label={w(Key::ControlsPause)}>{ pause_icon() }{ format!(" {}", w(Key::ControlsPause)) }</button>
                } else {
                    <button class="primary" onclick={send(LabAction::Play)} disabled={props.quiet} title={w(Key::ControlsPlayTitle)} aria-label={w(Key::ControlsPlay)}>{ play_icon() }{ format!(" {}", w(Key::ControlsPlay)) }</button>
                }
                <button onclick={send(LabAction::StepBack)} disabled={props.step == 0} title={w(Key::ControlsStepBackTitle)} aria-label={w(Key::ControlsStepBack)}>{ format!("⇤ {}", w(Key::ControlsStepBack)) }</button>
                <button onclick={send(LabAction::Step)} disabled={props.quiet} title={w(Key::ControlsStepTitle)} aria-label={w(Key::ControlsStep)}>{ format!("{} ⇥", w(Key::ControlsStep)) }</button>
                <button onclick={send(LabAction::Reset)} title={w(Key::ControlsResetTitle)} aria-label={w(Key::ControlsReset)}>{ format!("↺ {}", w(Key::ControlsReset)) }</button>
            </div>
            <span class="sep" aria-hidden="true"></span>
            <div class="group">
                <label for="speed">{ w(Key::ControlsSpeed) }</label>
                <input id="speed" type="range" min="0" max={(SPEEDS.len() - 1).to_string()}
                       value={props.speed_index.to_string()} oninput={on_speed}
                       aria-valuetext={words.fill(Key::ControlsSpeedValue, &[("speed", speed.into())])} />
                <span class="step-readout">{ words.fill(Key::ControlsSpeedReadout, &[("speed", speed.into())]) }</span>
            </div>
            <span class="sep" aria-hidden="true"></span>
            <div class="group">
                <span class="field">
                    <label for="mode">{ w(Key::ControlsMode) }</label>
                    <select id="mode" onchange={on_mode}>
                        { for Mode::ALL.iter().map(|mode| html! {
                            <option value={mode.as_str()} selected={*mode == props.mode}>{ mode_label(&words, *mode).to_string() }</option>
                        }) }
                    </select>
                </span>
                <span class="field">
                    <label for="seed">{ w(Key::ControlsSeed) }</label>
                    <input id="seed" type="number" min="0" value={props.seed.to_string()} onchange={on_seed} />
                </span>
                <span class="field">
                    <label for="messages">{ w(Key::ControlsMessages) }</label>
                    <input id="messages" type="number" min="1" value={props.messages.to_string()} onchange={on_messages} />
                </span>
                <span class="field">
                    <label for="producers" title={w(Key::ControlsProducersTitle)}>{ w(Key::ControlsProducers) }</label>
                    <input id="producers" type="number" min="1" max="3" value={props.producers.to_string()} onchange={on_topology(true)} />
                </span>
                <span class="field">
                    <label for="consumers" title={w(Key::ControlsConsumersTitle)}>{ w(Key::ControlsConsumers) }</label>
                    <input id="consumers" type="number" min="1" max="8" value={props.consumers.to_string()} onchange={on_topology(false)} />
                </span>
                <span class="field">
                    <label for="txn-size" title={w(Key::ControlsTxnSizeTitle)}>{ w(Key::ControlsTxnSize) }</label>
                    <input id="txn-size" type="number" min="1" max="64" value={props.txn_size.to_string()} onchange={on_txn_knob(true)} />
                </span>
                <span class="field">
                    <label for="max-in-flight" title={w(Key::ControlsMaxInFlightTitle)}>{ w(Key::ControlsMaxInFlight) }</label>
                    <input id="max-in-flight" type="number" min="1" max="1024" value={props.max_in_flight.to_string()} onchange={on_txn_knob(false)} />
                </span>
                <span class="field">
                    <input id="transform" type="checkbox" checked={props.transform} onchange={on_transform} />
                    <label for="transform" title={w(Key::ControlsTransformTitle)}>{ w(Key::ControlsTransform) }</label>
                </span>
            </div>
            <span class="step-readout" aria-live="off">
                { format!("{} · ", words.fill(Key::ControlsReadoutStep, &[("step", props.step.into())])) }
                <abbr title={w(Key::HelpTick)}>{ w(Key::ControlsReadoutTick) }</abbr>
                { format!(" {}", props.tick) }
                if props.quiet { { format!(" · {}", w(Key::ControlsReadoutFinished)) } }
            </span>
        </div>
    }
}
