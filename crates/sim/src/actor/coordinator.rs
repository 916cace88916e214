//! The 2PC coordinator (transactional mode), with its durable decision log. It enlists
//! the producer DB and the broker for "write and publish", the broker and the consumer
//! DB for "consume, apply, ack" (see `participant` for their side).
//!
//! A transaction has a work phase before the two phases of the commit: the coordinator
//! logs BEGIN and tells the application to do the work — the producer publishes the
//! messages, which the broker holds invisible inside the transaction; or the broker
//! delivers them to the consumer, which applies and acks them inside it. When the
//! application says the work is done, phase 1 starts: PREPARE to both participants.
//!
//! The protocol is presumed abort: only COMMIT is logged; a transaction the coordinator
//! has no COMMIT for is aborted, whoever asks. Up to "max in flight" transactions run at
//! once: the publishes of the first messages, and each message's consume as soon as its
//! publish has ended (committed at both participants, so the broker has it in its log).

use crate::actor::{Because, Ctx, Fact, Input, Mark, Timer};
use crate::disk::DiskRecord;
use crate::fault::CrashPoint;
use crate::limits::MAX_TRANSACTIONS;
use crate::mode::Mode;
use crate::network::{Envelope, MessageKind};
use crate::node::NodeId;
use crate::trace::{Detail, EventKind};

/// Transaction kinds, as stored in envelopes and records.
pub(crate) const PUBLISH: u8 = 0;
pub(crate) const CONSUME: u8 = 1;

/// A transaction's identity and work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TxnInfo {
    pub txn: u32,
    pub kind: u8,
    pub message: u32,
}

impl TxnInfo {
    /// The mark that names this transaction on the step's record.
    pub fn mark(self) -> Mark {
        Mark::Txn {
            txn: self.txn,
            message: self.message,
            kind: self.kind,
        }
    }
}

/// Where the coordinator is with its current transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ActivePhase {
    /// Begun: the application is doing the work.
    Working,
    Preparing,
    Committing,
}

/// The transaction in progress: the votes and the acknowledgements of the commit,
/// one slot per participant of its kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Active {
    pub info: TxnInfo,
    pub phase: ActivePhase,
    pub votes: [Option<bool>; 2],
    pub committed: [bool; 2],
}

/// The coordinator's decision log and what it derives from it.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub(crate) struct CoordinatorDisk {
    /// The next transaction id.
    pub next_txn: u32,
    /// Per transaction id, true when COMMIT is logged.
    pub committed: Vec<bool>,
    /// The transactions begun and not ended, oldest first.
    pub open: Vec<TxnInfo>,
    /// Derived from the log's END records: per message, its publish transaction ended
    /// committed, and its consume transaction did.
    pub published: Vec<bool>,
    pub consumed: Vec<bool>,
    /// How many messages were consumed.
    pub consumed_count: u32,
    /// Below these messages, every publish (consume) ended committed.
    pub publish_cursor: u32,
    pub consume_cursor: u32,
    /// The log's latest finished transaction and whether it committed (for the panel).
    pub last_outcome: Option<(TxnInfo, bool)>,
}

/// What the coordinator holds in memory, lost in a crash.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub(crate) struct CoordinatorMemory {
    /// The transactions in progress, oldest first.
    pub active: Vec<Active>,
    /// A "begin the next transaction" timer is set.
    pub next_scheduled: bool,
}

/// The coordinator's state.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub(crate) struct Coordinator {
    pub disk: CoordinatorDisk,
    pub memory: CoordinatorMemory,
}

/// The two participants that a transaction enlists.
fn participants(info: TxnInfo, ctx: &Ctx<'_>) -> [NodeId; 2] {
    ctx.scenario.topology.participants(info.kind, info.message)
}

/// How long the coordinator waits for a transaction's work: its messages make two
/// round trips (publish and confirm, or deliver and ack, then the word that the work
/// is done), twice what a vote takes.
fn work_timeout_ticks(ctx: &Ctx<'_>) -> u64 {
    ctx.scenario
        .transaction
        .vote_timeout_ticks
        .saturating_mul(2)
}

impl Coordinator {
    pub fn new() -> Coordinator {
        Coordinator {
            disk: CoordinatorDisk {
                next_txn: 1,
                committed: vec![false],
                publish_cursor: 1,
                consume_cursor: 1,
                ..CoordinatorDisk::default()
            },
            memory: CoordinatorMemory::default(),
        }
    }

    pub fn is_committed(&self, txn: u32) -> bool {
        self.disk
            .committed
            .get(txn as usize)
            .copied()
            .unwrap_or(false)
    }

    pub fn handle(&mut self, input: Input<'_>, ctx: &mut Ctx<'_>) {
        if ctx.mode() != Mode::Transactional {
            return;
        }
        match input {
            Input::Start => {
                self.memory.next_scheduled = true;
                ctx.set_timer(0, Timer::NextTransaction);
            }
            Input::Timer(Timer::NextTransaction) => self.begin_next(ctx),
            Input::Timer(Timer::WorkTimeout { txn }) => {
                self.time_out(txn, ActivePhase::Working, Detail::WorkTimedOut, ctx)
            }
            Input::Timer(Timer::VoteTimeout { txn }) => {
                self.time_out(txn, ActivePhase::Preparing, Detail::DecidedAbort, ctx)
            }
            Input::Timer(Timer::ResendDecision { txn }) => self.resend(txn, ctx),
            Input::Message(envelope) => match envelope.kind {
                MessageKind::WorkDone => self.on_work_done(envelope, ctx),
                MessageKind::VoteYes | MessageKind::VoteNo => self.on_vote(envelope, ctx),
                MessageKind::Committed => self.on_committed(envelope, ctx),
                MessageKind::Query => self.on_query(envelope, ctx),
                _ => {}
            },
            Input::Crash => self.memory = CoordinatorMemory::default(),
            Input::Recover => self.recover(ctx),
            Input::Timer(_)
            | Input::ConnectionClosed(_)
            | Input::ConnectionOpened(_)
            | Input::ReplayDeadLetters => {}
        }
    }

    fn schedule_next(&mut self, delay: u64, ctx: &mut Ctx<'_>) {
        if self.memory.next_scheduled {
            return;
        }
        self.memory.next_scheduled = true;
        ctx.set_timer(delay, Timer::NextTransaction);
    }

    /// Sends one 2PC message about `info` to a participant.
    fn tell(&self, to: NodeId, kind: MessageKind, info: TxnInfo, ctx: &mut Ctx<'_>) {
        ctx.send(
            to,
            kind,
            info.message,
            info.txn,
            1,
            Because::Given(None),
            info.kind,
        );
    }

    fn decided(&self, txn: u32, commit: bool, ctx: &mut Ctx<'_>) {
        ctx.fact(Fact::Decided { txn, commit });
    }

    /// The next work to begin, if the window has room: the consume of the earliest
    /// message that is published and not consumed, or else the publish of the earliest
    /// message not published; never a second transaction for the same work.
    fn next_work(&mut self, ctx: &Ctx<'_>) -> Option<(u8, u32)> {
        let messages = ctx.messages();
        let size = ctx.scenario.transaction.size.max(1);
        let d = &mut self.disk;
        while d.publish_cursor <= messages && flag(&d.published, d.publish_cursor) {
            d.publish_cursor += size;
        }
        while d.consume_cursor <= messages && flag(&d.consumed, d.consume_cursor) {
            d.consume_cursor += size;
        }
        let busy = |kind: u8, first: u32| {
            self.memory
                .active
                .iter()
                .any(|a| a.info.kind == kind && a.info.message == first)
        };
        let d = &self.disk;
        // Published groups lie below the publish cursor or among the few above it that
        // ended early.
        let published_end = d
            .publish_cursor
            .saturating_add(size.saturating_mul(self.memory.active.len() as u32 + 1));
        let mut first = d.consume_cursor;
        while first <= messages && first < published_end {
            if flag(&d.published, first) && !flag(&d.consumed, first) && !busy(CONSUME, first) {
                return Some((CONSUME, first));
            }
            first += size;
        }
        let mut first = d.publish_cursor;
        while first <= messages {
            if !flag(&d.published, first) && !busy(PUBLISH, first) {
                return Some((PUBLISH, first));
            }
            first += size;
        }
        None
    }

    /// Begins the next transaction if the window has room for one, and sets the timer
    /// for the one after it.
    fn begin_next(&mut self, ctx: &mut Ctx<'_>) {
        self.memory.next_scheduled = false;
        let window = ctx.scenario.timing.producer_window.max(1) as usize;
        if self.memory.active.len() >= window || self.disk.next_txn >= MAX_TRANSACTIONS {
            return;
        }
        let Some((kind, message)) = self.next_work(ctx) else {
            return;
        };
        let txn = self.disk.next_txn;
        self.disk.next_txn += 1;
        self.disk.committed.push(false);
        let info = TxnInfo { txn, kind, message };
        self.disk.open.push(info);
        let last = ctx.group_last(message);
        ctx.fact(Fact::TxnBegun {
            txn,
            consume: kind == CONSUME,
            first: message,
            last,
        });
        ctx.persist(DiskRecord::Begin {
            txn,
            kind,
            message,
            last,
        });
        self.memory.active.push(Active {
            info,
            phase: ActivePhase::Working,
            votes: [None, None],
            committed: [false, false],
        });
        ctx.step(EventKind::TxnBegin);
        ctx.mark(Mark::Txn { txn, message, kind });
        ctx.mark(Mark::Kind(MessageKind::Begin));
        // The application that does the work: the producer publishes, the broker
        // delivers (the first participant of either kind).
        let [worker, _] = participants(info, ctx);
        ctx.mark(Mark::Peer(worker));
        self.tell(worker, MessageKind::Begin, info, ctx);
        ctx.set_timer(work_timeout_ticks(ctx), Timer::WorkTimeout { txn });
        // Room for another? Each transaction begins in its own step.
        self.schedule_next(0, ctx);
    }

    /// The application's work is done: phase 1, the prepares.
    fn on_work_done(&mut self, envelope: &Envelope, ctx: &mut Ctx<'_>) {
        let Some(mut active) = self.active_in(envelope.tag, ActivePhase::Working) else {
            ctx.detail(Detail::Ignored);
            return;
        };
        let info = active.info;
        active.phase = ActivePhase::Preparing;
        self.put(active);
        ctx.mark(info.mark());
        ctx.mark(Mark::Kind(MessageKind::Prepare));
        for node in participants(info, ctx) {
            self.tell(node, MessageKind::Prepare, info, ctx);
        }
        if ctx.crash_point(CrashPoint::CoordinatorAfterPrepareSent, info.message) {
            return;
        }
        ctx.set_timer(
            ctx.scenario.transaction.vote_timeout_ticks,
            Timer::VoteTimeout { txn: info.txn },
        );
    }

    /// The work, or the votes, did not all come back in time (a crash, a lost
    /// message): if the transaction is still in that phase, abort it.
    fn time_out(&mut self, txn: u32, phase: ActivePhase, detail: Detail, ctx: &mut Ctx<'_>) {
        let Some(active) = self.active_in(txn, phase) else {
            return;
        };
        let info = active.info;
        ctx.step(EventKind::VoteTimeout);
        ctx.mark(info.mark());
        ctx.detail(detail);
        self.abort(info, ctx);
    }

    /// Presumed abort: nothing is logged; the transaction is simply forgotten, and
    /// anyone who asks later gets ABORT because there is no COMMIT in the log.
    fn abort(&mut self, info: TxnInfo, ctx: &mut Ctx<'_>) {
        self.decided(info.txn, false, ctx);
        for node in participants(info, ctx) {
            self.tell(node, MessageKind::Abort, info, ctx);
        }
        self.end(info.txn);
        self.disk.last_outcome = Some((info, false));
        self.schedule_next(ctx.scenario.transaction.retry_after_abort_ticks, ctx);
    }

    fn commit(&mut self, info: TxnInfo, ctx: &mut Ctx<'_>) {
        if ctx.crash_point(CrashPoint::CoordinatorAfterVotes, info.message) {
            return;
        }
        ctx.persist(DiskRecord::DecisionCommit(info.txn));
        if let Some(slot) = self.disk.committed.get_mut(info.txn as usize) {
            *slot = true;
        }
        self.decided(info.txn, true, ctx);
        if let Some(active) = self
            .memory
            .active
            .iter_mut()
            .find(|a| a.info.txn == info.txn)
        {
            active.phase = ActivePhase::Committing;
        }
        ctx.detail(Detail::DecidedCommit);
        if ctx.crash_point(CrashPoint::CoordinatorAfterDecisionLogged, info.message) {
            return;
        }
        let [first, second] = participants(info, ctx);
        self.tell(first, MessageKind::Commit, info, ctx);
        if ctx.crash_point(CrashPoint::CoordinatorMidBroadcast, info.message) {
            return;
        }
        self.tell(second, MessageKind::Commit, info, ctx);
        ctx.set_timer(
            ctx.scenario.transaction.decision_resend_ticks,
            Timer::ResendDecision { txn: info.txn },
        );
    }

    fn on_vote(&mut self, envelope: &Envelope, ctx: &mut Ctx<'_>) {
        let txn = envelope.tag;
        let from = envelope.link.from;
        let yes = envelope.kind == MessageKind::VoteYes;
        let about = TxnInfo {
            txn,
            kind: envelope.txn_kind,
            message: envelope.message,
        };
        let Some(mut active) = self.active_in(txn, ActivePhase::Preparing) else {
            // A vote for a transaction that is no longer being prepared.
            if self.is_committed(txn) {
                ctx.detail(Detail::LateVoteAnswered { commit: true });
                self.tell(from, MessageKind::Commit, about, ctx);
            } else if yes {
                ctx.detail(Detail::LateVoteAnswered { commit: false });
                self.decided(txn, false, ctx);
                self.tell(from, MessageKind::Abort, about, ctx);
            } else {
                ctx.detail(Detail::Ignored);
            }
            return;
        };
        let Some(slot) = participants(active.info, ctx)
            .iter()
            .position(|p| *p == from)
        else {
            ctx.detail(Detail::Ignored);
            return;
        };
        if !yes {
            ctx.detail(Detail::DecidedAbort);
            self.abort(active.info, ctx);
            return;
        }
        active.votes[slot] = Some(true);
        self.put(active);
        if active.votes.iter().all(|v| *v == Some(true)) {
            self.commit(active.info, ctx);
        } else {
            ctx.detail(Detail::VoteRecorded);
        }
    }

    fn on_committed(&mut self, envelope: &Envelope, ctx: &mut Ctx<'_>) {
        let txn = envelope.tag;
        let Some(mut active) = self.active_in(txn, ActivePhase::Committing) else {
            ctx.detail(Detail::Ignored);
            return;
        };
        let from = envelope.link.from;
        let Some(slot) = participants(active.info, ctx)
            .iter()
            .position(|p| *p == from)
        else {
            ctx.detail(Detail::Ignored);
            return;
        };
        active.committed[slot] = true;
        if active.committed.iter().all(|c| *c) {
            ctx.detail(Detail::TxnEnded);
            ctx.persist(DiskRecord::End(txn));
            self.ended_committed(active.info, ctx);
            self.end(txn);
            self.disk.last_outcome = Some((active.info, true));
            self.schedule_next(1, ctx);
        } else {
            ctx.detail(Detail::ParticipantDone);
            self.put(active);
        }
    }

    /// The END record of a committed transaction: its messages are published, or
    /// consumed, for good.
    fn ended_committed(&mut self, info: TxnInfo, ctx: &Ctx<'_>) {
        let messages = ctx.messages() as usize;
        let d = &mut self.disk;
        let flags = if info.kind == PUBLISH {
            &mut d.published
        } else {
            &mut d.consumed
        };
        if flags.len() < messages {
            flags.resize(messages, false);
        }
        let mut newly = 0;
        for message in info.message..=ctx.group_last(info.message) {
            if let Some(slot) = flags.get_mut((message as usize).wrapping_sub(1)) {
                newly += u32::from(!*slot);
                *slot = true;
            }
        }
        if info.kind == CONSUME {
            d.consumed_count += newly;
        }
    }

    /// The transaction in progress, if it is `txn` and in `phase`.
    fn active_in(&self, txn: u32, phase: ActivePhase) -> Option<Active> {
        self.memory
            .active
            .iter()
            .find(|a| a.info.txn == txn && a.phase == phase)
            .copied()
    }

    /// Keeps the new state of a transaction in progress.
    fn put(&mut self, active: Active) {
        match self
            .memory
            .active
            .iter_mut()
            .find(|a| a.info.txn == active.info.txn)
        {
            Some(slot) => *slot = active,
            None => self.memory.active.push(active),
        }
    }

    /// The transaction is over (committed everywhere, or aborted).
    fn end(&mut self, txn: u32) {
        self.memory.active.retain(|a| a.info.txn != txn);
        self.disk.open.retain(|info| info.txn != txn);
    }

    /// True when every message was consumed.
    pub fn all_consumed(&self, messages: u32) -> bool {
        self.disk.consumed_count >= messages
    }

    fn resend(&mut self, txn: u32, ctx: &mut Ctx<'_>) {
        let Some(active) = self.active_in(txn, ActivePhase::Committing) else {
            return;
        };
        let info = active.info;
        ctx.step(EventKind::DecisionResend);
        ctx.mark(info.mark());
        ctx.mark(Mark::Kind(MessageKind::Commit));
        for (slot, node) in participants(info, ctx).into_iter().enumerate() {
            if !active.committed[slot] {
                self.tell(node, MessageKind::Commit, info, ctx);
            }
        }
        ctx.set_timer(
            ctx.scenario.transaction.decision_resend_ticks,
            Timer::ResendDecision { txn },
        );
    }

    fn on_query(&mut self, envelope: &Envelope, ctx: &mut Ctx<'_>) {
        let txn = envelope.tag;
        let about = TxnInfo {
            txn,
            kind: envelope.txn_kind,
            message: envelope.message,
        };
        let from = envelope.link.from;
        if self.is_committed(txn) {
            ctx.detail(Detail::Answered { commit: Some(true) });
            self.tell(from, MessageKind::Commit, about, ctx);
        } else if self.memory.active.iter().any(|a| a.info.txn == txn) {
            ctx.detail(Detail::Answered { commit: None });
        } else {
            ctx.detail(Detail::Answered {
                commit: Some(false),
            });
            self.decided(txn, false, ctx);
            self.tell(from, MessageKind::Abort, about, ctx);
        }
    }

    /// Recovery: re-send each logged COMMIT whose participants may not all know it,
    /// and abort (by presumption) each transaction begun without a decision.
    fn recover(&mut self, ctx: &mut Ctx<'_>) {
        let open = self.disk.open.clone();
        for info in open {
            ctx.mark(info.mark());
            if self.is_committed(info.txn) {
                ctx.detail(Detail::RecoveredCommit);
                self.memory.active.push(Active {
                    info,
                    phase: ActivePhase::Committing,
                    votes: [Some(true), Some(true)],
                    committed: [false, false],
                });
                for node in participants(info, ctx) {
                    self.tell(node, MessageKind::Commit, info, ctx);
                }
                ctx.set_timer(
                    ctx.scenario.transaction.decision_resend_ticks,
                    Timer::ResendDecision { txn: info.txn },
                );
            } else {
                ctx.detail(Detail::RecoveredPresumedAbort);
                ctx.persist(DiskRecord::PresumedAbort(info.txn));
                self.abort(info, ctx);
            }
        }
        self.schedule_next(1, ctx);
    }
}

/// A per-message flag, false beyond what was recorded.
fn flag(flags: &[bool], message: u32) -> bool {
    flags
        .get((message as usize).wrapping_sub(1))
        .copied()
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::bench::{self, Armed};
    use crate::actor::Output;
    use crate::scenario::Scenario;

    fn scenario() -> Scenario {
        bench::scenario(Mode::Transactional, 2)
    }

    fn vote(from: NodeId, yes: bool, txn: u32) -> Envelope {
        let kind = if yes {
            MessageKind::VoteYes
        } else {
            MessageKind::VoteNo
        };
        bench::envelope(from, NodeId::COORDINATOR, kind, 1, txn)
    }

    fn work_done(txn: u32) -> Envelope {
        bench::envelope(
            NodeId::PRODUCER,
            NodeId::COORDINATOR,
            MessageKind::WorkDone,
            1,
            txn,
        )
    }

    /// The coordinator with t1 begun and its work done: the prepares are out.
    fn begun(s: &Scenario) -> Coordinator {
        let mut coordinator = Coordinator::new();
        bench::run(NodeId::COORDINATOR, s, &mut Armed::default(), 1, |ctx| {
            coordinator.handle(Input::Timer(Timer::NextTransaction), ctx)
        });
        bench::run(NodeId::COORDINATOR, s, &mut Armed::default(), 2, |ctx| {
            coordinator.handle(Input::Message(&work_done(1)), ctx)
        });
        coordinator
    }

    /// The producer DB and the broker both vote yes on t1.
    fn both_vote_yes(s: &Scenario, coordinator: &mut Coordinator, armed: &mut Armed) {
        for from in [NodeId::PRODUCER, NodeId::BROKER] {
            bench::run(NodeId::COORDINATOR, s, armed, 3, |ctx| {
                coordinator.handle(Input::Message(&vote(from, true, 1)), ctx)
            });
        }
    }

    #[test]
    fn the_first_transaction_publishes_m1_and_the_producer_does_the_work_first() {
        let s = scenario();
        let mut coordinator = Coordinator::new();
        let out = bench::run(NodeId::COORDINATOR, &s, &mut Armed::default(), 1, |ctx| {
            coordinator.handle(Input::Timer(Timer::NextTransaction), ctx)
        });
        assert_eq!(
            bench::sends(&out),
            vec![(NodeId::PRODUCER, MessageKind::Begin, 1)]
        );
        assert_eq!(
            bench::persisted(&out),
            vec![DiskRecord::Begin {
                txn: 1,
                kind: PUBLISH,
                message: 1,
                last: 1
            }]
        );
        assert_eq!(
            bench::timers(&out),
            vec![Timer::WorkTimeout { txn: 1 }, Timer::NextTransaction],
            "and the next transaction may begin beside it"
        );
    }

    #[test]
    fn when_the_work_is_done_phase_1_prepares_both_participants() {
        let s = scenario();
        let mut coordinator = Coordinator::new();
        bench::run(NodeId::COORDINATOR, &s, &mut Armed::default(), 1, |ctx| {
            coordinator.handle(Input::Timer(Timer::NextTransaction), ctx)
        });
        let out = bench::run(NodeId::COORDINATOR, &s, &mut Armed::default(), 9, |ctx| {
            coordinator.handle(Input::Message(&work_done(1)), ctx)
        });
        assert_eq!(
            bench::sends(&out),
            vec![
                (NodeId::PRODUCER, MessageKind::Prepare, 1),
                (NodeId::BROKER, MessageKind::Prepare, 1)
            ]
        );
        assert_eq!(bench::timers(&out), vec![Timer::VoteTimeout { txn: 1 }]);
        let again = bench::run(NodeId::COORDINATOR, &s, &mut Armed::default(), 10, |ctx| {
            coordinator.handle(Input::Message(&work_done(1)), ctx)
        });
        assert!(
            bench::sends(&again).is_empty(),
            "a repeated word changes nothing"
        );
    }

    #[test]
    fn work_that_does_not_come_back_in_time_is_aborted_and_retried() {
        let s = scenario();
        let mut coordinator = Coordinator::new();
        bench::run(NodeId::COORDINATOR, &s, &mut Armed::default(), 1, |ctx| {
            coordinator.handle(Input::Timer(Timer::NextTransaction), ctx)
        });
        let out = bench::run(NodeId::COORDINATOR, &s, &mut Armed::default(), 41, |ctx| {
            coordinator.handle(Input::Timer(Timer::WorkTimeout { txn: 1 }), ctx)
        });
        assert_eq!(
            bench::sends(&out),
            vec![
                (NodeId::PRODUCER, MessageKind::Abort, 1),
                (NodeId::BROKER, MessageKind::Abort, 1)
            ]
        );
        assert!(
            bench::persisted(&out).is_empty(),
            "presumed abort logs nothing"
        );
        assert!(coordinator.memory.active.is_empty());
        assert!(coordinator.disk.open.is_empty());
    }

    #[test]
    fn several_transactions_run_side_by_side_up_to_the_window() {
        let mut s = bench::scenario(Mode::Transactional, 5);
        s.timing.producer_window = 2;
        let mut coordinator = Coordinator::new();
        let mut begun = Vec::new();
        for tick in 0..3 {
            let out = bench::run(
                NodeId::COORDINATOR,
                &s,
                &mut Armed::default(),
                tick,
                |ctx| coordinator.handle(Input::Timer(Timer::NextTransaction), ctx),
            );
            begun.extend(bench::sends(&out));
        }
        assert_eq!(
            begun,
            vec![
                (NodeId::PRODUCER, MessageKind::Begin, 1),
                (NodeId::PRODUCER, MessageKind::Begin, 2)
            ],
            "two in flight, and no third"
        );
    }

    #[test]
    fn two_yes_votes_log_commit_before_sending_it() {
        let s = scenario();
        let mut coordinator = begun(&s);
        bench::run(NodeId::COORDINATOR, &s, &mut Armed::default(), 3, |ctx| {
            coordinator.handle(Input::Message(&vote(NodeId::PRODUCER, true, 1)), ctx)
        });
        let out = bench::run(NodeId::COORDINATOR, &s, &mut Armed::default(), 4, |ctx| {
            coordinator.handle(Input::Message(&vote(NodeId::BROKER, true, 1)), ctx)
        });
        let logged = out
            .iter()
            .position(|o| *o == Output::Persist(DiskRecord::DecisionCommit(1)));
        let sent = out.iter().position(|o| matches!(o, Output::Send(_)));
        assert!(logged.is_some() && logged < sent, "{out:?}");
        assert_eq!(
            bench::sends(&out),
            vec![
                (NodeId::PRODUCER, MessageKind::Commit, 1),
                (NodeId::BROKER, MessageKind::Commit, 1)
            ]
        );
        assert!(coordinator.is_committed(1));
    }

    #[test]
    fn a_no_vote_aborts_by_presumption_without_logging_anything() {
        let s = scenario();
        let mut coordinator = begun(&s);
        let out = bench::run(NodeId::COORDINATOR, &s, &mut Armed::default(), 3, |ctx| {
            coordinator.handle(Input::Message(&vote(NodeId::BROKER, false, 1)), ctx)
        });
        assert!(bench::persisted(&out).is_empty());
        assert_eq!(
            bench::sends(&out),
            vec![
                (NodeId::PRODUCER, MessageKind::Abort, 1),
                (NodeId::BROKER, MessageKind::Abort, 1)
            ]
        );
        assert_eq!(
            bench::facts(&out),
            vec![Fact::Decided {
                txn: 1,
                commit: false
            }]
        );
    }

    #[test]
    fn a_crash_after_the_votes_leaves_no_decision_and_recovery_presumes_abort() {
        let s = scenario();
        let mut coordinator = begun(&s);
        let mut armed = Armed(vec![(
            CrashPoint::CoordinatorAfterVotes,
            NodeId::COORDINATOR,
            None,
        )]);
        both_vote_yes(&s, &mut coordinator, &mut armed);
        assert!(!coordinator.is_committed(1));
        bench::run(NodeId::COORDINATOR, &s, &mut Armed::default(), 4, |ctx| {
            coordinator.handle(Input::Crash, ctx)
        });
        let out = bench::run(NodeId::COORDINATOR, &s, &mut Armed::default(), 30, |ctx| {
            coordinator.handle(Input::Recover, ctx)
        });
        assert_eq!(bench::persisted(&out), vec![DiskRecord::PresumedAbort(1)]);
        assert!(bench::sends(&out)
            .iter()
            .all(|(_, kind, _)| *kind == MessageKind::Abort));
    }

    #[test]
    fn a_query_about_a_committed_transaction_is_answered_commit() {
        let s = scenario();
        let mut coordinator = begun(&s);
        both_vote_yes(&s, &mut coordinator, &mut Armed::default());
        let query = bench::envelope(
            NodeId::BROKER,
            NodeId::COORDINATOR,
            MessageKind::Query,
            1,
            1,
        );
        let out = bench::run(NodeId::COORDINATOR, &s, &mut Armed::default(), 9, |ctx| {
            coordinator.handle(Input::Message(&query), ctx)
        });
        assert_eq!(
            bench::sends(&out),
            vec![(NodeId::BROKER, MessageKind::Commit, 1)]
        );
    }
}
