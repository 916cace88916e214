//! The questions at the end of a lesson ("Check yourself"): a few multiple-choice
//! questions on what the run showed. The first answer to each counts: the question then
//! says whether the answer was
//! right, explains it, and offers to show the step of the run where it happens. The
//! lessons of the Lessons view and of the Transactions view both end with it.

use std::rc::Rc;

use mqlab_text::lessons_view::Key;
use yew::prelude::*;

use crate::words::current as words_now;

/// The panel's stylesheet, fetched when it is first shown.
pub const STYLESHEET: &str = "parts/self-check.css";

/// One question, in the page's language, with the step of the run that shows its answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Asked {
    pub question: String,
    pub answers: Vec<String>,
    /// The right answer (an index into `answers`).
    pub right: usize,
    /// Why the right answer is right.
    pub why: String,
    /// Where the run shows it: the step to go to, and the step number to show.
    pub step: Option<u64>,
}

#[derive(Properties, PartialEq)]
pub struct SelfCheckProps {
    /// Names the lesson, for the inputs' names and the elements' ids.
    pub id: AttrValue,
    pub asked: Rc<Vec<Asked>>,
    /// Told of each answer: the question and whether it was right.
    pub on_answer: Callback<(usize, bool)>,
    /// Goes to a step of the lesson's run.
    pub on_show_step: Callback<u64>,
}

/// The "Check yourself" panel. Its answers last while the lesson stays open.
#[component]
pub fn SelfCheck(props: &SelfCheckProps) -> Html {
    let words = words_now();
    use_effect_with((), |_| crate::lazy::ensure_stylesheet(STYLESHEET));
    let picked = {
        let count = props.asked.len();
        use_state(move || vec![None::<usize>; count])
    };
    {
        // Another lesson, other questions: nothing answered yet.
        let picked = picked.clone();
        use_effect_with((props.id.clone(), props.asked.len()), move |(_, count)| {
            picked.set(vec![None; *count]);
        });
    }
    let total = props.asked.len();
    let right_count = props
        .asked
        .iter()
        .zip(picked.iter())
        .filter(|(asked, pick)| **pick == Some(asked.right))
        .count();
    let answered = picked.iter().flatten().count();
    let questions = props.asked.iter().enumerate().map(|(number, asked)| {
        let pick = picked.get(number).copied().flatten();
        let name = format!("{}-check-{}", props.id, number + 1);
        let answers = asked.answers.iter().enumerate().map(|(index, answer)| {
            let onchange = {
                let picked = picked.clone();
                let on_answer = props.on_answer.clone();
                let right = index == asked.right;
                Callback::from(move |_: Event| {
                    let mut next = (*picked).clone();
                    if let Some(slot) = next.get_mut(number) {
                        *slot = Some(index);
                    }
                    picked.set(next);
                    on_answer.emit((number, right));
                })
            };
            let marked = pick.map(|pick| (index == asked.right, index == pick));
            html! {
                <label class={classes!("check-answer", (pick == Some(index)).then_some("picked"),
                                       marked.and_then(|(right, _)| right.then_some("right-answer")))}>
                    <input type="radio" name={name.clone()} value={index.to_string()}
                           checked={pick == Some(index)} disabled={pick.is_some()} {onchange} />
                    <span>{ answer.clone() }</span>
                </label>
            }
        });
        let feedback = pick.map(|pick| {
            let right = pick == asked.right;
            let verdict = if right {
                html! { <p class="check-verdict right"><span aria-hidden="true">{ "✓ " }</span>{ words.get(Key::CheckRight) }</p> }
            } else {
                let answer = asked.answers.get(asked.right).cloned().unwrap_or_default();
                html! { <p class="check-verdict wrong"><span aria-hidden="true">{ "✗ " }</span>{ words.fill(Key::CheckWrong, &[("answer", answer.into())]) }</p> }
            };
            let show = asked.step.map(|step| {
                let onclick = {
                    let on_show_step = props.on_show_step.clone();
                    Callback::from(move |_: MouseEvent| on_show_step.emit(step))
                };
                html! {
                    <button class="check-step" {onclick} title={words.fill(Key::CheckShowStepTitle, &[("step", step.into())])}>
                        { words.fill(Key::CheckShowStep, &[("step", step.into())]) }
                    </button>
                }
            });
            html! {
                <div class="check-feedback">
                    { verdict }
                    <p class="check-why">{ asked.why.clone() }</p>
                    { for show }
                </div>
            }
        });
        html! {
            <li>
                <fieldset>
                    <legend>{ asked.question.clone() }</legend>
                    { for answers }
                </fieldset>
                <div aria-live="polite">{ for feedback }</div>
            </li>
        }
    });
    let heading = format!("{}-check-heading", props.id);
    html! {
        <section class="panel self-check" aria-labelledby={heading.clone()}>
            <h3 id={heading}>{ words.get(Key::CheckHeading) }</h3>
            <p class="hint">{ words.get(Key::CheckIntro) }</p>
            <ol class="check-questions">{ for questions }</ol>
            if answered == total && total > 0 {
                <p class="check-score" role="status">{ words.fill(Key::CheckScore, &[("right", right_count.into()), ("total", total.into())]) }</p>
            }
        </section>
    }
}
