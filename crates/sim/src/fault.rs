//! Faults as data: named crash points, user commands and planned faults.

use std::fmt;
use std::str::FromStr;

use mqlab_text::narration::Key;
use mqlab_text::{Entry as _, Words};
use serde::{Deserialize, Serialize};

use crate::mode::Mode;
use crate::names::{named_serde, parse_name, UnknownName};
use crate::network::{LinkId, MessageKind};
use crate::node::NodeId;
use crate::ratio::Ratio;

/// A named protocol step at which a node can be made to crash: the breakpoint
/// vocabulary shared by the core, the CLI, the page and its links.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CrashPoint {
    /// The producer is about to send the publish.
    ProducerBeforeSend,
    /// The producer has sent the publish and has no confirm yet.
    ProducerAfterSend,
    /// The producer has recorded the confirm.
    ProducerAfterConfirm,
    /// The broker has appended the message in memory, before the fsync.
    BrokerAfterAppend,
    /// The broker has fsynced the message, before sending the confirm.
    BrokerAfterFsync,
    /// The broker has sent the delivery, before any ack.
    BrokerAfterDeliver,
    /// The consumer has received the delivery and done nothing else.
    ConsumerAfterReceive,
    /// The consumer has applied the side effect, before acking (at-most-once acks first).
    ConsumerAfterApply,
    /// The consumer has sent the ack.
    ConsumerAfterAck,
    /// The coordinator has sent the prepares.
    CoordinatorAfterPrepareSent,
    /// The coordinator has every vote and has not logged a decision.
    CoordinatorAfterVotes,
    /// The coordinator has logged COMMIT and sent it to nobody.
    CoordinatorAfterDecisionLogged,
    /// The coordinator has sent the decision to the first participant only.
    CoordinatorMidBroadcast,
    /// The consumer DB participant has received the prepare and not voted.
    ParticipantBeforeVote,
    /// The consumer DB participant has logged "prepared" and voted yes.
    ParticipantAfterVoteYes,
    /// The consumer DB participant has committed, before telling the coordinator.
    ParticipantAfterCommit,
    /// Replicated queue: the leader has sent the confirm for the message (`acks=1`
    /// right after its append, `acks=all` once the high watermark passed it).
    BrokerAfterConfirm,
    /// Replicated queue: a follower has appended the message and sent its next fetch
    /// (which tells the leader it has the message), before the answer that carries the
    /// new high watermark arrives: KIP-101's window.
    BrokerAfterFetch,
    /// Consumer groups (Kafka style): the consumer's commit of the offset past the
    /// message has returned (before processing it with `--commit before`, after with
    /// `--commit after`; an auto-commit covering it has been sent).
    ConsumerAfterCommit,
    /// Kafka transactions: the producer has sent every record of its transaction (and
    /// its offsets) and had them acknowledged, and has not sent EndTxn.
    #[cfg(feature = "kafka-txn")]
    ProducerBeforeEndTxn,
    /// Kafka transactions: the transaction coordinator has logged PREPARE_COMMIT in its
    /// transaction log, before answering the producer or writing any marker.
    #[cfg(feature = "kafka-txn")]
    CoordinatorAfterPrepareCommitLogged,
    /// Kafka transactions: the transaction coordinator has written the commit or abort
    /// marker to the first partition of the transaction only.
    #[cfg(feature = "kafka-txn")]
    CoordinatorMidMarkers,
    /// Dual writes and the outbox: the service has committed its local transaction (the
    /// business row; with an outbox, the row and its outbox row), before publishing.
    #[cfg(feature = "outbox")]
    ServiceAfterDbCommit,
    /// Dual writes: the service has sent the event to the broker (with publish first,
    /// before committing its row).
    #[cfg(feature = "outbox")]
    ServiceAfterPublish,
    /// The outbox: the relay has sent an outbox row's event to the broker, before
    /// marking the row sent.
    #[cfg(feature = "outbox")]
    RelayAfterPublish,
    /// The outbox: the relay has marked an outbox row sent (after the broker's confirm,
    /// or before it with `--relay-marks before-confirm`).
    #[cfg(feature = "outbox")]
    RelayAfterMark,
    /// The inbox: the consumer has committed its local transaction (the message id in
    /// the inbox table and the business update), before acking (after it with
    /// `--inbox-ack before-commit`).
    #[cfg(feature = "outbox")]
    ConsumerAfterInboxCommit,
}

/// A crash point's sentence: in the core's narration, or in the catalogue of the world
/// that has the point (a build without that world carries neither).
#[derive(Clone, Copy)]
enum Described {
    Narration(Key),
    #[cfg(feature = "kafka-txn")]
    KafkaTxn(mqlab_text::kafka_txn::Key),
    #[cfg(feature = "outbox")]
    Outbox(mqlab_text::outbox::Key),
}

impl Described {
    fn english(self) -> &'static str {
        match self {
            Described::Narration(key) => key.english(),
            #[cfg(feature = "kafka-txn")]
            Described::KafkaTxn(key) => key.english(),
            #[cfg(feature = "outbox")]
            Described::Outbox(key) => key.english(),
        }
    }

    fn told(self, words: &Words) -> &'static str {
        match self {
            Described::Narration(key) => words.get(key),
            #[cfg(feature = "kafka-txn")]
            Described::KafkaTxn(key) => words.get(key),
            #[cfg(feature = "outbox")]
            Described::Outbox(key) => words.get(key),
        }
    }
}

impl CrashPoint {
    /// Every crash point, in pipeline order.
    pub const ALL: [CrashPoint; 16] = [
        CrashPoint::ProducerBeforeSend,
        CrashPoint::ProducerAfterSend,
        CrashPoint::ProducerAfterConfirm,
        CrashPoint::BrokerAfterAppend,
        CrashPoint::BrokerAfterFsync,
        CrashPoint::BrokerAfterDeliver,
        CrashPoint::ConsumerAfterReceive,
        CrashPoint::ConsumerAfterApply,
        CrashPoint::ConsumerAfterAck,
        CrashPoint::CoordinatorAfterPrepareSent,
        CrashPoint::CoordinatorAfterVotes,
        CrashPoint::CoordinatorAfterDecisionLogged,
        CrashPoint::CoordinatorMidBroadcast,
        CrashPoint::ParticipantBeforeVote,
        CrashPoint::ParticipantAfterVoteYes,
        CrashPoint::ParticipantAfterCommit,
    ];

    /// The points that exist only in a replicated queue (several brokers). They are
    /// not in `ALL`, which lists the points of every world.
    pub const REPLICATION: [CrashPoint; 3] = [
        CrashPoint::BrokerAfterAppend,
        CrashPoint::BrokerAfterConfirm,
        CrashPoint::BrokerAfterFetch,
    ];

    /// The points that exist only with consumer groups (Kafka style). Not in `ALL`.
    pub const GROUPS: [CrashPoint; 1] = [CrashPoint::ConsumerAfterCommit];

    /// The points of transactional mode's Kafka protocol (Kafka transactions), in
    /// protocol order. Only `producer.after_send` is shared with the other protocols;
    /// the rest are not in `ALL`.
    #[cfg(feature = "kafka-txn")]
    pub const KAFKA_TXN: [CrashPoint; 4] = [
        CrashPoint::ProducerAfterSend,
        CrashPoint::ProducerBeforeEndTxn,
        CrashPoint::CoordinatorAfterPrepareCommitLogged,
        CrashPoint::CoordinatorMidMarkers,
    ];

    /// True when the point exists only in Kafka transactions.
    #[cfg(feature = "kafka-txn")]
    pub const fn kafka_txn_only(self) -> bool {
        matches!(
            self,
            CrashPoint::ProducerBeforeEndTxn
                | CrashPoint::CoordinatorAfterPrepareCommitLogged
                | CrashPoint::CoordinatorMidMarkers
        )
    }

    /// The points of the dual-write world (`--pattern`), in protocol order. Only
    /// `consumer.after_ack` is shared with the delivery modes; the rest are not in `ALL`
    /// and belong to no mode.
    #[cfg(feature = "outbox")]
    pub const OUTBOX: [CrashPoint; 6] = [
        CrashPoint::ServiceAfterDbCommit,
        CrashPoint::ServiceAfterPublish,
        CrashPoint::RelayAfterPublish,
        CrashPoint::RelayAfterMark,
        CrashPoint::ConsumerAfterInboxCommit,
        CrashPoint::ConsumerAfterAck,
    ];

    /// True when the point exists only in the dual-write world.
    #[cfg(feature = "outbox")]
    pub const fn outbox_only(self) -> bool {
        matches!(
            self,
            CrashPoint::ServiceAfterDbCommit
                | CrashPoint::ServiceAfterPublish
                | CrashPoint::RelayAfterPublish
                | CrashPoint::RelayAfterMark
                | CrashPoint::ConsumerAfterInboxCommit
        )
    }

    /// The name, e.g. "consumer.after_apply".
    pub const fn as_str(self) -> &'static str {
        match self {
            CrashPoint::ProducerBeforeSend => "producer.before_send",
            CrashPoint::ProducerAfterSend => "producer.after_send",
            CrashPoint::ProducerAfterConfirm => "producer.after_confirm",
            CrashPoint::BrokerAfterAppend => "broker.after_append",
            CrashPoint::BrokerAfterFsync => "broker.after_fsync",
            CrashPoint::BrokerAfterDeliver => "broker.after_deliver",
            CrashPoint::ConsumerAfterReceive => "consumer.after_receive",
            CrashPoint::ConsumerAfterApply => "consumer.after_apply",
            CrashPoint::ConsumerAfterAck => "consumer.after_ack",
            CrashPoint::CoordinatorAfterPrepareSent => "coordinator.after_prepare_sent",
            CrashPoint::CoordinatorAfterVotes => "coordinator.after_votes",
            CrashPoint::CoordinatorAfterDecisionLogged => "coordinator.after_decision_logged",
            CrashPoint::CoordinatorMidBroadcast => "coordinator.mid_broadcast",
            CrashPoint::ParticipantBeforeVote => "participant.before_vote",
            CrashPoint::ParticipantAfterVoteYes => "participant.after_vote_yes",
            CrashPoint::ParticipantAfterCommit => "participant.after_commit",
            CrashPoint::BrokerAfterConfirm => "broker.after_confirm",
            CrashPoint::BrokerAfterFetch => "broker.after_fetch",
            CrashPoint::ConsumerAfterCommit => "consumer.after_commit",
            #[cfg(feature = "kafka-txn")]
            CrashPoint::ProducerBeforeEndTxn => "producer.before_end_txn",
            #[cfg(feature = "kafka-txn")]
            CrashPoint::CoordinatorAfterPrepareCommitLogged => {
                "coordinator.after_prepare_commit_logged"
            }
            #[cfg(feature = "kafka-txn")]
            CrashPoint::CoordinatorMidMarkers => "coordinator.mid_markers",
            #[cfg(feature = "outbox")]
            CrashPoint::ServiceAfterDbCommit => "service.after_db_commit",
            #[cfg(feature = "outbox")]
            CrashPoint::ServiceAfterPublish => "service.after_publish",
            #[cfg(feature = "outbox")]
            CrashPoint::RelayAfterPublish => "relay.after_publish",
            #[cfg(feature = "outbox")]
            CrashPoint::RelayAfterMark => "relay.after_mark",
            #[cfg(feature = "outbox")]
            CrashPoint::ConsumerAfterInboxCommit => "consumer.after_inbox_commit",
        }
    }

    /// The node that crashes. The participant points belong to the consumer DB, the
    /// participant whose side effect a duplicate would damage; the other participants
    /// can be crashed at any moment with `Command::Crash`. The dual-write world's service
    /// and relay stand where the producer stands in the delivery modes (they publish);
    /// that world names its own nodes (`outbox::OutboxNode::of_point`).
    pub const fn node(self) -> NodeId {
        match self {
            CrashPoint::ProducerBeforeSend
            | CrashPoint::ProducerAfterSend
            | CrashPoint::ProducerAfterConfirm => NodeId::PRODUCER,
            #[cfg(feature = "kafka-txn")]
            CrashPoint::ProducerBeforeEndTxn => NodeId::PRODUCER,
            #[cfg(feature = "outbox")]
            CrashPoint::ServiceAfterDbCommit
            | CrashPoint::ServiceAfterPublish
            | CrashPoint::RelayAfterPublish
            | CrashPoint::RelayAfterMark => NodeId::PRODUCER,
            CrashPoint::BrokerAfterAppend
            | CrashPoint::BrokerAfterFsync
            | CrashPoint::BrokerAfterDeliver
            | CrashPoint::BrokerAfterConfirm
            | CrashPoint::BrokerAfterFetch => NodeId::BROKER,
            CrashPoint::ConsumerAfterReceive
            | CrashPoint::ConsumerAfterApply
            | CrashPoint::ConsumerAfterAck
            | CrashPoint::ConsumerAfterCommit
            | CrashPoint::ParticipantBeforeVote
            | CrashPoint::ParticipantAfterVoteYes
            | CrashPoint::ParticipantAfterCommit => NodeId::CONSUMER,
            #[cfg(feature = "outbox")]
            CrashPoint::ConsumerAfterInboxCommit => NodeId::CONSUMER,
            CrashPoint::CoordinatorAfterPrepareSent
            | CrashPoint::CoordinatorAfterVotes
            | CrashPoint::CoordinatorAfterDecisionLogged
            | CrashPoint::CoordinatorMidBroadcast => NodeId::COORDINATOR,
            #[cfg(feature = "kafka-txn")]
            CrashPoint::CoordinatorAfterPrepareCommitLogged | CrashPoint::CoordinatorMidMarkers => {
                NodeId::COORDINATOR
            }
        }
    }

    /// True when the point can fire in the mode: the delivery points in every mode (a
    /// producer without confirms has no "after confirm"; in transactional mode the
    /// message travels inside its transaction), the coordinator and participant points
    /// in transactional mode.
    pub const fn applies_to(self, mode: Mode) -> bool {
        match self {
            CrashPoint::ProducerAfterConfirm => {
                mode.confirms() || matches!(mode, Mode::Transactional)
            }
            CrashPoint::ProducerBeforeSend
            | CrashPoint::ProducerAfterSend
            | CrashPoint::BrokerAfterAppend
            | CrashPoint::BrokerAfterFsync
            | CrashPoint::BrokerAfterDeliver
            | CrashPoint::ConsumerAfterReceive
            | CrashPoint::ConsumerAfterApply
            | CrashPoint::ConsumerAfterAck => true,
            CrashPoint::BrokerAfterConfirm
            | CrashPoint::BrokerAfterFetch
            | CrashPoint::ConsumerAfterCommit => !matches!(mode, Mode::Transactional),
            // The dual-write world's points belong to its patterns, not to a mode.
            #[cfg(feature = "outbox")]
            CrashPoint::ServiceAfterDbCommit
            | CrashPoint::ServiceAfterPublish
            | CrashPoint::RelayAfterPublish
            | CrashPoint::RelayAfterMark
            | CrashPoint::ConsumerAfterInboxCommit => false,
            _ => matches!(mode, Mode::Transactional),
        }
    }

    /// The entry of one plain sentence saying when the crash happens.
    fn describe_key(self) -> Described {
        Described::Narration(match self {
            CrashPoint::ProducerBeforeSend => Key::CrashPointProducerBeforeSend,
            CrashPoint::ProducerAfterSend => Key::CrashPointProducerAfterSend,
            CrashPoint::ProducerAfterConfirm => Key::CrashPointProducerAfterConfirm,
            CrashPoint::BrokerAfterAppend => Key::CrashPointBrokerAfterAppend,
            CrashPoint::BrokerAfterFsync => Key::CrashPointBrokerAfterFsync,
            CrashPoint::BrokerAfterDeliver => Key::CrashPointBrokerAfterDeliver,
            CrashPoint::ConsumerAfterReceive => Key::CrashPointConsumerAfterReceive,
            CrashPoint::ConsumerAfterApply => Key::CrashPointConsumerAfterApply,
            CrashPoint::ConsumerAfterAck => Key::CrashPointConsumerAfterAck,
            CrashPoint::CoordinatorAfterPrepareSent => Key::CrashPointCoordinatorAfterPrepareSent,
            CrashPoint::CoordinatorAfterVotes => Key::CrashPointCoordinatorAfterVotes,
            CrashPoint::CoordinatorAfterDecisionLogged => {
                Key::CrashPointCoordinatorAfterDecisionLogged
            }
            CrashPoint::CoordinatorMidBroadcast => Key::CrashPointCoordinatorMidBroadcast,
            CrashPoint::ParticipantBeforeVote => Key::CrashPointParticipantBeforeVote,
            CrashPoint::ParticipantAfterVoteYes => Key::CrashPointParticipantAfterVoteYes,
            CrashPoint::ParticipantAfterCommit => Key::CrashPointParticipantAfterCommit,
            CrashPoint::BrokerAfterConfirm => Key::CrashPointBrokerAfterConfirm,
            CrashPoint::BrokerAfterFetch => Key::CrashPointBrokerAfterFetch,
            CrashPoint::ConsumerAfterCommit => Key::CrashPointConsumerAfterCommit,
            #[cfg(feature = "kafka-txn")]
            CrashPoint::ProducerBeforeEndTxn => {
                return Described::KafkaTxn(
                    mqlab_text::kafka_txn::Key::CrashPointProducerBeforeEndTxn,
                )
            }
            #[cfg(feature = "kafka-txn")]
            CrashPoint::CoordinatorAfterPrepareCommitLogged => {
                return Described::KafkaTxn(
                    mqlab_text::kafka_txn::Key::CrashPointCoordinatorAfterPrepareCommitLogged,
                )
            }
            #[cfg(feature = "kafka-txn")]
            CrashPoint::CoordinatorMidMarkers => {
                return Described::KafkaTxn(
                    mqlab_text::kafka_txn::Key::CrashPointCoordinatorMidMarkers,
                )
            }
            #[cfg(feature = "outbox")]
            CrashPoint::ServiceAfterDbCommit => {
                return Described::Outbox(mqlab_text::outbox::Key::CrashPointServiceAfterDbCommit)
            }
            #[cfg(feature = "outbox")]
            CrashPoint::ServiceAfterPublish => {
                return Described::Outbox(mqlab_text::outbox::Key::CrashPointServiceAfterPublish)
            }
            #[cfg(feature = "outbox")]
            CrashPoint::RelayAfterPublish => {
                return Described::Outbox(mqlab_text::outbox::Key::CrashPointRelayAfterPublish)
            }
            #[cfg(feature = "outbox")]
            CrashPoint::RelayAfterMark => {
                return Described::Outbox(mqlab_text::outbox::Key::CrashPointRelayAfterMark)
            }
            #[cfg(feature = "outbox")]
            CrashPoint::ConsumerAfterInboxCommit => {
                return Described::Outbox(
                    mqlab_text::outbox::Key::CrashPointConsumerAfterInboxCommit,
                )
            }
        })
    }

    /// The entry saying when the crash happens in `mode`: in transactional mode the
    /// delivery points fall inside a transaction's work.
    fn describe_key_in(self, mode: Mode) -> Described {
        if !matches!(mode, Mode::Transactional) {
            return self.describe_key();
        }
        Described::Narration(match self {
            CrashPoint::ProducerBeforeSend => Key::CrashPointInTxnProducerBeforeSend,
            CrashPoint::ProducerAfterSend => Key::CrashPointInTxnProducerAfterSend,
            CrashPoint::ProducerAfterConfirm => Key::CrashPointInTxnProducerAfterConfirm,
            CrashPoint::BrokerAfterAppend => Key::CrashPointInTxnBrokerAfterAppend,
            CrashPoint::BrokerAfterFsync => Key::CrashPointInTxnBrokerAfterFsync,
            CrashPoint::BrokerAfterDeliver => Key::CrashPointInTxnBrokerAfterDeliver,
            CrashPoint::ConsumerAfterReceive => Key::CrashPointInTxnConsumerAfterReceive,
            CrashPoint::ConsumerAfterApply => Key::CrashPointInTxnConsumerAfterApply,
            CrashPoint::ConsumerAfterAck => Key::CrashPointInTxnConsumerAfterAck,
            _ => return self.describe_key(),
        })
    }

    /// The entry saying when the crash happens with consumer groups (Kafka style),
    /// where a consumer commits offsets instead of acking.
    fn describe_key_with_groups(self, mode: Mode) -> Described {
        Described::Narration(match self {
            CrashPoint::ConsumerAfterReceive => Key::CrashPointWithGroupsConsumerAfterReceive,
            CrashPoint::ConsumerAfterApply => Key::CrashPointWithGroupsConsumerAfterApply,
            CrashPoint::BrokerAfterDeliver => Key::CrashPointWithGroupsBrokerAfterDeliver,
            _ => return self.describe_key_in(mode),
        })
    }

    /// One plain sentence saying when the crash happens (in English).
    pub fn describe(self) -> &'static str {
        self.describe_key().english()
    }

    /// One plain sentence saying when the crash happens in `mode` (in English).
    pub fn describe_in(self, mode: Mode) -> &'static str {
        self.describe_key_in(mode).english()
    }

    /// One plain sentence saying when the crash happens with consumer groups (in
    /// English).
    pub fn describe_with_groups(self, mode: Mode) -> &'static str {
        self.describe_key_with_groups(mode).english()
    }

    /// When the crash happens, in `words`.
    pub fn describe_words(self, words: &Words) -> &'static str {
        self.describe_key().told(words)
    }

    /// When the crash happens in `mode`, in `words`.
    pub fn describe_in_words(self, mode: Mode, words: &Words) -> &'static str {
        self.describe_key_in(mode).told(words)
    }

    /// When the crash happens with consumer groups, in `words`.
    pub fn describe_with_groups_words(self, mode: Mode, words: &Words) -> &'static str {
        self.describe_key_with_groups(mode).told(words)
    }

    /// A dense bit position for quick "is anything armed here" checks.
    #[inline]
    pub(crate) const fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

fn is_first(instance: &u8) -> bool {
    *instance == 0
}

impl CrashPoint {
    /// The node of the topology that crashes at this point: the `instance`-th node of
    /// the point's role.
    pub const fn node_at(self, instance: u8) -> NodeId {
        NodeId::new(self.node().role(), instance)
    }

    /// The point's name for the `instance`-th node of its role: "broker.after_append",
    /// "broker-2.after_append", "participant-2.before_vote" (the second consumer DB).
    pub fn name_at(self, instance: u8) -> String {
        if instance == 0 {
            return self.as_str().to_string();
        }
        let (role, step) = self.as_str().split_once('.').unwrap_or((self.as_str(), ""));
        format!("{role}-{}.{step}", u32::from(instance) + 1)
    }

    /// Reads a point named for a node instance ("broker-2.after_append"), or for the
    /// first node of its role ("broker.after_append").
    pub fn parse_at(input: &str) -> Result<(CrashPoint, u8), UnknownName> {
        let text = input.trim();
        if let Ok(point) = text.parse::<CrashPoint>() {
            return Ok((point, 0));
        }
        let unknown = || UnknownName {
            what: mqlab_text::errors::Key::NameCrashPoint,
            input: input.to_string(),
            expected: CrashPoint::ALL.map(CrashPoint::as_str).join(", "),
            hint: Some(mqlab_text::errors::Key::HintCrashPoint),
        };
        let (who, step) = text.split_once('.').ok_or_else(unknown)?;
        let (role, number) = who.rsplit_once('-').ok_or_else(unknown)?;
        if number.is_empty() || number.len() > 3 || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(unknown());
        }
        let number: u32 = number.parse().map_err(|_| unknown())?;
        if !(2..=256).contains(&number) {
            return Err(unknown());
        }
        let point = format!("{role}.{step}")
            .parse::<CrashPoint>()
            .map_err(|_| unknown())?;
        if point.node().role() == crate::node::RoleKind::Coordinator {
            return Err(unknown());
        }
        Ok((point, (number - 1) as u8))
    }
}

impl FromStr for CrashPoint {
    type Err = UnknownName;

    fn from_str(input: &str) -> Result<CrashPoint, UnknownName> {
        parse_name(
            mqlab_text::errors::Key::NameCrashPoint,
            input,
            &CrashPoint::EVERY,
            CrashPoint::as_str,
        )
    }
}

impl CrashPoint {
    /// The points this build has beyond `ALL`: the replicated queue's and the consumer
    /// groups', and those of the worlds built in (Kafka transactions, the dual writes).
    const EXTRA: &'static [CrashPoint] = &[
        CrashPoint::BrokerAfterConfirm,
        CrashPoint::BrokerAfterFetch,
        CrashPoint::ConsumerAfterCommit,
        #[cfg(feature = "kafka-txn")]
        CrashPoint::ProducerBeforeEndTxn,
        #[cfg(feature = "kafka-txn")]
        CrashPoint::CoordinatorAfterPrepareCommitLogged,
        #[cfg(feature = "kafka-txn")]
        CrashPoint::CoordinatorMidMarkers,
        #[cfg(feature = "outbox")]
        CrashPoint::ServiceAfterDbCommit,
        #[cfg(feature = "outbox")]
        CrashPoint::ServiceAfterPublish,
        #[cfg(feature = "outbox")]
        CrashPoint::RelayAfterPublish,
        #[cfg(feature = "outbox")]
        CrashPoint::RelayAfterMark,
        #[cfg(feature = "outbox")]
        CrashPoint::ConsumerAfterInboxCommit,
    ];

    /// Every point of this build, as names are looked up.
    const EVERY: [CrashPoint; CrashPoint::ALL.len() + CrashPoint::EXTRA.len()] = {
        let mut every =
            [CrashPoint::ProducerBeforeSend; CrashPoint::ALL.len() + CrashPoint::EXTRA.len()];
        let mut i = 0;
        while i < CrashPoint::ALL.len() {
            every[i] = CrashPoint::ALL[i];
            i += 1;
        }
        let mut j = 0;
        while j < CrashPoint::EXTRA.len() {
            every[i + j] = CrashPoint::EXTRA[j];
            j += 1;
        }
        every
    };
}

named_serde!(CrashPoint);

/// User input to a running simulation. Every applied command is recorded with the step
/// at which it was applied, so that a run is its scenario plus its commands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    /// Crash a node now.
    Crash(NodeId),
    /// Restart a crashed node now.
    Restart(NodeId),
    /// Crash the point's node when it reaches the point for the message (any message
    /// when `None`). One-shot.
    CrashAt {
        /// The protocol step.
        point: CrashPoint,
        /// The message number (1 for m1), or any.
        message: Option<u32>,
        /// Which node of the point's role, from 0 ("broker" is 0, "broker-2" is 1).
        #[serde(default, skip_serializing_if = "is_first")]
        instance: u8,
    },
    /// Drop the next message sent on the link (of the kind, if given).
    DropNext {
        /// The link.
        link: LinkId,
        /// Only this kind, or any.
        kind: Option<MessageKind>,
    },
    /// Deliver the next message sent on the link twice.
    DuplicateNext {
        /// The link.
        link: LinkId,
    },
    /// Add ticks to the next message's latency on the link.
    DelayNext {
        /// The link.
        link: LinkId,
        /// Extra latency in ticks.
        ticks: u64,
    },
    /// Drop the n-th matching message (n = 1 for the next one) of a kind on a link,
    /// optionally only messages about one message id.
    DropMatching {
        /// The link.
        link: LinkId,
        /// Only this kind, or any.
        kind: Option<MessageKind>,
        /// Only envelopes about this message number, or any.
        message: Option<u32>,
        /// Which matching envelope, counting from 1.
        nth: u32,
    },
    /// Duplicate the n-th matching message.
    DuplicateMatching {
        /// The link.
        link: LinkId,
        /// Only this kind, or any.
        kind: Option<MessageKind>,
        /// Only envelopes about this message number, or any.
        message: Option<u32>,
        /// Which matching envelope, counting from 1.
        nth: u32,
    },
    /// Delay the n-th matching message.
    DelayMatching {
        /// The link.
        link: LinkId,
        /// Only this kind, or any.
        kind: Option<MessageKind>,
        /// Only envelopes about this message number, or any.
        message: Option<u32>,
        /// Which matching envelope, counting from 1.
        nth: u32,
        /// Extra latency in ticks.
        ticks: u64,
    },
    /// Cut the link: everything arriving on it is lost until it heals.
    Partition {
        /// The link.
        link: LinkId,
    },
    /// Restore a partitioned link.
    Heal {
        /// The link.
        link: LinkId,
    },
    /// Set the loss probability of every link.
    SetLoss(Ratio),
    /// Set the duplication probability of every link.
    SetDuplicate(Ratio),
    /// Set the reordering probability of every link.
    SetReorder(Ratio),
    /// Set the probability, per step, that a random node crashes.
    SetCrashRate(Ratio),
    /// Move every message of the dead-letter queue back to the queue (a shovel, after
    /// the cause was fixed or to try again).
    ReplayDeadLetters,
}

/// A fault written into the scenario: a command applied when the run reaches a step
/// (`at_step`), or armed from the start when `at_step` is `None`. A partition from step
/// a to step b is two planned faults: `Partition` at a and `Heal` at b.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedFault {
    /// The step before which the command is applied; `None` means before the first step.
    #[serde(default)]
    pub at_step: Option<u64>,
    /// What to do.
    pub command: Command,
}

impl PlannedFault {
    /// A fault armed before the first step.
    pub fn at_start(command: Command) -> PlannedFault {
        PlannedFault {
            at_step: None,
            command,
        }
    }

    /// A fault applied before the given step.
    pub fn at(step: u64, command: Command) -> PlannedFault {
        PlannedFault {
            at_step: Some(step),
            command,
        }
    }
}

/// Why a command was refused. The simulation is unchanged when a command is refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommandError {
    /// The node does not exist in this mode (the coordinator outside transactional).
    NodeNotInMode {
        /// The node.
        node: NodeId,
        /// The mode.
        mode: Mode,
    },
    /// The node is not in this world's topology (a third consumer when there are two).
    NodeNotInTopology {
        /// The node.
        node: NodeId,
    },
    /// Crash of a node that is already down.
    NodeAlreadyDown {
        /// The node.
        node: NodeId,
    },
    /// Restart of a node that is up.
    NodeAlreadyUp {
        /// The node.
        node: NodeId,
    },
    /// The crash point cannot fire in this mode.
    CrashPointNotInMode {
        /// The point.
        point: CrashPoint,
        /// The mode.
        mode: Mode,
    },
    /// The message number is not in 1..=messages.
    MessageOutOfRange {
        /// The number given.
        message: u32,
        /// How many messages the scenario has.
        messages: u32,
    },
    /// The link does not exist in this mode.
    LinkNotInMode {
        /// The link.
        link: LinkId,
        /// The mode.
        mode: Mode,
    },
    /// The link never carries that kind of message.
    KindNotOnLink {
        /// The link.
        link: LinkId,
        /// The kind.
        kind: MessageKind,
    },
    /// "The 0th message" does not exist; counting starts at 1.
    NthIsZero,
    /// The extra delay is larger than `MAX_DELAY_TICKS`.
    DelayTooLong {
        /// The ticks given.
        ticks: u64,
    },
    /// The link is already partitioned.
    AlreadyPartitioned {
        /// The link.
        link: LinkId,
    },
    /// The link is not partitioned.
    NotPartitioned {
        /// The link.
        link: LinkId,
    },
    /// The ratio is not a probability.
    InvalidRatio {
        /// The ratio given.
        ratio: Ratio,
    },
    /// More than `MAX_ARMED_FAULTS` one-shot faults are waiting.
    TooManyArmedFaults {
        /// The limit.
        limit: u32,
    },
    /// The scenario has no dead-letter queue (or is in transactional mode).
    NoDeadLetterQueue,
    /// The dead-letter queue is empty.
    NothingToReplay,
    /// The broker is down, so it cannot replay its dead letters.
    BrokerDown,
    /// The crash point belongs to the other consumer style: `consumer.after_ack` to a
    /// queue's consumers, `consumer.after_commit` to consumer groups.
    CrashPointNotInStyle {
        /// The point.
        point: CrashPoint,
        /// True when the run has consumer groups (Kafka style).
        kafka: bool,
    },
    /// A fault on a Kafka consumer's connection to the broker, which this version keeps
    /// reliable (its heartbeats, fetches and commits are not lost or duplicated).
    ReliableLink {
        /// The link.
        link: LinkId,
    },
    /// Consumer groups have a dead-letter topic that is not replayed in this version.
    NoReplayForTopic,
    /// The crash point belongs to the other transaction protocol: the points of Kafka
    /// transactions to `--protocol kafka`, the 2PC points to XA.
    #[cfg(feature = "kafka-txn")]
    CrashPointNotInProtocol {
        /// The point.
        point: CrashPoint,
        /// True when the run uses Kafka transactions.
        kafka: bool,
    },
}

impl CommandError {
    /// Why the command is refused, in `words` (the CLI and the trace hash read English).
    pub fn describe_in(&self, words: &Words) -> String {
        use crate::speech::{say, the};
        let w = words;
        match *self {
            CommandError::NodeNotInMode { node, mode } => say!(
                w,
                CommandErrorNodeNotInMode,
                node = node.name().to_string(),
                mode = mode.as_str()
            ),
            CommandError::NodeNotInTopology { node } => say!(
                w,
                CommandErrorNodeNotInTopology,
                node = node.name().to_string(),
                role = node.role().name()
            ),
            CommandError::NodeAlreadyDown { node } => {
                say!(w, CommandErrorNodeAlreadyDown, node = the(w, node))
            }
            CommandError::NodeAlreadyUp { node } => {
                say!(w, CommandErrorNodeAlreadyUp, node = the(w, node))
            }
            CommandError::CrashPointNotInMode { point, mode } => say!(
                w,
                CommandErrorCrashPointNotInMode,
                point = point.to_string(),
                mode = mode.as_str()
            ),
            CommandError::MessageOutOfRange { message, messages } => say!(
                w,
                CommandErrorMessageOutOfRange,
                message = message.to_string(),
                messages = messages.to_string()
            ),
            CommandError::LinkNotInMode { link, mode } => say!(
                w,
                CommandErrorLinkNotInMode,
                link = link.to_string(),
                mode = mode.as_str()
            ),
            CommandError::KindNotOnLink { link, kind } => say!(
                w,
                CommandErrorKindNotOnLink,
                link = link.to_string(),
                kind = kind.to_string()
            ),
            CommandError::NthIsZero => say!(w, CommandErrorNthIsZero),
            CommandError::DelayTooLong { ticks } => say!(
                w,
                CommandErrorDelayTooLong,
                ticks = ticks.to_string(),
                limit = crate::limits::MAX_DELAY_TICKS.to_string()
            ),
            CommandError::AlreadyPartitioned { link } => {
                say!(w, CommandErrorAlreadyPartitioned, link = link.to_string())
            }
            CommandError::NotPartitioned { link } => {
                say!(w, CommandErrorNotPartitioned, link = link.to_string())
            }
            CommandError::InvalidRatio { ratio } => {
                say!(w, CommandErrorInvalidRatio, ratio = ratio.to_string())
            }
            CommandError::NoDeadLetterQueue => say!(w, CommandErrorNoDeadLetterQueue),
            CommandError::NothingToReplay => say!(w, CommandErrorNothingToReplay),
            CommandError::BrokerDown => say!(w, CommandErrorBrokerDown),
            CommandError::TooManyArmedFaults { limit } => {
                say!(w, CommandErrorTooManyArmedFaults, limit = limit.to_string())
            }
            CommandError::CrashPointNotInStyle { point, kafka: true } => say!(
                w,
                CommandErrorCrashPointWithGroups,
                point = point.to_string()
            ),
            CommandError::CrashPointNotInStyle {
                point,
                kafka: false,
            } => say!(
                w,
                CommandErrorCrashPointGroupsOnly,
                point = point.to_string()
            ),
            CommandError::ReliableLink { link } => {
                say!(w, CommandErrorReliableLink, link = link.to_string())
            }
            CommandError::NoReplayForTopic => say!(w, CommandErrorNoReplayForTopic),
            #[cfg(feature = "kafka-txn")]
            CommandError::CrashPointNotInProtocol { point, kafka } => {
                use mqlab_text::kafka_txn::Key;
                let point = mqlab_text::Arg::from(point.to_string());
                if kafka {
                    let points = CrashPoint::KAFKA_TXN.map(CrashPoint::as_str).join(", ");
                    w.fill(
                        Key::CommandErrorCrashPointNotInKafka,
                        &[("point", point), ("points", points.into())],
                    )
                } else {
                    w.fill(Key::CommandErrorCrashPointKafkaOnly, &[("point", point)])
                }
            }
        }
    }
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe_in(crate::sentences::english()))
    }
}

impl std::error::Error for CommandError {}
