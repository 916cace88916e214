//! The roles of the simulated world, each a sans-IO state machine in its own file.
//!
//! A role gets an [`Input`] (start, a timer it set, a message from a node, a crash, a
//! recovery) and a [`Ctx`] (its id, the tick, the scenario's settings, the seeded PRNG,
//! and whether an armed crash point is reached), and answers only by recording
//! [`Output`]s: send to a node, set a timer, persist a record, and facts for the
//! ledger, the checker and the trace. A role never sees the world, the ledger or the
//! trace. Each role keeps what is on its disk and what is in its memory in separate
//! types, so what a crash loses follows from the types: a crash replaces the memory.
//!
//! Roles are an enum ([`Role`]), not trait objects, so that the world stays `Clone`
//! for checkpoints and time travel.

pub(crate) mod broker;
pub(crate) mod consumer;
pub(crate) mod controller;
pub(crate) mod coordinator;
pub(crate) mod group_coordinator;
pub(crate) mod kafka;
pub(crate) mod member;
#[cfg(feature = "outbox")]
pub(crate) mod outbox;
pub(crate) mod participant;
pub(crate) mod producer;
pub(crate) mod replica;
pub(crate) mod topic;
#[cfg(feature = "kafka-txn")]
pub(crate) mod txn;
pub(crate) mod work;

use work::Works;

use crate::disk::DiskRecord;
use crate::fault::CrashPoint;
use crate::ledger::{Cause, CauseKind};
use crate::mode::Mode;
use crate::network::{Envelope, LinkId, MessageKind};
use crate::node::NodeId;
use crate::prng::Prng;
use crate::ratio::Ratio;
use crate::scenario::Scenario;
use crate::trace::{Detail, EventKind};

pub(crate) use broker::Broker;
pub(crate) use consumer::Consumer;
pub(crate) use controller::Controller;
pub(crate) use coordinator::Coordinator;
pub(crate) use kafka::GroupStore;
pub(crate) use member::Member;
pub(crate) use participant::Participant;
pub(crate) use producer::Producer;
pub(crate) use replica::Replica;
pub(crate) use topic::Topic;

/// A timer a role set; it fires only if the role has not crashed since.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Timer {
    /// Producer: publish this message (the publish interval has passed).
    Publish { message: u32 },
    /// Producer: no confirm came for this attempt within the retry timeout.
    Retry { message: u32, attempt: u32 },
    /// Broker: make the appended publishes durable.
    Fsync,
    /// Broker: hand the next ready entry to the consumer.
    Deliver,
    /// Broker: no ack came for this delivery within the redelivery timeout.
    Redeliver { entry: u32, attempt: u32 },
    /// Coordinator: begin the next transaction.
    NextTransaction,
    /// Coordinator: the work of this transaction was not done in time.
    WorkTimeout { txn: u32 },
    /// Coordinator: the votes for this transaction did not all come in time.
    VoteTimeout { txn: u32 },
    /// Coordinator: send the decision again to those that have not answered.
    ResendDecision { txn: u32 },
    /// Participant: still in doubt about this transaction; ask the coordinator.
    Query { txn: u32 },
    /// Replica (leader): see whether a follower has lagged for the lag timeout.
    LagCheck,
    /// Controller: the world tells it that it stopped hearing from this broker (it
    /// crashed, or their link was cut).
    BrokerSilent { broker: u8 },
    /// Controller: the world tells it that it hears from this broker again.
    BrokerHeard { broker: u8 },
    /// Controller: the session of this broker, as numbered, timed out.
    SessionTimeout { broker: u8, session: u32 },
    /// Group coordinator: no heartbeat came from this member (the consumer instance in
    /// its incarnation `joins`) for the session timeout.
    MemberSessionExpired { group: u8, instance: u8, joins: u32 },
    /// Group coordinator: the initial rebalance delay of a new group passed
    /// (`group.initial.rebalance.delay.ms`).
    JoinDeadline { group: u8, round: u32 },
    /// Kafka consumer: the auto-commit interval passed while it held uncommitted
    /// positions (its poll loop would commit them now).
    AutoCommit,
}

/// What happens to a role.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Input<'a> {
    /// The run begins.
    Start,
    /// A timer the role set fires.
    Timer(Timer),
    /// A message arrives (its sender is `envelope.link.from`).
    Message(&'a Envelope),
    /// The node crashes: the role says what its memory held, then forgets it.
    Crash,
    /// The node restarts and rebuilds its memory from its disk.
    Recover,
    /// The connection from this node closed: the node on the other end crashed (its
    /// operating system closes its sockets at once).
    ConnectionClosed(NodeId),
    /// The node on the other end of a closed connection is back and connected again.
    ConnectionOpened(NodeId),
    /// Broker: move the dead-letter queue's messages back to the queue (a command).
    ReplayDeadLetters,
}

/// Why a message is sent again, as far as the role knows; the ledger, which the role
/// does not see, fills in the fault that made the copy necessary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Because {
    /// A first copy, or one whose reason is carried along.
    Given(Option<Cause>),
    /// A publish sent again: the fault noted for its resend, else this.
    Resend(CauseKind),
    /// A delivery sent again: the fault noted for its redelivery, else this.
    Redeliver(CauseKind),
}

/// A message a role sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Send {
    pub to: NodeId,
    pub kind: MessageKind,
    pub message: u32,
    /// The broker log entry for deliver/ack, the transaction id for 2PC kinds.
    pub tag: u32,
    pub attempt: u32,
    pub because: Because,
    /// For 2PC messages: the transaction kind (0 publish, 1 consume).
    pub txn_kind: u8,
    /// Replication messages only: what they carry beyond `message`, `tag` and
    /// `attempt`.
    pub extra: [u32; 2],
}

/// A fact for the ledger and the checker: what happened to a message or a transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fact {
    PublishSent(u32),
    Published(u32),
    Stored(u32),
    StoredByTxn {
        message: u32,
        txn: u32,
    },
    Delivered(u32),
    Applied {
        message: u32,
        cause: Option<Cause>,
        redelivered: bool,
    },
    Output(u32),
    Acked(u32),
    /// A fault that could lose the message (and delays it).
    MayBeLost {
        message: u32,
        cause: CauseKind,
    },
    /// A fault that will make the producer publish the message again.
    WillResend {
        message: u32,
        cause: CauseKind,
    },
    /// A fault that will make the broker deliver the message again.
    WillRedeliver {
        message: u32,
        cause: CauseKind,
    },
    TxnBegun {
        txn: u32,
        consume: bool,
        first: u32,
        last: u32,
    },
    /// The coordinator decided (or, presuming abort, answered) a transaction.
    Decided {
        txn: u32,
        commit: bool,
    },
    /// This participant committed or aborted its part of a transaction.
    Outcome {
        txn: u32,
        commit: bool,
    },
    /// This participant prepared and is now in doubt until it learns the decision.
    InDoubt {
        txn: u32,
        first: u32,
        last: u32,
    },
    /// This participant learnt the decision.
    Decision {
        txn: u32,
    },
    /// The broker delivered this message again, marked redelivered.
    Redelivered(u32),
    /// The broker moved the message to the dead-letter queue.
    DeadLettered {
        message: u32,
        /// True when its consumer rejected it without requeue, false when it reached
        /// the delivery limit.
        rejected: bool,
    },
    /// The broker dropped the message (no dead-letter queue).
    Dropped {
        message: u32,
        rejected: bool,
    },
    /// The leader refused a write: too few in-sync replicas, before the append or
    /// after it.
    Refused {
        message: u32,
        after_append: bool,
    },
    /// The controller changed the partition's leader (none: no replica may lead).
    LeaderChanged {
        leader: Option<NodeId>,
    },
    /// The broker moved the message from the dead-letter queue back to the queue.
    Replayed(u32),
    /// A Kafka consumer cannot get past this poison record: its partition is blocked
    /// at it (head-of-line) for the consumer's group.
    Blocked(u32),
}

/// What the step's trace record says beyond its kind and node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mark {
    Detail(Detail),
    Message(u32),
    Attempt(u32),
    Peer(NodeId),
    Link(LinkId),
    Kind(MessageKind),
    Txn { txn: u32, message: u32, kind: u8 },
}

/// What the step's trace record says beyond its kind and node, as the role marked it
/// (the last mark of each kind wins). The world copies these onto the step's record
/// once the role is done; they are not in the order-sensitive output stream.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Notes {
    pub detail: Option<Detail>,
    pub message: Option<u32>,
    pub attempt: Option<u32>,
    pub peer: Option<NodeId>,
    pub link: Option<LinkId>,
    pub kind: Option<MessageKind>,
    pub txn: Option<u32>,
    pub txn_kind: Option<u8>,
}

impl Notes {
    #[inline]
    fn mark(&mut self, mark: Mark) {
        match mark {
            Mark::Detail(detail) => self.detail = Some(detail),
            Mark::Message(message) => self.message = Some(message),
            Mark::Attempt(attempt) => self.attempt = Some(attempt),
            Mark::Peer(peer) => self.peer = Some(peer),
            Mark::Link(link) => self.link = Some(link),
            Mark::Kind(kind) => self.kind = Some(kind),
            Mark::Txn { txn, message, kind } => {
                self.txn = Some(txn);
                self.message = Some(message);
                self.txn_kind = Some(kind);
            }
        }
    }
}

/// What a role asks of the world, in the order it asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Output {
    /// This input is a step of the run, of this kind (a message's arrival always is).
    Step(EventKind),
    Send(Send),
    SetTimer {
        delay_ticks: u64,
        timer: Timer,
    },
    Persist(DiskRecord),
    Fact(Fact),
    /// An armed crash point was reached: the node dies here.
    Crash(CrashPoint),
}

/// The crash points armed by the learner, as a role meets them.
pub(crate) trait Breakpoints {
    /// True (and disarmed) if a crash is armed at `point` on `node` for `message`.
    fn reached(&mut self, point: CrashPoint, node: NodeId, message: u32) -> bool;
}

/// Everything a role may know besides its own state, and where its outputs go.
pub(crate) struct Ctx<'a> {
    /// The node this role runs on.
    pub id: NodeId,
    /// The logical time now.
    pub tick: u64,
    /// True at the very start of the run (step 0, tick 0).
    pub at_start: bool,
    /// The scenario's settings (mode, message count, timing, transactions).
    pub scenario: &'a Scenario,
    prng: &'a mut Prng,
    /// A quick filter: the bits of the points armed when the role was called.
    armed_mask: u32,
    breakpoints: &'a mut dyn Breakpoints,
    out: &'a mut Vec<Output>,
    notes: &'a mut Notes,
    /// A Kafka consumer's group database, lent by the world (see `kafka::GroupStore`).
    pub store: Option<&'a mut GroupStore>,
}

impl<'a> Ctx<'a> {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        id: NodeId,
        tick: u64,
        at_start: bool,
        scenario: &'a Scenario,
        prng: &'a mut Prng,
        armed_mask: u32,
        breakpoints: &'a mut dyn Breakpoints,
        out: &'a mut Vec<Output>,
        notes: &'a mut Notes,
    ) -> Ctx<'a> {
        Ctx {
            id,
            tick,
            at_start,
            scenario,
            prng,
            armed_mask,
            breakpoints,
            out,
            notes,
            store: None,
        }
    }

    /// Sends a message that carries two more numbers (a partition and an offset, say).
    #[allow(clippy::too_many_arguments)]
    #[inline]
    pub fn send_extra(
        &mut self,
        to: NodeId,
        kind: MessageKind,
        message: u32,
        tag: u32,
        attempt: u32,
        because: Because,
        extra: [u32; 2],
    ) {
        self.out.push(Output::Send(Send {
            to,
            kind,
            message,
            tag,
            attempt,
            because,
            txn_kind: 0,
            extra,
        }));
    }

    #[inline]
    pub fn mode(&self) -> Mode {
        self.scenario.mode
    }

    /// True when consumers ack by hand and the broker redelivers what is not acked
    /// (at-least-once and idempotent, unless the queue is set to automatic acks).
    #[inline]
    pub fn manual_acks(&self) -> bool {
        self.scenario.mode.redelivers() && !self.scenario.queue.auto_ack
    }

    #[inline]
    pub fn messages(&self) -> u32 {
        self.scenario.messages
    }

    /// The last message of the transaction group that begins with `first`.
    #[inline]
    pub fn group_last(&self, first: u32) -> u32 {
        self.scenario.group_of(first).1.max(first)
    }

    #[inline]
    pub fn chance(&mut self, ratio: Ratio) -> bool {
        self.prng.chance(ratio)
    }

    /// The node dies here, at `point`, whatever is armed (a poison message crashes the
    /// consumer that processes it): the caller must stop.
    #[inline]
    pub fn crash_now(&mut self, point: CrashPoint) {
        self.out.push(Output::Crash(point));
    }

    /// True when the node died in this input (an armed crash point was reached): the
    /// caller must stop.
    #[inline]
    pub fn crashed(&self) -> bool {
        self.out.iter().any(|o| matches!(o, Output::Crash(_)))
    }

    /// If a crash is armed at this point, the node dies here: the caller must stop.
    #[inline]
    pub fn crash_point(&mut self, point: CrashPoint, message: u32) -> bool {
        if self.armed_mask & point.bit() == 0 {
            return false;
        }
        if self.breakpoints.reached(point, self.id, message) {
            self.out.push(Output::Crash(point));
            true
        } else {
            false
        }
    }

    #[inline]
    pub fn step(&mut self, kind: EventKind) {
        self.out.push(Output::Step(kind));
    }

    #[inline]
    pub fn mark(&mut self, mark: Mark) {
        self.notes.mark(mark);
    }

    /// What the step's record says so far (to put back after a side task).
    #[inline]
    pub fn notes_snapshot(&self) -> Notes {
        *self.notes
    }

    /// Puts back what the step's record said.
    #[inline]
    pub fn restore_notes(&mut self, notes: Notes) {
        *self.notes = notes;
    }

    /// True when the producer waits for confirms: the mode has them, and a
    /// replicated queue's `acks` is not 0.
    #[inline]
    pub fn confirms(&self) -> bool {
        self.scenario.mode.confirms()
            && !(self.scenario.topology.replicated()
                && self.scenario.replication.acks_in(self.scenario.mode)
                    == crate::replication::Acks::Zero)
    }

    /// How long the producer waits for a confirm: the retry timeout, or with a
    /// replicated queue its own request timeout (an `acks=all` write waits for the
    /// followers' fetches).
    #[inline]
    pub fn retry_timeout_ticks(&self) -> u64 {
        if self.scenario.topology.replicated() {
            self.scenario.replication.request_timeout_ticks
        } else {
            self.scenario.timing.retry_timeout_ticks
        }
    }

    #[inline]
    pub fn detail(&mut self, detail: Detail) {
        self.mark(Mark::Detail(detail));
    }

    #[allow(clippy::too_many_arguments)]
    #[inline]
    pub fn send(
        &mut self,
        to: NodeId,
        kind: MessageKind,
        message: u32,
        tag: u32,
        attempt: u32,
        because: Because,
        txn_kind: u8,
    ) {
        self.out.push(Output::Send(Send {
            to,
            kind,
            message,
            tag,
            attempt,
            because,
            txn_kind,
            extra: [0; 2],
        }));
    }

    /// Sends a replication message (between replicas, or with the controller).
    #[inline]
    pub fn send_replication(
        &mut self,
        to: NodeId,
        kind: MessageKind,
        (message, tag, attempt): (u32, u32, u32),
        extra: [u32; 2],
    ) {
        self.send_extra(to, kind, message, tag, attempt, Because::Given(None), extra);
    }

    /// Tells the coordinator that this node's part of transaction `txn` (whose first
    /// message is `first`) is done, and says so on the step's record.
    pub fn work_done(&mut self, txn: u32, first: u32, txn_kind: u8) {
        self.detail(Detail::WorkDone);
        self.send(
            NodeId::COORDINATOR,
            MessageKind::WorkDone,
            first,
            txn,
            1,
            Because::Given(None),
            txn_kind,
        );
    }

    #[inline]
    pub fn set_timer(&mut self, delay_ticks: u64, timer: Timer) {
        self.out.push(Output::SetTimer { delay_ticks, timer });
    }

    #[inline]
    pub fn persist(&mut self, record: DiskRecord) {
        self.out.push(Output::Persist(record));
    }

    #[inline]
    pub fn fact(&mut self, fact: Fact) {
        self.out.push(Output::Fact(fact));
    }
}

/// The role a node plays.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Producer(Producer),
    Broker(Broker),
    Consumer(Consumer),
    Coordinator(Coordinator),
    /// Boxed: a replica holds its log and a whole queue.
    Replica(Box<Replica>),
    Controller(Controller),
    /// Boxed: the Kafka broker holds the partitions and every group's coordinator.
    Topic(Box<Topic>),
    /// Boxed: a Kafka consumer keeps a record per partition while it commits.
    Member(Box<Member>),
}

impl Role {
    /// The transactions' work the node holds in memory (transactional mode); the
    /// coordinator does no work of its own.
    pub fn works(&self) -> Option<&Works> {
        match self {
            Role::Producer(producer) => Some(&producer.memory.work),
            Role::Broker(broker) => Some(&broker.memory.work),
            Role::Consumer(consumer) => Some(&consumer.memory.work),
            Role::Replica(replica) => Some(&replica.queue.memory.work),
            Role::Topic(topic) => Some(&topic.log.memory.work),
            Role::Coordinator(_) | Role::Controller(_) | Role::Member(_) => None,
        }
    }

    pub fn works_mut(&mut self) -> Option<&mut Works> {
        match self {
            Role::Producer(producer) => Some(&mut producer.memory.work),
            Role::Broker(broker) => Some(&mut broker.memory.work),
            Role::Consumer(consumer) => Some(&mut consumer.memory.work),
            Role::Replica(replica) => Some(&mut replica.queue.memory.work),
            Role::Topic(topic) => Some(&mut topic.log.memory.work),
            Role::Coordinator(_) | Role::Controller(_) | Role::Member(_) => None,
        }
    }

    /// The role's answer to an input.
    pub fn handle(&mut self, input: Input<'_>, ctx: &mut Ctx<'_>) {
        match self {
            Role::Producer(producer) => producer.handle(input, ctx),
            Role::Broker(broker) => broker.handle(input, ctx),
            Role::Consumer(consumer) => consumer.handle(input, ctx),
            Role::Coordinator(coordinator) => coordinator.handle(input, ctx),
            Role::Replica(replica) => replica.handle(input, ctx),
            Role::Controller(controller) => controller.handle(input, ctx),
            Role::Topic(topic) => topic.handle(input, ctx),
            Role::Member(member) => member.handle(input, ctx),
        }
    }
}

/// A bench for one role alone: its context without a world, and what it recorded.
#[cfg(test)]
pub(crate) mod bench {
    use super::*;

    /// Crash points armed for the bench: (point, node, message or any).
    #[derive(Default)]
    pub struct Armed(pub Vec<(CrashPoint, NodeId, Option<u32>)>);

    impl Breakpoints for Armed {
        fn reached(&mut self, point: CrashPoint, node: NodeId, message: u32) -> bool {
            let hit = self
                .0
                .iter()
                .position(|(p, n, m)| *p == point && *n == node && m.is_none_or(|m| m == message));
            hit.map(|i| self.0.remove(i)).is_some()
        }
    }

    /// A scenario of `messages` messages in `mode`, otherwise the default.
    pub fn scenario(mode: crate::mode::Mode, messages: u32) -> Scenario {
        Scenario {
            mode,
            messages,
            ..Scenario::default()
        }
    }

    /// Runs one input through a role on `node` and returns what it asked for.
    pub fn run(
        node: NodeId,
        scenario: &Scenario,
        armed: &mut Armed,
        tick: u64,
        handle: impl FnOnce(&mut Ctx<'_>),
    ) -> Vec<Output> {
        run_noted(node, scenario, armed, tick, handle).0
    }

    /// `run`, with what the role marked on the step's record.
    pub fn run_noted(
        node: NodeId,
        scenario: &Scenario,
        armed: &mut Armed,
        tick: u64,
        handle: impl FnOnce(&mut Ctx<'_>),
    ) -> (Vec<Output>, Notes) {
        let mut prng = Prng::new(scenario.seed);
        let mut out = Vec::new();
        let mut notes = Notes::default();
        let mask = armed
            .0
            .iter()
            .fold(0, |mask, (point, _, _)| mask | point.bit());
        let mut ctx = Ctx::new(
            node,
            tick,
            tick == 0,
            scenario,
            &mut prng,
            mask,
            armed,
            &mut out,
            &mut notes,
        );
        handle(&mut ctx);
        (out, notes)
    }

    /// `run`, with a group's database lent to the role (a Kafka consumer's).
    pub fn run_with_store(
        node: NodeId,
        scenario: &Scenario,
        store: &mut GroupStore,
        tick: u64,
        handle: impl FnOnce(&mut Ctx<'_>),
    ) -> Vec<Output> {
        let mut prng = Prng::new(scenario.seed);
        let mut out = Vec::new();
        let mut notes = Notes::default();
        let mut armed = Armed::default();
        let mut ctx = Ctx::new(
            node,
            tick,
            tick == 0,
            scenario,
            &mut prng,
            0,
            &mut armed,
            &mut out,
            &mut notes,
        );
        ctx.store = Some(store);
        handle(&mut ctx);
        out
    }

    /// The messages sent, as (to, kind, message).
    pub fn sends(outputs: &[Output]) -> Vec<(NodeId, MessageKind, u32)> {
        outputs
            .iter()
            .filter_map(|o| match o {
                Output::Send(s) => Some((s.to, s.kind, s.message)),
                _ => None,
            })
            .collect()
    }

    /// The timers set.
    pub fn timers(outputs: &[Output]) -> Vec<Timer> {
        outputs
            .iter()
            .filter_map(|o| match o {
                Output::SetTimer { timer, .. } => Some(*timer),
                _ => None,
            })
            .collect()
    }

    /// The records persisted.
    pub fn persisted(outputs: &[Output]) -> Vec<DiskRecord> {
        outputs
            .iter()
            .filter_map(|o| match o {
                Output::Persist(r) => Some(*r),
                _ => None,
            })
            .collect()
    }

    /// The facts reported.
    pub fn facts(outputs: &[Output]) -> Vec<Fact> {
        outputs
            .iter()
            .filter_map(|o| match o {
                Output::Fact(f) => Some(*f),
                _ => None,
            })
            .collect()
    }

    /// An envelope as the world would hand it over.
    pub fn envelope(
        from: NodeId,
        to: NodeId,
        kind: MessageKind,
        message: u32,
        tag: u32,
    ) -> Envelope {
        Envelope {
            link: LinkId::new(from, to),
            kind,
            message,
            tag,
            attempt: 1,
            sent_tick: 0,
            duplicate: false,
            lost: crate::network::LossReason::Arrives,
            cause: None,
            txn_kind: 0,
            extra: [0; 2],
        }
    }
}
