//! The Challenges view: goals the learner reaches in the simulator, checked by the core
//! (`mqlab_sim::challenges`) on the simulator's own run, as its link gives it. The view
//! lists the challenges with the learner's progress, opens one as a card (the goal, a
//! start in the simulator, "Check my run", a hint, the worked solution to replay and why
//! it works; for a prediction, the answers to lock in), and exports, imports and resets
//! the progress kept in this browser (`progress.rs`). Every verdict and count shown is
//! the core's.

use std::cell::RefCell;

use mqlab_sim::challenges::{self, Challenge, Finding, Kind, Measured, Task, Verdict};
use mqlab_sim::{Scenario, SharedRun, TimedAction, TimedFault};
use mqlab_text::challenges::Key;
use mqlab_text::Words;
use yew::prelude::*;

use crate::chosen_file::{read_chosen, Reading};
use crate::components::controls::mode_label;
use crate::components::fault_toolbar::fault_text_in;
use crate::progress::{self, Progress};
use crate::state::Lab;
use crate::words::current as words_now;

thread_local! {
    /// The challenge open when the learner left the view, so that coming back from the
    /// simulator finds it again.
    static OPEN: RefCell<Option<&'static str>> = const { RefCell::new(None) };
}

#[derive(Properties, PartialEq)]
pub struct ChallengesProps {
    /// The simulator's run (the module's copy of it), which "Check my run" checks.
    pub lab: UseReducerHandle<Lab>,
    /// Shows the simulator: a run was opened from the view.
    pub on_open: Callback<()>,
}

fn known_challenge(slug: &str) -> bool {
    challenges::find(slug).is_some()
}

fn known_lesson(slug: &str) -> bool {
    mqlab_sim::lessons::find(slug).is_some()
}

/// What the card last showed for the open challenge.
#[derive(Clone, Debug, PartialEq)]
enum Shown {
    Nothing,
    Checked(Verdict),
    Judged {
        chosen: usize,
        measured: Measured,
        outcome: Vec<bool>,
    },
}

/// A message about the progress file.
#[derive(Clone, Debug, PartialEq)]
enum FileNote {
    None,
    Ok(String),
    Failed(String),
}

/// The link that opens a run in the simulator, as an address fragment.
fn run_href(run: &SharedRun) -> String {
    format!("#{}", run.to_link())
}

fn kind_class(kind: Kind) -> &'static str {
    match kind {
        Kind::FindFault => "find-fault",
        Kind::FixIt => "fix-it",
        Kind::Predict => "predict",
    }
}

/// The simulator's run in a line: its mode and messages, the world's consumers and
/// replicas when it has several, and its faults.
fn describe_run(words: &Words, run: &SharedRun) -> String {
    let scenario = &run.scenario;
    let mut parts = vec![words.fill(
        Key::ViewRunSettings,
        &[
            ("mode", mode_label(words, scenario.mode).into()),
            ("count", scenario.messages.into()),
        ],
    )];
    parts.extend(describe_world(words, scenario));
    parts.extend(
        scenario
            .faults
            .iter()
            .map(|fault| fault_text_in(words, fault.at_step, &fault.command)),
    );
    parts.extend(
        run.commands
            .iter()
            .map(|(step, command)| fault_text_in(words, Some(*step), command)),
    );
    parts.extend(
        scenario
            .timed_faults
            .iter()
            .map(|fault| timed_fault_text(words, fault)),
    );
    parts.join("; ")
}

/// The world beyond one producer, one broker and one consumer: the consumer groups or
/// the competing consumers, and the replicas with their settings.
fn describe_world(words: &Words, scenario: &Scenario) -> Vec<String> {
    let mut parts = Vec::new();
    let consumers = scenario.topology.consumers;
    match &scenario.kafka {
        Some(kafka) => parts.push(words.fill(
            Key::ViewRunGroups,
            &[
                ("groups", kafka.groups.into()),
                ("members", kafka.members(consumers).into()),
                ("partitions", kafka.partitions.into()),
                ("commit", kafka.commit.as_str().into()),
            ],
        )),
        None if consumers > 1 => parts.push(words.fill(
            Key::ViewRunCompeting,
            &[
                ("count", consumers.into()),
                ("prefetch", scenario.timing.delivery_window.into()),
            ],
        )),
        None => {}
    }
    if scenario.topology.replicated() {
        parts.push(
            words.fill(
                Key::ViewRunReplicas,
                &[
                    ("count", scenario.topology.brokers.into()),
                    (
                        "settings",
                        scenario
                            .replication
                            .describe_in_words(scenario.mode, words)
                            .into(),
                    ),
                ],
            ),
        );
    }
    parts
}

/// A fault timed by the tick, in a phrase.
fn timed_fault_text(words: &Words, fault: &TimedFault) -> String {
    let tick = ("tick", fault.tick.into());
    match fault.action {
        TimedAction::Crash { node } => words.fill(
            Key::ViewTimedCrash,
            &[("node", node.name().to_string().into()), tick],
        ),
        TimedAction::Restart { node } => words.fill(
            Key::ViewTimedRestart,
            &[("node", node.name().to_string().into()), tick],
        ),
        TimedAction::Partition { a, b, until_tick } => words.fill(
            Key::ViewTimedPartition,
            &[
                ("a", a.name().to_string().into()),
                ("b", b.name().to_string().into()),
                tick,
                ("until", until_tick.into()),
            ],
        ),
    }
}

/// The run's counts, one sentence a line: what every run has, then what a replicated
/// queue adds (writes acknowledged and lost, writes refused) and what several consumers
/// add (deliveries made again, messages applied out of the order the queue or the
/// partition promises).
fn counts_lines(words: &Words, scenario: &Scenario, measured: &Measured) -> Vec<String> {
    let s = &measured.summary;
    let mut lines = vec![words.fill(
        Key::ViewRunCounts,
        &[
            ("exactly", s.exactly_once.into()),
            ("lost", s.lost.into()),
            ("duplicated", s.duplicated.into()),
            ("wire", measured.wire.into()),
            ("blocked", s.blocked_ticks.into()),
        ],
    )];
    if scenario.topology.replicated() {
        lines.push(words.fill(
            Key::ViewRunCountsReplicated,
            &[
                ("acked", s.acked_lost.into()),
                ("refused", s.producer_errors.into()),
            ],
        ));
    }
    if scenario.topology.consumers > 1 {
        lines.push(words.fill(
            Key::ViewRunCountsConsumers,
            &[
                ("redelivered", s.redelivered.into()),
                ("reordered", s.reordered_per_key.into()),
            ],
        ));
    }
    lines
}

/// The run's counts as paragraphs (the first one holds what every run has).
fn counts_html(words: &Words, scenario: &Scenario, measured: &Measured) -> Html {
    html! {
        { for counts_lines(words, scenario, measured).into_iter().map(|line| html! { <p class="hint">{ line }</p> }) }
    }
}

#[component]
pub fn Challenges(props: &ChallengesProps) -> Html {
    let words = words_now();
    let open = use_state(|| OPEN.with(|open| *open.borrow()));
    let progress = use_state(|| progress::load(known_challenge, known_lesson));
    let stored = use_state(|| true);
    let shown = use_state(|| Shown::Nothing);
    let choice = use_state(|| None::<usize>);
    let note = use_state(|| FileNote::None);
    let reader: Reading = use_mut_ref(|| None);
    {
        let open = *open;
        let shown = shown.clone();
        let choice = choice.clone();
        use_effect_with(open, move |open| {
            OPEN.with(|slot| *slot.borrow_mut() = *open);
            shown.set(Shown::Nothing);
            choice.set(None);
        });
    }
    let record = {
        let progress = progress.clone();
        let stored = stored.clone();
        move |slug: &str, solved: bool| {
            let mut next = (*progress).clone();
            next.attempt_challenge(slug, solved);
            stored.set(progress::save(&next));
            progress.set(next);
        }
    };
    let total = challenges::all();
    let header = progress_bar(&words, &progress, &stored, &note, &reader, total.len());
    let body = match (*open).and_then(challenges::find) {
        None => list(&words, &total, &progress, &open),
        Some(challenge) => {
            let run = SharedRun::from_run(&props.lab.run.borrow());
            card(
                &words,
                &challenge,
                &run,
                &progress,
                &shown,
                &choice,
                &open,
                &props.on_open,
                record,
            )
        }
    };
    html! {
        <section class="challenges panel" aria-labelledby="challenges-heading">
            <h2 id="challenges-heading">{ words.get(Key::ViewHeading) }</h2>
            <p class="hint">{ words.get(Key::ViewIntro) }</p>
            { header }
            { body }
        </section>
    }
}

/// The progress line with export, import and reset.
fn progress_bar(
    words: &Words,
    progress: &UseStateHandle<Progress>,
    stored: &UseStateHandle<bool>,
    note: &UseStateHandle<FileNote>,
    reader: &Reading,
    total: usize,
) -> Html {
    let export = {
        let progress = progress.clone();
        let note = note.clone();
        Callback::from(move |_: MouseEvent| {
            let words = words_now();
            match crate::components::share_bar::download(
                &words,
                "mqlab-progress.json",
                &progress.to_json(),
            ) {
                Ok(()) => note.set(FileNote::None),
                Err(why) => note.set(FileNote::Failed(why)),
            }
        })
    };
    let import = {
        let progress = progress.clone();
        let stored = stored.clone();
        let note = note.clone();
        let reader = reader.clone();
        Callback::from(move |event: Event| {
            let progress = progress.clone();
            let stored = stored.clone();
            let note = note.clone();
            read_chosen(&event, &reader, move |result| {
                let words = words_now();
                let read = result.and_then(|text| {
                    Progress::parse(&text, known_challenge, known_lesson)
                        .map_err(|error| error.reason_in(&words))
                });
                match read {
                    Ok(read) => {
                        note.set(FileNote::Ok(words.fill(
                            Key::ViewImported,
                            &[
                                ("solved", read.solved_challenges().into()),
                                ("lessons", read.lessons.len().into()),
                            ],
                        )));
                        stored.set(progress::save(&read));
                        progress.set(read);
                    }
                    // The progress shown is kept.
                    Err(reason) => note.set(FileNote::Failed(
                        words.fill(Key::ViewImportFailed, &[("reason", reason.into())]),
                    )),
                }
            });
        })
    };
    let reset = {
        let progress = progress.clone();
        let stored = stored.clone();
        let note = note.clone();
        Callback::from(move |_: MouseEvent| {
            let words = words_now();
            let sure = gloo::utils::window()
                .confirm_with_message(words.get(Key::ViewResetConfirm))
                .unwrap_or(false);
            if sure {
                let empty = Progress::default();
                stored.set(progress::save(&empty));
                progress.set(empty);
                note.set(FileNote::None);
            }
        })
    };
    let message = match &**note {
        FileNote::None => Html::default(),
        FileNote::Ok(text) => html! { <p class="status ok" role="status">{ text }</p> },
        FileNote::Failed(text) => html! { <p class="status bad" role="alert">{ text }</p> },
    };
    html! {
        <div class="challenge-progress">
            <p id="challenge-progress-count"><strong>{ words.fill(Key::ViewProgress, &[("solved", progress.solved_challenges().into()), ("total", total.into())]) }</strong></p>
            <div class="challenge-files" role="group">
                <button type="button" onclick={export}>{ words.get(Key::ViewExport) }</button>
                <label class="button file-button">
                    { words.get(Key::ViewImport) }
                    <input type="file" accept=".json,application/json" class="visually-hidden" onchange={import} aria-label={words.get(Key::ViewImport)} />
                </label>
                <button type="button" onclick={reset}>{ words.get(Key::ViewReset) }</button>
            </div>
            if !**stored { <p class="hint" role="note">{ words.get(Key::ViewStorageOff) }</p> }
            { message }
        </div>
    }
}

fn list(
    words: &Words,
    all: &[Challenge],
    progress: &Progress,
    open: &UseStateHandle<Option<&'static str>>,
) -> Html {
    let group = |kind: Kind| {
        let items = all.iter().filter(|c| c.kind() == kind).map(|challenge| {
            let id = challenge.id;
            let entry = progress.challenges.get(id).copied().unwrap_or_default();
            let onclick = {
                let open = open.clone();
                Callback::from(move |_: MouseEvent| open.set(Some(id)))
            };
            html! {
                <li data-challenge={id} data-solved={entry.solved.to_string()}>
                    <button type="button" class="link-button" {onclick}>{ words.get(challenge.texts.title) }</button>
                    if entry.solved {
                        <span class="solved-badge"><span aria-hidden="true">{ "✔ " }</span>{ words.get(Key::ViewSolvedBadge) }</span>
                    }
                    if entry.attempts > 0 {
                        <span class="hint">{ words.fill(Key::ViewAttempts, &[("count", entry.attempts.into())]) }</span>
                    }
                </li>
            }
        });
        html! {
            <div class={classes!("challenge-group", kind_class(kind))}>
                <h3>{ words.get(kind.key()) }</h3>
                <ol>{ for items }</ol>
            </div>
        }
    };
    html! {
        <div class="challenge-list">
            { group(Kind::FindFault) }
            { group(Kind::FixIt) }
            { group(Kind::Predict) }
        </div>
    }
}

#[allow(clippy::too_many_arguments)]
fn card(
    words: &Words,
    challenge: &Challenge,
    run: &SharedRun,
    progress: &Progress,
    shown: &UseStateHandle<Shown>,
    choice: &UseStateHandle<Option<usize>>,
    open: &UseStateHandle<Option<&'static str>>,
    on_open: &Callback<()>,
    record: impl Fn(&str, bool) + 'static,
) -> Html {
    let id = challenge.id;
    let entry = progress.challenges.get(id).copied().unwrap_or_default();
    let back = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(None))
    };
    let to_simulator = |run: SharedRun| {
        let on_open = on_open.clone();
        (
            run_href(&run),
            Callback::from(move |_: MouseEvent| on_open.emit(())),
        )
    };
    let kind = challenge.kind();
    let action = match &challenge.task {
        Task::Predict(question) => predict_part(
            words,
            challenge,
            question.choices.len(),
            shown,
            choice,
            on_open,
            record,
        ),
        _ => {
            let (start_href, start_click) = to_simulator(challenge.start_run());
            let check = {
                let shown = shown.clone();
                let challenge = challenge.clone();
                let run = run.clone();
                Callback::from(move |_: MouseEvent| {
                    let verdict = challenge.check(&run);
                    record(challenge.id, verdict.solved());
                    shown.set(Shown::Checked(verdict));
                })
            };
            html! {
                <div class="challenge-act">
                    <p><a class="button" href={start_href} onclick={start_click} id="challenge-start">{ words.get(Key::ViewStart) }</a></p>
                    <p class="hint" id="challenge-run">{ words.fill(Key::ViewChecking, &[("run", describe_run(words, run).into())]) }</p>
                    <p><button type="button" class="primary" onclick={check} id="challenge-check">{ words.get(Key::ViewCheck) }</button></p>
                    { verdict_part(words, challenge, shown) }
                </div>
            }
        }
    };
    let hint = challenge.texts.hint.map(|hint| {
        html! {
            <details class="challenge-hint">
                <summary>{ words.get(Key::ViewHintShow) }</summary>
                <p>{ words.get(hint) }</p>
            </details>
        }
    });
    let solution = challenge.texts.solution.map(|solution| {
        let (href, onclick) = to_simulator(challenge.solution_run());
        html! {
            <details class="challenge-solution">
                <summary>{ words.get(Key::ViewSolutionShow) }</summary>
                <p>{ words.get(solution) }</p>
                <p><a href={href} {onclick} id="challenge-replay">{ words.get(Key::ViewSolutionReplay) }</a></p>
                <h4>{ words.get(Key::ViewWhy) }</h4>
                <p>{ words.get(challenge.texts.why) }</p>
            </details>
        }
    });
    html! {
        <article class={classes!("challenge-card", kind_class(kind))} data-challenge={id} aria-labelledby="challenge-title">
            <p><button type="button" class="link-button" onclick={back}>{ "← " }{ words.get(Key::ViewBack) }</button></p>
            <p class="challenge-kind">{ words.get(kind.key()) }</p>
            <h3 id="challenge-title">{ words.get(challenge.texts.title) }
                if entry.solved { <span class="solved-badge"><span aria-hidden="true">{ " ✔ " }</span>{ words.get(Key::ViewSolvedBadge) }</span> }
            </h3>
            if entry.attempts > 0 { <p class="hint">{ words.fill(Key::ViewAttempts, &[("count", entry.attempts.into())]) }</p> }
            <p class="challenge-goal">{ words.get(challenge.texts.goal) }</p>
            { action }
            { for hint }
            { for solution }
        </article>
    }
}

fn verdict_part(words: &Words, challenge: &Challenge, shown: &Shown) -> Html {
    let Shown::Checked(verdict) = shown else {
        return Html::default();
    };
    let counts = verdict
        .measured
        .as_ref()
        .map(|measured| counts_html(words, &challenge.start, measured));
    if verdict.solved() {
        let why = words.get(challenge.texts.why);
        return html! {
            <div class="challenge-verdict solved" role="status" data-solved="true">
                <p><strong><span aria-hidden="true">{ "✔ " }</span>{ words.get(Key::FindingSolved) }</strong></p>
                { for counts }
                <p>{ why }</p>
            </div>
        };
    }
    let findings = verdict.findings.iter().map(|finding: &Finding| {
        html! { <li>{ finding.describe_in(words, verdict.baseline_blocked, verdict.measured.as_ref()) }</li> }
    });
    html! {
        <div class="challenge-verdict missed" role="status" data-solved="false">
            <ul>{ for findings }</ul>
            { for counts }
        </div>
    }
}

fn predict_part(
    words: &Words,
    challenge: &Challenge,
    choices: usize,
    shown: &UseStateHandle<Shown>,
    choice: &UseStateHandle<Option<usize>>,
    on_open: &Callback<()>,
    record: impl Fn(&str, bool) + 'static,
) -> Html {
    let watch = {
        let on_open = on_open.clone();
        Callback::from(move |_: MouseEvent| on_open.emit(()))
    };
    let locked = matches!(**shown, Shown::Judged { .. });
    let judged = match &**shown {
        Shown::Judged {
            chosen, outcome, ..
        } => Some((*chosen, outcome.clone())),
        _ => None,
    };
    let options = (0..choices).map(|index| {
        let onchange = {
            let choice = choice.clone();
            Callback::from(move |_: Event| choice.set(Some(index)))
        };
        let key = challenge.texts.choices.get(index).copied();
        let holds = judged
            .as_ref()
            .is_some_and(|(_, outcome)| outcome.get(index).copied().unwrap_or(false));
        let picked = judged.as_ref().is_some_and(|(chosen, _)| *chosen == index);
        html! {
            <li class={classes!(holds.then_some("holds"), picked.then_some("picked"))}>
                <label>
                    <input type="radio" name="challenge-choice" value={index.to_string()}
                        checked={**choice == Some(index)} disabled={locked} {onchange} />
                    <span>{ key.map(|key| words.get(key)).unwrap_or_default() }</span>
                    if holds {
                        <span class="mark"><span aria-hidden="true">{ "✔ " }</span>{ words.get(Key::ViewPredictHeld) }</span>
                    }
                </label>
            </li>
        }
    });
    let lock = {
        let shown = shown.clone();
        let choice = choice.clone();
        let challenge = challenge.clone();
        Callback::from(move |_: MouseEvent| {
            let Some(chosen) = *choice else { return };
            if let Some((measured, outcome)) = challenge.judge() {
                record(challenge.id, outcome.get(chosen).copied().unwrap_or(false));
                shown.set(Shown::Judged {
                    chosen,
                    measured,
                    outcome,
                });
            }
        })
    };
    let result = match &**shown {
        Shown::Judged {
            chosen,
            measured,
            outcome,
        } => {
            let right = outcome.get(*chosen).copied().unwrap_or(false);
            let answer = outcome
                .iter()
                .position(|holds| *holds)
                .and_then(|index| challenge.texts.choices.get(index))
                .map(|key| words.get(*key).to_string())
                .unwrap_or_default();
            let href = run_href(&challenge.start_run());
            html! {
                <div class={classes!("challenge-verdict", if right { "solved" } else { "missed" })} role="status" data-solved={right.to_string()}>
                    <p><strong>
                        if right {
                            <span aria-hidden="true">{ "✔ " }</span>{ words.get(Key::ViewPredictRight) }
                        } else {
                            { words.fill(Key::ViewPredictWrong, &[("answer", answer.into())]) }
                        }
                    </strong></p>
                    { counts_html(words, &challenge.start, measured) }
                    <p>{ words.get(challenge.texts.why) }</p>
                    <p><a href={href} onclick={watch.clone()} id="challenge-watch">{ words.get(Key::ViewPredictWatch) }</a></p>
                </div>
            }
        }
        _ => Html::default(),
    };
    html! {
        <div class="challenge-act">
            <fieldset class="challenge-choices">
                <legend class="visually-hidden">{ words.get(challenge.texts.goal) }</legend>
                <ul>{ for options }</ul>
            </fieldset>
            if !locked {
                <p><button type="button" class="primary" onclick={lock} disabled={choice.is_none()} id="challenge-lock">{ words.get(Key::ViewPredictLock) }</button>
                if choice.is_none() { <span class="hint">{ " " }{ words.get(Key::ViewPredictPick) }</span> }</p>
            }
            { result }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mqlab_text::{File, Lang};

    /// Chinese, with every catalogue the page reads in it.
    fn chinese() -> Words {
        let mut words = Words::new(Lang::ZhCn);
        for file in File::ALL {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("static/text/zh-CN")
                .join(format!("{}.txt", file.name()));
            let text = std::fs::read_to_string(path).expect("the Chinese catalogue");
            assert_eq!(words.load(file, &text), Ok(()), "{}", file.name());
        }
        words
    }

    #[test]
    fn every_challenge_run_reads_as_one_line_in_both_languages() {
        for words in [Words::english(), chinese()] {
            for challenge in challenges::all() {
                for run in [challenge.start_run(), challenge.solution_run()] {
                    let line = describe_run(&words, &run);
                    assert!(
                        !line.contains('{'),
                        "{:?} {}: {line}",
                        words.lang(),
                        challenge.id
                    );
                }
            }
        }
    }

    #[test]
    fn the_run_line_names_the_world_beyond_one_queue() {
        let words = Words::english();
        let line = |slug: &str| {
            let challenge = challenges::find(slug).expect("a challenge");
            describe_run(&words, &challenge.start_run())
        };
        let world = |slug: &str| {
            let challenge = challenges::find(slug).expect("a challenge");
            describe_world(&words, &challenge.start)
        };
        assert!(world("duplicate-one").is_empty());
        let acked = world("lose-an-acked-write");
        assert_eq!(acked.len(), 1);
        assert!(acked[0].contains("acks=1"), "{acked:?}");
        let group = world("lose-a-record-in-a-group");
        assert_eq!(group.len(), 1);
        assert!(group[0].contains("Kafka") && group[0].contains("before"));
        let competing = world("predict-requeue-order");
        assert_eq!(competing.len(), 1);
        assert!(competing[0].contains('2') && competing[0].contains('4'));
        // A fault timed by the tick is told, not written as the command line's syntax.
        let timed = line("predict-not-enough-replicas");
        assert!(
            timed.contains("broker-2") && !timed.contains("0:crash"),
            "{timed}"
        );
    }

    #[test]
    fn the_counts_add_what_a_replicated_queue_or_several_consumers_measure() {
        let words = Words::english();
        let lines = |slug: &str| {
            let challenge = challenges::find(slug).expect("a challenge");
            let (measured, _) = challenge.judge().expect("a run");
            counts_lines(&words, &challenge.start, &measured)
        };
        assert_eq!(lines("predict-fsync").len(), 1);
        let replicated = lines("predict-not-enough-replicas");
        assert_eq!(replicated.len(), 2);
        assert!(replicated[1].contains('6'), "{replicated:?}");
        let competing = lines("predict-requeue-order");
        assert_eq!(competing.len(), 2);
        assert!(
            competing[1].contains('2') && competing[1].contains('1'),
            "{competing:?}"
        );
    }
}
