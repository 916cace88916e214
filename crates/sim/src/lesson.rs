//! A guided lesson's structure: its scenario, the narration cues that appear as the run
//! reaches them, a "predict, then watch" question, and the questions at its end. The
//! words themselves are the page's, in the lessons' catalogue
//! (`static/text/<language>/lessons.txt`), by keys made from the lesson's slug: see
//! [`Lesson::title_key`], [`Lesson::question_key`], [`Lesson::choice_key`],
//! [`Lesson::cue_key`] and [`Lesson::text_key`].
//!
//! A lesson never claims its own answer. Each choice of its question is a predicate over
//! the ledger's [`Summary`] at the end of the run, and the page shows as right whichever
//! choices the run makes true. `intended_choice` only records what the author meant to
//! teach, so that a test can run every lesson and say which one stopped teaching it when
//! the core changes.
//!
//! A lesson is written as a file ([`crate::lesson_file`]); the built-in ones are listed in
//! `crate::lessons`.

use crate::ledger::{MessageId, Summary};
use crate::node::NodeId;
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::Sim;
use crate::trace::{Detail, EventKind, TraceEvent};

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
    /// Kafka transactions: at least this many records of aborted transactions were
    /// applied.
    #[cfg(feature = "kafka-txn")]
    AbortedVisibleAtLeast(u32),
    /// Kafka transactions: no record of an aborted transaction was applied.
    #[cfg(feature = "kafka-txn")]
    NoneAbortedVisible,
    /// Kafka transactions: at least this many requests were refused as fenced.
    #[cfg(feature = "kafka-txn")]
    FencedAtLeast(u32),
    /// Kafka transactions: the consumer waited at a last stable offset for at least this
    /// many ticks.
    #[cfg(feature = "kafka-txn")]
    LsoBlockedTicksAtLeast(u64),
    /// Kafka transactions: the consumer waited at a last stable offset for fewer ticks.
    #[cfg(feature = "kafka-txn")]
    LsoBlockedTicksBelow(u64),
    /// Dual writes: at least this many rows were committed whose event never reached
    /// the broker.
    #[cfg(feature = "outbox")]
    StateWithoutEventAtLeast(u32),
    /// Dual writes: at least this many events were appended at the broker more than once.
    #[cfg(feature = "outbox")]
    BrokerDuplicatesAtLeast(u32),
    /// At least this many records or events had the external system called more than
    /// once.
    #[cfg(any(feature = "kafka-txn", feature = "outbox"))]
    ExternalDuplicatedAtLeast(u32),
    /// The external system was never called twice for one record or event.
    #[cfg(any(feature = "kafka-txn", feature = "outbox"))]
    NoneExternalDuplicated,
}

impl Check {
    /// The facts a lesson can state about the end of a run with this summary: for each
    /// count of the ledger, the strongest fact of the form lesson files write (`lost>=2`
    /// or `none_lost`), and the run-wide facts that hold. Every one holds.
    pub fn holding_at_end(summary: &Summary) -> Vec<Check> {
        let at_least = |count: u32, some: fn(u32) -> Check, none: Option<Check>| {
            if count > 0 {
                Some(some(count))
            } else {
                none
            }
        };
        let ticks = |count: u64, some: fn(u64) -> Check| (count > 0).then(|| some(count));
        let facts = [
            at_least(summary.lost, Check::LostAtLeast, Some(Check::NoneLost)),
            at_least(
                summary.duplicated,
                Check::DuplicatedAtLeast,
                Some(Check::NoneDuplicated),
            ),
            (summary.exactly_once == summary.messages).then_some(Check::AllExactlyOnce),
            at_least(
                summary.acked_lost,
                Check::AckedLostAtLeast,
                Some(Check::NoneAckedLost),
            ),
            at_least(
                summary.reordered_per_key,
                Check::ReorderedAtLeast,
                Some(Check::NoneReordered),
            ),
            at_least(summary.redelivered, Check::RedeliveredAtLeast, None),
            at_least(summary.dead_lettered, Check::DeadLetteredAtLeast, None),
            at_least(summary.dropped, Check::DroppedAtLeast, None),
            at_least(
                summary.producer_errors,
                Check::RefusedAtLeast,
                Some(Check::NoneRefused),
            ),
            ticks(summary.blocked_ticks, Check::BlockedTicksAtLeast),
            ticks(summary.unavailable_ticks, Check::UnavailableTicksAtLeast),
            (summary.in_doubt_messages >= 1).then_some(Check::SomeInDoubt),
            (summary.invariant_violations >= 1).then_some(Check::InvariantViolated),
        ];
        facts
            .into_iter()
            .flatten()
            .filter(|fact| fact.holds(summary))
            .collect()
    }

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
            #[cfg(feature = "kafka-txn")]
            Check::AbortedVisibleAtLeast(count) => summary.aborted_visible >= count,
            #[cfg(feature = "kafka-txn")]
            Check::NoneAbortedVisible => summary.aborted_visible == 0,
            #[cfg(feature = "kafka-txn")]
            Check::FencedAtLeast(count) => summary.fenced >= count,
            #[cfg(feature = "kafka-txn")]
            Check::LsoBlockedTicksAtLeast(ticks) => summary.lso_blocked_ticks >= ticks,
            #[cfg(feature = "kafka-txn")]
            Check::LsoBlockedTicksBelow(ticks) => summary.lso_blocked_ticks < ticks,
            #[cfg(feature = "outbox")]
            Check::StateWithoutEventAtLeast(count) => summary.state_without_event >= count,
            #[cfg(feature = "outbox")]
            Check::BrokerDuplicatesAtLeast(count) => summary.broker_duplicates >= count,
            #[cfg(any(feature = "kafka-txn", feature = "outbox"))]
            Check::ExternalDuplicatedAtLeast(count) => summary.external_duplicated >= count,
            #[cfg(any(feature = "kafka-txn", feature = "outbox"))]
            Check::NoneExternalDuplicated => summary.external_duplicated == 0,
        }
    }
}

/// One answer to a lesson's question: the facts that make it true (all of them must
/// hold). What the learner reads is in the lessons' catalogue ([`Lesson::choice_key`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    /// The facts that must all hold at the end of the run for this answer to be right.
    pub holds_when: Vec<Check>,
}

impl Choice {
    /// True when the run's summary makes this answer right.
    pub fn holds(&self, summary: &Summary) -> bool {
        self.holds_when.iter().all(|check| check.holds(summary))
    }
}

/// The "predict, then watch" question, asked before the run is played. Its words are in
/// the lessons' catalogue ([`Lesson::question_key`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
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
    /// When the run reaches this step, as the page numbers them: once this many steps
    /// have been taken (the cue shows with the step's event, trace step `n - 1`). Step 0
    /// is the start.
    AtStep(u64),
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
            // The event of step `n - 1` completes step `n`; a command applied after it is
            // recorded at the position it was applied, `n` or later.
            CueTrigger::AtStep(step) => {
                event.step >= step || (event.step + 1 == step && event.kind != EventKind::Command)
            }
            CueTrigger::Start | CueTrigger::End => false,
        }
    }
}

/// A crash shows in the trace either as its own event (a random or commanded crash) or
/// as the crash point reached during a step.
fn event_is_a_crash(event: &TraceEvent) -> bool {
    event.kind == EventKind::Crash || event.crash.is_some()
}

/// A line of narration, shown once the run reaches its trigger. What it says is in the
/// lessons' catalogue ([`Lesson::cue_key`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cue {
    /// When it appears.
    pub when: CueTrigger,
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
            CueTrigger::Start | CueTrigger::AtStep(0) => Some(Reached::AtStart),
            CueTrigger::End => quiet.then_some(Reached::AtEnd),
            CueTrigger::AtStep(step) => trace
                .iter()
                .any(|event| self.when.matches(event))
                .then_some(Reached::AtStep(step - 1)),
            trigger => trace
                .iter()
                .find(|event| trigger.matches(event))
                .map(|event| Reached::AtStep(event.step)),
        }
    }
}

/// The part of the course a lesson belongs to. The page lists the lessons under their
/// chapters, in this order; the lessons of a chapter follow each other in `lessons::all`.
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

    /// The chapter's name in lesson files: `one-queue`, `many-consumers`,
    /// `replicated-queue`, `two-phase-commit`.
    pub const fn slug(self) -> &'static str {
        match self {
            Chapter::OneQueue => "one-queue",
            Chapter::ManyConsumers => "many-consumers",
            Chapter::ReplicatedQueue => "replicated-queue",
            Chapter::TwoPhaseCommit => "two-phase-commit",
        }
    }

    /// The chapter a lesson file names, or none.
    pub fn from_slug(slug: &str) -> Option<Chapter> {
        Chapter::ALL
            .into_iter()
            .find(|chapter| chapter.slug() == slug)
    }

    /// The chapter's number in the course, from 1.
    pub fn number(self) -> usize {
        Chapter::ALL
            .iter()
            .position(|chapter| *chapter == self)
            .map_or(0, |index| index + 1)
    }
}

/// A guided lesson.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lesson {
    /// The slug used in links (`#lesson=<id>`) and in stored progress.
    pub id: String,
    /// The chapter it belongs to.
    pub chapter: Chapter,
    /// The run the lesson plays.
    pub scenario: Scenario,
    /// Narration cues, in the order they are expected to appear.
    pub cues: Vec<Cue>,
    /// The question asked before the run is played.
    pub question: Question,
    /// The questions asked at the end, to check what the learner took from the run
    /// (two to four).
    pub self_checks: Vec<SelfCheck>,
}

/// A multiple-choice question asked at the end of a lesson. Its answer is the author's,
/// but it must rest on the run: `shown_at` names the moment of the lesson's run that
/// shows it, which the page offers to step to, and `facts` the ledger's facts it relies
/// on. Tests hold every lesson's questions to both: the moment is reached, the facts hold.
/// The words are in the lessons' catalogue ([`Lesson::check_key`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelfCheck {
    /// How many answers the question offers (two to four).
    pub choices: usize,
    /// The right answer (an index from 0).
    pub answer: usize,
    /// The first event of the run that shows the answer.
    pub shown_at: CueTrigger,
    /// Facts about the end of the run that the answer relies on (may be none).
    pub facts: Vec<Check>,
}

impl SelfCheck {
    /// The step of the run that shows the answer, once the run has reached it.
    pub fn shown_at_step(&self, trace: &[TraceEvent]) -> Option<u64> {
        match (Cue {
            when: self.shown_at,
        })
        .reached(trace, false)?
        {
            Reached::AtStep(step) => Some(step),
            Reached::AtStart | Reached::AtEnd => None,
        }
    }
}

/// Why a lesson's run could not be finished.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LessonRunError {
    /// The scenario is invalid.
    Scenario(ScenarioError),
    /// The run was still going after `MAX_LESSON_STEPS` steps.
    NeverEnds {
        /// The lesson.
        id: String,
    },
}

impl LessonRunError {
    /// Why the lesson's run failed, in `words`.
    pub fn describe_in(&self, words: &mqlab_text::Words) -> String {
        use mqlab_text::errors::Key;
        match self {
            LessonRunError::Scenario(error) => words.fill(
                Key::LessonScenario,
                &[("error", error.describe_in(words).into())],
            ),
            LessonRunError::NeverEnds { id } => words.fill(
                Key::LessonNeverEnds,
                &[
                    ("id", id.as_str().into()),
                    ("most", MAX_LESSON_STEPS.into()),
                ],
            ),
        }
    }
}

impl std::fmt::Display for LessonRunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe_in(crate::sentences::english()))
    }
}

impl std::error::Error for LessonRunError {}

impl Lesson {
    /// The key of the lesson's title in the lessons' catalogue.
    pub fn title_key(&self) -> String {
        self.text_key("title")
    }

    /// The key of the question's words in the lessons' catalogue.
    pub fn question_key(&self) -> String {
        self.text_key("question")
    }

    /// The key of the question's answer `index` (from 0) in the lessons' catalogue.
    pub fn choice_key(&self, index: usize) -> String {
        self.text_key(&format!("choice.{}", index + 1))
    }

    /// The key of narration cue `index` (from 0) in the lessons' catalogue.
    pub fn cue_key(&self, index: usize) -> String {
        self.text_key(&format!("cue.{}", index + 1))
    }

    /// The key of one of the lesson's texts (`title`, `intro`, `question`, `summary`…) in
    /// the lessons' catalogue: `<slug>.<which>`.
    pub fn text_key(&self, which: &str) -> String {
        format!("{}.{which}", self.id)
    }

    /// Every key of the lesson in the lessons' catalogue, in the catalogue's order: the
    /// title, the intro, the question and its answers, the cues, the summary.
    pub fn text_keys(&self) -> Vec<String> {
        let mut keys = vec![
            self.title_key(),
            self.text_key("intro"),
            self.question_key(),
        ];
        keys.extend((0..self.question.choices.len()).map(|index| self.choice_key(index)));
        keys.extend((0..self.cues.len()).map(|index| self.cue_key(index)));
        keys.push(self.text_key("summary"));
        for (index, check) in self.self_checks.iter().enumerate() {
            keys.push(self.check_key(index, "question"));
            keys.extend(
                (0..check.choices).map(|choice| self.check_key(index, &(choice + 1).to_string())),
            );
            keys.push(self.check_key(index, "why"));
        }
        keys
    }

    /// The key of a part of self-check question `index` (from 0): `question`, an answer's
    /// number from 1, or `why` (the explanation shown once answered).
    pub fn check_key(&self, index: usize, part: &str) -> String {
        self.text_key(&format!("check.{}.{part}", index + 1))
    }

    /// The URL fragment that opens the lesson, without its `#`.
    pub fn link_fragment(&self) -> String {
        format!("{LINK_PREFIX}{}", self.id)
    }

    /// Runs the lesson's scenario until nothing is left to happen, with its trace.
    pub fn run_to_end(&self) -> Result<Sim, LessonRunError> {
        let mut sim = Sim::new(&self.scenario).map_err(LessonRunError::Scenario)?;
        sim.run_until_quiet(MAX_LESSON_STEPS);
        if !sim.is_quiet() {
            return Err(LessonRunError::NeverEnds {
                id: self.id.clone(),
            });
        }
        Ok(sim)
    }
}

/// The prefix of a lesson link's fragment.
pub const LINK_PREFIX: &str = "lesson=";
