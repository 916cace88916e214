//! Compare: the simulator's scenario and fault plan replayed under all four delivery
//! modes, side by side, with the messages whose verdicts differ and one sentence each.
//! Every count comes from the core's ledger (`mqlab_sim::compare`).

use mqlab_sim::compare::{compare, verdict_phrase, Comparison, ModeRun, DEFAULT_COMPARE_STEPS};
use mqlab_sim::{Command, Mode, Scenario, Verdict};
use yew::prelude::*;

use crate::components::fault_toolbar::fault_text;
use crate::state::Lab;

#[derive(Properties, PartialEq)]
pub struct CompareViewProps {
    pub lab: UseReducerHandle<Lab>,
    /// Called when a link to a run is followed, so that the page shows the simulator.
    pub on_open: Callback<()>,
}

/// An icon and a word for a verdict, so that colour is never the only sign.
pub fn verdict_badge(verdict: Verdict) -> Html {
    let (icon, word, class) = match verdict {
        Verdict::ExactlyOnce => ("✔", "once".to_string(), "ok"),
        Verdict::Lost => ("✖", "lost".to_string(), "lost"),
        Verdict::Duplicated(times) => ("⇉", format!("×{times}"), "duplicated"),
        Verdict::Reordered => ("⇅", "reordered".to_string(), "reordered"),
        Verdict::Pending => ("…", "pending".to_string(), "unfinished"),
        Verdict::InDoubt => ("◷", "in doubt".to_string(), "in-doubt"),
        Verdict::DeadLettered => ("☠", "dead-lettered".to_string(), "lost"),
        Verdict::Dropped => ("✖", "dropped".to_string(), "lost"),
        Verdict::Blocked => ("⛔", "blocked".to_string(), "lost"),
    };
    html! {
        <span class={classes!("verdict", class)} title={verdict_phrase(verdict, false)}>
            <span aria-hidden="true">{ icon }</span>{ format!(" {word}") }
        </span>
    }
}

fn column(run: &ModeRun, on_open: &Callback<()>) -> Html {
    let s = &run.summary;
    let not_applicable = run.not_applicable.iter().map(|fault| {
        html! { <li>{ format!("{}: {}.", fault_text(fault.fault.at_step, &fault.fault.command), fault.reason) }</li> }
    });
    let onclick = {
        let on_open = on_open.clone();
        Callback::from(move |_: MouseEvent| on_open.emit(()))
    };
    if !run.plan_applies() {
        // This mode cannot run the whole plan, so it did not run the compared run: it
        // shows no counters and no verdict, only why.
        return html! {
            <section class={classes!("compare-column", "panel", "not-applicable-run")} aria-label={run.mode.label()}
                     data-mode={run.mode.as_str()} data-applies="false">
                <h3>{ run.mode.label() }</h3>
                <p class="na-badge" role="note"><span aria-hidden="true">{ "⊘ " }</span>{ "Not applicable" }</p>
                <p class="hint">{ "This mode has no such fault, so it cannot run this fault plan; there is no result to compare." }</p>
                <ul class="not-applicable" aria-label="Faults that do not apply">{ for not_applicable }</ul>
            </section>
        };
    }
    // Order is judged per key: with consumer groups a message applied after a later
    // message of another key is not reordered (without keys the two counts are equal).
    let mut counters = vec![
        ("✔", "Exactly once", s.exactly_once, "ok"),
        ("✖", "Lost", s.lost, "lost"),
        ("⇉", "Duplicated", s.duplicated, "duplicated"),
        ("⇅", "Reordered", s.reordered_per_key, "reordered"),
        ("◷", "In doubt", s.in_doubt_messages, "in-doubt"),
    ];
    // Poison messages' fates, shown when they happened.
    for (icon, name, value, class) in [
        ("✖", "Dropped", s.dropped, "lost"),
        ("☠", "Dead-lettered", s.dead_lettered, "lost"),
        ("⛔", "Held behind a poison record", s.blocked, "lost"),
    ] {
        if value > 0 {
            counters.push((icon, name, value, class));
        }
    }
    let items = counters.iter().map(|(icon, name, value, class)| {
        let class = if *value > 0 { *class } else { "zero" };
        html! {
            <li class={classes!("counter", class)} data-counter={name.to_ascii_lowercase().replace(' ', "_")}>
                <span aria-hidden="true" class="icon">{ *icon }</span>
                <span>{ format!("{name}: {value}") }</span>
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
                    <span>{ format!("Group {number}: {} exactly once, {} lost, {} duplicated, {} reordered", g.exactly_once, g.lost, g.duplicated, g.reordered_per_key) }</span>
                </li>
            }
        });
        html! { <ul class="compare-counters compare-groups" aria-label="Consumer groups">{ for rows }</ul> }
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
        html! { <p class="hint" data-figure="applied-by-consumer">{ format!("Applied per consumer: {}", parts.join(", ")) }</p> }
    });
    html! {
        <section class={classes!("compare-column", "panel")} aria-label={run.mode.label()} data-mode={run.mode.as_str()} data-applies="true">
            <h3>{ run.mode.label() }</h3>
            <ul class="compare-counters" aria-label="Counters">{ for items }</ul>
            { for groups }
            { for consumers }
            <p class="hint">
                { format!("{} steps, {} ticks", s.steps, s.tick) }
                if !run.finished { { " · stopped at the step bound" } }
            </p>
            if split.in_doubt_ticks > 0 {
                <dl class="in-doubt-split" aria-label="Time in doubt">
                    <div data-figure="blocked">
                        <dt title={format!("Time a prepared participant waited past its {}-tick in-doubt timer: it could not decide alone and had to ask the coordinator. Only a fault causes it.", split.timer_ticks)}>{ "Blocked by the fault" }</dt>
                        <dd>{ format!("{} ticks", split.blocked_ticks) }</dd>
                    </div>
                    <div data-figure="normal">
                        <dt title={format!("Time prepared participants waited for the decision within their {}-tick in-doubt timer: every transaction has it.", split.timer_ticks)}>{ "Normal prepare-to-commit wait" }</dt>
                        <dd>{ format!("{} ticks", split.normal_ticks) }</dd>
                    </div>
                </dl>
            }
            <a class="open-run" href={link} {onclick}>{ "Open this run in the simulator" }</a>
        </section>
    }
}

fn differences_table(comparison: &Comparison) -> Html {
    if comparison.differences.is_empty() {
        let ran = comparison
            .runs
            .iter()
            .filter(|run| run.plan_applies())
            .count();
        let text = match ran {
            0 => "No mode can run this fault plan, so there is nothing to compare.".to_string(),
            1 => "Only one mode can run this fault plan, so there is nothing to compare it with.".to_string(),
            4 => "No difference: every message has the same verdict in the four modes.".to_string(),
            n => format!("No difference: every message has the same verdict in the {n} modes that can run this fault plan."),
        };
        return html! { <p class="hint" role="status">{ text }</p> };
    }
    let heads = comparison
        .runs
        .iter()
        .map(|run| html! { <th scope="col">{ run.mode.label() }</th> });
    let rows = comparison.differences.iter().map(|difference| {
        // A mode that could not run the plan has no verdict: its cell says so.
        let cells = comparison.runs.iter().map(|run| {
            match difference.verdicts.iter().find(|(mode, _)| *mode == run.mode) {
                Some((_, verdict)) => html! { <td>{ verdict_badge(*verdict) }</td> },
                None => html! { <td class="na" title="This mode cannot run the fault plan">{ "not applicable" }</td> },
            }
        });
        html! {
            <tr>
                <th scope="row">
                    { difference.message.to_string() }
                    if let Some(group) = difference.group {
                        { format!(" (group {})", u32::from(group) + 1) }
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
                <table class="differences" aria-label="Differences">
                    <thead><tr><th scope="col">{ "Message" }</th>{ for heads }<th scope="col">{ "What differs" }</th></tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
            </div>
            if more > 0 {
                <p class="hint">{ format!("…and {more} more messages differ.") }</p>
            }
        </>
    }
}

#[component]
pub fn CompareView(props: &CompareViewProps) -> Html {
    let (scenario, commands): (Scenario, Vec<(u64, Command)>) = {
        let run = props.lab.run.borrow();
        (run.scenario().clone(), run.commands().to_vec())
    };
    let result = use_memo(
        (scenario.clone(), commands.clone()),
        |(scenario, commands)| {
            compare(scenario, commands, DEFAULT_COMPARE_STEPS).map_err(|error| error.to_string())
        },
    );
    let plan: Vec<String> = scenario
        .faults
        .iter()
        .map(|fault| fault_text(fault.at_step, &fault.command))
        .chain(
            commands
                .iter()
                .map(|(step, command)| fault_text(Some(*step), command)),
        )
        .collect();
    html! {
        <div class="analysis compare">
            <p class="intro">
                { format!("The simulator's scenario ({}, seed {}) and its fault plan, replayed under each delivery mode until nothing is left to happen. A named crash point is the same protocol moment in every mode; a fault at a step number happens at that step, which in another mode may be a different moment.", crate::plural::count(u64::from(scenario.messages), "message"), scenario.seed) }
            </p>
            <section class="panel" aria-label="Fault plan">
                <h2>{ "Fault plan" }</h2>
                if plan.is_empty() {
                    <p class="hint">{ "No fault: arm a crash point in the simulator (fault toolbar) and come back to see the modes differ." }</p>
                } else {
                    <ul class="fault-plan">{ for plan.iter().map(|text| html! { <li>{ text }</li> }) }</ul>
                }
            </section>
            {
                match &*result {
                    Ok(comparison) => html! {
                        <>
                            if let Some(kafka) = &scenario.kafka {
                                if kafka.groups > 1 {
                                    <p class="hint">{ format!("{} consumer groups read the topic, each on its own: each is judged on its own ledger, and the goal is every message exactly once in every group. The counters add the groups up.", kafka.groups) }</p>
                                }
                            }
                            if comparison.runs.len() < Mode::ALL.len() {
                                <p class="hint">{ "Transactional mode is left out: it needs one broker and a RabbitMQ-style queue, and this scenario has a replicated queue or Kafka consumer groups." }</p>
                            }
                            <div class="compare-columns">{ for comparison.runs.iter().map(|run| column(run, &props.on_open)) }</div>
                            <section class="panel" aria-label="What differs">
                                <h2>{ "What differs" }</h2>
                                { differences_table(comparison) }
                            </section>
                        </>
                    },
                    Err(error) => html! { <div class="notice error" role="alert"><p>{ format!("This scenario cannot be compared: {error}.") }</p></div> },
                }
            }
        </div>
    }
}
