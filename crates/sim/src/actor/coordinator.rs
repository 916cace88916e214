//! The 2PC coordinator (transactional mode), with its durable decision log. It enlists
//! the producer DB and the broker for "write and publish", the broker and the consumer
//! DB for "consume, apply, ack" (see `participant` for their side).
//!
//! The protocol is presumed abort: only COMMIT is logged; a transaction the coordinator
//! has no COMMIT for is aborted, whoever asks. Transactions run one at a time, m1's
//! publish, then m1's consume, then m2's publish and so on, so that the coordinator
//! panel always shows one transaction's story.

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
    /// The transaction begun and not ended, if any.
    pub open: Option<TxnInfo>,
    /// Derived from the logged COMMITs: messages whose publish, and whose consume,
    /// transaction committed.
    pub done_publish: u32,
    pub done_consume: u32,
    /// The log's latest finished transaction and whether it committed (for the panel).
    pub last_outcome: Option<(TxnInfo, bool)>,
}

/// What the coordinator holds in memory, lost in a crash.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub(crate) struct CoordinatorMemory {
    /// The transaction in progress.
    pub active: Option<Active>,
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

impl Coordinator {
    pub fn new() -> Coordinator {
        Coordinator {
            disk: CoordinatorDisk {
                next_txn: 1,
                committed: vec![false],
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
            Input::Timer(Timer::VoteTimeout { txn }) => self.vote_timeout(txn, ctx),
            Input::Timer(Timer::ResendDecision { txn }) => self.resend(txn, ctx),
            Input::Message(envelope) => match envelope.kind {
                MessageKind::VoteYes | MessageKind::VoteNo => self.on_vote(envelope, ctx),
                MessageKind::Committed => self.on_committed(envelope, ctx),
                MessageKind::Query => self.on_query(envelope, ctx),
                _ => {}
            },
            Input::Crash => self.memory = CoordinatorMemory::default(),
            Input::Recover => self.recover(ctx),
            Input::Timer(_) | Input::ConnectionClosed(_) | Input::ConnectionOpened(_) => {}
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

    /// Begins the next transaction: the earliest message whose publish, or else whose
    /// consume, has not committed.
    fn begin_next(&mut self, ctx: &mut Ctx<'_>) {
        self.memory.next_scheduled = false;
        if self.memory.active.is_some() || self.disk.next_txn >= MAX_TRANSACTIONS {
            return;
        }
        let d = &self.disk;
        let (kind, message) = if d.done_publish > d.done_consume {
            (CONSUME, d.done_consume + 1)
        } else if d.done_publish < ctx.messages() {
            (PUBLISH, d.done_publish + 1)
        } else {
            return;
        };
        let txn = self.disk.next_txn;
        self.disk.next_txn += 1;
        self.disk.committed.push(false);
        let info = TxnInfo { txn, kind, message };
        self.disk.open = Some(info);
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
        self.memory.active = Some(Active {
            info,
            phase: ActivePhase::Preparing,
            votes: [None, None],
            committed: [false, false],
        });
        ctx.step(EventKind::TxnBegin);
        ctx.mark(Mark::Txn { txn, message, kind });
        ctx.mark(Mark::Kind(MessageKind::Prepare));
        for node in participants(info, ctx) {
            self.tell(node, MessageKind::Prepare, info, ctx);
        }
        if ctx.crash_point(CrashPoint::CoordinatorAfterPrepareSent, message) {
            return;
        }
        ctx.set_timer(
            ctx.scenario.transaction.vote_timeout_ticks,
            Timer::VoteTimeout { txn },
        );
    }

    /// Presumed abort: nothing is logged; the transaction is simply forgotten, and
    /// anyone who asks later gets ABORT because there is no COMMIT in the log.
    fn abort(&mut self, info: TxnInfo, ctx: &mut Ctx<'_>) {
        self.decided(info.txn, false, ctx);
        for node in participants(info, ctx) {
            self.tell(node, MessageKind::Abort, info, ctx);
        }
        self.memory.active = None;
        self.disk.open = None;
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
        let last = ctx.group_last(info.message);
        if info.kind == PUBLISH {
            self.disk.done_publish = self.disk.done_publish.max(last);
        } else {
            self.disk.done_consume = self.disk.done_consume.max(last);
        }
        if let Some(active) = &mut self.memory.active {
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
        self.memory.active = Some(active);
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
            self.memory.active = None;
            self.disk.open = None;
            self.disk.last_outcome = Some((active.info, true));
            self.schedule_next(1, ctx);
        } else {
            ctx.detail(Detail::ParticipantDone);
            self.memory.active = Some(active);
        }
    }

    /// The transaction in progress, if it is `txn` and in `phase`.
    fn active_in(&self, txn: u32, phase: ActivePhase) -> Option<Active> {
        self.memory
            .active
            .filter(|a| a.info.txn == txn && a.phase == phase)
    }

    fn vote_timeout(&mut self, txn: u32, ctx: &mut Ctx<'_>) {
        let Some(active) = self.active_in(txn, ActivePhase::Preparing) else {
            return;
        };
        let info = active.info;
        ctx.step(EventKind::VoteTimeout);
        ctx.mark(info.mark());
        ctx.detail(Detail::DecidedAbort);
        self.abort(info, ctx);
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
        } else if self.memory.active.is_some_and(|a| a.info.txn == txn) {
            ctx.detail(Detail::Answered { commit: None });
        } else {
            ctx.detail(Detail::Answered {
                commit: Some(false),
            });
            self.decided(txn, false, ctx);
            self.tell(from, MessageKind::Abort, about, ctx);
        }
    }

    /// Recovery: re-send a logged COMMIT whose participants may not all know it, or
    /// abort (by presumption) a transaction begun without a decision.
    fn recover(&mut self, ctx: &mut Ctx<'_>) {
        let Some(info) = self.disk.open else {
            self.schedule_next(1, ctx);
            return;
        };
        ctx.mark(info.mark());
        if self.is_committed(info.txn) {
            ctx.detail(Detail::RecoveredCommit);
            self.memory.active = Some(Active {
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
            return;
        }
        ctx.detail(Detail::RecoveredPresumedAbort);
        ctx.persist(DiskRecord::PresumedAbort(info.txn));
        self.abort(info, ctx);
    }
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

    fn begun(s: &Scenario) -> Coordinator {
        let mut coordinator = Coordinator::new();
        bench::run(NodeId::COORDINATOR, s, &mut Armed::default(), 1, |ctx| {
            coordinator.handle(Input::Timer(Timer::NextTransaction), ctx)
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
    fn the_first_transaction_publishes_m1_and_prepares_both_participants() {
        let s = scenario();
        let mut coordinator = Coordinator::new();
        let out = bench::run(NodeId::COORDINATOR, &s, &mut Armed::default(), 1, |ctx| {
            coordinator.handle(Input::Timer(Timer::NextTransaction), ctx)
        });
        assert_eq!(
            bench::sends(&out),
            vec![
                (NodeId::PRODUCER, MessageKind::Prepare, 1),
                (NodeId::BROKER, MessageKind::Prepare, 1)
            ]
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
        assert_eq!(bench::timers(&out), vec![Timer::VoteTimeout { txn: 1 }]);
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
