//! The Lessons view: a list of guided lessons with the learner's progress, and one lesson
//! at a time — its intro, a "predict, then watch" question, the run played on the shared
//! simulator, narration cues as the run reaches them, and the reveal. Whether a
//! prediction was right is read from the run's ledger, never from the lesson's text.

use std::collections::BTreeSet;

use gloo::storage::{LocalStorage, Storage};
use mqlab_sim::lessons::{self, Lesson, Reached, MAX_LESSON_STEPS};
use mqlab_sim::SharedRun;
use yew::prelude::*;

use crate::components::ledger_view::LedgerView;
use crate::components::narration::Narration;
use crate::components::simulator::cadence;
use crate::components::stage::Stage;
use crate::state::{Lab, LabAction, SPEEDS};

/// Where the completed lessons' slugs are kept in local storage.
pub const PROGRESS_KEY: &str = "mqlab.lessons.completed";

/// "Skip to the end" advances this many steps: every lesson ends well before.
const SKIP_STEPS: u32 = MAX_LESSON_STEPS as u32;

/// The narration panel keeps this many recent core events on screen.
const NARRATION_LINES: usize = 40;

#[derive(Properties, PartialEq)]
pub struct LessonsProps {
    pub lab: UseReducerHandle<Lab>,
    /// The slug of the lesson asked for, if any (it may name no lesson).
    pub open: Option<String>,
    /// Opens a lesson by slug, or goes back to the list with `None`.
    pub on_open: Callback<Option<String>>,
}

/// The completed lessons stored in this browser, keeping only slugs that still exist.
pub fn load_progress() -> BTreeSet<String> {
    let stored: Vec<String> = LocalStorage::get(PROGRESS_KEY).unwrap_or_default();
    known_slugs(stored)
}

/// Keeps the slugs of lessons that exist.
pub fn known_slugs(stored: Vec<String>) -> BTreeSet<String> {
    let all = lessons::all();
    stored
        .into_iter()
        .filter(|slug| all.iter().any(|lesson| lesson.id == slug))
        .collect()
}

fn save_progress(completed: &BTreeSet<String>) {
    let list: Vec<&String> = completed.iter().collect();
    // Storage can be full or disabled (private browsing); progress then lasts the visit.
    let _ = LocalStorage::set(PROGRESS_KEY, list);
}

/// Completion as icon and words (never colour alone).
fn completion_status(done: bool) -> Html {
    if done {
        html! { <span class="lesson-status done"><span aria-hidden="true">{ "✓" }</span>{ " Completed" }</span> }
    } else {
        html! { <span class="lesson-status todo"><span aria-hidden="true">{ "○" }</span>{ " Not yet" }</span> }
    }
}

#[component]
pub fn Lessons(props: &LessonsProps) -> Html {
    let completed = use_state(load_progress);
    let all = use_memo((), |_| lessons::all());
    let lesson = props
        .open
        .as_deref()
        .and_then(|slug| all.iter().position(|lesson| lesson.id == slug));

    match (props.open.as_deref(), lesson) {
        (Some(_), Some(index)) => html! {
            <LessonPlayer lab={props.lab.clone()} index={index} on_open={props.on_open.clone()}
                          completed={completed.clone()} />
        },
        (slug, _) => {
            let unknown = slug.map(|slug| {
                html! {
                    <div class="notice error" role="alert">
                        <span aria-hidden="true">{ "⚠" }</span>
                        <p>{ format!("There is no lesson called “{slug}”. The link may be mistyped or from a newer version of MQ Lab. Pick a lesson from the list below.") }</p>
                    </div>
                }
            });
            html! {
                <>
                    { for unknown }
                    { lesson_list(&all, &completed) }
                </>
            }
        }
    }
}

fn lesson_list(all: &[Lesson], completed: &BTreeSet<String>) -> Html {
    let done = all
        .iter()
        .filter(|lesson| completed.contains(lesson.id))
        .count();
    let items = all.iter().enumerate().map(|(index, lesson)| {
        let is_done = completed.contains(lesson.id);
        html! {
            <li class={classes!("lesson-item", is_done.then_some("done"))} data-lesson={lesson.id}>
                <span class="lesson-number" aria-hidden="true">{ index + 1 }</span>
                <a href={format!("#{}", lesson.link_fragment())}>{ lesson.title }</a>
                { completion_status(is_done) }
            </li>
        }
    });
    html! {
        <section class="panel lessons-list" aria-labelledby="lessons-heading">
            <h2 id="lessons-heading">{ "Lessons" }</h2>
            <p class="intro">{ "Each lesson sets up a fault, asks you to predict what it does, then plays it. The verdict comes from the simulation's ledger." }</p>
            <p class="lessons-progress" id="lessons-progress">
                { format!("{done} of {} lessons completed", all.len()) }
            </p>
            <progress max={all.len().to_string()} value={done.to_string()} aria-labelledby="lessons-progress" />
            <ol class="lesson-items">{ for items }</ol>
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct LessonPlayerProps {
    lab: UseReducerHandle<Lab>,
    index: usize,
    on_open: Callback<Option<String>>,
    completed: UseStateHandle<BTreeSet<String>>,
}

#[component]
fn LessonPlayer(props: &LessonPlayerProps) -> Html {
    let all = use_memo((), |_| lessons::all());
    let lesson = &all[props.index.min(all.len() - 1)];
    let lab = props.lab.clone();
    let choice = use_state(|| None::<usize>);
    let locked = use_state(|| None::<usize>);

    // Opening a lesson loads its scenario into the shared simulator, from step 0.
    {
        let dispatcher = lab.dispatcher();
        let choice = choice.clone();
        let locked = locked.clone();
        use_effect_with(lesson.id, move |id| {
            if let Some(lesson) = lessons::find(id) {
                dispatcher.dispatch(LabAction::Load {
                    shared: Box::new(SharedRun::new(lesson.scenario)),
                    notice: None,
                });
            }
            choice.set(None);
            locked.set(None);
        });
    }

    crate::hooks::use_player(&lab);

    let run = lab.run.borrow();
    let sim = run.sim();
    // The shared run is this lesson's only while its scenario is the lesson's: until the
    // load lands, or after it was refused, nothing of it is shown as the lesson's.
    let loaded = sim.scenario() == &lesson.scenario;
    let quiet = loaded && sim.is_quiet();
    let revealed = loaded && locked.is_some() && quiet;

    // A lesson is completed once its run was watched to the end after a prediction.
    {
        let completed = props.completed.clone();
        let id = lesson.id;
        use_effect_with((revealed, id), move |(revealed, id)| {
            if *revealed && !completed.contains(*id) {
                let mut next = (*completed).clone();
                next.insert((*id).to_string());
                save_progress(&next);
                completed.set(next);
            }
        });
    }

    let dispatch = {
        let lab = lab.clone();
        Callback::from(move |action: LabAction| lab.dispatch(action))
    };
    let action = |action: LabAction| {
        let dispatch = dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.emit(action.clone()))
    };
    let back = {
        let on_open = props.on_open.clone();
        Callback::from(move |_: MouseEvent| on_open.emit(None))
    };
    let lock_in = {
        let choice = choice.clone();
        let locked = locked.clone();
        let dispatch = dispatch.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(picked) = *choice {
                locked.set(Some(picked));
                dispatch.emit(LabAction::Seek(0));
                dispatch.emit(LabAction::Play);
            }
        })
    };
    let on_speed = {
        let dispatch = dispatch.clone();
        Callback::from(move |event: Event| {
            let value = crate::components::controls::event_value(&event);
            if let Ok(index) = value.parse::<usize>() {
                dispatch.emit(LabAction::SetSpeed(index));
            }
        })
    };

    let is_done = props.completed.contains(lesson.id);
    let total = all.len();
    let question = &lesson.question;
    let choices = question.choices.iter().enumerate().map(|(index, option)| {
        let onchange = {
            let choice = choice.clone();
            Callback::from(move |_: Event| choice.set(Some(index)))
        };
        html! {
            <label class={classes!("choice", (*choice == Some(index)).then_some("picked"))}>
                <input type="radio" name="lesson-prediction" value={index.to_string()}
                       checked={*choice == Some(index)} disabled={locked.is_some()} {onchange} />
                <span>{ option.text }</span>
            </label>
        }
    });

    let cues = lesson.cues.iter().filter_map(|cue| {
        let reached = if loaded {
            cue.reached(sim.trace(), quiet)
        } else {
            None
        }?;
        let when = match reached {
            Reached::AtStart => "Start".to_string(),
            Reached::AtStep(step) => format!("Step {step}"),
            Reached::AtEnd => "End".to_string(),
        };
        Some(html! {
            <li><span class="cue-when">{ when }</span>{ cue.text }</li>
        })
    });

    let reveal = revealed.then(|| {
        let summary = sim.summary();
        let outcome = question.outcome(&summary);
        let picked = locked.unwrap_or(0);
        let right = outcome.get(picked).copied().unwrap_or(false);
        let headline = if right {
            html! { <p class="lesson-verdict right"><span aria-hidden="true">{ "✓ " }</span>{ "Your prediction held." }</p> }
        } else {
            html! { <p class="lesson-verdict wrong"><span aria-hidden="true">{ "✗ " }</span>{ "Not this time — see what happened." }</p> }
        };
        let rows = question.choices.iter().zip(&outcome).enumerate().map(|(index, (option, holds))| {
            let mark = if *holds {
                html! { <span class="held yes"><span aria-hidden="true">{ "✓" }</span>{ " Happened" }</span> }
            } else {
                html! { <span class="held no"><span aria-hidden="true">{ "✗" }</span>{ " Did not happen" }</span> }
            };
            html! {
                <li class={classes!(holds.then_some("held-row"))}>
                    { mark }
                    <span>
                        { option.text }
                        if index == picked { { " " }<span class="your-pick">{ "your prediction" }</span> }
                    </span>
                </li>
            }
        });
        let nothing_held = !outcome.contains(&true);
        let counts = format!(
            "Ledger: {} of {} exactly once, {} lost, {} duplicated, {} ticks in doubt.",
            summary.exactly_once, summary.messages, summary.lost, summary.duplicated, summary.blocked_ticks
        );
        let next = all.get(props.index + 1).map(|next| html! {
            <a class="next-lesson" href={format!("#{}", next.link_fragment())}>{ format!("Next lesson: {} →", next.title) }</a>
        });
        html! {
            <>
                { headline }
                <ul class="outcomes">{ for rows }</ul>
                if nothing_held {
                    <p class="lesson-verdict wrong">{ "None of the answers describes this run: the lesson needs updating." }</p>
                }
                <p class="ledger-line">{ counts }</p>
                <h3>{ "Summary" }</h3>
                <p class="lesson-summary">{ lesson.summary }</p>
                { for next }
            </>
        }
    });

    let snapshot = sim.snapshot();
    let last_event = sim.trace().last().cloned();
    let (period_ms, _) = cadence(lab.steps_per_second());
    let step_ms = if lab.playing { period_ms } else { 350 };
    let events = sim.trace()[sim.trace().len().saturating_sub(NARRATION_LINES)..].to_vec();
    let speeds = SPEEDS.iter().enumerate().map(|(index, speed)| {
        html! { <option value={index.to_string()} selected={index == lab.speed_index}>{ format!("{speed} steps/s") }</option> }
    });
    let watching = locked.is_some();

    html! {
        <article class="lesson" aria-labelledby="lesson-title" data-lesson={lesson.id}>
            <nav class="lesson-nav" aria-label="Lesson">
                <button onclick={back}>{ "← All lessons" }</button>
                <span>{ format!("Lesson {} of {total}", props.index + 1) }</span>
                { completion_status(is_done) }
                <a href={format!("#{}", lesson.link_fragment())} class="lesson-link">{ "Link to this lesson" }</a>
            </nav>
            <div class="lesson-layout">
                <div class="lesson-text">
                    <section class="panel">
                        <h2 id="lesson-title">{ lesson.title }</h2>
                        <p>{ lesson.intro }</p>
                    </section>
                    <section class="panel lesson-question">
                        <fieldset role="radiogroup" aria-describedby="prediction-hint">
                            <legend>{ "Predict: " }{ question.prompt }</legend>
                            { for choices }
                        </fieldset>
                        <p class="hint" id="prediction-hint">
                            { if watching { "Prediction locked in. Watch the run." } else { "Pick an answer, then play the run to see if you were right." } }
                        </p>
                        <button class="primary" disabled={choice.is_none() || watching} onclick={lock_in}>
                            { "Lock in my prediction and play" }
                        </button>
                    </section>
                    <section class="panel lesson-reveal" aria-labelledby="reveal-heading">
                        <h3 id="reveal-heading">{ "What happened" }</h3>
                        <div aria-live="polite" aria-atomic="true" class="reveal-live">
                            if let Some(reveal) = reveal { { reveal } }
                            else if watching { <p class="hint">{ "Watching… the answer appears when the run ends." }</p> }
                            else { <p class="hint">{ "Predict first: the answer appears after the run." }</p> }
                        </div>
                    </section>
                </div>
                <div class="lesson-watch">
                    if watching {
                        <div class="panel lesson-controls" role="group" aria-label="Playback">
                            if lab.playing {
                                <button onclick={action(LabAction::Pause)}>{ "⏸ Pause" }</button>
                            } else {
                                <button onclick={action(LabAction::Play)} disabled={quiet}>{ "▶ Play" }</button>
                            }
                            <button onclick={action(LabAction::Step)} disabled={quiet}>{ "Step" }</button>
                            <button onclick={action(LabAction::Advance(SKIP_STEPS))} disabled={quiet}>{ "Skip to the end" }</button>
                            <button onclick={action(LabAction::Seek(0))}>{ "Replay from the start" }</button>
                            <label>{ "Speed " }
                                <select onchange={on_speed}>{ for speeds }</select>
                            </label>
                            <span class="lesson-step">{ format!("Step {}", snapshot.step) }</span>
                        </div>
                    }
                    <Stage snapshot={snapshot.clone()} last_event={last_event} step_ms={step_ms} />
                    <section class="panel lesson-cues" aria-labelledby="lesson-cues-heading">
                        <h3 id="lesson-cues-heading">{ "What to notice" }</h3>
                        <ol>{ for cues }</ol>
                    </section>
                    if watching {
                        <Narration events={events} step={snapshot.step} truncated={sim.trace_truncated()} dispatch={dispatch.clone()} />
                    }
                    if revealed {
                        <LedgerView summary={snapshot.summary.clone()} records={sim.ledger().messages().to_vec()}
                                    anomalies={sim.ledger().anomalies()} dispatch={dispatch.clone()} />
                    }
                </div>
            </div>
        </article>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_progress_keeps_only_lessons_that_exist() {
        let first = lessons::all()[0].id.to_string();
        let kept = known_slugs(vec![
            first.clone(),
            "gone".into(),
            String::new(),
            first.clone(),
        ]);
        assert_eq!(kept.into_iter().collect::<Vec<_>>(), vec![first]);
    }

    #[test]
    fn the_page_plays_every_lesson_to_the_same_end_as_the_core() {
        for lesson in lessons::all() {
            let lab = std::rc::Rc::new(Lab::new(&mqlab_sim::Scenario::default()));
            let lab = lab
                .reduce(LabAction::Load {
                    shared: Box::new(SharedRun::new(lesson.scenario.clone())),
                    notice: None,
                })
                .reduce(LabAction::Play)
                .reduce(LabAction::Advance(SKIP_STEPS));
            assert_eq!(lab.notice, None, "lesson {}", lesson.id);
            let run = lab.run.borrow();
            assert!(run.sim().is_quiet(), "lesson {} did not end", lesson.id);
            assert!(
                !lab.playing,
                "lesson {}: still playing at the end",
                lesson.id
            );
            let core = lesson.run_to_end().expect("ends").summary();
            assert_eq!(run.sim().summary(), core, "lesson {}", lesson.id);
        }
    }
}
