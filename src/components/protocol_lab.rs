//! The protocol lab: the bare 2PC protocol (the TwoPhase specification) explored
//! exhaustively in the page. The search runs in small slices between frames, with a
//! progress bar and a Cancel button, so the page never freezes; then every state can be
//! browsed, with a shortest path to it from the initial state.

use std::cell::RefCell;
use std::rc::Rc;

use gloo::timers::callback::Interval;
use mqlab_sim::explore::{
    Action, ExploreConfig, ExploreError, Explorer, Message, RmState, StateId, Status, TmState,
    TwoPhaseState,
};
use mqlab_text::analysis::Key;
use mqlab_text::Words;
use yew::prelude::*;

use crate::components::controls::event_value;
use crate::words::current as words_now;

/// The page offers 1 to 7 resource managers (N = 7 has 296,448 states).
pub const LAB_MAX_RMS: u32 = 7;
/// States explored per slice; one slice takes a few milliseconds.
const SLICE_STATES: u32 = 20_000;

/// Where the lab stands.
#[derive(Clone, Debug, PartialEq)]
enum LabRun {
    Idle,
    Running {
        explored: u32,
        discovered: u32,
        depth: u32,
    },
    Finished {
        elapsed_ms: u32,
    },
    Cancelled,
}

/// What the lab has to say is wrong, kept as what happened rather than as a sentence,
/// so that it reads in the language chosen when it is shown.
#[derive(Clone, Debug, PartialEq)]
enum LabError {
    /// The explorer refused the configuration.
    Config(ExploreError),
    /// N is not a whole number from 1 to `LAB_MAX_RMS` (the text typed).
    Rms(String),
    /// No state has that number: they go from 0 to this one.
    State(u32),
}

impl LabError {
    fn text(&self, words: &Words) -> String {
        match self {
            LabError::Config(problem) => words.fill(
                Key::LabErrorConfig,
                &[("problem", problem.describe_in(words).into())],
            ),
            LabError::Rms(text) => words.fill(
                Key::LabErrorRms,
                &[("max", LAB_MAX_RMS.into()), ("text", text.into())],
            ),
            LabError::State(last) => words.fill(Key::LabErrorState, &[("last", (*last).into())]),
        }
    }
}

/// An RM's icon, class and word.
fn rm_word(state: RmState) -> (&'static str, &'static str, Key) {
    match state {
        RmState::Working => ("○", "working", Key::LabRmWorking),
        RmState::Prepared => ("◐", "prepared", Key::LabRmPrepared),
        RmState::Committed => ("✔", "committed", Key::LabRmCommitted),
        RmState::Aborted => ("✖", "aborted", Key::LabRmAborted),
    }
}

fn tm_word(state: TmState) -> Key {
    match state {
        TmState::Init => Key::LabTmInit,
        TmState::Committed => Key::LabTmCommitted,
        TmState::Aborted => Key::LabTmAborted,
    }
}

fn message_word(message: &Message) -> String {
    match message {
        Message::Prepared(r) => format!("Prepared({r})"),
        Message::Commit => "Commit".into(),
        Message::Abort => "Abort".into(),
    }
}

/// One state, as a compact readable card.
fn state_card(state: &TwoPhaseState, words: &Words) -> Html {
    let rms = state.rm_states.iter().enumerate().map(|(r, s)| {
        let (icon, class, word) = rm_word(*s);
        html! { <li class={classes!("rm", class)}><span class="rm-name">{ format!("RM {r}") }</span><span aria-hidden="true">{ icon }</span>{ format!(" {}", words.get(word)) }</li> }
    });
    let prepared: Vec<String> = state.tm_prepared.iter().map(|r| r.to_string()).collect();
    let msgs: Vec<String> = state.msgs.iter().map(message_word).collect();
    html! {
        <div class={classes!("state-card", (!state.is_consistent()).then_some("inconsistent"))}>
            <ul class="rms">{ for rms }</ul>
            <p><strong>{ format!("{} ", words.get(Key::LabCardTm)) }</strong>{ words.get(tm_word(state.tm_state)) }
               { format!(" · {} ", words.get(Key::LabCardKnowsPrepared)) }{ if prepared.is_empty() { "{}".to_string() } else { format!("{{{}}}", prepared.join(", ")) } }</p>
            <p><strong>{ format!("{} ", words.get(Key::LabCardMessages)) }</strong>{ if msgs.is_empty() { words.get(Key::LabCardNoMessages).to_string() } else { msgs.join(", ") } }</p>
            if state.is_consistent() {
                <p class="status ok">{ words.get(Key::LabCardConsistent) }</p>
            } else {
                <p class="status bad">{ words.get(Key::LabCardInconsistent) }</p>
            }
        </div>
    }
}

#[component]
pub fn ProtocolLab() -> Html {
    let words = words_now();
    // The address can name N, the variant and a state (`rms=4;state=17`): the lab then
    // explores at once and opens that state, so a reload shows the same thing.
    let from_address = use_memo((), |_| crate::page_link::current());
    let rm_count = use_state(|| {
        from_address
            .rms
            .filter(|n| (1..=LAB_MAX_RMS).contains(n))
            .unwrap_or(3)
    });
    let broken = use_state(|| from_address.broken.unwrap_or(false));
    let run = use_state(|| LabRun::Idle);
    let explorer: Rc<RefCell<Option<Explorer>>> = use_mut_ref(|| None);
    let timer: Rc<RefCell<Option<Interval>>> = use_mut_ref(|| None);
    let selected = use_state(|| from_address.state.unwrap_or(0));
    let error = use_state(|| None::<LabError>);
    // The text of a refused N, kept in the box for the user to fix; nothing can be
    // explored until a valid N replaces it.
    let rms_refused = use_state(|| None::<String>);

    let start = {
        let (rm_count, broken, run, explorer, timer, selected, error) = (
            *rm_count,
            *broken,
            run.clone(),
            explorer.clone(),
            timer.clone(),
            selected.clone(),
            error.clone(),
        );
        Callback::from(move |keep_selected: bool| {
            let config = ExploreConfig {
                broken,
                symmetry: true,
                ..ExploreConfig::new(rm_count)
            };
            match Explorer::new(config) {
                Ok(fresh) => {
                    *explorer.borrow_mut() = Some(fresh);
                    error.set(None);
                    if !keep_selected {
                        selected.set(0);
                    }
                    run.set(LabRun::Running {
                        explored: 0,
                        discovered: 1,
                        depth: 0,
                    });
                    let started = js_sys::Date::now();
                    *timer.borrow_mut() = Some(slice_timer(explorer.clone(), run.clone(), started));
                }
                Err(problem) => error.set(Some(LabError::Config(problem))),
            }
        })
    };
    let cancel = {
        let (run, timer) = (run.clone(), timer.clone());
        Callback::from(move |_: MouseEvent| {
            timer.borrow_mut().take();
            run.set(LabRun::Cancelled);
        })
    };
    // The timer lives only while the search runs: it is dropped (never from inside its own
    // callback) once the search ends or is cancelled, and when the view goes away. The
    // first effect has no cleanup, so moving from one progress report to the next never
    // drops a running search.
    {
        let timer = timer.clone();
        use_effect_with((*run).clone(), move |run| {
            if !matches!(run, LabRun::Running { .. }) {
                drop(timer.borrow_mut().take());
            }
        });
    }
    {
        let timer = timer.clone();
        use_effect_with((), move |_| move || drop(timer.borrow_mut().take()));
    }
    // A link that names N explores at once, keeping the state it names.
    {
        let start = start.clone();
        let wanted = from_address.rms.is_some();
        use_effect_with((), move |_| {
            if wanted {
                start.emit(true);
            }
        });
    }
    // The address follows N, the variant and the state shown.
    {
        // A state is named while there is a search (running or done) to show it from.
        let has_results = explorer.borrow().is_some();
        use_effect_with(
            (*rm_count, *broken, *selected, has_results),
            move |&(rms, broken, selected, has_results)| {
                crate::page_link::update(|part| {
                    part.rms = Some(rms);
                    part.broken = Some(broken);
                    part.state = has_results.then_some(selected);
                });
            },
        );
    }
    let on_rms = {
        let (rm_count, error, explorer, run, timer, rms_refused) = (
            rm_count.clone(),
            error.clone(),
            explorer.clone(),
            run.clone(),
            timer.clone(),
            rms_refused.clone(),
        );
        Callback::from(move |event: Event| {
            let text = event_value(&event);
            match text.trim().parse::<u32>() {
                Ok(n) if (1..=LAB_MAX_RMS).contains(&n) => {
                    if n != *rm_count {
                        // Results belong to one N: a new N clears them.
                        *explorer.borrow_mut() = None;
                        run.set(LabRun::Idle);
                    }
                    rm_count.set(n);
                    rms_refused.set(None);
                    error.set(None);
                }
                _ => {
                    rms_refused.set(Some(text.chars().take(20).collect()));
                    // A refused N clears the old results too, so that no figure on the
                    // page belongs to an N other than the one in the box.
                    timer.borrow_mut().take();
                    *explorer.borrow_mut() = None;
                    run.set(LabRun::Idle);
                    error.set(Some(LabError::Rms(
                        text.trim().chars().take(20).collect::<String>(),
                    )));
                }
            }
        })
    };
    let on_broken = {
        let broken = broken.clone();
        Callback::from(move |event: Event| {
            use wasm_bindgen::JsCast;
            if let Some(input) = event
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            {
                broken.set(input.checked());
            }
        })
    };
    let running = matches!(*run, LabRun::Running { .. });

    let guard = explorer.borrow();
    let results = guard.as_ref().filter(|_| !running).map(|explorer| {
        let result = explorer.result();
        let count = explorer.state_count();
        let current = StateId((*selected).min(count.saturating_sub(1)));
        let go = |id: StateId| {
            let selected = selected.clone();
            Callback::from(move |_: MouseEvent| selected.set(id.0))
        };
        let on_pick = {
            let selected = selected.clone();
            let error = error.clone();
            Callback::from(move |event: Event| match event_value(&event).trim().parse::<u32>() {
                Ok(id) if id < count => selected.set(id),
                _ => error.set(Some(LabError::State(count.saturating_sub(1)))),
            })
        };
        let path = explorer.path_to(current);
        let successors = explorer.successors(current).unwrap_or_default();
        let elapsed = match *run {
            LabRun::Finished { elapsed_ms } => words.fill(Key::LabElapsed, &[("ms", elapsed_ms.into())]),
            _ => "—".into(),
        };
        let status = words.get(match result.status {
            Status::Complete => Key::LabStatusComplete,
            Status::StateLimitReached => Key::LabStatusLimit,
            Status::Running => Key::LabStatusCancelled,
        });
        let counterexample = result.first_violation.map(|id| html! {
            <div class="notice error" role="alert">
                <p>{ words.fill(Key::LabCounterexample, &[
                    ("violations", result.violations.into()),
                    ("steps", explorer.depth(id).unwrap_or(0).into()),
                ]) }</p>
                <button onclick={go(id)}>{ words.get(Key::LabCounterexampleShow) }</button>
            </div>
        });
        let path_steps = path.map(|path| {
            let mut ids = Vec::new();
            // Walk the path's states back to ids so each step can be opened.
            for step in &path.steps {
                ids.push(explorer.state_id(&step.state));
            }
            html! {
                <ol class="path" start="0">
                    <li><button class="small" onclick={go(StateId(0))}>{ words.get(Key::LabInitialState) }</button></li>
                    { for path.steps.iter().zip(ids).map(|(step, id)| html! {
                        <li>
                            if let Some(id) = id {
                                <button class="small" onclick={go(id)} title={step.action.to_string()}>{ step.action.label_in(&words) }</button>
                            } else {
                                { step.action.label_in(&words) }
                            }
                        </li>
                    }) }
                </ol>
            }
        });
        let edges = successors.iter().map(|edge| html! {
            <li>
                if let Some(to) = edge.to {
                    <button class="small" onclick={go(to)}>{ format!("{} → #{}", action_text(&edge.action, &words), to.0) }</button>
                } else {
                    { action_text(&edge.action, &words) }
                }
            </li>
        });
        html! {
            <>
                <section class="panel" aria-label={words.get(Key::LabResults)}>
                    <h2>{ words.get(Key::LabResults) }</h2>
                    <dl class="figures">
                        <div><dt>{ words.get(Key::LabDistinctStates) }</dt><dd data-figure="distinct-states">{ result.distinct_states }</dd></div>
                        <div><dt>{ words.get(Key::LabUpToRenaming) }</dt><dd>{ result.symmetric_states.map(|s| s.to_string()).unwrap_or_default() }</dd></div>
                        <div><dt>{ words.get(Key::LabTransitions) }</dt><dd>{ result.transitions }</dd></div>
                        <div><dt>{ words.get(Key::LabDepth) }</dt><dd data-figure="depth">{ result.max_depth }</dd></div>
                        <div><dt>{ words.get(Key::LabInvariant) }</dt><dd data-figure="invariant">{
                            if result.violations == 0 { words.get(Key::LabInvariantHolds).to_string() } else { words.fill(Key::LabInvariantViolated, &[("violations", result.violations.into())]) }
                        }</dd></div>
                        <div><dt>{ words.get(Key::LabSearch) }</dt><dd>{ words.fill(Key::LabSearchValue, &[("status", status.into()), ("elapsed", elapsed.into())]) }</dd></div>
                    </dl>
                    { for counterexample }
                </section>
                <section class="panel browser" aria-label={words.get(Key::LabBrowser)}>
                    <div class="panel-header">
                        <h2>{ words.fill(Key::LabState, &[("id", current.0.into()), ("depth", explorer.depth(current).unwrap_or(0).into())]) }</h2>
                        <div class="row">
                            <button class="small" disabled={current.0 == 0} onclick={go(StateId(current.0.saturating_sub(1)))}>{ words.get(Key::LabPrevious) }</button>
                            <label for="state-id">{ words.get(Key::LabGoTo) }</label>
                            <input id="state-id" type="number" min="0" max={count.saturating_sub(1).to_string()} value={current.0.to_string()} onchange={on_pick} />
                            <button class="small" disabled={current.0 + 1 >= count} onclick={go(StateId(current.0 + 1))}>{ words.get(Key::LabNext) }</button>
                        </div>
                    </div>
                    <div class="browser-grid">
                        <div>
                            <h3>{ words.get(Key::LabTheState) }</h3>
                            { for explorer.state(current).map(|s| state_card(&s, &words)) }
                        </div>
                        <div>
                            <h3>{ words.get(Key::LabPath) }</h3>
                            { for path_steps }
                        </div>
                        <div>
                            <h3>{ words.get(Key::LabSuccessors) }</h3>
                            if successors.is_empty() {
                                <p class="hint">{ words.get(Key::LabFinal) }</p>
                            }
                            <ul class="edges">{ for edges }</ul>
                        </div>
                    </div>
                </section>
            </>
        }
    });

    let progress = match &*run {
        LabRun::Running {
            explored,
            discovered,
            depth,
        } => html! {
            <div class="progress" role="status">
                <progress max={discovered.to_string()} value={explored.to_string()}></progress>
                { words.fill(Key::LabProgress, &[("explored", (*explored).into()), ("discovered", (*discovered).into()), ("depth", (*depth).into())]) }
            </div>
        },
        LabRun::Cancelled => {
            html! { <p class="hint" role="status">{ words.get(Key::LabCancelled) }</p> }
        }
        _ => html! {},
    };

    html! {
        <div class="protocol-lab">
            <p class="intro">
                { words.get(Key::LabIntro) }
            </p>
            if let Some(problem) = &*error {
                <div class="notice error" role="alert"><p>{ problem.text(&words) }</p></div>
            }
            <section class="panel" aria-label={words.get(Key::LabSettings)}>
                <div class="row">
                    <label for="rm-count">{ words.get(Key::LabRms) }</label>
                    <input id="rm-count" type="number" min="1" max={LAB_MAX_RMS.to_string()} value={(*rms_refused).clone().unwrap_or_else(|| rm_count.to_string())} onchange={on_rms} disabled={running} />
                    <label class="check"><input type="checkbox" checked={*broken} onchange={on_broken} disabled={running} />
                        { words.get(Key::LabBreak) }</label>
                    if running {
                        <button onclick={cancel}>{ words.get(Key::CommonCancel) }</button>
                    } else {
                        <button class="primary" onclick={start.reform(|_: MouseEvent| false)} disabled={rms_refused.is_some()}>{ words.get(Key::LabExplore) }</button>
                    }
                </div>
                { progress }
            </section>
            { for results }
        </div>
    }
}

/// An action for learners, with its name in the specification: "RM 0 prepares and sends
/// Prepared (RmPrepare(0))".
fn action_text(action: &Action, words: &Words) -> String {
    words.fill(
        Key::LabAction,
        &[
            ("label", action.label_in(words).into()),
            ("name", action.to_string().into()),
        ],
    )
}

/// A timer that runs one slice of the search per tick, yielding to the browser between
/// slices, and reports progress; the view drops it when the search ends.
fn slice_timer(
    explorer: Rc<RefCell<Option<Explorer>>>,
    run: UseStateHandle<LabRun>,
    started_ms: f64,
) -> Interval {
    Interval::new(1, move || {
        let progress = match explorer.borrow_mut().as_mut() {
            Some(explorer) => explorer.run_slice(SLICE_STATES),
            None => return,
        };
        if progress.done {
            let elapsed_ms = (js_sys::Date::now() - started_ms).max(0.0) as u32;
            run.set(LabRun::Finished { elapsed_ms });
        } else {
            run.set(LabRun::Running {
                explored: progress.explored,
                discovered: progress.discovered,
                depth: progress.depth,
            });
        }
    })
}
