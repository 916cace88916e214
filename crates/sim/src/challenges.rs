//! Challenges: goals a learner reaches by acting on the simulator, checked from the run's
//! ledger and trace, never from the page. Three kinds:
//!
//! - **Find a fault**: the learner keeps the challenge's scenario and arms exactly one
//!   fault of an allowed kind (one crash, or one dropped message); the run must then
//!   show the goal (a message applied twice, two lost…).
//! - **Fix it**: the challenge's fault plan is fixed; the learner chooses the settings
//!   (the delivery mode, the transaction size, max in flight…) so that nothing is lost
//!   or applied twice, sending no more messages over the network than the best choice
//!   the core finds by trying every mode and transaction shape ([`Challenge::best`]).
//! - **Predict**: an answer chosen before the run, judged by the facts the run makes
//!   true (as a lesson's question is, [`crate::lessons::Question`]).
//!
//! A check says either that the run solves the challenge or every reason it does not, in
//! the words of `static/text/<language>/challenges.txt` (typed keys,
//! `mqlab_text::challenges::Key`). Each challenge carries a worked solution, a run the
//! page can replay in the simulator, and tests check that it solves the challenge and
//! that near misses do not.

use mqlab_text::challenges::Key;
use mqlab_text::{Arg, Words};

use crate::fault::{Command, CrashPoint, PlannedFault};
use crate::ledger::Summary;
use crate::lessons::{Check, Choice, Question};
use crate::mode::Mode;
use crate::network::{LinkId, MessageKind};
use crate::node::{NodeId, RoleKind};
use crate::replication::{Acks, TimedAction, TimedFault};
use crate::scenario::{CommitStrategy, Scenario};
use crate::share::{RebuildError, SharedRun};
use crate::sim::{Sim, SimOptions};
use crate::trace::{EventKind, TraceEvent};

/// The most steps a challenge's run may take; every challenge's runs end far sooner.
pub const MAX_CHALLENGE_STEPS: u64 = 50_000;

/// The kind of fault a "find a fault" challenge allows, exactly one of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Allowed {
    /// One crash: a crash point armed, a node crashed at a step or at a tick.
    OneCrash,
    /// One message dropped on a link.
    OneDrop,
}

/// What a "find a fault" run must show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Goal {
    /// At least one message applied twice.
    Duplicate,
    /// At least one message lost.
    Lose,
    /// At least two messages lost.
    LoseTwo,
    /// At least one message lost after the producer was told it was written
    /// ("acknowledged, then lost").
    LoseAcknowledged,
    /// A message delivered again, yet every message applied exactly once.
    RedeliverHarmlessly,
    /// The participants hold their locks at least twice as long, in total, as in the
    /// same run without faults.
    BlockTwiceAsLong,
}

/// What a challenge asks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Task {
    /// Arm one fault of the allowed kind so that the run shows the goal.
    FindFault {
        /// The kind of fault allowed.
        allowed: Allowed,
        /// What the run must show.
        goal: Goal,
    },
    /// Choose settings so that the challenge's fault plan loses and duplicates nothing,
    /// with no more messages sent over the network than the best choice.
    FixIt {
        /// The modes the learner may choose from (the fault plan must run in them).
        modes: Vec<Mode>,
    },
    /// Predict the outcome of the challenge's run.
    Predict(Question),
}

/// The kinds, as the page names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// See [`Task::FindFault`].
    FindFault,
    /// See [`Task::FixIt`].
    FixIt,
    /// See [`Task::Predict`].
    Predict,
}

impl Kind {
    /// The kind's name in the catalogue.
    pub const fn key(self) -> Key {
        match self {
            Kind::FindFault => Key::KindFindFault,
            Kind::FixIt => Key::KindFixIt,
            Kind::Predict => Key::KindPredict,
        }
    }
}

/// A challenge's words in the catalogue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Texts {
    /// The title.
    pub title: Key,
    /// The goal (for a prediction, the question).
    pub goal: Key,
    /// The hint (a prediction has none).
    pub hint: Option<Key>,
    /// What the worked solution does (a prediction has none: its solution is its run).
    pub solution: Option<Key>,
    /// Why it works.
    pub why: Key,
    /// A prediction's answers, in order.
    pub choices: Vec<Key>,
}

/// A challenge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge {
    /// The slug used in the page's address and in stored progress.
    pub id: &'static str,
    /// What it asks.
    pub task: Task,
    /// The run the learner starts from (a fix-it's fault plan is in its planned faults;
    /// a prediction's run is this one).
    pub start: Scenario,
    /// A run that solves it, for the page to replay ("find a fault", "fix it"); a
    /// prediction's is its start.
    pub solution: Scenario,
    /// Its words.
    pub texts: Texts,
}

/// A setting of the scenario that a challenge keeps as it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Setting {
    /// The delivery mode.
    Mode,
    /// How many messages.
    Messages,
    /// The seed.
    Seed,
    /// Producers, brokers and consumers.
    Topology,
    /// Link settings and random fault rates.
    Network,
    /// Timers and windows.
    Timing,
    /// 2PC settings and transaction size.
    Transaction,
    /// The queue's consumer-side settings (poison messages among them).
    Queue,
    /// The replicated queue's settings.
    Replication,
    /// RabbitMQ-style queue or Kafka consumer groups.
    Consumers,
}

impl Setting {
    /// The setting's name in the catalogue.
    pub const fn key(self) -> Key {
        match self {
            Setting::Mode => Key::SettingMode,
            Setting::Messages => Key::SettingMessages,
            Setting::Seed => Key::SettingSeed,
            Setting::Topology => Key::SettingTopology,
            Setting::Network => Key::SettingNetwork,
            Setting::Timing => Key::SettingTiming,
            Setting::Transaction => Key::SettingTransaction,
            Setting::Queue => Key::SettingQueue,
            Setting::Replication => Key::SettingReplication,
            Setting::Consumers => Key::SettingConsumers,
        }
    }
}

/// One reason a run does not solve a challenge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finding {
    /// The run changed a setting the challenge keeps.
    Changed(Setting),
    /// A "find a fault" run has no fault at all.
    NoFault,
    /// More (or fewer) crashes than the one allowed.
    Crashes(u32),
    /// More (or fewer) drops than the one allowed.
    Drops(u32),
    /// Faults of a kind the challenge does not allow.
    OtherFaults {
        /// The kind allowed.
        allowed: Allowed,
        /// How many others.
        count: u32,
    },
    /// The run does not show the goal of a "find a fault" challenge.
    GoalMissed(Goal),
    /// A "fix it" run still loses messages.
    StillLost(u32),
    /// A "fix it" run still applies messages twice.
    StillDuplicated(u32),
    /// A "fix it" run is correct but sends more messages than the best choice.
    AboveBest {
        /// Messages the run sent over the network.
        got: u64,
        /// Messages the best choice sends.
        best: u64,
    },
    /// The challenge's fault plan cannot run with the learner's settings (a crash point
    /// of a node the mode does not have).
    FaultRefused(RebuildError),
    /// The learner's run itself cannot be rebuilt.
    RunRefused(RebuildError),
    /// The run does not end within [`MAX_CHALLENGE_STEPS`].
    NeverEnds,
}

/// What a run measured, for the page to show beside the verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Measured {
    /// The ledger's counters at the end of the run.
    pub summary: Summary,
    /// Messages sent over the network ([`wire_messages`]).
    pub wire: u64,
}

/// A check's result: solved when `findings` is empty.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verdict {
    /// Every reason the run does not solve the challenge; empty when it does.
    pub findings: Vec<Finding>,
    /// What the checked run measured, when it could be run.
    pub measured: Option<Measured>,
    /// For a goal about blocking: the blocked ticks of the run without faults.
    pub baseline_blocked: Option<u64>,
    /// For "fix it": the messages the best choice sends over the network
    /// ([`Challenge::best`]), when the run was correct enough to be compared with it.
    pub best_wire: Option<u64>,
}

impl Verdict {
    /// True when the run solves the challenge.
    pub fn solved(&self) -> bool {
        self.findings.is_empty()
    }
}

/// Messages sent over the network in a run: every envelope that arrived, arrived at a
/// node that was down, or was lost on its link (a network duplicate is a second one).
/// Every run a challenge checks goes quiet, so nothing is left in flight.
pub fn wire_messages(trace: &[TraceEvent]) -> u64 {
    trace
        .iter()
        .filter(|event| {
            event.kind != EventKind::Command
                && (event.sent_tick.is_some()
                    || matches!(event.kind, EventKind::Drop | EventKind::ArriveWhileDown))
        })
        .count() as u64
}

/// Runs a shared run to quiet (its commands at their steps), with its trace.
fn run_to_end(run: &SharedRun) -> Result<Sim, Finding> {
    let shared = SharedRun {
        step: None,
        ..run.clone()
    };
    let sim = shared
        .to_sim(SimOptions::default(), MAX_CHALLENGE_STEPS)
        .map_err(Finding::RunRefused)?;
    if !sim.is_quiet() {
        return Err(Finding::NeverEnds);
    }
    Ok(sim)
}

fn measure(sim: &Sim) -> Measured {
    Measured {
        summary: sim.summary(),
        wire: wire_messages(sim.trace()),
    }
}

/// The blocked ticks of a scenario's run without any fault.
fn fault_free_blocked(scenario: &Scenario) -> Option<u64> {
    let clean = Scenario {
        faults: Vec::new(),
        timed_faults: Vec::new(),
        ..scenario.clone()
    };
    let sim = run_to_end(&SharedRun {
        scenario: clean,
        commands: Vec::new(),
        step: None,
    })
    .ok()?;
    Some(sim.summary().blocked_ticks)
}

/// Twice the blocked ticks of the transactional world without faults: the threshold of
/// a prediction's answer. Computed once; `all` and `find` are called on every drawing
/// of the page's view.
fn twice_fault_free_blocked() -> u64 {
    static TWICE: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *TWICE.get_or_init(|| fault_free_blocked(&world(Mode::Transactional)).unwrap_or(0) * 2)
}

/// How a run's faults count against a "find a fault" challenge.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct FaultCount {
    crashes: u32,
    drops: u32,
    others: u32,
}

/// Counts the faults planned in the run's scenario and applied by its commands. A crash
/// is one whatever node it hits and however it is set off: a crash point armed for any
/// instance of its role (the leader or a follower, any member of a group), a node
/// crashed from the toolbar, or a crash timed by the tick; a restart, at a step or at a
/// tick, is none; a link cut at a tick is a fault of another kind.
fn count_faults(run: &SharedRun) -> FaultCount {
    let mut count = FaultCount::default();
    let planned = run.scenario.faults.iter().map(|fault| &fault.command);
    let applied = run.commands.iter().map(|(_, command)| command);
    for command in planned.chain(applied) {
        match command {
            Command::Crash(_) | Command::CrashAt { .. } => count.crashes += 1,
            Command::DropNext { .. } | Command::DropMatching { .. } => count.drops += 1,
            // Restarting a node undoes a fault rather than adding one; replaying dead
            // letters is an operator's act.
            Command::Restart(_) | Command::Heal { .. } | Command::ReplayDeadLetters => {}
            Command::SetLoss(rate)
            | Command::SetDuplicate(rate)
            | Command::SetReorder(rate)
            | Command::SetCrashRate(rate) => {
                if !rate.is_zero() {
                    count.others += 1;
                }
            }
            _ => count.others += 1,
        }
    }
    for timed in &run.scenario.timed_faults {
        match timed.action {
            TimedAction::Crash { .. } => count.crashes += 1,
            TimedAction::Restart { .. } => {}
            TimedAction::Partition { .. } => count.others += 1,
        }
    }
    count
}

/// The settings in which `run` differs from `start`, among `kept`.
fn changed(start: &Scenario, run: &Scenario, kept: &[Setting]) -> Vec<Setting> {
    kept.iter()
        .copied()
        .filter(|setting| match setting {
            Setting::Mode => start.mode != run.mode,
            Setting::Messages => start.messages != run.messages,
            Setting::Seed => start.seed != run.seed,
            Setting::Topology => start.topology != run.topology,
            Setting::Network => {
                start.network != run.network || start.random_crash != run.random_crash
            }
            Setting::Timing => start.timing != run.timing,
            Setting::Transaction => start.transaction != run.transaction,
            Setting::Queue => start.queue != run.queue,
            Setting::Replication => start.replication != run.replication,
            Setting::Consumers => start.kafka != run.kafka,
        })
        .collect()
}

/// Every setting: a "find a fault" challenge keeps them all.
const ALL_SETTINGS: [Setting; 10] = [
    Setting::Mode,
    Setting::Messages,
    Setting::Seed,
    Setting::Topology,
    Setting::Network,
    Setting::Timing,
    Setting::Transaction,
    Setting::Queue,
    Setting::Replication,
    Setting::Consumers,
];

/// What a "fix it" challenge keeps: the world and its faults; the learner chooses the
/// mode, the timers, the transactions and the queue's settings.
const FIX_IT_KEEPS: [Setting; 5] = [
    Setting::Messages,
    Setting::Seed,
    Setting::Topology,
    Setting::Network,
    Setting::Consumers,
];

impl Challenge {
    /// The challenge's kind.
    pub fn kind(&self) -> Kind {
        match self.task {
            Task::FindFault { .. } => Kind::FindFault,
            Task::FixIt { .. } => Kind::FixIt,
            Task::Predict(_) => Kind::Predict,
        }
    }

    /// Checks a learner's run (the simulator's, as its link holds it) against a "find a
    /// fault" or "fix it" challenge. A prediction is checked with [`Challenge::judge`].
    pub fn check(&self, run: &SharedRun) -> Verdict {
        match &self.task {
            Task::FindFault { allowed, goal } => self.check_find(run, *allowed, *goal),
            Task::FixIt { .. } => self.check_fix(&run.scenario),
            Task::Predict(_) => Verdict::default(),
        }
    }

    fn check_find(&self, run: &SharedRun, allowed: Allowed, goal: Goal) -> Verdict {
        let mut findings: Vec<Finding> = changed(&self.start, &run.scenario, &ALL_SETTINGS)
            .into_iter()
            .map(Finding::Changed)
            .collect();
        let count = count_faults(run);
        if count.crashes + count.drops + count.others == 0 {
            findings.push(Finding::NoFault);
        } else {
            let (mine, others) = match allowed {
                Allowed::OneCrash => (count.crashes, count.drops + count.others),
                Allowed::OneDrop => (count.drops, count.crashes + count.others),
            };
            if mine != 1 {
                findings.push(match allowed {
                    Allowed::OneCrash => Finding::Crashes(mine),
                    Allowed::OneDrop => Finding::Drops(mine),
                });
            }
            if others > 0 {
                findings.push(Finding::OtherFaults {
                    allowed,
                    count: others,
                });
            }
        }
        let baseline_blocked = if goal == Goal::BlockTwiceAsLong {
            fault_free_blocked(&self.start)
        } else {
            None
        };
        let sim = match run_to_end(run) {
            Ok(sim) => sim,
            Err(finding) => {
                findings.push(finding);
                return Verdict {
                    findings,
                    baseline_blocked,
                    ..Verdict::default()
                };
            }
        };
        let measured = measure(&sim);
        let summary = &measured.summary;
        let shown = match goal {
            Goal::Duplicate => summary.duplicated >= 1,
            Goal::Lose => summary.lost >= 1,
            Goal::LoseTwo => summary.lost >= 2,
            Goal::LoseAcknowledged => summary.acked_lost >= 1,
            Goal::RedeliverHarmlessly => {
                summary.redelivered >= 1 && summary.exactly_once == summary.messages
            }
            Goal::BlockTwiceAsLong => {
                baseline_blocked.is_some_and(|base| summary.blocked_ticks >= 2 * base.max(1))
            }
        };
        if !shown {
            findings.push(Finding::GoalMissed(goal));
        }
        Verdict {
            findings,
            measured: Some(measured),
            baseline_blocked,
            best_wire: None,
        }
    }

    /// The learner's settings with the challenge's world and fault plan: what a "fix
    /// it" challenge runs.
    pub fn fix_run(&self, settings: &Scenario) -> SharedRun {
        SharedRun {
            scenario: Scenario {
                faults: self.start.faults.clone(),
                timed_faults: self.start.timed_faults.clone(),
                ..settings.clone()
            },
            commands: Vec::new(),
            step: None,
        }
    }

    fn check_fix(&self, settings: &Scenario) -> Verdict {
        let mut findings: Vec<Finding> = changed(&self.start, settings, &FIX_IT_KEEPS)
            .into_iter()
            .map(Finding::Changed)
            .collect();
        if let Task::FixIt { modes } = &self.task {
            if !modes.contains(&settings.mode) {
                findings.push(Finding::Changed(Setting::Mode));
            }
        }
        let run = self.fix_run(settings);
        if let Err(error) = run.validate() {
            findings.push(Finding::FaultRefused(error));
            return Verdict {
                findings,
                ..Verdict::default()
            };
        }
        let sim = match run_to_end(&run) {
            Ok(sim) => sim,
            Err(finding) => {
                findings.push(finding);
                return Verdict {
                    findings,
                    ..Verdict::default()
                };
            }
        };
        let measured = measure(&sim);
        let summary = &measured.summary;
        if summary.lost > 0 {
            findings.push(Finding::StillLost(summary.lost));
        }
        if summary.duplicated > 0 {
            findings.push(Finding::StillDuplicated(summary.duplicated));
        }
        // The best choice is searched for only when the run is correct, once.
        let best_wire = if summary.lost == 0 && summary.duplicated == 0 {
            self.best().map(|(_, wire)| wire)
        } else {
            None
        };
        if let Some(best) = best_wire.filter(|best| measured.wire > *best) {
            findings.push(Finding::AboveBest {
                got: measured.wire,
                best,
            });
        }
        Verdict {
            findings,
            measured: Some(measured),
            baseline_blocked: None,
            best_wire,
        }
    }

    /// A "fix it" challenge's best choice among the settings the page offers: every mode
    /// it allows × every transaction size from 1 to the number of messages × max in
    /// flight 1 or unlimited-as-the-messages, the other settings as the start has them.
    /// The settings with the fewest messages sent over the network that lose and
    /// duplicate nothing, and that count; `None` for other kinds, or when no choice
    /// fixes the plan.
    pub fn best(&self) -> Option<(Scenario, u64)> {
        let Task::FixIt { modes } = &self.task else {
            return None;
        };
        let mut best: Option<(Scenario, u64)> = None;
        for &mode in modes {
            for size in 1..=self.start.messages.max(1) {
                for window in [1, self.start.messages.max(1)] {
                    let mut settings = Scenario {
                        mode,
                        ..self.start.clone()
                    };
                    settings.transaction.size = size;
                    settings.timing.producer_window = window;
                    let run = self.fix_run(&settings);
                    if run.validate().is_err() {
                        continue;
                    }
                    let Ok(sim) = run_to_end(&run) else { continue };
                    let measured = measure(&sim);
                    if measured.summary.lost > 0 || measured.summary.duplicated > 0 {
                        continue;
                    }
                    if best.as_ref().is_none_or(|(_, wire)| measured.wire < *wire) {
                        best = Some((settings, measured.wire));
                    }
                }
            }
        }
        best
    }

    /// The run a prediction is judged on, and for each answer whether it makes it true;
    /// `None` for other kinds or when the run cannot be made.
    pub fn judge(&self) -> Option<(Measured, Vec<bool>)> {
        let Task::Predict(question) = &self.task else {
            return None;
        };
        let sim = run_to_end(&SharedRun::new(self.start.clone())).ok()?;
        let measured = measure(&sim);
        let outcome = question.outcome(&measured.summary);
        Some((measured, outcome))
    }

    /// The worked solution as a run the simulator can open.
    pub fn solution_run(&self) -> SharedRun {
        SharedRun::new(self.solution.clone())
    }

    /// The start as a run the simulator can open.
    pub fn start_run(&self) -> SharedRun {
        SharedRun::new(self.start.clone())
    }
}

impl Finding {
    /// The finding in `words`: one sentence.
    pub fn describe_in(
        &self,
        words: &Words,
        baseline: Option<u64>,
        measured: Option<&Measured>,
    ) -> String {
        match self {
            Finding::Changed(setting) => words.fill(
                Key::FindingChanged,
                &[("setting", words.get(setting.key()).into())],
            ),
            Finding::NoFault => words.get(Key::FindingNoFault).to_string(),
            Finding::Crashes(count) => words.fill(
                Key::FindingCrashes,
                &[("count", Arg::Count(u64::from(*count)))],
            ),
            Finding::Drops(count) => words.fill(
                Key::FindingDrops,
                &[("count", Arg::Count(u64::from(*count)))],
            ),
            Finding::OtherFaults { allowed, count } => words.fill(
                Key::FindingOtherFaults,
                &[
                    (
                        "allowed",
                        words
                            .get(match allowed {
                                Allowed::OneCrash => Key::FindingAllowedCrash,
                                Allowed::OneDrop => Key::FindingAllowedDrop,
                            })
                            .into(),
                    ),
                    ("count", Arg::Count(u64::from(*count))),
                ],
            ),
            Finding::GoalMissed(goal) => {
                let what = match goal {
                    Goal::Duplicate => words.get(Key::GoalDuplicated).to_string(),
                    Goal::Lose => words.get(Key::GoalLost).to_string(),
                    Goal::LoseTwo => words.get(Key::GoalLostTwo).to_string(),
                    Goal::LoseAcknowledged => words.get(Key::GoalAckedLost).to_string(),
                    Goal::RedeliverHarmlessly => {
                        if measured.is_some_and(|m| m.summary.redelivered == 0) {
                            words.get(Key::GoalRedelivered).to_string()
                        } else {
                            words.get(Key::GoalExactlyOnce).to_string()
                        }
                    }
                    Goal::BlockTwiceAsLong => {
                        let base = baseline.unwrap_or(0);
                        words.fill(
                            Key::GoalBlocked,
                            &[
                                (
                                    "got",
                                    measured.map_or(0, |m| m.summary.blocked_ticks).into(),
                                ),
                                ("want", (2 * base.max(1)).into()),
                                ("base", base.into()),
                            ],
                        )
                    }
                };
                words.fill(Key::FindingGoalMissed, &[("goal", what.into())])
            }
            Finding::StillLost(count) => words.fill(
                Key::FindingGoalMissed,
                &[(
                    "goal",
                    words
                        .fill(
                            Key::GoalKeptLost,
                            &[("count", Arg::Count(u64::from(*count)))],
                        )
                        .into(),
                )],
            ),
            Finding::StillDuplicated(count) => words.fill(
                Key::FindingGoalMissed,
                &[(
                    "goal",
                    words
                        .fill(
                            Key::GoalKeptDuplicated,
                            &[("count", Arg::Count(u64::from(*count)))],
                        )
                        .into(),
                )],
            ),
            Finding::AboveBest { got, best } => words.fill(
                Key::FindingAboveBest,
                &[("got", (*got).into()), ("best", (*best).into())],
            ),
            Finding::FaultRefused(error) => words.fill(
                Key::FindingFaultRefused,
                &[("reason", error.describe_in(words).into())],
            ),
            Finding::RunRefused(error) => words.fill(
                Key::FindingRunRefused,
                &[("reason", error.describe_in(words).into())],
            ),
            Finding::NeverEnds => words.fill(
                Key::FindingNeverEnds,
                &[("most", MAX_CHALLENGE_STEPS.into())],
            ),
        }
    }
}

/// The challenge with this slug.
pub fn find(id: &str) -> Option<Challenge> {
    all().into_iter().find(|challenge| challenge.id == id)
}

fn crash_at(point: CrashPoint, message: u32) -> PlannedFault {
    PlannedFault::at_start(Command::CrashAt {
        point,
        message: Some(message),
        instance: 0,
    })
}

fn drop_first(from: NodeId, to: NodeId, kind: MessageKind, message: u32) -> PlannedFault {
    PlannedFault::at_start(Command::DropMatching {
        link: LinkId::new(from, to),
        kind: Some(kind),
        message: Some(message),
        nth: 1,
    })
}

/// Three messages in a mode, seed 1, no faults: every challenge's world.
fn world(mode: Mode) -> Scenario {
    Scenario {
        mode,
        messages: 3,
        seed: 1,
        ..Scenario::default()
    }
}

/// Node number `number` (from 1) of a role: `broker` is broker 1, then `broker-2`...
fn node(role: RoleKind, number: u8) -> NodeId {
    NodeId::new(role, number - 1)
}

/// A crash of instance `instance` (from 0) of the point's role, for a message.
fn crash_of(point: CrashPoint, message: u32, instance: u8) -> PlannedFault {
    PlannedFault::at_start(Command::CrashAt {
        point,
        message: Some(message),
        instance,
    })
}

/// The world of three messages with the queue held by `replicas` brokers, as Kafka 3.7
/// and later replicates a partition (`replication.rs`), with the producer's `acks`.
fn replicated(mode: Mode, replicas: u16, acks: Acks) -> Scenario {
    let mut scenario = world(mode);
    scenario.topology.brokers = replicas;
    scenario.replication.acks = Some(acks);
    scenario
}

/// The world of three messages read by one Kafka consumer group of two members from a
/// topic of two partitions, as in the consumer-group lessons: with four keys the default
/// partitioner puts m1 and m2 in p1 and m3 in p0, and the range assignor gives p0 to
/// `consumer` and p1 to `consumer-2`. A crashed member stays down longer than the
/// session timeout (45 ticks), so that the group rebalances without it first.
fn one_group_of_two(commit: CommitStrategy) -> Scenario {
    crate::lessons::as_group_of_two(world(Mode::AtLeastOnce), commit)
}

/// The world of three messages on a RabbitMQ queue with two competing consumers, each
/// with the default prefetch of 4.
fn two_competing_consumers(mode: Mode) -> Scenario {
    let mut scenario = world(mode);
    scenario.topology.consumers = 2;
    scenario
}

const fn at_tick(tick: u64, action: TimedAction) -> TimedFault {
    TimedFault { tick, action }
}

fn with_faults(scenario: Scenario, faults: Vec<PlannedFault>) -> Scenario {
    Scenario { faults, ..scenario }
}

fn find_fault(
    id: &'static str,
    start: Scenario,
    allowed: Allowed,
    goal: Goal,
    solution: PlannedFault,
    keys: [Key; 5],
) -> Challenge {
    let [title, goal_key, hint, solution_key, why] = keys;
    Challenge {
        id,
        task: Task::FindFault { allowed, goal },
        solution: with_faults(start.clone(), vec![solution]),
        start,
        texts: Texts {
            title,
            goal: goal_key,
            hint: Some(hint),
            solution: Some(solution_key),
            why,
            choices: Vec::new(),
        },
    }
}

fn fix_it(
    id: &'static str,
    start: Scenario,
    modes: Vec<Mode>,
    solution: Scenario,
    keys: [Key; 5],
) -> Challenge {
    let [title, goal, hint, solution_key, why] = keys;
    let solution = Scenario {
        faults: start.faults.clone(),
        ..solution
    };
    Challenge {
        id,
        task: Task::FixIt { modes },
        start,
        solution,
        texts: Texts {
            title,
            goal,
            hint: Some(hint),
            solution: Some(solution_key),
            why,
            choices: Vec::new(),
        },
    }
}

fn predict(
    id: &'static str,
    start: Scenario,
    choices: Vec<(Key, Vec<Check>)>,
    intended_choice: usize,
    title: Key,
    question: Key,
    why: Key,
) -> Challenge {
    let (keys, choices): (Vec<Key>, Vec<Choice>) = choices
        .into_iter()
        .map(|(key, holds_when)| (key, Choice { holds_when }))
        .unzip();
    Challenge {
        id,
        task: Task::Predict(Question {
            choices,
            intended_choice,
        }),
        solution: start.clone(),
        start,
        texts: Texts {
            title,
            goal: question,
            hint: None,
            solution: None,
            why,
            choices: keys,
        },
    }
}

/// The usual answers of a queue's prediction: lost, applied twice, all fine.
fn queue_answers(lost: Key, twice: Key, fine: Key) -> Vec<(Key, Vec<Check>)> {
    vec![
        (lost, vec![Check::LostAtLeast(1)]),
        (twice, vec![Check::DuplicatedAtLeast(1)]),
        (fine, vec![Check::AllExactlyOnce]),
    ]
}

/// Every challenge, in the order the page lists them: find a fault, fix it, predict;
/// within each, the one queue in the delivery modes' order, then many consumers, then
/// the replicated queue (the lessons' chapters), and 2PC last.
pub fn all() -> Vec<Challenge> {
    use CrashPoint as P;
    use NodeId as N;
    let two_faults = vec![
        crash_at(P::ConsumerAfterApply, 2),
        drop_first(N::PRODUCER, N::BROKER, MessageKind::Publish, 3),
    ];
    let lost_confirm = vec![
        drop_first(N::BROKER, N::PRODUCER, MessageKind::Confirm, 2),
        drop_first(N::PRODUCER, N::BROKER, MessageKind::Publish, 3),
    ];
    let coordinator = vec![crash_at(P::CoordinatorAfterVotes, 1)];
    let mut one_transaction = world(Mode::Transactional);
    one_transaction.transaction.size = 3;
    let mut follower_down = replicated(Mode::AtLeastOnce, 2, Acks::All);
    follower_down.replication.min_insync_replicas = 2;
    follower_down.timed_faults = vec![at_tick(
        0,
        TimedAction::Crash {
            node: node(RoleKind::Broker, 2),
        },
    )];
    let twice_blocked = twice_fault_free_blocked();
    vec![
        find_fault(
            "duplicate-one",
            world(Mode::AtLeastOnce),
            Allowed::OneCrash,
            Goal::Duplicate,
            crash_at(P::ConsumerAfterApply, 2),
            [
                Key::DuplicateOneTitle,
                Key::DuplicateOneGoal,
                Key::DuplicateOneHint,
                Key::DuplicateOneSolution,
                Key::DuplicateOneWhy,
            ],
        ),
        find_fault(
            "lose-with-a-drop",
            world(Mode::AtMostOnce),
            Allowed::OneDrop,
            Goal::Lose,
            drop_first(N::PRODUCER, N::BROKER, MessageKind::Publish, 2),
            [
                Key::LoseWithADropTitle,
                Key::LoseWithADropGoal,
                Key::LoseWithADropHint,
                Key::LoseWithADropSolution,
                Key::LoseWithADropWhy,
            ],
        ),
        find_fault(
            "lose-with-a-crash",
            world(Mode::AtMostOnce),
            Allowed::OneCrash,
            Goal::LoseTwo,
            crash_at(P::BrokerAfterAppend, 2),
            [
                Key::LoseWithACrashTitle,
                Key::LoseWithACrashGoal,
                Key::LoseWithACrashHint,
                Key::LoseWithACrashSolution,
                Key::LoseWithACrashWhy,
            ],
        ),
        find_fault(
            "duplicate-with-a-drop",
            world(Mode::AtLeastOnce),
            Allowed::OneDrop,
            Goal::Duplicate,
            drop_first(N::CONSUMER, N::BROKER, MessageKind::Ack, 2),
            [
                Key::DuplicateWithADropTitle,
                Key::DuplicateWithADropGoal,
                Key::DuplicateWithADropHint,
                Key::DuplicateWithADropSolution,
                Key::DuplicateWithADropWhy,
            ],
        ),
        find_fault(
            "redelivered-once",
            world(Mode::Idempotent),
            Allowed::OneCrash,
            Goal::RedeliverHarmlessly,
            crash_at(P::ConsumerAfterApply, 2),
            [
                Key::RedeliveredOnceTitle,
                Key::RedeliveredOnceGoal,
                Key::RedeliveredOnceHint,
                Key::RedeliveredOnceSolution,
                Key::RedeliveredOnceWhy,
            ],
        ),
        find_fault(
            "lose-a-record-in-a-group",
            one_group_of_two(CommitStrategy::Before),
            Allowed::OneCrash,
            Goal::Lose,
            crash_of(P::ConsumerAfterCommit, 2, 1),
            [
                Key::LoseARecordInAGroupTitle,
                Key::LoseARecordInAGroupGoal,
                Key::LoseARecordInAGroupHint,
                Key::LoseARecordInAGroupSolution,
                Key::LoseARecordInAGroupWhy,
            ],
        ),
        find_fault(
            "lose-an-acked-write",
            replicated(Mode::AtLeastOnce, 3, Acks::One),
            Allowed::OneCrash,
            Goal::LoseAcknowledged,
            crash_at(P::BrokerAfterConfirm, 2),
            [
                Key::LoseAnAckedWriteTitle,
                Key::LoseAnAckedWriteGoal,
                Key::LoseAnAckedWriteHint,
                Key::LoseAnAckedWriteSolution,
                Key::LoseAnAckedWriteWhy,
            ],
        ),
        find_fault(
            "block-participants",
            world(Mode::Transactional),
            Allowed::OneCrash,
            Goal::BlockTwiceAsLong,
            crash_at(P::CoordinatorAfterVotes, 1),
            [
                Key::BlockParticipantsTitle,
                Key::BlockParticipantsGoal,
                Key::BlockParticipantsHint,
                Key::BlockParticipantsSolution,
                Key::BlockParticipantsWhy,
            ],
        ),
        fix_it(
            "fix-two-faults",
            with_faults(world(Mode::AtLeastOnce), two_faults),
            Mode::ALL.to_vec(),
            world(Mode::Idempotent),
            [
                Key::FixTwoFaultsTitle,
                Key::FixTwoFaultsGoal,
                Key::FixTwoFaultsHint,
                Key::FixTwoFaultsSolution,
                Key::FixTwoFaultsWhy,
            ],
        ),
        fix_it(
            "fix-the-lost-confirm",
            with_faults(world(Mode::AtLeastOnce), lost_confirm),
            Mode::ALL.to_vec(),
            world(Mode::Idempotent),
            [
                Key::FixTheLostConfirmTitle,
                Key::FixTheLostConfirmGoal,
                Key::FixTheLostConfirmHint,
                Key::FixTheLostConfirmSolution,
                Key::FixTheLostConfirmWhy,
            ],
        ),
        fix_it(
            "fix-the-coordinator-crash",
            with_faults(world(Mode::Transactional), coordinator),
            vec![Mode::Transactional],
            one_transaction,
            [
                Key::FixTheCoordinatorCrashTitle,
                Key::FixTheCoordinatorCrashGoal,
                Key::FixTheCoordinatorCrashHint,
                Key::FixTheCoordinatorCrashSolution,
                Key::FixTheCoordinatorCrashWhy,
            ],
        ),
        predict(
            "predict-fsync",
            with_faults(
                world(Mode::AtMostOnce),
                vec![crash_at(P::BrokerAfterFsync, 2)],
            ),
            queue_answers(
                Key::PredictFsyncChoiceLost,
                Key::PredictFsyncChoiceTwice,
                Key::PredictFsyncChoiceFine,
            ),
            0,
            Key::PredictFsyncTitle,
            Key::PredictFsyncQuestion,
            Key::PredictFsyncWhy,
        ),
        predict(
            "predict-ack-first",
            with_faults(
                world(Mode::AtLeastOnce),
                vec![crash_at(P::ConsumerAfterAck, 2)],
            ),
            queue_answers(
                Key::PredictAckFirstChoiceLost,
                Key::PredictAckFirstChoiceTwice,
                Key::PredictAckFirstChoiceFine,
            ),
            2,
            Key::PredictAckFirstTitle,
            Key::PredictAckFirstQuestion,
            Key::PredictAckFirstWhy,
        ),
        predict(
            "predict-idempotent-retry",
            with_faults(
                world(Mode::Idempotent),
                vec![crash_at(P::ProducerAfterSend, 2)],
            ),
            vec![
                (
                    Key::PredictIdempotentRetryChoiceTwice,
                    vec![Check::DuplicatedAtLeast(1)],
                ),
                (
                    Key::PredictIdempotentRetryChoiceLost,
                    vec![Check::LostAtLeast(1)],
                ),
                (
                    Key::PredictIdempotentRetryChoiceFine,
                    vec![Check::AllExactlyOnce],
                ),
            ],
            2,
            Key::PredictIdempotentRetryTitle,
            Key::PredictIdempotentRetryQuestion,
            Key::PredictIdempotentRetryWhy,
        ),
        predict(
            "predict-requeue-order",
            with_faults(
                two_competing_consumers(Mode::AtLeastOnce),
                vec![crash_at(P::ConsumerAfterReceive, 1)],
            ),
            vec![
                (
                    Key::PredictRequeueOrderChoiceLost,
                    vec![Check::LostAtLeast(1)],
                ),
                (
                    Key::PredictRequeueOrderChoiceTwice,
                    vec![Check::DuplicatedAtLeast(1)],
                ),
                (
                    Key::PredictRequeueOrderChoiceInOrder,
                    vec![Check::AllExactlyOnce],
                ),
                (
                    Key::PredictRequeueOrderChoiceLate,
                    vec![
                        Check::NoneLost,
                        Check::NoneDuplicated,
                        Check::ReorderedAtLeast(1),
                    ],
                ),
            ],
            3,
            Key::PredictRequeueOrderTitle,
            Key::PredictRequeueOrderQuestion,
            Key::PredictRequeueOrderWhy,
        ),
        predict(
            "predict-commit-then-crash",
            with_faults(
                one_group_of_two(CommitStrategy::After),
                vec![crash_of(P::ConsumerAfterCommit, 2, 1)],
            ),
            queue_answers(
                Key::PredictCommitThenCrashChoiceLost,
                Key::PredictCommitThenCrashChoiceTwice,
                Key::PredictCommitThenCrashChoiceFine,
            ),
            2,
            Key::PredictCommitThenCrashTitle,
            Key::PredictCommitThenCrashQuestion,
            Key::PredictCommitThenCrashWhy,
        ),
        predict(
            "predict-not-enough-replicas",
            follower_down,
            vec![
                (
                    Key::PredictNotEnoughReplicasChoiceLost,
                    vec![Check::LostAtLeast(1)],
                ),
                (
                    Key::PredictNotEnoughReplicasChoiceTwice,
                    vec![
                        Check::RefusedAtLeast(1),
                        Check::DuplicatedAtLeast(1),
                        Check::NoneLost,
                    ],
                ),
                (
                    Key::PredictNotEnoughReplicasChoiceOnce,
                    vec![
                        Check::RefusedAtLeast(1),
                        Check::NoneDuplicated,
                        Check::NoneLost,
                    ],
                ),
                (
                    Key::PredictNotEnoughReplicasChoiceWait,
                    vec![Check::NoneRefused, Check::AllExactlyOnce],
                ),
            ],
            1,
            Key::PredictNotEnoughReplicasTitle,
            Key::PredictNotEnoughReplicasQuestion,
            Key::PredictNotEnoughReplicasWhy,
        ),
        predict(
            "predict-coordinator",
            with_faults(
                world(Mode::Transactional),
                vec![crash_at(P::CoordinatorAfterVotes, 1)],
            ),
            vec![
                (
                    Key::PredictCoordinatorChoiceBlocked,
                    vec![Check::BlockedTicksAtLeast(twice_blocked.max(1))],
                ),
                (
                    Key::PredictCoordinatorChoiceSplit,
                    vec![Check::InvariantViolated],
                ),
                (
                    Key::PredictCoordinatorChoiceLost,
                    vec![Check::LostAtLeast(1)],
                ),
            ],
            0,
            Key::PredictCoordinatorTitle,
            Key::PredictCoordinatorQuestion,
            Key::PredictCoordinatorWhy,
        ),
    ]
}
