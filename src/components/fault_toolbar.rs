//! The fault toolbar: crash and restart nodes, arm a crash at a named protocol point,
//! drop, duplicate or delay the next message on a link, partition a link, and set
//! random fault rates.

use mqlab_sim::{
    Command, CrashPoint, LinkId, MessageKind, Mode, NodeId, Ratio, RoleKind, Topology,
};
use mqlab_text::panels::Key;
use mqlab_text::Words;
use yew::prelude::*;

use crate::components::controls::event_value;
use crate::state::LabAction;
use crate::words::current as words_now;

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
fn kind_word(words: &Words, kind: Option<MessageKind>) -> String {
    kind.map_or_else(
        || words.get(Key::FaultMessage).to_string(),
        |kind| kind.to_string(),
    )
}

/// "the 2nd ack about m3": which envelope a matching fault picks.
fn matching(words: &Words, kind: Option<MessageKind>, message: Option<u32>, nth: u32) -> String {
    let ordinal = match nth {
        1 => words.get(Key::FaultNext).to_string(),
        n => {
            let key = match n {
                n if n % 10 == 2 && n % 100 != 12 => Key::FaultNthNd,
                n if n % 10 == 3 && n % 100 != 13 => Key::FaultNthRd,
                n if n % 10 == 1 && n % 100 != 11 => Key::FaultNthSt,
                _ => Key::FaultNthTh,
            };
            words.fill(key, &[("n", n.into())])
        }
    };
    let kind = kind_word(words, kind);
    match message {
        Some(m) => words.fill(
            Key::FaultMatchingAbout,
            &[
                ("nth", ordinal.into()),
                ("kind", kind.into()),
                ("message", m.into()),
            ],
        ),
        None => words.fill(
            Key::FaultMatching,
            &[("nth", ordinal.into()), ("kind", kind.into())],
        ),
    }
}

/// A fault of the plan in words, with when it happens, in English.
pub fn fault_text(step: Option<u64>, command: &Command) -> String {
    fault_text_in(&Words::english(), step, command)
}

/// A fault of the plan in words, with when it happens.
pub fn fault_text_in(words: &Words, step: Option<u64>, command: &Command) -> String {
    let link_of = |link: &LinkId| link.to_string();
    let what = match command {
        Command::CrashAt {
            point,
            message,
            instance,
        } => match message {
            Some(m) => words.fill(
                Key::FaultTextCrashAtFor,
                &[
                    ("point", point.name_at(*instance).into()),
                    ("message", (*m).into()),
                ],
            ),
            None => words.fill(
                Key::FaultTextCrashAt,
                &[("point", point.name_at(*instance).into())],
            ),
        },
        Command::Crash(node) => words.fill(
            Key::FaultTextCrash,
            &[("node", node.name().to_string().into())],
        ),
        Command::Restart(node) => words.fill(
            Key::FaultTextRestart,
            &[("node", node.name().to_string().into())],
        ),
        Command::DropNext { link, kind } => words.fill(
            Key::FaultTextDropNext,
            &[
                ("kind", kind_word(words, *kind).into()),
                ("link", link_of(link).into()),
            ],
        ),
        Command::DuplicateNext { link } => words.fill(
            Key::FaultTextDuplicateNext,
            &[("link", link_of(link).into())],
        ),
        Command::DelayNext { link, ticks } => words.fill(
            Key::FaultTextDelayNext,
            &[("link", link_of(link).into()), ("ticks", (*ticks).into())],
        ),
        Command::DropMatching {
            link,
            kind,
            message,
            nth,
        } => words.fill(
            Key::FaultTextDrop,
            &[
                ("which", matching(words, *kind, *message, *nth).into()),
                ("link", link_of(link).into()),
            ],
        ),
        Command::DuplicateMatching {
            link,
            kind,
            message,
            nth,
        } => words.fill(
            Key::FaultTextDuplicate,
            &[
                ("which", matching(words, *kind, *message, *nth).into()),
                ("link", link_of(link).into()),
            ],
        ),
        Command::DelayMatching {
            link,
            kind,
            message,
            nth,
            ticks,
        } => words.fill(
            Key::FaultTextDelay,
            &[
                ("which", matching(words, *kind, *message, *nth).into()),
                ("link", link_of(link).into()),
                ("ticks", (*ticks).into()),
            ],
        ),
        Command::Partition { link } => {
            words.fill(Key::FaultTextPartition, &[("link", link_of(link).into())])
        }
        Command::Heal { link } => words.fill(Key::FaultTextHeal, &[("link", link_of(link).into())]),
        Command::SetLoss(ratio) => words.fill(
            Key::FaultTextLossRate,
            &[("ratio", ratio.to_string().into())],
        ),
        Command::SetDuplicate(ratio) => words.fill(
            Key::FaultTextDuplicationRate,
            &[("ratio", ratio.to_string().into())],
        ),
        Command::SetReorder(ratio) => words.fill(
            Key::FaultTextReorderingRate,
            &[("ratio", ratio.to_string().into())],
        ),
        Command::SetCrashRate(ratio) => words.fill(
            Key::FaultTextCrashRate,
            &[("ratio", ratio.to_string().into())],
        ),
        Command::ReplayDeadLetters => words.get(Key::FaultTextReplay).to_string(),
    };
    match step {
        Some(step) => words.fill(
            Key::FaultTextAtStep,
            &[("fault", what.into()), ("step", step.into())],
        ),
        None => words.fill(Key::FaultTextFromStart, &[("fault", what.into())]),
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
    let words = words_now();
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
        let name = || node.name().to_string();
        let crash = words.fill(Key::FaultCrashNode, &[("node", name().into())]);
        let restart = words.fill(Key::FaultRestartNode, &[("node", name().into())]);
        if compact {
            return html! {
                <div class="node-row">
                    <span class="node-name">{ name() }</span>
                    <button class="danger small" disabled={!up} onclick={apply(Command::Crash(node))}
                            aria-label={crash.clone()} title={crash}>
                        { words.get(Key::FaultCrash) }
                    </button>
                    <button class="small" disabled={up} onclick={apply(Command::Restart(node))}
                            aria-label={restart.clone()} title={restart}>
                        { words.get(Key::FaultRestart) }
                    </button>
                </div>
            };
        }
        html! {
            <>
                <button class="danger" disabled={!up} onclick={apply(Command::Crash(node))}
                        aria-label={crash}>
                    { words.fill(Key::FaultCrashNodeButton, &[("node", name().into())]) }
                </button>
                <button disabled={up} onclick={apply(Command::Restart(node))}
                        aria-label={restart}>
                    { words.fill(Key::FaultRestartNodeButton, &[("node", name().into())]) }
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
                <button onclick={apply(Command::DropNext { link, kind: None })}>{ words.get(Key::FaultDropNextButton) }</button>
                <button onclick={apply(Command::DuplicateNext { link })}>{ words.get(Key::FaultDuplicateNextButton) }</button>
                <button onclick={apply(Command::DelayNext { link, ticks: *delay_ticks })}>{ words.get(Key::FaultDelayNextButton) }</button>
                if partitioned {
                    <button onclick={toggle}>{ words.get(Key::FaultHealLink) }</button>
                } else {
                    <button class="danger" onclick={toggle}>{ words.get(Key::FaultPartitionLink) }</button>
                }
            </div>
        }
    });

    let rate_labels = [
        Key::FaultRateLoss,
        Key::FaultRateDuplication,
        Key::FaultRateReordering,
        Key::FaultRateCrash,
    ];
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
                <label for={id.clone()}>{ words.get(*label) }</label>
                <input id={id} type="range" min="0" max={RATE_MAX_PER_MILLE.to_string()} step="5"
                       value={value.to_string()} {oninput} aria-valuetext={shown.clone()} />
                <span class="step-readout">{ shown }</span>
            </div>
        }
    });

    html! {
        <section class="panel faults" aria-label={words.get(Key::FaultTitle)}>
            <h2>{ words.get(Key::FaultTitle) }</h2>
            <fieldset>
                <legend>{ words.get(Key::FaultNodes) }</legend>
                <div class={classes!("node-buttons", compact.then_some("compact"))}>{ for node_buttons }</div>
            </fieldset>
            <fieldset role="group" aria-label={words.get(Key::FaultCrashAt)}>
                <legend>{ words.get(Key::FaultCrashAt) }</legend>
                <div class="row">
                    <label class="visually-hidden" for="crash-point">{ words.get(Key::FaultCrashPoint) }</label>
                    <select id="crash-point" onchange={on_point}>
                        { for points.iter().map(|&(p, instance)| html! {
                            <option value={p.name_at(instance)} selected={Some((p, instance)) == chosen_point} title={p.describe_in_words(props.mode, &words)}>{ p.name_at(instance) }</option>
                        }) }
                    </select>
                    <label class="visually-hidden" for="crash-message">{ words.get(Key::FaultForMessage) }</label>
                    <select id="crash-message" onchange={on_message}>
                        <option value="any" selected={chosen_message.is_none()}>{ words.get(Key::FaultAnyMessage) }</option>
                        { for (1..=props.messages.min(200)).map(|m| html! {
                            <option value={m.to_string()} selected={chosen_message == Some(m)}>{ format!("m{m}") }</option>
                        }) }
                    </select>
                    <button onclick={arm} disabled={chosen_point.is_none()}>{ words.get(Key::FaultArm) }</button>
                </div>
                if let Some((p, _)) = chosen_point {
                    <p class="hint">{ p.describe_in_words(props.mode, &words) }</p>
                }
                if !props.breakpoints.is_empty() {
                    <ul class="armed" aria-label={words.get(Key::FaultArmed)}>
                        { for props.breakpoints.iter().map(|b| html! { <li>{ format!("⚑ {b}") }</li> }) }
                    </ul>
                }
            </fieldset>
            <fieldset role="group" aria-label={words.get(Key::FaultPlan)}>
                <legend>{ words.get(Key::FaultPlan) }</legend>
                if props.plan.is_empty() {
                    <p class="hint">{ words.get(Key::FaultPlanEmpty) }</p>
                } else {
                    <ul class="fault-plan-list" aria-label={words.get(Key::FaultPlanList)}>
                        { for props.plan.iter().enumerate().map(|(index, (step, command))| {
                            let text = fault_text_in(&words, *step, command);
                            let dispatch = props.dispatch.clone();
                            let onclick = Callback::from(move |_: MouseEvent| dispatch.emit(LabAction::RemoveFault(index)));
                            html! {
                                <li>
                                    <span>{ text.clone() }</span>
                                    <button class="small" {onclick} aria-label={words.fill(Key::FaultRemove, &[("fault", text.as_str().into())])} title={words.get(Key::FaultRemoveHelp)}>{ "✕" }</button>
                                </li>
                            }
                        }) }
                    </ul>
                    <button class="small" onclick={clear} title={words.get(Key::FaultClearHelp)}>{ words.get(Key::FaultClear) }</button>
                }
            </fieldset>
            <fieldset>
                <legend>{ words.get(Key::FaultLinks) }</legend>
                <div class="row">
                    <label class="visually-hidden" for="fault-link">{ words.get(Key::FaultLink) }</label>
                    <select id="fault-link" onchange={on_link}>
                        { for links.iter().map(|l| html! {
                            <option value={l.to_string()} selected={Some(*l) == chosen_link}>{ l.to_string() }</option>
                        }) }
                    </select>
                    <label for="delay-ticks">{ words.get(Key::FaultDelay) }</label>
                    <input id="delay-ticks" type="number" min="1" max="10000" value={delay_ticks.to_string()} onchange={on_delay} />
                </div>
                { for link_buttons }
            </fieldset>
            <fieldset>
                <legend>{ words.get(Key::FaultRates) }</legend>
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
