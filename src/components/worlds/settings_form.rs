//! The Transactions view's settings: the world, and its settings as form controls. Each
//! change is kept in the form; "Run" hands the form to the view, which reads it
//! (`model::parse`) and runs it or says why not.

use mqlab_sim::outbox::{InboxAck, Pattern, RelayMarks};
use mqlab_sim::{CrashPoint, Isolation};
use mqlab_text::worlds::Key;
use yew::prelude::*;

use super::model::{Form, WorldKind, DUAL_PATTERNS, DUAL_POINTS, KAFKA_POINTS};
use crate::words::current as words_now;

#[derive(Properties, PartialEq)]
pub struct SettingsFormProps {
    pub form: Form,
    /// A control changed.
    pub on_change: Callback<Form>,
    /// The learner asked to run the form (the world switch runs at once).
    pub on_run: Callback<Form>,
}

/// A text or number field's new value.
fn input_value(event: &InputEvent) -> Option<String> {
    event
        .target_dyn_into::<web_sys::HtmlInputElement>()
        .map(|input| input.value())
}

fn select_value(event: &Event) -> Option<String> {
    event
        .target_dyn_into::<web_sys::HtmlSelectElement>()
        .map(|select| select.value())
}

fn checked(event: &Event) -> Option<bool> {
    event
        .target_dyn_into::<web_sys::HtmlInputElement>()
        .map(|input| input.checked())
}

#[component]
pub fn SettingsForm(props: &SettingsFormProps) -> Html {
    let words = words_now();
    let form = &props.form;
    // A callback that changes one field of the form.
    let edit = |change: fn(&mut Form, String)| {
        let form = form.clone();
        let on_change = props.on_change.clone();
        move |value: String| {
            let mut next = form.clone();
            change(&mut next, value);
            on_change.emit(next);
        }
    };
    let text_field = |id: &'static str,
                      label: Key,
                      value: &str,
                      kind: &'static str,
                      change: fn(&mut Form, String)| {
        let set = edit(change);
        let oninput = Callback::from(move |e: InputEvent| {
            if let Some(v) = input_value(&e) {
                set(v);
            }
        });
        html! {
            <label class="field" for={id}>
                <span>{ words.get(label) }</span>
                <input {id} type={kind} inputmode={(kind == "text").then_some("numeric")} value={value.to_string()} {oninput} />
            </label>
        }
    };
    let select_field = |id: &'static str,
                        label: Key,
                        value: &str,
                        options: Vec<(String, String)>,
                        change: fn(&mut Form, String)| {
        let set = edit(change);
        let onchange = Callback::from(move |e: Event| {
            if let Some(v) = select_value(&e) {
                set(v);
            }
        });
        html! {
            <label class="field" for={id}>
                <span>{ words.get(label) }</span>
                <select {id} {onchange}>
                    { for options.into_iter().map(|(v, text)| html! {
                        <option selected={v == value} value={v.clone()}>{ text }</option>
                    }) }
                </select>
            </label>
        }
    };
    let check_field = |id: &'static str, label: Key, value: bool, change: fn(&mut Form, bool)| {
        let form = form.clone();
        let on_change = props.on_change.clone();
        let onchange = Callback::from(move |e: Event| {
            if let Some(v) = checked(&e) {
                let mut next = form.clone();
                change(&mut next, v);
                on_change.emit(next);
            }
        });
        html! {
            <label class="field check" for={id}>
                <input {id} type="checkbox" checked={value} {onchange} />
                <span>{ words.get(label) }</span>
            </label>
        }
    };
    let world_button = |kind: WorldKind, label: Key| {
        let chosen = form.world == kind;
        let form = form.clone();
        let on_run = props.on_run.clone();
        let onclick = Callback::from(move |_: MouseEvent| {
            if form.world != kind {
                on_run.emit(Form {
                    world: kind,
                    crash_point: String::new(),
                    crash_message: String::new(),
                    ..form.clone()
                });
            }
        });
        html! {
            <button type="button" class={classes!("world-choice", chosen.then_some("chosen"))}
                aria-pressed={chosen.to_string()} data-world={kind.id()} {onclick}>
                { words.get(label) }
            </button>
        }
    };
    let default_option = || (String::new(), words.get(Key::FormDefault).to_string());
    let named = |name: &str| (name.to_string(), name.to_string());
    let points: &[CrashPoint] = match form.world {
        WorldKind::Kafka => &KAFKA_POINTS,
        WorldKind::Dual => &DUAL_POINTS,
    };
    let point_options: Vec<(String, String)> =
        std::iter::once((String::new(), words.get(Key::FormCrashNone).to_string()))
            .chain(points.iter().map(|p| named(p.as_str())))
            .collect();
    let onsubmit = {
        let form = form.clone();
        let on_run = props.on_run.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            on_run.emit(form.clone());
        })
    };
    let own = match form.world {
        WorldKind::Kafka => html! {
            <>
                { text_field("worlds-txn-size", Key::FormTxnSize, &form.txn_size, "number", |f, v| f.txn_size = v) }
                { select_field("worlds-isolation", Key::FormIsolation, &form.isolation,
                    Isolation::ALL.iter().map(|i| named(i.as_str())).collect(), |f, v| f.isolation = v) }
                { check_field("worlds-zombie", Key::FormZombie, form.zombie, |f, v| f.zombie = v) }
                { check_field("worlds-external", Key::FormExternal, form.external_effect, |f, v| f.external_effect = v) }
                <label class="field wide" for="worlds-pauses">
                    <span>{ words.get(Key::FormPauses) }</span>
                    <input id="worlds-pauses" type="text" placeholder="producer@5..40" value={form.pauses.clone()}
                        oninput={{ let set = edit(|f, v| f.pauses = v); Callback::from(move |e: InputEvent| if let Some(v) = input_value(&e) { set(v) }) }} />
                </label>
            </>
        },
        WorldKind::Dual => html! {
            <>
                { select_field("worlds-pattern", Key::FormPattern, &form.pattern,
                    DUAL_PATTERNS.iter().map(|p| named(p.as_str())).collect(), |f, v| f.pattern = v) }
                { select_field("worlds-relay-marks", Key::FormRelayMarks, &form.relay_marks,
                    std::iter::once(default_option()).chain(RelayMarks::ALL.iter().map(|r| named(r.as_str()))).collect(),
                    |f, v| f.relay_marks = v) }
                { select_field("worlds-inbox-ack", Key::FormInboxAck, &form.inbox_ack,
                    std::iter::once(default_option()).chain(InboxAck::ALL.iter().map(|a| named(a.as_str()))).collect(),
                    |f, v| f.inbox_ack = v) }
                <label class="field wide" for="worlds-timed">
                    <span>{ words.get(Key::FormTimed) }</span>
                    <input id="worlds-timed" type="text" placeholder="28:crash:consumer" value={form.timed.clone()}
                        oninput={{ let set = edit(|f, v| f.timed = v); Callback::from(move |e: InputEvent| if let Some(v) = input_value(&e) { set(v) }) }} />
                </label>
            </>
        },
    };
    // 2PC is compared with the patterns, not run here: it is transactional mode's world.
    debug_assert!(!DUAL_PATTERNS.contains(&Pattern::TwoPhaseCommit));
    html! {
        <form class="panel worlds-settings" {onsubmit} aria-label={words.get(Key::FormLegend)}>
            <div class="world-switch" role="group" aria-label={words.get(Key::WorldLabel)}>
                { world_button(WorldKind::Kafka, Key::WorldKafka) }
                { world_button(WorldKind::Dual, Key::WorldDual) }
            </div>
            <div class="worlds-fields">
                { text_field("worlds-messages", Key::FormMessages, &form.messages, "number", |f, v| f.messages = v) }
                { text_field("worlds-seed", Key::FormSeed, &form.seed, "text", |f, v| f.seed = v) }
                { own }
                { select_field("worlds-crash", Key::FormCrash, &form.crash_point, point_options, |f, v| f.crash_point = v) }
                { text_field("worlds-crash-message", Key::FormCrashMessage, &form.crash_message, "text", |f, v| f.crash_message = v) }
                <button type="submit" class="primary" id="worlds-run">{ words.get(Key::FormRun) }</button>
            </div>
        </form>
    }
}
