//! Playback and scenario controls: play, pause, step, step back, reset, speed, mode,
//! seed and the number of messages.

use mqlab_sim::Mode;
use yew::prelude::*;

use crate::state::{LabAction, Notice, SPEEDS};

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
    pub dispatch: Callback<LabAction>,
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
                Err(error) => dispatch.emit(LabAction::Notify(Notice::Error(error.to_string()))),
            },
        )
    };
    let on_seed = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |event: Event| {
            let text = event_value(&event);
            match text.trim().parse::<u64>() {
                Ok(seed) => dispatch.emit(LabAction::SetSeed(seed)),
                Err(_) => dispatch.emit(LabAction::Notify(Notice::Error(format!(
                    "The seed must be a whole number from 0 to {}; \"{text}\" is not. The current run is kept.",
                    u64::MAX
                )))),
            }
        })
    };
    let on_messages = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |event: Event| {
            let text = event_value(&event);
            match text.trim().parse::<u32>() {
                Ok(messages) => dispatch.emit(LabAction::SetMessages(messages)),
                Err(_) => dispatch.emit(LabAction::Notify(Notice::Error(format!(
                    "The number of messages must be a whole number; \"{text}\" is not. The current run is kept."
                )))),
            }
        })
    };
    let speed = SPEEDS[props.speed_index.min(SPEEDS.len() - 1)];
    html! {
        <div class="controls" role="toolbar" aria-label="Playback">
            <div class="group">
                if props.playing {
                    <button class="primary" onclick={send(LabAction::Pause)} title="Pause (Space)" aria-label="Pause">{ "❚❚ Pause" }</button>
                } else {
                    <button class="primary" onclick={send(LabAction::Play)} disabled={props.quiet} title="Play (Space)" aria-label="Play">{ "▶ Play" }</button>
                }
                <button onclick={send(LabAction::StepBack)} disabled={props.step == 0} title="Step back (←)" aria-label="Step back">{ "⇤ Step back" }</button>
                <button onclick={send(LabAction::Step)} disabled={props.quiet} title="Step (→)" aria-label="Step">{ "Step ⇥" }</button>
                <button onclick={send(LabAction::Reset)} title="Reset (R)" aria-label="Reset">{ "↺ Reset" }</button>
            </div>
            <span class="sep" aria-hidden="true"></span>
            <div class="group">
                <label for="speed">{ "Speed" }</label>
                <input id="speed" type="range" min="0" max={(SPEEDS.len() - 1).to_string()}
                       value={props.speed_index.to_string()} oninput={on_speed}
                       aria-valuetext={format!("{speed} steps per second")} />
                <span class="step-readout">{ format!("{speed}/s") }</span>
            </div>
            <span class="sep" aria-hidden="true"></span>
            <div class="group">
                <label for="mode">{ "Delivery mode" }</label>
                <select id="mode" onchange={on_mode}>
                    { for Mode::ALL.iter().map(|mode| html! {
                        <option value={mode.as_str()} selected={*mode == props.mode}>{ mode.label() }</option>
                    }) }
                </select>
                <label for="seed">{ "Seed" }</label>
                <input id="seed" type="number" min="0" value={props.seed.to_string()} onchange={on_seed} />
                <label for="messages">{ "Messages" }</label>
                <input id="messages" type="number" min="1" value={props.messages.to_string()} onchange={on_messages} />
            </div>
            <span class="step-readout" aria-live="off">
                { format!("step {} · tick {}", props.step, props.tick) }
                if props.quiet { { " · finished" } }
            </span>
        </div>
    }
}
