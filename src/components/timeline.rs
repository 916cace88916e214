//! The space-time (Lamport) diagram: one lane per node, time running left to right in
//! ticks, an arrow per message from its sending to its arrival, a cross where one was
//! lost, marks for crashes, restarts and commands, and 2PC transactions shaded on the
//! coordinator's lane. A cursor marks the current tick; a slider scrubs to any step up to
//! the furthest one reached, and clicking an event jumps to its step.
//!
//! Only the visible window is drawn: the trace is sorted by tick, so the window's events
//! are found by binary search and a run of 100,000 steps costs no more to draw than a
//! short one.

use mqlab_sim::{Detail, EventKind, GroupDetail, InFlight, MessageKind, NodeId, TraceEvent};
use mqlab_text::simulator::Key;
use yew::prelude::*;

use crate::decimal::tenths;

use crate::components::controls::event_value;
use crate::components::stage::message_caption;
use std::cell::RefCell;
use std::rc::Rc;

use mqlab_sim::Run;

use crate::state::LabAction;
use crate::words::current as words_now;

#[derive(Properties)]
pub struct TimelineProps {
    /// The run, read when drawing.
    pub run: Rc<RefCell<Run>>,
    /// Changes whenever the diagram should be drawn again.
    pub version: u64,
    /// The furthest step reached, for the scrubber.
    pub horizon: u64,
    /// The envelopes on the links now, from the simulator's snapshot.
    pub in_flight: Vec<InFlight>,
    /// Changes when the steps' words arrive (`steps.txt`): the events' titles tell them.
    pub words_arrived: bool,
    pub dispatch: Callback<LabAction>,
}

impl PartialEq for TimelineProps {
    fn eq(&self, other: &TimelineProps) -> bool {
        Rc::ptr_eq(&self.run, &other.run)
            && self.version == other.version
            && self.horizon == other.horizon
            && self.in_flight == other.in_flight
            && self.words_arrived == other.words_arrived
            && self.dispatch == other.dispatch
    }
}

/// Window widths, in ticks, from closest to widest.
pub const ZOOMS: [u64; 8] = [10, 20, 40, 80, 160, 320, 640, 1280];
const DEFAULT_ZOOM: usize = 2;
/// The diagram's drawing width and the left margin for lane names, in SVG units.
const WIDTH: f64 = 1000.0;
const MARGIN: f64 = 96.0;
const LANE_GAP: f64 = 44.0;
/// The most events drawn at once; beyond it the window is too wide to read anyway.
const MAX_DRAWN: usize = 400;

/// The window of ticks shown: the cursor sits at four fifths of its width.
pub fn window(now_tick: u64, width_ticks: u64) -> (u64, u64) {
    let start = now_tick.saturating_sub(width_ticks * 4 / 5);
    (start, start + width_ticks)
}

/// The events whose tick lies in `[start, end]`, found by binary search (the trace is in
/// tick order), and at most `MAX_DRAWN` of them (the latest).
pub fn visible(trace: &[TraceEvent], start: u64, end: u64) -> &[TraceEvent] {
    let from = trace.partition_point(|e| e.tick < start);
    let to = trace.partition_point(|e| e.tick <= end);
    let from = from.max(to.saturating_sub(MAX_DRAWN));
    &trace[from..to]
}

/// The lanes, top to bottom: the coordinator (when present) above the pipeline, then
/// every other node of the run in drawing order (producers, brokers, consumers).
pub fn lanes(present: &[NodeId]) -> Vec<NodeId> {
    let coordinator = present
        .iter()
        .copied()
        .filter(|n| *n == NodeId::COORDINATOR);
    let pipeline = present
        .iter()
        .copied()
        .filter(|n| *n != NodeId::COORDINATOR);
    coordinator.chain(pipeline).collect()
}

/// A label's box in the diagram's units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LabelBox {
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub bottom: f64,
}

impl LabelBox {
    /// The box of a label of `chars` characters centred on `x`, with its baseline at `y`.
    pub fn around(x: f64, y: f64, chars: usize) -> LabelBox {
        let half = chars as f64 * LABEL_CHAR_WIDTH / 2.0 + 1.0;
        LabelBox {
            left: x - half,
            right: x + half,
            top: y - LABEL_HEIGHT + 2.0,
            bottom: y + 2.0,
        }
    }

    fn overlaps(&self, other: &LabelBox) -> bool {
        self.left < other.right
            && other.left < self.right
            && self.top < other.bottom
            && other.top < self.bottom
    }
}

/// The width of one character of an arrow's label (10 px monospace), and a label's
/// height, in the diagram's units.
const LABEL_CHAR_WIDTH: f64 = 6.2;
const LABEL_HEIGHT: f64 = 11.0;
/// Where a label may go, relative to its arrow's middle: there, then a line above or
/// below. A label with no free place is left out; the arrow keeps its title.
const LABEL_OFFSETS: [f64; 5] = [
    0.0,
    -LABEL_HEIGHT,
    LABEL_HEIGHT,
    -2.0 * LABEL_HEIGHT,
    2.0 * LABEL_HEIGHT,
];

/// Finds a place for a label near `(x, y)` that overlaps no label placed before it, and
/// takes it; `None` when every place tried is taken.
pub fn place_label(placed: &mut Vec<LabelBox>, x: f64, y: f64, chars: usize) -> Option<(f64, f64)> {
    for offset in LABEL_OFFSETS {
        let candidate = LabelBox::around(x, y + offset, chars);
        if placed.iter().all(|other| !candidate.overlaps(other)) {
            placed.push(candidate);
            return Some((x, y + offset));
        }
    }
    None
}

#[component]
pub fn Timeline(props: &TimelineProps) -> Html {
    let words = words_now();
    let zoom = use_state(|| DEFAULT_ZOOM);
    let run = props.run.borrow();
    let sim = run.sim();
    let snapshot_nodes = lanes(&sim.scenario().nodes());
    let now = sim.tick();
    let step = sim.step_index();
    let width_ticks = ZOOMS[(*zoom).min(ZOOMS.len() - 1)];
    let (start, end) = window(now, width_ticks);
    let x = |tick: u64| {
        MARGIN + (tick.saturating_sub(start) as f64) * (WIDTH - MARGIN - 10.0) / width_ticks as f64
    };
    let x_signed = |tick: u64| {
        if tick < start {
            MARGIN - (start - tick) as f64 * (WIDTH - MARGIN - 10.0) / width_ticks as f64
        } else {
            x(tick)
        }
    };
    let lane_y = |node: NodeId| {
        let index = snapshot_nodes.iter().position(|n| *n == node).unwrap_or(0);
        28.0 + index as f64 * LANE_GAP
    };
    let height = 28.0 + snapshot_nodes.len() as f64 * LANE_GAP;
    let events = visible(sim.trace(), start, end);
    let labels = width_ticks <= 40 && events.len() <= 150;
    let seek = |target: u64| {
        let dispatch = props.dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.emit(LabAction::Seek(target)))
    };

    // 2PC transactions: a band on the coordinator's lane from its first to its last
    // visible event.
    let mut bands: Vec<(u32, u64, u64)> = Vec::new();
    for event in events.iter().filter(|e| e.kind != EventKind::Command) {
        if let Some(txn) = event.txn {
            match bands.iter_mut().find(|(t, _, _)| *t == txn) {
                Some(band) => band.2 = band.2.max(event.tick),
                None => bands.push((txn, event.tick, event.tick)),
            }
        }
    }
    let coordinator_present = snapshot_nodes.contains(&NodeId::COORDINATOR);
    // Transactions run side by side (up to "max in flight"): each band takes the first
    // row of the coordinator's lane that is free when it begins.
    let mut row_ends: Vec<u64> = Vec::new();
    let rows: Vec<usize> = bands
        .iter()
        .map(
            |(_, from, to)| match row_ends.iter().position(|end| *end < *from) {
                Some(row) => {
                    row_ends[row] = *to;
                    row
                }
                None => {
                    row_ends.push(*to);
                    row_ends.len() - 1
                }
            },
        )
        .collect();
    let row_height = 32.0 / row_ends.len().max(1) as f64;
    // Labels already drawn, so that no two print over each other: the transactions'
    // names first, then the arrows' in time order. A name with no free place is left
    // out; its band keeps its title.
    let placed = std::cell::RefCell::new(Vec::<LabelBox>::new());
    let band_shapes = bands.iter().zip(rows).filter(|_| coordinator_present).map(|((txn, from, to), row)| {
        let y = lane_y(NodeId::COORDINATOR);
        let (x1, x2) = (x_signed(*from), x(*to).max(x_signed(*from) + 4.0));
        let name = format!("t{txn}");
        let chars = name.chars().count();
        let top = y - 16.0 + row as f64 * row_height;
        let at = place_label(&mut placed.borrow_mut(), x1 + 3.0 + chars as f64 * LABEL_CHAR_WIDTH / 2.0, y - 19.0, chars);
        html! {
            <g class={classes!("txn-band", (txn % 2 == 0).then_some("even"))}>
                <title>{ words.fill(Key::TimelineTxnTitle, &[("txn", (*txn).into()), ("from", (*from).into()), ("to", (*to).into())]) }</title>
                <rect x={tenths(x1)} y={tenths(top)} width={tenths(x2 - x1)} height={tenths(row_height - 1.0)} rx="4" />
                if let Some((lx, ly)) = at {
                    <text x={tenths(lx)} y={tenths(ly)} text-anchor="middle">{ name }</text>
                }
            </g>
        }
    });

    let lanes = snapshot_nodes.iter().map(|&node| {
        let y = lane_y(node);
        html! {
            <g class={classes!("lane", node.role().name())}>
                <text class="lane-name" x="6" y={tenths(y + 4.0)}>{ crate::words::node_title(&words, node) }</text>
                <line x1={tenths(MARGIN)} x2={tenths(WIDTH)} y1={tenths(y)} y2={tenths(y)} />
            </g>
        }
    });

    let marks = events.iter().map(|event| {
        let on_click = seek(event.step);
        let title = words.fill(Key::TimelineEventTitle, &[("step", event.step.into()), ("tick", event.tick.into()), ("narration", sim.tell(event).as_str().into())]);
        let current = event.step + 1 == step || (event.kind == EventKind::Command && event.step == step);
        let class = classes!("event", format!("kind-{}", event.kind.as_str()), current.then_some("current"));
        match (event.link, event.sent_tick) {
            (Some(link), Some(sent)) if sent < event.tick || matches!(event.kind, EventKind::Drop | EventKind::ArriveWhileDown) => {
                if !snapshot_nodes.contains(&link.from) || !snapshot_nodes.contains(&link.to) {
                    return html! {};
                }
                let (x1, y1, x2, y2) = (x_signed(sent), lane_y(link.from), x(event.tick), lane_y(link.to));
                let lost = matches!(event.kind, EventKind::Drop | EventKind::ArriveWhileDown);
                // A lost ack, confirm or query is drawn apart from a lost message itself.
                let control = lost && !crate::components::narration::carries_business(event.message_kind);
                let kind = event.message_kind.unwrap_or(MessageKind::Publish);
                let label = message_caption(kind, event.message, event.txn);
                html! {
                    <g class={classes!(class, "arrow", format!("msg-{}", kind.as_str()), lost.then_some("lost"), control.then_some("control"), event.duplicate.then_some("duplicate"))}
                       onclick={on_click} role="button" tabindex="-1" aria-label={title.clone()}>
                        <title>{ title }</title>
                        <line x1={tenths(x1)} y1={tenths(y1)} x2={tenths(x2)} y2={tenths(y2)}
                              marker-end={(!lost).then_some("url(#tl-arrow)")} />
                        if lost {
                            <path class="cross" d={format!("M{} {} l8 8 m0 -8 l-8 8", tenths(x2 - 4.0), tenths(y2 - 4.0))} />
                        }
                        if let Some((text, (lx, ly))) = labels.then(|| {
                            let text = if event.duplicate { format!("⇉{label}") } else { label };
                            let at = place_label(&mut placed.borrow_mut(), (x1 + x2) / 2.0, (y1 + y2) / 2.0 - 3.0, text.chars().count());
                            at.map(|at| (text, at))
                        }).flatten() {
                            <text x={tenths(lx)} y={tenths(ly)} text-anchor="middle">{ text }</text>
                        }
                    </g>
                }
            }
            _ => {
                if !snapshot_nodes.contains(&event.node) {
                    return html! {};
                }
                let (cx, cy) = (x(event.tick), lane_y(event.node));
                let glyph = match event.kind {
                    EventKind::Crash => "✖",
                    EventKind::Restart => "↻",
                    EventKind::Command => "◆",
                    _ if event.crash.is_some() => "✖",
                    _ => "",
                };
                let crashed = event.crash.is_some() || event.kind == EventKind::Crash;
                html! {
                    <g class={classes!(class, "point", crashed.then_some("crash"))} onclick={on_click}
                       role="button" tabindex="-1" aria-label={title.clone()}>
                        <title>{ title }</title>
                        if glyph.is_empty() {
                            <circle cx={tenths(cx)} cy={tenths(cy)} r="3.5" />
                        } else {
                            <text x={tenths(cx)} y={tenths(cy + 5.0)} text-anchor="middle">{ glyph }</text>
                        }
                    </g>
                }
            }
        }
    });

    // Envelopes still on the links: dashed, from their sending to their arrival.
    let pending = props.in_flight.iter().filter(|f| snapshot_nodes.contains(&f.link.from) && snapshot_nodes.contains(&f.link.to)).map(|f| {
        let (x1, y1, x2, y2) = (x_signed(f.sent_tick), lane_y(f.link.from), x(f.arrive_tick.min(end)), lane_y(f.link.to));
        html! { <line class="in-flight" x1={tenths(x1)} y1={tenths(y1)} x2={tenths(x2)} y2={tenths(y2)} /> }
    });

    // Rebalances of consumer groups: a line across every lane where a new generation
    // began, named by its group and generation.
    let rebalances = events.iter().filter_map(|event| match event.detail {
        Detail::Group(GroupDetail::Rebalanced { group, generation, .. }) => {
            let rx = x(event.tick);
            let title = words.fill(Key::TimelineEventTitle, &[("step", event.step.into()), ("tick", event.tick.into()), ("narration", sim.tell(event).as_str().into())]);
            let on_click = seek(event.step);
            Some(html! {
                <g class="rebalance" onclick={on_click} role="button" tabindex="-1" aria-label={title.clone()}>
                    <title>{ title }</title>
                    <line x1={tenths(rx)} x2={tenths(rx)} y1="8" y2={tenths(height - 14.0)} />
                    <text x={tenths(rx + 3.0)} y={tenths(16.0 + 11.0 * f64::from(group))}>{ words.fill(Key::TimelineRebalance, &[("group", (group + 1).into()), ("generation", generation.into())]) }</text>
                </g>
            })
        }
        _ => None,
    });

    let cursor_x = x(now);
    let ticks = (0..=4).map(|i| {
        let tick = start + width_ticks * i / 4;
        html! { <text class="axis" x={tenths(x(tick))} y={tenths(height - 2.0)} text-anchor="middle">{ format!("t{tick}") }</text> }
    });

    let on_scrub = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |event: InputEvent| {
            let event: Event = event.into();
            if let Ok(target) = event_value(&event).parse::<u64>() {
                dispatch.emit(LabAction::Seek(target));
            }
        })
    };
    let zoom_in = {
        let zoom = zoom.clone();
        Callback::from(move |_: MouseEvent| zoom.set(zoom.saturating_sub(1)))
    };
    let zoom_out = {
        let zoom = zoom.clone();
        Callback::from(move |_: MouseEvent| zoom.set((*zoom + 1).min(ZOOMS.len() - 1)))
    };
    let horizon = props.horizon.max(step);
    let w = |key: Key| words.get(key).to_string();

    html! {
        <section class="panel timeline" aria-label={w(Key::TimelineLabel)}>
            <div class="panel-header">
                <h2>{ w(Key::TimelineLabel) }</h2>
                <div class="row">
                    <button class="small" onclick={zoom_in} disabled={*zoom == 0} aria-label={w(Key::TimelineZoomIn)}>{ format!("+ {}", w(Key::TimelineZoomIn)) }</button>
                    <button class="small" onclick={zoom_out} disabled={*zoom + 1 >= ZOOMS.len()} aria-label={w(Key::TimelineZoomOut)}>{ format!("- {}", w(Key::TimelineZoomOut)) }</button>
                    <span class="hint">{ words.fill(Key::TimelineWidth, &[("width", width_ticks.into())]) }</span>
                </div>
            </div>
            <svg viewBox={format!("0 0 {} {}", tenths(WIDTH), tenths(height))} role="group"
                 aria-label={words.fill(Key::TimelineDrawingLabel, &[("start", start.into()), ("end", end.into()), ("now", now.into()), ("step", step.into())])}>
                <defs>
                    <marker id="tl-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
                        <path d="M0 0 L10 5 L0 10 z" />
                    </marker>
                    <clipPath id="tl-clip"><rect x={tenths(MARGIN)} y="0" width={tenths(WIDTH - MARGIN)} height={tenths(height)} /></clipPath>
                </defs>
                { for lanes }
                <g clip-path="url(#tl-clip)">
                    { for band_shapes }
                    { for rebalances }
                    { for pending }
                    { for marks }
                    <line class="cursor" x1={tenths(cursor_x)} x2={tenths(cursor_x)} y1="6" y2={tenths(height - 14.0)} />
                </g>
                { for ticks }
            </svg>
            <div class="scrub row">
                <label for="scrub">{ w(Key::TimelineScrub) }</label>
                <input id="scrub" type="range" min="0" max={horizon.to_string()} value={step.to_string()} oninput={on_scrub}
                       aria-valuetext={words.fill(Key::TimelineScrubValue, &[("step", step.into()), ("horizon", horizon.into())])} />
                <span class="step-readout">{ format!("{step} / {horizon}") }</span>
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mqlab_sim::{Scenario, Sim};

    #[test]
    fn labels_never_overlap_and_a_crowded_one_is_left_out() {
        let mut placed = Vec::new();
        // Ten labels at the same spot: five places are tried for each.
        let spots: Vec<_> = (0..10)
            .map(|_| place_label(&mut placed, 100.0, 50.0, 4))
            .collect();
        assert_eq!(spots.iter().filter(|s| s.is_some()).count(), 5);
        for (i, a) in placed.iter().enumerate() {
            for b in &placed[i + 1..] {
                assert!(!a.overlaps(b), "{a:?} overlaps {b:?}");
            }
        }
        // Far apart, every label keeps its own place.
        let mut apart = Vec::new();
        for i in 0..10 {
            let x = 100.0 + f64::from(i) * 60.0;
            assert_eq!(place_label(&mut apart, x, 50.0, 4), Some((x, 50.0)));
        }
    }

    #[test]
    fn the_cursor_sits_inside_the_window() {
        assert_eq!(window(0, 80), (0, 80));
        let (start, end) = window(1_000, 80);
        assert!(start <= 1_000 && 1_000 <= end);
    }

    #[test]
    fn the_visible_events_are_exactly_those_in_the_window() {
        let mut sim = Sim::new(&Scenario::default()).expect("default scenario");
        sim.run_until_quiet(10_000);
        let trace = sim.trace();
        let (start, end) = (10, 40);
        let shown = visible(trace, start, end);
        let expected = trace
            .iter()
            .filter(|e| e.tick >= start && e.tick <= end)
            .count();
        assert_eq!(shown.len(), expected);
        assert!(shown.iter().all(|e| e.tick >= start && e.tick <= end));
    }

    #[test]
    fn arrivals_know_when_their_envelope_was_sent() {
        let mut sim = Sim::new(&Scenario::default()).expect("default scenario");
        sim.run_until_quiet(10_000);
        let arrivals: Vec<_> = sim
            .trace()
            .iter()
            .filter(|e| e.kind == EventKind::Append)
            .collect();
        assert!(!arrivals.is_empty());
        assert!(arrivals
            .iter()
            .all(|e| e.sent_tick.is_some_and(|sent| sent <= e.tick)));
    }

    #[test]
    fn every_node_of_the_run_has_a_lane_with_the_coordinator_on_top() {
        let topology = mqlab_sim::Topology {
            producers: 2,
            brokers: 1,
            consumers: 3,
        };
        let nodes = topology.nodes_in(mqlab_sim::Mode::Transactional);
        let lanes = lanes(&nodes);
        assert_eq!(lanes.len(), 7);
        assert_eq!(lanes[0], NodeId::COORDINATOR);
        let names: Vec<String> = lanes.iter().map(|n| n.name().to_string()).collect();
        assert_eq!(
            names[1..],
            [
                "producer",
                "producer-2",
                "broker",
                "consumer",
                "consumer-2",
                "consumer-3"
            ]
        );
        let single = lanes_of_default();
        assert_eq!(single, [NodeId::PRODUCER, NodeId::BROKER, NodeId::CONSUMER]);
    }

    fn lanes_of_default() -> Vec<NodeId> {
        lanes(&mqlab_sim::Topology::default().nodes_in(mqlab_sim::Mode::AtLeastOnce))
    }
}
