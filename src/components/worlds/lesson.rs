//! The lessons of the Transactions view: their list, and the open lesson's card (the
//! intro, the question to predict, the narration cues the run on screen has reached, and
//! once the run has ended, which answers it made true and what to take away). The
//! lessons, their runs and the facts behind each answer are the core's
//! (`mqlab_sim::world_lessons`); whether a cue is reached and an answer true is read
//! from the run on screen, never from the view.

use std::rc::Rc;

use mqlab_sim::world_lessons::{self, WorldChapter, WorldLesson};
use mqlab_sim::worlds::Run;
use mqlab_text::worlds::Key;
use mqlab_text::Words;
use yew::prelude::*;

use crate::components::self_check::{Asked, SelfCheck};

/// The list of lessons, by world; `open` opens one by slug.
pub fn lesson_list(words: &Words, open: &Callback<&'static str>) -> Html {
    let lessons = world_lessons::all();
    let chapter = |chapter: WorldChapter, label: Key| {
        let items = lessons
            .iter()
            .filter(|l| l.chapter == chapter)
            .map(|lesson| {
                let id = lesson.id;
                let open = open.clone();
                html! {
                    <li>
                        <button type="button" class="link-button" data-lesson={id}
                            onclick={Callback::from(move |_: MouseEvent| open.emit(id))}>
                            { words.get(lesson.title) }
                        </button>
                    </li>
                }
            });
        html! {
            <div class="worlds-lesson-group">
                <h3>{ words.get(label) }</h3>
                <ol>{ for items }</ol>
            </div>
        }
    };
    html! {
        <section class="panel worlds-lessons" aria-labelledby="worlds-lessons-title">
            <h2 id="worlds-lessons-title">{ words.get(Key::LessonsLabel) }</h2>
            <p class="small">{ words.get(Key::LessonsIntro) }</p>
            <div class="worlds-lesson-groups">
                { chapter(WorldChapter::KafkaTransactions, Key::WorldKafka) }
                { chapter(WorldChapter::DualWrites, Key::WorldDual) }
            </div>
        </section>
    }
}

/// What the open lesson's card needs besides the lesson and the run on screen.
pub struct CardActions {
    /// The learner's prediction, if made.
    pub prediction: Option<usize>,
    pub predict: Callback<usize>,
    pub to_form: Callback<MouseEvent>,
    pub close: Callback<MouseEvent>,
    /// Whether the lesson's run was watched to its end, so that its questions are asked.
    pub show_checks: bool,
    /// Goes to a step of the lesson's run.
    pub show_step: Callback<u64>,
}

/// The open lesson, with the run on screen (`None` when the core refused its setup).
pub fn lesson_card(
    lesson: &WorldLesson,
    run: Option<&Run>,
    words: &Words,
    actions: &CardActions,
) -> Html {
    let ended = run.is_some_and(Run::is_quiet);
    let outcome = run
        .filter(|_| ended)
        .map(|run| lesson.question.outcome(&run.summary()));
    let choices = lesson.choice_texts.iter().enumerate().map(|(index, text)| {
        let id = format!("worlds-lesson-choice-{}", index + 1);
        let predict = actions.predict.clone();
        let onchange = Callback::from(move |_: Event| predict.emit(index));
        let verdict = outcome.as_ref().map(|holds| holds[index]);
        html! {
            <li class={classes!(verdict.map(|v| if v { "holds" } else { "not-holds" }))}>
                <label for={id.clone()}>
                    <input type="radio" name="worlds-lesson-choice" id={id} {onchange}
                        checked={actions.prediction == Some(index)} />
                    <span>{ words.get(*text) }</span>
                </label>
                if let Some(holds) = verdict {
                    <span class="lesson-mark" data-holds={holds.to_string()}>
                        { if holds { "✓ " } else { "✗ " } }
                        { words.get(if holds { Key::LessonHolds } else { Key::LessonNotHolds }) }
                    </span>
                }
            </li>
        }
    });
    let cues: Vec<&'static str> = run.map_or_else(Vec::new, |run| {
        lesson
            .cues
            .iter()
            .filter(|cue| cue.reached(run).is_some())
            .map(|cue| words.get(cue.text))
            .collect()
    });
    let last = cues.len().saturating_sub(1);
    let answer = outcome.as_ref().map(|holds| {
        let verdict = match actions.prediction {
            Some(choice) if holds.get(choice) == Some(&true) => Key::LessonRight,
            Some(_) => Key::LessonWrong,
            None => Key::LessonNoPrediction,
        };
        html! {
            <>
                <p class="lesson-verdict" id="worlds-lesson-verdict">{ words.get(verdict) }</p>
                <h3>{ words.get(Key::LessonTakeaway) }</h3>
                <p id="worlds-lesson-summary">{ words.get(lesson.summary) }</p>
                <p class="small" id="worlds-lesson-try">{ words.get(lesson.try_next) }</p>
            </>
        }
    });
    html! {
        <section class="panel worlds-lesson" aria-labelledby="worlds-lesson-title" data-lesson={lesson.id}>
            <div class="panel-header">
                <h2 id="worlds-lesson-title">{ words.get(lesson.title) }</h2>
                <button type="button" id="worlds-lesson-close" onclick={actions.close.clone()}>
                    { words.get(Key::LessonClose) }
                </button>
            </div>
            <p>{ words.get(lesson.intro) }</p>
            <fieldset class="worlds-lesson-question">
                <legend>{ words.get(Key::LessonPredict) }</legend>
                <p>{ words.get(lesson.asks) }</p>
                <ul class="choices">{ for choices }</ul>
                if outcome.is_none() {
                    <p class="small">{ words.get(Key::LessonPlayHint) }</p>
                }
            </fieldset>
            <div class="worlds-lesson-cues">
                <h3>{ words.get(Key::LessonCuesLabel) }</h3>
                <ol aria-live="polite" id="worlds-lesson-cues">
                    { for cues.iter().enumerate().map(|(i, cue)| html! {
                        <li class={classes!((i == last).then_some("current"))}>{ *cue }</li>
                    }) }
                </ol>
                if cues.len() <= 1 {
                    <p class="small">{ words.get(Key::LessonCuesWaiting) }</p>
                }
            </div>
            <div class="worlds-lesson-answer">
                <h3>{ words.get(Key::LessonAnswerLabel) }</h3>
                { answer.unwrap_or_else(|| html! { <p class="small">{ words.get(Key::LessonAnswerWaiting) }</p> }) }
            </div>
            if actions.show_checks && !lesson.self_checks.is_empty() {
                <WorldChecks lesson={lesson.id} show_step={actions.show_step.clone()} />
            }
            <p>
                <button type="button" id="worlds-lesson-to-form" onclick={actions.to_form.clone()}>
                    { words.get(Key::LessonToForm) }
                </button>
            </p>
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct WorldChecksProps {
    lesson: &'static str,
    show_step: Callback<u64>,
}

/// The questions at the end of a lesson, once its run has ended: where each answer shows
/// in the run is found once per lesson, by replaying it.
#[component]
fn WorldChecks(props: &WorldChecksProps) -> Html {
    let words = crate::words::current();
    let steps = use_memo(props.lesson, |id| {
        world_lessons::find(id).map_or_else(Vec::new, |lesson| {
            lesson
                .self_checks
                .iter()
                .map(|check| check.shown_at_step(&lesson.setup))
                .collect()
        })
    });
    let Some(lesson) = world_lessons::find(props.lesson) else {
        return Html::default();
    };
    let asked: Vec<Asked> = lesson
        .self_checks
        .iter()
        .enumerate()
        .map(|(index, check)| Asked {
            question: words.get(check.question).to_string(),
            answers: check
                .answers
                .iter()
                .map(|key| words.get(*key).to_string())
                .collect(),
            right: check.answer,
            why: words.get(check.why).to_string(),
            step: steps.get(index).copied().flatten(),
        })
        .collect();
    html! {
        <SelfCheck id={props.lesson} asked={Rc::new(asked)} on_answer={Callback::noop()}
                   on_show_step={props.show_step.clone()} />
    }
}
