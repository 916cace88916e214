//! A 2PC participant: the resource manager on a node that a transaction enlists — the
//! producer DB, the broker (for publish and for consume) or the consumer DB.
//!
//! On PREPARE it makes its work and locks durable and votes yes, or votes no (which
//! lets it forget the work at once) — always no when the work is not all there: the
//! node crashed since and lost it, or part of it never arrived. A prepared participant never decides alone: it
//! holds its locks and asks the coordinator until it learns the decision. On COMMIT it
//! applies its work to the resource it manages and answers COMMITTED.
//!
//! Consume-transform-produce (`transaction.transform`): the consumer also publishes an
//! output oK for each input mK to a second queue, the output queue, on the broker.
//! Rather than enlisting a third participant, the broker's prepared work in the consume
//! transaction holds both the input ack and the output append — one participant, two
//! queues, made durable together by the one PREPARED record and applied together by the
//! one COMMIT. This is how Kafka does it: the consumed offsets and the produced records
//! are written in one transaction on the brokers. So the input ack, the side effect and
//! the output publish commit or abort together: an aborted consume leaves no output
//! behind, and a committed one leaves exactly one.

use crate::actor::coordinator::{TxnInfo, CONSUME, PUBLISH};
use crate::actor::{Because, Ctx, Fact, Input, Mark, Role, Timer};
use crate::disk::DiskRecord;
use crate::fault::CrashPoint;
use crate::limits::MAX_PREPARED_PER_PARTICIPANT;
use crate::mode::Mode;
use crate::network::{Envelope, MessageKind};
use crate::node::{NodeId, RoleKind};
use crate::speech::card;
use crate::trace::{Detail, EventKind, VoteNoReason};
use mqlab_text::Words;

/// One prepared transaction at a participant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Prepared {
    pub info: TxnInfo,
    pub since_tick: u64,
}

/// How many outcomes a participant remembers for answering repeated messages.
const OUTCOMES_KEPT: usize = 16;

/// What a participant's log holds.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub(crate) struct ParticipantDisk {
    /// Prepared transactions (their work and locks survive a crash).
    pub prepared: Vec<Prepared>,
    /// The most recent outcomes (txn, committed), newest last, bounded.
    pub outcomes: Vec<(u32, bool)>,
}

/// What a participant holds in memory, lost in a crash.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub(crate) struct ParticipantMemory {
    /// The last transaction seen and the vote given, for the view.
    pub last_seen: Option<(TxnInfo, Option<bool>)>,
}

/// A participant's state (one per node that can be enlisted).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub(crate) struct Participant {
    pub disk: ParticipantDisk,
    pub memory: ParticipantMemory,
}

/// The lock a participant holds while it is prepared on a transaction.
pub(crate) fn lock_name(
    node: NodeId,
    info: TxnInfo,
    last: u32,
    transform: bool,
    w: &Words,
) -> String {
    let run = |prefix: char| {
        if last > info.message {
            format!("{prefix}{}–{prefix}{last}", info.message)
        } else {
            format!("{prefix}{}", info.message)
        }
    };
    let msg = run('m');
    match (node.role(), info.kind) {
        (RoleKind::Producer, _) => card!(w, LockOrderRow, msg = msg),
        (RoleKind::Broker, PUBLISH) => card!(w, LockQueueSlot, msg = msg),
        (RoleKind::Broker, _) if transform => {
            card!(w, LockConsumedAndOutput, msg = msg, output = run('o'))
        }
        (RoleKind::Broker, _) => card!(w, LockConsumed, msg = msg),
        (_, _) => card!(w, LockAccountRow, msg = msg),
    }
}

impl Participant {
    fn outcome(&self, txn: u32) -> Option<bool> {
        self.disk
            .outcomes
            .iter()
            .rev()
            .find(|(t, _)| *t == txn)
            .map(|(_, c)| *c)
    }

    fn remember(&mut self, txn: u32, committed: bool) {
        if self.disk.outcomes.len() == OUTCOMES_KEPT {
            self.disk.outcomes.remove(0);
        }
        self.disk.outcomes.push((txn, committed));
    }

    /// True when this input is the participant's to handle rather than its host's.
    pub fn takes(input: &Input<'_>) -> bool {
        match input {
            Input::Timer(Timer::Query { .. }) => true,
            Input::Message(envelope) => matches!(
                envelope.kind,
                MessageKind::Prepare | MessageKind::Commit | MessageKind::Abort
            ),
            Input::Start
            | Input::Crash
            | Input::Recover
            | Input::Timer(_)
            | Input::ConnectionClosed(_)
            | Input::ConnectionOpened(_)
            | Input::ReplayDeadLetters => false,
        }
    }

    /// The participant's answer to an input; `resource` is the host's state that a
    /// committed transaction changes.
    pub fn handle(&mut self, input: Input<'_>, resource: &mut Role, ctx: &mut Ctx<'_>) {
        if ctx.mode() != Mode::Transactional {
            return;
        }
        match input {
            Input::Message(envelope) => match envelope.kind {
                MessageKind::Prepare => self.on_prepare(envelope, resource, ctx),
                MessageKind::Commit | MessageKind::Abort => {
                    self.on_decision(envelope, resource, ctx)
                }
                _ => {}
            },
            Input::Timer(Timer::Query { txn }) => self.query(txn, ctx),
            Input::Crash => self.memory = ParticipantMemory::default(),
            Input::Recover => self.recover(ctx),
            Input::Start
            | Input::Timer(_)
            | Input::ConnectionClosed(_)
            | Input::ConnectionOpened(_)
            | Input::ReplayDeadLetters => {}
        }
    }

    fn vote(&self, yes: bool, info: TxnInfo, ctx: &mut Ctx<'_>) {
        let kind = if yes {
            MessageKind::VoteYes
        } else {
            MessageKind::VoteNo
        };
        self.answer(kind, info, ctx);
    }

    fn answer(&self, kind: MessageKind, info: TxnInfo, ctx: &mut Ctx<'_>) {
        ctx.send(
            NodeId::COORDINATOR,
            kind,
            info.message,
            info.txn,
            1,
            Because::Given(None),
            info.kind,
        );
    }

    fn on_prepare(&mut self, envelope: &Envelope, resource: &mut Role, ctx: &mut Ctx<'_>) {
        let node = ctx.id;
        let info = TxnInfo {
            txn: envelope.tag,
            kind: envelope.txn_kind,
            message: envelope.message,
        };
        if self.disk.prepared.iter().any(|x| x.info.txn == info.txn) {
            ctx.detail(Detail::RepeatedVote);
            self.vote(true, info, ctx);
            return;
        }
        match self.outcome(info.txn) {
            Some(false) => {
                ctx.detail(Detail::VotedNo {
                    reason: VoteNoReason::AlreadyAborted,
                });
                self.vote(false, info, ctx);
                return;
            }
            Some(true) => {
                ctx.detail(Detail::Ignored);
                return;
            }
            None => {}
        }
        if node.role() == CrashPoint::ParticipantBeforeVote.node().role()
            && ctx.crash_point(CrashPoint::ParticipantBeforeVote, info.message)
        {
            return;
        }
        let reason = if !resource.works().is_some_and(|w| w.complete(info.txn)) {
            Some(VoteNoReason::WorkMissing)
        } else if self
            .disk
            .prepared
            .iter()
            .any(|x| x.info.message == info.message && x.info.kind == info.kind)
        {
            Some(VoteNoReason::LockHeld)
        } else if self.disk.prepared.len() >= MAX_PREPARED_PER_PARTICIPANT as usize {
            Some(VoteNoReason::TooManyPrepared)
        } else if ctx.chance(ctx.scenario.transaction.vote_no) {
            Some(VoteNoReason::Chosen)
        } else {
            None
        };
        // Either way the work leaves the node's memory: a yes vote makes it durable in
        // the participant's log, a no vote forgets it.
        if let Some(works) = resource.works_mut() {
            works.end(info.txn);
        }
        if let Some(reason) = reason {
            // Voting no is a unilateral abort: the participant may forget the work.
            ctx.detail(Detail::VotedNo { reason });
            self.remember(info.txn, false);
            self.memory.last_seen = Some((info, Some(false)));
            ctx.fact(Fact::Outcome {
                txn: info.txn,
                commit: false,
            });
            self.vote(false, info, ctx);
            return;
        }
        ctx.detail(Detail::VotedYes);
        self.disk.prepared.push(Prepared {
            info,
            since_tick: ctx.tick,
        });
        self.memory.last_seen = Some((info, Some(true)));
        let last = ctx.group_last(info.message);
        ctx.persist(DiskRecord::Prepared {
            txn: info.txn,
            kind: info.kind,
            message: info.message,
            last,
        });
        if node.role() == RoleKind::Broker
            && ctx.crash_point(CrashPoint::BrokerAfterFsync, info.message)
        {
            // The prepared record is on the broker's disk; no vote went out.
            return;
        }
        ctx.fact(Fact::InDoubt {
            txn: info.txn,
            first: info.message,
            last,
        });
        self.vote(true, info, ctx);
        if node.role() == CrashPoint::ParticipantAfterVoteYes.node().role()
            && ctx.crash_point(CrashPoint::ParticipantAfterVoteYes, info.message)
        {
            return;
        }
        ctx.set_timer(
            ctx.scenario.transaction.in_doubt_query_ticks,
            Timer::Query { txn: info.txn },
        );
    }

    fn on_decision(&mut self, envelope: &Envelope, resource: &mut Role, ctx: &mut Ctx<'_>) {
        let node = ctx.id;
        let txn = envelope.tag;
        let commit = envelope.kind == MessageKind::Commit;
        let Some(position) = self.disk.prepared.iter().position(|x| x.info.txn == txn) else {
            if let Some(works) = resource.works_mut().filter(|w| !commit && w.has(txn)) {
                // Aborted before it prepared: the work in memory is rolled back.
                works.end(txn);
                self.remember(txn, false);
                ctx.detail(Detail::AbortedTxn);
            } else if commit && self.outcome(txn) == Some(true) {
                ctx.detail(Detail::AlreadyCommitted);
                let about = TxnInfo {
                    txn,
                    kind: envelope.txn_kind,
                    message: envelope.message,
                };
                self.answer(MessageKind::Committed, about, ctx);
            } else {
                ctx.detail(Detail::Ignored);
            }
            return;
        };
        let info = self.disk.prepared.remove(position).info;
        self.remember(txn, commit);
        ctx.fact(Fact::Decision { txn });
        ctx.fact(Fact::Outcome { txn, commit });
        if !commit {
            ctx.detail(Detail::AbortedTxn);
            ctx.persist(DiskRecord::Abort(txn));
            return;
        }
        ctx.detail(Detail::CommittedTxn);
        ctx.persist(DiskRecord::Commit(txn));
        // The whole group commits in this one step: all of its messages become
        // published, visible, acked or applied together.
        let last = ctx.group_last(info.message);
        let transform = ctx.scenario.transforms();
        if transform && node.role() == RoleKind::Broker && info.kind == CONSUME {
            ctx.persist(DiskRecord::OutputAppended {
                message: info.message,
                last,
            });
        }
        for message in info.message..=last {
            match (&mut *resource, info.kind) {
                (Role::Producer(producer), _) => {
                    producer.commit_published(message);
                    ctx.fact(Fact::Published(message));
                }
                (Role::Replica(_) | Role::Controller(_) | Role::Topic(_) | Role::Member(_), _) => {}
                (Role::Broker(broker), PUBLISH) => {
                    broker.commit_publish(message);
                    ctx.fact(Fact::StoredByTxn { message, txn });
                }
                (Role::Broker(broker), _) => {
                    broker.commit_consume(message);
                    ctx.fact(Fact::Acked(message));
                    if transform {
                        // The output append was part of the broker's prepared work: it
                        // becomes visible in the same step as the input's ack.
                        broker.append_output(message);
                        ctx.fact(Fact::Output(message));
                    }
                }
                (Role::Consumer(consumer), _) => {
                    consumer.apply_side_effect(message);
                    ctx.fact(Fact::Applied {
                        message,
                        cause: None,
                        redelivered: false,
                    });
                }
                (Role::Coordinator(_), _) => {}
            }
        }
        if node.role() == CrashPoint::ParticipantAfterCommit.node().role()
            && ctx.crash_point(CrashPoint::ParticipantAfterCommit, info.message)
        {
            return;
        }
        self.answer(MessageKind::Committed, info, ctx);
    }

    /// Still in doubt: ask the coordinator for the decision, and again later.
    fn query(&mut self, txn: u32, ctx: &mut Ctx<'_>) {
        let Some(prepared) = self.disk.prepared.iter().find(|x| x.info.txn == txn) else {
            return;
        };
        let info = prepared.info;
        ctx.step(EventKind::Query);
        ctx.mark(info.mark());
        ctx.mark(Mark::Kind(MessageKind::Query));
        ctx.mark(Mark::Peer(NodeId::COORDINATOR));
        self.answer(MessageKind::Query, info, ctx);
        ctx.set_timer(
            ctx.scenario.transaction.in_doubt_query_ticks,
            Timer::Query { txn },
        );
    }

    /// A restarted participant finds its prepared transactions in its log: it is in
    /// doubt about each and asks the coordinator soon.
    fn recover(&mut self, ctx: &mut Ctx<'_>) {
        for prepared in &self.disk.prepared {
            ctx.set_timer(
                1,
                Timer::Query {
                    txn: prepared.info.txn,
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::bench::{self, Armed};
    use crate::actor::{Consumer, Output};
    use crate::scenario::Scenario;

    fn scenario() -> Scenario {
        bench::scenario(Mode::Transactional, 2)
    }

    fn prepare(txn: u32, kind: u8) -> Envelope {
        let mut envelope = bench::envelope(
            NodeId::COORDINATOR,
            NodeId::CONSUMER,
            MessageKind::Prepare,
            1,
            txn,
        );
        envelope.txn_kind = kind;
        envelope
    }

    fn decision(txn: u32, commit: bool) -> Envelope {
        let kind = if commit {
            MessageKind::Commit
        } else {
            MessageKind::Abort
        };
        let mut envelope = bench::envelope(NodeId::COORDINATOR, NodeId::CONSUMER, kind, 1, txn);
        envelope.txn_kind = CONSUME;
        envelope
    }

    /// The consumer with m1 applied and acked inside t2, not yet committed.
    fn worked(txn: u32) -> Role {
        let mut consumer = Consumer::new(2);
        consumer.memory.work.open(txn, CONSUME, 1, 1).mark(1);
        Role::Consumer(consumer)
    }

    /// The consumer DB's participant after it prepared t2 (consuming m1).
    fn prepared(s: &Scenario) -> (Participant, Role) {
        let mut participant = Participant::default();
        let mut db = worked(2);
        bench::run(NodeId::CONSUMER, s, &mut Armed::default(), 5, |ctx| {
            participant.handle(Input::Message(&prepare(2, CONSUME)), &mut db, ctx)
        });
        (participant, db)
    }

    #[test]
    fn prepare_without_the_work_votes_no_and_logs_nothing() {
        let s = scenario();
        let mut participant = Participant::default();
        let mut db = Role::Consumer(Consumer::new(2));
        let (out, notes) =
            bench::run_noted(NodeId::CONSUMER, &s, &mut Armed::default(), 5, |ctx| {
                participant.handle(Input::Message(&prepare(2, CONSUME)), &mut db, ctx)
            });
        assert_eq!(
            notes.detail,
            Some(Detail::VotedNo {
                reason: VoteNoReason::WorkMissing
            })
        );
        assert!(bench::persisted(&out).is_empty());
        assert_eq!(
            bench::sends(&out),
            vec![(NodeId::COORDINATOR, MessageKind::VoteNo, 1)]
        );
    }

    #[test]
    fn prepare_logs_prepared_votes_yes_and_waits_in_doubt() {
        let s = scenario();
        let mut participant = Participant::default();
        let mut db = worked(2);
        let out = bench::run(NodeId::CONSUMER, &s, &mut Armed::default(), 5, |ctx| {
            participant.handle(Input::Message(&prepare(2, CONSUME)), &mut db, ctx)
        });
        assert_eq!(
            bench::persisted(&out),
            vec![DiskRecord::Prepared {
                txn: 2,
                kind: CONSUME,
                message: 1,
                last: 1
            }]
        );
        assert_eq!(
            bench::sends(&out),
            vec![(NodeId::COORDINATOR, MessageKind::VoteYes, 1)]
        );
        assert_eq!(bench::timers(&out), vec![Timer::Query { txn: 2 }]);
        assert_eq!(participant.disk.prepared.len(), 1);
        assert!(
            !db.works().is_some_and(|w| w.has(2)),
            "the work is in the prepared record now"
        );
    }

    #[test]
    fn commit_applies_the_side_effect_to_the_database_it_manages_and_answers_committed() {
        let s = scenario();
        let (mut participant, mut db) = prepared(&s);
        let out = bench::run(NodeId::CONSUMER, &s, &mut Armed::default(), 9, |ctx| {
            participant.handle(Input::Message(&decision(2, true)), &mut db, ctx)
        });
        let Role::Consumer(consumer) = &db else {
            unreachable!()
        };
        assert_eq!(consumer.disk.applied, vec![1, 0]);
        assert_eq!(
            bench::sends(&out),
            vec![(NodeId::COORDINATOR, MessageKind::Committed, 1)]
        );
        assert!(participant.disk.prepared.is_empty());
    }

    #[test]
    fn abort_releases_the_work_without_touching_the_database() {
        let s = scenario();
        let (mut participant, mut db) = prepared(&s);
        let out = bench::run(NodeId::CONSUMER, &s, &mut Armed::default(), 9, |ctx| {
            participant.handle(Input::Message(&decision(2, false)), &mut db, ctx)
        });
        let Role::Consumer(consumer) = &db else {
            unreachable!()
        };
        assert_eq!(consumer.disk.applied, vec![0, 0]);
        assert_eq!(bench::persisted(&out), vec![DiskRecord::Abort(2)]);
        assert!(bench::sends(&out).is_empty());
    }

    #[test]
    fn a_restarted_participant_asks_about_each_prepared_transaction() {
        let s = scenario();
        let (mut participant, mut db) = prepared(&s);
        bench::run(NodeId::CONSUMER, &s, &mut Armed::default(), 6, |ctx| {
            participant.handle(Input::Crash, &mut db, ctx)
        });
        assert_eq!(participant.memory, ParticipantMemory::default());
        let out = bench::run(NodeId::CONSUMER, &s, &mut Armed::default(), 40, |ctx| {
            participant.handle(Input::Recover, &mut db, ctx)
        });
        assert_eq!(
            out,
            vec![Output::SetTimer {
                delay_ticks: 1,
                timer: Timer::Query { txn: 2 }
            }]
        );
    }
}
