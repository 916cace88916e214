//! The crash matrix: every crash point of a mode tried on every message, and every pair
//! of crash points, each run to quiescence, with the ledger's outcome per cell.
//!
//! Work is cut into runs, and a [`MatrixJob`] does as many as it is asked at a time
//! ([`MatrixJob::run_slice`]), with no thread and no clock, so that the page can run it
//! between frames with a progress bar and a Cancel button. The cells come out in a fixed
//! order (mode, then single crashes point by point and message by message, then pairs),
//! and slicing never changes them: a run depends only on its cell.
//!
//! What is tried, per mode, where P is the number of crash points that apply to the mode
//! ([`CrashPoint::applies_to`]) and N the number of messages:
//!
//! - singles: each point × each message m1..mN, so P × N runs;
//! - pairs (optional): ordered pairs (a, b) of points, a crash at a for m1 and then a
//!   crash at b for m2, so P × P runs. Ordered, because "a on m1 then b on m2" and "b on
//!   m1 then a on m2" are different runs, and a = b is kept (the same step failing on two
//!   messages). With a single message both crashes are for m1 and only a ≠ b is kept,
//!   unordered (a before b in pipeline order), so P × (P − 1) / 2 runs.
//!
//! The four modes have 8, 9, 9 and 7 crash points (at-most-once has no "after confirm";
//! transactional has the coordinator and participant points instead of the queue ones),
//! so a 10-message scenario has 330 single runs and 275 pair runs in all. The points that do not apply to a mode are
//! listed by [`not_applicable`], never dropped silently.
//!
//! In a replicated queue ([`points`]) the rows follow the world: the leader's "after
//! append" and "after confirm", each follower's "after fetch" (KIP-101's window), and no
//! fsync; the transactional mode, which needs one broker, is not among its modes
//! ([`modes_for`]). A cell whose acknowledged messages were lost says so apart.
//!
//! With several consumers the consumer's rows are repeated per instance
//! ([`consumer_instances`]): a point names its node (`consumer-2.after_apply`), and a
//! cell's crash fires only if that consumer reaches the point for its message (the
//! others' cells say the point was not reached). Competing consumers on a queue
//! (RabbitMQ style) each have their rows. With consumer groups (Kafka style) the
//! consumer's last point is `consumer.after_commit` (the offset past the record
//! committed) in place of the ack, which is listed as left out; every member of the
//! first group has its rows and each other group its first member's, because member j
//! of every group is given the same partitions (range assignment over groups of the
//! same size), so its rows would repeat the first group's on another ledger; the
//! members left out are listed by [`instances_left_out`]. At the largest groups (3 × 6
//! members) that is 8 consumers × 3 points, so a 10-message grid has (6 + 24) × 10
//! runs in at-least-once, and the page's largest (60 messages) 1,800; with the other
//! two modes, 890 and 5,340. Measured in headless Chromium on two shared cores, the
//! core runs those in about 0.1 s and 1.5 s, and the page, which also draws the grid
//! as it fills, takes about 0.6 s and 8 s.
//!
//! Each consumer group is judged on its own ledger (every group should get every
//! message exactly once). A cell's outcome is the worst group's, named ("group 2: lost
//! 1"), with a count of the other groups that are not exactly once either
//! ([`Outcome::worst`]); [`Cell::group_outcomes`] gives each group's. With groups,
//! order is judged per key: a message applied after a later message of another key is
//! not reordered (a topic keeps order per partition only).
//!
//! The scenario's own planned faults are left out: each cell shows what its crashes do
//! on their own.
//!
//! Blocking is measured against the same mode without a crash: in 2PC every participant
//! is in doubt for a moment between its vote and the decision even on the happy path, so
//! a cell reports "blocked" only for the ticks beyond that fault-free baseline.

use mqlab_text::analysis::Key;
use mqlab_text::Words;

use crate::fault::{Command, CrashPoint, PlannedFault};
use crate::ledger::Summary;
use crate::mode::Mode;
use crate::node::RoleKind;
use crate::replication::Acks;
use crate::scenario::{Scenario, ScenarioError};
use crate::share::SharedRun;
use crate::sim::{Sim, SimOptions};
use crate::speech::lab;

/// The step bound per run when the caller has no better one.
pub const DEFAULT_MATRIX_STEPS: u64 = 200_000;

/// A row of a mode's grid: a crash point on one node of its role (`broker-2` is
/// instance 1 of the brokers).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Point {
    /// The protocol step.
    pub point: CrashPoint,
    /// Which node of the point's role crashes (0 for the first).
    pub instance: u8,
}

impl Point {
    /// A point on the first node of its role.
    pub const fn first(point: CrashPoint) -> Point {
        Point { point, instance: 0 }
    }

    /// "broker-2.after_fetch", as the CLI's `--crash` flag takes it.
    pub fn name(self) -> String {
        self.point.name_at(self.instance)
    }
}

/// One crash of a cell: a point, for one message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Crash {
    /// The protocol step and the node.
    pub at: Point,
    /// The message number (1 for m1).
    pub message: u32,
}

impl Crash {
    /// The command that arms it.
    pub fn command(self) -> Command {
        Command::CrashAt {
            point: self.at.point,
            message: Some(self.message),
            instance: self.at.instance,
        }
    }

    /// "consumer.after_apply:m1", as the CLI's `--crash` flag takes it.
    pub fn label(self) -> String {
        format!("{}:m{}", self.at.name(), self.message)
    }
}

/// What a cell shows: the ledger's counters, reduced to one outcome with an icon and a
/// word, so that colour is never the only sign.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Every message applied exactly once (in order; with consumer groups, by every
    /// group, in order per key).
    ExactlyOnce,
    /// Messages lost, duplicated, reordered, in doubt, dropped, dead-lettered or held
    /// behind a poison record, and ticks blocked.
    Anomalies(Anomalies),
    /// The run did not go quiet within the step bound.
    Unfinished {
        /// Messages not applied yet.
        pending: u32,
    },
}

/// What went wrong in a run whose outcome is not exactly once: each count, the others
/// zero.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Anomalies {
    /// Messages never applied.
    pub lost: u32,
    /// Of those, messages the producer had been told were written (a replicated
    /// queue's failover can lose them).
    pub acked_lost: u32,
    /// Messages applied more than once.
    pub duplicated: u32,
    /// Messages applied out of order (with consumer groups, after a later message
    /// of their own key: order across keys is not kept, and is no anomaly).
    pub reordered: u32,
    /// Messages held in doubt by a participant.
    pub in_doubt: u32,
    /// Ticks participants spent in doubt beyond the fault-free run of the mode.
    pub blocked_ticks: u64,
    /// Messages the queue dropped at its delivery limit (no dead-letter queue), or
    /// that a group's error handler logged and skipped: never applied.
    pub dropped: u32,
    /// Messages moved to the dead-letter queue (or topic), never applied.
    pub dead_lettered: u32,
    /// Messages a group cannot get past: a poison record and the records behind it
    /// in its partition.
    pub held: u32,
    /// With several consumer groups, the group (from 0) whose counters these are:
    /// the worst of the groups ([`Outcome::worst`]). `None` with one group or a
    /// queue.
    pub group: Option<u16>,
    /// With several consumer groups, how many other groups did not get every
    /// message exactly once either.
    pub other_groups: u16,
}

impl Outcome {
    /// The outcome of a run from its ledger summary, given the ticks participants spend
    /// in doubt in the same mode without a crash.
    pub fn from_summary(summary: &Summary, baseline_blocked_ticks: u64) -> Outcome {
        let blocked_ticks = summary.blocked_ticks.saturating_sub(baseline_blocked_ticks);
        if !summary.quiet {
            return Outcome::Unfinished {
                pending: summary.pending,
            };
        }
        // `reordered_per_key` is `reordered` without keys; with consumer groups it
        // leaves out messages overtaken by another key's only, which Kafka never
        // promised to keep in order.
        let reordered = summary.reordered_per_key;
        if summary.lost == 0
            && summary.duplicated == 0
            && reordered == 0
            && summary.in_doubt_messages == 0
            && blocked_ticks == 0
            && summary.pending == 0
            && summary.dropped == 0
            && summary.dead_lettered == 0
            && summary.blocked == 0
        {
            return Outcome::ExactlyOnce;
        }
        Outcome::Anomalies(Anomalies {
            lost: summary.lost,
            acked_lost: summary.acked_lost,
            duplicated: summary.duplicated,
            reordered,
            in_doubt: summary.in_doubt_messages,
            blocked_ticks,
            dropped: summary.dropped,
            dead_lettered: summary.dead_lettered,
            held: summary.blocked,
            group: None,
            other_groups: 0,
        })
    }

    /// The outcome of a run with several consumer groups, each judged on its own
    /// ledger: the worst group's outcome, naming the group and counting the other
    /// groups that are not exactly once. The worst is the one whose [`Outcome::kind`]
    /// comes first in [`Outcome::KINDS`] (a loss before a duplicate), then the one with
    /// more messages of that kind, then the first group. With one group (or none) it
    /// is [`Outcome::from_summary`] of `total`.
    pub fn worst(groups: &[Summary], total: &Summary, baseline_blocked_ticks: u64) -> Outcome {
        if groups.len() < 2 {
            return Outcome::from_summary(total, baseline_blocked_ticks);
        }
        let outcomes: Vec<Outcome> = groups
            .iter()
            .map(|group| {
                // The participants' blocking is the world's, kept in the first ledger.
                let with_blocking = Summary {
                    blocked_ticks: total.blocked_ticks,
                    quiet: total.quiet,
                    ..group.clone()
                };
                Outcome::from_summary(&with_blocking, baseline_blocked_ticks)
            })
            .collect();
        let worst = outcomes
            .iter()
            .enumerate()
            .min_by_key(|(index, outcome)| {
                (
                    outcome.rank(),
                    std::cmp::Reverse(outcome.worst_count()),
                    *index,
                )
            })
            .map_or(0, |(index, _)| index);
        let others = outcomes
            .iter()
            .enumerate()
            .filter(|(index, outcome)| *index != worst && **outcome != Outcome::ExactlyOnce)
            .count();
        let mut outcome = outcomes[worst];
        if let Outcome::Anomalies(anomalies) = &mut outcome {
            anomalies.group = u16::try_from(worst).ok();
            anomalies.other_groups = u16::try_from(others).unwrap_or(u16::MAX);
        }
        outcome
    }

    /// Every kind, worst first: the order [`Outcome::kind`] picks the word in and
    /// [`Outcome::worst`] ranks groups by.
    pub const KINDS: [&'static str; 11] = [
        "unfinished",
        "acked-lost",
        "lost",
        "dropped",
        "duplicated",
        "in-doubt",
        "held",
        "dead-lettered",
        "reordered",
        "blocked",
        "ok",
    ];

    fn rank(self) -> usize {
        let kind = self.kind();
        Outcome::KINDS
            .iter()
            .position(|k| *k == kind)
            .unwrap_or(Outcome::KINDS.len())
    }

    /// How many messages the outcome's kind counts.
    fn worst_count(self) -> u64 {
        match self {
            Outcome::ExactlyOnce => 0,
            Outcome::Unfinished { pending } => u64::from(pending),
            Outcome::Anomalies(Anomalies {
                lost,
                duplicated,
                reordered,
                in_doubt,
                blocked_ticks,
                dropped,
                dead_lettered,
                held,
                ..
            }) => match self.kind() {
                "acked-lost" | "lost" => u64::from(lost),
                "dropped" => u64::from(dropped),
                "duplicated" => u64::from(duplicated),
                "in-doubt" => u64::from(in_doubt),
                "held" => u64::from(held),
                "dead-lettered" => u64::from(dead_lettered),
                "reordered" => u64::from(reordered),
                _ => blocked_ticks,
            },
        }
    }

    /// A short machine word for styling: "ok", "acked-lost", "lost", "dropped",
    /// "duplicated", "in-doubt", "held", "dead-lettered", "reordered", "blocked" or
    /// "unfinished" (the worst part of the outcome, in the order of
    /// [`Outcome::KINDS`]).
    pub fn kind(self) -> &'static str {
        match self {
            Outcome::ExactlyOnce => "ok",
            Outcome::Unfinished { .. } => "unfinished",
            Outcome::Anomalies(Anomalies {
                lost,
                acked_lost,
                duplicated,
                reordered,
                in_doubt,
                dropped,
                dead_lettered,
                held,
                ..
            }) => {
                if acked_lost > 0 {
                    "acked-lost"
                } else if lost > 0 {
                    "lost"
                } else if dropped > 0 {
                    "dropped"
                } else if duplicated > 0 {
                    "duplicated"
                } else if in_doubt > 0 {
                    "in-doubt"
                } else if held > 0 {
                    "held"
                } else if dead_lettered > 0 {
                    "dead-lettered"
                } else if reordered > 0 {
                    "reordered"
                } else {
                    "blocked"
                }
            }
        }
    }

    /// An icon that carries the outcome without colour.
    pub fn icon(self) -> &'static str {
        match self.kind() {
            "ok" => "✔",
            "acked-lost" => "✖!",
            "lost" | "dropped" => "✖",
            "duplicated" => "⇉",
            "in-doubt" => "◷",
            "held" => "⛔",
            "dead-lettered" => "☠",
            "reordered" => "⇅",
            "blocked" => "◷",
            _ => "…",
        }
    }

    /// The outcome in words: "exactly once", "lost 1", "duplicated 2, blocked 40 ticks longer";
    /// with several consumer groups the worst group is named first: "group 2: lost 1",
    /// "group 1: duplicated 1; 2 other groups not exactly once". In English, as the
    /// grid's `data-outcome` attribute gives it; [`Outcome::text_in`] in other words.
    pub fn text(self) -> String {
        self.text_in(crate::sentences::english())
    }

    /// The outcome in `words` (see [`Outcome::text`]).
    pub fn text_in(self, words: &Words) -> String {
        match self {
            Outcome::ExactlyOnce => lab!(words, OutcomeExactlyOnce),
            Outcome::Unfinished { pending } => lab!(words, OutcomeUnfinished, pending = pending),
            Outcome::Anomalies(Anomalies {
                lost,
                acked_lost,
                duplicated,
                reordered,
                in_doubt,
                blocked_ticks,
                dropped,
                dead_lettered,
                held,
                group,
                other_groups,
            }) => {
                let mut parts = Vec::new();
                if acked_lost > 0 {
                    parts.push(lab!(
                        words,
                        OutcomeLostAcknowledged,
                        lost = lost,
                        acknowledged = acked_lost
                    ));
                } else if lost > 0 {
                    parts.push(lab!(words, OutcomeLost, count = lost));
                }
                for (count, key) in [
                    (dropped, Key::OutcomeDropped),
                    (duplicated, Key::OutcomeDuplicated),
                    (reordered, Key::OutcomeReordered),
                    (in_doubt, Key::OutcomeInDoubt),
                    (held, Key::OutcomeHeld),
                    (dead_lettered, Key::OutcomeDeadLettered),
                ] {
                    if count > 0 {
                        parts.push(words.fill(key, &[("count", count.into())]));
                    }
                }
                if blocked_ticks > 0 {
                    parts.push(lab!(words, OutcomeBlocked, ticks = blocked_ticks));
                }
                let counts = parts.join(words.get(Key::OutcomeSeparator));
                match group {
                    None => counts,
                    Some(group) => {
                        let others = if other_groups == 0 {
                            String::new()
                        } else {
                            lab!(words, OutcomeOtherGroups, count = other_groups)
                        };
                        lab!(
                            words,
                            OutcomeGroup,
                            group = u32::from(group) + 1,
                            counts = counts,
                            others = others
                        )
                    }
                }
            }
        }
    }
}

/// One run of the matrix and what came of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    /// The mode.
    pub mode: Mode,
    /// The crashes armed: one for a single cell, two for a pair.
    pub crashes: Vec<Crash>,
    /// The ledger's counters at the end of the run (with several consumer groups, the
    /// groups' added up, as [`Sim::summary`] gives them).
    pub summary: Summary,
    /// With consumer groups, each group's own counters, the first group's first; empty
    /// with a queue.
    pub group_summaries: Vec<Summary>,
    /// The ticks participants spend in doubt in the same mode without a crash.
    pub baseline_blocked_ticks: u64,
    /// The outcome shown.
    pub outcome: Outcome,
    /// How many of the armed crashes fired (a point is not reached in every run: a
    /// producer that never gets a confirm never reaches "after confirm").
    pub fired: u32,
    /// The step right after the first crash fired; `None` when none fired.
    pub crash_step: Option<u64>,
    /// The run, to open in the simulator one step before `crash_step`: just before the
    /// crash, with the crash as the next step.
    pub shared: SharedRun,
}

impl Cell {
    /// True for a pair cell.
    pub fn is_pair(&self) -> bool {
        self.crashes.len() > 1
    }

    /// With consumer groups, each group's own outcome, the first group's first (its
    /// counters only: [`Cell::outcome`] names the worst group); empty with a queue.
    pub fn group_outcomes(&self) -> Vec<Outcome> {
        self.group_summaries
            .iter()
            .map(|group| {
                let with_blocking = Summary {
                    blocked_ticks: self.summary.blocked_ticks,
                    quiet: self.summary.quiet,
                    ..group.clone()
                };
                Outcome::from_summary(&with_blocking, self.baseline_blocked_ticks)
            })
            .collect()
    }
}

/// How far a job has got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Runs done.
    pub done: u32,
    /// Runs in the whole job.
    pub total: u32,
    /// True when every run is done.
    pub finished: bool,
    /// True when the job was cancelled (no run is done after that).
    pub cancelled: bool,
}

/// What to try.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatrixOptions {
    /// The modes, in the order the cells come out.
    pub modes: Vec<Mode>,
    /// Also try pairs of crash points (see the module documentation).
    pub pairs: bool,
    /// The most steps a run takes before it is reported unfinished.
    pub max_steps: u64,
}

impl MatrixOptions {
    /// Single crashes in every mode, with the default step bound.
    pub fn singles() -> MatrixOptions {
        MatrixOptions {
            modes: Mode::ALL.to_vec(),
            pairs: false,
            max_steps: DEFAULT_MATRIX_STEPS,
        }
    }
}

/// The crash points that apply to a mode, in pipeline order.
pub fn applicable_points(mode: Mode) -> Vec<CrashPoint> {
    CrashPoint::ALL
        .into_iter()
        .filter(|point| point.applies_to(mode))
        .collect()
}

/// The crash points that do not apply to a mode, reported as "not applicable".
pub fn not_applicable(mode: Mode) -> Vec<CrashPoint> {
    CrashPoint::ALL
        .into_iter()
        .filter(|point| !point.applies_to(mode))
        .collect()
}

/// The modes a scenario's world runs in ([`Scenario::runs_in`]).
pub fn modes_for(scenario: &Scenario) -> Vec<Mode> {
    Mode::ALL
        .into_iter()
        .filter(|&mode| scenario.runs_in(mode))
        .collect()
}

/// The consumer instances whose crash points are rows of a grid, in order.
///
/// Competing consumers on a queue (RabbitMQ style) each get their rows: the broker
/// hands each its own deliveries, so each one's crash loses or duplicates its own.
/// With consumer groups (Kafka style) every member of the first group gets its rows,
/// and each other group its first member's: the groups are configured alike and
/// assign their partitions alike (range assignment over the same members), so member
/// j of another group takes the same records as member j of the first and its crash
/// tells the same story on that group's own ledger; the first member of each other
/// group shows that a crash there touches only its own group. The others are listed by
/// [`instances_left_out`].
pub fn consumer_instances(scenario: &Scenario) -> Vec<u8> {
    let consumers = scenario.topology.consumers.max(1);
    let instances: Vec<u16> = match &scenario.kafka {
        None => (0..consumers).collect(),
        Some(kafka) => {
            let members = kafka.members(consumers);
            (0..members)
                .chain((1..kafka.groups).map(|group| group * members))
                .filter(|&instance| instance < consumers)
                .collect()
        }
    };
    instances
        .into_iter()
        .filter_map(|instance| u8::try_from(instance).ok())
        .collect()
}

/// The consumer instances whose rows a grid leaves out (with consumer groups, the
/// members of the other groups after their first; see [`consumer_instances`]).
pub fn instances_left_out(scenario: &Scenario) -> Vec<u8> {
    let kept = consumer_instances(scenario);
    (0..scenario.topology.consumers)
        .filter_map(|instance| u8::try_from(instance).ok())
        .filter(|instance| !kept.contains(instance))
        .collect()
}

/// True for the crash points of a consumer instance's own steps (its consumer and its
/// database's participant points), which a grid repeats per instance.
fn per_consumer(point: CrashPoint) -> bool {
    point.node().role() == RoleKind::Consumer
}

/// The crash points of the world before they are repeated per consumer instance, in
/// pipeline order.
fn world_points(scenario: &Scenario, mode: Mode) -> Vec<CrashPoint> {
    let kafka = scenario.kafka.is_some();
    let mut points = Vec::new();
    for point in applicable_points(mode) {
        match point {
            // A Kafka consumer commits offsets where a queue's consumer acks.
            CrashPoint::ConsumerAfterAck if kafka => {
                points.push(CrashPoint::ConsumerAfterCommit);
            }
            _ => points.push(point),
        }
    }
    if !scenario.topology.replicated() {
        return points;
    }
    let confirms = scenario.replication.acks_in(mode) != Acks::Zero;
    let mut replicated = Vec::new();
    for point in points {
        match point {
            CrashPoint::BrokerAfterFsync => {}
            CrashPoint::BrokerAfterAppend => {
                replicated.push(point);
                if confirms {
                    replicated.push(CrashPoint::BrokerAfterConfirm);
                }
            }
            CrashPoint::BrokerAfterDeliver => {
                replicated.push(point);
                replicated.push(CrashPoint::BrokerAfterFetch);
            }
            _ => replicated.push(point),
        }
    }
    replicated
}

/// The rows of a mode's grid for a scenario's world, in pipeline order. With one
/// broker and one consumer they are the points of the mode.
///
/// A replicated queue has no fsync step (its copies on the followers are its
/// durability, as in Kafka) and adds the leader's "after confirm" (unless `acks=0`,
/// where no confirm is sent) and each follower's "after fetch".
///
/// With several consumers, the consumer's points (and in transactional mode its
/// database's participant points) are repeated for each instance of
/// [`consumer_instances`], instance after instance: `consumer.after_receive`,
/// `consumer.after_apply`, `consumer.after_ack`, `consumer-2.after_receive`, ... With
/// consumer groups the consumer's last point is `consumer.after_commit` (the commit of
/// the offset past the record), in place of the ack a Kafka consumer does not send.
pub fn points(scenario: &Scenario, mode: Mode) -> Vec<Point> {
    let world = world_points(scenario, mode);
    let instances = consumer_instances(scenario);
    let mut rows = Vec::new();
    let mut index = 0;
    while index < world.len() {
        let point = world[index];
        if point == CrashPoint::BrokerAfterFetch {
            rows.extend((1..scenario.topology.brokers).map(|follower| Point {
                point,
                instance: u8::try_from(follower).unwrap_or(u8::MAX),
            }));
            index += 1;
        } else if per_consumer(point) {
            // A run of the same node's points (the consumer's, or its database's):
            // each instance takes them all before the next.
            let participant = is_participant(point);
            let end = world[index..]
                .iter()
                .position(|&p| !per_consumer(p) || is_participant(p) != participant)
                .map_or(world.len(), |offset| index + offset);
            for &instance in &instances {
                rows.extend(
                    world[index..end]
                        .iter()
                        .map(|&point| Point { point, instance }),
                );
            }
            index = end;
        } else {
            rows.push(Point::first(point));
            index += 1;
        }
    }
    rows
}

fn is_participant(point: CrashPoint) -> bool {
    matches!(
        point,
        CrashPoint::ParticipantBeforeVote
            | CrashPoint::ParticipantAfterVoteYes
            | CrashPoint::ParticipantAfterCommit
    )
}

/// The crash points of every world that a mode's grid for this scenario leaves out,
/// reported as "not applicable": those of other modes, the fsync of a replicated
/// queue, and the ack of a queue's consumer that a Kafka consumer does not send.
pub fn points_left_out(scenario: &Scenario, mode: Mode) -> Vec<CrashPoint> {
    let mut left_out = not_applicable(mode);
    if scenario.topology.replicated() {
        left_out.push(CrashPoint::BrokerAfterFsync);
    }
    if scenario.kafka.is_some() && CrashPoint::ConsumerAfterAck.applies_to(mode) {
        left_out.push(CrashPoint::ConsumerAfterAck);
    }
    left_out
}

/// Every run of one mode, in order: singles, then pairs if asked.
pub fn plan(scenario: &Scenario, mode: Mode, pairs: bool) -> Vec<Vec<Crash>> {
    let points = points(scenario, mode);
    let messages = scenario.messages;
    let mut runs = Vec::new();
    for &at in &points {
        for message in 1..=messages {
            runs.push(vec![Crash { at, message }]);
        }
    }
    if pairs {
        for (i, &first) in points.iter().enumerate() {
            for (j, &second) in points.iter().enumerate() {
                if messages >= 2 {
                    runs.push(vec![
                        Crash {
                            at: first,
                            message: 1,
                        },
                        Crash {
                            at: second,
                            message: 2,
                        },
                    ]);
                } else if i < j {
                    runs.push(vec![
                        Crash {
                            at: first,
                            message: 1,
                        },
                        Crash {
                            at: second,
                            message: 1,
                        },
                    ]);
                }
            }
        }
    }
    runs
}

/// How many runs a job of these options has on a scenario.
pub fn run_count(options: &MatrixOptions, scenario: &Scenario) -> u32 {
    let messages = scenario.messages;
    options
        .modes
        .iter()
        .map(|&mode| {
            let p = points(scenario, mode).len() as u32;
            let singles = p.saturating_mul(messages);
            let pairs = match (options.pairs, messages >= 2) {
                (false, _) => 0,
                (true, true) => p * p,
                (true, false) => p * p.saturating_sub(1) / 2,
            };
            singles.saturating_add(pairs)
        })
        .fold(0, u32::saturating_add)
}

/// The ticks participants spend in doubt in `mode` without any fault: the baseline a
/// cell's blocking is measured against.
pub fn baseline_blocked_ticks(
    scenario: &Scenario,
    mode: Mode,
    max_steps: u64,
) -> Result<u64, ScenarioError> {
    let plain = Scenario {
        mode,
        faults: Vec::new(),
        timed_faults: Vec::new(),
        ..scenario.clone()
    };
    let options = SimOptions {
        record_trace: false,
    };
    let mut sim = Sim::with_options(&plain, options)?;
    sim.run_until_quiet(max_steps);
    Ok(sim.summary().blocked_ticks)
}

/// The scenario of one cell: the search's scenario in `mode`, with the cell's crashes
/// armed from the start.
pub fn cell_scenario(scenario: &Scenario, mode: Mode, crashes: &[Crash]) -> Scenario {
    Scenario {
        mode,
        faults: crashes
            .iter()
            .map(|crash| PlannedFault::at_start(crash.command()))
            .collect(),
        timed_faults: Vec::new(),
        ..scenario.clone()
    }
}

/// Runs one cell: the scenario in `mode`, without its own faults, with the crashes
/// armed from the start, to quiescence or `max_steps`; blocking is counted beyond
/// `baseline_blocked_ticks` (see [`baseline_blocked_ticks`]).
pub fn run_cell(
    scenario: &Scenario,
    mode: Mode,
    crashes: &[Crash],
    max_steps: u64,
    baseline_blocked_ticks: u64,
) -> Result<Cell, ScenarioError> {
    let cell_scenario = cell_scenario(scenario, mode, crashes);
    let options = SimOptions {
        record_trace: false,
    };
    let mut sim = Sim::with_options(&cell_scenario, options)?;
    let armed = sim.armed_crashes.len();
    let mut crash_step = None;
    let mut taken = 0;
    while taken < max_steps && sim.advance() {
        taken += 1;
        if crash_step.is_none() && sim.armed_crashes.len() < armed {
            crash_step = Some(sim.step_index());
        }
    }
    let fired = u32::try_from(armed.saturating_sub(sim.armed_crashes.len())).unwrap_or(0);
    let summary = sim.summary();
    let group_summaries: Vec<Summary> = if cell_scenario.kafka.is_some() {
        sim.group_ledgers()
            .iter()
            .map(|ledger| ledger.summary())
            .collect()
    } else {
        Vec::new()
    };
    let outcome = Outcome::worst(&group_summaries, &summary, baseline_blocked_ticks);
    // The link opens the run just before the step in which the first crash fires, so
    // that the crash is the next step, as the ledger's jump to a fault's step does.
    let mut shared = SharedRun::new(cell_scenario);
    shared.step = crash_step.map(|step| step.saturating_sub(1));
    Ok(Cell {
        mode,
        crashes: crashes.to_vec(),
        summary,
        group_summaries,
        baseline_blocked_ticks,
        outcome,
        fired,
        crash_step,
        shared,
    })
}

/// What an exhaustive crash search will run: the scenario without its own planned
/// faults, every run in order with its mode, and each mode's fault-free blocking
/// (measured when the search is planned). A [`MatrixJob`] runs it on the page; the
/// crash matrix's worker runs the same plan elsewhere.
#[derive(Clone, Debug)]
pub struct MatrixPlan {
    scenario: Scenario,
    options: MatrixOptions,
    /// Every run to do, in order, with its mode.
    runs: Vec<(Mode, Vec<Crash>)>,
    /// Each mode's fault-free blocking, measured when the search is planned.
    baselines: Vec<(Mode, u64)>,
}

impl MatrixPlan {
    /// Plans a search and runs each mode once without a crash (the blocking baseline);
    /// fails when the scenario cannot run (checked once here, so that no cell fails
    /// later for a reason of the scenario's own).
    pub fn new(scenario: &Scenario, options: MatrixOptions) -> Result<MatrixPlan, ScenarioError> {
        let base = Scenario {
            faults: Vec::new(),
            timed_faults: Vec::new(),
            ..scenario.clone()
        };
        let mut baselines = Vec::with_capacity(options.modes.len());
        for &mode in &options.modes {
            baselines.push((
                mode,
                baseline_blocked_ticks(&base, mode, options.max_steps)?,
            ));
        }
        let runs = options
            .modes
            .iter()
            .flat_map(|&mode| {
                plan(&base, mode, options.pairs)
                    .into_iter()
                    .map(move |crashes| (mode, crashes))
            })
            .collect();
        Ok(MatrixPlan {
            scenario: base,
            options,
            runs,
            baselines,
        })
    }

    /// The scenario the cells run (without its own planned faults).
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The options the search was planned with.
    pub fn options(&self) -> &MatrixOptions {
        &self.options
    }

    /// Runs in the whole search.
    pub fn total(&self) -> u32 {
        u32::try_from(self.runs.len()).unwrap_or(u32::MAX)
    }

    /// Run `index` of the search: its mode, its crashes and its mode's fault-free
    /// blocking; `None` past the end.
    pub fn run(&self, index: usize) -> Option<(Mode, &[Crash], u64)> {
        let (mode, crashes) = self.runs.get(index)?;
        let baseline = self
            .baselines
            .iter()
            .find(|(m, _)| m == mode)
            .map_or(0, |(_, ticks)| *ticks);
        Some((*mode, crashes, baseline))
    }
}

/// An exhaustive crash search, run a slice at a time.
#[derive(Clone, Debug)]
pub struct MatrixJob {
    plan: MatrixPlan,
    cells: Vec<Cell>,
    cancelled: bool,
}

impl MatrixJob {
    /// Plans a job (see [`MatrixPlan::new`]).
    pub fn new(scenario: &Scenario, options: MatrixOptions) -> Result<MatrixJob, ScenarioError> {
        Ok(MatrixJob {
            plan: MatrixPlan::new(scenario, options)?,
            cells: Vec::new(),
            cancelled: false,
        })
    }

    /// The options the job was planned with.
    pub fn options(&self) -> &MatrixOptions {
        self.plan.options()
    }

    /// The scenario the cells run (without its own planned faults).
    pub fn scenario(&self) -> &Scenario {
        self.plan.scenario()
    }

    /// Does up to `max_runs` more runs (at least one, unless finished or cancelled) and
    /// says how far the job has got.
    pub fn run_slice(&mut self, max_runs: u32) -> Progress {
        let mut budget = max_runs.max(1);
        while budget > 0 && !self.cancelled {
            let Some((mode, crashes, baseline)) = self.plan.run(self.cells.len()) else {
                break;
            };
            match run_cell(
                self.plan.scenario(),
                mode,
                crashes,
                self.plan.options().max_steps,
                baseline,
            ) {
                Ok(cell) => self.cells.push(cell),
                // The scenario was validated in every mode when the job was planned, and
                // the crash points apply to their mode, so a cell cannot be refused; if
                // one were, stopping is better than a grid with a hole in it.
                Err(_) => self.cancelled = true,
            }
            budget -= 1;
        }
        self.progress()
    }

    /// Runs everything that is left.
    pub fn run_to_end(&mut self) -> Progress {
        let left = (self.plan.total() as usize).saturating_sub(self.cells.len());
        self.run_slice(u32::try_from(left).unwrap_or(u32::MAX))
    }

    /// Stops the job: later slices do nothing; the cells done so far are kept.
    pub fn cancel(&mut self) {
        self.cancelled = true;
    }

    /// How far the job has got.
    pub fn progress(&self) -> Progress {
        let total = self.plan.total();
        let done = u32::try_from(self.cells.len()).unwrap_or(u32::MAX);
        Progress {
            done,
            total,
            finished: done == total,
            cancelled: self.cancelled,
        }
    }

    /// The cells done so far, in order.
    pub fn cells(&self) -> &[Cell] {
        &self.cells
    }

    /// The cells of one mode done so far.
    pub fn cells_of(&self, mode: Mode) -> impl Iterator<Item = &Cell> {
        self.cells.iter().filter(move |cell| cell.mode == mode)
    }
}

#[cfg(test)]
mod tests {
    use mqlab_text::{Lang, Words};

    use super::{Anomalies, Outcome};

    /// One outcome of each shape, with the English the grid has always shown for it.
    fn outcomes() -> Vec<(Outcome, &'static str)> {
        let none = Anomalies::default;
        vec![
            (Outcome::ExactlyOnce, "exactly once"),
            (Outcome::Unfinished { pending: 3 }, "unfinished (3 pending)"),
            (Outcome::Anomalies(Anomalies { lost: 1, ..none() }), "lost 1"),
            (
                Outcome::Anomalies(Anomalies {
                    lost: 1,
                    acked_lost: 1,
                    ..none()
                }),
                "lost 1, 1 acknowledged",
            ),
            (
                Outcome::Anomalies(Anomalies {
                    duplicated: 2,
                    blocked_ticks: 40,
                    ..none()
                }),
                "duplicated 2, blocked 40 ticks longer",
            ),
            (
                Outcome::Anomalies(Anomalies {
                    dropped: 1,
                    reordered: 2,
                    in_doubt: 3,
                    held: 4,
                    dead_lettered: 5,
                    ..none()
                }),
                "dropped 1, reordered 2, in doubt 3, held behind a poison record 4, dead-lettered 5",
            ),
            (
                Outcome::Anomalies(Anomalies {
                    lost: 1,
                    group: Some(1),
                    ..none()
                }),
                "group 2: lost 1",
            ),
            (
                Outcome::Anomalies(Anomalies {
                    duplicated: 1,
                    group: Some(0),
                    other_groups: 1,
                    ..none()
                }),
                "group 1: duplicated 1; 1 other group not exactly once",
            ),
            (
                Outcome::Anomalies(Anomalies {
                    duplicated: 1,
                    group: Some(0),
                    other_groups: 2,
                    ..none()
                }),
                "group 1: duplicated 1; 2 other groups not exactly once",
            ),
        ]
    }

    #[test]
    fn english_words_tell_each_outcome_as_the_grid_always_has() {
        for (outcome, english) in outcomes() {
            assert_eq!(outcome.text(), english);
            assert_eq!(outcome.text_in(&Words::english()), english);
        }
    }

    #[test]
    fn chinese_words_tell_each_outcome_without_an_english_word() {
        let chinese = Words::embedded(Lang::ZhCn);
        for (outcome, english) in outcomes() {
            let text = outcome.text_in(&chinese);
            // "tick" is the simulation's unit of time, a name in every language.
            let left: Vec<&str> = text
                .split(|c: char| !c.is_ascii_alphabetic())
                .filter(|word| !word.is_empty() && *word != "tick")
                .collect();
            assert!(left.is_empty(), "{english:?} became {text:?}");
        }
        let acked = Outcome::Anomalies(Anomalies {
            lost: 2,
            acked_lost: 1,
            ..Anomalies::default()
        });
        assert_eq!(acked.text_in(&chinese), "丢失 2 条，其中 1 条已得到确认");
        let groups = Outcome::Anomalies(Anomalies {
            duplicated: 1,
            group: Some(0),
            other_groups: 2,
            ..Anomalies::default()
        });
        assert_eq!(
            groups.text_in(&chinese),
            "组 1：重复 1 条；另有 2 个组也不是精确一次"
        );
    }
}
