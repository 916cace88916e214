//! The simulator's state: a core `Run` plus the few settings that belong to the page
//! (playing, speed, the notice shown). `reduce` only calls the core; effects such as
//! timers, the URL and storage live in hooks.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use mqlab_sim::{Command, Mode, PlannedFault, Run, Scenario, SharedRun};
use mqlab_text::{page::Key, File, Words};
use yew::prelude::*;

/// Playback speeds, in simulation steps per second. The last ones are for long runs.
pub const SPEEDS: [u32; 8] = [1, 2, 4, 8, 16, 60, 240, 1000];
/// The speed a new page starts at (an index into `SPEEDS`).
pub const DEFAULT_SPEED: usize = 2;
/// A step run never takes more than this many steps, so a run without an end cannot
/// hang the page; the core's own queues are bounded as well.
pub const MAX_STEPS: u64 = 1_000_000;

/// A message shown above the simulator: a rejected input, or a note.
#[derive(Clone, Debug, PartialEq)]
pub enum Notice {
    /// The input was rejected; the run is unchanged.
    Error(String),
    /// The input was rejected, for a reason told from the errors' catalogue, which the
    /// page fetches the first time it must tell one (the simulator view does).
    Refused(Refusal),
    /// Something worth saying that is not an error.
    Info(String),
}

impl Notice {
    /// A refusal: `lead` says what was refused around its reason, which `reason` tells.
    /// Told at once when the page has the errors' words, later otherwise.
    pub fn refused(
        words: &Words,
        lead: impl Fn(&Words, &str) -> String + 'static,
        reason: impl Fn(&Words) -> String + 'static,
    ) -> Notice {
        Notice::refusal(words, Rc::new(lead), Rc::new(reason))
    }

    /// `refused`, once for every kind of refusal.
    fn refusal(words: &Words, lead: Lead, reason: Reason) -> Notice {
        let refusal = Refusal { lead, reason };
        if words.has(File::Errors) {
            Notice::Error(refusal.told_in(words, ""))
        } else {
            Notice::Refused(refusal)
        }
    }
}

/// What was refused, told around its reason (given as text).
type Lead = Rc<dyn Fn(&Words, &str) -> String>;

/// Why it was refused, in given words.
type Reason = Rc<dyn Fn(&Words) -> String>;

/// A refusal waiting for the errors' words.
#[derive(Clone)]
pub struct Refusal {
    lead: Lead,
    reason: Reason,
}

impl Refusal {
    /// The refusal in `words`; `waiting` stands for the reason while it cannot be told.
    pub fn told_in(&self, words: &Words, waiting: &str) -> String {
        if words.has(File::Errors) {
            (self.lead)(words, &(self.reason)(words))
        } else {
            (self.lead)(words, waiting)
        }
    }
}

impl PartialEq for Refusal {
    fn eq(&self, other: &Refusal) -> bool {
        Rc::ptr_eq(&self.lead, &other.lead) && Rc::ptr_eq(&self.reason, &other.reason)
    }
}

impl std::fmt::Debug for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Refusal")
    }
}

/// The simulator's state. The run sits behind a shared cell because cloning its
/// checkpoints on every step would be wasteful; `version` changes whenever it does, so
/// components re-render exactly when the run moved.
#[derive(Clone)]
pub struct Lab {
    pub run: Rc<RefCell<Run>>,
    pub version: u64,
    pub playing: bool,
    pub speed_index: usize,
    pub notice: Option<Notice>,
    /// The furthest step this timeline has reached: the time-travel cursor scrubs up
    /// to it. A new run, or a command that rewrites the future, starts it again.
    pub horizon: u64,
    /// The page's words: the notices and the run's narration are in their language.
    pub words: Rc<Words>,
}

impl PartialEq for Lab {
    fn eq(&self, other: &Lab) -> bool {
        Rc::ptr_eq(&self.run, &other.run)
            && self.version == other.version
            && self.playing == other.playing
            && self.speed_index == other.speed_index
            && self.notice == other.notice
            && self.horizon == other.horizon
            && Rc::ptr_eq(&self.words, &other.words)
    }
}

/// Everything the page can ask of the simulator.
#[derive(Clone, Debug, PartialEq)]
pub enum LabAction {
    /// Advance one step (pauses at the end of the run).
    Step,
    /// Speak another language: the notices and the narration, of the run on screen too.
    SetWords(Rc<Words>),
    /// Advance up to this many steps (the player's tick at high speed).
    Advance(u32),
    /// Go back one step.
    StepBack,
    /// Jump to a step (clamped to what the run can reach).
    Seek(u64),
    Play,
    Pause,
    TogglePlay,
    /// Start the same scenario again from step 0. The fault plan survives: the faults
    /// applied so far become planned faults of the scenario, at the same steps.
    Reset,
    /// Remove every fault (planned or applied) and start again from step 0.
    ClearFaults,
    /// Remove one fault of the plan (`Lab::fault_plan`'s order) and rebuild the run
    /// without it, at the same step when it can be.
    RemoveFault(usize),
    SetSpeed(usize),
    /// One speed up or down (keyboard + and −).
    SpeedUp,
    SlowDown,
    SetMode(Mode),
    SetSeed(u64),
    SetMessages(u32),
    /// Set how many producers and consumers the run has (one broker), and start again.
    SetTopology {
        producers: u16,
        consumers: u16,
    },
    /// Set the transaction size k (messages per transaction, or per batch outside
    /// transactional mode) and the producer's max in flight, and start again.
    SetTxnKnobs {
        txn_size: u32,
        max_in_flight: u32,
    },
    /// Turn consume-transform-produce on or off, and start again.
    SetTransform(bool),
    /// Set the queue's consumer-side settings and the prefetch, and start again.
    SetQueue {
        queue: mqlab_sim::QueueConfig,
        prefetch: u32,
    },
    /// Set the consuming side: Kafka consumer groups with their settings (`Some`), or
    /// the RabbitMQ-style queue (`None`); `consumers` counts every consumer (with
    /// groups, the members of every group). Start again.
    SetConsumers {
        kafka: Option<Box<mqlab_sim::KafkaConfig>>,
        consumers: u16,
    },
    /// Set how many brokers hold the queue and its replication settings, and start again.
    SetReplication {
        brokers: u16,
        replication: Box<mqlab_sim::Replication>,
    },
    /// Start again on this scenario (the settings panels' choice, made where they are
    /// drawn: `apply_setting`).
    SetScenario(Box<Scenario>),
    /// Apply user input to the run at the current step.
    Apply(Command),
    /// Replace the run with a shared one (from a link or a file), with a notice to show.
    Load {
        shared: Box<SharedRun>,
        notice: Option<Notice>,
    },
    /// Show a notice without touching the run.
    Notify(Notice),
    DismissNotice,
}

impl Lab {
    /// A lab on the given scenario; an invalid one falls back to the default scenario
    /// with a notice saying why.
    pub fn new(scenario: &Scenario) -> Lab {
        let (run, notice) = match Run::new(scenario) {
            Ok(run) => (run, None),
            Err(error) => (
                default_run(),
                Some(Notice::refused(
                    &Words::english(),
                    |words, error| {
                        words.fill(Key::NoticeScenarioRefused, &[("error", error.into())])
                    },
                    move |words| error.describe_in(words),
                )),
            ),
        };
        Lab {
            run: Rc::new(RefCell::new(run)),
            version: 0,
            playing: false,
            speed_index: DEFAULT_SPEED,
            notice,
            horizon: 0,
            words: Rc::new(Words::english()),
        }
    }

    /// Steps per second at the current speed.
    pub fn steps_per_second(&self) -> u32 {
        SPEEDS[self.speed_index.min(SPEEDS.len() - 1)]
    }

    fn changed(&self) -> Lab {
        Lab {
            version: self.version.wrapping_add(1),
            ..self.clone()
        }
    }

    /// Makes `run` the lab's run, narrated in the lab's language.
    fn install(&self, mut run: Run) {
        if self.words.lang() != run.sim().words().lang() {
            run.set_words(Arc::new((*self.words).clone()));
        }
        *self.run.borrow_mut() = run;
    }

    fn with_notice(&self, notice: Option<Notice>) -> Lab {
        Lab {
            notice,
            ..self.changed()
        }
    }

    /// Rebuilds the run from a new scenario, keeping the playback settings. An invalid
    /// scenario keeps the current run and explains why.
    fn rebuild(&self, scenario: Scenario) -> Lab {
        match Run::new(&scenario) {
            Ok(run) => {
                self.install(run);
                Lab {
                    playing: false,
                    ..self.with_notice(None)
                }
            }
            Err(error) => self.with_notice(Some(Notice::refused(
                &self.words,
                |words, error| words.fill(Key::NoticeSettingRefused, &[("error", error.into())]),
                move |words| error.describe_in(words),
            ))),
        }
    }
}

/// The run's fault plan: the scenario's planned faults, then the commands applied so
/// far, each with its step (`None`: armed from the start).
pub fn fault_plan(run: &Run) -> Vec<(Option<u64>, Command)> {
    run.scenario()
        .faults
        .iter()
        .map(|fault| (fault.at_step, fault.command.clone()))
        .chain(
            run.commands()
                .iter()
                .map(|(step, command)| (Some(*step), command.clone())),
        )
        .collect()
}

/// The scenario with the run's commands written into it as planned faults at their
/// steps, so that starting it again replays the same faults.
fn scenario_with_plan(run: &Run) -> Scenario {
    let mut scenario = run.scenario().clone();
    scenario
        .faults
        .extend(run.commands().iter().map(|(step, command)| {
            if *step == 0 {
                PlannedFault::at_start(command.clone())
            } else {
                PlannedFault::at(*step, command.clone())
            }
        }));
    scenario
}

impl Lab {
    /// Rebuilds the run without one fault of its plan: at the same step, with the
    /// other commands, when that run can still be reproduced; otherwise from step 0
    /// with the rest of the plan.
    fn remove_fault(&self, index: usize) -> Lab {
        let (scenario, commands, step) = {
            let run = self.run.borrow();
            let mut scenario = run.scenario().clone();
            let mut commands = run.commands().to_vec();
            let planned = scenario.faults.len();
            if index < planned {
                scenario.faults.remove(index);
            } else if index - planned < commands.len() {
                commands.remove(index - planned);
            } else {
                return self.with_notice(Some(Notice::Error(
                    self.words.get(Key::NoticeFaultGone).to_string(),
                )));
            }
            (scenario, commands, run.step_index())
        };
        let same_step = SharedRun {
            scenario: scenario.clone(),
            commands: commands.clone(),
            step: Some(step),
        };
        if let Ok(run) = same_step.to_run() {
            self.install(run);
            return Lab {
                playing: false,
                ..self.with_notice(Some(Notice::Info(
                    self.words
                        .fill(Key::NoticeFaultRemoved, &[("step", step.into())]),
                )))
            };
        }
        // Without that fault the run no longer reaches the same state (a later command
        // no longer fits it): start again with the rest of the plan.
        let mut restart = scenario;
        restart.faults.extend(
            commands
                .into_iter()
                .map(|(at, command)| PlannedFault::at(at, command)),
        );
        let next = self.rebuild(restart);
        if next.notice.is_some() {
            return next;
        }
        next.with_notice(Some(Notice::Info(
            self.words.get(Key::NoticeFaultRemovedRestart).to_string(),
        )))
    }
}

/// What a settings action (`SetQueue`, `SetConsumers`, `SetReplication`) changes in a
/// scenario; any other action changes nothing. The lab starts again on the result, and
/// so does the page when the settings panels are drawn by a module.
pub fn apply_setting(scenario: &mut Scenario, action: LabAction) {
    match action {
        LabAction::SetQueue { queue, prefetch } => {
            scenario.queue = queue;
            scenario.timing.delivery_window = prefetch;
        }
        LabAction::SetConsumers { kafka, consumers } => {
            if kafka.is_some() && scenario.kafka.is_none() {
                // A RabbitMQ queue's own settings mean nothing to a Kafka consumer
                // (it commits offsets, and its broker has no delivery limit).
                scenario.queue.auto_ack = false;
                scenario.queue.delivery_limit = mqlab_sim::limits::DEFAULT_DELIVERY_LIMIT;
            }
            scenario.kafka = kafka.map(|k| *k);
            scenario.topology.consumers = consumers;
        }
        LabAction::SetReplication {
            brokers,
            replication,
        } => {
            scenario.topology.brokers = brokers;
            scenario.replication = *replication;
        }
        _ => {}
    }
}

fn default_run() -> Run {
    // The default scenario is valid by construction; a test checks it.
    match Run::new(&Scenario::default()) {
        Ok(run) => run,
        Err(error) => unreachable!("the default scenario is invalid: {error}"),
    }
}

impl Reducible for Lab {
    type Action = LabAction;

    fn reduce(self: Rc<Self>, action: LabAction) -> Rc<Self> {
        // Actions that replace the run or rewrite its future restart the horizon.
        let restarts = matches!(
            action,
            LabAction::Reset
                | LabAction::ClearFaults
                | LabAction::RemoveFault(_)
                | LabAction::SetMode(_)
                | LabAction::SetSeed(_)
                | LabAction::SetMessages(_)
                | LabAction::SetTopology { .. }
                | LabAction::SetTxnKnobs { .. }
                | LabAction::SetTransform(_)
                | LabAction::SetQueue { .. }
                | LabAction::SetConsumers { .. }
                | LabAction::SetReplication { .. }
                | LabAction::SetScenario(_)
                | LabAction::Apply(_)
                | LabAction::Load { .. }
        );
        let previous = Rc::clone(&self);
        let next = self.reduce_run(action);
        let step = next.run.borrow().step_index();
        // A refused input changed nothing, so the horizon stands.
        let refused = matches!(next.notice, Some(Notice::Error(_)));
        let horizon = if restarts && !refused {
            step
        } else {
            previous.horizon.max(step)
        };
        if horizon == next.horizon {
            return next;
        }
        Rc::new(Lab {
            horizon,
            ..(*next).clone()
        })
    }
}

impl Lab {
    fn reduce_run(self: Rc<Self>, action: LabAction) -> Rc<Self> {
        let next = match action {
            LabAction::SetWords(words) => {
                if *words == *self.words {
                    return self;
                }
                // A notice written in the old words goes; a refusal still waiting for its
                // reason (a link refused as the page opened) is told in the new words. The
                // run is narrated again in the new words: its steps and ledger are kept.
                self.run.borrow_mut().set_words(Arc::new((*words).clone()));
                let notice = match self.notice {
                    Some(Notice::Refused(ref refusal)) => Some(Notice::Refused(refusal.clone())),
                    _ => None,
                };
                Lab {
                    words,
                    notice,
                    ..self.changed()
                }
            }
            LabAction::Step => {
                let stepped = {
                    let mut run = self.run.borrow_mut();
                    let stepped = run.step().is_some();
                    run.settle();
                    stepped
                };
                Lab {
                    playing: self.playing && stepped,
                    ..self.changed()
                }
            }
            LabAction::Advance(steps) => {
                let mut run = self.run.borrow_mut();
                let mut more = true;
                for _ in 0..steps {
                    if run.step_index() >= MAX_STEPS || run.step().is_none() {
                        more = false;
                        break;
                    }
                }
                // No settle here: a batch that reached the end found it by a step that
                // returned nothing, which settles the run by itself.
                drop(run);
                Lab {
                    playing: self.playing && more,
                    ..self.changed()
                }
            }
            LabAction::StepBack => {
                self.run.borrow_mut().step_back();
                Lab {
                    playing: false,
                    ..self.changed()
                }
            }
            LabAction::Seek(step) => {
                self.run.borrow_mut().seek(step.min(MAX_STEPS));
                Lab {
                    playing: false,
                    ..self.changed()
                }
            }
            LabAction::Play => {
                if self.run.borrow().sim().is_quiet() {
                    return self;
                }
                Lab {
                    playing: true,
                    ..self.changed()
                }
            }
            LabAction::Pause => Lab {
                playing: false,
                ..(*self).clone()
            },
            LabAction::TogglePlay => {
                let action = if self.playing {
                    LabAction::Pause
                } else {
                    LabAction::Play
                };
                return self.reduce_run(action);
            }
            LabAction::Reset => {
                let scenario = scenario_with_plan(&self.run.borrow());
                self.rebuild(scenario)
            }
            LabAction::ClearFaults => {
                let scenario = Scenario {
                    faults: Vec::new(),
                    ..self.run.borrow().scenario().clone()
                };
                let next = self.rebuild(scenario);
                if next.notice.is_none() {
                    return Rc::new(next.with_notice(Some(Notice::Info(
                        self.words.get(Key::NoticeFaultsCleared).to_string(),
                    ))));
                }
                next
            }
            LabAction::RemoveFault(index) => self.remove_fault(index),
            LabAction::SetSpeed(index) => Lab {
                speed_index: index.min(SPEEDS.len() - 1),
                ..(*self).clone()
            },
            LabAction::SpeedUp => Lab {
                speed_index: (self.speed_index + 1).min(SPEEDS.len() - 1),
                ..(*self).clone()
            },
            LabAction::SlowDown => Lab {
                speed_index: self.speed_index.saturating_sub(1),
                ..(*self).clone()
            },
            LabAction::SetMode(mode) => {
                // Planned faults the new mode does not have (a coordinator crash outside
                // 2PC) are left out, and the notice names them.
                let (scenario, dropped) =
                    mqlab_sim::compare::scenario_in_mode(self.run.borrow().scenario(), &[], mode);
                let next = self.rebuild(scenario);
                if dropped.is_empty() || next.notice.is_some() {
                    next
                } else {
                    let reasons: Vec<String> = dropped
                        .iter()
                        .map(|fault| fault.reason.to_string())
                        .collect();
                    next.with_notice(Some(Notice::Info(self.words.fill(
                        Key::NoticeLeftOut,
                        &[("reasons", reasons.join("; ").into())],
                    ))))
                }
            }
            LabAction::SetSeed(seed) => {
                let scenario = Scenario {
                    seed,
                    ..self.run.borrow().scenario().clone()
                };
                self.rebuild(scenario)
            }
            LabAction::SetMessages(messages) => {
                let scenario = Scenario {
                    messages,
                    ..self.run.borrow().scenario().clone()
                };
                self.rebuild(scenario)
            }
            LabAction::SetTopology {
                producers,
                consumers,
            } => {
                let mut scenario = self.run.borrow().scenario().clone();
                scenario.topology.producers = producers;
                scenario.topology.consumers = consumers;
                self.rebuild(scenario)
            }
            LabAction::SetTxnKnobs {
                txn_size,
                max_in_flight,
            } => {
                let mut scenario = self.run.borrow().scenario().clone();
                scenario.transaction.size = txn_size;
                scenario.timing.producer_window = max_in_flight;
                self.rebuild(scenario)
            }
            LabAction::SetTransform(transform) => {
                let mut scenario = self.run.borrow().scenario().clone();
                scenario.transaction.transform = transform;
                self.rebuild(scenario)
            }
            LabAction::SetQueue { .. }
            | LabAction::SetConsumers { .. }
            | LabAction::SetReplication { .. } => {
                let mut scenario = self.run.borrow().scenario().clone();
                apply_setting(&mut scenario, action);
                self.rebuild(scenario)
            }
            LabAction::SetScenario(scenario) => self.rebuild(*scenario),
            LabAction::Apply(command) => {
                let result = self.run.borrow_mut().apply(command);
                match result {
                    Ok(()) => self.with_notice(None),
                    Err(error) => self.with_notice(Some(Notice::Error(self.words.fill(
                        Key::NoticeCommandRefused,
                        &[("error", error.describe_in(&self.words).into())],
                    )))),
                }
            }
            LabAction::Load { shared, notice } => match shared.to_run() {
                Ok(run) => {
                    self.install(run);
                    Lab {
                        playing: false,
                        ..self.with_notice(notice)
                    }
                }
                Err(error) => self.with_notice(Some(Notice::refused(
                    &self.words,
                    |words, error| words.fill(Key::NoticeRunRefused, &[("error", error.into())]),
                    move |words| error.describe_in(words),
                ))),
            },
            LabAction::Notify(notice) => self.with_notice(Some(notice)),
            LabAction::DismissNotice => self.with_notice(None),
        };
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mqlab_sim::{CrashPoint, NodeId};

    fn lab() -> Rc<Lab> {
        Rc::new(Lab::new(&Scenario::default()))
    }

    #[test]
    fn txn_knobs_rebuild_the_scenario_and_a_bad_size_keeps_the_run() {
        let lab = lab().reduce(LabAction::SetTxnKnobs {
            txn_size: 3,
            max_in_flight: 1,
        });
        let scenario = lab.run.borrow().scenario().clone();
        assert_eq!(scenario.transaction.size, 3);
        assert_eq!(scenario.timing.producer_window, 1);
        assert_eq!(lab.notice, None);
        let after = lab.reduce(LabAction::SetTxnKnobs {
            txn_size: 0,
            max_in_flight: 1,
        });
        assert_eq!(after.run.borrow().scenario().transaction.size, 3);
        assert!(matches!(after.notice, Some(Notice::Error(_))));
    }

    fn arm_at_step(lab: Rc<Lab>, steps: u32) -> Rc<Lab> {
        lab.reduce(LabAction::Advance(steps))
            .reduce(LabAction::Apply(Command::CrashAt {
                point: CrashPoint::ConsumerAfterApply,
                message: Some(2),
                instance: 0,
            }))
    }

    #[test]
    fn reset_keeps_the_fault_plan_and_replays_the_same_run() {
        let lab = arm_at_step(lab(), 3).reduce(LabAction::Advance(400));
        let summary = lab.run.borrow().sim().summary();
        assert_eq!(summary.duplicated, 1);
        let reset = lab.reduce(LabAction::Reset);
        assert_eq!(reset.run.borrow().step_index(), 0);
        assert_eq!(fault_plan(&reset.run.borrow()).len(), 1);
        let again = reset.reduce(LabAction::Advance(400));
        assert_eq!(again.run.borrow().sim().summary().duplicated, 1);
        // A second reset keeps the same plan, once.
        let twice = again.reduce(LabAction::Reset);
        assert_eq!(fault_plan(&twice.run.borrow()).len(), 1);
    }

    #[test]
    fn clear_faults_removes_the_plan() {
        let lab = arm_at_step(lab(), 3).reduce(LabAction::Reset);
        let cleared = lab.reduce(LabAction::ClearFaults);
        assert!(fault_plan(&cleared.run.borrow()).is_empty());
        let end = cleared.reduce(LabAction::Advance(400));
        assert_eq!(end.run.borrow().sim().summary().duplicated, 0);
    }

    #[test]
    fn one_fault_can_be_removed_and_the_others_stay() {
        let lab = arm_at_step(lab(), 3)
            .reduce(LabAction::Apply(Command::CrashAt {
                point: CrashPoint::BrokerAfterAppend,
                message: Some(4),
                instance: 0,
            }))
            .reduce(LabAction::Advance(2));
        assert_eq!(fault_plan(&lab.run.borrow()).len(), 2);
        let removed = lab.reduce(LabAction::RemoveFault(0));
        let plan = fault_plan(&removed.run.borrow());
        assert_eq!(plan.len(), 1);
        assert!(matches!(
            plan[0].1,
            Command::CrashAt {
                point: CrashPoint::BrokerAfterAppend,
                ..
            }
        ));
        assert_eq!(removed.run.borrow().step_index(), 5);
        let missing = removed.reduce(LabAction::RemoveFault(7));
        assert!(matches!(missing.notice, Some(Notice::Error(_))));
    }

    #[test]
    fn a_mode_change_leaves_out_the_faults_the_mode_lacks() {
        let lab = lab()
            .reduce(LabAction::SetMode(Mode::Transactional))
            .reduce(LabAction::Apply(Command::CrashAt {
                point: CrashPoint::CoordinatorAfterVotes,
                message: Some(1),
                instance: 0,
            }))
            .reduce(LabAction::Reset);
        assert_eq!(fault_plan(&lab.run.borrow()).len(), 1);
        let queue = lab.reduce(LabAction::SetMode(Mode::AtLeastOnce));
        assert_eq!(queue.run.borrow().scenario().mode, Mode::AtLeastOnce);
        assert!(fault_plan(&queue.run.borrow()).is_empty());
        assert!(
            matches!(queue.notice, Some(Notice::Info(_))),
            "{:?}",
            queue.notice
        );
    }

    #[test]
    fn the_default_scenario_runs() {
        assert!(Run::new(&Scenario::default()).is_ok());
        assert_eq!(lab().notice, None);
    }

    #[test]
    fn a_refused_command_keeps_the_run_and_says_why() {
        let lab = lab().reduce(LabAction::Step).reduce(LabAction::Step);
        let step = lab.run.borrow().step_index();
        // Restarting a node that is up is refused by the core.
        let after = lab
            .clone()
            .reduce(LabAction::Apply(Command::Restart(NodeId::PRODUCER)));
        assert_eq!(after.run.borrow().step_index(), step);
        assert!(
            matches!(after.notice, Some(Notice::Error(_))),
            "{:?}",
            after.notice
        );
    }

    #[test]
    fn an_impossible_setting_keeps_the_run() {
        let lab = lab().reduce(LabAction::Advance(5));
        let after = lab.reduce(LabAction::SetMessages(0));
        assert_eq!(after.run.borrow().step_index(), 5);
        assert!(matches!(after.notice, Some(Notice::Error(_))));
    }

    #[test]
    fn a_topology_setting_starts_a_new_run_with_those_nodes() {
        let lab = lab().reduce(LabAction::SetTopology {
            producers: 2,
            consumers: 3,
        });
        assert_eq!(lab.notice, None);
        let run = lab.run.borrow();
        let topology = run.scenario().topology;
        assert_eq!(
            (topology.producers, topology.brokers, topology.consumers),
            (2, 1, 3)
        );
        assert_eq!(run.sim().snapshot().nodes.len(), 6);
    }

    #[test]
    fn an_impossible_topology_is_explained_and_the_run_kept() {
        let lab = lab().reduce(LabAction::Advance(5));
        for (producers, consumers) in [(0, 1), (1, 9), (4, 1), (1, 0), (u16::MAX, u16::MAX)] {
            let after = Rc::clone(&lab).reduce(LabAction::SetTopology {
                producers,
                consumers,
            });
            assert_eq!(after.run.borrow().step_index(), 5);
            assert!(after.run.borrow().scenario().topology.is_default());
            match &after.notice {
                Some(Notice::Error(text)) => {
                    assert!(text.contains("The current run is kept"), "{text}")
                }
                other => panic!("{producers}/{consumers} gave {other:?}"),
            }
        }
    }

    #[test]
    fn replication_settings_start_a_replicated_run_and_an_impossible_one_keeps_the_run() {
        let replication = mqlab_sim::Replication {
            acks: Some(mqlab_sim::Acks::One),
            ..mqlab_sim::Replication::default()
        };
        let lab = lab().reduce(LabAction::SetReplication {
            brokers: 3,
            replication: Box::new(replication.clone()),
        });
        assert_eq!(lab.notice, None);
        assert_eq!(lab.run.borrow().scenario().topology.brokers, 3);
        assert!(lab.run.borrow().sim().snapshot().replication.is_some());
        let lab = lab.reduce(LabAction::Advance(5));
        let refused = lab.reduce(LabAction::SetReplication {
            brokers: 3,
            replication: Box::new(mqlab_sim::Replication {
                min_insync_replicas: 4,
                ..replication
            }),
        });
        assert_eq!(refused.run.borrow().step_index(), 5);
        assert_eq!(
            refused
                .run
                .borrow()
                .scenario()
                .replication
                .min_insync_replicas,
            1
        );
        match &refused.notice {
            Some(Notice::Error(text)) => assert!(text.contains("min_insync_replicas"), "{text}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn replay_reproduces_a_run_with_its_commands() {
        let lab = lab()
            .reduce(LabAction::Advance(7))
            .reduce(LabAction::Apply(Command::CrashAt {
                point: CrashPoint::ConsumerAfterApply,
                message: Some(1),
                instance: 0,
            }));
        let lab = lab.reduce(LabAction::Advance(400));
        let run = lab.run.borrow();
        let again = SharedRun::from_run(&run).to_run().expect("replays");
        assert_eq!(again.step_index(), run.step_index());
        assert_eq!(again.sim().trace_hash(), run.sim().trace_hash());
        assert_eq!(again.sim().summary(), run.sim().summary());
    }

    #[test]
    fn step_back_then_forward_gives_the_same_state() {
        let lab = lab().reduce(LabAction::Advance(30));
        let hash = lab.run.borrow().sim().trace_hash();
        let lab = lab.reduce(LabAction::StepBack).reduce(LabAction::Step);
        assert_eq!(lab.run.borrow().sim().trace_hash(), hash);
    }

    #[test]
    fn the_horizon_is_the_furthest_step_and_a_refused_input_keeps_it() {
        let lab = lab()
            .reduce(LabAction::Advance(30))
            .reduce(LabAction::Seek(10));
        assert_eq!((lab.run.borrow().step_index(), lab.horizon), (10, 30));
        let refused = lab.reduce(LabAction::Apply(Command::Restart(NodeId::PRODUCER)));
        assert_eq!(refused.horizon, 30);
        let rewritten = refused.reduce(LabAction::Apply(Command::Crash(NodeId::CONSUMER)));
        assert_eq!(rewritten.horizon, 10, "a command rewrites the future");
    }

    #[test]
    fn a_refusal_waiting_for_its_reason_is_told_in_the_words_chosen_after_it() {
        let refused = SharedRun::from_link("v1.mode=idempotent&messages=5&seed=1~00000000")
            .expect_err("a link with a wrong checksum is refused");
        let waiting = Notice::Refused(Refusal {
            lead: Rc::new(|words: &Words, error: &str| {
                words.fill(Key::LinkRefused, &[("error", error.into())])
            }),
            reason: Rc::new(move |words: &Words| refused.describe_in(words)),
        });
        let lab = lab().reduce(LabAction::Notify(waiting.clone()));
        let mut chinese = Words::new(mqlab_text::Lang::ZhCn);
        for file in [File::Page, File::Errors] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join(format!("static/text/zh-CN/{}.txt", file.name()));
            let text = std::fs::read_to_string(path).expect("the Chinese catalogue");
            assert_eq!(chinese.load(file, &text), Ok(()));
        }
        let switched = lab.clone().reduce(LabAction::SetWords(Rc::new(chinese)));
        let Some(Notice::Refused(refusal)) = &switched.notice else {
            panic!("the refusal was dropped: {:?}", switched.notice);
        };
        let told = refusal.told_in(&switched.words, "…");
        assert!(told.contains("链接被修改过或已损坏"), "{told}");
        // A notice already written in the old words goes.
        let info = lab
            .reduce(LabAction::Notify(Notice::Info("Imported.".into())))
            .reduce(LabAction::SetWords(Rc::new(Words::new(
                mqlab_text::Lang::ZhCn,
            ))));
        assert_eq!(info.notice, None);
    }
}
