//! The Transactions view: the settings form, the player, the narration of the step on
//! screen, the events so far, the state of the run, its ledger, and the comparisons.
//! A setting the core refuses is told here in the reader's words, and the run on screen
//! stays.

use std::rc::Rc;

use gloo::timers::callback::Interval;
use mqlab_text::worlds::Key;
use yew::prelude::*;

use super::compare::{pattern_compare, protocol_compare};
use super::dual_state::dual_state;
use super::kafka_state::kafka_state;
use super::ledger::ledger;
use super::lesson::{lesson_card, lesson_list, CardActions};
use super::matrix::WorldsMatrix;
use super::model::{
    compare_patterns, compare_protocols, parse, Form, FormError, PatternOutcome, ProtocolOutcome,
    Run, Setup,
};
use super::player::{Player, PlayerAction};
use super::settings_form::SettingsForm;
use crate::words::current as words_now;
use mqlab_sim::world_lessons::{self, WorldLesson};

/// How long a step stays on screen while the run plays, in milliseconds.
const BEAT_MS: u32 = 700;

/// A comparison run for a setup.
#[derive(Clone, Debug, PartialEq)]
enum Compared {
    Protocols(Rc<Setup>, Rc<[ProtocolOutcome; 2]>),
    Patterns(Rc<Setup>, Rc<Vec<PatternOutcome>>),
}

impl Compared {
    fn setup(&self) -> &Rc<Setup> {
        match self {
            Compared::Protocols(setup, _) | Compared::Patterns(setup, _) => setup,
        }
    }
}

/// What the view keeps while the page draws it anew (in another language, or when the
/// learner comes back from another view): the form, the run and its step, the open
/// lesson and the prediction.
#[derive(Clone)]
struct Kept {
    form: Form,
    setup: Option<Rc<Setup>>,
    step: u64,
    lesson: Option<Rc<WorldLesson>>,
    prediction: Option<usize>,
}

thread_local! {
    static KEPT: std::cell::RefCell<Option<Kept>> = const { std::cell::RefCell::new(None) };
}

fn kept() -> Option<Kept> {
    KEPT.with(|kept| kept.borrow().clone())
}

fn first_player() -> Player {
    if let Some(Kept {
        setup: Some(setup),
        step,
        ..
    }) = kept()
    {
        return Player::at(setup, step);
    }
    // The default form runs; should the core ever refuse it, the view starts empty and
    // says why when the learner runs it.
    parse(&Form::default())
        .map(|setup| Player::with(Rc::new(setup)))
        .unwrap_or_default()
}

#[component]
pub fn WorldsView() -> Html {
    let words = words_now();
    let form = use_state(|| kept().map_or_else(Form::default, |k| k.form));
    let player = use_reducer(first_player);
    let problem = use_state(|| None::<FormError>);
    let compared = use_state(|| None::<Compared>);
    // The lesson open, if any, and the learner's prediction for it.
    let lesson = use_state(|| kept().and_then(|k| k.lesson));
    let prediction = use_state(|| kept().and_then(|k| k.prediction));
    KEPT.with(|kept| {
        *kept.borrow_mut() = Some(Kept {
            form: (*form).clone(),
            setup: player.loaded.as_ref().map(|l| l.setup.clone()),
            step: player.loaded.as_ref().map_or(0, |l| l.frame.step),
            lesson: (*lesson).clone(),
            prediction: *prediction,
        });
    });

    // The play timer: one beat per step while playing, dropped when paused.
    {
        let dispatcher = player.dispatcher();
        use_effect_with(player.playing, move |playing| {
            let beat = playing
                .then(|| Interval::new(BEAT_MS, move || dispatcher.dispatch(PlayerAction::Beat)));
            move || drop(beat)
        });
    }

    let on_change = {
        let form = form.clone();
        Callback::from(move |next: Form| form.set(next))
    };
    let on_run = {
        let form = form.clone();
        let player = player.clone();
        let problem = problem.clone();
        let lesson = lesson.clone();
        Callback::from(move |next: Form| {
            lesson.set(None);
            match parse(&next) {
                Ok(setup) => {
                    player.dispatch(PlayerAction::Load(Rc::new(setup)));
                    problem.set(None);
                }
                // The run on screen stays; the form keeps what was typed.
                Err(error) => problem.set(Some(error)),
            }
            form.set(next);
        })
    };
    let open_lesson = {
        let player = player.clone();
        let problem = problem.clone();
        let lesson = lesson.clone();
        let prediction = prediction.clone();
        Callback::from(move |id: &'static str| {
            let Some(found) = world_lessons::find(id) else {
                return;
            };
            // The core's refusal, should it refuse a lesson's run, is told like a form's.
            match Run::build(&found.setup) {
                Ok(_) => {
                    player.dispatch(PlayerAction::Load(Rc::new(found.setup.clone())));
                    problem.set(None);
                    prediction.set(None);
                    lesson.set(Some(Rc::new(found)));
                }
                Err(error) => problem.set(Some(error.into())),
            }
        })
    };
    let close_lesson = {
        let lesson = lesson.clone();
        Callback::from(move |_: MouseEvent| lesson.set(None))
    };
    let lesson_to_form = {
        let lesson = lesson.clone();
        let form = form.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(open) = &*lesson {
                form.set(Form::from_setup(&open.setup));
            }
            lesson.set(None);
        })
    };
    let predict = {
        let prediction = prediction.clone();
        Callback::from(move |choice: usize| prediction.set(Some(choice)))
    };
    let act = |action: PlayerAction| {
        let player = player.clone();
        Callback::from(move |_: MouseEvent| player.dispatch(action.clone()))
    };

    let Some(loaded) = player.loaded.clone() else {
        return html! {
            <div class="worlds-view">
                { lesson_list(&words, &open_lesson) }
                <SettingsForm form={(*form).clone()} {on_change} {on_run} />
                if let Some(error) = &*problem {
                    <p class="notice error" role="alert" id="worlds-problem">{ error.describe_in(&words) }</p>
                }
            </div>
        };
    };
    let run: &Run = &loaded.frame.run;
    let step = loaded.frame.step;
    let narration: Vec<String> = if step == 0 {
        Vec::new()
    } else {
        run.sentences(loaded.frame.step_events_from, &words)
    };
    let events = run.sentences(0, &words);
    let at_start = step == 0;
    let at_end = player.at_end();

    let compare_button = {
        let compared = compared.clone();
        let setup = loaded.setup.clone();
        let words = words.clone();
        Callback::from(move |_: MouseEvent| {
            let result = match &*setup {
                Setup::Kafka(_) => compare_protocols(&setup, &words)
                    .map(|outcomes| Compared::Protocols(setup.clone(), Rc::new(outcomes))),
                Setup::Dual { .. } => compare_patterns(&setup, &words)
                    .map(|rows| Compared::Patterns(setup.clone(), Rc::new(rows))),
            };
            compared.set(result);
        })
    };
    let compared_now = (*compared)
        .as_ref()
        .filter(|c| Rc::ptr_eq(c.setup(), &loaded.setup));
    let is_kafka = matches!(*loaded.setup, Setup::Kafka(_));

    html! {
        <div class="worlds-view">
            <p class="worlds-intro">{ words.get(if is_kafka { Key::IntroKafka } else { Key::IntroDual }) }</p>
            if let Some(open) = &*lesson {
                { lesson_card(open, Some(run), &words, &CardActions {
                    prediction: *prediction,
                    predict,
                    to_form: lesson_to_form,
                    close: close_lesson,
                }) }
            } else {
                { lesson_list(&words, &open_lesson) }
                <SettingsForm form={(*form).clone()} {on_change} {on_run} />
            }
            if let Some(error) = &*problem {
                <div class="notice error" role="alert" id="worlds-problem">
                    <p>{ words.fill(Key::ProblemKept, &[("problem", error.describe_in(&words).into())]) }</p>
                </div>
            }
            <div class="panel worlds-player" role="group" aria-label={words.get(Key::PlayerLabel)}>
                <div class="controls">
                    <button type="button" id="worlds-start" disabled={at_start} onclick={act(PlayerAction::ToStart)}
                        title={words.get(Key::PlayerStart)} aria-label={words.get(Key::PlayerStart)}>{ "⇤" }</button>
                    <button type="button" id="worlds-back" disabled={at_start} onclick={act(PlayerAction::Back)}
                        title={words.get(Key::PlayerBack)} aria-label={words.get(Key::PlayerBack)}>{ "◀" }</button>
                    <button type="button" id="worlds-play" class="primary" onclick={act(PlayerAction::Toggle)}
                        aria-pressed={player.playing.to_string()}>
                        { words.get(if player.playing { Key::PlayerPause } else { Key::PlayerPlay }) }
                    </button>
                    <button type="button" id="worlds-forward" disabled={at_end} onclick={act(PlayerAction::Forward)}
                        title={words.get(Key::PlayerForward)} aria-label={words.get(Key::PlayerForward)}>{ "▶" }</button>
                    <button type="button" id="worlds-end" disabled={at_end} onclick={act(PlayerAction::ToEnd)}
                        title={words.get(Key::PlayerEnd)} aria-label={words.get(Key::PlayerEnd)}>{ "⇥" }</button>
                    <span class="position" id="worlds-position">
                        { words.fill(Key::PlayerPosition, &[("step", step.into()), ("total", loaded.total.into()), ("tick", run.tick().into())]) }
                    </span>
                </div>
                <div class="worlds-narration" aria-live="polite" id="worlds-narration">
                    if narration.is_empty() {
                        <p class="small">{ words.get(Key::NarrationStart) }</p>
                    } else {
                        { for narration.iter().map(|s| html! { <p>{ s }</p> }) }
                    }
                </div>
            </div>
            <div class="worlds-grid">
                <section class="panel worlds-state-panel" aria-labelledby="worlds-state-title">
                    <h2 id="worlds-state-title">{ words.get(Key::StateLabel) }</h2>
                    { match run {
                        Run::Kafka(world) => kafka_state(world, &words),
                        Run::Dual(world) => dual_state(world, &words),
                    } }
                </section>
                <div class="worlds-side">
                    { ledger(run, &words) }
                    <section class="panel narration worlds-events" aria-labelledby="worlds-events-title">
                        <h2 id="worlds-events-title">{ words.fill(Key::EventsLabel, &[("count", events.len().into())]) }</h2>
                        <ol tabindex="0" aria-labelledby="worlds-events-title">
                            { for events.iter().enumerate().rev().map(|(i, e)| html! {
                                <li class={classes!((i >= loaded.frame.step_events_from && step > 0).then_some("current"))}>{ e }</li>
                            }) }
                        </ol>
                    </section>
                </div>
            </div>
            <section class="panel worlds-compare-panel" aria-labelledby="worlds-compare-title">
                <div class="panel-header">
                    <h2 id="worlds-compare-title">{ words.get(Key::CompareLabel) }</h2>
                    <button type="button" id="worlds-compare" onclick={compare_button}>
                        { words.get(if is_kafka { Key::CompareProtocolsButton } else { Key::ComparePatternsButton }) }
                    </button>
                </div>
                { match compared_now {
                    Some(Compared::Protocols(_, outcomes)) => protocol_compare(outcomes, &words),
                    Some(Compared::Patterns(_, rows)) => pattern_compare(rows, &words),
                    None => html! { <p class="small">{ words.get(if is_kafka { Key::CompareProtocolsHint } else { Key::ComparePatternsHint }) }</p> },
                } }
            </section>
            <WorldsMatrix setup={loaded.setup.clone()} />
        </div>
    }
}
