//! "Write a lesson", below the simulator's ledger: an instructor sets up a run in the
//! simulator, steps to a moment, types what to notice there and adds it as a cue, and
//! repeats; then writes the question to predict and the questions at the end, and saves
//! the lesson as a file or a link. The lesson plays the simulator's scenario as the
//! address bar holds it. What the editor saves is a lesson file written in the
//! documented format and read back by the same reader that opens files and links, so an
//! instructor sees every refusal a learner would, and nothing is saved that would not
//! play. The analysis module draws it, so the page carries none of it.

use std::rc::Rc;

use gloo::storage::{LocalStorage, Storage};
use mqlab_sim::lesson_file::{self, LessonFile, LessonTexts};
use mqlab_sim::lessons::{Check, Lesson, Question};
use mqlab_sim::{Scenario, SharedRun, Summary};
use mqlab_text::analysis::Key;
use mqlab_text::{Lang, Words};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::components::share_bar::download;
use crate::words::current as words_now;

/// The panel's stylesheet, fetched when it is first shown.
pub const STYLESHEET: &str = "parts/lesson-editor.css";
/// Where the lesson being written is kept between visits.
pub const DRAFT_KEY: &str = "mqlab.lesson-draft";
/// The most answers a question offers, and the fewest.
const MOST_CHOICES: usize = 4;
const FEWEST_CHOICES: usize = 2;
/// The most questions at the end.
const MOST_CHECKS: usize = lesson_file::MAX_CHECKS as usize;

/// When a cue appears, as the editor offers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Moment {
    Start,
    Step(u64),
    End,
}

impl Moment {
    /// The moment as a lesson file writes it.
    fn to_json(self) -> Value {
        match self {
            Moment::Start => json!("start"),
            Moment::End => json!("end"),
            Moment::Step(step) => json!({ "step": step }),
        }
    }
}

/// An answer to the question to predict: its text and the facts that make it true.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftChoice {
    pub text: String,
    /// Facts as lesson files write them, separated by commas or spaces.
    pub facts: String,
}

/// A cue: when it appears and what it says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftCue {
    pub at: Moment,
    pub text: String,
}

/// A question at the end.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftCheck {
    pub question: String,
    /// Up to four answers; empty ones are left out.
    pub answers: Vec<String>,
    /// The right answer, from 0, among the answers given.
    pub answer: usize,
    pub why: String,
    /// The step that shows the answer.
    pub step: u64,
    pub facts: String,
}

/// The lesson being written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    pub lang: String,
    pub id: String,
    pub title: String,
    pub intro: String,
    pub question: String,
    pub choices: Vec<DraftChoice>,
    /// The answer the run is meant to make true, from 0.
    pub intended: usize,
    pub cues: Vec<DraftCue>,
    pub checks: Vec<DraftCheck>,
    pub summary: String,
}

impl Draft {
    /// An empty lesson in `lang`.
    pub fn new(lang: Lang) -> Draft {
        Draft {
            lang: lang.tag().to_string(),
            id: String::new(),
            title: String::new(),
            intro: String::new(),
            question: String::new(),
            choices: vec![DraftChoice::default(); FEWEST_CHOICES],
            intended: 0,
            cues: Vec::new(),
            checks: Vec::new(),
            summary: String::new(),
        }
    }

    /// The draft kept in this browser, or an empty one.
    fn load(lang: Lang) -> Draft {
        LocalStorage::get(DRAFT_KEY).unwrap_or_else(|_| Draft::new(lang))
    }

    fn save(&self) {
        // Storage can be full or disabled (private browsing); the draft then lasts the visit.
        let _ = LocalStorage::set(DRAFT_KEY, self);
    }
}

/// The facts a field holds, as typed: separated by commas, spaces or lines.
fn typed_facts(text: &str) -> impl Iterator<Item = &str> {
    text.split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|fact| !fact.is_empty())
}

/// The facts a field holds, as a lesson file writes them.
fn facts_of(text: &str) -> Vec<Value> {
    typed_facts(text).map(|fact| json!(fact)).collect()
}

/// The lesson file the draft describes, on `scenario`, as text. The scenario is written
/// by the lesson file's own writer; everything else as the format documents it.
pub fn file_text(draft: &Draft, scenario: &Scenario) -> String {
    let lang = Lang::from_tag(&draft.lang).unwrap_or_default();
    // The lesson's frame, with the scenario written as lesson files write it.
    let frame = LessonFile {
        lesson: Lesson {
            id: draft.id.trim().to_string(),
            chapter: lesson_file::default_chapter(scenario),
            scenario: scenario.clone(),
            cues: Vec::new(),
            question: Question {
                choices: Vec::new(),
                intended_choice: 0,
            },
            self_checks: Vec::new(),
        },
        texts: Some(LessonTexts {
            lang,
            title: draft.title.trim().to_string(),
            intro: draft.intro.trim().to_string(),
            summary: draft.summary.trim().to_string(),
            question: draft.question.trim().to_string(),
            choices: Vec::new(),
            cues: Vec::new(),
            checks: Vec::new(),
        }),
    };
    let mut file: Value = serde_json::from_str(&lesson_file::write(&frame)).unwrap_or_default();
    file["question"] = json!({
        "text": draft.question.trim(),
        "choices": draft.choices.iter().map(|choice| json!({
            "text": choice.text.trim(),
            "holds_when": facts_of(&choice.facts),
        })).collect::<Vec<_>>(),
        "intended": draft.intended + 1,
    });
    file["cues"] = draft
        .cues
        .iter()
        .map(|cue| json!({ "at": cue.at.to_json(), "text": cue.text.trim() }))
        .collect();
    file["checks"] = draft
        .checks
        .iter()
        .map(|check| {
            let answers: Vec<&str> = check
                .answers
                .iter()
                .map(|answer| answer.trim())
                .filter(|answer| !answer.is_empty())
                .collect();
            json!({
                "question": check.question.trim(),
                "answers": answers,
                "answer": check.answer + 1,
                "why": check.why.trim(),
                "at": Moment::Step(check.step).to_json(),
                "facts": facts_of(&check.facts),
            })
        })
        .collect();
    serde_json::to_string_pretty(&file).unwrap_or_default()
}

/// The draft as a lesson that plays, or why it would not: the reader that opens lesson
/// files and links reads and runs it.
pub fn checked(draft: &Draft, scenario: &Scenario, words: &Words) -> Result<LessonFile, String> {
    lesson_file::read(&file_text(draft, scenario)).map_err(|error| error.describe_in(words))
}

/// The run the lesson would play, from the address bar: its scenario, the step shown,
/// how many commands were given while it played, and its end.
#[derive(Clone, Debug, PartialEq)]
struct RunInAddress {
    scenario: Scenario,
    step: Option<u64>,
    commands: usize,
    /// The summary and last step of the scenario played to its end, or why it does not end.
    end: Result<(Summary, u64), String>,
}

fn run_in_address(link: &str, words: &Words) -> Result<RunInAddress, String> {
    let shared = SharedRun::from_link(link).map_err(|error| error.describe_in(words))?;
    let probe = Lesson {
        id: String::new(),
        chapter: lesson_file::default_chapter(&shared.scenario),
        scenario: shared.scenario.clone(),
        cues: Vec::new(),
        question: Question {
            choices: Vec::new(),
            intended_choice: 0,
        },
        self_checks: Vec::new(),
    };
    let end = probe
        .run_to_end()
        .map(|sim| (sim.summary(), sim.step_index()))
        .map_err(|error| error.describe_in(words));
    Ok(RunInAddress {
        scenario: shared.scenario,
        step: shared.step,
        commands: shared.commands.len(),
        end,
    })
}

/// What typing into a field does to the draft, with the field's value.
type Typed = Rc<dyn Fn(&mut Draft, String)>;

/// What the last action said: the lesson's file and link, or why it was refused.
#[derive(Clone, Debug, PartialEq)]
enum Outcome {
    None,
    Ready { link: String, steps: u64 },
    Copied { link: String },
    Refused(String),
}

/// The value of the input or text area an event comes from.
fn field_value(event: &InputEvent) -> String {
    let target = event.target();
    if let Some(input) = target
        .clone()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
    {
        return input.value();
    }
    target
        .and_then(|t| t.dyn_into::<web_sys::HtmlTextAreaElement>().ok())
        .map(|area| area.value())
        .unwrap_or_default()
}

/// The address of a lesson link on this page.
fn page_address(link: &str) -> String {
    let location = gloo::utils::window().location();
    let base = format!(
        "{}{}",
        location.origin().unwrap_or_default(),
        location.pathname().unwrap_or_default()
    );
    format!("{base}#{link}")
}

#[component]
pub fn LessonEditor() -> Html {
    let words = words_now();
    use_effect_with((), |_| crate::lazy::ensure_stylesheet(STYLESHEET));
    let link = crate::page_link::use_run_in_address();
    let draft = {
        let lang = words.lang();
        use_state(move || Draft::load(lang))
    };
    let outcome = use_state(|| Outcome::None);
    let cue_text = use_state(String::new);
    // The panel reads and plays the run only while it is open, and in a task of its own
    // after the address changes: closed, it costs the simulator nothing.
    let open = use_state(|| false);
    let run = use_state(|| None::<Rc<Result<RunInAddress, String>>>);
    {
        let run = run.clone();
        let words = words.clone();
        use_effect_with(((*link).clone(), *open), move |(link, open)| {
            let link = link.clone();
            let later = open.then(|| {
                gloo::timers::callback::Timeout::new(0, move || {
                    run.set(Some(Rc::new(run_in_address(&link, &words))));
                })
            });
            move || drop(later)
        });
    }
    let ontoggle = {
        let open = open.clone();
        Callback::from(move |event: Event| {
            let now = event
                .target()
                .and_then(|target| js_sys::Reflect::get(&target, &"open".into()).ok()) // not prose
                .and_then(|value| value.as_bool())
                .unwrap_or(false);
            open.set(now);
        })
    };

    // Every change is kept in this browser, and makes the last outcome stale.
    let change = {
        let draft = draft.clone();
        let outcome = outcome.clone();
        Rc::new(move |edit: &dyn Fn(&mut Draft)| {
            let mut next = (*draft).clone();
            edit(&mut next);
            next.save();
            draft.set(next);
            outcome.set(Outcome::None);
        })
    };
    // A field typed into: `apply` puts its value in the draft.
    let typed = |apply: Typed| {
        let change = change.clone();
        Callback::from(move |event: InputEvent| {
            let value = field_value(&event);
            change(&|draft: &mut Draft| apply(draft, value.clone()));
        })
    };
    let text_field = |edit: fn(&mut Draft, String)| typed(Rc::new(edit));
    let edit = |apply: Rc<dyn Fn(&mut Draft)>| {
        let change = change.clone();
        Callback::from(move |_: MouseEvent| change(&*apply))
    };

    let summary = html! { <summary><h2>{ words.get(Key::EditorHeading) }</h2></summary> };
    let run = match run.as_deref() {
        Some(Ok(run)) if *open => run.clone(),
        Some(Err(reason)) if *open => {
            return html! {
                <details class="panel lesson-editor" open=true {ontoggle}>
                    { summary }
                    <p class="notice error" role="alert">{ words.fill(Key::EditorNoRun, &[("error", reason.as_str().into())]) }</p>
                </details>
            }
        }
        _ => {
            return html! {
                <details class="panel lesson-editor" open={*open} {ontoggle}>
                    { summary }
                    if *open { <p class="hint" role="status">{ words.get(Key::EditorReading) }</p> }
                </details>
            }
        }
    };
    let step_now = run
        .step
        .unwrap_or_else(|| run.end.as_ref().map_or(0, |(_, end)| *end));
    let facts_now: Vec<String> = run
        .end
        .as_ref()
        .map(|(summary, _)| {
            Check::holding_at_end(summary)
                .into_iter()
                .map(lesson_file::fact_text)
                .collect()
        })
        .unwrap_or_default();

    let run_line = words.fill(
        Key::EditorRun,
        &[
            ("mode", run.scenario.mode.as_str().into()),
            ("messages", run.scenario.messages.into()),
            ("seed", run.scenario.seed.into()),
            ("faults", run.scenario.faults.len().into()),
            ("step", step_now.into()),
        ],
    );
    let run_end = match &run.end {
        Ok((_, end)) => words.fill(Key::EditorRunEnds, &[("end", (*end).into())]),
        Err(reason) => reason.clone(),
    };

    // The lesson: which language, slug, title, intro.
    let langs = Lang::ALL.iter().map(|lang| {
        html! { <option value={lang.tag()} selected={draft.lang == lang.tag()}>{ lang.name() }</option> }
    });
    let on_lang = {
        let change = change.clone();
        Callback::from(move |event: Event| {
            let value = crate::components::controls::event_value(&event);
            change(&|draft: &mut Draft| draft.lang = value.clone());
        })
    };

    // The question to predict.
    let choices = draft.choices.iter().enumerate().map(|(index, choice)| {
        let choice_field = |edit: fn(&mut DraftChoice, String)| {
            typed(Rc::new(move |draft: &mut Draft, value: String| {
                if let Some(choice) = draft.choices.get_mut(index) {
                    edit(choice, value);
                }
            }))
        };
        let on_text = choice_field(|choice, value| choice.text = value);
        let on_facts = choice_field(|choice, value| choice.facts = value);
        let on_intended = edit(Rc::new(move |draft: &mut Draft| draft.intended = index));
        let remove = edit(Rc::new(move |draft: &mut Draft| {
            if draft.choices.len() > FEWEST_CHOICES {
                draft.choices.remove(index);
                draft.intended = draft.intended.min(draft.choices.len() - 1);
            }
        }));
        // Whether the run, played to its end, makes this answer true: the ledger's say.
        let holds = run.end.as_ref().ok().and_then(|(summary, _)| {
            let facts: Result<Vec<Check>, _> =
                typed_facts(&choice.facts).map(lesson_file::parse_fact).collect();
            facts
                .ok()
                .filter(|facts| !facts.is_empty())
                .map(|facts| facts.iter().all(|fact| fact.holds(summary)))
        });
        let number = index + 1;
        html! {
            <li class="editor-choice">
                <label>{ words.fill(Key::EditorChoice, &[("number", number.into())]) }
                    <input type="text" value={choice.text.clone()} oninput={on_text} />
                </label>
                <label>{ words.get(Key::EditorFacts) }
                    <input type="text" value={choice.facts.clone()} oninput={on_facts} list="editor-facts"
                           spellcheck="false" autocomplete="off" />
                </label>
                <label class="check">
                    <input type="radio" name="editor-intended" checked={draft.intended == index} onclick={on_intended} />
                    { words.get(Key::EditorIntended) }
                </label>
                { match holds {
                    Some(true) => html! { <span class="held yes"><span aria-hidden="true">{ "✓ " }</span>{ words.get(Key::EditorHolds) }</span> },
                    Some(false) => html! { <span class="held no"><span aria-hidden="true">{ "✗ " }</span>{ words.get(Key::EditorDoesNotHold) }</span> },
                    None => html! {},
                } }
                if draft.choices.len() > FEWEST_CHOICES {
                    <button type="button" onclick={remove}>{ words.fill(Key::EditorRemoveChoice, &[("number", number.into())]) }</button>
                }
            </li>
        }
    });
    let add_choice = edit(Rc::new(|draft: &mut Draft| {
        if draft.choices.len() < MOST_CHOICES {
            draft.choices.push(DraftChoice::default());
        }
    }));

    // The cues.
    let cues = draft.cues.iter().enumerate().map(|(index, cue)| {
        let when = match cue.at {
            Moment::Start => words.get(Key::EditorAtStart).to_string(),
            Moment::End => words.get(Key::EditorAtEnd).to_string(),
            Moment::Step(step) => words.fill(Key::EditorAtStep, &[("step", step.into())]),
        };
        let on_text = typed(Rc::new(move |draft: &mut Draft, value: String| {
            if let Some(cue) = draft.cues.get_mut(index) {
                cue.text = value;
            }
        }));
        let remove = edit(Rc::new(move |draft: &mut Draft| {
            if index < draft.cues.len() {
                draft.cues.remove(index);
            }
        }));
        html! {
            <li class="editor-cue">
                <span class="cue-when">{ when.clone() }</span>
                <input type="text" value={cue.text.clone()} oninput={on_text}
                       aria-label={words.fill(Key::EditorCueText, &[("when", when.into())])} />
                <button type="button" onclick={remove}>{ words.get(Key::EditorRemove) }</button>
            </li>
        }
    });
    let add_cue = |at: Moment| {
        let change = change.clone();
        let cue_text = cue_text.clone();
        Callback::from(move |_: MouseEvent| {
            let text = (*cue_text).clone();
            change(&|draft: &mut Draft| {
                // A cue at the start goes first, one at the end last, one at a step among
                // the steps: the lesson lists its cues in the order the run reaches them.
                let place = draft
                    .cues
                    .iter()
                    .position(|cue| order(cue.at) > order(at))
                    .unwrap_or(draft.cues.len());
                draft.cues.insert(
                    place,
                    DraftCue {
                        at,
                        text: text.clone(),
                    },
                );
            });
            cue_text.set(String::new());
        })
    };
    let on_cue_text = {
        let cue_text = cue_text.clone();
        Callback::from(move |event: InputEvent| cue_text.set(field_value(&event)))
    };

    // The questions at the end.
    let checks = draft.checks.iter().enumerate().map(|(index, check)| {
        let number = index + 1;
        let field = |edit: fn(&mut DraftCheck, String)| {
            typed(Rc::new(move |draft: &mut Draft, value: String| {
                if let Some(check) = draft.checks.get_mut(index) {
                    edit(check, value);
                }
            }))
        };
        let answers = (0..MOST_CHOICES).map(|answer| {
            let on_answer = typed(Rc::new(move |draft: &mut Draft, value: String| {
                if let Some(slot) = draft
                    .checks
                    .get_mut(index)
                    .and_then(|check| check.answers.get_mut(answer))
                {
                    *slot = value;
                }
            }));
            let on_right = edit(Rc::new(move |draft: &mut Draft| {
                if let Some(check) = draft.checks.get_mut(index) {
                    check.answer = answer;
                }
            }));
            html! {
                <li>
                    <input type="text" value={check.answers.get(answer).cloned().unwrap_or_default()} oninput={on_answer}
                           aria-label={words.fill(Key::EditorAnswer, &[("number", (answer + 1).into())])} />
                    <label class="check">
                        <input type="radio" name={format!("editor-check-{number}")} checked={check.answer == answer} onclick={on_right} />
                        { words.get(Key::EditorRight) }
                    </label>
                </li>
            }
        });
        let move_here = edit(Rc::new(move |draft: &mut Draft| {
            if let Some(check) = draft.checks.get_mut(index) {
                check.step = step_now;
            }
        }));
        let remove = edit(Rc::new(move |draft: &mut Draft| {
            if index < draft.checks.len() {
                draft.checks.remove(index);
            }
        }));
        html! {
            <li class="editor-check">
                <label>{ words.fill(Key::EditorCheckQuestion, &[("number", number.into())]) }
                    <input type="text" value={check.question.clone()} oninput={field(|check, value| check.question = value)} />
                </label>
                <ol class="editor-answers">{ for answers }</ol>
                <label>{ words.get(Key::EditorWhy) }
                    <textarea rows="2" value={check.why.clone()} oninput={field(|check, value| check.why = value)} />
                </label>
                <label>{ words.get(Key::EditorFacts) }
                    <input type="text" value={check.facts.clone()} oninput={field(|check, value| check.facts = value)} list="editor-facts"
                           spellcheck="false" autocomplete="off" />
                </label>
                <p class="editor-shown-at">
                    { words.fill(Key::EditorShownAt, &[("step", check.step.into())]) }
                    { " " }
                    <button type="button" onclick={move_here}>{ words.fill(Key::EditorShownHere, &[("step", step_now.into())]) }</button>
                    { " " }
                    <button type="button" onclick={remove}>{ words.fill(Key::EditorRemoveCheck, &[("number", number.into())]) }</button>
                </p>
            </li>
        }
    });
    let add_check = edit(Rc::new(move |draft: &mut Draft| {
        if draft.checks.len() < MOST_CHECKS {
            draft.checks.push(DraftCheck {
                question: String::new(),
                answers: vec![String::new(); MOST_CHOICES],
                answer: 0,
                why: String::new(),
                step: step_now.max(1),
                facts: String::new(),
            });
        }
    }));

    // Saving: each action reads the lesson back as a learner's page would.
    let act = |what: &'static str| {
        let draft = draft.clone();
        let outcome = outcome.clone();
        let scenario = run.scenario.clone();
        Callback::from(move |_: MouseEvent| {
            let words = words_now();
            let file = match checked(&draft, &scenario, &words) {
                Ok(file) => file,
                Err(reason) => return outcome.set(Outcome::Refused(reason)),
            };
            let link = lesson_file::to_link(&file);
            let steps = file.lesson.run_to_end().map_or(0, |sim| sim.step_index());
            match what {
                "file" => {
                    let name = format!("{}.json", file.lesson.id);
                    match download(&words, &name, &lesson_file::write(&file)) {
                        Ok(()) => outcome.set(Outcome::Ready { link, steps }),
                        Err(reason) => outcome.set(Outcome::Refused(reason)),
                    }
                }
                "copy" => {
                    let address = page_address(&link);
                    let clipboard = gloo::utils::window().navigator().clipboard();
                    // The link is also shown, to copy by hand where the clipboard is closed.
                    let _ = clipboard.write_text(&address);
                    outcome.set(Outcome::Copied { link });
                }
                _ => {
                    let _ = gloo::utils::window().location().set_hash(&link);
                    outcome.set(Outcome::Ready { link, steps });
                }
            }
        })
    };

    let outcome_view = match &*outcome {
        Outcome::None => html! {},
        Outcome::Refused(reason) => html! {
            <p class="notice error" role="alert">{ words.fill(Key::EditorRefused, &[("reason", reason.as_str().into())]) }</p>
        },
        Outcome::Ready { link, steps } => html! {
            <div class="notice info" role="status">
                <p>{ words.fill(Key::EditorReady, &[("steps", (*steps).into())]) }</p>
                <label>{ words.get(Key::EditorLink) }
                    <input type="text" readonly=true value={page_address(link)} data-lesson-link="" />
                </label>
            </div>
        },
        Outcome::Copied { link } => html! {
            <div class="notice info" role="status">
                <p>{ words.get(Key::EditorCopied) }</p>
                <label>{ words.get(Key::EditorLink) }
                    <input type="text" readonly=true value={page_address(link)} data-lesson-link="" />
                </label>
            </div>
        },
    };

    html! {
        <details class="panel lesson-editor" open=true {ontoggle}>
            { summary }
            <p class="hint">{ words.get(Key::EditorIntro) }</p>
            <p class="editor-run">{ run_line }{ " " }{ run_end }</p>
            if run.commands > 0 {
                <p class="notice info" role="note">{ words.fill(Key::EditorCommands, &[("count", run.commands.into())]) }</p>
            }
            <datalist id="editor-facts">
                { for facts_now.iter().map(|fact| html! { <option value={fact.clone()} /> }) }
            </datalist>
            <fieldset>
                <legend>{ words.get(Key::EditorAbout) }</legend>
                <label>{ words.get(Key::EditorLang) }
                    <select onchange={on_lang}>{ for langs }</select>
                </label>
                <label>{ words.get(Key::EditorSlug) }
                    <input type="text" value={draft.id.clone()} oninput={text_field(|draft, value| draft.id = value)}
                           spellcheck="false" autocomplete="off" data-editor="slug" />
                </label>
                <label class="wide">{ words.get(Key::EditorTitle) }
                    <input type="text" value={draft.title.clone()} oninput={text_field(|draft, value| draft.title = value)} data-editor="title" />
                </label>
                <label class="wide">{ words.get(Key::EditorIntroField) }
                    <textarea rows="3" value={draft.intro.clone()} oninput={text_field(|draft, value| draft.intro = value)} data-editor="intro" />
                </label>
            </fieldset>
            <fieldset>
                <legend>{ words.get(Key::EditorPredict) }</legend>
                <label class="wide">{ words.get(Key::EditorQuestion) }
                    <input type="text" value={draft.question.clone()} oninput={text_field(|draft, value| draft.question = value)} data-editor="question" />
                </label>
                <p class="hint">{ words.fill(Key::EditorFactsNow, &[("facts", facts_now.join(", ").into())]) }</p>
                <ol class="editor-choices">{ for choices }</ol>
                if draft.choices.len() < MOST_CHOICES {
                    <button type="button" onclick={add_choice}>{ words.get(Key::EditorAddChoice) }</button>
                }
            </fieldset>
            <fieldset>
                <legend>{ words.get(Key::EditorCues) }</legend>
                <ol class="editor-cues">{ for cues }</ol>
                <label class="wide">{ words.get(Key::EditorNewCue) }
                    <input type="text" value={(*cue_text).clone()} oninput={on_cue_text} data-editor="cue" />
                </label>
                <div class="editor-buttons">
                    <button type="button" onclick={add_cue(Moment::Step(step_now))} data-add-cue="step">{ words.fill(Key::EditorAddAtStep, &[("step", step_now.into())]) }</button>
                    <button type="button" onclick={add_cue(Moment::Start)}>{ words.get(Key::EditorAddAtStart) }</button>
                    <button type="button" onclick={add_cue(Moment::End)}>{ words.get(Key::EditorAddAtEnd) }</button>
                </div>
            </fieldset>
            <fieldset>
                <legend>{ words.get(Key::EditorChecks) }</legend>
                <ol class="editor-checks">{ for checks }</ol>
                if draft.checks.len() < MOST_CHECKS {
                    <button type="button" onclick={add_check}>{ words.fill(Key::EditorAddCheck, &[("step", step_now.max(1).into())]) }</button>
                }
            </fieldset>
            <fieldset>
                <legend>{ words.get(Key::EditorSummaryLegend) }</legend>
                <label class="wide">{ words.get(Key::EditorSummary) }
                    <textarea rows="3" value={draft.summary.clone()} oninput={text_field(|draft, value| draft.summary = value)} data-editor="summary" />
                </label>
            </fieldset>
            <div class="editor-buttons" role="group" aria-label={words.get(Key::EditorSave)}>
                <button type="button" class="primary" onclick={act("play")} data-editor-action="play">{ words.get(Key::EditorPlay) }</button>
                <button type="button" onclick={act("file")} data-editor-action="file">{ words.get(Key::EditorExportFile) }</button>
                <button type="button" onclick={act("copy")} data-editor-action="copy">{ words.get(Key::EditorCopyLink) }</button>
            </div>
            <div aria-live="polite">{ outcome_view }</div>
        </details>
    }
}

/// Where a moment falls in a run, for keeping cues in the order they are reached.
fn order(at: Moment) -> (u8, u64) {
    match at {
        Moment::Start => (0, 0),
        Moment::Step(step) => (1, step),
        Moment::End => (2, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> Draft {
        Draft {
            lang: "en".into(),
            id: "my-lost-ack".into(),
            title: "What does a lost ack do?".into(),
            intro: "Three messages, at least once.".into(),
            question: "How does the run end?".into(),
            choices: vec![
                DraftChoice {
                    text: "A message is lost".into(),
                    facts: "lost>=1".into(),
                },
                DraftChoice {
                    text: "Nothing is lost".into(),
                    facts: "none_lost".into(),
                },
            ],
            intended: 1,
            cues: vec![
                DraftCue {
                    at: Moment::Start,
                    text: "Watch the acks.".into(),
                },
                DraftCue {
                    at: Moment::Step(3),
                    text: "Three steps in.".into(),
                },
                DraftCue {
                    at: Moment::End,
                    text: "The end.".into(),
                },
            ],
            checks: vec![DraftCheck {
                question: "Was anything lost?".into(),
                answers: vec!["Yes".into(), "No".into(), String::new(), String::new()],
                answer: 1,
                why: "The ledger counts none lost.".into(),
                step: 2,
                facts: "none_lost".into(),
            }],
            summary: "Nothing was lost.".into(),
        }
    }

    fn scenario() -> Scenario {
        Scenario {
            mode: mqlab_sim::Mode::AtLeastOnce,
            messages: 3,
            ..Scenario::default()
        }
    }

    #[test]
    fn a_draft_becomes_a_lesson_that_plays_with_its_own_words() {
        let words = &Words::english();
        let file = checked(&draft(), &scenario(), words).expect("a lesson");
        assert_eq!(file.lesson.id, "my-lost-ack");
        assert_eq!(file.lesson.scenario, scenario());
        assert_eq!(file.lesson.cues.len(), 3);
        assert_eq!(file.lesson.question.intended_choice, 1);
        assert_eq!(file.lesson.self_checks[0].choices, 2);
        let texts = file.texts.as_ref().expect("its own texts");
        assert_eq!(texts.checks[0].answers, vec!["Yes", "No"]);
        // The run the lesson plays makes the intended answer true, as the ledger says.
        let summary = file.lesson.run_to_end().expect("it ends").summary();
        assert_eq!(file.lesson.question.outcome(&summary), vec![false, true]);
        // Its link opens the same lesson.
        let link = lesson_file::to_link(&file);
        assert_eq!(lesson_file::read_link(&link), Ok(file));
    }

    #[test]
    fn a_draft_that_would_not_play_is_refused_with_the_readers_reason() {
        let words = &Words::english();
        let mut wrong_fact = draft();
        wrong_fact.choices[0].facts = "lostt>=1".into();
        let reason = checked(&wrong_fact, &scenario(), words).expect_err("an unknown fact");
        assert!(reason.contains("lostt>=1"), "{reason}");
        let mut untrue = draft();
        untrue.checks[0].facts = "lost>=1".into();
        assert!(checked(&untrue, &scenario(), words).is_err());
        let mut no_title = draft();
        no_title.title = String::new();
        assert!(checked(&no_title, &scenario(), words).is_err());
        let mut never = draft();
        never.cues[1].at = Moment::Step(100_000);
        assert!(checked(&never, &scenario(), words).is_err());
    }

    #[test]
    fn cues_are_kept_in_the_order_the_run_reaches_them() {
        let mut moments = vec![Moment::End, Moment::Step(9), Moment::Start, Moment::Step(2)];
        moments.sort_by_key(|at| order(*at));
        assert_eq!(
            moments,
            vec![Moment::Start, Moment::Step(2), Moment::Step(9), Moment::End]
        );
    }
}
