//! The fault toolbar: crash and restart nodes, arm a crash at a named protocol point,
//! drop, duplicate or delay the next message on a link, partition a link, and set
//! random fault rates.

use mqlab_sim::{
    Command, CrashPoint, LinkId, MessageKind, Mode, NodeId, Ratio, RoleKind, Topology,
};
use yew::prelude::*;

use crate::components::controls::event_value;
use crate::state::LabAction;

#[derive(Properties, PartialEq)]
pub struct FaultToolbarProps {
    pub mode: Mode,
    /// The run's nodes and links: every node can crash, every link can fail.
    #[prop_or_default]
    pub topology: Topology,
    pub messages: u32,
    /// (node, up) for every node present in the mode.
    pub nodes: Vec<(NodeId, bool)>,
    pub partitions: Vec<LinkId>,
    pub breakpoints: Vec<String>,
    /// The fault plan: planned faults, then the commands applied, each with its step
    /// (`None`: armed from the start). Reset keeps it; each entry can be removed.
    #[prop_or_default]
    pub plan: Vec<(Option<u64>, Command)>,
    /// Kafka consumer groups: members commit offsets instead of acking, and their
    /// connections to the broker are reliable.
    #[prop_or_default]
    pub kafka: bool,
    pub dispatch: Callback<LabAction>,
}

/// "message", or the kind of message ("publish", "ack").
fn kind_word(kind: Option<MessageKind>) -> String {
    kind.map_or_else(|| "message".to_string(), |kind| kind.to_string())
}

/// "the 2nd ack about m3": which envelope a matching fault picks.
fn matching(kind: Option<MessageKind>, message: Option<u32>, nth: u32) -> String {
    let ordinal = match nth {
        1 => "next".to_string(),
        n if n % 10 == 2 && n % 100 != 12 => format!("{n}nd"),
        n if n % 10 == 3 && n % 100 != 13 => format!("{n}rd"),
        n if n % 10 == 1 && n % 100 != 11 => format!("{n}st"),
        n => format!("{n}th"),
    };
    let about = message.map(|m| format!(" about m{m}")).unwrap_or_default();
    format!("the {ordinal} {}{about}", kind_word(kind))
}

/// A fault of the plan in words, with when it happens.
pub fn fault_text(step: Option<u64>, command: &Command) -> String {
    let what = match command {
        Command::CrashAt {
            point,
            message,
            instance,
        } => format!(
            "crash at {}{}",
            point.name_at(*instance),
            message.map(|m| format!(" for m{m}")).unwrap_or_default()
        ),
        Command::Crash(node) => format!("crash the {}", node.name()),
        Command::Restart(node) => format!("restart the {}", node.name()),
        Command::DropNext { link, kind } => format!("drop the next {} on {link}", kind_word(*kind)),
        Command::DuplicateNext { link } => format!("duplicate the next message on {link}"),
        Command::DelayNext { link, ticks } => {
            format!("delay the next message on {link} by {ticks} ticks")
        }
        Command::DropMatching {
            link,
            kind,
            message,
            nth,
        } => {
            format!("drop {} on {link}", matching(*kind, *message, *nth))
        }
        Command::DuplicateMatching {
            link,
            kind,
            message,
            nth,
        } => {
            format!("duplicate {} on {link}", matching(*kind, *message, *nth))
        }
        Command::DelayMatching {
            link,
            kind,
            message,
            nth,
            ticks,
        } => format!(
            "delay {} on {link} by {ticks} ticks",
            matching(*kind, *message, *nth)
        ),
        Command::Partition { link } => format!("partition {link}"),
        Command::Heal { link } => format!("heal {link}"),
        Command::SetLoss(ratio) => format!("loss rate {ratio} on every link"),
        Command::SetDuplicate(ratio) => format!("duplication rate {ratio} on every link"),
        Command::SetReorder(ratio) => format!("reordering rate {ratio} on every link"),
        Command::SetCrashRate(ratio) => format!("random crash rate {ratio} per step"),
        Command::ReplayDeadLetters => "replay the dead-letter queue".to_string(),
    };
    match step {
        Some(step) => format!("{what} (at step {step})"),
        None => format!("{what} (armed from the start)"),
    }
}

/// With more nodes than this, the node buttons shrink to one short row per node.
const COMPACT_NODES: usize = 4;

/// Every crash point of a mode, once for each node of the point's role: ("consumer-2
/// after apply" is the second consumer's), in the order of `CrashPoint::ALL`. A Kafka
/// consumer commits offsets instead of acking: "after commit" takes "after ack"'s place.
pub fn crash_choices(topology: &Topology, mode: Mode, kafka: bool) -> Vec<(CrashPoint, u8)> {
    // A replicated queue has no fsync point (its log survives a process crash in the
    // page cache) and adds the replication points, for every replica.
    let replicated = topology.replicated();
    let extra: &[CrashPoint] = if replicated {
        &CrashPoint::REPLICATION[1..]
    } else {
        &[]
    };
    CrashPoint::ALL
        .iter()
        .chain(extra)
        .copied()
        .filter(|point| point.applies_to(mode))
        .filter(|point| !(replicated && *point == CrashPoint::BrokerAfterFsync))
        .flat_map(|point| match point {
            CrashPoint::ConsumerAfterAck if kafka => CrashPoint::GROUPS.to_vec(),
            _ => vec![point],
        })
        .flat_map(|point| {
            let count = topology.count(point.node().role()).min(u16::from(u8::MAX));
            (0..count).map(move |instance| (point, instance as u8))
        })
        .collect()
}

/// A rate slider's range: per mille, so that 0.1 % steps are possible.
const RATE_MAX_PER_MILLE: u32 = 500;

#[component]
pub fn FaultToolbar(props: &FaultToolbarProps) -> Html {
    let points = crash_choices(&props.topology, props.mode, props.kafka);
    let mut links = props.topology.links(props.mode);
    links.extend(props.topology.replication_links(props.mode));
    if props.kafka {
        links.retain(|link| {
            link.from.role() != RoleKind::Consumer && link.to.role() != RoleKind::Consumer
        });
    }
    let point = use_state(|| None::<(CrashPoint, u8)>);
    let message = use_state(|| None::<u32>);
    let link = use_state(|| None::<LinkId>);
    let delay_ticks = use_state(|| 20_u64);
    let rates = use_state(|| [0_u32; 4]);

    // Choices that no longer exist in the mode fall back to the first available one.
    let chosen_point = (*point)
        .filter(|p| points.contains(p))
        .or_else(|| points.first().copied());
    let chosen_link = (*link)
        .filter(|l| links.contains(l))
        .or_else(|| links.first().copied());
    let chosen_message = (*message).filter(|m| *m >= 1 && *m <= props.messages);

    let apply = |command: Command| {
        let dispatch = props.dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.emit(LabAction::Apply(command.clone())))
    };

    let compact = props.nodes.len() > COMPACT_NODES;
    // The controller cannot crash in this version; its links can be cut.
    let crashable = props
        .nodes
        .iter()
        .filter(|(node, _)| node.role() != RoleKind::Controller);
    let node_buttons = crashable.map(|&(node, up)| {
        if compact {
            return html! {
                <div class="node-row">
                    <span class="node-name">{ node.name().to_string() }</span>
                    <button class="danger small" disabled={!up} onclick={apply(Command::Crash(node))}
                            aria-label={format!("Crash {}", node.name())} title={format!("Crash {}", node.name())}>
                        { "✖ Crash" }
                    </button>
                    <button class="small" disabled={up} onclick={apply(Command::Restart(node))}
                            aria-label={format!("Restart {}", node.name())} title={format!("Restart {}", node.name())}>
                        { "↻ Restart" }
                    </button>
                </div>
            };
        }
        html! {
            <>
                <button class="danger" disabled={!up} onclick={apply(Command::Crash(node))}
                        aria-label={format!("Crash {}", node.name())}>
                    { format!("✖ Crash {}", node.name()) }
                </button>
                <button disabled={up} onclick={apply(Command::Restart(node))}
                        aria-label={format!("Restart {}", node.name())}>
                    { format!("↻ Restart {}", node.name()) }
                </button>
            </>
        }
    });

    let on_point = {
        let point = point.clone();
        Callback::from(move |event: Event| {
            point.set(CrashPoint::parse_at(&event_value(&event)).ok())
        })
    };
    let on_message = {
        let message = message.clone();
        Callback::from(move |event: Event| message.set(event_value(&event).parse().ok()))
    };
    let on_link = {
        let link = link.clone();
        Callback::from(move |event: Event| link.set(event_value(&event).parse().ok()))
    };
    let on_delay = {
        let delay_ticks = delay_ticks.clone();
        Callback::from(move |event: Event| {
            if let Ok(ticks) = event_value(&event).trim().parse::<u64>() {
                delay_ticks.set(ticks.clamp(1, 10_000));
            }
        })
    };
    let arm = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some((point, instance)) = chosen_point {
                dispatch.emit(LabAction::Apply(Command::CrashAt {
                    point,
                    message: chosen_message,
                    instance,
                }));
            }
        })
    };

    let clear = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.emit(LabAction::ClearFaults))
    };
    let link_buttons = chosen_link.map(|link| {
        let partitioned = props.partitions.contains(&link);
        // A replicated world cuts and heals both directions at once, as a cut cable
        // would: one command per direction that needs it, so that links and time travel
        // replay them.
        let pair = if props.topology.replicated() {
            vec![link, LinkId::new(link.to, link.from)]
        } else {
            vec![link]
        };
        let toggle = {
            let dispatch = props.dispatch.clone();
            let partitions = props.partitions.clone();
            Callback::from(move |_: MouseEvent| {
                for &link in pair.iter().filter(|l| partitions.contains(l) == partitioned) {
                    let command = if partitioned {
                        Command::Heal { link }
                    } else {
                        Command::Partition { link }
                    };
                    dispatch.emit(LabAction::Apply(command));
                }
            })
        };
        html! {
            <div class="row">
                <button onclick={apply(Command::DropNext { link, kind: None })}>{ "✗ Drop next" }</button>
                <button onclick={apply(Command::DuplicateNext { link })}>{ "⇉ Duplicate next" }</button>
                <button onclick={apply(Command::DelayNext { link, ticks: *delay_ticks })}>{ "◔ Delay next" }</button>
                if partitioned {
                    <button onclick={toggle}>{ "⚭ Heal link" }</button>
                } else {
                    <button class="danger" onclick={toggle}>{ "✂ Partition link" }</button>
                }
            </div>
        }
    });

    let rate_labels = ["Loss", "Duplication", "Reordering", "Random crash"];
    let rate_rows = rate_labels.iter().enumerate().map(|(index, label)| {
        let value = rates[index];
        let oninput = {
            let rates = rates.clone();
            let dispatch = props.dispatch.clone();
            Callback::from(move |event: InputEvent| {
                let event: Event = event.into();
                let Ok(per_mille) = event_value(&event).parse::<u32>() else {
                    return;
                };
                let per_mille = per_mille.min(RATE_MAX_PER_MILLE);
                let mut next = *rates;
                next[index] = per_mille;
                rates.set(next);
                let ratio = Ratio::new(per_mille, 1000);
                let command = match index {
                    0 => Command::SetLoss(ratio),
                    1 => Command::SetDuplicate(ratio),
                    2 => Command::SetReorder(ratio),
                    _ => Command::SetCrashRate(Ratio::new(per_mille, 100_000)),
                };
                dispatch.emit(LabAction::Apply(command));
            })
        };
        let id = format!("rate-{index}");
        let shown = if index == 3 {
            format!("{}‰", crate::decimal::fixed_point(i64::from(value), 2))
        } else {
            format!("{}%", crate::decimal::fixed_point(i64::from(value), 1))
        };
        html! {
            <div class="slider-row">
                <label for={id.clone()}>{ *label }</label>
                <input id={id} type="range" min="0" max={RATE_MAX_PER_MILLE.to_string()} step="5"
                       value={value.to_string()} {oninput} aria-valuetext={shown.clone()} />
                <span class="step-readout">{ shown }</span>
            </div>
        }
    });

    html! {
        <section class="panel faults" aria-label="Faults">
            <h2>{ "Faults" }</h2>
            <fieldset>
                <legend>{ "Nodes" }</legend>
                <div class={classes!("node-buttons", compact.then_some("compact"))}>{ for node_buttons }</div>
            </fieldset>
            <fieldset role="group" aria-label="Crash at">
                <legend>{ "Crash at" }</legend>
                <div class="row">
                    <label class="visually-hidden" for="crash-point">{ "Crash point" }</label>
                    <select id="crash-point" onchange={on_point}>
                        { for points.iter().map(|&(p, instance)| html! {
                            <option value={p.name_at(instance)} selected={Some((p, instance)) == chosen_point} title={p.describe_in(props.mode)}>{ p.name_at(instance) }</option>
                        }) }
                    </select>
                    <label class="visually-hidden" for="crash-message">{ "For message" }</label>
                    <select id="crash-message" onchange={on_message}>
                        <option value="any" selected={chosen_message.is_none()}>{ "any message" }</option>
                        { for (1..=props.messages.min(200)).map(|m| html! {
                            <option value={m.to_string()} selected={chosen_message == Some(m)}>{ format!("m{m}") }</option>
                        }) }
                    </select>
                    <button onclick={arm} disabled={chosen_point.is_none()}>{ "Arm" }</button>
                </div>
                if let Some((p, _)) = chosen_point {
                    <p class="hint">{ p.describe_in(props.mode) }</p>
                }
                if !props.breakpoints.is_empty() {
                    <ul class="armed" aria-label="Armed crash points">
                        { for props.breakpoints.iter().map(|b| html! { <li>{ format!("⚑ {b}") }</li> }) }
                    </ul>
                }
            </fieldset>
            <fieldset role="group" aria-label="Fault plan">
                <legend>{ "Fault plan" }</legend>
                if props.plan.is_empty() {
                    <p class="hint">{ "No fault yet. Faults you arm or apply are kept here; Reset replays them from step 0." }</p>
                } else {
                    <ul class="fault-plan-list" aria-label="Faults in the plan">
                        { for props.plan.iter().enumerate().map(|(index, (step, command))| {
                            let text = fault_text(*step, command);
                            let dispatch = props.dispatch.clone();
                            let onclick = Callback::from(move |_: MouseEvent| dispatch.emit(LabAction::RemoveFault(index)));
                            html! {
                                <li>
                                    <span>{ text.clone() }</span>
                                    <button class="small" {onclick} aria-label={format!("Remove fault: {text}")} title="Remove this fault and replay the run without it">{ "✕" }</button>
                                </li>
                            }
                        }) }
                    </ul>
                    <button class="small" onclick={clear} title="Remove every fault and start again from step 0">{ "Clear faults" }</button>
                }
            </fieldset>
            <fieldset>
                <legend>{ "Links" }</legend>
                <div class="row">
                    <label class="visually-hidden" for="fault-link">{ "Link" }</label>
                    <select id="fault-link" onchange={on_link}>
                        { for links.iter().map(|l| html! {
                            <option value={l.to_string()} selected={Some(*l) == chosen_link}>{ l.to_string() }</option>
                        }) }
                    </select>
                    <label for="delay-ticks">{ "delay" }</label>
                    <input id="delay-ticks" type="number" min="1" max="10000" value={delay_ticks.to_string()} onchange={on_delay} />
                </div>
                { for link_buttons }
            </fieldset>
            <fieldset>
                <legend>{ "Random fault rates" }</legend>
                { for rate_rows }
            </fieldset>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fault_of_a_plan_reads_as_words() {
        let link: LinkId = "producer->broker".parse().expect("a link");
        assert_eq!(
            fault_text(
                Some(3),
                &Command::CrashAt {
                    point: CrashPoint::ConsumerAfterApply,
                    message: Some(2),
                    instance: 0,
                }
            ),
            "crash at consumer.after_apply for m2 (at step 3)"
        );
        assert_eq!(
            fault_text(None, &Command::DropNext { link, kind: None }),
            format!("drop the next message on {link} (armed from the start)")
        );
        assert_eq!(
            fault_text(
                Some(0),
                &Command::DropMatching {
                    link,
                    kind: Some(MessageKind::Publish),
                    message: Some(3),
                    nth: 2
                }
            ),
            format!("drop the 2nd publish about m3 on {link} (at step 0)")
        );
        assert_eq!(
            fault_text(Some(5), &Command::SetLoss(Ratio::new(1, 20))),
            format!("loss rate {} on every link (at step 5)", Ratio::new(1, 20))
        );
    }

    #[test]
    fn each_crash_point_is_offered_for_every_node_of_its_role() {
        let single = crash_choices(&Topology::default(), Mode::AtLeastOnce, false);
        assert!(single.iter().all(|(_, instance)| *instance == 0));
        let topology = Topology {
            producers: 2,
            brokers: 1,
            consumers: 3,
        };
        let names: Vec<String> = crash_choices(&topology, Mode::AtLeastOnce, false)
            .into_iter()
            .map(|(point, instance)| point.name_at(instance))
            .collect();
        for name in [
            "consumer.after_apply",
            "consumer-2.after_apply",
            "consumer-3.after_apply",
            "producer-2.after_send",
        ] {
            assert!(
                names.iter().any(|n| n == name),
                "{name} missing from {names:?}"
            );
        }
        assert!(!names
            .iter()
            .any(|n| n.starts_with("consumer-4") || n.starts_with("broker-2")));
        // A replicated queue offers the replication points for every replica, and no
        // fsync point.
        let replicated = Topology {
            brokers: 3,
            ..Topology::default()
        };
        let names: Vec<String> = crash_choices(&replicated, Mode::AtLeastOnce, false)
            .into_iter()
            .map(|(point, instance)| point.name_at(instance))
            .collect();
        for name in [
            "broker.after_append",
            "broker.after_confirm",
            "broker-2.after_fetch",
            "broker-3.after_append",
        ] {
            assert!(names.iter().any(|n| n == name), "{name} missing");
        }
        assert!(
            !names.iter().any(|n| n.ends_with("after_fsync")),
            "{names:?}"
        );
        // A Kafka member commits instead of acking.
        let names: Vec<String> = crash_choices(&topology, Mode::AtLeastOnce, true)
            .into_iter()
            .map(|(point, instance)| point.name_at(instance))
            .collect();
        assert!(
            names.iter().any(|n| n == "consumer-3.after_commit"),
            "{names:?}"
        );
        assert!(!names.iter().any(|n| n.ends_with("after_ack")), "{names:?}");
        // Each name reads back as the choice it came from.
        for (point, instance) in crash_choices(&topology, Mode::Transactional, false) {
            assert_eq!(
                CrashPoint::parse_at(&point.name_at(instance)),
                Ok((point, instance))
            );
        }
    }
}
