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
use super::link::{self, LinkError, Opened};
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

/// The action a shortcut key stands for: the simulator's keys for its player.
fn shortcut(key: &str) -> Option<PlayerAction> {
    Some(match key {
        " " | "k" => PlayerAction::Toggle,
        "ArrowRight" | "l" | "PageDown" => PlayerAction::Forward,
        "ArrowLeft" | "j" | "PageUp" => PlayerAction::Back,
        "Home" => PlayerAction::ToStart,
        "End" => PlayerAction::ToEnd,
        _ => return None,
    })
}

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

/// Where the view starts: what it kept, or else what the address asks for (a run or a
/// lesson), or else the defaults; with why the address's part was not opened, if not.
#[derive(Clone, Default)]
struct Start {
    form: Form,
    player: Player,
    lesson: Option<Rc<WorldLesson>>,
    prediction: Option<usize>,
    problem: Option<FormError>,
    link_problem: Option<LinkError>,
}

fn default_player() -> Player {
    // The default form runs; should the core ever refuse it, the view starts empty and
    // says why when the learner runs it.
    parse(&Form::default())
        .map(|setup| Player::with(Rc::new(setup)))
        .unwrap_or_default()
}

fn start() -> Start {
    if let Some(kept) = kept() {
        return Start {
            player: kept
                .setup
                .map_or_else(default_player, |setup| Player::at(setup, kept.step)),
            form: kept.form,
            lesson: kept.lesson,
            prediction: kept.prediction,
            ..Start::default()
        };
    }
    let defaults = || Start {
        player: default_player(),
        ..Start::default()
    };
    match link::current().map(|text| link::read(&text)) {
        None => defaults(),
        Some(Err(error)) => Start {
            link_problem: Some(error),
            ..defaults()
        },
        Some(Ok(Opened::Run(form))) => match parse(&form) {
            Ok(setup) => Start {
                player: Player::with(Rc::new(setup)),
                form: *form,
                ..Start::default()
            },
            // Told as a form's refusal, with the form as the link wrote it.
            Err(error) => Start {
                form: *form,
                problem: Some(error),
                ..defaults()
            },
        },
        Some(Ok(Opened::Lesson(id))) => match world_lessons::find(id) {
            Some(lesson) => Start {
                player: Player::with(Rc::new(lesson.setup.clone())),
                lesson: Some(Rc::new(lesson)),
                ..Start::default()
            },
            None => defaults(),
        },
    }
}

#[component]
pub fn WorldsView() -> Html {
    let words = words_now();
    let first = use_memo((), |_| start());
    let form = use_state(|| first.form.clone());
    let player = use_reducer(|| first.player.clone());
    let problem = use_state(|| first.problem.clone());
    let link_problem = use_state(|| first.link_problem.clone());
    let compared = use_state(|| None::<Compared>);
    // The lesson open, if any, and the learner's prediction for it.
    let lesson = use_state(|| first.lesson.clone());
    let prediction = use_state(|| first.prediction);
    let copied = use_state(|| None::<String>);
    // The open lesson once its run has been watched to the end: its questions stay while
    // the learner steps back to the moments they point at.
    let ended_lesson = use_state(|| None::<&'static str>);
    {
        let ended_lesson = ended_lesson.clone();
        let quiet = player
            .loaded
            .as_ref()
            .is_some_and(|loaded| loaded.frame.run.is_quiet());
        let open = (*lesson).as_ref().map(|open| open.id);
        use_effect_with((open, quiet), move |(open, quiet)| {
            if *quiet && open.is_some() && *ended_lesson != *open {
                ended_lesson.set(*open);
            }
        });
    }
    KEPT.with(|kept| {
        *kept.borrow_mut() = Some(Kept {
            form: (*form).clone(),
            setup: player.loaded.as_ref().map(|l| l.setup.clone()),
            step: player.loaded.as_ref().map_or(0, |l| l.frame.step),
            lesson: (*lesson).clone(),
            prediction: *prediction,
        });
    });

    crate::hooks::use_playback_keys(&player, true, shortcut);

    // The play timer: one beat per step while playing, dropped when paused.
    {
        let dispatcher = player.dispatcher();
        use_effect_with(player.playing, move |playing| {
            let beat = playing
                .then(|| Interval::new(BEAT_MS, move || dispatcher.dispatch(PlayerAction::Beat)));
            move || drop(beat)
        });
    }

    // The address holds the run on screen (or the lesson open), unless it still holds a
    // link that could not be opened: that stays for the reader to fix, until they act.
    {
        let part = match (&*lesson, &player.loaded) {
            (Some(open), _) => Some(link::of_lesson(open.id)),
            (None, Some(loaded)) => Some(link::of_form(&Form::from_setup(&loaded.setup)))
                .filter(|part| *part != link::of_form(&Form::default())),
            (None, None) => None,
        };
        let broken = link_problem.is_some();
        use_effect_with((part, broken), |(part, broken)| {
            if !*broken {
                link::write(part.as_deref());
            }
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
        let link_problem = link_problem.clone();
        Callback::from(move |next: Form| {
            lesson.set(None);
            link_problem.set(None);
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
        let link_problem = link_problem.clone();
        Callback::from(move |id: &'static str| {
            link_problem.set(None);
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

    let link_notice = link_problem.as_ref().map(|error| {
        html! { <p class="notice error" role="alert" id="worlds-link-problem">{ error.describe_in(&words) }</p> }
    });
    let copy_link = {
        let copied = copied.clone();
        let words = words.clone();
        Callback::from(move |_: MouseEvent| {
            let window = gloo::utils::window();
            let url = window.location().href().unwrap_or_default();
            let promise = window.navigator().clipboard().write_text(&url);
            let copied = copied.clone();
            let words = words.clone();
            yew::platform::spawn_local(async move {
                copied.set(Some(
                    match wasm_bindgen_futures::JsFuture::from(promise).await {
                        Ok(_) => words.get(Key::LinkCopied).to_string(),
                        Err(_) => words.fill(Key::LinkCopyRefused, &[("url", url.as_str().into())]),
                    },
                ));
            });
        })
    };

    let Some(loaded) = player.loaded.clone() else {
        return html! {
            <div class="worlds-view">
                { link_notice }
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
            { link_notice }
            if let Some(open) = &*lesson {
                { lesson_card(open, Some(run), &words, &CardActions {
                    prediction: *prediction,
                    predict,
                    to_form: lesson_to_form,
                    close: close_lesson,
                    show_checks: *ended_lesson == Some(open.id),
                    show_step: {
                        let player = player.clone();
                        Callback::from(move |step: u64| player.dispatch(PlayerAction::Seek(step)))
                    },
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
                    <button type="button" id="worlds-copy-link" class="copy-link" onclick={copy_link}>{ words.get(Key::LinkCopy) }</button>
                    <span class="small" role="status" id="worlds-copied">{ copied.as_deref().unwrap_or_default() }</span>
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
