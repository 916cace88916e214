//! The simulator view: controls, the animated stage, the fault toolbar, the coordinator
//! panel, the ledger and the narration, over one shared `Lab`. The player's timer and the
//! keyboard shortcuts live here, as hooks; they only dispatch actions.

use std::rc::Rc;

use mqlab_sim::{Mode, SharedRun};
use mqlab_text::page::Key as PageKey;
use mqlab_text::simulator::Key;
use yew::prelude::*;

use crate::components::controls::Controls;
use crate::components::coordinator_panel::CoordinatorPanel;
use crate::components::fault_toolbar::FaultToolbar;
use crate::components::ledger_view::LedgerView;
use crate::components::narration::Narration;
use crate::components::real_systems::RealSystemsSettings;
use crate::components::share_bar::ShareBar;
use crate::components::stage::Stage;
use crate::components::timeline::Timeline;
use crate::hooks::cadence;
use crate::module_loader::Module;
use crate::state::{Lab, LabAction, Notice};
use crate::words::current as words_now;

/// How far the End key runs ahead.
const END_KEY_STEPS: u32 = 10_000;

#[derive(Properties, PartialEq)]
pub struct SimulatorProps {
    pub lab: UseReducerHandle<Lab>,
}

/// The action a shortcut key stands for.
fn shortcut(key: &str) -> Option<LabAction> {
    Some(match key {
        " " | "k" => LabAction::TogglePlay,
        // A presenter's clicker sends Page Down and Page Up.
        "ArrowRight" | "l" | "PageDown" => LabAction::Step,
        "ArrowLeft" | "j" | "PageUp" => LabAction::StepBack,
        "Home" => LabAction::Seek(0),
        "End" => LabAction::Advance(END_KEY_STEPS),
        "r" | "R" => LabAction::Reset,
        "+" | "=" => LabAction::SpeedUp,
        "-" | "_" => LabAction::SlowDown,
        "1" | "2" | "3" | "4" => {
            let index = key.parse::<usize>().ok()?.checked_sub(1)?;
            LabAction::SetMode(*Mode::ALL.get(index)?)
        }
        _ => return None,
    })
}

#[component]
pub fn Simulator(props: &SimulatorProps) -> Html {
    let lab = props.lab.clone();
    // One callback for the life of the view, so that children whose other props are
    // unchanged are not drawn again.
    let dispatch = {
        let dispatcher = lab.dispatcher();
        (*use_memo((), move |_| {
            Callback::from(move |action: LabAction| dispatcher.dispatch(action))
        }))
        .clone()
    };

    crate::hooks::use_player(&lab);

    // Keyboard shortcuts, for the whole document while the simulator is shown.
    crate::hooks::use_playback_keys(&lab, true, shortcut);

    // While playing fast, the ledger, the diagram and the narration refresh a few times a
    // second instead of on every frame: the stage animates every frame, the long lists
    // follow. Paused or slow, everything follows every step.
    // The sentence of each step and the ledger's explanations are fetched once the run
    // has moved (the first view shows none of them); the lists are then taken again.
    let moved = lab.run.borrow().step_index() > 0;
    let steps_fetch = crate::hooks::use_late_words(mqlab_text::File::Steps, moved);
    let steps_note = match (moved, &steps_fetch) {
        (false, _) | (true, Some(Ok(()))) => None,
        (true, None) => Some(words_now().get(Key::NarrationLoading).to_string()),
        (true, Some(Err(problem))) => {
            Some(words_now().fill(Key::NarrationUnavailable, &[("problem", problem.into())]))
        }
    };

    let fast = lab.playing && lab.steps_per_second() > 60;
    let lists_version = crate::hooks::use_lists_version(lab.version, lab.run.borrow().step_index());
    let heavy_key = (
        steps_fetch.is_some(),
        fast,
        if fast {
            lab.version / HEAVY_EVERY
        } else {
            lists_version
        },
    );
    let heavy = {
        let run = lab.run.clone();
        let horizon = lab.horizon;
        use_memo(heavy_key, move |_| HeavyViews::of(&run.borrow(), horizon))
    };

    // The view is drawn in four tasks: the controls first, then the stage, then the
    // narration, the coordinator and the fault plan beside it, then the space-time
    // diagram, the ledger and the "In real systems" panel below.
    let drawn = crate::hooks::use_parts_drawn(3);
    let (drawn_stage, drawn_side, drawn_below) = (drawn >= 1, drawn >= 2, drawn >= 3);

    let words = words_now();
    let run = lab.run.borrow();
    let sim = run.sim();
    let snapshot = sim.snapshot();
    let scenario = sim.scenario();
    let last_event = sim.trace().last().cloned();
    let (period_ms, _) = cadence(lab.steps_per_second());
    let step_ms = if lab.playing { period_ms } else { 350 };

    // A refusal whose reason needs the errors' words fetches them, then is drawn again.
    let errors_fetch = crate::hooks::use_late_words(
        mqlab_text::File::Errors,
        matches!(lab.notice, Some(Notice::Refused(_))),
    );
    let notice = lab.notice.clone().map(|notice| {
        let dismiss = {
            let dispatch = dispatch.clone();
            Callback::from(move |_: MouseEvent| dispatch.emit(LabAction::DismissNotice))
        };
        let (class, icon, text, role) = match notice {
            Notice::Error(text) => ("notice error", "⚠", text, "alert"), // not prose
            Notice::Refused(refusal) => {
                let waiting = match &errors_fetch {
                    Some(Err(problem)) => words.fill(
                        PageKey::NoticeReasonUnavailable,
                        &[("problem", problem.into())],
                    ),
                    _ => words.get(PageKey::NoticeReasonLoading).to_string(),
                };
                let text = refusal.told_in(&words, &waiting);
                ("notice error", "⚠", text, "alert") // not prose
            }
            Notice::Info(text) => ("notice info", "ℹ", text, "status"), // not prose
        };
        html! {
            <div class={class} role={role}>
                <span aria-hidden="true">{ icon }</span>
                <p>{ text }</p>
                <button class="small" onclick={dismiss}>{ words.get(Key::NoticeDismiss) }</button>
            </div>
        }
    });

    // The introduction names the play key inside its sentence.
    let intro = words.get(Key::Intro);
    let (before_key, after_key) = intro.split_once("{key}").unwrap_or((intro, ""));
    let nodes: Vec<_> = snapshot.nodes.iter().map(|n| (n.id, n.up)).collect();
    let participants = sim.ledger().participants();

    html! {
        <>
            { for notice }
            <p class="intro">
                { before_key.to_string() }<kbd>{ words.get(Key::IntroKey) }</kbd>{ format!("{after_key} ") }
                <span class="mode-blurb">{ words.get(mode_blurb(snapshot.mode)).to_string() }</span>
            </p>
            <div class="sim-layout">
                <div class="area-controls panel">
                    <Controls playing={lab.playing} quiet={snapshot.quiet} step={snapshot.step} tick={snapshot.tick}
                              speed_index={lab.speed_index} mode={snapshot.mode} seed={scenario.seed}
                              messages={scenario.messages} txn_size={scenario.transaction.size}
                              max_in_flight={scenario.timing.producer_window} transform={scenario.transaction.transform}
                              producers={scenario.topology.producers} consumers={scenario.topology.consumers}
                              dispatch={dispatch.clone()} />
                    <ShareBar lab={lab.clone()} />
                </div>
                <div class="area-stage">
                    if drawn_stage {
                        <Stage snapshot={snapshot.clone()} last_event={last_event.clone()} step_ms={step_ms} cards={heavy.cards.clone()}>
                            if let (Some(lag), Some(kafka)) = (&heavy.lag, &scenario.kafka) {
                                <crate::components::lag_plot::LagPlot history={lag.clone()} groups={kafka.groups}
                                          partitions={kafka.partitions} tick={heavy.summary.tick} />
                            }
                        </Stage>
                    }
                </div>
                <div class="area-side">
                    if drawn_side {
                        <Narration events={heavy.events.clone()} step={heavy.summary.steps}
                                   truncated={heavy.truncated} note={steps_note} dispatch={dispatch.clone()} />
                        <CoordinatorPanel coordinator={snapshot.coordinator.clone()} tick={snapshot.tick}
                                          participants={participants} dispatch={dispatch.clone()} />
                        <FaultToolbar mode={snapshot.mode} topology={scenario.topology} messages={scenario.messages} nodes={nodes}
                                      partitions={snapshot.partitions.clone()} breakpoints={snapshot.breakpoints.clone()}
                                      plan={crate::state::fault_plan(&run)} kafka={scenario.kafka.is_some()} dispatch={dispatch.clone()} />
                        <crate::components::module_panel::ModulePanel module={Module::Settings}
                            what={mqlab_text::page::Key::PartSettings} class="settings-host" when_visible=true
                            args={Rc::from([SharedRun { scenario: scenario.clone(), commands: Vec::new(), step: None }.to_link()])}
                            on_message={settings_answer(&dispatch)} />
                    }
                </div>
                <div class="area-timeline">
                    if drawn_below {
                        <Timeline run={lab.run.clone()} version={heavy_key.2} horizon={heavy.horizon} words_arrived={heavy_key.0}
                                  in_flight={heavy.in_flight.clone()} dispatch={dispatch.clone()} />
                    }
                </div>
                <div class="area-ledger">
                    if drawn_below {
                    <LedgerView summary={heavy.summary.clone()} records={heavy.records.clone()}
                                anomalies={heavy.anomalies.clone()} transactions={heavy.transactions.clone()}
                                replication={heavy.replication.clone()} words_arrived={heavy_key.0} dispatch={dispatch.clone()} />
                    if scenario.kafka.is_some() || scenario.topology.consumers > 1 {
                        <crate::components::groups_ledger::GroupsLedger groups={heavy.groups.clone()} applied={heavy.applied.clone()}
                                  members={scenario.kafka.as_ref().map_or(0, |k| k.members(scenario.topology.consumers))}
                                  messages={scenario.messages} />
                    }
                    }
                    if drawn_below {
                        <crate::components::module_panel::ModulePanel module={Module::RealSystems}
                            what={mqlab_text::page::Key::PartRealSystems} class="real-systems-host" when_visible=true
                            args={Rc::from([RealSystemsSettings {
                                mode: snapshot.mode,
                                txn_size: scenario.transaction.size,
                                replicated: scenario.topology.replicated(),
                                many_consumers: scenario.kafka.is_some() || scenario.topology.consumers > 1,
                            }.to_args()])} />
                    }
                </div>
            </div>
        </>
    }
}

/// What the settings panels (drawn by the analysis module) ask of the lab: a scenario to
/// start again on, a notice, or replaying the dead letters.
fn settings_answer(dispatch: &Callback<LabAction>) -> Callback<String> {
    let dispatch = dispatch.clone();
    Callback::from(move |answer: String| {
        let (what, rest) = answer.split_once(':').unwrap_or((answer.as_str(), ""));
        let action = match what {
            "scenario" => match SharedRun::from_link(rest) {
                Ok(run) => LabAction::SetScenario(Box::new(run.scenario)),
                Err(_) => return,
            },
            "error" => LabAction::Notify(Notice::Error(rest.to_string())),
            "info" => LabAction::Notify(Notice::Info(rest.to_string())),
            "replay" => LabAction::Apply(mqlab_sim::Command::ReplayDeadLetters),
            _ => return,
        };
        dispatch.emit(action);
    })
}

/// The ledger lists at most this many messages and anomalies; its counters cover all.
const LEDGER_ROWS: usize = 200;
/// While playing fast, the heavy views refresh once every this many player ticks.
const HEAVY_EVERY: u64 = 32;

/// What the ledger, the diagram and the narration show, taken from the run at once.
#[derive(PartialEq)]
struct HeavyViews {
    summary: mqlab_sim::Summary,
    records: Vec<mqlab_sim::MessageRecord>,
    anomalies: Vec<mqlab_sim::Anomaly>,
    transactions: Vec<mqlab_sim::TransactionRecord>,
    in_flight: Vec<mqlab_sim::InFlight>,
    events: Vec<mqlab_sim::TraceEvent>,
    truncated: bool,
    /// The furthest step reached, for the diagram's scrubber.
    horizon: u64,
    replication: Option<crate::components::replication_ledger::ReplicationFacts>,
    /// Consumer groups: each group's counters, and the lag history.
    groups: Vec<mqlab_sim::Summary>,
    lag: Option<mqlab_sim::LagHistory>,
    /// Per consumer, the side effects it applied.
    applied: Vec<u32>,
    /// The nodes' disk and memory, for their cards.
    cards: Rc<Vec<mqlab_sim::NodeView>>,
}

impl HeavyViews {
    fn of(run: &mqlab_sim::Run, horizon: u64) -> HeavyViews {
        let sim = run.sim();
        let ledger = sim.ledger();
        HeavyViews {
            summary: sim.summary(),
            records: ledger
                .messages()
                .iter()
                .take(LEDGER_ROWS)
                .cloned()
                .collect(),
            anomalies: ledger
                .anomalies_in(&crate::words::current())
                .into_iter()
                .take(LEDGER_ROWS)
                .collect(),
            transactions: ledger.transactions().to_vec(),
            in_flight: sim.in_flight_view(),
            events: sim.told(recent_events(sim.trace())),
            truncated: sim.trace_truncated(),
            horizon,
            replication: sim.scenario().topology.replicated().then(|| {
                crate::components::replication_ledger::ReplicationFacts {
                    hidden: sim.hidden_writes(),
                    outages: sim.outages().to_vec(),
                }
            }),
            groups: if sim.scenario().kafka.is_some() {
                sim.group_ledgers().iter().map(|l| l.summary()).collect()
            } else {
                Vec::new()
            },
            lag: sim
                .scenario()
                .kafka
                .is_some()
                .then(|| sim.lag_history().clone()),
            applied: sim.applied_by_consumer(),
            cards: Rc::new(sim.snapshot().nodes),
        }
    }
}

/// The narration keeps this many recent events on screen.
const NARRATION_LINES: usize = 60;

fn recent_events(trace: &[mqlab_sim::TraceEvent]) -> &[mqlab_sim::TraceEvent] {
    &trace[trace.len().saturating_sub(NARRATION_LINES)..]
}

/// One sentence on what the chosen mode promises.
fn mode_blurb(mode: Mode) -> Key {
    match mode {
        Mode::AtMostOnce => Key::ModeBlurbAtMostOnce,
        Mode::AtLeastOnce => Key::ModeBlurbAtLeastOnce,
        Mode::Idempotent => Key::ModeBlurbIdempotent,
        Mode::Transactional => Key::ModeBlurbTransactional,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_keys_choose_the_four_modes_in_order() {
        for (index, mode) in Mode::ALL.iter().enumerate() {
            let key = (index + 1).to_string();
            assert_eq!(shortcut(&key), Some(LabAction::SetMode(*mode)));
        }
        assert_eq!(shortcut("5"), None);
        assert_eq!(shortcut("0"), None);
    }
}
