//! The Lessons view: a list of guided lessons with the learner's progress, and one lesson
//! at a time — its intro, a "predict, then watch" question, the run played on a lab of
//! the view's own, narration cues as the run reaches them, and the reveal. Whether a
//! prediction was right is read from the run's ledger, never from the lesson's text.
//!
//! The view is built into a WebAssembly module of its own (`bin/mqlab-lessons.rs`), which
//! the page fetches when the view first opens (`lessons_host.rs`). Its lab is not the
//! simulator's: a lesson never changes the run the learner left in the simulator.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use gloo::storage::{LocalStorage, Storage};
use mqlab_sim::lesson_file::{self, LessonFile, LESSON_LINK_PREFIX};
use mqlab_sim::lessons::{self, Chapter, Lesson, Reached, MAX_LESSON_STEPS};
use mqlab_sim::{Mode, ParticipantStats, Scenario, SharedRun, Summary};
use mqlab_text::lessons_view::Key;
use mqlab_text::{Catalogue, Words};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::chosen_file::{read_chosen, Reading};
use crate::components::controls::{pause_icon, play_icon};
use crate::components::coordinator_panel::CoordinatorPanel;
use crate::components::ledger_view::LedgerView;
use crate::components::narration::Narration;
use crate::components::self_check::{Asked, SelfCheck};
use crate::components::stage::Stage;
use crate::hooks::cadence;
use crate::lazy::{self, Loaded, Part};
use crate::state::{Lab, LabAction, SPEEDS};
use crate::words::current as words_now;

/// Where the completed lessons' slugs are kept in local storage.
pub const PROGRESS_KEY: &str = "mqlab.lessons.completed";
/// Where the slugs of the lessons whose latest prediction was wrong are kept.
pub const PREDICTED_WRONG_KEY: &str = "mqlab.lessons.predicted-wrong";
/// Where the answers to the questions at the end of each lesson are kept: by slug, for
/// each question, whether its latest answer was right (`null` while unanswered).
pub const SELF_CHECK_KEY: &str = "mqlab.lessons.self-check";

/// "Skip to the end" advances this many steps: every lesson ends well before.
const SKIP_STEPS: u32 = MAX_LESSON_STEPS as u32;

/// The narration panel keeps this many recent core events on screen.
const NARRATION_LINES: usize = 40;

/// Up to this speed (steps per second) a lesson pauses at each moment its "What to
/// notice" names; faster, the learner chose to skip ahead.
const PAUSE_AT_CUES_UP_TO: u32 = 16;

/// Below this width the lesson is one column, and the stage sits under the question.
const ONE_COLUMN_QUERY: &str = "(max-width: 900px)"; // not prose

#[derive(Properties, PartialEq)]
pub struct LessonsProps {
    /// The lesson asked for, if any: a built-in lesson's slug (it may name no lesson),
    /// or a lesson link (`lesson1.…`) that carries a whole lesson file.
    pub open: Option<String>,
    /// Opens a lesson by slug or lesson link, or goes back to the list with `None`.
    pub on_open: Callback<Option<String>>,
}

/// The lesson a slug, a link or a file asked for, made once for each: the run's drawings
/// hand the same one to the player again.
#[derive(Clone, Debug, PartialEq)]
struct Opened {
    lesson: Rc<Lesson>,
    /// The texts a lesson from a file carries.
    texts: Option<Rc<Catalogue>>,
    /// A built-in lesson's place in the course.
    place: Option<usize>,
    /// The file of a lesson from a lesson link or a lesson file.
    file: Option<Rc<LessonFile>>,
}

/// Why what was asked for cannot be played, in the page's words.
#[derive(Clone, Debug, PartialEq)]
enum Refused {
    /// No built-in lesson has the slug.
    Unknown(String),
    /// The lesson link or file is not a valid lesson: why.
    Invalid(String),
}

/// The lesson `open` asks for: a built-in lesson by slug, or the lesson a lesson link
/// carries, read and run as strictly as a lesson file.
fn open_lesson(all: &[Lesson], open: &str, words: &Words) -> Result<Opened, Refused> {
    if open.starts_with(LESSON_LINK_PREFIX) {
        return lesson_file::read_link(open)
            .map(|file| Opened {
                lesson: Rc::new(file.lesson.clone()),
                texts: file.catalogue().map(Rc::new),
                place: None,
                file: Some(Rc::new(file)),
            })
            .map_err(|error| Refused::Invalid(error.describe_in(words)));
    }
    all.iter()
        .position(|lesson| lesson.id == open)
        .map(|index| Opened {
            lesson: Rc::new(all[index].clone()),
            texts: None,
            place: Some(index),
            file: None,
        })
        .ok_or_else(|| Refused::Unknown(open.to_string()))
}

/// The learner's progress in this browser: the lessons watched to the end after a
/// prediction, and among them those whose latest prediction was wrong.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    pub completed: BTreeSet<String>,
    pub predicted_wrong: BTreeSet<String>,
    /// By slug: for each question at the lesson's end, whether its latest answer was right.
    pub self_checks: SelfChecks,
}

/// The answers to the questions at the ends of lessons, by lesson slug.
pub type SelfChecks = BTreeMap<String, Vec<Option<bool>>>;

/// Where a lesson stands for the learner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LessonStatus {
    NotYet,
    PredictedRight,
    PredictedWrong,
}

impl Progress {
    /// The progress stored in this browser, keeping only slugs that still exist.
    pub fn load() -> Progress {
        let completed = load_progress();
        let wrong: Vec<String> = LocalStorage::get(PREDICTED_WRONG_KEY).unwrap_or_default();
        let predicted_wrong = known_slugs(wrong)
            .into_iter()
            .filter(|slug| completed.contains(slug))
            .collect();
        let answers: SelfChecks = LocalStorage::get(SELF_CHECK_KEY).unwrap_or_default();
        Progress {
            completed,
            predicted_wrong,
            self_checks: known_self_checks(answers),
        }
    }

    /// The progress with question `number` (from 0) of lesson `id` answered.
    pub fn answer(&self, id: &str, number: usize, right: bool) -> Progress {
        let mut next = self.clone();
        let questions = lessons::find(id).map_or(0, |lesson| lesson.self_checks.len());
        if number < questions {
            let answers = next.self_checks.entry(id.to_string()).or_default();
            answers.resize(questions, None);
            answers[number] = Some(right);
        }
        next
    }

    /// How many of a lesson's questions were answered right, of how many, once all are
    /// answered.
    pub fn self_check_score(&self, id: &str) -> Option<(usize, usize)> {
        let answers = self.self_checks.get(id)?;
        answers.iter().all(Option::is_some).then(|| {
            (
                answers
                    .iter()
                    .filter(|answer| **answer == Some(true))
                    .count(),
                answers.len(),
            )
        })
    }

    /// The progress with a lesson completed, the prediction right or wrong.
    pub fn record(&self, id: &str, right: bool) -> Progress {
        let mut next = self.clone();
        next.completed.insert(id.to_string());
        if right {
            next.predicted_wrong.remove(id);
        } else {
            next.predicted_wrong.insert(id.to_string());
        }
        next
    }

    pub fn status(&self, id: &str) -> LessonStatus {
        if !self.completed.contains(id) {
            LessonStatus::NotYet
        } else if self.predicted_wrong.contains(id) {
            LessonStatus::PredictedWrong
        } else {
            LessonStatus::PredictedRight
        }
    }

    fn save(&self) {
        // Storage can be full or disabled (private browsing); progress then lasts the visit.
        let _ = LocalStorage::set(PROGRESS_KEY, self.completed.iter().collect::<Vec<_>>());
        let _ = LocalStorage::set(
            PREDICTED_WRONG_KEY,
            self.predicted_wrong.iter().collect::<Vec<_>>(),
        );
        let _ = LocalStorage::set(SELF_CHECK_KEY, &self.self_checks);
    }
}

/// Keeps the answers of lessons that exist, as many as each lesson asks.
pub fn known_self_checks(stored: SelfChecks) -> SelfChecks {
    let all = lessons::all();
    stored
        .into_iter()
        .filter_map(|(slug, mut answers)| {
            let lesson = all.iter().find(|lesson| lesson.id == slug)?;
            answers.resize(lesson.self_checks.len(), None);
            Some((slug, answers))
        })
        .filter(|(_, answers)| !answers.is_empty())
        .collect()
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
        .filter(|slug| all.iter().any(|lesson| lesson.id == *slug))
        .collect()
}

/// Completion as icon and words (never colour alone).
fn completion_status(words: &Words, status: LessonStatus) -> Html {
    match status {
        LessonStatus::PredictedRight => html! {
            <span class="lesson-status done"><span aria-hidden="true">{ "✓" }</span>{ format!(" {}", words.get(Key::StatusDone)) }</span>
        },
        LessonStatus::PredictedWrong => html! {
            <span class="lesson-status done wrong"><span aria-hidden="true">{ "◐" }</span>{ format!(" {}", words.get(Key::StatusPredictedWrong)) }</span>
        },
        LessonStatus::NotYet => html! {
            <span class="lesson-status todo"><span aria-hidden="true">{ "○" }</span>{ format!(" {}", words.get(Key::StatusNotYet)) }</span>
        },
    }
}

/// A chapter's heading.
fn chapter_title(words: &Words, chapter: Chapter) -> &str {
    words.get(match chapter {
        Chapter::OneQueue => Key::ChapterOneQueue,
        Chapter::ManyConsumers => Key::ChapterManyConsumers,
        Chapter::ReplicatedQueue => Key::ChapterReplicatedQueue,
        Chapter::TwoPhaseCommit => Key::ChapterTwoPhaseCommit,
    })
}

/// A lesson's words (its title, question, answers, cues) from the lessons' catalogue of
/// the page's language, or nothing while the catalogue loads (the view shows the part's
/// status meanwhile).
fn lesson_words(text: &Loaded, key: &str) -> String {
    match text {
        Loaded::Ready(catalogue) => catalogue.text(key),
        Loaded::Loading | Loaded::Failed(_) => String::new(),
    }
}

/// The keys a lesson understands once the prediction is locked in: the simulator's
/// playback keys, without the ones that would change the lesson's scenario.
fn lesson_shortcut(key: &str) -> Option<LabAction> {
    Some(match key {
        " " | "k" => LabAction::TogglePlay,
        "ArrowRight" | "l" | "PageDown" => LabAction::Step,
        "ArrowLeft" | "j" | "PageUp" => LabAction::StepBack,
        "Home" => LabAction::Seek(0),
        "End" => LabAction::Advance(SKIP_STEPS),
        _ => return None,
    })
}

/// One of a lesson's longer texts (`intro`, `summary`), from the lessons' catalogue; while
/// it loads, or if it could not be loaded, the part's status in its place.
fn lesson_text(
    text: &Loaded,
    retry: &Callback<()>,
    lesson: &Lesson,
    which: &str,
    class: &'static str,
) -> Html {
    match text {
        Loaded::Ready(catalogue) => html! {
            <p {class}>{ catalogue.text(&lesson.text_key(which)) }</p>
        },
        other => lazy::status(Part::Lessons, other, retry),
    }
}

/// The step the run shows right after a cue's event.
fn step_after(reached: Reached) -> Option<u64> {
    match reached {
        Reached::AtStep(step) => Some(step + 1),
        Reached::AtStart | Reached::AtEnd => None,
    }
}

#[component]
pub fn Lessons(props: &LessonsProps) -> Html {
    // The lessons' stylesheet and texts start loading as soon as the view opens.
    let (text, retry) = lazy::use_part(Part::Lessons);
    let words = words_now();
    let progress = use_state(Progress::load);
    let all = use_memo((), |_| lessons::all());
    // A lesson link is read, and its lesson run, once for each link.
    let opened = {
        let all = all.clone();
        let words = words.clone();
        use_memo(props.open.clone(), move |open| {
            open.as_deref().map(|open| open_lesson(&all, open, &words))
        })
    };
    // The view's own lab, on the scenario of the lesson asked for first.
    let lab = {
        let first = match opened.as_ref() {
            Some(Ok(opened)) => Some(opened.lesson.scenario.clone()),
            _ => None,
        };
        use_reducer(move || Lab::new(&first.unwrap_or_default()))
    };
    {
        // The lesson's run is narrated in the page's language.
        let lab = lab.clone();
        use_effect_with(words.clone(), move |words| {
            lab.dispatch(LabAction::SetWords(words.clone()));
        });
    }
    // A file's lesson opens as its link, so that the address bar can share it.
    let on_file = {
        let on_open = props.on_open.clone();
        Callback::from(move |file: LessonFile| on_open.emit(Some(lesson_file::to_link(&file))))
    };

    match opened.as_ref() {
        Some(Ok(opened)) => {
            let link = props.open.clone().unwrap_or_default();
            html! {
                <LessonPlayer lab={lab} lesson={opened.lesson.clone()} texts={opened.texts.clone()} place={opened.place}
                              {link} file={opened.file.clone()} on_open={props.on_open.clone()} progress={progress.clone()} />
            }
        }
        refused => {
            let refused = refused
                .as_ref()
                .and_then(|refused| refused.as_ref().err())
                .map(|refused| {
                    let message = match refused {
                        Refused::Unknown(slug) => {
                            words.fill(Key::UnknownLesson, &[("slug", slug.as_str().into())])
                        }
                        Refused::Invalid(reason) => words.fill(
                            Key::LessonLinkRefused,
                            &[("reason", reason.as_str().into())],
                        ),
                    };
                    html! {
                        <div class="notice error" role="alert">
                            <span aria-hidden="true">{ "⚠" }</span>
                            <p>{ message }</p>
                        </div>
                    }
                });
            html! {
                <>
                    { for refused }
                    { lesson_list(&words, &text, &retry, &all, &progress, on_file) }
                </>
            }
        }
    }
}

/// The list of lessons, under their chapters, numbered through the whole course.
fn lesson_list(
    words: &Words,
    text: &Loaded,
    retry: &Callback<()>,
    all: &[Lesson],
    progress: &Progress,
    on_file: Callback<LessonFile>,
) -> Html {
    let done = all
        .iter()
        .filter(|lesson| progress.completed.contains(&lesson.id))
        .count();
    let item = |index: usize, lesson: &Lesson| {
        let status = progress.status(&lesson.id);
        html! {
            <li class={classes!("lesson-item", (status != LessonStatus::NotYet).then_some("done"))} data-lesson={lesson.id.clone()}>
                <span class="lesson-number" aria-hidden="true">{ index + 1 }</span>
                <a href={format!("#{}", lesson.link_fragment())}>{ lesson_words(text, &lesson.title_key()) }</a>
                { completion_status(words, status) }
                if let Some((right, total)) = progress.self_check_score(&lesson.id) {
                    <span class="lesson-status self-check">{ words.fill(Key::StatusSelfCheck, &[("right", right.into()), ("total", total.into())]) }</span>
                }
            </li>
        }
    };
    let catalogue: Option<&Catalogue> = match text {
        Loaded::Ready(catalogue) => Some(catalogue),
        Loaded::Loading | Loaded::Failed(_) => None,
    };
    // The lessons' titles come with their catalogue: until it arrives, its status.
    let chapters = catalogue.is_some().then(|| Chapter::ALL.iter().enumerate().filter_map(|(number, chapter)| {
        let lessons: Vec<(usize, &Lesson)> = all
            .iter()
            .enumerate()
            .filter(|(_, lesson)| lesson.chapter == *chapter)
            .collect();
        let (first, _) = lessons.first()?;
        let heading = format!("lesson-chapter-{}", number + 1);
        Some(html! {
            <section class="lesson-chapter" aria-labelledby={heading.clone()} data-chapter={chapter.number().to_string()}>
                <h3 id={heading}>{ chapter_title(words, *chapter) }</h3>
                <ol class="lesson-items" start={(first + 1).to_string()}>
                    { for lessons.iter().map(|(index, lesson)| item(*index, lesson)) }
                </ol>
            </section>
        })
    }));
    html! {
        <section class="panel lessons-list" aria-labelledby="lessons-heading">
            <h2 id="lessons-heading">{ words.get(Key::ListHeading) }</h2>
            <p class="intro">{ words.get(Key::ListIntro) }</p>
            <p class="lessons-progress" id="lessons-progress">
                { words.fill(Key::ListProgress, &[("done", done.into()), ("total", all.len().into())]) }
            </p>
            <progress max={all.len().to_string()} value={done.to_string()} aria-labelledby="lessons-progress" />
            { lazy::status(Part::Lessons, text, retry) }
            { for chapters.into_iter().flatten() }
            <section class="lesson-chapter lessons-more" aria-labelledby="lessons-more-heading">
                <h3 id="lessons-more-heading">{ words.get(Key::ListMoreHeading) }</h3>
                <p>{ words.get(Key::ListMore) }</p>
                <p><a href="#view=transactions/" id="lessons-more-link">{ words.get(Key::ListMoreLink) }</a></p>
            </section>
            <OpenLessonFile {on_file} />
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct OpenLessonFileProps {
    /// Plays a lesson file that was read and checked.
    on_file: Callback<LessonFile>,
}

/// "Your own lessons": opens a lesson file, read and run as strictly as a lesson link.
/// A file that is not a valid lesson is refused with its reason, and the list stays.
#[component]
fn OpenLessonFile(props: &OpenLessonFileProps) -> Html {
    let words = words_now();
    let refused = use_state(|| None::<String>);
    let reading: Reading = use_mut_ref(|| None);
    let onchange = {
        let refused = refused.clone();
        let on_file = props.on_file.clone();
        Callback::from(move |event: Event| {
            let refused = refused.clone();
            let on_file = on_file.clone();
            read_chosen(&event, &reading, move |text| {
                let words = words_now();
                let read = text
                    .map_err(|error| words.fill(Key::OwnUnreadable, &[("error", error.into())]))
                    .and_then(|text| {
                        lesson_file::read(&text).map_err(|error| error.describe_in(&words))
                    });
                match read {
                    Ok(file) => {
                        refused.set(None);
                        on_file.emit(file);
                    }
                    Err(reason) => refused.set(Some(reason)),
                }
            });
        })
    };
    html! {
        <section class="lesson-chapter lessons-own" aria-labelledby="lessons-own-heading">
            <h3 id="lessons-own-heading">{ words.get(Key::OwnHeading) }</h3>
            <p>{ words.get(Key::OwnIntro) }</p>
            <label class="button file-button">
                { words.get(Key::OwnOpen) }
                <input type="file" accept=".json,application/json" class="visually-hidden" {onchange}
                       aria-label={words.get(Key::OwnOpen)} data-lesson-file="" />
            </label>
            if let Some(reason) = &*refused {
                <div class="notice error" role="alert">
                    <span aria-hidden="true">{ "⚠" }</span>
                    <p>{ words.fill(Key::OwnRefused, &[("reason", reason.as_str().into())]) }</p>
                </div>
            }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct LessonPlayerProps {
    lab: UseReducerHandle<Lab>,
    lesson: Rc<Lesson>,
    /// The lesson's own texts, for a lesson from a file; `None` for a lesson whose texts
    /// are in the lessons' catalogue.
    texts: Option<Rc<Catalogue>>,
    /// A built-in lesson's place in the course; `None` for a lesson from a file, which
    /// keeps no progress.
    place: Option<usize>,
    /// The lesson's slug or lesson link, as its link to share names it.
    link: String,
    /// The file of a lesson from a file or a lesson link, which can be saved.
    file: Option<Rc<LessonFile>>,
    on_open: Callback<Option<String>>,
    progress: UseStateHandle<Progress>,
}

/// What the ledger said when the lesson's run ended, kept while the learner looks back
/// at earlier steps.
#[derive(Clone, Debug, PartialEq)]
struct LessonResult {
    summary: Summary,
    participants: Vec<ParticipantStats>,
    /// The step the run ended at.
    end_step: u64,
    /// For each question at the end, the step that shows its answer (the step right
    /// after its event, as the cues count).
    shown_at: Vec<Option<u64>>,
}

/// Each participant's ticks in doubt, from the ledger, in one sentence.
fn in_doubt_sentence(words: &Words, result: &LessonResult) -> Option<String> {
    let parts = result
        .participants
        .iter()
        .map(|p| {
            words.fill(
                Key::InDoubtParticipant,
                &[
                    (
                        "participant",
                        p.participant.participant_label().to_string().into(),
                    ),
                    ("count", p.blocked_ticks.into()),
                ],
            )
        })
        .reduce(|list, next| {
            words.fill(
                Key::InDoubtList,
                &[("list", list.into()), ("next", next.into())],
            )
        })
        .unwrap_or_default();
    (result.summary.blocked_ticks > 0).then(|| {
        words.fill(
            Key::InDoubtLine,
            &[
                ("parts", parts.into()),
                ("total", result.summary.blocked_ticks.into()),
            ],
        )
    })
}

/// The ledger's counts in one line. With several consumers it also counts the messages
/// applied out of order and the deliveries marked redelivered, which is what many
/// consumers add to the story. Consumer groups promise order within a key only, so with
/// them the line counts what broke that promise.
fn ledger_line(words: &Words, summary: &Summary, scenario: &Scenario) -> String {
    let order = if scenario.topology.consumers > 1 {
        let key = if scenario.kafka.is_some() {
            Key::LedgerOrderWithinKey
        } else {
            Key::LedgerOrder
        };
        words.fill(
            key,
            &[
                ("reordered", summary.reordered_per_key.into()),
                ("redelivered", summary.redelivered.into()),
            ],
        )
    } else {
        String::new()
    };
    words.fill(
        Key::LedgerLine,
        &[
            ("exactly_once", summary.exactly_once.into()),
            ("messages", summary.messages.into()),
            ("lost", summary.lost.into()),
            ("duplicated", summary.duplicated.into()),
            ("order", order.into()),
            ("in_doubt", summary.blocked_ticks.into()),
        ],
    )
}

/// True when the top of an element, and a few lines below it, are inside the window.
fn in_view(element: &web_sys::HtmlElement) -> bool {
    // Its place in the document: offsets added up its chain of offset parents.
    let mut top = 0.0;
    let mut next = Some(element.clone());
    while let Some(current) = next {
        top += f64::from(current.offset_top());
        next = current
            .offset_parent()
            .and_then(|parent| parent.dyn_into::<web_sys::HtmlElement>().ok());
    }
    let window = gloo::utils::window();
    let scrolled = window.scroll_y().unwrap_or(0.0);
    let height = window
        .inner_height()
        .ok()
        .and_then(|h| h.as_f64())
        .unwrap_or(0.0);
    top >= scrolled && top + REVEAL_SEEN_PX <= scrolled + height
}

/// How much of the result must be on screen for it to count as seen, in CSS pixels.
const REVEAL_SEEN_PX: f64 = 120.0;

#[component]
fn LessonPlayer(props: &LessonPlayerProps) -> Html {
    let (course_text, retry) = lazy::use_part(Part::Lessons);
    // A lesson from a file speaks its own words; a built-in one the course's.
    let text = match &props.texts {
        Some(own) => Loaded::Ready(own.clone()),
        None => course_text,
    };
    let words = words_now();
    let all = use_memo((), |_| lessons::all());
    let lesson = &*props.lesson;
    let built_in = props.place.is_some();
    let lab = props.lab.clone();
    let choice = use_state(|| None::<usize>);
    let locked = use_state(|| None::<usize>);
    let result = use_state(|| None::<LessonResult>);
    let toggle_ref = use_node_ref();
    let controls_ref = use_node_ref();
    let reveal_ref = use_node_ref();

    // The lesson's text first, its stage in the next task: opening the view never holds
    // the page for long.
    let stage_drawn = crate::hooks::use_parts_drawn(1) >= 1;

    // Opening a lesson loads its scenario into the view's lab, from step 0 (unless the
    // lab was made on it and is still there).
    {
        let lab = lab.clone();
        let choice = choice.clone();
        let locked = locked.clone();
        let result = result.clone();
        use_effect_with(props.lesson.clone(), move |lesson| {
            let fresh = {
                let run = lab.run.borrow();
                run.sim().scenario() == &lesson.scenario
                    && run.step_index() == 0
                    && run.commands().is_empty()
            };
            if !fresh {
                lab.dispatch(LabAction::Load {
                    shared: Box::new(SharedRun::new(lesson.scenario.clone())),
                    notice: None,
                });
            }
            choice.set(None);
            locked.set(None);
            result.set(None);
        });
    }

    crate::hooks::use_player(&lab);
    let watching = locked.is_some();
    crate::hooks::use_playback_keys(&lab, watching, lesson_shortcut);

    let run = lab.run.borrow();
    let sim = run.sim();
    // The lab's run is this lesson's only while its scenario is the lesson's: until the
    // load lands, or after it was refused, nothing of it is shown as the lesson's.
    let loaded = sim.scenario() == &lesson.scenario;
    let quiet = loaded && sim.is_quiet();
    let ended = loaded && watching && quiet;
    let step_index = run.step_index();

    // The first time the run ends after a prediction, the ledger's verdict is kept, and
    // the lesson is completed — predicted right or wrong, as the ledger says.
    {
        let result = result.clone();
        let progress = props.progress.clone();
        let run = lab.run.clone();
        let question = lesson.question.clone();
        let self_checks = lesson.self_checks.clone();
        let picked = *locked;
        use_effect_with((ended, lesson.id.clone()), move |(ended, id)| {
            // Kept in the task after the one that reached the end, so that a jump to the
            // end and the reveal it brings are drawn in two tasks, not one long one.
            let id = id.clone();
            let later = match (*ended, result.as_ref(), picked) {
                (true, None, Some(picked)) => {
                    Some(gloo::timers::callback::Timeout::new(0, move || {
                        let run = run.borrow();
                        let sim = run.sim();
                        let summary = sim.summary();
                        let right = question
                            .outcome(&summary)
                            .get(picked)
                            .copied()
                            .unwrap_or(false);
                        if built_in {
                            let next = progress.record(&id, right);
                            next.save();
                            progress.set(next);
                        }
                        result.set(Some(LessonResult {
                            participants: if sim.scenario().mode == Mode::Transactional {
                                sim.ledger().participants()
                            } else {
                                Vec::new()
                            },
                            summary,
                            end_step: run.step_index(),
                            shown_at: self_checks
                                .iter()
                                .map(|check| check.shown_at_step(sim.trace()).map(|step| step + 1))
                                .collect(),
                        }));
                    }))
                }
                _ => None,
            };
            move || drop(later)
        });
    }

    // Where the cues were reached so far, in the lesson's order.
    let reached: Vec<Option<Reached>> = lesson
        .cues
        .iter()
        .map(|cue| {
            if loaded {
                cue.reached(sim.trace(), quiet)
            } else {
                None
            }
        })
        .collect();
    let pause_steps: Vec<u64> = reached
        .iter()
        .flatten()
        .filter_map(|r| step_after(*r))
        .collect();
    let paused_at_cue = !lab.playing && watching && !quiet && pause_steps.contains(&step_index);

    // Played slowly, the run pauses right after each moment "What to notice" names, so
    // that the learner sees it happen instead of seven steps going by in two seconds.
    {
        let dispatcher = lab.dispatcher();
        let slow = lab.steps_per_second() <= PAUSE_AT_CUES_UP_TO;
        let playing = lab.playing;
        let at_cue = pause_steps.contains(&step_index);
        use_effect_with(step_index, move |_| {
            if playing && slow && at_cue {
                dispatcher.dispatch(LabAction::Pause);
            }
        });
    }

    // Locking in moves the keyboard focus to the player, so that it is not lost with the
    // button that disappears; on one column, the stage scrolls into view.
    {
        let toggle_ref = toggle_ref.clone();
        let controls_ref = controls_ref.clone();
        use_effect_with(watching, move |watching| {
            if *watching {
                if let Some(button) = toggle_ref.cast::<web_sys::HtmlElement>() {
                    let _ = button.focus();
                }
                let one_column = gloo::utils::window()
                    .match_media(ONE_COLUMN_QUERY)
                    .ok()
                    .flatten()
                    .is_some_and(|query| query.matches());
                if one_column {
                    if let Some(controls) = controls_ref.cast::<web_sys::Element>() {
                        controls.scroll_into_view_with_bool(true);
                    }
                }
            }
        });
    }

    // When the result first appears out of sight (below the cues on a wide screen, above
    // the stage on one column), the page brings it into view: the run is over.
    {
        let reveal_ref = reveal_ref.clone();
        use_effect_with(result.is_some(), move |shown| {
            if let (true, Some(reveal)) = (*shown, reveal_ref.cast::<web_sys::HtmlElement>()) {
                if !in_view(&reveal) {
                    reveal.scroll_into_view_with_bool(true);
                }
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

    let status = props.progress.status(&lesson.id);
    let save_file = |file: Rc<LessonFile>| {
        Callback::from(move |_: MouseEvent| {
            let words = words_now();
            let name = format!("{}.json", file.lesson.id);
            // Saving only fails where the browser forbids downloads; nothing to undo.
            let _ =
                crate::components::share_bar::download(&words, &name, &lesson_file::write(&file));
        })
    };
    let total = all.len();
    let question = &lesson.question;
    let choices = (0..question.choices.len()).map(|index| {
        let onchange = {
            let choice = choice.clone();
            Callback::from(move |_: Event| choice.set(Some(index)))
        };
        // Once locked in, only the learner's own prediction stays on screen.
        let hidden = locked.is_some_and(|picked| picked != index);
        html! {
            <label class={classes!("choice", (*choice == Some(index)).then_some("picked"), hidden.then_some("unpicked"))}>
                <input type="radio" name="lesson-prediction" value={index.to_string()}
                       checked={*choice == Some(index)} disabled={locked.is_some()} {onchange} />
                <span>{ lesson_words(&text, &lesson.choice_key(index)) }</span>
            </label>
        }
    });

    // The newest cue reached is the one the stage is showing.
    let newest_cue = reached.iter().rposition(Option::is_some);
    let cues = reached.iter().enumerate().filter_map(|(index, reached)| {
        let reached = (*reached)?;
        let when = match step_after(reached) {
            Some(step) => {
                let onclick = {
                    let dispatch = dispatch.clone();
                    Callback::from(move |_: MouseEvent| dispatch.emit(LabAction::Seek(step)))
                };
                html! {
                    <button class="cue-when" {onclick} title={words.fill(Key::CuesGoToStep, &[("step", step.into())])}>
                        { words.fill(Key::CuesStep, &[("step", step.into())]) }
                    </button>
                }
            }
            None if reached == Reached::AtStart => html! { <span class="cue-when">{ words.get(Key::CuesStart) }</span> },
            None => html! { <span class="cue-when">{ words.get(Key::CuesEnd) }</span> },
        };
        let newest = newest_cue == Some(index);
        Some(html! {
            <li class={classes!(newest.then_some("newest"))} aria-current={newest.then_some("step")}>{ when }<span>{ lesson_words(&text, &lesson.cue_key(index)) }</span></li>
        })
    });

    let reveal = result.as_ref().map(|result| {
        let summary = &result.summary;
        let outcome = question.outcome(summary);
        let picked = locked.unwrap_or(0);
        let right = outcome.get(picked).copied().unwrap_or(false);
        let headline = if right {
            html! { <p class="lesson-verdict right"><span aria-hidden="true">{ "✓ " }</span>{ words.get(Key::RevealHeld) }</p> }
        } else {
            html! { <p class="lesson-verdict wrong"><span aria-hidden="true">{ "✗ " }</span>{ words.get(Key::RevealNotHeld) }</p> }
        };
        let rows = outcome.iter().enumerate().map(|(index, holds)| {
            let mark = if *holds {
                html! { <span class="held yes"><span aria-hidden="true">{ "✓" }</span>{ format!(" {}", words.get(Key::RevealHappened)) }</span> }
            } else {
                html! { <span class="held no"><span aria-hidden="true">{ "✗" }</span>{ format!(" {}", words.get(Key::RevealDidNotHappen)) }</span> }
            };
            html! {
                <li class={classes!(holds.then_some("held-row"))}>
                    { mark }
                    <span>
                        { lesson_words(&text, &lesson.choice_key(index)) }
                        if index == picked { { " " }<span class="your-pick">{ words.get(Key::RevealYourPrediction) }</span> }
                    </span>
                </li>
            }
        });
        let nothing_held = !outcome.contains(&true);
        let counts = ledger_line(&words, summary, &lesson.scenario);
        let in_doubt = in_doubt_sentence(&words, result);
        let looking_back = step_index < result.end_step;
        let next = props.place.and_then(|index| all.get(index + 1)).map(|next| html! {
            <a class="next-lesson" href={format!("#{}", next.link_fragment())}>{ words.fill(Key::RevealNext, &[("title", lesson_words(&text, &next.title_key()).into())]) }</a>
        });
        html! {
            <>
                if looking_back {
                    <p class="hint looking-back">{ words.fill(Key::RevealLookingBack, &[("step", step_index.into()), ("end", result.end_step.into())]) }</p>
                }
                { headline }
                <ul class="outcomes">{ for rows }</ul>
                if nothing_held {
                    <p class="lesson-verdict wrong">{ words.get(Key::RevealNoneHeld) }</p>
                }
                <p class="ledger-line">{ counts }</p>
                if let Some(in_doubt) = in_doubt {
                    <p class="in-doubt-line" title={words_now().get(mqlab_text::settings::Key::HelpInDoubt)}>{ in_doubt }</p>
                }
                <h3>{ words.get(Key::RevealSummary) }</h3>
                { lesson_text(&text, &retry, lesson, "summary", "lesson-summary") }
                { for next }
            </>
        }
    });

    // The questions at the end, once the run has ended and its words are here.
    let self_check = result
        .as_ref()
        .filter(|_| matches!(&text, Loaded::Ready(_)) && !lesson.self_checks.is_empty())
        .map(|result| {
            let asked: Vec<Asked> = lesson
                .self_checks
                .iter()
                .enumerate()
                .map(|(index, check)| Asked {
                    question: lesson_words(&text, &lesson.check_key(index, "question")),
                    answers: (1..=check.choices)
                        .map(|answer| {
                            lesson_words(&text, &lesson.check_key(index, &answer.to_string()))
                        })
                        .collect(),
                    right: check.answer,
                    why: lesson_words(&text, &lesson.check_key(index, "why")),
                    step: result.shown_at.get(index).copied().flatten(),
                })
                .collect();
            let on_answer = {
                let progress = props.progress.clone();
                let id = lesson.id.clone();
                Callback::from(move |(number, right): (usize, bool)| {
                    if !built_in {
                        return;
                    }
                    let next = progress.answer(&id, number, right);
                    next.save();
                    progress.set(next);
                })
            };
            let on_show_step = {
                let dispatch = dispatch.clone();
                Callback::from(move |step: u64| dispatch.emit(LabAction::Seek(step)))
            };
            html! {
                <SelfCheck id={lesson.id.clone()} asked={Rc::new(asked)} {on_answer} {on_show_step} />
            }
        });

    let snapshot = sim.snapshot();
    let last_event = sim.trace().last().cloned();
    let (period_ms, _) = cadence(lab.steps_per_second());
    let step_ms = if lab.playing { period_ms } else { 350 };
    let events = sim.told(&sim.trace()[sim.trace().len().saturating_sub(NARRATION_LINES)..]);
    let speeds = SPEEDS.iter().enumerate().map(|(index, speed)| {
        html! { <option value={index.to_string()} selected={index == lab.speed_index}>{ words.fill(Key::ControlsSpeedOption, &[("speed", (*speed).into())]) }</option> }
    });
    let transactional = lesson.scenario.mode == Mode::Transactional;
    let toggle = if lab.playing {
        html! {
            <button ref={toggle_ref} class="primary" onclick={action(LabAction::Pause)} aria-label={words.get(Key::ControlsPause)} title={words.get(Key::ControlsPauseTitle)}>
                { pause_icon() }{ format!(" {}", words.get(Key::ControlsPause)) }
            </button>
        }
    } else {
        // Never disabled: a disabled button would drop the keyboard focus at the end.
        html! {
            <button ref={toggle_ref} class="primary" onclick={action(LabAction::Play)} aria-label={words.get(Key::ControlsPlay)}
                    aria-disabled={quiet.then_some("true")} title={words.get(Key::ControlsPlayTitle)}>
                { play_icon() }{ format!(" {}", words.get(Key::ControlsPlay)) }
            </button>
        }
    };

    html! {
        <article class="lesson" aria-labelledby="lesson-title" data-lesson={lesson.id.clone()}>
            <nav class="lesson-nav" aria-label={words.get(Key::NavLabel)}>
                <button onclick={back}>{ words.get(Key::NavAllLessons) }</button>
                if let Some(index) = props.place {
                    <span>{ words.fill(Key::NavPosition, &[("number", (index + 1).into()), ("total", total.into())]) }</span>
                    { completion_status(&words, status) }
                } else {
                    <span class="lesson-own">{ words.get(Key::NavOwnLesson) }</span>
                }
                <a href={format!("#{}", crate::lesson_link::fragment_for(&props.link))} class="lesson-link">{ words.get(Key::NavLink) }</a>
                if let Some(file) = &props.file {
                    <button type="button" onclick={save_file(file.clone())} data-save-lesson="">{ words.get(Key::NavSaveFile) }</button>
                }
            </nav>
            <div class="lesson-layout">
                <div class="lesson-text">
                    <section class="panel">
                        <h2 id="lesson-title">{ lesson_words(&text, &lesson.title_key()) }</h2>
                        { lesson_text(&text, &retry, lesson, "intro", "lesson-intro") }
                    </section>
                    <section class={classes!("panel", "lesson-question", watching.then_some("locked"))}>
                        <fieldset role="radiogroup" aria-describedby="prediction-hint">
                            <legend>{ words.fill(Key::QuestionLegend, &[("question", lesson_words(&text, &lesson.question_key()).into())]) }</legend>
                            { for choices }
                        </fieldset>
                        <p class="hint" id="prediction-hint">
                            { words.get(if watching { Key::QuestionLocked } else { Key::QuestionPick }) }
                        </p>
                        if !watching {
                            <button class="primary" disabled={choice.is_none()} onclick={lock_in}>
                                { words.get(Key::QuestionLockIn) }
                            </button>
                        }
                    </section>
                    <section class="panel lesson-cues" aria-labelledby="lesson-cues-heading">
                        <h3 id="lesson-cues-heading">{ words.get(Key::CuesHeading) }</h3>
                        <ol>{ for cues }</ol>
                    </section>
                    <section class="panel lesson-reveal" aria-labelledby="reveal-heading" ref={reveal_ref}>
                        <h3 id="reveal-heading">{ words.get(Key::RevealHeading) }</h3>
                        <div aria-live="polite" aria-atomic="true" class="reveal-live">
                            if let Some(reveal) = reveal { { reveal } }
                            else if watching { <p class="hint">{ words.get(Key::RevealWatching) }</p> }
                            else { <p class="hint">{ words.get(Key::RevealPredictFirst) }</p> }
                        </div>
                    </section>
                    { for self_check }
                </div>
                <div class="lesson-watch">
                    if watching {
                        <div class="panel lesson-controls" role="group" aria-label={words.get(Key::ControlsLabel)} ref={controls_ref}>
                            { toggle }
                            <button onclick={action(LabAction::StepBack)} aria-disabled={(step_index == 0).then_some("true")} title={words.get(Key::ControlsStepBackTitle)}>{ words.get(Key::ControlsStepBack) }</button>
                            <button onclick={action(LabAction::Step)} aria-disabled={quiet.then_some("true")} title={words.get(Key::ControlsStepTitle)}>{ words.get(Key::ControlsStep) }</button>
                            <button onclick={action(LabAction::Advance(SKIP_STEPS))} aria-disabled={quiet.then_some("true")} title={words.get(Key::ControlsSkipTitle)}>{ words.get(Key::ControlsSkip) }</button>
                            <button onclick={action(LabAction::Seek(0))} title={words.get(Key::ControlsReplayTitle)}>{ words.get(Key::ControlsReplay) }</button>
                            <label>{ format!("{} ", words.get(Key::ControlsSpeed)) }
                                <select onchange={on_speed}>{ for speeds }</select>
                            </label>
                            <span class="lesson-step">{ words.fill(Key::ControlsStepNow, &[("step", snapshot.step.into())]) }</span>
                            if paused_at_cue {
                                <p class="hint paused-at-cue" role="status">
                                    { format!("{} ", words.get(Key::PausedBefore)) }<kbd>{ "Space" }</kbd>{ format!(" {} ", words.get(Key::PausedMiddle)) }<kbd>{ "←" }</kbd>{ format!(" {}", words.get(Key::PausedAfter)) }
                                </p>
                            }
                        </div>
                    }
                    if stage_drawn {
                        <Stage snapshot={snapshot.clone()} last_event={last_event} step_ms={step_ms} />
                        if transactional {
                            <CoordinatorPanel coordinator={snapshot.coordinator.clone()} tick={snapshot.tick}
                                              participants={sim.ledger().participants()} dispatch={dispatch.clone()} />
                        }
                    }
                    if watching {
                        <Narration events={events} step={snapshot.step} truncated={sim.trace_truncated()} dispatch={dispatch.clone()} />
                    }
                    if result.is_some() {
                        <LedgerView summary={snapshot.summary.clone()} records={sim.ledger().messages().to_vec()}
                                    anomalies={sim.ledger().anomalies_in(&words_now())} dispatch={dispatch.clone()} />
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
    fn every_lesson_has_all_its_words_in_both_languages_and_the_files_no_other_text() {
        for (lang, file) in [
            ("en", include_str!("../../static/text/en/lessons.txt")),
            ("zh-CN", include_str!("../../static/text/zh-CN/lessons.txt")),
        ] {
            let text = Catalogue::parse(file).expect("the lessons' catalogue is well formed");
            let mut expected = Vec::new();
            for lesson in lessons::all() {
                for which in ["intro", "summary"] {
                    let key = lesson.text_key(which);
                    let words = text.get(&key).unwrap_or_default();
                    assert!(
                        words.chars().count() >= 40,
                        "{lang}: lesson {} has a short {which}: {words:?}",
                        lesson.id
                    );
                }
                for key in lesson.text_keys() {
                    assert!(
                        !text.get(&key).unwrap_or_default().trim().is_empty(),
                        "{lang}: the lessons' catalogue lacks @{key}"
                    );
                    expected.push(key);
                }
            }
            // The file follows the lessons' order, so that it reads as the course does.
            assert_eq!(text.keys().collect::<Vec<_>>(), expected, "{lang}");
        }
    }

    #[test]
    fn the_in_doubt_sentence_counts_each_participant_and_the_sum() {
        let lesson = lessons::find("2pc-blocking").expect("lesson");
        let sim = lesson.run_to_end().expect("ends");
        let result = LessonResult {
            summary: sim.summary(),
            participants: sim.ledger().participants(),
            end_step: 0,
            shown_at: Vec::new(),
        };
        let sentence = in_doubt_sentence(&Words::english(), &result).expect("some doubt");
        assert!(
            sentence.starts_with("In doubt, per participant (from its yes vote until the decision reached it, in every transaction): ")
                && sentence.ends_with(&format!(" — {} ticks in all.", result.summary.blocked_ticks))
                && sentence.contains(" ticks, "),
            "{sentence}"
        );
    }

    #[test]
    fn the_ledger_line_counts_order_and_redeliveries_only_with_many_consumers() {
        let one = lessons::find("consumer-crash-before-ack").expect("lesson");
        let mut summary = one.run_to_end().expect("ends").summary();
        summary.messages = 6;
        summary.exactly_once = 4;
        summary.lost = 0;
        summary.duplicated = 1;
        summary.reordered = 2;
        summary.reordered_per_key = 1;
        summary.redelivered = 2;
        summary.blocked_ticks = 0;
        assert_eq!(
            ledger_line(&Words::english(), &summary, &one.scenario),
            "Ledger: 4 of 6 exactly once, 0 lost, 1 duplicated, 0 ticks in doubt."
        );
        let queue = lessons::find("competing-consumers-reorder").expect("lesson");
        assert_eq!(
            ledger_line(&Words::english(), &summary, &queue.scenario),
            "Ledger: 4 of 6 exactly once, 0 lost, 1 duplicated, 1 reordered, 2 redelivered, 0 ticks in doubt."
        );
        let group = lessons::find("rebalance-redelivers").expect("lesson");
        assert_eq!(
            ledger_line(&Words::english(), &summary, &group.scenario),
            "Ledger: 4 of 6 exactly once, 0 lost, 1 duplicated, 1 reordered within a key, 2 redelivered, 0 ticks in doubt."
        );
    }

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
    fn answers_at_a_lessons_end_are_kept_by_question_and_scored_once_all_are_given() {
        let asks = lessons::find("fire-and-forget")
            .expect("lesson")
            .self_checks
            .len();
        assert!(asks >= 2);
        let mut progress = Progress::default();
        assert_eq!(progress.self_check_score("fire-and-forget"), None);
        progress = progress.answer("fire-and-forget", 1, false);
        assert_eq!(progress.self_checks["fire-and-forget"].len(), asks);
        assert_eq!(progress.self_check_score("fire-and-forget"), None);
        for number in 0..asks {
            progress = progress.answer("fire-and-forget", number, number != 1);
        }
        assert_eq!(
            progress.self_check_score("fire-and-forget"),
            Some((asks - 1, asks))
        );
        // A question the lesson does not ask, or a lesson that does not exist, is not kept.
        assert_eq!(progress.answer("fire-and-forget", asks, true), progress);
        assert_eq!(progress.answer("no-such-lesson", 0, true), progress);
        // Stored answers of lessons that are gone are dropped; the others fit the lesson.
        let stored: SelfChecks = [
            ("gone".to_string(), vec![Some(true)]),
            ("fire-and-forget".to_string(), vec![Some(true); 9]),
        ]
        .into_iter()
        .collect();
        let kept = known_self_checks(stored);
        assert_eq!(kept.keys().collect::<Vec<_>>(), ["fire-and-forget"]);
        assert_eq!(kept["fire-and-forget"].len(), asks);
    }

    #[test]
    fn a_wrong_prediction_is_kept_until_a_right_one() {
        let progress = Progress::default().record("fire-and-forget", false);
        assert_eq!(
            progress.status("fire-and-forget"),
            LessonStatus::PredictedWrong
        );
        assert_eq!(progress.status("lost-confirm"), LessonStatus::NotYet);
        let progress = progress.record("fire-and-forget", true);
        assert_eq!(
            progress.status("fire-and-forget"),
            LessonStatus::PredictedRight
        );
    }

    #[test]
    fn lesson_keys_play_and_step_but_never_change_the_scenario() {
        for key in ["r", "R", "1", "4", "+", "-", "?"] {
            assert_eq!(lesson_shortcut(key), None, "{key:?}");
        }
        assert_eq!(lesson_shortcut(" "), Some(LabAction::TogglePlay));
        assert_eq!(lesson_shortcut("ArrowRight"), Some(LabAction::Step));
        assert_eq!(lesson_shortcut("ArrowLeft"), Some(LabAction::StepBack));
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
