//! Guided lessons: each one is a scenario plus the words around it — narration cues that
//! appear as the run reaches them and a "predict, then watch" question. The longer texts
//! (an intro and a summary per lesson) are the page's, kept in a text file by lesson id.
//!
//! A lesson never claims its own answer. Each choice of its question is a predicate over
//! the ledger's [`Summary`] at the end of the run, and the page shows as right whichever
//! choices the run makes true. `intended_choice` only records what the author meant to
//! teach, so that a test can run every lesson and say which one stopped teaching it when
//! the core changes.

use crate::fault::{Command, CrashPoint};
use crate::ledger::{MessageId, Summary};
use crate::mode::Mode;
use crate::network::{LinkId, MessageKind};
use crate::node::NodeId;
use crate::ratio::Ratio;
use crate::replication::{Acks, TimedAction, TimedFault};
use crate::scenario::{CommitStrategy, KafkaConfig, Scenario, ScenarioError};
use crate::sim::Sim;
use crate::trace::{Detail, EventKind, GroupDetail, ReplicaDetail, TraceEvent, VoteNoReason};

/// The most steps a lesson's run may take before it counts as never ending. Every lesson
/// ends far sooner; the bound keeps a broken lesson from hanging a test or the page.
pub const MAX_LESSON_STEPS: u64 = 20_000;

/// One fact about the end of a run, read from the ledger's summary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// At least this many messages were never applied.
    LostAtLeast(u32),
    /// No message was lost.
    NoneLost,
    /// At least this many messages were applied more than once.
    DuplicatedAtLeast(u32),
    /// No message was applied more than once.
    NoneDuplicated,
    /// At most this many messages were applied more than once.
    DuplicatedAtMost(u32),
    /// Every message was applied exactly once, in order.
    AllExactlyOnce,
    /// Participants spent at least this many ticks in doubt, summed over participants.
    BlockedTicksAtLeast(u64),
    /// Participants spent fewer than this many ticks in doubt, summed over participants.
    BlockedTicksBelow(u64),
    /// At least one message is still in doubt when the run ends.
    SomeInDoubt,
    /// The 2PC checker found a participant committing while another aborted.
    InvariantViolated,
    /// At least this many messages ended in the dead-letter queue.
    DeadLetteredAtLeast(u32),
    /// At least this many messages were dropped by the broker.
    DroppedAtLeast(u32),
    /// At least this many messages were lost after the producer was told they were
    /// written.
    AckedLostAtLeast(u32),
    /// No message the producer was told was written was lost.
    NoneAckedLost,
    /// The leader refused at least this many writes ("not enough replicas").
    RefusedAtLeast(u32),
    /// The leader refused no write.
    NoneRefused,
    /// The queue had no leader for at least this many ticks.
    UnavailableTicksAtLeast(u64),
    /// The queue had no leader for fewer than this many ticks.
    UnavailableTicksBelow(u64),
    /// At least this many messages were applied after a later message of their own key
    /// (without keys, after any later message): the order the queue or the partition
    /// promises was broken. Order across keys is not promised, and is not counted.
    ReorderedAtLeast(u32),
    /// No message was applied after a later message of its own key.
    NoneReordered,
    /// At least this many deliveries were marked redelivered.
    RedeliveredAtLeast(u32),
}

impl Check {
    /// True when the summary shows the fact.
    pub fn holds(self, summary: &Summary) -> bool {
        match self {
            Check::LostAtLeast(count) => summary.lost >= count,
            Check::DeadLetteredAtLeast(count) => summary.dead_lettered >= count,
            Check::DroppedAtLeast(count) => summary.dropped >= count,
            Check::NoneLost => summary.lost == 0,
            Check::DuplicatedAtLeast(count) => summary.duplicated >= count,
            Check::NoneDuplicated => summary.duplicated == 0,
            Check::DuplicatedAtMost(count) => summary.duplicated <= count,
            Check::AllExactlyOnce => summary.exactly_once == summary.messages,
            Check::BlockedTicksAtLeast(ticks) => summary.blocked_ticks >= ticks,
            Check::BlockedTicksBelow(ticks) => summary.blocked_ticks < ticks,
            Check::SomeInDoubt => summary.in_doubt_messages >= 1,
            Check::InvariantViolated => summary.invariant_violations >= 1,
            Check::AckedLostAtLeast(count) => summary.acked_lost >= count,
            Check::NoneAckedLost => summary.acked_lost == 0,
            Check::RefusedAtLeast(count) => summary.producer_errors >= count,
            Check::NoneRefused => summary.producer_errors == 0,
            Check::UnavailableTicksAtLeast(ticks) => summary.unavailable_ticks >= ticks,
            Check::UnavailableTicksBelow(ticks) => summary.unavailable_ticks < ticks,
            Check::ReorderedAtLeast(count) => summary.reordered_per_key >= count,
            Check::NoneReordered => summary.reordered_per_key == 0,
            Check::RedeliveredAtLeast(count) => summary.redelivered >= count,
        }
    }
}

/// One answer to a lesson's question: its text and the facts that make it true (all of
/// them must hold).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    /// What the learner reads.
    pub text: &'static str,
    /// The facts that must all hold at the end of the run for this answer to be right.
    pub holds_when: Vec<Check>,
}

impl Choice {
    /// True when the run's summary makes this answer right.
    pub fn holds(&self, summary: &Summary) -> bool {
        self.holds_when.iter().all(|check| check.holds(summary))
    }
}

/// The "predict, then watch" question, asked before the run is played.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    /// The question.
    pub prompt: &'static str,
    /// The answers, in the order shown.
    pub choices: Vec<Choice>,
    /// The answer the author means the run to make true (an index into `choices`). The
    /// page never reads it: it shows the choices the run makes true. Tests check that
    /// this one, and only this one, holds.
    pub intended_choice: usize,
}

impl Question {
    /// For each choice, whether the summary makes it true.
    pub fn outcome(&self, summary: &Summary) -> Vec<bool> {
        self.choices
            .iter()
            .map(|choice| choice.holds(summary))
            .collect()
    }
}

/// When a narration cue appears.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CueTrigger {
    /// Before the first step.
    Start,
    /// At the first trace event of this kind (with this detail and about this message,
    /// when given).
    Event {
        /// The kind of event.
        kind: EventKind,
        /// Only events with this detail, or any.
        detail: Option<Detail>,
        /// Only events about this message number, or any.
        message: Option<u32>,
    },
    /// At the first event of this kind about this message that is a second or later
    /// attempt: a publish retried, a delivery redelivered.
    Again {
        /// The kind of event (publish or deliver).
        kind: EventKind,
        /// The message number.
        message: u32,
    },
    /// At the first crash of this node, at any point.
    Crash(NodeId),
    /// When nothing is left to happen.
    End,
}

impl CueTrigger {
    fn matches(self, event: &TraceEvent) -> bool {
        match self {
            CueTrigger::Event {
                kind,
                detail,
                message,
            } => {
                event.kind == kind
                    && detail.is_none_or(|detail| event.detail == detail)
                    && message.is_none_or(|number| event.message == Some(MessageId(number)))
            }
            CueTrigger::Again { kind, message } => {
                event.kind == kind
                    && event.message == Some(MessageId(message))
                    && event.attempt >= 2
            }
            CueTrigger::Crash(node) => event.node == node && event_is_a_crash(event),
            CueTrigger::Start | CueTrigger::End => false,
        }
    }
}

/// A crash shows in the trace either as its own event (a random or commanded crash) or
/// as the crash point reached during a step.
fn event_is_a_crash(event: &TraceEvent) -> bool {
    event.kind == EventKind::Crash || event.crash.is_some()
}

/// A line of narration, shown once the run reaches its trigger.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cue {
    /// When it appears.
    pub when: CueTrigger,
    /// What it says.
    pub text: &'static str,
}

/// Where a cue was reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reached {
    /// Before the first step.
    AtStart,
    /// At this trace step.
    AtStep(u64),
    /// When the run ended.
    AtEnd,
}

impl Cue {
    /// Where the cue is reached in a trace, if it is yet. `quiet` says whether the run
    /// has ended.
    pub fn reached(&self, trace: &[TraceEvent], quiet: bool) -> Option<Reached> {
        match self.when {
            CueTrigger::Start => Some(Reached::AtStart),
            CueTrigger::End => quiet.then_some(Reached::AtEnd),
            trigger => trace
                .iter()
                .find(|event| trigger.matches(event))
                .map(|event| Reached::AtStep(event.step)),
        }
    }
}

/// The part of the course a lesson belongs to. The page lists the lessons under their
/// chapters, in this order; the lessons of a chapter follow each other in [`all`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Chapter {
    /// One producer, one broker, one consumer: how messages are lost or duplicated, and
    /// the cures.
    OneQueue,
    /// Several consumers: competing consumers on a queue, consumer groups on a
    /// partitioned topic, poison messages.
    ManyConsumers,
    /// The queue replicated over several brokers.
    ReplicatedQueue,
    /// Two-phase commit.
    TwoPhaseCommit,
}

impl Chapter {
    /// Every chapter, in teaching order.
    pub const ALL: [Chapter; 4] = [
        Chapter::OneQueue,
        Chapter::ManyConsumers,
        Chapter::ReplicatedQueue,
        Chapter::TwoPhaseCommit,
    ];

    /// The chapter's heading.
    pub const fn title(self) -> &'static str {
        match self {
            Chapter::OneQueue => "One queue: lost and duplicated messages",
            Chapter::ManyConsumers => "Many consumers",
            Chapter::ReplicatedQueue => "The replicated queue",
            Chapter::TwoPhaseCommit => "Two-phase commit",
        }
    }
}

/// A guided lesson.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lesson {
    /// The slug used in links (`#lesson=<id>`) and in stored progress.
    pub id: &'static str,
    /// The chapter it belongs to.
    pub chapter: Chapter,
    /// The title.
    pub title: &'static str,
    /// The run the lesson plays.
    pub scenario: Scenario,
    /// Narration cues, in the order they are expected to appear.
    pub cues: Vec<Cue>,
    /// The question asked before the run is played.
    pub question: Question,
}

/// Why a lesson's run could not be finished.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LessonRunError {
    /// The scenario is invalid.
    Scenario(ScenarioError),
    /// The run was still going after `MAX_LESSON_STEPS` steps.
    NeverEnds {
        /// The lesson.
        id: &'static str,
    },
}

impl std::fmt::Display for LessonRunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LessonRunError::Scenario(error) => {
                write!(f, "the lesson's scenario is invalid: {error}")
            }
            LessonRunError::NeverEnds { id } => write!(
                f,
                "lesson {id} is still running after {MAX_LESSON_STEPS} steps"
            ),
        }
    }
}

impl std::error::Error for LessonRunError {}

impl Lesson {
    /// The URL fragment that opens the lesson, without its `#`.
    pub fn link_fragment(&self) -> String {
        format!("{LINK_PREFIX}{}", self.id)
    }

    /// Runs the lesson's scenario until nothing is left to happen, with its trace.
    pub fn run_to_end(&self) -> Result<Sim, LessonRunError> {
        let mut sim = Sim::new(&self.scenario).map_err(LessonRunError::Scenario)?;
        sim.run_until_quiet(MAX_LESSON_STEPS);
        if !sim.is_quiet() {
            return Err(LessonRunError::NeverEnds { id: self.id });
        }
        Ok(sim)
    }
}

/// The prefix of a lesson link's fragment.
pub const LINK_PREFIX: &str = "lesson=";

/// The lesson with this slug.
pub fn find(id: &str) -> Option<Lesson> {
    all().into_iter().find(|lesson| lesson.id == id)
}

fn crash_at(point: CrashPoint, message: u32) -> Command {
    Command::CrashAt {
        point,
        message: Some(message),
        instance: 0,
    }
}

fn drop_first(from: NodeId, to: NodeId, kind: MessageKind, message: u32) -> Command {
    Command::DropMatching {
        link: LinkId::new(from, to),
        kind: Some(kind),
        message: Some(message),
        nth: 1,
    }
}

fn scenario(mode: Mode, messages: u32) -> Scenario {
    Scenario {
        mode,
        messages,
        seed: 1,
        ..Scenario::default()
    }
}

const fn event(kind: EventKind) -> CueTrigger {
    CueTrigger::Event {
        kind,
        detail: None,
        message: None,
    }
}

const fn event_detail(kind: EventKind, detail: Detail) -> CueTrigger {
    CueTrigger::Event {
        kind,
        detail: Some(detail),
        message: None,
    }
}

const fn event_about(kind: EventKind, message: u32) -> CueTrigger {
    CueTrigger::Event {
        kind,
        detail: None,
        message: Some(message),
    }
}

const fn cue(when: CueTrigger, text: &'static str) -> Cue {
    Cue { when, text }
}

fn choice(text: &'static str, holds_when: &[Check]) -> Choice {
    Choice {
        text,
        holds_when: holds_when.to_vec(),
    }
}

/// The usual three wrong-or-right answers of a queue lesson: lost, duplicated, fine.
fn queue_choices(lost: &'static str, duplicated: &'static str, fine: &'static str) -> Vec<Choice> {
    vec![
        choice(lost, &[Check::LostAtLeast(1), Check::NoneDuplicated]),
        choice(duplicated, &[Check::DuplicatedAtLeast(1), Check::NoneLost]),
        choice(fine, &[Check::AllExactlyOnce]),
    ]
}

/// Every lesson, in teaching order: the queue's failures first, then their cures, then
/// many consumers, then the replicated queue, then two-phase commit.
pub fn all() -> Vec<Lesson> {
    vec![
        fire_and_forget_broker_crash(),
        lost_confirm_duplicates(),
        consumer_crash_before_ack(),
        ack_before_apply(),
        idempotent_producer(),
        idempotent_consumer(),
        competing_consumers_reorder(),
        poison_message(),
        commit_before_processing(),
        rebalance_redelivers(),
        auto_commit(),
        acks_1_failover(),
        acks_all_min_insync_2(),
        unclean_election(),
        leader_epochs(),
        two_phase_commit_happy_path(),
        participant_votes_no(),
        coordinator_dies_after_votes(),
        coordinator_recovers_from_log(),
        presumed_abort(),
    ]
}

fn fire_and_forget_broker_crash() -> Lesson {
    Lesson {
        id: "fire-and-forget",
        chapter: Chapter::OneQueue,
        title: "What does fire-and-forget do when the broker crashes?",
        scenario: scenario(Mode::AtMostOnce, 3)
            .with_fault(crash_at(CrashPoint::BrokerAfterAppend, 1)),
        cues: vec![
            cue(CueTrigger::Start, "The producer publishes m1, m2 and m3, one tick apart, without waiting for confirms."),
            cue(CueTrigger::Crash(NodeId::BROKER), "The broker crashes before its fsync: m1 was only in memory, and memory is gone."),
            cue(event(EventKind::ArriveWhileDown), "The next publish reaches a broker that is down. Nobody notices: there are no confirms in this mode."),
            cue(event(EventKind::Restart), "The broker restarts and replays its disk log — which never held m1."),
            cue(CueTrigger::End, "Nothing is left to happen. The producer never sends anything again."),
        ],
        question: Question {
            prompt: "The broker crashes after appending m1, before the fsync. What happens to the messages?",
            choices: queue_choices(
                "At least one message is lost for good.",
                "A message is applied twice after a retry.",
                "Every message is applied exactly once.",
            ),
            intended_choice: 0,
        },
    }
}

fn lost_confirm_duplicates() -> Lesson {
    Lesson {
        id: "lost-confirm",
        chapter: Chapter::OneQueue,
        title: "What happens when a confirm is lost on its way back?",
        scenario: scenario(Mode::AtLeastOnce, 3).with_fault(drop_first(
            NodeId::BROKER,
            NodeId::PRODUCER,
            MessageKind::Confirm,
            1,
        )),
        cues: vec![
            cue(CueTrigger::Start, "The producer publishes m1..m3 and keeps each one until its confirm arrives."),
            cue(event_detail(EventKind::Drop, Detail::PlannedDrop), "The confirm for m1 is lost on its way back. The broker has m1 safely on disk, but the producer cannot know that."),
            cue(CueTrigger::Again { kind: EventKind::Publish, message: 1 }, "No confirm for m1 in time: the producer publishes m1 again, and the broker, which cannot tell a retry from a new message, stores a second copy."),
            cue(CueTrigger::End, "The run is over. Count how many times the consumer applied m1."),
        ],
        question: Question {
            prompt: "The confirm for m1 is lost. What does the consumer end up with?",
            choices: queue_choices(
                "m1 is lost: the producer gives up on it.",
                "m1 is applied twice: the retry is stored again.",
                "m1 is applied once: the broker spots the retry.",
            ),
            intended_choice: 1,
        },
    }
}

fn consumer_crash_before_ack() -> Lesson {
    Lesson {
        id: "consumer-crash-before-ack",
        chapter: Chapter::OneQueue,
        title: "What happens when the consumer crashes before its ack?",
        scenario: scenario(Mode::AtLeastOnce, 3)
            .with_fault(crash_at(CrashPoint::ConsumerAfterApply, 1)),
        cues: vec![
            cue(CueTrigger::Start, "The broker delivers m1 and waits for its ack."),
            cue(CueTrigger::Crash(NodeId::CONSUMER), "The consumer has credited the account for m1 — and crashes before acking. Its connection closes with it, so the broker puts m1 back in the queue and waits for a consumer."),
            cue(event(EventKind::Restart), "The consumer restarts and connects again. Its database still holds the credit for m1."),
            cue(CueTrigger::Again { kind: EventKind::Deliver, message: 1 }, "The broker never got an ack for m1, so it delivers m1 again — and the consumer will credit the account a second time."),
            cue(CueTrigger::End, "The run is over. Look at how many times m1 was applied."),
        ],
        question: Question {
            prompt: "The consumer applies m1, then crashes before acking it. What happens to m1?",
            choices: queue_choices(
                "m1 is lost: the crash wiped it out for good.",
                "m1 is applied twice: the broker redelivers it.",
                "m1 is applied once: the broker knows it was applied.",
            ),
            intended_choice: 1,
        },
    }
}

fn ack_before_apply() -> Lesson {
    Lesson {
        id: "ack-before-apply",
        chapter: Chapter::OneQueue,
        title: "What happens when the consumer acks before it applies?",
        scenario: scenario(Mode::AtMostOnce, 3)
            .with_fault(crash_at(CrashPoint::ConsumerAfterAck, 1)),
        cues: vec![
            cue(CueTrigger::Start, "The broker delivers m1; the consumer acks it on receipt."),
            cue(CueTrigger::Crash(NodeId::CONSUMER), "The consumer crashes after its ack, before crediting the account. The broker has already forgotten m1."),
            cue(event(EventKind::ArriveWhileDown), "A delivery reaches the consumer while it is down, and is lost."),
            cue(CueTrigger::End, "The run is over. Which messages were ever applied?"),
        ],
        question: Question {
            prompt: "The consumer acks m1, then crashes before applying it. What happens?",
            choices: queue_choices(
                "At least one message is never applied.",
                "m1 is applied twice after the restart.",
                "Every message is applied exactly once.",
            ),
            intended_choice: 0,
        },
    }
}

fn idempotent_producer() -> Lesson {
    Lesson {
        id: "idempotent-producer",
        chapter: Chapter::OneQueue,
        title: "Can sequence numbers stop a retried publish from duplicating?",
        scenario: scenario(Mode::Idempotent, 3).with_fault(drop_first(
            NodeId::BROKER,
            NodeId::PRODUCER,
            MessageKind::Confirm,
            1,
        )),
        cues: vec![
            cue(CueTrigger::Start, "The producer publishes m1..m3 with sequence numbers 1..3."),
            cue(event_detail(EventKind::Drop, Detail::PlannedDrop), "The confirm for m1 is lost, as before. The producer will retry."),
            cue(event_detail(EventKind::Append, Detail::DuplicateReconfirmed), "The retry of m1 arrives. The broker has already stored sequence 1, so it confirms again and stores nothing."),
            cue(CueTrigger::End, "The run is over. Count m1's copies."),
        ],
        question: Question {
            prompt: "The confirm for m1 is lost and the producer retries. What does the consumer end up with?",
            choices: queue_choices(
                "m1 is lost: the broker refuses the retry.",
                "m1 is applied twice, as in at-least-once.",
                "m1 is applied once: the broker drops the retry.",
            ),
            intended_choice: 2,
        },
    }
}

fn idempotent_consumer() -> Lesson {
    Lesson {
        id: "idempotent-consumer",
        chapter: Chapter::OneQueue,
        title: "What does a dedup table do with a redelivered message?",
        scenario: scenario(Mode::Idempotent, 3)
            .with_fault(crash_at(CrashPoint::ConsumerAfterApply, 1)),
        cues: vec![
            cue(CueTrigger::Start, "The broker delivers m1. The consumer credits the account and records \"m1 processed\" atomically."),
            cue(CueTrigger::Crash(NodeId::CONSUMER), "The consumer crashes before acking. Its database keeps both the credit and the dedup entry."),
            cue(event_detail(EventKind::Receive, Detail::DuplicateSkipped), "The broker redelivers m1. The consumer finds m1 in its dedup table, skips the side effect and acks."),
            cue(CueTrigger::End, "The run is over. How many times was m1 applied?"),
        ],
        question: Question {
            prompt: "The consumer applies m1 and crashes before acking; the broker redelivers it. What happens?",
            choices: queue_choices(
                "m1 is lost: the crash wiped out its delivery.",
                "m1 is applied twice: once per delivery.",
                "m1 is applied once: the redelivery is recognised.",
            ),
            intended_choice: 2,
        },
    }
}

fn competing_consumers_reorder() -> Lesson {
    let mut scenario =
        scenario(Mode::AtLeastOnce, 6).with_fault(crash_at(CrashPoint::ConsumerAfterApply, 1));
    scenario.topology.consumers = 2;
    scenario.timing.delivery_window = COMPETING_PREFETCH;
    Lesson {
        id: "competing-consumers-reorder",
        chapter: Chapter::ManyConsumers,
        title: "What happens to the unacked messages of a consumer that crashes?",
        scenario,
        cues: vec![
            cue(CueTrigger::Start, "Two consumers share one queue, each with a prefetch of 4 and manual acks. The broker hands the messages out in turn: m1 and m3 to the consumer, m2 and m4 to consumer-2."),
            cue(CueTrigger::Crash(NodeId::CONSUMER), "The consumer applied m1 and crashes before acking it; m3 is still on its way to it, unacked too. Its connection closes, so the broker puts both back at the head of the queue."),
            cue(CueTrigger::Again { kind: EventKind::Deliver, message: 1 }, "The broker delivers m1 and m3 again, with the redelivered flag set, to consumer-2: the only consumer left."),
            cue(event_about(EventKind::Receive, 4), "consumer-2 already had m4 in its prefetch, and applies it before the redeliveries arrive."),
            cue(CueTrigger::Again { kind: EventKind::Receive, message: 3 }, "consumer-2 applies m1 a second time, then m3 — after m4. The redelivered flag said that m1 may have been processed before; nothing said whether it was."),
            cue(CueTrigger::End, "The run is over. Find m1 and m3 in the ledger."),
        ],
        question: Question {
            prompt: "Two consumers, prefetch 4, manual acks. The consumer applies m1, then crashes with m1 and m3 unacked. What happens to them?",
            choices: vec![
                choice("They are lost with the consumer that held them.", &[Check::LostAtLeast(1)]),
                choice("They are requeued: m1 is applied twice, m3 after m4.", &[Check::DuplicatedAtLeast(1), Check::ReorderedAtLeast(1), Check::RedeliveredAtLeast(2)]),
                choice("They are requeued and applied again in queue order.", &[Check::NoneLost, Check::NoneReordered]),
                choice("They are requeued, and each is applied only once.", &[Check::AllExactlyOnce]),
            ],
            intended_choice: 1,
        },
    }
}

/// The prefetch (`basic.qos`) of each consumer in the competing-consumers lesson: more
/// than one, so that a consumer holds several unacked deliveries when it crashes.
const COMPETING_PREFETCH: u32 = 4;

fn poison_message() -> Lesson {
    let mut scenario = scenario(Mode::AtLeastOnce, 4);
    scenario.topology.consumers = 2;
    scenario.queue.poison = vec![2];
    scenario.queue.delivery_limit = POISON_DELIVERY_LIMIT;
    scenario.queue.dead_letter_queue = true;
    scenario.timing.delivery_window = 1;
    scenario.timing.restart_after_ticks = Some(10);
    Lesson {
        id: "poison-message",
        chapter: Chapter::ManyConsumers,
        title: "What happens to a message that crashes every consumer that takes it?",
        scenario,
        cues: vec![
            cue(CueTrigger::Start, "Two consumers share the queue, each holding one delivery at a time. m2 is a poison message."),
            cue(event_detail(EventKind::Receive, Detail::Poison), "A consumer takes m2 and crashes. Its connection closes, so the broker puts m2 back in the queue: one more return on its delivery count."),
            cue(CueTrigger::Again { kind: EventKind::Deliver, message: 2 }, "The broker delivers m2 again, marked redelivered, to a consumer that is connected. The poison does not go away by itself: it will crash this one too."),
            cue(CueTrigger::End, "The run is over. Where did m2 end up, and were the others applied?"),
        ],
        question: Question {
            prompt: "m2 crashes every consumer that takes it. With a delivery limit of 3 and a dead-letter queue, how does the run end?",
            choices: vec![
                choice("m2 is lost at its first crash, as with automatic acks.", &[Check::LostAtLeast(1)]),
                choice("m2 waits in the dead-letter queue; the rest are applied.", &[Check::DeadLetteredAtLeast(1), Check::NoneLost]),
                choice("m2 is dropped for good, and nobody can look at it again.", &[Check::DroppedAtLeast(1)]),
            ],
            intended_choice: 1,
        },
    }
}

/// The delivery limit in the poison-message lesson: small, so that the run is short.
const POISON_DELIVERY_LIMIT: u32 = 3;

/// Consumer number `number` (from 1): `consumer` is the first, then `consumer-2`, ...
fn consumer(number: u8) -> NodeId {
    NodeId::new(crate::node::RoleKind::Consumer, number - 1)
}

/// A Kafka-style world for the consumer-group lessons: one group of two members reading a
/// topic of two partitions. With four keys the default partitioner puts m3 and m4 in p0
/// and m1, m2, m5 and m6 in p1; the range assignor gives p0 to `consumer` and p1 to
/// `consumer-2`. consumer-2 crashes at `point` for `message` and stays down well past the
/// session timeout, so that its partition moves to the other member.
fn one_group_of_two(commit: CommitStrategy, point: CrashPoint, message: u32) -> Scenario {
    let mut scenario = scenario(Mode::AtLeastOnce, 6).with_fault(Command::CrashAt {
        point,
        message: Some(message),
        instance: 1,
    });
    scenario.topology.consumers = 2;
    scenario.kafka = Some(KafkaConfig {
        partitions: 2,
        keys: 4,
        commit,
        ..KafkaConfig::default()
    });
    scenario.timing.restart_after_ticks = Some(GROUP_MEMBER_DOWNTIME_TICKS);
    scenario
}

/// How long the crashed member stays down in the consumer-group lessons: longer than the
/// session timeout (45 ticks), so that the group rebalances without it first.
const GROUP_MEMBER_DOWNTIME_TICKS: u64 = 120;

/// The group coordinator declares the crashed member dead (its session timed out); one
/// member is left in the group.
const MEMBER_DECLARED_DEAD: CueTrigger = event_detail(
    EventKind::Rebalance,
    Detail::Group(GroupDetail::SessionExpired {
        group: 0,
        members: 1,
    }),
);

/// The member left is assigned both partitions in the group's second generation.
const BOTH_PARTITIONS_ASSIGNED: CueTrigger = event_detail(
    EventKind::Rebalance,
    Detail::Group(GroupDetail::Assigned {
        generation: 2,
        first: 0,
        count: 2,
    }),
);

fn commit_before_processing() -> Lesson {
    Lesson {
        id: "commit-before-processing",
        chapter: Chapter::ManyConsumers,
        title: "What happens to a record whose offset was committed before it was processed?",
        scenario: one_group_of_two(CommitStrategy::Before, CrashPoint::ConsumerAfterCommit, 2),
        cues: vec![
            cue(CueTrigger::Start, "One consumer group, two members, a topic of two partitions. The range assignor gives p0 (m3, m4) to consumer and p1 (m1, m2, m5, m6) to consumer-2. Each member commits the offset past a record, and waits for the commit, before processing it."),
            cue(CueTrigger::Crash(consumer(2)), "consumer-2's commit past m2 has returned: the group will resume p1 at offset 2. Then consumer-2 crashes — before processing m2."),
            cue(MEMBER_DECLARED_DEAD, "No heartbeat from consumer-2 for session.timeout.ms: the group coordinator declares it dead and rebalances the group. Until now nobody read p1."),
            cue(BOTH_PARTITIONS_ASSIGNED, "The range assignor gives both partitions to consumer, which fetches p1 from the committed offset: 2, past m2."),
            cue(event_about(EventKind::Deliver, 5), "The broker serves m5 from p1. No member of this group will read m2 again: it lies before the committed offset."),
            cue(event(EventKind::Restart), "consumer-2 restarts and joins again; one more rebalance gives p1 back to it, at the committed offset."),
            cue(CueTrigger::End, "The run is over. Find m2 in the ledger."),
        ],
        question: Question {
            prompt: "Committing before processing: consumer-2 commits the offset past m2, then crashes before processing m2. What happens to m2?",
            choices: vec![
                choice("m2 is lost: the next owner of p1 resumes after it.", &[Check::LostAtLeast(1), Check::NoneDuplicated]),
                choice("m2 is processed twice: the next owner reads it again.", &[Check::DuplicatedAtLeast(1), Check::NoneLost]),
                choice("m2 is processed once: the next owner picks it up.", &[Check::AllExactlyOnce]),
            ],
            intended_choice: 0,
        },
    }
}

fn rebalance_redelivers() -> Lesson {
    Lesson {
        id: "rebalance-redelivers",
        chapter: Chapter::ManyConsumers,
        title: "What does a rebalance do with a record processed but not yet committed?",
        scenario: one_group_of_two(CommitStrategy::After, CrashPoint::ConsumerAfterApply, 2),
        cues: vec![
            cue(CueTrigger::Start, "One consumer group, two members, a topic of two partitions: consumer reads p0 (m3, m4), consumer-2 reads p1 (m1, m2, m5, m6). Each member processes a record, then commits the offset past it (commitSync)."),
            cue(CueTrigger::Crash(consumer(2)), "consumer-2 has processed m2 — the side effect is done — and crashes before its commit. The group's committed offset for p1 is still 1: before m2."),
            cue(MEMBER_DECLARED_DEAD, "No heartbeat from consumer-2 for session.timeout.ms: the group coordinator declares it dead and rebalances the group. Until now nobody read p1."),
            cue(BOTH_PARTITIONS_ASSIGNED, "The range assignor gives both partitions to consumer, which fetches p1 from the committed offset: 1."),
            cue(CueTrigger::Again { kind: EventKind::Deliver, message: 2 }, "Offset 1 is m2: the broker serves it again, and consumer processes it a second time."),
            cue(event(EventKind::Restart), "consumer-2 restarts and joins again; one more rebalance gives p1 back to it, at the committed offset."),
            cue(CueTrigger::End, "The run is over. Count how many times m2 was processed."),
        ],
        question: Question {
            prompt: "Committing after processing: consumer-2 processes m2, then crashes before committing the offset past it. What happens to m2?",
            choices: vec![
                choice("m2 is lost: consumer-2 crashed while holding it.", &[Check::LostAtLeast(1)]),
                choice("m2 is processed twice: p1 resumes at the last commit.", &[Check::DuplicatedAtLeast(1), Check::NoneLost]),
                choice("m2 is processed once: the group knows it was done.", &[Check::AllExactlyOnce]),
            ],
            intended_choice: 1,
        },
    }
}

fn auto_commit() -> Lesson {
    let mut scenario = one_group_of_two(CommitStrategy::Auto, CrashPoint::ConsumerAfterApply, 6);
    if let Some(kafka) = scenario.kafka.as_mut() {
        kafka.auto_commit_ticks = AUTO_COMMIT_INTERVAL_TICKS;
    }
    Lesson {
        id: "auto-commit",
        chapter: Chapter::ManyConsumers,
        title: "What does enable.auto.commit do when a member crashes between two commits?",
        scenario,
        cues: vec![
            cue(CueTrigger::Start, "The same group of two members, now with enable.auto.commit=true and auto.commit.interval.ms of 20 ticks: at a poll, once the interval has passed, a member commits the positions its polls have reached, without waiting for the answer."),
            cue(event_detail(EventKind::OffsetCommit, Detail::Group(GroupDetail::AutoCommitted { partitions: 1 })), "consumer-2's interval has passed: it commits the position it reached on p1, past m1 — the only record it had processed."),
            cue(CueTrigger::Crash(consumer(2)), "consumer-2 has processed m2, m5 and m6 since that commit, and crashes before the next one. The group's committed offset for p1 is still 1."),
            cue(MEMBER_DECLARED_DEAD, "No heartbeat from consumer-2 for session.timeout.ms: the group coordinator declares it dead and rebalances the group."),
            cue(BOTH_PARTITIONS_ASSIGNED, "consumer gets both partitions and fetches p1 from the committed offset: 1."),
            cue(CueTrigger::Again { kind: EventKind::Deliver, message: 2 }, "The broker serves m2 again, then m5 and m6: every record consumer-2 processed since its last auto-commit is processed a second time."),
            cue(CueTrigger::End, "The run is over. Count the records processed twice."),
        ],
        question: Question {
            prompt: "Auto-commit every 20 ticks: consumer-2 processes m2, m5 and m6 after its last auto-commit, then crashes. What happens to them?",
            choices: vec![
                choice("They are lost: the commit had already covered them.", &[Check::LostAtLeast(1)]),
                choice("All three are processed again by the next owner of p1.", &[Check::DuplicatedAtLeast(3), Check::NoneLost]),
                choice("Only m6 is processed again; the others were committed.", &[Check::DuplicatedAtLeast(1), Check::DuplicatedAtMost(1), Check::NoneLost]),
                choice("Each is processed once: the crash commits them first.", &[Check::AllExactlyOnce]),
            ],
            intended_choice: 1,
        },
    }
}

/// `auto.commit.interval.ms` in the auto-commit lesson, in ticks: long enough that a
/// member processes several records between two of its commits.
const AUTO_COMMIT_INTERVAL_TICKS: u64 = 20;

/// A queue held by `replicas` brokers, with its settings as the lesson sets them.
fn replicated(mode: Mode, messages: u32, replicas: u16) -> Scenario {
    let mut scenario = scenario(mode, messages);
    scenario.topology.brokers = replicas;
    scenario
}

fn broker(number: u8) -> NodeId {
    NodeId::new(crate::node::RoleKind::Broker, number - 1)
}

const fn at(tick: u64, action: TimedAction) -> TimedFault {
    TimedFault { tick, action }
}

const fn replica_event(kind: EventKind, detail: ReplicaDetail) -> CueTrigger {
    event_detail(kind, Detail::Replication(detail))
}

/// The first clean election after the initial leader is lost.
const FIRST_ELECTION: CueTrigger = replica_event(
    EventKind::Election,
    ReplicaDetail::Elected {
        epoch: 1,
        unclean: false,
    },
);

fn acks_1_failover() -> Lesson {
    let mut scenario =
        replicated(Mode::AtLeastOnce, 5, 3).with_fault(crash_at(CrashPoint::BrokerAfterConfirm, 3));
    scenario.replication.acks = Some(Acks::One);
    Lesson {
        id: "acks-1-failover",
        chapter: Chapter::ReplicatedQueue,
        title: "Does acks=1 keep a write the leader has confirmed?",
        scenario,
        cues: vec![
            cue(CueTrigger::Start, "Three brokers hold the queue: the leader takes the writes, two followers fetch from it. With acks=1 the leader confirms a write as soon as it has appended it to its own log."),
            cue(CueTrigger::Crash(NodeId::BROKER), "The leader appended m3, confirmed it to the producer — and crashed. The producer counts m3 as written. The followers had not fetched it yet."),
            cue(FIRST_ELECTION, "The controller has not heard from the leader for its session timeout: it elects broker-2, an in-sync follower, as the new leader. Broker-2's log ends before m3."),
            cue(replica_event(EventKind::Replicate, ReplicaDetail::Truncated { log_end: 1, dropped: 2 }), "The old leader comes back as a follower and truncates its log to where the new leader's epoch begins: its copies of m2 and m3 are gone, and no replica has them any more."),
            cue(CueTrigger::End, "The run is over. Which confirmed writes did the consumer never see?"),
        ],
        question: Question {
            prompt: "acks=1: the leader confirms m3, then crashes before a follower fetched it. What happens to m3?",
            choices: vec![
                choice("Nothing is lost: the producer got its confirm, so m3 is safe.", &[Check::NoneLost]),
                choice("m3 is lost, although the producer was told it was written.", &[Check::AckedLostAtLeast(1)]),
                choice("The producer publishes m3 again, and it is applied twice.", &[Check::DuplicatedAtLeast(1), Check::NoneAckedLost]),
            ],
            intended_choice: 1,
        },
    }
}

fn acks_all_min_insync_2() -> Lesson {
    let mut scenario =
        replicated(Mode::Idempotent, 6, 3).with_fault(crash_at(CrashPoint::BrokerAfterConfirm, 2));
    scenario.replication.acks = Some(Acks::All);
    scenario.replication.min_insync_replicas = 2;
    scenario.timed_faults = vec![at(60, TimedAction::Crash { node: broker(3) })];
    Lesson {
        id: "acks-all-min-isr",
        chapter: Chapter::ReplicatedQueue,
        title: "acks=all with min.insync.replicas=2: what survives one broker, and what happens on two?",
        scenario,
        cues: vec![
            cue(CueTrigger::Start, "Three brokers, acks=all and min.insync.replicas=2: the leader confirms a write only once every in-sync replica has it, and only while at least two replicas are in sync."),
            cue(CueTrigger::Crash(NodeId::BROKER), "The leader confirmed m2 — and crashed. With acks=all the confirm went out only after the followers had fetched m2."),
            cue(FIRST_ELECTION, "Broker-2 was in sync, so it has every confirmed write: the controller elects it, and nothing confirmed is missing."),
            cue(CueTrigger::Crash(broker(3)), "Now a second broker crashes: broker-3. The old leader is back but still catching up, so for a while only broker-2 is in sync."),
            cue(replica_event(EventKind::Append, ReplicaDetail::NotEnoughReplicas { in_sync: 1 }), "One in-sync replica is fewer than min.insync.replicas=2: the leader refuses the write before appending it, with a retriable \"not enough replicas\" error. The producer keeps the message and tries again."),
            cue(CueTrigger::End, "The run is over. Was any confirmed write lost? Were the refused writes stored in the end?"),
        ],
        question: Question {
            prompt: "acks=all, min.insync.replicas=2. The leader crashes after confirming m2; later a second broker crashes. How does the run end?",
            choices: vec![
                choice("A confirmed write is lost in the failover; the rest get through.", &[Check::AckedLostAtLeast(1)]),
                choice("Some writes are refused for a while; in the end nothing is lost.", &[Check::RefusedAtLeast(1), Check::NoneAckedLost, Check::NoneLost, Check::NoneDuplicated]),
                choice("No write is refused: acks=all waits for the replicas left.", &[Check::NoneRefused]),
            ],
            intended_choice: 1,
        },
    }
}

fn unclean_election() -> Lesson {
    let mut scenario = replicated(Mode::AtLeastOnce, 4, 3);
    scenario.replication.unclean_election = true;
    scenario.timing.restart_after_ticks = None;
    let consumer = NodeId::new(crate::node::RoleKind::Consumer, 0);
    let cut = |b, until_tick| {
        at(
            0,
            TimedAction::Partition {
                a: broker(1),
                b,
                until_tick,
            },
        )
    };
    scenario.timed_faults = vec![
        cut(broker(2), 400),
        cut(broker(3), 400),
        // The consumer is cut off too: it stands for a reader that lags behind.
        cut(consumer, 400),
        at(100, TimedAction::Crash { node: broker(1) }),
        at(300, TimedAction::Restart { node: broker(1) }),
    ];
    Lesson {
        id: "unclean-election",
        chapter: Chapter::ReplicatedQueue,
        title: "What does unclean leader election trade for availability?",
        scenario,
        cues: vec![
            cue(CueTrigger::Start, "The leader is cut off from both followers (and from a lagging consumer). It still takes writes and confirms them: once the followers are out of the in-sync set, acks=all means the leader alone."),
            cue(replica_event(EventKind::Replicate, ReplicaDetail::IsrChanged { size: 1 }), "The followers have not caught up for longer than the lag timeout: the leader asks the controller to drop them from the in-sync set. From now on acks=all waits for the leader alone, and the leader confirms the writes it holds."),
            cue(CueTrigger::Crash(NodeId::BROKER), "Now the leader crashes. It was the only in-sync replica, and it holds every confirmed write."),
            cue(replica_event(EventKind::Election, ReplicaDetail::Elected { epoch: 1, unclean: true }), "Unclean election is on: the controller makes an out-of-sync follower the leader at once. The queue is available again, but the new leader never had the confirmed writes."),
            cue(event(EventKind::Restart), "The old leader returns as a follower. It must agree with the new leader's log, so it throws away the writes only it had."),
            cue(CueTrigger::End, "The run is over. Compare how long the queue had no leader with what was lost."),
        ],
        question: Question {
            prompt: "The only in-sync replica crashes while the followers are out of sync. With unclean election on, what happens?",
            choices: vec![
                choice("The queue waits for the old leader: nothing lost, long unavailable.", &[Check::NoneAckedLost, Check::UnavailableTicksAtLeast(150)]),
                choice("A follower leads at once; the confirmed writes it lacks are lost.", &[Check::AckedLostAtLeast(1), Check::UnavailableTicksBelow(150)]),
                choice("The new leader copies the missing writes back from the old one.", &[Check::NoneLost]),
            ],
            intended_choice: 1,
        },
    }
}

fn leader_epochs() -> Lesson {
    // KIP-101's first scenario: the follower appends m2, tells the leader with its next
    // fetch, and crashes before it learns the new high watermark; it restarts at once.
    // The leader confirms m2 and dies before the follower fetches again.
    let mut scenario = replicated(Mode::AtLeastOnce, 3, 2)
        .with_fault(Command::CrashAt {
            point: CrashPoint::BrokerAfterFetch,
            message: Some(2),
            instance: 1,
        })
        .with_fault(crash_at(CrashPoint::BrokerAfterConfirm, 2));
    scenario.replication.truncate_to_high_watermark = true;
    scenario.timing.restart_after_ticks = Some(2);
    Lesson {
        id: "leader-epochs",
        chapter: Chapter::ReplicatedQueue,
        title: "How can a restarted follower throw away a confirmed write (KIP-101)?",
        scenario,
        cues: vec![
            cue(CueTrigger::Start, "Two brokers, and the old recovery rule (Kafka before KIP-101): a replica that restarts cuts its log back to its own high watermark."),
            cue(CueTrigger::Crash(broker(2)), "The follower appended m2 and told the leader so with its next fetch — then crashed before the answer that would carry the new high watermark. Its own high watermark still says m2 is not committed."),
            cue(replica_event(EventKind::Restart, ReplicaDetail::Truncated { log_end: 1, dropped: 1 }), "Back at once, the follower cuts its log to its high watermark: it throws away m2, which it had."),
            cue(CueTrigger::Crash(NodeId::BROKER), "The fetch the follower sent before its crash reaches the leader: it says the follower has m2. The leader advances its high watermark, confirms m2 — and crashes."),
            cue(FIRST_ELECTION, "The follower is the only replica left in sync, so it becomes the leader — without m2."),
            cue(CueTrigger::End, "The run is over. Switch \"leader epochs\" on in the replication settings and play it again: the follower then asks the leader where its epoch ends instead of trusting its stale high watermark."),
        ],
        question: Question {
            prompt: "Without leader epochs, the follower restarts inside KIP-101's window and then becomes leader. What happens to m2, which the producer was told was written?",
            choices: vec![
                choice("m2 survives: it was on both replicas before the confirm.", &[Check::NoneAckedLost]),
                choice("m2 is lost, although both replicas had it and it was confirmed.", &[Check::AckedLostAtLeast(1)]),
                choice("The producer publishes m2 again, and it is applied twice.", &[Check::DuplicatedAtLeast(1), Check::NoneAckedLost]),
            ],
            intended_choice: 1,
        },
    }
}

fn two_phase_commit_happy_path() -> Lesson {
    Lesson {
        id: "2pc-happy-path",
        chapter: Chapter::TwoPhaseCommit,
        title: "What does two-phase commit do when nothing goes wrong?",
        scenario: scenario(Mode::Transactional, 2),
        cues: vec![
            cue(CueTrigger::Start, "Nothing will go wrong. Watch the work, then the two phases."),
            cue(event(EventKind::TxnBegin), "The coordinator begins a transaction and tells the producer to do its work: it publishes the message inside the transaction."),
            cue(event(EventKind::Append), "The broker holds the message inside the transaction: no consumer can see it until the transaction commits."),
            cue(event(EventKind::WorkDone), "The work is done. Phase 1: the coordinator sends PREPARE to each participant."),
            cue(event_detail(EventKind::Prepare, Detail::VotedYes), "A participant makes its work durable, locks what it touched and votes yes. From now on it may not decide alone."),
            cue(event_detail(EventKind::Vote, Detail::DecidedCommit), "Every vote is yes: the coordinator logs COMMIT — the moment the transaction is decided — and sends it."),
            cue(event_detail(EventKind::Decision, Detail::CommittedTxn), "Phase 2: a participant commits and releases its locks."),
            cue(event(EventKind::Receive), "A consume transaction: the broker delivers the message inside it, and the consumer applies it without committing and acks it inside it. Its database changes for real only at the commit."),
            cue(CueTrigger::End, "Both messages went through both transactions."),
        ],
        question: Question {
            prompt: "With no faults, what does 2PC deliver?",
            choices: vec![
                choice("A message is lost between the two phases.", &[Check::LostAtLeast(1)]),
                choice("A message is applied twice, once per phase.", &[Check::DuplicatedAtLeast(1)]),
                choice("Each message once, with only brief waits in doubt.", &[Check::AllExactlyOnce, Check::BlockedTicksBelow(150)]),
            ],
            intended_choice: 2,
        },
    }
}

fn participant_votes_no() -> Lesson {
    let mut scenario = scenario(Mode::Transactional, 2);
    scenario.seed = VOTE_NO_SEED;
    scenario.transaction.vote_no = Ratio::new(1, 4);
    Lesson {
        id: "2pc-vote-no",
        chapter: Chapter::TwoPhaseCommit,
        title: "What happens when one participant votes no?",
        scenario,
        cues: vec![
            cue(CueTrigger::Start, "The coordinator starts transactions as before."),
            cue(event_detail(EventKind::Prepare, Detail::VotedNo { reason: VoteNoReason::Chosen }), "A participant votes NO. It aborts its own part at once: a no vote needs no permission."),
            cue(event_detail(EventKind::Vote, Detail::DecidedAbort), "One no is enough: the coordinator decides ABORT and tells everyone, including participants that voted yes."),
            cue(event_detail(EventKind::Decision, Detail::AbortedTxn), "A prepared participant rolls back and releases its locks."),
            cue(CueTrigger::End, "The aborted work was retried as a new transaction."),
        ],
        question: Question {
            prompt: "One participant votes no while the other votes yes. What happens to the messages?",
            choices: vec![
                choice("The yes side commits anyway: a message is applied twice.", &[Check::DuplicatedAtLeast(1)]),
                choice("The message is lost: an aborted transaction is gone for good.", &[Check::LostAtLeast(1)]),
                choice("All abort, then a retry applies each message exactly once.", &[Check::AllExactlyOnce]),
                choice("The two disagree: one commits while the other aborts.", &[Check::InvariantViolated]),
            ],
            intended_choice: 2,
        },
    }
}

/// A seed under which, at a 1-in-4 chance, exactly one vote is a chosen no, early in the
/// run, while the other participant has voted yes; the cue test checks that it happens.
const VOTE_NO_SEED: u64 = 12;

fn coordinator_dies_after_votes() -> Lesson {
    let mut scenario =
        scenario(Mode::Transactional, 1).with_fault(crash_at(CrashPoint::CoordinatorAfterVotes, 1));
    scenario.timing.restart_after_ticks = Some(BLOCKING_DOWNTIME_TICKS);
    Lesson {
        id: "2pc-blocking",
        chapter: Chapter::TwoPhaseCommit,
        title: "What do participants do when the coordinator dies after the votes?",
        scenario,
        cues: vec![
            cue(CueTrigger::Start, "One message, one happy start."),
            cue(event_detail(EventKind::Prepare, Detail::VotedYes), "A participant votes yes. It is now prepared: it holds its locks and must wait for the decision."),
            cue(CueTrigger::Crash(NodeId::COORDINATOR), "The coordinator crashes with all the votes, before deciding."),
            cue(event(EventKind::Query), "An in-doubt participant asks the coordinator for the decision. No answer: it is down. The participant may neither commit nor abort, and keeps its locks."),
            cue(event(EventKind::Restart), "The coordinator finally restarts."),
            cue(event_detail(EventKind::Restart, Detail::RecoveredPresumedAbort), "Its log holds t1 but no decision, so it presumes abort: no logged COMMIT means nobody can have committed. It tells both participants to roll back, and they release their locks at last."),
            cue(event_detail(EventKind::Decision, Detail::AbortedTxn), "Aborting loses nothing: the producer still has m1, so the coordinator retries it in a new transaction that commits, and another carries it to the consumer. These are the retries in the narration."),
            cue(CueTrigger::End, "The run is over. In doubt is counted per participant, from its yes vote until the decision reaches it, in every transaction. Both publish participants waited through the 200 ticks of downtime at the same time, so their sum is more than twice the downtime."),
        ],
        question: Question {
            prompt: "Both participants voted yes, then the coordinator crashed for 200 ticks. What do the participants do meanwhile?",
            choices: vec![
                choice("They time out and abort alone: the message is lost.", &[Check::LostAtLeast(1)]),
                choice("They time out and commit alone: it is applied twice.", &[Check::DuplicatedAtLeast(1)]),
                choice("They wait in doubt, holding locks; it is applied once.", &[Check::BlockedTicksAtLeast(BLOCKING_DOWNTIME_TICKS), Check::AllExactlyOnce]),
            ],
            intended_choice: 2,
        },
    }
}

/// How long the coordinator stays down in the blocking lesson.
const BLOCKING_DOWNTIME_TICKS: u64 = 200;

fn coordinator_recovers_from_log() -> Lesson {
    Lesson {
        id: "2pc-recovery",
        chapter: Chapter::TwoPhaseCommit,
        title: "What does a coordinator do with a COMMIT it logged but never sent?",
        scenario: scenario(Mode::Transactional, 1)
            .with_fault(crash_at(CrashPoint::CoordinatorAfterDecisionLogged, 1)),
        cues: vec![
            cue(CueTrigger::Start, "One message, two transactions to get it from producer to consumer."),
            cue(CueTrigger::Crash(NodeId::COORDINATOR), "The coordinator crashes. COMMIT is on its disk; no participant has heard it."),
            cue(event(EventKind::Restart), "The coordinator restarts and replays its decision log."),
            cue(event_detail(EventKind::Restart, Detail::RecoveredCommit), "It finds COMMIT for the transaction and sends it again."),
            cue(CueTrigger::End, "The run is over."),
        ],
        question: Question {
            prompt: "COMMIT is logged but never sent before the crash. After the restart, what happens to the message?",
            choices: vec![
                choice("The coordinator forgets it, so the message is lost.", &[Check::LostAtLeast(1)]),
                choice("The coordinator starts over: the message is applied twice.", &[Check::DuplicatedAtLeast(1)]),
                choice("The coordinator finishes the commit from its log: once.", &[Check::AllExactlyOnce]),
                choice("The participants stay in doubt forever, holding locks.", &[Check::SomeInDoubt]),
            ],
            intended_choice: 2,
        },
    }
}

fn presumed_abort() -> Lesson {
    Lesson {
        id: "2pc-presumed-abort",
        chapter: Chapter::TwoPhaseCommit,
        title: "What does a restarted coordinator do with no decision in its log?",
        scenario: scenario(Mode::Transactional, 1)
            .with_fault(crash_at(CrashPoint::CoordinatorAfterPrepareSent, 1)),
        cues: vec![
            cue(CueTrigger::Start, "One message."),
            cue(CueTrigger::Crash(NodeId::COORDINATOR), "The coordinator crashes after sending PREPARE. Nothing about the transaction is on its disk."),
            cue(event(EventKind::Restart), "The coordinator restarts."),
            cue(event_detail(EventKind::Restart, Detail::RecoveredPresumedAbort), "It finds an unfinished transaction without a decision and aborts it — the presumption."),
            cue(CueTrigger::End, "The run is over."),
        ],
        question: Question {
            prompt: "The coordinator restarts with no decision logged for the transaction. What happens to the message?",
            choices: vec![
                choice("The message is lost with the aborted transaction.", &[Check::LostAtLeast(1)]),
                choice("The old transaction and its retry both commit: twice.", &[Check::DuplicatedAtLeast(1)]),
                choice("It aborts everywhere, and a retry applies it once.", &[Check::AllExactlyOnce]),
                choice("The participants stay in doubt forever, holding locks.", &[Check::SomeInDoubt]),
            ],
            intended_choice: 2,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_title_asks_a_question() {
        for lesson in all() {
            assert!(
                lesson.title.ends_with('?'),
                "lesson {} states its answer: {:?}",
                lesson.id,
                lesson.title
            );
        }
    }

    #[test]
    fn the_choices_of_a_question_are_of_similar_length() {
        for lesson in all() {
            let lengths: Vec<usize> = lesson
                .question
                .choices
                .iter()
                .map(|choice| choice.text.chars().count())
                .collect();
            let (shortest, longest) = (
                *lengths.iter().min().expect("choices"),
                *lengths.iter().max().expect("choices"),
            );
            assert!(
                longest * 10 <= shortest * 13,
                "lesson {}: choices from {shortest} to {longest} characters give the answer away",
                lesson.id
            );
        }
    }

    #[test]
    fn after_the_last_commit_no_memory_still_reads_as_work_in_progress() {
        for lesson in all() {
            let sim = lesson.run_to_end().expect("ends");
            for node in sim.snapshot().nodes {
                for line in &node.volatile {
                    assert!(
                        !line.starts_with("working on"),
                        "lesson {}: {} still remembers {line:?} at the end",
                        lesson.id,
                        node.label
                    );
                }
            }
        }
    }
}
