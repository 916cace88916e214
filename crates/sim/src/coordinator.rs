//! Two-phase commit in the pipeline (transactional mode): the coordinator, with its
//! durable decision log, and the participants it enlists — the producer DB and the
//! broker for "write and publish", the broker and the consumer DB for "consume, apply,
//! ack".
//!
//! The protocol is presumed abort: only COMMIT is logged; a transaction the coordinator
//! has no COMMIT for is aborted, whoever asks. A prepared participant never decides
//! alone: it holds its locks and asks until it learns the decision. Transactions run one
//! at a time, m1's publish, then m1's consume, then m2's publish and so on, so that the
//! coordinator panel always shows one transaction's story.
//!
//! Consume-transform-produce (`transaction.transform`): the consumer also publishes an
//! output oK for each input mK to a second queue, the output queue, which lives on the
//! broker. Rather than enlisting a third participant, the broker's prepared work in the
//! consume transaction holds both the input ack and the output append — one
//! participant, two queues, made durable together by the one PREPARED record and
//! applied together by the one COMMIT. This is how Kafka does it: the consumed offsets
//! and the produced records are written in one transaction on the brokers. The
//! transaction keeps its two participants (broker, consumer DB), so the input ack, the
//! side effect and the output publish commit or abort together: an aborted consume
//! leaves no output behind, and a committed one leaves exactly one.

use crate::disk::DiskRecord;
use crate::fault::CrashPoint;
use crate::limits::{MAX_PREPARED_PER_PARTICIPANT, MAX_TRANSACTIONS};
use crate::network::{Envelope, MessageKind};
use crate::node::NodeId;
use crate::sim::{Sim, What};
use crate::trace::{participants, Detail, EventKind, VoteNoReason};

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

/// Where the coordinator is with its current transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ActivePhase {
    Preparing,
    Committing,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Active {
    pub info: TxnInfo,
    pub phase: ActivePhase,
    pub votes: [Option<bool>; 2],
    pub committed: [bool; 2],
}

/// The coordinator's state.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub(crate) struct Coordinator {
    /// Durable: the next transaction id.
    pub next_txn: u32,
    /// Durable: per transaction id, true when COMMIT is logged.
    pub committed: Vec<bool>,
    /// Durable: the transaction begun and not ended, if any.
    pub open: Option<TxnInfo>,
    /// Durable (derived from the logged COMMITs): messages whose publish, and whose
    /// consume, transaction committed.
    pub done_publish: u32,
    pub done_consume: u32,
    /// Volatile: the transaction in progress.
    pub active: Option<Active>,
    /// Volatile: a "begin the next transaction" event is scheduled.
    pub next_scheduled: bool,
    /// Volatile: the last finished transaction and whether it committed (for the view).
    pub last_outcome: Option<(TxnInfo, bool)>,
}

impl Coordinator {
    pub fn new() -> Coordinator {
        Coordinator {
            next_txn: 1,
            committed: vec![false],
            ..Coordinator::default()
        }
    }

    pub fn is_committed(&self, txn: u32) -> bool {
        self.committed.get(txn as usize).copied().unwrap_or(false)
    }
}

/// One prepared transaction at a participant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Prepared {
    pub info: TxnInfo,
    pub since_tick: u64,
}

/// A participant's state (one per node that can be enlisted).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub(crate) struct Participant {
    /// Durable: prepared transactions (their work and locks survive a crash).
    pub prepared: Vec<Prepared>,
    /// Durable: the most recent outcomes (txn, committed), newest last, bounded.
    pub outcomes: Vec<(u32, bool)>,
    /// Volatile: the last transaction seen and the vote given, for the view.
    pub last_seen: Option<(TxnInfo, Option<bool>)>,
}

/// How many outcomes a participant remembers for answering repeated messages.
const OUTCOMES_KEPT: usize = 16;

impl Participant {
    fn outcome(&self, txn: u32) -> Option<bool> {
        self.outcomes
            .iter()
            .rev()
            .find(|(t, _)| *t == txn)
            .map(|(_, c)| *c)
    }

    fn remember(&mut self, txn: u32, committed: bool) {
        if self.outcomes.len() == OUTCOMES_KEPT {
            self.outcomes.remove(0);
        }
        self.outcomes.push((txn, committed));
    }
}

/// The lock a participant holds while it is prepared on a transaction.
pub(crate) fn lock_name(node: NodeId, info: TxnInfo, last: u32, transform: bool) -> String {
    let m = if last > info.message {
        format!("{}–m{last}", info.message)
    } else {
        info.message.to_string()
    };
    match (node, info.kind) {
        (NodeId::Producer, _) => format!("order row m{m}"),
        (NodeId::Broker, PUBLISH) => format!("queue slot for m{m}"),
        (NodeId::Broker, _) if transform => {
            let o = if last > info.message {
                format!("{}–o{last}", info.message)
            } else {
                info.message.to_string()
            };
            format!("message m{m} (being consumed) and output slot o{o}")
        }
        (NodeId::Broker, _) => format!("message m{m} (being consumed)"),
        (_, _) => format!("account row for m{m}"),
    }
}

fn slot_of(kind: u8, node: NodeId) -> Option<usize> {
    participants(kind).iter().position(|p| *p == node)
}

impl Sim {
    fn participant_index(node: NodeId) -> usize {
        node.index().min(2)
    }

    /// The last message of the group that begins with `first` (transaction size k).
    pub(crate) fn group_last(&self, first: u32) -> u32 {
        self.scenario.group_of(first).1.max(first)
    }

    fn coordinator_up(&self) -> bool {
        self.nodes[NodeId::Coordinator.index()].up
    }

    fn schedule_coordinator_next(&mut self, delay: u64) {
        if self.coordinator.next_scheduled || !self.coordinator_up() {
            return;
        }
        self.coordinator.next_scheduled = true;
        self.schedule(delay, What::CoordinatorNext);
    }

    /// Begins the next transaction: the earliest message whose publish, or else whose
    /// consume, has not committed.
    pub(crate) fn coordinator_next(&mut self) {
        self.coordinator.next_scheduled = false;
        if self.coordinator.active.is_some() || self.coordinator.next_txn >= MAX_TRANSACTIONS {
            return;
        }
        let c = &self.coordinator;
        let (kind, message) = if c.done_publish > c.done_consume {
            (CONSUME, c.done_consume + 1)
        } else if c.done_publish < self.messages {
            (PUBLISH, c.done_publish + 1)
        } else {
            return;
        };
        let txn = self.coordinator.next_txn;
        self.coordinator.next_txn += 1;
        self.coordinator.committed.push(false);
        let info = TxnInfo { txn, kind, message };
        self.coordinator.open = Some(info);
        let last = self.group_last(message);
        self.ledger
            .on_txn_begin(txn, kind == CONSUME, message, last);
        self.log(
            NodeId::Coordinator,
            DiskRecord::Begin {
                txn,
                kind,
                message,
                last,
            },
        );
        self.coordinator.active = Some(Active {
            info,
            phase: ActivePhase::Preparing,
            votes: [None, None],
            committed: [false, false],
        });
        self.begin(EventKind::TxnBegin, NodeId::Coordinator);
        self.cur.txn = txn;
        self.cur.message = message;
        self.cur.txn_kind = kind;
        self.cur.message_kind = Some(MessageKind::Prepare);
        for node in participants(kind) {
            self.send(
                NodeId::Coordinator,
                node,
                MessageKind::Prepare,
                message,
                txn,
                1,
                None,
                kind,
            );
        }
        if self.crash_point(CrashPoint::CoordinatorAfterPrepareSent, message) {
            return;
        }
        self.schedule(
            self.scenario.transaction.vote_timeout_ticks,
            What::CoordinatorVoteTimeout { txn },
        );
    }

    fn coordinator_abort(&mut self, info: TxnInfo) {
        // Presumed abort: nothing is logged; the transaction is simply forgotten, and
        // anyone who asks later gets ABORT because there is no COMMIT in the log.
        self.ledger
            .checker_mut()
            .observe_decision(info.txn, false, self.step_index);
        self.ledger.on_txn_decided(info.txn, false, self.step_index);
        for node in participants(info.kind) {
            self.send(
                NodeId::Coordinator,
                node,
                MessageKind::Abort,
                info.message,
                info.txn,
                1,
                None,
                info.kind,
            );
        }
        self.coordinator.active = None;
        self.coordinator.open = None;
        self.coordinator.last_outcome = Some((info, false));
        self.schedule_coordinator_next(self.scenario.transaction.retry_after_abort_ticks);
    }

    fn coordinator_commit(&mut self, info: TxnInfo) {
        if self.crash_point(CrashPoint::CoordinatorAfterVotes, info.message) {
            return;
        }
        self.log(NodeId::Coordinator, DiskRecord::DecisionCommit(info.txn));
        if let Some(slot) = self.coordinator.committed.get_mut(info.txn as usize) {
            *slot = true;
        }
        self.ledger
            .checker_mut()
            .observe_decision(info.txn, true, self.step_index);
        self.ledger.on_txn_decided(info.txn, true, self.step_index);
        let last = self.group_last(info.message);
        if info.kind == PUBLISH {
            self.coordinator.done_publish = self.coordinator.done_publish.max(last);
        } else {
            self.coordinator.done_consume = self.coordinator.done_consume.max(last);
        }
        if let Some(active) = &mut self.coordinator.active {
            active.phase = ActivePhase::Committing;
        }
        self.cur.detail = Detail::DecidedCommit;
        if self.crash_point(CrashPoint::CoordinatorAfterDecisionLogged, info.message) {
            return;
        }
        let [first, second] = participants(info.kind);
        self.send(
            NodeId::Coordinator,
            first,
            MessageKind::Commit,
            info.message,
            info.txn,
            1,
            None,
            info.kind,
        );
        if self.crash_point(CrashPoint::CoordinatorMidBroadcast, info.message) {
            return;
        }
        self.send(
            NodeId::Coordinator,
            second,
            MessageKind::Commit,
            info.message,
            info.txn,
            1,
            None,
            info.kind,
        );
        self.schedule(
            self.scenario.transaction.decision_resend_ticks,
            What::CoordinatorResend { txn: info.txn },
        );
    }

    pub(crate) fn coordinator_on_vote(&mut self, envelope: Envelope) {
        self.begin(EventKind::Vote, NodeId::Coordinator);
        self.describe_envelope(&envelope);
        let txn = envelope.tag;
        let from = envelope.link.from;
        let yes = envelope.kind == MessageKind::VoteYes;
        let Some(active) = self
            .coordinator
            .active
            .filter(|a| a.info.txn == txn && a.phase == ActivePhase::Preparing)
        else {
            // A vote for a transaction that is no longer being prepared.
            if self.coordinator.is_committed(txn) {
                self.cur.detail = Detail::LateVoteAnswered { commit: true };
                self.send(
                    NodeId::Coordinator,
                    from,
                    MessageKind::Commit,
                    envelope.message,
                    txn,
                    1,
                    None,
                    envelope.txn_kind,
                );
            } else if yes {
                self.cur.detail = Detail::LateVoteAnswered { commit: false };
                self.ledger
                    .checker_mut()
                    .observe_decision(txn, false, self.step_index);
                self.ledger.on_txn_decided(txn, false, self.step_index);
                self.send(
                    NodeId::Coordinator,
                    from,
                    MessageKind::Abort,
                    envelope.message,
                    txn,
                    1,
                    None,
                    envelope.txn_kind,
                );
            } else {
                self.cur.detail = Detail::Ignored;
            }
            return;
        };
        let Some(slot) = slot_of(active.info.kind, from) else {
            self.cur.detail = Detail::Ignored;
            return;
        };
        if !yes {
            self.cur.detail = Detail::DecidedAbort;
            self.coordinator_abort(active.info);
            return;
        }
        let mut active = active;
        active.votes[slot] = Some(true);
        self.coordinator.active = Some(active);
        if active.votes.iter().all(|v| *v == Some(true)) {
            self.coordinator_commit(active.info);
        } else {
            self.cur.detail = Detail::VoteRecorded;
        }
    }

    pub(crate) fn coordinator_on_committed(&mut self, envelope: Envelope) {
        self.begin(EventKind::Committed, NodeId::Coordinator);
        self.describe_envelope(&envelope);
        let txn = envelope.tag;
        let Some(mut active) = self
            .coordinator
            .active
            .filter(|a| a.info.txn == txn && a.phase == ActivePhase::Committing)
        else {
            self.cur.detail = Detail::Ignored;
            return;
        };
        let Some(slot) = slot_of(active.info.kind, envelope.link.from) else {
            self.cur.detail = Detail::Ignored;
            return;
        };
        active.committed[slot] = true;
        if active.committed.iter().all(|c| *c) {
            self.cur.detail = Detail::TxnEnded;
            self.log(NodeId::Coordinator, DiskRecord::End(txn));
            self.coordinator.active = None;
            self.coordinator.open = None;
            self.coordinator.last_outcome = Some((active.info, true));
            self.schedule_coordinator_next(1);
        } else {
            self.cur.detail = Detail::ParticipantDone;
            self.coordinator.active = Some(active);
        }
    }

    pub(crate) fn coordinator_vote_timeout(&mut self, txn: u32) {
        let Some(active) = self
            .coordinator
            .active
            .filter(|a| a.info.txn == txn && a.phase == ActivePhase::Preparing)
        else {
            return;
        };
        self.begin(EventKind::VoteTimeout, NodeId::Coordinator);
        self.cur.txn = txn;
        self.cur.message = active.info.message;
        self.cur.txn_kind = active.info.kind;
        self.cur.detail = Detail::DecidedAbort;
        self.coordinator_abort(active.info);
    }

    pub(crate) fn coordinator_resend(&mut self, txn: u32) {
        let Some(active) = self
            .coordinator
            .active
            .filter(|a| a.info.txn == txn && a.phase == ActivePhase::Committing)
        else {
            return;
        };
        self.begin(EventKind::DecisionResend, NodeId::Coordinator);
        self.cur.txn = txn;
        self.cur.message = active.info.message;
        self.cur.txn_kind = active.info.kind;
        self.cur.message_kind = Some(MessageKind::Commit);
        for (slot, node) in participants(active.info.kind).into_iter().enumerate() {
            if !active.committed[slot] {
                self.send(
                    NodeId::Coordinator,
                    node,
                    MessageKind::Commit,
                    active.info.message,
                    txn,
                    1,
                    None,
                    active.info.kind,
                );
            }
        }
        self.schedule(
            self.scenario.transaction.decision_resend_ticks,
            What::CoordinatorResend { txn },
        );
    }

    pub(crate) fn coordinator_on_query(&mut self, envelope: Envelope) {
        self.begin(EventKind::QueryAnswer, NodeId::Coordinator);
        self.describe_envelope(&envelope);
        let txn = envelope.tag;
        let from = envelope.link.from;
        if self.coordinator.is_committed(txn) {
            self.cur.detail = Detail::Answered { commit: Some(true) };
            self.send(
                NodeId::Coordinator,
                from,
                MessageKind::Commit,
                envelope.message,
                txn,
                1,
                None,
                envelope.txn_kind,
            );
        } else if self.coordinator.active.is_some_and(|a| a.info.txn == txn) {
            self.cur.detail = Detail::Answered { commit: None };
        } else {
            self.cur.detail = Detail::Answered {
                commit: Some(false),
            };
            self.ledger
                .checker_mut()
                .observe_decision(txn, false, self.step_index);
            self.ledger.on_txn_decided(txn, false, self.step_index);
            self.send(
                NodeId::Coordinator,
                from,
                MessageKind::Abort,
                envelope.message,
                txn,
                1,
                None,
                envelope.txn_kind,
            );
        }
    }

    pub(crate) fn coordinator_crash(&mut self) {
        self.coordinator.active = None;
        self.coordinator.next_scheduled = false;
    }

    /// Recovery: re-send a logged COMMIT whose participants may not all know it, or
    /// abort (by presumption) a transaction begun without a decision.
    pub(crate) fn coordinator_restart(&mut self) {
        if let Some(info) = self.coordinator.open {
            self.cur.txn = info.txn;
            self.cur.message = info.message;
            self.cur.txn_kind = info.kind;
            if self.coordinator.is_committed(info.txn) {
                self.cur.detail = Detail::RecoveredCommit;
                self.coordinator.active = Some(Active {
                    info,
                    phase: ActivePhase::Committing,
                    votes: [Some(true), Some(true)],
                    committed: [false, false],
                });
                for node in participants(info.kind) {
                    self.send(
                        NodeId::Coordinator,
                        node,
                        MessageKind::Commit,
                        info.message,
                        info.txn,
                        1,
                        None,
                        info.kind,
                    );
                }
                self.schedule(
                    self.scenario.transaction.decision_resend_ticks,
                    What::CoordinatorResend { txn: info.txn },
                );
                return;
            }
            self.cur.detail = Detail::RecoveredPresumedAbort;
            self.log(NodeId::Coordinator, DiskRecord::PresumedAbort(info.txn));
            self.coordinator_abort(info);
            return;
        }
        self.schedule_coordinator_next(1);
    }

    // ----- participants -----

    pub(crate) fn participant_on_prepare(&mut self, envelope: Envelope) {
        let node = envelope.link.to;
        let p = Sim::participant_index(node);
        self.begin(EventKind::Prepare, node);
        self.describe_envelope(&envelope);
        let info = TxnInfo {
            txn: envelope.tag,
            kind: envelope.txn_kind,
            message: envelope.message,
        };
        if self.participants[p]
            .prepared
            .iter()
            .any(|x| x.info.txn == info.txn)
        {
            self.cur.detail = Detail::RepeatedVote;
            self.send(
                node,
                NodeId::Coordinator,
                MessageKind::VoteYes,
                info.message,
                info.txn,
                1,
                None,
                info.kind,
            );
            return;
        }
        match self.participants[p].outcome(info.txn) {
            Some(false) => {
                self.cur.detail = Detail::VotedNo {
                    reason: VoteNoReason::AlreadyAborted,
                };
                self.send(
                    node,
                    NodeId::Coordinator,
                    MessageKind::VoteNo,
                    info.message,
                    info.txn,
                    1,
                    None,
                    info.kind,
                );
                return;
            }
            Some(true) => {
                self.cur.detail = Detail::Ignored;
                return;
            }
            None => {}
        }
        if node == CrashPoint::ParticipantBeforeVote.node()
            && self.crash_point(CrashPoint::ParticipantBeforeVote, info.message)
        {
            return;
        }
        let reason = if self.participants[p]
            .prepared
            .iter()
            .any(|x| x.info.message == info.message && x.info.kind == info.kind)
        {
            Some(VoteNoReason::LockHeld)
        } else if self.participants[p].prepared.len() >= MAX_PREPARED_PER_PARTICIPANT as usize {
            Some(VoteNoReason::TooManyPrepared)
        } else if self.prng.chance(self.scenario.transaction.vote_no) {
            Some(VoteNoReason::Chosen)
        } else {
            None
        };
        if let Some(reason) = reason {
            // Voting no is a unilateral abort: the participant may forget the work.
            self.cur.detail = Detail::VotedNo { reason };
            self.participants[p].remember(info.txn, false);
            self.participants[p].last_seen = Some((info, Some(false)));
            self.ledger
                .checker_mut()
                .observe_outcome(info.txn, node, false, self.step_index);
            self.send(
                node,
                NodeId::Coordinator,
                MessageKind::VoteNo,
                info.message,
                info.txn,
                1,
                None,
                info.kind,
            );
            return;
        }
        self.cur.detail = Detail::VotedYes;
        self.participants[p].prepared.push(Prepared {
            info,
            since_tick: self.tick,
        });
        self.participants[p].last_seen = Some((info, Some(true)));
        let last = self.group_last(info.message);
        self.log(
            node,
            DiskRecord::Prepared {
                txn: info.txn,
                kind: info.kind,
                message: info.message,
                last,
            },
        );
        if node == NodeId::Consumer {
            for message in info.message..=last {
                self.ledger.on_delivered(message);
            }
        }
        self.ledger
            .open_in_doubt(node, info.txn, (info.message, last), self.tick);
        self.send(
            node,
            NodeId::Coordinator,
            MessageKind::VoteYes,
            info.message,
            info.txn,
            1,
            None,
            info.kind,
        );
        if node == CrashPoint::ParticipantAfterVoteYes.node()
            && self.crash_point(CrashPoint::ParticipantAfterVoteYes, info.message)
        {
            return;
        }
        self.schedule(
            self.scenario.transaction.in_doubt_query_ticks,
            What::ParticipantQuery {
                node,
                txn: info.txn,
            },
        );
    }

    pub(crate) fn participant_on_decision(&mut self, envelope: Envelope) {
        let node = envelope.link.to;
        let p = Sim::participant_index(node);
        self.begin(EventKind::Decision, node);
        self.describe_envelope(&envelope);
        let txn = envelope.tag;
        let commit = envelope.kind == MessageKind::Commit;
        let Some(position) = self.participants[p]
            .prepared
            .iter()
            .position(|x| x.info.txn == txn)
        else {
            if commit && self.participants[p].outcome(txn) == Some(true) {
                self.cur.detail = Detail::AlreadyCommitted;
                self.send(
                    node,
                    NodeId::Coordinator,
                    MessageKind::Committed,
                    envelope.message,
                    txn,
                    1,
                    None,
                    envelope.txn_kind,
                );
            } else {
                self.cur.detail = Detail::Ignored;
            }
            return;
        };
        let prepared = self.participants[p].prepared.remove(position);
        let info = prepared.info;
        self.participants[p].remember(txn, commit);
        self.ledger.close_in_doubt(node, txn, self.tick);
        self.ledger
            .checker_mut()
            .observe_outcome(txn, node, commit, self.step_index);
        if !commit {
            self.cur.detail = Detail::AbortedTxn;
            self.log(node, DiskRecord::Abort(txn));
            return;
        }
        self.cur.detail = Detail::CommittedTxn;
        self.log(node, DiskRecord::Commit(txn));
        // The whole group commits in this one step: all of its messages become
        // published, visible, acked or applied together.
        let last = self.group_last(info.message);
        let transform = self.scenario.transforms();
        if transform && node == NodeId::Broker && info.kind == CONSUME {
            self.log(
                node,
                DiskRecord::OutputAppended {
                    message: info.message,
                    last,
                },
            );
        }
        for message in info.message..=last {
            match (node, info.kind) {
                (NodeId::Producer, _) => self.ledger.on_published(message),
                (NodeId::Broker, PUBLISH) => self.ledger.on_stored_by_txn(message, txn),
                (NodeId::Broker, _) => {
                    self.ledger.on_acked(message);
                    if transform {
                        // The output append was part of the broker's prepared work: it
                        // becomes visible in the same step as the input's ack.
                        if let Some(count) = self
                            .broker
                            .outputs
                            .get_mut((message as usize).wrapping_sub(1))
                        {
                            *count = count.saturating_add(1);
                        }
                        self.ledger.on_output(message);
                    }
                }
                (_, _) => {
                    if let Some(count) = self
                        .consumer
                        .applied
                        .get_mut((message as usize).wrapping_sub(1))
                    {
                        *count += 1;
                    }
                    self.ledger
                        .on_applied(message, self.step_index, None, false);
                }
            }
        }
        if node == CrashPoint::ParticipantAfterCommit.node()
            && self.crash_point(CrashPoint::ParticipantAfterCommit, info.message)
        {
            return;
        }
        self.send(
            node,
            NodeId::Coordinator,
            MessageKind::Committed,
            info.message,
            txn,
            1,
            None,
            info.kind,
        );
    }

    pub(crate) fn participant_query(&mut self, node: NodeId, txn: u32) {
        let p = Sim::participant_index(node);
        let Some(prepared) = self.participants[p]
            .prepared
            .iter()
            .find(|x| x.info.txn == txn)
            .copied()
        else {
            return;
        };
        self.begin(EventKind::Query, node);
        self.cur.txn = txn;
        self.cur.message = prepared.info.message;
        self.cur.txn_kind = prepared.info.kind;
        self.cur.message_kind = Some(MessageKind::Query);
        self.cur.peer = Some(NodeId::Coordinator);
        self.send(
            node,
            NodeId::Coordinator,
            MessageKind::Query,
            prepared.info.message,
            txn,
            1,
            None,
            prepared.info.kind,
        );
        self.schedule(
            self.scenario.transaction.in_doubt_query_ticks,
            What::ParticipantQuery { node, txn },
        );
    }

    /// A restarted participant finds its prepared transactions in its log: it is in
    /// doubt about each and asks the coordinator soon.
    pub(crate) fn participant_restart(&mut self, node: NodeId) {
        let p = Sim::participant_index(node);
        self.participants[p].last_seen = None;
        let txns: Vec<u32> = self.participants[p]
            .prepared
            .iter()
            .map(|x| x.info.txn)
            .collect();
        for txn in txns {
            self.schedule(1, What::ParticipantQuery { node, txn });
        }
    }
}
