//! Compare: the simulator's scenario and fault plan replayed under all four delivery
//! modes, side by side, with the messages whose verdicts differ and one sentence each.
//! Every count comes from the core's ledger (`mqlab_sim::compare`).

use mqlab_sim::compare::{
    compare_in, verdict_phrase_in, Comparison, ModeRun, DEFAULT_COMPARE_STEPS,
};
use mqlab_sim::{Command, Mode, Scenario, Verdict};
use mqlab_text::analysis::Key;
use mqlab_text::Words;
use yew::prelude::*;

use crate::components::controls::mode_label;
use crate::components::fault_toolbar::fault_text_in;
use crate::state::Lab;
use crate::words::current as words_now;

#[derive(Properties, PartialEq)]
pub struct CompareViewProps {
    pub lab: UseReducerHandle<Lab>,
    /// Called when a link to a run is followed, so that the page shows the simulator.
    pub on_open: Callback<()>,
}

/// An icon and a word for a verdict, so that colour is never the only sign.
pub fn verdict_badge(verdict: Verdict, words: &Words) -> Html {
    let word = |key: Key| words.get(key).to_string();
    let (icon, word, class) = match verdict {
        Verdict::ExactlyOnce => ("✔", word(Key::CompareVerdictOnce), "ok"),
        Verdict::Lost => ("✖", word(Key::CompareVerdictLost), "lost"),
        Verdict::Duplicated(times) => ("⇉", format!("×{times}"), "duplicated"),
        Verdict::Reordered => ("⇅", word(Key::CompareVerdictReordered), "reordered"),
        Verdict::Pending => ("…", word(Key::CompareVerdictPending), "unfinished"),
        Verdict::InDoubt => ("◷", word(Key::CompareVerdictInDoubt), "in-doubt"),
        Verdict::DeadLettered => ("☠", word(Key::CompareVerdictDeadLettered), "lost"),
        Verdict::Dropped => ("✖", word(Key::CompareVerdictDropped), "lost"),
        Verdict::Blocked => ("⛔", word(Key::CompareVerdictBlocked), "lost"),
    };
    html! {
        <span class={classes!("verdict", class)} title={verdict_phrase_in(words, verdict, false)}>
            <span aria-hidden="true">{ icon }</span>{ format!(" {word}") }
        </span>
    }
}

fn column(run: &ModeRun, on_open: &Callback<()>, words: &Words) -> Html {
    let s = &run.summary;
    let not_applicable = run.not_applicable.iter().map(|fault| {
        let text = words.fill(
            Key::CompareNaItem,
            &[
                (
                    "fault",
                    fault_text_in(words, fault.fault.at_step, &fault.fault.command).into(),
                ),
                ("reason", fault.reason.describe_in(words).into()),
            ],
        );
        html! { <li>{ text }</li> }
    });
    let onclick = {
        let on_open = on_open.clone();
        Callback::from(move |_: MouseEvent| on_open.emit(()))
    };
    if !run.plan_applies() {
        // This mode cannot run the whole plan, so it did not run the compared run: it
        // shows no counters and no verdict, only why.
        return html! {
            <section class={classes!("compare-column", "panel", "not-applicable-run")} aria-label={mode_label(words, run.mode)}
                     data-mode={run.mode.as_str()} data-applies="false">
                <h3>{ mode_label(words, run.mode) }</h3>
                <p class="na-badge" role="note"><span aria-hidden="true">{ "⊘ " }</span>{ words.get(Key::CompareNaBadge) }</p>
                <p class="hint">{ words.get(Key::CompareNaHint) }</p>
                <ul class="not-applicable" aria-label={words.get(Key::CompareNaList)}>{ for not_applicable }</ul>
            </section>
        };
    }
    // Order is judged per key: with consumer groups a message applied after a later
    // message of another key is not reordered (without keys the two counts are equal).
    // Each counter: its icon, name, value, class and (for tests) its id.
    let mut counters = vec![
        (
            "✔",
            Key::CompareCounterExactlyOnce,
            s.exactly_once,
            "ok",
            "exactly_once",
        ),
        ("✖", Key::CompareCounterLost, s.lost, "lost", "lost"),
        (
            "⇉",
            Key::CompareCounterDuplicated,
            s.duplicated,
            "duplicated",
            "duplicated",
        ),
        (
            "⇅",
            Key::CompareCounterReordered,
            s.reordered_per_key,
            "reordered",
            "reordered",
        ),
        (
            "◷",
            Key::CompareCounterInDoubt,
            s.in_doubt_messages,
            "in-doubt",
            "in_doubt",
        ),
    ];
    // Poison messages' fates, shown when they happened.
    for (icon, name, value, class, id) in [
        (
            "✖",
            Key::CompareCounterDropped,
            s.dropped,
            "lost",
            "dropped",
        ),
        (
            "☠",
            Key::CompareCounterDeadLettered,
            s.dead_lettered,
            "lost",
            "dead-lettered",
        ),
        (
            "⛔",
            Key::CompareCounterHeld,
            s.blocked,
            "lost",
            "held_behind_a_poison_record",
        ),
    ] {
        if value > 0 {
            counters.push((icon, name, value, class, id));
        }
    }
    let items = counters.iter().map(|(icon, name, value, class, id)| {
        let class = if *value > 0 { *class } else { "zero" };
        let text = words.fill(
            Key::CompareCounter,
            &[
                ("name", words.get(*name).into()),
                ("value", (*value).into()),
            ],
        );
        html! {
            <li class={classes!("counter", class)} data-counter={*id}>
                <span aria-hidden="true" class="icon">{ *icon }</span>
                <span>{ text }</span>
            </li>
        }
    });
    let split = run.in_doubt;
    let link = format!("#{}", run.shared.to_link());
    // Each consumer group is judged on its own ledger; the goal is exactly once in each.
    let groups = (!run.groups.is_empty()).then(|| {
        let rows = run.groups.iter().enumerate().map(|(index, group)| {
            let g = &group.summary;
            let all_once = g.exactly_once == g.messages;
            let (icon, class) = if all_once { ("✔", "ok") } else if g.lost + g.dropped > 0 { ("✖", "lost") } else if g.duplicated > 0 { ("⇉", "duplicated") } else { ("⇅", "reordered") };
            let number = index + 1;
            html! {
                <li class={classes!("counter", class)} data-group={number.to_string()}
                    data-exactly-once={g.exactly_once.to_string()} data-lost={g.lost.to_string()} data-duplicated={g.duplicated.to_string()}>
                    <span aria-hidden="true" class="icon">{ icon }</span>
                    <span>{ words.fill(Key::CompareGroup, &[
                        ("number", number.into()),
                        ("once", g.exactly_once.into()),
                        ("lost", g.lost.into()),
                        ("duplicated", g.duplicated.into()),
                        ("reordered", g.reordered_per_key.into()),
                    ]) }</span>
                </li>
            }
        });
        html! { <ul class="compare-counters compare-groups" aria-label={words.get(Key::CompareGroups)}>{ for rows }</ul> }
    });
    // Competing consumers (or a group's members): who applied what.
    let consumers = (run.applied_by_consumer.len() > 1).then(|| {
        let parts: Vec<String> = run
            .applied_by_consumer
            .iter()
            .enumerate()
            .map(|(instance, applied)| {
                let name = mqlab_sim::NodeId::new(mqlab_sim::RoleKind::Consumer, u8::try_from(instance).unwrap_or(u8::MAX)).name();
                format!("{name} {applied}")
            })
            .collect();
        html! { <p class="hint" data-figure="applied-by-consumer">{ words.fill(Key::CompareAppliedPerConsumer, &[("counts", parts.join(", ").into())]) }</p> }
    });
    html! {
        <section class={classes!("compare-column", "panel")} aria-label={mode_label(words, run.mode)} data-mode={run.mode.as_str()} data-applies="true">
            <h3>{ mode_label(words, run.mode) }</h3>
            <ul class="compare-counters" aria-label={words.get(Key::CompareCounters)}>{ for items }</ul>
            { for groups }
            { for consumers }
            <p class="hint">
                { words.fill(Key::CompareStepsAndTicks, &[("steps", s.steps.into()), ("ticks", s.tick.into())]) }
                if !run.finished { { words.get(Key::CompareStepBound) } }
            </p>
            if split.in_doubt_ticks > 0 {
                <dl class="in-doubt-split" aria-label={words.get(Key::CompareInDoubt)}>
                    <div data-figure="blocked">
                        <dt title={words.fill(Key::CompareInDoubtBlockedTitle, &[("timer", split.timer_ticks.into())])}>{ words.get(Key::CompareInDoubtBlocked) }</dt>
                        <dd>{ words.fill(Key::CompareTicks, &[("ticks", split.blocked_ticks.into())]) }</dd>
                    </div>
                    <div data-figure="normal">
                        <dt title={words.fill(Key::CompareInDoubtNormalTitle, &[("timer", split.timer_ticks.into())])}>{ words.get(Key::CompareInDoubtNormal) }</dt>
                        <dd>{ words.fill(Key::CompareTicks, &[("ticks", split.normal_ticks.into())]) }</dd>
                    </div>
                </dl>
            }
            <a class="open-run" href={link} {onclick}>{ words.get(Key::CompareOpenRun) }</a>
        </section>
    }
}

fn differences_table(comparison: &Comparison, words: &Words) -> Html {
    if comparison.differences.is_empty() {
        let ran = comparison
            .runs
            .iter()
            .filter(|run| run.plan_applies())
            .count();
        let text = match ran {
            0 => words.get(Key::CompareSameNoMode).to_string(),
            1 => words.get(Key::CompareSameOneMode).to_string(),
            4 => words.get(Key::CompareSameAllModes).to_string(),
            n => words.fill(Key::CompareSameSomeModes, &[("modes", n.into())]),
        };
        return html! { <p class="hint" role="status">{ text }</p> };
    }
    let heads = comparison
        .runs
        .iter()
        .map(|run| html! { <th scope="col">{ mode_label(words, run.mode) }</th> });
    let rows = comparison.differences.iter().map(|difference| {
        // A mode that could not run the plan has no verdict: its cell says so.
        let cells = comparison.runs.iter().map(|run| {
            match difference.verdicts.iter().find(|(mode, _)| *mode == run.mode) {
                Some((_, verdict)) => html! { <td>{ verdict_badge(*verdict, words) }</td> },
                None => html! { <td class="na" title={words.get(Key::CompareNaCellTitle)}>{ words.get(Key::CompareNaCell) }</td> },
            }
        });
        html! {
            <tr>
                <th scope="row">
                    { difference.message.to_string() }
                    if let Some(group) = difference.group {
                        { words.fill(Key::CompareMessageGroup, &[("group", (u32::from(group) + 1).into())]) }
                    }
                </th>
                { for cells }
                <td class="sentence">{ &difference.sentence }</td>
            </tr>
        }
    });
    let more = comparison.differences_total as usize - comparison.differences.len();
    html! {
        <>
            <div class="table-scroll">
                <table class="differences" aria-label={words.get(Key::CompareDifferences)}>
                    <thead><tr><th scope="col">{ words.get(Key::CompareMessage) }</th>{ for heads }<th scope="col">{ words.get(Key::CompareWhatDiffers) }</th></tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
            </div>
            if more > 0 {
                <p class="hint">{ words.fill(Key::CompareMore, &[("more", more.into())]) }</p>
            }
        </>
    }
}

#[component]
pub fn CompareView(props: &CompareViewProps) -> Html {
    let words = words_now();
    let (scenario, commands): (Scenario, Vec<(u64, Command)>) = {
        let run = props.lab.run.borrow();
        (run.scenario().clone(), run.commands().to_vec())
    };
    // The plan is drawn at once, the four runs in the next task: opening the view never
    // holds the page for long.
    let drawn = crate::hooks::use_parts_drawn(1) >= 1;
    let result = use_memo(
        (drawn, scenario.clone(), commands.clone()),
        |(drawn, scenario, commands)| {
            drawn.then(|| {
                let words = words_now();
                compare_in(scenario, commands, DEFAULT_COMPARE_STEPS, &words)
                    .map_err(|error| error.describe_in(&words))
            })
        },
    );
    let plan: Vec<String> = scenario
        .faults
        .iter()
        .map(|fault| fault_text_in(&words, fault.at_step, &fault.command))
        .chain(
            commands
                .iter()
                .map(|(step, command)| fault_text_in(&words, Some(*step), command)),
        )
        .collect();
    html! {
        <div class="analysis compare">
            <p class="intro">
                { words.fill(Key::CompareIntro, &[("messages", scenario.messages.into()), ("seed", scenario.seed.into())]) }
            </p>
            <section class="panel" aria-label={words.get(Key::ComparePlan)}>
                <h2>{ words.get(Key::ComparePlan) }</h2>
                if plan.is_empty() {
                    <p class="hint">{ words.get(Key::ComparePlanEmpty) }</p>
                } else {
                    <ul class="fault-plan">{ for plan.iter().map(|text| html! { <li>{ text }</li> }) }</ul>
                }
            </section>
            {
                match &*result {
                    None => html! { <p class="hint" role="status">{ words.get(Key::CompareRunning) }</p> },
                    Some(Ok(comparison)) => html! {
                        <>
                            if let Some(kafka) = &scenario.kafka {
                                if kafka.groups > 1 {
                                    <p class="hint">{ words.fill(Key::CompareGroupsHint, &[("groups", kafka.groups.into())]) }</p>
                                }
                            }
                            if comparison.runs.len() < Mode::ALL.len() {
                                <p class="hint">{ words.get(Key::CompareTransactionalLeftOut) }</p>
                            }
                            <div class="compare-columns">{ for comparison.runs.iter().map(|run| column(run, &props.on_open, &words)) }</div>
                            <section class="panel" aria-label={words.get(Key::CompareWhatDiffers)}>
                                <h2>{ words.get(Key::CompareWhatDiffers) }</h2>
                                { differences_table(comparison, &words) }
                            </section>
                        </>
                    },
                    Some(Err(error)) => html! { <div class="notice error" role="alert"><p>{ words.fill(Key::CompareError, &[("error", error.into())]) }</p></div> },
                }
            }
        </div>
    }
}
