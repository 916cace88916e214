//! The guided lessons of the two worlds of their own: Kafka transactions (commit
//! markers and read_committed, a hung transaction at the last stable offset, zombie
//! fencing) and the dual writes (the dual-write problem, the outbox, the inbox). Each is
//! a run of one world, narration cues that appear as the run reaches them, and a
//! "predict, then watch" question, as the simulator's lessons are (`lessons.rs`).
//!
//! A lesson's words are entries of the world lessons' catalogue
//! (`static/text/<language>/world-lessons.txt`), named here next to what they say. As
//! in the simulator's lessons, a lesson never claims its own answer: each choice is a set
//! of facts about the ledger at the end of the run, and the view shows as right the
//! choices the run makes true. `intended_choice` only records what the author meant.

use mqlab_text::world_lessons::Key;

use crate::fault::{Command, CrashPoint};
use crate::kafka_txn::{Fact as TxnFact, TxnEvent, TxnNode};
use crate::lessons::{Check, Choice, Question};
use crate::mode::Mode;
use crate::outbox::{
    Fact as DualFact, OutboxEvent, OutboxNode, OutboxSettings, Pattern, TimedOutboxFault,
};
use crate::scenario::Scenario;
use crate::txn_protocol::{KafkaTransactions, Pause};
use crate::worlds::{Event, Run, Setup, WorldError};

mod world_self_checks;

/// The most steps a lesson's run may take before it counts as never ending.
pub const MAX_WORLD_LESSON_STEPS: u64 = 20_000;

/// The world a lesson runs in, which is also its chapter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum WorldChapter {
    KafkaTransactions,
    DualWrites,
}

impl WorldChapter {
    /// The chapters, in teaching order.
    pub const ALL: [WorldChapter; 2] = [WorldChapter::KafkaTransactions, WorldChapter::DualWrites];
}

/// When a cue appears.
#[derive(Clone, Copy, Debug)]
pub enum When {
    /// Before the first step.
    Start,
    /// At the `nth` event (from 1) that `matches`.
    Event {
        matches: fn(Event<'_>) -> bool,
        nth: u32,
    },
    /// When nothing is left to happen.
    End,
}

/// Where a cue was reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reached {
    AtStart,
    /// At this event of the trace (its index, from 0).
    AtEvent(usize),
    AtEnd,
}

/// A line of narration, shown once the run reaches it.
#[derive(Clone, Copy, Debug)]
pub struct WorldCue {
    pub text: Key,
    pub when: When,
}

impl WorldCue {
    /// Where the run reaches the cue, if it has yet.
    pub fn reached(&self, run: &Run) -> Option<Reached> {
        match self.when {
            When::Start => Some(Reached::AtStart),
            When::End => run.is_quiet().then_some(Reached::AtEnd),
            When::Event { matches, nth } => run
                .events()
                .into_iter()
                .enumerate()
                .filter(|(_, event)| matches(*event))
                .nth(nth.saturating_sub(1) as usize)
                .map(|(index, _)| Reached::AtEvent(index)),
        }
    }
}

/// A lesson of the worlds.
#[derive(Clone, Debug)]
pub struct WorldLesson {
    /// The slug used in links and in tests.
    pub id: &'static str,
    pub chapter: WorldChapter,
    pub setup: Setup,
    pub title: Key,
    /// What the learner reads before predicting.
    pub intro: Key,
    /// The question, and its answers' words in the order of `question.choices`.
    pub asks: Key,
    pub choice_texts: Vec<Key>,
    pub question: Question,
    pub cues: Vec<WorldCue>,
    /// What to take away once the run has answered.
    pub summary: Key,
    /// What to try next, in the view's form.
    pub try_next: Key,
    /// The questions asked once the run has ended (two to four).
    pub self_checks: Vec<WorldSelfCheck>,
}

/// A multiple-choice question asked at the end of a lesson, as the simulator's lessons
/// ask them (`lessons::SelfCheck`): the answer is the author's, and rests on the run —
/// `shown_at` is the moment of the lesson's run that shows it, and `facts` the ledger's
/// facts it relies on. Tests hold every question to both.
#[derive(Clone, Debug)]
pub struct WorldSelfCheck {
    pub question: Key,
    pub answers: Vec<Key>,
    /// The right answer (an index into `answers`).
    pub answer: usize,
    /// Why the right answer is right.
    pub why: Key,
    /// The event of the run that shows the answer.
    pub shown_at: When,
    /// Facts about the end of the run that the answer relies on (may be none).
    pub facts: Vec<Check>,
}

impl WorldSelfCheck {
    /// The step of the lesson's run (counted as the view's player counts them: the
    /// number of steps taken) that shows the answer, or `None` if the run never does.
    pub fn shown_at_step(&self, setup: &Setup) -> Option<u64> {
        let When::Event { matches, nth } = self.shown_at else {
            return None;
        };
        let mut run = Run::build(setup).ok()?;
        let mut seen = 0u32;
        let mut checked = 0usize;
        for step in 1..=MAX_WORLD_LESSON_STEPS {
            if !run.step() {
                return None;
            }
            let events = run.events();
            for event in &events[checked.min(events.len())..] {
                if matches(*event) {
                    seen += 1;
                    if seen >= nth.max(1) {
                        return Some(step);
                    }
                }
            }
            checked = events.len();
        }
        None
    }
}

/// Why a lesson's run could not be finished.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WorldLessonError {
    World(WorldError),
    /// Still going after [`MAX_WORLD_LESSON_STEPS`].
    NeverEnds,
}

impl WorldLesson {
    /// Every entry of the lesson in the catalogue, in the catalogue's order.
    pub fn keys(&self) -> Vec<Key> {
        let mut keys = vec![self.title, self.intro, self.asks];
        keys.extend(&self.choice_texts);
        keys.extend(self.cues.iter().map(|cue| cue.text));
        keys.push(self.summary);
        keys.push(self.try_next);
        for check in &self.self_checks {
            keys.push(check.question);
            keys.extend(&check.answers);
            keys.push(check.why);
        }
        keys
    }

    /// The lesson's run until nothing is left to happen.
    pub fn run_to_end(&self) -> Result<Run, WorldLessonError> {
        let mut run = Run::build(&self.setup).map_err(WorldLessonError::World)?;
        run.run_until_quiet(MAX_WORLD_LESSON_STEPS);
        if run.is_quiet() {
            Ok(run)
        } else {
            Err(WorldLessonError::NeverEnds)
        }
    }
}

/// The lesson with this slug.
pub fn find(id: &str) -> Option<WorldLesson> {
    all().into_iter().find(|lesson| lesson.id == id)
}

/// Every lesson, in teaching order: Kafka transactions, then the dual writes.
pub fn all() -> Vec<WorldLesson> {
    let mut lessons = built_in();
    for lesson in &mut lessons {
        lesson.self_checks = world_self_checks::of(lesson.id);
    }
    lessons
}

fn built_in() -> Vec<WorldLesson> {
    vec![
        commit_markers(),
        hung_transaction(),
        zombie_fencing(),
        exactly_once_edge(),
        dual_write_problem(),
        outbox_twice(),
        inbox_reach(),
    ]
}

fn choice(holds_when: &[Check]) -> Choice {
    Choice {
        holds_when: holds_when.to_vec(),
    }
}

const fn at(text: Key, matches: fn(Event<'_>) -> bool) -> WorldCue {
    WorldCue {
        text,
        when: When::Event { matches, nth: 1 },
    }
}

const fn at_nth(text: Key, nth: u32, matches: fn(Event<'_>) -> bool) -> WorldCue {
    WorldCue {
        text,
        when: When::Event { matches, nth },
    }
}

const fn start(text: Key) -> WorldCue {
    WorldCue {
        text,
        when: When::Start,
    }
}

const fn end(text: Key) -> WorldCue {
    WorldCue {
        text,
        when: When::End,
    }
}

/// Kafka transactions as the Transactions view runs them by default: four messages in
/// transactions of two, over the topic's two partitions.
fn kafka(seed: u64, kafka: KafkaTransactions) -> Scenario {
    let mut scenario = Scenario {
        mode: Mode::Transactional,
        messages: 4,
        seed,
        ..Scenario::default()
    };
    scenario.transaction.size = 2;
    scenario.kafka_transactions = Some(kafka);
    scenario
}

fn crash_at(point: CrashPoint, message: u32) -> Command {
    Command::CrashAt {
        point,
        message: Some(message),
        instance: 0,
    }
}

fn kafka_fact(event: Event<'_>, wanted: fn(&TxnFact) -> bool) -> bool {
    matches!(event, Event::Kafka(TxnEvent::Fact { fact, .. }) if wanted(fact))
}

fn dual_fact(event: Event<'_>, wanted: fn(&DualFact) -> bool) -> bool {
    matches!(event, Event::Dual(OutboxEvent::Fact { fact, .. }) if wanted(fact))
}

const PRODUCER: TxnNode = TxnNode::Producer(0);
const PRODUCER_2: TxnNode = TxnNode::Producer(1);

// The moments of the protocols that more than one lesson waits for.

/// A partition leader appended a record (uncommitted, in a transaction).
fn appended(e: Event<'_>) -> bool {
    kafka_fact(e, |f| matches!(f, TxnFact::Appended { .. }))
}

/// The coordinator bumped the epoch because a new instance registered.
fn bumped_by_a_new_instance(e: Event<'_>) -> bool {
    kafka_fact(e, |f| {
        matches!(f, TxnFact::EpochBumped { timeout: false, .. })
    })
}

/// The coordinator bumped the epoch because the transaction timed out.
fn bumped_by_the_timeout(e: Event<'_>) -> bool {
    kafka_fact(e, |f| {
        matches!(f, TxnFact::EpochBumped { timeout: true, .. })
    })
}

fn abort_marker(e: Event<'_>) -> bool {
    kafka_fact(e, |f| {
        matches!(f, TxnFact::MarkerWritten { commit: false, .. })
    })
}

fn commit_marker(e: Event<'_>) -> bool {
    kafka_fact(e, |f| {
        matches!(f, TxnFact::MarkerWritten { commit: true, .. })
    })
}

/// A request was refused with PRODUCER_FENCED.
fn fenced(e: Event<'_>) -> bool {
    kafka_fact(e, |f| matches!(f, TxnFact::Fenced { .. }))
}

fn producer_paused(e: Event<'_>) -> bool {
    matches!(e, Event::Kafka(TxnEvent::Paused { node: PRODUCER, .. }))
}

fn relay_crashed(e: Event<'_>) -> bool {
    matches!(
        e,
        Event::Dual(OutboxEvent::Crashed {
            node: OutboxNode::Relay,
            ..
        })
    )
}

/// The producer stalls from tick 20 (inside its first transaction) to tick 200.
fn producer_stalls() -> Vec<Pause> {
    vec![Pause {
        node: crate::node::NodeId::PRODUCER,
        from_tick: 20,
        to_tick: 200,
    }]
}

/// The producer crashes inside its first transaction: read_committed skips the aborted
/// records that read_uncommitted would show.
fn commit_markers() -> WorldLesson {
    let scenario = kafka(1, KafkaTransactions::default())
        .with_fault(crash_at(CrashPoint::ProducerAfterSend, 2));
    WorldLesson {
        id: "commit-markers",
        chapter: WorldChapter::KafkaTransactions,
        setup: Setup::Kafka(scenario),
        title: Key::CommitMarkersTitle,
        intro: Key::CommitMarkersIntro,
        asks: Key::CommitMarkersQuestion,
        choice_texts: vec![
            Key::CommitMarkersChoiceTwice,
            Key::CommitMarkersChoiceOnce,
            Key::CommitMarkersChoiceLost,
        ],
        question: Question {
            choices: vec![
                choice(&[Check::DuplicatedAtLeast(1)]),
                choice(&[Check::AllExactlyOnce, Check::NoneAbortedVisible]),
                choice(&[Check::LostAtLeast(1)]),
            ],
            intended_choice: 1,
        },
        cues: vec![
            start(Key::CommitMarkersCueStart),
            at(Key::CommitMarkersCueCrash, |e| {
                matches!(e, Event::Kafka(TxnEvent::Crashed { node: PRODUCER, .. }))
            }),
            at(Key::CommitMarkersCueUncommitted, appended),
            at(Key::CommitMarkersCueBump, bumped_by_a_new_instance),
            at(Key::CommitMarkersCueAbortMarker, abort_marker),
            at(Key::CommitMarkersCueCommitMarker, commit_marker),
            end(Key::CommitMarkersCueEnd),
        ],
        summary: Key::CommitMarkersSummary,
        try_next: Key::CommitMarkersTry,
        self_checks: Vec::new(),
    }
}

/// The producer stalls in the middle of a transaction: every read_committed reader waits
/// at the last stable offset until the transaction times out and is aborted.
fn hung_transaction() -> WorldLesson {
    let scenario = kafka(
        1,
        KafkaTransactions {
            pauses: producer_stalls(),
            ..KafkaTransactions::default()
        },
    );
    WorldLesson {
        id: "hung-transaction",
        chapter: WorldChapter::KafkaTransactions,
        setup: Setup::Kafka(scenario),
        title: Key::HungTitle,
        intro: Key::HungIntro,
        asks: Key::HungQuestion,
        choice_texts: vec![
            Key::HungChoiceReadsOn,
            Key::HungChoiceWaits,
            Key::HungChoiceLost,
        ],
        question: Question {
            choices: vec![
                choice(&[Check::LsoBlockedTicksBelow(1)]),
                choice(&[
                    Check::LsoBlockedTicksAtLeast(40),
                    Check::AllExactlyOnce,
                    Check::NoneAbortedVisible,
                ]),
                choice(&[Check::LostAtLeast(1)]),
            ],
            intended_choice: 1,
        },
        cues: vec![
            start(Key::HungCueStart),
            at(Key::HungCuePaused, producer_paused),
            at(Key::HungCueUncommitted, appended),
            at(Key::HungCueTimeout, bumped_by_the_timeout),
            at(Key::HungCueAbortMarker, abort_marker),
            at(Key::HungCueFenced, fenced),
            at(Key::HungCueApplied, |e| {
                kafka_fact(e, |f| matches!(f, TxnFact::Applied { .. }))
            }),
            end(Key::HungCueEnd),
        ],
        summary: Key::HungSummary,
        try_next: Key::HungTry,
        self_checks: Vec::new(),
    }
}

/// A stalled producer comes back after a new instance took its transactional.id over:
/// the new epoch fences it, and its transaction was aborted.
fn zombie_fencing() -> WorldLesson {
    let scenario = kafka(
        1,
        KafkaTransactions {
            zombie: true,
            pauses: producer_stalls(),
            ..KafkaTransactions::default()
        },
    );
    WorldLesson {
        id: "zombie-fencing",
        chapter: WorldChapter::KafkaTransactions,
        setup: Setup::Kafka(scenario),
        title: Key::ZombieTitle,
        intro: Key::ZombieIntro,
        asks: Key::ZombieQuestion,
        choice_texts: vec![
            Key::ZombieChoiceBothCommit,
            Key::ZombieChoiceLost,
            Key::ZombieChoiceFenced,
        ],
        question: Question {
            choices: vec![
                choice(&[Check::DuplicatedAtLeast(1)]),
                choice(&[Check::LostAtLeast(1)]),
                choice(&[Check::FencedAtLeast(1), Check::AllExactlyOnce]),
            ],
            intended_choice: 2,
        },
        cues: vec![
            start(Key::ZombieCueStart),
            at(Key::ZombieCuePaused, producer_paused),
            at(Key::ZombieCueSecond, |e| {
                matches!(e, Event::Kafka(TxnEvent::Started { node: PRODUCER_2 }))
            }),
            at(Key::ZombieCueBump, bumped_by_a_new_instance),
            at(Key::ZombieCueCommitted, |e| {
                kafka_fact(e, |f| matches!(f, TxnFact::Completed { commit: true, .. }))
            }),
            at(Key::ZombieCueWakes, |e| {
                matches!(
                    e,
                    Event::Kafka(TxnEvent::Fact {
                        node: PRODUCER,
                        fact: TxnFact::EndTxnSent
                    })
                )
            }),
            at(Key::ZombieCueFenced, fenced),
            at(Key::ZombieCueClosed, |e| {
                matches!(e, Event::Kafka(TxnEvent::Closed { node: PRODUCER }))
            }),
        ],
        summary: Key::ZombieSummary,
        try_next: Key::ZombieTry,
        self_checks: Vec::new(),
    }
}

/// A consume-transform-produce loop that calls an external system crashes before its
/// commit: Kafka redoes the transaction without a duplicate, and the call goes twice.
fn exactly_once_edge() -> WorldLesson {
    let scenario = kafka(
        1,
        KafkaTransactions {
            external_effect: true,
            ..KafkaTransactions::default()
        },
    )
    .with_fault(crash_at(CrashPoint::ProducerBeforeEndTxn, 2));
    WorldLesson {
        id: "exactly-once-edge",
        chapter: WorldChapter::KafkaTransactions,
        setup: Setup::Kafka(scenario),
        title: Key::EdgeTitle,
        intro: Key::EdgeIntro,
        asks: Key::EdgeQuestion,
        choice_texts: vec![
            Key::EdgeChoiceTwice,
            Key::EdgeChoiceAllOnce,
            Key::EdgeChoiceCallsTwice,
        ],
        question: Question {
            choices: vec![
                choice(&[Check::DuplicatedAtLeast(1)]),
                choice(&[Check::AllExactlyOnce, Check::NoneExternalDuplicated]),
                choice(&[Check::AllExactlyOnce, Check::ExternalDuplicatedAtLeast(1)]),
            ],
            intended_choice: 2,
        },
        cues: vec![
            start(Key::EdgeCueStart),
            at(Key::EdgeCueCalled, |e| {
                matches!(e, Event::Kafka(TxnEvent::Called { count: 1, .. }))
            }),
            at(Key::EdgeCueOffsets, |e| {
                kafka_fact(e, |f| matches!(f, TxnFact::OffsetsSent { .. }))
            }),
            at(Key::EdgeCueCrash, |e| {
                matches!(e, Event::Kafka(TxnEvent::Crashed { node: PRODUCER, .. }))
            }),
            at(Key::EdgeCueBump, bumped_by_a_new_instance),
            at(Key::EdgeCueCalledAgain, |e| {
                matches!(e, Event::Kafka(TxnEvent::Called { count: 2, .. }))
            }),
            at(Key::EdgeCueCommitMarker, commit_marker),
            end(Key::EdgeCueEnd),
        ],
        summary: Key::EdgeSummary,
        try_next: Key::EdgeTry,
        self_checks: Vec::new(),
    }
}

/// A dual-write setup: three events, seed 1.
fn dual(settings: OutboxSettings, crash: Command) -> Setup {
    Setup::Dual {
        scenario: Scenario {
            messages: 3,
            seed: 1,
            ..Scenario::default()
        }
        .with_fault(crash),
        settings,
    }
}

/// Commit the row, then publish: a crash in between loses the event for good.
fn dual_write_problem() -> WorldLesson {
    WorldLesson {
        id: "dual-write-problem",
        chapter: WorldChapter::DualWrites,
        setup: dual(
            OutboxSettings::new(Pattern::CommitFirst),
            crash_at(CrashPoint::ServiceAfterDbCommit, 2),
        ),
        title: Key::DualTitle,
        intro: Key::DualIntro,
        asks: Key::DualQuestion,
        choice_texts: vec![
            Key::DualChoiceLost,
            Key::DualChoiceRepublished,
            Key::DualChoiceTwice,
        ],
        question: Question {
            choices: vec![
                choice(&[Check::StateWithoutEventAtLeast(1), Check::LostAtLeast(1)]),
                choice(&[Check::AllExactlyOnce]),
                choice(&[Check::BrokerDuplicatesAtLeast(1)]),
            ],
            intended_choice: 0,
        },
        cues: vec![
            start(Key::DualCueStart),
            at(Key::DualCueFirst, |e| {
                dual_fact(e, |f| matches!(f, DualFact::Published { message: 1, .. }))
            }),
            at(Key::DualCueCommitted, |e| {
                dual_fact(e, |f| {
                    matches!(f, DualFact::RowCommitted { message: 2, .. })
                })
            }),
            at(Key::DualCueCrash, |e| {
                matches!(
                    e,
                    Event::Dual(OutboxEvent::Crashed {
                        node: OutboxNode::Service,
                        ..
                    })
                )
            }),
            at_nth(Key::DualCueRestart, 2, |e| {
                matches!(
                    e,
                    Event::Dual(OutboxEvent::Started {
                        node: OutboxNode::Service
                    })
                )
            }),
            end(Key::DualCueEnd),
        ],
        summary: Key::DualSummary,
        try_next: Key::DualTry,
        self_checks: Vec::new(),
    }
}

/// The relay crashes after publishing and before marking the rows sent: it publishes
/// them again, and a consumer without an inbox applies them twice.
fn outbox_twice() -> WorldLesson {
    WorldLesson {
        id: "outbox-twice",
        chapter: WorldChapter::DualWrites,
        setup: dual(
            OutboxSettings::new(Pattern::Outbox),
            crash_at(CrashPoint::RelayAfterPublish, 2),
        ),
        title: Key::OutboxTitle,
        intro: Key::OutboxIntro,
        asks: Key::OutboxQuestion,
        choice_texts: vec![
            Key::OutboxChoiceLost,
            Key::OutboxChoiceTwice,
            Key::OutboxChoiceOnce,
        ],
        question: Question {
            choices: vec![
                choice(&[Check::LostAtLeast(1)]),
                choice(&[
                    Check::BrokerDuplicatesAtLeast(1),
                    Check::DuplicatedAtLeast(1),
                    Check::NoneLost,
                ]),
                choice(&[Check::AllExactlyOnce]),
            ],
            intended_choice: 1,
        },
        cues: vec![
            start(Key::OutboxCueStart),
            at(Key::OutboxCueOneTransaction, |e| {
                dual_fact(e, |f| {
                    matches!(f, DualFact::RowCommitted { outbox: true, .. })
                })
            }),
            at(Key::OutboxCueCrash, relay_crashed),
            at_nth(Key::OutboxCueAgain, 2, |e| {
                dual_fact(e, |f| matches!(f, DualFact::Appended { message: 1, .. }))
            }),
            at_nth(Key::OutboxCueAppliedTwice, 2, |e| {
                dual_fact(e, |f| matches!(f, DualFact::Applied { message: 1, .. }))
            }),
            end(Key::OutboxCueEnd),
        ],
        summary: Key::OutboxSummary,
        try_next: Key::OutboxTry,
        self_checks: Vec::new(),
    }
}

/// With an inbox, the broker's second copies are skipped; an e-mail sent from inside a
/// transaction that rolled back goes out twice.
fn inbox_reach() -> WorldLesson {
    let settings = OutboxSettings {
        timed: vec![TimedOutboxFault {
            tick: 28,
            node: OutboxNode::Consumer,
            crash: true,
        }],
        ..OutboxSettings::new(Pattern::OutboxInbox)
    };
    WorldLesson {
        id: "inbox-reach",
        chapter: WorldChapter::DualWrites,
        setup: dual(settings, crash_at(CrashPoint::RelayAfterPublish, 2)),
        title: Key::InboxTitle,
        intro: Key::InboxIntro,
        asks: Key::InboxQuestion,
        choice_texts: vec![
            Key::InboxChoiceTwice,
            Key::InboxChoiceAllOnce,
            Key::InboxChoiceEmailTwice,
        ],
        question: Question {
            choices: vec![
                choice(&[Check::DuplicatedAtLeast(1)]),
                choice(&[Check::AllExactlyOnce, Check::NoneExternalDuplicated]),
                choice(&[Check::AllExactlyOnce, Check::ExternalDuplicatedAtLeast(1)]),
            ],
            intended_choice: 2,
        },
        cues: vec![
            start(Key::InboxCueStart),
            at(Key::InboxCueRelayCrash, relay_crashed),
            at(Key::InboxCueConsumerCrash, |e| {
                matches!(
                    e,
                    Event::Dual(OutboxEvent::Crashed {
                        node: OutboxNode::Consumer,
                        ..
                    })
                )
            }),
            at_nth(Key::InboxCueCalledAgain, 1, |e| {
                matches!(e, Event::Dual(OutboxEvent::Called { count: 2, .. }))
            }),
            at(Key::InboxCueSkipped, |e| {
                dual_fact(e, |f| matches!(f, DualFact::Skipped { .. }))
            }),
            end(Key::InboxCueEnd),
        ],
        summary: Key::InboxSummary,
        try_next: Key::InboxTry,
        self_checks: Vec::new(),
    }
}
